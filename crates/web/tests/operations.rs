//! What an operator and a balancer rely on (issue 22): `/readyz` says whether the database
//! answers; every answer carries a request id that the log lines about it carry too.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use support::apps;

#[tokio::test]
async fn readyz_answers_ready_while_the_database_does_and_503_when_it_does_not() {
    for app in apps().await {
        let ready = app.get("/readyz", None).await;
        assert_eq!(ready.status, StatusCode::OK, "{}", app.label());
        assert_eq!(ready.body, "ready");
        // /healthz says only that the process is up; /readyz asks the database.
        app.store.close().await;
        let down = app.get("/readyz", None).await;
        assert_eq!(
            down.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            app.label()
        );
        assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn every_answer_carries_a_request_id_and_a_sane_one_sent_in_is_kept() {
    for app in apps().await {
        let id = |a: &support::Answer| {
            a.headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
                .unwrap_or_default()
        };
        let one = app.get("/login", None).await;
        let two = app.get("/no-such-page", None).await;
        assert!(
            !id(&one).is_empty() && !id(&two).is_empty(),
            "{}",
            app.label()
        );
        assert_ne!(id(&one), id(&two));
        let sent = |value: &str| {
            Request::get("/healthz")
                .header("x-request-id", value)
                .body(Body::empty())
                .unwrap()
        };
        let kept = app.send(sent("nginx-7f3a9c")).await;
        assert_eq!(id(&kept), "nginx-7f3a9c");
        let replaced = app.send(sent("a b <script>")).await;
        assert!(!id(&replaced).is_empty() && !id(&replaced).contains(' '));
    }
}

#[tokio::test]
async fn metrics_on_their_own_address_need_no_token_and_serve_nothing_else() {
    use tower::ServiceExt;
    let app = &apps().await[0];
    let (_, apart) = xianfeng_web::routers(app.store.clone(), xianfeng_web::WebConfig::default());
    let get = |path: &str| Request::get(path).body(Body::empty()).unwrap();
    let m = apart.clone().oneshot(get("/metrics")).await.unwrap();
    assert_eq!(m.status(), StatusCode::OK);
    assert!(m.headers().contains_key("x-request-id"));
    let other = apart.oneshot(get("/login")).await.unwrap();
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
}
