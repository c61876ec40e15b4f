//! Selection and commendation over the API (评选表彰): nominations and their transitions,
//! notices and objections, and the honour roll. Notices, objections to them and the roll
//! are public, as on the `/p/` pages; the rest needs a token and follows the same policy
//! as the pages.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xianfeng_app::selection::{
    self as service, NominationInput, NominationView, NoticeInput, ObjectionInput, StepInput,
};
use xianfeng_domain::selection::{Finding, Step};
use xianfeng_domain::subject::SubjectKind;

use super::refused;
use super::{ApiError, ApiLang, ApiPath, Bearer, given, json_refusal};
use crate::AppState;
use crate::kernel::clock::today;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/nominations", get(nominations).post(nominate))
        .route("/nominations/{id}", get(nomination))
        .route("/nominations/{id}/transitions", post(transition))
        .route("/nominations/{id}/recommendations", post(recommend))
        .route("/notices", get(notices).post(publish))
        .route("/notices/{id}/objections", get(objections).post(object))
        .route(
            "/notices/{id}/objections/{objection}/finding",
            post(finding),
        )
        .route("/honours", get(honours))
}

fn invalid(lang: xianfeng_domain::i18n::Lang, detail: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", lang).with_detail(detail)
}

/// A public notice (公示).
#[derive(Serialize, ToSchema)]
pub struct NoticeOut {
    id: i64,
    /// The honour's code in the campaign file.
    honour: String,
    title: String,
    starts_on: String,
    /// The last day objections are taken.
    ends_on: String,
    /// Its length in working days.
    workdays: i64,
    /// `upcoming`, `running` or `ended`.
    status: String,
    /// Objections need a name and contact.
    real_name: bool,
    /// The public page.
    url: String,
}

fn notice_out(n: xianfeng_storage::NoticeRecord) -> NoticeOut {
    let status = service::notice_period(&n).phase(today()).as_str();
    NoticeOut {
        url: format!("/p/n/{}", n.id),
        id: n.id,
        honour: n.honour,
        title: n.title,
        starts_on: n.starts_on.to_string(),
        ends_on: n.ends_on.to_string(),
        workdays: n.workdays,
        status: status.into(),
        real_name: n.real_name,
    }
}

/// The campaign's public notices, newest first. Public: no token needed.
#[utoipa::path(
    get, path = "/api/v1/notices", tag = "selection",
    responses((status = 200, description = "The notices", body = [NoticeOut]))
)]
pub async fn notices(
    State(s): State<AppState>,
    ApiLang(lang): ApiLang,
) -> Result<Json<Vec<NoticeOut>>, ApiError> {
    let (campaign_id, _) = xianfeng_app::scope::campaign(&s.store)
        .await
        .map_err(|e| refused(lang, e))?;
    let list = s
        .store
        .selection()
        .notices(campaign_id)
        .await
        .map_err(|e| refused(lang, e.into()))?;
    Ok(Json(list.into_iter().map(notice_out).collect()))
}

/// A nomination as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct NominationOut {
    id: i64,
    honour: String,
    honour_name: String,
    subject_kind: String,
    subject_id: i64,
    name: String,
    unit: String,
    /// `nominated`, `assessed`, `approved`, `in_notice`, `commended`, `withdrawn` or
    /// `rejected`.
    stage: String,
    /// Organisation codes.
    nominated_by: String,
    decided_by: String,
    summary: String,
    deeds: String,
    assessment: Option<String>,
    decision: Option<String>,
    notice_id: Option<i64>,
    document_no: Option<String>,
    commended_on: Option<String>,
    recommended_from: Option<i64>,
    /// Each eligibility rule checked, its reason in the caller's language.
    eligibility: Vec<CheckOut>,
    /// Transitions the caller may take now.
    steps: Vec<String>,
}

/// One eligibility rule's verdict.
#[derive(Serialize, ToSchema)]
pub struct CheckOut {
    /// `formal_member`, `no_sanction`, `min_grade`, `min_satisfaction`.
    rule: String,
    passed: bool,
    /// Why, in the language of `Accept-Language`.
    reason: String,
}

fn nomination_out(v: NominationView, lang: xianfeng_domain::i18n::Lang) -> NominationOut {
    let r = v.record;
    NominationOut {
        id: r.id,
        honour: r.honour,
        honour_name: v.honour_name,
        subject_kind: r.subject_kind.as_str().to_string(),
        subject_id: r.subject_id,
        name: v.subject,
        unit: v.unit,
        stage: r.stage.as_str().to_string(),
        nominated_by: v.nominated_by.0,
        decided_by: v.decided_by.0,
        summary: r.summary,
        deeds: r.deeds,
        assessment: r.assessment,
        decision: r.decision,
        notice_id: r.notice_id,
        document_no: r.document_no,
        commended_on: r.commended_on.map(|d| d.to_string()),
        recommended_from: r.recommended_from,
        eligibility: v
            .checks
            .into_iter()
            .map(|c| CheckOut {
                rule: c.rule,
                passed: c.passed,
                reason: c.reason.render(lang),
            })
            .collect(),
        steps: v.steps.iter().map(|s| s.as_str().to_string()).collect(),
    }
}

