//! Backup and restore of a SQLite installation (issue 15): a copy taken while the store is
//! open; a restore that refuses the wrong key and an altered backup and changes nothing
//! then, and otherwise puts the backup in place and keeps what it replaced.

use xianfeng_app::backup::{backup, restore};
use xianfeng_storage::{AuditFilter, Store};
use xianfeng_testkit::{backends, write_audit_entries};

async fn entries(url: &str, key: [u8; 32]) -> i64 {
    let store = Store::open(url, xianfeng_storage::Vault::new(key))
        .await
        .unwrap();
    let n = store.audit().verify().await.unwrap().unwrap();
    store.close().await;
    n
}

#[tokio::test]
async fn a_backup_is_restored_only_with_its_key_and_an_intact_trail() {
    let db = backends().await.remove(0);
    let store = db.open().await;
    write_audit_entries(&store, 1, 3).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.db");
    let copied = backup(&store, &file).await.unwrap();
    assert_eq!(copied.entries, 3);
    assert_eq!(copied.checkpoint.position, 3);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the backup is its owner's only: {mode:o}");
    }
    // A backup never overwrites a file.
    assert!(backup(&store, &file).await.is_err());
    // Work goes on after the backup, then the database is lost to a mistake.
    write_audit_entries(&store, 4, 6).await;
    store.close().await;
    assert_eq!(entries(&db.url, db.key).await, 6);

    // The wrong key: refused, nothing replaced.
    let wrong = restore(&file, &db.url, [9; 32]).await.unwrap_err();
    assert!(
        format!("{wrong:?}").contains("restore_wrong_key"),
        "{wrong:?}"
    );
    assert_eq!(entries(&db.url, db.key).await, 6);

    // An altered backup: refused, nothing replaced.
    let altered = dir.path().join("altered.db");
    std::fs::copy(&file, &altered).unwrap();
    {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&format!("sqlite://{}", altered.display()))
            .await
            .unwrap();
        sqlx::query("UPDATE audit_log SET actor = 'nobody' WHERE id = 2")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    let broken = restore(&altered, &db.url, db.key).await.unwrap_err();
    assert!(
        format!("{broken:?}").contains("restore_chain_broken"),
        "{broken:?}"
    );
    assert_eq!(entries(&db.url, db.key).await, 6);

    // The real thing: the backup is in place, the replaced database kept beside it.
    let done = restore(&file, &db.url, db.key).await.unwrap();
    assert_eq!(done.entries, 3);
    assert_eq!(done.checkpoint, copied.checkpoint);
    assert_eq!(entries(&db.url, db.key).await, 3);
    let aside = done.kept_aside.unwrap();
    assert_eq!(
        entries(&format!("sqlite://{}", aside.display()), db.key).await,
        6,
        "what was replaced is kept"
    );
    let store = db.open().await;
    let trail = store
        .audit()
        .entries(&AuditFilter::default())
        .await
        .unwrap();
    assert_eq!(trail.last().unwrap().entity_key, "C3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_work_goes_on_is_of_one_moment() {
    let db = backends().await.remove(0);
    let store = db.open().await;
    write_audit_entries(&store, 1, 5).await;
    let writer = {
        let store = store.clone();
        tokio::spawn(async move { write_audit_entries(&store, 6, 300).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("live.db");
    // The copy's own chain is verified end to end, head included: a copy caught between
    // an entry and the head that points to it would not pass.
    let copied = backup(&store, &file).await.unwrap();
    writer.await.unwrap();
    assert!((5..=300).contains(&copied.entries), "{}", copied.entries);
    assert_eq!(store.audit().verify().await.unwrap(), Ok(300));
}
