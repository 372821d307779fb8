//! The internship's use cases: a student's (or staff's) request, the company supervisor's part
//! from an e-mailed link, staff's corrections, the limits judged on every write and before
//! sending, and the certificate (attestation de stage, D124-9) at the end.
//!
//! Who may write what: the student and staff write the request; the supervisor (a link, no
//! account) the host's part; only staff name the academic tutor and allow an overlap. Every
//! write recomputes the presence and judges the limits; `gratification_required` waits for
//! the supervisor's part (the host decides the gratification), the others refuse at once.

use chrono::{NaiveDate, Weekday};
use serde::Serialize;

use super::assess::{self, Assessment, Facts, InternshipType, OtherInternship, Plan};
use super::hours::{Period, Presence};
use super::models::{self as rows, Certificate, HostRecord, Internship};
use super::rules::{GratificationTable, Refusal as LawRefusal};
use super::siret::Siret;
use super::views::{CertificateBody, HostBody, InternshipBody};
use crate::agreements::domain::{Kind, Refusal, Status};
use crate::agreements::models::{self, Agreement, Details};
use crate::agreements::{document, flows as agreement_flows};
use crate::app::AppState;
use crate::auth::domain::{NewAccount, Role, SessionToken};
use crate::auth::{accounts, CurrentUser};
use crate::config::Settings;
use crate::dates::parse_date;
use crate::db::{self, DbConnection, WriteTx};
use crate::error::{ApiError, FieldError};
use crate::jobs::{self, Job};
use crate::mail::models::Attachment;
use crate::mail::Email;

/// The job that prepares the certificate on the internship's last day.
pub const CERTIFICATE_JOB: &str = "internship_certificate";

/// Code du travail L3121-20 (applied to interns by Code de l'éducation L124-14): at most 48
/// hours in a week.
pub const MAX_WEEKLY_MINUTES: u32 = 48 * 60;
/// Code du travail L3121-18 (L124-14): at most 10 hours of work a day.
pub const MAX_DAILY_MINUTES: u32 = 10 * 60;

/// Who is writing, which decides the fields they may set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Editor {
    Student,
    Supervisor,
    Staff,
}

pub fn table(settings: &Settings) -> Result<GratificationTable, ApiError> {
    GratificationTable::new(&settings.internship.minimum_gratification)
        .map_err(|e| ApiError::internal(anyhow::anyhow!(e)))
}

/// What the presence is computed from, as stored.
pub fn plan(agreement: &Agreement, row: &Internship) -> Option<Plan> {
    Some(Plan {
        period: Period::new(agreement.starts_on, agreement.ends_on).ok()?,
        weekly_minutes: u32::try_from(row.weekly_minutes).ok()?,
        days: assess::mask_to_days(&row.work_days),
        interruptions: assess::periods_from_json(&row.interruptions),
        holiday_work: row.holiday_work,
    })
}

/// Everything around this internship that its limits weigh, read from the database.
fn facts(
    conn: &mut DbConnection,
    agreement: &Agreement,
    row: &Internship,
) -> Result<Facts, ApiError> {
    let other_plan = |o: &rows::Other| -> Option<Plan> {
        Some(Plan {
            period: Period::new(o.starts_on, o.ends_on).ok()?,
            weekly_minutes: u32::try_from(o.internship.weekly_minutes).ok()?,
            days: assess::mask_to_days(&o.internship.work_days),
            interruptions: assess::periods_from_json(&o.internship.interruptions),
            holiday_work: o.internship.holiday_work,
        })
    };
    let student_others = match &agreement.student_id {
        Some(student) => rows::of_student(conn, student, &agreement.id)?
            .iter()
            .filter_map(|o| {
                Some(OtherInternship {
                    same_host: o.company_id == agreement.company_id,
                    overlap_allowed: o.internship.overlap_allowed,
                    plan: other_plan(o)?,
                })
            })
            .collect(),
        None => Vec::new(),
    };
    let periods = |others: Vec<rows::Other>| -> Vec<Period> {
        others
            .iter()
            .filter_map(|o| Period::new(o.starts_on, o.ends_on).ok())
            .collect()
    };
    let supervised = periods(rows::of_supervisor(
        conn,
        &row.supervisor_email,
        &agreement.id,
    )?);
    let hosted = periods(rows::at_host(
        conn,
        &agreement.company_id,
        agreement.starts_on - chrono::Duration::days(7),
        agreement.ends_on + chrono::Duration::days(7),
        &agreement.id,
    )?);
    let headcount = rows::host(conn, &agreement.company_id)?
        .headcount
        .and_then(|h| u32::try_from(h).ok());
    Ok(Facts {
        student_others,
        overlap_allowed: row.overlap_allowed,
        supervised,
        hosted,
        headcount,
        offered_cents: row.gratification_cents.and_then(|c| u32::try_from(c).ok()),
    })
}

/// The internship's figures and every limit's verdict.
pub fn assessment(
    conn: &mut DbConnection,
    settings: &Settings,
    agreement: &Agreement,
    row: &Internship,
) -> Result<Assessment, ApiError> {
    let plan = plan(agreement, row)
        .and_then(|p| p.presence_plan().ok())
        .ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!("stored internship without a schedule"))
        })?;
    let facts = facts(conn, agreement, row)?;
    assess::assess(&plan, &facts, &table(settings)?)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("{e:?}")))
}

/// What is still missing before the internship can be sent for signature.
pub fn missing(details: &Details, row: &Internship) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if row.supervisor_completed_at.is_none() {
        missing.push("supervisor_part");
    }
    if details.agreement.tutor_id.is_none() {
        missing.push("academic_tutor");
    }
    if details.company.host.siret.is_none() {
        missing.push("siret");
    }
    if details.company.contact.is_none() {
        missing.push("company_signatory");
    }
    missing
}

