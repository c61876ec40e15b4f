//! The ballot writer, the hot path of mass evaluation (群众评议): it gathers ballots into
//! batches, looks a batch's codes up, has each ballot decided by the caller's rules, marks
//! the codes used and stores the ballots, committed together, then answers each.
//!
//! On PostgreSQL a batch runs on the driver's own connections ([`PgBatch`]). On SQLite the
//! writer is a thread of its own with a connection of its own (rusqlite) to the same file,
//! which gathers its batches from its own queue and does each in one go, every statement
//! prepared once and stepped directly: through sqlx every argument was converted twice and
//! every statement and row crossed to sqlx's worker thread and back, which at 15,000
//! ballots a second was 40 % of the server's time (docs/PERFORMANCE.md). Both paths keep
//! the same rules: a code is marked used only if it was not, in the transaction that
//! stores its ballot, and one audit entry per batch counts the ballots without naming a
//! code or a ballot.

use crate::Evaluation;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;
use xianfeng_domain::i18n::Message;

use rusqlite::{Connection, OptionalExtension, params};

use crate::evaluation::pg_batch::PgBatch;
use crate::evaluation::{
    Cast, CodeRecord, ballot_audit, mark_bit, mark_words, shuffle, tally_changes,
};
use crate::write::chain_entry;
use crate::{Result, StoreError};
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

/// One ballot for the writer: the code it comes with, how it is decided against that code
/// as its batch's transaction sees it, and whom to tell once the batch is over. The
/// storage gathers and writes; the rules of what is accepted stay with the caller.
pub trait BallotJob: Send {
    /// The keyed hash of its code; `None` for an open-mode ballot.
    fn hash(&self) -> Option<&str>;
    /// What to store given its code (`None`: no such code; `used` also when an earlier
    /// ballot of the batch took it); called again if the batch is written again.
    fn decide(&mut self, code: Option<&CodeRecord>) -> Decision;
    /// After the batch: whether what it stored was kept (an open ballot is not when its
    /// voter has voted for the subject), or why nothing of the batch was kept.
    fn finish(self: Box<Self>, outcome: std::result::Result<bool, &StoreError>);
}

/// What a ballot stores: a coded ballot (`code_mark` set) or an open one; or nothing.
pub enum Decision {
    Store(Cast),
    Nothing,
}

/// Ballots decided and committed together at most.
pub const BALLOT_BATCH: usize = 512;

/// Who casts ballots, in the audit trail.
const BALLOT_ACTOR: &str = "public";

/// A batch's jobs decided against the codes found: the coded ballots, the open ones, and
/// which job each open ballot is.
struct Decided {
    coded: Vec<Cast>,
    open: Vec<Cast>,
    open_at: Vec<usize>,
}

fn decide_all(
    jobs: &mut [Box<dyn BallotJob>],
    keys: &[Option<String>],
    found: &HashMap<String, CodeRecord>,
) -> Decided {
    let mut taken = std::collections::HashSet::new();
    let mut decided = Decided {
        coded: Vec::new(),
        open: Vec::new(),
        open_at: Vec::new(),
    };
    for (at, (job, key)) in jobs.iter_mut().zip(keys).enumerate() {
        let code = key.as_deref().and_then(|k| {
            found.get(k).map(|c| CodeRecord {
                used: c.used || taken.contains(k),
                ..c.clone()
            })
        });
        if let Decision::Store(cast) = job.decide(code.as_ref()) {
            match key {
                Some(k) if cast.code_mark.is_some() => {
                    taken.insert(k.as_str());
                    decided.coded.push(cast);
                }
                _ => {
                    decided.open_at.push(at);
                    decided.open.push(cast);
                }
            }
        }
    }
    decided
}

/// Each job's code hash (`None` for an open ballot), and the hashes to look up.
fn keys_of(jobs: &[Box<dyn BallotJob>]) -> (Vec<Option<String>>, Vec<String>) {
    let keys: Vec<Option<String>> = jobs.iter().map(|j| j.hash().map(String::from)).collect();
    let hashes = keys.iter().flatten().cloned().collect();
    (keys, hashes)
}

/// Tells each job of a batch how it ended.
fn finish_all(jobs: Vec<Box<dyn BallotJob>>, outcome: Result<(Vec<usize>, Vec<bool>)>) {
    match outcome {
        Ok((open_at, accepted)) => {
            let mut kept = vec![true; jobs.len()];
            for (at, ok) in open_at.into_iter().zip(accepted) {
                kept[at] = ok;
            }
            for (job, kept) in jobs.into_iter().zip(kept) {
                job.finish(Ok(kept));
            }
        }
        Err(e) => {
            tracing::error!("ballot batch: {e}");
            for job in jobs {
                job.finish(Err(&e));
            }
        }
    }
}

