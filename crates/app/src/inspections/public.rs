//! What the public sees of supervision (双随机一公开): each plan from the moment its
//! population is frozen (P), the seed input once entered, and — when the visits are over,
//! or at once if the plan says so — the targets, their inspectors, each target's counts of
//! 符合 / 基本符合 / 不符合 and its rectification. Before that nothing names a target: not
//! the population list either, since with the seed input anyone could compute the targets
//! from it.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Serialize;
use xianfeng_domain::draw::DrawRecord;
use xianfeng_domain::inspection::{PlanStatus, RectificationStatus, Tally, results_public};
use xianfeng_storage::{InspectionPlan, Store};

use crate::AppError;

/// A target's result as published.
#[derive(Debug, Clone, Serialize)]
pub struct TargetResult {
    pub code: String,
    pub name: String,
    /// The inspectors' names, in ranked order.
    pub inspectors: Vec<String>,
    pub submitted: bool,
    pub tally: Tally,
    /// Rectification items: all, closed (销号), overdue.
    pub rectifications: usize,
    pub rectified: usize,
    pub overdue: usize,
}

/// A plan as published.
#[derive(Debug, Clone, Serialize)]
pub struct PublicPlan {
    #[serde(flatten)]
    pub plan: InspectionPlan,
    pub population_size: usize,
    pub strata: usize,
    pub seed: Option<String>,
    /// `None` until the results are public.
    pub results: Option<Vec<TargetResult>>,
}

impl PublicPlan {
    pub fn results_public(&self) -> bool {
        self.results.is_some()
    }
}

/// Every published plan of campaign `campaign_id`, newest first.
pub async fn plans(
    store: &Store,
    campaign_id: i64,
    today: NaiveDate,
) -> Result<Vec<PublicPlan>, AppError> {
    let names: HashMap<String, String> = store
        .inspections()
        .inspectors()
        .await?
        .into_iter()
        .map(|i| (i.username, i.name))
        .collect();
    let mut out = vec![];
    for p in store.inspections().plans(campaign_id).await? {
        if p.status < PlanStatus::Published {
            continue;
        }
        out.push(public_plan(store, p, &names, today).await?);
    }
    Ok(out)
}

pub(crate) async fn public_plan(
    store: &Store,
    p: InspectionPlan,
    names: &HashMap<String, String>,
    today: NaiveDate,
) -> Result<PublicPlan, AppError> {
    let (size, strata) = p
        .frozen
        .as_ref()
        .map_or((0, 0), |f| (f.len(), f.strata.len()));
    let seed = p.record.as_ref().map(|r| r.seed.clone());
    let results = if results_public(p.status, p.results_at_once) {
        let mut tallies: BTreeMap<i64, Tally> = BTreeMap::new();
        for (task, j) in store.inspections().judgements(p.id).await? {
            tallies.entry(task).or_default().add(j);
        }
        let rect = store.inspections().rectifications_of_plan(p.id).await?;
        let mut list = vec![];
        for t in store.inspections().tasks_of_plan(p.id).await? {
            let mine: Vec<_> = rect.iter().filter(|r| r.task_id == t.id).collect();
            let name = p
                .frozen
                .as_ref()
                .and_then(|f| f.entries.get(&t.target_code))
                .map_or_else(|| t.org_name.clone(), |e| e.name.clone());
            list.push(TargetResult {
                code: t.target_code.clone(),
                name,
                inspectors: t
                    .inspectors
                    .iter()
                    .map(|u| names.get(u).cloned().unwrap_or_else(|| u.clone()))
                    .collect(),
                submitted: t.submitted_at.is_some(),
                tally: tallies.get(&t.id).copied().unwrap_or_default(),
                rectifications: mine.len(),
                rectified: mine
                    .iter()
                    .filter(|r| r.status == RectificationStatus::Closed)
                    .count(),
                overdue: mine
                    .iter()
                    .filter(|r| r.status.overdue(r.due_on, today))
                    .count(),
            });
        }
        Some(list)
    } else {
        None
    };
    Ok(PublicPlan {
        population_size: size,
        strata,
        seed,
        results,
        plan: p,
    })
}

/// A plan's draw record, once its results are public; until then it does not exist for
/// the public.
pub async fn record(store: &Store, campaign_id: i64, plan: i64) -> Result<DrawRecord, AppError> {
    let p = store
        .inspections()
        .plan(plan)
        .await?
        .ok_or(AppError::NotFound)?;
    if p.campaign_id != campaign_id || !results_public(p.status, p.results_at_once) {
        return Err(AppError::NotFound);
    }
    p.record.ok_or(AppError::NotFound)
}
