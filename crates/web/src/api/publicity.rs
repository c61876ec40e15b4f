//! Publicity over the API (宣传): the model library, good practices, lecture delegations
//! with their sessions, sign-ins and ratings, and scheduling a session — by the same
//! services and policy as the pages.

use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xianfeng_app::publicity::{models, practices, tours};
use xianfeng_domain::model_library::{ModelLevel, ModelSource, ModelStatus, TagFacet};
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::{ModelFilter, ModelRecord, PracticeRecord};

use super::{ApiError, ApiPath, Bearer, json_refusal, refused};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/models", get(list_models).post(propose))
        .route("/models/{id}", get(one_model))
        .route("/practices", get(list_practices))
        .route("/practices/{id}", get(one_practice))
        .route("/delegations", get(list_delegations))
        .route("/delegations/{id}", get(one_delegation))
        .route("/delegations/{id}/sessions", post(schedule))
}

fn invalid(lang: xianfeng_domain::i18n::Lang, detail: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", lang).with_detail(detail)
}

/// A registry subject an entry is about.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct SubjectRef {
    kind: KindIn,
    id: i64,
}

/// The kinds of subject, as the API writes them.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum KindIn {
    Organisation,
    Member,
    Team,
    Cadre,
}

impl KindIn {
    fn of(k: SubjectKind) -> KindIn {
        match k {
            SubjectKind::Organisation => KindIn::Organisation,
            SubjectKind::Member => KindIn::Member,
            SubjectKind::Team => KindIn::Team,
            SubjectKind::Cadre => KindIn::Cadre,
        }
    }

    fn kind(self) -> SubjectKind {
        match self {
            KindIn::Organisation => SubjectKind::Organisation,
            KindIn::Member => SubjectKind::Member,
            KindIn::Team => SubjectKind::Team,
            KindIn::Cadre => SubjectKind::Cadre,
        }
    }
}

/// The levels of an entry, as the API writes them.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum LevelIn {
    County,
    City,
    Province,
    National,
}

/// A library entry (先进典型).
#[derive(Serialize, ToSchema)]
pub struct ModelOut {
    id: i64,
    name: String,
    /// The organisation it belongs to, by code.
    organisation: String,
    /// `county`, `city`, `province` or `national`.
    level: String,
    /// `commended`, `recommended` or `inspection`.
    source: String,
    /// The nomination on the honour roll, for a commended entry.
    nomination: Option<i64>,
    /// `proposed`, `reviewed`, `in_library`, `public` or `withdrawn`.
    status: String,
    summary: String,
    deeds: String,
    /// Why it was withdrawn (a sanction's kind when `by_sanction`).
    withdraw_reason: Option<String>,
    by_sanction: bool,
    subjects: Vec<SubjectRef>,
    /// Tags as `facet:tag` (facets `sector`, `category`, `theme`).
    tags: Vec<String>,
    /// Stored files (photos and deeds), by attachment id.
    files: Vec<i64>,
}

fn model_out(m: &ModelRecord) -> ModelOut {
    ModelOut {
        id: m.id,
        name: m.name.clone(),
        organisation: m.org_code.clone(),
        level: m.level.as_str().into(),
        source: m.source.as_str().into(),
        nomination: m.nomination_id,
        status: m.status.as_str().into(),
        summary: m.summary.clone(),
        deeds: m.deeds.clone(),
        withdraw_reason: m.withdraw_reason.clone(),
        by_sanction: m.by_sanction,
        subjects: m
            .subjects
            .iter()
            .map(|(k, id)| SubjectRef {
                kind: KindIn::of(*k),
                id: *id,
            })
            .collect(),
        tags: m
            .tags
            .iter()
            .map(|(f, t)| format!("{}:{t}", f.as_str()))
            .collect(),
        files: m.files.iter().map(|f| f.attachment_id).collect(),
    }
}

/// Filters of the library.
#[derive(Deserialize, IntoParams)]
pub struct ModelQuery {
    /// Words in the name, summary or deeds.
    q: Option<String>,
    status: Option<String>,
    level: Option<String>,
    source: Option<String>,
    /// `facet:tag`.
    tag: Option<String>,
}

