//! The ballot writer's transaction, the hot path of mass evaluation (群众评议): it looks a
//! batch's codes up, marks them used and stores the ballots, committed together.
//!
//! On PostgreSQL it is a [`WriteTx`]. On SQLite it runs on a thread of its own with a
//! connection of its own (rusqlite) to the same file, each statement prepared once and
//! stepped directly: through sqlx every argument was converted twice and every statement
//! and row crossed to sqlx's worker thread and back, which at 15,000 ballots a second was
//! 40 % of the server's time (docs/PERFORMANCE.md). Both paths keep the same rules: a code
//! is marked used only if it was not, in the transaction that stores its ballot, and one
//! audit entry per batch counts the ballots without naming a code or a ballot.

use crate::Evaluation;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;
use xianfeng_domain::i18n::Message;

use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::{OwnedMutexGuard, oneshot};

use crate::evaluation::pg_batch::PgBatch;
use crate::evaluation::{
    Cast, CodeRecord, ballot_audit, mark_bit, mark_words, shuffle, tally_changes,
};
use crate::write::chain_entry;
use crate::{Result, StoreError, WriteTx};
use xianfeng_domain::audit::ChainKey;

/// Marks codes used if none of them was: ($1 their bits, $2 round, $3 word); one row
/// changed if so.
const MARK_USED: &str = "UPDATE code_marks SET bits = bits | $1 \
     WHERE round_id = $2 AND word = $3 AND (bits & $1) = 0";

/// Adds $4 ballots to the count of ($1 round, $2 subject, $3 verdict).
const ADD_TO_TALLY: &str = "INSERT INTO eval_tallies (round_id, subject_id, verdict, n) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (round_id, subject_id, verdict) \
     DO UPDATE SET n = eval_tallies.n + excluded.n";

const INSERT_BALLOT: &str = "INSERT INTO ballots \
     (id, round_id, subject_id, mode, verdict, ratings, comment) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// One batch's transaction. Dropped without [`BallotTx::commit`], it is rolled back.
pub struct BallotTx(Kind);

enum Kind {
    Shared(Box<WriteTx>),
    Lane(LaneTx),
    Pg(Box<PgBatch>),
}

/// A transaction open on the lane's connection.
struct LaneTx {
    lane: Arc<Lane>,
    /// One transaction at a time on the lane's connection.
    _turn: OwnedMutexGuard<()>,
    finished: bool,
}

impl Drop for LaneTx {
    fn drop(&mut self) {
        if !self.finished {
            // Queued before the turn is released, so the next batch begins after it.
            self.lane.send(Op::Rollback, None);
        }
    }
}

impl Evaluation<'_> {
    /// Begins a ballot batch; `actor` is recorded in the audit trail.
    pub async fn begin_ballots(self, actor: &str) -> Result<BallotTx> {
        match &self.store.lane {
            Some(lane) => {
                let turn = lane.turn.clone().lock_owned().await;
                let tx = LaneTx {
                    lane: lane.clone(),
                    _turn: turn,
                    finished: false,
                };
                lane.call(Op::Begin(actor.to_string())).await?;
                Ok(BallotTx(Kind::Lane(tx)))
            }
            None => match &self.store.pg_lane {
                Some(lane) => Ok(BallotTx(Kind::Pg(Box::new(
                    PgBatch::begin(self.store, lane, actor).await?,
                )))),
                None => Ok(BallotTx(Kind::Shared(Box::new(
                    self.store.begin(actor).await?,
                )))),
            },
        }
    }
}

impl BallotTx {
    /// The codes among `hashes`, as this transaction sees them, by hash.
    pub async fn codes(&mut self, hashes: Vec<String>) -> Result<HashMap<String, CodeRecord>> {
        match &mut self.0 {
            Kind::Shared(tx) => tx.codes_in_tx(&hashes).await,
            Kind::Pg(tx) => tx.codes(hashes).await,
            Kind::Lane(tx) => match tx.lane.call(Op::Codes(hashes)).await? {
                Answer::Codes(found) => Ok(found),
                _ => unreachable!("the lane answers a look-up with codes"),
            },
        }
    }

