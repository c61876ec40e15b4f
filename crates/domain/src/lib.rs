//! The domain core of xianfeng (先锋): what a 创先争优 campaign is, in types and rules.
//!
//! Nothing here does I/O, talks to a database or awaits: every function takes values and
//! returns values, so the rules are tested fast and in isolation.

/// Codes (`as_str`) serialised as they are stored: records and the audit trail write a
/// status as its code, whatever the enum's name.
macro_rules! serialize_as_code {
    ($($t:ty),*) => {$(
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    )*};
}

pub mod activation;
pub mod audit;
pub mod auth;
pub mod ballot;
pub mod bulletin;
pub mod bulletin_outline;
pub mod bulletin_schedule;
pub mod calendar;
pub mod campaign;
pub mod commitment;
pub mod dates;
pub mod draw;
pub mod i18n;
pub mod idcard;
pub mod inspection;
pub mod inspector_roster;
pub mod leader_roster;
pub mod lecture;
pub mod media;
pub mod member_changes;
pub mod model_library;
pub mod org;
pub mod org_import;
pub mod person;
pub mod plan;
pub mod policy;
pub mod practice;
pub mod ranking;
pub mod records;
pub mod role;
pub mod roster;
pub mod scoring;
pub mod second_factor;
pub mod selection;
pub mod sheet;
pub mod subject;
pub mod text;
pub mod vocabulary;
