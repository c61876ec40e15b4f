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
use crate::scores::{self, PeerSet, Scores, SharedBoard};
use std::sync::Arc;
use xianfeng_domain::campaign::Campaign;

/// The most rows one API request may ask for.
pub const MAX_LIMIT: usize = 10_000;
/// The most rows an Excel sheet holds, for exports.
pub const MAX_ROWS: usize = 1_048_575;
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

/// A ranking made for a query, with what its rows need.
struct Selection {
    board: SharedBoard,
    campaign: Arc<Campaign>,
    period: Period,
    closed: bool,
    kind: SubjectKind,
    ranking: Arc<scores::Ranking>,
    /// The boards' stamp, for results derived from this selection.
    stamp: scores::Stamp,
    /// Tree position of the scope (`None`: the whole tree).
    scope_at: Option<u32>,
}

/// Authorises and ranks the peer set the query names.
///
/// `viewer` is `None` for the operator at the command line. An account sees organisations
/// within its scope only, and members' and cadres' names only where it may see members;
/// without a scope the query covers the account's own top organisation (the whole tree for
/// the operator).
async fn select(
    store: &Store,
    scores_cache: &Scores,
    viewer: Option<&Principal>,
    q: &TableQuery<'_>,
    today: NaiveDate,
) -> Result<Selection, AppError> {
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
        let org = crate::scope::org_for(store, Some(p), code, action).await?;
        // A sector guide sees its sector's organisations across the tree, but not the
        // subtrees below them, which hold other sectors: rankings only within its own.
        let path = org.tree_path();
        if p.role == xianfeng_domain::role::Role::SectorGuide
            && !p.scopes.iter().any(|s| s.contains(&path))
        {
            return Err(AppError::NotFound);
        }
    }
    let set = PeerSet {
        kind: Some(kind),
        scope: scope.as_deref(),
        ..q.set.clone()
    };
    let (_, campaign) = crate::scope::campaign(store).await?;
    let board = scores_cache.board(store, q.period, today).await?;
    let period = board.read().map_err(poisoned)?.period.clone();
    let previous = scores_cache.previous(store, &period, today).await?;
    let stamp: scores::Stamp = std::iter::once(&board)
        .chain(previous.as_ref())
        .map(scores::stamp_of)
        .collect();
    let key = format!(
        "{}|{}|{}|{}|{}|{}",
        period.code,
        kind.as_str(),
        set.scope.unwrap_or(""),
        set.category.unwrap_or(""),
        set.level.unwrap_or(""),
        campaign.code()
    );
    let (ranking, closed, scope_at) = {
        let b = board.read().map_err(poisoned)?;
        let ranking = match scores_cache.recall_ranking(&key, &stamp) {
            Some(r) => r,
            None => {
                let prev_guard = match &previous {
                    Some(p) => Some(p.read().map_err(poisoned)?),
                    None => None,
                };
                let r = Arc::new(scores::rank(
                    &b,
                    prev_guard.as_deref(),
                    &set,
                    campaign.grade_rule().as_ref(),
                )?);
                scores_cache.remember_ranking(key, stamp.clone(), r.clone());
                r
            }
        };
        let at = scope.as_deref().and_then(|c| b.tree.by_code(c));
        (ranking, b.closed.is_some(), at)
    };
    Ok(Selection {
        board,
        campaign,
        period,
        closed,
        kind,
        ranking,
        stamp,
        scope_at,
    })
}

/// Table rows for some ranked subjects, names read outside the board's lock.
async fn rows(
    store: &Store,
    sel: &Selection,
    picks: &[&scores::Ranked],
) -> Result<Vec<TableRow>, AppError> {
    let kind = sel.kind;
    let (codes, groups, crit, ids, tree) = {
        let b = sel.board.read().map_err(poisoned)?;
        let kb = b.kind(kind);
        let codes: Vec<String> = picks
            .iter()
            .map(|r| scores::subject_code(&b, kind, r.slot))
            .collect();
        let groups: Vec<_> = picks.iter().map(|r| kb.group_of(r.slot).clone()).collect();
        let crit: Vec<Vec<Option<f64>>> = picks
            .iter()
            .map(|r| {
                (0..kb.criteria.len())
                    .map(|k| kb.scored.criterion(r.slot, k).map(num))
                    .collect()
            })
            .collect();
        let ids: Vec<(usize, i64, u32)> = picks
            .iter()
            .map(|r| (r.slot, kb.ids[r.slot], kb.org[r.slot]))
            .collect();
        (codes, groups, crit, ids, b.tree.clone())
    };
    let names = scores::names_of(store, &tree, kind, &ids).await?;
    let campaign = &sel.campaign;
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
    let grade_name = |g: Option<u8>| campaign.grade_at(g?).map(|s| s.name.clone());
    Ok(picks
        .iter()
        .zip(codes)
        .zip(groups)
        .zip(crit)
        .map(|(((r, code), (category, level)), criteria)| TableRow {
            code,
            name: names.get(&r.slot).cloned().unwrap_or_default(),
            rank: r.rank,
            score: num(r.score),
            previous_score: r.previous.map(num),
            growth: r.growth.map(num),
            growth_percent: r.growth_percent().map(num),
            growth_rank: r.growth_rank,
            grade: grade_name(r.grade),
            category: category_name(&category),
            level: OrgKind::parse(&level).map_or(level.clone(), |k| k.name_zh().to_string()),
            criteria,
        })
        .collect())
}

