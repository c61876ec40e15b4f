//! Progress on the terminal: a bar when standard error is a terminal, plain lines when it
//! is not (a log file or CI).

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use xianfeng_app::Progress;

pub struct CliProgress {
    label: String,
    bar: Option<ProgressBar>,
    done: AtomicUsize,
    total: AtomicUsize,
    last_line: Mutex<Instant>,
    started: Instant,
}

impl CliProgress {
    pub fn new(label: &str) -> CliProgress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = ProgressBar::new(0);
            b.set_style(
                ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} {per_sec} ETA {eta}")
                    .expect("template is valid")
                    .progress_chars("=> "),
            );
            b.set_message(label.to_string());
            b
        });
        CliProgress {
            label: label.to_string(),
            bar,
            done: AtomicUsize::new(0),
            total: AtomicUsize::new(0),
            last_line: Mutex::new(Instant::now()),
            started: Instant::now(),
        }
    }
}

impl Progress for CliProgress {
    fn start(&self, total: Option<usize>) {
        let total = total.unwrap_or(0);
        self.total.store(total, Ordering::Relaxed);
        if let Some(b) = &self.bar {
            b.set_length(total as u64);
        }
    }

    fn advance(&self, n: usize) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        match &self.bar {
            Some(b) => {
                if done as u64 > b.length().unwrap_or(0) {
                    b.set_length(done as u64);
                }
                b.set_position(done as u64);
            }
            None => {
                let mut last = self.last_line.lock().expect("not poisoned");
                if last.elapsed().as_secs() >= 5 {
                    *last = Instant::now();
                    eprintln!(
                        "{}: {done} / {}",
                        self.label,
                        self.total.load(Ordering::Relaxed)
                    );
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
        let done = self.done.load(Ordering::Relaxed);
        let secs = self.started.elapsed().as_secs_f64();
        if self.bar.is_none() || done > 0 {
            eprintln!(
                "{}: {done} rows read in {secs:.1} s ({:.0} rows/s)",
                self.label,
                done as f64 / secs.max(1e-9)
            );
        }
    }
}
