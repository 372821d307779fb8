//! Notifications: every e-mail goes through a durable outbox written in the caller's
//! transaction, rendered from per-locale templates, and delivered by a background worker over
//! SMTP (or to `.eml` files, or the log) with retries and back-off.

pub mod domain;
pub mod handlers;
pub mod mailer;
pub mod models;
pub mod outbox;
pub mod templates;
pub mod views;
pub mod worker;

use actix_web::web;

pub use models::Attachment;
pub use outbox::{Email, Outbox};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/notifications", web::get().to(handlers::list))
        .route("/notifications/{id}/retry", web::post().to(handlers::retry));
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(handlers::list, handlers::retry))]
pub struct ApiDoc;
