//! Ranking a peer set of a board, subject codes and names, and the participation figures
//! of a scope.

use std::collections::HashMap;

use xianfeng_domain::i18n::Message;
use xianfeng_domain::ranking::{GradeRule, Points, grade_positions, ranks_in_order};
use xianfeng_domain::scoring::Part;
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::Store;

use super::{board::*, cache::*};
use crate::AppError;

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
    let (range, lo, hi, campaign_id) = {
        let b = board
            .read()
            .map_err(|_| AppError::Input(Message::of("app.scores_busy", &[])))?;
        let range = b.tree.subtree(at);
        let path = &b.tree.orgs[at as usize].path;
        let path = xianfeng_domain::org::TreePath::from_stored(path.clone());
        let (lo, hi) = path.subtree_range();
        (range, lo, hi, b.campaign_id)
    };
    let (plans, commitments) = store
        .scores()
        .plan_and_commitment_counts(campaign_id, (&lo, &hi))
        .await?;
    let b = board
        .read()
        .map_err(|_| AppError::Input(Message::of("app.scores_busy", &[])))?;
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

/// One subject's place in a ranking. Kept small, as a ranking of a city's members holds a
/// million of them: 24 bytes, numbers only. Scores are hundredths of a point, at most
/// 100.00, so they fit 32 bits; the grade is its position in the campaign file's
/// `[grading]`, growth and relative growth are computed when asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    slot: u32,
    rank: u32,
    score: i32,
    /// `NO_PREVIOUS` without a previous score.
    previous: i32,
    /// 0 without a growth rank.
    growth_rank: u32,
    /// `u8::MAX` without a grade.
    grade: u8,
    /// The part the score rests on alone ([`xianfeng_domain::scoring::PartSet::only_part`]), as its position in
    /// [`Part::ALL`]; `u8::MAX` when it rests on more.
    only_part: u8,
}

const NO_PREVIOUS: i32 = i32::MIN;

/// A score in 32 bits: scores are hundredths of a point of at most 100.00.
fn narrow(p: Points) -> i32 {
    i32::try_from(p.0).unwrap_or(if p.0 < 0 { i32::MIN + 1 } else { i32::MAX })
}

impl Ranked {
    /// The subject's slot on its kind's board.
    pub fn slot(&self) -> usize {
        self.slot as usize
    }

    /// Competition rank by score among the peers (1 is best).
    pub fn rank(&self) -> u32 {
        self.rank
    }

    pub fn score(&self) -> Points {
        Points(i64::from(self.score))
    }

    /// The score in the previous period, if there was one.
    pub fn previous(&self) -> Option<Points> {
        (self.previous != NO_PREVIOUS).then(|| Points(i64::from(self.previous)))
    }

    /// Score minus the previous score.
    pub fn growth(&self) -> Option<Points> {
        self.previous().map(|p| Points(self.score().0 - p.0))
    }

    /// Competition rank by growth among the peers with a previous score.
    pub fn growth_rank(&self) -> Option<u32> {
        (self.growth_rank != 0).then_some(self.growth_rank)
    }

    /// Position of the grade in the campaign file's `[grading]` grades.
    pub fn grade(&self) -> Option<u8> {
        (self.grade != u8::MAX).then_some(self.grade)
    }

    /// The one part the score rests on, when it rests on one alone: such a score is ranked
    /// and marked, but not graded.
    pub fn only_part(&self) -> Option<Part> {
        Part::ALL.get(usize::from(self.only_part)).copied()
    }

