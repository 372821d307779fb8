DROP INDEX bookings_confirmed;
