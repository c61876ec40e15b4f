//! Storage: the only crate that speaks SQL. One code path serves SQLite and PostgreSQL
//! through sqlx's `Any` driver; the few differences sit in [`Dialect`] and in the two
//! migration folders.
//!
//! Every change goes through a [`WriteTx`], which appends the audit trail in the same
//! transaction; nothing outside this crate can write.

/// A query text built at run time from constants and placeholders only — never from input.
macro_rules! dynsql {
    ($($t:tt)*) => { sqlx::AssertSqlSafe(format!($($t)*)) };
}

mod accounts;
mod activation;
mod audit;
mod bulletins;
mod calendar;
mod campaigns;
mod commitments;
mod error;
mod evaluation;
mod figures;
mod guidance;
mod housekeeping;
mod import;
mod inspections;
mod locks;
mod migrate;
pub mod password;
mod plans;
mod publicity;
mod records;
mod registry;
pub mod retry;
mod reviews;
mod row;
mod scores;
mod sealer;
mod second_factor;
mod selection;
mod sessions;
mod stats;
mod todo;
pub mod vault;
mod write;

pub use accounts::{NewUser, UserRecord, valid_username};
pub use activation::{AccountRow, NOT_ACTIVATED, NewAccount};
pub use audit::{AuditFilter, ChainFault};
pub use bulletins::{
    BulletinRecord, EvaluationSum, Issue, NewBulletin, NewStageReport, ScheduleRecord, StageReport,
};
pub use campaigns::{StoredCampaign, StoredWindow};
pub use commitments::{
    AttachmentRecord, CommitmentEvent, CommitmentRecord, Evidence, ItemRecord, NewAttachment,
    NewCommitment, ProgressRecord, StepDetail,
};
pub use error::StoreError;
pub use evaluation::{BALLOT_BATCH, BallotJob, Decision};
pub use evaluation::{Cast, CodeRecord, CommentRecord, NewRound, RoundRecord, RoundSubject};
pub use figures::{FigureTotals, Span, SubjectFigures};
pub use guidance::StoredLocalRule;
pub use housekeeping::{
    ATTEMPTS_KEPT_MS, CODE_FAILURES_KEPT_MS, OPEN_RATES_KEPT_MS, Pruned, SCORE_CHANGES_KEPT_MS,
};
pub use import::{STAGED_LIFETIME_MS, StagedImport};
pub use inspections::{
    DeclaredConflict, FindingRecord, InspectionPlan, InspectorRecord, NewInspectionPlan,
    NewInspector, NewTask, RectificationRecord, TaskRecord,
};
pub use locks::FilesOf;
pub use plans::{MeetingRecord, NewMeeting, PlanOverviewRow, PlanRecord};
pub use publicity::{
    DelegationRecord, LectureRequest, LectureSession, LectureStats, ModelFile, ModelFilter,
    ModelRecord, NewDelegation, NewLectureSession, NewModel, NewPractice, PracticeRecord,
    RatingRecord, RuleRecord, SpeakerSlot,
};
pub use records::{MemberTotal, NewRecord, RecordKind, RecordRow, ServicePost};
pub use registry::{
    CadreRecord, DuplicateMember, Leaving, MemberRecord, MemberUpsert, NewCadre, NewOrg, OrgRecord,
    OrgUpdate, PreparedMember, TeamRecord, Transfer, UpsertOutcome,
};
pub use reviews::{Assignment, NewReview, ReviewRecord};
pub use scores::changes::ScoreChange;
pub use scores::{
    Closure, Facts, IndicatorValue, Lexicon, Only, ScoredOrg, SnapshotRow, Universe, kind_code,
};
pub use second_factor::SecondFactorRecord;
pub use selection::{
    NewNomination, NewNotice, NewObjection, NominationEvent, NominationRecord, NoticeRecord,
    ObjectionRecord, SanctionRecord, StepRecord,
};
pub use sessions::{NewSession, ReservedAttempt, SessionRecord};
pub use stats::Stats;
pub use todo::{FIRST as TODO_FIRST, Waiting};
pub use vault::Vault;
pub use write::WriteTx;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::time::Duration;
use xianfeng_domain::campaign::Campaign;
use xianfeng_domain::i18n::Message;

