use std::fmt;

use xianfeng_domain::i18n::Message;

/// What can go wrong in storage. Messages are for the person at the keyboard, put into
/// their language where they are shown (`Display` is for logs, in English).
#[derive(Debug)]
pub enum StoreError {
    Db(sqlx::Error),
    /// From the SQLite connection of the ballot writer (see `ballot_tx`).
    Sqlite(rusqlite::Error),
    NotFound(Message),
    Conflict(Message),
    Invalid(Message),
    Key(Message),
    /// A stored value the program cannot read (damaged, or written by a newer version): the
    /// system's fault, never the reader's to fix.
    Damaged(Message),
    /// Another writer changed what this work read before it wrote (a ballot code marked by
    /// another server's batch): run the work again, whole, and it decides on what is there
    /// now (`retry::is_retryable`).
    Raced(&'static str),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Db(e) => write!(f, "database error: {e}"),
            StoreError::Sqlite(e) => write!(f, "database error: {e}"),
            StoreError::Raced(what) => write!(f, "raced by another writer: {what}"),
            StoreError::NotFound(s)
            | StoreError::Conflict(s)
            | StoreError::Invalid(s)
            | StoreError::Key(s)
            | StoreError::Damaged(s) => f.write_str(&s.for_log()),
        }
    }
}

impl std::error::Error for StoreError {}

impl StoreError {
    /// What to tell a person, when the error is theirs to act on (not a database fault).
    pub fn message(&self) -> Option<&Message> {
        match self {
            StoreError::NotFound(m)
            | StoreError::Conflict(m)
            | StoreError::Invalid(m)
            | StoreError::Key(m)
            | StoreError::Damaged(m) => Some(m),
            StoreError::Db(_) | StoreError::Sqlite(_) | StoreError::Raced(_) => None,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Db(e)
    }
}

impl From<rusqlite::types::FromSqlError> for StoreError {
    fn from(e: rusqlite::types::FromSqlError) -> Self {
        StoreError::Sqlite(e.into())
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e)
    }
}
