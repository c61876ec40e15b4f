//! What every service asks first: the campaign in use, and an organisation the actor may
//! act on (by the one policy), or the refusal to answer with.

use std::sync::Arc;

use xianfeng_domain::campaign::Campaign;
use xianfeng_domain::i18n::Message;
use xianfeng_domain::policy::{Action, Principal, Target, decide};
use xianfeng_storage::{OrgRecord, Store};

use crate::AppError;

/// The campaign in use, or a message saying there is none yet.
pub async fn campaign(store: &Store) -> Result<(i64, Arc<Campaign>), AppError> {
    store
        .campaigns()
        .current()
        .await?
        .ok_or_else(|| AppError::Input(Message::of("app.no_campaign", &[])))
}

/// Whether `principal` may do `action` to organisation `o`.
pub fn allowed(principal: &Principal, action: Action, o: &OrgRecord) -> Result<(), AppError> {
    let path = o.tree_path();
    AppError::check(decide(
        principal,
        action,
        &Target::of(&path, o.sector.as_deref()),
    ))
}

/// The organisation `code`, if `principal` may do `action` to it (`None`: the operator at
/// the command line, who may do anything).
pub async fn org_for(
    store: &Store,
    principal: Option<&Principal>,
    code: &str,
    action: Action,
) -> Result<OrgRecord, AppError> {
    let o = store
        .registry()
        .org_by_code(code)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(p) = principal {
        allowed(p, action, &o)?;
    }
    Ok(o)
}

/// The organisation above `o`, or `o` itself at the top of the tree.
pub async fn superior(store: &Store, o: &OrgRecord) -> Result<OrgRecord, AppError> {
    match o.parent_id {
        Some(p) => store
            .registry()
            .org_by_id(p)
            .await?
            .ok_or(AppError::NotFound),
        None => Ok(o.clone()),
    }
}

/// Whether `principal` may do `action` over every top organisation of the tree: the
/// decisions that hold for the whole city (closing a period, the calendar), the office's.
pub async fn city_wide(
    store: &Store,
    principal: &Principal,
    action: Action,
) -> Result<(), AppError> {
    let roots = store.registry().roots().await?;
    if roots.is_empty() {
        return Err(AppError::Forbidden);
    }
    for root in roots {
        allowed(principal, action, &root)?;
    }
    Ok(())
}

/// The code of the organisation an account's work starts at: its highest organisation (the
/// tree's root for an account without one, as the administrator).
pub async fn top_code(store: &Store, p: &Principal) -> Result<String, AppError> {
    let top = p.scopes.iter().min_by_key(|s| s.depth());
    let Some(id) = top.and_then(|s| s.ids().last().copied()) else {
        let root = store.registry().roots().await?.into_iter().next();
        return root.map(|o| o.code).ok_or(AppError::NotFound);
    };
    let org = store
        .registry()
        .org_by_id(id)
        .await?
        .ok_or(AppError::Forbidden)?;
    Ok(org.code)
}
