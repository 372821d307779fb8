//! fieldlab in the browser: server-rendered pages for every role, beside the JSON API. Pages
//! call the same use cases as the API's handlers and show their refusals in the reader's
//! language. One module per area: `accounts` (sign in, register, passwords, `/app`),
//! `incubator` (apply, follow an application), `labs` (labs, the week view, bookings),
//! `missions` (campaigns, problems, company, team, ranking, mission); the
//! machinery: `session` (cookie session, CSRF, language, error pages), `render` (templates
//! compiled into the binary), `i18n` (the catalogue), `forms` (refused forms), `week`.

pub mod accounts;
pub mod agreements;
pub mod amendments;
pub mod forms;
pub mod home;
pub mod i18n;
pub mod incubator;
pub mod internship_evaluation;
pub mod internships;
pub mod labs;
pub mod missions;
pub mod register;
pub mod render;
pub mod session;
pub mod staff;
pub mod week;

use actix_web::http::header;

use crate::paging::PageRequest;

/// How many rows a page lists at most (a campaign's 80 problems or teams, a week's bookings).
pub const ALL: PageRequest = PageRequest {
    limit: 500,
    after: None,
};
use actix_web::{web, HttpResponse};

/// The stylesheet, compiled in. Its URL carries a version, so it may be cached for a day.
const APP_CSS: &str = include_str!("static/app.css");

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(APP_CSS)
}

/// Signed in or not, a page that does not exist (or is not theirs) is the 404 page.
async fn not_found(v: session::Visitor) -> Result<HttpResponse, session::PageError> {
    v.signed_in()?;
    Err(v.not_found())
}

/// The pages' routes (plain actix routes: pages are not part of the OpenAPI document).
pub fn pages(cfg: &mut web::ServiceConfig) {
    use accounts as a;
    cfg.route("/static/app.css", web::get().to(stylesheet))
        .route("/", web::get().to(a::landing))
        .route("/login", web::get().to(a::login_form))
        .route("/login", web::post().to(a::login))
        .route("/logout", web::post().to(a::logout))
        .route("/register", web::get().to(a::register_form))
        .route("/register", web::post().to(a::register))
        .route("/forgot-password", web::get().to(a::forgot_form))
        .route("/forgot-password", web::post().to(a::forgot))
        .route("/set-password", web::get().to(a::set_password_form))
        .route("/set-password", web::post().to(a::set_password))
        .route("/app", web::get().to(a::app_home))
        .route("/app/profile", web::get().to(a::profile))
        .route("/app/profile", web::post().to(a::rename))
        .route("/app/profile/password", web::post().to(a::change_password))
        .route(
            "/app/applications/new",
            web::get().to(incubator::apply_form),
        )
        .route("/app/applications/new", web::post().to(incubator::apply))
        .route(
            "/app/applications/{id}",
            web::get().to(incubator::application),
        )
        .route("/app/labs", web::get().to(labs::labs))
        .route("/app/equipment/{id}", web::get().to(labs::equipment))
        .route("/app/equipment/{id}/bookings", web::post().to(labs::book))
        .route("/app/bookings", web::get().to(labs::bookings))
        .route(
            "/app/bookings/{id}/cancel",
            web::get().to(labs::confirm_cancel),
        )
        .route("/app/bookings/{id}/cancel", web::post().to(labs::cancel))
        .route(
            "/app/bookings/{id}/calendar.ics",
            web::get().to(labs::calendar),
        )
        .route("/app/campaigns/{id}", web::get().to(missions::campaign))
        .route(
            "/app/campaigns/{id}/problems",
            web::get().to(missions::problems),
        )
        .route(
            "/app/campaigns/{id}/problems/new",
            web::get().to(missions::new_problem_form),
        )
        .route(
            "/app/campaigns/{id}/problems/new",
            web::post().to(missions::submit_problem),
        )
        .route(
            "/app/problems/{id}/edit",
            web::get().to(missions::edit_problem_form),
        )
        .route(
            "/app/problems/{id}/edit",
            web::post().to(missions::edit_problem),
        )
        .route("/app/company", web::get().to(missions::company))
        .route("/app/company", web::post().to(missions::register_company))
        .route("/app/campaigns/{id}/team", web::get().to(missions::team))
        .route(
            "/app/campaigns/{id}/team",
            web::post().to(missions::create_team),
        )
        .route(
            "/app/teams/{id}/preferences",
            web::get().to(missions::preferences),
        )
        .route(
            "/app/teams/{id}/preferences",
            web::post().to(missions::rank),
        )
        .route("/app/missions/{id}", web::get().to(missions::mission))
        .configure(agreements::routes)
        .configure(amendments::routes)
        .configure(register::routes)
        .configure(internships::routes)
        .configure(internship_evaluation::routes)
        .configure(staff::routes)
        .route("/app/{tail:.*}", web::to(not_found));
}
