//! The JSON API (`/api/v1`): the registry for scripts, authenticated by a bearer token
//! from `POST /api/v1/login`. Every error is `{"code": …, "message": …}` with a code that
//! stays the same across releases (docs/API.md lists them). The OpenAPI document at
//! `/api/v1/openapi.json` is generated from these handlers.

mod accounts;
mod bulletins;
mod commitments;
mod evaluation;
mod figures;
mod inspections;
mod publicity;
mod records;
mod registry;
mod reviews;
mod scores;
mod selection;
mod teams;

use axum::extract::FromRequestParts;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use xianfeng_domain::i18n::{Lang, t};
use xianfeng_domain::subject::SubjectKind;

use crate::AppState;
use crate::kernel::session::viewer_for_token;
use crate::kernel::viewer::Viewer;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(accounts::router())
        .route("/openapi.json", get(openapi))
        .merge(registry::router())
        .merge(commitments::router())
        .merge(records::router())
        .merge(reviews::router())
        .merge(figures::router())
        .merge(evaluation::router())
        .merge(scores::router())
        .merge(selection::router())
        .merge(teams::router())
        .merge(inspections::router())
        .merge(bulletins::router())
        .merge(publicity::router())
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
}

/// A path parameter that does not parse (`/commitments/abc`) is an unknown record, in JSON
/// like every other API error.
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(_) => Err(not_found_response(api_lang(&parts.headers))),
        }
    }
}

async fn method_not_allowed(headers: HeaderMap) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        api_lang(&headers),
    )
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
    /// The database refused the work for a concurrent writer: serve the request again.
    #[serde(skip)]
    again: bool,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, lang: Lang) -> ApiError {
        ApiError {
            code,
            message: t(lang, &format!("api.{code}"), &[]),
            status,
            lang,
            again: false,
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
        let again = self.again;
        let mut response = (self.status, Json(self)).into_response();
        if again {
            response
                .extensions_mut()
                .insert(crate::kernel::retry::Again);
        }
        response
    }
}

/// The subject kind named in a request body.
fn subject_kind(lang: Lang, s: &str) -> Result<SubjectKind, ApiError> {
    SubjectKind::parse(s).ok_or_else(|| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", lang)
            .with_detail("subject_kind: organisation, member, team or cadre")
    })
}

/// The id of what a request created.
#[derive(Serialize, ToSchema)]
pub struct Created {
    id: i64,
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

/// Logs what went wrong and answers 500; a refusal of the database for a concurrent
/// writer is marked for the request to be served again (kernel::retry).
pub fn internal(lang: Lang, e: impl std::fmt::Display + std::any::Any) -> ApiError {
    let mut answer = ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", lang);
    if crate::kernel::retry::is_retryable(&e) {
        tracing::info!("api: {e}");
        answer.again = true;
    } else {
        tracing::error!("api: {e}");
    }
    answer
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
        crate::kernel::security_log::Account::note(parts, &viewer.session.username);
        // A cookie's token still waiting for its second factor is no key to the API.
        if viewer.session.second_factor_pending {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "second_factor_required",
                lang,
            ));
        }
        if state.config.require_second_factor
            && xianfeng_domain::second_factor::required_for(viewer.session.role)
            && !viewer.session.has_second_factor
        {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "second_factor_setup_required",
                lang,
            ));
        }
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
        // Over the configured body limit: what the limit says, not "malformed".
        _ if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large")
        }
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
/// A query parameter's value, with an empty one (`period=`, as a form sends it) taken as
/// not given.
pub fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.trim().is_empty())
}

pub fn query_refusal(lang: Lang, r: QueryRejection) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", lang).with_detail(&r.body_text())
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

/// The errors every operation can answer, added to each so that the document lists every
/// status a client can meet (docs/API.md, "Errors"): a body or query that does not parse
/// (400), no valid token and a role that may not (401, 403, where a token is needed), an
/// unknown address or record (404), a body too large or not JSON (413, 415, where a body
/// is taken), and a fault (500).
struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ApiError")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let body = op.request_body.is_some();
                let mut add = |status: &str, description: &str| {
                    op.responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| error(description).into());
                };
                add(
                    "400",
                    "A body that is not JSON, or a query parameter that does not parse or is out of range",
                );
                if secured {
                    add("401", "No valid token");
                    add(
                        "403",
                        "The role may not do this, or the password must be changed first",
                    );
                }
                add("404", "No such record, or outside the account's scope");
                if body {
                    add("413", "The body is over the configured limit");
                    add("415", "The body is not sent as application/json");
                    add("422", "A field is missing or has the wrong type");
                }
                add("500", "A fault on the server (logged)");
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "xianfeng API",
        description = "The registry of the 创先争优 campaign: organisations and members within the account's scope. Personal data is always masked."
    ),
    paths(
        accounts::login,
        registry::organisation,
        registry::children,
        registry::members,
        registry::teams,
        registry::member,
        teams::create_team,
        teams::add_cadre,
        teams::leave,
        teams::move_post,
        commitments::create,
        commitments::get,
        commitments::edit,
        commitments::transition,
        records::study,
        records::service,
        reviews::review,
        figures::figures,
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
        inspections::plans,
        inspections::create,
        inspections::publish,
        inspections::draw,
        inspections::close,
        inspections::record,
        inspections::tasks,
        inspections::task,
        inspections::finding,
        inspections::submit,
        inspections::rectifications,
        inspections::report,
        inspections::decision,
        inspections::results,
        inspections::public_record,
        bulletins::list,
        bulletins::one,
        publicity::list_models,
        publicity::one_model,
        publicity::propose,
        publicity::list_practices,
        publicity::one_practice,
        publicity::list_delegations,
        publicity::one_delegation,
        publicity::schedule,
    ),
    modifiers(&BearerScheme, &CommonErrors),
    tags(
        (name = "accounts", description = "Signing in"),
        (name = "registry", description = "Organisations and members"),
        (name = "commitments", description = "Public commitments and their lifecycle"),
        (name = "records", description = "Study and service records, figures for scoring"),
        (name = "reviews", description = "Leader reviews"),
        (name = "evaluation", description = "Mass evaluation: ballots, rounds, results"),
        (name = "scores", description = "Periods, scores and rankings"),
        (name = "selection", description = "Nominations, notices, objections and the honour roll"),
        (name = "inspections", description = "Supervision: plans, draws, findings, rectification, published results"),
        (name = "bulletins", description = "Bulletins and reports drafted from the data"),
        (name = "publicity", description = "The model library, good practices, lecture delegations and sessions"),
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
