//! Signing in and out (登录, 退出).

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use xianfeng_domain::auth::may_try_login;
use xianfeng_domain::i18n::Lang;
use xianfeng_storage::{NewSession, Store, StoreError, password};

use crate::chrome::Chrome;
use crate::session::{CarriesCsrf, PeerAddress, Posted, SESSION_COOKIE, lang_of};
use crate::{AppState, pages};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    username: String,
    error: Option<String>,
}

fn render(page: LoginPage, status: StatusCode) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => pages::internal(e),
    }
}

pub async fn page(headers: HeaderMap) -> Response {
    render(
        LoginPage {
            chrome: Chrome::anonymous(lang_of(&headers), "/login"),
            username: String::new(),
            error: None,
        },
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
}

/// A hash to verify against when the account does not exist, so that an unknown name takes
/// as long to refuse as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| password::hash("decoy password for unknown accounts"))
}

/// Why a sign-in was refused.
pub enum Refusal {
    /// Too many failures for this account or from this address in the window.
    Locked,
    /// Wrong name or password, or a disabled account: the same answer for all three.
    Failed,
}

/// Checks a name and password with throttling, records the attempt, and opens a session
/// when they are right. The web form and `POST /api/v1/login` both sign in here.
pub async fn authenticate(
    store: &Store,
    username: &str,
    given: String,
    address: &str,
    lang: Lang,
) -> Result<Result<NewSession, Refusal>, StoreError> {
    let (by_account, by_address) = store.recent_failures(username, address).await?;
    if may_try_login(by_account, by_address).is_err() {
        return Ok(Err(Refusal::Locked));
    }
    let stored = store.credentials(username).await?;
    let known = stored.is_some();
    let (hash, disabled) = stored.unwrap_or_else(|| (decoy_hash().to_string(), true));
    // argon2 is deliberately slow: off the async threads.
    let matches = tokio::task::spawn_blocking(move || password::verify(&given, &hash))
        .await
        .unwrap_or(false);
    let ok = matches && !disabled && known;
    store.record_login_attempt(username, address, ok).await?;
    if !ok {
        return Ok(Err(Refusal::Failed));
    }
    Ok(store
        .create_session(username, lang.code())
        .await?
        .ok_or(Refusal::Failed))
}

pub async fn submit(
    State(s): State<AppState>,
    PeerAddress(address): PeerAddress,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = lang_of(&headers);
    let username = form.username.trim().to_string();
    let refuse = |key: &str, status: StatusCode| {
        let chrome = Chrome::anonymous(lang, "/login");
        let error = Some(chrome.tx.get(key));
        render(
            LoginPage {
                chrome,
                username: username.clone(),
                error,
            },
            status,
        )
    };
    let session = match authenticate(&s.store, &username, form.password, &address, lang).await {
        Ok(Ok(session)) => session,
        Ok(Err(Refusal::Locked)) => {
            return refuse("login_locked", StatusCode::TOO_MANY_REQUESTS);
        }
        Ok(Err(Refusal::Failed)) => return refuse("login_failed", StatusCode::UNAUTHORIZED),
        Err(e) => return pages::internal(e),
    };
    (
        [(
            header::SET_COOKIE,
            format!(
                "{SESSION_COOKIE}={}; HttpOnly; SameSite=Lax; Path=/",
                session.token
            ),
        )],
        Redirect::to("/"),
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct LogoutForm {
    csrf: String,
}

impl CarriesCsrf for LogoutForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn logout(State(s): State<AppState>, Posted(viewer, _): Posted<LogoutForm>) -> Response {
    if let Err(e) = s.store.end_session(&viewer.token).await {
        return pages::internal(e);
    }
    (
        [(
            header::SET_COOKIE,
            format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0"),
        )],
        Redirect::to("/login"),
    )
        .into_response()
}
