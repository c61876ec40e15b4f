//! Campaigns as data: loading and checking a campaign file (活动方案).

mod lifecycle;
mod local;
mod phases;
mod template;

pub use lifecycle::*;
pub use local::*;
pub use phases::*;
pub use template::*;

use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap, HashSet};
use toml::Spanned;

use crate::i18n::Message;
use crate::subject::SubjectKind;

/// The built-in 2010–2012 campaign of 焦作市委, the default template.
pub const BUILTIN_2010: &str = include_str!("builtin_2010.toml");
pub const BUILTIN_2010_NAME: &str = "builtin_2010.toml";

/// One problem in a campaign file: where (line, field path) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignError {
    pub line: Option<usize>,
    pub path: String,
    pub message: Message,
}

/// All the problems found in a file, printed one per line as `FILE line N: PATH: MESSAGE`.
#[derive(Debug, Clone)]
pub struct CampaignErrors {
    pub file: String,
    pub errors: Vec<CampaignError>,
}

impl CampaignErrors {
    /// Every problem, one per line, in `lang`.
    pub fn render(&self, lang: crate::i18n::Lang) -> String {
        let mut out = String::new();
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            match e.line {
                Some(l) => out.push_str(&format!("{} line {l}: ", self.file)),
                None => out.push_str(&format!("{}: ", self.file)),
            }
            if !e.path.is_empty() {
                out.push_str(&format!("{}: ", e.path));
            }
            out.push_str(&e.message.render(lang));
        }
        out
    }
}

impl CampaignErrors {
    /// Every problem as one message, a line each, for the reader's language.
    pub fn message(&self) -> Message {
        Message::lines(self.errors.iter().map(|e| {
            let at = match e.line {
                Some(l) => Message::new("campaign.error_line").arg("line", l),
                None => Message::new("campaign.error_file"),
            };
            Message::new("campaign.error_at")
                .arg_message("at", at)
                .arg("path", &e.path)
                .arg_message("message", e.message.clone())
        }))
    }
}

impl std::fmt::Display for CampaignErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(crate::i18n::Lang::En))
    }
}

impl std::error::Error for CampaignErrors {}

/// The most grades a `[grading]` may list.
pub const MAX_GRADES: usize = 20;

/// A campaign file that parsed and passed every rule.
/// An assessment period with its dates (both days included).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Period {
    pub code: String,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// Every (Chinese, English) name pair a campaign file gives.
fn terms(f: &CampaignFile) -> Vec<(&str, &str)> {
    let mut out = vec![(f.campaign.name.as_str(), f.campaign.name_en.as_str())];
    for set in &f.activity_sets {
        out.push((&set.name, &set.name_en));
        out.extend(
            set.items
                .iter()
                .map(|i| (i.name.as_str(), i.name_en.as_str())),
        );
    }
    for s in &f.standards {
        out.push((&s.name, &s.name_en));
        out.extend(
            s.criteria
                .iter()
                .map(|c| (c.name.as_str(), c.name_en.as_str())),
        );
    }
    out.extend(
        f.categories
            .iter()
            .map(|c| (c.name.as_str(), c.name_en.as_str())),
    );
    for p in f.phases.iter().chain(&f.stages).chain(&f.periods) {
        out.push((&p.name, &p.name_en));
    }
    out.extend(
        f.honours
            .iter()
            .map(|h| (h.name.as_str(), h.name_en.as_str())),
    );
    for i in &f.inspection_items {
        out.push((&i.name, &i.name_en));
        out.push((&i.checks, &i.checks_en));
    }
    out.extend(
        f.review_grades
            .iter()
            .map(|g| (g.name.as_str(), g.name_en.as_str())),
    );
    out.extend(
        f.indicators
            .iter()
            .map(|i| (i.name.as_str(), i.name_en.as_str())),
    );
    if let Some(g) = &f.grading {
        out.extend(
            g.grades
                .iter()
                .map(|g| (g.name.as_str(), g.name_en.as_str())),
        );
    }
    out
}

/// One criterion of a standard as it applies to a subject of some category.
#[derive(Debug, Clone)]
pub struct Requirement<'a> {
    pub criterion: &'a Criterion,
    /// Its weight for the category (the standard's unless 分类指导 sets others).
    pub weight: u32,
    /// The category's own requirement, where the file gives one.
    pub specific: Option<&'a str>,
}

/// The dated entry (phase or stage) a date falls in.
fn dated_on(list: &[Phase], date: NaiveDate) -> Option<&Phase> {
    list.iter().find(|p| {
        let day = |s: &Spanned<String>| NaiveDate::parse_from_str(s.get_ref(), "%Y-%m-%d").ok();
        day(&p.starts_on).is_some_and(|d| d <= date) && day(&p.ends_on).is_some_and(|d| date <= d)
    })
}

#[derive(Debug, Clone)]
pub struct Campaign {
    pub file: CampaignFile,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

impl Campaign {
    pub fn code(&self) -> &str {
        self.file.campaign.code.get_ref()
    }

    pub fn builtin() -> Campaign {
        Campaign::load(BUILTIN_2010_NAME, BUILTIN_2010).expect("the built-in campaign is valid")
    }

    /// Parses and checks a campaign file; `file` names it in error messages.
    pub fn load(file: &str, text: &str) -> Result<Campaign, CampaignErrors> {
        let parsed: CampaignFile = toml::from_str(text).map_err(|e| CampaignErrors {
            file: file.to_string(),
            errors: vec![parse_error(text, &e)],
        })?;
        let mut check = Checker {
            text,
            errors: vec![],
        };
        check.all(&parsed);
        if !check.errors.is_empty() {
            let mut errors = check.errors;
            errors.sort_by_key(|e| e.line.unwrap_or(0));
            return Err(CampaignErrors {
                file: file.to_string(),
                errors,
            });
        }
        let date = |s: &Spanned<String>| parse_iso(s.get_ref()).expect("checked above");
        crate::i18n::add_terms(terms(&parsed));
        Ok(Campaign {
            starts_on: date(&parsed.campaign.starts_on),
            ends_on: date(&parsed.campaign.ends_on),
            file: parsed,
        })
    }

    /// The assessment periods (考核周期), in the file's order.
    pub fn periods(&self) -> Vec<Period> {
        self.file
            .periods
            .iter()
            .map(|p| Period {
                code: p.code.get_ref().clone(),
                name: p.name.clone(),
                starts_on: parse_iso(p.starts_on.get_ref()).expect("checked on load"),
                ends_on: parse_iso(p.ends_on.get_ref()).expect("checked on load"),
            })
            .collect()
    }

    pub fn period(&self, code: &str) -> Option<Period> {
        self.periods().into_iter().find(|p| p.code == code)
    }

    /// The period a date falls in, if any.
    pub fn period_of(&self, date: NaiveDate) -> Option<Period> {
        self.periods()
            .into_iter()
            .find(|p| p.starts_on <= date && date <= p.ends_on)
    }

    /// The phase (活动阶段) a date falls in, if any.
    pub fn phase_on(&self, date: NaiveDate) -> Option<&Phase> {
        dated_on(&self.file.phases, date)
    }

