//! Study and service records: a whole branch at once, a sheet, carriers, and the limits.

mod support;

use axum::http::StatusCode;
use support::{B1_MEMBER, apps};

#[tokio::test]
async fn a_secretary_enters_a_sitting_for_the_branch_and_imports_a_sheet() {
    for app in apps().await {
        let label = app.label();
        let m = app.b1_member;
        let wang = app.sign_in("wang").await;
        let csrf = app.csrf(&wang).await;
        let page = app.get("/o/B1/study", Some(&wang)).await;
        assert_eq!(page.status, StatusCode::OK, "{label}: {}", page.body);
        assert!(page.body.contains(&format!("name=\"hours_{m}\"")));
        let sitting = |hours: &str| {
            format!(
                "csrf={csrf}&text=%E5%85%9A%E7%AB%A0&kind=three-one&on=2010-07-01&hours_{m}={hours}"
            )
        };
        let bad = app
            .post_form("/o/B1/study", Some(&wang), &sitting("25"))
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            bad.body.contains(B1_MEMBER) && bad.body.contains("24"),
            "{}",
            bad.body
        );
        let empty = app
            .post_form("/o/B1/study", Some(&wang), &sitting(""))
            .await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        let ok = app
            .post_form("/o/B1/study", Some(&wang), &sitting("1.5"))
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let page = app.get(ok.location(), Some(&wang)).await;
        assert!(page.body.contains("<td>1.5</td>"), "{}", page.body);

        // A sheet: every problem listed and nothing written; then the good sheet.
        let id_number = xianfeng_testkit::id("41080219800101001");
        let sheet = |date: &str| {
            format!(
                "身份证号,学习主题,学习形式,学时,日期\n{id_number},十七届四中全会精神,集中学习,2,{date}\n"
            )
        };
        let wrong = app
            .multipart(
                "/o/B1/study/import",
                &wang,
                &[("csrf", &csrf)],
                &[("file", "学习.csv", sheet("2999-01-01").as_bytes())],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(wrong.body.contains("日期"), "{}", wrong.body);
        let right = app
            .multipart(
                "/o/B1/study/import",
                &wang,
                &[("csrf", &csrf)],
                &[("file", "学习.csv", sheet("2010-08-01").as_bytes())],
            )
            .await;
        assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", right.body);
        let page = app.get("/o/B1/study", Some(&wang)).await;
        assert!(
            page.body.contains("<td>3.5</td>"),
            "1.5 + 2 hours: {}",
            page.body
        );

        // The sibling branch can neither see nor write.
        let li = app.sign_in("li").await;
        let li_csrf = app.csrf(&li).await;
        assert_eq!(
            app.get("/o/B1/study", Some(&li)).await.status,
            StatusCode::NOT_FOUND
        );
        let theirs = app
            .post_form(
                "/o/B1/study",
                Some(&li),
                &sitting("1").replace(&csrf, &li_csrf),
            )
            .await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn service_carriers_and_volunteer_hours() {
    for app in apps().await {
        let m = app.b1_member;
        let wang = app.sign_in("wang").await;
        let csrf = app.csrf(&wang).await;
        let post = app
            .post_form(
                "/o/B1/posts",
                Some(&wang),
                &format!("csrf={csrf}&kind=vanguard-post&name=%E4%BE%BF%E6%B0%91%E7%AA%97%E5%8F%A3&description=&member_{m}=1"),
            )
            .await;
        assert_eq!(
            post.status,
            StatusCode::SEE_OTHER,
            "{}: {}",
            app.label(),
            post.body
        );
        let page = app.get("/o/B1/service", Some(&wang)).await;
        assert!(page.body.contains("便民窗口") && page.body.contains(B1_MEMBER));
        let post_id = page
            .body
            .split("<option value=\"")
            .filter_map(|o| o.split('"').next())
            .find(|v| v.parse::<i64>().is_ok())
            .expect("the carrier in the list")
            .to_string();
        let served = app
            .post_form(
                "/o/B1/service",
                Some(&wang),
                &format!(
                    "csrf={csrf}&text=%E4%B9%89%E8%AF%8A&kind={post_id}&on=2010-09-01&hours_{m}=4"
                ),
            )
            .await;
        assert_eq!(served.status, StatusCode::SEE_OTHER, "{}", served.body);
        let page = app.get("/o/B1/service", Some(&wang)).await;
        assert!(page.body.contains("<td>4</td>"), "{}", page.body);
        // A carrier of another branch is unknown here.
        let foreign = app
            .post_form(
                "/o/B1/service",
                Some(&wang),
                &format!("csrf={csrf}&text=x&kind=999999&on=2010-09-01&hours_{m}=1"),
            )
            .await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND);
        // A member enters only her own hours and sets up no carrier.
        let member = app.sign_in("member").await;
        let member_csrf = app.csrf(&member).await;
        let own = app
            .post_form(
                "/o/B1/study",
                Some(&member),
                &format!("csrf={member_csrf}&text=x&kind=self&on=2010-09-01&hours_{m}=1"),
            )
            .await;
        assert_eq!(own.status, StatusCode::SEE_OTHER, "{}", own.body);
        let carrier = app
            .post_form(
                "/o/B1/posts",
                Some(&member),
                &format!("csrf={member_csrf}&kind=vanguard-post&name=x"),
            )
            .await;
        assert_eq!(carrier.status, StatusCode::FORBIDDEN);
    }
}