impl Evaluation<'_> {
    /// Whether ballots go to the SQLite ballot thread ([`Evaluation::queue_ballot`]) rather
    /// than through [`Evaluation::write_batch`].
    pub fn has_ballot_thread(&self) -> bool {
        self.store.lane.is_some()
    }

    /// Hands a ballot to the SQLite ballot thread, which gathers what is queued into a
    /// batch as soon as it has finished the one before, writes it and tells each job. The
    /// job back if there is no such thread (or it has stopped).
    ///
    /// The thread gathers itself: when a task of the runtime gathered, it ran only after
    /// the requests of the last batch had all been answered, and the thread stood idle
    /// meanwhile (docs/PERFORMANCE.md).
    pub fn queue_ballot(
        &self,
        job: Box<dyn BallotJob>,
    ) -> std::result::Result<(), Box<dyn BallotJob>> {
        match &self.store.lane {
            Some(lane) => lane.send(job),
            None => Err(job),
        }
    }

    /// Writes a batch: looks its codes up, decides each job, stores and commits, the whole
    /// tried again a few times when the database refuses it for a concurrent writer; then
    /// tells each job.
    pub async fn write_batch(self, mut jobs: Vec<Box<dyn BallotJob>>) {
        let (keys, hashes) = keys_of(&jobs);
        let mut attempt = 0;
        let outcome = loop {
            match self.write_once(&hashes, &keys, &mut jobs).await {
                Err(e)
                    if crate::retry::is_retryable(&e) && attempt + 1 < crate::retry::ATTEMPTS =>
                {
                    attempt += 1;
                    crate::retry::backoff(attempt).await;
                }
                outcome => break outcome,
            }
        };
        finish_all(jobs, outcome);
    }

    async fn write_once(
        &self,
        hashes: &[String],
        keys: &[Option<String>],
        jobs: &mut [Box<dyn BallotJob>],
    ) -> Result<(Vec<usize>, Vec<bool>)> {
        match &self.store.pg_lane {
            Some(lane) => {
                let mut tx = PgBatch::begin(self.store, lane, BALLOT_ACTOR).await?;
                let found = if hashes.is_empty() {
                    HashMap::new()
                } else {
                    tx.codes(hashes.to_vec()).await?
                };
                let decided = decide_all(jobs, keys, &found);
                if !decided.coded.is_empty() {
                    tx.cast_coded(decided.coded).await?;
                }
                let accepted = if decided.open.is_empty() {
                    Vec::new()
                } else {
                    tx.cast_open(decided.open).await?
                };
                tx.commit().await?;
                Ok((decided.open_at, accepted))
            }
            None => {
                let mut tx = self.store.begin(BALLOT_ACTOR).await?;
                let found = if hashes.is_empty() {
                    HashMap::new()
                } else {
                    tx.codes_in_tx(hashes).await?
                };
                let decided = decide_all(jobs, keys, &found);
                if !decided.coded.is_empty() {
                    tx.cast_coded(&decided.coded).await?;
                }
                let accepted = if decided.open.is_empty() {
                    Vec::new()
                } else {
                    tx.cast_batch(&decided.open).await?
                };
                tx.commit().await?;
                Ok((decided.open_at, accepted))
            }
        }
    }
}

