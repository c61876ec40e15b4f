//! Lecture delegations (报告团) and their sessions (宣讲场次): requests from organisations,
//! the schedule, phones signed in once per session, and ratings of speakers with comments
//! shown after moderation.

use chrono::NaiveDateTime;
use serde::Serialize;
use xianfeng_domain::lecture::{CommentStatus, Slot, format_time, parse_time};

use super::placeholders;
use crate::Publicity;
use crate::row::Row;
use crate::{Result, StoreError, WriteTx, now_ms};

/// A delegation with its speakers (library entries) in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DelegationRecord {
    pub id: i64,
    pub campaign_id: i64,
    pub org_id: i64,
    pub org_code: String,
    pub org_name: String,
    pub name: String,
    pub theme: String,
    pub leader: String,
    /// (library entry, its name).
    pub speakers: Vec<(i64, String)>,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewDelegation {
    pub campaign_id: i64,
    pub org_id: i64,
    pub name: String,
    pub theme: String,
    pub leader: String,
    pub speakers: Vec<i64>,
}

/// A session as stored, with its delegation and host.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LectureSession {
    pub id: i64,
    pub delegation_id: i64,
    pub delegation_name: String,
    pub host_org_id: i64,
    pub host_code: String,
    pub host_name: String,
    pub venue: String,
    /// The county the venue lies in, by organisation code (for the travel gap).
    pub county_code: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub audience: i64,
    pub cancelled: bool,
    /// Phones signed in.
    pub signed_in: i64,
}

#[derive(Debug, Clone)]
pub struct NewLectureSession {
    pub delegation_id: i64,
    pub host_org_id: i64,
    pub venue: String,
    pub county_code: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub audience: i64,
}

/// An organisation's request for a session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LectureRequest {
    pub id: i64,
    pub delegation_id: i64,
    pub org_id: i64,
    pub org_code: String,
    pub org_name: String,
    pub wanted: String,
    pub audience: i64,
    pub note: String,
    pub session_id: Option<i64>,
    pub requested_at: i64,
}

/// A speaker's other booking, for the double-booking rule.
#[derive(Debug, Clone)]
pub struct SpeakerSlot {
    pub model_id: i64,
    pub speaker: String,
    pub delegation_name: String,
    pub venue: String,
    pub slot: Slot,
}

/// A rating as the moderation and statistics see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatingRecord {
    pub id: i64,
    pub session_id: i64,
    pub model_id: i64,
    pub speaker: String,
    pub stars: i64,
    pub comment: String,
    pub comment_status: CommentStatus,
    pub rated_at: i64,
}

/// A session's figures: phones signed in, ratings given and their average.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LectureStats {
    pub session_id: i64,
    pub signed_in: i64,
    pub ratings: i64,
    /// Sum of stars, for an average over any grouping.
    pub stars: i64,
}

const SESSION: &str = "SELECT s.id, s.delegation_id, d.name AS delegation_name, s.host_org_id, \
    o.code, o.name AS host_name, s.venue, s.county_code, s.starts_at, s.ends_at, s.audience, \
    s.cancelled, (SELECT COUNT(*) FROM lecture_signins g WHERE g.session_id = s.id) AS signed_in \
    FROM lecture_sessions s JOIN delegations d ON d.id = s.delegation_id \
    JOIN organisations o ON o.id = s.host_org_id";

const DELEGATION: &str = "SELECT d.id, d.campaign_id, d.org_id, o.code, o.name AS org_name, \
    d.name, d.theme, d.leader, d.created_at FROM delegations d \
    JOIN organisations o ON o.id = d.org_id";

fn delegation(r: &sqlx::any::AnyRow) -> Result<DelegationRecord> {
    let r = Row::of(r, "delegations");
    Ok(DelegationRecord {
        id: r.get("id")?,
        campaign_id: r.get("campaign_id")?,
        org_id: r.get("org_id")?,
        org_code: r.get("code")?,
        org_name: r.get("org_name")?,
        name: r.get("name")?,
        theme: r.get("theme")?,
        leader: r.get("leader")?,
        speakers: vec![],
        created_at: r.get("created_at")?,
    })
}

const RATING: &str = "SELECT r.id, r.session_id, r.model_id, m.name, r.stars, r.comment, \
    r.comment_status, r.rated_at FROM lecture_ratings r JOIN models m ON m.id = r.model_id \
    JOIN lecture_sessions s ON s.id = r.session_id";

