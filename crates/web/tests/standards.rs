//! 分类指导 shown to whom it applies: a village branch's page of standards gives the 农村
//! requirements, a community branch's the 社区 ones, with the campaign's theme; the page is
//! linked from the organisation's page, its public board and a member's page.

mod support;

use axum::http::StatusCode;
use support::apps;
use xianfeng_app::Silent;
use xianfeng_app::import::{ImportMode, ImportOptions, import_orgs};
use xianfeng_testkit::today;

#[tokio::test]
async fn each_branch_reads_the_requirements_of_its_own_category() {
    for app in apps().await {
        let label = app.label();
        let opts = ImportOptions {
            mode: ImportMode::Commit,
            skip_bad: false,
            actor: "test".into(),
            today: today(),
            on_behalf: None,
        };
        let orgs = "组织编码,组织名称,上级组织编码,组织类别,分类\n\
                    B1,某社区第一党支部,T1,党支部,农村\nB2,某社区第二党支部,T1,党支部,社区\n";
        import_orgs(
            &app.store,
            xianfeng_ingest::from_csv_bytes(orgs.into()).unwrap(),
            &opts,
            &Silent,
        )
        .await
        .unwrap();
        let rural = app.get("/p/o/B1/standards", None).await;
        assert_eq!(rural.status, StatusCode::OK, "{label}");
        for shown in [
            "当科学发展先锋，做干事创业楷模",
            "五个好",
            "五表率",
            "农村",
            "村党组织书记是带富能手",
        ] {
            assert!(rural.body.contains(shown), "{label}: {shown}");
        }
        assert!(!rural.body.contains("在职党员到社区报到"), "{label}");
        let community = app.get("/p/o/B2/standards", None).await;
        assert!(community.body.contains("在职党员到社区报到"), "{label}");
        assert!(
            !community.body.contains("村党组织书记是带富能手"),
            "{label}"
        );
        // Linked from where people are: the secretary's organisation page, the public
        // board, the member's page.
        let wang = app.sign_in("wang").await;
        for path in ["/o/B1".to_string(), format!("/m/{}", app.b1_member)] {
            let page = app.get(&path, Some(&wang)).await;
            assert!(page.body.contains("/p/o/B1/standards"), "{label}: {path}");
        }
        let board = app.get("/p/o/B1", None).await;
        assert!(board.body.contains("/p/o/B1/standards"), "{label}");
        // In English, the page is in English (the requirements are the file's own words).
        let en = app
            .send(
                axum::http::Request::get("/p/o/B1/standards")
                    .header("cookie", "xf_lang=en")
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        assert!(
            en.body.contains("Our standards") && en.body.contains("Five goods"),
            "{label}"
        );
        assert_eq!(
            app.get("/p/o/NOPE/standards", None).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

/// The 农村 requirements reach everyone a village branch's work concerns: its member on her
/// page, its secretary on the branch's page, an inspector, and a citizen on the ballot page.
#[tokio::test]
async fn a_village_branchs_member_secretary_inspector_and_citizen_each_read_its_requirements() {
    use xianfeng_app::evaluation::{RoundInput, create_round, issue_codes};
    const RURAL: &str = "村党组织书记是带富能手";
    for app in apps().await {
        let label = app.label();
        let opts = ImportOptions {
            mode: ImportMode::Commit,
            skip_bad: false,
            actor: "test".into(),
            today: today(),
            on_behalf: None,
        };
        let orgs = "组织编码,组织名称,上级组织编码,组织类别,分类\n\
                    B1,某村党支部,T1,党支部,农村\n";
        import_orgs(
            &app.store,
            xianfeng_ingest::from_csv_bytes(orgs.into()).unwrap(),
            &opts,
            &Silent,
        )
        .await
        .unwrap();
        let standards = app.get("/p/o/B1/standards", None).await;
        assert!(standards.body.contains(RURAL), "{label}");
        // The member from her page, the secretary and an inspector from the branch's.
        let mut tx = app.store.begin("test").await.unwrap();
        let org_ids = tx.org_ids_by_codes(&["C1".to_string()]).await.unwrap();
        tx.create_user(&xianfeng_storage::NewUser {
            username: "inspector".into(),
            role: xianfeng_domain::role::Role::Inspector,
            password_hash: xianfeng_storage::password::hash(support::PASSWORD),
            must_change_password: false,
            org_ids,
            member_id: None,
        })
        .await
        .unwrap();
        tx.commit().await.unwrap();
        for (who, path) in [
            ("member", format!("/m/{}", app.b1_member)),
            ("wang", "/o/B1".to_string()),
            ("inspector", "/o/B1".to_string()),
        ] {
            let cookie = app.sign_in(who).await;
            let page = app.get(&path, Some(&cookie)).await;
            assert_eq!(page.status, StatusCode::OK, "{label}: {who}");
            assert!(page.body.contains("/p/o/B1/standards"), "{label}: {who}");
        }
        // The citizen rates the village branch against the village requirements.
        let round = create_round(
            &app.store,
            None,
            &RoundInput {
                name: "群众评议",
                scope: "T1",
                subjects: "organisations",
                mode: "codes",
                starts_on: "2000-01-01",
                ends_on: "2999-12-31",
            },
        )
        .await
        .unwrap();
        let codes = issue_codes(&app.store, None, round, 1, Some("http://x"), today())
            .await
            .unwrap();
        let mut seen = false;
        for c in codes {
            let page = app.get(&format!("/p/b/{}", c.code), None).await;
            if page.body.contains("某村党支部") {
                assert!(page.body.contains(RURAL), "{label}: {}", page.body);
                seen = true;
            } else {
                assert!(!page.body.contains(RURAL), "{label}: another branch's page");
            }
        }
        assert!(seen, "{label}: a slip for the village branch");
    }
}
