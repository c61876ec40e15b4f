-- The check of an uploaded roster runs once, in the background, and its result is kept
-- with the file: the preview page reads it instead of checking the file again on every
-- visit (issue 15). check_started lets one server claim the check; a claim older than
-- the stale limit (a server that stopped mid-check) may be taken over by another.
ALTER TABLE staged_imports ADD COLUMN check_started BIGINT;
ALTER TABLE staged_imports ADD COLUMN check_result TEXT;