fn rating(r: &sqlx::any::AnyRow) -> Result<RatingRecord> {
    let r = Row::of(r, "lecture_ratings");
    Ok(RatingRecord {
        id: r.get("id")?,
        session_id: r.get("session_id")?,
        model_id: r.get("model_id")?,
        speaker: r.get("name")?,
        stars: r.get("stars")?,
        comment: r.get("comment")?,
        comment_status: r.parsed("comment_status", CommentStatus::parse)?,
        rated_at: r.get("rated_at")?,
    })
}

fn time(r: &Row<'_>, column: &str) -> Result<NaiveDateTime> {
    let text: String = r.get(column)?;
    parse_time(&text).ok_or_else(|| crate::row::bad_value("lecture_sessions", column, &text))
}

fn session(r: &sqlx::any::AnyRow) -> Result<LectureSession> {
    let r = Row::of(r, "lecture_sessions");
    Ok(LectureSession {
        id: r.get("id")?,
        delegation_id: r.get("delegation_id")?,
        delegation_name: r.get("delegation_name")?,
        host_org_id: r.get("host_org_id")?,
        host_code: r.get("code")?,
        host_name: r.get("host_name")?,
        venue: r.get("venue")?,
        county_code: r.get("county_code")?,
        starts_at: time(&r, "starts_at")?,
        ends_at: time(&r, "ends_at")?,
        audience: r.get("audience")?,
        cancelled: r.get::<i64>("cancelled")? != 0,
        signed_in: r.get("signed_in")?,
    })
}

