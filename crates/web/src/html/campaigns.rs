//! Campaigns for the office (`/campaigns`): every campaign with its status; one campaign's
//! phases with the work each opens and the spans the office opened besides; and the forms
//! to open a phase's work early or extend it, copy a campaign for the next one, edit a
//! draft's file (checked as `xianfeng campaign check` does), start a draft, close the
//! running campaign, and download the file.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use xianfeng_app::AppError;
use xianfeng_app::campaigns::{self as service, CopyRequest, Opening};
use xianfeng_domain::campaign::{Campaign, CampaignStatus, default_shift};
use xianfeng_storage::{StoredCampaign, StoredWindow};

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::clock::beijing_time;
use crate::kernel::forms::Fields;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::session::{Posted, SignedIn};
use crate::kernel::text::Text;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/campaigns", get(list))
        .route("/campaigns/{id}", get(page))
        .route("/campaigns/{id}/file", get(file))
        .route("/campaigns/{id}/edit", get(edit_form).post(edit))
        .route("/campaigns/{id}/copy", post(copy))
        .route("/campaigns/{id}/start", post(start))
        .route("/campaigns/{id}/close", post(close))
        .route("/campaigns/{id}/open-phase", post(open_phase))
}

struct CampaignRow {
    id: i64,
    name: String,
    code: String,
    dates: String,
    status: CampaignStatus,
    status_name: String,
}

fn row(tx: &Text, c: &StoredCampaign) -> CampaignRow {
    CampaignRow {
        id: c.id,
        name: tx.term(&c.name),
        code: c.code.clone(),
        dates: dates(tx, c.starts_on, c.ends_on),
        status: c.status,
        status_name: tx.say(&c.status.name()),
    }
}

fn dates(tx: &Text, from: chrono::NaiveDate, to: chrono::NaiveDate) -> String {
    format!(
        "{} – {}",
        tx.long_date(&from.to_string()),
        tx.long_date(&to.to_string())
    )
}

#[derive(Template)]
#[template(path = "campaigns.html")]
struct ListPage {
    chrome: Chrome,
    campaigns: Vec<CampaignRow>,
}

