-- Confirmed bookings of one equipment never overlap, so sorted by start they are sorted by end
-- too: the one confirmed booking that starts last before an instant is the only one that can
-- reach past it. This index finds it in O(log n) with no table lookup, for the overlap guard,
-- the friendly check and availability, instead of scanning an equipment's whole history.
-- (PostgreSQL needs no such index: its exclusion constraint's GiST index answers `&&`.)
CREATE INDEX bookings_confirmed ON bookings (equipment_id, starts_at, ends_at)
    WHERE status = 'confirmed';

-- The guards keep their meaning (no two confirmed bookings of one equipment overlap;
-- touching is fine) but look at one row: NEW overlaps a confirmed booking iff the confirmed
-- booking that starts last before NEW ends also ends after NEW starts. That holds because the
-- rows already there are disjoint, which these same triggers guarantee by induction.
DROP TRIGGER bookings_no_overlap_insert;
DROP TRIGGER bookings_no_overlap_update;

CREATE TRIGGER bookings_no_overlap_insert BEFORE INSERT ON bookings
WHEN NEW.status = 'confirmed'
BEGIN
    SELECT RAISE(ABORT, 'booking_overlap') WHERE (
        SELECT b.ends_at FROM bookings b INDEXED BY bookings_confirmed
        WHERE b.equipment_id = NEW.equipment_id AND b.status = 'confirmed'
          AND b.starts_at < NEW.ends_at
        ORDER BY b.starts_at DESC LIMIT 1
    ) > NEW.starts_at;
END;

CREATE TRIGGER bookings_no_overlap_update BEFORE UPDATE OF equipment_id, starts_at, ends_at, status ON bookings
WHEN NEW.status = 'confirmed'
BEGIN
    SELECT RAISE(ABORT, 'booking_overlap') WHERE (
        SELECT b.ends_at FROM bookings b INDEXED BY bookings_confirmed
        WHERE b.equipment_id = NEW.equipment_id AND b.status = 'confirmed' AND b.id <> NEW.id
          AND b.starts_at < NEW.ends_at
        ORDER BY b.starts_at DESC LIMIT 1
    ) > NEW.starts_at;
END;
