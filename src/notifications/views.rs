//! Bodies of the staff notification endpoints.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::utc;
use crate::mail::domain::Status;
use crate::mail::models::{Notification, Summary};

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    #[schema(format = Uuid)]
    pub id: String,
    pub to: String,
    pub subject: String,
    /// The template, e.g. `account_created`.
    pub kind: String,
    pub locale: String,
    pub status: Status,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub message_id: String,
    pub created_at: DateTime<Utc>,
    /// When the next attempt is due (pending messages).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<Notification> for NotificationView {
    fn from(n: Notification) -> Self {
        Summary::from(n).into()
    }
}

impl From<Summary> for NotificationView {
    fn from(n: Summary) -> Self {
        let status = Status::parse(&n.status).unwrap_or(Status::Pending);
        Self {
            next_attempt_at: (status == Status::Pending).then(|| utc(n.next_attempt_at)),
            id: n.id,
            to: n.recipient,
            subject: n.subject,
            kind: n.kind,
            locale: n.locale,
            status,
            attempts: n.attempts,
            last_error: n.last_error,
            message_id: n.message_id,
            created_at: utc(n.created_at),
            sent_at: n.sent_at.map(utc),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationFilter {
    pub status: Option<Status>,
    /// The recipient's address, matched exactly, ignoring case.
    pub to: Option<String>,
}
