//! Supervision in the demo city (督查): a pool of four inspectors — the demo's `inspector`
//! account at the city and one from each of three districts —, the random spot check of
//! 2011's last quarter finished (findings, rectification reported and accepted, one report
//! returned, one item left open past its deadline), and the one of 2012's first quarter
//! drawn, its visits to come.

use chrono::NaiveDate;
use serde::Serialize;
use xianfeng_domain::draw::Allocation;
use xianfeng_domain::inspection::{Judgement, PlanKind, PlanSpec, Population, Strata};
use xianfeng_domain::role::Role;
use xianfeng_storage::{NewInspector, NewUser, Store};

use crate::AppError;
use crate::inspections::tasks::{self, FindingInput};
use crate::inspections::{self, PlanRequest, Who};

#[derive(Debug, Clone, Default, Serialize)]
pub struct InspectionSummary {
    pub inspectors: usize,
    pub plans: usize,
    pub findings: usize,
    pub rectifications: usize,
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a demo date")
}

/// The pool: (account, name, home). The districts' inspectors are made here; the
/// `inspector` account exists already.
const POOL: [(&str, &str, &str); 4] = [
    ("inspector", "周建国", "JZ"),
    ("dc-jf", "吴志刚", "JZ-JF"),
    ("dc-sy", "郑丽华", "JZ-SY"),
    ("dc-zz", "冯晓东", "JZ-ZZ"),
];

async fn pool(store: &Store) -> Result<(), AppError> {
    let mut tx = store.begin("demo").await?;
    for (username, name, home) in POOL {
        let home = store
            .registry()
            .org_by_code(home)
            .await?
            .ok_or(AppError::NotFound)?;
        if store.accounts().id_and_role(username).await?.is_none() {
            tx.create_user(&NewUser {
                username: username.to_string(),
                role: Role::Inspector,
                password_hash: xianfeng_storage::NOT_ACTIVATED.to_string(),
                must_change_password: false,
                org_ids: vec![home.id],
                member_id: None,
            })
            .await?;
        }
        tx.set_display_name(username, Some(name)).await?;
        let user_id = tx.user_id(username).await?;
        tx.keep_inspector(&NewInspector {
            user_id,
            username: username.to_string(),
            name: name.to_string(),
            home_org_id: home.id,
            active: true,
            conflicts: vec![],
        })
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

fn spec(name: &str) -> PlanRequest {
    PlanRequest {
        spec: PlanSpec {
            name: name.to_string(),
            kind: PlanKind::Random,
            scope: "JZ".into(),
            population: Population::Branches,
            strata: Strata::County,
            allocation: Allocation::Total(4),
            per_target: 2,
            cap: 3,
            publish_results_at_once: false,
            targets: vec![],
            replaces: None,
        },
        visits_from: None,
        visits_to: None,
    }
}

/// What the inspectors found on the finished plan's visits: mostly 符合; the second
/// target's commitments and the third's service point fell short.
fn judgement(target: usize, item: &str) -> (Judgement, &'static str) {
    match (target, item) {
        (1, "org-commitments") => (
            Judgement::Partly,
            "承诺公示栏未更新第四季度践诺情况，两项承诺逾期未作说明。",
        ),
        (2, "org-life") => (
            Judgement::Fails,
            "10月、11月未召开支部党员大会，党务公开栏内容停留在上半年。",
        ),
        (3, "org-study-service") => (Judgement::Partly, "服务台账中三次服务活动无参加人员签名。"),
        _ => (Judgement::Meets, ""),
    }
}

pub async fn build(store: &Store) -> Result<InspectionSummary, AppError> {
    pool(store).await?;
    let office = store
        .accounts()
        .principal("office")
        .await?
        .ok_or(AppError::NotFound)?;
    let as_office = Who {
        username: "office",
        principal: Some(&office),
    };
    let mut summary = InspectionSummary {
        inspectors: POOL.len(),
        ..Default::default()
    };
    let (campaign_id, campaign) = crate::scope::campaign(store).await?;

    // The last quarter of 2011: drawn on 1 December, visited, closed.
    let done = inspections::create(store, as_office, &spec("2011年第四季度随机抽查")).await?;
    inspections::publish(store, as_office, done).await?;
    inspections::draw(
        store,
        as_office,
        done,
        "中国福利彩票3D 2011年12月1日 第2011327期 开奖号码 5 2 7",
    )
    .await?;
    let submitted_on = day("2011-12-20");
    for (n, t) in store
        .inspections()
        .tasks_of_plan(done)
        .await?
        .iter()
        .enumerate()
    {
        let first = t.inspectors.first().cloned().unwrap_or_default();
        let who = Who {
            username: &first,
            principal: None,
        };
        let visit = day("2011-12-12") + chrono::Days::new(n as u64);
        inspections::set_visit(store, as_office, t.id, Some(visit)).await?;
        let list = tasks::checklist(store, &campaign, campaign_id, who, t.id, submitted_on).await?;
        let codes: Vec<String> = list
            .items
            .iter()
            .map(|i| i.item.code.get_ref().clone())
            .collect();
        for code in &codes {
            let (judgement, note) = judgement(n, code);
            tasks::record_finding(
                store,
                &campaign,
                who,
                t.id,
                FindingInput {
                    item: code,
                    judgement,
                    note,
                    photos: vec![],
                },
            )
            .await?;
            summary.findings += 1;
        }
        summary.rectifications +=
            tasks::submit(store, &campaign, campaign_id, who, t.id, submitted_on).await?;
    }
    inspections::close(store, as_office, done).await?;
    // Rectification: the first item reported and accepted, the second reported and
    // returned, the third never reported (overdue on the demo's day).
    let items = store.inspections().rectifications_of_plan(done).await?;
    let branch = Who {
        username: "demo",
        principal: None,
    };
    if let Some(r) = items.first() {
        crate::inspections::rectify::report(
            store,
            branch,
            r.id,
            "已更新承诺公示栏，逾期事项在支部党员大会上作出说明并公示整改时限。",
            &[],
            day("2012-01-06"),
        )
        .await?;
        crate::inspections::rectify::decide(store, as_office, r.id, true, "", day("2012-01-09"))
            .await?;
    }
    if let Some(r) = items.get(1) {
        crate::inspections::rectify::report(
            store,
            branch,
            r.id,
            "已召开支部党员大会。",
            &[],
            day("2012-01-10"),
        )
        .await?;
        crate::inspections::rectify::decide(
            store,
            as_office,
            r.id,
            false,
            "请附会议记录照片，并更新党务公开栏。",
            day("2012-01-12"),
        )
        .await?;
    }
    summary.plans += 1;

    // The first quarter of 2012: drawn, the visits in March, targets not yet public.
    let mut running = spec("2012年第一季度随机抽查");
    running.visits_from = Some(day("2012-03-05"));
    running.visits_to = Some(day("2012-03-30"));
    let now = inspections::create(store, as_office, &running).await?;
    inspections::publish(store, as_office, now).await?;
    inspections::draw(
        store,
        as_office,
        now,
        "中国福利彩票3D 2012年2月27日 第2012057期 开奖号码 3 9 0",
    )
    .await?;
    summary.plans += 1;
    Ok(summary)
}
