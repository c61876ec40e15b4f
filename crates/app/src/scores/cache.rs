//! The boards and derived results kept between requests, and keeping them current.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, RwLock};

use chrono::NaiveDate;
use xianfeng_domain::campaign::Period;
use xianfeng_domain::scoring::NONE;
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::{Only, ScoreChange, Span, Store};

use super::{board::*, build::*, periods::*, rank::*};
use crate::AppError;

/// A value and when it was made.
pub(super) type Dated<T> = (std::time::Instant, T);

/// Which boards, at which versions, a derived result was made from.
pub type Stamp = Vec<(u64, u64)>;

/// The stamp of a board: its number and version (not its address, which a later board
/// may reuse).
pub fn stamp_of(board: &SharedBoard) -> (u64, u64) {
    board
        .read()
        .map(|b| (b.id, b.version))
        .unwrap_or((0, u64::MAX))
}

/// How many derived results are kept before all are let go: rankings are large (a city's
/// members, some 64 MB each), participation figures small.
pub(super) const RANKINGS_KEPT: usize = 8;
pub(super) const PARTICIPATION_KEPT: usize = 256;

pub(super) fn remember<T>(
    map: &Mutex<HashMap<String, (Stamp, T)>>,
    most: usize,
    key: String,
    stamp: Stamp,
    value: T,
) {
    if let Ok(mut m) = map.lock() {
        if m.len() >= most {
            m.clear();
        }
        m.insert(key, (stamp, value));
    }
}

pub(super) fn recall<T: Clone>(
    map: &Mutex<HashMap<String, (Stamp, T)>>,
    key: &str,
    stamp: &Stamp,
) -> Option<T> {
    let m = map.lock().ok()?;
    m.get(key)
        .filter(|(s, _)| s == stamp)
        .map(|(_, v)| v.clone())
}

/// How many periods' boards are kept at most: the current one, the previous one (for
/// growth), and one more being looked at.
pub const BOARDS_KEPT: usize = 3;

/// A board shared between requests; rescoring a subject takes the write lock briefly.
pub type SharedBoard = Arc<RwLock<PeriodBoard>>;

/// Boards kept between requests: closed periods for good, open ones until their inputs
/// change; subjects whose inputs changed are rescored in place ([`Scores::refresh`]).
#[derive(Default)]
pub struct Scores {
    boards: Mutex<HashMap<(i64, String), SharedBoard>>,
    /// When each board was last asked for: beyond [`BOARDS_KEPT`], the least recently used
    /// is let go (a city's board is over 100 MB).
    used: Mutex<HashMap<(i64, String), std::time::Instant>>,
    /// Rankings and participation figures made from boards, by query, with the stamp of
    /// the boards they were made from: kept until a board changes.
    rankings: Mutex<HashMap<String, (Stamp, Arc<Ranking>)>>,
    /// Participation also counts plans and commitments as they are now: kept a minute.
    participation: Mutex<HashMap<String, (Stamp, Dated<Participation>)>>,
    /// Moved by `forget`, so that a board computed before it is not put back after it.
    generation: std::sync::atomic::AtomicU64,
    /// Serialises computing, so that two requests do not both read a million rows.
    computing: tokio::sync::Mutex<()>,
    /// The position of the last score change applied (`None` before the first board).
    seen: Mutex<Option<i64>>,
    /// Whether a change of every board waits to be applied, and when one last was.
    everything: Mutex<Everything>,
}

/// A recomputation of every board, asked for by a change of the tree or of a campaign.
#[derive(Default)]
struct Everything {
    waiting: bool,
    last: Option<std::time::Instant>,
}

/// How many changes' positions one refresh reads at most.
const CHANGES_READ: i64 = 2_000;

/// A change of every board (an organisation moved, a member joined, a campaign file edited)
/// recomputes them in full, seconds of work for a city: at most this often, however many
/// such changes come; the subjects named by other changes are rescored meanwhile.
pub const EVERYTHING_AT_MOST_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

impl Scores {
    pub fn new() -> Scores {
        Scores::default()
    }

    /// How many periods' boards are held now.
    pub fn boards_kept(&self) -> usize {
        self.boards.lock().map(|b| b.len()).unwrap_or(0)
    }

