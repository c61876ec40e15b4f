//! Each account's home: the work waiting for it (待办) with links to where it is done, and
//! a menu offering only what its role may do.

mod support;

use axum::http::StatusCode;
use support::{apps, item_form};

fn menu(body: &str) -> &str {
    let start = body.find(r#"<nav class="main">"#).expect("a menu");
    let end = start + body[start..].find("</nav>").expect("the menu ends");
    &body[start..end]
}

#[tokio::test]
async fn the_home_lists_the_work_waiting_and_the_menu_only_what_the_role_may_do() {
    for app in apps().await {
        let label = app.label();
        let member = app.sign_in("member").await;
        let home = app.get("/", Some(&member)).await;
        assert_eq!(home.status, StatusCode::OK, "{label}");
        // Her own commitment is not written yet: the home says so and links to the form.
        assert!(
            home.body.contains("公开承诺待填写：1份"),
            "{label}: {}",
            home.body
        );
        let new_form = format!("/c/new?kind=member&#38;subject={}", app.b1_member);
        assert!(home.body.contains(&new_form), "{label}: {}", home.body);
        // The menu: nothing that would answer "no permission".
        let m = menu(&home.body);
        assert!(m.contains(r#"href="/scores""#), "{label}: {m}");
        for other in ["/import", "/selection", "/eval", "/reviews", "/calendar"] {
            assert!(
                !m.contains(&format!(r#"href="{other}""#)),
                "{label}: {other} in {m}"
            );
        }
        // Typed in by hand, the import form is refused before it is filled in.
        assert_eq!(
            app.get("/import", Some(&member)).await.status,
            StatusCode::FORBIDDEN,
            "{label}"
        );

        // Written and submitted in one go; then it waits on the secretary's home.
        let csrf = app.csrf(&member).await;
        let made = app
            .post_form(
                "/c",
                Some(&member),
                &(item_form(&csrf, "member", app.b1_member, "waiting", "40") + "&then=submit"),
            )
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{label}: {}", made.body);
        let path = made.location().to_string();
        let home = app.get("/", Some(&member)).await;
        assert!(
            !home.body.contains("公开承诺待填写"),
            "{label}: written now"
        );

        let wang = app.sign_in("wang").await;
        let home = app.get("/", Some(&wang)).await;
        assert!(
            home.body.contains("承诺待审核：1份"),
            "{label}: {}",
            home.body
        );
        assert!(home.body.contains(&format!(r#"href="{path}""#)), "{label}");
        let m = menu(&home.body);
        assert!(
            m.contains(r#"href="/import""#) && m.contains(r#"href="/selection""#),
            "{label}: {m}"
        );
        assert!(
            !m.contains(r#"href="/eval""#) && !m.contains(r#"href="/calendar""#),
            "{label}: {m}"
        );
        // The other branch's secretary has nothing of B1's to approve.
        let li = app.sign_in("li").await;
        assert!(
            !app.get("/", Some(&li)).await.body.contains("承诺待审核"),
            "{label}"
        );

        // Approved from the page the home led to: off the list.
        let wang_csrf = app.csrf(&wang).await;
        let approved = app
            .post_form(
                &format!("{path}/step"),
                Some(&wang),
                &format!("csrf={wang_csrf}&step=approve"),
            )
            .await;
        assert_eq!(approved.status, StatusCode::SEE_OTHER, "{label}");
        assert!(
            !app.get("/", Some(&wang)).await.body.contains("承诺待审核"),
            "{label}"
        );

        // The office: periods that have ended wait to be closed; its menu has the calendar.
        let office = app.sign_in("office").await;
        let home = app.get("/", Some(&office)).await;
        assert!(
            home.body.contains("待关闭的考核周期"),
            "{label}: {}",
            home.body
        );
        assert!(menu(&home.body).contains(r#"href="/calendar""#), "{label}");

        // In English, the same home in English only.
        let en = app.get("/lang?to=en&back=/", Some(&office)).await;
        assert_eq!(en.status, StatusCode::SEE_OTHER, "{label}");
        let home = app.get("/", Some(&office)).await;
        assert!(
            home.body
                .contains("Assessment periods ended and not yet closed"),
            "{label}"
        );
        assert!(!home.body.contains("待关闭"), "{label}");
    }
}
