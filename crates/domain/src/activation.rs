//! Handing accounts to people (账号激活): a one-time activation code (激活码) printed on a
//! slip or sent in a sheet, with which the person sets her own password on first use. And
//! who may hand out which role.
//!
//! A code is 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L), about 59
//! bits: with sign-in throttling per address, guessing one of 30,000 live codes is
//! hopeless, so the code is kept as a keyed hash, not run through a slow password hash —
//! which lets a county's 30,000 accounts be made in seconds, not hours.

use crate::i18n::Message;
use crate::org::OrgCode;
use crate::person::Phone;
use crate::role::Role;
use crate::roster::{Columns, Field, RowCheck, RowIssue};
use crate::sheet::Cell;
use crate::text::normalise;

/// The characters of a code: digits and capitals a person cannot mistake for another.
pub const ALPHABET: &[u8; 30] = b"23456789ABCDEFGHJKMNPQRSTUVWXY";

/// Characters in a code.
pub const CODE_CHARS: usize = 12;

/// Days a code stays good unless the issuer says otherwise.
pub const DEFAULT_VALID_DAYS: u32 = 30;

/// The longest a code may be made valid for.
pub const MAX_VALID_DAYS: u32 = 365;

/// A code made from random bytes (one byte per character; bytes of 240 and above, which
/// would favour the first characters, are skipped — hence more bytes than characters).
/// `None` when the bytes run out first.
pub fn code_from_random(bytes: &[u8]) -> Option<String> {
    let n = ALPHABET.len() as u8;
    let limit: u16 = 256 - 256 % u16::from(n);
    let chars: String = bytes
        .iter()
        .filter(|b| u16::from(**b) < limit)
        .take(CODE_CHARS)
        .map(|b| ALPHABET[(b % n) as usize] as char)
        .collect();
    (chars.len() == CODE_CHARS).then_some(chars)
}

/// A code as printed: groups of four, `ABCD-EFGH-JKMN`.
pub fn printed(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// A code as typed, in its stored form: case, spaces, dashes and full-width characters
/// ignored. `None` if it cannot be a code at all.
pub fn typed(input: &str) -> Option<String> {
    let s: String = crate::text::normalise(input)
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '—'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (s.len() == CODE_CHARS && s.bytes().all(|b| ALPHABET.contains(&b))).then_some(s)
}

/// Whether an account of role `manager` may give an account the role `granted`: never a
/// role above its own. The administrator gives any; the office any but administrator;
/// committee staff the roles of their subtree (their own, secretaries, members, reviewers
/// and inspectors).
pub fn may_grant(manager: Role, granted: Role) -> bool {
    match manager {
        Role::Admin => true,
        Role::Office => granted != Role::Admin,
        Role::CommitteeStaff => matches!(
            granted,
            Role::CommitteeStaff
                | Role::Secretary
                | Role::Member
                | Role::Reviewer
                | Role::Inspector
        ),
        _ => false,
    }
}

/// The user name of a member's own account made in bulk: `m` and her record's number.
pub fn member_username(member_id: i64) -> String {
    format!("m{member_id}")
}

/// The user name of an organisation's secretary account made in bulk: `s-` and the
/// organisation's code, or `s` and its number when the code would not make a valid name.
pub fn secretary_username(org_code: &str, org_id: i64) -> String {
    let name = format!("s-{org_code}");
    let valid = name.len() <= 32
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if valid { name } else { format!("s{org_id}") }
}

/// Whether a post is that of the organisation's secretary (书记, 第一责任人): 书记 of any
/// kind of organisation, not a deputy (副书记).
pub fn is_secretary_post(position: &str) -> bool {
    let p = crate::text::normalise(position);
    (p.ends_with("书记") && !p.contains("副书记")) || p.eq_ignore_ascii_case("secretary")
}

/// A column of the sheet of people to make accounts for (姓名, 手机, 组织编码, 角色).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountField {
    Name,
    Phone,
    OrgCode,
    Role,
}

impl Field for AccountField {
    const ALL: &'static [Self] = &[
        AccountField::Name,
        AccountField::Phone,
        AccountField::OrgCode,
        AccountField::Role,
    ];
    fn headers(self) -> &'static [&'static str] {
        match self {
            AccountField::Name => &["姓名"],
            AccountField::Phone => &["手机", "手机号", "手机号码", "联系电话"],
            AccountField::OrgCode => &["组织编码", "所在组织编码", "所属组织编码", "党组织编码"],
            AccountField::Role => &["角色", "账号角色"],
        }
    }
    fn id(self) -> &'static str {
        match self {
            AccountField::Name => "name",
            AccountField::Phone => "phone",
            AccountField::OrgCode => "org_code",
            AccountField::Role => "role",
        }
    }
    fn required(self) -> bool {
        matches!(self, AccountField::Name | AccountField::OrgCode)
    }
}

/// A person to make an account for, valid on its own (the organisation is looked up, and
/// the person matched to the registry, by the service).
#[derive(Debug, Clone, PartialEq)]
pub struct AccountSheetRow {
    pub row: usize,
    pub name: String,
    pub phone: Option<Phone>,
    pub org_code: OrgCode,
    pub role: Role,
}

