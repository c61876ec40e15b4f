//! The CSV files xianfeng writes open safely in a spreadsheet: a value that would run as a
//! formula (a member named `=HYPERLINK(…)` by one office) arrives as text in the file
//! another office downloads.

use xianfeng_app::evaluation::{IssuedCode, write_codes};
use xianfeng_app::import::{ImportReport, issues_csv};
use xianfeng_domain::i18n::{Lang, Message};
use xianfeng_domain::roster::RowIssue;

const LIVE: &str = "=HYPERLINK(\"http://evil.example\",\"点此领取\")";

fn cells(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes)
        .unwrap()
        .trim_start_matches('\u{feff}');
    csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

#[test]
fn the_ballot_code_file_carries_a_formula_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("codes.csv");
    let codes = [IssuedCode {
        subject_code: "B1".into(),
        subject_name: LIVE.into(),
        code: "ABCD-EFGH-J".into(),
        url: "http://cxzy.example/p/b/ABCDEFGHJ".into(),
    }];
    write_codes(&path, &codes).unwrap();
    let rows = cells(&std::fs::read(&path).unwrap());
    assert_eq!(rows[0][0], "B1");
    assert_eq!(rows[0][1], format!("'{LIVE}"));
    assert_eq!(rows[0][2], "ABCD-EFGH-J");
}

#[test]
fn the_import_error_file_carries_a_formula_as_text() {
    let report = ImportReport {
        issues: vec![RowIssue {
            row: 7,
            column: "姓名".into(),
            value: "+cmd|' /C calc'!A0".into(),
            reason: Message::new("import.org_missing"),
        }],
        ..ImportReport::default()
    };
    let rows = cells(&issues_csv(&report, Lang::ZhCn).unwrap());
    assert_eq!(rows[0][0], "7");
    assert_eq!(rows[0][2], "'+cmd|' /C calc'!A0");
}
