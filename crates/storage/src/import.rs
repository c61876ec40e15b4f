//! Rosters uploaded through the web, held between preview and confirmation (see migration
//! 0003). Only the account that uploaded a file can read it back.

use crate::Import;
use crate::row::Row;
use crate::{Result, now_ms};
use xianfeng_domain::roster::RosterKind;

/// Staged files are kept this long (one hour) and then removed.
pub const STAGED_LIFETIME_MS: i64 = 60 * 60 * 1000;

#[derive(Debug, Clone)]
pub struct StagedImport {
    pub id: i64,
    pub kind: RosterKind,
    pub file_name: String,
    pub content: Vec<u8>,
    /// What checking the file found, as the import service recorded it (JSON of its
    /// report); `None` until the check has finished.
    pub check_result: Option<String>,
}

/// A check claimed longer ago than this is taken to have died with its server.
pub const CHECK_STALE_MS: i64 = 10 * 60 * 1000;

/// A random positive id: a staged file cannot be found by counting.
fn random_id() -> i64 {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).expect("the operating system provides randomness");
    (u64::from_le_bytes(b) >> 12) as i64 + 1
}

impl Import<'_> {
    /// Keeps an uploaded file for `username` and returns its id; clears out expired ones.
    pub async fn stage(
        self,
        username: &str,
        kind: RosterKind,
        file_name: &str,
        content: &[u8],
    ) -> Result<i64> {
        let now = now_ms();
        sqlx::query("DELETE FROM staged_imports WHERE created_at < $1")
            .bind(now - STAGED_LIFETIME_MS)
            .execute(&self.store.write)
            .await?;
        let id = random_id();
        sqlx::query(
            "INSERT INTO staged_imports (id, username, kind, file_name, content, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(username.to_string())
        .bind(kind.as_str())
        .bind(file_name.to_string())
        .bind(content.to_vec())
        .bind(now)
        .execute(&self.store.write)
        .await?;
        Ok(id)
    }

    /// The file `username` staged under `id`, unless it has expired.
    pub async fn staged(self, id: i64, username: &str) -> Result<Option<StagedImport>> {
        let row = sqlx::query(
            "SELECT kind, file_name, content, check_result FROM staged_imports \
             WHERE id = $1 AND username = $2 AND created_at >= $3",
        )
        .bind(id)
        .bind(username.to_string())
        .bind(now_ms() - STAGED_LIFETIME_MS)
        .fetch_optional(&self.store.write)
        .await?;
        row.map(|r| {
            let r = Row::of(&r, "staged_imports");
            Ok(StagedImport {
                id,
                kind: r.parsed("kind", RosterKind::parse)?,
                file_name: r.get("file_name")?,
                content: r.get("content")?,
                check_result: r.get("check_result")?,
            })
        })
        .transpose()
    }

    /// Claims the check of a staged file for this server: true for exactly one caller
    /// among all servers, unless the claim has gone stale or the check has finished.
    pub async fn claim_check(self, id: i64) -> Result<bool> {
        let now = now_ms();
        let claimed = sqlx::query(
            "UPDATE staged_imports SET check_started = $1 WHERE id = $2 \
             AND check_result IS NULL AND (check_started IS NULL OR check_started < $3)",
        )
        .bind(now)
        .bind(id)
        .bind(now - CHECK_STALE_MS)
        .execute(&self.store.write)
        .await?;
        Ok(claimed.rows_affected() == 1)
    }

    /// Keeps what checking a staged file found.
    pub async fn save_check(self, id: i64, result: &str) -> Result<()> {
        sqlx::query("UPDATE staged_imports SET check_result = $1 WHERE id = $2")
            .bind(result.to_string())
            .bind(id)
            .execute(&self.store.write)
            .await?;
        Ok(())
    }

    pub async fn drop_staged(self, id: i64) -> Result<()> {
        sqlx::query("DELETE FROM staged_imports WHERE id = $1")
            .bind(id)
            .execute(&self.store.write)
            .await?;
        Ok(())
    }
}
