//! Periods and rankings over the API (横向比位次, 纵向比增幅): the same tables as the
//! dashboard and the Excel export.

use axum::Json;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xianfeng_app::score_tables::{MAX_LIMIT, TableQuery, table};
use xianfeng_app::scores::PeerSet;
use xianfeng_domain::subject::SubjectKind;

use super::refused;
use super::{ApiError, Bearer, given, query_refusal};
use crate::AppState;
use crate::kernel::clock::today;

/// The furthest a page may start, as the document says.
const MAX_OFFSET: usize = 1_000_000_000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/periods", get(periods))
        .route("/rankings", get(rankings))
}

/// An assessment period (考核周期).
#[derive(Serialize, ToSchema)]
pub struct PeriodOut {
    /// The period's code, e.g. `2011-h1`.
    id: String,
    name: String,
    starts_on: String,
    ends_on: String,
    /// Closed: its scores are a frozen snapshot.
    closed: bool,
    /// The period used when none is named.
    current: bool,
}

/// The campaign's assessment periods, in order.
#[utoipa::path(
    get, path = "/api/v1/periods", tag = "scores", security(("bearer" = [])),
    responses(
        (status = 200, description = "The periods", body = [PeriodOut]),
        (status = 401, description = "No valid token", body = ApiError),
    )
)]
pub async fn periods(
    State(s): State<AppState>,
    Bearer(_, lang): Bearer,
) -> Result<Json<Vec<PeriodOut>>, ApiError> {
    let (campaign_id, campaign) = xianfeng_app::scope::campaign(&s.store)
        .await
        .map_err(|e| refused(lang, e))?;
    let closed = s
        .store
        .scores()
        .closures(campaign_id)
        .await
        .map_err(|e| refused(lang, e.into()))?;
    let current = xianfeng_app::figures::default_period(&campaign, today()).map(|p| p.code);
    Ok(Json(
        campaign
            .periods()
            .into_iter()
            .map(|p| PeriodOut {
                closed: closed.iter().any(|c| c.period == p.code),
                current: current.as_deref() == Some(p.code.as_str()),
                id: p.code,
                name: p.name,
                starts_on: p.starts_on.to_string(),
                ends_on: p.ends_on.to_string(),
            })
            .collect(),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RankingsQuery {
    /// A campaign's id, to read a closed campaign's rankings [default: the campaign in
    /// use]; a draft's reads as not found.
    campaign: Option<i64>,
    /// A period code [default: the current period].
    period: Option<String>,
    /// A themed stage's code instead of a period: each subject's mean score over the
    /// periods sharing a day with the stage (no growth, grade or criteria).
    stage: Option<String>,
    /// An organisation code: the subjects in its subtree [default: the account's own top
    /// organisation].
    scope: Option<String>,
    /// `organisation` (default), `member`, `team` or `cadre`.
    kind: Option<String>,
    /// A category code of the campaign file (分类).
    category: Option<String>,
    /// A level: the organisation kind, e.g. `branch`.
    level: Option<String>,
    /// Rows per page: default 100, at most 10,000.
    #[param(minimum = 1, maximum = 10000)]
    limit: Option<usize>,
    /// Rows to skip [default: 0]; a ranking has far fewer than a billion rows.
    #[param(minimum = 0, maximum = 1_000_000_000)]
    offset: Option<usize>,
}

/// One subject's place among the peers selected.
#[derive(Serialize, ToSchema)]
pub struct RankingRow {
    code: String,
    name: String,
    /// Competition rank by score among the peers selected (equal scores share a rank).
    rank: u32,
    score: f64,
    /// The score in the previous period; null without one.
    previous_score: Option<f64>,
    /// `score - previous_score`; null without a previous score.
    growth: Option<f64>,
    /// Competition rank by growth among the peers that have one.
    growth_rank: Option<u32>,
    /// Growth as a percentage of the previous score.
    growth_percent: Option<f64>,
    /// The grade as the campaign file names it; null without a grading rule, and for a
    /// score that rests on one part alone.
    grade: Option<String>,
    /// The part (`self_assessment`, `leader_review`, `mass_evaluation`, `commitments`,
    /// `activity`, `indicators`) the score rests on when it rests on one alone; null
    /// otherwise. Such a score is ranked but not graded.
    only_part: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RankingPage {
    period: String,
    kind: String,
    /// Peers ranked in all (every page).
    total: usize,
    limit: usize,
    offset: usize,
    rows: Vec<RankingRow>,
}

/// Rankings of one kind of subject among the peers a query selects, ordered by rank.
#[utoipa::path(
    get, path = "/api/v1/rankings", tag = "scores",
    params(RankingsQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of the ranking", body = RankingPage),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "Unknown organisation or campaign, or outside the scope", body = ApiError),
        (status = 400, description = "A query parameter that does not parse, or a limit out of range", body = ApiError),
        (status = 422, description = "Unknown period, stage or kind", body = ApiError),
    )
)]
pub async fn rankings(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    q: Result<Query<RankingsQuery>, QueryRejection>,
) -> Result<Json<RankingPage>, ApiError> {
    let Query(q) = q.map_err(|r| query_refusal(lang, r))?;
    let kind = match given(&q.kind) {
        None => SubjectKind::Organisation,
        Some(k) => SubjectKind::parse(k).ok_or_else(|| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", lang)
                .with_detail("kind: organisation | member | team | cadre")
        })?,
    };
    if q.limit.is_some_and(|l| l == 0 || l > MAX_LIMIT) || q.offset.is_some_and(|o| o > MAX_OFFSET)
    {
        return Err(
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", lang)
                .with_detail(&format!("limit: 1–{MAX_LIMIT}, offset: 0–{MAX_OFFSET}")),
        );
    }
    let query = TableQuery {
        campaign: q.campaign,
        period: given(&q.period),
        set: PeerSet {
            kind: Some(kind),
            scope: given(&q.scope),
            category: given(&q.category),
            level: given(&q.level),
        },
        limit: q.limit,
        offset: q.offset.unwrap_or(0),
    };
    let viewer_p = Some(&viewer.principal);
    let t = match given(&q.stage) {
        Some(stage) => {
            xianfeng_app::score_tables::stage_table(
                &s.store,
                &s.scores,
                viewer_p,
                &query,
                stage,
                today(),
            )
            .await
        }
        None => table(&s.store, &s.scores, viewer_p, &query, today()).await,
    }
    .map_err(|e| refused(lang, e))?;
    Ok(Json(RankingPage {
        period: t.period.code,
        kind: kind.as_str().to_string(),
        total: t.total,
        limit: t.limit,
        offset: t.offset,
        rows: t
            .rows
            .into_iter()
            .map(|r| RankingRow {
                code: r.code,
                name: r.name,
                rank: r.rank,
                score: r.score,
                previous_score: r.previous_score,
                growth: r.growth,
                growth_rank: r.growth_rank,
                growth_percent: r.growth_percent,
                grade: r.grade,
                only_part: r.only_part,
            })
            .collect(),
    }))
}
