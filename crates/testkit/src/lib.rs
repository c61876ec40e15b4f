//! Runs each integration test on every backend: SQLite always, PostgreSQL when
//! `XIANFENG_TEST_PG` names a server (each test gets its own schema there).

use std::sync::atomic::{AtomicU32, Ordering};
use xianfeng_storage::{Store, Vault};

pub struct TestDb {
    pub url: String,
    pub label: &'static str,
    pub key: [u8; 32],
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn open(&self) -> Store {
        Store::open(&self.url, Vault::new(self.key))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", self.label))
    }

    /// A raw connection for tests that tamper with data behind the store's back.
    pub async fn raw(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        let (url, _) = xianfeng_storage::normalise_url(&self.url).unwrap();
        sqlx::AnyPool::connect(&url).await.unwrap()
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub async fn backends() -> Vec<TestDb> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    out.push(TestDb {
        url: format!("sqlite://{}", dir.path().join("t.db").display()),
        label: "sqlite",
        key: [1; 32],
        _dir: Some(dir),
    });
    if let Ok(pg) = std::env::var("XIANFENG_TEST_PG") {
        let schema = format!(
            "xf_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            chrono::Utc::now().timestamp_micros() % 1_000_000
        );
        sqlx::any::install_default_drivers();
        let admin = sqlx::AnyPool::connect(&pg)
            .await
            .expect("XIANFENG_TEST_PG must name a reachable PostgreSQL server");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&admin)
            .await
            .unwrap();
        admin.close().await;
        let sep = if pg.contains('?') { '&' } else { '?' };
        out.push(TestDb {
            url: format!("{pg}{sep}options=-c%20search_path%3D{schema}"),
            label: "postgres",
            key: [1; 32],
            _dir: None,
        });
    }
    out
}

pub fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
}

/// A valid ID number from 17 digits.
pub fn id(first17: &str) -> String {
    format!(
        "{first17}{}",
        xianfeng_domain::idcard::check_char(first17.as_bytes())
    )
}

/// Stores, as the campaign in use, the built-in campaign with simpler rules for outstanding
/// members (formal members without sanctions: no grade or ballots needed), so that a test
/// city of a few members can nominate one.
pub async fn use_simple_selection_campaign(store: &Store) {
    use xianfeng_domain::campaign::{BUILTIN_2010, Campaign};
    let text = BUILTIN_2010
        .replacen("code = \"jiaozuo-2010\"", "code = \"test-2010\"", 1)
        .replacen(
            "eligibility = { formal_members_only = true, no_sanction = true, min_grade = \"good\", min_satisfaction = 0.8 }",
            "eligibility = { formal_members_only = true, no_sanction = true }",
            1,
        );
    let campaign = Campaign::load("test.toml", &text).expect("the variant loads");
    let mut tx = store.begin("test").await.expect("a transaction");
    tx.create_campaign(
        &campaign,
        &text,
        false,
        xianfeng_domain::campaign::CampaignStatus::Running,
    )
    .await
    .expect("stored");
    tx.commit().await.expect("committed");
}

/// Appends audit entries `from..=to` (an organisation created, by `office`), one write
/// transaction each, as tests of the audit chain need.
pub async fn write_audit_entries(store: &Store, from: i64, to: i64) {
    for n in from..=to {
        let mut tx = store.begin("office").await.unwrap();
        let after = format!("支部{n}");
        tx.record(
            "org.create",
            "organisation",
            &format!("C{n}"),
            None::<&()>,
            Some(&after),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
}
