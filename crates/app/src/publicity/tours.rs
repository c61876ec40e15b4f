//! Lecture delegations and tours (报告团, 巡回宣讲): a delegation of speakers from the model
//! library; organisations request sessions and the office schedules them — never a
//! speaker in two places at once, with a travel gap between counties —; at the venue the
//! audience signs in by the session's QR code, once per phone, and rates each speaker,
//! with comments shown after moderation.

use chrono::{Duration, NaiveDateTime};
use xianfeng_domain::i18n::Message;
use xianfeng_domain::lecture::{
    CommentStatus, DEFAULT_TRAVEL_MINUTES, Slot, check_rating, clash, format_time,
};
use xianfeng_domain::model_library::ModelStatus;
use xianfeng_domain::policy::Action;
use xianfeng_storage::{
    DelegationRecord, LectureRequest, LectureSession, LectureStats, NewDelegation,
    NewLectureSession, OrgRecord, RatingRecord, Store,
};

use super::{may, may_any, org, text};
use crate::AppError;
use crate::actor::Who;

pub const MAX_NAME: usize = 60;
pub const MAX_VENUE: usize = 100;
pub const MAX_SPEAKERS: usize = 12;
/// The largest audience a session may expect.
pub const MAX_AUDIENCE: i64 = 100_000;

fn input(m: Message) -> AppError {
    AppError::Input(m)
}

/// A delegation as its form gives it.
#[derive(Debug, Clone, Default)]
pub struct DelegationInput {
    pub org_code: String,
    pub name: String,
    pub theme: String,
    pub leader: String,
    /// Library entries, in speaking order.
    pub speakers: Vec<i64>,
}

