//! The inspector's side: the tasks the draw gave an account, the checklist of a task with
//! what xianfeng already knows beside each item, findings with photos, and submitting them
//! (which opens the rectification items).

use chrono::NaiveDate;
use xianfeng_domain::campaign::InspectionItem;
use xianfeng_domain::commitment::Status;
use xianfeng_domain::i18n::Message;
use xianfeng_domain::inspection::{Judgement, KnownFact};
use xianfeng_domain::policy::{Action, Target, decide};
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::{FindingRecord, Store, TaskRecord};

use super::Who;
use crate::AppError;
use crate::files::Upload;

/// Task `id`, if `who` was drawn for it (`Action::RecordFindings`) or manages the plan's
/// scope; anyone else is told it does not exist.
pub async fn task_for(store: &Store, who: Who<'_>, id: i64) -> Result<TaskRecord, AppError> {
    let t = store
        .inspections()
        .task(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(p) = who.principal else {
        return Ok(t);
    };
    let path = xianfeng_domain::org::TreePath::from_stored(t.org_path.clone());
    let drawn = Target {
        assigned: t.inspectors.iter().any(|u| u == who.username),
        ..Target::of(&path, None)
    };
    if decide(p, Action::RecordFindings, &drawn).allowed()
        || super::managed_plan(store, who, t.plan_id).await.is_ok()
    {
        Ok(t)
    } else {
        Err(AppError::NotFound)
    }
}

/// The tasks the draw gave `who`'s account, newest plan first.
pub async fn mine(store: &Store, who: Who<'_>) -> Result<Vec<TaskRecord>, AppError> {
    Ok(store.inspections().tasks_of_inspector(who.username).await?)
}

/// One line of what xianfeng knows about the target, in the reader's language.
#[derive(Debug, Clone)]
pub struct Fact {
    pub fact: KnownFact,
    pub text: Message,
}

/// An item of a task's checklist: the item, what is known beside it, the finding so far.
pub struct ChecklistItem<'a> {
    pub item: &'a InspectionItem,
    pub criterion: Option<&'a str>,
    pub facts: Vec<Fact>,
    pub finding: Option<FindingRecord>,
}

/// A task with its checklist.
pub struct Checklist<'a> {
    pub task: TaskRecord,
    pub items: Vec<ChecklistItem<'a>>,
}

impl Checklist<'_> {
    /// The items without a finding yet.
    pub fn missing(&self) -> Vec<&str> {
        self.items
            .iter()
            .filter(|i| i.finding.is_none())
            .map(|i| i.item.name.as_str())
            .collect()
    }
}

fn kind_of(t: &TaskRecord) -> SubjectKind {
    if t.team_id.is_some() {
        SubjectKind::Team
    } else {
        SubjectKind::Organisation
    }
}

/// The items a task's target is checked on (分类指导: its kind and category).
fn items_of<'a>(
    campaign: &'a xianfeng_domain::campaign::Campaign,
    t: &TaskRecord,
) -> Vec<&'a InspectionItem> {
    let kind = kind_of(t);
    let category = match kind {
        SubjectKind::Team => None,
        _ => t.org_category.as_deref(),
    };
    campaign.inspection_items(kind, category)
}

