//! Password hashing with argon2id (the crate's defaults: 19 MiB, 2 passes), deliberately slow,
//! and the process-wide bound on how many hashes run at once: each one holds 19 MiB and a core,
//! so a burst of sign-ins waits its turn instead of exhausting memory.

use std::sync::{LazyLock, OnceLock};
use std::time::Duration;

use actix_web::web;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use tokio::sync::Semaphore;

use crate::error::ApiError;

pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
}

/// Checks a password against a stored hash. With no account (or no password set yet) it
/// still spends the same time on a dummy hash, so timing does not reveal which e-mails exist.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: LazyLock<String> =
        LazyLock::new(|| hash("fieldlab-dummy-password").unwrap_or_default());
    let (candidate, real) = match stored {
        Some(h) => (h, true),
        None => (DUMMY.as_str(), false),
    };
    let matches = PasswordHash::new(candidate)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false);
    real && matches
}

/// The turns for hashing: one per core by default. Cores belong to the process, not to one
/// server, so this is a process-wide value (set once at start-up).
struct Turns {
    permits: Semaphore,
    wait: Duration,
}

static TURNS: OnceLock<Turns> = OnceLock::new();
const DEFAULT_WAIT: Duration = Duration::from_secs(10);

fn turns() -> &'static Turns {
    TURNS.get_or_init(|| Turns::new(0, DEFAULT_WAIT))
}

impl Turns {
    fn new(concurrency: usize, wait: Duration) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let permits = if concurrency == 0 { cores } else { concurrency };
        Self {
            permits: Semaphore::new(permits),
            wait,
        }
    }
}

/// Sets how many hashes may run at once (0 = one per core) and how long a request waits for
/// its turn before 503. The first call wins: later servers in the same process (tests) share it.
pub fn limit_concurrency(concurrency: usize, wait: Duration) {
    let _ = TURNS.set(Turns::new(concurrency, wait));
}

/// Runs argon2 work on the blocking pool once a turn is free. Waiting longer than the set
/// bound answers 503 `unavailable` with `Retry-After`, having spent nothing.
async fn in_turn<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    in_turn_of(turns(), work).await
}

async fn in_turn_of<T: Send + 'static>(
    turns: &'static Turns,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    let busy = || ApiError::unavailable("Too many sign-ins at once; try again in a moment.");
    let permit = match tokio::time::timeout(turns.wait, turns.permits.acquire()).await {
        Ok(Ok(permit)) => permit,
        Ok(Err(_closed)) => return Err(busy()),
        Err(_elapsed) => {
            tracing::warn!("password hashing saturated: request turned away");
            return Err(busy().retry_after(1));
        }
    };
    // The permit goes with the work: a client that hangs up does not free a turn still in use.
    Ok(web::block(move || {
        let _permit = permit;
        work()
    })
    .await?)
}

/// `hash`, in turn.
pub async fn hash_in_turn(password: String) -> Result<String, ApiError> {
    in_turn(move || hash(&password))
        .await?
        .map_err(ApiError::internal)
}

/// `verify`, in turn.
pub async fn verify_in_turn(password: String, stored: Option<String>) -> Result<bool, ApiError> {
    in_turn(move || verify(&password, stored.as_deref())).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_password() {
        let h = hash("correct horse battery").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", Some(&h)));
        assert!(!verify("wrong horse battery", Some(&h)));
        assert!(!verify("correct horse battery", None));
    }

    #[actix_web::test]
    async fn work_waits_for_a_turn_and_a_long_wait_is_503() {
        let turns: &'static Turns = Box::leak(Box::new(Turns::new(1, Duration::from_millis(50))));
        let held = turns.permits.acquire().await.expect("permit");
        let refused = in_turn_of(turns, || 1).await.expect_err("no turn free");
        assert_eq!(refused.code(), "unavailable");
        drop(held);
        assert_eq!(in_turn_of(turns, || 2).await.ok(), Some(2));
        assert_eq!(turns.permits.available_permits(), 1, "the turn is given back");
    }
}
