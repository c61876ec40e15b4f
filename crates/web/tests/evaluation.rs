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
    let codes = issue_codes(
        &app.store,
        None,
        id,
        2,
        Some("http://x"),
        start.parse().unwrap(),
    )
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
        // The thanks lead on, to the public board of the organisation voted on.
        assert!(
            cast.body.contains("href=\"/p/o/") && cast.body.contains("的公开承诺"),
            "{}",
            cast.body
        );
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
        // Told to type it again, with a box to type it in; the box opens the code's page,
        // as does the one on the public home page.
        assert!(wrong.body.contains("action=\"/p/b/\""), "{}", wrong.body);
        let home = app.get("/p/", None).await;
        assert!(home.body.contains("action=\"/p/b/\""), "{label}");
        let typed = app
            .get(&format!("/p/b/?code={}", code.to_lowercase()), None)
            .await;
        assert_eq!(typed.status, StatusCode::SEE_OTHER);
        assert_eq!(typed.location(), format!("/p/b/{}", code.to_uppercase()));
        let empty = app.get("/p/b/?code=", None).await;
        assert_eq!(empty.status, StatusCode::OK);
        assert!(empty.body.contains("name=\"code\""), "{}", empty.body);
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

#[tokio::test]
async fn open_mode_takes_one_ballot_per_browser_and_limits_an_address() {
    for app in apps().await {
        let label = app.label();
        let id = create_round(
            &app.store,
            None,
            &RoundInput {
                name: "公开评议",
                scope: "T1",
                subjects: "organisations",
                mode: "open",
                starts_on: "2000-01-01",
                ends_on: "2999-12-31",
            },
        )
        .await
        .unwrap();
        let subject = app.store.evaluation().round_subjects(id).await.unwrap()[0].subject_id;
        let path = format!("/p/e/{id}/{subject}");
        // The limit counts per clock minute: start early in one, so that all the ballots
        // below fall in the same minute.
        let second = chrono::Utc::now().timestamp() % 60;
        if second >= 45 {
            tokio::time::sleep(std::time::Duration::from_secs((61 - second) as u64)).await;
        }
        assert_eq!(app.get(&path, None).await.status, StatusCode::OK, "{label}");
        let first = app.post_form(&path, None, "verdict=satisfied").await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
        let cookie = first
            .headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("xf_voter="))
            .and_then(|c| c.split(';').next())
            .expect("a voter cookie")
            .to_string();
        let again = app
            .post_form(&path, Some(&cookie), "verdict=dissatisfied")
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{label}");
        assert!(again.body.contains("已经评议过"));
        // Without the cookie, the address limit holds: 30 a minute.
        let mut statuses = Vec::new();
        for _ in 0..30 {
            statuses.push(app.post_form(&path, None, "verdict=satisfied").await.status);
        }
        assert_eq!(
            statuses.last(),
            Some(&StatusCode::TOO_MANY_REQUESTS),
            "{label}"
        );
        let accepted = statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count();
        assert_eq!(
            accepted, 28,
            "the first, the refused replay and 28 more make 30"
        );
        let bursts = app
            .store
            .evaluation()
            .open_bursts(id, xianfeng_app::evaluation::BURST)
            .await
            .unwrap();
        assert_eq!(bursts.len(), 1, "the burst is flagged for the office");
        let (_, _, coded, open) = xianfeng_app::evaluation::verify(&app.store, id)
            .await
            .unwrap();
        assert_eq!((coded, open), (0, 29));
        // A code-mode round has no open page.
        let (codes_round, _) = round(&app, "2000-01-01", "2999-12-31").await;
        let s2 = app
            .store
            .evaluation()
            .round_subjects(codes_round)
            .await
            .unwrap()[0]
            .subject_id;
        let closed = app.get(&format!("/p/e/{codes_round}/{s2}"), None).await;
        assert_eq!(closed.status, StatusCode::NOT_FOUND);
        let nonsense = app.get("/p/e/abc/%3Cscript%3E", None).await;
        assert_eq!(
            nonsense.status,
            StatusCode::NOT_FOUND,
            "a page, not a parse error"
        );
        assert!(nonsense.body.contains("未找到"));
    }
}

