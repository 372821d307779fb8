//! Account rules, parsed once at the edge: roles, e-mail addresses, passwords, names, and the
//! bearer tokens. Nothing here touches the database.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::error::FieldError;
use crate::text::normalise_email;

pub const MIN_PASSWORD_CHARS: usize = 10;
/// Every demo account's password (`fieldlab seed-demo`), so the demo can be tried at once.
pub const DEMO_PASSWORD: &str = "fieldlab-demo";
const MAX_PASSWORD_CHARS: usize = 256;
const MAX_NAME_CHARS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Staff,
    Tutor,
    Founder,
    Student,
    Company,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Staff,
        Role::Tutor,
        Role::Founder,
        Role::Student,
        Role::Company,
    ];
    /// The roles anyone may give themselves by registering.
    pub const SELF_SERVICE: [Role; 2] = [Role::Founder, Role::Company];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::Tutor => "tutor",
            Role::Founder => "founder",
            Role::Student => "student",
            Role::Company => "company",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| format!("`{s}` is not a role: use {}", role_list(&Role::ALL)))
    }
}

fn role_list(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// An e-mail address, trimmed and lower-cased so that one mailbox is one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let normalised = normalise_email(raw);
        if normalised.is_empty() {
            return Err("is required".into());
        }
        let valid = email_address::EmailAddress::from_str(&normalised).is_ok()
            && normalised
                .split_once('@')
                .is_some_and(|(_, domain)| !domain.is_empty() && !domain.starts_with('['));
        if !valid || normalised.chars().count() > 254 {
            return Err(format!("`{}` is not a valid e-mail address", raw.trim()));
        }
        Ok(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The contract's code for a password that is long enough but trivially guessed.
pub const WEAK_PASSWORD: &str = "weak_password";

/// A few hundred of the commonest passwords (lower case, one a line).
static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// A password good enough to keep: at least ten characters, not all one character, not among
/// the commonest passwords, and (checked against its account by `not_the_email`) not the
/// account's e-mail address.
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let error = |message: String| FieldError::new("password", message);
        let weak = |message: &str| FieldError::new("password", message).with_code(WEAK_PASSWORD);
        let chars = raw.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(error(format!(
                "must be at least {MIN_PASSWORD_CHARS} characters long"
            )));
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(error(format!(
                "must be at most {MAX_PASSWORD_CHARS} characters long"
            )));
        }
        let mut all = raw.chars();
        let first = all.next();
        if all.all(|c| Some(c) == first) {
            return Err(weak("must not be one character repeated"));
        }
        if COMMON_PASSWORDS.contains(raw.trim().to_lowercase().as_str()) {
            return Err(weak(
                "is among the most common passwords: choose one nobody would guess",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// Refuses the account's own e-mail address (ignoring case) as its password.
    pub fn not_the_email(&self, email: &str) -> Result<(), FieldError> {
        if normalise_email(&self.0) == normalise_email(email) {
            return Err(
                FieldError::new("password", "must not be the e-mail address")
                    .with_code(WEAK_PASSWORD),
            );
        }
        Ok(())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

// Never printed, even by `{:?}` in a log line.
impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A person's or organisation's display name: trimmed, not empty, not a novel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("is required".into());
        }
        if trimmed.chars().count() > MAX_NAME_CHARS {
            return Err(format!("must be at most {MAX_NAME_CHARS} characters long"));
        }
        if trimmed.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A validated request to create an account.
#[derive(Debug)]
pub struct NewAccount {
    pub email: Email,
    pub name: PersonName,
    pub role: Role,
    /// `None`: the account is created by staff and its owner chooses a password later.
    pub password: Option<Password>,
}

impl NewAccount {
    /// Parses every field and reports all the bad ones at once. `allowed` limits the roles.
    pub fn parse(
        email: &str,
        name: &str,
        role: &str,
        password: Option<&str>,
        allowed: &[Role],
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let raw_email = email;
        let email = Email::parse(email).map_err(|m| errors.push(FieldError::new("email", m)));
        let name = PersonName::parse(name).map_err(|m| errors.push(FieldError::new("name", m)));
        let role = parse_role(role, allowed).map_err(|m| errors.push(FieldError::new("role", m)));
        let password = password
            .map(|p| {
                let p = Password::parse(p)?;
                p.not_the_email(raw_email)?;
                Ok(p)
            })
            .transpose()
            .map_err(|e| errors.push(e));
        match (email, name, role, password) {
            (Ok(email), Ok(name), Ok(role), Ok(password)) => Ok(Self {
                email,
                name,
                role,
                password,
            }),
            _ => Err(errors),
        }
    }
}

fn parse_role(raw: &str, allowed: &[Role]) -> Result<Role, String> {
    if raw.trim().is_empty() {
        return Err("is required".into());
    }
    let role: Role = raw.parse()?;
    if allowed.contains(&role) {
        Ok(role)
    } else {
        Err(format!("must be one of {}", role_list(allowed)))
    }
}

/// A bearer token: 256 random bits shown once to its owner; only its SHA-256 is stored.
pub struct SessionToken {
    pub plain: String,
    pub hash: String,
}

impl SessionToken {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let plain = hex::encode(bytes);
        let hash = token_hash(&plain);
        Self { plain, hash }
    }
}

pub fn token_hash(plain: &str) -> String {
    hex::encode(Sha256::digest(plain.as_bytes()))
}

/// The attempts one key (an account from a client, a client address, a mailbox) made in its
/// current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempts {
    count: u32,
    since: Instant,
    last: Instant,
}

impl Attempts {
    fn first(now: Instant) -> Self {
        Self {
            count: 1,
            since: now,
            last: now,
        }
    }

    fn and_one(self, now: Instant) -> Self {
        Self {
            count: self.count.saturating_add(1),
            last: now,
            ..self
        }
    }

    /// When the key's window opened.
    pub fn since(&self) -> Instant {
        self.since
    }

    /// With one attempt taken back (it turned out well, or was never made).
    pub fn forgiven(self) -> Self {
        Self {
            count: self.count.saturating_sub(1),
            ..self
        }
    }
}

/// The progressive delay OWASP's authentication guidance puts in place of a lockout, for the
/// failed sign-ins of one account from one client: the first `free` cost nothing, then each
/// further attempt waits `first`, doubled with every failure, at most `max`, after the last
/// one. A stranger elsewhere slows only themselves. Failures are forgotten `memory` after the
/// last one. `max` 0: no delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub free: u32,
    pub first: Duration,
    pub max: Duration,
    pub memory: Duration,
}

/// How a throttle counter decides: a fixed window (`AttemptLimit`) or a progressive delay
/// (`Backoff`).
pub trait Rule {
    /// How long the key must still wait, if it may not try now.
    fn wait(&self, attempts: Option<&Attempts>, now: Instant) -> Option<Duration>;

    /// Whether these attempts no longer count.
    fn is_over(&self, attempts: &Attempts, now: Instant) -> bool;

    /// The key's attempts with one more at `now` (from none if the last ones no longer count).
    fn record(&self, attempts: Option<Attempts>, now: Instant) -> Attempts {
        match attempts {
            Some(a) if !self.is_over(&a, now) => a.and_one(now),
            _ => Attempts::first(now),
        }
    }
}

impl Rule for Backoff {
    /// How long the key must still wait before its next attempt.
    fn wait(&self, attempts: Option<&Attempts>, now: Instant) -> Option<Duration> {
        let attempts = attempts?;
        if self.max.is_zero() || attempts.count < self.free || self.is_over(attempts, now) {
            return None;
        }
        let doublings = (attempts.count - self.free).min(30);
        let delay = self.first.saturating_mul(1 << doublings).min(self.max);
        let ends = attempts.last + delay;
        (now < ends).then(|| ends - now)
    }

    /// Whether these failures are forgotten.
    fn is_over(&self, attempts: &Attempts, now: Instant) -> bool {
        now >= attempts.last + self.memory
    }
}

/// At most `max` attempts per key in a window of `window` that opens at the key's first
/// attempt; once spent, the key waits for its window to end. `max` 0: no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptLimit {
    pub max: u32,
    pub window: Duration,
}

