//! Account e-mails: the welcome message for accounts staff create, and password resets. Both
//! carry a one-time link to choose a password (never the password itself). And the one path
//! that creates an account, which other domains reuse (a tutor is an account plus a profile).

use actix_web::web;
use chrono::{Duration, NaiveDateTime};
use serde::Serialize;

use crate::app::AppState;
use crate::auth::domain::{token_hash, NewAccount, Password, SessionToken};
use crate::auth::extract::CurrentUser;
use crate::auth::models::{self, User};
use crate::auth::password;
use crate::db::{now, DbConnection, WriteTx};
use crate::error::{ApiError, FieldError};
use crate::mail::{Email, Outbox};

/// How long a link to choose a password stays valid.
pub const PASSWORD_LINK_DAYS: i64 = 7;

#[derive(Serialize)]
struct PasswordLink<'a> {
    name: &'a str,
    email: &'a str,
    role: &'a str,
    created_by: &'a str,
    set_password_url: String,
    sign_in_url: &'a str,
    expires_on: String,
}

fn password_link<'a>(
    conn: &mut DbConnection,
    public_url: &'a str,
    user: &'a User,
    created_by: &'a str,
) -> Result<PasswordLink<'a>, ApiError> {
    let token = SessionToken::generate();
    let expires_at = now() + Duration::days(PASSWORD_LINK_DAYS);
    models::insert_password_token(conn, &token.hash, &user.id, expires_at)?;
    let base = public_url.trim_end_matches('/');
    Ok(PasswordLink {
        name: &user.name,
        email: &user.email,
        role: &user.role,
        created_by,
        set_password_url: format!("{base}/set-password?token={}", token.plain),
        sign_in_url: public_url,
        expires_on: expires_at.date().to_string(),
    })
}

/// Queues the welcome e-mail of an account staff created, in the caller's transaction.
pub fn welcome(
    conn: &mut WriteTx<'_>,
    outbox: &Outbox,
    public_url: &str,
    user: &User,
    created_by: &str,
) -> Result<(), ApiError> {
    let values = password_link(conn, public_url, user, created_by)?;
    outbox.enqueue(
        conn,
        Email::new(&user.email, "account_created", values)
            .dedupe(format!("account_created:{}", user.id)),
    )?;
    Ok(())
}

/// Queues a link to choose a new password.
pub fn password_reset(
    conn: &mut WriteTx<'_>,
    outbox: &Outbox,
    public_url: &str,
    user: &User,
) -> Result<(), ApiError> {
    let values = password_link(conn, public_url, user, "")?;
    outbox.enqueue(conn, Email::new(&user.email, "password_reset", values))?;
    Ok(())
}

/// Hashes the password (off the async workers), inserts the account and, when staff create
/// it, queues its welcome e-mail in the same transaction. A taken e-mail is 409
/// `email_taken`, whether seen first or caught by the unique index under a race. `then` runs
/// in the same transaction with the new user (e.g. to add a tutor's profile): if it fails,
/// nothing is created and no e-mail leaves.
pub async fn create_account<T, F>(
    state: &AppState,
    account: NewAccount,
    created_by: Option<CurrentUser>,
    then: F,
) -> Result<(User, T), ApiError>
where
    F: FnOnce(&mut WriteTx<'_>, &User) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let hash = match &account.password {
        Some(p) => {
            let plain = p.expose().to_owned();
            Some(
                web::block(move || password::hash(&plain))
                    .await?
                    .map_err(ApiError::internal)?,
            )
        }
        None => None,
    };
    let taken = || {
        ApiError::conflict(
            "email_taken",
            "An account already uses this e-mail address.",
        )
    };
    let outbox = state.outbox.clone();
    let public_url = state.settings.server.public_url.clone();
    state
        .db(move |conn| {
            if models::email_exists(conn, account.email.as_str())? {
                return Err(taken());
            }
            crate::db::write_transaction(conn, |conn| {
                let staff = created_by.as_ref();
                let user = models::insert_user(
                    conn,
                    &account,
                    hash.as_deref(),
                    staff.map(|s| s.id.as_str()),
                )
                .map_err(|e| match e {
                    diesel::result::Error::DatabaseError(
                        diesel::result::DatabaseErrorKind::UniqueViolation,
                        _,
                    ) => taken(),
                    other => other.into(),
                })?;
                let extra = then(conn, &user)?;
                if let Some(staff) = staff {
                    welcome(conn, &outbox, &public_url, &user, &staff.name)?;
                }
                Ok((user, extra))
            })
        })
        .await
}

