//! Study (比学习) and service (比服务) records, and the service carriers members are
//! attached to. Hours are kept in tenths. Each batch a secretary enters is one audit
//! entry listing its records.

use chrono::NaiveDate;
use serde::Serialize;

use crate::row::Row;
use crate::{Records, Result, WriteTx, now_ms};

/// A study or service record to store.
#[derive(Debug, Clone, Serialize)]
pub struct NewRecord {
    pub campaign_id: i64,
    pub member_id: i64,
    pub org_id: i64,
    /// Study: the topic; service: what was done.
    pub text: String,
    /// Study: the form code; service: the carrier's id as text, or empty.
    pub kind: String,
    pub tenths: i64,
    pub on: NaiveDate,
}

/// Which of the two record tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Study,
    Service,
}

impl RecordKind {
    fn table(self) -> &'static str {
        match self {
            RecordKind::Study => "study_records",
            RecordKind::Service => "service_records",
        }
    }

    fn day(self) -> &'static str {
        match self {
            RecordKind::Study => "studied_on",
            RecordKind::Service => "served_on",
        }
    }

    fn name(self) -> &'static str {
        match self {
            RecordKind::Study => "study",
            RecordKind::Service => "service",
        }
    }
}

/// A stored record with its member's name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordRow {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub text: String,
    pub kind: String,
    pub tenths: i64,
    pub on: NaiveDate,
    pub recorded_by: String,
}

/// A member's total over a span of days.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberTotal {
    pub member_id: i64,
    pub name: String,
    pub records: i64,
    pub tenths: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServicePost {
    pub id: i64,
    pub org_id: i64,
    pub kind: String,
    pub name: String,
    pub description: String,
    /// (member id, name) of the members attached.
    pub members: Vec<(i64, String)>,
}

impl Records<'_> {
    /// The latest records kept in an organisation, newest first.
    pub async fn recent(self, kind: RecordKind, org_id: i64, limit: i64) -> Result<Vec<RecordRow>> {
        let (text, k) = match kind {
            RecordKind::Study => ("r.topic", "r.form"),
            RecordKind::Service => ("r.description", "CAST(COALESCE(r.post_id, 0) AS TEXT)"),
        };
        let rows = sqlx::query(dynsql!(
            "SELECT r.id, r.member_id, m.name, {text} AS record_text, {k} AS record_kind, \
                 r.hours_tenths, r.{day} AS record_day, r.recorded_by FROM {table} r \
                 JOIN members m ON m.id = r.member_id \
                 WHERE r.org_id = $1 ORDER BY r.{day} DESC, r.id DESC LIMIT $2",
            table = kind.table(),
            day = kind.day()
        ))
        .bind(org_id)
        .bind(limit)
        .fetch_all(self.store.reader())
        .await?;
        rows.iter()
            .map(|r| {
                let r = crate::row::Row::of(r, kind.table());
                Ok(RecordRow {
                    id: r.get("id")?,
                    member_id: r.get("member_id")?,
                    member_name: r.get("name")?,
                    text: r.get("record_text")?,
                    kind: r.get("record_kind")?,
                    tenths: r.get("hours_tenths")?,
                    on: r.date("record_day")?,
                    recorded_by: r.get("recorded_by")?,
                })
            })
            .collect()
    }

    /// Each member's records and hours kept in an organisation between two days (both
    /// included), members without any included, by name.
    pub async fn member_totals(
        self,
        kind: RecordKind,
        org_id: i64,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<MemberTotal>> {
        sqlx::query(dynsql!(
            "SELECT m.id, m.name, COUNT(r.id) AS records, \
             CAST(COALESCE(SUM(r.hours_tenths), 0) AS BIGINT) AS tenths \
             FROM members m LEFT JOIN {table} r ON r.member_id = m.id AND r.org_id = m.org_id \
             AND r.{day} >= $2 AND r.{day} <= $3 \
             WHERE m.org_id = $1 AND m.left_on IS NULL GROUP BY m.id, m.name ORDER BY m.name, m.id",
            table = kind.table(),
            day = kind.day()
        ))
        .bind(org_id)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(|r| {
            let r = Row::of(r, "members");
            Ok(MemberTotal {
                member_id: r.get("id")?,
                name: r.get("name")?,
                records: r.get("records")?,
                tenths: r.get("tenths")?,
            })
        })
        .collect()
    }

    /// The service carriers of an organisation with their members.
    pub async fn service_posts(self, org_id: i64) -> Result<Vec<ServicePost>> {
        let members = sqlx::query(
            "SELECT pm.post_id, m.id, m.name FROM service_post_members pm \
             JOIN service_posts p ON p.id = pm.post_id JOIN members m ON m.id = pm.member_id \
             WHERE p.org_id = $1 ORDER BY m.name",
        )
        .bind(org_id)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(|r| {
            let r = Row::of(r, "service_post_members");
            Ok((r.get("post_id")?, r.get("id")?, r.get("name")?))
        })
        .collect::<Result<Vec<(i64, i64, String)>>>()?;
        sqlx::query(
            "SELECT id, org_id, kind, name, description FROM service_posts \
             WHERE org_id = $1 ORDER BY kind, name",
        )
        .bind(org_id)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(|r| {
            let r = Row::of(r, "service_posts");
            let id: i64 = r.get("id")?;
            Ok(ServicePost {
                id,
                org_id: r.get("org_id")?,
                kind: r.get("kind")?,
                name: r.get("name")?,
                description: r.get("description")?,
                members: members
                    .iter()
                    .filter(|(post, _, _)| *post == id)
                    .map(|(_, member, name)| (*member, name.clone()))
                    .collect(),
            })
        })
        .collect()
    }
}

