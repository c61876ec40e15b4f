//! The campaign file (活动方案): everything about a campaign that is data, not code.
//!
//! The 2010–2012 焦作 campaign ships built in (`builtin_2010.toml`); an office copies it,
//! edits it and starts a new campaign with `xianfeng campaign create --from FILE`.
//! Every field is documented in docs/CAMPAIGN-FILE.md. Unknown fields are refused so that a
//! typo never silently drops a setting.

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::scoring::Better;
use crate::subject::SubjectKind;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignFile {
    pub campaign: CampaignHeader,
    /// Activity contents (活动内容): 五比一争, 四讲一争.
    #[serde(default)]
    pub activity_sets: Vec<ActivitySet>,
    /// Standards to reach (标准): 五个好, 五表率, 五好, 五有.
    #[serde(default)]
    pub standards: Vec<Standard>,
    /// Categories of organisation (分类) used for 分类指导.
    #[serde(default)]
    pub categories: Vec<Category>,
    /// Per-category variations of a standard (分类指导的具体要求).
    #[serde(default)]
    pub variations: Vec<Variation>,
    /// Dated phases (阶段).
    #[serde(default)]
    pub phases: Vec<Phase>,
    /// Themed stages (主题实践阶段), which may overlap the phases.
    #[serde(default)]
    pub stages: Vec<Phase>,
    /// Assessment periods (考核周期): progress, reviews and scores are counted per period.
    /// They do not overlap; together they need not cover the whole campaign.
    #[serde(default)]
    pub periods: Vec<Phase>,
    /// Honours awarded at the end (表彰项目).
    #[serde(default)]
    pub honours: Vec<Honour>,
    /// Leader-review grades and their points (领导点评等次).
    #[serde(default)]
    pub review_grades: Vec<ReviewGrade>,
    /// How mass-evaluation results are computed (群众评议计分).
    #[serde(default)]
    pub evaluation: EvaluationRules,
    /// How scores are made (计分办法): the weight of each part per subject kind and, where
    /// 分类指导 asks for it, per category. A kind without a rule uses the default parts.
    #[serde(default)]
    pub scoring: Vec<ScoringRule>,
    /// Imported performance indicators (业绩指标) and how each counts.
    #[serde(default)]
    pub indicators: Vec<IndicatorSpec>,
    /// Grades (评定等次) by minimum scores or by quota shares.
    #[serde(default)]
    pub grading: Option<Grading>,
    /// The inspection items (抽查事项清单): what an inspector checks, per kind and category.
    #[serde(default)]
    pub inspection_items: Vec<InspectionItem>,
    /// Outlines of bulletins (通报提纲) replacing the built-in title and body of a kind.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bulletin_outlines: Vec<BulletinOutlineSpec>,
}

/// A kind's bulletin outline in place of the built-in one: the title and body templates,
/// `{name}` taking the kind's figures (docs/BULLETINS.md).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BulletinOutlineSpec {
    /// `progress`, `inspection`, `commendation` or `stage_summary`.
    pub kind: Spanned<String>,
    pub title: String,
    pub body: Spanned<String>,
}

/// One inspection item (抽查事项): what is checked of which subjects, the standard it comes
/// from, and what the system shows the inspector beside it. Judged 符合 / 基本符合 / 不符合.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InspectionItem {
    pub code: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    /// `organisation` or `team`.
    pub subject: Spanned<SubjectKind>,
    /// The categories it applies to (分类指导); empty: every category.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<Spanned<String>>,
    /// The standard's criterion it comes from (e.g. 五个好's 工作机制好).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criterion: Option<Spanned<String>>,
    /// How it is checked and judged.
    #[serde(default)]
    pub checks: String,
    #[serde(default)]
    pub checks_en: String,
    /// What the system already knows and shows beside it: `plan`, `commitments`, `hours`,
    /// `satisfaction`, `board`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<crate::inspection::KnownFact>,
    /// Working days the organisation has to rectify a shortfall (整改期限); 15 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rectify_workdays: Option<Spanned<u32>>,
}