/// The library entries of the account's subtree, newest first.
#[utoipa::path(
    get, path = "/api/v1/models", tag = "publicity", params(ModelQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "The entries", body = [ModelOut]),
        (status = 401, description = "No valid token", body = ApiError),
    )
)]
pub async fn list_models(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    Query(q): Query<ModelQuery>,
) -> Result<Json<Vec<ModelOut>>, ApiError> {
    let filter = ModelFilter {
        statuses: q
            .status
            .as_deref()
            .and_then(ModelStatus::parse)
            .into_iter()
            .collect(),
        text: q.q.filter(|t| !t.trim().is_empty()),
        tag: q
            .tag
            .as_deref()
            .and_then(|t| t.split_once(':'))
            .and_then(|(f, t)| TagFacet::parse(f).map(|f| (f, t.to_string()))),
        level: q.level.as_deref().and_then(ModelLevel::parse),
        source: q.source.as_deref().and_then(ModelSource::parse),
        limit: 500,
        ..ModelFilter::default()
    };
    let list = models::library(&s.store, viewer.who(), filter)
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(Json(list.iter().map(model_out).collect()))
}

/// One entry the account may see.
#[utoipa::path(
    get, path = "/api/v1/models/{id}", tag = "publicity", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The entry")),
    responses(
        (status = 200, description = "The entry", body = ModelOut),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "No such entry, or outside the account's", body = ApiError),
    )
)]
pub async fn one_model(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ModelOut>, ApiError> {
    let m = models::entry(&s.store, viewer.who(), id)
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(Json(model_out(&m)))
}

/// An entry recommended (推荐).
#[derive(Deserialize, ToSchema)]
pub struct ModelIn {
    /// The recommending organisation's code.
    organisation: String,
    subjects: Vec<SubjectRef>,
    /// A group's name (one subject's own name when left out).
    #[serde(default)]
    name: String,
    level: LevelIn,
    summary: String,
    #[serde(default)]
    deeds: String,
    #[serde(default)]
    sectors: String,
    #[serde(default)]
    categories: String,
    #[serde(default)]
    themes: String,
    /// Found in an inspection (the office's) rather than recommended.
    #[serde(default)]
    from_inspection: bool,
}

/// What was made.
#[derive(Serialize, ToSchema)]
pub struct MadeOut {
    id: i64,
}

/// Recommends an entry; it waits for the office's review.
#[utoipa::path(
    post, path = "/api/v1/models", tag = "publicity", request_body = ModelIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The entry, proposed", body = MadeOut),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "Unknown organisation or subject, or outside the account's", body = ApiError),
        (status = 422, description = "A value is wrong (the message names it)", body = ApiError),
    )
)]
pub async fn propose(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    body: Result<Json<ModelIn>, JsonRejection>,
) -> Result<(StatusCode, Json<MadeOut>), ApiError> {
    let Json(req) = body.map_err(|r| json_refusal(lang, r))?;
    let subjects = req.subjects.iter().map(|r| (r.kind.kind(), r.id)).collect();
    let level = match req.level {
        LevelIn::County => ModelLevel::County,
        LevelIn::City => ModelLevel::City,
        LevelIn::Province => ModelLevel::Province,
        LevelIn::National => ModelLevel::National,
    };
    let input = models::ModelInput {
        name: req.name,
        org_code: req.organisation,
        level: Some(level),
        summary: req.summary,
        deeds: req.deeds,
        sectors: req.sectors,
        categories: req.categories,
        themes: req.themes,
        subjects,
        from_inspection: req.from_inspection,
    };
    let id = models::propose(&s.store, viewer.who(), &input)
        .await
        .map_err(|e| refused(lang, e))?;
    Ok((StatusCode::CREATED, Json(MadeOut { id })))
}

