//! Study and service records over the API (比学习, 比服务).

use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xianfeng_app::records::{self, Batch};
use xianfeng_domain::i18n::Lang;
use xianfeng_storage::RecordKind;

use super::{ApiError, Bearer, json_refusal, refused};
use crate::AppState;
use crate::kernel::clock::today;
use crate::kernel::viewer::Viewer;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/organisations/{code}/study-records", post(study))
        .route("/organisations/{code}/service-records", post(service))
}

/// Hours of one member in a batch.
#[derive(Deserialize, ToSchema)]
pub struct MemberHours {
    member_id: i64,
    /// Hours, e.g. `1.5`.
    hours: String,
}

#[derive(Deserialize, ToSchema)]
pub struct RecordBatch {
    /// Study: the topic; service: what was done.
    text: String,
    /// Study: the form (`group`, `self`, `three-one`, `lecture`, `online`, `other`);
    /// service: a carrier id, or empty.
    #[serde(default)]
    kind: String,
    /// ISO date.
    on: String,
    hours: Vec<MemberHours>,
}

#[derive(Serialize, ToSchema)]
pub struct Written {
    written: usize,
}

async fn enter(
    s: &AppState,
    viewer: &Viewer,
    lang: Lang,
    kind: RecordKind,
    code: &str,
    req: RecordBatch,
) -> Result<(StatusCode, Json<Written>), ApiError> {
    let hours: Vec<(i64, String)> = req
        .hours
        .into_iter()
        .map(|h| (h.member_id, h.hours))
        .collect();
    let batch = Batch {
        text: &req.text,
        kind: &req.kind,
        on: &req.on,
        hours: &hours,
    };
    let written = records::enter(&s.store, &viewer.actor(), kind, code, &batch, today())
        .await
        .map_err(|e| refused(lang, e))?;
    Ok((StatusCode::CREATED, Json(Written { written })))
}

/// Study records (比学习) for members of an organisation, one sitting.
#[utoipa::path(
    post, path = "/api/v1/organisations/{code}/study-records", tag = "records",
    params(("code" = String, Path, description = "Organisation code")),
    request_body = RecordBatch, security(("bearer" = [])),
    responses(
        (status = 201, description = "Written", body = Written),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "The account may not enter these records", body = ApiError),
        (status = 404, description = "Unknown organisation or member, or outside the scope", body = ApiError),
        (status = 422, description = "A value is wrong (the message names it)", body = ApiError),
    )
)]
pub async fn study(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    Path(code): Path<String>,
    body: Result<Json<RecordBatch>, JsonRejection>,
) -> Result<(StatusCode, Json<Written>), ApiError> {
    let Json(req) = body.map_err(|r| json_refusal(lang, r))?;
    enter(&s, &viewer, lang, RecordKind::Study, &code, req).await
}

/// Volunteer service records (比服务) for members of an organisation.
#[utoipa::path(
    post, path = "/api/v1/organisations/{code}/service-records", tag = "records",
    params(("code" = String, Path, description = "Organisation code")),
    request_body = RecordBatch, security(("bearer" = [])),
    responses(
        (status = 201, description = "Written", body = Written),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "The account may not enter these records", body = ApiError),
        (status = 404, description = "Unknown organisation, member or carrier, or outside the scope", body = ApiError),
        (status = 422, description = "A value is wrong (the message names it)", body = ApiError),
    )
)]
pub async fn service(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    Path(code): Path<String>,
    body: Result<Json<RecordBatch>, JsonRejection>,
) -> Result<(StatusCode, Json<Written>), ApiError> {
    let Json(req) = body.map_err(|r| json_refusal(lang, r))?;
    enter(&s, &viewer, lang, RecordKind::Service, &code, req).await
}
