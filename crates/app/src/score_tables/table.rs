//! A page of a ranking: who may see which peer set, the rows, the criterion leaders.

use chrono::NaiveDate;
use serde::Serialize;
use xianfeng_domain::campaign::Period;
use xianfeng_domain::i18n::Message;
use xianfeng_domain::org::OrgKind;
use xianfeng_domain::policy::{Action, Principal};
use xianfeng_domain::ranking::Points;
use xianfeng_domain::subject::SubjectKind;
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
    /// The campaign the reader picked (`None`: the one in use).
    pub campaign: Option<i64>,
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
    /// When the score rests on one part alone (say, study hours and nothing else): that
    /// part's code, so that every table says so beside the score (and such a score has no
    /// grade).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub only_part: Option<String>,
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

pub(super) fn num(p: Points) -> f64 {
    p.0 as f64 / 100.0
}

/// A ranking made for a query, with what its rows need.
pub(super) struct Selection {
    pub(super) board: SharedBoard,
    pub(super) campaign: Arc<Campaign>,
    pub(super) period: Period,
    pub(super) closed: bool,
    pub(super) kind: SubjectKind,
    pub(super) ranking: Arc<scores::Ranking>,
    /// The boards' stamp, for results derived from this selection.
    pub(super) stamp: scores::Stamp,
    /// Tree position of the scope (`None`: the whole tree).
    pub(super) scope_at: Option<u32>,
}

/// Authorises and ranks the peer set the query names.
///
/// `viewer` is `None` for the operator at the command line. An account sees organisations
/// within its scope only, and members' and cadres' names only where it may see members;
/// without a scope the query covers the account's own top organisation (the whole tree for
/// the operator).
pub(super) async fn select(
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
    let (_, campaign) = crate::campaigns::picked(store, q.campaign).await?;
    let board = scores_cache
        .board_in(store, q.campaign, q.period, today)
        .await?;
    let period = board.read().map_err(poisoned)?.period.clone();
    let previous = scores_cache
        .previous_in(store, q.campaign, &period, today)
        .await?;
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
pub(super) async fn rows(
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
            .map(|r| scores::subject_code(&b, kind, r.slot()))
            .collect();
        let groups: Vec<_> = picks
            .iter()
            .map(|r| kb.group_of(r.slot()).clone())
            .collect();
        let crit: Vec<Vec<Option<f64>>> = picks
            .iter()
            .map(|r| {
                (0..kb.criteria.len())
                    .map(|k| kb.scored.criterion(r.slot(), k).map(num))
                    .collect()
            })
            .collect();
        let ids: Vec<(usize, i64, u32)> = picks
            .iter()
            .map(|r| (r.slot(), kb.ids[r.slot()], kb.org[r.slot()]))
            .collect();
        (codes, groups, crit, ids, b.tree.clone())
    };
    let names = scores::names_of(store, &tree, kind, &ids).await?;
    let campaign = &sel.campaign;
    let category_name = |c: &Option<String>| c.as_deref().map(|c| campaign.category_name(c));
    let grade_name = |g: Option<u8>| campaign.grade_at(g?).map(|s| s.name.clone());
    Ok(picks
        .iter()
        .zip(codes)
        .zip(groups)
        .zip(crit)
        .map(|(((r, code), (category, level)), criteria)| TableRow {
            code,
            name: names.get(&r.slot()).cloned().unwrap_or_default(),
            rank: r.rank(),
            score: num(r.score()),
            previous_score: r.previous().map(num),
            growth: r.growth().map(num),
            growth_percent: r.growth_percent().map(num),
            growth_rank: r.growth_rank(),
            grade: grade_name(r.grade()),
            category: category_name(&category),
            level: OrgKind::parse(&level).map_or(level.clone(), |k| k.name_zh().to_string()),
            criteria,
            only_part: r.only_part().map(|p| p.as_str().to_string()),
        })
        .collect())
}

/// The criteria (code, name) and their leaders (单项第一) of a selection.
pub(super) async fn leaders(
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
pub(super) fn assemble(
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
        return Err(AppError::Input(Message::of(
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

/// The highest organisation an account is attached to (the first in tree order).
pub(super) async fn top_of(store: &Store, p: &Principal) -> Result<String, AppError> {
    crate::scope::top_code(store, p).await
}

pub(super) fn poisoned<T>(_: T) -> AppError {
    AppError::Input(Message::of("app.scores_busy", &[]))
}
