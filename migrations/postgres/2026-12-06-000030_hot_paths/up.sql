-- Hot paths shaped to their indexes (issue 24). PostgreSQL in CI never analyses a table
-- (autovacuum off), so each hot query must find an index matching its WHERE and ORDER BY by
-- shape alone: equality on the leading columns, then the order, so `LIMIT n` stops after n.

-- The outbox's claim: `status = 'pending' AND next_attempt_at <= now ORDER BY
-- next_attempt_at, id LIMIT n` walks this partial index and stops after n, however many wait.
-- (With `notifications_due` alone, a never-analysed table's planner expected a handful of due
-- rows, read all 40,000 of a backlog through a bitmap and sorted them, at every claim.)
CREATE INDEX notifications_pending ON notifications (next_attempt_at, id) WHERE status = 'pending';
-- The staff's outbox list, newest first, by status or by recipient.
DROP INDEX notifications_recipient;
CREATE INDEX notifications_recipient ON notifications (recipient, id);
CREATE INDEX notifications_status_id ON notifications (status, id);

-- Due jobs in order (the same shape as the outbox's claim), and the jobs about one subject.
CREATE INDEX scheduled_jobs_pending ON scheduled_jobs (due_at, id) WHERE status = 'pending';
CREATE INDEX scheduled_jobs_subject ON scheduled_jobs (subject_id, due_at);

-- How many agreements there are per campaign ('' for none), kind and status, kept by the
-- triggers below: the register's total and the campaigns' progress read these few rows
-- instead of counting every agreement.
CREATE TABLE agreement_counts (
    campaign_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, kind, status)
);
INSERT INTO agreement_counts (campaign_id, kind, status, n)
SELECT COALESCE(campaign_id, ''), kind, status, COUNT(*) FROM agreements
GROUP BY COALESCE(campaign_id, ''), kind, status;

CREATE FUNCTION agreement_counts_add(c TEXT, k TEXT, s TEXT, delta INTEGER) RETURNS void AS $$
    INSERT INTO agreement_counts (campaign_id, kind, status, n) VALUES (COALESCE(c, ''), k, s, delta)
    ON CONFLICT (campaign_id, kind, status) DO UPDATE SET n = agreement_counts.n + delta;
$$ LANGUAGE sql;

-- A change of status moves one agreement from a count to another; the two rows are always
-- written in the same (key) order, so concurrent transactions never wait on each other in a
-- circle. The triggers are deferred to the commit: a count row is locked for the instant the
-- transaction commits, not while it renders a PDF or writes e-mails, so signatures and sendings
-- of one campaign do not queue behind each other.
CREATE FUNCTION agreement_counts_follow() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM agreement_counts_add(NEW.campaign_id, NEW.kind, NEW.status, 1);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM agreement_counts_add(OLD.campaign_id, OLD.kind, OLD.status, -1);
    ELSIF ROW(COALESCE(OLD.campaign_id, ''), OLD.kind, OLD.status)
        < ROW(COALESCE(NEW.campaign_id, ''), NEW.kind, NEW.status) THEN
        PERFORM agreement_counts_add(OLD.campaign_id, OLD.kind, OLD.status, -1);
        PERFORM agreement_counts_add(NEW.campaign_id, NEW.kind, NEW.status, 1);
    ELSE
        PERFORM agreement_counts_add(NEW.campaign_id, NEW.kind, NEW.status, 1);
        PERFORM agreement_counts_add(OLD.campaign_id, OLD.kind, OLD.status, -1);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER agreement_counts_insert AFTER INSERT OR DELETE ON agreements
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION agreement_counts_follow();
CREATE CONSTRAINT TRIGGER agreement_counts_update AFTER UPDATE OF campaign_id, kind, status
ON agreements DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW
WHEN (OLD.campaign_id IS DISTINCT FROM NEW.campaign_id OR OLD.kind IS DISTINCT FROM NEW.kind
      OR OLD.status IS DISTINCT FROM NEW.status)
EXECUTE FUNCTION agreement_counts_follow();
