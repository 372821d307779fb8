ALTER TABLE agreement_documents DROP COLUMN clauses;
DROP TABLE clause_templates;
