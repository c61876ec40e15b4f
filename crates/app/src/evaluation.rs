//! Mass evaluation (群众评议) as the office and the public use it: rounds over a scope,
//! ballot codes issued per subject and exported for printing, ballots cast exactly once
//! through one writer that commits them in batches, results and the secrecy invariant.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};
use xianfeng_domain::ballot::{Ballot, BallotCode, Mode, Tally, check_ballot};
use xianfeng_domain::campaign::PhasedAction;
use xianfeng_domain::i18n::Message;
use xianfeng_domain::policy::Action;
use xianfeng_domain::sheet::csv_cell;
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::{
    BALLOT_BATCH, BallotJob, Cast, Decision, NewRound, RoundRecord, RoundSubject, Store,
};

use crate::actor::Actor;
use crate::{AppError, scope};

/// The longest round name.
pub const MAX_NAME: usize = 100;
/// Codes issued per subject at a time.
pub const MAX_PER_SUBJECT: usize = 10_000;

/// What the office types to create a round.
pub struct RoundInput<'a> {
    pub name: &'a str,
    pub scope: &'a str,
    /// `organisations`, `members`, `teams` or `cadres`.
    pub subjects: &'a str,
    pub mode: &'a str,
    pub starts_on: &'a str,
    pub ends_on: &'a str,
}

fn kind_of(s: &str) -> Option<SubjectKind> {
    match s {
        "organisations" | "organisation" => Some(SubjectKind::Organisation),
        "members" | "member" => Some(SubjectKind::Member),
        "teams" | "team" => Some(SubjectKind::Team),
        "cadres" | "cadre" => Some(SubjectKind::Cadre),
        _ => None,
    }
}

fn input(key: &'static str, args: &[(&'static str, &dyn std::fmt::Display)]) -> AppError {
    AppError::Input(Message::of(key, args))
}

/// Creates a round over the subjects of a kind in the scope's subtree. For organisations
/// these are the organisations below the scope (the scope itself when it has none).
/// `actor` is `None` for the operator at the command line.
pub async fn create_round(
    store: &Store,
    actor: Option<&Actor<'_>>,
    i: &RoundInput<'_>,
) -> Result<i64, AppError> {
    let name = i.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(input("eval.name", &[("max", &MAX_NAME)]));
    }
    let scope = scope::org_for(
        store,
        actor.map(|a| a.principal),
        i.scope,
        Action::ManageEvaluations,
    )
    .await?;
    let kind = kind_of(i.subjects).ok_or_else(|| input("eval.subjects", &[]))?;
    let mode = Mode::parse(i.mode).ok_or_else(|| input("eval.mode", &[]))?;
    let day = |s: &str| {
        xianfeng_domain::dates::parse_date(s).ok_or_else(|| input("eval.date", &[("value", &s)]))
    };
    let (starts, ends) = (day(i.starts_on)?, day(i.ends_on)?);
    if ends < starts {
        return Err(input("eval.dates", &[]));
    }
    // A round is open for evaluating from its first day: that day must lie in a phase
    // that opens evaluation (or a span the office opened).
    let (campaign_id, _) =
        crate::campaigns::open_for(store, PhasedAction::Evaluate, starts).await?;
    let subjects = subjects_under(store, &scope, kind).await?;
    if subjects.is_empty() {
        return Err(input("eval.no_subjects", &[]));
    }
    let by = actor.map_or("cli", |a| a.username);
    let mut tx = store.begin(by).await?;
    let id = tx
        .create_round(&NewRound {
            campaign_id,
            name: name.to_string(),
            scope_org_id: scope.id,
            subject_kind: kind,
            mode,
            starts_on: starts,
            ends_on: ends,
            subjects,
        })
        .await?;
    tx.commit().await?;
    Ok(id)
}

