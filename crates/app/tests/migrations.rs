//! Several servers starting at once against one database (issue 22): the first prepares
//! it, the others wait for it and then find nothing to do; a server told not to migrate
//! refuses a database that is behind and starts on one that is ready.

use xianfeng_storage::{Migrations, OpenOptions, Store, Vault};
use xianfeng_testkit::backends;

#[tokio::test]
async fn three_servers_started_at_once_migrate_once() {
    for db in backends().await {
        let open = || Store::open(&db.url, Vault::new(db.key));
        let (a, b, c) = tokio::join!(open(), open(), open());
        let stores: Vec<Store> = [a, b, c]
            .into_iter()
            .map(|s| s.unwrap_or_else(|e| panic!("{}: {e}", db.label)))
            .collect();
        let raw = db.raw().await;
        let applied: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT version, COUNT(*) FROM schema_migrations GROUP BY version ORDER BY version",
        )
        .fetch_all(&raw)
        .await
        .unwrap();
        assert_eq!(
            applied.len() as i64,
            Store::latest_schema_version(),
            "{}",
            db.label
        );
        assert!(applied.iter().all(|(_, n)| *n == 1));
        // The chain was sealed and the key's check value stored.
        let prepared: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM settings WHERE key IN ('audit_chain', 'vault_check')",
        )
        .fetch_one(&raw)
        .await
        .unwrap();
        assert_eq!(prepared, 2, "{}", db.label);
        // The lease was given back: a fourth server does not wait for it to lapse.
        let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM schema_lock")
            .fetch_one(&raw)
            .await
            .unwrap();
        assert_eq!(held, 0, "{}", db.label);
        for s in stores {
            assert_eq!(
                s.schema_version().await.unwrap(),
                Store::latest_schema_version()
            );
            s.close().await;
        }
    }
}

#[tokio::test]
async fn a_server_that_must_not_migrate_refuses_a_database_behind_and_starts_on_a_ready_one() {
    for db in backends().await {
        let expect = OpenOptions {
            migrations: Migrations::Expect,
            ..OpenOptions::default()
        };
        let refused = Store::open_with(&db.url, Vault::new(db.key), expect)
            .await
            .err()
            .unwrap_or_else(|| panic!("{}: a fresh database was taken as ready", db.label));
        let text = refused.to_string();
        assert!(text.contains("migrate"), "{}: {text}", db.label);
        // It changed nothing: the schema is still empty.
        let raw = db.raw().await;
        let versions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM schema_migrations")
            .fetch_one(&raw)
            .await
            .unwrap();
        assert_eq!(versions, 0, "{}", db.label);
        // `xianfeng migrate`, then the server starts.
        db.open().await.close().await;
        let store = Store::open_with(&db.url, Vault::new(db.key), expect)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", db.label));
        assert_eq!(
            store.schema_version().await.unwrap(),
            Store::latest_schema_version()
        );
        // With another key it still refuses, as any server does.
        let wrong = Store::open_with(&db.url, Vault::new([7u8; 32]), expect).await;
        assert!(wrong.is_err(), "{}", db.label);
    }
}
