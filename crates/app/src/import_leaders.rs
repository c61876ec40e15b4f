//! Importing leadership teams (领导班子) and their cadres (领导干部) from .xlsx/.csv, with
//! the roster import's rules: all or nothing unless bad rows are skipped, every problem
//! with row, column, value and reason, and a file imported twice changing nothing.
//!
//! Sheets of teams and cadres are small (a city has a few hundred teams), so their rows are
//! read whole before anything is written: the checks that span rows (one principal leader
//! per team) need them all.

use std::collections::HashMap;

use xianfeng_domain::i18n::Message;
use xianfeng_domain::leader_roster::{
    CadreField, CadreRow, Post, TeamField, TeamRow, check_posts, parse_cadre_row, parse_team_row,
};
use xianfeng_domain::policy::Action;
use xianfeng_domain::roster::{Columns, RowIssue};
use xianfeng_ingest::SheetReader;
use xianfeng_storage::{NewCadre, Store};

use crate::import::{ImportOptions, ImportReport, chunks, finish};
use crate::{AppError, Progress};

fn issue(row: usize, column: &str, value: &str, key: &'static str) -> RowIssue {
    RowIssue {
        row,
        column: column.to_string(),
        value: value.to_string(),
        reason: Message::of(key, &[]),
    }
}

/// The organisations an import may write teams in, by code: on behalf of an account, those
/// in its scope (a row naming another reads as naming one that does not exist).
async fn writable_orgs(
    store: &Store,
    opts: &ImportOptions,
) -> Result<HashMap<String, i64>, AppError> {
    Ok(store
        .registry()
        .all_orgs()
        .await?
        .into_iter()
        .filter(|o| {
            opts.may(
                Action::WriteOrganisations,
                &o.tree_path(),
                o.sector.as_deref(),
            )
        })
        .map(|o| (o.code, o.id))
        .collect())
}

