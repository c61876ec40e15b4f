//! Selection and commendation (评选表彰): nominations and their steps, public notices,
//! objections and disciplinary sanctions. The rules live in `domain::selection`; this
//! module stores what the application decided, and refuses a step whose starting stage is
//! no longer true (someone else moved first).

use crate::Selection;
use chrono::NaiveDate;
use serde::Serialize;
use xianfeng_domain::i18n::Message;
use xianfeng_domain::selection::{Finding, RuleCheck, Stage, Step};
use xianfeng_domain::subject::SubjectKind;

use crate::commitments::Evidence;
use crate::row::Row;
use crate::{Result, StoreError, WriteTx, now_ms};

const NOMINATION_COLUMNS: &str = "id, campaign_id, honour, subject_kind, subject_id, org_id, \
     nominated_by_org, decided_by_org, stage, deeds, summary, eligibility, assessment, decision, \
     notice_id, document_no, commended_on, recommended_from, created_by, created_at, updated_at";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NominationRecord {
    pub id: i64,
    pub campaign_id: i64,
    pub honour: String,
    pub subject_kind: SubjectKind,
    pub subject_id: i64,
    pub org_id: i64,
    pub nominated_by_org: i64,
    pub decided_by_org: i64,
    pub stage: Stage,
    pub deeds: String,
    pub summary: String,
    /// The eligibility checks made when nominated, with their reasons.
    pub eligibility: Vec<RuleCheck>,
    pub assessment: Option<String>,
    pub decision: Option<String>,
    pub notice_id: Option<i64>,
    pub document_no: Option<String>,
    pub commended_on: Option<NaiveDate>,
    pub recommended_from: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

fn nomination_of(r: sqlx::any::AnyRow) -> Result<NominationRecord> {
    let r = Row::of(&r, "nominations");
    Ok(NominationRecord {
        id: r.get("id")?,
        campaign_id: r.get("campaign_id")?,
        honour: r.get("honour")?,
        subject_kind: r.parsed("subject_kind", SubjectKind::parse)?,
        subject_id: r.get("subject_id")?,
        org_id: r.get("org_id")?,
        nominated_by_org: r.get("nominated_by_org")?,
        decided_by_org: r.get("decided_by_org")?,
        stage: r.parsed("stage", Stage::parse)?,
        deeds: r.get("deeds")?,
        summary: r.get("summary")?,
        eligibility: r.json("eligibility")?,
        assessment: r.get("assessment")?,
        decision: r.get("decision")?,
        notice_id: r.get("notice_id")?,
        document_no: r.get("document_no")?,
        commended_on: r.date_opt("commended_on")?,
        recommended_from: r.get("recommended_from")?,
        created_by: r.get("created_by")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

/// A nomination to store.
#[derive(Debug, Clone)]
pub struct NewNomination {
    pub campaign_id: i64,
    pub honour: String,
    pub subject_kind: SubjectKind,
    pub subject_id: i64,
    pub org_id: i64,
    pub nominated_by_org: i64,
    pub decided_by_org: i64,
    pub deeds: String,
    pub summary: String,
    pub eligibility: Vec<RuleCheck>,
    pub recommended_from: Option<i64>,
}

/// What a step writes besides the stage.
#[derive(Debug, Clone, Default)]
pub struct StepRecord {
    /// The step's text: the assessment, the decision, the reason to withdraw or reject.
    pub note: Option<String>,
    pub notice_id: Option<i64>,
    pub document_no: Option<String>,
    pub commended_on: Option<NaiveDate>,
}

/// One step taken on a nomination.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NominationEvent {
    /// The step taken; `None` for the nomination itself.
    pub step: Option<Step>,
    /// The stage before; `None` for the nomination itself.
    pub from_stage: Option<Stage>,
    pub to_stage: Stage,
    pub actor: String,
    pub note: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoticeRecord {
    pub id: i64,
    pub campaign_id: i64,
    pub honour: String,
    pub title: String,
    pub body: String,
    pub contact: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub workdays: i64,
    pub real_name: bool,
    pub created_by: String,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewNotice {
    pub campaign_id: i64,
    pub honour: String,
    pub title: String,
    pub body: String,
    pub contact: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub workdays: i64,
    pub real_name: bool,
}

/// A sanction (处分) recorded against a member.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SanctionRecord {
    pub imposed_on: NaiveDate,
    /// A code of `app::selection::SANCTIONS`.
    pub kind: String,
    pub note: String,
}

/// An objection as the office reads it (name and contact decrypted).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectionRecord {
    pub id: i64,
    pub notice_id: i64,
    pub nomination_id: i64,
    pub content: String,
    pub name: Option<String>,
    pub contact: Option<String>,
    pub submitted_at: i64,
    pub investigation: Option<String>,
    pub finding: Option<Finding>,
    pub handled_by: Option<String>,
    pub handled_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewObjection {
    pub notice_id: i64,
    pub nomination_id: i64,
    pub content: String,
    pub name: Option<String>,
    pub contact: Option<String>,
    /// Where it came from, hashed before it is stored.
    pub source: String,
}

/// How the nomination itself is written among its steps.
const NOMINATE: &str = "nominate";

fn moved_on() -> StoreError {
    StoreError::Conflict(Message::of("store.nomination_moved_on", &[]))
}

impl Selection<'_> {
    pub async fn nomination(self, id: i64) -> Result<Option<NominationRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NOMINATION_COLUMNS} FROM nominations WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(self.store.reader())
        .await?;
        row.map(nomination_of).transpose()
    }

    /// A campaign's nominations, optionally for one honour, newest first.
    pub async fn nominations(
        self,
        campaign_id: i64,
        honour: Option<&str>,
    ) -> Result<Vec<NominationRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NOMINATION_COLUMNS} FROM nominations WHERE campaign_id = $1 \
             AND ($2 = '' OR honour = $2) ORDER BY id DESC"
        )))
        .bind(campaign_id)
        .bind(honour.unwrap_or("").to_string())
        .fetch_all(self.store.reader())
        .await?;
        rows.into_iter().map(nomination_of).collect()
    }

    /// The candidates of a notice, in nomination order.
    pub async fn notice_candidates(self, notice_id: i64) -> Result<Vec<NominationRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NOMINATION_COLUMNS} FROM nominations WHERE notice_id = $1 ORDER BY id"
        )))
        .bind(notice_id)
        .fetch_all(self.store.reader())
        .await?;
        rows.into_iter().map(nomination_of).collect()
    }

    /// The steps taken on a nomination, oldest first.
    pub async fn nomination_events(self, id: i64) -> Result<Vec<NominationEvent>> {
        let rows = sqlx::query(
            "SELECT step, from_stage, to_stage, actor, note, at FROM nomination_events \
             WHERE nomination_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(self.store.reader())
        .await?;
        rows.iter()
            .map(|r| {
                let r = Row::of(r, "nomination_events");
                Ok(NominationEvent {
                    step: r.parsed("step", |s| match s {
                        NOMINATE => Some(None),
                        other => Step::parse(other).map(Some),
                    })?,
                    from_stage: r.parsed("from_stage", |s| match s {
                        "" => Some(None),
                        other => Stage::parse(other).map(Some),
                    })?,
                    to_stage: r.parsed("to_stage", Stage::parse)?,
                    actor: r.get("actor")?,
                    note: r.get("note")?,
                    at: r.get("at")?,
                })
            })
            .collect()
    }

    pub async fn notice(self, id: i64) -> Result<Option<NoticeRecord>> {
        Ok(self.notices_where("id = $1", id).await?.into_iter().next())
    }

    /// A campaign's notices, newest first.
    pub async fn notices(self, campaign_id: i64) -> Result<Vec<NoticeRecord>> {
        self.notices_where("campaign_id = $1", campaign_id).await
    }

    async fn notices_where(self, filter: &str, value: i64) -> Result<Vec<NoticeRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id, campaign_id, honour, title, body, contact, starts_on, ends_on, \
             workdays, real_name, created_by, created_at FROM notices WHERE {filter} \
             ORDER BY id DESC"
        )))
        .bind(value)
        .fetch_all(self.store.reader())
        .await?;
        rows.iter()
            .map(|r| {
                let r = Row::of(r, "notices");
                Ok(NoticeRecord {
                    id: r.get("id")?,
                    campaign_id: r.get("campaign_id")?,
                    honour: r.get("honour")?,
                    title: r.get("title")?,
                    body: r.get("body")?,
                    contact: r.get("contact")?,
                    starts_on: r.date("starts_on")?,
                    ends_on: r.date("ends_on")?,
                    workdays: r.get("workdays")?,
                    real_name: r.get::<i64>("real_name")? != 0,
                    created_by: r.get("created_by")?,
                    created_at: r.get("created_at")?,
                })
            })
            .collect()
    }

    /// The objections of a notice, oldest first, names and contacts decrypted.
    pub async fn objections(self, notice_id: i64) -> Result<Vec<ObjectionRecord>> {
        let rows = sqlx::query(
            "SELECT id, notice_id, nomination_id, content, name, contact, submitted_at, \
             investigation, finding, handled_by, handled_at FROM objections \
             WHERE notice_id = $1 ORDER BY id",
        )
        .bind(notice_id)
        .fetch_all(self.store.reader())
        .await?;
        let open = |v: Option<String>| -> Result<Option<String>> {
            v.map(|s| self.store.vault().decrypt(&s)).transpose()
        };
        rows.iter()
            .map(|r| {
                let r = Row::of(r, "objections");
                Ok(ObjectionRecord {
                    id: r.get("id")?,
                    notice_id: r.get("notice_id")?,
                    nomination_id: r.get("nomination_id")?,
                    content: r.get("content")?,
                    name: open(r.get("name")?)?,
                    contact: open(r.get("contact")?)?,
                    submitted_at: r.get("submitted_at")?,
                    investigation: r.get("investigation")?,
                    finding: r.parsed_opt("finding", Finding::parse)?,
                    handled_by: r.get("handled_by")?,
                    handled_at: r.get("handled_at")?,
                })
            })
            .collect()
    }

    /// The open nomination recommended on from `id`, if any.
    pub async fn recommended_on(self, id: i64) -> Result<Option<i64>> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT id FROM nominations WHERE recommended_from = $1 \
             AND stage NOT IN ('withdrawn', 'rejected')",
        )
        .bind(id)
        .fetch_optional(self.store.reader())
        .await?;
        Ok(row.map(|r| r.0))
    }

    /// The files attached to a nomination (事迹材料).
    pub async fn nomination_attachments(self, id: i64) -> Result<Vec<Evidence>> {
        sqlx::query(
            "SELECT a.id, a.file_name, a.kind FROM nomination_attachments n \
             JOIN attachments a ON a.id = n.attachment_id WHERE n.nomination_id = $1 ORDER BY a.id",
        )
        .bind(id)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(|r| crate::commitments::evidence(&Row::of(r, "attachments")))
        .collect()
    }

    /// The nomination a stored file belongs to, if any.
    pub async fn attachment_nomination(self, attachment_id: i64) -> Result<Option<i64>> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT nomination_id FROM nomination_attachments WHERE attachment_id = $1",
        )
        .bind(attachment_id)
        .fetch_optional(self.store.reader())
        .await?;
        Ok(row.map(|r| r.0))
    }

    /// Ballots about a subject in all of a campaign's rounds: satisfied, basically
    /// satisfied, dissatisfied (from the score facts).
    pub async fn campaign_ballots_of(
        self,
        campaign_id: i64,
        kind: &str,
        id: i64,
    ) -> Result<[i64; 3]> {
        let row: Option<(i64, i64, i64)> = sqlx::query_as(
            "SELECT CAST(SUM(satisfied) AS BIGINT), CAST(SUM(basically_satisfied) AS BIGINT),              CAST(SUM(dissatisfied) AS BIGINT) FROM score_facts              WHERE campaign_id = $1 AND subject_kind = $2 AND subject_id = $3              GROUP BY subject_id",
        )
        .bind(campaign_id)
        .bind(kind.to_string())
        .bind(id)
        .fetch_optional(self.store.reader())
        .await?;
        Ok(row.map_or([0; 3], |(s, b, d)| [s, b, d]))
    }

    /// The member record linked to a cadre, if any.
    pub async fn cadre_member(self, cadre_id: i64) -> Result<Option<i64>> {
        let row: Option<(Option<i64>,)> =
            sqlx::query_as("SELECT member_id FROM cadres WHERE id = $1")
                .bind(cadre_id)
                .fetch_optional(self.store.reader())
                .await?;
        Ok(row.and_then(|(m,)| m))
    }

    /// A member's recorded sanctions, latest first.
    pub async fn sanctions_list(self, member_id: i64) -> Result<Vec<SanctionRecord>> {
        sqlx::query(
            "SELECT imposed_on, kind, note FROM sanctions WHERE member_id = $1 \
             ORDER BY imposed_on DESC, id DESC",
        )
        .bind(member_id)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(|r| {
            let r = Row::of(r, "sanctions");
            Ok(SanctionRecord {
                imposed_on: r.date("imposed_on")?,
                kind: r.get("kind")?,
                note: r.get("note")?,
            })
        })
        .collect()
    }

    /// How many sanctions a member has had imposed on or after `from`.
    pub async fn sanctions_since(self, member_id: i64, from: NaiveDate) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM sanctions WHERE member_id = $1 AND imposed_on >= $2",
        )
        .bind(member_id)
        .bind(from.to_string())
        .fetch_one(self.store.reader())
        .await?)
    }
}

