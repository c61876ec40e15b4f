//! Score dashboards (`/scores`): participation, the distribution of scores, top and bottom,
//! the biggest movers, criterion leaders, drill-down the tree and the ranking, for any
//! scope, kind, category and level; each table exports to .xlsx. A subject's page
//! (`/scores/s/{code}`) shows how its score was made and its history, and takes its
//! self-assessment. Charts are SVG drawn here (`charts`).

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xianfeng_app::score_tables::{
    self, ChildRow, Overview, SubjectView, TableQuery, TableRow, Tie, plain_xlsx, xlsx_bytes,
};
use xianfeng_app::scores::PeerSet;
use xianfeng_domain::org::OrgKind;
use xianfeng_domain::policy::{Action, anywhere};
use xianfeng_domain::scoring::Part;
use xianfeng_domain::subject::SubjectKind;

use crate::AppState;
use crate::kernel::campaign_picker::CampaignPicker;
use crate::kernel::charts;
use crate::kernel::chrome::{Chrome, encode_query_value};
use crate::kernel::clock::today;
use crate::kernel::forms::Fields;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::session::{Posted, SignedIn};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/scores", get(dashboard))
        .route("/scores/export", get(export))
        .route("/scores/method", get(method))
        .route("/scores/close", post(close))
        .route("/scores/s/{code}", get(subject))
        .route("/scores/s/{code}/self", post(self_assess))
}

/// Rows of the ranking per page.
const PAGE: usize = 50;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DashQuery {
    /// The campaign the reader picked (by default the one in use).
    campaign: Option<String>,
    /// For the export: a themed stage's ranking instead of a period's.
    stage: Option<String>,
    period: Option<String>,
    scope: Option<String>,
    kind: Option<String>,
    category: Option<String>,
    level: Option<String>,
    page: Option<usize>,
    table: Option<String>,
}

fn some(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|v| !v.is_empty())
}

/// The query as the page's links repeat it, with one thing changed.
pub struct Links {
    /// The campaign picked, when it is not the one in use.
    pub campaign: String,
    pub period: String,
    pub scope: String,
    pub kind: String,
    pub category: String,
    pub level: String,
}

impl Links {
    fn build(&self, changes: &[(&str, &str)]) -> String {
        let mut parts = vec![];
        for (key, value) in [
            ("campaign", &self.campaign),
            ("period", &self.period),
            ("scope", &self.scope),
            ("kind", &self.kind),
            ("category", &self.category),
            ("level", &self.level),
        ] {
            let v = changes
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(value.as_str(), |(_, v)| *v);
            if !v.is_empty() {
                parts.push(format!("{key}={}", encode_query_value(v)));
            }
        }
        for (k, v) in changes {
            if matches!(*k, "page" | "table") {
                parts.push(format!("{k}={}", encode_query_value(v)));
            }
        }
        parts.join("&")
    }

    pub fn with_scope(&self, code: &str) -> String {
        self.build(&[("scope", code)])
    }

    pub fn with_period(&self, code: &str) -> String {
        self.build(&[("period", code)])
    }

    /// Another kind: its categories and levels may differ, so the filters go.
    pub fn with_kind(&self, kind: &str) -> String {
        self.build(&[("kind", kind), ("category", ""), ("level", "")])
    }

    pub fn with_table(&self, table: &str) -> String {
        self.build(&[("table", table)])
    }

    /// The ranking over themed stage `code`, as a spreadsheet (the period left out).
    pub fn stage_export(&self, code: &str) -> String {
        format!(
            "{}&stage={}",
            self.build(&[("period", ""), ("table", "ranking")]),
            encode_query_value(code)
        )
    }

    fn with_page(&self, page: usize) -> String {
        self.build(&[("page", &page.to_string())])
    }
}

type ShownLeader = (String, String, Vec<(String, String)>);

