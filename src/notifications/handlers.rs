//! Staff endpoints over the outbox: see what was sent, what waits, what failed; re-queue.

use actix_web::web;
use actix_web::{get, post};

use crate::app::AppState;
use crate::auth::Staff;
use crate::db::DbConnection;
use crate::error::{ApiError, Problem};
use crate::mail::models;
use crate::notifications::views::{NotificationFilter, NotificationView};
use crate::paging::{Page, PageParams, PageRequest};
use crate::text::normalise_email;

/// Outbox messages, newest first (staff only).
#[utoipa::path(tag = "notifications", security(("bearer" = [])),
    params(NotificationFilter, PageParams),
    responses((status = 200, body = Page<NotificationView>), (status = 403, body = Problem)))]
#[get("/notifications")]
pub async fn list(
    state: web::Data<AppState>,
    _staff: Staff,
    filter: web::Query<NotificationFilter>,
    page: web::Query<PageParams>,
) -> Result<web::Json<Page<NotificationView>>, ApiError> {
    let NotificationFilter { status, to } = filter.into_inner();
    let to = to.as_deref().map(normalise_email);
    let load = move |conn: &mut DbConnection, page: &PageRequest| {
        Ok(models::list(
            conn,
            status.map(|s| s.as_str()),
            to.as_deref(),
            page,
        )?)
    };
    state
        .page(&page, load, |n| &n.id, NotificationView::from)
        .await
}

/// Put a `failed` message back in the queue (staff only); anything else is 409.
#[utoipa::path(tag = "notifications", security(("bearer" = [])),
    params(("id" = String, Path, description = "Notification id")),
    responses((status = 200, body = NotificationView), (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`: only failed messages are retried", body = Problem)))]
#[post("/notifications/{id}/retry")]
pub async fn retry(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<String>,
) -> Result<web::Json<NotificationView>, ApiError> {
    let id = id.into_inner();
    let outbox = state.outbox.clone();
    let row = state
        .db(move |conn| crate::notifications::retry::retry(conn, &outbox, &id))
        .await?;
    Ok(web::Json(row.into()))
}
