//! Field missions: campaigns, companies and their problems, staff's review, student teams and
//! their ranked preferences, constraints, the allocation (by `crate::allocation`), its
//! publication as missions, and the missions' tutors.

pub mod campaigns;
pub mod demo;
pub mod domain;
pub mod evaluations;
pub mod export;
pub mod handlers;
pub mod mail;
pub mod models;
pub mod publication;
pub mod review;
pub mod teams;
pub mod tutoring;
pub mod views;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::create_campaign)
        .service(handlers::list_campaigns)
        .service(handlers::get_campaign)
        .service(handlers::open_signup)
        .service(handlers::submit_problem)
        .service(handlers::list_problems)
        .service(handlers::create_team)
        .service(handlers::list_teams)
        .service(handlers::create_constraint)
        .service(handlers::list_constraints)
        .service(handlers::delete_constraint)
        .service(handlers::allocate)
        .service(handlers::get_allocation)
        .service(handlers::allocation_csv)
        .service(handlers::publish)
        .service(handlers::list_missions)
        .service(handlers::create_company)
        .service(handlers::list_companies)
        .service(handlers::get_company)
        .service(handlers::patch_problem)
        .service(handlers::my_teams)
        .service(handlers::review_problem)
        .service(handlers::get_team)
        .service(handlers::put_preferences)
        .service(handlers::get_preferences)
        .service(handlers::get_mission)
        .service(handlers::put_mission_tutor)
        .service(handlers::assign_tutors)
        .service(handlers::evaluations_csv)
        .service(handlers::post_evaluations)
        .service(handlers::get_evaluations);
}

/// The scheduled work of missions: evaluation requests and their reminders.
pub fn jobs(handlers: crate::jobs::Handlers) -> crate::jobs::Handlers {
    handlers.with(evaluations::REQUEST_JOB, evaluations::request)
}
