//! Allocation instances, objectives and results, and the checks that turn ids into indices.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What an allocation optimises once it places as many teams as possible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// The smallest worst rank, then the least total rank.
    #[default]
    Fair,
    /// The least total rank.
    RankSum,
    /// The most first choices, then the most second choices, and so on.
    RankMaximal,
    /// The fewest teams at the worst rank, then at the next worst, and so on.
    Generous,
}

impl Objective {
    pub const ALL: [Objective; 4] = [
        Objective::Fair,
        Objective::RankSum,
        Objective::RankMaximal,
        Objective::Generous,
    ];

    /// The contract's spelling: `fair`, `rank_sum`, `rank_maximal`, `generous`.
    pub fn as_str(self) -> &'static str {
        match self {
            Objective::Fair => "fair",
            Objective::RankSum => "rank_sum",
            Objective::RankMaximal => "rank_maximal",
            Objective::Generous => "generous",
        }
    }
}

impl fmt::Display for Objective {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An objective name that is none of the four.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown objective {0:?}: expected fair, rank_sum, rank_maximal or generous")]
pub struct UnknownObjective(pub String);

impl FromStr for Objective {
    type Err = UnknownObjective;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Objective::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| UnknownObjective(s.to_owned()))
    }
}

/// A team and the problems it ranked, best first (rank 1 = first choice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamPrefs {
    pub id: String,
    pub prefs: Vec<String>,
}

/// A problem and how many teams it can take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemSpec {
    pub id: String,
    pub capacity: u32,
}

/// Everything one allocation needs. Pairs are `(team id, problem id)`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    pub teams: Vec<TeamPrefs>,
    pub problems: Vec<ProblemSpec>,
    /// Pairs never to be used. A forbidden pair the team did not rank is harmless.
    pub forbidden: Vec<(String, String)>,
    /// Pairs that must be used. Repeating the same pin is harmless.
    pub pinned: Vec<(String, String)>,
}

/// One team placed on one problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub team: String,
    pub problem: String,
    /// 1 = the team's first choice.
    pub rank: u32,
    /// Placed by a pin rather than chosen by the solver.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pinned: bool,
}

/// What became of one of an unplaced team's choices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceOutcome {
    pub problem: String,
    pub rank: u32,
    pub status: ChoiceStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ChoiceStatus {
    /// A `forbid` constraint excludes this pair.
    Forbidden,
    /// Every place is taken, by these teams (pinned ones included), in input order.
    Full { holders: Vec<String> },
}

/// Why a team is left unplaced.
///
/// The allocation places as many teams as possible, so none of the team's choices has a free
/// place and no chain of moves frees one. The counts are the exact certificate (a Hall
/// violator): `contenders` teams, this one included, ranked (forbidden pairs aside) only
/// problems whose `places` places are all taken by contenders (places taken by pins are not
/// counted), so `left_out = contenders - places` of them must stay out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnplacedReason {
    pub team: String,
    pub choices: Vec<ChoiceOutcome>,
    pub contenders: usize,
    pub places: usize,
    pub left_out: usize,
    /// The same, in one English sentence (the offline tool's and the API's words).
    pub message: String,
    /// The same as a code and its figures, for pages and e-mails to say in their reader's
    /// language (not part of the offline tool's output).
    #[serde(skip)]
    pub why: UnplacedWhy,
}

/// Why a team stays unplaced, as a code with its figures: each reader's language words it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "code")]
pub enum UnplacedWhy {
    /// The team ranked no problem.
    #[default]
    RankedNothing,
    /// Constraints forbid every problem it ranked.
    AllForbidden,
    /// Its allowed choices are full (`forbidden` of its `choices` are forbidden) and no move
    /// could free a place (pinned teams or no capacity).
    FullNoPlace { choices: usize, forbidden: usize },
    /// Its allowed choices are full, and `contenders` teams (it included) ranked only
    /// `problems` problems with `places` places between them: `left_out` must stay out.
    Contest {
        choices: usize,
        forbidden: usize,
        contenders: usize,
        problems: usize,
        places: usize,
        left_out: usize,
    },
}

impl UnplacedWhy {
    /// The English sentence (without its final stop), as the API and offline tool give it.
    pub fn english(&self) -> String {
        let full = |choices: usize, forbidden: usize| {
            if forbidden > 0 {
                format!(
                    "{forbidden} of its {choices} choices are forbidden and the others are full"
                )
            } else {
                "every choice is full".to_owned()
            }
        };
        match *self {
            Self::RankedNothing => "ranked no problem".to_owned(),
            Self::AllForbidden => "every choice is forbidden".to_owned(),
            Self::FullNoPlace { choices, forbidden } => format!(
                "{}, with no place a move could free (pinned teams or no capacity)",
                full(choices, forbidden)
            ),
            Self::Contest {
                choices,
                forbidden,
                contenders,
                problems,
                places,
                left_out,
            } => format!(
                "{}, and the teams holding them cannot move without unplacing another: \
                 {contenders} teams, this one included, ranked only {problems} problems \
                 with {places} places between them, so {left_out} must stay out",
                full(choices, forbidden)
            ),
        }
    }
}

