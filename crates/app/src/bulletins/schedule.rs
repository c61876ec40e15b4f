//! Progress bulletins that draft themselves (定期通报): each month on its first working
//! day, or when a period closes, for a scope. The job runs inside every `serve`; a run is
//! taken in the transaction that stores its draft, under a key all servers share, so that
//! however many servers run the job each run drafts once.

use std::sync::Weak;
use std::time::Duration;

use chrono::NaiveDate;
use xianfeng_domain::bulletin::BulletinKind;
use xianfeng_domain::bulletin_schedule::{DueRun, ScheduleRule, due_runs};
use xianfeng_domain::policy::Action;
use xianfeng_storage::{NewBulletin, ScheduleRecord, Store};

use super::{About, compose, gather};
use crate::AppError;
use crate::actor::Who;
use crate::scores::Scores;

/// Sets a progress bulletin of `scope` to draft itself by `rule`, from `today` on.
pub async fn create(
    store: &Store,
    who: Who<'_>,
    scope: &str,
    rule: ScheduleRule,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let org = crate::scope::org_for(store, who.principal, scope, Action::WriteBulletins).await?;
    let (campaign_id, _) = crate::scope::campaign(store).await?;
    let mut tx = store.begin(who.username).await?;
    let id = tx.create_schedule(campaign_id, org.id, rule, today).await?;
    tx.commit().await?;
    Ok(id)
}

/// The schedules `who` may see (of scopes it writes bulletins for).
pub async fn list(store: &Store, who: Who<'_>) -> Result<Vec<ScheduleRecord>, AppError> {
    let (campaign_id, _) = crate::scope::campaign(store).await?;
    let mut out = vec![];
    for s in store.bulletins().schedules(campaign_id).await? {
        if crate::scope::org_for(store, who.principal, &s.scope_code, Action::WriteBulletins)
            .await
            .is_ok()
        {
            out.push(s);
        }
    }
    Ok(out)
}

/// Stops a schedule.
pub async fn stop(store: &Store, who: Who<'_>, id: i64) -> Result<(), AppError> {
    let s = list(store, who)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(AppError::NotFound)?;
    let mut tx = store.begin(who.username).await?;
    tx.stop_schedule(s.id).await?;
    tx.commit().await?;
    Ok(())
}

/// Drafts every run due `today` that no server has taken yet; returns the drafts made here.
pub async fn run_due(
    store: &Store,
    scores: &Scores,
    today: NaiveDate,
) -> Result<Vec<i64>, AppError> {
    let Some((stored, _)) = store.campaigns().in_use().await? else {
        return Ok(vec![]);
    };
    let schedules = store.bulletins().schedules(stored.id).await?;
    if !schedules.iter().any(|s| s.active) {
        return Ok(vec![]);
    }
    let calendar = crate::calendar::load(store).await?;
    let closed: Vec<(String, NaiveDate)> = store
        .scores()
        .closures(stored.id)
        .await?
        .into_iter()
        .filter_map(|c| {
            // The day it closed, Beijing time.
            let day =
                chrono::DateTime::from_timestamp_millis(c.closed_at + 8 * 3_600_000)?.date_naive();
            Some((c.period, day))
        })
        .collect();
    let mut made = vec![];
    for s in schedules.iter().filter(|s| s.active) {
        for run in due_runs(s.rule, s.starts_on, today, &calendar, &closed) {
            // Refused for another server's work at the same moment: run again, when the
            // other server's draft is seen as taken.
            let drafted =
                crate::retry::again(|| draft_run(store, scores, s, stored.id, &run, today)).await?;
            made.extend(drafted);
        }
    }
    Ok(made)
}

/// Drafts `run` of `s` unless a server has taken it; the draft's id when made here.
async fn draft_run(
    store: &Store,
    scores: &Scores,
    s: &ScheduleRecord,
    campaign_id: i64,
    run: &DueRun,
    today: NaiveDate,
) -> Result<Option<i64>, AppError> {
    // Most minutes every run is taken: a read, not a draft's gathering.
    if store.bulletins().run_taken(s.id, &run.key).await? {
        return Ok(None);
    }
    // The schedule's maker drafts; the scope was checked when it was made.
    let who = Who {
        username: &s.created_by,
        principal: None,
    };
    let about = About {
        kind: BulletinKind::Progress,
        scope: &s.scope_code,
        period: run.period.as_deref(),
        plan: None,
    };
    let (org, g) = gather(store, scores, who, about, today).await?;
    let (title, body) = compose(&g)?;
    let new = NewBulletin {
        campaign_id,
        kind: BulletinKind::Progress,
        scope_org_id: org.id,
        period: g.period,
        subject_ref: None,
        title,
        body,
        figures: g.figures,
        tables: g.tables,
        corrects_id: None,
    };
    let mut tx = store.begin(&s.created_by).await?;
    let id = tx.create_bulletin(&new).await?;
    if tx.take_run(s.id, &run.key, id).await? {
        tx.commit().await?;
        return Ok(Some(id));
    }
    // Taken by another server meanwhile: this draft is dropped with the transaction.
    Ok(None)
}

/// Runs due schedules once a minute while `scores` lives (the server's).
pub fn keep_running(store: Store, scores: Weak<Scores>, today: fn() -> NaiveDate) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            let Some(scores) = scores.upgrade() else {
                break;
            };
            match run_due(&store, &scores, today()).await {
                Ok(made) if !made.is_empty() => {
                    tracing::info!("scheduled bulletins drafted: {made:?}");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("scheduled bulletins: {e}"),
            }
        }
    });
}
