//! Public notices (公示) and the honour roll (光荣榜) under `/p/`: no sign-in, printable.
//! A notice lists its candidates by name, unit and summary of deeds — never an ID number
//! or a phone — with the period in working days, and takes objections (异议) while it runs.

use askama::Template;
use std::collections::HashMap;

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use xianfeng_app::AppError;
use xianfeng_app::selection::{
    ObjectionInput, RollEntry, honour_roll, notice_period, object, on_notice,
};
use xianfeng_domain::i18n::t;
use xianfeng_domain::selection::{MAX_OBJECTION, NoticePhase};

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::client::ClientAddress;
use crate::kernel::clock::today;
use crate::kernel::cookies::lang_of;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};

/// A candidate as the public sees them.
pub struct PublicCandidate {
    pub id: i64,
    pub name: String,
    pub unit: String,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticePage {
    chrome: Chrome,
    id: i64,
    title: String,
    honour: String,
    body: String,
    contact: String,
    starts_on: String,
    ends_on: String,
    workdays: i64,
    real_name: bool,
    /// Objections are taken today.
    open: bool,
    /// Why not, when they are not.
    closed_note: String,
    candidates: Vec<PublicCandidate>,
    max_objection: usize,
    error: Option<String>,
    /// The values typed, kept when the form comes back with an error.
    typed: ObjectionForm,
}

#[derive(Debug, Default, Deserialize)]
pub struct ObjectionForm {
    #[serde(default)]
    pub nomination: i64,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub contact: String,
}

async fn candidates(s: &AppState, notice_id: i64) -> Result<Vec<PublicCandidate>, AppError> {
    let mut out = vec![];
    for n in s.store.selection().notice_candidates(notice_id).await? {
        if !on_notice(&n) {
            continue;
        }
        let kind = n.subject_kind;
        let subject = xianfeng_app::subjects::subject(&s.store, kind, n.subject_id).await?;
        out.push(PublicCandidate {
            id: n.id,
            name: subject.name,
            unit: subject.org.name,
            summary: n.summary,
        });
    }
    Ok(out)
}

async fn render_notice(
    s: &AppState,
    headers: &HeaderMap,
    id: i64,
    error: Option<String>,
    typed: ObjectionForm,
) -> Result<Response, PageError> {
    let lang = lang_of(headers);
    let here = format!("/p/n/{id}");
    let attempt = Attempt::public(lang, &here, "notice_unavailable");
    let Some(notice) = s.store.selection().notice(id).await.or_refuse(&attempt)? else {
        return Err(attempt.refused(AppError::NotFound));
    };
    // Named as in the notice's own campaign, whichever is in use now.
    let (_, campaign) = xianfeng_app::campaigns::get(&s.store, notice.campaign_id)
        .await
        .or_refuse(&attempt)?;
    let honour = campaign
        .honour(&notice.honour)
        .map_or(notice.honour.clone(), |h| h.name.clone());
    let people = candidates(s, id).await.or_refuse(&attempt)?;
    let phase = notice_period(&notice).phase(today());
    let (open, closed_note) = match phase {
        NoticePhase::Upcoming => (
            false,
            t(
                lang,
                "web.notice_not_started",
                &[("date", &notice.starts_on)],
            ),
        ),
        NoticePhase::Ended => (
            false,
            t(lang, "web.notice_ended", &[("date", &notice.ends_on)]),
        ),
        NoticePhase::Running => (true, String::new()),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = NoticePage {
        chrome: Chrome::anonymous(lang, &here),
        id,
        title: notice.title,
        honour,
        body: notice.body,
        contact: notice.contact,
        starts_on: notice.starts_on.to_string(),
        ends_on: notice.ends_on.to_string(),
        workdays: notice.workdays,
        real_name: notice.real_name,
        open,
        closed_note,
        candidates: people,
        max_objection: MAX_OBJECTION,
        error,
        typed,
    };
    pages::html(status, &page, page.chrome.tx.lang)
}

/// `/p/n/{id}`: the notice, its candidates and, while it runs, the objection form.
pub async fn notice(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    render_notice(&s, &headers, id, None, ObjectionForm::default()).await
}

/// Takes an objection; a refusal comes back on the form with what was typed.
/// How an objection is referred to, by the public and by the office: its notice and its
/// own number, as `N-M`.
pub fn objection_reference(notice_id: i64, objection_id: i64) -> String {
    format!("{notice_id}-{objection_id}")
}

pub async fn raise(
    State(s): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    Path(id): Path<i64>,
    Form(f): Form<ObjectionForm>,
) -> Result<Response, PageError> {
    let lang = lang_of(&headers);
    let here = format!("/p/n/{id}");
    let attempt = Attempt::public(lang, &here, "objection_not_received");
    let input = ObjectionInput {
        notice_id: id,
        nomination_id: f.nomination,
        content: &f.content,
        name: &f.name,
        contact: &f.contact,
        source: &address,
    };
    match object(
        &s.store,
        &input,
        today(),
        chrono::Utc::now().timestamp_millis(),
    )
    .await
    {
        Ok(objection) => {
            let chrome = Chrome::anonymous(lang, &here);
            // A reference to quote when asking what became of it (the office's notice page
            // shows the same reference beside each objection).
            let reference = objection_reference(id, objection);
            let (title, message) = (
                chrome.tx.get("objection_received_title"),
                xianfeng_domain::i18n::t(
                    lang,
                    "web.objection_received",
                    &[("reference", &reference)],
                ),
            );
            Ok(pages::done(chrome, StatusCode::OK, title, message))
        }
        Err(AppError::Input(why)) => {
            render_notice(&s, &headers, id, Some(why.render(lang)), f).await
        }
        Err(e) => Err(attempt.refused(e)),
    }
}

#[derive(Template)]
#[template(path = "honours.html")]
struct RollPage {
    chrome: Chrome,
    code: String,
    /// The organisation the roll is narrowed to, for the export link.
    org: String,
    campaign: String,
    organiser: String,
    /// (honour name, entries)
    groups: Vec<(String, Vec<(i64, RollEntry)>)>,
}

/// `/p/honours/{campaign}?org=CODE&format=xlsx`: the commended, by honour; of one
/// organisation's subtree with `org`; as a spreadsheet with `format=xlsx`.
pub async fn roll(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let chrome = Chrome::anonymous(lang_of(&headers), &format!("/p/honours/{code}"));
    let attempt = Attempt::public(chrome.tx.lang, &chrome.back, "honour_roll_unavailable");
    let (stored, campaign) = xianfeng_app::campaigns::browsable_by_code(&s.store, &code)
        .await
        .or_refuse(&attempt)?;
    let org = q.get("org").map(String::as_str).filter(|o| !o.is_empty());
    let entries = honour_roll(&s.store, Some(stored.id), org)
        .await
        .or_refuse(&attempt)?;
    if q.get("format").map(String::as_str) == Some("xlsx") {
        let bytes = xianfeng_app::selection::roll_xlsx(&entries).or_refuse(&attempt)?;
        return Ok(pages::download("honours.xlsx", pages::XLSX, bytes));
    }
    let mut groups: Vec<(String, Vec<(i64, RollEntry)>)> = vec![];
    for e in entries {
        match groups.last_mut() {
            Some((name, list)) if *name == e.honour_name => list.push((e.nomination, e)),
            _ => groups.push((e.honour_name.clone(), vec![(e.nomination, e)])),
        }
    }
    let page = RollPage {
        chrome,
        code: code.clone(),
        org: org.unwrap_or("").to_string(),
        campaign: campaign.file.campaign.name.clone(),
        organiser: campaign.file.campaign.organiser.clone(),
        groups,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

#[derive(Template)]
#[template(path = "certificate.html")]
struct CertificatePage {
    chrome: Chrome,
    code: String,
    entry: RollEntry,
    organiser: String,
}

/// `/p/honours/{campaign}/{nomination}`: a certificate (荣誉证书) to print on A4.
pub async fn certificate(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((code, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    let chrome = Chrome::anonymous(lang_of(&headers), &format!("/p/honours/{code}/{id}"));
    let attempt = Attempt::public(chrome.tx.lang, &chrome.back, "certificate_unavailable");
    let (stored, campaign) = xianfeng_app::campaigns::browsable_by_code(&s.store, &code)
        .await
        .or_refuse(&attempt)?;
    let roll = honour_roll(&s.store, Some(stored.id), None)
        .await
        .or_refuse(&attempt)?;
    let Some(entry) = roll.into_iter().find(|e| e.nomination == id) else {
        return Err(attempt.refused(AppError::NotFound));
    };
    let page = CertificatePage {
        chrome,
        code: code.clone(),
        entry,
        organiser: campaign.file.campaign.organiser.clone(),
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}
