//! The incubator's e-mails, queued in the transaction of the change they announce: the
//! receipt to the founder and a notice to staff when an application is submitted, the
//! decision to the founder, the new project to its tutor and the tutor to the founder, a
//! handover note to a replaced tutor.

use chrono::NaiveDate;
use serde::Serialize;

use crate::auth::models::User;
use crate::db::WriteTx;
use crate::error::ApiError;
use crate::incubator::models::Application;
use crate::mail::{Email, Outbox};
use crate::tutors::domain::Domain;

/// A domain named in both languages; templates pick theirs.
#[derive(Serialize)]
struct DomainLabel {
    fr: &'static str,
    en: &'static str,
}

fn label(domain: &str) -> DomainLabel {
    match domain.parse::<Domain>() {
        Ok(d) => DomainLabel {
            fr: d.label(true),
            en: d.label(false),
        },
        Err(_) => DomainLabel { fr: "", en: "" },
    }
}

#[derive(Serialize)]
struct Submitted<'a> {
    name: &'a str,
    title: &'a str,
    summary: &'a str,
    domain: DomainLabel,
    manufactured_product: bool,
    founder_name: &'a str,
    application_id: &'a str,
}

fn submitted<'a>(name: &'a str, founder: &'a str, application: &'a Application) -> Submitted<'a> {
    Submitted {
        name,
        title: &application.title,
        summary: &application.summary,
        domain: label(&application.domain),
        manufactured_product: application.manufactured_product,
        founder_name: founder,
        application_id: &application.id,
    }
}

/// The founder's receipt for a submitted application.
pub fn received(
    conn: &mut WriteTx<'_>,
    outbox: &Outbox,
    email: &str,
    name: &str,
    application: &Application,
) -> Result<(), ApiError> {
    outbox.enqueue(
        conn,
        Email::new(
            email,
            "application_received",
            submitted(name, name, application),
        )
        .dedupe(format!("application_received:{}", application.id)),
    )?;
    Ok(())
}

/// A notice of a new application to each staff account `(email, name)`.
pub fn to_review(
    conn: &mut WriteTx<'_>,
    outbox: &Outbox,
    staff: &[(String, String)],
    founder: &str,
    application: &Application,
) -> Result<(), ApiError> {
    for (email, name) in staff {
        outbox.enqueue(
            conn,
            Email::new(
                email,
                "application_to_review",
                submitted(name, founder, application),
            )
            .dedupe(format!("application_to_review:{}:{email}", application.id)),
        )?;
    }
    Ok(())
}

#[derive(Serialize)]
struct Decision<'a> {
    name: &'a str,
    title: &'a str,
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
    reason: Option<&'a str>,
}

/// The decision, admitted (with the dates) or rejected (with the reason), to the founder.
pub fn decision(
    conn: &mut WriteTx<'_>,
    outbox: &Outbox,
    founder: &User,
    application: &Application,
    admitted: bool,
) -> Result<(), ApiError> {
    let kind = if admitted {
        "application_admitted"
    } else {
        "application_rejected"
    };
    let values = Decision {
        name: &founder.name,
        title: &application.title,
        starts_on: application.starts_on,
        ends_on: application.ends_on,
        reason: application.decision_reason.as_deref(),
    };
    outbox.enqueue(
        conn,
        Email::new(&founder.email, kind, values)
            .dedupe(format!("application_decision:{}", application.id)),
    )?;
    Ok(())
}

#[derive(Serialize)]
struct Assigned<'a> {
    name: &'a str,
    title: &'a str,
    summary: &'a str,
    domain: DomainLabel,
    manufactured_product: bool,
    founder_name: &'a str,
    founder_email: &'a str,
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
    previous_tutor: Option<&'a str>,
}

#[derive(Serialize)]
struct Introduced<'a> {
    name: &'a str,
    title: &'a str,
    tutor_name: &'a str,
    tutor_email: &'a str,
    replaced: bool,
}

#[derive(Serialize)]
struct Replaced<'a> {
    name: &'a str,
    title: &'a str,
    founder_name: &'a str,
    founder_email: &'a str,
    new_tutor_name: &'a str,
    new_tutor_email: &'a str,
}

/// Who takes part in a tutor change.
pub struct TutorChange<'a> {
    pub event_id: &'a str,
    pub application: &'a Application,
    pub founder: &'a User,
    pub tutor: &'a User,
    pub previous: Option<&'a User>,
}

/// The project to its new tutor (its title in the subject), the tutor's name and address to
/// the founder, a handover note to the one replaced.
pub fn tutor_change(
    conn: &mut WriteTx<'_>,
    outbox: &Outbox,
    change: &TutorChange<'_>,
) -> Result<(), ApiError> {
    let app = change.application;
    let assigned = Assigned {
        name: &change.tutor.name,
        title: &app.title,
        summary: &app.summary,
        domain: label(&app.domain),
        manufactured_product: app.manufactured_product,
        founder_name: &change.founder.name,
        founder_email: &change.founder.email,
        starts_on: app.starts_on,
        ends_on: app.ends_on,
        previous_tutor: change.previous.map(|p| p.name.as_str()),
    };
    outbox.enqueue(
        conn,
        Email::new(&change.tutor.email, "tutor_assigned", assigned)
            .dedupe(format!("tutor_assigned:{}", change.event_id)),
    )?;
    let introduced = Introduced {
        name: &change.founder.name,
        title: &app.title,
        tutor_name: &change.tutor.name,
        tutor_email: &change.tutor.email,
        replaced: change.previous.is_some(),
    };
    outbox.enqueue(
        conn,
        Email::new(&change.founder.email, "project_tutor", introduced)
            .dedupe(format!("project_tutor:{}", change.event_id)),
    )?;
    if let Some(previous) = change.previous {
        let replaced = Replaced {
            name: &previous.name,
            title: &app.title,
            founder_name: &change.founder.name,
            founder_email: &change.founder.email,
            new_tutor_name: &change.tutor.name,
            new_tutor_email: &change.tutor.email,
        };
        outbox.enqueue(
            conn,
            Email::new(&previous.email, "tutor_replaced", replaced)
                .dedupe(format!("tutor_replaced:{}", change.event_id)),
        )?;
    }
    Ok(())
}
