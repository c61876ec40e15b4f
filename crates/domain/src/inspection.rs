//! Supervision (督查指导): regular inspections (经常性督查) and random spot checks (随机抽查)
//! — what a plan is, the order of its steps, how an item is judged, and rectification
//! (整改) to closure. The draw itself is [`crate::draw`]; the inspection items (抽查事项清单)
//! are data in the campaign file ([`crate::campaign::InspectionItem`]).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::i18n::Message;
use crate::org::OrgKind;

serialize_as_code!(
    Judgement,
    KnownFact,
    PlanKind,
    Population,
    Strata,
    PlanStatus,
    RectificationStatus
);

/// How an item is judged (判定): 符合, 基本符合, 不符合.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Judgement {
    /// 符合
    Meets,
    /// 基本符合
    Partly,
    /// 不符合
    Fails,
}

impl Judgement {
    pub const ALL: [Judgement; 3] = [Judgement::Meets, Judgement::Partly, Judgement::Fails];

    pub fn as_str(self) -> &'static str {
        match self {
            Judgement::Meets => "meets",
            Judgement::Partly => "partly",
            Judgement::Fails => "fails",
        }
    }

    pub fn parse(s: &str) -> Option<Judgement> {
        let s = s.trim();
        Judgement::ALL
            .into_iter()
            .find(|j| j.as_str() == s)
            .or(match s {
                "符合" => Some(Judgement::Meets),
                "基本符合" => Some(Judgement::Partly),
                "不符合" => Some(Judgement::Fails),
                _ => None,
            })
    }

    pub fn name(self) -> Message {
        Message::of(format!("inspection.judgement_{}", self.as_str()), &[])
    }

    /// Whether a finding so judged opens a rectification item (整改): anything short of 符合.
    pub fn needs_rectification(self) -> bool {
        self != Judgement::Meets
    }
}

/// What the system already knows about a target and shows the inspector beside an item, so
/// that inspectors verify rather than retype.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KnownFact {
    /// Whether its implementation plan (实施方案) is approved.
    Plan,
    /// Commitments published, items due and overdue.
    Commitments,
    /// Study and service hours in the current period.
    Hours,
    /// The satisfaction of its last closed evaluation round.
    Satisfaction,
    /// When its public commitment board last changed.
    Board,
}

impl KnownFact {
    pub const ALL: [KnownFact; 5] = [
        KnownFact::Plan,
        KnownFact::Commitments,
        KnownFact::Hours,
        KnownFact::Satisfaction,
        KnownFact::Board,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            KnownFact::Plan => "plan",
            KnownFact::Commitments => "commitments",
            KnownFact::Hours => "hours",
            KnownFact::Satisfaction => "satisfaction",
            KnownFact::Board => "board",
        }
    }
}

/// A regular inspection of a fixed list, or a random spot check drawn from a population.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanKind {
    /// 经常性督查: every target listed is inspected; only the inspectors are drawn.
    Regular,
    /// 随机抽查: the targets are drawn too.
    Random,
}

impl PlanKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanKind::Regular => "regular",
            PlanKind::Random => "random",
        }
    }

    pub fn parse(s: &str) -> Option<PlanKind> {
        [PlanKind::Regular, PlanKind::Random]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    pub fn name(self) -> Message {
        Message::of(format!("inspection.kind_{}", self.as_str()), &[])
    }
}

/// What a plan's population is made of, within its scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Population {
    /// 党支部 and 党总支.
    Branches,
    /// Committees below the scope: 县(市、区)委, 工委, 基层党委.
    Committees,
    /// Leadership teams (县级领导班子) of the organisations in the scope.
    Teams,
}

impl Population {
    pub const ALL: [Population; 3] = [
        Population::Branches,
        Population::Committees,
        Population::Teams,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Population::Branches => "branches",
            Population::Committees => "committees",
            Population::Teams => "teams",
        }
    }

    pub fn parse(s: &str) -> Option<Population> {
        Population::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn name(self) -> Message {
        Message::of(format!("inspection.population_{}", self.as_str()), &[])
    }

    /// Whether an organisation of `kind` belongs to a population of organisations.
    pub fn takes(self, kind: OrgKind) -> bool {
        match self {
            Population::Branches => matches!(kind, OrgKind::Branch | OrgKind::GeneralBranch),
            Population::Committees => matches!(
                kind,
                OrgKind::CountyCommittee | OrgKind::WorkingCommittee | OrgKind::Committee
            ),
            Population::Teams => false,
        }
    }
}

