//! Scores and rankings (计分排名): every subject's score per period, made from its inputs by
//! `domain::scoring`, ranked among the peers a query selects (横向比位次) and against the
//! previous period (纵向比增幅).
//!
//! An open period is scored from the database's inputs and kept in memory as a
//! [`PeriodBoard`]: a few flat arrays per subject kind, so that a city of a million members
//! fits in a few hundred megabytes and a ranking is a filter and a sort. A new review,
//! ballot or self-assessment updates the scores of its subject alone ([`Scores::refresh`]);
//! the rest (hours, indicators, commitments) shows at the next full recompute. A closed
//! period is read from its snapshot and never recomputed from today's inputs.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex, RwLock};

use chrono::NaiveDate;
use xianfeng_domain::ballot::{Tally, Verdict, Weights};
use xianfeng_domain::campaign::{Campaign, Period, SubjectKind};
use xianfeng_domain::i18n::both;
use xianfeng_domain::ranking::{GradeRule, Points, grade_positions, standings};
use xianfeng_domain::scoring::{
    self, Explanation, IndicatorColumn, NONE, Norms, Profile, Scored, Sheet,
};
use xianfeng_storage::{
    Closure, Facts, Lexicon, Only, ScoredOrg, SnapshotRow, Span, Store, Universe,
};

use crate::AppError;

/// The organisation tree in path order: a subtree is one range of positions.
#[derive(Debug, Default)]
pub struct Tree {
    pub orgs: Vec<ScoredOrg>,
    pos: HashMap<i64, u32>,
    by_code: HashMap<String, u32>,
    /// The subtree of `orgs[i]` is `i..end[i]`.
    end: Vec<u32>,
}

impl Tree {
    pub fn new(orgs: Vec<ScoredOrg>) -> Tree {
        let n = orgs.len();
        let mut end = vec![n as u32; n];
        let mut open: Vec<usize> = vec![];
        for (i, o) in orgs.iter().enumerate() {
            while let Some(&top) = open.last() {
                if o.path.starts_with(&orgs[top].path) {
                    break;
                }
                end[top] = i as u32;
                open.pop();
            }
            open.push(i);
        }
        Tree {
            pos: orgs
                .iter()
                .enumerate()
                .map(|(i, o)| (o.id, i as u32))
                .collect(),
            by_code: orgs
                .iter()
                .enumerate()
                .map(|(i, o)| (o.code.clone(), i as u32))
                .collect(),
            end,
            orgs,
        }
    }

    pub fn position(&self, org_id: i64) -> Option<u32> {
        self.pos.get(&org_id).copied()
    }

    pub fn by_code(&self, code: &str) -> Option<u32> {
        self.by_code.get(code).copied()
    }

    /// Positions of the subtree rooted at position `at`.
    pub fn subtree(&self, at: u32) -> Range<u32> {
        at..self.end[at as usize]
    }

    /// The direct children of the organisation at `at`, in path order.
    pub fn children(&self, at: u32) -> Vec<u32> {
        let id = self.orgs[at as usize].id;
        self.subtree(at)
            .skip(1)
            .filter(|i| self.orgs[*i as usize].parent_id == Some(id))
            .collect()
    }
}

/// Where a subject is not in the tree any more (a closed period's subject since removed).
const NOWHERE: u32 = u32::MAX;

/// One subject kind's scores in a period.
#[derive(Debug, Default)]
pub struct KindBoard {
    pub kind: Option<SubjectKind>,
    /// Subject ids in ascending order; a subject's slot is its position here.
    pub ids: Vec<i64>,
    /// Per slot: the tree position of its organisation.
    pub org: Vec<u32>,
    /// Peer groups: (category, level).
    pub groups: Vec<(Option<String>, String)>,
    /// Criterion codes of the kind's standard, in its order.
    pub criteria: Vec<String>,
    /// Indicator codes of the kind, in the campaign file's order.
    pub indicators: Vec<String>,
    pub profiles: Vec<Profile>,
    pub sheet: Sheet,
    pub norms: Norms,
    pub scored: Scored,
    /// Per slot: ballots cast about the subject in the period's rounds, and its commitment
    /// items kept; for the participation figures of a scope.
    pub ballots: Vec<u32>,
    pub kept: Vec<u32>,
    /// Slot by id, `id - first id`, when ids are dense enough for a table (they are
    /// numbered from 1 by the application); a search in `ids` otherwise.
    by_id: Vec<u32>,
}

impl KindBoard {
    pub fn slot(&self, id: i64) -> Option<usize> {
        if !self.by_id.is_empty() {
            let first = *self.ids.first()?;
            let at = usize::try_from(id.checked_sub(first)?).ok()?;
            return self
                .by_id
                .get(at)
                .filter(|s| **s != u32::MAX)
                .map(|s| *s as usize);
        }
        self.ids.binary_search(&id).ok()
    }

    /// Builds the slot table when ids span at most four times their number.
    fn index_ids(&mut self) {
        let (Some(first), Some(last)) = (self.ids.first(), self.ids.last()) else {
            return;
        };
        let span = (last - first) as usize + 1;
        if span > 4 * self.ids.len() + 1024 {
            return;
        }
        let mut by_id = vec![u32::MAX; span];
        for (slot, id) in self.ids.iter().enumerate() {
            by_id[(id - first) as usize] = slot as u32;
        }
        self.by_id = by_id;
    }

    pub fn group_of(&self, slot: usize) -> &(Option<String>, String) {
        &self.groups[self.sheet.peer[slot] as usize]
    }

    pub fn explain(&self, slot: usize) -> Explanation {
        self.sheet.explain(&self.norms, &self.profiles, slot)
    }
}

