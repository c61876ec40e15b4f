//! The JSON API (`/api/v1`): the registry for scripts, authenticated by a bearer token
//! from `POST /api/v1/login`. Every error is `{"code": …, "message": …}` with a code that
//! stays the same across releases (docs/API.md lists them). The OpenAPI document at
//! `/api/v1/openapi.json` is generated from these handlers.

mod evaluation;
mod participation;
mod registry;
mod scores;
mod selection;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use xianfeng_domain::auth::IDLE_TIMEOUT_MS;
use xianfeng_domain::i18n::{Lang, t};

use crate::AppState;
use crate::session::{PeerAddress, viewer_for_token};
use crate::viewer::Viewer;
use xianfeng_app::accounts::{Refusal, sign_in};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", post(login))
        .route("/openapi.json", get(openapi))
        .route("/organisations/{code}", get(registry::organisation))
        .route("/organisations/{code}/children", get(registry::children))
        .route("/organisations/{code}/members", get(registry::members))
        .route("/members/{id}", get(registry::member))
        .route("/commitments", post(participation::create))
        .route(
            "/commitments/{id}",
            get(participation::get).put(participation::edit),
        )
        .route(
            "/commitments/{id}/transitions",
            post(participation::transition),
        )
        .route(
            "/organisations/{code}/study-records",
            post(participation::study),
        )
        .route(
            "/organisations/{code}/service-records",
            post(participation::service),
        )
        .route("/reviews", post(participation::review))
        .route("/figures", get(participation::figures))
        .route("/ballots", post(evaluation::cast))
        .route("/rounds", get(evaluation::rounds))
        .route("/rounds/{id}/results", get(evaluation::round_results))
        .route("/periods", get(scores::periods))
        .route("/rankings", get(scores::rankings))
        .route(
            "/nominations",
            get(selection::nominations).post(selection::nominate),
        )
        .route("/nominations/{id}", get(selection::nomination))
        .route("/nominations/{id}/transitions", post(selection::transition))
        .route(
            "/nominations/{id}/recommendations",
            post(selection::recommend),
        )
        .route("/notices", get(selection::notices).post(selection::publish))
        .route(
            "/notices/{id}/objections",
            get(selection::objections).post(selection::object),
        )
        .route(
            "/notices/{id}/objections/{objection}/finding",
            post(selection::finding),
        )
        .route("/honours", get(selection::honours))
        .fallback(fallback)
}

/// An error as the API answers it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    /// Stable machine code, e.g. `not_found`.
    pub code: &'static str,
    /// What went wrong, for a person, in the language of `Accept-Language` (zh-CN unless
    /// English is asked for).
    pub message: String,
    #[serde(skip)]
    status: StatusCode,
    #[serde(skip)]
    lang: Lang,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, lang: Lang) -> ApiError {
        ApiError {
            code,
            message: t(lang, &format!("api.{code}"), &[]),
            status,
            lang,
        }
    }

    /// The same, with a message (what exactly, and why) in the caller's language after it.
    pub fn with_message(self, detail: &xianfeng_domain::i18n::Message) -> ApiError {
        let text = detail.render(self.lang);
        self.with_detail(&text)
    }

    /// The same, with a detail (e.g. which field) after the message.
    pub fn with_detail(mut self, detail: &str) -> ApiError {
        self.message = format!("{}: {detail}", self.message);
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self)).into_response()
    }
}

/// An application error as the API answers it.
pub(crate) fn refused(lang: Lang, e: xianfeng_app::AppError) -> ApiError {
    use xianfeng_app::AppError;
    use xianfeng_storage::StoreError;
    if e.is_fault() {
        return internal(lang, e);
    }
    match e {
        AppError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "not_found", lang),
        AppError::Forbidden => ApiError::new(StatusCode::FORBIDDEN, "forbidden", lang),
        AppError::Input(m) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", lang)
                .with_message(&m)
        }
        AppError::Store(StoreError::Conflict(m)) => {
            ApiError::new(StatusCode::CONFLICT, "conflict", lang).with_message(&m)
        }
        other => internal(lang, other),
    }
}

pub fn not_found_response(lang: Lang) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", lang)
}

