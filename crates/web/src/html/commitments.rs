//! Commitment pages (公开承诺): write one for a subject, follow it through approval and
//! publication, report progress with photos, close its items, judge it. Every decision
//! is `app::commitments`' (policy, lifecycle); these handlers parse, call and render.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::collections::HashMap;
use xianfeng_app::AppError;
use xianfeng_app::commitments::{self as service, StepInput};
use xianfeng_app::subjects::Subject;
use xianfeng_domain::campaign::LocalRule;
use xianfeng_domain::commitment::{ItemDraft, Outcome, Side, Step, next, overdue};
use xianfeng_domain::i18n::Message;
use xianfeng_domain::i18n::t;
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::{CommitmentEvent, CommitmentRecord, ProgressRecord};

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::clock::today;
use crate::kernel::forms::Fields;
use crate::kernel::multipart::PostedFiles;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::session::{Posted, SignedIn};
use crate::kernel::viewer::Viewer;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/c", post(create))
        .route("/c/new", get(new_form))
        .route("/c/{id}", get(page))
        .route("/c/{id}/edit", get(edit_form).post(edit))
        .route("/c/{id}/step", post(step))
        .route("/c/{id}/progress", post(progress))
        .route("/files/{id}", get(file))
}

/// Blank item rows offered on a form (the page works without a script that adds rows).
const BLANK_ROWS: usize = 3;

/// One item row on the form, as typed (kept when the form comes back with a problem).
#[derive(Clone, Default)]
struct ItemRow {
    activity: String,
    content: String,
    target: String,
    due_on: String,
}

/// The rows that were filled in; a row with a bad date is a problem, an empty row is none.
fn item_rows(f: &Fields) -> Vec<ItemRow> {
    (1..=xianfeng_domain::commitment::MAX_ITEMS)
        .map(|i| ItemRow {
            activity: f.value(&format!("activity_{i}")).to_string(),
            content: f.value(&format!("content_{i}")).to_string(),
            target: f.value(&format!("target_{i}")).to_string(),
            due_on: f.value(&format!("due_{i}")).to_string(),
        })
        .filter(|r| !(r.content.is_empty() && r.target.is_empty() && r.due_on.is_empty()))
        .collect()
}

/// The items (numbered from 1) whose due date has already passed: saved as they are, they
/// would all show as overdue at once, so the form asks first.
fn past_due(items: &[ItemDraft], today: chrono::NaiveDate) -> Vec<usize> {
    items
        .iter()
        .enumerate()
        .filter(|(_, i)| i.due_on < today)
        .map(|(n, _)| n + 1)
        .collect()
}

/// The question about passed due dates, or `None` when there is none to ask (none passed,
/// or the person already confirmed them).
fn ask_about_past(
    f: &Fields,
    items: &[ItemDraft],
    lang: xianfeng_domain::i18n::Lang,
) -> Option<String> {
    let past = past_due(items, today());
    if past.is_empty() || f.value("past_ok") == "1" {
        return None;
    }
    let list = past
        .iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    Some(t(
        lang,
        "web.commitment_past_due",
        &[("items", &list), ("today", &today())],
    ))
}

fn drafts(rows: &[ItemRow]) -> Result<Vec<ItemDraft>, Message> {
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            let due_on = xianfeng_domain::dates::parse_date(&r.due_on).ok_or_else(|| {
                Message::of(
                    "web.commitment_bad_due",
                    &[("n", &(i + 1)), ("value", &r.due_on)],
                )
            })?;
            Ok(ItemDraft {
                activity: r.activity.clone(),
                content: r.content.clone(),
                target: r.target.clone(),
                due_on,
            })
        })
        .collect()
}

#[derive(Template)]
#[template(path = "commitment_form.html")]
struct FormPage {
    chrome: Chrome,
    action: String,
    kind: String,
    subject_id: i64,
    subject_name: String,
    /// The subject's organisation, whose "our standards" the items are tagged against.
    standards_of: String,
    title: String,
    rows: Vec<ItemRow>,
    /// (code, name) of the activity items for this subject kind.
    activities: Vec<(String, String)>,
    error: Option<String>,
    /// Whether the form asks to confirm due dates that have passed (it says so in
    /// `error`; pressing a button again saves them).
    confirm_past: bool,
}

