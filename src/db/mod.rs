//! The database: one diesel `MultiConnection` over SQLite and PostgreSQL, its r2d2 pool,
//! the embedded migrations of each backend, and the helpers handlers use to reach it.

pub mod schema;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::ApiError;

/// One connection to whichever backend `database.url` names. Queries are written once against
/// this type; where SQL must differ, a small function matches on the variant.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

pub type Pool = r2d2::Pool<ConnectionManager>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Where the data lives, decided from the URL's scheme alone, so a PostgreSQL URL that fails
/// to connect is reported as such and never silently becomes a SQLite file.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> anyhow::Result<Self> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() {
            anyhow::bail!("database.url is empty: give a SQLite path or a postgres:// URL");
        }
        if let Some((scheme, _)) = path.split_once("://") {
            anyhow::bail!(
                "database.url uses the unsupported scheme `{scheme}://`: give a SQLite path, \
                 sqlite://PATH or postgres://USER:PASSWORD@HOST/DB"
            );
        }
        Ok(Self::Sqlite(PathBuf::from(path)))
    }

    /// The URL with any password masked, for logs and error messages.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite://{}", path.display()),
            Self::Postgres(url) => redact_password(url),
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

// Debug output may reach logs: it shows the URL with its password masked.
impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// An r2d2 manager that opens the backend the URL names and prepares each SQLite connection.
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self { url }
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = diesel::ConnectionError;

    fn connect(&self) -> Result<DbConnection, diesel::ConnectionError> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(url)?;
                // The cost of a random page read on SSD, not on a spinning disk (the default 4):
                // a batch lookup `id = ANY($ids)` then reads its few rows through the primary
                // key instead of the whole table (issue 24: no sequential scan of a large table
                // on a hot path, with or without the planner's statistics).
                // No sequential scan where an index can serve. Without statistics (CI's server
                // never analyses; a table is not analysed before autovacuum's first pass)
                // PostgreSQL guesses 0.5 % of a table per value: a batch `agreement_id =
                // ANY($50 ids)` looked like a quarter of `agreement_signatures`, and it read
                // all 24,000 rows to return 100. Every hot path is a lookup through an index;
                // a query no index serves (a full export) still scans.
                // No JIT: its compilation (100-200 ms) starts whenever a plan's estimated cost
                // passes `jit_above_cost`, and estimates made without statistics do for
                // queries that run in milliseconds (a register sorted by its signatures).
                conn.batch_execute(
                    "SET random_page_cost = 1.1; SET enable_seqscan = off; SET jit = off",
                )
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Postgresql(conn))
            }
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                // busy_timeout first: opening WAL on a busy file would otherwise fail at once.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), diesel::ConnectionError> {
        conn.batch_execute("SELECT 1")
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)
    }

    /// As diesel's own manager: a connection given back in a panic, or with a transaction
    /// still open or failed, is closed instead of being handed to the next request.
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        use diesel::connection::{AnsiTransactionManager, TransactionManager};
        std::thread::panicking()
            || match conn {
                DbConnection::Sqlite(c) => AnsiTransactionManager::is_broken_transaction_manager(c),
                DbConnection::Postgresql(c) => {
                    AnsiTransactionManager::is_broken_transaction_manager(c)
                }
            }
    }
}

/// Opens the pool. One connection is made first, outside r2d2, so that a wrong host or
/// password is reported with the server's own words instead of a pool timeout.
pub fn connect(url: &DatabaseUrl, size: u32, timeout: Duration) -> anyhow::Result<Pool> {
    if let DatabaseUrl::Sqlite(path) = url {
        create_parent_dir(path)?;
    }
    // OpenSSL (libpq's TLS) initialised by us first, without its exit handler: otherwise the
    // first TLS connection registers one that frees OpenSSL's state while pool threads may
    // still use it, and the process can abort (`free(): invalid pointer`) as it exits.
    openssl_sys::init();
    let manager = ConnectionManager::new(url.clone());
    r2d2::ManageConnection::connect(&manager).map_err(|e| {
        anyhow::anyhow!(
            "cannot open the {} database {}: {}",
            url.backend_name(),
            url.redacted(),
            e.to_string().trim()
        )
    })?;
    r2d2::Pool::builder()
        .error_handler(Box::new(LogPoolError))
        .max_size(size.max(1))
        .min_idle(Some(1))
        .connection_timeout(timeout)
        .build(manager)
        .with_context(|| format!("cannot open a connection pool on {}", url.redacted()))
}