pub fn internal(lang: Lang, e: impl std::fmt::Display) -> ApiError {
    tracing::error!("api: {e}");
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", lang)
}

/// The language asked for in `Accept-Language`: English when it comes first, else zh-CN.
pub fn api_lang(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(|v| Lang::from_tag(v.split([',', ';']).next().unwrap_or("").trim()))
        .unwrap_or_default()
}

/// The language an API caller asks for, read from the headers in place (a `HeaderMap`
/// argument would copy them all, on the ballot path too).
pub struct ApiLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for ApiLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(ApiLang(api_lang(&parts.headers)))
    }
}

/// A request with a valid bearer token; the account's password must not be awaiting a
/// change (generated passwords are changed in the browser first).
pub struct Bearer(pub Viewer, pub Lang);

impl FromRequestParts<AppState> for Bearer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let lang = api_lang(&parts.headers);
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", lang))?;
        let viewer = viewer_for_token(&state.store, token)
            .await
            .map_err(|e| internal(lang, e))?
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", lang))?;
        if viewer.session.must_change_password {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "password_change_required",
                lang,
            ));
        }
        Ok(Bearer(viewer, lang))
    }
}

/// A body that is not the JSON asked for.
pub fn json_refusal(lang: Lang, r: JsonRejection) -> ApiError {
    let (status, code) = match &r {
        JsonRejection::JsonSyntaxError(_) => (StatusCode::BAD_REQUEST, "malformed_json"),
        JsonRejection::JsonDataError(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request"),
        JsonRejection::MissingJsonContentType(_) => {
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "json_required")
        }
        _ => (StatusCode::BAD_REQUEST, "malformed_json"),
    };
    ApiError::new(status, code, lang).with_detail(&r.body_text())
}

/// Query parameters that do not parse.
pub fn query_refusal(lang: Lang, r: QueryRejection) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", lang).with_detail(&r.body_text())
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    username: String,
    password: String,
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
        (status = 401, description = "Wrong username or password", body = ApiError),
        (status = 422, description = "A field is missing", body = ApiError),
        (status = 429, description = "Too many failed attempts", body = ApiError),
    )
)]
pub async fn login(
    State(s): State<AppState>,
    PeerAddress(address): PeerAddress,
    headers: HeaderMap,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> Result<Json<LoginResponse>, ApiError> {
    let lang = api_lang(&headers);
    let Json(req) = body.map_err(|r| json_refusal(lang, r))?;
    let username = req.username.trim().to_string();
    match sign_in(&s.store, &username, req.password, &address, lang).await {
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

async fn fallback(headers: HeaderMap) -> ApiError {
    not_found_response(api_lang(&headers))
}

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "xianfeng API",
        description = "The registry of the 创先争优 campaign: organisations and members within the account's scope. Personal data is always masked."
    ),
    paths(
        login,
        registry::organisation,
        registry::children,
        registry::members,
        registry::member,
        participation::create,
        participation::get,
        participation::edit,
        participation::transition,
        participation::study,
        participation::service,
        participation::review,
        participation::figures,
        evaluation::cast,
        evaluation::rounds,
        evaluation::round_results,
        scores::periods,
        scores::rankings,
        selection::notices,
        selection::nominations,
        selection::nomination,
        selection::nominate,
        selection::transition,
        selection::recommend,
        selection::publish,
        selection::object,
        selection::objections,
        selection::finding,
        selection::honours,
    ),
    modifiers(&BearerScheme),
    tags(
        (name = "accounts", description = "Signing in"),
        (name = "registry", description = "Organisations and members"),
        (name = "commitments", description = "Public commitments and their lifecycle"),
        (name = "records", description = "Study and service records, figures for scoring"),
        (name = "reviews", description = "Leader reviews"),
        (name = "evaluation", description = "Mass evaluation: ballots, rounds, results"),
        (name = "scores", description = "Periods, scores and rankings"),
        (name = "selection", description = "Nominations, notices, objections and the honour roll"),
    )
)]
pub struct ApiDoc;

/// The OpenAPI 3 document of this API.
async fn openapi() -> Response {
    match ApiDoc::openapi().to_pretty_json() {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => internal(Lang::default(), e).into_response(),
    }
}
