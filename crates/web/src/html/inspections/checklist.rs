//! The inspector's pages, made for a phone at the inspected organisation: the tasks the
//! draw gave the account (`/inspections/tasks`), and a task's checklist — each item with
//! what xianfeng already knows beside it, the judgement, a note and photos — submitted once
//! every item is judged.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use xianfeng_app::files::Upload;
use xianfeng_app::inspections::tasks::{self, FindingInput};
use xianfeng_domain::inspection::Judgement;
use xianfeng_storage::Evidence;

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::clock::today;
use crate::kernel::forms::Fields;
use crate::kernel::multipart::PostedFiles;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::session::{Posted, SignedIn};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inspections/tasks", get(mine))
        .route("/inspections/tasks/{id}", get(page))
        .route("/inspections/tasks/{id}/findings", post(record))
        .route("/inspections/tasks/{id}/submit", post(submit))
}

/// A task as the inspector's list shows it.
pub struct MyTask {
    pub id: i64,
    pub plan: String,
    pub target: String,
    pub visit_on: String,
    pub submitted: bool,
    pub open: bool,
}

#[derive(Template)]
#[template(path = "inspection_tasks.html")]
struct TasksPage {
    chrome: Chrome,
    tasks: Vec<MyTask>,
}

async fn mine(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/", "inspections_unavailable");
    let list = tasks::mine(&s.store, viewer.who())
        .await
        .or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, "/inspections/tasks".into());
    let page = TasksPage {
        tasks: list
            .into_iter()
            .map(|t| MyTask {
                id: t.id,
                plan: t.plan_name,
                target: t.org_name,
                visit_on: t.visit_on.map(|d| d.to_string()).unwrap_or_default(),
                submitted: t.submitted_at.is_some(),
                open: t.plan_status.may_record().is_ok(),
            })
            .collect(),
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

/// An item of the checklist as the page shows it.
pub struct ItemView {
    pub code: String,
    pub name: String,
    pub criterion: String,
    pub checks: String,
    pub facts: Vec<String>,
    /// The judgement's code, when given.
    pub judgement: String,
    pub judgement_name: String,
    pub note: String,
    pub photos: Vec<Evidence>,
}

#[derive(Template)]
#[template(path = "inspection_task.html")]
struct TaskPage {
    chrome: Chrome,
    id: i64,
    plan: String,
    target: String,
    code: String,
    visit_on: String,
    inspectors: String,
    items: Vec<ItemView>,
    judgements: Vec<(&'static str, String)>,
    missing: usize,
    submitted: bool,
    /// Whether findings may still be recorded (drawn for this account, plan not closed).
    may_record: bool,
}

async fn page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/inspections/tasks", "inspections_unavailable");
    let (campaign_id, campaign) = xianfeng_app::scope::campaign(&s.store)
        .await
        .or_refuse(&attempt)?;
    let list = tasks::checklist(&s.store, &campaign, campaign_id, viewer.who(), id, today())
        .await
        .or_refuse(&attempt)?;
    let names = super::inspector_names(&s.store).await.or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, format!("/inspections/tasks/{id}"));
    let tx = &chrome.tx;
    let t = &list.task;
    let drawn = t.inspectors.contains(&viewer.session.username);
    let page = TaskPage {
        id,
        plan: t.plan_name.clone(),
        target: t.org_name.clone(),
        code: t.target_code.clone(),
        visit_on: t.visit_on.map(|d| d.to_string()).unwrap_or_default(),
        inspectors: super::named(&t.inspectors, &names),
        missing: list.missing().len(),
        submitted: t.submitted_at.is_some(),
        may_record: drawn && t.submitted_at.is_none() && t.plan_status.may_record().is_ok(),
        items: list
            .items
            .iter()
            .map(|i| ItemView {
                code: i.item.code.get_ref().clone(),
                name: tx.term(&i.item.name),
                criterion: i.criterion.map(|c| tx.term(c)).unwrap_or_default(),
                checks: tx.term(&i.item.checks),
                facts: i.facts.iter().map(|f| tx.say(&f.text)).collect(),
                judgement: i
                    .finding
                    .as_ref()
                    .map(|f| f.judgement.as_str().to_string())
                    .unwrap_or_default(),
                judgement_name: i
                    .finding
                    .as_ref()
                    .map(|f| tx.say(&f.judgement.name()))
                    .unwrap_or_default(),
                note: i
                    .finding
                    .as_ref()
                    .map(|f| f.note.clone())
                    .unwrap_or_default(),
                photos: i
                    .finding
                    .as_ref()
                    .map(|f| f.photos.clone())
                    .unwrap_or_default(),
            })
            .collect(),
        judgements: Judgement::ALL
            .iter()
            .map(|j| (j.as_str(), tx.say(&j.name())))
            .collect(),
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

/// Records one item's finding: `item`, `judgement`, `note` and any `photos`.
async fn record(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    form: PostedFiles,
) -> Result<Response, PageError> {
    let item = form.value("item").to_string();
    let back = format!("/inspections/tasks/{id}#item-{item}");
    let viewer = &form.viewer;
    let attempt = Attempt::new(viewer, &back, "inspection_finding_not_saved");
    // Whoever may not see the task learns nothing, however malformed the form.
    tasks::task_for(&s.store, viewer.who(), id)
        .await
        .or_refuse(&attempt)?;
    let (_, campaign) = xianfeng_app::scope::campaign(&s.store)
        .await
        .or_refuse(&attempt)?;
    let judgement = Judgement::parse(form.value("judgement"))
        .ok_or_else(|| xianfeng_app::AppError::input("inspection.judgement_needed", &[]))
        .or_refuse(&attempt)?;
    let photos: Vec<Upload> = form
        .files("photos")
        .filter(|f| !f.bytes.is_empty())
        .map(|f| Upload {
            file_name: f.file_name.clone(),
            bytes: f.bytes.to_vec(),
        })
        .collect();
    tasks::record_finding(
        &s.store,
        &campaign,
        viewer.who(),
        id,
        FindingInput {
            item: &item,
            judgement,
            note: form.value("note"),
            photos,
        },
    )
    .await
    .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

/// Asks first, then submits the task's findings.
async fn submit(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/inspections/tasks/{id}");
    let attempt = Attempt::new(&viewer, &back, "inspection_finding_not_saved");
    let (campaign_id, campaign) = xianfeng_app::scope::campaign(&s.store)
        .await
        .or_refuse(&attempt)?;
    if !f.confirmed() {
        tasks::task_for(&s.store, viewer.who(), id)
            .await
            .or_refuse(&attempt)?;
        let chrome = Chrome::signed_in(&viewer, back.clone());
        let tx = &chrome.tx;
        let action = format!("/inspections/tasks/{id}/submit");
        let page = pages::Confirm {
            title: tx.get("inspection_submit_title"),
            what: tx.get("inspection_submit_what"),
            yes: tx.get("inspection_submit_yes"),
            action: &action,
            fields: vec![],
            back,
            chrome: &chrome,
        };
        return pages::html(StatusCode::OK, &page, chrome.tx.lang);
    }
    tasks::submit(&s.store, &campaign, campaign_id, viewer.who(), id, today())
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}
