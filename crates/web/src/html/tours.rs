//! Lecture tours (巡回宣讲) pages. The office's and committees' staff's: delegations
//! (`/tours`), a delegation's schedule, requests, figures and .xlsx (`/tours/{id}`), comment
//! moderation (`/tours/comments`). The public's: the schedule `/p/tours` and its iCalendar
//! feed `/p/tours.ics`, and a session's page `/p/s/{id}` — the address its QR code holds —
//! where a phone signs in once and rates the speakers.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use xianfeng_app::AppError;
use xianfeng_app::publicity::tours::{self as service, DelegationInput, SessionInput};
use xianfeng_domain::i18n::{Message, t};
use xianfeng_domain::lecture::{format_time, parse_time};
use xianfeng_domain::model_library::ModelStatus;
use xianfeng_domain::policy::{Action, principal_permits};
use xianfeng_storage::{LectureSession, ModelFilter};

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::clock::now_local;
use crate::kernel::cookies::lang_of;
use crate::kernel::forms::Fields;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::qr;
use crate::kernel::session::{Posted, SignedIn};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tours", get(list).post(create))
        .route("/tours/comments", get(comments))
        .route("/tours/comments/{id}", post(moderate))
        .route("/tours/{id}", get(tour))
        .route("/tours/{id}/schedule", post(schedule))
        .route("/tours/{id}/request", post(request))
        .route("/tours/{id}/xlsx", get(xlsx))
        .route("/tours/sessions/{id}/cancel", post(cancel))
        .route("/tours/sessions/{id}/qr", get(session_qr))
        .route("/p/tours", get(public_schedule))
        .route("/p/tours.ics", get(ics))
        .route("/p/s/{id}", get(session_page).post(sign_in))
        .route("/p/s/{id}/rate", post(rate))
}

/// A session as lists show it.
pub struct SessionView {
    pub id: i64,
    pub delegation: String,
    pub delegation_id: i64,
    pub when: String,
    pub venue: String,
    pub host: String,
    pub audience: i64,
    pub signed_in: i64,
    pub cancelled: bool,
    pub ratings: i64,
    /// Average stars, one decimal, or empty.
    pub average: String,
}

fn session_view(s: &LectureSession) -> SessionView {
    SessionView {
        id: s.id,
        delegation: s.delegation_name.clone(),
        delegation_id: s.delegation_id,
        when: format!("{}–{}", format_time(s.starts_at), s.ends_at.format("%H:%M")),
        venue: s.venue.clone(),
        host: s.host_name.clone(),
        audience: s.audience,
        signed_in: s.signed_in,
        cancelled: s.cancelled,
        ratings: 0,
        average: String::new(),
    }
}

fn average(stars: i64, n: i64) -> String {
    if n == 0 {
        String::new()
    } else {
        format!("{:.1}", stars as f64 / n as f64)
    }
}

#[derive(Template)]
#[template(path = "tours.html")]
struct ListPage {
    chrome: Chrome,
    /// (id, name, theme, leader, speakers, organisation).
    delegations: Vec<(i64, String, String, String, String, String)>,
    keeps: bool,
    /// Library entries that may speak: (id, name, organisation, commended).
    speakers: Vec<(i64, String, String, bool)>,
    org: String,
    pending: usize,
}

