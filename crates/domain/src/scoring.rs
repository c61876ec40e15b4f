//! Scores (计分): how the parts a campaign weighs make a score per criterion and a total.
//!
//! Every part gives a value from 0 to 100 for each criterion of the subject's standard:
//!
//! - self-assessment (自评): the points the subject gave itself for that criterion;
//! - leader review (领导点评): the mean points of its reviews in the period, as a share of
//!   the best grade's points, the same for every criterion;
//! - mass evaluation (群众评议): the weighted score of its ballots in rounds that end in the
//!   period (the campaign's `[evaluation]` points), every criterion;
//! - commitments (践诺): items kept among the items due in the period, every criterion;
//! - activity (学习服务): study and service hours in the period, normalised among its peers;
//! - indicators (业绩指标): imported values normalised among its peers, each counting for its
//!   criterion (or every criterion), weighted among themselves.
//!
//! Normalisation is min–max within the peer group (same kind, category and level across the
//! campaign): the best value scores 100, the worst 0; when all peers have the same value the
//! part tells them apart in nothing and is left out. A part without data for a subject is left out of that subject's score
//! and the other parts' weights are scaled up to make 100; the explanation says so.
//!
//! Values are rounded to hundredths before they are combined, and the combination is done in
//! whole hundredths, so that anyone can redo a score by hand from what the page shows, and the
//! same inputs always give the same numbers.

use crate::ranking::Points;

/// Whether a higher or a lower value of an indicator is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    Higher,
    Lower,
}

/// A part of a score, in the order the campaign file and the explanation list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    SelfAssessment,
    LeaderReview,
    MassEvaluation,
    Commitments,
    Activity,
    Indicators,
}

