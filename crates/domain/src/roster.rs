//! Reading rosters (花名册): finding columns by header and turning rows into validated
//! organisations and members. Every problem is reported with row, column, value and reason;
//! personal data in a report is masked.

use chrono::{Datelike, NaiveDate};
use std::collections::HashMap;

use crate::dates::{from_excel_serial, is_plausible_past, parse_date};
use crate::i18n::Message;
use crate::idcard::{IdNumber, mask_id_number};
use crate::org::{OrgCode, OrgKind};
use crate::person::{Gender, MemberType, Phone};
use crate::sheet::Cell;
use crate::text::normalise;

/// What a roster sheet holds (花名册): members, organisations, leadership teams or their
/// cadres.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RosterKind {
    Members,
    Organisations,
    Teams,
    Cadres,
}

impl RosterKind {
    pub const ALL: [RosterKind; 4] = [
        RosterKind::Members,
        RosterKind::Organisations,
        RosterKind::Teams,
        RosterKind::Cadres,
    ];

    pub fn parse(s: &str) -> Option<RosterKind> {
        RosterKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RosterKind::Members => "members",
            RosterKind::Organisations => "orgs",
            RosterKind::Teams => "teams",
            RosterKind::Cadres => "cadres",
        }
    }
}

/// One problem with one cell (or one row, when `column` is empty).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RowIssue {
    pub row: usize,
    pub column: String,
    pub value: String,
    pub reason: Message,
}

/// A column the importer knows, with the headers that name it.
pub trait Field: Copy + Eq + std::hash::Hash + 'static {
    const ALL: &'static [Self];
    /// The canonical Chinese header first, then aliases; the English identifier is accepted
    /// too.
    fn headers(self) -> &'static [&'static str];
    fn id(self) -> &'static str;
    fn required(self) -> bool;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrgField {
    Code,
    Name,
    ParentCode,
    Kind,
    Category,
    Sector,
}

impl Field for OrgField {
    const ALL: &'static [Self] = &[
        OrgField::Code,
        OrgField::Name,
        OrgField::ParentCode,
        OrgField::Kind,
        OrgField::Category,
        OrgField::Sector,
    ];
    fn headers(self) -> &'static [&'static str] {
        match self {
            OrgField::Code => &["组织编码", "组织代码", "党组织编码"],
            OrgField::Name => &["组织名称", "党组织名称", "名称"],
            OrgField::ParentCode => &["上级组织编码", "上级编码", "上级组织代码", "上级党组织编码"],
            OrgField::Kind => &["组织类别", "组织类型", "党组织类别"],
            OrgField::Category => &["分类", "组织分类"],
            OrgField::Sector => &["所属行业", "行业"],
        }
    }
    fn id(self) -> &'static str {
        match self {
            OrgField::Code => "code",
            OrgField::Name => "name",
            OrgField::ParentCode => "parent_code",
            OrgField::Kind => "kind",
            OrgField::Category => "category",
            OrgField::Sector => "sector",
        }
    }
    fn required(self) -> bool {
        matches!(self, OrgField::Code | OrgField::Name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberField {
    Name,
    Gender,
    Ethnicity,
    BirthDate,
    IdNumber,
    JoinedOn,
    MemberType,
    OrgCode,
    Position,
    Phone,
}

impl Field for MemberField {
    const ALL: &'static [Self] = &[
        MemberField::Name,
        MemberField::Gender,
        MemberField::Ethnicity,
        MemberField::BirthDate,
        MemberField::IdNumber,
        MemberField::JoinedOn,
        MemberField::MemberType,
        MemberField::OrgCode,
        MemberField::Position,
        MemberField::Phone,
    ];
    fn headers(self) -> &'static [&'static str] {
        match self {
            MemberField::Name => &["姓名"],
            MemberField::Gender => &["性别"],
            MemberField::Ethnicity => &["民族"],
            MemberField::BirthDate => &["出生日期", "出生年月"],
            MemberField::IdNumber => &["身份证号", "身份证号码", "公民身份号码"],
            MemberField::JoinedOn => &["入党时间", "入党日期"],
            MemberField::MemberType => &["党员类别", "党员类型"],
            MemberField::OrgCode => &["所在组织编码", "所在党组织编码", "所属组织编码", "组织编码"],
            MemberField::Position => &["职务", "职务/职称"],
            MemberField::Phone => &["手机号", "手机号码", "联系电话", "手机"],
        }
    }
    fn id(self) -> &'static str {
        match self {
            MemberField::Name => "name",
            MemberField::Gender => "gender",
            MemberField::Ethnicity => "ethnicity",
            MemberField::BirthDate => "birth_date",
            MemberField::IdNumber => "id_number",
            MemberField::JoinedOn => "joined_on",
            MemberField::MemberType => "member_type",
            MemberField::OrgCode => "org_code",
            MemberField::Position => "position",
            MemberField::Phone => "phone",
        }
    }
    fn required(self) -> bool {
        matches!(
            self,
            MemberField::Name | MemberField::IdNumber | MemberField::OrgCode
        )
    }
}

