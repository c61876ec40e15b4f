//! Organisations and members over the API, decided by the same policy as the pages: out
//! of scope answers exactly like an unknown code (404), inside it but not permitted 403.

use axum::Json;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xianfeng_app::registry::{self, OrgSummary};
use xianfeng_storage::{MemberRecord, OrgRecord};

use super::refused;
use super::{ApiError, Bearer, not_found_response, query_refusal};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/organisations/{code}", get(organisation))
        .route("/organisations/{code}/children", get(children))
        .route("/organisations/{code}/members", get(members))
        .route(
            "/organisations/{code}/teams",
            get(teams).post(super::teams::create_team),
        )
        .route("/members/{id}", get(member))
}

/// An organisation (党组织).
#[derive(Serialize, ToSchema)]
pub struct Organisation {
    code: String,
    name: String,
    /// `municipal_committee`, `county_committee`, `working_committee`, `committee`,
    /// `general_branch` or `branch`.
    kind: String,
    /// The category code (分类指导), if any.
    category: Option<String>,
    /// The sector (行业), if any.
    sector: Option<String>,
    /// The parent's code; null for a root or when the parent lies outside the account's scope.
    parent: Option<String>,
    /// Organisations in the subtree, this one included.
    organisations: i64,
    /// Members in the subtree.
    members: i64,
    /// Members directly in this organisation.
    direct_members: i64,
}

/// A member (党员); personal data masked.
#[derive(Serialize, ToSchema)]
pub struct Member {
    id: i64,
    name: String,
    /// `male` or `female`.
    gender: String,
    /// `formal` or `probationary`.
    member_type: String,
    position: Option<String>,
    ethnicity: Option<String>,
    /// The year of birth (the full date is not served); null for an account that does not
    /// keep the roster.
    birth_year: Option<i64>,
    joined_on: Option<String>,
    /// The ID number with the middle hidden.
    /// Null for an account that does not keep the roster (docs/SECURITY.md).
    id_masked: Option<String>,
    phone_masked: Option<String>,
    /// The code of the member's organisation.
    organisation: String,
}

#[derive(Serialize, ToSchema)]
pub struct MemberPage {
    items: Vec<Member>,
    /// Members directly in the organisation.
    total: i64,
    limit: i64,
    offset: i64,
}

/// Paging: `limit` (1–500, default 50) and `offset` (default 0).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// Members per page [default: 50].
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// Members to skip [default: 0]; a city has far fewer than a billion.
    #[param(minimum = 0, maximum = 1_000_000_000)]
    offset: Option<i64>,
}

const MAX_LIMIT: i64 = 500;

fn organisation_json(s: &OrgSummary, parent: Option<&OrgRecord>) -> Organisation {
    let o = &s.org;
    Organisation {
        code: o.code.clone(),
        name: o.name.clone(),
        kind: o.kind.as_str().to_string(),
        category: o.category.clone(),
        sector: o.sector.clone(),
        parent: parent.map(|p| p.code.clone()),
        organisations: s.organisations,
        members: s.members,
        direct_members: o.member_count,
    }
}

fn member_json(m: MemberRecord) -> Member {
    Member {
        id: m.id,
        name: m.name,
        gender: m.gender.as_str().to_string(),
        member_type: m.member_type.as_str().to_string(),
        position: m.position,
        ethnicity: m.ethnicity,
        birth_year: m.birth_year,
        joined_on: m.joined_on.map(|d| d.to_string()),
        id_masked: Some(m.id_masked).filter(|s| !s.is_empty()),
        phone_masked: m.phone_masked,
        organisation: m.org_code,
    }
}

/// One organisation.
#[utoipa::path(
    get, path = "/api/v1/organisations/{code}", tag = "registry",
    params(("code" = String, Path, description = "Organisation code")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The organisation", body = Organisation),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "Unknown, or outside the account's scope", body = ApiError),
    )
)]
pub async fn organisation(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    Path(code): Path<String>,
) -> Result<Json<Organisation>, ApiError> {
    let view = registry::org_view(&s.store, &viewer.principal, &code)
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(Json(organisation_json(&view.summary, view.parent.as_ref())))
}

