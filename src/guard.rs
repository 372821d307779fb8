//! What every request passes before its handler: no NUL character anywhere (PostgreSQL refuses
//! NUL in text where SQLite stores it, so without this one input would get two answers), and
//! the answer for a request no route takes (404, or 405 with `Allow` when the path is known).

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde_json::Value;

use crate::error::{ApiError, FieldError};

/// The largest body read to look for NUL (`server.max_body_bytes`).
#[derive(Clone, Copy)]
pub struct BodyLimit(pub usize);

/// Refuses a NUL character in the percent-decoded path or query (400), in a JSON body's
/// strings or keys (422, naming the field), or in a form body (400). Bodies of other types
/// go through unread. A JSON or form body is read whole (bounded by `BodyLimit`) and put back
/// for the handler.
pub async fn refuse_nul(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let uri = req.uri();
    if has_encoded_nul(uri.path()) || uri.query().is_some_and(has_encoded_nul) {
        return Ok(refuse(
            req,
            ApiError::bad_request("A NUL character (%00) in the path or query is not accepted."),
        ));
    }
    let kind = BodyKind::of(req.content_type());
    if kind != BodyKind::Other {
        let limit = req
            .app_data::<BodyLimit>()
            .map_or(usize::MAX, |limit| limit.0);
        let body = match read_body(req.take_payload(), limit).await {
            Ok(body) => body,
            Err(error) => return Ok(refuse(req, error)),
        };
        if let Some(error) = nul_in_body(kind, &body) {
            return Ok(refuse(req, error));
        }
        req.set_payload(Payload::from(body));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

fn refuse(req: ServiceRequest, error: ApiError) -> ServiceResponse<actix_web::body::BoxBody> {
    use actix_web::ResponseError;
    req.into_response(error.error_response())
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum BodyKind {
    Json,
    Form,
    Other,
}

impl BodyKind {
    fn of(content_type: &str) -> Self {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if essence == "application/json" || essence.ends_with("+json") {
            Self::Json
        } else if essence == "application/x-www-form-urlencoded" {
            Self::Form
        } else {
            Self::Other
        }
    }
}

async fn read_body(mut payload: Payload, limit: usize) -> Result<Bytes, ApiError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|_| ApiError::bad_request("The request body could not be read."))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::payload_too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// `%00` decodes to NUL; a literal NUL cannot reach here (the HTTP parser refuses it).
fn has_encoded_nul(text: &str) -> bool {
    text.contains("%00")
}

/// The answer to a body carrying NUL, if it does.
fn nul_in_body(kind: BodyKind, body: &[u8]) -> Option<ApiError> {
    match kind {
        BodyKind::Form if body.windows(3).any(|w| w == b"%00") || body.contains(&0) => Some(
            ApiError::bad_request("A NUL character (%00) in a form field is not accepted."),
        ),
        // Only the escape can put NUL in a JSON string (a raw one is malformed JSON, which
        // the handler's parser answers 400), so the body is parsed only when it holds one.
        BodyKind::Json if body.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) => {
            let value: Value = serde_json::from_slice(body).ok()?;
            let field = field_with_nul(&value, "")?;
            let field = if field.is_empty() {
                "body".to_owned()
            } else {
                field
            };
            Some(ApiError::validation(vec![FieldError::new(
                field,
                "must not contain a NUL character (\\u0000)",
            )]))
        }
        _ => None,
    }
}

/// The path (`a.b[2]`) of the first string or key holding NUL.
fn field_with_nul(value: &Value, path: &str) -> Option<String> {
    match value {
        Value::String(s) if s.contains('\0') => Some(path.to_owned()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| field_with_nul(v, &format!("{path}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(k, v)| {
            let here = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            if k.contains('\0') {
                Some(here.replace('\0', "\\u0000"))
            } else {
                field_with_nul(v, &here)
            }
        }),
        _ => None,
    }
}

/// The paths this server serves and the methods each takes, from the OpenAPI document: a
/// request no route takes is 405 with `Allow` when its path is one of these, else 404.
pub struct KnownPaths(Vec<(ResourceDef, Vec<Method>)>);

impl KnownPaths {
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi) -> Self {
        let paths = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    (item.get.is_some(), Method::GET),
                    (item.post.is_some(), Method::POST),
                    (item.put.is_some(), Method::PUT),
                    (item.patch.is_some(), Method::PATCH),
                    (item.delete.is_some(), Method::DELETE),
                ]
                .into_iter()
                .filter_map(|(served, method)| served.then_some(method))
                .collect();
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        Self(paths)
    }

    /// The methods `path` takes, if it is a known path.
    pub fn allowed(&self, path: &str) -> Option<Vec<Method>> {
        let mut methods: Vec<Method> = Vec::new();
        for (_, served) in self.0.iter().filter(|(def, _)| def.is_match(path)) {
            for method in served {
                if !methods.contains(method) {
                    methods.push(method.clone());
                }
            }
        }
        (!methods.is_empty()).then_some(methods)
    }
}

/// The default service: no route took the request.
pub async fn unmatched(
    req: HttpRequest,
    known: Option<web::Data<KnownPaths>>,
) -> Result<HttpResponse, ApiError> {
    let allowed = known.and_then(|k| k.allowed(req.path()));
    match allowed {
        Some(methods) if !methods.contains(req.method()) => {
            let allow: Vec<&str> = methods.iter().map(Method::as_str).collect();
            Err(ApiError::method_not_allowed(&allow.join(", ")))
        }
        _ => Err(ApiError::not_found()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_found_in_paths_queries_and_bodies() {
        assert!(has_encoded_nul("/api/v1/applications/a%00b"));
        assert!(has_encoded_nul("to=a%00b"));
        assert!(!has_encoded_nul("/api/v1/users?cursor=0061"));
        let json = |s: &str| nul_in_body(BodyKind::Json, s.as_bytes()).map(|e| e.problem());
        let problem = json(r#"{"email":"a\u0000b","password":"x"}"#).expect("refused");
        assert_eq!(problem.status, 422);
        assert_eq!(problem.errors[0].field, "email");
        let nested = json(r#"{"member_emails":["a@b.fr","c\u0000@d.fr"]}"#).expect("refused");
        assert_eq!(nested.errors[0].field, "member_emails[1]");
        // An escaped backslash followed by `u0000` is six plain characters, not NUL.
        assert!(json(r#"{"name":"\\u0000"}"#).is_none());
        // Malformed JSON is left to the handler's 400.
        assert!(json(r#"{"name":"\u0000"#).is_none());
        assert!(nul_in_body(BodyKind::Form, b"email=a%00b").is_some());
        assert!(nul_in_body(BodyKind::Other, b"a\0b").is_none());
    }

    #[test]
    fn body_kinds_come_from_the_content_type() {
        assert_eq!(
            BodyKind::of("application/json; charset=utf-8"),
            BodyKind::Json
        );
        assert_eq!(BodyKind::of("application/merge-patch+json"), BodyKind::Json);
        assert_eq!(
            BodyKind::of("application/x-www-form-urlencoded"),
            BodyKind::Form
        );
        assert_eq!(BodyKind::of("text/csv"), BodyKind::Other);
    }

    #[test]
    fn known_paths_answer_their_methods() {
        let known = KnownPaths::from_openapi(&crate::openapi::document());
        assert_eq!(known.allowed("/api/v1/me"), Some(vec![Method::GET]));
        assert!(known
            .allowed("/api/v1/applications/0191b2c3")
            .is_some_and(|m| m.contains(&Method::GET)));
        assert_eq!(known.allowed("/api/v1/nothing-here"), None);
    }
}
