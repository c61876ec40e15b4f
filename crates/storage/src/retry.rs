//! Running work again when the database asks for it. Under serializable isolation — what
//! CockroachDB gives by default, and PostgreSQL when so configured — two transactions that
//! touch the same rows at once may have one of them refused with a serialization failure
//! (SQLSTATE 40001), and two that lock rows in opposite orders with a deadlock (40P01).
//! Neither is an error of the work itself: run whole again, a little later, it succeeds.

use std::future::Future;
use std::time::Duration;

use crate::{Result, StoreError};

/// How many times work is tried in all before its failure is given back.
pub const ATTEMPTS: u32 = 8;

/// How many times sealing audit entries is tried (`sealer`). The sealers of every server
/// meet on the chain's head, and under serializable isolation all but one of those that
/// meet are refused; a seal only appends what is committed already, so trying long is
/// cheap, and a dozen meeting at once would otherwise starve the unlucky one.
pub const SEAL_ATTEMPTS: u32 = 60;

/// Whether `e` is a refusal the database lifts when the work is run again.
pub fn is_retryable(e: &StoreError) -> bool {
    match e {
        StoreError::Db(sqlx::Error::Database(d)) => {
            matches!(d.code().as_deref(), Some("40001" | "40P01"))
        }
        StoreError::Raced(_) => true,
        _ => false,
    }
}

/// How long to wait before attempt `attempt` (1 for the first retry): a random share of a
/// window that doubles each time from 4 ms, at most 250 ms, so that the transactions that
/// collided do not collide again.
pub fn backoff_time(attempt: u32) -> Duration {
    let window_ms = (4u64 << attempt.min(6)).min(250);
    let mut b = [0u8; 2];
    getrandom::fill(&mut b).expect("the system's random source works");
    let ms = u64::from(u16::from_le_bytes(b)) % window_ms + 1;
    metrics::counter!("db_retries_total").increment(1);
    Duration::from_millis(ms)
}

/// Waits [`backoff_time`] before attempt `attempt`.
pub async fn backoff(attempt: u32) {
    tokio::time::sleep(backoff_time(attempt)).await;
}

/// Runs `work` until it succeeds, fails otherwise than [`is_retryable`], or has been tried
/// [`ATTEMPTS`] times. `work` must be safe to run again: one statement, or a transaction
/// begun and ended inside it.
pub async fn retrying<T, F, Fut>(work: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    retrying_up_to(ATTEMPTS, work).await
}

/// [`retrying`], tried up to `attempts` times.
pub async fn retrying_up_to<T, F, Fut>(attempts: u32, mut work: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut attempt = 0;
    loop {
        match work().await {
            Err(e) if is_retryable(&e) && attempt + 1 < attempts => {
                attempt += 1;
                tracing::debug!(attempt, "retrying after {e}");
                backoff(attempt).await;
            }
            other => return other,
        }
    }
}

/// Runs the statement `build` makes on `pool`, as [`retrying`] does; the rows it changed.
pub(crate) async fn execute<'q, B>(pool: &sqlx::AnyPool, build: B) -> Result<u64>
where
    B: Fn() -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
{
    retrying(|| async { Ok(build().execute(pool).await?.rows_affected()) }).await
}
