//! Mass evaluation (群众评议): rounds, their subjects, ballot codes (keyed hashes only) and
//! ballots. Casting is done in batches: one transaction marks each code used (only if it
//! was not) and stores the ballots of those that were, so that a code casts at most one
//! ballot and the two always change together.

use serde::Serialize;
use sqlx::AssertSqlSafe;

use crate::{Dialect, Result, Store, WriteTx, now_ms, values_list};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoundRecord {
    pub id: i64,
    pub campaign_id: i64,
    pub name: String,
    pub scope_org_id: i64,
    pub subject_kind: String,
    pub mode: String,
    pub starts_on: String,
    pub ends_on: String,
}

/// A subject of a round: its id, organisation, name and code (the organisation's code for
/// an organisation; the organisation's code for a member, team or cadre).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoundSubject {
    pub subject_id: i64,
    pub org_id: i64,
    pub name: String,
    pub code: String,
}

#[derive(Debug, Clone)]
pub struct NewRound {
    pub campaign_id: i64,
    pub name: String,
    pub scope_org_id: i64,
    pub subject_kind: String,
    pub mode: String,
    pub starts_on: String,
    pub ends_on: String,
    pub subjects: Vec<RoundSubject>,
}

/// A ballot to cast. `code_hash` for a code-mode ballot; `voter` (hashed) for open mode.
#[derive(Debug, Clone)]
pub struct Cast {
    pub round_id: i64,
    pub subject_id: i64,
    pub code_hash: Option<String>,
    pub voter: Option<String>,
    pub verdict: String,
    pub ratings: String,
    pub comment: String,
}

/// What a code is for, and whether it has been used.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeRecord {
    pub round_id: i64,
    pub subject_id: i64,
    pub used: bool,
}

/// One ballot's comment, for reading and moderation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommentRecord {
    pub ballot_id: i64,
    pub subject_id: i64,
    pub verdict: String,
    pub comment: String,
    pub hidden_reason: Option<String>,
}

const ROUND_COLUMNS: &str =
    "id, campaign_id, name, scope_org_id, subject_kind, mode, starts_on, ends_on";

type RoundRow = (i64, i64, String, i64, String, String, String, String);

fn round(r: RoundRow) -> RoundRecord {
    RoundRecord {
        id: r.0,
        campaign_id: r.1,
        name: r.2,
        scope_org_id: r.3,
        subject_kind: r.4,
        mode: r.5,
        starts_on: r.6,
        ends_on: r.7,
    }
}

