//! What xianfeng leaves on disk can be read by its owner only: a stolen or shared copy of
//! the database file must not be one `cat` away from every member's personal data.

#[cfg(unix)]
#[tokio::test]
async fn the_database_its_journal_and_the_key_are_the_owners_alone() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("city.db");
    let key = dir.path().join("city.key");
    let store = xianfeng_app::open::open_store(db.to_str().unwrap(), &key, true)
        .await
        .unwrap();
    xianfeng_app::init::init(&store, Some("Test-pass-1"), false, &xianfeng_app::Silent)
        .await
        .unwrap();
    let mut seen = 0;
    for name in ["city.db", "city.db-wal", "city.db-shm", "city.key"] {
        let path = dir.path().join(name);
        if !path.exists() {
            continue;
        }
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{name} is {mode:o}");
        seen += 1;
    }
    assert!(seen >= 3, "the database, its journal and the key: {seen}");
    store.close().await;
}
