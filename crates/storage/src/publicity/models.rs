//! The model library (先进典型库): entries with the registry subjects they are about, tags by
//! facet, deeds files and photos, and their lifecycle. A commended entry names its
//! nomination, and a unique index keeps it to one entry.

use serde::Serialize;
use xianfeng_domain::media::FileKind;
use xianfeng_domain::model_library::{ModelLevel, ModelSource, ModelStatus, TagFacet};
use xianfeng_domain::org::TreePath;
use xianfeng_domain::subject::SubjectKind;

use super::placeholders;
use crate::Publicity;
use crate::row::Row;
use crate::{Result, WriteTx, like_escape, now_ms};

/// A library entry as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelRecord {
    pub id: i64,
    pub campaign_id: i64,
    pub name: String,
    pub org_id: i64,
    pub org_code: String,
    pub org_name: String,
    pub level: ModelLevel,
    pub source: ModelSource,
    pub nomination_id: Option<i64>,
    pub summary: String,
    pub deeds: String,
    pub status: ModelStatus,
    pub withdraw_reason: Option<String>,
    /// A sanction withdrew it; the reason is then the sanction's kind (a term).
    pub by_sanction: bool,
    /// A sanction withdrew it and the office has not looked yet.
    pub needs_attention: bool,
    pub subjects: Vec<(SubjectKind, i64)>,
    pub tags: Vec<(TagFacet, String)>,
    pub files: Vec<ModelFile>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A deeds file or photo of an entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelFile {
    pub attachment_id: i64,
    pub kind: FileKind,
    pub file_name: String,
}

/// The files a table links to an entry or practice (`link` is `model_files` or
/// `practice_files`, `owner` its column naming the entry), oldest first.
pub(super) async fn files_of(
    db: &sqlx::AnyPool,
    link: &str,
    owner: &str,
    id: i64,
) -> Result<Vec<ModelFile>> {
    let files: Vec<(i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT a.id, a.kind, a.file_name FROM {link} f \
         JOIN attachments a ON a.id = f.attachment_id WHERE f.{owner} = $1 ORDER BY a.id"
    )))
    .bind(id)
    .fetch_all(db)
    .await?;
    Ok(files
        .into_iter()
        .filter_map(|(id, k, name)| {
            FileKind::parse(&k).map(|kind| ModelFile {
                attachment_id: id,
                kind,
                file_name: name,
            })
        })
        .collect())
}

/// A new entry.
#[derive(Debug, Clone)]
pub struct NewModel {
    pub campaign_id: i64,
    pub name: String,
    pub org_id: i64,
    pub level: ModelLevel,
    pub source: ModelSource,
    pub nomination_id: Option<i64>,
    pub summary: String,
    pub deeds: String,
    pub status: ModelStatus,
    pub subjects: Vec<(SubjectKind, i64)>,
    pub tags: Vec<(TagFacet, String)>,
}

/// Which entries a library page lists.
#[derive(Debug, Clone, Default)]
pub struct ModelFilter {
    pub campaign_id: i64,
    /// Only these statuses (empty: all).
    pub statuses: Vec<ModelStatus>,
    /// Only entries of organisations in this subtree.
    pub within: Option<TreePath>,
    /// Words in the name, summary or deeds.
    pub text: Option<String>,
    pub tag: Option<(TagFacet, String)>,
    pub level: Option<ModelLevel>,
    pub source: Option<ModelSource>,
    pub limit: i64,
}

const COLUMNS: &str = "m.id, m.campaign_id, m.name, m.org_id, o.code, o.name AS org_name, \
    m.level, m.source, m.nomination_id, m.summary, m.deeds, m.status, m.withdraw_reason, \
    m.by_sanction, m.needs_attention, m.created_by, m.created_at, m.updated_at";