/// The organisations directly under one, those the account may see.
#[utoipa::path(
    get, path = "/api/v1/organisations/{code}/children", tag = "registry",
    params(("code" = String, Path, description = "Organisation code")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The children, by code", body = [Organisation]),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "Unknown, or outside the account's scope", body = ApiError),
    )
)]
pub async fn children(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    Path(code): Path<String>,
) -> Result<Json<Vec<Organisation>>, ApiError> {
    let (org, kids) = registry::children(&s.store, &viewer.principal, &code)
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(Json(
        kids.iter()
            .map(|k| organisation_json(k, Some(&org)))
            .collect(),
    ))
}

/// The members directly in an organisation, a page at a time, by name.
#[utoipa::path(
    get, path = "/api/v1/organisations/{code}/members", tag = "registry",
    params(("code" = String, Path, description = "Organisation code"), Paging),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of members", body = MemberPage),
        (status = 400, description = "Bad paging parameters", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "The account may not see members", body = ApiError),
        (status = 404, description = "Unknown, or outside the account's scope", body = ApiError),
    )
)]
pub async fn members(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    Path(code): Path<String>,
    paging: Result<Query<Paging>, QueryRejection>,
) -> Result<Json<MemberPage>, ApiError> {
    let Query(paging) = paging.map_err(|r| query_refusal(lang, r))?;
    let limit = paging.limit.unwrap_or(50);
    let offset = paging.offset.unwrap_or(0);
    if !(1..=MAX_LIMIT).contains(&limit) || !(0..=1_000_000_000).contains(&offset) {
        return Err(
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", lang)
                .with_detail("limit 1..=500, offset 0..=1000000000"),
        );
    }
    let (org, items) = registry::members(&s.store, &viewer.principal, &code, limit, offset)
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(Json(MemberPage {
        items: items.into_iter().map(member_json).collect(),
        total: org.member_count,
        limit,
        offset,
    }))
}

/// A leadership team (领导班子) and its cadres.
#[derive(Serialize, ToSchema)]
pub struct Team {
    id: i64,
    name: String,
    /// 班子类别: `party_committee`, `government`, `peoples_congress`,
    /// `political_consultative`, `township`, `department` or `other`; null when not given.
    category: Option<String>,
    /// Its principal leader first.
    cadres: Vec<Cadre>,
}

/// A cadre (领导干部) in a team (no personal data: the ID number stays in the registry).
#[derive(Serialize, ToSchema)]
pub struct Cadre {
    id: i64,
    name: String,
    position: String,
    /// 主要负责人 (第一责任人) of the team.
    is_head: bool,
    /// 任职时间, an ISO date; null when not given.
    since: Option<String>,
}

/// The leadership teams of an organisation, with their cadres.
#[utoipa::path(
    get, path = "/api/v1/organisations/{code}/teams", tag = "registry",
    params(("code" = String, Path, description = "Organisation code")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The teams, by name", body = [Team]),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "The account may not see the organisation's people", body = ApiError),
        (status = 404, description = "Unknown, or outside the account's scope", body = ApiError),
    )
)]
pub async fn teams(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    Path(code): Path<String>,
) -> Result<Json<Vec<Team>>, ApiError> {
    let found = registry::teams_of(&s.store, &viewer.principal, &code)
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(Json(
        found
            .into_iter()
            .map(|(t, cadres)| Team {
                id: t.id,
                name: t.name,
                category: t.category.map(|c| c.as_str().to_string()),
                cadres: cadres
                    .into_iter()
                    .map(|c| Cadre {
                        id: c.id,
                        name: c.name,
                        position: c.position,
                        is_head: c.is_head,
                        since: c.since.map(|d| d.to_string()),
                    })
                    .collect(),
            })
            .collect(),
    ))
}

/// One member.
#[utoipa::path(
    get, path = "/api/v1/members/{id}", tag = "registry",
    params(("id" = i64, Path, description = "Member id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The member, personal data masked", body = Member),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "The account may not see this member's personal data (only who keeps the roster, and the member herself)", body = ApiError),
        (status = 404, description = "Unknown, or outside the account's scope", body = ApiError),
    )
)]
pub async fn member(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    Path(id): Path<String>,
) -> Result<Json<Member>, ApiError> {
    // An id that is not a number is as unknown as a number nobody has.
    let Ok(id) = id.parse::<i64>() else {
        return Err(not_found_response(lang));
    };
    let (m, _) = registry::member(&s.store, &viewer.principal, id)
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(Json(member_json(m)))
}