/// The solved allocation. Assignments follow the teams' input order; so do `unassigned` and
/// `explanations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub objective: Objective,
    /// Teams placed, pinned ones included.
    pub assigned: usize,
    /// Sum of the ranks of all placed teams.
    pub total_rank: u64,
    /// The largest rank of a placed team; `None` when no team is placed.
    pub worst_rank: Option<u32>,
    /// `rank_profile[k]` counts teams placed on their (k+1)-th choice. Its length is that of
    /// the longest preference list, so profiles of one instance compare position by position.
    pub rank_profile: Vec<usize>,
    pub assignments: Vec<Assignment>,
    pub unassigned: Vec<String>,
    pub explanations: Vec<UnplacedReason>,
}

/// A pin that no allocation can honour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum PinConflict {
    /// The team did not rank the problem it is pinned to.
    NotRanked { team: String, problem: String },
    /// The pair is both pinned and forbidden.
    Forbidden { team: String, problem: String },
    /// More pins on the problem than it has places.
    OverCapacity {
        problem: String,
        capacity: u32,
        teams: Vec<String>,
    },
    /// One team pinned to several problems.
    TeamPinnedTwice { team: String, problems: Vec<String> },
}

impl PinConflict {
    /// The `(team, problem)` pins involved.
    pub fn pairs(&self) -> Vec<(String, String)> {
        match self {
            PinConflict::NotRanked { team, problem } | PinConflict::Forbidden { team, problem } => {
                vec![(team.clone(), problem.clone())]
            }
            PinConflict::OverCapacity { problem, teams, .. } => {
                teams.iter().map(|t| (t.clone(), problem.clone())).collect()
            }
            PinConflict::TeamPinnedTwice { team, problems } => {
                problems.iter().map(|p| (team.clone(), p.clone())).collect()
            }
        }
    }
}

fn write_pairs(f: &mut fmt::Formatter<'_>, pairs: &[(String, String)]) -> fmt::Result {
    for (i, (t, p)) in pairs.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "({t}, {p})")?;
    }
    Ok(())
}

