//! The inspector pool (督查人员库): imported from a sheet with the roster import's rules —
//! every problem with its row, column, value and reason, and nothing written while one
//! remains (unless bad rows are skipped). An account named in the sheet that does not
//! exist yet is made, as an inspector at its home, with a one-time activation code.

use std::collections::HashMap;

use xianfeng_domain::i18n::Message;
use xianfeng_domain::inspector_roster::{InspectorField, InspectorRow, parse_inspector_row};
use xianfeng_domain::role::Role;
use xianfeng_domain::roster::{Columns, RowIssue};
use xianfeng_ingest::SheetReader;
use xianfeng_storage::{InspectorRecord, NewInspector, OrgRecord, Store};

use super::Who;
use crate::activation::Issued;
use crate::import::{ImportOptions, ImportReport, chunks};
use crate::{AppError, Progress};

/// What an import of the pool did: the report, and the accounts it made with their codes
/// (shown once).
pub struct PoolImport {
    pub report: ImportReport,
    pub issued: Vec<Issued>,
}

/// The pool as it stands, for `who` (the office and committee staff).
pub async fn list(store: &Store, who: Who<'_>) -> Result<Vec<InspectorRecord>, AppError> {
    if let Some(p) = who.principal
        && !super::may_manage(p)
    {
        return Err(AppError::Forbidden);
    }
    Ok(store.inspections().inspectors().await?)
}

fn issue(row: usize, column: String, value: &str, reason: Message) -> RowIssue {
    RowIssue {
        row,
        column,
        value: value.to_string(),
        reason,
    }
}

/// Imports the pool sheet: 姓名, 账号, 所属组织编码, 回避组织编码, 回避理由.
pub async fn import(
    store: &Store,
    reader: SheetReader,
    opts: &ImportOptions,
    valid_days: u32,
    progress: &dyn Progress,
) -> Result<PoolImport, AppError> {
    let columns = Columns::<InspectorField>::find(&reader.headers).map_err(AppError::Input)?;
    progress.start(reader.estimated_rows());
    let orgs: HashMap<String, OrgRecord> = store
        .registry()
        .all_orgs()
        .await?
        .into_iter()
        .filter(|o| {
            opts.may(
                xianfeng_domain::policy::Action::ManageInspections,
                &o.tree_path(),
                o.sector.as_deref(),
            )
        })
        .map(|o| (o.code.clone(), o))
        .collect();
    let mut report = ImportReport::default();
    let mut issues = vec![];
    let mut rows: Vec<(InspectorRow, Option<i64>)> = vec![];
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut rx = chunks(reader);
    while let Some(chunk) = rx.recv().await {
        let chunk = chunk?;
        for (row, cells) in &chunk {
            report.rows += 1;
            let r = match parse_inspector_row(*row, cells, &columns) {
                Ok(r) => r,
                Err(found) => {
                    issues.extend(found);
                    continue;
                }
            };
            let mut bad = vec![];
            if let Some(first) = seen.get(&r.username) {
                bad.push(issue(
                    *row,
                    columns.header(InspectorField::Username),
                    &r.username,
                    Message::of("import.duplicate_inspector", &[("row", first)]),
                ));
            }
            let account = store.accounts().id_and_role(&r.username).await?;
            if let Some((_, role)) = account
                && role != Role::Inspector
            {
                bad.push(issue(
                    *row,
                    columns.header(InspectorField::Username),
                    &r.username,
                    Message::of("import.inspector_role", &[("name", &r.username)]),
                ));
            }
            if !orgs.contains_key(r.home.as_str()) {
                bad.push(issue(
                    *row,
                    columns.header(InspectorField::HomeCode),
                    r.home.as_str(),
                    Message::of("import.org_missing", &[]),
                ));
            }
            for c in &r.conflicts {
                if store.registry().org_by_code(c.as_str()).await?.is_none() {
                    bad.push(issue(
                        *row,
                        columns.header(InspectorField::Conflicts),
                        c.as_str(),
                        Message::of("import.org_missing", &[]),
                    ));
                }
            }
            if bad.is_empty() {
                seen.insert(r.username.clone(), *row);
                rows.push((r, account.map(|a| a.0)));
            } else {
                issues.extend(bad);
            }
        }
        progress.advance(chunk.len());
    }
    progress.finish();
    report.valid_rows = rows.len();
    issues.sort_by_key(|i| i.row);
    report.note(issues);
    let mut issued = vec![];
    let mut tx = store.begin(&opts.actor).await?;
    if opts.writing(&report.issues) {
        let now = chrono::Utc::now().timestamp_millis();
        for (r, user_id) in &rows {
            let home = &orgs[r.home.as_str()];
            let user_id = match user_id {
                Some(id) => {
                    report.outcome.updated += 1;
                    *id
                }
                None => {
                    tx.create_user(&xianfeng_storage::NewUser {
                        username: r.username.clone(),
                        role: Role::Inspector,
                        password_hash: xianfeng_storage::NOT_ACTIVATED.to_string(),
                        must_change_password: false,
                        org_ids: vec![home.id],
                        member_id: None,
                    })
                    .await?;
                    tx.set_display_name(&r.username, Some(&r.name)).await?;
                    let (code, valid_until) = crate::activation::issue_in(
                        &mut tx,
                        store.vault(),
                        &r.username,
                        valid_days,
                        now,
                    )
                    .await?;
                    issued.push(Issued {
                        username: r.username.clone(),
                        name: Some(r.name.clone()),
                        org_code: home.code.clone(),
                        org_name: home.name.clone(),
                        code,
                        valid_until,
                    });
                    report.outcome.inserted += 1;
                    tx.user_id(&r.username).await?
                }
            };
            let mut conflicts = vec![];
            for c in &r.conflicts {
                if let Some(o) = store.registry().org_by_code(c.as_str()).await? {
                    conflicts.push((o.id, r.reason.clone()));
                }
            }
            tx.keep_inspector(&NewInspector {
                user_id,
                username: r.username.clone(),
                name: r.name.clone(),
                home_org_id: home.id,
                active: true,
                conflicts,
            })
            .await?;
        }
    }
    let report = crate::import::finish(tx, report, opts).await?;
    if !report.committed {
        issued.clear();
    }
    Ok(PoolImport { report, issued })
}

/// Takes an inspector out of the draws (or back in), keeping the record.
pub async fn set_active(
    store: &Store,
    who: Who<'_>,
    username: &str,
    active: bool,
) -> Result<(), AppError> {
    let pool = list(store, who).await?;
    let i = pool
        .into_iter()
        .find(|i| i.username == username)
        .ok_or(AppError::NotFound)?;
    let mut tx = store.begin(who.username).await?;
    tx.set_inspector_active(i.user_id, &i.username, active)
        .await?;
    tx.commit().await?;
    Ok(())
}
