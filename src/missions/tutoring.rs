//! Missions and their tutors: who sees a mission, giving one mission its tutor, and giving
//! every mission of a published campaign one (each tutor e-mailed once). Knows nothing of
//! HTTP.

use std::collections::HashMap;

use crate::auth::{CurrentUser, Role};
use crate::db::{DbConnection, WriteTx};
use crate::error::{ApiError, FieldError};
use crate::mail::{Email, Outbox};
use crate::missions::domain::{self, CampaignAction, Refusal};
use crate::missions::mail::{self, MissionFacts};
use crate::missions::models::{self, Mission, MissionDetail, MissionScope};
use crate::missions::publication::{self, Problems};
use crate::paging::PageRequest;
use crate::tutors::domain::{has_room, Domains};
use crate::tutors::models as tutors;

/// One page of a campaign's missions with what a reader needs: staff all; a company, a
/// student or a tutor their own.
pub fn visible_missions(
    conn: &mut DbConnection,
    user: &CurrentUser,
    campaign_id: &str,
    page: &PageRequest,
) -> Result<Vec<MissionDetail>, ApiError> {
    let campaign = models::find_campaign(conn, campaign_id)?;
    let scope = match user.role {
        Role::Staff => MissionScope::All,
        Role::Company => MissionScope::Company(&user.id),
        Role::Student => MissionScope::Student(&user.id),
        _ => MissionScope::Tutor(&user.id),
    };
    let missions = models::list_missions(conn, &campaign.id, scope, page)?;
    Ok(models::mission_details(conn, missions)?)
}

/// One mission: staff; its company's contact, its team's members, its tutor. Else not found.
pub fn visible_mission(
    conn: &mut DbConnection,
    user: &CurrentUser,
    mission_id: &str,
) -> Result<MissionDetail, ApiError> {
    let mission = models::find_mission(conn, mission_id)?;
    let visible = match user.role {
        Role::Staff => true,
        Role::Tutor => mission.tutor_id.as_deref() == Some(user.id.as_str()),
        Role::Student => models::is_member(conn, &mission.team_id, &user.id)?,
        Role::Company => {
            models::company_of_contact(conn, &user.id)?.is_some_and(|c| c.id == mission.company_id)
        }
        _ => false,
    };
    if !visible {
        return Err(Refusal::NotFound.into());
    }
    models::mission_details(conn, vec![mission])?
        .pop()
        .ok_or_else(|| Refusal::NotFound.into())
}

fn accepted(conn: &mut DbConnection, campaign_id: &str) -> Result<Problems, ApiError> {
    Ok(models::accepted_problems(conn, campaign_id)?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect())
}

/// Give a mission its tutor (staff), checked and written under the tutor's lock so parallel
/// requests cannot pass `max_missions` for the campaign. The tutor is e-mailed.
pub fn give_tutor(
    tx: &mut WriteTx<'_>,
    outbox: &Outbox,
    mission_id: &str,
    tutor_id: &str,
) -> Result<Mission, ApiError> {
    let mut mission = models::find_mission(tx, mission_id)?;
    let not_a_tutor = || {
        Refusal::Invalid(vec![FieldError::new(
            "tutor_id",
            "must be the id of a tutor",
        )])
    };
    if tutor_id.is_empty() {
        return Err(not_a_tutor().into());
    }
    let tutor = tutors::lock_tutor(tx, tutor_id)?.ok_or_else(not_a_tutor)?;
    if mission.tutor_id.as_deref() == Some(tutor_id) {
        return Ok(mission); // already theirs: nothing changes, nobody is e-mailed again
    }
    let followed = models::tutor_missions_in_campaign(tx, &mission.campaign_id, tutor_id)?;
    if !has_room(followed, tutor.profile.max_missions) {
        return Err(Refusal::TutorOverloaded { followed }.into());
    }
    models::set_mission_tutor(tx, &mission.id, tutor_id)?;
    mission.tutor_id = Some(tutor_id.to_owned());
    let campaign = models::find_campaign(tx, &mission.campaign_id)?;
    let problems = accepted(tx, &campaign.id)?;
    let facts =
        publication::mission_facts(tx, &campaign, std::slice::from_ref(&mission), &problems)?;
    let values = mail::TutorMissions {
        name: &tutor.name,
        campaign: &campaign.name,
        missions: facts.missions.iter().collect(),
    };
    // No dedupe key: a mission given back to a tutor it had before is news again.
    outbox.enqueue(tx, Email::new(&tutor.email, "missions_tutored", values))?;
    Ok(mission)
}

