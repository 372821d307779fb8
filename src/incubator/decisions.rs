//! The incubator's flows, knowing nothing of HTTP (the JSON handlers and the web pages call
//! them alike): apply, decide, withdraw, close, give a project its tutor, suggest tutors, and
//! what a user may see. Each write runs inside the caller's one write transaction and locks
//! what it checks (the incubator for admissions, the application, the tutor), so concurrent
//! staff actions cannot both pass a check that only one of them may.

use crate::app::AppState;
use crate::auth::models::find_user;
use crate::auth::CurrentUser;
use crate::clock;
use crate::db::{now, DbConnection, WriteTx};
use crate::error::ApiError;
use crate::incubator::domain::{
    can_see, ends_on, transition, Capacity, Closing, Decision, Move, NewApplication, Refusal,
    Viewer,
};
use crate::incubator::emails::{self, TutorChange};
use crate::incubator::models::{self, Event, Followed, NewEvent, StatusChange};
use crate::mail::Outbox;
use crate::tutors::domain::{rank_suggestions, Candidate, Domain, Suggestion};
use crate::tutors::models as tutors;

/// A founder applies: the application, its first audit line, the founder's receipt and, unless
/// `mail.staff_notices` is off, a notice to every staff account.
pub fn submit(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    founder: &CurrentUser,
    new: &NewApplication,
) -> Result<Followed, ApiError> {
    let application = models::insert(tx, &founder.id, new)?;
    models::record(
        tx,
        NewEvent {
            application_id: &application.id,
            actor_id: &founder.id,
            action: "submitted",
            to_status: Some("submitted"),
            ..NewEvent::default()
        },
    )?;
    let outbox = &state.outbox;
    emails::received(tx, outbox, &founder.email, &founder.name, &application)?;
    if state.settings.mail.staff_notices {
        let staff = models::staff_contacts(tx)?;
        emails::to_review(tx, outbox, &staff, &founder.name, &application)?;
    }
    Ok(Followed {
        application,
        tutor: None,
    })
}

/// Staff admit (within the capacity; `starts_on` defaults to today at the school) or reject a
/// submitted application; the founder is e-mailed either way.
pub fn decide(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    staff: &CurrentUser,
    id: &str,
    decision: &Decision,
) -> Result<Followed, ApiError> {
    let mv = decision.mv();
    let admitting = mv == Move::Admit;
    if admitting {
        models::lock_incubator(tx)?;
    }
    let application = models::lock_application(tx, id)?;
    let from = application.status();
    let to = transition(from, mv)?;
    let settings = &state.settings.incubator;
    if admitting {
        let incubating = models::count_incubating(tx)?;
        Capacity::new(settings.capacity, incubating).admit_one()?;
    }
    let starts_on = match decision {
        Decision::Admit { starts_on, .. } => Some(starts_on.unwrap_or_else(clock::today)),
        Decision::Reject { .. } => None,
    };
    let changed = models::change_status(
        tx,
        id,
        &StatusChange {
            status: to.as_str(),
            starts_on,
            ends_on: starts_on.map(|d| ends_on(d, settings.months)),
            decision_reason: decision.reason(),
            updated_at: now(),
        },
    )?;
    models::record(
        tx,
        NewEvent {
            application_id: id,
            actor_id: &staff.id,
            action: mv.action(),
            from_status: Some(from.as_str()),
            to_status: Some(to.as_str()),
            reason: decision.reason(),
            ..NewEvent::default()
        },
    )?;
    let founder = find_user(tx, &changed.application.founder_id)?;
    emails::decision(tx, &state.outbox, &founder, &changed.application, admitting)?;
    Ok(changed)
}

/// Its founder withdraws a submitted application; anyone else is told it does not exist.
pub fn withdraw(
    tx: &mut WriteTx<'_>,
    founder: &CurrentUser,
    id: &str,
) -> Result<Followed, ApiError> {
    let application = models::lock_application(tx, id)?;
    if application.founder_id != founder.id {
        return Err(Refusal::NotFound.into());
    }
    change_state(tx, &founder.id, &application, Move::Withdraw, None)
}

/// Staff end an incubation (`graduated` or `discontinued`): the place is free again.
pub fn close(
    tx: &mut WriteTx<'_>,
    staff: &CurrentUser,
    id: &str,
    closing: &Closing,
) -> Result<Followed, ApiError> {
    let application = models::lock_application(tx, id)?;
    let reason = closing.reason.as_deref();
    change_state(tx, &staff.id, &application, closing.outcome, reason)
}