pub async fn import_teams(
    store: &Store,
    reader: SheetReader,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportReport, AppError> {
    let columns = Columns::<TeamField>::find(&reader.headers).map_err(AppError::Input)?;
    progress.start(reader.estimated_rows());
    let orgs = writable_orgs(store, opts).await?;
    let mut report = ImportReport::default();
    let mut issues = vec![];
    let mut rows: Vec<(TeamRow, i64)> = vec![];
    let mut seen: HashMap<(i64, String), usize> = HashMap::new();
    let mut rx = chunks(reader);
    while let Some(chunk) = rx.recv().await {
        let chunk = chunk?;
        for (row, cells) in &chunk {
            report.rows += 1;
            let t = match parse_team_row(*row, cells, &columns) {
                Ok(t) => t,
                Err(found) => {
                    issues.extend(found);
                    continue;
                }
            };
            let org_header = columns.header(TeamField::OrgCode);
            let Some(org_id) = orgs.get(t.org_code.as_str()).copied() else {
                issues.push(issue(
                    *row,
                    &org_header,
                    t.org_code.as_str(),
                    "import.org_missing",
                ));
                continue;
            };
            if let Some(first) = seen.get(&(org_id, t.name.clone())) {
                issues.push(RowIssue {
                    row: *row,
                    column: columns.header(TeamField::Name),
                    value: t.name.clone(),
                    reason: Message::of("import.duplicate_team", &[("row", first)]),
                });
                continue;
            }
            seen.insert((org_id, t.name.clone()), *row);
            rows.push((t, org_id));
        }
        progress.advance(chunk.len());
    }
    progress.finish();
    report.valid_rows = rows.len();
    issues.sort_by_key(|i| i.row);
    report.note(issues);
    let mut tx = store.begin(&opts.actor).await?;
    if opts.writing(&report.issues) {
        for (t, org_id) in &rows {
            let (_, outcome) = tx.upsert_team(*org_id, &t.name, t.category).await?;
            report.outcome.add(outcome);
        }
    }
    finish(tx, report, opts).await
}

/// The teams a cadre row may name, by name: (team id, organisation code) of each.
type TeamsByName = HashMap<String, Vec<(i64, String)>>;

/// Finds a row's team by name (and organisation code, when the sheet gives one).
fn team_of(
    c: &CadreRow,
    teams: &TeamsByName,
    columns: &Columns<CadreField>,
) -> Result<i64, RowIssue> {
    let header = columns.header(CadreField::Team);
    let named = teams.get(&c.team).map(Vec::as_slice).unwrap_or(&[]);
    let matching: Vec<i64> = named
        .iter()
        .filter(|(_, org)| c.org_code.as_ref().is_none_or(|code| code.as_str() == org))
        .map(|(id, _)| *id)
        .collect();
    match matching[..] {
        [one] => Ok(one),
        [] => Err(issue(c.row, &header, &c.team, "import.team_missing")),
        _ => Err(RowIssue {
            row: c.row,
            column: header,
            value: c.team.clone(),
            reason: Message::of("import.team_ambiguous", &[("count", &matching.len())]),
        }),
    }
}

pub async fn import_cadres(
    store: &Store,
    reader: SheetReader,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportReport, AppError> {
    let columns = Columns::<CadreField>::find(&reader.headers).map_err(AppError::Input)?;
    progress.start(reader.estimated_rows());
    let orgs = writable_orgs(store, opts).await?;
    let code_of: HashMap<i64, &str> = orgs.iter().map(|(c, id)| (*id, c.as_str())).collect();
    let mut teams: TeamsByName = HashMap::new();
    for t in store.registry().all_teams().await? {
        if let Some(code) = code_of.get(&t.org_id) {
            teams
                .entry(t.name)
                .or_default()
                .push((t.id, code.to_string()));
        }
    }
    let mut report = ImportReport::default();
    let mut issues = vec![];
    let mut rows: Vec<(CadreRow, i64)> = vec![];
    let mut rx = chunks(reader);
    while let Some(chunk) = rx.recv().await {
        let chunk = chunk?;
        for (row, cells) in &chunk {
            report.rows += 1;
            match parse_cadre_row(*row, cells, &columns, opts.today) {
                Ok(c) => match team_of(&c, &teams, &columns) {
                    Ok(team) => rows.push((c, team)),
                    Err(i) => issues.push(i),
                },
                Err(found) => issues.extend(found),
            }
        }
        progress.advance(chunk.len());
    }
    progress.finish();
    let posts: Vec<Post<'_>> = rows
        .iter()
        .map(|(c, team)| Post {
            row: c.row,
            team: *team,
            person: &c.id_number,
            is_head: c.is_head,
        })
        .collect();
    let across = check_posts(&posts, &columns);
    drop(posts);
    let refused: std::collections::HashSet<usize> = across.iter().map(|i| i.row).collect();
    rows.retain(|(c, _)| !refused.contains(&c.row));
    issues.extend(across);
    issues.sort_by_key(|i| i.row);
    report.valid_rows = rows.len();
    report.note(issues);
    let mut tx = store.begin(&opts.actor).await?;
    if opts.writing(&report.issues) {
        for (c, team) in &rows {
            let cadre = NewCadre {
                name: c.name.clone(),
                gender: c.gender,
                birth_year: c.birth_year,
                id_number: c.id_number.as_str().to_string(),
                position: c.position.clone(),
                is_head: c.is_head,
                since: c.since,
            };
            report
                .outcome
                .add(tx.upsert_cadre(store, *team, &cadre).await?.1);
        }
    }
    finish(tx, report, opts).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use xianfeng_domain::roster::Field;

    #[test]
    fn a_team_is_found_by_name_and_by_organisation_when_names_repeat() {
        let h: Vec<String> = ["姓名", "身份证号", "职务", "所属班子", "所属组织编码"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let columns = Columns::<CadreField>::find(&h).expect("columns");
        let mut teams = TeamsByName::new();
        teams.insert("领导班子".into(), vec![(1, "C1".into()), (2, "C2".into())]);
        teams.insert("县委班子".into(), vec![(3, "C1".into())]);
        let row = |team: &str, org: Option<&str>| CadreRow {
            row: 2,
            name: "张三".into(),
            id_number: xianfeng_domain::idcard::IdNumber::parse("11010519491231002X")
                .expect("valid"),
            gender: xianfeng_domain::person::Gender::Female,
            birth_year: 1949,
            position: "书记".into(),
            team: team.into(),
            org_code: org.and_then(xianfeng_domain::org::OrgCode::parse),
            is_head: false,
            since: None,
        };
        assert_eq!(team_of(&row("县委班子", None), &teams, &columns), Ok(3));
        assert_eq!(
            team_of(&row("领导班子", Some("C2")), &teams, &columns),
            Ok(2)
        );
        let two = team_of(&row("领导班子", None), &teams, &columns).unwrap_err();
        assert_eq!(two.reason.key(), "import.team_ambiguous");
        let none = team_of(&row("领导班子", Some("C3")), &teams, &columns).unwrap_err();
        assert_eq!(none.reason.key(), "import.team_missing");
        assert_eq!(CadreField::Team.headers()[0], none.column);
    }
}
