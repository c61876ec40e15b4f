//! Activating an account (账号激活): the person opens the slip's QR code on her phone, sees
//! whose account it is, and sets her own password; then she signs in. No account needed to
//! reach it; wrong codes count against the address like wrong passwords.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use xianfeng_app::activation::{ActivationRefusal, activate, activation_of};

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::client::ClientAddress;
use crate::kernel::cookies::lang_of;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};

#[derive(Template)]
#[template(path = "activate.html")]
struct ActivatePage {
    chrome: Chrome,
    code: String,
    /// Whose account the code opens: (user name, name), when the code is good.
    account: Option<(String, String)>,
    error: Option<String>,
    /// The account is ready: the user name to sign in with.
    done: Option<String>,
}

#[derive(Deserialize)]
pub struct CodeQuery {
    #[serde(default)]
    code: String,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The form, with the code from the slip's link filled in.
pub async fn page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<CodeQuery>,
) -> Result<Response, PageError> {
    let lang = lang_of(&headers);
    let attempt = Attempt::public(lang, "/activate", "activation_failed");
    let account = if q.code.trim().is_empty() {
        None
    } else {
        activation_of(&s.store, &q.code, now_ms())
            .await
            .or_refuse(&attempt)?
            .map(|(u, n)| (u, n.unwrap_or_default()))
    };
    let chrome = Chrome::anonymous(lang, "/activate");
    let error = (!q.code.trim().is_empty() && account.is_none())
        .then(|| ActivationRefusal::BadCode.message().render(lang));
    let page = ActivatePage {
        chrome,
        code: q.code.trim().to_string(),
        account,
        error,
        done: None,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

#[derive(Deserialize)]
pub struct ActivateForm {
    code: String,
    password: String,
    repeat: String,
}

/// Sets the password with the code.
pub async fn submit(
    State(s): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<ActivateForm>,
) -> Result<Response, PageError> {
    let lang = lang_of(&headers);
    let attempt = Attempt::public(lang, "/activate", "activation_failed");
    let result = activate(
        &s.store,
        &form.code,
        form.password,
        &form.repeat,
        &address,
        now_ms(),
    )
    .await
    .or_refuse(&attempt)?;
    let chrome = Chrome::anonymous(lang, "/activate");
    let (status, error, done) = match result {
        Ok(username) => (StatusCode::OK, None, Some(username)),
        Err(r) => {
            let status = match r {
                ActivationRefusal::Locked => StatusCode::TOO_MANY_REQUESTS,
                ActivationRefusal::BadCode => StatusCode::NOT_FOUND,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            (status, Some(r.message().render(lang)), None)
        }
    };
    let account = if done.is_none() {
        activation_of(&s.store, &form.code, now_ms())
            .await
            .or_refuse(&attempt)?
            .map(|(u, n)| (u, n.unwrap_or_default()))
    } else {
        None
    };
    let page = ActivatePage {
        chrome,
        code: form.code.trim().to_string(),
        account,
        error,
        done,
    };
    pages::html(status, &page, page.chrome.tx.lang)
}
