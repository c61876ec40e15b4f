//! Leader reviews (领导点评): which reviewer is assigned which subject, and the reviews, one
//! per reviewer, subject and period (a later one for the same period replaces it).

use crate::Reviews;
use serde::Serialize;
use xianfeng_domain::subject::SubjectKind;

use crate::{Result, WriteTx, now_ms};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assignment {
    pub reviewer: String,
    pub subject_kind: SubjectKind,
    pub subject_id: i64,
    pub org_id: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewRecord {
    pub id: i64,
    pub reviewer: String,
    pub subject_kind: SubjectKind,
    pub subject_id: i64,
    pub org_id: i64,
    pub period: String,
    pub grade: String,
    pub points: i64,
    pub comment: String,
    pub updated_at: i64,
}

/// A review to store.
#[derive(Debug, Clone, Serialize)]
pub struct NewReview {
    pub campaign_id: i64,
    pub subject_kind: SubjectKind,
    pub subject_id: i64,
    pub org_id: i64,
    pub period: String,
    pub grade: String,
    pub points: i64,
    pub comment: String,
}

fn review(r: &sqlx::any::AnyRow) -> Result<ReviewRecord> {
    let r = crate::row::Row::of(r, "reviews");
    Ok(ReviewRecord {
        id: r.get("id")?,
        reviewer: r.get("reviewer")?,
        subject_kind: r.parsed("subject_kind", SubjectKind::parse)?,
        subject_id: r.get("subject_id")?,
        org_id: r.get("org_id")?,
        period: r.get("period")?,
        grade: r.get("grade")?,
        points: r.get("points")?,
        comment: r.get("comment")?,
        updated_at: r.get("updated_at")?,
    })
}

const REVIEW_COLUMNS: &str =
    "id, reviewer, subject_kind, subject_id, org_id, period, grade, points, comment, updated_at";

impl Reviews<'_> {
    pub async fn is_assigned(
        self,
        reviewer: &str,
        kind: SubjectKind,
        subject_id: i64,
    ) -> Result<bool> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT subject_id FROM review_assignments \
             WHERE reviewer = $1 AND subject_kind = $2 AND subject_id = $3",
        )
        .bind(reviewer.to_string())
        .bind(kind.as_str())
        .bind(subject_id)
        .fetch_optional(self.store.reader())
        .await?;
        Ok(row.is_some())
    }

    /// The subjects assigned to a reviewer.
    pub async fn assignments_of(self, reviewer: &str) -> Result<Vec<Assignment>> {
        self.assignments("reviewer = $1", reviewer.to_string())
            .await
    }

    /// The assignments of subjects kept in an organisation.
    pub async fn assignments_in(self, org_id: i64) -> Result<Vec<Assignment>> {
        let rows = sqlx::query(
            "SELECT reviewer, subject_kind, subject_id, org_id FROM review_assignments \
             WHERE org_id = $1 ORDER BY reviewer, subject_kind, subject_id",
        )
        .bind(org_id)
        .fetch_all(self.store.reader())
        .await?;
        rows.iter().map(assignment).collect()
    }

    async fn assignments(self, filter: &str, value: String) -> Result<Vec<Assignment>> {
        let rows = sqlx::query(dynsql!(
            "SELECT reviewer, subject_kind, subject_id, org_id FROM review_assignments \
             WHERE {filter} ORDER BY subject_kind, subject_id"
        ))
        .bind(value)
        .fetch_all(self.store.reader())
        .await?;
        rows.iter().map(assignment).collect()
    }

    /// The reviews a reviewer has written, newest first.
    pub async fn reviews_by(self, reviewer: &str) -> Result<Vec<ReviewRecord>> {
        let rows = sqlx::query(dynsql!(
            "SELECT {REVIEW_COLUMNS} FROM reviews WHERE reviewer = $1 \
             ORDER BY period DESC, updated_at DESC"
        ))
        .bind(reviewer.to_string())
        .fetch_all(self.store.reader())
        .await?;
        rows.iter().map(review).collect()
    }

    /// The reviews of one subject, by period.
    pub async fn reviews_of(self, kind: SubjectKind, subject_id: i64) -> Result<Vec<ReviewRecord>> {
        let rows = sqlx::query(dynsql!(
            "SELECT {REVIEW_COLUMNS} FROM reviews WHERE subject_kind = $1 AND subject_id = $2 \
             ORDER BY period, reviewer"
        ))
        .bind(kind.as_str())
        .bind(subject_id)
        .fetch_all(self.store.reader())
        .await?;
        rows.iter().map(review).collect()
    }
}

