//! Mass evaluation on every backend: rounds, codes, ballots cast exactly once under
//! concurrency, refusals that count nothing, and the secrecy invariant.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use xianfeng_app::Silent;
use xianfeng_app::evaluation::{
    BallotWriter, Refused, RoundInput, cast_with_code, create_round, issue_codes, results, verify,
};
use xianfeng_app::import::{ImportMode, ImportOptions, import_members, import_orgs};
use xianfeng_domain::ballot::{Ballot, Verdict};
use xianfeng_storage::Store;
use xianfeng_testkit::{backends, id, today};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn opts() -> ImportOptions {
    ImportOptions {
        mode: ImportMode::Commit,
        skip_bad: false,
        actor: "test".into(),
        today: today(),
        on_behalf: None,
    }
}

/// A district with two branches of two members each.
async fn district(store: &Store) {
    district_orgs(store).await;
    members(store).await;
}

/// The district's organisations only (what a schema older than today's members table
/// can take from today's code).
async fn district_orgs(store: &Store) {
    xianfeng_app::init::init(store, Some("Pass-word-1"), false, &Silent)
        .await
        .unwrap();
    let opts = opts();
    let orgs = "组织编码,组织名称,上级组织编码,组织类别\nC1,中共某区委员会,,县(市、区)委\n\
                B1,第一党支部,C1,党支部\nB2,第二党支部,C1,党支部\n";
    import_orgs(
        store,
        xianfeng_ingest::from_csv_bytes(orgs.into()).unwrap(),
        &opts,
        &Silent,
    )
    .await
    .unwrap();
}

/// Two members in each branch.
async fn members(store: &Store) {
    let opts = opts();
    let members = format!(
        "姓名,身份证号,所在组织编码\n甲,{},B1\n乙,{},B1\n丙,{},B2\n丁,{},B2\n",
        id("41080219800101001"),
        id("41080219810101002"),
        id("41080219820101003"),
        id("41080219830101004")
    );
    import_members(
        store,
        xianfeng_ingest::from_csv_bytes(members.into()).unwrap(),
        &opts,
        &Silent,
    )
    .await
    .unwrap();
}

fn ballot(verdict: Verdict) -> Ballot {
    Ballot {
        verdict,
        ratings: BTreeMap::new(),
        comment: String::new(),
    }
}

async fn round_with_codes(store: &Store, per_subject: usize) -> (i64, Vec<String>) {
    let round = new_round(store).await;
    let codes = issue_codes(
        store,
        None,
        round,
        per_subject,
        Some("http://x"),
        june_2011(),
    )
    .await
    .unwrap();
    (round, codes.into_iter().map(|c| c.code).collect())
}

/// A day within [`new_round`].
fn june_2011() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2011, 6, 15).unwrap()
}

