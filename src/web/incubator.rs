//! Founders' incubator pages: apply, and follow an application (status, dates, the tutor with
//! name and e-mail, the timeline of decisions). What an application shows, and to whom, is
//! the incubator's rule (`incubator::decisions::visible`): anyone else gets the 404 page.

use actix_web::{web, HttpResponse};
use minijinja::{context, Value};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::incubator::decisions;
use crate::incubator::domain::NewApplication;
use crate::incubator::models;
use crate::web::forms::{blank, domain_choices, refused};
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

pub async fn apply_form(v: Visitor) -> Result<HttpResponse, PageError> {
    founder(&v)?;
    Ok(v.ok(
        "application_new.html",
        blank(context! { domains => domain_choices(v.lang) }),
    ))
}

fn founder(v: &Visitor) -> Result<CurrentUser, PageError> {
    v.one_of(&[Role::Founder])
}

pub async fn apply(
    v: Visitor,
    state: web::Data<AppState>,
    form: web::Form<ApplyForm>,
) -> Result<HttpResponse, PageError> {
    let user = founder(&v)?;
    v.check_csrf(&form.csrf_token)?;
    let form = form.into_inner();
    // A checkbox is sent only when ticked: absent means `false`.
    let manufactured = form.manufactured_product.is_some();
    let parsed =
        NewApplication::parse(&form.title, &form.summary, &form.domain, Some(manufactured))
            .map_err(ApiError::validation);
    let submitted = match parsed {
        Ok(new) => {
            state
                .write(move |tx, state| decisions::submit(tx, state, &user, &new))
                .await
        }
        Err(e) => Err(e),
    };
    match submitted {
        Ok(followed) => Ok(v.see_other(&format!(
            "/app/applications/{}?done=applied",
            followed.application.id
        ))),
        Err(e) => refused(
            &v,
            e,
            "application_new.html",
            context! { title => form.title, summary => form.summary, domain => form.domain, manufactured_product => manufactured },
            context! { domains => domain_choices(v.lang) },
        ),
    }
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

pub fn application_page(
    conn: &mut DbConnection,
    lang: Lang,
    user: &CurrentUser,
    id: &str,
) -> Result<Value, ApiError> {
    let models::Followed {
        application: a,
        tutor,
    } = decisions::visible(conn, user, id)?;
    // The tutor and staff reach the founder from here; the founder knows their own address.
    let founder = match user.id == a.founder_id {
        true => None,
        false => Some(crate::auth::models::find_user(conn, &a.founder_id)?),
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
                when => lang.datetime(e.created_at, crate::clock::DEFAULT_TIMEZONE),
                by => e.actor_name,
                reason => e.reason,
            }
        })
        .collect();
    let domain = lang.domain(&a.domain);
    let console = match user.role {
        crate::auth::Role::Staff => Some(crate::web::staff::incubator::actions(conn, lang, &a)?),
        _ => None,
    };
    Ok(context! {
        console,
        application => context! {
            id => &a.id,
            title => &a.title,
            summary => &a.summary,
            status => &a.status,
            status_label => lang.text(&format!("status.{}", a.status)),
            domain,
            created => lang.local_date(a.created_at),
            starts_on => a.starts_on.map(|d| lang.date(d)),
            ends_on => a.ends_on.map(|d| lang.date(d)),
        },
        tutor => tutor.map(|t| context! { name => t.name, email => t.email }),
        founder => founder.map(|f| context! { name => f.name, email => f.email }),
        events,
    })
}
