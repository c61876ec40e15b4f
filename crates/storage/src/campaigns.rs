//! Campaigns (活动): their files and status, the spans the office opened phases' work in,
//! and the categories (分类) they define.

use crate::Campaigns;
use chrono::NaiveDate;
use serde::Serialize;
use std::sync::Arc;
use xianfeng_domain::campaign::{Campaign, CampaignStatus, PhaseWindow};
use xianfeng_domain::i18n::Message;

use crate::row::Row;
use crate::{Result, StoreError, WriteTx, now_ms};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredCampaign {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub is_builtin: bool,
    pub status: CampaignStatus,
}

/// A span the office opened, as stored: the window, why, and who opened it when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredWindow {
    pub id: i64,
    pub window: PhaseWindow,
    pub reason: String,
    pub created_by: String,
    pub created_at: i64,
}

fn status_of(r: &Row<'_>) -> Result<CampaignStatus> {
    r.parsed("status", CampaignStatus::parse)
}

fn stored(r: &sqlx::any::AnyRow) -> Result<StoredCampaign> {
    let r = Row::of(r, "campaigns");
    Ok(StoredCampaign {
        id: r.get("id")?,
        code: r.get("code")?,
        name: r.get("name")?,
        starts_on: r.date("starts_on")?,
        ends_on: r.date("ends_on")?,
        is_builtin: r.get::<i64>("is_builtin")? != 0,
        status: status_of(&r)?,
    })
}

const COLUMNS: &str = "id, code, name, starts_on, ends_on, is_builtin, status";

impl Campaigns<'_> {
    /// The campaign in use: the running one; when none runs, the one closed last (records
    /// are refused, its pages stay browsable). A draft is never in use.
    pub async fn current(self) -> Result<Option<(i64, Arc<Campaign>)>> {
        Ok(self.in_use().await?.map(|(c, file)| (c.id, file)))
    }

    /// The campaign in use with its record (its status) and its file, in one read.
    pub async fn in_use(self) -> Result<Option<(StoredCampaign, Arc<Campaign>)>> {
        let Some(c) = self.current_record().await? else {
            return Ok(None);
        };
        let file = self.file(&c).await?;
        Ok(Some((c, file)))
    }

    /// The record of the campaign in use (see [`Campaigns::current`]).
    pub async fn current_record(self) -> Result<Option<StoredCampaign>> {
        sqlx::query(dynsql!(
            "SELECT {COLUMNS} FROM campaigns WHERE status <> 'draft' \
             ORDER BY CASE WHEN status = 'running' THEN 0 ELSE 1 END, id DESC LIMIT 1"
        ))
        .fetch_optional(self.store.reader())
        .await?
        .as_ref()
        .map(stored)
        .transpose()
    }

    /// One campaign by id, with its parsed file.
    pub async fn by_id(self, id: i64) -> Result<Option<(StoredCampaign, Arc<Campaign>)>> {
        let Some(row) = sqlx::query(dynsql!("SELECT {COLUMNS} FROM campaigns WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.store.reader())
            .await?
        else {
            return Ok(None);
        };
        let c = stored(&row)?;
        let file = self.file(&c).await?;
        Ok(Some((c, file)))
    }

    /// The parsed file of `c`: parsed once unless it is a draft, which may still change.
    async fn file(self, c: &StoredCampaign) -> Result<Arc<Campaign>> {
        if let Some(f) = self.store.campaign.lock().expect("not poisoned").get(&c.id) {
            return Ok(f.clone());
        }
        let source = self.source(c.id).await?;
        let campaign = Arc::new(
            Campaign::load(&c.code, &source)
                .map_err(|e| StoreError::Invalid(Message::verbatim(e.to_string())))?,
        );
        if c.status != CampaignStatus::Draft {
            self.store
                .campaign
                .lock()
                .expect("not poisoned")
                .insert(c.id, campaign.clone());
        }
        Ok(campaign)
    }

    /// The campaign file of campaign `id`, as stored.
    pub async fn source(self, id: i64) -> Result<String> {
        let (source,): (String,) = sqlx::query_as("SELECT source FROM campaigns WHERE id = $1")
            .bind(id)
            .fetch_one(self.store.reader())
            .await?;
        Ok(source)
    }

    /// Every campaign, oldest first.
    pub async fn all(self) -> Result<Vec<StoredCampaign>> {
        sqlx::query(dynsql!("SELECT {COLUMNS} FROM campaigns ORDER BY id"))
            .fetch_all(self.store.reader())
            .await?
            .iter()
            .map(stored)
            .collect()
    }

    /// The spans the office opened in campaign `id`, in the order they were opened.
    pub async fn windows(self, id: i64) -> Result<Vec<StoredWindow>> {
        sqlx::query(
            "SELECT id, phase, starts_on, ends_on, reason, created_by, created_at \
             FROM phase_windows WHERE campaign_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(|r| {
            let r = Row::of(r, "phase_windows");
            Ok(StoredWindow {
                id: r.get("id")?,
                window: PhaseWindow {
                    phase: r.get("phase")?,
                    starts_on: r.date("starts_on")?,
                    ends_on: r.date("ends_on")?,
                },
                reason: r.get("reason")?,
                created_by: r.get("created_by")?,
                created_at: r.get("created_at")?,
            })
        })
        .collect()
    }

    /// All categories known from every campaign: (code, name, English name).
    pub async fn categories(self) -> Result<Vec<(String, String, String)>> {
        Ok(
            sqlx::query_as("SELECT code, name, name_en FROM categories ORDER BY code")
                .fetch_all(self.store.reader())
                .await?,
        )
    }
}

