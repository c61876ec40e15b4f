//! Good practices (好经验好做法) and the 长效机制 register. An organisation submits a practice
//! (`/practices/new`); the office edits, accepts or returns it, publishes it and adopts it
//! as a rule (`/practices/{id}`); the register is `/p/rules`. The public's: `/p/practices`
//! and `/p/practices/{id}`.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use xianfeng_app::AppError;
use xianfeng_app::publicity::practices::{self as service, PracticeInput};
use xianfeng_domain::policy::{Action, principal_permits};
use xianfeng_domain::practice::PracticeStep;
use xianfeng_storage::PracticeRecord;

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::clock::{beijing_time, today};
use crate::kernel::cookies::lang_of;
use crate::kernel::forms::Fields;
use crate::kernel::multipart::PostedFiles;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::session::{Posted, SignedIn};
use crate::kernel::text::Text;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/practices", get(list))
        .route("/practices/new", get(new_page).post(submit))
        .route("/practices/{id}", get(page).post(edit))
        .route("/practices/{id}/step", post(step))
        .route("/practices/{id}/adopt", post(adopt))
        .route("/practices/{id}/files", post(upload))
        .route("/practices/{id}/files/{file}", get(file))
        .route("/p/practices", get(public_list))
        .route("/p/practices/{id}", get(public_page))
        .route("/p/practices/{id}/files/{file}", get(public_file))
        .route("/p/rules", get(register))
}

/// A practice as pages show it.
pub struct PracticeView {
    pub id: i64,
    pub org_name: String,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub standard: String,
    pub standard_code: String,
    pub status: String,
    pub status_code: &'static str,
    pub return_reason: Option<String>,
    pub files: Vec<(i64, String)>,
    pub rule_id: Option<i64>,
    pub submitted: String,
}

pub fn view(tx: &Text, p: &PracticeRecord, standards: &[(String, String)]) -> PracticeView {
    PracticeView {
        id: p.id,
        org_name: p.org_name.clone(),
        title: p.title.clone(),
        summary: p.summary.clone(),
        body: p.body.clone(),
        standard: standards
            .iter()
            .find(|(c, _)| *c == p.standard)
            .map(|(_, n)| tx.term(n))
            .unwrap_or_default(),
        standard_code: p.standard.clone(),
        status: p.status.name().render(tx.lang),
        status_code: p.status.as_str(),
        return_reason: p.return_reason.clone(),
        files: p
            .files
            .iter()
            .map(|f| (f.attachment_id, f.file_name.clone()))
            .collect(),
        rule_id: p.rule_id,
        submitted: beijing_time(p.submitted_at),
    }
}

fn standard_choices(tx: &Text, standards: &[(String, String)]) -> Vec<(String, String)> {
    standards
        .iter()
        .map(|(c, n)| (c.clone(), tx.term(n)))
        .collect()
}

#[derive(Template)]
#[template(path = "practices.html")]
struct ListPage {
    chrome: Chrome,
    practices: Vec<PracticeView>,
}

