//! Ranking tables (排名表) as the API, the web pages and the Excel export show them: one
//! query, one row shape, so that the three always agree.

use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;
use xianfeng_domain::campaign::{Period, SubjectKind};
use xianfeng_domain::i18n::{Lang, both, t};
use xianfeng_domain::org::OrgKind;
use xianfeng_domain::policy::{Action, Principal};
use xianfeng_domain::ranking::Points;
use xianfeng_storage::Store;

use crate::AppError;
use crate::scores::{self, PeerSet, Scores};

/// The most rows one request may ask for.
pub const MAX_LIMIT: usize = 10_000;
pub const DEFAULT_LIMIT: usize = 100;

/// A ranking request: the peer set, the period, and the page.
#[derive(Debug, Clone, Default)]
pub struct TableQuery<'a> {
    pub period: Option<&'a str>,
    pub set: PeerSet<'a>,
    pub limit: Option<usize>,
    pub offset: usize,
}

/// One row of a ranking table. Scores are numbers with two decimals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableRow {
    pub code: String,
    pub name: String,
    pub rank: u32,
    pub score: f64,
    pub previous_score: Option<f64>,
    pub growth: Option<f64>,
    /// Growth as a percentage of the previous score.
    pub growth_percent: Option<f64>,
    pub growth_rank: Option<u32>,
    pub grade: Option<String>,
    pub category: Option<String>,
    pub level: String,
    /// Scores per criterion, in the standard's order (see `criteria`).
    pub criteria: Vec<Option<f64>>,
}

/// A criterion's best score among the peers and who reached it (单项第一): (criterion
/// code, best score, [(subject code, name)]).
pub type Leader = (String, Option<f64>, Vec<(String, String)>);

/// A page of a ranking, with what it is about.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub period: Period,
    pub previous_period: Option<String>,
    pub closed: bool,
    pub kind: SubjectKind,
    /// Peers ranked (all pages).
    pub total: usize,
    pub limit: usize,
    pub offset: usize,
    /// (code, name) of the criteria.
    pub criteria: Vec<(String, String)>,
    pub rows: Vec<TableRow>,
    /// Per criterion: the best score and the codes and names of who reached it (单项第一).
    pub leaders: Vec<Leader>,
}

fn num(p: Points) -> f64 {
    p.0 as f64 / 100.0
}

