//! Amendments' use cases: a signed agreement's party (staff, or the internship's requester)
//! asks for an amendment; it is validated like the agreement (the same steps, its own
//! history; a refusal's reason is e-mailed to the requester, who corrects it); the office sends
//! it (its PDF frozen, each party asked to sign); the last signature applies it to the
//! agreement. Rules: `domain` (pure).

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::domain::{self, Change, Checked, Field, Proposal, Status, Terms};
use super::models::{self as rows, Amendment, Signature, Validation};
use crate::agreements::domain::{Party, Refusal, Status as AgreementStatus};
use crate::agreements::models::{self, Details, Person};
use crate::agreements::validation::{self, Decision, Event, State, Step};
use crate::agreements::{document, flows, validating};
use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::config::Settings;
use crate::db::{self, DbConnection, WriteTx};
use crate::error::{ApiError, FieldError};
use crate::mail::models::Attachment;
use crate::mail::Email;

/// An amendment with its changes, its signatories and its validation history.
#[derive(Debug, Clone)]
pub struct Full {
    pub amendment: Amendment,
    pub changes: Vec<Change>,
    pub signatures: Vec<(Signature, Person)>,
    pub validations: Vec<(Validation, Person)>,
    /// The people its changes name (an academic tutor's id → name).
    pub people: HashMap<String, Person>,
}

impl Full {
    pub fn status(&self) -> Status {
        Status::parse(&self.amendment.status).unwrap_or(Status::Cancelled)
    }
}

fn changes_of(amendment: &Amendment) -> Vec<Change> {
    serde_json::from_str(&amendment.changes).unwrap_or_default()
}

/// Every amendment of an agreement, in their order, with what they name.
pub fn load(conn: &mut DbConnection, agreement_id: &str) -> Result<Vec<Full>, ApiError> {
    let list = rows::of_agreement(conn, agreement_id)?;
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = list.iter().map(|a| a.id.as_str()).collect();
    let mut signatures = rows::signatures(conn, &ids)?;
    // In the order the parties sign the agreement (the school first).
    signatures.sort_by_key(|s| (s.amendment_id.clone(), party(s)));
    let validations = rows::validations(conn, &ids)?;
    let mut named: Vec<String> = signatures.iter().map(|s| s.user_id.clone()).collect();
    named.extend(validations.iter().map(|v| v.by_user.clone()));
    let changes: Vec<Vec<Change>> = list.iter().map(changes_of).collect();
    named.extend(
        changes
            .iter()
            .flatten()
            .filter(|c| c.field == Field::TutorId)
            .flat_map(|c| [c.from.clone(), c.to.clone()])
            .flatten(),
    );
    named.sort();
    named.dedup();
    let people = models::people(conn, &named)?;
    let person = |id: &str| {
        people.get(id).cloned().unwrap_or_else(|| Person {
            id: id.to_owned(),
            name: String::new(),
            email: String::new(),
        })
    };
    Ok(list
        .into_iter()
        .zip(changes)
        .map(|(amendment, changes)| Full {
            signatures: signatures
                .iter()
                .filter(|s| s.amendment_id == amendment.id)
                .map(|s| (s.clone(), person(&s.user_id)))
                .collect(),
            validations: validations
                .iter()
                .filter(|v| v.amendment_id == amendment.id)
                .map(|v| (v.clone(), person(&v.by_user)))
                .collect(),
            people: people.clone(),
            changes,
            amendment,
        })
        .collect())
}

/// One amendment of an agreement `user` may see.
pub fn visible(
    conn: &mut DbConnection,
    user: &CurrentUser,
    agreement_id: &str,
    number: i32,
) -> Result<(Details, Full), ApiError> {
    let details = flows::visible(conn, user, agreement_id)?;
    let full = load(conn, agreement_id)?
        .into_iter()
        .find(|f| f.amendment.number == number)
        .ok_or(Refusal::NotFound)?;
    Ok((details, full))
}

