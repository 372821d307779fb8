DROP INDEX agreement_signatures_user_waiting;
DROP INDEX agreements_status_starts;
DROP INDEX agreements_campaign_created;
DROP INDEX agreements_kind_created;
DROP INDEX agreements_status_created;
DROP INDEX agreements_created;