async fn form_page(
    s: &AppState,
    viewer: &Viewer,
    subject: &Subject,
    action: String,
    title: String,
    rows: Vec<ItemRow>,
    error: Option<String>,
) -> Result<Response, PageError> {
    form_page_asking(s, viewer, subject, action, title, rows, error, false).await
}

/// The form, asking (when `confirm_past`) to confirm due dates that have passed.
#[allow(clippy::too_many_arguments)]
async fn form_page_asking(
    s: &AppState,
    viewer: &Viewer,
    subject: &Subject,
    action: String,
    title: String,
    mut rows: Vec<ItemRow>,
    error: Option<String>,
    confirm_past: bool,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(viewer, &action, "commitment_unavailable");
    let activities = match s.store.campaigns().current().await.or_refuse(&attempt)? {
        Some((_, c)) => {
            let mut list: Vec<(String, String)> = c
                .activity_items(subject.kind)
                .iter()
                .map(|a| {
                    let name = xianfeng_domain::vocabulary::term(viewer.lang(), &a.name);
                    (a.code.get_ref().clone(), name)
                })
                .collect();
            // The items the committees above added (实施意见), marked by whose they are.
            let local = xianfeng_app::guidance::in_force_for(&s.store, &subject.org)
                .await
                .or_refuse(&attempt)?;
            let tx = crate::kernel::text::Text {
                lang: viewer.lang(),
            };
            for (code, name) in c.local_activities(subject.kind, local.iter().map(|r| &r.rule)) {
                let whose = local
                    .iter()
                    .find(|r| matches!(&r.rule, LocalRule::Activity { code: c, .. } if *c == code))
                    .map(|r| r.org_name.clone())
                    .unwrap_or_default();
                list.push((code, format!("{name}{}", tx.bracket(whose))));
            }
            list
        }
        None => vec![],
    };
    // A new form offers three slots; one filled in offers one more for a next item; one
    // coming back with a problem shows what was typed, as it was, and no more.
    let blank = match (rows.len(), error.is_some()) {
        (0, _) => BLANK_ROWS,
        (_, true) => 0,
        (n, false) => usize::from(n < xianfeng_domain::commitment::MAX_ITEMS),
    };
    rows.extend(std::iter::repeat_n(ItemRow::default(), blank));
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = FormPage {
        chrome: Chrome::signed_in(viewer, action.clone()),
        action,
        kind: subject.kind.as_str().to_string(),
        subject_id: subject.id,
        subject_name: subject.name.clone(),
        standards_of: subject.org.code.clone(),
        title,
        rows,
        activities,
        error,
        confirm_past,
    };
    pages::html(status, &page, page.chrome.tx.lang)
}

#[derive(Deserialize)]
pub struct NewQuery {
    kind: String,
    subject: i64,
}

/// The form for a new commitment of a subject.
pub async fn new_form(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/c/new", "commitment_unavailable");
    let Some(kind) = SubjectKind::parse(&q.kind) else {
        return Err(attempt.refused(AppError::NotFound));
    };
    let subject = xianfeng_app::subjects::subject(&s.store, kind, q.subject)
        .await
        .or_refuse(&attempt)?;
    service::may(&viewer.actor(), &subject, Side::Owner).or_refuse(&attempt)?;
    form_page(
        &s,
        &viewer,
        &subject,
        "/c".into(),
        String::new(),
        vec![],
        None,
    )
    .await
}

pub async fn create(
    State(s): State<AppState>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/c", "commitment_not_saved");
    let (Some(kind), Ok(subject_id)) = (
        SubjectKind::parse(f.value("kind")),
        f.value("subject").parse::<i64>(),
    ) else {
        return Err(attempt.refused(AppError::NotFound));
    };
    let subject = xianfeng_app::subjects::subject(&s.store, kind, subject_id)
        .await
        .or_refuse(&attempt)?;
    // Before anything about the form: who may not write here learns nothing of the subject.
    service::may(&viewer.actor(), &subject, Side::Owner).or_refuse(&attempt)?;
    let rows = item_rows(&f);
    let title = f.value("title").to_string();
    let result = match drafts(&rows) {
        Ok(items) => {
            if let Some(question) = ask_about_past(&f, &items, viewer.lang()) {
                return form_page_asking(
                    &s,
                    &viewer,
                    &subject,
                    "/c".into(),
                    title,
                    rows,
                    Some(question),
                    true,
                )
                .await;
            }
            service::draft(&s.store, &viewer.actor(), kind, subject_id, &title, &items).await
        }
        Err(m) => Err(AppError::Input(m)),
    };
    match result {
        Ok(id) => submit_if_asked(&s, &viewer, &f, id).await,
        Err(AppError::Input(m)) => {
            let error = Some(m.render(viewer.lang()));
            form_page(&s, &viewer, &subject, "/c".into(), title, rows, error).await
        }
        Err(e) => Err(attempt.refused(e)),
    }
}

