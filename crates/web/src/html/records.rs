//! Study (比学习) and service (比服务) pages of an organisation: enter a whole branch at
//! once, import a study sheet, set up service carriers, and see each member's totals.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xianfeng_app::AppError;
use xianfeng_app::records::{self as service, Batch};
use xianfeng_domain::i18n::t;
use xianfeng_domain::records::{ServiceKind, StudyForm, Tenths};
use xianfeng_domain::roster::RowIssue;
use xianfeng_storage::{MemberTotal, RecordKind, RecordRow, ServicePost};

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::forms::Fields;
use crate::kernel::multipart::PostedFiles;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::session::{Posted, SignedIn};
use crate::kernel::viewer::Viewer;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/o/{code}/study", get(study_page).post(enter_study))
        .route("/o/{code}/study/import", post(import_study))
        .route("/o/{code}/service", get(service_page).post(enter_service))
        .route("/o/{code}/posts", post(create_post))
}

fn path_of(kind: RecordKind, code: &str) -> String {
    match kind {
        RecordKind::Study => format!("/o/{code}/study"),
        RecordKind::Service => format!("/o/{code}/service"),
    }
}

/// Recent records listed on the page.
const RECENT: i64 = 30;

#[derive(Template)]
#[template(path = "records.html")]
struct RecordsPage {
    chrome: Chrome,
    code: String,
    name: String,
    service: bool,
    /// Members a line may be entered for: (id, name).
    members: Vec<(i64, String)>,
    /// Study forms, or service carriers: (value, label).
    kinds: Vec<(String, String)>,
    /// Carrier kinds for the set-up form: (code, name).
    carrier_kinds: Vec<(String, String)>,
    posts: Vec<ServicePost>,
    totals: Vec<MemberTotal>,
    recent: Vec<RecordRow>,
    may_organise: bool,
    written: Option<usize>,
    issues: Vec<RowIssue>,
}

impl RecordsPage {
    fn hours(&self, tenths: &i64) -> String {
        Tenths(*tenths).display()
    }

    /// A service carrier's kind (党员先锋岗 …) by its code, in the page's language.
    fn post_kind(&self, code: &str) -> String {
        xianfeng_domain::records::ServiceKind::parse(code)
            .map_or_else(|| code.to_string(), |k| self.chrome.tx.term(k.name_zh()))
    }

    fn kind_name(&self, code: &str) -> String {
        self.kinds
            .iter()
            .find(|(c, _)| c == code)
            .map_or_else(String::new, |(_, n)| n.clone())
    }
}

#[derive(Deserialize)]
pub struct Notice {
    written: Option<usize>,
}

async fn render(
    s: &AppState,
    viewer: &Viewer,
    kind: RecordKind,
    code: &str,
    written: Option<usize>,
    issues: Vec<RowIssue>,
) -> Result<Response, PageError> {
    let back = path_of(kind, code);
    let attempt = Attempt::new(viewer, &back, "records_unavailable");
    let a = viewer.actor();
    let o = service::org(&s.store, &a, code).await.or_refuse(&attempt)?;
    let lang = viewer.lang();
    let Some((_, campaign)) = s.store.campaigns().current().await.or_refuse(&attempt)? else {
        return Err(attempt.refused(AppError::input("app.no_campaign", &[])));
    };
    let span = (campaign.starts_on, campaign.ends_on);
    let all_members = s
        .store
        .registry()
        .members_of_org(o.id, 100_000, 0)
        .await
        .or_refuse(&attempt)?;
    let posts = s
        .store
        .records()
        .service_posts(o.id)
        .await
        .or_refuse(&attempt)?;
    let recent = s
        .store
        .records()
        .recent(kind, o.id, RECENT)
        .await
        .or_refuse(&attempt)?;
    let totals = s
        .store
        .records()
        .member_totals(kind, o.id, span.0, span.1)
        .await
        .or_refuse(&attempt)?;
    // Lines are offered for the members the viewer may write for: all of them for the
    // secretary, one's own for a member.
    let members = all_members
        .iter()
        .filter(|m| service::may_write(&a, &o, Some(m.id)).is_ok())
        .map(|m| (m.id, m.name.clone()))
        .collect();
    let kinds = match kind {
        RecordKind::Study => StudyForm::ALL
            .iter()
            .map(|f| {
                (
                    f.as_str().to_string(),
                    t(lang, &format!("web.form_{}", f.as_str()), &[]),
                )
            })
            .collect(),
        RecordKind::Service => posts
            .iter()
            .map(|p| (p.id.to_string(), p.name.clone()))
            .collect(),
    };
    let page = RecordsPage {
        chrome: Chrome::signed_in(viewer, back),
        code: o.code.clone(),
        name: o.name.clone(),
        service: kind == RecordKind::Service,
        members,
        kinds,
        carrier_kinds: ServiceKind::ALL
            .iter()
            .map(|k| {
                (
                    k.as_str().to_string(),
                    xianfeng_domain::vocabulary::term(viewer.lang(), k.name_zh()),
                )
            })
            .collect(),
        posts,
        totals,
        recent,
        may_organise: service::may_write(&a, &o, None).is_ok(),
        written,
        issues,
    };
    let status = if page.issues.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    pages::html(status, &page, page.chrome.tx.lang)
}

