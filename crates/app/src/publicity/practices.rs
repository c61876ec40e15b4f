//! Good practices (好经验好做法): an organisation submits one (title, summary, text, files,
//! the standard it serves); the office edits it, accepts or returns it and publishes it;
//! an accepted practice may be adopted as a rule (制度) of the 长效机制 register, which
//! lists every adopted rule with its source.

use chrono::NaiveDate;
use xianfeng_domain::i18n::Message;
use xianfeng_domain::policy::Action;
use xianfeng_domain::practice::{PracticeStatus, PracticeStep};
use xianfeng_storage::{FilesOf, NewPractice, PracticeRecord, RuleRecord, Store};

use super::{may, may_any, org, text};
use crate::AppError;
use crate::actor::Who;
use crate::files::{Upload, prepare_file};

pub const MAX_TITLE: usize = 60;
pub const MAX_SUMMARY: usize = 300;
pub const MAX_BODY: usize = 20_000;
pub const MAX_FILES: usize = 8;

/// A practice as its form gives it.
#[derive(Debug, Clone, Default)]
pub struct PracticeInput {
    pub org_code: String,
    pub title: String,
    pub summary: String,
    pub body: String,
    /// The standard (评价标准) it serves: a standard's code in the campaign file.
    pub standard: String,
}

/// The campaign's standards a practice may serve: (code, name).
pub async fn standards(store: &Store) -> Result<Vec<(String, String)>, AppError> {
    let (_, campaign) = crate::scope::campaign(store).await?;
    Ok(campaign
        .file
        .standards
        .iter()
        .map(|s| (s.code.get_ref().clone(), s.name.clone()))
        .collect())
}

async fn checked(
    store: &Store,
    i: &PracticeInput,
    campaign_id: i64,
    org_id: i64,
) -> Result<NewPractice, AppError> {
    let standard = i.standard.trim().to_string();
    let known = standards(store).await?;
    if !standard.is_empty() && !known.iter().any(|(code, _)| *code == standard) {
        let names: Vec<&str> = known.iter().map(|(_, n)| n.as_str()).collect();
        return Err(AppError::Input(Message::of(
            "practice.unknown_standard",
            &[("value", &standard), ("known", &names.join("、"))],
        )));
    }
    Ok(NewPractice {
        campaign_id,
        org_id,
        title: text("practice_title", &i.title, true, MAX_TITLE, true)?,
        summary: text("practice_summary", &i.summary, true, MAX_SUMMARY, true)?,
        body: text("practice_body", &i.body, true, MAX_BODY, true)?,
        standard,
    })
}

/// An organisation submits a practice (who writes its plan, or the office).
pub async fn submit(store: &Store, who: Who<'_>, i: &PracticeInput) -> Result<i64, AppError> {
    let o = store
        .registry()
        .org_by_code(i.org_code.trim())
        .await?
        .ok_or(AppError::NotFound)?;
    may_any(who, &[Action::WritePlan, Action::Publicise], &o)?;
    let (campaign_id, _) = crate::scope::campaign(store).await?;
    let p = checked(store, i, campaign_id, o.id).await?;
    let mut tx = store.begin(who.username).await?;
    let id = tx.add_practice(&p).await?;
    tx.commit().await?;
    Ok(id)
}

