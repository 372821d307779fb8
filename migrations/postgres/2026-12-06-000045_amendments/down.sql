DROP TABLE agreement_final_documents;
ALTER TABLE agreement_documents DROP COLUMN withdrawn_reason;
DROP TABLE amendment_validations;
DROP TABLE amendment_signatures;
DROP TABLE amendment_documents;
DROP TABLE agreement_amendments;
