//! Study (比学习) and service (比服务) records: what a branch writes down for its members,
//! one sitting or one piece of volunteer work at a time, and the carriers of service
//! (党员先锋岗, 党员责任区, 党员示范点) members are attached to.

use chrono::NaiveDate;

use crate::i18n::Message;

/// How members studied (学习形式).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StudyForm {
    /// 集中学习
    Group,
    /// 自学
    SelfStudy,
    /// 三会一课
    ThreeMeetingsOneLesson,
    /// 专题讲座
    Lecture,
    /// 网上学习
    Online,
    /// 其他
    Other,
}

impl StudyForm {
    pub const ALL: [StudyForm; 6] = [
        StudyForm::Group,
        StudyForm::SelfStudy,
        StudyForm::ThreeMeetingsOneLesson,
        StudyForm::Lecture,
        StudyForm::Online,
        StudyForm::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StudyForm::Group => "group",
            StudyForm::SelfStudy => "self",
            StudyForm::ThreeMeetingsOneLesson => "three-one",
            StudyForm::Lecture => "lecture",
            StudyForm::Online => "online",
            StudyForm::Other => "other",
        }
    }

    /// By code, or by the Chinese name a sheet writes.
    pub fn parse(s: &str) -> Option<StudyForm> {
        let s = s.trim();
        StudyForm::ALL.into_iter().find(|f| {
            f.as_str() == s
                || f.name_zh() == s
                || (s == "三会一课学习" && *f == StudyForm::ThreeMeetingsOneLesson)
        })
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            StudyForm::Group => "集中学习",
            StudyForm::SelfStudy => "自学",
            StudyForm::ThreeMeetingsOneLesson => "三会一课",
            StudyForm::Lecture => "专题讲座",
            StudyForm::Online => "网上学习",
            StudyForm::Other => "其他",
        }
    }
}

/// The carriers of service (服务载体).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceKind {
    /// 党员先锋岗
    VanguardPost,
    /// 党员责任区
    ResponsibilityArea,
    /// 党员示范点
    DemonstrationPoint,
}

impl ServiceKind {
    pub const ALL: [ServiceKind; 3] = [
        ServiceKind::VanguardPost,
        ServiceKind::ResponsibilityArea,
        ServiceKind::DemonstrationPoint,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceKind::VanguardPost => "vanguard-post",
            ServiceKind::ResponsibilityArea => "responsibility-area",
            ServiceKind::DemonstrationPoint => "demonstration-point",
        }
    }

    pub fn parse(s: &str) -> Option<ServiceKind> {
        ServiceKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.name_zh() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            ServiceKind::VanguardPost => "党员先锋岗",
            ServiceKind::ResponsibilityArea => "党员责任区",
            ServiceKind::DemonstrationPoint => "党员示范点",
        }
    }
}

/// Hours of one record, in tenths (1.5 hours is 15): exact, and summed without rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Tenths(pub i64);

/// The most one record may hold: a day.
pub const MAX_TENTHS: i64 = 240;

impl Tenths {
    /// Parses hours as people type them: `2`, `1.5`, `0.5`, `１．５` (full-width), with at
    /// most one decimal. More than a day, nothing, or a negative number is refused.
    pub fn parse(s: &str) -> Result<Tenths, Message> {
        let s = crate::text::normalise(s);
        let refuse = || Message::of("records.hours", &[("value", &s)]);
        let (whole, frac) = match s.split_once('.') {
            Some((w, f)) => (w, f),
            None => (s.as_str(), ""),
        };
        if whole.is_empty() && frac.is_empty()
            || frac.len() > 1
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || whole.len() > 3
        {
            return Err(refuse());
        }
        let w: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| refuse())?
        };
        let f: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| refuse())?
        };
        let t = w * 10 + f;
        if t == 0 || t > MAX_TENTHS {
            return Err(refuse());
        }
        Ok(Tenths(t))
    }

    /// As people read it: `2`, `1.5`.
    pub fn display(self) -> String {
        if self.0 % 10 == 0 {
            (self.0 / 10).to_string()
        } else {
            format!("{}.{}", self.0 / 10, self.0 % 10)
        }
    }
}

/// A record's date: a real day, not in the future, within the campaign.
pub fn check_day(
    value: &str,
    today: NaiveDate,
    campaign: (NaiveDate, NaiveDate),
) -> Result<NaiveDate, Message> {
    let d = crate::dates::parse_date(value)
        .ok_or_else(|| Message::of("records.date", &[("value", &value)]))?;
    if d > today || d < campaign.0 || d > campaign.1 {
        return Err(Message::of(
            "records.date_outside",
            &[("value", &d), ("start", &campaign.0), ("end", &campaign.1)],
        ));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_are_read_as_people_write_them() {
        assert_eq!(Tenths::parse("2"), Ok(Tenths(20)));
        assert_eq!(Tenths::parse("1.5"), Ok(Tenths(15)));
        assert_eq!(Tenths::parse(".5"), Ok(Tenths(5)));
        assert_eq!(Tenths::parse("１．５"), Ok(Tenths(15)));
        assert_eq!(Tenths::parse(" 24 "), Ok(Tenths(240)));
        for bad in ["", "0", "-1", "1.25", "25", "abc", "1e3", "1.5.1", "."] {
            assert!(Tenths::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Tenths(15).display(), "1.5");
        assert_eq!(Tenths(40).display(), "4");
    }

    #[test]
    fn forms_and_carriers_are_known_by_code_and_by_chinese_name() {
        assert_eq!(
            StudyForm::parse("三会一课"),
            Some(StudyForm::ThreeMeetingsOneLesson)
        );
        assert_eq!(StudyForm::parse("self"), Some(StudyForm::SelfStudy));
        assert_eq!(StudyForm::parse("看电视"), None);
        assert_eq!(
            ServiceKind::parse("党员责任区"),
            Some(ServiceKind::ResponsibilityArea)
        );
    }

    #[test]
    fn a_record_day_lies_within_the_campaign_and_not_ahead() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let campaign = (d("2010-05-01"), d("2012-06-30"));
        let today = d("2011-03-01");
        assert_eq!(check_day("2010/6/1", today, campaign), Ok(d("2010-06-01")));
        assert!(
            check_day("2011-03-02", today, campaign).is_err(),
            "the future"
        );
        assert!(
            check_day("2010-04-30", today, campaign).is_err(),
            "before the campaign"
        );
        assert!(check_day("2010-02-30", today, campaign).is_err());
    }
}
