//! The working-day calendar (工作日历): which days are working days under the official
//! Chinese calendar — Monday to Friday, except public holidays (法定节假日), plus the
//! weekend days worked in exchange (调休上班) — so that notice periods (公示期) can be
//! counted in working days.
//!
//! The years 2010 to 2026 are built in, from the `chinese_holiday` crate's copy of the State
//! Council's notices. The office adds later years and local days off as [`CalendarDay`]
//! entries, which take precedence. A date in a year with no data is refused, never
//! guessed: the weekday rule alone would be wrong around every holiday.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate, Weekday};

use crate::i18n::{Lang, both, t};

/// The first and last year built in.
pub const BUILTIN_YEARS: (i32, i32) = (2010, 2026);

/// The last day the built-in data knows (the crate stops on 25 December 2026; the week
/// after follows the weekday rule unless the office enters the next year's notice).
const BUILTIN_LAST_DAY: (i32, u32, u32) = (2026, 12, 25);

/// One day that differs from the weekday rule, or that the office has set.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub workday: bool,
    /// Why: the holiday's name, 调休, a local day off …
    pub note: String,
}

/// Where a day's status comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DaySource {
    /// Monday to Friday work, weekends off.
    Weekday,
    /// The built-in official calendar.
    Builtin,
    /// Set by the office.
    Office,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarError {
    /// The calendar has no data for this year.
    NoData { year: i32 },
    /// Counting ran past the last date the calendar can represent.
    OutOfRange,
}

impl std::fmt::Display for CalendarError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CalendarError::NoData { year } => {
                f.write_str(&both("calendar.no_data", &[("year", year)]))
            }
            CalendarError::OutOfRange => f.write_str(&both("calendar.out_of_range", &[])),
        }
    }
}

impl std::error::Error for CalendarError {}

/// The calendar: the years it has data for and the days that differ from the weekday rule.
#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    years: BTreeSet<i32>,
    days: BTreeMap<NaiveDate, (bool, DaySource, String)>,
}

fn weekday_rule(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The built-in exceptions to the weekday rule, computed once from the crate's table.
fn builtin_days() -> &'static Vec<CalendarDay> {
    static DAYS: OnceLock<Vec<CalendarDay>> = OnceLock::new();
    DAYS.get_or_init(|| {
        let first = NaiveDate::from_ymd_opt(BUILTIN_YEARS.0, 1, 1).expect("a date");
        let (y, m, d) = BUILTIN_LAST_DAY;
        let last = NaiveDate::from_ymd_opt(y, m, d).expect("a date");
        first
            .iter_days()
            .take_while(|d| *d <= last)
            .filter_map(|d| {
                // Within the crate's range by construction: it panics outside it.
                let ymd =
                    chinese_holiday::Ymd::new(d.year() as u16, d.month() as u8, d.day() as u8);
                let kind = chinese_holiday::chinese_holiday(ymd);
                let workday = kind.is_workday();
                (workday != weekday_rule(d)).then(|| CalendarDay {
                    date: d,
                    workday,
                    note: holiday_name(kind),
                })
            })
            .collect()
    })
}

/// The holiday a built-in day belongs to, in Chinese and English (`calendar.*` in the
/// translation files), with "make-up working day" for the weekend days worked.
fn holiday_name(kind: chinese_holiday::DayKind) -> String {
    let debug = format!("{kind:?}");
    let festival = debug
        .strip_suffix("Holiday")
        .or_else(|| debug.strip_suffix("Workday"))
        .unwrap_or(&debug);
    let key = format!("calendar.{festival}");
    let in_lang = |lang: Lang| {
        let name = t(lang, &key, &[]);
        if kind.is_workday() {
            t(lang, "calendar.make_up", &[("holiday", &name)])
        } else {
            name
        }
    };
    format!("{} / {}", in_lang(Lang::ZhCn), in_lang(Lang::En))
}

impl WorkCalendar {
    /// The built-in calendar: 2010 to 2026.
    pub fn builtin() -> WorkCalendar {
        let mut c = WorkCalendar::default();
        c.years.extend(BUILTIN_YEARS.0..=BUILTIN_YEARS.1);
        for d in builtin_days() {
            c.days
                .insert(d.date, (d.workday, DaySource::Builtin, d.note.clone()));
        }
        c
    }