/// How a random plan's population is split into strata (分层).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strata {
    /// By the organisation one level below the scope that the target lies in (for the
    /// city: its county, or the 市直机关工委).
    County,
    /// By the organisation's category (分类); uncategorised ones form one stratum.
    Category,
}

impl Strata {
    pub fn as_str(self) -> &'static str {
        match self {
            Strata::County => "county",
            Strata::Category => "category",
        }
    }

    pub fn parse(s: &str) -> Option<Strata> {
        [Strata::County, Strata::Category]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    pub fn name(self) -> Message {
        Message::of(format!("inspection.strata_{}", self.as_str()), &[])
    }
}

/// The stratum of targets without a category.
pub const UNCATEGORISED: &str = "-";

/// The draw code of a leadership team: its organisation's code and its number. Teams have
/// no code of their own in the registry, and the draw needs one that sorts and hashes.
pub fn team_code(org_code: &str, team_id: i64) -> String {
    format!("{org_code}.T{team_id}")
}

/// Where a plan stands (计划状态). Each step happens once, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PlanStatus {
    /// 草稿: its population may still change.
    Draft,
    /// 名单已公布: the population is frozen and its digest P public; waiting for the seed.
    Published,
    /// 已抽取: the seed input is entered and the draw made; inspections under way.
    Drawn,
    /// 已结束: every visit is recorded; the results are public.
    Closed,
}

impl PlanStatus {
    pub const ALL: [PlanStatus; 4] = [
        PlanStatus::Draft,
        PlanStatus::Published,
        PlanStatus::Drawn,
        PlanStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Draft => "draft",
            PlanStatus::Published => "published",
            PlanStatus::Drawn => "drawn",
            PlanStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<PlanStatus> {
        PlanStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn name(self) -> Message {
        Message::of(format!("inspection.status_{}", self.as_str()), &[])
    }

    /// Freezing the population and publishing P: from a draft only.
    pub fn may_publish(self) -> Result<(), Message> {
        match self {
            PlanStatus::Draft => Ok(()),
            _ => Err(Message::of("inspection.population_frozen", &[])),
        }
    }

    /// Entering the seed input and drawing: once, and only after P is public.
    pub fn may_draw(self) -> Result<(), Message> {
        match self {
            PlanStatus::Draft => Err(Message::of("inspection.seed_before_publish", &[])),
            PlanStatus::Published => Ok(()),
            PlanStatus::Drawn | PlanStatus::Closed => {
                Err(Message::of("inspection.drawn_once", &[]))
            }
        }
    }

    /// Recording findings: after the draw, before the plan closes.
    pub fn may_record(self) -> Result<(), Message> {
        match self {
            PlanStatus::Drawn => Ok(()),
            PlanStatus::Closed => Err(Message::of("inspection.plan_closed", &[])),
            _ => Err(Message::of("inspection.not_drawn", &[])),
        }
    }

    /// Closing: once drawn, when every task's findings are in (`open_tasks` = 0).
    pub fn may_close(self, open_tasks: usize) -> Result<(), Message> {
        match self {
            PlanStatus::Drawn if open_tasks == 0 => Ok(()),
            PlanStatus::Drawn => Err(Message::of(
                "inspection.tasks_open",
                &[("count", &open_tasks)],
            )),
            PlanStatus::Closed => Err(Message::of("inspection.plan_closed", &[])),
            _ => Err(Message::of("inspection.not_drawn", &[])),
        }
    }
}

/// Whether the public may see a plan's targets, inspectors and results: once it is closed
/// (the visits are over), or from the draw on when the plan said so. Surprise visits stay
/// surprises.
pub fn results_public(status: PlanStatus, at_once: bool) -> bool {
    status == PlanStatus::Closed || (at_once && status >= PlanStatus::Drawn)
}

/// What a plan is made from, as the office asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanSpec {
    pub name: String,
    pub kind: PlanKind,
    /// The organisation whose subtree the population comes from.
    pub scope: String,
    pub population: Population,
    pub strata: Strata,
    /// k per stratum, or a total allocated in proportion (random plans).
    pub allocation: crate::draw::Allocation,
    pub per_target: usize,
    pub cap: usize,
    pub publish_results_at_once: bool,
    /// A regular plan's targets (codes), each inspected.
    pub targets: Vec<String>,
    /// The plan a redrawn plan replaces, and why.
    pub replaces: Option<(i64, String)>,
}

impl PlanSpec {
    /// Every problem with the spec that does not need the registry to see.
    pub fn problems(&self) -> Vec<Message> {
        let mut out = vec![];
        if self.name.trim().is_empty() || self.name.chars().count() > 100 {
            out.push(Message::of("inspection.bad_name", &[]));
        }
        if !(1..=10).contains(&self.per_target) {
            out.push(Message::of(
                "inspection.bad_per_target",
                &[("value", &self.per_target)],
            ));
        }
        if self.cap == 0 {
            out.push(Message::of("inspection.bad_cap", &[]));
        }
        match (self.kind, &self.allocation) {
            (PlanKind::Regular, _) if self.targets.is_empty() => {
                out.push(Message::of("inspection.no_targets", &[]))
            }
            (
                PlanKind::Random,
                crate::draw::Allocation::PerStratum(0) | crate::draw::Allocation::Total(0),
            ) => out.push(Message::of("inspection.bad_k", &[])),
            _ => {}
        }
        if let Some((_, reason)) = &self.replaces
            && reason.trim().is_empty()
        {
            out.push(Message::of("inspection.redo_reason", &[]));
        }
        out
    }
}

/// The population as the draw takes it: stratum → codes, each code in one stratum, sorted.
pub fn strata_of(
    targets: impl IntoIterator<Item = (String, String)>,
) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (stratum, code) in targets {
        out.entry(stratum).or_default().push(code);
    }
    for codes in out.values_mut() {
        codes.sort();
        codes.dedup();
    }
    out
}

