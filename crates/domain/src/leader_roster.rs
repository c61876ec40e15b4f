//! Reading the sheets of leadership teams (领导班子) and their cadres (领导干部), as the
//! roster import reads members: columns found by header, every problem reported with row,
//! column, value and reason, ID numbers masked in reports.
//!
//! A team is named by its organisation and its name (班子名称 is unique within an
//! organisation); a cadre's row names the team by name, and by organisation code as well
//! when two organisations have teams of the same name.

use chrono::{Datelike, NaiveDate};
use std::collections::HashMap;

use crate::i18n::Message;
use crate::idcard::IdNumber;
use crate::org::OrgCode;
use crate::person::Gender;
use crate::roster::{Columns, Field, RowCheck, RowIssue, gender_of};
use crate::sheet::Cell;
use crate::text::normalise;

/// The kind of a leadership team (班子类别): the four county teams (四套班子), a township's
/// and a department's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeamCategory {
    /// 党委班子
    PartyCommittee,
    /// 政府班子
    Government,
    /// 人大常委会班子
    PeoplesCongress,
    /// 政协班子
    PoliticalConsultative,
    /// 乡镇（街道）班子
    Township,
    /// 部门班子
    Department,
    /// 其他
    Other,
}

impl TeamCategory {
    pub const ALL: [TeamCategory; 7] = [
        TeamCategory::PartyCommittee,
        TeamCategory::Government,
        TeamCategory::PeoplesCongress,
        TeamCategory::PoliticalConsultative,
        TeamCategory::Township,
        TeamCategory::Department,
        TeamCategory::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TeamCategory::PartyCommittee => "party_committee",
            TeamCategory::Government => "government",
            TeamCategory::PeoplesCongress => "peoples_congress",
            TeamCategory::PoliticalConsultative => "political_consultative",
            TeamCategory::Township => "township",
            TeamCategory::Department => "department",
            TeamCategory::Other => "other",
        }
    }

    /// The names a sheet may give (pages show its message, `org.team_category_*`).
    fn names(self) -> &'static [&'static str] {
        match self {
            TeamCategory::PartyCommittee => &["党委班子", "党委", "县委", "县委班子"],
            TeamCategory::Government => &["政府班子", "政府", "县政府"],
            TeamCategory::PeoplesCongress => &["人大常委会班子", "人大", "人大常委会", "人大班子"],
            TeamCategory::PoliticalConsultative => &["政协班子", "政协"],
            TeamCategory::Township => &["乡镇（街道）班子", "乡镇班子", "街道班子", "乡镇", "街道"],
            TeamCategory::Department => &["部门班子", "部门", "单位班子"],
            TeamCategory::Other => &["其他"],
        }
    }

    /// From a code or any of its Chinese names (full- or half-width brackets alike).
    pub fn parse(input: &str) -> Option<TeamCategory> {
        let v = normalise(input);
        TeamCategory::ALL
            .into_iter()
            .find(|c| c.as_str() == v || c.names().iter().any(|n| normalise(n) == v))
    }

    /// Its name as a message, in the reader's language (`org.team_category_*`).
    pub fn message(self) -> Message {
        Message::of(format!("org.team_category_{}", self.as_str()), &[])
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TeamField {
    Name,
    OrgCode,
    Category,
}

impl Field for TeamField {
    const ALL: &'static [Self] = &[TeamField::Name, TeamField::OrgCode, TeamField::Category];
    fn headers(self) -> &'static [&'static str] {
        match self {
            TeamField::Name => &["班子名称", "领导班子名称", "领导班子"],
            TeamField::OrgCode => &["所属组织编码", "组织编码", "所在组织编码", "党组织编码"],
            TeamField::Category => &["班子类别", "班子类型"],
        }
    }
    fn id(self) -> &'static str {
        match self {
            TeamField::Name => "name",
            TeamField::OrgCode => "org_code",
            TeamField::Category => "category",
        }
    }
    fn required(self) -> bool {
        matches!(self, TeamField::Name | TeamField::OrgCode)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CadreField {
    Name,
    IdNumber,
    Position,
    Team,
    OrgCode,
    Head,
    Since,
}

impl Field for CadreField {
    const ALL: &'static [Self] = &[
        CadreField::Name,
        CadreField::IdNumber,
        CadreField::Position,
        CadreField::Team,
        CadreField::OrgCode,
        CadreField::Head,
        CadreField::Since,
    ];
    fn headers(self) -> &'static [&'static str] {
        match self {
            CadreField::Name => &["姓名"],
            CadreField::IdNumber => &["身份证号", "身份证号码", "公民身份号码"],
            CadreField::Position => &["职务", "现任职务"],
            CadreField::Team => &["所属班子", "班子名称", "所在班子"],
            CadreField::OrgCode => &["所属组织编码", "组织编码"],
            CadreField::Head => &["是否主要负责人", "主要负责人", "是否第一责任人"],
            CadreField::Since => &["任职时间", "任现职时间", "任职日期"],
        }
    }
    fn id(self) -> &'static str {
        match self {
            CadreField::Name => "name",
            CadreField::IdNumber => "id_number",
            CadreField::Position => "position",
            CadreField::Team => "team",
            CadreField::OrgCode => "org_code",
            CadreField::Head => "is_head",
            CadreField::Since => "since",
        }
    }
    fn required(self) -> bool {
        matches!(
            self,
            CadreField::Name | CadreField::IdNumber | CadreField::Position | CadreField::Team
        )
    }
}

