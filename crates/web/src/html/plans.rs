//! Set-up pages (组织准备): an organisation's leadership body and implementation plan, its
//! mobilisation meetings, and for a superior the plan status of its whole subtree.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xianfeng_app::AppError;
use xianfeng_app::plans::{self, MeetingInput};
use xianfeng_domain::i18n::t;
use xianfeng_domain::plan::MeetingLevel;
use xianfeng_storage::{MeetingRecord, PlanRecord};

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::forms::Fields;
use crate::kernel::multipart::PostedFiles;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::session::{Posted, SignedIn};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/o/{code}/setup", get(page))
        .route("/o/{code}/plan", post(submit))
        .route("/o/{code}/plan/decision", post(decide))
        .route("/o/{code}/meetings", post(add_meeting))
        .route("/o/{code}/plans", get(overview))
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetUpPage {
    chrome: Chrome,
    code: String,
    name: String,
    plan: Option<PlanRecord>,
    status: String,
    meetings: Vec<MeetingRecord>,
    /// (code, name) of the meeting levels.
    levels: Vec<(&'static str, String)>,
    may_submit: bool,
    may_decide: bool,
    may_record: bool,
}

impl SetUpPage {
    fn level_name(&self, level: &MeetingLevel) -> String {
        self.chrome.tx.name("level", level.as_str())
    }
}

pub async fn page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let back = format!("/o/{code}/setup");
    let attempt = Attempt::new(&viewer, &back, "setup_unavailable");
    let set_up = plans::set_up(&s.store, &viewer.actor(), &code)
        .await
        .or_refuse(&attempt)?;
    let lang = viewer.lang();
    let status = set_up
        .plan
        .as_ref()
        .map_or("none", |p| p.status.as_str())
        .to_string();
    let page = SetUpPage {
        chrome: Chrome::signed_in(&viewer, back),
        code: set_up.org.code.clone(),
        name: set_up.org.name.clone(),
        status: t(lang, &format!("plan.status_{status}"), &[]),
        plan: set_up.plan,
        meetings: set_up.meetings,
        levels: MeetingLevel::ALL
            .iter()
            .map(|l| {
                (
                    l.as_str(),
                    t(lang, &format!("web.level_{}", l.as_str()), &[]),
                )
            })
            .collect(),
        may_submit: set_up.may_submit,
        may_decide: set_up.may_decide,
        may_record: set_up.may_record,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

/// Submits the plan: multipart, for the optional document.
pub async fn submit(
    State(s): State<AppState>,
    Path(code): Path<String>,
    form: PostedFiles,
) -> Result<Response, PageError> {
    let back = format!("/o/{code}/setup");
    let attempt = Attempt::new(&form.viewer, &back, "plan_not_submitted");
    let document = form.uploads("document").into_iter().next();
    let viewer = &form.viewer;
    plans::submit(
        &s.store,
        &viewer.actor(),
        &code,
        form.value("leadership_body"),
        form.value("body"),
        document.as_ref(),
        crate::kernel::clock::today(),
    )
    .await
    .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

/// Approves or returns the plan (`decision` = `approve` or `return`, with `comment`).
pub async fn decide(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/o/{code}/setup");
    let attempt = Attempt::new(&viewer, &back, "plan_not_decided");
    // Someone who may not see the organisation learns nothing, however malformed the form.
    plans::set_up(&s.store, &viewer.actor(), &code)
        .await
        .or_refuse(&attempt)?;
    let approve = match f.value("decision") {
        "approve" => true,
        "return" => false,
        _ => return Err(attempt.refused(AppError::input("web.bad_form", &[]))),
    };
    let comment = Some(f.value("comment")).filter(|c| !c.is_empty());
    plans::decide_plan(&s.store, &viewer.actor(), &code, approve, comment)
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

pub async fn add_meeting(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/o/{code}/setup");
    let attempt = Attempt::new(&viewer, &back, "meeting_not_saved");
    let input = MeetingInput {
        title: f.value("title"),
        held_on: f.value("held_on"),
        level: f.value("level"),
        attendance: f.value("attendance"),
    };
    let today = crate::kernel::clock::today();
    plans::add_meeting(&s.store, &viewer.actor(), &code, &input, today)
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

#[derive(Deserialize)]
pub struct OverviewQuery {
    #[serde(default)]
    only: String,
}

struct OverviewRow {
    code: String,
    name: String,
    indent: i64,
    status_code: String,
    status: String,
}

#[derive(Template)]
#[template(path = "plans.html")]
struct OverviewPage {
    chrome: Chrome,
    code: String,
    name: String,
    only: String,
    rows: Vec<OverviewRow>,
    /// (status code, label, count) for none, submitted, returned, approved.
    counts: Vec<(String, String, usize)>,
}

/// Who in the subtree has not submitted, who is waiting, who is done.
pub async fn overview(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
    Query(q): Query<OverviewQuery>,
) -> Result<Response, PageError> {
    let back = format!("/o/{code}/plans");
    let attempt = Attempt::new(&viewer, &back, "plans_unavailable");
    let (root, rows) = plans::overview(&s.store, &viewer.actor(), &code)
        .await
        .or_refuse(&attempt)?;
    let lang = viewer.lang();
    let label = |st: &str| t(lang, &format!("plan.status_{st}"), &[]);
    let code_of =
        |r: &xianfeng_storage::PlanOverviewRow| r.status.map_or("none", |s| s.as_str()).to_string();
    let counts = ["none", "submitted", "returned", "approved"]
        .iter()
        .map(|st| {
            let n = rows.iter().filter(|r| code_of(r) == *st).count();
            (st.to_string(), label(st), n)
        })
        .collect();
    let shown = rows
        .iter()
        .filter(|r| q.only.is_empty() || code_of(r) == q.only)
        .map(|r| OverviewRow {
            code: r.code.clone(),
            name: r.name.clone(),
            indent: (r.depth - root.depth).clamp(0, 6),
            status: label(&code_of(r)),
            status_code: code_of(r),
        })
        .collect();
    let page = OverviewPage {
        chrome: Chrome::signed_in(&viewer, back),
        code: root.code.clone(),
        name: root.name.clone(),
        only: q.only,
        rows: shown,
        counts,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}
