//! Freezing a plan's population (P) and drawing it: the registry and the inspector pool
//! turned into the draw's published inputs ([`xianfeng_domain::draw`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use xianfeng_domain::draw::{DrawInput, DrawRecord, allocate, population_digest, select_targets};
use xianfeng_domain::inspection::{
    FrozenPopulation, PlanKind, Population, PopulationEntry, Strata, UNCATEGORISED, team_code,
};
use xianfeng_domain::org::TreePath;
use xianfeng_storage::{InspectionPlan, NewTask, OrgRecord, Store};

use super::{Who, managed_plan};
use crate::AppError;

/// The population a plan names, read from the registry now: each code with its stratum,
/// its path from the scope and what it stands for.
async fn population_of(
    store: &Store,
    plan: &InspectionPlan,
    scope: &OrgRecord,
) -> Result<FrozenPopulation, AppError> {
    let orgs = store.registry().orgs_under(scope).await?;
    let by_id: HashMap<i64, &OrgRecord> = orgs.iter().map(|o| (o.id, o)).collect();
    let scope_depth = scope.tree_path().depth();
    // The codes from the scope down to `o`.
    let path_of = |o: &OrgRecord| -> Vec<String> {
        o.tree_path()
            .ids()
            .into_iter()
            .skip(scope_depth.saturating_sub(1))
            .filter_map(|id| by_id.get(&id).map(|x| x.code.clone()))
            .collect()
    };
    let county_of = |o: &OrgRecord| -> String {
        let path = path_of(o);
        path.get(1).cloned().unwrap_or_else(|| o.code.clone())
    };
    let excluded: BTreeSet<&str> = plan.excluded.iter().map(String::as_str).collect();
    let listed: BTreeSet<&str> = plan.targets.iter().map(String::as_str).collect();
    let wanted = |code: &str| -> bool {
        !excluded.contains(code) && (plan.kind == PlanKind::Random || listed.contains(code))
    };
    let mut out = FrozenPopulation::default();
    let mut strata: Vec<(String, String)> = vec![];
    let mut add = |code: String,
                   stratum: String,
                   path: Vec<String>,
                   entry: PopulationEntry,
                   out: &mut FrozenPopulation| {
        strata.push((stratum, code.clone()));
        out.paths.insert(code.clone(), path);
        out.entries.insert(code, entry);
    };
    match plan.population {
        Population::Branches | Population::Committees => {
            for o in &orgs {
                if o.id == scope.id
                    || o.closed_on.is_some()
                    || !plan.population.takes(o.kind)
                    || !wanted(&o.code)
                {
                    continue;
                }
                let stratum = match plan.strata {
                    Strata::County => county_of(o),
                    Strata::Category => o.category.clone().unwrap_or(UNCATEGORISED.into()),
                };
                add(
                    o.code.clone(),
                    stratum,
                    path_of(o),
                    PopulationEntry {
                        org_id: o.id,
                        team_id: None,
                        name: o.name.clone(),
                    },
                    &mut out,
                );
            }
        }
        Population::Teams => {
            for t in store.registry().all_teams().await? {
                let Some(o) = by_id.get(&t.org_id) else {
                    continue;
                };
                let code = team_code(&o.code, t.id);
                if o.closed_on.is_some() || !wanted(&code) {
                    continue;
                }
                let stratum = match plan.strata {
                    Strata::County => county_of(o),
                    Strata::Category => t
                        .category
                        .map(|c| c.as_str().to_string())
                        .unwrap_or(UNCATEGORISED.into()),
                };
                let mut path = path_of(o);
                path.push(code.clone());
                add(
                    code,
                    stratum,
                    path,
                    PopulationEntry {
                        org_id: o.id,
                        team_id: Some(t.id),
                        name: format!("{} {}", o.name, t.name),
                    },
                    &mut out,
                );
            }
        }
    }
    if plan.kind == PlanKind::Regular {
        let found: BTreeSet<&str> = out.entries.keys().map(String::as_str).collect();
        let missing: Vec<&str> = listed.difference(&found).copied().collect();
        if !missing.is_empty() {
            return Err(AppError::input(
                "inspection.targets_missing",
                &[("codes", &missing.join(", "))],
            ));
        }
    }
    out.strata = xianfeng_domain::inspection::strata_of(strata);
    if out.is_empty() {
        return Err(AppError::input("inspection.empty_population", &[]));
    }
    Ok(out)
}