/// Fisher–Yates with the operating system's randomness.
fn shuffle<T>(items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let mut b = [0u8; 8];
        getrandom::fill(&mut b).expect("the operating system provides randomness");
        let j = (u64::from_le_bytes(b) % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

impl Store {
    pub async fn round(&self, id: i64) -> Result<Option<RoundRecord>> {
        let row: Option<RoundRow> = sqlx::query_as(dynsql!(
            "SELECT {ROUND_COLUMNS} FROM eval_rounds WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.reader())
        .await?;
        Ok(row.map(round))
    }

    pub async fn rounds(&self) -> Result<Vec<RoundRecord>> {
        let rows: Vec<RoundRow> = sqlx::query_as(dynsql!(
            "SELECT {ROUND_COLUMNS} FROM eval_rounds ORDER BY id DESC"
        ))
        .fetch_all(self.reader())
        .await?;
        Ok(rows.into_iter().map(round).collect())
    }

    pub async fn round_subjects(&self, round_id: i64) -> Result<Vec<RoundSubject>> {
        let rows: Vec<(i64, i64, String, String)> = sqlx::query_as(
            "SELECT subject_id, org_id, name, code FROM eval_subjects WHERE round_id = $1 \
             ORDER BY code, subject_id",
        )
        .bind(round_id)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(subject_id, org_id, name, code)| RoundSubject {
                subject_id,
                org_id,
                name,
                code,
            })
            .collect())
    }

    /// The round and subject a code's keyed hash belongs to.
    pub async fn code(&self, hash: &str) -> Result<Option<CodeRecord>> {
        let row: Option<(i64, i64, i64)> =
            sqlx::query_as("SELECT round_id, subject_id, used FROM ballot_codes WHERE hash = $1")
                .bind(hash.to_string())
                .fetch_optional(self.reader())
                .await?;
        Ok(row.map(|(round_id, subject_id, used)| CodeRecord {
            round_id,
            subject_id,
            used: used != 0,
        }))
    }

    /// Counts per subject and verdict: (subject id, verdict, ballots).
    pub async fn tally(&self, round_id: i64) -> Result<Vec<(i64, String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT subject_id, verdict, COUNT(*) FROM ballots WHERE round_id = $1 \
             GROUP BY subject_id, verdict ORDER BY subject_id, verdict",
        )
        .bind(round_id)
        .fetch_all(self.reader())
        .await?)
    }

    /// (codes issued, codes used, code-mode ballots, open-mode ballots) of a round.
    pub async fn round_counts(&self, round_id: i64) -> Result<(i64, i64, i64, i64)> {
        let (issued, used): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(used), 0) AS BIGINT) FROM ballot_codes \
             WHERE round_id = $1",
        )
        .bind(round_id)
        .fetch_one(self.reader())
        .await?;
        let (coded, open): (i64, i64) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(CASE WHEN mode = 'codes' THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN mode = 'open' THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM ballots WHERE round_id = $1",
        )
        .bind(round_id)
        .fetch_one(self.reader())
        .await?;
        Ok((issued, used, coded, open))
    }

    /// Counts one open-mode ballot attempt from an address (hashed) in a minute and returns
    /// the count so far. Rate-limit state, not campaign data: written directly.
    pub async fn bump_open_rate(&self, round_id: i64, address: &str, minute: i64) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "INSERT INTO open_rates (round_id, address, minute, n) VALUES ($1, $2, $3, 1) \
             ON CONFLICT (round_id, address, minute) DO UPDATE SET n = open_rates.n + 1 \
             RETURNING n",
        )
        .bind(round_id)
        .bind(address.to_string())
        .bind(minute)
        .fetch_one(&self.write)
        .await?;
        Ok(n)
    }

    /// Notes a failed code look-up from an address (hashed) and returns the failures from
    /// it in the hour up to `minute`. Rate-limit state, written directly.
    pub async fn note_code_failure(&self, address: &str, minute: i64) -> Result<i64> {
        sqlx::query(
            "INSERT INTO code_failures (address, minute, n) VALUES ($1, $2, 1) \
             ON CONFLICT (address, minute) DO UPDATE SET n = code_failures.n + 1",
        )
        .bind(address.to_string())
        .bind(minute)
        .execute(&self.write)
        .await?;
        let (n,): (i64,) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM code_failures \
             WHERE address = $1 AND minute > $2",
        )
        .bind(address.to_string())
        .bind(minute - 60)
        .fetch_one(&self.write)
        .await?;
        Ok(n)
    }

    /// Minutes in which one address cast more than `over` open ballots: (address hash,
    /// minute, count), busiest first, for the office to look into.
    pub async fn open_bursts(&self, round_id: i64, over: i64) -> Result<Vec<(String, i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT address, minute, n FROM open_rates WHERE round_id = $1 AND n > $2 \
             ORDER BY n DESC, minute DESC LIMIT 100",
        )
        .bind(round_id)
        .bind(over)
        .fetch_all(self.reader())
        .await?)
    }

    /// The comments of a round's ballots (of one subject, if given), newest first.
    pub async fn comments(
        &self,
        round_id: i64,
        subject_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<CommentRecord>> {
        let rows: Vec<(i64, i64, String, String, Option<String>)> = sqlx::query_as(
            "SELECT id, subject_id, verdict, comment, hidden_reason FROM ballots \
             WHERE round_id = $1 AND comment <> '' AND ($2 = 0 OR subject_id = $3) \
             ORDER BY id DESC LIMIT $4",
        )
        .bind(round_id)
        .bind(i64::from(subject_id.is_some()))
        .bind(subject_id.unwrap_or(0))
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(ballot_id, subject_id, verdict, comment, hidden_reason)| CommentRecord {
                    ballot_id,
                    subject_id,
                    verdict,
                    comment,
                    hidden_reason,
                },
            )
            .collect())
    }
}

