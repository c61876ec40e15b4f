//! The task that keeps a server's scores current: computes the current and previous
//! periods as the server starts (if asked), rescores touched subjects every two seconds and,
//! once a minute, recomputes a board whose inputs otherwise changed — all in the background.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use xianfeng_storage::Store;

use super::Scores;

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
        let mut tick = tokio::time::interval(Duration::from_secs(2));
        let mut n: u64 = 0;
        loop {
            tick.tick().await;
            let Some(scores) = weak.upgrade() else { break };
            if let Err(e) = scores.refresh(&store, today()).await {
                tracing::warn!("scores: {e}");
            }
            n += 1;
            if n.is_multiple_of(30)
                && let Err(e) = scores.renew_changed(&store, today()).await
            {
                tracing::warn!("scores: {e}");
            }
        }
    });
    scores
}
