//! Account e-mails: the welcome message for accounts staff create, and password resets. Both
//! carry a one-time link to choose a password (never the password itself). And the one path
//! that creates an account, which other domains reuse (a tutor is an account plus a profile).

use std::sync::Arc;

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

/// Who created an account, for its welcome e-mail (which links to choosing a password).
pub struct Welcome<'a> {
    pub outbox: &'a Outbox,
    pub public_url: &'a str,
    /// The creator's name as the e-mail gives it.
    pub sender: &'a str,
}

/// The one way an account comes to be, whoever creates it (sign-up, staff, CSV import, the
/// command line, the demo): a taken e-mail is 409 `email_taken`, whether seen first or caught by
/// the unique index under a race; the welcome e-mail, when there is one, is queued in the same
/// transaction as the account.
pub fn insert_account(
    tx: &mut WriteTx<'_>,
    account: &NewAccount,
    hash: Option<&str>,
    created_by: Option<&str>,
    welcome_by: Option<Welcome<'_>>,
) -> Result<User, ApiError> {
    let taken = || {
        ApiError::conflict(
            "email_taken",
            "An account already uses this e-mail address.",
        )
    };
    if models::email_exists(tx, account.email.as_str())? {
        return Err(taken());
    }
    let user = unique_as(models::insert_user(tx, account, hash, created_by), taken)?;
    if let Some(w) = welcome_by {
        welcome(tx, w.outbox, w.public_url, &user, w.sender)?;
    }
    Ok(user)
}

/// Hashes the password (off the async workers), then [`insert_account`], welcomed when staff
/// create it. `then` runs in the same transaction with the new user (e.g. to add a tutor's
/// profile): if it fails, nothing is created and no e-mail leaves.
pub async fn create_account<T, F>(
    state: &Arc<AppState>,
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
    state
        .write(move |tx, state| {
            let staff = created_by.as_ref();
            let welcome_by = staff.map(|s| Welcome {
                outbox: &state.outbox,
                public_url: &state.settings.server.public_url,
                sender: &s.name,
            });
            let user = insert_account(
                tx,
                &account,
                hash.as_deref(),
                staff.map(|s| s.id.as_str()),
                welcome_by,
            )?;
            let extra = then(tx, &user)?;
            Ok((user, extra))
        })
        .await
}
