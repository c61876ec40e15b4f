//! What every page and API handler shares: the session and its guard, the reader's
//! language and the page chrome, form and multipart parsing, one `PageError` that turns
//! an application error into a page, and the small renderers (charts, QR codes, assets).

pub mod assets;
pub mod campaign_picker;
pub mod charts;
pub mod chrome;
pub mod client;
pub mod clock;
pub mod cookies;
pub mod forms;
pub mod guard;
pub mod headers;
pub mod lang;
pub mod metrics;
pub mod multipart;
pub mod pages;
pub mod qr;
pub mod request_id;
pub mod retry;
pub mod security_log;
pub mod session;
pub mod standby;
pub mod text;
pub mod validators;
pub mod viewer;