/// Freezes a draft plan's population and publishes its digest P, which it returns.
pub async fn publish(store: &Store, who: Who<'_>, plan: i64) -> Result<String, AppError> {
    let (p, scope) = managed_plan(store, who, plan).await?;
    p.status.may_publish().map_err(AppError::Input)?;
    let frozen = population_of(store, &p, &scope).await?;
    let digest = frozen.digest();
    let mut tx = store.begin(who.username).await?;
    tx.publish_plan(plan, &p.excluded, &frozen).await?;
    tx.commit().await?;
    Ok(digest)
}

/// Enters the seed input and draws a published plan, once: the targets and their
/// inspectors, as the record says. Refused, with nothing changed, before P is public, a
/// second time, or when the pool cannot staff every target.
pub async fn draw(
    store: &Store,
    who: Who<'_>,
    plan: i64,
    seed_input: &str,
) -> Result<DrawRecord, AppError> {
    let (p, scope) = managed_plan(store, who, plan).await?;
    p.status.may_draw().map_err(AppError::Input)?;
    if seed_input.trim().is_empty() || seed_input.chars().count() > 500 {
        return Err(AppError::input("inspection.bad_seed_input", &[]));
    }
    let frozen = p.frozen.clone().ok_or(AppError::NotFound)?;
    let sizes: BTreeMap<String, usize> = frozen
        .strata
        .iter()
        .map(|(s, codes)| (s.clone(), codes.len()))
        .collect();
    let per_stratum = allocate(&sizes, p.allocation);
    let digest = population_digest(
        frozen
            .strata
            .values()
            .flat_map(|c| c.iter().map(String::as_str)),
    );
    let seed = xianfeng_domain::draw::seed(&digest, seed_input);
    let targets = select_targets(&frozen.strata, &per_stratum, &seed);

    let pool: Vec<_> = store
        .inspections()
        .inspectors()
        .await?
        .into_iter()
        .filter(|i| i.active)
        .collect();
    // One read of the tree for every home and target (not a query per inspector).
    let orgs: HashMap<i64, OrgRecord> = store
        .registry()
        .all_orgs()
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    // Each inspector's home: its place in the tree and its code.
    let homes: HashMap<i64, (TreePath, &str)> = pool
        .iter()
        .filter_map(|i| {
            let o = orgs.get(&i.home_org_id)?;
            Some((i.user_id, (o.tree_path(), o.code.as_str())))
        })
        .collect();
    // Conflicts of the targets drawn: a home at or below the target's organisation, or
    // between the scope and the target (交叉检查), or a declared 回避.
    let mut conflicts: BTreeSet<(String, String)> = BTreeSet::new();
    let mut target_paths = BTreeMap::new();
    for code in &targets {
        let e = &frozen.entries[code];
        target_paths.insert(code.clone(), frozen.paths[code].clone());
        let target = orgs.get(&e.org_id).map(OrgRecord::tree_path);
        for i in &pool {
            let below = homes
                .get(&i.user_id)
                .zip(target.as_ref())
                .is_some_and(|((home, _), target)| target.contains(home));
            let declared = i.conflicts.iter().any(|c| c.org_id == e.org_id);
            if below || declared {
                conflicts.insert((code.clone(), i.username.clone()));
            }
        }
    }
    let mut input = DrawInput {
        plan: p.id.to_string(),
        population: frozen.strata.clone(),
        seed_input: seed_input.to_string(),
        per_stratum,
        inspectors: pool.iter().map(|i| i.username.clone()).collect(),
        inspector_homes: pool
            .iter()
            .filter_map(|i| {
                homes
                    .get(&i.user_id)
                    .map(|(_, code)| (i.username.clone(), code.to_string()))
            })
            .collect(),
        scope: scope.code.clone(),
        target_paths,
        per_target: p.per_target as usize,
        cap: p.cap as usize,
        conflicts: vec![],
    };
    conflicts.extend(xianfeng_domain::draw::path_conflicts(&input));
    input.conflicts = conflicts.into_iter().collect();
    let record =
        xianfeng_domain::draw::draw(&input).map_err(|short| AppError::Input(short.message()))?;

    let ids: HashMap<&str, i64> = pool
        .iter()
        .map(|i| (i.username.as_str(), i.user_id))
        .collect();
    let tasks: Vec<NewTask> = record
        .targets
        .iter()
        .map(|code| {
            let e = &frozen.entries[code];
            NewTask {
                target_code: code.clone(),
                org_id: e.org_id,
                team_id: e.team_id,
                user_ids: record.assignments[code]
                    .iter()
                    .filter_map(|u| ids.get(u.as_str()).copied())
                    .collect(),
            }
        })
        .collect();
    let mut tx = store.begin(who.username).await?;
    tx.draw_plan(plan, &record, &tasks).await?;
    tx.commit().await?;
    Ok(record)
}
