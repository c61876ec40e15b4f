//! The ballot writer's transaction on PostgreSQL. It runs on connections of its own
//! (sqlx's PostgreSQL driver, not `Any`), so that a batch's rows travel as arrays bound to
//! statements whose text never changes: each is parsed and planned once per connection.
//! Through `Any` a batch's rows were spelled out as `VALUES` lists, a statement text per
//! batch size, parsed and planned anew nearly every batch — the database's time went there
//! (docs/PERFORMANCE.md). The rules are those of the SQLite lane and of `WriteTx`: a code is
//! marked used only if it was not, in the transaction that stores its ballot; a batch whose
//! code another writer marked meanwhile is refused whole (`StoreError::Raced`) and decided
//! again; one audit entry per batch counts the ballots without naming a code or a ballot.

use std::collections::{BTreeSet, HashMap};

use sqlx::postgres::{PgPool, PgPoolOptions, Postgres};
use sqlx::{AssertSqlSafe, Transaction};

use crate::evaluation::{Cast, CodeRecord, ballot_audit, code_record, mark_words, shuffle};
use crate::{Result, Store, StoreError, now_ms};

/// The codes among $1, with whether each is used.
const LOOK_UP: &str = "SELECT c.hash, c.round_id, c.subject_id, c.mark, \
     (m.bits >> CAST(c.mark % 63 AS INTEGER)) & 1 FROM ballot_codes c \
     JOIN code_marks m ON m.round_id = c.round_id AND m.word = c.mark / 63 \
     WHERE c.hash = ANY($1)";

/// Sets the bits $3 of the words ($1 round, $2 word), each word only if none of its new
/// bits was set.
const MARK: &str = "UPDATE code_marks SET bits = code_marks.bits | v.b \
     FROM unnest($1::BIGINT[], $2::BIGINT[], $3::BIGINT[]) AS v(r, w, b) \
     WHERE code_marks.round_id = v.r AND code_marks.word = v.w \
     AND (code_marks.bits & v.b) = 0";

/// Records the open-mode voters ($1 round, $2 subject, $3 voter) not recorded yet; returns
/// those recorded now.
const OPEN_VOTERS: &str = "INSERT INTO open_voters (round_id, subject_id, voter) \
     SELECT * FROM unnest($1::BIGINT[], $2::BIGINT[], $3::TEXT[]) \
     ON CONFLICT DO NOTHING RETURNING round_id, subject_id, voter";

/// Stores the ballots ($1 id, $2 round, $3 subject, $4 mode, $5 verdict, $6 ratings,
/// $7 comment) and, in the same statement, adds them to the tallies and score facts,
/// notes the subjects whose scores changed ($8 transaction key, $9 now) and writes the
/// batch's audit entry ($8, $9, $10 actor, $11 action, $12 entity, $13 key, $14 after).
/// The periods a round counts towards are those that hold its last day, as in
/// `scores::facts::tally_facts`.
const STORE: &str = "WITH b AS ( \
       SELECT * FROM unnest($1::BIGINT[], $2::BIGINT[], $3::BIGINT[], $4::TEXT[], \
       $5::TEXT[], $6::TEXT[], $7::TEXT[]) AS b(id, r, s, mode, v, ratings, comment)), \
     ins AS (INSERT INTO ballots (id, round_id, subject_id, mode, verdict, ratings, comment) \
       SELECT id, r, s, mode, v, ratings, comment FROM b), \
     t AS (SELECT r, s, v, COUNT(*) AS n FROM b GROUP BY r, s, v), \
     tallied AS (INSERT INTO eval_tallies (round_id, subject_id, verdict, n) \
       SELECT r, s, v, n FROM t ORDER BY r, s, v ON CONFLICT (round_id, subject_id, verdict) \
       DO UPDATE SET n = eval_tallies.n + excluded.n), \
     facts AS (INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id, \
       satisfied, basically_satisfied, dissatisfied) \
       SELECT e.campaign_id, p.code, e.subject_kind, t.s, \
       SUM(CASE WHEN t.v = 'satisfied' THEN t.n ELSE 0 END), \
       SUM(CASE WHEN t.v = 'basically_satisfied' THEN t.n ELSE 0 END), \
       SUM(CASE WHEN t.v = 'dissatisfied' THEN t.n ELSE 0 END) \
       FROM t JOIN eval_rounds e ON e.id = t.r \
       JOIN campaign_periods p ON p.campaign_id = e.campaign_id \
       AND p.starts_on <= e.ends_on AND e.ends_on <= p.ends_on \
       GROUP BY e.campaign_id, p.code, e.subject_kind, t.s \
       ORDER BY e.campaign_id, p.code, e.subject_kind, t.s \
       ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET \
       satisfied = score_facts.satisfied + excluded.satisfied, \
       basically_satisfied = score_facts.basically_satisfied + excluded.basically_satisfied, \
       dissatisfied = score_facts.dissatisfied + excluded.dissatisfied), \
     changed AS (INSERT INTO score_changes (tx_key, position, campaign_id, subject_kind, \
       subject_id, at_ms) SELECT DISTINCT $8, 0, e.campaign_id, e.subject_kind, t.s, $9 \
       FROM t JOIN eval_rounds e ON e.id = t.r ON CONFLICT DO NOTHING), \
     audited AS (INSERT INTO audit_pending (tx_key, seq, written_at, at, actor, action, \
       entity, entity_key, before_json, after_json) \
       VALUES ($8, 1, $9, $9, $10, $11, $12, $13, 'null', $14)) \
     SELECT COUNT(*) FROM b";