impl Part {
    pub const ALL: [Part; 6] = [
        Part::SelfAssessment,
        Part::LeaderReview,
        Part::MassEvaluation,
        Part::Commitments,
        Part::Activity,
        Part::Indicators,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Part::SelfAssessment => "self_assessment",
            Part::LeaderReview => "leader_review",
            Part::MassEvaluation => "mass_evaluation",
            Part::Commitments => "commitments",
            Part::Activity => "activity",
            Part::Indicators => "indicators",
        }
    }

    pub fn parse(s: &str) -> Option<Part> {
        Part::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Its position in [`Part::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// The parts that gave a score a value, as a set in one byte: a ranking of a city's members
/// keeps one per subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PartSet(u8);

impl PartSet {
    pub fn insert(&mut self, part: Part) {
        self.0 |= 1 << part.index();
    }

    pub fn contains(self, part: Part) -> bool {
        self.0 & (1 << part.index()) != 0
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The parts in [`Part::ALL`] order.
    pub fn parts(self) -> impl Iterator<Item = Part> {
        Part::ALL.into_iter().filter(move |p| self.contains(*p))
    }

    /// The one part a score rests on, when it rests on one alone while its weights name
    /// more: three hours of study, the most among peers who recorded none, make 100, and
    /// such a score says nothing of the rest of the work. A score graded on it would give 优秀
    /// for three hours, so it is ranked, marked, and not graded.
    pub fn only_part(self, weights: &PartWeights) -> Option<Part> {
        let weighed = weights.iter().filter(|w| **w > 0).count();
        match (self.len(), weighed) {
            (1, 2..) => self.parts().next(),
            _ => None,
        }
    }
}

/// The weight of each part in percent, in [`Part::ALL`] order; they sum to 100.
pub type PartWeights = [u32; 6];

/// The parts' weights of a kind the campaign file gives no rule for.
pub fn default_parts(kind: crate::subject::SubjectKind) -> PartWeights {
    use crate::subject::SubjectKind::*;
    match kind {
        Organisation => [10, 25, 30, 20, 5, 10],
        Member => [10, 30, 20, 25, 15, 0],
        Team | Cadre => [10, 40, 40, 10, 0, 0],
    }
}

/// The weights that apply to a group of subjects: the parts', and the criteria's of their
/// standard (after 分类指导), in the standard's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub parts: PartWeights,
    pub criteria: Vec<u32>,
}

/// An indicator as the sheet uses it.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorColumn {
    pub weight: u32,
    pub better: Better,
    /// The criterion's position in the standard; `None` for every criterion.
    pub criterion: Option<usize>,
}

/// No value: a part without data for a subject.
pub const NONE: f64 = f64::NAN;

/// The inputs of one kind's subjects in one period, one slot per subject. Columnar, so that
/// a million subjects are a few flat arrays; `NaN` ([`NONE`]) where there is no value.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    /// Criteria of the kind's standard.
    pub criteria: usize,
    pub indicators: Vec<IndicatorColumn>,
    /// Per slot: its profile (index into the profiles given to [`Sheet::score`]).
    pub profile: Vec<u16>,
    /// Per slot: its peer group for normalisation, numbered from 0.
    pub peer: Vec<u32>,
    /// `slot * criteria + k`: self-assessed points, 0–100.
    pub self_points: Vec<f64>,
    /// Per slot, 0–100.
    pub review: Vec<f64>,
    pub mass: Vec<f64>,
    pub commitments: Vec<f64>,
    /// Per slot: hours of study and service (raw; normalised among peers).
    pub activity: Vec<f64>,
    /// `slot * indicators + j`: the indicator's raw value.
    pub indicator_values: Vec<f64>,
}

/// The lowest and highest value in each peer group, for normalisation.
#[derive(Debug, Clone, Default)]
pub struct Norms {
    activity: Vec<(f64, f64)>,
    /// `group * indicators + j`.
    indicators: Vec<(f64, f64)>,
}

/// How one criterion's score was made.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionTrace {
    /// The criterion's weight in the total.
    pub weight: u32,
    /// Each part's value for this criterion, in [`Part::ALL`] order; `None` without data.
    pub parts: [Option<Points>; 6],
    pub score: Option<Points>,
}

/// How a subject's score was made: what the page shows next to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub part_weights: PartWeights,
    pub criteria: Vec<CriterionTrace>,
    pub total: Option<Points>,
    /// Raw activity hours and the peer group's range.
    pub activity: Option<RawValue>,
    /// Per indicator: raw value and the peer group's range.
    pub indicators: Vec<Option<RawValue>>,
}

impl Explanation {
    /// The parts that gave the score a value (those with a weight and data).
    pub fn parts_with_data(&self) -> PartSet {
        let mut set = PartSet::default();
        for (i, part) in Part::ALL.into_iter().enumerate() {
            if self.part_weights[i] > 0 && self.criteria.iter().any(|c| c.parts[i].is_some()) {
                set.insert(part);
            }
        }
        set
    }

    /// The one part a score rests on, when it rests on one alone ([`PartSet::only_part`]).
    pub fn only_part(&self) -> Option<Part> {
        self.total?;
        self.parts_with_data().only_part(&self.part_weights)
    }
}

/// A raw value and the lowest and highest among the subject's peers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RawValue {
    pub value: f64,
    pub min: f64,
    pub max: f64,
}

/// The scores of a sheet: per slot, its criteria's and its total. Kept as whole hundredths
/// in 32 bits (a score is at most 10,000), [`Scored::NO_SCORE`] without data, so that a
/// million subjects with five criteria take 24 MB.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scored {
    pub criteria: usize,
    /// `slot * criteria + k`.
    criterion_scores: Vec<i32>,
    totals: Vec<i32>,
    /// Per slot: the parts that gave its score a value.
    parts: Vec<PartSet>,
}

impl Scored {
    pub const NO_SCORE: i32 = i32::MIN;

    fn pack(p: Option<Points>) -> i32 {
        p.map_or(Self::NO_SCORE, |p| p.0 as i32)
    }

    fn unpack(v: i32) -> Option<Points> {
        (v != Self::NO_SCORE).then_some(Points(i64::from(v)))
    }

    pub fn with_capacity(criteria: usize, n: usize) -> Scored {
        Scored {
            criteria,
            criterion_scores: Vec::with_capacity(n * criteria),
            totals: Vec::with_capacity(n),
            parts: Vec::with_capacity(n),
        }
    }

    /// Appends a slot's scores (`criteria` values and the total) and the parts they rest on.
    pub fn push(&mut self, criteria: &[Option<Points>], total: Option<Points>, parts: PartSet) {
        debug_assert_eq!(criteria.len(), self.criteria);
        self.criterion_scores
            .extend(criteria.iter().map(|c| Self::pack(*c)));
        self.totals.push(Self::pack(total));
        self.parts.push(parts);
    }

    /// Replaces a slot's scores and the parts they rest on.
    pub fn set(
        &mut self,
        slot: usize,
        criteria: &[Option<Points>],
        total: Option<Points>,
        parts: PartSet,
    ) {
        for (k, c) in criteria.iter().enumerate() {
            self.criterion_scores[slot * self.criteria + k] = Self::pack(*c);
        }
        self.totals[slot] = Self::pack(total);
        self.parts[slot] = parts;
    }

    /// Replaces the parts a slot's scores rest on (read back from a snapshot's inputs).
    pub fn set_parts(&mut self, slot: usize, parts: PartSet) {
        self.parts[slot] = parts;
    }

    /// The parts that gave the slot's score a value.
    pub fn parts(&self, slot: usize) -> PartSet {
        self.parts[slot]
    }

    pub fn len(&self) -> usize {
        self.totals.len()
    }

    pub fn is_empty(&self) -> bool {
        self.totals.is_empty()
    }

    pub fn criterion(&self, slot: usize, k: usize) -> Option<Points> {
        Self::unpack(self.criterion_scores[slot * self.criteria + k])
    }

    pub fn total(&self, slot: usize) -> Option<Points> {
        Self::unpack(self.totals[slot])
    }

    pub fn totals(&self) -> impl Iterator<Item = Option<Points>> + '_ {
        self.totals.iter().map(|t| Self::unpack(*t))
    }
}

fn present(v: f64) -> Option<f64> {
    (!v.is_nan()).then_some(v)
}

/// `num / den` rounded half away from zero, for `den > 0`.
fn div_round(num: i64, den: i64) -> i64 {
    if num >= 0 {
        (num + den / 2) / den
    } else {
        -((-num + den / 2) / den)
    }
}

fn hundredths(v: f64) -> Option<Points> {
    Points::from_f64(v.clamp(0.0, 100.0))
}

/// min–max normalisation to 0–100; `None` when every peer has the same value: a part that
/// does not tell peers apart ranks nobody, and is left out like a part without data.
fn normalise(v: f64, (min, max): (f64, f64), better: Better) -> Option<f64> {
    if max <= min {
        return None;
    }
    Some(match better {
        Better::Higher => 100.0 * (v - min) / (max - min),
        Better::Lower => 100.0 * (max - v) / (max - min),
    })
}

/// Combines values in hundredths by whole-number weights, leaving out those without a value
/// and scaling the rest up; `None` when nothing weighs.
fn weighted(values: impl Iterator<Item = (u32, Option<Points>)>) -> Option<Points> {
    let (mut num, mut den) = (0i64, 0i64);
    for (w, v) in values {
        if let (Some(v), true) = (v, w > 0) {
            num += v.0 * w as i64;
            den += w as i64;
        }
    }
    (den > 0).then(|| Points(div_round(num, den)))
}

impl Sheet {
    pub fn len(&self) -> usize {
        self.profile.len()
    }

    pub fn is_empty(&self) -> bool {
        self.profile.is_empty()
    }

    /// A sheet of `n` subjects without any data yet, all in profile 0 and peer group 0.
    pub fn blank(n: usize, criteria: usize, indicators: Vec<IndicatorColumn>) -> Sheet {
        let ni = indicators.len();
        Sheet {
            criteria,
            indicators,
            profile: vec![0; n],
            peer: vec![0; n],
            self_points: vec![NONE; n * criteria],
            review: vec![NONE; n],
            mass: vec![NONE; n],
            commitments: vec![NONE; n],
            activity: vec![NONE; n],
            indicator_values: vec![NONE; n * ni],
        }
    }

    /// The range of the normalised parts in each peer group.
    pub fn norms(&self) -> Norms {
        let groups = self.peer.iter().map(|g| *g as usize + 1).max().unwrap_or(0);
        let ni = self.indicators.len();
        let empty = (f64::INFINITY, f64::NEG_INFINITY);
        let mut norms = Norms {
            activity: vec![empty; groups],
            indicators: vec![empty; groups * ni],
        };
        let widen = |r: &mut (f64, f64), v: f64| {
            if !v.is_nan() {
                r.0 = r.0.min(v);
                r.1 = r.1.max(v);
            }
        };
        for (slot, g) in self.peer.iter().enumerate() {
            let g = *g as usize;
            widen(&mut norms.activity[g], self.activity[slot]);
            for j in 0..ni {
                widen(
                    &mut norms.indicators[g * ni + j],
                    self.indicator_values[slot * ni + j],
                );
            }
        }
        norms
    }

    /// The value of each part for criterion `k` of `slot`, in hundredths.
    fn part_values(&self, norms: &Norms, slot: usize, k: usize) -> [Option<Points>; 6] {
        let g = self.peer[slot] as usize;
        let ni = self.indicators.len();
        let activity = present(self.activity[slot])
            .and_then(|v| normalise(v, norms.activity[g], Better::Higher));
        let indicators = weighted(self.indicators.iter().enumerate().filter_map(|(j, col)| {
            let applies = col.criterion.is_none_or(|c| c == k);
            applies.then(|| {
                let v = present(self.indicator_values[slot * ni + j])
                    .and_then(|v| normalise(v, norms.indicators[g * ni + j], col.better));
                (col.weight, v.and_then(hundredths))
            })
        }));
        let mut out = [None; 6];
        out[Part::SelfAssessment.index()] =
            present(self.self_points[slot * self.criteria + k]).and_then(hundredths);
        out[Part::LeaderReview.index()] = present(self.review[slot]).and_then(hundredths);
        out[Part::MassEvaluation.index()] = present(self.mass[slot]).and_then(hundredths);
        out[Part::Commitments.index()] = present(self.commitments[slot]).and_then(hundredths);
        out[Part::Activity.index()] = activity.and_then(hundredths);
        out[Part::Indicators.index()] = indicators;
        out
    }

    fn criterion_score(&self, parts: &[Option<Points>; 6], profile: &Profile) -> Option<Points> {
        weighted(profile.parts.iter().copied().zip(parts.iter().copied()))
    }

    /// Scores every slot. `profiles[self.profile[slot]]` must name `criteria` weights.
    pub fn score(&self, profiles: &[Profile]) -> Scored {
        let norms = self.norms();
        let mut scored = Scored::with_capacity(self.criteria, self.len());
        let mut criteria = vec![None; self.criteria];
        for slot in 0..self.len() {
            let (total, parts) = self.score_slot(&norms, profiles, slot, &mut criteria);
            scored.push(&criteria, total, parts);
        }
        scored
    }

    /// Rescores some slots in place, with the peers' ranges as they were (a new review or
    /// ballot changes neither hours nor indicators, the only parts normalised).
    pub fn rescore(
        &self,
        norms: &Norms,
        profiles: &[Profile],
        slots: &[usize],
        scored: &mut Scored,
    ) {
        let mut criteria = vec![None; self.criteria];
        for &slot in slots {
            let (total, parts) = self.score_slot(norms, profiles, slot, &mut criteria);
            scored.set(slot, &criteria, total, parts);
        }
    }

    /// The parts that give `slot`'s score a value, as [`Sheet::score`] finds them: for a
    /// closed period, whose scores are read as stored and its inputs with them.
    pub fn parts_of(&self, norms: &Norms, profiles: &[Profile], slot: usize) -> PartSet {
        let mut criteria = vec![None; self.criteria];
        self.score_slot(norms, profiles, slot, &mut criteria).1
    }

    fn score_slot(
        &self,
        norms: &Norms,
        profiles: &[Profile],
        slot: usize,
        criteria: &mut [Option<Points>],
    ) -> (Option<Points>, PartSet) {
        let profile = &profiles[self.profile[slot] as usize];
        let mut with_data = PartSet::default();
        for (k, c) in criteria.iter_mut().enumerate() {
            let parts = self.part_values(norms, slot, k);
            for (i, part) in Part::ALL.into_iter().enumerate() {
                if parts[i].is_some() && profile.parts[i] > 0 {
                    with_data.insert(part);
                }
            }
            *c = self.criterion_score(&parts, profile);
        }
        let total = weighted(
            profile
                .criteria
                .iter()
                .copied()
                .zip(criteria.iter().copied()),
        );
        (total, with_data)
    }

    /// How `slot`'s score is made: the same computation as [`Sheet::score`], kept.
    pub fn explain(&self, norms: &Norms, profiles: &[Profile], slot: usize) -> Explanation {
        let profile = &profiles[self.profile[slot] as usize];
        let criteria: Vec<CriterionTrace> = (0..self.criteria)
            .map(|k| {
                let parts = self.part_values(norms, slot, k);
                CriterionTrace {
                    weight: profile.criteria.get(k).copied().unwrap_or(0),
                    score: self.criterion_score(&parts, profile),
                    parts,
                }
            })
            .collect();
        let total = weighted(criteria.iter().map(|c| (c.weight, c.score)));
        let g = self.peer[slot] as usize;
        let ni = self.indicators.len();
        let raw =
            |v: f64, (min, max): (f64, f64)| present(v).map(|value| RawValue { value, min, max });
        Explanation {
            part_weights: profile.parts,
            total,
            activity: raw(self.activity[slot], norms.activity[g]),
            indicators: (0..ni)
                .map(|j| {
                    raw(
                        self.indicator_values[slot * ni + j],
                        norms.indicators[g * ni + j],
                    )
                })
                .collect(),
            criteria,
        }
    }
}

/// A slot's inputs as text for a closed period's snapshot: self points per criterion (`;`),
/// then review, mass evaluation, commitments and activity, then indicators (`;`), parts
/// separated by `|`, empty where there is no value. Numbers are written in their shortest
/// exact form, so that decoding gives back the same bits and the same scores.
pub fn encode_inputs(sheet: &Sheet, slot: usize) -> String {
    let num = |v: f64| {
        if v.is_nan() {
            String::new()
        } else {
            format!("{v}")
        }
    };
    let list = |vs: &[f64]| vs.iter().map(|v| num(*v)).collect::<Vec<_>>().join(";");
    let ni = sheet.indicators.len();
    let c = sheet.criteria;
    [
        list(&sheet.self_points[slot * c..(slot + 1) * c]),
        num(sheet.review[slot]),
        num(sheet.mass[slot]),
        num(sheet.commitments[slot]),
        num(sheet.activity[slot]),
        list(&sheet.indicator_values[slot * ni..(slot + 1) * ni]),
    ]
    .join("|")
}

/// Reads back [`encode_inputs`] into `slot` of a sheet shaped like the one that wrote it;
/// `false` (the slot untouched) when the text does not fit that shape.
pub fn decode_inputs(text: &str, sheet: &mut Sheet, slot: usize) -> bool {
    let num = |s: &str| -> Option<f64> {
        if s.is_empty() {
            Some(NONE)
        } else {
            s.parse().ok()
        }
    };
    let list = |s: &str, n: usize| -> Option<Vec<f64>> {
        if n == 0 {
            return s.is_empty().then(Vec::new);
        }
        let v: Option<Vec<f64>> = s.split(';').map(num).collect();
        v.filter(|v| v.len() == n)
    };
    let parts: Vec<&str> = text.split('|').collect();
    let ni = sheet.indicators.len();
    let c = sheet.criteria;
    let [selfs, review, mass, commitments, activity, inds] = parts[..] else {
        return false;
    };
    let (Some(selfs), Some(review), Some(mass), Some(commitments), Some(activity), Some(inds)) = (
        list(selfs, c),
        num(review),
        num(mass),
        num(commitments),
        num(activity),
        list(inds, ni),
    ) else {
        return false;
    };
    sheet.self_points[slot * c..(slot + 1) * c].copy_from_slice(&selfs);
    sheet.review[slot] = review;
    sheet.mass[slot] = mass;
    sheet.commitments[slot] = commitments;
    sheet.activity[slot] = activity;
    sheet.indicator_values[slot * ni..(slot + 1) * ni].copy_from_slice(&inds);
    true
}

/// Criterion scores as a snapshot stores them: hundredths, comma-separated, empty for none.
pub fn encode_scores(scored: &Scored, slot: usize) -> String {
    (0..scored.criteria)
        .map(|k| {
            scored
                .criterion(slot, k)
                .map(|p| p.0.to_string())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads back [`encode_scores`]; `None` when the text is not `criteria` such values.
pub fn decode_scores(text: &str, criteria: usize) -> Option<Vec<Option<Points>>> {
    if criteria == 0 {
        return text.is_empty().then(Vec::new);
    }
    let v: Option<Vec<Option<Points>>> = text
        .split(',')
        .map(|s| {
            if s.is_empty() {
                Some(None)
            } else {
                s.parse().ok().map(|p| Some(Points(p)))
            }
        })
        .collect();
    v.filter(|v| v.len() == criteria)
}

/// Leader review as a part: the mean points of the reviews as a share of the best grade's.
pub fn review_value(points_sum: i64, reviews: i64, best_points: u32) -> f64 {
    if reviews <= 0 || best_points == 0 {
        return NONE;
    }
    100.0 * points_sum as f64 / reviews as f64 / best_points as f64
}

/// Commitments as a part: items kept among the items due; nothing due, no value.
pub fn commitment_value(kept: i64, due: i64) -> f64 {
    if due <= 0 {
        return NONE;
    }
    100.0 * kept as f64 / due as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_score_resting_on_one_part_says_which() {
        let trace = |parts: [Option<Points>; 6]| CriterionTrace {
            weight: 50,
            parts,
            score: Some(Points(10_000)),
        };
        let hours_only = [None, None, None, None, Some(Points(10_000)), None];
        let mut e = Explanation {
            part_weights: [10, 20, 30, 20, 10, 10],
            criteria: vec![trace(hours_only), trace(hours_only)],
            total: Some(Points(10_000)),
            activity: None,
            indicators: vec![],
        };
        assert_eq!(e.only_part(), Some(Part::Activity));
        // A second part with data anywhere: the score rests on more than one.
        e.criteria[1].parts[1] = Some(Points(5_000));
        assert_eq!(
            e.parts_with_data().parts().collect::<Vec<_>>(),
            vec![Part::LeaderReview, Part::Activity]
        );
        assert_eq!(e.only_part(), None);
        // A part without weight does not count.
        e.part_weights[1] = 0;
        assert_eq!(e.only_part(), Some(Part::Activity));
        // Weights that name one part alone: every score rests on it, none is thin.
        e.part_weights = [0, 0, 0, 0, 100, 0];
        assert_eq!(e.only_part(), None);
    }
    use proptest::prelude::*;

    fn p(v: i64) -> Option<Points> {
        Some(Points(v))
    }

    fn profile(parts: PartWeights, criteria: Vec<u32>) -> Profile {
        Profile { parts, criteria }
    }

    #[test]
    fn a_criterion_is_the_weighted_parts_and_the_total_the_weighted_criteria() {
        let mut s = Sheet::blank(1, 2, vec![]);
        s.self_points = vec![90.0, 70.0];
        s.review = vec![80.0];
        s.mass = vec![60.0];
        s.commitments = vec![100.0];
        let pr = profile([10, 30, 40, 20, 0, 0], vec![60, 40]);
        let scored = s.score(&[pr]);
        // criterion 0: (90*10 + 80*30 + 60*40 + 100*20) / 100 = 77.00
        assert_eq!(scored.criterion(0, 0), p(7700));
        // criterion 1: (70*10 + 2400 + 2400 + 2000) / 100 = 75.00
        assert_eq!(scored.criterion(0, 1), p(7500));
        // total: (77*60 + 75*40) / 100 = 76.20
        assert_eq!(scored.total(0), p(7620));
    }

    #[test]
    fn a_part_without_data_is_left_out_and_the_others_scaled_up() {
        let mut s = Sheet::blank(1, 1, vec![]);
        s.review = vec![80.0];
        s.mass = vec![50.0];
        let pr = profile([10, 30, 40, 20, 0, 0], vec![100]);
        // (80*30 + 50*40) / 70 = 62.857… → 62.86
        assert_eq!(s.score(std::slice::from_ref(&pr)).total(0), p(6286));
        let e = s.explain(&s.norms(), &[pr], 0);
        assert_eq!(e.criteria[0].parts[0], None);
        assert_eq!(e.criteria[0].parts[1], p(8000));
        assert_eq!(e.total, p(6286));
    }

    #[test]
    fn no_data_at_all_is_no_score_not_zero() {
        let s = Sheet::blank(2, 3, vec![]);
        let scored = s.score(&[profile([10, 30, 40, 20, 0, 0], vec![30, 30, 40])]);
        assert_eq!(scored.totals().collect::<Vec<_>>(), vec![None, None]);
    }

    #[test]
    fn activity_and_indicators_are_normalised_within_the_peer_group_only() {
        let cols = vec![IndicatorColumn {
            weight: 1,
            better: Better::Lower,
            criterion: None,
        }];
        let mut s = Sheet::blank(4, 1, cols);
        s.peer = vec![0, 0, 1, 1];
        s.activity = vec![10.0, 30.0, 100.0, 100.0];
        s.indicator_values = vec![5.0, 1.0, 7.0, 9.0];
        let pr = profile([0, 0, 0, 0, 50, 50], vec![100]);
        let t: Vec<_> = s.score(&[pr]).totals().collect();
        // group 0: activity 0 / 100, indicator (lower better) 0 / 100.
        assert_eq!(t[0], p(0));
        assert_eq!(t[1], p(10000));
        // group 1: equal activity tells nobody apart and is left out; indicator 100 / 0.
        assert_eq!(t[2], p(10000));
        assert_eq!(t[3], p(0));
    }

    #[test]
    fn an_indicator_tied_to_a_criterion_counts_for_that_criterion_only() {
        let cols = vec![IndicatorColumn {
            weight: 1,
            better: Better::Higher,
            criterion: Some(1),
        }];
        let mut s = Sheet::blank(2, 2, cols);
        s.review = vec![50.0, 50.0];
        s.indicator_values = vec![0.0, 10.0];
        let pr = profile([0, 50, 0, 0, 0, 50], vec![50, 50]);
        let scored = s.score(&[pr]);
        assert_eq!(scored.criterion(1, 0), p(5000));
        assert_eq!(scored.criterion(1, 1), p(7500));
        assert_eq!(scored.criterion(0, 1), p(2500));
    }

    #[test]
    fn part_values_from_raw_counts() {
        assert_eq!(review_value(17, 2, 10), 85.0);
        assert!(review_value(0, 0, 10).is_nan());
        assert_eq!(commitment_value(3, 4), 75.0);
        assert!(commitment_value(0, 0).is_nan());
    }

    #[test]
    fn inputs_and_scores_survive_the_snapshot_text() {
        let cols = vec![IndicatorColumn {
            weight: 1,
            better: Better::Higher,
            criterion: None,
        }];
        let mut s = Sheet::blank(2, 2, cols.clone());
        s.self_points = vec![NONE, 66.66666666666667, 1e-9, NONE];
        s.review = vec![85.33333333333333, NONE];
        s.activity = vec![0.1 + 0.2, 3.0];
        s.indicator_values = vec![NONE, -12.5];
        let mut back = Sheet::blank(2, 2, cols);
        for slot in 0..2 {
            assert!(decode_inputs(&encode_inputs(&s, slot), &mut back, slot));
        }
        let pr = [profile([30, 30, 0, 0, 20, 20], vec![50, 50])];
        let scored = s.score(&pr);
        assert_eq!(back.score(&pr), scored);
        for slot in 0..2 {
            let text = encode_scores(&scored, slot);
            let crit: Vec<_> = (0..2).map(|k| scored.criterion(slot, k)).collect();
            assert_eq!(decode_scores(&text, 2), Some(crit));
        }
        assert!(!decode_inputs("1;2|3", &mut back, 0));
        assert_eq!(decode_scores("1,x", 2), None);
    }

    fn value() -> impl Strategy<Value = f64> {
        prop_oneof![Just(NONE), (0u32..=10_000).prop_map(|v| v as f64 / 100.0)]
    }

    proptest! {
        /// Same inputs, same numbers; and a total always lies within its criteria's range.
        #[test]
        fn scores_are_reproducible_and_bounded(
            rows in proptest::collection::vec((value(), value(), value(), value(), value()), 1..40),
            weights in proptest::array::uniform6(0u32..50),
        ) {
            let n = rows.len();
            let mut s = Sheet::blank(n, 1, vec![]);
            for (i, (a, b, c, d, e)) in rows.iter().enumerate() {
                s.self_points[i] = *a;
                s.review[i] = *b;
                s.mass[i] = *c;
                s.commitments[i] = *d;
                s.activity[i] = *e;
            }
            let pr = [profile(weights, vec![100])];
            let first = s.score(&pr);
            prop_assert_eq!(&first, &s.score(&pr));
            for t in first.totals().flatten() {
                prop_assert!((0..=10_000).contains(&t.0));
            }
            let norms = s.norms();
            for slot in 0..n {
                let e = s.explain(&norms, &pr, slot);
                prop_assert_eq!(e.total, first.total(slot));
                // The parts a ranking keeps are the parts the explanation shows.
                prop_assert_eq!(e.parts_with_data(), first.parts(slot));
                prop_assert_eq!(s.parts_of(&norms, &pr, slot), first.parts(slot));
            }
        }
    }
}
