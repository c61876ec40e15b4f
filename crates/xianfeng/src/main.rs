//! `xianfeng`: the command line over the same services the web uses.

mod bulletin_cli;
mod calendar_cli;
mod campaign_cli;
mod cli;
mod config;
mod draw_cli;
mod import_report;
mod inspection_cli;
mod progress;
mod publicity_cli;
mod sanction_cli;
mod say;
mod scores_cli;

use std::process::ExitCode;

/// A faster allocator than the system's for a server that allocates per request: the
/// ballot benchmark spent a fifth of its time in glibc's malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Output piped into `head` or `less` ends quietly when the reader stops, as for
    // any command-line tool, instead of panicking on the closed pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default action of a signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let mut args = <cli::Cli as clap::Parser>::parse();
    say::set_lang(args.lang());
    let file = match config::load(args.config.as_deref()) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{}: {e:#}", say::say("cli.error", &[]));
            return ExitCode::from(1);
        }
    };
    args.apply(file);
    cli::init_logging(&args);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(cli::run(args)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}: {}", say::say("cli.error", &[]), say::error(&e));
            ExitCode::from(1)
        }
    }
}
