//! The model library (先进典型库): an entry goes proposed → reviewed by the office → in the
//! library → public, or is withdrawn with a reason at any step (a sanction recorded later
//! withdraws it too). Only a public entry is ever shown to the public.

use crate::i18n::Message;

serialize_as_code!(ModelStatus);

/// Where a library entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ModelStatus {
    /// 已推荐
    Proposed,
    /// 已审核
    Reviewed,
    /// 已入库
    InLibrary,
    /// 已公开
    Public,
    /// 已撤销
    Withdrawn,
}

impl ModelStatus {
    pub const ALL: [ModelStatus; 5] = [
        ModelStatus::Proposed,
        ModelStatus::Reviewed,
        ModelStatus::InLibrary,
        ModelStatus::Public,
        ModelStatus::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ModelStatus::Proposed => "proposed",
            ModelStatus::Reviewed => "reviewed",
            ModelStatus::InLibrary => "in_library",
            ModelStatus::Public => "public",
            ModelStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<ModelStatus> {
        ModelStatus::ALL.into_iter().find(|m| m.as_str() == s)
    }

    pub fn name(self) -> Message {
        Message::of(format!("model.status_{}", self.as_str()), &[])
    }

    /// The next step forward: proposed → reviewed → in the library → public.
    pub fn advance(self) -> Result<ModelStatus, Message> {
        match self {
            ModelStatus::Proposed => Ok(ModelStatus::Reviewed),
            ModelStatus::Reviewed => Ok(ModelStatus::InLibrary),
            ModelStatus::InLibrary => Ok(ModelStatus::Public),
            ModelStatus::Public => Err(Message::of("model.already_public", &[])),
            ModelStatus::Withdrawn => Err(Message::of("model.withdrawn", &[])),
        }
    }

    /// Withdrawing needs a reason and an entry not withdrawn already.
    pub fn withdraw(self, reason: &str) -> Result<ModelStatus, Message> {
        if self == ModelStatus::Withdrawn {
            return Err(Message::of("model.withdrawn", &[]));
        }
        if reason.trim().is_empty() {
            return Err(Message::of("model.withdraw_reason", &[]));
        }
        Ok(ModelStatus::Withdrawn)
    }

    /// Whether the public may see the entry.
    pub fn shown_publicly(self) -> bool {
        self == ModelStatus::Public
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_goes_to_the_public_step_by_step_and_a_withdrawal_needs_a_reason() {
        let mut s = ModelStatus::Proposed;
        let mut seen = vec![s];
        while let Ok(next) = s.advance() {
            s = next;
            seen.push(s);
        }
        assert_eq!(
            seen,
            [
                ModelStatus::Proposed,
                ModelStatus::Reviewed,
                ModelStatus::InLibrary,
                ModelStatus::Public
            ]
        );
        assert!(
            ModelStatus::ALL
                .iter()
                .filter(|m| m.shown_publicly())
                .eq([ModelStatus::Public].iter()),
            "proposed and withdrawn entries are never public"
        );
        assert_eq!(
            ModelStatus::Public.withdraw(" ").unwrap_err().key(),
            "model.withdraw_reason"
        );
        let gone = ModelStatus::Public.withdraw("受到党纪处分").unwrap();
        assert_eq!(gone, ModelStatus::Withdrawn);
        assert_eq!(gone.advance().unwrap_err().key(), "model.withdrawn");
        assert_eq!(gone.withdraw("again").unwrap_err().key(), "model.withdrawn");
        for m in ModelStatus::ALL {
            assert_eq!(ModelStatus::parse(m.as_str()), Some(m));
        }
    }
}
