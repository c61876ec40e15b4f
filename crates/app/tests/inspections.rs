//! Rectification counts in scoring where the campaign file gives it a weight: the built-in
//! file's organisations' indicator `rectification` (source = "rectification") is the share
//! of an organisation's rectification items due in the period reported by their due day and
//! accepted. B1 rectified on time, B2 let its item pass its day: the indicator ranks them.

mod support;

use xianfeng_app::Silent;
use xianfeng_app::import::{ImportMode, ImportOptions};
use xianfeng_app::inspections::{self, PlanRequest, Who, rectify, tasks};
use xianfeng_domain::draw::Allocation;
use xianfeng_domain::inspection::{Judgement, PlanKind, PlanSpec, Population, Strata};
use xianfeng_testkit::backends;

use support::{city, day};

#[tokio::test]
async fn rectification_on_time_ranks_the_branches_inspected() {
    use xianfeng_app::score_tables::{TableQuery, table};
    use xianfeng_app::scores::{PeerSet, Scores};
    for db in backends().await {
        let c = city(db.open().await).await;
        let s = &c.store;
        let sheet = "姓名,账号,所属组织编码,回避组织编码,回避理由\n区督查,dc-a,C1,,\n";
        let opts = ImportOptions {
            mode: ImportMode::Commit,
            skip_bad: false,
            actor: "test".into(),
            today: day("2010-07-01"),
            on_behalf: None,
        };
        let reader = xianfeng_ingest::from_csv_bytes(sheet.into()).unwrap();
        let pool = inspections::pool::import(s, reader, &opts, 30, &Silent)
            .await
            .unwrap();
        assert_eq!(pool.issued.len(), 1, "the account is made with its code");

        let office = Who::operator();
        let request = PlanRequest {
            spec: PlanSpec {
                name: "七月督查".into(),
                kind: PlanKind::Regular,
                scope: "C1".into(),
                population: Population::Branches,
                strata: Strata::County,
                allocation: Allocation::PerStratum(2),
                per_target: 1,
                cap: 5,
                publish_results_at_once: false,
                targets: vec!["B1".into(), "B2".into()],
                replaces: None,
            },
            visits_from: None,
            visits_to: None,
        };
        let plan = inspections::create(s, office, &request).await.unwrap();
        inspections::publish(s, office, plan).await.unwrap();
        inspections::draw(s, office, plan, "7 7 7").await.unwrap();
        let (campaign_id, campaign) = xianfeng_app::scope::campaign(s).await.unwrap();
        let inspector = Who {
            username: "dc-a",
            principal: None,
        };
        let visited = day("2010-07-01");
        for t in s.inspections().tasks_of_plan(plan).await.unwrap() {
            let list = tasks::checklist(s, &campaign, campaign_id, inspector, t.id, visited)
                .await
                .unwrap();
            let codes: Vec<String> = list
                .items
                .iter()
                .map(|i| i.item.code.get_ref().clone())
                .collect();
            for (n, code) in codes.iter().enumerate() {
                let (judgement, note) = match n {
                    0 => (Judgement::Fails, "实施方案未审批"),
                    _ => (Judgement::Meets, ""),
                };
                let f = tasks::FindingInput {
                    item: code,
                    judgement,
                    note,
                    photos: vec![],
                };
                tasks::record_finding(s, &campaign, inspector, t.id, f)
                    .await
                    .unwrap();
            }
            tasks::submit(s, &campaign, campaign_id, inspector, t.id, visited)
                .await
                .unwrap();
        }
        inspections::close(s, office, plan).await.unwrap();
        let items = s.inspections().rectifications_of_plan(plan).await.unwrap();
        let b1 = items.iter().find(|r| r.org_code == "B1").unwrap();
        let b2 = items.iter().find(|r| r.org_code == "B2").unwrap();
        assert!(b1.due_on > visited, "due in working days");
        let branch = Who {
            username: "test",
            principal: None,
        };
        rectify::report(
            s,
            branch,
            b1.id,
            "已报街道党工委审批",
            &[],
            day("2010-07-05"),
        )
        .await
        .unwrap();
        // Accepting needs a report first; returning needs a reason.
        assert!(
            rectify::decide(s, office, b2.id, true, "", day("2010-07-06"))
                .await
                .is_err()
        );
        assert!(
            rectify::decide(s, office, b1.id, false, " ", day("2010-07-06"))
                .await
                .is_err()
        );
        rectify::decide(s, office, b1.id, true, "", day("2010-07-06"))
            .await
            .unwrap();
        let closed = s.inspections().rectification(b1.id).await.unwrap().unwrap();
        assert_eq!(closed.decided_on, Some(day("2010-07-06")));

        // A month on, B2's item is past its day: the indicator tells them apart.
        let cache = Scores::new();
        let q = TableQuery {
            campaign: None,
            period: Some("2010"),
            set: PeerSet {
                scope: Some("T1"),
                level: Some("branch"),
                ..Default::default()
            },
            limit: Some(100),
            offset: 0,
        };
        let t = table(s, &cache, None, &q, day("2010-08-01")).await.unwrap();
        let codes: Vec<&str> = t.rows.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["B1", "B2"], "{}", db.label);
        assert_eq!((t.rows[0].score, t.rows[1].score), (100.0, 0.0));
    }
}
