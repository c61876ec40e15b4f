//! A bulletin as a 公文 in the layout of GB/T 9704-2012 (党政机关公文格式): A4, top margin
//! 37 mm and left 28 mm, a type area of 156 × 225 mm holding 22 lines of 28 characters of
//! 3号 (16 pt) 仿宋_GB2312; the red issuer's mark and red separator of the header block; the
//! title in 2号 (22 pt) 小标宋, centred; headings 一、 in 黑体 and （一） in 楷体; page numbers
//! "— 1 —" in 4号 宋体 at the outside edges (odd pages right, even pages left, one character
//! in); the 版记 (抄送, the printing office and date) at the foot of the last page.

use docx_rs::{
    AlignmentType, BorderType, Docx, Footer, LineSpacing, LineSpacingType, PageMargin, Paragraph,
    ParagraphBorder, ParagraphBorderPosition, Run, RunFonts, SpecialIndentType, Table as DocxTable,
    TableCell, TableRow, WidthType,
};
use xianfeng_domain::bulletin::{Block, Level, Table};
use xianfeng_domain::bulletin_outline::{word, words};

use crate::AppError;

/// Twips (1/1440 inch) in a millimetre, as the standard gives every length in mm.
fn mm(v: f64) -> i32 {
    (v * 1440.0 / 25.4).round() as i32
}

/// A4, in twips.
pub const PAGE: (u32, u32) = (11_906, 16_838);
/// Half-points: 2号 22 pt, 3号 16 pt, 4号 14 pt, tables 小四 12 pt.
pub const TITLE_SIZE: usize = 44;
pub const BODY_SIZE: usize = 32;
pub const PAGE_NUMBER_SIZE: usize = 28;
const TABLE_SIZE: usize = 24;
/// 22 lines in the 225 mm type area: the exact line pitch, in twips.
pub const LINE_PITCH: i32 = 579;
/// Twentieths of a point between characters: 156 mm / 28 = 15.79 pt a character.
pub const CHAR_SPACING: i32 = -5;

pub const FANGSONG: &str = "仿宋_GB2312";
pub const HEITI: &str = "黑体";
pub const KAITI: &str = "楷体_GB2312";
pub const XIAOBIAOSONG: &str = "方正小标宋简体";
pub const SONGTI: &str = "宋体";
const RED: &str = "FF0000";

/// The margins: top 37, left 28; the type area of 156 × 225 leaves right 26, bottom 35.
pub fn margins() -> PageMargin {
    PageMargin::new()
        .top(mm(37.0))
        .left(mm(28.0))
        .right(mm(26.0))
        .bottom(mm(35.0))
        .header(mm(15.0))
        .footer(mm(20.0))
}

fn fonts(east_asia: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(east_asia)
        .ascii("Times New Roman")
        .hi_ansi("Times New Roman")
}

fn run(text: &str, font: &str, size: usize) -> Run {
    Run::new().add_text(text).fonts(fonts(font)).size(size)
}

/// A body run: 3号 narrowed by a quarter point, so that 28 characters fill the 156 mm line.
fn body_run(text: &str, font: &str) -> Run {
    run(text, font, BODY_SIZE).character_spacing(CHAR_SPACING)
}

fn exact() -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line(LINE_PITCH)
}

/// A body line: 仿宋 3号 on the grid, first line indented two characters.
fn body_line(text: &str, font: &str) -> Paragraph {
    Paragraph::new()
        .add_run(body_run(text, font))
        .line_spacing(exact())
        .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
        .first_line_chars(200)
        .align(AlignmentType::Both)
}

fn empty_line() -> Paragraph {
    Paragraph::new()
        .add_run(run("", FANGSONG, BODY_SIZE))
        .line_spacing(exact())
}

fn centred(text: &str, font: &str, size: usize) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, font, size))
        .align(AlignmentType::Center)
}

/// A page number "— 1 —" in 4号 宋体, one character in from the outside edge.
fn page_number(odd: bool) -> Footer {
    let template = &words().page;
    let (before, after) = template.split_once("{n}").unwrap_or((template, ""));
    let style = |r: Run| r.fonts(fonts(SONGTI)).size(PAGE_NUMBER_SIZE);
    let field = style(Run::new())
        .add_field_char(docx_rs::FieldCharType::Begin, false)
        .add_instr_text(docx_rs::InstrText::PAGE(docx_rs::InstrPAGE::new()))
        .add_field_char(docx_rs::FieldCharType::Separate, false)
        .add_text("1")
        .add_field_char(docx_rs::FieldCharType::End, false);
    let (align, indent) = if odd {
        (AlignmentType::Right, (None, Some(280)))
    } else {
        (AlignmentType::Left, (Some(280), None))
    };
    Footer::new().add_paragraph(
        Paragraph::new()
            .add_run(style(Run::new().add_text(before)))
            .add_run(field)
            .add_run(style(Run::new().add_text(after)))
            .align(align)
            .indent(indent.0, None, indent.1, None),
    )
}

