//! Housekeeping (日常清理) in every server: every ten minutes, the first server to take the
//! run deletes expired sessions, old sign-in attempts and old rate counters
//! (storage::housekeeping says how long each is kept). The others skip that run.

use std::time::Duration;

use xianfeng_storage::{Pruned, Store};

use crate::AppError;

/// How often a run is due, and the job's name in `job_runs`.
pub const EVERY: Duration = Duration::from_secs(600);
const PRUNE: &str = "prune";

/// Runs the pruning due at `now_ms` if no other server took it; `None` if one did.
pub async fn prune_once(store: &Store, now_ms: i64) -> Result<Option<Pruned>, AppError> {
    let slot = now_ms / EVERY.as_millis() as i64;
    if !store.housekeeping().take_run(PRUNE, slot).await? {
        return Ok(None);
    }
    let pruned = store.housekeeping().prune(now_ms).await?;
    metrics::counter!("housekeeping_pruned_rows_total").increment(pruned.total());
    Ok(Some(pruned))
}

/// Starts the job; it stops when the runtime does.
pub fn keep_running(store: Store) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        // Not at start: a server starting takes no extra work.
        tick.tick().await;
        loop {
            tick.tick().await;
            match prune_once(&store, chrono::Utc::now().timestamp_millis()).await {
                Ok(Some(p)) if p.total() > 0 => tracing::info!(?p, "pruned"),
                Ok(_) => {}
                Err(e) => tracing::warn!("housekeeping: {e}"),
            }
        }
    });
}

/// How often every server seals the audit entries left pending (decision 131).
pub const SEAL_EVERY: Duration = Duration::from_secs(1);

/// Starts sealing, every second, the audit entries that a server which stopped between its
/// commit and its own sealing left pending; it stops when the runtime does. Cheap when
/// there is nothing to seal: one short transaction.
pub fn keep_audit_sealed(store: Store) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SEAL_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = store.seal_audit().await {
                tracing::warn!("audit sealing: {e}");
            }
        }
    });
}
