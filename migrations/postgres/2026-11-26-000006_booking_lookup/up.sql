-- Confirmed bookings of one equipment never overlap (the exclusion constraint), so sorted by
-- start they are sorted by end too: the one confirmed booking that starts last before an
-- instant is the only one that can reach past it. This index finds it with an index-only
-- scan, for the friendly overlap check and availability, instead of walking an equipment's
-- whole history.
CREATE INDEX bookings_confirmed ON bookings (equipment_id, starts_at, ends_at)
    WHERE status = 'confirmed';
