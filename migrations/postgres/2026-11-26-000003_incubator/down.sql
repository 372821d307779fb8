DROP TABLE incubator_lock;
DROP TABLE application_events;
DROP TABLE applications;
DROP TABLE tutors;