async fn subjects_under(
    store: &Store,
    scope: &xianfeng_storage::OrgRecord,
    kind: SubjectKind,
) -> Result<Vec<RoundSubject>, AppError> {
    let orgs = store.registry().orgs_under(scope).await?;
    let mut out = Vec::new();
    match kind {
        SubjectKind::Organisation => {
            let below: Vec<_> = orgs.iter().filter(|o| o.id != scope.id).collect();
            let chosen = if below.is_empty() { vec![scope] } else { below };
            for o in chosen {
                out.push(RoundSubject {
                    subject_id: o.id,
                    org_id: o.id,
                    name: o.name.clone(),
                    code: o.code.clone(),
                });
            }
        }
        SubjectKind::Member => {
            for o in &orgs {
                for m in store.registry().members_of_org(o.id, 100_000, 0).await? {
                    out.push(RoundSubject {
                        subject_id: m.id,
                        org_id: o.id,
                        name: m.name,
                        code: o.code.clone(),
                    });
                }
            }
        }
        SubjectKind::Team | SubjectKind::Cadre => {
            for o in &orgs {
                for t in store.registry().teams_of_org(o.id).await? {
                    if kind == SubjectKind::Team {
                        out.push(RoundSubject {
                            subject_id: t.id,
                            org_id: o.id,
                            name: t.name.clone(),
                            code: o.code.clone(),
                        });
                        continue;
                    }
                    for c in store.registry().cadres_of_team(t.id).await? {
                        out.push(RoundSubject {
                            subject_id: c.id,
                            org_id: o.id,
                            name: c.name,
                            code: o.code.clone(),
                        });
                    }
                }
            }
        }
    }
    Ok(out)
}

/// A code issued for a subject, shown once (only its keyed hash is kept).
#[derive(Debug, Clone, Serialize)]
pub struct IssuedCode {
    pub subject_code: String,
    pub subject_name: String,
    pub code: String,
    pub url: String,
}

/// Issues `per_subject` new codes for every subject of a code-mode round.
pub async fn issue_codes(
    store: &Store,
    actor: Option<&Actor<'_>>,
    round_id: i64,
    per_subject: usize,
    base_url: Option<&str>,
    today: NaiveDate,
) -> Result<Vec<IssuedCode>, AppError> {
    let round = match actor {
        Some(a) => may_manage(store, a, round_id).await?,
        None => store
            .evaluation()
            .round(round_id)
            .await?
            .ok_or(AppError::NotFound)?,
    };
    if round.mode != Mode::Codes {
        return Err(input("eval.not_codes", &[]));
    }
    // A code handed out after the round is a code nobody can use: refuse, rather than
    // print slips that only ever answer "this round has ended".
    if round.ends_on < today {
        return Err(input("eval.round_ended", &[("end", &round.ends_on)]));
    }
    if !(1..=MAX_PER_SUBJECT).contains(&per_subject) {
        return Err(input("eval.per_subject", &[("max", &MAX_PER_SUBJECT)]));
    }
    // The QR codes lead to the address the public reaches the site at; without one
    // configured, a printed slip would lead nowhere (or wherever a request claimed).
    let base = base_url
        .map(|b| b.trim().trim_end_matches('/'))
        .filter(|b| !b.is_empty())
        .ok_or_else(|| input("eval.no_public_url", &[]))?;
    let subjects = store.evaluation().round_subjects(round_id).await?;
    let fresh = || {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).expect("the operating system provides randomness");
        BallotCode::from_random(&bytes)
    };
    // One slot per code to issue: (subject index, code). Codes are drawn at random; a code
    // already drawn, or already stored for any round, is drawn again.
    let mut slots: Vec<(usize, BallotCode)> = Vec::with_capacity(subjects.len() * per_subject);
    let mut seen = HashSet::new();
    for (i, _) in subjects.iter().enumerate() {
        for _ in 0..per_subject {
            let mut code = fresh();
            while !seen.insert(code.as_str().to_string()) {
                code = fresh();
            }
            slots.push((i, code));
        }
    }
    let by = actor.map_or("cli", |a| a.username);
    let mut tx = store.begin(by).await?;
    loop {
        let hashes: Vec<String> = slots
            .iter()
            .map(|(_, c)| store.vault().hash(c.as_str()))
            .collect();
        let stored = tx.codes_in_tx(&hashes).await?;
        if stored.is_empty() {
            let rows: Vec<(String, i64)> = hashes
                .into_iter()
                .zip(&slots)
                .map(|(h, (i, _))| (h, subjects[*i].subject_id))
                .collect();
            tx.add_codes(round_id, &rows).await?;
            break;
        }
        for (slot, hash) in slots.iter_mut().zip(&hashes) {
            if stored.contains_key(hash) {
                let mut code = fresh();
                while !seen.insert(code.as_str().to_string()) {
                    code = fresh();
                }
                slot.1 = code;
            }
        }
    }
    tx.commit().await?;
    Ok(slots
        .into_iter()
        .map(|(i, code)| IssuedCode {
            subject_code: subjects[i].code.clone(),
            subject_name: subjects[i].name.clone(),
            url: format!("{base}/p/b/{}", code.as_str()),
            code: code.grouped(),
        })
        .collect())
}

