//! Times "count everything under an organisation" (see docs/PERFORMANCE.md):
//!
//!   cargo run --release -p xianfeng --example bench_count -- DB_URL KEY_FILE CODE [RUNS]
//!
//! Prints the counts and the median and worst time of RUNS queries (default 20) after one
//! warm-up query.

use std::time::Instant;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: bench_count DB_URL KEY_FILE CODE [RUNS]");
        std::process::exit(2);
    }
    let runs: usize = args
        .get(4)
        .map_or(20, |r| r.parse().expect("RUNS is a number"));
    let store = xianfeng_app::open::open_store(&args[1], std::path::Path::new(&args[2]), false)
        .await
        .expect("database opens");
    let org = store
        .registry()
        .org_by_code(&args[3])
        .await
        .expect("query runs")
        .expect("organisation exists");
    let counts = store
        .registry()
        .subtree_counts(&org)
        .await
        .expect("query runs");
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let c = store
            .registry()
            .subtree_counts(&org)
            .await
            .expect("query runs");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(c, counts);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{}: {} organisations, {} members; median {:.2} ms, worst {:.2} ms over {runs} runs",
        args[3],
        counts.organisations,
        counts.members,
        times[runs / 2],
        times[runs - 1]
    );
}
