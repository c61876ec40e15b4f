//! The working-day calendar (工作日历): which days are working days under the official
//! Chinese calendar — Monday to Friday, except public holidays (法定节假日), plus the
//! weekend days worked in exchange (调休上班) — so that notice periods (公示期) can be
//! counted in working days.
//!
//! The years 2010 to 2026 are built in, from our own table of the State Council's notices
//! (`data/official_calendar.toml`, checked day by day against a second transcription of
//! the notices in `notices.rs`). The office adds later years and local days off as
//! [`CalendarDay`] entries, which take precedence. A date in a year with no data is
//! refused, never guessed: the weekday rule alone would be wrong around every holiday.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate, Weekday};

use crate::i18n::{Lang, Message, t};

#[cfg(test)]
mod notices;

/// The first and last year built in.
pub const BUILTIN_YEARS: (i32, i32) = (2010, 2026);

/// The official calendar, as the State Council's notices set it.
const OFFICIAL: &str = include_str!("../../data/official_calendar.toml");

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

/// The holiday (节日) an official day off or make-up working day belongs to, as the
/// notices name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Festival {
    NewYearsDay,
    SpringFestival,
    ChingMingFestival,
    InternationalWorkersDay,
    DragonBoatFestival,
    MidAutumnFestival,
    NationalDay,
    /// 中秋节、国庆节: one block for both (2012, 2017, 2023).
    MidAutumnAndNationalDay,
    /// 国庆节、中秋节: the same, worded the other way round (2020, 2025).
    NationalDayAndMidAutumn,
    /// The 70th anniversary of the victory of 1945 (2015-09-03, 国发明电〔2015〕1号).
    VictoryAnniversary,
}

impl Festival {
    /// As the notices write it (and our table stores it).
    fn from_notice(name: &str) -> Option<Festival> {
        Some(match name {
            "元旦" => Festival::NewYearsDay,
            "春节" => Festival::SpringFestival,
            "清明节" => Festival::ChingMingFestival,
            "劳动节" => Festival::InternationalWorkersDay,
            "端午节" => Festival::DragonBoatFestival,
            "中秋节" => Festival::MidAutumnFestival,
            "国庆节" => Festival::NationalDay,
            "中秋节、国庆节" => Festival::MidAutumnAndNationalDay,
            "国庆节、中秋节" => Festival::NationalDayAndMidAutumn,
            "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日" => {
                Festival::VictoryAnniversary
            }
            _ => return None,
        })
    }

    /// Its key in the translation files (`calendar.*`).
    fn key(self) -> &'static str {
        match self {
            Festival::NewYearsDay => "calendar.NewYearsDay",
            Festival::SpringFestival => "calendar.SpringFestival",
            Festival::ChingMingFestival => "calendar.ChingMingFestival",
            Festival::InternationalWorkersDay => "calendar.InternationalWorkersDay",
            Festival::DragonBoatFestival => "calendar.DragonBoatFestival",
            Festival::MidAutumnFestival => "calendar.MidAutumnFestival",
            Festival::NationalDay => "calendar.NationalDay",
            Festival::MidAutumnAndNationalDay => "calendar.MidAutumnAndNationalDay",
            Festival::NationalDayAndMidAutumn => "calendar.NationalDayAndMidAutumn",
            Festival::VictoryAnniversary => "calendar.VictoryAnniversary",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarError {
    /// The calendar has no data for this year.
    NoData { year: i32 },
    /// Counting ran past the last date the calendar can represent.
    OutOfRange,
}

impl CalendarError {
    /// What to tell the reader.
    pub fn message(&self) -> Message {
        match self {
            CalendarError::NoData { year } => Message::new("calendar.no_data").arg("year", year),
            CalendarError::OutOfRange => Message::new("calendar.out_of_range"),
        }
    }
}

impl std::fmt::Display for CalendarError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message().for_log())
    }
}

impl std::error::Error for CalendarError {}

/// Why a day differs from the weekday rule.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Note {
    /// An official holiday, or a weekend worked for it.
    Official(Festival),
    /// What the office wrote.
    Office(String),
}

/// The calendar: the years it has data for and the days that differ from the weekday rule.
#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    years: BTreeSet<i32>,
    days: BTreeMap<NaiveDate, (bool, Note)>,
}

fn weekday_rule(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// One official day: its date, whether it is worked, its festival.
type OfficialDay = (NaiveDate, bool, Festival);

/// The built-in exceptions to the weekday rule, read once from our table. The table is
/// compiled in and checked by the tests below, so a fault in it is a build defect.
fn builtin_days() -> &'static Vec<OfficialDay> {
    static DAYS: OnceLock<Vec<OfficialDay>> = OnceLock::new();
    DAYS.get_or_init(|| {
        parse_official(OFFICIAL).expect("the built-in calendar is checked by tests")
    })
}

/// Reads the table of official days: `[[year]]` entries with `off` (weekdays off) and
/// `work` (weekends worked), each day a `{ date, festival }`.
fn parse_official(text: &str) -> Result<Vec<OfficialDay>, String> {
    let table: toml::Table = text.parse().map_err(|e| format!("{e}"))?;
    let years = table
        .get("year")
        .and_then(toml::Value::as_array)
        .ok_or("no [[year]] entries")?;
    let mut out = Vec::new();
    for year in years {
        for (list, workday) in [("off", false), ("work", true)] {
            let days = year.get(list).and_then(toml::Value::as_array);
            for day in days.into_iter().flatten() {
                let date = day
                    .get("date")
                    .and_then(toml::Value::as_datetime)
                    .and_then(|d| d.date)
                    .and_then(|d| {
                        NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into())
                    })
                    .ok_or_else(|| format!("a day without a date in {list}: {day}"))?;
                let name = day
                    .get("festival")
                    .and_then(toml::Value::as_str)
                    .unwrap_or("");
                let festival = Festival::from_notice(name)
                    .ok_or_else(|| format!("{date}: unknown festival {name:?}"))?;
                if workday == weekday_rule(date) {
                    return Err(format!(
                        "{date} follows the weekday rule: it needs no entry"
                    ));
                }
                out.push((date, workday, festival));
            }
        }
    }
    out.sort_by_key(|d| d.0);
    if out.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err("a date is listed twice".into());
    }
    Ok(out)
}

