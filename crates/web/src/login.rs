//! Signing in and out (登录, 退出).

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use xianfeng_app::accounts::{Refusal, sign_in};

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
    let session = match sign_in(&s.store, &username, form.password, &address, lang).await {
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
