ALTER TABLE agreement_documents ADD COLUMN pdf BYTEA;
UPDATE agreement_documents SET pdf = (
    SELECT b.pdf FROM agreement_document_blobs b
    WHERE b.agreement_id = agreement_documents.agreement_id AND b.version = agreement_documents.version
);
ALTER TABLE agreement_documents ALTER COLUMN pdf SET NOT NULL;
DROP TABLE agreement_document_blobs;
