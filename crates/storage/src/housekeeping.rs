//! Housekeeping (日常清理): what grows without being campaign data — expired sessions,
//! old sign-in attempts, rate counters and score changes — deleted by age. Like sessions, these are
//! written outside the audit chain. Any server of a cluster may run a job; a run is taken
//! once, by the server that inserts its row in `job_runs`.

use xianfeng_domain::auth::{IDLE_TIMEOUT_MS, MAX_SESSION_MS};

use crate::retry::execute;
use crate::{Housekeeping, Result, now_ms};

/// How long sign-in attempts are kept: the security log's six months (网络安全法 第二十一条).
pub const ATTEMPTS_KEPT_MS: i64 = 183 * 24 * 60 * 60 * 1000;
/// How long per-minute counts of mistyped codes are kept: the guessing rule looks back an
/// hour; a day leaves room to look into an attack.
pub const CODE_FAILURES_KEPT_MS: i64 = 24 * 60 * 60 * 1000;
/// How long per-minute counts of open-mode ballots are kept: they flag bursts to the
/// office, for as long as a round's result may be questioned.
pub const OPEN_RATES_KEPT_MS: i64 = 183 * 24 * 60 * 60 * 1000;
/// How long score changes are kept: every server reads them within seconds; a day leaves
/// room to look into a score that moved.
pub const SCORE_CHANGES_KEPT_MS: i64 = 24 * 60 * 60 * 1000;
/// How long a named write lock's row is kept after it was last taken.
const LOCKS_KEPT_MS: i64 = 24 * 60 * 60 * 1000;
/// How long a job's runs are remembered.
const RUNS_KEPT_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// What one pruning deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub sessions: u64,
    pub login_attempts: u64,
    pub code_failures: u64,
    pub open_rates: u64,
    pub job_runs: u64,
    pub score_changes: u64,
    pub write_locks: u64,
}

impl Pruned {
    pub fn total(&self) -> u64 {
        self.sessions
            + self.login_attempts
            + self.code_failures
            + self.open_rates
            + self.job_runs
            + self.score_changes
            + self.write_locks
    }
}

impl Housekeeping<'_> {
    /// Takes run `slot` of `job` for this server: true for exactly one of the servers that
    /// ask, however many ask at once.
    pub async fn take_run(self, job: &str, slot: i64) -> Result<bool> {
        // Two servers inserting the run at once: under serializable isolation one is
        // refused, and run again it finds the row.
        let taken = crate::retry::execute(&self.store.write, || {
            sqlx::query(
                "INSERT INTO job_runs (job, slot, taken_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (job, slot) DO NOTHING",
            )
            .bind(job.to_string())
            .bind(slot)
            .bind(now_ms())
        })
        .await?;
        Ok(taken == 1)
    }

    /// Deletes what is older than it is kept, as of `now` (milliseconds).
    pub async fn prune(self, now: i64) -> Result<Pruned> {
        let minute = |ms: i64| ms / 60_000;
        let pool = &self.store.write;
        // Each delete may meet a session touched or a counter raised at the same moment.
        let sessions = execute(pool, || {
            sqlx::query("DELETE FROM sessions WHERE last_seen_at <= $1 OR created_at <= $2")
                .bind(now - IDLE_TIMEOUT_MS)
                .bind(now - MAX_SESSION_MS)
        })
        .await?;
        let login_attempts = execute(pool, || {
            sqlx::query("DELETE FROM login_attempts WHERE at < $1").bind(now - ATTEMPTS_KEPT_MS)
        })
        .await?;
        let code_failures = execute(pool, || {
            sqlx::query("DELETE FROM code_failures WHERE minute < $1")
                .bind(minute(now - CODE_FAILURES_KEPT_MS))
        })
        .await?;
        let open_rates = execute(pool, || {
            sqlx::query("DELETE FROM open_rates WHERE minute < $1")
                .bind(minute(now - OPEN_RATES_KEPT_MS))
        })
        .await?;
        let job_runs = execute(pool, || {
            sqlx::query("DELETE FROM job_runs WHERE taken_at < $1").bind(now - RUNS_KEPT_MS)
        })
        .await?;
        let score_changes = execute(pool, || {
            sqlx::query("DELETE FROM score_changes WHERE at_ms < $1")
                .bind(now - SCORE_CHANGES_KEPT_MS)
        })
        .await?;
        // A lock row held by a transaction makes its delete wait; gone, it is made again.
        let write_locks = execute(pool, || {
            sqlx::query("DELETE FROM write_locks WHERE taken_at < $1").bind(now - LOCKS_KEPT_MS)
        })
        .await?;
        Ok(Pruned {
            sessions,
            login_attempts,
            code_failures,
            open_rates,
            job_runs,
            score_changes,
            write_locks,
        })
    }
}
