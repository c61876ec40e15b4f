//! The campaign a reader picks on the public board, the notices and the rankings
//! (`?campaign=ID`; by default the one in use): a small form that needs no JavaScript,
//! shown only when there is more than one campaign to pick.

use serde::Deserialize;
use xianfeng_app::AppError;
use xianfeng_storage::{Store, StoredCampaign};

use crate::kernel::text::Text;

/// `?campaign=ID`; anything but a number reads as the campaign in use.
#[derive(Debug, Default, Deserialize)]
pub struct CampaignQuery {
    #[serde(default)]
    campaign: Option<String>,
}

impl CampaignQuery {
    pub fn id(&self) -> Option<i64> {
        self.campaign.as_deref().and_then(|c| c.trim().parse().ok())
    }
}

/// The picker as a page shows it.
pub struct CampaignPicker {
    /// The campaign shown, in the reader's language.
    pub name: String,
    pub picked: i64,
    /// Whether the one shown is over: read-only, nothing overdue.
    pub closed: bool,
    /// Every campaign to pick (none when there is only one): (id, name, status).
    pub options: Vec<(i64, String, String)>,
}

impl CampaignPicker {
    pub async fn new(
        store: &Store,
        tx: &Text,
        picked: &StoredCampaign,
    ) -> Result<CampaignPicker, AppError> {
        let all = xianfeng_app::campaigns::browsable(store).await?;
        let options = if all.len() > 1 {
            all.iter()
                .map(|c| (c.id, tx.term(&c.name), tx.say(&c.status.name())))
                .collect()
        } else {
            vec![]
        };
        Ok(CampaignPicker {
            name: tx.term(&picked.name),
            picked: picked.id,
            closed: picked.status != xianfeng_domain::campaign::CampaignStatus::Running,
            options,
        })
    }
}
