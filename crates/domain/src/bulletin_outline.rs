//! The outline of each kind of bulletin (通报提纲): the wording templates its draft is
//! written from, the figures they may quote and the tables the draft carries. The defaults
//! ship in `bulletin_outlines.toml`; a campaign file overrides a kind's title and body.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

use crate::bulletin::{BodyProblem, BulletinKind, Figure, Figures, fill, parse_body};

/// A table's heading as the outline names it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TableHeading {
    pub title: String,
    pub columns: Vec<String>,
}

/// A kind's outline: the title and body templates and its tables' headings.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Outline {
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub tables: BTreeMap<String, TableHeading>,
}

/// The words drafting puts between figures (templates themselves, with `{name}`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Words {
    /// An empty list of names.
    pub none: String,
    /// Between names of a list.
    pub separator: String,
    /// A list cut short: `{names}` and `{count}` in all.
    pub more: String,
    /// A date: `{year}`, `{month}`, `{day}`.
    pub date: String,
    /// More tied at one end of a ranking than a list names: `{count}`, `{score}`.
    pub tied: String,
    /// One honour of the roll: `{honour}`, `{names}`.
    pub roll_line: String,
    /// One good practice: `{org}`, `{text}`.
    pub practice_line: String,
    /// The issuer's mark in red (发文机关标志): `{issuer}`.
    pub issuer_mark: String,
    /// Who signed it off, beside the number: `{name}`.
    pub signer: String,
    /// The addressees' line (主送机关): `{names}`.
    pub main_to: String,
    /// The 版记's copy line (抄送机关): `{names}`.
    pub copy_to: String,
    /// The 版记's printing line (印发机关和印发日期): `{issuer}`, `{date}`.
    pub printed: String,
    /// A page number (页码): `{n}`.
    pub page: String,
    /// In place of the number on a draft.
    pub draft: String,
    /// A stage report pre-filled from the organisation's figures (progress figure names).
    pub report_prefill: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Defaults {
    words: Words,
    progress: Outline,
    stage_summary: Outline,
    inspection: Outline,
    commendation: Outline,
}

static DEFAULTS: LazyLock<Defaults> = LazyLock::new(|| {
    toml::from_str(include_str!("bulletin_outlines.toml")).expect("built-in outlines parse")
});

/// The words drafting puts between figures.
pub fn words() -> &'static Words {
    &DEFAULTS.words
}

/// Fills one of the [`Words`] (built in, so every placeholder is known).
pub fn word(template: &str, args: &[(&str, String)]) -> String {
    let figures: Figures = args
        .iter()
        .map(|(k, v)| (k.to_string(), Figure::Text(v.clone())))
        .collect();
    fill(template, &figures).unwrap_or_else(|_| template.to_string())
}

/// A list of names as a bulletin writes it: the first `shown`, then how many in all.
pub fn name_list(names: &[String], shown: usize) -> String {
    let w = words();
    if names.is_empty() {
        return w.none.clone();
    }
    let joined = names[..names.len().min(shown)].join(&w.separator);
    if names.len() <= shown {
        joined
    } else {
        word(
            &w.more,
            &[("names", joined), ("count", names.len().to_string())],
        )
    }
}

/// A date as a bulletin writes it (2012年3月1日).
pub fn date(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    word(
        &words().date,
        &[
            ("year", d.year().to_string()),
            ("month", d.month().to_string()),
            ("day", d.day().to_string()),
        ],
    )
}

/// The built-in outline of a kind.
pub fn default_outline(kind: BulletinKind) -> &'static Outline {
    match kind {
        BulletinKind::Progress => &DEFAULTS.progress,
        BulletinKind::StageSummary => &DEFAULTS.stage_summary,
        BulletinKind::Inspection => &DEFAULTS.inspection,
        BulletinKind::Commendation => &DEFAULTS.commendation,
    }
}

const PARTICIPATION: &[&str] = &[
    "scope",
    "date",
    "organisations",
    "plans_submitted",
    "plans_approved",
    "plans_missing",
    "commitments",
    "items_due",
    "items_kept",
    "items_overdue",
    "hours",
    "reviews",
    "rounds",
    "ballots",
    "satisfaction",
    "satisfaction_rate",
    "leaders_names",
    "laggards_names",
    "missing_plan_names",
    "overdue_commitment_orgs",
    "overdue_commitment_names",
    "rectifications_overdue",
    "overdue_rectification_names",
];

