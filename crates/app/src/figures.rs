//! Figures for scoring (考核数据) of a subtree and period, for the scoring issue, the CLI
//! (`xianfeng figures`) and the API.

use chrono::NaiveDate;
use xianfeng_domain::campaign::{Campaign, Period};
use xianfeng_domain::i18n::Message;
use xianfeng_domain::policy::Action;
use xianfeng_storage::{Span, Store, SubjectFigures};

use crate::AppError;
use crate::actor::Actor;

/// The period to use when none is named: the one today falls in, else the latest that
/// has begun, else the first.
pub fn default_period(campaign: &Campaign, today: NaiveDate) -> Option<Period> {
    let periods = campaign.periods();
    campaign
        .period_of(today)
        .or_else(|| periods.iter().rev().find(|p| p.starts_on <= today).cloned())
        .or_else(|| periods.first().cloned())
}

/// Every subject's figures in the subtree of `scope` for `period` (or the default one).
/// `actor` is `None` for the operator at the command line.
pub async fn figures(
    store: &Store,
    actor: Option<&Actor<'_>>,
    scope: &str,
    period: Option<&str>,
    today: NaiveDate,
) -> Result<(Period, Vec<SubjectFigures>), AppError> {
    figures_over(store, actor, scope, Over::Period(period), today).await
}

/// What figures are counted over: an assessment period (by default the current one) or a
/// themed stage (主题实践阶段).
#[derive(Debug, Clone, Copy)]
pub enum Over<'a> {
    Period(Option<&'a str>),
    Stage(&'a str),
}

/// A themed stage as a span to count over: its dates, and the periods whose reviews count
/// (every period sharing a day with it).
pub fn stage_span(campaign: &Campaign, code: &str) -> Result<(Period, Vec<String>), AppError> {
    let stage = campaign
        .file
        .stages
        .iter()
        .find(|s| s.code.get_ref() == code)
        .ok_or_else(|| {
            let known: Vec<&str> = campaign
                .file
                .stages
                .iter()
                .map(|s| s.code.get_ref().as_str())
                .collect();
            AppError::Input(Message::of(
                "app.unknown_stage",
                &[("known", &known.join(", "))],
            ))
        })?;
    let (from, to) = stage.dates();
    let periods = campaign
        .periods()
        .into_iter()
        .filter(|p| p.starts_on <= to && from <= p.ends_on)
        .map(|p| p.code)
        .collect();
    Ok((
        Period {
            code: code.to_string(),
            name: stage.name.clone(),
            starts_on: from,
            ends_on: to,
        },
        periods,
    ))
}

/// The subtree of `scope` (for an account that may read its members) and the span of a
/// period or a themed stage.
pub(crate) async fn span_over(
    store: &Store,
    actor: Option<&Actor<'_>>,
    scope: &str,
    over: Over<'_>,
    today: NaiveDate,
) -> Result<(xianfeng_storage::OrgRecord, Period, Span), AppError> {
    let root = crate::scope::org_for(
        store,
        actor.map(|a| a.principal),
        scope,
        Action::ReadMembers,
    )
    .await?;
    let (campaign_id, campaign) = crate::scope::campaign(store).await?;
    if let Over::Stage(code) = over {
        let (stage, periods) = stage_span(&campaign, code)?;
        let mut span = Span::of(campaign_id, &stage, today);
        span.review_periods = periods;
        return Ok((root, stage, span));
    }
    let period = match over {
        Over::Stage(_) => None,
        Over::Period(p) => p,
    };
    let period = match period {
        Some(code) => campaign.period(code).ok_or_else(|| {
            let known: Vec<String> = campaign.periods().into_iter().map(|p| p.code).collect();
            AppError::Input(Message::of(
                "app.unknown_period",
                &[("known", &known.join(", "))],
            ))
        })?,
        None => default_period(&campaign, today)
            .ok_or_else(|| AppError::Input(Message::of("app.no_periods", &[])))?,
    };
    let span = Span::of(campaign_id, &period, today);
    Ok((root, period, span))
}

/// Every subject's figures in the subtree of `scope` over a period or a themed stage.
pub async fn figures_over(
    store: &Store,
    actor: Option<&Actor<'_>>,
    scope: &str,
    over: Over<'_>,
    today: NaiveDate,
) -> Result<(Period, Vec<SubjectFigures>), AppError> {
    let (root, period, span) = span_over(store, actor, scope, over, today).await?;
    let rows = store.scores().figures(&root.tree_path(), &span).await?;
    Ok((period, rows))
}

/// The same figures added up over the subtree, in the database (a bulletin's totals).
pub async fn totals_over(
    store: &Store,
    actor: Option<&Actor<'_>>,
    scope: &str,
    over: Over<'_>,
    today: NaiveDate,
) -> Result<(Period, xianfeng_storage::FigureTotals), AppError> {
    let (root, period, span) = span_over(store, actor, scope, over, today).await?;
    let totals = store
        .scores()
        .figure_totals(&root.tree_path(), &span)
        .await?;
    Ok((period, totals))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_period_is_todays_or_the_latest_begun() {
        let c = Campaign::builtin();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(default_period(&c, d("2011-03-01")).unwrap().code, "2011-h1");
        assert_eq!(default_period(&c, d("2026-11-26")).unwrap().code, "2012-h1");
        assert_eq!(default_period(&c, d("2009-01-01")).unwrap().code, "2010");
    }

    #[test]
    fn a_stage_counts_the_reviews_of_every_period_it_touches() {
        let c = Campaign::builtin();
        let (span, periods) = stage_span(&c, "towards-90th").unwrap();
        assert_eq!(span.starts_on.to_string(), "2010-05-01");
        assert_eq!(span.ends_on.to_string(), "2011-06-30");
        assert_eq!(periods, ["2010", "2011-h1"]);
        let (_, periods) = stage_span(&c, "towards-18th").unwrap();
        assert_eq!(periods, ["2011-h2", "2012-h1"]);
        assert!(stage_span(&c, "nope").is_err());
    }
}
