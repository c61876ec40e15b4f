//! The score dashboard and a subject's score page, as the office and a branch secretary
//! use them: the ranking among the peers chosen, how a score was made, a self-assessment
//! that changes it, and the Excel export of each table.

mod support;

use axum::http::{StatusCode, header};
use support::apps;

#[tokio::test]
async fn the_dashboard_ranks_explains_takes_a_self_assessment_and_exports() {
    for app in apps().await {
        let label = app.label();
        support::review_branches(&app).await;
        let office = app.sign_in("office").await;
        let page = app
            .get(
                "/scores?period=2011-h1&scope=T1&level=branch",
                Some(&office),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{label}: {}", page.body);
        let body = &page.body;
        // B2 (某社区第二党支部, 100) ranks above B1 (50), with growth over 2010.
        let first = body.find("某社区第二党支部").expect("B2 is listed");
        let second = body.find("某社区第一党支部").expect("B1 is listed");
        assert!(first < second, "{label}: B2 first");
        assert!(
            body.contains("+80.00") && body.contains("-50.00"),
            "{label}: growth"
        );
        assert!(body.contains("<svg"), "{label}: charts drawn on the server");
        assert!(!body.contains("<script"), "{label}: no script");
        assert!(
            body.contains("/scores/export?"),
            "{label}: every table exports"
        );

        let export = app
            .get(
                "/scores/export?period=2011-h1&scope=T1&level=branch&table=ranking",
                Some(&office),
            )
            .await;
        assert_eq!(export.status, StatusCode::OK, "{label}");
        assert!(
            export.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .contains("spreadsheetml")
        );
        assert!(
            export.body.starts_with("PK"),
            "{label}: an .xlsx (zip) file"
        );
        // Each themed stage's ranking downloads from the dashboard.
        assert!(
            body.contains("stage=towards-90th"),
            "{label}: the stage's ranking is offered"
        );
        let stage = app
            .get(
                "/scores/export?scope=T1&level=branch&table=ranking&stage=towards-90th",
                Some(&office),
            )
            .await;
        assert_eq!(stage.status, StatusCode::OK, "{label}");
        assert!(stage.body.starts_with("PK"), "{label}");

        // Named no period, the dashboard opens on the latest with anything scored (the
        // test city's reviews are of 2011-h1; 2012-h1 has begun and holds nothing), and an
        // empty period says so instead of ranking zeros.
        let opening = app.get("/scores", Some(&office)).await;
        assert!(
            opening.body.contains("得分排名 · 2011年上半年"),
            "{label}: {}",
            opening.body
        );
        assert!(!opening.body.contains("还没有任何得分"), "{label}");
        let empty = app.get("/scores?period=2012-h1", Some(&office)).await;
        assert!(empty.body.contains("本考核周期还没有任何得分"), "{label}");

        // How B1's score was made: the review part is 50, nothing else has data — and the
        // page says the score rests on that one part, as the ranking does beside it.
        let subject = app.get("/scores/s/B1?period=2011-h1", Some(&office)).await;
        assert_eq!(subject.status, StatusCode::OK, "{label}: {}", subject.body);
        assert!(subject.body.contains("50.00"), "{label}");
        assert!(
            subject.body.contains("只凭“领导点评”一项数据"),
            "{label}: {}",
            subject.body
        );
        assert!(body.contains("仅凭领导点评一项"), "{label}");
        // Such a score is ranked but not graded: a grade from one part would read as a
        // verdict on the whole of the work.
        assert!(body.contains("不评等次"), "{label}");
        assert!(subject.body.contains("因此不评定等次"), "{label}");
        assert!(
            !subject.body.contains("</strong> 等次"),
            "{label}: no grade"
        );

        // The branch secretary self-assesses B1: the score takes it in at once.
        let wang = app.sign_in("wang").await;
        let csrf = app.csrf(&wang).await;
        let form = |points: &str| {
            let mut f = format!("csrf={csrf}&period=2011-h1");
            for c in [
                "leadership",
                "members",
                "mechanism",
                "performance",
                "public-opinion",
            ] {
                f.push_str(&format!("&c_{c}={points}"));
            }
            f
        };
        let bad = app
            .post_form("/scores/s/B1/self", Some(&wang), &form("101"))
            .await;
        assert_eq!(
            bad.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{label}: {}",
            bad.body
        );
        let saved = app
            .post_form("/scores/s/B1/self", Some(&wang), &form("80"))
            .await;
        assert_eq!(
            saved.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            saved.body
        );
        let after = app.get("/scores/s/B1?period=2011-h1", Some(&wang)).await;
        // (80*10 + 50*25) / 35 = 58.57: self-assessment 10 %, review 25 % for organisations.
        assert!(after.body.contains("58.57"), "{label}: {}", after.body);
        // Resting on two parts now, the score is graded (the one graded branch of its
        // peers, so within no quota but the last grade's).
        assert!(!after.body.contains("不评定等次"), "{label}");
        assert!(
            after.body.contains("<strong>一般</strong> 等次"),
            "{label}: {}",
            after.body
        );
        // The dashboard's ranking, kept since the first visit, follows the change too.
        let again = app
            .get(
                "/scores?period=2011-h1&scope=T1&level=branch",
                Some(&office),
            )
            .await;
        assert!(
            again.body.contains("58.57"),
            "{label}: the kept ranking was renewed"
        );

        // The secretary's own dashboard names nothing above the branch.
        let own = app.get("/scores?period=2011-h1", Some(&wang)).await;
        assert_eq!(own.status, StatusCode::OK, "{label}");
        assert!(own.body.contains("某社区第一党支部"));
        assert!(
            !own.body.contains("某街道党工委"),
            "{label}: the street is not the branch's to see"
        );

        // The neighbouring branch's secretary may neither see nor assess B1.
        let li = app.sign_in("li").await;
        let li_csrf = app.csrf(&li).await;
        let theirs = app.get("/scores/s/B1?period=2011-h1", Some(&li)).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND);
        let form = format!("csrf={li_csrf}&period=2011-h1&c_leadership=100");
        let refused = app.post_form("/scores/s/B1/self", Some(&li), &form).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn closing_a_period_asks_first_and_says_what_it_does() {
    for app in support::apps().await {
        let label = app.label();
        let office = app.sign_in("office").await;
        let csrf = app.csrf(&office).await;
        let asked = app
            .post_form(
                "/scores/close",
                Some(&office),
                &format!("csrf={csrf}&period=2010"),
            )
            .await;
        assert_eq!(asked.status, StatusCode::OK, "{label}: {}", asked.body);
        assert!(asked.body.contains("无法撤销"), "{}", asked.body);
        assert!(
            asked.body.contains("name=\"confirmed\" value=\"1\""),
            "{}",
            asked.body
        );
        let board = app.get("/scores?period=2010", Some(&office)).await;
        assert!(
            !board.body.contains("已定格"),
            "{label}: not closed by the question"
        );
        let closed = app
            .post_form(
                "/scores/close",
                Some(&office),
                &format!("csrf={csrf}&period=2010&confirmed=1"),
            )
            .await;
        assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
        let board = app.get("/scores?period=2010", Some(&office)).await;
        assert!(board.body.contains("已定格"), "{label}");
    }
}