/// What xianfeng knows about a task's target, by fact.
async fn known_facts(
    store: &Store,
    campaign_id: i64,
    campaign: &xianfeng_domain::campaign::Campaign,
    t: &TaskRecord,
    today: NaiveDate,
) -> Result<Vec<Fact>, AppError> {
    let mut out = vec![];
    let (kind, subject_id) = match t.team_id {
        Some(team) => (SubjectKind::Team, team),
        None => (SubjectKind::Organisation, t.org_id),
    };
    // The implementation plan.
    let plan = store.plans().plan(campaign_id, t.org_id).await?;
    let status = plan.map_or("none", |p| p.status.as_str());
    out.push(Fact {
        fact: KnownFact::Plan,
        text: Message::of(format!("inspection.fact_plan_{status}"), &[]),
    });
    // Commitments and hours in the current period.
    if let Some(period) = crate::figures::default_period(campaign, today) {
        let span = xianfeng_storage::Span::of(campaign_id, &period, today);
        let path = xianfeng_domain::org::TreePath::from_stored(t.org_path.clone());
        let figures = store.scores().figures(&path, &span).await?;
        let own = figures
            .iter()
            .find(|f| f.subject_kind == kind && f.subject_id == subject_id);
        let (due, kept, overdue) =
            own.map_or((0, 0, 0), |f| (f.items_due, f.items_kept, f.items_overdue));
        out.push(Fact {
            fact: KnownFact::Commitments,
            text: Message::of(
                "inspection.fact_commitments",
                &[("due", &due), ("kept", &kept), ("overdue", &overdue)],
            ),
        });
        // Hours of the organisation's members (the subtree's member rows).
        let (study, service) = figures
            .iter()
            .filter(|f| f.subject_kind == SubjectKind::Member)
            .fold((0, 0), |(s, v), f| {
                (s + f.study_tenths, v + f.service_tenths)
            });
        out.push(Fact {
            fact: KnownFact::Hours,
            text: Message::of(
                "inspection.fact_hours",
                &[
                    ("study", &format!("{:.1}", study as f64 / 10.0)),
                    ("service", &format!("{:.1}", service as f64 / 10.0)),
                ],
            )
            .arg_term("period", &period.name),
        });
    }
    // The last round that ended with this subject in it.
    let mut rounds = store.evaluation().rounds().await?;
    rounds.retain(|r| r.subject_kind == kind && r.ends_on < today);
    rounds.sort_by_key(|r| std::cmp::Reverse((r.ends_on, r.id)));
    let mut satisfaction = None;
    for r in rounds {
        let results = crate::evaluation::results(store, r.id).await?;
        if let Some(s) = results.into_iter().find(|s| s.subject_id == subject_id) {
            satisfaction = Some((r.ends_on, s.satisfaction));
            break;
        }
    }
    out.push(Fact {
        fact: KnownFact::Satisfaction,
        text: match satisfaction {
            Some((round, Some(share))) => Message::of(
                "inspection.fact_satisfaction",
                &[("ended", &round), ("pct", &format!("{:.1}", share * 100.0))],
            ),
            Some((round, None)) => Message::of("inspection.fact_no_ballots", &[("ended", &round)]),
            None => Message::of("inspection.fact_no_round", &[]),
        },
    });
    // The public board: when a published commitment last changed.
    let board = store
        .commitments()
        .commitments_in(&[t.org_id], &[Status::Published, Status::Evaluated])
        .await?;
    let last = board.iter().map(|c| c.updated_at).max();
    out.push(Fact {
        fact: KnownFact::Board,
        text: match last.and_then(chrono::DateTime::from_timestamp_millis) {
            Some(at) => Message::of(
                "inspection.fact_board",
                &[
                    ("count", &board.len()),
                    ("date", &at.date_naive().to_string()),
                ],
            ),
            None => Message::of("inspection.fact_board_empty", &[]),
        },
    });
    Ok(out)
}

/// A task's checklist: each item of its target's kind and category, with the facts the
/// item names and the finding recorded so far.
pub async fn checklist<'a>(
    store: &Store,
    campaign: &'a xianfeng_domain::campaign::Campaign,
    campaign_id: i64,
    who: Who<'_>,
    id: i64,
    today: NaiveDate,
) -> Result<Checklist<'a>, AppError> {
    let t = task_for(store, who, id).await?;
    let facts = known_facts(store, campaign_id, campaign, &t, today).await?;
    let mut findings = store.inspections().findings(t.id).await?;
    let items = items_of(campaign, &t)
        .into_iter()
        .map(|item| {
            let at = findings.iter().position(|f| f.item == *item.code.get_ref());
            ChecklistItem {
                item,
                criterion: item.criterion_name(&campaign.file),
                facts: facts
                    .iter()
                    .filter(|f| item.facts.contains(&f.fact))
                    .cloned()
                    .collect(),
                finding: at.map(|i| findings.remove(i)),
            }
        })
        .collect();
    Ok(Checklist { task: t, items })
}

/// A finding as the inspector gives it.
pub struct FindingInput<'a> {
    pub item: &'a str,
    pub judgement: Judgement,
    pub note: &'a str,
    pub photos: Vec<Upload>,
}

