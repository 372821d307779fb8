//! The scheduled clean-up that keeps the database small: expired sessions and password links
//! deleted, sent e-mails' bodies cleared after `mail.body_retention_days` (the record stays:
//! recipient, subject, status, dates), finished jobs deleted after `jobs.done_retention_days`.
//!
//! It is a job like the others, so it runs once across instances: the run that takes it
//! schedules the next one in the same transaction, at the start of the next interval (every
//! instance computes the same instant, and the jobs table keeps one job per kind, subject and
//! instant, so the runs never multiply). The clean-up itself runs after that transaction
//! commits, a few hundred rows per short transaction: it never holds SQLite's write lock, or
//! PostgreSQL's row locks, for long; a run cut short leaves the rest to the next.

use chrono::{DateTime, Duration, NaiveDateTime};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use crate::app::AppState;
use crate::db::schema::{notifications, password_tokens, scheduled_jobs, sessions};
use crate::db::{now, write_transaction, DbConnection, Pool, WriteTx};
use crate::error::ApiError;
use crate::jobs::{self, Handlers, Job};

/// The job's kind in `scheduled_jobs`.
pub const JOB: &str = "cleanup";
/// There is one clean-up, about everything.
const SUBJECT: &str = "all";
/// Rows per transaction.
const BATCH: i64 = 500;

/// The clean-up's handler, for `startup::job_handlers`.
pub fn jobs(handlers: Handlers) -> Handlers {
    handlers.with(JOB, run)
}

/// Schedules the run of the current interval, due at once; one already there, or already run,
/// is kept (every instance starting within the interval names the same instant). Called at
/// startup, so that a database without the job gets it.
pub fn schedule_first(conn: &mut DbConnection, interval_minutes: u32) -> QueryResult<()> {
    jobs::schedule(conn, JOB, SUBJECT, interval_start(now(), interval_minutes))
}

fn run(tx: &mut WriteTx<'_>, state: &AppState, _job: &Job) -> Result<(), ApiError> {
    let settings = &state.settings;
    let interval = settings.jobs.cleanup_interval_minutes;
    jobs::schedule(tx, JOB, SUBJECT, next_interval(now(), interval))?;
    let retention = Retention {
        mail_body_days: settings.mail.body_retention_days,
        done_job_days: settings.jobs.done_retention_days,
    };
    let (pool, metrics) = (state.pool.clone(), state.metrics.clone());
    tx.after_commit(move || match clean(&pool, retention) {
        Ok(removed) => {
            tracing::info!(?removed, "clean-up done");
            metrics.count_cleanup(&removed);
        }
        Err(error) => tracing::warn!(%error, "clean-up stopped; the next run goes on"),
    });
    Ok(())
}

/// How long what is kept for a while is kept, in days (0: for ever).
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    pub mail_body_days: u32,
    pub done_job_days: u32,
}

