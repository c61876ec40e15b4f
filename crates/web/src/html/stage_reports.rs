//! Stage summaries sent up the tree (阶段总结): `/reports/{code}/{stage}` is an
//! organisation's own report, pre-filled with its figures, and — for who writes its
//! bulletins — the organisations one level down, who has sent theirs, and the good
//! practices picked into its own stage summary.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use xianfeng_app::AppError;
use xianfeng_app::bulletins::reports::{self as service, ReportInput};

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::clock::{beijing_time, today};
use crate::kernel::forms::Fields;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::session::{Posted, SignedIn};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports/{code}/{stage}", get(page).post(send))
        .route("/reports/{code}/{stage}/pick", post(pick))
}

/// An organisation below as the page lists it.
pub struct BelowView {
    pub code: String,
    pub name: String,
    pub report_id: Option<i64>,
    pub sent_at: String,
    pub summary: String,
    pub practices: String,
    pub picked: bool,
}

#[derive(Template)]
#[template(path = "stage_reports.html")]
struct Page {
    chrome: Chrome,
    code: String,
    org_name: String,
    stage: String,
    stage_name: String,
    /// The own report's form, where the reader writes the organisation's plan.
    own: Option<(String, String, String)>,
    /// The organisations below, where the reader writes the organisation's bulletins.
    below: Option<Vec<BelowView>>,
    sent: usize,
}

async fn page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((code, stage)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/", "reports_unavailable");
    let own = service::form(&s.store, &s.scores, viewer.who(), &code, &stage, today()).await;
    let below = service::below(&s.store, viewer.who(), &code, &stage).await;
    // Neither: not the reader's organisation (or no such stage).
    let (org_name, stage_name, own) = match own {
        Ok(f) => (
            f.org.name.clone(),
            f.stage_name.clone(),
            Some((
                f.summary.clone(),
                f.practices.clone(),
                f.sent
                    .as_ref()
                    .map(|r| beijing_time(r.submitted_at))
                    .unwrap_or_default(),
            )),
        ),
        // Neither its own nor the one above it: not the reader's organisation.
        Err(e) if below.is_err() => return Err(attempt.refused(e)),
        Err(_) => {
            let org = xianfeng_app::scope::org_for(
                &s.store,
                Some(&viewer.principal),
                &code,
                xianfeng_domain::policy::Action::WriteBulletins,
            )
            .await
            .or_refuse(&attempt)?;
            let (_, campaign) = xianfeng_app::scope::campaign(&s.store)
                .await
                .or_refuse(&attempt)?;
            let (span, _) =
                xianfeng_app::figures::stage_span(&campaign, &stage).or_refuse(&attempt)?;
            (org.name, span.name, None)
        }
    };
    let below = below.ok().map(|list| {
        list.into_iter()
            .map(|b| BelowView {
                code: b.code,
                name: b.name,
                report_id: b.report.as_ref().map(|r| r.id),
                sent_at: b
                    .report
                    .as_ref()
                    .map(|r| beijing_time(r.submitted_at))
                    .unwrap_or_default(),
                summary: b
                    .report
                    .as_ref()
                    .map(|r| r.summary.clone())
                    .unwrap_or_default(),
                practices: b
                    .report
                    .as_ref()
                    .map(|r| r.practices.clone())
                    .unwrap_or_default(),
                picked: b.picked,
            })
            .collect::<Vec<_>>()
    });
    let chrome = Chrome::signed_in(&viewer, format!("/reports/{code}/{stage}"));
    let page = Page {
        sent: below
            .as_ref()
            .map_or(0, |l| l.iter().filter(|b| b.report_id.is_some()).count()),
        code,
        org_name,
        stage_name: chrome.tx.term(&stage_name),
        stage,
        own,
        below,
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

async fn send(
    State(s): State<AppState>,
    Path((code, stage)): Path<(String, String)>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/reports/{code}/{stage}");
    let attempt = Attempt::new(&viewer, &back, "report_not_sent");
    let input = ReportInput {
        code: &code,
        stage: &stage,
        summary: f.value("summary"),
        practices: f.value("practices"),
    };
    service::send(&s.store, &s.scores, viewer.who(), &input, today())
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

async fn pick(
    State(s): State<AppState>,
    Path((code, stage)): Path<(String, String)>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/reports/{code}/{stage}");
    let attempt = Attempt::new(&viewer, &back, "report_not_sent");
    let report: i64 = f
        .value("report")
        .parse()
        .map_err(|_| AppError::NotFound)
        .or_refuse(&attempt)?;
    service::pick(
        &s.store,
        viewer.who(),
        &code,
        report,
        f.value("pick") == "1",
    )
    .await
    .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}
