//! The phone ballot page (`/p/b/{code}`): what the QR code on a ballot slip opens. The
//! subject's name and standard, the form, a thank-you page; a used, unknown or
//! out-of-date code gets a friendly explanation. No sign-in, no script, large targets.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use xianfeng_app::AppError;
use xianfeng_app::evaluation::{
    CodeView, Refused, cast_open, cast_with_code, code_view, open_view,
};
use xianfeng_domain::ballot::{Ballot, MAX_COMMENT, Verdict};
use xianfeng_domain::i18n::{Lang, t};

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::clock::today;
use crate::kernel::cookies::lang_of;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};

#[derive(Template)]
#[template(path = "ballot.html")]
struct BallotPage {
    chrome: Chrome,
    /// Where the form posts: the code's page, or the open-mode page.
    action: String,
    subject: String,
    organisation: String,
    round: String,
    standard: String,
    /// (code, name, requirement)
    criteria: Vec<(String, String, String)>,
    /// Where the subject's standards are written out: `/p/o/{code}/standards#{kind}`.
    standards: Option<String>,
    max_comment: usize,
    error: Option<String>,
}

/// A page after a ballot, or instead of one: what happened, where to go on, and for a code
/// that cannot be used, a box to type it again.
#[derive(Template)]
#[template(path = "ballot_done.html")]
struct DonePage {
    chrome: Chrome,
    title: String,
    message: String,
    /// (link text, address) of the subject's public board.
    board: Option<(String, String)>,
    code_box: bool,
}

fn done_page(page: DonePage, status: StatusCode) -> Response {
    let lang = page.chrome.tx.lang;
    match page.render() {
        Ok(html) => (status, axum::response::Html(html)).into_response(),
        Err(e) => pages::internal_in(lang, e),
    }
}

/// `/p/b/?code=…`: the code typed into a box (on `/p/`, or after a mistyped one) opens
/// its ballot; without one, the box.
pub async fn typed(
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers);
    let code: String = q
        .get("code")
        .map(|c| {
            // As printed on the slip: capitals (codes have no small letters).
            c.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .map(|c| c.to_ascii_uppercase())
                .collect()
        })
        .unwrap_or_default();
    if !code.is_empty() {
        return axum::response::Redirect::to(&format!("/p/b/{code}")).into_response();
    }
    let chrome = Chrome::anonymous(lang, "/p/b/");
    let title = chrome.tx.get("ballot_type_code_title");
    let message = chrome.tx.get("ballot_type_code_hint");
    done_page(
        DonePage {
            chrome,
            title,
            message,
            board: None,
            code_box: true,
        },
        StatusCode::OK,
    )
}

/// Two sentences as one paragraph: the first begun with a capital and closed with a full
/// stop if it is not (refusals are written to stand inside other sentences too).
fn sentences(lang: Lang, first: &str, second: &str) -> String {
    let first = first.trim_end();
    let mut chars = first.chars();
    let mut out: String = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    let chinese = lang == Lang::ZhCn;
    if !out.ends_with(['.', '。', '!', '！', '?', '？']) {
        out.push(if chinese { '。' } else { '.' });
    }
    if !chinese {
        out.push(' ');
    }
    out.push_str(second);
    out
}

