-- Work that falls due at a date (reminders, warnings, evaluation requests), stored so that it
-- survives restarts. A job is taken by the transaction that does it: an UPDATE from 'pending'
-- to 'done' that only one instance can win, committed with the job's e-mails.
CREATE TABLE scheduled_jobs (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    due_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
    attempts INTEGER NOT NULL,
    last_error TEXT,
    done_by TEXT,
    done_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX scheduled_jobs_once ON scheduled_jobs (kind, subject_id, due_at);
CREATE INDEX scheduled_jobs_due ON scheduled_jobs (status, due_at);

-- Agreements (conventions): a field mission's (one per student), an internship's, a research
-- partnership's. `version` grows when a sent agreement changes; signatures name their version.
CREATE TABLE agreements (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('field_mission', 'internship', 'research')),
    status TEXT NOT NULL CHECK (status IN ('draft', 'sent', 'signed', 'cancelled')),
    version INTEGER NOT NULL CHECK (version >= 1),
    locale TEXT NOT NULL CHECK (locale IN ('fr', 'en')),
    campaign_id TEXT REFERENCES campaigns (id),
    mission_id TEXT REFERENCES missions (id),
    company_id TEXT NOT NULL REFERENCES companies (id),
    student_id TEXT REFERENCES users (id),
    tutor_id TEXT REFERENCES users (id),
    subject TEXT NOT NULL,
    description TEXT NOT NULL,
    place TEXT NOT NULL,
    supervisor TEXT,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    sent_at TIMESTAMP,
    signed_at TIMESTAMP,
    cancelled_at TIMESTAMP,
    cancel_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (ends_on >= starts_on),
    CHECK (kind <> 'field_mission' OR (mission_id IS NOT NULL AND student_id IS NOT NULL)),
    CHECK (kind <> 'internship' OR student_id IS NOT NULL),
    CHECK (kind <> 'research' OR tutor_id IS NOT NULL)
);
-- One field-mission agreement per student of a mission, whatever publishes it twice.
CREATE UNIQUE INDEX agreements_mission_student ON agreements (mission_id, student_id);
CREATE INDEX agreements_campaign ON agreements (campaign_id);
CREATE INDEX agreements_student ON agreements (student_id);
CREATE INDEX agreements_company ON agreements (company_id);
CREATE INDEX agreements_tutor ON agreements (tutor_id);

-- The PDF each sent version was frozen as, with its SHA-256: what the signatories sign.
CREATE TABLE agreement_documents (
    agreement_id TEXT NOT NULL REFERENCES agreements (id),
    version INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    pdf BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (agreement_id, version)
);

-- Who signs each sent version, and their signature once given. A new version voids the rows
-- of the previous one (kept, for the record).
CREATE TABLE agreement_signatures (
    agreement_id TEXT NOT NULL REFERENCES agreements (id),
    version INTEGER NOT NULL,
    party TEXT NOT NULL CHECK (party IN ('school', 'company', 'student', 'tutor')),
    user_id TEXT NOT NULL REFERENCES users (id),
    signed_at TIMESTAMP,
    ip TEXT,
    user_agent TEXT,
    document_sha256 TEXT,
    voided_at TIMESTAMP,
    PRIMARY KEY (agreement_id, version, party)
);
CREATE INDEX agreement_signatures_user ON agreement_signatures (user_id);

-- Marks out of 20 given at a mission's end by its company contact and its tutor, for the
-- whole team (`student_id` = '') or for one student.
CREATE TABLE evaluations (
    mission_id TEXT NOT NULL REFERENCES missions (id),
    evaluator TEXT NOT NULL CHECK (evaluator IN ('company', 'tutor')),
    student_id TEXT NOT NULL,
    evaluator_id TEXT NOT NULL REFERENCES users (id),
    mark DOUBLE PRECISION NOT NULL CHECK (mark >= 0 AND mark <= 20),
    comments TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (mission_id, evaluator, student_id)
);
