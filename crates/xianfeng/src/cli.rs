//! Commands and their options. Each command opens the store, calls an application
//! service, and prints a result a person can read (or JSON with `--json`).

use anyhow::{Context, Result, anyhow};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::say::say;
use xianfeng_app::import::{import_members, import_orgs};
use xianfeng_app::import_leaders::{import_cadres, import_teams};
use xianfeng_app::init::{CreatedAccount, init};
use xianfeng_app::open::{default_key_path, open_store, open_store_with};
use xianfeng_domain::audit::Checkpoint;
use xianfeng_domain::i18n::Lang;
use xianfeng_domain::role::Role;
use xianfeng_storage::{AuditFilter, ChainFault, Store};

use crate::import_report::ImportArgs;
use crate::progress::CliProgress;

#[derive(Parser, Debug)]
#[command(
    name = "xianfeng",
    version,
    about = "先锋 — 创先争优活动管理平台 / campaign platform"
)]
pub struct Cli {
    /// Database: a SQLite file (sqlite://PATH or a plain path) or postgres://…
    /// [default: xianfeng.db; for `demo`, xianfeng-demo.db]
    #[arg(long, global = true, env = "XIANFENG_DB")]
    pub db: Option<String>,
    /// Key file protecting personal data at rest (default: beside the SQLite file, or
    /// ./xianfeng.key for PostgreSQL).
    #[arg(long, global = true, env = "XIANFENG_KEY_FILE")]
    pub key_file: Option<PathBuf>,
    /// A hot standby of the PostgreSQL database (postgres://…) for reads that may be a
    /// moment old: public pages and dashboards; a person's own changes are read from the
    /// primary [default: none]
    #[arg(long, global = true, env = "XIANFENG_READ_DB")]
    pub read_db: Option<String>,
    /// Database connections this process holds at most (PostgreSQL) [default: 8]
    #[arg(long, global = true, env = "XIANFENG_DB_POOL_SIZE")]
    pub db_pool_size: Option<u32>,
    /// How long work waits for a free database connection before it fails, in seconds
    /// [default: 30]
    #[arg(long, global = true, env = "XIANFENG_DB_POOL_TIMEOUT")]
    pub db_pool_timeout: Option<u64>,
    /// Logs as JSON lines (for log collectors).
    #[arg(long, global = true, env = "XIANFENG_LOG_JSON")]
    pub log_json: bool,
    /// A TOML configuration file (docs/CONFIG.md); flags and the environment override it.
    #[arg(long, global = true, env = "XIANFENG_CONFIG")]
    pub config: Option<PathBuf>,
    /// Language of what is printed: zh-CN or en [default: Chinese when LC_ALL,
    /// LC_MESSAGES or LANG starts with zh, otherwise English]
    #[arg(long, global = true)]
    pub lang: Option<String>,
    /// Rehearsal: act as if today were this date (YYYY-MM-DD), for training sessions that
    /// walk a campaign's dates through; the server and every command [default: the
    /// system's date]
    #[arg(long, global = true, env = "XIANFENG_TODAY")]
    pub today: Option<chrono::NaiveDate>,
    #[command(subcommand)]
    pub command: Command,
    /// The config file's `[serve]` settings, kept for `serve` and `demo`.
    #[arg(skip)]
    pub serve_file: crate::config::ServeSection,
}

impl Cli {
    /// Today, or the rehearsal's day.
    pub fn today(&self) -> chrono::NaiveDate {
        self.today
            .unwrap_or_else(|| chrono::Local::now().date_naive())
    }

    /// The language to print in: `--lang`, else the locale of the environment.
    pub fn lang(&self) -> Lang {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .find(|v| !v.is_empty());
        lang_of(self.lang.as_deref(), locale.as_deref())
    }
}

/// `--lang` wins; otherwise a locale starting with `zh` (zh_CN.UTF-8, zh_TW …) means
/// Chinese and any other (C, POSIX, en_US.UTF-8, none) English.
fn lang_of(flag: Option<&str>, locale: Option<&str>) -> Lang {
    match (flag, locale) {
        (Some(tag), _) => Lang::from_tag(tag),
        (None, Some(l)) if l.to_ascii_lowercase().starts_with("zh") => Lang::ZhCn,
        _ => Lang::En,
    }
}

