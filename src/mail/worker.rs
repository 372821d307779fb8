//! The delivery worker started by `serve`. It claims due messages (a lease, `SKIP LOCKED` on
//! PostgreSQL) as delivery slots free up, sends up to [`CONCURRENCY`] at once, and records
//! each outcome as soon as it is known: a slot stays taken until its outcome is written, so
//! after a crash only the messages in flight may go twice, and a relay that stalls holds one
//! slot for one bounded attempt, never the others. Outcomes that arrive together are written
//! in one transaction (a recorder task), and slots freed together are refilled by one claim:
//! under a busy server's writes (SQLite takes them one at a time) the worker needs a write
//! turn per batch, not two per message. It renews the lease of the messages in flight, wakes as soon as a request queues
//! something, polls every few seconds for retries that fall due and for messages queued by
//! other processes, and warns when the oldest pending message has waited too long.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, Notify};
use tokio::task::{Id, JoinError, JoinSet};
use tokio::time::{interval, MissedTickBehavior};

use crate::config::MailSettings;
use crate::db::{new_id, now, write_transaction_with, Pool};
use crate::mail::domain::{outcome, Outcome, StallAlarm, StallChange};
use crate::mail::mailer::{Mailer, CONCURRENCY};
use crate::mail::models::{self, Notification};

const POLL: Duration = Duration::from_secs(2);

/// Pauses before each new try at recording an outcome the database did not take (a restart,
/// a full pool): about 8 s in all, well within a lease, which stays renewed meanwhile.
const RECORD_RETRIES: [Duration; 5] = [
    Duration::from_millis(250),
    Duration::from_millis(500),
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
];

/// One outcome waiting to be written, and who waits for it.
struct Record {
    id: String,
    result: Arc<Outcome>,
    written: oneshot::Sender<anyhow::Result<usize>>,
}

pub struct Worker {
    shared: Arc<Shared>,
    wake: Arc<Notify>,
    lease: Duration,
    stall_warning: Duration,
}

/// What each delivery task needs.
struct Shared {
    pool: Pool,
    mailer: Arc<Mailer>,
    retry_base: Duration,
    max_attempts: i32,
    /// This process's claim token: rows it claimed carry it.
    id: String,
}

