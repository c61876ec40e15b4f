//! Public commitments as accounts use them (承诺·践诺·评诺): the web and the API call these,
//! which ask the policy who may act, the domain whether the step may be taken, and then
//! write through storage.
//!
//! Who is who: the *owner* side of a commitment is its subject's own organisation (a
//! member's branch, a team's committee); the *superior* side approves and judges it —
//! the branch for a member's commitment, the parent organisation for an organisation's,
//! a team's or a cadre's (the city committee approves its own).

use chrono::NaiveDate;
use xianfeng_domain::campaign::{Campaign, PhasedAction};
use xianfeng_domain::commitment::{
    ItemDraft, Outcome, Request, Side, Snapshot, Status, Step, check_draft, decide as decide_step,
};
use xianfeng_domain::i18n::Message;
use xianfeng_domain::media::FileKind;
use xianfeng_domain::policy::{Action, Target, decide};
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::{CommitmentRecord, NewAttachment, NewCommitment, StepDetail, Store};

use crate::AppError;
use crate::actor::Actor;
use crate::files::{Upload, prepare_file};
use crate::subjects::{Subject, subject};

/// Whether `actor` may take `side`'s part on `subject`.
pub fn may(actor: &Actor, subject: &Subject, side: Side) -> Result<(), AppError> {
    match side {
        Side::Owner => {
            let (path, sector) = subject.owner_target();
            let target = match subject.member {
                Some(m) => Target::member(&path, sector.as_deref(), m),
                None => Target::of(&path, sector.as_deref()),
            };
            AppError::check(decide(actor.principal, Action::WriteCommitments, &target))
        }
        Side::Superior => {
            let path = subject.superior.tree_path();
            let target = Target::of(&path, subject.superior.sector.as_deref());
            AppError::check(decide(actor.principal, Action::ApproveCommitments, &target))
        }
    }
}

/// Whether `actor` may see `c`: public ones anyone in scope may; drafts only the owner side;
/// the rest whoever may read the subject's organisation's commitments.
pub fn may_see(actor: &Actor, subject: &Subject, c: &CommitmentRecord) -> Result<(), AppError> {
    let (path, sector) = subject.owner_target();
    let read = AppError::check(decide(
        actor.principal,
        Action::ReadCommitments,
        &Target::of(&path, sector.as_deref()),
    ));
    if c.status == Status::Draft {
        // Someone else's draft is as invisible as a commitment that does not exist,
        // whatever the reason they may not see it.
        return read
            .and_then(|_| may(actor, subject, Side::Owner))
            .map_err(|_| AppError::NotFound);
    }
    read
}

/// The activity items the committees above `s` added for it (实施意见), as (code, name).
pub async fn local_activities(
    store: &Store,
    campaign: &Campaign,
    s: &Subject,
) -> Result<Vec<(String, String)>, AppError> {
    let rules = crate::guidance::in_force_for(store, &s.org).await?;
    Ok(campaign.local_activities(s.kind, rules.iter().map(|r| &r.rule)))
}

async fn draft_problems(
    store: &Store,
    campaign: &Campaign,
    s: &Subject,
    title: &str,
    items: &[ItemDraft],
) -> Result<(), AppError> {
    let local = local_activities(store, campaign, s).await?;
    let issues = check_draft(campaign, s.kind, title, items, &local);
    if issues.is_empty() {
        return Ok(());
    }
    let lines = issues.iter().map(|i| {
        if i.field == "title" {
            i.message.clone()
        } else {
            Message::of(
                "app.item_problem",
                &[("n", &(i.index + 1)), ("field", &i.field)],
            )
            .arg_message("why", i.message.clone())
        }
    });
    Err(AppError::Input(Message::lines(lines)))
}