/// A page of the ranking the query names.
///
/// `viewer` is `None` for the operator at the command line. An account sees organisations
/// within its scope only, and members' and cadres' names only where it may see members;
/// without a scope the query covers the account's own top organisation (the whole tree for
/// the operator).
pub async fn table(
    store: &Store,
    scores_cache: &Scores,
    viewer: Option<&Principal>,
    q: &TableQuery<'_>,
    today: NaiveDate,
) -> Result<Table, AppError> {
    let kind = q.set.kind.unwrap_or(SubjectKind::Organisation);
    let action = match kind {
        SubjectKind::Member | SubjectKind::Cadre => Action::ReadMembers,
        SubjectKind::Organisation | SubjectKind::Team => Action::ReadOrganisation,
    };
    let scope: Option<String> = match (viewer, q.set.scope) {
        (_, Some(code)) => Some(code.to_string()),
        (Some(p), None) => Some(top_of(store, p).await?),
        (None, None) => None,
    };
    if let (Some(p), Some(code)) = (viewer, &scope) {
        crate::scope::org_for(store, Some(p), code, action).await?;
    }
    let set = PeerSet {
        scope: scope.as_deref(),
        ..q.set.clone()
    };
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(AppError::Input(both(
            "app.bad_limit",
            &[("max", &MAX_LIMIT)],
        )));
    }
    let (_, campaign) = crate::scope::campaign(store).await?;
    let board = scores_cache.board(store, q.period, today).await?;
    let period = board.read().map_err(poisoned)?.period.clone();
    let previous = scores_cache.previous(store, &period, today).await?;
    // Read under the locks, then let go before any await.
    let (ranked_page, total, closed, criteria_codes, leaders_slots, codes, groups) = {
        let b = board.read().map_err(poisoned)?;
        let prev_guard = match &previous {
            Some(p) => Some(p.read().map_err(poisoned)?),
            None => None,
        };
        let ranking = scores::rank(
            &b,
            prev_guard.as_deref(),
            &set,
            campaign.grade_rule().as_ref(),
        )?;
        let total = ranking.rows.len();
        let page: Vec<scores::Ranked> = ranking
            .rows
            .into_iter()
            .skip(q.offset)
            .take(limit)
            .collect();
        let kb = b.kind(kind);
        let codes: Vec<String> = page
            .iter()
            .map(|r| scores::subject_code(&b, kind, r.slot))
            .collect();
        let groups: Vec<_> = page.iter().map(|r| kb.group_of(r.slot).clone()).collect();
        let crit: Vec<Vec<Option<f64>>> = page
            .iter()
            .map(|r| {
                (0..kb.criteria.len())
                    .map(|k| kb.scored.criterion(r.slot, k).map(num))
                    .collect()
            })
            .collect();
        let leaders: Vec<(Points, Vec<(usize, String)>)> = ranking
            .leaders
            .iter()
            .map(|(best, slots)| {
                let who = slots
                    .iter()
                    .take(20)
                    .map(|s| (*s, scores::subject_code(&b, kind, *s)))
                    .collect();
                (*best, who)
            })
            .collect();
        (
            page.into_iter().zip(crit).collect::<Vec<_>>(),
            total,
            b.closed.is_some(),
            kb.criteria.clone(),
            leaders,
            codes,
            groups,
        )
    };
    let mut wanted: Vec<usize> = ranked_page.iter().map(|(r, _)| r.slot).collect();
    wanted.extend(
        leaders_slots
            .iter()
            .flat_map(|(_, who)| who.iter().map(|(s, _)| *s)),
    );
    let (ids, tree) = {
        let guard = board.read().map_err(poisoned)?;
        let kb = guard.kind(kind);
        let ids: Vec<(usize, i64, u32)> = wanted
            .iter()
            .map(|s| (*s, kb.ids[*s], kb.org[*s]))
            .collect();
        (ids, guard.tree.clone())
    };
    let names = scores::names_of(store, &tree, kind, &ids).await?;
    let category_name = |c: &Option<String>| {
        c.as_ref().map(|code| {
            campaign
                .file
                .categories
                .iter()
                .find(|x| x.code.get_ref() == code)
                .map_or(code.clone(), |x| x.name.clone())
        })
    };
    let grade_name = |g: &Option<String>| {
        g.as_ref().map(|code| {
            campaign
                .grade_name(code)
                .map_or(code.clone(), |s| s.name.clone())
        })
    };
    let rows = ranked_page
        .iter()
        .zip(codes)
        .zip(groups)
        .map(|(((r, crit), code), (category, level))| TableRow {
            code,
            name: names.get(&r.slot).cloned().unwrap_or_default(),
            rank: r.rank,
            score: num(r.score),
            previous_score: r.previous.map(num),
            growth: r.growth.map(num),
            growth_percent: r.growth_percent.map(num),
            growth_rank: r.growth_rank,
            grade: grade_name(&r.grade),
            category: category_name(&category),
            level: OrgKind::parse(&level).map_or(level.clone(), |k| k.name_zh().to_string()),
            criteria: crit.clone(),
        })
        .collect();
    let standard = campaign.standard_of(kind);
    let criteria: Vec<(String, String)> = criteria_codes
        .iter()
        .map(|c| {
            let name = standard
                .and_then(|s| s.criteria.iter().find(|x| x.code.get_ref() == c))
                .map_or(c.clone(), |x| x.name.clone());
            (c.clone(), name)
        })
        .collect();
    let leaders = criteria
        .iter()
        .zip(leaders_slots)
        .map(|((code, _), (best, who))| {
            let best = (best.0 != i64::MIN).then(|| num(best));
            let who = who
                .into_iter()
                .map(|(s, c)| (c, names.get(&s).cloned().unwrap_or_default()))
                .collect();
            (code.clone(), best, who)
        })
        .collect();
    Ok(Table {
        previous_period: crate::scores::previous_period(&campaign, &period).map(|p| p.code),
        period,
        closed,
        kind,
        total,
        limit,
        offset: q.offset,
        criteria,
        rows,
        leaders,
    })
}