/// Records (or changes) the finding of one item of a task the account was drawn for. A
/// judgement short of 符合 needs a note saying what falls short.
pub async fn record_finding(
    store: &Store,
    campaign: &xianfeng_domain::campaign::Campaign,
    who: Who<'_>,
    id: i64,
    f: FindingInput<'_>,
) -> Result<i64, AppError> {
    let t = drawn_task(store, who, id).await?;
    t.plan_status.may_record().map_err(AppError::Input)?;
    if !items_of(campaign, &t)
        .iter()
        .any(|i| i.code.get_ref() == f.item)
    {
        return Err(AppError::input(
            "inspection.unknown_item",
            &[("item", &f.item)],
        ));
    }
    let note = f.note.trim();
    if note.chars().count() > 1000 {
        return Err(AppError::input(
            "inspection.note_too_long",
            &[("max", &1000)],
        ));
    }
    if f.judgement.needs_rectification() && note.is_empty() {
        return Err(AppError::input("inspection.note_needed", &[]));
    }
    let mut files = vec![];
    for u in &f.photos {
        let a = crate::files::prepare_file(u)?;
        if !a.kind.is_image() {
            return Err(AppError::input(
                "inspection.photo_only",
                &[("name", &u.file_name)],
            ));
        }
        files.push(a);
    }
    let mut tx = store.begin(who.username).await?;
    let mut ids = vec![];
    for a in &files {
        ids.push(tx.add_attachment(a).await?);
    }
    let finding = tx
        .save_finding(t.id, f.item, f.judgement, note, &ids)
        .await?;
    tx.commit().await?;
    Ok(finding)
}

/// The task, if `who` is one of the inspectors drawn for it (the office reads a task but
/// does not record findings in an inspector's name).
async fn drawn_task(store: &Store, who: Who<'_>, id: i64) -> Result<TaskRecord, AppError> {
    let t = task_for(store, who, id).await?;
    if let Some(p) = who.principal {
        let path = xianfeng_domain::org::TreePath::from_stored(t.org_path.clone());
        let drawn = Target {
            assigned: t.inspectors.iter().any(|u| u == who.username),
            ..Target::of(&path, None)
        };
        AppError::check(decide(p, Action::RecordFindings, &drawn))?;
    }
    Ok(t)
}

/// Submits a task's findings once every item has one: each finding short of 符合 opens a
/// rectification item, due in the item's working days from `today`.
pub async fn submit(
    store: &Store,
    campaign: &xianfeng_domain::campaign::Campaign,
    campaign_id: i64,
    who: Who<'_>,
    id: i64,
    today: NaiveDate,
) -> Result<usize, AppError> {
    drawn_task(store, who, id).await?;
    let list = checklist(store, campaign, campaign_id, who, id, today).await?;
    list.task
        .plan_status
        .may_record()
        .map_err(AppError::Input)?;
    if list.task.submitted_at.is_some() {
        return Err(AppError::input("store.task_submitted", &[]));
    }
    let missing = list.missing();
    if !missing.is_empty() {
        return Err(AppError::Input(
            Message::of("inspection.items_missing", &[]).arg_message(
                "items",
                Message::list(
                    missing
                        .iter()
                        .map(|m| Message::new("").arg_term("item", *m)),
                ),
            ),
        ));
    }
    // Which findings open an item is decided in the transaction, on the findings as they
    // are then; here, when each item's would be due.
    let calendar = crate::calendar::load(store).await?;
    let mut due_by_item = std::collections::BTreeMap::new();
    for i in &list.items {
        match calendar.add_workdays(today, i.item.workdays()) {
            Ok(due) => {
                due_by_item.insert(i.item.code.get_ref().clone(), due);
            }
            // Beyond the calendar: refused if this item's finding opens an item now, and
            // by the transaction if it does by then.
            Err(e)
                if i.finding
                    .as_ref()
                    .is_some_and(|f| f.judgement.needs_rectification()) =>
            {
                return Err(AppError::Input(e.message()));
            }
            Err(_) => {}
        }
    }
    let mut tx = store.begin(who.username).await?;
    let opened = tx
        .submit_task(list.task.id, list.task.org_id, &due_by_item)
        .await?;
    tx.commit().await?;
    Ok(opened)
}