    fn cached(&self, key: &(i64, String)) -> Option<SharedBoard> {
        let board = self.boards.lock().ok()?.get(key).cloned()?;
        if let Ok(mut used) = self.used.lock() {
            used.insert(key.clone(), std::time::Instant::now());
        }
        Some(board)
    }

    /// The board of `period` (default: the current one), computed on first use.
    pub async fn board(
        &self,
        store: &Store,
        period: Option<&str>,
        today: NaiveDate,
    ) -> Result<SharedBoard, AppError> {
        self.board_in(store, None, period, today).await
    }

    /// The board of `period` of the campaign the reader picked (`None`: the one in use).
    pub async fn board_in(
        &self,
        store: &Store,
        campaign: Option<i64>,
        period: Option<&str>,
        today: NaiveDate,
    ) -> Result<SharedBoard, AppError> {
        let (picked, campaign) = crate::campaigns::picked(store, campaign).await?;
        let campaign_id = picked.id;
        let period = match period {
            Some(_) => resolve_period(&campaign, period, today)?,
            None => super::periods::opening_period(store, campaign_id, &campaign, today).await?,
        };
        let key = (campaign_id, period.code.clone());
        if let Some(b) = self.cached(&key) {
            return Ok(b);
        }
        let _one = self.computing.lock().await;
        if let Some(b) = self.cached(&key) {
            return Ok(b);
        }
        self.start_following(store).await?;
        let generation = self.generation();
        let board = compute(store, campaign_id, campaign, &period, today).await?;
        let board = Arc::new(RwLock::new(board));
        self.keep(key, board.clone(), generation);
        Ok(board)
    }

    /// The board of the period before `period`, if there is one.
    pub async fn previous(
        &self,
        store: &Store,
        period: &Period,
        today: NaiveDate,
    ) -> Result<Option<SharedBoard>, AppError> {
        self.previous_in(store, None, period, today).await
    }

    /// The same in the campaign the reader picked.
    pub async fn previous_in(
        &self,
        store: &Store,
        campaign: Option<i64>,
        period: &Period,
        today: NaiveDate,
    ) -> Result<Option<SharedBoard>, AppError> {
        let (_, file) = crate::campaigns::picked(store, campaign).await?;
        match previous_period(&file, period) {
            Some(p) => Ok(Some(
                self.board_in(store, campaign, Some(&p.code), today).await?,
            )),
            None => Ok(None),
        }
    }