fn reread(conn: &mut DbConnection, agreement_id: &str, number: i32) -> Result<Full, ApiError> {
    load(conn, agreement_id)?
        .into_iter()
        .find(|f| f.amendment.number == number)
        .ok_or_else(|| Refusal::NotFound.into())
}

/// The terms in force, as an amendment compares them.
fn terms_of(details: &Details) -> Terms {
    let a = &details.agreement;
    Terms {
        subject: a.subject.clone(),
        place: a.place.clone(),
        supervisor: a.supervisor.clone(),
        starts_on: a.starts_on,
        ends_on: a.ends_on,
        tutor_id: a.tutor_id.clone(),
        gratification_cents: details
            .internship
            .as_ref()
            .and_then(|i| i.gratification_cents),
    }
}

/// Staff, or the internship's requester (the student), may ask for an amendment.
pub fn may_request(user: &CurrentUser, details: &Details) -> bool {
    user.is(Role::Staff)
        || details
            .internship
            .as_ref()
            .is_some_and(|i| i.requested_by == user.id)
}

/// Checks a proposal against the agreement in force: the pure rules, the tutor named, and for
/// an internship the legal limits judged on the amended terms (nothing written).
fn checked(
    conn: &mut DbConnection,
    state: &AppState,
    details: &Details,
    proposal: &Proposal,
) -> Result<Checked, ApiError> {
    let internship = details.internship.is_some();
    let mut errors = Vec::new();
    if let Some(id) = proposal.tutor_id.as_deref() {
        if models::role_of(conn, id)?.as_deref() != Some(Role::Tutor.as_str()) {
            errors.push(FieldError::new("tutor_id", "is not a tutor"));
        }
    }
    document::check_printable(
        &[
            ("reason", Some(proposal.reason.as_str())),
            ("subject", proposal.subject.as_deref()),
            ("place", proposal.place.as_deref()),
            ("supervisor", proposal.supervisor.as_deref()),
            ("termination_reason", proposal.termination_reason.as_deref()),
        ],
        &mut errors,
    );
    let current = terms_of(details);
    let checked = match domain::check(&current, proposal, internship) {
        Ok(c) if errors.is_empty() => c,
        Ok(_) => return Err(ApiError::validation(errors)),
        Err(mut more) => {
            errors.append(&mut more);
            return Err(ApiError::validation(errors));
        }
    };
    if internship {
        let after = domain::apply(&current, &checked.changes, checked.terminates_on);
        let amended = amended(&details.agreement, &after);
        crate::agreements::internship::flows::judged(
            conn,
            &state.settings,
            &amended,
            Some(after.gratification_cents),
        )?;
    }
    Ok(checked)
}

/// The agreement's row with the amended terms (not written).
fn amended(
    agreement: &crate::agreements::models::Agreement,
    t: &Terms,
) -> crate::agreements::models::Agreement {
    let mut a = agreement.clone();
    a.subject = t.subject.clone();
    a.place = t.place.clone();
    a.supervisor = t.supervisor.clone();
    a.starts_on = t.starts_on;
    a.ends_on = t.ends_on;
    a.tutor_id = t.tutor_id.clone();
    a
}

fn write_checked(amendment: &mut Amendment, checked: Checked) {
    amendment.reason = checked.reason;
    amendment.changes = serde_json::to_string(&checked.changes).unwrap_or_else(|_| "[]".into());
    amendment.terminates_on = checked.terminates_on;
    amendment.termination_reason = checked.termination_reason;
    amendment.updated_at = db::now();
}