/// The explanation for a code or page that cannot be used, as a page; `here` is its
/// address.
fn explain(lang: Lang, here: &str, r: Refused) -> Response {
    let chrome = Chrome::anonymous(lang, here);
    let (status, message) = match r {
        Refused::UnknownCode(why) => (
            StatusCode::NOT_FOUND,
            sentences(
                lang,
                &why.render(lang),
                &t(lang, "web.ballot_unknown_hint", &[]),
            ),
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
        Refused::Invalid(why) => (StatusCode::UNPROCESSABLE_ENTITY, why.render(lang)),
        Refused::TooMany => (
            StatusCode::TOO_MANY_REQUESTS,
            t(lang, "web.ballot_too_many", &[]),
        ),
        Refused::Guessing => (
            StatusCode::TOO_MANY_REQUESTS,
            t(lang, "web.ballot_guessing", &[]),
        ),
    };
    let title = chrome.tx.get("ballot_sorry");
    // A code that was mistyped or is unknown can be typed again right here.
    let code_box = status == StatusCode::NOT_FOUND;
    done_page(
        DonePage {
            chrome,
            title,
            message,
            board: None,
            code_box,
        },
        status,
    )
}

fn form(
    lang: Lang,
    action: &str,
    v: CodeView,
    error: Option<String>,
) -> Result<Response, PageError> {
    let organisation = v.subject.code.clone();
    let page = BallotPage {
        chrome: Chrome::anonymous(lang, action),
        action: action.to_string(),
        subject: v.subject.name,
        organisation,
        round: v.round.name,
        standard: v.standard,
        standards: v
            .standards_of
            .map(|code| format!("/p/o/{code}/standards#{}", v.round.subject_kind.as_str())),
        criteria: v.criteria,
        max_comment: MAX_COMMENT,
        error: error.clone(),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    pages::html(status, &page, page.chrome.tx.lang)
}

/// A code's page: the form (with `error`, when the ballot came back) or why the code
/// cannot be used.
async fn code_page(
    s: &AppState,
    attempt: &Attempt,
    lang: Lang,
    code: &str,
    address: &str,
    error: Option<String>,
) -> Result<Response, PageError> {
    let here = format!("/p/b/{code}");
    match code_view(&s.store, code, address, today())
        .await
        .or_refuse(attempt)?
    {
        Ok(view) => form(lang, &here, view, error),
        Err(r) => Ok(explain(lang, &here, r)),
    }
}

pub async fn page(
    State(s): State<AppState>,
    headers: HeaderMap,
    crate::kernel::client::ClientAddress(address): crate::kernel::client::ClientAddress,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let lang = lang_of(&headers);
    let attempt = Attempt::public(lang, &format!("/p/b/{code}"), "ballot_unavailable");
    code_page(&s, &attempt, lang, &code, &address, None).await
}

/// The ballot in a posted form, or `None` without a verdict. Ratings that are not numbers
/// count as 0, which the checks refuse with the criterion named.
fn ballot_of(f: &HashMap<String, String>) -> Option<Ballot> {
    let verdict = f.get("verdict").and_then(|v| Verdict::parse(v))?;
    let ratings = f
        .iter()
        .filter_map(|(k, v)| {
            let criterion = k.strip_prefix("rating_")?;
            (!v.is_empty()).then(|| (criterion.to_string(), v.parse::<u8>().unwrap_or(0)))
        })
        .collect();
    Some(Ballot {
        verdict,
        ratings,
        comment: f.get("comment").cloned().unwrap_or_default(),
    })
}

/// The thank-you page, with the way to the public board of the organisation the ballot was
/// about (`board`: its code and name).
fn thanks(lang: Lang, board: Option<(String, String)>) -> Response {
    let chrome = Chrome::anonymous(lang, "/p/");
    let board = board.map(|(code, name)| {
        (
            t(lang, "web.ballot_see_board", &[("name", &name)]),
            format!("/p/o/{code}"),
        )
    });
    done_page(
        DonePage {
            title: chrome.tx.get("ballot_thanks"),
            message: chrome.tx.get("ballot_thanks_text"),
            chrome,
            board,
            code_box: false,
        },
        StatusCode::CREATED,
    )
}

/// The organisation a code's ballot was about (its own, or a member's): code and name.
async fn board_of(s: &AppState, code: &str) -> Option<(String, String)> {
    let org_id = xianfeng_app::evaluation::code_organisation(&s.store, code)
        .await
        .ok()??;
    let org = s.store.registry().org_by_id(org_id).await.ok()??;
    Some((org.code, org.name))
}

/// Casts the ballot from the form: `verdict`, `rating_{criterion}`, `comment`. The code in
/// the address is the credential; the page carries no session, so no CSRF token either —
/// a forged post could only spend a code the forger already holds.
pub async fn cast(
    State(s): State<AppState>,
    headers: HeaderMap,
    crate::kernel::client::ClientAddress(address): crate::kernel::client::ClientAddress,
    Path(code): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let lang = lang_of(&headers);
    let here = format!("/p/b/{code}");
    let attempt = Attempt::public(lang, &here, "ballot_not_cast");
    let Some(ballot) = ballot_of(&f) else {
        let choose = t(lang, "web.ballot_choose", &[]);
        return code_page(&s, &attempt, lang, &code, &address, Some(choose)).await;
    };
    match cast_with_code(&s.store, &s.ballots, &code, &ballot, &address, today())
        .await
        .or_refuse(&attempt)?
    {
        // The thank-you page leads to the board of the organisation voted on.
        Ok(()) => Ok(thanks(lang, board_of(&s, &code).await)),
        Err(Refused::Invalid(why)) => {
            let why = Some(why.render(lang));
            code_page(&s, &attempt, lang, &code, &address, why).await
        }
        Err(r) => Ok(explain(lang, &here, r)),
    }
}

/// The browser's voter cookie: a random token and its keyed signature.
const VOTER_COOKIE: &str = "xf_voter";

/// The signed voter token of this browser, if it carries a valid one.
fn voter_token(s: &AppState, headers: &HeaderMap) -> Option<String> {
    let value = crate::kernel::cookies::cookie(headers, VOTER_COOKIE)?;
    let (token, mac) = value.split_once('.')?;
    let expected = s.store.vault().hash(&format!("voter:{token}"));
    crate::kernel::session::same_secret(mac, &expected).then(|| token.to_string())
}

fn new_voter_token() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the operating system provides randomness");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The open-mode page of a subject: anyone may evaluate, once per browser.
/// The round and subject of an open-mode address, or `None` when they are not numbers
/// (such an address is as unknown as any other).
fn ids(round: &str, subject: &str) -> Option<(i64, i64)> {
    Some((round.parse().ok()?, subject.parse().ok()?))
}

pub async fn open_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((round, subject)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let lang = lang_of(&headers);
    let Some((round, subject)) = ids(&round, &subject) else {
        let attempt = Attempt::public(lang, "/p/", "ballot_unavailable");
        return Err(attempt.refused(AppError::NotFound));
    };
    let here = format!("/p/e/{round}/{subject}");
    let attempt = Attempt::public(lang, &here, "ballot_unavailable");
    match open_view(&s.store, round, subject, today())
        .await
        .or_refuse(&attempt)?
    {
        Ok(view) => form(lang, &here, view, None),
        Err(r) => Ok(explain(lang, &here, r)),
    }
}

/// Casts an open-mode ballot. The browser gets a signed voter cookie on its first ballot;
/// the database keeps only a keyed hash of it, never tied to the ballot. Every answer to a
/// filled-in ballot carries that cookie, a refusal too: hence a plain `Response`, the
/// refusals made into one here.
pub async fn open_cast(
    State(s): State<AppState>,
    headers: HeaderMap,
    crate::kernel::client::ClientAddress(address): crate::kernel::client::ClientAddress,
    Path((round, subject)): Path<(String, String)>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers);
    let Some((round, subject)) = ids(&round, &subject) else {
        let attempt = Attempt::public(lang, "/p/", "ballot_not_cast");
        return attempt.refused(AppError::NotFound).into_response();
    };
    let here = format!("/p/e/{round}/{subject}");
    let attempt = Attempt::public(lang, &here, "ballot_not_cast");
    let Some(ballot) = ballot_of(&f) else {
        let choose = t(lang, "web.ballot_choose", &[]);
        return match open_view(&s.store, round, subject, today()).await {
            Ok(Ok(view)) => form(lang, &here, view, Some(choose)),
            Ok(Err(r)) => Ok(explain(lang, &here, r)),
            Err(_) => Err(attempt.refused(AppError::NotFound)),
        }
        .into_response();
    };
    let (token, fresh) = match voter_token(&s, &headers) {
        Some(t) => (t, false),
        None => (new_voter_token(), true),
    };
    let vault = s.store.vault();
    let voter = vault.hash(&format!("voter-id:{token}"));
    let address = vault.hash(&format!("address:{address}"));
    let outcome = cast_open(
        &s.store,
        &s.ballots,
        round,
        subject,
        &voter,
        &address,
        &ballot,
        chrono::Utc::now(),
        today(),
    )
    .await;
    let answer = match outcome {
        Ok(Ok(())) => Ok(thanks(lang, None)),
        Ok(Err(Refused::Invalid(why))) => {
            match open_view(&s.store, round, subject, today()).await {
                Ok(Ok(view)) => form(lang, &here, view, Some(why.render(lang))),
                _ => Err(attempt.refused(AppError::NotFound)),
            }
        }
        Ok(Err(Refused::Used)) => Ok(pages::done(
            Chrome::anonymous(lang, &here),
            StatusCode::CONFLICT,
            t(lang, "web.ballot_sorry", &[]),
            t(lang, "web.ballot_voted", &[]),
        )),
        Ok(Err(r)) => Ok(explain(lang, &here, r)),
        Err(e) => Err(attempt.refused(e)),
    };
    let mut response = answer.into_response();
    if fresh {
        let mac = vault.hash(&format!("voter:{token}"));
        if let Ok(v) = axum::http::HeaderValue::from_str(&format!(
            "{VOTER_COOKIE}={token}.{mac}; HttpOnly; SameSite=Lax; Path=/p/e/; Max-Age=31536000"
        )) {
            response
                .headers_mut()
                .append(axum::http::header::SET_COOKIE, v);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_refusals_read_as_two_sentences_in_either_language() {
        assert_eq!(
            sentences(
                Lang::En,
                "there is no such code: check it",
                "Scan its QR code."
            ),
            "There is no such code: check it. Scan its QR code."
        );
        assert_eq!(
            sentences(Lang::ZhCn, "没有这个评议码", "请扫描二维码。"),
            "没有这个评议码。请扫描二维码。"
        );
        assert_eq!(
            sentences(Lang::ZhCn, "输错了。", "请核对。"),
            "输错了。请核对。"
        );
    }
}
