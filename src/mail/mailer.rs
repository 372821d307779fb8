//! Delivery: turns an outbox row into a MIME message and hands it to the configured transport
//! (SMTP through [`Relay`], `.eml` files, or the log), within a hard time bound, classifying
//! failures for retries.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment as MimeAttachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncFileTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{MailSettings, MailTransport};
use crate::mail::domain::Delivery;
use crate::mail::models::Notification;
use crate::mail::smtp::Relay;

/// Messages in flight at once (claimed, being sent or having their outcome written). Under a
/// busy server each message spends most of its time waiting (a thread, a write turn), not
/// working: 64 keep the outbox draining at hundreds a second while PDFs fill the cores.
/// After a crash, at most this many messages (those in flight) may be sent twice.
pub const CONCURRENCY: usize = 64;

/// SMTP connections open at once (and kept idle between sends). A relay on a LAN answers in a
/// few milliseconds: 16 connections keep it busy without looking like a flood.
pub const RELAY_CONNECTIONS: usize = 16;

pub enum Transport {
    Smtp(Relay),
    File(AsyncFileTransport<Tokio1Executor>),
    Log,
}

pub struct Mailer {
    from: Mailbox,
    reply_to: Option<Mailbox>,
    transport: Transport,
    /// At most [`RELAY_CONNECTIONS`] sends talk to the relay at once; the others wait here,
    /// before their attempt's clock starts.
    relay_turns: tokio::sync::Semaphore,
    /// `mail.timeout_seconds`: each SMTP step's bound, and a file write's.
    timeout: Duration,
}

impl Mailer {
    pub fn new(settings: &MailSettings) -> anyhow::Result<Self> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("mail.from `{}` is not an address: {e}", settings.from))?;
        let reply_to = match settings.reply_to.trim() {
            "" => None,
            address => Some(address.parse().map_err(|e| {
                anyhow::anyhow!("mail.reply_to `{address}` is not an address: {e}")
            })?),
        };
        let transport = match settings.transport {
            MailTransport::Log => Transport::Log,
            MailTransport::File => {
                std::fs::create_dir_all(&settings.dir).map_err(|e| {
                    anyhow::anyhow!("cannot create the mail folder {}: {e}", settings.dir)
                })?;
                Transport::File(AsyncFileTransport::new(&settings.dir))
            }
            MailTransport::Smtp => Transport::Smtp(Relay::new(settings, RELAY_CONNECTIONS)?),
        };
        Ok(Self {
            from,
            reply_to,
            transport,
            relay_turns: tokio::sync::Semaphore::new(RELAY_CONNECTIONS),
            timeout: Duration::from_secs(settings.timeout_seconds.max(1)),
        })
    }

    /// The domain of the sender, used to build Message-IDs.
    pub fn domain(&self) -> String {
        self.from.email.domain().to_owned()
    }

    /// One attempt. Each SMTP step is bounded by the relay; the whole attempt is bounded
    /// again here, by the sum of its steps' bounds, so that no step left unbounded (a name
    /// lookup, a TLS handshake, a disk that hangs) can hold the worker.
    pub async fn deliver(&self, row: &Notification) -> Delivery {
        let message = match self.build(row) {
            Ok(m) => m,
            Err(e) => return Delivery::Permanent(e),
        };
        let _turn = match &self.transport {
            Transport::Smtp(_) => self.relay_turns.acquire().await.ok(),
            Transport::File(_) | Transport::Log => None,
        };
        let bound = match &self.transport {
            Transport::Smtp(relay) => relay.worst_case(message.envelope().to().len()),
            Transport::File(_) | Transport::Log => self.timeout,
        };
        match tokio::time::timeout(bound, self.send(row, message)).await {
            Ok(delivery) => delivery,
            Err(_) => Delivery::Transient(format!(
                "timed out: not delivered within {} s",
                bound.as_secs()
            )),
        }
    }

    async fn send(&self, row: &Notification, message: Message) -> Delivery {
        match &self.transport {
            Transport::Smtp(relay) => {
                let raw = message.formatted();
                match relay.send(message.envelope(), &raw).await {
                    Ok(()) => Delivery::Sent,
                    Err(e) if e.is_permanent() => Delivery::Permanent(e.to_string()),
                    Err(e) => Delivery::Transient(e.to_string()),
                }
            }
            Transport::File(file) => match file.send(message).await {
                Ok(_) => Delivery::Sent,
                Err(e) => Delivery::Transient(error_chain(&e)),
            },
            Transport::Log => {
                tracing::info!(to = %row.recipient, subject = %row.subject, kind = %row.kind, "e-mail (log transport)");
                Delivery::Sent
            }
        }
    }

    fn build(&self, row: &Notification) -> Result<Message, String> {
        let to: Mailbox = row
            .recipient
            .parse()
            .map_err(|e| format!("invalid recipient {}: {e}", row.recipient))?;
        let alternative = MultiPart::alternative()
            .singlepart(SinglePart::plain(row.body_text.clone()))
            .singlepart(SinglePart::html(row.body_html.clone()));
        let attachments = row.attachments();
        let body = if attachments.is_empty() {
            alternative
        } else {
            attachments
                .into_iter()
                .fold(MultiPart::mixed().multipart(alternative), |mixed, a| {
                    let content_type =
                        ContentType::parse(&a.content_type).unwrap_or(ContentType::TEXT_PLAIN);
                    mixed.singlepart(
                        MimeAttachment::new(a.filename.clone()).body(a.bytes(), content_type),
                    )
                })
        };
        let builder = Message::builder().from(self.from.clone());
        let builder = match &self.reply_to {
            Some(reply_to) => builder.reply_to(reply_to.clone()),
            None => builder,
        };
        builder
            .to(to)
            .subject(row.subject.clone())
            // Fixed when queued: a retry re-sends the same message, which receivers can dedupe.
            .message_id(Some(row.message_id.clone()))
            .multipart(body)
            .map_err(|e| format!("cannot build the message: {e}"))
    }
}

/// The error with its causes on one line: "connection refused" is more useful than "network error".
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