/// Every subject's scores in one period.
#[derive(Debug)]
pub struct PeriodBoard {
    pub period: Period,
    pub closed: Option<Closure>,
    pub tree: Arc<Tree>,
    /// In [`SubjectKind::ALL`] order.
    pub kinds: Vec<KindBoard>,
    /// The audit head when the inputs were read: a later head means something changed.
    pub audit_head: i64,
    /// Moves each time subjects are rescored in place, so that rankings made from the
    /// board can be kept until it changes.
    pub version: u64,
    /// Unique to this board in the process (a recomputed board gets a new one).
    pub id: u64,
}

/// Numbers boards as they are made.
static BOARDS_MADE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl PeriodBoard {
    pub fn kind(&self, kind: SubjectKind) -> &KindBoard {
        &self.kinds[kind_index(kind)]
    }

    pub fn subjects(&self) -> usize {
        self.kinds.iter().map(|k| k.ids.len()).sum()
    }
}

fn kind_index(kind: SubjectKind) -> usize {
    SubjectKind::ALL
        .iter()
        .position(|k| *k == kind)
        .expect("every kind is in ALL")
}

/// The period `code`, or the default one (today's, else the latest begun), or why not.
pub fn resolve_period(
    campaign: &Campaign,
    code: Option<&str>,
    today: NaiveDate,
) -> Result<Period, AppError> {
    match code {
        Some(code) => campaign.period(code).ok_or_else(|| {
            let known: Vec<String> = campaign.periods().into_iter().map(|p| p.code).collect();
            AppError::Input(both("app.unknown_period", &[("known", &known.join(", "))]))
        }),
        None => crate::figures::default_period(campaign, today)
            .ok_or_else(|| AppError::Input(both("app.no_periods", &[]))),
    }
}

/// The period before `period` in the campaign file, if any.
pub fn previous_period(campaign: &Campaign, period: &Period) -> Option<Period> {
    let periods = campaign.periods();
    let i = periods.iter().position(|p| p.code == period.code)?;
    i.checked_sub(1).map(|j| periods[j].clone())
}

/// Interns (category, level) peer groups and categories' profiles for one kind.
struct Groups<'c> {
    campaign: &'c Campaign,
    kind: SubjectKind,
    groups: HashMap<(Option<String>, String), u32>,
    list: Vec<(Option<String>, String)>,
    profiles: HashMap<Option<String>, u16>,
    profile_list: Vec<Profile>,
}

impl<'c> Groups<'c> {
    fn new(campaign: &'c Campaign, kind: SubjectKind) -> Self {
        Groups {
            campaign,
            kind,
            groups: HashMap::new(),
            list: vec![],
            profiles: HashMap::new(),
            profile_list: vec![],
        }
    }

    fn group(&mut self, category: &Option<String>, level: &str) -> u32 {
        if let Some(g) = self.groups.get(&(category.clone(), level.to_string())) {
            return *g;
        }
        let g = self.list.len() as u32;
        self.list.push((category.clone(), level.to_string()));
        self.groups.insert((category.clone(), level.to_string()), g);
        g
    }

    fn profile(&mut self, category: &Option<String>) -> u16 {
        if let Some(p) = self.profiles.get(category) {
            return *p;
        }
        let p = self.profile_list.len() as u16;
        self.profile_list
            .push(self.campaign.profile(self.kind, category.as_deref()));
        self.profiles.insert(category.clone(), p);
        p
    }
}

fn shape(campaign: &Campaign, kind: SubjectKind, n: usize) -> (Vec<String>, Vec<String>, Sheet) {
    let criteria: Vec<String> = campaign.criterion_codes(kind);
    let specs = campaign.indicators_of(kind);
    let columns = specs
        .iter()
        .map(|s| IndicatorColumn {
            weight: s.weight,
            better: s.better,
            criterion: s
                .criterion
                .as_ref()
                .and_then(|c| criteria.iter().position(|k| k == c.get_ref())),
        })
        .collect();
    let indicators = specs.iter().map(|s| s.code.get_ref().clone()).collect();
    let sheet = Sheet::blank(n, criteria.len(), columns);
    (criteria, indicators, sheet)
}

/// The rules that turn raw facts into part values.
struct Rules {
    weights: Weights,
    best_review: u32,
}

impl Rules {
    fn of(campaign: &Campaign) -> Rules {
        Rules {
            weights: Weights::from(&campaign.file.evaluation),
            best_review: campaign
                .file
                .review_grades
                .iter()
                .map(|g| g.points)
                .max()
                .unwrap_or(0),
        }
    }
}

/// The position of a kind in `SubjectKind::ALL`, as facts number kinds.
fn kind_code(kind: SubjectKind) -> u8 {
    kind_index(kind) as u8
}

/// The criteria and indicators of every kind, numbered as the boards number them.
fn lexicon(campaign: &Campaign) -> Lexicon {
    let mut lex = Lexicon::default();
    for (i, kind) in SubjectKind::ALL.iter().enumerate() {
        let (criteria, indicators, _) = shape(campaign, *kind, 0);
        lex.criteria[i] = criteria;
        lex.indicators[i] = indicators;
    }
    lex
}

