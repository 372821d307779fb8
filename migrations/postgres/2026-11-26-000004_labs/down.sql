DROP TABLE bookings;
DROP TABLE equipment_authorizations;
DROP TABLE lab_closures;
DROP TABLE equipment;
DROP TABLE lab_opening_hours;
DROP TABLE labs;
