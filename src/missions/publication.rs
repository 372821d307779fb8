//! From ranked preferences to missions: staff's constraints, the allocation (computed by
//! `crate::allocation`, stored as [`StoredAllocation`]) and its publication as missions with
//! their e-mails. Knows nothing of HTTP.

use std::collections::{HashMap, HashSet};

use diesel::OptionalExtension;
use sha2::{Digest, Sha256};

use crate::allocation::{self, Allocation, AllocationError, Instance, Objective};
use crate::allocation::{ProblemSpec, TeamPrefs};
use crate::db::{self, DbConnection, WriteTx};
use crate::error::{unique_as, ApiError, FieldError};
use crate::mail::domain::Locale;
use crate::mail::Outbox;
use crate::missions::domain::{self, CampaignAction, ConstraintKind, Refusal};
use crate::missions::mail::{self, MissionFacts, Person};
use crate::missions::models::{
    self, Campaign, Constraint, Mission, Problem, StoredAllocation, StoredAssignment,
    StoredUnplaced,
};

/// Accepted problems by id.
pub type Problems = HashMap<String, Problem>;

/// What an allocation is computed from, read once: every team with its ranked problems, the
/// accepted problems (one place each) and staff's constraints.
pub struct Input {
    pub instance: Instance,
    pub problems: Problems,
}

impl Input {
    pub fn read(conn: &mut DbConnection, campaign_id: &str) -> Result<Self, ApiError> {
        let teams = models::all_teams(conn, campaign_id)?;
        let mut prefs: HashMap<String, Vec<String>> = HashMap::new();
        for (team, problem) in models::campaign_preferences(conn, campaign_id)? {
            prefs.entry(team).or_default().push(problem);
        }
        let problems = models::accepted_problems(conn, campaign_id)?;
        let constraints = models::campaign_constraints(conn, campaign_id)?;
        let accepted: HashSet<&str> = problems.iter().map(|p| p.id.as_str()).collect();
        let (pinned, mut forbidden): (Vec<_>, Vec<_>) = constraints
            .into_iter()
            .filter_map(|c| ConstraintKind::parse(&c.kind).map(|k| (k, (c.team_id, c.problem_id))))
            .partition(|(kind, _)| *kind == ConstraintKind::Pin);
        // A forbid on a problem that was never accepted has nothing to forbid.
        forbidden.retain(|(_, pair)| accepted.contains(pair.1.as_str()));
        let mut instance = Instance {
            teams: teams
                .into_iter()
                .map(|t| TeamPrefs {
                    prefs: prefs.remove(&t.id).unwrap_or_default(),
                    id: t.id,
                })
                .collect(),
            problems: problems
                .iter()
                .map(|p| ProblemSpec {
                    id: p.id.clone(),
                    capacity: 1,
                })
                .collect(),
            forbidden: forbidden.into_iter().map(|(_, pair)| pair).collect(),
            pinned: pinned.into_iter().map(|(_, pair)| pair).collect(),
        };
        instance.forbidden.sort();
        instance.pinned.sort();
        let problems = problems.into_iter().map(|p| (p.id.clone(), p)).collect();
        Ok(Self { instance, problems })
    }

    /// A digest of everything the allocation depends on, to tell whether it is still current.
    pub fn digest(&self) -> String {
        let json = serde_json::to_vec(&self.instance).unwrap_or_default();
        hex::encode(Sha256::digest(json))
    }
}

/// Pin or forbid a (team, problem) pair of the campaign (staff, before publication). One
/// constraint per pair; a pin must be feasible with the other pins, checked now.
pub fn add_constraint(
    tx: &mut WriteTx<'_>,
    campaign_id: &str,
    team_id: &str,
    problem_id: &str,
    kind: Option<ConstraintKind>,
) -> Result<Constraint, ApiError> {
    let campaign = models::lock_campaign(tx, campaign_id)?;
    CampaignAction::SetConstraint.apply(campaign.status())?;
    let mut errors = Vec::new();
    if kind.is_none() {
        errors.push(FieldError::new("kind", "must be `forbid` or `pin`"));
    }
    let team = models::find_team(tx, team_id).optional()?;
    if team.is_none_or(|t| t.campaign_id != campaign.id) {
        errors.push(FieldError::new("team_id", "is not a team of this campaign"));
    }
    let problem = models::find_problem(tx, problem_id).optional()?;
    if problem
        .as_ref()
        .is_none_or(|p| p.campaign_id != campaign.id)
    {
        errors.push(FieldError::new(
            "problem_id",
            "is not a problem of this campaign",
        ));
    }
    let (Some(kind), Some(problem), true) = (kind, problem, errors.is_empty()) else {
        return Err(Refusal::Invalid(errors).into());
    };
    let existing = models::campaign_constraints(tx, &campaign.id)?;
    if existing
        .iter()
        .any(|c| c.team_id == team_id && c.problem_id == problem_id)
    {
        return Err(already_constrained());
    }
    if kind == ConstraintKind::Pin {
        let ranked = models::team_preferences(tx, team_id)?;
        let pins: Vec<(String, String)> = existing
            .iter()
            .filter(|c| c.kind == ConstraintKind::Pin.as_str())
            .map(|c| (c.team_id.clone(), c.problem_id.clone()))
            .collect();
        domain::check_pin(
            team_id,
            &problem.id,
            &ranked,
            &existing_forbids(&existing),
            &pins,
        )?;
    }
    unique_as(
        models::insert_constraint(tx, &campaign.id, team_id, problem_id, kind),
        already_constrained,
    )
}