#[derive(Template)]
#[template(path = "scores.html")]
struct DashboardPage {
    chrome: Chrome,
    picker: CampaignPicker,
    /// The campaign's themed stages, for their rankings: (code, name).
    stages: Vec<(String, String)>,
    q: Links,
    period_name: String,
    closed: bool,
    periods: Vec<(String, String, bool)>,
    kinds: Vec<(String, String, bool)>,
    categories: Vec<(String, String, bool)>,
    levels: Vec<(String, String, bool)>,
    crumbs: Vec<(String, String)>,
    p: xianfeng_app::scores::Participation,
    total: usize,
    distribution: String,
    top: Vec<TableRow>,
    bottom: Vec<TableRow>,
    has_previous: bool,
    movers: String,
    risers: Vec<TableRow>,
    fallers: Vec<TableRow>,
    /// (criterion name, best score shown, [(subject code, name)]).
    leaders: Vec<ShownLeader>,
    children: Vec<ChildRow>,
    children_chart: String,
    criteria: Vec<(String, String)>,
    ranking: Vec<TableRow>,
    prev_page: Option<String>,
    next_page: Option<String>,
    page_label: String,
    may_close: bool,
    /// When the short lists would pick ten of a larger tie: the tie, said.
    top_tie: Option<String>,
    bottom_tie: Option<String>,
    /// Nothing has been scored in the period: said, not shown as a table of zeros.
    nothing_scored: bool,
}

/// "834 tied at 0.00", in the page's language.
fn tie_sentence(tx: &crate::kernel::text::Text, key: &str, tie: &Option<Tie>) -> Option<String> {
    tie.as_ref().map(|t| {
        xianfeng_domain::i18n::t(
            tx.lang,
            &format!("web.{key}"),
            &[("n", &t.subjects), ("score", &format!("{:.2}", t.score))],
        )
    })
}

fn kind_of(q: &DashQuery) -> Result<SubjectKind, xianfeng_app::AppError> {
    match some(&q.kind) {
        None => Ok(SubjectKind::Organisation),
        Some(k) => SubjectKind::parse(k).ok_or_else(|| {
            xianfeng_app::AppError::Input(xianfeng_domain::i18n::Message::of(
                "cli.bad_kind",
                &[("value", &k)],
            ))
        }),
    }
}

/// The ranking query a dashboard's address names.
fn table_query(q: &DashQuery, kind: SubjectKind, limit: usize, offset: usize) -> TableQuery<'_> {
    TableQuery {
        campaign: some(&q.campaign).and_then(|c| c.parse().ok()),
        period: some(&q.period),
        set: PeerSet {
            kind: Some(kind),
            scope: some(&q.scope),
            category: some(&q.category),
            level: some(&q.level),
        },
        limit: Some(limit),
        offset,
    }
}

async fn load(
    s: &AppState,
    viewer: &crate::kernel::viewer::Viewer,
    q: &DashQuery,
) -> Result<(Overview, SubjectKind), xianfeng_app::AppError> {
    let kind = kind_of(q)?;
    let offset = q.page.unwrap_or(0).saturating_mul(PAGE);
    let query = table_query(q, kind, PAGE, offset);
    let o = score_tables::overview(
        &s.store,
        &s.scores,
        Some(&viewer.principal),
        &query,
        today(),
    )
    .await?;
    Ok((o, kind))
}

fn opt2(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), |v| format!("{v:.2}"))
}

