-- Every login drops the expired sessions; without this index that DELETE reads the whole table.
CREATE INDEX sessions_expires ON sessions (expires_at);
