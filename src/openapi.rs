//! The OpenAPI document: the service's description, tags and security scheme, and every
//! operation collected from the route table as it is registered (`routes::register`).

use actix_web::App;
use utoipa::openapi::path::{HttpMethod, OperationBuilder};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder, Schema};
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
        (name = "agreements", description = "Agreements (conventions): PDF, sending, electronic signature, register"),
        (name = "internships", description = "Internships under French law (conventions de stage): the request, the company supervisor's part from an e-mailed link, hours computed, legal limits, the certificate"),
        (name = "evaluations", description = "Marks out of 20 at the end of a field mission"),
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
    document_the_docs(&mut doc);
    every_secured_operation_may_answer_401(&mut doc);
    no_blank_defaults(&mut doc);
    doc
}

/// Request bodies are `#[serde(default)]` so that a missing field is a 422 naming it, not a
/// 400; utoipa then shows the `Default` values (`""`, `null`, `[]`), and Swagger UI's example
/// bodies come out blank. A field whose default is the empty string is one the body must
/// give: marked required, with its example (if any) shown instead.
fn no_blank_defaults(doc: &mut utoipa::openapi::OpenApi) {
    use serde_json::Value;
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    for schema in components.schemas.values_mut() {
        let RefOr::T(Schema::Object(object)) = schema else {
            continue;
        };
        let mut required = Vec::new();
        for (name, property) in object.properties.iter_mut() {
            match property {
                RefOr::T(Schema::Object(field)) => match &field.default {
                    Some(Value::String(text)) if text.is_empty() => {
                        field.default = None;
                        required.push(name.clone());
                    }
                    Some(Value::Null) => field.default = None,
                    _ => {}
                },
                RefOr::T(Schema::Array(list)) if list.default == Some(Value::Array(Vec::new())) => {
                    list.default = None;
                }
                _ => {}
            }
        }
        for name in required {
            if !object.required.contains(&name) {
                object.required.push(name);
            }
        }
    }
}

/// The document and the docs page are served by Swagger UI's service, not by a handler of
/// the route table: described here so that the document lists every path the server answers.
fn document_the_docs(doc: &mut utoipa::openapi::OpenApi) {
    let page = |summary: &str, description: &str, content_type: &str| {
        OperationBuilder::new()
            .tag("service")
            .summary(Some(summary))
            .response(
                "200",
                ResponseBuilder::new()
                    .description(description)
                    .content(content_type, Content::new(None::<RefOr<Schema>>)),
            )
            .build()
    };
    doc.paths.add_path_operation(
        "/api/v1/openapi.json",
        vec![HttpMethod::Get],
        page(
            "This OpenAPI 3 document",
            "The OpenAPI document",
            "application/json",
        ),
    );
    doc.paths.add_path_operation(
        "/docs",
        vec![HttpMethod::Get],
        page(
            "Interactive API documentation (served from the binary, works offline)",
            "Swagger UI",
            "text/html",
        ),
    );
}

/// Every operation that needs a bearer token may answer 401 `unauthenticated`: said once
/// here rather than on each of them.
fn every_secured_operation_may_answer_401(doc: &mut utoipa::openapi::OpenApi) {
    let unauthenticated = || {
        RefOr::T(
            ResponseBuilder::new()
                .description("`unauthenticated`: no token, or one that expired or was revoked")
                .content(
                    "application/problem+json",
                    Content::new(Some(RefOr::<Schema>::Ref(Ref::from_schema_name("Problem")))),
                )
                .build(),
        )
    };
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
            if secured {
                operation
                    .responses
                    .responses
                    .entry("401".to_owned())
                    .or_insert_with(unauthenticated);
            }
        }
    }
}
