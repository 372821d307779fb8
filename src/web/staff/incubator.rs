//! The incubator in the console: applications by state with a search, the decisions on one
//! application (admit with a start date, reject with a reason, close), its tutor chosen from
//! the ranked suggestions, and the tutors with their domains, limits and load, editable.

use actix_web::{web, HttpResponse};
use minijinja::{context, Value};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::incubator::decisions;
use crate::incubator::domain::{parse_tutor_id, Closing, Decision, Status};
use crate::incubator::models::{self, Application};
use crate::text::not_blank;
use crate::tutors::domain::Domain;
use crate::tutors::{models as tutors, profiles};
use crate::web::forms::{all_of, field, number, refused_over, show, Fields};
use crate::web::i18n::Lang;
use crate::web::incubator::application_page;
use crate::web::session::{PageError, Visitor};
use crate::web::staff::{posted, staff};

const SHOWN: i64 = 200;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ApplicationQuery {
    status: String,
    q: String,
}

/// `/app/staff/applications?status=&q=`: newest first; the places bar on top.
pub async fn applications(
    v: Visitor,
    state: web::Data<AppState>,
    query: web::Query<ApplicationQuery>,
) -> Result<HttpResponse, PageError> {
    staff(&v)?;
    let lang = v.lang;
    let ApplicationQuery { status, q } = query.into_inner();
    let status: Option<Status> = status.trim().parse().ok();
    let text = not_blank(Some(&q)).map(str::to_owned);
    let capacity = state.settings.incubator.capacity.max(1);
    show(&v, &state, "staff_applications.html", move |conn| {
        let rows = models::search(conn, status, text.as_deref(), SHOWN)?;
        let incubating = models::count_incubating(conn)?;
        let lines: Vec<Value> = rows
            .iter()
            .map(|r| {
                let a = &r.application;
                context! {
                    id => &a.id, title => &a.title, status => &a.status,
                    status_label => lang.text(&format!("status.{}", a.status)),
                    founder => &r.founder_name, email => &r.founder_email,
                    domain => lang.domain(&a.domain),
                    created => lang.local_date(a.created_at),
                    no_tutor => a.status() == Status::Incubating && a.tutor_id.is_none(),
                }
            })
            .collect();
        let statuses: Vec<Value> = ["submitted", "incubating", "rejected", "withdrawn", "graduated", "discontinued"]
            .iter()
            .map(|s| context! { value => s, label => lang.text(&format!("status.{s}")) })
            .collect();
        Ok(context! {
            applications => lines,
            statuses,
            filter => context! { status => status.map(Status::as_str).unwrap_or(""), q => text.unwrap_or_default() },
            places => context! {
                incubating, capacity,
                left => (capacity - incubating).max(0),
                percent => (incubating * 100 / capacity).min(100),
            },
        })
    })
    .await
}

