//! The company supervisor's evaluation of the intern, as use cases: asked by a scheduled job
//! on the last day of a signed internship (a link, no account), reminded by one job per
//! reminder until given (at most three, a new link each time that replaces the previous one,
//! since only a link's hash is kept), then staff warned once; given once from the link (a mark
//! out of 20, an appreciation, the skills), the student and the academic tutor told. Decides
//! with the pure [`super::evaluation`]; knows nothing of HTTP.

use chrono::NaiveDate;
use serde::Serialize;

use super::evaluation::{self, Evaluation, Mark};
use super::models::{self as rows, EvaluationRow};
use super::views::{EvaluationBody, EvaluationView};
use crate::agreements::document;
use crate::agreements::domain::{Refusal, Status};
use crate::agreements::flows as agreement_flows;
use crate::agreements::models::{self, Agreement, Details, Person};
use crate::app::AppState;
use crate::auth::domain::SessionToken;
use crate::auth::{CurrentUser, Role};
use crate::clock::morning_of;
use crate::db::{self, DbConnection, WriteTx};
use crate::error::ApiError;
use crate::jobs::{self, Job};
use crate::mail::domain::Locale;
use crate::mail::Email;

pub use super::evaluation::{REMINDER_JOB, REQUEST_JOB, WARNING_JOB};

/// On signature: the evaluation is asked on the internship's last day, in the morning (the
/// certificate's moment).
pub fn schedule_request(conn: &mut DbConnection, agreement: &Agreement) -> Result<(), ApiError> {
    jobs::schedule(
        conn,
        REQUEST_JOB,
        &agreement.id,
        morning_of(agreement.ends_on),
    )?;
    Ok(())
}

/// The link the supervisor evaluates from.
pub fn link(state: &AppState, token: &str) -> String {
    format!(
        "{}/evaluation-form?token={token}",
        state.settings.server.public_url.trim_end_matches('/')
    )
}

fn link_invalid() -> ApiError {
    ApiError::not_found().with("reason", "link_invalid")
}

fn already_submitted() -> ApiError {
    ApiError::conflict(
        "evaluation_submitted",
        "The evaluation has already been recorded; it cannot be given twice.",
    )
}

/// The internship and its evaluation behind a supervisor's link, if the link is the current one.
pub fn by_token(
    conn: &mut DbConnection,
    token: &str,
) -> Result<(Details, EvaluationRow), ApiError> {
    let hash = crate::auth::domain::token_hash(token.trim());
    let row = rows::evaluation_by_token(conn, &hash)?.ok_or_else(link_invalid)?;
    let details = agreement_flows::reread(conn, &row.agreement_id)?;
    Ok((details, row))
}

/// Who reads an internship's evaluation: staff, its academic tutor and its student (not the
/// host's signatory: the supervisor gave it, the school keeps it).
pub fn may_read(details: &Details, user: &CurrentUser) -> bool {
    user.is(Role::Staff)
        || details.agreement.tutor_id.as_deref() == Some(user.id.as_str())
        || details.agreement.student_id.as_deref() == Some(user.id.as_str())
}

/// An internship's evaluation as its readers see it; `None` until it is asked.
pub fn read(
    conn: &mut DbConnection,
    agreement_id: &str,
) -> Result<Option<EvaluationView>, ApiError> {
    Ok(rows::evaluation(conn, agreement_id)?.map(|r| EvaluationView::of(&r)))
}

/// « 15,5 / 20 » or « 15.5 / 20 ».
pub fn mark_text(mark: Mark, locale: Locale) -> String {
    let points = mark.points();
    let text = if points.fract() == 0.0 {
        format!("{points:.0}")
    } else {
        format!("{points}")
    };
    match locale {
        Locale::Fr => format!("{} / 20", text.replace('.', ",")),
        Locale::En => format!("{text} / 20"),
    }
}

#[derive(Serialize)]
struct ToEvaluate<'a> {
    /// The supervisor has no account: the footer says why they get it.
    no_account: bool,
    name: &'a str,
    student: &'a str,
    company: &'a str,
    subject: &'a str,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    link: String,
    /// 0 for the request, then 1, 2, 3.
    reminder: i32,
    last_reminder: bool,
}

fn student_name(details: &Details) -> &str {
    details.student.as_ref().map_or("", |s| s.name.as_str())
}

