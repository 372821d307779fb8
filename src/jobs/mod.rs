//! Scheduled work: jobs that fall due at an instant (a reminder, a warning, an evaluation
//! request), stored in `scheduled_jobs` so that they survive restarts, and run by whichever
//! instance finds them first. A job is taken by the transaction that does it: an UPDATE from
//! `pending` to `done` that one transaction only can win (PostgreSQL re-checks the row after
//! the winner commits; SQLite's write lock serialises), committed with the job's own writes
//! (its e-mails in the outbox, the next reminder). So each job runs once, or, if it fails, not
//! at all and again later. Below the domains: each domain gives its [`Handler`]s at startup.

pub mod cleanup;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::app::AppState;
use crate::db::schema::scheduled_jobs;
use crate::db::{in_index_order, new_id, now, write_transaction, DbConnection, WriteTx};
use crate::error::ApiError;

/// A job as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = scheduled_jobs)]
pub struct Job {
    pub id: String,
    pub kind: String,
    /// What the job is about: an agreement's id, a mission's, a date.
    pub subject_id: String,
    pub due_at: NaiveDateTime,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub done_by: Option<String>,
    pub done_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// Does one job inside the transaction that took it. An error rolls everything back; the
/// job is tried again later.
pub type Handler = fn(&mut WriteTx<'_>, &AppState, &Job) -> Result<(), ApiError>;

/// The handlers by job kind, given by the domains at startup.
#[derive(Clone, Default)]
pub struct Handlers(HashMap<&'static str, Handler>);

impl Handlers {
    pub fn with(mut self, kind: &'static str, handler: Handler) -> Self {
        self.0.insert(kind, handler);
        self
    }
}

/// Failed runs before a job is left `failed` (and logged as an error).
const MAX_ATTEMPTS: i32 = 8;
/// Jobs looked at per pass.
const BATCH: i64 = 100;

/// Schedules `kind` about `subject_id` at `due_at`, inside the caller's transaction. The same
/// (kind, subject, instant) scheduled twice is one job.
pub fn schedule(
    conn: &mut DbConnection,
    kind: &str,
    subject_id: &str,
    due_at: NaiveDateTime,
) -> QueryResult<()> {
    let query = diesel::insert_into(scheduled_jobs::table)
        .values((
            scheduled_jobs::id.eq(new_id()),
            scheduled_jobs::kind.eq(kind),
            scheduled_jobs::subject_id.eq(subject_id),
            scheduled_jobs::due_at.eq(due_at),
            scheduled_jobs::status.eq("pending"),
            scheduled_jobs::attempts.eq(0),
            scheduled_jobs::created_at.eq(now()),
        ))
        .on_conflict_do_nothing();
    match conn {
        DbConnection::Postgresql(pg) => query.execute(pg)?,
        DbConnection::Sqlite(lite) => query.execute(lite)?,
    };
    Ok(())
}

/// Drops the pending `kind` jobs about `subject_id` (a date moved: the caller schedules anew).
pub fn unschedule(conn: &mut DbConnection, kind: &str, subject_id: &str) -> QueryResult<usize> {
    diesel::delete(
        scheduled_jobs::table
            .filter(scheduled_jobs::kind.eq(kind))
            .filter(scheduled_jobs::subject_id.eq(subject_id))
            .filter(scheduled_jobs::status.eq("pending")),
    )
    .execute(conn)
}

/// The jobs about `subject_id` of these kinds, most recent first (for pages and tests).
pub fn about(conn: &mut DbConnection, subject_id: &str) -> QueryResult<Vec<Job>> {
    scheduled_jobs::table
        .filter(scheduled_jobs::subject_id.eq(subject_id))
        .order(scheduled_jobs::due_at.desc())
        .select(Job::as_select())
        .load(conn)
}

/// Runs every job due now: returns how many this instance ran. `instance` names the runner
/// in `done_by`.
pub fn run_due(state: &AppState, handlers: &Handlers, instance: &str) -> Result<usize, ApiError> {
    let mut conn = state.pool.get()?;
    // In a transaction of its own, where the query is held to `scheduled_jobs_pending`'s order.
    let due: Vec<Job> = conn.transaction(|conn| {
        in_index_order(conn)?;
        scheduled_jobs::table
            .filter(scheduled_jobs::status.eq("pending"))
            .filter(scheduled_jobs::due_at.le(now()))
            .order((scheduled_jobs::due_at.asc(), scheduled_jobs::id.asc()))
            .limit(BATCH)
            .select(Job::as_select())
            .load(conn)
    })?;
    let mut ran = 0;
    for job in due {
        let Some(handler) = handlers.0.get(job.kind.as_str()) else {
            tracing::error!(kind = %job.kind, id = %job.id, "no handler for this scheduled job");
            continue;
        };
        let outcome = write_transaction(&mut conn, |tx| {
            let taken = diesel::update(
                scheduled_jobs::table
                    .filter(scheduled_jobs::id.eq(&job.id))
                    .filter(scheduled_jobs::status.eq("pending")),
            )
            .set((
                scheduled_jobs::status.eq("done"),
                scheduled_jobs::done_by.eq(instance),
                scheduled_jobs::done_at.eq(now()),
                scheduled_jobs::attempts.eq(scheduled_jobs::attempts + 1),
            ))
            .execute(&mut **tx)?;
            if taken == 1 {
                handler(tx, state, &job)?;
            }
            Ok(taken == 1)
        });
        match outcome {
            Ok(true) => ran += 1,
            Ok(false) => {}
            Err(error) => record_failure(&mut conn, &job, &error)?,
        }
    }
    Ok(ran)
}

/// A failed run is tried again after a back-off (1, 2, 4 … minutes), then left `failed`.
fn record_failure(conn: &mut DbConnection, job: &Job, error: &ApiError) -> Result<(), ApiError> {
    let attempts = job.attempts + 1;
    let failed = attempts >= MAX_ATTEMPTS;
    if failed {
        tracing::error!(kind = %job.kind, id = %job.id, %error, "scheduled job failed for good");
    } else {
        tracing::warn!(kind = %job.kind, id = %job.id, %error, "scheduled job failed; retried later");
    }
    let retry_at = now() + chrono::Duration::minutes(1 << attempts.min(10));
    diesel::update(
        scheduled_jobs::table
            .filter(scheduled_jobs::id.eq(&job.id))
            .filter(scheduled_jobs::status.eq("pending")),
    )
    .set((
        scheduled_jobs::status.eq(if failed { "failed" } else { "pending" }),
        scheduled_jobs::attempts.eq(attempts),
        scheduled_jobs::last_error.eq(error.to_string()),
        scheduled_jobs::due_at.eq(retry_at),
    ))
    .execute(conn)?;
    Ok(())
}

/// Looks for due jobs every `poll` on the blocking pool, for as long as the server runs.
pub fn spawn(
    state: Arc<AppState>,
    handlers: Handlers,
    poll: Duration,
) -> tokio::task::JoinHandle<()> {
    let instance = format!("{}-{}", std::process::id(), &new_id()[24..]);
    let handlers = Arc::new(handlers);
    tokio::spawn(async move {
        loop {
            let (state, handlers, instance) = (state.clone(), handlers.clone(), instance.clone());
            let pass =
                tokio::task::spawn_blocking(move || run_due(&state, &handlers, &instance)).await;
            match pass {
                Ok(Ok(ran)) if ran > 0 => tracing::info!(ran, "scheduled jobs run"),
                Ok(Ok(_)) => {}
                Ok(Err(error)) => tracing::warn!(%error, "scheduled jobs: pass failed"),
                Err(error) => tracing::error!(%error, "scheduled jobs: pass panicked"),
            }
            tokio::time::sleep(poll).await;
        }
    })
}
