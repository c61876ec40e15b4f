//! Reads sent to a hot standby (`--read-db`, issue 22). The "standby" here is a second
//! PostgreSQL schema holding other names, so that the test sees where each read went:
//! public pages read from it, and a browser that just changed something reads from the
//! primary.

mod support;

use axum::http::StatusCode;
use xianfeng_storage::{OpenOptions, Store, Vault};
use xianfeng_testkit::backends;

#[tokio::test]
async fn public_pages_read_from_the_standby_and_a_writer_reads_her_own_writes() {
    let Some(primary) = support::apps()
        .await
        .into_iter()
        .find(|a| a.label() == "postgres")
    else {
        return;
    };
    // The "standby": another schema whose branches have other names.
    let other = backends().await.pop().unwrap();
    let copy = other.open().await;
    xianfeng_app::init::init(&copy, Some(support::PASSWORD), false, &xianfeng_app::Silent)
        .await
        .unwrap();
    let orgs = "组织编码,组织名称,上级组织编码,组织类别\nC1,备库区委员会,,县(市、区)委\nB1,备库第一党支部,C1,党支部\n";
    let opts = xianfeng_app::import::ImportOptions {
        mode: xianfeng_app::import::ImportMode::Commit,
        skip_bad: false,
        actor: "test".into(),
        today: xianfeng_testkit::today(),
        on_behalf: None,
    };
    let reader = xianfeng_ingest::from_csv_bytes(orgs.as_bytes().to_vec()).unwrap();
    xianfeng_app::import::import_orgs(&copy, reader, &opts, &xianfeng_app::Silent)
        .await
        .unwrap();
    let store = Store::open_with(
        &primary.db.url,
        Vault::new(primary.db.key),
        OpenOptions {
            read_url: Some(other.url.clone()),
            ..OpenOptions::default()
        },
    )
    .await
    .unwrap();
    assert!(store.has_standby());
    let app = support::App {
        router: xianfeng_web::router(store.clone(), xianfeng_web::WebConfig::default()),
        store,
        b1_member: primary.b1_member,
        db: primary.db,
    };
    let find = "/p/find?q=%E7%AC%AC%E4%B8%80%E5%85%9A%E6%94%AF%E9%83%A8"; // 第一党支部
    let anyone = app.get(find, None).await;
    assert_eq!(anyone.status, StatusCode::OK);
    assert!(anyone.body.contains("备库第一党支部"), "{}", anyone.body);
    assert!(!anyone.body.contains("某社区第一党支部"));
    // Signing in changes data: the answer marks the browser, whose reads then stay on the
    // primary for a while.
    let signed_in = app
        .post_form(
            "/login",
            None,
            &format!("username=office&password={}", support::PASSWORD),
        )
        .await;
    let mark = signed_in
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("xf_wrote="))
        .and_then(|c| c.split(';').next())
        .expect("a change marks the browser")
        .to_string();
    let writer = app.get(find, Some(&mark)).await;
    assert!(writer.body.contains("某社区第一党支部"), "{}", writer.body);
    assert!(!writer.body.contains("备库第一党支部"));
    // A mark from long ago reads from the standby again.
    let old = app.get(find, Some("xf_wrote=1000")).await;
    assert!(old.body.contains("备库第一党支部"));
}

#[tokio::test]
async fn a_standby_for_a_sqlite_database_is_refused() {
    let db = backends().await.remove(0);
    let refused = Store::open_with(
        &db.url,
        Vault::new(db.key),
        OpenOptions {
            read_url: Some("postgres://nowhere/x".into()),
            ..OpenOptions::default()
        },
    )
    .await;
    assert!(refused.is_err_and(|e| e.to_string().contains("PostgreSQL only")));
}
