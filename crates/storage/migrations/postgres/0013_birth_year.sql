-- Dates of birth out of plain storage (docs/SECURITY.md): the full date, beside the first
-- and last four characters of the masked ID number, left two digits of a number unknown.
-- Only the year is kept in the clear (for ages); the full date stays inside the encrypted
-- ID number, for those who may reveal it.
ALTER TABLE members ADD COLUMN birth_year BIGINT NOT NULL DEFAULT 0;
UPDATE members SET birth_year = CAST(substr(birth_date, 1, 4) AS BIGINT);
-- step: a schema change after a write starts its own transaction (docs/CLUSTER.md)
ALTER TABLE members DROP COLUMN birth_date;
-- step: a schema change after a write starts its own transaction (docs/CLUSTER.md)
ALTER TABLE cadres ADD COLUMN birth_year BIGINT NOT NULL DEFAULT 0;
UPDATE cadres SET birth_year = CAST(substr(birth_date, 1, 4) AS BIGINT);
-- step: a schema change after a write starts its own transaction (docs/CLUSTER.md)
ALTER TABLE cadres DROP COLUMN birth_date;
