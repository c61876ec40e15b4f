//! A dashboard's overview of a peer set: distribution, top and bottom, movers, the
//! organisations below and participation.

use chrono::NaiveDate;
use serde::Serialize;
use xianfeng_domain::policy::{Action, Principal};
use xianfeng_storage::Store;

use super::table::*;
use crate::AppError;
use crate::scores::{self, Scores};

/// An organisation below the scope, with its subjects' count and mean score (drill-down).
#[derive(Debug, Clone, Serialize)]
pub struct ChildRow {
    pub code: String,
    pub name: String,
    pub subjects: usize,
    pub mean: Option<f64>,
}

/// What a dashboard shows of a peer set beside its ranking: the distribution of scores,
/// the top and bottom, the biggest movers either way, and the organisations below.
#[derive(Debug, Clone)]
pub struct Overview {
    pub table: Table,
    /// Scores in tenths of the scale: (label, subjects), 0–10 … 90–100.
    pub bins: Vec<(String, u64)>,
    pub top: Vec<TableRow>,
    pub bottom: Vec<TableRow>,
    /// When more subjects share the highest (lowest) score than a short list shows: how
    /// many, and the score — ten of them picked would say nothing.
    pub top_tied: Option<Tie>,
    pub bottom_tied: Option<Tie>,
    /// Subjects with a score above zero: none means nothing has been scored in the period.
    pub scored: usize,
    pub risers: Vec<TableRow>,
    pub fallers: Vec<TableRow>,
    pub children: Vec<ChildRow>,
    /// The scope and the organisations above it, top first: (code, name).
    pub crumbs: Vec<(String, String)>,
    pub participation: scores::Participation,
}

/// The first `n` of `rows` by `key`, in that order, by partial selection.
pub(super) fn extremes<'a, K: Ord>(
    rows: &[&'a scores::Ranked],
    n: usize,
    key: impl Fn(&&'a scores::Ranked) -> K,
) -> Vec<&'a scores::Ranked> {
    let mut v = rows.to_vec();
    if v.len() > n {
        v.select_nth_unstable_by_key(n, &key);
        v.truncate(n);
    }
    v.sort_by_key(key);
    v
}

/// Subjects sharing one score: how many, and the score.
#[derive(Debug, Clone, PartialEq)]
pub struct Tie {
    pub subjects: usize,
    pub score: f64,
}

/// The tie the scores of a ranking begin with (from either end), if it runs past a short
/// list.
fn tie_at(mut scores: impl Iterator<Item = xianfeng_domain::ranking::Points>) -> Option<Tie> {
    let first = scores.next()?;
    let subjects = 1 + scores.take_while(|s| *s == first).count();
    (subjects > SHORT_LIST).then(|| Tie {
        subjects,
        score: first.0 as f64 / 100.0,
    })
}

/// How many subjects the short lists on a dashboard show.
pub const SHORT_LIST: usize = 10;