/// Writes issued codes as a CSV (UTF-8 with BOM) or, for a `.xlsx` name, a workbook, with
/// the columns `subject_code, subject_name, code, url`.
pub fn write_codes(path: &Path, codes: &[IssuedCode]) -> Result<(), AppError> {
    let header = ["subject_code", "subject_name", "code", "url"];
    let fail = |e: &dyn std::fmt::Display| {
        AppError::Input(Message::verbatim(format!("{}: {e}", path.display())))
    };
    let is_xlsx = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if is_xlsx {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (c, h) in header.iter().enumerate() {
            sheet.write_string(0, c as u16, *h).map_err(|e| fail(&e))?;
        }
        for (r, code) in codes.iter().enumerate() {
            let row = r as u32 + 1;
            for (c, v) in [
                &code.subject_code,
                &code.subject_name,
                &code.code,
                &code.url,
            ]
            .iter()
            .enumerate()
            {
                sheet
                    .write_string(row, c as u16, v.as_str())
                    .map_err(|e| fail(&e))?;
            }
        }
        return book.save(path).map_err(|e| fail(&e));
    }
    let mut out = Vec::from(&b"\xEF\xBB\xBF"[..]);
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(header).map_err(|e| fail(&e))?;
        for c in codes {
            w.write_record(
                [&c.subject_code, &c.subject_name, &c.code, &c.url]
                    .map(|v| csv_cell(v).into_owned()),
            )
            .map_err(|e| fail(&e))?;
        }
        w.flush().map_err(|e| fail(&e))?;
    }
    std::fs::write(path, out).map_err(|e| fail(&e))
}

/// Why a ballot was not accepted, as the API answers it.
#[derive(Debug, Clone, PartialEq)]
pub enum Refused {
    /// No such code (or mistyped): 404, with the reason.
    UnknownCode(Message),
    /// The code has cast its ballot: 409.
    Used,
    /// Outside the round's dates: 403, with the dates.
    OutsideDates { starts_on: String, ends_on: String },
    /// The ballot itself is wrong: 422, with the reason.
    Invalid(Message),
    /// Too many open-mode ballots from one address in a minute: 429.
    TooMany,
    /// An unknown code from an address that has typed too many unknown codes in the last
    /// hour: 429. A right code from it is still taken (a code cannot be guessed, so it is
    /// never refused for its neighbours' mistakes).
    Guessing,
}

/// Unknown or mistyped codes one address may send in an hour and still be told, each time,
/// that the code is unknown; later ones in the hour are answered [`Refused::Guessing`].
pub const GUESSES_PER_HOUR: i64 = 30;

/// Open-mode ballots one address may cast per minute; more are refused.
pub const OPEN_PER_MINUTE: i64 = 30;
/// Beyond this many in a minute from one address, the minute is flagged for the office.
pub const BURST: i64 = 10;

/// The one writer of ballots: every cast goes through its queue, and it decides and
/// commits them in batches (one look-up, one update and one fsync for many), answering each
/// only after its batch is on disk.
#[derive(Clone)]
pub struct BallotWriter {
    queue: Queue,
    /// Rounds never change once created: each is read once, with the criteria its ballots
    /// may rate, and kept.
    rounds: RoundCache,
}

/// Where jobs go: the storage's ballot thread (SQLite), or this module's writer tasks.
#[derive(Clone)]
enum Queue {
    Thread(Box<Store>),
    Tasks(mpsc::Sender<Box<dyn BallotJob>>),
}

type RoundCache =
    std::sync::Arc<std::sync::Mutex<std::collections::HashMap<i64, std::sync::Arc<RoundInfo>>>>;

/// A round as casting needs it.
pub struct RoundInfo {
    pub round: RoundRecord,
    pub criteria: Vec<String>,
}

/// What the writer is asked to do.
enum Job {
    /// A ballot with a code (its keyed hash), decided against the code in the batch.
    Code {
        hash: String,
        ballot: Ballot,
        today: NaiveDate,
    },
    /// An open-mode ballot, already checked: once per voter per subject.
    Open(Cast),
}

/// The writer's answer to a job.
enum Outcome {
    Decided(Result<(), Refused>),
    /// The code's round is not in this server's cache yet: read it, then send the job
    /// again. The writer decides on the database's thread, which does not wait for reads.
    RoundUnread(i64),
}

/// The answer, with the job given back: sent again when its round had to be read first.
type Reply = oneshot::Sender<Result<(Outcome, Job), AppError>>;

