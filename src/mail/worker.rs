//! The delivery worker started by `serve`: claims due messages (a lease, `SKIP LOCKED` on
//! PostgreSQL), delivers them with bounded concurrency, records each outcome. It wakes as soon
//! as a request queues something, and polls every few seconds for retries that fall due and
//! for messages queued by other processes.

use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use tokio::sync::Notify;

use crate::db::{now, write_transaction_with, DbConnection, Pool};
use crate::mail::domain::{outcome, Outcome, CLAIM_LEASE};
use crate::mail::mailer::{Mailer, CONCURRENCY};
use crate::mail::models::{self, Notification};

const BATCH: i64 = 128;
const POLL: Duration = Duration::from_secs(2);

pub struct Worker {
    pub pool: Pool,
    pub mailer: Arc<Mailer>,
    pub wake: Arc<Notify>,
    pub retry_base: Duration,
    pub max_attempts: i32,
    /// This process's claim token: rows it claimed carry it.
    pub id: String,
}

impl Worker {
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(self.run())
    }

    async fn run(self) {
        tracing::info!(worker = %self.id, "e-mail worker started");
        loop {
            match self.drain_once().await {
                Ok(0) => {
                    tokio::select! {
                        () = self.wake.notified() => {}
                        () = tokio::time::sleep(POLL) => {}
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "e-mail worker could not reach the database");
                    tokio::time::sleep(POLL).await;
                }
            }
        }
    }

    /// Claims one batch, delivers it, records the outcomes; returns how many were claimed.
    pub async fn drain_once(&self) -> anyhow::Result<usize> {
        let (pool, id) = (self.pool.clone(), self.id.clone());
        let batch: Vec<Notification> = tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            anyhow::Ok(models::claim_due(&mut conn, &id, BATCH, CLAIM_LEASE)?)
        })
        .await??;
        let claimed = batch.len();
        if claimed == 0 {
            return Ok(0);
        }
        let results: Vec<(Notification, Outcome)> = stream::iter(batch)
            .map(|row| async move {
                let delivery = self.mailer.deliver(&row).await;
                let result = outcome(
                    delivery,
                    row.attempts + 1,
                    self.retry_base,
                    self.max_attempts,
                );
                (row, result)
            })
            .buffer_unordered(CONCURRENCY as usize)
            .collect()
            .await;
        let (pool, id) = (self.pool.clone(), self.id.clone());
        tokio::task::spawn_blocking(move || record(&pool, &id, results)).await??;
        Ok(claimed)
    }
}

/// Records a batch's outcomes in one transaction (one commit instead of one per message, and
/// one statement for all the delivered ones).
fn record(pool: &Pool, worker: &str, results: Vec<(Notification, Outcome)>) -> anyhow::Result<()> {
    let mut conn = pool.get()?;
    write_transaction_with(&mut conn, &[], |conn| record_each(conn, worker, results))
}

fn record_each(
    conn: &mut DbConnection,
    worker: &str,
    results: Vec<(Notification, Outcome)>,
) -> anyhow::Result<()> {
    let mut sent = Vec::new();
    for (row, result) in results {
        match result {
            Outcome::Sent => sent.push(row.id),
            Outcome::RetryAfter(delay, error) => {
                let at =
                    now() + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::hours(1));
                tracing::warn!(id = %row.id, to = %row.recipient, %error, retry_in_s = delay.as_secs(), "e-mail delivery failed; will retry");
                models::mark_attempt_failed(conn, &row.id, worker, &error, Some(at))?;
            }
            Outcome::Failed(error) => {
                tracing::error!(id = %row.id, to = %row.recipient, %error, "e-mail delivery failed for good");
                models::mark_attempt_failed(conn, &row.id, worker, &error, None)?;
            }
        }
    }
    if !sent.is_empty() {
        models::mark_sent(conn, &sent, worker)?;
    }
    Ok(())
}
