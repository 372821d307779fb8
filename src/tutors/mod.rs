//! Tutors (teacher-researchers): a `tutor` account plus a profile with expertise domains and
//! load limits; their load, derived from what they follow; ranked suggestions for a project.

pub mod domain;
pub mod handlers;
pub mod models;
pub mod views;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/tutors", web::post().to(handlers::create_tutor))
        .route("/tutors", web::get().to(handlers::list_tutors))
        .route("/tutors/{id}", web::get().to(handlers::get_tutor))
        .route("/tutors/{id}", web::patch().to(handlers::update_tutor));
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        handlers::create_tutor,
        handlers::list_tutors,
        handlers::get_tutor,
        handlers::update_tutor
    ),
    tags((name = "tutors", description = "Teacher-researchers who follow projects and missions"))
)]
pub struct ApiDoc;
