//! The city every app integration suite starts from: a district with a street committee,
//! two branches, three members and the accounts that act on them.
#![allow(dead_code)]

use chrono::NaiveDate;
use xianfeng_app::Silent;
use xianfeng_app::import::{ImportMode, ImportOptions, import_members, import_orgs};
use xianfeng_domain::policy::Principal;
use xianfeng_domain::role::Role;
use xianfeng_storage::{NewUser, Store};
use xianfeng_testkit::{id, today};

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