    /// The themed stage (主题实践阶段) a date falls in, if any.
    pub fn stage_on(&self, date: NaiveDate) -> Option<&Phase> {
        dated_on(&self.file.stages, date)
    }

    /// What a subject kind's standard asks of a subject in `category` (分类指导): each
    /// criterion with its weight for that category, the standard's words and, where the
    /// file gives them, the category's own. `None` for a kind without a standard.
    pub fn requirements(
        &self,
        kind: SubjectKind,
        category: Option<&str>,
    ) -> Option<(&Standard, Vec<Requirement<'_>>)> {
        let std = self.standard_of(kind)?;
        let weights = self.weights(std.code.get_ref(), category);
        let variation = category.and_then(|cat| {
            self.file
                .variations
                .iter()
                .find(|v| v.standard.get_ref() == std.code.get_ref() && v.category.get_ref() == cat)
        });
        let list = std
            .criteria
            .iter()
            .map(|c| Requirement {
                criterion: c,
                weight: weights.get(c.code.get_ref()).copied().unwrap_or(0),
                specific: variation
                    .and_then(|v| v.requirements.get(c.code.get_ref()))
                    .map(String::as_str),
            })
            .collect();
        Some((std, list))
    }

    /// The activity items (活动项目) a subject kind carries out, e.g. 比学习 … 争先进 for
    /// organisations and members: what a commitment's items are tagged with.
    pub fn activity_items(&self, kind: SubjectKind) -> Vec<&ActivityItem> {
        self.file
            .activity_sets
            .iter()
            .filter(|s| s.subjects.contains(&kind))
            .flat_map(|s| s.items.iter())
            .collect()
    }

    /// The points a review grade (领导点评等次) is worth.
    pub fn review_points(&self, grade: &str) -> Option<u32> {
        self.file
            .review_grades
            .iter()
            .find(|g| g.code.get_ref() == grade)
            .map(|g| g.points)
    }

    /// The weights of a standard's criteria for a category (分类指导), by criterion code.
    pub fn weights(&self, standard: &str, category: Option<&str>) -> BTreeMap<String, u32> {
        let Some(std) = self
            .file
            .standards
            .iter()
            .find(|s| s.code.get_ref() == standard)
        else {
            return BTreeMap::new();
        };
        if let Some(cat) = category
            && let Some(w) = self
                .file
                .variations
                .iter()
                .find(|v| v.standard.get_ref() == standard && v.category.get_ref() == cat)
                .and_then(|v| v.weights.as_ref())
        {
            return w.get_ref().clone();
        }
        std.criteria
            .iter()
            .map(|c| (c.code.get_ref().clone(), *c.weight.get_ref()))
            .collect()
    }
}

/// Supervision: what inspectors check.
impl Campaign {
    /// The inspection items (抽查事项) for a subject of `kind` in `category`, in the file's
    /// order: those of its kind naming its category or no category.
    pub fn inspection_items(
        &self,
        kind: SubjectKind,
        category: Option<&str>,
    ) -> Vec<&InspectionItem> {
        self.file
            .inspection_items
            .iter()
            .filter(|i| *i.subject.get_ref() == kind)
            .filter(|i| {
                i.categories.is_empty()
                    || category.is_some_and(|c| i.categories.iter().any(|x| x.get_ref() == c))
            })
            .collect()
    }

    /// An inspection item by its code.
    pub fn inspection_item(&self, code: &str) -> Option<&InspectionItem> {
        self.file
            .inspection_items
            .iter()
            .find(|i| i.code.get_ref() == code)
    }
}

/// Bulletins: the outline each kind is drafted from.
impl Campaign {
    /// The outline of `kind`: the campaign file's title and body where it gives them, the
    /// built-in ones otherwise; the tables' headings are always the built-in ones.
    pub fn bulletin_outline(
        &self,
        kind: crate::bulletin::BulletinKind,
    ) -> crate::bulletin_outline::Outline {
        let mut outline = crate::bulletin_outline::default_outline(kind).clone();
        if let Some(o) = self
            .file
            .bulletin_outlines
            .iter()
            .find(|o| o.kind.get_ref() == kind.as_str())
        {
            outline.title = o.title.clone();
            outline.body = o.body.get_ref().clone();
        }
        outline
    }
}

impl InspectionItem {
    /// Working days to rectify a shortfall found on this item.
    pub fn workdays(&self) -> u32 {
        self.rectify_workdays.as_ref().map_or(15, |d| *d.get_ref())
    }

    /// The criterion's name, from the standard of the item's kind.
    pub fn criterion_name<'a>(&self, f: &'a CampaignFile) -> Option<&'a str> {
        let c = self.criterion.as_ref()?;
        f.standards
            .iter()
            .filter(|s| s.subject == *self.subject.get_ref())
            .flat_map(|s| s.criteria.iter())
            .find(|k| k.code.get_ref() == c.get_ref())
            .map(|k| k.name.as_str())
    }
}

/// Scoring: the weights, criteria and indicators the campaign gives each kind.
impl Campaign {
    /// The standard of a subject kind, if the campaign has one.
    pub fn standard_of(&self, kind: SubjectKind) -> Option<&Standard> {
        self.file.standards.iter().find(|s| s.subject == kind)
    }

    /// The part and criterion weights for a kind and category (分类指导): the category's
    /// scoring rule, else the kind's, else the defaults.
    pub fn profile(&self, kind: SubjectKind, category: Option<&str>) -> crate::scoring::Profile {
        let rule = |cat: Option<&str>| {
            self.file.scoring.iter().find(|r| {
                r.subject == kind && r.category.as_ref().map(|c| c.get_ref().as_str()) == cat
            })
        };
        let parts = category
            .and_then(|c| rule(Some(c)))
            .or_else(|| rule(None))
            .map(|r| {
                crate::scoring::Part::ALL
                    .map(|p| r.parts.get_ref().get(p.as_str()).copied().unwrap_or(0))
            })
            .unwrap_or_else(|| crate::scoring::default_parts(kind));
        let criteria = match self.standard_of(kind) {
            Some(std) => {
                let w = self.weights(std.code.get_ref(), category);
                std.criteria
                    .iter()
                    .map(|c| w.get(c.code.get_ref()).copied().unwrap_or(0))
                    .collect()
            }
            None => vec![],
        };
        crate::scoring::Profile { parts, criteria }
    }

