//! Members over time, on every backend: a secretary adds and corrects a member, records
//! her 转正 and her leaving; a transfer waits for the receiving branch; an ID number tried
//! in a second branch is not kept twice but told to the office.

mod support;

use support::{actor, city, day, principal};
use xianfeng_app::AppError;
use xianfeng_app::members::{
    MemberForm, add_member, correct_member, duplicates, record_full_membership, record_leaving,
    settle_duplicate, start_transfer, step_transfer, transfers,
};
use xianfeng_domain::member_changes::{LeavingReason, TransferState, TransferStep};
use xianfeng_domain::person::MemberType;
use xianfeng_storage::{Store, StoreError};
use xianfeng_testkit::{backends, id, today};

fn key(e: &AppError) -> String {
    match e {
        AppError::Input(m) => m.render(xianfeng_domain::i18n::Lang::En),
        AppError::Store(StoreError::Conflict(m)) => m.key().to_string(),
        other => format!("{other:?}"),
    }
}

fn zhao_min() -> MemberForm {
    MemberForm {
        name: "赵敏".into(),
        id_number: id("41080219950505004"),
        joined_on: "2025-01-10".into(),
        member_type: "预备党员".into(),
        phone: "13800000001".into(),
        ..MemberForm::default()
    }
}

async fn count(store: &Store, code: &str) -> i64 {
    store
        .registry()
        .org_by_code(code)
        .await
        .unwrap()
        .unwrap()
        .member_count
}

