//! The working-day calendar for the office (`/calendar`): a year's holidays and make-up
//! working days, where each comes from, and the forms to set a day, take one back, or
//! import a new year's schedule from a sheet. Everyone signed in may read it.

use axum::Router;
use axum::routing::{get, post};
use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use xianfeng_app::AppError;
use xianfeng_app::calendar as service;
use xianfeng_domain::calendar::{CalendarDay, DaySource};
use xianfeng_domain::i18n::t;

use crate::AppState;
use crate::kernel::chrome::Chrome;
use crate::kernel::clock::today;
use crate::kernel::forms::Fields;
use crate::kernel::multipart::PostedFiles;
use crate::kernel::pages::{self, Attempt, OrRefuse, PageError};
use crate::kernel::session::{Posted, SignedIn};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/calendar", get(page).post(set))
        .route("/calendar/unset", post(unset))
        .route("/calendar/import", post(import))
}

struct DayRow {
    date: String,
    weekday: String,
    workday: bool,
    note: String,
    /// Set by the office (and so can be taken back).
    office: bool,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    chrome: Chrome,
    year: i32,
    has_data: bool,
    years: Vec<i32>,
    days: Vec<DayRow>,
    may_manage: bool,
}

pub async fn page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let year = q
        .get("year")
        .and_then(|y| y.parse::<i32>().ok())
        .filter(|y| (1900..=2200).contains(y))
        .unwrap_or_else(|| today().year());
    let chrome = Chrome::signed_in(&viewer, format!("/calendar?year={year}"));
    let attempt = Attempt::new(&viewer, "/", "calendar_unavailable");
    let cal = service::load(&s.store).await.or_refuse(&attempt)?;
    let may_manage = service::may_manage(&s.store, Some(&viewer.principal))
        .await
        .is_ok();
    let lang = chrome.tx.lang;
    let days = cal
        .exceptions(year, lang)
        .into_iter()
        .map(|(d, source)| DayRow {
            date: d.date.to_string(),
            weekday: t(
                lang,
                &format!("web.weekday_{}", d.date.weekday().num_days_from_monday()),
                &[],
            ),
            workday: d.workday,
            note: d.note,
            office: source == DaySource::Office,
        })
        .collect();
    let mut years = cal.years();
    let next = years.last().map_or(year, |y| y + 1);
    years.push(next);
    let page = CalendarPage {
        has_data: cal.has_year(year),
        chrome,
        year,
        years,
        days,
        may_manage,
    };
    pages::html(StatusCode::OK, &page, page.chrome.tx.lang)
}

fn back_to(date: &str) -> String {
    let year =
        NaiveDate::parse_from_str(date, "%Y-%m-%d").map_or_else(|_| today().year(), |d| d.year());
    format!("/calendar?year={year}")
}

/// Sets a day as a working day or a day off.
pub async fn set(
    State(s): State<AppState>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = back_to(f.value("date"));
    let attempt = Attempt::new(&viewer, &back, "calendar_not_changed");
    service::may_manage(&s.store, Some(&viewer.principal))
        .await
        .or_refuse(&attempt)?;
    let (Ok(date), Some(workday)) = (
        NaiveDate::parse_from_str(f.value("date"), "%Y-%m-%d"),
        service::parse_kind(f.value("kind")),
    ) else {
        return Err(attempt.refused(AppError::input(
            "app.bad_calendar_date",
            &[("value", &f.value("date"))],
        )));
    };
    xianfeng_domain::selection::check_text("note", f.value("note"), false, 200)
        .map_err(AppError::Input)
        .or_refuse(&attempt)?;
    let day = CalendarDay {
        date,
        workday,
        note: f.value("note").to_string(),
    };
    service::set(&s.store, &viewer.session.username, day)
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

/// Takes back the office's entry for a day.
pub async fn unset(
    State(s): State<AppState>,
    Posted(viewer, f): Posted<Fields>,
) -> Result<Response, PageError> {
    let back = back_to(f.value("date"));
    let attempt = Attempt::new(&viewer, &back, "calendar_not_changed");
    service::may_manage(&s.store, Some(&viewer.principal))
        .await
        .or_refuse(&attempt)?;
    let Ok(date) = NaiveDate::parse_from_str(f.value("date"), "%Y-%m-%d") else {
        return Err(attempt.refused(AppError::NotFound));
    };
    service::unset(&s.store, &viewer.session.username, date)
        .await
        .or_refuse(&attempt)?;
    Ok(Redirect::to(&back).into_response())
}

/// Imports a sheet of days: all rows or none, every problem with its row.
pub async fn import(State(s): State<AppState>, form: PostedFiles) -> Result<Response, PageError> {
    let viewer = &form.viewer;
    let back = "/calendar";
    let attempt = Attempt::new(viewer, back, "calendar_not_imported");
    service::may_manage(&s.store, Some(&viewer.principal))
        .await
        .or_refuse(&attempt)?;
    let (_tmp, reader) =
        crate::html::import::uploaded_sheet(&form, &s.config.sheet_limits).or_refuse(&attempt)?;
    let report = service::import(&s.store, &viewer.session.username, reader)
        .await
        .or_refuse(&attempt)?;
    if !report.problems.is_empty() {
        let problems = xianfeng_domain::i18n::Message::lines(report.problems);
        return Err(attempt.refused(AppError::Input(problems)));
    }
    Ok(Redirect::to(back).into_response())
}
