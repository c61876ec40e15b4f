//! Reading and verifying the audit trail.

use crate::Audit;
use xianfeng_domain::audit::{AuditEntry, Checkpoint, GENESIS, verify_chain};

use crate::Result;

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only entries at or after this Unix millisecond.
    pub since_ms: Option<i64>,
    pub limit: i64,
}

const COLUMNS: &str =
    "id, at, actor, action, entity, entity_key, before_json, after_json, prev_hash, hash";

fn from_row(r: &sqlx::any::AnyRow) -> Result<AuditEntry> {
    let r = crate::row::Row::of(r, "audit_log");
    Ok(AuditEntry {
        id: r.get("id")?,
        at: r.get("at")?,
        actor: r.get("actor")?,
        action: r.get("action")?,
        entity: r.get("entity")?,
        entity_key: r.get("entity_key")?,
        before: r.get("before_json")?,
        after: r.get("after_json")?,
        prev_hash: r.get("prev_hash")?,
        hash: r.get("hash")?,
    })
}

impl Audit<'_> {
    /// Entries, oldest first.
    pub async fn entries(self, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(dynsql!(
            "SELECT {COLUMNS} FROM audit_log WHERE at >= $1 ORDER BY id LIMIT $2"
        ))
        .bind(f.since_ms.unwrap_or(i64::MIN))
        .bind(if f.limit > 0 { f.limit } else { i64::MAX })
        .fetch_all(self.store.reader())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Walks the whole chain and compares its end with the head. Returns the number of
    /// entries, or the id of the first entry that was altered, removed or inserted.
    pub async fn verify(self) -> Result<std::result::Result<i64, i64>> {
        let mut prev = GENESIS.to_string();
        let mut after_id = 0i64;
        let mut count = 0i64;
        loop {
            let rows = sqlx::query(dynsql!(
                "SELECT {COLUMNS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT 5000"
            ))
            .bind(after_id)
            .fetch_all(self.store.reader())
            .await?;
            if rows.is_empty() {
                break;
            }
            let entries: Vec<AuditEntry> = rows.iter().map(from_row).collect::<Result<_>>()?;
            for e in &entries {
                count += 1;
                if e.id != count {
                    return Ok(Err(e.id));
                }
            }
            match verify_chain(self.store.vault.chain_key(), prev, &entries) {
                Ok(h) => prev = h,
                Err(id) => return Ok(Err(id)),
            }
            after_id = entries.last().map_or(after_id, |e| e.id);
        }
        let (last_id, last_hash): (i64, String) =
            sqlx::query_as("SELECT last_id, last_hash FROM audit_head WHERE id = 1")
                .fetch_one(self.store.reader())
                .await?;
        if last_id != count || last_hash != prev {
            return Ok(Err(count + 1));
        }
        Ok(Ok(count))
    }
}

impl Audit<'_> {
    /// Entries of committed transactions not yet sealed into the chain and written more
    /// than `older_than_ms` ago (they are sealed within a second while a server runs):
    /// how many, and since when (milliseconds) the oldest waits.
    pub async fn pending(self, older_than_ms: i64) -> Result<(i64, Option<i64>)> {
        let (count, oldest): (i64, Option<i64>) = sqlx::query_as(
            "SELECT COUNT(*), MIN(written_at) FROM audit_pending WHERE written_at < $1",
        )
        .bind(crate::now_ms() - older_than_ms)
        .fetch_one(&self.store.write)
        .await?;
        Ok((count, oldest))
    }
}

/// What a check against a checkpoint found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainFault {
    /// The chain itself does not hold: this entry was altered, removed or inserted.
    Broken { at: i64 },
    /// The chain holds but ends before the checkpoint: entries were removed from its end.
    RolledBack { entries: i64 },
    /// The chain holds but the entry at the checkpoint is not the one written down: the
    /// chain was rebuilt, by someone holding the key, up to or past that point.
    Rewritten,
}

/// The settings row that says the chain is keyed, and under which scheme.
const SEALED: &str = "hmac-sm3/v1";