pub async fn list(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/", "campaigns_unavailable");
    service::may_manage(&s.store, Some(&viewer.principal))
        .await
        .or_refuse(&attempt)?;
    let all = s.store.campaigns().all().await.or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, "/campaigns".into());
    let page = ListPage {
        campaigns: all.iter().rev().map(|c| row(&chrome.tx, c)).collect(),
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

/// A window the office opened, as shown beside its phase.
struct WindowView {
    dates: String,
    reason: String,
    by: String,
}

struct PhaseView {
    code: String,
    name: String,
    dates: String,
    /// The work it opens, in the reader's language (empty: none).
    opens: String,
    windows: Vec<WindowView>,
}

#[derive(Template)]
#[template(path = "campaign.html")]
struct CampaignPage {
    chrome: Chrome,
    c: CampaignRow,
    theme: String,
    phases: Vec<PhaseView>,
    stages: Vec<(String, String)>,
    /// The defaults of the copy form: the next campaign's years.
    shift_years: i32,
}

fn phases(tx: &Text, campaign: &Campaign, windows: &[StoredWindow]) -> Vec<PhaseView> {
    campaign
        .file
        .phases
        .iter()
        .map(|p| {
            let (from, to) = p.dates();
            let opens: Vec<String> = p.opened().iter().map(|a| tx.say(&a.name())).collect();
            PhaseView {
                code: p.code.get_ref().clone(),
                name: tx.term(&p.name),
                dates: dates(tx, from, to),
                opens: opens.join(&tx.get("list_separator")),
                windows: windows
                    .iter()
                    .filter(|w| w.window.phase == *p.code.get_ref())
                    .map(|w| WindowView {
                        dates: dates(tx, w.window.starts_on, w.window.ends_on),
                        reason: w.reason.clone(),
                        by: format!(
                            "{} · {}",
                            tx.actor(&w.created_by),
                            beijing_time(w.created_at)
                        ),
                    })
                    .collect(),
            }
        })
        .collect()
}

pub async fn page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/campaigns", "campaigns_unavailable");
    service::may_manage(&s.store, Some(&viewer.principal))
        .await
        .or_refuse(&attempt)?;
    let (c, campaign) = service::get(&s.store, id).await.or_refuse(&attempt)?;
    let windows = service::windows(&s.store, id).await.or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, format!("/campaigns/{id}"));
    let tx = &chrome.tx;
    let header = &campaign.file.campaign;
    let page = CampaignPage {
        c: row(tx, &c),
        theme: match tx.lang {
            xianfeng_domain::i18n::Lang::En if !header.theme_en.is_empty() => {
                header.theme_en.clone()
            }
            _ => header.theme.clone(),
        },
        phases: phases(tx, &campaign, &windows),
        stages: campaign
            .file
            .stages
            .iter()
            .map(|p| {
                let (from, to) = p.dates();
                (tx.term(&p.name), dates(tx, from, to))
            })
            .collect(),
        shift_years: default_shift(c.starts_on, c.ends_on),
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

/// The campaign file, to save and edit: `CODE.toml`.
pub async fn file(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/campaigns", "campaigns_unavailable");
    service::may_manage(&s.store, Some(&viewer.principal))
        .await
        .or_refuse(&attempt)?;
    let (code, text) = service::export(&s.store, id).await.or_refuse(&attempt)?;
    Ok(pages::download(
        &format!("{code}.toml"),
        "application/toml; charset=utf-8",
        text.into_bytes(),
    ))
}

#[derive(Template)]
#[template(path = "campaign_edit.html")]
struct EditPage {
    chrome: Chrome,
    id: i64,
    name: String,
    text: String,
    /// What `campaign check` found, a line each.
    problems: Vec<String>,
}

pub async fn edit_form(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let back = format!("/campaigns/{id}");
    let attempt = Attempt::new(&viewer, &back, "campaign_not_edited");
    service::may_manage(&s.store, Some(&viewer.principal))
        .await
        .or_refuse(&attempt)?;
    let (c, _) = service::get(&s.store, id).await.or_refuse(&attempt)?;
    c.status
        .check_draft()
        .map_err(AppError::Input)
        .or_refuse(&attempt)?;
    let (_, text) = service::export(&s.store, id).await.or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, back);
    let page = EditPage {
        id,
        name: chrome.tx.term(&c.name),
        text,
        problems: vec![],
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

/// Replaces a draft's file; with problems, the form comes back with the text as typed and
/// every problem with its line.
pub async fn edit(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/campaigns/{id}");
    let attempt = Attempt::new(&viewer, &back, "campaign_not_edited");
    let text = f.value("text").replace("\r\n", "\n");
    match service::edit(
        &s.store,
        Some(&viewer.principal),
        &viewer.session.username,
        id,
        &text,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&back).into_response()),
        Err(AppError::Input(problems)) => {
            let (c, _) = service::get(&s.store, id).await.or_refuse(&attempt)?;
            let chrome = Chrome::signed_in(&viewer, back);
            let page = EditPage {
                id,
                name: chrome.tx.term(&c.name),
                problems: chrome
                    .tx
                    .say(&problems)
                    .lines()
                    .map(str::to_string)
                    .collect(),
                text,
                chrome,
            };
            pages::html(StatusCode::UNPROCESSABLE_ENTITY, &page, page.chrome.tx.lang)
        }
        Err(e) => Err(attempt.refused(e)),
    }
}

