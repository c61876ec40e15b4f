//! The figures and tables of a progress bulletin (活动进展通报) and a stage summary (阶段
//! 总结), taken from the services the dashboards and the API use — the ranking, the
//! figures for scoring, the plans' overview, the rectification items, the rounds' tallies —
//! so that every number the bulletin quotes is the number those show.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use xianfeng_domain::bulletin::{BulletinKind, Figure, Figures, Table};
use xianfeng_domain::bulletin_outline::{Outline, date, name_list};
use xianfeng_domain::plan::PlanStatus;
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::{OrgRecord, Store};

use super::Gathered;
use crate::AppError;
use crate::actor::{Actor, Who};
use crate::figures::Over;
use crate::score_tables::{TableQuery, TableRow};
use crate::scores::{PeerSet, Scores};

/// How many subjects a short list of names or a table of leaders names.
pub const NAMED: usize = 10;
/// How many names a sentence quotes before "等N个".
const QUOTED: usize = 5;

/// A score (a number with two decimals) as a figure.
pub(super) fn points(v: f64) -> Figure {
    Figure::Hundredths((v * 100.0).round() as i64)
}

/// A table with the outline's title and columns.
pub(super) fn table(outline: &Outline, key: &str, rows: Vec<Vec<Figure>>) -> Table {
    let heading = outline.tables.get(key);
    Table {
        key: key.to_string(),
        title: heading.map(|h| h.title.clone()).unwrap_or_default(),
        columns: heading.map(|h| h.columns.clone()).unwrap_or_default(),
        rows,
    }
}

fn text(s: impl Into<String>) -> Figure {
    Figure::Text(s.into())
}

fn ranked(rows: &[TableRow]) -> Vec<Vec<Figure>> {
    rows.iter()
        .map(|r| {
            vec![
                Figure::Count(i64::from(r.rank)),
                text(&r.code),
                text(&r.name),
                points(r.score),
            ]
        })
        .collect()
}

fn names(rows: &[TableRow]) -> Figure {
    let names: Vec<String> = rows.iter().map(|r| r.name.clone()).collect();
    text(name_list(&names, QUOTED))
}