async fn round_info(
    store: &Store,
    cache: &RoundCache,
    id: i64,
) -> Result<std::sync::Arc<RoundInfo>, AppError> {
    if let Some(r) = cache.lock().expect("not poisoned").get(&id) {
        return Ok(r.clone());
    }
    let round = store
        .evaluation()
        .round(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let criteria = criteria(store, round.subject_kind).await?;
    let info = std::sync::Arc::new(RoundInfo { round, criteria });
    cache.lock().expect("not poisoned").insert(id, info.clone());
    Ok(info)
}

/// One job as the storage's writer takes it: decided by the rules of this module against
/// its code, answered once its batch is over.
struct Pending {
    job: Job,
    rounds: RoundCache,
    reply: Reply,
    /// The answer of the last decision.
    outcome: Outcome,
}

impl xianfeng_storage::BallotJob for Pending {
    fn hash(&self) -> Option<&str> {
        match &self.job {
            Job::Code { hash, .. } => Some(hash),
            Job::Open(_) => None,
        }
    }

    fn decide(&mut self, code: Option<&xianfeng_storage::CodeRecord>) -> Decision {
        let (decision, answer) = match &self.job {
            Job::Open(c) => (Decision::Store(c.clone()), Ok(())),
            Job::Code { ballot, today, .. } => match code {
                None => (
                    Decision::Nothing,
                    Err(Refused::UnknownCode(Message::of(
                        "ballot.code_unknown",
                        &[],
                    ))),
                ),
                Some(code) if code.used => (Decision::Nothing, Err(Refused::Used)),
                Some(code) => {
                    let rounds = self.rounds.lock().expect("not poisoned");
                    let Some(info) = rounds.get(&code.round_id) else {
                        self.outcome = Outcome::RoundUnread(code.round_id);
                        return Decision::Nothing;
                    };
                    let refs: Vec<&str> = info.criteria.iter().map(String::as_str).collect();
                    if let Some(outside) = outside_dates(&info.round, *today) {
                        (Decision::Nothing, Err(outside))
                    } else if let Err(why) = check_ballot(ballot, &refs) {
                        (Decision::Nothing, Err(Refused::Invalid(why)))
                    } else {
                        let cast = Cast {
                            round_id: code.round_id,
                            subject_id: code.subject_id,
                            code_mark: Some(code.mark),
                            voter: None,
                            verdict: ballot.verdict,
                            ratings: serde_json::to_string(&ballot.ratings)
                                .expect("ratings serialise"),
                            comment: ballot.comment.trim().to_string(),
                        };
                        (Decision::Store(cast), Ok(()))
                    }
                }
            },
        };
        self.outcome = Outcome::Decided(answer);
        decision
    }

    fn finish(self: Box<Self>, outcome: Result<bool, &xianfeng_storage::StoreError>) {
        let Pending {
            job,
            reply,
            outcome: decided,
            ..
        } = *self;
        let answer = match outcome {
            // An open ballot not kept: its voter had voted for the subject.
            Ok(false) => Ok((Outcome::Decided(Err(Refused::Used)), job)),
            Ok(true) => Ok((decided, job)),
            Err(e) => Err(match e.message() {
                Some(why) => AppError::Input(why.clone()),
                None => AppError::fault(format!("ballot batch: {e}")),
            }),
        };
        let _ = reply.send(answer);
    }
}

/// Ballot batches written at once by one server on PostgreSQL. Two batches of one code
/// meeting is safe (the later is refused as raced and decided again, `StoreError::Raced`).
/// Two: while one batch waits on the database the other is gathered and sent (2026-12-06,
/// with the batch as arrays: 16.2k ballots/s against 14.9k with one, back to back, 2 cores;
/// docs/PERFORMANCE.md). Before, when a batch was parsed and planned anew each time, the
/// database was too busy for a second writer to add anything.
pub const WRITERS_PG: usize = 2;

/// The jobs waiting, up to a batch, once at least one is there; `None` when the queue is
/// closed. One writer gathers at a time.
async fn next_batch(
    rx: &tokio::sync::Mutex<mpsc::Receiver<Box<dyn BallotJob>>>,
) -> Option<Vec<Box<dyn BallotJob>>> {
    let mut rx = rx.lock().await;
    let first = rx.recv().await?;
    let mut batch = vec![first];
    while batch.len() < BALLOT_BATCH {
        match rx.try_recv() {
            Ok(next) => batch.push(next),
            Err(_) => break,
        }
    }
    metrics::histogram!("ballot_batch_size").record(batch.len() as f64);
    metrics::gauge!("ballot_queue_waiting").set(rx.len() as f64);
    Some(batch)
}

impl BallotWriter {
    /// Starts the writer: on SQLite the storage's ballot thread gathers the batches itself;
    /// otherwise tasks on a runtime of their own (one thread), on PostgreSQL
    /// [`WRITERS_PG`] of them, each taking the next batch while the others write theirs.
    pub fn start(store: Store) -> BallotWriter {
        let rounds: RoundCache = Default::default();
        if store.evaluation().has_ballot_thread() {
            return BallotWriter {
                queue: Queue::Thread(Box::new(store)),
                rounds,
            };
        }
        let (tx, rx) = mpsc::channel::<Box<dyn BallotJob>>(8192);
        let rx = std::sync::Arc::new(tokio::sync::Mutex::new(rx));
        let writers = match store.dialect() {
            xianfeng_storage::Dialect::Postgres => WRITERS_PG,
            xianfeng_storage::Dialect::Sqlite => 1,
        };
        let tasks = async move {
            let mut writing = tokio::task::JoinSet::new();
            for _ in 0..writers {
                let (store, rx) = (store.clone(), rx.clone());
                writing.spawn(async move {
                    while let Some(batch) = next_batch(&rx).await {
                        store.evaluation().write_batch(batch).await;
                    }
                });
            }
            writing.join_all().await;
        };
        // On a runtime of their own, so that a batch's turn never waits behind the requests
        // the one before has just answered.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        match runtime {
            Ok(runtime) => {
                let started = std::thread::Builder::new()
                    .name("ballot-writers".into())
                    .spawn(move || runtime.block_on(tasks));
                if let Err(e) = started {
                    tracing::error!("cannot start the ballot writers: {e}");
                }
            }
            Err(e) => tracing::error!("cannot start the ballot writers: {e}"),
        }
        BallotWriter {
            queue: Queue::Tasks(tx),
            rounds,
        }
    }

    /// The round `id` and its criteria, read once.
    pub async fn round(
        &self,
        store: &Store,
        id: i64,
    ) -> Result<std::sync::Arc<RoundInfo>, AppError> {
        round_info(store, &self.rounds, id).await
    }

    async fn submit(&self, store: &Store, mut job: Job) -> Result<Result<(), Refused>, AppError> {
        let stopped = || AppError::fault("the ballot writer has stopped");
        let mut read = None;
        loop {
            let (reply, answer) = oneshot::channel();
            let pending = Box::new(Pending {
                job,
                rounds: self.rounds.clone(),
                reply,
                outcome: Outcome::Decided(Ok(())),
            });
            match &self.queue {
                Queue::Thread(store) => store
                    .evaluation()
                    .queue_ballot(pending)
                    .map_err(|_| stopped())?,
                Queue::Tasks(queue) => queue.send(pending).await.map_err(|_| stopped())?,
            }
            let (outcome, returned) = answer.await.map_err(|_| stopped())??;
            match outcome {
                Outcome::Decided(decided) => return Ok(decided),
                Outcome::RoundUnread(id) if read != Some(id) => {
                    round_info(store, &self.rounds, id).await?;
                    read = Some(id);
                    job = returned;
                }
                Outcome::RoundUnread(_) => {
                    return Err(AppError::fault("a round read is not in the cache"));
                }
            }
        }
    }

    /// Casts one open-mode ballot; accepted unless its voter has voted for the subject.
    pub async fn cast(&self, store: &Store, c: Cast) -> Result<bool, AppError> {
        Ok(self.submit(store, Job::Open(c)).await?.is_ok())
    }
}

