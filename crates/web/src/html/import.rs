//! Roster import in the browser (花名册导入): upload a sheet, see what it would do and
//! every bad row, download the list of problems, confirm. The same import service as
//! `xianfeng import`, limited to the account's scope. The file waits in the database
//! between preview and confirmation (any web instance can confirm it), for an hour.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::io::Write;
use xianfeng_app::AppError;
use xianfeng_app::import::{
    CheckResult, ImportMode, ImportOptions, ImportReport, import_members, import_orgs, issues_csv,
};
use xianfeng_app::import_leaders::{import_cadres, import_teams};
use xianfeng_domain::i18n::t;
use xianfeng_domain::leader_roster::{CadreField, TeamField};
use xianfeng_domain::policy::Principal;
use xianfeng_domain::policy::{Action, anywhere};
use xianfeng_domain::roster::{Field, MemberField, OrgField, RosterKind, RowIssue};
use xianfeng_storage::StagedImport;

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::multipart::PostedFiles;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::session::{CarriesCsrf, Posted, SignedIn};
use crate::kernel::viewer::Viewer;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/import", get(form).post(upload))
        .route("/import/template/{file}", get(template))
        .route("/import/{id}", get(preview))
        .route("/import/{id}/errors.csv", get(errors_csv))
        .route("/import/{id}/confirm", post(confirm))
}

/// What importing a kind of roster asks the policy for.
fn action(kind: RosterKind) -> Action {
    match kind {
        RosterKind::Members => Action::WriteMembers,
        // Teams and cadres are kept by whoever keeps the organisations they belong to.
        RosterKind::Organisations | RosterKind::Teams | RosterKind::Cadres => {
            Action::WriteOrganisations
        }
    }
}

/// File types accepted, by the extension of the uploaded file's name. The content is
/// checked again when read (a renamed PDF is refused there).
const EXTENSIONS: [&str; 3] = ["xlsx", "xls", "csv"];

/// Issues listed on the preview page; the downloadable list has them all.
const SHOWN_ISSUES: usize = 100;

/// Whether the account may import `kind` anywhere: into at least one organisation it is
/// assigned to (the import itself then checks each row).
fn may_import(viewer: &Viewer, kind: RosterKind) -> bool {
    anywhere(&viewer.principal, action(kind))
}

#[derive(Template)]
#[template(path = "import_form.html")]
struct FormPage {
    chrome: Chrome,
    may_members: bool,
    may_orgs: bool,
    max_mb: usize,
    error: Option<String>,
}

fn form_page(
    s: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, PageError> {
    let page = FormPage {
        chrome: Chrome::signed_in(viewer, "/import".into()),
        may_members: may_import(viewer, RosterKind::Members),
        may_orgs: may_import(viewer, RosterKind::Organisations),
        max_mb: s.config.max_body_bytes / (1024 * 1024),
        error,
    };
    pages::html(status, &page, page.chrome.tx.lang)
}

pub async fn form(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    // A form that could only be refused is not offered: the refusal comes first.
    if !may_import(&viewer, RosterKind::Members) && !may_import(&viewer, RosterKind::Organisations)
    {
        let attempt = Attempt::new(&viewer, "/import", "import_not_received");
        return Err(attempt.refused(AppError::Forbidden));
    }
    form_page(&s, &viewer, StatusCode::OK, None)
}

/// Receives the upload, checks what can be checked without reading it, keeps it and
/// sends the browser to the preview.
pub async fn upload(State(s): State<AppState>, form: PostedFiles) -> Result<Response, PageError> {
    let viewer = &form.viewer;
    let attempt = Attempt::new(viewer, "/import", "import_not_received");
    let lang = viewer.lang();
    let refuse = |key: &str, status: StatusCode| {
        form_page(
            &s,
            viewer,
            status,
            Some(t(lang, &format!("web.{key}"), &[])),
        )
    };
    let Some(kind) = RosterKind::parse(form.value("kind")) else {
        return refuse("import_kind_missing", StatusCode::UNPROCESSABLE_ENTITY);
    };
    if !may_import(viewer, kind) {
        return Err(attempt.refused(AppError::Forbidden));
    }
    let Some(file) = form.files("file").next() else {
        return refuse("import_file_missing", StatusCode::UNPROCESSABLE_ENTITY);
    };
    let (file_name, bytes) = (&file.file_name, &file.bytes);
    if extension(file_name).is_none() {
        return refuse("import_file_type", StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
    let display_name: String = file_name.chars().take(200).collect();
    let id = s
        .store
        .import()
        .stage(&viewer.session.username, kind, &display_name, bytes)
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&format!("/import/{id}")).into_response())
}

/// The accepted extension of a file name, lower-cased.
pub(crate) fn extension(file_name: &str) -> Option<&'static str> {
    let (_, ext) = file_name.rsplit_once('.')?;
    EXTENSIONS.into_iter().find(|e| e.eq_ignore_ascii_case(ext))
}