impl Audit<'_> {
    /// The current end of the chain, once the whole chain has been verified: a checkpoint
    /// of a chain that does not hold would vouch for a forgery.
    pub async fn checkpoint(self) -> Result<std::result::Result<Checkpoint, i64>> {
        let count = match self.verify().await? {
            Ok(n) => n,
            Err(at) => return Ok(Err(at)),
        };
        Ok(Ok(Checkpoint::of(self.entry(count).await?.as_ref())))
    }

    /// Verifies the whole chain and that it still holds the entry a checkpoint names.
    pub async fn verify_since(
        self,
        checkpoint: &Checkpoint,
    ) -> Result<std::result::Result<i64, ChainFault>> {
        let count = match self.verify().await? {
            Ok(n) => n,
            Err(at) => return Ok(Err(ChainFault::Broken { at })),
        };
        if checkpoint.position > count {
            return Ok(Err(ChainFault::RolledBack { entries: count }));
        }
        let here = self.entry(checkpoint.position).await?;
        if Checkpoint::of(here.as_ref()).position != checkpoint.position
            || here.is_some_and(|e| !checkpoint.matches(&e))
            || (checkpoint.position == 0 && !GENESIS.starts_with(&checkpoint.hash))
        {
            return Ok(Err(ChainFault::Rewritten));
        }
        Ok(Ok(count))
    }

    async fn entry(self, id: i64) -> Result<Option<AuditEntry>> {
        let row = sqlx::query(dynsql!("SELECT {COLUMNS} FROM audit_log WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.store.reader())
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Puts a chain written before it was keyed (plain SHA-256, up to version 0.13) under
    /// the key, once: every hash is recomputed as HMAC, and an `audit.seal` entry records
    /// how many entries there were and whether their old chain held, so that a forgery
    /// made before sealing is not silently blessed. A new database is sealed empty.
    pub(crate) async fn seal(self) -> Result<()> {
        if self.sealed_as().await?.as_deref() == Some(SEALED) {
            return Ok(());
        }
        // The chain's head held: two servers starting together seal once, the second
        // finds the setting when it gets the lock; no entry is sealed meanwhile.
        let mut tx = self.store.begin("system").await?;
        tx.hold_chain_head().await?;
        let sealed: Option<(String,)> =
            sqlx::query_as("SELECT value FROM settings WHERE key = 'audit_chain'")
                .fetch_optional(&mut *tx.tx)
                .await?;
        if sealed.is_some() {
            return tx.rollback().await;
        }
        let key = self.store.vault.chain_key().clone();
        let (mut old_prev, mut new_prev) = (GENESIS.to_string(), GENESIS.to_string());
        let (mut count, mut broken_at) = (0i64, None::<i64>);
        loop {
            let rows = sqlx::query(dynsql!(
                "SELECT {COLUMNS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT 5000"
            ))
            .bind(count)
            .fetch_all(&mut *tx.tx)
            .await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let mut e = from_row(row)?;
                count += 1;
                if broken_at.is_none()
                    && (e.id != count || e.prev_hash != old_prev || e.hash != e.legacy_hash())
                {
                    broken_at = Some(e.id);
                }
                old_prev = std::mem::take(&mut e.hash);
                e.prev_hash = new_prev;
                e.hash = e.expected_hash(&key);
                sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE id = $3")
                    .bind(&e.prev_hash)
                    .bind(&e.hash)
                    .bind(e.id)
                    .execute(&mut *tx.tx)
                    .await?;
                count = e.id;
                new_prev = e.hash;
            }
            tracing::info!("sealing the audit chain under the key: {count} entries");
        }
        sqlx::query("INSERT INTO settings (key, value) VALUES ('audit_chain', $1)")
            .bind(SEALED)
            .execute(&mut *tx.tx)
            .await?;
        if count > 0 {
            tx.set_chain_head(count, &new_prev).await?;
            let record = serde_json::json!({
                "scheme": SEALED, "entries": count, "old_chain_held": broken_at.is_none(),
                "old_chain_broken_at": broken_at,
            });
            tx.record(
                "audit.seal",
                "audit_log",
                &count.to_string(),
                None::<&()>,
                Some(&record),
            )
            .await?;
        }
        tx.commit().await
    }

    async fn sealed_as(self) -> Result<Option<String>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT value FROM settings WHERE key = 'audit_chain'")
                .fetch_optional(self.store.reader())
                .await?;
        Ok(row.map(|r| r.0))
    }
}
