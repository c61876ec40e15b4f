//! Members over time (党员变动): 转正 on a date, leaving the Party with a date and reason,
//! and transfers between branches (组织关系转接). The rules here decide whether a change
//! may be made; storage records it and keeps what happened before.

use chrono::{Months, NaiveDate};

use crate::i18n::Message;
use crate::person::MemberType;

/// How a member left (党员减少): the four ways a record stops being current.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeavingReason {
    /// 死亡
    Died,
    /// 退党 (including 自行脱党 removed by the branch)
    Withdrew,
    /// 出党 (开除党籍 and 除名)
    Expelled,
    /// 停止党籍 (a member abroad who lost touch, as the rules provide)
    Suspended,
}

serialize_as_code!(LeavingReason);

impl LeavingReason {
    pub const ALL: [LeavingReason; 4] = [
        LeavingReason::Died,
        LeavingReason::Withdrew,
        LeavingReason::Expelled,
        LeavingReason::Suspended,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LeavingReason::Died => "died",
            LeavingReason::Withdrew => "withdrew",
            LeavingReason::Expelled => "expelled",
            LeavingReason::Suspended => "suspended",
        }
    }

    pub fn parse(s: &str) -> Option<LeavingReason> {
        LeavingReason::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Its name in the reader's language (`member.leaving_*`).
    pub fn message(self) -> Message {
        Message::of(format!("member.leaving_{}", self.as_str()), &[])
    }
}

/// The longest explanation kept with a change.
pub const NOTE_MAX_CHARS: usize = 500;

/// Why a change of a member's record is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeRefusal {
    /// The date lies after today.
    Future,
    /// The date lies before the member joined the Party.
    BeforeJoining { joined: NaiveDate },
    /// The member has already left.
    AlreadyLeft,
    /// 转正 of someone who is a formal member already.
    AlreadyFormal,
    /// 转正 before the year of probation (预备期一年) is over.
    ProbationNotOver { earliest: NaiveDate },
    /// A reason or note is required and was left empty, or is too long.
    Note,
}

impl ChangeRefusal {
    pub fn message(&self) -> Message {
        match self {
            ChangeRefusal::Future => Message::of("member.change_future", &[]),
            ChangeRefusal::BeforeJoining { joined } => {
                Message::of("member.change_before_joining", &[("joined", joined)])
            }
            ChangeRefusal::AlreadyLeft => Message::of("member.already_left", &[]),
            ChangeRefusal::AlreadyFormal => Message::of("member.already_formal", &[]),
            ChangeRefusal::ProbationNotOver { earliest } => {
                Message::of("member.probation_not_over", &[("earliest", earliest)])
            }
            ChangeRefusal::Note => Message::of("member.note_required", &[("max", &NOTE_MAX_CHARS)]),
        }
    }
}

/// What the rules need to know of a member's record now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub member_type: MemberType,
    pub joined_on: Option<NaiveDate>,
    /// The day of 转正, when recorded.
    pub full_on: Option<NaiveDate>,
    /// The day the member left, if she has.
    pub left_on: Option<NaiveDate>,
}

impl Standing {
    /// Whether she was a formal member (正式党员) on `day`: formal, and made so on or
    /// before that day when the day of 转正 is known. A member who left by then is not.
    pub fn formal_on(&self, day: NaiveDate) -> bool {
        self.member_type == MemberType::Formal
            && self.full_on.is_none_or(|d| d <= day)
            && self.left_on.is_none_or(|d| d > day)
    }

    /// Whether she is on the current rolls.
    pub fn current(&self) -> bool {
        self.left_on.is_none()
    }
}

/// A note: trimmed, required, at most [`NOTE_MAX_CHARS`].
pub fn note(text: &str) -> Result<String, ChangeRefusal> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > NOTE_MAX_CHARS {
        return Err(ChangeRefusal::Note);
    }
    Ok(text.to_string())
}

fn dated(s: &Standing, on: NaiveDate, today: NaiveDate) -> Result<(), ChangeRefusal> {
    if s.left_on.is_some() {
        return Err(ChangeRefusal::AlreadyLeft);
    }
    if on > today {
        return Err(ChangeRefusal::Future);
    }
    if let Some(joined) = s.joined_on
        && on < joined
    {
        return Err(ChangeRefusal::BeforeJoining { joined });
    }
    Ok(())
}

/// Whether a member may be recorded as having left on `on`.
pub fn check_leaving(s: &Standing, on: NaiveDate, today: NaiveDate) -> Result<(), ChangeRefusal> {
    dated(s, on, today)
}

/// Whether a probationary member may be made formal (转正) on `on`: the year of probation
/// counts from the day she joined (预备期从支部大会通过之日起计算), so not before its end.
pub fn check_full_membership(
    s: &Standing,
    on: NaiveDate,
    today: NaiveDate,
) -> Result<(), ChangeRefusal> {
    dated(s, on, today)?;
    if s.member_type == MemberType::Formal {
        return Err(ChangeRefusal::AlreadyFormal);
    }
    if let Some(joined) = s.joined_on {
        let earliest = joined.checked_add_months(Months::new(12)).unwrap_or(joined);
        if on < earliest {
            return Err(ChangeRefusal::ProbationNotOver { earliest });
        }
    }
    Ok(())
}

/// Where a transfer (组织关系转接) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransferState {
    /// Started by the sending branch; the receiving branch has not answered.
    Waiting,
    /// The receiving branch took the member in: her record moved.
    Accepted,
    /// The receiving branch said no, with a reason: she stays where she was.
    Refused,
    /// The sending branch took it back before an answer.
    Withdrawn,
}

