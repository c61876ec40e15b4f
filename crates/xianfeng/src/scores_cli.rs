//! `xianfeng scores …` and `xianfeng indicators …`: scores, rankings, closing periods and
//! their Excel export, and the import of performance indicators.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use crate::say::say;
use anyhow::{Result, bail};
use clap::Subcommand;
use xianfeng_app::score_tables::{MAX_ROWS, TableQuery, stage_table, table, write_xlsx};
use xianfeng_app::scores::{self, PeerSet, Scores};
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::Store;

#[derive(Subcommand, Debug)]
pub enum ScoresAction {
    /// Scores every subject for a period from its inputs and prints how long it took.
    Recompute {
        #[arg(long)]
        period: Option<String>,
    },
    /// Rankings of one kind of subject within a scope, best first.
    Rankings {
        #[arg(long, conflicts_with = "stage")]
        period: Option<String>,
        /// A themed stage instead: each subject's mean score over the stage's periods.
        #[arg(long)]
        stage: Option<String>,
        /// An organisation code: its subtree [default: everyone].
        #[arg(long)]
        scope: Option<String>,
        /// organisation, member, team or cadre.
        #[arg(long, default_value = "organisation")]
        kind: String,
        #[arg(long)]
        category: Option<String>,
        #[arg(long)]
        level: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Writes the rankings of every kind in a scope to an .xlsx workbook.
    Export {
        #[arg(long, conflicts_with = "stage")]
        period: Option<String>,
        /// A themed stage instead: each subject's mean score over the stage's periods.
        #[arg(long)]
        stage: Option<String>,
        #[arg(long)]
        scope: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Closes a period that has ended: its scores are stored as a snapshot and frozen.
    Close { period: String },
    /// Checks that a closed period's stored scores follow from its stored inputs.
    Verify { period: String },
    /// Recounts the per-subject counts scores are read from (reviews, ballots, commitment
    /// items, hours) from the tables themselves; database triggers keep them otherwise.
    Recount,
}

#[derive(Subcommand, Debug)]
pub enum IndicatorsAction {
    /// Imports indicator values from .xlsx or .csv: subject_code, indicator, period, value.
    Import { file: PathBuf },
}

fn kind_of(s: &str) -> Result<SubjectKind> {
    match SubjectKind::parse(s) {
        Some(k) => Ok(k),
        None => bail!(say("cli.bad_kind", &[("value", &s)])),
    }
}

pub async fn scores(
    store: &Store,
    action: &ScoresAction,
    today: chrono::NaiveDate,
) -> Result<ExitCode> {
    let cache = Scores::new();
    match action {
        ScoresAction::Recompute { period } => {
            let started = Instant::now();
            let board = cache.board(store, period.as_deref(), today).await?;
            let computed = started.elapsed();
            let b = board.read().map_err(|_| anyhow::anyhow!("poisoned"))?;
            let set = PeerSet::default();
            let ranked = Instant::now();
            let mut ranks = 0;
            for kind in SubjectKind::ALL {
                let set = PeerSet {
                    kind: Some(kind),
                    ..set.clone()
                };
                ranks += scores::rank(&b, None, &set, None)?.rows.len();
            }
            println!(
                "{}\t{} subjects\t{} ranked\tscored in {:.3} s\tranked in {:.3} s",
                b.period.code,
                b.subjects(),
                ranks,
                computed.as_secs_f64(),
                ranked.elapsed().as_secs_f64()
            );
        }
        ScoresAction::Rankings {
            period,
            stage,
            scope,
            kind,
            category,
            level,
            limit,
            json,
        } => {
            let q = TableQuery {
                campaign: None,
                period: period.as_deref(),
                set: PeerSet {
                    kind: Some(kind_of(kind)?),
                    scope: scope.as_deref(),
                    category: category.as_deref(),
                    level: level.as_deref(),
                },
                limit: Some(*limit),
                offset: 0,
            };
            let t = match stage {
                Some(stage) => stage_table(store, &cache, None, &q, stage, today).await?,
                None => table(store, &cache, None, &q, today).await?,
            };
            if *json {
                println!("{}", serde_json::to_string_pretty(&t)?);
            } else {
                println!(
                    "{} ({} – {})",
                    t.period.name, t.period.starts_on, t.period.ends_on
                );
                for r in &t.rows {
                    let opt = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_default();
                    println!(
                        "{}\t{}\t{}\t{:.2}\t{}\t{}\t{}",
                        r.rank,
                        r.code,
                        r.name,
                        r.score,
                        opt(r.growth),
                        r.growth_rank.map(|g| g.to_string()).unwrap_or_default(),
                        r.grade.clone().unwrap_or_default()
                    );
                }
            }
        }
        ScoresAction::Export {
            period,
            stage,
            scope,
            out,
        } => {
            let mut tables = vec![];
            let mut period_code = String::new();
            for kind in SubjectKind::ALL {
                let q = TableQuery {
                    campaign: None,
                    period: period.as_deref(),
                    set: PeerSet {
                        kind: Some(kind),
                        scope: Some(scope),
                        ..Default::default()
                    },
                    limit: Some(MAX_ROWS),
                    offset: 0,
                };
                let t = match stage {
                    Some(stage) => stage_table(store, &cache, None, &q, stage, today).await?,
                    None => table(store, &cache, None, &q, today).await?,
                };
                period_code.clone_from(&t.period.code);
                if !t.rows.is_empty() {
                    tables.push(t);
                }
            }
            let rows: usize = tables.iter().map(|t| t.rows.len()).sum();
            // An empty workbook would look like a city where everyone scored nothing.
            if rows == 0 {
                eprintln!(
                    "{}",
                    say(
                        "cli.scores_none",
                        &[("period", &period_code), ("scope", &scope)]
                    )
                );
                return Ok(ExitCode::from(1));
            }
            write_xlsx(out, &tables, crate::say::lang())?;
            println!(
                "{}",
                say(
                    "cli.scores_exported",
                    &[("rows", &rows), ("file", &out.display())]
                )
            );
        }
        ScoresAction::Close { period } => {
            let c = scores::close(store, None, period, today).await?;
            println!(
                "{}",
                say(
                    "cli.period_closed",
                    &[
                        ("period", &c.period),
                        ("subjects", &c.subjects),
                        ("digest", &c.digest)
                    ]
                )
            );
        }
        ScoresAction::Verify { period } => {
            let board = cache.board(store, Some(period), today).await?;
            let b = board.read().map_err(|_| anyhow::anyhow!("poisoned"))?;
            if b.closed.is_none() {
                bail!(say("cli.period_open", &[("period", period)]));
            }
            // The stored rows must still be the ones whose digest went into the audit trail.
            let digest = scores::snapshot_rows(&b).1;
            let recorded = b
                .closed
                .as_ref()
                .map(|c| c.digest.clone())
                .unwrap_or_default();
            if digest != recorded {
                eprintln!(
                    "{}",
                    say(
                        "cli.snapshot_digest",
                        &[("recorded", &recorded), ("found", &digest)]
                    )
                );
                return Ok(ExitCode::FAILURE);
            }
            let bad = scores::verify(&b);
            if bad.is_empty() {
                println!("{}", say("cli.snapshot_ok", &[("subjects", &b.subjects())]));
            } else {
                for (kind, id) in &bad {
                    eprintln!("{}\t{id}", kind.as_str());
                }
                eprintln!("{}", say("cli.snapshot_bad", &[("n", &bad.len())]));
                return Ok(ExitCode::FAILURE);
            }
        }
        ScoresAction::Recount => {
            scores::recount(store).await?;
            println!("{}", say("cli.facts_recounted", &[]));
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn indicators(store: &Store, action: &IndicatorsAction) -> Result<ExitCode> {
    let IndicatorsAction::Import { file } = action;
    let sheet = xianfeng_ingest::open(file, &xianfeng_ingest::Limits::COMMAND_LINE)?;
    let report = xianfeng_app::indicators::import(store, "cli", sheet).await?;
    if report.problems.is_empty() {
        println!(
            "{}",
            say("cli.indicators_imported", &[("n", &report.imported)])
        );
        Ok(ExitCode::SUCCESS)
    } else {
        for p in &report.problems {
            eprintln!("{}", crate::say::show(p));
        }
        eprintln!(
            "{}",
            say("cli.indicators_refused", &[("n", &report.problems.len())])
        );
        Ok(ExitCode::FAILURE)
    }
}
