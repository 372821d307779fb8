-- Internships under French law (issue 22). The host keeps one record (`companies`), shared by
-- its missions and internships, with what a convention de stage names of it; the
-- internship's own content sits beside its agreement, one row each.
ALTER TABLE companies ADD COLUMN siret TEXT;
ALTER TABLE companies ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE companies ADD COLUMN representative_name TEXT NOT NULL DEFAULT '';
ALTER TABLE companies ADD COLUMN representative_role TEXT NOT NULL DEFAULT '';
-- R124-10's quota reads it; NULL: not known yet (the quota is then a warning to check).
ALTER TABLE companies ADD COLUMN headcount INTEGER CHECK (headcount IS NULL OR headcount >= 0);
-- One record per establishment.
CREATE UNIQUE INDEX companies_siret_key ON companies (siret);

CREATE TABLE internships (
    agreement_id TEXT PRIMARY KEY NOT NULL REFERENCES agreements (id),
    requested_by TEXT NOT NULL REFERENCES users (id),
    student_number TEXT NOT NULL,
    programme TEXT NOT NULL DEFAULT '',
    -- D124-4 1°: the course's volume of hours per year or semester (« 450 h par an »).
    programme_hours TEXT NOT NULL DEFAULT '',
    internship_type TEXT NOT NULL CHECK (internship_type IN ('compulsory', 'optional', 'gap_year')),
    department TEXT NOT NULL DEFAULT '',
    supervisor_name TEXT NOT NULL,
    supervisor_role TEXT NOT NULL DEFAULT '',
    -- Normalised (lower case): R124-13 counts a supervisor's internships by it.
    supervisor_email TEXT NOT NULL,
    supervisor_phone TEXT NOT NULL DEFAULT '',
    activities TEXT NOT NULL DEFAULT '',
    skills TEXT NOT NULL DEFAULT '',
    weekly_minutes INTEGER NOT NULL CHECK (weekly_minutes > 0 AND weekly_minutes <= 2880),
    -- Seven characters, Monday first, '1' for a worked day.
    work_days TEXT NOT NULL DEFAULT '1111100' CHECK (length(work_days) = 7),
    night_work BOOLEAN NOT NULL DEFAULT FALSE,
    sunday_work BOOLEAN NOT NULL DEFAULT FALSE,
    holiday_work BOOLEAN NOT NULL DEFAULT FALSE,
    -- JSON: [{"starts_on": "YYYY-MM-DD", "ends_on": "YYYY-MM-DD"}].
    interruptions TEXT NOT NULL DEFAULT '[]',
    leave TEXT NOT NULL DEFAULT '',
    -- Cents of euro per hour of presence; NULL: none offered.
    gratification_cents INTEGER CHECK (gratification_cents IS NULL OR gratification_cents >= 0),
    gratification_terms TEXT NOT NULL DEFAULT '',
    benefits TEXT NOT NULL DEFAULT '',
    confidential BOOLEAN NOT NULL DEFAULT FALSE,
    -- D124-4 14°: the clauses of the host's règlement intérieur that apply to the intern.
    internal_rules TEXT NOT NULL DEFAULT '',
    -- Staff allowed this internship to overlap another of the same student.
    overlap_allowed BOOLEAN NOT NULL DEFAULT FALSE,
    -- Computed from the dates, schedule, holidays and interruptions on every write (never
    -- typed): the register's hours and the limits' sums read it.
    presence_minutes INTEGER NOT NULL CHECK (presence_minutes >= 0),
    -- L124-6 as judged at the last write: over 308 h at this host in an academic year,
    -- counting the student's other internships there (the document states it).
    gratification_due BOOLEAN NOT NULL DEFAULT FALSE,
    supervisor_token_hash TEXT UNIQUE,
    supervisor_completed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX internships_supervisor ON internships (supervisor_email);

-- The certificate (attestation de stage, D124-9): prepared on the last day from the planned
-- figures, confirmed or corrected by the company supervisor from an e-mailed link.
CREATE TABLE internship_certificates (
    agreement_id TEXT PRIMARY KEY NOT NULL REFERENCES internships (agreement_id),
    token_hash TEXT NOT NULL UNIQUE,
    prepared_at TIMESTAMP NOT NULL,
    presence_minutes INTEGER NOT NULL CHECK (presence_minutes >= 0),
    gratification_cents BIGINT CHECK (gratification_cents IS NULL OR gratification_cents >= 0),
    confirmed_at TIMESTAMP
);
