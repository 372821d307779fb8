DROP TABLE agreement_validations;
