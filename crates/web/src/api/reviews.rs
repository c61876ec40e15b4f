//! Leader reviews over the API (领导点评).

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::routing::post;
use serde::Deserialize;
use utoipa::ToSchema;
use xianfeng_app::reviews::{self, ReviewInput};

use super::{ApiError, Bearer, Created, json_refusal, refused, subject_kind};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/reviews", post(review))
}

#[derive(Deserialize, ToSchema)]
pub struct NewReview {
    subject_kind: String,
    subject_id: i64,
    /// A period code of the campaign file, e.g. `2011-h1`.
    period: String,
    /// A grade code of the campaign file, e.g. `good`.
    grade: String,
    comment: String,
}

/// A leader review of an assigned subject for a period; a second one replaces the first.
#[utoipa::path(
    post, path = "/api/v1/reviews", tag = "reviews",
    request_body = NewReview, security(("bearer" = [])),
    responses(
        (status = 201, description = "Written", body = Created),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Not assigned to this reviewer", body = ApiError),
        (status = 404, description = "Unknown subject, or outside the scope", body = ApiError),
        (status = 422, description = "Unknown period or grade, or no comment", body = ApiError),
    )
)]
pub async fn review(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    body: Result<Json<NewReview>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let Json(req) = body.map_err(|r| json_refusal(lang, r))?;
    let k = subject_kind(lang, &req.subject_kind)?;
    let input = ReviewInput {
        period: &req.period,
        grade: &req.grade,
        comment: &req.comment,
    };
    let today = crate::kernel::clock::today();
    let id = reviews::write(&s.store, &viewer.actor(), k, req.subject_id, &input, today)
        .await
        .map_err(|e| refused(lang, e))?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}
