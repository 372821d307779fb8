//! Notifications: staff's view of the e-mail outbox (`mail/`): list messages, retry a failed
//! one.

pub mod handlers;
pub mod retry;
pub mod views;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::list).service(handlers::retry);
}
