//! Who is asking: the session behind the cookie, and the account as the policy sees it.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use std::convert::Infallible;
use std::net::SocketAddr;
use xianfeng_domain::i18n::Lang;
use xianfeng_domain::policy::Principal;
use xianfeng_storage::SessionRecord;

use crate::AppState;

pub const SESSION_COOKIE: &str = "xf_session";

/// The value of a cookie, if the request carries it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A signed-in account.
pub struct Viewer {
    pub session: SessionRecord,
    pub principal: Principal,
    pub token: String,
}

impl Viewer {
    pub fn lang(&self) -> Lang {
        Lang::from_tag(&self.session.lang)
    }
}

/// A page that needs a signed-in account; anyone else is sent to `/login`.
pub struct SignedIn(pub Viewer);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let to_login = || Redirect::to("/login").into_response();
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        let internal = |e: xianfeng_storage::StoreError| {
            tracing::error!("session lookup: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        };
        let Some(session) = state.store.session(&token).await.map_err(internal)? else {
            return Err(to_login());
        };
        let Some(principal) = state
            .store
            .principal(&session.username)
            .await
            .map_err(internal)?
        else {
            return Err(to_login());
        };
        Ok(SignedIn(Viewer {
            session,
            principal,
            token,
        }))
    }
}

/// The peer's address, for throttling sign-in attempts; "unknown" when not served over TCP.
pub struct PeerAddress(pub String);

impl FromRequestParts<AppState> for PeerAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Infallible> {
        Ok(PeerAddress(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_else(|| "unknown".into()),
        ))
    }
}
