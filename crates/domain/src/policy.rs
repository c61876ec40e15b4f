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
    /// See the members of an organisation: names, gender, member type, position.
    ReadMembers,
    /// See a member's personal data, masked as always (ID number, phone, year of birth,
    /// ethnicity, date joined) and the member's own page (target: the member's
    /// organisation, with the member): those who keep the roster, and a member her own.
    ReadPersonalData,
    /// Create, rename, recategorise or move organisations; import organisation rosters.
    WriteOrganisations,
    /// Add, change or import members.
    WriteMembers,
    /// Create, disable or reset accounts.
    ManageAccounts,
    /// Record the organisation's own set-up: leadership body, implementation plan,
    /// mobilisation meetings (target: the organisation).
    WritePlan,
    /// Approve or return the plans of the organisations below (target: the superior).
    ApprovePlans,
    /// Draft, submit and report progress on commitments (target: the subject's own
    /// organisation; a member only their own).
    WriteCommitments,
    /// Approve, return, publish, close items and evaluate (target: the superior).
    ApproveCommitments,
    /// See commitments that are not public yet (target: the subject's organisation).
    ReadCommitments,
    /// Enter study and service records (target: the member's organisation; a member only
    /// their own).
    WriteRecords,
    /// Write a leader review (领导点评) of a subject assigned to the account.
    WriteReviews,
    /// Assign reviewers to subjects (target: the subject's organisation).
    AssignReviewers,
    /// Create evaluation rounds, issue ballot codes, moderate comments (target: the round's
    /// scope organisation).
    ManageEvaluations,
    /// Close an assessment period, freezing its scores (target: the top of the tree).
    ClosePeriods,
    /// Give a subject's self-assessment (自评) (target: the subject's organisation; a member
    /// only their own).
    WriteSelfAssessment,
    /// Nominate candidates for an honour (推荐), or withdraw them (target: the nominating
    /// organisation).
    Nominate,
    /// Assess, approve or reject nominations, and recommend approved ones on (考核, 审定)
    /// (target: the organisation that decides them).
    DecideNominations,
    /// Put candidates on public notice and commend them (公示, 表彰) (target: the
    /// organisation that decides them): the office's.
    Commend,
    /// Investigate objections and record their findings (异议核实) (target: the
    /// organisation that decides the nomination).
    HandleObjections,
    /// Enter the working-day calendar's days (工作日历) (target: the top of the tree).
    ManageCalendar,
    /// Record a member's disciplinary sanction (党纪处分), and see those recorded (target:
    /// the member's organisation): the office's.
    RecordSanctions,
    /// Copy, edit, start and close campaigns, and open a phase's work early or extend it
    /// (target: the top of the tree): the office's.
    ManageCampaigns,
    /// Write the organisation's own implementing opinions (实施意见) under the city's
    /// campaign, for its subtree (target: the committee): the committees' staff.
    WriteGuidance,
    /// Keep the inspector pool, plan inspections, publish populations, draw, close plans
    /// and decide rectification reports (督查, target: the plan's scope or the inspected
    /// organisation): the office and the committees' staff.
    ManageInspections,
    /// Record findings on an inspection task (target: the inspected organisation, assigned
    /// to the account by the draw): the inspectors drawn.
    RecordFindings,
    /// Report what the organisation did to rectify a finding (整改, target: the inspected
    /// organisation): those who keep it.
    ReportRectification,
    /// Draft, edit and issue bulletins (通报, target: the bulletin's scope): the office and
    /// the committees' staff for their subtree.
    WriteBulletins,
    /// Keep the model library, good practices and lecture tours (宣传: review, edit and
    /// publish entries and practices, build delegations, schedule sessions, moderate
    /// comments; target: the entry's, practice's or host organisation): the office and the
    /// committees' staff for their subtree.
    Publicise,
}