/// Staff give an incubating project its tutor, or a new one, within the tutor's
/// `max_projects`. The new tutor gets the project, the founder the tutor's name and address,
/// a replaced tutor a handover note. Choosing the current tutor again changes nothing.
pub fn assign_tutor(
    tx: &mut WriteTx<'_>,
    outbox: &Outbox,
    staff: &CurrentUser,
    id: &str,
    tutor_id: &str,
) -> Result<Followed, ApiError> {
    let application = models::lock_application(tx, id)?;
    transition(application.status(), Move::AssignTutor)?;
    if application.tutor_id.as_deref() == Some(tutor_id) {
        return Ok(models::find_followed(tx, id)?);
    }
    let tutor = tutors::lock_tutor(tx, tutor_id)?.ok_or(Refusal::NotATutor)?;
    let load = tutors::tutor_load(tx, &tutor.id)?;
    if !load.has_room_for_project(tutor.profile.max_projects) {
        return Err(Refusal::TutorOverloaded {
            name: tutor.name,
            projects: load.projects,
        }
        .into());
    }
    let changed = models::set_tutor(tx, id, &tutor.id)?;
    let event_id = models::record(
        tx,
        NewEvent {
            application_id: id,
            actor_id: &staff.id,
            action: Move::AssignTutor.action(),
            tutor_id: Some(&tutor.id),
            previous_tutor_id: application.tutor_id.as_deref(),
            ..NewEvent::default()
        },
    )?;
    let previous = match &application.tutor_id {
        Some(p) => Some(find_user(tx, p)?),
        None => None,
    };
    let change = TutorChange {
        event_id: &event_id,
        application: &changed.application,
        founder: &find_user(tx, &changed.application.founder_id)?,
        tutor: &find_user(tx, &tutor.id)?,
        previous: previous.as_ref(),
    };
    emails::tutor_change(tx, outbox, &change)?;
    Ok(changed)
}

/// Tutors who could follow the project: those with room, domain matches first, then the
/// lightest load relative to their limit. The current tutor is left out.
pub fn suggestions(conn: &mut DbConnection, id: &str) -> Result<Vec<Suggestion>, ApiError> {
    let application = models::find(conn, id)?;
    let domain: Domain = application
        .domain
        .parse()
        .map_err(|e: String| ApiError::internal(anyhow::anyhow!(e)))?;
    let all = tutors::all(conn)?;
    let ids: Vec<String> = all.iter().map(|t| t.id.clone()).collect();
    let mut loads = tutors::tutor_loads(conn, &ids)?;
    let candidates = all
        .into_iter()
        .filter(|t| application.tutor_id.as_deref() != Some(t.id.as_str()))
        .map(|t| Candidate {
            load: loads.remove(&t.id).unwrap_or_default(),
            domains: t.domains(),
            max_projects: t.profile.max_projects,
            tutor_id: t.id,
            name: t.name,
        })
        .collect();
    Ok(rank_suggestions(candidates, domain))
}

/// The application with its tutor if `user` may see it; otherwise 404, as if it did not exist.
pub fn visible(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: &str,
) -> Result<Followed, ApiError> {
    let followed = models::find_followed(conn, id)?;
    let viewer = Viewer {
        id: &user.id,
        role: user.role,
    };
    let application = &followed.application;
    if can_see(
        &viewer,
        &application.founder_id,
        application.tutor_id.as_deref(),
    ) {
        Ok(followed)
    } else {
        Err(Refusal::NotFound.into())
    }
}

/// The audit trail of an application (404 if there is no such application).
pub fn events(conn: &mut DbConnection, id: &str) -> Result<Vec<Event>, ApiError> {
    models::find(conn, id)?;
    Ok(models::events(conn, id)?)
}

/// A move that only changes the state (withdraw, close), recorded in the audit trail.
fn change_state(
    tx: &mut WriteTx<'_>,
    actor_id: &str,
    application: &models::Application,
    mv: Move,
    reason: Option<&str>,
) -> Result<Followed, ApiError> {
    let from = application.status();
    let to = transition(from, mv)?;
    let changed = models::change_status(
        tx,
        &application.id,
        &StatusChange {
            status: to.as_str(),
            starts_on: None,
            ends_on: None,
            decision_reason: None,
            updated_at: now(),
        },
    )?;
    models::record(
        tx,
        NewEvent {
            application_id: &application.id,
            actor_id,
            action: mv.action(),
            from_status: Some(from.as_str()),
            to_status: Some(to.as_str()),
            reason,
            ..NewEvent::default()
        },
    )?;
    Ok(changed)
}
