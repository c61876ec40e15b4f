//! Rectification (整改) pages: an organisation's items with the form to report what it did
//! (`/o/{code}/rectification`), and the office's decision on a report.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use xianfeng_app::files::Upload;
use xianfeng_app::inspections::rectify;
use xianfeng_domain::campaign::Campaign;
use xianfeng_domain::inspection::RectificationStatus;
use xianfeng_storage::{Evidence, RectificationRecord, Store};

use super::RectificationRow;
use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::clock::{beijing_time, today};
use crate::kernel::forms::Fields;
use crate::kernel::multipart::PostedFiles;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::session::{Posted, SignedIn};
use crate::kernel::text::Text;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/o/{code}/rectification", get(org_page))
        .route("/rectifications/{id}", get(item_page))
        .route("/rectifications/{id}/report", post(report))
        .route("/rectifications/{id}/decide", post(decide))
}

/// The item's name in the reader's language (the campaign file's), or its code.
fn item_name(tx: &Text, campaign: &Campaign, code: &str) -> String {
    campaign
        .inspection_item(code)
        .map_or_else(|| code.to_string(), |i| tx.term(&i.name))
}

pub fn row(
    tx: &Text,
    campaign: &Campaign,
    r: &RectificationRecord,
    day: NaiveDate,
) -> RectificationRow {
    RectificationRow {
        id: r.id,
        org_code: r.org_code.clone(),
        org_name: r.org_name.clone(),
        item: item_name(tx, campaign, &r.item),
        judgement: tx.say(&r.judgement.name()),
        status: tx.say(&r.status.name()),
        due_on: r.due_on.to_string(),
        overdue: r.status.overdue(r.due_on, day),
    }
}

/// For the link on an organisation's page: how many of its rectification items are still
/// open, when it has been inspected (a visit submitted) and the viewer may see them.
pub async fn org_rectification_count(
    store: &Store,
    viewer: &crate::kernel::viewer::Viewer,
    code: &str,
) -> Option<usize> {
    let (o, list) = rectify::of_org(store, viewer.who(), code).await.ok()?;
    let visited = !store
        .inspections()
        .submitted_tasks_at(o.id)
        .await
        .ok()?
        .is_empty();
    (visited || !list.is_empty()).then(|| {
        list.iter()
            .filter(|r| r.status != RectificationStatus::Closed)
            .count()
    })
}

/// An item with everything its page shows.
pub struct ItemView {
    pub row: RectificationRow,
    pub plan: String,
    pub finding: String,
    pub report: String,
    pub reported: String,
    pub returned_reason: String,
    pub decided: String,
    pub evidence: Vec<Evidence>,
    pub may_report: bool,
    pub may_decide: bool,
}

fn item_view(
    tx: &Text,
    campaign: &Campaign,
    r: &RectificationRecord,
    may_report: bool,
    may_decide: bool,
) -> ItemView {
    ItemView {
        row: row(tx, campaign, r, today()),
        plan: r.plan_name.clone(),
        finding: r.finding_note.clone(),
        report: r.report.clone().unwrap_or_default(),
        reported: match (&r.reported_by, r.reported_on) {
            (Some(by), Some(on)) => format!("{} · {on}", tx.actor(by)),
            _ => String::new(),
        },
        returned_reason: r.returned_reason.clone().unwrap_or_default(),
        decided: match (&r.decided_by, r.decided_on) {
            (Some(by), Some(on)) => format!("{} · {on}", tx.actor(by)),
            _ => String::new(),
        },
        evidence: r.evidence.clone(),
        may_report: may_report && r.status.awaits_report(),
        may_decide: may_decide && r.status == RectificationStatus::Reported,
    }
}

/// A visit's findings as the inspected organisation reads them.
pub struct VisitView {
    pub plan: String,
    pub submitted: String,
    /// (item, judgement's code, judgement, note)
    pub findings: Vec<(String, &'static str, String, String)>,
}

#[derive(Template)]
#[template(path = "rectification.html")]
struct OrgPage {
    chrome: Chrome,
    code: String,
    name: String,
    items: Vec<ItemView>,
    visits: Vec<VisitView>,
}

async fn org_page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let back = format!("/o/{code}/rectification");
    let attempt = Attempt::new(&viewer, &back, "rectification_unavailable");
    let (o, list) = rectify::of_org(&s.store, viewer.who(), &code)
        .await
        .or_refuse(&attempt)?;
    let (_, campaign) = xianfeng_app::scope::campaign(&s.store)
        .await
        .or_refuse(&attempt)?;
    let p = &viewer.principal;
    let may_report =
        xianfeng_app::scope::allowed(p, xianfeng_domain::policy::Action::ReportRectification, &o)
            .is_ok();
    let may_decide =
        xianfeng_app::scope::allowed(p, xianfeng_domain::policy::Action::ManageInspections, &o)
            .is_ok();
    let visits = rectify::findings_of_org(&s.store, viewer.who(), &code)
        .await
        .or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, back);
    let tx = &chrome.tx;
    let visits = visits
        .into_iter()
        .map(|(t, findings)| VisitView {
            plan: t.plan_name.clone(),
            // The day of the visit, as the campaign counts days, where the office set it.
            submitted: t
                .visit_on
                .map(|d| d.to_string())
                .or(t.submitted_at.map(beijing_time))
                .unwrap_or_default(),
            findings: findings
                .iter()
                .map(|f| {
                    (
                        item_name(tx, &campaign, &f.item),
                        f.judgement.as_str(),
                        tx.say(&f.judgement.name()),
                        f.note.clone(),
                    )
                })
                .collect(),
        })
        .collect();
    let page = OrgPage {
        visits,
        items: list
            .iter()
            .map(|r| item_view(&chrome.tx, &campaign, r, may_report, may_decide))
            .collect(),
        code: o.code,
        name: o.name,
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

/// One item on its own page: where the office decides on a report.
async fn item_page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/inspections", "rectification_unavailable");
    let r = rectify::get(&s.store, viewer.who(), id)
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&format!("/o/{}/rectification#r{}", r.org_code, r.id)).into_response())
}

async fn report(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    form: PostedFiles,
) -> Result<Response, PageError> {
    let viewer = &form.viewer;
    let attempt = Attempt::new(viewer, "/", "rectification_not_reported");
    let r = rectify::get(&s.store, viewer.who(), id)
        .await
        .or_refuse(&attempt)?;
    let back = format!("/o/{}/rectification#r{id}", r.org_code);
    let attempt = Attempt::new(viewer, &back, "rectification_not_reported");
    let files: Vec<Upload> = form
        .files("evidence")
        .filter(|f| !f.bytes.is_empty())
        .map(|f| Upload {
            file_name: f.file_name.clone(),
            bytes: f.bytes.to_vec(),
        })
        .collect();
    rectify::report(
        &s.store,
        viewer.who(),
        id,
        form.value("report"),
        &files,
        today(),
    )
    .await
    .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

async fn decide(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/inspections", "rectification_not_decided");
    let r = rectify::get(&s.store, viewer.who(), id)
        .await
        .or_refuse(&attempt)?;
    let back = format!("/o/{}/rectification#r{id}", r.org_code);
    let attempt = Attempt::new(&viewer, &back, "rectification_not_decided");
    rectify::decide(
        &s.store,
        viewer.who(),
        id,
        f.value("decision") == "accept",
        f.value("reason"),
        today(),
    )
    .await
    .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}
