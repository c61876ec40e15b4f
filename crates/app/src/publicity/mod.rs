//! Publicity (宣传): the model library (先进典型库), good practices (好经验好做法) and the
//! 长效机制 register, and lecture tours (报告团, 巡回宣讲) — the part of the campaign the
//! public sees, kept by the office and the committees' staff (`Action::Publicise`).

pub mod import;
pub mod models;
pub mod practices;
pub mod tours;

use xianfeng_domain::policy::{Action, Principal};
use xianfeng_storage::{OrgRecord, Store};

use crate::AppError;
use crate::actor::Who;

/// Whether `who` may take `action` on `org` (the operator may do anything).
pub(crate) fn may(who: Who<'_>, action: Action, org: &OrgRecord) -> Result<(), AppError> {
    match who.principal {
        Some(p) => crate::scope::allowed(p, action, org),
        None => Ok(()),
    }
}

/// Whether `who` may take one of `actions` on `org`; refused as forbidden when it may see
/// the organisation for any of them, else as not found.
pub(crate) fn may_any(who: Who<'_>, actions: &[Action], org: &OrgRecord) -> Result<(), AppError> {
    let answers: Vec<_> = actions.iter().map(|a| may(who, *a, org)).collect();
    if answers.iter().any(Result::is_ok) {
        return Ok(());
    }
    if answers
        .iter()
        .any(|r| matches!(r, Err(AppError::Forbidden)))
    {
        return Err(AppError::Forbidden);
    }
    Err(AppError::NotFound)
}

/// Whether `who` keeps publicity for the organisation `org_id` (the library's entries,
/// practices): may review, edit, publish.
pub(crate) async fn keeps(store: &Store, who: Who<'_>, org_id: i64) -> bool {
    match org(store, org_id).await {
        Ok(o) => may(who, Action::Publicise, &o).is_ok(),
        Err(_) => false,
    }
}

/// The stored file `attachment`, if it is one of `files` (an entry's or a practice's).
pub(crate) async fn attached(
    store: &Store,
    files: &[xianfeng_storage::ModelFile],
    attachment: i64,
) -> Result<xianfeng_storage::AttachmentRecord, AppError> {
    if !files.iter().any(|f| f.attachment_id == attachment) {
        return Err(AppError::NotFound);
    }
    store
        .commitments()
        .attachment(attachment)
        .await?
        .ok_or(AppError::NotFound)
}

pub(crate) async fn org(store: &Store, id: i64) -> Result<OrgRecord, AppError> {
    store
        .registry()
        .org_by_id(id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The subtree a signed-in account's lists cover: its highest organisation (everything
/// for the operator and for an account without one, as the administrator).
pub(crate) async fn reach(
    store: &Store,
    principal: Option<&Principal>,
) -> Result<Option<xianfeng_domain::org::TreePath>, AppError> {
    let Some(p) = principal else { return Ok(None) };
    if p.scopes.is_empty() {
        return Ok(None);
    }
    let code = crate::scope::top_code(store, p).await?;
    Ok(Some(
        store
            .registry()
            .org_by_code(&code)
            .await?
            .ok_or(AppError::NotFound)?
            .tree_path(),
    ))
}

/// Trims a text a person typed and checks it (present when `required`, at most `max`
/// characters, no markup); `public` texts may not carry an ID or phone number either.
pub(crate) fn text(
    field: &str,
    value: &str,
    required: bool,
    max: usize,
    public: bool,
) -> Result<String, AppError> {
    use xianfeng_domain::selection::{check_public, check_text};
    check_text(field, value, required, max).map_err(AppError::Input)?;
    if public {
        check_public(value).map_err(AppError::Input)?;
    }
    Ok(value.trim().to_string())
}