    /// The built-in calendar with the office's years and days on top. A year has data when
    /// it is built in or the office imported its schedule (`years`); a single day entered
    /// does not make a year's data (its holidays would be missing). The office's days win.
    pub fn with_office(years: &[i32], days: &[CalendarDay]) -> WorkCalendar {
        let mut c = WorkCalendar::builtin();
        c.years.extend(years.iter().copied());
        for d in days {
            c.days
                .insert(d.date, (d.workday, DaySource::Office, d.note.clone()));
        }
        c
    }

    /// The years with data, in order.
    pub fn years(&self) -> Vec<i32> {
        self.years.iter().copied().collect()
    }

    pub fn has_year(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    fn check(&self, d: NaiveDate) -> Result<(), CalendarError> {
        if self.has_year(d.year()) {
            Ok(())
        } else {
            Err(CalendarError::NoData { year: d.year() })
        }
    }

    /// Whether `d` is a working day.
    pub fn is_workday(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        self.check(d)?;
        Ok(self.days.get(&d).map_or(weekday_rule(d), |(w, _, _)| *w))
    }

    /// A day's status, where it comes from and its note.
    pub fn day(&self, d: NaiveDate) -> Result<(bool, DaySource, &str), CalendarError> {
        self.check(d)?;
        Ok(match self.days.get(&d) {
            Some((w, source, note)) => (*w, *source, note.as_str()),
            None => (weekday_rule(d), DaySource::Weekday, ""),
        })
    }

    /// The days of `year` that differ from the weekday rule or were set by the office.
    pub fn exceptions(&self, year: i32) -> Vec<(CalendarDay, DaySource)> {
        let (Some(from), Some(to)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) else {
            return vec![];
        };
        self.days
            .range(from..=to)
            .map(|(date, (workday, source, note))| {
                (
                    CalendarDay {
                        date: *date,
                        workday: *workday,
                        note: note.clone(),
                    },
                    *source,
                )
            })
            .collect()
    }

    /// The date that is `n` working days after `d` (`d` itself not counted); `d` itself
    /// when `n` is 0. Every day passed must lie in a year with data.
    pub fn add_workdays(&self, d: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        self.check(d)?;
        let mut day = d;
        let mut left = n;
        while left > 0 {
            day = day.succ_opt().ok_or(CalendarError::OutOfRange)?;
            if self.is_workday(day)? {
                left -= 1;
            }
        }
        Ok(day)
    }

    /// The last day of a period of `n` working days that starts on `start`: the `n`-th
    /// working day counted from `start` itself (a notice put up on a working day counts
    /// that day). `n` must be at least 1.
    pub fn period_end(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let first = if self.is_workday(start)? {
            start
        } else {
            self.add_workdays(start, 1)?
        };
        self.add_workdays(first, n.saturating_sub(1))
    }

    /// Working days from `from` to `to`, both included (0 when `to` is before `from`).
    pub fn workdays_between(&self, from: NaiveDate, to: NaiveDate) -> Result<u32, CalendarError> {
        let mut n = 0;
        for d in from.iter_days().take_while(|d| *d <= to) {
            if self.is_workday(d)? {
                n += 1;
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn holidays_and_make_up_working_weekends_follow_the_official_calendar() {
        let c = WorkCalendar::builtin();
        // National Day 2011: 1–7 October off; Saturday 8 and Sunday 9 worked.
        assert_eq!(c.is_workday(day("2011-10-03")), Ok(false));
        assert_eq!(c.is_workday(day("2011-10-08")), Ok(true));
        assert_eq!(c.is_workday(day("2011-10-09")), Ok(true));
        assert_eq!(c.is_workday(day("2011-10-10")), Ok(true));
        // An ordinary weekend and weekday.
        assert_eq!(c.is_workday(day("2011-11-05")), Ok(false));
        assert_eq!(c.is_workday(day("2011-11-07")), Ok(true));
        // New Year's Day 2010 was a Friday, off.
        assert_eq!(c.is_workday(day("2010-01-01")), Ok(false));
        // Spring Festival 2026: 15–23 February off, Saturday 14 and 28 February worked.
        assert_eq!(c.is_workday(day("2026-02-16")), Ok(false));
        assert_eq!(c.is_workday(day("2026-02-14")), Ok(true));
    }

    #[test]
    fn a_year_without_data_is_refused_not_guessed() {
        let c = WorkCalendar::builtin();
        assert_eq!(
            c.is_workday(day("2009-12-31")),
            Err(CalendarError::NoData { year: 2009 })
        );
        assert_eq!(
            c.is_workday(day("2027-01-04")),
            Err(CalendarError::NoData { year: 2027 })
        );
        // Counting across the end of the data is refused too.
        assert_eq!(
            c.add_workdays(day("2026-12-28"), 5),
            Err(CalendarError::NoData { year: 2027 })
        );
        assert!(c.to_owned().is_workday(day("2026-12-31")).is_ok());
        let msg = CalendarError::NoData { year: 2027 }.to_string();
        assert!(msg.contains("2027"), "{msg}");
    }

    #[test]
    fn working_days_are_counted_past_holidays() {
        let c = WorkCalendar::builtin();
        // From Friday 30 September 2011, five working days: 8, 9, 10, 11, 12 October.
        assert_eq!(c.add_workdays(day("2011-09-30"), 5), Ok(day("2011-10-12")));
        assert_eq!(c.add_workdays(day("2011-09-30"), 0), Ok(day("2011-09-30")));
        // A notice put up on Monday 7 November 2011 for 5 working days ends on Friday.
        assert_eq!(c.period_end(day("2011-11-07"), 5), Ok(day("2011-11-11")));
        // Put up on a Saturday, it starts counting on Monday.
        assert_eq!(c.period_end(day("2011-11-05"), 5), Ok(day("2011-11-11")));
        assert_eq!(
            c.workdays_between(day("2011-09-30"), day("2011-10-12")),
            Ok(6)
        );
    }

    #[test]
    fn the_office_adds_years_and_local_days_off() {
        let local = CalendarDay {
            date: day("2011-11-07"),
            workday: false,
            note: "local day off".into(),
        };
        let next = CalendarDay {
            date: day("2027-01-01"),
            workday: false,
            note: "元旦".into(),
        };
        let c = WorkCalendar::with_office(&[2027], &[local, next.clone()]);
        assert_eq!(c.is_workday(day("2011-11-07")), Ok(false));
        assert_eq!(
            c.day(day("2011-11-07")).map(|(_, s, _)| s),
            Ok(DaySource::Office)
        );
        // With 2027's schedule imported, its other days follow the weekday rule.
        assert_eq!(c.is_workday(day("2027-01-01")), Ok(false));
        assert_eq!(c.is_workday(day("2027-01-04")), Ok(true));
        assert_eq!(c.add_workdays(day("2026-12-31"), 1), Ok(day("2027-01-04")));
        let with_year = WorkCalendar::with_office(&[2028], &[]);
        assert!(with_year.has_year(2028));
        // A single day entered for a year does not give the year data.
        let one_day = WorkCalendar::with_office(&[], &[next]);
        assert_eq!(
            one_day.is_workday(day("2027-01-04")),
            Err(CalendarError::NoData { year: 2027 })
        );
        assert_eq!(
            c.exceptions(2011)
                .iter()
                .filter(|(_, s)| *s == DaySource::Office)
                .count(),
            1
        );
    }

    proptest! {
        /// `n` working days after `d` is a working day (for n > 0) with exactly `n`
        /// working days in between, counting it and not `d`.
        #[test]
        fn adding_working_days_counts_exactly_n(offset in 0i64..6000, n in 0u32..40) {
            let c = WorkCalendar::builtin();
            let d = day("2010-01-01") + chrono::Duration::days(offset);
            if let Ok(end) = c.add_workdays(d, n) {
                prop_assert!(end >= d);
                if n > 0 {
                    prop_assert_eq!(c.is_workday(end), Ok(true));
                    let after = d.succ_opt().unwrap();
                    prop_assert_eq!(c.workdays_between(after, end), Ok(n));
                } else {
                    prop_assert_eq!(end, d);
                }
            }
        }
    }
}