#[tokio::test]
async fn the_office_runs_a_round_prints_slips_and_moderates_comments() {
    let config = xianfeng_web::WebConfig {
        public_url: Some("https://cxzy.example.gov".into()),
        ..Default::default()
    };
    for app in support::apps_with(config).await {
        let label = app.label();
        let office = app.sign_in("office").await;
        let csrf = app.csrf(&office).await;
        let made = app
            .post_form(
                "/eval",
                Some(&office),
                &format!("csrf={csrf}&name=%E8%AF%84%E8%AE%AE&scope=T1&subjects=organisations&mode=codes&start=2000-01-01&end=2999-12-31"),
            )
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{label}: {}", made.body);
        let page_path = made.location().to_string();
        // The round's mode and subjects are named, not shown as codes.
        let listed = app.get("/eval", Some(&office)).await;
        assert!(
            listed.body.contains("评议码（一码一票）") && listed.body.contains("党组织"),
            "{label}: {}",
            listed.body
        );
        assert!(!listed.body.contains("· codes ·"), "{label}");
        let round_page = app.get(&page_path, Some(&office)).await;
        assert!(round_page.body.contains("评议码（一码一票）"), "{label}");
        let slips = app
            .post_form(
                &format!("{page_path}/codes"),
                Some(&office),
                &format!("csrf={csrf}&per_subject=2&format=slips"),
            )
            .await;
        assert_eq!(slips.status, StatusCode::CREATED, "{}", slips.body);
        assert_eq!(
            slips.body.matches("class=\"slip\"").count(),
            6,
            "three branches, two each"
        );
        assert!(slips.body.contains("<svg"), "each slip has its QR code");
        // The slips' address opened again leads back to the round, not to a blank 405.
        let reload = app.get(&format!("{page_path}/codes"), Some(&office)).await;
        assert_eq!(reload.status, StatusCode::SEE_OTHER);
        assert_eq!(reload.location(), page_path);
        let code = slips
            .body
            .split("class=\"slip-code\">")
            .nth(1)
            .and_then(|r| r.split('<').next())
            .unwrap()
            .to_string();
        let cast = app
            .post_form(
                &format!("/p/b/{code}"),
                None,
                "verdict=dissatisfied&comment=%3Cscript%3Ealert(1)%3C%2Fscript%3E%E6%80%81%E5%BA%A6%E5%B7%AE",
            )
            .await;
        assert_eq!(cast.status, StatusCode::CREATED, "{}", cast.body);
        let sheet = app
            .post_form(
                &format!("{page_path}/codes"),
                Some(&office),
                &format!("csrf={csrf}&per_subject=1&format=csv"),
            )
            .await;
        assert!(
            sheet.body.contains("subject_code,subject_name,code,url"),
            "{}",
            sheet.body
        );

        let page = app.get(&page_path, Some(&office)).await;
        assert_eq!(page.status, StatusCode::OK, "{label}");
        assert!(page.body.contains("&#60;script&#62;") || page.body.contains("&lt;script&gt;"));
        assert!(!page.body.contains("<script>alert"), "comments are text");
        assert!(
            page.body.contains("某街道党工委"),
            "results per organisation"
        );
        let ballot = page
            .body
            .split("/comments/")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .unwrap()
            .to_string();
        let hide = format!("{page_path}/comments/{ballot}/hide");
        let no_reason = app
            .post_form(&hide, Some(&office), &format!("csrf={csrf}&reason="))
            .await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        let wang = app.sign_in("wang").await;
        let wcsrf = app.csrf(&wang).await;
        let not_hers = app
            .post_form(&hide, Some(&wang), &format!("csrf={wcsrf}&reason=x"))
            .await;
        assert!(matches!(
            not_hers.status,
            StatusCode::NOT_FOUND | StatusCode::FORBIDDEN
        ));
        let hidden = app
            .post_form(
                &hide,
                Some(&office),
                &format!("csrf={csrf}&reason=%E5%90%AB%E8%84%9A%E6%9C%AC"),
            )
            .await;
        assert_eq!(hidden.status, StatusCode::SEE_OTHER);
        let page = app.get(&page_path, Some(&office)).await;
        assert!(
            page.body.contains("含脚本") && !page.body.contains("态度差"),
            "{label}"
        );
        let round: i64 = page_path.trim_start_matches("/eval/").parse().unwrap();
        let (_, used, coded, _) = xianfeng_app::evaluation::verify(&app.store, round)
            .await
            .unwrap();
        assert_eq!((used, coded), (1, 1), "hidden comments stay counted");
        let audit = app
            .store
            .audit()
            .entries(&xianfeng_storage::AuditFilter {
                since_ms: None,
                limit: 1000,
            })
            .await
            .unwrap();
        assert!(
            audit
                .iter()
                .any(|e| e.action == "eval.comment.hide" && e.actor == "office")
        );
    }
}

/// The office makes a code round of T1's branches from `start` to `end` and asks for its
/// slips: the round's page and the answer.
async fn round_and_slips(app: &App, start: &str, end: &str) -> (String, support::Answer) {
    let office = app.sign_in("office").await;
    let csrf = app.csrf(&office).await;
    let made = app
        .post_form(
            "/eval",
            Some(&office),
            &format!("csrf={csrf}&name=%E8%AF%84%E8%AE%AE&scope=T1&subjects=organisations&mode=codes&start={start}&end={end}"),
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let page_path = made.location().to_string();
    let slips = app
        .post_form(
            &format!("{page_path}/codes"),
            Some(&office),
            &format!("csrf={csrf}&per_subject=1&format=slips"),
        )
        .await;
    (page_path, slips)
}

#[tokio::test]
async fn codes_are_printed_only_for_the_configured_address_and_a_round_not_yet_over() {
    for app in apps().await {
        let label = app.label();
        // No public address configured: the Host header a request carries is no address
        // to print on a slip. Refused, with what to do, and nothing issued.
        let (page_path, slips) = round_and_slips(&app, "2000-01-01", "2999-12-31").await;
        assert_eq!(
            slips.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{label}: {}",
            slips.body
        );
        assert!(slips.body.contains("public_url"), "{}", slips.body);
        let id: i64 = page_path.rsplit('/').next().unwrap().parse().unwrap();
        assert_eq!(
            app.store.evaluation().code_counts(id).await.unwrap().0,
            0,
            "{label}"
        );
        // Nor does a public board show a code to print.
        let board = app.get("/p/o/B1", None).await;
        assert_eq!(board.status, StatusCode::OK);
        assert!(!board.body.contains("<svg"), "{label}");
    }
    // A round that has ended gets no more codes.
    let config = xianfeng_web::WebConfig {
        public_url: Some("https://cxzy.example.gov".into()),
        ..Default::default()
    };
    for app in support::apps_with(config).await {
        let (_, slips) = round_and_slips(&app, "2010-06-01", "2010-06-30").await;
        assert_eq!(
            slips.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            slips.body
        );
        assert!(slips.body.contains("已于2010-06-30结束"), "{}", slips.body);
    }
}