/// A team row, valid on its own (its organisation is looked up by the importer).
#[derive(Debug, Clone, PartialEq)]
pub struct TeamRow {
    pub row: usize,
    pub name: String,
    pub org_code: OrgCode,
    pub category: Option<TeamCategory>,
}

/// A cadre row, valid on its own (its team is looked up by the importer).
#[derive(Debug, Clone, PartialEq)]
pub struct CadreRow {
    pub row: usize,
    pub name: String,
    pub id_number: IdNumber,
    pub gender: Gender,
    pub birth_year: i64,
    pub position: String,
    pub team: String,
    pub org_code: Option<OrgCode>,
    /// 主要负责人 (第一责任人) of the team.
    pub is_head: bool,
    /// 任职时间.
    pub since: Option<NaiveDate>,
}

pub fn parse_team_row(
    row: usize,
    cells: &[Cell],
    columns: &Columns<TeamField>,
) -> Result<TeamRow, Vec<RowIssue>> {
    let mut c = RowCheck {
        row,
        columns,
        issues: vec![],
    };
    let name = c.required_text(cells, TeamField::Name, 100);
    let raw = c.required_text(cells, TeamField::OrgCode, 64);
    let code = OrgCode::parse(&raw);
    if code.is_none() && !raw.is_empty() {
        c.issue(
            TeamField::OrgCode,
            raw,
            Message::of("import.code_format", &[]),
        );
    }
    let category = match c.optional_text(cells, TeamField::Category, 20) {
        None => None,
        Some(v) => {
            let parsed = TeamCategory::parse(&v);
            if parsed.is_none() {
                c.issue(
                    TeamField::Category,
                    v,
                    Message::of("import.team_category_format", &[]),
                );
            }
            parsed
        }
    };
    match code {
        Some(org_code) if c.issues.is_empty() => Ok(TeamRow {
            row,
            name,
            org_code,
            category,
        }),
        _ => Err(c.issues),
    }
}

/// 是 / 否 as a sheet writes it; empty is 否.
fn yes_no(v: &str) -> Option<bool> {
    match normalise(v).to_lowercase().as_str() {
        "" | "否" | "不是" | "n" | "no" | "0" | "false" | "×" => Some(false),
        "是" | "y" | "yes" | "1" | "true" | "√" | "✓" => Some(true),
        _ => None,
    }
}