impl WriteTx {
    pub async fn create_round(&mut self, r: &NewRound) -> Result<i64> {
        let id = self.next_id("eval_rounds").await?;
        sqlx::query(
            "INSERT INTO eval_rounds (id, campaign_id, name, scope_org_id, subject_kind, mode, \
             starts_on, ends_on, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id)
        .bind(r.campaign_id)
        .bind(r.name.clone())
        .bind(r.scope_org_id)
        .bind(r.subject_kind.clone())
        .bind(r.mode.clone())
        .bind(r.starts_on.clone())
        .bind(r.ends_on.clone())
        .bind(self.actor.clone())
        .bind(now_ms())
        .execute(&mut *self.tx)
        .await?;
        for chunk in r.subjects.chunks(200) {
            let sql = format!(
                "INSERT INTO eval_subjects (round_id, subject_id, org_id, name, code) VALUES {}",
                values_list(self.dialect, chunk.len(), 5)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for s in chunk {
                q = q
                    .bind(id)
                    .bind(s.subject_id)
                    .bind(s.org_id)
                    .bind(s.name.clone())
                    .bind(s.code.clone());
            }
            q.execute(&mut *self.tx).await?;
        }
        let after = serde_json::json!({
            "name": r.name, "scope_org_id": r.scope_org_id, "subject_kind": r.subject_kind,
            "mode": r.mode, "starts_on": r.starts_on, "ends_on": r.ends_on,
            "subjects": r.subjects.len(),
        });
        self.record::<(), _>(
            "eval.round.create",
            "eval_round",
            &id.to_string(),
            None,
            Some(&after),
        )
        .await?;
        Ok(id)
    }

    /// Stores new codes (keyed hashes) of a round: (hash, subject id).
    pub async fn add_codes(&mut self, round_id: i64, codes: &[(String, i64)]) -> Result<usize> {
        for chunk in codes.chunks(500) {
            let sql = format!(
                "INSERT INTO ballot_codes (hash, round_id, subject_id, used) VALUES {}",
                values_list(self.dialect, chunk.len(), 4)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (hash, subject) in chunk {
                q = q
                    .bind(hash.clone())
                    .bind(round_id)
                    .bind(*subject)
                    .bind(0i64);
            }
            q.execute(&mut *self.tx).await?;
        }
        let after = serde_json::json!({ "round_id": round_id, "codes": codes.len() });
        self.record::<(), _>(
            "eval.codes.create",
            "eval_round",
            &round_id.to_string(),
            None,
            Some(&after),
        )
        .await?;
        Ok(codes.len())
    }

    /// Casts a batch of ballots; for each, whether it was accepted. A code already used, or
    /// a browser that already voted for the subject, is refused; each accepted ballot is
    /// stored in the same transaction. One audit entry per batch counts the ballots and
    /// names no code.
    pub async fn cast_batch(&mut self, casts: &[Cast]) -> Result<Vec<bool>> {
        let mut accepted = Vec::with_capacity(casts.len());
        for c in casts {
            let ok = match (&c.code_hash, &c.voter) {
                (Some(hash), _) => {
                    sqlx::query(
                        "UPDATE ballot_codes SET used = 1 WHERE hash = $1 AND used = 0 \
                         AND round_id = $2 AND subject_id = $3",
                    )
                    .bind(hash.clone())
                    .bind(c.round_id)
                    .bind(c.subject_id)
                    .execute(&mut *self.tx)
                    .await?
                    .rows_affected()
                        == 1
                }
                (None, Some(voter)) => {
                    let sql = match self.dialect {
                        Dialect::Sqlite => {
                            "INSERT OR IGNORE INTO open_voters (round_id, subject_id, voter) \
                             VALUES ($1, $2, $3)"
                        }
                        Dialect::Postgres => {
                            "INSERT INTO open_voters (round_id, subject_id, voter) \
                             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
                        }
                    };
                    sqlx::query(sql)
                        .bind(c.round_id)
                        .bind(c.subject_id)
                        .bind(voter.clone())
                        .execute(&mut *self.tx)
                        .await?
                        .rows_affected()
                        == 1
                }
                (None, None) => false,
            };
            accepted.push(ok);
        }
        let stored: Vec<&Cast> = casts
            .iter()
            .zip(&accepted)
            .filter(|(_, ok)| **ok)
            .map(|(c, _)| c)
            .collect();
        self.insert_ballots(&stored).await?;
        Ok(accepted)
    }

    /// The codes among `hashes` as this transaction sees them, by hash. Writers are
    /// serialised (see `WriteTx`), so what is read here stays true until commit.
    pub async fn codes_in_tx(
        &mut self,
        hashes: &[String],
    ) -> Result<std::collections::HashMap<String, CodeRecord>> {
        let mut out = std::collections::HashMap::with_capacity(hashes.len());
        for chunk in hashes.chunks(500) {
            let sql = format!(
                "SELECT hash, round_id, subject_id, used FROM ballot_codes WHERE hash IN ({})",
                crate::in_list(self.dialect, chunk.len())
            );
            let mut q = sqlx::query_as::<_, (String, i64, i64, i64)>(AssertSqlSafe(sql));
            for h in chunk {
                q = q.bind(h.clone());
            }
            for (hash, round_id, subject_id, used) in q.fetch_all(&mut *self.tx).await? {
                out.insert(
                    hash,
                    CodeRecord {
                        round_id,
                        subject_id,
                        used: used != 0,
                    },
                );
            }
        }
        Ok(out)
    }

    /// Stores code-mode ballots whose codes the caller found unused in this transaction,
    /// marking the codes used: one statement for the codes, one per 400 ballots.
    pub async fn cast_coded(&mut self, casts: &[Cast]) -> Result<()> {
        let hashes: Vec<&String> = casts.iter().filter_map(|c| c.code_hash.as_ref()).collect();
        for chunk in hashes.chunks(500) {
            let sql = format!(
                "UPDATE ballot_codes SET used = 1 WHERE used = 0 AND hash IN ({})",
                crate::in_list(self.dialect, chunk.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for h in chunk {
                q = q.bind((*h).clone());
            }
            let n = q.execute(&mut *self.tx).await?.rows_affected();
            if n as usize != chunk.len() {
                return Err(crate::StoreError::Conflict(
                    "a ballot code was used by another writer meanwhile".into(),
                ));
            }
        }
        let all: Vec<&Cast> = casts.iter().collect();
        self.insert_ballots(&all).await
    }

    async fn insert_ballots(&mut self, stored: &[&Cast]) -> Result<()> {
        if stored.is_empty() {
            return Ok(());
        }
        // Within a batch the ballots are stored in a random order, so that their ids do not
        // follow the order in which they were cast. Ids stay ascending from batch to batch:
        // random ids would scatter the inserts over the table and cost a third of the speed.
        let mut stored: Vec<&Cast> = stored.to_vec();
        shuffle(&mut stored);
        let first = self.next_id("ballots").await?;
        let ids: Vec<i64> = (0..stored.len() as i64).map(|i| first + i).collect();
        let mut next = ids.iter();
        for chunk in stored.chunks(400) {
            let sql = format!(
                "INSERT INTO ballots (id, round_id, subject_id, mode, verdict, ratings, comment) \
                 VALUES {}",
                values_list(self.dialect, chunk.len(), 7)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for c in chunk {
                let mode = if c.code_hash.is_some() {
                    "codes"
                } else {
                    "open"
                };
                q = q
                    .bind(*next.next().expect("one id per ballot"))
                    .bind(c.round_id)
                    .bind(c.subject_id)
                    .bind(mode)
                    .bind(c.verdict.clone())
                    .bind(c.ratings.clone())
                    .bind(c.comment.clone());
            }
            q.execute(&mut *self.tx).await?;
        }
        // The audit entry counts the ballots and names neither ids nor codes.
        let after = serde_json::json!({ "ballots": stored.len() });
        self.record::<(), _>("eval.ballots", "ballot", "batch", None, Some(&after))
            .await
    }

    /// Hides a ballot's comment (it stays counted), with the reason, in the audit trail.
    pub async fn hide_comment(&mut self, ballot_id: i64, reason: &str) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE ballots SET hidden_reason = $1, hidden_by = $2 WHERE id = $3 \
             AND hidden_reason IS NULL",
        )
        .bind(reason.trim().to_string())
        .bind(self.actor.clone())
        .bind(ballot_id)
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if n == 1 {
            let after = serde_json::json!({ "hidden_reason": reason });
            self.record::<(), _>(
                "eval.comment.hide",
                "ballot",
                &ballot_id.to_string(),
                None,
                Some(&after),
            )
            .await?;
        }
        Ok(n == 1)
    }
}