/// Asks for an amendment of a signed agreement (409 `not_signed`; one open at a time: 409
/// `amendment_open`).
pub fn request(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    user: &CurrentUser,
    agreement_id: &str,
    proposal: Proposal,
) -> Result<Full, ApiError> {
    models::lock(tx, agreement_id).map_err(|_| Refusal::NotFound)?;
    let details = flows::visible(tx, user, agreement_id)?;
    if !may_request(user, &details) {
        return Err(ApiError::forbidden());
    }
    if details.agreement.status != AgreementStatus::Signed.as_str() {
        return Err(ApiError::conflict(
            "not_signed",
            "Only a signed agreement is amended: a draft or a sent one is changed directly.",
        ));
    }
    if load(tx, agreement_id)?.iter().any(|f| f.status().is_open()) {
        return Err(ApiError::conflict(
            "amendment_open",
            "This agreement already has an amendment in progress: finish or cancel it first.",
        ));
    }
    let checked = checked(tx, state, &details, &proposal)?;
    let at = db::now();
    let number = rows::next_number(tx, agreement_id)?;
    let mut amendment = Amendment {
        id: db::new_id(),
        agreement_id: agreement_id.to_owned(),
        number,
        status: Status::Draft.as_str().to_owned(),
        reason: String::new(),
        changes: String::new(),
        terminates_on: None,
        termination_reason: None,
        requested_by: user.id.clone(),
        sha256: None,
        created_at: at,
        updated_at: at,
        sent_at: None,
        signed_at: None,
        cancelled_at: None,
    };
    write_checked(&mut amendment, checked);
    rows::insert(tx, &amendment)?;
    reread(tx, agreement_id, number)
}

/// The draft amendment, locked through its agreement, for a change by `user`.
fn draft_of(
    tx: &mut WriteTx<'_>,
    user: &CurrentUser,
    agreement_id: &str,
    number: i32,
) -> Result<(Details, Full), ApiError> {
    models::lock(tx, agreement_id).map_err(|_| Refusal::NotFound)?;
    let (details, full) = visible(tx, user, agreement_id, number)?;
    if full.status() != Status::Draft {
        return Err(ApiError::conflict(
            "invalid_transition",
            "This amendment has been sent, signed or cancelled: it no longer changes.",
        ));
    }
    Ok((details, full))
}

/// An amendment's validation history, oldest first.
pub fn history(full: &Full) -> Vec<Event> {
    full.validations
        .iter()
        .filter_map(|(v, _)| {
            Some(Event {
                step: Step::parse(&v.step)?,
                decision: Decision::parse(&v.decision)?,
            })
        })
        .collect()
}

/// Where an amendment stands in its validation: its agreement's kind's steps, its own history.
pub fn state_of(settings: &Settings, kind: &str, full: &Full) -> State {
    State::of(&validating::steps_of(settings, kind), &history(full))
}

fn record(
    tx: &mut WriteTx<'_>,
    amendment_id: &str,
    step: Step,
    decision: Decision,
    reason: Option<String>,
    by: &str,
) -> Result<(), ApiError> {
    rows::insert_validation(
        tx,
        &Validation {
            id: db::new_id(),
            amendment_id: amendment_id.to_owned(),
            step: step.as_str().to_owned(),
            decision: decision.as_str().to_owned(),
            reason,
            by_user: by.to_owned(),
            at: db::now(),
        },
    )?;
    Ok(())
}

/// Its requester (or staff) corrects a draft amendment; after a refusal, this resubmits it.
pub fn correct(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    user: &CurrentUser,
    agreement_id: &str,
    number: i32,
    proposal: Proposal,
) -> Result<Full, ApiError> {
    let (details, mut full) = draft_of(tx, user, agreement_id, number)?;
    if !(user.is(Role::Staff) || full.amendment.requested_by == user.id) {
        return Err(ApiError::forbidden());
    }
    let checked = checked(tx, state, &details, &proposal)?;
    write_checked(&mut full.amendment, checked);
    rows::update(tx, &full.amendment)?;
    if let Some(step) =
        state_of(&state.settings, &details.agreement.kind, &full).awaiting_correction
    {
        record(
            tx,
            &full.amendment.id,
            step,
            Decision::Resubmitted,
            None,
            &user.id,
        )?;
    }
    reread(tx, agreement_id, number)
}

#[derive(Serialize)]
struct AmendmentMail<'a> {
    name: &'a str,
    agreement: &'a flows::AgreementMail,
    number: i32,
    reason: &'a str,
    changes: Vec<String>,
    by: &'a str,
    link: String,
}

