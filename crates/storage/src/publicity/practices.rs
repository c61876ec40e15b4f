//! Good practices (好经验好做法) and the 长效机制 register of rules adopted from them.

use chrono::NaiveDate;
use serde::Serialize;
use xianfeng_domain::org::TreePath;
use xianfeng_domain::practice::PracticeStatus;

use super::models::ModelFile;
use super::placeholders;
use crate::Publicity;
use crate::row::Row;
use crate::{Result, WriteTx, now_ms};

/// A practice as stored, with its organisation and files.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PracticeRecord {
    pub id: i64,
    pub campaign_id: i64,
    pub org_id: i64,
    pub org_code: String,
    pub org_name: String,
    pub title: String,
    pub summary: String,
    pub body: String,
    /// The standard (标准) it serves, as the campaign file names it.
    pub standard: String,
    pub status: PracticeStatus,
    pub return_reason: Option<String>,
    pub files: Vec<ModelFile>,
    /// The rule adopted from it, if any.
    pub rule_id: Option<i64>,
    pub submitted_by: String,
    pub submitted_at: i64,
    pub updated_at: i64,
}

/// A practice as an organisation sends it, or as the office edits it.
#[derive(Debug, Clone)]
pub struct NewPractice {
    pub campaign_id: i64,
    pub org_id: i64,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub standard: String,
}

/// A rule of the 长效机制 register.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleRecord {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub title: String,
    pub body: String,
    pub practice_id: Option<i64>,
    /// Whether the practice it came from is published (the public may open it).
    pub practice_published: bool,
    pub adopted_on: NaiveDate,
    pub adopted_by: String,
}

const COLUMNS: &str = "p.id, p.campaign_id, p.org_id, o.code, o.name AS org_name, p.title, \
    p.summary, p.body, p.standard, p.status, p.return_reason, p.submitted_by, p.submitted_at, \
    p.updated_at, (SELECT r.id FROM mechanism_rules r WHERE r.practice_id = p.id) AS rule_id";

fn practice(r: &sqlx::any::AnyRow) -> Result<PracticeRecord> {
    let r = Row::of(r, "practices");
    Ok(PracticeRecord {
        id: r.get("id")?,
        campaign_id: r.get("campaign_id")?,
        org_id: r.get("org_id")?,
        org_code: r.get("code")?,
        org_name: r.get("org_name")?,
        title: r.get("title")?,
        summary: r.get("summary")?,
        body: r.get("body")?,
        standard: r.get("standard")?,
        status: r.parsed("status", PracticeStatus::parse)?,
        return_reason: r.get("return_reason")?,
        files: vec![],
        rule_id: r.get("rule_id")?,
        submitted_by: r.get("submitted_by")?,
        submitted_at: r.get("submitted_at")?,
        updated_at: r.get("updated_at")?,
    })
}

impl Publicity<'_> {
    /// A campaign's practices of the given statuses (empty: all) from the subtree at
    /// `within` (or everywhere), newest first.
    pub async fn practices(
        self,
        campaign: i64,
        statuses: &[PracticeStatus],
        within: Option<&TreePath>,
        limit: i64,
    ) -> Result<Vec<PracticeRecord>> {
        let mut sql = format!(
            "SELECT {COLUMNS} FROM practices p JOIN organisations o ON o.id = p.org_id \
             WHERE p.campaign_id = $1"
        );
        let mut n = 1;
        if !statuses.is_empty() {
            sql.push_str(&format!(
                " AND p.status IN ({})",
                placeholders(n + 1, statuses.len())
            ));
            n += statuses.len();
        }
        if within.is_some() {
            sql.push_str(&format!(
                " AND o.path >= ${} AND o.path < ${}",
                n + 1,
                n + 2
            ));
            n += 2;
        }
        sql.push_str(&format!(" ORDER BY p.id DESC LIMIT ${}", n + 1));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(campaign);
        for s in statuses {
            q = q.bind(s.as_str().to_string());
        }
        if let Some(w) = within {
            let (lo, hi) = w.subtree_range();
            q = q.bind(lo).bind(hi);
        }
        q.bind(limit)
            .fetch_all(self.store.reader())
            .await?
            .iter()
            .map(practice)
            .collect()
    }

    /// One practice, with its files.
    pub async fn practice(self, id: i64) -> Result<Option<PracticeRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM practices p JOIN organisations o ON o.id = p.org_id \
             WHERE p.id = $1"
        )))
        .bind(id)
        .fetch_optional(self.store.reader())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut p = practice(&row)?;
        p.files = super::models::files_of(self.store.reader(), "practice_files", "practice_id", id)
            .await?;
        Ok(Some(p))
    }

    /// The 长效机制 register of a campaign, in the order adopted.
    pub async fn rules(self, campaign: i64) -> Result<Vec<RuleRecord>> {
        sqlx::query(
            "SELECT r.id, r.org_id, o.name, r.title, r.body, r.practice_id, p.status, \
             r.adopted_on, r.adopted_by FROM mechanism_rules r \
             JOIN organisations o ON o.id = r.org_id \
             LEFT JOIN practices p ON p.id = r.practice_id \
             WHERE r.campaign_id = $1 ORDER BY r.id",
        )
        .bind(campaign)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(|r| {
            let r = Row::of(r, "mechanism_rules");
            Ok(RuleRecord {
                id: r.get("id")?,
                org_id: r.get("org_id")?,
                org_name: r.get("name")?,
                title: r.get("title")?,
                body: r.get("body")?,
                practice_id: r.get("practice_id")?,
                practice_published: r.get::<Option<String>>("status")?.as_deref()
                    == Some(PracticeStatus::Published.as_str()),
                adopted_on: r.date("adopted_on")?,
                adopted_by: r.get("adopted_by")?,
            })
        })
        .collect()
    }
}