/// Refuses to send an internship that misses a part or passes a limit (called by `send`).
pub fn check_sendable(
    conn: &mut DbConnection,
    settings: &Settings,
    details: &Details,
) -> Result<(), ApiError> {
    let Some(row) = &details.internship else {
        return Err(ApiError::conflict(
            "internship_incomplete",
            "This internship has no content yet: request it through /internships.",
        )
        .with("missing", ["internship"]));
    };
    let missing = missing(details, row);
    if !missing.is_empty() {
        return Err(ApiError::conflict(
            "internship_incomplete",
            format!(
                "The internship cannot be sent yet: missing {}.",
                missing.join(", ")
            ),
        )
        .with("missing", missing));
    }
    let assessment = assessment(conn, settings, &details.agreement, row)?;
    match assessment.refusals.into_iter().next() {
        Some(refusal) => Err(refusal.into()),
        None => Ok(()),
    }
}

// ---- parsing what a form or the API sends ----

fn text(value: &Option<String>) -> Option<String> {
    value.as_deref().map(|v| v.trim().to_owned())
}

fn required(value: &str, field: &str, max: usize, errors: &mut Vec<FieldError>) {
    let chars = value.trim().chars().count();
    if chars == 0 || chars > max {
        errors.push(FieldError::new(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
}

fn at_most(value: &str, field: &str, max: usize, errors: &mut Vec<FieldError>) {
    if value.chars().count() > max {
        errors.push(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
}

fn date(value: &Option<String>, field: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let value = crate::text::not_blank(value.as_deref())?;
    let day = parse_date(value);
    if day.is_none() {
        errors.push(FieldError::new(field, "must be a date (YYYY-MM-DD)"));
    }
    day
}

/// Hours as the API sends them (35, 17.5) to whole minutes.
fn minutes_of_hours(hours: f64) -> Option<u32> {
    (hours.is_finite() && hours > 0.0 && hours <= 168.0).then(|| (hours * 60.0).round() as u32)
}

/// A whole internship's hours of presence (a certificate's) to whole minutes: more than 0 and at
/// most 10 hours (L3121-18) on every day from `starts_on` to `ends_on`.
fn presence_minutes_of_hours(hours: f64, starts_on: NaiveDate, ends_on: NaiveDate) -> Option<i32> {
    let days = (ends_on - starts_on).num_days() + 1;
    let most = days.max(1) * i64::from(MAX_DAILY_MINUTES);
    let minutes = (hours.is_finite() && hours > 0.0).then(|| (hours * 60.0).round())?;
    (minutes <= most as f64).then_some(minutes as i32)
}

/// A host's SIRET, or its refusal as a field error carrying `invalid_siret`.
fn siret(value: &str, field: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    match Siret::parse(value) {
        Ok(s) => Some(s.as_str().to_owned()),
        Err(e) => {
            errors.push(FieldError::new(field, e.to_string()).with_code("invalid_siret"));
            None
        }
    }
}

/// Applies the host's fields to its record.
fn apply_host(body: &HostBody, host: &mut HostRecord, errors: &mut Vec<FieldError>) {
    if let Some(value) = crate::text::not_blank(body.siret.as_deref()) {
        host.siret = siret(value, "company.siret", errors);
    }
    if let Some(v) = text(&body.address) {
        at_most(&v, "company.address", 500, errors);
        host.address = v;
    }
    if let Some(v) = text(&body.representative_name) {
        at_most(&v, "company.representative_name", 200, errors);
        host.representative_name = v;
    }
    if let Some(v) = text(&body.representative_role) {
        at_most(&v, "company.representative_role", 200, errors);
        host.representative_role = v;
    }
    if let Some(headcount) = body.headcount {
        if !(0..=10_000_000).contains(&headcount) {
            errors.push(FieldError::new("company.headcount", "must be 0 or more"));
        }
        host.headcount = Some(headcount);
    }
}

/// Applies the body's fields to the agreement and its internship; fields the editor may not
/// set are refused by name.
fn apply(
    body: &InternshipBody,
    editor: Editor,
    agreement: &mut Agreement,
    row: &mut Internship,
    errors: &mut Vec<FieldError>,
) {
    let staff_only = [
        ("academic_tutor_id", body.academic_tutor_id.is_some()),
        ("overlap_allowed", body.overlap_allowed.is_some()),
    ];
    if editor != Editor::Staff {
        for (field, given) in staff_only {
            if given {
                errors.push(FieldError::new(field, "only staff set it"));
            }
        }
    }
    if editor == Editor::Supervisor {
        for (field, given) in [
            ("student_number", body.student_number.is_some()),
            ("supervisor_email", body.supervisor_email.is_some()),
            ("student_id", body.student_id.is_some()),
            ("company_id", body.company_id.is_some()),
        ] {
            if given {
                errors.push(FieldError::new(
                    field,
                    "is the student's or the office's to set",
                ));
            }
        }
    }
    if let Some(v) = text(&body.subject) {
        required(&v, "subject", 300, errors);
        agreement.subject = v;
    }
    if let Some(v) = text(&body.place) {
        at_most(&v, "place", 500, errors);
        if !v.is_empty() {
            agreement.place = v;
        }
    }
    if let Some(day) = date(&body.starts_on, "starts_on", errors) {
        agreement.starts_on = day;
    }
    if let Some(day) = date(&body.ends_on, "ends_on", errors) {
        agreement.ends_on = day;
    }
    if agreement.ends_on < agreement.starts_on {
        errors.push(FieldError::new("ends_on", "must not be before starts_on"));
    }
    if let Some(v) = text(&body.locale) {
        match crate::mail::domain::Locale::parse(&v) {
            Some(l) => agreement.locale = l.as_str().to_owned(),
            None => errors.push(FieldError::new("locale", "must be `fr` or `en`")),
        }
    }
    if let Some(v) = text(&body.student_number) {
        required(&v, "student_number", 40, errors);
        row.student_number = v;
    }
    for (value, field, slot, max) in [
        (&body.programme, "programme", &mut row.programme, 300),
        (
            &body.programme_hours,
            "programme_hours",
            &mut row.programme_hours,
            100,
        ),
        (
            &body.internal_rules,
            "internal_rules",
            &mut row.internal_rules,
            5_000,
        ),
        (&body.department, "department", &mut row.department, 300),
        (
            &body.supervisor_role,
            "supervisor_role",
            &mut row.supervisor_role,
            200,
        ),
        (
            &body.supervisor_phone,
            "supervisor_phone",
            &mut row.supervisor_phone,
            40,
        ),
        (&body.activities, "activities", &mut row.activities, 10_000),
        (&body.skills, "skills", &mut row.skills, 10_000),
        (&body.leave, "leave", &mut row.leave, 2_000),
        (
            &body.gratification_terms,
            "gratification_terms",
            &mut row.gratification_terms,
            2_000,
        ),
        (&body.benefits, "benefits", &mut row.benefits, 2_000),
    ] {
        if let Some(v) = text(value) {
            at_most(&v, field, max, errors);
            *slot = v;
        }
    }
    if let Some(v) = text(&body.supervisor_name) {
        required(&v, "supervisor_name", 200, errors);
        row.supervisor_name = v;
    }
    if let Some(v) = text(&body.supervisor_email) {
        match crate::auth::domain::Email::parse(&v) {
            Ok(email) => row.supervisor_email = email.as_str().to_owned(),
            Err(message) => errors.push(FieldError::new("supervisor_email", message)),
        }
    }
    if let Some(v) = text(&body.internship_type) {
        match InternshipType::parse(&v) {
            Some(t) => row.internship_type = t.as_str().to_owned(),
            None => errors.push(FieldError::new(
                "internship_type",
                "must be `compulsory`, `optional` or `gap_year`",
            )),
        }
    }
    if let Some(hours) = body.weekly_hours {
        match minutes_of_hours(hours) {
            Some(m) if m <= MAX_WEEKLY_MINUTES => row.weekly_minutes = m as i32,
            _ => errors.push(FieldError::new(
                "weekly_hours",
                "must be more than 0 and at most 48 (Code du travail L3121-20)",
            )),
        }
    }
    if let Some(days) = &body.work_days {
        let parsed: Option<Vec<Weekday>> = days.iter().map(|d| assess::parse_day(d)).collect();
        match parsed {
            Some(days) if !days.is_empty() => row.work_days = assess::days_to_mask(&days),
            _ => errors.push(FieldError::new(
                "work_days",
                "must list one or more of mon, tue, wed, thu, fri, sat, sun",
            )),
        }
    }
    let days = assess::mask_to_days(&row.work_days).len().max(1) as u32;
    if (row.weekly_minutes as u32).div_ceil(days) > MAX_DAILY_MINUTES {
        errors.push(FieldError::new(
            "weekly_hours",
            "spread over the worked days, must be at most 10 hours a day (Code du travail \
             L3121-18)",
        ));
    }
    for (value, slot) in [
        (body.night_work, &mut row.night_work),
        (body.sunday_work, &mut row.sunday_work),
        (body.holiday_work, &mut row.holiday_work),
        (body.confidential, &mut row.confidential),
        (body.overlap_allowed, &mut row.overlap_allowed),
    ] {
        if let Some(v) = value {
            *slot = v;
        }
    }
    if let Some(list) = &body.interruptions {
        let mut periods = Vec::new();
        for (i, p) in list.iter().enumerate() {
            let field = format!("interruptions[{i}]");
            let (Some(s), Some(e)) = (parse_date(&p.starts_on), parse_date(&p.ends_on)) else {
                errors.push(FieldError::new(
                    field,
                    "needs starts_on and ends_on (YYYY-MM-DD)",
                ));
                continue;
            };
            match Period::new(s, e) {
                Ok(period) => periods.push(period),
                Err(_) => errors.push(FieldError::new(field, "ends before it starts")),
            }
        }
        row.interruptions = assess::periods_to_json(&periods);
    }
    for (i, p) in assess::periods_from_json(&row.interruptions)
        .iter()
        .enumerate()
    {
        if p.start() < agreement.starts_on || p.end() > agreement.ends_on {
            errors.push(FieldError::new(
                format!("interruptions[{i}]"),
                "must fall within the internship's dates",
            ));
        }
    }
    if let Some(cents) = body.gratification_cents_per_hour {
        if !(0..=100_000).contains(&cents) {
            errors.push(FieldError::new(
                "gratification_cents_per_hour",
                "must be 0 (none) to 100000",
            ));
        }
        row.gratification_cents = (cents > 0).then_some(cents);
    }
    agreement.supervisor = Some(row.supervisor_name.clone());
    agreement.description = row.activities.clone();
    document::check_printable(
        &[
            ("subject", Some(&agreement.subject)),
            ("place", Some(&agreement.place)),
            ("programme", Some(&row.programme)),
            ("department", Some(&row.department)),
            ("supervisor_name", Some(&row.supervisor_name)),
            ("supervisor_role", Some(&row.supervisor_role)),
            ("activities", Some(&row.activities)),
            ("skills", Some(&row.skills)),
            ("leave", Some(&row.leave)),
            ("gratification_terms", Some(&row.gratification_terms)),
            ("benefits", Some(&row.benefits)),
            ("programme_hours", Some(&row.programme_hours)),
            ("internal_rules", Some(&row.internal_rules)),
        ],
        errors,
    );
}

/// Recomputes the presence and judges the limits after a write; refuses what must be refused
/// now (`gratification_required` waits until the supervisor has given their part).
fn judge(
    conn: &mut DbConnection,
    settings: &Settings,
    agreement: &Agreement,
    row: &mut Internship,
    editor: Editor,
) -> Result<Assessment, ApiError> {
    let assessment = assessment(conn, settings, agreement, row)?;
    row.presence_minutes = assessment.presence.minutes() as i32;
    row.gratification_due = assessment.gratification_required;
    let supervisor_done = editor == Editor::Supervisor || row.supervisor_completed_at.is_some();
    let blocking = assessment
        .refusals
        .iter()
        .find(|r| supervisor_done || !matches!(r, LawRefusal::GratificationRequired { .. }));
    match blocking {
        Some(refusal) => Err(refusal.clone().into()),
        None => Ok(assessment),
    }
}

/// After the generic change of an internship's agreement (its dates, say): the presence is
/// recomputed and the limits judged again.
pub fn rejudge(
    tx: &mut WriteTx<'_>,
    settings: &Settings,
    agreement: &Agreement,
) -> Result<(), ApiError> {
    rejudge_with(tx, settings, agreement, None)
}

/// [`rejudge`] with a new hourly gratification (`Some`), as an amendment applies it.
pub fn rejudge_with(
    tx: &mut WriteTx<'_>,
    settings: &Settings,
    agreement: &Agreement,
    gratification_cents: Option<Option<i32>>,
) -> Result<(), ApiError> {
    if let Some(mut row) = judged(tx, settings, agreement, gratification_cents)? {
        row.updated_at = db::now();
        rows::update(tx, &row)?;
    }
    Ok(())
}

/// The internship's row judged against `agreement`'s terms (and a new gratification), not
/// written: an amendment is checked this way before it is signed. `None`: not an internship.
pub fn judged(
    conn: &mut DbConnection,
    settings: &Settings,
    agreement: &Agreement,
    gratification_cents: Option<Option<i32>>,
) -> Result<Option<Internship>, ApiError> {
    let Some(mut row) = rows::find(conn, &agreement.id)? else {
        return Ok(None);
    };
    if let Some(cents) = gratification_cents {
        row.gratification_cents = cents.filter(|c| *c > 0);
    }
    for (i, p) in assess::periods_from_json(&row.interruptions)
        .iter()
        .enumerate()
    {
        if p.start() < agreement.starts_on || p.end() > agreement.ends_on {
            return Err(Refusal::Invalid(vec![FieldError::new(
                format!("interruptions[{i}]"),
                "must fall within the internship's dates",
            )])
            .into());
        }
    }
    judge(conn, settings, agreement, &mut row, Editor::Staff)?;
    Ok(Some(row))
}

/// A signed amendment applies to the internship: its gratification, its presence recomputed on
/// the new dates (the limits were judged when it was asked for and when it was sent; a signed
/// amendment applies as signed), its certificate and evaluation moved to the new last day.
pub fn apply_amended(
    tx: &mut WriteTx<'_>,
    settings: &Settings,
    agreement: &Agreement,
    gratification_cents: Option<i32>,
    previous_end: NaiveDate,
) -> Result<(), ApiError> {
    let Some(mut row) = rows::find(tx, &agreement.id)? else {
        return Ok(());
    };
    row.gratification_cents = gratification_cents.filter(|c| *c > 0);
    // Interruptions past an early end no longer happen: kept as recorded, judged on what is left.
    if let Ok(assessment) = assessment(tx, settings, agreement, &row) {
        row.presence_minutes = assessment.presence.minutes() as i32;
        row.gratification_due = assessment.gratification_required;
    }
    row.updated_at = db::now();
    rows::update(tx, &row)?;
    if agreement.ends_on != previous_end && rows::certificate(tx, &agreement.id)?.is_none() {
        // The certificate and the supervisor's evaluation move to the new last day.
        jobs::unschedule(tx, CERTIFICATE_JOB, &agreement.id)?;
        jobs::unschedule(tx, super::evaluating::REQUEST_JOB, &agreement.id)?;
        schedule_last_day(tx, agreement)?;
    }
    Ok(())
}

/// The host: an existing company, the one with this SIRET, or a new one with its signatory's
/// account (welcomed by e-mail so they can sign).
fn host_of(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    body: &InternshipBody,
    by: &CurrentUser,
    errors: &mut Vec<FieldError>,
) -> Result<Option<String>, ApiError> {
    if let Some(id) = crate::text::not_blank(body.company_id.as_deref()) {
        if models::company_exists(tx, id)?.is_none() {
            errors.push(FieldError::new("company_id", "is not a company"));
            return Ok(None);
        }
        return Ok(Some(id.to_owned()));
    }
    let Some(new) = &body.company else {
        errors.push(FieldError::new(
            "company",
            "give company_id, or the company's name, SIRET, address and signatory",
        ));
        return Ok(None);
    };
    let siret_given = crate::text::not_blank(new.siret.as_deref()).unwrap_or_default();
    let Some(siret) = siret(siret_given, "company.siret", errors) else {
        return Ok(None);
    };
    if let Some(id) = rows::company_by_siret(tx, &siret)? {
        return Ok(Some(id));
    }
    let name = text(&new.name).unwrap_or_default();
    required(&name, "company.name", 200, errors);
    let city = text(&new.city).unwrap_or_default();
    required(&city, "company.city", 200, errors);
    let mut host = HostRecord::default();
    apply_host(new, &mut host, errors);
    required(&host.address, "company.address", 500, errors);
    required(
        &host.representative_name,
        "company.representative_name",
        200,
        errors,
    );
    let email = text(&new.representative_email).unwrap_or_default();
    let account = NewAccount::parse(
        &email,
        &host.representative_name,
        Role::Company.as_str(),
        None,
        &[Role::Company],
    );
    let account = match account {
        Ok(a) => Some(a),
        Err(field_errors) => {
            errors.extend(field_errors.into_iter().map(|e| {
                FieldError::new(
                    match e.field.as_str() {
                        "email" => "company.representative_email",
                        _ => "company.representative_name",
                    },
                    e.message,
                )
            }));
            None
        }
    };
    document::check_printable(
        &[
            ("company.name", Some(&name)),
            ("company.city", Some(&city)),
            ("company.address", Some(&host.address)),
            (
                "company.representative_name",
                Some(&host.representative_name),
            ),
            (
                "company.representative_role",
                Some(&host.representative_role),
            ),
        ],
        errors,
    );
    let Some(account) = account.filter(|_| errors.is_empty()) else {
        return Ok(None);
    };
    let contact = match models::user_by_email(tx, account.email.as_str())? {
        Some((person, role)) if role == Role::Company.as_str() => {
            if crate::auth::models::company_of_contact(tx, &person.id)?.is_some() {
                errors.push(FieldError::new(
                    "company.representative_email",
                    "already signs for another company",
                ));
                return Ok(None);
            }
            person.id
        }
        Some(_) => {
            errors.push(FieldError::new(
                "company.representative_email",
                "belongs to an account that is not a company's",
            ));
            return Ok(None);
        }
        None => {
            let welcome = accounts::Welcome {
                outbox: &state.outbox,
                public_url: &state.settings.server.public_url,
                sender: &by.name,
            };
            accounts::insert_account(tx, &account, None, Some(&by.id), Some(welcome))?.id
        }
    };
    let id = db::new_id();
    rows::insert_company(tx, &id, Some(&contact), &name, &city, &host)?;
    Ok(Some(id))
}

fn student_of(
    tx: &mut WriteTx<'_>,
    by: &CurrentUser,
    body: &InternshipBody,
    errors: &mut Vec<FieldError>,
) -> Result<Option<String>, ApiError> {
    if by.is(Role::Student) {
        return Ok(Some(by.id.clone()));
    }
    let Some(id) = crate::text::not_blank(body.student_id.as_deref()) else {
        errors.push(FieldError::new("student_id", "is required"));
        return Ok(None);
    };
    if models::role_of(tx, id)?.as_deref() != Some(Role::Student.as_str()) {
        errors.push(FieldError::new("student_id", "is not a student"));
        return Ok(None);
    }
    Ok(Some(id.to_owned()))
}

fn academic_tutor(
    tx: &mut WriteTx<'_>,
    body: &InternshipBody,
    agreement: &mut Agreement,
    errors: &mut Vec<FieldError>,
) -> Result<(), ApiError> {
    if let Some(id) = body.academic_tutor_id.as_deref() {
        let id = id.trim();
        if id.is_empty() {
            agreement.tutor_id = None;
        } else if models::role_of(tx, id)?.as_deref() == Some(Role::Tutor.as_str()) {
            agreement.tutor_id = Some(id.to_owned());
        } else {
            errors.push(FieldError::new("academic_tutor_id", "is not a tutor"));
        }
    }
    Ok(())
}

/// A student's request (or staff's for a student): a `draft` internship agreement, and its
/// supervisor asked by e-mail to complete the host's part.
pub fn request(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    by: &CurrentUser,
    body: InternshipBody,
) -> Result<Details, ApiError> {
    let editor = match by.role {
        Role::Student => Editor::Student,
        Role::Staff => Editor::Staff,
        _ => return Err(ApiError::forbidden()),
    };
    let mut errors = Vec::new();
    let student_id = student_of(tx, by, &body, &mut errors)?;
    let company_id = host_of(tx, state, &body, by, &mut errors)?;
    for (field, given) in [
        ("subject", &body.subject),
        ("starts_on", &body.starts_on),
        ("ends_on", &body.ends_on),
        ("student_number", &body.student_number),
        ("supervisor_name", &body.supervisor_name),
        ("supervisor_email", &body.supervisor_email),
    ] {
        if crate::text::not_blank(given.as_deref()).is_none() {
            errors.push(FieldError::new(field, "is required"));
        }
    }
    let at = db::now();
    let today = crate::clock::today();
    let mut agreement = Agreement {
        id: db::new_id(),
        kind: Kind::Internship.as_str().to_owned(),
        status: Status::Draft.as_str().to_owned(),
        version: 1,
        locale: "fr".to_owned(),
        campaign_id: None,
        mission_id: None,
        company_id: company_id.clone().unwrap_or_default(),
        student_id,
        tutor_id: None,
        subject: String::new(),
        description: String::new(),
        place: String::new(),
        supervisor: None,
        starts_on: today,
        ends_on: today,
        sent_at: None,
        signed_at: None,
        cancelled_at: None,
        cancel_reason: None,
        created_at: at,
        updated_at: at,
    };
    let mut row = Internship {
        agreement_id: agreement.id.clone(),
        requested_by: by.id.clone(),
        student_number: String::new(),
        programme: String::new(),
        programme_hours: String::new(),
        internship_type: InternshipType::Compulsory.as_str().to_owned(),
        department: String::new(),
        supervisor_name: String::new(),
        supervisor_role: String::new(),
        supervisor_email: String::new(),
        supervisor_phone: String::new(),
        activities: String::new(),
        skills: String::new(),
        weekly_minutes: 35 * 60,
        work_days: "1111100".to_owned(),
        night_work: false,
        sunday_work: false,
        holiday_work: false,
        interruptions: "[]".to_owned(),
        leave: String::new(),
        gratification_cents: None,
        gratification_terms: String::new(),
        benefits: String::new(),
        confidential: false,
        internal_rules: String::new(),
        overlap_allowed: false,
        presence_minutes: 0,
        gratification_due: false,
        supervisor_token_hash: None,
        supervisor_completed_at: None,
        created_at: at,
        updated_at: at,
    };
    apply(&body, editor, &mut agreement, &mut row, &mut errors);
    academic_tutor(tx, &body, &mut agreement, &mut errors)?;
    if agreement.place.is_empty() {
        if let Some(id) = &company_id {
            agreement.place = models::company_exists(tx, id)?.unwrap_or_default();
        }
    }
    if !errors.is_empty() {
        return Err(Refusal::Invalid(errors).into());
    }
    judge(tx, &state.settings, &agreement, &mut row, editor)?;
    let token = SessionToken::generate();
    row.supervisor_token_hash = Some(token.hash);
    models::insert(tx, &agreement)?;
    rows::insert(tx, &row)?;
    let details = one(tx, &agreement.id)?;
    ask_supervisor(tx, state, &details, &row, &token.plain)?;
    Ok(details)
}

fn one(conn: &mut DbConnection, id: &str) -> Result<Details, ApiError> {
    agreement_flows::reread(conn, id)
}

/// The link the supervisor completes their part from.
pub fn supervisor_link(state: &AppState, token: &str) -> String {
    format!(
        "{}/internship-form?token={token}",
        state.settings.server.public_url.trim_end_matches('/')
    )
}

pub fn certificate_link(state: &AppState, token: &str) -> String {
    format!(
        "{}/certificate-form?token={token}",
        state.settings.server.public_url.trim_end_matches('/')
    )
}

#[derive(Serialize)]
struct ToComplete<'a> {
    /// The supervisor has no account: the footer says why they get it.
    no_account: bool,
    name: &'a str,
    student: &'a str,
    company: &'a str,
    subject: &'a str,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    link: String,
}

fn ask_supervisor(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    details: &Details,
    row: &Internship,
    token: &str,
) -> Result<(), ApiError> {
    let a = &details.agreement;
    let values = ToComplete {
        no_account: true,
        name: &row.supervisor_name,
        student: details.student.as_ref().map_or("", |s| s.name.as_str()),
        company: &details.company.name,
        subject: &a.subject,
        starts_on: a.starts_on,
        ends_on: a.ends_on,
        link: supervisor_link(state, token),
    };
    let mut email = Email::new(&row.supervisor_email, "internship_to_complete", values)
        .dedupe(format!("internship_to_complete:{}:{}", a.id, &token[..16]));
    email.locale = Some(document::locale_of(details));
    state.outbox.enqueue(tx, email)?;
    Ok(())
}

/// The internship behind a supervisor's link, if the link is valid.
pub fn by_supervisor_token(conn: &mut DbConnection, token: &str) -> Result<Details, ApiError> {
    let hash = crate::auth::domain::token_hash(token.trim());
    let row = rows::by_supervisor_token(conn, &hash)?.ok_or_else(link_invalid)?;
    one(conn, &row.agreement_id)
}

fn link_invalid() -> ApiError {
    ApiError::not_found().with("reason", "link_invalid")
}

#[derive(Serialize)]
struct Completed<'a> {
    name: &'a str,
    supervisor: &'a str,
    company: &'a str,
    subject: &'a str,
    link: String,
}

/// The company supervisor's part, from their link: while the agreement is a draft, they may
/// give it and correct it.
pub fn complete(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    token: &str,
    body: InternshipBody,
) -> Result<Details, ApiError> {
    let details = by_supervisor_token(tx, token)?;
    let mut agreement = models::lock(tx, &details.agreement.id)?;
    if agreement.status != Status::Draft.as_str() {
        return Err(ApiError::conflict(
            "invalid_transition",
            "This internship has been sent for signature: its content can no longer be changed \
             from this link; write to the school's office.",
        ));
    }
    let mut row = rows::find(tx, &agreement.id)?.ok_or_else(ApiError::not_found)?;
    let mut host = rows::host(tx, &agreement.company_id)?;
    let mut errors = Vec::new();
    apply(
        &body,
        Editor::Supervisor,
        &mut agreement,
        &mut row,
        &mut errors,
    );
    if let Some(h) = &body.company {
        apply_host(h, &mut host, &mut errors);
    }
    if !errors.is_empty() {
        return Err(Refusal::Invalid(errors).into());
    }
    rows::update_host(tx, &agreement.company_id, &host)?;
    let first = row.supervisor_completed_at.is_none();
    row.supervisor_completed_at = Some(db::now());
    judge(
        tx,
        &state.settings,
        &agreement,
        &mut row,
        Editor::Supervisor,
    )?;
    save(tx, &mut agreement, &mut row)?;
    let details = one(tx, &agreement.id)?;
    if first {
        if let Some(student) = &details.student {
            let values = Completed {
                name: &student.name,
                supervisor: &row.supervisor_name,
                company: &details.company.name,
                subject: &agreement.subject,
                link: agreement_flows::link(state, &agreement.id),
            };
            let mut email = Email::new(&student.email, "internship_completed", values)
                .dedupe(format!("internship_completed:{}", agreement.id));
            email.locale = Some(document::locale_of(&details));
            state.outbox.enqueue(tx, email)?;
        }
    }
    Ok(details)
}

fn save(
    tx: &mut WriteTx<'_>,
    agreement: &mut Agreement,
    row: &mut Internship,
) -> Result<(), ApiError> {
    let at = db::now();
    agreement.updated_at = at;
    row.updated_at = at;
    models::update(tx, agreement)?;
    rows::update(tx, row)?;
    Ok(())
}

/// Staff's correction (any field, the academic tutor, an allowed overlap, the host's record),
/// or the requesting student's while the draft waits for its supervisor. A sent agreement
/// gets a new version, signed again.
pub fn change(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    by: &CurrentUser,
    id: &str,
    body: InternshipBody,
) -> Result<Details, ApiError> {
    let mut agreement = models::lock(tx, id).map_err(|_| Refusal::NotFound)?;
    let mut row = rows::find(tx, id)?.ok_or(Refusal::NotFound)?;
    let editor = if by.is(Role::Staff) {
        Editor::Staff
    } else if agreement.student_id.as_deref() == Some(by.id.as_str()) {
        if agreement.status != Status::Draft.as_str() {
            return Err(ApiError::conflict(
                "invalid_transition",
                "Only a draft can be changed by its student; write to the school's office.",
            ));
        }
        Editor::Student
    } else {
        return Err(Refusal::NotFound.into());
    };
    let status = Status::parse(&agreement.status).unwrap_or(Status::Cancelled);
    crate::agreements::domain::Action::Change.apply(status)?;
    let mut host = rows::host(tx, &agreement.company_id)?;
    let mut errors = Vec::new();
    apply(&body, editor, &mut agreement, &mut row, &mut errors);
    academic_tutor(tx, &body, &mut agreement, &mut errors)?;
    if let Some(h) = &body.company {
        if editor != Editor::Staff {
            errors.push(FieldError::new(
                "company",
                "only staff correct the host's record",
            ));
        }
        apply_host(h, &mut host, &mut errors);
        if let Some(siret) = &host.siret {
            if rows::company_by_siret(tx, siret)?.is_some_and(|c| c != agreement.company_id) {
                errors.push(FieldError::new(
                    "company.siret",
                    "is another company's in fieldlab",
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(Refusal::Invalid(errors).into());
    }
    rows::update_host(tx, &agreement.company_id, &host)?;
    judge(tx, &state.settings, &agreement, &mut row, editor)?;
    if status == Status::Sent {
        row.updated_at = db::now();
        rows::update(tx, &row)?;
        return agreement_flows::reissue(tx, state, agreement);
    }
    save(tx, &mut agreement, &mut row)?;
    one(tx, id)
}

// ---- the certificate (attestation de stage) ----

/// On signature: the certificate is prepared, and the supervisor's evaluation asked, on the
/// internship's last day.
pub fn schedule_last_day(conn: &mut DbConnection, agreement: &Agreement) -> Result<(), ApiError> {
    jobs::schedule(
        conn,
        CERTIFICATE_JOB,
        &agreement.id,
        crate::clock::morning_of(agreement.ends_on),
    )?;
    super::evaluating::schedule_request(conn, agreement)
}

/// The scheduled job: prepares the certificate of a signed internship (once).
pub fn certificate_job(tx: &mut WriteTx<'_>, state: &AppState, job: &Job) -> Result<(), ApiError> {
    let Ok(agreement) = models::lock(tx, &job.subject_id) else {
        return Ok(());
    };
    let Some(row) = rows::find(tx, &agreement.id)? else {
        return Ok(());
    };
    if agreement.status != Status::Signed.as_str()
        || rows::certificate(tx, &agreement.id)?.is_some()
    {
        return Ok(());
    }
    prepare_certificate_of(tx, state, agreement, row).map(|_| ())
}

/// The total gratification a presence comes to, in cents, at an hourly amount.
pub fn gratification_total(cents_per_hour: Option<i32>, minutes: i32) -> Option<i64> {
    let cents = i64::from(cents_per_hour.filter(|c| *c > 0)?);
    Some((cents * i64::from(minutes) + 30) / 60)
}

#[derive(Serialize)]
struct ToConfirm<'a> {
    no_account: bool,
    name: &'a str,
    student: &'a str,
    company: &'a str,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    presence_hours: String,
    gratification_total: String,
    link: String,
}

fn already_issued() -> ApiError {
    ApiError::conflict(
        "certificate_confirmed",
        "The certificate is already confirmed and issued.",
    )
}

/// Staff prepare the certificate now (an internship ended early, a link lost), or the scheduled
/// job does on the last day: the planned figures, sent to the supervisor to confirm.
pub fn prepare_certificate(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    id: &str,
) -> Result<Details, ApiError> {
    let agreement = models::lock(tx, id).map_err(|_| Refusal::NotFound)?;
    let row = rows::find(tx, id)?.ok_or(Refusal::NotFound)?;
    if agreement.status != Status::Signed.as_str() {
        return Err(ApiError::conflict(
            "not_signed",
            "A certificate is prepared for a signed internship only.",
        ));
    }
    if rows::certificate(tx, id)?.is_some_and(|c| c.confirmed_at.is_some()) {
        return Err(already_issued());
    }
    prepare_certificate_of(tx, state, agreement, row)
}

fn prepare_certificate_of(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    agreement: Agreement,
    row: Internship,
) -> Result<Details, ApiError> {
    let token = SessionToken::generate();
    let certificate = Certificate {
        agreement_id: agreement.id.clone(),
        token_hash: token.hash,
        prepared_at: db::now(),
        presence_minutes: row.presence_minutes,
        gratification_cents: gratification_total(row.gratification_cents, row.presence_minutes),
        confirmed_at: None,
    };
    rows::save_certificate(tx, &certificate)?;
    let details = one(tx, &agreement.id)?;
    let locale = document::locale_of(&details);
    let values = ToConfirm {
        no_account: true,
        name: &row.supervisor_name,
        student: details.student.as_ref().map_or("", |s| s.name.as_str()),
        company: &details.company.name,
        starts_on: agreement.starts_on,
        ends_on: agreement.ends_on,
        presence_hours: Presence::from_minutes(certificate.presence_minutes as u32).to_string(),
        gratification_total: certificate
            .gratification_cents
            .map(|c| super::document::euros(c, locale))
            .unwrap_or_default(),
        link: certificate_link(state, &token.plain),
    };
    let mut email =
        Email::new(&row.supervisor_email, "certificate_to_confirm", values).dedupe(format!(
            "certificate_to_confirm:{}:{}",
            agreement.id,
            &token.plain[..16]
        ));
    email.locale = Some(locale);
    state.outbox.enqueue(tx, email)?;
    Ok(details)
}

pub fn by_certificate_token(conn: &mut DbConnection, token: &str) -> Result<Details, ApiError> {
    let hash = crate::auth::domain::token_hash(token.trim());
    let row = rows::certificate_by_token(conn, &hash)?.ok_or_else(link_invalid)?;
    one(conn, &row.agreement_id)
}

#[derive(Serialize)]
struct Issued<'a> {
    name: &'a str,
    company: &'a str,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    presence_hours: String,
    gratification_total: String,
    link: String,
}

/// The supervisor confirms (or corrects) the figures: the certificate is issued and e-mailed
/// to the student as a PDF.
pub fn confirm_certificate(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    token: &str,
    body: CertificateBody,
) -> Result<Details, ApiError> {
    let details = by_certificate_token(tx, token)?;
    let agreement = models::lock(tx, &details.agreement.id)?;
    let mut certificate = rows::certificate(tx, &agreement.id)?.ok_or_else(link_invalid)?;
    if certificate.confirmed_at.is_some() {
        return Err(already_issued());
    }
    let mut errors = Vec::new();
    if let Some(hours) = body.presence_hours {
        // Not `minutes_of_hours`: that bounds a week (168 h), and an internship is longer.
        match presence_minutes_of_hours(hours, agreement.starts_on, agreement.ends_on) {
            Some(m) => certificate.presence_minutes = m,
            None => errors.push(FieldError::new(
                "presence_hours",
                "must be more than 0 hours of presence, and at most 10 a day over the \
                 internship's dates",
            )),
        }
    }
    if let Some(cents) = body.gratification_total_cents {
        if !(0..=100_000_000).contains(&cents) {
            errors.push(FieldError::new(
                "gratification_total_cents",
                "must be 0 or more",
            ));
        }
        certificate.gratification_cents = (cents > 0).then_some(cents);
    }
    if !errors.is_empty() {
        return Err(Refusal::Invalid(errors).into());
    }
    certificate.confirmed_at = Some(db::now());
    rows::update_certificate(tx, &certificate)?;
    let details = one(tx, &agreement.id)?;
    let locale = document::locale_of(&details);
    let pdf = certificate_bytes(state, &details)?;
    if let Some(student) = &details.student {
        let values = Issued {
            name: &student.name,
            company: &details.company.name,
            starts_on: agreement.starts_on,
            ends_on: agreement.ends_on,
            presence_hours: Presence::from_minutes(certificate.presence_minutes as u32).to_string(),
            gratification_total: certificate
                .gratification_cents
                .map(|c| super::document::euros(c, locale))
                .unwrap_or_default(),
            link: agreement_flows::link(state, &agreement.id),
        };
        let mut email = Email::new(&student.email, "certificate_issued", values)
            .attach(Attachment::binary(
                super::document::certificate_file(&agreement.id),
                "application/pdf",
                &pdf,
            ))
            .dedupe(format!("certificate_issued:{}", agreement.id));
        email.locale = Some(locale);
        state.outbox.enqueue(tx, email)?;
    }
    Ok(details)
}

fn certificate_bytes(state: &AppState, details: &Details) -> Result<Vec<u8>, ApiError> {
    let (Some(row), Some(certificate)) = (&details.internship, &details.certificate) else {
        return Err(Refusal::NotFound.into());
    };
    super::document::certificate(details, row, certificate, &state.settings.mail.organisation)
        .map_err(|e| ApiError::internal(anyhow::anyhow!(e)))
}

/// The issued certificate's PDF (its parties and staff), once confirmed.
pub fn certificate_pdf(state: &AppState, details: &Details) -> Result<(String, Vec<u8>), ApiError> {
    if details
        .certificate
        .as_ref()
        .is_none_or(|c| c.confirmed_at.is_none())
    {
        return Err(ApiError::conflict(
            "certificate_not_issued",
            "The certificate is issued once the company supervisor confirms it.",
        ));
    }
    Ok((
        super::document::certificate_file(&details.agreement.id),
        certificate_bytes(state, details)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 5 April to 25 June 2027: 82 days, so at most 820 hours; a certificate's hours are not
    /// bounded by a week's 168.
    #[test]
    fn a_certificates_hours_are_bounded_by_the_internships_days() {
        let from = NaiveDate::from_ymd_opt(2027, 4, 5).expect("day");
        let to = NaiveDate::from_ymd_opt(2027, 6, 25).expect("day");
        assert_eq!(presence_minutes_of_hours(392.5, from, to), Some(23_550));
        assert_eq!(presence_minutes_of_hours(820.0, from, to), Some(49_200));
        assert_eq!(presence_minutes_of_hours(820.5, from, to), None);
        assert_eq!(presence_minutes_of_hours(0.0, from, to), None);
        assert_eq!(presence_minutes_of_hours(f64::NAN, from, to), None);
        assert_eq!(presence_minutes_of_hours(7.0, from, from), Some(420));
    }
}
