//! Putting a failed e-mail back in the queue: the one rule, for the API and the staff pages.

use crate::db::DbConnection;
use crate::error::ApiError;
use crate::mail::models::{self, Notification};
use crate::mail::Outbox;

/// Re-queues a `failed` message and wakes the worker; anything else is 409
/// `invalid_transition` (a message is sent once, or is already waiting).
pub fn retry(conn: &mut DbConnection, outbox: &Outbox, id: &str) -> Result<Notification, ApiError> {
    let current = models::find(conn, id)?;
    if models::requeue_failed(conn, id)? == 0 {
        return Err(ApiError::conflict(
            "invalid_transition",
            format!(
                "Only failed messages can be retried; this one is {}.",
                current.status
            ),
        ));
    }
    let row = models::find(conn, id)?;
    outbox.wake();
    Ok(row)
}