    /// The criterion codes of a kind's standard, in its order (none without a standard).
    pub fn criterion_codes(&self, kind: SubjectKind) -> Vec<String> {
        self.standard_of(kind)
            .map(|s| {
                s.criteria
                    .iter()
                    .map(|c| c.code.get_ref().clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The indicators of a kind, in the file's order.
    pub fn indicators_of(&self, kind: SubjectKind) -> Vec<&IndicatorSpec> {
        self.file
            .indicators
            .iter()
            .filter(|i| i.subject == kind)
            .collect()
    }

    /// The grading rule, in hundredths for thresholds; `None` when the file sets none.
    pub fn grade_rule(&self) -> Option<crate::ranking::GradeRule> {
        use crate::ranking::{GradeRule, Points};
        let g = self.file.grading.as_ref()?;
        Some(match g.by {
            GradeBy::Thresholds => GradeRule::Thresholds(
                g.grades
                    .iter()
                    .map(|s| {
                        let min = Points::from_f64(s.min.unwrap_or(0.0)).unwrap_or(Points(0));
                        (s.code.get_ref().clone(), min)
                    })
                    .collect(),
            ),
            GradeBy::Quotas => GradeRule::Quotas(
                g.grades
                    .iter()
                    .map(|s| (s.code.get_ref().clone(), s.share.unwrap_or(1.0)))
                    .collect(),
            ),
        })
    }

    /// A category's name by its code (the code itself when the file has no such category).
    pub fn category_name(&self, code: &str) -> String {
        self.file
            .categories
            .iter()
            .find(|c| c.code.get_ref() == code)
            .map_or_else(|| code.to_string(), |c| c.name.clone())
    }

    /// A grade of the campaign file by its position, best first.
    pub fn grade_at(&self, position: u8) -> Option<&GradeSpec> {
        self.file.grading.as_ref()?.grades.get(position as usize)
    }

    /// An honour (表彰项目) by its code.
    pub fn honour(&self, code: &str) -> Option<&Honour> {
        self.file.honours.iter().find(|h| h.code.get_ref() == code)
    }

    /// The quota of a nominating organisation for an honour: its own line in `quotas`, or
    /// the honour's `quota`; `None`: no limit.
    pub fn quota_for(&self, honour: &Honour, org_code: &str) -> Option<crate::selection::Quota> {
        honour
            .quotas
            .iter()
            .find(|q| q.org.get_ref() == org_code)
            .map(|q| q.spec())
            .or(honour.quota.as_ref().map(|q| *q.get_ref()))
            .and_then(|q| q.quota())
    }

    /// An honour's eligibility rules, with grades numbered as `[grading]` lists them.
    pub fn eligibility(&self, honour: &Honour) -> crate::selection::Rules {
        let e = honour.eligibility_spec();
        let specs = self
            .file
            .grading
            .as_ref()
            .map_or(&[][..], |g| &g.grades[..]);
        let min_grade = e.min_grade.as_ref().and_then(|g| {
            let at = specs.iter().position(|x| x.code.get_ref() == g.get_ref())?;
            Some((specs.iter().map(|x| x.name.clone()).collect(), at))
        });
        crate::selection::Rules {
            formal_members_only: e.formal_members_only,
            no_sanction: e.no_sanction,
            min_grade,
            min_satisfaction: e.min_satisfaction,
            org_kinds: e
                .org_kinds
                .iter()
                .filter_map(|k| crate::org::OrgKind::parse(k.get_ref()))
                .collect(),
        }
    }
}

fn parse_error(text: &str, e: &toml::de::Error) -> CampaignError {
    // toml's message already carries the line and a caret; keep its first line of
    // explanation and give the line ourselves so every error has one shape.
    let line = e.span().map(|s| line_of(text, s.start));
    CampaignError {
        line,
        path: String::new(),
        message: Message::verbatim(e.message()),
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|b| *b == b'\n')
        .count()
        + 1
}

fn parse_iso(s: &str) -> Option<NaiveDate> {
    if s.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn valid_code(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

struct Checker<'t> {
    text: &'t str,
    errors: Vec<CampaignError>,
}

impl Checker<'_> {
    fn at<T>(&mut self, spanned: &Spanned<T>, path: String, message: Message) {
        let line = Some(line_of(self.text, spanned.span().start));
        self.errors.push(CampaignError {
            line,
            path,
            message,
        });
    }

    fn code(&mut self, code: &Spanned<String>, path: &str, seen: &mut HashMap<String, usize>) {
        let line = line_of(self.text, code.span().start);
        if !valid_code(code.get_ref()) {
            self.at(
                code,
                format!("{path}.code"),
                Message::of("campaign.code_pattern", &[("code", code.get_ref())]),
            );
        }
        if let Some(first) = seen.get(code.get_ref()) {
            self.at(
                code,
                format!("{path}.code"),
                Message::of(
                    "campaign.duplicate_code",
                    &[("code", code.get_ref()), ("line", first)],
                ),
            );
        } else {
            seen.insert(code.get_ref().clone(), line);
        }
    }

    fn date(&mut self, d: &Spanned<String>, path: String) -> Option<NaiveDate> {
        let parsed = parse_iso(d.get_ref());
        if parsed.is_none() {
            self.at(
                d,
                path,
                Message::of("campaign.bad_date", &[("value", d.get_ref())]),
            );
        }
        parsed
    }

    fn range(
        &mut self,
        starts: &Spanned<String>,
        ends: &Spanned<String>,
        path: &str,
    ) -> Option<(NaiveDate, NaiveDate)> {
        let s = self.date(starts, format!("{path}.starts_on"));
        let e = self.date(ends, format!("{path}.ends_on"));
        let (s, e) = (s?, e?);
        if s > e {
            self.at(
                ends,
                format!("{path}.ends_on"),
                Message::of("campaign.ends_before_start", &[]),
            );
            return None;
        }
        Some((s, e))
    }

    fn all(&mut self, f: &CampaignFile) {
        let mut seen = HashMap::new();
        self.code(&f.campaign.code, "campaign", &mut seen);
        let campaign = self.range(&f.campaign.starts_on, &f.campaign.ends_on, "campaign");

        let (mut sets, mut items) = (HashMap::new(), HashMap::new());
        for (i, set) in f.activity_sets.iter().enumerate() {
            self.code(&set.code, &format!("activity_sets[{i}]"), &mut sets);
            for (j, item) in set.items.iter().enumerate() {
                self.code(
                    &item.code,
                    &format!("activity_sets[{i}].items[{j}]"),
                    &mut items,
                );
            }
        }

        let mut standards = HashMap::new();
        let mut subjects: HashMap<SubjectKind, String> = HashMap::new();
        for (i, s) in f.standards.iter().enumerate() {
            let path = format!("standards[{i}]");
            self.code(&s.code, &path, &mut standards);
            if let Some(first) = subjects.get(&s.subject) {
                self.at(
                    &s.code,
                    format!("{path}.subject"),
                    Message::of(
                        "campaign.second_standard",
                        &[("subject", &s.subject.as_str()), ("first", first)],
                    ),
                );
            } else {
                subjects.insert(s.subject, s.code.get_ref().clone());
            }
            let mut crit = HashMap::new();
            for (j, c) in s.criteria.iter().enumerate() {
                self.code(&c.code, &format!("{path}.criteria[{j}]"), &mut crit);
            }
            let sum: u32 = s.criteria.iter().map(|c| *c.weight.get_ref()).sum();
            if sum != 100 {
                let msg = Message::of(
                    "campaign.weights_sum",
                    &[("standard", s.code.get_ref()), ("sum", &sum)],
                );
                match s.criteria.last() {
                    Some(last) => self.at(
                        &last.weight,
                        format!("{path}.criteria[{}].weight", s.criteria.len() - 1),
                        msg,
                    ),
                    None => self.at(&s.code, format!("{path}.criteria"), msg),
                }
            }
        }

        let mut cats = HashMap::new();
        for (i, c) in f.categories.iter().enumerate() {
            self.code(&c.code, &format!("categories[{i}]"), &mut cats);
        }

        let mut varied = HashSet::new();
        for (i, v) in f.variations.iter().enumerate() {
            self.variation(f, i, v, &cats, &mut varied);
        }

        self.sequence(&f.phases, "phases", campaign);
        self.sequence(&f.periods, "periods", campaign);
        self.opens(f);
        let mut stages = HashMap::new();
        for (i, p) in f.stages.iter().enumerate() {
            let path = format!("stages[{i}]");
            self.code(&p.code, &path, &mut stages);
            if let Some((s, e)) = self.range(&p.starts_on, &p.ends_on, &path) {
                self.within(campaign, p, s, e, &path);
            }
        }

        let mut honours = HashMap::new();
        for (i, h) in f.honours.iter().enumerate() {
            let path = format!("honours[{i}]");
            self.code(&h.code, &path, &mut honours);
            if !(1..=30).contains(&h.notice_workdays) {
                self.at(
                    &h.code,
                    format!("{path}.notice_workdays"),
                    Message::of("campaign.notice_workdays", &[("value", &h.notice_workdays)]),
                );
            }
            self.honour(f, h, &path);
        }

        self.scoring(f, &cats);
        self.indicators(f);
        self.inspection_items(f, &cats);
        self.bulletin_outlines(f);
        if let Some(g) = &f.grading {
            self.grading(g);
        }

        let mut grades = HashMap::new();
        for (i, g) in f.review_grades.iter().enumerate() {
            self.code(&g.code, &format!("review_grades[{i}]"), &mut grades);
        }
        if f.review_grades.is_empty() {
            self.errors.push(CampaignError {
                line: None,
                path: "review_grades".into(),
                message: Message::of("campaign.no_grades", &[]),
            });
        }
    }

    /// Dated entries that must lie within the campaign and must not overlap each other.
    fn sequence(&mut self, list: &[Phase], key: &str, campaign: Option<(NaiveDate, NaiveDate)>) {
        let mut codes = HashMap::new();
        let mut ranges: Vec<(usize, NaiveDate, NaiveDate)> = vec![];
        for (i, p) in list.iter().enumerate() {
            let path = format!("{key}[{i}]");
            self.code(&p.code, &path, &mut codes);
            if let Some((s, e)) = self.range(&p.starts_on, &p.ends_on, &path) {
                self.within(campaign, p, s, e, &path);
                if let Some((j, _, _)) = ranges.iter().find(|(_, s2, e2)| s <= *e2 && *s2 <= e) {
                    self.at(
                        &p.starts_on,
                        format!("{path}.starts_on"),
                        Message::of(
                            "campaign.phase_overlap",
                            &[("other", list[*j].code.get_ref())],
                        ),
                    );
                }
                ranges.push((i, s, e));
            }
        }
    }

    /// Only phases open work, and only work the system knows.
    fn opens(&mut self, f: &CampaignFile) {
        for (i, p) in f.phases.iter().enumerate() {
            for (j, a) in p.opens.iter().enumerate() {
                if PhasedAction::parse(a.get_ref()).is_none() {
                    let known: Vec<&str> = PhasedAction::ALL.iter().map(|a| a.as_str()).collect();
                    self.at(
                        a,
                        format!("phases[{i}].opens[{j}]"),
                        Message::of(
                            "campaign.unknown_action",
                            &[("action", a.get_ref()), ("known", &known.join(", "))],
                        ),
                    );
                }
            }
        }
        for (key, list) in [("stages", &f.stages), ("periods", &f.periods)] {
            for (i, p) in list.iter().enumerate() {
                if let Some(a) = p.opens.first() {
                    self.at(
                        a,
                        format!("{key}[{i}].opens"),
                        Message::of("campaign.opens_phases_only", &[]),
                    );
                }
            }
        }
    }

    fn within(
        &mut self,
        campaign: Option<(NaiveDate, NaiveDate)>,
        p: &Phase,
        s: NaiveDate,
        e: NaiveDate,
        path: &str,
    ) {
        let Some((cs, ce)) = campaign else { return };
        if s < cs {
            self.at(
                &p.starts_on,
                format!("{path}.starts_on"),
                Message::of("campaign.outside", &[]),
            );
        }
        if e > ce {
            self.at(
                &p.ends_on,
                format!("{path}.ends_on"),
                Message::of("campaign.outside", &[]),
            );
        }
    }

    fn scoring(&mut self, f: &CampaignFile, cats: &HashMap<String, usize>) {
        let mut seen = HashSet::new();
        for (i, r) in f.scoring.iter().enumerate() {
            let path = format!("scoring[{i}]");
            let cat = r.category.as_ref().map(|c| c.get_ref().clone());
            if let Some(c) = &r.category
                && !cats.contains_key(c.get_ref())
            {
                self.at(
                    c,
                    format!("{path}.category"),
                    Message::of("campaign.unknown_category", &[("code", c.get_ref())]),
                );
            }
            if !seen.insert((r.subject, cat)) {
                self.at(
                    &r.parts,
                    path.clone(),
                    Message::of("campaign.duplicate_scoring", &[]),
                );
            }
            let unknown: Vec<&str> = r
                .parts
                .get_ref()
                .keys()
                .filter(|k| crate::scoring::Part::parse(k).is_none())
                .map(String::as_str)
                .collect();
            let sum: u32 = r.parts.get_ref().values().sum();
            if !unknown.is_empty() {
                let known: Vec<&str> = crate::scoring::Part::ALL
                    .iter()
                    .map(|p| p.as_str())
                    .collect();
                self.at(
                    &r.parts,
                    format!("{path}.parts"),
                    Message::of(
                        "campaign.unknown_parts",
                        &[
                            ("unknown", &unknown.join(", ")),
                            ("known", &known.join(", ")),
                        ],
                    ),
                );
            } else if sum != 100 {
                self.at(
                    &r.parts,
                    format!("{path}.parts"),
                    Message::of("campaign.parts_sum", &[("sum", &sum)]),
                );
            }
        }
    }

    /// Inspection items: of organisations or teams, in known categories, under a criterion
    /// of their kind's standard, with a deadline a rectification can keep.
    fn inspection_items(&mut self, f: &CampaignFile, cats: &HashMap<String, usize>) {
        let mut codes = HashMap::new();
        for (i, item) in f.inspection_items.iter().enumerate() {
            let path = format!("inspection_items[{i}]");
            self.code(&item.code, &path, &mut codes);
            let kind = *item.subject.get_ref();
            if !matches!(kind, SubjectKind::Organisation | SubjectKind::Team) {
                self.at(
                    &item.subject,
                    format!("{path}.subject"),
                    Message::of("campaign.inspection_subject", &[]),
                );
            }
            for c in &item.categories {
                if !cats.contains_key(c.get_ref()) {
                    self.at(
                        c,
                        format!("{path}.categories"),
                        Message::of("campaign.unknown_category", &[("code", c.get_ref())]),
                    );
                }
            }
            if let Some(c) = &item.criterion {
                let known = f.standards.iter().any(|s| {
                    s.subject == kind && s.criteria.iter().any(|k| k.code.get_ref() == c.get_ref())
                });
                if !known {
                    self.at(
                        c,
                        format!("{path}.criterion"),
                        Message::of("campaign.unknown_criterion", &[("code", c.get_ref())]),
                    );
                }
            }
            if let Some(d) = &item.rectify_workdays
                && !(1..=60).contains(d.get_ref())
            {
                self.at(
                    d,
                    format!("{path}.rectify_workdays"),
                    Message::of("campaign.rectify_workdays", &[("value", d.get_ref())]),
                );
            }
        }
    }

    /// Bulletin outlines: one per known kind, quoting only the kind's figures and tables,
    /// headings in order; a problem is named by the file's line.
    fn bulletin_outlines(&mut self, f: &CampaignFile) {
        use crate::bulletin::BulletinKind;
        let mut seen = HashMap::new();
        for (i, o) in f.bulletin_outlines.iter().enumerate() {
            let path = format!("bulletin_outlines[{i}]");
            let Some(kind) = BulletinKind::parse(o.kind.get_ref()) else {
                let known: Vec<&str> = BulletinKind::ALL.iter().map(|k| k.as_str()).collect();
                self.at(
                    &o.kind,
                    format!("{path}.kind"),
                    Message::of(
                        "campaign.unknown_bulletin_kind",
                        &[("kind", o.kind.get_ref()), ("known", &known.join(", "))],
                    ),
                );
                continue;
            };
            let line = line_of(self.text, o.kind.span().start);
            if let Some(first) = seen.insert(kind, line) {
                self.at(
                    &o.kind,
                    format!("{path}.kind"),
                    Message::of(
                        "campaign.duplicate_code",
                        &[("code", o.kind.get_ref()), ("line", &first)],
                    ),
                );
            }
            if let Err(problems) =
                crate::bulletin_outline::check_outline(kind, &o.title, o.body.get_ref())
            {
                // A body written `body = """` starts on the line after the quotes.
                let start = line_of(self.text, o.body.span().start);
                let opens_block = self.text[o.body.span().start..].starts_with("\"\"\"\n");
                for p in problems {
                    let (line, field) = if p.line == 0 {
                        (line_of(self.text, o.kind.span().start), "title")
                    } else {
                        (start + p.line - usize::from(!opens_block), "body")
                    };
                    self.errors.push(CampaignError {
                        line: Some(line),
                        path: format!("{path}.{field}"),
                        message: p.message,
                    });
                }
            }
        }
    }

    fn indicators(&mut self, f: &CampaignFile) {
        let mut codes = HashMap::new();
        for (i, ind) in f.indicators.iter().enumerate() {
            let path = format!("indicators[{i}]");
            self.code(&ind.code, &path, &mut codes);
            if ind.weight == 0 {
                self.at(
                    &ind.code,
                    format!("{path}.weight"),
                    Message::of("campaign.zero_weight", &[]),
                );
            }
            if ind.source == IndicatorSource::Rectification
                && ind.subject != SubjectKind::Organisation
            {
                self.at(
                    &ind.code,
                    format!("{path}.source"),
                    Message::of("campaign.rectification_source", &[]),
                );
            }
            let Some(c) = &ind.criterion else { continue };
            let standard = f.standards.iter().find(|s| s.subject == ind.subject);
            let known = standard
                .is_some_and(|s| s.criteria.iter().any(|k| k.code.get_ref() == c.get_ref()));
            if !known {
                self.at(
                    c,
                    format!("{path}.criterion"),
                    Message::of("campaign.unknown_criterion", &[("code", c.get_ref())]),
                );
            }
        }
    }

    /// An honour's quotas, eligibility rules and the honour it recommends from.
    fn honour(&mut self, f: &CampaignFile, h: &Honour, path: &str) {
        if let Some(q) = &h.quota
            && q.get_ref().quota().is_none()
        {
            self.at(
                q,
                format!("{path}.quota"),
                Message::of("campaign.bad_quota", &[]),
            );
        }
        let mut orgs = HashSet::new();
        for (i, q) in h.quotas.iter().enumerate() {
            let at = format!("{path}.quotas[{i}]");
            if q.spec().quota().is_none() {
                self.at(&q.org, at.clone(), Message::of("campaign.bad_quota", &[]));
            }
            if q.org.get_ref().trim().is_empty() || !orgs.insert(q.org.get_ref().clone()) {
                self.at(
                    &q.org,
                    format!("{at}.org"),
                    Message::of("campaign.quota_org", &[("org", q.org.get_ref())]),
                );
            }
        }
        let Some(spanned) = &h.eligibility else {
            return self.honour_from(f, h, path);
        };
        let e = spanned.get_ref();
        if e.formal_members_only && !matches!(h.subject, SubjectKind::Member | SubjectKind::Cadre) {
            self.at(
                spanned,
                format!("{path}.eligibility.formal_members_only"),
                Message::of("campaign.formal_for_people", &[]),
            );
        }
        if let Some(g) = &e.min_grade {
            let known = f
                .grading
                .as_ref()
                .is_some_and(|gr| gr.grades.iter().any(|x| x.code.get_ref() == g.get_ref()));
            if !known {
                self.at(
                    g,
                    format!("{path}.eligibility.min_grade"),
                    Message::of("campaign.unknown_grade", &[("grade", g.get_ref())]),
                );
            }
        }
        for (i, k) in e.org_kinds.iter().enumerate() {
            let at = format!("{path}.eligibility.org_kinds[{i}]");
            if h.subject != SubjectKind::Organisation {
                self.at(k, at, Message::of("campaign.org_kinds_for_orgs", &[]));
            } else if crate::org::OrgKind::parse(k.get_ref()).is_none() {
                self.at(
                    k,
                    at,
                    Message::of("campaign.unknown_org_kind", &[("kind", k.get_ref())]),
                );
            }
        }
        if let Some(r) = e.min_satisfaction
            && !(0.0..=1.0).contains(&r)
        {
            self.at(
                spanned,
                format!("{path}.eligibility.min_satisfaction"),
                Message::of("campaign.min_satisfaction", &[("value", &r)]),
            );
        }
        self.honour_from(f, h, path);
    }

    fn honour_from(&mut self, f: &CampaignFile, h: &Honour, path: &str) {
        if let Some(from) = &h.from {
            let below = f
                .honours
                .iter()
                .find(|o| o.code.get_ref() == from.get_ref());
            let ok = below.is_some_and(|b| {
                b.code.get_ref() != h.code.get_ref()
                    && b.subject == h.subject
                    && (b.level as u8) < (h.level as u8)
            });
            if !ok {
                self.at(
                    from,
                    format!("{path}.from"),
                    Message::of("campaign.honour_from", &[("code", from.get_ref())]),
                );
            }
        }
    }

    fn grading(&mut self, g: &Grading) {
        let mut codes = HashMap::new();
        let last = g.grades.len().saturating_sub(1);
        for (i, grade) in g.grades.iter().enumerate() {
            let path = format!("grading.grades[{i}]");
            self.code(&grade.code, &path, &mut codes);
            let ok = match g.by {
                GradeBy::Thresholds => grade.min.is_some_and(|m| (0.0..=100.0).contains(&m)),
                GradeBy::Quotas => {
                    i == last || grade.share.is_some_and(|s| (0.0..=1.0).contains(&s))
                }
            };
            if !ok {
                let key = match g.by {
                    GradeBy::Thresholds => "campaign.grade_min",
                    GradeBy::Quotas => "campaign.grade_share",
                };
                self.at(&grade.code, path, Message::of(key, &[]));
            }
        }
        if g.grades.is_empty() {
            self.errors.push(CampaignError {
                line: None,
                path: "grading.grades".into(),
                message: Message::of("campaign.no_grading", &[]),
            });
        }
        // A ranked subject keeps its grade as a byte (u8::MAX: none).
        if g.grades.len() > MAX_GRADES {
            self.errors.push(CampaignError {
                line: None,
                path: "grading.grades".into(),
                message: Message::of("campaign.too_many_grades", &[("max", &MAX_GRADES)]),
            });
        }
        // Best first: each grade's minimum below the one before, or a subject would be
        // given the first grade it reaches in file order, not its best.
        if g.by == GradeBy::Thresholds {
            for (i, pair) in g.grades.windows(2).enumerate() {
                if let (Some(a), Some(b)) = (pair[0].min, pair[1].min)
                    && b >= a
                {
                    self.at(
                        &pair[1].code,
                        format!("grading.grades[{}].min", i + 1),
                        Message::of("campaign.grade_order", &[]),
                    );
                }
            }
        }
    }

    fn variation(
        &mut self,
        f: &CampaignFile,
        i: usize,
        v: &Variation,
        cats: &HashMap<String, usize>,
        varied: &mut HashSet<(String, String)>,
    ) {
        let path = format!("variations[{i}]");
        let mut ok = true;
        if !cats.contains_key(v.category.get_ref()) {
            self.at(
                &v.category,
                format!("{path}.category"),
                Message::of(
                    "campaign.unknown_category",
                    &[("code", v.category.get_ref())],
                ),
            );
            ok = false;
        }
        let standard = f
            .standards
            .iter()
            .find(|s| s.code.get_ref() == v.standard.get_ref());
        if standard.is_none() {
            self.at(
                &v.standard,
                format!("{path}.standard"),
                Message::of(
                    "campaign.unknown_standard",
                    &[("code", v.standard.get_ref())],
                ),
            );
        }
        let (Some(standard), true) = (standard, ok) else {
            return;
        };
        if !varied.insert((v.category.get_ref().clone(), v.standard.get_ref().clone())) {
            self.at(
                &v.category,
                path.clone(),
                Message::of("campaign.duplicate_variation", &[]),
            );
        }
        let criteria: HashSet<&str> = standard
            .criteria
            .iter()
            .map(|c| c.code.get_ref().as_str())
            .collect();
        if let Some(w) = &v.weights {
            let given: HashSet<&str> = w.get_ref().keys().map(String::as_str).collect();
            let mut missing: Vec<&str> = criteria.difference(&given).copied().collect();
            let mut unknown: Vec<&str> = given.difference(&criteria).copied().collect();
            missing.sort_unstable();
            unknown.sort_unstable();
            let sum: u32 = w.get_ref().values().sum();
            if !missing.is_empty() || !unknown.is_empty() {
                self.at(
                    w,
                    format!("{path}.weights"),
                    Message::of(
                        "campaign.variation_weights_keys",
                        &[
                            ("missing", &missing.join(", ")),
                            ("unknown", &unknown.join(", ")),
                        ],
                    ),
                );
            } else if sum != 100 {
                self.at(
                    w,
                    format!("{path}.weights"),
                    Message::of("campaign.variation_weights_sum", &[("sum", &sum)]),
                );
            }
        }
        for key in v.requirements.keys() {
            if !criteria.contains(key.as_str()) {
                self.at(
                    &v.standard,
                    format!("{path}.requirements.{key}"),
                    Message::of("campaign.unknown_criterion", &[("code", key)]),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_category_reads_its_own_requirements_and_the_day_names_phase_and_stage() {
        let c = Campaign::builtin();
        let specific = |kind, cat: &str| -> Vec<String> {
            c.requirements(kind, Some(cat))
                .unwrap()
                .1
                .iter()
                .filter_map(|r| r.specific.map(str::to_string))
                .collect()
        };
        for kind in [SubjectKind::Organisation, SubjectKind::Member] {
            for cat in ["rural", "community", "school", "non-public"] {
                assert_eq!(specific(kind, cat).len(), 5, "{kind:?} {cat}");
            }
            assert_ne!(specific(kind, "rural"), specific(kind, "community"));
        }
        assert!(specific(SubjectKind::Organisation, "rural")[0].contains("村"));
        // A category without 分类指导 keeps the standard's words and weights.
        let (std, plain) = c.requirements(SubjectKind::Organisation, None).unwrap();
        assert_eq!(std.name, "五个好");
        assert!(plain.iter().all(|r| r.specific.is_none() && r.weight == 20));
        let weights: u32 = c
            .requirements(SubjectKind::Organisation, Some("non-public"))
            .unwrap()
            .1
            .iter()
            .map(|r| r.weight)
            .sum();
        assert_eq!(weights, 100);
        let day = NaiveDate::from_ymd_opt(2011, 3, 1).unwrap();
        assert_eq!(c.phase_on(day).unwrap().name, "组织实施");
        assert_eq!(c.stage_on(day).unwrap().name, "以优异成绩迎接建党90周年");
        assert!(
            c.phase_on(NaiveDate::from_ymd_opt(2013, 1, 1).unwrap())
                .is_none()
        );
        assert_eq!(c.file.campaign.theme, "当科学发展先锋，做干事创业楷模");
    }

    #[test]
    fn names_the_file_gives_are_shown_in_the_readers_language() {
        use crate::i18n::{Lang, term};
        Campaign::builtin();
        // A period, a criterion, a grade, an honour: the file's English names.
        assert_eq!(term(Lang::En, "2011年上半年"), "First half of 2011");
        assert_eq!(term(Lang::En, "群众反映好"), "Good public standing");
        assert_eq!(term(Lang::En, "优秀"), "Excellent");
        assert_ne!(term(Lang::En, "先进基层党组织"), "先进基层党组织");
        // The kinds of organisation and of service carrier, named in Chinese by the domain:
        // English whether or not a campaign file was ever loaded.
        assert_eq!(crate::vocabulary::term(Lang::En, "党支部"), "branch");
        assert_eq!(
            crate::vocabulary::term(Lang::En, "党员先锋岗"),
            "Party members' vanguard post"
        );
        assert_eq!(
            crate::vocabulary::term(Lang::En, "2011年上半年"),
            "First half of 2011"
        );
        // Chinese readers read them as written; a name nobody defined stays as it is.
        assert_eq!(term(Lang::ZhCn, "2011年上半年"), "2011年上半年");
        assert_eq!(term(Lang::En, "城关北庄第1党支部"), "城关北庄第1党支部");
    }

    #[test]
    fn the_builtin_campaign_loads_with_everything_the_spec_names() {
        let c = Campaign::builtin();
        assert_eq!(c.code(), "jiaozuo-2010");
        let names: Vec<&str> = c.file.standards.iter().map(|s| s.name.as_str()).collect();
        for n in ["五个好", "五表率", "五好", "五有"] {
            assert!(names.contains(&n), "{n} missing from {names:?}");
        }
        for k in SubjectKind::ALL {
            assert!(c.file.standards.iter().any(|s| s.subject == k), "{k:?}");
        }
        let items: Vec<&str> = c
            .file
            .activity_sets
            .iter()
            .flat_map(|s| s.items.iter().map(|i| i.name.as_str()))
            .collect();
        for n in ["比学习", "比服务", "争先进", "讲政治", "讲奉献"] {
            assert!(items.contains(&n), "{n}");
        }
        let cats: Vec<&str> = c.file.categories.iter().map(|s| s.name.as_str()).collect();
        for n in ["县市区", "市直机关", "企事业单位"] {
            assert!(cats.contains(&n));
        }
        assert_eq!(c.file.phases.len(), 5);
        assert!(c.file.honours.iter().any(|h| h.name == "优秀共产党员"));
        // 分类指导: at least one category weights the standard differently.
        let base = c.weights("wu-ge-hao", None);
        assert!(
            c.file
                .categories
                .iter()
                .any(|cat| c.weights("wu-ge-hao", Some(cat.code.get_ref())) != base)
        );
    }

    fn errors_of(text: &str) -> Vec<CampaignError> {
        Campaign::load("t.toml", text).unwrap_err().errors
    }

    #[test]
    fn honours_carry_quotas_rules_and_the_honour_they_recommend_from() {
        let c = Campaign::builtin();
        let member = c.honour("excellent-member").unwrap();
        use crate::selection::Quota;
        assert_eq!(c.quota_for(member, "JZ-JF"), Some(Quota::Share(0.03)));
        let rules = c.eligibility(member);
        assert!(rules.formal_members_only && rules.no_sanction);
        assert_eq!(rules.min_grade.as_ref().map(|(_, at)| *at), Some(1), "good");
        let province = c.honour("province-excellent-member").unwrap();
        assert_eq!(
            province.from.as_ref().map(|f| f.get_ref().as_str()),
            Some("excellent-member")
        );

        // A particular organisation's quota wins over the honour's.
        let own = BUILTIN_2010.replacen(
            "quota = { share = 0.03 }",
            "quota = { share = 0.03 }\nquotas = [{ org = \"JZ-JF\", number = 4 }]",
            1,
        );
        let c = Campaign::load("t.toml", &own).unwrap();
        let member = c.honour("excellent-member").unwrap();
        assert_eq!(c.quota_for(member, "JZ-JF"), Some(Quota::Number(4)));
        assert_eq!(c.quota_for(member, "JZ-SY"), Some(Quota::Share(0.03)));
    }

    #[test]
    fn bad_quotas_rules_and_recommendations_are_refused_with_their_line() {
        let cases = [
            (
                "quota = { share = 0.03 }",
                "quota = { share = 0.03, number = 2 }",
                "quota",
            ),
            ("quota = { number = 1 }", "quota = { number = 0 }", "quota"),
            (
                "min_grade = \"good\", min_satisfaction = 0.8 }\n\n[[honours]]\ncode = \"excellent-member\"",
                "min_grade = \"best\", min_satisfaction = 0.8 }\n\n[[honours]]\ncode = \"excellent-member\"",
                "min_grade",
            ),
            (
                "eligibility = { org_kinds = [\"committee\", \"general_branch\", \"branch\"], min_grade",
                "eligibility = { formal_members_only = true, min_grade",
                "formal_members_only",
            ),
            (
                "eligibility = { org_kinds = [\"county_committee\"] }",
                "eligibility = { org_kinds = [\"county\"] }",
                "org_kinds",
            ),
            (
                "eligibility = { formal_members_only = true, no_sanction = true, min_satisfaction = 0.8 }",
                "eligibility = { org_kinds = [\"branch\"], formal_members_only = true, no_sanction = true, min_satisfaction = 0.8 }",
                "org_kinds",
            ),
            (
                "from = \"advanced-organisation\"",
                "from = \"central-advanced-organisation\"",
                "from",
            ),
            (
                "from = \"excellent-member\"",
                "from = \"advanced-organisation\"",
                "from",
            ),
        ];
        for (from, to, field) in cases {
            assert!(BUILTIN_2010.contains(from), "{from}");
            let text = BUILTIN_2010.replacen(from, to, 1);
            let errs = errors_of(&text);
            assert_eq!(errs.len(), 1, "{to}: {errs:?}");
            assert!(errs[0].path.contains(field), "{to}: {:?}", errs[0]);
            let at = BUILTIN_2010.find(from).unwrap();
            assert_eq!(errs[0].line, Some(line_of(&text, at)), "{to}");
        }
    }

    #[test]
    fn a_syntax_or_type_error_names_the_line_and_field() {
        let broken = BUILTIN_2010.replacen("weight = 20", "weight = \"twenty\"", 1);
        let errs = errors_of(&broken);
        let expected_line = line_of(&broken, broken.find("\"twenty\"").unwrap());
        assert_eq!(errs[0].line, Some(expected_line));
        let unknown = BUILTIN_2010.replacen("[campaign]\n", "[campaign]\ncolour = 1\n", 1);
        let errs = errors_of(&unknown);
        assert!(
            errs[0]
                .message
                .render(crate::i18n::Lang::En)
                .contains("colour"),
            "{:?}",
            errs[0]
        );
    }

    #[test]
    fn weights_that_do_not_sum_to_100_are_refused_at_their_line() {
        let broken = BUILTIN_2010.replacen("weight = 20", "weight = 15", 1);
        let errs = errors_of(&broken);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].path.starts_with("standards[0].criteria["));
        assert!(
            errs[0].message.render(crate::i18n::Lang::En).contains("95"),
            "{:?}",
            errs[0].message
        );
        assert!(errs[0].line.is_some());
    }

    #[test]
    fn a_second_variation_for_the_same_pair_is_refused() {
        let start = BUILTIN_2010.find("[[variations]]").unwrap();
        let end = BUILTIN_2010[start + 1..]
            .find("\n[[")
            .map_or(BUILTIN_2010.len(), |e| start + 1 + e);
        let doubled = format!("{}\n{}", BUILTIN_2010, &BUILTIN_2010[start..end]);
        let errs = errors_of(&doubled);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].path.starts_with("variations["), "{errs:?}");
    }

    #[test]
    fn bad_dates_and_duplicate_codes_are_all_reported() {
        let broken = BUILTIN_2010
            .replacen("ends_on = \"2012-06-30\"", "ends_on = \"2012-02-30\"", 1)
            .replacen("code = \"study\"", "code = \"service\"", 1);
        let errs = errors_of(&broken);
        assert!(
            errs.iter().any(|e| e.path == "campaign.ends_on"),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.message.render(crate::i18n::Lang::En).contains("service")),
            "{errs:?}"
        );
        let shown = CampaignErrors {
            file: "t.toml".into(),
            errors: errs,
        }
        .to_string();
        assert!(shown.starts_with("t.toml line "), "{shown}");
    }

    #[test]
    fn the_builtin_inspection_items_follow_the_category_and_a_bad_item_is_named_with_its_line() {
        let c = Campaign::builtin();
        let codes = |kind, cat| -> Vec<String> {
            c.inspection_items(kind, cat)
                .iter()
                .map(|i| i.code.get_ref().clone())
                .collect()
        };
        let rural = codes(SubjectKind::Organisation, Some("rural"));
        let school = codes(SubjectKind::Organisation, Some("school"));
        assert!(rural.contains(&"rural-service-station".to_string()));
        assert!(!school.contains(&"rural-service-station".to_string()));
        assert_eq!(rural.len(), school.len() + 1);
        assert!(codes(SubjectKind::Team, None).contains(&"team-decisions".to_string()));
        assert!(codes(SubjectKind::Member, None).is_empty());
        let item = c.inspection_item("org-plan").unwrap();
        assert_eq!(item.workdays(), 10);
        assert_eq!(item.criterion_name(&c.file), Some("工作机制好"));
        assert_eq!(c.inspection_item("org-masses").unwrap().workdays(), 15);

        let bad = BUILTIN_2010.replace(
            "criterion = \"decision-making\"",
            "criterion = \"leadership\"\nrectify_workdays = 0",
        );
        let errs = Campaign::load("c.toml", &bad).unwrap_err().errors;
        let keys: Vec<&str> = errs.iter().map(|e| e.message.key()).collect();
        assert_eq!(
            keys,
            ["campaign.unknown_criterion", "campaign.rectify_workdays"]
        );
        assert!(errs.iter().all(|e| e.line.is_some()));
    }

    #[test]
    fn a_bulletin_outline_replaces_the_built_in_one_and_a_bad_one_is_named_by_its_line() {
        use crate::bulletin::BulletinKind;
        let c = Campaign::builtin();
        let built_in = crate::bulletin_outline::default_outline(BulletinKind::Commendation);
        assert_eq!(c.bulletin_outline(BulletinKind::Commendation), *built_in);

        let own = format!(
            "{BUILTIN_2010}\n[[bulletin_outlines]]\nkind = \"commendation\"\n\
             title = \"关于表彰{{scope}}先进的决定\"\nbody = \"\"\"\n一、表彰名单\n{{roll_text}}\n\"\"\"\n"
        );
        let c = Campaign::load("c.toml", &own).unwrap();
        let o = c.bulletin_outline(BulletinKind::Commendation);
        assert_eq!(o.title, "关于表彰{scope}先进的决定");
        assert_eq!(
            o.tables, built_in.tables,
            "tables keep their built-in headings"
        );

        let bad = format!(
            "{BUILTIN_2010}\n[[bulletin_outlines]]\nkind = \"commendation\"\ntitle = \"t\"\n\
             body = \"\"\"\n一、表彰名单\n{{rol_text}}\n\"\"\"\n[[bulletin_outlines]]\nkind = \"weekly\"\n\
             title = \"t\"\nbody = \"b\"\n"
        );
        let errs = Campaign::load("c.toml", &bad).unwrap_err().errors;
        let lines = BUILTIN_2010.lines().count();
        let found: Vec<(Option<usize>, &str)> =
            errs.iter().map(|e| (e.line, e.message.key())).collect();
        assert_eq!(
            found,
            [
                (Some(lines + 7), "bulletin.unknown_figure"),
                (Some(lines + 10), "campaign.unknown_bulletin_kind"),
            ]
        );
    }

    #[test]
    fn scoring_rules_name_known_parts_summing_to_100_and_known_criteria() {
        let c = Campaign::builtin();
        let rural = c.profile(SubjectKind::Organisation, Some("rural"));
        let school = c.profile(SubjectKind::Organisation, Some("school"));
        assert_eq!(rural.parts.iter().sum::<u32>(), 100);
        assert_ne!(
            rural.parts, school.parts,
            "分类指导 weighs rural units differently"
        );
        assert_eq!(school.criteria.iter().sum::<u32>(), 100);
        assert!(c.grade_rule().is_some());

        let broken = BUILTIN_2010
            .replacen("mass_evaluation = 30", "mass_evalution = 30", 1)
            .replacen("leader_review = 30,", "leader_review = 20,", 1)
            .replacen("criterion = \"performance\"", "criterion = \"speed\"", 1);
        let errs = errors_of(&broken);
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(
            errs[0]
                .message
                .render(crate::i18n::Lang::En)
                .contains("mass_evalution"),
            "{errs:?}"
        );
        assert!(
            errs[1].message.render(crate::i18n::Lang::En).contains("90"),
            "{errs:?}"
        );
        assert!(errs[2].path.ends_with(".criterion"), "{errs:?}");
        assert!(errs.iter().all(|e| e.line.is_some()));
    }

    #[test]
    fn threshold_grades_must_come_best_first() {
        let start = BUILTIN_2010.find("[grading]").unwrap();
        let grading = "[grading]\nby = \"thresholds\"\n\n[[grading.grades]]\ncode = \"good\"\nname = \"良好\"\nmin = 60\n\n[[grading.grades]]\ncode = \"excellent\"\nname = \"优秀\"\nmin = 90\n";
        let file = format!("{}{}", &BUILTIN_2010[..start], grading);
        let errs = errors_of(&file);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].path, "grading.grades[1].min");
    }

    #[test]
    fn periods_are_found_by_date_and_may_not_overlap() {
        let c = Campaign::builtin();
        let codes: Vec<String> = c.periods().into_iter().map(|p| p.code).collect();
        assert_eq!(codes, ["2010", "2011-h1", "2011-h2", "2012-h1"]);
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(c.period_of(d("2011-06-30")).unwrap().code, "2011-h1");
        assert_eq!(c.period_of(d("2011-07-01")).unwrap().code, "2011-h2");
        assert!(c.period_of(d("2013-01-01")).is_none());
        let overlapping = BUILTIN_2010.replacen(
            "starts_on = \"2011-07-01\"\nends_on = \"2011-12-31\"",
            "starts_on = \"2011-06-01\"\nends_on = \"2011-12-31\"",
            1,
        );
        let errs = errors_of(&overlapping);
        assert!(
            errs.iter().any(|e| e.path.starts_with("periods[")
                && e.message.render(crate::i18n::Lang::En).contains("2011-h1")),
            "{errs:?}"
        );
    }

    #[test]
    fn commitments_are_tagged_with_the_items_of_their_subjects_activity_set() {
        let c = Campaign::builtin();
        let codes = |k| -> Vec<String> {
            c.activity_items(k)
                .iter()
                .map(|i| i.code.get_ref().clone())
                .collect()
        };
        assert!(codes(SubjectKind::Member).contains(&"study".to_string()));
        assert!(codes(SubjectKind::Cadre).contains(&"politics".to_string()));
        assert!(!codes(SubjectKind::Team).contains(&"study".to_string()));
        assert_eq!(c.review_points("fairly-good"), Some(7));
        assert_eq!(c.review_points("excellent"), None);
    }
}
