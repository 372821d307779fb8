//! The OpenAPI document: the service's description, tags and security scheme, and every
//! operation collected from the route table as it is registered (`routes::register`).

use actix_web::App;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::error::{FieldError, Problem};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "fieldlab",
        description = "The back office of an engineering school's incubator, labs and field missions. \
                       Errors are `application/problem+json` with a stable `code`; lists are \
                       `{items, next_cursor}` paged with `?limit=` and `?cursor=`."
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "accounts", description = "Users, roles, sign-in"),
        (name = "notifications", description = "The e-mail outbox"),
        (name = "tutors", description = "Teacher-researchers who follow projects and missions"),
        (name = "incubator", description = "Applications, decisions, capacity, project tutors"),
        (name = "labs", description = "Labs, equipment, closures, availability, bookings"),
        (name = "missions", description = "Field-mission campaigns: problems, teams, allocation, missions"),
        (name = "service", description = "Health, metrics, documentation")
    )
)]
struct ServiceDoc;

/// The whole API description, built from the route table itself.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, collected) = App::new()
        .into_utoipa_app()
        .configure(crate::routes::register)
        .split_for_parts();
    let mut doc = ServiceDoc::openapi();
    doc.merge(collected);
    doc
}