impl Action {
    pub const ALL: [Action; 30] = [
        Action::ReadOrganisation,
        Action::ReadMembers,
        Action::ReadPersonalData,
        Action::WriteOrganisations,
        Action::WriteMembers,
        Action::ManageAccounts,
        Action::WritePlan,
        Action::ApprovePlans,
        Action::WriteCommitments,
        Action::ApproveCommitments,
        Action::ReadCommitments,
        Action::WriteRecords,
        Action::WriteReviews,
        Action::AssignReviewers,
        Action::ManageEvaluations,
        Action::ClosePeriods,
        Action::WriteSelfAssessment,
        Action::Nominate,
        Action::DecideNominations,
        Action::Commend,
        Action::HandleObjections,
        Action::ManageCalendar,
        Action::RecordSanctions,
        Action::ManageCampaigns,
        Action::WriteGuidance,
        Action::ManageInspections,
        Action::RecordFindings,
        Action::ReportRectification,
        Action::WriteBulletins,
        Action::Publicise,
    ];

    fn writes(self) -> bool {
        !matches!(
            self,
            Action::ReadOrganisation
                | Action::ReadMembers
                | Action::ReadPersonalData
                | Action::ReadCommitments
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
    /// The member record of the person behind the account, if linked (a member account
    /// acts on its own commitments and records).
    pub member_id: Option<i64>,
    /// Whether the account has subjects to review (领导点评) assigned, whatever its role.
    pub reviews: bool,
}

/// What is acted on: an organisation, by its place in the tree and its sector.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub path: &'a TreePath,
    pub sector: Option<&'a str>,
    /// The member a record is about (a commitment, a study record), for the rules that let
    /// a member act on their own records only.
    pub member: Option<i64>,
    /// Whether the account is assigned to this subject: to review it (领导点评), or, for an
    /// inspector, to inspect it (督查, by the draw).
    pub assigned: bool,
}

impl<'a> Target<'a> {
    /// An organisation, by its place in the tree and its sector.
    pub fn of(path: &'a TreePath, sector: Option<&'a str>) -> Target<'a> {
        Target {
            path,
            sector,
            member: None,
            assigned: false,
        }
    }

    /// A record about `member`, kept in the organisation at `path`.
    pub fn member(path: &'a TreePath, sector: Option<&'a str>, member: i64) -> Target<'a> {
        Target {
            member: Some(member),
            ..Target::of(path, sector)
        }
    }
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

/// Whether `p` may ever take `action` (somewhere), in its role or in a capacity of the
/// person behind it (her own records as a member, subjects assigned to her to review):
/// whether a menu or home offers the pages of that action at all. Each use is still
/// decided by [`decide`].
pub fn principal_permits(p: &Principal, action: Action) -> bool {
    permits(p.role, action)
        || (p.member_id.is_some() && permits(Role::Member, action))
        || (p.reviews && permits(Role::Reviewer, action))
}

/// Which actions a role may take inside its scope.
fn permits(role: Role, action: Action) -> bool {
    use Action::*;
    match role {
        // The administrator runs the installation: accounts, and reading what is there.
        Role::Admin => matches!(
            action,
            ReadOrganisation | ReadMembers | ReadPersonalData | ReadCommitments | ManageAccounts
        ),
        // Findings are recorded by the inspectors the draw sent, never in their name.
        Role::Office => action != RecordFindings,
        // Closing a period freezes the whole city's scores, and commendation is the city
        // committee's decision: the office's.
        // Committee staff keep their subtree's accounts too (within the roles they may
        // grant: `activation::may_grant`).
        Role::CommitteeStaff => !matches!(
            action,
            ClosePeriods
                | Commend
                | ManageCalendar
                | RecordSanctions
                | ManageCampaigns
                | RecordFindings
        ),
        // A branch secretary keeps the branch: its members, its own set-up, the commitments
        // of the branch and its members (approving the members'), study and service records.
        // The tree, and approving plans, are the committee's.
        Role::Secretary => matches!(
            action,
            ReadOrganisation
                | ReadMembers
                | ReadPersonalData
                | WriteMembers
                | WritePlan
                | WriteCommitments
                | ApproveCommitments
                | ReadCommitments
                | WriteRecords
                | WriteSelfAssessment
                | Nominate
                | ReportRectification
        ),
        // A member writes their own commitment, study records and self-assessment, and sees
        // her own personal data (checked in `decide`).
        Role::Member => matches!(
            action,
            ReadOrganisation
                | ReadMembers
                | ReadPersonalData
                | ReadCommitments
                | WriteCommitments
                | WriteRecords
                | WriteSelfAssessment
        ),
        Role::Reviewer => matches!(
            action,
            ReadOrganisation | ReadMembers | ReadCommitments | WriteReviews
        ),
        Role::Inspector => matches!(
            action,
            ReadOrganisation | ReadMembers | ReadCommitments | RecordFindings
        ),
        Role::SectorGuide => matches!(action, ReadOrganisation | ReadMembers),
    }
}