/// The figures and tables of a progress bulletin over a period, or of a stage summary over
/// a themed stage, for the subtree of `scope`. `practices`: the good practices picked, as
/// their lines (a stage summary's).
pub async fn gather(
    store: &Store,
    scores: &Scores,
    who: Who<'_>,
    scope: &OrgRecord,
    over: Over<'_>,
    practices: &[String],
    today: NaiveDate,
) -> Result<Gathered, AppError> {
    let actor = who.principal.map(|p| Actor {
        username: who.username,
        principal: p,
    });
    let (campaign_id, campaign) = crate::scope::campaign(store).await?;
    let kind = match over {
        Over::Stage(_) => BulletinKind::StageSummary,
        Over::Period(_) => BulletinKind::Progress,
    };
    let outline = campaign.bulletin_outline(kind);
    let clock = std::time::Instant::now();
    let lap = |what: &str| tracing::debug!("bulletin {what}: {} ms", clock.elapsed().as_millis());
    let (root, span, figure_span) =
        crate::figures::span_over(store, actor.as_ref(), &scope.code, over, today).await?;
    let mut f = Figures::new();
    f.insert("scope".into(), text(&scope.name));
    f.insert("date".into(), text(date(today)));
    let mut tables = vec![];

    // The ranking of the scope's organisations (横向比位次, 纵向比增幅, 单项第一).
    let query = TableQuery {
        campaign: None,
        period: Some(&span.code),
        set: PeerSet {
            kind: Some(SubjectKind::Organisation),
            scope: Some(&scope.code),
            ..Default::default()
        },
        limit: Some(NAMED),
        offset: 0,
    };
    let mut ties = (None, None);
    // Published commitments, as the dashboard counted them (cached with its boards).
    let mut published = None;
    let (total, top, bottom) = match over {
        Over::Period(_) => {
            let o =
                crate::score_tables::overview(store, scores, who.principal, &query, today).await?;
            let risers = &o.risers;
            f.insert("risers_names".into(), names(risers));
            f.insert("period".into(), text(&span.name));
            let children = o
                .children
                .iter()
                .map(|c| {
                    vec![
                        text(&c.code),
                        text(&c.name),
                        Figure::Count(c.subjects as i64),
                        c.mean.map_or(text(""), points),
                    ]
                })
                .collect();
            tables.push(table(&outline, "children", children));
            // A tie longer than the list is told, not picked from.
            let top = if o.top_tied.is_some() {
                vec![]
            } else {
                o.top.clone()
            };
            let mut bottom = if o.bottom_tied.is_some() {
                vec![]
            } else {
                o.bottom.clone()
            };
            bottom.reverse();
            tables.push(table(&outline, "leaders", ranked(&top)));
            tables.push(table(&outline, "laggards", ranked(&bottom)));
            let riser_rows = risers
                .iter()
                .map(|r| {
                    vec![
                        text(&r.code),
                        text(&r.name),
                        points(r.score),
                        r.previous_score.map_or(text(""), points),
                        r.growth.map_or(text(""), points),
                        r.growth_rank
                            .map_or(text(""), |g| Figure::Count(i64::from(g))),
                    ]
                })
                .collect();
            tables.push(table(&outline, "risers", riser_rows));
            let criteria = o
                .table
                .leaders
                .iter()
                .map(|(code, best, who)| {
                    let name = o
                        .table
                        .criteria
                        .iter()
                        .find(|(c, _)| c == code)
                        .map_or(code.clone(), |(_, n)| n.clone());
                    let names: Vec<String> = who.iter().map(|(_, n)| n.clone()).collect();
                    vec![
                        text(name),
                        best.map_or(text(""), points),
                        text(name_list(&names, NAMED)),
                    ]
                })
                .collect();
            tables.push(table(&outline, "criteria", criteria));
            ties = (o.top_tied.clone(), o.bottom_tied.clone());
            published = Some(o.participation.commitments);
            (o.table.total, top, bottom)
        }
        Over::Stage(stage) => {
            let all = TableQuery {
                limit: Some(crate::score_tables::MAX_ROWS),
                ..query.clone()
            };
            let t =
                crate::score_tables::stage_table(store, scores, who.principal, &all, stage, today)
                    .await?;
            f.insert("stage".into(), text(&span.name));
            f.insert("starts_on".into(), text(date(span.starts_on)));
            f.insert("ends_on".into(), text(date(span.ends_on)));
            let top: Vec<TableRow> = t.rows.iter().take(NAMED).cloned().collect();
            let bottom: Vec<TableRow> = t.rows.iter().rev().take(NAMED).rev().cloned().collect();
            tables.push(table(&outline, "leaders", ranked(&top)));
            let lines: Vec<String> = practices.to_vec();
            f.insert(
                "practices".into(),
                text(if lines.is_empty() {
                    xianfeng_domain::bulletin_outline::words().none.clone()
                } else {
                    lines.join("\n")
                }),
            );
            (t.total, top, bottom)
        }
    };
    lap("ranking");
    f.insert("organisations".into(), Figure::Count(total as i64));
    let told = |rows: &[TableRow], tie: &Option<crate::score_tables::Tie>| match tie {
        Some(t) => text(xianfeng_domain::bulletin_outline::word(
            &xianfeng_domain::bulletin_outline::words().tied,
            &[
                ("count", t.subjects.to_string()),
                ("score", points(t.score).to_string()),
            ],
        )),
        None => names(rows),
    };
    f.insert("leaders_names".into(), told(&top, &ties.0));
    f.insert("laggards_names".into(), told(&bottom, &ties.1));

    // Figures for scoring (考核数据), added up over the subtree; hours are the members'. A
    // period's come from the facts its board holds (as the dashboards'), a stage's from
    // the database.
    // A closed period's board is its snapshot, which keeps scores, not the facts.
    let closed = store
        .scores()
        .closures(campaign_id)
        .await?
        .iter()
        .any(|c| c.period == span.code);
    let board_totals = match over {
        Over::Period(_) if !closed => {
            let board = scores
                .board_in(store, None, Some(&span.code), today)
                .await?;
            crate::scores::subtree_totals(&board, root.id)?
        }
        _ => None,
    };
    let totals = match board_totals {
        Some(t) => t,
        None => {
            store
                .scores()
                .figure_totals(&root.tree_path(), &figure_span)
                .await?
        }
    };
    f.insert("items_due".into(), Figure::Count(totals.items_due));
    f.insert("items_kept".into(), Figure::Count(totals.items_kept));
    f.insert("items_overdue".into(), Figure::Count(totals.items_overdue));
    // Tenths of an hour as hundredths: two decimals, the API's hours exactly.
    f.insert(
        "hours".into(),
        Figure::Hundredths((totals.study_tenths + totals.service_tenths) * 10),
    );
    f.insert("reviews".into(), Figure::Count(totals.reviews));
    lap("figures for scoring");

    // Plans (实施方案): every organisation of the subtree is to submit one.
    let plans = store
        .plans()
        .plan_overview(campaign_id, &scope.tree_path())
        .await?;
    let org_names: BTreeMap<&str, &str> = plans
        .iter()
        .map(|p| (p.code.as_str(), p.name.as_str()))
        .collect();
    let submitted = plans.iter().filter(|p| p.status.is_some()).count();
    let approved = plans
        .iter()
        .filter(|p| p.status == Some(PlanStatus::Approved))
        .count();
    let missing: Vec<&str> = plans
        .iter()
        .filter(|p| p.status.is_none())
        .map(|p| p.code.as_str())
        .collect();
    f.insert("plans_submitted".into(), Figure::Count(submitted as i64));
    f.insert("plans_approved".into(), Figure::Count(approved as i64));
    f.insert("plans_missing".into(), Figure::Count(missing.len() as i64));
    let named = |codes: &[&str]| -> Figure {
        let names: Vec<String> = codes
            .iter()
            .map(|c| org_names.get(c).copied().unwrap_or(c).to_string())
            .collect();
        text(name_list(&names, QUOTED))
    };
    f.insert("missing_plan_names".into(), named(&missing));
    let commitments = match published {
        Some(n) => n,
        None => {
            let (lo, hi) = scope.tree_path().subtree_range();
            store
                .scores()
                .plan_and_commitment_counts(campaign_id, (&lo, &hi))
                .await?
                .1
        }
    };
    f.insert("commitments".into(), Figure::Count(commitments));
    lap("plans and commitments");

    // Commitments overdue: the organisations whose commitments have items overdue.
    let overdue_items: BTreeMap<&str, i64> = totals
        .overdue_by_org
        .iter()
        .map(|(code, n)| (code.as_str(), *n))
        .collect();
    let overdue_orgs: Vec<&str> = overdue_items.keys().copied().collect();
    f.insert(
        "overdue_commitment_orgs".into(),
        Figure::Count(overdue_orgs.len() as i64),
    );
    f.insert("overdue_commitment_names".into(), named(&overdue_orgs));

    // Rectification items past their day (督查整改逾期).
    let mut overdue_rect: BTreeMap<String, i64> = BTreeMap::new();
    for r in store
        .inspections()
        .rectifications_under(&scope.tree_path())
        .await?
    {
        if crate::inspections::rectify::overdue(&r, today) {
            *overdue_rect.entry(r.org_code).or_default() += 1;
        }
    }
    f.insert(
        "rectifications_overdue".into(),
        Figure::Count(overdue_rect.values().sum()),
    );
    let rect_orgs: Vec<&str> = overdue_rect.keys().map(String::as_str).collect();
    f.insert("overdue_rectification_names".into(), named(&rect_orgs));
    if kind == BulletinKind::Progress {
        let missing_set: BTreeSet<&str> = missing.iter().copied().collect();
        let codes: BTreeSet<&str> = missing
            .iter()
            .chain(overdue_orgs.iter())
            .chain(rect_orgs.iter())
            .copied()
            .collect();
        let rows = codes
            .into_iter()
            .map(|c| {
                vec![
                    text(c),
                    text(org_names.get(c).copied().unwrap_or(c)),
                    Figure::Count(i64::from(missing_set.contains(c))),
                    Figure::Count(overdue_items.get(c).copied().unwrap_or(0)),
                    Figure::Count(overdue_rect.get(c).copied().unwrap_or(0)),
                ]
            })
            .collect();
        tables.push(table(&outline, "missing", rows));
    }

    // Mass evaluation (群众评议): the rounds ending in the span, ballots about the subtree.
    lap("rectification");
    let e = store
        .bulletins()
        .evaluation_in(
            campaign_id,
            &scope.tree_path(),
            (span.starts_on, span.ends_on),
        )
        .await?;
    let valid = e.satisfied + e.basically_satisfied + e.dissatisfied;
    let content = if campaign.file.evaluation.basic_counts_as_satisfied {
        e.satisfied + e.basically_satisfied
    } else {
        e.satisfied
    };
    f.insert("rounds".into(), Figure::Count(e.rounds));
    f.insert("ballots".into(), Figure::Count(valid));
    // 满意率 as a figure and as the text quotes it ("90.70%", or none without ballots).
    let none = || text(xianfeng_domain::bulletin_outline::words().none.clone());
    let (rate, quoted) = if valid > 0 {
        let rate = Figure::Hundredths(((content as f64 * 10_000.0) / valid as f64).round() as i64);
        let quoted = text(format!("{rate}%"));
        (rate, quoted)
    } else {
        (none(), none())
    };
    f.insert("satisfaction".into(), rate);
    f.insert("satisfaction_rate".into(), quoted);
    lap("evaluation");
    let order = xianfeng_domain::bulletin_outline::table_keys(kind);
    tables.sort_by_key(|t| order.iter().position(|k| *k == t.key));
    Ok(Gathered {
        figures: f,
        tables,
        period: Some(span.code),
        outline,
    })
}
