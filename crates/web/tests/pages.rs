//! The signed-in pages as a secretary, an office worker and a new account use them.

mod support;

use axum::http::StatusCode;
use support::{App, B1_MEMBER, B2_MEMBER, apps, csrf_in};

#[tokio::test]
async fn signing_in_and_out_and_the_language_switch() {
    for app in apps().await {
        let label = app.label();
        let anon = app.get("/o/T1", None).await;
        assert_eq!(anon.status, StatusCode::SEE_OTHER, "{label}");
        assert_eq!(anon.location(), "/login");
        let wrong = app
            .post_form("/login", None, "username=wang&password=wrong-Pass-1")
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.cookie().is_none());
        assert!(wrong.body.contains("用户名或密码不正确"), "{}", wrong.body);

        let cookie = app.sign_in("wang").await;
        let home = app.get("/", Some(&cookie)).await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.body.contains("某社区第一党支部"), "{}", home.body);
        assert!(home.body.contains("<html lang=\"zh-CN\">"));

        // English, remembered in the session and sent back to where the reader was.
        let switch = app
            .get("/lang?to=en&back=%2Fsearch%3Fq%3D%E7%AC%AC", Some(&cookie))
            .await;
        assert_eq!(switch.status, StatusCode::SEE_OTHER);
        assert_eq!(switch.location(), "/search?q=%E7%AC%AC");
        let home = app.get("/", Some(&cookie)).await;
        assert!(home.body.contains("<html lang=\"en\">"), "{label}");
        assert!(home.body.contains("Sign out"));

        // Sign-out needs the session's token; without it nothing happens.
        let refused = app.post_form("/logout", Some(&cookie), "csrf=forged").await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(app.get("/", Some(&cookie)).await.status, StatusCode::OK);
        let csrf = app.csrf(&cookie).await;
        let out = app
            .post_form("/logout", Some(&cookie), &format!("csrf={csrf}"))
            .await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.get("/", Some(&cookie)).await.status,
            StatusCode::SEE_OTHER
        );
    }
}

