//! Members over time through the pages: a secretary adds a member (a bad form comes back
//! with what was typed and the problem in her language), records 转正, is asked before
//! recording a leaving, and sends a member to another branch, whose secretary accepts.

mod support;

use axum::http::StatusCode;
use support::apps;
use xianfeng_testkit::id;

/// Form values go as they are: the form reader takes UTF-8 as typed.
fn encode(s: &str) -> String {
    s.to_string()
}

#[tokio::test]
async fn a_secretary_adds_a_member_and_sends_her_to_the_sibling_branch() {
    for app in apps().await {
        let label = app.label();
        let wang = app.sign_in("wang").await;
        let csrf = app.csrf(&wang).await;
        let form = app.get("/o/B1/members/new", Some(&wang)).await;
        assert_eq!(form.status, StatusCode::OK, "{label}");
        assert!(form.body.contains("添加党员"), "{label}");

        // A mistyped ID number: the form comes back with the name typed and the problem.
        let bad = format!(
            "csrf={csrf}&name={}&id_number=410802199505050041&joined_on=2025-01-10&member_type=probationary",
            encode("赵敏")
        );
        let back = app.post_form("/o/B1/members/new", Some(&wang), &bad).await;
        assert_eq!(back.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(back.body.contains("身份证号："), "{label}: {}", back.body);
        assert!(back.body.contains("value=\"赵敏\""), "{label}");
        assert!(!back.body.contains("field_"), "{label}: no key shown");

        let good = format!(
            "csrf={csrf}&name={}&id_number={}&joined_on=2025-01-10&member_type=probationary",
            encode("赵敏"),
            id("41080219950505004")
        );
        let added = app.post_form("/o/B1/members/new", Some(&wang), &good).await;
        assert_eq!(
            added.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            added.body
        );
        let page_path = added.location().to_string();
        let page = app.get(&page_path, Some(&wang)).await;
        assert!(
            page.body.contains("赵敏") && page.body.contains("转为正式党员"),
            "{label}"
        );
        let member_id: i64 = page_path.trim_start_matches("/m/").parse().unwrap();

        // 转正 on a date after the year of probation.
        let full = app
            .post_form(
                &format!("{page_path}/full"),
                Some(&wang),
                &format!("csrf={csrf}&full_on=2026-01-10"),
            )
            .await;
        assert_eq!(full.status, StatusCode::SEE_OTHER, "{label}");
        let page = app.get(&page_path, Some(&wang)).await;
        assert!(page.body.contains("2026年1月10日转正"), "{label}");

        // Leaving asks first, and changes nothing until confirmed.
        let leave = format!(
            "csrf={csrf}&reason=withdrew&left_on=2026-11-01&note={}",
            encode("本人申请")
        );
        let asked = app
            .post_form(&format!("{page_path}/leave"), Some(&wang), &leave)
            .await;
        assert_eq!(asked.status, StatusCode::OK, "{label}");
        assert!(
            asked.body.contains("不能撤销") && asked.body.contains("退党"),
            "{label}"
        );
        let m = app
            .store
            .registry()
            .member(member_id)
            .await
            .unwrap()
            .unwrap();
        assert!(m.left.is_none(), "{label}");

        // The transfer: started from her page, answered on the receiving side's list.
        let sent = app
            .post_form(
                &format!("{page_path}/transfer"),
                Some(&wang),
                &format!("csrf={csrf}&to=B2&note={}", encode("工作调动")),
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{label}: {}", sent.body);
        let li = app.sign_in("li").await;
        let li_csrf = app.csrf(&li).await;
        let home = app.get("/", Some(&li)).await;
        assert!(home.body.contains("待接收的党员：1名"), "{label}");
        let list = app.get("/transfers", Some(&li)).await;
        assert!(
            list.body.contains("赵敏") && list.body.contains("接收"),
            "{label}"
        );
        let transfer = app
            .store
            .registry()
            .transfers_of_member(member_id)
            .await
            .unwrap()[0]
            .id;
        // The sender cannot accept for the receiver.
        let refused = app
            .post_form(
                &format!("/transfers/{transfer}"),
                Some(&wang),
                &format!("csrf={csrf}&step=accept"),
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{label}");
        let accepted = app
            .post_form(
                &format!("/transfers/{transfer}"),
                Some(&li),
                &format!("csrf={li_csrf}&step=accept"),
            )
            .await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{label}");
        let m = app
            .store
            .registry()
            .member(member_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(m.org_code, "B2", "{label}");
        // Her page is now the receiving secretary's, no longer the sender's.
        assert_eq!(app.get(&page_path, Some(&li)).await.status, StatusCode::OK);
        assert_eq!(
            app.get(&page_path, Some(&wang)).await.status,
            StatusCode::NOT_FOUND,
            "{label}"
        );
        let page = app.get(&page_path, Some(&li)).await;
        assert!(page.body.contains("已接收"), "{label}");
    }
}