/// What `assign-tutors` did: each mission given a tutor, and the missions no tutor had room
/// for.
pub struct Assigned {
    pub given: Vec<(String, String)>,
    pub unassigned: Vec<String>,
}

/// Give every mission without a tutor one (staff, once `published`): an exact min-cost
/// assignment, domain matches first, loads balanced, within each tutor's `max_missions` for
/// the campaign. Each tutor gets one e-mail listing all their new missions.
pub fn assign_all(
    tx: &mut WriteTx<'_>,
    outbox: &Outbox,
    campaign_id: &str,
) -> Result<Assigned, ApiError> {
    let campaign = models::lock_campaign(tx, campaign_id)?;
    CampaignAction::AssignTutors.apply(campaign.status())?;
    // Locked in one order (by id) so that concurrent PUTs on a tutor wait, never deadlock.
    tutors::lock_all_tutors(tx)?;
    let tutors = tutors::all(tx)?;
    let taken = models::tutor_counts_in_campaign(tx, &campaign.id)?;
    let rooms: Vec<domain::TutorRoom> = tutors
        .iter()
        .map(|tutor| domain::TutorRoom {
            domains: Domains::from_stored(&tutor.profile.domains),
            taken: u32::try_from(taken.get(&tutor.id).copied().unwrap_or(0)).unwrap_or(u32::MAX),
            max: u32::try_from(tutor.profile.max_missions).unwrap_or(0),
        })
        .collect();
    let open: Vec<Mission> = models::campaign_missions(tx, &campaign.id)?
        .into_iter()
        .filter(|m| m.tutor_id.is_none())
        .collect();
    let problems = accepted(tx, &campaign.id)?;
    let wanted: Vec<String> = open
        .iter()
        .map(|m| {
            problems
                .get(&m.problem_id)
                .map(|p| p.domain.clone())
                .unwrap_or_default()
        })
        .collect();
    let pairs = domain::assign_tutors(&wanted, &rooms);
    let mut given: Vec<Mission> = Vec::with_capacity(pairs.len());
    for (mission_index, tutor_index) in pairs {
        let mut mission = open[mission_index].clone();
        let tutor_id = tutors[tutor_index].id.clone();
        models::set_mission_tutor(tx, &mission.id, &tutor_id)?;
        mission.tutor_id = Some(tutor_id);
        given.push(mission);
    }
    let facts = publication::mission_facts(tx, &campaign, &given, &problems)?;
    let mut by_tutor: HashMap<&str, Vec<&MissionFacts>> = HashMap::new();
    for (mission, facts) in given.iter().zip(&facts.missions) {
        if let Some(tutor) = &mission.tutor_id {
            by_tutor.entry(tutor.as_str()).or_default().push(facts);
        }
    }
    for tutor in &tutors {
        let Some(theirs) = by_tutor.remove(tutor.id.as_str()) else {
            continue;
        };
        let values = mail::TutorMissions {
            name: &tutor.name,
            campaign: &campaign.name,
            missions: theirs,
        };
        outbox.enqueue(tx, Email::new(&tutor.email, "missions_tutored", values))?;
    }
    let placed: std::collections::HashSet<&str> = given.iter().map(|m| m.id.as_str()).collect();
    let unassigned = open
        .iter()
        .filter(|m| !placed.contains(m.id.as_str()))
        .map(|m| m.id.clone())
        .collect();
    tracing::info!(campaign_id = %campaign.id, assigned = given.len(), "tutors assigned");
    Ok(Assigned {
        given: given
            .into_iter()
            .filter_map(|m| m.tutor_id.map(|t| (m.id, t)))
            .collect(),
        unassigned,
    })
}