    /// Growth as a share of the previous score, in hundredths of a percent.
    pub fn growth_percent(&self) -> Option<Points> {
        match (self.growth(), self.previous()) {
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
            let at = board.tree.by_code(code).ok_or_else(|| {
                AppError::Input(Message::of("app.unknown_scope", &[("code", &code)]))
            })?;
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
    // The peers in their final order, best first and ties by id: one sort, and the
    // competition ranks read off it. A ranking of a city's members is a million rows, so
    // the temporary arrays are kept few and narrow.
    let mut order: Vec<(std::cmp::Reverse<i64>, i64, u32)> = (0..kb.ids.len())
        .filter(|s| wanted_groups[kb.sheet.peer[*s] as usize])
        .filter(|s| range.as_ref().is_none_or(|r| r.contains(&kb.org[*s])))
        .filter_map(|s| {
            let total = kb.scored.total(s)?;
            Some((std::cmp::Reverse(total.0), kb.ids[s], s as u32))
        })
        .collect();
    order.sort_unstable();
    let prev_kb = previous.map(|p| p.kind(kind));
    let mut out: Vec<Ranked> = Vec::with_capacity(order.len());
    let ranks = ranks_in_order(order.iter().map(|(score, _, _)| *score));
    for (&(std::cmp::Reverse(score), id, slot), rank) in order.iter().zip(ranks) {
        let score = narrow(Points(score));
        let previous = prev_kb.and_then(|p| p.slot(id).and_then(|ps| p.scored.total(ps)));
        let only_part = kb
            .profiles
            .get(kb.sheet.profile[slot as usize] as usize)
            .and_then(|p| kb.scored.parts(slot as usize).only_part(&p.parts))
            .map_or(u8::MAX, |p| p.index() as u8);
        out.push(Ranked {
            slot,
            rank,
            score,
            previous: previous.map_or(NO_PREVIOUS, narrow),
            growth_rank: 0,
            grade: u8::MAX,
            only_part,
        });
    }
    drop(order);
    // Growth ranks among those with a previous score, the same way.
    let mut by_growth: Vec<(std::cmp::Reverse<i64>, u32)> = out
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.growth().map(|g| (std::cmp::Reverse(g.0), i as u32)))
        .collect();
    by_growth.sort_unstable();
    let ranks = ranks_in_order(by_growth.iter().map(|(growth, _)| *growth));
    for (&(_, i), rank) in by_growth.iter().zip(ranks) {
        out[i as usize].growth_rank = rank;
    }
    drop(by_growth);
    // Grades among the peers whose scores rest on more than one part: a quota is a share
    // of them, and a score of one part gets none.
    if let Some(rule) = rule {
        let graded: Vec<u32> = (0..out.len() as u32)
            .filter(|i| out[*i as usize].only_part().is_none())
            .collect();
        let scores: Vec<Points> = graded.iter().map(|i| out[*i as usize].score()).collect();
        for (i, grade) in graded.iter().zip(grade_positions(&scores, rule)) {
            out[*i as usize].grade = grade.unwrap_or(u8::MAX);
        }
    }
    let slots: Vec<usize> = out.iter().map(|r| r.slot()).collect();
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
        .scores()
        .subject_names(kind.as_str(), &ids)
        .await?
        .into_iter()
        .collect();
    Ok(subjects
        .iter()
        .map(|(slot, id, _)| (*slot, by_id.get(id).cloned().unwrap_or_default()))
        .collect())
}

/// The figures of the subtree of organisation `org_id` added up from the board's facts,
/// as `storage::scores().figure_totals` counts them in the database (hours: the members'
/// study and service together, in `study_tenths`): what a bulletin quotes, in
/// milliseconds however big the city. `None` when the board does not hold the
/// organisation.
pub fn subtree_totals(
    board: &SharedBoard,
    org_id: i64,
) -> Result<Option<xianfeng_storage::FigureTotals>, AppError> {
    let b = board
        .read()
        .map_err(|_| AppError::Input(Message::of("app.scores_busy", &[])))?;
    let Some(at) = b.tree.position(org_id) else {
        return Ok(None);
    };
    let range = b.tree.subtree(at);
    let mut t = xianfeng_storage::FigureTotals::default();
    let mut by_org: std::collections::BTreeMap<u32, i64> = Default::default();
    for kb in &b.kinds {
        let members = kb.kind == Some(xianfeng_domain::subject::SubjectKind::Member);
        let at = |v: &Vec<u32>, slot: usize| i64::from(v.get(slot).copied().unwrap_or(0));
        for slot in 0..kb.ids.len() {
            let pos = kb.org[slot];
            if !range.contains(&pos) {
                continue;
            }
            t.items_due += at(&kb.due, slot);
            t.items_kept += at(&kb.kept, slot);
            let overdue = at(&kb.overdue, slot);
            t.items_overdue += overdue;
            if overdue > 0 {
                *by_org.entry(pos).or_default() += overdue;
            }
            if members {
                t.study_tenths += at(&kb.hours, slot);
            }
            t.reviews += at(&kb.reviews, slot);
        }
    }
    t.overdue_by_org = by_org
        .into_iter()
        .map(|(pos, n)| (b.tree.orgs[pos as usize].code.clone(), n))
        .collect();
    Ok(Some(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use xianfeng_domain::campaign::Period;
    use xianfeng_domain::ranking::standings;
    use xianfeng_domain::scoring::{PartSet, Profile, Scored, Sheet};
    use xianfeng_storage::ScoredOrg;

    /// A board of members 1..=n with these totals (`None`: no score), all in one branch.
    fn board(totals: &[Option<i64>]) -> PeriodBoard {
        let n = totals.len();
        let mut scored = Scored::with_capacity(0, n);
        for t in totals {
            scored.push(&[], t.map(Points), PartSet::default());
        }
        let members = KindBoard {
            kind: Some(SubjectKind::Member),
            ids: (1..=n as i64).collect(),
            org: vec![0; n],
            groups: vec![(None, "branch".into())],
            sheet: Sheet::blank(n, 0, vec![]),
            scored,
            ..Default::default()
        };
        let mut kinds: Vec<KindBoard> = SubjectKind::ALL
            .iter()
            .map(|_| KindBoard::default())
            .collect();
        kinds[1] = members;
        let org = ScoredOrg {
            id: 1,
            parent_id: None,
            code: "B".into(),
            name: "支部".into(),
            path: "/1/".into(),
            kind: xianfeng_domain::org::OrgKind::Branch,
            category: None,
            member_count: n as i64,
        };
        let day = chrono::NaiveDate::from_ymd_opt(2011, 1, 1).expect("a date");
        PeriodBoard {
            campaign_id: 1,
            period: Period {
                code: "p".into(),
                name: "p".into(),
                starts_on: day,
                ends_on: day,
            },
            closed: None,
            tree: Arc::new(Tree::new(vec![org])),
            kinds,
            audit_head: 0,
            version: 0,
            id: 0,
        }
    }

    /// The ranking agrees with `domain::ranking::standings` on many tied, partly missing
    /// inputs: ranks, growth and growth ranks, and rows come best first, ties by id.
    #[test]
    fn ranks_and_growth_agree_with_the_domain_rules() {
        let mut seed = 2010_0501u64;
        let mut next = |m: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        for _ in 0..50 {
            let n = 1 + next(40) as usize;
            let now: Vec<Option<i64>> = (0..n)
                .map(|_| (next(5) > 0).then(|| next(8) as i64 * 500))
                .collect();
            let before: Vec<Option<i64>> = (0..n)
                .map(|_| (next(3) > 0).then(|| next(8) as i64 * 500))
                .collect();
            let (b, p) = (board(&now), board(&before));
            let set = PeerSet {
                kind: Some(SubjectKind::Member),
                ..Default::default()
            };
            let got = rank(&b, Some(&p), &set, None).expect("ranks");
            let peers: Vec<usize> = (0..n).filter(|i| now[*i].is_some()).collect();
            let rows: Vec<(Points, Option<Points>)> = peers
                .iter()
                .map(|i| (Points(now[*i].unwrap_or(0)), before[*i].map(Points)))
                .collect();
            let want = standings(&rows);
            assert_eq!(got.rows.len(), peers.len());
            for r in &got.rows {
                let k = peers.iter().position(|i| *i == r.slot()).expect("a peer");
                assert_eq!(
                    (r.rank(), r.growth(), r.growth_rank()),
                    (want[k].rank, want[k].growth, want[k].growth_rank)
                );
            }
            for w in got.rows.windows(2) {
                assert!((w[0].rank(), w[0].slot()) < (w[1].rank(), w[1].slot()));
            }
        }
    }

    /// A score resting on one part alone is ranked with the rest but graded with none, and
    /// the grades' quotas are shares of those graded.
    #[test]
    fn a_score_of_one_part_is_ranked_and_marked_but_not_graded() {
        let mut b = board(&[
            Some(10_000),
            Some(9_000),
            Some(8_000),
            Some(7_000),
            Some(6_000),
        ]);
        let members = &mut b.kinds[1];
        members.profiles = vec![Profile {
            parts: [10, 30, 20, 25, 15, 0],
            criteria: vec![],
        }];
        let both = |parts: &[Part]| {
            let mut set = PartSet::default();
            parts.iter().for_each(|p| set.insert(*p));
            set
        };
        members.scored.set_parts(0, both(&[Part::Activity]));
        for slot in 1..5 {
            let set = both(&[Part::LeaderReview, Part::Activity]);
            members.scored.set_parts(slot, set);
        }
        let set = PeerSet {
            kind: Some(SubjectKind::Member),
            ..Default::default()
        };
        let quotas = GradeRule::Quotas(vec![("excellent".into(), 0.25), ("good".into(), 1.0)]);
        let got = rank(&b, None, &set, Some(&quotas)).expect("ranks");
        let seen: Vec<_> = got
            .rows
            .iter()
            .map(|r| (r.slot(), r.rank(), r.only_part(), r.grade()))
            .collect();
        assert_eq!(
            seen,
            vec![
                (0, 1, Some(Part::Activity), None),
                // A quarter of the four graded: one excellent, the best of them.
                (1, 2, None, Some(0)),
                (2, 3, None, Some(1)),
                (3, 4, None, Some(1)),
                (4, 5, None, Some(1)),
            ]
        );
        let thresholds = GradeRule::Thresholds(vec![
            ("excellent".into(), Points(9_000)),
            ("good".into(), Points(0)),
        ]);
        let got = rank(&b, None, &set, Some(&thresholds)).expect("ranks");
        let grades: Vec<_> = got.rows.iter().map(|r| r.grade()).collect();
        assert_eq!(grades, vec![None, Some(0), Some(1), Some(1), Some(1)]);
    }
}
