-- Accounts: users with one role each, and their bearer sessions (token stored as a hash only).
CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('staff', 'tutor', 'founder', 'student', 'company')),
    password_hash TEXT,
    created_by TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
-- E-mails are stored normalised (trimmed, lower case); the index makes them unique.
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_role_email ON users (role, email);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