/// The nominations the caller may see, newest first.
#[utoipa::path(
    get, path = "/api/v1/nominations", tag = "selection", security(("bearer" = [])),
    responses(
        (status = 200, description = "The nominations", body = [NominationOut]),
        (status = 401, description = "No valid token", body = ApiError),
    )
)]
pub async fn nominations(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
) -> Result<Json<Vec<NominationOut>>, ApiError> {
    let list = service::visible(&s.store, Some(&viewer.actor()), None)
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(Json(
        list.into_iter().map(|v| nomination_out(v, lang)).collect(),
    ))
}

/// One nomination.
#[utoipa::path(
    get, path = "/api/v1/nominations/{id}", tag = "selection", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Nomination id")),
    responses(
        (status = 200, description = "The nomination", body = NominationOut),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "Unknown, or outside the scope", body = ApiError),
    )
)]
pub async fn nomination(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<NominationOut>, ApiError> {
    let (v, _) = service::view(&s.store, Some(&viewer.actor()), id)
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(Json(nomination_out(v, lang)))
}

#[derive(Deserialize, ToSchema)]
pub struct NewNominationIn {
    honour: String,
    /// The nominating organisation's code.
    nominated_by: String,
    subject_id: i64,
    deeds: String,
    /// Shown on the public notice: no ID or phone numbers.
    summary: String,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedOut {
    id: i64,
}

/// Nominates a subject for an honour: refused over quota (422), for the ineligible with
/// the reasons (422), or when already nominated (409).
#[utoipa::path(
    post, path = "/api/v1/nominations", tag = "selection", security(("bearer" = [])),
    request_body = NewNominationIn,
    responses(
        (status = 201, description = "Nominated", body = CreatedOut),
        (status = 404, description = "Unknown organisation or subject, or outside the scope", body = ApiError),
        (status = 409, description = "Already nominated", body = ApiError),
        (status = 422, description = "Over quota, not eligible, or a bad field", body = ApiError),
    )
)]
pub async fn nominate(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    body: Result<Json<NewNominationIn>, JsonRejection>,
) -> Result<(StatusCode, Json<CreatedOut>), ApiError> {
    let Json(req) = body.map_err(|r| json_refusal(lang, r))?;
    let (_, campaign) = xianfeng_app::scope::campaign(&s.store)
        .await
        .map_err(|e| refused(lang, e))?;
    let kind: SubjectKind = campaign
        .honour(&req.honour)
        .map(|h| h.subject)
        .ok_or_else(|| invalid(lang, "honour: a code of the campaign file's [[honours]]"))?;
    let input = NominationInput {
        honour: &req.honour,
        kind,
        subject_id: req.subject_id,
        nominated_by: &req.nominated_by,
        deeds: &req.deeds,
        summary: &req.summary,
    };
    let id = service::nominate(&s.store, &s.scores, Some(&viewer.actor()), &input, today())
        .await
        .map_err(|e| refused(lang, e))?;
    Ok((StatusCode::CREATED, Json(CreatedOut { id })))
}