/// Connection failures the pool meets in the background (while refilling) are worth a warning,
/// not an error: requests that need a connection report their own failure.
#[derive(Debug)]
struct LogPoolError;

impl r2d2::HandleError<diesel::ConnectionError> for LogPoolError {
    fn handle_error(&self, error: diesel::ConnectionError) {
        tracing::warn!(error = %error.to_string().trim(), "database connection failed");
    }
}

pub(crate) fn create_parent_dir(path: &Path) -> anyhow::Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.exists() => std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the database folder {}", dir.display())),
        _ => Ok(()),
    }
}

/// Applies the pending migrations of the connection's backend; returns the versions applied.
pub fn run_migrations(conn: &mut DbConnection) -> anyhow::Result<Vec<String>> {
    let failed =
        |e: Box<dyn std::error::Error + Send + Sync>| anyhow::anyhow!("migration failed: {e}");
    let versions = |v: Vec<diesel::migration::MigrationVersion<'_>>| -> Vec<String> {
        v.iter().map(ToString::to_string).collect()
    };
    match conn {
        DbConnection::Sqlite(c) => Ok(versions(
            c.run_pending_migrations(SQLITE_MIGRATIONS)
                .map_err(failed)?,
        )),
        DbConnection::Postgresql(c) => {
            // Several instances starting together on PostgreSQL: one applies the migrations,
            // the others wait on this session lock and then find nothing pending.
            let key = lock_key("fieldlab:migrations");
            let lock = |c: &mut PgConnection, f: &str| {
                diesel::RunQueryDsl::execute(diesel::sql_query(format!("SELECT {f}({key})")), c)
            };
            lock(c, "pg_advisory_lock")?;
            let applied = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(versions)
                .map_err(failed);
            lock(c, "pg_advisory_unlock")?;
            applied
        }
    }
}

/// The versions of every SQLite migration this binary knows, as `__diesel_schema_migrations`
/// stores them (`fieldlab restore` checks a backup against them).
pub fn sqlite_migration_versions() -> anyhow::Result<Vec<String>> {
    use diesel::migration::MigrationSource;
    let all = MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("embedded migrations unreadable: {e}"))?;
    Ok(all.iter().map(|m| m.name().version().to_string()).collect())
}

/// For the rest of the current PostgreSQL transaction, a query with `ORDER BY … LIMIT n` walks
/// the index that has its order instead of gathering every matching row and sorting them
/// (which is what a planner without statistics, or with a vacuumed but never analysed table,
/// chose for the outbox's claim: all 40,000 due rows read to send 16). For the due-row
/// queries only, whose partial indexes (`notifications_pending`, `scheduled_jobs_pending`)
/// are in that order. SQLite: nothing to do.
pub fn in_index_order(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    match conn {
        DbConnection::Postgresql(pg) => pg.batch_execute(
            "SET LOCAL enable_sort = off; SET LOCAL enable_incremental_sort = off; \
             SET LOCAL enable_bitmapscan = off",
        ),
        DbConnection::Sqlite(_) => Ok(()),
    }
}

/// Now, in UTC, to the second: every stored instant goes through here so that SQLite, which
/// compares timestamps as text, always sees one format.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(0)
}

/// A stored UTC instant as the API shows it.
pub fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

/// A fresh identifier. Version 7 UUIDs sort by creation time, so `ORDER BY id` is creation
/// order and one column serves as a paging key.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A PostgreSQL transaction-scoped advisory lock on a name (`"lab:<id>"`), which a
/// [`write_transaction_with`] takes in the same round trip as its `BEGIN`. Shared holders
/// run side by side; an exclusive holder waits for them and they for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    Shared(i64),
    Exclusive(i64),
}

impl Lock {
    pub fn shared(name: &str) -> Self {
        Self::Shared(lock_key(name))
    }

    pub fn exclusive(name: &str) -> Self {
        Self::Exclusive(lock_key(name))
    }

    fn sql(self) -> String {
        match self {
            Self::Shared(key) => format!("SELECT pg_advisory_xact_lock_shared({key});"),
            Self::Exclusive(key) => format!("SELECT pg_advisory_xact_lock({key});"),
        }
    }
}

