//! Selection and commendation (评选表彰): a nomination's way from 推荐 through 考核, 审定 and
//! 公示 to 表彰, the quotas nominating organisations must keep to, the eligibility rules
//! checked for every candidate, and the public notice's period and objections.
//!
//! Pure rules only: who may take a step is `policy`'s, the dates come from `calendar`.

use chrono::NaiveDate;
use serde::Serialize;

use crate::calendar::{CalendarError, WorkCalendar};
use crate::i18n::Message;

/// Where a nomination stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 推荐: put forward by its organisation, with the account of deeds.
    Nominated,
    /// 考核: assessed, with the assessment record and opinion.
    Assessed,
    /// 审定: approved by the meeting that decides.
    Approved,
    /// 公示: on a public notice.
    InNotice,
    /// 表彰: commended, with the decision's number (文号) and date.
    Commended,
    /// 撤回: withdrawn by those who nominated.
    Withdrawn,
    /// 未通过: rejected at assessment, approval or after the notice.
    Rejected,
}

impl Stage {
    pub const ALL: [Stage; 7] = [
        Stage::Nominated,
        Stage::Assessed,
        Stage::Approved,
        Stage::InNotice,
        Stage::Commended,
        Stage::Withdrawn,
        Stage::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Nominated => "nominated",
            Stage::Assessed => "assessed",
            Stage::Approved => "approved",
            Stage::InNotice => "in_notice",
            Stage::Commended => "commended",
            Stage::Withdrawn => "withdrawn",
            Stage::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// No step leads out of it.
    pub fn is_final(self) -> bool {
        matches!(self, Stage::Commended | Stage::Withdrawn | Stage::Rejected)
    }
}

/// A step of the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Assess,
    Approve,
    /// Put on a public notice.
    Notice,
    Commend,
    Withdraw,
    Reject,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Step::Assess,
        Step::Approve,
        Step::Notice,
        Step::Commend,
        Step::Withdraw,
        Step::Reject,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Assess => "assess",
            Step::Approve => "approve",
            Step::Notice => "notice",
            Step::Commend => "commend",
            Step::Withdraw => "withdraw",
            Step::Reject => "reject",
        }
    }

    pub fn parse(s: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// The stage a step leads to from `stage`, or why it cannot be taken.
pub fn next(stage: Stage, step: Step) -> Result<Stage, Message> {
    use Stage::*;
    let to = match (stage, step) {
        (Nominated, Step::Assess) => Assessed,
        (Assessed, Step::Approve) => Approved,
        (Approved, Step::Notice) => InNotice,
        (InNotice, Step::Commend) => Commended,
        (s, Step::Withdraw) if !s.is_final() => Withdrawn,
        (s, Step::Reject) if !s.is_final() => Rejected,
        _ => return Err(out_of_order(stage, step)),
    };
    Ok(to)
}

/// "Cannot STEP a nomination that is STAGE", with both named in the reader's language.
fn out_of_order(stage: Stage, step: Step) -> Message {
    Message::new("selection.out_of_order")
        .arg_message(
            "stage",
            Message::new(format!("selection.stage_{}", stage.as_str())),
        )
        .arg_message(
            "step",
            Message::new(format!("selection.step_{}", step.as_str())),
        )
}

/// How many candidates an organisation may nominate for an honour (推荐名额).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Quota {
    /// A fixed number.
    Number(u32),
    /// A share of its eligible subjects, 0 < share ≤ 1.
    Share(f64),
}

impl Quota {
    /// The number allowed among `eligible` subjects: a share is rounded down, but an
    /// organisation with any eligible subject may nominate at least one.
    pub fn allowed(self, eligible: u32) -> u32 {
        match self {
            Quota::Number(n) => n,
            Quota::Share(s) => {
                let n = (f64::from(eligible) * s + 1e-9).floor() as u32;
                if eligible > 0 { n.max(1) } else { 0 }
            }
        }
    }
}

/// Refuses a nomination that would take an organisation over its quota.
pub fn check_quota(held: u32, allowed: u32) -> Result<(), Message> {
    if held < allowed {
        Ok(())
    } else {
        Err(Message::of(
            "selection.over_quota",
            &[("held", &held), ("allowed", &allowed)],
        ))
    }
}

/// One eligibility rule's verdict on a candidate, with its reason for the record (kept
/// with the nomination as JSON, and read back as it was).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct RuleCheck {
    /// `formal_member`, `org_kind`, `no_sanction`, `min_grade`, `min_satisfaction`.
    pub rule: String,
    pub passed: bool,
    pub reason: Message,
}

