DROP TABLE agreement_signed_copies;
