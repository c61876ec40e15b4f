//! Dates as officials write them, and as spreadsheets store them.

use chrono::{Datelike, NaiveDate};

use crate::text::normalise;

/// Parses `2010-05-01`, `2010/5/1`, `2010年5月1日`, `2010.05.01`, `20100501` and `2010-05-01
/// 00:00:00` (a date cell exported with a time). Returns `None` for anything else.
pub fn parse_date(input: &str) -> Option<NaiveDate> {
    let s = normalise(input);
    let s = s.split(' ').next().unwrap_or("");
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(s, "%Y%m%d").ok();
    }
    let parts: Vec<&str> = s
        .trim_end_matches('日')
        .split(['-', '/', '.', '年', '月'])
        .collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty() || p.len() > 4) {
        return None;
    }
    if parts[0].len() != 4 {
        return None;
    }
    let y: i32 = parts[0].parse().ok()?;
    let m: u32 = parts[1].parse().ok()?;
    let d: u32 = parts[2].parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Converts an Excel serial day number (1900 date system) to a date. Excel counts
/// 1900-02-29, a day that never was, so serials from 61 on are one ahead.
pub fn from_excel_serial(serial: f64) -> Option<NaiveDate> {
    if !serial.is_finite() || !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    let base = NaiveDate::from_ymd_opt(1899, 12, 31)?;
    let offset = if days >= 61 { days - 1 } else { days };
    base.checked_add_signed(chrono::Duration::days(offset))
}

/// A plausible date of birth or joining: not in the future and not before 1900.
pub fn is_plausible_past(date: NaiveDate, today: NaiveDate) -> bool {
    date.year() >= 1900 && date <= today
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn every_written_form() {
        for s in [
            "2010-05-01",
            "2010/5/1",
            "2010年5月1日",
            "2010.05.01",
            "20100501",
            "２０１０－０５－０１",
            " 2010-05-01 00:00:00",
            "2010年05月01",
        ] {
            assert_eq!(parse_date(s), Some(d(2010, 5, 1)), "{s}");
        }
    }

    #[test]
    fn refuses_nonsense() {
        for s in [
            "",
            "2010-13-01",
            "2010-02-30",
            "5/1/2010",
            "10-5-1",
            "abc",
            "2010-05",
        ] {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }

    #[test]
    fn excel_serials() {
        assert_eq!(from_excel_serial(40299.0), Some(d(2010, 5, 1)));
        assert_eq!(from_excel_serial(1.0), Some(d(1900, 1, 1)));
        assert_eq!(from_excel_serial(61.0), Some(d(1900, 3, 1)));
        assert_eq!(from_excel_serial(40299.75), Some(d(2010, 5, 1)));
        assert_eq!(from_excel_serial(-3.0), None);
        assert_eq!(from_excel_serial(f64::NAN), None);
    }
}
