//! Labs and bookings: labs with weekly opening hours in their own time zone, equipment with
//! booking limits, training and weekly quotas, closures, availability, and bookings that the
//! database itself keeps from overlapping (PostgreSQL exclusion constraint, SQLite triggers),
//! sent to the booker's calendar as `.ics` events.

pub mod bookings;
pub mod demo;
pub mod domain;
pub mod handlers;
pub mod ics;
pub mod models;
pub mod views;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/labs", web::post().to(handlers::create_lab))
        .route("/labs", web::get().to(handlers::list_labs))
        .route("/labs/{id}", web::get().to(handlers::get_lab))
        .route(
            "/labs/{id}/equipment",
            web::post().to(handlers::create_equipment),
        )
        .route(
            "/labs/{id}/equipment",
            web::get().to(handlers::list_equipment),
        )
        .route(
            "/labs/{id}/closures",
            web::post().to(handlers::create_closure),
        )
        .route(
            "/labs/{id}/closures",
            web::get().to(handlers::list_closures),
        )
        .route("/equipment/{id}", web::get().to(handlers::get_equipment))
        .route(
            "/equipment/{id}/authorizations",
            web::post().to(handlers::create_authorization),
        )
        .route(
            "/equipment/{id}/authorizations",
            web::get().to(handlers::list_authorizations),
        )
        .route(
            "/equipment/{id}/availability",
            web::get().to(handlers::availability),
        )
        .route("/bookings", web::post().to(handlers::create_booking))
        .route("/bookings", web::get().to(handlers::list_bookings))
        .route("/bookings/{id}", web::get().to(handlers::get_booking))
        .route(
            "/bookings/{id}/cancel",
            web::post().to(handlers::cancel_booking),
        )
        .route(
            "/bookings/{id}/calendar.ics",
            web::get().to(handlers::booking_calendar),
        );
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        handlers::create_lab,
        handlers::list_labs,
        handlers::get_lab,
        handlers::create_equipment,
        handlers::list_equipment,
        handlers::get_equipment,
        handlers::create_authorization,
        handlers::list_authorizations,
        handlers::create_closure,
        handlers::list_closures,
        handlers::availability,
        handlers::create_booking,
        handlers::list_bookings,
        handlers::get_booking,
        handlers::cancel_booking,
        handlers::booking_calendar
    ),
    tags((name = "labs", description = "Labs, equipment, closures, availability, bookings"))
)]
pub struct ApiDoc;
