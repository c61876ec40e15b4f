use std::fmt;

use xianfeng_domain::i18n::Message;
use xianfeng_ingest::IngestError;
use xianfeng_storage::StoreError;

#[derive(Debug)]
pub enum AppError {
    Ingest(IngestError),
    Store(StoreError),
    /// A problem the user can fix, with a message that says how (put into the reader's
    /// language where it is shown).
    Input(Message),
    /// The record does not exist, or lies outside the account's scope (the two look the
    /// same, so that nobody learns what exists elsewhere).
    NotFound,
    /// The record is visible, but the account may not do this to it.
    Forbidden,
    /// The system failed (a worker thread, an in-memory document writer, a temporary
    /// file): words for the log; the person is told only that it failed.
    Fault(String),
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Ingest(e) => e.fmt(f),
            AppError::Store(e) => e.fmt(f),
            AppError::Input(m) => f.write_str(&m.for_log()),
            AppError::NotFound => f.write_str(&Message::new("app.not_found").for_log()),
            AppError::Forbidden => f.write_str(&Message::new("app.forbidden").for_log()),
            AppError::Fault(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for AppError {}

impl AppError {
    /// A failure of the system, described for the log.
    pub fn fault(e: impl fmt::Display) -> AppError {
        AppError::Fault(e.to_string())
    }

    /// A date as people type it (2010-07-01, 2010/7/1, 2010年7月1日), or the problem.
    pub fn day(text: &str) -> Result<chrono::NaiveDate, AppError> {
        xianfeng_domain::dates::parse_date(text)
            .ok_or_else(|| AppError::input("cli.bad_date", &[("value", &text)]))
    }

    /// A problem the user can fix, named by its message key and arguments.
    pub fn input(key: &'static str, args: &[(&'static str, &dyn fmt::Display)]) -> AppError {
        AppError::Input(Message::of(key, args))
    }

    /// Whether the database refused the work only because other work ran at the same time
    /// (a serialization failure or a deadlock): run again whole, it succeeds.
    pub fn is_retryable(&self) -> bool {
        matches!(self, AppError::Store(e) if xianfeng_storage::retry::is_retryable(e))
    }

    /// Whether the system is at fault (a database, key or file error, a damaged stored
    /// value, anything described only in a log's words): answered as a 500 and logged,
    /// not as something the person could fix.
    pub fn is_fault(&self) -> bool {
        match self {
            AppError::Store(
                StoreError::Db(_)
                | StoreError::Sqlite(_)
                | StoreError::Key(_)
                | StoreError::Damaged(_),
            ) => true,
            AppError::Store(StoreError::Invalid(m)) => m.is_verbatim(),
            AppError::Fault(_) => true,
            _ => false,
        }
    }

    /// What to tell the person who asked, when it is theirs to know (not a fault of the
    /// system, which is logged and answered without details).
    pub fn message(&self) -> Option<Message> {
        match self {
            AppError::Input(m) => Some(m.clone()),
            AppError::NotFound => Some(Message::new("app.not_found")),
            AppError::Forbidden => Some(Message::new("app.forbidden")),
            AppError::Store(e) => match e {
                StoreError::Db(_) | StoreError::Sqlite(_) => None,
                other => other.message().cloned(),
            },
            AppError::Ingest(e) => Some(e.message()),
            AppError::Fault(_) => None,
        }
    }

    /// The policy's answer as a result: outside the scope reads as not found.
    pub fn check(d: xianfeng_domain::policy::Decision) -> Result<(), AppError> {
        use xianfeng_domain::policy::Decision;
        match d {
            Decision::Allow => Ok(()),
            Decision::OutOfScope => Err(AppError::NotFound),
            Decision::NotPermitted => Err(AppError::Forbidden),
        }
    }
}

impl From<IngestError> for AppError {
    fn from(e: IngestError) -> Self {
        AppError::Ingest(e)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError::Store(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_a_person_can_act_on_is_shown_as_a_refusal() {
        assert!(!AppError::input("app.no_campaign", &[]).is_fault());
        assert!(!AppError::NotFound.is_fault());
        assert!(
            !AppError::Store(StoreError::Conflict(Message::new("store.plan_moved_on"))).is_fault()
        );
        // Words meant for a log, a key that does not fit, a damaged stored value: the
        // system's fault, answered as a 500.
        assert!(AppError::fault("the ballot writer has stopped").is_fault());
        assert!(AppError::Store(StoreError::Key(Message::verbatim("bad key"))).is_fault());
        assert!(AppError::Store(StoreError::Damaged(Message::new("store.bad_value"))).is_fault());
        assert!(!AppError::Store(StoreError::Invalid(Message::new("store.bad_url"))).is_fault());
        // Several problems of a sheet, one per line, are the person's to fix.
        let rows = Message::lines([Message::new("records.topic"), Message::new("records.form")]);
        assert!(!AppError::Input(rows).is_fault());
    }
}