/// The changes as lines of text in the agreement's language (the e-mails').
fn change_lines(details: &Details, full: &Full) -> Vec<String> {
    let locale = document::locale_of(details);
    super::document::lines(locale, full)
}

/// A validator approves or refuses a step of a draft amendment (the agreement's steps, the
/// same validators); a refusal's reason is e-mailed to the requester.
#[allow(clippy::too_many_arguments)]
pub fn decide(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    user: &CurrentUser,
    agreement_id: &str,
    number: i32,
    step: &str,
    decision: &str,
    reason: Option<&str>,
) -> Result<Full, ApiError> {
    let (step, decision, reason) = validation::decision_of(step, decision, reason)?;
    let (details, full) = draft_of(tx, user, agreement_id, number)?;
    if !validating::may_decide(user, &details, step) {
        return Err(ApiError::forbidden());
    }
    state_of(&state.settings, &details.agreement.kind, &full).check_decide(step)?;
    record(
        tx,
        &full.amendment.id,
        step,
        decision,
        reason.clone(),
        &user.id,
    )?;
    if decision == Decision::Refused {
        let people = models::people(tx, std::slice::from_ref(&full.amendment.requested_by))?;
        if let Some(requester) = people.get(&full.amendment.requested_by) {
            let facts = flows::AgreementMail::of(&details);
            let values = AmendmentMail {
                name: &requester.name,
                agreement: &facts,
                number,
                reason: reason.as_deref().unwrap_or_default(),
                changes: change_lines(&details, &full),
                by: &user.name,
                link: flows::link(state, agreement_id),
            };
            let mut mail =
                Email::new(&requester.email, "amendment_refused", values).dedupe(format!(
                    "amendment_refused:{}:{}",
                    full.amendment.id,
                    full.validations.len()
                ));
            mail.locale = Some(document::locale_of(&details));
            state.outbox.enqueue(tx, mail)?;
        }
    }
    reread(tx, agreement_id, number)
}

/// The office sends a validated amendment (staff): the legal limits judged again, its PDF
/// frozen, the agreement's parties asked to sign. Sending gives the administrative step.
pub fn send(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    user: &CurrentUser,
    agreement_id: &str,
    number: i32,
) -> Result<Full, ApiError> {
    if !user.is(Role::Staff) {
        return Err(ApiError::forbidden());
    }
    let (details, mut full) = draft_of(tx, user, agreement_id, number)?;
    let validation = state_of(&state.settings, &details.agreement.kind, &full);
    validation.check_send()?;
    if details.internship.is_some() {
        let after = domain::apply(
            &terms_of(&details),
            &full.changes,
            full.amendment.terminates_on,
        );
        crate::agreements::internship::flows::judged(
            tx,
            &state.settings,
            &amended(&details.agreement, &after),
            Some(after.gratification_cents),
        )?;
    }
    if validation.pending.contains(&Step::Administrative) {
        record(
            tx,
            &full.amendment.id,
            Step::Administrative,
            Decision::Approved,
            None,
            &user.id,
        )?;
    }
    let school = flows::school_signatory(tx, &state.settings)?;
    let signatories = flows::signatories(&details, school.as_ref(), &state.settings)?;
    full.signatures = unsigned(&full.amendment.id, signatories);
    let pdf = super::document::render(&details, &full, &state.settings, false)
        .map_err(flows::pdf_error)?;
    let at = db::now();
    full.amendment.sha256 = Some(flows::sha256(&pdf));
    full.amendment.status = Status::Sent.as_str().to_owned();
    full.amendment.sent_at = Some(at);
    full.amendment.updated_at = at;
    rows::update(tx, &full.amendment)?;
    rows::insert_document(tx, &full.amendment.id, &pdf)?;
    for (row, _) in &full.signatures {
        rows::insert_signatory(tx, row)?;
    }
    let facts = flows::AgreementMail::of(&details);
    let changes = change_lines(&details, &full);
    for (signature, person) in &full.signatures {
        let values = AmendmentMail {
            name: &person.name,
            agreement: &facts,
            number,
            reason: &full.amendment.reason,
            changes: changes.clone(),
            by: &user.name,
            link: flows::link(state, agreement_id),
        };
        let mut mail = Email::new(&person.email, "amendment_to_sign", values).dedupe(format!(
            "amendment_to_sign:{}:{}",
            full.amendment.id, signature.party
        ));
        mail.locale = Some(document::locale_of(&details));
        state.outbox.enqueue(tx, mail)?;
    }
    reread(tx, agreement_id, number)
}

