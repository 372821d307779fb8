//! The SMTP client: lettre's connection driven step by step, so that every step (connecting
//! with the greeting and EHLO, STARTTLS, AUTH, MAIL FROM, each RCPT TO, DATA, the message) is
//! bounded by `mail.timeout_seconds`, over a small pool of idle connections.
//!
//! Why not lettre's `AsyncSmtpTransport`: in lettre 0.11 its `timeout` bounds only the TCP
//! connect (`client/async_net.rs`), so a relay that accepts and then says nothing holds a send
//! forever. Cancelling its send from outside does not help: the half-used connection goes back
//! to its pool (`PooledConnection::drop` recycles every connection not marked broken), where
//! the next send's NOOP waits forever, or reads the answer meant for the cancelled command.
//! (The blocking `SmtpTransport` does bound each read and write, but ties a thread to every
//! send, and its abort after a timeout waits once more for the answer to QUIT.) Here a step
//! that runs out of time drops its connection (closing the socket) along with every idle one.

use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::transport::smtp::Error as SmtpError;

use crate::config::{MailSettings, MailTls};

/// An idle connection older than this is closed rather than reused: relays drop quiet
/// sessions after a minute or a few (lettre's pool uses 60 s too).
const MAX_IDLE: Duration = Duration::from_secs(60);

/// One step of an SMTP session, named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// TCP connect, the relay's greeting and our EHLO.
    Connect,
    Starttls,
    Auth,
    MailFrom,
    RcptTo,
    Data,
    /// The message itself, up to the relay's answer to the final dot.
    Message,
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Step::Connect => "connecting (TCP, greeting, EHLO)",
            Step::Starttls => "STARTTLS",
            Step::Auth => "AUTH",
            Step::MailFrom => "MAIL FROM",
            Step::RcptTo => "RCPT TO",
            Step::Data => "DATA",
            Step::Message => "the message data",
        })
    }
}

/// Why a send did not go through.
#[derive(Debug)]
pub enum SmtpFailure {
    /// The relay did not answer this step in time.
    Stalled { step: Step, after: Duration },
    /// The relay refused (4xx, 5xx), or the network or TLS failed, at this step.
    Refused { step: Step, error: SmtpError },
    /// The message needs an extension the relay does not offer (lettre retries these too).
    Unsupported(&'static str),
}

impl SmtpFailure {
    /// A 5xx refusal: sending again will not help.
    pub fn is_permanent(&self) -> bool {
        matches!(self, SmtpFailure::Refused { error, .. } if error.is_permanent())
    }
}

impl std::fmt::Display for SmtpFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SmtpFailure::Stalled { step, after } => write!(
                f,
                "timed out: the relay did not answer {step} within {} s",
                after.as_secs_f32()
            ),
            SmtpFailure::Refused { step, error } => {
                write!(f, "{step}: {}", crate::mail::mailer::error_chain(error))
            }
            SmtpFailure::Unsupported(what) => write!(f, "the relay does not accept {what}"),
        }
    }
}

/// A relay and the idle connections kept open to it.
pub struct Relay {
    host: String,
    port: u16,
    tls: MailTls,
    /// Built once: `none` needs none.
    tls_parameters: Option<TlsParameters>,
    credentials: Option<Credentials>,
    hello: ClientId,
    step_timeout: Duration,
    idle: Mutex<Vec<Idle>>,
    max_idle: usize,
}

struct Idle {
    conn: AsyncSmtpConnection,
    since: Instant,
}

impl Relay {
    /// `max_idle`: connections kept open between sends (the worker's concurrency).
    pub fn new(settings: &MailSettings, max_idle: usize) -> anyhow::Result<Self> {
        let tls_parameters = match settings.tls {
            MailTls::None => None,
            MailTls::Starttls | MailTls::Tls => Some(TlsParameters::new(settings.host.clone())?),
        };
        let credentials = (!settings.username.is_empty())
            .then(|| Credentials::new(settings.username.clone(), settings.password.clone()));
        Ok(Self {
            host: settings.host.clone(),
            port: settings.port,
            tls: settings.tls,
            tls_parameters,
            credentials,
            hello: ClientId::default(),
            step_timeout: Duration::from_secs(settings.timeout_seconds.max(1)),
            idle: Mutex::new(Vec::new()),
            max_idle,
        })
    }

    /// The longest a send to `recipients` can take when no step outlives its bound: a NOOP on
    /// a pooled connection, a new connection (STARTTLS and AUTH), then the transaction.
    pub fn worst_case(&self, recipients: usize) -> Duration {
        let set_up =
            2 + u32::from(self.tls == MailTls::Starttls) + u32::from(self.credentials.is_some());
        let transaction = u32::try_from(recipients)
            .unwrap_or(u32::MAX)
            .saturating_add(3);
        self.step_timeout
            .saturating_mul(set_up.saturating_add(transaction))
    }

