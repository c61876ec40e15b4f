//! Resident ID numbers (居民身份证号码, GB 11643-1999): 6-digit area code, 8-digit birth date,
//! 3-digit sequence (odd for men), one check character.

use chrono::NaiveDate;
use std::fmt;

use crate::i18n::Message;
use crate::text::normalise;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// A validated 18-character ID number. Never print it: use [`IdNumber::masked`].
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdNumberError {
    Length(usize),
    Characters,
    BirthDate(String),
    CheckDigit {
        expected: char,
        found: char,
    },
    /// A spreadsheet stored the number as a number and lost digits.
    DigitsLost,
}

impl IdNumberError {
    /// What is wrong with the number, to tell the person who typed it.
    pub fn message(&self) -> Message {
        match self {
            IdNumberError::Length(n) => Message::of("idcard.length", &[("found", n)]),
            IdNumberError::Characters => Message::of("idcard.characters", &[]),
            IdNumberError::BirthDate(d) => Message::of("idcard.birth_date", &[("date", d)]),
            IdNumberError::CheckDigit { expected, found } => Message::of(
                "idcard.check_digit",
                &[("expected", expected), ("found", found)],
            ),
            IdNumberError::DigitsLost => Message::of("idcard.digits_lost", &[]),
        }
    }
}

impl fmt::Display for IdNumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message().for_log())
    }
}

impl std::error::Error for IdNumberError {}

/// The check character for the first 17 digits.
pub fn check_char(first17: &[u8]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize] as char
}

impl IdNumber {
    /// Parses text as typed or pasted: full-width characters and spaces are normalised, a
    /// lower-case x is accepted.
    pub fn parse(input: &str) -> Result<Self, IdNumberError> {
        let s: String = normalise(input)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let n = s.chars().count();
        if n != 18 {
            return Err(IdNumberError::Length(n));
        }
        let b = s.as_bytes();
        if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(IdNumberError::Characters);
        }
        let birth = &s[6..14];
        if NaiveDate::parse_from_str(birth, "%Y%m%d").is_err() || &s[6..8] < "18" {
            return Err(IdNumberError::BirthDate(birth.to_string()));
        }
        let expected = check_char(&b[..17]);
        if b[17] as char != expected {
            return Err(IdNumberError::CheckDigit {
                expected,
                found: b[17] as char,
            });
        }
        Ok(IdNumber(s))
    }

    /// Recovers an ID number that a spreadsheet stored as a number. Excel keeps 15
    /// significant digits, so the last three of an 18-digit number become zeros: the number
    /// is recovered only when the rounded value is itself a valid ID number (the rare case
    /// of a number really ending in 000). Anything else lost digits and is refused.
    pub fn from_spreadsheet_number(value: f64) -> Result<Self, IdNumberError> {
        if !value.is_finite() || !(1e17..1e18).contains(&value) {
            return Err(IdNumberError::DigitsLost);
        }
        let thousands = (value / 1000.0).round();
        let candidate = format!("{thousands:.0}000");
        IdNumber::parse(&candidate).map_err(|_| IdNumberError::DigitsLost)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").expect("validated on parse")
    }

    /// Odd sequence digit: male.
    pub fn is_male(&self) -> bool {
        (self.0.as_bytes()[16] - b'0') % 2 == 1
    }

    pub fn area_code(&self) -> &str {
        &self.0[..6]
    }

    /// Masked form used in every list and log: `4108**********123X`.
    pub fn masked(&self) -> String {
        mask_id_number(&self.0)
    }
}

/// Masks all but the first 4 and last 4 characters.
pub fn mask_id_number(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..4].iter().collect();
    out.push_str(&"*".repeat(chars.len() - 8));
    out.extend(&chars[chars.len() - 4..]);
    out
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a valid number from 17 digits.
    fn complete(first17: &str) -> String {
        format!("{first17}{}", check_char(first17.as_bytes()))
    }

    #[test]
    fn accepts_a_valid_number_and_derives_facts() {
        // Published GB 11643 example.
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert!(!id.is_male());
        assert_eq!(id.area_code(), "110105");
        assert_eq!(id.masked(), "1101**********002X");
    }

    #[test]
    fn normalises_full_width_spaces_and_lower_case_x() {
        let id = IdNumber::parse(" １１０１０５１９４９１２３１００２ｘ ").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn refuses_a_wrong_check_character() {
        let err = IdNumber::parse("110105194912310021").unwrap_err();
        assert_eq!(
            err,
            IdNumberError::CheckDigit {
                expected: 'X',
                found: '1'
            }
        );
    }

    #[test]
    fn refuses_impossible_birth_dates() {
        let s = complete("41080219990230123");
        assert!(matches!(
            IdNumber::parse(&s),
            Err(IdNumberError::BirthDate(_))
        ));
    }

    #[test]
    fn refuses_wrong_length_and_letters() {
        assert_eq!(
            IdNumber::parse("4108021990"),
            Err(IdNumberError::Length(10))
        );
        assert_eq!(
            IdNumber::parse("41080A199001011234"),
            Err(IdNumberError::Characters)
        );
    }

    #[test]
    fn a_float_that_lost_digits_is_refused() {
        // 410802199001011234 as an f64 becomes 410802199001011200.
        let v: f64 = 410802199001011234.0;
        assert_eq!(
            IdNumber::from_spreadsheet_number(v),
            Err(IdNumberError::DigitsLost)
        );
        // A number that really ends in 000 survives Excel and is recovered.
        assert_eq!(
            IdNumber::from_spreadsheet_number(410802199001013000.0)
                .unwrap()
                .as_str(),
            "410802199001013000"
        );
    }

    #[test]
    fn mask_keeps_only_the_ends() {
        assert_eq!(mask_id_number("13800138000"), "1380***8000");
        assert_eq!(mask_id_number("1234"), "****");
    }

    proptest::proptest! {
        #[test]
        fn every_completed_number_validates_and_any_single_digit_change_is_caught(
            seq in 0u32..1000, day in 1u32..=28, pos in 0usize..17, delta in 1u8..10
        ) {
            let first17 = format!("410802198506{day:02}{seq:03}");
            let good = complete(&first17);
            proptest::prop_assert!(IdNumber::parse(&good).is_ok());
            let mut bytes = good.into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let bad = String::from_utf8(bytes).unwrap();
            // Either the date broke or the check character catches it.
            proptest::prop_assert!(IdNumber::parse(&bad).is_err());
        }
    }
}