pub async fn dashboard(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(q): Query<DashQuery>,
) -> Result<Response, PageError> {
    let back = "/scores".to_string();
    let attempt = Attempt::new(&viewer, &back, "scores_unavailable");
    let (o, kind) = load(&s, &viewer, &q).await.or_refuse(&attempt)?;
    let picked_id = some(&q.campaign).and_then(|c| c.parse().ok());
    let (picked, campaign) = xianfeng_app::campaigns::picked(&s.store, picked_id)
        .await
        .or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, back);
    let tx = &chrome.tx;
    let picker = CampaignPicker::new(&s.store, tx, &picked)
        .await
        .or_refuse(&attempt)?;
    let scope = o.crumbs.last().map(|c| c.0.clone()).unwrap_or_default();
    let links = Links {
        campaign: picked_id.map(|c: i64| c.to_string()).unwrap_or_default(),
        period: o.table.period.code.clone(),
        scope,
        kind: kind.as_str().to_string(),
        category: some(&q.category).unwrap_or("").to_string(),
        level: some(&q.level).unwrap_or("").to_string(),
    };
    let periods = campaign
        .periods()
        .into_iter()
        .map(|p| {
            let on = p.code == o.table.period.code;
            (p.code, p.name, on)
        })
        .collect();
    let kinds = SubjectKind::ALL
        .iter()
        .map(|k| {
            let name = tx.get(&format!("scores_kind_{}", k.as_str()));
            (k.as_str().to_string(), name, *k == kind)
        })
        .collect();
    let categories = campaign
        .file
        .categories
        .iter()
        .map(|c| {
            let code = c.code.get_ref().clone();
            let on = links.category == code;
            (code, c.name.clone(), on)
        })
        .collect();
    let levels = OrgKind::ALL
        .iter()
        .map(|k| {
            let code = k.as_str().to_string();
            let on = links.level == code;
            (code, tx.term(k.name_zh()), on)
        })
        .collect();
    let pages_total = o.table.total.div_ceil(PAGE).max(1);
    let page = q.page.unwrap_or(0).min(pages_total - 1);
    let movers_items: Vec<(String, f64)> = o
        .risers
        .iter()
        .chain(o.fallers.iter().rev())
        .map(|r| (r.name.clone(), r.growth.unwrap_or(0.0)))
        .collect();
    let children_chart = charts::bars(
        &tx.get("scores_below"),
        &o.children
            .iter()
            .filter_map(|c| c.mean.map(|m| (c.name.clone(), m)))
            .collect::<Vec<_>>(),
    );
    let page_view = DashboardPage {
        stages: campaign
            .file
            .stages
            .iter()
            .map(|st| (st.code.get_ref().clone(), tx.term(&st.name)))
            .collect(),
        picker,
        top_tie: tie_sentence(tx, "scores_tied_top", &o.top_tied),
        bottom_tie: tie_sentence(tx, "scores_tied_bottom", &o.bottom_tied),
        nothing_scored: o.scored == 0,
        q: links,
        period_name: o.table.period.name.clone(),
        closed: o.table.closed,
        periods,
        kinds,
        categories,
        levels,
        crumbs: o.crumbs.clone(),
        p: o.participation.clone(),
        total: o.table.total,
        distribution: charts::columns(&tx.get("scores_distribution"), &o.bins),
        has_previous: o.table.previous_period.is_some(),
        movers: charts::bars(&tx.get("scores_movers"), &movers_items),
        top: o.top,
        bottom: o.bottom,
        risers: o.risers,
        fallers: o.fallers,
        leaders: o
            .table
            .criteria
            .iter()
            .zip(&o.table.leaders)
            .map(|((_, name), (_, best, who))| (name.clone(), opt2(*best), who.clone()))
            .collect(),
        children: o.children,
        children_chart,
        criteria: o.table.criteria.clone(),
        ranking: o.table.rows,
        prev_page: None,
        next_page: None,
        page_label: format!("{} / {}", page + 1, pages_total),
        may_close: !o.table.closed
            && o.table.period.ends_on < today()
            && anywhere(&viewer.principal, Action::ClosePeriods),
        chrome,
    };
    let page_view = DashboardPage {
        prev_page: (page > 0).then(|| page_view.q.with_page(page - 1)),
        next_page: (page + 1 < pages_total).then(|| page_view.q.with_page(page + 1)),
        ..page_view
    };
    pages::html(StatusCode::OK, &page_view, page_view.chrome.tx.lang)
}

