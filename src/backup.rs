//! `fieldlab backup PATH` and `fieldlab restore PATH`, for SQLite.
//!
//! A backup is taken while the service runs: `VACUUM INTO` reads one snapshot of the database
//! (WAL lets writers go on meanwhile) and writes it, compacted, to a new file, which is the
//! database as it was when the backup began, whole. PostgreSQL has its own tools for that
//! (`pg_dump -Fc`, `pg_restore`): both commands say which, with the exact lines, rather than
//! do half of their work.
//!
//! A restore puts a backup in the configured database's place, once it has checked that the
//! file is a fieldlab database this binary can run (its migrations table) and intact, and that
//! no process has the database open: it never replaces a live database, nor any without
//! `--force`.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel::sqlite::SqliteConnection;

use crate::db::{sqlite_migration_versions, DatabaseUrl};

/// What a finished backup or restore tells the operator.
#[derive(Debug)]
pub struct Copied {
    /// The file written.
    pub path: PathBuf,
    pub bytes: u64,
    /// Migrations recorded in it.
    pub migrations: usize,
}

/// Copies the configured SQLite database to `target`, a file that must not exist yet, while
/// the service may be running. PostgreSQL: refused, with the `pg_dump` command to run instead.
pub fn backup(url: &DatabaseUrl, target: &Path) -> anyhow::Result<Copied> {
    let source = match url {
        DatabaseUrl::Postgres(_) => bail!("{}", postgres_backup_howto(url, target)),
        DatabaseUrl::Sqlite(path) => path,
    };
    if !source.is_file() {
        bail!("there is no database at {}", source.display());
    }
    let target_text = utf8(target)?;
    // Created here, empty and readable by its owner only (it holds password hashes and
    // personal data): `create_new` also refuses an existing file, never overwritten.
    create_private(target).with_context(|| {
        format!(
            "cannot create {} (a backup is written to a new file only)",
            target.display()
        )
    })?;
    let copied = vacuum_into(source, target_text).and_then(|()| check_fieldlab(target));
    match copied {
        Ok(migrations) => Ok(Copied {
            path: target.to_path_buf(),
            bytes: std::fs::metadata(target)?.len(),
            migrations,
        }),
        Err(error) => {
            // A half-written copy must not pass for a backup.
            let _ = std::fs::remove_file(target);
            Err(error)
        }
    }
}

/// One consistent snapshot of `source` written into the empty file `target`.
fn vacuum_into(source: &Path, target: &str) -> anyhow::Result<()> {
    let mut conn = SqliteConnection::establish(utf8(source)?)
        .with_context(|| format!("cannot open {}", source.display()))?;
    // The server's writers hold the write lock briefly; the snapshot itself waits for nobody.
    conn.batch_execute("PRAGMA busy_timeout = 10000;")?;
    // The file name is a bound value, never spliced into the SQL: any name is safe.
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(target)
        .execute(&mut conn)
        .with_context(|| format!("the copy into {target} failed"))?;
    Ok(())
}

/// Puts the backup `source` in place of the configured SQLite database. The service must be
/// stopped; an existing database is replaced with `force` only. PostgreSQL: refused, with the
/// `pg_restore` commands to run instead.
pub fn restore(url: &DatabaseUrl, source: &Path, force: bool) -> anyhow::Result<Copied> {
    let target = match url {
        DatabaseUrl::Postgres(_) => bail!("{}", postgres_restore_howto(url, source)),
        DatabaseUrl::Sqlite(path) => path,
    };
    if !source.is_file() {
        bail!("there is no backup at {}", source.display());
    }
    let migrations = check_fieldlab(source)?;
    if target.exists() {
        if !force {
            bail!(
                "{} already exists: stop fieldlab, then run `fieldlab restore {} --force` to \
                 replace it (keep a backup of it first if it may still be needed)",
                target.display(),
                source.display()
            );
        }
        refuse_if_open(target)?;
    }
    crate::db::create_parent_dir(target)?;
    // Written beside the target then renamed over it: the database is the old one or the
    // restored one, never a part of each.
    let partial = sibling(target, ".restoring");
    let _ = std::fs::remove_file(&partial);
    let written = copy_file(source, &partial).and_then(|bytes| {
        // The old database's journal and shared memory would be read as the new one's.
        for stale in [sibling(target, "-wal"), sibling(target, "-shm")] {
            match std::fs::remove_file(&stale) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(e).with_context(|| format!("cannot remove {}", stale.display()))
                }
                _ => {}
            }
        }
        std::fs::rename(&partial, target)
            .with_context(|| format!("cannot move the copy to {}", target.display()))?;
        Ok(bytes)
    });
    match written {
        Ok(bytes) => Ok(Copied {
            path: target.clone(),
            bytes,
            migrations,
        }),
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            Err(error)
        }
    }
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = Text)]
    version: String,
}

#[derive(QueryableByName)]
struct Check {
    #[diesel(sql_type = Text)]
    quick_check: String,
}

