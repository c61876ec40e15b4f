//! Making a board: from the database's inputs for an open period, from the snapshot for a
//! closed one.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use xianfeng_domain::ballot::{Tally, Verdict, Weights};
use xianfeng_domain::campaign::{Campaign, Period};
use xianfeng_domain::i18n::Message;
use xianfeng_domain::ranking::Points;
use xianfeng_domain::scoring::{self, IndicatorColumn, NONE, PartSet, Profile, Scored, Sheet};
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::{Facts, Lexicon, SnapshotRow, Span, Store, Universe};

use super::board::*;
use crate::AppError;

/// Interns (category, level) peer groups and categories' profiles for one kind.
pub(super) struct Groups<'c> {
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

    /// The board of the subjects placed so far: slots in `ids` order, with their tree
    /// positions, the sheet of their inputs and any scores already known.
    fn board(
        self,
        (criteria, indicators, sheet): (Vec<String>, Vec<String>, Sheet),
        ids: Vec<i64>,
        org: Vec<u32>,
        scored: Scored,
    ) -> KindBoard {
        let n = ids.len();
        let mut board = KindBoard {
            kind: Some(self.kind),
            ids,
            org,
            groups: self.list,
            criteria,
            indicators,
            profiles: self.profile_list,
            sheet,
            scored,
            ballots: vec![0; n],
            kept: vec![0; n],
            due: vec![0; n],
            overdue: vec![0; n],
            hours: vec![0; n],
            reviews: vec![0; n],
            ..Default::default()
        };
        board.index_ids();
        board
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

pub(super) fn shape(
    campaign: &Campaign,
    kind: SubjectKind,
    n: usize,
) -> (Vec<String>, Vec<String>, Sheet) {
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
pub(super) struct Rules {
    weights: Weights,
    best_review: u32,
}

impl Rules {
    pub(super) fn of(campaign: &Campaign) -> Rules {
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
pub(super) fn kind_code(kind: SubjectKind) -> u8 {
    kind_index(kind) as u8
}

/// The criteria and indicators of every kind, numbered as the boards number them.
pub(super) fn lexicon(campaign: &Campaign) -> Lexicon {
    let mut lex = Lexicon::default();
    for (i, kind) in SubjectKind::ALL.iter().enumerate() {
        let (criteria, indicators, _) = shape(campaign, *kind, 0);
        lex.criteria[i] = criteria;
        lex.indicators[i] = indicators;
    }
    let org = kind_index(SubjectKind::Organisation);
    lex.rectification = campaign
        .indicators_of(SubjectKind::Organisation)
        .iter()
        .find(|i| i.source == xianfeng_domain::campaign::IndicatorSource::Rectification)
        .and_then(|i| {
            lex.indicators[org]
                .iter()
                .position(|c| c == i.code.get_ref())
        })
        .map(|j| j as u16);
    lex
}

/// Sets the per-subject facts (self-assessment, review, ballots, commitments) of the slots
/// they name; slots they do not name keep what they had.
pub(super) fn apply_subject_facts(board: &mut KindBoard, facts: &Facts, rules: &Rules) {
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
            if let Some(r) = board.reviews.get_mut(slot) {
                *r = u32::try_from(*n).unwrap_or(u32::MAX);
            }
        }
    }
    for (k, id, due, overdue) in &facts.items_due {
        if let (true, Some(slot)) = (*k == kind, board.slot(*id))
            && slot < board.due.len()
        {
            board.due[slot] = u32::try_from(*due).unwrap_or(u32::MAX);
            board.overdue[slot] = u32::try_from(*overdue).unwrap_or(u32::MAX);
        }
    }
    for (k, id, tenths) in &facts.hours {
        if let (true, Some(slot)) = (*k == kind, board.slot(*id))
            && let Some(h) = board.hours.get_mut(slot)
        {
            *h = u32::try_from(*tenths).unwrap_or(u32::MAX);
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
pub(super) fn apply_peer_facts(
    board: &mut KindBoard,
    universe: &Universe,
    facts: &Facts,
    tree: &Tree,
) {
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
    let (member, organisation) = (
        kind_code(SubjectKind::Member),
        kind_code(SubjectKind::Organisation),
    );
    for (k, id, tenths) in &facts.hours {
        let hours = *tenths as f64 / 10.0;
        let slot = match kind {
            SubjectKind::Member if *k == member => board.slot(*id),
            SubjectKind::Organisation if *k == organisation => board.slot(*id),
            SubjectKind::Cadre if *k == member => member_of_cadre.get(id).copied(),
            _ => None,
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
pub(super) fn build_kind(
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
    // Subjects of one organisation share its peer group: looked up once per organisation
    // (a hundred thousand) rather than per member (a million).
    let mut of_org: Vec<Option<(u32, u16)>> = vec![None; tree.orgs.len() + 1];
    for (slot, (id, org_id)) in members.iter().enumerate() {
        let pos = tree.position(*org_id).unwrap_or(NOWHERE);
        let memo = (pos as usize).min(tree.orgs.len());
        let (peer, profile) = match of_org[memo] {
            Some(known) => known,
            None => {
                let (category, level) = match tree.orgs.get(pos as usize) {
                    Some(o) => (o.category.clone(), o.kind.as_str().to_string()),
                    None => (None, String::new()),
                };
                let found = (groups.group(&category, &level), groups.profile(&category));
                of_org[memo] = Some(found);
                found
            }
        };
        sheet.peer[slot] = peer;
        sheet.profile[slot] = profile;
        ids.push(*id);
        org.push(pos);
    }
    let mut board = groups.board((criteria, indicators, sheet), ids, org, Scored::default());
    let rules = Rules::of(campaign);
    apply_subject_facts(&mut board, facts, &rules);
    apply_peer_facts(&mut board, universe, facts, tree);
    board.norms = board.sheet.norms();
    board.scored = board.sheet.score(&board.profiles);
    board
}

/// Rebuilds one kind of a closed period from its snapshot: the stored scores, and the
/// stored inputs for the explanation and for [`verify`].
pub(super) fn kind_from_snapshot(
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
            return Err(AppError::Input(Message::of(
                "app.snapshot_damaged",
                &[("kind", &kind.as_str()), ("id", &r.subject_id)],
            )));
        };
        scored.push(&crit, r.total.map(Points), PartSet::default());
        ids.push(r.subject_id);
        org.push(tree.position(r.org_id).unwrap_or(NOWHERE));
    }
    let mut board = groups.board((criteria, indicators, sheet), ids, org, scored);
    board.norms = board.sheet.norms();
    // The parts each stored score rests on, read off its stored inputs, so that a closed
    // period marks and grades as it did while open.
    for slot in 0..board.ids.len() {
        let parts = board.sheet.parts_of(&board.norms, &board.profiles, slot);
        board.scored.set_parts(slot, parts);
    }
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
    let audit_head = store.scores().audit_head().await?;
    let closed = store
        .scores()
        .closures(campaign_id)
        .await?
        .into_iter()
        .find(|c| c.period == period.code);
    let kinds = match &closed {
        Some(_) => {
            let universe = store.scores().universe().await?;
            let tree = Arc::new(Tree::new(universe.orgs));
            let rows = store.scores().snapshot(campaign_id, &period.code).await?;
            let campaign = campaign.clone();
            let shared = tree.clone();
            let kinds = tokio::task::spawn_blocking(move || {
                SubjectKind::ALL
                    .iter()
                    .map(|k| {
                        let mine: Vec<&SnapshotRow> =
                            rows.iter().filter(|r| r.subject_kind == *k).collect();
                        kind_from_snapshot(*k, &campaign, &shared, &mine)
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .await
            .map_err(AppError::fault)??;
            (tree, kinds)
        }
        None => {
            let span = Span::of(campaign_id, period, today);
            let (mut universe, facts) = store
                .scores()
                .score_inputs(&span, &lexicon(&campaign))
                .await?;
            let tree = Arc::new(Tree::new(std::mem::take(&mut universe.orgs)));
            let shared = tree.clone();
            // Members are most of the work: built beside the other kinds.
            let kinds = tokio::task::spawn_blocking(move || {
                let build = |k: &SubjectKind| build_kind(*k, &campaign, &shared, &universe, &facts);
                std::thread::scope(|s| {
                    let members = s.spawn(|| build(&SubjectKind::Member));
                    let mut kinds: Vec<Option<KindBoard>> = SubjectKind::ALL
                        .iter()
                        .map(|k| (*k != SubjectKind::Member).then(|| build(k)))
                        .collect();
                    let at = kind_index(SubjectKind::Member);
                    kinds[at] = Some(
                        members
                            .join()
                            .unwrap_or_else(|p| std::panic::resume_unwind(p)),
                    );
                    kinds.into_iter().flatten().collect::<Vec<_>>()
                })
            })
            .await
            .map_err(AppError::fault)?;
            (tree, kinds)
        }
    };
    let (tree, kinds) = kinds;
    Ok(PeriodBoard {
        campaign_id,
        period: period.clone(),
        closed,
        tree,
        kinds,
        audit_head,
        version: 0,
        id: BOARDS_MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
    })
}