/// How the web server listens and what it accepts.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "XIANFENG_ADDR")]
    pub addr: Option<String>,
    /// Largest request body (uploads included), in MB [default: 20]
    #[arg(long, env = "XIANFENG_MAX_BODY_MB")]
    pub max_body_mb: Option<usize>,
    /// A request taking longer is answered 408, in seconds [default: 120]
    #[arg(long, env = "XIANFENG_REQUEST_TIMEOUT")]
    pub request_timeout: Option<u64>,
    /// The address the public reaches the site at, for QR codes on printed pages
    /// [default: the address the browser used]
    #[arg(long, env = "XIANFENG_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// A token a Prometheus scraper on another machine presents to read /metrics
    /// (`Authorization: Bearer TOKEN`) [default: none: only scrapers on this machine]
    #[arg(long, env = "XIANFENG_METRICS_TOKEN")]
    pub metrics_token: Option<String>,
    /// A client must send a request's header within this, and an idle kept-alive
    /// connection is closed after it, in seconds [default: 20]
    #[arg(long, env = "XIANFENG_HEADER_TIMEOUT")]
    pub header_timeout: Option<u64>,
    /// Connections one address may hold open at once; 0 for no cap, as behind a reverse
    /// proxy [default: 64]
    #[arg(long, env = "XIANFENG_CONNECTIONS_PER_ADDRESS")]
    pub connections_per_address: Option<usize>,
    /// The administrator and the campaign office sign in with a second factor (a code
    /// from a phone app); an account without one is sent to set it up [default: off]
    #[arg(long, env = "XIANFENG_REQUIRE_SECOND_FACTOR")]
    pub require_second_factor: bool,
    /// Load balancers whose X-Forwarded-For names the client: addresses or CIDR blocks,
    /// separated by commas (e.g. 10.0.0.0/8,127.0.0.1) [default: none]
    #[arg(long, env = "XIANFENG_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<String>,
    /// Also serve /metrics alone on this address, for scrapers on an internal network
    /// (no token asked there) [default: none]
    #[arg(long, env = "XIANFENG_METRICS_ADDR")]
    pub metrics_addr: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create the schema, the built-in campaign and an administrator (初始化).
    Init {
        /// Add the demonstration city of 焦作市.
        #[arg(long)]
        demo: bool,
        /// Password of every account created (otherwise generated and printed once).
        #[arg(long)]
        password: Option<String>,
    },
    /// Start the web server; Ctrl-C or SIGTERM stops it after the requests in flight.
    Serve {
        #[command(flatten)]
        web: ServeArgs,
        /// Do not change the database: refuse to start if `xianfeng migrate` has not been
        /// run for this version (rolling deploys, docs/CLUSTER.md)
        #[arg(long, env = "XIANFENG_NO_MIGRATE")]
        no_migrate: bool,
    },
    /// Prepare the database for this version (migrations), once, however many servers
    /// are starting (数据库升级).
    Migrate,
    /// Build a fresh demonstration database and serve it (演示).
    Demo {
        #[command(flatten)]
        web: ServeArgs,
        #[arg(long)]
        password: Option<String>,
    },
    /// Import rosters from .xlsx or .csv (导入花名册).
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Campaigns (活动).
    Campaign {
        #[command(subcommand)]
        action: crate::campaign_cli::CampaignAction,
    },
    /// Organisations (组织).
    Org {
        #[command(subcommand)]
        action: OrgAction,
    },
    /// Accounts (账号).
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// The audit trail (审计日志).
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Counts of what the registry holds.
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// A consistent copy of the SQLite database while it is in use (备份); the key file is
    /// not in it: keep that apart (docs/OPERATIONS.md).
    Backup {
        /// A new file to write the copy to.
        file: PathBuf,
    },
    /// Puts a backup in place of the SQLite database, once it opens with the key and its
    /// audit trail holds; the database it replaces is kept beside it. Stop the server first.
    Restore {
        /// The backup file.
        file: PathBuf,
    },
    /// Mass evaluation (群众评议): rounds, ballot codes, results, the secrecy check.
    Eval {
        #[command(subcommand)]
        action: EvalAction,
    },
    /// Scores and rankings (计分排名): recompute, rankings, Excel export, closing periods.
    Scores {
        #[command(subcommand)]
        action: crate::scores_cli::ScoresAction,
    },
    /// Performance indicators (业绩指标): import values from a sheet.
    Indicators {
        #[command(subcommand)]
        action: crate::scores_cli::IndicatorsAction,
    },
    /// The working-day calendar (工作日历): working days, counting them, the office's days.
    Calendar {
        #[command(subcommand)]
        action: crate::calendar_cli::CalendarAction,
    },
    /// Supervision (督查): the inspector pool and inspection plans with their draws.
    Inspection {
        #[command(subcommand)]
        action: crate::inspection_cli::InspectionAction,
    },
    /// Bulletins and reports (通报, 总结): draft from the data, issue, export .docx/.xlsx.
    Bulletin {
        #[command(subcommand)]
        action: crate::bulletin_cli::BulletinAction,
    },
    /// The model library (先进典型库): import an office's list, list the library.
    Models {
        #[command(subcommand)]
        action: crate::publicity_cli::ModelsAction,
    },
    /// Lecture tours (巡回宣讲): schedule a session, list delegations and sessions.
    Tour {
        #[command(subcommand)]
        action: crate::publicity_cli::TourAction,
    },
    /// Publicly verifiable draws (双随机): recompute a published draw record.
    Draw {
        #[command(subcommand)]
        action: crate::draw_cli::DrawAction,
    },
    /// Disciplinary sanctions (党纪处分) that selection's eligibility rules look at.
    Sanction {
        #[command(subcommand)]
        action: crate::sanction_cli::SanctionAction,
    },
    /// Figures for scoring (考核数据) of every subject under an organisation, for a period:
    /// commitment items due, kept and overdue; study and service hours; review points.
    Figures {
        /// The organisation whose subtree is reported.
        #[arg(long)]
        scope: String,
        /// A period code of the campaign file [default: the current one].
        #[arg(long, conflicts_with = "stage")]
        period: Option<String>,
        /// A themed stage's code instead: figures over its dates, reviews of its periods.
        #[arg(long)]
        stage: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum EvalAction {
    /// Rounds: `eval round create …` prints the new round's id alone on its last line.
    Round {
        #[command(subcommand)]
        action: RoundAction,
    },
    /// Issues ballot codes for every subject of a round and writes them (CSV, or .xlsx),
    /// columns subject_code, subject_name, code, url.
    Codes {
        round: i64,
        #[arg(long)]
        per_subject: usize,
        #[arg(long)]
        out: PathBuf,
        /// The public address the QR codes and URLs point at.
        /// The address the public reaches the site at, for the QR codes [default: the
        /// configuration's public_url; without one, no codes are issued]
        #[arg(long, env = "XIANFENG_PUBLIC_URL")]
        base_url: Option<String>,
    },
    /// Checks that used codes equal code-mode ballots and that the totals add up.
    Verify { round: i64 },
    /// Live results per subject.
    Results {
        round: i64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum RoundAction {
    Create {
        #[arg(long)]
        name: String,
        /// The organisation whose subtree's subjects are evaluated.
        #[arg(long)]
        scope: String,
        /// organisations, members, teams or cadres
        #[arg(long)]
        subjects: String,
        /// codes or open
        #[arg(long)]
        mode: String,
        #[arg(long)]
        start: String,
        #[arg(long)]
        end: String,
    },
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImportWhat {
    /// Organisations: 组织编码, 组织名称, 上级组织编码, 组织类别, 分类, 所属行业.
    Orgs(ImportArgs),
    /// Members: 姓名, 性别, 民族, 出生日期, 身份证号, 入党时间, 党员类别, 所在组织编码, 职务, 手机号.
    Members(ImportArgs),
    /// Leadership teams: 班子名称, 所属组织编码, 班子类别.
    Teams(ImportArgs),
    /// Cadres: 姓名, 身份证号, 职务, 所属班子, 所属组织编码, 是否主要负责人, 任职时间 (import the
    /// teams first).
    Cadres(ImportArgs),
}

#[derive(Subcommand, Debug)]
pub enum OrgAction {
    /// Show an organisation and the counts of its subtree.
    Show {
        code: String,
        #[arg(long)]
        json: bool,
    },
    /// Move an organisation, with everything under it, to a new parent.
    Move {
        code: String,
        #[arg(long)]
        to: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserAction {
    List {
        #[arg(long)]
        json: bool,
    },
    Add {
        username: String,
        /// admin, office, committee_staff, secretary, member, reviewer, inspector, sector_guide
        #[arg(long)]
        role: String,
        /// Organisation code(s) the account is scoped to (repeat for several).
        #[arg(long = "org")]
        orgs: Vec<String>,
        /// Otherwise generated, printed once, and to be changed at first login.
        #[arg(long)]
        password: Option<String>,
        /// The ID number of the person's member record: a member account then writes its
        /// own commitments and study records.
        #[arg(long = "member")]
        member: Option<String>,
    },
    Passwd {
        username: String,
        #[arg(long)]
        password: Option<String>,
    },
    Disable {
        username: String,
    },
    /// Takes the second factor off an account whose phone is lost; it sets one up again
    /// at its next sign-in where one is required.
    ResetSecondFactor {
        username: String,
    },
    /// Accounts in bulk for a subtree, straight from the registry — every member without
    /// an account, or a secretary for every branch without one — each with a one-time
    /// activation code, written to a sheet to hand out (the A4 slips print from the web).
    Bulk {
        /// The organisation whose subtree gets accounts.
        #[arg(long)]
        scope: String,
        #[arg(
            long,
            conflicts_with = "secretaries",
            required_unless_present = "secretaries"
        )]
        members: bool,
        #[arg(long)]
        secretaries: bool,
        /// codes.xlsx or codes.csv
        #[arg(long)]
        out: PathBuf,
        /// Days the codes stay good.
        #[arg(long, default_value_t = xianfeng_domain::activation::DEFAULT_VALID_DAYS)]
        valid_days: u32,
        /// The address people reach the site at, for the activation links [default: the
        /// configuration's public_url]
        #[arg(long, env = "XIANFENG_PUBLIC_URL")]
        base_url: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditAction {
    List {
        /// Only entries on or after this date (2010-05-01, 2010/5/1, …).
        #[arg(long)]
        since: Option<String>,
        #[arg(long, default_value_t = 1000)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
    /// Check the keyed hash chain of the whole trail.
    Verify {
        /// A checkpoint printed by `audit checkpoint`: also proves that nothing behind it
        /// was rewritten or removed.
        #[arg(long, value_name = "CHECKPOINT")]
        since_checkpoint: Option<String>,
    },
    /// Verify the trail and print its end (position, time, hash) as a short checkpoint to
    /// write in a register or publish, for a later `audit verify --since-checkpoint`.
    Checkpoint,
}

pub fn init_logging(cli: &Cli) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("XIANFENG_LOG").unwrap_or_else(|_| {
        // A server logs what it does; a one-shot command prints its own result and
        // logs only warnings.
        let serving = matches!(cli.command, Command::Serve { .. } | Command::Demo { .. });
        tracing_subscriber::EnvFilter::new(if serving { "info" } else { "warn" })
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only for a person at a terminal, not in a log file or a journal.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if cli.log_json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// The database file when none is named.
const DEFAULT_DB: &str = "xianfeng.db";
/// The demo's own file, rebuilt on every `xianfeng demo` that names no database.
const DEMO_DB: &str = "xianfeng-demo.db";

impl Cli {
    fn db(&self) -> &str {
        self.db.as_deref().unwrap_or(DEFAULT_DB)
    }

    /// Fills what neither a flag nor the environment set from the config file.
    pub fn apply(&mut self, file: crate::config::ConfigFile) {
        self.db = self.db.take().or(file.db);
        self.key_file = self.key_file.take().or(file.key_file);
        self.read_db = self.read_db.take().or(file.read_db);
        self.db_pool_size = self.db_pool_size.or(file.db_pool_size);
        self.db_pool_timeout = self.db_pool_timeout.or(file.db_pool_timeout_seconds);
        self.log_json |= file.log_json.unwrap_or(false);
        self.serve_file = file.serve;
    }

    /// Where `/metrics` alone is served besides, if anywhere.
    fn metrics_addr(&self, args: &ServeArgs) -> Option<String> {
        args.metrics_addr
            .clone()
            .or_else(|| self.serve_file.metrics_addr.clone())
    }

    /// Where to listen and the web tier's limits, from flags, environment, file, defaults.
    fn web(&self, args: &ServeArgs) -> Result<(String, xianfeng_web::WebConfig)> {
        let f = &self.serve_file;
        let defaults = xianfeng_web::WebConfig::default();
        let addr = args
            .addr
            .clone()
            .or_else(|| f.addr.clone())
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let config = xianfeng_web::WebConfig {
            max_body_bytes: args
                .max_body_mb
                .or(f.max_body_mb)
                .map_or(defaults.max_body_bytes, |mb| mb * 1024 * 1024),
            request_timeout: args
                .request_timeout
                .or(f.request_timeout_seconds)
                .map_or(defaults.request_timeout, std::time::Duration::from_secs),
            public_url: args.public_url.clone().or_else(|| f.public_url.clone()),
            warm_scores: true,
            metrics_token: args
                .metrics_token
                .clone()
                .or_else(|| f.metrics_token.clone())
                .filter(|t| !t.trim().is_empty()),
            header_timeout: args
                .header_timeout
                .or(f.header_timeout_seconds)
                .map_or(defaults.header_timeout, std::time::Duration::from_secs),
            connections_per_address: args
                .connections_per_address
                .or(f.connections_per_address)
                .unwrap_or(defaults.connections_per_address),
            require_second_factor: args.require_second_factor
                || f.require_second_factor.unwrap_or(false),
            trusted_proxies: xianfeng_web::TrustedProxies::parse(
                if args.trusted_proxies.is_empty() {
                    f.trusted_proxies.as_deref().unwrap_or_default()
                } else {
                    &args.trusted_proxies
                },
            )
            .map_err(|item| anyhow::anyhow!(say("cli.bad_trusted_proxy", &[("item", &item)])))?,
            ..defaults
        };
        Ok((addr, config))
    }
}

/// Serves until Ctrl-C or SIGTERM, then lets requests in flight finish; `/metrics` alone
/// also on `metrics_addr`, when one is given.
async fn serve(
    store: Store,
    addr: &str,
    config: xianfeng_web::WebConfig,
    metrics_addr: Option<&str>,
) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| say("cli.cannot_listen", &[("addr", &addr)]))?;
    let metrics = match metrics_addr {
        Some(m) => Some(
            tokio::net::TcpListener::bind(m)
                .await
                .with_context(|| say("cli.cannot_listen", &[("addr", &m)]))?,
        ),
        None => None,
    };
    println!("{}", say("cli.serving", &[("addr", &addr)]));
    match metrics {
        Some(m) => {
            xianfeng_web::serve_with_metrics(store.clone(), config, listener, m, stop_signal())
                .await?
        }
        None => xianfeng_web::serve(store.clone(), config, listener, stop_signal()).await?,
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("stopping: finishing requests in flight");
}

fn key_path(cli: &Cli) -> PathBuf {
    cli.key_file
        .clone()
        .unwrap_or_else(|| default_key_path(cli.db()))
}

async fn open(cli: &Cli) -> Result<Store> {
    open_as(cli, xianfeng_storage::Migrations::Apply).await
}

/// Opens the database, applying migrations or expecting them applied.
async fn open_as(cli: &Cli, migrations: xianfeng_storage::Migrations) -> Result<Store> {
    let defaults = xianfeng_storage::PoolSettings::default();
    let options = xianfeng_storage::OpenOptions {
        migrations,
        read_url: cli.read_db.clone(),
        pool: xianfeng_storage::PoolSettings {
            size: cli.db_pool_size.unwrap_or(defaults.size),
            acquire_timeout: cli
                .db_pool_timeout
                .map_or(defaults.acquire_timeout, std::time::Duration::from_secs),
        },
    };
    Ok(open_store_with(cli.db(), &key_path(cli), false, options).await?)
}

fn print_json(v: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

fn print_accounts(accounts: &[CreatedAccount]) {
    println!("{}", say("cli.accounts", &[]));
    for a in accounts {
        println!(
            "  {:<12} {:<16} {:<14} {}",
            a.username,
            a.role,
            a.organisations.join(","),
            a.password
        );
    }
}

pub async fn run(cli: Cli) -> Result<ExitCode> {
    match &cli.command {
        Command::Init { demo, password } => {
            let store = open_store(cli.db(), &key_path(&cli), true).await?;
            let progress = CliProgress::new(&say("cli.demo_label", &[]));
            let report = init(&store, password.as_deref(), *demo, &progress).await?;
            println!("{}", say("cli.initialised", &[("db", &cli.db())]));
            if let Some(d) = &report.demo {
                println!(
                    "{}",
                    say(
                        "cli.demo_city",
                        &[
                            ("organisations", &d.organisations),
                            ("members", &d.members),
                            ("teams", &d.leadership_teams),
                            ("cadres", &d.cadres),
                        ],
                    )
                );
                let a = &d.activity;
                println!(
                    "{}",
                    say(
                        "cli.demo_activity",
                        &[
                            ("plans", &a.plans),
                            ("commitments", &a.commitments),
                            ("study", &a.study_records),
                            ("service", &a.service_records),
                            ("reviews", &a.reviews),
                        ],
                    )
                );
                let sel = &d.selection;
                println!(
                    "{}",
                    say(
                        "cli.demo_selection",
                        &[
                            ("nominations", &sel.nominations),
                            ("commended", &sel.commended),
                            (
                                "notice",
                                &sel.running_notice
                                    .map_or_else(|| "—".to_string(), |n| format!("/p/n/{n}")),
                            ),
                        ],
                    )
                );
                let p = &d.publicity;
                println!(
                    "{}",
                    say(
                        "cli.demo_publicity",
                        &[
                            ("models", &p.models),
                            ("practices", &p.practices),
                            ("sessions", &p.sessions),
                            ("sign_ins", &p.sign_ins),
                        ],
                    )
                );
                if !a.sample_codes.is_empty() {
                    println!(
                        "{}",
                        say(
                            "cli.demo_codes",
                            &[
                                ("ballots", &a.ballots),
                                ("codes", &a.sample_codes.join("  "))
                            ]
                        )
                    );
                }
            }
            print_accounts(&report.accounts);
            println!(
                "{}",
                say("cli.data_key", &[("path", &key_path(&cli).display())])
            );
        }
        Command::Migrate => {
            let store = open(&cli).await?;
            let version = store.schema_version().await?;
            store.close().await;
            println!("{}", say("cli.migrated", &[("version", &version)]));
        }
        Command::Serve { web, no_migrate } => {
            let migrations = if *no_migrate {
                xianfeng_storage::Migrations::Expect
            } else {
                xianfeng_storage::Migrations::Apply
            };
            let store = open_as(&cli, migrations).await?;
            let (addr, config) = cli.web(web)?;
            if let Some(day) = cli.today {
                xianfeng_web::clock::rehearse(day);
                tracing::warn!(%day, "rehearsal: the server acts as if today were this date");
            }
            serve(store, &addr, config, cli.metrics_addr(web).as_deref()).await?;
        }
        Command::Demo { web, password } => {
            let (addr, mut config) = cli.web(web)?;
            // The demonstration prints ballot slips out of the box: their codes lead to
            // the address it listens on, unless another is configured.
            config
                .public_url
                .get_or_insert_with(|| format!("http://{addr}"));
            // The demo city lives on its own day, in the middle of the built-in campaign.
            let day = cli.today.unwrap_or_else(xianfeng_app::demo::demo_day);
            xianfeng_web::clock::rehearse(day);
            let db = cli.db.clone().unwrap_or_else(|| DEMO_DB.to_string());
            let key = cli
                .key_file
                .clone()
                .unwrap_or_else(|| default_key_path(&db));
            if cli.db.is_none() {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{DEMO_DB}{suffix}"));
                }
                let _ = std::fs::remove_file(&key);
            }
            let store = open_store(&db, &key, true).await?;
            let progress = CliProgress::new(&say("cli.demo_label", &[]));
            let report = init(&store, password.as_deref(), true, &progress).await?;
            print_accounts(&report.accounts);
            println!("{}", say("cli.demo_at", &[("addr", &addr), ("db", &db)]));
            println!("{}", say("cli.demo_day", &[("day", &day)]));
            serve(store, &addr, config, cli.metrics_addr(web).as_deref()).await?;
        }
        Command::Import { what } => return import(&cli, what).await,
        Command::Campaign { action } => {
            let store = match action.needs_store() {
                true => Some(open(&cli).await?),
                false => None,
            };
            return crate::campaign_cli::campaign(action, store.as_ref()).await;
        }
        Command::Org { action } => {
            let store = open(&cli).await?;
            match action {
                OrgAction::Show { code, json } => {
                    let org = store
                        .registry()
                        .org_by_code(code)
                        .await?
                        .ok_or_else(|| anyhow!(say("store.no_org", &[("code", code)])))?;
                    let counts = store.registry().subtree_counts(&org).await?;
                    if *json {
                        print_json(&serde_json::json!({"organisation": org, "subtree": counts}))?;
                    } else {
                        println!(
                            "{} {} ({})",
                            org.code,
                            org.name,
                            crate::say::show(&org.kind.name())
                        );
                        println!(
                            "{}",
                            say(
                                "cli.subtree",
                                &[
                                    ("organisations", &counts.organisations),
                                    ("members", &counts.members)
                                ],
                            )
                        );
                    }
                }
                OrgAction::Move { code, to } => {
                    let moved = xianfeng_app::registry::move_org(&store, "cli", code, to).await?;
                    println!(
                        "{}",
                        say(
                            "cli.moved",
                            &[("code", code), ("to", to), ("count", &moved)]
                        )
                    );
                }
            }
        }
        Command::User { action } => return user(&cli, action).await,
        Command::Audit { action } => {
            let store = open(&cli).await?;
            match action {
                AuditAction::List { since, limit, json } => {
                    let since_ms = match since {
                        None => None,
                        Some(s) => Some(
                            xianfeng_domain::dates::parse_date(s)
                                .ok_or_else(|| {
                                    anyhow!("--since: {}", say("cli.not_a_date", &[("value", s)]))
                                })?
                                .and_hms_opt(0, 0, 0)
                                .expect("midnight exists")
                                .and_utc()
                                .timestamp_millis(),
                        ),
                    };
                    let entries = store
                        .audit()
                        .entries(&AuditFilter {
                            since_ms,
                            limit: *limit,
                        })
                        .await?;
                    if *json {
                        print_json(&entries)?;
                    } else {
                        for e in entries {
                            let at = chrono::DateTime::from_timestamp_millis(e.at)
                                .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                                .unwrap_or_default();
                            println!(
                                "{:>6} {at} {:<8} {:<16} {} {}\n       before: {}\n       after:  {}",
                                e.id, e.actor, e.action, e.entity, e.entity_key, e.before, e.after
                            );
                        }
                    }
                }
                AuditAction::Verify {
                    since_checkpoint: None,
                } => match store.audit().verify().await? {
                    Ok(n) => {
                        println!("{}", say("cli.audit_intact", &[("count", &n)]));
                        // Committed, but waiting longer than sealing takes.
                        if let (count @ 1.., Some(oldest)) = store.audit().pending(5_000).await? {
                            let seconds = (xianfeng_storage::now_ms() - oldest) / 1_000;
                            eprintln!(
                                "{}",
                                say(
                                    "cli.audit_pending",
                                    &[("count", &count), ("seconds", &seconds)]
                                )
                            );
                        }
                    }
                    Err(id) => {
                        eprintln!("{}", say("cli.audit_broken", &[("id", &id)]));
                        return Ok(ExitCode::from(1));
                    }
                },
                AuditAction::Verify {
                    since_checkpoint: Some(text),
                } => {
                    let checkpoint = Checkpoint::parse(text).ok_or_else(|| {
                        anyhow!(
                            "--since-checkpoint: {}",
                            say("cli.audit_not_a_checkpoint", &[("value", text)])
                        )
                    })?;
                    let fault = match store.audit().verify_since(&checkpoint).await? {
                        Ok(n) => {
                            let at = &checkpoint.position;
                            println!(
                                "{}",
                                say(
                                    "cli.audit_holds_checkpoint",
                                    &[("count", &n), ("position", at)]
                                )
                            );
                            return Ok(ExitCode::SUCCESS);
                        }
                        Err(ChainFault::Broken { at }) => say("cli.audit_broken", &[("id", &at)]),
                        Err(ChainFault::RolledBack { entries }) => say(
                            "cli.audit_rolled_back",
                            &[("count", &entries), ("position", &checkpoint.position)],
                        ),
                        Err(ChainFault::Rewritten) => {
                            say("cli.audit_rewritten", &[("position", &checkpoint.position)])
                        }
                    };
                    eprintln!("{fault}");
                    return Ok(ExitCode::from(1));
                }
                AuditAction::Checkpoint => match store.audit().checkpoint().await? {
                    Ok(checkpoint) => println!("{checkpoint}"),
                    Err(id) => {
                        eprintln!("{}", say("cli.audit_broken", &[("id", &id)]));
                        return Ok(ExitCode::from(1));
                    }
                },
            }
        }
        Command::Backup { file } => {
            let store = open(&cli).await?;
            let copied = xianfeng_app::backup::backup(&store, file).await;
            store.close().await;
            let copied = copied?;
            println!(
                "{}",
                say(
                    "cli.backup_written",
                    &[("path", &file.display()), ("count", &copied.entries)]
                )
            );
            println!("{}", copied.checkpoint);
            println!(
                "{}",
                say(
                    "cli.backup_key_apart",
                    &[("key", &key_path(&cli).display())]
                )
            );
        }
        Command::Restore { file } => {
            let key = xianfeng_app::open::load_key(&key_path(&cli), false)?;
            let copied = xianfeng_app::backup::restore(file, cli.db(), key).await?;
            println!(
                "{}",
                say(
                    "cli.restored",
                    &[("path", &file.display()), ("count", &copied.entries)]
                )
            );
            println!("{}", copied.checkpoint);
            if let Some(aside) = &copied.kept_aside {
                println!("{}", say("cli.restore_kept", &[("path", &aside.display())]));
            }
        }
        Command::Stats { json } => {
            let store = open(&cli).await?;
            let s = store.stats().await?;
            if *json {
                print_json(&s)?;
            } else {
                for (key, n) in [
                    ("organisations", s.organisations),
                    ("members", s.members),
                    ("leadership_teams", s.leadership_teams),
                    ("cadres", s.cadres),
                    ("users", s.users),
                    ("campaigns", s.campaigns),
                    ("audit_entries", s.audit_entries),
                ] {
                    println!("{n:>10}  {}", say(format!("cli.stats.{key}"), &[]));
                }
            }
        }
        Command::Eval { action } => return eval(&cli, action).await,
        Command::Scores { action } => {
            return crate::scores_cli::scores(&open(&cli).await?, action, cli.today()).await;
        }
        Command::Indicators { action } => {
            return crate::scores_cli::indicators(&open(&cli).await?, action).await;
        }
        Command::Calendar { action } => {
            return crate::calendar_cli::calendar(&open(&cli).await?, action, cli.lang()).await;
        }
        Command::Draw { action } => return crate::draw_cli::draw(action),
        Command::Inspection { action } => {
            let store = open(&cli).await?;
            let public_url = cli.serve_file.public_url.as_deref();
            return crate::inspection_cli::inspection(&store, action, cli.today(), public_url)
                .await;
        }
        Command::Bulletin { action } => {
            return crate::bulletin_cli::bulletin(&open(&cli).await?, action, cli.today()).await;
        }
        Command::Models { action } => {
            return crate::publicity_cli::models_cmd(&open(&cli).await?, action, cli.today()).await;
        }
        Command::Tour { action } => {
            return crate::publicity_cli::tour_cmd(&open(&cli).await?, action).await;
        }
        Command::Sanction { action } => {
            return crate::sanction_cli::sanction(&open(&cli).await?, action).await;
        }
        Command::Figures {
            scope,
            period,
            stage,
            json,
        } => {
            use xianfeng_app::figures::{Over, figures_over};
            let store = open(&cli).await?;
            let over = match stage {
                Some(s) => Over::Stage(s),
                None => Over::Period(period.as_deref()),
            };
            let (period, rows) = figures_over(&store, None, scope, over, cli.today()).await?;
            if *json {
                print_json(&serde_json::json!({ "period": period, "subjects": rows }))?;
            } else {
                println!(
                    "{} ({} – {})",
                    period.name, period.starts_on, period.ends_on
                );
                println!("{}", say("cli.figures_header", &[]));
                let hours = |t: i64| xianfeng_domain::records::Tenths(t).display();
                for f in &rows {
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                        f.subject_kind.as_str(),
                        f.name,
                        f.organisation,
                        f.items_due,
                        f.items_kept,
                        f.items_overdue,
                        hours(f.study_tenths),
                        hours(f.service_tenths),
                        f.review_average()
                            .map_or_else(String::new, |a| format!("{a:.1}"))
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn import(cli: &Cli, what: &ImportWhat) -> Result<ExitCode> {
    let (args, label) = match what {
        ImportWhat::Orgs(a) => (a, say("cli.stats.organisations", &[])),
        ImportWhat::Members(a) => (a, say("cli.stats.members", &[])),
        ImportWhat::Teams(a) => (a, say("cli.stats.leadership_teams", &[])),
        ImportWhat::Cadres(a) => (a, say("cli.stats.cadres", &[])),
    };
    let store = open(cli).await?;
    let (reader, opts) = crate::import_report::open(args, cli.today())?;
    let progress = CliProgress::new(&label);
    let report = match what {
        ImportWhat::Orgs(_) => import_orgs(&store, reader, &opts, &progress).await,
        ImportWhat::Members(_) => import_members(&store, reader, &opts, &progress).await,
        ImportWhat::Teams(_) => import_teams(&store, reader, &opts, &progress).await,
        ImportWhat::Cadres(_) => import_cadres(&store, reader, &opts, &progress).await,
    }
    .map_err(|e| anyhow!("{}: {}", args.file.display(), crate::say::app_error(&e)))?;
    crate::import_report::finish(&report, args)
}

async fn eval(cli: &Cli, action: &EvalAction) -> Result<ExitCode> {
    use xianfeng_app::evaluation as ev;
    let store = open(cli).await?;
    match action {
        EvalAction::Round {
            action:
                RoundAction::Create {
                    name,
                    scope,
                    subjects,
                    mode,
                    start,
                    end,
                },
        } => {
            let id = ev::create_round(
                &store,
                None,
                &ev::RoundInput {
                    name,
                    scope,
                    subjects,
                    mode,
                    starts_on: start,
                    ends_on: end,
                },
            )
            .await?;
            let n = store.evaluation().round_subjects(id).await?.len();
            println!("{}", say("cli.round_created", &[("subjects", &n)]));
            println!("{id}");
        }
        EvalAction::Round {
            action: RoundAction::List { json },
        } => {
            let rounds = store.evaluation().rounds().await?;
            if *json {
                print_json(&rounds)?;
            } else {
                for r in rounds {
                    println!(
                        "{}\t{}\t{}\t{}\t{} – {}",
                        r.id,
                        r.name,
                        crate::say::say(format!("web.subject_{}", r.subject_kind.as_str()), &[]),
                        crate::say::say(format!("web.eval_mode_{}", r.mode.as_str()), &[]),
                        r.starts_on,
                        r.ends_on
                    );
                }
            }
        }
        EvalAction::Codes {
            round,
            per_subject,
            out,
            base_url,
        } => {
            let codes = ev::issue_codes(
                &store,
                None,
                *round,
                *per_subject,
                base_url.as_deref().or(cli.serve_file.public_url.as_deref()),
                cli.today(),
            )
            .await?;
            ev::write_codes(out, &codes)?;
            println!(
                "{}",
                say(
                    "cli.codes_written",
                    &[("n", &codes.len()), ("path", &out.display())]
                )
            );
        }
        EvalAction::Verify { round } => {
            let (issued, used, coded, open) = ev::verify(&store, *round).await?;
            println!(
                "{}",
                say(
                    "cli.eval_verified",
                    &[
                        ("issued", &issued),
                        ("used", &used),
                        ("coded", &coded),
                        ("open", &open)
                    ]
                )
            );
        }
        EvalAction::Results { round, json } => {
            store
                .evaluation()
                .round(*round)
                .await?
                .ok_or_else(|| anyhow!(say("app.not_found", &[])))?;
            let rows = ev::results(&store, *round).await?;
            if *json {
                print_json(&rows)?;
            } else {
                for r in rows {
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}",
                        r.code,
                        r.name,
                        r.tally.satisfied,
                        r.tally.basically_satisfied,
                        r.tally.dissatisfied,
                        r.satisfaction
                            .map_or_else(String::new, |s| format!("{:.1}%", s * 100.0))
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn user(cli: &Cli, action: &UserAction) -> Result<ExitCode> {
    let store = open(cli).await?;
    match action {
        UserAction::List { json } => {
            let users = store.accounts().list_users().await?;
            if *json {
                print_json(&users)?;
            } else {
                for u in users {
                    println!(
                        "{:<14} {:<16} {:<20}{}",
                        u.username,
                        u.role.as_str(),
                        u.organisations.join(","),
                        if u.disabled {
                            format!(" ({})", say("cli.disabled_mark", &[]))
                        } else {
                            String::new()
                        }
                    );
                }
            }
        }
        UserAction::Add {
            username,
            role,
            orgs,
            password: given,
            member,
        } => {
            let role = Role::parse(role).ok_or_else(|| {
                let known: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                anyhow!(say(
                    "cli.unknown_role",
                    &[("role", role), ("known", &known.join(", "))]
                ))
            })?;
            let set = xianfeng_app::accounts::create_account(
                &store,
                "cli",
                xianfeng_app::accounts::NewAccount {
                    username,
                    role,
                    orgs,
                    password: given.as_deref(),
                    member_id_number: member.as_deref(),
                },
            )
            .await?;
            println!(
                "{}",
                say(
                    "cli.account_created",
                    &[("name", username), ("role", &role.as_str())]
                )
            );
            if set.generated {
                println!(
                    "{}",
                    say("cli.initial_password", &[("password", &set.password)])
                );
            }
        }
        UserAction::Passwd {
            username,
            password: given,
        } => {
            let set =
                xianfeng_app::accounts::reset_password(&store, "cli", username, given.as_deref())
                    .await?;
            println!("{}", say("cli.password_set", &[("name", username)]));
            if set.generated {
                println!(
                    "{}",
                    say("cli.new_password", &[("password", &set.password)])
                );
            }
        }
        UserAction::Disable { username } => {
            xianfeng_app::accounts::disable(&store, "cli", username).await?;
            println!("{}", say("cli.disabled", &[("name", username)]));
        }
        UserAction::ResetSecondFactor { username } => {
            xianfeng_app::accounts::reset_second_factor(&store, "cli", username).await?;
            println!("{}", say("cli.second_factor_reset", &[("name", username)]));
        }
        UserAction::Bulk {
            scope,
            members,
            secretaries: _,
            out,
            valid_days,
            base_url,
        } => {
            use xianfeng_app::activation::{BulkKind, bulk, issued_file};
            let xlsx = match out.extension().and_then(|e| e.to_str()) {
                Some(e) if e.eq_ignore_ascii_case("xlsx") => true,
                Some(e) if e.eq_ignore_ascii_case("csv") => false,
                _ => {
                    return Err(anyhow!(say(
                        "cli.codes_out_kind",
                        &[("path", &out.display())]
                    )));
                }
            };
            let kind = if *members {
                BulkKind::Members
            } else {
                BulkKind::Secretaries
            };
            let now = chrono::Utc::now().timestamp_millis();
            let done = bulk(&store, None, scope, kind, *valid_days, now, None).await?;
            let base = base_url.as_deref().or(cli.serve_file.public_url.as_deref());
            let bytes = issued_file(&done.issued, base, xlsx, crate::say::lang())?;
            std::fs::write(out, bytes)?;
            println!(
                "{}",
                say(
                    "cli.accounts_written",
                    &[
                        ("n", &done.issued.len()),
                        ("had", &done.had_account),
                        ("path", &out.display())
                    ]
                )
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