fn in_scope(p: &Principal, t: &Target) -> bool {
    if p.role == Role::Admin {
        return true;
    }
    // A reviewer's subjects and an inspector's targets are those assigned, wherever they
    // sit.
    if matches!(p.role, Role::Reviewer | Role::Inspector) && t.assigned {
        return true;
    }
    if p.scopes.iter().any(|s| s.contains(t.path)) {
        return true;
    }
    p.role == Role::SectorGuide
        && t.sector
            .is_some_and(|sector| p.sectors.iter().any(|s| s == sector))
}

/// Whether the person behind the account acts on `target` in a capacity her role does not
/// give (one person, one account): anyone linked to a member record acts as a member on her
/// own records, and anyone assigned a subject to review (领导点评) reviews it — a secretary
/// who is also a member or a reviewer signs in once.
fn own_capacity(p: &Principal, action: Action, t: &Target) -> bool {
    use Action::*;
    let own = p.member_id.is_some() && t.member == p.member_id;
    (own && matches!(
        action,
        ReadOrganisation
            | ReadPersonalData
            | ReadCommitments
            | WriteCommitments
            | WriteRecords
            | WriteSelfAssessment
    )) || (t.assigned
        && matches!(
            action,
            ReadOrganisation | ReadMembers | ReadCommitments | WriteReviews
        ))
}

/// Decides whether `p` may do `action` to `target`.
pub fn decide(p: &Principal, action: Action, target: &Target) -> Decision {
    if own_capacity(p, action, target) {
        return Decision::Allow;
    }
    if !in_scope(p, target) {
        return Decision::OutOfScope;
    }
    // Seeing a sector's organisation from outside one's subtree never allows writing.
    let sector_only =
        p.role == Role::SectorGuide && !p.scopes.iter().any(|s| s.contains(target.path));
    if !permits(p.role, action) || (sector_only && action.writes()) {
        return Decision::NotPermitted;
    }
    // A member's own things only: their commitments, records and personal data, never
    // another's.
    if p.role == Role::Member
        && matches!(
            action,
            Action::WriteCommitments
                | Action::WriteRecords
                | Action::WriteSelfAssessment
                | Action::ReadPersonalData
        )
        && (target.member.is_none() || target.member != p.member_id)
    {
        return Decision::NotPermitted;
    }
    // Reviews and findings only of what the account is assigned.
    if matches!(action, Action::WriteReviews | Action::RecordFindings) && !target.assigned {
        return Decision::NotPermitted;
    }
    Decision::Allow
}