#[derive(Deserialize, ToSchema)]
pub struct TransitionIn {
    /// `assess`, `approve`, `reject`, `withdraw` or `commend`.
    step: String,
    /// The assessment, the decision, or the reason to withdraw or reject.
    #[serde(default)]
    note: String,
    /// Commendation: the decision number (文号) and its date (ISO).
    #[serde(default)]
    document_no: String,
    #[serde(default)]
    commended_on: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TransitionOut {
    stage: String,
}

/// Takes a step on a nomination. Out of order, or commending before the notice's end or
/// with an objection open or found true: 422.
#[utoipa::path(
    post, path = "/api/v1/nominations/{id}/transitions", tag = "selection",
    security(("bearer" = [])), request_body = TransitionIn,
    params(("id" = i64, Path, description = "Nomination id")),
    responses(
        (status = 200, description = "The new stage", body = TransitionOut),
        (status = 403, description = "Not this account's step", body = ApiError),
        (status = 404, description = "Unknown, or outside the scope", body = ApiError),
        (status = 422, description = "Out of order, or a missing text", body = ApiError),
    )
)]
pub async fn transition(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<TransitionIn>, JsonRejection>,
) -> Result<Json<TransitionOut>, ApiError> {
    let Json(req) = body.map_err(|r| json_refusal(lang, r))?;
    let step = Step::parse(&req.step)
        .filter(|s| *s != Step::Notice)
        .ok_or_else(|| invalid(lang, "step: assess, approve, reject, withdraw or commend"))?;
    let commended_on = match req.commended_on.as_deref() {
        None | Some("") => None,
        Some(d) => Some(
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| invalid(lang, "commended_on: YYYY-MM-DD"))?,
        ),
    };
    let input = StepInput {
        note: req.note,
        document_no: req.document_no,
        commended_on,
    };
    let to = service::step(&s.store, Some(&viewer.actor()), id, step, &input, today())
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(Json(TransitionOut {
        stage: to.as_str().to_string(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct RecommendIn {
    /// The same honour (to the level above) or one whose `from` is this honour.
    honour: String,
}

/// Recommends an approved nomination on: a new nomination at the level above.
#[utoipa::path(
    post, path = "/api/v1/nominations/{id}/recommendations", tag = "selection",
    security(("bearer" = [])), request_body = RecommendIn,
    params(("id" = i64, Path, description = "Nomination id")),
    responses(
        (status = 201, description = "The new nomination", body = CreatedOut),
        (status = 404, description = "Unknown, or outside the scope", body = ApiError),
        (status = 422, description = "Not approved, over quota, or the wrong honour", body = ApiError),
    )
)]
pub async fn recommend(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<RecommendIn>, JsonRejection>,
) -> Result<(StatusCode, Json<CreatedOut>), ApiError> {
    let Json(req) = body.map_err(|r| json_refusal(lang, r))?;
    let new = service::recommend(
        &s.store,
        &s.scores,
        Some(&viewer.actor()),
        id,
        &req.honour,
        today(),
    )
    .await
    .map_err(|e| refused(lang, e))?;
    Ok((StatusCode::CREATED, Json(CreatedOut { id: new })))
}

#[derive(Deserialize, ToSchema)]
pub struct NewNoticeIn {
    honour: String,
    /// Nominations approved at the top level.
    nominations: Vec<i64>,
    title: String,
    #[serde(default)]
    body: String,
    /// Where objections go besides the page.
    contact: String,
    /// ISO date; the end is counted in the honour's working days.
    starts_on: String,
}

/// Publishes a notice (the office's).
#[utoipa::path(
    post, path = "/api/v1/notices", tag = "selection", security(("bearer" = [])),
    request_body = NewNoticeIn,
    responses(
        (status = 201, description = "Published", body = NoticeOut),
        (status = 403, description = "Not the office", body = ApiError),
        (status = 422, description = "Candidates not ready, or no calendar data for the period", body = ApiError),
    )
)]
pub async fn publish(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    body: Result<Json<NewNoticeIn>, JsonRejection>,
) -> Result<(StatusCode, Json<NoticeOut>), ApiError> {
    let Json(req) = body.map_err(|r| json_refusal(lang, r))?;
    let starts_on = chrono::NaiveDate::parse_from_str(&req.starts_on, "%Y-%m-%d")
        .map_err(|_| invalid(lang, "starts_on: YYYY-MM-DD"))?;
    let input = NoticeInput {
        honour: &req.honour,
        nominations: &req.nominations,
        title: &req.title,
        body: &req.body,
        contact: &req.contact,
        starts_on,
    };
    let id = service::publish_notice(&s.store, Some(&viewer.actor()), &input, today())
        .await
        .map_err(|e| refused(lang, e))?;
    let notice = s
        .store
        .selection()
        .notice(id)
        .await
        .map_err(|e| refused(lang, e.into()))?
        .ok_or_else(|| refused(lang, xianfeng_app::AppError::NotFound))?;
    Ok((StatusCode::CREATED, Json(notice_out(notice))))
}

#[derive(Deserialize, ToSchema)]
pub struct ObjectionIn {
    nomination: i64,
    content: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    contact: String,
}

/// Raises an objection to a candidate of a running notice. Public: no token needed;
/// three an hour from one address; after the end, refused with the end date.
#[utoipa::path(
    post, path = "/api/v1/notices/{id}/objections", tag = "selection",
    request_body = ObjectionIn,
    params(("id" = i64, Path, description = "Notice id")),
    responses(
        (status = 201, description = "Received", body = CreatedOut),
        (status = 404, description = "Unknown notice or candidate", body = ApiError),
        (status = 422, description = "Late, too many, or a bad field", body = ApiError),
    )
)]
pub async fn object(
    State(s): State<AppState>,
    ApiLang(lang): ApiLang,
    crate::kernel::client::ClientAddress(address): crate::kernel::client::ClientAddress,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<ObjectionIn>, JsonRejection>,
) -> Result<(StatusCode, Json<CreatedOut>), ApiError> {
    let Json(req) = body.map_err(|r| json_refusal(lang, r))?;
    let input = ObjectionInput {
        notice_id: id,
        nomination_id: req.nomination,
        content: &req.content,
        name: &req.name,
        contact: &req.contact,
        source: &address,
    };
    let oid = service::object(
        &s.store,
        &input,
        today(),
        chrono::Utc::now().timestamp_millis(),
    )
    .await
    .map_err(|e| refused(lang, e))?;
    Ok((StatusCode::CREATED, Json(CreatedOut { id: oid })))
}