pub type Result<T> = std::result::Result<T, StoreError>;

/// Which SQL engine is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// Parsed campaign files by campaign id, shared by the clones of a [`Store`]. Only files
/// that can no longer change are kept: a started or closed campaign's.
type CampaignCache =
    std::sync::Arc<std::sync::Mutex<std::collections::HashMap<i64, std::sync::Arc<Campaign>>>>;

/// An open database: a pool for reads, a pool for writes (one connection on SQLite, which
/// has one writer anyway), and the vault that protects personal data.
#[derive(Clone)]
pub struct Store {
    read: AnyPool,
    /// A hot standby for reads made inside [`from_standby`] (`--read-db`), if configured.
    standby: Option<AnyPool>,
    write: AnyPool,
    dialect: Dialect,
    vault: Vault,
    /// Campaign files parsed once each (a draft's is parsed when read: it may change).
    pub(crate) campaign: CampaignCache,
    /// SQLite only: the ballot writer's own thread and connection (see `ballot_tx`).
    lane: Option<std::sync::Arc<evaluation::Lane>>,
    /// PostgreSQL only: the ballot writer's own connections (see `pg_batch`).
    pg_lane: Option<std::sync::Arc<evaluation::PgLane>>,
    /// SQLite only: the database file, for the bulk read of score inputs.
    sqlite_path: Option<std::path::PathBuf>,
    /// How far the audit chain is known to reach: every change is an audit entry, so this
    /// is the data's version (see `Store::data_version`), shared by the clones of a store.
    pub(crate) version: std::sync::Arc<DataVersion>,
    /// Ids handed to this process in blocks (PostgreSQL), shared by the clones of a store.
    ids: std::sync::Arc<write::IdBlocks>,
    /// This process's sealing after its commits, shared by the clones of a store.
    gate: std::sync::Arc<sealer::SealGate>,
}

/// The audit chain's end as this process knows it: raised by its own commits at once, and
/// read from the database (where other servers' commits show) when older than asked.
#[derive(Debug, Default)]
pub(crate) struct DataVersion {
    pub(crate) seen: std::sync::atomic::AtomicI64,
    /// When the database was last asked, in milliseconds since the Unix epoch.
    polled_ms: std::sync::atomic::AtomicI64,
    /// The same for the standby, whose data is as of its own version: what is kept from
    /// it is keyed by that, never by the primary's.
    standby_seen: std::sync::atomic::AtomicI64,
    standby_polled_ms: std::sync::atomic::AtomicI64,
}

/// A feature's reads, borrowed from a [`Store`] for one call chain:
/// `store.registry().org_by_code(…)`. Each feature's module holds its handle's methods in
/// one `impl` (and its writes in one `impl WriteTx`), so a reader finds a feature's SQL in
/// the file of the feature's name.
macro_rules! features {
    ($($(#[$doc:meta])* $method:ident => $name:ident,)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub struct $name<'a> {
            store: &'a Store,
        }

        impl Store {
            $(#[$doc])*
            pub fn $method(&self) -> $name<'_> {
                $name { store: self }
            }
        }
    )*};
}

features! {
    /// Accounts (账号): users, their roles and organisations, credentials.
    accounts => Accounts,
    /// The audit trail (审计日志) and its hash chain.
    audit => Audit,
    /// Bulletins and reports (通报, 总结): drafts and issued documents.
    bulletins => Bulletins,
    /// The working-day calendar (工作日历) as the office adjusted it.
    calendar => Calendar,
    /// Campaigns (活动) and the one in use.
    campaigns => Campaigns,
    /// Public commitments (公开承诺), their items, progress and attachments.
    commitments => Commitments,
    /// Local implementing opinions (实施意见) under the city's campaign.
    guidance => Guidance,
    /// Housekeeping (日常清理): jobs run once per slot by any server, and pruning.
    housekeeping => Housekeeping,
    /// Supervision (督查指导): inspectors, plans, draws, findings, rectification.
    inspections => Inspections,
    /// Mass evaluation (群众评议): rounds, ballot codes, ballots, tallies, comments.
    evaluation => Evaluation,
    /// Staged imports (导入预览) waiting for confirmation.
    import => Import,
    /// Activity plans (活动方案) and mobilisation meetings (动员会).
    plans => Plans,
    /// Publicity (宣传): the model library, good practices, lecture delegations and sessions.
    publicity => Publicity,
    /// Study and service records (学习、服务记录) and service posts.
    records => Records,
    /// The registry (组织与成员): organisations, members, leadership teams and cadres.
    registry => Registry,
    /// Leader reviews (领导点评) and reviewer assignments.
    reviews => Reviews,
    /// Score inputs, snapshots, closures and the figures for scoring (考核数据).
    scores => Scores,
    /// Selection (评选表彰): nominations, notices, objections, sanctions.
    selection => Selection,
    /// Signed-in sessions and sign-in attempts.
    sessions => Sessions,
    /// What waits for someone's hand (待办): counts in an organisation subtree.
    todo => ToDo,
}

