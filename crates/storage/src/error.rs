use std::fmt;

/// What can go wrong in storage. Messages are for the person at the keyboard.
#[derive(Debug)]
pub enum StoreError {
    Db(sqlx::Error),
    /// From the SQLite connection of the ballot writer (see `ballot_tx`).
    Sqlite(rusqlite::Error),
    NotFound(String),
    Conflict(String),
    Invalid(String),
    Key(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Db(e) => write!(f, "database error: {e}"),
            StoreError::Sqlite(e) => write!(f, "database error: {e}"),
            StoreError::NotFound(s)
            | StoreError::Conflict(s)
            | StoreError::Invalid(s)
            | StoreError::Key(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for StoreError {}

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
