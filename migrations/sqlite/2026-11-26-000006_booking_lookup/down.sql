DROP TRIGGER bookings_no_overlap_insert;
DROP TRIGGER bookings_no_overlap_update;
DROP INDEX bookings_confirmed;

CREATE TRIGGER bookings_no_overlap_insert BEFORE INSERT ON bookings
WHEN NEW.status = 'confirmed'
BEGIN
    SELECT RAISE(ABORT, 'booking_overlap') WHERE EXISTS (
        SELECT 1 FROM bookings b
        WHERE b.equipment_id = NEW.equipment_id AND b.status = 'confirmed'
          AND b.starts_at < NEW.ends_at AND NEW.starts_at < b.ends_at
    );
END;

CREATE TRIGGER bookings_no_overlap_update BEFORE UPDATE OF equipment_id, starts_at, ends_at, status ON bookings
WHEN NEW.status = 'confirmed'
BEGIN
    SELECT RAISE(ABORT, 'booking_overlap') WHERE EXISTS (
        SELECT 1 FROM bookings b
        WHERE b.equipment_id = NEW.equipment_id AND b.status = 'confirmed' AND b.id <> NEW.id
          AND b.starts_at < NEW.ends_at AND NEW.starts_at < b.ends_at
    );
END;
