//! Supervision (督查指导): the inspector pool, inspection plans and their draws, tasks,
//! findings and rectification. Each step of a plan is written once: the write names the
//! status it expects, so two servers racing to draw the same plan cannot both succeed.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use xianfeng_domain::draw::{Allocation, DrawRecord};
use xianfeng_domain::i18n::Message;
use xianfeng_domain::inspection::{
    FrozenPopulation, Judgement, PlanKind, PlanStatus, Population, RectificationStatus, Strata,
};

use crate::Inspections;
use crate::commitments::{Evidence, evidence};
use crate::row::Row;
use crate::{Result, StoreError, WriteTx, now_ms};

/// An inspector of the pool: the account, the person's name, home and declared conflicts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InspectorRecord {
    pub user_id: i64,
    pub username: String,
    pub name: String,
    pub home_org_id: i64,
    pub home_code: String,
    pub home_name: String,
    pub active: bool,
    pub conflicts: Vec<DeclaredConflict>,
}

/// A declared conflict (回避): the organisation and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeclaredConflict {
    pub org_id: i64,
    pub org_code: String,
    pub reason: String,
}

/// An inspector to keep in the pool.
#[derive(Debug, Clone)]
pub struct NewInspector {
    pub user_id: i64,
    pub username: String,
    pub name: String,
    pub home_org_id: i64,
    pub active: bool,
    /// (organisation id, reason)
    pub conflicts: Vec<(i64, String)>,
}

/// A plan as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InspectionPlan {
    pub id: i64,
    pub campaign_id: i64,
    pub name: String,
    pub kind: PlanKind,
    pub scope_org_id: i64,
    pub scope_code: String,
    pub scope_name: String,
    pub population: Population,
    pub strata: Strata,
    #[serde(skip)]
    pub allocation: Allocation,
    pub per_target: i64,
    pub cap: i64,
    pub results_at_once: bool,
    /// A regular plan's list: not served with the plan (it names targets).
    #[serde(skip)]
    pub targets: Vec<String>,
    #[serde(skip)]
    pub excluded: Vec<String>,
    pub visits_from: Option<NaiveDate>,
    pub visits_to: Option<NaiveDate>,
    pub replaces_plan_id: Option<i64>,
    pub redo_reason: Option<String>,
    pub status: PlanStatus,
    #[serde(skip)]
    pub frozen: Option<FrozenPopulation>,
    pub population_digest: Option<String>,
    pub published_at: Option<i64>,
    pub seed_input: Option<String>,
    #[serde(skip)]
    pub record: Option<DrawRecord>,
    pub drawn_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
}

/// A new plan, as the office asked for it.
#[derive(Debug, Clone)]
pub struct NewInspectionPlan {
    pub campaign_id: i64,
    pub name: String,
    pub kind: PlanKind,
    pub scope_org_id: i64,
    pub population: Population,
    pub strata: Strata,
    pub allocation: Allocation,
    pub per_target: i64,
    pub cap: i64,
    pub results_at_once: bool,
    pub targets: Vec<String>,
    pub visits_from: Option<NaiveDate>,
    pub visits_to: Option<NaiveDate>,
    pub replaces: Option<(i64, String)>,
}

/// A task: one target of a drawn plan, with its inspectors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskRecord {
    pub id: i64,
    pub plan_id: i64,
    pub plan_name: String,
    pub plan_status: PlanStatus,
    pub results_at_once: bool,
    pub target_code: String,
    pub org_id: i64,
    pub org_code: String,
    pub org_name: String,
    pub org_path: String,
    pub org_category: Option<String>,
    pub team_id: Option<i64>,
    pub position: i64,
    pub visit_on: Option<NaiveDate>,
    pub submitted_at: Option<i64>,
    pub submitted_by: Option<String>,
    /// Usernames, in ranked order.
    pub inspectors: Vec<String>,
}

/// A task to make when a plan is drawn.
#[derive(Debug, Clone)]
pub struct NewTask {
    pub target_code: String,
    pub org_id: i64,
    pub team_id: Option<i64>,
    pub user_ids: Vec<i64>,
}

/// A finding: one inspection item of one task.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingRecord {
    pub id: i64,
    pub task_id: i64,
    pub item: String,
    pub judgement: Judgement,
    pub note: String,
    pub recorded_by: String,
    pub recorded_at: i64,
    pub photos: Vec<Evidence>,
}

/// A rectification item (整改事项), with the finding it comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RectificationRecord {
    pub id: i64,
    pub finding_id: i64,
    pub task_id: i64,
    pub plan_id: i64,
    pub plan_name: String,
    pub target_code: String,
    pub item: String,
    pub judgement: Judgement,
    pub finding_note: String,
    pub org_id: i64,
    pub org_code: String,
    pub org_name: String,
    pub status: RectificationStatus,
    pub due_on: NaiveDate,
    pub report: Option<String>,
    pub reported_by: Option<String>,
    pub reported_at: Option<i64>,
    /// The day of the (last) report, as the campaign counts days.
    pub reported_on: Option<NaiveDate>,
    pub returned_reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    /// The day of the office's (last) decision: accepted (销号) or returned.
    pub decided_on: Option<NaiveDate>,
    pub evidence: Vec<Evidence>,
}

