//! Field missions: campaigns, companies and their problems, staff's review, student teams and
//! their ranked preferences, constraints, the allocation (by `crate::allocation`), its
//! publication as missions, and the missions' tutors.

pub mod demo;
pub mod domain;
pub mod export;
pub mod handlers;
pub mod mail;
pub mod models;
pub mod views;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/campaigns", web::post().to(handlers::create_campaign))
        .route("/campaigns", web::get().to(handlers::list_campaigns))
        .route("/campaigns/{id}", web::get().to(handlers::get_campaign))
        .route(
            "/campaigns/{id}/open-signup",
            web::post().to(handlers::open_signup),
        )
        .route(
            "/campaigns/{id}/problems",
            web::post().to(handlers::submit_problem),
        )
        .route(
            "/campaigns/{id}/problems",
            web::get().to(handlers::list_problems),
        )
        .route(
            "/campaigns/{id}/teams",
            web::post().to(handlers::create_team),
        )
        .route("/campaigns/{id}/teams", web::get().to(handlers::list_teams))
        .route(
            "/campaigns/{id}/constraints",
            web::post().to(handlers::create_constraint),
        )
        .route(
            "/campaigns/{id}/constraints",
            web::get().to(handlers::list_constraints),
        )
        .route(
            "/campaigns/{id}/allocate",
            web::post().to(handlers::allocate),
        )
        .route(
            "/campaigns/{id}/allocation",
            web::get().to(handlers::get_allocation),
        )
        .route(
            "/campaigns/{id}/allocation.csv",
            web::get().to(handlers::allocation_csv),
        )
        .route("/campaigns/{id}/publish", web::post().to(handlers::publish))
        .route(
            "/campaigns/{id}/missions",
            web::get().to(handlers::list_missions),
        )
        .route("/companies", web::post().to(handlers::create_company))
        .route("/companies", web::get().to(handlers::list_companies))
        .route(
            "/problems/{id}/review",
            web::post().to(handlers::review_problem),
        )
        .route("/teams/{id}", web::get().to(handlers::get_team))
        .route(
            "/teams/{id}/preferences",
            web::put().to(handlers::put_preferences),
        )
        .route(
            "/teams/{id}/preferences",
            web::get().to(handlers::get_preferences),
        )
        .route("/missions/{id}", web::get().to(handlers::get_mission))
        .route(
            "/missions/{id}/tutor",
            web::put().to(handlers::put_mission_tutor),
        )
        .route(
            "/campaigns/{id}/assign-tutors",
            web::post().to(handlers::assign_tutors),
        );
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        handlers::create_campaign,
        handlers::list_campaigns,
        handlers::get_campaign,
        handlers::open_signup,
        handlers::create_company,
        handlers::list_companies,
        handlers::submit_problem,
        handlers::review_problem,
        handlers::list_problems,
        handlers::create_team,
        handlers::list_teams,
        handlers::get_team,
        handlers::put_preferences,
        handlers::get_preferences,
        handlers::create_constraint,
        handlers::list_constraints,
        handlers::allocate,
        handlers::get_allocation,
        handlers::allocation_csv,
        handlers::publish,
        handlers::list_missions,
        handlers::get_mission,
        handlers::put_mission_tutor,
        handlers::assign_tutors
    ),
    tags((name = "missions", description = "Field-mission campaigns: problems, teams, allocation, missions"))
)]
pub struct ApiDoc;
