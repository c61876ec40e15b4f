//! Signing in (登录): the rules for throttling and idle sessions, as values.
//!
//! 等保 2.0 asks for limited login attempts and idle log-out; these are the numbers, kept in
//! one place for the web tier and the API to apply.

/// A session unused for this long is over (30 minutes).
pub const IDLE_TIMEOUT_MS: i64 = 30 * 60 * 1000;

/// A session is over this long after it was opened, however busy (12 hours: a working
/// day), so that a stolen cookie kept warm by use does not live for ever.
pub const MAX_SESSION_MS: i64 = 12 * 60 * 60 * 1000;

/// A session's idle clock is moved at most this often (1 minute), so that reading pages
/// does not cost a database write per request; idle time is thus exact to a minute.
pub const TOUCH_INTERVAL_MS: i64 = 60 * 1000;

/// Failures are counted over this window (15 minutes)…
pub const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;

/// …and an account is locked once it has this many in the window;
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;

/// an address once it has this many (against any accounts: guessing across accounts).
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;

/// Why a login is refused before the password is even checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttle {
    AccountLocked,
    AddressLocked,
}

/// Whether a login may be tried, given the failures in the current window.
pub fn may_try_login(account_failures: i64, address_failures: i64) -> Result<(), Throttle> {
    if account_failures >= MAX_FAILURES_PER_ACCOUNT {
        Err(Throttle::AccountLocked)
    } else if address_failures >= MAX_FAILURES_PER_ADDRESS {
        Err(Throttle::AddressLocked)
    } else {
        Ok(())
    }
}

/// Whether a session opened at `created` and last used at `last_seen` is still alive at
/// `now` (milliseconds): neither idle too long nor older than a working day.
pub fn session_alive(created: i64, last_seen: i64, now: i64) -> bool {
    now - last_seen < IDLE_TIMEOUT_MS && now - created < MAX_SESSION_MS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fifth_failure_locks_the_account_and_the_twentieth_the_address() {
        assert_eq!(may_try_login(4, 19), Ok(()));
        assert_eq!(may_try_login(5, 0), Err(Throttle::AccountLocked));
        assert_eq!(may_try_login(0, 20), Err(Throttle::AddressLocked));
    }

    #[test]
    fn sessions_end_after_thirty_idle_minutes() {
        assert!(session_alive(0, 0, IDLE_TIMEOUT_MS - 1));
        assert!(!session_alive(0, 0, IDLE_TIMEOUT_MS));
    }

    #[test]
    fn a_busy_session_still_ends_after_a_working_day() {
        let used_a_minute_ago = MAX_SESSION_MS - 60_000;
        assert!(session_alive(0, used_a_minute_ago, MAX_SESSION_MS - 1));
        assert!(!session_alive(0, used_a_minute_ago, MAX_SESSION_MS));
    }
}
