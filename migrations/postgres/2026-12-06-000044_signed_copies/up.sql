-- An agreement signed outside fieldlab (on paper, elsewhere): staff upload the signed scan as
-- the version's document and attest it (issue 23); who, when and their note are kept.
CREATE TABLE agreement_signed_copies (
    agreement_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    attested_by TEXT NOT NULL REFERENCES users (id),
    attested_at TIMESTAMP NOT NULL,
    note TEXT NOT NULL CHECK (length(trim(note)) > 0),
    PRIMARY KEY (agreement_id, version),
    FOREIGN KEY (agreement_id, version) REFERENCES agreement_documents (agreement_id, version)
);
