//! `xianfeng draw verify FILE.json`: recomputes a published draw record (docs/DRAW.md) from
//! its own inputs, with no database — what any citizen can do with the record alone.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use clap::Subcommand;
use xianfeng_domain::draw::DrawRecord;

use crate::say::say;

#[derive(Subcommand, Debug)]
pub enum DrawAction {
    /// Recompute a draw record from its inputs: exit 0 "verified", or 1 and what differs.
    Verify { file: PathBuf },
}

pub fn draw(action: &DrawAction) -> Result<ExitCode> {
    match action {
        DrawAction::Verify { file } => {
            let path = file.display().to_string();
            let bad =
                |why: String| anyhow!(say("draw.bad_record", &[("path", &path), ("why", &why)]));
            let text = std::fs::read_to_string(file).map_err(|e| bad(e.to_string()))?;
            let record: DrawRecord = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
            let differs = record.verify();
            if differs.is_empty() {
                println!("{}", say("draw.verified", &[]));
                Ok(ExitCode::SUCCESS)
            } else {
                println!(
                    "{}",
                    say("draw.differs", &[("fields", &differs.join(", "))])
                );
                Ok(ExitCode::from(1))
            }
        }
    }
}
