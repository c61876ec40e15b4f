//! Under serializable isolation (CockroachDB's default; PostgreSQL when configured), writers
//! that meet are refused with a serialization failure and must be run again (issue 22).
//! PostgreSQL only: SQLite has one writer.

use xianfeng_storage::{Store, Vault};
use xianfeng_testkit::backends;

#[tokio::test]
async fn writers_that_meet_under_serializable_isolation_all_get_through() {
    for db in backends().await {
        if db.label != "postgres" {
            continue;
        }
        db.open().await.close().await;
        let url = format!(
            "{}%20-c%20default_transaction_isolation%3Dserializable",
            db.url
        );
        let store = Store::open(&url, Vault::new(db.key)).await.unwrap();
        let isolation: String = {
            let raw = sqlx::AnyPool::connect(&xianfeng_storage::normalise_url(&url).unwrap().0)
                .await
                .unwrap();
            sqlx::query_scalar("SELECT CAST(current_setting('transaction_isolation') AS TEXT)")
                .fetch_one(&raw)
                .await
                .unwrap()
        };
        assert_eq!(isolation, "serializable");
        let writers: Vec<_> = (0..12)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    let mut tx = store.begin("test").await?;
                    // Long enough for the others to queue behind this one.
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    tx.record::<(), _>("test.write", "test", &i.to_string(), None, Some(&i))
                        .await?;
                    tx.commit().await
                })
            })
            .collect();
        for w in writers {
            w.await
                .unwrap()
                .unwrap_or_else(|e| panic!("a writer was refused: {e}"));
        }
        let written = store
            .audit()
            .entries(&xianfeng_storage::AuditFilter {
                since_ms: None,
                limit: 0,
            })
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "test.write")
            .count();
        assert_eq!(written, 12);
        assert!(store.audit().verify().await.unwrap().is_ok());
    }
}
