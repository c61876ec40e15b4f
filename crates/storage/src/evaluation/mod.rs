//! Mass evaluation (群众评议): rounds, their subjects, ballot codes (keyed hashes only) and
//! ballots. Casting is done in batches: one transaction marks each code used (only if it
//! was not) and stores the ballots of those that were, so that a code casts at most one
//! ballot and the two always change together.

mod ballot_tx;
mod pg_batch;

pub(crate) use ballot_tx::Lane;
pub use ballot_tx::{BALLOT_BATCH, BallotJob, Decision};
pub(crate) use pg_batch::PgLane;

use crate::Evaluation;
use chrono::NaiveDate;
use serde::Serialize;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use xianfeng_domain::ballot::{Mode, Verdict};
use xianfeng_domain::subject::SubjectKind;

use crate::row::Row;
use crate::{Dialect, Result, WriteTx, now_ms, values_list};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoundRecord {
    pub id: i64,
    pub campaign_id: i64,
    pub name: String,
    pub scope_org_id: i64,
    pub subject_kind: SubjectKind,
    pub mode: Mode,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
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
    pub subject_kind: SubjectKind,
    pub mode: Mode,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub subjects: Vec<RoundSubject>,
}

/// A ballot to cast. `code_mark` (the code's number in its round, see [`CodeRecord`]) for
/// a code-mode ballot; `voter` (hashed) for open mode.
#[derive(Debug, Clone)]
pub struct Cast {
    pub round_id: i64,
    pub subject_id: i64,
    pub code_mark: Option<i64>,
    pub voter: Option<String>,
    pub verdict: Verdict,
    pub ratings: String,
    pub comment: String,
}

/// What a code is for, and whether it has been used. `mark` is its number within the
/// round: bit `mark % 63` of word `mark / 63` in `code_marks` says whether it was used.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeRecord {
    pub round_id: i64,
    pub subject_id: i64,
    pub mark: i64,
    pub used: bool,
}

/// Bits per word of `code_marks`: 63, so that no word needs the sign bit.
const MARK_BITS: i64 = 63;

/// A code by its keyed hash: (round, subject, mark, used 0/1).
const LOOK_UP_CODE: &str = "SELECT c.round_id, c.subject_id, c.mark, \
     (m.bits >> CAST(c.mark % 63 AS INTEGER)) & 1 FROM ballot_codes c \
     JOIN code_marks m ON m.round_id = c.round_id AND m.word = c.mark / 63 WHERE c.hash = $1";

/// A code's mark as (its bit, its word) in `code_marks`.
pub(crate) fn mark_bit(mark: i64) -> (i64, i64) {
    (1i64 << (mark % MARK_BITS), mark / MARK_BITS)
}

/// The bits a batch sets, word by word: ((round, word), bits). Several codes of a batch
/// often share a word; each word is then changed once.
pub(crate) fn mark_words(casts: &[Cast]) -> Vec<((i64, i64), i64)> {
    let mut words: std::collections::BTreeMap<(i64, i64), i64> = Default::default();
    for c in casts {
        let (bit, word) = mark_bit(c.code_mark.unwrap_or_default());
        *words.entry((c.round_id, word)).or_insert(0) |= bit;
    }
    words.into_iter().collect()
}

/// The counts a batch adds to the tallies: (round, subject, verdict) -> ballots.
pub(crate) fn tally_changes(
    casts: &[&Cast],
) -> std::collections::BTreeMap<(i64, i64, Verdict), i64> {
    let mut out = std::collections::BTreeMap::new();
    for c in casts {
        *out.entry((c.round_id, c.subject_id, c.verdict))
            .or_insert(0) += 1;
    }
    out
}

/// (subject id, verdict, ballots) from a row with those columns, `n` the count.
fn tally_row(r: &AnyRow) -> Result<(i64, Verdict, i64)> {
    let r = Row::of(r, "eval_tallies");
    Ok((
        r.get("subject_id")?,
        r.parsed("verdict", Verdict::parse)?,
        r.get("n")?,
    ))
}

fn code_record((round_id, subject_id, mark, used): (i64, i64, i64, i64)) -> CodeRecord {
    CodeRecord {
        round_id,
        subject_id,
        mark,
        used: used != 0,
    }
}

/// One ballot's comment, for reading and moderation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommentRecord {
    pub ballot_id: i64,
    pub subject_id: i64,
    pub verdict: Verdict,
    pub comment: String,
    pub hidden_reason: Option<String>,
}

