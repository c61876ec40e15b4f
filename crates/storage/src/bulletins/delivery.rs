//! Where bulletins go and when they draft themselves: the organisations an issued bulletin
//! is addressed to (主送), and schedules with their runs — each run taken once, in the
//! transaction that stores its draft, by a primary key every server shares.

use chrono::NaiveDate;
use serde::Serialize;
use xianfeng_domain::bulletin_schedule::ScheduleRule;

use super::{BulletinRecord, COLUMNS, record};
use crate::Bulletins;
use crate::row::Row;
use crate::{Result, WriteTx, now_ms};

/// A schedule as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduleRecord {
    pub id: i64,
    pub campaign_id: i64,
    pub scope_org_id: i64,
    pub scope_code: String,
    pub scope_name: String,
    pub rule: ScheduleRule,
    pub active: bool,
    /// No run from before this day.
    pub starts_on: NaiveDate,
    pub created_by: String,
}

fn schedule(r: &sqlx::any::AnyRow) -> Result<ScheduleRecord> {
    let r = Row::of(r, "bulletin_schedules");
    Ok(ScheduleRecord {
        id: r.get("id")?,
        campaign_id: r.get("campaign_id")?,
        scope_org_id: r.get("scope_org_id")?,
        scope_code: r.get("code")?,
        scope_name: r.get("name")?,
        rule: r.parsed("rule", ScheduleRule::parse)?,
        active: r.get::<i64>("active")? != 0,
        starts_on: r.date("starts_on")?,
        created_by: r.get("created_by")?,
    })
}

impl Bulletins<'_> {
    /// Issued bulletins addressed to any of `orgs`, newest first, at most `limit`.
    pub async fn addressed_to(self, orgs: &[i64], limit: i64) -> Result<Vec<BulletinRecord>> {
        if orgs.is_empty() {
            return Ok(vec![]);
        }
        let list = orgs
            .iter()
            .map(|id| id.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        sqlx::query(dynsql!(
            "SELECT {COLUMNS} FROM bulletins b JOIN organisations o ON o.id = b.scope_org_id \
             WHERE b.status = 'issued' AND b.id IN (SELECT bulletin_id FROM bulletin_recipients \
             WHERE org_id IN ({list})) ORDER BY b.dated_on DESC, b.id DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(record)
        .collect()
    }

    /// The organisations a bulletin is addressed to: (code, name), in tree order.
    pub async fn recipients(self, bulletin: i64) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT o.code, o.name FROM bulletin_recipients r \
             JOIN organisations o ON o.id = r.org_id WHERE r.bulletin_id = $1 ORDER BY o.path",
        )
        .bind(bulletin)
        .fetch_all(self.store.reader())
        .await?)
    }

    /// Whether an issued bulletin is addressed to any of `orgs`.
    pub async fn addressed(self, bulletin: i64, orgs: &[i64]) -> Result<bool> {
        for org in orgs {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM bulletin_recipients WHERE bulletin_id = $1 AND org_id = $2",
            )
            .bind(bulletin)
            .bind(*org)
            .fetch_one(self.store.reader())
            .await?;
            if n > 0 {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The schedules of campaign `campaign`.
    pub async fn schedules(self, campaign: i64) -> Result<Vec<ScheduleRecord>> {
        sqlx::query(
            "SELECT s.id, s.campaign_id, s.scope_org_id, o.code, o.name, s.rule, s.active, \
             s.starts_on, s.created_by FROM bulletin_schedules s \
             JOIN organisations o ON o.id = s.scope_org_id WHERE s.campaign_id = $1 ORDER BY s.id",
        )
        .bind(campaign)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(schedule)
        .collect()
    }

    /// Whether a schedule's run has been taken.
    pub async fn run_taken(self, schedule: i64, key: &str) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM bulletin_schedule_runs WHERE schedule_id = $1 AND run_key = $2",
        )
        .bind(schedule)
        .bind(key.to_string())
        .fetch_one(self.store.reader())
        .await?;
        Ok(n > 0)
    }
}

impl WriteTx {
    /// Addresses an issued bulletin to organisations (part of issuing).
    pub(super) async fn add_recipients(&mut self, bulletin: i64, orgs: &[i64]) -> Result<()> {
        for org in orgs {
            sqlx::query(
                "INSERT INTO bulletin_recipients (bulletin_id, org_id) VALUES ($1, $2) \
                 ON CONFLICT (bulletin_id, org_id) DO NOTHING",
            )
            .bind(bulletin)
            .bind(*org)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    /// Stores a schedule (audited) and returns its id.
    pub async fn create_schedule(
        &mut self,
        campaign: i64,
        scope_org: i64,
        rule: ScheduleRule,
        starts_on: NaiveDate,
    ) -> Result<i64> {
        let id = self.next_id("bulletin_schedules").await?;
        sqlx::query(
            "INSERT INTO bulletin_schedules (id, campaign_id, scope_org_id, rule, active, \
             starts_on, created_by, created_at) VALUES ($1, $2, $3, $4, 1, $5, $6, $7)",
        )
        .bind(id)
        .bind(campaign)
        .bind(scope_org)
        .bind(rule.as_str())
        .bind(starts_on.to_string())
        .bind(self.actor.clone())
        .bind(now_ms())
        .execute(&mut *self.tx)
        .await?;
        let after = serde_json::json!({ "scope": scope_org, "rule": rule, "starts_on": starts_on });
        self.record::<(), _>(
            "bulletin.schedule",
            "bulletin_schedule",
            &id.to_string(),
            None,
            Some(&after),
        )
        .await?;
        Ok(id)
    }

    /// Stops a schedule (audited).
    pub async fn stop_schedule(&mut self, id: i64) -> Result<()> {
        sqlx::query("UPDATE bulletin_schedules SET active = 0 WHERE id = $1")
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        self.record::<(), _>(
            "bulletin.schedule_stop",
            "bulletin_schedule",
            &id.to_string(),
            None,
            Some(&serde_json::json!({ "active": false })),
        )
        .await
    }

    /// Takes a schedule's run for the draft just stored in this transaction: false when
    /// another server took it first (then this transaction is to be rolled back).
    pub async fn take_run(&mut self, schedule: i64, key: &str, bulletin: i64) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO bulletin_schedule_runs (schedule_id, run_key, bulletin_id, ran_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (schedule_id, run_key) DO NOTHING",
        )
        .bind(schedule)
        .bind(key.to_string())
        .bind(bulletin)
        .bind(now_ms())
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
