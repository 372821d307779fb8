//! `CurrentUser`: the signed-in caller, read from `Authorization: Bearer <token>`, and the role
//! checks every route uses. A missing, unknown, expired or revoked token is 401.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use crate::app::AppState;
use crate::auth::domain::{token_hash, Role};
use crate::auth::models;
use crate::db::DbConnection;
use crate::error::ApiError;

#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The hash of the token this request came with (what `logout` revokes).
    pub token_hash: String,
}

impl CurrentUser {
    pub fn is(&self, role: Role) -> bool {
        self.role == role
    }

    /// 403 `forbidden` unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

impl FromRequest for CurrentUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let bearer = Bearer::of(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let bearer = bearer?;
            let state = state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("no app state")))?;
            state.db(move |conn| bearer.user(conn)).await
        })
    }
}

/// A request's bearer token, not looked up yet. A hot path (a booking) extracts this instead
/// of [`CurrentUser`] and calls [`Bearer::user`] inside its own database call: one trip to the
/// blocking pool and one pooled connection per request instead of two. A missing token is
/// 401 at once, before the body is read.
#[derive(Debug, Clone)]
pub struct Bearer {
    token_hash: String,
}

impl Bearer {
    fn of(req: &HttpRequest) -> Result<Self, ApiError> {
        let token = bearer_token(req).ok_or_else(ApiError::unauthenticated)?;
        Ok(Self {
            token_hash: token_hash(&token),
        })
    }

    /// The signed-in user; 401 if the token is unknown, expired or revoked.
    pub fn user(&self, conn: &mut DbConnection) -> Result<CurrentUser, ApiError> {
        session_user(conn, &self.token_hash)?.ok_or_else(ApiError::unauthenticated)
    }
}

/// The user of a live session (a bearer token or a page's cookie), by the token's hash.
pub fn session_user(
    conn: &mut DbConnection,
    token_hash: &str,
) -> Result<Option<CurrentUser>, ApiError> {
    Ok(
        models::user_for_session(conn, token_hash)?.map(|user| CurrentUser {
            role: user.role(),
            id: user.id,
            email: user.email,
            name: user.name,
            token_hash: token_hash.to_owned(),
        }),
    )
}

impl FromRequest for Bearer {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Self::of(req))
    }
}

/// A signed-in staff member; any other caller gets 401 or 403 before the handler runs.
#[derive(Debug, Clone)]
pub struct Staff(pub CurrentUser);

impl FromRequest for Staff {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let user = CurrentUser::from_request(req, payload);
        Box::pin(async move {
            let user = user.await?;
            user.require(&[Role::Staff])?;
            Ok(Staff(user))
        })
    }
}