/// Where each known field sits in a sheet, and the header the user wrote for it.
#[derive(Debug, Clone)]
pub struct Columns<F: Field> {
    found: HashMap<F, (usize, String)>,
}

fn header_key(h: &str) -> String {
    normalise(h)
        .replace(['*', ' ', '＊', ':', '：'], "")
        .to_lowercase()
}

impl<F: Field> Columns<F> {
    /// Finds the fields among `headers`, in any order; unknown headers are ignored. Fails when
    /// a required column is missing or a field is named twice.
    pub fn find(headers: &[String]) -> Result<Columns<F>, Message> {
        let mut found: HashMap<F, (usize, String)> = HashMap::new();
        for (i, h) in headers.iter().enumerate() {
            let key = header_key(h);
            if key.is_empty() {
                continue;
            }
            let field = F::ALL.iter().copied().find(|f| {
                f.id() == key || f.headers().iter().any(|alias| header_key(alias) == key)
            });
            if let Some(f) = field {
                if let Some((_, first)) = found.get(&f) {
                    return Err(Message::of(
                        "import.duplicate_column",
                        &[("first", first), ("second", h)],
                    ));
                }
                found.insert(f, (i, h.clone()));
            }
        }
        let missing: Vec<String> = F::ALL
            .iter()
            .filter(|f| f.required() && !found.contains_key(f))
            .map(|f| format!("{} ({})", f.headers()[0], f.id()))
            .collect();
        if !missing.is_empty() {
            return Err(Message::of(
                "import.missing_columns",
                &[("columns", &missing.join(", "))],
            ));
        }
        Ok(Columns { found })
    }

    pub fn has(&self, f: F) -> bool {
        self.found.contains_key(&f)
    }

    pub(crate) fn cell<'a>(&self, row: &'a [Cell], f: F) -> &'a Cell {
        static EMPTY: Cell = Cell::Empty;
        self.found
            .get(&f)
            .and_then(|(i, _)| row.get(*i))
            .unwrap_or(&EMPTY)
    }

    /// The header the sheet gave the field, or its canonical one when it has none.
    pub fn header(&self, f: F) -> String {
        self.found
            .get(&f)
            .map(|(_, h)| h.clone())
            .unwrap_or_else(|| f.headers()[0].to_string())
    }
}

/// Collects the issues of one row.
pub(crate) struct RowCheck<'c, F: Field> {
    pub(crate) row: usize,
    pub(crate) columns: &'c Columns<F>,
    pub(crate) issues: Vec<RowIssue>,
}