/// The eligibility rules of an honour (评选条件), from the campaign file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rules {
    pub formal_members_only: bool,
    pub no_sanction: bool,
    /// Grade names of `[grading]`, best first, and the position of the lowest accepted.
    pub min_grade: Option<(Vec<String>, usize)>,
    /// Lowest satisfaction rate (满意率: satisfied and basically satisfied over valid
    /// ballots), 0–1.
    pub min_satisfaction: Option<f64>,
    /// The kinds of organisation the honour is for; empty: any.
    pub org_kinds: Vec<crate::org::OrgKind>,
}

/// What the rules look at, as the system knows it about a candidate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CandidateFacts {
    /// For members and cadres: a formal member (正式党员)? `None` when not a person.
    pub formal_member: Option<bool>,
    /// Disciplinary sanctions (党纪处分) recorded since the campaign began.
    pub sanctions: u32,
    /// The candidate's grade position in `[grading]` in the latest period, if graded.
    pub grade: Option<usize>,
    /// Satisfaction rate in the latest rounds, if any valid ballots.
    pub satisfaction: Option<f64>,
    /// For organisations: what kind it is. `None` when not an organisation.
    pub org_kind: Option<crate::org::OrgKind>,
}

/// Evaluates every rule that applies; the candidate is eligible when all pass.
pub fn evaluate(rules: &Rules, f: &CandidateFacts) -> Vec<RuleCheck> {
    let mut out = vec![];
    if rules.formal_members_only
        && let Some(formal) = f.formal_member
    {
        out.push(RuleCheck {
            rule: "formal_member".into(),
            passed: formal,
            reason: Message::of(
                if formal {
                    "selection.formal_yes"
                } else {
                    "selection.formal_no"
                },
                &[],
            ),
        });
    }
    if !rules.org_kinds.is_empty()
        && let Some(kind) = f.org_kind
    {
        let wanted: Vec<Message> = rules.org_kinds.iter().map(|k| k.name()).collect();
        out.push(RuleCheck {
            rule: "org_kind".into(),
            passed: rules.org_kinds.contains(&kind),
            reason: Message::of("selection.org_kind", &[])
                .arg_message("kind", kind.name())
                .arg_message("want", Message::joined(wanted, " / ")),
        });
    }
    if rules.no_sanction {
        out.push(RuleCheck {
            rule: "no_sanction".into(),
            passed: f.sanctions == 0,
            reason: Message::of("selection.sanctions", &[("n", &f.sanctions)]),
        });
    }
    if let Some((grades, lowest)) = &rules.min_grade {
        let want = grades.get(*lowest).map(String::as_str).unwrap_or("");
        let (passed, reason) = match f.grade {
            Some(g) => (
                g <= *lowest,
                Message::new("selection.grade")
                    .arg_term("grade", grades.get(g).map(String::as_str).unwrap_or(""))
                    .arg_term("want", want),
            ),
            None => (
                false,
                Message::new("selection.no_grade").arg_term("want", want),
            ),
        };
        out.push(RuleCheck {
            rule: "min_grade".into(),
            passed,
            reason,
        });
    }
    if let Some(min) = rules.min_satisfaction {
        let percent = |r: f64| format!("{:.1}%", r * 100.0);
        let (passed, reason) = match f.satisfaction {
            Some(r) => (
                r + 1e-9 >= min,
                Message::of(
                    "selection.satisfaction",
                    &[("rate", &percent(r)), ("want", &percent(min))],
                ),
            ),
            None => (
                false,
                Message::of("selection.no_ballots", &[("want", &percent(min))]),
            ),
        };
        out.push(RuleCheck {
            rule: "min_satisfaction".into(),
            passed,
            reason,
        });
    }
    out
}

/// Whether every check passed.
pub fn eligible(checks: &[RuleCheck]) -> bool {
    checks.iter().all(|c| c.passed)
}

/// A public notice's period (公示期): from the day it is put up to the end of its last
/// working day, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NoticePeriod {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

impl NoticePeriod {
    /// A notice of `workdays` working days put up on `starts_on`.
    pub fn new(
        calendar: &WorkCalendar,
        starts_on: NaiveDate,
        workdays: u32,
    ) -> Result<NoticePeriod, CalendarError> {
        Ok(NoticePeriod {
            starts_on,
            ends_on: calendar.period_end(starts_on, workdays.max(1))?,
        })
    }

    /// Where the notice stands on `today`: both its first and its last day are running.
    pub fn phase(&self, today: NaiveDate) -> NoticePhase {
        if today < self.starts_on {
            NoticePhase::Upcoming
        } else if today > self.ends_on {
            NoticePhase::Ended
        } else {
            NoticePhase::Running
        }
    }