/// The figures a kind's templates may quote, by name.
pub fn figure_names(kind: BulletinKind) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = match kind {
        BulletinKind::Progress => {
            let mut v = PARTICIPATION.to_vec();
            v.extend(["period", "risers_names"]);
            v
        }
        BulletinKind::StageSummary => {
            let mut v = PARTICIPATION.to_vec();
            v.extend(["stage", "starts_on", "ends_on", "practices"]);
            v
        }
        BulletinKind::Inspection => vec![
            "scope",
            "date",
            "plan",
            "targets",
            "inspectors",
            "submitted",
            "conforming",
            "basic",
            "nonconforming",
            "rectifications",
            "rectified",
            "rectifications_overdue",
        ],
        BulletinKind::Commendation => {
            vec![
                "scope",
                "date",
                "decision",
                "commended",
                "honours",
                "roll_text",
            ]
        }
    };
    names.sort_unstable();
    names
}

/// The tables a kind's draft carries, by key.
pub fn table_keys(kind: BulletinKind) -> &'static [&'static str] {
    match kind {
        BulletinKind::Progress => &[
            "children", "leaders", "laggards", "risers", "criteria", "missing",
        ],
        BulletinKind::StageSummary => &["leaders"],
        BulletinKind::Inspection => &["items", "targets"],
        BulletinKind::Commendation => &["roll"],
    }
}

/// Checks a title and body template for a kind: every placeholder one of its figures, the
/// body's headings in order once filled, every table one of its tables. Problems by line
/// of the body (the title's are line 0).
pub fn check_outline(kind: BulletinKind, title: &str, body: &str) -> Result<(), Vec<BodyProblem>> {
    // A figure may fill several lines (a list of names, the roll): a sample without line
    // breaks keeps the body's line numbers those of the template.
    let sample: Figures = figure_names(kind)
        .into_iter()
        .map(|n| (n.to_string(), Figure::Count(1)))
        .collect();
    let mut problems = vec![];
    if title.trim().is_empty() {
        problems.push(BodyProblem {
            line: 0,
            message: crate::i18n::Message::of("bulletin.bad_title", &[]),
        });
    }
    if let Err(p) = fill(title, &sample) {
        problems.extend(p.into_iter().map(|p| BodyProblem { line: 0, ..p }));
    }
    match fill(body, &sample) {
        Ok(text) => {
            if let Err(p) = parse_body(&text, table_keys(kind)) {
                problems.extend(p);
            }
        }
        Err(p) => problems.extend(p),
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_outline_quotes_only_its_figures_and_heads_every_table_it_places() {
        for kind in BulletinKind::ALL {
            let o = default_outline(kind);
            check_outline(kind, &o.title, &o.body).unwrap_or_else(|p| panic!("{kind:?}: {p:?}"));
            let mut headed: Vec<&str> = o.tables.keys().map(String::as_str).collect();
            let mut keys = table_keys(kind).to_vec();
            headed.sort_unstable();
            keys.sort_unstable();
            assert_eq!(headed, keys, "{kind:?}");
        }
    }

    #[test]
    fn lists_and_dates_are_written_as_a_bulletin_writes_them() {
        let names: Vec<String> = ["甲", "乙", "丙"].iter().map(|s| s.to_string()).collect();
        assert_eq!(name_list(&names, 5), "甲、乙、丙");
        assert_eq!(name_list(&names, 2), "甲、乙等3个");
        assert_eq!(name_list(&[], 2), "无");
        let d = chrono::NaiveDate::from_ymd_opt(2012, 3, 1).unwrap();
        assert_eq!(date(d), "2012年3月1日");
    }

    #[test]
    fn an_outline_with_an_unknown_figure_or_table_is_refused_by_line() {
        let problems = check_outline(
            BulletinKind::Commendation,
            "关于{scope}的{nope}",
            "一、总体\n{commended}名\n[表:leaders]\n三、跳号",
        )
        .unwrap_err();
        let found: Vec<(usize, &str)> =
            problems.iter().map(|p| (p.line, p.message.key())).collect();
        assert_eq!(
            found,
            [
                (0, "bulletin.unknown_figure"),
                (3, "bulletin.unknown_table"),
                (4, "bulletin.heading_order"),
            ]
        );
    }
}
