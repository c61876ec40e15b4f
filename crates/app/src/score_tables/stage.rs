//! Rankings over a themed stage (主题实践阶段): a subject's stage score is the mean of its
//! scores in the assessment periods that share a day with the stage (those in which it was
//! scored), and the peers rank by it. Scores are made per period; a stage only gathers
//! them, so a stage's ranking always agrees with its periods' rankings.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use xianfeng_domain::policy::Principal;

use super::table::{MAX_ROWS, Table, TableQuery, TableRow, table};
use crate::AppError;
use crate::scores::Scores;

/// A subject's scores over the stage's periods, as gathered.
struct Gathered {
    row: TableRow,
    sum: f64,
    n: u32,
}

/// Ranks by mean score, best first: equal means share a rank (1, 2, 2, 4), ties listed by
/// code.
fn ranked(mut rows: Vec<(f64, TableRow)>) -> Vec<TableRow> {
    rows.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.code.cmp(&b.1.code)));
    let mut out = Vec::with_capacity(rows.len());
    let mut last: Option<(f64, u32)> = None;
    for (i, (mean, mut row)) in rows.into_iter().enumerate() {
        let rank = match last {
            Some((m, r)) if (m - mean).abs() < 0.005 => r,
            _ => u32::try_from(i + 1).unwrap_or(u32::MAX),
        };
        last = Some((mean, rank));
        row.rank = rank;
        row.score = (mean * 100.0).round() / 100.0;
        out.push(row);
    }
    out
}

/// The ranking of the peers `q` selects over themed stage `stage` of the campaign `q`
/// picks; `q.period` is ignored. Same visibility as [`table`].
pub async fn stage_table(
    store: &xianfeng_storage::Store,
    scores_cache: &Scores,
    viewer: Option<&Principal>,
    q: &TableQuery<'_>,
    stage: &str,
    today: NaiveDate,
) -> Result<Table, AppError> {
    let (_, campaign) = crate::campaigns::picked(store, q.campaign).await?;
    let (span, periods) = crate::figures::stage_span(&campaign, stage)?;
    let mut gathered: BTreeMap<String, Gathered> = BTreeMap::new();
    let mut kind = q
        .set
        .kind
        .unwrap_or(xianfeng_domain::subject::SubjectKind::Organisation);
    for p in &periods {
        let per = TableQuery {
            campaign: q.campaign,
            period: Some(p),
            set: q.set.clone(),
            limit: Some(MAX_ROWS),
            offset: 0,
        };
        let t = table(store, scores_cache, viewer, &per, today).await?;
        kind = t.kind;
        for row in t.rows {
            let g = gathered
                .entry(row.code.clone())
                .or_insert_with(|| Gathered {
                    row: TableRow {
                        previous_score: None,
                        growth: None,
                        growth_percent: None,
                        growth_rank: None,
                        grade: None,
                        criteria: vec![],
                        only_part: None,
                        ..row.clone()
                    },
                    sum: 0.0,
                    n: 0,
                });
            g.sum += row.score;
            g.n += 1;
        }
    }
    let rows = ranked(
        gathered
            .into_values()
            .map(|g| (g.sum / f64::from(g.n), g.row))
            .collect(),
    );
    let limit = q.limit.unwrap_or(super::table::DEFAULT_LIMIT).min(MAX_ROWS);
    Ok(Table {
        period: span,
        previous_period: None,
        closed: false,
        kind,
        total: rows.len(),
        limit,
        offset: q.offset,
        criteria: vec![],
        rows: rows.into_iter().skip(q.offset).take(limit).collect(),
        leaders: vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(code: &str) -> TableRow {
        TableRow {
            code: code.into(),
            name: code.into(),
            rank: 0,
            score: 0.0,
            previous_score: None,
            growth: None,
            growth_percent: None,
            growth_rank: None,
            grade: None,
            category: None,
            level: String::new(),
            criteria: vec![],
            only_part: None,
        }
    }

    #[test]
    fn equal_means_share_a_rank_and_the_next_one_skips() {
        let out = ranked(vec![
            (50.0, row("B")),
            (75.0, row("A")),
            (50.0, row("C")),
            (10.0, row("D")),
        ]);
        let got: Vec<(&str, u32, f64)> = out
            .iter()
            .map(|r| (r.code.as_str(), r.rank, r.score))
            .collect();
        assert_eq!(
            got,
            [
                ("A", 1, 75.0),
                ("B", 2, 50.0),
                ("C", 2, 50.0),
                ("D", 4, 10.0)
            ]
        );
    }
}
