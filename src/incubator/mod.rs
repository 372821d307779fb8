//! The incubator: founders' applications and their state machine, staff decisions within the
//! incubator's capacity, closing incubations, project tutors, and the audit trail.

pub mod decisions;
pub mod demo;
pub mod domain;
pub mod emails;
pub mod handlers;
pub mod models;
pub mod views;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::capacity)
        .service(handlers::apply)
        .service(handlers::list_applications)
        .service(handlers::get_application)
        .service(handlers::decide)
        .service(handlers::withdraw)
        .service(handlers::close)
        .service(handlers::assign_tutor)
        .service(handlers::tutor_suggestions)
        .service(handlers::events);
}