/// A good practice (好经验好做法).
#[derive(Serialize, ToSchema)]
pub struct PracticeOut {
    id: i64,
    organisation: String,
    title: String,
    summary: String,
    body: String,
    /// The standard's code in the campaign file, or empty.
    standard: String,
    /// `submitted`, `returned`, `accepted` or `published`.
    status: String,
    return_reason: Option<String>,
    /// The rule of the 长效机制 register adopted from it.
    rule: Option<i64>,
    files: Vec<i64>,
}

fn practice_out(p: &PracticeRecord) -> PracticeOut {
    PracticeOut {
        id: p.id,
        organisation: p.org_code.clone(),
        title: p.title.clone(),
        summary: p.summary.clone(),
        body: p.body.clone(),
        standard: p.standard.clone(),
        status: p.status.as_str().into(),
        return_reason: p.return_reason.clone(),
        rule: p.rule_id,
        files: p.files.iter().map(|f| f.attachment_id).collect(),
    }
}

/// The practices of the account's subtree, newest first.
#[utoipa::path(
    get, path = "/api/v1/practices", tag = "publicity", security(("bearer" = [])),
    responses(
        (status = 200, description = "The practices", body = [PracticeOut]),
        (status = 401, description = "No valid token", body = ApiError),
    )
)]
pub async fn list_practices(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
) -> Result<Json<Vec<PracticeOut>>, ApiError> {
    let list = practices::list(&s.store, viewer.who(), &[])
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(Json(list.iter().map(practice_out).collect()))
}

/// One practice the account may see (with its files).
#[utoipa::path(
    get, path = "/api/v1/practices/{id}", tag = "publicity", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The practice")),
    responses(
        (status = 200, description = "The practice", body = PracticeOut),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "No such practice, or outside the account's", body = ApiError),
    )
)]
pub async fn one_practice(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PracticeOut>, ApiError> {
    let p = practices::practice(&s.store, viewer.who(), id)
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(Json(practice_out(&p)))
}

/// A speaker of a delegation, with the ratings given.
#[derive(Serialize, ToSchema)]
pub struct SpeakerOut {
    /// The library entry.
    model: i64,
    name: String,
    ratings: i64,
    /// Average stars, or null before any rating.
    average: Option<f64>,
}

/// A session (宣讲场次), with the phones signed in and the ratings given.
#[derive(Serialize, ToSchema)]
pub struct SessionOut {
    id: i64,
    /// Beijing local time, `YYYY-MM-DD HH:MM`.
    starts_at: String,
    ends_at: String,
    venue: String,
    /// The host organisation's code.
    host: String,
    /// The county the venue lies in, by code.
    county: String,
    audience: i64,
    cancelled: bool,
    signed_in: i64,
    ratings: i64,
    average: Option<f64>,
}

/// A delegation (报告团).
#[derive(Serialize, ToSchema)]
pub struct DelegationOut {
    id: i64,
    organisation: String,
    name: String,
    theme: String,
    leader: String,
    speakers: Vec<SpeakerOut>,
}

/// A delegation with its sessions.
#[derive(Serialize, ToSchema)]
pub struct DelegationDetail {
    delegation: DelegationOut,
    sessions: Vec<SessionOut>,
}

fn average(stars: i64, n: i64) -> Option<f64> {
    (n > 0).then(|| (stars as f64 / n as f64 * 100.0).round() / 100.0)
}

fn delegation_out(v: &tours::TourView) -> DelegationOut {
    let d = &v.delegation;
    DelegationOut {
        id: d.id,
        organisation: d.org_code.clone(),
        name: d.name.clone(),
        theme: d.theme.clone(),
        leader: d.leader.clone(),
        speakers: v
            .speakers
            .iter()
            .map(|(model, name, n, avg)| SpeakerOut {
                model: *model,
                name: name.clone(),
                ratings: *n,
                average: (*n > 0).then(|| *avg as f64 / 100.0),
            })
            .collect(),
    }
}

/// The delegations the account sees (its subtree's, and those above it), with their
/// speakers' ratings.
#[utoipa::path(
    get, path = "/api/v1/delegations", tag = "publicity", security(("bearer" = [])),
    responses(
        (status = 200, description = "The delegations", body = [DelegationOut]),
        (status = 401, description = "No valid token", body = ApiError),
    )
)]
pub async fn list_delegations(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
) -> Result<Json<Vec<DelegationOut>>, ApiError> {
    let mut out = vec![];
    for d in tours::delegations(&s.store, viewer.who())
        .await
        .map_err(|e| refused(lang, e))?
    {
        let v = tours::tour(&s.store, viewer.who(), d.id)
            .await
            .map_err(|e| refused(lang, e))?;
        out.push(delegation_out(&v));
    }
    Ok(Json(out))
}