/// Sets the per-subject facts (self-assessment, review, ballots, commitments) of the slots
/// they name; slots they do not name keep what they had.
fn apply_subject_facts(board: &mut KindBoard, facts: &Facts, rules: &Rules) {
    let Some(kind) = board.kind.map(kind_code) else {
        return;
    };
    let c = board.sheet.criteria;
    for (k, id, criterion, points) in &facts.self_points {
        let ci = *criterion as usize;
        if let (true, Some(slot), true) = (*k == kind, board.slot(*id), ci < c) {
            board.sheet.self_points[slot * c + ci] = (*points).clamp(0, 100) as f64;
        }
    }
    for (k, id, sum, n) in &facts.reviews {
        if let (true, Some(slot)) = (*k == kind, board.slot(*id)) {
            board.sheet.review[slot] = scoring::review_value(*sum, *n, rules.best_review);
        }
    }
    // A subject in several rounds has several entries: add them up per slot first.
    let mut tallied: Vec<(usize, Tally)> = vec![];
    for (k, id, counts) in &facts.tallies {
        if let (true, Some(slot)) = (*k == kind, board.slot(*id)) {
            let mut t = Tally::default();
            for (v, n) in Verdict::ALL.iter().zip(counts) {
                t.add(*v, (*n).max(0) as u64);
            }
            tallied.push((slot, t));
        }
    }
    tallied.sort_unstable_by_key(|(slot, _)| *slot);
    let n = board.ids.len();
    board.ballots.resize(n, 0);
    board.kept.resize(n, 0);
    for group in tallied.chunk_by(|a, b| a.0 == b.0) {
        let mut t = Tally::default();
        for (_, one) in group {
            t.absorb(one);
        }
        let slot = group[0].0;
        board.sheet.mass[slot] = t.score(&rules.weights).unwrap_or(NONE);
        board.ballots[slot] = u32::try_from(t.valid()).unwrap_or(u32::MAX);
    }
    for (k, id, kept, judged) in &facts.items {
        if let (true, Some(slot)) = (*k == kind, board.slot(*id)) {
            board.sheet.commitments[slot] = scoring::commitment_value(*kept, *judged);
            board.kept[slot] = u32::try_from(*kept).unwrap_or(u32::MAX);
        }
    }
}

/// Hours and indicators: the parts normalised among peers.
fn apply_peer_facts(board: &mut KindBoard, universe: &Universe, facts: &Facts, tree: &Tree) {
    let Some(kind) = board.kind else { return };
    // Study and service hours: a member's own; an organisation's per direct member; a
    // cadre's of the member record linked to them; teams have none.
    match kind {
        SubjectKind::Member | SubjectKind::Organisation => board.sheet.activity.fill(0.0),
        SubjectKind::Cadre => {
            for (slot, (_, _, member)) in universe.cadres.iter().enumerate() {
                if member.is_some() {
                    board.sheet.activity[slot] = 0.0;
                }
            }
        }
        SubjectKind::Team => {}
    }
    let member_of_cadre: HashMap<i64, usize> = if kind == SubjectKind::Cadre {
        universe
            .cadres
            .iter()
            .enumerate()
            .filter_map(|(slot, (_, _, m))| m.map(|m| (m, slot)))
            .collect()
    } else {
        HashMap::new()
    };
    for (member, org, tenths) in &facts.hours {
        let hours = *tenths as f64 / 10.0;
        let slot = match kind {
            SubjectKind::Member => board.slot(*member),
            SubjectKind::Organisation => board.slot(*org),
            SubjectKind::Cadre => member_of_cadre.get(member).copied(),
            SubjectKind::Team => None,
        };
        if let Some(slot) = slot {
            board.sheet.activity[slot] += hours;
        }
    }
    if kind == SubjectKind::Organisation {
        for (slot, pos) in board.org.clone().into_iter().enumerate() {
            let members = tree.orgs[pos as usize].member_count.max(1) as f64;
            board.sheet.activity[slot] /= members;
        }
    }
    let ni = board.indicators.len();
    let code = kind_code(kind);
    for (k, id, indicator, value) in &facts.indicators {
        let j = *indicator as usize;
        if *k != code || !value.is_finite() || j >= ni {
            continue;
        }
        if let Some(slot) = board.slot(*id) {
            board.sheet.indicator_values[slot * ni + j] = *value;
        }
    }
}

/// Scores one kind of an open period from the database's facts.
fn build_kind(
    kind: SubjectKind,
    campaign: &Campaign,
    tree: &Tree,
    universe: &Universe,
    facts: &Facts,
) -> KindBoard {
    let members: Vec<(i64, i64)> = match kind {
        SubjectKind::Organisation => {
            let mut v: Vec<(i64, i64)> = tree.orgs.iter().map(|o| (o.id, o.id)).collect();
            v.sort_unstable();
            v
        }
        SubjectKind::Member => universe.members.clone(),
        SubjectKind::Team => universe.teams.clone(),
        SubjectKind::Cadre => universe.cadres.iter().map(|(c, o, _)| (*c, *o)).collect(),
    };
    let (criteria, indicators, mut sheet) = shape(campaign, kind, members.len());
    let mut groups = Groups::new(campaign, kind);
    let mut ids = Vec::with_capacity(members.len());
    let mut org = Vec::with_capacity(members.len());
    for (slot, (id, org_id)) in members.iter().enumerate() {
        let pos = tree.position(*org_id).unwrap_or(NOWHERE);
        let (category, level) = match tree.orgs.get(pos as usize) {
            Some(o) => (o.category.clone(), o.kind.clone()),
            None => (None, String::new()),
        };
        sheet.peer[slot] = groups.group(&category, &level);
        sheet.profile[slot] = groups.profile(&category);
        ids.push(*id);
        org.push(pos);
    }
    let mut board = KindBoard {
        kind: Some(kind),
        ids,
        org,
        groups: groups.list,
        criteria,
        indicators,
        profiles: groups.profile_list,
        sheet,
        ..Default::default()
    };
    board.index_ids();
    let rules = Rules::of(campaign);
    apply_subject_facts(&mut board, facts, &rules);
    apply_peer_facts(&mut board, universe, facts, tree);
    board.norms = board.sheet.norms();
    board.scored = board.sheet.score(&board.profiles);
    board
}

