//! Public pages (公开页面) under `/p/`: no sign-in, nothing personal, addresses that stay
//! the same because they are printed as QR codes (docs/URLS.md). Later issues add the
//! commitment board, the ballot page and public notices here.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
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
        .route("/p/find", get(find))
        .route("/p/feed.atom", get(feed))
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

/// How many of each kind of item the portal's home lists.
const HOME_ITEMS: usize = 5;

/// An item of the home page's lists: (address, title, a line under it).
type Item = (String, String, String);

#[derive(Template)]
#[template(path = "public_index.html")]
struct IndexPage {
    chrome: Chrome,
    /// The campaign in use today: its theme, phase and themed stage.
    moment: Option<crate::html::standards::Moment>,
    /// What the campaign's activity sets mean.
    sets: Vec<ActivitySetView>,
    /// Every campaign but drafts, newest first, for their honour rolls: (code, name).
    campaigns: Vec<(String, String)>,
    /// Notices taking objections now or soon, of whichever campaign.
    notices: Vec<Item>,
    bulletins: Vec<Item>,
    models: Vec<Item>,
    practices: Vec<Item>,
    sessions: Vec<Item>,
}

/// The portal's home: the campaign today and what it asks, then the latest of everything
/// public. One campaign's lists (the one in use); none when there is none yet.
pub async fn index(State(s): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let today = crate::kernel::clock::today();
    let chrome = Chrome::anonymous(lang_of(&headers), "/p/");
    let attempt = Attempt::public(chrome.tx.lang, &chrome.back, "public_index_unavailable");
    let tx = chrome.tx.clone();
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
                    format!("/p/n/{}", n.id),
                    n.title,
                    format!("{} — {}", n.starts_on, n.ends_on),
                ));
            }
        }
    }
    let mut page = IndexPage {
        moment: None,
        sets: vec![],
        campaigns: campaigns
            .iter()
            .map(|c| (c.code.clone(), tx.term(&c.name)))
            .collect(),
        notices,
        bulletins: vec![],
        models: vec![],
        practices: vec![],
        sessions: vec![],
        chrome,
    };
    if let Ok((_, campaign)) = xianfeng_app::scope::campaign(&s.store).await {
        let mut moment = crate::html::standards::moment(&tx, &campaign, today, &[]);
        // What work is open is the staff's business, not the public's.
        moment.work.clear();
        page.moment = Some(moment);
        page.sets = activity_sets(&tx, &campaign);
        page.bulletins = xianfeng_app::bulletins::public_list(&s.store, None)
            .await
            .or_refuse(&attempt)?
            .into_iter()
            .take(HOME_ITEMS)
            .map(|b| {
                let line = [
                    b.issuer.unwrap_or_default(),
                    b.number.map(|n| n.to_string()).unwrap_or_default(),
                ]
                .join(" ");
                (format!("/p/bulletins/{}", b.id), b.title, line)
            })
            .collect();
        page.models = xianfeng_app::publicity::models::public_library(
            &s.store,
            xianfeng_storage::ModelFilter {
                limit: HOME_ITEMS as i64,
                ..Default::default()
            },
        )
        .await
        .or_refuse(&attempt)?
        .into_iter()
        .map(|m| (format!("/p/models/{}", m.id), m.name, m.summary))
        .collect();
        page.practices = xianfeng_app::publicity::practices::published(&s.store, HOME_ITEMS as i64)
            .await
            .or_refuse(&attempt)?
            .into_iter()
            .map(|p| (format!("/p/practices/{}", p.id), p.title, p.org_name))
            .collect();
        page.sessions = xianfeng_app::publicity::tours::upcoming(
            &s.store,
            crate::kernel::clock::now_local(),
            HOME_ITEMS as i64,
        )
        .await
        .or_refuse(&attempt)?
        .into_iter()
        .map(|x| {
            (
                format!("/p/s/{}", x.id),
                x.delegation_name,
                format!(
                    "{} {}",
                    xianfeng_domain::lecture::format_time(x.starts_at),
                    x.venue
                ),
            )
        })
        .collect();
    }
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

