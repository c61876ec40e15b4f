//! Accounts for everyone, on every backend: in bulk from the tree, the roster and a sheet,
//! one person one account, a role never above the giver's, codes that work once and not
//! after they expire, resets by the office and by a member's own secretary.

mod support;

use support::{actor, city, principal};
use xianfeng_app::AppError;
use xianfeng_app::activation::{
    AccountForm, ActivationRefusal, BulkKind, activate, activation_of, bulk, bulk_from_sheet,
    create, list, managed, reset, reset_member,
};
use xianfeng_storage::password;
use xianfeng_testkit::{backends, id, today};

const ADDRESS: &str = "192.0.2.7";

fn now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn csv(text: &str) -> xianfeng_ingest::SheetReader {
    xianfeng_ingest::from_csv_bytes(text.as_bytes().to_vec()).unwrap()
}

#[tokio::test]
async fn bulk_accounts_from_the_tree_and_the_roster_give_each_person_one() {
    for db in backends().await {
        let c = city(db.open().await).await;
        let s = &c.store;
        let label = db.label;
        // A third branch whose roster names its secretary by post.
        let orgs = "组织编码,组织名称,上级组织编码,组织类别\nB3,第三党支部,T1,党支部\n";
        let opts = xianfeng_app::import::ImportOptions {
            mode: xianfeng_app::import::ImportMode::Commit,
            skip_bad: false,
            actor: "test".into(),
            today: today(),
            on_behalf: None,
        };
        xianfeng_app::import::import_orgs(s, csv(orgs), &opts, &xianfeng_app::Silent)
            .await
            .unwrap();
        let members = format!(
            "姓名,身份证号,所在组织编码,职务\n周敏,{},B3,党支部书记\n吴刚,{},B3,\n",
            id("41080219750303005"),
            id("41080219760404006")
        );
        xianfeng_app::import::import_members(s, csv(&members), &opts, &xianfeng_app::Silent)
            .await
            .unwrap();
        let staff = principal(s, "staff").await;
        let as_staff = actor("staff", &staff);

        // Secretaries from the tree: B1 and B2 have theirs; B3 gets one, linked to 周敏.
        let done = bulk(
            s,
            Some(&as_staff),
            "T1",
            BulkKind::Secretaries,
            30,
            now(),
            None,
        )
        .await
        .unwrap();
        assert_eq!((done.issued.len(), done.had_account), (1, 2), "{label}");
        let issued = &done.issued[0];
        assert_eq!(
            (
                issued.username.as_str(),
                issued.name.as_deref(),
                issued.org_code.as_str()
            ),
            ("s-B3", Some("周敏"), "B3"),
            "{label}"
        );
        let zhou = s.accounts().account("s-B3").await.unwrap().unwrap();
        assert!(
            zhou.member_id.is_some() && zhou.activation_pending,
            "{label}"
        );

        // More than a page of slips would hold: nothing is made, and the answer says why.
        let err = bulk(
            s,
            Some(&as_staff),
            "T1",
            BulkKind::Members,
            30,
            now(),
            Some(1),
        )
        .await
        .unwrap_err();
        assert!(matches!(&err, AppError::Input(m) if m.key() == "app.slips_too_many"));
        // Members from the roster: 王芳 and 张伟 have accounts, 周敏 has her secretary's;
        // 李强 and 吴刚 get one each. Again: nobody gets a second.
        let done = bulk(s, Some(&as_staff), "T1", BulkKind::Members, 30, now(), None)
            .await
            .unwrap();
        let mut names: Vec<_> = done.issued.iter().filter_map(|i| i.name.clone()).collect();
        names.sort();
        assert_eq!(names, vec!["吴刚", "李强"], "{label}");
        assert_eq!(done.had_account, 3, "{label}");
        let again = bulk(s, Some(&as_staff), "T1", BulkKind::Members, 30, now(), None)
            .await
            .unwrap();
        assert_eq!((again.issued.len(), again.had_account), (0, 5), "{label}");

        // Not above one's own subtree; not for a secretary at all.
        let err = bulk(s, Some(&as_staff), "C1", BulkKind::Members, 30, now(), None)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::NotFound), "{label}");
        let wang = principal(s, "wang").await;
        let err = bulk(
            s,
            Some(&actor("wang", &wang)),
            "B1",
            BulkKind::Members,
            30,
            now(),
            None,
        )
        .await
        .unwrap_err();
        assert!(matches!(err, AppError::Forbidden), "{label}");

        // The code works once, with a password that keeps the rules, typed twice alike.
        let code = done
            .issued
            .iter()
            .find(|i| i.name.as_deref() == Some("李强"))
            .unwrap()
            .code
            .clone();
        let (username, name) = activation_of(s, &code.to_lowercase(), now())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(name.as_deref(), Some("李强"), "{label}");
        let try_with = |password: &'static str, repeat: &'static str| {
            activate(s, &code, password.to_string(), repeat, ADDRESS, now())
        };
        assert_eq!(
            try_with("short", "short").await.unwrap(),
            Err(ActivationRefusal::Weak)
        );
        assert_eq!(
            try_with("Good-pass-1", "Good-pass-2").await.unwrap(),
            Err(ActivationRefusal::Differ)
        );
        // Before activation no password opens the account.
        let (hash, _) = s.accounts().credentials(&username).await.unwrap().unwrap();
        assert!(!password::verify("Good-pass-1", &hash), "{label}");
        assert_eq!(
            try_with("Good-pass-1", "Good-pass-1").await.unwrap(),
            Ok(username.clone())
        );
        let (hash, _) = s.accounts().credentials(&username).await.unwrap().unwrap();
        assert!(password::verify("Good-pass-1", &hash), "{label}");
        assert_eq!(
            try_with("Other-pass-1", "Other-pass-1").await.unwrap(),
            Err(ActivationRefusal::BadCode),
            "{label}: a code is used once"
        );
        // A code past its days is refused like a wrong one.
        let wu = done
            .issued
            .iter()
            .find(|i| i.name.as_deref() == Some("吴刚"))
            .unwrap();
        let later = now() + 31 * 24 * 3600 * 1000;
        assert_eq!(
            activate(
                s,
                &wu.code,
                "Good-pass-1".into(),
                "Good-pass-1",
                ADDRESS,
                later
            )
            .await
            .unwrap(),
            Err(ActivationRefusal::BadCode),
            "{label}"
        );
        assert!(
            activation_of(s, "2345-6789-ABCD", now())
                .await
                .unwrap()
                .is_none()
        );
    }
}

