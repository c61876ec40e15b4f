//! Sealing (封存): the pending audit entries of committed write transactions, numbered,
//! hashed into the chain and moved to `audit_log` — the one place that holds the chain's
//! head, and only for as long as it takes to append (decision 131).
//!
//! A write transaction no longer holds the head while it works: it writes its entries to
//! `audit_pending` with its change, and after its commit seals them in a short transaction
//! of its own. Every server also seals once a second, so that entries of a server that died
//! between its commit and its seal are sealed by another. Sealers take turns on the head's
//! row; one finds what the others committed, so a waiting sealer often finds nothing left.
//! On SQLite, with one writer, a transaction seals its own entries before it commits.

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};

use sqlx::{Any, AnyPool, AssertSqlSafe, Transaction};
use xianfeng_domain::audit::{AuditEntry, ChainKey};

use crate::{Dialect, Result, values_list};

/// Pending entries sealed per round: a big import's are sealed in several.
const ROUND: i64 = 2_000;
/// Entries inserted into `audit_log` per statement.
const INSERT: usize = 400;

/// One process's sealing after its commits (PostgreSQL): while one of its writers seals,
/// the others that commit meanwhile leave their entries to it, and it seals again before
/// it stops — under load a seal per round of commits, not per commit. Entries are sealed
/// by the time the sealing writer's own commit returns; another writer's commit may
/// return a few milliseconds before its entries are.
#[derive(Debug, Default)]
pub(crate) struct SealGate {
    running: AtomicBool,
    again: AtomicBool,
}

impl SealGate {
    /// Seals what this process committed, or leaves it to the writer sealing now; the
    /// chain's end when this call sealed.
    pub(crate) async fn after_commit(
        &self,
        pool: &AnyPool,
        dialect: Dialect,
        key: &ChainKey,
    ) -> Result<Option<i64>> {
        self.again.store(true, SeqCst);
        let mut head = None;
        loop {
            if self.running.swap(true, SeqCst) {
                // The writer sealing now seals again after it sees `again`.
                return Ok(head);
            }
            while self.again.swap(false, SeqCst) {
                match seal(pool, dialect, key).await {
                    Ok(h) => head = Some(h),
                    Err(e) => {
                        self.running.store(false, SeqCst);
                        return Err(e);
                    }
                }
            }
            self.running.store(false, SeqCst);
            // A commit that set `again` between the last round and the line above found
            // `running` still set and left: take it over.
            if !self.again.load(SeqCst) {
                return Ok(head);
            }
        }
    }
}

/// Seals every pending entry in a transaction of its own; returns the chain's end. Run
/// again, whole, when the database refuses it for a concurrent writer.
pub(crate) async fn seal(pool: &AnyPool, dialect: Dialect, key: &ChainKey) -> Result<i64> {
    crate::retry::retrying_up_to(crate::retry::SEAL_ATTEMPTS, || async {
        let mut tx = pool.begin().await?;
        let head = seal_pending(&mut tx, dialect, key).await?;
        tx.commit().await?;
        Ok(head)
    })
    .await
}

/// Seals the pending entries visible to `tx`, holding the chain's head until it ends;
/// returns the chain's end.
pub(crate) async fn seal_pending(
    tx: &mut Transaction<'static, Any>,
    dialect: Dialect,
    key: &ChainKey,
) -> Result<i64> {
    let lock = match dialect {
        Dialect::Postgres => " FOR UPDATE",
        Dialect::Sqlite => "",
    };
    let (mut last_id, mut last_hash): (i64, String) = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT last_id, last_hash FROM audit_head WHERE id = 1{lock}"
    )))
    .fetch_one(&mut **tx)
    .await?;
    let started = last_id;
    loop {
        let rows: Vec<PendingRow> = sqlx::query_as(
            "SELECT tx_key, seq, at, actor, action, entity, entity_key, before_json, \
             after_json FROM audit_pending ORDER BY written_at, tx_key, seq LIMIT $1",
        )
        .bind(ROUND)
        .fetch_all(&mut **tx)
        .await?;
        if rows.is_empty() {
            break;
        }
        let mut sealed: std::collections::BTreeMap<String, i64> = Default::default();
        let mut entries = Vec::with_capacity(rows.len());
        for (tx_key, seq, at, actor, action, entity, entity_key, before, after) in rows {
            let mut e = AuditEntry {
                id: last_id + 1,
                at,
                actor,
                action,
                entity,
                entity_key,
                before,
                after,
                prev_hash: last_hash,
                hash: String::new(),
            };
            e.hash = e.expected_hash(key);
            last_id = e.id;
            last_hash = e.hash.clone();
            let up_to = sealed.entry(tx_key).or_default();
            *up_to = (*up_to).max(seq);
            entries.push(e);
        }
        for chunk in entries.chunks(INSERT) {
            insert(tx, dialect, chunk).await?;
        }
        for (tx_key, seq) in sealed {
            sqlx::query("DELETE FROM audit_pending WHERE tx_key = $1 AND seq <= $2")
                .bind(tx_key)
                .bind(seq)
                .execute(&mut **tx)
                .await?;
        }
    }
    if last_id != started {
        sqlx::query("UPDATE audit_head SET last_id = $1, last_hash = $2 WHERE id = 1")
            .bind(last_id)
            .bind(last_hash)
            .execute(&mut **tx)
            .await?;
        // The score changes committed by now take this round's end as their position:
        // positions grow in the order rounds commit, so a reader that saw one has seen
        // every change below it (scores::changes).
        sqlx::query("UPDATE score_changes SET position = $1 WHERE position = 0")
            .bind(last_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(last_id)
}

type PendingRow = (
    String,
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
);

async fn insert(
    tx: &mut Transaction<'static, Any>,
    dialect: Dialect,
    entries: &[AuditEntry],
) -> Result<()> {
    let sql = format!(
        "INSERT INTO audit_log (id, at, actor, action, entity, entity_key, before_json, \
         after_json, prev_hash, hash) VALUES {}",
        values_list(dialect, entries.len(), 10)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for e in entries {
        q = q
            .bind(e.id)
            .bind(e.at)
            .bind(e.actor.clone())
            .bind(e.action.clone())
            .bind(e.entity.clone())
            .bind(e.entity_key.clone())
            .bind(e.before.clone())
            .bind(e.after.clone())
            .bind(e.prev_hash.clone())
            .bind(e.hash.clone());
    }
    q.execute(&mut **tx).await?;
    Ok(())
}
