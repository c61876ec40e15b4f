//! The one write path: a transaction that carries the actor and records an audit entry
//! for every change, committed together with the change or not at all, and sealed into the
//! hash chain once committed (`sealer`).

use serde::Serialize;
use sqlx::{Any, AnyPool, Transaction};
use xianfeng_domain::audit::{AuditEntry, ChainKey};
use xianfeng_domain::i18n::Message;

use crate::{Dialect, Result, now_ms, values_list};
use sqlx::AssertSqlSafe;

/// Audit rows are written in batches of this many, to keep bulk imports fast.
const AUDIT_BATCH: usize = 400;

/// The audit entry that follows `(last id, last hash)` in the chain: `what` is (action,
/// entity, entity key); `before`/`after` are serialised as JSON (`None` is `null`).
pub(crate) fn chain_entry<B: Serialize, A: Serialize>(
    key: &ChainKey,
    (last_id, last_hash): (i64, &str),
    actor: &str,
    (action, entity, entity_key): (&str, &str, &str),
    before: Option<&B>,
    after: Option<&A>,
) -> AuditEntry {
    let mut entry = AuditEntry {
        id: last_id + 1,
        at: now_ms(),
        actor: actor.to_string(),
        action: action.to_string(),
        entity: entity.to_string(),
        entity_key: entity_key.to_string(),
        before: serde_json::to_string(&before).expect("records serialise"),
        after: serde_json::to_string(&after).expect("records serialise"),
        prev_hash: last_hash.to_string(),
        hash: String::new(),
    };
    entry.hash = entry.expected_hash(key);
    entry
}

pub struct WriteTx {
    /// Decrypts stored values that an update must compare with.
    pub(crate) vault: crate::Vault,
    pub(crate) dialect: Dialect,
    pub(crate) tx: Transaction<'static, Any>,
    pub(crate) actor: String,
    /// This transaction's key among the pending audit entries and the score changes.
    pub(crate) key: String,
    /// When it began: its pending entries are sealed in that order among others'.
    began_ms: i64,
    /// Entries recorded since they were last written to `audit_pending`.
    pending: Vec<Pending>,
    /// How many entries this transaction has recorded (their `seq`).
    recorded: i64,
    /// The pool it came from: on PostgreSQL its entries are sealed through it after commit,
    /// and ids taken from it apart.
    pool: AnyPool,
    /// Ids handed to this process in blocks (PostgreSQL), shared by the store's clones.
    pub(crate) ids: Option<std::sync::Arc<IdBlocks>>,
    /// This process's sealing after commits (PostgreSQL), shared by the store's clones.
    pub(crate) gate: Option<std::sync::Arc<crate::sealer::SealGate>>,
    /// Whether this transaction loads members into a table that was empty, with the
    /// members indexes dropped until commit (`None`: not decided yet).
    pub(crate) bulk_members: Option<bool>,
    /// Change in each organisation's direct member count, applied at commit.
    pub(crate) member_deltas: std::collections::BTreeMap<i64, i64>,
    /// Subjects whose score facts this transaction changed: (campaign, kind, id),
    /// recounted at commit (scores::facts).
    pub(crate) facts_dirty: std::collections::BTreeSet<(i64, String, i64)>,
    /// What this transaction changed of the scores, stored at commit (scores::changes).
    pub(crate) score_changes: crate::scores::changes::Pending,
    /// When set, only members of these organisations may be changed: an import on behalf
    /// of an account must not pull in someone registered outside its scope.
    pub(crate) member_orgs: Option<std::collections::HashSet<i64>>,
    /// The store's data version, raised on commit (a transaction begun by the store).
    pub(crate) version: Option<std::sync::Arc<crate::DataVersion>>,
}

/// An audit entry recorded and not yet sealed into the chain.
struct Pending {
    seq: i64,
    at: i64,
    action: String,
    entity: String,
    entity_key: String,
    before: String,
    after: String,
}

impl WriteTx {
    pub(crate) async fn begin(
        pool: &AnyPool,
        dialect: Dialect,
        vault: crate::Vault,
        actor: &str,
    ) -> Result<WriteTx> {
        // No lock is taken here on PostgreSQL: writers of every server run side by side,
        // and the audit chain is extended after they commit (`sealer`). SQLite's one
        // writer is taken at once, so that a transaction that reads before it writes is
        // never refused for another connection's write in between.
        let tx = match dialect {
            Dialect::Postgres => pool.begin().await?,
            Dialect::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
        };
        let mut key = [0u8; 16];
        getrandom::fill(&mut key).expect("the system's random source works");
        Ok(WriteTx {
            vault,
            dialect,
            tx,
            actor: actor.to_string(),
            key: hex::encode(key),
            began_ms: now_ms(),
            pending: Vec::new(),
            recorded: 0,
            pool: pool.clone(),
            ids: None,
            gate: None,
            member_deltas: Default::default(),
            facts_dirty: Default::default(),
            score_changes: Default::default(),
            bulk_members: None,
            member_orgs: None,
            version: None,
        })
    }

