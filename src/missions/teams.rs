//! Student teams and their ranked preferences: forming a team (every member e-mailed), who
//! sees which team, and ranking the campaign's accepted problems. Knows nothing of HTTP.

use std::collections::{HashMap, HashSet};

use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::db::{DbConnection, WriteTx};
use crate::error::{unique_as, ApiError};
use crate::missions::domain::{self, CampaignAction, Refusal};
use crate::missions::mail::{self, Person};
use crate::missions::models::{self, Team, TeamWithMembers};
use crate::paging::PageRequest;

/// Form a team (a student, while `signup_open`): the creator's own address and the others',
/// exactly `team_size` distinct students, none already in a team of the campaign (the
/// database enforces it under concurrency too). Every member is e-mailed.
pub fn form(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    user: &CurrentUser,
    campaign_id: &str,
    name: &str,
    member_emails: &[String],
) -> Result<TeamWithMembers, ApiError> {
    // Under the campaign's lock: no team lands after `allocate` or `publish` read them.
    let campaign = models::lock_campaign(tx, campaign_id)?;
    CampaignAction::FormTeam.apply(campaign.status())?;
    let size = usize::try_from(campaign.team_size).unwrap_or(0);
    let (name, emails) = domain::team_members(name, member_emails, &user.email, size)?;
    let found: HashMap<String, String> = models::students_by_email(tx, &emails)?
        .into_iter()
        .map(|(id, email)| (email, id))
        .collect();
    let missing: Vec<&str> = emails
        .iter()
        .filter(|e| !found.contains_key(*e))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(
            Refusal::InvalidTeam(format!("Not student accounts: {}.", missing.join(", "))).into(),
        );
    }
    let ids: Vec<String> = emails.iter().map(|e| found[e].clone()).collect();
    let taken = models::already_in_team(tx, &campaign.id, &ids)?;
    if !taken.is_empty() {
        return Err(Refusal::AlreadyInTeam(taken.join(", ")).into());
    }
    let team = unique_as(models::insert_team(tx, &campaign.id, &name, &ids), || {
        Refusal::AlreadyInTeam("one of the members".into()).into()
    })?;
    let formed = models::with_members(tx, vec![team])?
        .pop()
        .ok_or(diesel::result::Error::NotFound)?;
    let people: Vec<Person> = formed
        .members
        .iter()
        .map(|m| Person {
            name: m.name.clone(),
            email: m.email.clone(),
        })
        .collect();
    let link = format!(
        "{}/app/teams/{}/preferences",
        state.settings.server.public_url.trim_end_matches('/'),
        formed.team.id
    );
    mail::send_team_created(
        tx,
        &state.outbox,
        (&formed.team.id, &formed.team.name, &campaign.name),
        &user.name,
        &people,
        &link,
    )?;
    Ok(formed)
}

/// One page of a campaign's teams: staff all, a student their own.
pub fn visible_teams(
    conn: &mut DbConnection,
    user: &CurrentUser,
    campaign_id: &str,
    page: &PageRequest,
) -> Result<Vec<TeamWithMembers>, ApiError> {
    let campaign = models::find_campaign(conn, campaign_id)?;
    let member = (!user.is(Role::Staff)).then_some(user.id.as_str());
    let teams = models::list_teams(conn, &campaign.id, member, page)?;
    Ok(models::with_members(conn, teams)?)
}

/// The student's teams, every campaign.
pub fn own_teams(
    conn: &mut DbConnection,
    user: &CurrentUser,
) -> Result<Vec<TeamWithMembers>, ApiError> {
    let teams = models::student_teams(conn, &user.id)?;
    Ok(models::with_members(conn, teams)?)
}

/// The team if the caller may see it (staff, or one of its members); else not found.
pub fn visible_team(
    conn: &mut DbConnection,
    user: &CurrentUser,
    team_id: &str,
) -> Result<Team, ApiError> {
    let team = models::find_team(conn, team_id)?;
    if user.is(Role::Staff) || models::is_member(conn, &team.id, &user.id)? {
        Ok(team)
    } else {
        Err(Refusal::NotFound.into())
    }
}

/// Rank problems (a member, while `signup_open`): 1..`max_choices` distinct accepted problems
/// of the campaign, best first. Replaces the previous list.
pub fn rank(
    tx: &mut WriteTx<'_>,
    user: &CurrentUser,
    team_id: &str,
    wanted: &[String],
) -> Result<Vec<String>, ApiError> {
    let team = visible_team(tx, user, team_id)?;
    user.require(&[Role::Student])?;
    let campaign = models::lock_campaign(tx, &team.campaign_id)?;
    CampaignAction::EditPreferences.apply(campaign.status())?;
    let accepted: HashSet<String> = models::accepted_problems(tx, &campaign.id)?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let max = usize::try_from(campaign.max_choices).unwrap_or(0);
    let ranked = domain::preferences(wanted, &accepted, max)?;
    models::replace_preferences(tx, &team.id, &ranked)?;
    Ok(ranked)
}
