//! The model library (先进典型库): entries about subjects of the registry (never typed in
//! again) or groups of them. An organisation recommends one; the office reviews it, takes
//! it into the library and makes it public, or withdraws it with a reason. A candidate
//! commended on the honour roll enters the library by itself; a sanction recorded later
//! withdraws every entry about the member and tells the office.

use xianfeng_domain::i18n::Message;
use xianfeng_domain::model_library::{ModelLevel, ModelSource, ModelStatus, TagFacet, parse_tags};
use xianfeng_domain::policy::Action;
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::{
    FilesOf, ModelFilter, ModelRecord, NewModel, NominationRecord, Store, WriteTx,
};

use super::{may, may_any, org, text};
use crate::AppError;
use crate::actor::Who;
use crate::files::{Upload, prepare_file};

pub const MAX_NAME: usize = 60;
pub const MAX_SUMMARY: usize = 300;
pub const MAX_DEEDS: usize = 20_000;

/// An entry as a form or an imported row gives it.
#[derive(Debug, Clone, Default)]
pub struct ModelInput {
    /// The entry's name; for one subject left empty, the subject's own name.
    pub name: String,
    /// The organisation it belongs to (recommending organisation for a group).
    pub org_code: String,
    pub level: Option<ModelLevel>,
    pub summary: String,
    pub deeds: String,
    /// Tags as typed, per facet.
    pub sectors: String,
    pub categories: String,
    pub themes: String,
    /// The registry subjects it is about.
    pub subjects: Vec<(SubjectKind, i64)>,
    /// Found in an inspection (the office's), rather than recommended.
    pub from_inspection: bool,
}

fn input(m: Message) -> AppError {
    AppError::Input(m)
}

fn tags(i: &ModelInput) -> Result<Vec<(TagFacet, String)>, AppError> {
    let mut out = vec![];
    for (facet, typed) in [
        (TagFacet::Sector, &i.sectors),
        (TagFacet::Category, &i.categories),
        (TagFacet::Theme, &i.themes),
    ] {
        for t in parse_tags(typed).map_err(input)? {
            out.push((facet, t));
        }
    }
    Ok(out)
}

/// Checks the typed fields of an entry; the name falls back on the one subject's.
async fn checked(
    store: &Store,
    i: &ModelInput,
) -> Result<(String, ModelLevel, String, String, Vec<(TagFacet, String)>), AppError> {
    if i.subjects.is_empty() {
        return Err(input(Message::of("model.no_subject", &[])));
    }
    let name = if i.name.trim().is_empty() && i.subjects.len() == 1 {
        let (kind, id) = i.subjects[0];
        crate::subjects::subject(store, kind, id).await?.name
    } else {
        text("model_name", &i.name, true, MAX_NAME, true)?
    };
    let level = i
        .level
        .ok_or_else(|| input(Message::of("model.level_required", &[])))?;
    let summary = text("model_summary", &i.summary, true, MAX_SUMMARY, true)?;
    let deeds = text("deeds", &i.deeds, false, MAX_DEEDS, true)?;
    Ok((name, level, summary, deeds, tags(i)?))
}