/// A session just opened by [`sign_in`]: the token to hand out once, its expiry, its user.
pub struct SignedIn {
    pub token: SessionToken,
    pub expires_at: NaiveDateTime,
    pub user: User,
}

/// Checks an e-mail and password and opens a session (the API's bearer token and the web
/// pages' cookie alike). A wrong e-mail or password is the same 401 `invalid_credentials`.
pub async fn sign_in(state: &AppState, email: &str, plain: String) -> Result<SignedIn, ApiError> {
    let email = email.trim().to_lowercase();
    let user = state
        .db(move |conn| Ok(models::find_user_by_email(conn, &email)?))
        .await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    // argon2 is slow on purpose: keep it off the async workers.
    let valid = web::block(move || password::verify(&plain, stored.as_deref())).await?;
    let user = match (valid, user) {
        (true, Some(user)) => user,
        _ => {
            return Err(ApiError::new(
                actix_web::http::StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "Wrong e-mail or password.",
            ))
        }
    };
    let token = SessionToken::generate();
    let expires_at = now() + Duration::hours(state.settings.auth.token_hours);
    let (hash, user_id) = (token.hash.clone(), user.id.clone());
    state
        .db(move |conn| {
            models::purge_expired_sessions(conn)?;
            Ok(models::insert_session(conn, &hash, &user_id, expires_at)?)
        })
        .await?;
    tracing::info!(user_id = %user.id, "signed in");
    Ok(SignedIn {
        token,
        expires_at,
        user,
    })
}

/// Chooses a password with the one-time token of a welcome or reset link; signs out every
/// session of the account. 422 `invalid_token` for a link unknown, used or expired.
pub async fn set_password(state: &AppState, token: &str, plain: &str) -> Result<User, ApiError> {
    let new_password = Password::parse(plain)
        .map_err(|m| ApiError::validation(vec![FieldError::new("password", m)]))?;
    let plain = new_password.expose().to_owned();
    let hash = web::block(move || password::hash(&plain))
        .await?
        .map_err(ApiError::internal)?;
    let lookup = token_hash(token.trim());
    state
        .db(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                let user =
                    models::user_for_password_token(conn, &lookup)?.ok_or_else(invalid_token)?;
                // The database decides who used the link: of two requests racing with it,
                // the second deletes nothing (it waits for the first's row lock on PostgreSQL).
                if models::take_password_token(conn, &lookup)? == 0 {
                    return Err(invalid_token());
                }
                models::replace_password(conn, &user.id, &hash)?;
                Ok(user)
            })
        })
        .await
}

/// 422 `invalid_token`: a password link unknown, already used or expired.
pub fn invalid_token() -> ApiError {
    ApiError::unprocessable(
        "invalid_token",
        "This link is unknown, already used or expired: ask for a new one.",
    )
}

/// Queues a link to choose a new password if `email` has an account; the same outcome
/// either way, so that the caller learns nothing.
pub async fn request_password_reset(state: &AppState, email: &str) -> Result<(), ApiError> {
    let email = email.trim().to_lowercase();
    let outbox = state.outbox.clone();
    let public_url = state.settings.server.public_url.clone();
    state
        .db(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                if let Some(user) = models::find_user_by_email(conn, &email)? {
                    password_reset(conn, &outbox, &public_url, &user)?;
                }
                Ok(())
            })
        })
        .await
}