/// The criteria (code, name) and their leaders (单项第一) of a selection.
async fn leaders(
    store: &Store,
    sel: &Selection,
) -> Result<(Vec<(String, String)>, Vec<Leader>), AppError> {
    let (codes, who, tree) = {
        let b = sel.board.read().map_err(poisoned)?;
        let kb = b.kind(sel.kind);
        // Per criterion: the best score, and (slot, id, tree position, code) of who has it.
        type Who = (Points, Vec<(usize, i64, u32, String)>);
        let who: Vec<Who> = sel
            .ranking
            .leaders
            .iter()
            .map(|(best, slots)| {
                let who = slots
                    .iter()
                    .take(20)
                    .map(|s| {
                        let code = scores::subject_code(&b, sel.kind, *s);
                        (*s, kb.ids[*s], kb.org[*s], code)
                    })
                    .collect();
                (*best, who)
            })
            .collect();
        (kb.criteria.clone(), who, b.tree.clone())
    };
    let ids: Vec<(usize, i64, u32)> = who
        .iter()
        .flat_map(|(_, w)| w.iter().map(|(s, id, at, _)| (*s, *id, *at)))
        .collect();
    let names = scores::names_of(store, &tree, sel.kind, &ids).await?;
    let standard = sel.campaign.standard_of(sel.kind);
    let criteria: Vec<(String, String)> = codes
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
        .zip(who)
        .map(|((code, _), (best, who))| {
            let best = (best.0 != i64::MIN).then(|| num(best));
            let who = who
                .into_iter()
                .map(|(s, _, _, c)| (c, names.get(&s).cloned().unwrap_or_default()))
                .collect();
            (code.clone(), best, who)
        })
        .collect();
    Ok((criteria, leaders))
}

/// A table from a selection and its parts: `page` is (limit, offset).
fn assemble(
    sel: &Selection,
    (limit, offset): (usize, usize),
    criteria: Vec<(String, String)>,
    rows: Vec<TableRow>,
    leaders: Vec<Leader>,
) -> Table {
    Table {
        previous_period: scores::previous_period(&sel.campaign, &sel.period).map(|p| p.code),
        period: sel.period.clone(),
        closed: sel.closed,
        kind: sel.kind,
        total: sel.ranking.rows.len(),
        limit,
        offset,
        criteria,
        rows,
        leaders,
    }
}

/// A page of the ranking the query names (see [`select`] for who sees what).
pub async fn table(
    store: &Store,
    scores_cache: &Scores,
    viewer: Option<&Principal>,
    q: &TableQuery<'_>,
    today: NaiveDate,
) -> Result<Table, AppError> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_ROWS {
        return Err(AppError::Input(both(
            "app.bad_limit",
            &[("max", &MAX_LIMIT)],
        )));
    }
    let sel = select(store, scores_cache, viewer, q, today).await?;
    let page: Vec<&scores::Ranked> = sel.ranking.rows.iter().skip(q.offset).take(limit).collect();
    let rows = rows(store, &sel, &page).await?;
    let (criteria, leaders) = leaders(store, &sel).await?;
    Ok(assemble(&sel, (limit, q.offset), criteria, rows, leaders))
}

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
    pub risers: Vec<TableRow>,
    pub fallers: Vec<TableRow>,
    pub children: Vec<ChildRow>,
    /// The scope and the organisations above it, top first: (code, name).
    pub crumbs: Vec<(String, String)>,
    pub participation: scores::Participation,
}

/// The first `n` of `rows` by `key`, in that order, by partial selection.
fn extremes<'a, K: Ord>(
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
    let moved: Vec<&scores::Ranked> = all.iter().filter(|r| r.growth.is_some()).collect();
    let by_growth = |r: &&scores::Ranked| (std::cmp::Reverse(r.growth), r.slot);
    let risers: Vec<&scores::Ranked> = extremes(&moved, SHORT_LIST, by_growth)
        .into_iter()
        .filter(|r| r.growth.is_some_and(|g| g.0 > 0))
        .collect();
    let fallers: Vec<&scores::Ranked> = extremes(&moved, SHORT_LIST, |r| (r.growth, r.slot))
        .into_iter()
        .filter(|r| r.growth.is_some_and(|g| g.0 < 0))
        .collect();
    let mut bins = vec![0u64; 10];
    for r in all {
        bins[((r.score.0.clamp(0, 9_999)) / 1_000) as usize] += 1;
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
            let pos = kb.org[r.slot];
            let i = pos
                .checked_sub(below.start)
                .and_then(|p| owner.get(p as usize))
                .copied()
                .unwrap_or(usize::MAX);
            if let Some(sum) = sums.get_mut(i) {
                sum.0 += 1;
                sum.1 += r.score.0;
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
        risers: rows(store, &sel, &risers).await?,
        fallers: rows(store, &sel, &fallers).await?,
        table,
        bins,
        children,
        crumbs,
        participation,
    })
}

