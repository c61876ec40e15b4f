//! Word documents (.docx), built with docx-rs: the recommendation and approval form (推荐
//! 审批表) that offices fill in, print and file, and bulletins as 公文 (`official`).

mod official;

pub use official::{Official, official};

use docx_rs::{
    AlignmentType, Docx, Paragraph, Run, RunFonts, Table, TableCell, TableRow, WidthType,
};

use crate::AppError;

/// Paragraphs of a text, one per line; `bold` for labels.
fn paragraphs(text: &str, bold: bool, size_half_points: usize, centred: bool) -> Vec<Paragraph> {
    let lines: Vec<&str> = if text.is_empty() {
        vec![""]
    } else {
        text.lines().collect()
    };
    lines
        .into_iter()
        .map(|line| {
            let mut r = Run::new()
                .add_text(line)
                .fonts(RunFonts::new().east_asia("SimSun"))
                .size(size_half_points);
            if bold {
                r = r.bold();
            }
            let p = Paragraph::new().add_run(r);
            if centred {
                p.align(AlignmentType::Center)
            } else {
                p
            }
        })
        .collect()
}

fn cell(width: usize, content: Vec<Paragraph>) -> TableCell {
    content
        .into_iter()
        .fold(TableCell::new().width(width, WidthType::Dxa), |c, p| {
            c.add_paragraph(p)
        })
}

/// The document: `title` centred on top, then a bordered table of (label, value) rows,
/// then `footer` lines. A4 with 23 mm margins.
pub fn form(
    title: &str,
    rows: &[(String, String)],
    footer: &[String],
) -> Result<Vec<u8>, AppError> {
    let mut doc = Docx::new()
        .page_size(official::PAGE.0, official::PAGE.1)
        .page_margin(
            docx_rs::PageMargin::new()
                .top(1440)
                .bottom(1440)
                .left(1300)
                .right(1300),
        );
    for p in paragraphs(title, true, 36, true) {
        doc = doc.add_paragraph(p);
    }
    let table_rows = rows
        .iter()
        .map(|(label, value)| {
            TableRow::new(vec![
                cell(2000, paragraphs(label, true, 24, true)),
                cell(7000, paragraphs(value, false, 24, false)),
            ])
        })
        .collect();
    doc = doc.add_table(Table::new(table_rows).set_grid(vec![2000, 7000]));
    for line in footer {
        for p in paragraphs(line, false, 21, false) {
            doc = doc.add_paragraph(p);
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut out).map_err(AppError::fault)?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_is_a_zip_with_the_word_parts_and_escaped_text() {
        let bytes = form(
            "推荐审批表",
            &[
                ("姓名".into(), "王芳".into()),
                ("事迹".into(), "第一行\n<b>&第二行".into()),
            ],
            &["填表日期".into()],
        )
        .unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let names: Vec<String> = archive
            .file_names()
            .map(|n| n.map(|n| n.to_string()).unwrap())
            .collect();
        assert!(names.iter().any(|n| n == "word/document.xml"), "{names:?}");
        assert!(
            names.iter().any(|n| n == "[Content_Types].xml"),
            "{names:?}"
        );
        let mut doc = String::new();
        std::io::Read::read_to_string(&mut archive.by_name("word/document.xml").unwrap(), &mut doc)
            .unwrap();
        assert!(doc.contains("王芳") && doc.contains("推荐审批表"));
        assert!(doc.contains("&lt;b&gt;&amp;第二行"), "{doc}");
        assert!(doc.contains(">第一行<"), "one paragraph per line");
    }
}
