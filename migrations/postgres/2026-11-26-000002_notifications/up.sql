-- The e-mail outbox: each row is written in the transaction of the change that causes it and
-- delivered later by the worker. A row is claimed by setting claimed_by/claimed_until (a lease);
-- a lease that runs out (its worker died) makes the row claimable again.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    recipient TEXT NOT NULL,
    locale TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    attachments TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_by TEXT,
    claimed_until TIMESTAMP,
    last_error TEXT,
    message_id TEXT NOT NULL,
    dedupe_key TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE UNIQUE INDEX notifications_dedupe_key ON notifications (dedupe_key);
CREATE UNIQUE INDEX notifications_message_id ON notifications (message_id);
CREATE INDEX notifications_due ON notifications (status, next_attempt_at);
CREATE INDEX notifications_recipient ON notifications (recipient);

-- One-time tokens to choose a password (welcome e-mails, forgotten passwords); hashes only.
CREATE TABLE password_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX password_tokens_user ON password_tokens (user_id);
