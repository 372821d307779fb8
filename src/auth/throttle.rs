//! Brute-force throttling, never a lockout that a stranger can set off (OWASP's
//! authentication guidance): failed sign-ins slow down one account *from one client* with a
//! progressive delay (`domain::Backoff`), and each client address has a ceiling of failures
//! over every account it tries; password-reset requests are limited per mailbox and per
//! client address. The owner, from their own address, is never kept out by someone else's
//! guesses. Client addresses come from `client::ClientAddress` (behind a trusted proxy, the
//! address it reports).
//!
//! The counters live in this process's memory: a restart forgets them, and several fieldlab
//! processes would each count on their own. That is enough to make guessing slow (a handful of
//! tries, then minutes between tries, instead of thousands per second) without a table written
//! on every failed attempt; a shared store can replace `Counter` if fieldlab ever runs as
//! several processes.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub use crate::auth::domain::Rule;
use crate::auth::domain::{AttemptLimit, Attempts, Backoff};
use crate::config::AuthSettings;
use crate::error::ApiError;

/// Keys remembered per counter at most; past it, keys whose attempts no longer count are
/// swept, then the oldest key is forgotten, so a flood of distinct keys costs bounded memory.
const MAX_KEYS: usize = 100_000;

/// Attempts per key under one rule.
pub struct Counter<R> {
    rule: R,
    keys: Mutex<HashMap<String, Attempts>>,
}

impl Counter<AttemptLimit> {
    /// At most `max` attempts per key in `window_seconds` (0: no limit).
    pub fn new(max: u32, window_seconds: u64) -> Self {
        Self::with_rule(AttemptLimit {
            max,
            window: Duration::from_secs(window_seconds.max(1)),
        })
    }
}

impl<R: Rule> Counter<R> {
    pub fn with_rule(rule: R) -> Self {
        Self {
            rule,
            keys: Mutex::new(HashMap::new()),
        }
    }

    fn keys(&self) -> std::sync::MutexGuard<'_, HashMap<String, Attempts>> {
        // A panic while holding the lock leaves plain counters: still usable.
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// 429 `too_many_requests` with the seconds left if `key` may not try now.
    pub fn check(&self, key: &str) -> Result<(), ApiError> {
        let keys = self.keys();
        self.refusal(keys.get(key), Instant::now())
    }

    fn refusal(&self, attempts: Option<&Attempts>, now: Instant) -> Result<(), ApiError> {
        match self.rule.wait(attempts, now) {
            Some(wait) => Err(ApiError::too_many_requests(seconds(wait))),
            None => Ok(()),
        }
    }

    /// Counts one attempt of `key`.
    pub fn record(&self, key: &str) {
        let now = Instant::now();
        let mut keys = self.keys();
        self.record_in(&mut keys, key, now);
    }

    fn record_in(&self, keys: &mut HashMap<String, Attempts>, key: &str, now: Instant) {
        if keys.len() >= MAX_KEYS && !keys.contains_key(key) {
            keys.retain(|_, a| !self.rule.is_over(a, now));
            if keys.len() >= MAX_KEYS {
                let oldest = keys
                    .iter()
                    .min_by_key(|(_, a)| a.since())
                    .map(|(k, _)| k.clone());
                if let Some(oldest) = oldest {
                    keys.remove(&oldest);
                }
            }
        }
        let attempts = self.rule.record(keys.get(key).copied(), now);
        keys.insert(key.to_owned(), attempts);
    }

    /// `check`, then counts this attempt if it is allowed, in one step: parallel attempts
    /// cannot all pass the check before any is counted.
    pub fn take(&self, key: &str) -> Result<(), ApiError> {
        let now = Instant::now();
        let mut keys = self.keys();
        self.refusal(keys.get(key), now)?;
        self.record_in(&mut keys, key, now);
        Ok(())
    }

    /// Takes back one attempt of `key` (it succeeded, or was never made).
    pub fn forgive(&self, key: &str) {
        let mut keys = self.keys();
        if let Some(attempts) = keys.get(key).copied() {
            keys.insert(key.to_owned(), attempts.forgiven());
        }
    }

