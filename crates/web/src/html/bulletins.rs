//! Bulletins (通报) pages. The office's and committee staff's: the list and the drafting
//! forms (`/bulletins`), a bulletin — its document, the figures that changed, the editing
//! form, redrafting and issuing — (`/bulletins/{id}`), its .docx and .xlsx. The public's:
//! `/p/bulletins` and `/p/bulletins/{id}`.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xianfeng_app::AppError;
use xianfeng_app::bulletins::{self as service, DraftRequest};
use xianfeng_domain::bulletin::{Block, BulletinKind, BulletinStatus, Figure, Level, Table};
use xianfeng_domain::policy::Action;
use xianfeng_storage::{BulletinRecord, Issue};

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::clock::{beijing_time, today};
use crate::kernel::cookies::lang_of;
use crate::kernel::forms::Fields;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::session::{Posted, SignedIn};
use crate::kernel::text::Text;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/bulletins", get(overview).post(draft))
        .route("/bulletins/{id}", get(bulletin_page).post(edit))
        .route("/bulletins/{id}/redraft", post(redraft))
        .route("/bulletins/{id}/issue", post(issue))
        .route("/bulletins/{id}/correct", post(correct))
        .route("/bulletins/{id}/docx", get(docx))
        .route("/bulletins/{id}/xlsx", get(xlsx))
        .route("/bulletins/schedules", post(schedule))
        .route("/bulletins/schedules/{id}/stop", post(stop_schedule))
        .route("/bulletins/received/{id}", get(received_page))
        .route("/bulletins/received/{id}/docx", get(received_docx))
        .route("/p/bulletins", get(public_list))
        .route("/p/bulletins/{id}", get(public_page))
        .route("/p/bulletins/{id}/docx", get(public_docx))
}

/// A bulletin as a list shows it.
pub struct Row {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub scope: String,
    pub status: String,
    pub number: String,
    pub issuer: String,
    pub dated: String,
}

fn row(tx: &Text, b: &BulletinRecord) -> Row {
    Row {
        id: b.id,
        kind: tx.say(&b.kind.name()),
        title: b.title.clone(),
        scope: b.scope_name.clone(),
        status: tx.say(&b.status.name()),
        number: b.number.as_ref().map(|n| n.to_string()).unwrap_or_default(),
        issuer: b.issuer.clone().unwrap_or_default(),
        dated: b.dated_on.map(|d| d.to_string()).unwrap_or_default(),
    }
}

/// A table as a page shows it: numbers right-aligned.
pub struct TableView {
    pub title: String,
    pub columns: Vec<String>,
    /// Per cell: its column's heading (the label on a phone), its text, whether a number.
    pub rows: Vec<Vec<(String, String, bool)>>,
}

fn table_view(t: &Table) -> TableView {
    TableView {
        title: t.title.clone(),
        columns: t.columns.clone(),
        rows: t
            .rows
            .iter()
            .map(|r| {
                r.iter()
                    .enumerate()
                    .map(|(i, f)| {
                        (
                            t.columns.get(i).cloned().unwrap_or_default(),
                            f.to_string(),
                            !matches!(f, Figure::Text(_)),
                        )
                    })
                    .collect()
            })
            .collect(),
    }
}

/// A block of a bulletin's body as a page shows it: a heading level (1–4), a paragraph
/// (0), an attachment line (5) or a table.
pub struct BlockView {
    pub level: u8,
    pub text: String,
    pub table: Option<TableView>,
}

fn block_views(b: &BulletinRecord) -> Result<Vec<BlockView>, AppError> {
    Ok(service::blocks(b)?
        .into_iter()
        .map(|block| match block {
            Block::Heading {
                level,
                number,
                text,
            } => BlockView {
                level: match level {
                    Level::First => 1,
                    Level::Second => 2,
                    Level::Third => 3,
                    Level::Fourth => 4,
                },
                text: format!("{number}{text}"),
                table: None,
            },
            Block::Paragraph(t) => BlockView {
                level: 0,
                text: t,
                table: None,
            },
            Block::Attachment(t) => BlockView {
                level: 5,
                text: t,
                table: None,
            },
            Block::Table(key) => BlockView {
                level: 0,
                text: String::new(),
                table: b.tables.iter().find(|t| t.key == key).map(table_view),
            },
        })
        .collect())
}