impl WriteTx {
    /// Nominations an organisation holds for an honour (all but withdrawn and rejected),
    /// read inside the transaction that would add one with the organisation's quota for
    /// the honour locked, so two at once cannot both pass.
    pub async fn nominations_held(
        &mut self,
        campaign_id: i64,
        honour: &str,
        nominated_by_org: i64,
    ) -> Result<i64> {
        self.lock_name(&format!(
            "nomination-quota/{campaign_id}/{honour}/{nominated_by_org}"
        ))
        .await?;
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM nominations WHERE campaign_id = $1 AND honour = $2 \
             AND nominated_by_org = $3 AND stage NOT IN ('withdrawn', 'rejected')",
        )
        .bind(campaign_id)
        .bind(honour.to_string())
        .bind(nominated_by_org)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    /// Stores a nomination at the first stage, with its first event and audit entry.
    pub async fn create_nomination(
        &mut self,
        n: &NewNomination,
        attachments: &[i64],
    ) -> Result<i64> {
        // One nomination of a subject for an honour at a time: two organisations on its
        // path nominating it at once take turns here.
        self.lock_name(&format!(
            "nomination-subject/{}/{}/{}/{}",
            n.campaign_id,
            n.honour,
            n.subject_kind.as_str(),
            n.subject_id
        ))
        .await?;
        if let Some(from) = n.recommended_from {
            // The nomination recommended on must still stand as the recommendation is
            // written: a withdrawal or rejection at the same moment waits, then finds it.
            self.lock_rows(crate::locks::Rows::Nominations, &[from])
                .await?;
            let stage: Option<String> =
                sqlx::query_scalar("SELECT stage FROM nominations WHERE id = $1")
                    .bind(from)
                    .fetch_optional(&mut *self.tx)
                    .await?;
            if !matches!(stage.as_deref(), Some("approved" | "commended")) {
                return Err(moved_on());
            }
        }
        // Open: not withdrawn or rejected, and not recommended on already (the chain of a
        // candidate recommended up level by level is one nomination in spirit).
        let open: Option<(i64,)> = sqlx::query_as(
            "SELECT n.id FROM nominations n WHERE n.campaign_id = $1 AND n.honour = $2 \
             AND n.subject_kind = $3 AND n.subject_id = $4 \
             AND n.stage NOT IN ('withdrawn', 'rejected') AND n.id <> $5 \
             AND NOT EXISTS (SELECT 1 FROM nominations up WHERE up.recommended_from = n.id \
             AND up.stage NOT IN ('withdrawn', 'rejected'))",
        )
        .bind(n.campaign_id)
        .bind(n.honour.clone())
        .bind(n.subject_kind.as_str())
        .bind(n.subject_id)
        .bind(n.recommended_from.unwrap_or(0))
        .fetch_optional(&mut *self.tx)
        .await?;
        if let Some((other,)) = open {
            return Err(StoreError::Conflict(Message::of(
                "store.nominated_already",
                &[("id", &other)],
            )));
        }
        let id = self.next_id("nominations").await?;
        let now = now_ms();
        sqlx::query(
            "INSERT INTO nominations (id, campaign_id, honour, subject_kind, subject_id, org_id, \
             nominated_by_org, decided_by_org, stage, deeds, summary, eligibility, \
             recommended_from, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)",
        )
        .bind(id)
        .bind(n.campaign_id)
        .bind(n.honour.clone())
        .bind(n.subject_kind.as_str())
        .bind(n.subject_id)
        .bind(n.org_id)
        .bind(n.nominated_by_org)
        .bind(n.decided_by_org)
        .bind(Stage::Nominated.as_str())
        .bind(n.deeds.clone())
        .bind(n.summary.clone())
        .bind(serde_json::to_string(&n.eligibility).expect("checks serialise"))
        .bind(n.recommended_from)
        .bind(self.actor.clone())
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        for a in attachments {
            sqlx::query(
                "INSERT INTO nomination_attachments (nomination_id, attachment_id) VALUES ($1, $2)",
            )
            .bind(id)
            .bind(*a)
            .execute(&mut *self.tx)
            .await?;
        }
        self.nomination_event(id, NOMINATE, None, Stage::Nominated, None, now)
            .await?;
        let after = serde_json::json!({
            "honour": n.honour, "subject_kind": n.subject_kind, "subject_id": n.subject_id,
            "nominated_by_org": n.nominated_by_org, "decided_by_org": n.decided_by_org,
            "recommended_from": n.recommended_from, "attachments": attachments,
        });
        self.record::<(), _>(
            "nomination.create",
            "nomination",
            &id.to_string(),
            None,
            Some(&after),
        )
        .await?;
        Ok(id)
    }

