//! The registry (组织与成员): the organisation tree, Party members, and county-level
//! leadership teams with their cadres. Reads through [`crate::Registry`]
//! (`store.registry()`), writes through [`crate::WriteTx`].

mod member_changes;
mod members;
mod orgs;
mod posts;
mod teams;

pub use member_changes::{DuplicateMember, Transfer};
pub use members::{Leaving, MemberRecord, MemberUpsert, PreparedMember, UpsertOutcome};
pub use orgs::{NewOrg, OrgRecord, OrgUpdate};
pub use teams::{CadreRecord, NewCadre, TeamRecord};
