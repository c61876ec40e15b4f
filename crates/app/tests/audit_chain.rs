//! The audit chain against someone who can write the database (issue 15, finding 6): an
//! edit with every hash recomputed is found without the key; a rollback or a rewrite by
//! someone holding the key is found against a checkpoint; a chain from before the key is
//! sealed once.

use sqlx::AnyPool;
use xianfeng_domain::audit::{AuditEntry, ChainKey, Checkpoint, GENESIS};
use xianfeng_storage::{AuditFilter, ChainFault, Store, Vault};
use xianfeng_testkit::{backends, write_audit_entries};

async fn entries(store: &Store) -> Vec<AuditEntry> {
    store
        .audit()
        .entries(&AuditFilter::default())
        .await
        .unwrap()
}

/// Writes `entries` back with their chain recomputed by `hash`, and the head after them,
/// as someone with write access to the database would.
async fn rewrite(
    raw: &AnyPool,
    mut entries: Vec<AuditEntry>,
    hash: impl Fn(&AuditEntry) -> String,
) {
    let mut prev = GENESIS.to_string();
    for e in &mut entries {
        e.prev_hash = prev.clone();
        e.hash = hash(e);
        prev = e.hash.clone();
        sqlx::query("UPDATE audit_log SET actor = $1, prev_hash = $2, hash = $3 WHERE id = $4")
            .bind(&e.actor)
            .bind(&e.prev_hash)
            .bind(&e.hash)
            .bind(e.id)
            .execute(raw)
            .await
            .unwrap();
    }
    sqlx::query("UPDATE audit_head SET last_id = $1, last_hash = $2 WHERE id = 1")
        .bind(entries.len() as i64)
        .bind(prev)
        .execute(raw)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_edit_with_every_hash_recomputed_is_found_without_the_key() {
    for db in backends().await {
        let store = db.open().await;
        write_audit_entries(&store, 1, 4).await;
        let mut forged = entries(&store).await;
        forged[1].actor = "nobody".into();
        let raw = db.raw().await;
        rewrite(&raw, forged.clone(), AuditEntry::legacy_hash).await;
        assert_eq!(
            store.audit().verify().await.unwrap(),
            Err(1),
            "{}",
            db.label
        );
        // Nor does a key of the forger's own choosing help.
        let guess = ChainKey::new(&[0; 32]);
        rewrite(&raw, forged, |e| e.expected_hash(&guess)).await;
        assert_eq!(
            store.audit().verify().await.unwrap(),
            Err(1),
            "{}",
            db.label
        );
    }
}

#[tokio::test]
async fn removing_the_last_entries_is_found_against_a_checkpoint() {
    for db in backends().await {
        let store = db.open().await;
        write_audit_entries(&store, 1, 3).await;
        let checkpoint = store.audit().checkpoint().await.unwrap().unwrap();
        assert_eq!(checkpoint.position, 3);
        let written = Checkpoint::parse(&checkpoint.to_string()).unwrap();
        write_audit_entries(&store, 4, 5).await;
        assert_eq!(store.audit().verify_since(&written).await.unwrap(), Ok(5));

        // Entries 3 to 5 removed and the head rolled back to entry 2: the chain that is
        // left holds, so only the checkpoint tells.
        let raw = db.raw().await;
        let kept = entries(&store).await;
        sqlx::query("DELETE FROM audit_log WHERE id >= 3")
            .execute(&raw)
            .await
            .unwrap();
        sqlx::query("UPDATE audit_head SET last_id = 2, last_hash = $1 WHERE id = 1")
            .bind(&kept[1].hash)
            .execute(&raw)
            .await
            .unwrap();
        assert_eq!(store.audit().verify().await.unwrap(), Ok(2), "{}", db.label);
        assert_eq!(
            store.audit().verify_since(&written).await.unwrap(),
            Err(ChainFault::RolledBack { entries: 2 }),
            "{}",
            db.label
        );
    }
}

#[tokio::test]
async fn a_rewrite_by_the_key_holder_is_found_against_a_checkpoint() {
    for db in backends().await {
        let store = db.open().await;
        write_audit_entries(&store, 1, 3).await;
        let checkpoint = store.audit().checkpoint().await.unwrap().unwrap();
        let mut forged = entries(&store).await;
        forged[1].actor = "nobody".into();
        let vault = Vault::new(db.key);
        rewrite(&db.raw().await, forged, |e| {
            e.expected_hash(vault.chain_key())
        })
        .await;
        assert_eq!(store.audit().verify().await.unwrap(), Ok(3), "{}", db.label);
        assert_eq!(
            store.audit().verify_since(&checkpoint).await.unwrap(),
            Err(ChainFault::Rewritten),
            "{}",
            db.label
        );
        // A checkpoint of the empty chain holds for any chain that has not been replaced
        // wholesale: there is nothing behind it.
        let empty = Checkpoint::of(None);
        assert_eq!(store.audit().verify_since(&empty).await.unwrap(), Ok(3));
    }
}

#[tokio::test]
async fn a_chain_written_before_the_key_is_sealed_once_and_says_whether_it_held() {
    for (tamper, held) in [(false, true), (true, false)] {
        for db in backends().await {
            let store = db.open().await;
            write_audit_entries(&store, 1, 3).await;
            let mut old = entries(&store).await;
            if tamper {
                old[1].actor = "nobody".into();
            }
            // As version 0.13 left it: unkeyed hashes, no seal recorded.
            let raw = db.raw().await;
            rewrite(&raw, old, AuditEntry::legacy_hash).await;
            if tamper {
                // A careless forger edits the row without recomputing anything after it.
                sqlx::query("UPDATE audit_log SET actor = 'office' WHERE id = 2")
                    .execute(&raw)
                    .await
                    .unwrap();
            }
            sqlx::query("DELETE FROM settings WHERE key = 'audit_chain'")
                .execute(&raw)
                .await
                .unwrap();
            store.close().await;

            let store = db.open().await;
            assert_eq!(store.audit().verify().await.unwrap(), Ok(4), "{}", db.label);
            let seal = entries(&store).await.pop().unwrap();
            assert_eq!(seal.action, "audit.seal");
            let record: serde_json::Value = serde_json::from_str(&seal.after).unwrap();
            assert_eq!(record["entries"], 3);
            assert_eq!(record["old_chain_held"], held, "{}", db.label);
            if tamper {
                assert_eq!(record["old_chain_broken_at"], 2);
            }
            store.close().await;
            let store = db.open().await;
            assert_eq!(store.audit().verify().await.unwrap(), Ok(4), "sealed once");
        }
    }
}
