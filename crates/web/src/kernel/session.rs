//! Who is asking: the session behind the cookie, and the account as the policy sees it.

use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;
use xianfeng_storage::{Store, StoreError};

use crate::AppState;
use crate::kernel::cookies::{SESSION_COOKIE, cookie};
use crate::kernel::viewer::Viewer;

/// Where an account whose password must change may still go: the page that changes it,
/// and the way out.
const OPEN_WHILE_PASSWORD_CHANGES: [&str; 2] = ["/account/password", "/logout"];

/// Where a session that still owes its second factor's code may go.
const OPEN_WHILE_CODE_OWED: [&str; 2] = [SECOND_FACTOR_PAGE, "/logout"];

/// Where an account that must set up its second factor may go (its password first).
const OPEN_WHILE_SETTING_UP: [&str; 3] = [SETUP_PAGE, "/account/password", "/logout"];

/// The page that asks a signed-in session for its second factor's code.
pub const SECOND_FACTOR_PAGE: &str = "/login/second-factor";

/// The page that sets up an account's second factor.
pub const SETUP_PAGE: &str = "/account/second-factor";

/// A page that needs a signed-in account; anyone else is sent to `/login`. A session
/// that still owes its second factor's code is sent to give it; an account that must
/// change its password first (generated or reset) is sent to do so; and one whose role
/// needs a second factor the installation requires is sent to set it up.
pub struct SignedIn(pub Viewer);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let viewer = viewer(parts, state).await?;
        if let Some(to) = detour(
            &viewer,
            state.config.require_second_factor,
            parts.uri.path(),
        ) {
            return Err(Redirect::to(to).into_response());
        }
        Ok(SignedIn(viewer))
    }
}

/// Where a signed-in account must go before `path`, if anywhere.
fn detour(viewer: &Viewer, second_factor_required: bool, path: &str) -> Option<&'static str> {
    let s = &viewer.session;
    if s.second_factor_pending {
        return (!OPEN_WHILE_CODE_OWED.contains(&path)).then_some(SECOND_FACTOR_PAGE);
    }
    if s.must_change_password && !OPEN_WHILE_PASSWORD_CHANGES.contains(&path) {
        return Some("/account/password");
    }
    let must_set_up = second_factor_required
        && xianfeng_domain::second_factor::required_for(s.role)
        && !s.has_second_factor;
    (must_set_up && !OPEN_WHILE_SETTING_UP.contains(&path)).then_some(SETUP_PAGE)
}

/// Whether a posted form carries the session's CSRF token.
pub trait CarriesCsrf {
    fn csrf(&self) -> &str;
}

/// A form posted by a signed-in account, with its CSRF token checked: a forged or missing
/// token is refused (403) before the handler sees anything.
pub struct Posted<T>(pub Viewer, pub T);

impl<T> FromRequest<AppState> for Posted<T>
where
    T: DeserializeOwned + CarriesCsrf + Send,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let SignedIn(viewer) = SignedIn::from_request_parts(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let Form(form) = Form::<T>::from_request(req, state).await.map_err(|e| {
            crate::kernel::pages::message(
                &crate::kernel::chrome::Chrome::signed_in(&viewer, "/".into()),
                StatusCode::BAD_REQUEST,
                "bad_form",
                &e.body_text(),
            )
        })?;
        if !same_secret(form.csrf(), &viewer.session.csrf_token) {
            return Err(crate::kernel::pages::csrf_refused(viewer.lang()));
        }
        Ok(Posted(viewer, form))
    }
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The account behind a session token (from the cookie or a bearer header), if the
/// session is alive and the account enabled.
pub async fn viewer_for_token(store: &Store, token: String) -> Result<Option<Viewer>, StoreError> {
    let Some(session) = store.sessions().session(&token).await? else {
        return Ok(None);
    };
    let Some(principal) = store.accounts().principal(&session.username).await? else {
        return Ok(None);
    };
    Ok(Some(Viewer {
        session,
        principal,
        token,
    }))
}

/// The signed-in account behind the request's cookie, whatever its password state.
async fn viewer(parts: &Parts, state: &AppState) -> Result<Viewer, Response> {
    let to_login = || Redirect::to("/login").into_response();
    let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
        return Err(to_login());
    };
    match viewer_for_token(&state.store, token).await {
        Ok(Some(v)) => {
            crate::kernel::security_log::Account::note(parts, &v.session.username);
            Ok(v)
        }
        Ok(None) => Err(to_login()),
        Err(e) => {
            tracing::error!("session lookup: {e}");
            Err(StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}