/// The SQLite ballot thread and its queue.
pub(crate) struct Lane {
    queue: Mutex<Option<mpsc::Sender<Box<dyn BallotJob>>>>,
    /// Jobs queued and not yet gathered (the `ballot_queue_waiting` gauge).
    waiting: Arc<AtomicUsize>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
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
        let waiting = Arc::new(AtomicUsize::new(0));
        let writer = LaneWriter {
            conn,
            chain,
            head: None,
        };
        let gauge = waiting.clone();
        let thread = std::thread::Builder::new()
            .name("ballot-writer".into())
            .spawn(move || run(writer, requests, &gauge))
            .map_err(|e| {
                StoreError::Invalid(Message::verbatim(format!(
                    "cannot start the ballot writer: {e}"
                )))
            })?;
        Ok(Lane {
            queue: Mutex::new(Some(queue)),
            waiting,
            thread: Mutex::new(Some(thread)),
        })
    }

    fn send(&self, job: Box<dyn BallotJob>) -> std::result::Result<(), Box<dyn BallotJob>> {
        let queue = self.queue.lock().expect("not poisoned");
        match queue.as_ref() {
            Some(q) => {
                self.waiting.fetch_add(1, Ordering::Relaxed);
                q.send(job).map_err(|mpsc::SendError(job)| {
                    self.waiting.fetch_sub(1, Ordering::Relaxed);
                    job
                })
            }
            None => Err(job),
        }
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

/// The thread: takes what is queued, up to a batch, as soon as the batch before is over.
fn run(
    mut writer: LaneWriter,
    requests: mpsc::Receiver<Box<dyn BallotJob>>,
    waiting: &AtomicUsize,
) {
    while let Ok(first) = requests.recv() {
        let mut jobs = vec![first];
        while jobs.len() < BALLOT_BATCH {
            match requests.try_recv() {
                Ok(next) => jobs.push(next),
                Err(_) => break,
            }
        }
        let left = waiting.fetch_sub(jobs.len(), Ordering::Relaxed) - jobs.len();
        metrics::histogram!("ballot_batch_size").record(jobs.len() as f64);
        metrics::gauge!("ballot_queue_waiting").set(left as f64);
        let (keys, hashes) = keys_of(&jobs);
        let mut attempt = 0;
        let outcome = loop {
            match writer.write(&hashes, &keys, &mut jobs) {
                Err(e)
                    if crate::retry::is_retryable(&e) && attempt + 1 < crate::retry::ATTEMPTS =>
                {
                    attempt += 1;
                    std::thread::sleep(crate::retry::backoff_time(attempt));
                }
                outcome => break outcome,
            }
        };
        finish_all(jobs, outcome);
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

    /// One attempt at a batch, in one transaction: rolled back unless it commits.
    fn write(
        &mut self,
        hashes: &[String],
        keys: &[Option<String>],
        jobs: &mut [Box<dyn BallotJob>],
    ) -> Result<(Vec<usize>, Vec<bool>)> {
        self.run("BEGIN IMMEDIATE")?;
        let written = self.write_in_tx(hashes, keys, jobs);
        if written.is_err() && !self.conn.is_autocommit() {
            let _ = self.run("ROLLBACK");
        }
        self.head = None;
        written
    }

    fn write_in_tx(
        &mut self,
        hashes: &[String],
        keys: &[Option<String>],
        jobs: &mut [Box<dyn BallotJob>],
    ) -> Result<(Vec<usize>, Vec<bool>)> {
        let (id, hash): (i64, String) = self
            .conn
            .prepare_cached("SELECT last_id, last_hash FROM audit_head WHERE id = 1")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        self.head = Some((BALLOT_ACTOR.to_string(), id, hash));
        let found = self.codes(hashes)?;
        let decided = decide_all(jobs, keys, &found);
        self.cast_coded(decided.coded)?;
        let accepted = self.cast_open(decided.open)?;
        let (_, id, hash) = self.head.take().expect("set above");
        self.conn
            .prepare_cached("UPDATE audit_head SET last_id = ?1, last_hash = ?2 WHERE id = 1")?
            .execute(params![id, hash])?;
        self.run("COMMIT")?;
        Ok((decided.open_at, accepted))
    }

    /// The codes among `hashes` by hash, read one by one, each word of bits once per
    /// batch: several codes of a batch often share a word.
    fn codes(&self, hashes: &[String]) -> Result<HashMap<String, CodeRecord>> {
        let mut found = HashMap::with_capacity(hashes.len());
        if hashes.is_empty() {
            return Ok(found);
        }
        let mut row = self.conn.prepare_cached(
            "SELECT round_id, subject_id, mark FROM ballot_codes WHERE hash = $1",
        )?;
        let mut word_bits = self
            .conn
            .prepare_cached("SELECT bits FROM code_marks WHERE round_id = $1 AND word = $2")?;
        let mut words: HashMap<(i64, i64), i64> = HashMap::new();
        for hash in hashes {
            let code = row
                .query_row([hash], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
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
                hash.clone(),
                CodeRecord {
                    round_id,
                    subject_id,
                    mark,
                    used: bits & bit != 0,
                },
            );
        }
        Ok(found)
    }

    /// Stores code-mode ballots whose codes were found unused, marking the codes used.
    fn cast_coded(&mut self, casts: Vec<Cast>) -> Result<()> {
        if casts.is_empty() {
            return Ok(());
        }
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
        self.insert_ballots(casts.iter().collect())
    }

    /// Stores open-mode ballots, each unless its voter has voted for the subject; for
    /// each, whether it was accepted.
    fn cast_open(&mut self, casts: Vec<Cast>) -> Result<Vec<bool>> {
        let mut accepted = Vec::with_capacity(casts.len());
        if casts.is_empty() {
            return Ok(accepted);
        }
        {
            let mut once = self.conn.prepare_cached(
                "INSERT OR IGNORE INTO open_voters (round_id, subject_id, voter) \
                 VALUES (?1, ?2, ?3)",
            )?;
            for c in &casts {
                let ok = match &c.voter {
                    Some(voter) => once.execute(params![c.round_id, c.subject_id, voter])? == 1,
                    None => false,
                };
                accepted.push(ok);
            }
        }
        let stored = casts.iter().zip(&accepted).filter(|(_, ok)| **ok);
        self.insert_ballots(stored.map(|(c, _)| c).collect())?;
        Ok(accepted)
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