#[tokio::test]
async fn a_secretary_adds_corrects_makes_formal_and_records_leaving() {
    for db in backends().await {
        let c = city(db.open().await).await;
        let s = &c.store;
        let label = db.label;
        let wang = principal(s, "wang").await;
        let li = principal(s, "li").await;
        let as_wang = actor("wang", &wang);

        // Another branch's secretary cannot add here: the branch is not even there for her.
        let err = add_member(s, &actor("li", &li), "B1", &zhao_min(), today())
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::NotFound), "{label}");
        // A bad ID number: the field is named, nothing is added.
        let bad = MemberForm {
            id_number: "410802199505050041".into(),
            ..zhao_min()
        };
        let err = add_member(s, &as_wang, "B1", &bad, today())
            .await
            .unwrap_err();
        assert!(
            key(&err).starts_with("ID number:"),
            "{label}: {}",
            key(&err)
        );
        assert_eq!(count(s, "B1").await, 2, "{label}");

        let zhao = add_member(s, &as_wang, "B1", &zhao_min(), today())
            .await
            .unwrap();
        assert_eq!(count(s, "B1").await, 3, "{label}");
        let m = s.registry().member(zhao).await.unwrap().unwrap();
        assert_eq!(
            (m.member_type, m.joined_on),
            (MemberType::Probationary, Some(day("2025-01-10")))
        );
        // The same person again here, and a person of branch B2: neither is kept twice;
        // the second goes to the office's list, and the answer names no other branch.
        let err = add_member(s, &as_wang, "B1", &zhao_min(), today())
            .await
            .unwrap_err();
        assert!(key(&err).contains("registered here already"), "{label}");
        let li_qiang = MemberForm {
            name: "李强".into(),
            id_number: id("41080219820202003"),
            ..MemberForm::default()
        };
        let err = add_member(s, &as_wang, "B1", &li_qiang, today())
            .await
            .unwrap_err();
        assert!(
            key(&err).contains("campaign office has been told"),
            "{label}"
        );
        assert!(!key(&err).contains("B2"), "{label}");
        assert_eq!(count(s, "B1").await, 3, "{label}");
        let staff = principal(s, "staff").await;
        let flagged = duplicates(s, &staff).await.unwrap();
        assert_eq!(flagged.len(), 1, "{label}");
        assert_eq!(
            (
                flagged[0].member.name.as_str(),
                flagged[0].tried_org_code.as_str()
            ),
            ("李强", "B1")
        );
        assert!(duplicates(s, &wang).await.unwrap().is_empty(), "{label}");
        let err = settle_duplicate(s, &as_wang, flagged[0].id)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::NotFound), "{label}");
        settle_duplicate(s, &actor("staff", &staff), flagged[0].id)
            .await
            .unwrap();
        assert!(duplicates(s, &staff).await.unwrap().is_empty(), "{label}");

        // A correction with the ID number left empty keeps it; another's is refused.
        let renamed = MemberForm {
            name: "赵敏敏".into(),
            id_number: String::new(),
            phone: String::new(),
            ..zhao_min()
        };
        assert!(
            correct_member(s, &as_wang, zhao, &renamed, today())
                .await
                .unwrap()
        );
        assert!(
            !correct_member(s, &as_wang, zhao, &renamed, today())
                .await
                .unwrap()
        );
        let m = s.registry().member(zhao).await.unwrap().unwrap();
        assert_eq!(m.name, "赵敏敏");
        assert_eq!(
            s.registry().reveal_id_number(zhao).await.unwrap().unwrap(),
            id("41080219950505004")
        );
        assert_eq!(m.phone_masked.as_deref(), Some("1380***0001"), "{label}");
        let taken = MemberForm {
            id_number: id("41080219800101001"),
            ..renamed.clone()
        };
        let err = correct_member(s, &as_wang, zhao, &taken, today())
            .await
            .unwrap_err();
        assert_eq!(key(&err), "store.member_id_taken", "{label}");

        // 转正 waits for the year of probation, then makes her formal from that day.
        let err = record_full_membership(s, &as_wang, zhao, day("2025-06-01"), today())
            .await
            .unwrap_err();
        assert!(key(&err).contains("2026-01-10"), "{label}: {}", key(&err));
        record_full_membership(s, &as_wang, zhao, day("2026-01-10"), today())
            .await
            .unwrap();
        let m = s.registry().member(zhao).await.unwrap().unwrap();
        assert_eq!(
            (m.member_type, m.full_on),
            (MemberType::Formal, Some(day("2026-01-10")))
        );
        assert!(!m.standing().formal_on(day("2026-01-09")) && m.standing().formal_on(today()));
        let err = record_full_membership(s, &as_wang, zhao, day("2026-02-01"), today())
            .await
            .unwrap_err();
        assert!(key(&err).contains("formal member already"), "{label}");

        // Leaving: dated no later than today, with what happened; then off the rolls, her
        // record kept, her member account disabled.
        let err = record_leaving(
            s,
            &as_wang,
            c.zhang_wei,
            LeavingReason::Died,
            today().succ_opt().unwrap(),
            "病故",
            today(),
        )
        .await
        .unwrap_err();
        assert!(key(&err).contains("later than today"), "{label}");
        let err = record_leaving(
            s,
            &as_wang,
            c.zhang_wei,
            LeavingReason::Died,
            today(),
            " ",
            today(),
        )
        .await
        .unwrap_err();
        assert!(key(&err).contains("write down what happened"), "{label}");
        assert!(s.accounts().principal("wei").await.unwrap().is_some());
        record_leaving(
            s,
            &as_wang,
            c.zhang_wei,
            LeavingReason::Died,
            today(),
            "病故",
            today(),
        )
        .await
        .unwrap();
        let b1 = s.registry().org_by_code("B1").await.unwrap().unwrap();
        let current = s.registry().members_of_org(b1.id, 10, 0).await.unwrap();
        assert!(current.iter().all(|m| m.id != c.zhang_wei), "{label}");
        assert_eq!(count(s, "B1").await, 2, "{label}");
        let former = s.registry().former_members_of_org(b1.id).await.unwrap();
        assert_eq!(former.len(), 1, "{label}");
        let left = former[0].left.as_ref().unwrap();
        assert_eq!((left.reason, left.on), (LeavingReason::Died, today()));
        assert!(
            s.accounts().principal("wei").await.unwrap().is_none(),
            "{label}"
        );
        let err = record_leaving(
            s,
            &as_wang,
            c.zhang_wei,
            LeavingReason::Withdrew,
            today(),
            "x",
            today(),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, AppError::Input(_)), "{label}");
    }
}

