//! The command line: `serve`, `migrate`, `create-admin`, `seed-demo`, `allocate`, `backup`,
//! `restore`.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::allocation::{offline, Objective};
use crate::auth::domain::{NewAccount, Role};
use crate::auth::{accounts, password};
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
    /// Solve an allocation of teams to problems offline and print it as JSON.
    ///
    /// Input: {"teams":[{"id":"t1","prefs":["p3","p1"]}], "problems":[{"id":"p1","capacity":1}],
    /// "forbidden":[["t1","p3"]], "pinned":[["t2","p1"]]}. Malformed input exits with code 2.
    Allocate {
        /// The instance, as JSON (`-` reads standard input).
        #[arg(long, value_name = "FILE")]
        input: PathBuf,
        /// fair (default), rank_sum, rank_maximal or generous.
        #[arg(long, default_value = "fair")]
        objective: String,
    },
    /// Copy the SQLite database, consistent, to a new file while the service runs.
    ///
    /// PostgreSQL: use `pg_dump -Fc -f PATH URL` instead (this command prints it).
    Backup {
        /// The copy to write; it must not exist yet.
        path: PathBuf,
    },
    /// Put a backup in place of the configured SQLite database, the service stopped.
    ///
    /// The file must be a fieldlab database (its migrations table) and intact. PostgreSQL:
    /// `createdb -T template0 NEWDB` then `pg_restore --no-owner -d URL-OF-NEWDB PATH`.
    Restore {
        /// A file written by `fieldlab backup`.
        path: PathBuf,
        /// Replace the configured database if it exists (never while it is open).
        #[arg(long)]
        force: bool,
    },
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

/// `fieldlab allocate`: needs no database nor server; bad input is exit code 2.
pub fn allocate(input: &Path, objective: &str) -> ! {
    let outcome = objective
        .parse::<Objective>()
        .map_err(|e| e.to_string())
        .and_then(|objective| {
            let text = if input == Path::new("-") {
                std::io::read_to_string(std::io::stdin())
            } else {
                std::fs::read_to_string(input)
            }
            .map_err(|e| format!("cannot read {}: {e}", input.display()))?;
            offline::run(&text, objective).map_err(|e| e.to_string())
        });
    match outcome {
        Ok(json) => {
            println!("{json}");
            std::process::exit(0)
        }
        Err(message) => {
            eprintln!("error: {message}");
            std::process::exit(2)
        }
    }
}

pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command {
        Command::Allocate { input, objective } => allocate(&input, &objective),
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
            let hash = password::hash(&plain)?;
            let user = crate::db::write_transaction(&mut conn, |tx| {
                accounts::insert_account(tx, &account, Some(&hash), None, None)
            })
            .map_err(|e| anyhow::anyhow!("{}: {e}", account.email.as_str()))?;
            println!("staff account created: {} ({})", user.email, user.id);
            Ok(())
        }
        Command::Backup { path } => {
            let url = crate::db::DatabaseUrl::parse(&settings.database.url)?;
            let copy = crate::backup::backup(&url, &path)?;
            println!(
                "backup written: {} ({} bytes, {} migrations)",
                copy.path.display(),
                copy.bytes,
                copy.migrations
            );
            Ok(())
        }
        Command::Restore { path, force } => {
            let url = crate::db::DatabaseUrl::parse(&settings.database.url)?;
            let copy = crate::backup::restore(&url, &path, force)?;
            println!(
                "restored {} into {} ({} bytes, {} migrations); pending migrations apply when \
                 fieldlab starts",
                path.display(),
                copy.path.display(),
                copy.bytes,
                copy.migrations
            );
            Ok(())
        }
        Command::SeedDemo => {
            let pool = open_database(&settings)?;
            let mut conn = pool.get()?;
            crate::demo::seed_demo(&mut conn, &settings, None)?;
            println!(
                "demo data ready; every demo account's password is `{}`",
                crate::demo::DEMO_PASSWORD
            );
            Ok(())
        }
    }
}