/// An objection as those who handle it see it.
#[derive(Serialize, ToSchema)]
pub struct ObjectionOut {
    id: i64,
    nomination: i64,
    content: String,
    name: Option<String>,
    contact: Option<String>,
    /// Milliseconds since 1970.
    submitted_at: i64,
    investigation: Option<String>,
    /// `upheld`, `partly_upheld`, `not_upheld`; null while open.
    finding: Option<String>,
}

/// A notice's objections, for those who handle them.
#[utoipa::path(
    get, path = "/api/v1/notices/{id}/objections", tag = "selection", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Notice id")),
    responses(
        (status = 200, description = "The objections", body = [ObjectionOut]),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Not this account's to handle", body = ApiError),
        (status = 404, description = "Unknown, or outside the scope", body = ApiError),
    )
)]
pub async fn objections(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<ObjectionOut>>, ApiError> {
    let list = service::objections_for(&s.store, Some(&viewer.actor()), id)
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(Json(
        list.into_iter()
            .map(|o| ObjectionOut {
                id: o.id,
                nomination: o.nomination_id,
                content: o.content,
                name: o.name,
                contact: o.contact,
                submitted_at: o.submitted_at,
                investigation: o.investigation,
                finding: o.finding.map(|f| f.as_str().to_string()),
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct FindingIn {
    /// `upheld`, `partly_upheld` or `not_upheld`.
    finding: String,
    investigation: String,
}

/// Records an objection's investigation and finding (once).
#[utoipa::path(
    post, path = "/api/v1/notices/{id}/objections/{objection}/finding", tag = "selection",
    security(("bearer" = [])), request_body = FindingIn,
    params(
        ("id" = i64, Path, description = "Notice id"),
        ("objection" = i64, Path, description = "Objection id"),
    ),
    responses(
        (status = 204, description = "Recorded"),
        (status = 404, description = "Unknown, or outside the scope", body = ApiError),
        (status = 409, description = "It has a finding already", body = ApiError),
        (status = 422, description = "A bad field", body = ApiError),
    )
)]
pub async fn finding(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    ApiPath((id, objection)): ApiPath<(i64, i64)>,
    body: Result<Json<FindingIn>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(req) = body.map_err(|r| json_refusal(lang, r))?;
    let finding = Finding::parse(&req.finding)
        .ok_or_else(|| invalid(lang, "finding: upheld, partly_upheld or not_upheld"))?;
    service::find(
        &s.store,
        Some(&viewer.actor()),
        id,
        objection,
        &req.investigation,
        finding,
    )
    .await
    .map_err(|e| refused(lang, e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// One commended candidate on the honour roll.
#[derive(Serialize, ToSchema)]
pub struct HonourOut {
    /// The nomination commended.
    nomination: i64,
    /// The honour's code and name.
    honour: String,
    honour_name: String,
    name: String,
    unit: String,
    summary: String,
    /// The decision number (文号) and its date.
    document_no: String,
    commended_on: String,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HonoursQuery {
    /// An organisation code: only the commended of its subtree.
    org: Option<String>,
    /// A campaign's code: its roll, a closed campaign's too [default: the campaign in use].
    campaign: Option<String>,
}

/// The honour roll (光荣榜): the commended of a campaign (by default the one in use), by
/// honour. Public.
#[utoipa::path(
    get, path = "/api/v1/honours", tag = "selection", params(HonoursQuery),
    responses(
        (status = 200, description = "The commended", body = [HonourOut]),
        (status = 404, description = "Unknown organisation or campaign", body = ApiError),
    )
)]
pub async fn honours(
    State(s): State<AppState>,
    ApiLang(lang): ApiLang,
    axum::extract::Query(q): axum::extract::Query<HonoursQuery>,
) -> Result<Json<Vec<HonourOut>>, ApiError> {
    let campaign = match given(&q.campaign) {
        Some(code) => Some(
            xianfeng_app::campaigns::browsable_by_code(&s.store, code)
                .await
                .map_err(|e| refused(lang, e))?
                .0
                .id,
        ),
        None => None,
    };
    let roll = service::honour_roll(&s.store, campaign, q.org.as_deref())
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(Json(
        roll.into_iter()
            .map(|e| HonourOut {
                nomination: e.nomination,
                honour: e.honour,
                honour_name: e.honour_name,
                name: e.name,
                unit: e.unit,
                summary: e.summary,
                document_no: e.document_no,
                commended_on: e.commended_on,
            })
            .collect(),
    ))
}
