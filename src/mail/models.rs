//! Outbox rows and their queries: enqueue, claim (per backend), record an attempt, list, retry.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::notifications;
use crate::db::{in_index_order, now, write_transaction_with, DbConnection};
use crate::paging::PageRequest;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notifications)]
pub struct Notification {
    pub id: String,
    pub recipient: String,
    pub locale: String,
    pub kind: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub attachments: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub message_id: String,
    pub dedupe_key: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// A message as lists show it: everything but its bodies and attachments (a signed
/// agreement's PDF, in base64), which only the sender and the one-message page read.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notifications)]
pub struct Summary {
    pub id: String,
    pub recipient: String,
    pub locale: String,
    pub kind: String,
    pub subject: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub message_id: String,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

impl From<Notification> for Summary {
    fn from(n: Notification) -> Self {
        Self {
            id: n.id,
            recipient: n.recipient,
            locale: n.locale,
            kind: n.kind,
            subject: n.subject,
            status: n.status,
            attempts: n.attempts,
            next_attempt_at: n.next_attempt_at,
            last_error: n.last_error,
            message_id: n.message_id,
            created_at: n.created_at,
            sent_at: n.sent_at,
        }
    }
}

/// A file sent with the message, e.g. an `.ics` event. Stored as JSON text in the row.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    /// The text itself, or the bytes in base64 when `base64` is set (a PDF).
    pub content: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub base64: bool,
}

impl Attachment {
    /// A binary file (a PDF), kept in the row as base64.
    pub fn binary(filename: impl Into<String>, content_type: &str, bytes: &[u8]) -> Self {
        use base64::Engine;
        Self {
            filename: filename.into(),
            content_type: content_type.to_owned(),
            content: base64::engine::general_purpose::STANDARD.encode(bytes),
            base64: true,
        }
    }

    /// The file's bytes as sent.
    pub fn bytes(self) -> Vec<u8> {
        use base64::Engine;
        if self.base64 {
            base64::engine::general_purpose::STANDARD
                .decode(self.content.as_bytes())
                .unwrap_or_default()
        } else {
            self.content.into_bytes()
        }
    }
}

impl Notification {
    pub fn attachments(&self) -> Vec<Attachment> {
        serde_json::from_str(&self.attachments).unwrap_or_default()
    }
}

#[derive(Insertable)]
#[diesel(table_name = notifications)]
pub struct NewNotification<'a> {
    pub id: &'a str,
    pub recipient: &'a str,
    pub locale: &'a str,
    pub kind: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
    pub attachments: &'a str,
    pub status: &'a str,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub message_id: &'a str,
    pub dedupe_key: Option<&'a str>,
    pub created_at: NaiveDateTime,
}

/// Inserts the row unless one with the same dedupe key exists, in one statement
/// (`ON CONFLICT DO NOTHING`): a concurrent duplicate is skipped the same way and leaves the
/// caller's transaction usable. Returns whether the row was written.
pub fn insert_once(conn: &mut DbConnection, row: &NewNotification) -> QueryResult<bool> {
    let query = diesel::insert_into(notifications::table)
        .values(row)
        .on_conflict_do_nothing();
    let written = match conn {
        DbConnection::Postgresql(pg) => query.execute(pg)?,
        DbConnection::Sqlite(lite) => query.execute(lite)?,
    };
    Ok(written == 1)
}

/// Selects the due, unclaimed ids and claims them, inside the caller's transaction. A macro,
/// not a function: it runs on each backend's own connection type, which is what lets
/// PostgreSQL use `FOR UPDATE SKIP LOCKED`.
macro_rules! claim_rows {
    ($conn:expr, $at:expr, $until:expr, $worker:expr, $limit:expr $(, $lock:ident)*) => {{
        let ids: Vec<String> = notifications::table
            .select(notifications::id)
            .filter(notifications::status.eq("pending"))
            .filter(notifications::next_attempt_at.le($at))
            .filter(
                notifications::claimed_until
                    .is_null()
                    .or(notifications::claimed_until.lt($at)),
            )
            .order((notifications::next_attempt_at.asc(), notifications::id.asc()))
            .limit($limit)
            $(.$lock())*
            .load($conn)?;
        diesel::update(notifications::table.filter(notifications::id.eq_any(&ids)))
            .set((
                notifications::claimed_by.eq($worker),
                notifications::claimed_until.eq($until),
            ))
            .execute($conn)?;
        Ok(ids)
    }};
}