/// After saving: submits the commitment for approval too when the form's "save and
/// submit" button was pressed, then shows it. A submission refused (say, the subject's
/// superior cannot be found) leaves the saved draft, and the commitment's page says why.
async fn submit_if_asked(
    s: &AppState,
    viewer: &Viewer,
    f: &Fields,
    id: i64,
) -> Result<Response, PageError> {
    if f.value("then") == "submit" {
        let attempt = Attempt::new(viewer, format!("/c/{id}"), "commitment_not_saved");
        service::step(
            &s.store,
            &viewer.actor(),
            id,
            Step::Submit,
            &StepInput::default(),
            today(),
        )
        .await
        .or_refuse(&attempt)?;
    }
    Ok(Redirect::to(&format!("/c/{id}")).into_response())
}

pub async fn edit_form(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let back = format!("/c/{id}/edit");
    let attempt = Attempt::new(&viewer, &back, "commitment_unavailable");
    let (c, subject) = service::load(&s.store, &viewer.actor(), id)
        .await
        .or_refuse(&attempt)?;
    service::may(&viewer.actor(), &subject, Side::Owner).or_refuse(&attempt)?;
    let rows = c
        .items
        .iter()
        .map(|i| ItemRow {
            activity: i.activity.clone(),
            content: i.content.clone(),
            target: i.target.clone(),
            due_on: i.due_on.to_string(),
        })
        .collect();
    form_page(&s, &viewer, &subject, back, c.title, rows, None).await
}

pub async fn edit(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/c/{id}/edit");
    let attempt = Attempt::new(&viewer, &back, "commitment_not_saved");
    let rows = item_rows(&f);
    let title = f.value("title").to_string();
    let result = match drafts(&rows) {
        Ok(items) => {
            if let Some(question) = ask_about_past(&f, &items, viewer.lang()) {
                let (_, subject) = service::load(&s.store, &viewer.actor(), id)
                    .await
                    .or_refuse(&attempt)?;
                return form_page_asking(
                    &s,
                    &viewer,
                    &subject,
                    back,
                    title,
                    rows,
                    Some(question),
                    true,
                )
                .await;
            }
            service::edit(&s.store, &viewer.actor(), id, &title, &items).await
        }
        Err(m) => Err(AppError::Input(m)),
    };
    match result {
        Ok(()) => submit_if_asked(&s, &viewer, &f, id).await,
        Err(AppError::Input(m)) => {
            let (_, subject) = service::load(&s.store, &viewer.actor(), id)
                .await
                .or_refuse(&attempt)?;
            let error = Some(m.render(viewer.lang()));
            form_page(&s, &viewer, &subject, back, title, rows, error).await
        }
        Err(e) => Err(attempt.refused(e)),
    }
}

pub struct ItemView {
    pub id: i64,
    pub activity: String,
    pub content: String,
    pub target: String,
    pub due_on: String,
    pub outcome: String,
    pub open: bool,
    pub overdue: bool,
    pub note: String,
}

struct EventView {
    step: String,
    actor: String,
    at: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "commitment.html")]
struct CommitmentPage {
    chrome: Chrome,
    id: i64,
    title: String,
    subject_name: String,
    subject_kind: String,
    org_code: String,
    org_name: String,
    status_code: String,
    status: String,
    evaluation: String,
    items: Vec<ItemView>,
    events: Vec<EventView>,
    reports: Vec<ProgressRecord>,
    /// The steps this viewer may take now, by code.
    can: Vec<&'static str>,
}