    /// Objections are taken while it runs; a late one is refused with the end date.
    pub fn takes_objections(&self, today: NaiveDate) -> Result<(), Message> {
        match self.phase(today) {
            NoticePhase::Upcoming => Err(Message::of(
                "selection.notice_not_started",
                &[("starts_on", &self.starts_on)],
            )),
            NoticePhase::Ended => Err(Message::of(
                "selection.notice_ended",
                &[("ends_on", &self.ends_on)],
            )),
            NoticePhase::Running => Ok(()),
        }
    }

    /// Candidates can be commended once the period is over.
    pub fn is_over(&self, today: NaiveDate) -> bool {
        self.phase(today) == NoticePhase::Ended
    }
}

/// A notice before, during and after its period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticePhase {
    Upcoming,
    Running,
    Ended,
}

impl NoticePhase {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticePhase::Upcoming => "upcoming",
            NoticePhase::Running => "running",
            NoticePhase::Ended => "ended",
        }
    }
}

/// What an investigation of an objection found (调查核实结果).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    /// 属实
    Upheld,
    /// 部分属实
    PartlyUpheld,
    /// 不属实
    NotUpheld,
}

impl Finding {
    pub const ALL: [Finding; 3] = [Finding::Upheld, Finding::PartlyUpheld, Finding::NotUpheld];

    pub fn as_str(self) -> &'static str {
        match self {
            Finding::Upheld => "upheld",
            Finding::PartlyUpheld => "partly_upheld",
            Finding::NotUpheld => "not_upheld",
        }
    }

    pub fn parse(s: &str) -> Option<Finding> {
        Finding::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Whether the finding stands in the way of commendation: anything found true, in
    /// whole or in part, does (DECISIONS 64).
    pub fn blocks(self) -> bool {
        !matches!(self, Finding::NotUpheld)
    }
}

/// Whether a candidate may be commended: the notice is over and no objection to them is
/// open or was found true. `findings` has one entry per objection, `None` while open.
pub fn may_commend(
    period: &NoticePeriod,
    today: NaiveDate,
    findings: &[Option<Finding>],
) -> Result<(), Message> {
    if !period.is_over(today) {
        return Err(Message::of(
            "selection.notice_running",
            &[("ends_on", &period.ends_on)],
        ));
    }
    let open = findings.iter().filter(|f| f.is_none()).count();
    if open > 0 {
        return Err(Message::of("selection.objection_open", &[("n", &open)]));
    }
    if findings.iter().flatten().any(|f| f.blocks()) {
        return Err(Message::of("selection.objection_upheld", &[]));
    }
    Ok(())
}

/// Longest texts accepted: the account of deeds, the notice's summary, an objection.
pub const MAX_DEEDS: usize = 20_000;
pub const MAX_SUMMARY: usize = 500;
pub const MAX_OBJECTION: usize = 2_000;

/// Whether `text` holds eleven or more digits in a row, with the separators people put in
/// phone numbers between them (138.0000.0000, (138)0000/0000): an ID number or a mobile
/// number, which a public notice must never show. Letters, Chinese and list punctuation
/// end a run, so dates and counts in prose ("2010、2011年") pass.
fn has_personal_number(text: &str) -> bool {
    let mut run = 0;
    for c in text.chars() {
        if c.is_ascii_digit() || ('０'..='９').contains(&c) {
            run += 1;
            if run >= 11 {
                return true;
            }
        } else if !matches!(
            c,
            ' ' | '-' | '.' | '/' | '(' | ')' | '（' | '）' | '—' | '_' | '\u{3000}'
        ) {
            // Letters, Chinese and list punctuation (、，) end a run; the separators people
            // write inside phone numbers do not.
            run = 0;
        }
    }
    false
}

/// Whether `text` holds markup (`<` followed by a letter, `/` or `!`): a script or a tag
/// in what should be plain text.
fn has_markup(text: &str) -> bool {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '<'
            && chars
                .peek()
                .is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?'))
        {
            return true;
        }
    }
    false
}

/// Checks a plain text a person typed: present when `required`, at most `max` characters,
/// no markup. `field` names it in the message.
pub fn check_text(field: &str, text: &str, required: bool, max: usize) -> Result<(), Message> {
    // The field named in the reader's language (`selection.field_*`).
    let say = |key: &'static str, n: usize| {
        Message::new(key)
            .arg_message("field", Message::new(format!("selection.field_{field}")))
            .arg("n", n)
            .arg("max", max)
    };
    let n = text.trim().chars().count();
    if required && n == 0 {
        return Err(say("selection.text_required", n));
    }
    if n > max {
        return Err(say("selection.text_too_long", n));
    }
    if has_markup(text) {
        return Err(say("selection.text_markup", n));
    }
    Ok(())
}