/// The sheet uploaded in a form's `file` field, opened for reading; or, when it is missing,
/// of a type we do not read, or unreadable, the message why, for the form's page.
pub(crate) fn uploaded_sheet(
    form: &crate::kernel::multipart::PostedFiles,
    limits: &xianfeng_ingest::Limits,
) -> Result<(tempfile::NamedTempFile, xianfeng_ingest::SheetReader), AppError> {
    let Some(file) = form.files("file").next() else {
        return Err(AppError::Input(xianfeng_domain::i18n::Message::new(
            "web.import_file_missing",
        )));
    };
    if extension(&file.file_name).is_none() {
        return Err(AppError::Input(xianfeng_domain::i18n::Message::new(
            "web.import_file_type",
        )));
    }
    open_sheet(&file.file_name, &file.bytes, limits)
}

/// Runs the import of a staged file for the account. The file is written to a temporary
/// file of our own naming (the uploaded name is never a path) for the sheet reader.
/// Starts reading an uploaded sheet. The bytes go to a temporary file of our own naming
/// (the uploaded name is never a path), which must live until the reading is done.
pub(crate) fn open_sheet(
    file_name: &str,
    bytes: &[u8],
    limits: &xianfeng_ingest::Limits,
) -> Result<(tempfile::NamedTempFile, xianfeng_ingest::SheetReader), AppError> {
    let ext = extension(file_name).unwrap_or("csv");
    let mut tmp = tempfile::Builder::new()
        .suffix(&format!(".{ext}"))
        .tempfile()
        .map_err(AppError::fault)?;
    tmp.write_all(bytes).map_err(AppError::fault)?;
    let reader = xianfeng_ingest::open(tmp.path(), limits)?;
    Ok((tmp, reader))
}

/// Imports (or rehearses) a staged file for an account, once one of the process's import
/// places is free.
async fn run(
    s: &AppState,
    on_behalf: (&str, &Principal),
    staged: &StagedImport,
    mode: ImportMode,
    skip_bad: bool,
) -> Result<ImportReport, AppError> {
    let _place = s.imports.acquire().await.map_err(AppError::fault)?;
    let store = &s.store;
    let (tmp, reader) = open_sheet(&staged.file_name, &staged.content, &s.config.sheet_limits)?;
    let opts = ImportOptions {
        mode,
        skip_bad,
        actor: on_behalf.0.to_string(),
        today: crate::kernel::clock::today(),
        on_behalf: Some(on_behalf.1.clone()),
    };
    let silent = xianfeng_app::Silent;
    let report = match staged.kind {
        RosterKind::Organisations => import_orgs(store, reader, &opts, &silent).await,
        RosterKind::Members => import_members(store, reader, &opts, &silent).await,
        RosterKind::Teams => import_teams(store, reader, &opts, &silent).await,
        RosterKind::Cadres => import_cadres(store, reader, &opts, &silent).await,
    };
    drop(tmp);
    report
}

/// The staged file `id` of this account, or the page to answer with.
async fn staged(s: &AppState, viewer: &Viewer, id: i64) -> Result<StagedImport, PageError> {
    let attempt = Attempt::new(viewer, "/import", "import_unavailable");
    match s
        .store
        .import()
        .staged(id, &viewer.session.username)
        .await
        .or_refuse(&attempt)?
    {
        Some(f) => Ok(f),
        None => Err(PageError::Answer(Box::new(pages::message(
            &Chrome::signed_in(viewer, "/import".into()),
            StatusCode::NOT_FOUND,
            "import_title",
            &viewer_text(viewer, "import_expired"),
        )))),
    }
}