#[tokio::test]
async fn accounts_are_kept_within_the_subtree_and_below_the_keepers_role() {
    for db in backends().await {
        let c = city(db.open().await).await;
        let s = &c.store;
        let label = db.label;
        let staff = principal(s, "staff").await;
        let as_staff = actor("staff", &staff);
        let form = |role: &str, orgs: &str| AccountForm {
            username: "zhou".into(),
            name: "周敏".into(),
            role: role.into(),
            organisations: orgs.into(),
        };
        let err = create(s, &as_staff, &form("office", "B1"), 30, now())
            .await
            .unwrap_err();
        assert!(matches!(&err, AppError::Input(m) if m.key() == "app.account_role_above"));
        let err = create(s, &as_staff, &form("reviewer", "C1"), 30, now())
            .await
            .unwrap_err();
        assert!(matches!(&err, AppError::Input(m) if m.key() == "app.account_org_unknown"));
        let made = create(s, &as_staff, &form("reviewer", "B1, B2"), 30, now())
            .await
            .unwrap();
        assert_eq!(made.username, "zhou", "{label}");
        assert_eq!(
            s.accounts()
                .account("zhou")
                .await
                .unwrap()
                .unwrap()
                .organisations,
            vec!["B1", "B2"]
        );
        // The list holds the subtree's accounts only, searchable by name.
        let listed: Vec<_> = list(s, &staff, "周", 0)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.username)
            .collect();
        assert_eq!(listed, vec!["zhou"], "{label}");
        let wang = principal(s, "wang").await;
        assert!(matches!(
            list(s, &wang, "", 0).await,
            Err(AppError::Forbidden)
        ));

        // A reset: the old password stops working, the new code sets a new one.
        let old = password::hash("Old-pass-1");
        let mut tx = s.begin("test").await.unwrap();
        tx.set_password("wang", &old, false).await.unwrap();
        tx.commit().await.unwrap();
        let issued = reset(s, &as_staff, "wang", 7, now()).await.unwrap();
        let (hash, _) = s.accounts().credentials("wang").await.unwrap().unwrap();
        assert!(!password::verify("Old-pass-1", &hash), "{label}");
        assert_eq!(
            activate(
                s,
                &issued.code,
                "New-pass-1".into(),
                "New-pass-1",
                ADDRESS,
                now()
            )
            .await
            .unwrap(),
            Ok("wang".to_string())
        );
        // Staff of T1 cannot see an account acting above T1 (here: a new office account).
        let mut tx = s.begin("test").await.unwrap();
        let org_ids = tx.org_ids_by_codes(&["C1".into()]).await.unwrap();
        tx.create_user(&xianfeng_storage::NewUser {
            username: "city".into(),
            role: xianfeng_domain::role::Role::Office,
            password_hash: old.clone(),
            must_change_password: false,
            org_ids,
            member_id: None,
        })
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert!(matches!(
            managed(s, &staff, "city").await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            reset(s, &as_staff, "city", 7, now()).await,
            Err(AppError::NotFound)
        ));

        // A branch secretary resets her member's own account, not another branch's.
        let issued = reset_member(s, &actor("wang", &wang), c.wang_fang, now())
            .await
            .unwrap();
        assert_eq!(issued.username, "fang", "{label}");
        let li = principal(s, "li").await;
        assert!(matches!(
            reset_member(s, &actor("li", &li), c.wang_fang, now()).await,
            Err(AppError::NotFound)
        ));
    }
}

