-- Incubator: tutor profiles (on users with role 'tutor'), founders' applications and their
-- audit trail. A tutor's load is derived from what they follow, never stored.
CREATE TABLE tutors (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    -- Expertise domains, comma-separated, each one of the contract's list (checked in code).
    domains TEXT NOT NULL,
    max_projects INTEGER NOT NULL CHECK (max_projects >= 0),
    max_missions INTEGER NOT NULL CHECK (max_missions >= 0),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE applications (
    id TEXT PRIMARY KEY NOT NULL,
    founder_id TEXT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    domain TEXT NOT NULL,
    manufactured_product BOOLEAN NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('submitted', 'incubating', 'rejected', 'withdrawn', 'graduated', 'discontinued')),
    tutor_id TEXT REFERENCES users (id),
    starts_on DATE,
    ends_on DATE,
    decision_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX applications_founder ON applications (founder_id);
CREATE INDEX applications_status ON applications (status);
CREATE INDEX applications_tutor ON applications (tutor_id);

-- Who decided, closed, withdrew or assigned what, and when: one row per move, never updated.
CREATE TABLE application_events (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications (id),
    actor_id TEXT NOT NULL REFERENCES users (id),
    action TEXT NOT NULL CHECK (action IN ('submitted', 'admitted', 'rejected', 'withdrawn', 'graduated', 'discontinued', 'tutor_assigned')),
    from_status TEXT,
    to_status TEXT,
    tutor_id TEXT REFERENCES users (id),
    previous_tutor_id TEXT REFERENCES users (id),
    reason TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX application_events_application ON application_events (application_id, id);

-- One row that admissions lock (FOR UPDATE on PostgreSQL) so that counting the incubating
-- projects and admitting one more happen one at a time.
CREATE TABLE incubator_lock (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1)
);
INSERT INTO incubator_lock (id) VALUES (1);
