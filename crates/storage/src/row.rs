//! Reading a row by its columns' names into domain types. A value the database holds that
//! the domain cannot read (a status no version of the program wrote, a date that is not
//! one) is an error naming the table, the column and the value — never a quiet default.

use chrono::NaiveDate;
use sqlx::Row as _;
use sqlx::any::AnyRow;
use xianfeng_domain::i18n::Message;

use crate::{Result, StoreError};

/// A row of `table`, read column by column.
pub(crate) struct Row<'r> {
    row: &'r AnyRow,
    table: &'static str,
}

impl<'r> Row<'r> {
    pub(crate) fn of(row: &'r AnyRow, table: &'static str) -> Row<'r> {
        Row { row, table }
    }

    /// A column as the driver decodes it (numbers, text, flags).
    pub(crate) fn get<T>(&self, column: &str) -> Result<T>
    where
        T: for<'a> sqlx::Decode<'a, sqlx::Any> + sqlx::Type<sqlx::Any>,
    {
        Ok(self.row.try_get(column)?)
    }

    fn bad(&self, column: &str, value: &str) -> StoreError {
        bad_value(self.table, column, value)
    }

    /// A text column read by `parse` (an enum's code).
    pub(crate) fn parsed<T>(&self, column: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T> {
        let text: String = self.get(column)?;
        parse(&text).ok_or_else(|| self.bad(column, &text))
    }

    /// The same for a column that may be empty (NULL).
    pub(crate) fn parsed_opt<T>(
        &self,
        column: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>> {
        let text: Option<String> = self.get(column)?;
        text.map(|t| parse(&t).ok_or_else(|| self.bad(column, &t)))
            .transpose()
    }

    /// A date stored as `YYYY-MM-DD`.
    pub(crate) fn date(&self, column: &str) -> Result<NaiveDate> {
        self.parsed(column, parse_date)
    }

    pub(crate) fn date_opt(&self, column: &str) -> Result<Option<NaiveDate>> {
        self.parsed_opt(column, parse_date)
    }

    /// A column holding JSON.
    pub(crate) fn json<T: serde::de::DeserializeOwned>(&self, column: &str) -> Result<T> {
        let text: String = self.get(column)?;
        serde_json::from_str(&text).map_err(|_| self.bad(column, &text))
    }
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// The error for a stored value the program cannot read.
pub(crate) fn bad_value(table: &str, column: &str, value: &str) -> StoreError {
    let shown: String = value.chars().take(60).collect();
    StoreError::Damaged(Message::of(
        "store.bad_value",
        &[("table", &table), ("column", &column), ("value", &shown)],
    ))
}
