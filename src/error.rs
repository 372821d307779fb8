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
    /// A contract code more precise than `validation_failed` (e.g. `weak_password`); the
    /// problem takes the first one given.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub code: Option<&'static str>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
            code: None,
        }
    }

    /// The same, with its own contract code.
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }
}

/// Seconds a client is asked to wait (`Retry-After`) when the database or the password
/// hashing is out of reach for a moment.
pub const RETRY_AFTER_UNAVAILABLE: u64 = 5;

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
    /// Seconds for the `Retry-After` header (429, 503).
    retry_after: Option<u64>,
    /// The `Allow` header of a 405.
    allow: Option<Box<str>>,
    /// Problem extension members: the numbers behind a refusal (e.g. `limit_minutes`).
    extensions: Option<Box<serde_json::Map<String, serde_json::Value>>>,
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
            retry_after: None,
            allow: None,
            extensions: None,
            source: None,
        }
    }

    /// Adds a problem extension member (RFC 9457 §3.2) beside `code`.
    pub fn with(mut self, member: &str, value: impl Serialize) -> Self {
        if let Ok(value) = serde_json::to_value(value) {
            self.extensions
                .get_or_insert_with(Default::default)
                .insert(member.to_owned(), value);
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

    /// Field-by-field validation failure: 422 `validation_failed`, or the first field's own
    /// code (e.g. `weak_password`).
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        let code = errors
            .iter()
            .find_map(|e| e.code)
            .unwrap_or("validation_failed");
        let mut error = Self::unprocessable(
            code,
            format!("Some fields are invalid: {}.", fields.join(", ")),
        );
        error.errors = errors;
        error
    }

    /// 503 `unavailable` with `Retry-After`: something this server depends on (the database,
    /// the password hashing) cannot serve the request right now; nothing was changed.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", detail)
            .retry_after(RETRY_AFTER_UNAVAILABLE)
    }

    /// 405 `method_not_allowed`, with the methods the path takes.
    pub fn method_not_allowed(allow: &str) -> Self {
        let mut error = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("This path does not accept this method; it accepts {allow}."),
        );
        error.allow = Some(allow.into());
        error
    }

    pub fn payload_too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "The request body is larger than this server accepts.",
        )
    }

    /// 429 `too_many_requests`: throttled; try again after `seconds`.
    pub fn too_many_requests(seconds: u64) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            format!("Too many attempts; try again in {seconds} s."),
        )
        .retry_after(seconds)
    }

    /// Adds a `Retry-After` header (whole seconds, at least 1).
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
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

    /// The problem's extension members (the figures behind a refusal).
    pub fn extensions(&self) -> impl Iterator<Item = (&str, &serde_json::Value)> {
        self.extensions
            .iter()
            .flat_map(|m| m.iter().map(|(k, v)| (k.as_str(), v)))
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
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds));
        }
        if let Some(allow) = &self.allow {
            response.insert_header((header::ALLOW, &**allow));
        }
        let Some(extensions) = &self.extensions else {
            return response.json(self.problem());
        };
        let mut body = serde_json::to_value(self.problem()).unwrap_or_default();
        if let Some(members) = body.as_object_mut() {
            members.extend((**extensions).clone());
        }
        response.json(body)
    }
}

/// A write's result with a unique violation answered as `conflict` (the contract's own 409,
/// e.g. `email_taken`) and every other error as usual: the one place a race that the
/// database's unique index caught becomes the same answer as the friendly check before it.
pub fn unique_as<T>(
    result: Result<T, DieselError>,
    conflict: impl FnOnce() -> ApiError,
) -> Result<T, ApiError> {
    result.map_err(|e| match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => conflict(),
        other => other.into(),
    })
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
            DieselError::DatabaseError(kind, info) if is_outage(kind, info.message()) => {
                tracing::warn!(error = %error, "database unreachable or cannot write");
                Self::unavailable("The database cannot serve this request right now; nothing was changed. Try again shortly.")
            }
            _ => Self::internal(error),
        }
    }
}