impl Publicity<'_> {
    /// A campaign's delegations, oldest first.
    pub async fn delegations(self, campaign: i64) -> Result<Vec<DelegationRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{DELEGATION} WHERE d.campaign_id = $1 ORDER BY d.id"
        )))
        .bind(campaign)
        .fetch_all(self.store.reader())
        .await?;
        let mut out = vec![];
        for r in &rows {
            let mut d = delegation(r)?;
            d.speakers = self.speakers(d.id).await?;
            out.push(d);
        }
        Ok(out)
    }

    /// One delegation.
    pub async fn delegation(self, id: i64) -> Result<Option<DelegationRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{DELEGATION} WHERE d.id = $1")))
            .bind(id)
            .fetch_optional(self.store.reader())
            .await?;
        let Some(row) = row else { return Ok(None) };
        let mut d = delegation(&row)?;
        d.speakers = self.speakers(id).await?;
        Ok(Some(d))
    }

    async fn speakers(self, delegation: i64) -> Result<Vec<(i64, String)>> {
        Ok(sqlx::query_as(
            "SELECT m.id, m.name FROM delegation_speakers s JOIN models m ON m.id = s.model_id \
             WHERE s.delegation_id = $1 ORDER BY s.position",
        )
        .bind(delegation)
        .fetch_all(self.store.reader())
        .await?)
    }

    /// The sessions of a delegation (all, with `None`), in time order.
    pub async fn sessions(self, delegation: Option<i64>) -> Result<Vec<LectureSession>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SESSION} WHERE ($1 = 0 OR s.delegation_id = $1) ORDER BY s.starts_at, s.id"
        )))
        .bind(delegation.unwrap_or(0))
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(session)
        .collect()
    }

    /// Sessions not cancelled that end at or after `from`, in time order (the public
    /// schedule).
    pub async fn sessions_from(
        self,
        from: NaiveDateTime,
        limit: i64,
    ) -> Result<Vec<LectureSession>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SESSION} WHERE s.cancelled = 0 AND s.ends_at >= $1 ORDER BY s.starts_at, s.id LIMIT $2"
        )))
        .bind(format_time(from))
        .bind(limit)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(session)
        .collect()
    }

    pub async fn session(self, id: i64) -> Result<Option<LectureSession>> {
        sqlx::query(sqlx::AssertSqlSafe(format!("{SESSION} WHERE s.id = $1")))
            .bind(id)
            .fetch_optional(self.store.reader())
            .await?
            .as_ref()
            .map(session)
            .transpose()
    }

    /// The requests for a delegation's sessions, oldest first.
    pub async fn lecture_requests(self, delegation: i64) -> Result<Vec<LectureRequest>> {
        sqlx::query(
            "SELECT q.id, q.delegation_id, q.org_id, o.code, o.name, q.wanted, q.audience, q.note, \
             q.session_id, q.requested_at FROM lecture_requests q \
             JOIN organisations o ON o.id = q.org_id WHERE q.delegation_id = $1 ORDER BY q.id",
        )
        .bind(delegation)
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(|r| {
            let r = Row::of(r, "lecture_requests");
            Ok(LectureRequest {
                id: r.get("id")?,
                delegation_id: r.get("delegation_id")?,
                org_id: r.get("org_id")?,
                org_code: r.get("code")?,
                org_name: r.get("name")?,
                wanted: r.get("wanted")?,
                audience: r.get("audience")?,
                note: r.get("note")?,
                session_id: r.get("session_id")?,
                requested_at: r.get("requested_at")?,
            })
        })
        .collect()
    }

    /// Per session of a delegation: phones signed in, ratings and stars.
    pub async fn session_stats(self, delegation: i64) -> Result<Vec<LectureStats>> {
        let rows: Vec<(i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT s.id, \
             (SELECT COUNT(*) FROM lecture_signins g WHERE g.session_id = s.id), \
             (SELECT COUNT(*) FROM lecture_ratings r WHERE r.session_id = s.id), \
             (SELECT CAST(COALESCE(SUM(r.stars), 0) AS BIGINT) FROM lecture_ratings r WHERE r.session_id = s.id) \
             FROM lecture_sessions s WHERE s.delegation_id = $1 ORDER BY s.starts_at, s.id",
        )
        .bind(delegation)
        .fetch_all(self.store.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(session_id, signed_in, ratings, stars)| LectureStats {
                session_id,
                signed_in,
                ratings,
                stars,
            })
            .collect())
    }

    /// Ratings of a delegation's sessions (or of one session), optionally only with a
    /// comment in a status, newest first.
    pub async fn ratings(
        self,
        delegation: Option<i64>,
        session: Option<i64>,
        comment_status: Option<CommentStatus>,
    ) -> Result<Vec<RatingRecord>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "{RATING} WHERE ($1 = 0 OR s.delegation_id = $1) AND ($2 = 0 OR r.session_id = $2) \
             AND ($3 = '' OR (r.comment_status = $3 AND r.comment <> '')) ORDER BY r.id DESC"
        )))
        .bind(delegation.unwrap_or(0))
        .bind(session.unwrap_or(0))
        .bind(comment_status.map_or(String::new(), |c| c.as_str().to_string()))
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(rating)
        .collect()
    }

    /// One rating.
    pub async fn rating(self, id: i64) -> Result<Option<RatingRecord>> {
        sqlx::query(sqlx::AssertSqlSafe(format!("{RATING} WHERE r.id = $1")))
            .bind(id)
            .fetch_optional(self.store.reader())
            .await?
            .as_ref()
            .map(rating)
            .transpose()
    }

    /// Whether a phone has signed in at a session.
    pub async fn signed_in(self, session: i64, phone_hash: &str) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM lecture_signins WHERE session_id = $1 AND phone_hash = $2",
        )
        .bind(session)
        .bind(phone_hash.to_string())
        .fetch_one(self.store.reader())
        .await?;
        Ok(n > 0)
    }

    /// The speakers a phone has rated at a session.
    pub async fn rated_by(self, session: i64, phone_hash: &str) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT model_id FROM lecture_ratings WHERE session_id = $1 AND phone_hash = $2",
        )
        .bind(session)
        .bind(phone_hash.to_string())
        .fetch_all(self.store.reader())
        .await?)
    }
}