#[tokio::test]
async fn a_form_posted_from_another_site_is_refused_before_anything_happens() {
    for app in apps().await {
        let cookie = app.sign_in("wang").await;
        let csrf = app.csrf(&cookie).await;
        let req = axum::http::Request::post("/logout")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", &cookie)
            .header("origin", "https://evil.example")
            .header("host", "xianfeng.local")
            .body(axum::body::Body::from(format!("csrf={csrf}")))
            .unwrap();
        let a = app.send(req).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", app.label());
        assert_eq!(app.get("/", Some(&cookie)).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_generated_password_must_be_changed_before_anything_else() {
    for app in apps().await {
        let label = app.label();
        let cookie = app.sign_in("fresh").await;
        for path in ["/", "/o/B1", "/import", "/account"] {
            let a = app.get(path, Some(&cookie)).await;
            assert_eq!(a.status, StatusCode::SEE_OTHER, "{label} {path}");
            assert_eq!(a.location(), "/account/password");
        }
        let token = app.token("fresh").await;
        let api = app
            .api("GET", "/api/v1/organisations/B1", Some(&token), None)
            .await;
        assert_eq!(api.status, StatusCode::FORBIDDEN);
        assert_eq!(api.json()["code"], "password_change_required");

        let other = app.sign_in("fresh").await;
        let csrf = app.csrf(&cookie).await;
        let change = |current: &str, new: &str, repeat: &str| {
            format!("csrf={csrf}&current={current}&new={new}&repeat={repeat}")
        };
        for (form, says) in [
            (
                change("Wrong-pass-1", "Better-pass-2", "Better-pass-2"),
                "当前密码不正确",
            ),
            (
                change(support::PASSWORD, "Better-pass-2", "Better-pass-3"),
                "不一致",
            ),
            (change(support::PASSWORD, "short", "short"), "至少8位"),
        ] {
            let a = app
                .post_form("/account/password", Some(&cookie), &form)
                .await;
            assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
            assert!(a.body.contains(says), "{label}: {}", a.body);
        }
        // Still the old password: nothing changed.
        assert_eq!(
            app.get("/", Some(&cookie)).await.location(),
            "/account/password"
        );

        let done = app
            .post_form(
                "/account/password",
                Some(&cookie),
                &change(support::PASSWORD, "Better-pass-2", "Better-pass-2"),
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert_eq!(done.location(), "/account?changed=true");
        let home = app.get("/", Some(&cookie)).await;
        assert_eq!(home.status, StatusCode::OK, "{label}");
        let account = app.get("/account?changed=true", Some(&cookie)).await;
        assert!(account.body.contains("密码已修改"), "{}", account.body);
        assert!(account.body.contains("支部书记"));
        // The other session and the token, opened with the old password, are over.
        assert_eq!(app.get("/", Some(&other)).await.location(), "/login");
        let api = app
            .api("GET", "/api/v1/organisations/B1", Some(&token), None)
            .await;
        assert_eq!(api.status, StatusCode::UNAUTHORIZED);
        let relogin = app
            .post_form("/login", None, "username=fresh&password=Better-pass-2")
            .await;
        assert_eq!(relogin.status, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn the_tree_opens_level_by_level_and_search_stays_in_scope() {
    for app in apps().await {
        let label = app.label();
        let office = app.sign_in("office").await;
        let home = app.get("/", Some(&office)).await;
        assert!(
            home.body.contains("data-children=\"/tree/C1\""),
            "{}",
            home.body
        );
        assert!(home.body.contains("/assets/tree.js"));
        let level = app.get("/tree/T1", Some(&office)).await;
        assert_eq!(level.status, StatusCode::OK);
        assert!(level.body.contains("某社区第一党支部") && level.body.contains("某社区第二党支部"));
        assert!(!level.body.contains("<html"), "a fragment, not a page");
        let script = app.get("/assets/tree.js", None).await;
        assert_eq!(script.status, StatusCode::OK);
        assert!(script.body.contains("/tree/") || script.body.contains("dataset.children"));

        let found = app.get("/search?q=%E7%AC%AC%E4%BA%8C", Some(&office)).await;
        assert!(
            found.body.contains("某社区第二党支部"),
            "{label}: {}",
            found.body
        );
        let by_code = app.get("/search?q=b1", Some(&office)).await;
        assert!(
            by_code.body.contains("某社区第一党支部"),
            "codes ignore case"
        );
        let wildcard = app.get("/search?q=%25", Some(&office)).await;
        assert!(
            wildcard.body.contains("没有找到"),
            "% is a character, not a wildcard"
        );

        // The secretary of B1 finds B1 but not its sibling, however she searches.
        let wang = app.sign_in("wang").await;
        let mine = app.get("/search?q=%E7%A4%BE%E5%8C%BA", Some(&wang)).await;
        assert!(mine.body.contains("某社区第一党支部"), "{label}");
        assert!(!mine.body.contains("某社区第二党支部"), "{label}");
        assert_eq!(
            app.get("/tree/B2", Some(&wang)).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get("/tree/T1", Some(&wang)).await.status,
            StatusCode::NOT_FOUND
        );

        // A sector guide finds the organisations of its sector.
        let guide = app.sign_in("guide").await;
        let school = app.get("/search?q=%E5%AD%A6%E6%A0%A1", Some(&guide)).await;
        assert!(school.body.contains("某学校党支部"), "{label}");
        let other = app.get("/search?q=%E7%A4%BE%E5%8C%BA", Some(&guide)).await;
        assert!(!other.body.contains("某社区"), "{label}");
    }
}

#[tokio::test]
async fn names_are_text_and_personal_data_is_masked() {
    for app in apps().await {
        let office = app.sign_in("office").await;
        let page = app.get("/o/T1", Some(&office)).await;
        assert!(page.body.contains("&#60;script&#62;") || page.body.contains("&lt;script&gt;"));
        assert!(!page.body.contains("<script>alert"));
        let found = app.get("/search?q=script", Some(&office)).await;
        assert!(!found.body.contains("<script>alert"), "{}", found.body);
        let b1 = app.get("/o/B1", Some(&office)).await;
        assert!(b1.body.contains(B1_MEMBER));
        assert!(!b1.body.contains("13800138000") && !b1.body.contains("198001010011"));
        let member = app
            .get(&format!("/m/{}", app.b1_member), Some(&office))
            .await;
        assert_eq!(member.status, StatusCode::OK);
        assert!(member.body.contains("1380***8000"), "{}", member.body);
        assert_eq!(
            app.get("/m/not-a-number", Some(&office)).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn public_pages_need_no_sign_in_and_name_nobody() {
    for app in apps().await {
        let page = app.get("/p/o/T1", None).await;
        assert_eq!(page.status, StatusCode::OK, "{}", app.label());
        assert!(page.body.contains("某街道党工委") && page.body.contains("某社区第一党支部"));
        assert!(!page.body.contains(B1_MEMBER) && !page.body.contains(B2_MEMBER));
        assert_eq!(
            app.get("/p/o/NOPE", None).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(app.get("/p/", None).await.status, StatusCode::OK);
        let unknown = app.get("/no/such/page", None).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        assert!(unknown.body.contains("未找到"));
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern() {
    let config = xianfeng_web::WebConfig {
        metrics_token: Some("scrape-4f9a".into()),
        ..xianfeng_web::WebConfig::default()
    };
    let apps = support::apps_with(config).await;
    let app: &App = &apps[0];
    let office = app.sign_in("office").await;
    app.get("/o/B1", Some(&office)).await;
    // From another machine, without the token (or with a wrong one), it is not there.
    let anyone = app.get("/metrics", None).await;
    assert_eq!(anyone.status, StatusCode::NOT_FOUND);
    assert!(!anyone.body.contains("http_requests_total"));
    let wrong = app.api("GET", "/metrics", Some("scrape-0000"), None).await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    let m = app.api("GET", "/metrics", Some("scrape-4f9a"), None).await;
    assert_eq!(m.status, StatusCode::OK);
    assert!(m.body.contains("http_requests_total"), "{}", m.body);
    assert!(m.body.contains("route=\"/o/{code}\""), "{}", m.body);
    // Durations are histograms, with buckets a cluster's servers can add up.
    assert!(
        m.body.contains("http_request_duration_seconds_bucket{"),
        "{}",
        m.body
    );
    assert!(
        m.body.contains("db_connections_in_use{pool=\"write\"}"),
        "{}",
        m.body
    );
    assert!(
        !m.body.contains("/o/B1"),
        "concrete paths stay out of the metrics"
    );
    assert!(csrf_in("<input name=\"csrf\" value=\"abc\">").as_deref() == Some("abc"));
}

/// A refusal is written in the reader's language alone: Chinese for a Chinese session,
/// English once she switches, never both in one page; its title says what was refused.
#[tokio::test]
async fn a_refusal_is_in_the_readers_language_alone() {
    for app in apps().await {
        let label = app.label();
        let office = app.sign_in("office").await;
        let csrf = app.csrf(&office).await;
        let form = format!("csrf={csrf}&date=2011-13-40&kind=holiday&note=");
        let zh = app.post_form("/calendar", Some(&office), &form).await;
        assert_eq!(zh.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(zh.body.contains("不是日期"), "{label}: {}", zh.body);
        assert!(!zh.body.contains("is not a date"), "{label}: {}", zh.body);
        assert!(
            zh.body.contains("<h1>工作日历未修改</h1>"),
            "{label}: {}",
            zh.body
        );

        app.get("/lang?to=en&back=/", Some(&office)).await;
        let en = app.post_form("/calendar", Some(&office), &form).await;
        assert_eq!(en.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(en.body.contains("is not a date"), "{label}: {}", en.body);
        assert!(!en.body.contains("不是日期"), "{label}: {}", en.body);
        assert!(
            en.body.contains("<h1>The calendar was not changed</h1>"),
            "{label}"
        );
    }
}