impl<F: Field> RowCheck<'_, F> {
    pub(crate) fn issue(&mut self, f: F, value: impl Into<String>, reason: Message) {
        self.issues.push(RowIssue {
            row: self.row,
            column: self.columns.header(f),
            value: value.into(),
            reason,
        });
    }

    pub(crate) fn required_text(&mut self, cells: &[Cell], f: F, max_chars: usize) -> String {
        let v = self.columns.cell(cells, f).to_text();
        if v.is_empty() {
            self.issue(f, "", Message::of("import.required", &[]));
        } else if v.chars().count() > max_chars {
            self.issue(
                f,
                v.clone(),
                Message::of("import.too_long", &[("max", &max_chars)]),
            );
        }
        v
    }

    pub(crate) fn optional_text(
        &mut self,
        cells: &[Cell],
        f: F,
        max_chars: usize,
    ) -> Option<String> {
        let v = self.columns.cell(cells, f).to_text();
        if v.chars().count() > max_chars {
            self.issue(
                f,
                v.clone(),
                Message::of("import.too_long", &[("max", &max_chars)]),
            );
        }
        (!v.is_empty()).then_some(v)
    }

    /// An ID number, from text or from a number Excel made of it; masked in any issue.
    pub(crate) fn id_number(&mut self, cells: &[Cell], f: F) -> Option<IdNumber> {
        let parsed = match self.columns.cell(cells, f) {
            Cell::Number(n) => {
                IdNumber::from_spreadsheet_number(*n).map_err(|e| (format!("{n:.0}"), e.message()))
            }
            cell => {
                let text = cell.to_text();
                if text.is_empty() {
                    Err((String::new(), Message::of("import.required", &[])))
                } else {
                    IdNumber::parse(&text).map_err(|e| (text, e.message()))
                }
            }
        };
        match parsed {
            Ok(id) => Some(id),
            Err((value, reason)) => {
                self.issue(f, mask_id_number(&value), reason);
                None
            }
        }
    }

    /// A phone, from text or from a number Excel made of it; masked in any issue.
    pub(crate) fn phone(&mut self, cells: &[Cell], f: F) -> Option<Phone> {
        let (parsed, shown) = match self.columns.cell(cells, f) {
            Cell::Empty => return None,
            Cell::Number(n) => (Phone::from_spreadsheet_number(*n), format!("{n:.0}")),
            cell => {
                let text = cell.to_text();
                if text.is_empty() {
                    return None;
                }
                (Phone::parse(&text), text)
            }
        };
        if parsed.is_none() {
            self.issue(
                f,
                mask_id_number(&shown),
                Message::of("import.phone_format", &[]),
            );
        }
        parsed
    }

    pub(crate) fn optional_date(
        &mut self,
        cells: &[Cell],
        f: F,
        today: NaiveDate,
    ) -> Option<NaiveDate> {
        let cell = self.columns.cell(cells, f);
        let date = match cell {
            Cell::Empty => return None,
            Cell::Date(d) => Some(*d),
            Cell::Number(n) => from_excel_serial(*n),
            Cell::Text(s) if normalise(s).is_empty() => return None,
            Cell::Text(s) => parse_date(s),
            _ => None,
        };
        match date {
            Some(d) if is_plausible_past(d, today) => Some(d),
            Some(d) => {
                self.issue(
                    f,
                    d.to_string(),
                    Message::of("import.date_implausible", &[]),
                );
                None
            }
            None => {
                self.issue(f, cell.to_text(), Message::of("import.date_format", &[]));
                None
            }
        }
    }
}

/// An organisation row, validated on its own (references are checked by the planner).
#[derive(Debug, Clone, PartialEq)]
pub struct OrgRow {
    pub row: usize,
    pub code: OrgCode,
    pub name: String,
    pub parent: Option<OrgCode>,
    pub kind: OrgKind,
    /// A category code; `None` inherits the parent's.
    pub category: Option<String>,
    pub sector: Option<String>,
}

/// Guesses the kind from the name's ending when the kind column is empty or absent, as
/// names like "解放区某某社区党支部" say what they are.
pub fn kind_from_name(name: &str) -> Option<OrgKind> {
    let n = name.trim_end_matches(['(', ')', ' ']);
    if n.ends_with("总支") || n.ends_with("总支部委员会") {
        Some(OrgKind::GeneralBranch)
    } else if n.ends_with("支部") || n.ends_with("支部委员会") {
        Some(OrgKind::Branch)
    } else if n.ends_with("工委") || n.ends_with("工作委员会") {
        Some(OrgKind::WorkingCommittee)
    } else if n.ends_with("党委") {
        Some(OrgKind::Committee)
    } else if n.ends_with("党组") {
        Some(OrgKind::PartyGroup)
    } else {
        None
    }
}

/// Categories known to the campaign, to resolve a cell written as code or name.
pub struct CategoryIndex {
    by_key: HashMap<String, String>,
    names: Vec<String>,
}

impl CategoryIndex {
    /// From `(code, Chinese name, English name)` triples.
    pub fn new<'a>(cats: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>) -> Self {
        let mut by_key = HashMap::new();
        let mut names = Vec::new();
        for (code, name, name_en) in cats {
            for k in [code, name, name_en] {
                if !k.is_empty() {
                    by_key.insert(header_key(k), code.to_string());
                }
            }
            names.push(name.to_string());
        }
        CategoryIndex { by_key, names }
    }

    pub fn resolve(&self, v: &str) -> Option<&str> {
        self.by_key.get(&header_key(v)).map(String::as_str)
    }
}

