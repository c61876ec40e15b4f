//! Campaigns (活动) that follow each other: stored as drafts, copied, edited, started,
//! closed and exported; and the phases that open work, with the spans the office opens
//! besides (提前开放, 延长).

use std::sync::Arc;

use chrono::NaiveDate;
use xianfeng_domain::campaign::{
    Campaign, CampaignStatus, CopyOf, PhaseWindow, PhasedAction, copy_file, default_shift,
    follow_up_code,
};
use xianfeng_domain::i18n::Message;
use xianfeng_domain::policy::{Action, Principal};
use xianfeng_domain::selection::check_text;
use xianfeng_storage::{Store, StoredCampaign, StoredWindow};

use crate::AppError;

/// The longest reason for opening a phase's work.
pub const MAX_REASON: usize = 200;
/// The longest span the office may open at once, in days.
pub const MAX_WINDOW_DAYS: i64 = 366;

/// The office's, over the whole tree (`None`: the operator at the command line).
pub async fn may_manage(store: &Store, principal: Option<&Principal>) -> Result<(), AppError> {
    match principal {
        Some(p) => crate::scope::city_wide(store, p, Action::ManageCampaigns).await,
        None => Ok(()),
    }
}

/// A campaign file checked as `campaign check` does; its problems, a line each.
pub fn checked(file: &str, text: &str) -> Result<Campaign, AppError> {
    Campaign::load(file, text).map_err(|e| AppError::Input(e.message()))
}

/// Stores a campaign file as a draft: nothing changes for anyone until it is started.
pub async fn create(store: &Store, actor: &str, text: &str) -> Result<i64, AppError> {
    let campaign = checked("campaign.toml", text)?;
    let mut tx = store.begin(actor).await?;
    let id = tx
        .create_campaign(&campaign, text, false, CampaignStatus::Draft)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// One campaign by id, or not found.
pub async fn get(store: &Store, id: i64) -> Result<(StoredCampaign, Arc<Campaign>), AppError> {
    store.campaigns().by_id(id).await?.ok_or(AppError::NotFound)
}

/// What the office asks for a follow-up campaign; the code and the years default to the
/// next campaign after the one copied ([`default_shift`], [`follow_up_code`]).
pub struct CopyRequest<'a> {
    pub name: &'a str,
    pub name_en: &'a str,
    pub code: Option<&'a str>,
    pub shift_years: Option<i32>,
}

/// Copies campaign `from` as a new draft under another code and name, its dates moved by
/// whole years.
pub async fn copy(
    store: &Store,
    principal: Option<&Principal>,
    actor: &str,
    from: i64,
    r: &CopyRequest<'_>,
) -> Result<i64, AppError> {
    may_manage(store, principal).await?;
    let (old, _) = get(store, from).await?;
    check_text("campaign_name", r.name, true, 100).map_err(AppError::Input)?;
    let shift_years = r
        .shift_years
        .unwrap_or_else(|| default_shift(old.starts_on, old.ends_on));
    let taken: Vec<String> = store
        .campaigns()
        .all()
        .await?
        .into_iter()
        .map(|c| c.code)
        .collect();
    let code = match r.code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => c.to_string(),
        None => follow_up_code(&old.code, shift_years, |c| taken.iter().any(|t| t == c)),
    };
    let to = CopyOf {
        code: &code,
        name: r.name.trim(),
        name_en: r.name_en.trim(),
        shift_years,
    };
    let source = store.campaigns().source(from).await?;
    let text = copy_file(&source, &to).map_err(AppError::Input)?;
    let campaign = checked(&format!("{code}.toml"), &text)?;
    let mut tx = store.begin(actor).await?;
    let id = tx
        .create_campaign(&campaign, &text, false, CampaignStatus::Draft)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Replaces draft `id`'s file with `text`, checked first: nothing is stored while a problem
/// remains.
pub async fn edit(
    store: &Store,
    principal: Option<&Principal>,
    actor: &str,
    id: i64,
    text: &str,
) -> Result<(), AppError> {
    may_manage(store, principal).await?;
    let (c, _) = get(store, id).await?;
    c.status.check_draft().map_err(AppError::Input)?;
    let campaign = checked(&format!("{}.toml", c.code), text)?;
    let mut tx = store.begin(actor).await?;
    tx.edit_campaign(id, &campaign, text).await?;
    tx.commit().await?;
    Ok(())
}

/// Starts draft `id`; the campaign running until now closes (read-only, still browsable).
pub async fn start(
    store: &Store,
    principal: Option<&Principal>,
    actor: &str,
    id: i64,
) -> Result<(), AppError> {
    change(store, principal, actor, id, CampaignStatus::Running).await
}

/// Closes running campaign `id`.
pub async fn close(
    store: &Store,
    principal: Option<&Principal>,
    actor: &str,
    id: i64,
) -> Result<(), AppError> {
    change(store, principal, actor, id, CampaignStatus::Closed).await
}

async fn change(
    store: &Store,
    principal: Option<&Principal>,
    actor: &str,
    id: i64,
    to: CampaignStatus,
) -> Result<(), AppError> {
    may_manage(store, principal).await?;
    get(store, id).await?;
    let mut tx = store.begin(actor).await?;
    match to {
        CampaignStatus::Running => tx.start_campaign(id).await?,
        _ => tx.close_campaign(id).await?,
    }
    tx.commit().await?;
    Ok(())
}

