//! Bulletins (通报) drafted from the data: every number a draft quotes is the number the
//! API gives for the same scope and period — rankings, figures for scoring, the rounds'
//! results, the inspection results and the honour roll.

mod support;

use axum::http::StatusCode;
use serde_json::Value;
use support::App;
use xianfeng_app::actor::Who;
use xianfeng_app::bulletins::{DraftRequest, draft};
use xianfeng_domain::bulletin::{BulletinKind, Figure, Table};
use xianfeng_storage::BulletinRecord;

async fn api(app: &App, token: &str, path: &str) -> Value {
    let a = app.api("GET", path, Some(token), None).await;
    assert_eq!(a.status, StatusCode::OK, "{path}: {}", a.body);
    a.json()
}

fn count(b: &BulletinRecord, name: &str) -> i64 {
    match b.figures.get(name) {
        Some(Figure::Count(n)) => *n,
        other => panic!("{name}: {other:?}"),
    }
}

fn hundredths(b: &BulletinRecord, name: &str) -> i64 {
    match b.figures.get(name) {
        Some(Figure::Hundredths(n)) => *n,
        other => panic!("{name}: {other:?}"),
    }
}

fn table<'a>(b: &'a BulletinRecord, key: &str) -> &'a Table {
    b.tables.iter().find(|t| t.key == key).expect(key)
}

fn cents(v: &Value) -> i64 {
    (v.as_f64().unwrap() * 100.0).round() as i64
}

/// Ballots about T1's organisations in a round of 2012-h1: two satisfied, one basically
/// satisfied, one dissatisfied.
async fn ballots(app: &App) {
    use xianfeng_app::evaluation::{BallotWriter, RoundInput, cast_with_code, create_round};
    let id = create_round(
        &app.store,
        None,
        &RoundInput {
            name: "群众评议",
            scope: "T1",
            subjects: "organisations",
            mode: "codes",
            starts_on: "2012-03-01",
            ends_on: "2012-03-31",
        },
    )
    .await
    .unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2012, 3, 5).unwrap();
    let codes =
        xianfeng_app::evaluation::issue_codes(&app.store, None, id, 4, Some("http://x"), day)
            .await
            .unwrap();
    let writer = BallotWriter::start(app.store.clone());
    use xianfeng_domain::ballot::{Ballot, Verdict};
    let verdicts = [
        Verdict::Satisfied,
        Verdict::Satisfied,
        Verdict::BasicallySatisfied,
        Verdict::Dissatisfied,
    ];
    for (code, verdict) in codes.iter().zip(verdicts) {
        let ballot = Ballot {
            verdict,
            ratings: Default::default(),
            comment: String::new(),
        };
        cast_with_code(&app.store, &writer, &code.code, &ballot, "127.0.0.1", day)
            .await
            .unwrap()
            .unwrap();
    }
}

