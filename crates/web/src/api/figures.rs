//! Figures for scoring over the API (考核数据).

use axum::Json;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xianfeng_storage::SubjectFigures;

use super::{ApiError, Bearer, given, query_refusal, refused};
use crate::AppState;
use crate::kernel::clock::today;

pub fn router() -> Router<AppState> {
    Router::new().route("/figures", get(figures))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FiguresQuery {
    /// The organisation whose subtree is reported.
    scope: String,
    /// A period code [default: the current period].
    period: Option<String>,
    /// A themed stage's code instead of a period: figures over the stage's dates, leader
    /// reviews of every period sharing a day with it.
    stage: Option<String>,
}

/// Figures of one subject for a period.
#[derive(Serialize, ToSchema)]
pub struct Figures {
    subject_kind: String,
    subject_id: i64,
    name: String,
    organisation: String,
    items_due: i64,
    items_kept: i64,
    items_overdue: i64,
    study_hours: f64,
    service_hours: f64,
    /// Mean leader-review points; null without a review.
    review_points: Option<f64>,
    reviews: i64,
}

#[derive(Serialize, ToSchema)]
pub struct FiguresPage {
    /// The period's code.
    period: String,
    subjects: Vec<Figures>,
}

/// Figures for scoring of every subject in a subtree, for a period.
#[utoipa::path(
    get, path = "/api/v1/figures", tag = "records",
    params(FiguresQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "The figures", body = FiguresPage),
        (status = 400, description = "scope missing", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "Unknown organisation, or outside the scope", body = ApiError),
        (status = 422, description = "Unknown period", body = ApiError),
    )
)]
pub async fn figures(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    q: Result<Query<FiguresQuery>, QueryRejection>,
) -> Result<Json<FiguresPage>, ApiError> {
    let Query(q) = q.map_err(|r| query_refusal(lang, r))?;
    let over = match given(&q.stage) {
        Some(stage) => xianfeng_app::figures::Over::Stage(stage),
        None => xianfeng_app::figures::Over::Period(given(&q.period)),
    };
    let (period, rows) = xianfeng_app::figures::figures_over(
        &s.store,
        Some(&viewer.actor()),
        &q.scope,
        over,
        today(),
    )
    .await
    .map_err(|e| refused(lang, e))?;
    let hours = |t: i64| t as f64 / 10.0;
    Ok(Json(FiguresPage {
        period: period.code,
        subjects: rows
            .into_iter()
            .map(|f: SubjectFigures| Figures {
                review_points: f.review_average(),
                subject_kind: f.subject_kind.as_str().to_string(),
                subject_id: f.subject_id,
                name: f.name,
                organisation: f.organisation,
                items_due: f.items_due,
                items_kept: f.items_kept,
                items_overdue: f.items_overdue,
                study_hours: hours(f.study_tenths),
                service_hours: hours(f.service_tenths),
                reviews: f.reviews,
            })
            .collect(),
    }))
}
