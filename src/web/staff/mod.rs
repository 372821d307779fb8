//! The staff console, under `/app/staff/...`: campaigns from the call for problems to the
//! missions' tutors (`campaigns`, `allocation`), the incubator (`incubator`), the labs
//! (`labs`), people (`people`) and the outbox (`emails`). Pages call the API's use cases and
//! draw their pictures from `charts`. Anyone but staff gets the 404 page, as the API's 403
//! would tell them nothing useful.

pub mod allocation;
pub mod campaigns;
pub mod charts;
pub mod clauses;
pub mod delegations;
pub mod emails;
pub mod incubator;
pub mod labs;
pub mod people;
pub mod statistics;
pub mod texts;

use actix_web::web;

use crate::auth::{CurrentUser, Role};
use crate::web::forms::{field, Fields};
use crate::web::session::{PageError, Visitor};

/// The signed-in staff member, or the 404 page.
pub fn staff(v: &Visitor) -> Result<CurrentUser, PageError> {
    let user = v.signed_in()?;
    if user.is(Role::Staff) {
        Ok(user.clone())
    } else {
        Err(v.not_found())
    }
}

/// A staff member's posted form: the staff guard, then its CSRF token checked.
pub fn posted(
    v: &Visitor,
    form: Fields,
) -> Result<(CurrentUser, Vec<(String, String)>), PageError> {
    let user = staff(v)?;
    let fields = form.into_inner();
    v.check_csrf(field(&fields, "csrf_token"))?;
    Ok((user, fields))
}

/// The console's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    use allocation as a;
    use campaigns as c;
    cfg.configure(clauses::routes)
        .configure(delegations::routes)
        .configure(statistics::routes)
        .route("/app/staff/emails", web::get().to(emails::emails))
        .route("/app/staff/emails/{id}", web::get().to(emails::email))
        .route(
            "/app/staff/emails/{id}/retry",
            web::post().to(emails::retry),
        )
        .route("/app/staff/campaigns", web::get().to(c::campaigns))
        .route("/app/staff/campaigns", web::post().to(c::create))
        .route("/app/staff/campaigns/{id}", web::get().to(c::overview))
        .route(
            "/app/staff/campaigns/{id}/open-signup",
            web::post().to(c::open_signup),
        )
        .route("/app/staff/problems/{id}/review", web::post().to(c::review))
        .route("/app/staff/campaigns/{id}/teams", web::get().to(c::teams))
        .route(
            "/app/staff/campaigns/{id}/constraints",
            web::post().to(c::add_constraint),
        )
        .route(
            "/app/staff/campaigns/{id}/constraints/{constraint}/delete",
            web::post().to(c::delete_constraint),
        )
        .route(
            "/app/staff/campaigns/{id}/allocation",
            web::get().to(a::allocation),
        )
        .route(
            "/app/staff/campaigns/{id}/allocate",
            web::post().to(a::allocate),
        )
        .route(
            "/app/staff/campaigns/{id}/allocation.csv",
            web::get().to(a::csv),
        )
        .route(
            "/app/staff/campaigns/{id}/publish",
            web::post().to(a::publish),
        )
        .route(
            "/app/staff/campaigns/{id}/missions",
            web::get().to(c::missions),
        )
        .route(
            "/app/staff/campaigns/{id}/assign-tutors",
            web::post().to(c::assign_tutors),
        )
        .route(
            "/app/staff/missions/{id}/tutor",
            web::post().to(c::set_tutor),
        )
        .route(
            "/app/staff/applications",
            web::get().to(incubator::applications),
        )
        .route(
            "/app/staff/applications/{id}/decision",
            web::post().to(incubator::decide),
        )
        .route(
            "/app/staff/applications/{id}/close",
            web::post().to(incubator::close),
        )
        .route(
            "/app/staff/applications/{id}/tutor",
            web::post().to(incubator::assign_tutor),
        )
        .route("/app/staff/labs", web::get().to(labs::labs))
        .route("/app/staff/labs", web::post().to(labs::create_lab))
        .route("/app/staff/labs/{id}", web::get().to(labs::planning))
        .route("/app/staff/labs/{id}/bookings", web::post().to(labs::book))
        .route(
            "/app/staff/bookings/{id}/cancel",
            web::post().to(labs::cancel),
        )
        .route(
            "/app/staff/labs/{id}/closures/preview",
            web::post().to(labs::closure_preview),
        )
        .route("/app/staff/labs/{id}/closures", web::post().to(labs::close))
        .route(
            "/app/staff/labs/{id}/equipment",
            web::get().to(labs::equipment),
        )
        .route(
            "/app/staff/labs/{id}/equipment",
            web::post().to(labs::add_equipment),
        )
        .route(
            "/app/staff/equipment/{id}/authorizations",
            web::post().to(labs::authorize),
        )
        .route("/app/staff/people", web::get().to(people::people))
        .route("/app/staff/people", web::post().to(people::create))
        .route(
            "/app/staff/people/import",
            web::post().to(people::import_file),
        )
        .route("/app/staff/tutors", web::get().to(incubator::tutors_list))
        .route(
            "/app/staff/tutors/{id}",
            web::post().to(incubator::update_tutor),
        );
}
