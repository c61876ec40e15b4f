//! Importing rosters (花名册导入): organisations and members from .xlsx/.csv.
//!
//! All or nothing by default: when any row is bad nothing is written and every problem is
//! reported. With `skip_bad` the good rows are written and the bad ones reported.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;
use xianfeng_domain::i18n::{Lang, Message};
use xianfeng_domain::org::TreePath;
use xianfeng_domain::org_import::{KnownOrg, OrgPlan, plan_org_import};
use xianfeng_domain::policy::{Action, Principal, Target, decide};
use xianfeng_domain::roster::{
    CategoryIndex, Columns, Field, MemberField, OrgField, RowIssue, parse_member_row, parse_org_row,
};
use xianfeng_domain::sheet::csv_cell;
use xianfeng_ingest::{Cell, SheetReader};
use xianfeng_storage::{
    MemberUpsert, NewOrg, OrgUpdate, PreparedMember, Store, UpsertOutcome, Vault,
};

use crate::{AppError, Progress};

/// How far an import goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// Check every row; write nothing (`--dry-run`: fast, for any size).
    Check,
    /// Write inside the transaction, then roll back: exact counts of what would be new,
    /// changed or unchanged, for the web preview.
    Rehearse,
    /// Write (all or nothing, unless bad rows are skipped).
    Commit,
}

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub mode: ImportMode,
    pub skip_bad: bool,
    pub actor: String,
    /// Dates after this are refused as implausible.
    pub today: NaiveDate,
    /// The account the import is done for, whose scope limits what it may touch (rows
    /// outside it are refused like unknown organisations). `None`: the operator at the
    /// command line, who may write anything.
    pub on_behalf: Option<Principal>,
}

impl ImportOptions {
    /// Whether rows are written to the transaction, given the issues found so far.
    pub(crate) fn writing(&self, issues: &[RowIssue]) -> bool {
        self.mode != ImportMode::Check && (self.skip_bad || issues.is_empty())
    }

    pub(crate) fn may(&self, action: Action, path: &TreePath, sector: Option<&str>) -> bool {
        self.on_behalf
            .as_ref()
            .is_none_or(|p| decide(p, action, &Target::of(path, sector)).allowed())
    }
}

#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct ImportReport {
    /// Data rows read from the file.
    pub rows: usize,
    /// Rows with at least one issue (skipped, or the reason nothing was written).
    pub bad_rows: usize,
    /// Rows that passed every check.
    pub valid_rows: usize,
    /// The first [`LISTED_ISSUES`] problems, in row order.
    pub issues: Vec<RowIssue>,
    /// Problems found beyond those listed: counted, not kept, so that a file of millions
    /// of bad rows costs no memory and no error file of hundreds of megabytes.
    pub unlisted_issues: usize,
    pub outcome: UpsertOutcome,
    /// Whether anything was written.
    pub committed: bool,
}

/// What checking an uploaded file found, kept with the file until it is imported.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckResult {
    Report(ImportReport),
    /// The file could not be read at all, and why.
    Unreadable(Message),
}

/// Problems listed in a report (and its error file); the rest are only counted.
pub const LISTED_ISSUES: usize = 10_000;

impl ImportReport {
    /// Adds the problems of further rows, in row order.
    pub(crate) fn note(&mut self, issues: Vec<RowIssue>) {
        self.bad_rows += count_bad_rows(&issues);
        let room = LISTED_ISSUES.saturating_sub(self.issues.len());
        self.unlisted_issues += issues.len().saturating_sub(room);
        self.issues.extend(issues.into_iter().take(room));
    }
}

/// Rows handed from the reading thread to the importer at a time.
const CHUNK: usize = 2000;

/// Numbered rows of cells, as handed over from the reading thread.
type RowChunk = Vec<(usize, Vec<Cell>)>;

/// Reads the sheet on a blocking thread and hands over chunks of rows.
pub(crate) fn chunks(
    reader: SheetReader,
) -> tokio::sync::mpsc::Receiver<Result<RowChunk, AppError>> {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::task::spawn_blocking(move || {
        let mut buf = Vec::with_capacity(CHUNK);
        for row in reader {
            match row {
                Ok(r) => {
                    buf.push(r);
                    if buf.len() == CHUNK
                        && tx
                            .blocking_send(Ok(std::mem::replace(
                                &mut buf,
                                Vec::with_capacity(CHUNK),
                            )))
                            .is_err()
                    {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e.into()));
                    return;
                }
            }
        }
        if !buf.is_empty() {
            let _ = tx.blocking_send(Ok(buf));
        }
    });
    rx
}

