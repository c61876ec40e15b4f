//! Public commitments (公开承诺): a subject promises (承诺), keeps its promise (践诺) and is
//! judged on it (评诺). The lifecycle is this state machine; storage records every step with
//! who, when and why, and refuses what the machine refuses.
//!
//! ```text
//! draft ──submit──▶ submitted ──approve──▶ approved ──publish──▶ published ──evaluate──▶ evaluated
//!   ▲  edit           │                                          │  report (progress)
//!   │                 └──return (with reason)──▶ returned        │  close item (kept / not kept)
//!   └──────────────── edit, submit ◀──────────────┘              ▼
//! ```

use chrono::NaiveDate;

use crate::campaign::Campaign;
use crate::i18n::Message;
use crate::subject::SubjectKind;

serialize_as_code!(Status, Step, Outcome);

/// Where a commitment is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// 草稿: being written; only its owner sees it.
    Draft,
    /// 已提交: waiting for the superior.
    Submitted,
    /// 已退回: sent back with comments, to be fixed and submitted again.
    Returned,
    /// 已审核: approved, not yet public.
    Approved,
    /// 已公开: on the public board; progress is reported and items are closed.
    Published,
    /// 已评诺: judged; nothing changes any more.
    Evaluated,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Draft,
        Status::Submitted,
        Status::Returned,
        Status::Approved,
        Status::Published,
        Status::Evaluated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Returned => "returned",
            Status::Approved => "approved",
            Status::Published => "published",
            Status::Evaluated => "evaluated",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Whether the public may see it: published and evaluated commitments only.
    pub fn public(self) -> bool {
        matches!(self, Status::Published | Status::Evaluated)
    }
}

/// What someone does to a commitment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// Change the title or the items.
    Edit,
    Submit,
    /// Send back to the owner, with a reason.
    Return,
    Approve,
    Publish,
    /// Report progress, with evidence (践诺).
    Report,
    /// Close one item as kept or not kept.
    CloseItem,
    /// Judge the whole commitment once every item is closed (评诺).
    Evaluate,
}

impl Step {
    pub const ALL: [Step; 8] = [
        Step::Edit,
        Step::Submit,
        Step::Return,
        Step::Approve,
        Step::Publish,
        Step::Report,
        Step::CloseItem,
        Step::Evaluate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Edit => "edit",
            Step::Submit => "submit",
            Step::Return => "return",
            Step::Approve => "approve",
            Step::Publish => "publish",
            Step::Report => "report",
            Step::CloseItem => "close_item",
            Step::Evaluate => "evaluate",
        }
    }

    pub fn parse(s: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Who takes this step: the owner (the subject, or its branch on its behalf) or the
    /// superior that approves and judges.
    pub fn side(self) -> Side {
        match self {
            Step::Edit | Step::Submit | Step::Report => Side::Owner,
            Step::Return | Step::Approve | Step::Publish | Step::CloseItem | Step::Evaluate => {
                Side::Superior
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Owner,
    Superior,
}

/// How an item ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Open,
    /// 已兑现
    Kept,
    /// 未兑现
    NotKept,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Open => "open",
            Outcome::Kept => "kept",
            Outcome::NotKept => "not_kept",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        [Outcome::Open, Outcome::Kept, Outcome::NotKept]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// Why a step is refused. `message` says it for a person, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The step does not apply in this status (out of order, or after publication).
    NotNow { step: Step, status: Status },
    /// Returning, and closing an item as not kept, need a reason.
    ReasonRequired,
    /// A commitment needs at least one item before it is submitted.
    NoItems,
    /// Evaluation waits until every item is closed.
    ItemsOpen(usize),
    /// The item is already closed.
    ItemClosed,
}

impl Refusal {
    pub fn message(&self) -> Message {
        match self {
            Refusal::NotNow { step, status } => Message::new("commitment.not_now")
                .arg_message(
                    "step",
                    Message::new(format!("commitment.step_{}", step.as_str())),
                )
                .arg_message(
                    "status",
                    Message::new(format!("commitment.status_{}", status.as_str())),
                ),
            Refusal::ReasonRequired => Message::of("commitment.reason_required", &[]),
            Refusal::NoItems => Message::of("commitment.no_items", &[]),
            Refusal::ItemsOpen(n) => Message::of("commitment.items_open", &[("n", n)]),
            Refusal::ItemClosed => Message::of("commitment.item_closed", &[]),
        }
    }
}

/// The status a step leads to from `status`, or why it may not be taken.
pub fn next(status: Status, step: Step) -> Result<Status, Refusal> {
    use Status::*;
    use Step::*;
    let to = match (step, status) {
        (Edit, Draft | Returned) => status,
        (Submit, Draft | Returned) => Submitted,
        (Return, Submitted) => Returned,
        (Approve, Submitted) => Approved,
        (Publish, Approved) => Published,
        (Report | CloseItem, Published) => Published,
        (Evaluate, Published) => Evaluated,
        _ => return Err(Refusal::NotNow { step, status }),
    };
    Ok(to)
}

/// What the lifecycle needs to know about a commitment to decide a step.
#[derive(Debug, Clone)]
pub struct Snapshot<'a> {
    pub status: Status,
    pub items: &'a [Outcome],
}

/// A step as asked for: which item it closes and how, and the reason given.
#[derive(Debug, Clone, Copy, Default)]
pub struct Request<'a> {
    /// For `CloseItem`: the index of the item and its outcome.
    pub item: Option<(usize, Outcome)>,
    pub reason: Option<&'a str>,
}

