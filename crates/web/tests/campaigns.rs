//! Campaigns that drive the work and follow each other: nominating outside the phase that
//! opens it is refused with the phase's dates until the office opens it early (audited);
//! a second campaign is a draft until the office starts it; once it is started the old
//! campaign's commitments leave the default board, are never overdue, stay readable on
//! its own board and take no more reports, and its running notice stays on the portal;
//! the office copies, edits (checked, nothing stored while a problem remains) and exports
//! a campaign file.

mod support;

use support::enc;

use axum::http::StatusCode;
use support::App;
use xianfeng_storage::AuditFilter;

async fn audited(app: &App, action: &str) -> usize {
    app.store
        .audit()
        .entries(&AuditFilter {
            since_ms: None,
            limit: 10_000,
        })
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == action)
        .count()
}

async fn current_id(app: &App) -> i64 {
    app.store.campaigns().current().await.unwrap().unwrap().0
}

#[tokio::test]
async fn nominating_outside_its_phase_is_refused_with_the_dates_until_the_office_opens_it() {
    for app in support::apps().await {
        let label = app.label();
        xianfeng_testkit::use_simple_selection_campaign(&app.store).await;
        let campaign = current_id(&app).await;
        let (wang, office) = (app.sign_in("wang").await, app.sign_in("office").await);
        let (wang_csrf, office_csrf) = (app.csrf(&wang).await, app.csrf(&office).await);
        let nominate = format!(
            "csrf={wang_csrf}&honour=excellent-member&org=B1&subject={}&deeds={}&summary={}",
            app.b1_member,
            enc("带领志愿服务队服务社区三百余小时。"),
            enc("服务社区三百余小时")
        );
        // Today lies outside 评选表彰 (16 May to 30 June 2012): refused, saying when.
        let refused = app.post_form("/selection", Some(&wang), &nominate).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        for said in ["推荐评选只在", "评选表彰", "2012-05-16", "2012-06-30"] {
            assert!(refused.body.contains(said), "{label}: {said}");
        }
        assert_eq!(
            app.store
                .selection()
                .nominations(campaign, None)
                .await
                .unwrap()
                .len(),
            0,
            "{label}"
        );

        // The office sees what each phase opens, and opens it early: not a secretary.
        let page = app
            .get(&format!("/campaigns/{campaign}"), Some(&office))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{label}");
        assert!(page.body.contains("推荐评选"), "{label}");
        let today = chrono::Local::now().date_naive();
        let open = |csrf: &str, from: chrono::NaiveDate, until: chrono::NaiveDate| {
            format!(
                "csrf={csrf}&phase=commendation&from={from}&until={until}&reason={}",
                enc("省委要求提前推荐")
            )
        };
        let week = chrono::Duration::days(7);
        let not_wang = app
            .post_form(
                &format!("/campaigns/{campaign}/open-phase"),
                Some(&wang),
                &open(&wang_csrf, today - week, today + week),
            )
            .await;
        // Outside a secretary's part of the tree: as if there were no such page.
        assert_eq!(not_wang.status, StatusCode::NOT_FOUND, "{label}");
        // Backwards dates: refused, nothing opened.
        let backwards = app
            .post_form(
                &format!("/campaigns/{campaign}/open-phase"),
                Some(&office),
                &open(&office_csrf, today + week, today - week),
            )
            .await;
        assert_eq!(
            backwards.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{label}"
        );
        assert_eq!(audited(&app, "campaign.open_phase").await, 0, "{label}");
        let opened = app
            .post_form(
                &format!("/campaigns/{campaign}/open-phase"),
                Some(&office),
                &open(&office_csrf, today - week, today + week),
            )
            .await;
        assert_eq!(
            opened.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            opened.body
        );
        assert_eq!(audited(&app, "campaign.open_phase").await, 1, "{label}");
        let page = app
            .get(&format!("/campaigns/{campaign}"), Some(&office))
            .await;
        assert!(page.body.contains("省委要求提前推荐"), "{label}");

        let made = app.post_form("/selection", Some(&wang), &nominate).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{label}: {}", made.body);
        // The secretary's home says the work is open, and until when.
        let home = app.get("/", Some(&wang)).await;
        assert!(home.body.contains("推荐评选"), "{label}");
        assert!(
            home.body.contains(&format!(
                "{}年{}月{}日",
                chrono::Datelike::year(&(today + week)),
                chrono::Datelike::month(&(today + week)),
                chrono::Datelike::day(&(today + week))
            )),
            "{label}"
        );
    }
}