/// The 64-bit advisory-lock key of a name: the first 8 bytes of its SHA-256, so that every
/// process computes the same key, and the statement carries a number, never caller text.
fn lock_key(name: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(name.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// A connection inside a [`write_transaction`]. The `lock_*` functions and the outbox take
/// one, so "only inside a write transaction" (SQLite's write lock, PostgreSQL's row locks, an
/// e-mail committed with its change) is a rule of the types, not of a comment. It derefs to
/// the connection for every other query.
pub struct WriteTx<'c> {
    conn: &'c mut DbConnection,
    after_commit: Vec<Box<dyn FnOnce() + Send>>,
}

impl WriteTx<'_> {
    /// Runs `hook` once the outermost transaction has committed (never on a rollback): the
    /// outbox wakes its worker this way, when the message can be seen.
    pub fn after_commit(&mut self, hook: impl FnOnce() + Send + 'static) {
        self.after_commit.push(Box::new(hook));
    }

    /// A savepoint inside this transaction; its hooks still wait for the outermost commit.
    pub fn savepoint<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut WriteTx<'_>) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        let mut hooks = std::mem::take(&mut self.after_commit);
        let result = self.conn.transaction::<_, E, _>(|conn| {
            let mut inner = WriteTx {
                conn,
                after_commit: Vec::new(),
            };
            let value = f(&mut inner)?;
            hooks.append(&mut inner.after_commit);
            Ok(value)
        });
        self.after_commit = hooks;
        result
    }
}

impl std::ops::Deref for WriteTx<'_> {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        self.conn
    }
}

impl std::ops::DerefMut for WriteTx<'_> {
    fn deref_mut(&mut self) -> &mut DbConnection {
        self.conn
    }
}

/// A transaction for check-and-write work that must serialise. On SQLite it starts with
/// `BEGIN IMMEDIATE`, so it holds the write lock from the first read and never fails with
/// BUSY_SNAPSHOT when it writes; on PostgreSQL it is a normal transaction, and the caller
/// takes row locks with a per-backend `lock_*` function (or advisory locks, see
/// [`write_transaction_with`]).
pub fn write_transaction<T, F>(conn: &mut DbConnection, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut WriteTx<'_>) -> Result<T, ApiError>,
{
    write_transaction_with(conn, &[], f)
}

/// [`write_transaction`] that first takes `locks` on PostgreSQL, in order, sent with the
/// `BEGIN` as one batch: a hot path (a booking) pays one round trip for the transaction and
/// its locks. SQLite needs none: `BEGIN IMMEDIATE` already holds the database's write lock.
/// Generic over the error, so the e-mail worker uses it too. Work already inside a write
/// transaction nests with [`WriteTx::savepoint`].
pub fn write_transaction_with<T, E, F>(
    conn: &mut DbConnection,
    locks: &[Lock],
    f: F,
) -> Result<T, E>
where
    F: FnOnce(&mut WriteTx<'_>) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let nested = match conn {
        DbConnection::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(c),
        DbConnection::Postgresql(c) => AnsiTransactionManager::transaction_manager_status_mut(c),
    }
    .transaction_depth()
    .map_err(E::from)?
    .is_some();
    let lock_sql: String = locks.iter().map(|l| l.sql()).collect();
    if nested {
        // Already inside a transaction (a test's, or the CLI's): a savepoint after this
        // caller's own locks; its hooks run when the savepoint is released.
        if let DbConnection::Postgresql(pg) = conn {
            if !lock_sql.is_empty() {
                pg.batch_execute(&lock_sql).map_err(E::from)?;
            }
        }
        let mut hooks = Vec::new();
        let value = conn.transaction::<_, E, _>(|conn| {
            let mut tx = WriteTx {
                conn,
                after_commit: Vec::new(),
            };
            let value = f(&mut tx)?;
            hooks = tx.after_commit;
            Ok(value)
        })?;
        hooks.into_iter().for_each(|hook| hook());
        return Ok(value);
    }
    let turn = match conn {
        DbConnection::Sqlite(lite) => {
            // Writers of this process queue here, in turn, instead of polling SQLite's lock
            // with busy_timeout sleeps (which starves some of them for seconds under load);
            // other processes (the CLI) still meet the file lock and its busy_timeout.
            let turn = SQLITE_WRITER
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            AnsiTransactionManager::begin_transaction_sql(lite, "BEGIN IMMEDIATE")
                .map_err(E::from)?;
            Some(turn)
        }
        DbConnection::Postgresql(pg) => {
            if let Err(e) =
                AnsiTransactionManager::begin_transaction_sql(pg, &format!("BEGIN;{lock_sql}"))
            {
                // BEGIN may have run before a lock failed: leave no open transaction behind.
                let _ = pg.batch_execute("ROLLBACK");
                return Err(e.into());
            }
            None
        }
    };
    let mut tx = WriteTx {
        conn,
        after_commit: Vec::new(),
    };
    let result = f(&mut tx);
    let WriteTx { conn, after_commit } = tx;
    let end = match conn {
        DbConnection::Sqlite(c) => end_transaction(c, result.is_ok()),
        DbConnection::Postgresql(c) => end_transaction(c, result.is_ok()),
    };
    // The next writer's turn comes with the commit, not after the hooks: a hook may write
    // in a transaction of its own (the clean-up does), which would wait on this turn for ever.
    drop(turn);
    match (result, end) {
        (Ok(value), Ok(())) => {
            after_commit.into_iter().for_each(|hook| hook());
            Ok(value)
        }
        (Ok(_), Err(e)) => Err(e.into()),
        (Err(e), _) => Err(e),
    }
}

