//! The organisation tree: materialized paths make "everything under X" one range scan.

use crate::Registry;
use crate::like_escape;
use serde::Serialize;
use sqlx::any::AnyRow;
use xianfeng_domain::i18n::Message;
use xianfeng_domain::org::{OrgKind, TreePath, plan_move};

use crate::{Result, StoreError, WriteTx, in_list, now_ms, values_list};
use sqlx::AssertSqlSafe;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrgRecord {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub category: Option<String>,
    pub sector: Option<String>,
    pub parent_id: Option<i64>,
    pub path: String,
    pub depth: i64,
    /// Members directly in this organisation.
    pub member_count: i64,
    /// The day it was closed (撤销) or merged into another (合并), if it was.
    pub closed_on: Option<chrono::NaiveDate>,
    /// The organisation it was merged into.
    pub merged_into: Option<i64>,
}

impl OrgRecord {
    pub fn tree_path(&self) -> TreePath {
        TreePath::from_stored(self.path.clone())
    }
}

/// A new organisation whose id and path the caller has planned (see the import planner).
#[derive(Debug, Clone, Serialize)]
pub struct NewOrg {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub category: Option<String>,
    pub sector: Option<String>,
    pub parent_id: Option<i64>,
    pub path: String,
}

/// The fields an update may change; the place in the tree changes only by a move.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrgUpdate {
    pub name: String,
    pub kind: OrgKind,
    pub category: Option<String>,
    pub sector: Option<String>,
}

const COLUMNS: &str = "id, code, name, kind, category, sector, parent_id, path, depth, \
    member_count, closed_on, merged_into";

fn from_row(r: &AnyRow) -> Result<OrgRecord> {
    let r = crate::row::Row::of(r, "organisations");
    Ok(OrgRecord {
        id: r.get("id")?,
        code: r.get("code")?,
        name: r.get("name")?,
        kind: r.parsed("kind", OrgKind::parse)?,
        category: r.get("category")?,
        sector: r.get("sector")?,
        parent_id: r.get("parent_id")?,
        path: r.get("path")?,
        depth: r.get("depth")?,
        member_count: r.get("member_count")?,
        closed_on: r.date_opt("closed_on")?,
        merged_into: r.get("merged_into")?,
    })
}

/// Counts under one organisation, itself included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SubtreeCounts {
    pub organisations: i64,
    pub members: i64,
}