/// What a code of a frozen population stands for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct PopulationEntry {
    /// The organisation inspected: the target, or the team's.
    pub org_id: i64,
    pub team_id: Option<i64>,
    pub name: String,
}

/// A plan's population as frozen when it is published: what the draw reads, and what the
/// public page shows beside P.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct FrozenPopulation {
    /// Stratum → codes.
    pub strata: BTreeMap<String, Vec<String>>,
    /// Code → the codes from the scope down to it.
    pub paths: BTreeMap<String, Vec<String>>,
    pub entries: BTreeMap<String, PopulationEntry>,
}

impl FrozenPopulation {
    /// Its digest P.
    pub fn digest(&self) -> String {
        crate::draw::population_digest(
            self.strata
                .values()
                .flat_map(|codes| codes.iter().map(String::as_str)),
        )
    }

    pub fn len(&self) -> usize {
        self.strata.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The counts of a target's judgements (符合 / 基本符合 / 不符合).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Tally {
    pub meets: u32,
    pub partly: u32,
    pub fails: u32,
}

impl Tally {
    pub fn add(&mut self, j: Judgement) {
        match j {
            Judgement::Meets => self.meets += 1,
            Judgement::Partly => self.partly += 1,
            Judgement::Fails => self.fails += 1,
        }
    }
}

/// Where a rectification item (整改事项) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RectificationStatus {
    /// 待整改
    Open,
    /// 已报告: the organisation reported what it did, with evidence.
    Reported,
    /// 已退回: the office found the report short, and said why.
    Returned,
    /// 已销号: accepted.
    Closed,
}

/// What is done to a rectification item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RectificationStep {
    Report,
    Accept,
    Return,
}

