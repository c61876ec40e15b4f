//! Public commitments (公开承诺), their items, every step taken on them, and progress
//! reports with evidence. The lifecycle rules live in `domain::commitment`; this module
//! stores what the application decided, and refuses a step whose starting status is no
//! longer true (someone else moved first).

use crate::Commitments;
use chrono::NaiveDate;
use serde::Serialize;
use xianfeng_domain::commitment::{ItemDraft, Outcome, Status, Step};
use xianfeng_domain::i18n::Message;
use xianfeng_domain::media::FileKind;
use xianfeng_domain::subject::SubjectKind;

use crate::row::Row;
use crate::{Result, StoreError, WriteTx, in_list, now_ms};
use sqlx::AssertSqlSafe;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemRecord {
    pub id: i64,
    pub position: i64,
    pub activity: String,
    pub content: String,
    pub target: String,
    pub due_on: NaiveDate,
    pub outcome: Outcome,
    pub closed_on: Option<NaiveDate>,
    pub closed_by: Option<String>,
    pub close_note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommitmentRecord {
    pub id: i64,
    pub campaign_id: i64,
    pub subject_kind: SubjectKind,
    pub subject_id: i64,
    /// The subject's own organisation.
    pub org_id: i64,
    pub title: String,
    pub status: Status,
    pub evaluation: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub published_at: Option<i64>,
    pub items: Vec<ItemRecord>,
}

impl CommitmentRecord {
    pub fn outcomes(&self) -> Vec<Outcome> {
        self.items.iter().map(|i| i.outcome).collect()
    }
}

/// One step of a commitment's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommitmentEvent {
    pub step: Step,
    pub from_status: Status,
    pub to_status: Status,
    pub item_id: Option<i64>,
    pub actor: String,
    pub reason: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgressRecord {
    pub id: i64,
    pub item_id: Option<i64>,
    pub body: String,
    pub reported_on: NaiveDate,
    pub reported_by: String,
    pub attachments: Vec<Evidence>,
}

/// A stored file as a list shows it: its id, the name it was uploaded under, its kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub id: i64,
    pub file_name: String,
    pub kind: FileKind,
}

/// Reads an [`Evidence`] from a row with `id`, `file_name` and `kind` of `attachments`.
pub(crate) fn evidence(r: &Row) -> Result<Evidence> {
    Ok(Evidence {
        id: r.get("id")?,
        file_name: r.get("file_name")?,
        kind: r.parsed("kind", FileKind::parse)?,
    })
}

/// A new commitment: who it is about and what it promises.
#[derive(Debug, Clone)]
pub struct NewCommitment {
    pub campaign_id: i64,
    pub subject_kind: SubjectKind,
    pub subject_id: i64,
    pub org_id: i64,
    pub title: String,
    pub items: Vec<ItemDraft>,
}

/// How a step changes the commitment besides its status.
#[derive(Debug, Clone, Default)]
pub struct StepDetail {
    /// For closing an item: its id, outcome and the date it closed.
    pub item: Option<(i64, Outcome, NaiveDate)>,
    pub reason: Option<String>,
}

const COLUMNS: &str = "id, campaign_id, subject_kind, subject_id, org_id, title, status, \
     evaluation, created_by, created_at, updated_at, published_at";

fn record(r: &sqlx::any::AnyRow) -> Result<CommitmentRecord> {
    let r = Row::of(r, "commitments");
    Ok(CommitmentRecord {
        id: r.get("id")?,
        campaign_id: r.get("campaign_id")?,
        subject_kind: r.parsed("subject_kind", SubjectKind::parse)?,
        subject_id: r.get("subject_id")?,
        org_id: r.get("org_id")?,
        title: r.get("title")?,
        status: r.parsed("status", Status::parse)?,
        evaluation: r.get("evaluation")?,
        created_by: r.get("created_by")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
        published_at: r.get("published_at")?,
        items: vec![],
    })
}

const ITEM_COLUMNS: &str = "id, commitment_id, position, activity, content, target, due_on, \
     outcome, closed_on, closed_by, close_note";

/// An item and the commitment it belongs to.
fn item(r: &sqlx::any::AnyRow) -> Result<(i64, ItemRecord)> {
    let r = Row::of(r, "commitment_items");
    let item = ItemRecord {
        id: r.get("id")?,
        position: r.get("position")?,
        activity: r.get("activity")?,
        content: r.get("content")?,
        target: r.get("target")?,
        due_on: r.date("due_on")?,
        outcome: r.parsed("outcome", Outcome::parse)?,
        closed_on: r.date_opt("closed_on")?,
        closed_by: r.get("closed_by")?,
        close_note: r.get("close_note")?,
    };
    Ok((r.get("commitment_id")?, item))
}

