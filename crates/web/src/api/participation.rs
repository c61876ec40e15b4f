//! Taking part over the API: commitments and their transitions, study and service records,
//! leader reviews, and the figures for scoring. The same application services as the
//! pages decide everything; these handlers translate JSON both ways.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xianfeng_app::commitments::{self as commitments, StepInput};
use xianfeng_app::records::{self, Batch};
use xianfeng_app::reviews::{self, ReviewInput};
use xianfeng_domain::commitment::{ItemDraft, Outcome, Status, Step};
use xianfeng_domain::i18n::Lang;
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::{CommitmentRecord, RecordKind, SubjectFigures};

use super::{ApiError, Bearer, json_refusal, query_refusal, refused};
use crate::AppState;
use crate::clock::today;
use crate::viewer::Viewer;

fn kind(lang: Lang, s: &str) -> Result<SubjectKind, ApiError> {
    SubjectKind::parse(s).ok_or_else(|| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", lang)
            .with_detail("subject_kind: organisation, member, team or cadre")
    })
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

#[derive(Serialize, ToSchema)]
pub struct Created {
    id: i64,
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
    let k = kind(lang, &req.subject_kind)?;
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
    Path(id): Path<i64>,
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
    Path(id): Path<i64>,
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
    let k = kind(lang, &req.subject_kind)?;
    let input = ReviewInput {
        period: &req.period,
        grade: &req.grade,
        comment: &req.comment,
    };
    let id = reviews::write(&s.store, &viewer.actor(), k, req.subject_id, &input)
        .await
        .map_err(|e| refused(lang, e))?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FiguresQuery {
    /// The organisation whose subtree is reported.
    scope: String,
    /// A period code [default: the current period].
    period: Option<String>,
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
    let (period, rows) = xianfeng_app::figures::figures(
        &s.store,
        Some(&viewer.actor()),
        &q.scope,
        q.period.as_deref(),
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
                subject_kind: f.subject_kind,
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