/// Campaign `id`'s file, to save as `CODE.toml`: (code, text).
pub async fn export(store: &Store, id: i64) -> Result<(String, String), AppError> {
    let (c, _) = get(store, id).await?;
    Ok((c.code, store.campaigns().source(id).await?))
}

/// What the office asks when it opens a phase's work besides its dates.
pub struct Opening<'a> {
    pub phase: &'a str,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub reason: &'a str,
}

/// Opens phase work of the running campaign `id` from `starts_on` to `ends_on` (audited):
/// early, before the phase begins, or extended after it ends.
pub async fn open_phase(
    store: &Store,
    principal: Option<&Principal>,
    actor: &str,
    id: i64,
    o: &Opening<'_>,
) -> Result<i64, AppError> {
    may_manage(store, principal).await?;
    let (c, campaign) = get(store, id).await?;
    c.status.check_takes_records().map_err(AppError::Input)?;
    if campaign.phase(o.phase).is_none() {
        return Err(AppError::input("app.unknown_phase", &[("code", &o.phase)]));
    }
    if o.ends_on < o.starts_on {
        return Err(AppError::input("campaign.ends_before_start", &[]));
    }
    if (o.ends_on - o.starts_on).num_days() >= MAX_WINDOW_DAYS {
        return Err(AppError::input(
            "app.window_too_long",
            &[("max", &MAX_WINDOW_DAYS)],
        ));
    }
    check_text("reason", o.reason, true, MAX_REASON).map_err(AppError::Input)?;
    let window = PhaseWindow {
        phase: o.phase.to_string(),
        starts_on: o.starts_on,
        ends_on: o.ends_on,
    };
    let mut tx = store.begin(actor).await?;
    let wid = tx.open_phase_window(id, &window, o.reason.trim()).await?;
    tx.commit().await?;
    Ok(wid)
}

/// The spans the office opened in campaign `id`.
pub async fn windows(store: &Store, id: i64) -> Result<Vec<StoredWindow>, AppError> {
    Ok(store.campaigns().windows(id).await?)
}

/// The running campaign, for a record to go into; refused when the campaign in use is
/// closed.
pub async fn for_records(store: &Store) -> Result<(i64, Arc<Campaign>), AppError> {
    let (current, file) = in_use(store).await?;
    current
        .status
        .check_takes_records()
        .map_err(AppError::Input)?;
    Ok((current.id, file))
}

/// The campaign in use, record and file, or a message saying there is none yet.
pub async fn in_use(store: &Store) -> Result<(StoredCampaign, Arc<Campaign>), AppError> {
    store
        .campaigns()
        .in_use()
        .await?
        .ok_or_else(|| AppError::Input(Message::of("app.no_campaign", &[])))
}

/// The campaigns a reader may pick on the public pages and dashboards: every one but the
/// drafts, newest first.
pub async fn browsable(store: &Store) -> Result<Vec<StoredCampaign>, AppError> {
    let mut all = store.campaigns().all().await?;
    all.retain(|c| c.status != CampaignStatus::Draft);
    all.reverse();
    Ok(all)
}

/// The campaign the reader picked (`Some(id)`: any but a draft, which reads as not found),
/// or the one in use.
pub async fn picked(
    store: &Store,
    id: Option<i64>,
) -> Result<(StoredCampaign, Arc<Campaign>), AppError> {
    match id {
        Some(id) => {
            let (c, file) = get(store, id).await?;
            if c.status == CampaignStatus::Draft {
                return Err(AppError::NotFound);
            }
            Ok((c, file))
        }
        None => in_use(store).await,
    }
}

/// A campaign the public may read, by its code (a draft's reads as not found).
pub async fn browsable_by_code(
    store: &Store,
    code: &str,
) -> Result<(StoredCampaign, Arc<Campaign>), AppError> {
    let c = browsable(store)
        .await?
        .into_iter()
        .find(|c| c.code == code)
        .ok_or(AppError::NotFound)?;
    get(store, c.id).await
}

/// Refuses a change to a record of campaign `id` unless that campaign is running: a closed
/// campaign's records are read-only.
pub async fn writable(store: &Store, id: i64) -> Result<(), AppError> {
    let (c, _) = get(store, id).await?;
    c.status.check_takes_records().map_err(AppError::Input)
}

/// The running campaign, if `action` is open on `today`: in a phase that opens it or a
/// span the office opened; otherwise refused with the phases' dates.
pub async fn open_for(
    store: &Store,
    action: PhasedAction,
    today: NaiveDate,
) -> Result<(i64, Arc<Campaign>), AppError> {
    let (id, campaign) = for_records(store).await?;
    if !campaign.phases_opening(action).is_empty() {
        let windows: Vec<PhaseWindow> = store
            .campaigns()
            .windows(id)
            .await?
            .into_iter()
            .map(|w| w.window)
            .collect();
        campaign
            .action_open(action, today, &windows)
            .map_err(AppError::Input)?;
    }
    Ok((id, campaign))
}
