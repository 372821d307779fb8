//! Password hashing with argon2id (the crate's defaults: 19 MiB, 2 passes), deliberately slow,
//! and the process-wide bound on how many hashes run at once: each one holds 19 MiB and a core,
//! so a burst of sign-ins waits its turn instead of exhausting memory.

use std::sync::{LazyLock, Mutex, OnceLock};
use std::time::Duration;

use actix_web::web;
use argon2::password_hash::{rand_core::OsRng, Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::Semaphore;

use crate::error::ApiError;

pub fn hash(password: &str) -> anyhow::Result<String> {
    hash_with(password, &mut Vec::new())
}

/// Checks a password against a stored hash. With no account (or no password set yet) it
/// still spends the same time on a dummy hash, so timing does not reveal which e-mails exist.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    verify_with(password, stored, &mut Vec::new())
}

/// argon2 fills `memory` (19 MiB of blocks), grown once and then reused: the allocator keeps
/// freed buffers per thread, so allocating one per hash made memory grow with every new
/// blocking thread even with few hashes at a time.
fn run_argon2(
    argon: &Argon2<'_>,
    password: &str,
    salt: &[u8],
    out: &mut [u8],
    memory: &mut Vec<Block>,
) -> argon2::Result<()> {
    let blocks = argon.params().block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    argon.hash_password_into_with_memory(password.as_bytes(), salt, out, &mut memory[..blocks])
}

fn hash_with(password: &str, memory: &mut Vec<Block>) -> anyhow::Result<String> {
    let failed = |e: &dyn std::fmt::Display| anyhow::anyhow!("password hashing failed: {e}");
    let argon = Argon2::default();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_bytes)
        .map_err(|e| failed(&e))?;
    let length = argon
        .params()
        .output_len()
        .unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = Output::init_with(length, |out| {
        run_argon2(&argon, password, salt_bytes, out, memory).map_err(Into::into)
    })
    .map_err(|e| failed(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::default().ident(),
        version: Some(Version::default().into()),
        params: ParamsString::try_from(argon.params()).map_err(|e| failed(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// The hash checked when there is none to check: made once, with the parameters of every new
/// hash, so that it costs what a real account's costs.
static DUMMY: LazyLock<String> =
    LazyLock::new(|| hash("fieldlab-dummy-password").unwrap_or_default());

/// Makes the dummy hash now (at start-up), so the first unknown address to sign in does not
/// pay for it, which would show in its timing.
pub fn prepare() {
    LazyLock::force(&DUMMY);
}

fn verify_with(password: &str, stored: Option<&str>, memory: &mut Vec<Block>) -> bool {
    let (candidate, real) = match stored {
        Some(h) => (h, true),
        None => (DUMMY.as_str(), false),
    };
    let mut matches = || -> Option<bool> {
        let parsed = PasswordHash::new(candidate).ok()?;
        let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
        let version = match parsed.version {
            Some(v) => Version::try_from(v).ok()?,
            None => Version::default(),
        };
        let params = Params::try_from(&parsed).ok()?;
        let expected = parsed.hash?;
        let mut salt = [0u8; 64];
        let salt = parsed.salt?.decode_b64(&mut salt).ok()?;
        let argon = Argon2::new(algorithm, version, params);
        let mut out = vec![0u8; expected.len()];
        run_argon2(&argon, password, salt, &mut out, memory).ok()?;
        // Output's equality is constant-time.
        Some(Output::new(&out).ok()? == expected)
    };
    // argon2 runs whether or not the account is real: `real && matches()` skipped it for an
    // unknown address, which then answered ten times faster than a wrong password.
    let matched = matches().unwrap_or(false);
    real && matched
}

/// The turns for hashing: one per core by default. Cores belong to the process, not to one
/// server, so this is a process-wide value (set once at start-up).
struct Turns {
    permits: Semaphore,
    wait: Duration,
    /// argon2's working memory, one buffer per turn in use, kept for the next.
    memory: Mutex<Vec<Vec<Block>>>,
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
            memory: Mutex::new(Vec::new()),
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
    work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
) -> Result<T, ApiError> {
    in_turn_of(turns(), work).await
}

async fn in_turn_of<T: Send + 'static>(
    turns: &'static Turns,
    work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
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
        let pool = || turns.memory.lock().unwrap_or_else(|e| e.into_inner());
        let mut memory = pool().pop().unwrap_or_default();
        let result = work(&mut memory);
        pool().push(memory);
        result
    })
    .await?)
}

/// `hash`, in turn.
pub async fn hash_in_turn(password: String) -> Result<String, ApiError> {
    in_turn(move |memory| hash_with(&password, memory))
        .await?
        .map_err(ApiError::internal)
}

/// `verify`, in turn.
pub async fn verify_in_turn(password: String, stored: Option<String>) -> Result<bool, ApiError> {
    in_turn(move |memory| verify_with(&password, stored.as_deref(), memory)).await
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
        // One buffer serves hash after hash, and hashes from argon2's own API still verify.
        let mut memory = Vec::new();
        let again = hash_with("correct horse battery", &mut memory).expect("hash");
        assert!(verify_with(
            "correct horse battery",
            Some(&again),
            &mut memory
        ));
        assert!(!verify_with(
            "correct horse batterz",
            Some(&again),
            &mut memory
        ));
        use argon2::password_hash::PasswordHasher;
        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default()
            .hash_password(b"correct horse battery", &salt)
            .expect("hash")
            .to_string();
        assert!(verify_with(
            "correct horse battery",
            Some(&theirs),
            &mut memory
        ));
        assert!(verify("correct horse battery", Some(&theirs)));
    }

    #[actix_web::test]
    async fn work_waits_for_a_turn_and_a_long_wait_is_503() {
        let turns: &'static Turns = Box::leak(Box::new(Turns::new(1, Duration::from_millis(50))));
        let held = turns.permits.acquire().await.expect("permit");
        let refused = in_turn_of(turns, |_| 1).await.expect_err("no turn free");
        assert_eq!(refused.code(), "unavailable");
        drop(held);
        assert_eq!(in_turn_of(turns, |_| 2).await.ok(), Some(2));
        assert_eq!(
            turns.permits.available_permits(),
            1,
            "the turn is given back"
        );
    }
}
