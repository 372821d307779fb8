//! Who is reading a page: the cookie session (a token of the same `sessions` table as the
//! API's bearer tokens), the language, the CSRF token bound to the session, and the answers
//! every page shares (a rendered page, a 303 redirect, the 404 / 403 pages, `/login?next=`).

use std::future::Future;
use std::pin::Pin;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use minijinja::{context, Value};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::auth::domain::token_hash;
use crate::auth::extract::session_user;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::web::i18n::{catalogue, Lang};
use crate::web::render::render;

pub const SESSION_COOKIE: &str = "fieldlab_session";
/// A signed-out visitor's CSRF secret (double submit): forms before signing in carry it.
pub const CSRF_COOKIE: &str = "fieldlab_csrf";
pub const LANG_COOKIE: &str = "fieldlab_lang";
/// The confirmation a redirect after a POST promises (`?done=<key>` in its target), shown once:
/// the page shows `done` only while this cookie names it, and clears it, so reopening or
/// reloading the page does not confirm the action again.
pub const FLASH_COOKIE: &str = "fieldlab_flash";

/// The reader of a page, signed in or not.
pub struct Visitor {
    pub lang: Lang,
    pub user: Option<CurrentUser>,
    /// The request's path and query, for `next=` and the language switch.
    pub path: String,
    csrf: String,
    /// A new signed-out CSRF secret to set with the answer.
    new_csrf_cookie: bool,
    /// `?lang=` was given: remember it.
    remember_lang: bool,
    secure: bool,
    /// The `done` key this page confirms, once (see [`FLASH_COOKIE`]).
    flash: Option<String>,
    /// The flash cookie came with the request: the answer clears it.
    flash_cookie: bool,
}

impl FromRequest for Visitor {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let query = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .map(|q| q.into_inner())
            .unwrap_or_default();
        let param = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let chosen = param("lang").as_deref().and_then(Lang::parse);
        let lang = chosen
            .or_else(|| req.cookie(LANG_COOKIE).and_then(|c| Lang::parse(c.value())))
            .unwrap_or_default();
        let flash_cookie = req.cookie(FLASH_COOKIE).map(|c| c.value().to_owned());
        let flash = param("done").filter(|done| flash_cookie.as_deref() == Some(done.as_str()));
        let flash_cookie = flash_cookie.is_some();
        let session = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
        let anon_csrf = req.cookie(CSRF_COOKIE).map(|c| c.value().to_owned());
        let path = match req.query_string() {
            "" => req.path().to_owned(),
            q => format!("{}?{q}", req.path()),
        };
        Box::pin(async move {
            let state = state.ok_or_else(|| PageError::internal(lang))?;
            let secure = state.settings.server.public_url.starts_with("https://");
            let user = match session.clone() {
                Some(token) if !token.is_empty() => {
                    let hash = token_hash(&token);
                    state
                        .db(move |conn| session_user(conn, &hash))
                        .await
                        .map_err(|e| PageError::from_api(lang, e))?
                }
                _ => None,
            };
            let (csrf, new_csrf_cookie) = match (&user, session, anon_csrf) {
                (Some(_), Some(token), _) => (session_csrf(&token), false),
                (_, _, Some(secret)) if secret.len() == 64 => (secret, false),
                _ => (random_hex(), true),
            };
            Ok(Visitor {
                lang,
                user,
                path,
                csrf,
                new_csrf_cookie,
                remember_lang: chosen.is_some(),
                secure,
                flash,
                flash_cookie,
            })
        })
    }
}

/// The CSRF token of a session: a hash of its secret token under a purpose of its own, so it
/// reveals nothing of the token and differs from the stored `token_hash`.
fn session_csrf(session_token: &str) -> String {
    hex::encode(Sha256::digest(format!("fieldlab csrf\0{session_token}")))
}

fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

impl Visitor {
    /// The signed-in user, or a redirect to `/login?next=<this page>`.
    pub fn signed_in(&self) -> Result<&CurrentUser, PageError> {
        self.user
            .as_ref()
            .ok_or_else(|| PageError::Redirect(format!("/login?next={}", encode(&self.path))))
    }

    /// The signed-in user if their role is one of `roles`; otherwise the 403 page (signed out:
    /// the way to sign in), as the API answers 403 for a role that may not.
    pub fn one_of(&self, roles: &[crate::auth::Role]) -> Result<CurrentUser, PageError> {
        let user = self.signed_in()?;
        user.require(roles).map_err(|e| self.fail(e))?;
        Ok(user.clone())
    }

