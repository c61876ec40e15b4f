//! The working-day calendar as the office keeps it (工作日历): the built-in official
//! calendar with the office's days on top, set one by one or imported from a sheet
//! (a later year's holiday schedule, local days off).

use std::collections::HashMap;

use chrono::NaiveDate;
use xianfeng_domain::calendar::{CalendarDay, WorkCalendar};
use xianfeng_domain::i18n::Message;
use xianfeng_domain::sheet::{Cell, column_of};
use xianfeng_ingest::{IngestError, SheetReader};
use xianfeng_storage::Store;

use crate::AppError;

/// The calendar with the office's entries.
pub async fn load(store: &Store) -> Result<WorkCalendar, AppError> {
    let years = store.calendar().years().await?;
    let days = store.calendar().days().await?;
    Ok(WorkCalendar::with_office(&years, &days))
}

/// Whether `principal` (none: the operator at the command line) may enter calendar days:
/// the office's, over the whole tree.
pub async fn may_manage(
    store: &Store,
    principal: Option<&xianfeng_domain::policy::Principal>,
) -> Result<(), AppError> {
    match principal {
        Some(p) => {
            crate::scope::city_wide(store, p, xianfeng_domain::policy::Action::ManageCalendar).await
        }
        None => Ok(()),
    }
}

/// Sets one day as a working day or a day off (a local day off, a correction). Refused in
/// a year without data: its schedule is imported whole.
pub async fn set(store: &Store, actor: &str, day: CalendarDay) -> Result<(), AppError> {
    use chrono::Datelike;
    if !load(store).await?.has_year(day.date.year()) {
        return Err(AppError::Input(Message::of(
            "app.calendar_import_first",
            &[("year", &day.date.year())],
        )));
    }
    let mut tx = store.begin(actor).await?;
    tx.set_calendar_days(&[day], false).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes the office's entry for a day; `false` when it had none.
pub async fn unset(store: &Store, actor: &str, day: NaiveDate) -> Result<bool, AppError> {
    let mut tx = store.begin(actor).await?;
    let removed = tx.unset_calendar_day(day).await?;
    tx.commit().await?;
    Ok(removed)
}

/// Reads "work" or "off" in the words a holiday schedule uses.
pub fn parse_kind(text: &str) -> Option<bool> {
    let t = xianfeng_domain::text::normalise(text).to_lowercase();
    const WORK: [&str; 6] = ["workday", "work", "上班", "补班", "调休上班", "工作日"];
    const OFF: [&str; 6] = ["holiday", "off", "放假", "休息", "休假", "节假日"];
    if WORK.contains(&t.as_str()) {
        Some(true)
    } else if OFF.contains(&t.as_str()) {
        Some(false)
    } else {
        None
    }
}

fn date_of(cell: &Cell) -> Option<NaiveDate> {
    match cell {
        Cell::Date(d) => Some(*d),
        Cell::Number(n) => xianfeng_domain::dates::from_excel_serial(*n),
        Cell::Text(s) => xianfeng_domain::dates::parse_date(s.trim()),
        _ => None,
    }
}

/// What an import did, or would have done.
#[derive(Debug, Default)]
pub struct CalendarReport {
    pub rows: usize,
    pub imported: usize,
    /// `row N: column: why`; non-empty means nothing was stored.
    pub problems: Vec<Message>,
}

const COLUMNS: [(&str, &[&str]); 3] = [
    ("date", &["date", "日期"]),
    ("kind", &["kind", "类型", "安排"]),
    ("note", &["note", "说明", "备注", "节日"]),
];

/// Checks and stores the days of `sheet`: the whole file or nothing. `Err` only for a
/// file that cannot be used at all (missing columns, unreadable).
pub async fn import(
    store: &Store,
    actor: &str,
    sheet: SheetReader,
) -> Result<CalendarReport, AppError> {
    let at: Vec<Option<usize>> = COLUMNS
        .iter()
        .map(|(_, names)| column_of(&sheet.headers, names))
        .collect();
    let (Some(date_col), Some(kind_col)) = (at[0], at[1]) else {
        return Err(AppError::Input(Message::of("app.calendar_columns", &[])));
    };
    let mut report = CalendarReport::default();
    let mut days = vec![];
    let mut seen: HashMap<NaiveDate, usize> = HashMap::new();
    for row in sheet {
        let (n, cells) = row.map_err(|e: IngestError| AppError::Input(e.message()))?;
        if cells.iter().all(Cell::is_empty) {
            continue;
        }
        report.rows += 1;
        let cell = |i: usize| cells.get(i).cloned().unwrap_or(Cell::Empty);
        let mut problem = |column: &str, why: Message| {
            report.problems.push(
                Message::of("app.row_problem", &[("row", &n), ("column", &column)])
                    .arg_message("why", why),
            );
        };
        let Some(date) = date_of(&cell(date_col)) else {
            problem(
                "date",
                Message::of(
                    "app.bad_calendar_date",
                    &[("value", &cell(date_col).to_text())],
                ),
            );
            continue;
        };
        let Some(workday) = parse_kind(&cell(kind_col).to_text()) else {
            problem(
                "kind",
                Message::of(
                    "app.bad_calendar_kind",
                    &[("value", &cell(kind_col).to_text())],
                ),
            );
            continue;
        };
        if let Some(first) = seen.insert(date, n) {
            problem(
                "date",
                Message::of("app.duplicate_calendar_row", &[("row", &first)]),
            );
            continue;
        }
        let note = at[2].map(|c| cell(c).to_text()).unwrap_or_default();
        days.push(CalendarDay {
            date,
            workday,
            note: note.trim().to_string(),
        });
    }
    if report.problems.is_empty() {
        let mut tx = store.begin(actor).await?;
        tx.set_calendar_days(&days, true).await?;
        tx.commit().await?;
        report.imported = days.len();
    }
    Ok(report)
}