/// Writes a new draft commitment for a subject.
pub async fn draft(
    store: &Store,
    actor: &Actor<'_>,
    kind: SubjectKind,
    subject_id: i64,
    title: &str,
    items: &[ItemDraft],
) -> Result<i64, AppError> {
    let s = subject(store, kind, subject_id).await?;
    may(actor, &s, Side::Owner)?;
    let (campaign_id, campaign) = crate::campaigns::for_records(store).await?;
    draft_problems(store, &campaign, &s, title, items).await?;
    let mut tx = store.begin(actor.username).await?;
    let id = tx
        .create_commitment(&NewCommitment {
            campaign_id,
            subject_kind: kind,
            subject_id,
            org_id: s.org.id,
            title: title.trim().to_string(),
            items: items.to_vec(),
        })
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// A commitment with its subject, if the actor may see it.
pub async fn load(
    store: &Store,
    actor: &Actor<'_>,
    id: i64,
) -> Result<(CommitmentRecord, Subject), AppError> {
    let c = store
        .commitments()
        .commitment(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let s = subject(store, c.subject_kind, c.subject_id).await?;
    may_see(actor, &s, &c)?;
    Ok((c, s))
}

/// Changes the title and items of a draft or returned commitment.
pub async fn edit(
    store: &Store,
    actor: &Actor<'_>,
    id: i64,
    title: &str,
    items: &[ItemDraft],
) -> Result<(), AppError> {
    let (c, s) = load(store, actor, id).await?;
    may(actor, &s, Side::Owner)?;
    xianfeng_domain::commitment::next(c.status, Step::Edit)
        .map_err(|r| AppError::Input(r.message()))?;
    let (_, campaign) = crate::scope::campaign(store).await?;
    draft_problems(store, &campaign, &s, title, items).await?;
    let mut tx = store.begin(actor.username).await?;
    tx.edit_commitment(&c, title, items).await?;
    tx.commit().await?;
    Ok(())
}

/// What a step asks for, as the form or the API sent it.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    /// For closing an item: which (by id) and how.
    pub item: Option<(i64, Outcome)>,
    pub reason: Option<String>,
}

/// Takes a step of the lifecycle (submit, return, approve, publish, close an item,
/// evaluate). Progress reports go through [`report`].
pub async fn step(
    store: &Store,
    actor: &Actor<'_>,
    id: i64,
    step: Step,
    input: &StepInput,
    today: NaiveDate,
) -> Result<Status, AppError> {
    let (c, s) = load(store, actor, id).await?;
    may(actor, &s, step.side())?;
    crate::campaigns::writable(store, c.campaign_id).await?;
    if step == Step::Submit {
        crate::campaigns::open_for(store, PhasedAction::Commit, today).await?;
    }
    let outcomes = c.outcomes();
    // Only closing touches an item; an item sent with any other step is ignored.
    let item = input.item.filter(|_| step == Step::CloseItem);
    let item_index =
        item.map(|(item_id, outcome)| (c.items.iter().position(|i| i.id == item_id), outcome));
    let request = Request {
        item: match item_index {
            Some((Some(i), o)) => Some((i, o)),
            // An item of another commitment, or none: as closed as can be.
            Some((None, o)) => Some((usize::MAX, o)),
            None => None,
        },
        reason: input.reason.as_deref(),
    };
    if step == Step::CloseItem && item.is_none() {
        return Err(AppError::Input(Message::of("commitment.item_closed", &[])));
    }
    let to = decide_step(
        &Snapshot {
            status: c.status,
            items: &outcomes,
        },
        step,
        request,
    )
    .map_err(|r| AppError::Input(r.message()))?;
    let detail = StepDetail {
        item: item.map(|(item_id, outcome)| (item_id, outcome, today)),
        reason: input
            .reason
            .as_ref()
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty()),
    };
    let mut tx = store.begin(actor.username).await?;
    tx.step_commitment(&c, step, to, &detail).await?;
    tx.commit().await?;
    Ok(to)
}

/// The longest progress report.
pub const MAX_REPORT: usize = 2000;

/// Evidence files one report may carry (each at most `files::MAX_FILE_BYTES`).
pub const MAX_FILES: usize = 9;

