//! Campaigns (活动) and the categories (分类) they define.

use crate::Campaigns;
use chrono::NaiveDate;
use serde::Serialize;
use xianfeng_domain::campaign::Campaign;
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
}

impl Campaigns<'_> {
    /// The campaign in use: the most recently created one (the built-in one until an office
    /// creates its own), with its parsed file. The file is parsed once per campaign.
    pub async fn current(self) -> Result<Option<(i64, std::sync::Arc<Campaign>)>> {
        let newest: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM campaigns ORDER BY id DESC LIMIT 1")
                .fetch_optional(self.store.reader())
                .await?;
        let Some((id,)) = newest else {
            return Ok(None);
        };
        if let Some((cached, c)) = self.store.campaign.lock().expect("not poisoned").as_ref()
            && *cached == id
        {
            return Ok(Some((id, c.clone())));
        }
        let (code, source): (String, String) =
            sqlx::query_as("SELECT code, source FROM campaigns WHERE id = $1")
                .bind(id)
                .fetch_one(self.store.reader())
                .await?;
        let campaign = std::sync::Arc::new(
            Campaign::load(&code, &source)
                .map_err(|e| StoreError::Invalid(Message::verbatim(e.to_string())))?,
        );
        *self.store.campaign.lock().expect("not poisoned") = Some((id, campaign.clone()));
        Ok(Some((id, campaign)))
    }

    pub async fn all(self) -> Result<Vec<StoredCampaign>> {
        sqlx::query(
            "SELECT id, code, name, starts_on, ends_on, is_builtin FROM campaigns ORDER BY id",
        )
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(|r| {
            let r = Row::of(r, "campaigns");
            Ok(StoredCampaign {
                id: r.get("id")?,
                code: r.get("code")?,
                name: r.get("name")?,
                starts_on: r.date("starts_on")?,
                ends_on: r.date("ends_on")?,
                is_builtin: r.get::<i64>("is_builtin")? != 0,
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
    /// Stores a checked campaign and registers its categories.
    pub async fn create_campaign(
        &mut self,
        campaign: &Campaign,
        source: &str,
        builtin: bool,
    ) -> Result<i64> {
        let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM campaigns WHERE code = $1")
            .bind(campaign.code().to_string())
            .fetch_optional(&mut *self.tx)
            .await?;
        if exists.is_some() {
            return Err(StoreError::Conflict(Message::of(
                "store.campaign_exists",
                &[("code", &campaign.code())],
            )));
        }
        let id = self.next_id("campaigns").await?;
        let header = &campaign.file.campaign;
        sqlx::query(
            "INSERT INTO campaigns (id, code, name, starts_on, ends_on, source, is_builtin, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(campaign.code().to_string())
        .bind(header.name.clone())
        .bind(campaign.starts_on.to_string())
        .bind(campaign.ends_on.to_string())
        .bind(source.to_string())
        .bind(i64::from(builtin))
        .bind(now_ms())
        .execute(&mut *self.tx)
        .await?;
        crate::scores::facts::store_periods(&mut self.tx, id, &campaign.periods()).await?;
        for c in &campaign.file.categories {
            let known: Option<(String,)> =
                sqlx::query_as("SELECT code FROM categories WHERE code = $1")
                    .bind(c.code.get_ref().clone())
                    .fetch_optional(&mut *self.tx)
                    .await?;
            if known.is_none() {
                sqlx::query("INSERT INTO categories (code, name, name_en) VALUES ($1, $2, $3)")
                    .bind(c.code.get_ref().clone())
                    .bind(c.name.clone())
                    .bind(c.name_en.clone())
                    .execute(&mut *self.tx)
                    .await?;
            }
        }
        let after = serde_json::json!({
            "code": campaign.code(), "name": header.name,
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
}
