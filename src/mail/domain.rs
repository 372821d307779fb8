//! Outbox rules: message states, which failures are worth retrying, and when; when a
//! backlog is worth a warning.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The longest wait between two attempts.
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = NotificationStatus)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pending,
    Sent,
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Sent => "sent",
            Status::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Status::Pending, Status::Sent, Status::Failed]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    Fr,
    En,
}

impl Locale {
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::Fr => "fr",
            Locale::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fr" => Some(Locale::Fr),
            "en" => Some(Locale::En),
            _ => None,
        }
    }
}

/// What a delivery attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// Worth trying again later: connection refused, timeout, SMTP 4xx.
    Transient(String),
    /// Will never work: SMTP 5xx, an invalid address.
    Permanent(String),
}

/// What to record after an attempt numbered `attempt` (1 for the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    RetryAfter(Duration, String),
    Failed(String),
}

/// The retry policy: `base` doubling per attempt, capped at an hour, `max_attempts` in all;
/// permanent refusals fail at once.
pub fn outcome(delivery: Delivery, attempt: i32, base: Duration, max_attempts: i32) -> Outcome {
    match delivery {
        Delivery::Sent => Outcome::Sent,
        Delivery::Permanent(e) => Outcome::Failed(e),
        Delivery::Transient(e) if attempt >= max_attempts => {
            Outcome::Failed(format!("gave up after {attempt} attempts: {e}"))
        }
        Delivery::Transient(e) => Outcome::RetryAfter(retry_delay(attempt, base), e),
    }
}

/// The wait after the `attempt`-th failure: base, 2×base, 4×base… at most an hour.
pub fn retry_delay(attempt: i32, base: Duration) -> Duration {
    let doublings = u32::try_from(attempt.saturating_sub(1))
        .unwrap_or(0)
        .min(30);
    base.saturating_mul(1u32 << doublings).min(MAX_RETRY_DELAY)
}

/// A change of the stall alarm, to be logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StallChange {
    /// The oldest pending message has just grown older than the threshold.
    Stalled,
    /// It has been delivered (or failed for good): the backlog is younger than the threshold.
    Recovered,
}

/// Raised once when the oldest pending message grows older than the threshold, cleared when
/// it is younger again (or nothing waits): one warning per stall, not one per check.
#[derive(Debug, Default)]
pub struct StallAlarm {
    raised: bool,
}

impl StallAlarm {
    /// `oldest_age`: how long the oldest pending message has waited, `None` when none does.
    pub fn observe(
        &mut self,
        oldest_age: Option<Duration>,
        threshold: Duration,
    ) -> Option<StallChange> {
        let stalled = oldest_age.is_some_and(|age| age > threshold);
        match (self.raised, stalled) {
            (false, true) => {
                self.raised = true;
                Some(StallChange::Stalled)
            }
            (true, false) => {
                self.raised = false;
                Some(StallChange::Recovered)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: Duration = Duration::from_secs(5);

    #[test]
    fn delays_double_and_cap_at_an_hour() {
        let delays: Vec<u64> = (1..=6).map(|a| retry_delay(a, BASE).as_secs()).collect();
        assert_eq!(delays, [5, 10, 20, 40, 80, 160]);
        assert_eq!(retry_delay(20, BASE), MAX_RETRY_DELAY);
        assert_eq!(retry_delay(1000, BASE), MAX_RETRY_DELAY);
    }

    #[test]
    fn transient_failures_retry_until_the_last_attempt() {
        let t = || Delivery::Transient("421 busy".into());
        assert_eq!(
            outcome(t(), 1, BASE, 3),
            Outcome::RetryAfter(BASE, "421 busy".into())
        );
        assert!(matches!(outcome(t(), 3, BASE, 3), Outcome::Failed(_)));
    }

    #[test]
    fn permanent_refusals_fail_at_once() {
        let o = outcome(Delivery::Permanent("550 no such user".into()), 1, BASE, 10);
        assert_eq!(o, Outcome::Failed("550 no such user".into()));
    }

    #[test]
    fn a_stall_is_reported_once_until_it_recovers() {
        let limit = Duration::from_secs(300);
        let age = |s| Some(Duration::from_secs(s));
        let mut alarm = StallAlarm::default();
        let changes: Vec<_> = [
            None,
            age(10),
            age(300),
            age(301),
            age(900),
            age(5),
            None,
            age(400),
            age(401),
        ]
        .into_iter()
        .map(|a| alarm.observe(a, limit))
        .collect();
        use StallChange::{Recovered, Stalled};
        assert_eq!(
            changes,
            [
                None,
                None,
                None,
                Some(Stalled),
                None,
                Some(Recovered),
                None,
                Some(Stalled),
                None
            ]
        );
        assert_eq!(alarm.observe(None, limit), Some(Recovered));
    }

    #[test]
    fn statuses_and_locales_round_trip() {
        for s in [Status::Pending, Status::Sent, Status::Failed] {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Locale::parse(" FR "), Some(Locale::Fr));
        assert_eq!(Locale::parse("de"), None);
    }
}