    /// Nomination `id`'s stage as this transaction sees it (after [`WriteTx::files_held`]
    /// has locked it: files sent as it is assessed are refused, not attached after).
    pub async fn nomination_stage(&mut self, id: i64) -> Result<Stage> {
        let row = sqlx::query("SELECT stage FROM nominations WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(Message::of("store.no_nomination", &[])))?;
        Row::of(&row, "nominations").parsed("stage", Stage::parse)
    }

    /// Attaches stored files to a nomination's account of deeds.
    pub async fn attach_to_nomination(&mut self, id: i64, attachments: &[i64]) -> Result<()> {
        for a in attachments {
            sqlx::query(
                "INSERT INTO nomination_attachments (nomination_id, attachment_id) VALUES ($1, $2)",
            )
            .bind(id)
            .bind(*a)
            .execute(&mut *self.tx)
            .await?;
        }
        let after = serde_json::json!({ "attachments": attachments });
        self.record::<(), _>(
            "nomination.attach",
            "nomination",
            &id.to_string(),
            None,
            Some(&after),
        )
        .await
    }

    async fn nomination_event(
        &mut self,
        id: i64,
        step: &str,
        from: Option<Stage>,
        to: Stage,
        note: Option<&str>,
        at: i64,
    ) -> Result<()> {
        let event = self.next_id("nomination_events").await?;
        sqlx::query(
            "INSERT INTO nomination_events (id, nomination_id, step, from_stage, to_stage, \
             actor, note, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(event)
        .bind(id)
        .bind(step.to_string())
        .bind(from.map_or("", Stage::as_str))
        .bind(to.as_str())
        .bind(self.actor.clone())
        .bind(note.map(str::to_string))
        .bind(at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Moves a nomination from `before`'s stage to `to` by `step`, writing what the step
    /// carries; refused if the nomination has moved on since `before` was read.
    pub async fn step_nomination(
        &mut self,
        before: &NominationRecord,
        step: Step,
        to: Stage,
        detail: &StepRecord,
    ) -> Result<()> {
        let now = now_ms();
        let note = detail.note.clone();
        let assessment = if step == Step::Assess {
            note.clone()
        } else {
            before.assessment.clone()
        };
        let decision = if step == Step::Approve {
            note.clone()
        } else {
            before.decision.clone()
        };
        let n = sqlx::query(
            "UPDATE nominations SET stage = $1, assessment = $2, decision = $3, \
             notice_id = $4, document_no = $5, commended_on = $6, updated_at = $7 \
             WHERE id = $8 AND stage = $9",
        )
        .bind(to.as_str())
        .bind(assessment)
        .bind(decision)
        .bind(detail.notice_id.or(before.notice_id))
        .bind(detail.document_no.clone().or(before.document_no.clone()))
        .bind(
            detail
                .commended_on
                .or(before.commended_on)
                .map(|d| d.to_string()),
        )
        .bind(now)
        .bind(before.id)
        .bind(before.stage.as_str())
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Err(moved_on());
        }
        if matches!(to, Stage::Withdrawn | Stage::Rejected) {
            // Taking back a candidate recommended on would free the quota while the
            // candidate goes on above: asked again with the row locked by the update, so
            // that a recommendation written at the same moment is seen.
            let up: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM nominations WHERE recommended_from = $1 \
                 AND stage NOT IN ('withdrawn', 'rejected')",
            )
            .bind(before.id)
            .fetch_optional(&mut *self.tx)
            .await?;
            if up.is_some() {
                return Err(moved_on());
            }
        }
        self.nomination_event(
            before.id,
            step.as_str(),
            Some(before.stage),
            to,
            note.as_deref(),
            now,
        )
        .await?;
        let after = serde_json::json!({
            "stage": to.as_str(), "note": note, "notice_id": detail.notice_id,
            "document_no": detail.document_no, "commended_on": detail.commended_on,
        });
        let prior = serde_json::json!({ "stage": before.stage });
        self.record(
            &format!("nomination.{}", step.as_str()),
            "nomination",
            &before.id.to_string(),
            Some(&prior),
            Some(&after),
        )
        .await
    }

    pub async fn create_notice(&mut self, n: &NewNotice) -> Result<i64> {
        let id = self.next_id("notices").await?;
        sqlx::query(
            "INSERT INTO notices (id, campaign_id, honour, title, body, contact, starts_on, \
             ends_on, workdays, real_name, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(id)
        .bind(n.campaign_id)
        .bind(n.honour.clone())
        .bind(n.title.clone())
        .bind(n.body.clone())
        .bind(n.contact.clone())
        .bind(n.starts_on.to_string())
        .bind(n.ends_on.to_string())
        .bind(n.workdays)
        .bind(i64::from(n.real_name))
        .bind(self.actor.clone())
        .bind(now_ms())
        .execute(&mut *self.tx)
        .await?;
        let after = serde_json::json!({
            "honour": n.honour, "title": n.title, "starts_on": n.starts_on,
            "ends_on": n.ends_on, "workdays": n.workdays, "real_name": n.real_name,
        });
        self.record::<(), _>(
            "notice.create",
            "notice",
            &id.to_string(),
            None,
            Some(&after),
        )
        .await?;
        Ok(id)
    }

    /// How many sanctions a member has, read with her locked until this transaction ends
    /// (a commendation's last look: one recorded since its checks refuses it).
    pub async fn sanctions_of_member(&mut self, member_id: i64) -> Result<i64> {
        self.lock_rows(crate::locks::Rows::Members, &[member_id])
            .await?;
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM sanctions WHERE member_id = $1")
                .bind(member_id)
                .fetch_one(&mut *self.tx)
                .await?,
        )
    }

    /// The cadres whose record links to a member, as this transaction sees them.
    pub async fn cadres_of_member(&mut self, member_id: i64) -> Result<Vec<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM cadres WHERE member_id = $1 ORDER BY id")
                .bind(member_id)
                .fetch_all(&mut *self.tx)
                .await?,
        )
    }

