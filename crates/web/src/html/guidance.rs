//! A committee's implementing opinions (`/o/CODE/guidance`, 实施意见): what it adds under the
//! city's campaign — requirements under the city's criteria, activity items of its own, its
//! own phase dates inside the city's — beside what the committees above it added, with the
//! forms to add and withdraw; and the office's overview of every committee's (`/guidance`).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use xianfeng_app::AppError;
use xianfeng_app::guidance as service;
use xianfeng_domain::campaign::{Campaign, LocalRule};
use xianfeng_domain::policy::Action;
use xianfeng_storage::StoredLocalRule;

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::clock::beijing_time;
use crate::kernel::forms::Fields;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::session::{Posted, SignedIn};
use crate::kernel::text::Text;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/guidance", get(overview))
        .route("/o/{code}/guidance", get(page).post(add))
        .route("/o/{code}/guidance/{id}/withdraw", post(withdraw))
}

/// A rule as the pages show it: whose, what kind, and what it says.
pub struct RuleView {
    pub id: i64,
    pub org_code: String,
    pub org_name: String,
    /// What it is about: the criterion, the activity set or the phase, named.
    pub about: String,
    /// What it says: the requirement, the item and its description, or the dates.
    pub says: String,
    pub by: String,
}

/// `r` in the reader's language, with the names the campaign file gives.
pub fn view(tx: &Text, campaign: &Campaign, r: &StoredLocalRule) -> RuleView {
    let (about, says) = match &r.rule {
        LocalRule::Requirement {
            standard,
            criterion,
            text,
        } => {
            let name = campaign
                .file
                .standards
                .iter()
                .find(|s| s.code.get_ref() == standard)
                .and_then(|s| s.criteria.iter().find(|c| c.code.get_ref() == criterion))
                .map_or_else(|| criterion.clone(), |c| tx.term(&c.name));
            (
                tx.get_with("guidance_requirement_of", "name", name),
                text.clone(),
            )
        }
        LocalRule::Activity {
            set,
            name,
            description,
            ..
        } => {
            let set_name = campaign
                .file
                .activity_sets
                .iter()
                .find(|s| s.code.get_ref() == set)
                .map_or_else(|| set.clone(), |s| tx.term(&s.name));
            let says = if description.is_empty() {
                name.clone()
            } else {
                xianfeng_domain::i18n::t(
                    tx.lang,
                    "web.guidance_item",
                    &[("name", name), ("text", description)],
                )
            };
            (tx.get_with("guidance_activity_of", "name", set_name), says)
        }
        LocalRule::PhaseDates {
            phase,
            starts_on,
            ends_on,
        } => {
            let name = campaign
                .phase(phase)
                .map_or_else(|| phase.clone(), |p| tx.term(&p.name));
            (
                tx.get_with("guidance_phase_of", "name", name),
                format!(
                    "{} – {}",
                    tx.long_date(&starts_on.to_string()),
                    tx.long_date(&ends_on.to_string())
                ),
            )
        }
    };
    RuleView {
        id: r.id,
        org_code: r.org_code.clone(),
        org_name: r.org_name.clone(),
        about,
        says,
        by: format!(
            "{} · {}",
            tx.actor(&r.created_by),
            beijing_time(r.created_at)
        ),
    }
}

/// (code, name) of a standard, and of each of its criteria.
type StandardChoice = (String, String, Vec<(String, String)>);

#[derive(Template)]
#[template(path = "guidance.html")]
struct GuidancePage {
    chrome: Chrome,
    code: String,
    name: String,
    /// Those of the committees above, read-only here.
    above: Vec<RuleView>,
    own: Vec<RuleView>,
    may_write: bool,
    /// For the forms: each standard with its criteria.
    criteria: Vec<StandardChoice>,
    sets: Vec<(String, String)>,
    phases: Vec<(String, String)>,
}

