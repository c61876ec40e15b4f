//! Selection pages for branches, committees and the office (`/selection`): nominations in
//! scope, nominating within quota, each step with its record, recommending on, putting
//! candidates on public notice, and the objections with their findings.

pub mod public;

use axum::Router;
use axum::routing::{get, post};
use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use xianfeng_app::AppError;
use xianfeng_app::selection::{
    self as service, NominationInput, NominationView, NoticeInput, StepInput,
};
use xianfeng_domain::policy::{Action, anywhere};
use xianfeng_domain::selection::{Finding, Stage, Step};
use xianfeng_storage::{NominationEvent, NoticeRecord, ObjectionRecord};

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::clock::today;
use crate::kernel::forms::Fields;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::session::{Posted, SignedIn};
use crate::kernel::viewer::Viewer;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/selection", get(list).post(create))
        .route("/selection/new", get(new_form))
        .route("/selection/export", get(export))
        .route("/selection/notices", get(notices).post(publish))
        .route("/selection/notices/{id}", get(notice))
        .route("/selection/notices/{id}/findings", post(finding))
        .route("/selection/{id}", get(page))
        .route("/selection/{id}/step", post(step))
        .route("/selection/{id}/form.docx", get(form))
        .route("/selection/{id}/files", post(attach))
        .route("/selection/{id}/recommend", post(recommend))
        .route("/p/n/{id}", get(public::notice).post(public::raise))
        .route("/p/honours/{campaign}", get(public::roll))
        .route(
            "/p/honours/{campaign}/{nomination}",
            get(public::certificate),
        )
}

/// A stage's or step's name in the reader's language.
fn name(chrome: &Chrome, kind: &str, code: &str) -> String {
    xianfeng_domain::i18n::t(chrome.tx.lang, &format!("selection.{kind}_{code}"), &[])
}

#[derive(Template)]
#[template(path = "selection.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<(NominationView, String)>,
    /// (code, name) of the campaign's honours open to nomination.
    honours: Vec<(String, String)>,
    /// Organisation codes the account is assigned to, for the nomination form.
    orgs: Vec<String>,
    may_nominate: bool,
}

