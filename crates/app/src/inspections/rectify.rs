//! Rectification (整改): the inspected organisation reports what it did, with evidence; the
//! office accepts it (销号) or returns it with a reason. Overdue items are flagged.

use chrono::NaiveDate;
use xianfeng_domain::inspection::RectificationStep;
use xianfeng_domain::policy::Action;
use xianfeng_storage::{FindingRecord, OrgRecord, RectificationRecord, Store, TaskRecord};

use super::Who;
use crate::AppError;
use crate::files::Upload;

/// The rectification items of organisation `code` (its own, not its subtree's), for those
/// who keep it or manage inspections over it.
pub async fn of_org(
    store: &Store,
    who: Who<'_>,
    code: &str,
) -> Result<(OrgRecord, Vec<RectificationRecord>), AppError> {
    let o = readable_org(store, who, code).await?;
    let list = store.inspections().rectifications_of_org(o.id).await?;
    Ok((o, list))
}

async fn readable_org(store: &Store, who: Who<'_>, code: &str) -> Result<OrgRecord, AppError> {
    match crate::scope::org_for(store, who.principal, code, Action::ReportRectification).await {
        Ok(o) => Ok(o),
        Err(_) => {
            crate::scope::org_for(store, who.principal, code, Action::ManageInspections).await
        }
    }
}

/// The findings about organisation `code`: each submitted visit with every item's
/// judgement and note, for those who keep it and those who manage inspections over it.
pub async fn findings_of_org(
    store: &Store,
    who: Who<'_>,
    code: &str,
) -> Result<Vec<(TaskRecord, Vec<FindingRecord>)>, AppError> {
    let o = readable_org(store, who, code).await?;
    let mut out = vec![];
    for t in store.inspections().submitted_tasks_at(o.id).await? {
        let findings = store.inspections().findings(t.id).await?;
        out.push((t, findings));
    }
    Ok(out)
}

/// Every rectification item in the subtrees `who` manages inspections over, soonest due
/// first: the office's overview.
pub async fn overview(store: &Store, who: Who<'_>) -> Result<Vec<RectificationRecord>, AppError> {
    let roots: Vec<xianfeng_domain::org::TreePath> = match who.principal {
        Some(p) => {
            if !super::may_manage(p) {
                return Err(AppError::Forbidden);
            }
            p.scopes.clone()
        }
        None => store
            .registry()
            .roots()
            .await?
            .iter()
            .map(OrgRecord::tree_path)
            .collect(),
    };
    let mut out = vec![];
    for root in roots {
        out.extend(store.inspections().rectifications_under(&root).await?);
    }
    out.sort_by_key(|r| (r.due_on, r.id));
    out.dedup_by_key(|r| r.id);
    Ok(out)
}

/// Whether an item is overdue on `today`.
pub fn overdue(r: &RectificationRecord, today: NaiveDate) -> bool {
    r.status.overdue(r.due_on, today)
}

async fn item(store: &Store, id: i64) -> Result<RectificationRecord, AppError> {
    store
        .inspections()
        .rectification(id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The organisation reports what it did about item `id`, with evidence files.
pub async fn report(
    store: &Store,
    who: Who<'_>,
    id: i64,
    text: &str,
    files: &[Upload],
    today: NaiveDate,
) -> Result<(), AppError> {
    let r = item(store, id).await?;
    crate::scope::org_for(
        store,
        who.principal,
        &r.org_code,
        Action::ReportRectification,
    )
    .await?;
    r.status
        .after(RectificationStep::Report)
        .map_err(AppError::Input)?;
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 2000 {
        return Err(AppError::input("inspection.report_text", &[("max", &2000)]));
    }
    let prepared = files
        .iter()
        .map(crate::files::prepare_file)
        .collect::<Result<Vec<_>, _>>()?;
    let mut tx = store.begin(who.username).await?;
    let mut ids = vec![];
    for a in &prepared {
        ids.push(tx.add_attachment(a).await?);
    }
    tx.report_rectification(id, r.status, text, &ids, today)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The office accepts a reported item (销号) or returns it, with a reason.
pub async fn decide(
    store: &Store,
    who: Who<'_>,
    id: i64,
    accept: bool,
    reason: &str,
    today: NaiveDate,
) -> Result<(), AppError> {
    let r = item(store, id).await?;
    crate::scope::org_for(store, who.principal, &r.org_code, Action::ManageInspections).await?;
    let step = if accept {
        RectificationStep::Accept
    } else {
        RectificationStep::Return
    };
    let to = r.status.after(step).map_err(AppError::Input)?;
    let reason = reason.trim();
    if !accept && reason.is_empty() {
        return Err(AppError::input("inspection.return_reason", &[]));
    }
    let mut tx = store.begin(who.username).await?;
    tx.decide_rectification(id, to, (!accept).then_some(reason), today)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A rectification item by id, for whoever may see its organisation's items.
pub async fn get(store: &Store, who: Who<'_>, id: i64) -> Result<RectificationRecord, AppError> {
    let r = item(store, id).await?;
    readable_org(store, who, &r.org_code).await?;
    Ok(r)
}
