//! Campaigns that follow each other (长效机制): a draft is prepared beside the running
//! campaign, started when its time comes (which closes the one before), and a closed
//! campaign stays browsable but takes no more records.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use toml_edit::{DocumentMut, Item, Value};

use crate::i18n::Message;

/// Where a campaign stands (活动状态).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    /// Being prepared (草拟): editable, nobody works in it yet.
    Draft,
    /// The campaign in use (进行中): at most one at a time.
    Running,
    /// Over (已结束): read-only, still browsable; its honour roll stays public.
    Closed,
}

impl CampaignStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "draft",
            CampaignStatus::Running => "running",
            CampaignStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<CampaignStatus> {
        [
            CampaignStatus::Draft,
            CampaignStatus::Running,
            CampaignStatus::Closed,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }

    /// Its name for people.
    pub fn name(self) -> Message {
        Message::new(format!("campaign_status.{}", self.as_str()))
    }

    /// Only a draft may be edited or started.
    pub fn check_draft(self) -> Result<(), Message> {
        match self {
            CampaignStatus::Draft => Ok(()),
            _ => Err(Message::new("campaign.not_draft").arg_message("status", self.name())),
        }
    }

    /// Records go only into the running campaign.
    pub fn check_takes_records(self) -> Result<(), Message> {
        match self {
            CampaignStatus::Running => Ok(()),
            _ => Err(Message::new("campaign.read_only").arg_message("status", self.name())),
        }
    }
}

/// What a copy of a campaign file changes.
#[derive(Debug, Clone)]
pub struct CopyOf<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub name_en: &'a str,
    /// Whole years every date moves by (the next three-year campaign: 3).
    pub shift_years: i32,
}

/// The most years a copy's dates may move.
pub const MAX_SHIFT_YEARS: i32 = 20;

/// A copy of campaign file `text` under a new code and name, every date moved by whole
/// years (29 February becomes the 28th), and the years in the periods' codes and names with
/// them (2011年上半年 → 2014年上半年). Comments and layout are kept.
pub fn copy_file(text: &str, to: &CopyOf<'_>) -> Result<String, Message> {
    if to.shift_years.abs() > MAX_SHIFT_YEARS {
        return Err(Message::of(
            "campaign.shift_years",
            &[("max", &MAX_SHIFT_YEARS)],
        ));
    }
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| Message::verbatim(e.to_string()))?;
    let Some(header) = doc.get_mut("campaign").and_then(Item::as_table_like_mut) else {
        return Err(Message::new("campaign.no_header"));
    };
    header.insert("code", Item::Value(Value::from(to.code)));
    header.insert("name", Item::Value(Value::from(to.name)));
    header.insert("name_en", Item::Value(Value::from(to.name_en)));
    shift_dates(header, to.shift_years);
    for key in ["phases", "stages", "periods"] {
        let Some(list) = doc.get_mut(key).and_then(Item::as_array_of_tables_mut) else {
            continue;
        };
        for entry in list.iter_mut() {
            shift_dates(entry, to.shift_years);
            if key == "periods" {
                for field in ["code", "name", "name_en"] {
                    if let Some(v) = entry.get_mut(field)
                        && let Some(s) = v.as_str()
                    {
                        *v = Item::Value(Value::from(shift_years_in(s, to.shift_years)));
                    }
                }
            }
        }
    }
    Ok(doc.to_string())
}

fn shift_dates(table: &mut dyn toml_edit::TableLike, years: i32) {
    for field in ["starts_on", "ends_on"] {
        if let Some(v) = table.get_mut(field)
            && let Some(day) = v
                .as_str()
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        {
            *v = Item::Value(Value::from(shift_day(day, years).to_string()));
        }
    }
}

/// How many years a follow-up campaign moves by default: one more than the years the
/// campaign's dates span (2010-05-01 to 2012-06-30: 3, so the copy starts in 2013).
pub fn default_shift(starts_on: NaiveDate, ends_on: NaiveDate) -> i32 {
    ends_on.year() - starts_on.year() + 1
}