fn count_bad_rows(issues: &[RowIssue]) -> usize {
    let mut rows: Vec<usize> = issues.iter().map(|i| i.row).collect();
    rows.dedup();
    rows.len()
}

/// One chunk of rows, validated and with personal data already protected.
struct PreparedChunk {
    rows: usize,
    issues: Vec<RowIssue>,
    members: Vec<PreparedMember>,
}

/// Validates rows and protects personal data on a blocking thread, one chunk ahead of the
/// writer: parsing and encryption of the next chunk overlap the database writing this one.
fn prepare_members(
    reader: SheetReader,
    columns: Columns<MemberField>,
    orgs: HashMap<String, i64>,
    vault: Vault,
    today: NaiveDate,
) -> tokio::sync::mpsc::Receiver<Result<PreparedChunk, AppError>> {
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    tokio::task::spawn_blocking(move || {
        let mut seen: HashMap<[u8; 18], usize> = HashMap::new();
        let mut chunk = PreparedChunk {
            rows: 0,
            issues: vec![],
            members: vec![],
        };
        for item in reader {
            let (row, cells) = match item {
                Ok(r) => r,
                Err(e) => {
                    let _ = tx.blocking_send(Err(e.into()));
                    return;
                }
            };
            chunk.rows += 1;
            match check_member(row, &cells, &columns, &orgs, &mut seen, today) {
                Ok(m) => chunk.members.push(vault.prepare_member(&m)),
                Err(issues) => chunk.issues.extend(issues),
            }
            if chunk.rows == CHUNK {
                let full = std::mem::replace(
                    &mut chunk,
                    PreparedChunk {
                        rows: 0,
                        issues: vec![],
                        members: vec![],
                    },
                );
                if tx.blocking_send(Ok(full)).is_err() {
                    return;
                }
            }
        }
        if chunk.rows > 0 {
            let _ = tx.blocking_send(Ok(chunk));
        }
    });
    rx
}

/// One member row: valid on its own, in an organisation that exists, not a repeat.
fn check_member(
    row: usize,
    cells: &[Cell],
    columns: &Columns<MemberField>,
    orgs: &HashMap<String, i64>,
    seen: &mut HashMap<[u8; 18], usize>,
    today: NaiveDate,
) -> Result<MemberUpsert, Vec<RowIssue>> {
    let m = parse_member_row(row, cells, columns, today)?;
    let Some(org_id) = orgs.get(m.org_code.as_str()) else {
        return Err(vec![RowIssue {
            row,
            column: MemberField::OrgCode.headers()[0].to_string(),
            value: m.org_code.to_string(),
            reason: Message::of("import.org_missing", &[]),
        }]);
    };
    // ID numbers are 18 ASCII characters once validated: kept as bytes, not as a String each.
    let key: [u8; 18] = m
        .id_number
        .as_str()
        .as_bytes()
        .try_into()
        .expect("a validated ID number has 18 characters");
    if let Some(first) = seen.get(&key) {
        return Err(vec![RowIssue {
            row,
            column: MemberField::IdNumber.headers()[0].to_string(),
            value: m.id_number.masked(),
            reason: Message::of("import.duplicate_person", &[("row", first)]),
        }]);
    }
    seen.insert(key, row);
    Ok(MemberUpsert {
        org_id: *org_id,
        name: m.name,
        gender: m.gender,
        ethnicity: m.ethnicity,
        birth_year: i64::from(chrono::Datelike::year(&m.birth_date)),
        id_number: m.id_number.as_str().to_string(),
        joined_on: m.joined_on,
        member_type: m.member_type,
        position: m.position,
        phone: m.phone.map(|p| p.as_str().to_string()),
    })
}