#[tokio::test]
async fn a_progress_bulletin_quotes_the_numbers_the_api_gives_for_its_scope_and_period() {
    for app in support::apps().await {
        let label = app.label();
        support::review_branches(&app).await;
        support::publish_member_commitment(&app).await;
        ballots(&app).await;
        let office = app
            .store
            .accounts()
            .principal("office")
            .await
            .unwrap()
            .unwrap();
        let who = Who {
            username: "office",
            principal: Some(&office),
        };
        let scores = xianfeng_app::scores::Scores::new();
        let token = app.token("office").await;
        // A closed period's figures too (its board is a snapshot of scores).
        xianfeng_app::scores::close(&app.store, None, "2010", xianfeng_testkit::today())
            .await
            .unwrap();
        for period in ["2010", "2011-h1", "2012-h1"] {
            let request = DraftRequest {
                kind: Some(BulletinKind::Progress),
                scope: "C1",
                period: Some(period),
                ..Default::default()
            };
            let id = draft(
                &app.store,
                &scores,
                who,
                &request,
                xianfeng_testkit::today(),
            )
            .await
            .unwrap();
            let b = app.store.bulletins().bulletin(id).await.unwrap().unwrap();
            assert_eq!(b.period.as_deref(), Some(period));

            // Rankings: the leaders, the laggards and the movers are the API's rows.
            let ranking = api(
                &app,
                &token,
                &format!("/api/v1/rankings?scope=C1&period={period}&limit=10000"),
            )
            .await;
            let rows = ranking["rows"].as_array().unwrap();
            assert_eq!(
                count(&b, "organisations"),
                ranking["total"].as_i64().unwrap(),
                "{label}"
            );
            let as_row = |r: &Value| {
                vec![
                    Figure::Count(r["rank"].as_i64().unwrap()),
                    Figure::Text(r["code"].as_str().unwrap().into()),
                    Figure::Text(r["name"].as_str().unwrap().into()),
                    Figure::Hundredths(cents(&r["score"])),
                ]
            };
            let top: Vec<Vec<Figure>> = rows.iter().take(10).map(as_row).collect();
            assert_eq!(table(&b, "leaders").rows, top, "{label} {period}");
            let skip = rows.len().saturating_sub(10);
            let bottom: Vec<Vec<Figure>> = rows.iter().skip(skip).map(as_row).collect();
            assert_eq!(table(&b, "laggards").rows, bottom, "{label} {period}");
            let mut risers: Vec<&Value> = rows
                .iter()
                .filter(|r| r["growth"].as_f64().is_some_and(|g| g > 0.0))
                .collect();
            risers.sort_by_key(|r| r["growth_rank"].as_i64());
            let risen: Vec<(String, i64)> = risers
                .iter()
                .take(10)
                .map(|r| (r["code"].as_str().unwrap().into(), cents(&r["growth"])))
                .collect();
            let drafted: Vec<(String, i64)> = table(&b, "risers")
                .rows
                .iter()
                .map(|r| match (&r[0], &r[4]) {
                    (Figure::Text(c), Figure::Hundredths(g)) => (c.clone(), *g),
                    other => panic!("{other:?}"),
                })
                .collect();
            assert_eq!(drafted, risen, "{label} {period}");
            if period == "2011-h1" {
                assert!(!risen.is_empty(), "{label}: B2 rose from 2010 to 2011-h1");
            }

            // Figures for scoring, added up.
            let figures = api(
                &app,
                &token,
                &format!("/api/v1/figures?scope=C1&period={period}"),
            )
            .await;
            let subjects = figures["subjects"].as_array().unwrap();
            let total = |k: &str| -> i64 { subjects.iter().map(|s| s[k].as_i64().unwrap()).sum() };
            // Hours are the members' (an organisation's own figure repeats its members').
            let hours = |k: &str| -> i64 {
                subjects
                    .iter()
                    .filter(|s| s["subject_kind"] == "member")
                    .map(|s| (s[k].as_f64().unwrap() * 100.0).round() as i64)
                    .sum()
            };
            for name in ["items_due", "items_kept", "items_overdue", "reviews"] {
                assert_eq!(count(&b, name), total(name), "{label} {period} {name}");
            }
            assert_eq!(
                hundredths(&b, "hours"),
                hours("study_hours") + hours("service_hours")
            );
            if period != "2012-h1" {
                assert_eq!(count(&b, "reviews"), 2, "{label}: B1's and B2's reviews");
            }

            // Mass evaluation: the rounds of the period and their results.
            let rounds = api(&app, &token, "/api/v1/rounds").await;
            let mut counted = (0i64, 0i64, 0i64);
            let mut n = 0;
            for r in rounds.as_array().unwrap() {
                let ends = r["ends_on"].as_str().unwrap();
                let in_period = match period {
                    "2010" => ("2010-05-01".."2011-01-01").contains(&ends),
                    "2011-h1" => ("2011-01-01".."2011-07-01").contains(&ends),
                    _ => ("2012-01-01".."2012-07-01").contains(&ends),
                };
                if !in_period {
                    continue;
                }
                n += 1;
                let id = r["id"].as_i64().unwrap();
                for s in api(&app, &token, &format!("/api/v1/rounds/{id}/results"))
                    .await
                    .as_array()
                    .unwrap()
                {
                    counted.0 += s["satisfied"].as_i64().unwrap();
                    counted.1 += s["basically_satisfied"].as_i64().unwrap();
                    counted.2 += s["dissatisfied"].as_i64().unwrap();
                }
            }
            assert_eq!(count(&b, "rounds"), n, "{label} {period}");
            let valid = counted.0 + counted.1 + counted.2;
            assert_eq!(count(&b, "ballots"), valid, "{label} {period}");
            if period == "2012-h1" {
                assert_eq!(valid, 4, "{label}");
                // 满意率: (satisfied + basically satisfied) / valid = 3 / 4.
                assert_eq!(hundredths(&b, "satisfaction"), 7_500);
                assert!(b.body.contains("群众满意率为75.00%"), "{}", b.body);
            }
            // The text quotes them.
            assert!(
                b.body
                    .contains(&format!("共有{}个党组织", count(&b, "organisations"))),
                "{}",
                b.body
            );
            assert!(b.title.contains("关于"), "{}", b.title);
        }
    }
}