/// A practice `who` may see: of its organisation (submitted by it) or kept by it.
pub async fn practice(store: &Store, who: Who<'_>, id: i64) -> Result<PracticeRecord, AppError> {
    let p = store
        .publicity()
        .practice(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let o = org(store, p.org_id).await?;
    may_any(who, &[Action::Publicise, Action::WritePlan], &o).map_err(|_| AppError::NotFound)?;
    Ok(p)
}

/// Whether `who` keeps practices of `p`'s organisation (edit, accept, return, publish).
pub async fn keeps(store: &Store, who: Who<'_>, p: &PracticeRecord) -> bool {
    super::keeps(store, who, p.org_id).await
}

/// The office edits a practice's text before it is published; the organisation amends
/// a returned one and sends it again (`Resubmit`).
pub async fn edit(store: &Store, who: Who<'_>, id: i64, i: &PracticeInput) -> Result<(), AppError> {
    let p = practice(store, who, id).await?;
    let o = org(store, p.org_id).await?;
    let office = may(who, Action::Publicise, &o).is_ok();
    let allowed = if office {
        p.status.editable()
    } else {
        p.status == PracticeStatus::Returned
    };
    if !allowed {
        return Err(AppError::Input(
            Message::of("practice.not_editable", &[]).arg_message("status", p.status.name()),
        ));
    }
    let new = checked(store, i, p.campaign_id, p.org_id).await?;
    let mut tx = store.begin(who.username).await?;
    tx.edit_practice(&p, &new).await?;
    if !office {
        let to = p
            .status
            .next(PracticeStep::Resubmit)
            .map_err(AppError::Input)?;
        tx.set_practice_status(&p, to, None).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The office accepts, returns (with a reason) or publishes a practice.
pub async fn step(
    store: &Store,
    who: Who<'_>,
    id: i64,
    step: PracticeStep,
    reason: &str,
) -> Result<PracticeStatus, AppError> {
    let p = practice(store, who, id).await?;
    may(who, Action::Publicise, &org(store, p.org_id).await?)?;
    if step == PracticeStep::Resubmit {
        return Err(AppError::Forbidden);
    }
    let to = p.status.next(step).map_err(AppError::Input)?;
    let reason = if step == PracticeStep::Return {
        Some(text("reason", reason, true, 500, false)?)
    } else {
        None
    };
    let mut tx = store.begin(who.username).await?;
    tx.set_practice_status(&p, to, reason.as_deref()).await?;
    tx.commit().await?;
    Ok(to)
}

/// Adds files to a practice: the organisation while it is submitted or returned, the
/// office before it is published. Who may not is refused before any file is looked at.
pub async fn attach(
    store: &Store,
    who: Who<'_>,
    id: i64,
    uploads: &[Upload],
) -> Result<(), AppError> {
    let p = practice(store, who, id).await?;
    if p.status == PracticeStatus::Published {
        return Err(AppError::Input(
            Message::of("practice.not_editable", &[]).arg_message("status", p.status.name()),
        ));
    }
    let too_many = || AppError::Input(Message::of("model.too_many_files", &[("max", &MAX_FILES)]));
    if p.files.len() + uploads.len() > MAX_FILES {
        return Err(too_many());
    }
    let files = uploads
        .iter()
        .map(prepare_file)
        .collect::<Result<Vec<_>, _>>()?;
    let mut tx = store.begin(who.username).await?;
    // Counted again with the practice locked: uploads sent at once count together.
    if tx.files_held(FilesOf::Practice, id).await? + uploads.len() > MAX_FILES {
        return Err(too_many());
    }
    for file in &files {
        let a = tx.add_attachment(file).await?;
        tx.add_practice_file(id, a).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A file of a practice `who` may see (`public`: of a published practice, for anyone).
pub async fn file(
    store: &Store,
    who: Option<Who<'_>>,
    id: i64,
    attachment: i64,
) -> Result<xianfeng_storage::AttachmentRecord, AppError> {
    let p = match who {
        Some(who) => practice(store, who, id).await?,
        None => public_one(store, id).await?,
    };
    super::attached(store, &p.files, attachment).await
}

/// Adopts an accepted (or published) practice as a rule of the register, once.
pub async fn adopt(
    store: &Store,
    who: Who<'_>,
    id: i64,
    title: &str,
    body: &str,
    on: NaiveDate,
) -> Result<i64, AppError> {
    let p = practice(store, who, id).await?;
    may(who, Action::Publicise, &org(store, p.org_id).await?)?;
    if !p.status.adoptable() {
        return Err(AppError::Input(
            Message::of("practice.not_adoptable", &[]).arg_message("status", p.status.name()),
        ));
    }
    if p.rule_id.is_some() {
        return Err(AppError::Input(Message::of(
            "practice.adopted_already",
            &[],
        )));
    }
    let title = text(
        "rule_title",
        if title.trim().is_empty() {
            &p.title
        } else {
            title
        },
        true,
        MAX_TITLE,
        true,
    )?;
    let body = text(
        "rule_body",
        if body.trim().is_empty() {
            &p.body
        } else {
            body
        },
        true,
        MAX_BODY,
        true,
    )?;
    let mut tx = store.begin(who.username).await?;
    let rule = tx
        .adopt_rule(p.campaign_id, p.org_id, &title, &body, Some(p.id), on)
        .await?;
    tx.commit().await?;
    Ok(rule)
}

/// The practices `who` sees: those of its subtree (the office's view), newest first.
pub async fn list(
    store: &Store,
    who: Who<'_>,
    statuses: &[PracticeStatus],
) -> Result<Vec<PracticeRecord>, AppError> {
    let (campaign_id, _) = crate::scope::campaign(store).await?;
    let within = super::reach(store, who.principal).await?;
    Ok(store
        .publicity()
        .practices(campaign_id, statuses, within.as_ref(), 500)
        .await?)
}

/// Published practices, newest first.
pub async fn published(store: &Store, limit: i64) -> Result<Vec<PracticeRecord>, AppError> {
    let (campaign_id, _) = crate::scope::campaign(store).await?;
    Ok(store
        .publicity()
        .practices(campaign_id, &[PracticeStatus::Published], None, limit)
        .await?)
}

/// A published practice; any other is not found.
pub async fn public_one(store: &Store, id: i64) -> Result<PracticeRecord, AppError> {
    let p = store
        .publicity()
        .practice(id)
        .await?
        .ok_or(AppError::NotFound)?;
    if p.status != PracticeStatus::Published {
        return Err(AppError::NotFound);
    }
    Ok(p)
}

/// The 长效机制 register of the campaign in use (public: rules are the campaign's own).
pub async fn register(store: &Store) -> Result<Vec<RuleRecord>, AppError> {
    let (campaign_id, _) = crate::scope::campaign(store).await?;
    Ok(store.publicity().rules(campaign_id).await?)
}
