//! Supervision (督查) pages. The office's: plans (`/inspections`), a plan from its draft
//! through the published population and the draw to closing (`/inspections/{id}`), the
//! inspector pool. The inspectors' checklists are in [`checklist`], rectification in
//! [`rectification`], the public's view in [`public`].

mod checklist;
mod public;
mod rectification;

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use xianfeng_app::AppError;
use xianfeng_app::inspections::{self as service, PlanRequest};
use xianfeng_domain::draw::Allocation;
use xianfeng_domain::inspection::{PlanKind, PlanSpec, PlanStatus, Population, Strata, Tally};
use xianfeng_storage::{InspectionPlan, TaskRecord};

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::clock::{beijing_time, today};
use crate::kernel::forms::Fields;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::session::{Posted, SignedIn};
use crate::kernel::text::Text;

pub use rectification::org_rectification_count;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inspections", get(overview).post(create))
        .route("/inspections/inspectors", get(pool))
        .route(
            "/inspections/inspectors/{username}/active",
            post(set_active),
        )
        .route("/inspections/{id}", get(plan_page))
        .route("/inspections/{id}/exclude", post(exclude))
        .route("/inspections/{id}/publish", post(publish))
        .route("/inspections/{id}/draw", post(draw))
        .route("/inspections/{id}/close", post(close))
        .route("/inspections/{id}/record.json", get(record))
        .route("/inspections/visits/{task}", post(visit))
        .merge(checklist::router())
        .merge(rectification::router())
        .merge(public::router())
}

/// A plan as a list shows it.
pub struct PlanRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub scope: String,
    pub status: String,
    pub status_code: &'static str,
}

fn plan_row(tx: &Text, p: &InspectionPlan) -> PlanRow {
    PlanRow {
        id: p.id,
        name: p.name.clone(),
        kind: tx.say(&p.kind.name()),
        scope: p.scope_name.clone(),
        status: tx.say(&p.status.name()),
        status_code: p.status.as_str(),
    }
}

/// A rectification item as the overview lists it.
pub struct RectificationRow {
    pub id: i64,
    pub org_code: String,
    pub org_name: String,
    pub item: String,
    pub judgement: String,
    pub status: String,
    pub due_on: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "inspections.html")]
