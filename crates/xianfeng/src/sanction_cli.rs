//! `xianfeng sanction`: the disciplinary sanctions (党纪处分) selection's rules look at.

use std::process::ExitCode;

use crate::say::say;
use anyhow::Result;
use clap::Subcommand;
use xianfeng_storage::Store;

use crate::calendar_cli::date;

#[derive(Subcommand, Debug)]
pub enum SanctionAction {
    /// Records a disciplinary sanction (党纪处分) against a member, as decided:
    /// 警告, 严重警告, 撤销党内职务, 留党察看 or 开除党籍.
    Add {
        #[arg(long)]
        member: i64,
        /// The day it was imposed (YYYY-MM-DD).
        #[arg(long)]
        on: String,
        #[arg(long)]
        kind: String,
        #[arg(long, default_value = "")]
        note: String,
    },
}

pub async fn sanction(store: &Store, action: &SanctionAction) -> Result<ExitCode> {
    let SanctionAction::Add {
        member,
        on,
        kind,
        note,
    } = action;
    let id = xianfeng_app::selection::record_sanction(store, None, *member, date(on)?, kind, note)
        .await?;
    println!("{}", say("cli.sanction_recorded", &[("id", &id)]));
    Ok(ExitCode::SUCCESS)
}
