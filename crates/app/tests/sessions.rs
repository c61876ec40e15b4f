//! Sign-in state on every backend: sessions that expire when idle, and throttled attempts.

use xianfeng_app::Silent;
use xianfeng_app::init::init;
use xianfeng_domain::auth::{IDLE_TIMEOUT_MS, Throttle, may_try_login};
use xianfeng_domain::i18n::Lang;
use xianfeng_testkit::backends;

#[tokio::test]
async fn a_session_lives_until_it_ends_or_idles_out() {
    for db in backends().await {
        let store = db.open().await;
        init(&store, Some("Test-pass-1"), false, &Silent)
            .await
            .unwrap();
        assert!(
            store
                .sessions()
                .create("nobody", Lang::ZhCn, false)
                .await
                .unwrap()
                .is_none()
        );
        let s = store
            .sessions()
            .create("admin", Lang::En, false)
            .await
            .unwrap()
            .unwrap();
        let live = store.sessions().session(&s.token).await.unwrap().unwrap();
        assert_eq!(
            (live.username.as_str(), live.role),
            ("admin", xianfeng_domain::role::Role::Admin)
        );
        assert_eq!(live.csrf_token, s.csrf_token);
        assert_eq!(live.lang, Lang::En);
        assert!(
            store
                .sessions()
                .session("forged-token")
                .await
                .unwrap()
                .is_none(),
            "{}",
            db.label
        );

        // The cookie's token is not what the database keeps.
        let raw = db.raw().await;
        let (stored,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM sessions WHERE token_hash = '{}'",
            s.token
        )))
        .fetch_one(&raw)
        .await
        .unwrap();
        assert_eq!(stored, 0);

        // Idle for longer than the timeout: gone, and removed.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE sessions SET last_seen_at = last_seen_at - {}",
            IDLE_TIMEOUT_MS + 1
        )))
        .execute(&raw)
        .await
        .unwrap();
        assert!(
            store.sessions().session(&s.token).await.unwrap().is_none(),
            "{}",
            db.label
        );
        let (left,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sessions")
            .fetch_one(&raw)
            .await
            .unwrap();
        assert_eq!(left, 0);

        // In use all along, but opened longer ago than a working day: over too.
        let busy = store
            .sessions()
            .create("admin", Lang::ZhCn, false)
            .await
            .unwrap()
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE sessions SET created_at = created_at - {}",
            xianfeng_domain::auth::MAX_SESSION_MS
        )))
        .execute(&raw)
        .await
        .unwrap();
        assert!(
            store
                .sessions()
                .session(&busy.token)
                .await
                .unwrap()
                .is_none(),
            "{}: a session older than a working day",
            db.label
        );

        // Ended, or the account disabled: no session.
        let s = store
            .sessions()
            .create("admin", Lang::ZhCn, false)
            .await
            .unwrap()
            .unwrap();
        store.sessions().end(&s.token).await.unwrap();
        assert!(store.sessions().session(&s.token).await.unwrap().is_none());

        // After a password change the other sessions end; after a reset, all of them.
        let (a, b) = (
            store
                .sessions()
                .create("admin", Lang::ZhCn, false)
                .await
                .unwrap()
                .unwrap(),
            store
                .sessions()
                .create("admin", Lang::ZhCn, false)
                .await
                .unwrap()
                .unwrap(),
        );
        store
            .sessions()
            .end_others("admin", Some(&a.token))
            .await
            .unwrap();
        assert!(
            store.sessions().session(&a.token).await.unwrap().is_some(),
            "{}",
            db.label
        );
        assert!(
            store.sessions().session(&b.token).await.unwrap().is_none(),
            "{}",
            db.label
        );
        store.sessions().end_others("admin", None).await.unwrap();
        assert!(
            store.sessions().session(&a.token).await.unwrap().is_none(),
            "{}",
            db.label
        );
        let s = store
            .sessions()
            .create("admin", Lang::ZhCn, false)
            .await
            .unwrap()
            .unwrap();
        let mut tx = store.begin("test").await.unwrap();
        tx.set_disabled("admin", true).await.unwrap();
        tx.commit().await.unwrap();
        assert!(
            store.sessions().session(&s.token).await.unwrap().is_none(),
            "{}",
            db.label
        );
    }
}

