//! The command line: `serve`, `migrate`, `create-admin`, `seed-demo`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use diesel::Connection;

use crate::auth::domain::{NewAccount, Role};
use crate::auth::{models, password};
use crate::config::Settings;
use crate::startup::{open_database, Application};

#[derive(Debug, Parser)]
#[command(
    name = "fieldlab",
    version,
    about = "The back office of an engineering school's incubator, labs and field missions",
    after_help = "Configuration: config/default.toml, then --config FILE, then FIELDLAB__SECTION__KEY \
                  environment variables (e.g. FIELDLAB__DATABASE__URL=postgres://user@host/db)."
)]
pub struct Cli {
    /// A TOML file whose keys override the defaults.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (applies pending migrations first).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create a staff account, e.g. the first one.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// At least 10 characters.
        #[arg(long)]
        password: String,
    },
    /// Fill the database with a realistic demo (tutors, founders, applications); does
    /// nothing if the demo is already there.
    SeedDemo,
}

impl Cli {
    /// Parses the arguments; a mistake is reported on one line (exit 2), help and version
    /// print in full (exit 0).
    pub fn parse_or_exit() -> Self {
        match Self::try_parse() {
            Ok(cli) => cli,
            Err(e) if !e.use_stderr() => e.exit(),
            Err(e) => {
                let first = e.to_string();
                let line = first
                    .lines()
                    .next()
                    .unwrap_or("invalid arguments")
                    .trim_start_matches("error: ");
                eprintln!("error: {line} (see `fieldlab --help`)");
                std::process::exit(2);
            }
        }
    }
}

pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve => {
            let app = Application::build(settings.clone())?;
            tracing::info!(
                "fieldlab listening on http://{}:{} (docs at /docs)",
                settings.server.host,
                app.port()
            );
            app.run_until_stopped().await?;
            tracing::info!("fieldlab stopped");
            Ok(())
        }
        Command::Migrate => {
            open_database(&settings)?;
            println!("database is up to date");
            Ok(())
        }
        Command::CreateAdmin {
            email,
            name,
            password: plain,
        } => {
            let account = NewAccount::parse(&email, &name, "staff", Some(&plain), &[Role::Staff])
                .map_err(|errors| {
                let list: Vec<String> = errors
                    .iter()
                    .map(|e| format!("--{} {}", e.field, e.message))
                    .collect();
                anyhow::anyhow!("{}", list.join("; "))
            })?;
            let pool = open_database(&settings)?;
            let mut conn = pool.get()?;
            if models::email_exists(&mut conn, account.email.as_str())? {
                anyhow::bail!("an account already uses {}", account.email.as_str());
            }
            let hash = password::hash(&plain)?;
            let user =
                conn.transaction(|conn| models::insert_user(conn, &account, Some(&hash), None))?;
            println!("staff account created: {} ({})", user.email, user.id);
            Ok(())
        }
        Command::SeedDemo => {
            let pool = open_database(&settings)?;
            let mut conn = pool.get()?;
            crate::demo::seed_demo(&mut conn, None)?;
            println!(
                "demo data ready; every demo account's password is `{}`",
                crate::demo::DEMO_PASSWORD
            );
            Ok(())
        }
    }
}
