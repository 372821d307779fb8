//! `Outbox::enqueue`: the one call a domain makes to send an e-mail. It renders the message
//! and writes it on the caller's connection, so it commits or rolls back with the change
//! that causes it; the worker delivers it after the commit.

use std::cell::Cell;
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::Notify;

use crate::db::{new_id, now, DbConnection};
use crate::error::ApiError;
use crate::notifications::domain::{Locale, Status};
use crate::notifications::models::{self, Attachment, NewNotification};
use crate::notifications::templates::Templates;

thread_local! {
    /// Set when this thread queued a message, so the request's database helper can wake the
    /// worker once the work (and its transaction) is over.
    static QUEUED: Cell<bool> = const { Cell::new(false) };
}

/// Whether a message was queued on this thread since the last call; clears the flag.
pub fn take_queued() -> bool {
    QUEUED.with(|q| q.replace(false))
}

/// An e-mail to queue: a template `kind` rendered with `values` for one recipient.
pub struct Email<'a, V: Serialize> {
    pub to: &'a str,
    pub kind: &'a str,
    pub values: V,
    /// `None`: the configured `mail.locale`.
    pub locale: Option<Locale>,
    pub attachments: Vec<Attachment>,
    /// The same key queued twice sends once (e.g. `"account_created:<user id>"`).
    pub dedupe_key: Option<String>,
}

impl<'a, V: Serialize> Email<'a, V> {
    pub fn new(to: &'a str, kind: &'a str, values: V) -> Self {
        Self {
            to,
            kind,
            values,
            locale: None,
            attachments: Vec::new(),
            dedupe_key: None,
        }
    }

    pub fn dedupe(mut self, key: impl Into<String>) -> Self {
        self.dedupe_key = Some(key.into());
        self
    }

    pub fn attach(mut self, attachment: Attachment) -> Self {
        self.attachments.push(attachment);
        self
    }
}

pub struct Outbox {
    templates: Templates,
    default_locale: Locale,
    message_domain: String,
    wake: Arc<Notify>,
}

impl Outbox {
    pub fn new(default_locale: Locale, message_domain: String) -> Self {
        Self {
            templates: Templates::new(),
            default_locale,
            message_domain,
            wake: Arc::new(Notify::new()),
        }
    }

    pub fn wake_handle(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Tells the worker something is waiting (cheap; extra wake-ups find nothing to do).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Renders and writes the message in the caller's transaction. Returns false when a
    /// message with the same dedupe key was already queued.
    pub fn enqueue<V: Serialize>(
        &self,
        conn: &mut DbConnection,
        email: Email<'_, V>,
    ) -> Result<bool, ApiError> {
        let locale = email.locale.unwrap_or(self.default_locale);
        let rendered = self
            .templates
            .render(email.kind, locale, &email.values)
            .map_err(ApiError::internal)?;
        let id = new_id();
        let message_id = format!("<{id}@{}>", self.message_domain);
        let attachments = serde_json::to_string(&email.attachments).map_err(ApiError::internal)?;
        let at = now();
        let recipient = email.to.trim().to_lowercase();
        let inserted = models::insert_once(
            conn,
            &NewNotification {
                id: &id,
                recipient: &recipient,
                locale: locale.as_str(),
                kind: email.kind,
                subject: &rendered.subject,
                body_text: &rendered.text,
                body_html: &rendered.html,
                attachments: &attachments,
                status: Status::Pending.as_str(),
                attempts: 0,
                next_attempt_at: at,
                message_id: &message_id,
                dedupe_key: email.dedupe_key.as_deref(),
                created_at: at,
            },
        )?;
        if inserted {
            QUEUED.with(|q| q.set(true));
        }
        Ok(inserted)
    }
}