/// A party signs a sent amendment (consent required, as for the agreement). The last signature
/// applies it: the agreement's record takes the new values (its signed PDF kept as signed),
/// and everyone receives the signed amendment.
pub fn sign(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    user: &CurrentUser,
    agreement_id: &str,
    number: i32,
    request: flows::SignRequest,
) -> Result<Full, ApiError> {
    models::lock(tx, agreement_id).map_err(|_| Refusal::NotFound)?;
    let (details, full) = visible(tx, user, agreement_id, number)?;
    let mine: Vec<&Signature> = full
        .signatures
        .iter()
        .filter(|(s, _)| s.user_id == user.id)
        .map(|(s, _)| s)
        .collect();
    if mine.is_empty() {
        return Err(Refusal::NotFound.into());
    }
    match full.status() {
        Status::Signed => return Ok(full),
        Status::Sent => {}
        _ => {
            return Err(ApiError::conflict(
                "invalid_transition",
                "This amendment is not waiting for signatures.",
            ))
        }
    }
    if !request.consent {
        return Err(Refusal::ConsentRequired.into());
    }
    let sha = full.amendment.sha256.clone().unwrap_or_default();
    for s in mine {
        rows::sign(
            tx,
            &full.amendment.id,
            &s.party,
            request.ip.as_deref(),
            request.user_agent.as_deref(),
            &sha,
        )?;
    }
    let mut full = reread(tx, agreement_id, number)?;
    if full.signatures.iter().all(|(s, _)| s.signed_at.is_some()) {
        let at = db::now();
        full.amendment.status = Status::Signed.as_str().to_owned();
        full.amendment.signed_at = Some(at);
        full.amendment.updated_at = at;
        rows::update(tx, &full.amendment)?;
        apply(tx, state, &details, &full)?;
        send_signed(tx, state, &details, &full)?;
    }
    reread(tx, agreement_id, number)
}

/// The signed amendment takes effect: the agreement's signed PDF is kept as it was signed,
/// then its record takes the new values; an internship's hours are recomputed and its
/// certificate moved to the new last day.
fn apply(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    details: &Details,
    full: &Full,
) -> Result<(), ApiError> {
    flows::keep_signed_document(tx, state, details)?;
    let after = domain::apply(
        &terms_of(details),
        &full.changes,
        full.amendment.terminates_on,
    );
    let mut agreement = amended(&details.agreement, &after);
    agreement.updated_at = db::now();
    models::update(tx, &agreement)?;
    if details.internship.is_some() {
        crate::agreements::internship::flows::apply_amended(
            tx,
            &state.settings,
            &agreement,
            after.gratification_cents,
            details.agreement.ends_on,
        )?;
    }
    Ok(())
}

#[derive(Serialize)]
struct SignedMail<'a> {
    name: &'a str,
    agreement: &'a flows::AgreementMail,
    number: i32,
    changes: Vec<String>,
    link: String,
}

fn send_signed(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    details: &Details,
    full: &Full,
) -> Result<(), ApiError> {
    let pdf =
        super::document::render(details, full, &state.settings, true).map_err(flows::pdf_error)?;
    let file = file_name(details, full.amendment.number);
    let facts = flows::AgreementMail::of(details);
    let changes = change_lines(details, full);
    for (signature, person) in &full.signatures {
        let values = SignedMail {
            name: &person.name,
            agreement: &facts,
            number: full.amendment.number,
            changes: changes.clone(),
            link: flows::link(state, &details.agreement.id),
        };
        let mut mail = Email::new(&person.email, "amendment_signed", values)
            .attach(Attachment::binary(file.clone(), "application/pdf", &pdf))
            .dedupe(format!(
                "amendment_signed:{}:{}",
                full.amendment.id, signature.party
            ));
        mail.locale = Some(document::locale_of(details));
        state.outbox.enqueue(tx, mail)?;
    }
    Ok(())
}