    /// 403 page unless the form carried this visitor's CSRF token.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), PageError> {
        let expected = Sha256::digest(self.csrf.as_bytes());
        if !submitted.is_empty() && Sha256::digest(submitted.as_bytes()) == expected {
            Ok(())
        } else {
            Err(self.error(StatusCode::FORBIDDEN))
        }
    }

    /// The 404 page, with this visitor's menu.
    pub fn not_found(&self) -> PageError {
        self.error(StatusCode::NOT_FOUND)
    }

    /// The error page for `status`, with this visitor's menu (signed in: theirs, not the
    /// signed-out one).
    pub fn error(&self, status: StatusCode) -> PageError {
        PageError::Page(self.lang, status).for_visitor(self)
    }

    /// The `done` key of the confirmation this page shows, if any (shown once).
    pub fn flash_key(&self) -> Option<&str> {
        self.flash.as_deref()
    }

    fn chrome(&self) -> Option<Chrome> {
        self.user.as_ref().map(|u| Chrome {
            name: u.name.clone(),
            role: u.role.as_str().to_owned(),
            csrf: self.csrf.clone(),
        })
    }

    /// A page from `template` with `values` merged over what every page has.
    pub fn page(&self, status: StatusCode, template: &str, values: Value) -> HttpResponse {
        let base = context! {
            lang => self.lang.as_str(),
            t => Value::from_serialize(catalogue(self.lang)),
            csrf_token => &self.csrf,
            user => self.user.as_ref().map(|u| context! { name => &u.name, role => u.role.as_str() }),
            path => &self.path,
            flash => self.flash.as_deref().map(|done| self.lang.text(&format!("flash.{done}"))).filter(|t| !t.is_empty()),
            other_lang_href => self.other_lang_href(),
        };
        match render(template, context! { ..values, ..base }) {
            Ok(html) => self.finish(HttpResponse::build(status), html),
            Err(error) => {
                tracing::error!(error = %format!("{error:#}"), template, "page did not render");
                PageError::internal(self.lang).error_response()
            }
        }
    }

    pub fn ok(&self, template: &str, values: Value) -> HttpResponse {
        self.page(StatusCode::OK, template, values)
    }

    /// 303 to `location` (after a successful POST). A `done=<key>` in its query is the
    /// confirmation to show there, once: a short-lived cookie carries the promise.
    pub fn see_other(&self, location: &str) -> HttpResponse {
        let mut res = HttpResponse::SeeOther();
        res.insert_header((header::LOCATION, location.to_owned()));
        self.add_cookies(&mut res);
        if let Some(done) = done_of(location) {
            res.cookie(
                Cookie::build(FLASH_COOKIE, done.to_owned())
                    .path("/")
                    .http_only(true)
                    .same_site(SameSite::Lax)
                    .secure(self.secure)
                    .max_age(time::Duration::minutes(5))
                    .finish(),
            );
        }
        res.finish()
    }

    /// Opens the page session after sign-in (the API's expiry).
    pub fn session_cookie(&self, token: &str, hours: i64) -> Cookie<'static> {
        Cookie::build(SESSION_COOKIE, token.to_owned())
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .max_age(time::Duration::hours(hours))
            .finish()
    }

    pub fn end_session_cookie(&self) -> Cookie<'static> {
        self.removal(SESSION_COOKIE)
    }

    /// Takes back cookie `name`, with the attributes it was set with.
    fn removal(&self, name: &'static str) -> Cookie<'static> {
        let mut cookie = Cookie::build(name, "")
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .finish();
        cookie.make_removal();
        cookie
    }

    fn other_lang_href(&self) -> String {
        let other = match self.lang {
            Lang::Fr => "en",
            Lang::En => "fr",
        };
        let (path, query) = self.path.split_once('?').unwrap_or((&self.path, ""));
        let kept: Vec<&str> = query
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("lang=") && !p.starts_with("done="))
            .collect();
        let mut href = format!("{path}?");
        for p in kept {
            href.push_str(p);
            href.push('&');
        }
        href.push_str("lang=");
        href.push_str(other);
        href
    }

    fn add_cookies(&self, res: &mut actix_web::HttpResponseBuilder) {
        if self.new_csrf_cookie && self.user.is_none() {
            res.cookie(
                Cookie::build(CSRF_COOKIE, self.csrf.clone())
                    .path("/")
                    .http_only(true)
                    .same_site(SameSite::Lax)
                    .secure(self.secure)
                    .finish(),
            );
        }
        if self.remember_lang {
            res.cookie(
                Cookie::build(LANG_COOKIE, self.lang.as_str())
                    .path("/")
                    .same_site(SameSite::Lax)
                    .secure(self.secure)
                    .max_age(time::Duration::days(365))
                    .finish(),
            );
        }
    }

    fn finish(&self, mut res: actix_web::HttpResponseBuilder, html: String) -> HttpResponse {
        self.add_cookies(&mut res);
        if self.flash_cookie {
            // Shown (or stale): a reload must not confirm the action again.
            res.cookie(self.removal(FLASH_COOKIE));
        }
        res.content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(html)
    }

    /// A use case's refusal as the page that answers it: 404 / 403 pages, a redirect to sign in.
    pub fn fail(&self, error: ApiError) -> PageError {
        PageError::from_api(self.lang, error).for_visitor(self)
    }
}

