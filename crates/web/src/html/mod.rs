//! The pages, one module per feature, named as the feature is named in `app` and
//! `storage`. Each module owns its routes (`router()`); this one merges them.

pub mod accounts;
pub mod bulletins;
pub mod calendar;
pub mod campaigns;
pub mod commitments;
pub mod evaluation;
pub mod guidance;
pub mod import;
pub mod inspections;
pub mod members;
pub mod models;
pub mod plans;
pub mod portal;
pub mod practices;
pub mod records;
pub mod registry;
pub mod reviews;
pub mod scores;
pub mod selection;
pub mod stage_reports;
pub mod standards;
pub mod teams;
pub mod todo;
pub mod tours;

use axum::Router;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(accounts::router())
        .merge(calendar::router())
        .merge(campaigns::router())
        .merge(commitments::router())
        .merge(evaluation::router())
        .merge(guidance::router())
        .merge(inspections::router())
        .merge(bulletins::router())
        .merge(models::router())
        .merge(practices::router())
        .merge(tours::router())
        .merge(stage_reports::router())
        .merge(import::router())
        .merge(members::router())
        .merge(plans::router())
        .merge(portal::router())
        .merge(records::router())
        .merge(registry::router())
        .merge(reviews::router())
        .merge(scores::router())
        .merge(selection::router())
        .merge(teams::router())
        .merge(standards::router())
}
