//! The inspector sheet (督查人员名单): 姓名, 账号, 所属组织编码, 回避组织编码, 回避理由 — one
//! row per inspector, read with the roster import's rules (every problem with its row,
//! column, value and reason).

use crate::i18n::Message;
use crate::org::OrgCode;
use crate::roster::{Columns, Field, RowCheck, RowIssue};
use crate::sheet::Cell;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InspectorField {
    Name,
    Username,
    HomeCode,
    Conflicts,
    Reason,
}

impl Field for InspectorField {
    const ALL: &'static [Self] = &[
        InspectorField::Name,
        InspectorField::Username,
        InspectorField::HomeCode,
        InspectorField::Conflicts,
        InspectorField::Reason,
    ];

    fn headers(self) -> &'static [&'static str] {
        match self {
            InspectorField::Name => &["姓名"],
            InspectorField::Username => &["账号", "用户名"],
            InspectorField::HomeCode => &["所属组织编码", "组织编码", "所在组织编码"],
            InspectorField::Conflicts => &["回避组织编码", "回避组织"],
            InspectorField::Reason => &["回避理由", "回避原因"],
        }
    }

    fn id(self) -> &'static str {
        match self {
            InspectorField::Name => "name",
            InspectorField::Username => "username",
            InspectorField::HomeCode => "home_code",
            InspectorField::Conflicts => "conflict_codes",
            InspectorField::Reason => "conflict_reason",
        }
    }

    fn required(self) -> bool {
        matches!(
            self,
            InspectorField::Name | InspectorField::Username | InspectorField::HomeCode
        )
    }
}

/// An inspector row, valid on its own (its organisations are looked up by the importer).
#[derive(Debug, Clone, PartialEq)]
pub struct InspectorRow {
    pub row: usize,
    pub name: String,
    pub username: String,
    pub home: OrgCode,
    pub conflicts: Vec<OrgCode>,
    pub reason: String,
}

/// A user name as accounts take it: 2–32 of letters, digits, `.`, `_`, `-`.
pub fn valid_username(s: &str) -> bool {
    (2..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

pub fn parse_inspector_row(
    row: usize,
    cells: &[Cell],
    columns: &Columns<InspectorField>,
) -> Result<InspectorRow, Vec<RowIssue>> {
    let mut c = RowCheck {
        row,
        columns,
        issues: vec![],
    };
    let name = c.required_text(cells, InspectorField::Name, 50);
    let username = c.required_text(cells, InspectorField::Username, 32);
    if !username.is_empty() && !valid_username(&username) {
        c.issue(
            InspectorField::Username,
            username.clone(),
            Message::of("import.username_format", &[]),
        );
    }
    let raw = c.required_text(cells, InspectorField::HomeCode, 64);
    let home = OrgCode::parse(&raw);
    if home.is_none() && !raw.is_empty() {
        c.issue(
            InspectorField::HomeCode,
            raw,
            Message::of("import.code_format", &[]),
        );
    }
    let mut conflicts = vec![];
    let listed = c
        .optional_text(cells, InspectorField::Conflicts, 1000)
        .unwrap_or_default();
    for code in listed
        .split([';', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        match OrgCode::parse(code) {
            Some(c) => conflicts.push(c),
            None => c.issue(
                InspectorField::Conflicts,
                code,
                Message::of("import.code_format", &[]),
            ),
        }
    }
    let reason = c
        .optional_text(cells, InspectorField::Reason, 200)
        .unwrap_or_default();
    if !conflicts.is_empty() && reason.is_empty() {
        c.issue(
            InspectorField::Reason,
            "",
            Message::of("import.conflict_reason", &[]),
        );
    }
    match home {
        Some(home) if c.issues.is_empty() => Ok(InspectorRow {
            row,
            name,
            username,
            home,
            conflicts,
            reason,
        }),
        _ => Err(c.issues),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> Columns<InspectorField> {
        let headers: Vec<String> = ["姓名", "账号", "所属组织编码", "回避组织编码", "回避理由"]
            .map(String::from)
            .to_vec();
        Columns::find(&headers).unwrap()
    }

    fn cells(v: [&str; 5]) -> Vec<Cell> {
        v.map(|s| {
            if s.is_empty() {
                Cell::Empty
            } else {
                Cell::Text(s.into())
            }
        })
        .to_vec()
    }

    #[test]
    fn a_row_takes_several_conflicts_separated_by_either_semicolon() {
        let r = parse_inspector_row(
            2,
            &cells([
                "王督查",
                "wang-dc",
                "JZ-JF",
                "JZ-SY-001；JZ-SY-002;JZ-MC",
                "亲属任职",
            ]),
            &columns(),
        )
        .unwrap();
        assert_eq!(r.home.as_str(), "JZ-JF");
        let codes: Vec<&str> = r.conflicts.iter().map(|c| c.as_str()).collect();
        assert_eq!(codes, ["JZ-SY-001", "JZ-SY-002", "JZ-MC"]);
        assert_eq!(r.reason, "亲属任职");
    }

    #[test]
    fn each_problem_of_a_row_is_named_with_its_column() {
        let issues =
            parse_inspector_row(7, &cells(["", "王 督查", "JZ JF", "JZ-SY", ""]), &columns())
                .unwrap_err();
        let found: Vec<(&str, &str)> = issues
            .iter()
            .map(|i| (i.column.as_str(), i.reason.key()))
            .collect();
        assert_eq!(
            found,
            [
                ("姓名", "import.required"),
                ("账号", "import.username_format"),
                ("所属组织编码", "import.code_format"),
                ("回避理由", "import.conflict_reason"),
            ]
        );
        assert!(issues.iter().all(|i| i.row == 7));
    }
}