impl RectificationStatus {
    pub const ALL: [RectificationStatus; 4] = [
        RectificationStatus::Open,
        RectificationStatus::Reported,
        RectificationStatus::Returned,
        RectificationStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RectificationStatus::Open => "open",
            RectificationStatus::Reported => "reported",
            RectificationStatus::Returned => "returned",
            RectificationStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<RectificationStatus> {
        RectificationStatus::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    pub fn name(self) -> Message {
        Message::of(format!("inspection.rectification_{}", self.as_str()), &[])
    }

    /// Whether the organisation still owes work on it (it counts against the deadline).
    pub fn awaits_report(self) -> bool {
        matches!(
            self,
            RectificationStatus::Open | RectificationStatus::Returned
        )
    }

    /// The status after `step`, or why it cannot be taken now.
    pub fn after(self, step: RectificationStep) -> Result<RectificationStatus, Message> {
        use RectificationStatus::*;
        match (self, step) {
            (Open | Returned, RectificationStep::Report) => Ok(Reported),
            (Reported, RectificationStep::Accept) => Ok(Closed),
            (Reported, RectificationStep::Return) => Ok(Returned),
            (Closed, _) => Err(Message::of("inspection.rectification_done", &[])),
            (Reported, RectificationStep::Report) => {
                Err(Message::of("inspection.rectification_waiting", &[]))
            }
            (Open | Returned, _) => Err(Message::of("inspection.rectification_unreported", &[])),
        }
    }

    /// Whether it is overdue on `today` given its deadline.
    pub fn overdue(self, deadline: chrono::NaiveDate, today: chrono::NaiveDate) -> bool {
        self.awaits_report() && today > deadline
    }
}

/// An organisation's rectification as scoring counts it (an indicator with `source =
/// "rectification"`): the share, 0–100, of its items due from `from` to `to` that were
/// reported by their due day and accepted. Items still ahead of their due day on `today`
/// and not closed are not counted yet; `None` when nothing is counted.
pub fn on_time_share(
    items: impl IntoIterator<
        Item = (
            RectificationStatus,
            chrono::NaiveDate,
            Option<chrono::NaiveDate>,
        ),
    >,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    today: chrono::NaiveDate,
) -> Option<f64> {
    let (mut counted, mut on_time) = (0u32, 0u32);
    for (status, due, reported_on) in items {
        let closed = status == RectificationStatus::Closed;
        if due < from || due > to || !(closed || due < today) {
            continue;
        }
        counted += 1;
        if closed && reported_on.is_some_and(|r| r <= due) {
            on_time += 1;
        }
    }
    (counted > 0).then(|| f64::from(on_time) * 100.0 / f64::from(counted))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draw::Allocation;
    use chrono::NaiveDate;

    #[test]
    fn a_plan_is_published_once_drawn_once_and_only_after_its_population_is_public() {
        assert!(PlanStatus::Draft.may_publish().is_ok());
        assert_eq!(
            PlanStatus::Published.may_publish().unwrap_err().key(),
            "inspection.population_frozen"
        );
        assert_eq!(
            PlanStatus::Draft.may_draw().unwrap_err().key(),
            "inspection.seed_before_publish"
        );
        assert!(PlanStatus::Published.may_draw().is_ok());
        for s in [PlanStatus::Drawn, PlanStatus::Closed] {
            assert_eq!(s.may_draw().unwrap_err().key(), "inspection.drawn_once");
            assert!(s.may_publish().is_err());
        }
    }

    #[test]
    fn findings_are_recorded_between_the_draw_and_closing_and_closing_waits_for_every_visit() {
        assert!(PlanStatus::Published.may_record().is_err());
        assert!(PlanStatus::Drawn.may_record().is_ok());
        assert!(PlanStatus::Closed.may_record().is_err());
        assert_eq!(
            PlanStatus::Drawn.may_close(2).unwrap_err().key(),
            "inspection.tasks_open"
        );
        assert!(PlanStatus::Drawn.may_close(0).is_ok());
        assert!(PlanStatus::Closed.may_close(0).is_err());
    }

    #[test]
    fn results_stay_hidden_until_the_visits_are_over_unless_the_plan_says_otherwise() {
        for s in [PlanStatus::Draft, PlanStatus::Published, PlanStatus::Drawn] {
            assert!(!results_public(s, false));
        }
        assert!(results_public(PlanStatus::Closed, false));
        assert!(!results_public(PlanStatus::Published, true));
        assert!(results_public(PlanStatus::Drawn, true));
    }

    #[test]
    fn a_rectification_item_goes_open_reported_returned_reported_closed() {
        use RectificationStatus::*;
        let s = Open.after(RectificationStep::Report).unwrap();
        assert_eq!(s, Reported);
        assert!(s.after(RectificationStep::Report).is_err());
        let s = s.after(RectificationStep::Return).unwrap();
        assert_eq!(s, Returned);
        assert!(s.after(RectificationStep::Accept).is_err());
        let s = s
            .after(RectificationStep::Report)
            .unwrap()
            .after(RectificationStep::Accept)
            .unwrap();
        assert_eq!(s, Closed);
        for step in [
            RectificationStep::Report,
            RectificationStep::Accept,
            RectificationStep::Return,
        ] {
            assert!(Closed.after(step).is_err());
        }
    }

    #[test]
    fn rectification_counts_items_reported_by_their_due_day_and_accepted() {
        use RectificationStatus::*;
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let (from, to, today) = (d("2012-01-01"), d("2012-06-30"), d("2012-03-01"));
        let items = [
            // Reported before its day and accepted: on time.
            (Closed, d("2012-01-11"), Some(d("2012-01-06"))),
            // Reported late, accepted: counted, not on time.
            (Closed, d("2012-01-11"), Some(d("2012-01-20"))),
            // Past its day, returned: counted, not on time.
            (Returned, d("2012-02-10"), Some(d("2012-02-01"))),
            // Not yet due and open: not counted yet.
            (Open, d("2012-03-15"), None),
            // Due in another period: not counted here.
            (Closed, d("2011-12-20"), Some(d("2011-12-01"))),
        ];
        let share = on_time_share(items, from, to, today).unwrap();
        assert!((share - 100.0 / 3.0).abs() < 1e-9, "{share}");
        assert_eq!(
            on_time_share([(Open, d("2012-03-15"), None)], from, to, today),
            None
        );
    }

    #[test]
    fn only_items_awaiting_a_report_are_overdue() {
        let deadline = NaiveDate::from_ymd_opt(2012, 3, 15).unwrap();
        let after = NaiveDate::from_ymd_opt(2012, 3, 16).unwrap();
        assert!(!RectificationStatus::Open.overdue(deadline, deadline));
        assert!(RectificationStatus::Open.overdue(deadline, after));
        assert!(RectificationStatus::Returned.overdue(deadline, after));
        assert!(!RectificationStatus::Reported.overdue(deadline, after));
        assert!(!RectificationStatus::Closed.overdue(deadline, after));
    }

    #[test]
    fn judgements_read_their_chinese_names_and_only_meets_closes_an_item_at_once() {
        assert_eq!(Judgement::parse("基本符合"), Some(Judgement::Partly));
        assert_eq!(Judgement::parse("fails"), Some(Judgement::Fails));
        assert_eq!(Judgement::parse("好"), None);
        assert!(!Judgement::Meets.needs_rectification());
        assert!(Judgement::Partly.needs_rectification());
        assert!(Judgement::Fails.needs_rectification());
    }

    #[test]
    fn a_spec_names_each_problem() {
        let spec = PlanSpec {
            name: " ".into(),
            kind: PlanKind::Regular,
            scope: "JZ".into(),
            population: Population::Committees,
            strata: Strata::County,
            allocation: Allocation::PerStratum(1),
            per_target: 0,
            cap: 0,
            publish_results_at_once: false,
            targets: vec![],
            replaces: Some((1, "".into())),
        };
        let keys: Vec<String> = spec.problems().iter().map(|m| m.key().into()).collect();
        assert_eq!(
            keys,
            [
                "inspection.bad_name",
                "inspection.bad_per_target",
                "inspection.bad_cap",
                "inspection.no_targets",
                "inspection.redo_reason"
            ]
        );
    }

    #[test]
    fn populations_take_the_kinds_they_name() {
        assert!(Population::Branches.takes(OrgKind::GeneralBranch));
        assert!(!Population::Branches.takes(OrgKind::Committee));
        assert!(Population::Committees.takes(OrgKind::CountyCommittee));
        assert!(!Population::Committees.takes(OrgKind::CityCommittee));
        assert!(!Population::Teams.takes(OrgKind::Branch));
    }

    #[test]
    fn strata_keep_each_code_once_in_order() {
        let s = strata_of([
            ("JZ-SY".to_string(), "JZ-SY-2".to_string()),
            ("JZ-SY".to_string(), "JZ-SY-1".to_string()),
            ("JZ-SY".to_string(), "JZ-SY-1".to_string()),
            ("JZ-JF".to_string(), "JZ-JF-1".to_string()),
        ]);
        assert_eq!(s["JZ-SY"], ["JZ-SY-1", "JZ-SY-2"]);
        assert_eq!(s.len(), 2);
    }
}