async fn list(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/", "tours_unavailable");
    let p = &viewer.principal;
    if !principal_permits(p, Action::Publicise) && !principal_permits(p, Action::WritePlan) {
        return Err(attempt.refused(AppError::Forbidden));
    }
    let keeps = principal_permits(p, Action::Publicise);
    let delegations = service::delegations(&s.store, viewer.who())
        .await
        .or_refuse(&attempt)?;
    let speakers = if keeps {
        xianfeng_app::publicity::models::library(
            &s.store,
            viewer.who(),
            ModelFilter {
                statuses: vec![ModelStatus::InLibrary, ModelStatus::Public],
                limit: 500,
                ..ModelFilter::default()
            },
        )
        .await
        .or_refuse(&attempt)?
        .into_iter()
        .map(|m| {
            let commended = m.source == xianfeng_domain::model_library::ModelSource::Commended;
            (m.id, m.name, m.org_name, commended)
        })
        .collect()
    } else {
        vec![]
    };
    let pending = if keeps {
        service::pending_comments(&s.store, viewer.who())
            .await
            .or_refuse(&attempt)?
            .len()
    } else {
        0
    };
    let org = xianfeng_app::scope::top_code(&s.store, p)
        .await
        .or_refuse(&attempt)?;
    let chrome = Chrome::signed_in(&viewer, "/tours".into());
    let page = ListPage {
        delegations: delegations
            .into_iter()
            .map(|d| {
                let names: Vec<String> = d.speakers.iter().map(|(_, n)| n.clone()).collect();
                (
                    d.id,
                    d.name,
                    d.theme,
                    d.leader,
                    names.join("、"),
                    d.org_name,
                )
            })
            .collect(),
        keeps,
        speakers,
        org,
        pending,
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

async fn create(
    State(s): State<AppState>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/tours", "delegation_not_saved");
    let mut speakers: Vec<(i64, i64)> = f
        .entries()
        .filter_map(|(k, v)| {
            let id: i64 = k.strip_prefix("m_")?.parse().ok()?;
            let order: i64 = v.trim().parse().unwrap_or(0);
            (order > 0).then_some((order, id))
        })
        .collect();
    speakers.sort();
    let input = DelegationInput {
        org_code: f.value("org").to_string(),
        name: f.value("name").to_string(),
        theme: f.value("theme").to_string(),
        leader: f.value("leader").to_string(),
        speakers: speakers.into_iter().map(|(_, id)| id).collect(),
    };
    let id = service::create(&s.store, viewer.who(), &input)
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&format!("/tours/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "tour.html")]
struct TourPage {
    chrome: Chrome,
    id: i64,
    name: String,
    theme: String,
    leader: String,
    org_name: String,
    /// (name, ratings, average).
    speakers: Vec<(String, i64, String)>,
    sessions: Vec<SessionView>,
    /// (id, organisation, wanted, audience, note, scheduled session).
    requests: Vec<(i64, String, String, i64, String, Option<i64>)>,
    keeps: bool,
    org: String,
    held: usize,
    signed_in: i64,
    travel_minutes: i64,
}

async fn tour(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/tours", "tours_unavailable");
    let v = service::tour(&s.store, viewer.who(), id)
        .await
        .or_refuse(&attempt)?;
    let keeps = principal_permits(&viewer.principal, Action::Publicise);
    let org = xianfeng_app::scope::top_code(&s.store, &viewer.principal)
        .await
        .or_refuse(&attempt)?;
    let travel = service::travel_gap(&s.store).await.or_refuse(&attempt)?;
    let now = now_local();
    let sessions: Vec<SessionView> = v
        .sessions
        .iter()
        .map(|x| {
            let mut sv = session_view(x);
            if let Some(st) = v.stats.iter().find(|st| st.session_id == x.id) {
                sv.ratings = st.ratings;
                sv.average = average(st.stars, st.ratings);
            }
            sv
        })
        .collect();
    let chrome = Chrome::signed_in(&viewer, format!("/tours/{id}"));
    let page = TourPage {
        id,
        held: v
            .sessions
            .iter()
            .filter(|x| !x.cancelled && x.ends_at <= now)
            .count(),
        signed_in: v.sessions.iter().map(|x| x.signed_in).sum(),
        name: v.delegation.name.clone(),
        theme: v.delegation.theme.clone(),
        leader: v.delegation.leader.clone(),
        org_name: v.delegation.org_name.clone(),
        speakers: v
            .speakers
            .iter()
            .map(|(_, name, n, avg)| {
                (
                    name.clone(),
                    *n,
                    if *n > 0 {
                        format!("{:.1}", *avg as f64 / 100.0)
                    } else {
                        String::new()
                    },
                )
            })
            .collect(),
        sessions,
        requests: v
            .requests
            .iter()
            .map(|r| {
                (
                    r.id,
                    r.org_name.clone(),
                    r.wanted.clone(),
                    r.audience,
                    r.note.clone(),
                    r.session_id,
                )
            })
            .collect(),
        keeps,
        org,
        travel_minutes: travel.num_minutes(),
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

/// A time typed in a form (`2012-03-05 09:00`, or `2012-03-05T09:00` from a
/// `datetime-local` input), or the message that says how to write it.
fn time_of(field: &str, value: &str) -> Result<chrono::NaiveDateTime, AppError> {
    parse_time(value).ok_or_else(|| {
        AppError::Input(
            Message::of("lecture.bad_time", &[("value", &value.trim())])
                .arg_message("field", Message::of(format!("web.tours_{field}"), &[])),
        )
    })
}

async fn schedule(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/tours/{id}");
    let attempt = Attempt::new(&viewer, &back, "session_not_scheduled");
    // Refused before the form is read: only who keeps tours schedules, and a delegation
    // it may see.
    if !principal_permits(&viewer.principal, Action::Publicise) {
        return Err(attempt.refused(AppError::Forbidden));
    }
    service::delegation(&s.store, viewer.who(), id)
        .await
        .or_refuse(&attempt)?;
    let input = SessionInput {
        delegation_id: id,
        session_id: f.value("session").parse().ok(),
        host_code: f.value("host").to_string(),
        venue: f.value("venue").to_string(),
        starts_at: time_of("starts", f.value("starts")).or_refuse(&attempt)?,
        ends_at: time_of("ends", f.value("ends")).or_refuse(&attempt)?,
        audience: f.value("audience").trim().parse().unwrap_or(-1),
        request_id: f.value("request").parse().ok(),
    };
    service::schedule(&s.store, viewer.who(), &input)
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

async fn request(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/tours/{id}");
    let attempt = Attempt::new(&viewer, &back, "request_not_sent");
    service::request(
        &s.store,
        viewer.who(),
        id,
        f.value("org"),
        f.value("wanted"),
        f.value("audience").trim().parse().unwrap_or(0),
        f.value("note"),
    )
    .await
    .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

async fn cancel(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = format!("/tours/{}", f.value("delegation"));
    let attempt = Attempt::new(&viewer, &back, "session_not_scheduled");
    service::cancel(&s.store, viewer.who(), id)
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

async fn xlsx(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, format!("/tours/{id}"), "tours_unavailable");
    let v = service::tour(&s.store, viewer.who(), id)
        .await
        .or_refuse(&attempt)?;
    let bytes = service::tour_xlsx(&v).or_refuse(&attempt)?;
    Ok(pages::download(
        &format!("tour-{id}.xlsx"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes,
    ))
}

#[derive(Template)]
#[template(path = "session_qr.html")]
struct QrPage {
    chrome: Chrome,
    s: SessionView,
    qr: Option<String>,
    url: Option<String>,
}

async fn session_qr(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/tours", "tours_unavailable");
    let session = s
        .store
        .publicity()
        .session(id)
        .await
        .or_refuse(&attempt)?
        .ok_or_else(|| attempt.refused(AppError::NotFound))?;
    // Only who may see the delegation prints its codes.
    service::delegation(&s.store, viewer.who(), session.delegation_id)
        .await
        .or_refuse(&attempt)?;
    let url = qr::public_address(s.config.public_url.as_deref(), &format!("/p/s/{id}"));
    let chrome = Chrome::signed_in(&viewer, format!("/tours/{}", session.delegation_id));
    let page = QrPage {
        qr: url.as_deref().and_then(qr::svg),
        url,
        s: session_view(&session),
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

#[derive(Template)]
#[template(path = "tour_comments.html")]
struct CommentsPage {
    chrome: Chrome,
    /// (rating id, delegation, session (when and where), speaker, stars, comment).
    pending: Vec<(i64, String, String, String, i64, String)>,
}

async fn comments(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/tours", "tours_unavailable");
    if !principal_permits(&viewer.principal, Action::Publicise) {
        return Err(attempt.refused(AppError::Forbidden));
    }
    let pending = service::pending_comments(&s.store, viewer.who())
        .await
        .or_refuse(&attempt)?;
    let mut rows = vec![];
    for (d, r) in pending {
        let session = s
            .store
            .publicity()
            .session(r.session_id)
            .await
            .or_refuse(&attempt)?
            .map(|x| format!("{} {}", session_view(&x).when, x.venue))
            .unwrap_or_default();
        rows.push((r.id, d.name, session, r.speaker, r.stars, r.comment));
    }
    let chrome = Chrome::signed_in(&viewer, "/tours/comments".into());
    let page = CommentsPage {
        pending: rows,
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

async fn moderate(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let attempt = Attempt::new(&viewer, "/tours/comments", "tours_unavailable");
    service::moderate(&s.store, viewer.who(), id, f.value("show") == "1")
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to("/tours/comments").into_response())
}

#[derive(Template)]
#[template(path = "public_tours.html")]
struct PublicSchedule {
    chrome: Chrome,
    sessions: Vec<SessionView>,
}

async fn public_schedule(
    State(s): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let chrome = Chrome::anonymous(lang_of(&headers), "/p/tours");
    let attempt = Attempt::public(chrome.tx.lang, "/p/", "tours_unavailable");
    let from = now_local() - chrono::Duration::days(1);
    let sessions = service::upcoming(&s.store, from, 200)
        .await
        .or_refuse(&attempt)?;
    let page = PublicSchedule {
        sessions: sessions.iter().map(session_view).collect(),
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

/// Escapes a text value of an iCalendar property (RFC 5545 §3.3.11).
fn ics_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
        .replace('\r', "")
}

/// Folds a content line at 75 octets, never inside a character (RFC 5545 §3.1).
fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
    out
}

/// The public schedule as an iCalendar feed: every session not cancelled, in Beijing time.
async fn ics(State(s): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let lang = lang_of(&headers);
    let attempt = Attempt::public(lang, "/p/tours", "tours_unavailable");
    let sessions = service::all_public(&s.store).await.or_refuse(&attempt)?;
    let base = s.config.public_url.clone().unwrap_or_default();
    let host = base
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let mut out = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//xianfeng//lecture tours//ZH\r\nCALSCALE:GREGORIAN\r\n",
    );
    out.push_str(&fold(&format!(
        "X-WR-CALNAME:{}",
        ics_text(&t(lang, "web.public_tours_title", &[]))
    )));
    out.push_str("X-WR-TIMEZONE:Asia/Shanghai\r\n");
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    for x in &sessions {
        // Beijing local time is UTC+8 the year round (no daylight saving).
        let utc = |t: chrono::NaiveDateTime| {
            (t - chrono::Duration::hours(8))
                .format("%Y%m%dT%H%M%SZ")
                .to_string()
        };
        out.push_str("BEGIN:VEVENT\r\n");
        out.push_str(&format!(
            "UID:lecture-session-{}@{}\r\n",
            x.id,
            if host.is_empty() { "xianfeng" } else { &host }
        ));
        out.push_str(&format!("DTSTAMP:{stamp}\r\n"));
        out.push_str(&format!("DTSTART:{}\r\n", utc(x.starts_at)));
        out.push_str(&format!("DTEND:{}\r\n", utc(x.ends_at)));
        out.push_str(&fold(&format!("SUMMARY:{}", ics_text(&x.delegation_name))));
        out.push_str(&fold(&format!(
            "LOCATION:{}",
            ics_text(&format!("{}（{}）", x.venue, x.host_name))
        )));
        if !base.is_empty() {
            out.push_str(&fold(&format!(
                "URL:{}/p/s/{}",
                base.trim_end_matches('/'),
                x.id
            )));
        }
        out.push_str("END:VEVENT\r\n");
    }
    out.push_str("END:VCALENDAR\r\n");
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"tours.ics\"",
            ),
        ],
        out,
    )
        .into_response())
}

/// The phone's cookie at sessions: a random token and its keyed signature.
const PHONE_COOKIE: &str = "xf_phone";

/// The keyed hash the database keeps of this phone's token, if it carries a valid one.
fn phone_of(s: &AppState, headers: &HeaderMap) -> Option<String> {
    let value = crate::kernel::cookies::cookie(headers, PHONE_COOKIE)?;
    let (token, mac) = value.split_once('.')?;
    let expected = s.store.vault().hash(&format!("phone:{token}"));
    crate::kernel::session::same_secret(mac, &expected)
        .then(|| s.store.vault().hash(&format!("phone-id:{token}")))
}

/// A new token for a phone without one: (its hash to store, the cookie to set).
fn new_phone(s: &AppState) -> (String, HeaderValue) {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the operating system provides randomness");
    let token: String = b.iter().map(|x| format!("{x:02x}")).collect();
    let mac = s.store.vault().hash(&format!("phone:{token}"));
    let cookie = HeaderValue::from_str(&format!(
        "{PHONE_COOKIE}={token}.{mac}; HttpOnly; SameSite=Lax; Path=/p/s/; Max-Age=31536000"
    ))
    .expect("hex and ASCII make a valid header");
    (s.store.vault().hash(&format!("phone-id:{token}")), cookie)
}

#[derive(Template)]
#[template(path = "public_session.html")]
struct SessionPage {
    chrome: Chrome,
    s: SessionView,
    theme: String,
    signed_in: bool,
    /// (speaker id, name, rated by this phone).
    speakers: Vec<(i64, String, bool)>,
    comments: Vec<(String, i64, String)>,
    notice: Option<String>,
}

async fn render_session(
    s: &AppState,
    lang: xianfeng_domain::i18n::Lang,
    id: i64,
    phone: Option<&str>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let attempt = Attempt::public(lang, "/p/tours", "tours_unavailable");
    let v = service::at_session(&s.store, id, phone)
        .await
        .or_refuse(&attempt)?;
    let chrome = Chrome::anonymous(lang, &format!("/p/s/{id}"));
    let page = SessionPage {
        s: session_view(&v.session),
        theme: v.delegation.theme.clone(),
        signed_in: v.signed_in,
        speakers: v
            .delegation
            .speakers
            .iter()
            .map(|(m, n)| (*m, n.clone(), v.rated.contains(m)))
            .collect(),
        comments: v.comments,
        notice,
        chrome,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

fn session_id(lang: xianfeng_domain::i18n::Lang, id: &str) -> Result<i64, PageError> {
    id.parse().map_err(|_| {
        Attempt::public(lang, "/p/tours", "tours_unavailable").refused(AppError::NotFound)
    })
}

async fn session_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let lang = lang_of(&headers);
    let id = session_id(lang, &id)?;
    let phone = phone_of(&s, &headers);
    render_session(&s, lang, id, phone.as_deref(), None).await
}

async fn sign_in(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let lang = lang_of(&headers);
    let id = session_id(lang, &id)?;
    let attempt = Attempt::public(lang, &format!("/p/s/{id}"), "sign_in_failed");
    let (phone, cookie) = match phone_of(&s, &headers) {
        Some(p) => (p, None),
        None => {
            let (p, c) = new_phone(&s);
            (p, Some(c))
        }
    };
    let fresh = service::sign_in(&s.store, id, &phone, now_local())
        .await
        .or_refuse(&attempt)?;
    let notice = t(
        lang,
        if fresh {
            "web.session_signed_in"
        } else {
            "web.session_signed_in_already"
        },
        &[],
    );
    let mut response = render_session(&s, lang, id, Some(&phone), Some(notice)).await?;
    if let Some(c) = cookie {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(response)
}

async fn rate(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<std::collections::HashMap<String, String>>,
) -> Result<Response, PageError> {
    let lang = lang_of(&headers);
    let id = session_id(lang, &id)?;
    let attempt = Attempt::public(lang, &format!("/p/s/{id}"), "rating_not_saved");
    let Some(phone) = phone_of(&s, &headers) else {
        return Err(attempt.refused(AppError::Input(Message::of("lecture.sign_in_first", &[]))));
    };
    let get = |k: &str| f.get(k).map_or("", String::as_str);
    let speaker: i64 = get("speaker").parse().unwrap_or(0);
    let stars: i64 = get("stars").parse().unwrap_or(0);
    service::rate(&s.store, id, &phone, speaker, stars, get("comment"))
        .await
        .or_refuse(&attempt)?;
    let notice = t(lang, "web.session_rated", &[]);
    render_session(&s, lang, id, Some(&phone), Some(notice)).await
}