#[tokio::test]
async fn inspection_and_commendation_bulletins_quote_the_public_results_and_the_honour_roll() {
    for app in support::apps().await {
        let label = app.label();
        let (plan, task, _) = support::b1_inspected(&app.store).await;
        let office = app
            .store
            .accounts()
            .principal("office")
            .await
            .unwrap()
            .unwrap();
        let who = Who {
            username: "office",
            principal: Some(&office),
        };
        let scores = xianfeng_app::scores::Scores::new();
        let request = DraftRequest {
            kind: Some(BulletinKind::Inspection),
            plan: Some(plan),
            ..Default::default()
        };
        // Not before the plan is closed.
        let early = draft(
            &app.store,
            &scores,
            who,
            &request,
            xianfeng_testkit::today(),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&early, xianfeng_app::AppError::Input(m) if m.key() == "bulletin.plan_not_closed"),
            "{label}: {early:?}"
        );
        // Its visit submitted, the plan closes.
        let _ = task;
        xianfeng_app::inspections::close(&app.store, who, plan)
            .await
            .unwrap();
        let id = draft(
            &app.store,
            &scores,
            who,
            &request,
            xianfeng_testkit::today(),
        )
        .await
        .unwrap();
        let b = app.store.bulletins().bulletin(id).await.unwrap().unwrap();
        let results = app
            .api("GET", "/api/v1/inspection-results", None, None)
            .await
            .json();
        let published = results
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"].as_i64() == Some(plan))
            .expect("the plan is public");
        let targets = published["results"].as_array().unwrap();
        assert_eq!(count(&b, "targets"), targets.len() as i64, "{label}");
        let sum = |k: &str| -> i64 { targets.iter().map(|t| t[k].as_i64().unwrap()).sum() };
        let tally = |k: &str| -> i64 { targets.iter().map(|t| t[k].as_i64().unwrap()).sum() };
        assert_eq!(count(&b, "conforming"), tally("meets"), "{label}");
        assert_eq!(count(&b, "basic"), tally("partly"));
        assert_eq!(count(&b, "nonconforming"), tally("fails"));
        assert!(count(&b, "nonconforming") >= 1, "{label}: one item short");
        assert_eq!(count(&b, "rectifications"), sum("rectifications"));
        assert_eq!(count(&b, "rectified"), sum("rectified"));
        assert_eq!(count(&b, "rectifications_overdue"), sum("overdue"));
        let row = &table(&b, "targets").rows[0];
        assert_eq!(
            row[0],
            Figure::Text(targets[0]["target"].as_str().unwrap().into())
        );

        // The honour roll: the commendation quotes the roll of its scope.
        support::b1_member_commended(&app).await;
        let request = DraftRequest {
            kind: Some(BulletinKind::Commendation),
            scope: "C1",
            ..Default::default()
        };
        let id = draft(
            &app.store,
            &scores,
            who,
            &request,
            xianfeng_testkit::today(),
        )
        .await
        .unwrap();
        let b = app.store.bulletins().bulletin(id).await.unwrap().unwrap();
        let roll = app
            .api("GET", "/api/v1/honours?org=C1", None, None)
            .await
            .json();
        let roll = roll.as_array().unwrap();
        assert_eq!(count(&b, "commended"), roll.len() as i64, "{label}");
        assert!(!roll.is_empty());
        let names: Vec<Figure> = roll
            .iter()
            .map(|e| Figure::Text(e["name"].as_str().unwrap().into()))
            .collect();
        let drafted: Vec<Figure> = table(&b, "roll")
            .rows
            .iter()
            .map(|r| r[1].clone())
            .collect();
        assert_eq!(drafted, names, "{label}");
        let first = roll[0]["name"].as_str().unwrap();
        assert!(b.body.contains(first), "{}", b.body);
    }
}

