//! Bulletins and reports (通报, 总结) as the campaign office writes them: the kinds, the
//! document number (文号) numbered per issuer and year without gaps, the body as plain text
//! with the 公文's heading levels (一、 （一） 1. （1）), wording templates whose placeholders
//! take the figures, and the figures frozen into a draft so that the draft can say which
//! changed since.

use std::collections::BTreeMap;

use crate::i18n::Message;

serialize_as_code!(BulletinKind, BulletinStatus);

/// Where a bulletin stands: a draft changes; an issued one is a record and never does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulletinStatus {
    /// 草稿
    Draft,
    /// 已印发
    Issued,
}

impl BulletinStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BulletinStatus::Draft => "draft",
            BulletinStatus::Issued => "issued",
        }
    }

    pub fn parse(s: &str) -> Option<BulletinStatus> {
        [BulletinStatus::Draft, BulletinStatus::Issued]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    pub fn name(self) -> Message {
        Message::of(format!("bulletin.status_{}", self.as_str()), &[])
    }

    /// Editing or issuing: drafts only; an issued bulletin is corrected by a new one.
    pub fn may_change(self) -> Result<(), Message> {
        match self {
            BulletinStatus::Draft => Ok(()),
            BulletinStatus::Issued => Err(Message::of("bulletin.issued", &[])),
        }
    }
}

/// A table of a bulletin, kept as generated: its key (`[表:KEY]` in the body), title,
/// column headings and rows (names and codes as text, numbers as numbers).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Table {
    pub key: String,
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Figure>>,
}

/// What a bulletin reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BulletinKind {
    /// 活动进展通报: how the campaign is going in a scope and period.
    Progress,
    /// 督查情况通报: what a closed inspection plan found.
    Inspection,
    /// 表彰通报 / 表彰决定: the honour roll of a commendation.
    Commendation,
    /// 阶段总结: a stage's or a year's summary.
    StageSummary,
}

impl BulletinKind {
    pub const ALL: [BulletinKind; 4] = [
        BulletinKind::Progress,
        BulletinKind::Inspection,
        BulletinKind::Commendation,
        BulletinKind::StageSummary,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BulletinKind::Progress => "progress",
            BulletinKind::Inspection => "inspection",
            BulletinKind::Commendation => "commendation",
            BulletinKind::StageSummary => "stage_summary",
        }
    }

    pub fn parse(s: &str) -> Option<BulletinKind> {
        BulletinKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn name(self) -> Message {
        Message::of(format!("bulletin.kind_{}", self.as_str()), &[])
    }

    /// Whether a bulletin of this kind names who signed it off (签发人): decisions do.
    pub fn needs_signer(self) -> bool {
        self == BulletinKind::Commendation
    }
}

/// A document number (发文字号): the issuer's prefix, the year in 〔〕 and the number,
/// 焦创办〔2011〕12号.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct DocumentNumber {
    pub prefix: String,
    pub year: i32,
    pub seq: u32,
}

impl std::fmt::Display for DocumentNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}〔{}〕{}号", self.prefix, self.year, self.seq)
    }
}

impl DocumentNumber {
    /// Reads 焦创办〔2011〕12号; the brackets may be typed as [ ], 【 】 or ( ), which are
    /// written back as 〔〕.
    pub fn parse(s: &str) -> Option<DocumentNumber> {
        let s = s.trim();
        let open = s.find(['〔', '[', '【', '(', '（'])?;
        let prefix = s[..open].trim();
        let rest = &s[open..];
        let first = rest.chars().next()?;
        let rest = &rest[first.len_utf8()..];
        let close = rest.find(['〕', ']', '】', ')', '）'])?;
        let year: i32 = rest[..close].trim().parse().ok()?;
        let after = &rest[close..];
        let closer = after.chars().next()?;
        let seq: u32 = after[closer.len_utf8()..]
            .trim()
            .trim_end_matches('号')
            .trim()
            .parse()
            .ok()?;
        check_prefix(prefix).ok()?;
        (seq > 0 && (1949..=9999).contains(&year)).then(|| DocumentNumber {
            prefix: prefix.to_string(),
            year,
            seq,
        })
    }
}

/// An issuer's prefix (机关代字): 1 to 12 characters, no digits, brackets or spaces (the
/// year and number follow it).
pub fn check_prefix(prefix: &str) -> Result<(), Message> {
    let n = prefix.chars().count();
    let bad = prefix
        .chars()
        .any(|c| c.is_ascii_digit() || c.is_whitespace() || "〔〕[]【】()（）号".contains(c));
    if n == 0 || n > 12 || bad {
        return Err(Message::of("bulletin.bad_prefix", &[("prefix", &prefix)]));
    }
    Ok(())
}