    /// Stores code-mode ballots whose codes were found unused in this transaction,
    /// marking the codes used.
    pub async fn cast_coded(&mut self, casts: Vec<Cast>) -> Result<()> {
        if casts.is_empty() {
            return Ok(());
        }
        match &mut self.0 {
            Kind::Shared(tx) => tx.cast_coded(&casts).await,
            Kind::Pg(tx) => tx.cast_coded(casts).await,
            Kind::Lane(tx) => tx.lane.call(Op::CastCoded(casts)).await.map(|_| ()),
        }
    }

    /// Stores open-mode ballots, each unless its voter has voted for the subject; for
    /// each, whether it was accepted.
    pub async fn cast_open(&mut self, casts: Vec<Cast>) -> Result<Vec<bool>> {
        match &mut self.0 {
            Kind::Shared(tx) => tx.cast_batch(&casts).await,
            Kind::Pg(tx) => tx.cast_open(casts).await,
            Kind::Lane(tx) => match tx.lane.call(Op::CastOpen(casts)).await? {
                Answer::Accepted(accepted) => Ok(accepted),
                _ => unreachable!("the lane answers open ballots with their acceptance"),
            },
        }
    }

    /// Commits; the batch is on disk when this returns.
    pub async fn commit(self) -> Result<()> {
        match self.0 {
            Kind::Shared(tx) => tx.commit().await,
            Kind::Pg(tx) => tx.commit().await,
            Kind::Lane(mut tx) => {
                // The thread rolls back itself if the commit fails.
                tx.finished = true;
                tx.lane.call(Op::Commit).await.map(|_| ())
            }
        }
    }
}

enum Op {
    Begin(String),
    Codes(Vec<String>),
    CastCoded(Vec<Cast>),
    CastOpen(Vec<Cast>),
    Commit,
    Rollback,
}

enum Answer {
    Done,
    Codes(HashMap<String, CodeRecord>),
    Accepted(Vec<bool>),
}

type Reply = oneshot::Sender<Result<Answer>>;

/// A request to the thread; without a reply for a rollback nobody waits for.
type Request = (Op, Option<Reply>);

/// The SQLite ballot thread and its queue.
pub(crate) struct Lane {
    queue: Mutex<Option<mpsc::Sender<Request>>>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    turn: Arc<tokio::sync::Mutex<()>>,
}

