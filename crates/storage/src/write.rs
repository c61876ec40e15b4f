//! The one write path: a transaction that carries the actor and appends a hash-chained
//! audit entry for every change, committed together with the change or not at all.

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
    last_id: i64,
    last_hash: String,
    pending: Vec<AuditEntry>,
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

impl WriteTx {
    pub(crate) async fn begin(
        pool: &AnyPool,
        dialect: Dialect,
        vault: crate::Vault,
        actor: &str,
    ) -> Result<WriteTx> {
        // Touching the head first takes its row lock on PostgreSQL, so concurrent writers
        // queue here and the chain stays linear. SQLite has a single writer connection.
        // Under serializable isolation the writer that waited is refused (40001) once the
        // one before it commits: nothing is done yet, so it begins again.
        let mut attempt = 0;
        let (tx, last_id, last_hash) = loop {
            let mut tx = pool.begin().await?;
            let head = async {
                sqlx::query("UPDATE audit_head SET last_id = last_id WHERE id = 1")
                    .execute(&mut *tx)
                    .await?;
                sqlx::query_as::<_, (i64, String)>(
                    "SELECT last_id, last_hash FROM audit_head WHERE id = 1",
                )
                .fetch_one(&mut *tx)
                .await
            }
            .await
            .map_err(crate::StoreError::from);
            match head {
                Ok((last_id, last_hash)) => break (tx, last_id, last_hash),
                Err(e)
                    if crate::retry::is_retryable(&e)
                        && attempt + 1 < crate::retry::BEGIN_ATTEMPTS =>
                {
                    let _ = tx.rollback().await;
                    attempt += 1;
                    crate::retry::backoff(attempt).await;
                }
                Err(e) => return Err(e),
            }
        };
        Ok(WriteTx {
            vault,
            dialect,
            tx,
            actor: actor.to_string(),
            last_id,
            last_hash,
            pending: Vec::new(),
            member_deltas: Default::default(),
            facts_dirty: Default::default(),
            score_changes: Default::default(),
            bulk_members: None,
            member_orgs: None,
            version: None,
        })
    }

    /// The id of the audit entry this transaction follows, or of its own last entry once it
    /// recorded one: before it records anything, what a read made before the transaction can
    /// compare with, to know that nothing changed in between.
    pub fn audit_position(&self) -> i64 {
        self.last_id
    }

    /// Moves this transaction's view of the chain's end, for the one place that rewrites
    /// the chain: sealing a chain written before it was keyed.
    pub(crate) fn set_chain_end(&mut self, id: i64, hash: String) {
        self.last_id = id;
        self.last_hash = hash;
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
        let entry = chain_entry(
            self.vault.chain_key(),
            (self.last_id, &self.last_hash),
            &self.actor,
            (action, entity, entity_key),
            before,
            after,
        );
        self.score_changes.action(action);
        self.last_id = entry.id;
        self.last_hash = entry.hash.clone();
        self.pending.push(entry);
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
            "INSERT INTO audit_log (id, at, actor, action, entity, entity_key, before_json, \
             after_json, prev_hash, hash) VALUES {}",
            values_list(self.dialect, self.pending.len(), 10)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for e in self.pending.drain(..) {
            q = q
                .bind(e.id)
                .bind(e.at)
                .bind(e.actor)
                .bind(e.action)
                .bind(e.entity)
                .bind(e.entity_key)
                .bind(e.before)
                .bind(e.after)
                .bind(e.prev_hash)
                .bind(e.hash);
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
        sqlx::query("UPDATE audit_head SET last_id = $1, last_hash = $2 WHERE id = 1")
            .bind(self.last_id)
            .bind(self.last_hash.clone())
            .execute(&mut *self.tx)
            .await?;
        self.tx.commit().await?;
        if let Some(v) = &self.version {
            v.seen
                .fetch_max(self.last_id, std::sync::atomic::Ordering::Relaxed);
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

    /// Takes `n` consecutive fresh ids of `table` and returns the first.
    pub(crate) async fn take_ids(&mut self, table: &str, n: usize) -> Result<i64> {
        take_ids(&mut *self.tx, table, n).await
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