const ROUND_COLUMNS: &str =
    "id, campaign_id, name, scope_org_id, subject_kind, mode, starts_on, ends_on";

type SubjectRow = (i64, i64, String, String);

fn round_subject((subject_id, org_id, name, code): SubjectRow) -> RoundSubject {
    RoundSubject {
        subject_id,
        org_id,
        name,
        code,
    }
}

fn round(r: &sqlx::any::AnyRow) -> Result<RoundRecord> {
    let r = Row::of(r, "eval_rounds");
    Ok(RoundRecord {
        id: r.get("id")?,
        campaign_id: r.get("campaign_id")?,
        name: r.get("name")?,
        scope_org_id: r.get("scope_org_id")?,
        subject_kind: r.parsed("subject_kind", SubjectKind::parse)?,
        mode: r.parsed("mode", Mode::parse)?,
        starts_on: r.date("starts_on")?,
        ends_on: r.date("ends_on")?,
    })
}

impl Cast {
    /// The ballot's mode as stored: `codes` or `open`.
    pub(crate) fn mode(&self) -> &'static str {
        if self.code_mark.is_some() {
            "codes"
        } else {
            "open"
        }
    }
}

/// The audit entry of a batch of `n` ballots: (action, entity, key) and what it records.
/// It counts the ballots and names neither ids nor codes.
pub(crate) fn ballot_audit(
    n: usize,
) -> (
    (&'static str, &'static str, &'static str),
    serde_json::Value,
) {
    (
        ("eval.ballots", "ballot", "batch"),
        serde_json::json!({ "ballots": n }),
    )
}

/// Fisher–Yates with the operating system's randomness.
pub(crate) fn shuffle<T>(items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let mut b = [0u8; 8];
        getrandom::fill(&mut b).expect("the operating system provides randomness");
        let j = (u64::from_le_bytes(b) % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

impl Evaluation<'_> {
    pub async fn round(self, id: i64) -> Result<Option<RoundRecord>> {
        let row = sqlx::query(dynsql!(
            "SELECT {ROUND_COLUMNS} FROM eval_rounds WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.store.reader())
        .await?;
        row.as_ref().map(round).transpose()
    }

    pub async fn rounds(self) -> Result<Vec<RoundRecord>> {
        let rows = sqlx::query(dynsql!(
            "SELECT {ROUND_COLUMNS} FROM eval_rounds ORDER BY id DESC"
        ))
        .fetch_all(self.store.reader())
        .await?;
        rows.iter().map(round).collect()
    }

    pub async fn round_subjects(self, round_id: i64) -> Result<Vec<RoundSubject>> {
        let rows: Vec<SubjectRow> = sqlx::query_as(
            "SELECT subject_id, org_id, name, code FROM eval_subjects WHERE round_id = $1 \
             ORDER BY code, subject_id",
        )
        .bind(round_id)
        .fetch_all(self.store.reader())
        .await?;
        Ok(rows.into_iter().map(round_subject).collect())
    }

    /// The open-mode rounds running on `day` that evaluate a subject of organisation
    /// `org_id` (the organisation itself, or its members, teams or cadres), with that
    /// subject: what a public board links to. Code rounds are never listed.
    pub async fn open_rounds_of_org(
        self,
        org_id: i64,
        day: chrono::NaiveDate,
    ) -> Result<Vec<(RoundRecord, RoundSubject)>> {
        let rows = sqlx::query(dynsql!(
            "SELECT r.id, r.campaign_id, r.name, r.scope_org_id, r.subject_kind, r.mode, \
             r.starts_on, r.ends_on, s.subject_id, s.org_id, s.name AS subject_name, s.code \
             FROM eval_rounds r JOIN eval_subjects s ON s.round_id = r.id \
             WHERE s.org_id = $1 AND r.mode = $2 AND r.starts_on <= $3 AND r.ends_on >= $3 \
             ORDER BY r.id, s.subject_id"
        ))
        .bind(org_id)
        .bind(Mode::Open.as_str().to_string())
        .bind(day.to_string())
        .fetch_all(self.store.reader())
        .await?;
        rows.iter()
            .map(|r| {
                let round = round(r)?;
                let row = Row::of(r, "eval_subjects");
                Ok((
                    round,
                    RoundSubject {
                        subject_id: row.get("subject_id")?,
                        org_id: row.get("org_id")?,
                        name: row.get("subject_name")?,
                        code: row.get("code")?,
                    },
                ))
            })
            .collect()
    }

    /// One subject of a round, if it is one: what a phone page and an open ballot need,
    /// without reading the round's whole list.
    pub async fn round_subject(
        self,
        round_id: i64,
        subject_id: i64,
    ) -> Result<Option<RoundSubject>> {
        let row: Option<SubjectRow> = sqlx::query_as(
            "SELECT subject_id, org_id, name, code FROM eval_subjects \
             WHERE round_id = $1 AND subject_id = $2",
        )
        .bind(round_id)
        .bind(subject_id)
        .fetch_optional(self.store.reader())
        .await?;
        Ok(row.map(round_subject))
    }

    /// The round and subject a code's keyed hash belongs to.
    pub async fn code(self, hash: &str) -> Result<Option<CodeRecord>> {
        let row: Option<(i64, i64, i64, i64)> = sqlx::query_as(LOOK_UP_CODE)
            .bind(hash.to_string())
            .fetch_optional(self.store.reader())
            .await?;
        Ok(row.map(code_record))
    }

    /// Counts per subject and verdict, as kept with the ballots: (subject id, verdict,
    /// ballots).
    pub async fn tally(self, round_id: i64) -> Result<Vec<(i64, Verdict, i64)>> {
        sqlx::query(
            "SELECT subject_id, verdict, n FROM eval_tallies WHERE round_id = $1 AND n > 0 \
             ORDER BY subject_id, verdict",
        )
        .bind(round_id)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(tally_row)
        .collect()
    }

    /// Counts per subject and verdict counted from the ballots themselves, for checking
    /// the tallies: (subject id, verdict, ballots).
    pub async fn tally_from_ballots(self, round_id: i64) -> Result<Vec<(i64, Verdict, i64)>> {
        sqlx::query(
            "SELECT subject_id, verdict, COUNT(*) AS n FROM ballots WHERE round_id = $1 \
             GROUP BY subject_id, verdict ORDER BY subject_id, verdict",
        )
        .bind(round_id)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(tally_row)
        .collect()
    }

    /// (codes issued, codes used) of a round.
    pub async fn code_counts(self, round_id: i64) -> Result<(i64, i64)> {
        let (issued,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM ballot_codes WHERE round_id = $1")
                .bind(round_id)
                .fetch_one(self.store.reader())
                .await?;
        let words: Vec<(i64,)> =
            sqlx::query_as("SELECT bits FROM code_marks WHERE round_id = $1 AND bits <> 0")
                .bind(round_id)
                .fetch_all(self.store.reader())
                .await?;
        let used = words.iter().map(|(b,)| i64::from(b.count_ones())).sum();
        Ok((issued, used))
    }

    /// (code-mode ballots, open-mode ballots) of a round, counted from the ballots
    /// themselves: a read of every ballot of the round, for checking.
    pub async fn ballot_counts(self, round_id: i64) -> Result<(i64, i64)> {
        Ok(sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(CASE WHEN mode = 'codes' THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN mode = 'open' THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM ballots WHERE round_id = $1",
        )
        .bind(round_id)
        .fetch_one(self.store.reader())
        .await?)
    }

    /// Counts one open-mode ballot attempt from an address (hashed) in a minute and returns
    /// the count so far. Rate-limit state, not campaign data: written directly.
    pub async fn bump_open_rate(self, round_id: i64, address: &str, minute: i64) -> Result<i64> {
        // One address's ballots in one minute add to one row.
        crate::retry::retrying(|| async {
            let (n,): (i64,) = sqlx::query_as(
                "INSERT INTO open_rates (round_id, address, minute, n) VALUES ($1, $2, $3, 1) \
                 ON CONFLICT (round_id, address, minute) DO UPDATE SET n = open_rates.n + 1 \
                 RETURNING n",
            )
            .bind(round_id)
            .bind(address.to_string())
            .bind(minute)
            .fetch_one(&self.store.write)
            .await?;
            Ok(n)
        })
        .await
    }

    /// Notes a failed code look-up from an address (hashed) and returns the failures from
    /// it in the hour up to `minute`. Rate-limit state, written directly.
    pub async fn note_code_failure(self, address: &str, minute: i64) -> Result<i64> {
        crate::retry::execute(&self.store.write, || {
            sqlx::query(
                "INSERT INTO code_failures (address, minute, n) VALUES ($1, $2, 1) \
                 ON CONFLICT (address, minute) DO UPDATE SET n = code_failures.n + 1",
            )
            .bind(address.to_string())
            .bind(minute)
        })
        .await?;
        let (n,): (i64,) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM code_failures \
             WHERE address = $1 AND minute > $2",
        )
        .bind(address.to_string())
        .bind(minute - 60)
        .fetch_one(&self.store.write)
        .await?;
        Ok(n)
    }

    /// Minutes in which one address cast more than `over` open ballots: (address hash,
    /// minute, count), busiest first, for the office to look into.
    pub async fn open_bursts(self, round_id: i64, over: i64) -> Result<Vec<(String, i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT address, minute, n FROM open_rates WHERE round_id = $1 AND n > $2 \
             ORDER BY n DESC, minute DESC LIMIT 100",
        )
        .bind(round_id)
        .bind(over)
        .fetch_all(self.store.reader())
        .await?)
    }

    /// The comments of a round's ballots (of one subject, if given), newest first.
    pub async fn comments(
        self,
        round_id: i64,
        subject_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<CommentRecord>> {
        sqlx::query(
            "SELECT id, subject_id, verdict, comment, hidden_reason FROM ballots \
             WHERE round_id = $1 AND comment <> '' AND ($2 = 0 OR subject_id = $3) \
             ORDER BY id DESC LIMIT $4",
        )
        .bind(round_id)
        .bind(i64::from(subject_id.is_some()))
        .bind(subject_id.unwrap_or(0))
        .bind(limit)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(|r| {
            let r = Row::of(r, "ballots");
            Ok(CommentRecord {
                ballot_id: r.get("id")?,
                subject_id: r.get("subject_id")?,
                verdict: r.parsed("verdict", Verdict::parse)?,
                comment: r.get("comment")?,
                hidden_reason: r.get("hidden_reason")?,
            })
        })
        .collect()
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
        .bind(r.subject_kind.as_str())
        .bind(r.mode.as_str())
        .bind(r.starts_on.to_string())
        .bind(r.ends_on.to_string())
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

    /// Stores new codes (keyed hashes) of a round: (hash, subject id). They are numbered
    /// after the round's codes so far, with clear bits in `code_marks`.
    pub async fn add_codes(&mut self, round_id: i64, codes: &[(String, i64)]) -> Result<usize> {
        let taken = codes.len() as i64;
        let (now_taken,): (i64,) = sqlx::query_as(
            "UPDATE eval_rounds SET marks_taken = marks_taken + $2 WHERE id = $1 \
             RETURNING marks_taken",
        )
        .bind(round_id)
        .bind(taken)
        .fetch_one(&mut *self.tx)
        .await?;
        let first = now_taken - taken;
        let mut marks = first..;
        for chunk in codes.chunks(500) {
            let sql = format!(
                "INSERT INTO ballot_codes (hash, round_id, subject_id, mark) VALUES {}",
                values_list(self.dialect, chunk.len(), 4)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for ((hash, subject), mark) in chunk.iter().zip(&mut marks) {
                q = q
                    .bind(hash.clone())
                    .bind(round_id)
                    .bind(*subject)
                    .bind(mark);
            }
            q.execute(&mut *self.tx).await?;
        }
        let last = first + codes.len() as i64 - 1;
        let words: Vec<i64> = (first / MARK_BITS..=last / MARK_BITS).collect();
        for chunk in words.chunks(500) {
            // The word of the first new code may exist already, part-filled.
            let sql = format!(
                "INSERT INTO code_marks (round_id, word, bits) VALUES {} \
                 ON CONFLICT (round_id, word) DO NOTHING",
                values_list(self.dialect, chunk.len(), 3)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for word in chunk {
                q = q.bind(round_id).bind(*word).bind(0i64);
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

    /// Casts a batch of open-mode ballots; for each, whether it was accepted. A browser
    /// that already voted for the subject is refused; each accepted ballot is stored in the
    /// same transaction.
    pub async fn cast_batch(&mut self, casts: &[Cast]) -> Result<Vec<bool>> {
        let mut accepted = Vec::with_capacity(casts.len());
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
        for c in casts {
            let ok = match &c.voter {
                Some(voter) => {
                    sqlx::query(sql)
                        .bind(c.round_id)
                        .bind(c.subject_id)
                        .bind(voter.clone())
                        .execute(&mut *self.tx)
                        .await?
                        .rows_affected()
                        == 1
                }
                None => false,
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

    /// The codes among `hashes` as this transaction sees them, by hash. Another server's
    /// batch may mark one of them before this one commits: [`WriteTx::cast_coded`] marks
    /// only bits still clear, and refuses the batch otherwise.
    pub async fn codes_in_tx(
        &mut self,
        hashes: &[String],
    ) -> Result<std::collections::HashMap<String, CodeRecord>> {
        let mut out = std::collections::HashMap::with_capacity(hashes.len());
        for chunk in hashes.chunks(500) {
            let sql = format!(
                "SELECT c.hash, c.round_id, c.subject_id, c.mark, \
                 (m.bits >> CAST(c.mark % 63 AS INTEGER)) & 1 FROM ballot_codes c \
                 JOIN code_marks m ON m.round_id = c.round_id AND m.word = c.mark / 63 \
                 WHERE c.hash IN ({})",
                crate::in_list(self.dialect, chunk.len())
            );
            let mut q = sqlx::query_as::<_, (String, i64, i64, i64, i64)>(AssertSqlSafe(sql));
            for h in chunk {
                q = q.bind(h.clone());
            }
            for (hash, round_id, subject_id, mark, used) in q.fetch_all(&mut *self.tx).await? {
                out.insert(hash, code_record((round_id, subject_id, mark, used)));
            }
        }
        Ok(out)
    }

    /// Stores code-mode ballots whose codes the caller found unused in this transaction,
    /// marking the codes used: one statement sets the bits of a batch, word by word, each
    /// word only if none of its new bits was set.
    pub async fn cast_coded(&mut self, casts: &[Cast]) -> Result<()> {
        let words = mark_words(casts);
        for chunk in words.chunks(300) {
            let sql = format!(
                "UPDATE code_marks SET bits = code_marks.bits | v.b FROM {} \
                 WHERE code_marks.round_id = v.r AND code_marks.word = v.w \
                 AND (code_marks.bits & v.b) = 0",
                crate::joined_rows(self.dialect, chunk.len(), &["r", "w", "b"], "v")
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for ((round_id, word), bits) in chunk {
                q = q.bind(*round_id).bind(*word).bind(*bits);
            }
            if q.execute(&mut *self.tx).await?.rows_affected() as usize != chunk.len() {
                return Err(crate::StoreError::Raced(
                    "a ballot code was marked by another writer meanwhile",
                ));
            }
        }
        let all: Vec<&Cast> = casts.iter().collect();
        self.insert_ballots(&all).await
    }

    /// Stores ballots, in a random order within the batch, adds them to the tallies and
    /// records the batch in the audit trail.
    async fn insert_ballots(&mut self, stored: &[&Cast]) -> Result<()> {
        if stored.is_empty() {
            return Ok(());
        }
        // Within a batch the ballots are stored in a random order, so that their ids do not
        // follow the order in which they were cast. Ids stay ascending from batch to batch:
        // random ids would scatter the inserts over the table and cost a third of the speed.
        let mut stored: Vec<&Cast> = stored.to_vec();
        shuffle(&mut stored);
        let first = self.take_ids("ballots", stored.len()).await?;
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
                q = q
                    .bind(*next.next().expect("one id per ballot"))
                    .bind(c.round_id)
                    .bind(c.subject_id)
                    .bind(c.mode())
                    .bind(c.verdict.as_str())
                    .bind(c.ratings.clone())
                    .bind(c.comment.clone());
            }
            q.execute(&mut *self.tx).await?;
        }
        let changes: Vec<_> = tally_changes(&stored).into_iter().collect();
        for chunk in changes.chunks(300) {
            // One row per key in each statement, as ON CONFLICT requires.
            let sql = format!(
                "INSERT INTO eval_tallies (round_id, subject_id, verdict, n) VALUES {} \
                 ON CONFLICT (round_id, subject_id, verdict) \
                 DO UPDATE SET n = eval_tallies.n + excluded.n",
                values_list(self.dialect, chunk.len(), 4)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            let facts = crate::scores::facts::tally_facts(self.dialect, chunk.len());
            let mut f = sqlx::query(AssertSqlSafe(facts));
            for ((round_id, subject_id, verdict), n) in chunk {
                q = q
                    .bind(*round_id)
                    .bind(*subject_id)
                    .bind(verdict.as_str())
                    .bind(*n);
                f = f
                    .bind(*round_id)
                    .bind(*subject_id)
                    .bind(verdict.as_str())
                    .bind(*n);
            }
            q.execute(&mut *self.tx).await?;
            f.execute(&mut *self.tx).await?;
        }
        self.score_changes
            .ballots(stored.iter().map(|c| (c.round_id, c.subject_id)));
        let ((action, entity, key), after) = ballot_audit(stored.len());
        self.record::<(), _>(action, entity, key, None, Some(&after))
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
