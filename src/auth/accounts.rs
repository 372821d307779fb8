//! Account e-mails: the welcome message for accounts staff create, and password resets. Both
//! carry a one-time link to choose a password (never the password itself).

use chrono::Duration;
use serde::Serialize;

use crate::auth::domain::SessionToken;
use crate::auth::models::{self, User};
use crate::db::{now, DbConnection};
use crate::error::ApiError;
use crate::notifications::{Email, Outbox};

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
    conn: &mut DbConnection,
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
    conn: &mut DbConnection,
    outbox: &Outbox,
    public_url: &str,
    user: &User,
) -> Result<(), ApiError> {
    let values = password_link(conn, public_url, user, "")?;
    outbox.enqueue(conn, Email::new(&user.email, "password_reset", values))?;
    Ok(())
}