impl WriteTx {
    /// Stores a delegation with its speakers in order (audited).
    pub async fn add_delegation(&mut self, d: &NewDelegation) -> Result<i64> {
        let id = self.next_id("delegations").await?;
        sqlx::query(
            "INSERT INTO delegations (id, campaign_id, org_id, name, theme, leader, created_by, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(d.campaign_id)
        .bind(d.org_id)
        .bind(d.name.clone())
        .bind(d.theme.clone())
        .bind(d.leader.clone())
        .bind(self.actor.clone())
        .bind(now_ms())
        .execute(&mut *self.tx)
        .await?;
        for (i, m) in d.speakers.iter().enumerate() {
            sqlx::query(
                "INSERT INTO delegation_speakers (delegation_id, model_id, position) \
                 VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(*m)
            .bind(i as i64)
            .execute(&mut *self.tx)
            .await?;
        }
        let after = serde_json::json!({
            "org": d.org_id, "name": d.name, "theme": d.theme, "leader": d.leader,
            "speakers": d.speakers,
        });
        self.record::<(), _>(
            "delegation.create",
            "delegation",
            &id.to_string(),
            None,
            Some(&after),
        )
        .await?;
        Ok(id)
    }

    /// The sessions (not cancelled) of any delegation that the given speakers are booked
    /// in, read inside this transaction with the speakers locked until it commits, so that
    /// two bookings of one speaker at once take turns and the second sees the first.
    pub async fn speaker_slots(&mut self, speakers: &[i64]) -> Result<Vec<SpeakerSlot>> {
        if speakers.is_empty() {
            return Ok(vec![]);
        }
        self.lock_rows(crate::locks::Rows::Models, speakers).await?;
        let sql = format!(
            "SELECT p.model_id, m.name AS speaker, d.name AS delegation_name, s.id, s.venue, \
             s.starts_at, s.ends_at, s.county_code FROM delegation_speakers p \
             JOIN models m ON m.id = p.model_id JOIN lecture_sessions s ON s.delegation_id = p.delegation_id \
             JOIN delegations d ON d.id = s.delegation_id \
             WHERE s.cancelled = 0 AND p.model_id IN ({}) ORDER BY s.starts_at, s.id",
            placeholders(1, speakers.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for s in speakers {
            q = q.bind(*s);
        }
        q.fetch_all(&mut *self.tx)
            .await?
            .iter()
            .map(|r| {
                let r = Row::of(r, "lecture_sessions");
                Ok(SpeakerSlot {
                    model_id: r.get("model_id")?,
                    speaker: r.get("speaker")?,
                    delegation_name: r.get("delegation_name")?,
                    venue: r.get("venue")?,
                    slot: Slot {
                        id: r.get("id")?,
                        starts_at: time(&r, "starts_at")?,
                        ends_at: time(&r, "ends_at")?,
                        county: r.get("county_code")?,
                    },
                })
            })
            .collect()
    }

    /// Stores a session, or moves an existing one (`id`), and marks the request it answers
    /// (audited).
    pub async fn schedule_session(
        &mut self,
        id: Option<i64>,
        s: &NewLectureSession,
        request: Option<i64>,
    ) -> Result<i64> {
        let after = serde_json::json!({
            "delegation": s.delegation_id, "host": s.host_org_id, "venue": s.venue,
            "starts_at": format_time(s.starts_at), "ends_at": format_time(s.ends_at),
            "audience": s.audience,
        });
        let id = match id {
            Some(id) => {
                // Not a session cancelled meanwhile: the update finds it so once the
                // cancellation commits.
                let n = sqlx::query(
                    "UPDATE lecture_sessions SET host_org_id = $1, venue = $2, county_code = $3, \
                     starts_at = $4, ends_at = $5, audience = $6 WHERE id = $7 AND delegation_id = $8 \
                     AND cancelled = 0",
                )
                .bind(s.host_org_id)
                .bind(s.venue.clone())
                .bind(s.county_code.clone())
                .bind(format_time(s.starts_at))
                .bind(format_time(s.ends_at))
                .bind(s.audience)
                .bind(id)
                .bind(s.delegation_id)
                .execute(&mut *self.tx)
                .await?
                .rows_affected();
                if n == 0 {
                    let cancelled: Option<i64> = sqlx::query_scalar(
                        "SELECT cancelled FROM lecture_sessions WHERE id = $1 AND delegation_id = $2",
                    )
                    .bind(id)
                    .bind(s.delegation_id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                    let key = match cancelled {
                        Some(c) if c != 0 => "lecture.session_cancelled",
                        _ => "lecture.no_session",
                    };
                    let why = xianfeng_domain::i18n::Message::of(key, &[]);
                    return Err(match cancelled {
                        Some(_) => StoreError::Conflict(why),
                        None => StoreError::NotFound(why),
                    });
                }
                id
            }
            None => {
                let id = self.next_id("lecture_sessions").await?;
                sqlx::query(
                    "INSERT INTO lecture_sessions (id, delegation_id, host_org_id, venue, \
                     county_code, starts_at, ends_at, audience, cancelled, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10)",
                )
                .bind(id)
                .bind(s.delegation_id)
                .bind(s.host_org_id)
                .bind(s.venue.clone())
                .bind(s.county_code.clone())
                .bind(format_time(s.starts_at))
                .bind(format_time(s.ends_at))
                .bind(s.audience)
                .bind(self.actor.clone())
                .bind(now_ms())
                .execute(&mut *self.tx)
                .await?;
                id
            }
        };
        if let Some(r) = request {
            // A request is answered once: two offices answering it at once through two
            // servers leave one session for it, and the other hears so.
            let answered = sqlx::query(
                "UPDATE lecture_requests SET session_id = $1 WHERE id = $2 AND session_id IS NULL",
            )
            .bind(id)
            .bind(r)
            .execute(&mut *self.tx)
            .await?
            .rows_affected();
            if answered != 1 {
                return Err(StoreError::Conflict(xianfeng_domain::i18n::Message::of(
                    "lecture.request_answered",
                    &[],
                )));
            }
        }
        self.record::<(), _>(
            "lecture.schedule",
            "lecture_session",
            &id.to_string(),
            None,
            Some(&after),
        )
        .await?;
        Ok(id)
    }

    /// Cancels a session (audited).
    pub async fn cancel_session(&mut self, id: i64) -> Result<()> {
        sqlx::query("UPDATE lecture_sessions SET cancelled = 1 WHERE id = $1")
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        self.record::<(), ()>(
            "lecture.cancel",
            "lecture_session",
            &id.to_string(),
            None,
            None,
        )
        .await
    }

    /// Stores an organisation's request for a session (audited).
    pub async fn add_lecture_request(
        &mut self,
        delegation: i64,
        org: i64,
        wanted: &str,
        audience: i64,
        note: &str,
    ) -> Result<i64> {
        let id = self.next_id("lecture_requests").await?;
        sqlx::query(
            "INSERT INTO lecture_requests (id, delegation_id, org_id, wanted, audience, note, \
             requested_by, requested_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(delegation)
        .bind(org)
        .bind(wanted.to_string())
        .bind(audience)
        .bind(note.to_string())
        .bind(self.actor.clone())
        .bind(now_ms())
        .execute(&mut *self.tx)
        .await?;
        let after = serde_json::json!({
            "delegation": delegation, "org": org, "wanted": wanted, "audience": audience,
        });
        self.record::<(), _>(
            "lecture.request",
            "lecture_request",
            &id.to_string(),
            None,
            Some(&after),
        )
        .await?;
        Ok(id)
    }

    /// Signs a phone in at a session, once: `false` when it had signed in already.
    pub async fn sign_in(&mut self, session: i64, phone_hash: &str) -> Result<bool> {
        let n = sqlx::query(
            "INSERT INTO lecture_signins (session_id, phone_hash, signed_at) VALUES ($1, $2, $3) \
             ON CONFLICT (session_id, phone_hash) DO NOTHING",
        )
        .bind(session)
        .bind(phone_hash.to_string())
        .bind(now_ms())
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if n > 0 {
            self.record::<(), ()>(
                "lecture.sign_in",
                "lecture_session",
                &session.to_string(),
                None,
                None,
            )
            .await?;
        }
        Ok(n > 0)
    }

    /// Stores a signed-in phone's rating of a speaker, once: `false` when it had rated that
    /// speaker already. A comment waits for moderation.
    pub async fn rate_speaker(
        &mut self,
        session: i64,
        phone_hash: &str,
        model: i64,
        stars: i64,
        comment: &str,
    ) -> Result<bool> {
        // Once per phone, speaker and session: the unique index decides, so that a rating
        // sent twice at once (two servers) is stored once and the other told so.
        let id = self.next_id("lecture_ratings").await?;
        let stored = sqlx::query(
            "INSERT INTO lecture_ratings (id, session_id, phone_hash, model_id, stars, comment, \
             comment_status, rated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (session_id, phone_hash, model_id) DO NOTHING",
        )
        .bind(id)
        .bind(session)
        .bind(phone_hash.to_string())
        .bind(model)
        .bind(stars)
        .bind(comment.to_string())
        .bind(CommentStatus::Pending.as_str().to_string())
        .bind(now_ms())
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if stored == 0 {
            return Ok(false);
        }
        self.record::<(), _>(
            "lecture.rate",
            "lecture_rating",
            &id.to_string(),
            None,
            Some(&serde_json::json!({ "session": session, "speaker": model, "stars": stars })),
        )
        .await?;
        Ok(true)
    }

    /// Shows or hides a rating's comment (audited).
    pub async fn moderate_rating(&mut self, id: i64, status: CommentStatus) -> Result<bool> {
        let n = sqlx::query("UPDATE lecture_ratings SET comment_status = $1 WHERE id = $2")
            .bind(status.as_str().to_string())
            .bind(id)
            .execute(&mut *self.tx)
            .await?
            .rows_affected();
        if n > 0 {
            self.record::<(), _>(
                "lecture.moderate",
                "lecture_rating",
                &id.to_string(),
                None,
                Some(&serde_json::json!({ "status": status })),
            )
            .await?;
        }
        Ok(n > 0)
    }
}
