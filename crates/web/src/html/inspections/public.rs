//! `/p/inspections/{campaign}`: the public's view of supervision (双随机一公开) — every plan
//! from the moment its population is frozen, with P, the seed input and the seed; once the
//! results are public, the targets, their inspectors, the counts of 符合 / 基本符合 / 不符合
//! and rectification, and the draw record to download and recompute.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use xianfeng_app::inspections::public::{self as service, PublicPlan};

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::clock::{beijing_time, today};
use crate::kernel::cookies::lang_of;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/p/inspections/{campaign}", get(page))
        .route("/p/inspections/{campaign}/{plan}/record.json", get(record))
}

/// A plan as the public page shows it.
pub struct PlanView {
    pub plan: PublicPlan,
    pub kind: String,
    pub status: String,
    pub published: String,
    pub drawn: String,
    /// The plan a redraw replaces, and why.
    pub replaces: Option<(i64, String)>,
}

#[derive(Template)]
#[template(path = "public_inspections.html")]
struct Page {
    chrome: Chrome,
    code: String,
    campaign: String,
    plans: Vec<PlanView>,
}

async fn page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let chrome = Chrome::anonymous(lang_of(&headers), &format!("/p/inspections/{code}"));
    let attempt = Attempt::public(chrome.tx.lang, &chrome.back, "inspections_unavailable");
    let (stored, campaign) = xianfeng_app::campaigns::browsable_by_code(&s.store, &code)
        .await
        .or_refuse(&attempt)?;
    let plans = service::plans(&s.store, stored.id, today())
        .await
        .or_refuse(&attempt)?;
    let tx = &chrome.tx;
    let views = plans
        .into_iter()
        .map(|p| PlanView {
            kind: tx.say(&p.plan.kind.name()),
            status: tx.say(&p.plan.status.name()),
            published: p.plan.published_at.map(beijing_time).unwrap_or_default(),
            drawn: p.plan.drawn_at.map(beijing_time).unwrap_or_default(),
            replaces: p
                .plan
                .replaces_plan_id
                .map(|id| (id, p.plan.redo_reason.clone().unwrap_or_default())),
            plan: p,
        })
        .collect();
    let page = Page {
        code: code.clone(),
        campaign: tx.term(&campaign.file.campaign.name),
        plans: views,
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

/// A plan's draw record once its results are public; before that it does not exist.
async fn record(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((code, plan)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    let back = format!("/p/inspections/{code}");
    let attempt = Attempt::public(lang_of(&headers), &back, "inspections_unavailable");
    let (stored, _) = xianfeng_app::campaigns::browsable_by_code(&s.store, &code)
        .await
        .or_refuse(&attempt)?;
    let r = service::record(&s.store, stored.id, plan)
        .await
        .or_refuse(&attempt)?;
    Ok(super::json_download(&format!("draw-{plan}.json"), &r))
}
