//! The registry (组织与成员): the organisation tree, Party members, and county-level
//! leadership teams with their cadres. Reads through [`crate::Registry`]
//! (`store.registry()`), writes through [`crate::WriteTx`].

mod members;
mod orgs;
mod teams;

pub use members::{MemberRecord, MemberUpsert, PreparedMember, UpsertOutcome};
pub use orgs::{NewOrg, OrgRecord, OrgUpdate};
pub use teams::{CadreRecord, NewCadre, TeamRecord};