    /// Catches up with the score changes every server wrote since this one last looked
    /// (`score_changes`, read from the database, so a write through any server of a cluster
    /// counts): rescores the subjects named in every open board they are in, reading only
    /// their own facts; recomputes the boards of a campaign one of whose periods closed; and
    /// recomputes every board when the tree or another input of all of them changed — at
    /// most once per [`EVERYTHING_AT_MOST_EVERY`], the subjects meanwhile kept current.
    /// Returns how many scores were rescored, over all the boards.
    pub async fn refresh(&self, store: &Store, today: NaiveDate) -> Result<usize, AppError> {
        let Some(from) = self.seen.lock().ok().and_then(|s| *s) else {
            // No board yet: the first one will be computed from the database as it is.
            return Ok(0);
        };
        let (changes, last) = store.scores().changes_since(from, CHANGES_READ).await?;
        let mut subjects: BTreeMap<i64, Vec<(SubjectKind, i64)>> = BTreeMap::new();
        let mut closed: BTreeSet<i64> = BTreeSet::new();
        for change in changes {
            match change {
                ScoreChange::Subject {
                    campaign_id,
                    kind,
                    id,
                } => subjects.entry(campaign_id).or_default().push((kind, id)),
                ScoreChange::PeriodClosed { campaign_id } => {
                    closed.insert(campaign_id);
                }
                ScoreChange::Everything => self.everything_waits(),
            }
        }
        let mut rescored = 0;
        for (campaign_id, mut touched) in subjects {
            if closed.contains(&campaign_id) {
                continue;
            }
            touched.sort_unstable();
            touched.dedup();
            rescored += self.rescore(store, today, campaign_id, &touched).await?;
        }
        for campaign_id in closed {
            self.renew(store, today, Some(campaign_id)).await?;
        }
        if self.everything_due() {
            self.renew(store, today, None).await?;
            self.everything_done();
        }
        // Two refreshes at once (the keeper's and a page's) may finish in either order:
        // the cursor only moves forward.
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(seen.map_or(last, |s| s.max(last)));
        }
        Ok(rescored)
    }

    /// Rescores some subjects of one campaign in each of its open boards held.
    async fn rescore(
        &self,
        store: &Store,
        today: NaiveDate,
        campaign_id: i64,
        touched: &[(SubjectKind, i64)],
    ) -> Result<usize, AppError> {
        let open: Vec<SharedBoard> = match self.boards.lock() {
            Ok(b) => b
                .iter()
                .filter(|((c, _), _)| *c == campaign_id)
                .map(|(_, b)| b.clone())
                .collect(),
            Err(_) => vec![],
        };
        if open.is_empty() {
            return Ok(0);
        }
        let (_, campaign) = crate::campaigns::get(store, campaign_id).await?;
        let rules = Rules::of(&campaign);
        let lex = lexicon(&campaign);
        let mut by_kind: HashMap<SubjectKind, Vec<i64>> = HashMap::new();
        for (kind, id) in touched {
            by_kind.entry(*kind).or_default().push(*id);
        }
        let mut rescored = 0;
        for board in open {
            let period = match board.read() {
                Ok(b) if b.closed.is_none() => b.period.clone(),
                _ => continue,
            };
            let span = Span::of(campaign_id, &period, today);
            for (&k, ids) in &by_kind {
                for chunk in ids.chunks(500) {
                    let facts = store
                        .scores()
                        .period_facts(&span, &lex, Only::Subjects(k, chunk))
                        .await?;
                    let Ok(mut b) = board.write() else { continue };
                    let kb = &mut b.kinds[kind_index(k)];
                    let slots: Vec<usize> = chunk.iter().filter_map(|id| kb.slot(*id)).collect();
                    let c = kb.sheet.criteria;
                    for &slot in &slots {
                        kb.sheet.self_points[slot * c..(slot + 1) * c].fill(NONE);
                        kb.sheet.review[slot] = NONE;
                        kb.sheet.mass[slot] = NONE;
                        kb.sheet.commitments[slot] = NONE;
                        kb.ballots[slot] = 0;
                        kb.kept[slot] = 0;
                        for v in [&mut kb.due, &mut kb.overdue, &mut kb.hours, &mut kb.reviews] {
                            if let Some(x) = v.get_mut(slot) {
                                *x = 0;
                            }
                        }
                    }
                    apply_subject_facts(kb, &facts, &rules);
                    let KindBoard {
                        sheet,
                        norms,
                        profiles,
                        scored,
                        ..
                    } = kb;
                    sheet.rescore(norms, profiles, &slots, scored);
                    rescored += slots.len();
                    b.version += 1;
                }
            }
        }
        Ok(rescored)
    }

    /// Recomputes in full, one at a time, the open boards held (of one campaign, or of
    /// all), and swaps each in when done: requests go on using the old board meanwhile.
    /// A board whose period was closed meanwhile comes back as its snapshot; closed boards
    /// never change.
    async fn renew(
        &self,
        store: &Store,
        today: NaiveDate,
        campaign: Option<i64>,
    ) -> Result<usize, AppError> {
        let open: Vec<((i64, String), Period)> = match self.boards.lock() {
            Ok(boards) => boards
                .iter()
                .filter(|((c, _), _)| campaign.is_none_or(|wanted| *c == wanted))
                .filter_map(|(key, b)| match b.read() {
                    Ok(b) => b.closed.is_none().then(|| (key.clone(), b.period.clone())),
                    // A panic while it was being changed: replace it, closed or not.
                    Err(poisoned) => Some((key.clone(), poisoned.into_inner().period.clone())),
                })
                .collect(),
            Err(_) => vec![],
        };
        let mut renewed = 0;
        for (key, period) in open {
            let (_, file) = crate::campaigns::get(store, key.0).await?;
            let _one = self.computing.lock().await;
            let generation = self.generation();
            let fresh = compute(store, key.0, file, &period, today).await?;
            self.keep(key, Arc::new(RwLock::new(fresh)), generation);
            renewed += 1;
        }
        Ok(renewed)
    }

    /// Notes the position of the last score change before the first board is computed:
    /// what the board reads is at least as new, and the changes after it are applied to it.
    async fn start_following(&self, store: &Store) -> Result<(), AppError> {
        if self.seen.lock().map(|s| s.is_some()).unwrap_or(true) {
            return Ok(());
        }
        let last = store.scores().last_change().await?;
        if let Ok(mut seen) = self.seen.lock()
            && seen.is_none()
        {
            *seen = Some(last);
        }
        Ok(())
    }

    fn everything_waits(&self) {
        if let Ok(mut e) = self.everything.lock() {
            e.waiting = true;
        }
    }

    fn everything_due(&self) -> bool {
        self.everything.lock().is_ok_and(|e| {
            e.waiting
                && e.last
                    .is_none_or(|at| at.elapsed() >= EVERYTHING_AT_MOST_EVERY)
        })
    }

    fn everything_done(&self) {
        if let Ok(mut e) = self.everything.lock() {
            *e = Everything {
                waiting: false,
                last: Some(std::time::Instant::now()),
            };
        }
    }

    /// A ranking made earlier for `key` from boards still at `stamp`.
    pub fn recall_ranking(&self, key: &str, stamp: &Stamp) -> Option<Arc<Ranking>> {
        recall(&self.rankings, key, stamp)
    }

    pub fn remember_ranking(&self, key: String, stamp: Stamp, ranking: Arc<Ranking>) {
        remember(&self.rankings, RANKINGS_KEPT, key, stamp, ranking);
    }

    pub fn recall_participation(&self, key: &str, stamp: &Stamp) -> Option<Participation> {
        let (at, p) = recall(&self.participation, key, stamp)?;
        (at.elapsed() < std::time::Duration::from_secs(60)).then_some(p)
    }

    pub fn remember_participation(&self, key: String, stamp: Stamp, p: Participation) {
        remember(
            &self.participation,
            PARTICIPATION_KEPT,
            key,
            stamp,
            (std::time::Instant::now(), p),
        );
    }

    fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Keeps a computed board unless `forget` ran since `generation` was read.
    /// Has `board` use the tree of a kept board when the two trees are the same: a city's
    /// tree is tens of megabytes, and the periods kept are usually scored on one tree.
    fn share_tree(&self, board: &SharedBoard) {
        let others: Vec<SharedBoard> = match self.boards.lock() {
            Ok(boards) => boards.values().cloned().collect(),
            Err(_) => return,
        };
        let Ok(mut mine) = board.write() else { return };
        for other in others {
            if Arc::ptr_eq(&other, board) {
                continue;
            }
            // Never wait for a board being rescored: sharing is only a saving.
            let Ok(theirs) = other.try_read() else {
                continue;
            };
            if Arc::ptr_eq(&theirs.tree, &mine.tree) || theirs.tree.orgs == mine.tree.orgs {
                mine.tree = theirs.tree.clone();
                return;
            }
        }
    }

    fn keep(&self, key: (i64, String), board: SharedBoard, generation: u64) {
        self.share_tree(&board);
        let (Ok(mut boards), Ok(mut used)) = (self.boards.lock(), self.used.lock()) else {
            return;
        };
        if self.generation() != generation {
            return;
        }
        used.insert(key.clone(), std::time::Instant::now());
        boards.insert(key.clone(), board);
        while boards.len() > BOARDS_KEPT {
            let oldest = boards
                .keys()
                .filter(|k| **k != key)
                .min_by_key(|k| used.get(*k).copied())
                .cloned();
            let Some(oldest) = oldest else { break };
            boards.remove(&oldest);
            used.remove(&oldest);
        }
    }

    /// Forgets every board (after a period is closed, or indicators imported).
    pub fn forget(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if let Ok(mut boards) = self.boards.lock() {
            boards.clear();
        }
    }
}
