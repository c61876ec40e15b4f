//! Models, good practices and lecture tours (先进典型, 好经验好做法, 巡回宣讲): what the
//! office builds and what the public may see of it — proposed and withdrawn entries never,
//! comments only after moderation — and the rules that hold whoever asks: no speaker in two
//! places, one sign-in per phone.

mod support;

use axum::http::StatusCode;
use support::{App, enc};
use xianfeng_domain::model_library::{ModelSource, ModelStatus};
use xianfeng_storage::ModelFilter;

async fn campaign(app: &App) -> i64 {
    xianfeng_app::scope::campaign(&app.store).await.unwrap().0
}

async fn entries(app: &App) -> Vec<xianfeng_storage::ModelRecord> {
    app.store
        .publicity()
        .models(&ModelFilter {
            campaign_id: campaign(app).await,
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
}

/// B1's secretary recommends B1's member; the id of the entry.
async fn recommend(app: &App, wang: &str) -> i64 {
    let csrf = app.csrf(wang).await;
    let form = format!(
        "csrf={csrf}&org=B1&kind=member&s_{}=1&level=county&summary={}&deeds={}&themes={}",
        app.b1_member,
        enc("扎根社区十年，服务群众"),
        enc("她组织志愿服务队……"),
        enc("服务群众、社区")
    );
    let a = app.post_form("/models/new", Some(wang), &form).await;
    assert_eq!(
        a.status,
        StatusCode::SEE_OTHER,
        "{}: {}",
        app.label(),
        a.body
    );
    a.location().trim_start_matches("/models/").parse().unwrap()
}

#[tokio::test]
async fn an_entry_is_public_only_once_the_office_has_taken_it_there_and_a_sanction_withdraws_it() {
    for app in support::apps().await {
        let label = app.label();
        let wang = app.sign_in("wang").await;
        let office = app.sign_in("office").await;
        let li = app.sign_in("li").await;
        let id = recommend(&app, &wang).await;
        let public = format!("/p/models/{id}");
        assert_eq!(
            app.get(&public, None).await.status,
            StatusCode::NOT_FOUND,
            "{label}"
        );
        // The branch recommends; it does not review.
        let csrf = app.csrf(&wang).await;
        let a = app
            .post_form(
                &format!("/models/{id}/advance"),
                Some(&wang),
                &format!("csrf={csrf}"),
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{label}: {}", a.body);
        // Another branch does not learn the entry exists.
        let a = app.get(&format!("/models/{id}"), Some(&li)).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{label}");
        assert!(!a.body.contains(support::B1_MEMBER), "{label}");
        // A photo, stored without what the phone wrote into it.
        let csrf = app.csrf(&office).await;
        let photo = support::phone_photo();
        let a = app
            .multipart(
                &format!("/models/{id}/files"),
                &office,
                &[("csrf", &csrf)],
                &[("files", "photo.jpg", &photo)],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{label}: {}", a.body);
        for step in ["reviewed", "in_library", "public"] {
            assert_eq!(
                app.get(&public, None).await.status,
                StatusCode::NOT_FOUND,
                "{label} {step}"
            );
            let a = app
                .post_form(
                    &format!("/models/{id}/advance"),
                    Some(&office),
                    &format!("csrf={csrf}"),
                )
                .await;
            assert_eq!(
                a.status,
                StatusCode::SEE_OTHER,
                "{label} {step}: {}",
                a.body
            );
        }
        let a = app.get(&public, None).await;
        assert_eq!(a.status, StatusCode::OK, "{label}");
        assert!(a.body.contains("扎根社区十年"), "{label}");
        assert!(
            !a.body.contains("13800138000") && !a.body.contains("410802"),
            "{label}"
        );
        let m = app.store.publicity().model(id).await.unwrap().unwrap();
        let photo_id = m.files[0].attachment_id;
        let a = app
            .get(&format!("/p/models/{id}/files/{photo_id}"), None)
            .await;
        assert_eq!(a.status, StatusCode::OK, "{label}");
        // The library finds it by a word of its deeds and by its tag.
        let a = app
            .get(&format!("/p/models?q={}", enc("志愿服务")), None)
            .await;
        assert!(a.body.contains(&format!("/p/models/{id}")), "{label}");
        let a = app
            .get(&format!("/p/models?tag={}", enc("theme:社区")), None)
            .await;
        assert!(a.body.contains(&format!("/p/models/{id}")), "{label}");
        let a = app
            .get(&format!("/p/models?tag={}", enc("theme:农业")), None)
            .await;
        assert!(!a.body.contains(&format!("/p/models/{id}")), "{label}");
        // A sanction recorded later withdraws it and tells the office.
        xianfeng_app::selection::record_sanction(
            &app.store,
            None,
            app.b1_member,
            chrono::NaiveDate::from_ymd_opt(2012, 8, 1).unwrap(),
            "警告",
            "",
        )
        .await
        .unwrap();
        let m = app.store.publicity().model(id).await.unwrap().unwrap();
        assert_eq!(m.status, ModelStatus::Withdrawn, "{label}");
        assert!(m.needs_attention && m.by_sanction, "{label}");
        assert_eq!(
            app.get(&public, None).await.status,
            StatusCode::NOT_FOUND,
            "{label}"
        );
        assert_eq!(
            app.get(&format!("/p/models/{id}/files/{photo_id}"), None)
                .await
                .status,
            StatusCode::NOT_FOUND,
            "{label}"
        );
        let a = app.get("/models", Some(&office)).await;
        assert!(
            a.body.contains("因党纪处分被自动撤销"),
            "{label}: {}",
            a.body
        );
        // Withdrawing by hand needs a reason.
        let wid = recommend(&app, &wang).await;
        let a = app
            .post_form(
                &format!("/models/{wid}/withdraw"),
                Some(&office),
                &format!("csrf={csrf}&reason="),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
    }
}

#[tokio::test]
async fn a_commended_candidate_enters_the_library_by_itself_once() {
    for app in support::apps().await {
        let label = app.label();
        let (up, _) = support::b1_member_commended(&app).await;
        let all = entries(&app).await;
        assert_eq!(all.len(), 1, "{label}");
        let m = &all[0];
        assert_eq!(m.source, ModelSource::Commended, "{label}");
        assert_eq!(m.nomination_id, Some(up), "{label}");
        assert_eq!(m.status, ModelStatus::InLibrary, "{label}");
        // Taking in the honour roll again adds nothing.
        let made = xianfeng_app::publicity::models::take_in_honour_roll(
            &app.store,
            xianfeng_app::actor::Who::operator(),
        )
        .await
        .unwrap();
        assert_eq!(made, 0, "{label}");
        // In the library, not public.
        let a = app.get(&format!("/p/models/{}", m.id), None).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{label}");
    }
}

/// The phone cookie an answer sets (`name=value`).
fn phone_cookie(a: &support::Answer) -> Option<String> {
    a.headers
        .get_all(axum::http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("xf_phone="))
        .and_then(|c| c.split(';').next())
        .map(str::to_string)
}

/// Beijing local time now, as the server reads it, plus `minutes`.
fn beijing(minutes: i64) -> String {
    let t = chrono::Utc::now().naive_utc()
        + chrono::Duration::hours(8)
        + chrono::Duration::minutes(minutes);
    t.format("%Y-%m-%dT%H:%M").to_string()
}

#[tokio::test]
async fn a_speaker_is_never_booked_twice_and_a_phone_signs_in_once_and_rates_once() {
    for app in support::apps().await {
        let label = app.label();
        let wang = app.sign_in("wang").await;
        let office = app.sign_in("office").await;
        let staff = app.sign_in("staff").await;
        let id = recommend(&app, &wang).await;
        let csrf = app.csrf(&office).await;
        for _ in 0..2 {
            app.post_form(
                &format!("/models/{id}/advance"),
                Some(&office),
                &format!("csrf={csrf}"),
            )
            .await;
        }
        let form = format!(
            "csrf={csrf}&org=C1&name={}&theme={}&leader={}&m_{id}=1",
            enc("先进事迹报告团"),
            enc("学习先进、争当先锋"),
            enc("张团长")
        );
        let a = app.post_form("/tours", Some(&office), &form).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{label}: {}", a.body);
        let tour = a.location().to_string();
        let schedule = |who: String, host: &str, from: String, to: String| {
            let app = &app;
            let tour = tour.clone();
            let host = host.to_string();
            async move {
                let csrf = app.csrf(&who).await;
                let form = format!(
                    "csrf={csrf}&host={host}&venue={}&starts={}&ends={}&audience=80",
                    enc("社区会议室"),
                    enc(&from),
                    enc(&to)
                );
                app.post_form(&format!("{tour}/schedule"), Some(&who), &form)
                    .await
            }
        };
        // The county's staff schedule in their subtree.
        let a = schedule(staff.clone(), "B1", beijing(-30), beijing(90)).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{label}: {}", a.body);
        // Overlapping, in the same county: refused, naming the speaker.
        let a = schedule(office.clone(), "B2", beijing(60), beijing(120)).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(a.body.contains(support::B1_MEMBER), "{label}: {}", a.body);
        // The same over the API.
        let token = app.token("office").await;
        let delegation = tour.trim_start_matches("/tours/");
        let body = format!(
            r#"{{"host":"B2","venue":"x","starts_at":"{}","ends_at":"{}","audience":1}}"#,
            beijing(60).replace('T', " "),
            beijing(120).replace('T', " ")
        );
        let a = app
            .api(
                "POST",
                &format!("/api/v1/delegations/{delegation}/sessions"),
                Some(&token),
                Some(&body),
            )
            .await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{label}: {}",
            a.body
        );
        assert!(a.body.contains(support::B1_MEMBER), "{label}: {}", a.body);
        // Back to back in the same county: fine. In another county an hour later: too
        // close to travel; three hours later: fine.
        let a = schedule(office.clone(), "B2", beijing(90), beijing(150)).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{label}: {}", a.body);
        let a = schedule(office.clone(), "E1", beijing(210), beijing(240)).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(a.body.contains("120"), "{label}");
        // The county's staff do not schedule outside their subtree.
        let a = schedule(staff.clone(), "E1", beijing(400), beijing(460)).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{label}");
        let a = schedule(office.clone(), "E1", beijing(270), beijing(330)).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{label}: {}", a.body);
        let sessions = app.store.publicity().sessions(None).await.unwrap();
        assert_eq!(sessions.len(), 3, "{label}");
        let now = sessions[0].id;
        // A phone signs in once.
        let page = format!("/p/s/{now}");
        assert_eq!(app.get(&page, None).await.status, StatusCode::OK, "{label}");
        let a = app.post_form(&page, None, "").await;
        assert_eq!(a.status, StatusCode::OK, "{label}: {}", a.body);
        let phone = phone_cookie(&a).expect("a phone cookie");
        assert!(a.body.contains("签到成功"), "{label}");
        let a = app.post_form(&page, Some(&phone), "").await;
        assert!(a.body.contains("已经签到过了"), "{label}");
        let other = phone_cookie(&app.post_form(&page, None, "").await).unwrap();
        let s = app.store.publicity().session(now).await.unwrap().unwrap();
        assert_eq!(s.signed_in, 2, "{label}");
        // A session hours away does not take sign-ins yet.
        let later = sessions[2].id;
        let a = app.post_form(&format!("/p/s/{later}"), None, "").await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        // It rates each speaker once; a phone not signed in cannot.
        let rate = format!("{page}/rate");
        let form = format!("speaker={id}&stars=5&comment={}", enc("讲得真好"));
        let a = app.post_form(&rate, Some(&phone), &form).await;
        assert_eq!(a.status, StatusCode::OK, "{label}: {}", a.body);
        let a = app.post_form(&rate, Some(&phone), &form).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let a = app.post_form(&rate, None, &form).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let a = app
            .post_form(&rate, Some(&other), &format!("speaker={id}&stars=9"))
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        // The comment is public only after moderation.
        assert!(
            !app.get(&page, None).await.body.contains("讲得真好"),
            "{label}"
        );
        let ratings = app
            .store
            .publicity()
            .ratings(None, Some(now), None)
            .await
            .unwrap();
        assert_eq!(ratings.len(), 1, "{label}");
        let a = app
            .post_form(
                &format!("/tours/comments/{}", ratings[0].id),
                Some(&office),
                &format!("csrf={csrf}&show=1"),
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{label}: {}", a.body);
        assert!(
            app.get(&page, None).await.body.contains("讲得真好"),
            "{label}"
        );
        // The figures, the export and the public schedule.
        let a = app.get(&tour, Some(&office)).await;
        assert!(a.body.contains("5.0"), "{label}");
        let a = app
            .api(
                "GET",
                &format!("/api/v1/delegations/{delegation}"),
                Some(&token),
                None,
            )
            .await;
        let d = a.json();
        assert_eq!(d["sessions"][0]["signed_in"], 2, "{label}: {d}");
        assert_eq!(
            d["delegation"]["speakers"][0]["average"], 5.0,
            "{label}: {d}"
        );
        let a = app.get(&format!("{tour}/xlsx"), Some(&office)).await;
        assert_eq!(a.status, StatusCode::OK, "{label}");
        assert!(
            a.headers["content-type"]
                .to_str()
                .unwrap()
                .contains("spreadsheetml")
        );
        let a = app.get("/p/tours", None).await;
        assert!(a.body.contains("先进事迹报告团"), "{label}");
        let a = app.get("/p/tours.ics", None).await;
        assert_eq!(
            a.body.matches("BEGIN:VEVENT").count(),
            3,
            "{label}: {}",
            a.body
        );
        // A cancelled session leaves the schedule.
        let a = app
            .post_form(
                &format!("/tours/sessions/{later}/cancel"),
                Some(&office),
                &format!("csrf={csrf}&delegation=1"),
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{label}");
        let a = app.get("/p/tours.ics", None).await;
        assert_eq!(a.body.matches("BEGIN:VEVENT").count(), 2, "{label}");
    }
}

#[tokio::test]
async fn a_practice_is_returned_amended_accepted_published_and_adopted_as_a_rule() {
    for app in support::apps().await {
        let label = app.label();
        let wang = app.sign_in("wang").await;
        let office = app.sign_in("office").await;
        let li = app.sign_in("li").await;
        let csrf = app.csrf(&wang).await;
        let form = format!(
            "csrf={csrf}&org=B1&title={}&summary={}&body={}&standard=",
            enc("党员积分管理"),
            enc("以积分促服务"),
            enc("每月公示党员积分……")
        );
        let a = app.post_form("/practices/new", Some(&wang), &form).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{label}: {}", a.body);
        let page = a.location().to_string();
        let id: i64 = page.trim_start_matches("/practices/").parse().unwrap();
        let public = format!("/p/practices/{id}");
        assert_eq!(
            app.get(&page, Some(&li)).await.status,
            StatusCode::NOT_FOUND,
            "{label}"
        );
        let ocsrf = app.csrf(&office).await;
        let step = |s: &'static str, reason: &'static str| {
            let app = &app;
            let office = office.clone();
            let ocsrf = ocsrf.clone();
            async move {
                app.post_form(
                    &format!("/practices/{id}/step"),
                    Some(&office),
                    &format!("csrf={ocsrf}&step={s}&reason={}", enc(reason)),
                )
                .await
            }
        };
        // Publishing comes after accepting.
        assert_eq!(
            step("publish", "").await.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{label}"
        );
        assert_eq!(
            step("return", "").await.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{label}"
        );
        assert_eq!(
            step("return", "请补充成效数据").await.status,
            StatusCode::SEE_OTHER,
            "{label}"
        );
        let a = app.get(&page, Some(&wang)).await;
        assert!(a.body.contains("请补充成效数据"), "{label}");
        let form = format!(
            "csrf={csrf}&title={}&summary={}&body={}&standard=",
            enc("党员积分管理"),
            enc("以积分促服务，参与率提高三成"),
            enc("每月公示党员积分……")
        );
        let a = app.post_form(&page, Some(&wang), &form).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{label}: {}", a.body);
        assert_eq!(
            step("accept", "").await.status,
            StatusCode::SEE_OTHER,
            "{label}"
        );
        assert_eq!(
            app.get(&public, None).await.status,
            StatusCode::NOT_FOUND,
            "{label}"
        );
        assert_eq!(
            step("publish", "").await.status,
            StatusCode::SEE_OTHER,
            "{label}"
        );
        let a = app.get(&public, None).await;
        assert_eq!(a.status, StatusCode::OK, "{label}");
        assert!(a.body.contains("参与率提高三成"), "{label}");
        let a = app
            .post_form(
                &format!("/practices/{id}/adopt"),
                Some(&office),
                &format!("csrf={ocsrf}&title={}&body=", enc("党员积分管理办法")),
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{label}: {}", a.body);
        let a = app.get("/p/rules", None).await;
        assert!(a.body.contains("党员积分管理办法"), "{label}");
        assert!(
            a.body.contains(&public),
            "{label}: the rule names its source"
        );
        // Once only.
        let a = app
            .post_form(
                &format!("/practices/{id}/adopt"),
                Some(&office),
                &format!("csrf={ocsrf}"),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
    }
}

#[tokio::test]
async fn the_portal_lists_what_is_public_finds_a_branch_and_answers_304_to_a_page_it_has() {
    use xianfeng_app::evaluation::{RoundInput, create_round};
    for app in support::apps().await {
        let label = app.label();
        let wang = app.sign_in("wang").await;
        let office = app.sign_in("office").await;
        let public = recommend(&app, &wang).await;
        let proposed = recommend(&app, &wang).await;
        let csrf = app.csrf(&office).await;
        for _ in 0..3 {
            app.post_form(
                &format!("/models/{public}/advance"),
                Some(&office),
                &format!("csrf={csrf}"),
            )
            .await;
        }
        // Two rounds about T1's branches: one open to anyone, one by ballot codes.
        let round = |name: &'static str, mode: &'static str| {
            let store = app.store.clone();
            async move {
                create_round(
                    &store,
                    None,
                    &RoundInput {
                        name,
                        scope: "T1",
                        subjects: "organisations",
                        mode,
                        starts_on: "2000-01-01",
                        ends_on: "2999-12-31",
                    },
                )
                .await
                .unwrap()
            }
        };
        let open = round("公开评议", "open").await;
        round("凭码评议", "codes").await;
        // Home: the public entry, never the proposed one; what 五比一争 means.
        let home = app.get("/p/", None).await;
        assert_eq!(home.status, StatusCode::OK, "{label}");
        assert!(
            home.body.contains(&format!("/p/models/{public}\"")),
            "{label}"
        );
        assert!(
            !home.body.contains(&format!("/p/models/{proposed}\"")),
            "{label}"
        );
        assert!(
            home.body.contains("比学习") && home.body.contains("五比一争"),
            "{label}"
        );
        // The same page again, named by its tag: 304 without a body; another language is
        // another page.
        let tag = home.headers["etag"].to_str().unwrap().to_string();
        let req = axum::http::Request::get("/p/")
            .header("if-none-match", &tag)
            .body(axum::body::Body::empty())
            .unwrap();
        let again = app.send(req).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{label}");
        assert!(again.body.is_empty(), "{label}");
        let req = axum::http::Request::get("/p/")
            .header("if-none-match", &tag)
            .header("cookie", "xf_lang=en")
            .body(axum::body::Body::empty())
            .unwrap();
        assert_eq!(app.send(req).await.status, StatusCode::OK, "{label}");
        // A citizen finds the branch by a part of its name and opens its board, where the
        // open round is listed and the code round is not.
        let found = app
            .get(&format!("/p/find?q={}", enc("第一党支部")), None)
            .await;
        assert!(found.body.contains("/p/o/B1\""), "{label}: {}", found.body);
        assert!(!found.body.contains("/p/o/B2\""), "{label}");
        let board = app.get("/p/o/B1", None).await;
        let b1 = app
            .store
            .registry()
            .org_by_code("B1")
            .await
            .unwrap()
            .unwrap();
        assert!(
            board.body.contains(&format!("/p/e/{open}/{}", b1.id)),
            "{label}: {}",
            board.body
        );
        assert!(!board.body.contains("凭码评议"), "{label}");
        // The feed carries the public entry, not the proposed one.
        let feed = app.get("/p/feed.atom", None).await;
        assert!(
            feed.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/atom+xml")
        );
        assert!(
            feed.body.contains(&format!("/p/models/{public}\"")),
            "{label}"
        );
        assert!(
            !feed.body.contains(&format!("/p/models/{proposed}\"")),
            "{label}"
        );
    }
}

/// A public page is kept as rendered, but never past a change: one made through this server
/// shows at once, one made by another server sharing the database within a poll.
#[tokio::test]
async fn a_kept_public_page_follows_every_change_on_this_server_and_others() {
    for app in support::apps().await {
        let label = app.label();
        let wang = app.sign_in("wang").await;
        let office = app.sign_in("office").await;
        let id = recommend(&app, &wang).await;
        let csrf = app.csrf(&office).await;
        for _ in 0..3 {
            app.post_form(
                &format!("/models/{id}/advance"),
                Some(&office),
                &format!("csrf={csrf}"),
            )
            .await;
        }
        let link = format!("/p/models/{id}\"");
        let first = app.get("/p/models", None).await;
        assert!(first.body.contains(&link), "{label}");
        assert_eq!(
            app.get("/p/models", None).await.body,
            first.body,
            "{label}: kept"
        );
        // Another server withdraws it.
        let other = app.db.open().await;
        xianfeng_app::publicity::models::withdraw(
            &other,
            xianfeng_app::actor::Who::operator(),
            id,
            "核实有误",
        )
        .await
        .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        let after = app.get("/p/models", None).await;
        assert!(
            !after.body.contains(&link),
            "{label}: another server's change shows"
        );
        assert_ne!(after.headers["etag"], first.headers["etag"], "{label}");
        // This server's own change shows at once.
        let second = recommend(&app, &wang).await;
        for _ in 0..3 {
            app.post_form(
                &format!("/models/{second}/advance"),
                Some(&office),
                &format!("csrf={csrf}"),
            )
            .await;
        }
        assert!(
            app.get("/p/models", None)
                .await
                .body
                .contains(&format!("/p/models/{second}\"")),
            "{label}: this server's change shows at once"
        );
    }
}