/// The document as read: its header block, title, addressees, body and signature.
pub struct DocView {
    pub issuer: String,
    pub number: String,
    pub signer: String,
    pub title: String,
    pub main_to: String,
    pub blocks: Vec<BlockView>,
    pub dated: String,
    pub copy_to: String,
}

fn doc_view(b: &BulletinRecord) -> Result<DocView, AppError> {
    Ok(DocView {
        issuer: b.issuer.clone().unwrap_or_else(|| b.scope_name.clone()),
        number: b.number.as_ref().map(|n| n.to_string()).unwrap_or_default(),
        signer: b.signer.clone().unwrap_or_default(),
        title: b.title.clone(),
        main_to: b.main_to.clone().unwrap_or_default(),
        blocks: block_views(b)?,
        dated: b
            .dated_on
            .map(xianfeng_domain::bulletin_outline::date)
            .unwrap_or_default(),
        copy_to: b.copy_to.clone().unwrap_or_default(),
    })
}

fn may_write(p: &xianfeng_domain::policy::Principal) -> bool {
    xianfeng_domain::policy::anywhere(p, Action::WriteBulletins)
}

#[derive(Template)]
#[template(path = "bulletins.html")]
struct OverviewPage {
    chrome: Chrome,
    drafts: Vec<Row>,
    issued: Vec<Row>,
    scope: String,
    periods: Vec<(String, String)>,
    current_period: String,
    stages: Vec<(String, String)>,
    plans: Vec<(i64, String)>,
    /// (id, scope, rule, since, active)
    schedules: Vec<(i64, String, String, String, bool)>,
    rules: Vec<(&'static str, String)>,
}

async fn overview(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/", "bulletins_unavailable");
    if !may_write(&viewer.principal) {
        return Err(attempt.refused(AppError::Forbidden));
    }
    let list = service::list(&s.store, viewer.who())
        .await
        .or_refuse(&attempt)?;
    let choices = service::choices(&s.store, viewer.who(), today())
        .await
        .or_refuse(&attempt)?;
    let schedules = service::schedule::list(&s.store, viewer.who())
        .await
        .or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, "/bulletins".into());
    let tx = &chrome.tx;
    let (drafts, issued): (Vec<&BulletinRecord>, Vec<&BulletinRecord>) =
        list.iter().partition(|b| b.status == BulletinStatus::Draft);
    let page = OverviewPage {
        drafts: drafts.iter().map(|b| row(tx, b)).collect(),
        issued: issued.iter().map(|b| row(tx, b)).collect(),
        scope: choices.scope,
        periods: choices
            .periods
            .into_iter()
            .map(|(c, n)| (c, tx.term(&n)))
            .collect(),
        current_period: choices.current_period.unwrap_or_default(),
        stages: choices
            .stages
            .into_iter()
            .map(|(c, n)| (c, tx.term(&n)))
            .collect(),
        plans: choices.plans,
        schedules: schedules
            .iter()
            .map(|x| {
                (
                    x.id,
                    x.scope_name.clone(),
                    tx.say(&x.rule.name()),
                    x.starts_on.to_string(),
                    x.active,
                )
            })
            .collect(),
        rules: xianfeng_domain::bulletin_schedule::ScheduleRule::ALL
            .iter()
            .map(|r| (r.as_str(), tx.say(&r.name())))
            .collect(),
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

/// Drafts a bulletin of the kind the form names, and opens it.
async fn draft(
    State(s): State<AppState>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/bulletins", "bulletin_not_drafted");
    // Who may not write bulletins learns nothing from the form's checks.
    if !may_write(&viewer.principal) {
        return Err(attempt.refused(AppError::Forbidden));
    }
    let kind = BulletinKind::parse(f.value("kind"))
        .ok_or_else(|| AppError::input("bulletin.kind_needed", &[]))
        .or_refuse(&attempt)?;
    let given = |name: &str| Some(f.value(name).trim()).filter(|v| !v.is_empty());
    let plan = match given("plan") {
        Some(v) => Some(
            v.parse::<i64>()
                .map_err(|_| AppError::input("bulletin.plan_needed", &[]))
                .or_refuse(&attempt)?,
        ),
        None => None,
    };
    let request = DraftRequest {
        kind: Some(kind),
        scope: f.value("scope").trim(),
        period: given("period"),
        plan,
        corrects: None,
    };
    let id = service::draft(&s.store, &s.scores, viewer.who(), &request, today())
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&format!("/bulletins/{id}")).into_response())
}

