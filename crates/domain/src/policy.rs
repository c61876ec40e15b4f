//! The one authorisation policy (权限): role × organisation scope × action. Every read and
//! write of campaign data asks [`decide`]; handlers never decide on their own.
//!
//! Scope is always subtrees: an account assigned to organisations may act on those and
//! everything under them. A sector guide (市直有关部门) instead reads the organisations of
//! its sector (行业) anywhere in the tree, and writes nothing.

use crate::org::TreePath;
use crate::role::Role;

/// What someone wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See an organisation, its children and counts.
    ReadOrganisation,
    /// See the members of an organisation (personal data masked).
    ReadMembers,
    /// Create, rename, recategorise or move organisations; import organisation rosters.
    WriteOrganisations,
    /// Add, change or import members.
    WriteMembers,
    /// Create, disable or reset accounts.
    ManageAccounts,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::ReadOrganisation,
        Action::ReadMembers,
        Action::WriteOrganisations,
        Action::WriteMembers,
        Action::ManageAccounts,
    ];

    fn writes(self) -> bool {
        matches!(
            self,
            Action::WriteOrganisations | Action::WriteMembers | Action::ManageAccounts
        )
    }
}

/// Who is asking: an account's role, the organisations it is assigned to (as paths) and
/// the sectors of those organisations.
#[derive(Debug, Clone)]
pub struct Principal {
    pub role: Role,
    pub scopes: Vec<TreePath>,
    pub sectors: Vec<String>,
}

/// What is acted on: an organisation, by its place in the tree and its sector.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub path: &'a TreePath,
    pub sector: Option<&'a str>,
}

/// The answer, with the reason for a refusal (for logs and the audit of refused attempts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// The target lies outside everything the account may see: answer "not found", so that
    /// nobody learns what exists elsewhere.
    OutOfScope,
    /// The target is visible but the role may not do this to it: answer "forbidden".
    NotPermitted,
}

impl Decision {
    pub fn allowed(self) -> bool {
        self == Decision::Allow
    }
}

/// Which actions a role may take inside its scope.
fn permits(role: Role, action: Action) -> bool {
    use Action::*;
    match role {
        // The administrator runs the installation: accounts, and reading what is there.
        Role::Admin => matches!(action, ReadOrganisation | ReadMembers | ManageAccounts),
        Role::Office => true,
        Role::CommitteeStaff => !matches!(action, ManageAccounts),
        // A branch secretary keeps the branch's members; the tree is the committee's.
        Role::Secretary => matches!(action, ReadOrganisation | ReadMembers | WriteMembers),
        Role::Member | Role::Reviewer | Role::Inspector | Role::SectorGuide => {
            matches!(action, ReadOrganisation | ReadMembers)
        }
    }
}

fn in_scope(p: &Principal, t: &Target) -> bool {
    if p.role == Role::Admin {
        return true;
    }
    if p.scopes.iter().any(|s| s.contains(t.path)) {
        return true;
    }
    p.role == Role::SectorGuide
        && t.sector
            .is_some_and(|sector| p.sectors.iter().any(|s| s == sector))
}

