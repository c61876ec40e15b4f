//! Bulletins (通报, 总结): drafts with their body, frozen figures and tables, and issuing
//! with a document number per issuer and year. The number is taken inside the issuing
//! transaction as one more than the highest used, and a unique index over (prefix, year,
//! number) makes two servers issuing at once fail one of them rather than share a number.

mod delivery;
mod reports;

pub use delivery::ScheduleRecord;
pub use reports::{NewStageReport, StageReport};

use chrono::NaiveDate;
use serde::Serialize;
use xianfeng_domain::bulletin::{BulletinKind, BulletinStatus, DocumentNumber, Figures, Table};
use xianfeng_domain::i18n::Message;

use crate::Bulletins;
use crate::row::Row;
use crate::{Result, StoreError, WriteTx, now_ms};

/// A bulletin as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BulletinRecord {
    pub id: i64,
    pub campaign_id: i64,
    pub kind: BulletinKind,
    pub scope_org_id: i64,
    pub scope_code: String,
    pub scope_name: String,
    /// The period (or stage) it reports on, where its kind has one.
    pub period: Option<String>,
    /// The inspection plan or commendation it reports on, where its kind has one.
    pub subject_ref: Option<i64>,
    pub title: String,
    pub body: String,
    pub figures: Figures,
    pub tables: Vec<Table>,
    pub status: BulletinStatus,
    pub issuer: Option<String>,
    pub number: Option<DocumentNumber>,
    pub main_to: Option<String>,
    pub copy_to: Option<String>,
    pub signer: Option<String>,
    pub dated_on: Option<NaiveDate>,
    pub public: bool,
    pub corrects_id: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub issued_at: Option<i64>,
}

/// A new draft.
#[derive(Debug, Clone)]
pub struct NewBulletin {
    pub campaign_id: i64,
    pub kind: BulletinKind,
    pub scope_org_id: i64,
    pub period: Option<String>,
    pub subject_ref: Option<i64>,
    pub title: String,
    pub body: String,
    pub figures: Figures,
    pub tables: Vec<Table>,
    pub corrects_id: Option<i64>,
}

/// What issuing a draft sets.
#[derive(Debug, Clone, Serialize)]
pub struct Issue {
    /// 发文机关, as printed in red.
    pub issuer: String,
    pub prefix: String,
    pub year: i32,
    pub main_to: String,
    pub copy_to: String,
    pub signer: Option<String>,
    pub dated_on: NaiveDate,
    pub public: bool,
    /// The organisations it is addressed to, who find it on their home page.
    pub recipients: Vec<i64>,
}

pub(super) const COLUMNS: &str = "b.id, b.campaign_id, b.kind, b.scope_org_id, o.code AS scope_code, \
    o.name AS scope_name, b.period, b.subject_ref, b.title, b.body, b.figures_json, \
    b.tables_json, b.status, b.issuer, b.number_prefix, b.number_year, b.number_seq, \
    b.main_to, b.copy_to, b.signer, b.dated_on, b.public, b.corrects_id, b.created_by, \
    b.created_at, b.issued_at";

pub(super) fn record(r: &sqlx::any::AnyRow) -> Result<BulletinRecord> {
    let r = Row::of(r, "bulletins");
    let prefix: Option<String> = r.get("number_prefix")?;
    let year: Option<i64> = r.get("number_year")?;
    let seq: Option<i64> = r.get("number_seq")?;
    Ok(BulletinRecord {
        id: r.get("id")?,
        campaign_id: r.get("campaign_id")?,
        kind: r.parsed("kind", BulletinKind::parse)?,
        scope_org_id: r.get("scope_org_id")?,
        scope_code: r.get("scope_code")?,
        scope_name: r.get("scope_name")?,
        period: r.get("period")?,
        subject_ref: r.get("subject_ref")?,
        title: r.get("title")?,
        body: r.get("body")?,
        figures: r.json("figures_json")?,
        tables: r.json("tables_json")?,
        status: r.parsed("status", BulletinStatus::parse)?,
        issuer: r.get("issuer")?,
        number: match (prefix, year, seq) {
            (Some(prefix), Some(year), Some(seq)) => Some(DocumentNumber {
                prefix,
                year: year as i32,
                seq: seq as u32,
            }),
            _ => None,
        },
        main_to: r.get("main_to")?,
        copy_to: r.get("copy_to")?,
        signer: r.get("signer")?,
        dated_on: r.date_opt("dated_on")?,
        public: r.get::<i64>("public")? != 0,
        corrects_id: r.get("corrects_id")?,
        created_by: r.get("created_by")?,
        created_at: r.get("created_at")?,
        issued_at: r.get("issued_at")?,
    })
}