pub async fn list(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let chrome = Chrome::signed_in(&viewer, "/selection".into());
    let attempt = Attempt::new(&viewer, "/selection", "nominations_unavailable");
    let honour = q
        .get("honour")
        .map(String::as_str)
        .filter(|h| !h.is_empty());
    let rows = service::visible(&s.store, Some(&viewer.actor()), honour)
        .await
        .or_refuse(&attempt)?;
    let honours = match s.store.campaigns().current().await.or_refuse(&attempt)? {
        Some((_, c)) => c
            .file
            .honours
            .iter()
            .filter(|h| h.from.is_none())
            .map(|h| (h.code.get_ref().clone(), h.name.clone()))
            .collect(),
        None => vec![],
    };
    let orgs = s
        .store
        .accounts()
        .user_org_codes(&viewer.session.username)
        .await
        .or_refuse(&attempt)?;
    let rows = rows
        .into_iter()
        .map(|v| {
            let stage = name(&chrome, "stage", v.record.stage.as_str());
            (v, stage)
        })
        .collect();
    let page = ListPage {
        may_nominate: anywhere(&viewer.principal, Action::Nominate),
        chrome,
        rows,
        honours,
        orgs,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

#[derive(Template)]
#[template(path = "selection_new.html")]
struct NewPage {
    chrome: Chrome,
    honour: String,
    honour_name: String,
    org: String,
    candidates: Vec<(i64, String)>,
    /// When nobody may be nominated for this honour here: the honours somebody may be,
    /// (code, name), so that the form does not end there.
    others: Vec<(String, String)>,
    /// What was typed, when the form comes back with a problem.
    typed: Typed,
    error: Option<String>,
}

/// A nomination form as it was sent.
#[derive(Default)]
struct Typed {
    subject: i64,
    deeds: String,
    summary: String,
}

/// The nomination form for `honour` by `org`, with what was typed and the problem, if any.
async fn nomination_form(
    s: &AppState,
    viewer: &Viewer,
    honour: String,
    org: String,
    typed: Typed,
    error: Option<String>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(viewer, "/selection", "nomination_form_unavailable");
    let actor = viewer.actor();
    let candidates = service::candidates_for(&s.store, Some(&actor), &honour, &org)
        .await
        .or_refuse(&attempt)?;
    let campaign = s.store.campaigns().current().await.or_refuse(&attempt)?;
    let honour_name = campaign
        .as_ref()
        .and_then(|(_, c)| c.honour(&honour).map(|h| h.name.clone()))
        .unwrap_or_else(|| honour.clone());
    let mut others = vec![];
    if candidates.is_empty()
        && let Some((_, c)) = &campaign
    {
        for h in c.file.honours.iter().filter(|h| h.from.is_none()) {
            let code = h.code.get_ref();
            if *code != honour
                && service::candidates_for(&s.store, Some(&actor), code, &org)
                    .await
                    .is_ok_and(|found| !found.is_empty())
            {
                others.push((code.clone(), h.name.clone()));
            }
        }
    }
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = NewPage {
        chrome: Chrome::signed_in(
            viewer,
            format!(
                "/selection/new?honour={}&org={}",
                crate::kernel::chrome::encode_query_value(&honour),
                crate::kernel::chrome::encode_query_value(&org)
            ),
        ),
        honour,
        honour_name,
        org,
        candidates,
        others,
        typed,
        error,
    };
    pages::html(status, &page, page.chrome.tx.lang)
}

pub async fn new_form(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let get = |k: &str| {
        q.get(k)
            .map(String::as_str)
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let (honour, org) = (get("honour"), get("org"));
    nomination_form(&s, &viewer, honour, org, Typed::default(), None).await
}

pub async fn create(
    State(s): State<AppState>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!(
        "/selection/new?honour={}&org={}",
        crate::kernel::chrome::encode_query_value(f.value("honour")),
        crate::kernel::chrome::encode_query_value(f.value("org"))
    );
    let attempt = Attempt::new(&viewer, &back, "nomination_not_saved");
    let campaign = s.store.campaigns().current().await.or_refuse(&attempt)?;
    let (Some((_, campaign)), Ok(subject)) = (campaign, f.value("subject").parse()) else {
        return Err(attempt.refused(AppError::input("app.pick_candidate", &[])));
    };
    let Some(kind) = campaign.honour(f.value("honour")).map(|h| h.subject) else {
        let attempt = Attempt::new(&viewer, "/selection", "nomination_not_saved");
        return Err(attempt.refused(AppError::NotFound));
    };
    let input = NominationInput {
        honour: f.value("honour"),
        kind,
        subject_id: subject,
        nominated_by: f.value("org"),
        deeds: f.value("deeds"),
        summary: f.value("summary"),
    };
    match service::nominate(&s.store, &s.scores, Some(&viewer.actor()), &input, today()).await {
        Ok(id) => Ok(Redirect::to(&format!("/selection/{id}")).into_response()),
        // A problem to fix comes back on the form, with everything typed still there.
        Err(AppError::Input(why)) => {
            let typed = Typed {
                subject,
                deeds: f.value("deeds").to_string(),
                summary: f.value("summary").to_string(),
            };
            let error = Some(why.render(viewer.lang()));
            let (honour, org) = (f.value("honour").to_string(), f.value("org").to_string());
            nomination_form(&s, &viewer, honour, org, typed, error).await
        }
        Err(e) => Err(attempt.refused(e)),
    }
}

#[derive(Template)]
#[template(path = "selection_item.html")]
struct ItemPage {
    chrome: Chrome,
    v: NominationView,
    stage: String,
    /// (step code, step name) the viewer may take.
    steps: Vec<(String, String)>,
    /// (when, step name, actor, note)
    events: Vec<(String, String, String, String)>,
    /// Honours this one may be recommended on to: (code, name).
    onward: Vec<(String, String)>,
    today: String,
    /// (attachment id, file name) of the account of deeds.
    files: Vec<(i64, String)>,
    /// Whether the viewer may add files (those who nominated, before approval).
    may_attach: bool,
}

fn when(ms: i64) -> String {
    crate::kernel::clock::beijing_time(ms)
}

fn event_rows(
    chrome: &Chrome,
    events: Vec<NominationEvent>,
) -> Vec<(String, String, String, String)> {
    events
        .into_iter()
        .map(|e| {
            (
                when(e.at),
                name(chrome, "step", e.step.map_or("nominate", Step::as_str)),
                chrome.tx.actor(&e.actor),
                e.note.unwrap_or_default(),
            )
        })
        .collect()
}

pub async fn page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let back = format!("/selection/{id}");
    let attempt = Attempt::new(&viewer, &back, "nomination_unavailable");
    let (v, events) = service::view(&s.store, Some(&viewer.actor()), id)
        .await
        .or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, back);
    let files = s
        .store
        .selection()
        .nomination_attachments(id)
        .await
        .or_refuse(&attempt)?
        .into_iter()
        .map(|e| (e.id, e.file_name))
        .collect();
    let may_attach = v.steps.contains(&Step::Withdraw)
        && matches!(v.record.stage, Stage::Nominated | Stage::Assessed);
    let page = ItemPage {
        stage: name(&chrome, "stage", v.record.stage.as_str()),
        steps: v
            .steps
            .iter()
            // Buttons say what they do (审定通过, Approve), not what the history will say.
            .map(|st| (st.as_str().to_string(), name(&chrome, "do", st.as_str())))
            .collect(),
        events: event_rows(&chrome, events),
        onward: v.onward.clone(),
        today: today().to_string(),
        files,
        may_attach,
        chrome,
        v,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

pub async fn step(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/selection/{id}");
    let attempt = Attempt::new(&viewer, &back, "nomination_step_not_taken");
    let Some(step) = Step::parse(f.value("step")) else {
        return Err(attempt.refused(AppError::NotFound));
    };
    let input = StepInput {
        note: f.value("note").to_string(),
        document_no: f.value("document_no").to_string(),
        commended_on: NaiveDate::parse_from_str(f.value("commended_on"), "%Y-%m-%d").ok(),
    };
    service::step(&s.store, Some(&viewer.actor()), id, step, &input, today())
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

/// Files for the account of deeds (multipart: csrf, files).
pub async fn attach(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    form: crate::kernel::multipart::PostedFiles,
) -> Result<Response, PageError> {
    let back = format!("/selection/{id}");
    let files: Vec<xianfeng_app::files::Upload> = form
        .files("files")
        .map(|f| xianfeng_app::files::Upload {
            file_name: f.file_name.clone(),
            bytes: f.bytes.to_vec(),
        })
        .collect();
    let viewer = &form.viewer;
    let attempt = Attempt::new(viewer, &back, "deeds_files_not_attached");
    service::attach(&s.store, Some(&viewer.actor()), id, &files)
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

pub async fn recommend(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/selection/{id}");
    let attempt = Attempt::new(&viewer, &back, "nomination_not_recommended");
    let new = service::recommend(
        &s.store,
        &s.scores,
        Some(&viewer.actor()),
        id,
        f.value("honour"),
        today(),
    )
    .await
    .or_refuse(&attempt)?;
    Ok(Redirect::to(&format!("/selection/{new}")).into_response())
}

#[derive(Template)]
#[template(path = "selection_notices.html")]
struct NoticesPage {
    chrome: Chrome,
    /// Each notice, and whether the viewer may open its page here (she sees one of its
    /// candidates); the public page is everyone's.
    notices: Vec<(NoticeRecord, bool)>,
    /// Approved candidates decided at the top, ready for a notice: (id, honour, honour
    /// name, subject, unit).
    ready: Vec<(i64, String, String, String, String)>,
    /// The honours of the ready candidates, once each: (code, name).
    honours: Vec<(String, String)>,
    may_notice: bool,
    today: String,
}

pub async fn notices(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    let chrome = Chrome::signed_in(&viewer, "/selection/notices".into());
    let attempt = Attempt::new(&viewer, "/selection", "notices_unavailable");
    let actor = viewer.actor();
    let Some((campaign_id, _)) = s.store.campaigns().current().await.or_refuse(&attempt)? else {
        return Err(attempt.refused(AppError::NotFound));
    };
    let rows = service::visible(&s.store, Some(&actor), None)
        .await
        .or_refuse(&attempt)?;
    let seen: std::collections::HashSet<i64> =
        rows.iter().filter_map(|v| v.record.notice_id).collect();
    let mut notices: Vec<_> = s
        .store
        .selection()
        .notices(campaign_id)
        .await
        .or_refuse(&attempt)?
        .into_iter()
        .map(|n| {
            let opens = seen.contains(&n.id);
            (n, opens)
        })
        .collect();
    // A notice of a campaign that has closed runs on to its end: those who handle
    // objections still find it here until it is over.
    let handles = anywhere(&viewer.principal, Action::HandleObjections);
    for c in xianfeng_app::campaigns::browsable(&s.store)
        .await
        .or_refuse(&attempt)?
        .into_iter()
        .filter(|c| c.id != campaign_id)
    {
        for n in s
            .store
            .selection()
            .notices(c.id)
            .await
            .or_refuse(&attempt)?
        {
            if xianfeng_app::selection::notice_period(&n).phase(today())
                != xianfeng_domain::selection::NoticePhase::Ended
            {
                notices.push((n, handles));
            }
        }
    }
    let ready: Vec<(i64, String, String, String, String)> = rows
        .into_iter()
        .filter(|v| v.record.stage == Stage::Approved && v.decided_at_top)
        .map(|v| {
            (
                v.record.id,
                v.record.honour.clone(),
                v.honour_name,
                v.subject,
                v.unit,
            )
        })
        .collect();
    let mut honours: Vec<(String, String)> = vec![];
    for (_, code, hname, _, _) in &ready {
        if !honours.iter().any(|(c, _)| c == code) {
            honours.push((code.clone(), hname.clone()));
        }
    }
    let page = NoticesPage {
        may_notice: anywhere(&viewer.principal, Action::Commend),
        honours,
        chrome,
        notices,
        ready,
        today: today().to_string(),
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

pub async fn publish(
    State(s): State<AppState>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/selection/notices", "notice_not_published");
    let ids: Vec<i64> = f
        .entries()
        .filter_map(|(k, v)| {
            (v == "1")
                .then(|| k.strip_prefix("n_")?.parse().ok())
                .flatten()
        })
        .collect();
    let Ok(starts_on) = NaiveDate::parse_from_str(f.value("starts_on"), "%Y-%m-%d") else {
        return Err(attempt.refused(AppError::input(
            "cli.bad_date",
            &[("value", &f.value("starts_on"))],
        )));
    };
    let input = NoticeInput {
        honour: f.value("honour"),
        nominations: &ids,
        title: f.value("title"),
        body: f.value("body"),
        contact: f.value("contact"),
        starts_on,
    };
    let id = service::publish_notice(&s.store, Some(&viewer.actor()), &input, today())
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&format!("/selection/notices/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "selection_notice.html")]
struct NoticeAdminPage {
    chrome: Chrome,
    notice: NoticeRecord,
    candidates: Vec<NominationView>,
    /// (objection, candidate's name, finding's name)
    objections: Vec<(ObjectionRecord, String, String)>,
    may_handle: bool,
}

impl NoticeAdminPage {
    /// The reference the objector was given when she raised it.
    fn reference(&self, o: &ObjectionRecord) -> String {
        public::objection_reference(self.notice.id, o.id)
    }
}

pub async fn notice(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let back = format!("/selection/notices/{id}");
    let attempt = Attempt::new(&viewer, &back, "notice_unavailable");
    let actor = viewer.actor();
    let Some(notice) = s.store.selection().notice(id).await.or_refuse(&attempt)? else {
        return Err(attempt.refused(AppError::NotFound));
    };
    let mut candidates = vec![];
    for n in s
        .store
        .selection()
        .notice_candidates(id)
        .await
        .or_refuse(&attempt)?
    {
        match service::view(&s.store, Some(&actor), n.id).await {
            Ok((v, _)) => candidates.push(v),
            Err(AppError::NotFound) => {}
            Err(e) => return Err(attempt.refused(e)),
        }
    }
    if candidates.is_empty() {
        return Err(attempt.refused(AppError::NotFound));
    }
    // Objections name the people who raised them: shown only to those who handle them.
    let (objections, may_handle) = match service::objections_for(&s.store, Some(&actor), id).await {
        Ok(list) => (list, true),
        Err(AppError::Forbidden | AppError::NotFound) => (vec![], false),
        Err(e) => return Err(attempt.refused(e)),
    };
    let chrome = Chrome::signed_in(&viewer, back);
    let objections = objections
        .into_iter()
        .map(|o| {
            let who = candidates
                .iter()
                .find(|c| c.record.id == o.nomination_id)
                .map_or(String::new(), |c| c.subject.clone());
            let finding = o
                .finding
                .map_or(String::new(), |f| name(&chrome, "finding", f.as_str()));
            (o, who, finding)
        })
        .collect();
    let page = NoticeAdminPage {
        chrome,
        notice,
        candidates,
        objections,
        may_handle,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

pub async fn finding(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/selection/notices/{id}");
    let attempt = Attempt::new(&viewer, &back, "finding_not_recorded");
    // Whoever may not handle this notice's objections learns nothing from the form.
    service::objections_for(&s.store, Some(&viewer.actor()), id)
        .await
        .or_refuse(&attempt)?;
    let (Ok(objection), Some(finding)) = (
        f.value("objection").parse::<i64>(),
        Finding::parse(f.value("finding")),
    ) else {
        return Err(attempt.refused(AppError::input("app.pick_finding", &[])));
    };
    service::find(
        &s.store,
        Some(&viewer.actor()),
        id,
        objection,
        f.value("investigation"),
        finding,
    )
    .await
    .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

/// `/selection/export`: the nominations in scope as .xlsx.
pub async fn export(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/selection", "nominations_not_exported");
    let bytes = service::export(&s.store, Some(&viewer.actor()))
        .await
        .or_refuse(&attempt)?;
    Ok(pages::download("nominations.xlsx", pages::XLSX, bytes))
}

/// `/selection/{id}/form.docx`: the recommendation and approval form, editable in Word.
pub async fn form(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(
        &viewer,
        format!("/selection/{id}"),
        "approval_form_not_made",
    );
    let (name, bytes) = service::approval_form(&s.store, Some(&viewer.actor()), id)
        .await
        .or_refuse(&attempt)?;
    Ok(pages::download(&name, pages::DOCX, bytes))
}