impl Rule for AttemptLimit {
    /// How long the key must still wait, if it has spent its attempts.
    fn wait(&self, attempts: Option<&Attempts>, now: Instant) -> Option<Duration> {
        let attempts = attempts?;
        let ends = attempts.since + self.window;
        (self.max > 0 && attempts.count >= self.max && now < ends).then(|| ends - now)
    }

    /// Whether these attempts no longer count (their window has ended).
    fn is_over(&self, attempts: &Attempts, now: Instant) -> bool {
        now >= attempts.since + self.window
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised() {
        let e = Email::parse("  Alice.Martin@IMT-Mines-Ales.FR ").expect("valid");
        assert_eq!(e.as_str(), "alice.martin@imt-mines-ales.fr");
    }

    #[test]
    fn bad_emails_are_refused() {
        for raw in ["", "   ", "alice", "alice@", "@ales.fr", "a b@ales.fr"] {
            assert!(Email::parse(raw).is_err(), "{raw:?} should be refused");
        }
    }

    #[test]
    fn passwords_need_ten_characters() {
        assert!(Password::parse("12345678x").is_err());
        assert!(Password::parse("12345678xy").is_ok());
        // Characters, not bytes: ten accented letters are enough.
        assert!(Password::parse("éèéèéèéèéè").is_ok());
        assert_eq!(
            format!("{:?}", Password::parse("12345678xy").ok()),
            "Some(Password(***))"
        );
        let Err(short) = Password::parse("short") else {
            panic!("too short")
        };
        assert_eq!((short.field.as_str(), short.code), ("password", None));
    }

    #[test]
    fn guessable_passwords_are_weak() {
        for raw in [
            "aaaaaaaaaaaa",
            "éééééééééé",
            "1234567890",
            "Password123",
            "AZERTYUIOP",
            "motdepasse",
            "qwertyuiop",
        ] {
            let error = Password::parse(raw)
                .err()
                .unwrap_or_else(|| panic!("{raw}"));
            assert_eq!(error.code, Some(WEAK_PASSWORD), "{raw}");
        }
        assert!(COMMON_PASSWORDS.len() > 300);
        assert!(COMMON_PASSWORDS.iter().all(|p| *p == p.to_lowercase()));
    }

    #[test]
    fn the_email_is_not_a_password() {
        let password = Password::parse("Claire.Dupont@Ales.fr").expect("long enough");
        let error = password
            .not_the_email("claire.dupont@ales.fr")
            .expect_err("same address");
        assert_eq!(error.code, Some(WEAK_PASSWORD));
        assert!(password.not_the_email("other@ales.fr").is_ok());
        let err = NewAccount::parse(
            "claire.dupont@ales.fr",
            "Claire",
            "founder",
            Some("CLAIRE.DUPONT@ALES.FR"),
            &Role::ALL,
        )
        .expect_err("weak");
        assert_eq!(err[0].code, Some(WEAK_PASSWORD));
    }

    #[test]
    fn attempts_are_limited_per_window() {
        let limit = AttemptLimit {
            max: 2,
            window: Duration::from_secs(60),
        };
        let t0 = Instant::now();
        let one = limit.record(None, t0);
        assert_eq!(limit.wait(Some(&one), t0), None);
        let two = limit.record(Some(one), t0 + Duration::from_secs(10));
        assert_eq!(
            limit.wait(Some(&two), t0 + Duration::from_secs(20)),
            Some(Duration::from_secs(40))
        );
        // The window ends: the key starts afresh.
        let later = t0 + Duration::from_secs(61);
        assert!(limit.is_over(&two, later));
        assert_eq!(limit.wait(Some(&two), later), None);
        assert_eq!(limit.record(Some(two), later).count, 1);
        assert_eq!(limit.wait(Some(&two.forgiven()), t0), None);
        let unlimited = AttemptLimit { max: 0, ..limit };
        assert_eq!(unlimited.wait(Some(&two), t0), None);
    }

    #[test]
    fn failures_past_the_free_ones_wait_longer_and_longer() {
        let backoff = Backoff {
            free: 3,
            first: Duration::from_secs(1),
            max: Duration::from_secs(60),
            memory: Duration::from_secs(3600),
        };
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let mut failures = None;
        for s in 0..3 {
            assert_eq!(backoff.wait(failures.as_ref(), at(s)), None, "free {s}");
            failures = Some(backoff.record(failures, at(s)));
        }
        // Three failures: the next attempt waits 1 s after the last, then 2, 4, 8 …
        assert_eq!(
            backoff.wait(failures.as_ref(), at(2)),
            Some(Duration::from_secs(1))
        );
        assert_eq!(backoff.wait(failures.as_ref(), at(3)), None);
        failures = Some(backoff.record(failures, at(3)));
        assert_eq!(
            backoff.wait(failures.as_ref(), at(3)),
            Some(Duration::from_secs(2))
        );
        for s in 4..40 {
            failures = Some(backoff.record(failures, at(s)));
        }
        // … never more than `max`.
        assert_eq!(
            backoff.wait(failures.as_ref(), at(39)),
            Some(Duration::from_secs(60))
        );
        // Forgotten an hour after the last failure.
        let later = at(39 + 3600);
        assert_eq!(backoff.wait(failures.as_ref(), later), None);
        assert_eq!(backoff.record(failures, later).count, 1);
        let off = Backoff {
            max: Duration::ZERO,
            ..backoff
        };
        assert_eq!(off.wait(failures.as_ref(), at(39)), None);
    }

    #[test]
    fn registration_roles_are_limited() {
        let err = NewAccount::parse(
            "a@b.fr",
            "A",
            "staff",
            Some("longenough!"),
            &Role::SELF_SERVICE,
        )
        .expect_err("staff cannot self-register");
        assert_eq!(
            err,
            vec![FieldError::new("role", "must be one of founder, company")]
        );
        assert!(NewAccount::parse(
            "a@b.fr",
            "A",
            "company",
            Some("longenough!"),
            &Role::SELF_SERVICE
        )
        .is_ok());
    }

    #[test]
    fn every_bad_field_is_reported() {
        let err = NewAccount::parse("nope", " ", "wizard", Some("short"), &Role::ALL)
            .expect_err("all invalid");
        let fields: Vec<_> = err.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "name", "role", "password"]);
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = SessionToken::generate();
        let b = SessionToken::generate();
        assert_ne!(a.plain, b.plain);
        assert_eq!(a.plain.len(), 64);
        assert_eq!(token_hash(&a.plain), a.hash);
        assert_ne!(a.plain, a.hash);
    }
}