/// Rebuilds one kind of a closed period from its snapshot: the stored scores, and the
/// stored inputs for the explanation and for [`verify`].
fn kind_from_snapshot(
    kind: SubjectKind,
    campaign: &Campaign,
    tree: &Tree,
    rows: &[&SnapshotRow],
) -> Result<KindBoard, AppError> {
    let (criteria, indicators, mut sheet) = shape(campaign, kind, rows.len());
    let mut groups = Groups::new(campaign, kind);
    let mut scored = Scored::with_capacity(criteria.len(), rows.len());
    let (mut ids, mut org) = (vec![], vec![]);
    for (slot, r) in rows.iter().enumerate() {
        sheet.peer[slot] = groups.group(&r.category, &r.level);
        sheet.profile[slot] = groups.profile(&r.category);
        let crit = scoring::decode_scores(&r.criteria, criteria.len());
        let (true, Some(crit)) = (scoring::decode_inputs(&r.inputs, &mut sheet, slot), crit) else {
            return Err(AppError::Input(both(
                "app.snapshot_damaged",
                &[("kind", &kind.as_str()), ("id", &r.subject_id)],
            )));
        };
        scored.push(&crit, r.total.map(Points));
        ids.push(r.subject_id);
        org.push(tree.position(r.org_id).unwrap_or(NOWHERE));
    }
    let n = ids.len();
    let mut board = KindBoard {
        kind: Some(kind),
        ids,
        org,
        groups: groups.list,
        criteria,
        indicators,
        profiles: groups.profile_list,
        sheet,
        scored,
        ballots: vec![0; n],
        kept: vec![0; n],
        ..Default::default()
    };
    board.index_ids();
    board.norms = board.sheet.norms();
    Ok(board)
}