/// What staff may do on one application, shown under it: decide, close, choose its tutor.
pub fn actions(conn: &mut DbConnection, lang: Lang, a: &Application) -> Result<Value, ApiError> {
    let status = a.status();
    let suggestions: Vec<Value> = if status == Status::Incubating {
        decisions::suggestions(conn, &a.id)?
            .into_iter()
            .map(|s| {
                let c = s.candidate;
                context! {
                    id => c.tutor_id, name => c.name,
                    domains => c.domains.as_slice().iter().map(|d| d.label(lang.is_french())).collect::<Vec<_>>().join(", "),
                    projects => c.load.projects, max_projects => c.max_projects,
                    domain_match => s.domain_match,
                    current => a.tutor_id.as_deref() == Some(c.tutor_id.as_str()),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(context! {
        can_decide => status == Status::Submitted,
        can_close => status == Status::Incubating,
        can_tutor => status == Status::Incubating,
        replacing => a.tutor_id.is_some(),
        suggestions,
        today => crate::clock::today().to_string(),
    })
}

/// The application page again (with its staff actions) under a refusal.
async fn refused_application(
    v: &Visitor,
    state: &AppState,
    user: CurrentUser,
    id: String,
    error: ApiError,
    kept: Value,
) -> Result<HttpResponse, PageError> {
    let lang = v.lang;
    refused_over(v, state, error, "application.html", kept, move |conn| {
        application_page(conn, lang, &user, &id)
    })
    .await
}

/// Admit (`starts_on`, default today) or reject (`reason`) a submitted application.
pub async fn decide(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (user, fields) = posted(&v, form)?;
    let id = id.into_inner();
    let (decision, reason, starts_on) = (
        field(&fields, "decision"),
        field(&fields, "reason"),
        field(&fields, "starts_on"),
    );
    let decided = match Decision::parse(decision, Some(reason), Some(starts_on)) {
        Ok(decision) => {
            let (who, application) = (user.clone(), id.clone());
            state
                .write(move |tx, state| decisions::decide(tx, state, &who, &application, &decision))
                .await
                .map(drop)
        }
        Err(errors) => Err(ApiError::validation(errors)),
    };
    match decided {
        Ok(()) => Ok(v.see_other(&format!("/app/applications/{id}?done=decided"))),
        Err(e) => {
            let kept = context! { decision, reason, starts_on };
            refused_application(&v, &state, user, id, e, kept).await
        }
    }
}

/// End an incubation: `outcome` graduated or discontinued, with a `reason`.
pub async fn close(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (user, fields) = posted(&v, form)?;
    let id = id.into_inner();
    let closed = match Closing::parse(field(&fields, "outcome"), Some(field(&fields, "reason"))) {
        Ok(closing) => {
            let (who, application) = (user.clone(), id.clone());
            state
                .write(move |tx, _| decisions::close(tx, &who, &application, &closing))
                .await
                .map(drop)
        }
        Err(errors) => Err(ApiError::validation(errors)),
    };
    match closed {
        Ok(()) => Ok(v.see_other(&format!("/app/applications/{id}?done=closed"))),
        Err(e) => refused_application(&v, &state, user, id, e, Value::UNDEFINED).await,
    }
}

/// Give the project its tutor (`tutor_id`), or a new one: the old one gets a handover note.
pub async fn assign_tutor(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (user, fields) = posted(&v, form)?;
    let id = id.into_inner();
    let assigned = match parse_tutor_id(field(&fields, "tutor_id")) {
        Ok(tutor) => {
            let (who, application) = (user.clone(), id.clone());
            state
                .write(move |tx, state| {
                    decisions::assign_tutor(tx, &state.outbox, &who, &application, &tutor)
                })
                .await
                .map(drop)
        }
        Err(errors) => Err(ApiError::validation(errors)),
    };
    match assigned {
        Ok(()) => Ok(v.see_other(&format!("/app/applications/{id}?done=tutor_assigned"))),
        Err(e) => refused_application(&v, &state, user, id, e, Value::UNDEFINED).await,
    }
}

// ---- tutors ----

fn tutors_page(conn: &mut DbConnection, lang: Lang) -> Result<Value, ApiError> {
    let all = tutors::all(conn)?;
    let ids: Vec<String> = all.iter().map(|t| t.id.clone()).collect();
    let loads = tutors::tutor_loads(conn, &ids)?;
    let lines: Vec<Value> = all
        .into_iter()
        .map(|t| {
            let load = loads.get(&t.id).copied().unwrap_or_default();
            let mine = t.domains();
            let domains: Vec<Value> = Domain::ALL
                .iter()
                .map(|d| context! { value => d.as_str(), label => d.label(lang.is_french()), checked => mine.contains(*d) })
                .collect();
            context! {
                id => t.id, name => t.name, email => t.email,
                domains,
                domain_labels => mine.as_slice().iter().map(|d| d.label(lang.is_french())).collect::<Vec<_>>().join(", "),
                projects => load.projects, max_projects => t.profile.max_projects,
                missions => load.missions, max_missions => t.profile.max_missions,
                full => load.projects >= i64::from(t.profile.max_projects),
            }
        })
        .collect();
    Ok(context! { tutors => lines })
}

/// `/app/staff/tutors`: each tutor's domains, limits and load ("2 / 4"), editable.
pub async fn tutors_list(
    v: Visitor,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    staff(&v)?;
    let lang = v.lang;
    show(&v, &state, "staff_tutors.html", move |conn| {
        tutors_page(conn, lang)
    })
    .await
}

/// Change a tutor's `domains` (repeated) and limits.
pub async fn update_tutor(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (_, fields) = posted(&v, form)?;
    let (lang, id) = (v.lang, id.into_inner());
    let domains = all_of(&fields, "domains");
    let limits = number(&fields, "max_projects")
        .and_then(|p| number(&fields, "max_missions").map(|m| (p, m)))
        .map_err(|e| ApiError::validation(vec![e]));
    let updated = match limits.and_then(|(p, m)| profiles::changes(Some(&domains), p, m)) {
        Ok(changes) => {
            let tutor = id.clone();
            state
                .db(move |conn| profiles::update(conn, &tutor, changes))
                .await
        }
        Err(e) => Err(e),
    };
    match updated {
        Ok(()) => Ok(v.see_other(&format!("/app/staff/tutors?done=tutor_saved#t-{id}"))),
        Err(e) => {
            refused_over(
                &v,
                &state,
                e,
                "staff_tutors.html",
                Value::UNDEFINED,
                move |conn| tutors_page(conn, lang),
            )
            .await
        }
    }
}
