//! Leadership teams and cadres written over the API (领导班子, 领导干部), by the same
//! services and policy as the pages: a team made, a cadre's post added, ended (离任) or
//! moved to another team (调任). Reading them is `registry`'s
//! `GET /api/v1/organisations/{code}/teams`.

use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xianfeng_app::AppError;
use xianfeng_app::teams::{self as service, CadreForm, Move, TeamForm};

use super::{ApiError, ApiPath, Bearer, json_refusal, refused};
use crate::AppState;
use crate::kernel::clock::today;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/teams/{id}/cadres", post(add_cadre))
        .route("/cadres/{id}/leave", post(leave))
        .route("/cadres/{id}/move", post(move_post))
}

/// A team to make in an organisation.
#[derive(Deserialize, ToSchema)]
pub struct TeamInput {
    /// 班子名称, unique within the organisation (an existing one has its kind updated).
    name: String,
    /// 班子类别: a code (`party_committee`, `government`, `peoples_congress`,
    /// `political_consultative`, `township`, `department`, `other`) or its Chinese name.
    #[serde(default)]
    category: Option<String>,
}

/// A cadre's post to add to a team, checked as a row of the cadres' sheet.
#[derive(Deserialize, ToSchema)]
pub struct CadreInput {
    name: String,
    /// The 18-character ID number; never served back.
    id_number: String,
    position: String,
    /// 主要负责人: takes the mark from whoever held it.
    #[serde(default)]
    is_head: bool,
    /// 任职时间, an ISO date.
    #[serde(default)]
    since: Option<String>,
}

/// The day a post ends.
#[derive(Deserialize, ToSchema)]
pub struct LeaveInput {
    /// ISO date, not in the future, not before the post began.
    on: String,
}

/// Where a cadre moves: a team named by its organisation's code and its name.
#[derive(Deserialize, ToSchema)]
pub struct MoveInput {
    to_org: String,
    to_team: String,
    position: String,
    #[serde(default)]
    is_head: bool,
    /// ISO date the old post ends and the new one begins.
    on: String,
}

/// What was made or changed.
#[derive(Serialize, ToSchema)]
pub struct Made {
    id: i64,
}

/// Makes a leadership team in an organisation.
#[utoipa::path(
    post, path = "/api/v1/organisations/{code}/teams", tag = "registry",
    params(("code" = String, Path, description = "Organisation code")),
    request_body = TeamInput, security(("bearer" = [])),
    responses(
        (status = 201, description = "The team", body = Made),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "The account may not write this organisation", body = ApiError),
        (status = 404, description = "Unknown, or outside the account's scope", body = ApiError),
        (status = 422, description = "A value is wrong (the message names it)", body = ApiError),
    )
)]
pub async fn create_team(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    Path(code): Path<String>,
    body: Result<Json<TeamInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Made>), ApiError> {
    let Json(req) = body.map_err(|r| json_refusal(lang, r))?;
    let form = TeamForm {
        name: req.name,
        category: req.category.unwrap_or_default(),
    };
    let id = service::create_team(&s.store, &viewer.actor(), &code, &form)
        .await
        .map_err(|e| refused(lang, e))?;
    Ok((StatusCode::CREATED, Json(Made { id })))
}

/// Adds a cadre's post to a team (or brings the person's post there up to date).
#[utoipa::path(
    post, path = "/api/v1/teams/{id}/cadres", tag = "registry",
    params(("id" = i64, Path, description = "Team id")),
    request_body = CadreInput, security(("bearer" = [])),
    responses(
        (status = 201, description = "The cadre's post", body = Made),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "The account may not write the team's organisation", body = ApiError),
        (status = 404, description = "Unknown team, or outside the account's scope", body = ApiError),
        (status = 422, description = "A value is wrong (the message names the field)", body = ApiError),
    )
)]
pub async fn add_cadre(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<CadreInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Made>), ApiError> {
    let Json(req) = body.map_err(|r| json_refusal(lang, r))?;
    let form = CadreForm {
        name: req.name,
        id_number: req.id_number,
        position: req.position,
        is_head: if req.is_head {
            "是".into()
        } else {
            String::new()
        },
        since: req.since.unwrap_or_default(),
    };
    let id = service::add_cadre(&s.store, &viewer.actor(), id, &form, today())
        .await
        .map_err(|e| refused(lang, e))?;
    Ok((StatusCode::CREATED, Json(Made { id })))
}

/// Ends a cadre's post (离任); what happened while she held it stays with it.
#[utoipa::path(
    post, path = "/api/v1/cadres/{id}/leave", tag = "registry",
    params(("id" = i64, Path, description = "The post (cadre) id")),
    request_body = LeaveInput, security(("bearer" = [])),
    responses(
        (status = 200, description = "The post ended", body = Made),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "The account may not write the team's organisation", body = ApiError),
        (status = 404, description = "Unknown, or outside the account's scope", body = ApiError),
        (status = 422, description = "A bad day, or a post that has ended", body = ApiError),
    )
)]
pub async fn leave(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<LeaveInput>, JsonRejection>,
) -> Result<Json<Made>, ApiError> {
    let Json(req) = body.map_err(|r| json_refusal(lang, r))?;
    service::post_to_change(&s.store, &viewer.principal, id)
        .await
        .map_err(|e| refused(lang, e))?;
    let on = AppError::day(&req.on).map_err(|e| refused(lang, e))?;
    service::end_post(&s.store, &viewer.actor(), id, on, today())
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(Json(Made { id }))
}

/// Moves a cadre to another team (调任): the post ends and a new one begins there.
#[utoipa::path(
    post, path = "/api/v1/cadres/{id}/move", tag = "registry",
    params(("id" = i64, Path, description = "The post (cadre) id")),
    request_body = MoveInput, security(("bearer" = [])),
    responses(
        (status = 201, description = "The new post", body = Made),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "The account may not write the team's organisation", body = ApiError),
        (status = 404, description = "Unknown, or outside the account's scope", body = ApiError),
        (status = 409, description = "She holds or held a post in that team already", body = ApiError),
        (status = 422, description = "An unknown team, a bad day or position", body = ApiError),
    )
)]
pub async fn move_post(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<MoveInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Made>), ApiError> {
    let Json(req) = body.map_err(|r| json_refusal(lang, r))?;
    service::post_to_change(&s.store, &viewer.principal, id)
        .await
        .map_err(|e| refused(lang, e))?;
    let on = AppError::day(&req.on).map_err(|e| refused(lang, e))?;
    let new = service::move_post(
        &s.store,
        &viewer.actor(),
        id,
        &Move {
            to_org: &req.to_org,
            to_team: &req.to_team,
            position: &req.position,
            is_head: req.is_head,
            on,
        },
        today(),
    )
    .await
    .map_err(|e| refused(lang, e))?;
    Ok((StatusCode::CREATED, Json(Made { id: new })))
}
