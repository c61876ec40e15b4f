//! Signing in over the API (登录): a bearer token for scripts.

use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xianfeng_app::accounts::{Refusal, sign_in};
use xianfeng_domain::auth::IDLE_TIMEOUT_MS;
use xianfeng_domain::i18n::Lang;

use super::{ApiError, api_lang, internal, json_refusal};
use crate::AppState;
use crate::kernel::client::ClientAddress;

pub fn router() -> Router<AppState> {
    Router::new().route("/login", post(login))
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    username: String,
    password: String,
    /// For an account with a second factor: the six-digit code its app shows now, or a
    /// recovery code.
    #[serde(default)]
    code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer TOKEN`.
    token: String,
    /// The token stops working after this many seconds without use.
    idle_timeout_seconds: i64,
}

/// Signs in and returns a token. Throttled like the sign-in page: after repeated failures
/// for an account or from an address, answers 429 until the window has passed.
#[utoipa::path(
    post, path = "/api/v1/login", tag = "accounts",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = LoginResponse),
        (status = 400, description = "Malformed JSON", body = ApiError),
        (status = 401, description = "Wrong username, password or code; or the account has a second factor and no `code` was sent (`second_factor_required`)", body = ApiError),
        (status = 422, description = "A field is missing", body = ApiError),
        (status = 429, description = "Too many failed attempts", body = ApiError),
    )
)]
pub async fn login(
    State(s): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> Result<Json<LoginResponse>, ApiError> {
    let lang = api_lang(&headers);
    let Json(req) = body.map_err(|r| json_refusal(lang, r))?;
    let username = req.username.trim().to_string();
    match sign_in(&s.store, &username, req.password, &address, lang).await {
        Ok(Ok(session)) if session.second_factor_pending => {
            second_factor(&s, &username, session.token, req.code, &address, lang).await
        }
        Ok(Ok(session)) => Ok(Json(LoginResponse {
            token: session.token,
            idle_timeout_seconds: IDLE_TIMEOUT_MS / 1000,
        })),
        Ok(Err(Refusal::Locked)) => Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            lang,
        )),
        Ok(Err(Refusal::Failed)) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            lang,
        )),
        Err(e) => Err(internal(lang, e)),
    }
}

/// The code of an account with a second factor, given in the same call as the password:
/// without it, or with a wrong one, the session just opened is closed again.
async fn second_factor(
    s: &AppState,
    username: &str,
    token: String,
    code: Option<String>,
    address: &str,
    lang: Lang,
) -> Result<Json<LoginResponse>, ApiError> {
    let close = |token: String| async move {
        s.store
            .sessions()
            .end(&token)
            .await
            .map_err(|e| internal(lang, e))
    };
    let Some(code) = code.filter(|c| !c.trim().is_empty()) else {
        close(token).await?;
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "second_factor_required",
            lang,
        ));
    };
    let now = crate::kernel::clock::unix_seconds();
    match xianfeng_app::accounts::give_second_factor(
        &s.store, username, &token, &code, address, now,
    )
    .await
    {
        Ok(Ok(())) => Ok(Json(LoginResponse {
            token,
            idle_timeout_seconds: IDLE_TIMEOUT_MS / 1000,
        })),
        Ok(Err(refusal)) => {
            close(token).await?;
            Err(match refusal {
                Refusal::Locked => {
                    ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", lang)
                }
                Refusal::Failed => {
                    ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", lang)
                }
            })
        }
        Err(e) => Err(internal(lang, e)),
    }
}
