//! Set-up records (组织准备): implementation plans (实施方案) and mobilisation meetings
//! (动员大会). The plan's lifecycle is `domain::plan`'s; this stores what was decided.

use crate::Plans;
use chrono::NaiveDate;
use serde::Serialize;
use xianfeng_domain::i18n::Message;
use xianfeng_domain::org::TreePath;
use xianfeng_domain::plan::{MeetingLevel, PlanStatus};

use crate::row::Row;
use crate::{Result, StoreError, WriteTx, now_ms};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanRecord {
    pub id: i64,
    pub org_id: i64,
    pub leadership_body: String,
    pub body: String,
    pub attachment_id: Option<i64>,
    pub status: PlanStatus,
    pub comment: Option<String>,
    pub submitted_by: String,
    pub submitted_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
}

/// One organisation of a subtree and where its plan stands (`None`: not submitted).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanOverviewRow {
    pub org_id: i64,
    pub code: String,
    pub name: String,
    pub depth: i64,
    /// `None`: no plan submitted.
    pub status: Option<PlanStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeetingRecord {
    pub id: i64,
    pub org_id: i64,
    pub title: String,
    pub held_on: NaiveDate,
    pub level: MeetingLevel,
    pub attendance: i64,
    pub recorded_by: String,
}

#[derive(Debug, Clone)]
pub struct NewMeeting {
    pub campaign_id: i64,
    pub org_id: i64,
    pub title: String,
    pub held_on: NaiveDate,
    pub level: MeetingLevel,
    pub attendance: i64,
}

const PLAN_OF_ORG: &str = "SELECT id, org_id, leadership_body, body, attachment_id, status, \
     comment, submitted_by, submitted_at, decided_by, decided_at FROM plans \
     WHERE campaign_id = $1 AND org_id = $2";

fn plan(r: &sqlx::any::AnyRow) -> Result<PlanRecord> {
    let r = Row::of(r, "plans");
    Ok(PlanRecord {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        leadership_body: r.get("leadership_body")?,
        body: r.get("body")?,
        attachment_id: r.get("attachment_id")?,
        status: r.parsed("status", PlanStatus::parse)?,
        comment: r.get("comment")?,
        submitted_by: r.get("submitted_by")?,
        submitted_at: r.get("submitted_at")?,
        decided_by: r.get("decided_by")?,
        decided_at: r.get("decided_at")?,
    })
}

impl Plans<'_> {
    /// The plan of an organisation in a campaign, if one was submitted.
    pub async fn plan(self, campaign_id: i64, org_id: i64) -> Result<Option<PlanRecord>> {
        let row = sqlx::query(PLAN_OF_ORG)
            .bind(campaign_id)
            .bind(org_id)
            .fetch_optional(self.store.reader())
            .await?;
        row.as_ref().map(plan).transpose()
    }

    /// Every organisation under `root` (itself included), in tree order, with its plan's
    /// status: who has not submitted, who waits, who is done, at a glance.
    pub async fn plan_overview(
        self,
        campaign_id: i64,
        root: &TreePath,
    ) -> Result<Vec<PlanOverviewRow>> {
        let (lo, hi) = root.subtree_range();
        let rows = sqlx::query(
            "SELECT o.id, o.code, o.name, o.depth, p.status FROM organisations o \
             LEFT JOIN plans p ON p.org_id = o.id AND p.campaign_id = $1 \
             WHERE o.path >= $2 AND o.path < $3 ORDER BY o.path",
        )
        .bind(campaign_id)
        .bind(lo)
        .bind(hi)
        .fetch_all(self.store.reader())
        .await?;
        rows.iter()
            .map(|r| {
                let r = Row::of(r, "plans");
                Ok(PlanOverviewRow {
                    org_id: r.get("id")?,
                    code: r.get("code")?,
                    name: r.get("name")?,
                    depth: r.get("depth")?,
                    status: r.parsed_opt("status", PlanStatus::parse)?,
                })
            })
            .collect()
    }

    /// The organisation whose plan carries this attachment, if one does.
    pub async fn attachment_plan_org(self, attachment_id: i64) -> Result<Option<i64>> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT org_id FROM plans WHERE attachment_id = $1")
                .bind(attachment_id)
                .fetch_optional(self.store.reader())
                .await?;
        Ok(row.map(|r| r.0))
    }

    pub async fn meetings(self, campaign_id: i64, org_id: i64) -> Result<Vec<MeetingRecord>> {
        let rows = sqlx::query(
            "SELECT id, org_id, title, held_on, level, attendance, recorded_by FROM meetings \
             WHERE campaign_id = $1 AND org_id = $2 ORDER BY held_on DESC, id DESC",
        )
        .bind(campaign_id)
        .bind(org_id)
        .fetch_all(self.store.reader())
        .await?;
        rows.iter()
            .map(|r| {
                let r = Row::of(r, "meetings");
                Ok(MeetingRecord {
                    id: r.get("id")?,
                    org_id: r.get("org_id")?,
                    title: r.get("title")?,
                    held_on: r.date("held_on")?,
                    level: r.parsed("level", MeetingLevel::parse)?,
                    attendance: r.get("attendance")?,
                    recorded_by: r.get("recorded_by")?,
                })
            })
            .collect()
    }
}

