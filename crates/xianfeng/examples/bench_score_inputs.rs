//! Fills a benchmark registry (bench/import.sh's 100,000 organisations and 1,000,000
//! members) with what scores are made of, for periods 2011-h2 and 2012-h1, the previous and
//! the current period of the built-in campaign from its end on (docs/PERFORMANCE.md):
//!
//!   cargo run --release -p xianfeng --example bench_score_inputs -- DB_URL KEY_FILE
//!
//! Every organisation and member gets two leader reviews (one per period), ballots in a
//! round of its kind (counts per verdict), a published commitment with three items due in
//! 2012-h1, and study hours; organisations also self-assess and have two indicator values.
//! Plain INSERT … SELECT, the same text on SQLite and PostgreSQL.

use std::time::Instant;

use sqlx::any::AnyPoolOptions;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: bench_score_inputs DB_URL KEY_FILE");
        std::process::exit(2);
    }
    // Open once through the store: migrations run and the key is checked.
    let store = xianfeng_app::open::open_store(&args[1], std::path::Path::new(&args[2]), false)
        .await
        .expect("database opens");
    store.close().await;
    let (url, _) = xianfeng_storage::normalise_url(&args[1]).expect("a database URL");
    sqlx::any::install_default_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .expect("database opens");
    let c: i64 = sqlx::query_scalar("SELECT MIN(id) FROM campaigns")
        .fetch_one(&pool)
        .await
        .expect("a campaign");
    let root: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE parent_id IS NULL")
        .fetch_one(&pool)
        .await
        .expect("a root");
    const ORG: i64 = 100_000_000;
    let review = |kind: &str, table: &str, offset: i64, period: &str, k: i64, org: &str| {
        format!(
            "INSERT INTO reviews (id, campaign_id, reviewer, subject_kind, subject_id, org_id, \
             period, grade, points, comment, created_at, updated_at) \
             SELECT {offset} + id * 2 + {k}, {c}, 'bench', '{kind}', id, {org}, '{period}', 'good', \
             2 + (id * {m}) % 9, '', 0, 0 FROM {table}",
            m = 5 + 2 * k
        )
    };
    let mut steps: Vec<(String, String)> = vec![
        (
            "reviews of members".into(),
            review("member", "members", 0, "2012-h1", 0, "org_id"),
        ),
        (
            "reviews of members, 2011-h2".into(),
            review("member", "members", 0, "2011-h2", 1, "org_id"),
        ),
        (
            "reviews of organisations".into(),
            review("organisation", "organisations", ORG, "2012-h1", 0, "id"),
        ),
        (
            "reviews of organisations, 2011-h2".into(),
            review("organisation", "organisations", ORG, "2011-h2", 1, "id"),
        ),
        (
            "rounds".into(),
            format!(
                "INSERT INTO eval_rounds (id, campaign_id, name, scope_org_id, subject_kind, mode, \
                 starts_on, ends_on, created_by, created_at) VALUES \
                 (900001, {c}, 'bench', {root}, 'organisation', 'codes', '2012-06-01', '2012-06-30', 'bench', 0), \
                 (900002, {c}, 'bench', {root}, 'member', 'codes', '2012-06-01', '2012-06-30', 'bench', 0)"
            ),
        ),
    ];
    for (round, table) in [(900001, "organisations"), (900002, "members")] {
        for (verdict, n) in [
            ("satisfied", "10 + id % 7"),
            ("basically_satisfied", "3 + id % 3"),
            ("dissatisfied", "id % 2"),
        ] {
            steps.push((
                format!("ballots of {table}: {verdict}"),
                format!(
                    "INSERT INTO eval_tallies (round_id, subject_id, verdict, n) \
                     SELECT {round}, id, '{verdict}', {n} FROM {table}"
                ),
            ));
        }
    }
    for (kind, table, offset, org) in [
        ("member", "members", 0, "org_id"),
        ("organisation", "organisations", ORG, "id"),
    ] {
        steps.push((
            format!("commitments of {table}"),
            format!(
                "INSERT INTO commitments (id, campaign_id, subject_kind, subject_id, org_id, title, \
                 status, evaluation, created_by, created_at, updated_at, published_at) \
                 SELECT {offset} + id, {c}, '{kind}', id, {org}, 'bench', 'published', NULL, 'bench', \
                 0, 0, 0 FROM {table}"
            ),
        ));
    }
    for k in 0..3 {
        steps.push((
            format!("commitment items, {}", k + 1),
            format!(
                "INSERT INTO commitment_items (id, commitment_id, position, activity, content, target, \
                 due_on, outcome, closed_on, closed_by, close_note) \
                 SELECT id * 3 + {k}, id, {k}, 'study', 'bench', 'bench', '2012-0{m}-15', \
                 CASE WHEN (id + {k}) % 4 = 0 THEN 'not_kept' WHEN (id + {k}) % 4 = 1 THEN 'open' \
                 ELSE 'kept' END, NULL, NULL, NULL FROM commitments",
                m = 3 + k
            ),
        ));
    }
    steps.push((
        "study records".into(),
        format!(
            "INSERT INTO study_records (id, campaign_id, member_id, org_id, topic, form, \
             hours_tenths, studied_on, recorded_by, created_at) \
             SELECT id, {c}, id, org_id, 'bench', 'group', 10 + id % 50, '2012-03-01', 'bench', 0 \
             FROM members"
        ),
    ));
    for criterion in [
        "leadership",
        "members",
        "mechanism",
        "performance",
        "public-opinion",
    ] {
        steps.push((
            format!("self-assessment: {criterion}"),
            format!(
                "INSERT INTO self_assessments (campaign_id, period, subject_kind, subject_id, \
                 criterion, points, recorded_by, updated_at) \
                 SELECT {c}, '2012-h1', 'organisation', id, '{criterion}', 60 + id % 40, 'bench', 0 \
                 FROM organisations"
            ),
        ));
    }
    for (indicator, value) in [
        ("tasks-completed", "50.0 + id % 50"),
        ("complaints", "1.0 * (id % 13)"),
    ] {
        steps.push((
            format!("indicator {indicator}"),
            format!(
                "INSERT INTO indicator_values (campaign_id, period, indicator, subject_kind, \
                 subject_id, value, imported_by, imported_at) \
                 SELECT {c}, '2012-h1', '{indicator}', 'organisation', id, {value}, 'bench', 0 \
                 FROM organisations"
            ),
        ));
    }
    for (what, sql) in steps {
        let t = Instant::now();
        let done = sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        println!(
            "{what}: {} rows in {:.1} s",
            done.rows_affected(),
            t.elapsed().as_secs_f64()
        );
    }
}
