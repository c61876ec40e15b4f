//! Mass evaluation over the API: casting a ballot with its code (no sign-in: the code is
//! the credential), and rounds and their results for accounts.

use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use xianfeng_app::evaluation::{Refused, SubjectResult, cast_with_code, results};
use xianfeng_domain::ballot::{Ballot, Verdict};

use super::{ApiError, ApiLang, Bearer, json_refusal};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ballots", post(cast))
        .route("/rounds", get(rounds))
        .route("/rounds/{id}/results", get(round_results))
}

#[derive(Deserialize, ToSchema)]
pub struct BallotRequest {
    /// The ballot code, as printed (hyphens and case do not matter).
    code: String,
    /// `satisfied`, `basically_satisfied` or `dissatisfied`.
    verdict: String,
    /// Optional ratings 1–5 by criterion code of the subject's standard.
    #[serde(default)]
    ratings: BTreeMap<String, u8>,
    #[serde(default)]
    comment: String,
}

#[derive(Serialize, ToSchema)]
pub struct Accepted {
    accepted: bool,
}

/// Casts a ballot with its code. Accepted once per code; the code is the credential.
#[utoipa::path(
    post, path = "/api/v1/ballots", tag = "evaluation",
    request_body = BallotRequest,
    responses(
        (status = 201, description = "Accepted", body = Accepted),
        (status = 400, description = "Malformed JSON", body = ApiError),
        (status = 403, description = "Outside the round's dates", body = ApiError),
        (status = 404, description = "Unknown or mistyped code", body = ApiError),
        (status = 409, description = "The code has been used", body = ApiError),
        (status = 422, description = "Invalid ballot", body = ApiError),
        (status = 429, description = "Too many failed codes from this address", body = ApiError),
    )
)]
pub async fn cast(
    State(s): State<AppState>,
    ApiLang(lang): ApiLang,
    crate::kernel::client::ClientAddress(address): crate::kernel::client::ClientAddress,
    body: Result<Json<BallotRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let Json(req) = body.map_err(|r| json_refusal(lang, r))?;
    let verdict = Verdict::parse(&req.verdict).ok_or_else(|| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_ballot", lang)
            .with_detail("verdict: satisfied, basically_satisfied or dissatisfied")
    })?;
    let ballot = Ballot {
        verdict,
        ratings: req.ratings,
        comment: req.comment,
    };
    let today = crate::kernel::clock::today();
    match cast_with_code(&s.store, &s.ballots, &req.code, &ballot, &address, today).await {
        Ok(Ok(())) => Ok((StatusCode::CREATED, Json(Accepted { accepted: true }))),
        Ok(Err(Refused::UnknownCode(why))) => {
            Err(ApiError::new(StatusCode::NOT_FOUND, "unknown_code", lang).with_message(&why))
        }
        Ok(Err(Refused::Used)) => Err(ApiError::new(StatusCode::CONFLICT, "code_used", lang)),
        Ok(Err(Refused::OutsideDates { starts_on, ends_on })) => {
            Err(ApiError::new(StatusCode::FORBIDDEN, "round_closed", lang)
                .with_detail(&format!("{starts_on} – {ends_on}")))
        }
        Ok(Err(Refused::TooMany)) => Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            lang,
        )),
        Ok(Err(Refused::Guessing)) => Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_wrong_codes",
            lang,
        )),
        Ok(Err(Refused::Invalid(why))) => {
            Err(
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_ballot", lang)
                    .with_message(&why),
            )
        }
        Err(e) => Err(super::internal(lang, e)),
    }
}

/// An evaluation round.
#[derive(Serialize, ToSchema)]
pub struct Round {
    id: i64,
    name: String,
    /// `organisation`, `member`, `team` or `cadre`.
    subject_kind: String,
    /// `codes` or `open`.
    mode: String,
    starts_on: String,
    ends_on: String,
    /// The scope organisation's code.
    scope: String,
}

/// The rounds whose scope the account may see.
#[utoipa::path(
    get, path = "/api/v1/rounds", tag = "evaluation", security(("bearer" = [])),
    responses(
        (status = 200, description = "Rounds, newest first", body = [Round]),
        (status = 401, description = "No valid token", body = ApiError),
    )
)]
pub async fn rounds(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
) -> Result<Json<Vec<Round>>, ApiError> {
    let rounds = xianfeng_app::evaluation::visible_rounds(&s.store, &viewer.principal)
        .await
        .map_err(|e| super::internal(lang, e))?;
    let out = rounds
        .into_iter()
        .map(|(r, scope)| Round {
            id: r.id,
            name: r.name,
            subject_kind: r.subject_kind.as_str().to_string(),
            mode: r.mode.as_str().to_string(),
            starts_on: r.starts_on.to_string(),
            ends_on: r.ends_on.to_string(),
            scope: scope.code,
        })
        .collect();
    Ok(Json(out))
}

/// A subject's live results.
#[derive(Serialize, ToSchema)]
pub struct SubjectResults {
    subject_id: i64,
    /// The subject's organisation code.
    code: String,
    name: String,
    satisfied: u64,
    basically_satisfied: u64,
    dissatisfied: u64,
    /// 满意率: (satisfied + basically satisfied) / valid; null without ballots.
    satisfaction: Option<f64>,
    /// Weighted score (100/60/0); null without ballots.
    score: Option<f64>,
}

/// Live results of a round, per subject.
#[utoipa::path(
    get, path = "/api/v1/rounds/{id}/results", tag = "evaluation",
    params(("id" = i64, Path, description = "Round id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Per subject", body = [SubjectResults]),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "Unknown, or outside the account's scope", body = ApiError),
    )
)]
pub async fn round_results(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    Path(id): Path<String>,
) -> Result<Json<Vec<SubjectResults>>, ApiError> {
    let not_found = || super::not_found_response(lang);
    let id: i64 = id.parse().map_err(|_| not_found())?;
    match xianfeng_app::evaluation::may_read(&s.store, &viewer.principal, id).await {
        Ok(_) => {}
        Err(xianfeng_app::AppError::NotFound) => return Err(not_found()),
        Err(e) => return Err(super::internal(lang, e)),
    }
    let rows = results(&s.store, id)
        .await
        .map_err(|e| super::internal(lang, e))?;
    Ok(Json(
        rows.into_iter()
            .map(|r: SubjectResult| SubjectResults {
                subject_id: r.subject_id,
                code: r.code,
                name: r.name,
                satisfied: r.tally.satisfied,
                basically_satisfied: r.tally.basically_satisfied,
                dissatisfied: r.tally.dissatisfied,
                satisfaction: r.satisfaction,
                score: r.score,
            })
            .collect(),
    ))
}