/// An activity set (五比一争, 四讲一争) as the home page explains it.
struct ActivitySetView {
    name: String,
    /// Who carries it out.
    who: String,
    /// Its items: (name, what it asks — shown in Chinese only, as the campaign file words
    /// it).
    items: Vec<(String, String)>,
}

/// The campaign's activity sets as the home page explains them.
fn activity_sets(
    tx: &crate::kernel::text::Text,
    campaign: &xianfeng_domain::campaign::Campaign,
) -> Vec<ActivitySetView> {
    let localised = |zh: &str, en: &str| match tx.lang {
        Lang::En if !en.is_empty() => en.to_string(),
        _ => tx.term(zh),
    };
    campaign
        .file
        .activity_sets
        .iter()
        .map(|set| {
            let who: Vec<String> = set
                .subjects
                .iter()
                .map(|k| tx.get(&format!("subject_{}", k.as_str())))
                .collect();
            let items = set
                .items
                .iter()
                .map(|i| {
                    // The descriptions are the campaign file's, in Chinese: shown to Chinese
                    // readers only, never beside English words.
                    let what = match tx.lang {
                        Lang::ZhCn => i.description.clone(),
                        Lang::En => String::new(),
                    };
                    (localised(&i.name, &i.name_en), what)
                })
                .collect();
            ActivitySetView {
                name: localised(&set.name, &set.name_en),
                who: tx.get_with(
                    "portal_set_for",
                    "who",
                    who.join(tx.get("list_separator").as_str()),
                ),
                items,
            }
        })
        .collect()
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct FindQuery {
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "public_find.html")]
struct FindPage {
    chrome: Chrome,
    q: String,
    /// (code, name, the organisation above).
    found: Vec<(String, String, String)>,
    searched: bool,
}

/// The most organisations a search lists.
const FIND_LIMIT: i64 = 30;

