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
use sqlx::AssertSqlSafe;

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
    Migration {
        version: 25,
        name: "housekeeping",
        sqlite: include_str!("../migrations/sqlite/0025_housekeeping.sql"),
        postgres: include_str!("../migrations/postgres/0025_housekeeping.sql"),
    },
    Migration {
        version: 26,
        name: "facts_in_write_path",
        sqlite: include_str!("../migrations/sqlite/0026_facts_in_write_path.sql"),
        postgres: include_str!("../migrations/postgres/0026_facts_in_write_path.sql"),
    },
    Migration {
        version: 27,
        name: "score_changes",
        sqlite: include_str!("../migrations/sqlite/0027_score_changes.sql"),
        postgres: include_str!("../migrations/postgres/0027_score_changes.sql"),
    },
    Migration {
        version: 28,
        name: "write_locks",
        sqlite: include_str!("../migrations/sqlite/0028_write_locks.sql"),
        postgres: include_str!("../migrations/postgres/0028_write_locks.sql"),
    },
    Migration {
        version: 29,
        name: "audit_pending",
        sqlite: include_str!("../migrations/sqlite/0029_audit_pending.sql"),
        postgres: include_str!("../migrations/postgres/0029_audit_pending.sql"),
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
            // Servers asking at once: under serializable isolation all but one are refused
            // (40001), and asked again they find the lease held.
            let taken = crate::retry::execute(&store.write, || {
                let now = now_ms();
                sqlx::query(
                    "INSERT INTO schema_lock (id, holder, until_ms) VALUES (1, $1, $2) \
                     ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, \
                     until_ms = excluded.until_ms WHERE schema_lock.until_ms < $3",
                )
                .bind(holder.clone())
                .bind(now + LEASE_MS)
                .bind(now)
            })
            .await?;
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
                let renewed = crate::retry::execute(&pool, || {
                    sqlx::query("UPDATE schema_lock SET until_ms = $1 WHERE id = 1 AND holder = $2")
                        .bind(now_ms() + LEASE_MS)
                        .bind(who.clone())
                })
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
        let released = crate::retry::execute(&store.write, || {
            sqlx::query("DELETE FROM schema_lock WHERE id = 1 AND holder = $1")
                .bind(self.holder.clone())
        })
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
    // Read only: a database never migrated has no such table, which reads as version 0.
    let applied: Vec<(i64, String)> =
        sqlx::query_as("SELECT version, checksum FROM schema_migrations ORDER BY version")
            .fetch_all(&store.write)
            .await
            .unwrap_or_default();
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

/// A migration's steps: its text cut before each line that starts with `-- step`. Each step
/// is a transaction of its own, because the distributed engines refuse a schema change
/// after a write in one transaction.
fn steps(sql: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    for line in sql.lines() {
        if line.starts_with("-- step") {
            out.push(String::new());
        }
        let last = out.last_mut().expect("one step at least");
        last.push_str(line);
        last.push('\n');
    }
    out
}

/// The steps of a migration a server finished before it stopped half-way.
async fn steps_done(store: &Store, version: i64) -> Result<Vec<i64>> {
    create_once(
        store,
        "CREATE TABLE IF NOT EXISTS schema_steps (
            version BIGINT NOT NULL,
            step BIGINT NOT NULL,
            PRIMARY KEY (version, step))",
    )
    .await?;
    Ok(
        sqlx::query_scalar("SELECT step FROM schema_steps WHERE version = $1")
            .bind(version)
            .fetch_all(&store.write)
            .await?,
    )
}

