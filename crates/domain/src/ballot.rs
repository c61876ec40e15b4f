//! Mass evaluation (群众评议): ballot codes, ballots and results, as rules and values.
//!
//! A ballot code is read aloud and typed on a phone, so its alphabet leaves out what is
//! easily confused (0/O, 1/I/L) and its last character is a check that catches any single
//! mistyped character and any swap of two neighbours.

use std::collections::BTreeMap;

use crate::i18n::Message;

/// The 31 characters of a code: digits 2–9 and letters without I, L and O. 31 is prime, so
/// a weighted sum modulo 31 changes whenever one character does.
pub const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Characters of a code before the check character.
pub const DATA_LEN: usize = 8;

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|a| *a == c).map(|p| p as u32)
}

/// The check character of `data`: weights 1, 2, … (all different and below 31), so a
/// single substitution or a swap of two different neighbours always changes the sum.
fn check_char(data: &[u8]) -> u8 {
    let sum: u32 = data
        .iter()
        .enumerate()
        .map(|(i, c)| (i as u32 + 1) * value(*c).expect("alphabet characters only"))
        .sum();
    // The check character takes the next weight, so that the whole code sums to 0.
    let w = data.len() as u32 + 1;
    // Solve w * x ≡ -sum (mod 31) with w's inverse (31 is prime).
    let inverse = (1..31).find(|x| (w * x) % 31 == 1).expect("31 is prime");
    let x = ((31 - sum % 31) % 31) * inverse % 31;
    ALPHABET[x as usize]
}

/// A well-formed ballot code (选票码), as stored and printed: 9 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BallotCode(String);

/// Why a typed code is not a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeProblem {
    /// Too short or too long.
    Length(usize),
    /// A character that no code contains (with the character).
    Character(char),
    /// The check character does not match: a character was mistyped.
    Mistyped,
}

impl CodeProblem {
    pub fn message(&self) -> Message {
        match self {
            CodeProblem::Length(n) => Message::of("ballot.code_length", &[("n", n)]),
            CodeProblem::Character(c) => Message::of("ballot.code_character", &[("c", c)]),
            CodeProblem::Mistyped => Message::of("ballot.code_mistyped", &[]),
        }
    }
}

impl BallotCode {
    /// A new code from random bytes (at least [`DATA_LEN`] of them).
    pub fn from_random(bytes: &[u8]) -> BallotCode {
        let data: Vec<u8> = bytes
            .iter()
            .take(DATA_LEN)
            .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()])
            .collect();
        let mut code = data.clone();
        code.push(check_char(&data));
        BallotCode(String::from_utf8(code).expect("ASCII"))
    }

    /// Reads a code as someone typed it: case, spaces, hyphens and full-width characters
    /// do not matter; anything else must be right, check character included.
    pub fn parse(typed: &str) -> Result<BallotCode, CodeProblem> {
        let cleaned: String = crate::text::normalise(typed)
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '_'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let n = cleaned.chars().count();
        if n != DATA_LEN + 1 {
            return Err(CodeProblem::Length(n));
        }
        if let Some(bad) = cleaned
            .chars()
            .find(|c| !c.is_ascii() || value(*c as u8).is_none())
        {
            return Err(CodeProblem::Character(bad));
        }
        let bytes = cleaned.as_bytes();
        if check_char(&bytes[..DATA_LEN]) != bytes[DATA_LEN] {
            return Err(CodeProblem::Mistyped);
        }
        Ok(BallotCode(cleaned))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Grouped for reading aloud and printing: `ABCD-EFGH-J`.
    pub fn grouped(&self) -> String {
        format!("{}-{}-{}", &self.0[..4], &self.0[4..8], &self.0[8..])
    }
}

/// The overall verdict of a ballot (总体评价).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verdict {
    /// 满意
    Satisfied,
    /// 基本满意
    BasicallySatisfied,
    /// 不满意
    Dissatisfied,
}

impl Verdict {
    pub const ALL: [Verdict; 3] = [
        Verdict::Satisfied,
        Verdict::BasicallySatisfied,
        Verdict::Dissatisfied,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Satisfied => "satisfied",
            Verdict::BasicallySatisfied => "basically_satisfied",
            Verdict::Dissatisfied => "dissatisfied",
        }
    }

    pub fn parse(s: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// How codes are handed out in a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Single-use ballot codes.
    Codes,
    /// Anyone may vote, once per browser per subject.
    Open,
}

