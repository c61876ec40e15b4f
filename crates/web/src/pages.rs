//! Pages that only say something: not found, forbidden, a bad form, an error. Written in
//! the reader's language with a way back home.

use askama::Template;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use xianfeng_domain::i18n::{Lang, both};

use crate::chrome::Chrome;
use crate::session::lang_of;

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    chrome: &'a Chrome,
    title: String,
    message: &'a str,
}

/// A page with a title (a `web.` key) and a message already in the reader's language.
pub fn message(chrome: &Chrome, status: StatusCode, title_key: &str, message: &str) -> Response {
    let page = MessagePage {
        chrome,
        title: chrome.tx.get(title_key),
        message,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => internal(e),
    }
}

/// Logs what went wrong and answers 500 without details.
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
    let page = DonePage {
        chrome,
        title,
        message,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => internal(e),
    }
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

pub fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!("{e}");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        both("web.internal_error", &[]),
    )
        .into_response()
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

/// The page for an application error: not found (also for what lies outside the scope),
/// forbidden, someone else was quicker (409), or the message of what to fix (422).
pub fn refused(viewer: &crate::session::Viewer, back: &str, e: xianfeng_app::AppError) -> Response {
    use xianfeng_app::AppError;
    use xianfeng_storage::StoreError;
    let chrome = Chrome::signed_in(viewer, back.to_string());
    match e {
        AppError::NotFound => not_found(&chrome),
        AppError::Forbidden => forbidden(&chrome),
        AppError::Input(m) => message(
            &chrome,
            StatusCode::UNPROCESSABLE_ENTITY,
            "commitment_refused",
            &m.render(chrome.tx.lang),
        ),
        AppError::Store(StoreError::Conflict(m)) => message(
            &chrome,
            StatusCode::CONFLICT,
            "commitment_refused",
            &m.render(chrome.tx.lang),
        ),
        other => internal(other),
    }
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

/// Any path no route knows: a page for people, JSON under the API.
pub async fn fallback(req: Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        return crate::api::not_found_response(Lang::default()).into_response();
    }
    let lang = lang_of(req.headers());
    not_found(&Chrome::anonymous(lang, "/"))
}
