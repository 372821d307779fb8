//! Account e-mails: the welcome message for accounts staff create, and password resets. Both
//! carry a one-time link to choose a password (never the password itself). And the one path
//! that creates an account, which other domains reuse (a tutor is an account plus a profile).

use chrono::Duration;
use serde::Serialize;

use crate::app::AppState;
use crate::auth::domain::{NewAccount, SessionToken};
use crate::auth::extract::CurrentUser;
use crate::auth::models::{self, User};
use crate::auth::password;
use crate::db::{now, DbConnection, WriteTx};
use crate::error::{unique_as, ApiError};
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
        Some(p) => Some(password::hash_in_turn(p.expose().to_owned()).await?),
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
                let user = unique_as(
                    models::insert_user(
                        conn,
                        &account,
                        hash.as_deref(),
                        staff.map(|s| s.id.as_str()),
                    ),
                    taken,
                )?;
                let extra = then(conn, &user)?;
                if let Some(staff) = staff {
                    welcome(conn, &outbox, &public_url, &user, &staff.name)?;
                }
                Ok((user, extra))
            })
        })
        .await
}
