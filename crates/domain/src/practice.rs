//! Good practices (好经验好做法): an organisation submits one; the office edits it, accepts
//! it or returns it with a reason (the organisation may then submit it again), and
//! publishes an accepted one. An accepted practice may be adopted as a rule (制度) of the
//! campaign's 长效机制 register.

use crate::i18n::Message;

serialize_as_code!(PracticeStatus);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PracticeStatus {
    /// 已报送
    Submitted,
    /// 已退回
    Returned,
    /// 已采纳
    Accepted,
    /// 已发布
    Published,
}

/// What the office (or the organisation) does to a practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PracticeStep {
    Accept,
    Return,
    Publish,
    /// The organisation sends a returned practice again, amended.
    Resubmit,
}

impl PracticeStatus {
    pub const ALL: [PracticeStatus; 4] = [
        PracticeStatus::Submitted,
        PracticeStatus::Returned,
        PracticeStatus::Accepted,
        PracticeStatus::Published,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PracticeStatus::Submitted => "submitted",
            PracticeStatus::Returned => "returned",
            PracticeStatus::Accepted => "accepted",
            PracticeStatus::Published => "published",
        }
    }

    pub fn parse(s: &str) -> Option<PracticeStatus> {
        PracticeStatus::ALL.into_iter().find(|m| m.as_str() == s)
    }

    pub fn name(self) -> Message {
        Message::of(format!("practice.status_{}", self.as_str()), &[])
    }

    /// Where `step` takes a practice, or why it cannot be taken from here.
    pub fn next(self, step: PracticeStep) -> Result<PracticeStatus, Message> {
        use PracticeStatus::*;
        use PracticeStep::*;
        match (self, step) {
            (Submitted, Accept) => Ok(Accepted),
            (Submitted, Return) => Ok(Returned),
            (Accepted, Publish) => Ok(Published),
            (Accepted, Return) => Ok(Returned),
            (Returned, Resubmit) => Ok(Submitted),
            _ => Err(Message::of("practice.not_now", &[]).arg_message("status", self.name())),
        }
    }

    /// Whether the office may still edit its text (before it is published).
    pub fn editable(self) -> bool {
        matches!(self, PracticeStatus::Submitted | PracticeStatus::Accepted)
    }

    /// Whether it may be adopted as a rule of the register.
    pub fn adoptable(self) -> bool {
        matches!(self, PracticeStatus::Accepted | PracticeStatus::Published)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PracticeStatus::*;
    use PracticeStep::*;

    #[test]
    fn a_practice_is_accepted_before_it_is_published_and_a_returned_one_comes_back() {
        assert_eq!(Submitted.next(Accept), Ok(Accepted));
        assert_eq!(Accepted.next(Publish), Ok(Published));
        assert_eq!(
            Submitted.next(Publish).unwrap_err().key(),
            "practice.not_now"
        );
        assert_eq!(Submitted.next(Return), Ok(Returned));
        assert_eq!(Returned.next(Accept).unwrap_err().key(), "practice.not_now");
        assert_eq!(Returned.next(Resubmit), Ok(Submitted));
        assert_eq!(
            Published.next(Return).unwrap_err().key(),
            "practice.not_now"
        );
        assert!(!Submitted.adoptable() && Accepted.adoptable() && Published.adoptable());
        assert!(!Published.editable() && !Returned.editable());
        for s in PracticeStatus::ALL {
            assert_eq!(PracticeStatus::parse(s.as_str()), Some(s));
        }
    }
}
