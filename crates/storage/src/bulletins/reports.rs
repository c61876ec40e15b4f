//! Stage summaries sent up the tree (阶段总结): each organisation's one report per stage
//! (resubmitting replaces it), and the good practices the organisations above pick from
//! them for their own summaries.

use serde::Serialize;
use xianfeng_domain::bulletin::Figures;

use crate::Bulletins;
use crate::row::Row;
use crate::{Result, WriteTx, now_ms};

/// A stage report as stored, with its organisation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageReport {
    pub id: i64,
    pub org_id: i64,
    pub org_code: String,
    pub org_name: String,
    pub stage: String,
    pub summary: String,
    pub practices: String,
    pub figures: Figures,
    pub submitted_by: String,
    pub submitted_at: i64,
}

const REPORT: &str = "SELECT r.id, r.org_id, o.code, o.name, r.stage, r.summary, r.practices, \
    r.figures_json, r.submitted_by, r.submitted_at FROM stage_reports r \
    JOIN organisations o ON o.id = r.org_id";

fn report(r: &sqlx::any::AnyRow) -> Result<StageReport> {
    let r = Row::of(r, "stage_reports");
    Ok(StageReport {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        org_code: r.get("code")?,
        org_name: r.get("name")?,
        stage: r.get("stage")?,
        summary: r.get("summary")?,
        practices: r.get("practices")?,
        figures: r.json("figures_json")?,
        submitted_by: r.get("submitted_by")?,
        submitted_at: r.get("submitted_at")?,
    })
}

impl Bulletins<'_> {
    /// The reports of a stage from the organisations of the subtree at `path`, in tree
    /// order.
    pub async fn stage_reports_under(
        self,
        campaign: i64,
        stage: &str,
        path: &xianfeng_domain::org::TreePath,
    ) -> Result<Vec<StageReport>> {
        let (lo, hi) = path.subtree_range();
        sqlx::query(dynsql!(
            "{REPORT} WHERE r.campaign_id = $1 AND r.stage = $2 AND o.path >= $3 \
             AND o.path < $4 ORDER BY o.path"
        ))
        .bind(campaign)
        .bind(stage.to_string())
        .bind(lo)
        .bind(hi)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(report)
        .collect()
    }

    /// An organisation's report of a stage, if sent.
    pub async fn stage_report(
        self,
        campaign: i64,
        stage: &str,
        org: i64,
    ) -> Result<Option<StageReport>> {
        sqlx::query(dynsql!(
            "{REPORT} WHERE r.campaign_id = $1 AND r.stage = $2 AND r.org_id = $3"
        ))
        .bind(campaign)
        .bind(stage.to_string())
        .bind(org)
        .fetch_optional(self.store.reader())
        .await?
        .as_ref()
        .map(report)
        .transpose()
    }

    /// A report by id.
    pub async fn stage_report_by_id(self, id: i64) -> Result<Option<StageReport>> {
        sqlx::query(dynsql!("{REPORT} WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(self.store.reader())
            .await?
            .as_ref()
            .map(report)
            .transpose()
    }

    /// The ids of the reports organisation `org` picked.
    pub async fn picks(self, org: i64) -> Result<Vec<i64>> {
        Ok(
            sqlx::query_scalar("SELECT report_id FROM stage_report_picks WHERE org_id = $1")
                .bind(org)
                .fetch_all(self.store.reader())
                .await?,
        )
    }
}

/// A report as its organisation sends it.
#[derive(Debug, Clone)]
pub struct NewStageReport {
    pub campaign_id: i64,
    pub org_id: i64,
    pub stage: String,
    pub summary: String,
    pub practices: String,
    pub figures: Figures,
}

impl WriteTx {
    /// Sends (or sends again, replacing) an organisation's report of a stage (audited).
    pub async fn send_stage_report(&mut self, r: &NewStageReport) -> Result<i64> {
        let now = now_ms();
        let figures = serde_json::to_string(&r.figures).expect("figures serialise");
        // One report per organisation and stage, sent again to amend it: one upsert, so
        // that two sends at once (two servers) leave one report, the later one's text.
        let fresh = self.next_id("stage_reports").await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO stage_reports (id, campaign_id, org_id, stage, summary, practices, \
             figures_json, submitted_by, submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (campaign_id, stage, org_id) DO UPDATE SET summary = excluded.summary, \
             practices = excluded.practices, figures_json = excluded.figures_json, \
             submitted_by = excluded.submitted_by, submitted_at = excluded.submitted_at \
             RETURNING id",
        )
        .bind(fresh)
        .bind(r.campaign_id)
        .bind(r.org_id)
        .bind(r.stage.clone())
        .bind(r.summary.clone())
        .bind(r.practices.clone())
        .bind(figures)
        .bind(self.actor.clone())
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await?;
        let after = serde_json::json!({
            "org": r.org_id, "stage": r.stage, "summary": r.summary, "practices": r.practices,
        });
        self.record::<(), _>(
            "bulletin.stage_report",
            "stage_report",
            &id.to_string(),
            None,
            Some(&after),
        )
        .await?;
        Ok(id)
    }

    /// Picks (or unpicks) a report's good practices for organisation `org`'s summary
    /// (audited).
    pub async fn pick_report(&mut self, report: i64, org: i64, pick: bool) -> Result<()> {
        if pick {
            sqlx::query(
                "INSERT INTO stage_report_picks (report_id, org_id, picked_by) \
                 VALUES ($1, $2, $3) ON CONFLICT (report_id, org_id) DO NOTHING",
            )
            .bind(report)
            .bind(org)
            .bind(self.actor.clone())
            .execute(&mut *self.tx)
            .await?;
        } else {
            sqlx::query("DELETE FROM stage_report_picks WHERE report_id = $1 AND org_id = $2")
                .bind(report)
                .bind(org)
                .execute(&mut *self.tx)
                .await?;
        }
        self.record::<(), _>(
            if pick {
                "bulletin.pick"
            } else {
                "bulletin.unpick"
            },
            "stage_report",
            &report.to_string(),
            None,
            Some(&serde_json::json!({ "org": org })),
        )
        .await
    }
}
