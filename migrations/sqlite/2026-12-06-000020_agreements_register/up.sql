-- The staff's register pages through every agreement, newest first, with its filters in the
-- query. Each index below serves one of those orders or filters by its shape alone: a
-- `ORDER BY created_at DESC, id DESC LIMIT n` walks `agreements_created` backwards, whatever
-- the planner's statistics say (CI runs PostgreSQL with autovacuum off, so none are gathered).
CREATE INDEX agreements_created ON agreements (created_at, id);
CREATE INDEX agreements_status_created ON agreements (status, created_at, id);
CREATE INDEX agreements_kind_created ON agreements (kind, created_at, id);
CREATE INDEX agreements_campaign_created ON agreements (campaign_id, created_at, id);
-- Overdue: not signed and starting soon.
CREATE INDEX agreements_status_starts ON agreements (status, starts_on);
-- What awaits a signatory: their unsigned rows of current versions.
CREATE INDEX agreement_signatures_user_waiting ON agreement_signatures (user_id, signed_at, voided_at);
