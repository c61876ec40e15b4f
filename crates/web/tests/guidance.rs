//! Local implementing opinions (实施意见, 分层次): the district and the street add their own
//! requirements, an activity item and phase dates under the city's campaign; a branch below
//! both reads the union marked by whose each is, a branch elsewhere only what is above it;
//! a member commits to the district's own item; the office sees what each added; bad input
//! and the wrong hands change nothing.

mod support;

use support::enc;

use axum::http::StatusCode;
use support::App;

async fn add(app: &App, who: &str, code: &str, form: &str) -> support::Answer {
    let cookie = app.sign_in(who).await;
    let csrf = app.csrf(&cookie).await;
    app.post_form(
        &format!("/o/{code}/guidance"),
        Some(&cookie),
        &format!("csrf={csrf}&{form}"),
    )
    .await
}

#[tokio::test]
async fn committees_add_to_the_citys_campaign_and_the_branches_below_read_the_union() {
    for app in support::apps().await {
        let label = app.label();
        let requirement = |text: &str| {
            format!(
                "kind=requirement&criterion={}&text={}",
                enc("wu-ge-hao/leadership"),
                enc(text)
            )
        };
        let district = add(
            &app,
            "office",
            "C1",
            &requirement("支部书记每月走访困难党员"),
        )
        .await;
        assert_eq!(
            district.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            district.body
        );
        let activity = format!(
            "kind=activity&set=wubi-yizheng&name={}&text={}",
            enc("比技能"),
            enc("岗位练兵、技能比武")
        );
        assert_eq!(
            add(&app, "office", "C1", &activity).await.status,
            StatusCode::SEE_OTHER
        );
        let dates = |from: &str, until: &str| {
            format!("kind=phase&phase=implementation&from={from}&until={until}")
        };
        assert_eq!(
            add(&app, "office", "C1", &dates("2010-08-01", "2012-03-15"))
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let street = add(
            &app,
            "staff",
            "T1",
            &requirement("社区党组织每季度听取居民意见"),
        )
        .await;
        assert_eq!(
            street.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            street.body
        );

        // Refused, nothing stored: dates outside the city's phase; a branch secretary; a
        // branch, which writes none.
        let before = app
            .store
            .guidance()
            .all(app.store.campaigns().current().await.unwrap().unwrap().0)
            .await
            .unwrap()
            .len();
        let outside = add(&app, "office", "C1", &dates("2010-06-15", "2012-03-15")).await;
        assert_eq!(outside.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(outside.body.contains("组织实施"), "{label}");
        let wang = add(&app, "wang", "B1", &requirement("自己加的")).await;
        assert!(
            matches!(wang.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{label}: {}",
            wang.status
        );
        let branch = add(&app, "office", "B1", &requirement("支部加的")).await;
        assert_eq!(branch.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let empty = add(&app, "office", "C1", &requirement("  ")).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let campaign = app.store.campaigns().current().await.unwrap().unwrap().0;
        assert_eq!(
            app.store.guidance().all(campaign).await.unwrap().len(),
            before,
            "{label}"
        );

        // B1, below both, reads the city's standard with both additions, marked.
        let b1 = app.get("/p/o/B1/standards", None).await;
        for shown in [
            "中共某区委员会补充：支部书记每月走访困难党员",
            "某街道党工委补充：社区党组织每季度听取居民意见",
            "比技能",
            "2010年8月1日",
        ] {
            assert!(b1.body.contains(shown), "{label}: {shown}");
        }
        // E1 sits under the district, not the street.
        let e1 = app.get("/p/o/E1/standards", None).await;
        assert!(e1.body.contains("支部书记每月走访困难党员"), "{label}");
        assert!(!e1.body.contains("社区党组织每季度听取居民意见"), "{label}");

        // A member of B1 commits to the district's own item.
        let member = app.sign_in("member").await;
        let csrf = app.csrf(&member).await;
        let form = app
            .get(
                &format!("/c/new?kind=member&subject={}", app.b1_member),
                Some(&member),
            )
            .await;
        let code = form
            .body
            .split("value=\"local-")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .map(|n| format!("local-{n}"))
            .expect("the district's item is offered");
        assert!(form.body.contains("比技能（中共某区委员会）"), "{label}");
        let made = app
            .post_form(
                "/c",
                Some(&member),
                &format!(
                    "csrf={csrf}&kind=member&subject={}&title=t&activity_1={code}\
                     &content_1={}&target_1={}&due_1=2011-06-30&past_ok=1",
                    app.b1_member,
                    enc("参加岗位技能比武"),
                    enc("取得名次")
                ),
            )
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{label}: {}", made.body);
        let page = app.get(made.location(), Some(&member)).await;
        assert!(page.body.contains("比技能"), "{label}");

        // The office sees what each committee added.
        let office = app.sign_in("office").await;
        let all = app.get("/guidance", Some(&office)).await;
        assert_eq!(all.status, StatusCode::OK, "{label}");
        for shown in ["中共某区委员会", "某街道党工委", "比技能"] {
            assert!(all.body.contains(shown), "{label}: {shown}");
        }

        // Withdrawn, the street's requirement leaves the page; it is audited.
        let t1 = app.get("/o/T1/guidance", Some(&office)).await;
        let id = t1
            .body
            .split("/o/T1/guidance/")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .expect("a withdraw form")
            .to_string();
        let csrf = app.csrf(&office).await;
        let gone = app
            .post_form(
                &format!("/o/T1/guidance/{id}/withdraw"),
                Some(&office),
                &format!("csrf={csrf}"),
            )
            .await;
        assert_eq!(gone.status, StatusCode::SEE_OTHER, "{label}");
        let b1 = app.get("/p/o/B1/standards", None).await;
        assert!(!b1.body.contains("社区党组织每季度听取居民意见"), "{label}");
        let audit = app
            .store
            .audit()
            .entries(&xianfeng_storage::AuditFilter {
                since_ms: None,
                limit: 10_000,
            })
            .await
            .unwrap();
        assert_eq!(
            audit.iter().filter(|e| e.action == "guidance.add").count(),
            4,
            "{label}"
        );
        assert_eq!(
            audit
                .iter()
                .filter(|e| e.action == "guidance.withdraw")
                .count(),
            1,
            "{label}"
        );
    }
}
