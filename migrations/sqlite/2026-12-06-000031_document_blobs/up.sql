-- A version's frozen PDF in a table of its own (issue 24): `agreement_documents` keeps what
-- lists, status pages and signatures read (the SHA-256), a few dozen bytes a row; only the
-- download and the e-mails' attachments read the bytes, by primary key.
CREATE TABLE agreement_document_blobs (
    agreement_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    pdf BLOB NOT NULL,
    PRIMARY KEY (agreement_id, version),
    FOREIGN KEY (agreement_id, version) REFERENCES agreement_documents (agreement_id, version)
);
INSERT INTO agreement_document_blobs (agreement_id, version, pdf)
SELECT agreement_id, version, pdf FROM agreement_documents;
ALTER TABLE agreement_documents DROP COLUMN pdf;
