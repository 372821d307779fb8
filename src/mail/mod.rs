//! E-mail, below every domain: the durable outbox a domain writes to in its own transaction,
//! the per-locale templates, and the background worker that delivers over SMTP (or to `.eml`
//! files, or the log) with retries and back-off. Staff's view of it is `notifications/`.

pub mod domain;
pub mod mailer;
pub mod models;
pub mod outbox;
pub mod smtp;
pub mod templates;
pub mod worker;

pub use models::Attachment;
pub use outbox::{Email, Outbox};
pub use templates::Vocabulary;
