//! Commitments over the API (公开承诺): create, read, edit and move along their workflow.
//! The same application service as the pages decides everything; these handlers
//! translate JSON both ways.

use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xianfeng_app::commitments::{self as commitments, StepInput};
use xianfeng_domain::commitment::{ItemDraft, Outcome, Status, Step};
use xianfeng_domain::i18n::Lang;
use xianfeng_storage::CommitmentRecord;

use super::{ApiError, ApiPath, Bearer, Created, json_refusal, refused, subject_kind};
use crate::AppState;
use crate::kernel::clock::today;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/commitments", routing::post(create))
        .route("/commitments/{id}", routing::get(get).put(edit))
        .route("/commitments/{id}/transitions", routing::post(transition))
}

/// One item of a commitment.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct Item {
    /// Set by the server; ignored when writing.
    #[serde(default)]
    id: Option<i64>,
    /// Activity item code from the campaign file, e.g. `study`.
    activity: String,
    content: String,
    /// How fulfilment is measured.
    target: String,
    /// ISO date.
    #[schema(value_type = String, format = Date)]
    due_on: chrono::NaiveDate,
    /// `open`, `kept` or `not_kept`; set by the server.
    #[serde(default)]
    outcome: Option<String>,
}

/// A public commitment (公开承诺).
#[derive(Serialize, ToSchema)]
pub struct Commitment {
    id: i64,
    subject_kind: String,
    subject_id: i64,
    /// The code of the subject's own organisation.
    organisation: String,
    title: String,
    /// `draft`, `submitted`, `returned`, `approved`, `published` or `evaluated`.
    status: String,
    evaluation: Option<String>,
    items: Vec<Item>,
}

async fn commitment_json(
    s: &AppState,
    lang: Lang,
    c: CommitmentRecord,
) -> Result<Commitment, ApiError> {
    let org = s
        .store
        .registry()
        .org_by_id(c.org_id)
        .await
        .map_err(|e| super::internal(lang, e))?
        .map(|o| o.code)
        .unwrap_or_default();
    Ok(Commitment {
        id: c.id,
        subject_kind: c.subject_kind.as_str().to_string(),
        subject_id: c.subject_id,
        organisation: org,
        title: c.title,
        status: c.status.as_str().to_string(),
        evaluation: c.evaluation,
        items: c
            .items
            .into_iter()
            .map(|i| Item {
                id: Some(i.id),
                activity: i.activity,
                content: i.content,
                target: i.target,
                due_on: i.due_on,
                outcome: Some(i.outcome.as_str().to_string()),
            })
            .collect(),
    })
}

fn drafts(items: Vec<Item>) -> Vec<ItemDraft> {
    items
        .into_iter()
        .map(|i| ItemDraft {
            activity: i.activity,
            content: i.content,
            target: i.target,
            due_on: i.due_on,
        })
        .collect()
}

#[derive(Deserialize, ToSchema)]
pub struct NewCommitment {
    /// `organisation`, `member`, `team` or `cadre`.
    subject_kind: String,
    subject_id: i64,
    title: String,
    items: Vec<Item>,
}