/// Decides a step against the whole commitment: the state machine, then the rules that
/// depend on the items and the reason.
pub fn decide(c: &Snapshot, step: Step, req: Request) -> Result<Status, Refusal> {
    let to = next(c.status, step)?;
    let reason_given = req.reason.is_some_and(|r| !r.trim().is_empty());
    match step {
        Step::Submit if c.items.is_empty() => Err(Refusal::NoItems),
        Step::Return | Step::Evaluate if !reason_given => Err(Refusal::ReasonRequired),
        Step::Evaluate => match c.items.iter().filter(|o| **o == Outcome::Open).count() {
            0 => Ok(to),
            n => Err(Refusal::ItemsOpen(n)),
        },
        Step::CloseItem => match req.item {
            Some((i, outcome)) if c.items.get(i) == Some(&Outcome::Open) => {
                if outcome == Outcome::NotKept && !reason_given {
                    Err(Refusal::ReasonRequired)
                } else if outcome == Outcome::Open {
                    Err(Refusal::ItemClosed)
                } else {
                    Ok(to)
                }
            }
            _ => Err(Refusal::ItemClosed),
        },
        _ => Ok(to),
    }
}

/// An item is overdue (逾期) when it is still open after its due date.
pub fn overdue(due_on: NaiveDate, outcome: Outcome, today: NaiveDate) -> bool {
    outcome == Outcome::Open && today > due_on
}

/// One item as the owner writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemDraft {
    /// The activity item it belongs to (比学习 …), by code.
    pub activity: String,
    /// What is promised.
    pub content: String,
    /// How fulfilment is measured (e.g. 学习不少于40学时).
    pub target: String,
    pub due_on: NaiveDate,
}

/// A problem with an item as written: which item (from 0), which field, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemIssue {
    pub index: usize,
    pub field: &'static str,
    pub message: Message,
}

pub const MAX_TITLE: usize = 100;
pub const MAX_CONTENT: usize = 500;
pub const MAX_TARGET: usize = 200;
/// Items one commitment may hold.
pub const MAX_ITEMS: usize = 30;