fn model(r: &sqlx::any::AnyRow) -> Result<ModelRecord> {
    let r = Row::of(r, "models");
    Ok(ModelRecord {
        id: r.get("id")?,
        campaign_id: r.get("campaign_id")?,
        name: r.get("name")?,
        org_id: r.get("org_id")?,
        org_code: r.get("code")?,
        org_name: r.get("org_name")?,
        level: r.parsed("level", ModelLevel::parse)?,
        source: r.parsed("source", ModelSource::parse)?,
        nomination_id: r.get("nomination_id")?,
        summary: r.get("summary")?,
        deeds: r.get("deeds")?,
        status: r.parsed("status", ModelStatus::parse)?,
        withdraw_reason: r.get("withdraw_reason")?,
        by_sanction: r.get::<i64>("by_sanction")? != 0,
        needs_attention: r.get::<i64>("needs_attention")? != 0,
        subjects: vec![],
        tags: vec![],
        files: vec![],
        created_by: r.get("created_by")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

impl Publicity<'_> {
    /// Entries as a filter picks them, newest first, with their subjects, tags and files.
    pub async fn models(self, f: &ModelFilter) -> Result<Vec<ModelRecord>> {
        let mut sql = format!(
            "SELECT {COLUMNS} FROM models m JOIN organisations o ON o.id = m.org_id \
             WHERE m.campaign_id = $1"
        );
        let mut n = 1;
        let mut next = || {
            n += 1;
            n
        };
        if !f.statuses.is_empty() {
            let first = next();
            for _ in 1..f.statuses.len() {
                next();
            }
            sql.push_str(&format!(
                " AND m.status IN ({})",
                placeholders(first, f.statuses.len())
            ));
        }
        if f.within.is_some() {
            sql.push_str(&format!(
                " AND o.path >= ${} AND o.path < ${}",
                next(),
                next()
            ));
        }
        if f.text.is_some() {
            let i = next();
            sql.push_str(&format!(
                " AND (m.name LIKE ${i} ESCAPE '\\' OR m.summary LIKE ${i} ESCAPE '\\' \
                 OR m.deeds LIKE ${i} ESCAPE '\\' OR o.name LIKE ${i} ESCAPE '\\')"
            ));
        }
        if f.tag.is_some() {
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM model_tags t WHERE t.model_id = m.id \
                 AND t.facet = ${} AND t.tag = ${})",
                next(),
                next()
            ));
        }
        if f.level.is_some() {
            sql.push_str(&format!(" AND m.level = ${}", next()));
        }
        if f.source.is_some() {
            sql.push_str(&format!(" AND m.source = ${}", next()));
        }
        sql.push_str(&format!(" ORDER BY m.id DESC LIMIT ${}", next()));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(f.campaign_id);
        for s in &f.statuses {
            q = q.bind(s.as_str().to_string());
        }
        if let Some(w) = &f.within {
            let (lo, hi) = w.subtree_range();
            q = q.bind(lo).bind(hi);
        }
        if let Some(t) = &f.text {
            q = q.bind(format!("%{}%", like_escape(t.trim())));
        }
        if let Some((facet, tag)) = &f.tag {
            q = q.bind(facet.as_str().to_string()).bind(tag.clone());
        }
        if let Some(l) = f.level {
            q = q.bind(l.as_str().to_string());
        }
        if let Some(s) = f.source {
            q = q.bind(s.as_str().to_string());
        }
        let rows = q
            .bind(if f.limit > 0 { f.limit } else { 500 })
            .fetch_all(self.store.reader())
            .await?;
        let mut out = rows.iter().map(model).collect::<Result<Vec<_>>>()?;
        for m in &mut out {
            self.fill(m).await?;
        }
        Ok(out)
    }

    /// One entry, with its subjects, tags and files.
    pub async fn model(self, id: i64) -> Result<Option<ModelRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM models m JOIN organisations o ON o.id = m.org_id \
             WHERE m.id = $1"
        )))
        .bind(id)
        .fetch_optional(self.store.reader())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut m = model(&row)?;
        self.fill(&mut m).await?;
        Ok(Some(m))
    }

    async fn fill(self, m: &mut ModelRecord) -> Result<()> {
        let db = self.store.reader();
        let subjects: Vec<(String, i64)> = sqlx::query_as(
            "SELECT subject_kind, subject_id FROM model_subjects WHERE model_id = $1 \
             ORDER BY subject_kind, subject_id",
        )
        .bind(m.id)
        .fetch_all(db)
        .await?;
        m.subjects = subjects
            .into_iter()
            .filter_map(|(k, id)| SubjectKind::parse(&k).map(|k| (k, id)))
            .collect();
        let tags: Vec<(String, String)> = sqlx::query_as(
            "SELECT facet, tag FROM model_tags WHERE model_id = $1 ORDER BY facet, tag",
        )
        .bind(m.id)
        .fetch_all(db)
        .await?;
        m.tags = tags
            .into_iter()
            .filter_map(|(f, t)| TagFacet::parse(&f).map(|f| (f, t)))
            .collect();
        m.files = files_of(db, "model_files", "model_id", m.id).await?;
        Ok(())
    }

    /// The entries about a subject (on its own or in a group), for a sanction to withdraw.
    pub async fn models_of_subject(self, kind: SubjectKind, id: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT model_id FROM model_subjects WHERE subject_kind = $1 \
             AND subject_id = $2 ORDER BY model_id",
        )
        .bind(kind.as_str().to_string())
        .bind(id)
        .fetch_all(self.store.reader())
        .await?)
    }

    /// The commended nominations of a campaign that have no entry yet.
    pub async fn nominations_without_model(self, campaign: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT n.id FROM nominations n WHERE n.campaign_id = $1 AND n.stage = 'commended' \
             AND NOT EXISTS (SELECT 1 FROM models m WHERE m.nomination_id = n.id) ORDER BY n.id",
        )
        .bind(campaign)
        .fetch_all(self.store.reader())
        .await?)
    }

    /// The tags in use on entries of the given statuses, with how many entries carry each.
    pub async fn model_tags(
        self,
        campaign: i64,
        statuses: &[ModelStatus],
    ) -> Result<Vec<(TagFacet, String, i64)>> {
        let sql = format!(
            "SELECT t.facet, t.tag, COUNT(*) FROM model_tags t JOIN models m ON m.id = t.model_id \
             WHERE m.campaign_id = $1 AND m.status IN ({}) GROUP BY t.facet, t.tag \
             ORDER BY t.facet, t.tag",
            placeholders(2, statuses.len())
        );
        let mut q =
            sqlx::query_as::<_, (String, String, i64)>(sqlx::AssertSqlSafe(sql)).bind(campaign);
        for s in statuses {
            q = q.bind(s.as_str().to_string());
        }
        Ok(q.fetch_all(self.store.reader())
            .await?
            .into_iter()
            .filter_map(|(f, t, n)| TagFacet::parse(&f).map(|f| (f, t, n)))
            .collect())
    }
}

