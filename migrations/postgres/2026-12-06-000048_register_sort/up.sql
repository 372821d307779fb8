-- The register sorted by its start date walks this index (LIMIT 50 OFFSET n stops early,
-- with or without the planner's statistics); `id` makes the order total, so paging is stable.
CREATE INDEX agreements_starts ON agreements (starts_on, id);
-- A staff member's named register views: the filters and order as a query string.
CREATE TABLE saved_filters (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX saved_filters_user_name ON saved_filters (user_id, name);