serialize_as_code!(TransferState);

impl TransferState {
    pub const ALL: [TransferState; 4] = [
        TransferState::Waiting,
        TransferState::Accepted,
        TransferState::Refused,
        TransferState::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TransferState::Waiting => "waiting",
            TransferState::Accepted => "accepted",
            TransferState::Refused => "refused",
            TransferState::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<TransferState> {
        TransferState::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn message(self) -> Message {
        Message::of(format!("member.transfer_{}", self.as_str()), &[])
    }
}

/// An answer to a waiting transfer, by the side that may give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferStep {
    /// The receiving branch accepts.
    Accept,
    /// The receiving branch refuses (a reason is required).
    Refuse,
    /// The sending branch withdraws it.
    Withdraw,
}

impl TransferStep {
    pub fn parse(s: &str) -> Option<TransferStep> {
        match s {
            "accept" => Some(TransferStep::Accept),
            "refuse" => Some(TransferStep::Refuse),
            "withdraw" => Some(TransferStep::Withdraw),
            _ => None,
        }
    }

    /// The state a waiting transfer moves to; `None` from any other state.
    pub fn from(self, state: TransferState) -> Option<TransferState> {
        (state == TransferState::Waiting).then_some(match self {
            TransferStep::Accept => TransferState::Accepted,
            TransferStep::Refuse => TransferState::Refused,
            TransferStep::Withdraw => TransferState::Withdrawn,
        })
    }

    /// Whether the receiving side takes this step (else the sending side).
    pub fn by_receiver(self) -> bool {
        !matches!(self, TransferStep::Withdraw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn probationary(joined: &str) -> Standing {
        Standing {
            member_type: MemberType::Probationary,
            joined_on: Some(day(joined)),
            full_on: None,
            left_on: None,
        }
    }

    #[test]
    fn full_membership_waits_for_the_year_of_probation() {
        let s = probationary("2025-03-01");
        let today = day("2026-12-05");
        assert_eq!(
            check_full_membership(&s, day("2026-02-28"), today),
            Err(ChangeRefusal::ProbationNotOver {
                earliest: day("2026-03-01")
            })
        );
        assert_eq!(check_full_membership(&s, day("2026-03-01"), today), Ok(()));
        assert_eq!(
            check_full_membership(&s, day("2026-12-06"), today),
            Err(ChangeRefusal::Future)
        );
        let formal = Standing {
            member_type: MemberType::Formal,
            ..s
        };
        assert_eq!(
            check_full_membership(&formal, day("2026-03-01"), today),
            Err(ChangeRefusal::AlreadyFormal)
        );
    }

    #[test]
    fn formal_on_a_day_reads_the_day_of_full_membership_and_of_leaving() {
        let s = Standing {
            member_type: MemberType::Formal,
            joined_on: Some(day("2024-01-10")),
            full_on: Some(day("2025-01-10")),
            left_on: None,
        };
        assert!(!s.formal_on(day("2025-01-09")));
        assert!(s.formal_on(day("2025-01-10")));
        let left = Standing {
            left_on: Some(day("2026-06-01")),
            ..s
        };
        assert!(left.formal_on(day("2026-05-31")));
        assert!(!left.formal_on(day("2026-06-01")));
        assert!(!left.current());
        // A formal member whose day of 转正 nobody recorded (imported as 正式) is formal.
        let imported = Standing { full_on: None, ..s };
        assert!(imported.formal_on(day("2020-01-01")));
    }

    #[test]
    fn leaving_is_dated_between_joining_and_today_and_happens_once() {
        let s = probationary("2025-03-01");
        let today = day("2026-12-05");
        assert_eq!(
            check_leaving(&s, day("2025-02-01"), today),
            Err(ChangeRefusal::BeforeJoining {
                joined: day("2025-03-01")
            })
        );
        assert_eq!(check_leaving(&s, day("2026-12-05"), today), Ok(()));
        let left = Standing {
            left_on: Some(day("2026-01-01")),
            ..s
        };
        assert_eq!(
            check_leaving(&left, day("2026-12-05"), today),
            Err(ChangeRefusal::AlreadyLeft)
        );
    }

    #[test]
    fn a_note_is_required_and_bounded() {
        assert_eq!(note("  "), Err(ChangeRefusal::Note));
        assert_eq!(note(" 病故 "), Ok("病故".to_string()));
        assert_eq!(note(&"字".repeat(501)), Err(ChangeRefusal::Note));
    }

    #[test]
    fn only_a_waiting_transfer_moves_and_each_side_takes_its_own_steps() {
        use TransferState::*;
        assert_eq!(TransferStep::Accept.from(Waiting), Some(Accepted));
        assert_eq!(TransferStep::Refuse.from(Waiting), Some(Refused));
        assert_eq!(TransferStep::Withdraw.from(Waiting), Some(Withdrawn));
        for s in [Accepted, Refused, Withdrawn] {
            for step in [
                TransferStep::Accept,
                TransferStep::Refuse,
                TransferStep::Withdraw,
            ] {
                assert_eq!(step.from(s), None);
            }
        }
        assert!(TransferStep::Accept.by_receiver() && !TransferStep::Withdraw.by_receiver());
        for s in TransferState::ALL {
            assert_eq!(TransferState::parse(s.as_str()), Some(s));
        }
        for r in LeavingReason::ALL {
            assert_eq!(LeavingReason::parse(r.as_str()), Some(r));
        }
    }
}