impl fmt::Display for PinConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PinConflict::NotRanked { team, problem } => {
                write!(f, "pin ({team}, {problem}): {team} did not rank {problem}")
            }
            PinConflict::Forbidden { team, problem } => {
                write!(f, "pin ({team}, {problem}): the pair is also forbidden")
            }
            PinConflict::OverCapacity {
                problem, capacity, ..
            } => {
                f.write_str("pins ")?;
                write_pairs(f, &self.pairs())?;
                write!(f, ": {problem} has only {capacity} place(s)")
            }
            PinConflict::TeamPinnedTwice { team, .. } => {
                f.write_str("pins ")?;
                write_pairs(f, &self.pairs())?;
                write!(f, ": {team} can be placed on one problem only")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllocationError {
    /// The instance itself is wrong. `field` is a path such as `teams[3].prefs[1]`.
    #[error("{field}: {message}")]
    InvalidInput { field: String, message: String },
    /// Pins that cannot all hold, each naming its pairs.
    #[error("infeasible pins: {}", join_conflicts(conflicts))]
    InfeasiblePins { conflicts: Vec<PinConflict> },
}

fn join_conflicts(conflicts: &[PinConflict]) -> String {
    conflicts
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

fn invalid(field: String, message: String) -> AllocationError {
    AllocationError::InvalidInput { field, message }
}

/// The instance in indices, checked: every id known, no duplicates, pins feasible.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    /// `prefs_start[t]..prefs_start[t + 1]` indexes team `t`'s choices in the arrays below.
    pub prefs_start: Vec<usize>,
    pub pref_problem: Vec<u32>,
    pub pref_forbidden: Vec<bool>,
    pub capacity: Vec<u32>,
    /// Per team, the index (into the pref arrays) of the choice it is pinned to.
    pub pin: Vec<Option<usize>>,
    pub max_prefs: usize,
}

impl Compiled {
    pub fn n_teams(&self) -> usize {
        self.pin.len()
    }

    pub fn n_problems(&self) -> usize {
        self.capacity.len()
    }

    pub fn prefs(&self, team: usize) -> std::ops::Range<usize> {
        self.prefs_start[team]..self.prefs_start[team + 1]
    }

    pub fn new(instance: &Instance) -> Result<Compiled, AllocationError> {
        let mut team_index: HashMap<&str, usize> = HashMap::with_capacity(instance.teams.len());
        for (i, team) in instance.teams.iter().enumerate() {
            if let Some(first) = team_index.insert(team.id.as_str(), i) {
                return Err(invalid(
                    format!("teams[{i}].id"),
                    format!("duplicate team id {:?} (also teams[{first}])", team.id),
                ));
            }
        }
        let mut problem_index: HashMap<&str, u32> = HashMap::with_capacity(instance.problems.len());
        for (i, problem) in instance.problems.iter().enumerate() {
            let Ok(index) = u32::try_from(i) else {
                return Err(invalid(
                    "problems".to_owned(),
                    "too many problems".to_owned(),
                ));
            };
            if let Some(first) = problem_index.insert(problem.id.as_str(), index) {
                return Err(invalid(
                    format!("problems[{i}].id"),
                    format!(
                        "duplicate problem id {:?} (also problems[{first}])",
                        problem.id
                    ),
                ));
            }
        }

        let n_problems = instance.problems.len();
        let mut prefs_start = Vec::with_capacity(instance.teams.len() + 1);
        let mut pref_problem = Vec::new();
        let mut seen_by: Vec<usize> = vec![usize::MAX; n_problems];
        let mut max_prefs = 0;
        prefs_start.push(0);
        for (t, team) in instance.teams.iter().enumerate() {
            for (j, id) in team.prefs.iter().enumerate() {
                let Some(&p) = problem_index.get(id.as_str()) else {
                    return Err(invalid(
                        format!("teams[{t}].prefs[{j}]"),
                        format!("team {:?} ranks unknown problem {id:?}", team.id),
                    ));
                };
                if seen_by[p as usize] == t {
                    return Err(invalid(
                        format!("teams[{t}].prefs[{j}]"),
                        format!("team {:?} ranks problem {id:?} twice", team.id),
                    ));
                }
                seen_by[p as usize] = t;
                pref_problem.push(p);
            }
            max_prefs = max_prefs.max(team.prefs.len());
            prefs_start.push(pref_problem.len());
        }

        let find_pref = |t: usize, p: u32| -> Option<usize> {
            (prefs_start[t]..prefs_start[t + 1]).find(|&k| pref_problem[k] == p)
        };
        let lookup = |list: &str, i: usize, pair: &(String, String)| {
            let (team, problem) = pair;
            let t = team_index.get(team.as_str()).copied().ok_or_else(|| {
                invalid(format!("{list}[{i}][0]"), format!("unknown team {team:?}"))
            })?;
            let p = problem_index
                .get(problem.as_str())
                .copied()
                .ok_or_else(|| {
                    invalid(
                        format!("{list}[{i}][1]"),
                        format!("unknown problem {problem:?}"),
                    )
                })?;
            Ok::<_, AllocationError>((t, p))
        };

        let mut pref_forbidden = vec![false; pref_problem.len()];
        for (i, pair) in instance.forbidden.iter().enumerate() {
            let (t, p) = lookup("forbidden", i, pair)?;
            if let Some(k) = find_pref(t, p) {
                pref_forbidden[k] = true;
            }
        }

        // Pins: resolve all first, then report every conflict at once.
        let mut pins: Vec<(usize, u32)> = Vec::with_capacity(instance.pinned.len());
        for (i, pair) in instance.pinned.iter().enumerate() {
            pins.push(lookup("pinned", i, pair)?);
        }
        pins.sort_unstable();
        pins.dedup();
        let team_id = |t: usize| instance.teams[t].id.clone();
        let problem_id = |p: u32| instance.problems[p as usize].id.clone();
        let mut conflicts = Vec::new();
        let mut pin = vec![None; instance.teams.len()];
        let c_problem = |k: usize| pref_problem[k];
        for &(t, p) in &pins {
            match find_pref(t, p) {
                None => conflicts.push(PinConflict::NotRanked {
                    team: team_id(t),
                    problem: problem_id(p),
                }),
                Some(k) if pref_forbidden[k] => conflicts.push(PinConflict::Forbidden {
                    team: team_id(t),
                    problem: problem_id(p),
                }),
                Some(k) => pin[t] = Some(k),
            }
        }
        for group in pins.chunk_by(|a, b| a.0 == b.0) {
            if group.len() > 1 {
                conflicts.push(PinConflict::TeamPinnedTwice {
                    team: team_id(group[0].0),
                    problems: group.iter().map(|&(_, p)| problem_id(p)).collect(),
                });
            }
        }
        // Capacity counts only pins that are otherwise valid, so each bad pin is named once.
        let mut by_problem: Vec<(usize, u32)> = pins
            .iter()
            .copied()
            .filter(|&(t, p)| pin[t].is_some_and(|k| c_problem(k) == p))
            .collect();
        by_problem.sort_unstable_by_key(|&(t, p)| (p, t));
        for group in by_problem.chunk_by(|a, b| a.1 == b.1) {
            let p = group[0].1;
            let capacity = instance.problems[p as usize].capacity;
            if group.len() > capacity as usize {
                conflicts.push(PinConflict::OverCapacity {
                    problem: problem_id(p),
                    capacity,
                    teams: group.iter().map(|&(t, _)| team_id(t)).collect(),
                });
            }
        }
        if !conflicts.is_empty() {
            return Err(AllocationError::InfeasiblePins { conflicts });
        }

        Ok(Compiled {
            prefs_start,
            pref_problem,
            pref_forbidden,
            capacity: instance.problems.iter().map(|p| p.capacity).collect(),
            pin,
            max_prefs,
        })
    }
}
