-- A signatory who is absent delegates their signature to another staff account for a period
-- (issue 23): from its first to its last day, the delegate signs in their place; revoked
-- early, it stops. Who actually signed is kept on the signature (`signed_by`).
CREATE TABLE signature_delegations (
    id TEXT PRIMARY KEY NOT NULL,
    from_user TEXT NOT NULL REFERENCES users (id),
    to_user TEXT NOT NULL REFERENCES users (id),
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    CHECK (ends_on >= starts_on),
    CHECK (from_user <> to_user)
);
CREATE INDEX signature_delegations_to ON signature_delegations (to_user, ends_on);
CREATE INDEX signature_delegations_from ON signature_delegations (from_user, ends_on);

-- (No foreign key: a second one to `users` would cost the schema its signatures → users join.)
ALTER TABLE agreement_signatures ADD COLUMN signed_by TEXT;
