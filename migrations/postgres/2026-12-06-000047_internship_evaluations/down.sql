DROP TABLE internship_evaluations;