/// Ids of ballots this process takes at once: a statement per this many ballots.
const BALLOT_ID_BLOCK: usize = 4_096;

/// The PostgreSQL connections of the ballot writer.
pub(crate) struct PgLane {
    pool: PgPool,
}

impl PgLane {
    /// Connections to `url`, opened when first used; `size` writers at most.
    pub(crate) fn connect(url: &str, size: u32, settings: &crate::PoolSettings) -> Result<PgLane> {
        let pool = PgPoolOptions::new()
            .max_connections(size.max(1))
            .acquire_timeout(settings.acquire_timeout)
            .connect_lazy(url)?;
        Ok(PgLane { pool })
    }

    pub(crate) async fn stop(&self) {
        self.pool.close().await;
    }
}

/// One batch on the lane: rows gathered until commit, which stores them in one statement.
pub(crate) struct PgBatch {
    store: Store,
    tx: Transaction<'static, Postgres>,
    actor: String,
    /// The ballots to store: coded ones whose codes are marked, open ones accepted.
    ballots: Vec<Cast>,
}

impl PgBatch {
    pub(crate) async fn begin(store: &Store, lane: &PgLane, actor: &str) -> Result<PgBatch> {
        Ok(PgBatch {
            store: store.clone(),
            tx: lane.pool.begin().await?,
            actor: actor.to_string(),
            ballots: Vec::new(),
        })
    }

