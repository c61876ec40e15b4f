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
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Ingest(e) => e.fmt(f),
            AppError::Store(e) => e.fmt(f),
            AppError::Input(m) => f.write_str(&m.for_log()),
            AppError::NotFound => f.write_str(&Message::new("app.not_found").for_log()),
            AppError::Forbidden => f.write_str(&Message::new("app.forbidden").for_log()),
        }
    }
}

impl std::error::Error for AppError {}

impl AppError {
    /// A problem the user can fix, named by its message key and arguments.
    pub fn input(key: &'static str, args: &[(&'static str, &dyn fmt::Display)]) -> AppError {
        AppError::Input(Message::of(key, args))
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