impl Registry<'_> {
    pub async fn org_by_code(self, code: &str) -> Result<Option<OrgRecord>> {
        let row = sqlx::query(dynsql!(
            "SELECT {COLUMNS} FROM organisations WHERE code = $1"
        ))
        .bind(code)
        .fetch_optional(self.store.reader())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    pub async fn org_by_id(self, id: i64) -> Result<Option<OrgRecord>> {
        let row = sqlx::query(dynsql!("SELECT {COLUMNS} FROM organisations WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.store.reader())
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Organisations without a parent.
    pub async fn roots(self) -> Result<Vec<OrgRecord>> {
        let rows = sqlx::query(dynsql!(
            "SELECT {COLUMNS} FROM organisations WHERE parent_id IS NULL ORDER BY code"
        ))
        .fetch_all(self.store.reader())
        .await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn children(self, id: i64) -> Result<Vec<OrgRecord>> {
        let rows = sqlx::query(dynsql!(
            "SELECT {COLUMNS} FROM organisations WHERE parent_id = $1 AND closed_on IS NULL \
             ORDER BY code"
        ))
        .bind(id)
        .fetch_all(self.store.reader())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// The organisations on the path from the root to `org`, root first.
    pub async fn ancestors(self, org: &OrgRecord) -> Result<Vec<OrgRecord>> {
        let ids = org.tree_path().ids();
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let sql = format!(
            "SELECT {COLUMNS} FROM organisations WHERE id IN ({}) ORDER BY depth",
            in_list(self.store.dialect, ids.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in ids {
            q = q.bind(id);
        }
        let rows = q.fetch_all(self.store.reader()).await?;
        rows.iter().map(from_row).collect()
    }

    /// Organisations whose name or code contains `needle` (ignoring case), at most
    /// `limit`, by code, within the given subtrees or sectors (or `everywhere`). The caller
    /// still asks the policy about each one: this only keeps the scan small.
    pub async fn search_orgs(
        self,
        needle: &str,
        within: &[TreePath],
        sectors: &[String],
        everywhere: bool,
        limit: i64,
    ) -> Result<Vec<OrgRecord>> {
        if !everywhere && within.is_empty() && sectors.is_empty() {
            return Ok(vec![]);
        }
        let pattern = format!("%{}%", like_escape(&needle.to_lowercase()));
        let mut sql = format!(
            "SELECT {COLUMNS} FROM organisations WHERE closed_on IS NULL AND \
             (LOWER(name) LIKE $1 ESCAPE '\\' OR LOWER(code) LIKE $1 ESCAPE '\\')"
        );
        let mut n = 1;
        if !everywhere {
            let mut alternatives = Vec::new();
            for _ in within {
                alternatives.push(format!("(path >= ${} AND path < ${})", n + 1, n + 2));
                n += 2;
            }
            for _ in sectors {
                n += 1;
                alternatives.push(format!("sector = ${n}"));
            }
            sql.push_str(&format!(" AND ({})", alternatives.join(" OR ")));
        }
        sql.push_str(&format!(" ORDER BY code LIMIT ${}", n + 1));
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(pattern);
        if !everywhere {
            for p in within {
                let (lo, hi) = p.subtree_range();
                q = q.bind(lo).bind(hi);
            }
            for s in sectors {
                q = q.bind(s.clone());
            }
        }
        let rows = q.bind(limit).fetch_all(self.store.reader()).await?;
        rows.iter().map(from_row).collect()
    }

    /// Every organisation, for planning an import against what exists.
    pub async fn all_orgs(self) -> Result<Vec<OrgRecord>> {
        let rows = sqlx::query(dynsql!("SELECT {COLUMNS} FROM organisations ORDER BY path"))
            .fetch_all(self.store.reader())
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// The organisations of `org`'s subtree, itself included, in tree order: one indexed
    /// range over the path.
    pub async fn orgs_under(self, org: &OrgRecord) -> Result<Vec<OrgRecord>> {
        let (lo, hi) = org.tree_path().subtree_range();
        let rows = sqlx::query(dynsql!(
            "SELECT {COLUMNS} FROM organisations WHERE path >= $1 AND path < $2 ORDER BY path"
        ))
        .bind(lo)
        .bind(hi)
        .fetch_all(self.store.reader())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Organisations and members in the subtree of `org`: one indexed range over the path.
    pub async fn subtree_counts(self, org: &OrgRecord) -> Result<SubtreeCounts> {
        let (lo, hi) = org.tree_path().subtree_range();
        let (organisations, members): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(member_count), 0) AS BIGINT) \
             FROM organisations WHERE path >= $1 AND path < $2",
        )
        .bind(lo)
        .bind(hi)
        .fetch_one(self.store.reader())
        .await?;
        Ok(SubtreeCounts {
            organisations,
            members,
        })
    }
}

/// How many rows one multi-row INSERT carries.
const INSERT_BATCH: usize = 500;

impl WriteTx {
    /// Takes the organisation tree for a change of its shape — organisations imported,
    /// moved or closed — until this transaction ends: such changes take turns, so that a
    /// child is never inserted under a path being rewritten, nor two moves cross.
    async fn hold_org_tree(&mut self) -> Result<()> {
        self.lock_name("organisation-tree").await
    }

    /// Every organisation, read with the tree held for a change of its shape: what an
    /// import plans against stays true until it commits.
    pub async fn orgs_for_change(&mut self) -> Result<Vec<OrgRecord>> {
        self.hold_org_tree().await?;
        let rows = sqlx::query(dynsql!("SELECT {COLUMNS} FROM organisations ORDER BY path"))
            .fetch_all(&mut *self.tx)
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// An organisation as this transaction sees it now.
    async fn org_now(&mut self, id: i64) -> Result<OrgRecord> {
        let row = sqlx::query(dynsql!("SELECT {COLUMNS} FROM organisations WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(Message::of("store.no_org", &[("code", &id)])))?;
        from_row(&row)
    }

    /// Refuses members arriving in an organisation closed meanwhile; called with the
    /// organisations' rows locked by the count update at commit, which a close waits for
    /// (and which waits for a close), so that one of the two always sees the other.
    async fn refuse_arrivals_in_closed(&mut self, arrivals: &[i64]) -> Result<()> {
        for chunk in arrivals.chunks(INSERT_BATCH) {
            let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
            let closed: Option<String> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT code FROM organisations WHERE id IN ({}) AND closed_on IS NOT NULL",
                list.join(",")
            )))
            .fetch_optional(&mut *self.tx)
            .await?;
            if let Some(code) = closed {
                return Err(StoreError::Conflict(Message::of(
                    "store.org_closed_meanwhile",
                    &[("code", &code)],
                )));
            }
        }
        Ok(())
    }

    /// The id new organisations are numbered from; [`WriteTx::insert_orgs`] moves the
    /// counter past the ids it inserts.
    pub async fn next_org_id(&mut self) -> Result<i64> {
        self.peek_next_id("organisations").await
    }

    /// Inserts organisations, parents before children, and records each.
    pub async fn insert_orgs(&mut self, orgs: &[NewOrg]) -> Result<()> {
        let now = now_ms();
        for chunk in orgs.chunks(INSERT_BATCH) {
            let sql = format!(
                "INSERT INTO organisations (id, code, name, kind, category, sector, parent_id, \
                 path, depth, member_count, created_at, updated_at) VALUES {}",
                values_list(self.dialect, chunk.len(), 12)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for o in chunk {
                let depth = TreePath::from_stored(o.path.clone()).depth() as i64;
                q = q
                    .bind(o.id)
                    .bind(o.code.clone())
                    .bind(o.name.clone())
                    .bind(o.kind.as_str())
                    .bind(o.category.clone())
                    .bind(o.sector.clone())
                    .bind(o.parent_id)
                    .bind(o.path.clone())
                    .bind(depth)
                    .bind(0i64)
                    .bind(now)
                    .bind(now);
            }
            q.execute(&mut *self.tx).await?;
            for o in chunk {
                self.record::<(), _>("org.create", "organisation", &o.code, None, Some(o))
                    .await?;
            }
        }
        if let Some(last) = orgs.iter().map(|o| o.id).max() {
            self.ids_used_up_to("organisations", last).await?;
        }
        Ok(())
    }

    pub async fn update_org(&mut self, before: &OrgRecord, change: &OrgUpdate) -> Result<()> {
        sqlx::query(
            "UPDATE organisations SET name = $1, kind = $2, category = $3, sector = $4, \
             updated_at = $5 WHERE id = $6",
        )
        .bind(change.name.clone())
        .bind(change.kind.as_str())
        .bind(change.category.clone())
        .bind(change.sector.clone())
        .bind(now_ms())
        .bind(before.id)
        .execute(&mut *self.tx)
        .await?;
        self.record(
            "org.update",
            "organisation",
            &before.code,
            Some(before),
            Some(change),
        )
        .await
    }

    /// Moves the subtree of `org` under `new_parent`, rewriting every descendant's path in
    /// one statement. Refuses a move into its own subtree and a kind that may not sit there.
    /// Closes an organisation (撤销) on `on`, or merges it into `into` (合并): only once its
    /// members have been transferred out and its organisations below closed or moved —
    /// refused otherwise, saying how many remain. Its records stay, under its name.
    pub async fn close_org(
        &mut self,
        org: &OrgRecord,
        on: chrono::NaiveDate,
        into: Option<&OrgRecord>,
    ) -> Result<()> {
        // The tree held, and the organisation locked: members arriving at the same moment
        // are counted below once they commit, or find it closed when they do.
        self.hold_org_tree().await?;
        self.lock_rows(crate::locks::Rows::Organisations, &[org.id])
            .await?;
        if let Some(into) = into
            && self.org_now(into.id).await?.closed_on.is_some()
        {
            return Err(StoreError::Conflict(Message::of(
                "store.org_closed_meanwhile",
                &[("code", &into.code)],
            )));
        }
        let (members,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM members WHERE org_id = $1 AND left_on IS NULL")
                .bind(org.id)
                .fetch_one(&mut *self.tx)
                .await?;
        if members > 0 {
            return Err(StoreError::Conflict(Message::of(
                "store.org_has_members",
                &[("count", &members)],
            )));
        }
        let (below,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM organisations WHERE parent_id = $1 AND closed_on IS NULL",
        )
        .bind(org.id)
        .fetch_one(&mut *self.tx)
        .await?;
        if below > 0 {
            return Err(StoreError::Conflict(Message::of(
                "store.org_has_children",
                &[("count", &below)],
            )));
        }
        let done = sqlx::query(
            "UPDATE organisations SET closed_on = $1, merged_into = $2, updated_at = $3 \
             WHERE id = $4 AND closed_on IS NULL",
        )
        .bind(on.to_string())
        .bind(into.map(|o| o.id))
        .bind(now_ms())
        .bind(org.id)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(Message::of("store.org_closed", &[])));
        }
        let after = serde_json::json!({ "closed_on": on, "merged_into": into.map(|o| &o.code) });
        self.record::<(), _>("org.close", "organisation", &org.code, None, Some(&after))
            .await
    }

    pub async fn move_org(&mut self, org: &OrgRecord, new_parent: &OrgRecord) -> Result<usize> {
        // The paths as they are with the tree held, not as the caller read them.
        self.hold_org_tree().await?;
        let org = &self.org_now(org.id).await?;
        let new_parent = &self.org_now(new_parent.id).await?;
        if new_parent.closed_on.is_some() {
            return Err(StoreError::Conflict(Message::of(
                "store.org_closed_meanwhile",
                &[("code", &new_parent.code)],
            )));
        }
        let old = org.tree_path();
        let new = plan_move(&old, &new_parent.tree_path()).map_err(|_| {
            StoreError::Invalid(Message::of(
                "store.move_cycle",
                &[("code", &org.code), ("parent", &new_parent.code)],
            ))
        })?;
        if !org.kind.may_sit_under(new_parent.kind) {
            return Err(StoreError::Invalid(
                Message::of("orgplan.kind_under", &[])
                    .arg_message("kind", org.kind.name())
                    .arg_message("parent", new_parent.kind.name()),
            ));
        }
        let (lo, hi) = old.subtree_range();
        let delta = new.depth() as i64 - old.depth() as i64;
        let moved = sqlx::query(
            "UPDATE organisations SET path = $1 || substr(path, CAST($2 AS INTEGER)), \
             depth = depth + $3 WHERE path >= $4 AND path < $5",
        )
        .bind(new.as_str().to_string())
        .bind(old.as_str().len() as i64 + 1)
        .bind(delta)
        .bind(lo)
        .bind(hi)
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        sqlx::query("UPDATE organisations SET parent_id = $1, updated_at = $2 WHERE id = $3")
            .bind(new_parent.id)
            .bind(now_ms())
            .bind(org.id)
            .execute(&mut *self.tx)
            .await?;
        let after = serde_json::json!({
            "parent": new_parent.code, "path": new.as_str(), "descendants_moved": moved - 1
        });
        let before = serde_json::json!({"parent_id": org.parent_id, "path": org.path});
        self.record(
            "org.move",
            "organisation",
            &org.code,
            Some(&before),
            Some(&after),
        )
        .await?;
        Ok(moved as usize)
    }

    /// Adds the changes in direct member counts gathered during the transaction, in one
    /// set-based statement per batch: no per-organisation subquery, whose plan PostgreSQL
    /// may base on statistics from before a large import.
    pub(crate) async fn apply_member_count_deltas(&mut self) -> Result<()> {
        let deltas: Vec<(i64, i64)> = std::mem::take(&mut self.member_deltas)
            .into_iter()
            .filter(|(_, n)| *n != 0)
            .collect();
        for chunk in deltas.chunks(INSERT_BATCH) {
            let sql = format!(
                "UPDATE organisations SET member_count = member_count + d.column2 \
                 FROM (VALUES {}) AS d WHERE organisations.id = d.column1",
                values_list(self.dialect, chunk.len(), 2)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (id, n) in chunk {
                q = q.bind(*id).bind(*n);
            }
            q.execute(&mut *self.tx).await?;
        }
        let arrivals: Vec<i64> = deltas
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(id, _)| *id)
            .collect();
        self.refuse_arrivals_in_closed(&arrivals).await
    }
}