/// Claims up to `limit` due messages for `worker` until the lease ends and returns them.
/// PostgreSQL: `FOR UPDATE SKIP LOCKED`, so concurrent workers never claim the same row.
/// SQLite: an immediate (write-locking) transaction, which serialises claimers.
pub fn claim_due(
    conn: &mut DbConnection,
    worker: &str,
    limit: i64,
    lease: Duration,
) -> QueryResult<Vec<Notification>> {
    let at = now();
    let until = at + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(40));
    // On SQLite, the process's write turn: the worker queues with the requests' writers
    // instead of holding the file lock while a booking sleeps in busy_timeout.
    let ids: Vec<String> =
        write_transaction_with::<_, diesel::result::Error, _>(conn, &[], |conn| {
            in_index_order(conn)?;
            match &mut **conn {
                DbConnection::Postgresql(pg) => {
                    claim_rows!(pg, at, until, worker, limit, for_update, skip_locked)
                }
                DbConnection::Sqlite(lite) => claim_rows!(lite, at, until, worker, limit),
            }
        })?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    notifications::table
        .filter(notifications::id.eq_any(&ids))
        .filter(notifications::claimed_by.eq(worker))
        .order((
            notifications::next_attempt_at.asc(),
            notifications::id.asc(),
        ))
        .select(Notification::as_select())
        .load(conn)
}

/// Records a delivered message. Guarded by the claim: a worker whose lease ran out and whose
/// row was re-claimed by another does not overwrite the other's record.
pub fn mark_sent(conn: &mut DbConnection, id: &str, worker: &str) -> QueryResult<usize> {
    diesel::update(
        notifications::table
            .filter(notifications::id.eq(id))
            .filter(notifications::claimed_by.eq(worker)),
    )
    .set((
        notifications::status.eq("sent"),
        notifications::attempts.eq(notifications::attempts + 1),
        notifications::sent_at.eq(now()),
        notifications::last_error.eq(None::<String>),
        notifications::claimed_by.eq(None::<String>),
        notifications::claimed_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)
}

/// Pushes back the end of this worker's claim on messages it is still sending, so a slow
/// relay never lets another worker take them; a process that died stops renewing, and its
/// messages are free again when their lease ends.
pub fn extend_claims(
    conn: &mut DbConnection,
    worker: &str,
    ids: &[String],
    until: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        notifications::table
            .filter(notifications::id.eq_any(ids))
            .filter(notifications::claimed_by.eq(worker))
            .filter(notifications::status.eq("pending")),
    )
    .set(notifications::claimed_until.eq(until))
    .execute(conn)
}

/// Records a failed attempt: back to `pending` at `retry_at`, or `failed` when `retry_at` is None.
pub fn mark_attempt_failed(
    conn: &mut DbConnection,
    id: &str,
    worker: &str,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> QueryResult<usize> {
    let status = if retry_at.is_some() {
        "pending"
    } else {
        "failed"
    };
    diesel::update(
        notifications::table
            .filter(notifications::id.eq(id))
            .filter(notifications::claimed_by.eq(worker)),
    )
    .set((
        notifications::status.eq(status),
        notifications::attempts.eq(notifications::attempts + 1),
        notifications::next_attempt_at.eq(retry_at.unwrap_or_else(now)),
        notifications::last_error.eq(Some(truncate(error, 1000))),
        notifications::claimed_by.eq(None::<String>),
        notifications::claimed_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Notification> {
    notifications::table
        .find(id)
        .select(Notification::as_select())
        .first(conn)
}

/// Newest first, optionally by status and exact recipient; without bodies nor attachments.
pub fn list(
    conn: &mut DbConnection,
    status: Option<&str>,
    recipient: Option<&str>,
    page: &PageRequest,
) -> QueryResult<Vec<Summary>> {
    let mut query = notifications::table
        .select(Summary::as_select())
        .order(notifications::id.desc())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(notifications::status.eq(status.to_owned()));
    }
    if let Some(recipient) = recipient {
        query = query.filter(notifications::recipient.eq(recipient.to_owned()));
    }
    if let Some(after) = &page.after {
        query = query.filter(notifications::id.lt(after.clone()));
    }
    query.load(conn)
}

/// A `failed` message goes back to `pending`, due now, with a fresh set of attempts.
pub fn requeue_failed(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::update(
        notifications::table
            .filter(notifications::id.eq(id))
            .filter(notifications::status.eq("failed")),
    )
    .set((
        notifications::status.eq("pending"),
        notifications::attempts.eq(0),
        notifications::next_attempt_at.eq(now()),
    ))
    .execute(conn)
}

/// What `/metrics` shows of the outbox.
pub struct OutboxStats {
    /// Messages per status.
    pub counts: Vec<(String, i64)>,
    /// When the oldest pending message was queued.
    pub oldest_pending: Option<NaiveDateTime>,
}

pub fn stats(conn: &mut DbConnection) -> QueryResult<OutboxStats> {
    let counts = notifications::table
        .group_by(notifications::status)
        .select((notifications::status, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(OutboxStats {
        counts,
        oldest_pending: oldest_pending(conn)?,
    })
}

/// When the oldest message still waiting to be sent was queued.
pub fn oldest_pending(conn: &mut DbConnection) -> QueryResult<Option<NaiveDateTime>> {
    notifications::table
        .filter(notifications::status.eq("pending"))
        .select(diesel::dsl::min(notifications::created_at))
        .first(conn)
}

/// Whether an e-mail with this dedupe key is already in the outbox (a grouped reminder another
/// agreement's job wrote today: no need to render it again).
pub fn queued(conn: &mut DbConnection, dedupe_key: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        notifications::table.filter(notifications::dedupe_key.eq(dedupe_key)),
    ))
    .get_result(conn)
}