/// A delegation with its sessions, sign-ins and ratings.
#[utoipa::path(
    get, path = "/api/v1/delegations/{id}", tag = "publicity", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The delegation")),
    responses(
        (status = 200, description = "The delegation", body = DelegationDetail),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "No such delegation, or not the account's to see", body = ApiError),
    )
)]
pub async fn one_delegation(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<DelegationDetail>, ApiError> {
    let v = tours::tour(&s.store, viewer.who(), id)
        .await
        .map_err(|e| refused(lang, e))?;
    let sessions = v
        .sessions
        .iter()
        .map(|x| {
            let st = v.stats.iter().find(|st| st.session_id == x.id);
            let (ratings, stars) = st.map_or((0, 0), |st| (st.ratings, st.stars));
            SessionOut {
                id: x.id,
                starts_at: xianfeng_domain::lecture::format_time(x.starts_at),
                ends_at: xianfeng_domain::lecture::format_time(x.ends_at),
                venue: x.venue.clone(),
                host: x.host_code.clone(),
                county: x.county_code.clone(),
                audience: x.audience,
                cancelled: x.cancelled,
                signed_in: x.signed_in,
                ratings,
                average: average(stars, ratings),
            }
        })
        .collect();
    Ok(Json(DelegationDetail {
        delegation: delegation_out(&v),
        sessions,
    }))
}

/// A session to schedule.
#[derive(Deserialize, ToSchema)]
pub struct SessionIn {
    /// The host organisation's code (in the account's subtree).
    host: String,
    venue: String,
    /// Beijing local time, `YYYY-MM-DD HH:MM`.
    #[schema(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}$")]
    starts_at: String,
    #[schema(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}$")]
    ends_at: String,
    #[serde(default)]
    audience: i64,
    /// The request it answers.
    request: Option<i64>,
}

/// Schedules a session of a delegation; a speaker booked elsewhere at that time (or too
/// close to it in another county) refuses it, naming the speaker and the other session.
#[utoipa::path(
    post, path = "/api/v1/delegations/{id}/sessions", tag = "publicity", request_body = SessionIn,
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The delegation")),
    responses(
        (status = 201, description = "The session", body = MadeOut),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "The account does not schedule sessions", body = ApiError),
        (status = 404, description = "Unknown delegation or host, or outside the account's", body = ApiError),
        (status = 422, description = "A speaker is booked elsewhere, or a value is wrong (the message says which)", body = ApiError),
    )
)]
pub async fn schedule(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<SessionIn>, JsonRejection>,
) -> Result<(StatusCode, Json<MadeOut>), ApiError> {
    let Json(req) = body.map_err(|r| json_refusal(lang, r))?;
    // A delegation the account cannot see is not found, whatever was sent.
    tours::delegation(&s.store, viewer.who(), id)
        .await
        .map_err(|e| refused(lang, e))?;
    let time = |v: &str, field: &str| {
        xianfeng_domain::lecture::parse_time(v)
            .ok_or_else(|| invalid(lang, &format!("{field}: YYYY-MM-DD HH:MM")))
    };
    let input = tours::SessionInput {
        delegation_id: id,
        session_id: None,
        host_code: req.host,
        venue: req.venue,
        starts_at: time(&req.starts_at, "starts_at")?,
        ends_at: time(&req.ends_at, "ends_at")?,
        audience: req.audience,
        request_id: req.request,
    };
    let session = tours::schedule(&s.store, viewer.who(), &input)
        .await
        .map_err(|e| refused(lang, e))?;
    Ok((StatusCode::CREATED, Json(MadeOut { id: session })))
}
