//! The security headers on every answer: pages, the API, files, redirects and error pages
//! alike. Pages run no script at all, so their Content-Security-Policy forbids every script
//! and every framing (no other site can frame the agreement page and its Sign button); the
//! API's interactive docs under `/docs` are the one page that runs scripts (Swagger UI, served
//! by fieldlab itself) and get a policy of their own.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;

use crate::app::AppState;

/// Pages: the stylesheet and inline SVG (drawn with attributes, no `style`), forms posted
/// here, nothing else. `connect-src 'self'` costs nothing without script, and lets a browser
/// test read a PDF from the page it is on.
pub const PAGES: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Swagger UI: its own scripts and styles (React sets inline styles), its icons as `data:`
/// images, the OpenAPI document and "Try it out" requests to this server.
pub const DOCS: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'";

/// A PDF opens in the browser's own viewer, which a document policy could break: it is only
/// kept out of frames.
const PDF: &str = "frame-ancestors 'none'";

/// The policy for an answer to `path` of type `content_type`.
pub fn policy(path: &str, content_type: &str) -> &'static str {
    policy_of(is_docs(path), content_type)
}

/// Whether `path` is one of the API's interactive docs.
fn is_docs(path: &str) -> bool {
    path == "/docs" || path.starts_with("/docs/")
}

fn policy_of(docs: bool, content_type: &str) -> &'static str {
    if docs {
        DOCS
    } else if content_type.starts_with("application/pdf") {
        PDF
    } else {
        PAGES
    }
}

/// Adds the headers to `headers`, keeping any a handler set itself.
pub fn secure(headers: &mut HeaderMap, path: &str, https: bool) {
    secure_as(headers, is_docs(path), https);
}

/// [`secure`] for an answer that is (`docs`) or is not one of the docs.
fn secure_as(headers: &mut HeaderMap, docs: bool, https: bool) {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let csp = policy_of(docs, content_type);
    let mut set = |name: HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    set(header::CONTENT_SECURITY_POLICY, csp);
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    // Not `no-referrer`: browsers then send `Origin: null` with form posts, which the CORS
    // middleware (with `server.cors_origins`) refuses; `same-origin` tells other sites nothing.
    set(header::REFERRER_POLICY, "same-origin");
    if https {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
}

/// The middleware: outermost, so that redirects, error pages and problem+json from every
/// layer below carry the headers too (an error raised by a layer becomes its answer here).
/// With an https `server.public_url`, browsers are also told to keep to https.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let https = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.settings.server.public_url.starts_with("https://"));
    let docs = is_docs(req.path());
    // No clone of the request is kept across the call: layers below (path normalisation,
    // routing) need it unshared.
    match next.call(req).await {
        Ok(mut res) => {
            secure_as(res.headers_mut(), docs, https);
            Ok(res)
        }
        Err(error) => {
            // The answer the server would make of this error, with the headers.
            let mut answer = error.as_response_error().error_response();
            secure_as(answer.headers_mut(), docs, https);
            Err(InternalError::from_response(error.to_string(), answer).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_may_run_no_script_and_docs_may_run_their_own() {
        let page = policy("/app/agreements/x", "text/html; charset=utf-8");
        assert!(page.contains("default-src 'none'"));
        assert!(!page.contains("script-src"));
        assert!(page.contains("frame-ancestors 'none'"));
        assert_eq!(policy("/api/v1/me", "application/json"), PAGES);
        let docs = policy("/docs/", "text/html");
        assert!(docs.contains("script-src 'self'"));
        assert!(!docs.contains("unsafe-eval"));
        assert_eq!(policy("/docsx", "text/html"), PAGES);
        assert_eq!(policy("/app/agreements/x/pdf", "application/pdf"), PDF);
    }

    #[test]
    fn a_handlers_own_header_is_kept() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        secure(&mut headers, "/", true);
        let value = |name| headers.get(name).and_then(|v| v.to_str().ok());
        assert_eq!(value(header::REFERRER_POLICY), Some("no-referrer"));
        assert_eq!(value(header::X_FRAME_OPTIONS), Some("DENY"));
        assert!(headers.contains_key(header::STRICT_TRANSPORT_SECURITY));
    }
}