/// `avenant-1-convention-ab12cd34.pdf`.
pub fn file_name(details: &Details, number: i32) -> String {
    format!(
        "avenant-{number}-convention-{}.pdf",
        document::reference(&details.agreement.id).to_lowercase()
    )
}

/// Its requester or staff withdraw an amendment not signed yet (its signatures, if any, void).
pub fn cancel(
    tx: &mut WriteTx<'_>,
    user: &CurrentUser,
    agreement_id: &str,
    number: i32,
) -> Result<Full, ApiError> {
    models::lock(tx, agreement_id).map_err(|_| Refusal::NotFound)?;
    let (_, mut full) = visible(tx, user, agreement_id, number)?;
    if !(user.is(Role::Staff) || full.amendment.requested_by == user.id) {
        return Err(ApiError::forbidden());
    }
    if !full.status().is_open() {
        return Err(ApiError::conflict(
            "invalid_transition",
            "Only an amendment in progress is cancelled.",
        ));
    }
    let at = db::now();
    full.amendment.status = Status::Cancelled.as_str().to_owned();
    full.amendment.cancelled_at = Some(at);
    full.amendment.updated_at = at;
    rows::update(tx, &full.amendment)?;
    reread(tx, agreement_id, number)
}

/// The amendment's PDF: as it would be sent (a draft), as frozen (sent), with its signature
/// page (signed).
pub fn pdf(
    conn: &mut DbConnection,
    state: &AppState,
    details: &Details,
    full: &Full,
) -> Result<Vec<u8>, ApiError> {
    match full.status() {
        Status::Sent | Status::Cancelled if full.amendment.sha256.is_some() => {
            rows::document(conn, &full.amendment.id)?.ok_or_else(ApiError::not_found)
        }
        Status::Signed => {
            super::document::render(details, full, &state.settings, true).map_err(flows::pdf_error)
        }
        _ => {
            let mut preview = full.clone();
            let school = flows::school_signatory(conn, &state.settings)?;
            if let Ok(signatories) = flows::signatories(details, school.as_ref(), &state.settings) {
                preview.signatures = unsigned(&full.amendment.id, signatories);
            }
            super::document::render(details, &preview, &state.settings, false)
                .map_err(flows::pdf_error)
        }
    }
}

/// The rows of who signs an amendment, none signed yet.
fn unsigned(amendment_id: &str, signatories: Vec<(Party, Person)>) -> Vec<(Signature, Person)> {
    signatories
        .into_iter()
        .map(|(party, person)| {
            (
                Signature {
                    amendment_id: amendment_id.to_owned(),
                    party: party.as_str().to_owned(),
                    user_id: person.id.clone(),
                    signed_at: None,
                    ip: None,
                    user_agent: None,
                    document_sha256: None,
                },
                person,
            )
        })
        .collect()
}

/// The amendments `user_id` has to sign: (agreement id, number).
pub fn to_sign(conn: &mut DbConnection, user_id: &str) -> Result<Vec<(String, i32)>, ApiError> {
    Ok(rows::awaiting(conn, user_id)?)
}

/// Whether this party of the agreement signs it (for pages).
pub fn signs(full: &Full, user_id: &str) -> bool {
    full.signatures
        .iter()
        .any(|(s, _)| s.user_id == user_id && s.signed_at.is_none())
}

/// The date an early termination sets, if any.
pub fn terminates_on(full: &Full) -> Option<NaiveDate> {
    full.amendment.terminates_on
}

/// The party a signature row is.
pub fn party(s: &Signature) -> Party {
    Party::parse(&s.party).unwrap_or(Party::School)
}
