use std::fmt;

use xianfeng_ingest::IngestError;
use xianfeng_storage::StoreError;

#[derive(Debug)]
pub enum AppError {
    Ingest(IngestError),
    Store(StoreError),
    /// A problem the user can fix, with a message that says how.
    Input(String),
    /// The record does not exist, or lies outside the account's scope (the two look the
    /// same, so that nobody learns what exists elsewhere).
    NotFound,
    /// The record is visible, but the account may not do this to it.
    Forbidden,
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Ingest(e) => e.fmt(f),
            AppError::Store(e) => e.fmt(f),
            AppError::Input(s) => f.write_str(s),
            AppError::NotFound => f.write_str(&xianfeng_domain::i18n::both("app.not_found", &[])),
            AppError::Forbidden => f.write_str(&xianfeng_domain::i18n::both("app.forbidden", &[])),
        }
    }
}

impl std::error::Error for AppError {}

impl AppError {
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
