use std::fmt;

use xianfeng_ingest::IngestError;
use xianfeng_storage::StoreError;

#[derive(Debug)]
pub enum AppError {
    Ingest(IngestError),
    Store(StoreError),
    /// A problem the user can fix, with a message that says how.
    Input(String),
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Ingest(e) => e.fmt(f),
            AppError::Store(e) => e.fmt(f),
            AppError::Input(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for AppError {}

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