/// A code-mode round of the district's branches, in June 2011.
async fn new_round(store: &Store) -> i64 {
    create_round(
        store,
        None,
        &RoundInput {
            name: "2011年上半年群众评议",
            scope: "C1",
            subjects: "organisations",
            mode: "codes",
            starts_on: "2011-06-01",
            ends_on: "2011-06-30",
        },
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_clients_with_the_same_code_cast_exactly_one_ballot() {
    for db in backends().await {
        let store = db.open().await;
        district(&store).await;
        let (round, codes) = round_with_codes(&store, 3).await;
        let writer = BallotWriter::start(store.clone());
        let code = codes[0].clone();
        let mut clients = Vec::new();
        for i in 0..50 {
            let (store, writer, code) = (store.clone(), writer.clone(), code.clone());
            let verdict = Verdict::ALL[i % 3];
            clients.push(tokio::spawn(async move {
                cast_with_code(
                    &store,
                    &writer,
                    &code,
                    &ballot(verdict),
                    "10.0.0.1",
                    day("2011-06-15"),
                )
                .await
                .unwrap()
            }));
        }
        let mut accepted = 0;
        for c in clients {
            match c.await.unwrap() {
                Ok(()) => accepted += 1,
                Err(Refused::Used) => {}
                Err(other) => panic!("{}: {other:?}", db.label),
            }
        }
        assert_eq!(accepted, 1, "{}", db.label);
        let (issued, used, coded, open) = verify(&store, round).await.unwrap();
        assert_eq!((issued, used, coded, open), (6, 1, 1, 0), "{}", db.label);

        // Many different codes at once: every one counts once.
        let mut clients = Vec::new();
        for code in codes.iter().skip(1) {
            let (store, writer, code) = (store.clone(), writer.clone(), code.clone());
            clients.push(tokio::spawn(async move {
                cast_with_code(
                    &store,
                    &writer,
                    &code,
                    &ballot(Verdict::Satisfied),
                    "10.0.0.2",
                    day("2011-06-15"),
                )
                .await
                .unwrap()
            }));
        }
        for c in clients {
            assert_eq!(c.await.unwrap(), Ok(()), "{}", db.label);
        }
        assert_eq!(verify(&store, round).await.unwrap(), (6, 6, 6, 0));
        let totals: u64 = results(&store, round)
            .await
            .unwrap()
            .iter()
            .map(|r| r.tally.valid())
            .sum();
        assert_eq!(totals, 6);
    }
}

/// Two servers on one database, each with its own ballot writer, get the same codes at
/// once (a voter's phone sends again through the balancer): each code counts once, and the
/// tallies are the ballots.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writers_of_two_servers_given_the_same_codes_accept_each_once() {
    for db in backends().await {
        let one = db.open().await;
        district(&one).await;
        let (round, codes) = round_with_codes(&one, 10).await;
        let two = db.open().await;
        let writers = [
            (one.clone(), BallotWriter::start(one.clone())),
            (two.clone(), BallotWriter::start(two.clone())),
        ];
        let mut clients = Vec::new();
        for (i, code) in codes.iter().enumerate() {
            for (store, writer) in &writers {
                let (store, writer, code) = (store.clone(), writer.clone(), code.clone());
                let verdict = Verdict::ALL[i % 3];
                clients.push(tokio::spawn(async move {
                    cast_with_code(
                        &store,
                        &writer,
                        &code,
                        &ballot(verdict),
                        "10.0.0.3",
                        day("2011-06-15"),
                    )
                    .await
                    .unwrap()
                }));
            }
        }
        let (mut accepted, mut used) = (0, 0);
        for c in clients {
            match c.await.unwrap() {
                Ok(()) => accepted += 1,
                Err(Refused::Used) => used += 1,
                Err(other) => panic!("{}: {other:?}", db.label),
            }
        }
        let n = codes.len() as i64;
        assert_eq!((accepted, used), (n, n), "{}", db.label);
        assert_eq!(
            verify(&one, round).await.unwrap(),
            (n, n, n, 0),
            "{}",
            db.label
        );
        let totals: u64 = results(&two, round)
            .await
            .unwrap()
            .iter()
            .map(|r| r.tally.valid())
            .sum();
        assert_eq!(totals, n as u64, "{}", db.label);
    }
}

#[tokio::test]
async fn refused_ballots_count_nothing_and_say_why() {
    for db in backends().await {
        let store = db.open().await;
        district(&store).await;
        let (round, codes) = round_with_codes(&store, 1).await;
        let writer = BallotWriter::start(store.clone());
        let cast = |code: String, b: Ballot, on: &str| {
            let (store, writer) = (store.clone(), writer.clone());
            let on = day(on);
            async move {
                cast_with_code(&store, &writer, &code, &b, "10.0.0.3", on)
                    .await
                    .unwrap()
            }
        };
        // One character wrong: caught by the check character.
        let mut typo = codes[0].clone().into_bytes();
        typo[0] = if typo[0] == b'A' { b'B' } else { b'A' };
        let typo = String::from_utf8(typo).unwrap();
        assert!(matches!(
            cast(typo, ballot(Verdict::Satisfied), "2011-06-15").await,
            Err(Refused::UnknownCode(m)) if m.render(xianfeng_domain::i18n::Lang::ZhCn).contains("输错")
        ));
        assert!(matches!(
            cast(codes[0].clone(), ballot(Verdict::Satisfied), "2011-07-01").await,
            Err(Refused::OutsideDates { .. })
        ));
        let mut rated = ballot(Verdict::Satisfied);
        rated.ratings.insert("colour".into(), 5);
        assert!(matches!(
            cast(codes[0].clone(), rated, "2011-06-15").await,
            Err(Refused::Invalid(_))
        ));
        assert_eq!(
            verify(&store, round).await.unwrap(),
            (2, 0, 0, 0),
            "{}",
            db.label
        );
        // A rating of the organisations' standard is accepted; replaying the code is not.
        let mut good = ballot(Verdict::BasicallySatisfied);
        good.ratings.insert("leadership".into(), 4);
        good.comment = "<script>alert(1)</script>".into();
        assert_eq!(
            cast(codes[0].clone(), good.clone(), "2011-06-15").await,
            Ok(())
        );
        assert_eq!(
            cast(codes[0].clone(), good, "2011-06-15").await,
            Err(Refused::Used)
        );
        assert_eq!(verify(&store, round).await.unwrap(), (2, 1, 1, 0));
        let comments = store.evaluation().comments(round, None, 10).await.unwrap();
        assert_eq!(
            comments[0].comment, "<script>alert(1)</script>",
            "stored as typed"
        );
    }
}

/// An address that keeps sending unknown codes is answered "too many wrong codes" once it
/// has sent more than the hour allows — but a right code from it is still taken: a code
/// cannot be guessed, so it is never refused for its neighbours' mistakes (one office
/// network, one mobile carrier's gateway).
#[tokio::test]
async fn an_address_that_keeps_guessing_codes_is_refused_but_a_right_code_still_counts() {
    for db in backends().await {
        let store = db.open().await;
        district(&store).await;
        let (round, codes) = round_with_codes(&store, 2).await;
        let writer = BallotWriter::start(store.clone());
        let on = day("2011-06-15");
        let guess = |i: i64| {
            xianfeng_domain::ballot::BallotCode::from_random(&[i as u8; 8])
                .as_str()
                .to_string()
        };
        let limit = xianfeng_app::evaluation::GUESSES_PER_HOUR;
        for i in 0..limit {
            let answer = cast_with_code(
                &store,
                &writer,
                &guess(i),
                &ballot(Verdict::Satisfied),
                "6.6.6.6",
                on,
            )
            .await
            .unwrap();
            assert!(
                matches!(answer, Err(Refused::UnknownCode(_))),
                "{}: {answer:?}",
                db.label
            );
        }
        let over = cast_with_code(
            &store,
            &writer,
            &guess(limit),
            &ballot(Verdict::Satisfied),
            "6.6.6.6",
            on,
        )
        .await
        .unwrap();
        assert_eq!(over, Err(Refused::Guessing), "{}", db.label);
        // A real code from the same address is taken and counted.
        let right = cast_with_code(
            &store,
            &writer,
            &codes[0],
            &ballot(Verdict::Satisfied),
            "6.6.6.6",
            on,
        )
        .await
        .unwrap();
        assert_eq!(right, Ok(()), "{}", db.label);
        assert_eq!(verify(&store, round).await.unwrap().1, 1);
        // Another address is not affected by the first one's guesses.
        let other = cast_with_code(
            &store,
            &writer,
            &codes[1],
            &ballot(Verdict::Satisfied),
            "10.9.9.9",
            on,
        )
        .await
        .unwrap();
        assert_eq!(other, Ok(()));
    }
}

/// A round begun before used codes became bits (migration 6) carries on after it: the
/// codes used stay used, the others can still vote, the counts add up.
#[tokio::test]
async fn codes_and_ballots_from_before_migration_6_carry_on() {
    for db in backends().await {
        let vault = || xianfeng_storage::Vault::new(db.key);
        let old = Store::open_at(&db.url, vault(), 5).await.unwrap();
        // Today's code takes ids from the counters of migration 12: lent for the set-up,
        // dropped again below so that the migration seeds them from the stored rows.
        let raw = db.raw().await;
        sqlx::query("CREATE TABLE id_counters (name TEXT PRIMARY KEY, last_id BIGINT NOT NULL)")
            .execute(&raw)
            .await
            .unwrap();
        for table in [
            "organisations",
            "members",
            "users",
            "campaigns",
            "eval_rounds",
        ] {
            sqlx::query("INSERT INTO id_counters (name, last_id) VALUES ($1, 0)")
                .bind(table)
                .execute(&raw)
                .await
                .unwrap();
        }
        // Today's code reads whether an organisation is closed (migration 18) and a
        // campaign's status (migration 19), writes score changes (27, 29), takes named
        // locks (28) and seals audit entries from pending ones (29): lent too.
        for sql in [
            "ALTER TABLE organisations ADD COLUMN closed_on TEXT",
            "ALTER TABLE organisations ADD COLUMN merged_into BIGINT",
            "ALTER TABLE campaigns ADD COLUMN status TEXT NOT NULL DEFAULT 'running'",
            // Every write stores what it changed of the scores (migrations 27 and 29).
            "CREATE TABLE score_changes (tx_key TEXT NOT NULL, position BIGINT NOT NULL, \
             campaign_id BIGINT NOT NULL, subject_kind TEXT NOT NULL, \
             subject_id BIGINT NOT NULL, at_ms BIGINT NOT NULL, \
             PRIMARY KEY (tx_key, campaign_id, subject_kind, subject_id))",
            // An import takes the organisation tree's lock (migration 28).
            "CREATE TABLE write_locks (name TEXT PRIMARY KEY, taken_at BIGINT NOT NULL)",
            // Audit entries are sealed from the pending ones (migration 29).
            "CREATE TABLE audit_pending (tx_key TEXT NOT NULL, seq BIGINT NOT NULL, \
             written_at BIGINT NOT NULL, at BIGINT NOT NULL, actor TEXT NOT NULL, \
             action TEXT NOT NULL, entity TEXT NOT NULL, entity_key TEXT NOT NULL, \
             before_json TEXT NOT NULL, after_json TEXT NOT NULL, PRIMARY KEY (tx_key, seq))",
        ] {
            sqlx::query(sql).execute(&raw).await.unwrap();
        }
        // Organisations only: today's members table (migration 13) is not there yet, and
        // the round is of organisations.
        district_orgs(&old).await;
        let round = create_round(
            &old,
            None,
            &RoundInput {
                name: "2010年下半年群众评议",
                scope: "C1",
                subjects: "organisations",
                mode: "codes",
                starts_on: "2010-12-01",
                ends_on: "2010-12-31",
            },
        )
        .await
        .unwrap();
        let subjects = old.evaluation().round_subjects(round).await.unwrap();
        let (s1, s2) = (subjects[0].subject_id, subjects[1].subject_id);
        old.close().await;
        // Written as schema 5 stored them: a `used` flag per code.
        let raw = db.raw().await;
        for (hash, subject, used) in [("h1", s1, 1), ("h2", s1, 0), ("h3", s2, 1)] {
            sqlx::query(
                "INSERT INTO ballot_codes (hash, round_id, subject_id, used) VALUES ($1, $2, $3, $4)",
            )
            .bind(hash)
            .bind(round)
            .bind(subject)
            .bind(used as i64)
            .execute(&raw)
            .await
            .unwrap();
        }
        for (id, subject, verdict) in [(1i64, s1, "satisfied"), (2, s2, "dissatisfied")] {
            sqlx::query(
                "INSERT INTO ballots (id, round_id, subject_id, mode, verdict, ratings, comment) \
                 VALUES ($1, $2, $3, 'codes', $4, '{}', '')",
            )
            .bind(id)
            .bind(round)
            .bind(subject)
            .bind(verdict)
            .execute(&raw)
            .await
            .unwrap();
        }
        for sql in [
            "ALTER TABLE organisations DROP COLUMN closed_on",
            "ALTER TABLE organisations DROP COLUMN merged_into",
            "ALTER TABLE campaigns DROP COLUMN status",
            "DROP TABLE score_changes",
            "DROP TABLE write_locks",
            "DROP TABLE audit_pending",
        ] {
            sqlx::query(sql).execute(&raw).await.unwrap();
        }
        sqlx::query("DROP TABLE id_counters")
            .execute(&raw)
            .await
            .unwrap();
        raw.close().await;

        let store = db.open().await;
        let used = |hash: &'static str| {
            let store = store.clone();
            async move { store.evaluation().code(hash).await.unwrap().unwrap().used }
        };
        assert!(
            used("h1").await && !used("h2").await && used("h3").await,
            "{}",
            db.label
        );
        assert_eq!(
            verify(&store, round).await.unwrap(),
            (3, 2, 2, 0),
            "{}",
            db.label
        );
        let tallies = store.evaluation().tally(round).await.unwrap();
        assert_eq!(
            tallies,
            vec![(s1, Verdict::Satisfied, 1), (s2, Verdict::Dissatisfied, 1)],
            "{}",
            db.label
        );
        // New codes are numbered after the old ones and vote as usual.
        let codes = issue_codes(
            &store,
            None,
            round,
            1,
            Some("http://x"),
            chrono::NaiveDate::from_ymd_opt(2010, 12, 15).unwrap(),
        )
        .await
        .unwrap();
        let writer = BallotWriter::start(store.clone());
        for c in &codes {
            let cast = cast_with_code(
                &store,
                &writer,
                &c.code,
                &ballot(Verdict::Satisfied),
                "10.0.0.9",
                day("2010-12-15"),
            )
            .await
            .unwrap();
            assert!(cast.is_ok(), "{}: {cast:?}", db.label);
        }
        let n = codes.len() as i64;
        assert_eq!(
            verify(&store, round).await.unwrap(),
            (3 + n, 2 + n, 2 + n, 0),
            "{}",
            db.label
        );
        store.close().await;
    }
}