/// A code for the follow-up of campaign `code`: its years moved (jiaozuo-2010 →
/// jiaozuo-2013), and `-2`, `-3` … added while `taken` says it is in use.
pub fn follow_up_code(code: &str, shift_years: i32, taken: impl Fn(&str) -> bool) -> String {
    let moved = shift_years_in(code, shift_years);
    let base = if moved == code {
        format!("{code}-next")
    } else {
        moved
    };
    let mut candidate = base.clone();
    let mut n = 2;
    while taken(&candidate) {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    candidate
}

/// `day` moved by whole years; 29 February lands on the 28th in a common year.
pub fn shift_day(day: NaiveDate, years: i32) -> NaiveDate {
    let year = day.year() + years;
    day.with_year(year)
        .or_else(|| NaiveDate::from_ymd_opt(year, day.month(), 28))
        .unwrap_or(day)
}

/// Every four-digit year (1900–2099) standing alone in `s`, moved by `years`.
fn shift_years_in(s: &str, years: i32) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if run == 0 {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let digits: String = chars[i..i + run].iter().collect();
        match digits.parse::<i32>() {
            Ok(y) if run == 4 && (1900..2100).contains(&y) => {
                out.push_str(&(y + years).to_string());
            }
            _ => out.push_str(&digits),
        }
        i += run;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::{BUILTIN_2010, Campaign};

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
    }

    #[test]
    fn a_copy_moves_every_date_and_period_year_and_keeps_the_rest() {
        let text = copy_file(
            BUILTIN_2010,
            &CopyOf {
                code: "jiaozuo-2013",
                name: "创先争优长效机制",
                name_en: "Sustained excellence",
                shift_years: 3,
            },
        )
        .expect("copied");
        let c = Campaign::load("copy.toml", &text).expect("the copy is a valid campaign");
        let old = Campaign::builtin();
        assert_eq!(c.code(), "jiaozuo-2013");
        assert_eq!(c.file.campaign.name, "创先争优长效机制");
        assert_eq!(c.starts_on, day("2013-05-01"));
        assert_eq!(c.ends_on, day("2015-06-30"));
        let p = c.periods();
        assert_eq!(p[1].code, "2014-h1");
        assert_eq!(p[1].name, "2014年上半年");
        assert_eq!(p[1].starts_on, day("2014-01-01"));
        assert_eq!(
            c.phase_on(day("2015-06-01"))
                .map(|p| p.code.get_ref().as_str()),
            Some("commendation")
        );
        // Standards, honours and the stage names (建党90周年) are the office's to edit.
        assert_eq!(c.file.standards.len(), old.file.standards.len());
        assert_eq!(c.file.honours.len(), old.file.honours.len());
        assert_eq!(c.file.stages[0].name, old.file.stages[0].name);
        // The comments stay, for whoever edits the copy next.
        assert!(text.contains("# 活动阶段 (phases)"));
    }

    #[test]
    fn the_29th_of_february_moves_to_the_28th_and_big_shifts_are_refused() {
        assert_eq!(shift_day(day("2012-02-29"), 1), day("2013-02-28"));
        assert_eq!(shift_day(day("2012-02-29"), 4), day("2016-02-29"));
        assert_eq!(shift_years_in("2011年上半年", 2), "2013年上半年");
        assert_eq!(default_shift(day("2010-05-01"), day("2012-06-30")), 3);
        assert_eq!(follow_up_code("jiaozuo-2010", 3, |_| false), "jiaozuo-2013");
        assert_eq!(
            follow_up_code("jiaozuo-2010", 3, |c| c == "jiaozuo-2013"),
            "jiaozuo-2013-2"
        );
        assert_eq!(follow_up_code("city", 0, |_| false), "city-next");
        assert_eq!(shift_years_in("第12345号 2011-h1", 1), "第12345号 2012-h1");
        let too_far = CopyOf {
            code: "x",
            name: "x",
            name_en: "",
            shift_years: 21,
        };
        assert!(copy_file(BUILTIN_2010, &too_far).is_err());
    }

    #[test]
    fn only_a_draft_is_edited_and_only_the_running_campaign_takes_records() {
        assert!(CampaignStatus::Draft.check_draft().is_ok());
        assert!(CampaignStatus::Running.check_draft().is_err());
        assert!(CampaignStatus::Running.check_takes_records().is_ok());
        assert!(CampaignStatus::Closed.check_takes_records().is_err());
        assert!(CampaignStatus::Draft.check_takes_records().is_err());
        for s in ["draft", "running", "closed"] {
            assert_eq!(
                CampaignStatus::parse(s).map(CampaignStatus::as_str),
                Some(s)
            );
        }
    }
}
