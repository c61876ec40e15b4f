//! Local implementing opinions (实施意见, 分层次): a committee adds requirements and activity
//! items under the city's campaign and sets its own phase dates inside the city's; its
//! subtree reads the union, each addition marked by whose it is.

use xianfeng_domain::campaign::{LocalRule, may_write_local};
use xianfeng_domain::policy::{Action, Principal};
use xianfeng_storage::{OrgRecord, Store, StoredLocalRule};

use crate::AppError;
use crate::actor::Actor;

/// The committee `code`, if the actor may write its 实施意见 and it is a committee that
/// writes them.
async fn committee(store: &Store, actor: &Actor<'_>, code: &str) -> Result<OrgRecord, AppError> {
    let o =
        crate::scope::org_for(store, Some(actor.principal), code, Action::WriteGuidance).await?;
    may_write_local(o.kind).map_err(AppError::Input)?;
    Ok(o)
}

/// Adds a rule to committee `code`'s 实施意见, checked against the city's campaign.
pub async fn add(
    store: &Store,
    actor: &Actor<'_>,
    code: &str,
    rule: &LocalRule,
) -> Result<i64, AppError> {
    let o = committee(store, actor, code).await?;
    let (campaign_id, campaign) = crate::campaigns::for_records(store).await?;
    campaign.check_local(rule).map_err(AppError::Input)?;
    let mut tx = store.begin(actor.username).await?;
    let id = tx
        .add_local_rule(campaign_id, (o.id, &o.code), rule)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Withdraws rule `id` of committee `code`.
pub async fn withdraw(
    store: &Store,
    actor: &Actor<'_>,
    code: &str,
    id: i64,
) -> Result<(), AppError> {
    let o = committee(store, actor, code).await?;
    crate::campaigns::for_records(store).await?;
    let mut tx = store.begin(actor.username).await?;
    tx.withdraw_local_rule(id, (o.id, &o.code)).await?;
    tx.commit().await?;
    Ok(())
}

/// The rules in force for organisation `o`: its own and those of every committee above it,
/// the highest first.
pub async fn in_force_for(store: &Store, o: &OrgRecord) -> Result<Vec<StoredLocalRule>, AppError> {
    let Some(c) = store.campaigns().current_record().await? else {
        return Ok(vec![]);
    };
    Ok(store.guidance().of_orgs(c.id, &o.tree_path().ids()).await?)
}

/// Every committee's rules in force, for the office: what each county added.
pub async fn overview(
    store: &Store,
    principal: Option<&Principal>,
) -> Result<Vec<StoredLocalRule>, AppError> {
    crate::campaigns::may_manage(store, principal).await?;
    let Some(c) = store.campaigns().current_record().await? else {
        return Ok(vec![]);
    };
    Ok(store.guidance().all(c.id).await?)
}