async fn list(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/", "practices_unavailable");
    let p = &viewer.principal;
    if !principal_permits(p, Action::Publicise) && !principal_permits(p, Action::WritePlan) {
        return Err(attempt.refused(AppError::Forbidden));
    }
    let standards = service::standards(&s.store).await.or_refuse(&attempt)?;
    let list = service::list(&s.store, viewer.who(), &[])
        .await
        .or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, "/practices".into());
    let page = ListPage {
        practices: list
            .iter()
            .map(|p| view(&chrome.tx, p, &standards))
            .collect(),
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

#[derive(Template)]
#[template(path = "practice_new.html")]
struct NewPage {
    chrome: Chrome,
    org: String,
    standards: Vec<(String, String)>,
}

async fn new_page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/practices", "practices_unavailable");
    let org = xianfeng_app::scope::top_code(&s.store, &viewer.principal)
        .await
        .or_refuse(&attempt)?;
    let standards = service::standards(&s.store).await.or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, "/practices".into());
    let page = NewPage {
        standards: standard_choices(&chrome.tx, &standards),
        org,
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

fn input_of(f: &Fields) -> PracticeInput {
    PracticeInput {
        org_code: f.value("org").to_string(),
        title: f.value("title").to_string(),
        summary: f.value("summary").to_string(),
        body: f.value("body").to_string(),
        standard: f.value("standard").to_string(),
    }
}

async fn submit(
    State(s): State<AppState>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/practices/new", "practice_not_saved");
    let id = service::submit(&s.store, viewer.who(), &input_of(&f))
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&format!("/practices/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "practice.html")]
struct PracticePage {
    chrome: Chrome,
    p: PracticeView,
    keeps: bool,
    /// The organisation may amend and send it again.
    resubmit: bool,
    editable: bool,
    adoptable: bool,
    standards: Vec<(String, String)>,
}

async fn page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/practices", "practices_unavailable");
    let p = service::practice(&s.store, viewer.who(), id)
        .await
        .or_refuse(&attempt)?;
    let keeps = service::keeps(&s.store, viewer.who(), &p).await;
    let standards = service::standards(&s.store).await.or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, format!("/practices/{id}"));
    let returned = p.status == xianfeng_domain::practice::PracticeStatus::Returned;
    let page = PracticePage {
        resubmit: !keeps && returned,
        editable: (keeps && p.status.editable()) || (!keeps && returned),
        adoptable: keeps && p.status.adoptable() && p.rule_id.is_none(),
        p: view(&chrome.tx, &p, &standards),
        standards: standard_choices(&chrome.tx, &standards),
        keeps,
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

async fn edit(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/practices/{id}");
    let attempt = Attempt::new(&viewer, &back, "practice_not_saved");
    service::edit(&s.store, viewer.who(), id, &input_of(&f))
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

async fn step(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/practices/{id}");
    let attempt = Attempt::new(&viewer, &back, "practice_not_saved");
    let step = match f.value("step") {
        "accept" => PracticeStep::Accept,
        "return" => PracticeStep::Return,
        "publish" => PracticeStep::Publish,
        _ => return Err(attempt.refused(AppError::NotFound)),
    };
    service::step(&s.store, viewer.who(), id, step, f.value("reason"))
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

async fn adopt(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/practices/{id}");
    let attempt = Attempt::new(&viewer, &back, "practice_not_saved");
    service::adopt(
        &s.store,
        viewer.who(),
        id,
        f.value("title"),
        f.value("body"),
        today(),
    )
    .await
    .or_refuse(&attempt)?;
    Ok(Redirect::to("/p/rules").into_response())
}

async fn upload(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    form: PostedFiles,
) -> Result<Response, PageError> {
    let back = format!("/practices/{id}");
    let attempt = Attempt::new(&form.viewer, &back, "practice_not_saved");
    service::attach(&s.store, form.viewer.who(), id, &form.uploads("files"))
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

async fn file(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((id, file)): Path<(i64, String)>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, format!("/practices/{id}"), "file_unavailable");
    let file: i64 = file
        .parse()
        .map_err(|_| attempt.refused(AppError::NotFound))?;
    let a = service::file(&s.store, Some(viewer.who()), id, file)
        .await
        .or_refuse(&attempt)?;
    Ok(pages::stored_file(a, "practice"))
}

#[derive(Template)]
#[template(path = "public_practices.html")]
struct PublicListPage {
    chrome: Chrome,
    practices: Vec<PracticeView>,
}

async fn public_list(State(s): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let chrome = Chrome::anonymous(lang_of(&headers), "/p/practices");
    let attempt = Attempt::public(chrome.tx.lang, "/p/", "practices_unavailable");
    let standards = service::standards(&s.store).await.or_refuse(&attempt)?;
    let list = service::published(&s.store, 200)
        .await
        .or_refuse(&attempt)?;
    let page = PublicListPage {
        practices: list
            .iter()
            .map(|p| view(&chrome.tx, p, &standards))
            .collect(),
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

#[derive(Template)]
#[template(path = "public_practice.html")]
struct PublicPage {
    chrome: Chrome,
    p: PracticeView,
}

async fn public_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let chrome = Chrome::anonymous(lang_of(&headers), &format!("/p/practices/{id}"));
    let attempt = Attempt::public(chrome.tx.lang, "/p/practices", "practices_unavailable");
    let id: i64 = id
        .parse()
        .map_err(|_| attempt.refused(AppError::NotFound))?;
    let p = service::public_one(&s.store, id)
        .await
        .or_refuse(&attempt)?;
    let standards = service::standards(&s.store).await.or_refuse(&attempt)?;
    let page = PublicPage {
        p: view(&chrome.tx, &p, &standards),
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

async fn public_file(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let attempt = Attempt::public(lang_of(&headers), "/p/practices", "file_unavailable");
    let (Ok(id), Ok(file)) = (id.parse::<i64>(), file.parse::<i64>()) else {
        return Err(attempt.refused(AppError::NotFound));
    };
    let a = service::file(&s.store, None, id, file)
        .await
        .or_refuse(&attempt)?;
    Ok(pages::stored_file(a, "practice"))
}

#[derive(Template)]
#[template(path = "public_rules.html")]
struct RegisterPage {
    chrome: Chrome,
    /// (title, body, organisation, adopted on, practice it came from).
    rules: Vec<(String, String, String, String, Option<i64>)>,
}

async fn register(State(s): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let chrome = Chrome::anonymous(lang_of(&headers), "/p/rules");
    let attempt = Attempt::public(chrome.tx.lang, "/p/", "practices_unavailable");
    let rules = service::register(&s.store).await.or_refuse(&attempt)?;
    // A rule names its practice only where the public may open it.
    let out = rules
        .into_iter()
        .map(|r| {
            let source = r.practice_id.filter(|_| r.practice_published);
            (
                r.title,
                r.body,
                r.org_name,
                r.adopted_on.to_string(),
                source,
            )
        })
        .collect();
    let page = RegisterPage { rules: out, chrome };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}
