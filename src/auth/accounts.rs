//! Account e-mails: the welcome message for accounts staff create, and password resets. Both
//! carry a one-time link to choose a password (never the password itself). And the one path
//! that creates an account, which other domains reuse (a tutor is an account plus a profile).

use crate::auth::views::{ImportLineError, ImportReport};
use crate::db;
use std::net::IpAddr;
use std::sync::Arc;

use chrono::{Duration, NaiveDateTime};
use serde::Serialize;

use crate::app::AppState;
use crate::auth::domain::{token_hash, NewAccount, Password, PersonName, SessionToken};
use crate::auth::extract::CurrentUser;
use crate::auth::models::{self, User};
use crate::auth::password;
use crate::auth::throttle::{self, Throttles};
use crate::db::{now, DbConnection, WriteTx};
use crate::error::{unique_as, ApiError, FieldError};
use crate::mail::{Email, Outbox};
use crate::text::normalise_email;

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

/// A session just opened by [`sign_in`]: the token to hand out once, its expiry, its user.
pub struct SignedIn {
    pub token: SessionToken,
    pub expires_at: NaiveDateTime,
    pub user: User,
}

/// Checks an e-mail and password and opens a session: the API's bearer token and the web
/// pages' cookie alike. A wrong e-mail or password is the same 401 `invalid_credentials`, in
/// the same time (argon2 runs for an unknown address too) and through the same counters.
/// Failures slow down this account from this client, progressively, and count towards the
/// client's ceiling (429 `too_many_requests` with `Retry-After`); the owner signing in from
/// elsewhere is not slowed by them.
pub async fn sign_in(
    state: &Arc<AppState>,
    throttles: &Throttles,
    client: IpAddr,
    email: &str,
    plain: String,
) -> Result<SignedIn, ApiError> {
    let email = normalise_email(email);
    let pair = throttle::account_client_key(&email, client);
    let client = client.to_string();
    // Counted before the check of the password, so parallel guesses cannot slip past the
    // limits; a success takes its attempt back.
    throttle::take_both(
        (&throttles.login_client, &client),
        (&throttles.login_account_client, &pair),
    )?;
    let lookup = email.clone();
    let user = state
        .db(move |conn| Ok(models::find_user_by_email(conn, &lookup)?))
        .await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    // argon2 is slow on purpose: off the async workers, a bounded number at a time.
    let valid = match password::verify_in_turn(plain, stored).await {
        Ok(valid) => valid,
        Err(busy) => {
            // Not an attempt: the password was never checked.
            throttles.login_account_client.forgive(&pair);
            throttles.login_client.forgive(&client);
            return Err(busy);
        }
    };
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
    throttles.login_account_client.clear(&pair);
    throttles.login_client.forgive(&client);
    open_session(state, user).await
}

