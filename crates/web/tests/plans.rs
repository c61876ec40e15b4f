//! Set-up records: a branch submits its plan, the street committee returns it with
//! comments and then approves it, and sees its whole subtree at a glance.

mod support;

use axum::http::StatusCode;
use support::apps;

#[tokio::test]
async fn a_plan_is_submitted_returned_resubmitted_and_approved_by_the_superior() {
    for app in apps().await {
        let label = app.label();
        let wang = app.sign_in("wang").await;
        let csrf = app.csrf(&wang).await;
        let page = app.get("/o/B1/setup", Some(&wang)).await;
        assert_eq!(page.status, StatusCode::OK, "{label}: {}", page.body);
        assert!(page.body.contains("未提交"));
        let plan = |body: &str| {
            vec![
                ("csrf", csrf.clone()),
                ("leadership_body", "组长：王书记".to_string()),
                ("body", body.to_string()),
            ]
        };
        let fields = plan("一、指导思想……");
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let submitted = app
            .multipart(
                "/o/B1/plan",
                &wang,
                &fields,
                &[("document", "方案.pdf", b"%PDF-1.4 plan")],
            )
            .await;
        assert_eq!(
            submitted.status,
            StatusCode::SEE_OTHER,
            "{}",
            submitted.body
        );
        // Submitting twice is refused; the secretary may not approve her own.
        let again = app.multipart("/o/B1/plan", &wang, &fields, &[]).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        let own = app
            .post_form(
                "/o/B1/plan/decision",
                Some(&wang),
                &format!("csrf={csrf}&decision=approve"),
            )
            .await;
        assert_eq!(own.status, StatusCode::NOT_FOUND, "{label}");

        let staff = app.sign_in("staff").await;
        let staff_csrf = app.csrf(&staff).await;
        let overview = app.get("/o/T1/plans", Some(&staff)).await;
        assert!(overview.body.contains("待审核"), "{}", overview.body);
        let waiting = app.get("/o/T1/plans?only=submitted", Some(&staff)).await;
        assert!(waiting.body.contains("某社区第一党支部"));
        assert!(
            !waiting.body.contains("某社区第二党支部"),
            "B2 has not submitted"
        );
        let missing = app.get("/o/T1/plans?only=none", Some(&staff)).await;
        assert!(missing.body.contains("某社区第二党支部"));

        let bare = app
            .post_form(
                "/o/B1/plan/decision",
                Some(&staff),
                &format!("csrf={staff_csrf}&decision=return&comment="),
            )
            .await;
        assert_eq!(
            bare.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a return needs comments"
        );
        let returned = app
            .post_form(
                "/o/B1/plan/decision",
                Some(&staff),
                &format!("csrf={staff_csrf}&decision=return&comment=%E8%A1%A5%E5%85%85"),
            )
            .await;
        assert_eq!(returned.status, StatusCode::SEE_OTHER);
        let page = app.get("/o/B1/setup", Some(&wang)).await;
        assert!(
            page.body.contains("已退回") && page.body.contains("补充"),
            "{}",
            page.body
        );
        let fields = plan("一、指导思想（修改）");
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let resubmitted = app.multipart("/o/B1/plan", &wang, &fields, &[]).await;
        assert_eq!(
            resubmitted.status,
            StatusCode::SEE_OTHER,
            "{}",
            resubmitted.body
        );
        let approved = app
            .post_form(
                "/o/B1/plan/decision",
                Some(&staff),
                &format!("csrf={staff_csrf}&decision=approve&comment="),
            )
            .await;
        assert_eq!(approved.status, StatusCode::SEE_OTHER);
        let page = app.get("/o/B1/setup", Some(&wang)).await;
        assert!(
            page.body.contains("已批准") && page.body.contains("修改"),
            "{label}"
        );
        // The document went with the first submission and stays; B2 cannot fetch it.
        let doc = page
            .body
            .split("href=\"/files/")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("the plan document")
            .to_string();
        assert_eq!(
            app.get(&format!("/files/{doc}"), Some(&wang)).await.status,
            StatusCode::OK
        );
        let li = app.sign_in("li").await;
        assert_eq!(
            app.get(&format!("/files/{doc}"), Some(&li)).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get("/o/B1/setup", Some(&li)).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn mobilisation_meetings_are_recorded_with_clear_refusals() {
    for app in apps().await {
        let wang = app.sign_in("wang").await;
        let csrf = app.csrf(&wang).await;
        let form = |date: &str, n: &str| {
            format!(
                "csrf={csrf}&title=%E5%8A%A8%E5%91%98%E5%A4%A7%E4%BC%9A&held_on={date}&level=grassroots&attendance={n}"
            )
        };
        let future = app
            .post_form("/o/B1/meetings", Some(&wang), &form("2999-01-01", "30"))
            .await;
        assert_eq!(
            future.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.label()
        );
        let none = app
            .post_form("/o/B1/meetings", Some(&wang), &form("2010-06-10", "0"))
            .await;
        assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
        let ok = app
            .post_form("/o/B1/meetings", Some(&wang), &form("2010-06-10", "32"))
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let page = app.get("/o/B1/setup", Some(&wang)).await;
        assert!(page.body.contains("2010-06-10") && page.body.contains("基层党组织"));
        let member = app.sign_in("member").await;
        let member_csrf = app.csrf(&member).await;
        let refused = app
            .post_form(
                "/o/B1/meetings",
                Some(&member),
                &form("2010-06-10", "32").replace(&csrf, &member_csrf),
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
}