impl WriteTx {
    /// Stores a checked campaign with `status` and registers its categories.
    pub async fn create_campaign(
        &mut self,
        campaign: &Campaign,
        source: &str,
        builtin: bool,
        status: CampaignStatus,
    ) -> Result<i64> {
        if status == CampaignStatus::Running {
            self.close_running().await?;
        }
        let id = self.next_id("campaigns").await?;
        let header = &campaign.file.campaign;
        // The code is the check: the same file sent twice at once through two servers
        // makes one campaign, and the second is told the code is taken (B1).
        let made = sqlx::query(
            "INSERT INTO campaigns (id, code, name, starts_on, ends_on, source, is_builtin, \
             created_at, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (code) DO NOTHING",
        )
        .bind(id)
        .bind(campaign.code().to_string())
        .bind(header.name.clone())
        .bind(campaign.starts_on.to_string())
        .bind(campaign.ends_on.to_string())
        .bind(source.to_string())
        .bind(i64::from(builtin))
        .bind(now_ms())
        .bind(status.as_str())
        .execute(&mut *self.tx)
        .await?;
        if made.rows_affected() == 0 {
            return Err(StoreError::Conflict(Message::of(
                "store.campaign_exists",
                &[("code", &campaign.code())],
            )));
        }
        self.register(id, campaign).await?;
        let after = serde_json::json!({
            "code": campaign.code(), "name": header.name, "status": status,
            "starts_on": campaign.starts_on, "ends_on": campaign.ends_on,
            "standards": campaign.file.standards.len(), "honours": campaign.file.honours.len(),
        });
        self.record::<(), _>(
            "campaign.create",
            "campaign",
            campaign.code(),
            None,
            Some(&after),
        )
        .await?;
        Ok(id)
    }

