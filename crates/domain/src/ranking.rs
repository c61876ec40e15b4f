//! Rankings among peers (横向比位次) and by growth over the previous period (纵向比增幅).
//!
//! Scores are [`Points`]: hundredths of a point, whole numbers, so that two subjects with
//! the same score as shown are equal when ranked (floating-point sums of the same inputs in
//! a different order could differ in their last bit and split a tie).
//!
//! Ranking is competition ranking ("1224"): equal scores share a rank, and the next rank
//! skips as many places as shared the one before. A subject's rank is one more than the
//! number of peers with a strictly higher score.

/// A score in hundredths of a point (8,750 is 87.50).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Points(pub i64);

impl Points {
    /// The nearest hundredth of `value`; `None` for a value that is not a finite number.
    pub fn from_f64(value: f64) -> Option<Points> {
        let hundredths = (value * 100.0).round();
        (hundredths.is_finite() && hundredths.abs() < 9.0e15).then_some(Points(hundredths as i64))
    }

    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl std::fmt::Display for Points {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(
            f,
            "{sign}{}.{:02}",
            self.0.unsigned_abs() / 100,
            self.0.unsigned_abs() % 100
        )
    }
}

/// The competition ranks of keys already in ranking order (best first): the rank of a key
/// is one more than the position of the first key equal to it. This is the one definition
/// of a rank; [`competition_ranks`] sorts and then applies it, and the scores service
/// applies it to the city-wide rankings it sorts itself.
pub fn ranks_in_order<K: PartialEq + Copy>(
    keys: impl IntoIterator<Item = K>,
) -> impl Iterator<Item = u32> {
    let mut last: Option<(K, u32)> = None;
    keys.into_iter().enumerate().map(move |(pos, key)| {
        let rank = match last {
            Some((k, r)) if k == key => r,
            _ => pos as u32 + 1,
        };
        last = Some((key, rank));
        rank
    })
}

/// Competition ranks of `scores`, higher first: the rank of each input, in input order.
pub fn competition_ranks(scores: &[Points]) -> Vec<u32> {
    // Pairs sort faster than indices that look their scores up.
    let mut order: Vec<(std::cmp::Reverse<i64>, u32)> = scores
        .iter()
        .enumerate()
        .map(|(i, s)| (std::cmp::Reverse(s.0), i as u32))
        .collect();
    order.sort_unstable();
    let mut ranks = vec![0u32; scores.len()];
    let in_order = ranks_in_order(order.iter().map(|(score, _)| *score));
    for (&(_, i), rank) in order.iter().zip(in_order) {
        ranks[i as usize] = rank;
    }
    ranks
}

/// A subject's place among its peers in a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub rank: u32,
    /// `score - previous`; `None` without a previous score.
    pub growth: Option<Points>,
    /// Competition rank by growth among the peers that have one.
    pub growth_rank: Option<u32>,
}

/// Standings of peers given (score, previous score), in input order.
pub fn standings(rows: &[(Points, Option<Points>)]) -> Vec<Standing> {
    let scores: Vec<Points> = rows.iter().map(|(s, _)| *s).collect();
    let ranks = competition_ranks(&scores);
    let growths: Vec<Option<Points>> = rows
        .iter()
        .map(|(s, p)| p.map(|p| Points(s.0 - p.0)))
        .collect();
    let known: Vec<Points> = growths.iter().flatten().copied().collect();
    let mut growth_ranks = competition_ranks(&known).into_iter();
    ranks
        .into_iter()
        .zip(growths)
        .map(|(rank, growth)| Standing {
            rank,
            growth,
            growth_rank: growth.map(|_| growth_ranks.next().expect("one rank per growth")),
        })
        .collect()
}

/// How grades are given (评定等次), from the campaign file: by minimum score, or by the
/// share of peers each grade may take at most (e.g. 优秀 at most a third).
#[derive(Debug, Clone, PartialEq)]
pub enum GradeRule {
    /// (grade, lowest score that earns it), best grade first; below all, the last grade.
    Thresholds(Vec<(String, Points)>),
    /// (grade, largest share of the peers, 0.0 to 1.0), best first; the last grade takes
    /// everyone left.
    Quotas(Vec<(String, f64)>),
}

/// The grade of each score, in input order. `None` where a rule has no grades.
///
/// Under quotas, subjects are taken in rank order; a group tied at the boundary that would
/// overfill a grade goes down to the next one whole, so that a quota is never exceeded and
/// equal scores always share a grade.
pub fn grades(scores: &[Points], rule: &GradeRule) -> Vec<Option<String>> {
    let names: Vec<&String> = match rule {
        GradeRule::Thresholds(steps) => steps.iter().map(|(g, _)| g).collect(),
        GradeRule::Quotas(shares) => shares.iter().map(|(g, _)| g).collect(),
    };
    grade_positions(scores, rule)
        .into_iter()
        .map(|p| p.map(|p| names[p as usize].clone()))
        .collect()
}