serialize_as_code!(Mode, Verdict);

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Codes => "codes",
            Mode::Open => "open",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        [Mode::Codes, Mode::Open]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// Ratings are whole numbers from 1 (poor) to 5 (excellent).
pub const RATING_RANGE: std::ops::RangeInclusive<u8> = 1..=5;
/// The longest comment.
pub const MAX_COMMENT: usize = 500;

/// A ballot as cast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ballot {
    pub verdict: Verdict,
    /// By criterion code of the subject's standard.
    pub ratings: BTreeMap<String, u8>,
    pub comment: String,
}

/// Checks a ballot against the criteria of the subject's standard: ratings only for those
/// criteria and within range, a comment not too long. The message says what is wrong.
pub fn check_ballot(b: &Ballot, criteria: &[&str]) -> Result<(), Message> {
    for (code, rating) in &b.ratings {
        if !criteria.contains(&code.as_str()) {
            return Err(Message::of(
                "ballot.unknown_criterion",
                &[("code", code), ("known", &criteria.join(", "))],
            ));
        }
        if !RATING_RANGE.contains(rating) {
            return Err(Message::of("ballot.rating", &[("code", code)]));
        }
    }
    if b.comment.chars().count() > MAX_COMMENT {
        return Err(Message::of("ballot.comment", &[("max", &MAX_COMMENT)]));
    }
    // Control characters (NUL above all, which PostgreSQL refuses in text) have no place
    // in a comment; line breaks and tabs do.
    if b.comment
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Message::of("ballot.comment_control", &[]));
    }
    Ok(())
}

/// How a weighted score is made from the verdicts: points per verdict (default 100/60/0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    pub satisfied: f64,
    pub basically_satisfied: f64,
    pub dissatisfied: f64,
}

impl From<&crate::campaign::EvaluationRules> for Weights {
    fn from(r: &crate::campaign::EvaluationRules) -> Weights {
        Weights {
            satisfied: r.satisfied_points,
            basically_satisfied: r.basically_satisfied_points,
            dissatisfied: r.dissatisfied_points,
        }
    }
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            satisfied: 100.0,
            basically_satisfied: 60.0,
            dissatisfied: 0.0,
        }
    }
}

/// The counts of a subject (or of many) and the rates made from them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Tally {
    pub satisfied: u64,
    pub basically_satisfied: u64,
    pub dissatisfied: u64,
}

impl Tally {
    pub fn add(&mut self, v: Verdict, n: u64) {
        match v {
            Verdict::Satisfied => self.satisfied += n,
            Verdict::BasicallySatisfied => self.basically_satisfied += n,
            Verdict::Dissatisfied => self.dissatisfied += n,
        }
    }

    /// Adds another tally's counts to this one.
    pub fn absorb(&mut self, other: &Tally) {
        self.satisfied += other.satisfied;
        self.basically_satisfied += other.basically_satisfied;
        self.dissatisfied += other.dissatisfied;
    }

    pub fn valid(&self) -> u64 {
        self.satisfied + self.basically_satisfied + self.dissatisfied
    }

    fn rate(&self, n: u64) -> Option<f64> {
        let valid = self.valid();
        (valid > 0).then(|| n as f64 / valid as f64)
    }

    /// 满意率: (满意 + 基本满意) / valid ballots.
    pub fn satisfaction(&self) -> Option<f64> {
        self.rate(self.satisfied + self.basically_satisfied)
    }

    /// 满意率 by the campaign's rule: with or without 基本满意.
    pub fn satisfaction_by(&self, basic_counts: bool) -> Option<f64> {
        if basic_counts {
            self.satisfaction()
        } else {
            self.rate(self.satisfied)
        }
    }

    /// 基本满意率
    pub fn basic_satisfaction(&self) -> Option<f64> {
        self.rate(self.basically_satisfied)
    }

    /// 不满意率
    pub fn dissatisfaction(&self) -> Option<f64> {
        self.rate(self.dissatisfied)
    }

