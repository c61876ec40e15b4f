//! Ranking tables (排名表) as the API, the web pages and the Excel export show them: one
//! query, one row shape, so that the three always agree.

mod excel;
mod overview;
mod stage;
mod subject;
mod table;

pub use excel::*;
pub use overview::*;
pub use stage::*;
pub use subject::*;
pub use table::*;

use xianfeng_domain::i18n::{Lang, t};

/// A part of a score (`activity`, …) by its name in `lang`.
pub fn part_name(lang: Lang, part: &str) -> String {
    t(lang, &format!("scores.part_{part}"), &[])
}

/// The mark beside a score that rests on one part alone: 仅凭学习服务一项.
pub fn only_part_mark(lang: Lang, part: &str) -> String {
    t(
        lang,
        "scores.only_part",
        &[("part", &part_name(lang, part))],
    )
}

/// The sentence on a subject's page whose score rests on one part alone.
pub fn only_part_note(lang: Lang, part: &str) -> String {
    t(
        lang,
        "scores.only_part_note",
        &[("part", &part_name(lang, part))],
    )
}
