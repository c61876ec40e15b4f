//! The city every app integration suite starts from: a district with a street committee,
//! two branches, three members and the accounts that act on them; and steps several
//! suites share (a candidate on notice, a library entry, a delegation, two writes made to
//! meet, the audit trail read whole).
#![allow(dead_code)]

use chrono::NaiveDate;
use xianfeng_app::Silent;
use xianfeng_app::import::{ImportMode, ImportOptions, import_members, import_orgs};
use xianfeng_app::scores::Scores;
use xianfeng_app::selection::{
    NominationInput, NoticeInput, StepInput, nominate, publish_notice, recommend, step,
};
use xianfeng_domain::policy::Principal;
use xianfeng_domain::role::Role;
use xianfeng_domain::selection::Step;
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::{NewUser, Store};
use xianfeng_testkit::{id, today, use_simple_selection_campaign};

pub fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub struct City {
    pub store: Store,
    /// Members of branch B1: 王芳 and 张伟; 李强 is in B2.
    pub wang_fang: i64,
    pub zhang_wei: i64,
}

pub async fn city(store: Store) -> City {
    xianfeng_app::init::init(&store, Some("Pass-word-1"), false, &Silent)
        .await
        .unwrap();
    let opts = ImportOptions {
        mode: ImportMode::Commit,
        skip_bad: false,
        actor: "test".into(),
        today: today(),
        on_behalf: None,
    };
    let orgs = "组织编码,组织名称,上级组织编码,组织类别\nC1,中共某区委员会,,县(市、区)委\n\
                T1,某街道党工委,C1,工委\nB1,第一党支部,T1,党支部\nB2,第二党支部,T1,党支部\n";
    import_orgs(
        &store,
        xianfeng_ingest::from_csv_bytes(orgs.into()).unwrap(),
        &opts,
        &Silent,
    )
    .await
    .unwrap();
    let members = format!(
        "姓名,身份证号,所在组织编码\n王芳,{},B1\n张伟,{},B1\n李强,{},B2\n",
        id("41080219800101001"),
        id("41080219810101002"),
        id("41080219820202003")
    );
    import_members(
        &store,
        xianfeng_ingest::from_csv_bytes(members.into()).unwrap(),
        &opts,
        &Silent,
    )
    .await
    .unwrap();
    let b1 = store.registry().org_by_code("B1").await.unwrap().unwrap();
    let in_b1 = store.registry().members_of_org(b1.id, 10, 0).await.unwrap();
    let named = |name: &str| in_b1.iter().find(|m| m.name == name).expect("imported").id;
    let (wang_fang, zhang_wei) = (named("王芳"), named("张伟"));
    let mut tx = store.begin("test").await.unwrap();
    for (name, role, org, member_id) in [
        ("fang", Role::Member, "B1", Some(wang_fang)),
        ("wei", Role::Member, "B1", Some(zhang_wei)),
        ("wang", Role::Secretary, "B1", None),
        ("li", Role::Secretary, "B2", None),
        ("staff", Role::CommitteeStaff, "T1", None),
    ] {
        let org_ids = tx.org_ids_by_codes(&[org.to_string()]).await.unwrap();
        tx.create_user(&NewUser {
            username: name.into(),
            role,
            password_hash: "x".into(),
            must_change_password: false,
            org_ids,
            member_id,
        })
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    City {
        store,
        wang_fang,
        zhang_wei,
    }
}

/// A reviewer account (领导) with no organisation of its own: subjects reach it by
/// assignment.
pub async fn add_reviewer(store: &Store, name: &str) {
    add_account(store, name, Role::Reviewer, &[]).await;
}

/// An account of `role` over the organisations `orgs` (codes).
pub async fn add_account(store: &Store, name: &str, role: Role, orgs: &[&str]) {
    let mut tx = store.begin("test").await.unwrap();
    let codes: Vec<String> = orgs.iter().map(|c| c.to_string()).collect();
    let org_ids = tx.org_ids_by_codes(&codes).await.unwrap();
    tx.create_user(&NewUser {
        username: name.into(),
        role,
        password_hash: "x".into(),
        must_change_password: false,
        org_ids,
        member_id: None,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// Options that commit an import as the test's own account, today.
pub fn committing() -> ImportOptions {
    ImportOptions {
        mode: ImportMode::Commit,
        skip_bad: false,
        actor: "test".into(),
        today: today(),
        on_behalf: None,
    }
}

/// A code-mode round over branch B1 from `starts_on` to `ends_on`, with `per_subject`
/// codes issued on `issued_on`.
pub async fn b1_codes(
    store: &Store,
    (starts_on, ends_on): (&str, &str),
    per_subject: usize,
    issued_on: NaiveDate,
) -> Vec<xianfeng_app::evaluation::IssuedCode> {
    use xianfeng_app::evaluation::{RoundInput, create_round, issue_codes};
    let round = create_round(
        store,
        None,
        &RoundInput {
            name: "评议",
            scope: "B1",
            subjects: "organisations",
            mode: "codes",
            starts_on,
            ends_on,
        },
    )
    .await
    .unwrap();
    issue_codes(store, None, round, per_subject, Some("http://x"), issued_on)
        .await
        .unwrap()
}

/// An account acting: its name and what the policy knows of it.
pub fn actor<'a>(username: &'a str, principal: &'a Principal) -> xianfeng_app::actor::Actor<'a> {
    xianfeng_app::actor::Actor {
        username,
        principal,
    }
}

pub async fn principal(store: &Store, name: &str) -> Principal {
    store.accounts().principal(name).await.unwrap().unwrap()
}

/// A nomination of member `subject_id` for "excellent-member" by organisation `nominated_by`.
pub fn deeds(subject_id: i64, nominated_by: &'static str) -> NominationInput<'static> {
    NominationInput {
        honour: "excellent-member",
        kind: SubjectKind::Member,
        subject_id,
        nominated_by,
        deeds: "带领党员志愿服务队，为社区孤寡老人服务三百余小时。",
        summary: "为社区孤寡老人服务三百余小时",
    }
}

/// A library entry (王芳 of B1), imported from an office's list: a speaker for delegations.
pub async fn library_entry(store: &Store) -> i64 {
    let list = "名称,类别,组织编码,级别,简介\n王芳,党员,B1,区级,服务社区老人三百余小时\n";
    xianfeng_app::publicity::import::import_models(
        store,
        xianfeng_ingest::from_csv_bytes(list.into()).unwrap(),
        &committing(),
    )
    .await
    .unwrap();
    let campaign = store.campaigns().current().await.unwrap().unwrap().0;
    store
        .publicity()
        .models(&xianfeng_storage::ModelFilter {
            campaign_id: campaign,
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap()[0]
        .id
}

/// 王芳 of B1 nominated by her branch, recommended by the street committee to the
/// district's honour, approved there and on public notice from 2012-07-02 (five working
/// days): the district's nomination and the notice. Adds the office's account.
pub async fn on_notice(one: &Store, wang_fang: i64) -> (i64, i64) {
    use_simple_selection_campaign(one).await;
    add_account(one, "office", Role::Office, &["C1"]).await;
    let (pw, ps, po) = (
        principal(one, "wang").await,
        principal(one, "staff").await,
        principal(one, "office").await,
    );
    let (wang, staff, office) = (
        actor("wang", &pw),
        actor("staff", &ps),
        actor("office", &po),
    );
    let scores = Scores::new();
    let on = day("2012-06-25");
    let agreed = StepInput {
        note: "同意".into(),
        ..Default::default()
    };
    let id = nominate(one, &scores, Some(&wang), &deeds(wang_fang, "B1"), on)
        .await
        .unwrap();
    for s in [Step::Assess, Step::Approve] {
        step(one, Some(&staff), id, s, &agreed, on).await.unwrap();
    }
    let up = recommend(one, &scores, Some(&staff), id, "excellent-member", on)
        .await
        .unwrap();
    for s in [Step::Assess, Step::Approve] {
        step(one, Some(&office), up, s, &agreed, on).await.unwrap();
    }
    let ups: &'static [i64] = Box::leak(vec![up].into_boxed_slice());
    let notice = publish_notice(
        one,
        Some(&office),
        &NoticeInput {
            honour: "excellent-member",
            nominations: ups,
            title: "优秀共产党员拟表彰对象公示",
            body: "公示期间，如有异议，请向区委组织部反映。",
            contact: "区委组织部 电话 0391-0000000",
            starts_on: day("2012-07-02"),
        },
        day("2012-07-02"),
    )
    .await
    .unwrap();
    (up, notice)
}

/// A delegation of the district, "区委宣讲团", with `speaker` (a library entry): its id.
pub async fn delegation_of(store: &Store, speaker: i64) -> i64 {
    use xianfeng_app::publicity::tours::{DelegationInput, create};
    create(
        store,
        xianfeng_app::actor::Who::operator(),
        &DelegationInput {
            org_code: "C1".into(),
            name: "区委宣讲团".into(),
            theme: "身边的榜样".into(),
            leader: "李团长".into(),
            speakers: vec![speaker],
        },
    )
    .await
    .unwrap()
}

/// Each of `codes`' organisations counts the members it holds.
pub async fn assert_counts_hold(store: &Store, codes: &[&str], label: &str) {
    for code in codes {
        let o = store.registry().org_by_code(code).await.unwrap().unwrap();
        let held = store
            .registry()
            .members_of_org(o.id, 100, 0)
            .await
            .unwrap()
            .len();
        assert_eq!(o.member_count as usize, held, "{label}: {code}");
    }
}

/// Runs `later` — a second server's write — while `first` stays written and uncommitted for
/// 300 ms, then commits `first`: the way to make two writes really meet.
pub async fn while_uncommitted<T>(
    first: xianfeng_storage::WriteTx,
    later: impl std::future::Future<Output = T>,
) -> T {
    let commit_first = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        first.commit().await
    };
    let (later, committed) = tokio::join!(later, commit_first);
    committed.unwrap();
    later
}

/// Every entry of the audit trail, sealed first (on PostgreSQL they are sealed after the
/// commit that wrote them).
pub async fn audit_entries(store: &Store) -> Vec<xianfeng_domain::audit::AuditEntry> {
    store.seal_audit().await.unwrap();
    store
        .audit()
        .entries(&xianfeng_storage::AuditFilter {
            since_ms: None,
            limit: 0,
        })
        .await
        .unwrap()
}

/// A drawn inspection: a pool of one (`dc-a`), a plan over C1 that drew branch B1, its one
/// task, the campaign in use and the codes of the task's checklist items.
pub struct DrawnTask {
    pub plan: i64,
    pub task: i64,
    pub campaign_id: i64,
    pub campaign: std::sync::Arc<xianfeng_domain::campaign::Campaign>,
    pub items: Vec<String>,
}

pub async fn drawn_task(one: &Store) -> DrawnTask {
    use xianfeng_app::inspections::{self, PlanRequest, Who, tasks};
    use xianfeng_domain::draw::Allocation;
    use xianfeng_domain::inspection::{PlanKind, PlanSpec, Population, Strata};
    let sheet = "姓名,账号,所属组织编码,回避组织编码,回避理由\n区督查,dc-a,C1,,\n";
    let reader = xianfeng_ingest::from_csv_bytes(sheet.into()).unwrap();
    inspections::pool::import(one, reader, &committing(), 30, &Silent)
        .await
        .unwrap();
    let office = Who::operator();
    let request = PlanRequest {
        spec: PlanSpec {
            name: "七月督查".into(),
            kind: PlanKind::Regular,
            scope: "C1".into(),
            population: Population::Branches,
            strata: Strata::County,
            allocation: Allocation::PerStratum(1),
            per_target: 1,
            cap: 5,
            publish_results_at_once: false,
            targets: vec!["B1".into()],
            replaces: None,
        },
        visits_from: None,
        visits_to: None,
    };
    let plan = inspections::create(one, office, &request).await.unwrap();
    inspections::publish(one, office, plan).await.unwrap();
    inspections::draw(one, office, plan, "7 7 7").await.unwrap();
    let (campaign_id, campaign) = xianfeng_app::scope::campaign(one).await.unwrap();
    let inspector = Who {
        username: "dc-a",
        principal: None,
    };
    let task = one.inspections().tasks_of_plan(plan).await.unwrap()[0].id;
    let list = tasks::checklist(
        one,
        &campaign,
        campaign_id,
        inspector,
        task,
        day("2010-07-01"),
    )
    .await
    .unwrap();
    let items = list
        .items
        .iter()
        .map(|i| i.item.code.get_ref().clone())
        .collect();
    DrawnTask {
        plan,
        task,
        campaign_id,
        campaign,
        items,
    }
}