    /// The weighted score: the mean of the verdicts' points.
    pub fn score(&self, w: &Weights) -> Option<f64> {
        let valid = self.valid();
        (valid > 0).then(|| {
            (self.satisfied as f64 * w.satisfied
                + self.basically_satisfied as f64 * w.basically_satisfied
                + self.dissatisfied as f64 * w.dissatisfied)
                / valid as f64
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_code_has_no_confusable_characters_and_reads_back_however_typed() {
        let code = BallotCode::from_random(&[0, 7, 30, 12, 200, 99, 1, 255]);
        assert_eq!(code.as_str().len(), 9);
        for bad in b"01ILO" {
            assert!(!code.as_str().as_bytes().contains(bad));
        }
        let typed = code.grouped().to_lowercase().replace('-', " - ");
        assert_eq!(BallotCode::parse(&typed), Ok(code.clone()));
        let full_width: String = code
            .as_str()
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
            .collect();
        assert_eq!(BallotCode::parse(&full_width), Ok(code));
        assert_eq!(BallotCode::parse("ABCD"), Err(CodeProblem::Length(4)));
        assert_eq!(
            BallotCode::parse("ABCD0FGHJ"),
            Err(CodeProblem::Character('0'))
        );
    }

    proptest! {
        /// Any single mistyped character is caught, whichever position and character.
        #[test]
        fn every_single_substitution_is_caught(
            bytes in proptest::collection::vec(any::<u8>(), DATA_LEN),
            pos in 0..=DATA_LEN,
            replacement in 0..31usize,
        ) {
            let code = BallotCode::from_random(&bytes);
            let mut typed = code.as_str().as_bytes().to_vec();
            prop_assume!(typed[pos] != ALPHABET[replacement]);
            typed[pos] = ALPHABET[replacement];
            let typed = String::from_utf8(typed).unwrap();
            prop_assert_eq!(BallotCode::parse(&typed), Err(CodeProblem::Mistyped));
        }

        /// And so is a swap of two different neighbours.
        #[test]
        fn every_swap_of_neighbours_is_caught(
            bytes in proptest::collection::vec(any::<u8>(), DATA_LEN),
            pos in 0..DATA_LEN,
        ) {
            let code = BallotCode::from_random(&bytes);
            let mut typed = code.as_str().as_bytes().to_vec();
            prop_assume!(typed[pos] != typed[pos + 1]);
            typed.swap(pos, pos + 1);
            let typed = String::from_utf8(typed).unwrap();
            prop_assert_eq!(BallotCode::parse(&typed), Err(CodeProblem::Mistyped));
        }
    }

    #[test]
    fn ballots_rate_only_the_standards_criteria_within_range() {
        let criteria = ["leadership", "members"];
        let mut b = Ballot {
            verdict: Verdict::Satisfied,
            ratings: BTreeMap::from([("leadership".to_string(), 5)]),
            comment: "<script>alert(1)</script>".into(),
        };
        assert_eq!(check_ballot(&b, &criteria), Ok(()));
        b.ratings.insert("colour".into(), 3);
        assert!(
            check_ballot(&b, &criteria)
                .unwrap_err()
                .render(crate::i18n::Lang::En)
                .contains("colour")
        );
        b.ratings = BTreeMap::from([("members".to_string(), 6)]);
        assert!(check_ballot(&b, &criteria).is_err());
        b.ratings.clear();
        b.comment = "好".repeat(MAX_COMMENT + 1);
        assert!(check_ballot(&b, &criteria).is_err());
        b.comment = "好\0".into();
        assert!(
            check_ballot(&b, &criteria).is_err(),
            "a NUL would fail the whole batch"
        );
        b.comment = "第一行\n第二行".into();
        assert_eq!(check_ballot(&b, &criteria), Ok(()));
    }

    #[test]
    fn rates_and_the_weighted_score() {
        let mut t = Tally::default();
        assert_eq!(t.satisfaction(), None, "no ballots, no rate");
        t.add(Verdict::Satisfied, 6);
        t.add(Verdict::BasicallySatisfied, 3);
        t.add(Verdict::Dissatisfied, 1);
        assert_eq!(t.valid(), 10);
        assert_eq!(t.satisfaction(), Some(0.9));
        assert_eq!(t.basic_satisfaction(), Some(0.3));
        assert_eq!(t.dissatisfaction(), Some(0.1));
        assert_eq!(t.score(&Weights::default()), Some(78.0));
        let strict = Weights {
            satisfied: 100.0,
            basically_satisfied: 50.0,
            dissatisfied: -20.0,
        };
        assert_eq!(t.score(&strict), Some(73.0));
        assert_eq!(t.satisfaction_by(false), Some(0.6), "basic not counted");
        let from_file = crate::campaign::Campaign::load(
            "t.toml",
            &format!(
                "{}\n[evaluation]\nbasically_satisfied_points = 50.0\ndissatisfied_points = -20.0\n",
                crate::campaign::BUILTIN_2010
            ),
        )
        .unwrap();
        assert_eq!(Weights::from(&from_file.file.evaluation), strict);
    }
}