/// Results per organisation add each subject's ballots to its own organisation and to
/// every one above it, up to the round's scope.
#[tokio::test]
async fn results_add_up_from_each_branch_to_the_scope() {
    for db in backends().await {
        let store = db.open().await;
        district(&store).await;
        let round = new_round(&store).await;
        let codes = issue_codes(&store, None, round, 3, Some("http://x"), june_2011())
            .await
            .unwrap();
        let writer = BallotWriter::start(store.clone());
        // Every code votes: satisfied for B1, dissatisfied for B2.
        for c in &codes {
            let verdict = match c.subject_code.as_str() {
                "B1" => Verdict::Satisfied,
                _ => Verdict::Dissatisfied,
            };
            let cast = cast_with_code(
                &store,
                &writer,
                &c.code,
                &ballot(verdict),
                "10.0.0.7",
                day("2011-06-15"),
            )
            .await
            .unwrap();
            assert!(cast.is_ok(), "{}: {cast:?}", db.label);
        }
        let rows = xianfeng_app::evaluation::results_by_organisation(&store, round)
            .await
            .unwrap();
        let summary: Vec<(&str, i64, u64, u64)> = rows
            .iter()
            .map(|(code, _, depth, t)| (code.as_str(), *depth, t.satisfied, t.dissatisfied))
            .collect();
        assert_eq!(
            summary,
            vec![("C1", 0, 3, 3), ("B1", 1, 3, 0), ("B2", 1, 0, 3)],
            "{}",
            db.label
        );
    }
}