/// Checks the summary of deeds a public notice will show: also no ID or phone numbers.
pub fn check_summary(text: &str) -> Result<(), Message> {
    check_text("summary", text, true, MAX_SUMMARY)?;
    check_public(text)
}

/// Refuses ID or phone numbers in a text the public will read.
pub fn check_public(text: &str) -> Result<(), Message> {
    if has_personal_number(text) {
        return Err(Message::of("selection.summary_numbers", &[]));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_nomination_goes_forward_one_step_at_a_time() {
        let mut s = Stage::Nominated;
        for (step, want) in [
            (Step::Assess, Stage::Assessed),
            (Step::Approve, Stage::Approved),
            (Step::Notice, Stage::InNotice),
            (Step::Commend, Stage::Commended),
        ] {
            s = next(s, step).unwrap();
            assert_eq!(s, want);
        }
        // Out of order: approving before assessment, commending before the notice.
        assert!(next(Stage::Nominated, Step::Approve).is_err());
        assert!(next(Stage::Approved, Step::Commend).is_err());
        let msg = next(Stage::Nominated, Step::Commend).unwrap_err();
        assert!(
            msg.render(crate::i18n::Lang::En).contains("nominated")
                || msg.render(crate::i18n::Lang::ZhCn).contains("推荐"),
            "{msg:?}"
        );
        // Withdrawn or rejected from any open stage, never from a final one.
        for s in [
            Stage::Nominated,
            Stage::Assessed,
            Stage::Approved,
            Stage::InNotice,
        ] {
            assert_eq!(next(s, Step::Withdraw), Ok(Stage::Withdrawn));
            assert_eq!(next(s, Step::Reject), Ok(Stage::Rejected));
        }
        for s in [Stage::Commended, Stage::Withdrawn, Stage::Rejected] {
            for step in Step::ALL {
                assert!(next(s, step).is_err(), "{s:?} {step:?}");
            }
        }
    }

    proptest! {
        /// Whatever steps are tried, a nomination only ever reaches a stage by the steps
        /// before it: commended implies it was assessed, approved and noticed on the way.
        #[test]
        fn commended_only_through_every_stage(steps in prop::collection::vec(0usize..6, 0..20)) {
            let mut s = Stage::Nominated;
            let mut seen = vec![s];
            for i in steps {
                if let Ok(to) = next(s, Step::ALL[i]) {
                    s = to;
                    seen.push(s);
                }
            }
            if s == Stage::Commended {
                prop_assert_eq!(
                    seen,
                    vec![Stage::Nominated, Stage::Assessed, Stage::Approved, Stage::InNotice, Stage::Commended]
                );
            }
        }

        #[test]
        fn a_share_quota_never_exceeds_the_eligible(eligible in 0u32..10_000, share in 0.001f64..=1.0) {
            let n = Quota::Share(share).allowed(eligible);
            prop_assert!(n <= eligible);
            prop_assert_eq!(n == 0, eligible == 0);
        }
    }

    #[test]
    fn texts_are_plain_bounded_and_public_summaries_hold_no_personal_numbers() {
        assert!(check_text("content", "  ", true, 10).is_err());
        assert!(check_text("content", "", false, 10).is_ok());
        assert!(check_text("content", "一二三四五六七八九十一", true, 10).is_err());
        assert!(check_text("content", "<script>alert(1)</script>", true, 100).is_err());
        assert!(check_text("content", "<img src=x onerror=alert(1)>", true, 100).is_err());
        assert!(check_text("content", "得分 < 60 分，3<5", true, 100).is_ok());
        assert!(check_summary("带领群众脱贫致富，事迹突出。").is_ok());
        assert!(check_summary("联系电话 138 0000 0000").is_err());
        assert!(check_summary("身份证 41080219800101001X").is_err());
        assert!(check_summary("2010年至2012年连续三年").is_ok());
        assert!(check_summary("电话 138.0000.0000").is_err());
        assert!(check_summary("电话 (138)0000/0000").is_err());
        assert!(check_summary("服务 300 余小时，帮扶 12 户").is_ok());
        assert!(check_summary("2010、2011、2012年连续三年被评为先进").is_ok());
    }

    #[test]
    fn quotas_by_number_and_by_share() {
        assert_eq!(Quota::Number(2).allowed(100), 2);
        assert_eq!(Quota::Share(0.05).allowed(100), 5);
        assert_eq!(
            Quota::Share(0.05).allowed(39),
            1,
            "rounded down, at least one"
        );
        assert_eq!(Quota::Share(1.0 / 3.0).allowed(9), 3);
        assert!(check_quota(1, 2).is_ok());
        let over = check_quota(2, 2).unwrap_err();
        assert!(over.render(crate::i18n::Lang::En).contains('2'), "{over:?}");
    }

    #[test]
    fn eligibility_is_checked_rule_by_rule_with_reasons() {
        let rules = Rules {
            formal_members_only: true,
            no_sanction: true,
            min_grade: Some((vec!["excellent".into(), "good".into(), "fair".into()], 1)),
            min_satisfaction: Some(0.8),
            org_kinds: vec![],
        };
        let good = CandidateFacts {
            formal_member: Some(true),
            sanctions: 0,
            grade: Some(0),
            satisfaction: Some(0.92),
            org_kind: None,
        };
        let checks = evaluate(&rules, &good);
        assert_eq!(checks.len(), 4);
        assert!(eligible(&checks));
        let probationary = CandidateFacts {
            formal_member: Some(false),
            grade: Some(2),
            satisfaction: Some(0.5),
            sanctions: 1,
            org_kind: None,
        };
        let checks = evaluate(&rules, &probationary);
        assert!(checks.iter().all(|c| !c.passed));
        assert!(
            checks[3]
                .reason
                .render(crate::i18n::Lang::En)
                .contains("50.0%"),
            "{:?}",
            checks[3].reason
        );
        // No ballots, no grade: not shown as passed.
        let unknown = CandidateFacts {
            formal_member: Some(true),
            ..Default::default()
        };
        let checks = evaluate(&rules, &unknown);
        assert!(!eligible(&checks));
        // An organisation is not asked about membership.
        let org = CandidateFacts {
            formal_member: None,
            grade: Some(1),
            satisfaction: Some(0.8),
            sanctions: 0,
            org_kind: Some(crate::org::OrgKind::Branch),
        };
        let checks = evaluate(&rules, &org);
        assert_eq!(checks.len(), 3);
        assert!(eligible(&checks));
        // An honour for county committees is not for a branch.
        let county = Rules {
            org_kinds: vec![crate::org::OrgKind::CountyCommittee],
            ..rules.clone()
        };
        let checks = evaluate(&county, &org);
        assert!(!eligible(&checks));
        let why = checks[0].reason.render(crate::i18n::Lang::ZhCn);
        assert_eq!(why, "组织类别为党支部：本项表彰只评县(市、区)委");
        let committee = CandidateFacts {
            org_kind: Some(crate::org::OrgKind::CountyCommittee),
            ..org
        };
        assert!(eligible(&evaluate(&county, &committee)));
    }

    #[test]
    fn the_notice_runs_five_working_days_and_takes_objections_until_its_last() {
        let cal = WorkCalendar::builtin();
        // Put up on Thursday 29 September 2011: 29, 30 September, then 8, 9, 10 October.
        let p = NoticePeriod::new(&cal, day("2011-09-29"), 5).unwrap();
        assert_eq!(p.ends_on, day("2011-10-10"));
        assert!(p.takes_objections(day("2011-10-05")).is_ok());
        assert!(p.takes_objections(day("2011-10-10")).is_ok());
        let late = p.takes_objections(day("2011-10-11")).unwrap_err();
        assert!(
            late.render(crate::i18n::Lang::En).contains("2011-10-10"),
            "{late:?}"
        );
        assert!(p.takes_objections(day("2011-09-28")).is_err());
        // Commendation waits for the end and for every objection's finding.
        assert!(may_commend(&p, day("2011-10-10"), &[]).is_err());
        assert!(may_commend(&p, day("2011-10-11"), &[]).is_ok());
        assert!(may_commend(&p, day("2011-10-11"), &[None]).is_err());
        assert!(may_commend(&p, day("2011-10-11"), &[Some(Finding::NotUpheld)]).is_ok());
        assert!(may_commend(&p, day("2011-10-11"), &[Some(Finding::Upheld)]).is_err());
        assert!(may_commend(&p, day("2011-10-11"), &[Some(Finding::PartlyUpheld)]).is_err());
        // A notice crossing into a year without calendar data is refused.
        assert!(NoticePeriod::new(&cal, day("2026-12-28"), 5).is_err());
    }
}
