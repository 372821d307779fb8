//! From a checked instance to the solver's graph, and from its matching back to an
//! [`Allocation`] with its rank profile and the reasons teams stay unplaced.

use super::domain::{
    Allocation, Assignment, ChoiceOutcome, ChoiceStatus, Compiled, Instance, Objective,
    UnplacedReason, UnplacedWhy,
};
use super::solver::{Graph, Matching, NONE};

/// The part of the instance the solver decides: teams without a pin and their allowed choices.
pub(crate) struct FreePart {
    pub graph: Graph,
    /// Free team index of each team, or `NONE` for pinned teams.
    pub free_index: Vec<u32>,
    /// Edge → index of the choice in the compiled preference arrays.
    pub pref: Vec<u32>,
    /// The worst rank among pinned teams, 0 if none.
    pub pinned_worst: u32,
}

impl FreePart {
    pub fn new(c: &Compiled) -> FreePart {
        let mut cap = c.capacity.clone();
        let mut pinned_worst = 0;
        let mut n_free = 0u32;
        let mut free_index = vec![NONE; c.n_teams()];
        let mut start = vec![0u32];
        let mut problem = Vec::new();
        let mut rank = Vec::new();
        let mut pref = Vec::new();
        for (t, slot) in free_index.iter_mut().enumerate() {
            let range = c.prefs(t);
            if let Some(k) = c.pin[t] {
                // Validation guarantees a place for every pin.
                let p = c.pref_problem[k] as usize;
                cap[p] = cap[p].saturating_sub(1);
                pinned_worst = pinned_worst.max((k - range.start + 1) as u32);
                continue;
            }
            *slot = n_free;
            n_free += 1;
            for k in range.clone() {
                if !c.pref_forbidden[k] {
                    problem.push(c.pref_problem[k]);
                    rank.push((k - range.start + 1) as u32);
                    pref.push(k as u32);
                }
            }
            start.push(problem.len() as u32);
        }
        FreePart {
            graph: Graph {
                start,
                problem,
                rank,
                cap,
            },
            free_index,
            pref,
            pinned_worst,
        }
    }
}

/// The allocation a matching of the free part stands for, with explanations.
pub(crate) fn allocation(
    instance: &Instance,
    c: &Compiled,
    free: &FreePart,
    m: &Matching,
    objective: Objective,
) -> Allocation {
    // Per team: the choice it got, and whether a pin gave it.
    let placed: Vec<Option<(usize, bool)>> = (0..c.n_teams())
        .map(|t| match c.pin[t] {
            Some(k) => Some((k, true)),
            None => {
                let e = m.mate[free.free_index[t] as usize];
                (e != NONE).then(|| (free.pref[e as usize] as usize, false))
            }
        })
        .collect();

    let mut rank_profile = vec![0usize; c.max_prefs];
    let mut total_rank = 0u64;
    let mut worst_rank = None;
    let mut assignments = Vec::new();
    let mut unassigned = Vec::new();
    let mut holders: Vec<Vec<u32>> = vec![Vec::new(); c.n_problems()];
    for (t, got) in placed.iter().enumerate() {
        let Some((k, pinned)) = *got else {
            unassigned.push(instance.teams[t].id.clone());
            continue;
        };
        let rank = (k - c.prefs_start[t] + 1) as u32;
        let p = c.pref_problem[k] as usize;
        rank_profile[rank as usize - 1] += 1;
        total_rank += u64::from(rank);
        worst_rank = worst_rank.max(Some(rank));
        holders[p].push(t as u32);
        assignments.push(Assignment {
            team: instance.teams[t].id.clone(),
            problem: instance.problems[p].id.clone(),
            rank,
            pinned,
        });
    }

    let contests = Contests::new(&free.graph, m);
    let explanations = placed
        .iter()
        .enumerate()
        .filter(|(_, got)| got.is_none())
        .map(|(t, _)| explain(instance, c, free, &contests, &holders, t))
        .collect();

    Allocation {
        objective,
        assigned: assignments.len(),
        total_rank,
        worst_rank,
        rank_profile,
        assignments,
        unassigned,
        explanations,
    }
}

/// The contest groups behind unplaced teams: the teams reachable from an unplaced team by
/// alternating paths (move onto a choice, displace one of its holders, …) and the problems
/// they rank, split into connected groups.
///
/// In a maximum matching every such problem is full and its holders are reached too, so in
/// each group the teams number the places plus the group's unplaced teams: a Hall violator.
struct Contests {
    /// Per free team: its group, or `NONE` when it contends for nothing.
    group: Vec<u32>,
    /// Per group: contenders, problems, places, unplaced teams.
    size: Vec<(usize, usize, usize, usize)>,
}

