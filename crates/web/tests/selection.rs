//! The selection pages as the accounts use them: the branch secretary nominates from the
//! form, the street committee assesses, approves and recommends, the office approves, puts
//! the candidate on notice, records objections' findings and downloads the forms.

mod support;

use support::enc;

use axum::http::StatusCode;

#[tokio::test]
async fn a_nomination_goes_through_the_pages_of_the_branch_the_committee_and_the_office() {
    for app in support::apps().await {
        let label = app.label();
        support::prepare_selection(&app.store).await;
        let (wang, staff, office) = (
            app.sign_in("wang").await,
            app.sign_in("staff").await,
            app.sign_in("office").await,
        );
        let (wang_csrf, staff_csrf, office_csrf) = (
            app.csrf(&wang).await,
            app.csrf(&staff).await,
            app.csrf(&office).await,
        );

        // The branch secretary opens the form for B1 and picks its member.
        let list = app.get("/selection", Some(&wang)).await;
        assert_eq!(list.status, StatusCode::OK, "{label}");
        assert!(list.body.contains("action=\"/selection/new\""));
        let form = app
            .get("/selection/new?honour=excellent-member&org=B1", Some(&wang))
            .await;
        assert!(
            form.body.contains(support::B1_MEMBER),
            "{label}: {}",
            form.body
        );
        // An honour B1 has nobody for does not end there: it names those it has.
        let nobody = app
            .get(
                "/selection/new?honour=advanced-county-committee&org=B1",
                Some(&wang),
            )
            .await;
        assert_eq!(nobody.status, StatusCode::OK, "{label}");
        assert!(nobody.body.contains("该单位没有可推荐的对象"), "{label}");
        assert!(
            nobody
                .body
                .contains("/selection/new?honour=excellent-member&amp;org=B1"),
            "{label}: {}",
            nobody.body
        );
        let other = app
            .get("/selection/new?honour=excellent-member&org=B2", Some(&wang))
            .await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "B2 is not wang's");
        let nominate = |summary: &str| {
            format!(
                "csrf={wang_csrf}&honour=excellent-member&org=B1&subject={}&deeds={}&summary={}",
                app.b1_member,
                enc("带领志愿服务队服务社区三百余小时。"),
                enc(summary)
            )
        };
        let bad = app
            .post_form("/selection", Some(&wang), &nominate("电话 13800138000"))
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(bad.body.contains("电话"));
        // Back on the form, with the deeds as typed and the candidate still chosen.
        assert!(
            bad.body
                .contains("带领志愿服务队服务社区三百余小时。</textarea>"),
            "{label}: {}",
            bad.body
        );
        assert!(
            bad.body
                .contains(&format!(r#"<option value="{}" selected>"#, app.b1_member)),
            "{label}"
        );
        let made = app
            .post_form("/selection", Some(&wang), &nominate("服务社区三百余小时"))
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{label}: {}", made.body);
        let item = made.location().to_string();
        // It waits on the home of the committee that decides it, linked.
        let staff_home = app.get("/", Some(&staff)).await;
        assert!(
            staff_home.body.contains("推荐对象待考核或审定：1个")
                && staff_home.body.contains(&format!(r#"href="{item}""#)),
            "{label}: {}",
            staff_home.body
        );
        let page = app.get(&item, Some(&wang)).await;
        assert!(page.body.contains("✓"), "eligibility shown: {}", page.body);
        assert!(
            !page.body.contains("name=\"step\" value=\"assess\""),
            "not the branch's"
        );

        // A photo for the account of deeds: the people who may see the nomination see it.
        let photo = support::phone_photo();
        let attached = app
            .multipart(
                &format!("{item}/files"),
                &wang,
                &[("csrf", &wang_csrf)],
                &[("files", "deeds.jpg", &photo)],
            )
            .await;
        assert_eq!(
            attached.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            attached.body
        );
        let page = app.get(&item, Some(&wang)).await;
        let file = page
            .body
            .split("href=\"/files/")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("a file link")
            .to_string();
        let seen = app.get(&format!("/files/{file}"), Some(&office)).await;
        assert_eq!(seen.status, StatusCode::OK, "{label}");
        let li = app.sign_in("li").await;
        let hidden = app.get(&format!("/files/{file}"), Some(&li)).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{label}");

        // The street committee assesses, approves and recommends to the district.
        for (step, note) in [("assess", "考核组实地考核"), ("approve", "工委会议同意")]
        {
            let done = app
                .post_form(
                    &format!("{item}/step"),
                    Some(&staff),
                    &format!("csrf={staff_csrf}&step={step}&note={}", enc(note)),
                )
                .await;
            assert_eq!(
                done.status,
                StatusCode::SEE_OTHER,
                "{label} {step}: {}",
                done.body
            );
        }
        // Below the top only the same honour one level up is offered; the provincial
        // honour is the city's to recommend for.
        let approved = app.get(&item, Some(&staff)).await;
        assert!(
            approved.body.contains("value=\"excellent-member\""),
            "{label}"
        );
        assert!(
            !approved
                .body
                .contains("value=\"province-excellent-member\"")
        );
        let up = app
            .post_form(
                &format!("{item}/recommend"),
                Some(&staff),
                &format!("csrf={staff_csrf}&honour=excellent-member"),
            )
            .await;
        assert_eq!(up.status, StatusCode::SEE_OTHER, "{label}: {}", up.body);
        let upper = up.location().to_string();
        let upper_id = upper.trim_start_matches("/selection/").to_string();
        for (step, note) in [("assess", "区委考核"), ("approve", "区委常委会审定")] {
            let done = app
                .post_form(
                    &format!("{upper}/step"),
                    Some(&office),
                    &format!("csrf={office_csrf}&step={step}&note={}", enc(note)),
                )
                .await;
            assert_eq!(done.status, StatusCode::SEE_OTHER, "{label} {step}");
        }

        let top = app.get(&upper, Some(&office)).await;
        assert!(
            top.body.contains("value=\"province-excellent-member\""),
            "{label}"
        );

        // The office puts the candidate on notice from today.
        let notices = app.get("/selection/notices", Some(&office)).await;
        assert!(
            notices.body.contains(&format!("name=\"n_{upper_id}\"")),
            "{label}: ready"
        );
        let today = chrono::Local::now().date_naive().to_string();
        let published = app
            .post_form(
                "/selection/notices",
                Some(&office),
                &format!(
                    "csrf={office_csrf}&honour=excellent-member&n_{upper_id}=1&title={}&body=&contact={}&starts_on={today}",
                    enc("优秀共产党员拟表彰对象公示"),
                    enc("区委组织部 0391-0000000")
                ),
            )
            .await;
        assert_eq!(
            published.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            published.body
        );
        let admin = published.location().to_string();
        let notice_id = admin.trim_start_matches("/selection/notices/").to_string();

        // An objection from the public page, found untrue by the office.
        let raised = app
            .post_form(
                &format!("/p/n/{notice_id}"),
                None,
                &format!(
                    "nomination={upper_id}&content={}&name={}&contact=139",
                    enc("服务时长有夸大"),
                    enc("赵敏")
                ),
            )
            .await;
        assert_eq!(raised.status, StatusCode::OK, "{label}: {}", raised.body);
        // Received with a reference to quote, which the office's page shows beside it.
        let reference = raised
            .body
            .split("异议编号为 ")
            .nth(1)
            .and_then(|r| r.split('，').next())
            .unwrap_or_default()
            .to_string();
        assert!(
            reference.starts_with(&format!("{notice_id}-")),
            "{label}: {}",
            raised.body
        );
        let handling = app.get(&admin, Some(&office)).await;
        assert!(
            handling.body.contains(&format!("编号 {reference}")),
            "{label}: {reference}"
        );
        assert!(
            handling.body.contains("赵敏"),
            "the office sees who objected"
        );
        // The findings offered are named, not shown as translation keys.
        assert!(
            handling.body.contains(">不属实</option>") && handling.body.contains(">属实</option>"),
            "{label}: {}",
            handling.body
        );
        assert!(!handling.body.contains("web.finding"), "{label}");
        let objection = handling
            .body
            .split("name=\"objection\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap()
            .to_string();
        let secretary_view = app.get(&admin, Some(&wang)).await;
        assert!(
            !secretary_view.body.contains("赵敏"),
            "{label}: nobody else does"
        );
        // The objection waits on the office's home until it has a finding.
        let waiting = |body: &str| body.contains("公示异议待调查核实：1件");
        assert!(waiting(&app.get("/", Some(&office)).await.body), "{label}");
        let found = app
            .post_form(
                &format!("{admin}/findings"),
                Some(&office),
                &format!(
                    "csrf={office_csrf}&objection={objection}&finding=not_upheld&investigation={}",
                    enc("有签到记录为证")
                ),
            )
            .await;
        assert_eq!(
            found.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            found.body
        );
        assert!(!waiting(&app.get("/", Some(&office)).await.body), "{label}");
        // Commending waits for the end of the notice.
        let early = app
            .post_form(
                &format!("{upper}/step"),
                Some(&office),
                &format!(
                    "csrf={office_csrf}&step=commend&document_no={}",
                    enc("焦发〔2012〕15号")
                ),
            )
            .await;
        assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");

        // The forms: the approval form as Word, the list as Excel.
        let docx = app.get(&format!("{upper}/form.docx"), Some(&office)).await;
        assert_eq!(docx.status, StatusCode::OK);
        assert!(
            docx.headers["content-type"]
                .to_str()
                .unwrap()
                .contains("wordprocessingml")
        );
        let xlsx = app.get("/selection/export", Some(&office)).await;
        assert!(
            xlsx.headers["content-type"]
                .to_str()
                .unwrap()
                .contains("spreadsheetml")
        );
        let not_li = app.get(&format!("{upper}/form.docx"), Some(&li)).await;
        assert_eq!(not_li.status, StatusCode::NOT_FOUND, "{label}");
    }
}

#[tokio::test]
async fn the_office_keeps_the_working_day_calendar_and_others_read_it() {
    for app in support::apps().await {
        let label = app.label();
        let (office, wang) = (app.sign_in("office").await, app.sign_in("wang").await);
        let (office_csrf, wang_csrf) = (app.csrf(&office).await, app.csrf(&wang).await);
        // National Day 2011 is built in, with its make-up Saturday.
        let page = app.get("/calendar?year=2011", Some(&wang)).await;
        assert_eq!(page.status, StatusCode::OK, "{label}");
        assert!(page.body.contains("2011-10-08") && page.body.contains("国庆节"));
        assert!(
            !page.body.contains("action=\"/calendar\""),
            "no form for a secretary"
        );
        let refused = app
            .post_form(
                "/calendar",
                Some(&wang),
                &format!("csrf={wang_csrf}&date=2011-10-10&kind=holiday&note=x"),
            )
            .await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{label}");

        // The office sets a local day off, then imports next year's schedule.
        let set = app
            .post_form(
                "/calendar",
                Some(&office),
                &format!(
                    "csrf={office_csrf}&date=2011-10-10&kind=holiday&note={}",
                    enc("本地放假")
                ),
            )
            .await;
        assert_eq!(set.status, StatusCode::SEE_OTHER, "{label}: {}", set.body);
        let page = app.get("/calendar?year=2011", Some(&office)).await;
        assert!(page.body.contains("本地放假") && page.body.contains("action=\"/calendar/unset\""));
        let missing = app.get("/calendar?year=2030", Some(&office)).await;
        assert!(
            missing.body.contains("国务院办公厅"),
            "a year without data says so"
        );
        let bad = "日期,类型,说明\n2030-01-01,放假,元旦\n2030-01-02,也许,\n";
        let refused = app
            .multipart(
                "/calendar/import",
                &office,
                &[("csrf", &office_csrf)],
                &[("file", "2030.csv", bad.as_bytes())],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(refused.body.contains("也许"));
        let good = "日期,类型,说明\n2030-01-01,放假,元旦\n";
        let imported = app
            .multipart(
                "/calendar/import",
                &office,
                &[("csrf", &office_csrf)],
                &[("file", "2030.csv", good.as_bytes())],
            )
            .await;
        assert_eq!(
            imported.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            imported.body
        );
        let page = app.get("/calendar?year=2030", Some(&office)).await;
        assert!(page.body.contains("2030-01-01") && !page.body.contains("国务院办公厅"));
    }
}

#[tokio::test]
async fn the_office_records_a_sanction_on_the_members_page_and_it_bars_nomination() {
    for app in support::apps().await {
        let label = app.label();
        support::prepare_selection(&app.store).await;
        let (office, wang) = (app.sign_in("office").await, app.sign_in("wang").await);
        let (office_csrf, wang_csrf) = (app.csrf(&office).await, app.csrf(&wang).await);
        let member = format!("/m/{}", app.b1_member);
        let secretary_view = app.get(&member, Some(&wang)).await;
        assert!(
            !secretary_view.body.contains("/sanctions"),
            "{label}: the office's"
        );
        let refused = app
            .post_form(
                &format!("{member}/sanctions"),
                Some(&wang),
                &format!(
                    "csrf={wang_csrf}&imposed_on=2011-03-01&kind={}",
                    enc("警告")
                ),
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{label}");
        let unknown = app
            .post_form(
                &format!("{member}/sanctions"),
                Some(&office),
                &format!(
                    "csrf={office_csrf}&imposed_on=2011-03-01&kind={}",
                    enc("处分")
                ),
            )
            .await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let recorded = app
            .post_form(
                &format!("{member}/sanctions"),
                Some(&office),
                &format!(
                    "csrf={office_csrf}&imposed_on=2011-03-01&kind={}&note={}",
                    enc("警告"),
                    enc("纪委决定")
                ),
            )
            .await;
        assert_eq!(
            recorded.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            recorded.body
        );
        let page = app.get(&member, Some(&office)).await;
        assert!(page.body.contains("2011-03-01") && page.body.contains("纪委决定"));
        let form = app
            .post_form(
                "/selection",
                Some(&wang),
                &format!(
                    "csrf={wang_csrf}&honour=excellent-member&org=B1&subject={}&deeds=x&summary=x",
                    app.b1_member
                ),
            )
            .await;
        assert_eq!(form.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(form.body.contains("处分"), "{}", form.body);
    }
}
