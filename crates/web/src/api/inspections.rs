//! Supervision over the API (督查), by the same services and policy as the pages: plans
//! from creation through the published population (P) and the draw to closing; the
//! inspector's tasks, checklists and findings; rectification; and the public results
//! (`/inspection-results`, no token), which name no target before the visits are over.

use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xianfeng_app::inspections::{self as service, PlanRequest};
use xianfeng_domain::draw::Allocation;
use xianfeng_domain::inspection::{Judgement, PlanKind, PlanSpec, Population, Strata};

use super::{ApiError, ApiLang, ApiPath, Bearer, json_refusal, refused};
use crate::AppState;
use crate::kernel::clock::today;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inspections", get(plans).post(create))
        .route("/inspections/{id}/publish", post(publish))
        .route("/inspections/{id}/draw", post(draw))
        .route("/inspections/{id}/close", post(close))
        .route("/inspections/{id}/record", get(record))
        .route("/inspection-tasks", get(tasks))
        .route("/inspection-tasks/{id}", get(task))
        .route("/inspection-tasks/{id}/findings", post(finding))
        .route("/inspection-tasks/{id}/submit", post(submit))
        .route("/organisations/{code}/rectifications", get(rectifications))
        .route("/rectifications/{id}/report", post(report))
        .route("/rectifications/{id}/decision", post(decision))
        .route("/inspection-results", get(results))
        .route("/inspection-results/{id}/record", get(public_record))
}

fn invalid(lang: xianfeng_domain::i18n::Lang, detail: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", lang).with_detail(detail)
}

/// A plan as the office reads it.
#[derive(Serialize, ToSchema)]
pub struct PlanOut {
    id: i64,
    name: String,
    /// `regular` or `random`.
    kind: String,
    scope: String,
    /// `branches`, `committees` or `teams`.
    population: String,
    /// `county` or `category`.
    strata: String,
    per_target: i64,
    cap: i64,
    results_at_once: bool,
    /// `draft`, `published`, `drawn` or `closed`.
    status: String,
    /// P, once the population is published.
    population_digest: Option<String>,
    seed_input: Option<String>,
}

fn plan_out(p: &xianfeng_storage::InspectionPlan) -> PlanOut {
    PlanOut {
        id: p.id,
        name: p.name.clone(),
        kind: p.kind.as_str().into(),
        scope: p.scope_code.clone(),
        population: p.population.as_str().into(),
        strata: p.strata.as_str().into(),
        per_target: p.per_target,
        cap: p.cap,
        results_at_once: p.results_at_once,
        status: p.status.as_str().into(),
        population_digest: p.population_digest.clone(),
        seed_input: p.seed_input.clone(),
    }
}

/// The plans of the running campaign that the account manages, newest first.
#[utoipa::path(
    get, path = "/api/v1/inspections", tag = "inspections", security(("bearer" = [])),
    responses(
        (status = 200, description = "The plans", body = [PlanOut]),
        (status = 401, description = "No valid token", body = ApiError),
    )
)]
pub async fn plans(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
) -> Result<Json<Vec<PlanOut>>, ApiError> {
    let list = service::plans(&s.store, viewer.who())
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(Json(list.iter().map(plan_out).collect()))
}

/// A plan to create.
#[derive(Deserialize, ToSchema)]
pub struct PlanInput {
    name: String,
    /// The organisation whose subtree the population comes from.
    scope: String,
    /// `branches`, `committees` or `teams`.
    population: String,
    /// `county` (default) or `category`.
    #[serde(default)]
    strata: Option<String>,
    /// Targets drawn from each stratum (random plans) …
    #[serde(default)]
    per_stratum: Option<usize>,
    /// … or a total shared in proportion to the strata's sizes.
    #[serde(default)]
    total: Option<usize>,
    /// A regular inspection's targets, each inspected (then `per_stratum` and `total` are
    /// not given).
    #[serde(default)]
    targets: Vec<String>,
    inspectors_per_target: usize,
    cap: usize,
    #[serde(default)]
    publish_results_at_once: bool,
    /// ISO dates of the visits.
    #[serde(default)]
    visits_from: Option<String>,
    #[serde(default)]
    visits_to: Option<String>,
    /// A redraw: the plan it replaces, and why.
    #[serde(default)]
    replaces: Option<i64>,
    #[serde(default)]
    reason: Option<String>,
}

