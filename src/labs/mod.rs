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
pub mod setup;
pub mod views;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::create_lab)
        .service(handlers::list_labs)
        .service(handlers::get_lab)
        .service(handlers::create_equipment)
        .service(handlers::list_equipment)
        .service(handlers::create_closure)
        .service(handlers::list_closures)
        .service(handlers::get_equipment)
        .service(handlers::create_authorization)
        .service(handlers::list_authorizations)
        .service(handlers::availability)
        .service(handlers::create_booking)
        .service(handlers::list_bookings)
        .service(handlers::get_booking)
        .service(handlers::cancel_booking)
        .service(handlers::booking_calendar);
}