/// Turns what a user typed into a URL sqlx understands: `postgres://…` and `sqlite://…`
/// pass; a bare path is a SQLite file.
pub fn normalise_url(url: &str) -> Result<(String, Dialect)> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok((url.to_string(), Dialect::Postgres));
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    if path.is_empty() || path.contains("://") {
        return Err(StoreError::Invalid(Message::of(
            "store.bad_url",
            &[("url", &url)],
        )));
    }
    let (file, query) = path.split_once('?').unwrap_or((path, ""));
    let mut out = format!("sqlite://{file}?mode=rwc");
    if !query.is_empty() {
        out.push('&');
        out.push_str(query);
    }
    Ok((out, Dialect::Sqlite))
}

/// Creates an empty database file readable and writable by its owner only, unless it
/// exists: SQLite would create it with the process's umask (often readable by everyone),
/// and gives its `-wal` and `-shm` files the permissions of the database file.
fn create_private(file: &std::path::Path) -> Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(file) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Invalid(Message::of(
            "store.file_uncreatable",
            &[("path", &file.display()), ("error", &e)],
        ))),
    }
}

/// The file behind a normalised SQLite URL; `None` for an in-memory database, which a
/// second connection could not share.
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let (file, query) = url.strip_prefix("sqlite://")?.split_once('?')?;
    let memory = file.is_empty() || file == ":memory:" || query.contains("mode=memory");
    (!memory).then(|| std::path::PathBuf::from(file))
}

/// Whether opening a store prepares the database or expects it prepared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Migrations {
    /// Apply what is pending, under the migration lease (`xianfeng migrate`, and `serve`
    /// by default).
    #[default]
    Apply,
    /// Change nothing; refuse to start if migrations are pending (`serve --no-migrate`,
    /// for a rolling deploy after `xianfeng migrate`).
    Expect,
}

/// The connection pool (PostgreSQL; SQLite has one writer and a few readers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    /// Connections this process holds at most.
    pub size: u32,
    /// How long a request waits for a connection before it fails.
    pub acquire_timeout: Duration,
}

/// Connections of the ballot writer on PostgreSQL, besides the pool: one per batch written
/// at once (the app's writers) and one to spare.
const BALLOT_WRITER_CONNECTIONS: u32 = 3;

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            size: 8,
            acquire_timeout: Duration::from_secs(30),
        }
    }
}

impl PoolSettings {
    /// A PostgreSQL pool (the primary's, or the standby's) as these settings say.
    fn options(&self) -> AnyPoolOptions {
        AnyPoolOptions::new()
            .max_connections(self.size.max(1))
            .acquire_timeout(self.acquire_timeout)
    }
}

/// How to open a store.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    pub migrations: Migrations,
    pub pool: PoolSettings,
    /// A hot standby of the PostgreSQL primary for reads that may be a moment old.
    pub read_url: Option<String>,
}

impl Store {
    /// Connects, applies pending migrations and checks the vault key against the database.
    pub async fn open(url: &str, vault: Vault) -> Result<Store> {
        Store::open_with(url, vault, OpenOptions::default()).await
    }

    /// Connects as `options` say.
    pub async fn open_with(url: &str, vault: Vault, options: OpenOptions) -> Result<Store> {
        Store::open_at_with(url, vault, i64::MAX, options).await
    }