impl Worker {
    pub fn new(pool: Pool, mailer: Arc<Mailer>, wake: Arc<Notify>, mail: &MailSettings) -> Self {
        Self {
            shared: Arc::new(Shared {
                pool,
                mailer,
                retry_base: Duration::from_secs(mail.retry_base_seconds.max(1)),
                max_attempts: mail.max_attempts.max(1),
                id: new_id(),
            }),
            wake,
            lease: Duration::from_secs(mail.claim_lease_seconds.max(2)),
            stall_warning: Duration::from_secs(mail.stall_warning_seconds.max(1)),
        }
    }

    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            tracing::info!(worker = %self.shared.id, "e-mail worker started");
            self.run(false).await;
        })
    }

    /// Delivers every message due and returns how many attempts it made (the benchmark's
    /// drain): the same loop as the server's, ending when nothing is due or in flight.
    pub async fn drain(&self) -> usize {
        self.run(true).await
    }

    async fn run(&self, until_idle: bool) -> usize {
        let (records, queue) = mpsc::unbounded_channel();
        let recorder = tokio::spawn(Arc::clone(&self.shared).record_batches(queue));
        let attempted = self.deliver_due(until_idle, records).await;
        recorder.abort();
        attempted
    }

    async fn deliver_due(&self, until_idle: bool, records: mpsc::UnboundedSender<Record>) -> usize {
        let mut in_flight = InFlight::default();
        let mut poll = interval(POLL);
        let mut renew = interval(self.lease / 4);
        let mut watch = interval((self.stall_warning / 4).clamp(POLL / 2, POLL * 5));
        for timer in [&mut poll, &mut renew, &mut watch] {
            timer.set_missed_tick_behavior(MissedTickBehavior::Delay);
        }
        let mut alarm = StallAlarm::default();
        // Whether due messages may be waiting unclaimed: after a wake-up, a poll, or a claim
        // that got all it asked for.
        let mut look = true;
        let mut attempted = 0;
        loop {
            let free = CONCURRENCY - in_flight.len();
            if look && free > 0 {
                match self.claim(free).await {
                    Ok(rows) => {
                        look = rows.len() == free;
                        attempted += rows.len();
                        for row in rows {
                            in_flight.start(&self.shared, row, &records);
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "e-mail worker could not reach the database");
                        look = false;
                    }
                }
            }
            if until_idle && !look && in_flight.is_empty() {
                return attempted;
            }
            tokio::select! {
                Some(done) = in_flight.tasks.join_next_with_id() => {
                    in_flight.finished(done);
                    // Slots freed by one recorded batch are refilled by one claim.
                    while let Some(done) = in_flight.tasks.try_join_next_with_id() {
                        in_flight.finished(done);
                    }
                }
                () = self.wake.notified() => look = true,
                _ = poll.tick() => look = true,
                _ = renew.tick() => self.renew(in_flight.message_ids()).await,
                _ = watch.tick(), if !until_idle => self.watch(&mut alarm).await,
            }
        }
    }

    /// Claims up to `limit` due messages for this worker.
    async fn claim(&self, limit: usize) -> anyhow::Result<Vec<Notification>> {
        let (pool, id, lease) = (self.shared.pool.clone(), self.shared.id.clone(), self.lease);
        let limit = i64::try_from(limit)?;
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            anyhow::Ok(models::claim_due(&mut conn, &id, limit, lease)?)
        })
        .await?
    }

    /// Keeps the messages in flight claimed, however slow their relay: without this, a send
    /// that outlives its lease could be claimed and sent by another worker as well.
    async fn renew(&self, ids: Vec<String>) {
        if ids.is_empty() {
            return;
        }
        let (pool, worker) = (self.shared.pool.clone(), self.shared.id.clone());
        let until =
            now() + chrono::Duration::from_std(self.lease).unwrap_or(chrono::Duration::seconds(40));
        let renewed = tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            anyhow::Ok(write_transaction_with(&mut conn, &[], |conn| {
                models::extend_claims(conn, &worker, &ids, until)
            })?)
        })
        .await;
        if let Err(e) = renewed.map_err(anyhow::Error::from).and_then(|r| r) {
            tracing::warn!(error = %e, "e-mail worker could not renew its claims");
        }
    }

    /// Warns once when the oldest pending message has waited longer than
    /// `mail.stall_warning_seconds`, and says so when delivery has caught up again.
    async fn watch(&self, alarm: &mut StallAlarm) {
        let pool = self.shared.pool.clone();
        let oldest = tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            anyhow::Ok(models::oldest_pending(&mut conn)?)
        })
        .await;
        let Ok(Ok(oldest)) = oldest else {
            return; // the database is away: claims report it
        };
        let age = oldest.map(|at| (now() - at).to_std().unwrap_or_default());
        let waited = age.unwrap_or_default().as_secs();
        let limit = self.stall_warning.as_secs();
        match alarm.observe(age, self.stall_warning) {
            Some(StallChange::Stalled) => tracing::warn!(
                oldest_pending_seconds = waited,
                stall_warning_seconds = limit,
                "e-mail delivery is stalled: the oldest pending message has waited {waited} s"
            ),
            Some(StallChange::Recovered) => tracing::info!(
                oldest_pending_seconds = waited,
                "e-mail delivery has caught up"
            ),
            None => {}
        }
    }
}

/// The delivery tasks running, and the message each one carries.
#[derive(Default)]
struct InFlight {
    tasks: JoinSet<()>,
    messages: HashMap<Id, String>,
}

impl InFlight {
    fn start(
        &mut self,
        shared: &Arc<Shared>,
        row: Notification,
        records: &mpsc::UnboundedSender<Record>,
    ) {
        let message = row.id.clone();
        let task = self
            .tasks
            .spawn(Arc::clone(shared).deliver(row, records.clone()));
        self.messages.insert(task.id(), message);
    }

    fn finished(&mut self, done: Result<(Id, ()), JoinError>) {
        let task = match done {
            Ok((task, ())) => task,
            Err(e) => {
                // Left claimed: sent again when its lease ends.
                tracing::error!(error = %e, "an e-mail delivery task failed");
                e.id()
            }
        };
        self.messages.remove(&task);
    }