pub async fn study_page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
    Query(n): Query<Notice>,
) -> Result<Response, PageError> {
    render(&s, &viewer, RecordKind::Study, &code, n.written, vec![]).await
}

pub async fn service_page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
    Query(n): Query<Notice>,
) -> Result<Response, PageError> {
    render(&s, &viewer, RecordKind::Service, &code, n.written, vec![]).await
}

async fn enter(
    s: AppState,
    viewer: Viewer,
    kind: RecordKind,
    code: String,
    f: Fields,
) -> Result<Response, PageError> {
    let back = path_of(kind, &code);
    let attempt = Attempt::new(&viewer, &back, "records_not_saved");
    let hours: Vec<(i64, String)> = f
        .entries()
        .filter_map(|(k, v)| {
            let id = k.strip_prefix("hours_")?.parse::<i64>().ok()?;
            Some((id, v.to_string()))
        })
        .collect();
    let batch = Batch {
        text: f.value("text"),
        kind: f.value("kind"),
        on: f.value("on"),
        hours: &hours,
    };
    let today = crate::kernel::clock::today();
    let n = service::enter(&s.store, &viewer.actor(), kind, &code, &batch, today)
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&format!("{back}?written={n}")).into_response())
}

pub async fn enter_study(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    enter(s, viewer, RecordKind::Study, code, f).await
}

pub async fn enter_service(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    enter(s, viewer, RecordKind::Service, code, f).await
}

pub async fn create_post(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = path_of(RecordKind::Service, &code);
    let attempt = Attempt::new(&viewer, &back, "carrier_not_saved");
    let members: Vec<i64> = f
        .entries()
        .filter_map(|(k, _)| k.strip_prefix("member_")?.parse().ok())
        .collect();
    service::create_post(
        &s.store,
        &viewer.actor(),
        &code,
        f.value("kind"),
        f.value("name"),
        f.value("description"),
        &members,
    )
    .await
    .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

/// Imports a study sheet (multipart: csrf, file); every problem is listed, nothing written.
pub async fn import_study(
    State(s): State<AppState>,
    Path(code): Path<String>,
    form: PostedFiles,
) -> Result<Response, PageError> {
    let back = path_of(RecordKind::Study, &code);
    let viewer = &form.viewer;
    let attempt = Attempt::new(viewer, &back, "records_not_imported");
    // Who may not import here learns nothing about the file's problems.
    let o = service::org(&s.store, &viewer.actor(), &code)
        .await
        .or_refuse(&attempt)?;
    service::may_write(&viewer.actor(), &o, None).or_refuse(&attempt)?;
    let (_tmp, reader) =
        crate::html::import::uploaded_sheet(&form, &s.config.sheet_limits).or_refuse(&attempt)?;
    let today = crate::kernel::clock::today();
    let outcome = service::import_study(&s.store, &viewer.actor(), &code, reader, today)
        .await
        .or_refuse(&attempt)?;
    if outcome.issues.is_empty() {
        let to = format!("{back}?written={}", outcome.written);
        return Ok(Redirect::to(&to).into_response());
    }
    render(&s, viewer, RecordKind::Study, &code, None, outcome.issues).await
}