/// Sets a progress bulletin to draft itself.
async fn schedule(
    State(s): State<AppState>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/bulletins", "bulletin_not_scheduled");
    if !may_write(&viewer.principal) {
        return Err(attempt.refused(AppError::Forbidden));
    }
    let rule = xianfeng_domain::bulletin_schedule::ScheduleRule::parse(f.value("rule"))
        .ok_or(AppError::NotFound)
        .or_refuse(&attempt)?;
    service::schedule::create(
        &s.store,
        viewer.who(),
        f.value("scope").trim(),
        rule,
        today(),
    )
    .await
    .or_refuse(&attempt)?;
    Ok(Redirect::to("/bulletins#schedules").into_response())
}

async fn stop_schedule(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, _f): Posted<Fields>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/bulletins", "bulletin_not_scheduled");
    service::schedule::stop(&s.store, viewer.who(), id)
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to("/bulletins#schedules").into_response())
}

/// A changed figure: its name, then, now.
pub struct Change {
    pub name: String,
    pub then: String,
    pub now: String,
}

#[derive(Template)]
#[template(path = "bulletin.html")]
struct BulletinPage {
    chrome: Chrome,
    b: Row,
    doc: DocView,
    draft: bool,
    public: bool,
    needs_signer: bool,
    changes: Vec<Change>,
    body: String,
    default_issuer: String,
    today: String,
    corrects: Option<i64>,
    issued_at: String,
    markers: &'static [&'static str],
}

