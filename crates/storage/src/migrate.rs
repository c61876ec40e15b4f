//! Versioned migrations, one folder per dialect, embedded in the binary and applied by
//! `xianfeng migrate` or on start. Each applied migration's checksum is kept, so an edited
//! migration is caught.
//!
//! Several servers may start at once against one database: whoever applies migrations
//! first takes a lease (a row of `schema_lock`, [`Lease`]) and the others wait for it, then
//! find nothing left to do. A lease rather than an advisory lock, because the distributed
//! engines (CockroachDB) have none; it expires if its holder dies, and is renewed while
//! the work goes on (docs/CLUSTER.md).

use sha2::{Digest, Sha256};
use sqlx::Executor;
use xianfeng_domain::i18n::Message;

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
    Migration {
        version: 12,
        name: "id_counters",
        sqlite: include_str!("../migrations/sqlite/0012_id_counters.sql"),
        postgres: include_str!("../migrations/postgres/0012_id_counters.sql"),
    },
    Migration {
        version: 13,
        name: "birth_year",
        sqlite: include_str!("../migrations/sqlite/0013_birth_year.sql"),
        postgres: include_str!("../migrations/postgres/0013_birth_year.sql"),
    },
    Migration {
        version: 14,
        name: "staged_checks",
        sqlite: include_str!("../migrations/sqlite/0014_staged_checks.sql"),
        postgres: include_str!("../migrations/postgres/0014_staged_checks.sql"),
    },
    Migration {
        version: 15,
        name: "second_factor",
        sqlite: include_str!("../migrations/sqlite/0015_second_factor.sql"),
        postgres: include_str!("../migrations/postgres/0015_second_factor.sql"),
    },
    Migration {
        version: 16,
        name: "leader_posts",
        sqlite: include_str!("../migrations/sqlite/0016_leader_posts.sql"),
        postgres: include_str!("../migrations/postgres/0016_leader_posts.sql"),
    },
    Migration {
        version: 17,
        name: "moving_in",
        sqlite: include_str!("../migrations/sqlite/0017_moving_in.sql"),
        postgres: include_str!("../migrations/postgres/0017_moving_in.sql"),
    },
    Migration {
        version: 18,
        name: "cadre_posts",
        sqlite: include_str!("../migrations/sqlite/0018_cadre_posts.sql"),
        postgres: include_str!("../migrations/postgres/0018_cadre_posts.sql"),
    },
    Migration {
        version: 19,
        name: "campaign_lifecycle",
        sqlite: include_str!("../migrations/sqlite/0019_campaign_lifecycle.sql"),
        postgres: include_str!("../migrations/postgres/0019_campaign_lifecycle.sql"),
    },
    Migration {
        version: 20,
        name: "local_guidance",
        sqlite: include_str!("../migrations/sqlite/0020_local_guidance.sql"),
        postgres: include_str!("../migrations/postgres/0020_local_guidance.sql"),
    },
    Migration {
        version: 21,
        name: "supervision",
        sqlite: include_str!("../migrations/sqlite/0021_supervision.sql"),
        postgres: include_str!("../migrations/postgres/0021_supervision.sql"),
    },
    Migration {
        version: 22,
        name: "bulletins",
        sqlite: include_str!("../migrations/sqlite/0022_bulletins.sql"),
        postgres: include_str!("../migrations/postgres/0022_bulletins.sql"),
    },
    Migration {
        version: 23,
        name: "bulletin_delivery",
        sqlite: include_str!("../migrations/sqlite/0023_bulletin_delivery.sql"),
        postgres: include_str!("../migrations/postgres/0023_bulletin_delivery.sql"),
    },
    Migration {
        version: 24,
        name: "publicity",
        sqlite: include_str!("../migrations/sqlite/0024_publicity.sql"),
        postgres: include_str!("../migrations/postgres/0024_publicity.sql"),
    },
];

/// How long a lease lasts unless renewed, and how often its holder renews it.
const LEASE_MS: i64 = 60_000;
const RENEW_EVERY: std::time::Duration = std::time::Duration::from_secs(10);
/// How long a server waits for another's migrations before it gives up.
const WAIT_AT_MOST: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// The right to change the schema, held by one process at a time.
pub(crate) struct Lease {
    holder: String,
    renewing: tokio::task::JoinHandle<()>,
}