/// Whether `p` may take `action` in at least one of the organisations it is assigned to:
/// whether to offer a form at all (each use is still decided on its own target).
pub fn anywhere(p: &Principal, action: Action) -> bool {
    p.scopes
        .iter()
        .any(|path| decide(p, action, &Target::of(path, None)).allowed())
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
            member_id: None,
            reviews: false,
        }
    }

    #[test]
    fn a_subtree_is_in_scope_and_a_sibling_subtree_is_not() {
        let staff = principal(Role::CommitteeStaff, &[&[1, 2]]);
        let below = path(&[1, 2, 7, 9]);
        let sibling = path(&[1, 3, 8]);
        let above = path(&[1]);
        for action in [Action::ReadOrganisation, Action::WriteMembers] {
            assert!(decide(&staff, action, &Target::of(&below, None)).allowed());
            assert_eq!(
                decide(&staff, action, &Target::of(&sibling, None)),
                Decision::OutOfScope
            );
            assert_eq!(
                decide(&staff, action, &Target::of(&above, None)),
                Decision::OutOfScope
            );
        }
        // A prefix of digits is not a parent: /1/2/ does not contain /1/20/.
        let lookalike = path(&[1, 20]);
        assert_eq!(
            decide(
                &staff,
                Action::ReadOrganisation,
                &Target::of(&lookalike, None)
            ),
            Decision::OutOfScope
        );
    }

    #[test]
    fn personal_data_is_for_who_keeps_the_roster_and_for_the_member_herself() {
        let branch = path(&[1, 2, 7]);
        let of = |member: i64| Target {
            member: Some(member),
            ..Target::of(&branch, None)
        };
        for keeper in [
            Role::Admin,
            Role::Office,
            Role::CommitteeStaff,
            Role::Secretary,
        ] {
            let p = principal(keeper, &[&[1, 2, 7]]);
            assert!(
                decide(&p, Action::ReadPersonalData, &of(5)).allowed(),
                "{keeper:?}"
            );
        }
        let mut me = principal(Role::Member, &[&[1, 2, 7]]);
        me.member_id = Some(5);
        assert!(decide(&me, Action::ReadPersonalData, &of(5)).allowed());
        assert_eq!(
            decide(&me, Action::ReadPersonalData, &of(6)),
            Decision::NotPermitted,
            "a colleague's"
        );
        for other in [Role::Reviewer, Role::Inspector, Role::SectorGuide] {
            let p = principal(other, &[&[1, 2, 7]]);
            assert_eq!(
                decide(&p, Action::ReadPersonalData, &of(5)),
                Decision::NotPermitted,
                "{other:?}"
            );
        }
    }

    #[test]
    fn roles_differ_inside_their_scope() {
        let branch = path(&[1, 2, 7]);
        let t = Target::of(&branch, None);
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
        // The office may do everything in its scope but review and record findings: both
        // are by assignment.
        let office = principal(Role::Office, &[&[1]]);
        for action in Action::ALL {
            let want = !matches!(action, Action::WriteReviews | Action::RecordFindings);
            assert_eq!(decide(&office, action, &t).allowed(), want, "{action:?}");
        }
        // Closing a period freezes the city's scores: the office's alone.
        let staff = principal(Role::CommitteeStaff, &[&[1, 2]]);
        assert!(decide(&staff, Action::AssignReviewers, &t).allowed());
        assert_eq!(
            decide(&staff, Action::ClosePeriods, &t),
            Decision::NotPermitted
        );
        // Selection: the branch nominates, the committee assesses and approves, the office
        // puts candidates on notice and commends them.
        assert!(decide(&secretary, Action::Nominate, &t).allowed());
        for action in [
            Action::DecideNominations,
            Action::Commend,
            Action::HandleObjections,
        ] {
            assert_eq!(
                decide(&secretary, action, &t),
                Decision::NotPermitted,
                "{action:?}"
            );
        }
        for action in [
            Action::Nominate,
            Action::DecideNominations,
            Action::HandleObjections,
        ] {
            assert!(decide(&staff, action, &t).allowed(), "{action:?}");
        }
        assert_eq!(decide(&staff, Action::Commend, &t), Decision::NotPermitted);
        assert!(decide(&office, Action::Commend, &t).allowed());
        for action in [Action::ManageCalendar, Action::RecordSanctions] {
            assert_eq!(
                decide(&staff, action, &t),
                Decision::NotPermitted,
                "{action:?} is the office's"
            );
            assert_eq!(decide(&secretary, action, &t), Decision::NotPermitted);
        }
        assert_eq!(
            decide(&member, Action::Nominate, &t),
            Decision::NotPermitted
        );
        let admin = principal(Role::Admin, &[]);
        assert!(decide(&admin, Action::ManageAccounts, &t).allowed());
        assert_eq!(
            decide(&admin, Action::WriteMembers, &t),
            Decision::NotPermitted
        );
    }

    #[test]
    fn one_person_with_one_account_acts_in_each_of_her_capacities() {
        let mut secretary = principal(Role::Secretary, &[&[1, 2]]);
        secretary.member_id = Some(7);
        let elsewhere = path(&[1, 3]);
        // Her own records as a member, wherever they are kept …
        let own = Target::member(&elsewhere, None, 7);
        assert!(decide(&secretary, Action::WriteRecords, &own).allowed());
        assert!(decide(&secretary, Action::ReadPersonalData, &own).allowed());
        // … never another member's outside her branch, nor approving there.
        assert_eq!(
            decide(
                &secretary,
                Action::WriteRecords,
                &Target::member(&elsewhere, None, 8)
            ),
            Decision::OutOfScope
        );
        assert_eq!(
            decide(&secretary, Action::ApproveCommitments, &own),
            Decision::OutOfScope
        );
        // A subject assigned to her to review, and only that.
        let assigned = Target {
            assigned: true,
            ..Target::of(&elsewhere, None)
        };
        assert!(decide(&secretary, Action::WriteReviews, &assigned).allowed());
        assert_eq!(
            decide(
                &secretary,
                Action::WriteReviews,
                &Target::of(&path(&[1, 2, 5]), None)
            ),
            Decision::NotPermitted
        );
        // The menu offers reviews to one who has some assigned, not to every secretary.
        assert!(!principal_permits(&secretary, Action::WriteReviews));
        secretary.reviews = true;
        assert!(principal_permits(&secretary, Action::WriteReviews));
        // An administrator linked to a member keeps her own records too, and nothing more.
        let mut admin = principal(Role::Admin, &[]);
        admin.member_id = Some(9);
        assert!(principal_permits(&admin, Action::WriteRecords));
        assert_eq!(
            decide(
                &admin,
                Action::WriteRecords,
                &Target::member(&elsewhere, None, 8)
            ),
            Decision::NotPermitted
        );
    }

    #[test]
    fn a_sector_guide_reads_its_sector_anywhere_and_writes_nothing() {
        let guide = Principal {
            role: Role::SectorGuide,
            scopes: vec![path(&[1, 5])],
            sectors: vec!["教育".into()],
            member_id: None,
            reviews: false,
        };
        let school = path(&[1, 3, 44]);
        let hospital = path(&[1, 3, 45]);
        let in_sector = Target::of(&school, Some("教育"));
        let other = Target::of(&hospital, Some("卫生"));
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
    fn forms_are_offered_to_whoever_may_act_somewhere() {
        let secretary = principal(Role::Secretary, &[&[1, 2, 7]]);
        assert!(anywhere(&secretary, Action::WriteMembers));
        assert!(!anywhere(&secretary, Action::WriteOrganisations));
        assert!(!anywhere(
            &principal(Role::Office, &[]),
            Action::WriteMembers
        ));
    }

    #[test]
    fn no_role_without_scope_sees_anything_but_the_administrator() {
        let p = path(&[1, 2]);
        let t = Target::of(&p, Some("教育"));
        for role in Role::ALL {
            let nobody = principal(role, &[]);
            let d = decide(&nobody, Action::ReadOrganisation, &t);
            assert_eq!(d.allowed(), role == Role::Admin, "{role:?}");
        }
    }

    #[test]
    fn a_member_acts_on_their_own_commitments_and_records_only() {
        let branch = path(&[1, 2, 7]);
        let mut me = principal(Role::Member, &[&[1, 2, 7]]);
        me.member_id = Some(42);
        for action in [Action::WriteCommitments, Action::WriteRecords] {
            assert!(decide(&me, action, &Target::member(&branch, None, 42)).allowed());
            assert_eq!(
                decide(&me, action, &Target::member(&branch, None, 43)),
                Decision::NotPermitted,
                "another member's"
            );
            assert_eq!(
                decide(&me, action, &Target::of(&branch, None)),
                Decision::NotPermitted,
                "the branch's own"
            );
        }
        assert_eq!(
            decide(
                &me,
                Action::ApproveCommitments,
                &Target::member(&branch, None, 42)
            ),
            Decision::NotPermitted,
            "nobody approves their own"
        );
        // The secretary writes for anyone in the branch and approves members' commitments;
        // the branch's own commitment is approved above it, outside her scope.
        let secretary = principal(Role::Secretary, &[&[1, 2, 7]]);
        assert!(
            decide(
                &secretary,
                Action::WriteCommitments,
                &Target::member(&branch, None, 43)
            )
            .allowed()
        );
        assert!(
            decide(
                &secretary,
                Action::ApproveCommitments,
                &Target::of(&branch, None)
            )
            .allowed()
        );
        let street = path(&[1, 2]);
        assert_eq!(
            decide(
                &secretary,
                Action::ApproveCommitments,
                &Target::of(&street, None)
            ),
            Decision::OutOfScope
        );
        assert_eq!(
            decide(&secretary, Action::ApprovePlans, &Target::of(&branch, None)),
            Decision::NotPermitted
        );
    }

    #[test]
    fn a_reviewer_reviews_what_is_assigned_wherever_it_sits_and_nothing_else() {
        let reviewer = principal(Role::Reviewer, &[&[1, 9]]);
        let elsewhere = path(&[1, 2, 7]);
        let assigned = Target {
            assigned: true,
            ..Target::of(&elsewhere, None)
        };
        assert!(decide(&reviewer, Action::WriteReviews, &assigned).allowed());
        assert!(decide(&reviewer, Action::ReadCommitments, &assigned).allowed());
        assert_eq!(
            decide(
                &reviewer,
                Action::WriteReviews,
                &Target::of(&elsewhere, None)
            ),
            Decision::OutOfScope
        );
        let own = path(&[1, 9, 3]);
        assert_eq!(
            decide(&reviewer, Action::WriteReviews, &Target::of(&own, None)),
            Decision::NotPermitted,
            "in scope but not assigned"
        );
        let office = principal(Role::Office, &[&[1]]);
        assert_eq!(
            decide(&office, Action::WriteReviews, &Target::of(&own, None)),
            Decision::NotPermitted
        );
    }

    #[test]
    fn an_inspector_records_findings_only_on_targets_drawn_for_it_and_the_target_reports_rectification()
     {
        let inspector = principal(Role::Inspector, &[&[1, 9]]);
        let elsewhere = path(&[1, 2, 7]);
        let drawn = Target {
            assigned: true,
            ..Target::of(&elsewhere, None)
        };
        assert!(decide(&inspector, Action::RecordFindings, &drawn).allowed());
        assert!(decide(&inspector, Action::ReadCommitments, &drawn).allowed());
        assert_eq!(
            decide(
                &inspector,
                Action::RecordFindings,
                &Target::of(&elsewhere, None)
            ),
            Decision::OutOfScope
        );
        let home = path(&[1, 9, 3]);
        assert_eq!(
            decide(&inspector, Action::RecordFindings, &Target::of(&home, None)),
            Decision::NotPermitted,
            "in its home subtree but not drawn"
        );
        assert!(!decide(&inspector, Action::ManageInspections, &drawn).allowed());
        assert!(!decide(&inspector, Action::ReportRectification, &drawn).allowed());

        let secretary = principal(Role::Secretary, &[&[1, 2, 7]]);
        assert!(
            decide(
                &secretary,
                Action::ReportRectification,
                &Target::of(&elsewhere, None)
            )
            .allowed()
        );
        assert!(
            !decide(
                &secretary,
                Action::ManageInspections,
                &Target::of(&elsewhere, None)
            )
            .allowed()
        );
        let staff = principal(Role::CommitteeStaff, &[&[1, 2]]);
        assert!(
            decide(
                &staff,
                Action::ManageInspections,
                &Target::of(&elsewhere, None)
            )
            .allowed()
        );
        assert_eq!(
            decide(&staff, Action::ManageInspections, &Target::of(&home, None)),
            Decision::OutOfScope
        );
    }
}