/// The criteria codes of the standard for a subject kind, in the campaign in use.
async fn criteria(store: &Store, kind: SubjectKind) -> Result<Vec<String>, AppError> {
    let (_, campaign) = scope::campaign(store).await?;
    Ok(campaign.criterion_codes(kind))
}

/// Casts a ballot with a code: the writer looks the code up, checks the round's dates and
/// the ballot, and writes it exactly once.
pub async fn cast_with_code(
    store: &Store,
    writer: &BallotWriter,
    typed: &str,
    ballot: &Ballot,
    address: &str,
    today: NaiveDate,
) -> Result<Result<(), Refused>, AppError> {
    let answer = match BallotCode::parse(typed) {
        Ok(code) => {
            let hash = store.vault().hash(code.as_str());
            writer
                .submit(
                    store,
                    Job::Code {
                        hash,
                        ballot: ballot.clone(),
                        today,
                    },
                )
                .await?
        }
        Err(p) => Err(Refused::UnknownCode(p.message())),
    };
    if matches!(answer, Err(Refused::UnknownCode(_)))
        && too_many_wrong_codes(store, address).await?
    {
        return Ok(Err(Refused::Guessing));
    }
    Ok(answer)
}

/// Counts an unknown code from `address` and says whether the address has now sent more
/// than [`GUESSES_PER_HOUR`] in the hour. Counted in the database under the address's keyed
/// hash, so that every server behind one address sees the same count.
async fn too_many_wrong_codes(store: &Store, address: &str) -> Result<bool, AppError> {
    let minute = chrono::Utc::now().timestamp() / 60;
    let hashed = store.vault().hash(&format!("address:{address}"));
    let failures = store
        .evaluation()
        .note_code_failure(&hashed, minute)
        .await?;
    Ok(failures > GUESSES_PER_HOUR)
}