fn source_of(note: &Note) -> DaySource {
    match note {
        Note::Official(_) => DaySource::Builtin,
        Note::Office(_) => DaySource::Office,
    }
}

/// A day's note in `lang`: the holiday's name, or "… make-up working day" for a weekend
/// worked; the office's own words as written.
fn note_text(note: &Note, workday: bool, lang: Lang) -> String {
    match note {
        Note::Official(festival) => {
            let name = t(lang, festival.key(), &[]);
            if workday {
                t(lang, "calendar.make_up", &[("holiday", &name)])
            } else {
                name
            }
        }
        Note::Office(text) => text.clone(),
    }
}

impl WorkCalendar {
    /// The built-in calendar: 2010 to 2026.
    pub fn builtin() -> WorkCalendar {
        let mut c = WorkCalendar::default();
        c.years.extend(BUILTIN_YEARS.0..=BUILTIN_YEARS.1);
        for (date, workday, festival) in builtin_days() {
            c.days.insert(*date, (*workday, Note::Official(*festival)));
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
                .insert(d.date, (d.workday, Note::Office(d.note.clone())));
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
        Ok(self.days.get(&d).map_or(weekday_rule(d), |(w, _)| *w))
    }

    /// A day's status, where it comes from and its note in `lang`.
    pub fn day(
        &self,
        d: NaiveDate,
        lang: Lang,
    ) -> Result<(bool, DaySource, String), CalendarError> {
        self.check(d)?;
        Ok(match self.days.get(&d) {
            Some((w, note)) => (*w, source_of(note), note_text(note, *w, lang)),
            None => (weekday_rule(d), DaySource::Weekday, String::new()),
        })
    }

    /// The days of `year` that differ from the weekday rule or were set by the office,
    /// with their notes in `lang`.
    pub fn exceptions(&self, year: i32, lang: Lang) -> Vec<(CalendarDay, DaySource)> {
        let (Some(from), Some(to)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) else {
            return vec![];
        };
        self.days
            .range(from..=to)
            .map(|(date, (workday, note))| {
                (
                    CalendarDay {
                        date: *date,
                        workday: *workday,
                        note: note_text(note, *workday, lang),
                    },
                    source_of(note),
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

    /// Every adjusted day of every year, 2010–2026: our table says what the notices say,
    /// transcribed a second time as they are written (holiday blocks and weekends worked).
    #[test]
    fn the_table_agrees_with_every_notice_day_by_day() {
        fn date(year: i32, s: &str) -> NaiveDate {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .or_else(|_| NaiveDate::parse_from_str(&format!("{year}-{s}"), "%Y-%m-%d"))
                .unwrap_or_else(|_| panic!("{year}: bad date {s}"))
        }
        let mut from_notices: Vec<OfficialDay> = Vec::new();
        for (year, notice, blocks) in notices::NOTICES {
            assert!(notice.contains('号'), "{year}: {notice}");
            for block in blocks.split("; ") {
                let mut words = block.split(' ');
                let name = words.next().unwrap();
                let festival = Festival::from_notice(name)
                    .unwrap_or_else(|| panic!("{year}: unknown festival {name}"));
                let (first, last) = words.next().unwrap().split_once("..").unwrap();
                let (first, last) = (date(*year, first), date(*year, last));
                assert!(first <= last, "{year} {name}");
                for d in first.iter_days().take_while(|d| *d <= last) {
                    if weekday_rule(d) {
                        from_notices.push((d, false, festival));
                    }
                }
                match words.next() {
                    Some("work") => {}
                    Some(other) => panic!("{year} {name}: unexpected {other}"),
                    None => continue,
                }
                for w in words {
                    let d = date(*year, w);
                    assert!(!weekday_rule(d), "{year} {name}: {d} is a weekday already");
                    from_notices.push((d, true, festival));
                }
            }
        }
        from_notices.sort_by_key(|d| d.0);
        let table = builtin_days();
        for (ours, theirs) in table.iter().zip(&from_notices) {
            assert_eq!(ours, theirs);
        }
        assert_eq!(table.len(), from_notices.len());
        // The two days the chinese_holiday crate had wrong (国办发明电〔2015〕18号).
        let c = WorkCalendar::builtin();
        assert_eq!(c.is_workday(day("2016-10-09")), Ok(true));
        assert_eq!(c.is_workday(day("2016-12-30")), Ok(true));
        assert_eq!(c.is_workday(day("2016-09-18")), Ok(true));
    }

    #[test]
    fn a_broken_table_is_caught() {
        let ok = "[[year]]\nyear = 2016\noff = [{ date = 2016-10-03, festival = \"国庆节\" }]\n";
        assert_eq!(parse_official(ok).map(|d| d.len()), Ok(1));
        let weekend_off = ok.replace("2016-10-03", "2016-10-02");
        assert!(
            parse_official(&weekend_off)
                .unwrap_err()
                .contains("weekday rule")
        );
        let unknown = ok.replace("国庆节", "圣诞节");
        assert!(
            parse_official(&unknown)
                .unwrap_err()
                .contains("unknown festival")
        );
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
            c.day(day("2011-11-07"), Lang::En).map(|(_, s, _)| s),
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
            c.exceptions(2011, Lang::ZhCn)
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