#[tokio::test]
async fn accounts_from_a_sheet_are_all_or_nothing_and_link_the_roster() {
    for db in backends().await {
        let c = city(db.open().await).await;
        let s = &c.store;
        let label = db.label;
        let staff = principal(s, "staff").await;
        let as_staff = actor("staff", &staff);
        let sheet = "姓名,手机,组织编码,角色\n\
                     李强,,B2,党员\n\
                     赵六,13900000001,NOPE,\n\
                     钱七,12345,B1,管理员\n";
        let issues = bulk_from_sheet(s, &as_staff, csv(sheet), 30, now(), None)
            .await
            .unwrap()
            .unwrap_err();
        let got: Vec<_> = issues.iter().map(|i| (i.row, i.column.as_str())).collect();
        assert_eq!(
            got,
            vec![(4, "手机"), (4, "角色"), (3, "组织编码")],
            "{label}"
        );
        assert!(
            s.accounts()
                .account_of_member(c.wang_fang)
                .await
                .unwrap()
                .is_some()
        );
        let before = list(s, &staff, "", 0).await.unwrap().len();
        // Nothing was made.
        assert_eq!(list(s, &staff, "", 0).await.unwrap().len(), before);

        // Fixed: 李强 is linked to his record; 王芳 has an account already and gets none.
        let sheet = "姓名,手机,组织编码,角色\n李强,,B2,党员\n王芳,,B1,党员\n孙八,,B1,点评领导\n";
        let done = bulk_from_sheet(s, &as_staff, csv(sheet), 30, now(), None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((done.issued.len(), done.had_account), (2, 1), "{label}");
        let li_qiang = s
            .registry()
            .member_by_id_number(&id("41080219820202003"))
            .await
            .unwrap()
            .unwrap();
        let username = s
            .accounts()
            .account_of_member(li_qiang.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(username, format!("m{}", li_qiang.id), "{label}");
        let reviewer = done
            .issued
            .iter()
            .find(|i| i.name.as_deref() == Some("孙八"))
            .unwrap();
        let account = s
            .accounts()
            .account(&reviewer.username)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(account.role, xianfeng_domain::role::Role::Reviewer);
        assert_eq!(account.member_id, None, "{label}");
    }
}