/// Copies the campaign as a draft for the next one.
pub async fn copy(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, format!("/campaigns/{id}"), "campaign_not_copied");
    service::may_manage(&s.store, Some(&viewer.principal))
        .await
        .or_refuse(&attempt)?;
    let shift_years = match f.value("shift_years").trim() {
        "" => None,
        n => Some(n.parse::<i32>().map_err(|_| {
            attempt.refused(AppError::input("web.campaign_bad_years", &[("value", &n)]))
        })?),
    };
    let request = CopyRequest {
        name: f.value("name"),
        name_en: f.value("name_en"),
        code: Some(f.value("code")),
        shift_years,
    };
    let new = service::copy(
        &s.store,
        Some(&viewer.principal),
        &viewer.session.username,
        id,
        &request,
    )
    .await
    .or_refuse(&attempt)?;
    Ok(Redirect::to(&format!("/campaigns/{new}")).into_response())
}

/// Asks first, then starts the draft (the running campaign closes) or closes the running
/// campaign.
async fn change(
    s: &AppState,
    id: i64,
    viewer: &crate::kernel::viewer::Viewer,
    f: &Fields,
    to: CampaignStatus,
) -> Result<Response, PageError> {
    let back = format!("/campaigns/{id}");
    let (verb, title) = match to {
        CampaignStatus::Running => ("start", "campaign_not_started"),
        _ => ("close", "campaign_not_closed"),
    };
    let attempt = Attempt::new(viewer, &back, title);
    service::may_manage(&s.store, Some(&viewer.principal))
        .await
        .or_refuse(&attempt)?;
    let (c, _) = service::get(&s.store, id).await.or_refuse(&attempt)?;
    if !f.confirmed() {
        let chrome = Chrome::signed_in(viewer, back.clone());
        let tx = &chrome.tx;
        let name = tx.term(&c.name);
        let running = s
            .store
            .campaigns()
            .current_record()
            .await
            .or_refuse(&attempt)?
            .filter(|r| r.status == CampaignStatus::Running && r.id != id)
            .map(|r| tx.term(&r.name));
        let what = match (to, running) {
            (CampaignStatus::Running, Some(old)) => xianfeng_domain::i18n::t(
                tx.lang,
                "web.campaign_start_what",
                &[("name", &name), ("old", &old)],
            ),
            (CampaignStatus::Running, None) => tx.get_with("campaign_start_alone", "name", &name),
            _ => tx.get_with("campaign_close_what", "name", &name),
        };
        let action = format!("/campaigns/{id}/{verb}");
        let page = pages::Confirm {
            title: tx.get_with(&format!("campaign_{verb}_title"), "name", &name),
            what,
            yes: tx.get(&format!("campaign_{verb}_yes")),
            action: &action,
            fields: vec![],
            back,
            chrome: &chrome,
        };
        return pages::html(StatusCode::OK, &page, chrome.tx.lang);
    }
    let who = &viewer.session.username;
    match to {
        CampaignStatus::Running => service::start(&s.store, Some(&viewer.principal), who, id).await,
        _ => service::close(&s.store, Some(&viewer.principal), who, id).await,
    }
    .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

pub async fn start(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    change(&s, id, &viewer, &f, CampaignStatus::Running).await
}

pub async fn close(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    change(&s, id, &viewer, &f, CampaignStatus::Closed).await
}

/// Opens a phase's work from one day to another besides its own dates (audited).
pub async fn open_phase(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/campaigns/{id}");
    let attempt = Attempt::new(&viewer, &back, "phase_not_opened");
    service::may_manage(&s.store, Some(&viewer.principal))
        .await
        .or_refuse(&attempt)?;
    let starts_on = AppError::day(f.value("from")).or_refuse(&attempt)?;
    let ends_on = AppError::day(f.value("until")).or_refuse(&attempt)?;
    let opening = Opening {
        phase: f.value("phase"),
        starts_on,
        ends_on,
        reason: f.value("reason"),
    };
    service::open_phase(
        &s.store,
        Some(&viewer.principal),
        &viewer.session.username,
        id,
        &opening,
    )
    .await
    .or_refuse(&attempt)?;
    Ok(Redirect::to(&format!("{back}#phases")).into_response())
}