/// The highest organisation an account is attached to (the first in tree order).
async fn top_of(store: &Store, p: &Principal) -> Result<String, AppError> {
    let top = p.scopes.iter().min_by_key(|s| s.depth());
    let Some(id) = top.and_then(|s| s.ids().last().copied()) else {
        // An account without organisations (the administrator) starts at the top.
        let root = store.roots().await?.into_iter().next();
        return root.map(|o| o.code).ok_or(AppError::NotFound);
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

/// One criterion's row in "how this score was made".
#[derive(Debug, Clone)]
pub struct CriterionView {
    pub name: String,
    pub weight: u32,
    /// Each part's value, in `Part::ALL` order; `None` where the part had no data.
    pub parts: [Option<f64>; 6],
    pub score: Option<f64>,
}

/// A raw value beside its peers' range: (what, value, peers' lowest, peers' highest); `what`
/// is empty for study and service hours (the page names them in its language), else the
/// indicator's name and unit.
pub type RawRow = (String, f64, f64, f64);

/// Everything a subject's score page shows.
#[derive(Debug, Clone)]
pub struct SubjectView {
    pub code: String,
    /// The subject's id within its kind.
    pub id: i64,
    pub name: String,
    pub kind: SubjectKind,
    pub category: Option<String>,
    pub level: String,
    pub period: Period,
    pub closed: bool,
    pub total: Option<f64>,
    /// Rank among the peers (same kind, category and level) in the organisation above,
    /// and how many they are.
    pub standing: Option<(u32, usize)>,
    pub growth: Option<f64>,
    pub grade: Option<String>,
    /// The organisation the standing is within: (code, name).
    pub scope: (String, String),
    pub part_weights: [u32; 6],
    pub criteria: Vec<CriterionView>,
    /// Raw hours and indicator values with their peers' range; indicator names carry units.
    pub raw: Vec<RawRow>,
    /// (period name, total) for every period of the campaign.
    pub history: Vec<(String, Option<f64>)>,
    /// (criterion code, name, points given) of the self-assessment.
    pub self_points: Vec<(String, String, Option<i64>)>,
    pub may_self_assess: bool,
}

/// The page of one subject's score: how it was made, where it stands, its history.
pub async fn subject_view(
    store: &Store,
    scores_cache: &Scores,
    viewer: &Principal,
    code: &str,
    period: Option<&str>,
    today: NaiveDate,
) -> Result<SubjectView, AppError> {
    let (_, campaign) = crate::scope::campaign(store).await?;
    let board = scores_cache.board(store, period, today).await?;
    let period = board.read().map_err(poisoned)?.period.clone();
    let previous = scores_cache.previous(store, &period, today).await?;
    // Who it is, where it sits, and whether the viewer may see it.
    let (kind, slot, org_code, id) = {
        let b = board.read().map_err(poisoned)?;
        let (kind, slot) = scores::parse_subject_code(&b, code).ok_or(AppError::NotFound)?;
        let kb = b.kind(kind);
        let org = b
            .tree
            .orgs
            .get(kb.org[slot] as usize)
            .ok_or(AppError::NotFound)?;
        (kind, slot, org.code.clone(), kb.ids[slot])
    };
    let action = match kind {
        SubjectKind::Member | SubjectKind::Cadre => Action::ReadMembers,
        SubjectKind::Organisation | SubjectKind::Team => Action::ReadOrganisation,
    };
    let own_org = crate::scope::org_for(store, Some(viewer), &org_code, action).await?;
    // The standing is among peers under the organisation above (the organisation itself
    // for a member, team or cadre), within what the viewer may see.
    let scope_org = match (kind, own_org.parent_id) {
        (SubjectKind::Organisation, Some(parent)) => match store.org_by_id(parent).await? {
            Some(p) if crate::scope::allowed(viewer, action, &p).is_ok() => p,
            _ => own_org.clone(),
        },
        _ => own_org.clone(),
    };
    let view = {
        let b = board.read().map_err(poisoned)?;
        let prev_guard = match &previous {
            Some(p) => Some(p.read().map_err(poisoned)?),
            None => None,
        };
        let kb = b.kind(kind);
        let (category, level) = kb.group_of(slot).clone();
        let set = PeerSet {
            kind: Some(kind),
            scope: Some(&scope_org.code),
            category: category.as_deref(),
            level: Some(&level),
        };
        let ranking = scores::rank(
            &b,
            prev_guard.as_deref(),
            &set,
            campaign.grade_rule().as_ref(),
        )?;
        let mine = ranking.rows.iter().find(|r| r.slot == slot);
        let e = kb.explain(slot);
        let standard = campaign.standard_of(kind);
        let criteria = e
            .criteria
            .iter()
            .enumerate()
            .map(|(k, c)| CriterionView {
                name: standard
                    .and_then(|s| s.criteria.get(k))
                    .map_or(String::new(), |x| x.name.clone()),
                weight: c.weight,
                parts: c.parts.map(|p| p.map(num)),
                score: c.score.map(num),
            })
            .collect();
        let mut raw = vec![];
        if let Some(a) = e.activity {
            raw.push((String::new(), a.value, a.min, a.max));
        }
        for (spec, v) in campaign.indicators_of(kind).iter().zip(&e.indicators) {
            if let Some(v) = v {
                let what = if spec.unit.is_empty() {
                    spec.name.clone()
                } else {
                    format!("{} ({})", spec.name, spec.unit)
                };
                raw.push((what, v.value, v.min, v.max));
            }
        }
        let c = kb.sheet.criteria;
        let self_points = kb
            .criteria
            .iter()
            .enumerate()
            .map(|(k, code)| {
                let v = kb.sheet.self_points[slot * c + k];
                let name = standard
                    .and_then(|s| s.criteria.get(k))
                    .map_or(code.clone(), |x| x.name.clone());
                (code.clone(), name, (!v.is_nan()).then_some(v as i64))
            })
            .collect();
        SubjectView {
            code: code.to_string(),
            id,
            name: String::new(),
            kind,
            category: category.as_ref().map(|code| {
                campaign
                    .file
                    .categories
                    .iter()
                    .find(|x| x.code.get_ref() == code)
                    .map_or(code.clone(), |x| x.name.clone())
            }),
            level: OrgKind::parse(&level).map_or(level.clone(), |k| k.name_zh().to_string()),
            closed: b.closed.is_some(),
            total: kb.scored.total(slot).map(num),
            standing: mine.map(|r| (r.rank, ranking.rows.len())),
            growth: mine.and_then(|r| r.growth).map(num),
            grade: mine
                .and_then(|r| campaign.grade_at(r.grade?))
                .map(|s| s.name.clone()),
            scope: (scope_org.code.clone(), scope_org.name.clone()),
            part_weights: e.part_weights,
            criteria,
            raw,
            history: vec![],
            self_points,
            period: period.clone(),
            may_self_assess: false,
        }
    };
    let mut view = view;
    let tree = board.read().map_err(poisoned)?.tree.clone();
    let at = tree.position(own_org.id).unwrap_or(0);
    view.name = scores::names_of(store, &tree, kind, &[(slot, id, at)])
        .await?
        .remove(&slot)
        .unwrap_or_default();
    // Periods that have begun only; one that cannot be read shows as a gap, not an error.
    for p in campaign.periods() {
        let total = if p.starts_on > today {
            None
        } else {
            match scores_cache.board(store, Some(&p.code), today).await {
                Ok(b) => {
                    let b = b.read().map_err(poisoned)?;
                    let kb = b.kind(kind);
                    kb.slot(id).and_then(|s| kb.scored.total(s)).map(num)
                }
                Err(e) => {
                    tracing::warn!("scores history {}: {e}", p.code);
                    None
                }
            }
        };
        view.history.push((p.name.clone(), total));
    }
    let subject = crate::commitments::subject(store, kind, id).await?;
    view.may_self_assess = !view.closed && scores::may_self_assess(viewer, &subject).allowed();
    Ok(view)
}

/// A simple sheet for the short tables of a dashboard: headers and rows of text; the
/// columns marked in `numeric` are written as numbers where they hold one (never a name or
/// code, which may look like a number).
pub fn plain_xlsx(
    title: &str,
    headers: &[String],
    numeric: &[bool],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, AppError> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::Input(e.to_string());
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(title).map_err(fail)?;
    let bold = Format::new().set_bold();
    for (c, h) in headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, h, &bold)
            .map_err(fail)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let number = v.parse::<f64>().ok().filter(|n| n.is_finite());
            match number {
                Some(n) if numeric.get(c) == Some(&true) => {
                    sheet.write_number(r as u32 + 1, c as u16, n)
                }
                _ => sheet.write_string(r as u32 + 1, c as u16, v),
            }
            .map_err(fail)?;
        }
    }
    sheet.autofit();
    book.save_to_buffer().map_err(fail)
}
