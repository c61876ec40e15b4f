-- A roster uploaded through the web, kept between the preview and the confirmation.
-- In the database rather than on one server's disk, so that any web instance can confirm
-- what another one previewed. Not campaign data (the import itself is audited); rows older
-- than an hour are removed whenever a new file is staged.

CREATE TABLE staged_imports (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    kind TEXT NOT NULL,
    -- As the browser named it: shown to the user, never used as a path.
    file_name TEXT NOT NULL,
    content BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