/// Reports progress (践诺) on a published commitment, optionally on one item, with
/// evidence files.
pub async fn report(
    store: &Store,
    actor: &Actor<'_>,
    id: i64,
    item_id: Option<i64>,
    body: &str,
    files: &[Upload],
    today: NaiveDate,
) -> Result<i64, AppError> {
    let (c, s) = load(store, actor, id).await?;
    may(actor, &s, Side::Owner)?;
    crate::campaigns::writable(store, c.campaign_id).await?;
    xianfeng_domain::commitment::next(c.status, Step::Report)
        .map_err(|r| AppError::Input(r.message()))?;
    if body.trim().is_empty() || body.chars().count() > MAX_REPORT {
        return Err(AppError::Input(Message::of(
            "app.report_required",
            &[("max", &MAX_REPORT)],
        )));
    }
    if let Some(item) = item_id
        && !c.items.iter().any(|i| i.id == item)
    {
        return Err(AppError::Input(Message::of("commitment.item_closed", &[])));
    }
    if files.len() > MAX_FILES {
        return Err(AppError::Input(Message::of(
            "app.too_many_files",
            &[("n", &MAX_FILES)],
        )));
    }
    let prepared: Vec<NewAttachment> = files.iter().map(prepare_file).collect::<Result<_, _>>()?;
    let mut tx = store.begin(actor.username).await?;
    let mut ids = Vec::new();
    for a in &prepared {
        ids.push(tx.add_attachment(a).await?);
    }
    let report = tx
        .add_progress(&c, item_id, body, &today.to_string(), &ids)
        .await?;
    tx.commit().await?;
    Ok(report)
}

/// Whether a stored file may be served to `actor`: evidence of a commitment the actor may
/// see, a file of a nomination the actor may see, or the document of a plan of an
/// organisation the actor may see. Returns its kind
/// for the content type.
pub async fn evidence(
    store: &Store,
    actor: &Actor<'_>,
    attachment_id: i64,
) -> Result<(xianfeng_storage::AttachmentRecord, FileKind), AppError> {
    if let Some(commitment) = store
        .commitments()
        .attachment_commitment(attachment_id)
        .await?
    {
        load(store, actor, commitment).await?;
    } else if let Some(nomination) = store
        .selection()
        .attachment_nomination(attachment_id)
        .await?
    {
        crate::selection::view(store, Some(actor), nomination).await?;
    } else if let Some(task) = store.inspections().attachment_task(attachment_id).await? {
        crate::inspections::tasks::task_for(store, actor.into(), task).await?;
    } else if let Some(item) = store
        .inspections()
        .attachment_rectification(attachment_id)
        .await?
    {
        crate::inspections::rectify::get(store, actor.into(), item).await?;
    } else {
        let org_id = store
            .plans()
            .attachment_plan_org(attachment_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let o = store
            .registry()
            .org_by_id(org_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let path = o.tree_path();
        AppError::check(decide(
            actor.principal,
            Action::ReadOrganisation,
            &Target::of(&path, o.sector.as_deref()),
        ))?;
    }
    let a = store
        .commitments()
        .attachment(attachment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let kind = a.kind;
    Ok((a, kind))
}

/// Commitments kept at organisation `org_id` (its own, its members', its teams' and
/// cadres') that `actor` may see, each with its subject's name.
pub async fn visible_in_org(
    store: &Store,
    actor: &Actor<'_>,
    org_id: i64,
) -> Result<Vec<(CommitmentRecord, String)>, AppError> {
    let all = store
        .commitments()
        .commitments_in(&[org_id], &Status::ALL)
        .await?;
    let mut out = Vec::new();
    for c in all {
        if let Ok(subject) = subject(store, c.subject_kind, c.subject_id).await
            && may_see(actor, &subject, &c).is_ok()
        {
            out.push((c, subject.name));
        }
    }
    Ok(out)
}
