//! Application services: the operations a user asks for, composed from the domain core,
//! storage and ingest. The CLI and the web call these and nothing below them.

pub mod accounts;
pub mod activation;
pub mod actor;
pub mod backup;
pub mod bulletins;
pub mod calendar;
pub mod campaigns;
pub mod commitments;
pub mod demo;
pub mod docx;
mod error;
pub mod evaluation;
pub mod figures;
pub mod files;
pub mod guidance;
pub mod housekeeping;
pub mod import;
pub mod import_leaders;
pub mod indicators;
pub mod init;
pub mod inspections;
pub mod members;
pub mod open;
pub mod plans;
pub mod publicity;
pub mod records;
pub mod registry;
pub mod retry;
pub mod reviews;
pub mod scope;
pub mod score_tables;
pub mod scores;
pub mod selection;
pub mod subjects;
pub mod teams;
pub mod todo;

pub use error::AppError;

/// Reports progress of long work (a terminal bar in the CLI, nothing in tests).
pub trait Progress: Send + Sync {
    fn start(&self, _total: Option<usize>) {}
    fn advance(&self, _n: usize) {}
    fn finish(&self) {}
}

/// Progress that shows nothing.
pub struct Silent;
impl Progress for Silent {}
