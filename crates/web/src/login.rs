//! Signing in and out (登录, 退出).

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use xianfeng_domain::auth::may_try_login;
use xianfeng_domain::i18n::Lang;
use xianfeng_storage::password;

use crate::AppState;
use crate::chrome::Chrome;
use crate::session::{PeerAddress, SESSION_COOKIE, SignedIn, cookie};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    username: String,
    error: Option<String>,
}

fn lang_of(headers: &HeaderMap) -> Lang {
    cookie(headers, crate::lang::LANG_COOKIE)
        .map(|l| Lang::from_tag(&l))
        .unwrap_or_default()
}

fn render(page: LoginPage, status: StatusCode) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!("login page: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
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
    let internal = |e: xianfeng_storage::StoreError| {
        tracing::error!("login: {e}");
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    };
    let (by_account, by_address) = match s.store.recent_failures(&username, &address).await {
        Ok(f) => f,
        Err(e) => return internal(e),
    };
    if may_try_login(by_account, by_address).is_err() {
        return refuse("login_locked", StatusCode::TOO_MANY_REQUESTS);
    }
    let stored = match s.store.credentials(&username).await {
        Ok(c) => c,
        Err(e) => return internal(e),
    };
    let known = stored.is_some();
    let (hash, disabled) = stored.unwrap_or_else(|| (decoy_hash().to_string(), true));
    let given = form.password;
    // argon2 is deliberately slow: off the async threads.
    let matches = tokio::task::spawn_blocking(move || password::verify(&given, &hash))
        .await
        .unwrap_or(false);
    let ok = matches && !disabled && known;
    if let Err(e) = s.store.record_login_attempt(&username, &address, ok).await {
        return internal(e);
    }
    if !ok {
        return refuse("login_failed", StatusCode::UNAUTHORIZED);
    }
    let session = match s.store.create_session(&username, lang.code()).await {
        Ok(Some(session)) => session,
        Ok(None) => return refuse("login_failed", StatusCode::UNAUTHORIZED),
        Err(e) => return internal(e),
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

pub async fn logout(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Form(form): Form<LogoutForm>,
) -> Response {
    if form.csrf != viewer.session.csrf_token {
        return StatusCode::FORBIDDEN.into_response();
    }
    if let Err(e) = s.store.end_session(&viewer.token).await {
        tracing::error!("logout: {e}");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
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
