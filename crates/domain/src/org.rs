//! The organisation tree (组织): kinds, codes and materialized paths.

use serde::{Deserialize, Serialize};

use crate::text::normalise;

/// What an organisation is (组织类别), from the city committee down to the branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// 市委
    CityCommittee,
    /// 县(市、区)委
    CountyCommittee,
    /// 工委 (e.g. 市直机关工委, 街道党工委)
    WorkingCommittee,
    /// 党委 (基层党委)
    Committee,
    /// 党总支
    GeneralBranch,
    /// 党支部
    Branch,
    /// 党组: the leading Party group of a state organ (政府、人大、政协、部门), under the
    /// committee that appoints it; it keeps no members and no organisations below it.
    PartyGroup,
}

impl OrgKind {
    pub const ALL: [OrgKind; 7] = [
        OrgKind::CityCommittee,
        OrgKind::CountyCommittee,
        OrgKind::WorkingCommittee,
        OrgKind::Committee,
        OrgKind::GeneralBranch,
        OrgKind::Branch,
        OrgKind::PartyGroup,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::CityCommittee => "city_committee",
            OrgKind::CountyCommittee => "county_committee",
            OrgKind::WorkingCommittee => "working_committee",
            OrgKind::Committee => "committee",
            OrgKind::GeneralBranch => "general_branch",
            OrgKind::Branch => "branch",
            OrgKind::PartyGroup => "party_group",
        }
    }

    /// The Chinese name used on screen and in exports.
    pub fn name_zh(self) -> &'static str {
        // Kind names are domain vocabulary that also appears in imported sheets, so they are
        // defined here next to their aliases rather than in the UI catalogue.
        match self {
            OrgKind::CityCommittee => "市委",
            OrgKind::CountyCommittee => "县(市、区)委",
            OrgKind::WorkingCommittee => "工委",
            OrgKind::Committee => "党委",
            OrgKind::GeneralBranch => "党总支",
            OrgKind::Branch => "党支部",
            OrgKind::PartyGroup => "党组",
        }
    }

    /// Its name as a message, in the reader's language (`org.kind_*`).
    pub fn name(self) -> crate::i18n::Message {
        crate::i18n::Message::of(format!("org.kind_{}", self.as_str()), &[])
    }

    /// Reads the identifier or the Chinese names found in rosters.
    pub fn parse(input: &str) -> Option<OrgKind> {
        let s = normalise(input).replace(['(', ')', '、', ' '], "");
        let kind = match s.as_str() {
            "city_committee" | "市委" => OrgKind::CityCommittee,
            "county_committee" | "县市区委" | "县委" | "区委" | "县级市委" | "县区委" => {
                OrgKind::CountyCommittee
            }
            "working_committee" | "工委" | "党工委" | "机关工委" => {
                OrgKind::WorkingCommittee
            }
            "committee" | "党委" | "基层党委" => OrgKind::Committee,
            "general_branch" | "党总支" | "总支" => OrgKind::GeneralBranch,
            "branch" | "党支部" | "支部" => OrgKind::Branch,
            "party_group" | "党组" => OrgKind::PartyGroup,
            _ => return None,
        };
        Some(kind)
    }

    /// Whether members are kept directly in an organisation of this kind: branches, general
    /// branches and grass-roots committees (基层党委); the committees above keep
    /// organisations.
    pub fn holds_members(self) -> bool {
        matches!(
            self,
            OrgKind::Branch | OrgKind::GeneralBranch | OrgKind::Committee
        )
    }

    /// Whether an organisation of this kind may sit directly under one of `parent`.
    /// Branches hold members but no sub-organisations; nothing sits above the city.
    pub fn may_sit_under(self, parent: OrgKind) -> bool {
        match self {
            OrgKind::CityCommittee => false,
            OrgKind::PartyGroup => matches!(
                parent,
                OrgKind::CityCommittee | OrgKind::CountyCommittee | OrgKind::WorkingCommittee
            ),
            _ => !matches!(parent, OrgKind::Branch | OrgKind::PartyGroup) && parent <= self,
        }
    }
}

/// An organisation code (组织编码): what rosters use to refer to an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OrgCode(String);

