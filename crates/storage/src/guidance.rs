//! Local implementing opinions (实施意见): the rules a committee adds under the city's
//! campaign for its subtree, and their withdrawal.

use chrono::NaiveDate;
use serde::Serialize;
use xianfeng_domain::campaign::LocalRule;
use xianfeng_domain::i18n::Message;

use crate::Guidance;
use crate::row::Row;
use crate::{Result, StoreError, WriteTx, now_ms};

/// A rule in force, with the committee whose it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredLocalRule {
    pub id: i64,
    pub org_id: i64,
    pub org_code: String,
    pub org_name: String,
    pub rule: LocalRule,
    pub created_by: String,
    pub created_at: i64,
}

const COLUMNS: &str = "g.id, g.org_id, o.code AS org_code, o.name AS org_name, g.kind, \
     g.standard, g.criterion, g.activity_set, g.code, g.name, g.phase, g.starts_on, \
     g.ends_on, g.text, g.created_by, g.created_at";

fn stored(r: &sqlx::any::AnyRow) -> Result<StoredLocalRule> {
    let r = Row::of(r, "local_guidance");
    let kind: String = r.get("kind")?;
    let text: String = r.get("text")?;
    let some = |column: &str| -> Result<String> {
        r.get::<Option<String>>(column)?
            .ok_or_else(|| crate::row::bad_value("local_guidance", column, "NULL"))
    };
    let rule = match kind.as_str() {
        "requirement" => LocalRule::Requirement {
            standard: some("standard")?,
            criterion: some("criterion")?,
            text,
        },
        "activity" => LocalRule::Activity {
            set: some("activity_set")?,
            code: some("code")?,
            name: some("name")?,
            description: text,
        },
        "phase" => LocalRule::PhaseDates {
            phase: some("phase")?,
            starts_on: r.date("starts_on")?,
            ends_on: r.date("ends_on")?,
        },
        other => return Err(crate::row::bad_value("local_guidance", "kind", other)),
    };
    Ok(StoredLocalRule {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        org_code: r.get("org_code")?,
        org_name: r.get("org_name")?,
        rule,
        created_by: r.get("created_by")?,
        created_at: r.get("created_at")?,
    })
}

impl Guidance<'_> {
    /// The rules in force of campaign `campaign` written by any of `orgs` (an organisation
    /// and those above it), oldest first.
    pub async fn of_orgs(self, campaign: i64, orgs: &[i64]) -> Result<Vec<StoredLocalRule>> {
        if orgs.is_empty() {
            return Ok(vec![]);
        }
        let ids: Vec<String> = orgs.iter().map(i64::to_string).collect();
        sqlx::query(dynsql!(
            "SELECT {COLUMNS} FROM local_guidance g JOIN organisations o ON o.id = g.org_id \
             WHERE g.campaign_id = $1 AND g.withdrawn_at IS NULL AND g.org_id IN ({}) \
             ORDER BY o.path, g.id",
            ids.join(", ")
        ))
        .bind(campaign)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(stored)
        .collect()
    }

    /// Every local activity item of campaign `campaign` ever added, withdrawn ones too (a
    /// commitment made while one was in force still names it): (code, name).
    pub async fn activity_names(self, campaign: i64) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT code, name FROM local_guidance WHERE campaign_id = $1 AND kind = 'activity'",
        )
        .bind(campaign)
        .fetch_all(self.store.reader())
        .await?)
    }

    /// Every rule in force of campaign `campaign`, by committee.
    pub async fn all(self, campaign: i64) -> Result<Vec<StoredLocalRule>> {
        sqlx::query(dynsql!(
            "SELECT {COLUMNS} FROM local_guidance g JOIN organisations o ON o.id = g.org_id \
             WHERE g.campaign_id = $1 AND g.withdrawn_at IS NULL ORDER BY o.path, g.id"
        ))
        .bind(campaign)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(stored)
        .collect()
    }
}

impl WriteTx {
    /// Adds `rule` to the 实施意见 of organisation `org` (audited). An activity's code is
    /// made here, `local-ID`; new dates for a phase replace the ones in force.
    pub async fn add_local_rule(
        &mut self,
        campaign: i64,
        org: (i64, &str),
        rule: &LocalRule,
    ) -> Result<i64> {
        let id = self.next_id("local_guidance").await?;
        let (mut standard, mut criterion, mut set, mut code, mut name) =
            (None, None, None, None, None);
        let (mut phase, mut from, mut to): (Option<String>, Option<NaiveDate>, Option<NaiveDate>) =
            (None, None, None);
        let text = match rule {
            LocalRule::Requirement {
                standard: s,
                criterion: c,
                text,
            } => {
                (standard, criterion) = (Some(s.clone()), Some(c.clone()));
                text.trim().to_string()
            }
            LocalRule::Activity {
                set: s,
                name: n,
                description,
                ..
            } => {
                (set, code, name) = (
                    Some(s.clone()),
                    Some(format!("local-{id}")),
                    Some(n.trim().to_string()),
                );
                description.trim().to_string()
            }
            LocalRule::PhaseDates {
                phase: p,
                starts_on,
                ends_on,
            } => {
                // Dates for one phase set twice at once (two servers): the later replaces
                // the earlier, which it must see to withdraw (B19).
                self.lock_name(&format!("phase-dates/{campaign}/{}/{p}", org.0))
                    .await?;
                sqlx::query(
                    "UPDATE local_guidance SET withdrawn_at = $1 WHERE campaign_id = $2 \
                     AND org_id = $3 AND kind = 'phase' AND phase = $4 AND withdrawn_at IS NULL",
                )
                .bind(now_ms())
                .bind(campaign)
                .bind(org.0)
                .bind(p.clone())
                .execute(&mut *self.tx)
                .await?;
                (phase, from, to) = (Some(p.clone()), Some(*starts_on), Some(*ends_on));
                String::new()
            }
        };
        sqlx::query(
            "INSERT INTO local_guidance (id, campaign_id, org_id, kind, standard, criterion, \
             activity_set, code, name, phase, starts_on, ends_on, text, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(id)
        .bind(campaign)
        .bind(org.0)
        .bind(rule.kind())
        .bind(standard)
        .bind(criterion)
        .bind(set)
        .bind(code)
        .bind(name)
        .bind(phase)
        .bind(from.map(|d| d.to_string()))
        .bind(to.map(|d| d.to_string()))
        .bind(text)
        .bind(self.actor.clone())
        .bind(now_ms())
        .execute(&mut *self.tx)
        .await?;
        self.record::<(), _>("guidance.add", "organisation", org.1, None, Some(rule))
            .await?;
        Ok(id)
    }

    /// Withdraws rule `id` of organisation `org` (audited); it stays on record.
    pub async fn withdraw_local_rule(&mut self, id: i64, org: (i64, &str)) -> Result<()> {
        let done = sqlx::query(
            "UPDATE local_guidance SET withdrawn_at = $1 WHERE id = $2 AND org_id = $3 \
             AND withdrawn_at IS NULL",
        )
        .bind(now_ms())
        .bind(id)
        .bind(org.0)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(Message::of(
                "store.no_local_rule",
                &[],
            )));
        }
        self.record::<(), _>(
            "guidance.withdraw",
            "organisation",
            org.1,
            None,
            Some(&serde_json::json!({ "rule": id })),
        )
        .await
    }
}