#[tokio::test]
async fn a_county_drafts_only_for_its_subtree_and_a_draft_says_which_figures_changed() {
    for app in support::apps().await {
        let label = app.label();
        let staff = app
            .store
            .accounts()
            .principal("staff")
            .await
            .unwrap()
            .unwrap();
        let who = Who {
            username: "staff",
            principal: Some(&staff),
        };
        let scores = xianfeng_app::scores::Scores::new();
        let outside = DraftRequest {
            kind: Some(BulletinKind::Progress),
            scope: "C1",
            period: Some("2011-h1"),
            ..Default::default()
        };
        let refused = draft(
            &app.store,
            &scores,
            who,
            &outside,
            xianfeng_testkit::today(),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(refused, xianfeng_app::AppError::NotFound),
            "{label}: {refused:?}"
        );
        let own = DraftRequest {
            scope: "T1",
            ..outside.clone()
        };
        let id = draft(&app.store, &scores, who, &own, xianfeng_testkit::today())
            .await
            .unwrap();
        let b = app.store.bulletins().bulletin(id).await.unwrap().unwrap();
        assert!(
            xianfeng_app::bulletins::changes(
                &app.store,
                &scores,
                who,
                &b,
                xianfeng_testkit::today()
            )
            .await
            .unwrap()
            .is_empty(),
            "{label}"
        );
        // A review arrives: the draft says so, and a redraft takes it in. (A server's
        // boards take in what changed within seconds; a new cache stands for that.)
        support::review_branches(&app).await;
        let scores = xianfeng_app::scores::Scores::new();
        let changed = xianfeng_app::bulletins::changes(
            &app.store,
            &scores,
            who,
            &b,
            xianfeng_testkit::today(),
        )
        .await
        .unwrap();
        let names: Vec<&str> = changed.iter().map(|(n, _, _)| n.as_str()).collect();
        assert!(names.contains(&"reviews"), "{label}: {names:?}");
        xianfeng_app::bulletins::redraft(&app.store, &scores, who, id, xianfeng_testkit::today())
            .await
            .unwrap();
        let b = app.store.bulletins().bulletin(id).await.unwrap().unwrap();
        assert!(count(&b, "reviews") > 0, "{label}");
    }
}

async fn post(app: &App, who: &str, path: &str, form: &str) -> support::Answer {
    let cookie = app.sign_in(who).await;
    let csrf = app.csrf(&cookie).await;
    app.post_form(path, Some(&cookie), &format!("csrf={csrf}&{form}"))
        .await
}