/// Whether a database error is the infrastructure's (unreachable, restarting, disk full,
/// read-only) rather than the request's or the code's: the same request may work later, so it
/// is answered 503, not 500. The failed statement's transaction is rolled back either way.
/// diesel hands PostgreSQL's SQLSTATE only for a few kinds and SQLite's extended codes not at
/// all, so the rest is recognised by the servers' (stable, English) messages.
pub fn is_outage(kind: &DatabaseErrorKind, message: &str) -> bool {
    const MESSAGES: [&str; 20] = [
        // SQLite (sqlite3_errstr of SQLITE_FULL, SQLITE_IOERR, SQLITE_READONLY, SQLITE_BUSY,
        // SQLITE_CANTOPEN, SQLITE_NOMEM)
        "database or disk is full",
        "disk i/o error",
        "readonly database",
        "database is locked",
        "unable to open database file",
        "out of memory",
        // PostgreSQL: 57P01-03 (admin / crash shutdown, cannot connect now), 53xxx
        // (insufficient resources), 08xxx (connection), 25006 (read-only standby)
        "terminating connection",
        "the database system is shutting down",
        "the database system is starting up",
        "the database system is in recovery mode",
        "the database system is not yet accepting connections",
        "could not extend file",
        "no space left on device",
        "too many connections",
        "server closed the connection",
        "no connection to the server",
        "connection to server",
        "could not connect to server",
        "could not send data to server",
        "could not receive data from server",
    ];
    match kind {
        DatabaseErrorKind::ClosedConnection
        | DatabaseErrorKind::UnableToSendCommand
        | DatabaseErrorKind::ReadOnlyTransaction => true,
        _ => {
            let message = message.to_ascii_lowercase();
            MESSAGES.iter().any(|m| message.contains(m))
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
    let content_type = res.headers().get(header::CONTENT_TYPE);
    let is_problem =
        content_type.is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    // The web pages answer their own error pages (404, 403, a refused form) in HTML.
    let is_page = content_type.is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_problem || is_page {
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
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::payload_too_large(),
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
        E::OverflowKnownLength { .. } | E::Overflow { .. } => ApiError::payload_too_large(),
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
    fn a_field_code_becomes_the_problem_code() {
        let e = ApiError::validation(vec![
            FieldError::new("name", "is required"),
            FieldError::new("password", "too common").with_code("weak_password"),
        ]);
        assert_eq!(e.code(), "weak_password");
        assert_eq!(e.problem().status, 422);
        let body = serde_json::to_value(e.problem()).expect("json");
        assert_eq!(body["errors"][0].get("code"), None);
        assert_eq!(body["errors"][1]["code"], "weak_password");
    }

    #[test]
    fn throttling_and_outages_say_when_to_retry() {
        let e = ApiError::too_many_requests(42);
        let res = e.error_response();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(e.code(), "too_many_requests");
        assert_eq!(
            res.headers().get(header::RETRY_AFTER).map(|v| v.as_bytes()),
            Some(&b"42"[..])
        );
        let res = ApiError::unavailable("busy").error_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(res.headers().contains_key(header::RETRY_AFTER));
    }

    fn database_error(kind: DatabaseErrorKind, message: &str) -> DieselError {
        DieselError::DatabaseError(kind, Box::new(message.to_owned()))
    }

    #[test]
    fn infrastructure_failures_are_503_not_500() {
        use DatabaseErrorKind::*;
        let outages = [
            (Unknown, "database or disk is full"),
            (Unknown, "disk I/O error"),
            (Unknown, "attempt to write a readonly database"),
            (Unknown, "database is locked"),
            (
                Unknown,
                "terminating connection due to administrator command",
            ),
            (Unknown, "FATAL:  the database system is shutting down"),
            (Unknown, "FATAL:  the database system is starting up"),
            (
                Unknown,
                "could not extend file \"base/16384/2619\": No space left on device",
            ),
            (
                ClosedConnection,
                "server closed the connection unexpectedly",
            ),
            (UnableToSendCommand, "no connection to the server"),
            (
                ReadOnlyTransaction,
                "cannot execute INSERT in a read-only transaction",
            ),
        ];
        for (kind, message) in outages {
            let e = ApiError::from(database_error(kind, message));
            assert_eq!(e.code(), "unavailable", "{message}");
            assert_eq!(e.status, StatusCode::SERVICE_UNAVAILABLE, "{message}");
            assert!(e.retry_after.is_some());
            assert!(!e.problem().detail.contains(message));
        }
    }

    #[test]
    fn request_and_code_faults_keep_their_statuses() {
        use DatabaseErrorKind::*;
        let cases = [
            (UniqueViolation, "duplicate key", StatusCode::CONFLICT),
            (
                SerializationFailure,
                "could not serialize",
                StatusCode::CONFLICT,
            ),
            (
                Unknown,
                "no such table: users",
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
            (
                Unknown,
                "booking_overlap",
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
            (
                CheckViolation,
                "check failed",
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
        ];
        for (kind, message, status) in cases {
            assert_eq!(ApiError::from(database_error(kind, message)).status, status);
        }
        assert_eq!(
            ApiError::from(DieselError::NotFound).status,
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn internal_errors_do_not_leak_their_cause() {
        let e = ApiError::internal(anyhow::anyhow!("secret table missing"));
        assert!(!e.problem().detail.contains("secret"));
        assert_eq!(e.problem().status, 500);
    }
}