/// The next number of an issuer in a year, given the numbers it has used: one more than the
/// highest, so that the numbers run without gaps.
pub fn next_number(prefix: &str, year: i32, used: impl IntoIterator<Item = u32>) -> DocumentNumber {
    DocumentNumber {
        prefix: prefix.to_string(),
        year,
        seq: used.into_iter().max().unwrap_or(0) + 1,
    }
}

/// A heading's level in a 公文: 一、 （一） 1. （1）.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum Level {
    /// 一、 in 黑体
    First,
    /// （一） in 楷体
    Second,
    /// 1.
    Third,
    /// （1）
    Fourth,
}

/// A block of a bulletin's body.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum Block {
    /// A heading with its number as written (一、) and its words.
    Heading {
        level: Level,
        number: String,
        text: String,
    },
    Paragraph(String),
    /// A table of the bulletin's, by its key (`[表:leaders]` in the text): tables are kept
    /// as generated.
    Table(String),
    /// An attachment's line (附件：1. …).
    Attachment(String),
}

/// What the body's text is written with, as the editing form lists it: the heading numbers
/// of each level, a table's place and an attachment's line.
pub const MARKERS: &[&str] = &["一、", "（一）", "1.", "（1）", "[表:…]", "附件："];

const NUMERALS: [&str; 20] = [
    "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四",
    "十五", "十六", "十七", "十八", "十九", "二十",
];

/// The Chinese numeral of `n` (1 to 20), as headings count.
pub fn numeral(n: usize) -> Option<&'static str> {
    NUMERALS.get(n.checked_sub(1)?).copied()
}

fn numeral_value(s: &str) -> Option<usize> {
    NUMERALS.iter().position(|n| *n == s).map(|i| i + 1)
}

/// The heading a line starts with: its level, its number as written, its count, the rest.
fn heading_of(line: &str) -> Option<(Level, String, usize, String)> {
    let line = line.trim_start();
    if let Some(rest) = line.strip_prefix('（').or_else(|| line.strip_prefix('(')) {
        let close = rest.find(['）', ')'])?;
        let inner = &rest[..close];
        let closer = rest[close..].chars().next()?;
        let text = rest[close + closer.len_utf8()..].trim().to_string();
        if let Some(n) = numeral_value(inner) {
            return Some((Level::Second, format!("（{inner}）"), n, text));
        }
        if let Ok(n) = inner.parse::<usize>() {
            return Some((Level::Fourth, format!("（{n}）"), n, text));
        }
        return None;
    }
    if let Some(at) = line.find('、') {
        let head = &line[..at];
        if let Some(n) = numeral_value(head) {
            return Some((
                Level::First,
                format!("{head}、"),
                n,
                line[at + '、'.len_utf8()..].trim().to_string(),
            ));
        }
    }
    let digits: String = line.chars().take_while(|c| c.is_ascii_digit()).collect();
    if !digits.is_empty() {
        let rest = &line[digits.len()..];
        if let Some(text) = rest.strip_prefix('.').or_else(|| rest.strip_prefix('．')) {
            let n: usize = digits.parse().ok()?;
            return Some((Level::Third, format!("{n}."), n, text.trim().to_string()));
        }
    }
    None
}

/// A problem with a body's text, by line (1-based).
#[derive(Debug, Clone, PartialEq)]
pub struct BodyProblem {
    pub line: usize,
    pub message: Message,
}

