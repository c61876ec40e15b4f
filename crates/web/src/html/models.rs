//! The model library (先进典型库) pages. The office's and committees' staff's: the library
//! with search and filters (`/models`), recommending an entry (`/models/new`, also the
//! branches'), an entry with its lifecycle, edits and files (`/models/{id}`). The public's:
//! `/p/models` and the profile `/p/models/{id}` (public entries only).

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xianfeng_app::AppError;
use xianfeng_app::publicity::models::{self as service, ModelInput};
use xianfeng_domain::model_library::{ModelLevel, ModelSource, ModelStatus, TagFacet};
use xianfeng_domain::policy::{Action, principal_permits};
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::{ModelFilter, ModelRecord};

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::clock::beijing_time;
use crate::kernel::cookies::lang_of;
use crate::kernel::forms::Fields;
use crate::kernel::multipart::PostedFiles;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::session::{Posted, SignedIn};
use crate::kernel::text::Text;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/models", get(library))
        .route("/models/honour-roll", post(take_in))
        .route("/models/new", get(new_page).post(propose))
        .route("/models/{id}", get(entry_page).post(edit))
        .route("/models/{id}/advance", post(advance))
        .route("/models/{id}/withdraw", post(withdraw))
        .route("/models/{id}/acknowledge", post(acknowledge))
        .route("/models/{id}/files", post(upload))
        .route("/models/{id}/files/{file}", get(file))
        .route("/p/models", get(public_library))
        .route("/p/models/{id}", get(public_entry))
        .route("/p/models/{id}/files/{file}", get(public_file))
}

/// An entry as pages show it, every code put into words.
pub struct ModelView {
    pub id: i64,
    pub name: String,
    pub org_name: String,
    pub level: String,
    pub source: String,
    pub status: String,
    pub status_code: &'static str,
    pub summary: String,
    pub deeds: String,
    /// Withdrawn: why, in the reader's language.
    pub withdrawn: Option<String>,
    pub needs_attention: bool,
    /// (facet name, tag) for display.
    pub tags: Vec<(String, String)>,
    /// Typed tags per facet, for the edit form: sector, category, theme.
    pub tag_text: [String; 3],
    pub level_code: &'static str,
    pub photos: Vec<(i64, String)>,
    pub documents: Vec<(i64, String)>,
}

pub fn view(tx: &Text, m: &ModelRecord) -> ModelView {
    let joined = |f: TagFacet| {
        m.tags
            .iter()
            .filter(|(g, _)| *g == f)
            .map(|(_, t)| t.as_str())
            .collect::<Vec<_>>()
            .join("、")
    };
    ModelView {
        id: m.id,
        name: m.name.clone(),
        org_name: m.org_name.clone(),
        level: m.level.name().render(tx.lang),
        source: m.source.name().render(tx.lang),
        status: m.status.name().render(tx.lang),
        status_code: m.status.as_str(),
        summary: m.summary.clone(),
        deeds: m.deeds.clone(),
        withdrawn: (m.status == ModelStatus::Withdrawn).then(|| {
            let reason = m.withdraw_reason.clone().unwrap_or_default();
            if m.by_sanction {
                tx.get_with("models_withdrawn_sanction", "kind", tx.term(&reason))
            } else {
                reason
            }
        }),
        needs_attention: m.needs_attention,
        tags: m
            .tags
            .iter()
            .map(|(f, t)| (tx.get(&format!("models_facet_{}", f.as_str())), tx.term(t)))
            .collect(),
        tag_text: [
            joined(TagFacet::Sector),
            joined(TagFacet::Category),
            joined(TagFacet::Theme),
        ],
        level_code: m.level.as_str(),
        photos: m
            .files
            .iter()
            .filter(|f| f.kind.is_image())
            .map(|f| (f.attachment_id, f.file_name.clone()))
            .collect(),
        documents: m
            .files
            .iter()
            .filter(|f| !f.kind.is_image())
            .map(|f| (f.attachment_id, f.file_name.clone()))
            .collect(),
    }
}