/// Recommends an entry (推荐): by an organisation for subjects of its own subtree, or by
/// the office from an inspection.
pub async fn propose(store: &Store, who: Who<'_>, i: &ModelInput) -> Result<i64, AppError> {
    let owner = store
        .registry()
        .org_by_code(i.org_code.trim())
        .await?
        .ok_or(AppError::NotFound)?;
    let source = if i.from_inspection {
        may(who, Action::Publicise, &owner)?;
        ModelSource::Inspection
    } else {
        may_any(who, &[Action::Nominate, Action::Publicise], &owner)?;
        ModelSource::Recommended
    };
    let path = owner.tree_path();
    for (kind, id) in &i.subjects {
        let s = crate::subjects::subject(store, *kind, *id).await?;
        if !path.contains(&s.org.tree_path()) {
            return Err(input(
                Message::of("model.subject_outside", &[("name", &s.name)])
                    .arg_term("org", owner.name.clone()),
            ));
        }
    }
    let (name, level, summary, deeds, tags) = checked(store, i).await?;
    let (campaign_id, _) = crate::scope::campaign(store).await?;
    let mut tx = store.begin(who.username).await?;
    let id = tx
        .add_model(&NewModel {
            campaign_id,
            name,
            org_id: owner.id,
            level,
            source,
            nomination_id: None,
            summary,
            deeds,
            status: ModelStatus::Proposed,
            subjects: i.subjects.clone(),
            tags,
        })
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// An entry `who` may see in the library: one of an organisation it keeps, or recommends
/// for. Anything else is not found.
pub async fn entry(store: &Store, who: Who<'_>, id: i64) -> Result<ModelRecord, AppError> {
    let m = store
        .publicity()
        .model(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let owner = org(store, m.org_id).await?;
    may_any(who, &[Action::Publicise, Action::Nominate], &owner).map_err(|_| AppError::NotFound)?;
    Ok(m)
}

/// Whether `who` keeps the library for `m` (review, edit, publish, withdraw).
pub async fn keeps(store: &Store, who: Who<'_>, m: &ModelRecord) -> bool {
    super::keeps(store, who, m.org_id).await
}

/// Moves an entry one step on: reviewed, in the library, public.
pub async fn advance(store: &Store, who: Who<'_>, id: i64) -> Result<ModelStatus, AppError> {
    let m = entry(store, who, id).await?;
    may(who, Action::Publicise, &org(store, m.org_id).await?)?;
    let to = m.status.advance().map_err(input)?;
    let mut tx = store.begin(who.username).await?;
    tx.set_model_status(&m, to, None, false).await?;
    tx.commit().await?;
    Ok(to)
}

/// Withdraws an entry, with the reason.
pub async fn withdraw(store: &Store, who: Who<'_>, id: i64, reason: &str) -> Result<(), AppError> {
    let m = entry(store, who, id).await?;
    may(who, Action::Publicise, &org(store, m.org_id).await?)?;
    let to = m.status.withdraw(reason).map_err(input)?;
    let reason = text("reason", reason, true, 500, false)?;
    let mut tx = store.begin(who.username).await?;
    tx.set_model_status(&m, to, Some(&reason), false).await?;
    tx.commit().await?;
    Ok(())
}

/// The office has looked at an entry a sanction withdrew.
pub async fn acknowledge(store: &Store, who: Who<'_>, id: i64) -> Result<(), AppError> {
    let m = entry(store, who, id).await?;
    may(who, Action::Publicise, &org(store, m.org_id).await?)?;
    let mut tx = store.begin(who.username).await?;
    tx.acknowledge_model(id).await?;
    tx.commit().await?;
    Ok(())
}

/// Edits an entry's name, level, summary, deeds and tags (its subjects stay).
pub async fn edit(store: &Store, who: Who<'_>, id: i64, i: &ModelInput) -> Result<(), AppError> {
    let m = entry(store, who, id).await?;
    may(who, Action::Publicise, &org(store, m.org_id).await?)?;
    if m.status == ModelStatus::Withdrawn {
        return Err(input(Message::of("model.withdrawn", &[])));
    }
    let mut i = i.clone();
    i.subjects = m.subjects.clone();
    let (name, level, summary, deeds, tags) = checked(store, &i).await?;
    let mut tx = store.begin(who.username).await?;
    tx.edit_model(
        &m,
        &NewModel {
            campaign_id: m.campaign_id,
            name,
            org_id: m.org_id,
            level,
            source: m.source,
            nomination_id: m.nomination_id,
            summary,
            deeds,
            status: m.status,
            subjects: m.subjects.clone(),
            tags,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Adds deeds files and photos (a photo is stored without its metadata): the office, or
/// the recommending organisation while the entry is only proposed. Who may not is refused
/// before any file is looked at, and sending none changes nothing.
pub async fn attach(
    store: &Store,
    who: Who<'_>,
    id: i64,
    uploads: &[Upload],
) -> Result<(), AppError> {
    let m = entry(store, who, id).await?;
    let owner = org(store, m.org_id).await?;
    if may(who, Action::Publicise, &owner).is_err() {
        may(who, Action::Nominate, &owner)?;
        if m.status != ModelStatus::Proposed {
            return Err(AppError::Forbidden);
        }
    }
    let too_many = || input(Message::of("model.too_many_files", &[("max", &MAX_FILES)]));
    if m.files.len() + uploads.len() > MAX_FILES {
        return Err(too_many());
    }
    let files = uploads
        .iter()
        .map(prepare_file)
        .collect::<Result<Vec<_>, _>>()?;
    let mut tx = store.begin(who.username).await?;
    // Counted again with the entry locked: uploads sent at once count together.
    if tx.files_held(FilesOf::Model, id).await? + uploads.len() > MAX_FILES {
        return Err(too_many());
    }
    for file in &files {
        let attachment = tx.add_attachment(file).await?;
        tx.add_model_file(id, attachment).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The most files of an entry.
pub const MAX_FILES: usize = 12;

/// The library as `who` sees it: entries of its subtree, filtered.
pub async fn library(
    store: &Store,
    who: Who<'_>,
    mut f: ModelFilter,
) -> Result<Vec<ModelRecord>, AppError> {
    let (campaign_id, _) = crate::scope::campaign(store).await?;
    f.campaign_id = campaign_id;
    f.within = super::reach(store, who.principal).await?;
    Ok(store.publicity().models(&f).await?)
}

/// Public entries, filtered (the public library).
pub async fn public_library(
    store: &Store,
    mut f: ModelFilter,
) -> Result<Vec<ModelRecord>, AppError> {
    let (campaign_id, _) = crate::scope::campaign(store).await?;
    f.campaign_id = campaign_id;
    f.statuses = vec![ModelStatus::Public];
    f.within = None;
    Ok(store.publicity().models(&f).await?)
}

/// A public entry; any other is not found.
pub async fn public_one(store: &Store, id: i64) -> Result<ModelRecord, AppError> {
    let m = store
        .publicity()
        .model(id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !m.status.shown_publicly() {
        return Err(AppError::NotFound);
    }
    Ok(m)
}

/// A file of a public entry (its photos and deeds files are public with it).
pub async fn public_file(
    store: &Store,
    id: i64,
    attachment: i64,
) -> Result<xianfeng_storage::AttachmentRecord, AppError> {
    super::attached(store, &public_one(store, id).await?.files, attachment).await
}

/// A file of an entry `who` may see.
pub async fn file(
    store: &Store,
    who: Who<'_>,
    id: i64,
    attachment: i64,
) -> Result<xianfeng_storage::AttachmentRecord, AppError> {
    super::attached(store, &entry(store, who, id).await?.files, attachment).await
}

/// The library level of an honour's level.
fn level_of(h: xianfeng_domain::campaign::HonourLevel) -> ModelLevel {
    use xianfeng_domain::campaign::HonourLevel::*;
    match h {
        County => ModelLevel::County,
        City => ModelLevel::City,
        Province => ModelLevel::Province,
        Central => ModelLevel::National,
    }
}

/// The entry a commended candidate becomes, written in the commending transaction: in the
/// library already (the candidate passed assessment, approval and public notice), its
/// deeds and summary those of the nomination, tagged with the honour's name.
pub(crate) async fn enter_commended(
    store: &Store,
    tx: &mut WriteTx,
    n: &NominationRecord,
) -> Result<i64, AppError> {
    let (_, campaign) = crate::scope::campaign(store).await?;
    let s = crate::subjects::subject(store, n.subject_kind, n.subject_id).await?;
    let honour = campaign.honour(&n.honour);
    let level = honour.map_or(ModelLevel::City, |h| level_of(h.level));
    let mut tags = vec![];
    if let Some(h) = honour {
        tags.push((TagFacet::Category, h.name.chars().take(20).collect()));
    }
    Ok(tx
        .add_model(&NewModel {
            campaign_id: n.campaign_id,
            name: s.name,
            org_id: s.org.id,
            level,
            source: ModelSource::Commended,
            nomination_id: Some(n.id),
            summary: n.summary.clone(),
            deeds: n.deeds.clone(),
            status: ModelStatus::InLibrary,
            subjects: vec![(n.subject_kind, n.subject_id)],
            tags,
        })
        .await?)
}

/// Takes into the library every commended candidate of the campaign in use that has no
/// entry yet (those commended before the library existed), within `who`'s reach. Returns
/// how many entries it made.
pub async fn take_in_honour_roll(store: &Store, who: Who<'_>) -> Result<usize, AppError> {
    let (campaign_id, _) = crate::scope::campaign(store).await?;
    let mut made = 0;
    for id in store
        .publicity()
        .nominations_without_model(campaign_id)
        .await?
    {
        let Some(n) = store.selection().nomination(id).await? else {
            continue;
        };
        let s = crate::subjects::subject(store, n.subject_kind, n.subject_id).await?;
        if may(who, Action::Publicise, &s.org).is_err() {
            continue;
        }
        let mut tx = store.begin(who.username).await?;
        if tx.nomination_has_model(n.id).await? {
            continue;
        }
        enter_commended(store, &mut tx, &n).await?;
        tx.commit().await?;
        made += 1;
    }
    Ok(made)
}

/// Withdraws, in the sanction's own transaction, every entry about the member — as a member
/// or as a cadre her record links to — that is not withdrawn already, marking each for the
/// office's attention.
pub(crate) async fn withdraw_for_sanction(
    tx: &mut WriteTx,
    member_id: i64,
    kind: &str,
) -> Result<usize, AppError> {
    let mut withdrawn = tx
        .withdraw_models_of(SubjectKind::Member, member_id, kind)
        .await?;
    // A cadre is the member her record links to: her entries as a cadre go too.
    for cadre in tx.cadres_of_member(member_id).await? {
        withdrawn += tx
            .withdraw_models_of(SubjectKind::Cadre, cadre, kind)
            .await?;
    }
    Ok(withdrawn)
}
