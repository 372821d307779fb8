//! Settings: `config/default.toml` (compiled in, so the binary runs from any folder), then an
//! optional `--config FILE`, then `FIELDLAB__SECTION__KEY` environment variables.

use std::path::Path;

use config::{Config, Environment, File, FileFormat};
use serde::Deserialize;

const DEFAULTS: &str = include_str!("../config/default.toml");

#[derive(Clone, Deserialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub log: LogSettings,
    pub mail: MailSettings,
    pub incubator: IncubatorSettings,
    pub agreements: AgreementSettings,
    pub internship: InternshipSettings,
    pub jobs: JobSettings,
    pub service: ServiceSettings,
}

#[derive(Clone, Deserialize)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    pub workers: usize,
    pub max_body_bytes: usize,
    pub public_url: String,
    /// Origins whose browser pages may call the API (`https://app.example.fr`); empty: same
    /// origin only. A TOML list, or one comma-separated string (handy in an env variable).
    #[serde(deserialize_with = "origins")]
    pub cors_origins: Vec<String>,
    /// Reverse proxies (addresses or CIDR networks) whose `client_address_header` tells the
    /// client's address; empty: every client is the socket's peer. A list or one string.
    #[serde(deserialize_with = "list")]
    pub trusted_proxies: Vec<String>,
    /// `X-Forwarded-For` or `Forwarded`: the header those proxies write.
    pub client_address_header: String,
}

fn origins<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(list(d)?
        .into_iter()
        .map(|o| o.trim_end_matches('/').to_owned())
        .filter(|o| !o.is_empty())
        .collect())
}

/// A TOML list, or one comma-separated string (handy in an environment variable).
fn list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum List {
        List(Vec<String>),
        Text(String),
    }
    let list = match List::deserialize(d)? {
        List::List(list) => list,
        List::Text(text) => text.split(',').map(str::to_owned).collect(),
    };
    Ok(list
        .into_iter()
        .map(|o| o.trim().to_owned())
        .filter(|o| !o.is_empty())
        .collect())
}

#[derive(Clone, Deserialize)]
pub struct DatabaseSettings {
    /// May hold a password: log it only through `DatabaseUrl::redacted`.
    pub url: String,
    pub pool_size: u32,
    pub pool_timeout_seconds: u64,
}

#[derive(Clone, Deserialize)]
pub struct AuthSettings {
    pub token_hours: i64,
    /// Failed sign-ins of one account from one client address that cost nothing; each further
    /// one waits twice as long as the last (from 1 s, at most `login_max_delay_seconds`, 0: no
    /// delay); they are forgotten `login_memory_seconds` after the last.
    pub login_free_failures: u32,
    pub login_max_delay_seconds: u64,
    pub login_memory_seconds: u64,
    /// Failed sign-ins allowed per client address (any accounts) in `login_window_seconds`.
    pub login_failures_per_client: u32,
    pub login_window_seconds: u64,
    /// Password-reset requests allowed per e-mail address, and per client address, in
    /// `reset_window_seconds`.
    pub resets_per_address: u32,
    pub resets_per_client: u32,
    pub reset_window_seconds: u64,
    /// argon2 hashes computed at once (0: one per core), and how long a request waits for a turn.
    pub hash_concurrency: usize,
    pub hash_wait_seconds: u64,
}

#[derive(Clone, Deserialize, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Deserialize)]
pub struct LogSettings {
    pub format: LogFormat,
    pub level: String,
}

#[derive(Clone, Copy, Deserialize, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    File,
    Smtp,
    Log,
}

#[derive(Clone, Copy, Deserialize, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
pub enum MailTls {
    None,
    Starttls,
    Tls,
}