/// Ballots about the subjects of a subtree in the rounds of a span (a round counts in the
/// span its last day falls in, as scores count it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EvaluationSum {
    /// Rounds with subjects in the subtree.
    pub rounds: i64,
    pub satisfied: i64,
    pub basically_satisfied: i64,
    pub dissatisfied: i64,
}

impl Bulletins<'_> {
    /// The rounds and ballots of campaign `campaign` ending from `from` to `to` about the
    /// subjects of the subtree at `path`.
    pub async fn evaluation_in(
        self,
        campaign: i64,
        path: &xianfeng_domain::org::TreePath,
        (from, to): (NaiveDate, NaiveDate),
    ) -> Result<EvaluationSum> {
        let (lo, hi) = path.subtree_range();
        let rounds: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM eval_rounds r WHERE r.campaign_id = $1 \
             AND r.ends_on >= $2 AND r.ends_on <= $3 AND EXISTS (SELECT 1 FROM eval_subjects s \
             JOIN organisations o ON o.id = s.org_id WHERE s.round_id = r.id \
             AND o.path >= $4 AND o.path < $5)",
        )
        .bind(campaign)
        .bind(from.to_string())
        .bind(to.to_string())
        .bind(lo.clone())
        .bind(hi.clone())
        .fetch_one(self.store.reader())
        .await?;
        let counts: Vec<(String, i64)> = sqlx::query_as(
            "SELECT t.verdict, CAST(SUM(t.n) AS BIGINT) FROM eval_tallies t \
             JOIN eval_rounds r ON r.id = t.round_id \
             JOIN eval_subjects s ON s.round_id = t.round_id AND s.subject_id = t.subject_id \
             JOIN organisations o ON o.id = s.org_id \
             WHERE r.campaign_id = $1 AND r.ends_on >= $2 AND r.ends_on <= $3 \
             AND o.path >= $4 AND o.path < $5 GROUP BY t.verdict",
        )
        .bind(campaign)
        .bind(from.to_string())
        .bind(to.to_string())
        .bind(lo)
        .bind(hi)
        .fetch_all(self.store.reader())
        .await?;
        let mut sum = EvaluationSum {
            rounds,
            ..Default::default()
        };
        for (verdict, n) in counts {
            match verdict.as_str() {
                "satisfied" => sum.satisfied += n,
                "basically_satisfied" => sum.basically_satisfied += n,
                "dissatisfied" => sum.dissatisfied += n,
                _ => {}
            }
        }
        Ok(sum)
    }

    pub async fn bulletin(self, id: i64) -> Result<Option<BulletinRecord>> {
        sqlx::query(dynsql!(
            "SELECT {COLUMNS} FROM bulletins b JOIN organisations o ON o.id = b.scope_org_id \
             WHERE b.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.store.reader())
        .await?
        .as_ref()
        .map(record)
        .transpose()
    }

    /// Every bulletin of campaign `campaign`, newest first.
    pub async fn bulletins(self, campaign: i64) -> Result<Vec<BulletinRecord>> {
        sqlx::query(dynsql!(
            "SELECT {COLUMNS} FROM bulletins b JOIN organisations o ON o.id = b.scope_org_id \
             WHERE b.campaign_id = $1 ORDER BY b.id DESC"
        ))
        .bind(campaign)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(record)
        .collect()
    }
}

impl WriteTx {
    /// Stores a new draft (audited) and returns its id.
    pub async fn create_bulletin(&mut self, b: &NewBulletin) -> Result<i64> {
        let id = self.next_id("bulletins").await?;
        let now = now_ms();
        sqlx::query(
            "INSERT INTO bulletins (id, campaign_id, kind, scope_org_id, period, subject_ref, \
             title, body, figures_json, tables_json, status, corrects_id, created_by, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'draft', \
             $11, $12, $13, $13)",
        )
        .bind(id)
        .bind(b.campaign_id)
        .bind(b.kind.as_str())
        .bind(b.scope_org_id)
        .bind(b.period.clone())
        .bind(b.subject_ref)
        .bind(b.title.clone())
        .bind(b.body.clone())
        .bind(serde_json::to_string(&b.figures).expect("figures serialise"))
        .bind(serde_json::to_string(&b.tables).expect("tables serialise"))
        .bind(b.corrects_id)
        .bind(self.actor.clone())
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        let after = serde_json::json!({
            "kind": b.kind, "scope": b.scope_org_id, "period": b.period, "title": b.title,
            "corrects": b.corrects_id,
        });
        self.record::<(), _>(
            "bulletin.draft",
            "bulletin",
            &id.to_string(),
            None,
            Some(&after),
        )
        .await?;
        Ok(id)
    }

    /// Changes a draft's title and body (audited); an issued bulletin is refused.
    pub async fn edit_bulletin(&mut self, id: i64, title: &str, body: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE bulletins SET title = $1, body = $2, updated_at = $3 \
             WHERE id = $4 AND status = 'draft'",
        )
        .bind(title.to_string())
        .bind(body.to_string())
        .bind(now_ms())
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(Message::of("bulletin.issued", &[])));
        }
        self.record::<(), _>(
            "bulletin.edit",
            "bulletin",
            &id.to_string(),
            None,
            Some(&serde_json::json!({ "title": title, "body": body })),
        )
        .await
    }

    /// Writes a draft again from the data as it is now (audited): its title, body,
    /// figures and tables are replaced; an issued bulletin is refused.
    pub async fn redraft_bulletin(&mut self, id: i64, b: &NewBulletin) -> Result<()> {
        let done = sqlx::query(
            "UPDATE bulletins SET title = $1, body = $2, figures_json = $3, tables_json = $4, \
             updated_at = $5 WHERE id = $6 AND status = 'draft'",
        )
        .bind(b.title.clone())
        .bind(b.body.clone())
        .bind(serde_json::to_string(&b.figures).expect("figures serialise"))
        .bind(serde_json::to_string(&b.tables).expect("tables serialise"))
        .bind(now_ms())
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(Message::of("bulletin.issued", &[])));
        }
        self.record::<(), _>(
            "bulletin.redraft",
            "bulletin",
            &id.to_string(),
            None,
            Some(&serde_json::json!({ "title": b.title, "figures": b.figures })),
        )
        .await
    }

    /// Issues a draft (audited): the next number of the issuer's prefix in the year, and
    /// what the issuing sets. Two bulletins issued at once under one prefix (two offices,
    /// two servers) take turns for the number, so that both are issued, one numbered after
    /// the other (B11); the unique index stays as the last guard.
    pub async fn issue_bulletin(&mut self, id: i64, issue: &Issue) -> Result<DocumentNumber> {
        self.lock_name(&format!("bulletin-number/{}/{}", issue.prefix, issue.year))
            .await?;
        let used: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(number_seq) FROM bulletins WHERE number_prefix = $1 AND number_year = $2",
        )
        .bind(issue.prefix.clone())
        .bind(i64::from(issue.year))
        .fetch_one(&mut *self.tx)
        .await?;
        let number = xianfeng_domain::bulletin::next_number(
            &issue.prefix,
            issue.year,
            used.map(|n| n as u32),
        );
        let done = sqlx::query(
            "UPDATE bulletins SET status = 'issued', issuer = $1, number_prefix = $2, \
             number_year = $3, number_seq = $4, main_to = $5, copy_to = $6, signer = $7, \
             dated_on = $8, public = $9, issued_by = $10, issued_at = $11, updated_at = $11 \
             WHERE id = $12 AND status = 'draft'",
        )
        .bind(issue.issuer.clone())
        .bind(issue.prefix.clone())
        .bind(i64::from(issue.year))
        .bind(i64::from(number.seq))
        .bind(issue.main_to.clone())
        .bind(issue.copy_to.clone())
        .bind(issue.signer.clone())
        .bind(issue.dated_on.to_string())
        .bind(i64::from(issue.public))
        .bind(self.actor.clone())
        .bind(now_ms())
        .bind(id)
        .execute(&mut *self.tx)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                StoreError::Conflict(Message::of("store.number_taken", &[("number", &number)]))
            }
            e => e.into(),
        })?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(Message::of("bulletin.issued", &[])));
        }
        self.add_recipients(id, &issue.recipients).await?;
        self.record::<(), _>(
            "bulletin.issue",
            "bulletin",
            &id.to_string(),
            None,
            Some(&serde_json::json!({ "number": number.to_string(), "issue": issue })),
        )
        .await?;
        Ok(number)
    }
}