fn existing_forbids(constraints: &[Constraint]) -> Vec<(String, String)> {
    constraints
        .iter()
        .filter(|c| c.kind == ConstraintKind::Forbid.as_str())
        .map(|c| (c.team_id.clone(), c.problem_id.clone()))
        .collect()
}

fn already_constrained() -> ApiError {
    Refusal::AlreadyExists("This team and problem already have a constraint.").into()
}

/// Remove a constraint (staff, before publication).
pub fn remove_constraint(
    tx: &mut WriteTx<'_>,
    campaign_id: &str,
    constraint_id: &str,
) -> Result<(), ApiError> {
    let campaign = models::lock_campaign(tx, campaign_id)?;
    CampaignAction::SetConstraint.apply(campaign.status())?;
    if models::delete_constraint(tx, &campaign.id, constraint_id)? == 0 {
        return Err(Refusal::NotFound.into());
    }
    Ok(())
}

/// Allocate teams to problems and store the result; the campaign becomes `allocated`.
pub fn allocate(
    tx: &mut WriteTx<'_>,
    campaign_id: &str,
    objective: Objective,
) -> Result<StoredAllocation, ApiError> {
    let campaign = models::lock_campaign(tx, campaign_id)?;
    let next = CampaignAction::Allocate.apply(campaign.status())?;
    let input = Input::read(tx, &campaign.id)?;
    let solved = allocation::solve(&input.instance, objective).map_err(refusal)?;
    let stored = stored(&campaign.id, solved, input.digest());
    models::store_allocation(tx, &stored)?;
    models::set_campaign_status(tx, &campaign.id, next)?;
    Ok(stored)
}

/// What each objective would give on the campaign's current input.
pub struct Comparison {
    /// The input's digest: a stored allocation with another one is stale.
    pub digest: String,
    pub results: Vec<(Objective, Result<Allocation, ApiError>)>,
}

/// What each objective would give on the campaign's current input, computed and not stored,
/// so staff can compare them before choosing one (`allocate`). Nothing is written.
pub fn compare(
    conn: &mut DbConnection,
    campaign_id: &str,
    objectives: &[Objective],
) -> Result<Comparison, ApiError> {
    let input = Input::read(conn, campaign_id)?;
    let results = objectives
        .iter()
        .map(|&objective| {
            let solved = allocation::solve(&input.instance, objective)
                .map_err(|e| ApiError::from(refusal(e)));
            (objective, solved)
        })
        .collect();
    Ok(Comparison {
        digest: input.digest(),
        results,
    })
}

fn refusal(e: AllocationError) -> Refusal {
    match e {
        AllocationError::InfeasiblePins { conflicts } => Refusal::InfeasiblePins(
            conflicts
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        ),
        AllocationError::InvalidInput { field, message } => {
            Refusal::Invalid(vec![FieldError::new(field, message)])
        }
    }
}

fn stored(campaign_id: &str, a: Allocation, digest: String) -> StoredAllocation {
    StoredAllocation {
        campaign_id: campaign_id.to_owned(),
        objective: a.objective.as_str().to_owned(),
        assigned: a.assigned,
        total_rank: a.total_rank,
        worst_rank: a.worst_rank,
        rank_profile: a.rank_profile,
        assignments: a
            .assignments
            .into_iter()
            .map(|x| StoredAssignment {
                team_id: x.team,
                problem_id: x.problem,
                rank: x.rank,
                pinned: x.pinned,
            })
            .collect(),
        unassigned_team_ids: a.unassigned,
        unplaced: a
            .explanations
            .into_iter()
            .map(|e| StoredUnplaced {
                team_id: e.team,
                reason: e.message,
                why: Some(e.why),
            })
            .collect(),
        input_digest: Some(digest),
    }
}

/// The campaign and its latest allocation; none yet is 409 `invalid_transition`.
pub fn latest(
    conn: &mut DbConnection,
    campaign_id: &str,
) -> Result<(Campaign, StoredAllocation), ApiError> {
    let campaign = models::find_campaign(conn, campaign_id)?;
    let stored = models::latest_allocation(conn, &campaign.id)?.ok_or(Refusal::NotAllocated)?;
    Ok((campaign, stored))
}