/// An evidence file ready to store: its kind as sniffed, its extension, the name it was
/// uploaded under (shown only) and its cleaned bytes.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub kind: FileKind,
    pub extension: String,
    pub file_name: String,
    pub content: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct AttachmentRecord {
    pub id: i64,
    pub kind: FileKind,
    pub extension: String,
    pub file_name: String,
    pub content: Vec<u8>,
}

impl Commitments<'_> {
    pub async fn commitment(self, id: i64) -> Result<Option<CommitmentRecord>> {
        let row = sqlx::query(dynsql!("SELECT {COLUMNS} FROM commitments WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.store.reader())
            .await?;
        let Some(row) = row else { return Ok(None) };
        let mut c = record(&row)?;
        self.attach_items(std::slice::from_mut(&mut c)).await?;
        Ok(Some(c))
    }

    /// The commitments kept in the given organisations (their own and their members',
    /// teams' and cadres'), newest first, with their items; `statuses` narrows them.
    pub async fn commitments_in(
        self,
        org_ids: &[i64],
        statuses: &[Status],
    ) -> Result<Vec<CommitmentRecord>> {
        if org_ids.is_empty() || statuses.is_empty() {
            return Ok(vec![]);
        }
        let orgs = in_list(self.store.dialect, org_ids.len());
        let mut sql = format!("SELECT {COLUMNS} FROM commitments WHERE org_id IN ({orgs})");
        // The statuses follow the organisation ids among the parameters.
        let first = org_ids.len() + 1;
        let placeholders: Vec<String> = match self.store.dialect {
            crate::Dialect::Sqlite => statuses.iter().map(|_| "?".to_string()).collect(),
            crate::Dialect::Postgres => (0..statuses.len())
                .map(|i| format!("${}", first + i))
                .collect(),
        };
        sql.push_str(&format!(
            " AND status IN ({}) ORDER BY updated_at DESC, id DESC",
            placeholders.join(", ")
        ));
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in org_ids {
            q = q.bind(*id);
        }
        for s in statuses {
            q = q.bind(s.as_str());
        }
        let mut out: Vec<CommitmentRecord> = q
            .fetch_all(self.store.reader())
            .await?
            .iter()
            .map(record)
            .collect::<Result<_>>()?;
        self.attach_items(&mut out).await?;
        Ok(out)
    }

    /// The commitments kept anywhere in the subtree of `root`, in the given statuses,
    /// newest first, at most `limit`, with their items.
    pub async fn commitments_under(
        self,
        root: &xianfeng_domain::org::TreePath,
        statuses: &[Status],
        limit: i64,
    ) -> Result<Vec<CommitmentRecord>> {
        if statuses.is_empty() {
            return Ok(vec![]);
        }
        let (lo, hi) = root.subtree_range();
        let placeholders: Vec<String> =
            (0..statuses.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "SELECT {} FROM commitments c JOIN organisations o ON o.id = c.org_id \
             WHERE o.path >= $1 AND o.path < $2 AND c.status IN ({}) \
             ORDER BY c.updated_at DESC, c.id DESC LIMIT ${}",
            COLUMNS
                .split(", ")
                .map(|c| format!("c.{c}"))
                .collect::<Vec<_>>()
                .join(", "),
            placeholders.join(", "),
            statuses.len() + 3
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(lo).bind(hi);
        for s in statuses {
            q = q.bind(s.as_str());
        }
        let mut out: Vec<CommitmentRecord> = q
            .bind(limit)
            .fetch_all(self.store.reader())
            .await?
            .iter()
            .map(record)
            .collect::<Result<_>>()?;
        self.attach_items(&mut out).await?;
        Ok(out)
    }

    async fn attach_items(self, commitments: &mut [CommitmentRecord]) -> Result<()> {
        if commitments.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "SELECT {ITEM_COLUMNS} FROM commitment_items \
             WHERE commitment_id IN ({}) ORDER BY commitment_id, position",
            in_list(self.store.dialect, commitments.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for c in commitments.iter() {
            q = q.bind(c.id);
        }
        for r in q.fetch_all(self.store.reader()).await? {
            let (commitment_id, i) = item(&r)?;
            if let Some(c) = commitments.iter_mut().find(|c| c.id == commitment_id) {
                c.items.push(i);
            }
        }
        Ok(())
    }

    /// Every step taken on a commitment, oldest first.
    pub async fn commitment_events(self, id: i64) -> Result<Vec<CommitmentEvent>> {
        let rows = sqlx::query(
            "SELECT step, from_status, to_status, item_id, actor, reason, at \
                 FROM commitment_events WHERE commitment_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(self.store.reader())
        .await?;
        rows.iter()
            .map(|r| {
                let r = Row::of(r, "commitment_events");
                Ok(CommitmentEvent {
                    step: r.parsed("step", Step::parse)?,
                    from_status: r.parsed("from_status", Status::parse)?,
                    to_status: r.parsed("to_status", Status::parse)?,
                    item_id: r.get("item_id")?,
                    actor: r.get("actor")?,
                    reason: r.get("reason")?,
                    at: r.get("at")?,
                })
            })
            .collect()
    }

    /// Progress reports of a commitment, newest first, with their evidence.
    pub async fn progress_reports(self, id: i64) -> Result<Vec<ProgressRecord>> {
        let files = sqlx::query(
            "SELECT p.report_id, a.id, a.file_name, a.kind FROM progress_attachments p \
             JOIN attachments a ON a.id = p.attachment_id \
             JOIN progress_reports r ON r.id = p.report_id \
             WHERE r.commitment_id = $1 ORDER BY a.id",
        )
        .bind(id)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(|r| {
            let r = Row::of(r, "attachments");
            Ok((r.get::<i64>("report_id")?, evidence(&r)?))
        })
        .collect::<Result<Vec<_>>>()?;
        sqlx::query(
            "SELECT id, item_id, body, reported_on, reported_by FROM progress_reports \
             WHERE commitment_id = $1 ORDER BY reported_on DESC, id DESC",
        )
        .bind(id)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(|r| {
            let r = Row::of(r, "progress_reports");
            let id: i64 = r.get("id")?;
            Ok(ProgressRecord {
                id,
                item_id: r.get("item_id")?,
                body: r.get("body")?,
                reported_on: r.date("reported_on")?,
                reported_by: r.get("reported_by")?,
                attachments: files
                    .iter()
                    .filter(|(report, _)| *report == id)
                    .map(|(_, e)| e.clone())
                    .collect(),
            })
        })
        .collect()
    }

    /// The commitment an attachment is evidence for, if it is one.
    pub async fn attachment_commitment(self, attachment_id: i64) -> Result<Option<i64>> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT r.commitment_id FROM progress_attachments p \
             JOIN progress_reports r ON r.id = p.report_id WHERE p.attachment_id = $1",
        )
        .bind(attachment_id)
        .fetch_optional(self.store.reader())
        .await?;
        Ok(row.map(|r| r.0))
    }

    pub async fn attachment(self, id: i64) -> Result<Option<AttachmentRecord>> {
        sqlx::query("SELECT kind, extension, file_name, content FROM attachments WHERE id = $1")
            .bind(id)
            .fetch_optional(self.store.reader())
            .await?
            .map(|r| {
                let r = Row::of(&r, "attachments");
                Ok(AttachmentRecord {
                    id,
                    kind: r.parsed("kind", FileKind::parse)?,
                    extension: r.get("extension")?,
                    file_name: r.get("file_name")?,
                    content: r.get("content")?,
                })
            })
            .transpose()
    }
}

impl WriteTx {
    /// A commitment as this transaction sees it (for work that reads back what it wrote).
    pub async fn commitment(&mut self, id: i64) -> Result<Option<CommitmentRecord>> {
        let row = sqlx::query(dynsql!("SELECT {COLUMNS} FROM commitments WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let mut c = record(&row)?;
        let items = sqlx::query(dynsql!(
            "SELECT {ITEM_COLUMNS} FROM commitment_items \
             WHERE commitment_id = $1 ORDER BY position"
        ))
        .bind(id)
        .fetch_all(&mut *self.tx)
        .await?;
        c.items = items
            .iter()
            .map(|r| item(r).map(|(_, i)| i))
            .collect::<Result<_>>()?;
        Ok(Some(c))
    }

    /// Stores a new draft with its items.
    pub async fn create_commitment(&mut self, c: &NewCommitment) -> Result<i64> {
        let id = self.next_id("commitments").await?;
        let now = now_ms();
        sqlx::query(
            "INSERT INTO commitments (id, campaign_id, subject_kind, subject_id, org_id, title, \
             status, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id)
        .bind(c.campaign_id)
        .bind(c.subject_kind.as_str())
        .bind(c.subject_id)
        .bind(c.org_id)
        .bind(c.title.clone())
        .bind(Status::Draft.as_str())
        .bind(self.actor.clone())
        .bind(now)
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        self.insert_items(id, &c.items).await?;
        self.facts_changed(c.campaign_id, c.subject_kind.as_str(), c.subject_id);
        let after = serde_json::json!({
            "subject_kind": c.subject_kind.as_str(), "subject_id": c.subject_id,
            "org_id": c.org_id, "title": c.title, "items": items_json(&c.items),
        });
        self.record::<(), _>(
            "commitment.create",
            "commitment",
            &id.to_string(),
            None,
            Some(&after),
        )
        .await?;
        Ok(id)
    }

    async fn insert_items(&mut self, commitment_id: i64, items: &[ItemDraft]) -> Result<()> {
        let first = self.take_ids("commitment_items", items.len()).await?;
        for (i, item) in items.iter().enumerate() {
            sqlx::query(
                "INSERT INTO commitment_items (id, commitment_id, position, activity, content, \
                 target, due_on, outcome) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(first + i as i64)
            .bind(commitment_id)
            .bind(i as i64 + 1)
            .bind(item.activity.clone())
            .bind(item.content.trim().to_string())
            .bind(item.target.trim().to_string())
            .bind(item.due_on.to_string())
            .bind(Outcome::Open.as_str())
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    /// Replaces the title and items of a commitment that is still `expected` (a draft or
    /// returned); refused if it has moved on meanwhile.
    pub async fn edit_commitment(
        &mut self,
        before: &CommitmentRecord,
        title: &str,
        items: &[ItemDraft],
    ) -> Result<()> {
        let n = sqlx::query(
            "UPDATE commitments SET title = $1, updated_at = $2 WHERE id = $3 AND status = $4",
        )
        .bind(title.trim().to_string())
        .bind(now_ms())
        .bind(before.id)
        .bind(before.status.as_str())
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Err(moved_on());
        }
        sqlx::query("DELETE FROM commitment_items WHERE commitment_id = $1")
            .bind(before.id)
            .execute(&mut *self.tx)
            .await?;
        self.insert_items(before.id, items).await?;
        self.facts_changed(
            before.campaign_id,
            before.subject_kind.as_str(),
            before.subject_id,
        );
        let b = serde_json::json!({"title": before.title, "items": before.items});
        let a = serde_json::json!({"title": title, "items": items_json(items)});
        self.record(
            "commitment.edit",
            "commitment",
            &before.id.to_string(),
            Some(&b),
            Some(&a),
        )
        .await
    }

    /// Moves a commitment from `before`'s status to `to` by `step`, with what the step
    /// changes, and records the step (who, when, why) in its history and the audit trail.
    pub async fn step_commitment(
        &mut self,
        before: &CommitmentRecord,
        step: Step,
        to: Status,
        detail: &StepDetail,
    ) -> Result<()> {
        if detail.item.is_some() && step != Step::CloseItem {
            return Err(StoreError::Invalid(Message::verbatim(format!(
                "only closing an item names an item, not {}",
                step.as_str()
            ))));
        }
        let now = now_ms();
        let published = (to == Status::Published && before.status != Status::Published)
            .then_some(now)
            .or(before.published_at);
        let evaluation = if step == Step::Evaluate {
            detail.reason.clone()
        } else {
            before.evaluation.clone()
        };
        let n = sqlx::query(
            "UPDATE commitments SET status = $1, updated_at = $2, published_at = $3, \
             evaluation = $4 WHERE id = $5 AND status = $6",
        )
        .bind(to.as_str())
        .bind(now)
        .bind(published)
        .bind(evaluation)
        .bind(before.id)
        .bind(before.status.as_str())
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Err(moved_on());
        }
        // Publishing brings the items into the counts, withdrawing takes them out, closing
        // an item moves it from open to kept or not.
        self.facts_changed(
            before.campaign_id,
            before.subject_kind.as_str(),
            before.subject_id,
        );
        if let Some((item_id, outcome, closed_on)) = &detail.item {
            let n = sqlx::query(
                "UPDATE commitment_items SET outcome = $1, closed_on = $2, closed_by = $3, \
                 close_note = $4 WHERE id = $5 AND commitment_id = $6 AND outcome = $7",
            )
            .bind(outcome.as_str())
            .bind(closed_on.to_string())
            .bind(self.actor.clone())
            .bind(detail.reason.clone())
            .bind(*item_id)
            .bind(before.id)
            .bind(Outcome::Open.as_str())
            .execute(&mut *self.tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Err(moved_on());
            }
        }
        let event_id = self.next_id("commitment_events").await?;
        sqlx::query(
            "INSERT INTO commitment_events (id, commitment_id, step, from_status, to_status, \
             item_id, actor, reason, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(event_id)
        .bind(before.id)
        .bind(step.as_str())
        .bind(before.status.as_str())
        .bind(to.as_str())
        .bind(detail.item.as_ref().map(|i| i.0))
        .bind(self.actor.clone())
        .bind(detail.reason.clone())
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        let b = serde_json::json!({"status": before.status});
        let a = serde_json::json!({
            "status": to.as_str(), "step": step.as_str(), "reason": detail.reason,
            "item": detail.item.as_ref().map(|(id, o, on)| serde_json::json!({"id": id, "outcome": o.as_str(), "closed_on": on.to_string()})),
        });
        self.record(
            &format!("commitment.{}", step.as_str()),
            "commitment",
            &before.id.to_string(),
            Some(&b),
            Some(&a),
        )
        .await
    }

    /// Stores an evidence file (already checked and cleaned) and returns its id.
    pub async fn add_attachment(&mut self, a: &NewAttachment) -> Result<i64> {
        use sha2::Digest;
        let id = self.next_id("attachments").await?;
        let sha = hex::encode(sha2::Sha256::digest(&a.content));
        sqlx::query(
            "INSERT INTO attachments (id, kind, extension, file_name, size, sha256, content, \
             uploaded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind(a.kind.as_str())
        .bind(a.extension.clone())
        .bind(a.file_name.clone())
        .bind(a.content.len() as i64)
        .bind(sha.clone())
        .bind(a.content.clone())
        .bind(self.actor.clone())
        .bind(now_ms())
        .execute(&mut *self.tx)
        .await?;
        let after = serde_json::json!({
            "kind": a.kind.as_str(), "file_name": a.file_name, "size": a.content.len(), "sha256": sha,
        });
        self.record::<(), _>(
            "attachment.create",
            "attachment",
            &id.to_string(),
            None,
            Some(&after),
        )
        .await?;
        Ok(id)
    }

    /// Records a progress report (践诺) on a published commitment, with its evidence.
    pub async fn add_progress(
        &mut self,
        commitment: &CommitmentRecord,
        item_id: Option<i64>,
        body: &str,
        reported_on: &str,
        attachments: &[i64],
    ) -> Result<i64> {
        // Still published now, inside this transaction: a report on a commitment that was
        // evaluated meanwhile is refused.
        let n = sqlx::query("UPDATE commitments SET updated_at = $1 WHERE id = $2 AND status = $3")
            .bind(now_ms())
            .bind(commitment.id)
            .bind(Status::Published.as_str())
            .execute(&mut *self.tx)
            .await?
            .rows_affected();
        if n != 1 {
            return Err(moved_on());
        }
        let id = self.next_id("progress_reports").await?;
        sqlx::query(
            "INSERT INTO progress_reports (id, commitment_id, item_id, body, reported_on, \
             reported_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(commitment.id)
        .bind(item_id)
        .bind(body.trim().to_string())
        .bind(reported_on.to_string())
        .bind(self.actor.clone())
        .bind(now_ms())
        .execute(&mut *self.tx)
        .await?;
        for a in attachments {
            sqlx::query(
                "INSERT INTO progress_attachments (report_id, attachment_id) VALUES ($1, $2)",
            )
            .bind(id)
            .bind(*a)
            .execute(&mut *self.tx)
            .await?;
        }
        let after = serde_json::json!({
            "commitment_id": commitment.id, "item_id": item_id, "body": body,
            "reported_on": reported_on, "attachments": attachments,
        });
        self.record::<(), _>(
            "commitment.progress",
            "progress_report",
            &id.to_string(),
            None,
            Some(&after),
        )
        .await?;
        Ok(id)
    }
}

fn items_json(items: &[ItemDraft]) -> serde_json::Value {
    serde_json::Value::Array(
        items
            .iter()
            .map(|i| {
                serde_json::json!({
                    "activity": i.activity, "content": i.content, "target": i.target,
                    "due_on": i.due_on.to_string(),
                })
            })
            .collect(),
    )
}

fn moved_on() -> StoreError {
    StoreError::Conflict(Message::of("store.commitment_moved_on", &[]))
}