impl CommitmentPage {
    fn may(&self, step: &str) -> bool {
        self.can.contains(&step)
    }
}

fn when(ms: i64) -> String {
    crate::kernel::clock::beijing_time(ms)
}

/// The steps the viewer may take on `c` now: the lifecycle allows them and the viewer is
/// on the side that takes them.
fn possible_steps(viewer: &Viewer, subject: &Subject, c: &CommitmentRecord) -> Vec<&'static str> {
    let a = viewer.actor();
    Step::ALL
        .into_iter()
        .filter(|step| next(c.status, *step).is_ok())
        .filter(|step| service::may(&a, subject, step.side()).is_ok())
        .map(Step::as_str)
        .collect()
}

/// `running`: whether the commitment's campaign is running; an item of a campaign that is
/// over is never overdue.
pub fn item_views(
    lang: xianfeng_domain::i18n::Lang,
    c: &CommitmentRecord,
    activities: &HashMap<String, String>,
    running: bool,
) -> Vec<ItemView> {
    let today = today();
    c.items
        .iter()
        .map(|i| ItemView {
            id: i.id,
            activity: activities
                .get(&i.activity)
                .cloned()
                .unwrap_or_else(|| i.activity.clone()),
            content: i.content.clone(),
            target: i.target.clone(),
            due_on: i.due_on.to_string(),
            outcome: t(lang, &format!("web.outcome_{}", i.outcome.as_str()), &[]),
            open: i.outcome == Outcome::Open,
            overdue: running && overdue(i.due_on, i.outcome, today),
            note: i.close_note.clone().unwrap_or_default(),
        })
        .collect()
}

/// The names of the activity items (比学习 …) by code, in `lang`, in the campaign in use:
/// the file's and those the committees added (实施意见).
pub async fn activity_names(
    s: &AppState,
    lang: xianfeng_domain::i18n::Lang,
) -> HashMap<String, String> {
    let Ok(Some((id, c))) = s.store.campaigns().current().await else {
        return HashMap::new();
    };
    let mut names: HashMap<String, String> = c
        .file
        .activity_sets
        .iter()
        .flat_map(|set| set.items.iter())
        .map(|i| {
            (
                i.code.get_ref().clone(),
                xianfeng_domain::vocabulary::term(lang, &i.name),
            )
        })
        .collect();
    if let Ok(local) = s.store.guidance().activity_names(id).await {
        names.extend(local);
    }
    names
}