pub fn parse_org_row(
    row: usize,
    cells: &[Cell],
    columns: &Columns<OrgField>,
    categories: &CategoryIndex,
) -> Result<OrgRow, Vec<RowIssue>> {
    let mut c = RowCheck {
        row,
        columns,
        issues: vec![],
    };
    let raw_code = c.required_text(cells, OrgField::Code, 64);
    let code = OrgCode::parse(&raw_code);
    if code.is_none() && !raw_code.is_empty() {
        c.issue(
            OrgField::Code,
            raw_code,
            Message::of("import.code_format", &[]),
        );
    }
    let name = c.required_text(cells, OrgField::Name, 100);
    let parent = match c.optional_text(cells, OrgField::ParentCode, 64) {
        None => None,
        Some(p) => {
            let parsed = OrgCode::parse(&p);
            if parsed.is_none() {
                c.issue(
                    OrgField::ParentCode,
                    p,
                    Message::of("import.code_format", &[]),
                );
            }
            parsed
        }
    };
    let kind = match c.optional_text(cells, OrgField::Kind, 20) {
        Some(k) => {
            let parsed = OrgKind::parse(&k);
            if parsed.is_none() {
                let known: Vec<&str> = OrgKind::ALL.iter().map(|k| k.name_zh()).collect();
                c.issue(
                    OrgField::Kind,
                    k,
                    Message::of("import.unknown_kind", &[("known", &known.join("、"))]),
                );
            }
            parsed
        }
        None => {
            let guessed = kind_from_name(&name);
            if guessed.is_none() && !name.is_empty() {
                c.issue(OrgField::Kind, "", Message::of("import.kind_needed", &[]));
            }
            guessed
        }
    };
    let category = match c.optional_text(cells, OrgField::Category, 40) {
        None => None,
        Some(v) => match categories.resolve(&v) {
            Some(code) => Some(code.to_string()),
            None => {
                c.issue(
                    OrgField::Category,
                    v,
                    Message::of(
                        "import.unknown_category",
                        &[("known", &categories.names.join("、"))],
                    ),
                );
                None
            }
        },
    };
    let sector = c.optional_text(cells, OrgField::Sector, 40);
    match (code, kind) {
        (Some(code), Some(kind)) if c.issues.is_empty() => Ok(OrgRow {
            row,
            code,
            name,
            parent,
            kind,
            category,
            sector,
        }),
        _ => Err(c.issues),
    }
}

/// A member row, validated on its own.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRow {
    pub row: usize,
    pub name: String,
    pub gender: Gender,
    pub ethnicity: Option<String>,
    pub birth_date: NaiveDate,
    pub id_number: IdNumber,
    pub joined_on: Option<NaiveDate>,
    pub member_type: MemberType,
    pub org_code: OrgCode,
    pub position: Option<String>,
    pub phone: Option<Phone>,
}

/// Members may join at 18 (党章 第一条).
const MIN_JOINING_AGE: i32 = 18;

