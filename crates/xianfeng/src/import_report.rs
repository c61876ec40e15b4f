//! An import's arguments and its report as the command line prints it: every problem
//! with row, column, value and reason (the first of them), then what was written.

use std::path::{Path, PathBuf};

use clap::Args;
use xianfeng_app::import::ImportReport;

use crate::say::say;

#[derive(Args, Debug)]
pub struct ImportArgs {
    pub file: PathBuf,
    /// Write every bad row to this CSV file (opens in Excel).
    #[arg(long)]
    pub errors: Option<PathBuf>,
    /// Write the good rows and skip the bad ones.
    #[arg(long)]
    pub skip_bad: bool,
    /// Check the file without writing anything.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long)]
    pub json: bool,
}

/// At most this many problems are printed; the errors file holds them all.
const SHOWN_ISSUES: usize = 50;

pub fn print_report(r: &ImportReport, args: &ImportArgs, file: &Path) {
    for i in r.issues.iter().take(SHOWN_ISSUES) {
        eprintln!(
            "{}:{} [{}] {:?}: {}",
            file.display(),
            i.row,
            i.column,
            i.value,
            crate::say::show(&i.reason)
        );
    }
    let total = r.issues.len() + r.unlisted_issues;
    if total > SHOWN_ISSUES {
        let key = if args.errors.is_some() {
            "cli.more_in_file"
        } else {
            "cli.more_use_errors"
        };
        eprintln!("{}", say(key, &[("count", &(total - SHOWN_ISSUES))]));
    }
    let o = r.outcome;
    let summary = if args.dry_run {
        say(
            "cli.dry_run",
            &[
                ("rows", &r.rows),
                ("valid", &r.valid_rows),
                ("bad", &r.bad_rows),
            ],
        )
    } else {
        let key = match (r.committed, args.skip_bad && r.bad_rows > 0) {
            (false, _) => "cli.not_written",
            (true, true) => "cli.written_skipped",
            (true, false) => "cli.written",
        };
        say(
            key,
            &[
                ("rows", &r.rows),
                ("new", &o.inserted),
                ("updated", &o.updated),
                ("unchanged", &o.unchanged),
                ("bad", &r.bad_rows),
            ],
        )
    };
    println!("{summary}");
}
