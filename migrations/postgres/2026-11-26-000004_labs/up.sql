-- Labs and bookings. Opening hours are wall-clock minutes in the lab's time zone (applied per
-- date, so they stay right across daylight-saving changes); instants are UTC, whole seconds.
CREATE TABLE labs (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    timezone TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- One weekly opening period: weekday 1 = Monday; minutes after local midnight, closes_minute
-- up to 1440 (midnight at the end of the day).
CREATE TABLE lab_opening_hours (
    id TEXT PRIMARY KEY NOT NULL,
    lab_id TEXT NOT NULL REFERENCES labs (id) ON DELETE CASCADE,
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    opens_minute INTEGER NOT NULL CHECK (opens_minute BETWEEN 0 AND 1439),
    closes_minute INTEGER NOT NULL CHECK (closes_minute BETWEEN 1 AND 1440),
    CHECK (opens_minute < closes_minute)
);
CREATE INDEX lab_opening_hours_lab ON lab_opening_hours (lab_id, weekday, opens_minute);

CREATE TABLE equipment (
    id TEXT PRIMARY KEY NOT NULL,
    lab_id TEXT NOT NULL REFERENCES labs (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    min_minutes INTEGER NOT NULL CHECK (min_minutes >= 0),
    max_minutes INTEGER NOT NULL CHECK (max_minutes >= 0),
    requires_training BOOLEAN NOT NULL,
    weekly_hours_per_project INTEGER CHECK (weekly_hours_per_project >= 0),
    created_at TIMESTAMP NOT NULL,
    CHECK (min_minutes <= max_minutes)
);
CREATE INDEX equipment_lab ON equipment (lab_id, id);

CREATE TABLE lab_closures (
    id TEXT PRIMARY KEY NOT NULL,
    lab_id TEXT NOT NULL REFERENCES labs (id) ON DELETE CASCADE,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    reason TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    CHECK (starts_at < ends_at)
);
CREATE INDEX lab_closures_lab ON lab_closures (lab_id, starts_at);

-- A user trained on one equipment, until expires_on (included) when set.
CREATE TABLE equipment_authorizations (
    id TEXT PRIMARY KEY NOT NULL,
    equipment_id TEXT NOT NULL REFERENCES equipment (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_on DATE,
    granted_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX equipment_authorizations_user ON equipment_authorizations (equipment_id, user_id);

-- mission_id will reference missions (a later migration): stored as given for now.
CREATE TABLE bookings (
    id TEXT PRIMARY KEY NOT NULL,
    equipment_id TEXT NOT NULL REFERENCES equipment (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id),
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
    purpose TEXT,
    application_id TEXT REFERENCES applications (id),
    mission_id TEXT,
    cancelled_at TIMESTAMP,
    cancelled_by TEXT REFERENCES users (id),
    cancel_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    CHECK (starts_at < ends_at)
);
CREATE INDEX bookings_equipment_time ON bookings (equipment_id, starts_at);
CREATE INDEX bookings_user ON bookings (user_id, id);
CREATE INDEX bookings_application ON bookings (application_id, equipment_id, starts_at);
CREATE INDEX bookings_mission ON bookings (mission_id, equipment_id, starts_at);

-- No two confirmed bookings of one equipment overlap ([start, end): touching is fine).
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (
    equipment_id WITH =,
    tsrange(starts_at, ends_at, '[)') WITH &&
) WHERE (status = 'confirmed');