fn outside_dates(round: &RoundRecord, today: NaiveDate) -> Option<Refused> {
    (today < round.starts_on || today > round.ends_on).then(|| Refused::OutsideDates {
        starts_on: round.starts_on.to_string(),
        ends_on: round.ends_on.to_string(),
    })
}

/// Casts an open-mode ballot for a subject of a round: once per browser (`voter`, already
/// a keyed hash) per subject, and at most [`OPEN_PER_MINUTE`] per address (hashed) a minute.
#[allow(clippy::too_many_arguments)]
pub async fn cast_open(
    store: &Store,
    writer: &BallotWriter,
    round_id: i64,
    subject_id: i64,
    voter: &str,
    address: &str,
    ballot: &Ballot,
    now: chrono::DateTime<chrono::Utc>,
    today: NaiveDate,
) -> Result<Result<(), Refused>, AppError> {
    let info = writer.round(store, round_id).await?;
    let round = &info.round;
    if round.mode != Mode::Open {
        return Err(AppError::NotFound);
    }
    if store
        .evaluation()
        .round_subject(round_id, subject_id)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    if let Some(outside) = outside_dates(round, today) {
        return Ok(Err(outside));
    }
    let refs: Vec<&str> = info.criteria.iter().map(String::as_str).collect();
    if let Err(why) = check_ballot(ballot, &refs) {
        return Ok(Err(Refused::Invalid(why)));
    }
    let minute = now.timestamp() / 60;
    if store
        .evaluation()
        .bump_open_rate(round_id, address, minute)
        .await?
        > OPEN_PER_MINUTE
    {
        return Ok(Err(Refused::TooMany));
    }
    let accepted = writer
        .cast(
            store,
            Cast {
                round_id,
                subject_id,
                code_mark: None,
                voter: Some(voter.to_string()),
                verdict: ballot.verdict,
                ratings: serde_json::to_string(&ballot.ratings).expect("ratings serialise"),
                comment: ballot.comment.trim().to_string(),
            },
        )
        .await?;
    Ok(if accepted { Ok(()) } else { Err(Refused::Used) })
}

