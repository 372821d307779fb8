//! `Outbox::enqueue`: the one call a domain makes to send an e-mail. It renders the message
//! and writes it on the caller's connection, so it commits or rolls back with the change
//! that causes it; the worker delivers it after the commit.

use std::sync::Arc;

use serde::Serialize;
use tokio::sync::Notify;

use crate::db::{new_id, now, WriteTx};
use crate::error::ApiError;
use crate::mail::domain::{Locale, Status};
use crate::mail::models::{self, Attachment, NewNotification};
use crate::mail::templates::{Templates, Vocabulary};
use crate::text::normalise_email;

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
    /// `vocabulary`: the school's name and the domain names every e-mail uses.
    pub fn new(default_locale: Locale, message_domain: String, vocabulary: Vocabulary) -> Self {
        Self {
            templates: Templates::new(vocabulary),
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
        conn: &mut WriteTx<'_>,
        email: Email<'_, V>,
    ) -> Result<bool, ApiError> {
        let message = self.render(email)?;
        self.write(conn, &message)
    }

    /// Renders a message ahead of the transaction that will [`write`](Self::write) it, so a
    /// hot path holds its locks for the insert only, not for templates and attachments.
    pub fn render<V: Serialize>(&self, email: Email<'_, V>) -> Result<Rendered, ApiError> {
        let locale = email.locale.unwrap_or(self.default_locale);
        let body = self
            .templates
            .render(email.kind, locale, &email.values)
            .map_err(ApiError::internal)?;
        let id = new_id();
        Ok(Rendered {
            message_id: format!("<{id}@{}>", self.message_domain),
            id,
            recipient: normalise_email(email.to),
            locale,
            kind: email.kind.to_owned(),
            subject: body.subject,
            text: body.text,
            html: body.html,
            attachments: serde_json::to_string(&email.attachments).map_err(ApiError::internal)?,
            dedupe_key: email.dedupe_key,
        })
    }

    /// Writes a rendered message in the caller's transaction; the worker is woken once it
    /// commits. Returns false when a message with the same dedupe key was already queued.
    pub fn write(&self, conn: &mut WriteTx<'_>, message: &Rendered) -> Result<bool, ApiError> {
        let at = now();
        let inserted = models::insert_once(
            conn,
            &NewNotification {
                id: &message.id,
                recipient: &message.recipient,
                locale: message.locale.as_str(),
                kind: &message.kind,
                subject: &message.subject,
                body_text: &message.text,
                body_html: &message.html,
                attachments: &message.attachments,
                status: Status::Pending.as_str(),
                attempts: 0,
                next_attempt_at: at,
                message_id: &message.message_id,
                dedupe_key: message.dedupe_key.as_deref(),
                created_at: at,
            },
        )?;
        if inserted {
            let wake = self.wake.clone();
            conn.after_commit(move || wake.notify_one());
        }
        Ok(inserted)
    }
}

/// A message rendered and ready to be written to the outbox.
#[derive(Debug, Clone)]
pub struct Rendered {
    id: String,
    message_id: String,
    recipient: String,
    locale: Locale,
    kind: String,
    subject: String,
    text: String,
    html: String,
    attachments: String,
    dedupe_key: Option<String>,
}