impl Lane {
    /// Opens a connection to the database file and starts its thread.
    pub(crate) fn start(path: &Path, chain: ChainKey) -> Result<Lane> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        // synchronous=FULL: the commit has reached the disk (fsync) before any ballot of
        // the batch is acknowledged.
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; \
             PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;",
        )?;
        let (queue, requests) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("ballot-writer".into())
            .spawn(move || {
                run(
                    LaneWriter {
                        conn,
                        chain,
                        head: None,
                    },
                    requests,
                )
            })
            .map_err(|e| {
                StoreError::Invalid(Message::verbatim(format!(
                    "cannot start the ballot writer: {e}"
                )))
            })?;
        Ok(Lane {
            queue: Mutex::new(Some(queue)),
            thread: Mutex::new(Some(thread)),
            turn: Default::default(),
        })
    }

    fn send(&self, op: Op, reply: Option<Reply>) -> bool {
        let queue = self.queue.lock().expect("not poisoned");
        queue.as_ref().is_some_and(|q| q.send((op, reply)).is_ok())
    }

    async fn call(&self, op: Op) -> Result<Answer> {
        let stopped = || StoreError::Invalid(Message::verbatim("the ballot writer has stopped"));
        let (reply, answer) = oneshot::channel();
        if !self.send(op, Some(reply)) {
            return Err(stopped());
        }
        answer.await.map_err(|_| stopped())?
    }

    /// Lets the thread finish what is queued, close its connection and end.
    pub(crate) async fn stop(&self) {
        self.queue.lock().expect("not poisoned").take();
        let thread = self.thread.lock().expect("not poisoned").take();
        if let Some(thread) = thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

fn run(mut writer: LaneWriter, requests: mpsc::Receiver<Request>) {
    for (op, reply) in requests {
        let answer = writer.apply(op);
        if let Err(e) = &answer {
            tracing::error!("ballot writer: {e}");
        }
        if let Some(reply) = reply {
            let _ = reply.send(answer);
        }
    }
    if writer.head.is_some() {
        let _ = writer.conn.execute_batch("ROLLBACK");
    }
}

struct LaneWriter {
    conn: Connection,
    chain: ChainKey,
    /// Within a transaction: the actor and the end of the audit chain (last id, hash).
    head: Option<(String, i64, String)>,
}

impl LaneWriter {
    /// Runs a statement without parameters, prepared once per connection: preparing even
    /// `COMMIT` anew for every batch showed in the profile.
    fn run(&self, sql: &str) -> rusqlite::Result<usize> {
        self.conn.prepare_cached(sql)?.execute([])
    }

    fn apply(&mut self, op: Op) -> Result<Answer> {
        match op {
            Op::Begin(actor) => {
                if self.head.is_some() {
                    self.run("ROLLBACK")?;
                    self.head = None;
                }
                self.run("BEGIN IMMEDIATE")?;
                let (id, hash): (i64, String) = self
                    .conn
                    .prepare_cached("SELECT last_id, last_hash FROM audit_head WHERE id = 1")?
                    .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                self.head = Some((actor, id, hash));
                Ok(Answer::Done)
            }
            Op::Codes(hashes) => {
                // The code rows one by one, each word of bits once per batch: several codes
                // of a batch often share a word.
                let mut row = self.conn.prepare_cached(
                    "SELECT round_id, subject_id, mark FROM ballot_codes WHERE hash = $1",
                )?;
                let mut word_bits = self.conn.prepare_cached(
                    "SELECT bits FROM code_marks WHERE round_id = $1 AND word = $2",
                )?;
                let mut words: HashMap<(i64, i64), i64> = HashMap::new();
                let mut found = HashMap::with_capacity(hashes.len());
                for hash in hashes {
                    let code = row
                        .query_row([&hash], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                        .optional()?;
                    let Some((round_id, subject_id, mark)) = code else {
                        continue;
                    };
                    let (bit, word) = mark_bit(mark);
                    let bits = match words.get(&(round_id, word)) {
                        Some(bits) => *bits,
                        None => {
                            let bits: i64 = word_bits
                                .query_row(params![round_id, word], |r| r.get(0))
                                .optional()?
                                .unwrap_or(0);
                            words.insert((round_id, word), bits);
                            bits
                        }
                    };
                    found.insert(
                        hash,
                        CodeRecord {
                            round_id,
                            subject_id,
                            mark,
                            used: bits & bit != 0,
                        },
                    );
                }
                Ok(Answer::Codes(found))
            }
            Op::CastCoded(casts) => {
                {
                    let mut mark = self.conn.prepare_cached(MARK_USED)?;
                    for ((round_id, word), bits) in mark_words(&casts) {
                        if mark.execute(params![bits, round_id, word])? != 1 {
                            return Err(StoreError::Raced(
                                "a ballot code was marked by another writer meanwhile",
                            ));
                        }
                    }
                }
                let stored: Vec<&Cast> = casts.iter().collect();
                self.insert_ballots(stored)?;
                Ok(Answer::Done)
            }
            Op::CastOpen(casts) => {
                let mut accepted = Vec::with_capacity(casts.len());
                {
                    let mut once = self.conn.prepare_cached(
                        "INSERT OR IGNORE INTO open_voters (round_id, subject_id, voter) \
                         VALUES (?1, ?2, ?3)",
                    )?;
                    for c in &casts {
                        let ok = match &c.voter {
                            Some(voter) => {
                                once.execute(params![c.round_id, c.subject_id, voter])? == 1
                            }
                            None => false,
                        };
                        accepted.push(ok);
                    }
                }
                let stored = casts.iter().zip(&accepted).filter(|(_, ok)| **ok);
                self.insert_ballots(stored.map(|(c, _)| c).collect())?;
                Ok(Answer::Accepted(accepted))
            }
            Op::Commit => {
                let (_, id, hash) = self.head.take().ok_or_else(|| {
                    StoreError::Invalid(Message::verbatim("commit without a ballot transaction"))
                })?;
                let done = self
                    .conn
                    .prepare_cached(
                        "UPDATE audit_head SET last_id = ?1, last_hash = ?2 WHERE id = 1",
                    )
                    .and_then(|mut head| head.execute(params![id, hash]))
                    .and_then(|_| self.run("COMMIT"));
                if done.is_err() && !self.conn.is_autocommit() {
                    let _ = self.run("ROLLBACK");
                }
                done?;
                Ok(Answer::Done)
            }
            Op::Rollback => {
                if self.head.take().is_some() {
                    self.run("ROLLBACK")?;
                }
                Ok(Answer::Done)
            }
        }
    }

    /// Stores ballots in a random order within the batch, with the batch's audit entry.
    fn insert_ballots(&mut self, mut stored: Vec<&Cast>) -> Result<()> {
        if stored.is_empty() {
            return Ok(());
        }
        let (actor, last_id, last_hash) = self.head.as_mut().ok_or_else(|| {
            StoreError::Invalid(Message::verbatim("ballots outside a transaction"))
        })?;
        shuffle(&mut stored);
        let taken = stored.len() as i64;
        let last: i64 = self
            .conn
            .prepare_cached(
                "UPDATE id_counters SET last_id = last_id + ?1 WHERE name = 'ballots' \
                 RETURNING last_id",
            )?
            .query_row([taken], |r| r.get(0))?;
        let first = last - taken + 1;
        let mut insert = self.conn.prepare_cached(INSERT_BALLOT)?;
        for (id, c) in (first..).zip(&stored) {
            insert.execute(params![
                id,
                c.round_id,
                c.subject_id,
                c.mode(),
                c.verdict.as_str(),
                c.ratings,
                c.comment
            ])?;
        }
        let mut add = self.conn.prepare_cached(ADD_TO_TALLY)?;
        let facts = crate::scores::facts::tally_facts(crate::Dialect::Sqlite, 1);
        let mut add_facts = self.conn.prepare_cached(&facts)?;
        let mut subjects = std::collections::BTreeSet::new();
        for ((round_id, subject_id, verdict), n) in tally_changes(&stored) {
            add.execute(params![round_id, subject_id, verdict.as_str(), n])?;
            add_facts.execute(params![round_id, subject_id, verdict.as_str(), n])?;
            subjects.insert((round_id, subject_id));
        }
        let (what, after) = ballot_audit(stored.len());
        let e = chain_entry(
            &self.chain,
            (*last_id, last_hash),
            actor,
            what,
            None::<&()>,
            Some(&after),
        );
        self.conn
            .prepare_cached(
                "INSERT INTO audit_log (id, at, actor, action, entity, entity_key, before_json, \
                 after_json, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                e.id,
                e.at,
                e.actor,
                e.action,
                e.entity,
                e.entity_key,
                e.before,
                e.after,
                e.prev_hash,
                e.hash
            ])?;
        // The scores' change at the batch's own audit position (scores::changes).
        let changes = crate::scores::changes::ballot_changes(crate::Dialect::Sqlite, 1);
        let mut changed = self.conn.prepare_cached(&changes)?;
        // The one writer seals as it writes: the change's position is its entry's id.
        let key = format!("ballots-{}", e.id);
        for (round_id, subject_id) in subjects {
            changed.execute(params![key, e.id, e.at, round_id, subject_id])?;
        }
        *last_id = e.id;
        *last_hash = e.hash;
        Ok(())
    }
}
