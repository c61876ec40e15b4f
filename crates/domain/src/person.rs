//! People: party members (党员), leading cadres (领导干部), and what is known about them.

use serde::{Deserialize, Serialize};

use crate::text::normalise;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn parse(input: &str) -> Option<Gender> {
        match normalise(input).to_ascii_lowercase().as_str() {
            "男" | "male" | "m" | "1" => Some(Gender::Male),
            "女" | "female" | "f" | "2" => Some(Gender::Female),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }
}

/// 党员类别: formal (正式党员) or probationary (预备党员).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberType {
    Formal,
    Probationary,
}

impl MemberType {
    pub fn parse(input: &str) -> Option<MemberType> {
        match normalise(input).to_ascii_lowercase().as_str() {
            "正式" | "正式党员" | "formal" => Some(MemberType::Formal),
            "预备" | "预备党员" | "probationary" => Some(MemberType::Probationary),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MemberType::Formal => "formal",
            MemberType::Probationary => "probationary",
        }
    }
}

/// A phone number: an 11-digit mobile (1[3-9]…) or a landline with its area code
/// (0391-1234567). Never print it: use [`Phone::masked`].
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Option<Phone> {
        let s: String = normalise(input)
            .chars()
            .filter(|c| !matches!(c, ' ' | '(' | ')'))
            .collect();
        let s = s.strip_prefix("+86").unwrap_or(&s).trim_start_matches('-');
        let digits: String = s.chars().filter(|c| *c != '-').collect();
        if !digits.bytes().all(|b| b.is_ascii_digit()) || s.matches('-').count() > 1 {
            return None;
        }
        let mobile = digits.len() == 11
            && digits.starts_with('1')
            && (b'3'..=b'9').contains(&digits.as_bytes()[1])
            && !s.contains('-');
        let landline = digits.starts_with('0') && (10..=12).contains(&digits.len());
        (mobile || landline).then(|| Phone(s.to_string()))
    }

    /// A phone a spreadsheet stored as a number (an 11-digit mobile survives exactly).
    pub fn from_spreadsheet_number(value: f64) -> Option<Phone> {
        if value.fract() != 0.0 || !(1e10..2e10).contains(&value) {
            return None;
        }
        Phone::parse(&format!("{value:.0}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn masked(&self) -> String {
        crate::idcard::mask_id_number(&self.0)
    }
}

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        assert_eq!(
            Phone::parse("138 0013 8000").unwrap().as_str(),
            "13800138000"
        );
        assert_eq!(
            Phone::parse("+86 13800138000").unwrap().as_str(),
            "13800138000"
        );
        assert_eq!(
            Phone::parse("0391-3561234").unwrap().as_str(),
            "0391-3561234"
        );
        assert!(Phone::parse("12345").is_none());
        assert!(Phone::parse("12800138000").is_none());
        assert!(Phone::parse("1380013800a").is_none());
        assert_eq!(Phone::parse("13800138000").unwrap().masked(), "1380***8000");
        assert_eq!(
            Phone::from_spreadsheet_number(13800138000.0)
                .unwrap()
                .as_str(),
            "13800138000"
        );
    }

    #[test]
    fn genders_and_types() {
        assert_eq!(Gender::parse("女"), Some(Gender::Female));
        assert_eq!(Gender::parse("Male"), Some(Gender::Male));
        assert_eq!(Gender::parse("?"), None);
        assert_eq!(
            MemberType::parse("预备党员"),
            Some(MemberType::Probationary)
        );
        assert_eq!(MemberType::parse("正式"), Some(MemberType::Formal));
    }
}