#[tokio::test]
async fn a_new_campaign_waits_in_draft_and_once_started_keeps_the_old_ones_records_apart() {
    for app in support::apps().await {
        let label = app.label();
        // The running campaign: a published commitment, its items long past due, and a
        // member on a notice that runs from today.
        let (_, notice) = support::b1_member_on_notice(&app).await;
        let old = current_id(&app).await;
        let path = support::publish_member_commitment(&app).await;
        let board = app.get("/p/o/B1", None).await;
        assert!(board.body.contains("my-commitment"), "{label}");
        assert!(board.body.contains("已逾期"), "{label}: running, overdue");
        let member = app.sign_in("member").await;
        let home = app.get("/", Some(&member)).await;
        assert!(home.body.contains("承诺事项已逾期未办结"), "{label}");
        // Leader reviews of the branches: they rank in this campaign.
        support::review_branches(&app).await;
        let office = app.sign_in("office").await;
        let ranked = app.get("/scores?period=2011-h1", Some(&office)).await;
        assert!(ranked.body.contains("某社区第二党支部"), "{label}");
        assert!(!ranked.body.contains("还没有任何得分"), "{label}");

        // The office copies it for the next campaign: a draft, and nothing changes.
        let csrf = app.csrf(&office).await;
        let copied = app
            .post_form(
                &format!("/campaigns/{old}/copy"),
                Some(&office),
                &format!("csrf={csrf}&name={}&shift_years=3", enc("下一轮创先争优")),
            )
            .await;
        assert_eq!(
            copied.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            copied.body
        );
        let new: i64 = copied
            .location()
            .trim_start_matches("/campaigns/")
            .parse()
            .unwrap();
        assert_eq!(
            current_id(&app).await,
            old,
            "{label}: a draft is not in use"
        );
        let draft = app.get(&format!("/campaigns/{new}"), Some(&office)).await;
        assert!(draft.body.contains("草拟中"), "{label}");
        assert!(draft.body.contains("2013年5月1日"), "{label}: dates moved");
        let board = app.get("/p/o/B1", None).await;
        assert!(board.body.contains("my-commitment"), "{label}");

        // Started, after the office confirms: the old campaign closes.
        let asked = app
            .post_form(
                &format!("/campaigns/{new}/start"),
                Some(&office),
                &format!("csrf={csrf}"),
            )
            .await;
        assert_eq!(asked.status, StatusCode::OK, "{label}: asks first");
        assert_eq!(current_id(&app).await, old, "{label}");
        let closed_before = audited(&app, "campaign.close").await;
        let started = app
            .post_form(
                &format!("/campaigns/{new}/start"),
                Some(&office),
                &format!("csrf={csrf}&confirmed=1"),
            )
            .await;
        assert_eq!(started.status, StatusCode::SEE_OTHER, "{label}");
        assert_eq!(current_id(&app).await, new, "{label}");
        assert_eq!(audited(&app, "campaign.start").await, 1, "{label}");
        assert_eq!(
            audited(&app, "campaign.close").await,
            closed_before + 1,
            "{label}"
        );

        // The rankings are the new campaign's: nothing of the old reviews is in them.
        let ranked = app.get("/scores", Some(&office)).await;
        assert!(
            ranked.body.contains("本考核周期还没有任何得分"),
            "{label}: {}",
            ranked.body
        );
        let old_period = app.get("/scores?period=2011-h1", Some(&office)).await;
        assert!(!old_period.body.contains("某社区第二党支部"), "{label}");
        // The old campaign's rankings are there for whoever picks it, and lead on within it.
        let picked = app
            .get(
                &format!("/scores?campaign={old}&period=2011-h1"),
                Some(&office),
            )
            .await;
        assert_eq!(picked.status, StatusCode::OK, "{label}");
        assert!(picked.body.contains("某社区第二党支部"), "{label}");
        assert!(
            picked.body.contains("id=\"campaign\""),
            "{label}: the picker"
        );
        assert!(
            picked.body.contains(&format!("&amp;campaign={old}")),
            "{label}: links keep the campaign"
        );
        let drill = app
            .get(
                &format!("/scores/s/B2?period=2011-h1&campaign={old}"),
                Some(&office),
            )
            .await;
        assert_eq!(drill.status, StatusCode::OK, "{label}: {}", drill.body);
        // The board shows the campaign in use: the old commitment is not on it …
        let board = app.get("/p/o/B1", None).await;
        assert!(!board.body.contains("my-commitment"), "{label}");
        assert!(board.body.contains("暂无已公开的承诺"), "{label}");
        // … and on the old campaign's board it is, read-only, nothing overdue.
        let old_board = app.get(&format!("/p/o/B1?campaign={old}"), None).await;
        assert!(old_board.body.contains("my-commitment"), "{label}");
        assert!(
            !old_board.body.contains("已逾期"),
            "{label}: over, not overdue"
        );
        assert!(old_board.body.contains("已结束"), "{label}");
        // The signed-in commitment page and her home agree.
        let page = app.get(&path, Some(&member)).await;
        let home = app.get("/", Some(&member)).await;
        assert!(!home.body.contains("承诺事项已逾期未办结"), "{label}");
        assert!(!page.body.contains("已逾期"), "{label}");
        // A draft is not for the public to pick.
        let third = xianfeng_app::campaigns::copy(
            &app.store,
            None,
            "test",
            new,
            &xianfeng_app::campaigns::CopyRequest {
                name: "再下一轮",
                name_en: "",
                code: None,
                shift_years: None,
            },
        )
        .await
        .unwrap();
        let hidden = app.get(&format!("/p/o/B1?campaign={third}"), None).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{label}");

        // The old campaign's notice runs on to its end, on the portal and its own page.
        let portal = app.get("/p/", None).await;
        assert!(
            portal.body.contains(&format!("/p/n/{notice}")),
            "{label}: {}",
            portal.body
        );
        assert_eq!(
            app.get(&format!("/p/n/{notice}"), None).await.status,
            StatusCode::OK
        );
        // The office still finds it among the notices, and handles its objections there.
        let staff_list = app.get("/selection/notices", Some(&office)).await;
        assert!(
            staff_list
                .body
                .contains(&format!("/selection/notices/{notice}")),
            "{label}"
        );
        let staff_page = app
            .get(&format!("/selection/notices/{notice}"), Some(&office))
            .await;
        assert_eq!(
            staff_page.status,
            StatusCode::OK,
            "{label}: {}",
            staff_page.body
        );
        // Its honour roll stays public, beside the new one's; a draft's is not public.
        assert!(portal.body.contains("/p/honours/test-2010"), "{label}");
        assert_eq!(
            app.get("/p/honours/test-2010", None).await.status,
            StatusCode::OK,
            "{label}"
        );
        let third_code = xianfeng_app::campaigns::get(&app.store, third)
            .await
            .unwrap()
            .0
            .code;
        assert_eq!(
            app.get(&format!("/p/honours/{third_code}"), None)
                .await
                .status,
            StatusCode::NOT_FOUND,
            "{label}"
        );

        // Its records take no more reports.
        let member_csrf = app.csrf(&member).await;
        let report = app
            .multipart(
                &format!("{path}/progress"),
                &member,
                &[
                    ("csrf", member_csrf.as_str()),
                    ("item", ""),
                    ("body", "又完成了一项"),
                ],
                &[],
            )
            .await;
        assert_eq!(report.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(report.body.contains("已结束"), "{label}");
    }
}

#[tokio::test]
async fn the_office_copies_edits_and_exports_a_campaign_file_checked_before_it_is_stored() {
    for app in support::apps().await {
        let label = app.label();
        let office = app.sign_in("office").await;
        let csrf = app.csrf(&office).await;
        let list = app.get("/campaigns", Some(&office)).await;
        assert_eq!(list.status, StatusCode::OK, "{label}");
        assert!(list.body.contains("进行中"), "{label}");
        let wang = app.sign_in("wang").await;
        assert_eq!(
            app.get("/campaigns", Some(&wang)).await.status,
            StatusCode::NOT_FOUND
        );
        let builtin = current_id(&app).await;

        // Copied with the defaults: the next three years, a code of its own.
        let copied = app
            .post_form(
                &format!("/campaigns/{builtin}/copy"),
                Some(&office),
                &format!("csrf={csrf}&name={}&shift_years=", enc("创先争优常态化")),
            )
            .await;
        assert_eq!(
            copied.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            copied.body
        );
        let new = copied.location().to_string();
        let file = app.get(&format!("{new}/file"), Some(&office)).await;
        assert_eq!(file.status, StatusCode::OK, "{label}");
        assert!(file.body.contains("code = \"jiaozuo-2013\""), "{label}");
        assert!(file.body.contains("starts_on = \"2013-05-01\""), "{label}");
        assert!(file.body.contains("name = \"2014年上半年\""), "{label}");

        // An edit with a problem: nothing stored, the problem named by its line, the text
        // kept as typed.
        let broken = file.body.replacen("weight = 20", "weight = 25", 1);
        let refused = app
            .post_form(
                &format!("{new}/edit"),
                Some(&office),
                &format!("csrf={csrf}&text={}", enc(&broken)),
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(refused.body.contains("第"), "{label}");
        assert!(
            refused.body.contains("合计为105"),
            "{label}: {}",
            refused.body
        );
        assert!(
            refused.body.contains("weight = 25"),
            "{label}: kept as typed"
        );
        let unchanged = app.get(&format!("{new}/file"), Some(&office)).await;
        assert_eq!(unchanged.body, file.body, "{label}");
        // A good edit is stored and audited.
        let renamed = file.body.replacen(
            "name = \"创先争优常态化\"",
            "name = \"创先争优常态化（2013—2015年）\"",
            1,
        );
        let saved = app
            .post_form(
                &format!("{new}/edit"),
                Some(&office),
                &format!("csrf={csrf}&text={}", enc(&renamed)),
            )
            .await;
        assert_eq!(
            saved.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            saved.body
        );
        let list = app.get("/campaigns", Some(&office)).await;
        assert!(
            list.body.contains("创先争优常态化（2013—2015年）"),
            "{label}"
        );
        assert_eq!(audited(&app, "campaign.edit").await, 1, "{label}");
        // The running campaign's file is not edited: work depends on it.
        let running = app
            .post_form(
                &format!("/campaigns/{builtin}/edit"),
                Some(&office),
                &format!("csrf={csrf}&text={}", enc(&renamed)),
            )
            .await;
        assert_eq!(running.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(running.body.contains("只有草拟中的活动"), "{label}");
        // Closed with none after it: pages stay, records are refused.
        let closed = app
            .post_form(
                &format!("/campaigns/{builtin}/close"),
                Some(&office),
                &format!("csrf={csrf}&confirmed=1"),
            )
            .await;
        assert_eq!(closed.status, StatusCode::SEE_OTHER, "{label}");
        let member = app.sign_in("member").await;
        let member_csrf = app.csrf(&member).await;
        let refused = app
            .post_form(
                "/c",
                Some(&member),
                &support::item_form(&member_csrf, "member", app.b1_member, "late", "1"),
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(refused.body.contains("已结束"), "{label}");
        assert_eq!(app.get("/", Some(&member)).await.status, StatusCode::OK);
    }
}