#[tokio::test]
async fn failed_logins_lock_the_account_and_then_the_address() {
    for db in backends().await {
        let store = db.open().await;
        for _ in 0..5 {
            store
                .sessions()
                .record_login_attempt("wang", "10.0.0.7", false)
                .await
                .unwrap();
        }
        store
            .sessions()
            .record_login_attempt("wang", "10.0.0.8", true)
            .await
            .unwrap();
        let (account, address) = store
            .sessions()
            .recent_failures("wang", "10.0.0.7")
            .await
            .unwrap();
        assert_eq!((account, address), (5, 5), "{}", db.label);
        assert_eq!(
            may_try_login(account, address),
            Err(Throttle::AccountLocked)
        );
        // Guessing across accounts from one address.
        for i in 0..15 {
            store
                .sessions()
                .record_login_attempt(&format!("user{i}"), "10.0.0.7", false)
                .await
                .unwrap();
        }
        let (account, address) = store
            .sessions()
            .recent_failures("li", "10.0.0.7")
            .await
            .unwrap();
        assert_eq!((account, address), (0, 20));
        assert_eq!(
            may_try_login(account, address),
            Err(Throttle::AddressLocked)
        );
        let (account, address) = store
            .sessions()
            .recent_failures("li", "10.0.0.9")
            .await
            .unwrap();
        assert_eq!(may_try_login(account, address), Ok(()));
    }
}

#[tokio::test]
async fn an_account_is_seen_by_the_policy_with_its_subtrees_and_sectors() {
    use xianfeng_domain::policy::{Action, Decision, Target, decide};
    for db in backends().await {
        let store = db.open().await;
        init(&store, Some("Test-pass-1"), false, &Silent)
            .await
            .unwrap();
        let orgs = "组织编码,组织名称,上级组织编码,组织类别,所属行业\n\
                    C,中共某市委员会,,市委,\nA,甲区委,C,县(市、区)委,\nB,乙区委,C,县(市、区)委,\n\
                    E,市教育局机关党委,C,党委,教育\nS,某学校党支部,B,党支部,教育\n";
        let reader = xianfeng_ingest::from_csv_bytes(orgs.as_bytes().to_vec()).unwrap();
        let opts = xianfeng_app::import::ImportOptions {
            mode: xianfeng_app::import::ImportMode::Commit,
            skip_bad: false,
            actor: "test".into(),
            today: xianfeng_testkit::today(),
            on_behalf: None,
        };
        xianfeng_app::import::import_orgs(&store, reader, &opts, &Silent)
            .await
            .unwrap();
        let mut tx = store.begin("test").await.unwrap();
        for (name, role, org) in [
            ("staff", xianfeng_domain::role::Role::CommitteeStaff, "A"),
            ("guide", xianfeng_domain::role::Role::SectorGuide, "E"),
        ] {
            let org_ids = tx.org_ids_by_codes(&[org.to_string()]).await.unwrap();
            tx.create_user(&xianfeng_storage::NewUser {
                username: name.into(),
                role,
                password_hash: "x".into(),
                must_change_password: false,
                org_ids,
                member_id: None,
            })
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        let school = store.registry().org_by_code("S").await.unwrap().unwrap();
        let school_path = school.tree_path();
        let target = Target::of(&school_path, school.sector.as_deref());
        let staff = store.accounts().principal("staff").await.unwrap().unwrap();
        assert_eq!(
            decide(&staff, Action::ReadOrganisation, &target),
            Decision::OutOfScope,
            "{}: a sibling county's school",
            db.label
        );
        let guide = store.accounts().principal("guide").await.unwrap().unwrap();
        assert_eq!(guide.sectors, vec!["教育".to_string()]);
        assert!(decide(&guide, Action::ReadMembers, &target).allowed());
        assert_eq!(
            decide(&guide, Action::WriteMembers, &target),
            Decision::NotPermitted
        );
        assert!(
            store
                .accounts()
                .principal("nobody")
                .await
                .unwrap()
                .is_none()
        );
    }
}
