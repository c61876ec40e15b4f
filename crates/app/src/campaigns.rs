//! Campaigns (活动): storing a new campaign from its file.

use xianfeng_domain::campaign::Campaign;
use xianfeng_storage::Store;

use crate::AppError;

/// Stores `campaign` (checked, from `text`) as the campaign in use.
pub async fn create(
    store: &Store,
    actor: &str,
    campaign: &Campaign,
    text: &str,
) -> Result<(), AppError> {
    let mut tx = store.begin(actor).await?;
    tx.create_campaign(campaign, text, false).await?;
    tx.commit().await?;
    Ok(())
}