#[tokio::test]
async fn the_office_drafts_edits_and_issues_a_bulletin_in_the_browser_and_the_public_reads_it() {
    use support::enc;
    for app in support::apps().await {
        let label = app.label();
        support::review_branches(&app).await;
        let made = post(
            &app,
            "office",
            "/bulletins",
            "kind=progress&scope=C1&period=2011-h1",
        )
        .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{label}: {}", made.body);
        let page_path = made.location().to_string();
        let id: i64 = page_path.trim_start_matches("/bulletins/").parse().unwrap();
        let office = app.sign_in("office").await;
        let page = app.get(&page_path, Some(&office)).await;
        assert_eq!(page.status, StatusCode::OK, "{label}");
        assert!(page.body.contains("进展情况的通报"), "{}", page.body);
        assert!(page.body.contains("（草稿）"));
        // Not public while a draft; not the county staff's (C1 is above T1).
        let public = app.get(&format!("/p/bulletins/{id}"), None).await;
        assert_eq!(public.status, StatusCode::NOT_FOUND, "{label}");
        let staff = app.sign_in("staff").await;
        let theirs = app.get(&page_path, Some(&staff)).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{label}");

        // Headings out of order are refused by line, and nothing is saved.
        let bad = post(
            &app,
            "office",
            &page_path,
            &format!(
                "title={}&body={}",
                enc("关于测试的通报"),
                enc("一、总体\n三、跳号")
            ),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(bad.body.contains("第2行"), "{}", bad.body);
        let b = app.store.bulletins().bulletin(id).await.unwrap().unwrap();
        assert!(b.title.contains("进展情况的通报"), "unchanged: {}", b.title);
        let good = post(
            &app,
            "office",
            &page_path,
            &format!(
                "title={}&body={}",
                enc("关于一季度进展的通报"),
                enc("各党组织：\n一、总体情况\n领导点评2次。\n[表:leaders]")
            ),
        )
        .await;
        assert_eq!(good.status, StatusCode::SEE_OTHER, "{label}: {}", good.body);

        // Addressees must exist; then numbers run per prefix and year.
        let unknown = post(
            &app,
            "office",
            &format!("{page_path}/issue"),
            &format!(
                "issuer={}&prefix={}&to=ZZ9&dated=2011-07-05",
                enc("区创先争优办"),
                enc("区创办")
            ),
        )
        .await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(unknown.body.contains("ZZ9"), "{}", unknown.body);
        let still = app.store.bulletins().bulletin(id).await.unwrap().unwrap();
        assert!(still.number.is_none(), "{label}: nothing issued");
        let issued = post(
            &app,
            "office",
            &format!("{page_path}/issue"),
            &format!(
                "issuer={}&prefix={}&main_to={}&copy_to={}&dated=2011-07-05&public=1",
                enc("区创先争优办"),
                enc("区创办"),
                enc("各党支部"),
                enc("区委办公室")
            ),
        )
        .await;
        assert_eq!(
            issued.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            issued.body
        );
        let b = app.store.bulletins().bulletin(id).await.unwrap().unwrap();
        assert_eq!(
            b.number.as_ref().map(|n| n.to_string()).as_deref(),
            Some("区创办〔2011〕1号")
        );
        // Issued is final: an edit is refused.
        let late = post(&app, "office", &page_path, "title=x&body=y").await;
        assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");

        // The public reads it, lists it, downloads it; nothing personal is on it.
        let public = app.get(&format!("/p/bulletins/{id}"), None).await;
        assert_eq!(public.status, StatusCode::OK, "{label}");
        assert!(public.body.contains("区创办〔2011〕1号"));
        assert!(public.body.contains("关于一季度进展的通报"));
        assert!(!public.body.contains("41080219800101001") && !public.body.contains("13800138000"));
        let list = app.get("/p/bulletins", None).await;
        assert!(list.body.contains(&format!("/p/bulletins/{id}")), "{label}");
        let docx = app.get(&format!("/p/bulletins/{id}/docx"), None).await;
        assert_eq!(docx.status, StatusCode::OK, "{label}");
        let annex = app.get(&format!("{page_path}/xlsx"), Some(&office)).await;
        assert_eq!(annex.status, StatusCode::OK, "{label}");

        // A correction is a new draft naming the one it corrects; its number is the next.
        let fix = post(&app, "office", &format!("{page_path}/correct"), "").await;
        assert_eq!(fix.status, StatusCode::SEE_OTHER, "{label}: {}", fix.body);
        let fixed: i64 = fix
            .location()
            .trim_start_matches("/bulletins/")
            .parse()
            .unwrap();
        let c = app
            .store
            .bulletins()
            .bulletin(fixed)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(c.corrects_id, Some(id));
        let issued = post(
            &app,
            "office",
            &format!("/bulletins/{fixed}/issue"),
            &format!(
                "issuer={}&prefix={}&main_to={}&dated=2011-07-06",
                enc("区创先争优办"),
                enc("区创办"),
                enc("各党支部")
            ),
        )
        .await;
        assert_eq!(
            issued.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            issued.body
        );
        let c = app
            .store
            .bulletins()
            .bulletin(fixed)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(c.number.unwrap().seq, 2, "{label}");
        // Not marked public: the public does not see it.
        let hidden = app.get(&format!("/p/bulletins/{fixed}"), None).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{label}");
    }
}

#[tokio::test]
async fn a_scheduled_bulletin_drafts_once_a_month_however_many_servers_run_the_job() {
    use xianfeng_app::bulletins::schedule;
    use xianfeng_domain::bulletin_schedule::ScheduleRule;
    let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
    for app in support::apps().await {
        let label = app.label();
        let office = app
            .store
            .accounts()
            .principal("office")
            .await
            .unwrap()
            .unwrap();
        let who = Who {
            username: "office",
            principal: Some(&office),
        };
        schedule::create(
            &app.store,
            who,
            "C1",
            ScheduleRule::Monthly,
            d("2012-02-20"),
        )
        .await
        .unwrap();
        // Two servers on one database run the job at the same moment.
        let other = app.db.open().await;
        let (a, b) = (
            xianfeng_app::scores::Scores::new(),
            xianfeng_app::scores::Scores::new(),
        );
        let (one, two) = tokio::join!(
            schedule::run_due(&app.store, &a, d("2012-03-01")),
            schedule::run_due(&other, &b, d("2012-03-01")),
        );
        let made: Vec<i64> = one.unwrap().into_iter().chain(two.unwrap()).collect();
        assert_eq!(made.len(), 1, "{label}: {made:?}");
        let drafts = app.store.bulletins().bulletins(1).await.unwrap();
        assert_eq!(
            drafts.len(),
            1,
            "{label}: one draft, none dropped half-made"
        );
        assert_eq!(drafts[0].created_by, "office");
        // Later the same month: nothing more; next month: the next.
        assert!(
            schedule::run_due(&app.store, &a, d("2012-03-20"))
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            schedule::run_due(&other, &b, d("2012-04-01"))
                .await
                .unwrap()
                .len(),
            1,
            "{label}"
        );
        // The office is told a draft is waiting.
        let cookie = app.sign_in("office").await;
        let home = app.get("/", Some(&cookie)).await;
        assert!(
            home.body.contains("待修改印发的通报草稿：2份"),
            "{}",
            home.body
        );
        // A stopped schedule drafts no more.
        let id = schedule::list(&app.store, who).await.unwrap()[0].id;
        schedule::stop(&app.store, who, id).await.unwrap();
        assert!(
            schedule::run_due(&app.store, &a, d("2012-05-02"))
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn branches_send_stage_reports_up_and_the_committee_above_takes_their_good_practices() {
    use support::enc;
    for app in support::apps().await {
        let label = app.label();
        // B1's secretary finds the form pre-filled with B1's own figures and sends it.
        let wang = app.sign_in("wang").await;
        let form = app.get("/reports/B1/towards-18th", Some(&wang)).await;
        assert_eq!(form.status, StatusCode::OK, "{label}: {}", form.body);
        assert!(form.body.contains("党员累计参加学习"), "{}", form.body);
        let empty = post(
            &app,
            "wang",
            "/reports/B1/towards-18th",
            "summary=&practices=",
        )
        .await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let sent = post(
            &app,
            "wang",
            "/reports/B1/towards-18th",
            &format!(
                "summary={}&practices={}",
                enc("本阶段我支部扎实开展创先争优。"),
                enc("“党员责任区”做法：每名党员联系十户群众。")
            ),
        )
        .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{label}: {}", sent.body);
        // B2's secretary cannot read or write B1's.
        let li = app.sign_in("li").await;
        let theirs = app.get("/reports/B1/towards-18th", Some(&li)).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{label}");

        // T1's staff sees who has sent and who has not, and takes B1's good practice.
        let staff = app.sign_in("staff").await;
        let below = app.get("/reports/T1/towards-18th", Some(&staff)).await;
        assert_eq!(below.status, StatusCode::OK, "{label}: {}", below.body);
        assert!(below.body.contains("已报送1个"), "{}", below.body);
        assert!(below.body.contains("尚未报送"), "B2 has not");
        let report = app
            .store
            .bulletins()
            .stage_report(1, "towards-18th", {
                app.store
                    .registry()
                    .org_by_code("B1")
                    .await
                    .unwrap()
                    .unwrap()
                    .id
            })
            .await
            .unwrap()
            .unwrap();
        let took = post(
            &app,
            "staff",
            "/reports/T1/towards-18th/pick",
            &format!("report={}&pick=1", report.id),
        )
        .await;
        assert_eq!(took.status, StatusCode::SEE_OTHER, "{label}: {}", took.body);
        let made = post(
            &app,
            "staff",
            "/bulletins",
            "kind=stage_summary&scope=T1&period=towards-18th",
        )
        .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{label}: {}", made.body);
        let id: i64 = made
            .location()
            .trim_start_matches("/bulletins/")
            .parse()
            .unwrap();
        let b = app.store.bulletins().bulletin(id).await.unwrap().unwrap();
        assert!(b.body.contains("每名党员联系十户群众"), "{}", b.body);
        assert!(b.body.contains("某社区第一党支部："), "{}", b.body);
    }
}

#[tokio::test]
async fn the_organisations_addressed_find_an_issued_bulletin_on_their_home_page() {
    use support::enc;
    for app in support::apps().await {
        let label = app.label();
        let made = post(
            &app,
            "office",
            "/bulletins",
            "kind=progress&scope=C1&period=2011-h1",
        )
        .await;
        let path = made.location().to_string();
        let id: i64 = path.trim_start_matches("/bulletins/").parse().unwrap();
        let issued = post(
            &app,
            "office",
            &format!("{path}/issue"),
            &format!(
                "issuer={}&prefix={}&to=B1&dated={}",
                enc("区创先争优办"),
                enc("区创办"),
                xianfeng_web::clock::today()
            ),
        )
        .await;
        assert_eq!(
            issued.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            issued.body
        );
        let b = app.store.bulletins().bulletin(id).await.unwrap().unwrap();
        assert_eq!(
            b.main_to.as_deref(),
            Some("某社区第一党支部"),
            "named from the codes"
        );
        let wang = app.sign_in("wang").await;
        let home = app.get("/", Some(&wang)).await;
        assert!(
            home.body.contains(&format!("/bulletins/received/{id}")),
            "{}",
            home.body
        );
        let read = app
            .get(&format!("/bulletins/received/{id}"), Some(&wang))
            .await;
        assert_eq!(read.status, StatusCode::OK, "{label}");
        assert!(read.body.contains("区创办〔"), "{}", read.body);
        let li = app.sign_in("li").await;
        let not_theirs = app
            .get(&format!("/bulletins/received/{id}"), Some(&li))
            .await;
        assert_eq!(not_theirs.status, StatusCode::NOT_FOUND, "{label}");
        let home = app.get("/", Some(&li)).await;
        assert!(!home.body.contains("/bulletins/received/"), "{label}");
    }
}

#[tokio::test]
async fn a_stage_summary_quotes_the_numbers_the_api_gives_for_the_stage() {
    for app in support::apps().await {
        let label = app.label();
        support::review_branches(&app).await;
        support::publish_member_commitment(&app).await;
        let office = app
            .store
            .accounts()
            .principal("office")
            .await
            .unwrap()
            .unwrap();
        let who = Who {
            username: "office",
            principal: Some(&office),
        };
        let scores = xianfeng_app::scores::Scores::new();
        let request = DraftRequest {
            kind: Some(BulletinKind::StageSummary),
            scope: "C1",
            period: Some("towards-90th"),
            ..Default::default()
        };
        let id = draft(
            &app.store,
            &scores,
            who,
            &request,
            xianfeng_testkit::today(),
        )
        .await
        .unwrap();
        let b = app.store.bulletins().bulletin(id).await.unwrap().unwrap();
        let token = app.token("office").await;
        let ranking = api(
            &app,
            &token,
            "/api/v1/rankings?scope=C1&stage=towards-90th&limit=10000",
        )
        .await;
        assert_eq!(
            count(&b, "organisations"),
            ranking["total"].as_i64().unwrap(),
            "{label}"
        );
        let top: Vec<(String, i64)> = ranking["rows"]
            .as_array()
            .unwrap()
            .iter()
            .take(10)
            .map(|r| (r["code"].as_str().unwrap().to_string(), cents(&r["score"])))
            .collect();
        let drafted: Vec<(String, i64)> = table(&b, "leaders")
            .rows
            .iter()
            .map(|r| match (&r[1], &r[3]) {
                (Figure::Text(c), Figure::Hundredths(s)) => (c.clone(), *s),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(drafted, top, "{label}");
        let figures = api(&app, &token, "/api/v1/figures?scope=C1&stage=towards-90th").await;
        let subjects = figures["subjects"].as_array().unwrap();
        let total = |k: &str| -> i64 { subjects.iter().map(|s| s[k].as_i64().unwrap()).sum() };
        for name in ["items_due", "items_kept", "items_overdue", "reviews"] {
            assert_eq!(count(&b, name), total(name), "{label} {name}");
        }
        assert_eq!(
            count(&b, "reviews"),
            4,
            "{label}: the reviews of 2010 and 2011-h1"
        );
        assert!(b.body.contains("以优异成绩迎接建党90周年"), "{}", b.body);
    }
}
