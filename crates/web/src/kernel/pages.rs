//! Pages that only say something: not found, forbidden, a bad form, an error. Written in
//! the reader's language with a way back home.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use xianfeng_domain::i18n::Lang;

use crate::kernel::chrome::Chrome;

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    chrome: &'a Chrome,
    title: String,
    message: &'a str,
    /// Where the reader came from, to go back and try again (a form refused).
    back: Option<&'a str>,
}

/// A page with a title (a `web.` key) and a message already in the reader's language.
pub fn message(chrome: &Chrome, status: StatusCode, title_key: &str, message: &str) -> Response {
    message_page(chrome, status, title_key, message, None)
}

fn message_page(
    chrome: &Chrome,
    status: StatusCode,
    title_key: &str,
    message: &str,
    back: Option<&str>,
) -> Response {
    let page = MessagePage {
        chrome,
        title: chrome.tx.get(title_key),
        message,
        back: back.filter(|b| *b != "/"),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => internal_in(chrome.tx.lang, e),
    }
}

#[derive(Template)]
#[template(path = "done.html")]
struct DonePage {
    chrome: Chrome,
    title: String,
    message: String,
}

/// A short page that says what happened: a ballot counted, an objection received, a code
/// that cannot be used.
pub fn done(chrome: Chrome, status: StatusCode, title: String, message: String) -> Response {
    let lang = chrome.tx.lang;
    let page = DonePage {
        chrome,
        title,
        message,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => internal_in(lang, e),
    }
}

/// The question before a step that cannot be undone: what will happen, the button that
/// does it (posting the same form again with `confirmed=1`), and the way back. Works
/// without JavaScript.
#[derive(Template)]
#[template(path = "confirm.html")]
pub struct Confirm<'a> {
    pub chrome: &'a Chrome,
    pub title: String,
    pub what: String,
    pub yes: String,
    pub action: &'a str,
    /// The form's own fields, carried to the confirmed post.
    pub fields: Vec<(&'a str, String)>,
    pub back: String,
}

/// The .xlsx and .docx content types.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// A file to save, under `name`.
pub fn download(name: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Logs what went wrong and answers 500 without details, in `lang`; a refusal of the
/// database for a concurrent writer is marked for the request to be served again
/// (kernel::retry), and logged as an error only if every attempt meets it.
pub fn internal_in(lang: Lang, e: impl std::fmt::Display + std::any::Any) -> Response {
    let again = super::retry::is_retryable(&e);
    if again {
        tracing::info!("{e}");
    } else {
        tracing::error!("{e}");
    }
    let mut response = (
        StatusCode::INTERNAL_SERVER_ERROR,
        xianfeng_domain::i18n::t(lang, "web.internal_error", &[]),
    )
        .into_response();
    if again {
        response.extensions_mut().insert(super::retry::Again);
    }
    response
}

/// What a handler sets out to do, for the page that says it could not: who asks (the
/// language and the account shown), where "back" leads, and the title (a `web.` key)
/// naming what was refused.
pub struct Attempt {
    chrome: Chrome,
    title: &'static str,
}

impl Attempt {
    pub fn new(
        viewer: &crate::kernel::viewer::Viewer,
        back: impl Into<String>,
        title: &'static str,
    ) -> Attempt {
        Attempt {
            chrome: Chrome::signed_in(viewer, back.into()),
            title,
        }
    }

    /// The same for somebody not signed in (the public pages).
    pub fn public(lang: Lang, back: &str, title: &'static str) -> Attempt {
        Attempt {
            chrome: Chrome::anonymous(lang, back),
            title,
        }
    }

    /// The refusal of this attempt for `error`.
    pub fn refused(&self, error: impl Into<xianfeng_app::AppError>) -> PageError {
        PageError::Refused(Box::new(Refusal {
            chrome: self.chrome.clone(),
            title: self.title,
            error: error.into(),
        }))
    }
}

/// Why a page could not be shown or a form not taken, as the page that says so: HTML
/// handlers return `Result<Response, PageError>` and use `?` (with [`OrRefuse`]).
pub enum PageError {
    /// Not found (also what lies outside the scope), forbidden, someone else was quicker
    /// (409), or what to fix (422); anything else is the system's fault (500, logged).
    Refused(Box<Refusal>),
    /// A page that could not be put together (a template error): logged, and answered
    /// 500 in the reader's language.
    Internal { lang: Lang, log: String },
    /// A page the handler made itself to say no (a message of its own, with its status).
    Answer(Box<Response>),
}

/// A refused attempt: who asked, what was refused, and why.
pub struct Refusal {
    chrome: Chrome,
    title: &'static str,
    error: xianfeng_app::AppError,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        use xianfeng_app::AppError;
        use xianfeng_storage::StoreError;
        let Refusal {
            chrome,
            title,
            error,
        } = match self {
            PageError::Refused(refusal) => *refusal,
            PageError::Internal { lang, log } => return internal_in(lang, log),
            PageError::Answer(page) => return *page,
        };
        let lang = chrome.tx.lang;
        if error.is_fault() {
            return internal_in(lang, error);
        }
        match error {
            AppError::NotFound => not_found(&chrome),
            AppError::Forbidden => forbidden(&chrome),
            AppError::Store(StoreError::Conflict(m)) => message_page(
                &chrome,
                StatusCode::CONFLICT,
                title,
                &m.render(lang),
                Some(&chrome.back),
            ),
            AppError::Store(e @ (StoreError::Db(_) | StoreError::Sqlite(_))) => {
                internal_in(lang, e)
            }
            other => match other.message() {
                Some(m) => message_page(
                    &chrome,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    title,
                    &m.render(lang),
                    Some(&chrome.back),
                ),
                None => internal_in(lang, other),
            },
        }
    }
}

