//! The account page (我的账号) and changing one's password, which an account with a
//! generated or reset password must do before anything else (see `session::SignedIn`).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use xianfeng_app::accounts::{self, PasswordChange, PasswordRefusal};

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::client::ClientAddress;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::session::{CarriesCsrf, Posted, SignedIn};
use crate::kernel::viewer::Viewer;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    role: String,
    /// (code, name) of the organisations the account is assigned to.
    organisations: Vec<(String, String)>,
    changed: bool,
    /// The member record of the person behind the account, if linked.
    member_id: Option<i64>,
}

#[derive(Deserialize)]
pub struct Notice {
    #[serde(default)]
    changed: bool,
}

pub async fn page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(notice): Query<Notice>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/", "account_unavailable");
    let mut organisations = Vec::new();
    for scope in &viewer.principal.scopes {
        if let Some(id) = scope.ids().last()
            && let Some(o) = s
                .store
                .registry()
                .org_by_id(*id)
                .await
                .or_refuse(&attempt)?
        {
            organisations.push((o.code, o.name));
        }
    }
    let chrome = Chrome::signed_in(&viewer, "/account".into());
    let page = AccountPage {
        role: chrome
            .tx
            .get(&format!("role_{}", viewer.principal.role.as_str())),
        chrome,
        organisations,
        changed: notice.changed,
        member_id: viewer.principal.member_id,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    chrome: Chrome,
    must_change: bool,
    error: Option<String>,
}

fn password_form(
    viewer: &Viewer,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, PageError> {
    let page = PasswordPage {
        chrome: Chrome::signed_in(viewer, "/account/password".into()),
        must_change: viewer.session.must_change_password,
        error,
    };
    pages::html(status, &page, page.chrome.tx.lang)
}

pub async fn password_page(SignedIn(viewer): SignedIn) -> Result<Response, PageError> {
    password_form(&viewer, StatusCode::OK, None)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
    repeat: String,
}

impl CarriesCsrf for PasswordForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Changes the password through the accounts service; a refusal shows the form again
/// with the reason (429 while sign-ins are locked).
pub async fn change_password(
    State(s): State<AppState>,
    ClientAddress(address): ClientAddress,
    Posted(viewer, form): Posted<PasswordForm>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/account/password", "password_not_changed");
    let change = PasswordChange {
        username: &viewer.session.username,
        session_token: &viewer.token,
        address: &address,
        current: form.current,
        new: form.new,
        repeat: form.repeat,
    };
    match accounts::change_password(&s.store, change)
        .await
        .or_refuse(&attempt)?
    {
        Ok(()) => Ok(Redirect::to("/account?changed=true").into_response()),
        Err(refusal) => {
            let status = if refusal == PasswordRefusal::Locked {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let why = refusal.message().render(viewer.lang());
            password_form(&viewer, status, Some(why))
        }
    }
}