impl WriteTx {
    /// Adds `m` unless it is a one-subject entry whose subject has one in the library
    /// already (not withdrawn): `None` then. The subject is locked first, so that one
    /// sheet imported twice at once through two servers adds each entry once (B26).
    pub async fn add_model_unless_listed(&mut self, m: &NewModel) -> Result<Option<i64>> {
        if let [(kind, subject)] = m.subjects.as_slice() {
            self.lock_name(&format!("model-of/{}/{subject}", kind.as_str()))
                .await?;
            let listed: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM models m JOIN model_subjects s ON s.model_id = m.id \
                 WHERE s.subject_kind = $1 AND s.subject_id = $2 AND m.status <> 'withdrawn' \
                 AND (SELECT COUNT(*) FROM model_subjects o WHERE o.model_id = m.id) = 1",
            )
            .bind(kind.as_str().to_string())
            .bind(*subject)
            .fetch_one(&mut *self.tx)
            .await?;
            if listed > 0 {
                return Ok(None);
            }
        }
        self.add_model(m).await.map(Some)
    }

    /// Adds an entry with its subjects and tags (audited).
    pub async fn add_model(&mut self, m: &NewModel) -> Result<i64> {
        let id = self.next_id("models").await?;
        let now = now_ms();
        sqlx::query(
            "INSERT INTO models (id, campaign_id, name, org_id, level, source, nomination_id, \
             summary, deeds, status, needs_attention, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $12, $12)",
        )
        .bind(id)
        .bind(m.campaign_id)
        .bind(m.name.clone())
        .bind(m.org_id)
        .bind(m.level.as_str().to_string())
        .bind(m.source.as_str().to_string())
        .bind(m.nomination_id)
        .bind(m.summary.clone())
        .bind(m.deeds.clone())
        .bind(m.status.as_str().to_string())
        .bind(self.actor.clone())
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        for (kind, subject) in &m.subjects {
            sqlx::query(
                "INSERT INTO model_subjects (model_id, subject_kind, subject_id) VALUES ($1, $2, $3) \
                 ON CONFLICT (model_id, subject_kind, subject_id) DO NOTHING",
            )
            .bind(id)
            .bind(kind.as_str().to_string())
            .bind(*subject)
            .execute(&mut *self.tx)
            .await?;
        }
        self.put_model_tags(id, &m.tags).await?;
        let after = serde_json::json!({
            "name": m.name, "org": m.org_id, "level": m.level, "source": m.source,
            "nomination": m.nomination_id, "status": m.status,
            "subjects": m.subjects.iter().map(|(k, i)| format!("{}:{i}", k.as_str())).collect::<Vec<_>>(),
        });
        self.record::<(), _>("model.create", "model", &id.to_string(), None, Some(&after))
            .await?;
        Ok(id)
    }

    async fn put_model_tags(&mut self, id: i64, tags: &[(TagFacet, String)]) -> Result<()> {
        sqlx::query("DELETE FROM model_tags WHERE model_id = $1")
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        for (facet, tag) in tags {
            sqlx::query(
                "INSERT INTO model_tags (model_id, facet, tag) VALUES ($1, $2, $3) \
                 ON CONFLICT (model_id, facet, tag) DO NOTHING",
            )
            .bind(id)
            .bind(facet.as_str().to_string())
            .bind(tag.clone())
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    /// Edits an entry's name, level, summary, deeds and tags (audited, before and after).
    pub async fn edit_model(&mut self, before: &ModelRecord, after: &NewModel) -> Result<()> {
        // A withdrawn entry is not edited, also when it was withdrawn (a sanction) after
        // the editor read it: the update finds it so once the withdrawal commits.
        let edited = sqlx::query(
            "UPDATE models SET name = $1, level = $2, summary = $3, deeds = $4, updated_at = $5 \
             WHERE id = $6 AND status <> 'withdrawn'",
        )
        .bind(after.name.clone())
        .bind(after.level.as_str().to_string())
        .bind(after.summary.clone())
        .bind(after.deeds.clone())
        .bind(now_ms())
        .bind(before.id)
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if edited != 1 {
            return Err(crate::StoreError::Conflict(
                xianfeng_domain::i18n::Message::of("store.model_moved_on", &[]),
            ));
        }
        self.put_model_tags(before.id, &after.tags).await?;
        let old = serde_json::json!({
            "name": before.name, "level": before.level, "summary": before.summary,
            "deeds": before.deeds, "tags": before.tags.iter().map(|(_, t)| t).collect::<Vec<_>>(),
        });
        let new = serde_json::json!({
            "name": after.name, "level": after.level, "summary": after.summary,
            "deeds": after.deeds, "tags": after.tags.iter().map(|(_, t)| t).collect::<Vec<_>>(),
        });
        self.record(
            "model.edit",
            "model",
            &before.id.to_string(),
            Some(&old),
            Some(&new),
        )
        .await
    }

    /// Moves an entry to `to` (audited); a withdrawal keeps its reason, and one a sanction
    /// caused (`by_sanction`) waits for the office's attention.
    pub async fn set_model_status(
        &mut self,
        before: &ModelRecord,
        to: ModelStatus,
        reason: Option<&str>,
        by_sanction: bool,
    ) -> Result<()> {
        self.move_model(before.id, before.status, to, reason, by_sanction)
            .await
    }

    /// Whether a commended nomination has its library entry, asked with the nomination
    /// locked until this transaction ends: two servers taking the honour roll in at once
    /// make one entry per nomination, the later finding the earlier's.
    pub async fn nomination_has_model(&mut self, nomination_id: i64) -> Result<bool> {
        self.lock_rows(crate::locks::Rows::Nominations, &[nomination_id])
            .await?;
        let found: Option<i64> =
            sqlx::query_scalar("SELECT id FROM models WHERE nomination_id = $1")
                .bind(nomination_id)
                .fetch_optional(&mut *self.tx)
                .await?;
        Ok(found.is_some())
    }

    /// Withdraws the entries of a subject for `reason` (a sanction), read and locked in
    /// this transaction: an entry a commendation made at the same moment is among them
    /// once that commits. Returns how many were withdrawn.
    pub async fn withdraw_models_of(
        &mut self,
        kind: SubjectKind,
        subject_id: i64,
        reason: &str,
    ) -> Result<usize> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT model_id FROM model_subjects WHERE subject_kind = $1 \
             AND subject_id = $2 ORDER BY model_id",
        )
        .bind(kind.as_str().to_string())
        .bind(subject_id)
        .fetch_all(&mut *self.tx)
        .await?;
        self.lock_rows(crate::locks::Rows::Models, &ids).await?;
        let mut withdrawn = 0;
        for id in ids {
            let status: String = sqlx::query_scalar("SELECT status FROM models WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *self.tx)
                .await?;
            let status = ModelStatus::parse(&status)
                .ok_or_else(|| crate::row::bad_value("models", "status", &status))?;
            if status == ModelStatus::Withdrawn {
                continue;
            }
            self.move_model(id, status, ModelStatus::Withdrawn, Some(reason), true)
                .await?;
            withdrawn += 1;
        }
        Ok(withdrawn)
    }

    async fn move_model(
        &mut self,
        id: i64,
        from: ModelStatus,
        to: ModelStatus,
        reason: Option<&str>,
        by_sanction: bool,
    ) -> Result<()> {
        // Only from the status the step was decided on: an advance and a withdrawal for a
        // sanction at the same moment must not both hold, or a withdrawn entry be
        // published again.
        let changed = sqlx::query(
            "UPDATE models SET status = $1, withdraw_reason = $2, by_sanction = $3, \
             needs_attention = $3, updated_at = $4 WHERE id = $5 AND status = $6",
        )
        .bind(to.as_str().to_string())
        .bind(reason.map(str::to_string))
        .bind(i64::from(by_sanction))
        .bind(now_ms())
        .bind(id)
        .bind(from.as_str().to_string())
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(crate::StoreError::Conflict(
                xianfeng_domain::i18n::Message::of("store.model_moved_on", &[]),
            ));
        }
        self.record(
            "model.status",
            "model",
            &id.to_string(),
            Some(&serde_json::json!({ "status": from })),
            Some(
                &serde_json::json!({ "status": to, "reason": reason, "by_sanction": by_sanction }),
            ),
        )
        .await
    }

    /// The office has seen a withdrawal a sanction caused (audited).
    pub async fn acknowledge_model(&mut self, id: i64) -> Result<()> {
        sqlx::query("UPDATE models SET needs_attention = 0 WHERE id = $1")
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        self.record::<(), ()>("model.acknowledge", "model", &id.to_string(), None, None)
            .await
    }

    /// Adds a stored file to an entry (audited).
    pub async fn add_model_file(&mut self, model: i64, attachment: i64) -> Result<()> {
        sqlx::query("INSERT INTO model_files (model_id, attachment_id) VALUES ($1, $2)")
            .bind(model)
            .bind(attachment)
            .execute(&mut *self.tx)
            .await?;
        self.record::<(), _>(
            "model.file",
            "model",
            &model.to_string(),
            None,
            Some(&serde_json::json!({ "attachment": attachment })),
        )
        .await
    }
}