    /// The periods and categories a campaign's file defines, for the score tables and the
    /// registry (again after a draft is edited).
    async fn register(&mut self, id: i64, campaign: &Campaign) -> Result<()> {
        crate::scores::facts::store_periods(&mut self.tx, id, &campaign.periods()).await?;
        // A category two campaigns bring at once is registered once, by the first (B2).
        for c in &campaign.file.categories {
            sqlx::query(
                "INSERT INTO categories (code, name, name_en) VALUES ($1, $2, $3) \
                 ON CONFLICT (code) DO NOTHING",
            )
            .bind(c.code.get_ref().clone())
            .bind(c.name.clone())
            .bind(c.name_en.clone())
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    /// The campaign `id` locked for this transaction, with its status.
    async fn campaign_for_update(&mut self, id: i64) -> Result<(String, CampaignStatus)> {
        let lock = match self.dialect {
            crate::Dialect::Postgres => " FOR UPDATE",
            crate::Dialect::Sqlite => "",
        };
        let row = sqlx::query(dynsql!(
            "SELECT {COLUMNS} FROM campaigns WHERE id = $1{lock}"
        ))
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(Message::of("store.no_campaign", &[])))?;
        let c = stored(&row)?;
        Ok((c.code, c.status))
    }

    /// Closes the running campaign, if any (audited). Two drafts started at once through
    /// two servers take turns here, so that the later closes the earlier rather than both
    /// closing the one that ran before (B3).
    async fn close_running(&mut self) -> Result<()> {
        self.lock_name("campaigns/running").await?;
        let running: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM campaigns WHERE status = 'running'")
                .fetch_optional(&mut *self.tx)
                .await?;
        if let Some((id,)) = running {
            self.set_status(id, CampaignStatus::Closed).await?;
        }
        Ok(())
    }

    /// Moves campaign `id` to `to`, audited; nothing happens (and nothing is audited) if
    /// another transaction moved it there first.
    async fn set_status(&mut self, id: i64, to: CampaignStatus) -> Result<()> {
        let (code, from) = self.campaign_for_update(id).await?;
        if from == to {
            return Ok(());
        }
        sqlx::query("UPDATE campaigns SET status = $1 WHERE id = $2")
            .bind(to.as_str())
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        let action = match to {
            CampaignStatus::Running => "campaign.start",
            CampaignStatus::Closed => "campaign.close",
            CampaignStatus::Draft => "campaign.reopen",
        };
        self.record(
            action,
            "campaign",
            &code,
            Some(&serde_json::json!({ "status": from })),
            Some(&serde_json::json!({ "status": to })),
        )
        .await
    }

    /// Starts draft `id`: it becomes the campaign in use and the running one closes.
    pub async fn start_campaign(&mut self, id: i64) -> Result<()> {
        let (_, status) = self.campaign_for_update(id).await?;
        status.check_draft().map_err(StoreError::Conflict)?;
        self.close_running().await?;
        self.set_status(id, CampaignStatus::Running).await
    }

    /// Closes running campaign `id`: it takes no more records and stays browsable.
    pub async fn close_campaign(&mut self, id: i64) -> Result<()> {
        let (_, status) = self.campaign_for_update(id).await?;
        status.check_takes_records().map_err(StoreError::Conflict)?;
        self.set_status(id, CampaignStatus::Closed).await
    }

    /// Replaces draft `id`'s file with an edited one (checked by the caller; its code may
    /// not change).
    pub async fn edit_campaign(
        &mut self,
        id: i64,
        campaign: &Campaign,
        source: &str,
    ) -> Result<()> {
        let (code, status) = self.campaign_for_update(id).await?;
        status.check_draft().map_err(StoreError::Conflict)?;
        if code != campaign.code() {
            return Err(StoreError::Invalid(Message::of(
                "store.campaign_code_fixed",
                &[("code", &code)],
            )));
        }
        let before = self.campaign_source(id).await?;
        sqlx::query(
            "UPDATE campaigns SET name = $1, starts_on = $2, ends_on = $3, source = $4 \
             WHERE id = $5",
        )
        .bind(campaign.file.campaign.name.clone())
        .bind(campaign.starts_on.to_string())
        .bind(campaign.ends_on.to_string())
        .bind(source.to_string())
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        self.register(id, campaign).await?;
        self.record(
            "campaign.edit",
            "campaign",
            &code,
            Some(&serde_json::json!({ "bytes": before.len() })),
            Some(&serde_json::json!({
                "bytes": source.len(), "name": campaign.file.campaign.name,
                "starts_on": campaign.starts_on, "ends_on": campaign.ends_on,
            })),
        )
        .await
    }

    async fn campaign_source(&mut self, id: i64) -> Result<String> {
        let (source,): (String,) = sqlx::query_as("SELECT source FROM campaigns WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *self.tx)
            .await?;
        Ok(source)
    }

    /// Opens phase work of running campaign `id` in `window` besides the phase's own dates
    /// (audited with `reason`).
    pub async fn open_phase_window(
        &mut self,
        id: i64,
        window: &PhaseWindow,
        reason: &str,
    ) -> Result<i64> {
        let (code, status) = self.campaign_for_update(id).await?;
        status.check_takes_records().map_err(StoreError::Conflict)?;
        let wid = self.next_id("phase_windows").await?;
        sqlx::query(
            "INSERT INTO phase_windows (id, campaign_id, phase, starts_on, ends_on, reason, \
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(wid)
        .bind(id)
        .bind(window.phase.clone())
        .bind(window.starts_on.to_string())
        .bind(window.ends_on.to_string())
        .bind(reason.to_string())
        .bind(self.actor.clone())
        .bind(now_ms())
        .execute(&mut *self.tx)
        .await?;
        self.record::<(), _>(
            "campaign.open_phase",
            "campaign",
            &code,
            None,
            Some(&serde_json::json!({
                "phase": window.phase, "starts_on": window.starts_on,
                "ends_on": window.ends_on, "reason": reason,
            })),
        )
        .await?;
        Ok(wid)
    }
}
