//! The working-day calendar for the office (`/calendar`): a year's holidays and make-up
//! working days, where each comes from, and the forms to set a day, take one back, or
//! import a new year's schedule from a sheet. Everyone signed in may read it.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use xianfeng_app::AppError;
use xianfeng_app::calendar as service;
use xianfeng_domain::calendar::{CalendarDay, DaySource};
use xianfeng_domain::i18n::t;

use crate::chrome::Chrome;
use crate::clock::today;
use crate::commitments::Fields;
use crate::multipart::PostedFiles;
use crate::session::{Posted, SignedIn};
use crate::{AppState, pages};

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
) -> Response {
    let year = q
        .get("year")
        .and_then(|y| y.parse::<i32>().ok())
        .filter(|y| (1900..=2200).contains(y))
        .unwrap_or_else(|| today().year());
    let chrome = Chrome::signed_in(&viewer, format!("/calendar?year={year}"));
    let cal = match service::load(&s.store).await {
        Ok(c) => c,
        Err(e) => return pages::internal(e),
    };
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
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => pages::internal(e),
    }
}

fn back_to(date: &str) -> String {
    let year =
        NaiveDate::parse_from_str(date, "%Y-%m-%d").map_or_else(|_| today().year(), |d| d.year());
    format!("/calendar?year={year}")
}

/// Sets a day as a working day or a day off.
pub async fn set(State(s): State<AppState>, Posted(viewer, f): Posted<Fields>) -> Response {
    let back = back_to(f.value("date"));
    if let Err(e) = service::may_manage(&s.store, Some(&viewer.principal)).await {
        return pages::refused(&viewer, &back, e);
    }
    let (Ok(date), Some(workday)) = (
        NaiveDate::parse_from_str(f.value("date"), "%Y-%m-%d"),
        service::parse_kind(f.value("kind")),
    ) else {
        return pages::refused(
            &viewer,
            &back,
            AppError::Input(xianfeng_domain::i18n::Message::of(
                "app.bad_calendar_date",
                &[("value", &f.value("date"))],
            )),
        );
    };
    if let Err(e) = xianfeng_domain::selection::check_text("note", f.value("note"), false, 200) {
        return pages::refused(&viewer, &back, AppError::Input(e));
    }
    let day = CalendarDay {
        date,
        workday,
        note: f.value("note").to_string(),
    };
    match service::set(&s.store, &viewer.session.username, day).await {
        Ok(()) => Redirect::to(&back).into_response(),
        Err(e) => pages::refused(&viewer, &back, e),
    }
}

/// Takes back the office's entry for a day.
pub async fn unset(State(s): State<AppState>, Posted(viewer, f): Posted<Fields>) -> Response {
    let back = back_to(f.value("date"));
    if let Err(e) = service::may_manage(&s.store, Some(&viewer.principal)).await {
        return pages::refused(&viewer, &back, e);
    }
    let Ok(date) = NaiveDate::parse_from_str(f.value("date"), "%Y-%m-%d") else {
        return pages::refused(&viewer, &back, AppError::NotFound);
    };
    match service::unset(&s.store, &viewer.session.username, date).await {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(e) => pages::refused(&viewer, &back, e),
    }
}

/// Imports a sheet of days: all rows or none, every problem with its row.
pub async fn import(State(s): State<AppState>, form: PostedFiles) -> Response {
    let viewer = &form.viewer;
    let back = "/calendar".to_string();
    if let Err(e) = service::may_manage(&s.store, Some(&viewer.principal)).await {
        return pages::refused(viewer, &back, e);
    }
    let (_tmp, reader) = match crate::import::uploaded_sheet(&form) {
        Ok(opened) => opened,
        Err(e) => return pages::refused(viewer, &back, e),
    };
    match service::import(&s.store, &viewer.session.username, reader).await {
        Ok(report) if report.problems.is_empty() => Redirect::to(&back).into_response(),
        Ok(report) => pages::refused(
            viewer,
            &back,
            AppError::Input(xianfeng_domain::i18n::Message::lines(report.problems)),
        ),
        Err(e) => pages::refused(viewer, &back, e),
    }
}