/// Decides whether `p` may do `action` to `target`.
pub fn decide(p: &Principal, action: Action, target: &Target) -> Decision {
    if !in_scope(p, target) {
        return Decision::OutOfScope;
    }
    // Seeing a sector's organisation from outside one's subtree never allows writing.
    let sector_only =
        p.role == Role::SectorGuide && !p.scopes.iter().any(|s| s.contains(target.path));
    if !permits(p.role, action) || (sector_only && action.writes()) {
        return Decision::NotPermitted;
    }
    Decision::Allow
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(ids: &[i64]) -> TreePath {
        ids[1..]
            .iter()
            .fold(TreePath::root(ids[0]), |p, &i| p.child(i))
    }

    fn principal(role: Role, scopes: &[&[i64]]) -> Principal {
        Principal {
            role,
            scopes: scopes.iter().map(|s| path(s)).collect(),
            sectors: vec![],
        }
    }

    #[test]
    fn a_subtree_is_in_scope_and_a_sibling_subtree_is_not() {
        let staff = principal(Role::CommitteeStaff, &[&[1, 2]]);
        let below = path(&[1, 2, 7, 9]);
        let sibling = path(&[1, 3, 8]);
        let above = path(&[1]);
        for action in [Action::ReadOrganisation, Action::WriteMembers] {
            assert!(
                decide(
                    &staff,
                    action,
                    &Target {
                        path: &below,
                        sector: None
                    }
                )
                .allowed()
            );
            assert_eq!(
                decide(
                    &staff,
                    action,
                    &Target {
                        path: &sibling,
                        sector: None
                    }
                ),
                Decision::OutOfScope
            );
            assert_eq!(
                decide(
                    &staff,
                    action,
                    &Target {
                        path: &above,
                        sector: None
                    }
                ),
                Decision::OutOfScope
            );
        }
        // A prefix of digits is not a parent: /1/2/ does not contain /1/20/.
        let lookalike = path(&[1, 20]);
        assert_eq!(
            decide(
                &staff,
                Action::ReadOrganisation,
                &Target {
                    path: &lookalike,
                    sector: None
                }
            ),
            Decision::OutOfScope
        );
    }

    #[test]
    fn roles_differ_inside_their_scope() {
        let branch = path(&[1, 2, 7]);
        let t = Target {
            path: &branch,
            sector: None,
        };
        let secretary = principal(Role::Secretary, &[&[1, 2, 7]]);
        assert!(decide(&secretary, Action::WriteMembers, &t).allowed());
        assert_eq!(
            decide(&secretary, Action::WriteOrganisations, &t),
            Decision::NotPermitted
        );
        let member = principal(Role::Member, &[&[1, 2, 7]]);
        assert!(decide(&member, Action::ReadMembers, &t).allowed());
        for action in [
            Action::WriteMembers,
            Action::WriteOrganisations,
            Action::ManageAccounts,
        ] {
            assert_eq!(decide(&member, action, &t), Decision::NotPermitted);
        }
        let office = principal(Role::Office, &[&[1]]);
        for action in Action::ALL {
            assert!(decide(&office, action, &t).allowed(), "{action:?}");
        }
        let admin = principal(Role::Admin, &[]);
        assert!(decide(&admin, Action::ManageAccounts, &t).allowed());
        assert_eq!(
            decide(&admin, Action::WriteMembers, &t),
            Decision::NotPermitted
        );
    }

    #[test]
    fn a_sector_guide_reads_its_sector_anywhere_and_writes_nothing() {
        let guide = Principal {
            role: Role::SectorGuide,
            scopes: vec![path(&[1, 5])],
            sectors: vec!["教育".into()],
        };
        let school = path(&[1, 3, 44]);
        let hospital = path(&[1, 3, 45]);
        let in_sector = Target {
            path: &school,
            sector: Some("教育"),
        };
        let other = Target {
            path: &hospital,
            sector: Some("卫生"),
        };
        assert!(decide(&guide, Action::ReadMembers, &in_sector).allowed());
        assert_eq!(
            decide(&guide, Action::WriteMembers, &in_sector),
            Decision::NotPermitted
        );
        assert_eq!(
            decide(&guide, Action::ReadOrganisation, &other),
            Decision::OutOfScope
        );
    }

    #[test]
    fn no_role_without_scope_sees_anything_but_the_administrator() {
        let p = path(&[1, 2]);
        let t = Target {
            path: &p,
            sector: Some("教育"),
        };
        for role in Role::ALL {
            let nobody = principal(role, &[]);
            let d = decide(&nobody, Action::ReadOrganisation, &t);
            assert_eq!(d.allowed(), role == Role::Admin, "{role:?}");
        }
    }
}
