//! Reading and verifying the audit trail.

use crate::Audit;
use xianfeng_domain::audit::{AuditEntry, GENESIS, verify_chain};

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
            match verify_chain(prev, &entries) {
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