impl OrgCode {
    /// Letters, digits, `-`, `_` and `.`, at most 64 characters, after normalisation.
    pub fn parse(input: &str) -> Option<OrgCode> {
        let s = normalise(input);
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        ok.then_some(OrgCode(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for OrgCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A materialized path of organisation ids from the root, `/1/5/23/`. Everything under an
/// organisation is the byte range [`TreePath::subtree_range`], one index range scan at any
/// depth.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TreePath(String);

impl TreePath {
    pub fn root(id: i64) -> TreePath {
        TreePath(format!("/{id}/"))
    }

    pub fn child(&self, id: i64) -> TreePath {
        TreePath(format!("{}{id}/", self.0))
    }

    pub fn from_stored(s: String) -> TreePath {
        TreePath(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Number of ids on the path: a root has depth 1.
    pub fn depth(&self) -> usize {
        self.0.matches('/').count().saturating_sub(1)
    }

    /// `[start, end)` such that a path lies in the subtree (itself included) exactly when
    /// `start <= path < end` in byte order. The end replaces the trailing `/` by the next
    /// byte, `0`.
    pub fn subtree_range(&self) -> (String, String) {
        let mut end = self.0.clone();
        end.pop();
        end.push('0');
        (self.0.clone(), end)
    }

    pub fn contains(&self, other: &TreePath) -> bool {
        other.0.starts_with(&self.0)
    }

    /// The ids along the path, root first.
    pub fn ids(&self) -> Vec<i64> {
        self.0
            .split('/')
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse().ok())
            .collect()
    }
}

/// Why a move of a subtree is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveError {
    /// The new parent is the organisation itself or one of its descendants.
    Cycle,
}

/// Checks a move of the subtree at `moving` under `new_parent` and returns the new path of
/// the moved organisation.
pub fn plan_move(moving: &TreePath, new_parent: &TreePath) -> Result<TreePath, MoveError> {
    if moving.contains(new_parent) {
        return Err(MoveError::Cycle);
    }
    let id = *moving.ids().last().expect("a stored path is never empty");
    Ok(new_parent.child(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_party_group_sits_under_a_committee_and_keeps_nothing_below() {
        use OrgKind::*;
        assert_eq!(OrgKind::parse("党组"), Some(PartyGroup));
        assert!(PartyGroup.may_sit_under(CountyCommittee));
        assert!(!PartyGroup.may_sit_under(Committee));
        assert!(!Branch.may_sit_under(PartyGroup));
        assert!(!Committee.may_sit_under(PartyGroup));
        assert!(!PartyGroup.holds_members());
        assert_eq!(
            crate::roster::kind_from_name("县人民政府党组"),
            Some(PartyGroup)
        );
    }

    #[test]
    fn kinds_parse_from_chinese_and_identifiers() {
        assert_eq!(OrgKind::parse("党支部"), Some(OrgKind::Branch));
        assert_eq!(OrgKind::parse(" 党总支 "), Some(OrgKind::GeneralBranch));
        assert_eq!(
            OrgKind::parse("县（市、区）委"),
            Some(OrgKind::CountyCommittee)
        );
        assert_eq!(OrgKind::parse("branch"), Some(OrgKind::Branch));
        assert_eq!(OrgKind::parse("居委会"), None);
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse(k.as_str()), Some(k));
            assert_eq!(OrgKind::parse(k.name_zh()), Some(k));
        }
    }

    #[test]
    fn nesting_rules() {
        assert!(OrgKind::Branch.may_sit_under(OrgKind::Committee));
        assert!(OrgKind::Branch.may_sit_under(OrgKind::GeneralBranch));
        assert!(!OrgKind::Branch.may_sit_under(OrgKind::Branch));
        assert!(!OrgKind::Committee.may_sit_under(OrgKind::Branch));
        assert!(!OrgKind::CountyCommittee.may_sit_under(OrgKind::Committee));
        assert!(OrgKind::Committee.may_sit_under(OrgKind::Committee));
        assert!(!OrgKind::CityCommittee.may_sit_under(OrgKind::CityCommittee));
    }

    #[test]
    fn codes() {
        assert_eq!(OrgCode::parse(" ＪＦ００１ ").unwrap().as_str(), "JF001");
        assert!(OrgCode::parse("a b").is_none());
        assert!(OrgCode::parse("").is_none());
        assert!(OrgCode::parse("组织1").is_none());
    }

    #[test]
    fn subtree_range_excludes_ids_sharing_a_prefix() {
        let p = TreePath::root(1).child(5);
        let (lo, hi) = p.subtree_range();
        let inside = p.child(23);
        let sibling = TreePath::root(1).child(50);
        assert!(lo.as_str() <= inside.as_str() && inside.as_str() < hi.as_str());
        assert!(!(lo.as_str() <= sibling.as_str() && sibling.as_str() < hi.as_str()));
        assert_eq!(p.depth(), 2);
    }

    #[test]
    fn moves_refuse_cycles() {
        let a = TreePath::root(1).child(2);
        let below = a.child(3);
        assert_eq!(plan_move(&a, &below), Err(MoveError::Cycle));
        assert_eq!(plan_move(&a, &a), Err(MoveError::Cycle));
        let other = TreePath::root(1).child(4);
        let new_a = plan_move(&a, &other).unwrap();
        assert_eq!(new_a.as_str(), "/1/4/2/");
    }

    proptest! {
        /// The byte range and the prefix test agree for any two paths.
        #[test]
        fn range_matches_prefix(a in proptest::collection::vec(1i64..200, 1..5),
                                b in proptest::collection::vec(1i64..200, 1..6)) {
            let build = |ids: &[i64]| ids[1..].iter().fold(TreePath::root(ids[0]), |p, &i| p.child(i));
            let (pa, pb) = (build(&a), build(&b));
            let (lo, hi) = pa.subtree_range();
            let in_range = lo.as_str() <= pb.as_str() && pb.as_str() < hi.as_str();
            prop_assert_eq!(in_range, pa.contains(&pb));
        }
    }
}