impl Contests {
    fn new(g: &Graph, m: &Matching) -> Contests {
        let (nt, np) = (g.n_teams(), g.n_problems());
        let mut team_in = vec![false; nt];
        let mut problem_in = vec![false; np];
        let mut stack: Vec<u32> = (0..nt as u32)
            .filter(|&u| m.mate[u as usize] == NONE)
            .collect();
        for &u in &stack {
            team_in[u as usize] = true;
        }
        while let Some(u) = stack.pop() {
            for e in g.edges(u as usize) {
                let p = g.problem[e] as usize;
                if !std::mem::replace(&mut problem_in[p], true) {
                    for &w in m.holders(p) {
                        if !std::mem::replace(&mut team_in[w as usize], true) {
                            stack.push(w);
                        }
                    }
                }
            }
        }

        // Union–find over problems: a team joins all the problems it ranks.
        let mut parent: Vec<u32> = (0..np as u32).collect();
        fn find(parent: &mut [u32], mut x: u32) -> u32 {
            while parent[x as usize] != x {
                let up = parent[parent[x as usize] as usize];
                parent[x as usize] = up;
                x = up;
            }
            x
        }
        for u in (0..nt).filter(|&u| team_in[u]) {
            let mut edges = g.edges(u).map(|e| g.problem[e]);
            if let Some(first) = edges.next() {
                let a = find(&mut parent, first);
                for p in edges {
                    let b = find(&mut parent, p);
                    parent[b as usize] = a;
                    parent[a as usize] = a;
                }
            }
        }

        let mut group = vec![NONE; nt];
        let mut group_of_root = vec![NONE; np];
        let mut size: Vec<(usize, usize, usize, usize)> = Vec::new();
        for u in (0..nt).filter(|&u| team_in[u]) {
            let id = match g.edges(u).next() {
                Some(e) => {
                    let root = find(&mut parent, g.problem[e]) as usize;
                    if group_of_root[root] == NONE {
                        group_of_root[root] = size.len() as u32;
                        size.push((0, 0, 0, 0));
                    }
                    group_of_root[root]
                }
                None => {
                    size.push((0, 0, 0, 0));
                    size.len() as u32 - 1
                }
            };
            group[u] = id;
            size[id as usize].0 += 1;
            if m.mate[u] == NONE {
                size[id as usize].3 += 1;
            }
        }
        for p in (0..np).filter(|&p| problem_in[p]) {
            let root = find(&mut parent, p as u32) as usize;
            let id = group_of_root[root] as usize;
            size[id].1 += 1;
            size[id].2 += m.holders(p).len();
        }
        Contests { group, size }
    }
}

fn explain(
    instance: &Instance,
    c: &Compiled,
    free: &FreePart,
    contests: &Contests,
    holders: &[Vec<u32>],
    t: usize,
) -> UnplacedReason {
    let range = c.prefs(t);
    let choices: Vec<ChoiceOutcome> = range
        .clone()
        .map(|k| {
            let p = c.pref_problem[k] as usize;
            ChoiceOutcome {
                problem: instance.problems[p].id.clone(),
                rank: (k - range.start + 1) as u32,
                status: if c.pref_forbidden[k] {
                    ChoiceStatus::Forbidden
                } else {
                    ChoiceStatus::Full {
                        holders: holders[p]
                            .iter()
                            .map(|&h| instance.teams[h as usize].id.clone())
                            .collect(),
                    }
                },
            }
        })
        .collect();
    let group = contests.group[free.free_index[t] as usize] as usize;
    let (contenders, problems, places, left_out) = contests.size[group];
    let forbidden = choices
        .iter()
        .filter(|o| o.status == ChoiceStatus::Forbidden)
        .count();
    let why = if choices.is_empty() {
        UnplacedWhy::RankedNothing
    } else if forbidden == choices.len() {
        UnplacedWhy::AllForbidden
    } else if places == 0 {
        UnplacedWhy::FullNoPlace {
            choices: choices.len(),
            forbidden,
        }
    } else {
        UnplacedWhy::Contest {
            choices: choices.len(),
            forbidden,
            contenders,
            problems,
            places,
            left_out,
        }
    };
    UnplacedReason {
        team: instance.teams[t].id.clone(),
        choices,
        contenders,
        places,
        left_out,
        message: why.english(),
        why,
    }
}