/// Migrations a database may have applied in an earlier text, whose schema is the same
/// for every query xianfeng makes: (version, checksum of that text). PostgreSQL's first
/// migrations declared columns `COLLATE "C"` and stored audit entries uncompressed, which
/// the distributed engines refuse; databases created with them keep the columns as they
/// are (byte order there too), and the storage tuning is now applied apart from the
/// migrations ([`POSTGRES_ITSELF`]).
const EARLIER_FORMS: &[(i64, &str)] = &[
    (
        1,
        "41c0517768fcb2e1c85d162fa7278992bdb1f69d2e3c52ea9920235e79abb463",
    ),
    (
        2,
        "e340b8136cacbfd91091224733f5f36aa09bd4bed31f0bba90d6aca37438b86e",
    ),
    (
        4,
        "d46f8b98d62c1a413faf3764da8896de57b7c08a03a0f4c273d5155ad211fcdd",
    ),
    (
        5,
        "7291ae5aed2778a49f1e784883b0d95f04bf839f6260dd2d604e50f9d669a786",
    ),
    (
        6,
        "55f19b88866756f7d1db7affacad6dc0fb0ab8b724628a0895317b600c610dea",
    ),
    (
        12,
        "71c3266f86a45e80aa91120b3cefad1cf6309fc7a5a6c822a8a70d58e92845c9",
    ),
    (
        13,
        "e6e04754cb0de3e6ce3895babe624fd1677e2a4e13a2ae2ed7983f9a57b331af",
    ),
    (
        19,
        "cd6b8910c11245372b3be04d882ddf4f9a8ef51e9f37d63b8bda21905c7fdcbd",
    ),
];

/// Statements only PostgreSQL itself takes, run (again) whenever the database is prepared on
/// it, never on the engines that merely speak its protocol: storage settings — audit
/// entries kept out of line but uncompressed, because an import's entries list a thousand
/// records each and compressing them (pglz) cost the server more than inserting the
/// records — and the drop of what an earlier text of a migration created.
const POSTGRES_ITSELF: &[&str] = &[
    "ALTER TABLE audit_log ALTER COLUMN before_json SET STORAGE EXTERNAL",
    "ALTER TABLE audit_log ALTER COLUMN after_json SET STORAGE EXTERNAL",
    // Migration 0009 as it was applied before: the write path keeps the score facts now,
    // and the triggers would count everything twice.
    "DROP TRIGGER IF EXISTS score_facts_review ON reviews",
    "DROP TRIGGER IF EXISTS score_facts_tally ON eval_tallies",
    "DROP TRIGGER IF EXISTS score_facts_item ON commitment_items",
    "DROP TRIGGER IF EXISTS score_facts_commitment ON commitments",
    "DROP TRIGGER IF EXISTS score_facts_study ON study_records",
    "DROP TRIGGER IF EXISTS score_facts_service ON service_records",
    "DROP FUNCTION IF EXISTS score_facts_review()",
    "DROP FUNCTION IF EXISTS score_facts_tally()",
    "DROP FUNCTION IF EXISTS score_facts_tally_add(BIGINT, BIGINT, TEXT, BIGINT)",
    "DROP FUNCTION IF EXISTS score_facts_item()",
    "DROP FUNCTION IF EXISTS score_facts_item_add(BIGINT, TEXT, TEXT, BIGINT)",
    "DROP FUNCTION IF EXISTS score_facts_commitment()",
    "DROP FUNCTION IF EXISTS score_facts_commitment_add(commitments, BIGINT)",
    "DROP FUNCTION IF EXISTS score_facts_hours_add(BIGINT, BIGINT, BIGINT, TEXT, BIGINT)",
    "DROP FUNCTION IF EXISTS score_facts_study()",
    "DROP FUNCTION IF EXISTS score_facts_service()",
];