    /// Opens with the migrations up to `version` only: for tests of a migration against
    /// data written at the schema before it.
    #[doc(hidden)]
    pub async fn open_at(url: &str, vault: Vault, version: i64) -> Result<Store> {
        Store::open_at_with(url, vault, version, OpenOptions::default()).await
    }

    async fn open_at_with(
        url: &str,
        vault: Vault,
        version: i64,
        options: OpenOptions,
    ) -> Result<Store> {
        install_default_drivers();
        let (url, dialect) = normalise_url(url)?;
        if let Some(file) = sqlite_file(&url) {
            create_private(&file)?;
        }
        let (read, write) = match dialect {
            Dialect::Sqlite => {
                let write = AnyPoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; \
                                 PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000; \
                                 PRAGMA cache_size=-131072; PRAGMA temp_store=MEMORY;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await?;
                // The first connection switches the file to WAL before readers open it.
                write.acquire().await?;
                let read = AnyPoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute("PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;")
                                .await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await?;
                (read, write)
            }
            Dialect::Postgres => {
                let pool = options.pool.options().connect(&url).await?;
                (pool.clone(), pool)
            }
        };
        let standby = match (&options.read_url, dialect) {
            (None, _) => None,
            (Some(url), Dialect::Postgres) => {
                let (url, _) = normalise_url(url)?;
                Some(options.pool.options().connect_lazy(&url)?)
            }
            (Some(_), Dialect::Sqlite) => {
                return Err(StoreError::Invalid(Message::of(
                    "store.standby_sqlite",
                    &[],
                )));
            }
        };
        let mut store = Store {
            read,
            standby,
            write,
            dialect,
            vault,
            campaign: Default::default(),
            lane: None,
            pg_lane: None,
            sqlite_path: None,
            version: Default::default(),
            ids: Default::default(),
            gate: Default::default(),
        };
        match options.migrations {
            Migrations::Apply => {
                let lease = migrate::Lease::take(&store).await?;
                let prepared = store.prepare(version).await;
                lease.release(&store).await;
                prepared?;
            }
            Migrations::Expect => {
                migrate::expect_current(&store).await?;
                store.check_vault(false).await?;
            }
        }
        if let Some(file) = sqlite_file(&url) {
            store.lane = Some(std::sync::Arc::new(evaluation::Lane::start(
                &file,
                store.vault.chain_key().clone(),
            )?));
            store.sqlite_path = Some(file);
        }
        if dialect == Dialect::Postgres {
            store.pg_lane = Some(std::sync::Arc::new(evaluation::PgLane::connect(
                &url,
                BALLOT_WRITER_CONNECTIONS,
                &options.pool,
            )?));
        }
        Ok(store)
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    /// Where reads go: the standby inside [`from_standby`], when there is one; otherwise
    /// the pool for reading (the primary's).
    pub(crate) fn reader(&self) -> &AnyPool {
        match &self.standby {
            Some(standby) if FROM_STANDBY.try_with(|on| *on).unwrap_or(false) => standby,
            _ => &self.read,
        }
    }

    /// Whether reads may be sent to a standby (`--read-db`).
    pub fn has_standby(&self) -> bool {
        self.standby.is_some()
    }

    /// Seals the audit entries that committed transactions left pending (`sealer`): what
    /// every server does once a second, for the entries of a server that stopped between
    /// its commit and its own sealing. Returns the chain's end.
    pub async fn seal_audit(&self) -> Result<i64> {
        sealer::seal(&self.write, self.dialect, self.vault.chain_key()).await
    }

    /// After a commit of this process outside `WriteTx` (the ballot writer's): seals its
    /// audit entries as `WriteTx::commit` does, or leaves them to the sealer if that fails.
    pub(crate) async fn sealed_after_commit(&self) {
        match self
            .gate
            .after_commit(&self.write, self.dialect, self.vault.chain_key())
            .await
        {
            Ok(Some(head)) => {
                self.version
                    .seen
                    .fetch_max(head, std::sync::atomic::Ordering::Relaxed);
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "audit entries left for the sealer"),
        }
    }

    /// Begins the one path by which data changes; `actor` is recorded in the audit trail.
    pub async fn begin(&self, actor: &str) -> Result<WriteTx> {
        let mut tx = WriteTx::begin(&self.write, self.dialect, self.vault.clone(), actor).await?;
        tx.version = Some(self.version.clone());
        tx.ids = Some(self.ids.clone());
        tx.gate = Some(self.gate.clone());
        Ok(tx)
    }

    /// The data's version: the audit chain's end (every change writes an entry). This
    /// process's own commits raise it at once; the database, where other servers' commits
    /// show, is asked when the last answer is older than `max_age_ms`. What is cached from
    /// the data (a rendered public page) is fresh while the version has not moved.
    pub async fn data_version(&self, max_age_ms: i64) -> Result<i64> {
        use std::sync::atomic::Ordering::Relaxed;
        let v = &self.version;
        let now = now_ms();
        let on_standby = self.standby.is_some() && FROM_STANDBY.try_with(|on| *on).unwrap_or(false);
        let (seen, polled, pool) = if on_standby {
            (&v.standby_seen, &v.standby_polled_ms, self.reader())
        } else {
            (&v.seen, &v.polled_ms, &self.read)
        };
        if now - polled.load(Relaxed) > max_age_ms {
            polled.store(now, Relaxed);
            let last: i64 = sqlx::query_scalar("SELECT last_id FROM audit_head WHERE id = 1")
                .fetch_one(pool)
                .await?;
            if on_standby {
                // The standby only moves forward, but may be rebuilt: take what it says.
                seen.store(last, Relaxed);
            } else {
                seen.fetch_max(last, Relaxed);
            }
        }
        Ok(seen.load(Relaxed))
    }

    /// What the first server to open a database at a new version does, once: migrations,
    /// the counts they need, the key's check value, the audit chain's seal.
    async fn prepare(&self, version: i64) -> Result<()> {
        let applied = migrate::run(self, version).await?;
        migrate::check_postgres(self).await?;
        if applied > 0 {
            tracing::info!(applied, "migrations applied");
        }
        if version >= 9 {
            self.fill_score_facts().await?;
        }
        self.check_vault(true).await?;
        self.audit().seal().await
    }

    /// Whether the database answers, on the connections for reading and for writing.
    pub async fn ready(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.write).await?;
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    /// Connections of each pool in use (writing, reading; the same pool on PostgreSQL).
    pub fn connections_in_use(&self) -> (u32, u32) {
        let busy = |p: &AnyPool| p.size().saturating_sub(p.num_idle() as u32);
        (busy(&self.write), busy(&self.read))
    }

    /// The schema version of the database: the last migration applied.
    pub async fn schema_version(&self) -> Result<i64> {
        let v: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
            .fetch_one(&self.write)
            .await?;
        Ok(v.unwrap_or(0))
    }

    /// The schema version this program brings.
    pub fn latest_schema_version() -> i64 {
        migrate::latest_version()
    }

    /// The first open stores the key's check value (when `may_store`); later opens must
    /// present the same key.
    async fn check_vault(&self, may_store: bool) -> Result<()> {
        let check = self.vault.check_value();
        let stored: Option<(String,)> =
            sqlx::query_as("SELECT value FROM settings WHERE key = 'vault_check'")
                .fetch_optional(&self.write)
                .await?;
        match stored {
            Some((v,)) if v == check => Ok(()),
            Some(_) => Err(StoreError::Key(Message::of("store.wrong_key", &[]))),
            None if !may_store => Err(StoreError::Invalid(Message::of(
                "store.migrations_pending",
                &[("have", &0), ("want", &migrate::latest_version())],
            ))),
            None => {
                sqlx::query("INSERT INTO settings (key, value) VALUES ('vault_check', $1)")
                    .bind(check)
                    .execute(&self.write)
                    .await?;
                Ok(())
            }
        }
    }

    /// A consistent copy of a SQLite database, taken while it is in use (`VACUUM INTO`:
    /// one read transaction, so writers carry on and the copy is of one moment), into a
    /// new file readable by its owner only. PostgreSQL has its own tools (`pg_dump`):
    /// asked of one, this says so.
    pub async fn backup_to(&self, file: &std::path::Path) -> Result<()> {
        if self.dialect != Dialect::Sqlite || self.sqlite_path.is_none() {
            return Err(StoreError::Invalid(Message::of(
                "store.backup_postgres",
                &[],
            )));
        }
        if file.exists() {
            return Err(StoreError::Invalid(Message::of(
                "store.backup_exists",
                &[("path", &file.display())],
            )));
        }
        create_private(file)?;
        let target = file.to_string_lossy().into_owned();
        let copied = sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&self.read)
            .await;
        if let Err(e) = copied {
            let _ = std::fs::remove_file(file);
            return Err(e.into());
        }
        Ok(())
    }