/// What was made.
#[derive(Serialize, ToSchema)]
pub struct Made {
    id: i64,
}

/// Creates a draft plan.
#[utoipa::path(
    post, path = "/api/v1/inspections", tag = "inspections", request_body = PlanInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The plan, a draft", body = Made),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "Unknown scope, or outside the account's", body = ApiError),
        (status = 422, description = "A value is wrong (the message names it)", body = ApiError),
    )
)]
pub async fn create(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    body: Result<Json<PlanInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Made>), ApiError> {
    let Json(req) = body.map_err(|r| json_refusal(lang, r))?;
    let population = Population::parse(&req.population)
        .ok_or_else(|| invalid(lang, "population: branches, committees or teams"))?;
    let strata = Strata::parse(req.strata.as_deref().unwrap_or("county"))
        .ok_or_else(|| invalid(lang, "strata: county or category"))?;
    let (kind, allocation) = match (req.targets.is_empty(), req.per_stratum, req.total) {
        (false, None, None) => (PlanKind::Regular, Allocation::PerStratum(req.targets.len())),
        (true, Some(k), None) => (PlanKind::Random, Allocation::PerStratum(k)),
        (true, None, Some(t)) => (PlanKind::Random, Allocation::Total(t)),
        _ => {
            return Err(invalid(
                lang,
                "give exactly one of per_stratum, total or targets",
            ));
        }
    };
    let date = |v: &Option<String>| -> Result<Option<chrono::NaiveDate>, ApiError> {
        v.as_deref()
            .map(|d| xianfeng_app::AppError::day(d).map_err(|e| refused(lang, e)))
            .transpose()
    };
    let request = PlanRequest {
        spec: PlanSpec {
            name: req.name,
            kind,
            scope: req.scope,
            population,
            strata,
            allocation,
            per_target: req.inspectors_per_target,
            cap: req.cap,
            publish_results_at_once: req.publish_results_at_once,
            targets: req.targets,
            replaces: req.replaces.map(|p| (p, req.reason.unwrap_or_default())),
        },
        visits_from: date(&req.visits_from)?,
        visits_to: date(&req.visits_to)?,
    };
    let id = service::create(&s.store, viewer.who(), &request)
        .await
        .map_err(|e| refused(lang, e))?;
    Ok((StatusCode::CREATED, Json(Made { id })))
}

/// The digest of a published population.
#[derive(Serialize, ToSchema)]
pub struct Published {
    population_digest: String,
}

/// Freezes a draft plan's population and publishes its digest P.
#[utoipa::path(
    post, path = "/api/v1/inspections/{id}/publish", tag = "inspections",
    params(("id" = i64, Path, description = "Plan id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "P", body = Published),
        (status = 404, description = "Unknown, or outside the account's scope", body = ApiError),
        (status = 422, description = "Already published, or nothing to publish", body = ApiError),
    )
)]
pub async fn publish(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Published>, ApiError> {
    let population_digest = service::publish(&s.store, viewer.who(), id)
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(Json(Published { population_digest }))
}

/// The seed input, exactly as published.
#[derive(Deserialize, ToSchema)]
pub struct DrawInput {
    seed_input: String,
}

/// A target drawn and its inspectors (account names, in ranked order).
#[derive(Serialize, ToSchema)]
pub struct Drawn {
    target: String,
    inspectors: Vec<String>,
}

/// What a draw gave.
#[derive(Serialize, ToSchema)]
pub struct DrawOut {
    seed: String,
    targets: Vec<Drawn>,
}

/// Enters the seed input and draws, once.
#[utoipa::path(
    post, path = "/api/v1/inspections/{id}/draw", tag = "inspections", request_body = DrawInput,
    params(("id" = i64, Path, description = "Plan id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The targets and their inspectors", body = DrawOut),
        (status = 404, description = "Unknown, or outside the account's scope", body = ApiError),
        (status = 422, description = "Not published yet, drawn already, or the pool cannot staff every target (named)", body = ApiError),
    )
)]
pub async fn draw(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<DrawInput>, JsonRejection>,
) -> Result<Json<DrawOut>, ApiError> {
    let Json(req) = body.map_err(|r| json_refusal(lang, r))?;
    let r = service::draw(&s.store, viewer.who(), id, &req.seed_input)
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(Json(DrawOut {
        targets: r
            .targets
            .iter()
            .map(|t| Drawn {
                target: t.clone(),
                inspectors: r.assignments[t].clone(),
            })
            .collect(),
        seed: r.seed,
    }))
}