/// Opens a session for `user`: after signing in, and right after someone proved who they are
/// otherwise (registering, choosing a password from an e-mailed link), so they are not asked
/// to sign in again.
pub async fn open_session(state: &Arc<AppState>, user: User) -> Result<SignedIn, ApiError> {
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

/// Chooses a password with the one-time token of a welcome or reset link and signs out every
/// session of the account. 422 `invalid_token` for a link unknown, used or expired;
/// `weak_password` as at registration (the account's own address included).
pub async fn set_password(
    state: &Arc<AppState>,
    token: &str,
    plain: &str,
) -> Result<User, ApiError> {
    let new_password = Password::parse(plain).map_err(|e| ApiError::validation(vec![e]))?;
    let hash = password::hash_in_turn(new_password.expose().to_owned()).await?;
    let lookup = token_hash(token.trim());
    state
        .write(move |tx, _| {
            let user = models::user_for_password_token(tx, &lookup)?.ok_or_else(invalid_token)?;
            new_password
                .not_the_email(&user.email)
                .map_err(|e| ApiError::validation(vec![e]))?;
            // The database decides who used the link: of two requests racing with it, the
            // second deletes nothing (it waits for the first's row lock on PostgreSQL).
            if models::take_password_token(tx, &lookup)? == 0 {
                return Err(invalid_token());
            }
            models::replace_password(tx, &user.id, &hash)?;
            Ok(user)
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

/// Queues a link to choose a new password if `email` has an account: the same outcome either
/// way, so that the caller learns nothing. Throttled per address, account or not (the links
/// reach the owner, so a stranger's requests keep nobody out), and per client address.
pub async fn request_password_reset(
    state: &Arc<AppState>,
    throttles: &Throttles,
    client: IpAddr,
    email: &str,
) -> Result<(), ApiError> {
    let email = normalise_email(email);
    let client = client.to_string();
    throttle::take_both(
        (&throttles.reset_client, &client),
        (&throttles.reset_address, &email),
    )?;
    state
        .write(move |tx, state| {
            if let Some(user) = models::find_user_by_email(tx, &email)? {
                password_reset(tx, &state.outbox, &state.settings.server.public_url, &user)?;
            }
            Ok(())
        })
        .await
}

/// A user changes the name others see (the sign-up rule for names).
pub async fn rename(state: &Arc<AppState>, user_id: &str, name: &str) -> Result<(), ApiError> {
    let name = PersonName::parse(name)
        .map_err(|m| ApiError::validation(vec![FieldError::new("name", m)]))?;
    let user_id = user_id.to_owned();
    state
        .write(move |tx, _| Ok(models::rename(tx, &user_id, name.as_str())?))
        .await
}

/// A signed-in user changes their password, proving the current one first (401
/// `invalid_credentials` otherwise). Like a reset link, it signs out every session.
pub async fn change_password(
    state: &Arc<AppState>,
    user: &CurrentUser,
    current: String,
    new: &str,
) -> Result<(), ApiError> {
    let new_password = Password::parse(new).map_err(|e| ApiError::validation(vec![e]))?;
    new_password
        .not_the_email(&user.email)
        .map_err(|e| ApiError::validation(vec![e]))?;
    let user_id = user.id.clone();
    let stored = state
        .db(move |conn| Ok(models::find_user(conn, &user_id)?.password_hash))
        .await?;
    if !password::verify_in_turn(current, stored).await? {
        return Err(ApiError::validation(vec![FieldError::new(
            "current_password",
            "is not your current password",
        )]));
    }
    let hash = password::hash_in_turn(new_password.expose().to_owned()).await?;
    let user_id = user.id.clone();
    state
        .write(move |tx, _| Ok(models::replace_password(tx, &user_id, &hash)?))
        .await
}

/// Create the accounts of an import (staff). One transaction for the file, one savepoint per line: a line that fails leaves nothing,
/// neither the account nor its welcome e-mail.
pub fn import(
    conn: &mut DbConnection,
    outbox: &Outbox,
    public_url: &str,
    parsed: crate::auth::import::ParsedImport,
    staff: &CurrentUser,
) -> Result<ImportReport, ApiError> {
    let mut report = ImportReport {
        errors: parsed.errors,
        ..ImportReport::default()
    };
    db::write_transaction(conn, |conn| {
        for (line, account) in &parsed.accounts {
            if models::email_exists(conn, account.email.as_str())? {
                report.skipped += 1;
                continue;
            }
            let welcome_by = Welcome {
                outbox,
                public_url,
                sender: &staff.name,
            };
            let created = conn.savepoint::<_, ApiError, _>(|conn| {
                insert_account(conn, account, None, Some(&staff.id), Some(welcome_by))
            });
            match created {
                Ok(_) => report.created += 1,
                Err(e) => report.errors.push(ImportLineError {
                    line: *line,
                    message: format!("not created: {e}"),
                    problem: crate::auth::import::LineProblem::NotCreated,
                }),
            }
        }
        Ok(())
    })?;
    report.errors.sort_by_key(|e| e.line);
    Ok(report)
}
