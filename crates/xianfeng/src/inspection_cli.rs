//! `xianfeng inspection …`: the inspector pool, and plans from creation through the
//! published population (P) and the draw to closing — what scripts and tests use.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use chrono::NaiveDate;
use clap::Subcommand;
use xianfeng_app::inspections::{self, PlanRequest, Who};
use xianfeng_domain::draw::Allocation;
use xianfeng_domain::inspection::{PlanKind, PlanSpec, Population, Strata};
use xianfeng_storage::Store;

use crate::import_report::ImportArgs;
use crate::progress::CliProgress;
use crate::say::say;

#[derive(Subcommand, Debug)]
pub enum InspectionAction {
    /// Inspection plans (检查计划).
    Plan {
        #[command(subcommand)]
        action: PlanAction,
    },
    /// Freeze a draft plan's population and publish its digest P (printed).
    Publish { plan: i64 },
    /// Enter the seed input and draw, once: prints the targets and their inspectors.
    Draw {
        plan: i64,
        /// Exactly as published, e.g. the lottery's numbers for a named date.
        #[arg(long)]
        seed_input: String,
    },
    /// Write a drawn plan's draw record (JSON), which `xianfeng draw verify` checks.
    Record {
        plan: i64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Leave organisations (or teams) out of a draft plan's population.
    Exclude {
        plan: i64,
        #[arg(required = true)]
        codes: Vec<String>,
    },
    /// Close a drawn plan once every visit's findings are in: its results become public.
    Close { plan: i64 },
    /// The inspector pool (督查人员库).
    Inspectors {
        #[command(subcommand)]
        action: InspectorsAction,
    },
}

#[derive(Subcommand, Debug)]
pub enum PlanAction {
    /// Create a draft plan; prints the plan id on its last line.
    Create(Box<CreateArgs>),
    /// The plans of the running campaign.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Args, Debug)]
pub struct CreateArgs {
    #[arg(long)]
    name: String,
    /// The organisation whose subtree the population comes from.
    #[arg(long)]
    scope: String,
    /// branches | committees | teams
    #[arg(long)]
    population: String,
    /// county | category
    #[arg(long, default_value = "county")]
    strata: String,
    /// Targets drawn from each stratum.
    #[arg(long, conflicts_with_all = ["total", "targets"])]
    per_stratum: Option<usize>,
    /// Targets drawn in all, shared among the strata in proportion to their sizes.
    #[arg(long, conflicts_with = "targets")]
    total: Option<usize>,
    /// A regular inspection (经常性督查) of these codes, each inspected (comma-separated).
    #[arg(long, value_delimiter = ',')]
    targets: Vec<String>,
    #[arg(long, default_value_t = 2)]
    inspectors_per_target: usize,
    /// The most targets one inspector is sent to.
    #[arg(long, default_value_t = 5)]
    cap: usize,
    /// Publish the targets and results at once (not surprise visits).
    #[arg(long)]
    publish_results_at_once: bool,
    #[arg(long)]
    visits_from: Option<NaiveDate>,
    #[arg(long)]
    visits_to: Option<NaiveDate>,
    /// A redraw: the plan this one replaces (which stays public) …
    #[arg(long, requires = "reason")]
    replaces: Option<i64>,
    /// … and why.
    #[arg(long)]
    reason: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum InspectorsAction {
    /// Import the pool: 姓名, 账号, 所属组织编码, 回避组织编码, 回避理由. Accounts that do not
    /// exist are made, each with a one-time activation code.
    Import {
        #[command(flatten)]
        args: ImportArgs,
        /// Write the new accounts' activation codes here (.xlsx or .csv) instead of
        /// printing them.
        #[arg(long)]
        codes_out: Option<PathBuf>,
        #[arg(long, default_value_t = xianfeng_domain::activation::DEFAULT_VALID_DAYS)]
        valid_days: u32,
    },
    /// The pool, one inspector per line.
    List {
        #[arg(long)]
        json: bool,
    },
}

fn spec_of(args: &CreateArgs) -> Result<PlanRequest> {
    let CreateArgs {
        name,
        scope,
        population,
        strata,
        per_stratum,
        total,
        targets,
        inspectors_per_target,
        cap,
        publish_results_at_once,
        visits_from,
        visits_to,
        replaces,
        reason,
    } = args;
    let population = Population::parse(population)
        .ok_or_else(|| anyhow!(say("cli.inspection_population", &[("value", population)])))?;
    let strata = Strata::parse(strata)
        .ok_or_else(|| anyhow!(say("cli.inspection_strata", &[("value", strata)])))?;
    let (kind, allocation) = match (targets.is_empty(), per_stratum, total) {
        (false, _, _) => (PlanKind::Regular, Allocation::PerStratum(targets.len())),
        (true, Some(k), None) => (PlanKind::Random, Allocation::PerStratum(*k)),
        (true, None, Some(t)) => (PlanKind::Random, Allocation::Total(*t)),
        _ => return Err(anyhow!(say("cli.inspection_how_many", &[]))),
    };
    Ok(PlanRequest {
        spec: PlanSpec {
            name: name.clone(),
            kind,
            scope: scope.clone(),
            population,
            strata,
            allocation,
            per_target: *inspectors_per_target,
            cap: *cap,
            publish_results_at_once: *publish_results_at_once,
            targets: targets.clone(),
            replaces: replaces.map(|p| (p, reason.clone().unwrap_or_default())),
        },
        visits_from: *visits_from,
        visits_to: *visits_to,
    })
}

pub async fn inspection(
    store: &Store,
    action: &InspectionAction,
    today: NaiveDate,
    public_url: Option<&str>,
) -> Result<ExitCode> {
    let who = Who::operator();
    match action {
        InspectionAction::Plan { action } => match action {
            PlanAction::Create(args) => {
                let id = inspections::create(store, who, &spec_of(args)?).await?;
                println!("{}", say("cli.inspection_created", &[]));
                println!("{id}");
            }
            PlanAction::List { json } => {
                let plans = inspections::plans(store, who).await?;
                if *json {
                    println!("{}", serde_json::to_string_pretty(&plans)?);
                } else {
                    for p in plans {
                        println!(
                            "{}\t{}\t{}\t{}\t{}",
                            p.id,
                            p.name,
                            p.scope_code,
                            crate::say::show(&p.status.name()),
                            p.population_digest.unwrap_or_default()
                        );
                    }
                }
            }
        },
        InspectionAction::Publish { plan } => {
            let digest = inspections::publish(store, who, *plan).await?;
            println!("{}", say("cli.inspection_published", &[("plan", plan)]));
            println!("P = {digest}");
        }
        InspectionAction::Draw { plan, seed_input } => {
            let record = inspections::draw(store, who, *plan, seed_input).await?;
            println!(
                "{}",
                say(
                    "cli.inspection_drawn",
                    &[("plan", plan), ("seed", &record.seed)]
                )
            );
            for t in &record.targets {
                println!("{t}\t{}", record.assignments[t].join(", "));
            }
        }
        InspectionAction::Record { plan, out } => {
            let record = inspections::record(store, who, *plan).await?;
            std::fs::write(out, serde_json::to_string_pretty(&record)? + "\n").map_err(|e| {
                anyhow!(say(
                    "cli.cannot_write",
                    &[("path", &format!("{}: {e}", out.display()))]
                ))
            })?;
            println!(
                "{}",
                say("cli.inspection_record", &[("path", &out.display())])
            );
        }
        InspectionAction::Exclude { plan, codes } => {
            inspections::exclude(store, who, *plan, codes).await?;
            println!("{}", say("cli.inspection_excluded", &[("n", &codes.len())]));
        }
        InspectionAction::Close { plan } => {
            inspections::close(store, who, *plan).await?;
            println!("{}", say("cli.inspection_closed", &[("plan", plan)]));
        }
        InspectionAction::Inspectors { action } => {
            return inspectors(store, action, today, public_url).await;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn inspectors(
    store: &Store,
    action: &InspectorsAction,
    today: NaiveDate,
    public_url: Option<&str>,
) -> Result<ExitCode> {
    match action {
        InspectorsAction::List { json } => {
            let pool = inspections::pool::list(store, Who::operator()).await?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&pool)?);
            } else {
                for i in pool {
                    let conflicts: Vec<&str> =
                        i.conflicts.iter().map(|c| c.org_code.as_str()).collect();
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        i.username,
                        i.name,
                        i.home_code,
                        if i.active { "1" } else { "0" },
                        conflicts.join(";")
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        InspectorsAction::Import {
            args,
            codes_out,
            valid_days,
        } => {
            let (reader, opts) = crate::import_report::open(args, today)?;
            let progress = CliProgress::new(&say("cli.inspectors_label", &[]));
            let done = inspections::pool::import(store, reader, &opts, *valid_days, &progress)
                .await
                .map_err(|e| anyhow!("{}: {}", args.file.display(), crate::say::app_error(&e)))?;
            let exit = crate::import_report::finish(&done.report, args)?;
            if !done.issued.is_empty() {
                match codes_out {
                    Some(path) => {
                        let xlsx = path
                            .extension()
                            .and_then(|e| e.to_str())
                            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
                        let base = public_url;
                        let bytes = xianfeng_app::activation::issued_file(
                            &done.issued,
                            base,
                            xlsx,
                            crate::say::lang(),
                        )?;
                        std::fs::write(path, bytes)?;
                        println!(
                            "{}",
                            say(
                                "cli.inspectors_codes_written",
                                &[("n", &done.issued.len()), ("path", &path.display())]
                            )
                        );
                    }
                    None => {
                        println!("{}", say("cli.inspectors_codes", &[]));
                        for i in &done.issued {
                            println!("{}\t{}\t{}", i.username, i.code, i.valid_until);
                        }
                    }
                }
            }
            Ok(exit)
        }
    }
}