/// A rule under a paragraph: red in the header block, black in the 版记.
fn ruled(p: Paragraph, colour: &str, eighths: usize, at: ParagraphBorderPosition) -> Paragraph {
    let mut p = p;
    let mut borders = p
        .property
        .borders
        .take()
        .unwrap_or_else(docx_rs::ParagraphBorders::with_empty);
    borders = borders.set(
        ParagraphBorder::new(at)
            .val(BorderType::Single)
            .size(eighths)
            .space(1)
            .color(colour),
    );
    p.property = p.property.set_borders(borders);
    p
}

/// Column widths sharing the type area's 156 mm by each column's longest text (at least
/// three characters), so that names wrap less than numbers need.
fn widths(t: &Table) -> Vec<usize> {
    let columns = t.columns.len().max(1);
    let mut longest = vec![3usize; columns];
    for (i, c) in t.columns.iter().enumerate() {
        longest[i] = longest[i].max(c.chars().count());
    }
    for r in &t.rows {
        for (i, f) in r.iter().enumerate().take(columns) {
            longest[i] = longest[i].max(f.to_string().chars().count().min(24));
        }
    }
    let total: usize = longest.iter().sum();
    let area = mm(156.0) as usize;
    longest.iter().map(|l| area * l / total).collect()
}

fn table(t: &Table) -> DocxTable {
    let widths = widths(t);
    let cell = |text: &str, bold: bool, width: usize| {
        let mut r = run(text, FANGSONG, TABLE_SIZE);
        if bold {
            r = r.bold();
        }
        TableCell::new()
            .add_paragraph(
                Paragraph::new()
                    .add_run(r)
                    .align(AlignmentType::Center)
                    .snap_to_grid(false),
            )
            .width(width, WidthType::Dxa)
    };
    let row = |texts: Vec<String>, bold: bool| {
        TableRow::new(
            texts
                .iter()
                .zip(&widths)
                .map(|(t, w)| cell(t, bold, *w))
                .collect(),
        )
    };
    let mut rows = vec![row(t.columns.clone(), true)];
    for r in &t.rows {
        rows.push(row(r.iter().map(|f| f.to_string()).collect(), false));
    }
    DocxTable::new(rows)
        .set_grid(widths.clone())
        .width(widths.iter().sum(), WidthType::Dxa)
        .layout(docx_rs::TableLayoutType::Fixed)
}

/// What a bulletin's 公文 shows, in order.
pub struct Official<'a> {
    /// 发文机关 (its red mark, the signature, the 版记's printing office).
    pub issuer: &'a str,
    /// 发文字号; `None` on a draft.
    pub number: Option<String>,
    pub signer: Option<&'a str>,
    pub title: &'a str,
    pub main_to: &'a str,
    pub blocks: &'a [Block],
    pub tables: &'a [Table],
    /// 成文日期, as written (2012年3月1日).
    pub dated: &'a str,
    pub copy_to: &'a str,
}