/// The weights of the parts of a score for one subject kind, and optionally one category.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringRule {
    pub subject: SubjectKind,
    /// A category code (分类指导); absent for the kind's rule for every other category.
    #[serde(default)]
    pub category: Option<Spanned<String>>,
    /// Part code (`self_assessment`, `leader_review`, `mass_evaluation`, `commitments`,
    /// `activity`, `indicators`) to its weight in percent; the weights sum to 100.
    pub parts: Spanned<std::collections::BTreeMap<String, u32>>,
}

/// A performance indicator (业绩指标) whose values are imported per subject and period.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorSpec {
    pub code: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    pub subject: SubjectKind,
    pub better: Better,
    /// Its weight among the kind's indicators (relative, default 1).
    #[serde(default = "default_indicator_weight")]
    pub weight: u32,
    /// The criterion it speaks to; absent, it counts towards every criterion.
    #[serde(default)]
    pub criterion: Option<Spanned<String>>,
    #[serde(default)]
    pub unit: String,
    /// Where its values come from: `import` (the default: `xianfeng indicators import`) or
    /// `rectification` (counted by xianfeng: the share of the organisation's rectification
    /// items due in the period that were reported by their due day and accepted).
    #[serde(default, skip_serializing_if = "IndicatorSource::is_import")]
    pub source: IndicatorSource,
}

/// Where an indicator's values come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorSource {
    /// Imported from a sheet.
    #[default]
    Import,
    /// Counted from supervision's rectification items (督查整改).
    Rectification,
}

impl IndicatorSource {
    pub fn is_import(&self) -> bool {
        *self == IndicatorSource::Import
    }
}

fn default_indicator_weight() -> u32 {
    1
}

/// How grades are given among the peers ranked together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GradeBy {
    /// Each grade has a lowest score (`min`).
    Thresholds,
    /// Each grade but the last takes at most a share of the peers (`share`, 0 to 1).
    Quotas,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Grading {
    pub by: GradeBy,
    pub grades: Vec<GradeSpec>,
}

/// One grade, best first.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GradeSpec {
    pub code: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub share: Option<f64>,
}

/// The points of each verdict for the weighted score, and what counts as satisfied.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EvaluationRules {
    #[serde(default = "default_satisfied")]
    pub satisfied_points: f64,
    #[serde(default = "default_basic")]
    pub basically_satisfied_points: f64,
    #[serde(default)]
    pub dissatisfied_points: f64,
    /// Whether 基本满意 counts towards 满意率 (the usual rule) or not.
    #[serde(default = "default_true")]
    pub basic_counts_as_satisfied: bool,
}

fn default_satisfied() -> f64 {
    100.0
}

fn default_basic() -> f64 {
    60.0
}

fn default_true() -> bool {
    true
}

