//! `xianfeng calendar`: the working-day calendar (工作日历) at the command line.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::say::say;
use anyhow::{Result, bail};
use chrono::NaiveDate;
use clap::Subcommand;
use xianfeng_domain::calendar::{CalendarDay, DaySource};
use xianfeng_domain::i18n::Lang;
use xianfeng_storage::Store;

#[derive(Subcommand, Debug)]
pub enum CalendarAction {
    /// Prints, for each date, the date, a space and `true` or `false`.
    IsWorkday {
        #[arg(required = true)]
        dates: Vec<String>,
    },
    /// Prints the date N working days after DATE (DATE itself not counted).
    AddWorkdays { date: String, n: u32 },
    /// Lists the days of a year that differ from Monday-to-Friday, and who set them.
    List { year: i32 },
    /// Sets a day as a working day or a day off (a local day off, a new year's schedule).
    Set {
        date: String,
        /// workday or holiday (上班 or 放假).
        kind: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Removes the office's entry for a day: the built-in calendar applies again.
    Unset { date: String },
    /// Imports days from .xlsx or .csv: date, kind (holiday or workday), note.
    Import { file: PathBuf },
}

pub(crate) fn date(s: &str) -> Result<NaiveDate> {
    match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        Ok(d) => Ok(d),
        Err(_) => bail!(say("cli.bad_date", &[("value", &s)])),
    }
}

pub async fn calendar(store: &Store, action: &CalendarAction, lang: Lang) -> Result<ExitCode> {
    use std::io::Write;
    let cal = xianfeng_app::calendar::load(store).await?;
    let mut out = std::io::stdout().lock();
    match action {
        CalendarAction::IsWorkday { dates } => {
            let mut failed = false;
            for s in dates {
                match date(s).and_then(|d| Ok((d, cal.is_workday(d)?))) {
                    Ok((d, w)) => {
                        if writeln!(out, "{d} {w}").is_err() {
                            return Ok(ExitCode::SUCCESS);
                        }
                    }
                    Err(e) => {
                        eprintln!("{s}: {}", crate::say::error(&e));
                        failed = true;
                    }
                }
            }
            if failed {
                return Ok(ExitCode::FAILURE);
            }
        }
        CalendarAction::AddWorkdays { date: s, n } => {
            let d = date(s)?;
            let _ = writeln!(out, "{}", cal.add_workdays(d, *n)?);
        }
        CalendarAction::List { year } => {
            if !cal.has_year(*year) {
                let no_data = xianfeng_domain::calendar::CalendarError::NoData { year: *year };
                bail!(crate::say::show(&no_data.message()));
            }
            for (day, source) in cal.exceptions(*year, lang) {
                let kind = if day.workday { "workday" } else { "holiday" };
                let source = match source {
                    DaySource::Office => "office",
                    DaySource::Builtin => "builtin",
                    DaySource::Weekday => "weekday",
                };
                if writeln!(out, "{}\t{kind}\t{source}\t{}", day.date, day.note).is_err() {
                    break;
                }
            }
        }
        CalendarAction::Set {
            date: s,
            kind,
            note,
        } => {
            let d = date(s)?;
            let Some(workday) = xianfeng_app::calendar::parse_kind(kind) else {
                bail!(say("app.bad_calendar_kind", &[("value", kind)]));
            };
            let day = CalendarDay {
                date: d,
                workday,
                note: note.clone(),
            };
            xianfeng_app::calendar::set(store, "cli", day).await?;
            let _ = writeln!(out, "{d} {workday}");
        }
        CalendarAction::Unset { date: s } => {
            let d = date(s)?;
            if !xianfeng_app::calendar::unset(store, "cli", d).await? {
                bail!(say("cli.calendar_not_set", &[("date", &d)]));
            }
            let _ = writeln!(
                out,
                "{d} {}",
                xianfeng_app::calendar::load(store).await?.is_workday(d)?
            );
        }
        CalendarAction::Import { file } => {
            let sheet = xianfeng_ingest::open(file, &xianfeng_ingest::Limits::COMMAND_LINE)?;
            let report = xianfeng_app::calendar::import(store, "cli", sheet).await?;
            if !report.problems.is_empty() {
                for p in &report.problems {
                    eprintln!("{}", crate::say::show(p));
                }
                eprintln!(
                    "{}",
                    say("cli.calendar_refused", &[("n", &report.problems.len())])
                );
                return Ok(ExitCode::FAILURE);
            }
            let _ = writeln!(
                out,
                "{}",
                say("cli.calendar_imported", &[("n", &report.imported)])
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
