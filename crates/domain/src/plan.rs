//! Set-up records (组织准备): each organisation's implementation plan (实施方案), which its
//! superior approves or returns with comments.
//!
//! ```text
//! (none) ──submit──▶ submitted ──approve──▶ approved
//!    returned ◀──return (reason)──┘
//!    returned ──submit──▶ submitted
//! ```

use crate::i18n::Message;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlanStatus {
    /// 待审核
    Submitted,
    /// 已批准
    Approved,
    /// 已退回
    Returned,
}

serialize_as_code!(PlanStatus, MeetingLevel);

/// The level a mobilisation meeting (动员会) was held at (会议层级).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MeetingLevel {
    /// 市级
    City,
    /// 县级
    County,
    /// 乡镇（街道）级
    Township,
    /// 基层
    Grassroots,
}

impl MeetingLevel {
    pub const ALL: [MeetingLevel; 4] = [
        MeetingLevel::City,
        MeetingLevel::County,
        MeetingLevel::Township,
        MeetingLevel::Grassroots,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MeetingLevel::City => "city",
            MeetingLevel::County => "county",
            MeetingLevel::Township => "township",
            MeetingLevel::Grassroots => "grassroots",
        }
    }

    pub fn parse(s: &str) -> Option<MeetingLevel> {
        MeetingLevel::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

impl PlanStatus {
    pub const ALL: [PlanStatus; 3] = [
        PlanStatus::Submitted,
        PlanStatus::Approved,
        PlanStatus::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Submitted => "submitted",
            PlanStatus::Approved => "approved",
            PlanStatus::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<PlanStatus> {
        PlanStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanStep {
    Submit,
    Approve,
    Return,
}

impl PlanStep {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStep::Submit => "submit",
            PlanStep::Approve => "approve",
            PlanStep::Return => "return",
        }
    }
}

/// Where a step leads from the current status (`None`: nothing submitted yet), or the
/// reason it is refused, for a person in both languages.
pub fn next_plan(
    status: Option<PlanStatus>,
    step: PlanStep,
    reason: Option<&str>,
) -> Result<PlanStatus, Message> {
    use PlanStatus::*;
    let to = match (step, status) {
        (PlanStep::Submit, None | Some(Returned)) => Submitted,
        (PlanStep::Approve, Some(Submitted)) => Approved,
        (PlanStep::Return, Some(Submitted)) => Returned,
        _ => {
            let now = status.map_or("none", PlanStatus::as_str);
            return Err(Message::of("plan.not_now", &[])
                .arg_message("step", Message::new(format!("plan.step_{}", step.as_str())))
                .arg_message("status", Message::new(format!("plan.status_{now}"))));
        }
    };
    if step == PlanStep::Return && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(Message::of("plan.reason_required", &[]));
    }
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use PlanStatus::*;

    #[test]
    fn every_allowed_and_every_forbidden_step() {
        let statuses = [None, Some(Submitted), Some(Approved), Some(Returned)];
        let steps = [PlanStep::Submit, PlanStep::Approve, PlanStep::Return];
        let allowed = [
            (None, PlanStep::Submit, Submitted),
            (Some(Returned), PlanStep::Submit, Submitted),
            (Some(Submitted), PlanStep::Approve, Approved),
            (Some(Submitted), PlanStep::Return, Returned),
        ];
        for status in statuses {
            for step in steps {
                let want = allowed
                    .iter()
                    .find(|(s, st, _)| *s == status && *st == step)
                    .map(|a| a.2);
                let got = next_plan(status, step, Some("意见")).ok();
                assert_eq!(got, want, "{status:?} {step:?}");
            }
        }
    }

    #[test]
    fn a_plan_is_returned_only_with_comments() {
        assert!(next_plan(Some(Submitted), PlanStep::Return, None).is_err());
        assert!(next_plan(Some(Submitted), PlanStep::Return, Some("  ")).is_err());
        let e = next_plan(Some(Approved), PlanStep::Submit, None).unwrap_err();
        assert!(
            e.render(crate::i18n::Lang::ZhCn).contains("已批准"),
            "{e:?}"
        );
    }
}