    /// The findings on the objections to a nomination, as this transaction sees them.
    pub async fn findings_of_nomination(
        &mut self,
        nomination_id: i64,
    ) -> Result<Vec<Option<Finding>>> {
        let rows: Vec<Option<String>> = sqlx::query_scalar(
            "SELECT finding FROM objections WHERE nomination_id = $1 ORDER BY id",
        )
        .bind(nomination_id)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.into_iter()
            .map(|f| match f {
                None => Ok(None),
                Some(f) => Finding::parse(&f)
                    .map(Some)
                    .ok_or_else(|| crate::row::bad_value("objections", "finding", &f)),
            })
            .collect()
    }

    /// Objections to a notice from one source since `since` (ms), counted inside the
    /// transaction that would add one, so that objections sent at once cannot all pass.
    pub async fn objections_from(
        &mut self,
        notice_id: i64,
        source: &str,
        since: i64,
    ) -> Result<i64> {
        // Counted with the source's turn taken, so that objections sent at once from one
        // source are counted one after the other. The lock's name holds the source hashed,
        // as the objections do.
        let source = self.vault.hash(source);
        self.lock_name(&format!("objections/{notice_id}/{source}"))
            .await?;
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM objections WHERE notice_id = $1 AND source = $2 \
             AND submitted_at >= $3",
        )
        .bind(notice_id)
        .bind(source)
        .bind(since)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    /// Stores an objection; the name and contact are encrypted, the source only hashed.
    pub async fn add_objection(&mut self, o: &NewObjection) -> Result<i64> {
        let id = self.next_id("objections").await?;
        let seal = |v: &Option<String>| v.as_ref().map(|s| self.vault.encrypt(s));
        sqlx::query(
            "INSERT INTO objections (id, notice_id, nomination_id, content, name, contact, \
             source, submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(o.notice_id)
        .bind(o.nomination_id)
        .bind(o.content.clone())
        .bind(seal(&o.name))
        .bind(seal(&o.contact))
        .bind(self.vault.hash(&o.source))
        .bind(now_ms())
        .execute(&mut *self.tx)
        .await?;
        // The audit trail says that an objection came and about whom, never who raised it.
        let after = serde_json::json!({
            "notice_id": o.notice_id, "nomination_id": o.nomination_id,
            "named": o.name.is_some(),
        });
        self.record::<(), _>(
            "objection.create",
            "objection",
            &id.to_string(),
            None,
            Some(&after),
        )
        .await?;
        Ok(id)
    }

    /// Records an objection's investigation and finding; refused if it has one already.
    pub async fn record_finding(
        &mut self,
        id: i64,
        investigation: &str,
        finding: Finding,
    ) -> Result<()> {
        // The nomination objected to is locked first: a commendation at the same moment
        // waits for this finding and reads it, or went first and this one follows it.
        let nomination: Option<i64> =
            sqlx::query_scalar("SELECT nomination_id FROM objections WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *self.tx)
                .await?;
        if let Some(n) = nomination {
            self.lock_rows(crate::locks::Rows::Nominations, &[n])
                .await?;
        }
        let n = sqlx::query(
            "UPDATE objections SET investigation = $1, finding = $2, handled_by = $3, \
             handled_at = $4 WHERE id = $5 AND finding IS NULL",
        )
        .bind(investigation.to_string())
        .bind(finding.as_str())
        .bind(self.actor.clone())
        .bind(now_ms())
        .bind(id)
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Err(StoreError::Conflict(Message::of(
                "store.objection_handled",
                &[],
            )));
        }
        let after =
            serde_json::json!({ "finding": finding.as_str(), "investigation": investigation });
        self.record::<(), _>(
            "objection.finding",
            "objection",
            &id.to_string(),
            None,
            Some(&after),
        )
        .await
    }

    /// Records a disciplinary sanction against a member.
    pub async fn add_sanction(
        &mut self,
        member_id: i64,
        imposed_on: &str,
        kind: &str,
        note: &str,
    ) -> Result<i64> {
        // The member locked until commit: a commendation of her at the same moment waits
        // and then finds the sanction, or went first and its library entry is found by
        // this transaction's withdrawal.
        self.lock_rows(crate::locks::Rows::Members, &[member_id])
            .await?;
        let id = self.next_id("sanctions").await?;
        sqlx::query(
            "INSERT INTO sanctions (id, member_id, imposed_on, kind, note, recorded_by, \
             recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(member_id)
        .bind(imposed_on.to_string())
        .bind(kind.to_string())
        .bind(note.to_string())
        .bind(self.actor.clone())
        .bind(now_ms())
        .execute(&mut *self.tx)
        .await?;
        let after =
            serde_json::json!({ "member_id": member_id, "imposed_on": imposed_on, "kind": kind });
        self.record::<(), _>(
            "sanction.create",
            "sanction",
            &id.to_string(),
            None,
            Some(&after),
        )
        .await?;
        Ok(id)
    }
}