impl WriteTx {
    /// The plan of an organisation as this transaction sees it.
    pub async fn plan(&mut self, campaign_id: i64, org_id: i64) -> Result<Option<PlanRecord>> {
        let row = sqlx::query(PLAN_OF_ORG)
            .bind(campaign_id)
            .bind(org_id)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(plan).transpose()
    }

    /// Submits (or, after a return, resubmits) an organisation's plan. `before` is the plan
    /// as the caller saw it; if it has changed meanwhile, nothing is written.
    pub async fn submit_plan(
        &mut self,
        campaign_id: i64,
        org_id: i64,
        before: Option<&PlanRecord>,
        leadership_body: &str,
        body: &str,
        attachment_id: Option<i64>,
    ) -> Result<()> {
        let now = now_ms();
        match before {
            None => {
                let id = self.next_id("plans").await?;
                let inserted = sqlx::query(
                    "INSERT INTO plans (id, campaign_id, org_id, leadership_body, body, \
                     attachment_id, status, submitted_by, submitted_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(id)
                .bind(campaign_id)
                .bind(org_id)
                .bind(leadership_body.trim().to_string())
                .bind(body.trim().to_string())
                .bind(attachment_id)
                .bind(PlanStatus::Submitted.as_str())
                .bind(self.actor.clone())
                .bind(now)
                .execute(&mut *self.tx)
                .await;
                match inserted {
                    Ok(_) => {}
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                        return Err(moved_on());
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Some(p) => {
                let n = sqlx::query(
                    "UPDATE plans SET leadership_body = $1, body = $2, attachment_id = $3, \
                     status = $4, submitted_by = $5, submitted_at = $6 \
                     WHERE id = $7 AND status = $8",
                )
                .bind(leadership_body.trim().to_string())
                .bind(body.trim().to_string())
                .bind(attachment_id.or(p.attachment_id))
                .bind(PlanStatus::Submitted.as_str())
                .bind(self.actor.clone())
                .bind(now)
                .bind(p.id)
                .bind(p.status.as_str())
                .execute(&mut *self.tx)
                .await?
                .rows_affected();
                if n != 1 {
                    return Err(moved_on());
                }
            }
        }
        let after = serde_json::json!({
            "campaign_id": campaign_id, "org_id": org_id, "status": "submitted",
            "leadership_body": leadership_body, "body": body, "attachment_id": attachment_id,
        });
        self.record(
            "plan.submit",
            "plan",
            &format!("{campaign_id}/{org_id}"),
            before,
            Some(&after),
        )
        .await
    }

    /// Approves or returns a submitted plan, with the superior's comment.
    pub async fn decide_plan(
        &mut self,
        before: &PlanRecord,
        to: PlanStatus,
        comment: Option<&str>,
    ) -> Result<()> {
        let n = sqlx::query(
            "UPDATE plans SET status = $1, comment = $2, decided_by = $3, decided_at = $4 \
             WHERE id = $5 AND status = $6",
        )
        .bind(to.as_str())
        .bind(comment.map(|c| c.trim().to_string()))
        .bind(self.actor.clone())
        .bind(now_ms())
        .bind(before.id)
        .bind(before.status.as_str())
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Err(moved_on());
        }
        let after = serde_json::json!({"status": to.as_str(), "comment": comment});
        self.record(
            &format!(
                "plan.{}",
                if to == PlanStatus::Approved {
                    "approve"
                } else {
                    "return"
                }
            ),
            "plan",
            &before.id.to_string(),
            Some(before),
            Some(&after),
        )
        .await
    }

    pub async fn add_meeting(&mut self, m: &NewMeeting) -> Result<i64> {
        let id = self.next_id("meetings").await?;
        sqlx::query(
            "INSERT INTO meetings (id, campaign_id, org_id, title, held_on, level, attendance, \
             recorded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind(m.campaign_id)
        .bind(m.org_id)
        .bind(m.title.trim().to_string())
        .bind(m.held_on.to_string())
        .bind(m.level.as_str())
        .bind(m.attendance)
        .bind(self.actor.clone())
        .bind(now_ms())
        .execute(&mut *self.tx)
        .await?;
        let after = serde_json::json!({
            "org_id": m.org_id, "title": m.title, "held_on": m.held_on, "level": m.level,
            "attendance": m.attendance,
        });
        self.record::<(), _>(
            "meeting.create",
            "meeting",
            &id.to_string(),
            None,
            Some(&after),
        )
        .await?;
        Ok(id)
    }
}

fn moved_on() -> StoreError {
    StoreError::Conflict(Message::of("store.plan_moved_on", &[]))
}