/// Whether `path` is an intact fieldlab database this binary can serve: its migrations table
/// lists only migrations it knows. Returns how many it lists.
fn check_fieldlab(path: &Path) -> anyhow::Result<usize> {
    let not_ours = || format!("{} is not a fieldlab database", path.display());
    let mut conn = SqliteConnection::establish(utf8(path)?).with_context(not_ours)?;
    conn.batch_execute("PRAGMA query_only = ON;")
        .with_context(not_ours)?;
    let applied: Vec<Version> =
        diesel::sql_query("SELECT version FROM __diesel_schema_migrations ORDER BY version")
            .load(&mut conn)
            .with_context(|| format!("{} (no migrations table)", not_ours()))?;
    let known = sqlite_migration_versions()?;
    if applied.is_empty() || !applied.iter().any(|v| known.contains(&v.version)) {
        bail!("{} (none of its migrations are fieldlab's)", not_ours());
    }
    if let Some(unknown) = applied.iter().find(|v| !known.contains(&v.version)) {
        bail!(
            "{} was made by a newer fieldlab (migration {} is unknown to this one): restore it \
             with that version",
            path.display(),
            unknown.version
        );
    }
    let checks: Vec<Check> = diesel::sql_query("PRAGMA quick_check").load(&mut conn)?;
    if checks.iter().any(|c| c.quick_check != "ok") {
        let found: Vec<&str> = checks.iter().map(|c| c.quick_check.as_str()).collect();
        bail!("{} is damaged: {}", path.display(), found.join("; "));
    }
    Ok(applied.len())
}

/// Fails if another process has the database open. Leaving WAL mode needs the only
/// connection: a running server (its pool keeps connections open) makes it fail at once.
fn refuse_if_open(path: &Path) -> anyhow::Result<()> {
    let in_use = || {
        format!(
            "{} is in use (is fieldlab serving?): stop every instance, then restore",
            path.display()
        )
    };
    let mut conn = SqliteConnection::establish(utf8(path)?).with_context(in_use)?;
    conn.batch_execute("PRAGMA busy_timeout = 0; PRAGMA journal_mode = DELETE;")
        .with_context(in_use)?;
    #[derive(QueryableByName)]
    struct Mode {
        #[diesel(sql_type = Text)]
        journal_mode: String,
    }
    let mode: Vec<Mode> = diesel::sql_query("PRAGMA journal_mode").load(&mut conn)?;
    if mode
        .iter()
        .any(|m| m.journal_mode.eq_ignore_ascii_case("wal"))
    {
        bail!("{}", in_use());
    }
    Ok(())
}

/// Creates the new file `path`, readable by its owner only; an existing file is refused.
fn create_private(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

/// Copies `from` into the new file `to` (owner only), flushed to disk; returns its size.
fn copy_file(from: &Path, to: &Path) -> anyhow::Result<u64> {
    let mut reader = File::open(from).with_context(|| format!("cannot read {}", from.display()))?;
    let mut writer =
        create_private(to).with_context(|| format!("cannot create {}", to.display()))?;
    let bytes = std::io::copy(&mut reader, &mut writer)?;
    writer.flush()?;
    writer.sync_all()?;
    Ok(bytes)
}

/// `path` with `suffix` added to its file name (`fieldlab.db` → `fieldlab.db-wal`).
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn utf8(path: &Path) -> anyhow::Result<&str> {
    path.to_str()
        .ok_or_else(|| anyhow::anyhow!("{} is not a UTF-8 path", path.display()))
}

/// What to run instead of `fieldlab backup` on PostgreSQL.
fn postgres_backup_howto(url: &DatabaseUrl, target: &Path) -> String {
    format!(
        "fieldlab backup copies SQLite databases; this one is PostgreSQL, whose own tool makes \
         a consistent copy while fieldlab serves (pg_dump's version must be the server's or \
         newer):\n  pg_dump -Fc -f '{}' '{}'\nRestore it with pg_restore: see \
         `fieldlab restore --help` and README, \"Backups\".",
        target.display(),
        url.redacted()
    )
}

/// What to run instead of `fieldlab restore` on PostgreSQL.
fn postgres_restore_howto(url: &DatabaseUrl, source: &Path) -> String {
    format!(
        "fieldlab restore brings back SQLite databases; this one is PostgreSQL. Restore a \
         `pg_dump -Fc` file into a new, empty database with pg_restore, then point \
         database.url at it (fieldlab stopped):\n  createdb -T template0 NEWDB\n  \
         pg_restore --no-owner --exit-on-error -d 'postgres://USER@HOST/NEWDB' '{}'\n\
         (the database configured now is {}). See README, \"Backups\".",
        source.display(),
        url.redacted()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_is_refused_with_the_commands_to_run() {
        let url = DatabaseUrl::parse("postgres://fieldlab:secret@db/fieldlab").expect("url");
        let said = backup(&url, Path::new("/tmp/x.dump"))
            .expect_err("refused")
            .to_string();
        assert!(said.contains("pg_dump -Fc"), "{said}");
        assert!(said.contains("/tmp/x.dump"), "{said}");
        assert!(
            !said.contains("secret"),
            "the password is never printed: {said}"
        );
        let said = restore(&url, Path::new("/tmp/x.dump"), false)
            .expect_err("refused")
            .to_string();
        assert!(said.contains("pg_restore"), "{said}");
        assert!(!said.contains("secret"), "{said}");
    }

    #[test]
    fn sidecar_files_are_named_after_the_database() {
        assert_eq!(
            sibling(Path::new("data/fieldlab.db"), "-wal"),
            PathBuf::from("data/fieldlab.db-wal")
        );
    }
}
