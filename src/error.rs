//! `ApiError`: the one error type handlers return, answered as `application/problem+json`
//! with the contract's stable `code`. This is the only place HTTP statuses of errors are chosen.

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid field of a request body.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The body of every error answer (RFC 9457).
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: String,
    errors: Vec<FieldError>,
    /// Problem extension members: the numbers behind a refusal (e.g. `limit_minutes`).
    extensions: serde_json::Map<String, serde_json::Value>,
    /// The cause of a 5xx, logged and never sent.
    source: Option<anyhow::Error>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
            extensions: serde_json::Map::new(),
            source: None,
        }
    }

    /// Adds a problem extension member (RFC 9457 §3.2) beside `code`.
    pub fn with(mut self, member: &str, value: impl Serialize) -> Self {
        if let Ok(value) = serde_json::to_value(value) {
            self.extensions.insert(member.to_owned(), value);
        }
        self
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", detail)
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Sign in first: send `Authorization: Bearer <token>` with a valid token.",
        )
    }

    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Your role does not allow this action.",
        )
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "No such resource, or not one you may see.",
        )
    }

    /// A refusal of who is asking (403) with its contract code.
    pub fn refused(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, detail)
    }

    /// A state conflict (409) with its contract code.
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    /// A request that is well-formed but breaks a rule (422) with its contract code.
    pub fn unprocessable(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
    }

    /// Field-by-field validation failure: 422 `validation_failed`.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        let mut error = Self::unprocessable(
            "validation_failed",
            format!("Some fields are invalid: {}.", fields.join(", ")),
        );
        error.errors = errors;
        error
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", detail)
    }

    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        let mut error = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Something went wrong on our side; it has been logged.",
        );
        error.source = Some(source.into());
        error
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn problem(&self) -> Problem {
        Problem {
            kind: format!("urn:fieldlab:problem:{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_owned(),
            errors: self.errors.clone(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e.as_ref() as &(dyn std::error::Error + 'static))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(source) = &self.source {
            tracing::error!(error = ?source, "request failed");
        }
        let mut response = HttpResponse::build(self.status);
        response.content_type(PROBLEM_JSON);
        if self.extensions.is_empty() {
            return response.json(self.problem());
        }
        let mut body = serde_json::to_value(self.problem()).unwrap_or_default();
        if let Some(members) = body.as_object_mut() {
            members.extend(self.extensions.clone());
        }
        response.json(body)
    }
}

impl From<DieselError> for ApiError {
    fn from(error: DieselError) -> Self {
        match &error {
            DieselError::NotFound => Self::not_found(),
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => Self::conflict(
                "conflict",
                "This would duplicate something that must be unique.",
            ),
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                Self::conflict("conflict", "A concurrent change won; please try again.")
            }
            _ => Self::internal(error),
        }
    }
}

impl From<r2d2::Error> for ApiError {
    fn from(error: r2d2::Error) -> Self {
        tracing::warn!(%error, "no database connection available");
        Self::unavailable("The database is busy or unreachable; try again shortly.")
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        Self::internal(anyhow::anyhow!("blocking task failed: {error}"))
    }
}

/// Turns actix's own failures (malformed JSON, bad query, unknown route, wrong method, body too
/// large) into the same problem format as ours. Installed as the default error handler, it
/// leaves alone answers that are already problem documents.
pub fn problem_for_framework_errors<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let error = match status {
        StatusCode::NOT_FOUND => ApiError::not_found(),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
            status,
            "method_not_allowed",
            "This path does not accept this method.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            status,
            "payload_too_large",
            "The request body is larger than this server accepts.",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::bad_request("Unsupported content type."),
        StatusCode::UNAUTHORIZED => ApiError::unauthenticated(),
        StatusCode::FORBIDDEN => ApiError::forbidden(),
        s if s.is_client_error() => ApiError::bad_request("The request could not be understood."),
        s => ApiError::new(
            s,
            "internal",
            "Something went wrong on our side; it has been logged.",
        ),
    };
    let (req, _) = res.into_parts();
    let mut response = error.error_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    let res = ServiceResponse::new(req, response.map_into_boxed_body()).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}

/// actix's extractor errors as 400 `bad_request` (413 for an oversized body), with the
/// parser's message so the caller can see what to fix.
pub fn json_error(err: actix_web::error::JsonPayloadError) -> ApiError {
    use actix_web::error::JsonPayloadError as E;
    match &err {
        E::OverflowKnownLength { .. } | E::Overflow { .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "The request body is larger than this server accepts.",
        ),
        E::ContentType => {
            ApiError::bad_request("Send the body as JSON with `Content-Type: application/json`.")
        }
        E::Deserialize(e) => ApiError::bad_request(format!("Invalid JSON body: {e}")),
        _ => ApiError::bad_request(format!("Invalid request body: {err}")),
    }
}

pub fn query_error(err: actix_web::error::QueryPayloadError) -> ApiError {
    ApiError::bad_request(format!("Invalid query parameters: {err}"))
}

/// A path segment that does not parse (a malformed id) names nothing that exists.
pub fn path_error(_err: actix_web::error::PathError) -> ApiError {
    ApiError::not_found()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_lists_fields() {
        let e = ApiError::validation(vec![FieldError::new("password", "too short")]);
        let p = e.problem();
        assert_eq!(p.status, 422);
        assert_eq!(p.code, "validation_failed");
        assert_eq!(p.errors.len(), 1);
        assert!(p.detail.contains("password"));
    }

    #[test]
    fn internal_errors_do_not_leak_their_cause() {
        let e = ApiError::internal(anyhow::anyhow!("secret table missing"));
        assert!(!e.problem().detail.contains("secret"));
        assert_eq!(e.problem().status, 500);
    }
}
