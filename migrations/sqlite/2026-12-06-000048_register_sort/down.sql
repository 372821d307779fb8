DROP TABLE saved_filters;
DROP INDEX agreements_starts;
