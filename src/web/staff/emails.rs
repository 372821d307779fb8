//! The outbox as staff see it: messages with status and recipient filters, one message as
//! sent, and retrying a failed one through the API's own rule (`notifications::retry`).

use actix_web::{web, HttpResponse};
use minijinja::{context, Value};
use serde::Deserialize;

use crate::app::AppState;
use crate::clock::DEFAULT_TIMEZONE;
use crate::mail::domain::Status;
use crate::mail::models::{self, Summary};
use crate::paging::PageRequest;
use crate::text::{normalise_email, not_blank};
use crate::web::forms::{show, Fields};
use crate::web::i18n::Lang;
use crate::web::session::{PageError, Visitor};
use crate::web::staff::{posted, staff};

const SHOWN: i64 = 100;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EmailQuery {
    status: String,
    to: String,
}

fn line(lang: Lang, n: &Summary) -> Value {
    context! {
        id => &n.id, to => &n.recipient, subject => &n.subject, kind => &n.kind,
        status => &n.status,
        status_label => lang.text(&format!("email.status.{}", n.status)),
        attempts => n.attempts, last_error => &n.last_error,
        created => lang.datetime(n.created_at, DEFAULT_TIMEZONE),
        failed => n.status == Status::Failed.as_str(),
    }
}

/// `/app/staff/emails?status=&to=`: the newest messages first.
pub async fn emails(
    v: Visitor,
    state: web::Data<AppState>,
    query: web::Query<EmailQuery>,
) -> Result<HttpResponse, PageError> {
    staff(&v)?;
    let lang = v.lang;
    let EmailQuery { status, to } = query.into_inner();
    let status = Status::parse(status.trim()).map(Status::as_str);
    let to = not_blank(Some(&to)).map(normalise_email);
    show(&v, &state, "emails.html", move |conn| {
        let page = PageRequest {
            limit: SHOWN,
            after: None,
        };
        let rows = models::list(conn, status, to.as_deref(), &page)?;
        Ok(context! {
            emails => rows.iter().map(|n| line(lang, n)).collect::<Vec<_>>(),
            filter => context! { status => status.unwrap_or(""), to => to.unwrap_or_default() },
            statuses => ["pending", "sent", "failed"]
                .map(|s| context! { value => s, label => lang.text(&format!("email.status.{s}")) }),
        })
    })
    .await
}

/// One message: its subject and its text as sent.
pub async fn email(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    staff(&v)?;
    let (lang, id) = (v.lang, id.into_inner());
    show(&v, &state, "email.html", move |conn| {
        let n = models::find(conn, &id)?;
        let text = n.body_text.clone();
        Ok(context! { email => line(lang, &n.into()), text })
    })
    .await
}

pub async fn retry(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    posted(&v, form)?;
    let id = id.into_inner();
    let outbox = state.outbox.clone();
    state
        .db(move |conn| crate::notifications::retry::retry(conn, &outbox, &id))
        .await
        .map_err(|e| v.fail(e))?;
    Ok(v.see_other("/app/staff/emails?status=failed&done=email_retried"))
}
