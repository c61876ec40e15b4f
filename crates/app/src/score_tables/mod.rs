//! Ranking tables (排名表) as the API, the web pages and the Excel export show them: one
//! query, one row shape, so that the three always agree.

mod excel;
mod overview;
mod subject;
mod table;

pub use excel::*;
pub use overview::*;
pub use subject::*;
pub use table::*;
