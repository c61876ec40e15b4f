//! A Word document (.docx) with a title and a two-column table of labelled fields: the
//! recommendation and approval form (推荐审批表) that offices fill in, print and file.
//! Plain WordprocessingML, so that Word and WPS open and edit it; text only, no images.

use std::io::Write;

use zip::ZipWriter;
use zip::write::SimpleFileOptions;

use xianfeng_domain::text::escape_xml;

use crate::AppError;

/// Paragraphs of a text, one per line; `bold` for labels.
fn paragraphs(text: &str, bold: bool, size_half_points: u32, centred: bool) -> String {
    let mut out = String::new();
    let lines: Vec<&str> = if text.is_empty() {
        vec![""]
    } else {
        text.lines().collect()
    };
    for line in lines {
        out.push_str("<w:p><w:pPr>");
        if centred {
            out.push_str("<w:jc w:val=\"center\"/>");
        }
        out.push_str("</w:pPr><w:r><w:rPr>");
        if bold {
            out.push_str("<w:b/>");
        }
        out.push_str(&format!(
            "<w:rFonts w:eastAsia=\"SimSun\"/><w:sz w:val=\"{size_half_points}\"/></w:rPr>\
             <w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
            escape_xml(line)
        ));
    }
    out
}

fn cell(width: u32, content: String) -> String {
    format!("<w:tc><w:tcPr><w:tcW w:w=\"{width}\" w:type=\"dxa\"/></w:tcPr>{content}</w:tc>")
}

/// The document: `title` centred on top, then a bordered table of (label, value) rows,
/// then `footer` lines.
pub fn form(
    title: &str,
    rows: &[(String, String)],
    footer: &[String],
) -> Result<Vec<u8>, AppError> {
    let mut body = paragraphs(title, true, 36, true);
    body.push_str(
        "<w:tbl><w:tblPr><w:tblW w:w=\"9000\" w:type=\"dxa\"/><w:tblBorders>\
         <w:top w:val=\"single\" w:sz=\"4\"/><w:left w:val=\"single\" w:sz=\"4\"/>\
         <w:bottom w:val=\"single\" w:sz=\"4\"/><w:right w:val=\"single\" w:sz=\"4\"/>\
         <w:insideH w:val=\"single\" w:sz=\"4\"/><w:insideV w:val=\"single\" w:sz=\"4\"/>\
         </w:tblBorders></w:tblPr><w:tblGrid><w:gridCol w:w=\"2000\"/><w:gridCol w:w=\"7000\"/></w:tblGrid>",
    );
    for (label, value) in rows {
        body.push_str("<w:tr>");
        body.push_str(&cell(2000, paragraphs(label, true, 24, true)));
        body.push_str(&cell(7000, paragraphs(value, false, 24, false)));
        body.push_str("</w:tr>");
    }
    body.push_str("</w:tbl>");
    for line in footer {
        body.push_str(&paragraphs(line, false, 21, false));
    }
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
         <w:body>{body}<w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/>\
         <w:pgMar w:top=\"1440\" w:right=\"1300\" w:bottom=\"1440\" w:left=\"1300\"/></w:sectPr>\
         </w:body></w:document>"
    );
    let parts: [(&str, String); 3] = [
        (
            "[Content_Types].xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
             <Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
             <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
             <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
             <Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>\
             </Types>"
                .to_string(),
        ),
        (
            "_rels/.rels",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
             <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
             <Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>\
             </Relationships>"
                .to_string(),
        ),
        ("word/document.xml", document),
    ];
    let mut zip = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let fail = |e: &dyn std::fmt::Display| AppError::fault(e);
    for (name, content) in parts {
        zip.start_file(name, SimpleFileOptions::default())
            .map_err(|e| fail(&e))?;
        zip.write_all(content.as_bytes()).map_err(|e| fail(&e))?;
    }
    Ok(zip.finish().map_err(|e| fail(&e))?.into_inner())
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
        let mut names: Vec<String> = archive
            .file_names()
            .map(|n| n.map(|n| n.to_string()).unwrap())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["[Content_Types].xml", "_rels/.rels", "word/document.xml"]
        );
        let mut doc = String::new();
        std::io::Read::read_to_string(&mut archive.by_name("word/document.xml").unwrap(), &mut doc)
            .unwrap();
        assert!(doc.contains("王芳") && doc.contains("推荐审批表"));
        assert!(doc.contains("&lt;b&gt;&amp;第二行"), "{doc}");
        assert!(doc.contains(">第一行<"), "one paragraph per line");
    }
}