/// Closes a drawn plan once every task's findings are in; its results become public.
#[utoipa::path(
    post, path = "/api/v1/inspections/{id}/close", tag = "inspections",
    params(("id" = i64, Path, description = "Plan id")), security(("bearer" = [])),
    responses(
        (status = 204, description = "Closed"),
        (status = 404, description = "Unknown, or outside the account's scope", body = ApiError),
        (status = 422, description = "Tasks without findings remain", body = ApiError),
    )
)]
pub async fn close(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    service::close(&s.store, viewer.who(), id)
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// A draw record (docs/DRAW.md): the inputs and what they gave, as `xianfeng draw verify`
/// and docs/draw_verify.py read it.
#[derive(Serialize, ToSchema)]
pub struct RecordOut {
    /// `xianfeng-draw-1`.
    algorithm: String,
    plan: String,
    /// Stratum → its codes.
    population: std::collections::BTreeMap<String, Vec<String>>,
    population_digest: String,
    seed_input: String,
    seed: String,
    per_stratum: std::collections::BTreeMap<String, usize>,
    targets: Vec<String>,
    inspectors: Vec<String>,
    inspector_homes: std::collections::BTreeMap<String, String>,
    scope: String,
    target_paths: std::collections::BTreeMap<String, Vec<String>>,
    per_target: usize,
    cap: usize,
    /// Pairs [target, inspector] in conflict.
    conflicts: Vec<Vec<String>>,
    assignments: std::collections::BTreeMap<String, Vec<String>>,
}

impl From<xianfeng_domain::draw::DrawRecord> for RecordOut {
    fn from(r: xianfeng_domain::draw::DrawRecord) -> RecordOut {
        RecordOut {
            algorithm: r.algorithm,
            plan: r.plan,
            population: r.population,
            population_digest: r.population_digest,
            seed_input: r.seed_input,
            seed: r.seed,
            per_stratum: r.per_stratum,
            targets: r.targets,
            inspectors: r.inspectors,
            inspector_homes: r.inspector_homes,
            scope: r.scope,
            target_paths: r.target_paths,
            per_target: r.per_target,
            cap: r.cap,
            conflicts: r.conflicts.into_iter().map(|(t, i)| vec![t, i]).collect(),
            assignments: r.assignments,
        }
    }
}

/// A plan's draw record (docs/DRAW.md), for the office from the draw on.
#[utoipa::path(
    get, path = "/api/v1/inspections/{id}/record", tag = "inspections",
    params(("id" = i64, Path, description = "Plan id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The draw record", body = RecordOut),
        (status = 404, description = "Unknown, or outside the account's scope", body = ApiError),
        (status = 422, description = "Not drawn yet", body = ApiError),
    )
)]
pub async fn record(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RecordOut>, ApiError> {
    let r = service::record(&s.store, viewer.who(), id)
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(Json(r.into()))
}

/// A task the draw gave the account.
#[derive(Serialize, ToSchema)]
pub struct TaskOut {
    id: i64,
    plan: String,
    target: String,
    name: String,
    visit_on: Option<String>,
    submitted: bool,
    inspectors: Vec<String>,
}

fn task_out(t: &xianfeng_storage::TaskRecord) -> TaskOut {
    TaskOut {
        id: t.id,
        plan: t.plan_name.clone(),
        target: t.target_code.clone(),
        name: t.org_name.clone(),
        visit_on: t.visit_on.map(|d| d.to_string()),
        submitted: t.submitted_at.is_some(),
        inspectors: t.inspectors.clone(),
    }
}

/// The tasks the draw gave the account.
#[utoipa::path(
    get, path = "/api/v1/inspection-tasks", tag = "inspections", security(("bearer" = [])),
    responses((status = 200, description = "The tasks", body = [TaskOut]))
)]
pub async fn tasks(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
) -> Result<Json<Vec<TaskOut>>, ApiError> {
    let list = service::tasks::mine(&s.store, viewer.who())
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(Json(list.iter().map(task_out).collect()))
}