/// The `done` key of a redirect target's query (`/app/bookings?done=booked#x` → `booked`).
fn done_of(location: &str) -> Option<&str> {
    let query = location.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or(query);
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("done="))
        .filter(|done| !done.is_empty())
}

/// What an error page needs of a signed-in reader to show their menu (and its sign-out form).
#[derive(Debug, Clone)]
pub struct Chrome {
    name: String,
    role: String,
    csrf: String,
}

/// Percent-encodes a path for `next=`.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Where to go after signing in: `next` if it is a path of this site, else `/app`. Browsers
/// read a `Location` loosely (they drop tabs and newlines, take `\` for `/`, and `//host` is
/// another site), and a proxy may decode it once more, so only a plain path is followed:
/// printable ASCII, one `/` first, then neither `/` nor `\`, no backslash anywhere, and the
/// same still holds after each round of percent-decoding.
pub fn safe_next(next: &str) -> &str {
    const HOME: &str = "/app";
    if !next.bytes().all(|b| b.is_ascii_graphic()) {
        return HOME;
    }
    let mut text = std::borrow::Cow::Borrowed(next);
    // Each round decodes once more; encodings nested deeper than this are nobody's path.
    for _ in 0..4 {
        if !plain_path(&text) {
            return HOME;
        }
        let decoded = percent_encoding::percent_decode_str(&text).decode_utf8_lossy();
        if decoded == text {
            return next;
        }
        text = std::borrow::Cow::Owned(decoded.into_owned());
    }
    HOME
}

/// A path on this host, as any browser reads it: `/` then not `/` or `\`, and no control
/// character or backslash anywhere (tab, CR and LF are dropped by browsers, `\` is `/`).
fn plain_path(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.first() == Some(&b'/')
        && !matches!(bytes.get(1), Some(b'/' | b'\\'))
        && !text.chars().any(|c| c.is_control() || c == '\\')
}

/// A page that cannot be shown as asked.
#[derive(Debug)]
pub enum PageError {
    /// 303 elsewhere (sign in first).
    Redirect(String),
    /// The error page for this status, in the reader's language.
    Page(Lang, StatusCode),
    /// The same for a signed-in reader, with their menu.
    PageFor(Lang, StatusCode, Box<Chrome>),
}

impl PageError {
    pub fn page(lang: Lang, status: StatusCode) -> Self {
        Self::Page(lang, status)
    }

    pub fn not_found(lang: Lang) -> Self {
        Self::Page(lang, StatusCode::NOT_FOUND)
    }

    fn internal(lang: Lang) -> Self {
        Self::Page(lang, StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The same error page with `v`'s menu when they are signed in.
    fn for_visitor(self, v: &Visitor) -> Self {
        match (self, v.chrome()) {
            (Self::Page(lang, status), Some(chrome)) => {
                Self::PageFor(lang, status, Box::new(chrome))
            }
            (other, _) => other,
        }
    }

    pub fn from_api(lang: Lang, error: ApiError) -> Self {
        let status = StatusCode::from_u16(error.problem().status)
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        match status {
            StatusCode::UNAUTHORIZED => Self::Redirect("/login".into()),
            StatusCode::NOT_FOUND | StatusCode::FORBIDDEN => Self::Page(lang, status),
            s if s.is_server_error() => {
                // Logged with its cause, like the API's 5xx.
                let _ = error.error_response();
                Self::Page(lang, s)
            }
            s => Self::Page(lang, s),
        }
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Redirect(to) => write!(f, "redirect to {to}"),
            Self::Page(_, status) | Self::PageFor(_, status, _) => write!(f, "page {status}"),
        }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Redirect(_) => StatusCode::SEE_OTHER,
            Self::Page(_, status) | Self::PageFor(_, status, _) => *status,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Redirect(to) => HttpResponse::SeeOther()
                .insert_header((header::LOCATION, to.clone()))
                .finish(),
            Self::Page(lang, status) => error_page(*lang, *status),
            Self::PageFor(lang, status, chrome) => error_page_for(*lang, *status, Some(chrome)),
        }
    }
}