    /// Holds the end of the audit chain until this transaction ends: for the one place
    /// that rewrites the chain (sealing a chain written before it was keyed).
    pub(crate) async fn hold_chain_head(&mut self) -> Result<(i64, String)> {
        let lock = match self.dialect {
            Dialect::Postgres => " FOR UPDATE",
            Dialect::Sqlite => "",
        };
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "SELECT last_id, last_hash FROM audit_head WHERE id = 1{lock}"
        )))
        .fetch_one(&mut *self.tx)
        .await?)
    }

    /// Moves the end of the chain, held by [`WriteTx::hold_chain_head`].
    pub(crate) async fn set_chain_head(&mut self, id: i64, hash: &str) -> Result<()> {
        sqlx::query("UPDATE audit_head SET last_id = $1, last_hash = $2 WHERE id = 1")
            .bind(id)
            .bind(hash.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Limits member changes in this transaction to members of `orgs`.
    pub fn restrict_members_to(&mut self, orgs: std::collections::HashSet<i64>) {
        self.member_orgs = Some(orgs);
    }

    /// Records one change. `before`/`after` are serialised as JSON (`None` is `null`).
    pub async fn record<B: Serialize, A: Serialize>(
        &mut self,
        action: &str,
        entity: &str,
        entity_key: &str,
        before: Option<&B>,
        after: Option<&A>,
    ) -> Result<()> {
        self.score_changes.action(action);
        self.recorded += 1;
        self.pending.push(Pending {
            seq: self.recorded,
            at: now_ms(),
            action: action.to_string(),
            entity: entity.to_string(),
            entity_key: entity_key.to_string(),
            before: serde_json::to_string(&before).expect("records serialise"),
            after: serde_json::to_string(&after).expect("records serialise"),
        });
        if self.pending.len() >= AUDIT_BATCH {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO audit_pending (tx_key, seq, written_at, at, actor, action, entity, \
             entity_key, before_json, after_json) VALUES {}",
            values_list(self.dialect, self.pending.len(), 10)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for e in self.pending.drain(..) {
            q = q
                .bind(self.key.clone())
                .bind(e.seq)
                .bind(self.began_ms)
                .bind(e.at)
                .bind(self.actor.clone())
                .bind(e.action)
                .bind(e.entity)
                .bind(e.entity_key)
                .bind(e.before)
                .bind(e.after);
        }
        q.execute(&mut *self.tx).await?;
        Ok(())
    }

    pub async fn commit(mut self) -> Result<()> {
        self.flush().await?;
        if self.bulk_members == Some(true) {
            self.rebuild_member_indexes().await?;
        }
        self.apply_member_count_deltas().await?;
        self.recount_changed_facts().await?;
        self.store_score_changes().await?;
        let head = match self.dialect {
            // One writer: the entries are sealed in the transaction that wrote them.
            Dialect::Sqlite if self.recorded > 0 => {
                let key = self.vault.chain_key();
                let head = crate::sealer::seal_pending(&mut self.tx, self.dialect, key).await?;
                self.tx.commit().await?;
                Some(head)
            }
            Dialect::Sqlite => {
                self.tx.commit().await?;
                None
            }
            // The change is kept once committed; sealing its entries is a short
            // transaction of its own, which any server's sealer does if this one cannot.
            Dialect::Postgres => {
                self.tx.commit().await?;
                let key = self.vault.chain_key();
                let sealed = match (&self.gate, self.recorded) {
                    (_, 0) => Ok(None),
                    (Some(gate), _) => gate.after_commit(&self.pool, self.dialect, key).await,
                    (None, _) => crate::sealer::seal(&self.pool, self.dialect, key)
                        .await
                        .map(Some),
                };
                sealed.unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "audit entries left for the sealer");
                    None
                })
            }
        };
        if let (Some(v), Some(head)) = (&self.version, head) {
            v.seen.fetch_max(head, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    }

    /// Abandons every change of this transaction, audit entries included.
    pub async fn rollback(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }

    /// The next free id of a table.
    pub(crate) async fn next_id(&mut self, table: &str) -> Result<i64> {
        self.take_ids(table, 1).await
    }

    /// Takes `n` consecutive fresh ids of `table` and returns the first. On PostgreSQL they
    /// are taken apart from this transaction, so that its counter row is not held until it
    /// commits (which would make every writer of a table queue behind the first), and a
    /// few at a time from a block handed to this process. An id of a transaction rolled
    /// back is not used again: ids may have gaps, never twins.
    pub(crate) async fn take_ids(&mut self, table: &str, n: usize) -> Result<i64> {
        match (&self.ids, self.dialect) {
            (Some(blocks), Dialect::Postgres) => blocks.take(&self.pool, table, n).await,
            _ => take_ids(&mut *self.tx, table, n).await,
        }
    }

    /// The id the next [`WriteTx::take_ids`] of `table` would start at, with the counter
    /// row locked until this transaction ends: for a plan that numbers its rows before it
    /// knows how many it will insert, then calls [`WriteTx::ids_used_up_to`].
    pub(crate) async fn peek_next_id(&mut self, table: &str) -> Result<i64> {
        take_ids(&mut *self.tx, table, 0).await
    }

    /// Moves the counter of `table` past `last`, for rows inserted with ids chosen ahead.
    pub(crate) async fn ids_used_up_to(&mut self, table: &str, last: i64) -> Result<()> {
        sqlx::query("UPDATE id_counters SET last_id = $2 WHERE name = $1 AND last_id < $2")
            .bind(table.to_string())
            .bind(last)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}

/// Ids of each table handed to one process in blocks, so that one taken at a time does not
/// cost a statement each (and rows written by different servers at once do not all land at
/// the end of one range). Only unused ids are held here: losing them leaves a gap.
#[derive(Debug, Default)]
pub(crate) struct IdBlocks {
    /// Per table: the next id of the block and the first past it.
    blocks: std::sync::Mutex<std::collections::HashMap<String, (i64, i64)>>,
}

/// Ids handed to a process at once, for tables whose rows come one at a time.
const ID_BLOCK: usize = 32;

impl IdBlocks {
    async fn take(&self, pool: &AnyPool, table: &str, n: usize) -> Result<i64> {
        self.take_in_blocks(pool, table, n, ID_BLOCK).await
    }

    /// Takes `n` consecutive ids of `table` from this process's block of it, or from a new
    /// block of `block` ids; more than `block` at once are taken directly.
    pub(crate) async fn take_in_blocks(
        &self,
        pool: &AnyPool,
        table: &str,
        n: usize,
        block: usize,
    ) -> Result<i64> {
        if n == 0 || n > block {
            return take_ids_apart(pool, table, n).await;
        }
        if let Some(first) = self.take_from_block(table, n) {
            return Ok(first);
        }
        let first = take_ids_apart(pool, table, block).await?;
        if let Ok(mut blocks) = self.blocks.lock() {
            blocks.insert(table.to_string(), (first + n as i64, first + block as i64));
        }
        Ok(first)
    }

    fn take_from_block(&self, table: &str, n: usize) -> Option<i64> {
        let mut blocks = self.blocks.lock().ok()?;
        let (next, end) = blocks.get_mut(table)?;
        if *next + n as i64 > *end {
            return None;
        }
        let first = *next;
        *next += n as i64;
        Some(first)
    }
}

/// Takes `n` ids of `table` in a statement of their own (not inside a transaction): for
/// rows written outside the audit chain (sign-in attempts). Run again when the database
/// refuses it for a concurrent taker.
pub(crate) async fn take_ids_apart(pool: &sqlx::AnyPool, table: &str, n: usize) -> Result<i64> {
    crate::retry::retrying(|| take_ids(pool, table, n)).await
}

/// Takes `n` consecutive ids of `table` in one atomic statement and returns the first
/// (with `n = 0`, the next one, without taking it). Concurrent transactions queue on the
/// counter's row and never get the same id, unlike `MAX(id) + 1`.
pub(crate) async fn take_ids<'c, E>(executor: E, table: &str, n: usize) -> Result<i64>
where
    E: sqlx::Executor<'c, Database = Any>,
{
    let n = n as i64;
    let last: Option<(i64,)> = sqlx::query_as(
        "UPDATE id_counters SET last_id = last_id + $2 WHERE name = $1 RETURNING last_id",
    )
    .bind(table.to_string())
    .bind(n)
    .fetch_optional(executor)
    .await?;
    let (last,) = last.ok_or_else(|| {
        crate::StoreError::Invalid(Message::verbatim(format!(
            "no id counter for table {table}"
        )))
    })?;
    Ok(last - n + 1)
}
