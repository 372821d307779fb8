DROP TABLE evaluations;
DROP TABLE agreement_signatures;
DROP TABLE agreement_documents;
DROP TABLE agreements;
DROP TABLE scheduled_jobs;
