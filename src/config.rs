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
}

fn origins<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Origins {
        List(Vec<String>),
        Text(String),
    }
    let list = match Origins::deserialize(d)? {
        Origins::List(list) => list,
        Origins::Text(text) => text.split(',').map(str::to_owned).collect(),
    };
    Ok(list
        .into_iter()
        .map(|o| o.trim().trim_end_matches('/').to_owned())
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
    pub from: String,
    pub locale: String,
    pub host: String,
    pub port: u16,
    pub tls: MailTls,
    pub username: String,
    /// Never logged.
    pub password: String,
    pub retry_base_seconds: u64,
    pub max_attempts: i32,
    /// Staff are e-mailed each new application (and each new problem).
    pub staff_notices: bool,
}

#[derive(Clone, Deserialize)]
pub struct IncubatorSettings {
    pub capacity: i64,
    pub months: u32,
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
        assert_eq!(s.incubator.capacity, 25);
        assert!(s.server.cors_origins.is_empty());
        assert!(s.mail.staff_notices);
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
}