pub fn parse_member_row(
    row: usize,
    cells: &[Cell],
    columns: &Columns<MemberField>,
    today: NaiveDate,
) -> Result<MemberRow, Vec<RowIssue>> {
    let mut c = RowCheck {
        row,
        columns,
        issues: vec![],
    };
    let name = c.required_text(cells, MemberField::Name, 50);
    let id_number = c.id_number(cells, MemberField::IdNumber);
    let gender = match c.optional_text(cells, MemberField::Gender, 10) {
        None => id_number.as_ref().map(gender_of),
        Some(g) => match (Gender::parse(&g), &id_number) {
            (None, _) => {
                c.issue(
                    MemberField::Gender,
                    g,
                    Message::of("import.gender_format", &[]),
                );
                None
            }
            (Some(parsed), Some(id)) if parsed != gender_of(id) => {
                c.issue(
                    MemberField::Gender,
                    g,
                    Message::of("import.gender_mismatch", &[]),
                );
                None
            }
            (Some(parsed), _) => Some(parsed),
        },
    };
    let ethnicity = c.optional_text(cells, MemberField::Ethnicity, 20);
    let birth_date = match (
        c.optional_date(cells, MemberField::BirthDate, today),
        &id_number,
    ) {
        (Some(d), Some(id)) if d != id.birth_date() => {
            c.issue(
                MemberField::BirthDate,
                d.to_string(),
                Message::of("import.birth_mismatch", &[]),
            );
            None
        }
        (_, Some(id)) => Some(id.birth_date()),
        (_, None) => None,
    };
    let joined_on = c.optional_date(cells, MemberField::JoinedOn, today);
    if let (Some(j), Some(b)) = (joined_on, birth_date) {
        let adult = b
            .with_year(b.year() + MIN_JOINING_AGE)
            .unwrap_or_else(|| b + chrono::Duration::days(365 * 18 + 5));
        if j < adult {
            c.issue(
                MemberField::JoinedOn,
                j.to_string(),
                Message::of("import.joined_too_young", &[]),
            );
        }
    }
    let member_type = match c.optional_text(cells, MemberField::MemberType, 20) {
        Some(t) => {
            let parsed = MemberType::parse(&t);
            if parsed.is_none() {
                c.issue(
                    MemberField::MemberType,
                    t,
                    Message::of("import.member_type_format", &[]),
                );
            }
            parsed
        }
        // Probation lasts one year from joining (党章 第七条): a member who joined less than
        // a year ago is probationary unless the sheet says otherwise.
        None => Some(match joined_on {
            Some(j) if today < j + chrono::Duration::days(365) => MemberType::Probationary,
            _ => MemberType::Formal,
        }),
    };
    let raw_org = c.required_text(cells, MemberField::OrgCode, 64);
    let org_code = OrgCode::parse(&raw_org);
    if org_code.is_none() && !raw_org.is_empty() {
        c.issue(
            MemberField::OrgCode,
            raw_org,
            Message::of("import.code_format", &[]),
        );
    }
    let position = c.optional_text(cells, MemberField::Position, 50);
    let phone = c.phone(cells, MemberField::Phone);
    match (id_number, gender, birth_date, member_type, org_code) {
        (Some(id_number), Some(gender), Some(birth_date), Some(member_type), Some(org_code))
            if c.issues.is_empty() =>
        {
            Ok(MemberRow {
                row,
                name,
                gender,
                ethnicity,
                birth_date,
                id_number,
                joined_on,
                member_type,
                org_code,
                position,
                phone,
            })
        }
        _ => Err(c.issues),
    }
}

