-- Each step of an agreement's validation before sending (issue 23): who approved or refused,
-- when, and why; a refusal always has its reason. `resubmitted`: the requester corrected the
-- agreement after a refusal and asks again.
CREATE TABLE agreement_validations (
    id TEXT PRIMARY KEY NOT NULL,
    agreement_id TEXT NOT NULL REFERENCES agreements (id),
    step TEXT NOT NULL CHECK (step IN ('pedagogical', 'administrative')),
    decision TEXT NOT NULL CHECK (decision IN ('approved', 'refused', 'resubmitted')),
    reason TEXT,
    by_user TEXT NOT NULL REFERENCES users (id),
    at TIMESTAMP NOT NULL,
    CHECK (decision <> 'refused' OR length(trim(reason)) > 0)
);
CREATE INDEX agreement_validations_agreement ON agreement_validations (agreement_id, at);
