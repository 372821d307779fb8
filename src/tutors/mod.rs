//! Tutors (teacher-researchers): a `tutor` account plus a profile with expertise domains and
//! load limits; their load, derived from what they follow; ranked suggestions for a project.

pub mod domain;
pub mod handlers;
pub mod models;
pub mod profiles;
pub mod views;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::create_tutor)
        .service(handlers::list_tutors)
        .service(handlers::get_tutor)
        .service(handlers::update_tutor);
}
