-- Jobs that any server of a cluster may run, each run taken once (日常清理): the first
-- server to insert a run's row does it, the others find the row and skip it.
CREATE TABLE job_runs (
    job TEXT NOT NULL,
    slot BIGINT NOT NULL,
    taken_at BIGINT NOT NULL,
    PRIMARY KEY (job, slot)
);

-- Pruning sign-in attempts and expired sessions by age.
CREATE INDEX login_attempts_at ON login_attempts(at);
CREATE INDEX sessions_last_seen ON sessions(last_seen_at);
