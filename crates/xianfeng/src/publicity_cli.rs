//! `xianfeng models …` and `xianfeng tour …`: an office moving its existing list of models
//! into the library, and scheduling lecture sessions from a script — the same services as
//! the pages, as the operator.

use std::process::ExitCode;

use anyhow::{Result, anyhow};
use chrono::NaiveDate;
use clap::Subcommand;
use xianfeng_app::actor::Who;
use xianfeng_app::publicity::{import, models, tours};
use xianfeng_domain::lecture::{format_time, parse_time};
use xianfeng_storage::{ModelFilter, Store};

use crate::import_report::ImportArgs;
use crate::say::{say, show};

#[derive(Subcommand, Debug)]
pub enum ModelsAction {
    /// Import a list of models (.xlsx, .xls or .csv; columns 名称, 类别, 组织编码, 级别,
    /// 简介, and optionally 事迹材料, 标签): each row a subject of the registry, taken into
    /// the library.
    Import(ImportArgs),
    /// The library of the running campaign, newest first.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum TourAction {
    /// Form a delegation (报告团) of library entries; prints its id on its last line.
    Delegation {
        /// The organisation whose delegation it is.
        #[arg(long)]
        org: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        theme: String,
        #[arg(long)]
        leader: String,
        /// Library entries in speaking order, comma-separated ids.
        #[arg(long, value_delimiter = ',')]
        speakers: Vec<i64>,
    },
    /// Schedule a session of a delegation; prints the session's id on its last line. A
    /// speaker booked elsewhere at that time refuses it.
    Schedule {
        /// The delegation.
        #[arg(long)]
        delegation: i64,
        /// The host organisation's code.
        #[arg(long)]
        host: String,
        #[arg(long)]
        venue: String,
        /// Beijing local time, e.g. "2012-03-08 09:00".
        #[arg(long)]
        starts: String,
        #[arg(long)]
        ends: String,
        /// How many are expected.
        #[arg(long, default_value_t = 0)]
        audience: i64,
    },
    /// The delegations and their sessions, with phones signed in.
    List {
        #[arg(long)]
        json: bool,
    },
}

pub async fn models_cmd(
    store: &Store,
    action: &ModelsAction,
    today: NaiveDate,
) -> Result<ExitCode> {
    match action {
        ModelsAction::Import(args) => {
            let (reader, opts) = crate::import_report::open(args, today)?;
            let report = import::import_models(store, reader, &opts).await?;
            crate::import_report::finish(&report, args)
        }
        ModelsAction::List { json } => {
            let list = models::library(
                store,
                Who::operator(),
                ModelFilter {
                    limit: 10_000,
                    ..Default::default()
                },
            )
            .await?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for m in list {
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        m.id,
                        m.name,
                        m.org_code,
                        show(&m.level.name()),
                        show(&m.status.name())
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub async fn tour_cmd(store: &Store, action: &TourAction) -> Result<ExitCode> {
    let who = Who::operator();
    match action {
        TourAction::Delegation {
            org,
            name,
            theme,
            leader,
            speakers,
        } => {
            let input = tours::DelegationInput {
                org_code: org.clone(),
                name: name.clone(),
                theme: theme.clone(),
                leader: leader.clone(),
                speakers: speakers.clone(),
            };
            let id = tours::create(store, who, &input).await?;
            println!("{}", say("cli.tour_delegation", &[]));
            println!("{id}");
        }
        TourAction::Schedule {
            delegation,
            host,
            venue,
            starts,
            ends,
            audience,
        } => {
            let time = |v: &str| {
                parse_time(v).ok_or_else(|| anyhow!(say("cli.tour_time", &[("value", &v)])))
            };
            let input = tours::SessionInput {
                delegation_id: *delegation,
                session_id: None,
                host_code: host.clone(),
                venue: venue.clone(),
                starts_at: time(starts)?,
                ends_at: time(ends)?,
                audience: *audience,
                request_id: None,
            };
            let id = tours::schedule(store, who, &input).await?;
            println!("{}", say("cli.tour_scheduled", &[]));
            println!("{id}");
        }
        TourAction::List { json } => {
            let mut all = vec![];
            for d in tours::delegations(store, who).await? {
                all.push(tours::tour(store, who, d.id).await?);
            }
            if *json {
                let out: Vec<_> = all
                    .iter()
                    .map(|v| serde_json::json!({ "delegation": v.delegation, "sessions": v.sessions }))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                for v in all {
                    println!("{}\t{}", v.delegation.id, v.delegation.name);
                    for x in v.sessions {
                        println!(
                            "\t{}\t{}\t{}\t{}\t{}",
                            x.id,
                            format_time(x.starts_at),
                            x.venue,
                            x.host_code,
                            say("cli.tour_signed_in", &[("n", &x.signed_in)])
                        );
                    }
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
