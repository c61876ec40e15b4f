-- Sign-in state, kept in the database so that several web instances can share it.
-- Not campaign data: it bypasses the audit chain; login_attempts is itself the record of
-- who tried to sign in, from where, when, and with what outcome.

CREATE TABLE sessions (
    -- SHA-256 of the random token held in the cookie; the token itself is never stored.
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    lang TEXT NOT NULL DEFAULT 'zh-CN',
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE login_attempts (
    id BIGINT PRIMARY KEY,
    username TEXT NOT NULL,
    address TEXT NOT NULL,
    at BIGINT NOT NULL,
    success BIGINT NOT NULL
);
CREATE INDEX login_attempts_user ON login_attempts(username, at);
CREATE INDEX login_attempts_address ON login_attempts(address, at);
