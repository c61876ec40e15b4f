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
        let refused = Store::open_with(&db.url, Vault::new(db.key), expect.clone())
            .await
            .err()
            .unwrap_or_else(|| panic!("{}: a fresh database was taken as ready", db.label));
        let text = refused.to_string();
        assert!(text.contains("migrate"), "{}: {text}", db.label);
        // It changed nothing: not even the table of migrations was made.
        let raw = db.raw().await;
        let versions = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM schema_migrations")
            .fetch_one(&raw)
            .await;
        assert!(versions.is_err(), "{}: {versions:?}", db.label);
        // `xianfeng migrate`, then the server starts.
        db.open().await.close().await;
        let store = Store::open_with(&db.url, Vault::new(db.key), expect.clone())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", db.label));
        assert_eq!(
            store.schema_version().await.unwrap(),
            Store::latest_schema_version()
        );
        // With another key it still refuses, as any server does.
        let wrong = Store::open_with(&db.url, Vault::new([7u8; 32]), expect.clone()).await;
        assert!(wrong.is_err(), "{}", db.label);
    }
}

#[tokio::test]
async fn a_database_migrated_with_an_earlier_text_of_a_migration_opens_and_an_edited_one_does_not()
{
    for db in backends().await {
        db.open().await.close().await;
        let raw = db.raw().await;
        let current: String =
            sqlx::query_scalar("SELECT checksum FROM schema_migrations WHERE version = 1")
                .fetch_one(&raw)
                .await
                .unwrap();
        // PostgreSQL's first migration as it was before its columns lost `COLLATE "C"`.
        let earlier = "41c0517768fcb2e1c85d162fa7278992bdb1f69d2e3c52ea9920235e79abb463";
        sqlx::query("UPDATE schema_migrations SET checksum = $1 WHERE version = 1")
            .bind(earlier)
            .execute(&raw)
            .await
            .unwrap();
        db.open().await.close().await;
        let now: String =
            sqlx::query_scalar("SELECT checksum FROM schema_migrations WHERE version = 1")
                .fetch_one(&raw)
                .await
                .unwrap();
        assert_eq!(
            now, current,
            "{}: the earlier form is recorded as the current one",
            db.label
        );
        sqlx::query("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1")
            .execute(&raw)
            .await
            .unwrap();
        let refused = Store::open(&db.url, Vault::new(db.key)).await;
        assert!(
            refused.is_err_and(|e| e.to_string().contains("differs")),
            "{}",
            db.label
        );
    }
}

/// A PostgreSQL database that sorts text by a locale's rules would put organisation paths
/// in the wrong order for the subtree scans: the store refuses it, saying how to create
/// one that sorts bytewise, instead of answering queries wrongly.
#[tokio::test]
async fn a_postgres_database_that_sorts_by_locale_is_refused() {
    let Ok(url) = std::env::var("XIANFENG_TEST_PG") else {
        return;
    };
    let name = format!("xf_icu_{}", std::process::id());
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE {name} LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8' \
         TEMPLATE template0"
    )))
    .execute(&admin)
    .await
    .unwrap();
    let (base, _) = url.rsplit_once('/').unwrap();
    let refused = Store::open(&format!("{base}/{name}"), Vault::new([3u8; 32])).await;
    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {name} WITH (FORCE)"
    )))
    .execute(&admin)
    .await;
    let e = refused
        .err()
        .expect("a database sorting by locale is refused");
    let text = e.to_string();
    assert!(text.contains("LC_COLLATE 'C'"), "{text}");
}

/// A PostgreSQL database migrated before the score facts moved into the write path still
/// has migration 0009's triggers, which would now count everything twice: the store drops
/// them when it prepares the database.
#[tokio::test]
async fn the_score_facts_triggers_of_an_older_postgres_database_are_dropped() {
    for db in backends().await {
        if db.label != "postgres" {
            continue;
        }
        db.open().await.close().await;
        let raw = db.raw().await;
        sqlx::raw_sql(
            "CREATE FUNCTION score_facts_review() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN RETURN NULL; END $$; \
             CREATE TRIGGER score_facts_review AFTER INSERT OR UPDATE OR DELETE ON reviews \
             FOR EACH ROW EXECUTE FUNCTION score_facts_review();",
        )
        .execute(&raw)
        .await
        .unwrap();
        let count = || async {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM pg_trigger WHERE tgrelid = 'reviews'::regclass \
                 AND tgname LIKE 'score_facts%'",
            )
            .fetch_one(&raw)
            .await
            .unwrap()
        };
        assert_eq!(count().await, 1);
        db.open().await.close().await;
        assert_eq!(count().await, 0, "the trigger is gone");
    }
}