/// Scores an open period from the database (or, with `closed`, reads its snapshot).
pub async fn compute(
    store: &Store,
    campaign_id: i64,
    campaign: Arc<Campaign>,
    period: &Period,
    today: NaiveDate,
) -> Result<PeriodBoard, AppError> {
    let audit_head = store.audit_head().await?;
    let closed = store
        .closures(campaign_id)
        .await?
        .into_iter()
        .find(|c| c.period == period.code);
    let kinds = match &closed {
        Some(_) => {
            let universe = store.score_universe().await?;
            let tree = Arc::new(Tree::new(universe.orgs));
            let rows = store.snapshot(campaign_id, &period.code).await?;
            let campaign = campaign.clone();
            let shared = tree.clone();
            let kinds = tokio::task::spawn_blocking(move || {
                SubjectKind::ALL
                    .iter()
                    .map(|k| {
                        let mine: Vec<&SnapshotRow> = rows
                            .iter()
                            .filter(|r| r.subject_kind == k.as_str())
                            .collect();
                        kind_from_snapshot(*k, &campaign, &shared, &mine)
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .await
            .map_err(|e| AppError::Input(e.to_string()))??;
            (tree, kinds)
        }
        None => {
            let (from, to, day) = (
                period.starts_on.to_string(),
                period.ends_on.to_string(),
                today.to_string(),
            );
            let span = Span {
                campaign_id,
                period: &period.code,
                from: &from,
                to: &to,
                today: &day,
            };
            let (mut universe, facts) = store.score_inputs(&span, &lexicon(&campaign)).await?;
            let tree = Arc::new(Tree::new(std::mem::take(&mut universe.orgs)));
            let shared = tree.clone();
            let kinds = tokio::task::spawn_blocking(move || {
                SubjectKind::ALL
                    .iter()
                    .map(|k| build_kind(*k, &campaign, &shared, &universe, &facts))
                    .collect::<Vec<_>>()
            })
            .await
            .map_err(|e| AppError::Input(e.to_string()))?;
            (tree, kinds)
        }
    };
    let (tree, kinds) = kinds;
    Ok(PeriodBoard {
        period: period.clone(),
        closed,
        tree,
        kinds,
        audit_head,
        version: 0,
        id: BOARDS_MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
    })
}

/// Participation in a scope (参与情况): plans submitted and commitments published (now),
/// commitment items kept and ballots cast in the board's period. Ballots and items count
/// for the organisations and members of the scope (a closed period's from its snapshot's
/// inputs are not kept, so they show as 0 there).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Participation {
    pub plans: i64,
    pub commitments: i64,
    pub items_kept: i64,
    pub ballots: i64,
}

/// The participation figures of the subtree at tree position `at`.
pub async fn participation(
    store: &Store,
    board: &SharedBoard,
    at: u32,
) -> Result<Participation, AppError> {
    let (range, lo, hi) = {
        let b = board
            .read()
            .map_err(|_| AppError::Input(both("app.scores_busy", &[])))?;
        let range = b.tree.subtree(at);
        let path = &b.tree.orgs[at as usize].path;
        let path = xianfeng_domain::org::TreePath::from_stored(path.clone());
        let (lo, hi) = path.subtree_range();
        (range, lo, hi)
    };
    let (campaign_id, _) = crate::scope::campaign(store).await?;
    let (plans, commitments) = store
        .plan_and_commitment_counts(campaign_id, (&lo, &hi))
        .await?;
    let b = board
        .read()
        .map_err(|_| AppError::Input(both("app.scores_busy", &[])))?;
    let (mut items_kept, mut ballots) = (0i64, 0i64);
    for kb in &b.kinds {
        for slot in 0..kb.ids.len() {
            if range.contains(&kb.org[slot]) {
                items_kept += i64::from(kb.kept.get(slot).copied().unwrap_or(0));
                ballots += i64::from(kb.ballots.get(slot).copied().unwrap_or(0));
            }
        }
    }
    Ok(Participation {
        plans,
        commitments,
        items_kept,
        ballots,
    })
}

/// The snapshot rows of an open board, in (kind, id) order, and their digest.
pub fn snapshot_rows(board: &PeriodBoard) -> (Vec<SnapshotRow>, String) {
    use sha2::Digest;
    let mut rows = vec![];
    let mut kinds: Vec<&KindBoard> = board.kinds.iter().collect();
    kinds.sort_by_key(|k| k.kind.map(|k| k.as_str()));
    for kb in kinds {
        let kind = kb.kind.map(|k| k.as_str()).unwrap_or_default();
        for slot in 0..kb.ids.len() {
            let (category, level) = kb.group_of(slot).clone();
            let pos = kb.org[slot];
            rows.push(SnapshotRow {
                subject_kind: kind.to_string(),
                subject_id: kb.ids[slot],
                org_id: board.tree.orgs.get(pos as usize).map_or(0, |o| o.id),
                category,
                level,
                total: kb.scored.total(slot).map(|p| p.0),
                criteria: scoring::encode_scores(&kb.scored, slot),
                inputs: scoring::encode_inputs(&kb.sheet, slot),
            });
        }
    }
    let mut hash = sha2::Sha256::new();
    for r in &rows {
        hash.update(
            format!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                r.subject_kind,
                r.subject_id,
                r.org_id,
                r.category.as_deref().unwrap_or(""),
                r.level,
                r.total.map(|t| t.to_string()).unwrap_or_default(),
                r.criteria,
                r.inputs
            )
            .as_bytes(),
        );
    }
    (rows, hex::encode(hash.finalize()))
}

/// Subjects whose stored scores differ from a recomputation from their stored inputs:
/// (kind, id). Empty for a sound snapshot.
pub fn verify(board: &PeriodBoard) -> Vec<(SubjectKind, i64)> {
    let mut bad = vec![];
    for kb in &board.kinds {
        let again = kb.sheet.score(&kb.profiles);
        for slot in 0..kb.ids.len() {
            let same = again.total(slot) == kb.scored.total(slot)
                && (0..kb.criteria.len())
                    .all(|k| again.criterion(slot, k) == kb.scored.criterion(slot, k));
            if !same && let Some(kind) = kb.kind {
                bad.push((kind, kb.ids[slot]));
            }
        }
    }
    bad
}

/// Which subjects a ranking compares: one kind, within a scope, optionally one category
/// and level. Ranks are among exactly these (the peer set).
#[derive(Debug, Clone, Default)]
pub struct PeerSet<'a> {
    pub kind: Option<SubjectKind>,
    /// An organisation code; its whole subtree. `None`: everyone.
    pub scope: Option<&'a str>,
    pub category: Option<&'a str>,
    pub level: Option<&'a str>,
}

/// One subject's place in a ranking.
#[derive(Debug, Clone, PartialEq)]
/// Kept small (a ranking of a city's members holds a million of them): the grade is its
/// position in the campaign file's `[grading]`, and the relative growth is computed when
/// shown.
pub struct Ranked {
    pub slot: usize,
    pub rank: u32,
    pub score: Points,
    pub previous: Option<Points>,
    pub growth: Option<Points>,
    pub growth_rank: Option<u32>,
    /// Position of the grade in the campaign file's `[grading]` grades.
    pub grade: Option<u8>,
}

impl Ranked {
    /// Growth as a share of the previous score, in hundredths of a percent.
    pub fn growth_percent(&self) -> Option<Points> {
        match (self.growth, self.previous) {
            (Some(g), Some(p)) if p.0 != 0 => Points::from_f64(100.0 * g.0 as f64 / p.0 as f64),
            _ => None,
        }
    }
}

/// A ranking of a peer set, best first (ties in subject order).
#[derive(Debug)]
pub struct Ranking {
    pub kind: SubjectKind,
    pub rows: Vec<Ranked>,
    /// Per criterion: its best score among the peers and the slots that reach it.
    pub leaders: Vec<(Points, Vec<usize>)>,
}

/// Ranks the peer set of `board`, with growth against `previous`.
pub fn rank(
    board: &PeriodBoard,
    previous: Option<&PeriodBoard>,
    set: &PeerSet<'_>,
    rule: Option<&GradeRule>,
) -> Result<Ranking, AppError> {
    let kind = set.kind.unwrap_or(SubjectKind::Organisation);
    let kb = board.kind(kind);
    let range = match set.scope {
        Some(code) => {
            let at = board
                .tree
                .by_code(code)
                .ok_or_else(|| AppError::Input(both("app.unknown_scope", &[("code", &code)])))?;
            Some(board.tree.subtree(at))
        }
        None => None,
    };
    let wanted_groups: Vec<bool> = kb
        .groups
        .iter()
        .map(|(cat, level)| {
            set.category.is_none_or(|c| cat.as_deref() == Some(c))
                && set.level.is_none_or(|l| level == l)
        })
        .collect();
    let slots: Vec<usize> = (0..kb.ids.len())
        .filter(|s| wanted_groups[kb.sheet.peer[*s] as usize])
        .filter(|s| range.as_ref().is_none_or(|r| r.contains(&kb.org[*s])))
        .filter(|s| kb.scored.total(*s).is_some())
        .collect();
    let prev_kb = previous.map(|p| p.kind(kind));
    let rows: Vec<(Points, Option<Points>)> = slots
        .iter()
        .map(|s| {
            let score = kb.scored.total(*s).expect("filtered on a score");
            let prev = prev_kb.and_then(|p| p.slot(kb.ids[*s]).and_then(|ps| p.scored.total(ps)));
            (score, prev)
        })
        .collect();
    let standing = standings(&rows);
    let scores: Vec<Points> = rows.iter().map(|r| r.0).collect();
    let graded = match rule {
        Some(rule) => grade_positions(&scores, rule),
        None => vec![None; scores.len()],
    };
    let mut out: Vec<Ranked> = slots
        .iter()
        .zip(rows.iter().zip(standing.iter().zip(graded)))
        .map(|(slot, ((score, previous), (st, grade)))| Ranked {
            slot: *slot,
            rank: st.rank,
            score: *score,
            previous: *previous,
            growth: st.growth,
            growth_rank: st.growth_rank,
            grade,
        })
        .collect();
    out.sort_by_key(|r| (r.rank, kb.ids[r.slot]));
    // The leader of each criterion is whoever has its highest score: one pass, no ranking.
    let leaders = (0..kb.criteria.len())
        .map(|k| {
            let best = slots
                .iter()
                .filter_map(|s| kb.scored.criterion(*s, k))
                .max()
                .unwrap_or(Points(i64::MIN));
            let firsts = slots
                .iter()
                .filter(|s| kb.scored.criterion(**s, k) == Some(best))
                .copied()
                .collect();
            (best, firsts)
        })
        .collect();
    Ok(Ranking {
        kind,
        rows: out,
        leaders,
    })
}

/// A subject's public code in rankings: its organisation code for an organisation, and
/// `M`, `T` or `C` with the id for a member, team or cadre.
pub fn subject_code(board: &PeriodBoard, kind: SubjectKind, slot: usize) -> String {
    let kb = board.kind(kind);
    match kind {
        SubjectKind::Organisation => board
            .tree
            .orgs
            .get(kb.org[slot] as usize)
            .map(|o| o.code.clone())
            .unwrap_or_else(|| kb.ids[slot].to_string()),
        SubjectKind::Member => format!("M{}", kb.ids[slot]),
        SubjectKind::Team => format!("T{}", kb.ids[slot]),
        SubjectKind::Cadre => format!("C{}", kb.ids[slot]),
    }
}

/// Reads a subject code back to (kind, id) on a board.
pub fn parse_subject_code(board: &PeriodBoard, code: &str) -> Option<(SubjectKind, usize)> {
    // An organisation's own code first: organisations choose their codes, which may look
    // like `M12`; members, teams and cadres are `M`, `T` or `C` and digits only.
    if let Some(pos) = board.tree.by_code(code) {
        let id = board.tree.orgs[pos as usize].id;
        return board
            .kind(SubjectKind::Organisation)
            .slot(id)
            .map(|s| (SubjectKind::Organisation, s));
    }
    let numbered = |prefix: char, kind: SubjectKind| {
        let digits = code.strip_prefix(prefix)?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let id: i64 = digits.parse().ok()?;
        board.kind(kind).slot(id).map(|s| (kind, s))
    };
    numbered('M', SubjectKind::Member)
        .or_else(|| numbered('T', SubjectKind::Team))
        .or_else(|| numbered('C', SubjectKind::Cadre))
}

/// The names of ranked subjects, by slot: `subjects` are (slot, id, tree position). Read
/// for the rows shown only, outside any lock on the board.
pub async fn names_of(
    store: &Store,
    tree: &Tree,
    kind: SubjectKind,
    subjects: &[(usize, i64, u32)],
) -> Result<HashMap<usize, String>, AppError> {
    if kind == SubjectKind::Organisation {
        return Ok(subjects
            .iter()
            .map(|(slot, _, pos)| {
                let name = tree.orgs.get(*pos as usize).map(|o| o.name.clone());
                (*slot, name.unwrap_or_default())
            })
            .collect());
    }
    let ids: Vec<i64> = subjects.iter().map(|(_, id, _)| *id).collect();
    let by_id: HashMap<i64, String> = store
        .subject_names(kind.as_str(), &ids)
        .await?
        .into_iter()
        .collect();
    Ok(subjects
        .iter()
        .map(|(slot, id, _)| (*slot, by_id.get(id).cloned().unwrap_or_default()))
        .collect())
}

/// A value and when it was made.
type Dated<T> = (std::time::Instant, T);

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
const RANKINGS_KEPT: usize = 8;
const PARTICIPATION_KEPT: usize = 256;

fn remember<T>(
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

fn recall<T: Clone>(
    map: &Mutex<HashMap<String, (Stamp, T)>>,
    key: &str,
    stamp: &Stamp,
) -> Option<T> {
    let m = map.lock().ok()?;
    m.get(key)
        .filter(|(s, _)| s == stamp)
        .map(|(_, v)| v.clone())
}

/// A board shared between requests; rescoring a subject takes the write lock briefly.
pub type SharedBoard = Arc<RwLock<PeriodBoard>>;

/// Boards kept between requests: closed periods for good, open ones until their inputs
/// change; touched subjects are rescored in place.
#[derive(Default)]
pub struct Scores {
    boards: Mutex<HashMap<(i64, String), SharedBoard>>,
    /// Rankings and participation figures made from boards, by query, with the stamp of
    /// the boards they were made from: kept until a board changes.
    rankings: Mutex<HashMap<String, (Stamp, Arc<Ranking>)>>,
    /// Participation also counts plans and commitments as they are now: kept a minute.
    participation: Mutex<HashMap<String, (Stamp, Dated<Participation>)>>,
    /// Moved by `forget`, so that a board computed before it is not put back after it.
    generation: std::sync::atomic::AtomicU64,
    /// Serialises computing, so that two requests do not both read a million rows.
    computing: tokio::sync::Mutex<()>,
}

impl Scores {
    pub fn new() -> Scores {
        Scores::default()
    }

    fn cached(&self, key: &(i64, String)) -> Option<SharedBoard> {
        self.boards.lock().ok()?.get(key).cloned()
    }

    /// The board of `period` (default: the current one), computed on first use.
    pub async fn board(
        &self,
        store: &Store,
        period: Option<&str>,
        today: NaiveDate,
    ) -> Result<SharedBoard, AppError> {
        let (campaign_id, campaign) = crate::scope::campaign(store).await?;
        let period = resolve_period(&campaign, period, today)?;
        let key = (campaign_id, period.code.clone());
        if let Some(b) = self.cached(&key) {
            return Ok(b);
        }
        let _one = self.computing.lock().await;
        if let Some(b) = self.cached(&key) {
            return Ok(b);
        }
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
        let (_, campaign) = crate::scope::campaign(store).await?;
        match previous_period(&campaign, period) {
            Some(p) => Ok(Some(self.board(store, Some(&p.code), today).await?)),
            None => Ok(None),
        }
    }

    /// Rescores the subjects touched since the last call in every open board, reading
    /// only their own facts. Returns how many subjects were rescored.
    pub async fn refresh(&self, store: &Store, today: NaiveDate) -> Result<usize, AppError> {
        let touched = store.take_touched();
        if touched.is_empty() {
            return Ok(0);
        }
        let result = self.rescore(store, today, &touched).await;
        if result.is_err() {
            // Try them again next time rather than lose them.
            for (kind, id) in &touched {
                store.touch(kind, *id);
            }
        }
        result
    }

    async fn rescore(
        &self,
        store: &Store,
        today: NaiveDate,
        touched: &[(String, i64)],
    ) -> Result<usize, AppError> {
        let (campaign_id, campaign) = crate::scope::campaign(store).await?;
        let rules = Rules::of(&campaign);
        let lex = lexicon(&campaign);
        let open: Vec<SharedBoard> = match self.boards.lock() {
            Ok(b) => b
                .iter()
                .filter(|((c, _), _)| *c == campaign_id)
                .map(|(_, b)| b.clone())
                .collect(),
            Err(_) => vec![],
        };
        let mut by_kind: HashMap<&str, Vec<i64>> = HashMap::new();
        for (kind, id) in touched {
            by_kind.entry(kind.as_str()).or_default().push(*id);
        }
        let mut rescored = 0;
        for board in open {
            let period = match board.read() {
                Ok(b) if b.closed.is_none() => b.period.clone(),
                _ => continue,
            };
            let (from, to, day) = (
                period.starts_on.to_string(),
                period.ends_on.to_string(),
                today.to_string(),
            );
            for (kind, ids) in &by_kind {
                let Some(k) = SubjectKind::parse(kind) else {
                    continue;
                };
                for chunk in ids.chunks(500) {
                    let span = Span {
                        campaign_id,
                        period: &period.code,
                        from: &from,
                        to: &to,
                        today: &day,
                    };
                    let facts = store
                        .period_facts(&span, &lex, Only::Subjects(kind, chunk))
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

    /// Recomputes in full, one at a time, the open boards whose inputs changed since they
    /// were computed (the audit head moved), and swaps each in when done: requests go on
    /// using the old board meanwhile. Closed boards never change.
    pub async fn renew_changed(&self, store: &Store, today: NaiveDate) -> Result<usize, AppError> {
        let head = store.audit_head().await?;
        let stale: Vec<((i64, String), Period)> = match self.boards.lock() {
            Ok(boards) => boards
                .iter()
                .filter_map(|(key, b)| match b.read() {
                    Ok(b) => (b.closed.is_none() && b.audit_head != head)
                        .then(|| (key.clone(), b.period.clone())),
                    // A panic while it was being changed: replace it, closed or not.
                    Err(poisoned) => Some((key.clone(), poisoned.into_inner().period.clone())),
                })
                .collect(),
            Err(_) => vec![],
        };
        let (campaign_id, campaign) = crate::scope::campaign(store).await?;
        let mut renewed = 0;
        for (key, period) in stale {
            if key.0 != campaign_id {
                continue;
            }
            let _one = self.computing.lock().await;
            let generation = self.generation();
            let fresh = compute(store, campaign_id, campaign.clone(), &period, today).await?;
            self.keep(key, Arc::new(RwLock::new(fresh)), generation);
            renewed += 1;
        }
        Ok(renewed)
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
    fn keep(&self, key: (i64, String), board: SharedBoard, generation: u64) {
        if let Ok(mut boards) = self.boards.lock()
            && self.generation() == generation
        {
            boards.insert(key, board);
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

/// Closes a period: scores it from today's inputs and stores that as its snapshot. Returns
/// the closure. Refused for a period that is closed already or has not ended yet.
///
/// `actor` is `None` for the operator at the command line; an account needs the right to
/// close periods over every top organisation of the tree (the office's).
pub async fn close(
    store: &Store,
    actor: Option<&crate::commitments::Actor<'_>>,
    period: &str,
    today: NaiveDate,
) -> Result<Closure, AppError> {
    if let Some(a) = actor {
        let roots = store.roots().await?;
        if roots.is_empty() {
            return Err(AppError::Forbidden);
        }
        for root in roots {
            crate::scope::allowed(
                a.principal,
                xianfeng_domain::policy::Action::ClosePeriods,
                &root,
            )?;
        }
    }
    let actor = actor.map_or("cli", |a| a.username);
    let (campaign_id, campaign) = crate::scope::campaign(store).await?;
    let period = resolve_period(&campaign, Some(period), today)?;
    if period.ends_on >= today {
        return Err(AppError::Input(both(
            "app.period_not_ended",
            &[("period", &period.name), ("ends", &period.ends_on)],
        )));
    }
    let board = compute(store, campaign_id, campaign, &period, today).await?;
    if board.closed.is_some() {
        return Err(AppError::Input(both(
            "app.period_closed",
            &[("period", &period.name)],
        )));
    }
    let (rows, digest) = snapshot_rows(&board);
    let mut tx = store.begin(actor).await?;
    // Inputs written between reading them and now would be missing from the snapshot.
    if tx.audit_position() != board.audit_head {
        tx.rollback().await?;
        return Err(AppError::Input(both(
            "app.period_changed_while_closing",
            &[("period", &period.name)],
        )));
    }
    if !tx
        .close_period(campaign_id, &period.code, &rows, &digest)
        .await?
    {
        tx.rollback().await?;
        return Err(AppError::Input(both(
            "app.period_closed",
            &[("period", &period.name)],
        )));
    }
    tx.commit().await?;
    Ok(Closure {
        period: period.code,
        subjects: rows.len() as i64,
        digest,
        closed_by: actor.to_string(),
        closed_at: 0,
    })
}

/// Whether `principal` may give the self-assessment of `subject` (the policy decides).
pub(crate) fn may_self_assess(
    principal: &xianfeng_domain::policy::Principal,
    subject: &crate::commitments::Subject,
) -> xianfeng_domain::policy::Decision {
    let path = subject.org.tree_path();
    let target = xianfeng_domain::policy::Target {
        member: subject.member,
        ..xianfeng_domain::policy::Target::of(&path, subject.org.sector.as_deref())
    };
    xianfeng_domain::policy::decide(
        principal,
        xianfeng_domain::policy::Action::WriteSelfAssessment,
        &target,
    )
}

/// Gives a subject's self-assessment (自评) for a period: points 0–100 for each criterion
/// of its standard, every criterion named once. Refused in a closed period.
pub async fn write_self_assessment(
    store: &Store,
    actor: &crate::commitments::Actor<'_>,
    kind: SubjectKind,
    subject_id: i64,
    period: &str,
    points: &[(String, i64)],
) -> Result<(), AppError> {
    let subject = crate::commitments::subject(store, kind, subject_id).await?;
    AppError::check(may_self_assess(actor.principal, &subject))?;
    let (campaign_id, campaign) = crate::scope::campaign(store).await?;
    let period = resolve_period(&campaign, Some(period), chrono::Local::now().date_naive())?;
    ensure_open(store, campaign_id, &period).await?;
    let criteria: Vec<String> = campaign.criterion_codes(kind);
    let mut given: Vec<(String, i64)> = vec![];
    for c in &criteria {
        let found: Vec<&(String, i64)> = points.iter().filter(|(k, _)| k == c).collect();
        match found[..] {
            [(_, p)] if (0..=100).contains(p) => given.push((c.clone(), *p)),
            _ => {
                return Err(AppError::Input(both(
                    "app.self_assessment_points",
                    &[("criterion", c)],
                )));
            }
        }
    }
    if let Some((extra, _)) = points.iter().find(|(k, _)| !criteria.contains(k)) {
        return Err(AppError::Input(both(
            "campaign.unknown_criterion",
            &[("code", extra)],
        )));
    }
    let mut tx = store.begin(actor.username).await?;
    refuse_if_closed(&mut tx, campaign_id, &period).await?;
    tx.write_self_assessment(
        campaign_id,
        &period.code,
        (kind.as_str(), subject_id),
        &given,
    )
    .await?;
    tx.commit().await?;
    store.touch(kind.as_str(), subject_id);
    Ok(())
}

/// Refuses a change to the inputs of a closed period, asked inside the transaction that
/// would make it, so that a close cannot slip in between (dropping the transaction on the
/// error rolls it back).
pub(crate) async fn refuse_if_closed(
    tx: &mut xianfeng_storage::WriteTx,
    campaign_id: i64,
    period: &Period,
) -> Result<(), AppError> {
    if tx.period_closed(campaign_id, &period.code).await? {
        return Err(AppError::Input(both(
            "app.period_closed",
            &[("period", &period.name)],
        )));
    }
    Ok(())
}

/// Refuses a change to the inputs of a closed period, naming it.
pub async fn ensure_open(store: &Store, campaign_id: i64, period: &Period) -> Result<(), AppError> {
    let closed = store
        .closures(campaign_id)
        .await?
        .iter()
        .any(|c| c.period == period.code);
    if closed {
        return Err(AppError::Input(both(
            "app.period_closed",
            &[("period", &period.name)],
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board(ids: Vec<i64>) -> KindBoard {
        let mut b = KindBoard {
            ids,
            ..Default::default()
        };
        b.index_ids();
        b
    }

    #[test]
    fn a_subject_is_found_by_table_when_ids_are_dense_and_by_search_when_not() {
        let dense = board((10..20).chain(22..30).collect());
        assert!(!dense.by_id.is_empty());
        assert_eq!(dense.slot(10), Some(0));
        assert_eq!(dense.slot(22), Some(10));
        assert_eq!(dense.slot(20), None, "a gap");
        assert_eq!(
            (dense.slot(9), dense.slot(30), dense.slot(i64::MIN)),
            (None, None, None)
        );
        let sparse = board(vec![1, 5, 1_000_000_000]);
        assert!(sparse.by_id.is_empty());
        assert_eq!(sparse.slot(1_000_000_000), Some(2));
        assert_eq!(sparse.slot(6), None);
        assert_eq!(board(vec![]).slot(1), None);
    }
}
