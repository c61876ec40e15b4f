//! Ranking tables as .xlsx workbooks: a sheet per table, and a sheet on the method.

use std::path::Path;

use xianfeng_domain::i18n::{Lang, Message, t};

use super::table::*;
use crate::AppError;

/// Writes ranking tables to an .xlsx workbook, one sheet per table, with the column
/// headers in `lang` and a sheet explaining the method.
pub fn write_xlsx(path: &Path, tables: &[Table], lang: Lang) -> Result<(), AppError> {
    let bytes = xlsx_bytes(tables, lang)?;
    std::fs::write(path, bytes)
        .map_err(|e| AppError::Input(Message::verbatim(format!("{}: {e}", path.display()))))
}

/// The workbook of [`write_xlsx`], in memory (for a download).
pub fn xlsx_bytes(tables: &[Table], lang: Lang) -> Result<Vec<u8>, AppError> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::fault(e);
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let two = Format::new().set_num_format("0.00");
    for table in tables {
        let sheet = book.add_worksheet();
        let title = format!(
            "{}-{}",
            t(lang, &format!("scores.kind_{}", table.kind.as_str()), &[]),
            table.period.code
        );
        sheet.set_name(&title).map_err(fail)?;
        let mut headers: Vec<String> = [
            "rank",
            "code",
            "name",
            "category",
            "level",
            "score",
            "previous",
            "growth",
            "growth_percent",
            "growth_rank",
            "grade",
        ]
        .iter()
        .map(|h| t(lang, &format!("scores.col_{h}"), &[]))
        .collect();
        headers.extend(table.criteria.iter().map(|(_, name)| name.clone()));
        let note_column = headers.len() as u16;
        headers.push(t(lang, "scores.col_note", &[]));
        for (c, h) in headers.iter().enumerate() {
            sheet
                .write_string_with_format(0, c as u16, h, &bold)
                .map_err(fail)?;
        }
        for (i, r) in table.rows.iter().enumerate() {
            let row = i as u32 + 1;
            sheet.write_number(row, 0, r.rank).map_err(fail)?;
            sheet.write_string(row, 1, &r.code).map_err(fail)?;
            sheet.write_string(row, 2, &r.name).map_err(fail)?;
            sheet
                .write_string(row, 3, r.category.as_deref().unwrap_or(""))
                .map_err(fail)?;
            sheet.write_string(row, 4, &r.level).map_err(fail)?;
            sheet
                .write_number_with_format(row, 5, r.score, &two)
                .map_err(fail)?;
            let optional = [r.previous_score, r.growth, r.growth_percent];
            for (j, v) in optional.iter().enumerate() {
                if let Some(v) = v {
                    sheet
                        .write_number_with_format(row, 6 + j as u16, *v, &two)
                        .map_err(fail)?;
                }
            }
            if let Some(g) = r.growth_rank {
                sheet.write_number(row, 9, g).map_err(fail)?;
            }
            sheet
                .write_string(row, 10, r.grade.as_deref().unwrap_or(""))
                .map_err(fail)?;
            for (k, v) in r.criteria.iter().enumerate() {
                if let Some(v) = v {
                    sheet
                        .write_number_with_format(row, 11 + k as u16, *v, &two)
                        .map_err(fail)?;
                }
            }
            if let Some(part) = &r.only_part {
                let part = super::part_name(lang, part);
                let note = t(lang, "scores.only_part_row", &[("part", &part)]);
                sheet.write_string(row, note_column, note).map_err(fail)?;
            }
        }
        sheet.set_freeze_panes(1, 3).map_err(fail)?;
        sheet.autofit();
    }
    let notes = book.add_worksheet();
    notes
        .set_name(t(lang, "scores.method_sheet", &[]))
        .map_err(fail)?;
    for (i, key) in [
        "scores.method_1",
        "scores.method_2",
        "scores.method_3",
        "scores.method_4",
        "scores.method_5",
    ]
    .iter()
    .enumerate()
    {
        notes
            .write_string(i as u32, 0, t(lang, key, &[]))
            .map_err(fail)?;
    }
    book.save_to_buffer().map_err(fail)
}

/// A simple sheet for the short tables of a dashboard: headers and rows of text; the
/// columns marked in `numeric` are written as numbers where they hold one (never a name or
/// code, which may look like a number).
pub fn plain_xlsx(
    title: &str,
    headers: &[String],
    numeric: &[bool],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, AppError> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::fault(e);
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(title).map_err(fail)?;
    let bold = Format::new().set_bold();
    for (c, h) in headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, h, &bold)
            .map_err(fail)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let number = v.parse::<f64>().ok().filter(|n| n.is_finite());
            match number {
                Some(n) if numeric.get(c) == Some(&true) => {
                    sheet.write_number(r as u32 + 1, c as u16, n)
                }
                _ => sheet.write_string(r as u32 + 1, c as u16, v),
            }
            .map_err(fail)?;
        }
    }
    sheet.autofit();
    book.save_to_buffer().map_err(fail)
}
