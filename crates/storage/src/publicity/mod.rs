//! Publicity (宣传): the model library (先进典型库), good practices (好经验好做法) with the
//! 长效机制 register, and lecture delegations with their sessions, sign-ins and ratings
//! (报告团, 巡回宣讲).

mod lectures;
mod models;
mod practices;

pub use lectures::{
    DelegationRecord, LectureRequest, LectureSession, LectureStats, NewDelegation,
    NewLectureSession, RatingRecord, SpeakerSlot,
};
pub use models::{ModelFile, ModelFilter, ModelRecord, NewModel};
pub use practices::{NewPractice, PracticeRecord, RuleRecord};

/// Binds `$n` placeholders for a list of ids: `$3, $4, $5` from `first` = 3.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}
