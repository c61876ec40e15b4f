//! The ballot page and the ballot API as the public uses them, and results for accounts.

mod support;

use axum::http::StatusCode;
use support::{App, apps};
use xianfeng_app::evaluation::{RoundInput, create_round, issue_codes};

async fn round(app: &App, start: &str, end: &str) -> (i64, Vec<String>) {
    let id = create_round(
        &app.store,
        None,
        &RoundInput {
            name: "群众评议",
            scope: "T1",
            subjects: "organisations",
            mode: "codes",
            starts_on: start,
            ends_on: end,
        },
    )
    .await
    .unwrap();
    let codes = issue_codes(&app.store, None, id, 2, "http://x")
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.code)
        .collect();
    (id, codes)
}

#[tokio::test]
async fn a_phone_casts_one_ballot_per_code_and_is_told_why_when_it_cannot() {
    for app in apps().await {
        let label = app.label();
        let (_, codes) = round(&app, "2000-01-01", "2999-12-31").await;
        let code = codes[0].clone();
        let page = app.get(&format!("/p/b/{code}"), None).await;
        assert_eq!(page.status, StatusCode::OK, "{label}: {}", page.body);
        assert!(page.body.contains("name=\"verdict\""));
        assert!(page.body.contains("领导班子好"), "the standard's criteria");
        let none = app
            .post_form(&format!("/p/b/{code}"), None, "comment=x")
            .await;
        assert_eq!(
            none.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a verdict is needed"
        );
        let cast = app
            .post_form(
                &format!("/p/b/{code}"),
                None,
                "verdict=satisfied&rating_leadership=5&comment=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
            )
            .await;
        assert_eq!(cast.status, StatusCode::CREATED, "{label}: {}", cast.body);
        assert!(cast.body.contains("谢谢"));
        let again = app
            .post_form(&format!("/p/b/{code}"), None, "verdict=satisfied")
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert!(again.body.contains("已经用过"));
        let used_page = app.get(&format!("/p/b/{code}"), None).await;
        assert_eq!(used_page.status, StatusCode::CONFLICT);
        // One character wrong, and an unknown code: a friendly explanation.
        let mut typo = code.replace('-', "").into_bytes();
        typo[3] = if typo[3] == b'2' { b'3' } else { b'2' };
        let typo = String::from_utf8(typo).unwrap();
        let wrong = app.get(&format!("/p/b/{typo}"), None).await;
        assert_eq!(wrong.status, StatusCode::NOT_FOUND);
        assert!(wrong.body.contains("输错"), "{}", wrong.body);
    }
}

#[tokio::test]
async fn the_ballot_api_answers_with_its_documented_codes() {
    for app in apps().await {
        let label = app.label();
        let (id, codes) = round(&app, "2000-01-01", "2999-12-31").await;
        let (_, closed) = round(&app, "2001-01-01", "2001-01-31").await;
        let body = |code: &str, verdict: &str| {
            format!(r#"{{"code":"{code}","verdict":"{verdict}","comment":"<b>好</b>"}}"#)
        };
        let post = |b: String| {
            let app = &app;
            async move { app.api("POST", "/api/v1/ballots", None, Some(&b)).await }
        };
        let ok = post(body(&codes[0], "basically_satisfied")).await;
        assert_eq!(ok.status, StatusCode::CREATED, "{label}: {}", ok.body);
        let replay = post(body(&codes[0], "satisfied")).await;
        assert_eq!(
            (replay.status, replay.json()["code"].clone()),
            (StatusCode::CONFLICT, "code_used".into())
        );
        let unknown = post(body("ABCDEFGHJ", "satisfied")).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);
        let invalid = post(body(&codes[1], "happy")).await;
        assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
        let late = post(body(&closed[0], "satisfied")).await;
        assert_eq!(
            (late.status, late.json()["code"].clone()),
            (StatusCode::FORBIDDEN, "round_closed".into())
        );
        let malformed = app
            .api("POST", "/api/v1/ballots", None, Some("{\"code\":"))
            .await;
        assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
        let long = format!(
            r#"{{"code":"{}","verdict":"satisfied","comment":"{}"}}"#,
            codes[1],
            "长".repeat(501)
        );
        assert_eq!(post(long).await.status, StatusCode::UNPROCESSABLE_ENTITY);

        // Results: one basically satisfied ballot for one branch of T1.
        let office = app.token("office").await;
        let rounds = app
            .api("GET", "/api/v1/rounds", Some(&office), None)
            .await
            .json();
        assert!(rounds.as_array().unwrap().iter().any(|r| r["id"] == id));
        let results = app
            .api(
                "GET",
                &format!("/api/v1/rounds/{id}/results"),
                Some(&office),
                None,
            )
            .await
            .json();
        let counted: u64 = results
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["basically_satisfied"].as_u64().unwrap())
            .sum();
        assert_eq!(counted, 1, "{label}");
        let li = app.token("li").await;
        let theirs = app
            .api(
                "GET",
                &format!("/api/v1/rounds/{id}/results"),
                Some(&li),
                None,
            )
            .await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND);
        assert!(
            xianfeng_app::evaluation::verify(&app.store, id)
                .await
                .is_ok()
        );
    }
}