/// Reads a body as the office edits it: one block per line (empty lines are dropped); a
/// line that starts with a heading's number is a heading; `[表:KEY]` stands for a table of
/// the bulletin and `附件：` starts an attachment. Headings must count up from one at each
/// level under their parent (一、二、, within each （一）（二）…) and never skip a level; a
/// table must be one of `tables`. Every problem is returned with its line.
pub fn parse_body(text: &str, tables: &[&str]) -> Result<Vec<Block>, Vec<BodyProblem>> {
    let mut blocks = vec![];
    let mut problems = vec![];
    // The last count at each level; deeper ones restart when a higher one appears.
    let mut counts = [0usize; 4];
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let at = i + 1;
        if line.is_empty() {
            continue;
        }
        if let Some(key) = line.strip_prefix("[表:").and_then(|r| r.strip_suffix(']')) {
            if tables.contains(&key) {
                blocks.push(Block::Table(key.to_string()));
            } else {
                problems.push(BodyProblem {
                    line: at,
                    message: Message::of("bulletin.unknown_table", &[("key", &key)]),
                });
            }
            continue;
        }
        if line.starts_with("附件：") || line.starts_with("附件:") {
            blocks.push(Block::Attachment(line.to_string()));
            continue;
        }
        let Some((level, number, n, rest)) = heading_of(line) else {
            blocks.push(Block::Paragraph(line.to_string()));
            continue;
        };
        let depth = level as usize;
        if depth > 0 && counts[depth - 1] == 0 {
            problems.push(BodyProblem {
                line: at,
                message: Message::of("bulletin.heading_skips", &[("number", &number)]),
            });
        } else if n != counts[depth] + 1 {
            problems.push(BodyProblem {
                line: at,
                message: Message::of(
                    "bulletin.heading_order",
                    &[("number", &number), ("expected", &(counts[depth] + 1))],
                ),
            });
        }
        counts[depth] = n;
        for deeper in counts.iter_mut().skip(depth + 1) {
            *deeper = 0;
        }
        blocks.push(Block::Heading {
            level,
            number,
            text: rest,
        });
    }
    if problems.is_empty() {
        Ok(blocks)
    } else {
        Err(problems)
    }
}

/// A body as text again, one block per line: what the edit form shows.
pub fn body_text(blocks: &[Block]) -> String {
    blocks
        .iter()
        .map(|b| match b {
            Block::Heading { number, text, .. } => format!("{number}{text}"),
            Block::Paragraph(t) | Block::Attachment(t) => t.clone(),
            Block::Table(key) => format!("[表:{key}]"),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A figure as a bulletin quotes it. Stored tagged (`{"count": 3}`), as a count and
/// hundredths are both whole numbers.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    Count(i64),
    /// Hundredths of a point or a percent, shown with two decimals.
    Hundredths(i64),
    Text(String),
}

impl std::fmt::Display for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Figure::Count(n) => write!(f, "{n}"),
            Figure::Hundredths(h) => {
                let sign = if *h < 0 { "-" } else { "" };
                write!(f, "{sign}{}.{:02}", h.abs() / 100, h.abs() % 100)
            }
            Figure::Text(t) => f.write_str(t),
        }
    }
}

/// The figures a bulletin quotes, by name, as they were when it was drafted.
pub type Figures = BTreeMap<String, Figure>;

