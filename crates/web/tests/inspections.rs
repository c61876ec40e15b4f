//! Supervision through the pages and the API (督查): the office publishes a plan's
//! population, enters the seed input and draws; the inspectors drawn — and only they — see
//! the task and record findings; B1's secretary — and no other — sees the rectification
//! item and reports; the office accepts; nothing names the target publicly until the plan
//! closes, and then the results and the draw record are public and verify.

mod support;

use axum::http::StatusCode;
use support::{App, enc};

async fn post(app: &App, who: &str, path: &str, form: &str) -> support::Answer {
    let cookie = app.sign_in(who).await;
    let csrf = app.csrf(&cookie).await;
    app.post_form(path, Some(&cookie), &format!("csrf={csrf}&{form}"))
        .await
}

const B1_NAME: &str = "某社区第一党支部";

/// What the public can see of the plans, by page and by API.
async fn public_view(app: &App) -> (String, String) {
    let page = app.get("/p/inspections/jiaozuo-2010", None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let api = app
        .api("GET", "/api/v1/inspection-results", None, None)
        .await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    (page.body, api.body)
}

#[tokio::test]
async fn a_plan_goes_from_its_published_population_to_public_results_and_names_no_target_before() {
    for app in support::apps().await {
        let label = app.label();
        support::inspector_pool(&app.store).await;
        let form = format!(
            "name={}&scope=C1&population=branches&strata=county&targets=B1&per_target=2&cap=5",
            enc("第二季度督查")
        );
        let made = post(&app, "office", "/inspections", &form).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{label}: {}", made.body);
        let plan = made.location().to_string();
        let id: i64 = plan.trim_start_matches("/inspections/").parse().unwrap();

        // A draft is not public; a seed before P is refused with the reason.
        let (page, api) = public_view(&app).await;
        assert!(!page.contains("第二季度督查") && !api.contains("第二季度督查"));
        let early = post(
            &app,
            "office",
            &format!("{plan}/draw"),
            "seed_input=1&confirmed=1",
        )
        .await;
        assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(early.body.contains("须先公布抽查名单"), "{}", early.body);

        // Publishing asks first, then freezes: P is public at once, the target is not.
        let ask = post(&app, "office", &format!("{plan}/publish"), "").await;
        assert_eq!(ask.status, StatusCode::OK);
        assert!(ask.body.contains("confirmed"), "asks first");
        let done = post(&app, "office", &format!("{plan}/publish"), "confirmed=1").await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let p = xianfeng_domain::draw::population_digest(["B1"]);
        let (page, api) = public_view(&app).await;
        assert!(
            page.contains(&p) && api.contains(&p),
            "{label}: P is public"
        );
        assert!(!page.contains(B1_NAME) && !api.contains(B1_NAME));

        // The seed input exactly as typed, spaces and all.
        let seed = "福彩3D 2026年12月1日  5 2 7";
        let drawn = post(
            &app,
            "office",
            &format!("{plan}/draw"),
            &format!("seed_input={}&confirmed=1", enc(seed)),
        )
        .await;
        assert_eq!(drawn.status, StatusCode::SEE_OTHER, "{}", drawn.body);
        let again = post(
            &app,
            "office",
            &format!("{plan}/draw"),
            "seed_input=x&confirmed=1",
        )
        .await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(again.body.contains("不能再次抽取"), "{}", again.body);
        let (page, api) = public_view(&app).await;
        assert!(
            page.contains(seed) && api.contains(seed),
            "{label}: the seed input"
        );
        assert!(
            !page.contains(B1_NAME) && !api.contains(B1_NAME) && !api.contains("\"B1\""),
            "{label}: the target stays a surprise: {api}"
        );
        let record = app
            .get(
                &format!("/p/inspections/jiaozuo-2010/{id}/record.json"),
                None,
            )
            .await;
        assert_eq!(record.status, StatusCode::NOT_FOUND);
        let record = app
            .api(
                "GET",
                &format!("/api/v1/inspection-results/{id}/record"),
                None,
                None,
            )
            .await;
        assert_eq!(record.status, StatusCode::NOT_FOUND);

        // The inspectors drawn see the task; the one in conflict and the secretaries do not.
        let task = app.store.inspections().tasks_of_plan(id).await.unwrap()[0].clone();
        let mut drawn = task.inspectors.clone();
        drawn.sort();
        assert_eq!(
            drawn,
            ["dc-city", "dc-school"],
            "{label}: dc-street is in conflict"
        );
        let checklist = format!("/inspections/tasks/{}", task.id);
        for who in ["dc-city", "dc-school"] {
            let cookie = app.sign_in(who).await;
            let mine = app.get("/inspections/tasks", Some(&cookie)).await;
            assert!(mine.body.contains(B1_NAME), "{label}: {who} sees the task");
            let page = app.get(&checklist, Some(&cookie)).await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(
                page.body.contains("实施方案：尚未提交"),
                "known facts shown"
            );
        }
        for who in ["dc-street", "wang", "li"] {
            let cookie = app.sign_in(who).await;
            let page = app.get(&checklist, Some(&cookie)).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{label}: {who}");
            assert!(!page.body.contains(B1_NAME));
            let mine = app.get("/inspections/tasks", Some(&cookie)).await;
            assert!(!mine.body.contains(B1_NAME), "{label}: {who}'s list");
            let token = app.token(who).await;
            let api = app
                .api(
                    "GET",
                    &format!("/api/v1/inspection-tasks/{}", task.id),
                    Some(&token),
                    None,
                )
                .await;
            assert_eq!(api.status, StatusCode::NOT_FOUND, "{label}: {who} by API");
        }

        // Findings on the phone page: a shortfall needs a note; a photo is taken.
        let city = app.sign_in("dc-city").await;
        let csrf = app.csrf(&city).await;
        let findings = format!("{checklist}/findings");
        let bare = app
            .multipart(
                &findings,
                &city,
                &[
                    ("csrf", &csrf),
                    ("item", "org-life"),
                    ("judgement", "fails"),
                ],
                &[],
            )
            .await;
        assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bare.body.contains("须写明存在的问题"), "{}", bare.body);
        let photo = support::phone_photo();
        let shot = app
            .multipart(
                &findings,
                &city,
                &[
                    ("csrf", &csrf),
                    ("item", "org-life"),
                    ("judgement", "fails"),
                    ("note", "党务公开栏内容停留在上半年"),
                ],
                &[("photos", "board.jpg", &photo)],
            )
            .await;
        assert_eq!(shot.status, StatusCode::SEE_OTHER, "{}", shot.body);
        // The others by API, as a script on the phone would.
        let token = app.token("dc-city").await;
        let list = app
            .api(
                "GET",
                &format!("/api/v1/inspection-tasks/{}", task.id),
                Some(&token),
                None,
            )
            .await
            .json();
        for item in list["items"].as_array().unwrap() {
            let code = item["item"].as_str().unwrap();
            if code == "org-life" {
                assert_eq!(item["judgement"], "fails");
                continue;
            }
            let body = format!(r#"{{"item":"{code}","judgement":"meets"}}"#);
            let a = app
                .api(
                    "POST",
                    &format!("/api/v1/inspection-tasks/{}/findings", task.id),
                    Some(&token),
                    Some(&body),
                )
                .await;
            assert_eq!(a.status, StatusCode::CREATED, "{label}: {}", a.body);
        }
        // The plan cannot close while the visit is open.
        let early = post(&app, "office", &format!("{plan}/close"), "confirmed=1").await;
        assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
        let submitted = post(
            &app,
            "dc-city",
            &format!("{checklist}/submit"),
            "confirmed=1",
        )
        .await;
        assert_eq!(
            submitted.status,
            StatusCode::SEE_OTHER,
            "{}",
            submitted.body
        );
        let late = app
            .multipart(
                &findings,
                &city,
                &[
                    ("csrf", &csrf),
                    ("item", "org-life"),
                    ("judgement", "meets"),
                ],
                &[],
            )
            .await;
        assert_eq!(late.status, StatusCode::CONFLICT, "submitted findings stay");

        // Rectification: B1's secretary sees and reports it; B2's does not see it.
        let item = app
            .store
            .inspections()
            .rectifications_of_plan(id)
            .await
            .unwrap()[0]
            .clone();
        let li = app.sign_in("li").await;
        let other = app.get("/o/B1/rectification", Some(&li)).await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "{label}");
        let own = app.get("/o/B2/rectification", Some(&li)).await;
        assert!(
            !own.body.contains("党务公开栏"),
            "{label}: B2 sees only its own"
        );
        let wang = app.sign_in("wang").await;
        let page = app.get("/o/B1/rectification", Some(&wang)).await;
        assert!(
            page.body.contains("党务公开栏内容停留在上半年"),
            "{}",
            page.body
        );
        let home = app.get("/o/B1", Some(&wang)).await;
        assert!(
            home.body.contains("/o/B1/rectification"),
            "linked from B1's page"
        );
        let wang_csrf = app.csrf(&wang).await;
        let reported = app
            .multipart(
                &format!("/rectifications/{}/report", item.id),
                &wang,
                &[("csrf", &wang_csrf), ("report", "已更新党务公开栏")],
                &[("evidence", "board.jpg", &photo)],
            )
            .await;
        assert_eq!(reported.status, StatusCode::SEE_OTHER, "{}", reported.body);
        // The office returns without a reason: refused; with one, and then accepts.
        let decide = format!("/rectifications/{}/decide", item.id);
        let no_reason = post(&app, "office", &decide, "decision=return").await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        let accepted = post(&app, "office", &decide, "decision=accept").await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);

        // The task is in: the office closes the plan.
        let closed = post(&app, "office", &format!("{plan}/close"), "confirmed=1").await;
        assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
        let (page, api) = public_view(&app).await;
        assert!(
            page.contains(B1_NAME),
            "{label}: the results are public now"
        );
        let plans = serde_json::from_str::<serde_json::Value>(&api).unwrap();
        let ours = plans
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .unwrap();
        let result = &ours["results"][0];
        assert_eq!(result["target"], "B1");
        assert_eq!(result["fails"], 1);
        assert_eq!(result["rectified"], 1);
        assert!(result["meets"].as_u64().unwrap() >= 4);
        let record = app
            .get(
                &format!("/p/inspections/jiaozuo-2010/{id}/record.json"),
                None,
            )
            .await;
        assert_eq!(record.status, StatusCode::OK);
        let record: xianfeng_domain::draw::DrawRecord = serde_json::from_str(&record.body).unwrap();
        assert!(record.verify().is_empty(), "{label}: the record verifies");
        assert_eq!(record.seed_input, seed);
        assert!(
            record
                .conflicts
                .contains(&("B1".to_string(), "dc-street".to_string()))
        );
    }
}

