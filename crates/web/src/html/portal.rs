//! Public pages (公开页面) under `/p/`: no sign-in, nothing personal, addresses that stay
//! the same because they are printed as QR codes (docs/URLS.md). Later issues add the
//! commitment board, the ballot page and public notices here.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use xianfeng_domain::selection::NoticePhase;

use crate::AppState;
use crate::html::commitments::{ItemView, activity_names, item_views};
use crate::kernel::campaign_picker::{CampaignPicker, CampaignQuery};
use crate::kernel::chrome::Chrome;
use crate::kernel::cookies::lang_of;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::qr;
use xianfeng_app::AppError;
use xianfeng_domain::campaign::CampaignStatus;
use xianfeng_domain::commitment::{Outcome, Status};
use xianfeng_domain::i18n::{Lang, t};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/p/", get(index))
        .route("/p/o/{code}", get(organisation))
}

/// Progress reports shown per commitment on the board.
const BOARD_REPORTS: usize = 3;

/// The published commitments of an organisation and of its members, teams and cadres:
/// never a draft, a returned or an unpublished one.
/// Only campaign `campaign`'s: a board shows one campaign at a time, and an item of a
/// campaign that is over (`running` false) is never shown as overdue.
async fn board(
    s: &AppState,
    lang: Lang,
    org_id: i64,
    campaign: i64,
    running: bool,
) -> Result<Vec<BoardEntry>, AppError> {
    let names = activity_names(s, lang).await;
    let mut out = Vec::new();
    for c in s
        .store
        .commitments()
        .commitments_in(&[org_id], &[Status::Published, Status::Evaluated])
        .await?
        .into_iter()
        .filter(|c| c.campaign_id == campaign)
    {
        let subject =
            xianfeng_app::subjects::subject(&s.store, c.subject_kind, c.subject_id).await?;
        let reports = s.store.commitments().progress_reports(c.id).await?;
        let outcomes = c.outcomes();
        let closed = outcomes.iter().filter(|o| **o != Outcome::Open).count();
        out.push(BoardEntry {
            title: c.title.clone(),
            subject: subject.name,
            kind: t(
                lang,
                &format!("web.subject_{}", c.subject_kind.as_str()),
                &[],
            ),
            status: t(
                lang,
                &format!("commitment.status_{}", c.status.as_str()),
                &[],
            ),
            items: item_views(lang, &c, &names, running),
            kept: outcomes.iter().filter(|o| **o == Outcome::Kept).count(),
            closed,
            percent: (closed * 100).checked_div(outcomes.len()).unwrap_or(0),
            reports: reports
                .into_iter()
                .take(BOARD_REPORTS)
                .map(|r| (r.reported_on.to_string(), r.body, r.attachments.len()))
                .collect(),
        });
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "public_index.html")]
struct IndexPage {
    chrome: Chrome,
    /// Every campaign but drafts, newest first, for their honour rolls: (code, name).
    campaigns: Vec<(String, String)>,
    /// Notices taking objections now or soon, of whichever campaign: (id, title,
    /// starts_on, ends_on).
    notices: Vec<(i64, String, String, String)>,
}

pub async fn index(State(s): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let today = crate::kernel::clock::today();
    let chrome = Chrome::anonymous(lang_of(&headers), "/p/");
    let attempt = Attempt::public(chrome.tx.lang, &chrome.back, "public_index_unavailable");
    let campaigns = xianfeng_app::campaigns::browsable(&s.store)
        .await
        .or_refuse(&attempt)?;
    // A notice runs to its end whichever campaign is in use now.
    let mut notices = vec![];
    for c in &campaigns {
        for n in s
            .store
            .selection()
            .notices(c.id)
            .await
            .or_refuse(&attempt)?
        {
            if xianfeng_app::selection::notice_period(&n).phase(today) != NoticePhase::Ended {
                notices.push((
                    n.id,
                    n.title,
                    n.starts_on.to_string(),
                    n.ends_on.to_string(),
                ));
            }
        }
    }
    let page = IndexPage {
        campaigns: campaigns
            .iter()
            .map(|c| (c.code.clone(), chrome.tx.term(&c.name)))
            .collect(),
        chrome,
        notices,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

struct PublicOrg {
    code: String,
    name: String,
    kind: String,
}

/// A published commitment as the board shows it.
struct BoardEntry {
    title: String,
    subject: String,
    kind: String,
    status: String,
    items: Vec<ItemView>,
    kept: usize,
    closed: usize,
    /// Percent of items closed, for the progress bar.
    percent: usize,
    /// The latest progress reports: (date, text, number of evidence files).
    reports: Vec<(String, String, usize)>,
}

#[derive(Template)]
#[template(path = "public_org.html")]
struct OrgPage {
    chrome: Chrome,
    org: PublicOrg,
    parent: Option<PublicOrg>,
    children: Vec<PublicOrg>,
    organisations: i64,
    members: i64,
    /// The organisation's secretary, its 第一责任人 (a public office, posted on every
    /// board), when its roster names one.
    secretary: Option<String>,
    board: Vec<BoardEntry>,
    picker: CampaignPicker,
    qr: Option<String>,
    url: Option<String>,
}

fn public(o: &xianfeng_storage::OrgRecord) -> PublicOrg {
    PublicOrg {
        code: o.code.clone(),
        name: o.name.clone(),
        kind: o.kind.name_zh().to_string(),
    }
}

/// An organisation as the public sees it: its name and kind, its secretary (第一责任人),
/// where it sits, how many organisations and members it has, and its board of published
/// commitments. No other person's data is shown beyond the names on the board.
pub async fn organisation(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<CampaignQuery>,
) -> Result<Response, PageError> {
    let chrome = Chrome::anonymous(lang_of(&headers), &format!("/p/o/{code}"));
    let attempt = Attempt::public(
        chrome.tx.lang,
        &chrome.back,
        "organisation_page_unavailable",
    );
    let Some(org) = s
        .store
        .registry()
        .org_by_code(&code)
        .await
        .or_refuse(&attempt)?
    else {
        return Err(attempt.refused(AppError::NotFound));
    };
    let parent = match org.parent_id {
        Some(id) => s.store.registry().org_by_id(id).await.or_refuse(&attempt)?,
        None => None,
    };
    let children = s
        .store
        .registry()
        .children(org.id)
        .await
        .or_refuse(&attempt)?;
    let counts = s
        .store
        .registry()
        .subtree_counts(&org)
        .await
        .or_refuse(&attempt)?;
    let (picked, _) = xianfeng_app::campaigns::picked(&s.store, q.id())
        .await
        .or_refuse(&attempt)?;
    let board = board(
        &s,
        chrome.tx.lang,
        org.id,
        picked.id,
        picked.status == CampaignStatus::Running,
    )
    .await
    .or_refuse(&attempt)?;
    let picker = CampaignPicker::new(&s.store, &chrome.tx, &picked)
        .await
        .or_refuse(&attempt)?;
    // The board's code for printing and posting: only at the configured public address.
    let url = qr::public_address(
        s.config.public_url.as_deref(),
        &format!("/p/o/{}", org.code),
    );
    let secretary = xianfeng_app::registry::secretary_of(&s.store, &org)
        .await
        .or_refuse(&attempt)?;
    let page = OrgPage {
        chrome,
        secretary,
        org: public(&org),
        parent: parent.as_ref().map(public),
        children: children.iter().map(public).collect(),
        organisations: counts.organisations,
        members: counts.members,
        board,
        picker,
        qr: url.as_deref().and_then(qr::svg),
        url,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}
