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
    let root = crate::scope::org_for(
        store,
        actor.map(|a| a.principal),
        scope,
        Action::ReadMembers,
    )
    .await?;
    let (campaign_id, campaign) = crate::scope::campaign(store).await?;
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
    let rows = store
        .scores()
        .figures(&root.tree_path(), &Span::of(campaign_id, &period, today))
        .await?;
    Ok((period, rows))
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
}