/// Publish the latest allocation (staff, while `allocated` and the allocation is current):
/// one mission per placed team, in one transaction with the e-mails to every student and
/// company contact (with the mission's dates as an `.ics` event) and to unplaced teams.
pub fn publish(
    tx: &mut WriteTx<'_>,
    outbox: &Outbox,
    campaign_id: &str,
) -> Result<Campaign, ApiError> {
    let mut campaign = models::lock_campaign(tx, campaign_id)?;
    let next = CampaignAction::Publish.apply(campaign.status())?;
    let stored = models::latest_allocation(tx, &campaign.id)?.ok_or(Refusal::NotAllocated)?;
    let input = Input::read(tx, &campaign.id)?;
    if stored
        .input_digest
        .as_ref()
        .is_some_and(|d| *d != input.digest())
    {
        return Err(Refusal::AllocationStale.into());
    }
    let at = db::now();
    let missions: Vec<Mission> = stored
        .assignments
        .iter()
        .filter_map(|a| {
            input.problems.get(&a.problem_id).map(|p| Mission {
                id: db::new_id(),
                campaign_id: campaign.id.clone(),
                team_id: a.team_id.clone(),
                problem_id: p.id.clone(),
                company_id: p.company_id.clone(),
                tutor_id: None,
                starts_on: campaign.starts_on,
                ends_on: campaign.ends_on,
                created_at: at,
            })
        })
        .collect();
    models::insert_missions(tx, &missions)?;
    // Each student's agreement (school, company, student), to be sent by staff.
    crate::agreements::flows::draft_field_missions(tx, Locale::Fr, &campaign.id)?;
    for mission in &missions {
        crate::missions::evaluations::schedule_request(tx, mission)?;
    }
    let facts = mission_facts(tx, &campaign, &missions, &input.problems)?;
    for facts in &facts.missions {
        let event = mail::mission_event(facts);
        for student in &facts.members {
            mail::send_student(tx, outbox, facts, student, &event)?;
        }
        if let Some(contact) = &facts.contact {
            mail::send_company(tx, outbox, facts, contact, &event)?;
        }
    }
    for unplaced in &stored.unplaced {
        let team = facts.teams.get(&unplaced.team_id);
        let members = facts.members.get(&unplaced.team_id);
        if let (Some(team), Some(members)) = (team, members) {
            mail::send_unplaced(tx, outbox, &campaign.name, team, members, unplaced)?;
        }
    }
    models::set_campaign_status(tx, &campaign.id, next)?;
    campaign.status = next.as_str().to_owned();
    tracing::info!(campaign_id = %campaign.id, missions = missions.len(), "campaign published");
    Ok(campaign)
}

/// The mission e-mails' facts, in the order of the missions, with the campaign's teams'
/// names and members (read once) for other e-mails of the same request.
pub struct Facts {
    pub missions: Vec<MissionFacts>,
    pub teams: HashMap<String, String>,
    pub members: HashMap<String, Vec<Person>>,
}

/// What the e-mails say about each mission; `problems` are the campaign's accepted ones.
pub fn mission_facts(
    conn: &mut DbConnection,
    campaign: &Campaign,
    missions: &[Mission],
    problems: &Problems,
) -> Result<Facts, ApiError> {
    let teams: HashMap<String, String> = models::all_teams(conn, &campaign.id)?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let mut members: HashMap<String, Vec<Person>> = HashMap::new();
    for m in models::campaign_members(conn, &campaign.id)? {
        members.entry(m.team_id).or_default().push(Person {
            name: m.name,
            email: m.email,
        });
    }
    let companies = models::campaign_companies(conn, &campaign.id)?;
    let mut facts = Vec::with_capacity(missions.len());
    for mission in missions {
        let (company, contact) = companies
            .get(&mission.company_id)
            .ok_or(diesel::result::Error::NotFound)?;
        let problem = problems.get(&mission.problem_id);
        facts.push(MissionFacts {
            mission_id: mission.id.clone(),
            campaign: campaign.name.clone(),
            problem: problem.map(|p| p.title.clone()).unwrap_or_default(),
            domain: problem.map(|p| p.domain.clone()).unwrap_or_default(),
            company: company.name.clone(),
            city: company.city.clone(),
            team: teams.get(&mission.team_id).cloned().unwrap_or_default(),
            starts_on: mission.starts_on,
            ends_on: mission.ends_on,
            members: members.get(&mission.team_id).cloned().unwrap_or_default(),
            contact: contact.clone().map(|(email, name)| Person { name, email }),
        });
    }
    Ok(Facts {
        missions: facts,
        teams,
        members,
    })
}