    /// Sends one message: on a pooled connection when one still answers, else on a new one.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), SmtpFailure> {
        let result = match self.checkout().await {
            Ok(mut conn) => {
                let result = self.transmit(&mut conn, envelope, message).await;
                match &result {
                    Ok(()) => self.park(conn),
                    Err(failure) => discard(conn, failure, self.step_timeout),
                }
                result
            }
            Err(failure) => Err(failure),
        };
        if let Err(SmtpFailure::Stalled { .. }) = &result {
            // The idle connections are likely as stuck (a relay that stalls, or restarted and
            // left them half-open): new ones will be opened, each within its bound.
            self.lock_idle().clear();
        }
        result
    }

    async fn checkout(&self) -> Result<AsyncSmtpConnection, SmtpFailure> {
        loop {
            let parked = self.lock_idle().pop();
            let Some(idle) = parked else {
                return self.connect().await;
            };
            if idle.since.elapsed() > MAX_IDLE {
                continue; // dropped: the socket closes
            }
            let mut conn = idle.conn;
            match tokio::time::timeout(self.step_timeout, conn.test_connected()).await {
                Ok(true) => return Ok(conn),
                // Closed by the relay meanwhile: try the next one.
                Ok(false) => {}
                // Half-open (the relay restarted or stalls): so are the others, most likely.
                Err(_) => self.lock_idle().clear(),
            }
        }
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, SmtpFailure> {
        let wrapper = match self.tls {
            MailTls::Tls => self.tls_parameters.clone(),
            MailTls::None | MailTls::Starttls => None,
        };
        let mut conn = self
            .step(
                Step::Connect,
                AsyncSmtpConnection::connect_tokio1(
                    (self.host.as_str(), self.port),
                    // lettre's own bound, on the TCP connect alone; ours covers the greeting
                    // and EHLO as well.
                    Some(self.step_timeout),
                    &self.hello,
                    wrapper,
                    None,
                ),
            )
            .await?;
        if let (MailTls::Starttls, Some(parameters)) = (self.tls, &self.tls_parameters) {
            self.step(
                Step::Starttls,
                conn.starttls(parameters.clone(), &self.hello),
            )
            .await?;
        }
        if let Some(credentials) = &self.credentials {
            self.step(Step::Auth, conn.auth(DEFAULT_MECHANISMS, credentials))
                .await?;
        }
        Ok(conn)
    }

    /// What `AsyncSmtpConnection::send` does, with each command bounded.
    async fn transmit(
        &self,
        conn: &mut AsyncSmtpConnection,
        envelope: &Envelope,
        message: &[u8],
    ) -> Result<(), SmtpFailure> {
        let mut options = Vec::new();
        let mut addresses = envelope.from().into_iter().chain(envelope.to());
        if addresses.any(|a| !AsRef::<str>::as_ref(a).is_ascii()) {
            if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
                return Err(SmtpFailure::Unsupported("non-ASCII addresses (SMTPUTF8)"));
            }
            options.push(MailParameter::SmtpUtfEight);
        }
        if !message.is_ascii() {
            if !conn.server_info().supports_feature(Extension::EightBitMime) {
                return Err(SmtpFailure::Unsupported("8-bit messages (8BITMIME)"));
            }
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        self.step(
            Step::MailFrom,
            conn.command(Mail::new(envelope.from().cloned(), options)),
        )
        .await?;
        for to in envelope.to() {
            self.step(
                Step::RcptTo,
                conn.command(Rcpt::new(to.clone(), Vec::new())),
            )
            .await?;
        }
        self.step(Step::Data, conn.command(Data)).await?;
        self.step(Step::Message, conn.message(message)).await?;
        Ok(())
    }

    async fn step<T>(
        &self,
        step: Step,
        work: impl Future<Output = Result<T, SmtpError>>,
    ) -> Result<T, SmtpFailure> {
        match tokio::time::timeout(self.step_timeout, work).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(SmtpFailure::Refused { step, error }),
            Err(_) => Err(SmtpFailure::Stalled {
                step,
                after: self.step_timeout,
            }),
        }
    }

    fn park(&self, conn: AsyncSmtpConnection) {
        let mut idle = self.lock_idle();
        if idle.len() < self.max_idle {
            idle.push(Idle {
                conn,
                since: Instant::now(),
            });
        }
        // Else dropped: the socket closes.
    }

    fn lock_idle(&self) -> std::sync::MutexGuard<'_, Vec<Idle>> {
        self.idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A connection whose send failed is not reused. One that timed out is dropped as it is,
/// closing its socket (its relay does not answer: a QUIT would wait too); one that was
/// refused is closed politely, in the background.
fn discard(mut conn: AsyncSmtpConnection, failure: &SmtpFailure, bound: Duration) {
    match failure {
        SmtpFailure::Stalled { .. } => drop(conn),
        SmtpFailure::Refused { .. } | SmtpFailure::Unsupported(_) => {
            tokio::spawn(async move {
                let _ = tokio::time::timeout(bound, conn.quit()).await;
            });
        }
    }
}
