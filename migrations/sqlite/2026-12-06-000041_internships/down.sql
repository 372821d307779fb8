DROP TABLE internship_certificates;
DROP TABLE internships;
DROP INDEX companies_siret_key;
ALTER TABLE companies DROP COLUMN headcount;
ALTER TABLE companies DROP COLUMN representative_role;
ALTER TABLE companies DROP COLUMN representative_name;
ALTER TABLE companies DROP COLUMN address;
ALTER TABLE companies DROP COLUMN siret;