pub fn parse_cadre_row(
    row: usize,
    cells: &[Cell],
    columns: &Columns<CadreField>,
    today: NaiveDate,
) -> Result<CadreRow, Vec<RowIssue>> {
    let mut c = RowCheck {
        row,
        columns,
        issues: vec![],
    };
    let name = c.required_text(cells, CadreField::Name, 50);
    let id_number = c.id_number(cells, CadreField::IdNumber);
    let position = c.required_text(cells, CadreField::Position, 50);
    let team = c.required_text(cells, CadreField::Team, 100);
    let org_code = match c.optional_text(cells, CadreField::OrgCode, 64) {
        None => None,
        Some(raw) => {
            let code = OrgCode::parse(&raw);
            if code.is_none() {
                c.issue(
                    CadreField::OrgCode,
                    raw,
                    Message::of("import.code_format", &[]),
                );
            }
            code
        }
    };
    let head_text = c
        .optional_text(cells, CadreField::Head, 10)
        .unwrap_or_default();
    let is_head = yes_no(&head_text).unwrap_or_else(|| {
        c.issue(
            CadreField::Head,
            head_text.clone(),
            Message::of("import.yes_no_format", &[]),
        );
        false
    });
    let since = c.optional_date(cells, CadreField::Since, today);
    match id_number {
        Some(id_number) if c.issues.is_empty() => Ok(CadreRow {
            row,
            name,
            gender: gender_of(&id_number),
            birth_year: i64::from(id_number.birth_date().year()),
            id_number,
            position,
            team,
            org_code,
            is_head,
            since,
        }),
        _ => Err(c.issues),
    }
}

/// One cadre's post as the sheet gives it, its team found.
#[derive(Debug, Clone, Copy)]
pub struct Post<'a> {
    pub row: usize,
    pub team: i64,
    pub person: &'a IdNumber,
    pub is_head: bool,
}

