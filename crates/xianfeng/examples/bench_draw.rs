//! Times the publicly verifiable draw (docs/DRAW.md, docs/PERFORMANCE.md):
//!
//!   cargo run --release -p xianfeng --example bench_draw -- [ORGS] [TARGETS] [INSPECTORS] [RUNS]
//!
//! Defaults: 100,000 organisations in 20 counties, a total of 2,000 targets shared by the
//! counties' sizes, 1,000 inspectors (50 at each county's committee, so that each county's
//! targets need the other counties' staff), 2 per target, at most 5 each. Prints the
//! median and worst of RUNS (default 5) for each step: P, the targets, the conflicts of the
//! targets drawn, the whole draw, and verifying the record.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use xianfeng_domain::draw::{
    Allocation, DrawInput, allocate, draw, path_conflicts, population_digest, seed, select_targets,
};

fn arg(n: usize, default: usize) -> usize {
    std::env::args()
        .nth(n)
        .map_or(default, |a| a.parse().expect("a number"))
}

fn timed<T>(runs: usize, mut f: impl FnMut() -> T) -> (T, Duration, Duration) {
    let mut times = vec![];
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        last = Some(f());
        times.push(t.elapsed());
    }
    times.sort();
    (
        last.expect("at least one run"),
        times[times.len() / 2],
        times[times.len() - 1],
    )
}

fn main() {
    let orgs = arg(1, 100_000);
    let total = arg(2, 2_000);
    let inspectors = arg(3, 1_000);
    let runs = arg(4, 5).max(1);
    let counties = 20;
    let mut population: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for i in 0..orgs {
        let county = format!("JZ-C{:02}", i % counties);
        let code = format!("{county}-{:06}", i);
        population.entry(county).or_default().push(code);
    }
    let inspector_ids: Vec<String> = (0..inspectors).map(|i| format!("dc{i:04}")).collect();
    let homes: BTreeMap<String, String> = inspector_ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.clone(), format!("JZ-C{:02}", i % counties)))
        .collect();
    let sizes = population
        .iter()
        .map(|(s, c)| (s.clone(), c.len()))
        .collect();
    let per_stratum = allocate(&sizes, Allocation::Total(total));
    let seed_input = "中国福利彩票3D 2011年12月1日 第2011327期 开奖号码 5 2 7";

    let (digest, p_median, p_worst) = timed(runs, || {
        population_digest(
            population
                .values()
                .flat_map(|c| c.iter().map(String::as_str)),
        )
    });
    let seed = seed(&digest, seed_input);
    let (targets, t_median, t_worst) =
        timed(runs, || select_targets(&population, &per_stratum, &seed));
    let target_paths: BTreeMap<String, Vec<String>> = targets
        .iter()
        .map(|t| {
            let county = t[..6].to_string();
            (t.clone(), vec!["JZ".to_string(), county, t.clone()])
        })
        .collect();
    let mut input = DrawInput {
        plan: "1".into(),
        population: population.clone(),
        seed_input: seed_input.into(),
        per_stratum,
        inspectors: inspector_ids,
        inspector_homes: homes,
        scope: "JZ".into(),
        target_paths,
        per_target: 2,
        cap: 5,
        conflicts: vec![],
    };
    let (conflicts, c_median, c_worst) = timed(runs, || path_conflicts(&input));
    input.conflicts = conflicts.into_iter().collect();
    let (record, d_median, d_worst) = timed(runs, || draw(&input).expect("the pool staffs it"));
    let (differs, v_median, v_worst) = timed(runs, || record.verify());
    assert!(differs.is_empty(), "the record verifies");
    println!(
        "{orgs} organisations, {} targets, {} inspectors, {} conflicting pairs, {runs} runs",
        record.targets.len(),
        record.inspectors.len(),
        record.conflicts.len()
    );
    for (what, median, worst) in [
        ("population digest P", p_median, p_worst),
        ("targets from the seed", t_median, t_worst),
        ("conflicts of the targets", c_median, c_worst),
        ("whole draw (P, targets, inspectors)", d_median, d_worst),
        ("verify the record", v_median, v_worst),
    ] {
        println!(
            "{what:<38} median {:>8.1} ms   worst {:>8.1} ms",
            median.as_secs_f64() * 1000.0,
            worst.as_secs_f64() * 1000.0
        );
    }
}