#[derive(Clone, Deserialize)]
pub struct MailSettings {
    pub transport: MailTransport,
    pub dir: String,
    /// The school's name, in every e-mail's signature and footer.
    pub organisation: String,
    pub from: String,
    /// Empty: no Reply-To header, replies go to `from`.
    pub reply_to: String,
    pub locale: String,
    pub host: String,
    pub port: u16,
    pub tls: MailTls,
    pub username: String,
    /// Never logged.
    pub password: String,
    pub retry_base_seconds: u64,
    pub max_attempts: i32,
    /// Bound on each SMTP step: connecting (with the greeting and EHLO), each command, the data.
    pub timeout_seconds: u64,
    /// A warning is logged when the oldest pending message has waited longer than this.
    pub stall_warning_seconds: u64,
    /// How long a claimed message is reserved for its worker (renewed while it is sent): a
    /// message claimed by a process that died is sent again after it (plus the worker's 2 s
    /// poll), so the contract's "within 60 s" holds up to 55.
    pub claim_lease_seconds: u64,
    /// Staff are e-mailed each new application (and each new problem).
    pub staff_notices: bool,
    /// Days a sent message keeps its bodies and attachments; then the scheduled clean-up
    /// clears them (the row stays: recipient, subject, status, dates). 0: kept for ever.
    pub body_retention_days: u32,
}

#[derive(Clone, Deserialize)]
pub struct IncubatorSettings {
    pub capacity: i64,
    pub months: u32,
}

/// Agreements (conventions): their clauses, their reminders and who signs for the school.
#[derive(Debug, Clone, Deserialize)]
pub struct AgreementSettings {
    /// A file of clauses (minijinja text) for the French PDF; empty: the clauses shipped.
    pub template: String,
    /// The same for agreements in English.
    pub template_en: String,
    /// Days between reminders to signatories who have not signed yet.
    pub reminder_days: u32,
    /// The e-mail of the staff account that signs for the school; empty: the first staff account.
    pub school_signatory: String,
    /// The validation steps each kind goes through before it is sent, in order:
    /// `pedagogical` (the academic tutor, or staff) then `administrative` (the office, which
    /// validates by sending).
    pub validation: ValidationSettings,
    /// Who signs each kind, in stages (each a list of parties): a stage is asked once the
    /// previous one has signed.
    pub signers: SignerSettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SignerSettings {
    pub field_mission: Vec<Vec<String>>,
    pub internship: Vec<Vec<String>>,
    pub research: Vec<Vec<String>>,
}

/// The steps of each kind (`agreements.validation`).
#[derive(Debug, Clone, Deserialize)]
pub struct ValidationSettings {
    pub field_mission: Vec<String>,
    pub internship: Vec<String>,
    pub research: Vec<String>,
}

/// Internships (conventions de stage): the figures the law sets that change every year.
#[derive(Debug, Clone, Deserialize)]
pub struct InternshipSettings {
    /// The legal minimum hourly gratification, one row per calendar year (L124-6, D124-8).
    pub minimum_gratification: Vec<MinimumGratification>,
    /// Days between reminders to a company supervisor who has not evaluated their intern (at
    /// most three reminders, then staff are warned).
    pub evaluation_reminder_days: u32,
}

/// One year's minimum hourly gratification: 15 % of that year's social-security hourly ceiling.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MinimumGratification {
    pub year: i32,
    /// The plafond horaire de la sécurité sociale of that year, in whole euros.
    pub ceiling: u32,
    /// The minimum per hour of presence, in cents of euro.
    pub cents: u32,
    /// Where the ceiling was read (the arrêté or the official notice).
    pub source: String,
}

/// The service endpoints.
#[derive(Clone, Deserialize)]
pub struct ServiceSettings {
    /// The bearer token `/metrics` asks for; empty: no token, only this machine's own
    /// callers (never a request relayed by a proxy).
    pub metrics_token: String,
}

/// Scheduled work (reminders, warnings, evaluation requests), stored in the database.
#[derive(Debug, Clone, Deserialize)]
pub struct JobSettings {
    /// How often each instance looks for jobs that fell due.
    pub poll_seconds: u64,
    /// Minutes between two runs of the clean-up (expired sessions and password links, old
    /// e-mail bodies, old finished jobs).
    pub cleanup_interval_minutes: u32,
    /// Days a finished (done) job is kept; then the clean-up deletes it. 0: kept for ever.
    pub done_retention_days: u32,
}