pub async fn page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let back = format!("/c/{id}");
    let attempt = Attempt::new(&viewer, &back, "commitment_unavailable");
    let (c, subject) = service::load(&s.store, &viewer.actor(), id)
        .await
        .or_refuse(&attempt)?;
    let events = s
        .store
        .commitments()
        .commitment_events(id)
        .await
        .or_refuse(&attempt)?;
    let reports = s
        .store
        .commitments()
        .progress_reports(id)
        .await
        .or_refuse(&attempt)?;
    let lang = viewer.lang();
    let names = activity_names(&s, viewer.lang()).await;
    let (campaign, _) = xianfeng_app::campaigns::get(&s.store, c.campaign_id)
        .await
        .or_refuse(&attempt)?;
    let running = campaign.status == xianfeng_domain::campaign::CampaignStatus::Running;
    let chrome = Chrome::signed_in(&viewer, back);
    let event_view = |e: &CommitmentEvent| EventView {
        step: t(lang, &format!("commitment.step_{}", e.step.as_str()), &[]),
        actor: chrome.tx.actor(&e.actor),
        at: when(e.at),
        reason: e.reason.clone().unwrap_or_default(),
    };
    let page = CommitmentPage {
        id,
        title: c.title.clone(),
        subject_name: subject.name.clone(),
        subject_kind: chrome.tx.get(&format!("subject_{}", subject.kind.as_str())),
        org_code: subject.org.code.clone(),
        org_name: subject.org.name.clone(),
        status_code: c.status.as_str().to_string(),
        status: t(
            lang,
            &format!("commitment.status_{}", c.status.as_str()),
            &[],
        ),
        evaluation: c.evaluation.clone().unwrap_or_default(),
        items: item_views(lang, &c, &names, running),
        events: events.iter().map(event_view).collect(),
        reports,
        can: possible_steps(&viewer, &subject, &c),
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

/// A lifecycle step from the commitment page.
pub async fn step(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/c/{id}");
    let attempt = Attempt::new(&viewer, &back, "commitment_step_refused");
    // Someone who may not see the commitment learns nothing, however malformed the form.
    let (c, subject) = service::load(&s.store, &viewer.actor(), id)
        .await
        .or_refuse(&attempt)?;
    let Some(step) =
        Step::parse(f.value("step")).filter(|s| *s != Step::Report && *s != Step::Edit)
    else {
        return Ok(pages::message(
            &Chrome::signed_in(&viewer, back),
            StatusCode::BAD_REQUEST,
            "bad_form",
            &t(viewer.lang(), "web.bad_form", &[]),
        ));
    };
    let item = match (
        f.value("item").parse::<i64>(),
        Outcome::parse(f.value("outcome")),
    ) {
        (Ok(item), Some(outcome)) => Some((item, outcome)),
        _ => None,
    };
    let reason = Some(f.value("reason").to_string()).filter(|r| !r.is_empty());
    // Closing an item and judging the commitment cannot be undone: asked first, of whom
    // may take the step, on a page that says what will happen.
    if !f.confirmed()
        && next(c.status, step).is_ok()
        && service::may(&viewer.actor(), &subject, step.side()).is_ok()
        && let Some(question) = irreversible(&viewer, &c, step, item)
    {
        let chrome = Chrome::signed_in(&viewer, back.clone());
        let action = format!("/c/{id}/step");
        let mut fields = vec![("step", step.as_str().to_string())];
        for name in ["item", "outcome", "reason"] {
            fields.push((name, f.value(name).to_string()));
        }
        let page = pages::Confirm {
            title: question.0,
            what: question.1,
            yes: question.2,
            action: &action,
            fields,
            back,
            chrome: &chrome,
        };
        return pages::html(StatusCode::OK, &page, chrome.tx.lang);
    }
    let input = StepInput { item, reason };
    service::step(&s.store, &viewer.actor(), id, step, &input, today())
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

/// The question to ask before a step that cannot be undone — (title, what happens, the
/// button that does it) — or `None` for a step that can be.
fn irreversible(
    viewer: &Viewer,
    c: &CommitmentRecord,
    step: Step,
    item: Option<(i64, Outcome)>,
) -> Option<(String, String, String)> {
    let lang = viewer.lang();
    match (step, item) {
        (Step::CloseItem, Some((item_id, outcome))) if outcome != Outcome::Open => {
            let (n, i) = c
                .items
                .iter()
                .enumerate()
                .find(|(_, i)| i.id == item_id && i.outcome == Outcome::Open)?;
            let n = n + 1;
            let how = outcome.as_str();
            Some((
                t(lang, "web.close_item_title", &[("n", &n)]),
                t(
                    lang,
                    &format!("web.close_item_what_{how}"),
                    &[("n", &n), ("content", &i.content)],
                ),
                t(lang, &format!("web.close_item_yes_{how}"), &[]),
            ))
        }
        (Step::Evaluate, _) => Some((
            t(lang, "web.evaluate_title", &[("title", &c.title)]),
            t(lang, "web.evaluate_what", &[]),
            t(lang, "web.evaluate_yes", &[]),
        )),
        _ => None,
    }
}

/// A progress report with evidence files (multipart: csrf, item, body, files).
pub async fn progress(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    form: PostedFiles,
) -> Result<Response, PageError> {
    let back = format!("/c/{id}");
    let attempt = Attempt::new(&form.viewer, &back, "progress_not_saved");
    let item = form.value("item").parse::<i64>().ok();
    let files = form.uploads("files");
    let viewer = &form.viewer;
    let body = form.value("body");
    service::report(&s.store, &viewer.actor(), id, item, body, &files, today())
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

/// An evidence file, to whoever may see its commitment. Served under a name of our own
/// (the uploaded one may hold anything), never sniffed by the browser as something else.
pub async fn file(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, format!("/files/{id}"), "file_unavailable");
    let (a, _) = service::evidence(&s.store, &viewer.actor(), id)
        .await
        .or_refuse(&attempt)?;
    Ok(pages::stored_file(a, "evidence"))
}