/// The open-mode page of a subject: the same view as a code's, or why it cannot be used.
pub async fn open_view(
    store: &Store,
    round_id: i64,
    subject_id: i64,
    today: NaiveDate,
) -> Result<Result<CodeView, Refused>, AppError> {
    let round = store
        .evaluation()
        .round(round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if round.mode != Mode::Open {
        return Err(AppError::NotFound);
    }
    if let Some(outside) = outside_dates(&round, today) {
        return Ok(Err(outside));
    }
    view(store, round, subject_id).await.map(Ok)
}

async fn view(store: &Store, round: RoundRecord, subject_id: i64) -> Result<CodeView, AppError> {
    let subject = store
        .evaluation()
        .round_subject(round.id, subject_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (_, campaign) = scope::campaign(store).await?;
    // The subject is rated against its own category's standard (分类指导).
    let org = store.registry().org_by_id(subject.org_id).await?;
    let category = org.as_ref().and_then(|o| o.category.clone());
    let found = campaign.requirements(round.subject_kind, category.as_deref());
    Ok(CodeView {
        standard: found
            .as_ref()
            .map(|(s, _)| s.name.clone())
            .unwrap_or_default(),
        criteria: found
            .map(|(_, list)| {
                list.iter()
                    .map(|r| {
                        (
                            r.criterion.code.get_ref().clone(),
                            r.criterion.name.clone(),
                            r.specific
                                .map(str::to_string)
                                .unwrap_or_else(|| r.criterion.requirement.clone()),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        standards_of: org.map(|o| o.code),
        round,
        subject,
    })
}

/// What a code's page shows before the ballot: the round, the subject and its standard.
pub struct CodeView {
    /// The organisation whose "our standards" page applies to the subject.
    pub standards_of: Option<String>,
    pub round: RoundRecord,
    pub subject: RoundSubject,
    /// (code, name, requirement) of the criteria of the subject's standard.
    pub criteria: Vec<(String, String, String)>,
    pub standard: String,
}

/// The page a code opens, or why it cannot be used.
pub async fn code_view(
    store: &Store,
    typed: &str,
    address: &str,
    today: NaiveDate,
) -> Result<Result<CodeView, Refused>, AppError> {
    let found = match BallotCode::parse(typed) {
        Ok(code) => store
            .evaluation()
            .code(&store.vault().hash(code.as_str()))
            .await?
            .ok_or_else(|| Message::of("ballot.code_unknown", &[])),
        Err(p) => Err(p.message()),
    };
    let found = match found {
        Ok(f) => f,
        Err(why) => {
            if too_many_wrong_codes(store, address).await? {
                return Ok(Err(Refused::Guessing));
            }
            return Ok(Err(Refused::UnknownCode(why)));
        }
    };
    if found.used {
        return Ok(Err(Refused::Used));
    }
    let round = store
        .evaluation()
        .round(found.round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(outside) = outside_dates(&round, today) {
        return Ok(Err(outside));
    }
    view(store, round, found.subject_id).await.map(Ok)
}

/// The organisation a code's ballot is about (its own, or a member's), for the page after
/// the ballot: no check of dates or use, and nothing counted against the address.
pub async fn code_organisation(store: &Store, typed: &str) -> Result<Option<i64>, AppError> {
    let Ok(code) = BallotCode::parse(typed) else {
        return Ok(None);
    };
    let Some(found) = store
        .evaluation()
        .code(&store.vault().hash(code.as_str()))
        .await?
    else {
        return Ok(None);
    };
    let Some(round) = store.evaluation().round(found.round_id).await? else {
        return Ok(None);
    };
    Ok(Some(
        view(store, round, found.subject_id).await?.subject.org_id,
    ))
}

/// How results are computed, from the campaign file's `[evaluation]` (defaults: 100/60/0
/// points, 基本满意 counted as satisfied).
pub async fn rules(store: &Store) -> Result<xianfeng_domain::campaign::EvaluationRules, AppError> {
    Ok(store
        .campaigns()
        .current()
        .await?
        .map(|(_, c)| c.file.evaluation.clone())
        .unwrap_or_default())
}

/// A subject's (or an organisation's) results.
#[derive(Debug, Clone, Serialize)]
pub struct SubjectResult {
    pub subject_id: i64,
    pub code: String,
    pub name: String,
    pub tally: Tally,
    pub satisfaction: Option<f64>,
    pub score: Option<f64>,
}

/// Live results of a round per subject.
pub async fn results(store: &Store, round_id: i64) -> Result<Vec<SubjectResult>, AppError> {
    let subjects = store.evaluation().round_subjects(round_id).await?;
    let tallies = tallies_by_subject(store, round_id).await?;
    let rules = rules(store).await?;
    let weights = xianfeng_domain::ballot::Weights::from(&rules);
    Ok(subjects
        .into_iter()
        .map(|s| {
            let tally = tallies.get(&s.subject_id).copied().unwrap_or_default();
            SubjectResult {
                subject_id: s.subject_id,
                code: s.code,
                name: s.name,
                satisfaction: tally.satisfaction_by(rules.basic_counts_as_satisfied),
                score: tally.score(&weights),
                tally,
            }
        })
        .collect())
}

/// The secrecy invariant and the totals of a round: used codes equal code-mode ballots, and
/// the tallies kept with the ballots are what the ballots themselves count. Returns (issued,
/// used, code ballots, open ballots).
pub async fn verify(store: &Store, round_id: i64) -> Result<(i64, i64, i64, i64), AppError> {
    store
        .evaluation()
        .round(round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (issued, used) = store.evaluation().code_counts(round_id).await?;
    let (coded, open) = store.evaluation().ballot_counts(round_id).await?;
    let tallies = store.evaluation().tally(round_id).await?;
    let tallied: i64 = tallies.iter().map(|t| t.2).sum();
    if used != coded
        || tallied != coded + open
        || tallies != store.evaluation().tally_from_ballots(round_id).await?
    {
        return Err(input(
            "eval.verify_failed",
            &[("used", &used), ("ballots", &coded), ("tallied", &tallied)],
        ));
    }
    Ok((issued, used, coded, open))
}

/// The kept counts of a round, by subject.
async fn tallies_by_subject(
    store: &Store,
    round_id: i64,
) -> Result<BTreeMap<i64, Tally>, AppError> {
    let mut tallies: BTreeMap<i64, Tally> = BTreeMap::new();
    for (subject, verdict, n) in store.evaluation().tally(round_id).await? {
        tallies.entry(subject).or_default().add(verdict, n as u64);
    }
    Ok(tallies)
}

/// Results added up per organisation of the round's scope: every organisation with
/// subjects in its subtree, in tree order, with its depth below the scope. Each subject's
/// tally is added to its organisation and to every one above it up to the scope.
pub async fn results_by_organisation(
    store: &Store,
    round_id: i64,
) -> Result<Vec<(String, String, i64, Tally)>, AppError> {
    let round = store
        .evaluation()
        .round(round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let scope = store
        .registry()
        .org_by_id(round.scope_org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let orgs = store.registry().orgs_under(&scope).await?;
    let parent_of: std::collections::HashMap<i64, Option<i64>> =
        orgs.iter().map(|o| (o.id, o.parent_id)).collect();
    let tallies = tallies_by_subject(store, round_id).await?;
    let mut totals: std::collections::HashMap<i64, Tally> = Default::default();
    for s in store.evaluation().round_subjects(round_id).await? {
        let tally = tallies.get(&s.subject_id).copied().unwrap_or_default();
        let mut at = Some(s.org_id);
        while let Some(id) = at.filter(|id| parent_of.contains_key(id)) {
            totals.entry(id).or_default().absorb(&tally);
            at = if id == scope.id { None } else { parent_of[&id] };
        }
    }
    Ok(orgs
        .into_iter()
        .filter_map(|o| {
            let total = totals.remove(&o.id)?;
            Some((o.code, o.name, o.depth - scope.depth, total))
        })
        .collect())
}

/// Hides a ballot's comment with a reason (it stays counted), for an account that may
/// manage the round's evaluation; recorded in the audit trail.
pub async fn hide_comment(
    store: &Store,
    actor: &Actor<'_>,
    round_id: i64,
    ballot_id: i64,
    reason: &str,
) -> Result<bool, AppError> {
    may_manage(store, actor, round_id).await?;
    if reason.trim().is_empty() || reason.chars().count() > 200 {
        return Err(input("eval.hide_reason", &[]));
    }
    let in_round = store
        .evaluation()
        .comments(round_id, None, 100_000)
        .await?
        .iter()
        .any(|c| c.ballot_id == ballot_id);
    if !in_round {
        return Err(AppError::NotFound);
    }
    let mut tx = store.begin(actor.username).await?;
    let hidden = tx.hide_comment(ballot_id, reason).await?;
    tx.commit().await?;
    Ok(hidden)
}

/// Whether the actor may manage the round (its scope in the actor's, with the right role);
/// the round if so.
pub async fn may_manage(
    store: &Store,
    actor: &Actor<'_>,
    round_id: i64,
) -> Result<RoundRecord, AppError> {
    let round = store
        .evaluation()
        .round(round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let scope = store
        .registry()
        .org_by_id(round.scope_org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    scope::allowed(actor.principal, Action::ManageEvaluations, &scope)?;
    Ok(round)
}

/// The round `id` and its scope organisation, if `principal` may see that organisation;
/// outside it, the round is as unknown as one that does not exist.
pub async fn may_read(
    store: &Store,
    principal: &xianfeng_domain::policy::Principal,
    id: i64,
) -> Result<(RoundRecord, xianfeng_storage::OrgRecord), AppError> {
    let round = store
        .evaluation()
        .round(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let scope = store
        .registry()
        .org_by_id(round.scope_org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    scope::allowed(principal, Action::ReadOrganisation, &scope).map_err(|_| AppError::NotFound)?;
    Ok((round, scope))
}

/// The rounds `principal` may see, newest first, each with its scope organisation.
pub async fn visible_rounds(
    store: &Store,
    principal: &xianfeng_domain::policy::Principal,
) -> Result<Vec<(RoundRecord, xianfeng_storage::OrgRecord)>, AppError> {
    let mut out = Vec::new();
    for r in store.evaluation().rounds().await? {
        match may_read(store, principal, r.id).await {
            Ok(found) => out.push(found),
            Err(AppError::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}
