//! Stage summaries sent up the tree (阶段总结): a branch or committee writes its summary on
//! a short form pre-filled with its own figures, and its good practices; the committee above
//! sees who has and has not sent one, and picks good practices into its own stage summary.

use chrono::NaiveDate;
use xianfeng_domain::bulletin::fill;
use xianfeng_domain::bulletin_outline::{word, words};
use xianfeng_domain::i18n::Message;
use xianfeng_domain::policy::Action;
use xianfeng_storage::{NewStageReport, OrgRecord, StageReport, Store};

use crate::AppError;
use crate::actor::Who;
use crate::figures::Over;
use crate::scores::Scores;

/// The most characters of a summary or of its good practices.
pub const MAX_TEXT: usize = 5_000;

/// An organisation's report form: its report as sent, or the text pre-filled from its own
/// figures.
pub struct ReportForm {
    pub org: OrgRecord,
    pub stage: String,
    pub stage_name: String,
    pub sent: Option<StageReport>,
    pub summary: String,
    pub practices: String,
}

/// The stage `code` of the campaign in use, checked: (code, name).
fn stage_of(
    campaign: &xianfeng_domain::campaign::Campaign,
    code: &str,
) -> Result<String, AppError> {
    crate::figures::stage_span(campaign, code).map(|(s, _)| s.name)
}

/// The form for `code`'s report of `stage`, for who writes the organisation's plan.
pub async fn form(
    store: &Store,
    scores: &Scores,
    who: Who<'_>,
    code: &str,
    stage: &str,
    today: NaiveDate,
) -> Result<ReportForm, AppError> {
    let org = crate::scope::org_for(store, who.principal, code, Action::WritePlan).await?;
    let (campaign_id, campaign) = crate::scope::campaign(store).await?;
    let stage_name = stage_of(&campaign, stage)?;
    let sent = store
        .bulletins()
        .stage_report(campaign_id, stage, org.id)
        .await?;
    let (summary, practices) = match &sent {
        Some(r) => (r.summary.clone(), r.practices.clone()),
        None => {
            let figures = own_figures(store, scores, &org, stage, today).await?;
            let text = fill(&words().report_prefill, &figures).unwrap_or_default();
            (text, String::new())
        }
    };
    Ok(ReportForm {
        org,
        stage: stage.to_string(),
        stage_name,
        sent,
        summary,
        practices,
    })
}

/// The organisation's own figures over the stage, as its stage summary would quote them.
async fn own_figures(
    store: &Store,
    scores: &Scores,
    org: &OrgRecord,
    stage: &str,
    today: NaiveDate,
) -> Result<xianfeng_domain::bulletin::Figures, AppError> {
    // Gathered as the operator: the form's reader was checked against the organisation.
    let g = super::progress::gather(
        store,
        scores,
        Who::operator(),
        org,
        Over::Stage(stage),
        &[],
        today,
    )
    .await?;
    Ok(g.figures)
}

/// A report as its form sends it.
pub struct ReportInput<'a> {
    pub code: &'a str,
    pub stage: &'a str,
    pub summary: &'a str,
    pub practices: &'a str,
}

/// Sends (or sends again) an organisation's report of a stage.
pub async fn send(
    store: &Store,
    scores: &Scores,
    who: Who<'_>,
    input: &ReportInput<'_>,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let ReportInput {
        code,
        stage,
        summary,
        practices,
    } = *input;
    let org = crate::scope::org_for(store, who.principal, code, Action::WritePlan).await?;
    let (campaign_id, campaign) = crate::scope::campaign(store).await?;
    stage_of(&campaign, stage)?;
    let summary = summary.trim();
    let practices = practices.trim();
    if summary.is_empty() || summary.chars().count() > MAX_TEXT {
        return Err(AppError::Input(Message::of(
            "bulletin.report_summary",
            &[("max", &MAX_TEXT)],
        )));
    }
    if practices.chars().count() > MAX_TEXT {
        return Err(AppError::Input(Message::of(
            "bulletin.report_practices",
            &[("max", &MAX_TEXT)],
        )));
    }
    let figures = own_figures(store, scores, &org, stage, today).await?;
    let mut tx = store.begin(who.username).await?;
    let id = tx
        .send_stage_report(&NewStageReport {
            campaign_id,
            org_id: org.id,
            stage: stage.to_string(),
            summary: summary.to_string(),
            practices: practices.to_string(),
            figures,
        })
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// One organisation below as the committee above sees it: its report, if sent, and
/// whether its good practices are picked.
pub struct Below {
    pub code: String,
    pub name: String,
    pub report: Option<StageReport>,
    pub picked: bool,
}

/// The organisations one level below `code` with their reports of `stage`, for who writes
/// `code`'s bulletins.
pub async fn below(
    store: &Store,
    who: Who<'_>,
    code: &str,
    stage: &str,
) -> Result<Vec<Below>, AppError> {
    let org = crate::scope::org_for(store, who.principal, code, Action::WriteBulletins).await?;
    let (campaign_id, campaign) = crate::scope::campaign(store).await?;
    stage_of(&campaign, stage)?;
    let reports = store
        .bulletins()
        .stage_reports_under(campaign_id, stage, &org.tree_path())
        .await?;
    let picks = store.bulletins().picks(org.id).await?;
    Ok(store
        .registry()
        .children(org.id)
        .await?
        .into_iter()
        .map(|c| {
            let report = reports.iter().find(|r| r.org_id == c.id).cloned();
            Below {
                picked: report.as_ref().is_some_and(|r| picks.contains(&r.id)),
                code: c.code,
                name: c.name,
                report,
            }
        })
        .collect())
}

/// Picks (or unpicks) a report's good practices into `code`'s stage summary.
pub async fn pick(
    store: &Store,
    who: Who<'_>,
    code: &str,
    report: i64,
    pick: bool,
) -> Result<(), AppError> {
    let org = crate::scope::org_for(store, who.principal, code, Action::WriteBulletins).await?;
    let r = store
        .bulletins()
        .stage_report_by_id(report)
        .await?
        .ok_or(AppError::NotFound)?;
    let below = store
        .registry()
        .org_by_id(r.org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if below.id == org.id || !org.tree_path().contains(&below.tree_path()) {
        return Err(AppError::NotFound);
    }
    let mut tx = store.begin(who.username).await?;
    tx.pick_report(report, org.id, pick).await?;
    tx.commit().await?;
    Ok(())
}

/// The good practices `org` picked from the reports of `stage` below it, one line each.
pub async fn picked(store: &Store, org: &OrgRecord, stage: &str) -> Result<Vec<String>, AppError> {
    let (campaign_id, _) = crate::scope::campaign(store).await?;
    let picks = store.bulletins().picks(org.id).await?;
    Ok(store
        .bulletins()
        .stage_reports_under(campaign_id, stage, &org.tree_path())
        .await?
        .into_iter()
        .filter(|r| picks.contains(&r.id) && !r.practices.trim().is_empty())
        .map(|r| {
            let text = r.practices.split_whitespace().collect::<Vec<_>>().join(" ");
            word(
                &words().practice_line,
                &[("org", r.org_name), ("text", text)],
            )
        })
        .collect())
}
