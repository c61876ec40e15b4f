//! Running a use case again when the database refused it only for concurrent work (a
//! serialization failure or a deadlock). The web layer serves a refused request again
//! whole; work that no request carries — a server's own jobs, the ballot writer — runs
//! through [`again`] instead, so that the same refusal does not cost it its turn.

use std::future::Future;

use xianfeng_storage::retry::{ATTEMPTS, backoff};

use crate::AppError;

/// Runs `work` until it succeeds, fails otherwise than [`AppError::is_retryable`], or has
/// been tried [`ATTEMPTS`] times. `work` must be safe to run again: its transactions begun
/// and ended inside it.
pub async fn again<T, F, Fut>(mut work: F) -> Result<T, AppError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    let mut attempt = 0;
    loop {
        match work().await {
            Err(e) if e.is_retryable() && attempt + 1 < ATTEMPTS => {
                attempt += 1;
                tracing::debug!(attempt, "running again after {e}");
                backoff(attempt).await;
            }
            other => return other,
        }
    }
}