/// What no single row shows: the same person twice in one team, two principal leaders
/// of one team, one person the principal leader of two teams. Each later row is reported
/// against the first.
pub fn check_posts(posts: &[Post<'_>], columns: &Columns<CadreField>) -> Vec<RowIssue> {
    let mut issues = vec![];
    let mut seen: HashMap<(i64, &str), usize> = HashMap::new();
    let mut head_of_team: HashMap<i64, usize> = HashMap::new();
    let mut heads: HashMap<&str, (i64, usize)> = HashMap::new();
    for p in posts {
        let person = p.person.as_str();
        let issue = |column: CadreField, value: String, key: &'static str, first: usize| RowIssue {
            row: p.row,
            column: columns.header(column),
            value,
            reason: Message::of(key, &[("row", &first)]),
        };
        if let Some(first) = seen.get(&(p.team, person)) {
            issues.push(issue(
                CadreField::IdNumber,
                p.person.masked(),
                "import.duplicate_post",
                *first,
            ));
            continue;
        }
        seen.insert((p.team, person), p.row);
        if !p.is_head {
            continue;
        }
        if let Some(first) = head_of_team.get(&p.team) {
            issues.push(issue(
                CadreField::Head,
                "是".into(),
                "import.two_heads",
                *first,
            ));
            continue;
        }
        if let Some((team, first)) = heads.get(person)
            && *team != p.team
        {
            issues.push(issue(
                CadreField::Head,
                "是".into(),
                "import.head_of_two",
                *first,
            ));
            continue;
        }
        head_of_team.insert(p.team, p.row);
        heads.insert(person, (p.team, p.row));
    }
    issues.sort_by_key(|i| i.row);
    issues
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns<F: Field>(headers: &[&str]) -> Columns<F> {
        let h: Vec<String> = headers.iter().map(|s| s.to_string()).collect();
        Columns::find(&h).expect("columns")
    }

    fn text(v: &[&str]) -> Vec<Cell> {
        v.iter()
            .map(|s| match *s {
                "" => Cell::Empty,
                s => Cell::Text(s.into()),
            })
            .collect()
    }

    const ID: &str = "11010519491231002X";
    const ID2: &str = "110105194912310038";

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2011, 6, 1).expect("a date")
    }

    #[test]
    fn a_team_row_reads_its_kind_by_any_of_its_names() {
        let cols = columns::<TeamField>(&["班子名称", "所属组织编码", "班子类别"]);
        let t = parse_team_row(2, &text(&["县委领导班子", "C1", "党委"]), &cols).expect("valid");
        assert_eq!(t.category, Some(TeamCategory::PartyCommittee));
        let t = parse_team_row(3, &text(&["某镇班子", "C1", "乡镇(街道)班子"]), &cols)
            .expect("half-width brackets");
        assert_eq!(t.category, Some(TeamCategory::Township));
        let bad = parse_team_row(4, &text(&["", "C 1", "常委"]), &cols).unwrap_err();
        let reasons: Vec<_> = bad
            .iter()
            .map(|i| (i.column.as_str(), i.reason.key()))
            .collect();
        assert_eq!(
            reasons,
            vec![
                ("班子名称", "import.required"),
                ("所属组织编码", "import.code_format"),
                ("班子类别", "import.team_category_format"),
            ]
        );
        let missing = Columns::<TeamField>::find(&["班子名称".to_string()]).unwrap_err();
        assert_eq!(missing.key(), "import.missing_columns");
    }

    #[test]
    fn a_cadre_row_takes_gender_and_birth_year_from_the_id_number() {
        let cols = columns::<CadreField>(&[
            "姓名",
            "身份证号",
            "职务",
            "所属班子",
            "是否主要负责人",
            "任职时间",
        ]);
        let c = parse_cadre_row(
            2,
            &text(&["张三", ID, "县委书记", "县委领导班子", "是", "2009-03-01"]),
            &cols,
            today(),
        )
        .expect("valid");
        assert_eq!(
            (c.gender, c.birth_year, c.is_head),
            (Gender::Female, 1949, true)
        );
        assert_eq!(c.since, NaiveDate::from_ymd_opt(2009, 3, 1));
        let bad = parse_cadre_row(
            3,
            &text(&[
                "李四",
                "110105194912310037",
                "",
                "县委领导班子",
                "也许",
                "2099-01-01",
            ]),
            &cols,
            today(),
        )
        .unwrap_err();
        let got: Vec<_> = bad
            .iter()
            .map(|i| (i.column.as_str(), i.value.as_str()))
            .collect();
        assert_eq!(got[0], ("身份证号", "1101**********0037"), "masked");
        let columns_hit: Vec<_> = bad.iter().map(|i| i.column.as_str()).collect();
        assert_eq!(
            columns_hit,
            vec!["身份证号", "职务", "是否主要负责人", "任职时间"]
        );
    }

    #[test]
    fn posts_refuse_a_second_head_a_head_of_two_teams_and_a_repeat() {
        let cols =
            columns::<CadreField>(&["姓名", "身份证号", "职务", "所属班子", "是否主要负责人"]);
        let a = IdNumber::parse(ID).expect("valid");
        let b = IdNumber::parse(ID2).expect("valid");
        let post = |row, team, person, is_head| Post {
            row,
            team,
            person,
            is_head,
        };
        let issues = check_posts(
            &[
                post(2, 1, &a, true),
                post(3, 1, &b, true),
                post(4, 2, &a, true),
                post(5, 1, &a, false),
                post(6, 2, &b, false),
            ],
            &cols,
        );
        let got: Vec<_> = issues.iter().map(|i| (i.row, i.reason.key())).collect();
        assert_eq!(
            got,
            vec![
                (3, "import.two_heads"),
                (4, "import.head_of_two"),
                (5, "import.duplicate_post"),
            ]
        );
        assert!(check_posts(&[post(2, 1, &a, true), post(3, 2, &b, true)], &cols).is_empty());
    }
}