async fn bulletin_page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/bulletins", "bulletins_unavailable");
    let b = service::writable(&s.store, viewer.who(), id)
        .await
        .or_refuse(&attempt)?;
    let changes = service::changes(&s.store, &s.scores, viewer.who(), &b, today())
        .await
        .or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, format!("/bulletins/{id}"));
    let tx = &chrome.tx;
    let none = || tx.get("bulletin_figure_gone");
    let page = BulletinPage {
        b: row(tx, &b),
        doc: doc_view(&b).or_refuse(&attempt)?,
        draft: b.status == BulletinStatus::Draft,
        public: b.public,
        needs_signer: b.kind.needs_signer(),
        changes: changes
            .into_iter()
            .map(|(name, then, now)| Change {
                name: tx.get(&format!("bulletin_figure_{name}")),
                then: then.to_string(),
                now: now.map_or_else(none, |n| n.to_string()),
            })
            .collect(),
        body: b.body.clone(),
        default_issuer: b.scope_name.clone(),
        today: today().to_string(),
        corrects: b.corrects_id,
        issued_at: b.issued_at.map(beijing_time).unwrap_or_default(),
        markers: xianfeng_domain::bulletin::MARKERS,
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

/// Saves the draft's title and body (checked line by line).
async fn edit(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/bulletins/{id}");
    let attempt = Attempt::new(&viewer, &back, "bulletin_not_saved");
    service::edit(
        &s.store,
        viewer.who(),
        id,
        f.value("title"),
        f.value("body"),
    )
    .await
    .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

async fn redraft(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, _f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/bulletins/{id}");
    let attempt = Attempt::new(&viewer, &back, "bulletin_not_saved");
    service::redraft(&s.store, &s.scores, viewer.who(), id, today())
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

async fn issue(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/bulletins/{id}");
    let attempt = Attempt::new(&viewer, &back, "bulletin_not_issued");
    service::writable(&s.store, viewer.who(), id)
        .await
        .or_refuse(&attempt)?;
    let dated_on = match f.value("dated").trim() {
        "" => today(),
        v => AppError::day(v).or_refuse(&attempt)?,
    };
    let issue = Issue {
        issuer: f.value("issuer").to_string(),
        prefix: f.value("prefix").to_string(),
        year: 0,
        main_to: f.value("main_to").to_string(),
        copy_to: f.value("copy_to").to_string(),
        signer: Some(f.value("signer").to_string()),
        dated_on,
        public: f.value("public") == "1",
        recipients: vec![],
    };
    let to: Vec<String> = f
        .value("to")
        .split([',', '，', '、', ';', '；', ' ', '\n'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect();
    service::issue(&s.store, viewer.who(), id, &issue, &to)
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

/// Drafts a correction of an issued bulletin: a new draft naming the one it corrects.
async fn correct(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, _f): Posted<Fields>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, format!("/bulletins/{id}"), "bulletin_not_drafted");
    let request = DraftRequest {
        corrects: Some(id),
        ..Default::default()
    };
    let new = service::draft(&s.store, &s.scores, viewer.who(), &request, today())
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&format!("/bulletins/{new}")).into_response())
}

fn file_name(b: &BulletinRecord, ext: &str) -> String {
    match &b.number {
        Some(n) => format!("{n}.{ext}"),
        None => format!("bulletin-{}.{ext}", b.id),
    }
}

async fn docx(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/bulletins", "bulletins_unavailable");
    let b = service::writable(&s.store, viewer.who(), id)
        .await
        .or_refuse(&attempt)?;
    let bytes = service::docx(&b, today()).or_refuse(&attempt)?;
    Ok(pages::download(&file_name(&b, "docx"), pages::DOCX, bytes))
}

async fn xlsx(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/bulletins", "bulletins_unavailable");
    let b = service::writable(&s.store, viewer.who(), id)
        .await
        .or_refuse(&attempt)?;
    let bytes = service::annex_xlsx(&b.tables).or_refuse(&attempt)?;
    Ok(pages::download(&file_name(&b, "xlsx"), pages::XLSX, bytes))
}

#[derive(Template)]
#[template(path = "bulletin_received.html")]
struct ReceivedPage {
    chrome: Chrome,
    b: Row,
    doc: DocView,
}

/// An issued bulletin as an organisation it is addressed to reads it.
async fn received_page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/", "bulletins_unavailable");
    let b = service::received(&s.store, &viewer.principal, id)
        .await
        .or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, format!("/bulletins/received/{id}"));
    let page = ReceivedPage {
        b: row(&chrome.tx, &b),
        doc: doc_view(&b).or_refuse(&attempt)?,
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

async fn received_docx(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/", "bulletins_unavailable");
    let b = service::received(&s.store, &viewer.principal, id)
        .await
        .or_refuse(&attempt)?;
    let bytes = service::docx(&b, today()).or_refuse(&attempt)?;
    Ok(pages::download(&file_name(&b, "docx"), pages::DOCX, bytes))
}

#[derive(Template)]
#[template(path = "public_bulletins.html")]
struct PublicList {
    chrome: Chrome,
    bulletins: Vec<Row>,
    issuers: Vec<String>,
    issuer: String,
}

#[derive(Deserialize)]
struct IssuerQuery {
    issuer: Option<String>,
}

async fn public_list(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<IssuerQuery>,
) -> Result<Response, PageError> {
    let chrome = Chrome::anonymous(lang_of(&headers), "/p/bulletins");
    let attempt = Attempt::public(chrome.tx.lang, "/p/", "bulletins_unavailable");
    let all = service::public_list(&s.store, None)
        .await
        .or_refuse(&attempt)?;
    let mut issuers: Vec<String> = all.iter().filter_map(|b| b.issuer.clone()).collect();
    issuers.sort();
    issuers.dedup();
    let issuer = q.issuer.unwrap_or_default();
    let tx = &chrome.tx;
    let bulletins = all
        .iter()
        .filter(|b| issuer.is_empty() || b.issuer.as_deref() == Some(issuer.as_str()))
        .map(|b| row(tx, b))
        .collect();
    let page = PublicList {
        bulletins,
        issuers,
        issuer,
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

#[derive(Template)]
#[template(path = "public_bulletin.html")]
struct PublicPage {
    chrome: Chrome,
    b: Row,
    doc: DocView,
}

async fn public_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let chrome = Chrome::anonymous(lang_of(&headers), &format!("/p/bulletins/{id}"));
    let attempt = Attempt::public(chrome.tx.lang, "/p/bulletins", "bulletins_unavailable");
    let b = service::public_one(&s.store, id)
        .await
        .or_refuse(&attempt)?;
    let page = PublicPage {
        b: row(&chrome.tx, &b),
        doc: doc_view(&b).or_refuse(&attempt)?,
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

async fn public_docx(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let attempt = Attempt::public(lang_of(&headers), "/p/bulletins", "bulletins_unavailable");
    let b = service::public_one(&s.store, id)
        .await
        .or_refuse(&attempt)?;
    let bytes = service::docx(&b, today()).or_refuse(&attempt)?;
    Ok(pages::download(&file_name(&b, "docx"), pages::DOCX, bytes))
}
