//! Accounts as the office keeps them (账号管理): the list with search, one account made,
//! changed, disabled or reset, accounts in bulk from the tree, the roster or a sheet — and
//! the activation codes handed out once, as A4 slips with a QR code or as a sheet.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use xianfeng_app::AppError;
use xianfeng_app::activation::{self as service, AccountForm, BulkKind, Issued};
use xianfeng_domain::activation::{DEFAULT_VALID_DAYS, may_grant};
use xianfeng_domain::role::Role;

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::forms::Fields;
use crate::kernel::multipart::PostedFiles;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::session::{Posted, SignedIn};
use crate::kernel::viewer::Viewer;

struct AccountView {
    username: String,
    name: String,
    role: String,
    /// Organisation codes, each shown as a code.
    organisations: Vec<String>,
    status: String,
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct ListPage {
    chrome: Chrome,
    q: String,
    rows: Vec<AccountView>,
    page: i64,
    more: bool,
    /// Roles this account may give: (code, name).
    roles: Vec<(&'static str, String)>,
    /// The code of the account's own (first) organisation, offered for bulk runs.
    scope: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: i64,
}

fn status_of(tx: &crate::kernel::text::Text, a: &xianfeng_storage::AccountRow) -> String {
    if a.disabled {
        tx.get("account_status_disabled")
    } else if a.activation_pending {
        tx.get("account_status_waiting")
    } else if a.must_change_password {
        tx.get("account_status_must_change")
    } else {
        tx.get("account_status_active")
    }
}

fn grantable(viewer: &Viewer, chrome: &Chrome) -> Vec<(&'static str, String)> {
    Role::ALL
        .iter()
        .filter(|r| may_grant(viewer.principal.role, **r))
        .map(|r| (r.as_str(), chrome.tx.get(&format!("role_{}", r.as_str()))))
        .collect()
}

async fn own_scope(s: &AppState, viewer: &Viewer) -> String {
    match viewer
        .principal
        .scopes
        .first()
        .and_then(|p| p.ids().last().copied())
    {
        Some(id) => s
            .store
            .registry()
            .org_by_id(id)
            .await
            .ok()
            .flatten()
            .map(|o| o.code)
            .unwrap_or_default(),
        None => String::new(),
    }
}

async fn list_page(
    s: &AppState,
    viewer: &Viewer,
    query: ListQuery,
    error: Option<String>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(viewer, "/", "accounts_unavailable");
    let mut found = service::list(&s.store, &viewer.principal, &query.q, query.page)
        .await
        .or_refuse(&attempt)?;
    let more = found.len() as i64 > service::PAGE;
    found.truncate(service::PAGE as usize);
    let chrome = Chrome::signed_in(viewer, "/accounts".into());
    let rows = found
        .iter()
        .map(|a| AccountView {
            username: a.username.clone(),
            name: a.display_name.clone().unwrap_or_default(),
            role: chrome.tx.get(&format!("role_{}", a.role.as_str())),
            organisations: a.organisations.clone(),
            status: status_of(&chrome.tx, a),
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ListPage {
        roles: grantable(viewer, &chrome),
        scope: own_scope(s, viewer).await,
        q: query.q,
        rows,
        page: query.page.max(0),
        more,
        error,
        chrome,
    };
    pages::html(status, &page, page.chrome.tx.lang)
}

/// The accounts the viewer keeps, with search and the forms to make more.
pub async fn list(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    list_page(&s, &viewer, query, None).await
}

struct SlipView {
    name: String,
    org: String,
    username: String,
    code: String,
    valid_until: String,
    qr: Option<String>,
    url: String,
}

#[derive(Template)]
#[template(path = "account_slips.html")]
struct SlipsPage {
    chrome: Chrome,
    slips: Vec<SlipView>,
    had_account: usize,
}

/// The codes handed over once: as A4 slips to print, or as a sheet (`format` = `xlsx` or
/// `csv`).
fn hand_over(
    s: &AppState,
    viewer: &Viewer,
    issued: &[Issued],
    had_account: usize,
    format: &str,
    back: &str,
) -> Result<Response, PageError> {
    let base = s.config.public_url.as_deref();
    let lang = viewer.lang();
    if matches!(format, "xlsx" | "csv") {
        let xlsx = format == "xlsx";
        let bytes = service::issued_file(issued, base, xlsx, lang).or_refuse(&Attempt::new(
            viewer,
            back,
            "accounts_not_made",
        ))?;
        let (name, kind) = if xlsx {
            ("activation-codes.xlsx", pages::XLSX)
        } else {
            ("activation-codes.csv", "text/csv; charset=utf-8")
        };
        return Ok(pages::download(name, kind, bytes));
    }
    let chrome = Chrome::signed_in(viewer, back.to_string());
    let slips = issued
        .iter()
        .map(|i| {
            let url = base
                .map(|b| service::activation_url(b, &i.code))
                .unwrap_or_else(|| "/activate".into());
            SlipView {
                name: i.name.clone().unwrap_or_default(),
                org: i.org_name.clone(),
                username: i.username.clone(),
                code: i.code.clone(),
                valid_until: chrome.tx.long_date(&i.valid_until.to_string()),
                qr: base.and_then(|_| crate::kernel::qr::svg(&url)),
                url,
            }
        })
        .collect();
    let page = SlipsPage {
        chrome,
        slips,
        had_account,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

/// A refusal that is about what was typed comes back on the list page with the forms.
async fn list_again(
    s: &AppState,
    viewer: &Viewer,
    attempt: &Attempt,
    error: AppError,
) -> Result<Response, PageError> {
    match (&error, error.message()) {
        (
            AppError::Input(_) | AppError::Store(xianfeng_storage::StoreError::Conflict(_)),
            Some(m),
        ) => {
            let text = m.render(viewer.lang());
            list_page(
                s,
                viewer,
                ListQuery {
                    q: String::new(),
                    page: 0,
                },
                Some(text),
            )
            .await
        }
        _ => Err(attempt.refused(error)),
    }
}

/// The most slips one page is made with; more go to a sheet.
const SLIPS_AT_MOST: usize = 2000;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn days_of(f: &Fields) -> u32 {
    f.value("valid_days").parse().unwrap_or(DEFAULT_VALID_DAYS)
}

/// Makes one account and hands over its code.
pub async fn create(
    State(s): State<AppState>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/accounts", "accounts_not_made");
    let form = AccountForm {
        username: f.value("username").into(),
        name: f.value("name").into(),
        role: f.value("role").into(),
        organisations: f.value("organisations").into(),
    };
    match service::create(&s.store, &viewer.actor(), &form, days_of(&f), now_ms()).await {
        Ok(issued) => hand_over(&s, &viewer, &[issued], 0, "slips", "/accounts"),
        Err(e) => list_again(&s, &viewer, &attempt, e).await,
    }
}

/// Accounts in bulk, straight from the tree (secretaries) or the roster (members).
pub async fn bulk(
    State(s): State<AppState>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/accounts", "accounts_not_made");
    let kind = match f.value("kind") {
        "members" => BulkKind::Members,
        _ => BulkKind::Secretaries,
    };
    let actor = viewer.actor();
    // Slips are one page to print: a run too big for it is refused before anything is made.
    let at_most = (!matches!(f.value("format"), "xlsx" | "csv")).then_some(SLIPS_AT_MOST);
    match service::bulk(
        &s.store,
        Some(&actor),
        f.value("scope"),
        kind,
        days_of(&f),
        now_ms(),
        at_most,
    )
    .await
    {
        Ok(done) => hand_over(
            &s,
            &viewer,
            &done.issued,
            done.had_account,
            f.value("format"),
            "/accounts",
        ),
        Err(e) => list_again(&s, &viewer, &attempt, e).await,
    }
}

/// Accounts from an uploaded sheet of people (姓名, 手机, 组织编码, 角色).
pub async fn bulk_sheet(
    State(s): State<AppState>,
    posted: PostedFiles,
) -> Result<Response, PageError> {
    let viewer = &posted.viewer;
    let attempt = Attempt::new(viewer, "/accounts", "accounts_not_made");
    if !service::may_manage(&viewer.principal) {
        return Err(attempt.refused(AppError::Forbidden));
    }
    let (_tmp, reader) = match crate::html::import::uploaded_sheet(&posted, &s.config.sheet_limits)
    {
        Ok(opened) => opened,
        Err(e) => return list_again(&s, viewer, &attempt, e).await,
    };
    let days = posted
        .value("valid_days")
        .parse()
        .unwrap_or(DEFAULT_VALID_DAYS);
    let actor = viewer.actor();
    let at_most = (!matches!(posted.value("format"), "xlsx" | "csv")).then_some(SLIPS_AT_MOST);
    match service::bulk_from_sheet(&s.store, &actor, reader, days, now_ms(), at_most).await {
        Ok(Ok(done)) => hand_over(
            &s,
            viewer,
            &done.issued,
            done.had_account,
            posted.value("format"),
            "/accounts",
        ),
        Ok(Err(issues)) => {
            let lang = viewer.lang();
            let lines = issues
                .iter()
                .map(|i| {
                    xianfeng_domain::i18n::t(
                        lang,
                        "web.accounts_row_issue",
                        &[
                            ("row", &i.row),
                            ("column", &i.column),
                            ("value", &i.value),
                            ("reason", &i.reason.render(lang)),
                        ],
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            list_page(
                &s,
                viewer,
                ListQuery {
                    q: String::new(),
                    page: 0,
                },
                Some(lines),
            )
            .await
        }
        Err(e) => list_again(&s, viewer, &attempt, e).await,
    }
}

#[derive(Template)]
#[template(path = "account_edit.html")]
struct EditPage {
    chrome: Chrome,
    username: String,
    name: String,
    role: &'static str,
    organisations: String,
    status: String,
    disabled: bool,
    roles: Vec<(&'static str, String)>,
}

/// One account, with the forms to change, disable or reset it.
pub async fn page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(username): Path<String>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/accounts", "accounts_unavailable");
    let a = service::managed(&s.store, &viewer.principal, &username)
        .await
        .or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, "/accounts".into());
    let page = EditPage {
        status: status_of(&chrome.tx, &a),
        roles: grantable(&viewer, &chrome),
        username: a.username,
        name: a.display_name.unwrap_or_default(),
        role: a.role.as_str(),
        organisations: a.organisations.join(", "),
        disabled: a.disabled,
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

/// Changes an account's role and organisations.
pub async fn change(
    State(s): State<AppState>,
    Path(username): Path<String>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/accounts/{username}");
    let attempt = Attempt::new(&viewer, &back, "account_not_changed");
    service::change(
        &s.store,
        &viewer.actor(),
        &username,
        f.value("role"),
        f.value("organisations"),
    )
    .await
    .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

/// Disables (`disabled=1`) or enables an account.
pub async fn disable(
    State(s): State<AppState>,
    Path(username): Path<String>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/accounts/{username}");
    let attempt = Attempt::new(&viewer, &back, "account_not_changed");
    service::set_disabled(
        &s.store,
        &viewer.actor(),
        &username,
        f.value("disabled") == "1",
    )
    .await
    .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

/// A new activation code for an account: its password stops working.
pub async fn reset(
    State(s): State<AppState>,
    Path(username): Path<String>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/accounts/{username}");
    let attempt = Attempt::new(&viewer, &back, "account_not_changed");
    let issued = service::reset(&s.store, &viewer.actor(), &username, days_of(&f), now_ms())
        .await
        .or_refuse(&attempt)?;
    hand_over(&s, &viewer, &[issued], 0, "slips", &back)
}

/// A branch secretary resets the password of one of her members.
pub async fn reset_member(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, _f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/m/{id}");
    let attempt = Attempt::new(&viewer, &back, "account_not_changed");
    let issued = service::reset_member(&s.store, &viewer.actor(), id, now_ms())
        .await
        .or_refuse(&attempt)?;
    hand_over(&s, &viewer, &[issued], 0, "slips", &back)
}