/// Fills a wording template: `{name}` takes the figure of that name; `{{` and `}}` are
/// braces. A name without a figure is a problem, by line.
pub fn fill(template: &str, figures: &Figures) -> Result<String, Vec<BodyProblem>> {
    let mut out = String::with_capacity(template.len());
    let mut problems = vec![];
    for (i, line) in template.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut rest = line;
        while let Some(at) = rest.find(['{', '}']) {
            out.push_str(&rest[..at]);
            let tail = &rest[at..];
            if let Some(after) = tail.strip_prefix("{{") {
                out.push('{');
                rest = after;
            } else if let Some(after) = tail.strip_prefix("}}") {
                out.push('}');
                rest = after;
            } else if let Some(inner) = tail.strip_prefix('{') {
                let Some(close) = inner.find('}') else {
                    problems.push(BodyProblem {
                        line: i + 1,
                        message: Message::of("bulletin.open_brace", &[]),
                    });
                    out.push_str(tail);
                    rest = "";
                    continue;
                };
                let name = &inner[..close];
                match figures.get(name) {
                    Some(f) => out.push_str(&f.to_string()),
                    None => problems.push(BodyProblem {
                        line: i + 1,
                        message: Message::of("bulletin.unknown_figure", &[("name", &name)]),
                    }),
                }
                rest = &inner[close + 1..];
            } else {
                // A lone `}`.
                out.push('}');
                rest = &tail[1..];
            }
        }
        out.push_str(rest);
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// The figures that changed since a draft was made: (name, then, now); a figure gone is
/// `now = None`.
pub fn changed(then: &Figures, now: &Figures) -> Vec<(String, Figure, Option<Figure>)> {
    then.iter()
        .filter_map(|(name, old)| match now.get(name) {
            Some(new) if new == old => None,
            new => Some((name.clone(), old.clone(), new.cloned())),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_number_is_written_with_the_proper_brackets_and_read_from_common_typing() {
        let n = DocumentNumber {
            prefix: "焦创办".into(),
            year: 2011,
            seq: 12,
        };
        assert_eq!(n.to_string(), "焦创办〔2011〕12号");
        for typed in [
            "焦创办〔2011〕12号",
            "焦创办[2011]12号",
            "焦创办【2011】12",
            "焦创办（2011）12号",
        ] {
            assert_eq!(DocumentNumber::parse(typed), Some(n.clone()), "{typed}");
        }
        assert_eq!(DocumentNumber::parse("焦创办2011年12号"), None);
        assert_eq!(DocumentNumber::parse("〔2011〕12号"), None, "no prefix");
        assert_eq!(DocumentNumber::parse("焦创办〔2011〕0号"), None);
    }

    #[test]
    fn numbers_run_per_issuer_and_year_without_gaps() {
        assert_eq!(next_number("焦创办", 2011, []).seq, 1);
        assert_eq!(
            next_number("焦创办", 2011, [1, 2, 3]).to_string(),
            "焦创办〔2011〕4号"
        );
        assert!(check_prefix("焦创办").is_ok());
        for bad in [
            "",
            "焦创办2",
            "焦 创办",
            "焦创办〔",
            "一二三四五六七八九十一二三",
        ] {
            assert_eq!(
                check_prefix(bad).unwrap_err().key(),
                "bulletin.bad_prefix",
                "{bad}"
            );
        }
    }

    #[test]
    fn a_body_reads_its_heading_levels_tables_and_attachments_and_writes_back_the_same() {
        let text = "各县（市、区）委组织部：\n\n一、总体情况\n全市已有{n}个党组织提交实施方案。\n\
            （一）参与情况\n1.学习\n（1）集中学习\n（2）个人自学\n2．服务\n（二）群众评议\n[表:leaders]\n\
            二、存在问题\n附件：1.各县（市、区）进展情况表";
        let blocks = parse_body(text, &["leaders"]).unwrap();
        let levels: Vec<Level> = blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading { level, .. } => Some(*level),
                _ => None,
            })
            .collect();
        use Level::*;
        assert_eq!(
            levels,
            [First, Second, Third, Fourth, Fourth, Third, Second, First]
        );
        assert!(blocks.contains(&Block::Table("leaders".into())));
        assert!(matches!(blocks.last(), Some(Block::Attachment(_))));
        assert_eq!(
            blocks[0],
            Block::Paragraph("各县（市、区）委组织部：".into())
        );
        // Written back and read again: the same blocks (the full stop normalised).
        assert_eq!(
            parse_body(&body_text(&blocks), &["leaders"]).unwrap(),
            blocks
        );
    }

    #[test]
    fn headings_out_of_order_a_skipped_level_and_an_unknown_table_are_named_by_line() {
        let text = "一、甲\n三、乙\n（1）丙\n[表:nope]";
        let problems = parse_body(text, &["leaders"]).unwrap_err();
        let found: Vec<(usize, &str)> =
            problems.iter().map(|p| (p.line, p.message.key())).collect();
        assert_eq!(
            found,
            [
                (2, "bulletin.heading_order"),
                (3, "bulletin.heading_skips"),
                (4, "bulletin.unknown_table"),
            ]
        );
    }

    #[test]
    fn a_template_takes_its_figures_and_names_any_it_lacks_by_line() {
        let mut figures = Figures::new();
        figures.insert("plans".into(), Figure::Count(1_232));
        figures.insert("satisfaction".into(), Figure::Hundredths(9_287));
        figures.insert("scope".into(), Figure::Text("焦作市".into()));
        let text = fill(
            "{scope}已有{plans}个党组织的实施方案获批，群众满意率{satisfaction}%。{{原文}}",
            &figures,
        )
        .unwrap();
        assert_eq!(
            text,
            "焦作市已有1232个党组织的实施方案获批，群众满意率92.87%。{原文}"
        );
        let problems = fill("第一行\n{plans}和{kept}\n{open", &figures).unwrap_err();
        let found: Vec<(usize, &str)> =
            problems.iter().map(|p| (p.line, p.message.key())).collect();
        assert_eq!(
            found,
            [(2, "bulletin.unknown_figure"), (3, "bulletin.open_brace")]
        );
        assert_eq!(Figure::Hundredths(-250).to_string(), "-2.50");
    }

    #[test]
    fn a_draft_says_which_figures_changed_since_it_was_made() {
        let then: Figures = [
            ("plans".to_string(), Figure::Count(10)),
            ("kept".to_string(), Figure::Count(4)),
            ("gone".to_string(), Figure::Count(1)),
        ]
        .into();
        let now: Figures = [
            ("plans".to_string(), Figure::Count(12)),
            ("kept".to_string(), Figure::Count(4)),
        ]
        .into();
        let names: Vec<String> = changed(&then, &now)
            .into_iter()
            .map(|(n, _, _)| n)
            .collect();
        assert_eq!(names, ["gone", "plans"]);
        assert!(changed(&now, &now).is_empty());
    }
}
