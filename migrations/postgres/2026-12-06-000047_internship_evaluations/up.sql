-- An internship's evaluation by its company supervisor, who has no account and answers from an
-- e-mailed link (only its SHA-256 is kept; a reminder sends a new link that replaces it). The
-- row is made when the evaluation is asked, on the last day of a signed internship; the mark is
-- out of 20 in quarter points, stored as a whole number of quarters (0 to 80) so both backends
-- compare it exactly. Given once: the mark, the appreciation and submitted_at come together.
CREATE TABLE internship_evaluations (
    agreement_id TEXT PRIMARY KEY NOT NULL REFERENCES internships (agreement_id),
    token_hash TEXT NOT NULL UNIQUE,
    mark_quarters INTEGER CHECK (mark_quarters IS NULL OR mark_quarters BETWEEN 0 AND 80),
    appreciation TEXT NOT NULL DEFAULT '' CHECK (length(appreciation) <= 4000),
    skills TEXT NOT NULL DEFAULT '' CHECK (length(skills) <= 4000),
    submitted_at TIMESTAMP,
    reminders_sent INTEGER NOT NULL DEFAULT 0 CHECK (reminders_sent BETWEEN 0 AND 3),
    created_at TIMESTAMP NOT NULL,
    CHECK ((submitted_at IS NULL) = (mark_quarters IS NULL)),
    CHECK (submitted_at IS NULL OR length(trim(appreciation)) > 0)
);