fn lines(s: &str) -> Vec<String> {
    s.lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

const PLAN_COLUMNS: &str = "p.id, p.campaign_id, p.name, p.kind, p.scope_org_id, \
    o.code AS scope_code, o.name AS scope_name, p.population, p.strata, p.per_stratum, \
    p.total, p.per_target, p.cap, p.results_at_once, p.targets, p.excluded, p.visits_from, \
    p.visits_to, p.replaces_plan_id, p.redo_reason, p.status, p.population_json, \
    p.population_digest, p.published_at, p.seed_input, p.record_json, p.drawn_at, \
    p.closed_at, p.created_by, p.created_at";

fn plan(r: &sqlx::any::AnyRow) -> Result<InspectionPlan> {
    let r = Row::of(r, "inspection_plans");
    let per: Option<i64> = r.get("per_stratum")?;
    let total: Option<i64> = r.get("total")?;
    let allocation = match (per, total) {
        (_, Some(t)) => Allocation::Total(t as usize),
        (Some(k), None) => Allocation::PerStratum(k as usize),
        (None, None) => Allocation::PerStratum(usize::MAX),
    };
    let frozen: Option<String> = r.get("population_json")?;
    let record: Option<String> = r.get("record_json")?;
    Ok(InspectionPlan {
        id: r.get("id")?,
        campaign_id: r.get("campaign_id")?,
        name: r.get("name")?,
        kind: r.parsed("kind", PlanKind::parse)?,
        scope_org_id: r.get("scope_org_id")?,
        scope_code: r.get("scope_code")?,
        scope_name: r.get("scope_name")?,
        population: r.parsed("population", Population::parse)?,
        strata: r.parsed("strata", Strata::parse)?,
        allocation,
        per_target: r.get("per_target")?,
        cap: r.get("cap")?,
        results_at_once: r.get::<i64>("results_at_once")? != 0,
        targets: lines(&r.get::<String>("targets")?),
        excluded: lines(&r.get::<String>("excluded")?),
        visits_from: r.date_opt("visits_from")?,
        visits_to: r.date_opt("visits_to")?,
        replaces_plan_id: r.get("replaces_plan_id")?,
        redo_reason: r.get("redo_reason")?,
        status: r.parsed("status", PlanStatus::parse)?,
        frozen: match frozen {
            Some(_) => Some(r.json("population_json")?),
            None => None,
        },
        population_digest: r.get("population_digest")?,
        published_at: r.get("published_at")?,
        seed_input: r.get("seed_input")?,
        record: match record {
            Some(_) => Some(r.json("record_json")?),
            None => None,
        },
        drawn_at: r.get("drawn_at")?,
        closed_at: r.get("closed_at")?,
        created_by: r.get("created_by")?,
        created_at: r.get("created_at")?,
    })
}

const TASK_COLUMNS: &str = "t.id, t.plan_id, p.name AS plan_name, p.status AS plan_status, \
    p.results_at_once, t.target_code, t.org_id, o.code AS org_code, o.name AS org_name, \
    o.path AS org_path, o.category AS org_category, t.team_id, t.position, t.visit_on, \
    t.submitted_at, t.submitted_by";

const TASK_FROM: &str = "inspection_tasks t JOIN inspection_plans p ON p.id = t.plan_id \
    JOIN organisations o ON o.id = t.org_id";

fn task(r: &sqlx::any::AnyRow) -> Result<TaskRecord> {
    let r = Row::of(r, "inspection_tasks");
    Ok(TaskRecord {
        id: r.get("id")?,
        plan_id: r.get("plan_id")?,
        plan_name: r.get("plan_name")?,
        plan_status: r.parsed("plan_status", PlanStatus::parse)?,
        results_at_once: r.get::<i64>("results_at_once")? != 0,
        target_code: r.get("target_code")?,
        org_id: r.get("org_id")?,
        org_code: r.get("org_code")?,
        org_name: r.get("org_name")?,
        org_path: r.get("org_path")?,
        org_category: r.get("org_category")?,
        team_id: r.get("team_id")?,
        position: r.get("position")?,
        visit_on: r.date_opt("visit_on")?,
        submitted_at: r.get("submitted_at")?,
        submitted_by: r.get("submitted_by")?,
        inspectors: vec![],
    })
}

const RECTIFICATION_COLUMNS: &str = "r.id, r.finding_id, f.task_id, t.plan_id, \
    p.name AS plan_name, t.target_code, f.item, f.judgement, f.note AS finding_note, r.org_id, \
    o.code AS org_code, o.name AS org_name, r.status, r.due_on, r.report, r.reported_by, \
    r.reported_at, r.reported_on, r.returned_reason, r.decided_by, r.decided_at, r.decided_on";

const RECTIFICATION_FROM: &str = "rectifications r \
    JOIN inspection_findings f ON f.id = r.finding_id \
    JOIN inspection_tasks t ON t.id = f.task_id \
    JOIN inspection_plans p ON p.id = t.plan_id \
    JOIN organisations o ON o.id = r.org_id";

fn rectification(r: &sqlx::any::AnyRow) -> Result<RectificationRecord> {
    let r = Row::of(r, "rectifications");
    Ok(RectificationRecord {
        id: r.get("id")?,
        finding_id: r.get("finding_id")?,
        task_id: r.get("task_id")?,
        plan_id: r.get("plan_id")?,
        plan_name: r.get("plan_name")?,
        target_code: r.get("target_code")?,
        item: r.get("item")?,
        judgement: r.parsed("judgement", Judgement::parse)?,
        finding_note: r.get("finding_note")?,
        org_id: r.get("org_id")?,
        org_code: r.get("org_code")?,
        org_name: r.get("org_name")?,
        status: r.parsed("status", RectificationStatus::parse)?,
        due_on: r.date("due_on")?,
        report: r.get("report")?,
        reported_by: r.get("reported_by")?,
        reported_at: r.get("reported_at")?,
        reported_on: r.date_opt("reported_on")?,
        returned_reason: r.get("returned_reason")?,
        decided_by: r.get("decided_by")?,
        decided_at: r.get("decided_at")?,
        decided_on: r.date_opt("decided_on")?,
        evidence: vec![],
    })
}

impl Inspections<'_> {
    /// The inspector pool, by name.
    pub async fn inspectors(self) -> Result<Vec<InspectorRecord>> {
        let rows = sqlx::query(
            "SELECT i.user_id, u.username, i.name, i.home_org_id, o.code AS home_code, \
             o.name AS home_name, i.active FROM inspectors i JOIN users u ON u.id = i.user_id \
             JOIN organisations o ON o.id = i.home_org_id ORDER BY u.username",
        )
        .fetch_all(self.store.reader())
        .await?;
        let mut conflicts: BTreeMap<i64, Vec<DeclaredConflict>> = BTreeMap::new();
        for (user, org_id, org_code, reason) in sqlx::query_as::<_, (i64, i64, String, String)>(
            "SELECT c.user_id, c.org_id, o.code, c.reason FROM inspector_conflicts c \
             JOIN organisations o ON o.id = c.org_id ORDER BY o.code",
        )
        .fetch_all(self.store.reader())
        .await?
        {
            conflicts.entry(user).or_default().push(DeclaredConflict {
                org_id,
                org_code,
                reason,
            });
        }
        rows.iter()
            .map(|r| {
                let r = Row::of(r, "inspectors");
                let user_id: i64 = r.get("user_id")?;
                Ok(InspectorRecord {
                    user_id,
                    username: r.get("username")?,
                    name: r.get("name")?,
                    home_org_id: r.get("home_org_id")?,
                    home_code: r.get("home_code")?,
                    home_name: r.get("home_name")?,
                    active: r.get::<i64>("active")? != 0,
                    conflicts: conflicts.remove(&user_id).unwrap_or_default(),
                })
            })
            .collect()
    }

    /// The task whose finding holds photo `attachment`, if one does.
    pub async fn attachment_task(self, attachment: i64) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT f.task_id FROM finding_attachments fa \
             JOIN inspection_findings f ON f.id = fa.finding_id WHERE fa.attachment_id = $1",
        )
        .bind(attachment)
        .fetch_optional(self.store.reader())
        .await?)
    }

    /// The rectification item whose evidence `attachment` is, if any.
    pub async fn attachment_rectification(self, attachment: i64) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT rectification_id FROM rectification_attachments WHERE attachment_id = $1",
        )
        .bind(attachment)
        .fetch_optional(self.store.reader())
        .await?)
    }

    pub async fn plan(self, id: i64) -> Result<Option<InspectionPlan>> {
        sqlx::query(dynsql!(
            "SELECT {PLAN_COLUMNS} FROM inspection_plans p \
             JOIN organisations o ON o.id = p.scope_org_id WHERE p.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.store.reader())
        .await?
        .as_ref()
        .map(plan)
        .transpose()
    }

    /// Every plan of campaign `campaign`, newest first.
    pub async fn plans(self, campaign: i64) -> Result<Vec<InspectionPlan>> {
        sqlx::query(dynsql!(
            "SELECT {PLAN_COLUMNS} FROM inspection_plans p \
             JOIN organisations o ON o.id = p.scope_org_id WHERE p.campaign_id = $1 \
             ORDER BY p.id DESC"
        ))
        .bind(campaign)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(plan)
        .collect()
    }

    async fn with_inspectors(self, mut tasks: Vec<TaskRecord>) -> Result<Vec<TaskRecord>> {
        if tasks.is_empty() {
            return Ok(tasks);
        }
        let ids: Vec<String> = tasks.iter().map(|t| t.id.to_string()).collect();
        let mut by_task: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for (task, user) in sqlx::query_as::<_, (i64, String)>(dynsql!(
            "SELECT a.task_id, u.username FROM inspection_assignments a \
             JOIN users u ON u.id = a.user_id WHERE a.task_id IN ({}) \
             ORDER BY a.task_id, a.position",
            ids.join(", ")
        ))
        .fetch_all(self.store.reader())
        .await?
        {
            by_task.entry(task).or_default().push(user);
        }
        for t in &mut tasks {
            t.inspectors = by_task.remove(&t.id).unwrap_or_default();
        }
        Ok(tasks)
    }

    /// A plan's tasks, in key order.
    pub async fn tasks_of_plan(self, plan: i64) -> Result<Vec<TaskRecord>> {
        let tasks = sqlx::query(dynsql!(
            "SELECT {TASK_COLUMNS} FROM {TASK_FROM} WHERE t.plan_id = $1 ORDER BY t.position"
        ))
        .bind(plan)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(task)
        .collect::<Result<Vec<_>>>()?;
        self.with_inspectors(tasks).await
    }

    pub async fn task(self, id: i64) -> Result<Option<TaskRecord>> {
        let Some(row) = sqlx::query(dynsql!(
            "SELECT {TASK_COLUMNS} FROM {TASK_FROM} WHERE t.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.store.reader())
        .await?
        else {
            return Ok(None);
        };
        Ok(self.with_inspectors(vec![task(&row)?]).await?.pop())
    }

    /// The submitted tasks at organisation `org` (itself or one of its teams), newest first.
    pub async fn submitted_tasks_at(self, org: i64) -> Result<Vec<TaskRecord>> {
        let tasks = sqlx::query(dynsql!(
            "SELECT {TASK_COLUMNS} FROM {TASK_FROM} \
             WHERE t.org_id = $1 AND t.submitted_at IS NOT NULL ORDER BY t.submitted_at DESC"
        ))
        .bind(org)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(task)
        .collect::<Result<Vec<_>>>()?;
        self.with_inspectors(tasks).await
    }

    /// The tasks assigned to account `username`, newest plan first.
    pub async fn tasks_of_inspector(self, username: &str) -> Result<Vec<TaskRecord>> {
        let tasks = sqlx::query(dynsql!(
            "SELECT {TASK_COLUMNS} FROM {TASK_FROM} \
             JOIN inspection_assignments a ON a.task_id = t.id \
             JOIN users u ON u.id = a.user_id WHERE u.username = $1 \
             ORDER BY t.plan_id DESC, t.position"
        ))
        .bind(username)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(task)
        .collect::<Result<Vec<_>>>()?;
        self.with_inspectors(tasks).await
    }

    /// The findings of task `task`, with their photos.
    pub async fn findings(self, task: i64) -> Result<Vec<FindingRecord>> {
        let rows = sqlx::query(
            "SELECT id, task_id, item, judgement, note, recorded_by, recorded_at \
             FROM inspection_findings WHERE task_id = $1 ORDER BY id",
        )
        .bind(task)
        .fetch_all(self.store.reader())
        .await?;
        let mut photos: BTreeMap<i64, Vec<Evidence>> = BTreeMap::new();
        for row in sqlx::query(
            "SELECT fa.finding_id, a.id, a.file_name, a.kind FROM finding_attachments fa \
             JOIN attachments a ON a.id = fa.attachment_id \
             JOIN inspection_findings f ON f.id = fa.finding_id WHERE f.task_id = $1 \
             ORDER BY a.id",
        )
        .bind(task)
        .fetch_all(self.store.reader())
        .await?
        {
            let r = Row::of(&row, "attachments");
            photos
                .entry(r.get("finding_id")?)
                .or_default()
                .push(evidence(&r)?);
        }
        rows.iter()
            .map(|r| {
                let r = Row::of(r, "inspection_findings");
                let id: i64 = r.get("id")?;
                Ok(FindingRecord {
                    id,
                    task_id: r.get("task_id")?,
                    item: r.get("item")?,
                    judgement: r.parsed("judgement", Judgement::parse)?,
                    note: r.get("note")?,
                    recorded_by: r.get("recorded_by")?,
                    recorded_at: r.get("recorded_at")?,
                    photos: photos.remove(&id).unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Every finding of plan `plan`'s submitted tasks: (task, judgement), for the counts.
    pub async fn judgements(self, plan: i64) -> Result<Vec<(i64, Judgement)>> {
        sqlx::query_as::<_, (i64, String)>(
            "SELECT f.task_id, f.judgement FROM inspection_findings f \
             JOIN inspection_tasks t ON t.id = f.task_id \
             WHERE t.plan_id = $1 AND t.submitted_at IS NOT NULL",
        )
        .bind(plan)
        .fetch_all(self.store.reader())
        .await?
        .into_iter()
        .map(|(t, j)| {
            Judgement::parse(&j)
                .map(|j| (t, j))
                .ok_or_else(|| crate::row::bad_value("inspection_findings", "judgement", &j))
        })
        .collect()
    }

    async fn with_evidence(
        self,
        mut list: Vec<RectificationRecord>,
    ) -> Result<Vec<RectificationRecord>> {
        if list.is_empty() {
            return Ok(list);
        }
        let ids: Vec<String> = list.iter().map(|r| r.id.to_string()).collect();
        let mut files: BTreeMap<i64, Vec<Evidence>> = BTreeMap::new();
        for row in sqlx::query(dynsql!(
            "SELECT ra.rectification_id, a.id, a.file_name, a.kind \
             FROM rectification_attachments ra JOIN attachments a ON a.id = ra.attachment_id \
             WHERE ra.rectification_id IN ({}) ORDER BY a.id",
            ids.join(", ")
        ))
        .fetch_all(self.store.reader())
        .await?
        {
            let r = Row::of(&row, "attachments");
            files
                .entry(r.get("rectification_id")?)
                .or_default()
                .push(evidence(&r)?);
        }
        for r in &mut list {
            r.evidence = files.remove(&r.id).unwrap_or_default();
        }
        Ok(list)
    }

    /// The rectification items a query (of [`RECTIFICATION_COLUMNS`]) finds, with their
    /// evidence.
    async fn rectifications_from(
        self,
        q: sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> Result<Vec<RectificationRecord>> {
        let list = q
            .fetch_all(self.store.reader())
            .await?
            .iter()
            .map(rectification)
            .collect::<Result<Vec<_>>>()?;
        self.with_evidence(list).await
    }

    /// The rectification items of the organisations in the subtree at `path`, soonest due
    /// first.
    pub async fn rectifications_under(
        self,
        path: &xianfeng_domain::org::TreePath,
    ) -> Result<Vec<RectificationRecord>> {
        let (lo, hi) = path.subtree_range();
        self.rectifications_from(
            sqlx::query(dynsql!(
                "SELECT {RECTIFICATION_COLUMNS} FROM {RECTIFICATION_FROM} \
                 WHERE o.path >= $1 AND o.path < $2 ORDER BY r.due_on, r.id"
            ))
            .bind(lo)
            .bind(hi),
        )
        .await
    }

    /// The rectification items of organisation `org` itself, soonest due first.
    pub async fn rectifications_of_org(self, org: i64) -> Result<Vec<RectificationRecord>> {
        self.rectifications_from(
            sqlx::query(dynsql!(
                "SELECT {RECTIFICATION_COLUMNS} FROM {RECTIFICATION_FROM} \
                 WHERE r.org_id = $1 ORDER BY r.due_on, r.id"
            ))
            .bind(org),
        )
        .await
    }

    /// The rectification items of plan `plan`.
    pub async fn rectifications_of_plan(self, plan: i64) -> Result<Vec<RectificationRecord>> {
        self.rectifications_from(
            sqlx::query(dynsql!(
                "SELECT {RECTIFICATION_COLUMNS} FROM {RECTIFICATION_FROM} \
                 WHERE t.plan_id = $1 ORDER BY t.position, r.id"
            ))
            .bind(plan),
        )
        .await
    }

    pub async fn rectification(self, id: i64) -> Result<Option<RectificationRecord>> {
        Ok(self
            .rectifications_from(
                sqlx::query(dynsql!(
                    "SELECT {RECTIFICATION_COLUMNS} FROM {RECTIFICATION_FROM} WHERE r.id = $1"
                ))
                .bind(id),
            )
            .await?
            .pop())
    }
}

/// A rectification item as scoring counts it: the organisation, where it stands, its due
/// day and the day of its report.
pub type RectificationFact = (i64, RectificationStatus, NaiveDate, Option<NaiveDate>);

impl Inspections<'_> {
    /// Every rectification item of campaign `campaign`'s plans, for scoring.
    pub async fn rectification_facts(self, campaign: i64) -> Result<Vec<RectificationFact>> {
        let rows: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(
            "SELECT r.org_id, r.status, r.due_on, r.reported_on FROM rectifications r \
             JOIN inspection_findings f ON f.id = r.finding_id \
             JOIN inspection_tasks t ON t.id = f.task_id \
             JOIN inspection_plans p ON p.id = t.plan_id WHERE p.campaign_id = $1",
        )
        .bind(campaign)
        .fetch_all(self.store.reader())
        .await?;
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        rows.into_iter()
            .map(|(org, status, due, reported)| {
                let bad = |c: &str, v: &str| crate::row::bad_value("rectifications", c, v);
                Ok((
                    org,
                    RectificationStatus::parse(&status).ok_or_else(|| bad("status", &status))?,
                    day(&due).ok_or_else(|| bad("due_on", &due))?,
                    match reported {
                        Some(r) => Some(day(&r).ok_or_else(|| bad("reported_on", &r))?),
                        None => None,
                    },
                ))
            })
            .collect()
    }
}

fn not_found(key: &'static str) -> StoreError {
    StoreError::NotFound(Message::of(key, &[]))
}

/// A step of a plan refused because the plan moved on meanwhile (another server, another
/// tab): the caller reads the plan again and says why.
fn moved_on() -> StoreError {
    StoreError::Conflict(Message::of("store.inspection_moved_on", &[]))
}

impl WriteTx {
    /// Puts an inspector in the pool or updates it: home, active flag, declared conflicts
    /// (replacing those declared before). Audited.
    pub async fn keep_inspector(&mut self, i: &NewInspector) -> Result<()> {
        // One statement that inserts or updates, and holds the row: the same inspector
        // kept twice at once (two imports, two servers) is one, and the conflicts below
        // are the later writer's whole list (B15).
        sqlx::query(
            "INSERT INTO inspectors (user_id, name, home_org_id, active, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO UPDATE SET \
             name = excluded.name, home_org_id = excluded.home_org_id, \
             active = excluded.active, updated_at = excluded.updated_at",
        )
        .bind(i.user_id)
        .bind(i.name.clone())
        .bind(i.home_org_id)
        .bind(i64::from(i.active))
        .bind(now_ms())
        .execute(&mut *self.tx)
        .await?;
        sqlx::query("DELETE FROM inspector_conflicts WHERE user_id = $1")
            .bind(i.user_id)
            .execute(&mut *self.tx)
            .await?;
        for (org, reason) in &i.conflicts {
            sqlx::query(
                "INSERT INTO inspector_conflicts (user_id, org_id, reason) VALUES ($1, $2, $3)",
            )
            .bind(i.user_id)
            .bind(*org)
            .bind(reason.clone())
            .execute(&mut *self.tx)
            .await?;
        }
        let after = serde_json::json!({
            "name": i.name, "home": i.home_org_id, "active": i.active,
            "conflicts": i.conflicts,
        });
        self.record::<(), _>(
            "inspection.inspector",
            "user",
            &i.username,
            None,
            Some(&after),
        )
        .await
    }

    /// Takes inspector `user_id` out of the draws or back in, and nothing else: a pool
    /// import at the same moment keeps its conflicts. `false` if she was so already.
    pub async fn set_inspector_active(
        &mut self,
        user_id: i64,
        username: &str,
        active: bool,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE inspectors SET active = $1, updated_at = $2 WHERE user_id = $3 \
             AND active <> $1",
        )
        .bind(i64::from(active))
        .bind(now_ms())
        .bind(user_id)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        self.record(
            "inspection.inspector",
            "user",
            username,
            Some(&serde_json::json!({ "active": !active })),
            Some(&serde_json::json!({ "active": active })),
        )
        .await?;
        Ok(true)
    }

    /// Stores a new draft plan (audited) and returns its id.
    pub async fn create_inspection_plan(&mut self, p: &NewInspectionPlan) -> Result<i64> {
        let id = self.next_id("inspection_plans").await?;
        let (per, total) = match p.allocation {
            Allocation::PerStratum(k) => (Some(k as i64), None),
            Allocation::Total(t) => (None, Some(t as i64)),
        };
        sqlx::query(
            "INSERT INTO inspection_plans (id, campaign_id, name, kind, scope_org_id, \
             population, strata, per_stratum, total, per_target, cap, results_at_once, targets, \
             excluded, visits_from, visits_to, replaces_plan_id, redo_reason, status, \
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
             $12, $13, '', $14, $15, $16, $17, 'draft', $18, $19)",
        )
        .bind(id)
        .bind(p.campaign_id)
        .bind(p.name.trim().to_string())
        .bind(p.kind.as_str())
        .bind(p.scope_org_id)
        .bind(p.population.as_str())
        .bind(p.strata.as_str())
        .bind(per)
        .bind(total)
        .bind(p.per_target)
        .bind(p.cap)
        .bind(i64::from(p.results_at_once))
        .bind(p.targets.join("\n"))
        .bind(p.visits_from.map(|d| d.to_string()))
        .bind(p.visits_to.map(|d| d.to_string()))
        .bind(p.replaces.as_ref().map(|r| r.0))
        .bind(p.replaces.as_ref().map(|r| r.1.trim().to_string()))
        .bind(self.actor.clone())
        .bind(now_ms())
        .execute(&mut *self.tx)
        .await?;
        let after = serde_json::json!({
            "name": p.name, "kind": p.kind, "scope": p.scope_org_id,
            "population": p.population, "strata": p.strata, "per_target": p.per_target,
            "cap": p.cap, "targets": p.targets, "replaces": p.replaces,
        });
        self.record::<(), _>(
            "inspection.plan_create",
            "inspection_plan",
            &id.to_string(),
            None,
            Some(&after),
        )
        .await?;
        Ok(id)
    }

    /// Sets the codes a draft plan leaves out of its population (audited).
    pub async fn exclude_from_plan(
        &mut self,
        plan: i64,
        seen: &[String],
        codes: &[String],
    ) -> Result<()> {
        self.refuse_if_exclusions_moved(plan, seen).await?;
        let done = sqlx::query(
            "UPDATE inspection_plans SET excluded = $1 WHERE id = $2 AND status = 'draft'",
        )
        .bind(codes.join("\n"))
        .bind(plan)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(moved_on());
        }
        self.record::<(), _>(
            "inspection.plan_exclude",
            "inspection_plan",
            &plan.to_string(),
            None,
            Some(&codes),
        )
        .await
    }

    /// Locks a plan until this transaction ends and refuses if its exclusions are no longer
    /// the ones `seen` when the change was decided: two exclusions at once must not lose
    /// each other's codes, nor a publication freeze a population without the last one.
    async fn refuse_if_exclusions_moved(&mut self, plan: i64, seen: &[String]) -> Result<()> {
        self.lock_rows(crate::locks::Rows::InspectionPlans, &[plan])
            .await?;
        let now: Option<String> =
            sqlx::query_scalar("SELECT excluded FROM inspection_plans WHERE id = $1")
                .bind(plan)
                .fetch_optional(&mut *self.tx)
                .await?;
        match now {
            Some(now) if lines(&now) == seen => Ok(()),
            _ => Err(moved_on()),
        }
    }

    /// Freezes a draft plan's population and publishes its digest P (audited).
    pub async fn publish_plan(
        &mut self,
        plan: i64,
        seen: &[String],
        frozen: &FrozenPopulation,
    ) -> Result<()> {
        self.refuse_if_exclusions_moved(plan, seen).await?;
        let digest = frozen.digest();
        let done = sqlx::query(
            "UPDATE inspection_plans SET status = 'published', population_json = $1, \
             population_digest = $2, published_at = $3 WHERE id = $4 AND status = 'draft'",
        )
        .bind(serde_json::to_string(frozen).expect("a population serialises"))
        .bind(digest.clone())
        .bind(now_ms())
        .bind(plan)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(moved_on());
        }
        self.record::<(), _>(
            "inspection.plan_publish",
            "inspection_plan",
            &plan.to_string(),
            None,
            Some(&serde_json::json!({ "population_digest": digest, "size": frozen.len() })),
        )
        .await
    }

    /// Records the seed input and the draw of a published plan, and makes its tasks
    /// (audited). Only once: a plan already drawn is refused.
    pub async fn draw_plan(
        &mut self,
        plan: i64,
        record: &DrawRecord,
        tasks: &[NewTask],
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE inspection_plans SET status = 'drawn', seed_input = $1, record_json = $2, \
             drawn_at = $3 WHERE id = $4 AND status = 'published'",
        )
        .bind(record.seed_input.clone())
        .bind(serde_json::to_string(record).expect("a record serialises"))
        .bind(now_ms())
        .bind(plan)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(moved_on());
        }
        let first = self.take_ids("inspection_tasks", tasks.len()).await?;
        for (n, t) in tasks.iter().enumerate() {
            let id = first + n as i64;
            sqlx::query(
                "INSERT INTO inspection_tasks (id, plan_id, target_code, org_id, team_id, \
                 position) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(plan)
            .bind(t.target_code.clone())
            .bind(t.org_id)
            .bind(t.team_id)
            .bind(n as i64)
            .execute(&mut *self.tx)
            .await?;
            for (k, user) in t.user_ids.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO inspection_assignments (task_id, user_id, position) \
                     VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(*user)
                .bind(k as i64)
                .execute(&mut *self.tx)
                .await?;
            }
        }
        self.record::<(), _>(
            "inspection.plan_draw",
            "inspection_plan",
            &plan.to_string(),
            None,
            Some(&serde_json::json!({
                "seed_input": record.seed_input, "seed": record.seed,
                "assignments": record.assignments,
            })),
        )
        .await
    }

    /// Sets the day of a task's visit (audited).
    pub async fn set_visit(&mut self, task: i64, on: Option<NaiveDate>) -> Result<()> {
        let done = sqlx::query(
            "UPDATE inspection_tasks SET visit_on = $1 WHERE id = $2 AND submitted_at IS NULL",
        )
        .bind(on.map(|d| d.to_string()))
        .bind(task)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(not_found("store.no_open_task"));
        }
        self.record::<(), _>(
            "inspection.visit",
            "inspection_task",
            &task.to_string(),
            None,
            Some(&on),
        )
        .await
    }

    /// Records (or changes) the finding of an item of an open task, adding photos
    /// (audited). Returns the finding's id.
    pub async fn save_finding(
        &mut self,
        task: i64,
        item: &str,
        judgement: Judgement,
        note: &str,
        photos: &[i64],
    ) -> Result<i64> {
        // The task locked while the finding is written: a submission at the same moment
        // waits and then reads it, or went first and this one is refused.
        self.lock_rows(crate::locks::Rows::InspectionTasks, &[task])
            .await?;
        let open: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM inspection_tasks WHERE id = $1 AND submitted_at IS NULL",
        )
        .bind(task)
        .fetch_optional(&mut *self.tx)
        .await?;
        if open.is_none() {
            return Err(StoreError::Conflict(Message::of(
                "store.task_submitted",
                &[],
            )));
        }
        let existing: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM inspection_findings WHERE task_id = $1 AND item = $2",
        )
        .bind(task)
        .bind(item)
        .fetch_optional(&mut *self.tx)
        .await?;
        let now = now_ms();
        let id = match existing {
            Some(id) => {
                sqlx::query(
                    "UPDATE inspection_findings SET judgement = $1, note = $2, \
                     recorded_by = $3, recorded_at = $4 WHERE id = $5",
                )
                .bind(judgement.as_str())
                .bind(note.trim().to_string())
                .bind(self.actor.clone())
                .bind(now)
                .bind(id)
                .execute(&mut *self.tx)
                .await?;
                id
            }
            None => {
                let id = self.next_id("inspection_findings").await?;
                sqlx::query(
                    "INSERT INTO inspection_findings (id, task_id, item, judgement, note, \
                     recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id)
                .bind(task)
                .bind(item)
                .bind(judgement.as_str())
                .bind(note.trim().to_string())
                .bind(self.actor.clone())
                .bind(now)
                .execute(&mut *self.tx)
                .await?;
                id
            }
        };
        for a in photos {
            sqlx::query(
                "INSERT INTO finding_attachments (finding_id, attachment_id) VALUES ($1, $2)",
            )
            .bind(id)
            .bind(*a)
            .execute(&mut *self.tx)
            .await?;
        }
        self.record::<(), _>(
            "inspection.finding",
            "inspection_task",
            &task.to_string(),
            None,
            Some(&serde_json::json!({
                "item": item, "judgement": judgement, "note": note.trim(), "photos": photos,
            })),
        )
        .await?;
        Ok(id)
    }

    /// Submits an open task's findings, opening a rectification item for each finding
    /// given with its due date (audited).
    pub async fn submit_task(
        &mut self,
        task: i64,
        org_id: i64,
        due_by_item: &BTreeMap<String, NaiveDate>,
    ) -> Result<usize> {
        let now = now_ms();
        let done = sqlx::query(
            "UPDATE inspection_tasks SET submitted_at = $1, submitted_by = $2 \
             WHERE id = $3 AND submitted_at IS NULL",
        )
        .bind(now)
        .bind(self.actor.clone())
        .bind(task)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(Message::of(
                "store.task_submitted",
                &[],
            )));
        }
        // The findings as they are now that the task is locked by the update above: a
        // finding saved at the same moment is committed before, or refused after.
        let judged: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, item, judgement FROM inspection_findings WHERE task_id = $1 ORDER BY id",
        )
        .bind(task)
        .fetch_all(&mut *self.tx)
        .await?;
        let mut rectify = vec![];
        for (finding, item, judgement) in judged {
            let judgement = Judgement::parse(&judgement).ok_or_else(|| {
                crate::row::bad_value("inspection_findings", "judgement", &judgement)
            })?;
            if judgement.needs_rectification() {
                let due = due_by_item.get(&item).ok_or_else(|| {
                    StoreError::Conflict(Message::of("store.inspection_moved_on", &[]))
                })?;
                rectify.push((finding, *due));
            }
        }
        let first = self.take_ids("rectifications", rectify.len()).await?;
        for (n, (finding, due)) in rectify.iter().enumerate() {
            sqlx::query(
                "INSERT INTO rectifications (id, finding_id, org_id, status, due_on, opened_at) \
                 VALUES ($1, $2, $3, 'open', $4, $5)",
            )
            .bind(first + n as i64)
            .bind(*finding)
            .bind(org_id)
            .bind(due.to_string())
            .bind(now)
            .execute(&mut *self.tx)
            .await?;
        }
        self.record::<(), _>(
            "inspection.submit",
            "inspection_task",
            &task.to_string(),
            None,
            Some(&serde_json::json!({ "rectifications": rectify.len() })),
        )
        .await?;
        Ok(rectify.len())
    }

    /// Closes a drawn plan (audited).
    pub async fn close_plan(&mut self, plan: i64) -> Result<()> {
        let done = sqlx::query(
            "UPDATE inspection_plans SET status = 'closed', closed_at = $1 \
             WHERE id = $2 AND status = 'drawn'",
        )
        .bind(now_ms())
        .bind(plan)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(moved_on());
        }
        self.record::<(), _>(
            "inspection.plan_close",
            "inspection_plan",
            &plan.to_string(),
            None,
            None::<&()>,
        )
        .await
    }

    /// The organisation reports what it did about rectification item `id`, with evidence
    /// (audited). `from` is the status the caller saw.
    pub async fn report_rectification(
        &mut self,
        id: i64,
        from: RectificationStatus,
        report: &str,
        files: &[i64],
        on: NaiveDate,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE rectifications SET status = 'reported', report = $1, reported_by = $2, \
             reported_at = $3, reported_on = $4 WHERE id = $5 AND status = $6",
        )
        .bind(report.trim().to_string())
        .bind(self.actor.clone())
        .bind(now_ms())
        .bind(on.to_string())
        .bind(id)
        .bind(from.as_str())
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(Message::of(
                "store.rectification_moved_on",
                &[],
            )));
        }
        for a in files {
            sqlx::query(
                "INSERT INTO rectification_attachments (rectification_id, attachment_id) \
                 VALUES ($1, $2)",
            )
            .bind(id)
            .bind(*a)
            .execute(&mut *self.tx)
            .await?;
        }
        self.record::<(), _>(
            "inspection.rectification_report",
            "rectification",
            &id.to_string(),
            None,
            Some(&serde_json::json!({ "report": report.trim(), "files": files })),
        )
        .await
    }

    /// The office accepts (closes) or returns a reported rectification item (audited).
    pub async fn decide_rectification(
        &mut self,
        id: i64,
        to: RectificationStatus,
        reason: Option<&str>,
        on: NaiveDate,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE rectifications SET status = $1, returned_reason = $2, decided_by = $3, \
             decided_at = $4, decided_on = $5 WHERE id = $6 AND status = 'reported'",
        )
        .bind(to.as_str())
        .bind(reason.map(|r| r.trim().to_string()))
        .bind(self.actor.clone())
        .bind(now_ms())
        .bind(on.to_string())
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(Message::of(
                "store.rectification_moved_on",
                &[],
            )));
        }
        self.record::<(), _>(
            "inspection.rectification_decide",
            "rectification",
            &id.to_string(),
            None,
            Some(&serde_json::json!({ "status": to, "reason": reason })),
        )
        .await
    }
}