impl Lease {
    /// Waits until no one else holds the lease, then takes it.
    pub(crate) async fn take(store: &Store) -> Result<Lease> {
        create_once(
            store,
            "CREATE TABLE IF NOT EXISTS schema_lock (
                id BIGINT PRIMARY KEY,
                holder TEXT NOT NULL,
                until_ms BIGINT NOT NULL)",
        )
        .await?;
        let mut token = [0u8; 16];
        getrandom::fill(&mut token).expect("the system's random source works");
        let holder = hex::encode(token);
        let started = std::time::Instant::now();
        let mut said = false;
        loop {
            let now = now_ms();
            let taken = sqlx::query(
                "INSERT INTO schema_lock (id, holder, until_ms) VALUES (1, $1, $2) \
                 ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, \
                 until_ms = excluded.until_ms WHERE schema_lock.until_ms < $3",
            )
            .bind(&holder)
            .bind(now + LEASE_MS)
            .bind(now)
            .execute(&store.write)
            .await?
            .rows_affected();
            if taken == 1 {
                break;
            }
            if started.elapsed() > WAIT_AT_MOST {
                return Err(StoreError::Invalid(Message::of(
                    "store.migration_lock_held",
                    &[],
                )));
            }
            if !std::mem::replace(&mut said, true) {
                tracing::info!("waiting for another server to finish preparing the database");
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        let (pool, who) = (store.write.clone(), holder.clone());
        let renewing = tokio::spawn(async move {
            loop {
                tokio::time::sleep(RENEW_EVERY).await;
                let renewed = sqlx::query(
                    "UPDATE schema_lock SET until_ms = $1 WHERE id = 1 AND holder = $2",
                )
                .bind(now_ms() + LEASE_MS)
                .bind(&who)
                .execute(&pool)
                .await;
                if let Err(e) = renewed {
                    tracing::warn!("cannot renew the migration lease: {e}");
                }
            }
        });
        Ok(Lease { holder, renewing })
    }

    /// Gives the lease up, so that the next server need not wait for it to expire.
    pub(crate) async fn release(self, store: &Store) {
        self.renewing.abort();
        let released = sqlx::query("DELETE FROM schema_lock WHERE id = 1 AND holder = $1")
            .bind(&self.holder)
            .execute(&store.write)
            .await;
        if let Err(e) = released {
            tracing::warn!("cannot release the migration lease (it expires by itself): {e}");
        }
    }
}

/// Runs a `CREATE … IF NOT EXISTS` that servers starting together may race on:
/// PostgreSQL then answers one of them with a unique violation on its catalogue.
async fn create_once(store: &Store, sql: &'static str) -> Result<()> {
    let mut tries = 0;
    loop {
        match store.write.execute(sql).await {
            Ok(_) => return Ok(()),
            Err(_) if tries < 5 => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(50 * tries)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// The versions this database has applied, with their checksums.
async fn applied(store: &Store) -> Result<Vec<(i64, String)>> {
    create_once(
        store,
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            checksum TEXT NOT NULL,
            applied_at BIGINT NOT NULL)",
    )
    .await?;
    Ok(
        sqlx::query_as("SELECT version, checksum FROM schema_migrations ORDER BY version")
            .fetch_all(&store.write)
            .await?,
    )
}

/// For `serve --no-migrate`: the database must have every migration this program knows
/// (a newer schema is fine: migrations only add what older programs ignore).
pub(crate) async fn expect_current(store: &Store) -> Result<()> {
    let applied = applied(store).await?;
    let have = applied.last().map_or(0, |(v, _)| *v);
    let want = MIGRATIONS.last().map_or(0, |m| m.version);
    if have < want {
        return Err(StoreError::Invalid(Message::of(
            "store.migrations_pending",
            &[("have", &have.to_string()), ("want", &want.to_string())],
        )));
    }
    if have > want {
        tracing::info!(
            have,
            want,
            "the database's schema is newer than this program's"
        );
    }
    Ok(())
}

/// The schema version this program brings.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Applies the migrations not applied yet, up to `up_to`; returns how many it applied.
/// The caller holds the [`Lease`].
pub(crate) async fn run(store: &Store, up_to: i64) -> Result<usize> {
    let pool = &store.write;
    let mut count = 0;
    let applied = applied(store).await?;
    for m in MIGRATIONS.iter().filter(|m| m.version <= up_to) {
        let sql = match store.dialect {
            Dialect::Sqlite => m.sqlite,
            Dialect::Postgres => m.postgres,
        };
        let checksum = hex::encode(Sha256::digest(sql.as_bytes()));
        if let Some((_, stored)) = applied.iter().find(|(v, _)| *v == m.version) {
            if *stored != checksum {
                return Err(StoreError::Invalid(Message::verbatim(format!(
                    "migration {} ({}) differs from the one applied to this database",
                    m.version, m.name
                ))));
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
        count += 1;
    }
    if let Some((v, _)) = applied.last()
        && *v > MIGRATIONS.last().map_or(0, |m| m.version)
    {
        return Err(StoreError::Invalid(Message::verbatim(format!(
            "this database has schema version {v}, newer than this program knows: upgrade xianfeng"
        ))));
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;

    /// Migrations whose two dialects really differ throughout, and why.
    const DIFFERENT_MIGRATIONS: &[(i64, &str)] = &[
        (
            6,
            "SQLite cannot add a NOT NULL column to a filled table: it rebuilds ballot_codes \
             and makes code_marks WITHOUT ROWID",
        ),
        (
            9,
            "triggers: SQLite writes the body inline, PostgreSQL through plpgsql functions",
        ),
    ];

    /// Statements only PostgreSQL has (by their start, normalised), and why.
    const POSTGRES_ONLY: &[(&str, &str)] = &[(
        "ALTER TABLE audit_log ALTER COLUMN",
        "SET STORAGE EXTERNAL: large audit entries stored uncompressed",
    )];

    /// One dialect's statements reduced to what both must agree on: no comments, one space
    /// between words, SQLite's type names, no bytewise collation (PostgreSQL's `COLLATE
    /// "C"`), no `WITHOUT ROWID` (SQLite), no constraint names (PostgreSQL names the
    /// foreign key a bulk load drops and adds back).
    fn statements(sql: &str) -> Vec<String> {
        let text: String = sql
            .lines()
            .map(|l| l.split("--").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join(" ")
            .replace("COLLATE \"C\"", " ")
            .replace("WITHOUT ROWID", " ")
            .replace("DOUBLE PRECISION", "REAL")
            .replace("BYTEA", "BLOB");
        let mut words = Vec::new();
        let mut after_constraint = false;
        for w in text.split_whitespace() {
            if std::mem::take(&mut after_constraint) {
                continue;
            }
            match w {
                "CONSTRAINT" => after_constraint = true,
                "BIGINT" => words.push("INTEGER"),
                "BIGINT," => words.push("INTEGER,"),
                other => words.push(other),
            }
        }
        words
            .join(" ")
            .replace("( ", "(")
            .replace(" )", ")")
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn both_dialects_of_every_migration_agree_but_the_named_differences() {
        for m in MIGRATIONS {
            let sqlite = statements(m.sqlite);
            let postgres: Vec<String> = statements(m.postgres)
                .into_iter()
                .filter(|s| !POSTGRES_ONLY.iter().any(|(start, _)| s.starts_with(start)))
                .collect();
            if DIFFERENT_MIGRATIONS.iter().any(|(v, _)| *v == m.version) {
                assert_ne!(
                    sqlite, postgres,
                    "migration {} is listed as different but agrees: take it off the list",
                    m.version
                );
                continue;
            }
            for (i, (a, b)) in sqlite.iter().zip(&postgres).enumerate() {
                assert_eq!(
                    a,
                    b,
                    "migration {} ({}), statement {}: SQLite and PostgreSQL differ",
                    m.version,
                    m.name,
                    i + 1
                );
            }
            assert_eq!(
                sqlite.len(),
                postgres.len(),
                "migration {} ({}): the dialects have different numbers of statements",
                m.version,
                m.name
            );
        }
    }

    #[test]
    fn the_normalisation_keeps_real_differences() {
        assert_eq!(
            statements(
                "CREATE TABLE t (\n  id BIGINT PRIMARY KEY, -- x\n  c TEXT COLLATE \"C\"\n);"
            ),
            statements("CREATE TABLE t (id INTEGER PRIMARY KEY,\n c TEXT);")
        );
        assert_ne!(
            statements("CREATE TABLE t (id INTEGER, c TEXT);"),
            statements("CREATE TABLE t (id INTEGER, c TEXT NOT NULL);")
        );
        assert_eq!(statements("SELECT 1; SELECT 2;").len(), 2);
    }
}