/// Asks (or asks again) the supervisor with a new link, which replaces the row's.
fn ask(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    details: &Details,
    row: &mut EvaluationRow,
) -> Result<(), ApiError> {
    let Some(internship) = &details.internship else {
        return Ok(());
    };
    let token = SessionToken::generate();
    row.token_hash = token.hash;
    let a = &details.agreement;
    let values = ToEvaluate {
        no_account: true,
        name: &internship.supervisor_name,
        student: student_name(details),
        company: &details.company.name,
        subject: &a.subject,
        starts_on: a.starts_on,
        ends_on: a.ends_on,
        link: link(state, &token.plain),
        reminder: row.reminders_sent,
        last_reminder: row.reminders_sent >= evaluation::MAX_REMINDERS,
    };
    let mut email = Email::new(
        &internship.supervisor_email,
        "internship_evaluation_requested",
        values,
    )
    .dedupe(format!(
        "internship_evaluation_requested:{}:{}",
        a.id, row.reminders_sent
    ));
    email.locale = Some(document::locale_of(details));
    state.outbox.enqueue(tx, email)?;
    Ok(())
}

/// Schedules what follows an unanswered request or reminder (the next reminder, or the staff's
/// warning after the last), one job each.
fn follow_up(tx: &mut WriteTx<'_>, state: &AppState, row: &EvaluationRow) -> Result<(), ApiError> {
    let every = state.settings.internship.evaluation_reminder_days;
    if let Some((next, day)) =
        evaluation::next_follow_up(row.reminders_sent, crate::clock::today(), every)
    {
        jobs::schedule(tx, next.job(), &row.agreement_id, morning_of(day))?;
    }
    Ok(())
}

/// The scheduled request, on the last day of a signed internship: the row and its link are
/// made and the supervisor asked (once; a job run again finds the row and does nothing).
pub fn request_job(tx: &mut WriteTx<'_>, state: &AppState, job: &Job) -> Result<(), ApiError> {
    let Ok(agreement) = models::lock(tx, &job.subject_id) else {
        return Ok(());
    };
    // A signed internship re-dated later has a job for its new last day: this one waits for it.
    if agreement.status != Status::Signed.as_str()
        || crate::clock::today() < agreement.ends_on
        || rows::evaluation(tx, &agreement.id)?.is_some()
    {
        return Ok(());
    }
    let details = agreement_flows::reread(tx, &agreement.id)?;
    if details.internship.is_none() {
        return Ok(());
    }
    let mut row = EvaluationRow {
        agreement_id: agreement.id.clone(),
        token_hash: String::new(),
        mark_quarters: None,
        appreciation: String::new(),
        skills: String::new(),
        submitted_at: None,
        reminders_sent: 0,
        created_at: db::now(),
    };
    ask(tx, state, &details, &mut row)?;
    rows::insert_evaluation(tx, &row)?;
    follow_up(tx, state, &row)
}

/// One reminder (its own job): while the evaluation is missing and fewer than three went out,
/// the supervisor is asked again with a new link; the next follow-up is scheduled.
pub fn reminder_job(tx: &mut WriteTx<'_>, state: &AppState, job: &Job) -> Result<(), ApiError> {
    let Ok(agreement) = models::lock(tx, &job.subject_id) else {
        return Ok(());
    };
    let Some(mut row) = rows::evaluation(tx, &agreement.id)? else {
        return Ok(());
    };
    if agreement.status != Status::Signed.as_str()
        || !evaluation::may_remind(row.submitted_at.is_some(), row.reminders_sent)
    {
        return Ok(());
    }
    let details = agreement_flows::reread(tx, &agreement.id)?;
    row.reminders_sent += 1;
    ask(tx, state, &details, &mut row)?;
    rows::update_evaluation(tx, &row)?;
    follow_up(tx, state, &row)
}

#[derive(Serialize)]
struct Overdue<'a> {
    name: &'a str,
    student: &'a str,
    company: &'a str,
    supervisor: &'a str,
    supervisor_email: &'a str,
    ends_on: NaiveDate,
    reminders: i32,
    link: String,
}

/// Who is warned of a missing evaluation: the school's signatory when the config names one,
/// else every staff account.
fn staff_to_warn(conn: &mut DbConnection, state: &AppState) -> Result<Vec<Person>, ApiError> {
    if !state.settings.agreements.school_signatory.trim().is_empty() {
        if let Some(person) = agreement_flows::school_signatory(conn, &state.settings)? {
            return Ok(vec![person]);
        }
    }
    Ok(models::staff(conn)?)
}