/// Builds a delegation of speakers from the library (entries in the library or public).
pub async fn create(store: &Store, who: Who<'_>, i: &DelegationInput) -> Result<i64, AppError> {
    let o = store
        .registry()
        .org_by_code(i.org_code.trim())
        .await?
        .ok_or(AppError::NotFound)?;
    may(who, Action::Publicise, &o)?;
    let name = text("delegation_name", &i.name, true, MAX_NAME, true)?;
    let theme = text("theme", &i.theme, true, MAX_NAME * 2, true)?;
    let leader = text("leader", &i.leader, true, MAX_NAME, true)?;
    let mut speakers: Vec<i64> = vec![];
    for id in &i.speakers {
        if !speakers.contains(id) {
            speakers.push(*id);
        }
    }
    if speakers.is_empty() || speakers.len() > MAX_SPEAKERS {
        return Err(input(Message::of(
            "lecture.speakers",
            &[("max", &MAX_SPEAKERS)],
        )));
    }
    for id in &speakers {
        let m = store
            .publicity()
            .model(*id)
            .await?
            .ok_or_else(|| input(Message::of("lecture.no_speaker", &[("id", id)])))?;
        if !matches!(m.status, ModelStatus::InLibrary | ModelStatus::Public) {
            return Err(input(
                Message::of("lecture.speaker_not_in_library", &[("name", &m.name)])
                    .arg_message("status", m.status.name()),
            ));
        }
    }
    let (campaign_id, _) = crate::scope::campaign(store).await?;
    let mut tx = store.begin(who.username).await?;
    let id = tx
        .add_delegation(&NewDelegation {
            campaign_id,
            org_id: o.id,
            name,
            theme,
            leader,
            speakers,
        })
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Whether `who` sees delegation `d`: one of an organisation in its subtree, or above it
/// (a branch requests sessions of the city's delegation).
async fn sees(store: &Store, who: Who<'_>, d: &DelegationRecord) -> Result<bool, AppError> {
    let Some(p) = who.principal else {
        return Ok(true);
    };
    let path = org(store, d.org_id).await?.tree_path();
    Ok(p.scopes.is_empty()
        || p.scopes
            .iter()
            .any(|s| path.contains(s) || s.contains(&path)))
}

/// The delegations `who` sees (see [`sees`]).
pub async fn delegations(store: &Store, who: Who<'_>) -> Result<Vec<DelegationRecord>, AppError> {
    let (campaign_id, _) = crate::scope::campaign(store).await?;
    let mut out = vec![];
    for d in store.publicity().delegations(campaign_id).await? {
        if sees(store, who, &d).await? {
            out.push(d);
        }
    }
    Ok(out)
}

/// A delegation `who` sees (see [`sees`]); any other is not found.
pub async fn delegation(
    store: &Store,
    who: Who<'_>,
    id: i64,
) -> Result<DelegationRecord, AppError> {
    let d = store
        .publicity()
        .delegation(id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !sees(store, who, &d).await? {
        return Err(AppError::NotFound);
    }
    Ok(d)
}

/// The county (县/市/区) an organisation lies in, by code: its ancestor one level below
/// the top of the tree (the top itself for the city's own organisations).
pub async fn county_of(store: &Store, o: &OrgRecord) -> Result<String, AppError> {
    let ids = o.tree_path().ids().to_vec();
    let id = if ids.len() >= 2 { ids[1] } else { o.id };
    Ok(org(store, id).await?.code)
}

/// The travel gap of the campaign in use.
pub async fn travel_gap(store: &Store) -> Result<Duration, AppError> {
    let (_, campaign) = crate::scope::campaign(store).await?;
    Ok(Duration::minutes(
        campaign
            .file
            .campaign
            .lecture_travel_minutes
            .map_or(DEFAULT_TRAVEL_MINUTES, i64::from),
    ))
}

/// A session as the schedule form gives it.
#[derive(Debug, Clone)]
pub struct SessionInput {
    pub delegation_id: i64,
    /// The session being moved, if any.
    pub session_id: Option<i64>,
    pub host_code: String,
    pub venue: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub audience: i64,
    /// The request it answers, if any.
    pub request_id: Option<i64>,
}

/// Schedules (or moves) a session at a host of `who`'s subtree. A speaker booked in
/// another session that overlaps, or too close to it in another county, refuses it,
/// naming the speaker and the other session. The check reads the schedule inside the
/// booking's own transaction.
pub async fn schedule(store: &Store, who: Who<'_>, i: &SessionInput) -> Result<i64, AppError> {
    let d = delegation(store, who, i.delegation_id).await?;
    let host = store
        .registry()
        .org_by_code(i.host_code.trim())
        .await?
        .ok_or_else(|| {
            input(Message::of(
                "lecture.no_host",
                &[("code", &i.host_code.trim())],
            ))
        })?;
    may(who, Action::Publicise, &host)?;
    let venue = text("venue", &i.venue, true, MAX_VENUE, true)?;
    if !(0..=MAX_AUDIENCE).contains(&i.audience) {
        return Err(input(Message::of(
            "lecture.audience",
            &[("max", &MAX_AUDIENCE)],
        )));
    }
    let county = county_of(store, &host).await?;
    let slot = Slot {
        id: i.session_id.unwrap_or(0),
        starts_at: i.starts_at,
        ends_at: i.ends_at,
        county: county.clone(),
    };
    slot.check().map_err(input)?;
    let travel = travel_gap(store).await?;
    let speakers: Vec<i64> = d.speakers.iter().map(|(id, _)| *id).collect();
    let mut tx = store.begin(who.username).await?;
    let booked = tx.speaker_slots(&speakers).await?;
    for (speaker, name) in &d.speakers {
        let theirs: Vec<Slot> = booked
            .iter()
            .filter(|b| b.model_id == *speaker)
            .map(|b| b.slot.clone())
            .collect();
        if let Some(other) = clash(&slot, &theirs, travel) {
            let b = booked
                .iter()
                .find(|b| b.slot.id == other.id)
                .expect("the clash is one of the booked slots");
            return Err(input(Message::of(
                "lecture.double_booked",
                &[
                    ("speaker", name),
                    ("delegation", &b.delegation_name),
                    ("venue", &b.venue),
                    ("from", &format_time(other.starts_at)),
                    ("to", &format_time(other.ends_at)),
                    ("gap", &travel.num_minutes()),
                ],
            )));
        }
    }
    let id = tx
        .schedule_session(
            i.session_id,
            &NewLectureSession {
                delegation_id: d.id,
                host_org_id: host.id,
                venue,
                county_code: county,
                starts_at: i.starts_at,
                ends_at: i.ends_at,
                audience: i.audience,
            },
            i.request_id,
        )
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Cancels a session of `who`'s subtree.
pub async fn cancel(store: &Store, who: Who<'_>, session: i64) -> Result<(), AppError> {
    let s = store
        .publicity()
        .session(session)
        .await?
        .ok_or(AppError::NotFound)?;
    let host = org(store, s.host_org_id).await?;
    may(who, Action::Publicise, &host).map_err(|_| AppError::NotFound)?;
    let mut tx = store.begin(who.username).await?;
    tx.cancel_session(session).await?;
    tx.commit().await?;
    Ok(())
}

/// An organisation asks for a session of a delegation (who writes its plan).
pub async fn request(
    store: &Store,
    who: Who<'_>,
    delegation_id: i64,
    org_code: &str,
    wanted: &str,
    audience: i64,
    note: &str,
) -> Result<i64, AppError> {
    let d = delegation(store, who, delegation_id).await?;
    let o = store
        .registry()
        .org_by_code(org_code.trim())
        .await?
        .ok_or(AppError::NotFound)?;
    may_any(who, &[Action::WritePlan, Action::Publicise], &o)?;
    let wanted = text("wanted", wanted, true, 100, false)?;
    let note = text("request_note", note, false, 500, false)?;
    if !(1..=MAX_AUDIENCE).contains(&audience) {
        return Err(input(Message::of(
            "lecture.audience",
            &[("max", &MAX_AUDIENCE)],
        )));
    }
    let mut tx = store.begin(who.username).await?;
    let id = tx
        .add_lecture_request(d.id, o.id, &wanted, audience, &note)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// A delegation's page: its sessions, requests and figures.
pub struct TourView {
    pub delegation: DelegationRecord,
    pub sessions: Vec<LectureSession>,
    pub stats: Vec<LectureStats>,
    pub requests: Vec<LectureRequest>,
    /// Per speaker: (entry, name, ratings, average stars × 100).
    pub speakers: Vec<(i64, String, i64, i64)>,
}

pub async fn tour(store: &Store, who: Who<'_>, id: i64) -> Result<TourView, AppError> {
    let delegation = delegation(store, who, id).await?;
    let sessions = store.publicity().sessions(Some(id)).await?;
    let stats = store.publicity().session_stats(id).await?;
    let requests = store.publicity().lecture_requests(id).await?;
    let ratings = store.publicity().ratings(Some(id), None, None).await?;
    let speakers = delegation
        .speakers
        .iter()
        .map(|(m, name)| {
            let mine: Vec<&RatingRecord> = ratings.iter().filter(|r| r.model_id == *m).collect();
            let n = mine.len() as i64;
            let sum: i64 = mine.iter().map(|r| r.stars).sum();
            (*m, name.clone(), n, (sum * 100).checked_div(n).unwrap_or(0))
        })
        .collect();
    Ok(TourView {
        delegation,
        sessions,
        stats,
        requests,
        speakers,
    })
}

/// The tour as an .xlsx workbook: one row per session (date, time, venue, host, audience
/// expected, phones signed in, ratings, average), then one per speaker.
pub fn tour_xlsx(v: &TourView) -> Result<Vec<u8>, AppError> {
    use rust_xlsxwriter::{Format, Workbook};
    let fault = |e: rust_xlsxwriter::XlsxError| AppError::Fault(e.to_string());
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name("宣讲场次").map_err(fault)?;
    let head = [
        "开始",
        "结束",
        "地点",
        "承办单位",
        "预计人数",
        "签到人数",
        "评分人次",
        "平均分",
        "状态",
    ];
    for (c, h) in head.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *h, &bold)
            .map_err(fault)?;
    }
    for (r, s) in v.sessions.iter().enumerate() {
        let row = r as u32 + 1;
        let st = v.stats.iter().find(|x| x.session_id == s.id);
        let (signed, ratings, stars) = st.map_or((0, 0, 0), |x| (x.signed_in, x.ratings, x.stars));
        sheet
            .write_string(row, 0, format_time(s.starts_at))
            .map_err(fault)?;
        sheet
            .write_string(row, 1, format_time(s.ends_at))
            .map_err(fault)?;
        sheet.write_string(row, 2, &s.venue).map_err(fault)?;
        sheet.write_string(row, 3, &s.host_name).map_err(fault)?;
        sheet
            .write_number(row, 4, s.audience as f64)
            .map_err(fault)?;
        sheet.write_number(row, 5, signed as f64).map_err(fault)?;
        sheet.write_number(row, 6, ratings as f64).map_err(fault)?;
        if ratings > 0 {
            let avg = (stars as f64 / ratings as f64 * 100.0).round() / 100.0;
            sheet.write_number(row, 7, avg).map_err(fault)?;
        }
        sheet
            .write_string(row, 8, if s.cancelled { "已取消" } else { "" })
            .map_err(fault)?;
    }
    sheet.set_column_width(0, 17).map_err(fault)?;
    sheet.set_column_width(1, 17).map_err(fault)?;
    sheet.set_column_width(2, 30).map_err(fault)?;
    sheet.set_column_width(3, 24).map_err(fault)?;
    let speakers = book.add_worksheet();
    speakers.set_name("宣讲人").map_err(fault)?;
    for (c, h) in ["宣讲人", "评分人次", "平均分"].iter().enumerate() {
        speakers
            .write_string_with_format(0, c as u16, *h, &bold)
            .map_err(fault)?;
    }
    for (r, (_, name, n, avg)) in v.speakers.iter().enumerate() {
        let row = r as u32 + 1;
        speakers.write_string(row, 0, name).map_err(fault)?;
        speakers.write_number(row, 1, *n as f64).map_err(fault)?;
        if *n > 0 {
            speakers
                .write_number(row, 2, *avg as f64 / 100.0)
                .map_err(fault)?;
        }
    }
    speakers.set_column_width(0, 20).map_err(fault)?;
    book.save_to_buffer().map_err(fault)
}

/// The public schedule: sessions not cancelled that have not ended before `from`.
pub async fn upcoming(
    store: &Store,
    from: NaiveDateTime,
    limit: i64,
) -> Result<Vec<LectureSession>, AppError> {
    Ok(store.publicity().sessions_from(from, limit).await?)
}

/// Every session not cancelled, for the public calendar feed.
pub async fn all_public(store: &Store) -> Result<Vec<LectureSession>, AppError> {
    Ok(store
        .publicity()
        .sessions(None)
        .await?
        .into_iter()
        .filter(|s| !s.cancelled)
        .collect())
}

/// What a phone at a session sees: the session, its delegation's speakers, whether this
/// phone signed in, and which speakers it rated.
pub struct SignInView {
    pub session: LectureSession,
    pub delegation: DelegationRecord,
    pub signed_in: bool,
    pub rated: Vec<i64>,
    /// Comments shown after moderation: (speaker, stars, comment).
    pub comments: Vec<(String, i64, String)>,
}

/// A session as a phone sees it (a cancelled one is not found).
pub async fn at_session(
    store: &Store,
    session: i64,
    phone_hash: Option<&str>,
) -> Result<SignInView, AppError> {
    let s = store
        .publicity()
        .session(session)
        .await?
        .ok_or(AppError::NotFound)?;
    if s.cancelled {
        return Err(AppError::NotFound);
    }
    let delegation = store
        .publicity()
        .delegation(s.delegation_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (signed_in, rated) = match phone_hash {
        Some(h) => (
            store.publicity().signed_in(session, h).await?,
            store.publicity().rated_by(session, h).await?,
        ),
        None => (false, vec![]),
    };
    let comments = store
        .publicity()
        .ratings(None, Some(session), Some(CommentStatus::Shown))
        .await?
        .into_iter()
        .map(|r| (r.speaker, r.stars, r.comment))
        .collect();
    Ok(SignInView {
        session: s,
        delegation,
        signed_in,
        rated,
        comments,
    })
}

/// Signing in opens an hour before a session starts and closes at the end of its day.
fn sign_in_open(s: &LectureSession, now: NaiveDateTime) -> Result<(), AppError> {
    let opens = s.starts_at - Duration::hours(1);
    let closes = s
        .ends_at
        .date()
        .and_hms_opt(23, 59, 59)
        .expect("a valid time of day");
    if now < opens {
        return Err(input(Message::of(
            "lecture.sign_in_not_yet",
            &[("at", &format_time(opens))],
        )));
    }
    if now > closes {
        return Err(input(Message::of("lecture.sign_in_closed", &[])));
    }
    Ok(())
}

/// Signs a phone in at a session, once: `false` when it had signed in already.
pub async fn sign_in(
    store: &Store,
    session: i64,
    phone_hash: &str,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let v = at_session(store, session, None).await?;
    sign_in_open(&v.session, now)?;
    let mut tx = store.begin("public").await?;
    let fresh = tx.sign_in(session, phone_hash).await?;
    tx.commit().await?;
    Ok(fresh)
}

/// A signed-in phone rates one speaker of the session, once; the comment waits for
/// moderation.
pub async fn rate(
    store: &Store,
    session: i64,
    phone_hash: &str,
    speaker: i64,
    stars: i64,
    comment: &str,
) -> Result<(), AppError> {
    let v = at_session(store, session, Some(phone_hash)).await?;
    if !v.signed_in {
        return Err(input(Message::of("lecture.sign_in_first", &[])));
    }
    if !v.delegation.speakers.iter().any(|(m, _)| *m == speaker) {
        return Err(AppError::NotFound);
    }
    check_rating(stars, comment).map_err(input)?;
    let comment = text(
        "comment",
        comment,
        false,
        xianfeng_domain::lecture::MAX_COMMENT_CHARS,
        true,
    )?;
    let mut tx = store.begin("public").await?;
    let fresh = tx
        .rate_speaker(session, phone_hash, speaker, stars, &comment)
        .await?;
    tx.commit().await?;
    if !fresh {
        return Err(input(Message::of("lecture.rated_already", &[])));
    }
    Ok(())
}

/// Comments waiting for moderation, of the delegations `who` keeps.
pub async fn pending_comments(
    store: &Store,
    who: Who<'_>,
) -> Result<Vec<(DelegationRecord, RatingRecord)>, AppError> {
    let mut out = vec![];
    for d in delegations(store, who).await? {
        let o = org(store, d.org_id).await?;
        if may(who, Action::Publicise, &o).is_err() {
            continue;
        }
        for r in store
            .publicity()
            .ratings(Some(d.id), None, Some(CommentStatus::Pending))
            .await?
        {
            out.push((d.clone(), r));
        }
    }
    Ok(out)
}

/// Shows or hides a comment (of a delegation `who` keeps).
pub async fn moderate(
    store: &Store,
    who: Who<'_>,
    rating: i64,
    show: bool,
) -> Result<(), AppError> {
    let r = store
        .publicity()
        .rating(rating)
        .await?
        .ok_or(AppError::NotFound)?;
    let s = store
        .publicity()
        .session(r.session_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let d = delegation(store, who, s.delegation_id).await?;
    may(who, Action::Publicise, &org(store, d.org_id).await?).map_err(|_| AppError::NotFound)?;
    let mut tx = store.begin(who.username).await?;
    tx.moderate_rating(
        rating,
        if show {
            CommentStatus::Shown
        } else {
            CommentStatus::Hidden
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