/// Writes a draft commitment for a subject.
#[utoipa::path(
    post, path = "/api/v1/commitments", tag = "commitments",
    request_body = NewCommitment, security(("bearer" = [])),
    responses(
        (status = 201, description = "The draft", body = Created),
        (status = 400, description = "Malformed JSON", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "The account may not write for this subject", body = ApiError),
        (status = 404, description = "Unknown subject, or outside the account's scope", body = ApiError),
        (status = 422, description = "A field is missing or a rule is broken (the message says which)", body = ApiError),
    )
)]
pub async fn create(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    body: Result<Json<NewCommitment>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let Json(req) = body.map_err(|r| json_refusal(lang, r))?;
    let k = subject_kind(lang, &req.subject_kind)?;
    let id = commitments::draft(
        &s.store,
        &viewer.actor(),
        k,
        req.subject_id,
        &req.title,
        &drafts(req.items),
    )
    .await
    .map_err(|e| refused(lang, e))?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// One commitment, if the account may see it (a draft only its owner side).
#[utoipa::path(
    get, path = "/api/v1/commitments/{id}", tag = "commitments",
    params(("id" = i64, Path, description = "Commitment id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The commitment", body = Commitment),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "Unknown, or not visible to the account", body = ApiError),
    )
)]
pub async fn get(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    Path(id): Path<String>,
) -> Result<Json<Commitment>, ApiError> {
    let id: i64 = id.parse().map_err(|_| super::not_found_response(lang))?;
    let (c, _) = commitments::load(&s.store, &viewer.actor(), id)
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(Json(commitment_json(&s, lang, c).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct Edit {
    title: String,
    items: Vec<Item>,
}

/// Replaces the title and items of a draft or returned commitment.
#[utoipa::path(
    put, path = "/api/v1/commitments/{id}", tag = "commitments",
    params(("id" = i64, Path, description = "Commitment id")),
    request_body = Edit, security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = Commitment),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Not the owner side", body = ApiError),
        (status = 404, description = "Unknown, or not visible to the account", body = ApiError),
        (status = 422, description = "Not editable any more, or a rule is broken", body = ApiError),
    )
)]
pub async fn edit(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<Edit>, JsonRejection>,
) -> Result<Json<Commitment>, ApiError> {
    let Json(req) = body.map_err(|r| json_refusal(lang, r))?;
    let a = viewer.actor();
    commitments::edit(&s.store, &a, id, &req.title, &drafts(req.items))
        .await
        .map_err(|e| refused(lang, e))?;
    let (c, _) = commitments::load(&s.store, &a, id)
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(Json(commitment_json(&s, lang, c).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct Transition {
    /// `submit`, `return`, `approve`, `publish`, `close_item` or `evaluate`.
    step: String,
    /// For `close_item`: the item's id.
    #[serde(default)]
    item_id: Option<i64>,
    /// For `close_item`: `kept` or `not_kept`.
    #[serde(default)]
    outcome: Option<String>,
    /// Required to return, to close an item as not kept and to evaluate (the verdict).
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TransitionDone {
    /// The status after the step.
    status: String,
}

/// Takes a step of the lifecycle. Out of order, on the wrong side, or after publication:
/// refused with the reason, nothing changed.
#[utoipa::path(
    post, path = "/api/v1/commitments/{id}/transitions", tag = "commitments",
    params(("id" = i64, Path, description = "Commitment id")),
    request_body = Transition, security(("bearer" = [])),
    responses(
        (status = 200, description = "Done", body = TransitionDone),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "The account is not on the side that takes this step", body = ApiError),
        (status = 404, description = "Unknown, or not visible to the account", body = ApiError),
        (status = 409, description = "Someone else moved it meanwhile", body = ApiError),
        (status = 422, description = "Not allowed now (the message says why)", body = ApiError),
    )
)]
pub async fn transition(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<Transition>, JsonRejection>,
) -> Result<Json<TransitionDone>, ApiError> {
    let Json(req) = body.map_err(|r| json_refusal(lang, r))?;
    let step = Step::parse(&req.step)
        .filter(|s| !matches!(s, Step::Edit | Step::Report))
        .ok_or_else(|| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", lang)
                .with_detail("step: submit, return, approve, publish, close_item or evaluate")
        })?;
    let item = match (req.item_id, req.outcome.as_deref().and_then(Outcome::parse)) {
        (Some(i), Some(o)) => Some((i, o)),
        _ => None,
    };
    let input = StepInput {
        item,
        reason: req.reason,
    };
    let to: Status = commitments::step(&s.store, &viewer.actor(), id, step, &input, today())
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(Json(TransitionDone {
        status: to.as_str().to_string(),
    }))
}