/// Finds an organisation by a part of its name or code, to open its board.
pub async fn find(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<FindQuery>,
) -> Result<Response, PageError> {
    let chrome = Chrome::anonymous(lang_of(&headers), "/p/find");
    let attempt = Attempt::public(chrome.tx.lang, "/p/", "public_index_unavailable");
    let needle = q.q.trim().to_string();
    let mut found = vec![];
    if !needle.is_empty() {
        let orgs = s
            .store
            .registry()
            .search_orgs(&needle, &[], &[], true, FIND_LIMIT)
            .await
            .or_refuse(&attempt)?;
        for o in orgs {
            let above = match o.parent_id {
                Some(id) => s
                    .store
                    .registry()
                    .org_by_id(id)
                    .await
                    .or_refuse(&attempt)?
                    .map(|p| p.name)
                    .unwrap_or_default(),
                None => String::new(),
            };
            found.push((o.code, o.name, above));
        }
    }
    let page = FindPage {
        searched: !needle.is_empty(),
        q: needle,
        found,
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

/// Escapes text for XML.
fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An RFC 3339 time of a stored millisecond timestamp.
fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The Atom feed of what is public: bulletins, running notices, models, practices and
/// sessions to come, newest first. Addresses are absolute at the configured public
/// address (relative without one).
pub async fn feed(State(s): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let lang = lang_of(&headers);
    let attempt = Attempt::public(lang, "/p/", "public_index_unavailable");
    let base = s
        .config
        .public_url
        .clone()
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_string();
    // (updated ms, id, title, path, summary)
    let mut entries: Vec<(i64, String, String, String, String)> = vec![];
    if let Ok((campaign_id, _)) = xianfeng_app::scope::campaign(&s.store).await {
        for b in xianfeng_app::bulletins::public_list(&s.store, None)
            .await
            .or_refuse(&attempt)?
        {
            let at = b.issued_at.unwrap_or(b.created_at);
            entries.push((
                at,
                format!("bulletin-{}", b.id),
                b.title,
                format!("/p/bulletins/{}", b.id),
                b.issuer.unwrap_or_default(),
            ));
        }
        let today = crate::kernel::clock::today();
        for n in s
            .store
            .selection()
            .notices(campaign_id)
            .await
            .or_refuse(&attempt)?
        {
            if xianfeng_app::selection::notice_period(&n).phase(today) != NoticePhase::Ended {
                let at = n
                    .starts_on
                    .and_hms_opt(0, 0, 0)
                    .map_or(0, |t| t.and_utc().timestamp_millis());
                entries.push((
                    at,
                    format!("notice-{}", n.id),
                    n.title,
                    format!("/p/n/{}", n.id),
                    format!("{} — {}", n.starts_on, n.ends_on),
                ));
            }
        }
        for m in xianfeng_app::publicity::models::public_library(
            &s.store,
            xianfeng_storage::ModelFilter {
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .or_refuse(&attempt)?
        {
            entries.push((
                m.updated_at,
                format!("model-{}", m.id),
                m.name,
                format!("/p/models/{}", m.id),
                m.summary,
            ));
        }
        for p in xianfeng_app::publicity::practices::published(&s.store, 50)
            .await
            .or_refuse(&attempt)?
        {
            entries.push((
                p.updated_at,
                format!("practice-{}", p.id),
                p.title,
                format!("/p/practices/{}", p.id),
                p.summary,
            ));
        }
        for x in xianfeng_app::publicity::tours::upcoming(
            &s.store,
            crate::kernel::clock::now_local(),
            50,
        )
        .await
        .or_refuse(&attempt)?
        {
            // A session is news from the moment it is scheduled.
            let at = (x.starts_at - chrono::Duration::hours(8))
                .and_utc()
                .timestamp_millis()
                .min(chrono::Utc::now().timestamp_millis());
            let line = format!(
                "{} {}",
                xianfeng_domain::lecture::format_time(x.starts_at),
                x.venue
            );
            entries.push((
                at,
                format!("session-{}", x.id),
                x.delegation_name,
                format!("/p/s/{}", x.id),
                line,
            ));
        }
    }
    entries.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let updated = entries.first().map_or(0, |e| e.0);
    // A tag URI names a host, without a port.
    let host = base
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .split(':')
        .next()
        .unwrap_or_default();
    let tag = |id: &str| {
        format!(
            "tag:{},2010:{id}",
            if host.is_empty() { "xianfeng" } else { host }
        )
    };
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
    );
    out.push_str(&format!(
        "<title>{}</title>\n",
        xml(&t(lang, "web.public_title", &[]))
    ));
    out.push_str(&format!("<id>{}</id>\n", tag("feed")));
    out.push_str(&format!("<updated>{}</updated>\n", rfc3339(updated)));
    out.push_str(&format!(
        "<link rel=\"self\" href=\"{base}/p/feed.atom\"/>\n<link href=\"{base}/p/\"/>\n"
    ));
    out.push_str(&format!(
        "<author><name>{}</name></author>\n",
        xml(&t(lang, "web.public_title", &[]))
    ));
    for (at, id, title, path, summary) in &entries {
        out.push_str(&format!(
            "<entry><id>{}</id><title>{}</title><updated>{}</updated><link href=\"{base}{path}\"/><summary>{}</summary></entry>\n",
            tag(id),
            xml(title),
            rfc3339(*at),
            xml(summary)
        ));
    }
    out.push_str("</feed>\n");
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "application/atom+xml; charset=utf-8",
        )],
        out,
    )
        .into_response())
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
    /// Open-mode evaluation rounds running today about the organisation or its people:
    /// (round, subject, address of its ballot page). Code rounds are never listed.
    rounds: Vec<(String, String, String)>,
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
    let rounds = s
        .store
        .evaluation()
        .open_rounds_of_org(org.id, crate::kernel::clock::today())
        .await
        .or_refuse(&attempt)?
        .into_iter()
        .map(|(r, subject)| {
            let path = format!("/p/e/{}/{}", r.id, subject.subject_id);
            (r.name, subject.name, path)
        })
        .collect();
    let page = OrgPage {
        rounds,
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