/// An item of a checklist with what is known and the finding so far.
#[derive(Serialize, ToSchema)]
pub struct ItemOut {
    item: String,
    name: String,
    checks: String,
    /// What xianfeng already knows, in the caller's language.
    facts: Vec<String>,
    /// `meets`, `partly` or `fails`, when judged.
    judgement: Option<String>,
    note: Option<String>,
}

/// A task with its checklist.
#[derive(Serialize, ToSchema)]
pub struct ChecklistOut {
    task: TaskOut,
    items: Vec<ItemOut>,
}

/// A task and its checklist, for an inspector drawn for it or the office.
#[utoipa::path(
    get, path = "/api/v1/inspection-tasks/{id}", tag = "inspections",
    params(("id" = i64, Path, description = "Task id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The checklist", body = ChecklistOut),
        (status = 404, description = "Unknown, or not the account's", body = ApiError),
    )
)]
pub async fn task(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ChecklistOut>, ApiError> {
    let (campaign_id, campaign) = xianfeng_app::scope::campaign(&s.store)
        .await
        .map_err(|e| refused(lang, e))?;
    let list =
        service::tasks::checklist(&s.store, &campaign, campaign_id, viewer.who(), id, today())
            .await
            .map_err(|e| refused(lang, e))?;
    let term = |s: &str| xianfeng_domain::vocabulary::term(lang, s);
    Ok(Json(ChecklistOut {
        task: task_out(&list.task),
        items: list
            .items
            .iter()
            .map(|i| ItemOut {
                item: i.item.code.get_ref().clone(),
                name: term(&i.item.name),
                checks: term(&i.item.checks),
                facts: i.facts.iter().map(|f| f.text.render(lang)).collect(),
                judgement: i.finding.as_ref().map(|f| f.judgement.as_str().to_string()),
                note: i.finding.as_ref().map(|f| f.note.clone()),
            })
            .collect(),
    }))
}

/// A finding on one item (photos are taken on the page).
#[derive(Deserialize, ToSchema)]
pub struct FindingInput {
    item: String,
    /// `meets`, `partly` or `fails` (符合, 基本符合, 不符合).
    judgement: String,
    /// Needed unless the item meets the standard.
    #[serde(default)]
    note: String,
}

/// Records (or changes) the finding of one item, by an inspector drawn for the task.
#[utoipa::path(
    post, path = "/api/v1/inspection-tasks/{id}/findings", tag = "inspections",
    request_body = FindingInput, params(("id" = i64, Path, description = "Task id")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The finding", body = Made),
        (status = 403, description = "Not drawn for this task", body = ApiError),
        (status = 404, description = "Unknown, or not the account's", body = ApiError),
        (status = 409, description = "The task's findings are submitted", body = ApiError),
        (status = 422, description = "Unknown item, no judgement, or a note missing", body = ApiError),
    )
)]
pub async fn finding(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<FindingInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Made>), ApiError> {
    service::tasks::task_for(&s.store, viewer.who(), id)
        .await
        .map_err(|e| refused(lang, e))?;
    let Json(req) = body.map_err(|r| json_refusal(lang, r))?;
    let judgement = Judgement::parse(&req.judgement)
        .ok_or_else(|| invalid(lang, "judgement: meets, partly or fails"))?;
    let (_, campaign) = xianfeng_app::scope::campaign(&s.store)
        .await
        .map_err(|e| refused(lang, e))?;
    let made = service::tasks::record_finding(
        &s.store,
        &campaign,
        viewer.who(),
        id,
        service::tasks::FindingInput {
            item: &req.item,
            judgement,
            note: &req.note,
            photos: vec![],
        },
    )
    .await
    .map_err(|e| refused(lang, e))?;
    Ok((StatusCode::CREATED, Json(Made { id: made })))
}

/// How many rectification items a submission opened.
#[derive(Serialize, ToSchema)]
pub struct Submitted {
    rectifications: usize,
}

