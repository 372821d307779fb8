//! The incubator: founders' applications and their state machine, staff decisions within the
//! incubator's capacity, closing incubations, project tutors, and the audit trail.

pub mod domain;
pub mod emails;
pub mod handlers;
pub mod models;
pub mod views;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/incubator", web::get().to(handlers::capacity))
        .route("/applications", web::post().to(handlers::apply))
        .route("/applications", web::get().to(handlers::list_applications))
        .route(
            "/applications/{id}",
            web::get().to(handlers::get_application),
        )
        .route(
            "/applications/{id}/decision",
            web::post().to(handlers::decide),
        )
        .route(
            "/applications/{id}/withdraw",
            web::post().to(handlers::withdraw),
        )
        .route("/applications/{id}/close", web::post().to(handlers::close))
        .route(
            "/applications/{id}/tutor",
            web::put().to(handlers::assign_tutor),
        )
        .route(
            "/applications/{id}/tutor-suggestions",
            web::get().to(handlers::tutor_suggestions),
        )
        .route("/applications/{id}/events", web::get().to(handlers::events));
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        handlers::capacity,
        handlers::apply,
        handlers::list_applications,
        handlers::get_application,
        handlers::decide,
        handlers::withdraw,
        handlers::close,
        handlers::assign_tutor,
        handlers::tutor_suggestions,
        handlers::events
    ),
    tags((name = "incubator", description = "Applications, decisions, capacity, project tutors"))
)]
pub struct ApiDoc;
