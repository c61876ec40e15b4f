//! The security headers on every answer, and what changes behind TLS.

mod support;

use axum::http::{StatusCode, header};
use support::{PASSWORD, apps, apps_with};
use xianfeng_web::WebConfig;

fn value(h: &axum::http::HeaderMap, name: header::HeaderName) -> &str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

#[tokio::test]
async fn pages_files_and_errors_carry_the_security_headers() {
    let app = apps().await.remove(0);
    let cookie = app.sign_in("wang").await;
    for (path, who) in [
        ("/login", None),
        ("/", Some(cookie.as_str())),
        ("/p/", None),
        ("/assets/site.css", None),
        ("/no-such-page", None),
        ("/api/v1/organisations/T1", None),
    ] {
        let a = app.get(path, who).await;
        let csp = value(&a.headers, header::CONTENT_SECURITY_POLICY);
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp:?}"
        );
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(
            value(&a.headers, header::X_CONTENT_TYPE_OPTIONS),
            "nosniff",
            "{path}"
        );
        assert_eq!(value(&a.headers, header::X_FRAME_OPTIONS), "DENY", "{path}");
        assert_eq!(
            value(&a.headers, header::REFERRER_POLICY),
            "same-origin",
            "{path}"
        );
        // Without TLS configured, nothing pins the browser to HTTPS.
        assert!(
            a.headers.get(header::STRICT_TRANSPORT_SECURITY).is_none(),
            "{path}"
        );
    }
}

#[tokio::test]
async fn behind_tls_the_browser_keeps_to_https_and_cookies_are_secure() {
    let config = WebConfig {
        public_url: Some("https://cxzy.example.gov".into()),
        ..WebConfig::default()
    };
    let app = apps_with(config).await.remove(0);
    let a = app
        .post_form(
            "/login",
            None,
            &format!("username=wang&password={PASSWORD}"),
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    assert!(
        value(&a.headers, header::STRICT_TRANSPORT_SECURITY).starts_with("max-age="),
        "{:?}",
        a.headers
    );
    let cookies: Vec<&str> = a
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert!(!cookies.is_empty());
    for c in cookies {
        assert!(c.ends_with("; Secure"), "{c}");
    }
}

/// The pages keep to the policy: no inline style or script for the browser to refuse.
#[test]
fn no_template_uses_inline_style_or_script() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for banned in [
            " style=",
            "<style",
            "<script>",
            " onclick=",
            " onchange=",
            " onsubmit=",
            "javascript:",
        ] {
            assert!(!text.contains(banned), "{}: {banned}", path.display());
        }
    }
}

#[tokio::test]
async fn the_icon_is_served_and_files_are_compressed_but_pages_are_not() {
    use axum::body::Body;
    use axum::http::Request;
    let app = apps().await.remove(0);
    let icon = app.get("/favicon.ico", None).await;
    assert_eq!(icon.status, StatusCode::OK);
    assert_eq!(value(&icon.headers, header::CONTENT_TYPE), "image/svg+xml");
    let gzip = |path: &str| {
        Request::get(path)
            .header(header::ACCEPT_ENCODING, "gzip")
            .body(Body::empty())
            .unwrap()
    };
    let plain = app.get("/assets/site.css", None).await;
    let css = app.send(gzip("/assets/site.css")).await;
    assert_eq!(value(&css.headers, header::CONTENT_ENCODING), "gzip");
    // Read as text, each byte of the gzip stream is at most one character.
    let compressed = css.body.chars().count();
    assert!(
        compressed * 2 < plain.body.len(),
        "{compressed} bytes compressed, {} plain",
        plain.body.len()
    );
    // A page with a CSRF token is never compressed (BREACH).
    let page = app.send(gzip("/login")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.headers.get(header::CONTENT_ENCODING).is_none());
}