impl WriteTx {
    /// Stores a submitted practice (audited).
    pub async fn add_practice(&mut self, p: &NewPractice) -> Result<i64> {
        let id = self.next_id("practices").await?;
        let now = now_ms();
        sqlx::query(
            "INSERT INTO practices (id, campaign_id, org_id, title, summary, body, standard, \
             status, public, submitted_by, submitted_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $10)",
        )
        .bind(id)
        .bind(p.campaign_id)
        .bind(p.org_id)
        .bind(p.title.clone())
        .bind(p.summary.clone())
        .bind(p.body.clone())
        .bind(p.standard.clone())
        .bind(PracticeStatus::Submitted.as_str().to_string())
        .bind(self.actor.clone())
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        let after = serde_json::json!({
            "org": p.org_id, "title": p.title, "standard": p.standard,
        });
        self.record::<(), _>(
            "practice.submit",
            "practice",
            &id.to_string(),
            None,
            Some(&after),
        )
        .await?;
        Ok(id)
    }

    /// Changes a practice's text (audited, before and after).
    pub async fn edit_practice(&mut self, before: &PracticeRecord, p: &NewPractice) -> Result<()> {
        // Only in the status the editor saw: a practice published (or returned) meanwhile
        // through another server is not changed under the public's eyes.
        let edited = sqlx::query(
            "UPDATE practices SET title = $1, summary = $2, body = $3, standard = $4, \
             updated_at = $5 WHERE id = $6 AND status = $7",
        )
        .bind(p.title.clone())
        .bind(p.summary.clone())
        .bind(p.body.clone())
        .bind(p.standard.clone())
        .bind(now_ms())
        .bind(before.id)
        .bind(before.status.as_str())
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if edited != 1 {
            return Err(crate::StoreError::Conflict(
                xianfeng_domain::i18n::Message::of("store.practice_moved_on", &[]),
            ));
        }
        let old = serde_json::json!({
            "title": before.title, "summary": before.summary, "body": before.body,
            "standard": before.standard,
        });
        let new = serde_json::json!({
            "title": p.title, "summary": p.summary, "body": p.body, "standard": p.standard,
        });
        self.record(
            "practice.edit",
            "practice",
            &before.id.to_string(),
            Some(&old),
            Some(&new),
        )
        .await
    }

    /// Moves a practice to `to` (audited); a return keeps its reason.
    pub async fn set_practice_status(
        &mut self,
        before: &PracticeRecord,
        to: PracticeStatus,
        reason: Option<&str>,
    ) -> Result<()> {
        // Only from the status the step was decided on: a return and a publication at the
        // same moment must not both hold.
        let changed = sqlx::query(
            "UPDATE practices SET status = $1, return_reason = $2, public = $3, updated_at = $4 \
             WHERE id = $5 AND status = $6",
        )
        .bind(to.as_str().to_string())
        .bind(reason.map(str::to_string))
        .bind(i64::from(to == PracticeStatus::Published))
        .bind(now_ms())
        .bind(before.id)
        .bind(before.status.as_str().to_string())
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(crate::StoreError::Conflict(
                xianfeng_domain::i18n::Message::of("store.practice_moved_on", &[]),
            ));
        }
        self.record(
            "practice.status",
            "practice",
            &before.id.to_string(),
            Some(&serde_json::json!({ "status": before.status })),
            Some(&serde_json::json!({ "status": to, "reason": reason })),
        )
        .await
    }

    /// Adds a stored file to a practice (audited).
    pub async fn add_practice_file(&mut self, practice: i64, attachment: i64) -> Result<()> {
        sqlx::query("INSERT INTO practice_files (practice_id, attachment_id) VALUES ($1, $2)")
            .bind(practice)
            .bind(attachment)
            .execute(&mut *self.tx)
            .await?;
        self.record::<(), _>(
            "practice.file",
            "practice",
            &practice.to_string(),
            None,
            Some(&serde_json::json!({ "attachment": attachment })),
        )
        .await
    }

    /// Adopts a rule into the register (audited); a practice gives at most one rule (the
    /// unique index refuses a second).
    pub async fn adopt_rule(
        &mut self,
        campaign: i64,
        org: i64,
        title: &str,
        body: &str,
        practice: Option<i64>,
        on: NaiveDate,
    ) -> Result<i64> {
        let id = self.next_id("mechanism_rules").await?;
        sqlx::query(
            "INSERT INTO mechanism_rules (id, campaign_id, org_id, title, body, practice_id, \
             adopted_on, adopted_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(campaign)
        .bind(org)
        .bind(title.to_string())
        .bind(body.to_string())
        .bind(practice)
        .bind(on.to_string())
        .bind(self.actor.clone())
        .execute(&mut *self.tx)
        .await?;
        let after = serde_json::json!({
            "org": org, "title": title, "practice": practice, "adopted_on": on,
        });
        self.record::<(), _>(
            "rule.adopt",
            "mechanism_rule",
            &id.to_string(),
            None,
            Some(&after),
        )
        .await?;
        Ok(id)
    }
}