#[tokio::test]
async fn a_transfer_waits_for_the_receiving_branch_and_the_member_follows() {
    for db in backends().await {
        let c = city(db.open().await).await;
        let s = &c.store;
        let label = db.label;
        let (wang, li, staff) = (
            principal(s, "wang").await,
            principal(s, "li").await,
            principal(s, "staff").await,
        );
        let (as_wang, as_li) = (actor("wang", &wang), actor("li", &li));

        // Where to: an organisation that keeps members, not her own, named by its code —
        // a wrong code and a committee are answered alike.
        for to in ["NOPE", "T1"] {
            let err = start_transfer(s, &as_wang, c.wang_fang, to, "工作调动")
                .await
                .unwrap_err();
            assert!(key(&err).contains(&format!("has the code {to}")), "{label}");
        }
        let err = start_transfer(s, &as_wang, c.wang_fang, "B1", "工作调动")
            .await
            .unwrap_err();
        assert!(key(&err).contains("the one she is in now"), "{label}");
        // The receiving secretary cannot send someone else's member.
        let err = start_transfer(s, &as_li, c.wang_fang, "B2", "工作调动")
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::NotFound), "{label}");

        let first = start_transfer(s, &as_wang, c.wang_fang, "B2", "工作调动")
            .await
            .unwrap();
        let err = start_transfer(s, &as_wang, c.wang_fang, "B2", "again")
            .await
            .unwrap_err();
        assert_eq!(key(&err), "member.transfer_already_waiting", "{label}");
        // Both sides and the committee above see it; a member of the branch does not.
        for p in [&wang, &li, &staff] {
            let seen = transfers(s, p).await.unwrap();
            assert_eq!(seen.iter().map(|t| t.id).collect::<Vec<_>>(), vec![first]);
        }
        let fang = principal(s, "fang").await;
        assert!(transfers(s, &fang).await.unwrap().is_empty(), "{label}");

        // Only the receiver answers; refusing needs a reason; she stays where she was.
        let err = step_transfer(s, &as_wang, first, TransferStep::Accept, "")
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Forbidden), "{label}");
        let err = step_transfer(s, &as_li, first, TransferStep::Refuse, "")
            .await
            .unwrap_err();
        assert!(key(&err).contains("write down"), "{label}");
        let t = step_transfer(s, &as_li, first, TransferStep::Refuse, "介绍信不全")
            .await
            .unwrap();
        assert_eq!(
            (t.state, t.reason.as_deref()),
            (TransferState::Refused, Some("介绍信不全"))
        );
        let err = step_transfer(s, &as_li, first, TransferStep::Accept, "")
            .await
            .unwrap_err();
        assert!(key(&err).contains("answered already"), "{label}");
        assert_eq!(
            s.registry()
                .member(c.wang_fang)
                .await
                .unwrap()
                .unwrap()
                .org_code,
            "B1"
        );

        // Sent again and withdrawn by the sender (not by the receiver).
        let second = start_transfer(s, &as_wang, c.wang_fang, "B2", "补齐材料")
            .await
            .unwrap();
        let err = step_transfer(s, &as_li, second, TransferStep::Withdraw, "")
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Forbidden), "{label}");
        step_transfer(s, &as_wang, second, TransferStep::Withdraw, "")
            .await
            .unwrap();

        // Accepted: her record, her member account and her counts move; the old branch's
        // secretary no longer keeps her.
        let third = start_transfer(s, &as_wang, c.wang_fang, "B2", "补齐材料")
            .await
            .unwrap();
        let t = step_transfer(s, &as_li, third, TransferStep::Accept, "")
            .await
            .unwrap();
        assert_eq!(t.state, TransferState::Accepted, "{label}");
        let m = s.registry().member(c.wang_fang).await.unwrap().unwrap();
        assert_eq!(m.org_code, "B2", "{label}");
        assert_eq!(
            (count(s, "B1").await, count(s, "B2").await),
            (1, 2),
            "{label}"
        );
        assert_eq!(
            s.accounts().user_org_codes("fang").await.unwrap(),
            vec!["B2"]
        );
        let err = start_transfer(s, &as_wang, c.wang_fang, "B1", "回去")
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::NotFound), "{label}");
        assert_eq!(
            s.registry()
                .transfers_of_member(c.wang_fang)
                .await
                .unwrap()
                .len(),
            3,
            "{label}"
        );
    }
}

/// Two secretaries' windows start a transfer of the same member at the same moment, on
/// two stores: one transfer waits, the other is refused, whatever the interleaving.
#[tokio::test]
async fn two_transfers_of_one_member_at_once_leave_one_waiting() {
    for db in backends().await {
        let c = city(db.open().await).await;
        let other = db.open().await;
        let wang = principal(&c.store, "wang").await;
        let as_wang = actor("wang", &wang);
        let (a, b) = tokio::join!(
            start_transfer(&c.store, &as_wang, c.wang_fang, "B2", "一"),
            start_transfer(&other, &as_wang, c.wang_fang, "B2", "二"),
        );
        assert_eq!(
            [a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(),
            1,
            "{}: {a:?} {b:?}",
            db.label
        );
        let waiting = c
            .store
            .registry()
            .transfers_of_member(c.wang_fang)
            .await
            .unwrap();
        assert_eq!(waiting.len(), 1, "{}", db.label);
    }
}