/// `?` for the results of services in an HTML handler: an error becomes the refusal of
/// the attempt.
pub trait OrRefuse<T> {
    fn or_refuse(self, attempt: &Attempt) -> Result<T, PageError>;
}

impl<T, E: Into<xianfeng_app::AppError>> OrRefuse<T> for Result<T, E> {
    fn or_refuse(self, attempt: &Attempt) -> Result<T, PageError> {
        self.map_err(|e| attempt.refused(e))
    }
}

/// A page, rendered: `status` and its HTML; `lang` is the page's, for the 500 that says
/// it could not be.
pub fn html<T: Template>(status: StatusCode, page: &T, lang: Lang) -> Result<Response, PageError> {
    page.render()
        .map(|html| (status, Html(html)).into_response())
        .map_err(|e| PageError::Internal {
            lang,
            log: e.to_string(),
        })
}

pub fn not_found(chrome: &Chrome) -> Response {
    message(
        chrome,
        StatusCode::NOT_FOUND,
        "not_found_title",
        &chrome.tx.get("not_found"),
    )
}

pub fn forbidden(chrome: &Chrome) -> Response {
    message(
        chrome,
        StatusCode::FORBIDDEN,
        "forbidden_title",
        &chrome.tx.get("forbidden"),
    )
}

/// The refusal (403) of a form whose CSRF token is missing or wrong, or that was posted
/// from another site, in `lang`: the session's, or the browser's before it is known.
pub fn csrf_refused(lang: Lang) -> Response {
    (
        StatusCode::FORBIDDEN,
        xianfeng_domain::i18n::t(lang, "web.csrf_failed", &[]),
    )
        .into_response()
}

/// A stored file (evidence, deeds, photos), under a name of our own — the uploaded one may
/// hold anything —, never sniffed by the browser as something else; images inline, other
/// files as downloads.
pub fn stored_file(a: xianfeng_storage::AttachmentRecord, name: &str) -> Response {
    use axum::http::header;
    let disposition = if a.kind.is_image() {
        "inline"
    } else {
        "attachment"
    };
    (
        [
            (
                header::CONTENT_TYPE,
                a.kind.content_type(&a.extension).to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "{disposition}; filename=\"{name}-{}.{}\"",
                    a.id, a.extension
                ),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
        ],
        a.content,
    )
        .into_response()
}
