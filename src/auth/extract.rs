//! `CurrentUser`: the signed-in caller, read from `Authorization: Bearer <token>`, and the role
//! checks every route uses. A missing, unknown, expired or revoked token is 401.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use crate::auth::domain::{token_hash, Role};
use crate::auth::models;
use crate::error::ApiError;
use crate::startup::AppState;

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
        let token = bearer_token(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let token = token.ok_or_else(ApiError::unauthenticated)?;
            let state = state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("no app state")))?;
            let hash = token_hash(&token);
            let lookup = hash.clone();
            let user = state
                .db(move |conn| Ok(models::user_for_session(conn, &lookup)?))
                .await?
                .ok_or_else(ApiError::unauthenticated)?;
            Ok(CurrentUser {
                role: user.role(),
                id: user.id,
                email: user.email,
                name: user.name,
                token_hash: hash,
            })
        })
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