    fn len(&self) -> usize {
        self.tasks.len()
    }

    fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    fn message_ids(&self) -> Vec<String> {
        self.messages.values().cloned().collect()
    }
}

impl Shared {
    /// One attempt at one message, recorded as soon as it is over (its slot is held until
    /// then).
    async fn deliver(self: Arc<Self>, row: Notification, records: mpsc::UnboundedSender<Record>) {
        let delivery = self.mailer.deliver(&row).await;
        let result = outcome(
            delivery,
            row.attempts + 1,
            self.retry_base,
            self.max_attempts,
        );
        match &result {
            Outcome::Sent => {}
            Outcome::RetryAfter(delay, error) => {
                tracing::warn!(id = %row.id, to = %row.recipient, %error, retry_in_s = delay.as_secs(), "e-mail delivery failed; will retry");
            }
            Outcome::Failed(error) => {
                tracing::error!(id = %row.id, to = %row.recipient, %error, "e-mail delivery failed for good");
            }
        }
        let result = Arc::new(result);
        for pause in std::iter::once(None).chain(RECORD_RETRIES.map(Some)) {
            if let Some(pause) = pause {
                tokio::time::sleep(pause).await;
            }
            let (written, answer) = oneshot::channel();
            let record = Record {
                id: row.id.clone(),
                result: Arc::clone(&result),
                written,
            };
            if records.send(record).is_err() {
                break; // the worker is stopping: the claim lapses and another try comes
            }
            match answer.await {
                Ok(Ok(0)) => {
                    tracing::warn!(id = %row.id, "an e-mail's claim had passed to another worker; its attempt is not recorded");
                    return;
                }
                Ok(Ok(_)) => return,
                Ok(Err(e)) => {
                    tracing::warn!(id = %row.id, error = %e, "could not record an e-mail attempt");
                }
                Err(_) => break,
            }
        }
        tracing::error!(id = %row.id, "gave up recording an e-mail attempt: the message will be tried again when its claim lapses");
    }

    /// Writes the outcomes that wait, as many as have come (at most a worker's slots), in one
    /// short transaction each time; every waiting task learns what became of its own.
    async fn record_batches(self: Arc<Self>, mut queue: mpsc::UnboundedReceiver<Record>) {
        while let Some(first) = queue.recv().await {
            let mut batch = vec![first];
            while batch.len() < CONCURRENCY {
                match queue.try_recv() {
                    Ok(record) => batch.push(record),
                    Err(_) => break,
                }
            }
            let outcomes: Vec<(String, Arc<Outcome>)> = batch
                .iter()
                .map(|r| (r.id.clone(), Arc::clone(&r.result)))
                .collect();
            let shared = Arc::clone(&self);
            let written = tokio::task::spawn_blocking(move || shared.record(&outcomes))
                .await
                .map_err(anyhow::Error::from)
                .and_then(|r| r);
            match written {
                Ok(counts) => {
                    for (record, count) in batch.into_iter().zip(counts) {
                        let _ = record.written.send(Ok(count));
                    }
                }
                Err(e) => {
                    for record in batch {
                        let _ = record.written.send(Err(anyhow::anyhow!("{e}")));
                    }
                }
            }
        }
    }

    /// Writes attempts' outcomes in one short transaction: for each, the rows written (0 when
    /// its claim had passed to another worker).
    fn record(&self, outcomes: &[(String, Arc<Outcome>)]) -> anyhow::Result<Vec<usize>> {
        let mut conn = self.pool.get()?;
        Ok(write_transaction_with(&mut conn, &[], |conn| {
            outcomes
                .iter()
                .map(|(id, result)| match &**result {
                    Outcome::Sent => models::mark_sent(conn, id, &self.id),
                    Outcome::RetryAfter(delay, error) => {
                        let at = now()
                            + chrono::Duration::from_std(*delay)
                                .unwrap_or(chrono::Duration::hours(1));
                        models::mark_attempt_failed(conn, id, &self.id, error, Some(at))
                    }
                    Outcome::Failed(error) => {
                        models::mark_attempt_failed(conn, id, &self.id, error, None)
                    }
                })
                .collect::<Result<Vec<_>, _>>()
        })?)
    }
}
