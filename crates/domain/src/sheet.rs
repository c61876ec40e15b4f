//! A spreadsheet as the import sees it: rows of cells, whatever the file format was.

use chrono::NaiveDate;

/// A value as a cell of a CSV file we write, safe to open in a spreadsheet: text that
/// begins with `=`, `+`, `-`, `@`, a tab or a carriage return would be taken for a formula
/// (a name typed as `=HYPERLINK(…)` by one office, live in the file another downloads), so
/// it gets a leading `'`, which spreadsheets show as text.
pub fn csv_cell(value: &str) -> std::borrow::Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{value}"))
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}

/// One cell as read from .xlsx or .csv.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Bool(bool),
    /// A formula error such as `#N/A`.
    Error(String),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => crate::text::normalise(s).is_empty(),
            _ => false,
        }
    }

    /// The cell as text; whole numbers print without a fraction (Excel shows codes such as
    /// 410802 as numbers).
    pub fn to_text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => crate::text::normalise(s),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{n:.0}"),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => d.to_string(),
            Cell::Bool(b) => b.to_string(),
            Cell::Error(e) => e.clone(),
        }
    }
}

/// The column whose header is one of `names` (compared after `text::normalise`, ignoring
/// case): how an imported sheet's columns are found by their Chinese or English names.
pub fn column_of(headers: &[String], names: &[&str]) -> Option<usize> {
    headers.iter().position(|h| {
        let h = crate::text::normalise(h).to_lowercase();
        names.iter().any(|n| h == n.to_lowercase())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_cell_that_a_spreadsheet_would_run_as_a_formula_is_made_text() {
        for live in [
            "=HYPERLINK(\"http://x\",\"点此\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(csv_cell(live), format!("'{live}"), "{live:?}");
        }
        for plain in ["王芳", "JZ-JF-001", "2011-07-01", "", "a=b"] {
            assert_eq!(csv_cell(plain), plain);
        }
    }

    #[test]
    fn columns_are_found_by_any_of_their_names_whatever_the_width_or_case() {
        let headers: Vec<String> = ["序号", " 日期 ", "ＫＩＮＤ", "说明"]
            .map(String::from)
            .into();
        assert_eq!(column_of(&headers, &["date", "日期"]), Some(1));
        assert_eq!(column_of(&headers, &["kind", "类型"]), Some(2));
        assert_eq!(column_of(&headers, &["note"]), None);
    }
}
