//! Brute-force throttling: failed sign-ins per account and per client address, and
//! password-reset requests per address, counted in windows (`domain::AttemptLimit`).
//!
//! The counters live in this process's memory: a restart forgets them, and several fieldlab
//! processes behind one address would each count on their own. That is enough to make
//! guessing slow (a handful of tries per window instead of thousands per second) without a
//! table written on every failed attempt; a shared store can replace `Counter` if fieldlab
//! ever runs as several processes.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::auth::domain::{AttemptLimit, Attempts};
use crate::config::AuthSettings;
use crate::error::ApiError;

/// Keys remembered per counter at most; past it, windows that are over are swept, then the
/// oldest key is forgotten, so a flood of distinct keys costs bounded memory.
const MAX_KEYS: usize = 100_000;

/// Attempts per key under one limit.
pub struct Counter {
    limit: AttemptLimit,
    keys: Mutex<HashMap<String, Attempts>>,
}

impl Counter {
    pub fn new(max: u32, window_seconds: u64) -> Self {
        Self {
            limit: AttemptLimit {
                max,
                window: Duration::from_secs(window_seconds.max(1)),
            },
            keys: Mutex::new(HashMap::new()),
        }
    }

    fn keys(&self) -> std::sync::MutexGuard<'_, HashMap<String, Attempts>> {
        // A panic while holding the lock leaves plain counters: still usable.
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// 429 `too_many_requests` with the seconds left if `key` has spent its attempts.
    pub fn check(&self, key: &str) -> Result<(), ApiError> {
        let keys = self.keys();
        match self.limit.wait(keys.get(key), Instant::now()) {
            Some(wait) => Err(ApiError::too_many_requests(seconds(wait))),
            None => Ok(()),
        }
    }

    /// Counts one attempt of `key`.
    pub fn record(&self, key: &str) {
        let now = Instant::now();
        let mut keys = self.keys();
        if keys.len() >= MAX_KEYS && !keys.contains_key(key) {
            keys.retain(|_, a| !self.limit.is_over(a, now));
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
        let attempts = self.limit.record(keys.get(key).copied(), now);
        keys.insert(key.to_owned(), attempts);
    }

    /// `check`, then counts this attempt if it is allowed.
    pub fn take(&self, key: &str) -> Result<(), ApiError> {
        self.check(key)?;
        self.record(key);
        Ok(())
    }

    /// Takes back one attempt of `key` (it succeeded).
    pub fn forgive(&self, key: &str) {
        let mut keys = self.keys();
        if let Some(attempts) = keys.get(key).copied() {
            keys.insert(key.to_owned(), self.limit.forgive(attempts));
        }
    }

    /// Forgets `key` (its owner proved who they are).
    pub fn clear(&self, key: &str) {
        self.keys().remove(key);
    }
}

/// Whole seconds, rounded up, so `Retry-After` never sends a client back too early.
fn seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// The server's counters, shared by its workers.
pub struct Throttles {
    pub login_account: Counter,
    pub login_client: Counter,
    pub reset_address: Counter,
}

impl Throttles {
    pub fn new(settings: &AuthSettings) -> Self {
        Self {
            login_account: Counter::new(
                settings.login_failures_per_account,
                settings.login_window_seconds,
            ),
            login_client: Counter::new(
                settings.login_failures_per_client,
                settings.login_window_seconds,
            ),
            reset_address: Counter::new(settings.resets_per_address, settings.reset_window_seconds),
        }
    }
}

/// The key of a client: its IP address as the socket sees it. `X-Forwarded-For` is not
/// trusted (anyone can send one); behind a reverse proxy every client shares the proxy's
/// address, which `login_failures_per_client` must then allow for.
pub fn client_key(peer: Option<IpAddr>) -> String {
    peer.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
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
    fn waits_round_up() {
        assert_eq!(seconds(Duration::from_millis(1500)), 2);
        assert_eq!(seconds(Duration::from_secs(3)), 3);
    }
}
