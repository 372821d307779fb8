-- Amendments (avenants, issue 23): a signed agreement is changed only by an amendment that
-- names what changes (each field's old and new value, as JSON), or ends it early on a date
-- with its reason; validated like the agreement, then signed by the same parties. At most one
-- amendment of an agreement is open (draft or sent) at a time.
CREATE TABLE agreement_amendments (
    id TEXT PRIMARY KEY NOT NULL,
    agreement_id TEXT NOT NULL REFERENCES agreements (id),
    number INTEGER NOT NULL CHECK (number > 0),
    status TEXT NOT NULL CHECK (status IN ('draft', 'sent', 'signed', 'cancelled')),
    reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    changes TEXT NOT NULL,
    terminates_on DATE,
    termination_reason TEXT,
    requested_by TEXT NOT NULL REFERENCES users (id),
    sha256 TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    signed_at TIMESTAMP,
    cancelled_at TIMESTAMP,
    UNIQUE (agreement_id, number),
    CHECK (terminates_on IS NULL OR length(trim(termination_reason)) > 0),
    CHECK (status IN ('draft', 'cancelled') OR sha256 IS NOT NULL)
);
CREATE UNIQUE INDEX agreement_amendments_one_open ON agreement_amendments (agreement_id)
    WHERE status IN ('draft', 'sent');

-- The frozen PDF of a sent amendment, apart from its row (lists never read the bytes).
CREATE TABLE amendment_documents (
    amendment_id TEXT PRIMARY KEY NOT NULL REFERENCES agreement_amendments (id),
    pdf BLOB NOT NULL
);

-- Who signs an amendment (the agreement's parties when it was sent) and their signatures.
CREATE TABLE amendment_signatures (
    amendment_id TEXT NOT NULL REFERENCES agreement_amendments (id),
    party TEXT NOT NULL CHECK (party IN ('school', 'company', 'student', 'tutor')),
    user_id TEXT NOT NULL REFERENCES users (id),
    signed_at TIMESTAMP,
    ip TEXT,
    user_agent TEXT,
    document_sha256 TEXT,
    PRIMARY KEY (amendment_id, party)
);
CREATE INDEX amendment_signatures_user ON amendment_signatures (user_id, signed_at);

-- An amendment's validation steps, as an agreement's (the same rules, its own history).
CREATE TABLE amendment_validations (
    id TEXT PRIMARY KEY NOT NULL,
    amendment_id TEXT NOT NULL REFERENCES agreement_amendments (id),
    step TEXT NOT NULL CHECK (step IN ('pedagogical', 'administrative')),
    decision TEXT NOT NULL CHECK (decision IN ('approved', 'refused', 'resubmitted')),
    reason TEXT,
    by_user TEXT NOT NULL REFERENCES users (id),
    at TIMESTAMP NOT NULL,
    CHECK (decision <> 'refused' OR length(trim(reason)) > 0)
);
CREATE INDEX amendment_validations_amendment ON amendment_validations (amendment_id, at);

-- Why a sent agreement was withdrawn for correction (its signatures voided, everyone told):
-- kept with the version it replaced.
ALTER TABLE agreement_documents ADD COLUMN withdrawn_reason TEXT;

-- A signed agreement's final PDF (its frozen text and signature page) kept as bytes when its
-- first amendment is signed: the amendment changes the agreement's record (dates, place...),
-- and the document the parties signed must not change with it.
CREATE TABLE agreement_final_documents (
    agreement_id TEXT PRIMARY KEY NOT NULL REFERENCES agreements (id),
    pdf BLOB NOT NULL
);