struct OverviewPage {
    chrome: Chrome,
    campaign_code: String,
    plans: Vec<PlanRow>,
    rectifications: Vec<RectificationRow>,
    overdue: usize,
    populations: Vec<(&'static str, String)>,
    strata: Vec<(&'static str, String)>,
}

async fn overview(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/", "inspections_unavailable");
    if !service::may_manage(&viewer.principal) {
        return Err(attempt.refused(AppError::Forbidden));
    }
    let plans = service::plans(&s.store, viewer.who())
        .await
        .or_refuse(&attempt)?;
    let rect = service::rectify::overview(&s.store, viewer.who())
        .await
        .or_refuse(&attempt)?;
    let (_, campaign) = xianfeng_app::scope::campaign(&s.store)
        .await
        .or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, "/inspections".into());
    let tx = &chrome.tx;
    let day = today();
    let rectifications: Vec<RectificationRow> = rect
        .iter()
        .filter(|r| r.status != xianfeng_domain::inspection::RectificationStatus::Closed)
        .map(|r| rectification::row(tx, &campaign, r, day))
        .collect();
    let page = OverviewPage {
        campaign_code: campaign.code().to_string(),
        plans: plans.iter().map(|p| plan_row(tx, p)).collect(),
        overdue: rectifications.iter().filter(|r| r.overdue).count(),
        rectifications,
        populations: Population::ALL
            .iter()
            .map(|p| (p.as_str(), tx.say(&p.name())))
            .collect(),
        strata: [Strata::County, Strata::Category]
            .iter()
            .map(|k| (k.as_str(), tx.say(&k.name())))
            .collect(),
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

fn number(f: &Fields, name: &str) -> Option<usize> {
    f.value(name).parse().ok()
}

/// Creates a plan from the form: random (`per_stratum` or `total`) or regular (`targets`,
/// one code per line or separated by commas).
async fn create(
    State(s): State<AppState>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/inspections", "inspection_not_created");
    let targets: Vec<String> = f
        .value("targets")
        .split(['\n', ',', '，', ';', '；', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect();
    let (kind, allocation) = if !targets.is_empty() {
        (PlanKind::Regular, Allocation::PerStratum(targets.len()))
    } else if f.value("how") == "total" {
        (
            PlanKind::Random,
            Allocation::Total(number(&f, "count").unwrap_or(0)),
        )
    } else {
        (
            PlanKind::Random,
            Allocation::PerStratum(number(&f, "count").unwrap_or(0)),
        )
    };
    let day = |name: &str| -> Result<Option<chrono::NaiveDate>, PageError> {
        match f.value(name) {
            "" => Ok(None),
            v => AppError::day(v).map(Some).or_refuse(&attempt),
        }
    };
    let request = PlanRequest {
        spec: PlanSpec {
            name: f.value("name").to_string(),
            kind,
            scope: f.value("scope").to_string(),
            population: Population::parse(f.value("population"))
                .ok_or(AppError::NotFound)
                .or_refuse(&attempt)?,
            strata: Strata::parse(f.value("strata"))
                .ok_or(AppError::NotFound)
                .or_refuse(&attempt)?,
            allocation,
            per_target: number(&f, "per_target").unwrap_or(0),
            cap: number(&f, "cap").unwrap_or(0),
            publish_results_at_once: f.value("at_once") == "1",
            targets,
            replaces: number(&f, "replaces").map(|id| (id as i64, f.value("reason").to_string())),
        },
        visits_from: day("visits_from")?,
        visits_to: day("visits_to")?,
    };
    let id = service::create(&s.store, viewer.who(), &request)
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&format!("/inspections/{id}")).into_response())
}

/// A task as the plan page lists it.
pub struct TaskRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub inspectors: String,
    pub visit_on: String,
    pub submitted: bool,
    pub tally: Tally,
}

/// The inspectors' names by account, for the lists that name them.
pub async fn inspector_names(
    store: &xianfeng_storage::Store,
) -> Result<std::collections::HashMap<String, String>, AppError> {
    Ok(store
        .inspections()
        .inspectors()
        .await?
        .into_iter()
        .map(|i| (i.username, i.name))
        .collect())
}

/// Inspectors by name (their accounts where the pool has none), in ranked order.
pub fn named(accounts: &[String], names: &std::collections::HashMap<String, String>) -> String {
    accounts
        .iter()
        .map(|u| names.get(u).cloned().unwrap_or_else(|| u.clone()))
        .collect::<Vec<_>>()
        .join("、")
}

/// A stratum by name: its county's (or the organisation's) name, or its category's.
async fn stratum_name(
    store: &xianfeng_storage::Store,
    tx: &Text,
    campaign: &xianfeng_domain::campaign::Campaign,
    strata: Strata,
    code: &str,
) -> Result<String, AppError> {
    Ok(match strata {
        Strata::County => store
            .registry()
            .org_by_code(code)
            .await?
            .map_or_else(|| code.to_string(), |o| o.name),
        Strata::Category if code == xianfeng_domain::inspection::UNCATEGORISED => {
            tx.get("inspection_uncategorised")
        }
        Strata::Category => tx.term(&campaign.category_name(code)),
    })
}

fn task_row(
    t: &TaskRecord,
    name: &str,
    tally: Tally,
    names: &std::collections::HashMap<String, String>,
) -> TaskRow {
    TaskRow {
        id: t.id,
        code: t.target_code.clone(),
        name: name.to_string(),
        inspectors: named(&t.inspectors, names),
        visit_on: t.visit_on.map(|d| d.to_string()).unwrap_or_default(),
        submitted: t.submitted_at.is_some(),
        tally,
    }
}

#[derive(Template)]
#[template(path = "inspection.html")]
struct PlanPage {
    chrome: Chrome,
    plan: PlanRow,
    p: InspectionPlan,
    allocation: String,
    population_size: usize,
    /// (stratum's code, its name, size, drawn from it)
    strata: Vec<(String, String, usize, usize)>,
    excluded: String,
    seed: String,
    tasks: Vec<TaskRow>,
    rectifications: Vec<RectificationRow>,
    open_tasks: usize,
    dates: String,
    created: String,
}

async fn plan_page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/inspections", "inspections_unavailable");
    let (p, _) = service::managed_plan(&s.store, viewer.who(), id)
        .await
        .or_refuse(&attempt)?;
    let (_, campaign) = xianfeng_app::scope::campaign(&s.store)
        .await
        .or_refuse(&attempt)?;
    let tasks = s
        .store
        .inspections()
        .tasks_of_plan(id)
        .await
        .or_refuse(&attempt)?;
    let mut tallies: std::collections::BTreeMap<i64, Tally> = Default::default();
    for (task, j) in s
        .store
        .inspections()
        .judgements(id)
        .await
        .or_refuse(&attempt)?
    {
        tallies.entry(task).or_default().add(j);
    }
    let rect = s
        .store
        .inspections()
        .rectifications_of_plan(id)
        .await
        .or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, format!("/inspections/{id}"));
    let tx = &chrome.tx;
    let drawn: std::collections::BTreeMap<&str, usize> = p
        .record
        .as_ref()
        .map(|r| {
            r.per_stratum
                .iter()
                .map(|(s, k)| (s.as_str(), *k))
                .collect()
        })
        .unwrap_or_default();
    let mut strata = vec![];
    for (code, codes) in p.frozen.iter().flat_map(|f| f.strata.iter()) {
        let name = stratum_name(&s.store, tx, &campaign, p.strata, code)
            .await
            .or_refuse(&attempt)?;
        let k = drawn.get(code.as_str()).copied().unwrap_or(0);
        strata.push((code.clone(), name, codes.len(), k));
    }
    let names = inspector_names(&s.store).await.or_refuse(&attempt)?;
    let name_of = |code: &str| -> String {
        p.frozen
            .as_ref()
            .and_then(|f| f.entries.get(code))
            .map_or_else(String::new, |e| e.name.clone())
    };
    let allocation = match (p.kind, p.allocation) {
        (PlanKind::Regular, _) => tx.get_with("inspection_regular_count", "n", p.targets.len()),
        (_, Allocation::PerStratum(k)) => tx.get_with("inspection_per_stratum", "k", k),
        (_, Allocation::Total(k)) => tx.get_with("inspection_total", "k", k),
    };
    let day = today();
    let page = PlanPage {
        plan: plan_row(tx, &p),
        allocation,
        population_size: p.frozen.as_ref().map_or(0, |f| f.len()),
        strata,
        excluded: p.excluded.join("、"),
        seed: p
            .record
            .as_ref()
            .map(|r| r.seed.clone())
            .unwrap_or_default(),
        open_tasks: tasks.iter().filter(|t| t.submitted_at.is_none()).count(),
        tasks: tasks
            .iter()
            .map(|t| {
                task_row(
                    t,
                    &name_of(&t.target_code),
                    tallies.get(&t.id).copied().unwrap_or_default(),
                    &names,
                )
            })
            .collect(),
        rectifications: rect
            .iter()
            .map(|r| rectification::row(tx, &campaign, r, day))
            .collect(),
        dates: match (p.visits_from, p.visits_to) {
            (Some(a), Some(b)) => format!("{a} – {b}"),
            (Some(a), None) => a.to_string(),
            _ => String::new(),
        },
        created: format!(
            "{} · {}",
            tx.actor(&p.created_by),
            beijing_time(p.created_at)
        ),
        p,
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

async fn exclude(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/inspections/{id}");
    let attempt = Attempt::new(&viewer, &back, "inspection_not_changed");
    let codes: Vec<String> = f
        .value("codes")
        .split(['\n', ',', '，', ';', '；', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect();
    service::exclude(&s.store, viewer.who(), id, &codes)
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

/// Asks first, then does `step` (publish, draw or close) of plan `id`.
async fn step(
    s: &AppState,
    viewer: &crate::kernel::viewer::Viewer,
    id: i64,
    f: &Fields,
    verb: &'static str,
) -> Result<Response, PageError> {
    let back = format!("/inspections/{id}");
    let attempt = Attempt::new(viewer, &back, "inspection_not_changed");
    let (p, _) = service::managed_plan(&s.store, viewer.who(), id)
        .await
        .or_refuse(&attempt)?;
    let seed_input = f.value_raw("seed_input").to_string();
    if !f.confirmed() {
        let chrome = Chrome::signed_in(viewer, back.clone());
        let tx = &chrome.tx;
        let what = match verb {
            "draw" => xianfeng_domain::i18n::t(
                tx.lang,
                "web.inspection_draw_what",
                &[("name", &p.name), ("input", &seed_input)],
            ),
            _ => tx.get_with(&format!("inspection_{verb}_what"), "name", &p.name),
        };
        let action = format!("/inspections/{id}/{verb}");
        let page = pages::Confirm {
            title: tx.get(&format!("inspection_{verb}_title")),
            what,
            yes: tx.get(&format!("inspection_{verb}_yes")),
            action: &action,
            fields: vec![("seed_input", seed_input)],
            back,
            chrome: &chrome,
        };
        return pages::html(StatusCode::OK, &page, chrome.tx.lang);
    }
    match verb {
        "publish" => service::publish(&s.store, viewer.who(), id)
            .await
            .map(|_| ())
            .or_refuse(&attempt)?,
        "draw" => service::draw(&s.store, viewer.who(), id, f.value_raw("seed_input"))
            .await
            .map(|_| ())
            .or_refuse(&attempt)?,
        _ => service::close(&s.store, viewer.who(), id)
            .await
            .or_refuse(&attempt)?,
    }
    Ok(Redirect::to(&back).into_response())
}

async fn publish(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    step(&s, &viewer, id, &f, "publish").await
}

async fn draw(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    step(&s, &viewer, id, &f, "draw").await
}

async fn close(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    step(&s, &viewer, id, &f, "close").await
}

/// The draw record, for the office, from the draw on.
async fn record(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(
        &viewer,
        format!("/inspections/{id}"),
        "inspections_unavailable",
    );
    let r = service::record(&s.store, viewer.who(), id)
        .await
        .or_refuse(&attempt)?;
    Ok(json_download(&format!("draw-{id}.json"), &r))
}

/// A draw record as a file to keep.
pub fn json_download(name: &str, r: &xianfeng_domain::draw::DrawRecord) -> Response {
    let body = serde_json::to_string_pretty(r).unwrap_or_default() + "\n";
    pages::download(name, "application/json; charset=utf-8", body.into_bytes())
}

async fn visit(
    State(s): State<AppState>,
    Path(task): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let plan = f.value("plan").to_string();
    let back = format!("/inspections/{plan}");
    let attempt = Attempt::new(&viewer, &back, "inspection_not_changed");
    let on = match f.value("visit_on") {
        "" => None,
        v => Some(AppError::day(v).or_refuse(&attempt)?),
    };
    service::set_visit(&s.store, viewer.who(), task, on)
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

/// An inspector as the pool page lists it.
pub struct InspectorRow {
    pub username: String,
    pub name: String,
    pub home: String,
    pub active: bool,
    pub conflicts: String,
}

#[derive(Template)]
#[template(path = "inspectors.html")]
struct PoolPage {
    chrome: Chrome,
    inspectors: Vec<InspectorRow>,
}

async fn pool(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/inspections", "inspections_unavailable");
    let list = service::pool::list(&s.store, viewer.who())
        .await
        .or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, "/inspections/inspectors".into());
    let tx = &chrome.tx;
    let page = PoolPage {
        inspectors: list
            .into_iter()
            .map(|i| InspectorRow {
                conflicts: i
                    .conflicts
                    .iter()
                    .map(|c| format!("{}{}", c.org_code, tx.bracket(&c.reason)))
                    .collect::<Vec<_>>()
                    .join("；"),
                username: i.username,
                name: i.name,
                home: i.home_name,
                active: i.active,
            })
            .collect(),
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

async fn set_active(
    State(s): State<AppState>,
    Path(username): Path<String>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/inspections/inspectors", "inspection_not_changed");
    service::pool::set_active(&s.store, viewer.who(), &username, f.value("active") == "1")
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to("/inspections/inspectors").into_response())
}

/// Whether a plan step is offered on its page.
pub fn offers(status: &PlanStatus, step: &str) -> bool {
    matches!(
        (*status, step),
        (PlanStatus::Draft, "publish" | "exclude")
            | (PlanStatus::Published, "draw")
            | (PlanStatus::Drawn, "close" | "visit")
    )
}