/// The dashboard of a peer set: a page of its ranking and the overview beside it.
pub async fn overview(
    store: &Store,
    scores_cache: &Scores,
    viewer: Option<&Principal>,
    q: &TableQuery<'_>,
    today: NaiveDate,
) -> Result<Overview, AppError> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let sel = select(store, scores_cache, viewer, q, today).await?;
    let all = &sel.ranking.rows;
    let page: Vec<&scores::Ranked> = all.iter().skip(q.offset).take(limit).collect();
    let top: Vec<&scores::Ranked> = all.iter().take(SHORT_LIST).collect();
    let bottom: Vec<&scores::Ranked> = all.iter().rev().take(SHORT_LIST).collect();
    // The ten that rose most and the ten that fell most: a partial selection, not a sort
    // of every peer (a city's members are a million).
    let moved: Vec<&scores::Ranked> = all.iter().filter(|r| r.growth().is_some()).collect();
    let by_growth = |r: &&scores::Ranked| (std::cmp::Reverse(r.growth()), r.slot());
    let risers: Vec<&scores::Ranked> = extremes(&moved, SHORT_LIST, by_growth)
        .into_iter()
        .filter(|r| r.growth().is_some_and(|g| g.0 > 0))
        .collect();
    let fallers: Vec<&scores::Ranked> = extremes(&moved, SHORT_LIST, |r| (r.growth(), r.slot()))
        .into_iter()
        .filter(|r| r.growth().is_some_and(|g| g.0 < 0))
        .collect();
    let mut bins = vec![0u64; 10];
    for r in all {
        bins[((r.score().0.clamp(0, 9_999)) / 1_000) as usize] += 1;
    }
    let bins = bins
        .into_iter()
        .enumerate()
        .map(|(i, n)| (format!("{}–{}", i * 10, i * 10 + 10), n))
        .collect();
    let (children, crumbs, at) = {
        let b = sel.board.read().map_err(poisoned)?;
        let kb = b.kind(sel.kind);
        let at = sel.scope_at.unwrap_or(0);
        let kids = if b.tree.orgs.is_empty() {
            vec![]
        } else {
            b.tree.children(at)
        };
        // Which child's subtree each tree position below the scope lies in.
        let below = if b.tree.orgs.is_empty() {
            0..0
        } else {
            b.tree.subtree(at)
        };
        let mut owner = vec![usize::MAX; below.len()];
        for (i, c) in kids.iter().enumerate() {
            for pos in b.tree.subtree(*c) {
                owner[(pos - below.start) as usize] = i;
            }
        }
        let mut sums = vec![(0usize, 0i64); kids.len()];
        for r in all {
            let pos = kb.org[r.slot()];
            let i = pos
                .checked_sub(below.start)
                .and_then(|p| owner.get(p as usize))
                .copied()
                .unwrap_or(usize::MAX);
            if let Some(sum) = sums.get_mut(i) {
                sum.0 += 1;
                sum.1 += r.score().0;
            }
        }
        let children = kids
            .iter()
            .zip(sums)
            .map(|(c, (n, sum))| {
                let o = &b.tree.orgs[*c as usize];
                ChildRow {
                    code: o.code.clone(),
                    name: o.name.clone(),
                    subjects: n,
                    mean: (n > 0).then(|| (sum as f64 / n as f64).round() / 100.0),
                }
            })
            .collect();
        let mut crumbs = vec![];
        let mut cur = b.tree.orgs.get(at as usize);
        while let Some(o) = cur {
            crumbs.push((o.code.clone(), o.name.clone()));
            cur = o
                .parent_id
                .and_then(|p| b.tree.position(p))
                .and_then(|p| b.tree.orgs.get(p as usize));
        }
        crumbs.reverse();
        (children, crumbs, at)
    };
    let key = format!("{}|{at}", sel.period.code);
    // The organisations above the scope are named only to those who may see them.
    let mut crumbs = crumbs;
    if let Some(p) = viewer {
        let mut shown = vec![];
        for (code, name) in crumbs {
            if crate::scope::org_for(store, Some(p), &code, Action::ReadOrganisation)
                .await
                .is_ok()
            {
                shown.push((code, name));
            }
        }
        crumbs = shown;
    }
    let own_stamp: scores::Stamp = sel.stamp[..1].to_vec();
    let participation = match scores_cache.recall_participation(&key, &own_stamp) {
        Some(p) => p,
        None if crumbs.is_empty() => scores::Participation::default(),
        None => {
            let p = scores::participation(store, &sel.board, at).await?;
            scores_cache.remember_participation(key, own_stamp, p.clone());
            p
        }
    };
    let (criteria, leaders) = leaders(store, &sel).await?;
    let page_rows = rows(store, &sel, &page).await?;
    let table = assemble(&sel, (limit, q.offset), criteria, page_rows, leaders);
    Ok(Overview {
        top: rows(store, &sel, &top).await?,
        bottom: rows(store, &sel, &bottom).await?,
        top_tied: tie_at(all.iter().map(|r| r.score())),
        bottom_tied: tie_at(all.iter().rev().map(|r| r.score())),
        scored: all.iter().filter(|r| r.score().0 > 0).count(),
        risers: rows(store, &sel, &risers).await?,
        fallers: rows(store, &sel, &fallers).await?,
        table,
        bins,
        children,
        crumbs,
        participation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use xianfeng_domain::ranking::Points;

    #[test]
    fn a_tie_longer_than_a_short_list_is_told_not_picked_from() {
        let mut scores = vec![Points(9_000), Points(8_000)];
        scores.extend(std::iter::repeat_n(Points(0), 834));
        let bottom = tie_at(scores.iter().rev().copied()).expect("834 tied");
        assert_eq!((bottom.subjects, bottom.score), (834, 0.0));
        // At the top nobody ties; ten tied at the bottom still fit the list.
        assert_eq!(tie_at(scores.iter().copied()), None);
        assert_eq!(tie_at(std::iter::repeat_n(Points(5_000), SHORT_LIST)), None);
        assert_eq!(
            tie_at(std::iter::repeat_n(Points(5_050), SHORT_LIST + 1)),
            Some(Tie {
                subjects: 11,
                score: 50.5
            })
        );
    }
}
