//! The phone ballot page (`/p/b/{code}`): what the QR code on a ballot slip opens. The
//! subject's name and standard, the form, a thank-you page; a used, unknown or
//! out-of-date code gets a friendly explanation. No sign-in, no script, large targets.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use std::collections::{BTreeMap, HashMap};
use xianfeng_app::evaluation::{CodeView, Refused, cast_with_code, code_view};
use xianfeng_domain::ballot::{Ballot, MAX_COMMENT, Verdict};
use xianfeng_domain::i18n::{Lang, t};

use crate::chrome::Chrome;
use crate::session::lang_of;
use crate::{AppState, pages};

#[derive(Template)]
#[template(path = "ballot.html")]
struct BallotPage {
    chrome: Chrome,
    code: String,
    subject: String,
    organisation: String,
    round: String,
    standard: String,
    /// (code, name, requirement)
    criteria: Vec<(String, String, String)>,
    max_comment: usize,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "ballot_done.html")]
struct DonePage {
    chrome: Chrome,
    title: String,
    message: String,
}

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// The explanation for a code that cannot be used, as a page.
fn explain(lang: Lang, code: &str, r: Refused) -> Response {
    let chrome = Chrome::anonymous(lang, &format!("/p/b/{code}"));
    let (status, message) = match r {
        Refused::UnknownCode(why) => (
            StatusCode::NOT_FOUND,
            format!("{} {}", why, t(lang, "web.ballot_unknown_hint", &[])),
        ),
        Refused::Used => (StatusCode::CONFLICT, t(lang, "web.ballot_used", &[])),
        Refused::OutsideDates { starts_on, ends_on } => (
            StatusCode::FORBIDDEN,
            t(
                lang,
                "web.ballot_dates",
                &[("start", &starts_on), ("end", &ends_on)],
            ),
        ),
        Refused::Invalid(why) => (StatusCode::UNPROCESSABLE_ENTITY, why),
    };
    let page = DonePage {
        title: chrome.tx.get("ballot_sorry"),
        message,
        chrome,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => pages::internal(e),
    }
}

fn form(lang: Lang, code: &str, v: CodeView, error: Option<String>) -> Response {
    let organisation = v.subject.code.clone();
    let page = BallotPage {
        chrome: Chrome::anonymous(lang, &format!("/p/b/{code}")),
        code: code.to_string(),
        subject: v.subject.name,
        organisation,
        round: v.round.name,
        standard: v.standard,
        criteria: v.criteria,
        max_comment: MAX_COMMENT,
        error: error.clone(),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => pages::internal(e),
    }
}

pub async fn page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Response {
    let lang = lang_of(&headers);
    match code_view(&s.store, &code, today()).await {
        Ok(Ok(view)) => form(lang, &code, view, None),
        Ok(Err(r)) => explain(lang, &code, r),
        Err(e) => pages::internal(e),
    }
}

/// Casts the ballot from the form: `verdict`, `rating_{criterion}`, `comment`. The code in
/// the address is the credential; the page carries no session, so no CSRF token either —
/// a forged post could only spend a code the forger already holds.
pub async fn cast(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers);
    let verdict = f.get("verdict").and_then(|v| Verdict::parse(v));
    let mut ratings = BTreeMap::new();
    for (k, v) in &f {
        if let Some(criterion) = k.strip_prefix("rating_")
            && !v.is_empty()
        {
            match v.parse::<u8>() {
                Ok(n) => {
                    ratings.insert(criterion.to_string(), n);
                }
                Err(_) => {
                    ratings.insert(criterion.to_string(), 0);
                }
            }
        }
    }
    let Some(verdict) = verdict else {
        return match code_view(&s.store, &code, today()).await {
            Ok(Ok(view)) => form(lang, &code, view, Some(t(lang, "web.ballot_choose", &[]))),
            Ok(Err(r)) => explain(lang, &code, r),
            Err(e) => pages::internal(e),
        };
    };
    let ballot = Ballot {
        verdict,
        ratings,
        comment: f.get("comment").cloned().unwrap_or_default(),
    };
    match cast_with_code(&s.store, &s.ballots, &code, &ballot, today()).await {
        Ok(Ok(())) => {
            let chrome = Chrome::anonymous(lang, "/p/");
            let page = DonePage {
                title: chrome.tx.get("ballot_thanks"),
                message: chrome.tx.get("ballot_thanks_text"),
                chrome,
            };
            match page.render() {
                Ok(html) => (StatusCode::CREATED, Html(html)).into_response(),
                Err(e) => pages::internal(e),
            }
        }
        Ok(Err(Refused::Invalid(why))) => match code_view(&s.store, &code, today()).await {
            Ok(Ok(view)) => form(lang, &code, view, Some(why)),
            Ok(Err(r)) => explain(lang, &code, r),
            Err(e) => pages::internal(e),
        },
        Ok(Err(r)) => explain(lang, &code, r),
        Err(e) => pages::internal(e),
    }
}
