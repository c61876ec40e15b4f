//! Local implementing opinions (实施意见, 分层次指导): a county or system committee adds its
//! own requirements and activity items under the city's campaign — more, never fewer — and
//! sets its own dates for the phases, inside the city's. Its subtree works from the union,
//! each addition marked by whose it is.

use chrono::NaiveDate;
use serde::Serialize;

use super::Campaign;
use crate::i18n::Message;
use crate::org::OrgKind;

/// The longest local requirement or activity description.
pub const MAX_LOCAL_TEXT: usize = 500;
/// The longest name of a local activity item.
pub const MAX_LOCAL_NAME: usize = 50;

/// One addition of a committee's 实施意见.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LocalRule {
    /// A requirement of its own under a criterion of the city's standard.
    Requirement {
        standard: String,
        criterion: String,
        text: String,
    },
    /// An activity item of its own in one of the city's activity sets; its code is made by
    /// the system (`local-ID`), unique in the campaign.
    Activity {
        set: String,
        code: String,
        name: String,
        description: String,
    },
    /// Its own dates for a phase, inside the city's.
    PhaseDates {
        phase: String,
        starts_on: NaiveDate,
        ends_on: NaiveDate,
    },
}

impl LocalRule {
    pub fn kind(&self) -> &'static str {
        match self {
            LocalRule::Requirement { .. } => "requirement",
            LocalRule::Activity { .. } => "activity",
            LocalRule::PhaseDates { .. } => "phase",
        }
    }
}

/// Only committees above the branches write 实施意见: a county (区县) or system (工委)
/// committee, or a committee (党委) that leads organisations of its own.
pub fn may_write_local(kind: OrgKind) -> Result<(), Message> {
    match kind {
        OrgKind::CountyCommittee | OrgKind::WorkingCommittee | OrgKind::Committee => Ok(()),
        _ => Err(Message::new("campaign.local_not_here")),
    }
}

fn text_problem(text: &str, max: usize) -> Option<Message> {
    let n = text.trim().chars().count();
    if n == 0 {
        Some(Message::new("campaign.local_text_required"))
    } else if n > max {
        Some(Message::of(
            "campaign.local_text_long",
            &[("n", &n), ("max", &max)],
        ))
    } else {
        None
    }
}

impl Campaign {
    /// The local activity items among `rules` that a subject of `kind` may commit to: those
    /// in a set of the campaign for its kind, as (code, name).
    pub fn local_activities<'a>(
        &self,
        kind: crate::subject::SubjectKind,
        rules: impl IntoIterator<Item = &'a LocalRule>,
    ) -> Vec<(String, String)> {
        rules
            .into_iter()
            .filter_map(|r| match r {
                LocalRule::Activity {
                    set, code, name, ..
                } if self
                    .file
                    .activity_sets
                    .iter()
                    .any(|s| s.code.get_ref() == set && s.subjects.contains(&kind)) =>
                {
                    Some((code.clone(), name.clone()))
                }
                _ => None,
            })
            .collect()
    }

    /// Checks an addition against the city's campaign: its standard, criterion, activity
    /// set or phase exists, its words are there and not too long, its dates lie inside the
    /// city's phase.
    pub fn check_local(&self, rule: &LocalRule) -> Result<(), Message> {
        match rule {
            LocalRule::Requirement {
                standard,
                criterion,
                text,
            } => {
                let s = self
                    .file
                    .standards
                    .iter()
                    .find(|s| s.code.get_ref() == standard)
                    .ok_or_else(|| {
                        Message::of("campaign.unknown_standard", &[("code", standard)])
                    })?;
                if !s.criteria.iter().any(|c| c.code.get_ref() == criterion) {
                    return Err(Message::of(
                        "campaign.unknown_criterion",
                        &[("code", criterion)],
                    ));
                }
                text_problem(text, MAX_LOCAL_TEXT).map_or(Ok(()), Err)
            }
            LocalRule::Activity {
                set,
                name,
                description,
                ..
            } => {
                if !self
                    .file
                    .activity_sets
                    .iter()
                    .any(|s| s.code.get_ref() == set)
                {
                    return Err(Message::of(
                        "campaign.unknown_activity_set",
                        &[("code", set)],
                    ));
                }
                if let Some(p) = text_problem(name, MAX_LOCAL_NAME) {
                    return Err(p);
                }
                match description.trim().chars().count() {
                    n if n > MAX_LOCAL_TEXT => Err(Message::of(
                        "campaign.local_text_long",
                        &[("n", &n), ("max", &MAX_LOCAL_TEXT)],
                    )),
                    _ => Ok(()),
                }
            }
            LocalRule::PhaseDates {
                phase,
                starts_on,
                ends_on,
            } => {
                let p = self
                    .phase(phase)
                    .ok_or_else(|| Message::of("app.unknown_phase", &[("code", phase)]))?;
                let (from, to) = p.dates();
                if ends_on < starts_on {
                    return Err(Message::new("campaign.ends_before_start"));
                }
                if *starts_on < from || to < *ends_on {
                    return Err(Message::new("campaign.local_outside_phase")
                        .arg_term("phase", &p.name)
                        .arg("start", from)
                        .arg("end", to));
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
    }

    #[test]
    fn additions_name_what_the_city_has_and_stay_inside_its_dates() {
        let c = Campaign::builtin();
        let requirement = |criterion: &str, text: &str| LocalRule::Requirement {
            standard: "wu-ge-hao".into(),
            criterion: criterion.into(),
            text: text.into(),
        };
        assert!(
            c.check_local(&requirement("leadership", "村支书每月走访困难户"))
                .is_ok()
        );
        assert!(c.check_local(&requirement("nope", "x")).is_err());
        assert!(c.check_local(&requirement("leadership", "  ")).is_err());
        let long = "字".repeat(MAX_LOCAL_TEXT + 1);
        assert!(c.check_local(&requirement("leadership", &long)).is_err());

        let activity = |set: &str| LocalRule::Activity {
            set: set.into(),
            code: "local-1".into(),
            name: "比技能".into(),
            description: "岗位练兵、技能比武".into(),
        };
        assert!(c.check_local(&activity("wubi-yizheng")).is_ok());
        assert!(c.check_local(&activity("nope")).is_err());

        let dates = |from: &str, to: &str| LocalRule::PhaseDates {
            phase: "implementation".into(),
            starts_on: day(from),
            ends_on: day(to),
        };
        assert!(c.check_local(&dates("2010-08-01", "2012-03-15")).is_ok());
        let early = c
            .check_local(&dates("2010-06-15", "2012-03-15"))
            .expect_err("before the city's phase");
        assert!(early.render(Lang::ZhCn).contains("组织实施"), "{early:?}");
        assert!(c.check_local(&dates("2011-01-01", "2010-12-01")).is_err());
    }

    #[test]
    fn only_committees_above_branches_write_them() {
        assert!(may_write_local(OrgKind::CountyCommittee).is_ok());
        assert!(may_write_local(OrgKind::WorkingCommittee).is_ok());
        assert!(may_write_local(OrgKind::Branch).is_err());
        assert!(may_write_local(OrgKind::CityCommittee).is_err());
    }
}