fn assignment(r: &sqlx::any::AnyRow) -> Result<Assignment> {
    let r = crate::row::Row::of(r, "review_assignments");
    Ok(Assignment {
        reviewer: r.get("reviewer")?,
        subject_kind: r.parsed("subject_kind", SubjectKind::parse)?,
        subject_id: r.get("subject_id")?,
        org_id: r.get("org_id")?,
    })
}

impl WriteTx {
    /// Assigns a subject to a reviewer; assigning it again changes nothing.
    pub async fn assign_reviewer(&mut self, a: &Assignment) -> Result<bool> {
        // Once: the key decides, so that one assignment sent twice at once (two servers)
        // is stored once and the other answered "already assigned".
        let stored = sqlx::query(
            "INSERT INTO review_assignments (reviewer, subject_kind, subject_id, org_id, \
             assigned_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(a.reviewer.clone())
        .bind(a.subject_kind.as_str())
        .bind(a.subject_id)
        .bind(a.org_id)
        .bind(self.actor.clone())
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if stored == 0 {
            return Ok(false);
        }
        let key = format!(
            "{}/{}/{}",
            a.reviewer,
            a.subject_kind.as_str(),
            a.subject_id
        );
        self.record::<(), _>("review.assign", "review_assignment", &key, None, Some(a))
            .await?;
        Ok(true)
    }

    /// Writes the actor's review of a subject for a period, replacing an earlier one.
    pub async fn write_review(&mut self, r: &NewReview) -> Result<i64> {
        let reviewer = self.actor.clone();
        self.write_review_as(&reviewer, r).await
    }

    /// Writes `reviewer`'s review (the demonstration data writes for its reviewer).
    pub async fn write_review_as(&mut self, reviewer: &str, r: &NewReview) -> Result<i64> {
        let now = now_ms();
        self.facts_changed(r.campaign_id, r.subject_kind.as_str(), r.subject_id);
        // Read with the row locked; when there is none yet, inserted unless the same review
        // was written first through another server (the key decides), which is then read
        // and updated as if this one came just after it.
        let mut tries = 0;
        let (before, id) = loop {
            tries += 1;
            let before = self.review_for_update(reviewer, r).await?;
            if let Some(b) = &before {
                sqlx::query(
                    "UPDATE reviews SET grade = $1, points = $2, comment = $3, updated_at = $4 \
                     WHERE id = $5",
                )
                .bind(r.grade.clone())
                .bind(r.points)
                .bind(r.comment.clone())
                .bind(now)
                .bind(b.id)
                .execute(&mut *self.tx)
                .await?;
                let id = b.id;
                break (before, id);
            }
            let id = self.next_id("reviews").await?;
            let inserted = sqlx::query(
                "INSERT INTO reviews (id, campaign_id, reviewer, subject_kind, subject_id, \
                 org_id, period, grade, points, comment, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(r.campaign_id)
            .bind(reviewer.to_string())
            .bind(r.subject_kind.as_str())
            .bind(r.subject_id)
            .bind(r.org_id)
            .bind(r.period.clone())
            .bind(r.grade.clone())
            .bind(r.points)
            .bind(r.comment.clone())
            .bind(now)
            .bind(now)
            .execute(&mut *self.tx)
            .await?
            .rows_affected();
            if inserted == 1 {
                break (None, id);
            }
            if tries >= 2 {
                // Written meanwhile, yet not seen: the transaction's snapshot is older than
                // that write (serializable isolation). Run again whole, it sees it.
                return Err(crate::StoreError::Raced("a review was written meanwhile"));
            }
        };
        self.record(
            "review.write",
            "review",
            &id.to_string(),
            before.as_ref(),
            Some(r),
        )
        .await?;
        Ok(id)
    }

    /// `reviewer`'s review of `r`'s subject and period, locked until this transaction ends.
    async fn review_for_update(
        &mut self,
        reviewer: &str,
        r: &NewReview,
    ) -> Result<Option<ReviewRecord>> {
        let lock = match self.dialect {
            crate::Dialect::Postgres => " FOR UPDATE",
            crate::Dialect::Sqlite => "",
        };
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REVIEW_COLUMNS} FROM reviews WHERE reviewer = $1 AND subject_kind = $2 \
             AND subject_id = $3 AND period = $4 AND campaign_id = $5{lock}"
        )))
        .bind(reviewer.to_string())
        .bind(r.subject_kind.as_str())
        .bind(r.subject_id)
        .bind(r.period.clone())
        .bind(r.campaign_id)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.as_ref().map(review).transpose()
    }
}
