//! Bulletins that draft themselves (定期通报): a progress bulletin each month on its first
//! working day, or when an assessment period closes. Each run has a key (`2012-03`,
//! `closed:2011-h2`) that the storage takes once, whichever server gets there first.

use chrono::{Datelike, NaiveDate};

use crate::calendar::WorkCalendar;
use crate::i18n::Message;

serialize_as_code!(ScheduleRule);

/// When a scheduled bulletin drafts itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleRule {
    /// On the first working day of each month, for the current period.
    Monthly,
    /// When an assessment period closes, for that period.
    PeriodClosed,
}

impl ScheduleRule {
    pub const ALL: [ScheduleRule; 2] = [ScheduleRule::Monthly, ScheduleRule::PeriodClosed];

    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleRule::Monthly => "monthly",
            ScheduleRule::PeriodClosed => "period_closed",
        }
    }

    pub fn parse(s: &str) -> Option<ScheduleRule> {
        ScheduleRule::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn name(self) -> Message {
        Message::of(format!("bulletin.rule_{}", self.as_str()), &[])
    }
}

/// The first working day of `d`'s month (the 1st if the calendar has no data for it).
pub fn first_workday(calendar: &WorkCalendar, d: NaiveDate) -> NaiveDate {
    let first = d.with_day(1).unwrap_or(d);
    (0..31)
        .filter_map(|i| first.checked_add_days(chrono::Days::new(i)))
        .take_while(|day| day.month() == first.month())
        .find(|day| calendar.is_workday(*day).unwrap_or(false))
        .unwrap_or(first)
}

/// A run that is due: its key and, for a closed period, the period's code (`None`: the
/// current period).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueRun {
    pub key: String,
    pub period: Option<String>,
}

/// The runs of a schedule due `today`, never one from before the schedule began
/// (`starts_on`): this month's once its first working day has come; each period closed on
/// or after `starts_on` (`closed`: code and the day it closed).
pub fn due_runs(
    rule: ScheduleRule,
    starts_on: NaiveDate,
    today: NaiveDate,
    calendar: &WorkCalendar,
    closed: &[(String, NaiveDate)],
) -> Vec<DueRun> {
    match rule {
        ScheduleRule::Monthly => {
            let day = first_workday(calendar, today);
            if day <= today && day >= starts_on {
                vec![DueRun {
                    key: format!("{:04}-{:02}", today.year(), today.month()),
                    period: None,
                }]
            } else {
                vec![]
            }
        }
        ScheduleRule::PeriodClosed => closed
            .iter()
            .filter(|(_, on)| *on >= starts_on && *on <= today)
            .map(|(code, _)| DueRun {
                key: format!("closed:{code}"),
                period: Some(code.clone()),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_monthly_bulletin_is_due_from_the_first_working_day_of_the_month() {
        let c = WorkCalendar::builtin();
        // October 2011: the National Day holiday runs to the 7th; the 8th (a Saturday) and
        // the 9th are made working days.
        assert_eq!(first_workday(&c, d("2011-10-20")), d("2011-10-08"));
        assert_eq!(first_workday(&c, d("2012-03-15")), d("2012-03-01"));
        let due = |today: &str, starts: &str| {
            due_runs(ScheduleRule::Monthly, d(starts), d(today), &c, &[])
        };
        assert!(
            due("2011-10-07", "2011-01-01").is_empty(),
            "not before the 8th"
        );
        assert_eq!(due("2011-10-08", "2011-01-01")[0].key, "2011-10");
        assert_eq!(due("2011-10-31", "2011-01-01")[0].key, "2011-10");
        assert!(
            due("2011-10-20", "2011-10-10").is_empty(),
            "made after this month's first working day: from next month"
        );
        assert_eq!(due("2011-11-01", "2011-10-10")[0].key, "2011-11");
    }

    #[test]
    fn a_period_bulletin_is_due_for_each_period_closed_since_the_schedule_began() {
        let c = WorkCalendar::builtin();
        let closed = vec![
            ("2011-h1".to_string(), d("2011-07-05")),
            ("2011-h2".to_string(), d("2012-01-06")),
        ];
        let due = due_runs(
            ScheduleRule::PeriodClosed,
            d("2011-09-01"),
            d("2012-01-10"),
            &c,
            &closed,
        );
        assert_eq!(
            due,
            [DueRun {
                key: "closed:2011-h2".into(),
                period: Some("2011-h2".into())
            }]
        );
        assert_eq!(ScheduleRule::parse("monthly"), Some(ScheduleRule::Monthly));
        assert_eq!(ScheduleRule::parse("weekly"), None);
    }
}
