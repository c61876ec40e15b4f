//! Locks a write transaction takes before a check that must stay true until it commits
//! (issue 22, docs/CLUSTER.md): "at most three objections an hour", "one principal leader
//! per team", "no input into a period being closed". A check read and then acted on is
//! only safe if nobody can change what it read in between; while every writer queued on
//! the audit head that was true of every check, and it must stay true without that queue.
//!
//! Two kinds, both row locks, which every PostgreSQL-compatible engine has (advisory locks
//! are not portable): a row of the table the rule is about, or a named row of
//! `write_locks` for a rule about something that has no row of its own (an organisation's
//! quota for an honour). SQLite has one writer: there, neither is needed, and both are
//! nothing.

use sqlx::AssertSqlSafe;

use crate::{Dialect, Result, WriteTx, now_ms};

/// Tables whose rows a check locks. A closed list, so that no text reaches the SQL.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Rows {
    Organisations,
    Nominations,
    Members,
    LeadershipTeams,
    Models,
    Users,
    InspectionTasks,
    InspectionPlans,
    Practices,
}

impl Rows {
    fn table(self) -> &'static str {
        match self {
            Rows::Organisations => "organisations",
            Rows::Nominations => "nominations",
            Rows::Members => "members",
            Rows::LeadershipTeams => "leadership_teams",
            Rows::Models => "models",
            Rows::Users => "users",
            Rows::InspectionTasks => "inspection_tasks",
            Rows::InspectionPlans => "inspection_plans",
            Rows::Practices => "practices",
        }
    }
}

impl WriteTx {
    /// Locks rows of `rows` by id until this transaction ends, in id order, so that two
    /// transactions locking overlapping sets wait for each other rather than deadlock.
    pub(crate) async fn lock_rows(&mut self, rows: Rows, ids: &[i64]) -> Result<()> {
        if self.dialect == Dialect::Sqlite || ids.is_empty() {
            return Ok(());
        }
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        for chunk in ids.chunks(500) {
            let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
            let sql = format!(
                "SELECT id FROM {} WHERE id IN ({}) ORDER BY id FOR UPDATE",
                rows.table(),
                list.join(",")
            );
            sqlx::query(AssertSqlSafe(sql))
                .fetch_all(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    /// Locks the named rule until this transaction ends: a second transaction locking the
    /// same name waits for this one to commit, then reads what it wrote.
    pub(crate) async fn lock_name(&mut self, name: &str) -> Result<()> {
        if self.dialect == Dialect::Sqlite {
            return Ok(());
        }
        // One statement both creates the row and takes its lock.
        sqlx::query(
            "INSERT INTO write_locks (name, taken_at) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET taken_at = excluded.taken_at",
        )
        .bind(name.to_string())
        .bind(now_ms())
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}

/// What holds files under a limit (at most ten per nomination, twelve per model entry or
/// practice).
#[derive(Debug, Clone, Copy)]
pub enum FilesOf {
    Nomination,
    Model,
    Practice,
}

impl FilesOf {
    fn parts(self) -> (Rows, &'static str, &'static str) {
        match self {
            FilesOf::Nomination => (Rows::Nominations, "nomination_attachments", "nomination_id"),
            FilesOf::Model => (Rows::Models, "model_files", "model_id"),
            FilesOf::Practice => (Rows::Practices, "practice_files", "practice_id"),
        }
    }
}

impl WriteTx {
    /// The files `id` holds, counted with its row locked until this transaction ends: two
    /// uploads sent at once through two servers are counted one after the other against
    /// the limit, not each against what was there before both (B27).
    pub async fn files_held(&mut self, of: FilesOf, id: i64) -> Result<usize> {
        let (rows, table, parent) = of.parts();
        self.lock_rows(rows, &[id]).await?;
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM {table} WHERE {parent} = $1"
        )))
        .bind(id)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(usize::try_from(n).unwrap_or(0))
    }
}