/// After the last reminder, still nothing: staff are warned, once.
pub fn warning_job(tx: &mut WriteTx<'_>, state: &AppState, job: &Job) -> Result<(), ApiError> {
    let Ok(agreement) = models::lock(tx, &job.subject_id) else {
        return Ok(());
    };
    let Some(row) = rows::evaluation(tx, &agreement.id)? else {
        return Ok(());
    };
    if agreement.status != Status::Signed.as_str()
        || !evaluation::may_warn(row.submitted_at.is_some(), row.reminders_sent)
    {
        return Ok(());
    }
    let details = agreement_flows::reread(tx, &agreement.id)?;
    let Some(internship) = &details.internship else {
        return Ok(());
    };
    for person in staff_to_warn(tx, state)? {
        let values = Overdue {
            name: &person.name,
            student: student_name(&details),
            company: &details.company.name,
            supervisor: &internship.supervisor_name,
            supervisor_email: &internship.supervisor_email,
            ends_on: agreement.ends_on,
            reminders: row.reminders_sent,
            link: agreement_flows::link(state, &agreement.id),
        };
        let email =
            Email::new(&person.email, "internship_evaluation_overdue", values).dedupe(format!(
                "internship_evaluation_overdue:{}:{}",
                agreement.id, person.id
            ));
        state.outbox.enqueue(tx, email)?;
    }
    Ok(())
}

#[derive(Serialize)]
struct Recorded<'a> {
    name: &'a str,
    /// The student is told about their own internship; the tutor about their student's.
    for_student: bool,
    student: &'a str,
    company: &'a str,
    supervisor: &'a str,
    mark: String,
    link: String,
}

/// The supervisor's evaluation from their link, once: the student and the academic tutor are
/// told. A second one is refused (409 `evaluation_submitted`), bad input named by field (422).
pub fn submit(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    token: &str,
    body: EvaluationBody,
) -> Result<(Details, EvaluationRow), ApiError> {
    let (details, _) = by_token(tx, token)?;
    // The agreement's row lock orders two submissions; the second reads the first's.
    let agreement = models::lock(tx, &details.agreement.id)?;
    let mut row = rows::evaluation(tx, &agreement.id)?.ok_or_else(link_invalid)?;
    if row.submitted_at.is_some() {
        return Err(already_submitted());
    }
    let given = Evaluation::parse(
        body.given_mark().as_ref(),
        body.appreciation.as_deref(),
        body.skills.as_deref(),
    )
    .map_err(|errors| ApiError::from(Refusal::Invalid(errors)))?;
    row.mark_quarters = Some(given.mark.quarters());
    row.appreciation = given.appreciation;
    row.skills = given.skills;
    row.submitted_at = Some(db::now());
    rows::update_evaluation(tx, &row)?;
    let locale = document::locale_of(&details);
    let supervisor = details
        .internship
        .as_ref()
        .map_or("", |i| i.supervisor_name.as_str());
    for (person, for_student) in [(&details.student, true), (&details.tutor, false)] {
        let Some(person) = person else { continue };
        let values = Recorded {
            name: &person.name,
            for_student,
            student: student_name(&details),
            company: &details.company.name,
            supervisor,
            mark: mark_text(given.mark, locale),
            link: agreement_flows::link(state, &agreement.id),
        };
        let mut email =
            Email::new(&person.email, "internship_evaluation_recorded", values).dedupe(format!(
                "internship_evaluation_recorded:{}:{}",
                agreement.id, person.id
            ));
        email.locale = Some(locale);
        state.outbox.enqueue(tx, email)?;
    }
    Ok((details, row))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_read_as_the_reader_writes_them() {
        let mark = Mark::parse(15.5).expect("mark");
        assert_eq!(mark_text(mark, Locale::Fr), "15,5 / 20");
        assert_eq!(mark_text(mark, Locale::En), "15.5 / 20");
        let whole = Mark::parse(14.0).expect("mark");
        assert_eq!(mark_text(whole, Locale::Fr), "14 / 20");
        let quarter = Mark::parse(14.25).expect("mark");
        assert_eq!(mark_text(quarter, Locale::Fr), "14,25 / 20");
    }
}
