//! Scores and rankings (计分排名): every subject's score per period, made from its inputs by
//! `domain::scoring`, ranked among the peers a query selects (横向比位次) and against the
//! previous period (纵向比增幅).
//!
//! An open period is scored from the database's inputs and kept in memory as a
//! [`PeriodBoard`]: a few flat arrays per subject kind, so that a city of a million members
//! fits in a few hundred megabytes and a ranking is a filter and a sort. A new review,
//! ballot or self-assessment updates the scores of its subject alone ([`Scores::refresh`]);
//! the rest (hours, indicators, commitments) shows at the next full recompute. A closed
//! period is read from its snapshot and never recomputed from today's inputs.

mod board;
mod build;
mod cache;
mod keeper;
mod periods;
mod rank;

pub use board::*;
pub use build::*;
pub use cache::*;
pub use keeper::{keep_current, refresh_lag};
pub use periods::*;
pub use rank::*;