/// On PostgreSQL: the statements above, where the server is PostgreSQL itself; and a check that
/// text sorts bytewise, which the subtree range scans need (a database created with a
/// locale's collation would put `/1/5/` and `/15/` in the locale's order).
pub(crate) async fn check_postgres(store: &Store) -> Result<()> {
    if store.dialect != Dialect::Postgres {
        return Ok(());
    }
    let version: String = sqlx::query_scalar("SELECT version()")
        .fetch_one(&store.write)
        .await?;
    let plain = version.starts_with("PostgreSQL")
        && !version.contains("-YB-")
        && !version.contains("Cockroach");
    // Only when something is to be done: these statements lock their tables, and other
    // servers may be serving while this one starts.
    let needed: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM pg_attribute WHERE attrelid = 'audit_log'::regclass \
         AND attname IN ('before_json', 'after_json') AND attstorage <> 'e') \
         + (SELECT COUNT(*) FROM pg_trigger WHERE tgrelid = 'reviews'::regclass \
         AND tgname LIKE 'score_facts%')",
    )
    .fetch_one(&store.write)
    .await
    .unwrap_or(0);
    if plain && needed > 0 {
        for sql in POSTGRES_ITSELF {
            store.write.execute(*sql).await?;
        }
    }
    let bytewise: i64 = sqlx::query_scalar(
        "SELECT CASE WHEN 'B' < 'a' AND '/1/5/' < '/15/' AND '/1/' < '/1/5/' THEN 1 ELSE 0 END",
    )
    .fetch_one(&store.write)
    .await?;
    if bytewise == 1 {
        return Ok(());
    }
    // A database from before, whose columns were declared bytewise, is fine as it is.
    let column: Option<String> = sqlx::query_scalar(
        "SELECT CAST(collation_name AS TEXT) FROM information_schema.columns WHERE \
         table_schema = current_schema() AND table_name = 'organisations' AND column_name = 'path'",
    )
    .fetch_optional(&store.write)
    .await?
    .flatten();
    if column.as_deref() == Some("C") {
        return Ok(());
    }
    Err(StoreError::Invalid(Message::of(
        "store.collation_not_bytewise",
        &[],
    )))
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
                if !EARLIER_FORMS.contains(&(m.version, stored.as_str())) {
                    return Err(StoreError::Invalid(Message::verbatim(format!(
                        "migration {} ({}) differs from the one applied to this database",
                        m.version, m.name
                    ))));
                }
                // Applied in an earlier form that leaves an equivalent schema behind.
                sqlx::query("UPDATE schema_migrations SET checksum = $1 WHERE version = $2")
                    .bind(&checksum)
                    .bind(m.version)
                    .execute(pool)
                    .await?;
            }
            continue;
        }
        tracing::info!(version = m.version, name = m.name, "applying migration");
        let steps = steps(sql);
        let done = if steps.len() > 1 {
            steps_done(store, m.version).await?
        } else {
            Vec::new()
        };
        for (i, step) in steps.iter().enumerate() {
            let i = i as i64;
            if done.contains(&i) {
                continue;
            }
            let mut tx = pool.begin().await?;
            sqlx::raw_sql(AssertSqlSafe(step.to_string()))
                .execute(&mut *tx)
                .await?;
            if i + 1 < steps.len() as i64 {
                sqlx::query("INSERT INTO schema_steps (version, step) VALUES ($1, $2)")
                    .bind(m.version)
                    .bind(i)
                    .execute(&mut *tx)
                    .await?;
            } else {
                sqlx::query(
                    "INSERT INTO schema_migrations (version, name, checksum, applied_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(m.version)
                .bind(m.name)
                .bind(&checksum)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
                if steps.len() > 1 {
                    sqlx::query("DELETE FROM schema_steps WHERE version = $1")
                        .bind(m.version)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            tx.commit().await?;
        }
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
            "SQLite's first created the score facts' triggers; PostgreSQL's no longer does",
        ),
        (
            26,
            "SQLite drops the score facts' triggers; PostgreSQL drops them where the store \
             prepares the database, its migrations staying portable",
        ),
    ];

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
            let postgres = statements(m.postgres);
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

    /// What CockroachDB and YugabyteDB refuse or do otherwise, and PostgreSQL accepts.
    const NOT_PORTABLE: &[(&str, &str)] = &[
        (
            "COLLATE",
            "column collations (compare bytes: the database sorts bytewise)",
        ),
        (
            "SET STORAGE",
            "storage settings (POSTGRES_ITSELF applies them on PostgreSQL)",
        ),
        ("TRIGGER", "triggers (keep derived rows in the write path)"),
        ("FUNCTION", "stored functions"),
        ("PLPGSQL", "stored functions"),
        (
            "SERIAL",
            "sequences as column types (ids come from id_counters)",
        ),
        ("ADVISORY", "advisory locks (the migration lease is a row)"),
    ];

    /// Migrations not portable yet (none).
    const NOT_PORTABLE_YET: &[i64] = &[];

    /// A step's statements, upper-case, without comments; `$$` bodies stay inside theirs.
    fn raw_statements(step: &str) -> Vec<String> {
        let text: String = step
            .lines()
            .map(|l| l.split("--").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join(" ");
        let mut out = vec![String::new()];
        let mut in_body = false;
        for (i, part) in text.split("$$").enumerate() {
            if i > 0 {
                in_body = !in_body;
                out.last_mut().unwrap().push_str("$$");
            }
            if in_body {
                out.last_mut().unwrap().push_str(part);
                continue;
            }
            let mut pieces = part.split(';');
            out.last_mut()
                .unwrap()
                .push_str(pieces.next().unwrap_or(""));
            for p in pieces {
                out.push(p.to_string());
            }
        }
        out.into_iter()
            .map(|s| {
                s.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_uppercase()
            })
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// What is wrong with one PostgreSQL migration for the distributed engines.
    fn portability_faults(sql: &str) -> Vec<String> {
        let mut faults = Vec::new();
        for (n, step) in super::steps(sql).iter().enumerate() {
            let mut wrote = false;
            for st in raw_statements(step) {
                let first = st.split(' ').next().unwrap_or("");
                if matches!(first, "CREATE" | "ALTER" | "DROP") && wrote {
                    faults.push(format!("step {}: schema change after a write: {st}", n + 1));
                }
                if matches!(first, "INSERT" | "UPDATE" | "DELETE") {
                    wrote = true;
                }
                for (word, why) in NOT_PORTABLE {
                    if st
                        .split(|c: char| !c.is_alphanumeric() && c != '_')
                        .any(|w| w == *word)
                        || (word.contains(' ') && st.contains(word))
                    {
                        faults.push(format!("step {}: {why}: {st}", n + 1));
                    }
                }
            }
        }
        faults
    }

    #[test]
    fn postgres_migrations_use_only_what_the_distributed_engines_accept() {
        for m in MIGRATIONS {
            let faults = portability_faults(m.postgres);
            if NOT_PORTABLE_YET.contains(&m.version) {
                assert!(
                    !faults.is_empty(),
                    "migration {} is portable now: take it off the list",
                    m.version
                );
                continue;
            }
            assert!(
                faults.is_empty(),
                "migration {} ({}):\n{}",
                m.version,
                m.name,
                faults.join("\n")
            );
        }
    }

    #[test]
    fn the_portability_check_finds_what_it_looks_for() {
        let faults = portability_faults(
            "CREATE TABLE t (c TEXT COLLATE \"C\");\nINSERT INTO t VALUES ('a;b');\n\
             CREATE INDEX t_c ON t(c);\nCREATE FUNCTION f() RETURNS trigger AS $$ BEGIN; END $$;",
        );
        assert_eq!(faults.len(), 5, "{faults:#?}");
        assert!(faults[1].contains("schema change after a write"));
        // The same, cut into steps, has no write before a schema change.
        let fine = portability_faults(
            "CREATE TABLE t (c TEXT);\nINSERT INTO t VALUES ('a');\n\
             -- step\nCREATE INDEX t_c ON t(c);\n",
        );
        assert!(fine.is_empty(), "{fine:?}");
        assert_eq!(super::steps("A;\n-- step x\nB;\n").len(), 2);
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
