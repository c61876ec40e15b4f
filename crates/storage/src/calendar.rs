//! The office's entries in the working-day calendar (工作日历): days and years with data.
//! The built-in official calendar lives in `domain::calendar`; these rows go on top of it.

use crate::Calendar;
use chrono::NaiveDate;
use serde::Serialize;
use xianfeng_domain::calendar::CalendarDay;

use crate::{Result, WriteTx, now_ms};

/// What a day was before a change, for the audit trail.
#[derive(Serialize)]
struct DayState<'a> {
    workday: bool,
    note: &'a str,
}

impl Calendar<'_> {
    /// The office's days, in date order.
    pub async fn days(self) -> Result<Vec<CalendarDay>> {
        let rows: Vec<(String, i64, String)> =
            sqlx::query_as("SELECT day, workday, note FROM calendar_days ORDER BY day")
                .fetch_all(self.store.reader())
                .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(day, workday, note)| {
                Some(CalendarDay {
                    date: NaiveDate::parse_from_str(&day, "%Y-%m-%d").ok()?,
                    workday: workday != 0,
                    note,
                })
            })
            .collect())
    }

    /// The years the office declared to have data.
    pub async fn years(self) -> Result<Vec<i32>> {
        let rows: Vec<(i64,)> = sqlx::query_as("SELECT year FROM calendar_years ORDER BY year")
            .fetch_all(self.store.reader())
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(y,)| i32::try_from(y).ok())
            .collect())
    }
}

impl WriteTx {
    /// Sets days (replacing what the office had set for them), one audit entry per day with
    /// what it was before; with `declare_years`, their years now have data (an imported
    /// year's schedule).
    pub async fn set_calendar_days(
        &mut self,
        days: &[CalendarDay],
        declare_years: bool,
    ) -> Result<()> {
        // The office's calendar is changed by one writer at a time, so that each day's
        // "before" in the audit trail is what the previous change left (B10).
        self.lock_name("calendar").await?;
        let now = now_ms();
        for d in days {
            let key = d.date.to_string();
            let before: Option<(i64, String)> =
                sqlx::query_as("SELECT workday, note FROM calendar_days WHERE day = $1")
                    .bind(key.clone())
                    .fetch_optional(&mut *self.tx)
                    .await?;
            sqlx::query(
                "INSERT INTO calendar_days (day, workday, note, updated_by, updated_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (day) DO UPDATE SET \
                 workday = excluded.workday, note = excluded.note, \
                 updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            )
            .bind(key.clone())
            .bind(i64::from(d.workday))
            .bind(d.note.clone())
            .bind(self.actor.clone())
            .bind(now)
            .execute(&mut *self.tx)
            .await?;
            let before = before.as_ref().map(|(w, note)| DayState {
                workday: *w != 0,
                note,
            });
            let after = DayState {
                workday: d.workday,
                note: &d.note,
            };
            self.record(
                "calendar.set",
                "calendar_day",
                &key,
                before.as_ref(),
                Some(&after),
            )
            .await?;
        }
        if !declare_years {
            return Ok(());
        }
        let mut years: Vec<i32> = days
            .iter()
            .map(|d| chrono::Datelike::year(&d.date))
            .collect();
        years.sort_unstable();
        years.dedup();
        for y in years {
            sqlx::query(
                "INSERT INTO calendar_years (year, updated_by, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (year) DO NOTHING",
            )
            .bind(i64::from(y))
            .bind(self.actor.clone())
            .bind(now)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    /// Removes the office's entry for a day (the built-in calendar or the weekday rule
    /// applies again); `false` when there was none.
    pub async fn unset_calendar_day(&mut self, day: NaiveDate) -> Result<bool> {
        self.lock_name("calendar").await?;
        let key = day.to_string();
        // What is deleted is what the audit keeps: a day unset twice at once is unset once.
        let before: Option<(i64, String)> =
            sqlx::query_as("DELETE FROM calendar_days WHERE day = $1 RETURNING workday, note")
                .bind(key.clone())
                .fetch_optional(&mut *self.tx)
                .await?;
        let Some((workday, note)) = before else {
            return Ok(false);
        };
        let before = DayState {
            workday: workday != 0,
            note: &note,
        };
        self.record::<_, ()>("calendar.unset", "calendar_day", &key, Some(&before), None)
            .await?;
        Ok(true)
    }
}