fn short_rows(
    tx: &crate::kernel::text::Text,
    rows: &[TableRow],
) -> (Vec<String>, Vec<Vec<String>>) {
    let headers = [
        "rank", "code", "name", "score", "previous", "growth", "grade",
    ]
    .iter()
    .map(|h| tx.get(&format!("scores_col_{h}")))
    .collect();
    let body = rows
        .iter()
        .map(|r| {
            vec![
                r.rank.to_string(),
                r.code.clone(),
                r.name.clone(),
                format!("{:.2}", r.score),
                r.previous_score
                    .map(|v| format!("{v:.2}"))
                    .unwrap_or_default(),
                r.growth.map(|v| format!("{v:.2}")).unwrap_or_default(),
                r.grade.clone().unwrap_or_default(),
            ]
        })
        .collect();
    (headers, body)
}

/// A dashboard table as .xlsx: `table` = ranking (every row), top, bottom, movers,
/// leaders or children.
pub async fn export(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(mut q): Query<DashQuery>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/scores", "export_unavailable");
    // The tables a dashboard has; anything else is refused (the name goes into the file's).
    const TABLES: [&str; 6] = ["ranking", "top", "bottom", "movers", "leaders", "children"];
    let which = q.table.clone().unwrap_or_else(|| "ranking".into());
    if !TABLES.contains(&which.as_str()) {
        return Err(attempt.refused(xianfeng_app::AppError::NotFound));
    }
    let tx = crate::kernel::text::Text {
        lang: viewer.lang(),
    };
    let bytes = if which == "ranking" {
        let kind = kind_of(&q).or_refuse(&attempt)?;
        let query = table_query(&q, kind, score_tables::MAX_ROWS, 0);
        let viewer_p = Some(&viewer.principal);
        let table = match some(&q.stage) {
            Some(stage) => {
                score_tables::stage_table(&s.store, &s.scores, viewer_p, &query, stage, today())
                    .await
            }
            None => score_tables::table(&s.store, &s.scores, viewer_p, &query, today()).await,
        }
        .or_refuse(&attempt)?;
        xlsx_bytes(&[table], viewer.lang())
    } else {
        q.page = None;
        let (o, _) = load(&s, &viewer, &q).await.or_refuse(&attempt)?;
        let (headers, rows) = match which.as_str() {
            "top" => short_rows(&tx, &o.top),
            "bottom" => short_rows(&tx, &o.bottom),
            "movers" => {
                let both: Vec<TableRow> = o.risers.iter().chain(&o.fallers).cloned().collect();
                short_rows(&tx, &both)
            }
            "leaders" => (
                vec![
                    tx.get("scores_criterion"),
                    tx.get("scores_best"),
                    tx.get("scores_who"),
                ],
                o.table
                    .criteria
                    .iter()
                    .zip(&o.table.leaders)
                    .map(|((_, name), (_, best, who))| {
                        let names: Vec<String> =
                            who.iter().map(|(c, n)| format!("{n} ({c})")).collect();
                        vec![name.clone(), opt2(*best), names.join("、")]
                    })
                    .collect(),
            ),
            _ => (
                vec![
                    tx.get("organisations"),
                    tx.get("scores_col_code"),
                    tx.get("scores_subjects"),
                    tx.get("scores_mean"),
                ],
                o.children
                    .iter()
                    .map(|c| {
                        vec![
                            c.name.clone(),
                            c.code.clone(),
                            c.subjects.to_string(),
                            c.mean.map(|m| format!("{m:.2}")).unwrap_or_default(),
                        ]
                    })
                    .collect(),
            ),
        };
        let numeric: &[bool] = match which.as_str() {
            "leaders" => &[false, true, false],
            "children" => &[false, false, true, true],
            _ => &[true, false, false, true, true, true, false],
        };
        plain_xlsx(&tx.get("scores_title"), &headers, numeric, &rows)
    };
    let bytes = bytes.or_refuse(&attempt)?;
    Ok(pages::download(
        &format!("scores-{which}.xlsx"),
        pages::XLSX,
        bytes,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct PeriodQuery {
    /// The campaign the reader picked (by default the one in use).
    campaign: Option<String>,
    period: Option<String>,
}

/// One explained row: the criterion, its weight, each part's value, its score.
struct ExplainRow {
    name: String,
    weight: u32,
    parts: Vec<String>,
    score: String,
}

#[derive(Template)]
#[template(path = "score_subject.html")]
struct SubjectPage {
    chrome: Chrome,
    /// The campaign picked, when not the one in use (carried by the period tabs).
    campaign: String,
    /// Said when the score rests on one part alone.
    only_part_note: Option<String>,
    code: String,
    name: String,
    kind: String,
    kind_name: String,
    category: Option<String>,
    level: String,
    period: String,
    period_name: String,
    closed: bool,
    periods: Vec<(String, String, bool)>,
    total: Option<f64>,
    standing: Option<(u32, usize)>,
    growth: Option<f64>,
    grade: Option<String>,
    scope_code: String,
    scope_name: String,
    parts: Vec<(String, u32)>,
    explain: Vec<ExplainRow>,
    raw: Vec<(String, String, String, String)>,
    history_chart: String,
    history: Vec<(String, String)>,
    may_self_assess: bool,
    self_points: Vec<(String, String, String)>,
}

pub async fn subject(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let back = format!("/scores/s/{code}");
    let attempt = Attempt::new(&viewer, &back, "scores_unavailable");
    let picked = some(&q.campaign).and_then(|c| c.parse().ok());
    let v: SubjectView = score_tables::subject_view(
        &s.store,
        &s.scores,
        &viewer.principal,
        &code,
        (picked, some(&q.period)),
        today(),
    )
    .await
    .or_refuse(&attempt)?;
    let (_, campaign) = xianfeng_app::campaigns::picked(&s.store, picked)
        .await
        .or_refuse(&attempt)?;
    let periods = campaign
        .periods()
        .into_iter()
        .map(|p| {
            let on = p.code == v.period.code;
            (p.code, p.name, on)
        })
        .collect();
    let chrome = Chrome::signed_in(&viewer, back);
    let tx = &chrome.tx;
    let parts = Part::ALL
        .iter()
        .zip(v.part_weights)
        .map(|(p, w)| (score_tables::part_name(tx.lang, p.as_str()), w))
        .collect();
    let explain = v
        .criteria
        .iter()
        .map(|c| ExplainRow {
            name: c.name.clone(),
            weight: c.weight,
            parts: c.parts.iter().map(|p| opt2(*p)).collect(),
            score: opt2(c.score),
        })
        .collect();
    let fmt = |x: f64| format!("{x:.2}");
    let page = SubjectPage {
        campaign: picked.map(|c: i64| c.to_string()).unwrap_or_default(),
        only_part_note: v
            .only_part
            .as_deref()
            .map(|p| score_tables::only_part_note(tx.lang, p)),
        kind_name: tx.get(&format!("scores_kind_{}", v.kind.as_str())),
        kind: v.kind.as_str().to_string(),
        code: v.code.clone(),
        name: v.name.clone(),
        category: v.category.clone(),
        level: v.level.clone(),
        period: v.period.code.clone(),
        period_name: v.period.name.clone(),
        closed: v.closed,
        periods,
        total: v.total,
        standing: v.standing,
        growth: v.growth,
        grade: v.grade.clone(),
        scope_code: v.scope.0.clone(),
        scope_name: v.scope.1.clone(),
        parts,
        explain,
        raw: v
            .raw
            .iter()
            .map(|(w, unit, x, lo, hi)| {
                // A unit the campaign file writes in Chinese (件) has no English name: an
                // English reader gets the indicator's name alone; % and the like stay.
                let chinese = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
                let english = tx.lang == xianfeng_domain::i18n::Lang::En;
                let shown = !(unit.is_empty() || english && chinese(unit));
                let what = match (w.is_empty(), shown) {
                    (true, _) => tx.get("scores_raw_hours"),
                    (false, false) => tx.term(w),
                    (false, true) => format!("{} ({unit})", tx.term(w)),
                };
                (what, fmt(*x), fmt(*lo), fmt(*hi))
            })
            .collect(),
        history_chart: charts::line(
            &tx.get("scores_history"),
            &v.history
                .iter()
                .map(|(p, score)| (tx.term(p), *score))
                .collect::<Vec<_>>(),
        ),
        history: v
            .history
            .iter()
            .map(|(p, t)| (p.clone(), opt2(*t)))
            .collect(),
        may_self_assess: v.may_self_assess,
        self_points: v
            .self_points
            .iter()
            .map(|(c, n, p)| {
                (
                    c.clone(),
                    n.clone(),
                    p.map(|p| p.to_string()).unwrap_or_default(),
                )
            })
            .collect(),
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

/// Saves a self-assessment from the subject's page: one `c_{criterion}` field each.
pub async fn self_assess(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/scores/s/{code}");
    let attempt = Attempt::new(&viewer, &back, "self_assessment_not_saved");
    let period = f.value("period").to_string();
    let view = score_tables::subject_view(
        &s.store,
        &s.scores,
        &viewer.principal,
        &code,
        (
            None,
            Some(&period).filter(|p| !p.is_empty()).map(String::as_str),
        ),
        today(),
    )
    .await
    .or_refuse(&attempt)?;
    let mut points = vec![];
    for (c, _, _) in &view.self_points {
        match f.value(&format!("c_{c}")).parse::<i64>() {
            Ok(p) => points.push((c.clone(), p)),
            Err(_) => points.push((c.clone(), -1)),
        }
    }
    xianfeng_app::scores::write_self_assessment(
        &s.store,
        &viewer.actor(),
        view.kind,
        view.id,
        &view.period.code,
        &points,
    )
    .await
    .or_refuse(&attempt)?;
    // Show the new numbers at once rather than within the refresh's two seconds.
    let _ = s.scores.refresh(&s.store, today()).await;
    Ok(Redirect::to(&format!("{back}?period={}", view.period.code)).into_response())
}

/// Closes a period from the dashboard (the office), once asked: closing freezes the
/// period's scores for good.
pub async fn close(
    State(s): State<AppState>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/scores", "period_not_closed");
    let period = f.value("period").to_string();
    if !f.confirmed() {
        // Asked only of whom may close it, and only for a period that can be closed.
        let name = xianfeng_app::scores::may_close(&s.store, &viewer.actor(), &period, today())
            .await
            .or_refuse(&attempt)?;
        let back = format!("/scores?period={}", encode_query_value(&period));
        let chrome = Chrome::signed_in(&viewer, back.clone());
        let page = pages::Confirm {
            title: format!("{} · {name}", chrome.tx.get("scores_close")),
            what: chrome.tx.get("scores_close_what"),
            yes: chrome.tx.get("scores_close_yes"),
            action: "/scores/close",
            fields: vec![("period", period.clone())],
            back,
            chrome: &chrome,
        };
        return pages::html(StatusCode::OK, &page, chrome.tx.lang);
    }
    xianfeng_app::scores::close(&s.store, Some(&viewer.actor()), &period, today())
        .await
        .or_refuse(&attempt)?;
    s.scores.forget();
    let to = format!("/scores?period={}", encode_query_value(&period));
    Ok(Redirect::to(&to).into_response())
}

/// How scores are made, for everyone who reads them.
pub async fn method(SignedIn(viewer): SignedIn) -> Response {
    let chrome = Chrome::signed_in(&viewer, "/scores/method".into());
    let body: Vec<String> = (1..=4)
        .map(|i| xianfeng_domain::i18n::t(viewer.lang(), &format!("scores.method_{i}"), &[]))
        .collect();
    pages::message(
        &chrome,
        axum::http::StatusCode::OK,
        "scores_method_link",
        &body.join("\n\n"),
    )
}