fn viewer_text(viewer: &Viewer, key: &str) -> String {
    t(viewer.lang(), &format!("web.{key}"), &[])
}

#[derive(Template)]
#[template(path = "import_preview.html")]
struct PreviewPage {
    chrome: Chrome,
    id: i64,
    file_name: String,
    kind: String,
    report: ImportReport,
    issues: Vec<RowIssue>,
    /// Whether this is the result of a confirmed import rather than a preview.
    done: bool,
    /// A problem that stopped the file from being read at all.
    error: Option<String>,
}

fn preview_page(
    viewer: &Viewer,
    file: &StagedImport,
    result: Result<ImportReport, AppError>,
    done: bool,
) -> Result<Response, PageError> {
    let (report, error, status) = match result {
        Ok(r) => (r, None, StatusCode::OK),
        Err(e) => match e.message() {
            Some(m) => (
                ImportReport::default(),
                Some(m.render(viewer.lang())),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            None => {
                let attempt = Attempt::new(viewer, "/import", "import_not_done");
                return Err(attempt.refused(e));
            }
        },
    };
    let chrome = Chrome::signed_in(viewer, format!("/import/{}", file.id));
    let page = PreviewPage {
        kind: chrome.tx.name("import_kind", file.kind.as_str()),
        chrome,
        id: file.id,
        file_name: file.file_name.clone(),
        issues: report.issues.iter().take(SHOWN_ISSUES).cloned().collect(),
        report,
        done,
        error,
    };
    pages::html(status, &page, page.chrome.tx.lang)
}

/// What the staged file would do: rehearsed in a transaction that is rolled back, so the
/// counts of new, changed and unchanged rows are exact (for the good rows, which is what
/// would be written if the bad ones are skipped). The rehearsal runs once, in the
/// background, and its result is kept with the file; until it is there the page says the
/// file is being checked and looks again by itself.
pub async fn preview(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let file = staged(&s, &viewer, id).await?;
    if let Some(result) = kept_check(&file) {
        return preview_page(&viewer, &file, result, false);
    }
    let attempt = Attempt::new(&viewer, "/import", "import_unavailable");
    let chrome = Chrome::signed_in(&viewer, format!("/import/{id}"));
    let page = CheckingPage {
        file_name: file.file_name.clone(),
        kind: chrome.tx.name("import_kind", file.kind.as_str()),
        chrome,
    };
    if s.store.import().claim_check(id).await.or_refuse(&attempt)? {
        let (done, result) = tokio::sync::oneshot::channel();
        tokio::spawn(check(
            s.clone(),
            viewer.session.username.clone(),
            viewer.principal.clone(),
            file.clone(),
            done,
        ));
        // Most rosters are checked in well under a second: show the result at once then,
        // and the page that looks again by itself only for a big file.
        if let Ok(Ok(result)) = tokio::time::timeout(WAIT_FOR_CHECK, result).await {
            return preview_page(&viewer, &file, result, false);
        }
    }
    pages::html(StatusCode::ACCEPTED, &page, page.chrome.tx.lang)
}

/// How long the preview waits for a check it started before answering that the file is
/// being checked.
const WAIT_FOR_CHECK: std::time::Duration = std::time::Duration::from_millis(1500);

/// Rehearses the import of a staged file, keeps the result with the file and hands it to
/// the page that is waiting, if it still is.
async fn check(
    s: AppState,
    username: String,
    principal: Principal,
    file: StagedImport,
    done: tokio::sync::oneshot::Sender<Result<ImportReport, AppError>>,
) {
    let on_behalf = (username.as_str(), &principal);
    let result = match run(&s, on_behalf, &file, ImportMode::Rehearse, true).await {
        Ok(report) => CheckResult::Report(report),
        Err(e) => match e.message() {
            Some(m) => CheckResult::Unreadable(m.clone()),
            None => {
                tracing::error!("checking staged import {}: {e:?}", file.id);
                CheckResult::Unreadable(xianfeng_domain::i18n::Message::new("web.import_not_done"))
            }
        },
    };
    match serde_json::to_string(&result) {
        Ok(json) => {
            if let Err(e) = s.store.import().save_check(file.id, &json).await {
                tracing::error!("keeping the check of staged import {}: {e}", file.id);
            }
        }
        Err(e) => tracing::error!("staged import {}: {e}", file.id),
    }
    let _ = done.send(match result {
        CheckResult::Report(r) => Ok(r),
        CheckResult::Unreadable(m) => Err(AppError::Input(m)),
    });
}

/// The page shown while a staged file is being checked; it reloads itself.
#[derive(Template)]
#[template(path = "import_checking.html")]
struct CheckingPage {
    chrome: Chrome,
    file_name: String,
    kind: String,
}

/// What the kept check of a staged file found, if it has finished.
fn kept_check(file: &StagedImport) -> Option<Result<ImportReport, AppError>> {
    let result: CheckResult = serde_json::from_str(file.check_result.as_deref()?).ok()?;
    Some(match result {
        CheckResult::Report(r) => Ok(r),
        CheckResult::Unreadable(m) => Err(AppError::Input(m)),
    })
}

/// The problems the check of the staged file found, as a CSV file that Excel opens.
pub async fn errors_csv(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let file = staged(&s, &viewer, id).await?;
    let report = match kept_check(&file) {
        Some(Ok(r)) => r,
        Some(Err(e)) => return preview_page(&viewer, &file, Err(e), false),
        None => return Ok(Redirect::to(&format!("/import/{id}")).into_response()),
    };
    let bytes = issues_csv(&report, viewer.lang()).map_err(|e| PageError::Internal {
        lang: viewer.lang(),
        log: e.to_string(),
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"import-errors-{id}.csv\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// An empty roster with the headers the import expects (Chinese, as Excel users write
/// them), as a CSV file with a BOM so that Excel opens it correctly.
pub async fn template(SignedIn(viewer): SignedIn, Path(file): Path<String>) -> Response {
    let (name, ext) = file.rsplit_once('.').unwrap_or((file.as_str(), ""));
    let headers: Vec<&str> = match name {
        "members" => MemberField::ALL.iter().map(|f| f.headers()[0]).collect(),
        "orgs" => OrgField::ALL.iter().map(|f| f.headers()[0]).collect(),
        "teams" => TeamField::ALL.iter().map(|f| f.headers()[0]).collect(),
        "cadres" => CadreField::ALL.iter().map(|f| f.headers()[0]).collect(),
        _ => return pages::not_found(&Chrome::signed_in(&viewer, "/import".into())),
    };
    if ext == "xlsx" {
        return match xianfeng_app::import::template_xlsx(&headers) {
            Ok(bytes) => pages::download(&file, pages::XLSX, bytes),
            Err(e) => pages::internal_in(viewer.lang(), format!("{e:?}")),
        };
    }
    if ext != "csv" {
        return pages::not_found(&Chrome::signed_in(&viewer, "/import".into()));
    }
    let body = format!("\u{feff}{}\r\n", headers.join(","));
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        body,
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    csrf: String,
    #[serde(default)]
    skip_bad: Option<String>,
}

impl CarriesCsrf for ConfirmForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Imports the staged file for real, then forgets it once something was written.
pub async fn confirm(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, form): Posted<ConfirmForm>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, format!("/import/{id}"), "import_not_done");
    let file = staged(&s, &viewer, id).await?;
    let skip_bad = form.skip_bad.is_some();
    let on_behalf = (viewer.session.username.as_str(), &viewer.principal);
    let result = run(&s, on_behalf, &file, ImportMode::Commit, skip_bad).await;
    let committed = matches!(&result, Ok(r) if r.committed);
    if committed {
        s.store.import().drop_staged(id).await.or_refuse(&attempt)?;
    }
    preview_page(&viewer, &file, result, committed)
}

#[cfg(test)]
mod tests {
    use super::extension;

    #[test]
    fn only_spreadsheet_names_are_accepted_whatever_their_case() {
        assert_eq!(extension("花名册.XLSX"), Some("xlsx"));
        assert_eq!(extension("roster.csv"), Some("csv"));
        assert_eq!(extension("../../etc/passwd"), None);
        assert_eq!(extension("report.pdf"), None);
        assert_eq!(extension("no-extension"), None);
    }
}