pub(crate) fn gender_of(id: &IdNumber) -> Gender {
    if id.is_male() {
        Gender::Male
    } else {
        Gender::Female
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idcard::check_char;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    fn text(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }

    #[test]
    fn columns_are_found_by_header_in_any_order_in_chinese_or_english() {
        let c = Columns::<MemberField>::find(&headers(&[
            "备注",
            "org_code",
            "* 姓名",
            "ID_Number",
            "手机号码",
        ]))
        .unwrap();
        assert!(c.has(MemberField::Phone) && !c.has(MemberField::Gender));
        let missing = Columns::<MemberField>::find(&headers(&["姓名"])).unwrap_err();
        assert!(
            missing.render(crate::i18n::Lang::ZhCn).contains("身份证号")
                && missing
                    .render(crate::i18n::Lang::ZhCn)
                    .contains("所在组织编码"),
            "{missing:?}"
        );
        let twice =
            Columns::<OrgField>::find(&headers(&["组织编码", "code", "组织名称"])).unwrap_err();
        assert!(
            twice.render(crate::i18n::Lang::ZhCn).contains("组织编码")
                && twice.render(crate::i18n::Lang::En).contains("code"),
            "{twice:?}"
        );
    }

    #[test]
    fn a_member_row_fills_what_the_id_number_knows() {
        let cols = Columns::<MemberField>::find(&headers(&[
            "姓名",
            "身份证号",
            "所在组织编码",
            "入党时间",
        ]))
        .unwrap();
        let first17 = "41080219850612002";
        let id = format!("{first17}{}", check_char(first17.as_bytes()));
        let m = parse_member_row(
            2,
            &[text("王芳"), text(&id), text("B1"), Cell::Number(40299.0)],
            &cols,
            today(),
        )
        .unwrap();
        assert_eq!(m.gender, Gender::Female);
        assert_eq!(m.birth_date, NaiveDate::from_ymd_opt(1985, 6, 12).unwrap());
        assert_eq!(m.joined_on, NaiveDate::from_ymd_opt(2010, 5, 1));
        assert_eq!(m.member_type, MemberType::Formal);
        // Joined three months ago: probationary.
        let recent = parse_member_row(
            2,
            &[text("王芳"), text(&id), text("B1"), text("2026-08-26")],
            &cols,
            today(),
        )
        .unwrap();
        assert_eq!(recent.member_type, MemberType::Probationary);
    }

    #[test]
    fn each_problem_names_its_column_and_masks_personal_data() {
        let cols = Columns::<MemberField>::find(&headers(&[
            "姓名",
            "性别",
            "身份证号",
            "所在组织编码",
            "手机号",
            "入党时间",
        ]))
        .unwrap();
        let first17 = "41080219850612001";
        let id = format!("{first17}{}", check_char(first17.as_bytes()));
        let issues = parse_member_row(
            7,
            &[
                text(""),
                text("女"),
                text(&id),
                text("B 1"),
                text("138001"),
                text("1990-01-01"),
            ],
            &cols,
            today(),
        )
        .unwrap_err();
        let cols_hit: Vec<&str> = issues.iter().map(|i| i.column.as_str()).collect();
        assert_eq!(
            cols_hit,
            vec!["姓名", "性别", "入党时间", "所在组织编码", "手机号"],
            "{issues:#?}"
        );
        assert!(issues.iter().all(|i| i.row == 7));
        assert!(issues.iter().all(|i| !i.value.contains("138001")));
    }

    #[test]
    fn org_rows_resolve_categories_and_guess_kinds() {
        let cats = CategoryIndex::new([
            ("county", "县市区", "County"),
            ("enterprise", "企事业单位", ""),
        ]);
        let cols = Columns::<OrgField>::find(&headers(&["code", "name", "category"])).unwrap();
        let r = parse_org_row(
            2,
            &[text("A1"), text("某社区党支部"), text("县市区")],
            &cols,
            &cats,
        )
        .unwrap();
        assert_eq!(
            (r.kind, r.category.as_deref()),
            (OrgKind::Branch, Some("county"))
        );
        let e = parse_org_row(
            3,
            &[text("A2"), text("某办公室"), text("农业")],
            &cols,
            &cats,
        )
        .unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(
            e[1].reason
                .render(crate::i18n::Lang::ZhCn)
                .contains("企事业单位")
        );
    }

    fn any_cell() -> impl Strategy<Value = Cell> {
        prop_oneof![
            Just(Cell::Empty),
            ".{0,40}".prop_map(Cell::Text),
            "[0-9X ０-９ｘ]{0,20}".prop_map(Cell::Text),
            any::<f64>().prop_map(Cell::Number),
            (-1e6f64..3e6).prop_map(Cell::Number),
            any::<bool>().prop_map(Cell::Bool),
            "#[A-Z/0!?]{1,6}".prop_map(Cell::Error),
        ]
    }

    proptest! {
        /// Whatever a sheet holds, parsing returns rows or issues — never a panic — and
        /// every issue carries the row number and a reason.
        #[test]
        fn the_row_parsers_never_panic(cells in proptest::collection::vec(any_cell(), 0..12),
                                       row in 2usize..1_000_000) {
            let mcols = Columns::<MemberField>::find(&headers(&[
                "姓名", "性别", "民族", "出生日期", "身份证号", "入党时间", "党员类别",
                "所在组织编码", "职务", "手机号",
            ])).unwrap();
            if let Err(issues) = parse_member_row(row, &cells, &mcols, today()) {
                prop_assert!(!issues.is_empty());
                prop_assert!(issues.iter().all(|i| i.row == row && !i.reason.render(crate::i18n::Lang::En).is_empty()));
            }
            let ocols = Columns::<OrgField>::find(&headers(&[
                "组织编码", "组织名称", "上级组织编码", "组织类别", "分类", "所属行业",
            ])).unwrap();
            let cats = CategoryIndex::new([("county", "县市区", "")]);
            if let Err(issues) = parse_org_row(row, &cells, &ocols, &cats) {
                prop_assert!(!issues.is_empty());
            }
        }

        /// A well-formed member row parses back to what was written, however it is spaced.
        #[test]
        fn valid_member_rows_parse(seq in 0u32..1000, year in 1940i32..2000, day in 1u32..29,
                                   name in "[\\p{Han}]{2,4}", pad in " {0,2}") {
            let first17 = format!("410802{year}03{day:02}{seq:03}");
            let id = format!("{first17}{}", check_char(first17.as_bytes()));
            let cols = Columns::<MemberField>::find(&headers(&["姓名", "身份证号", "所在组织编码"])).unwrap();
            let m = parse_member_row(5, &[text(&format!("{pad}{name}{pad}")), text(&format!("{pad}{id}")), text("B1")], &cols, today()).unwrap();
            prop_assert_eq!(m.name, name);
            prop_assert_eq!(m.id_number.as_str(), id.as_str());
            prop_assert_eq!(m.birth_date, NaiveDate::from_ymd_opt(year, 3, day).unwrap());
        }
    }
}