/// Checks a commitment's title and items for a subject kind in a campaign: every field
/// filled and not too long, the activity item one of the subject kind's, the due date
/// within the campaign.
/// `local`: the activity items a committee above the subject added for it (实施意见), as
/// (code, name), besides the campaign's own.
pub fn check_draft(
    campaign: &Campaign,
    kind: SubjectKind,
    title: &str,
    items: &[ItemDraft],
    local: &[(String, String)],
) -> Vec<ItemIssue> {
    let mut issues = Vec::new();
    let mut issue =
        |index, field, key: &'static str, args: &[(&'static str, &dyn std::fmt::Display)]| {
            issues.push(ItemIssue {
                index,
                field,
                message: Message::of(key, args),
            })
        };
    let title_len = title.trim().chars().count();
    if title_len == 0 {
        issue(0, "title", "commitment.title_required", &[]);
    } else if title_len > MAX_TITLE {
        issue(0, "title", "commitment.too_long", &[("max", &MAX_TITLE)]);
    }
    if items.len() > MAX_ITEMS {
        issue(
            MAX_ITEMS,
            "items",
            "commitment.too_many_items",
            &[("max", &MAX_ITEMS)],
        );
    }
    let activities = campaign.activity_items(kind);
    for (i, item) in items.iter().enumerate() {
        if !activities
            .iter()
            .any(|a| a.code.get_ref() == &item.activity)
            && !local.iter().any(|(code, _)| *code == item.activity)
        {
            let known: Vec<&str> = activities
                .iter()
                .map(|a| a.name.as_str())
                .chain(local.iter().map(|(_, name)| name.as_str()))
                .collect();
            issue(
                i,
                "activity",
                "commitment.unknown_activity",
                &[("known", &known.join("、"))],
            );
        }
        for (field, value, max) in [
            ("content", &item.content, MAX_CONTENT),
            ("target", &item.target, MAX_TARGET),
        ] {
            let n = value.trim().chars().count();
            if n == 0 {
                issue(i, field, "commitment.field_required", &[]);
            } else if n > max {
                issue(i, field, "commitment.too_long", &[("max", &max)]);
            }
        }
        if item.due_on < campaign.starts_on || item.due_on > campaign.ends_on {
            issue(
                i,
                "due_on",
                "commitment.due_outside",
                &[("start", &campaign.starts_on), ("end", &campaign.ends_on)],
            );
        }
    }
    issues
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;
    use Step::*;

    /// The whole machine: for every status and step, where it leads or that it is refused.
    #[test]
    fn every_allowed_and_every_forbidden_transition() {
        let allowed: &[(Status, Step, Status)] = &[
            (Draft, Edit, Draft),
            (Draft, Submit, Submitted),
            (Returned, Edit, Returned),
            (Returned, Submit, Submitted),
            (Submitted, Return, Returned),
            (Submitted, Approve, Approved),
            (Approved, Publish, Published),
            (Published, Report, Published),
            (Published, CloseItem, Published),
            (Published, Evaluate, Evaluated),
        ];
        let mut checked = 0;
        for status in Status::ALL {
            for step in Step::ALL {
                let expected = allowed
                    .iter()
                    .find(|(s, st, _)| *s == status && *st == step)
                    .map(|(_, _, to)| *to);
                match (next(status, step), expected) {
                    (Ok(to), Some(e)) => assert_eq!(to, e, "{status:?} --{step:?}-->"),
                    (Err(Refusal::NotNow { .. }), None) => {}
                    (got, want) => panic!("{status:?} --{step:?}--> {got:?}, expected {want:?}"),
                }
                checked += 1;
            }
        }
        assert_eq!(checked, 48);
    }

    #[test]
    fn nothing_is_edited_once_submitted_and_nothing_at_all_once_evaluated() {
        for status in [Submitted, Approved, Published, Evaluated] {
            assert!(next(status, Edit).is_err(), "{status:?}");
        }
        for step in Step::ALL {
            assert!(next(Evaluated, step).is_err(), "{step:?}");
        }
    }

    #[test]
    fn the_rules_beyond_the_machine() {
        let open = [Outcome::Open, Outcome::Kept];
        let c = Snapshot {
            status: Draft,
            items: &[],
        };
        assert_eq!(
            decide(&c, Submit, Request::default()),
            Err(Refusal::NoItems)
        );
        let c = Snapshot {
            status: Submitted,
            items: &open,
        };
        assert_eq!(
            decide(&c, Return, Request::default()),
            Err(Refusal::ReasonRequired)
        );
        let because = Request {
            reason: Some("目标不可衡量"),
            ..Default::default()
        };
        assert_eq!(decide(&c, Return, because), Ok(Returned));
        let c = Snapshot {
            status: Published,
            items: &open,
        };
        assert_eq!(decide(&c, Evaluate, because), Err(Refusal::ItemsOpen(1)));
        let close = |i, o, reason| Request {
            item: Some((i, o)),
            reason,
        };
        assert_eq!(
            decide(&c, CloseItem, close(0, Outcome::Kept, None)),
            Ok(Published)
        );
        assert_eq!(
            decide(&c, CloseItem, close(1, Outcome::Kept, None)),
            Err(Refusal::ItemClosed)
        );
        assert_eq!(
            decide(&c, CloseItem, close(5, Outcome::Kept, None)),
            Err(Refusal::ItemClosed)
        );
        assert_eq!(
            decide(&c, CloseItem, close(0, Outcome::NotKept, None)),
            Err(Refusal::ReasonRequired)
        );
        let all_closed = Snapshot {
            status: Published,
            items: &[Outcome::Kept, Outcome::NotKept],
        };
        assert_eq!(
            decide(&all_closed, Evaluate, Request::default()),
            Err(Refusal::ReasonRequired),
            "the evaluation is written down"
        );
        assert_eq!(decide(&all_closed, Evaluate, because), Ok(Evaluated));
        assert!(
            Refusal::ItemsOpen(2)
                .message()
                .render(crate::i18n::Lang::En)
                .contains('2')
        );
    }

    #[test]
    fn only_published_and_evaluated_commitments_are_public() {
        let public: Vec<Status> = Status::ALL.into_iter().filter(|s| s.public()).collect();
        assert_eq!(public, [Published, Evaluated]);
    }

    #[test]
    fn an_open_item_past_its_due_date_is_overdue() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(!overdue(d("2011-06-30"), Outcome::Open, d("2011-06-30")));
        assert!(overdue(d("2011-06-30"), Outcome::Open, d("2011-07-01")));
        assert!(!overdue(d("2011-06-30"), Outcome::Kept, d("2012-01-01")));
    }

    #[test]
    fn drafts_are_checked_against_the_campaign() {
        let c = Campaign::builtin();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let good = ItemDraft {
            activity: "study".into(),
            content: "系统学习党章".into(),
            target: "全年学习不少于40学时".into(),
            due_on: d("2011-06-30"),
        };
        assert!(
            check_draft(
                &c,
                SubjectKind::Member,
                "我的承诺",
                std::slice::from_ref(&good),
                &[]
            )
            .is_empty()
        );
        // An item a committee above added (实施意见) is as good as the city's own.
        let local = ItemDraft {
            activity: "local-7".into(),
            ..good.clone()
        };
        let theirs = [("local-7".to_string(), "比技能".to_string())];
        assert!(
            check_draft(
                &c,
                SubjectKind::Member,
                "我的承诺",
                std::slice::from_ref(&local),
                &theirs
            )
            .is_empty()
        );
        assert!(
            !check_draft(
                &c,
                SubjectKind::Member,
                "我的承诺",
                std::slice::from_ref(&local),
                &[]
            )
            .is_empty()
        );
        let bad = vec![
            ItemDraft {
                activity: "politics".into(),
                ..good.clone()
            },
            ItemDraft {
                target: " ".into(),
                due_on: d("2013-01-01"),
                ..good.clone()
            },
        ];
        let issues = check_draft(&c, SubjectKind::Member, "", &bad, &[]);
        let fields: Vec<(usize, &str)> = issues.iter().map(|i| (i.index, i.field)).collect();
        assert_eq!(
            fields,
            [(0, "title"), (0, "activity"), (1, "target"), (1, "due_on")]
        );
        assert!(
            issues[1]
                .message
                .render(crate::i18n::Lang::ZhCn)
                .contains("比学习"),
            "{:?}",
            issues[1].message
        );
        // Teams carry 四讲一争, in which politics is an item.
        assert!(check_draft(&c, SubjectKind::Team, "班子承诺", &bad[..1], &[]).is_empty());
    }
}
