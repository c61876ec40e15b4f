//! Imported performance indicators (业绩指标): `xianfeng indicators import FILE`, a sheet
//! with the columns subject code, indicator, period and value. The whole file is checked
//! first; one bad row and nothing is stored, every problem reported with its row.

use std::collections::{HashMap, HashSet};

use xianfeng_domain::i18n::Message;
use xianfeng_domain::sheet::{Cell, column_of};
use xianfeng_domain::subject::SubjectKind;
use xianfeng_ingest::{IngestError, SheetReader};
use xianfeng_storage::{IndicatorValue, Store};

use crate::AppError;

/// What an import did, or would have done.
#[derive(Debug, Default)]
pub struct IndicatorReport {
    pub rows: usize,
    pub imported: usize,
    /// `row N: column: why`, in row order; non-empty means nothing was stored.
    pub problems: Vec<Message>,
}

const COLUMNS: [(&str, &[&str]); 4] = [
    (
        "subject_code",
        &["subject_code", "对象代码", "代码", "组织编码"],
    ),
    ("indicator", &["indicator", "指标", "指标代码"]),
    ("period", &["period", "考核周期", "周期"]),
    ("value", &["value", "数值", "指标值"]),
];

fn value_of(cell: &Cell) -> Option<f64> {
    let v = match cell {
        Cell::Number(n) => *n,
        Cell::Text(s) => s.trim().trim_end_matches('%').trim().parse().ok()?,
        _ => return None,
    };
    v.is_finite().then_some(v)
}

/// Checks and stores the values of `sheet`. `Err` only for a file that cannot be used at
/// all (missing columns, unreadable); row problems come back in the report.
pub async fn import(
    store: &Store,
    actor: &str,
    sheet: SheetReader,
) -> Result<IndicatorReport, AppError> {
    let (campaign_id, campaign) = crate::scope::campaign(store).await?;
    let mut at = [0usize; 4];
    let mut missing = vec![];
    for (i, (name, aliases)) in COLUMNS.iter().enumerate() {
        match column_of(&sheet.headers, aliases) {
            Some(c) => at[i] = c,
            None => missing.push(*name),
        }
    }
    if !missing.is_empty() {
        return Err(AppError::Input(Message::of(
            "app.indicator_columns",
            &[("missing", &missing.join(", "))],
        )));
    }
    let universe = store.scores().universe().await?;
    let orgs: HashMap<&str, i64> = universe
        .orgs
        .iter()
        .map(|o| (o.code.as_str(), o.id))
        .collect();
    let exists = |kind: SubjectKind, id: i64| match kind {
        SubjectKind::Member => universe.members.binary_search_by_key(&id, |m| m.0).is_ok(),
        SubjectKind::Team => universe.teams.binary_search_by_key(&id, |t| t.0).is_ok(),
        SubjectKind::Cadre => universe.cadres.binary_search_by_key(&id, |c| c.0).is_ok(),
        SubjectKind::Organisation => universe.orgs.iter().any(|o| o.id == id),
    };
    let closed: HashSet<String> = store
        .scores()
        .closures(campaign_id)
        .await?
        .into_iter()
        .map(|c| c.period)
        .collect();
    let mut report = IndicatorReport::default();
    let mut values = vec![];
    let mut seen: HashMap<(String, String, i64, String), usize> = HashMap::new();
    for row in sheet {
        let (n, cells) = row.map_err(|e: IngestError| AppError::Input(e.message()))?;
        if cells.iter().all(Cell::is_empty) {
            continue;
        }
        report.rows += 1;
        let cell = |i: usize| cells.get(at[i]).cloned().unwrap_or(Cell::Empty);
        let mut problem = |column: &str, why: Message| {
            report.problems.push(
                Message::of("app.row_problem", &[("row", &n), ("column", &column)])
                    .arg_message("why", why),
            );
        };
        let (code, indicator, period) = (cell(0).to_text(), cell(1).to_text(), cell(2).to_text());
        // An indicator xianfeng counts itself (督查整改) takes no imported values.
        let imported = campaign
            .file
            .indicators
            .iter()
            .filter(|i| i.source.is_import());
        let Some(spec) = imported
            .clone()
            .find(|i| *i.code.get_ref() == indicator || i.name == indicator)
        else {
            let known: Vec<&str> = imported.map(|i| i.code.get_ref().as_str()).collect();
            problem(
                "indicator",
                Message::of(
                    "app.unknown_indicator",
                    &[("value", &indicator), ("known", &known.join(", "))],
                ),
            );
            continue;
        };
        let kind = spec.subject;
        let id = match kind {
            SubjectKind::Organisation => orgs.get(code.as_str()).copied(),
            SubjectKind::Member => code.strip_prefix('M').and_then(|s| s.parse().ok()),
            SubjectKind::Team => code.strip_prefix('T').and_then(|s| s.parse().ok()),
            SubjectKind::Cadre => code.strip_prefix('C').and_then(|s| s.parse().ok()),
        }
        .filter(|id| exists(kind, *id));
        let Some(id) = id else {
            problem(
                "subject_code",
                Message::of(
                    "app.unknown_subject",
                    &[("code", &code), ("kind", &kind.as_str())],
                ),
            );
            continue;
        };
        let Some(p) = campaign.period(&period) else {
            let known: Vec<String> = campaign.periods().into_iter().map(|p| p.code).collect();
            problem(
                "period",
                Message::of("app.unknown_period", &[("known", &known.join(", "))]),
            );
            continue;
        };
        if closed.contains(&p.code) {
            problem(
                "period",
                Message::of("app.period_closed", &[("period", &p.name)]),
            );
            continue;
        }
        let Some(value) = value_of(&cell(3)) else {
            problem(
                "value",
                Message::of("app.bad_indicator_value", &[("value", &cell(3).to_text())]),
            );
            continue;
        };
        let key = (
            spec.code.get_ref().clone(),
            kind.as_str().to_string(),
            id,
            p.code.clone(),
        );
        if let Some(first) = seen.insert(key, n) {
            problem(
                "subject_code",
                Message::of("app.duplicate_indicator_row", &[("row", &first)]),
            );
            continue;
        }
        values.push(IndicatorValue {
            period: p.code,
            indicator: spec.code.get_ref().clone(),
            subject_kind: kind,
            subject_id: id,
            value,
        });
    }
    if !report.problems.is_empty() {
        return Ok(report);
    }
    let mut tx = store.begin(actor).await?;
    let mut periods: Vec<&str> = values.iter().map(|v| v.period.as_str()).collect();
    periods.sort_unstable();
    periods.dedup();
    for code in periods {
        if let Some(p) = campaign.period(code) {
            crate::scores::refuse_if_closed(&mut tx, campaign_id, &p).await?;
        }
    }
    tx.import_indicator_values(campaign_id, &values).await?;
    tx.commit().await?;
    report.imported = values.len();
    Ok(report)
}
