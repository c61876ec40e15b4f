//! The subjects of a campaign (评价对象): what takes part, is evaluated, scored, ranked and
//! commended.

use serde::{Deserialize, Serialize};

/// The four kinds of subject a campaign evaluates (评价对象).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// 基层党组织
    Organisation,
    /// 党员
    Member,
    /// 县级领导班子
    Team,
    /// 领导干部
    Cadre,
}

impl SubjectKind {
    pub const ALL: [SubjectKind; 4] = [
        SubjectKind::Organisation,
        SubjectKind::Member,
        SubjectKind::Team,
        SubjectKind::Cadre,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Organisation => "organisation",
            SubjectKind::Member => "member",
            SubjectKind::Team => "team",
            SubjectKind::Cadre => "cadre",
        }
    }

    pub fn parse(s: &str) -> Option<SubjectKind> {
        SubjectKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}