/// Removes what has expired, batch by batch; returns how many rows of each kind (the labels
/// of [`crate::app::CLEANUP_KINDS`]).
pub fn clean(pool: &Pool, retention: Retention) -> Result<Vec<(&'static str, usize)>, ApiError> {
    let mut conn = pool.get()?;
    let now = now();
    let sessions = in_batches(&mut conn, |tx| {
        let expired = sessions::table
            .filter(sessions::expires_at.lt(now))
            .select(sessions::token_hash)
            .limit(BATCH)
            .load::<String>(&mut **tx)?;
        diesel::delete(sessions::table.filter(sessions::token_hash.eq_any(&expired)))
            .execute(&mut **tx)
    })?;
    let tokens = in_batches(&mut conn, |tx| {
        let expired = password_tokens::table
            .filter(password_tokens::expires_at.lt(now))
            .select(password_tokens::token_hash)
            .limit(BATCH)
            .load::<String>(&mut **tx)?;
        diesel::delete(password_tokens::table.filter(password_tokens::token_hash.eq_any(&expired)))
            .execute(&mut **tx)
    })?;
    let bodies = match older_than(now, retention.mail_body_days) {
        None => 0,
        Some(cutoff) => in_batches(&mut conn, |tx| {
            let kept = notifications::table
                .filter(notifications::status.eq("sent"))
                .filter(notifications::sent_at.lt(cutoff))
                // Word for word the partial index's clause (a bound value would not match it).
                .filter(sql::<Bool>("body_text <> ''"))
                .select(notifications::id)
                .limit(BATCH)
                .load::<String>(&mut **tx)?;
            diesel::update(notifications::table.filter(notifications::id.eq_any(&kept)))
                .set((
                    notifications::body_text.eq(""),
                    notifications::body_html.eq(""),
                    notifications::attachments.eq("[]"),
                ))
                .execute(&mut **tx)
        })?,
    };
    let done_jobs = match older_than(now, retention.done_job_days) {
        None => 0,
        Some(cutoff) => in_batches(&mut conn, |tx| {
            // Failed jobs stay, for whoever looks into them; due_at bounds the scan by the
            // (status, due_at) index (a job is done after it is due).
            let old = scheduled_jobs::table
                .filter(scheduled_jobs::status.eq("done"))
                .filter(scheduled_jobs::due_at.lt(cutoff))
                .filter(scheduled_jobs::done_at.lt(cutoff))
                .select(scheduled_jobs::id)
                .limit(BATCH)
                .load::<String>(&mut **tx)?;
            diesel::delete(scheduled_jobs::table.filter(scheduled_jobs::id.eq_any(&old)))
                .execute(&mut **tx)
        })?,
    };
    Ok(vec![
        ("sessions", sessions),
        ("password_tokens", tokens),
        ("mail_bodies", bodies),
        ("jobs", done_jobs),
    ])
}

/// Runs `batch` (load at most [`BATCH`] keys, then change those rows), each time in a write
/// transaction of its own, until it touches fewer than [`BATCH`] rows; returns the total.
fn in_batches(
    conn: &mut DbConnection,
    mut batch: impl FnMut(&mut WriteTx<'_>) -> QueryResult<usize>,
) -> Result<usize, ApiError> {
    let mut total = 0;
    loop {
        let n = write_transaction(conn, |tx| Ok(batch(tx)?))?;
        total += n;
        if i64::try_from(n).unwrap_or(i64::MAX) < BATCH {
            return Ok(total);
        }
    }
}

/// The instant `days` before `now`; none for 0 (kept for ever).
fn older_than(now: NaiveDateTime, days: u32) -> Option<NaiveDateTime> {
    (days > 0).then(|| now - Duration::days(i64::from(days)))
}

/// The start of the interval `at` falls in, intervals counted from the Unix epoch: the same
/// instant on every instance (at least a minute long).
fn interval_start(at: NaiveDateTime, minutes: u32) -> NaiveDateTime {
    let length = i64::from(minutes.max(1)) * 60;
    let seconds = at.and_utc().timestamp();
    let start = seconds - seconds.rem_euclid(length);
    DateTime::from_timestamp(start, 0).map_or(at, |d| d.naive_utc())
}

/// The start of the interval after the one `at` falls in.
fn next_interval(at: NaiveDateTime, minutes: u32) -> NaiveDateTime {
    interval_start(at, minutes) + Duration::minutes(i64::from(minutes.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").expect("instant")
    }

    #[test]
    fn every_instance_names_the_same_run_within_an_interval() {
        for t in [
            "2026-12-06 03:00:00",
            "2026-12-06 03:17:42",
            "2026-12-06 03:59:59",
        ] {
            assert_eq!(interval_start(at(t), 60), at("2026-12-06 03:00:00"));
            assert_eq!(next_interval(at(t), 60), at("2026-12-06 04:00:00"));
        }
        assert_eq!(
            next_interval(at("2026-12-06 23:59:59"), 60),
            at("2026-12-07 00:00:00")
        );
        assert_eq!(
            interval_start(at("2026-12-06 03:17:42"), 15),
            at("2026-12-06 03:15:00")
        );
        // 0 is read as a minute, never a division by zero or a job due now over and over.
        assert_eq!(
            next_interval(at("2026-12-06 03:17:42"), 0),
            at("2026-12-06 03:18:00")
        );
    }

    #[test]
    fn a_retention_of_zero_keeps_for_ever() {
        assert_eq!(older_than(at("2026-12-06 03:00:00"), 0), None);
        assert_eq!(
            older_than(at("2026-12-06 03:00:00"), 90),
            Some(at("2026-09-07 03:00:00"))
        );
    }
}