#[tokio::test]
async fn the_pool_and_the_plans_are_the_offices_and_the_api_publishes_and_draws_with_the_same_rules()
 {
    for app in support::apps().await {
        let label = app.label();
        support::inspector_pool(&app.store).await;
        // Secretaries and inspectors meet no plan pages.
        for who in ["wang", "dc-city"] {
            let cookie = app.sign_in(who).await;
            assert_eq!(
                app.get("/inspections", Some(&cookie)).await.status,
                StatusCode::FORBIDDEN,
                "{label}: {who}"
            );
            assert_eq!(
                app.get("/inspections/inspectors", Some(&cookie))
                    .await
                    .status,
                StatusCode::FORBIDDEN
            );
        }
        let office = app.sign_in("office").await;
        let pool = app.get("/inspections/inspectors", Some(&office)).await;
        assert!(pool.body.contains("学校督查") && pool.body.contains("dc-street"));

        let token = app.token("office").await;
        let body = r#"{"name":"随机抽查","scope":"C1","population":"branches","per_stratum":1,"inspectors_per_target":1,"cap":1}"#;
        let made = app
            .api("POST", "/api/v1/inspections", Some(&token), Some(body))
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{label}: {}", made.body);
        let id = made.json()["id"].as_i64().unwrap();
        let draw = |seed: &'static str| {
            let app = &app;
            let token = token.clone();
            async move {
                app.api(
                    "POST",
                    &format!("/api/v1/inspections/{id}/draw"),
                    Some(&token),
                    Some(&format!(r#"{{"seed_input":"{seed}"}}"#)),
                )
                .await
            }
        };
        assert_eq!(draw("x").await.status, StatusCode::UNPROCESSABLE_ENTITY);
        let published = app
            .api(
                "POST",
                &format!("/api/v1/inspections/{id}/publish"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(published.status, StatusCode::OK, "{}", published.body);
        // The district's branches by the organisation below it they sit in: B1, B2 and X1
        // under the street T1, E1 on its own.
        let p = published.json()["population_digest"]
            .as_str()
            .unwrap()
            .to_string();
        let a = draw("1 2 3").await;
        assert_eq!(a.status, StatusCode::OK, "{label}: {}", a.body);
        let drawn = a.json();
        assert_eq!(
            drawn["targets"].as_array().unwrap().len(),
            2,
            "one per stratum"
        );
        assert_eq!(draw("1 2 3").await.status, StatusCode::UNPROCESSABLE_ENTITY);
        let record = app
            .api(
                "GET",
                &format!("/api/v1/inspections/{id}/record"),
                Some(&token),
                None,
            )
            .await
            .json();
        assert_eq!(record["population_digest"], p.as_str());
        let targets: Vec<&serde_json::Value> = drawn["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| &t["target"])
            .collect();
        assert_eq!(record["targets"], serde_json::json!(targets));
        // The staff of the street manage nothing above them: not found.
        let staff = app.token("staff").await;
        let theirs = app
            .api(
                "POST",
                &format!("/api/v1/inspections/{id}/close"),
                Some(&staff),
                None,
            )
            .await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND);
        // The OpenAPI document lists the operations.
        let doc = app.get("/api/v1/openapi.json", None).await.body;
        for path in [
            "/api/v1/inspections/{id}/draw",
            "/api/v1/inspection-tasks/{id}/findings",
            "/api/v1/inspection-results",
        ] {
            assert!(doc.contains(path), "{path} documented");
        }
    }
}
