//! Supervision (督查指导): inspection plans from creation to the draw and closing, the
//! inspector pool, the inspectors' checklists, rectification, and what the public sees.
//!
//! A plan goes draft → population published (P) → drawn (seed input entered) → closed;
//! each step is written once, guarded in the database (see the storage's `inspections`).

mod draw;
pub mod pool;
pub mod public;
pub mod rectify;
pub mod tasks;

use std::sync::Arc;

use chrono::NaiveDate;
use xianfeng_domain::campaign::Campaign;
use xianfeng_domain::draw::Allocation;
use xianfeng_domain::i18n::Message;
use xianfeng_domain::inspection::{PlanKind, PlanSpec, PlanStatus};
use xianfeng_domain::policy::{Action, Principal};
use xianfeng_storage::{InspectionPlan, NewInspectionPlan, OrgRecord, Store};

pub use draw::{draw, publish};

use crate::AppError;
pub use crate::actor::Who;

/// The scope organisation of a plan, if `who` may manage inspections there.
async fn managed_scope(store: &Store, who: Who<'_>, code: &str) -> Result<OrgRecord, AppError> {
    crate::scope::org_for(store, who.principal, code, Action::ManageInspections).await
}

/// Plan `id`, if `who` may manage inspections in its scope (otherwise: not found).
pub async fn managed_plan(
    store: &Store,
    who: Who<'_>,
    id: i64,
) -> Result<(InspectionPlan, OrgRecord), AppError> {
    let plan = store
        .inspections()
        .plan(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let scope = managed_scope(store, who, &plan.scope_code).await?;
    Ok((plan, scope))
}

/// Whether `p` manages inspections anywhere: whether to offer the office's pages.
pub fn may_manage(p: &Principal) -> bool {
    xianfeng_domain::policy::anywhere(p, Action::ManageInspections)
}

/// The campaign inspections are planned in: the one running.
async fn running(store: &Store) -> Result<(i64, Arc<Campaign>), AppError> {
    crate::campaigns::for_records(store).await
}

/// What the office asks for, with the visit window.
pub struct PlanRequest {
    pub spec: PlanSpec,
    pub visits_from: Option<NaiveDate>,
    pub visits_to: Option<NaiveDate>,
}

/// Creates a draft plan. A redraw names the plan it replaces (drawn, in the same scope) and
/// why; the first plan stays public.
pub async fn create(store: &Store, who: Who<'_>, r: &PlanRequest) -> Result<i64, AppError> {
    let problems = r.spec.problems();
    if let Some(first) = problems.into_iter().next() {
        return Err(AppError::Input(first));
    }
    if let (Some(from), Some(to)) = (r.visits_from, r.visits_to)
        && to < from
    {
        return Err(AppError::input("inspection.visits_order", &[]));
    }
    let scope = managed_scope(store, who, &r.spec.scope).await?;
    let (campaign_id, _) = running(store).await?;
    if let Some((old, _)) = &r.spec.replaces {
        let (first, _) = managed_plan(store, who, *old).await?;
        if first.status < PlanStatus::Drawn || first.scope_org_id != scope.id {
            return Err(AppError::input(
                "inspection.redo_of_drawn",
                &[("plan", &first.id)],
            ));
        }
    }
    let mut targets: Vec<String> = r
        .spec
        .targets
        .iter()
        .map(|t| t.trim().to_string())
        .collect();
    targets.sort();
    targets.dedup();
    let allocation = match r.spec.kind {
        PlanKind::Regular => Allocation::PerStratum(targets.len()),
        PlanKind::Random => r.spec.allocation,
    };
    let mut tx = store.begin(who.username).await?;
    let id = tx
        .create_inspection_plan(&NewInspectionPlan {
            campaign_id,
            name: r.spec.name.clone(),
            kind: r.spec.kind,
            scope_org_id: scope.id,
            population: r.spec.population,
            strata: r.spec.strata,
            allocation,
            per_target: r.spec.per_target as i64,
            cap: r.spec.cap as i64,
            results_at_once: r.spec.publish_results_at_once,
            targets,
            visits_from: r.visits_from,
            visits_to: r.visits_to,
            replaces: r.spec.replaces.clone(),
        })
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Leaves `codes` out of a draft plan's population (e.g. inspected last quarter). After the
/// population is published nothing about it changes.
pub async fn exclude(
    store: &Store,
    who: Who<'_>,
    plan: i64,
    codes: &[String],
) -> Result<(), AppError> {
    let (p, _) = managed_plan(store, who, plan).await?;
    p.status.may_publish().map_err(AppError::Input)?;
    let mut all: Vec<String> = p.excluded.clone();
    all.extend(
        codes
            .iter()
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty()),
    );
    all.sort();
    all.dedup();
    let mut tx = store.begin(who.username).await?;
    tx.exclude_from_plan(plan, &p.excluded, &all).await?;
    tx.commit().await?;
    Ok(())
}

/// Closes a drawn plan once every task's findings are in: its results become public.
pub async fn close(store: &Store, who: Who<'_>, plan: i64) -> Result<(), AppError> {
    let (p, _) = managed_plan(store, who, plan).await?;
    let open = store
        .inspections()
        .tasks_of_plan(plan)
        .await?
        .iter()
        .filter(|t| t.submitted_at.is_none())
        .count();
    p.status.may_close(open).map_err(AppError::Input)?;
    let mut tx = store.begin(who.username).await?;
    tx.close_plan(plan).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets the day of a task's visit.
pub async fn set_visit(
    store: &Store,
    who: Who<'_>,
    task: i64,
    on: Option<NaiveDate>,
) -> Result<(), AppError> {
    let t = store
        .inspections()
        .task(task)
        .await?
        .ok_or(AppError::NotFound)?;
    managed_plan(store, who, t.plan_id).await?;
    let mut tx = store.begin(who.username).await?;
    tx.set_visit(task, on).await?;
    tx.commit().await?;
    Ok(())
}

/// The plans of the running campaign that `who` manages, newest first.
pub async fn plans(store: &Store, who: Who<'_>) -> Result<Vec<InspectionPlan>, AppError> {
    let Some(c) = store.campaigns().current_record().await? else {
        return Ok(vec![]);
    };
    let mut out = vec![];
    for p in store.inspections().plans(c.id).await? {
        let visible = match who.principal {
            None => true,
            Some(_) => managed_scope(store, who, &p.scope_code).await.is_ok(),
        };
        if visible {
            out.push(p);
        }
    }
    Ok(out)
}

/// The draw record of a plan, for the office (any time after the draw) or, through
/// [`public::record`], for anyone once its results are public.
pub async fn record(
    store: &Store,
    who: Who<'_>,
    plan: i64,
) -> Result<xianfeng_domain::draw::DrawRecord, AppError> {
    let (p, _) = managed_plan(store, who, plan).await?;
    p.record
        .ok_or_else(|| AppError::Input(Message::of("inspection.not_drawn", &[])))
}