    /// Forgets `key` (its owner proved who they are).
    pub fn clear(&self, key: &str) {
        self.keys().remove(key);
    }
}

/// Takes an attempt of `a_key` from `a`, then of `b_key` from `b`; if `b` refuses, the
/// attempt taken from `a` is given back (no attempt was made).
pub fn take_both<A: Rule, B: Rule>(
    (a, a_key): (&Counter<A>, &str),
    (b, b_key): (&Counter<B>, &str),
) -> Result<(), ApiError> {
    a.take(a_key)?;
    b.take(b_key).inspect_err(|_| a.forgive(a_key))
}

/// Whole seconds, rounded up, so `Retry-After` never sends a client back too early.
fn seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// The server's counters, shared by its workers.
pub struct Throttles {
    /// Failed sign-ins of one account from one client: a progressive delay.
    pub login_account_client: Counter<Backoff>,
    /// Failed sign-ins from one client, whatever the accounts: a ceiling per window.
    pub login_client: Counter<AttemptLimit>,
    pub reset_address: Counter<AttemptLimit>,
    pub reset_client: Counter<AttemptLimit>,
}

impl Throttles {
    pub fn new(settings: &AuthSettings) -> Self {
        Self {
            login_account_client: Counter::with_rule(Backoff {
                free: settings.login_free_failures,
                first: Duration::from_secs(1),
                max: Duration::from_secs(settings.login_max_delay_seconds),
                memory: Duration::from_secs(settings.login_memory_seconds.max(1)),
            }),
            login_client: Counter::new(
                settings.login_failures_per_client,
                settings.login_window_seconds,
            ),
            reset_address: Counter::new(settings.resets_per_address, settings.reset_window_seconds),
            reset_client: Counter::new(settings.resets_per_client, settings.reset_window_seconds),
        }
    }
}

/// The key of one account (a normalised e-mail, known or not) tried from one client: an
/// address never holds a space, so the two cannot run into each other.
pub fn account_client_key(email: &str, client: IpAddr) -> String {
    format!("{client} {email}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_refused_once_its_attempts_are_spent_and_others_are_not() {
        let counter = Counter::new(2, 60);
        assert!(counter.take("a@x.fr").is_ok());
        assert!(counter.take("a@x.fr").is_ok());
        let refused = counter.take("a@x.fr").expect_err("third attempt");
        assert_eq!(refused.code(), "too_many_requests");
        assert!(counter.check("b@x.fr").is_ok());
        counter.clear("a@x.fr");
        assert!(counter.check("a@x.fr").is_ok());
    }

    #[test]
    fn memory_is_bounded() {
        let counter = Counter::new(1, 60);
        for i in 0..MAX_KEYS + 10 {
            counter.record(&format!("k{i}"));
        }
        assert!(counter.keys().len() <= MAX_KEYS);
        assert!(counter.check(&format!("k{}", MAX_KEYS + 9)).is_err());
    }

    #[test]
    fn one_account_from_one_client_is_slowed_not_others() {
        let counter = Counter::with_rule(Backoff {
            free: 2,
            first: Duration::from_secs(1),
            max: Duration::from_secs(900),
            memory: Duration::from_secs(3600),
        });
        let a: IpAddr = [192, 0, 2, 1].into();
        let b: IpAddr = [192, 0, 2, 2].into();
        let stranger = account_client_key("owner@x.fr", a);
        assert!(counter.take(&stranger).is_ok());
        assert!(counter.take(&stranger).is_ok());
        let refused = counter.take(&stranger).expect_err("delayed");
        assert_eq!(refused.code(), "too_many_requests");
        assert!(counter.take(&account_client_key("owner@x.fr", b)).is_ok());
        assert!(counter.take(&account_client_key("other@x.fr", a)).is_ok());
    }

    #[test]
    fn waits_round_up() {
        assert_eq!(seconds(Duration::from_millis(1500)), 2);
        assert_eq!(seconds(Duration::from_secs(3)), 3);
    }
}
