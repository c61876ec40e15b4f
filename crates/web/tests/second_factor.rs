//! The second factor (issue 15): set up by scanning a QR code and confirming a code; asked
//! for after the password, each code taken once, a recovery code once; required of the
//! office where the installation says so; the API takes the code with the password.

mod support;

use axum::http::StatusCode;
use support::{PASSWORD, apps_with, csrf_in};
use xianfeng_domain::second_factor::OneTimeSecret;
use xianfeng_web::WebConfig;

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The secret as the set-up page shows it for typing by hand.
fn secret_on(page: &str) -> OneTimeSecret {
    let text = page
        .split("class=\"secret\">")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .expect("the key to type by hand");
    OneTimeSecret::from_base32(&text.replace(' ', "")).expect("a base32 key")
}

/// Gives a code for a session that owes one; the answer.
async fn give(app: &support::App, cookie: &str, code: &str) -> support::Answer {
    let page = app.get("/login/second-factor", Some(cookie)).await;
    let csrf = csrf_in(&page.body).expect("the code form");
    app.post_form(
        "/login/second-factor",
        Some(cookie),
        &format!("csrf={csrf}&code={code}"),
    )
    .await
}

#[tokio::test]
async fn the_office_sets_up_its_second_factor_and_signs_in_with_it() {
    let config = WebConfig {
        require_second_factor: true,
        ..WebConfig::default()
    };
    for app in apps_with(config).await {
        let label = app.label();
        // Required of the office: every page leads to the set-up until it is done; a
        // secretary is not asked.
        let office = app.sign_in("office").await;
        let home = app.get("/", Some(&office)).await;
        assert_eq!(home.status, StatusCode::SEE_OTHER, "{label}");
        assert_eq!(home.location(), "/account/second-factor");
        let wang = app.sign_in("wang").await;
        assert_eq!(app.get("/", Some(&wang)).await.status, StatusCode::OK);
        // Nor may its API token be used before.
        let token = app.token("office").await;
        let refused = app.api("GET", "/api/v1/periods", Some(&token), None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        assert_eq!(refused.json()["code"], "second_factor_setup_required");

        let setup = app.get("/account/second-factor", Some(&office)).await;
        assert_eq!(setup.status, StatusCode::OK, "{}", setup.body);
        assert!(setup.body.contains("<svg"), "a QR code to scan");
        let secret = secret_on(&setup.body);
        // The same secret on a reload, until confirmed.
        let again = app.get("/account/second-factor", Some(&office)).await;
        assert_eq!(secret_on(&again.body).to_base32(), secret.to_base32());
        let csrf = csrf_in(&setup.body).unwrap();
        let wrong = app
            .post_form(
                "/account/second-factor",
                Some(&office),
                &format!("csrf={csrf}&code=000000"),
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let first = secret.code_at(now()).unwrap();
        let on = app
            .post_form(
                "/account/second-factor",
                Some(&office),
                &format!("csrf={csrf}&code={first}"),
            )
            .await;
        assert_eq!(on.status, StatusCode::OK, "{}", on.body);
        let recovery: Vec<String> = on
            .body
            .split("<li><code>")
            .skip(1)
            .filter_map(|r| r.split('<').next().map(str::to_string))
            .collect();
        assert_eq!(recovery.len(), 10, "{}", on.body);
        assert_eq!(app.get("/", Some(&office)).await.status, StatusCode::OK);

        // Next time: the password opens a session that owes its code.
        let a = app
            .post_form(
                "/login",
                None,
                &format!("username=office&password={PASSWORD}"),
            )
            .await;
        assert_eq!(a.location(), "/login/second-factor", "{label}");
        let pending = a.cookie().unwrap();
        let home = app.get("/o/C1", Some(&pending)).await;
        assert_eq!(home.location(), "/login/second-factor");
        let page = app.get("/login/second-factor", Some(&pending)).await;
        assert!(
            !page.body.contains("<nav class=\"main\">"),
            "no menu whose every entry would lead back here"
        );
        // The code that switched it on was taken: it does not open a session again.
        let replay = give(&app, &pending, &first).await;
        assert_eq!(
            replay.status,
            StatusCode::UNAUTHORIZED,
            "{label}: {}",
            replay.body
        );
        // A recovery code does, once.
        let code = recovery[0].to_lowercase();
        let ok = give(&app, &pending, &code).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        assert_eq!(
            app.get("/o/C1", Some(&pending)).await.status,
            StatusCode::OK
        );
        let a = app
            .post_form(
                "/login",
                None,
                &format!("username=office&password={PASSWORD}"),
            )
            .await;
        let second = a.cookie().unwrap();
        let reused = give(&app, &second, &code).await;
        assert_eq!(reused.status, StatusCode::UNAUTHORIZED, "{label}");
        // A pending session's cookie is no key to the API either.
        let token = second.trim_start_matches("xf_session=").to_string();
        let api = app.api("GET", "/api/v1/periods", Some(&token), None).await;
        assert_eq!(api.status, StatusCode::UNAUTHORIZED);
        assert_eq!(api.json()["code"], "second_factor_required");

        // The API takes the code with the password.
        let app = &app;
        let login = |code: Option<String>| {
            let body = match code {
                Some(c) => {
                    format!(r#"{{"username":"office","password":"{PASSWORD}","code":"{c}"}}"#)
                }
                None => format!(r#"{{"username":"office","password":"{PASSWORD}"}}"#),
            };
            async move { app.api("POST", "/api/v1/login", None, Some(&body)).await }
        };
        let without = login(None).await;
        assert_eq!(without.status, StatusCode::UNAUTHORIZED);
        assert_eq!(without.json()["code"], "second_factor_required");
        let with = login(Some(recovery[1].clone())).await;
        assert_eq!(with.status, StatusCode::OK, "{}", with.body);
        let token = with.json()["token"].as_str().unwrap().to_string();
        let periods = app.api("GET", "/api/v1/periods", Some(&token), None).await;
        assert_eq!(periods.status, StatusCode::OK, "{label}");

        // A lost phone: the administrator resets it; every session ends, and the office
        // is asked to set it up again.
        xianfeng_app::accounts::reset_second_factor(&app.store, "cli", "office")
            .await
            .unwrap();
        assert_eq!(app.get("/", Some(&pending)).await.location(), "/login");
        let again = app.sign_in("office").await;
        assert_eq!(
            app.get("/", Some(&again)).await.location(),
            "/account/second-factor"
        );
        let trail = app
            .store
            .audit()
            .entries(&xianfeng_storage::AuditFilter::default())
            .await
            .unwrap();
        assert_eq!(
            trail
                .iter()
                .filter(|e| e.action == "user.second_factor")
                .count(),
            2,
            "switched on and reset, both in the audit trail"
        );
    }
}