    pub(crate) async fn codes(
        &mut self,
        hashes: Vec<String>,
    ) -> Result<HashMap<String, CodeRecord>> {
        let rows: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(LOOK_UP)
            .bind(hashes)
            .fetch_all(&mut *self.tx)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(hash, round, subject, mark, used)| {
                (hash, code_record((round, subject, mark, used)))
            })
            .collect())
    }

    pub(crate) async fn cast_coded(&mut self, casts: Vec<Cast>) -> Result<()> {
        let words = mark_words(&casts);
        let (mut rounds, mut at, mut bits) = (vec![], vec![], vec![]);
        for ((round, word), b) in &words {
            rounds.push(*round);
            at.push(*word);
            bits.push(*b);
        }
        let marked = sqlx::query(MARK)
            .bind(rounds)
            .bind(at)
            .bind(bits)
            .execute(&mut *self.tx)
            .await?
            .rows_affected();
        if marked as usize != words.len() {
            return Err(StoreError::Raced(
                "a ballot code was marked by another writer meanwhile",
            ));
        }
        self.ballots.extend(casts);
        Ok(())
    }

    pub(crate) async fn cast_open(&mut self, casts: Vec<Cast>) -> Result<Vec<bool>> {
        // A voter twice in one batch: the first is recorded, the second refused as if it
        // came after it.
        let mut seen = BTreeSet::new();
        let first: Vec<bool> = casts
            .iter()
            .map(|c| {
                c.voter
                    .as_ref()
                    .is_some_and(|v| seen.insert((c.round_id, c.subject_id, v.clone())))
            })
            .collect();
        let (mut rounds, mut subjects, mut voters) = (vec![], vec![], vec![]);
        for (c, _) in casts.iter().zip(&first).filter(|(_, first)| **first) {
            rounds.push(c.round_id);
            subjects.push(c.subject_id);
            voters.push(c.voter.clone().unwrap_or_default());
        }
        let recorded: BTreeSet<(i64, i64, String)> = sqlx::query_as(OPEN_VOTERS)
            .bind(rounds)
            .bind(subjects)
            .bind(voters)
            .fetch_all(&mut *self.tx)
            .await?
            .into_iter()
            .collect();
        let mut accepted = Vec::with_capacity(casts.len());
        for (c, first) in casts.into_iter().zip(first) {
            let ok = first
                && c.voter
                    .as_ref()
                    .is_some_and(|v| recorded.contains(&(c.round_id, c.subject_id, v.clone())));
            accepted.push(ok);
            if ok {
                self.ballots.push(c);
            }
        }
        Ok(accepted)
    }

    pub(crate) async fn commit(mut self) -> Result<()> {
        if !self.ballots.is_empty() {
            self.store_ballots().await?;
        }
        self.tx.commit().await?;
        // The ballots are kept once committed; their audit entry is sealed beside the next
        // batch rather than before this one's voters hear back.
        let store = self.store;
        tokio::spawn(async move { store.sealed_after_commit().await });
        Ok(())
    }

    async fn store_ballots(&mut self) -> Result<()> {
        // Within a batch the ballots are stored in a random order, so that their ids do not
        // follow the order in which they were cast; ids ascend from batch to batch.
        let mut ballots = std::mem::take(&mut self.ballots);
        shuffle(&mut ballots);
        let n = ballots.len();
        let first = self
            .store
            .ids
            .take_in_blocks(&self.store.write, "ballots", n, BALLOT_ID_BLOCK)
            .await?;
        let mut cols = Columns::with_capacity(n);
        for (i, c) in ballots.iter().enumerate() {
            cols.push(first + i as i64, c);
        }
        let mut key = [0u8; 16];
        getrandom::fill(&mut key).expect("the system's random source works");
        let ((action, entity, entity_key), after) = ballot_audit(n);
        let stored: i64 = sqlx::query_scalar(AssertSqlSafe(STORE))
            .bind(cols.id)
            .bind(cols.round)
            .bind(cols.subject)
            .bind(cols.mode)
            .bind(cols.verdict)
            .bind(cols.ratings)
            .bind(cols.comment)
            .bind(hex::encode(key))
            .bind(now_ms())
            .bind(&self.actor)
            .bind(action)
            .bind(entity)
            .bind(entity_key)
            .bind(after.to_string())
            .fetch_one(&mut *self.tx)
            .await?;
        debug_assert_eq!(stored as usize, n);
        Ok(())
    }
}

/// A batch's ballots, column by column, as the arrays `STORE` takes.
struct Columns {
    id: Vec<i64>,
    round: Vec<i64>,
    subject: Vec<i64>,
    mode: Vec<&'static str>,
    verdict: Vec<&'static str>,
    ratings: Vec<String>,
    comment: Vec<String>,
}

impl Columns {
    fn with_capacity(n: usize) -> Columns {
        Columns {
            id: Vec::with_capacity(n),
            round: Vec::with_capacity(n),
            subject: Vec::with_capacity(n),
            mode: Vec::with_capacity(n),
            verdict: Vec::with_capacity(n),
            ratings: Vec::with_capacity(n),
            comment: Vec::with_capacity(n),
        }
    }

    fn push(&mut self, id: i64, c: &Cast) {
        self.id.push(id);
        self.round.push(c.round_id);
        self.subject.push(c.subject_id);
        self.mode.push(c.mode());
        self.verdict.push(c.verdict.as_str());
        self.ratings.push(c.ratings.clone());
        self.comment.push(c.comment.clone());
    }
}
