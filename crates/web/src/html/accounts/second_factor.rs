//! The second factor in the browser (双因素认证): the code asked for after the password,
//! and setting up an authenticator app by scanning a QR code, with recovery codes shown
//! once. Required of the administrator and the office where the installation says so
//! (`require_second_factor`); open to every account.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use xianfeng_app::accounts::{self, Refusal};

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::client::ClientAddress;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::qr;
use crate::kernel::session::{CarriesCsrf, Posted, SECOND_FACTOR_PAGE, SETUP_PAGE, SignedIn};
use crate::kernel::viewer::Viewer;

#[derive(Template)]
#[template(path = "second_factor_code.html")]
struct CodePage {
    chrome: Chrome,
    error: Option<String>,
}

fn code_page(
    viewer: &Viewer,
    status: StatusCode,
    error: Option<&str>,
) -> Result<Response, PageError> {
    let chrome = Chrome::signed_in(viewer, SECOND_FACTOR_PAGE.into());
    let page = CodePage {
        error: error.map(|k| chrome.tx.get(k)),
        chrome,
    };
    pages::html(status, &page, page.chrome.tx.lang)
}

/// Asks for the code of a session opened with the password.
pub async fn code(SignedIn(viewer): SignedIn) -> Result<Response, PageError> {
    if !viewer.session.second_factor_pending {
        return Ok(Redirect::to("/").into_response());
    }
    code_page(&viewer, StatusCode::OK, None)
}

#[derive(Deserialize)]
pub struct CodeForm {
    csrf: String,
    code: String,
}

impl CarriesCsrf for CodeForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn give_code(
    State(s): State<AppState>,
    ClientAddress(address): ClientAddress,
    Posted(viewer, form): Posted<CodeForm>,
) -> Result<Response, PageError> {
    if !viewer.session.second_factor_pending {
        return Ok(Redirect::to("/").into_response());
    }
    let attempt = Attempt::new(&viewer, SECOND_FACTOR_PAGE, "sign_in_failed");
    let given = accounts::give_second_factor(
        &s.store,
        &viewer.session.username,
        &viewer.token,
        &form.code,
        &address,
        crate::kernel::clock::unix_seconds(),
    )
    .await
    .or_refuse(&attempt)?;
    match given {
        Ok(()) => Ok(Redirect::to("/").into_response()),
        Err(Refusal::Locked) => {
            code_page(&viewer, StatusCode::TOO_MANY_REQUESTS, Some("login_locked"))
        }
        Err(Refusal::Failed) => code_page(
            &viewer,
            StatusCode::UNAUTHORIZED,
            Some("second_factor_wrong"),
        ),
    }
}

#[derive(Template)]
#[template(path = "second_factor_setup.html")]
struct SetupPage {
    chrome: Chrome,
    /// Already in use: nothing to set up.
    enabled: bool,
    /// Required of this account by the installation.
    required: bool,
    qr: String,
    /// The secret in groups of four, for typing into an app by hand.
    secret: String,
    error: Option<String>,
    /// Shown once, right after the set-up.
    recovery_codes: Vec<String>,
}

async fn setup_page(
    s: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(viewer, "/account", "account_unavailable");
    let mut chrome = Chrome::signed_in(viewer, SETUP_PAGE.into());
    let required = s.config.require_second_factor
        && xianfeng_domain::second_factor::required_for(viewer.session.role);
    // Until a required second factor is set up, every menu entry would lead back here.
    chrome.menu &= !required || viewer.session.has_second_factor;
    let (qr, secret) = if viewer.session.has_second_factor {
        (String::new(), String::new())
    } else {
        let secret = accounts::second_factor_secret(&s.store, &viewer.session.username)
            .await
            .or_refuse(&attempt)?;
        let url = secret.otpauth_url(&viewer.session.username);
        let text = secret.to_base32();
        let grouped = text
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        (qr::svg(&url).unwrap_or_default(), grouped)
    };
    let page = SetupPage {
        chrome,
        enabled: viewer.session.has_second_factor,
        required,
        qr,
        secret,
        error,
        recovery_codes: Vec::new(),
    };
    pages::html(status, &page, page.chrome.tx.lang)
}

/// The set-up page: the QR code of a new secret and a field for the first code.
pub async fn setup(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    setup_page(&s, &viewer, StatusCode::OK, None).await
}

#[derive(Deserialize)]
pub struct EnableForm {
    csrf: String,
    code: String,
}

impl CarriesCsrf for EnableForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Confirms the secret with a first code and shows the recovery codes, once.
pub async fn enable(
    State(s): State<AppState>,
    Posted(viewer, form): Posted<EnableForm>,
) -> Result<Response, PageError> {
    if viewer.session.has_second_factor {
        return Ok(Redirect::to(SETUP_PAGE).into_response());
    }
    let attempt = Attempt::new(&viewer, SETUP_PAGE, "second_factor_not_set_up");
    let enabled = accounts::enable_second_factor(
        &s.store,
        &viewer.session.username,
        &viewer.token,
        &form.code,
        crate::kernel::clock::unix_seconds(),
    )
    .await;
    let codes = match enabled {
        Ok(codes) => codes,
        Err(xianfeng_app::AppError::Input(m)) => {
            let error = Some(m.render(viewer.lang()));
            return setup_page(&s, &viewer, StatusCode::UNPROCESSABLE_ENTITY, error).await;
        }
        Err(e) => return Err(attempt.refused(e)),
    };
    let page = SetupPage {
        chrome: Chrome::signed_in(&viewer, SETUP_PAGE.into()),
        enabled: true,
        required: false,
        qr: String::new(),
        secret: String::new(),
        error: None,
        recovery_codes: codes,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}
