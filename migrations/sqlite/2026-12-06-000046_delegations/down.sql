ALTER TABLE agreement_signatures DROP COLUMN signed_by;
DROP TABLE signature_delegations;