/// The library's filters, from the query string.
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub source: String,
    /// `facet:tag`.
    #[serde(default)]
    pub tag: String,
}

impl Filters {
    fn filter(&self) -> ModelFilter {
        ModelFilter {
            statuses: ModelStatus::parse(&self.status).into_iter().collect(),
            text: Some(self.q.trim().to_string()).filter(|q| !q.is_empty()),
            tag: self
                .tag
                .split_once(':')
                .and_then(|(f, t)| TagFacet::parse(f).map(|f| (f, t.to_string()))),
            level: ModelLevel::parse(&self.level),
            source: ModelSource::parse(&self.source),
            limit: 200,
            ..ModelFilter::default()
        }
    }
}

/// The choices of a select: (code, name in the reader's language).
fn choices<T: Copy>(
    tx: &Text,
    all: &[T],
    code: fn(T) -> &'static str,
    name: fn(T) -> xianfeng_domain::i18n::Message,
) -> Vec<(&'static str, String)> {
    all.iter()
        .map(|x| (code(*x), name(*x).render(tx.lang)))
        .collect()
}

#[derive(Template)]
#[template(path = "models.html")]
struct LibraryPage {
    chrome: Chrome,
    models: Vec<ModelView>,
    f: Filters,
    statuses: Vec<(&'static str, String)>,
    levels: Vec<(&'static str, String)>,
    sources: Vec<(&'static str, String)>,
    /// (facet:tag, label).
    tags: Vec<(String, String)>,
    keeps: bool,
    attention: usize,
}

async fn library(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(f): Query<Filters>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/", "models_unavailable");
    let p = &viewer.principal;
    if !principal_permits(p, Action::Publicise) && !principal_permits(p, Action::Nominate) {
        return Err(attempt.refused(AppError::Forbidden));
    }
    let list = service::library(&s.store, viewer.who(), f.filter())
        .await
        .or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, "/models".into());
    let tx = chrome.tx.clone();
    let (campaign_id, _) = xianfeng_app::scope::campaign(&s.store)
        .await
        .or_refuse(&attempt)?;
    let tags = s
        .store
        .publicity()
        .model_tags(campaign_id, &ModelStatus::ALL)
        .await
        .or_refuse(&attempt)?
        .into_iter()
        .map(|(facet, t, n)| {
            (
                format!("{}:{t}", facet.as_str()),
                format!("{}{}", tx.term(&t), tx.bracket(n)),
            )
        })
        .collect();
    let page = LibraryPage {
        attention: list.iter().filter(|m| m.needs_attention).count(),
        models: list.iter().map(|m| view(&tx, m)).collect(),
        statuses: choices(
            &tx,
            &ModelStatus::ALL,
            ModelStatus::as_str,
            ModelStatus::name,
        ),
        levels: choices(&tx, &ModelLevel::ALL, ModelLevel::as_str, ModelLevel::name),
        sources: choices(
            &tx,
            &ModelSource::ALL,
            ModelSource::as_str,
            ModelSource::name,
        ),
        tags,
        keeps: principal_permits(p, Action::Publicise),
        f,
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

async fn take_in(
    State(s): State<AppState>,
    Posted(viewer, _f): Posted<Fields>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/models", "models_unavailable");
    if !principal_permits(&viewer.principal, Action::Publicise) {
        return Err(attempt.refused(AppError::Forbidden));
    }
    let n = service::take_in_honour_roll(&s.store, viewer.who())
        .await
        .or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, "/models".into());
    let title = chrome.tx.get("models_title");
    let message = chrome.tx.get_with("models_taken_in", "n", n);
    Ok(pages::done(chrome, StatusCode::OK, title, message))
}

#[derive(Debug, Default, Deserialize)]
struct NewQuery {
    #[serde(default)]
    org: String,
    #[serde(default)]
    kind: String,
}

#[derive(Template)]
#[template(path = "model_new.html")]
struct NewPage {
    chrome: Chrome,
    org: String,
    org_name: String,
    kind: &'static str,
    kinds: Vec<(&'static str, String)>,
    candidates: Vec<(i64, String)>,
    levels: Vec<(&'static str, String)>,
    keeps: bool,
}

async fn new_page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/models", "models_unavailable");
    let code = if q.org.trim().is_empty() {
        xianfeng_app::scope::top_code(&s.store, &viewer.principal)
            .await
            .or_refuse(&attempt)?
    } else {
        q.org.trim().to_string()
    };
    let org =
        xianfeng_app::scope::org_for(&s.store, Some(&viewer.principal), &code, Action::Nominate)
            .await;
    let org = match org {
        Ok(o) => o,
        Err(_) => xianfeng_app::scope::org_for(
            &s.store,
            Some(&viewer.principal),
            &code,
            Action::Publicise,
        )
        .await
        .or_refuse(&attempt)?,
    };
    let kind = SubjectKind::parse(&q.kind).unwrap_or(SubjectKind::Member);
    let candidates = xianfeng_app::selection::subjects_in(&s.store, kind, &org)
        .await
        .or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, "/models".into());
    let tx = chrome.tx.clone();
    let page = NewPage {
        kinds: SubjectKind::ALL
            .iter()
            .map(|k| (k.as_str(), tx.get(&format!("subject_{}", k.as_str()))))
            .collect(),
        levels: choices(&tx, &ModelLevel::ALL, ModelLevel::as_str, ModelLevel::name),
        keeps: principal_permits(&viewer.principal, Action::Publicise),
        org: org.code,
        org_name: org.name,
        kind: kind.as_str(),
        candidates,
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

fn input_of(f: &Fields) -> ModelInput {
    let kind = SubjectKind::parse(f.value("kind")).unwrap_or(SubjectKind::Member);
    ModelInput {
        name: f.value("name").to_string(),
        org_code: f.value("org").to_string(),
        level: ModelLevel::parse(f.value("level")),
        summary: f.value("summary").to_string(),
        deeds: f.value("deeds").to_string(),
        sectors: f.value("sectors").to_string(),
        categories: f.value("categories").to_string(),
        themes: f.value("themes").to_string(),
        subjects: f
            .entries()
            .filter_map(|(k, v)| {
                (v == "1")
                    .then(|| k.strip_prefix("s_").and_then(|id| id.parse().ok()))
                    .flatten()
                    .map(|id| (kind, id))
            })
            .collect(),
        from_inspection: f.value("from_inspection") == "1",
    }
}

async fn propose(
    State(s): State<AppState>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/models/new", "model_not_saved");
    let id = service::propose(&s.store, viewer.who(), &input_of(&f))
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&format!("/models/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "model.html")]
struct EntryPage {
    chrome: Chrome,
    m: ModelView,
    keeps: bool,
    next: Option<String>,
    may_upload: bool,
    levels: Vec<(&'static str, String)>,
    subjects: Vec<(String, String)>,
    created: String,
}

async fn entry_page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/models", "models_unavailable");
    let m = service::entry(&s.store, viewer.who(), id)
        .await
        .or_refuse(&attempt)?;
    let keeps = service::keeps(&s.store, viewer.who(), &m).await;
    let chrome = Chrome::signed_in(&viewer, format!("/models/{id}"));
    let tx = chrome.tx.clone();
    let mut subjects = vec![];
    for (kind, sid) in &m.subjects {
        if let Ok(sub) = xianfeng_app::subjects::subject(&s.store, *kind, *sid).await {
            subjects.push((tx.get(&format!("subject_{}", kind.as_str())), sub.name));
        }
    }
    let page = EntryPage {
        next: m
            .status
            .advance()
            .ok()
            .map(|to| tx.get(&format!("models_to_{}", to.as_str()))),
        may_upload: keeps || m.status == ModelStatus::Proposed,
        levels: choices(&tx, &ModelLevel::ALL, ModelLevel::as_str, ModelLevel::name),
        created: beijing_time(m.created_at),
        m: view(&tx, &m),
        keeps,
        subjects,
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

async fn edit(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/models/{id}");
    let attempt = Attempt::new(&viewer, &back, "model_not_saved");
    service::edit(&s.store, viewer.who(), id, &input_of(&f))
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

async fn advance(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, _f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/models/{id}");
    let attempt = Attempt::new(&viewer, &back, "model_not_saved");
    service::advance(&s.store, viewer.who(), id)
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

async fn withdraw(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/models/{id}");
    let attempt = Attempt::new(&viewer, &back, "model_not_saved");
    service::withdraw(&s.store, viewer.who(), id, f.value("reason"))
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

async fn acknowledge(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, _f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/models/{id}");
    let attempt = Attempt::new(&viewer, &back, "model_not_saved");
    service::acknowledge(&s.store, viewer.who(), id)
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

async fn upload(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    form: PostedFiles,
) -> Result<Response, PageError> {
    let back = format!("/models/{id}");
    let attempt = Attempt::new(&form.viewer, &back, "model_not_saved");
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
    let attempt = Attempt::new(&viewer, format!("/models/{id}"), "file_unavailable");
    let file: i64 = file
        .parse()
        .map_err(|_| attempt.refused(AppError::NotFound))?;
    let a = service::file(&s.store, viewer.who(), id, file)
        .await
        .or_refuse(&attempt)?;
    Ok(pages::stored_file(a, "model"))
}

#[derive(Template)]
#[template(path = "public_models.html")]
struct PublicLibraryPage {
    chrome: Chrome,
    models: Vec<ModelView>,
    f: Filters,
    levels: Vec<(&'static str, String)>,
    tags: Vec<(String, String)>,
}

async fn public_library(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(f): Query<Filters>,
) -> Result<Response, PageError> {
    let chrome = Chrome::anonymous(lang_of(&headers), "/p/models");
    let attempt = Attempt::public(chrome.tx.lang, "/p/", "models_unavailable");
    let list = service::public_library(&s.store, f.filter())
        .await
        .or_refuse(&attempt)?;
    let tx = chrome.tx.clone();
    let (campaign_id, _) = xianfeng_app::scope::campaign(&s.store)
        .await
        .or_refuse(&attempt)?;
    let tags = s
        .store
        .publicity()
        .model_tags(campaign_id, &[ModelStatus::Public])
        .await
        .or_refuse(&attempt)?
        .into_iter()
        .map(|(facet, t, n)| {
            (
                format!("{}:{t}", facet.as_str()),
                format!("{}{}", tx.term(&t), tx.bracket(n)),
            )
        })
        .collect();
    let page = PublicLibraryPage {
        models: list.iter().map(|m| view(&tx, m)).collect(),
        levels: choices(&tx, &ModelLevel::ALL, ModelLevel::as_str, ModelLevel::name),
        tags,
        f,
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

#[derive(Template)]
#[template(path = "public_model.html")]
struct PublicEntryPage {
    chrome: Chrome,
    m: ModelView,
}

async fn public_entry(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let chrome = Chrome::anonymous(lang_of(&headers), &format!("/p/models/{id}"));
    let attempt = Attempt::public(chrome.tx.lang, "/p/models", "models_unavailable");
    let id: i64 = id
        .parse()
        .map_err(|_| attempt.refused(AppError::NotFound))?;
    let m = service::public_one(&s.store, id)
        .await
        .or_refuse(&attempt)?;
    let page = PublicEntryPage {
        m: view(&chrome.tx, &m),
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

async fn public_file(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let attempt = Attempt::public(lang_of(&headers), "/p/models", "file_unavailable");
    let (Ok(id), Ok(file)) = (id.parse::<i64>(), file.parse::<i64>()) else {
        return Err(attempt.refused(AppError::NotFound));
    };
    let a = service::public_file(&s.store, id, file)
        .await
        .or_refuse(&attempt)?;
    Ok(pages::stored_file(a, "model"))
}