/// A role as a sheet names it; an empty cell means a branch secretary. Roles above a
/// committee's (office, administrator) and sector guides are not made from sheets.
pub fn role_from_sheet(input: &str) -> Option<Role> {
    let v = normalise(input);
    let role = match v.as_str() {
        "" | "书记" | "支部书记" | "党支部书记" | "党组织书记" | "secretary" => {
            Role::Secretary
        }
        "党员" | "member" => Role::Member,
        "点评领导" | "领导" | "reviewer" => Role::Reviewer,
        "督查人员" | "督查" | "inspector" => Role::Inspector,
        "组织部门" | "组织部" | "committee_staff" => Role::CommitteeStaff,
        _ => return None,
    };
    Some(role)
}

pub fn parse_account_row(
    row: usize,
    cells: &[Cell],
    columns: &Columns<AccountField>,
) -> Result<AccountSheetRow, Vec<RowIssue>> {
    let mut c = RowCheck {
        row,
        columns,
        issues: vec![],
    };
    let name = c.required_text(cells, AccountField::Name, 50);
    let phone = c.phone(cells, AccountField::Phone);
    let raw_code = c.required_text(cells, AccountField::OrgCode, 64);
    let org_code = OrgCode::parse(&raw_code);
    if org_code.is_none() && !raw_code.is_empty() {
        c.issue(
            AccountField::OrgCode,
            raw_code,
            Message::of("import.code_format", &[]),
        );
    }
    let raw_role = c
        .optional_text(cells, AccountField::Role, 20)
        .unwrap_or_default();
    let role = role_from_sheet(&raw_role);
    if role.is_none() {
        c.issue(
            AccountField::Role,
            raw_role,
            Message::of("import.role_format", &[]),
        );
    }
    match (org_code, role) {
        (Some(org_code), Some(role)) if c.issues.is_empty() => Ok(AccountSheetRow {
            row,
            name,
            phone,
            org_code,
            role,
        }),
        _ => Err(c.issues),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_the_alphabet_without_bias_and_read_back_as_typed() {
        let bytes: Vec<u8> = (0..=255).collect();
        let code = code_from_random(&bytes).unwrap();
        assert_eq!(code, "23456789ABCD");
        // Bytes past the last whole round of the alphabet are skipped.
        assert_eq!(code_from_random(&[250; 40]), None);
        let mut with_skips = vec![241, 242];
        with_skips.extend(0..12u8);
        assert_eq!(code_from_random(&with_skips).unwrap(), "23456789ABCD");
        assert_eq!(printed("23456789ABCD"), "2345-6789-ABCD");
        assert_eq!(typed(" 2345-6789-abcd "), Some("23456789ABCD".into()));
        assert_eq!(
            typed("２３４５６７８９ＡＢＣＤ"),
            Some("23456789ABCD".into())
        );
        // O, I, 0 and 1 are never printed: a code with them was mistyped.
        assert_eq!(typed("2345-6789-ABCO"), None);
        assert_eq!(typed("2345-6789-ABC"), None);
    }

    #[test]
    fn nobody_hands_out_a_role_above_her_own() {
        assert!(may_grant(Role::Admin, Role::Admin));
        assert!(may_grant(Role::Office, Role::CommitteeStaff));
        assert!(!may_grant(Role::Office, Role::Admin));
        assert!(may_grant(Role::CommitteeStaff, Role::Secretary));
        assert!(!may_grant(Role::CommitteeStaff, Role::Office));
        assert!(!may_grant(Role::CommitteeStaff, Role::SectorGuide));
        assert!(!may_grant(Role::Secretary, Role::Member));
    }

    #[test]
    fn a_sheet_of_people_reads_like_a_roster() {
        let headers: Vec<String> = ["姓名", "手机", "组织编码", "角色"]
            .iter()
            .map(|h| h.to_string())
            .collect();
        let columns = Columns::<AccountField>::find(&headers).unwrap();
        let text = |v: &str| Cell::Text(v.into());
        let ok = parse_account_row(
            2,
            &[
                text("王芳"),
                Cell::Number(13800000001.0),
                text("B1"),
                Cell::Empty,
            ],
            &columns,
        )
        .unwrap();
        assert_eq!((ok.role, ok.org_code.as_str()), (Role::Secretary, "B1"));
        assert_eq!(ok.phone.unwrap().as_str(), "13800000001");
        let bad = parse_account_row(
            3,
            &[text("李强"), text("12345"), text("B 1"), text("管理员")],
            &columns,
        )
        .unwrap_err();
        let columns_named: Vec<&str> = bad.iter().map(|i| i.column.as_str()).collect();
        assert_eq!(columns_named, vec!["手机", "组织编码", "角色"]);
        assert!(bad.iter().all(|i| i.row == 3));
        assert_eq!(role_from_sheet("点评领导"), Some(Role::Reviewer));
        assert_eq!(role_from_sheet("office"), None);
    }

    #[test]
    fn bulk_user_names_are_valid_and_secretaries_are_found_by_post() {
        assert_eq!(member_username(1042), "m1042");
        assert_eq!(secretary_username("B1-03", 7), "s-B1-03");
        assert_eq!(secretary_username("第一支部", 7), "s7");
        assert_eq!(secretary_username(&"X".repeat(40), 9), "s9");
        assert!(is_secretary_post("党支部书记"));
        assert!(is_secretary_post("书记"));
        assert!(!is_secretary_post("副书记"));
        assert!(!is_secretary_post("组织委员"));
    }
}
