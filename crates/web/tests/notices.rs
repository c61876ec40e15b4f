//! Public notices and the honour roll as the public sees them: candidates by name, unit and
//! summary (never an ID number or phone), objections taken while the notice runs (a real
//! name where the honour asks, a few an hour), none after it ends, and the commended on the
//! roll with a printable certificate.

mod support;

use axum::http::StatusCode;
use xianfeng_app::selection::{StepInput, step};
use xianfeng_domain::selection::Step;

#[tokio::test]
async fn a_running_notice_takes_objections_and_an_ended_one_leads_to_the_roll() {
    for app in support::apps().await {
        let label = app.label();
        let s = &app.store;
        let (_, running) = support::b1_member_on_notice(&app).await;

        // The public entry page leads to the running notice and to the roll.
        let entry = app.get("/p/", None).await;
        assert!(entry.body.contains(&format!("/p/n/{running}")), "{label}");
        assert!(entry.body.contains("/p/honours/test-2010"));
        let page = app.get(&format!("/p/n/{running}"), None).await;
        assert_eq!(page.status, StatusCode::OK, "{label}");
        assert!(page.body.contains(support::B1_MEMBER), "{label}");
        assert!(page.body.contains("某社区第一党支部"));
        assert!(page.body.contains("服务社区三百余小时"));
        assert!(!page.body.contains("13800138000") && !page.body.contains("410802"));
        assert!(page.body.contains("name=\"content\""), "the form is open");
        let nomination = page
            .body
            .split("name=\"nomination\"")
            .nth(1)
            .and_then(|rest| rest.split("value=\"").nth(1))
            .and_then(|v| v.split('"').next())
            .unwrap()
            .to_string();

        // Outstanding members' notices take objections under a real name only.
        let form = |name: &str| {
            format!(
                "nomination={nomination}&content=%E6%9C%8D%E5%8A%A1%E6%97%B6%E9%95%BF%E5%A4%B8%E5%A4%A7&name={name}&contact=139"
            )
        };
        let anonymous = app
            .post_form(&format!("/p/n/{running}"), None, &form(""))
            .await;
        assert_eq!(
            anonymous.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{label}"
        );
        assert!(anonymous.body.contains("姓名"), "{}", anonymous.body);
        assert!(anonymous.body.contains("夸大"), "what was typed comes back");
        for _ in 0..3 {
            let ok = app
                .post_form(&format!("/p/n/{running}"), None, &form("%E8%B5%B5"))
                .await;
            assert_eq!(ok.status, StatusCode::OK, "{label}: {}", ok.body);
            assert!(ok.body.contains("已收到"));
        }
        let flood = app
            .post_form(&format!("/p/n/{running}"), None, &form("%E8%B5%B5"))
            .await;
        assert_eq!(flood.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert_eq!(
            s.selection().objections(running).await.unwrap().len(),
            3,
            "{label}"
        );
        let scripted = app
            .post_form(
                &format!("/p/n/{running}"),
                None,
                &format!(
                    "nomination={nomination}&content=%3Cscript%3Ex%3C%2Fscript%3E&name=a&contact=b"
                ),
            )
            .await;
        assert_eq!(scripted.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            !scripted.body.contains("<script>x"),
            "never echoed as markup"
        );

        // Unknown notices and campaigns are not found; nobody is on the roll yet.
        let missing = app.get("/p/n/999999", None).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        let roll = app.get("/p/honours/test-2010", None).await;
        assert_eq!(roll.status, StatusCode::OK);
        assert!(
            !roll.body.contains(support::B1_MEMBER),
            "nobody commended yet"
        );
        let unknown = app.get("/p/honours/nope", None).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn the_commended_are_on_the_roll_with_a_certificate() {
    for app in support::apps().await {
        let label = app.label();
        let s = &app.store;
        support::prepare_selection(s).await;
        let starts = chrono::NaiveDate::from_ymd_opt(2012, 7, 2).unwrap();
        let (up, notice) = support::member_on_notice(s, app.b1_member, "B1", starts).await;
        let ended = app.get(&format!("/p/n/{notice}"), None).await;
        assert!(ended.body.contains("2012-07-06"), "{label}");
        assert!(
            !ended.body.contains("name=\"content\""),
            "no form after the end"
        );
        let late = app
            .post_form(
                &format!("/p/n/{notice}"),
                None,
                &format!("nomination={up}&content=x&name=a&contact=b"),
            )
            .await;
        assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(late.body.contains("2012-07-06"));
        let commend = StepInput {
            document_no: "焦发〔2012〕15号".into(),
            commended_on: chrono::NaiveDate::from_ymd_opt(2012, 7, 10),
            ..Default::default()
        };
        step(
            s,
            None,
            up,
            Step::Commend,
            &commend,
            chrono::NaiveDate::from_ymd_opt(2012, 7, 10).unwrap(),
        )
        .await
        .unwrap();
        let roll = app.get("/p/honours/test-2010", None).await;
        assert!(roll.body.contains(support::B1_MEMBER), "{label}");
        assert!(roll.body.contains("优秀共产党员"));
        assert!(roll.body.contains("焦发〔2012〕15号"));
        let b2 = app.get("/p/honours/test-2010?org=B2", None).await;
        assert!(!b2.body.contains(support::B1_MEMBER), "{label}: B2's roll");
        let xlsx = app
            .get("/p/honours/test-2010?org=B1&format=xlsx", None)
            .await;
        assert!(
            xlsx.headers["content-type"]
                .to_str()
                .unwrap()
                .contains("spreadsheetml")
        );
        assert!(xlsx.body.starts_with("PK"), "an .xlsx is a zip");
        let cert = app.get(&format!("/p/honours/test-2010/{up}"), None).await;
        assert_eq!(cert.status, StatusCode::OK);
        assert!(cert.body.contains("荣誉证书") && cert.body.contains(support::B1_MEMBER));
        assert!(
            cert.body.contains("2012年7月10日"),
            "a date written out on a certificate"
        );
        let other = app.get("/p/honours/test-2010/999999", None).await;
        assert_eq!(other.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn a_candidate_sanctioned_during_the_notice_is_not_commended_and_a_withdrawn_one_leaves_it() {
    for app in support::apps().await {
        let label = app.label();
        let s = &app.store;
        support::prepare_selection(s).await;
        let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2012, 7, d).unwrap();
        let (up, notice) = support::member_on_notice(s, app.b1_member, "B1", day(2)).await;
        // A sanction recorded during the notice stops the commendation.
        let mut tx = s.begin("test").await.unwrap();
        tx.add_sanction(app.b1_member, "2012-07-04", "警告", "")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let commend = StepInput {
            document_no: "焦发〔2012〕15号".into(),
            commended_on: Some(day(10)),
            ..Default::default()
        };
        let refused = step(s, None, up, Step::Commend, &commend, day(10)).await;
        let Err(xianfeng_app::AppError::Input(why)) = refused else {
            panic!("{label}: commended despite the sanction");
        };
        assert!(
            why.render(xianfeng_domain::i18n::Lang::ZhCn)
                .contains("处分"),
            "{why:?}"
        );
        // Withdrawn, the candidate leaves the public notice and takes no objection.
        let reason = StepInput {
            note: "本人谦让".into(),
            ..Default::default()
        };
        step(s, None, up, Step::Withdraw, &reason, day(10))
            .await
            .unwrap();
        let page = app.get(&format!("/p/n/{notice}"), None).await;
        assert!(!page.body.contains(support::B1_MEMBER), "{label}");
        let objection = app
            .post_form(
                &format!("/p/n/{notice}"),
                None,
                &format!("nomination={up}&content=x&name=a&contact=b"),
            )
            .await;
        assert_eq!(objection.status, StatusCode::NOT_FOUND, "{label}");
    }
}
