//! Delivery: turns an outbox row into a MIME message and hands it to the configured transport
//! (SMTP with a connection pool, `.eml` files, or the log), classifying failures for retries.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment as MimeAttachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{MailSettings, MailTls, MailTransport};
use crate::mail::domain::Delivery;
use crate::mail::models::Notification;

/// Messages delivered at once; also the SMTP pool size. A relay on a LAN answers in a few
/// milliseconds: 16 connections keep it busy without looking like a flood.
pub const CONCURRENCY: u32 = 16;
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
    Log,
}

pub struct Mailer {
    from: Mailbox,
    reply_to: Option<Mailbox>,
    transport: Transport,
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
            MailTransport::Smtp => Transport::Smtp(smtp_transport(settings)?),
        };
        Ok(Self {
            from,
            reply_to,
            transport,
        })
    }

    /// The domain of the sender, used to build Message-IDs.
    pub fn domain(&self) -> String {
        self.from.email.domain().to_owned()
    }

    pub async fn deliver(&self, row: &Notification) -> Delivery {
        let message = match self.build(row) {
            Ok(m) => m,
            Err(e) => return Delivery::Permanent(e),
        };
        match &self.transport {
            Transport::Smtp(smtp) => match smtp.send(message).await {
                Ok(_) => Delivery::Sent,
                Err(e) if e.is_permanent() => Delivery::Permanent(error_chain(&e)),
                Err(e) => Delivery::Transient(error_chain(&e)),
            },
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
                        MimeAttachment::new(a.filename).body(a.content.into_bytes(), content_type),
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

fn smtp_transport(settings: &MailSettings) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    let host = settings.host.as_str();
    let builder = match settings.tls {
        MailTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        MailTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?,
        MailTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)?,
    };
    let mut builder = builder
        .port(settings.port)
        .timeout(Some(SMTP_TIMEOUT))
        .pool_config(PoolConfig::new().max_size(CONCURRENCY));
    if !settings.username.is_empty() {
        builder = builder.credentials(Credentials::new(
            settings.username.clone(),
            settings.password.clone(),
        ));
    }
    Ok(builder.build())
}

/// The error with its causes on one line: "connection refused" is more useful than "network error".
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