impl Default for EvaluationRules {
    fn default() -> Self {
        EvaluationRules {
            satisfied_points: default_satisfied(),
            basically_satisfied_points: default_basic(),
            dissatisfied_points: 0.0,
            basic_counts_as_satisfied: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignHeader {
    /// Stable identifier, lower-case letters, digits and `-`.
    pub code: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    /// Who runs it, e.g. 中共焦作市委.
    pub organiser: String,
    pub starts_on: Spanned<String>,
    pub ends_on: Spanned<String>,
    #[serde(default)]
    pub description: String,
    /// The campaign's theme (活动主题), shown on every standards page and home.
    #[serde(default)]
    pub theme: String,
    #[serde(default)]
    pub theme_en: String,
    /// The travel gap a speaker needs between lecture sessions in different counties, in
    /// minutes (巡回宣讲; 120 when not given).
    #[serde(default)]
    pub lecture_travel_minutes: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ActivitySet {
    pub code: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    /// Which subject kinds carry out this set.
    pub subjects: Vec<SubjectKind>,
    pub items: Vec<ActivityItem>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityItem {
    pub code: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Standard {
    pub code: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    /// The one subject kind evaluated against this standard.
    pub subject: SubjectKind,
    pub criteria: Vec<Criterion>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub code: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    /// Default weight in percent; the weights of a standard sum to 100.
    pub weight: Spanned<u32>,
    /// What the criterion asks for, in general terms.
    #[serde(default)]
    pub requirement: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub code: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Variation {
    /// A category code from `categories`.
    pub category: Spanned<String>,
    /// A standard code from `standards`.
    pub standard: Spanned<String>,
    /// Weights replacing the defaults, by criterion code; when present they must name every
    /// criterion of the standard and sum to 100.
    #[serde(default)]
    pub weights: Option<Spanned<std::collections::BTreeMap<String, u32>>>,
    /// Specific requirements for this category, by criterion code.
    #[serde(default)]
    pub requirements: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    pub code: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    pub starts_on: Spanned<String>,
    pub ends_on: Spanned<String>,
    #[serde(default)]
    pub description: String,
    /// The work this phase opens (phases only): `plan`, `commit`, `review`, `evaluate`,
    /// `nominate`. Work that no phase names is open throughout the campaign.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub opens: Vec<Spanned<String>>,
}

/// The level that confers an honour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HonourLevel {
    County,
    City,
    Province,
    Central,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Honour {
    pub code: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    pub subject: SubjectKind,
    pub level: HonourLevel,
    /// Length of the public notice (公示) in working days.
    #[serde(default = "default_notice_workdays")]
    pub notice_workdays: u32,
    #[serde(default)]
    pub description: String,
    /// Candidates each nominating organisation may put forward (推荐名额); none: no limit.
    #[serde(default)]
    pub quota: Option<Spanned<QuotaSpec>>,
    /// Quotas of particular nominating organisations, by organisation code.
    #[serde(default)]
    pub quotas: Vec<OrgQuota>,
    /// Who may be nominated (评选条件), checked by the system for every candidate.
    #[serde(default)]
    pub eligibility: Option<Spanned<EligibilitySpec>>,
    /// The honour whose approved candidates are recommended on for this one (a provincial
    /// honour from the city's own, say).
    #[serde(default)]
    pub from: Option<Spanned<String>>,
    /// Objections to this honour's notices must give a name and contact (实名).
    #[serde(default)]
    pub objection_real_name: bool,
}

impl Honour {
    /// The eligibility rules as written (none: anyone of the kind).
    pub fn eligibility_spec(&self) -> EligibilitySpec {
        self.eligibility
            .as_ref()
            .map(|e| e.get_ref().clone())
            .unwrap_or_default()
    }
}

/// A quota: a number of candidates, or a share of the eligible subjects.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct QuotaSpec {
    #[serde(default)]
    pub number: Option<u32>,
    #[serde(default)]
    pub share: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OrgQuota {
    pub org: Spanned<String>,
    #[serde(default)]
    pub number: Option<u32>,
    #[serde(default)]
    pub share: Option<f64>,
}

impl OrgQuota {
    pub fn spec(&self) -> QuotaSpec {
        QuotaSpec {
            number: self.number,
            share: self.share,
        }
    }
}

impl QuotaSpec {
    /// The quota, when exactly one of number (at least 1) and share (over 0, at most 1)
    /// is given.
    pub fn quota(&self) -> Option<crate::selection::Quota> {
        match (self.number, self.share) {
            (Some(n), None) if n >= 1 => Some(crate::selection::Quota::Number(n)),
            (None, Some(s)) if s > 0.0 && s <= 1.0 => Some(crate::selection::Quota::Share(s)),
            _ => None,
        }
    }
}

/// The eligibility rules of an honour.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EligibilitySpec {
    /// Members and cadres must be formal members (正式党员).
    #[serde(default)]
    pub formal_members_only: bool,
    /// No disciplinary sanction (党纪处分) recorded during the campaign.
    #[serde(default)]
    pub no_sanction: bool,
    /// The lowest grade of `[grading]` accepted, in the latest period scored.
    #[serde(default)]
    pub min_grade: Option<Spanned<String>>,
    /// The lowest satisfaction rate of mass evaluation accepted, 0–1.
    #[serde(default)]
    pub min_satisfaction: Option<f64>,
    /// For an honour of organisations: the kinds that may receive it (`county_committee`,
    /// `branch`, …); empty: any kind.
    #[serde(default)]
    pub org_kinds: Vec<Spanned<String>>,
}

fn default_notice_workdays() -> u32 {
    5
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewGrade {
    pub code: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    pub points: u32,
}
