//! Set-up records as accounts use them: an organisation submits its implementation plan
//! (实施方案) and records its mobilisation meetings; the organisation above approves or
//! returns the plan and sees, for its whole subtree, who has not submitted or is waiting.

use chrono::NaiveDate;
use xianfeng_domain::campaign::PhasedAction;
use xianfeng_domain::i18n::Message;
use xianfeng_domain::plan::{MeetingLevel, PlanStatus, PlanStep, next_plan};
use xianfeng_domain::policy::Action;
use xianfeng_storage::{MeetingRecord, NewMeeting, OrgRecord, PlanOverviewRow, PlanRecord, Store};

use crate::actor::Actor;
use crate::files::{Upload, prepare_file};
use crate::{AppError, scope};

/// The longest leadership body, plan text and meeting title.
pub const MAX_LEADERSHIP: usize = 2000;
pub const MAX_PLAN: usize = 20_000;
pub const MAX_TITLE: usize = 100;

fn allowed(actor: &Actor, action: Action, org: &OrgRecord) -> Result<(), AppError> {
    scope::allowed(actor.principal, action, org)
}

async fn campaign_id(store: &Store) -> Result<i64, AppError> {
    Ok(scope::campaign(store).await?.0)
}

/// Everything about one organisation's set-up, and what the actor may do with it.
pub struct SetUp {
    pub org: OrgRecord,
    pub plan: Option<PlanRecord>,
    pub meetings: Vec<MeetingRecord>,
    pub may_submit: bool,
    pub may_decide: bool,
    /// Whether the actor may record meetings here.
    pub may_record: bool,
}

pub async fn set_up(store: &Store, actor: &Actor<'_>, code: &str) -> Result<SetUp, AppError> {
    let o = scope::org_for(store, Some(actor.principal), code, Action::ReadOrganisation).await?;
    let campaign = campaign_id(store).await?;
    let plan = store.plans().plan(campaign, o.id).await?;
    let status = plan.as_ref().map(|p| p.status);
    let up = scope::superior(store, &o).await?;
    Ok(SetUp {
        may_submit: allowed(actor, Action::WritePlan, &o).is_ok()
            && next_plan(status, PlanStep::Submit, None).is_ok(),
        may_decide: allowed(actor, Action::ApprovePlans, &up).is_ok()
            && status == Some(PlanStatus::Submitted),
        may_record: allowed(actor, Action::WritePlan, &o).is_ok(),
        meetings: store.plans().meetings(campaign, o.id).await?,
        plan,
        org: o,
    })
}

/// Submits the plan of the organisation `code`, with an optional document.
pub async fn submit(
    store: &Store,
    actor: &Actor<'_>,
    code: &str,
    leadership_body: &str,
    body: &str,
    document: Option<&Upload>,
    today: NaiveDate,
) -> Result<(), AppError> {
    let o = scope::org_for(store, Some(actor.principal), code, Action::WritePlan).await?;
    let (campaign, _) = crate::campaigns::open_for(store, PhasedAction::Plan, today).await?;
    let before = store.plans().plan(campaign, o.id).await?;
    next_plan(before.as_ref().map(|p| p.status), PlanStep::Submit, None)
        .map_err(AppError::Input)?;
    if leadership_body.trim().is_empty()
        || body.trim().is_empty()
        || leadership_body.chars().count() > MAX_LEADERSHIP
        || body.chars().count() > MAX_PLAN
    {
        return Err(AppError::Input(Message::of(
            "app.plan_required",
            &[("max", &MAX_PLAN)],
        )));
    }
    let file = document.map(prepare_file).transpose()?;
    let mut tx = store.begin(actor.username).await?;
    let attachment = match &file {
        Some(f) => Some(tx.add_attachment(f).await?),
        None => None,
    };
    tx.submit_plan(
        campaign,
        o.id,
        before.as_ref(),
        leadership_body,
        body,
        attachment,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Approves (`approve`) or returns the submitted plan of `code`, as its superior.
pub async fn decide_plan(
    store: &Store,
    actor: &Actor<'_>,
    code: &str,
    approve: bool,
    comment: Option<&str>,
) -> Result<PlanStatus, AppError> {
    let o = scope::org_for(store, Some(actor.principal), code, Action::ReadOrganisation).await?;
    allowed(
        actor,
        Action::ApprovePlans,
        &scope::superior(store, &o).await?,
    )?;
    let campaign = campaign_id(store).await?;
    let before = store.plans().plan(campaign, o.id).await?;
    let step = if approve {
        PlanStep::Approve
    } else {
        PlanStep::Return
    };
    let to =
        next_plan(before.as_ref().map(|p| p.status), step, comment).map_err(AppError::Input)?;
    let before = before.ok_or(AppError::NotFound)?;
    let mut tx = store.begin(actor.username).await?;
    tx.decide_plan(&before, to, comment.filter(|c| !c.trim().is_empty()))
        .await?;
    tx.commit().await?;
    Ok(to)
}

/// The plan status of every organisation in `code`'s subtree.
pub async fn overview(
    store: &Store,
    actor: &Actor<'_>,
    code: &str,
) -> Result<(OrgRecord, Vec<PlanOverviewRow>), AppError> {
    let o = scope::org_for(store, Some(actor.principal), code, Action::ReadOrganisation).await?;
    let campaign = campaign_id(store).await?;
    let rows = store
        .plans()
        .plan_overview(campaign, &o.tree_path())
        .await?;
    Ok((o, rows))
}

/// A mobilisation meeting as typed.
pub struct MeetingInput<'a> {
    pub title: &'a str,
    pub held_on: &'a str,
    pub level: &'a str,
    pub attendance: &'a str,
}

/// Records a mobilisation meeting of `code`.
pub async fn add_meeting(
    store: &Store,
    actor: &Actor<'_>,
    code: &str,
    m: &MeetingInput<'_>,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let o = scope::org_for(store, Some(actor.principal), code, Action::WritePlan).await?;
    let held_on = xianfeng_domain::dates::parse_date(m.held_on)
        .filter(|d| *d <= today)
        .ok_or_else(|| {
            AppError::Input(Message::of("app.meeting_date", &[("value", &m.held_on)]))
        })?;
    let attendance: i64 = m
        .attendance
        .trim()
        .parse()
        .ok()
        .filter(|n| (1..=100_000).contains(n))
        .ok_or_else(|| AppError::Input(Message::of("app.meeting_attendance", &[])))?;
    let Some(level) = MeetingLevel::parse(m.level) else {
        return Err(AppError::Input(Message::of("app.meeting_level", &[])));
    };
    if m.title.trim().is_empty() || m.title.chars().count() > MAX_TITLE {
        return Err(AppError::Input(Message::of(
            "app.meeting_title",
            &[("max", &MAX_TITLE)],
        )));
    }
    let campaign_id = campaign_id(store).await?;
    let mut tx = store.begin(actor.username).await?;
    let id = tx
        .add_meeting(&NewMeeting {
            campaign_id,
            org_id: o.id,
            title: m.title.trim().to_string(),
            held_on,
            level,
            attendance,
        })
        .await?;
    tx.commit().await?;
    Ok(id)
}
