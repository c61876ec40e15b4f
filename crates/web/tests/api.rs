//! The JSON API as a script uses it, and the OpenAPI document against what the API does.

mod support;

use axum::http::StatusCode;
use serde_json::Value;
use support::{App, B1_MEMBER, B2_MEMBER, PASSWORD, apps};

#[tokio::test]
async fn a_script_signs_in_and_reads_its_part_of_the_registry() {
    for app in apps().await {
        let label = app.label();
        let token = app.token("wang").await;
        let b1 = app
            .api("GET", "/api/v1/organisations/B1", Some(&token), None)
            .await;
        assert_eq!(b1.status, StatusCode::OK, "{label}: {}", b1.body);
        let b1 = b1.json();
        assert_eq!(b1["name"], "某社区第一党支部");
        assert_eq!(b1["kind"], "branch");
        assert_eq!(b1["members"], 1);
        // The parent lies outside her scope: not named.
        assert_eq!(b1["parent"], Value::Null);

        let page = app
            .api(
                "GET",
                "/api/v1/organisations/B1/members?limit=10",
                Some(&token),
                None,
            )
            .await
            .json();
        assert_eq!(page["total"], 1);
        assert_eq!(page["items"][0]["name"], B1_MEMBER);
        assert_eq!(page["items"][0]["id_masked"], "4108**********0016");
        assert!(!page.to_string().contains("13800138000"));
        let id = page["items"][0]["id"].as_i64().unwrap();
        let one = app
            .api("GET", &format!("/api/v1/members/{id}"), Some(&token), None)
            .await;
        assert_eq!(one.json()["organisation"], "B1");

        // The sibling branch and its member do not exist for her.
        for path in [
            "/api/v1/organisations/B2".to_string(),
            "/api/v1/organisations/B2/members".into(),
            "/api/v1/organisations/T1/children".into(),
            format!("/api/v1/members/{}", id + 1),
            "/api/v1/organisations/NOPE".into(),
        ] {
            let a = app.api("GET", &path, Some(&token), None).await;
            assert_eq!(a.status, StatusCode::NOT_FOUND, "{label} {path}");
            assert_eq!(a.json()["code"], "not_found");
            assert!(!a.body.contains(B2_MEMBER));
        }

        // The office pages through its district.
        let office = app.token("office").await;
        let kids = app
            .api(
                "GET",
                "/api/v1/organisations/T1/children",
                Some(&office),
                None,
            )
            .await
            .json();
        let codes: Vec<&str> = kids
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["B1", "B2", "X1"], "{label}");
        assert_eq!(kids[0]["parent"], "T1");
        let second = app
            .api(
                "GET",
                "/api/v1/organisations/B2/members?limit=1&offset=1",
                Some(&office),
                None,
            )
            .await
            .json();
        assert_eq!(second["items"].as_array().unwrap().len(), 0);
        assert_eq!(
            (second["limit"].as_i64(), second["offset"].as_i64()),
            (Some(1), Some(1))
        );
    }
}

/// (method, path, token, body, status, code) of a request that must fail.
type ErrorCase = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    StatusCode,
    &'static str,
);

