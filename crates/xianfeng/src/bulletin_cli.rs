//! `xianfeng bulletin …`: drafting a bulletin from the data, issuing it with its number,
//! and writing its .docx and .xlsx — what scripts, the schedule's tests and offices without
//! the browser use.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use chrono::NaiveDate;
use clap::Subcommand;
use xianfeng_app::actor::Who;
use xianfeng_app::bulletins::{self, DraftRequest};
use xianfeng_domain::bulletin::BulletinKind;
use xianfeng_storage::{Issue, Store};

use crate::say::{say, show};

#[derive(Subcommand, Debug)]
pub enum BulletinAction {
    /// Draft a bulletin from the data; prints the draft's id on its last line.
    Draft {
        /// progress | inspection | commendation | stage_summary
        #[arg(long)]
        kind: String,
        /// The organisation whose subtree it reports on (not for an inspection bulletin,
        /// whose scope is its plan's).
        #[arg(long, default_value = "")]
        scope: String,
        /// A period's code (progress; the current period when absent), a themed stage's
        /// code (stage_summary) or a decision number (commendation: only those it commended).
        #[arg(long)]
        period: Option<String>,
        /// The closed inspection plan an inspection bulletin reports on.
        #[arg(long)]
        plan: Option<i64>,
        /// An issued bulletin this one corrects (its kind, scope and period are taken).
        #[arg(long)]
        corrects: Option<i64>,
    },
    /// Issue a draft: it takes the next number of the prefix in the date's year.
    Issue {
        id: i64,
        /// The issuer's prefix (机关代字), e.g. 焦创办.
        #[arg(long)]
        number_prefix: String,
        /// 发文机关 [default: the scope organisation's name].
        #[arg(long)]
        issuer: Option<String>,
        /// The 主送 line [default: the names of the organisations addressed].
        #[arg(long, default_value = "")]
        main_to: String,
        /// The organisations addressed (codes, comma-separated), who find it on their home
        /// page [default: the scope's organisations one level down].
        #[arg(long, value_delimiter = ',')]
        to: Vec<String>,
        /// 抄送机关.
        #[arg(long, default_value = "")]
        copy_to: String,
        /// 签发人 (a commendation needs one).
        #[arg(long)]
        signer: Option<String>,
        /// 成文日期 [default: today].
        #[arg(long)]
        dated: Option<NaiveDate>,
        /// Publish it on the public portal (/p/bulletins).
        #[arg(long)]
        public: bool,
    },
    /// Write a bulletin's .docx (GB/T 9704-2012) and/or its .xlsx annex.
    Export {
        id: i64,
        #[arg(long)]
        docx: Option<PathBuf>,
        #[arg(long)]
        xlsx: Option<PathBuf>,
    },
    /// The bulletins of the running campaign, newest first.
    List {
        #[arg(long)]
        json: bool,
    },
}

fn write(path: &PathBuf, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| {
        anyhow!(say(
            "cli.cannot_write",
            &[("path", &format!("{}: {e}", path.display()))]
        ))
    })
}

pub async fn bulletin(
    store: &Store,
    action: &BulletinAction,
    today: NaiveDate,
) -> Result<ExitCode> {
    let who = Who::operator();
    match action {
        BulletinAction::Draft {
            kind,
            scope,
            period,
            plan,
            corrects,
        } => {
            let kind = match corrects {
                Some(_) => None,
                None => Some(
                    BulletinKind::parse(kind)
                        .ok_or_else(|| anyhow!(say("cli.bulletin_kind", &[("value", kind)])))?,
                ),
            };
            let scores = xianfeng_app::scores::Scores::new();
            let request = DraftRequest {
                kind,
                scope,
                period: period.as_deref(),
                plan: *plan,
                corrects: *corrects,
            };
            let id = bulletins::draft(store, &scores, who, &request, today).await?;
            println!("{}", say("cli.bulletin_drafted", &[]));
            println!("{id}");
        }
        BulletinAction::Issue {
            id,
            number_prefix,
            issuer,
            main_to,
            to,
            copy_to,
            signer,
            dated,
            public,
        } => {
            let b = bulletins::writable(store, who, *id).await?;
            let issue = Issue {
                issuer: issuer.clone().unwrap_or(b.scope_name),
                prefix: number_prefix.clone(),
                year: 0,
                main_to: main_to.clone(),
                copy_to: copy_to.clone(),
                signer: signer.clone(),
                dated_on: dated.unwrap_or(today),
                public: *public,
                recipients: vec![],
            };
            let number = bulletins::issue(store, who, *id, &issue, to).await?;
            println!("{}", say("cli.bulletin_issued", &[("number", &number)]));
        }
        BulletinAction::Export { id, docx, xlsx } => {
            let b = bulletins::writable(store, who, *id).await?;
            if docx.is_none() && xlsx.is_none() {
                return Err(anyhow!(say("cli.bulletin_export_what", &[])));
            }
            if let Some(path) = docx {
                write(path, &bulletins::docx(&b, today)?)?;
                println!(
                    "{}",
                    say("cli.bulletin_written", &[("path", &path.display())])
                );
            }
            if let Some(path) = xlsx {
                write(path, &bulletins::annex_xlsx(&b.tables)?)?;
                println!(
                    "{}",
                    say("cli.bulletin_written", &[("path", &path.display())])
                );
            }
        }
        BulletinAction::List { json } => {
            let list = bulletins::list(store, who).await?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for b in list {
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        b.id,
                        show(&b.kind.name()),
                        show(&b.status.name()),
                        b.number.map(|n| n.to_string()).unwrap_or_default(),
                        b.title
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