/// The highest organisation an account is attached to (the first in tree order).
async fn top_of(store: &Store, p: &Principal) -> Result<String, AppError> {
    let top = p.scopes.iter().min_by_key(|s| s.depth());
    let Some(id) = top.and_then(|s| s.ids().last().copied()) else {
        return Err(AppError::Forbidden);
    };
    let org = store.org_by_id(id).await?.ok_or(AppError::Forbidden)?;
    Ok(org.code)
}

fn poisoned<T>(_: T) -> AppError {
    AppError::Input(both("app.scores_busy", &[]))
}

/// Writes ranking tables to an .xlsx workbook, one sheet per table, with the column
/// headers in Chinese and English and a sheet explaining the method.
pub fn write_xlsx(path: &Path, tables: &[Table]) -> Result<(), AppError> {
    let bytes = xlsx_bytes(tables)?;
    std::fs::write(path, bytes).map_err(|e| AppError::Input(format!("{}: {e}", path.display())))
}

/// The workbook of [`write_xlsx`], in memory (for a download).
pub fn xlsx_bytes(tables: &[Table]) -> Result<Vec<u8>, AppError> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::Input(e.to_string());
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let two = Format::new().set_num_format("0.00");
    for table in tables {
        let sheet = book.add_worksheet();
        let title = format!(
            "{}-{}",
            t(
                Lang::ZhCn,
                &format!("scores.kind_{}", table.kind.as_str()),
                &[]
            ),
            table.period.code
        );
        sheet.set_name(&title).map_err(fail)?;
        let mut headers: Vec<String> = [
            "rank",
            "code",
            "name",
            "category",
            "level",
            "score",
            "previous",
            "growth",
            "growth_percent",
            "growth_rank",
            "grade",
        ]
        .iter()
        .map(|h| both(&format!("scores.col_{h}"), &[]))
        .collect();
        headers.extend(table.criteria.iter().map(|(_, name)| name.clone()));
        for (c, h) in headers.iter().enumerate() {
            sheet
                .write_string_with_format(0, c as u16, h, &bold)
                .map_err(fail)?;
        }
        for (i, r) in table.rows.iter().enumerate() {
            let row = i as u32 + 1;
            sheet.write_number(row, 0, r.rank).map_err(fail)?;
            sheet.write_string(row, 1, &r.code).map_err(fail)?;
            sheet.write_string(row, 2, &r.name).map_err(fail)?;
            sheet
                .write_string(row, 3, r.category.as_deref().unwrap_or(""))
                .map_err(fail)?;
            sheet.write_string(row, 4, &r.level).map_err(fail)?;
            sheet
                .write_number_with_format(row, 5, r.score, &two)
                .map_err(fail)?;
            let optional = [r.previous_score, r.growth, r.growth_percent];
            for (j, v) in optional.iter().enumerate() {
                if let Some(v) = v {
                    sheet
                        .write_number_with_format(row, 6 + j as u16, *v, &two)
                        .map_err(fail)?;
                }
            }
            if let Some(g) = r.growth_rank {
                sheet.write_number(row, 9, g).map_err(fail)?;
            }
            sheet
                .write_string(row, 10, r.grade.as_deref().unwrap_or(""))
                .map_err(fail)?;
            for (k, v) in r.criteria.iter().enumerate() {
                if let Some(v) = v {
                    sheet
                        .write_number_with_format(row, 11 + k as u16, *v, &two)
                        .map_err(fail)?;
                }
            }
        }
        sheet.set_freeze_panes(1, 3).map_err(fail)?;
        sheet.autofit();
    }
    let notes = book.add_worksheet();
    notes
        .set_name(t(Lang::ZhCn, "scores.method_sheet", &[]))
        .map_err(fail)?;
    for (i, key) in [
        "scores.method_1",
        "scores.method_2",
        "scores.method_3",
        "scores.method_4",
    ]
    .iter()
    .enumerate()
    {
        notes
            .write_string(i as u32, 0, both(key, &[]))
            .map_err(fail)?;
    }
    book.save_to_buffer().map_err(fail)
}