pub async fn import_members(
    store: &Store,
    reader: SheetReader,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportReport, AppError> {
    let columns = Columns::<MemberField>::find(&reader.headers).map_err(AppError::Input)?;
    progress.start(reader.estimated_rows());
    // Organisations outside the account's scope are left out: a row naming one reads as
    // naming an organisation that does not exist, and reveals nothing.
    let orgs: HashMap<String, i64> = store
        .registry()
        .all_orgs()
        .await?
        .into_iter()
        .filter(|o| opts.may(Action::WriteMembers, &o.tree_path(), o.sector.as_deref()))
        .map(|o| (o.code, o.id))
        .collect();
    let mut report = ImportReport::default();
    let mut tx = store.begin(&opts.actor).await?;
    if opts.on_behalf.is_some() {
        tx.restrict_members_to(orgs.values().copied().collect());
    }
    let mut rx = prepare_members(reader, columns, orgs, store.vault().clone(), opts.today);
    while let Some(chunk) = rx.recv().await {
        let chunk = chunk?;
        report.rows += chunk.rows;
        report.valid_rows += chunk.members.len();
        report.note(chunk.issues);
        // Once a row is bad and bad rows are not skipped, nothing will be committed: keep
        // validating to report every problem, but stop writing.
        if opts.writing(&report.issues) && !chunk.members.is_empty() {
            let o = tx.upsert_prepared(chunk.members).await?;
            report.outcome.add(o);
        }
        progress.advance(chunk.rows);
    }
    progress.finish();
    finish(tx, report, opts).await
}

pub(crate) async fn finish(
    tx: xianfeng_storage::WriteTx,
    mut report: ImportReport,
    opts: &ImportOptions,
) -> Result<ImportReport, AppError> {
    if opts.mode != ImportMode::Commit || (!report.issues.is_empty() && !opts.skip_bad) {
        tx.rollback().await?;
        report.committed = false;
    } else {
        tx.commit().await?;
        report.committed = true;
    }
    Ok(report)
}

pub async fn import_orgs(
    store: &Store,
    reader: SheetReader,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportReport, AppError> {
    let columns = Columns::<OrgField>::find(&reader.headers).map_err(AppError::Input)?;
    progress.start(reader.estimated_rows());
    let cats = store.campaigns().categories().await?;
    let index = CategoryIndex::new(
        cats.iter()
            .map(|(c, n, e)| (c.as_str(), n.as_str(), e.as_str())),
    );
    let mut report = ImportReport::default();
    let mut rows = Vec::new();
    let mut rx = chunks(reader);
    while let Some(chunk) = rx.recv().await {
        let chunk = chunk?;
        for (row, cells) in &chunk {
            report.rows += 1;
            match parse_org_row(*row, cells, &columns, &index) {
                Ok(r) => {
                    report.valid_rows += 1;
                    rows.push(r);
                }
                Err(issues) => report.issues.extend(issues),
            }
        }
        progress.advance(chunk.len());
    }
    progress.finish();
    // Planned against the tree as it is with the tree held: a move or another import at
    // the same moment goes before or after this one, never between its reading and writing.
    let mut tx = store.begin(&opts.actor).await?;
    let existing = tx.orgs_for_change().await?;
    let by_id: HashMap<i64, String> = existing.iter().map(|o| (o.id, o.code.clone())).collect();
    // On behalf of an account, organisations outside its scope are not planned against:
    // a row naming one gets the same neutral answer whatever is there, and reveals nothing.
    let writable = |o: &xianfeng_storage::OrgRecord| {
        opts.may(
            Action::WriteOrganisations,
            &o.tree_path(),
            o.sector.as_deref(),
        )
    };
    if opts.on_behalf.is_some() {
        let before = rows.len();
        let outside: std::collections::HashSet<&str> = existing
            .iter()
            .filter(|o| !writable(o))
            .map(|o| o.code.as_str())
            .collect();
        let current_parent: HashMap<&str, Option<&String>> = existing
            .iter()
            .map(|o| (o.code.as_str(), o.parent_id.and_then(|p| by_id.get(&p))))
            .collect();
        rows.retain(|r| {
            let code = r.code.as_str();
            let parent = r.parent.as_ref().map(|p| p.as_str());
            // Naming one's own root's parent, unchanged, is no reach outside.
            let same_parent = parent.is_some()
                && current_parent
                    .get(code)
                    .copied()
                    .flatten()
                    .map(String::as_str)
                    == parent;
            let blocked = if outside.contains(code) {
                Some((OrgField::Code, code.to_string()))
            } else {
                parent
                    .filter(|p| outside.contains(p) && !same_parent)
                    .map(|p| (OrgField::ParentCode, p.to_string()))
            };
            if let Some((field, value)) = blocked {
                report.issues.push(RowIssue {
                    row: r.row,
                    column: field.headers()[0].to_string(),
                    value,
                    reason: Message::of("import.code_unavailable", &[]),
                });
                return false;
            }
            true
        });
        report.valid_rows -= before - rows.len();
    }
    let known: HashMap<String, KnownOrg> = existing
        .iter()
        .filter(|o| opts.on_behalf.is_none() || writable(o))
        .map(|o| {
            (
                o.code.clone(),
                KnownOrg {
                    id: o.id,
                    parent_code: o.parent_id.and_then(|p| by_id.get(&p).cloned()),
                    path: TreePath::from_stored(o.path.clone()),
                    kind: o.kind,
                    name: o.name.clone(),
                    category: o.category.clone(),
                    sector: o.sector.clone(),
                },
            )
        })
        .collect();
    let next_id = tx.next_org_id().await?;
    let row_of: HashMap<String, usize> = rows
        .iter()
        .map(|r| (r.code.as_str().to_string(), r.row))
        .collect();
    let mut plan = plan_org_import(rows, &known, next_id);
    if opts.on_behalf.is_some() {
        let issues = keep_in_scope(&mut plan, &row_of, opts);
        plan.issues.extend(issues);
    }
    let mut issues = std::mem::take(&mut report.issues);
    issues.extend(plan.issues);
    issues.sort_by_key(|i| i.row);
    report.note(issues);
    let writing = opts.writing(&report.issues);
    report.outcome.unchanged = plan.unchanged;
    report.outcome.inserted = plan.create.len();
    report.outcome.updated = plan.update.len();
    if writing {
        let new: Vec<NewOrg> = plan
            .create
            .into_iter()
            .map(|p| NewOrg {
                id: p.id,
                code: p.code,
                name: p.name,
                kind: p.kind,
                category: p.category,
                sector: p.sector,
                parent_id: p.parent_id,
                path: p.path.as_str().to_string(),
            })
            .collect();
        tx.insert_orgs(&new).await?;
        let by_code: HashMap<&str, &xianfeng_storage::OrgRecord> =
            existing.iter().map(|o| (o.code.as_str(), o)).collect();
        for u in &plan.update {
            let before = by_code[u.code.as_str()];
            tx.update_org(
                before,
                &OrgUpdate {
                    name: u.name.clone(),
                    kind: u.kind,
                    category: u.category.clone(),
                    sector: u.sector.clone(),
                },
            )
            .await?;
        }
    }
    finish(tx, report, opts).await
}

/// Takes out of the plan the organisations the account may not write (a new one under a
/// parent outside its scope, or an existing one outside it), with an issue for each row.
fn keep_in_scope(
    plan: &mut OrgPlan,
    row_of: &HashMap<String, usize>,
    opts: &ImportOptions,
) -> Vec<RowIssue> {
    let mut issues = Vec::new();
    for list in [&mut plan.create, &mut plan.update] {
        list.retain(|o| {
            let ok = opts.may(Action::WriteOrganisations, &o.path, o.sector.as_deref());
            if !ok {
                issues.push(RowIssue {
                    row: row_of.get(&o.code).copied().unwrap_or(0),
                    column: OrgField::Code.headers()[0].to_string(),
                    value: o.code.clone(),
                    reason: Message::of("import.org_out_of_scope", &[]),
                });
            }
            ok
        });
    }
    issues.sort_by_key(|i| i.row);
    issues
}

/// An empty roster workbook with the given headers, every column formatted as text: an ID
/// number typed or pasted into it stays 18 characters, instead of becoming 4.10802E+17 as
/// in a CSV file Excel opens.
pub fn template_xlsx(headers: &[&str]) -> Result<Vec<u8>, AppError> {
    use rust_xlsxwriter::{Format, Workbook};
    let fault = |e: rust_xlsxwriter::XlsxError| AppError::fault(e);
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let text = Format::new().set_num_format("@");
    let bold = Format::new().set_bold().set_num_format("@");
    for (col, h) in headers.iter().enumerate() {
        let col = u16::try_from(col).map_err(AppError::fault)?;
        sheet.set_column_format(col, &text).map_err(fault)?;
        sheet.set_column_width(col, 18).map_err(fault)?;
        sheet
            .write_string_with_format(0, col, *h, &bold)
            .map_err(fault)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(fault)?;
    book.save_to_buffer().map_err(fault)
}

/// Writes the report's problems as a CSV file that Excel opens correctly (UTF-8 with BOM),
/// with headers and reasons in `lang` (行号, 列, 值, 原因); a last line says how many more
/// there were beyond those listed.
pub fn write_issues_csv(path: &Path, report: &ImportReport, lang: Lang) -> std::io::Result<()> {
    std::fs::write(path, issues_csv(report, lang)?)
}

/// The problems as the bytes of [`write_issues_csv`]'s file (for a download).
pub fn issues_csv(report: &ImportReport, lang: Lang) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::from(&b"\xEF\xBB\xBF"[..]);
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let header = |key: &str| xianfeng_domain::i18n::t(lang, key, &[]);
        w.write_record([
            header("import.col_row"),
            header("import.col_column"),
            header("import.col_value"),
            header("import.col_reason"),
        ])?;
        for i in &report.issues {
            let reason = i.reason.render(lang);
            w.write_record([
                i.row.to_string().as_str(),
                &csv_cell(&i.column),
                &csv_cell(&i.value),
                &csv_cell(&reason),
            ])?;
        }
        if report.unlisted_issues > 0 {
            let more = Message::of("import.more_issues", &[("count", &report.unlisted_issues)]);
            w.write_record(["", "", "", &csv_cell(&more.render(lang))])?;
        }
        w.flush()?;
    }
    Ok(out)
}