/// Submits a task's findings once every item is judged.
#[utoipa::path(
    post, path = "/api/v1/inspection-tasks/{id}/submit", tag = "inspections",
    params(("id" = i64, Path, description = "Task id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Submitted", body = Submitted),
        (status = 404, description = "Unknown, or not the account's", body = ApiError),
        (status = 422, description = "Items not judged yet (named), or submitted already", body = ApiError),
    )
)]
pub async fn submit(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Submitted>, ApiError> {
    let (campaign_id, campaign) = xianfeng_app::scope::campaign(&s.store)
        .await
        .map_err(|e| refused(lang, e))?;
    let rectifications =
        service::tasks::submit(&s.store, &campaign, campaign_id, viewer.who(), id, today())
            .await
            .map_err(|e| refused(lang, e))?;
    Ok(Json(Submitted { rectifications }))
}

/// A rectification item (整改).
#[derive(Serialize, ToSchema)]
pub struct RectificationOut {
    id: i64,
    organisation: String,
    plan: String,
    item: String,
    /// `partly` or `fails`.
    judgement: String,
    finding: String,
    /// `open`, `reported`, `returned` or `closed`.
    status: String,
    due_on: String,
    overdue: bool,
    report: Option<String>,
    returned_reason: Option<String>,
}

/// An organisation's rectification items, for those who keep it or manage inspections.
#[utoipa::path(
    get, path = "/api/v1/organisations/{code}/rectifications", tag = "inspections",
    params(("code" = String, Path, description = "Organisation code")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The items", body = [RectificationOut]),
        (status = 404, description = "Unknown, or outside the account's scope", body = ApiError),
    )
)]
pub async fn rectifications(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<RectificationOut>>, ApiError> {
    let (_, list) = service::rectify::of_org(&s.store, viewer.who(), &code)
        .await
        .map_err(|e| refused(lang, e))?;
    let day = today();
    Ok(Json(
        list.into_iter()
            .map(|r| RectificationOut {
                id: r.id,
                organisation: r.org_code.clone(),
                plan: r.plan_name.clone(),
                overdue: service::rectify::overdue(&r, day),
                item: r.item,
                judgement: r.judgement.as_str().into(),
                finding: r.finding_note,
                status: r.status.as_str().into(),
                due_on: r.due_on.to_string(),
                report: r.report,
                returned_reason: r.returned_reason,
            })
            .collect(),
    ))
}

/// What the organisation did (evidence files are attached on the page).
#[derive(Deserialize, ToSchema)]
pub struct ReportInput {
    report: String,
}

/// The organisation reports what it did about an item.
#[utoipa::path(
    post, path = "/api/v1/rectifications/{id}/report", tag = "inspections",
    request_body = ReportInput, params(("id" = i64, Path, description = "Item id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Reported"),
        (status = 404, description = "Unknown, or outside the account's scope", body = ApiError),
        (status = 422, description = "Empty report, or the item awaits no report", body = ApiError),
    )
)]
pub async fn report(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<ReportInput>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    service::rectify::get(&s.store, viewer.who(), id)
        .await
        .map_err(|e| refused(lang, e))?;
    let Json(req) = body.map_err(|r| json_refusal(lang, r))?;
    service::rectify::report(&s.store, viewer.who(), id, &req.report, &[], today())
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The office's decision on a report.
#[derive(Deserialize, ToSchema)]
pub struct DecisionInput {
    /// true: accepted (销号); false: returned.
    accept: bool,
    /// Needed to return it.
    #[serde(default)]
    reason: String,
}

/// Accepts (closes) or returns a reported item.
#[utoipa::path(
    post, path = "/api/v1/rectifications/{id}/decision", tag = "inspections",
    request_body = DecisionInput, params(("id" = i64, Path, description = "Item id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Decided"),
        (status = 404, description = "Unknown, or outside the account's scope", body = ApiError),
        (status = 422, description = "Not reported yet, or no reason to return it", body = ApiError),
    )
)]
pub async fn decision(
    State(s): State<AppState>,
    Bearer(viewer, lang): Bearer,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<DecisionInput>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    service::rectify::get(&s.store, viewer.who(), id)
        .await
        .map_err(|e| refused(lang, e))?;
    let Json(req) = body.map_err(|r| json_refusal(lang, r))?;
    service::rectify::decide(&s.store, viewer.who(), id, req.accept, &req.reason, today())
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
pub struct ResultsQuery {
    /// A campaign's code [default: the campaign in use].
    campaign: Option<String>,
}

/// The campaign a public query names, or the one in use.
async fn campaign_of(
    s: &AppState,
    lang: xianfeng_domain::i18n::Lang,
    q: &ResultsQuery,
) -> Result<i64, ApiError> {
    let found = match q.campaign.as_deref().filter(|c| !c.is_empty()) {
        Some(code) => xianfeng_app::campaigns::browsable_by_code(&s.store, code)
            .await
            .map(|(c, _)| c.id),
        None => xianfeng_app::scope::campaign(&s.store)
            .await
            .map(|(id, _)| id),
    };
    found.map_err(|e| refused(lang, e))
}

/// A target's published result.
#[derive(Serialize, ToSchema)]
pub struct TargetOut {
    target: String,
    name: String,
    inspectors: Vec<String>,
    submitted: bool,
    meets: u32,
    partly: u32,
    fails: u32,
    rectifications: usize,
    rectified: usize,
    overdue: usize,
}

/// A plan as published.
#[derive(Serialize, ToSchema)]
pub struct PublicPlanOut {
    id: i64,
    name: String,
    kind: String,
    scope: String,
    status: String,
    population_size: usize,
    population_digest: Option<String>,
    seed_input: Option<String>,
    seed: Option<String>,
    replaces: Option<i64>,
    /// Absent until the visits are over (or at once, if the plan said so).
    results: Option<Vec<TargetOut>>,
}

/// Every published plan of a campaign with P, the seed input and, once public, the results.
/// Public.
#[utoipa::path(
    get, path = "/api/v1/inspection-results", tag = "inspections", params(ResultsQuery),
    responses(
        (status = 200, description = "The plans", body = [PublicPlanOut]),
        (status = 404, description = "Unknown campaign", body = ApiError),
    )
)]
pub async fn results(
    State(s): State<AppState>,
    ApiLang(lang): ApiLang,
    Query(q): Query<ResultsQuery>,
) -> Result<Json<Vec<PublicPlanOut>>, ApiError> {
    let campaign_id = campaign_of(&s, lang, &q).await?;
    let list = service::public::plans(&s.store, campaign_id, today())
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(Json(
        list.into_iter()
            .map(|p| PublicPlanOut {
                id: p.plan.id,
                name: p.plan.name.clone(),
                kind: p.plan.kind.as_str().into(),
                scope: p.plan.scope_code.clone(),
                status: p.plan.status.as_str().into(),
                population_size: p.population_size,
                population_digest: p.plan.population_digest.clone(),
                seed_input: p.plan.seed_input.clone(),
                seed: p.seed.clone(),
                replaces: p.plan.replaces_plan_id,
                results: p.results.map(|list| {
                    list.into_iter()
                        .map(|r| TargetOut {
                            target: r.code,
                            name: r.name,
                            inspectors: r.inspectors,
                            submitted: r.submitted,
                            meets: r.tally.meets,
                            partly: r.tally.partly,
                            fails: r.tally.fails,
                            rectifications: r.rectifications,
                            rectified: r.rectified,
                            overdue: r.overdue,
                        })
                        .collect()
                }),
            })
            .collect(),
    ))
}

/// A plan's draw record, once its results are public. Public.
#[utoipa::path(
    get, path = "/api/v1/inspection-results/{id}/record", tag = "inspections",
    params(("id" = i64, Path, description = "Plan id"), ResultsQuery),
    responses(
        (status = 200, description = "The draw record", body = RecordOut),
        (status = 404, description = "Unknown, or its results not public yet", body = ApiError),
    )
)]
pub async fn public_record(
    State(s): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiPath(id): ApiPath<i64>,
    Query(q): Query<ResultsQuery>,
) -> Result<Json<RecordOut>, ApiError> {
    let campaign_id = campaign_of(&s, lang, &q).await?;
    let r = service::public::record(&s.store, campaign_id, id)
        .await
        .map_err(|e| refused(lang, e))?;
    Ok(Json(r.into()))
}
