//! The task that keeps a server's scores current: computes the current and previous
//! periods as the server starts (if asked), then every second applies the score changes
//! any server of the cluster stored (`Scores::refresh`) — all in the background.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering::Relaxed};
use std::time::Duration;

use chrono::NaiveDate;
use xianfeng_storage::Store;

use super::Scores;

/// When the scores last caught up with the database (milliseconds since the epoch; 0:
/// not yet), for the lag `/metrics` reports.
static LAST_REFRESH_MS: AtomicI64 = AtomicI64::new(0);

/// How long ago the scores last caught up with the database; `None` before the first time.
pub fn refresh_lag() -> Option<Duration> {
    let last = LAST_REFRESH_MS.load(Relaxed);
    (last > 0).then(|| {
        Duration::from_millis((chrono::Utc::now().timestamp_millis() - last).max(0) as u64)
    })
}

/// Starts the task and returns the scores it keeps; it stops when they are dropped.
/// `today` is the server's date (the system's, or a rehearsal date).
pub fn keep_current(store: Store, warm: bool, today: fn() -> NaiveDate) -> Arc<Scores> {
    let scores = Arc::new(Scores::new());
    let weak = Arc::downgrade(&scores);
    let warming = scores.clone();
    tokio::spawn(async move {
        if warm {
            let started = std::time::Instant::now();
            match warming.board(&store, None, today()).await {
                Ok(b) => {
                    let period = b.read().ok().map(|b| b.period.clone());
                    if let Some(p) = period
                        && let Err(e) = warming.previous(&store, &p, today()).await
                    {
                        tracing::warn!("scores: {e}");
                    }
                    tracing::info!("scores ready in {:.1} s", started.elapsed().as_secs_f64());
                }
                Err(e) => tracing::warn!("scores: {e}"),
            }
        }
        drop(warming);
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Some(scores) = weak.upgrade() else { break };
            let started = std::time::Instant::now();
            match scores.refresh(&store, today()).await {
                Ok(_) => {
                    metrics::histogram!("score_refresh_seconds")
                        .record(started.elapsed().as_secs_f64());
                    LAST_REFRESH_MS.store(chrono::Utc::now().timestamp_millis(), Relaxed);
                }
                Err(e) => tracing::warn!("scores: {e}"),
            }
        }
    });
    scores
}
