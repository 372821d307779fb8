-- The scheduled clean-up (src/jobs/cleanup.rs) finds its next batch through these indexes
-- alone, so a batch costs the same whatever the tables' size.
-- Sent messages whose bodies are still kept: the partial index holds only those, and shrinks
-- as bodies are cleared (the clean-up's query repeats this WHERE clause word for word).
CREATE INDEX notifications_body_kept ON notifications (sent_at) WHERE body_text <> '';
-- Password links that have expired.
CREATE INDEX password_tokens_expires ON password_tokens (expires_at);