#[tokio::test]
async fn errors_are_json_with_a_stable_code() {
    for app in apps().await {
        let label = app.label();
        let cases: [ErrorCase; 11] = [
            (
                "POST",
                "/api/v1/login",
                None,
                Some(r#"{"username":"wang","password":"nope"}"#),
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
            ),
            (
                "POST",
                "/api/v1/login",
                None,
                Some(r#"{"username":"wang","#),
                StatusCode::BAD_REQUEST,
                "malformed_json",
            ),
            (
                "POST",
                "/api/v1/login",
                None,
                Some(r#"{"username":"wang"}"#),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_request",
            ),
            (
                "GET",
                "/api/v1/organisations/B1",
                None,
                None,
                StatusCode::UNAUTHORIZED,
                "unauthorized",
            ),
            (
                "GET",
                "/api/v1/organisations/B1",
                Some("forged"),
                None,
                StatusCode::UNAUTHORIZED,
                "unauthorized",
            ),
            (
                "GET",
                "/api/v1/nothing/here",
                None,
                None,
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                "GET",
                "/api/v1/organisations/B1/members?limit=0",
                Some("TOKEN"),
                None,
                StatusCode::BAD_REQUEST,
                "invalid_query",
            ),
            (
                "GET",
                "/api/v1/organisations/B1/members?limit=many",
                Some("TOKEN"),
                None,
                StatusCode::BAD_REQUEST,
                "invalid_query",
            ),
            // An id that is not a number is an unknown record, in JSON.
            (
                "GET",
                "/api/v1/commitments/abc",
                Some("TOKEN"),
                None,
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                "GET",
                "/api/v1/notices/1x/objections",
                Some("TOKEN"),
                None,
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            // A method the address does not take: 405, in JSON too.
            (
                "DELETE",
                "/api/v1/commitments/1",
                Some("TOKEN"),
                None,
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
            ),
        ];
        let token = app.token("wang").await;
        for (method, path, auth, body, status, code) in cases {
            let auth = auth.map(|a| if a == "TOKEN" { token.as_str() } else { a });
            let a = app.api(method, path, auth, body).await;
            assert_eq!(a.status, status, "{label} {method} {path}: {}", a.body);
            let json = a.json();
            assert_eq!(json["code"], code, "{label} {path}");
            assert!(!json["message"].as_str().unwrap().is_empty());
        }
        // English when asked for.
        let req = axum::http::Request::get("/api/v1/organisations/B1")
            .header("accept-language", "en-GB,en;q=0.9")
            .body(axum::body::Body::empty())
            .unwrap();
        let a = app.send(req).await;
        assert!(
            a.json()["message"]
                .as_str()
                .unwrap()
                .starts_with("a valid token"),
            "{}",
            a.body
        );
        // Five failures lock the account, whatever the password then.
        for _ in 0..5 {
            app.api(
                "POST",
                "/api/v1/login",
                None,
                Some(r#"{"username":"li","password":"nope"}"#),
            )
            .await;
        }
        let after = app
            .api(
                "POST",
                "/api/v1/login",
                None,
                Some(&format!(
                    r#"{{"username":"li","password":"{}"}}"#,
                    support::PASSWORD
                )),
            )
            .await;
        assert_eq!(after.status, StatusCode::TOO_MANY_REQUESTS, "{label}");
        assert_eq!(after.json()["code"], "too_many_attempts");
    }
}

/// Fills a documented path's parameters with values that exist in the small city.
/// The selection records the walk of documented paths reads: (nomination, notice).
type Selection = (i64, i64);

/// Supervision's ids: a plan (closed, its results public) and its task on B1.
#[derive(Clone, Copy)]
struct Inspected {
    plan: i64,
    task: i64,
    /// The inspection bulletin drafted from the plan.
    bulletin: i64,
    /// The commended candidate's library entry, a practice, and a delegation with a
    /// session.
    model: i64,
    practice: i64,
    delegation: i64,
}

fn concrete(
    path: &str,
    member: i64,
    commitment: &str,
    round: i64,
    sel: Selection,
    inspected: Inspected,
) -> String {
    let code = if path.ends_with("/children") {
        "T1"
    } else {
        "B1"
    };
    let id = if path.starts_with("/api/v1/bulletins") {
        inspected.bulletin.to_string()
    } else if path.starts_with("/api/v1/models") {
        inspected.model.to_string()
    } else if path.starts_with("/api/v1/practices") {
        inspected.practice.to_string()
    } else if path.starts_with("/api/v1/delegations") {
        inspected.delegation.to_string()
    } else if path.starts_with("/api/v1/inspection-tasks") {
        inspected.task.to_string()
    } else if path.starts_with("/api/v1/inspection") {
        inspected.plan.to_string()
    } else if path.starts_with("/api/v1/commitments") {
        commitment.to_string()
    } else if path.starts_with("/api/v1/rounds") {
        round.to_string()
    } else if path.starts_with("/api/v1/nominations") {
        sel.0.to_string()
    } else if path.starts_with("/api/v1/notices") {
        sel.1.to_string()
    } else {
        member.to_string()
    };
    let path = path.replace("{code}", code).replace("{id}", &id);
    if path == "/api/v1/figures" {
        format!("{path}?scope=B1")
    } else {
        path
    }
}

/// The commended candidate's library entry, a practice of B1's, and a delegation of the
/// entry with a session hosted by B1.
async fn publicity(app: &App) -> (i64, i64, i64) {
    use xianfeng_app::actor::Who;
    use xianfeng_app::publicity::{practices, tours};
    let op = Who::operator();
    let campaign = xianfeng_app::scope::campaign(&app.store).await.unwrap().0;
    let model = app
        .store
        .publicity()
        .models(&xianfeng_storage::ModelFilter {
            campaign_id: campaign,
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap()[0]
        .id;
    let practice = practices::submit(
        &app.store,
        op,
        &practices::PracticeInput {
            org_code: "B1".into(),
            title: "做法".into(),
            summary: "摘要".into(),
            body: "正文".into(),
            standard: String::new(),
        },
    )
    .await
    .unwrap();
    let delegation = tours::create(
        &app.store,
        op,
        &tours::DelegationInput {
            org_code: "C1".into(),
            name: "报告团".into(),
            theme: "主题".into(),
            leader: "团长".into(),
            speakers: vec![model],
        },
    )
    .await
    .unwrap();
    let at = |h| {
        chrono::NaiveDate::from_ymd_opt(2012, 3, 5)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    };
    tours::schedule(
        &app.store,
        op,
        &tours::SessionInput {
            delegation_id: delegation,
            session_id: None,
            host_code: "B1".into(),
            venue: "会议室".into(),
            starts_at: at(9),
            ends_at: at(11),
            audience: 50,
            request_id: None,
        },
    )
    .await
    .unwrap();
    (model, practice, delegation)
}

#[tokio::test]
async fn the_api_answers_what_its_openapi_document_says() {
    let apps = apps().await;
    for app in &apps {
        let doc = app.api("GET", "/api/v1/openapi.json", None, None).await;
        assert_eq!(doc.status, StatusCode::OK);
        let doc = doc.json();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        let paths = doc["paths"].as_object().unwrap();
        for required in [
            "/api/v1/login",
            "/api/v1/organisations/{code}",
            "/api/v1/organisations/{code}/children",
            "/api/v1/organisations/{code}/members",
            "/api/v1/organisations/{code}/teams",
            "/api/v1/members/{id}",
        ] {
            assert!(paths.contains_key(required), "{required} is documented");
        }
        let commitment = support::publish_member_commitment(app).await;
        let commitment = commitment.trim_start_matches("/c/");
        let round = xianfeng_app::evaluation::create_round(
            &app.store,
            None,
            &xianfeng_app::evaluation::RoundInput {
                name: "评议",
                scope: "T1",
                subjects: "organisations",
                mode: "codes",
                starts_on: "2011-06-01",
                ends_on: "2011-06-30",
            },
        )
        .await
        .unwrap();
        // Selection: a notice with an objection found untrue, and its candidate commended.
        let selection = support::b1_member_commended(app).await;
        // A team with a cadre, so that the teams' answer has an element to compare.
        let b1 = app
            .store
            .registry()
            .org_by_code("B1")
            .await
            .unwrap()
            .unwrap();
        let mut tx = app.store.begin("test").await.unwrap();
        let (team, _) = tx.upsert_team(b1.id, "支部委员会", None).await.unwrap();
        let cadre = xianfeng_storage::NewCadre {
            name: "书记丙".into(),
            gender: xianfeng_domain::person::Gender::Male,
            birth_year: 1970,
            id_number: xianfeng_testkit::id("41080219700505008"),
            position: "书记".into(),
            is_head: true,
            since: None,
        };
        tx.upsert_cadre(&app.store, team, &cadre).await.unwrap();
        tx.commit().await.unwrap();
        // An inspection of B1, closed: its results and record public.
        let (plan, task, _) = support::b1_inspected(&app.store).await;
        xianfeng_app::inspections::close(
            &app.store,
            xianfeng_app::inspections::Who::operator(),
            plan,
        )
        .await
        .unwrap();
        let office = app
            .store
            .accounts()
            .principal("office")
            .await
            .unwrap()
            .unwrap();
        let bulletin = xianfeng_app::bulletins::draft(
            &app.store,
            &xianfeng_app::scores::Scores::new(),
            xianfeng_app::actor::Who {
                username: "office",
                principal: Some(&office),
            },
            &xianfeng_app::bulletins::DraftRequest {
                kind: Some(xianfeng_domain::bulletin::BulletinKind::Inspection),
                plan: Some(plan),
                ..Default::default()
            },
            xianfeng_testkit::today(),
        )
        .await
        .unwrap();
        let (model, practice, delegation) = publicity(app).await;
        let inspected = Inspected {
            plan,
            task,
            bulletin,
            model,
            practice,
            delegation,
        };
        let token = app.token("office").await;
        // The inspector drawn lists her tasks; the office has none.
        let inspector = app.token("dc-city").await;
        for (path, ops) in paths {
            let Some(get) = ops.get("get") else { continue };
            let url = concrete(path, app.b1_member, commitment, round, selection, inspected);
            let who = if path == "/api/v1/inspection-tasks" {
                &inspector
            } else {
                &token
            };
            let ok = app.api("GET", &url, Some(who), None).await;
            let responses = get["responses"].as_object().unwrap();
            assert_eq!(ok.status, StatusCode::OK, "{url}: {}", ok.body);
            assert!(responses.contains_key("200"), "{url}: 200 is documented");
            // The properties the schema of the 200 answer names are there.
            let schema = &get["responses"]["200"]["content"]["application/json"]["schema"];
            let reference = schema["$ref"]
                .as_str()
                .or_else(|| schema["items"]["$ref"].as_str())
                .unwrap();
            let name = reference.rsplit('/').next().unwrap();
            let props = doc["components"]["schemas"][name]["properties"]
                .as_object()
                .unwrap();
            let body = ok.json();
            let sample = if body.is_array() { &body[0] } else { &body };
            for p in props.keys() {
                assert!(
                    sample.get(p).is_some(),
                    "{url}: {p} is documented but missing"
                );
            }
            for (k, _) in sample.as_object().unwrap() {
                assert!(
                    props.contains_key(k),
                    "{url}: {k} is sent but not documented"
                );
            }
            let anonymous = app.api("GET", &url, None, None).await;
            assert!(
                responses.contains_key(anonymous.status.as_str()),
                "{url} anonymous"
            );
        }
    }
}

#[tokio::test]
async fn a_commitment_goes_through_its_life_over_the_api() {
    for app in apps().await {
        let label = app.label();
        let m = app.b1_member;
        let member = app.token("member").await;
        let wang = app.token("wang").await;
        let li = app.token("li").await;
        let body = format!(
            r#"{{"subject_kind":"member","subject_id":{m},"title":"API 承诺","items":[
                {{"activity":"study","content":"学习党章","target":"40学时","due_on":"2010-12-31"}}]}}"#
        );
        let made = app
            .api("POST", "/api/v1/commitments", Some(&member), Some(&body))
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{label}: {}", made.body);
        let id = made.json()["id"].as_i64().unwrap();
        let path = format!("/api/v1/commitments/{id}");
        let step = |s: &str| format!(r#"{{"step":"{s}","reason":"理由"}}"#);
        let shared = &app;
        let go = |token: &str, s: &str| {
            let app = shared;
            let t = token.to_string();
            let body = step(s);
            let url = format!("{path}/transitions");
            async move { app.api("POST", &url, Some(&t), Some(&body)).await }
        };
        // Out of order, wrong side, another branch: refused with stable codes.
        let early = go(&wang, "publish").await;
        assert_eq!(
            early.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            early.body
        );
        assert_eq!(early.json()["code"], "invalid_request");
        assert_eq!(go(&member, "submit").await.status, StatusCode::OK);
        let own = go(&member, "approve").await;
        assert_eq!(own.status, StatusCode::FORBIDDEN);
        assert_eq!(go(&li, "approve").await.status, StatusCode::NOT_FOUND);
        assert_eq!(go(&wang, "return").await.json()["status"], "returned");
        let edit = r#"{"title":"API 承诺（改）","items":[
                {"activity":"study","content":"学习党章","target":"50学时","due_on":"2010-12-31"}]}"#;
        let edited = app.api("PUT", &path, Some(&member), Some(edit)).await;
        assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
        assert_eq!(edited.json()["items"][0]["target"], "50学时");
        for (who, s) in [(&member, "submit"), (&wang, "approve"), (&wang, "publish")] {
            let a = go(who, s).await;
            assert_eq!(a.status, StatusCode::OK, "{s}: {}", a.body);
        }
        let late = app.api("PUT", &path, Some(&member), Some(edit)).await;
        assert_eq!(
            late.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "no edits after publication"
        );
        let seen = app.api("GET", &path, Some(&member), None).await.json();
        let item = seen["items"][0]["id"].as_i64().unwrap();
        let close = format!(r#"{{"step":"close_item","item_id":{item},"outcome":"kept"}}"#);
        let closed = app
            .api(
                "POST",
                &format!("{path}/transitions"),
                Some(&wang),
                Some(&close),
            )
            .await;
        assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
        assert_eq!(go(&wang, "evaluate").await.json()["status"], "evaluated");
        let malformed = app
            .api(
                "POST",
                &format!("{path}/transitions"),
                Some(&wang),
                Some("{step"),
            )
            .await;
        assert_eq!(malformed.status, StatusCode::BAD_REQUEST);

        // Study records for the branch, and the figures that count them.
        let study = format!(
            r#"{{"text":"党章","kind":"three-one","on":"2010-07-01","hours":[{{"member_id":{m},"hours":"2"}}]}}"#
        );
        let written = app
            .api(
                "POST",
                "/api/v1/organisations/B1/study-records",
                Some(&wang),
                Some(&study),
            )
            .await;
        assert_eq!(written.status, StatusCode::CREATED, "{}", written.body);
        let bad = study.replace(r#""hours":"2""#, r#""hours":"99""#);
        let refused = app
            .api(
                "POST",
                "/api/v1/organisations/B1/study-records",
                Some(&wang),
                Some(&bad),
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let figures = app
            .api(
                "GET",
                "/api/v1/figures?scope=B1&period=2010",
                Some(&wang),
                None,
            )
            .await
            .json();
        let row = figures["subjects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["subject_kind"] == "member" && r["subject_id"] == m)
            .unwrap()
            .clone();
        assert_eq!(
            (row["items_due"].as_i64(), row["items_kept"].as_i64()),
            (Some(1), Some(1))
        );
        assert_eq!(row["study_hours"].as_f64(), Some(2.0), "{label}");
        let theirs = app
            .api("GET", "/api/v1/figures?scope=B1", Some(&li), None)
            .await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND);

        // A review needs an assignment.
        let reviewer = app.token("reviewer").await;
        let review = format!(
            r#"{{"subject_kind":"member","subject_id":{m},"period":"2010","grade":"good","comment":"好"}}"#
        );
        let unassigned = app
            .api("POST", "/api/v1/reviews", Some(&reviewer), Some(&review))
            .await;
        assert_eq!(
            unassigned.status,
            StatusCode::NOT_FOUND,
            "{}",
            unassigned.body
        );
    }
}

#[tokio::test]
async fn rankings_rank_the_peers_a_query_selects_with_growth_over_the_previous_period() {
    for app in apps().await {
        let label = app.label();
        support::review_branches(&app).await;
        let office = app.token("office").await;
        let get = |url: String| {
            let (app, t) = (&app, office.clone());
            async move { app.api("GET", &url, Some(&t), None).await }
        };
        let periods = get("/api/v1/periods".into()).await.json();
        let ids: Vec<&str> = periods
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["2010", "2011-h1", "2011-h2", "2012-h1"], "{label}");
        assert!(
            periods
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["closed"] == false)
        );

        let page =
            get("/api/v1/rankings?period=2011-h1&scope=T1&kind=organisation&level=branch".into())
                .await;
        assert_eq!(page.status, StatusCode::OK, "{label}: {}", page.body);
        let page = page.json();
        let rows = page["rows"].as_array().unwrap();
        let row = |i: usize, f: &str| rows[i][f].clone();
        // Only the reviews count (hours: nobody recorded any, which tells nobody apart), and
        // branches without a review have no score: B2 100, B1 50.
        assert_eq!(
            (row(0, "code"), row(1, "code")),
            ("B2".into(), "B1".into()),
            "{label}"
        );
        assert_eq!((row(0, "rank"), row(1, "rank")), (1.into(), 2.into()));
        assert_eq!(row(0, "score").as_f64(), Some(100.0));
        assert_eq!(row(1, "score").as_f64(), Some(50.0));
        // 2010: B1 100, B2 20.
        assert_eq!(row(0, "previous_score").as_f64(), Some(20.0));
        assert_eq!(row(0, "growth").as_f64(), Some(80.0));
        assert_eq!(row(1, "growth").as_f64(), Some(-50.0));
        assert_eq!(
            (row(0, "growth_rank"), row(1, "growth_rank")),
            (1.into(), 2.into())
        );
        assert_eq!(page["total"], 2);

        // Paging, and the peer set decides the ranks: B1 alone is first among itself.
        let second =
            get("/api/v1/rankings?period=2011-h1&scope=T1&level=branch&limit=1&offset=1".into())
                .await
                .json();
        assert_eq!(second["rows"][0]["code"], "B1");
        let alone = get("/api/v1/rankings?period=2011-h1&scope=B1".into())
            .await
            .json();
        assert_eq!(alone["rows"][0]["rank"], 1, "{label}");

        // Over the themed stage 迎接建党90周年 (2010 and 2011-h1) the means rank: B1 (100,
        // 50) 75 above B2 (20, 100) 60 — the other way round from 2011-h1 alone.
        let stage = get("/api/v1/rankings?stage=towards-90th&scope=T1&level=branch".into()).await;
        assert_eq!(stage.status, StatusCode::OK, "{label}: {}", stage.body);
        let stage = stage.json();
        assert_eq!(stage["period"], "towards-90th", "{label}");
        let rows = stage["rows"].as_array().unwrap();
        assert_eq!(
            (rows[0]["code"].clone(), rows[1]["code"].clone()),
            ("B1".into(), "B2".into())
        );
        assert_eq!(rows[0]["score"].as_f64(), Some(75.0), "{label}");
        assert_eq!(rows[1]["score"].as_f64(), Some(60.0), "{label}");
        assert_eq!(
            get("/api/v1/rankings?stage=nope".into()).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );

        // A query out of range is 400 `invalid_query`, as docs/API.md and the OpenAPI
        // document say; a value that is well-formed but names nothing known is 422.
        for (bad, status, code) in [
            (
                "/api/v1/rankings?limit=0",
                StatusCode::BAD_REQUEST,
                "invalid_query",
            ),
            (
                "/api/v1/rankings?limit=10001",
                StatusCode::BAD_REQUEST,
                "invalid_query",
            ),
            (
                "/api/v1/rankings?offset=-1",
                StatusCode::BAD_REQUEST,
                "invalid_query",
            ),
            (
                "/api/v1/rankings?kind=branch",
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_request",
            ),
            (
                "/api/v1/rankings?period=2099",
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_request",
            ),
        ] {
            let r = get(bad.into()).await;
            assert_eq!(r.status, status, "{label} {bad}: {}", r.body);
            assert_eq!(r.json()["code"], code, "{bad}");
        }
        let li = app.token("li").await;
        let theirs = app
            .api("GET", "/api/v1/rankings?scope=B1", Some(&li), None)
            .await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    }
}

/// Guesses sent at once cannot beat the lockout: an attempt is on record before its
/// password is checked, so of 30 parallel attempts on one account (29 wrong, 1 right) no
/// more are checked than the five the account allows; the rest are refused as locked.
#[tokio::test]
async fn parallel_guesses_check_no_more_passwords_than_the_lockout_allows() {
    for app in apps().await {
        let label = app.label();
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..30 {
            let router = app.router.clone();
            let password = if i == 17 { PASSWORD } else { "wrong-password" };
            tasks.spawn(async move {
                let body = format!(r#"{{"username":"wang","password":"{password}"}}"#);
                let req = axum::http::Request::post("/api/v1/login")
                    .header("content-type", "application/json")
                    .body(axum::body::Body::from(body))
                    .unwrap();
                tower::ServiceExt::oneshot(router, req)
                    .await
                    .unwrap()
                    .status()
            });
        }
        let mut checked = 0;
        while let Some(status) = tasks.join_next().await {
            let status = status.unwrap();
            if status != StatusCode::TOO_MANY_REQUESTS {
                assert!(
                    status == StatusCode::UNAUTHORIZED || status == StatusCode::OK,
                    "{label}: {status}"
                );
                checked += 1;
            }
        }
        assert!(
            checked <= xianfeng_domain::auth::MAX_FAILURES_PER_ACCOUNT,
            "{label}: {checked} passwords were checked"
        );
    }
}

#[tokio::test]
async fn a_nomination_goes_to_notice_and_an_objection_is_found_untrue_over_the_api() {
    for app in apps().await {
        let label = app.label();
        support::prepare_selection(&app.store).await;
        let (wang, staff, office) = (
            app.token("wang").await,
            app.token("staff").await,
            app.token("office").await,
        );
        let body = format!(
            r#"{{"honour":"excellent-member","nominated_by":"B1","subject_id":{},"deeds":"服务社区","summary":"服务社区三百余小时"}}"#,
            app.b1_member
        );
        let made = app
            .api("POST", "/api/v1/nominations", Some(&wang), Some(&body))
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{label}: {}", made.body);
        let id = made.json()["id"].as_i64().unwrap();
        let again = app
            .api("POST", "/api/v1/nominations", Some(&wang), Some(&body))
            .await;
        assert!(
            matches!(
                again.status,
                StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY
            ),
            "{label}: {}",
            again.status
        );
        let step = |who: &str, id: i64, step: &str, note: &str| {
            let who = who.to_string();
            let body = format!(r#"{{"step":"{step}","note":"{note}"}}"#);
            let app = &app;
            async move {
                app.api(
                    "POST",
                    &format!("/api/v1/nominations/{id}/transitions"),
                    Some(&who),
                    Some(&body),
                )
                .await
            }
        };
        let early = step(&staff, id, "approve", "同意").await;
        assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert_eq!(
            step(&staff, id, "assess", "考核").await.json()["stage"],
            "assessed"
        );
        assert_eq!(
            step(&staff, id, "approve", "同意").await.json()["stage"],
            "approved"
        );
        let up = app
            .api(
                "POST",
                &format!("/api/v1/nominations/{id}/recommendations"),
                Some(&staff),
                Some(r#"{"honour":"excellent-member"}"#),
            )
            .await;
        assert_eq!(up.status, StatusCode::CREATED, "{label}: {}", up.body);
        let up = up.json()["id"].as_i64().unwrap();
        step(&office, up, "assess", "考核").await;
        assert_eq!(
            step(&office, up, "approve", "审定").await.json()["stage"],
            "approved"
        );
        let today = chrono::Local::now().date_naive();
        let notice = app
            .api(
                "POST",
                "/api/v1/notices",
                Some(&office),
                Some(&format!(
                    r#"{{"honour":"excellent-member","nominations":[{up}],"title":"公示","contact":"组织部","starts_on":"{today}"}}"#
                )),
            )
            .await;
        assert_eq!(
            notice.status,
            StatusCode::CREATED,
            "{label}: {}",
            notice.body
        );
        let notice = notice.json();
        assert_eq!(notice["status"], "running");
        let nid = notice["id"].as_i64().unwrap();
        let listed = app.api("GET", "/api/v1/notices", None, None).await.json();
        assert_eq!(listed[0]["id"], nid, "public, no token");

        let object = |name: &str| {
            format!(
                r#"{{"nomination":{up},"content":"服务时长有夸大","name":"{name}","contact":"139"}}"#
            )
        };
        let path = format!("/api/v1/notices/{nid}/objections");
        let unnamed = app.api("POST", &path, None, Some(&object(""))).await;
        assert_eq!(
            unnamed.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "real name"
        );
        let raised = app.api("POST", &path, None, Some(&object("赵敏"))).await;
        assert_eq!(
            raised.status,
            StatusCode::CREATED,
            "{label}: {}",
            raised.body
        );
        let oid = raised.json()["id"].as_i64().unwrap();
        let seen = app.api("GET", &path, Some(&wang), None).await;
        assert_eq!(
            seen.status,
            StatusCode::NOT_FOUND,
            "{label}: the branch does not handle them (the district is outside its scope)"
        );
        let seen = app.api("GET", &path, Some(&office), None).await.json();
        assert_eq!(seen[0]["name"], "赵敏");
        assert!(seen[0]["finding"].is_null());
        let finding = format!("{path}/{oid}/finding");
        let body = r#"{"finding":"not_upheld","investigation":"有签到记录"}"#;
        let found = app.api("POST", &finding, Some(&office), Some(body)).await;
        assert_eq!(
            found.status,
            StatusCode::NO_CONTENT,
            "{label}: {}",
            found.body
        );
        let twice = app.api("POST", &finding, Some(&office), Some(body)).await;
        assert_eq!(twice.status, StatusCode::CONFLICT);
        let commend = app
            .api(
                "POST",
                &format!("/api/v1/nominations/{up}/transitions"),
                Some(&office),
                Some(r#"{"step":"commend","document_no":"焦发〔2012〕15号"}"#),
            )
            .await;
        assert_eq!(
            commend.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "the notice runs"
        );
        let mine = app
            .api("GET", "/api/v1/nominations", Some(&wang), None)
            .await
            .json();
        assert_eq!(
            mine.as_array().unwrap().len(),
            2,
            "{label}: both levels, in B1's scope"
        );
    }
}

/// Sign-in attempts arriving together each get their own record: on PostgreSQL two of
/// sixteen used to take the same id (`MAX(id) + 1`) and answered 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_passwords_are_each_refused_and_recorded() {
    for app in apps().await {
        let label = app.label();
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..16 {
            let router = app.router.clone();
            tasks.spawn(async move {
                let req = axum::http::Request::post("/api/v1/login")
                    .header("content-type", "application/json")
                    .body(axum::body::Body::from(
                        r#"{"username":"wang","password":"wrong-password"}"#,
                    ))
                    .unwrap();
                tower::ServiceExt::oneshot(router, req)
                    .await
                    .unwrap()
                    .status()
            });
        }
        let mut refused = 0;
        while let Some(status) = tasks.join_next().await {
            let status = status.unwrap();
            assert!(
                status == StatusCode::UNAUTHORIZED || status == StatusCode::TOO_MANY_REQUESTS,
                "{label}: {status}"
            );
            refused += usize::from(status == StatusCode::UNAUTHORIZED);
        }
        // Every attempt that was judged (not refused as locked beforehand) is on record.
        let (recorded, _) = app
            .store
            .sessions()
            .recent_failures("wang", "-")
            .await
            .unwrap();
        assert_eq!(recorded as usize, refused, "{label}");
    }
}

/// A member sees her branch's colleagues by name, gender, type and position only: no masked
/// ID number, phone or year of birth, and no colleague's page — nothing she is served can
/// help rebuild an ID number (docs/SECURITY.md). Her own she sees; the secretary, who
/// keeps the roster, sees everyone's.
#[tokio::test]
async fn a_member_is_not_served_her_colleagues_personal_data() {
    use xianfeng_app::import::{ImportMode, ImportOptions, import_members};
    for app in apps().await {
        let label = app.label();
        let colleague_id = xianfeng_testkit::id("41080219850505005");
        let sheet =
            format!("姓名,身份证号,所在组织编码,手机号\n赵敏,{colleague_id},B1,13900139000\n");
        let opts = ImportOptions {
            mode: ImportMode::Commit,
            skip_bad: false,
            actor: "test".into(),
            today: xianfeng_testkit::today(),
            on_behalf: None,
        };
        import_members(
            &app.store,
            xianfeng_ingest::from_csv_bytes(sheet.into_bytes()).unwrap(),
            &opts,
            &xianfeng_app::Silent,
        )
        .await
        .unwrap();
        let colleague_mask = format!("4108**********{}", &colleague_id[14..]);

        let token = app.token("member").await;
        let page = app
            .api(
                "GET",
                "/api/v1/organisations/B1/members?limit=10",
                Some(&token),
                None,
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{label}: {}", page.body);
        let page = page.json();
        let row = |name: &str| {
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["name"] == name)
                .cloned()
                .unwrap()
        };
        let (mine, theirs) = (row(B1_MEMBER), row("赵敏"));
        assert_eq!(mine["id_masked"], "4108**********0016", "{label}: her own");
        for field in [
            "id_masked",
            "birth_year",
            "phone_masked",
            "joined_on",
            "ethnicity",
        ] {
            assert_eq!(theirs[field], Value::Null, "{label}: {field}");
        }
        assert!(!page.to_string().contains(&colleague_mask), "{label}");
        let colleague = theirs["id"].as_i64().unwrap();
        let one = app
            .api(
                "GET",
                &format!("/api/v1/members/{colleague}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(one.status, StatusCode::FORBIDDEN, "{label}: {}", one.body);
        assert!(!one.body.contains(&colleague_mask), "{label}");

        let cookie = app.sign_in("member").await;
        let org_page = app.get("/o/B1", Some(&cookie)).await;
        assert_eq!(org_page.status, StatusCode::OK, "{label}");
        assert!(org_page.body.contains("赵敏"), "{label}");
        assert!(!org_page.body.contains(&colleague_mask), "{label}");
        assert!(
            !org_page.body.contains(&format!("/m/{colleague}\"")),
            "{label}: no link to a page she may not open"
        );
        let page = app.get(&format!("/m/{colleague}"), Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{label}");
        assert!(!page.body.contains(&colleague_mask), "{label}");
        let own = app
            .get(&format!("/m/{}", app.b1_member), Some(&cookie))
            .await;
        assert_eq!(own.status, StatusCode::OK, "{label}");

        // The secretary keeps the roster: masked ID number and year of birth, never the date.
        let wang = app.token("wang").await;
        let kept = app
            .api(
                "GET",
                &format!("/api/v1/members/{colleague}"),
                Some(&wang),
                None,
            )
            .await
            .json();
        assert_eq!(kept["id_masked"], colleague_mask.as_str(), "{label}");
        assert_eq!(kept["birth_year"], 1985, "{label}");
        assert!(kept.get("birth_date").is_none(), "{label}");
    }
}

/// A body over the configured limit is answered 413 in JSON, not "malformed".
#[tokio::test]
async fn a_body_over_the_limit_is_413_in_json() {
    let config = xianfeng_web::WebConfig {
        max_body_bytes: 4096,
        ..xianfeng_web::WebConfig::default()
    };
    let app = support::apps_with(config).await.remove(0);
    let big = format!(
        r#"{{"username":"wang","password":"{}"}}"#,
        "x".repeat(10_000)
    );
    let a = app.api("POST", "/api/v1/login", None, Some(&big)).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", a.body);
    assert_eq!(a.json()["code"], "body_too_large");
}

/// A committee's script reads the leadership teams of an organisation in its scope, the
/// principal leader first; another committee's teams answer like an unknown code.
#[tokio::test]
async fn a_script_reads_an_organisations_teams_and_cadres() {
    for app in apps().await {
        let label = app.label();
        let t1 = app
            .store
            .registry()
            .org_by_code("T1")
            .await
            .unwrap()
            .unwrap();
        let mut tx = app.store.begin("test").await.unwrap();
        let (team, _) = tx
            .upsert_team(
                t1.id,
                "某街道党工委领导班子",
                Some(xianfeng_domain::leader_roster::TeamCategory::Township),
            )
            .await
            .unwrap();
        for (name, seq, is_head) in [
            ("副书记甲", "41080219700505006", false),
            ("书记乙", "41080219700505007", true),
        ] {
            let cadre = xianfeng_storage::NewCadre {
                name: name.into(),
                gender: xianfeng_domain::person::Gender::Male,
                birth_year: 1970,
                id_number: xianfeng_testkit::id(seq),
                position: name.into(),
                is_head,
                since: None,
            };
            tx.upsert_cadre(&app.store, team, &cadre).await.unwrap();
        }
        tx.commit().await.unwrap();
        let token = app.token("staff").await;
        let teams = app
            .api("GET", "/api/v1/organisations/T1/teams", Some(&token), None)
            .await;
        assert_eq!(teams.status, StatusCode::OK, "{label}: {}", teams.body);
        let teams = teams.json();
        assert_eq!(teams[0]["category"], "township", "{label}");
        assert_eq!(teams[0]["cadres"][0]["name"], "书记乙");
        assert_eq!(teams[0]["cadres"][0]["is_head"], true);
        assert!(!teams.to_string().contains("id_masked"), "no personal data");
        let wang = app.token("wang").await;
        let outside = app
            .api("GET", "/api/v1/organisations/T1/teams", Some(&wang), None)
            .await;
        assert_eq!(outside.status, StatusCode::NOT_FOUND, "{label}");
    }
}

/// A script keeps teams and cadres: a team made, a cadre added (a bad ID number named),
/// moved to another team and her new post ended; a secretary may not.
#[tokio::test]
async fn a_script_writes_teams_and_moves_a_cadre() {
    for app in apps().await {
        let label = app.label();
        let token = app.token("staff").await;
        let made = |body: &str| {
            let body = body.to_string();
            let app = &app;
            let token = token.clone();
            async move {
                app.api(
                    "POST",
                    "/api/v1/organisations/T1/teams",
                    Some(&token),
                    Some(&body),
                )
                .await
            }
        };
        let first = made(r#"{"name":"街道党工委班子","category":"township"}"#).await;
        assert_eq!(first.status, StatusCode::CREATED, "{label}: {}", first.body);
        let first = first.json()["id"].as_i64().unwrap();
        let second = made(r#"{"name":"街道办事处班子"}"#).await.json()["id"]
            .as_i64()
            .unwrap();
        let bad = app
            .api(
                "POST",
                &format!("/api/v1/teams/{first}/cadres"),
                Some(&token),
                Some(r#"{"name":"周建国","id_number":"123","position":"书记"}"#),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(bad.body.contains("身份证号"), "{label}: {}", bad.body);
        let cadre = app
            .api(
                "POST",
                &format!("/api/v1/teams/{first}/cadres"),
                Some(&token),
                Some(&format!(
                    r#"{{"name":"周建国","id_number":"{}","position":"书记","is_head":true,"since":"2021-06-01"}}"#,
                    xianfeng_testkit::id("41080219720304001")
                )),
            )
            .await;
        assert_eq!(cadre.status, StatusCode::CREATED, "{label}: {}", cadre.body);
        let cadre = cadre.json()["id"].as_i64().unwrap();
        let moved = app
            .api(
                "POST",
                &format!("/api/v1/cadres/{cadre}/move"),
                Some(&token),
                Some(r#"{"to_org":"T1","to_team":"街道办事处班子","position":"主任","on":"2026-11-01"}"#),
            )
            .await;
        assert_eq!(moved.status, StatusCode::CREATED, "{label}: {}", moved.body);
        let moved = moved.json()["id"].as_i64().unwrap();
        let teams = app
            .api("GET", "/api/v1/organisations/T1/teams", Some(&token), None)
            .await
            .json();
        let cadres_of = |id: i64| {
            teams
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["id"] == id)
                .unwrap()["cadres"]
                .as_array()
                .unwrap()
                .len()
        };
        assert_eq!((cadres_of(first), cadres_of(second)), (0, 1), "{label}");
        // The old post has ended: acting on it again is refused; the new one ends.
        let again = app
            .api(
                "POST",
                &format!("/api/v1/cadres/{cadre}/leave"),
                Some(&token),
                Some(r#"{"on":"2026-11-02"}"#),
            )
            .await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let ended = app
            .api(
                "POST",
                &format!("/api/v1/cadres/{moved}/leave"),
                Some(&token),
                Some(r#"{"on":"2026-11-02"}"#),
            )
            .await;
        assert_eq!(ended.status, StatusCode::OK, "{label}: {}", ended.body);
        // A secretary writes no teams, not even in her branch.
        let wang = app.token("wang").await;
        let refused = app
            .api(
                "POST",
                "/api/v1/organisations/B1/teams",
                Some(&wang),
                Some(r#"{"name":"x"}"#),
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{label}");
    }
}

/// A page offset past what the document allows is refused as the document says (a
/// schema-checking client once got a page of nothing for an offset the schema forbade).
#[tokio::test]
async fn an_offset_past_the_documented_bound_is_a_bad_query() {
    for app in apps().await {
        let token = app.token("office").await;
        for path in [
            "/api/v1/rankings?offset=1000000001",
            "/api/v1/organisations/B1/members?offset=1000000001",
        ] {
            let answer = app.api("GET", path, Some(&token), None).await;
            assert_eq!(
                answer.status,
                StatusCode::BAD_REQUEST,
                "{path}: {}",
                answer.body
            );
            assert_eq!(answer.json()["code"], "invalid_query", "{path}");
        }
        let fine = app
            .api(
                "GET",
                "/api/v1/rankings?offset=1000000000",
                Some(&token),
                None,
            )
            .await;
        assert_eq!(fine.status, StatusCode::OK, "{}", fine.body);
    }
}
