//! Planning an organisation import: rows may come in any order (a child before its parent),
//! reference organisations already stored, and must not form a cycle. The plan says which
//! organisations to create (parents first, with ids and paths) and which to update.

use std::collections::{HashMap, HashSet};

use crate::i18n::Message;
use crate::org::{OrgKind, TreePath};
use crate::roster::{Field, OrgRow, RowIssue};

/// An organisation already in the registry, as the planner needs it.
#[derive(Debug, Clone)]
pub struct KnownOrg {
    pub id: i64,
    pub parent_code: Option<String>,
    pub path: TreePath,
    pub kind: OrgKind,
    pub name: String,
    pub category: Option<String>,
    pub sector: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedOrg {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub category: Option<String>,
    pub sector: Option<String>,
    pub parent_id: Option<i64>,
    pub path: TreePath,
}

#[derive(Debug, Clone, Default)]
pub struct OrgPlan {
    /// New organisations, every parent before its children.
    pub create: Vec<PlannedOrg>,
    /// Existing organisations whose name, kind, category or sector changes.
    pub update: Vec<PlannedOrg>,
    pub unchanged: usize,
    pub issues: Vec<RowIssue>,
}

fn issue(row: &OrgRow, column: &str, value: &str, reason: Message) -> RowIssue {
    RowIssue {
        row: row.row,
        column: column.to_string(),
        value: value.to_string(),
        reason,
    }
}

/// Plans the import of `rows` against `known`, numbering new organisations from `next_id`.
/// Rows with issues are left out of the plan; the caller decides whether to go on.
pub fn plan_org_import(
    rows: Vec<OrgRow>,
    known: &HashMap<String, KnownOrg>,
    next_id: i64,
) -> OrgPlan {
    let mut plan = OrgPlan::default();
    // First occurrence of each code wins; later ones are reported.
    let mut by_code: HashMap<String, OrgRow> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for row in rows {
        let code = row.code.as_str().to_string();
        if let Some(first) = by_code.get(&code) {
            plan.issues.push(issue(
                &row,
                crate::roster::OrgField::Code.headers()[0],
                &code,
                Message::of("orgplan.duplicate", &[("row", &first.row)]),
            ));
            continue;
        }
        order.push(code.clone());
        by_code.insert(code, row);
    }

    // Resolve each row's parent, depth-first, detecting cycles among the file's rows.
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Visiting,
        Done,
    }
    let mut state: HashMap<String, State> = HashMap::new();
    // code -> (id, path, kind, category) of organisations placed so far (file rows).
    let mut placed: HashMap<String, (i64, TreePath, OrgKind, Option<String>)> = HashMap::new();
    let mut failed: HashSet<String> = HashSet::new();
    let mut next = next_id;

    for start in &order {
        // Iterative walk up the parent chain of `start`.
        let mut chain: Vec<String> = vec![];
        let mut cur = start.clone();
        let mut cycle = false;
        loop {
            match state.get(&cur) {
                Some(State::Done) => break,
                Some(State::Visiting) => {
                    cycle = true;
                    break;
                }
                None => {}
            }
            let Some(row) = by_code.get(&cur) else { break };
            state.insert(cur.clone(), State::Visiting);
            chain.push(cur.clone());
            match &row.parent {
                Some(p) if by_code.contains_key(p.as_str()) => cur = p.as_str().to_string(),
                _ => break,
            }
        }
        if cycle {
            let codes = chain.join(" → ");
            for code in &chain {
                let row = &by_code[code];
                plan.issues.push(issue(
                    row,
                    crate::roster::OrgField::ParentCode.headers()[0],
                    row.parent.as_ref().map_or("", |p| p.as_str()),
                    Message::of("orgplan.cycle", &[("codes", &codes)]),
                ));
                failed.insert(code.clone());
                state.insert(code.clone(), State::Done);
            }
            continue;
        }
        // Place the chain from the top down.
        for code in chain.iter().rev() {
            state.insert(code.clone(), State::Done);
            let row = &by_code[code];
            let parent = match &row.parent {
                None => Ok(None),
                Some(p) => {
                    let pc = p.as_str();
                    if failed.contains(pc) {
                        Err(Message::of("orgplan.parent_failed", &[("code", &pc)]))
                    } else if let Some((id, path, kind, cat)) = placed.get(pc) {
                        Ok(Some((*id, path.clone(), *kind, cat.clone())))
                    } else if let Some(k) = known.get(pc) {
                        Ok(Some((k.id, k.path.clone(), k.kind, k.category.clone())))
                    } else {
                        Err(Message::of("orgplan.parent_missing", &[("code", &pc)]))
                    }
                }
            };
            let parent = match parent {
                Ok(p) => p,
                Err(reason) => {
                    let value = row.parent.as_ref().map_or("", |p| p.as_str()).to_string();
                    plan.issues.push(issue(
                        row,
                        crate::roster::OrgField::ParentCode.headers()[0],
                        &value,
                        reason,
                    ));
                    failed.insert(code.clone());
                    continue;
                }
            };
            if let Some((_, _, pkind, _)) = &parent
                && !row.kind.may_sit_under(*pkind)
            {
                plan.issues.push(issue(
                    row,
                    crate::roster::OrgField::Kind.headers()[0],
                    row.kind.name_zh(),
                    Message::of("orgplan.kind_under", &[])
                        .arg_message("kind", row.kind.name())
                        .arg_message("parent", pkind.name()),
                ));
                failed.insert(code.clone());
                continue;
            }
            // An empty category is inherited from the parent: a branch is in the category
            // of the committee it belongs to.
            let category = row
                .category
                .clone()
                .or_else(|| parent.as_ref().and_then(|p| p.3.clone()));
            if let Some(k) = known.get(code) {
                if k.parent_code.as_deref() != row.parent.as_ref().map(|p| p.as_str()) {
                    plan.issues.push(issue(
                        row,
                        crate::roster::OrgField::ParentCode.headers()[0],
                        row.parent.as_ref().map_or("", |p| p.as_str()),
                        Message::of(
                            "orgplan.parent_changed",
                            &[("current", &k.parent_code.clone().unwrap_or_default())],
                        ),
                    ));
                    failed.insert(code.clone());
                    continue;
                }
                let unchanged = k.name == row.name
                    && k.kind == row.kind
                    && k.category == category
                    && k.sector == row.sector;
                if unchanged {
                    plan.unchanged += 1;
                    placed.insert(code.clone(), (k.id, k.path.clone(), row.kind, category));
                    continue;
                }
            }
            // A known organisation keeps its id and place; a new one gets the next id.
            let (id, path, list) = match known.get(code) {
                Some(k) => (k.id, k.path.clone(), &mut plan.update),
                None => {
                    let id = next;
                    next += 1;
                    let path = match &parent {
                        Some((_, p, _, _)) => p.child(id),
                        None => TreePath::root(id),
                    };
                    (id, path, &mut plan.create)
                }
            };
            list.push(PlannedOrg {
                id,
                code: code.clone(),
                name: row.name.clone(),
                kind: row.kind,
                category: category.clone(),
                sector: row.sector.clone(),
                parent_id: parent.as_ref().map(|p| p.0),
                path: path.clone(),
            });
            placed.insert(code.clone(), (id, path, row.kind, category));
        }
    }
    plan.issues.sort_by_key(|i| i.row);
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::OrgCode;

