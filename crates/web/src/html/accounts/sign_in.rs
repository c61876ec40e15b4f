//! Signing in and out (登录, 退出).

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use xianfeng_app::accounts::{Refusal, sign_in};

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::client::ClientAddress;
use crate::kernel::cookies::{SESSION_COOKIE, lang_of};
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::session::{CarriesCsrf, Posted};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    username: String,
    error: Option<String>,
}

pub async fn page(headers: HeaderMap) -> Result<Response, PageError> {
    let page = LoginPage {
        chrome: Chrome::anonymous(lang_of(&headers), "/login"),
        username: String::new(),
        error: None,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
}

pub async fn submit(
    State(s): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let lang = lang_of(&headers);
    let attempt = Attempt::public(lang, "/login", "sign_in_failed");
    let username = form.username.trim().to_string();
    let refuse = |key: &str, status: StatusCode| {
        let chrome = Chrome::anonymous(lang, "/login");
        let error = Some(chrome.tx.get(key));
        let page = LoginPage {
            chrome,
            username: username.clone(),
            error,
        };
        pages::html(status, &page, page.chrome.tx.lang)
    };
    let session = match sign_in(&s.store, &username, form.password, &address, lang)
        .await
        .or_refuse(&attempt)?
    {
        Ok(session) => session,
        Err(Refusal::Locked) => return refuse("login_locked", StatusCode::TOO_MANY_REQUESTS),
        Err(Refusal::Failed) => return refuse("login_failed", StatusCode::UNAUTHORIZED),
    };
    Ok((
        [(
            header::SET_COOKIE,
            format!(
                "{SESSION_COOKIE}={}; HttpOnly; SameSite=Lax; Path=/",
                session.token
            ),
        )],
        // A session that owes its second factor's code goes to give it.
        Redirect::to(if session.second_factor_pending {
            crate::kernel::session::SECOND_FACTOR_PAGE
        } else {
            "/"
        }),
    )
        .into_response())
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

pub async fn logout(
    State(s): State<AppState>,
    Posted(viewer, _): Posted<LogoutForm>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/", "sign_out_failed");
    s.store
        .sessions()
        .end(&viewer.token)
        .await
        .or_refuse(&attempt)?;
    Ok((
        [(
            header::SET_COOKIE,
            format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0"),
        )],
        Redirect::to("/login"),
    )
        .into_response())
}