    /// The SQLite file behind this store, if it is one.
    pub fn sqlite_file(&self) -> Option<&std::path::Path> {
        self.sqlite_path.as_deref()
    }

    pub async fn close(&self) {
        if let Some(lane) = &self.lane {
            lane.stop().await;
        }
        if let Some(lane) = &self.pg_lane {
            lane.stop().await;
        }
        self.read.close().await;
        self.write.close().await;
        if let Some(standby) = &self.standby {
            standby.close().await;
        }
    }
}

tokio::task_local! {
    /// Set while work that only reads may be served by the standby.
    static FROM_STANDBY: bool;
}

/// Runs `work` with its reads sent to the store's standby, if it has one (writes and the
/// reads inside a write transaction stay on the primary). For work that reads only and may
/// see the data a moment old: public pages, dashboards, exports (docs/CLUSTER.md).
pub async fn from_standby<F: std::future::Future>(work: F) -> F::Output {
    FROM_STANDBY.scope(true, work).await
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Placeholders for a multi-row VALUES list of `rows` rows of `cols` columns, for a
/// statement with no other parameters. SQLite gets anonymous `?`: sqlx binds `$n` there by
/// asking SQLite for each parameter's name, a linear scan per parameter, which makes a
/// statement of thousands of parameters quadratic (70% of an import's time, measured).
pub(crate) fn values_list(dialect: Dialect, rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            s.push(',');
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push(',');
            }
            n += 1;
            match dialect {
                Dialect::Sqlite => s.push('?'),
                Dialect::Postgres => {
                    s.push('$');
                    s.push_str(&n.to_string());
                }
            }
        }
        s.push(')');
    }
    s
}