/// The .docx of a bulletin.
pub fn official(o: &Official<'_>) -> Result<Vec<u8>, AppError> {
    let w = words();
    let mark = word(&w.issuer_mark, &[("issuer", o.issuer.to_string())]);
    // The mark fits the type area's width: at most 小初-ish, smaller for a long name.
    let mark_size = (mm(156.0) as usize / 10 / mark.chars().count().max(1)).clamp(32, 72);
    let mut doc = Docx::new()
        .page_size(PAGE.0, PAGE.1)
        .page_margin(margins())
        .default_fonts(fonts(FANGSONG))
        .default_size(BODY_SIZE)
        .footer(page_number(true))
        .even_footer(page_number(false));
    doc.document = doc.document.doc_grid(
        docx_rs::DocGrid::new()
            .grid_type(docx_rs::DocGridType::Lines)
            .line_pitch(LINE_PITCH as usize),
    );
    // The header block (版头): the mark in red, the number, the red separator.
    doc = doc
        .add_paragraph(
            Paragraph::new()
                .add_run(run(&mark, XIAOBIAOSONG, mark_size).color(RED))
                .align(AlignmentType::Center)
                .line_spacing(LineSpacing::new().before(mm(10.0) as u32)),
        )
        .add_paragraph(empty_line());
    let mut number = o.number.clone().unwrap_or_else(|| w.draft.clone());
    if let Some(s) = o.signer {
        number = format!(
            "{number}　　　　{}",
            word(&w.signer, &[("name", s.to_string())])
        );
    }
    doc = doc
        .add_paragraph(ruled(
            centred(&number, FANGSONG, BODY_SIZE).line_spacing(exact()),
            RED,
            16,
            ParagraphBorderPosition::Bottom,
        ))
        .add_paragraph(empty_line())
        // The title, then a blank line, then the addressees flush left.
        .add_paragraph(centred(o.title, XIAOBIAOSONG, TITLE_SIZE))
        .add_paragraph(empty_line());
    if !o.main_to.is_empty() {
        doc = doc.add_paragraph(
            Paragraph::new()
                .add_run(body_run(
                    &word(&w.main_to, &[("names", o.main_to.to_string())]),
                    FANGSONG,
                ))
                .line_spacing(exact()),
        );
    }
    let mut attachments = vec![];
    for b in o.blocks {
        doc = match b {
            Block::Heading {
                level,
                number,
                text,
            } => {
                let font = match level {
                    Level::First => HEITI,
                    Level::Second => KAITI,
                    Level::Third | Level::Fourth => FANGSONG,
                };
                doc.add_paragraph(body_line(&format!("{number}{text}"), font))
            }
            Block::Paragraph(t) => doc.add_paragraph(body_line(t, FANGSONG)),
            Block::Table(key) => match o.tables.iter().find(|t| &t.key == key) {
                Some(t) => doc
                    .add_paragraph(centred(&t.title, HEITI, TABLE_SIZE))
                    .add_table(table(t)),
                None => doc,
            },
            Block::Attachment(t) => {
                attachments.push(t.clone());
                doc
            }
        };
    }
    if !attachments.is_empty() {
        doc = doc.add_paragraph(empty_line());
        for a in &attachments {
            doc = doc.add_paragraph(body_line(a, FANGSONG));
        }
    }
    // Signature and date: right, the date four characters in from the edge.
    doc = doc.add_paragraph(empty_line()).add_paragraph(empty_line());
    for (text, end) in [(o.issuer, 640), (o.dated, 1280)] {
        doc = doc.add_paragraph(
            Paragraph::new()
                .add_run(run(text, FANGSONG, BODY_SIZE))
                .line_spacing(exact())
                .align(AlignmentType::Right)
                .indent(None, None, Some(end), None),
        );
    }
    // The 版记 at the foot of the last page: a frame anchored to the bottom margin, its
    // lines between rules.
    let printed = word(
        &w.printed,
        &[
            ("issuer", o.issuer.to_string()),
            ("date", o.dated.to_string()),
        ],
    );
    let footer_lines = [
        (!o.copy_to.is_empty()).then(|| word(&w.copy_to, &[("names", o.copy_to.to_string())])),
        Some(printed),
    ];
    let lines: Vec<String> = footer_lines.into_iter().flatten().collect();
    let n = lines.len();
    for (i, text) in lines.into_iter().enumerate() {
        let mut p = Paragraph::new()
            .add_run(run(&text, FANGSONG, PAGE_NUMBER_SIZE))
            .indent(Some(280), None, Some(280), None)
            .line_spacing(exact())
            .wrap("around")
            .v_anchor("margin")
            .h_anchor("margin")
            .y_align("bottom")
            .frame_width(mm(156.0) as u32);
        if i == 0 {
            p = ruled(p, "000000", 8, ParagraphBorderPosition::Top);
        }
        if i + 1 == n {
            p = ruled(p, "000000", 8, ParagraphBorderPosition::Bottom);
        }
        doc = doc.add_paragraph(p);
    }
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut out).map_err(AppError::fault)?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use xianfeng_domain::bulletin::{Figure, parse_body};

    fn part(bytes: &[u8], name: &str) -> String {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut out = String::new();
        std::io::Read::read_to_string(&mut archive.by_name(name).unwrap(), &mut out).unwrap();
        out
    }

    #[test]
    fn a_bulletin_reads_back_in_the_layout_of_gb_t_9704() {
        let tables = vec![Table {
            key: "leaders".into(),
            title: "前列".into(),
            columns: vec!["位次".into(), "名称".into(), "得分".into()],
            rows: vec![vec![
                Figure::Count(1),
                Figure::Text("第一党支部".into()),
                Figure::Hundredths(9_850),
            ]],
        }];
        let blocks = parse_body(
            "现通报如下。\n一、总体情况\n（一）参与情况\n[表:leaders]\n附件：统计表",
            &["leaders"],
        )
        .unwrap();
        let bytes = official(&Official {
            issuer: "焦作市创先争优活动领导小组办公室",
            number: Some("焦创办〔2011〕12号".into()),
            signer: None,
            title: "关于活动进展情况的通报",
            main_to: "各县（市、区）委组织部",
            blocks: &blocks,
            tables: &tables,
            dated: "2011年12月1日",
            copy_to: "市委办公室",
        })
        .unwrap();
        let doc = part(&bytes, "word/document.xml");
        // A4; top 37 mm, left 28 mm; the type area 156 × 225 mm.
        assert!(doc.contains(r#"<w:pgSz w:w="11906" w:h="16838""#), "{doc}");
        let (top, left, right, bottom) = (mm(37.0), mm(28.0), mm(26.0), mm(35.0));
        assert_eq!((top, left), (2098, 1587));
        assert!(
            (11_906 - left - right - mm(156.0)).abs() <= 1,
            "156 mm, to a twip"
        );
        assert!(
            (16_838 - top - bottom - mm(225.0)).abs() <= 1,
            "225 mm, to a twip"
        );
        for m in [
            format!(r#"w:top="{top}""#),
            format!(r#"w:left="{left}""#),
            format!(r#"w:right="{right}""#),
            format!(r#"w:bottom="{bottom}""#),
        ] {
            assert!(doc.contains(&m), "{m}");
        }
        // 22 lines of 28 characters of 3号.
        assert_eq!(mm(225.0) / LINE_PITCH, 22);
        let pitch_pt = 16.0 + f64::from(CHAR_SPACING) / 20.0;
        assert_eq!((156.0 / 25.4 * 72.0 / pitch_pt) as i32, 28);
        assert!(doc.contains(&format!(r#"w:line="{LINE_PITCH}" w:lineRule="exact""#)));
        // The red issuer's mark and separator; the title 2号; headings 黑体 and 楷体.
        assert!(doc.contains("焦作市创先争优活动领导小组办公室文件"));
        assert!(doc.contains(r#"<w:color w:val="FF0000" />"#), "red mark");
        assert!(doc.contains(r#"w:color="FF0000""#), "red separator");
        assert!(doc.contains("焦创办〔2011〕12号"));
        let title_at = doc.find("关于活动进展情况的通报").unwrap();
        let title_run = &doc[doc[..title_at].rfind("<w:r>").unwrap()..title_at];
        assert!(title_run.contains(r#"<w:sz w:val="44" />"#), "{title_run}");
        assert!(title_run.contains(XIAOBIAOSONG), "{title_run}");
        for (text, font) in [
            ("一、总体情况", HEITI),
            ("（一）参与情况", KAITI),
            ("现通报如下。", FANGSONG),
        ] {
            let at = doc.find(text).unwrap();
            let r = &doc[doc[..at].rfind("<w:r>").unwrap()..at];
            assert!(
                r.contains(font) && r.contains(r#"<w:sz w:val="32" />"#),
                "{text}: {r}"
            );
        }
        assert!(doc.contains("各县（市、区）委组织部："));
        assert!(doc.contains("98.50") && doc.contains("第一党支部"));
        // The 版记 at the foot: framed to the bottom margin.
        assert!(doc.contains("抄送：市委办公室"));
        assert!(doc.contains("2011年12月1日印发"));
        assert!(doc.contains(r#"w:yAlign="bottom""#), "{doc}");
        // Page numbers "— 1 —" in 4号 宋体, odd right and even left.
        let settings = part(&bytes, "word/settings.xml");
        assert!(settings.contains("evenAndOddHeaders"), "{settings}");
        let mut footers = 0;
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes[..])).unwrap();
        for i in 0..archive.len() {
            let name = archive.by_index(i).unwrap().name().unwrap().to_string();
            if name.starts_with("word/footer") && name.ends_with(".xml") {
                let f = part(&bytes, &name);
                assert!(
                    f.contains("PAGE") && f.contains("— ") && f.contains(" —"),
                    "{f}"
                );
                assert!(
                    f.contains(SONGTI) && f.contains(r#"<w:sz w:val="28" />"#),
                    "{f}"
                );
                assert!(f.contains(r#"w:val="right""#) || f.contains(r#"w:val="left""#));
                footers += 1;
            }
        }
        assert_eq!(footers, 2, "odd and even");
    }
}
