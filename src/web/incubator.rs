//! Founders' incubator pages: apply, and follow an application (status, dates, the tutor with
//! name and e-mail, the timeline of decisions). What an application shows, and to whom, is
//! the incubator's rule (`incubator::domain::can_see`): anyone else gets the 404 page.

use actix_web::{web, HttpResponse};
use minijinja::{context, Value};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::models::find_user;
use crate::auth::{CurrentUser, Role};
use crate::db::{write_transaction, DbConnection};
use crate::error::ApiError;
use crate::incubator::domain::{can_see, NewApplication, Viewer};
use crate::incubator::models::{self, Application, NewEvent};
use crate::tutors::domain::Domain;
use crate::web::forms::{blank, refused};
use crate::web::i18n::Lang;
use crate::web::session::{PageError, Visitor};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ApplyForm {
    csrf_token: String,
    title: String,
    summary: String,
    domain: String,
    manufactured_product: Option<String>,
}

fn domains(lang: Lang) -> Vec<Value> {
    Domain::ALL
        .iter()
        .map(|d| context! { value => d.as_str(), label => d.label(lang.is_french()) })
        .collect()
}

pub async fn apply_form(v: Visitor) -> Result<HttpResponse, PageError> {
    founder(&v)?;
    Ok(v.ok(
        "application_new.html",
        blank(context! { domains => domains(v.lang) }),
    ))
}

fn founder(v: &Visitor) -> Result<&CurrentUser, PageError> {
    let user = v.signed_in()?;
    user.require(&[Role::Founder]).map_err(|e| v.fail(e))?;
    Ok(user)
}

pub async fn apply(
    v: Visitor,
    state: web::Data<AppState>,
    form: web::Form<ApplyForm>,
) -> Result<HttpResponse, PageError> {
    let user = founder(&v)?.clone();
    v.check_csrf(&form.csrf_token)?;
    let form = form.into_inner();
    // A checkbox is sent only when ticked: absent means `false`.
    let manufactured = form.manufactured_product.is_some();
    let parsed =
        NewApplication::parse(&form.title, &form.summary, &form.domain, Some(manufactured))
            .map_err(ApiError::validation);
    let submitted = match parsed {
        Ok(new) => state.db(move |conn| submit(conn, &user, &new)).await,
        Err(e) => Err(e),
    };
    match submitted {
        Ok(application) => Ok(v.see_other(&format!(
            "/app/applications/{}?done=applied",
            application.id
        ))),
        Err(e) => refused(
            &v,
            e,
            "application_new.html",
            context! { title => form.title, summary => form.summary, domain => form.domain, manufactured_product => manufactured },
            context! { domains => domains(v.lang) },
        ),
    }
}

/// The application and its first event, as `POST /applications` writes them.
// To be replaced by the incubator's own use case (`incubator::decisions::apply`) once it
// exists, so that the receipt and staff notice e-mails are sent from the page too.
fn submit(
    conn: &mut DbConnection,
    user: &CurrentUser,
    new: &NewApplication,
) -> Result<Application, ApiError> {
    write_transaction(conn, |conn| {
        let application = models::insert(conn, &user.id, new)?;
        models::record(
            conn,
            NewEvent {
                application_id: &application.id,
                actor_id: &user.id,
                action: "submitted",
                to_status: Some("submitted"),
                ..NewEvent::default()
            },
        )?;
        Ok(application)
    })
}

pub async fn application(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?.clone();
    let id = id.into_inner();
    let lang = v.lang;
    let values = state
        .db(move |conn| application_page(conn, lang, &user, &id))
        .await
        .map_err(|e| v.fail(e))?;
    Ok(v.ok("application.html", values))
}

fn application_page(
    conn: &mut DbConnection,
    lang: Lang,
    user: &CurrentUser,
    id: &str,
) -> Result<Value, ApiError> {
    let a = visible(conn, user, id)?;
    let tutor = match &a.tutor_id {
        Some(tutor_id) => Some(find_user(conn, tutor_id)?),
        None => None,
    };
    let events: Vec<Value> = models::events(conn, &a.id)?
        .into_iter()
        .map(|e| {
            let key = format!("event.{}", e.action);
            let label = match lang.text(&key) {
                "" => lang.text("event.other"),
                text => text,
            };
            context! {
                label,
                when => lang.datetime(e.created_at, crate::mail::templates::DEFAULT_TIMEZONE),
                by => e.actor_name,
                reason => e.reason,
            }
        })
        .collect();
    let domain = a
        .domain
        .parse::<Domain>()
        .map(|d| d.label(lang.is_french()).to_owned())
        .unwrap_or_else(|_| a.domain.clone());
    Ok(context! {
        application => context! {
            id => &a.id,
            title => &a.title,
            summary => &a.summary,
            status => &a.status,
            status_label => lang.text(&format!("status.{}", a.status)),
            domain,
            created => lang.date(a.created_at.date()),
            starts_on => a.starts_on.map(|d| lang.date(d)),
            ends_on => a.ends_on.map(|d| lang.date(d)),
        },
        tutor => tutor.map(|t| context! { name => t.name, email => t.email }),
        events,
    })
}

/// The application if `user` may see it; otherwise 404, as the API answers.
// The same rule as the API's (`can_see`); `incubator::decisions::visible` would share it.
fn visible(conn: &mut DbConnection, user: &CurrentUser, id: &str) -> Result<Application, ApiError> {
    use diesel::OptionalExtension;
    let application = models::find(conn, id)
        .optional()?
        .ok_or_else(ApiError::not_found)?;
    let viewer = Viewer {
        id: &user.id,
        role: user.role,
    };
    if can_see(
        &viewer,
        &application.founder_id,
        application.tutor_id.as_deref(),
    ) {
        Ok(application)
    } else {
        Err(ApiError::not_found())
    }
}
