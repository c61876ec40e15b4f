//! The server's date. The system's date, unless the server was started with a rehearsal
//! date (`xianfeng serve --today DATE`): a training session, or the browser test, walks a
//! notice period through as if it were those days. Only the date moves; the audit trail
//! and sessions keep real time.

use std::sync::OnceLock;

use chrono::NaiveDate;

static REHEARSAL: OnceLock<NaiveDate> = OnceLock::new();

/// Fixes the server's date for the life of the process (once; later calls change nothing).
pub fn rehearse(day: NaiveDate) {
    let _ = REHEARSAL.set(day);
}

/// Today, for every date rule the pages and the API apply.
pub fn today() -> NaiveDate {
    REHEARSAL
        .get()
        .copied()
        .unwrap_or_else(|| chrono::Local::now().date_naive())
}

/// Seconds since the Unix epoch, by the system's clock: time-based codes follow the real
/// time even in a rehearsal.
pub fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A moment stored as Unix milliseconds, as people here read it: `2026-12-05 14:30`,
/// Beijing time.
pub fn beijing_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| {
            t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// The local (Beijing) date and time now — lecture sessions are scheduled and signed in
/// to in local time —; on a rehearsal day, that day at the time of day it is now.
pub fn now_local() -> chrono::NaiveDateTime {
    let beijing = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
        .naive_local();
    match REHEARSAL.get() {
        Some(day) => day.and_time(beijing.time()),
        None => beijing,
    }
}
