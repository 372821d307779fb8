-- The clauses of each kind of agreement and language, as staff edited them (issue 22); a kind
-- and language without a row use the text shipped with fieldlab (or the configured file).
CREATE TABLE clause_templates (
    kind TEXT NOT NULL CHECK (kind IN ('field_mission', 'internship', 'research')),
    locale TEXT NOT NULL CHECK (locale IN ('fr', 'en')),
    body TEXT NOT NULL,
    updated_by TEXT NOT NULL REFERENCES users (id),
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, locale)
);
-- The clauses' template a version was frozen with: its signed copy is rendered again with
-- the same text whatever staff edit afterwards. NULL: versions frozen before this column.
ALTER TABLE agreement_documents ADD COLUMN clauses TEXT;