impl Settings {
    /// Loads the layers in order; a later layer overrides an earlier one key by key.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut builder = Config::builder().add_source(File::from_str(DEFAULTS, FileFormat::Toml));
        if let Some(path) = file {
            if !path.exists() {
                anyhow::bail!("config file {} does not exist", path.display());
            }
            builder = builder.add_source(File::from(path).required(true));
        }
        let settings = builder
            .add_source(
                Environment::with_prefix("FIELDLAB")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true),
            )
            .build()?
            .try_deserialize::<Settings>()
            .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_complete_and_sensible() {
        let s = Settings::load(None).expect("defaults load");
        assert_eq!(s.server.host, "127.0.0.1");
        assert_eq!(s.server.port, 8080);
        assert_eq!(s.database.url, "data/fieldlab.db");
        assert_eq!(s.mail.transport, MailTransport::File);
        assert_eq!(s.mail.locale, "fr");
        assert_eq!(s.mail.timeout_seconds, 30);
        assert_eq!(s.mail.stall_warning_seconds, 300);
        assert_eq!(s.mail.claim_lease_seconds, 40);
        assert_eq!(s.incubator.capacity, 25);
        assert!(s.server.cors_origins.is_empty());
        assert_eq!(s.auth.login_free_failures, 10);
        assert!(s.server.trusted_proxies.is_empty());
        assert!(s.service.metrics_token.is_empty());
        assert_eq!(s.auth.hash_concurrency, 0);
        assert_eq!(s.mail.organisation, "IMT Mines Alès");
        assert!(s.mail.reply_to.is_empty());
        assert!(s.mail.staff_notices);
        let years: Vec<i32> = s
            .internship
            .minimum_gratification
            .iter()
            .map(|row| row.year)
            .collect();
        assert_eq!(years, [2024, 2025, 2026]);
    }

    #[test]
    fn cors_origins_read_a_list_or_a_comma_separated_string() {
        #[derive(Deserialize)]
        struct Only {
            #[serde(deserialize_with = "origins")]
            o: Vec<String>,
        }
        let list: Only =
            serde_json::from_str(r#"{"o": ["https://a.fr/", " https://b.fr"]}"#).expect("list");
        assert_eq!(list.o, ["https://a.fr", "https://b.fr"]);
        let text: Only =
            serde_json::from_str(r#"{"o": "https://a.fr, https://b.fr,"}"#).expect("text");
        assert_eq!(text.o, ["https://a.fr", "https://b.fr"]);
        let empty: Only = serde_json::from_str(r#"{"o": ""}"#).expect("empty");
        assert!(empty.o.is_empty());
    }

    /// The README's configuration table is the reference: it names every key of the defaults.
    #[test]
    fn the_readme_lists_every_key() {
        use std::collections::BTreeMap;
        let readme = include_str!("../README.md");
        let defaults = Config::builder()
            .add_source(File::from_str(DEFAULTS, FileFormat::Toml))
            .build()
            .expect("defaults parse")
            .try_deserialize::<BTreeMap<String, BTreeMap<String, serde_json::Value>>>()
            .expect("sections of keys");
        let mut missing = Vec::new();
        for (section, keys) in defaults {
            for key in keys.keys() {
                let name = format!("`{section}.{key}`");
                if !readme.contains(&name) {
                    missing.push(name);
                }
            }
        }
        assert!(missing.is_empty(), "README.md does not list {missing:?}");
    }

    #[test]
    fn the_default_sender_is_the_schools_address() {
        let s = Settings::load(None).expect("defaults load");
        let from: lettre::message::Mailbox = s.mail.from.parse().expect("an address");
        assert_eq!(from.name.as_deref(), Some("IMT Mines Alès"));
        assert_ne!(from.email.domain(), "localhost");
    }
}
