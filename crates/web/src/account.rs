//! The account page (我的账号) and changing one's password, which an account with a
//! generated or reset password must do before anything else (see `session::SignedIn`).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use xianfeng_domain::auth::may_try_login;
use xianfeng_domain::i18n::t;
use xianfeng_storage::password;

use crate::chrome::Chrome;
use crate::session::{CarriesCsrf, PeerAddress, Posted, SignedIn, Viewer};
use crate::{AppState, pages};

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
) -> Response {
    let mut organisations = Vec::new();
    for scope in &viewer.principal.scopes {
        if let Some(id) = scope.ids().last() {
            match s.store.org_by_id(*id).await {
                Ok(Some(o)) => organisations.push((o.code, o.name)),
                Ok(None) => {}
                Err(e) => return pages::internal(e),
            }
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
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => pages::internal(e),
    }
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    chrome: Chrome,
    must_change: bool,
    error: Option<String>,
}

fn password_form(viewer: &Viewer, status: StatusCode, error: Option<String>) -> Response {
    let page = PasswordPage {
        chrome: Chrome::signed_in(viewer, "/account/password".into()),
        must_change: viewer.session.must_change_password,
        error,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => pages::internal(e),
    }
}

pub async fn password_page(SignedIn(viewer): SignedIn) -> Response {
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

/// Changes the password: the current one must be right (a wrong one counts as a failed
/// sign-in, so a left-open session cannot be used to guess it), the new one must follow
/// the password rules, differ from the current one and be typed twice the same. Every
/// other session of the account ends.
pub async fn change_password(
    State(s): State<AppState>,
    PeerAddress(address): PeerAddress,
    Posted(viewer, form): Posted<PasswordForm>,
) -> Response {
    let lang = viewer.lang();
    let username = viewer.session.username.clone();
    let refuse =
        |key: &str, status: StatusCode| password_form(&viewer, status, Some(t(lang, key, &[])));
    let (by_account, by_address) = match s.store.recent_failures(&username, &address).await {
        Ok(f) => f,
        Err(e) => return pages::internal(e),
    };
    if may_try_login(by_account, by_address).is_err() {
        return refuse("web.login_locked", StatusCode::TOO_MANY_REQUESTS);
    }
    let stored = match s.store.credentials(&username).await {
        Ok(Some((hash, _))) => hash,
        Ok(None) => return pages::internal("account vanished while signed in"),
        Err(e) => return pages::internal(e),
    };
    let current = form.current;
    let right = tokio::task::spawn_blocking(move || password::verify(&current, &stored))
        .await
        .unwrap_or(false);
    if !right {
        if let Err(e) = s
            .store
            .record_login_attempt(&username, &address, false)
            .await
        {
            return pages::internal(e);
        }
        return refuse(
            "web.current_password_wrong",
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    if form.new != form.repeat {
        return refuse("web.passwords_differ", StatusCode::UNPROCESSABLE_ENTITY);
    }
    if xianfeng_app::init::check_password(&form.new).is_err() {
        return refuse("app.weak_password", StatusCode::UNPROCESSABLE_ENTITY);
    }
    let new = form.new;
    let hash = match tokio::task::spawn_blocking(move || password::hash(&new)).await {
        Ok(h) => h,
        Err(e) => return pages::internal(e),
    };
    let written = async {
        let mut tx = s.store.begin(&username).await?;
        tx.set_password(&username, &hash, false).await?;
        tx.commit().await?;
        s.store
            .end_other_sessions(&username, Some(&viewer.token))
            .await
    };
    if let Err(e) = written.await {
        return pages::internal(e);
    }
    Redirect::to("/account?changed=true").into_response()
}