    fn row(n: usize, code: &str, parent: Option<&str>, kind: OrgKind) -> OrgRow {
        OrgRow {
            row: n,
            code: OrgCode::parse(code).unwrap(),
            name: format!("{code}党组织"),
            parent: parent.map(|p| OrgCode::parse(p).unwrap()),
            kind,
            category: None,
            sector: None,
        }
    }

    #[test]
    fn children_may_come_before_parents() {
        let mut top = row(4, "C", None, OrgKind::CountyCommittee);
        top.category = Some("county".into());
        let rows = vec![
            row(2, "B1", Some("P"), OrgKind::Branch),
            row(3, "P", Some("C"), OrgKind::Committee),
            top,
        ];
        let plan = plan_org_import(rows, &HashMap::new(), 10);
        assert!(plan.issues.is_empty(), "{:?}", plan.issues);
        let codes: Vec<&str> = plan.create.iter().map(|o| o.code.as_str()).collect();
        assert_eq!(codes, vec!["C", "P", "B1"]);
        let b1 = &plan.create[2];
        assert_eq!(b1.path.ids().len(), 3);
        assert_eq!(b1.category.as_deref(), Some("county"), "inherited");
        assert_eq!(b1.parent_id, Some(plan.create[1].id));
    }

    #[test]
    fn cycles_missing_parents_and_duplicates_are_reported_with_rows() {
        let rows = vec![
            row(2, "A", Some("B"), OrgKind::Committee),
            row(3, "B", Some("A"), OrgKind::Committee),
            row(4, "X", Some("NOPE"), OrgKind::Branch),
            row(5, "X", None, OrgKind::Committee),
            row(6, "S", Some("S"), OrgKind::Committee),
        ];
        let plan = plan_org_import(rows, &HashMap::new(), 1);
        assert!(plan.create.is_empty());
        let rows_with_issues: Vec<usize> = plan.issues.iter().map(|i| i.row).collect();
        assert_eq!(rows_with_issues, vec![2, 3, 4, 5, 6]);
        assert!(
            plan.issues[0]
                .reason
                .render(crate::i18n::Lang::ZhCn)
                .contains("A → B")
                || plan.issues[0]
                    .reason
                    .render(crate::i18n::Lang::ZhCn)
                    .contains("B → A")
        );
        assert!(
            plan.issues[2]
                .reason
                .render(crate::i18n::Lang::En)
                .contains("NOPE")
        );
    }

    #[test]
    fn existing_organisations_are_parents_and_unchanged_rows_change_nothing() {
        let mut known = HashMap::new();
        known.insert(
            "C".to_string(),
            KnownOrg {
                id: 1,
                parent_code: None,
                path: TreePath::root(1),
                kind: OrgKind::CountyCommittee,
                name: "C党组织".into(),
                category: Some("county".into()),
                sector: None,
            },
        );
        let rows = vec![
            row(2, "C", None, OrgKind::CountyCommittee),
            row(3, "B", Some("C"), OrgKind::Branch),
        ];
        let plan = plan_org_import(rows, &known, 2);
        // C's category is absent in the row and not inherited (no parent), so it changes.
        assert_eq!(plan.update.len(), 1);
        assert_eq!(plan.create[0].path.as_str(), "/1/2/");
        let mut same = row(2, "C", None, OrgKind::CountyCommittee);
        same.category = Some("county".into());
        let plan = plan_org_import(vec![same], &known, 2);
        assert_eq!((plan.unchanged, plan.update.len()), (1, 0));
    }

    #[test]
    fn a_branch_cannot_hold_a_committee() {
        let rows = vec![
            row(2, "B", None, OrgKind::Branch),
            row(3, "P", Some("B"), OrgKind::Committee),
        ];
        let plan = plan_org_import(rows, &HashMap::new(), 1);
        assert_eq!(plan.issues.len(), 1);
        assert_eq!(plan.issues[0].row, 3);
    }
}
