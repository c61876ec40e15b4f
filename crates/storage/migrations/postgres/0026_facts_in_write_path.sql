-- The score facts are kept by the write path (storage::scores::facts), no longer by
-- triggers (docs/CLUSTER.md, decision 128). PostgreSQL databases created with the
-- triggers lose them where the store prepares the database (migrate::check_postgres):
-- the statements that drop them would not be portable here.
SELECT 1;
