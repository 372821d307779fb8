//! Validation's use cases: a validator approves or refuses a step (a refusal's reason is
//! e-mailed to whoever asked for the agreement), the requester resubmits after correcting,
//! and sending records the office's step. Rules: `validation` (pure).

use serde::Serialize;

use crate::agreements::domain::{Kind, Refusal as AgreementRefusal, Status};
use crate::agreements::models::{self, Details, Validation};
use crate::agreements::validation::{self, Decision, Event, State, Step};
use crate::agreements::{document, flows};
use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::config::Settings;
use crate::db::{self, WriteTx};
use crate::error::ApiError;
use crate::mail::Email;

/// The steps an agreement of this kind goes through.
pub fn steps_of(settings: &Settings, kind: &str) -> Vec<Step> {
    let v = &settings.agreements.validation;
    validation::steps(match Kind::parse(kind) {
        Some(Kind::Internship) => &v.internship,
        Some(Kind::Research) => &v.research,
        _ => &v.field_mission,
    })
}

/// Where the agreement stands, from its history.
pub fn state_of(settings: &Settings, details: &Details) -> State {
    let history: Vec<Event> = details
        .validations
        .iter()
        .filter_map(|(v, _)| {
            Some(Event {
                step: Step::parse(&v.step)?,
                decision: Decision::parse(&v.decision)?,
            })
        })
        .collect();
    State::of(&steps_of(settings, &details.agreement.kind), &history)
}

fn record(
    tx: &mut WriteTx<'_>,
    agreement_id: &str,
    step: Step,
    decision: Decision,
    reason: Option<String>,
    by: &str,
) -> Result<(), ApiError> {
    models::insert_validation(
        tx,
        &Validation {
            id: db::new_id(),
            agreement_id: agreement_id.to_owned(),
            step: step.as_str().to_owned(),
            decision: decision.as_str().to_owned(),
            reason,
            by_user: by.to_owned(),
            at: db::now(),
        },
    )?;
    Ok(())
}

/// On sending: the office's step, given by the one who sends (when the kind has it).
pub fn record_sent(
    tx: &mut WriteTx<'_>,
    settings: &Settings,
    details: &Details,
    by: &str,
) -> Result<(), ApiError> {
    let state = state_of(settings, details);
    if state.pending.contains(&Step::Administrative) {
        record(
            tx,
            &details.agreement.id,
            Step::Administrative,
            Decision::Approved,
            None,
            by,
        )?;
    }
    Ok(())
}

/// Who may decide `step`: staff always; the pedagogical step also the agreement's tutor.
pub fn may_decide(user: &CurrentUser, details: &Details, step: Step) -> bool {
    user.is(Role::Staff)
        || (step == Step::Pedagogical
            && details.agreement.tutor_id.as_deref() == Some(user.id.as_str()))
}

/// Who asked for the agreement (told of a refusal): an internship's requester, else nobody
/// but staff, who see it on the page.
fn requester(
    tx: &mut WriteTx<'_>,
    details: &Details,
) -> Result<Option<(String, String)>, ApiError> {
    let Some(row) = &details.internship else {
        return Ok(None);
    };
    let people = models::people(tx, std::slice::from_ref(&row.requested_by))?;
    Ok(people
        .get(&row.requested_by)
        .map(|p| (p.email.clone(), p.name.clone())))
}

#[derive(Serialize)]
struct RefusedMail<'a> {
    name: &'a str,
    title: &'static str,
    company: &'a str,
    subject: &'a str,
    by: &'a str,
    reason: &'a str,
    link: String,
}

/// A validator approves or refuses `step` of a draft; refusing needs its reason (422
/// `reason_required`), which the requester receives by e-mail.
pub fn decide(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    step: &str,
    decision: &str,
    reason: Option<&str>,
) -> Result<Details, ApiError> {
    let (step, decision, reason) = validation::decision_of(step, decision, reason)?;
    models::lock(tx, id).map_err(|_| AgreementRefusal::NotFound)?;
    let details = flows::visible(tx, user, id)?;
    if !may_decide(user, &details, step) {
        return Err(ApiError::forbidden());
    }
    if details.agreement.status != Status::Draft.as_str() {
        return Err(ApiError::conflict(
            "invalid_transition",
            "Only a draft is validated: this agreement has been sent.",
        ));
    }
    state_of(&state.settings, &details).check_decide(step)?;
    record(tx, id, step, decision, reason.clone(), &user.id)?;
    if decision == Decision::Refused {
        if let Some((email, name)) = requester(tx, &details)? {
            let values = RefusedMail {
                name: &name,
                title: document::title(&details),
                company: &details.company.name,
                subject: &details.agreement.subject,
                by: &user.name,
                reason: reason.as_deref().unwrap_or_default(),
                link: flows::link(state, id),
            };
            let mut mail = Email::new(&email, "agreement_refused", values).dedupe(format!(
                "agreement_refused:{id}:{}",
                details.validations.len()
            ));
            mail.locale = Some(document::locale_of(&details));
            state.outbox.enqueue(tx, mail)?;
        }
    }
    flows::reread(tx, id)
}

/// After correcting a refused draft, its requester (or staff) asks for validation again.
pub fn resubmit(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    user: &CurrentUser,
    id: &str,
) -> Result<Details, ApiError> {
    models::lock(tx, id).map_err(|_| AgreementRefusal::NotFound)?;
    let details = flows::visible(tx, user, id)?;
    let is_requester = details
        .internship
        .as_ref()
        .is_some_and(|i| i.requested_by == user.id);
    if !(user.is(Role::Staff) || is_requester) {
        return Err(ApiError::forbidden());
    }
    let Some(step) = state_of(&state.settings, &details).awaiting_correction else {
        return Err(ApiError::conflict(
            "not_refused",
            "Nothing to resubmit: the agreement is not waiting for a correction.",
        ));
    };
    record(tx, id, step, Decision::Resubmitted, None, &user.id)?;
    flows::reread(tx, id)
}
