use serde::Serialize;

use crate::{Result, Store};

/// Counts of what the registry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub organisations: i64,
    pub members: i64,
    pub leadership_teams: i64,
    pub cadres: i64,
    pub users: i64,
    pub campaigns: i64,
    pub audit_entries: i64,
}

impl Store {
    pub async fn stats(&self) -> Result<Stats> {
        let count = |table: &'static str| async move {
            let (n,): (i64,) = sqlx::query_as(dynsql!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(self.reader())
                .await?;
            Ok::<i64, crate::StoreError>(n)
        };
        Ok(Stats {
            organisations: count("organisations").await?,
            members: count("members").await?,
            leadership_teams: count("leadership_teams").await?,
            cadres: count("cadres").await?,
            users: count("users").await?,
            campaigns: count("campaigns").await?,
            audit_entries: count("audit_log").await?,
        })
    }
}