/// A page's "sign in first" is answered as an error (`PageError::Redirect`), which the request
/// log would report as a failed request at ERROR level: the same 303 without the error
/// attached, so that only real failures are logged as such.
pub async fn redirects_are_not_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?;
    if !(res.status().is_redirection() && res.response().error().is_some()) {
        return Ok(res.map_into_boxed_body());
    }
    let (req, answer) = res.into_parts();
    let mut clean = HttpResponse::build(answer.status());
    for (name, value) in answer.headers() {
        clean.append_header((name.clone(), value.clone()));
    }
    Ok(ServiceResponse::new(req, clean.finish()))
}

/// The 404 / 403 / 5xx page.
pub fn error_page(lang: Lang, status: StatusCode) -> HttpResponse {
    error_page_for(lang, status, None)
}

/// The same with a signed-in reader's menu.
fn error_page_for(lang: Lang, status: StatusCode, chrome: Option<&Chrome>) -> HttpResponse {
    let (title, text) = match status {
        StatusCode::NOT_FOUND => ("error.not_found_title", "error.not_found_text"),
        StatusCode::FORBIDDEN => ("error.forbidden_title", "error.forbidden_text"),
        _ => ("error.internal_title", "error.internal_text"),
    };
    let ctx = context! {
        lang => lang.as_str(),
        t => Value::from_serialize(catalogue(lang)),
        title => lang.text(title),
        text => lang.text(text),
        user => chrome.map(|c| context! { name => &c.name, role => &c.role }),
        csrf_token => chrome.map(|c| c.csrf.as_str()),
    };
    let html = render("error.html", ctx).unwrap_or_else(|_| lang.text(title).to_owned());
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_follows_only_same_site_paths() {
        assert_eq!(safe_next("/app/labs?x=1"), "/app/labs?x=1");
        assert_eq!(safe_next("/app"), "/app");
        assert_eq!(
            safe_next("/app/equipment/x?week=2027-W09&q=caf%C3%A9"),
            "/app/equipment/x?week=2027-W09&q=caf%C3%A9"
        );
        for foreign in [
            "",
            "app",
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "\t//evil.example",
            " /app",
            "/app/\u{0}",
            "/app\u{7f}",
            "/app/\u{85}x",
            "/app/caf\u{e9}",
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,x",
            "/%09/evil.example",
            "/%0A/evil.example",
            "/%0d/evil.example",
            "/%2F/evil.example",
            "/%2f%2fevil.example",
            "/%5Cevil.example",
            "/%5cevil.example",
            "/%252F/evil.example",
            "/%25252F/evil.example",
            "/%2525252F/evil.example",
            "/%00",
            "/app?x=a%5Cb",
        ] {
            assert_eq!(safe_next(foreign), "/app", "{foreign:?}");
        }
    }

    #[test]
    fn csrf_of_a_session_is_not_its_stored_hash() {
        let token = "ab".repeat(32);
        assert_ne!(session_csrf(&token), token_hash(&token));
        assert_eq!(session_csrf(&token).len(), 64);
    }

    #[test]
    fn the_flash_of_a_redirect_is_its_done_key() {
        assert_eq!(done_of("/app/bookings?done=booked"), Some("booked"));
        assert_eq!(
            done_of("/app/staff/labs/x?week=2027-W09&done=lab_closed#e-1"),
            Some("lab_closed")
        );
        assert_eq!(done_of("/app/bookings"), None);
        assert_eq!(done_of("/app?undone=x"), None);
    }

    #[test]
    fn next_is_encoded() {
        assert_eq!(
            encode("/app/equipment/x?week=2027-W09"),
            "/app/equipment/x%3Fweek%3D2027-W09"
        );
    }
}