/// [`grades`] as positions in the rule's list (best first), without a string per subject.
pub fn grade_positions(scores: &[Points], rule: &GradeRule) -> Vec<Option<u8>> {
    match rule {
        GradeRule::Thresholds(steps) => scores
            .iter()
            .map(|s| {
                steps
                    .iter()
                    .position(|(_, min)| s >= min)
                    .or(steps.len().checked_sub(1))
                    .map(|p| p as u8)
            })
            .collect(),
        GradeRule::Quotas(shares) => {
            let Some(((_, _), upper)) = shares.split_last() else {
                return vec![None; scores.len()];
            };
            let n = scores.len();
            let mut order: Vec<(std::cmp::Reverse<Points>, usize)> = scores
                .iter()
                .enumerate()
                .map(|(i, s)| (std::cmp::Reverse(*s), i))
                .collect();
            order.sort_unstable();
            let mut out = vec![Some(upper.len() as u8); n];
            let mut next = 0;
            for (position, (_, share)) in upper.iter().enumerate() {
                let quota = (share.clamp(0.0, 1.0) * n as f64 + 1e-9).floor() as usize;
                let mut given = 0;
                while next < n {
                    // The whole group of equal scores starting here.
                    let score = order[next].0;
                    let end = order[next..]
                        .iter()
                        .position(|(s, _)| *s != score)
                        .map_or(n, |k| next + k);
                    if given + (end - next) > quota {
                        break;
                    }
                    for (_, i) in &order[next..end] {
                        out[*i] = Some(position as u8);
                    }
                    given += end - next;
                    next = end;
                }
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(v: &[i64]) -> Vec<Points> {
        v.iter().map(|x| Points(*x)).collect()
    }

    #[test]
    fn equal_scores_share_a_rank_and_the_next_rank_skips() {
        assert_eq!(
            competition_ranks(&p(&[9000, 9500, 9000, 8000, 9500])),
            vec![3, 1, 3, 5, 1]
        );
        assert_eq!(competition_ranks(&[]), Vec::<u32>::new());
    }

    #[test]
    fn ranks_in_order_share_a_rank_for_equal_keys_and_skip_after() {
        let ranks: Vec<u32> = ranks_in_order([9, 7, 7, 7, 3, 3, 1]).collect();
        assert_eq!(ranks, [1, 2, 2, 2, 5, 5, 7]);
        assert_eq!(ranks_in_order(Vec::<i64>::new()).count(), 0);
    }

    #[test]
    fn growth_is_ranked_among_those_with_a_previous_score() {
        let rows = [
            (Points(9000), Some(Points(8000))),
            (Points(9500), None),
            (Points(7000), Some(Points(7500))),
            (Points(8800), Some(Points(7800))),
        ];
        let s = standings(&rows);
        assert_eq!(s[0].growth, Some(Points(1000)));
        assert_eq!(s[1].growth, None);
        assert_eq!(s[1].growth_rank, None);
        assert_eq!(s[2].growth, Some(Points(-500)));
        assert_eq!(
            [s[0].growth_rank, s[2].growth_rank, s[3].growth_rank],
            [Some(1), Some(3), Some(1)]
        );
        assert_eq!([s[0].rank, s[1].rank, s[2].rank, s[3].rank], [2, 1, 4, 3]);
    }

    #[test]
    fn points_show_two_decimals_and_come_from_numbers_only() {
        assert_eq!(Points(8750).to_string(), "87.50");
        assert_eq!(Points(-5).to_string(), "-0.05");
        assert_eq!(Points::from_f64(87.499), Some(Points(8750)));
        assert_eq!(Points::from_f64(f64::NAN), None);
        assert_eq!(Points::from_f64(f64::INFINITY), None);
    }

    fn g(v: &[Option<String>]) -> Vec<&str> {
        v.iter().map(|x| x.as_deref().unwrap_or("-")).collect()
    }

    #[test]
    fn thresholds_give_the_best_grade_reached_and_the_last_below_all() {
        let rule = GradeRule::Thresholds(vec![
            ("优秀".into(), Points(9000)),
            ("良好".into(), Points(8000)),
            ("一般".into(), Points(6000)),
            ("较差".into(), Points(0)),
        ]);
        let out = grades(&p(&[9500, 9000, 8999, 6000, -100]), &rule);
        assert_eq!(g(&out), ["优秀", "优秀", "良好", "一般", "较差"]);
    }

    #[test]
    fn a_quota_is_never_exceeded_and_a_tie_at_its_edge_goes_down_whole() {
        let rule = GradeRule::Quotas(vec![("优秀".into(), 1.0 / 3.0), ("良好".into(), 1.0)]);
        // Six subjects: a third is two. The second and third are tied: both go down.
        let out = grades(&p(&[90, 80, 80, 70, 60, 50]), &rule);
        assert_eq!(g(&out), ["优秀", "良好", "良好", "良好", "良好", "良好"]);
        let out = grades(&p(&[90, 85, 80, 70, 60, 50]), &rule);
        assert_eq!(g(&out), ["优秀", "优秀", "良好", "良好", "良好", "良好"]);
        assert_eq!(grades(&[], &rule), Vec::<Option<String>>::new());
        assert_eq!(grades(&p(&[1]), &GradeRule::Quotas(vec![])), vec![None]);
    }

    fn rows() -> impl Strategy<Value = Vec<(i64, Option<i64>)>> {
        // Few distinct values, so that ties are common.
        prop::collection::vec((0i64..20, prop::option::of(0i64..20)), 0..40)
    }

    proptest! {
        #[test]
        fn ranks_do_not_depend_on_input_order(rows in rows(), seed in any::<u64>()) {
            let input: Vec<_> = rows.iter().map(|(s, q)| (Points(*s), q.map(Points))).collect();
            let before = standings(&input);
            // A permutation of the rows: the same subjects, another order.
            let mut order: Vec<usize> = (0..input.len()).collect();
            let mut x = seed | 1;
            for i in (1..order.len()).rev() {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                order.swap(i, (x % (i as u64 + 1)) as usize);
            }
            let shuffled: Vec<_> = order.iter().map(|&i| input[i]).collect();
            let after = standings(&shuffled);
            for (k, &i) in order.iter().enumerate() {
                prop_assert_eq!(after[k], before[i]);
            }
        }

        #[test]
        fn ranks_agree_with_scores(rows in rows()) {
            let input: Vec<_> = rows.iter().map(|(s, q)| (Points(*s), q.map(Points))).collect();
            let s = standings(&input);
            for i in 0..input.len() {
                let higher = input.iter().filter(|(o, _)| *o > input[i].0).count() as u32;
                prop_assert_eq!(s[i].rank, higher + 1);
                for j in 0..input.len() {
                    if input[i].0 == input[j].0 {
                        prop_assert_eq!(s[i].rank, s[j].rank);
                    }
                    if input[i].0 > input[j].0 {
                        prop_assert!(s[i].rank < s[j].rank);
                    }
                    if let (Some(gi), Some(gj)) = (s[i].growth, s[j].growth) {
                        prop_assert_eq!(gi == gj, s[i].growth_rank == s[j].growth_rank);
                        prop_assert_eq!(gi > gj, s[i].growth_rank < s[j].growth_rank);
                    }
                }
            }
        }

        #[test]
        fn growth_has_the_sign_of_the_change(rows in rows()) {
            let input: Vec<_> = rows.iter().map(|(s, q)| (Points(*s), q.map(Points))).collect();
            for ((score, previous), st) in input.iter().zip(standings(&input)) {
                match previous {
                    None => prop_assert!(st.growth.is_none() && st.growth_rank.is_none()),
                    Some(p) => {
                        let g = st.growth.expect("a previous score gives a growth");
                        prop_assert_eq!(g.0.signum(), (score.0 - p.0).signum());
                        prop_assert_eq!(g.0, score.0 - p.0);
                    }
                }
            }
        }

        #[test]
        fn quotas_hold_and_equal_scores_share_a_grade(
            scores in prop::collection::vec(0i64..10, 0..40),
            top in 0.0f64..1.0,
        ) {
            let scores: Vec<Points> = scores.into_iter().map(Points).collect();
            let rule = GradeRule::Quotas(vec![("A".into(), top), ("B".into(), 1.0)]);
            let out = grades(&scores, &rule);
            let a = out.iter().filter(|x| x.as_deref() == Some("A")).count();
            prop_assert!(a as f64 <= top * scores.len() as f64 + 1e-6);
            for i in 0..scores.len() {
                for j in 0..scores.len() {
                    if scores[i] == scores[j] {
                        prop_assert_eq!(&out[i], &out[j]);
                    }
                    if scores[i] > scores[j] && out[j].as_deref() == Some("A") {
                        prop_assert_eq!(out[i].as_deref(), Some("A"));
                    }
                }
            }
        }
    }
}
