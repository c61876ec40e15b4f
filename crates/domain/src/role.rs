//! Roles (角色) of SPEC.md's role table. The public has no account and so no role.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员
    Admin,
    /// 创先争优活动领导小组办公室
    Office,
    /// 县(市、区)委 / 工委 / 党委 组织部门
    CommitteeStaff,
    /// 支部书记
    Secretary,
    /// 党员 / 领导干部
    Member,
    /// 领导 (writes 点评)
    Reviewer,
    /// 督查人员
    Inspector,
    /// 市直有关部门 (reads its sector)
    SectorGuide,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::Office,
        Role::CommitteeStaff,
        Role::Secretary,
        Role::Member,
        Role::Reviewer,
        Role::Inspector,
        Role::SectorGuide,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Office => "office",
            Role::CommitteeStaff => "committee_staff",
            Role::Secretary => "secretary",
            Role::Member => "member",
            Role::Reviewer => "reviewer",
            Role::Inspector => "inspector",
            Role::SectorGuide => "sector_guide",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}