/// Commits (or rolls back) the outermost transaction; a failed commit is rolled back.
fn end_transaction<C>(conn: &mut C, commit: bool) -> diesel::QueryResult<()>
where
    C: Connection<TransactionManager = diesel::connection::AnsiTransactionManager>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    if commit {
        AnsiTransactionManager::commit_transaction(conn).inspect_err(|_| {
            let _ = AnsiTransactionManager::rollback_transaction(conn);
        })
    } else {
        AnsiTransactionManager::rollback_transaction(conn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend_from_the_scheme() {
        assert_eq!(
            DatabaseUrl::parse("data/x.db").ok(),
            Some(DatabaseUrl::Sqlite("data/x.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/x.db").ok(),
            Some(DatabaseUrl::Sqlite("/tmp/x.db".into()))
        );
        assert!(matches!(
            DatabaseUrl::parse("postgres://u:p@h/db"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert!(DatabaseUrl::parse("mysql://h/db").is_err());
        assert!(DatabaseUrl::parse("  ").is_err());
    }

    #[test]
    fn lock_keys_are_stable_numbers() {
        assert_eq!(lock_key("lab:a"), lock_key("lab:a"));
        assert_ne!(lock_key("lab:a"), lock_key("lab:b"));
        assert_eq!(
            Lock::shared("lab:a").sql(),
            format!(
                "SELECT pg_advisory_xact_lock_shared({});",
                lock_key("lab:a")
            )
        );
    }

    #[test]
    fn a_connection_given_back_inside_a_transaction_is_not_reused() {
        use diesel::connection::{AnsiTransactionManager, TransactionManager};
        let dir = tempfile::tempdir().expect("dir");
        let url = DatabaseUrl::Sqlite(dir.path().join("pool.db"));
        let pool = connect(&url, 1, Duration::from_secs(5)).expect("pool");
        {
            let mut conn = pool.get().expect("connection");
            let DbConnection::Sqlite(lite) = &mut *conn else {
                panic!("a SQLite connection");
            };
            AnsiTransactionManager::begin_transaction(lite).expect("begin");
        } // given back mid-transaction, as a panicking request would
        let mut conn = pool.get().expect("a fresh connection");
        let DbConnection::Sqlite(lite) = &mut *conn else {
            panic!("a SQLite connection");
        };
        let depth = AnsiTransactionManager::transaction_manager_status_mut(lite)
            .transaction_depth()
            .expect("status");
        assert_eq!(depth, None);
    }

    #[test]
    fn passwords_are_masked() {
        let url = DatabaseUrl::Postgres("postgres://app:s3cret@db:5432/fieldlab".into());
        assert_eq!(url.redacted(), "postgres://app:***@db:5432/fieldlab");
        assert!(!url.redacted().contains("s3cret"));
    }
}