pub async fn page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let back = format!("/o/{code}/guidance");
    let attempt = Attempt::new(&viewer, &back, "guidance_unavailable");
    let o = xianfeng_app::scope::org_for(
        &s.store,
        Some(&viewer.principal),
        &code,
        Action::ReadOrganisation,
    )
    .await
    .or_refuse(&attempt)?;
    let (_, campaign) = xianfeng_app::scope::campaign(&s.store)
        .await
        .or_refuse(&attempt)?;
    let rules = service::in_force_for(&s.store, &o)
        .await
        .or_refuse(&attempt)?;
    let may_write = xianfeng_domain::campaign::may_write_local(o.kind).is_ok()
        && xianfeng_app::scope::allowed(&viewer.principal, Action::WriteGuidance, &o).is_ok();
    let chrome = Chrome::signed_in(&viewer, back);
    let tx = &chrome.tx;
    let (own, above): (Vec<_>, Vec<_>) = rules.iter().partition(|r| r.org_id == o.id);
    let page = GuidancePage {
        code: o.code.clone(),
        name: o.name.clone(),
        above: above.iter().map(|r| view(tx, &campaign, r)).collect(),
        own: own.iter().map(|r| view(tx, &campaign, r)).collect(),
        may_write,
        criteria: campaign
            .file
            .standards
            .iter()
            .map(|st| {
                (
                    st.code.get_ref().clone(),
                    tx.term(&st.name),
                    st.criteria
                        .iter()
                        .map(|c| (c.code.get_ref().clone(), tx.term(&c.name)))
                        .collect(),
                )
            })
            .collect(),
        sets: campaign
            .file
            .activity_sets
            .iter()
            .map(|a| (a.code.get_ref().clone(), tx.term(&a.name)))
            .collect(),
        phases: campaign
            .file
            .phases
            .iter()
            .map(|p| (p.code.get_ref().clone(), tx.term(&p.name)))
            .collect(),
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

/// Adds a rule: `kind` = requirement (`criterion` as STANDARD/CRITERION, `text`), activity
/// (`set`, `name`, `text`) or phase (`phase`, `from`, `until`).
pub async fn add(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/o/{code}/guidance");
    let attempt = Attempt::new(&viewer, &back, "guidance_not_added");
    let rule = match f.value("kind") {
        "requirement" => {
            let (standard, criterion) = f.value("criterion").split_once('/').unwrap_or_default();
            LocalRule::Requirement {
                standard: standard.to_string(),
                criterion: criterion.to_string(),
                text: f.value("text").to_string(),
            }
        }
        "activity" => LocalRule::Activity {
            set: f.value("set").to_string(),
            code: String::new(),
            name: f.value("name").to_string(),
            description: f.value("text").to_string(),
        },
        "phase" => LocalRule::PhaseDates {
            phase: f.value("phase").to_string(),
            starts_on: AppError::day(f.value("from")).or_refuse(&attempt)?,
            ends_on: AppError::day(f.value("until")).or_refuse(&attempt)?,
        },
        _ => return Err(attempt.refused(AppError::NotFound)),
    };
    service::add(&s.store, &viewer.actor(), &code, &rule)
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

pub async fn withdraw(
    State(s): State<AppState>,
    Path((code, id)): Path<(String, i64)>,
    Posted(viewer, _): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/o/{code}/guidance");
    let attempt = Attempt::new(&viewer, &back, "guidance_not_withdrawn");
    service::withdraw(&s.store, &viewer.actor(), &code, id)
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

#[derive(Template)]
#[template(path = "guidance_overview.html")]
struct OverviewPage {
    chrome: Chrome,
    rules: Vec<RuleView>,
}

/// What every committee added, for the office.
pub async fn overview(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/campaigns", "guidance_unavailable");
    let rules = service::overview(&s.store, Some(&viewer.principal))
        .await
        .or_refuse(&attempt)?;
    let (_, campaign) = xianfeng_app::scope::campaign(&s.store)
        .await
        .or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, "/guidance".into());
    let page = OverviewPage {
        rules: rules
            .iter()
            .map(|r| view(&chrome.tx, &campaign, r))
            .collect(),
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}
