//! An import's arguments and its report as the command line prints it: every problem
//! with row, column, value and reason (the first of them), then what was written.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use chrono::NaiveDate;
use clap::Args;
use xianfeng_app::import::{ImportMode, ImportOptions, ImportReport, write_issues_csv};
use xianfeng_ingest::SheetReader;

use crate::say::say;

/// The sheet an import names, and the options its flags ask for, as the operator at the
/// command line (who may write anything).
pub fn open(args: &ImportArgs, today: NaiveDate) -> Result<(SheetReader, ImportOptions)> {
    let reader = xianfeng_ingest::open(&args.file, &xianfeng_ingest::Limits::COMMAND_LINE)
        .map_err(|e| {
            anyhow!(
                "{}: {}",
                args.file.display(),
                crate::say::show(&e.message())
            )
        })?;
    let opts = ImportOptions {
        mode: if args.dry_run {
            ImportMode::Check
        } else {
            ImportMode::Commit
        },
        skip_bad: args.skip_bad,
        actor: "cli".into(),
        today,
        on_behalf: None,
    };
    Ok((reader, opts))
}

/// Writes the errors file if asked, prints the report (as JSON with `--json`), and says how
/// the command ends: 0 when nothing was wrong or the bad rows were skipped as asked.
pub fn finish(report: &ImportReport, args: &ImportArgs) -> Result<ExitCode> {
    if let Some(path) = &args.errors {
        write_issues_csv(path, report, crate::say::lang())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if args.json {
        // Each problem's reason as a sentence in the output language, as scripts read it.
        let mut json = serde_json::to_value(report)?;
        if let Some(issues) = json.get_mut("issues").and_then(|i| i.as_array_mut()) {
            for (out, issue) in issues.iter_mut().zip(&report.issues) {
                out["reason"] = crate::say::show(&issue.reason).into();
            }
        }
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        print_report(report, args, &args.file);
    }
    Ok(
        if report.issues.is_empty() || (args.skip_bad && report.committed) {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        },
    )
}

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

fn print_report(r: &ImportReport, args: &ImportArgs, file: &Path) {
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
