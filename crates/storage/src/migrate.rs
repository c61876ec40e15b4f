//! Versioned migrations, one folder per dialect, embedded in the binary and applied on
//! start. Each applied migration's checksum is kept, so an edited migration is caught.

use sha2::{Digest, Sha256};
use sqlx::Executor;

use crate::{Dialect, Result, Store, StoreError, now_ms};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "sessions",
        sqlite: include_str!("../migrations/sqlite/0002_sessions.sql"),
        postgres: include_str!("../migrations/postgres/0002_sessions.sql"),
    },
    Migration {
        version: 3,
        name: "staged_imports",
        sqlite: include_str!("../migrations/sqlite/0003_staged_imports.sql"),
        postgres: include_str!("../migrations/postgres/0003_staged_imports.sql"),
    },
    Migration {
        version: 4,
        name: "participation",
        sqlite: include_str!("../migrations/sqlite/0004_participation.sql"),
        postgres: include_str!("../migrations/postgres/0004_participation.sql"),
    },
    Migration {
        version: 5,
        name: "evaluation",
        sqlite: include_str!("../migrations/sqlite/0005_evaluation.sql"),
        postgres: include_str!("../migrations/postgres/0005_evaluation.sql"),
    },
    Migration {
        version: 6,
        name: "ballot_marks",
        sqlite: include_str!("../migrations/sqlite/0006_ballot_marks.sql"),
        postgres: include_str!("../migrations/postgres/0006_ballot_marks.sql"),
    },
    Migration {
        version: 7,
        name: "scores",
        sqlite: include_str!("../migrations/sqlite/0007_scores.sql"),
        postgres: include_str!("../migrations/postgres/0007_scores.sql"),
    },
    Migration {
        version: 8,
        name: "score_indexes",
        sqlite: include_str!("../migrations/sqlite/0008_score_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0008_score_indexes.sql"),
    },
    Migration {
        version: 9,
        name: "score_facts",
        sqlite: include_str!("../migrations/sqlite/0009_score_facts.sql"),
        postgres: include_str!("../migrations/postgres/0009_score_facts.sql"),
    },
    Migration {
        version: 10,
        name: "calendar",
        sqlite: include_str!("../migrations/sqlite/0010_calendar.sql"),
        postgres: include_str!("../migrations/postgres/0010_calendar.sql"),
    },
    Migration {
        version: 11,
        name: "selection",
        sqlite: include_str!("../migrations/sqlite/0011_selection.sql"),
        postgres: include_str!("../migrations/postgres/0011_selection.sql"),
    },
];

/// Applies the migrations not applied yet, up to `up_to`.
pub(crate) async fn run(store: &Store, up_to: i64) -> Result<()> {
    let pool = &store.write;
    pool.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            checksum TEXT NOT NULL,
            applied_at BIGINT NOT NULL)",
    )
    .await?;
    let applied: Vec<(i64, String)> =
        sqlx::query_as("SELECT version, checksum FROM schema_migrations ORDER BY version")
            .fetch_all(pool)
            .await?;
    for m in MIGRATIONS.iter().filter(|m| m.version <= up_to) {
        let sql = match store.dialect {
            Dialect::Sqlite => m.sqlite,
            Dialect::Postgres => m.postgres,
        };
        let checksum = hex::encode(Sha256::digest(sql.as_bytes()));
        if let Some((_, stored)) = applied.iter().find(|(v, _)| *v == m.version) {
            if *stored != checksum {
                return Err(StoreError::Invalid(format!(
                    "migration {} ({}) differs from the one applied to this database",
                    m.version, m.name
                )));
            }
            continue;
        }
        tracing::info!(version = m.version, name = m.name, "applying migration");
        let mut tx = pool.begin().await?;
        sqlx::raw_sql(sql).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(m.version)
        .bind(m.name)
        .bind(checksum)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    if let Some((v, _)) = applied.last()
        && *v > MIGRATIONS.last().map_or(0, |m| m.version)
    {
        return Err(StoreError::Invalid(format!(
            "this database has schema version {v}, newer than this program knows: upgrade xianfeng"
        )));
    }
    Ok(())
}
