//! `xianfeng campaign …`: campaign files checked, stored as drafts, copied for the next
//! campaign, edited, started, closed and exported, and phases' work opened early or
//! extended.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use chrono::NaiveDate;
use clap::Subcommand;
use xianfeng_app::AppError;
use xianfeng_app::campaigns::{self, CopyRequest, Opening};
use xianfeng_domain::campaign::{BUILTIN_2010, Campaign};
use xianfeng_storage::Store;

use crate::say::say;

#[derive(Subcommand, Debug)]
pub enum CampaignAction {
    /// Store a campaign file as a draft (nothing changes until it is started).
    Create {
        #[arg(long)]
        from: PathBuf,
        /// Start it at once: it becomes the campaign in use and the running one closes.
        #[arg(long)]
        start: bool,
    },
    /// Copy a campaign as a draft for the next one: new name and code, every date moved
    /// by whole years.
    Copy {
        /// The campaign to copy: its id or code.
        #[arg(long)]
        from: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        name_en: String,
        /// [default: the copied code with its years moved, e.g. jiaozuo-2013]
        #[arg(long)]
        code: Option<String>,
        /// [default: one more than the years the copied campaign spans]
        #[arg(long, allow_negative_numbers = true)]
        shift_years: Option<i32>,
    },
    /// Replace a draft's campaign file with an edited one (checked first).
    Edit {
        campaign: String,
        #[arg(long)]
        from: PathBuf,
    },
    /// Start a draft: it becomes the campaign in use; the running one closes.
    Start { campaign: String },
    /// Close the running campaign: read-only, still browsable.
    Close { campaign: String },
    /// Write a campaign's file (to FILE, or print it).
    Export {
        campaign: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Open a phase's work from one day to another besides its own dates (early, or
    /// extended), with the reason (audited).
    OpenPhase {
        campaign: String,
        #[arg(long)]
        phase: String,
        #[arg(long)]
        from: String,
        #[arg(long)]
        until: String,
        #[arg(long)]
        reason: String,
    },
    /// Check a campaign file without storing anything.
    Check { file: PathBuf },
    /// Print the built-in 2010–2012 campaign file, to copy and edit.
    ShowBuiltin,
    List {
        #[arg(long)]
        json: bool,
    },
}

impl CampaignAction {
    /// Whether the command reads or writes the database.
    pub fn needs_store(&self) -> bool {
        !matches!(
            self,
            CampaignAction::Check { .. } | CampaignAction::ShowBuiltin
        )
    }
}

/// The database, opened by the caller for every command that [needs
/// it](CampaignAction::needs_store).
fn db(store: Option<&Store>) -> Result<&Store> {
    store.ok_or_else(|| anyhow!("no database"))
}

pub async fn campaign(action: &CampaignAction, store: Option<&Store>) -> Result<ExitCode> {
    match action {
        CampaignAction::ShowBuiltin => print!("{BUILTIN_2010}"),
        CampaignAction::Check { file } => {
            let (campaign, _) = load(file)?;
            println!("ok: {} ({})", campaign.code(), campaign.file.campaign.name);
        }
        CampaignAction::Create { from, start } => {
            let (campaign, text) = load(from)?;
            let store = db(store)?;
            let id = campaigns::create(store, "cli", &text).await?;
            if *start {
                campaigns::start(store, None, "cli", id).await?;
            }
            println!(
                "{} {} {}",
                say("cli.campaign_created", &[("id", &id)]),
                campaign.code(),
                campaign.file.campaign.name
            );
        }
        CampaignAction::Copy {
            from,
            name,
            name_en,
            code,
            shift_years,
        } => {
            let store = db(store)?;
            let from = id_of(store, from).await?;
            let request = CopyRequest {
                name,
                name_en,
                code: code.as_deref(),
                shift_years: *shift_years,
            };
            let id = campaigns::copy(store, None, "cli", from, &request).await?;
            let (c, _) = campaigns::get(store, id).await?;
            println!(
                "{}",
                say(
                    "cli.campaign_copied",
                    &[
                        ("id", &id),
                        ("code", &c.code),
                        ("start", &c.starts_on),
                        ("end", &c.ends_on),
                    ]
                )
            );
        }
        CampaignAction::Edit { campaign, from } => {
            let text = read(from)?;
            let store = db(store)?;
            let id = id_of(store, campaign).await?;
            campaigns::edit(store, None, "cli", id, &text).await?;
            println!("{}", say("cli.campaign_edited", &[("campaign", campaign)]));
        }
        CampaignAction::Start { campaign } => {
            let store = db(store)?;
            let id = id_of(store, campaign).await?;
            campaigns::start(store, None, "cli", id).await?;
            println!("{}", say("cli.campaign_started", &[("campaign", campaign)]));
        }
        CampaignAction::Close { campaign } => {
            let store = db(store)?;
            let id = id_of(store, campaign).await?;
            campaigns::close(store, None, "cli", id).await?;
            println!("{}", say("cli.campaign_closed", &[("campaign", campaign)]));
        }
        CampaignAction::Export { campaign, out } => {
            let store = db(store)?;
            let id = id_of(store, campaign).await?;
            let (_, text) = campaigns::export(store, id).await?;
            match out {
                Some(path) => std::fs::write(path, text)
                    .with_context(|| say("cli.cannot_write", &[("path", &path.display())]))?,
                None => print!("{text}"),
            }
        }
        CampaignAction::OpenPhase {
            campaign,
            phase,
            from,
            until,
            reason,
        } => {
            let store = db(store)?;
            let id = id_of(store, campaign).await?;
            let opening = Opening {
                phase,
                starts_on: day(from)?,
                ends_on: day(until)?,
                reason,
            };
            campaigns::open_phase(store, None, "cli", id, &opening).await?;
            println!(
                "{}",
                say(
                    "cli.phase_opened",
                    &[("phase", phase), ("from", from), ("until", until)]
                )
            );
        }
        CampaignAction::List { json } => {
            let store = db(store)?;
            let list = store.campaigns().all().await?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for c in list {
                    println!(
                        "{}\t{}\t{}\t{} – {}\t{}",
                        c.id,
                        c.code,
                        c.name,
                        c.starts_on,
                        c.ends_on,
                        c.status.name().render(crate::say::lang())
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn day(text: &str) -> Result<NaiveDate> {
    Ok(AppError::day(text)?)
}

/// A campaign named by its id or its code.
async fn id_of(store: &Store, campaign: &str) -> Result<i64> {
    let all = store.campaigns().all().await?;
    all.iter()
        .find(|c| c.code == campaign || c.id.to_string() == campaign)
        .map(|c| c.id)
        .ok_or_else(|| anyhow!(say("cli.no_campaign", &[("campaign", &campaign)])))
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path)
        .with_context(|| say("cli.cannot_read", &[("path", &path.display())]))
}

fn load(path: &Path) -> Result<(Campaign, String)> {
    let text = read(path)?;
    let campaign = Campaign::load(&path.display().to_string(), &text)
        .map_err(|e| anyhow!("{}", e.render(crate::say::lang())))?;
    Ok((campaign, text))
}