/// A table of `rows` rows of bound values named `names`, as `alias`, for the FROM of an
/// UPDATE that joins it: `(VALUES …) AS alias(names)` on PostgreSQL, where a UNION ALL
/// subquery loses rows when an UPDATE waits for a concurrent one and re-checks the rows it
/// joined (found by the cluster test: two ballot batches marking codes of one word);
/// [`rows_table`] on SQLite, which names no VALUES columns (and has one writer).
pub(crate) fn joined_rows(dialect: Dialect, rows: usize, names: &[&str], alias: &str) -> String {
    match dialect {
        Dialect::Postgres => format!(
            "(VALUES {}) AS {alias}({})",
            values_list(dialect, rows, names.len()),
            names.join(", ")
        ),
        Dialect::Sqlite => format!("({}) AS {alias}", rows_table(dialect, rows, names)),
    }
}

/// `SELECT ? AS a, ? AS b UNION ALL SELECT ?, ? …`: `rows` rows of placeholders named
/// `names`, usable as a table in both dialects (SQLite cannot name the columns of a
/// `VALUES` list), for a statement with no other parameters.
/// Not for the FROM of an UPDATE on PostgreSQL: see [`joined_rows`].
pub(crate) fn rows_table(dialect: Dialect, rows: usize, names: &[&str]) -> String {
    let mut params = values_list(dialect, rows, names.len());
    params.retain(|c| c != '(' && c != ')');
    let mut params = params.split(',');
    let mut out = String::new();
    for r in 0..rows {
        out.push_str(if r == 0 {
            "SELECT "
        } else {
            " UNION ALL SELECT "
        });
        for (i, name) in names.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(params.next().expect("one placeholder per column"));
            if r == 0 {
                out.push_str(" AS ");
                out.push_str(name);
            }
        }
    }
    out
}

/// Placeholders for an IN list, for a statement with no other parameters.
pub(crate) fn in_list(dialect: Dialect, n: usize) -> String {
    (1..=n)
        .map(|i| match dialect {
            Dialect::Sqlite => "?".to_string(),
            Dialect::Postgres => format!("${i}"),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// `s` with LIKE's wildcards taken literally (escape character `\`).
pub(crate) fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