impl WriteTx {
    /// Stores a batch of records (a sitting of a whole branch, say) as one audit entry.
    pub async fn add_records(&mut self, kind: RecordKind, rows: &[NewRecord]) -> Result<usize> {
        if rows.is_empty() {
            return Ok(0);
        }
        let first = self.take_ids(kind.table(), rows.len()).await?;
        let now = now_ms();
        for (i, r) in rows.iter().enumerate() {
            let post = r.kind.parse::<i64>().ok().filter(|p| *p > 0);
            let q = match kind {
                RecordKind::Study => sqlx::query(
                    "INSERT INTO study_records (id, campaign_id, member_id, org_id, topic, form, \
                     hours_tenths, studied_on, recorded_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(first + i as i64)
                .bind(r.campaign_id)
                .bind(r.member_id)
                .bind(r.org_id)
                .bind(r.text.clone())
                .bind(r.kind.clone()),
                RecordKind::Service => sqlx::query(
                    "INSERT INTO service_records (id, campaign_id, member_id, org_id, \
                     description, post_id, hours_tenths, served_on, recorded_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(first + i as i64)
                .bind(r.campaign_id)
                .bind(r.member_id)
                .bind(r.org_id)
                .bind(r.text.clone())
                .bind(post),
            };
            q.bind(r.tenths)
                .bind(r.on.to_string())
                .bind(self.actor.clone())
                .bind(now)
                .execute(&mut *self.tx)
                .await?;
            // Hours count for the member and for the organisation recorded.
            self.facts_changed(r.campaign_id, "member", r.member_id);
            self.facts_changed(r.campaign_id, "organisation", r.org_id);
        }
        let key = format!("{}-{}", first, first + rows.len() as i64 - 1);
        let after = serde_json::json!({ "records": rows });
        self.record::<(), _>(
            &format!("{}.create", kind.name()),
            kind.table(),
            &key,
            None,
            Some(&after),
        )
        .await?;
        Ok(rows.len())
    }

    /// Creates a service carrier with its members.
    pub async fn create_service_post(
        &mut self,
        campaign_id: i64,
        org_id: i64,
        kind: &str,
        name: &str,
        description: &str,
        members: &[i64],
    ) -> Result<i64> {
        let id = self.next_id("service_posts").await?;
        sqlx::query(
            "INSERT INTO service_posts (id, campaign_id, org_id, kind, name, description, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(campaign_id)
        .bind(org_id)
        .bind(kind.to_string())
        .bind(name.trim().to_string())
        .bind(description.trim().to_string())
        .bind(now_ms())
        .execute(&mut *self.tx)
        .await?;
        for m in members {
            sqlx::query("INSERT INTO service_post_members (post_id, member_id) VALUES ($1, $2)")
                .bind(id)
                .bind(*m)
                .execute(&mut *self.tx)
                .await?;
        }
        let after = serde_json::json!({
            "org_id": org_id, "kind": kind, "name": name, "description": description,
            "members": members,
        });
        self.record::<(), _>(
            "service_post.create",
            "service_post",
            &id.to_string(),
            None,
            Some(&after),
        )
        .await?;
        Ok(id)
    }
}
