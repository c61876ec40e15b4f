//! The same thing sent twice at once — a double click, two browser tabs, two offices, a
//! phone that sends again through the balancer — arriving at two servers of a cluster on
//! one database (issue 22). Each is taken once: the second is told it was already done, or
//! is taken as a change of the first, never answered with a database error. On PostgreSQL
//! the two writes really meet (where a race is hard to hit, the second is sent while the
//! first is written and not yet committed); on SQLite they take turns at the one writer.

use xianfeng_app::AppError;
use xianfeng_app::retry::again;
use xianfeng_app::scores::Scores;
use xianfeng_app::selection::{StepInput, step};
use xianfeng_domain::selection::Step;
use xianfeng_domain::subject::SubjectKind;
use xianfeng_testkit::{backends, id, today};

mod support;
use support::{actor, city, day, library_entry, on_notice, principal};

/// A listener's rating sent twice at once (a double tap, through two servers) is stored
/// once; the other send is told the speaker was rated already, not shown an error.
#[tokio::test]
async fn a_rating_sent_twice_at_once_is_stored_once() {
    use xianfeng_app::actor::Who;
    use xianfeng_app::publicity::tours::{SessionInput, rate, schedule, sign_in};
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let speaker = library_entry(one).await;
        let op = Who::operator();
        let delegation = support::delegation_of(one, speaker).await;
        let at = |h, m| day("2012-03-05").and_hms_opt(h, m, 0).unwrap();
        let session = schedule(
            one,
            op,
            &SessionInput {
                delegation_id: delegation,
                session_id: None,
                host_code: "B1".into(),
                venue: "党员活动室".into(),
                starts_at: at(9, 0),
                ends_at: at(11, 0),
                audience: 40,
                request_id: None,
            },
        )
        .await
        .unwrap();
        let phone = one.vault().hash("phone:13900000000");
        sign_in(one, session, &phone, at(9, 10)).await.unwrap();
        let (a, b) = tokio::join!(
            again(|| rate(one, session, &phone, speaker, 5, "讲得很生动")),
            again(|| rate(two, session, &phone, speaker, 4, "")),
        );
        assert_eq!(
            [a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(),
            1,
            "{}: {a:?} {b:?}",
            db.label
        );
        let refused = [a, b].into_iter().find_map(Result::err).unwrap();
        let AppError::Input(why) = &refused else {
            panic!("{}: {refused:?}", db.label);
        };
        assert!(
            why.render(xianfeng_domain::i18n::Lang::En)
                .contains("rated this speaker already"),
            "{}",
            db.label
        );
    }
}

/// A reviewer assigned to a member twice at once (a double click, two servers) is assigned
/// once: one answer says so, the other that she was assigned already — neither an error.
#[tokio::test]
async fn a_reviewer_assigned_twice_at_once_is_assigned_once() {
    use xianfeng_app::reviews::assign;
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        support::add_reviewer(one, "leader").await;
        let ps = principal(one, "staff").await;
        let staff = actor("staff", &ps);
        // Two members and two branches, each twice at once: many chances for the two
        // servers' writes to meet.
        let (b1, b2) = (
            one.registry().org_by_code("B1").await.unwrap().unwrap().id,
            one.registry().org_by_code("B2").await.unwrap().unwrap().id,
        );
        let staff = &staff;
        let twice = |kind: SubjectKind, id: i64| async move {
            tokio::join!(
                again(|| assign(one, staff, "leader", kind, id)),
                again(|| assign(two, staff, "leader", kind, id)),
            )
        };
        let all = tokio::join!(
            twice(SubjectKind::Member, c.wang_fang),
            twice(SubjectKind::Member, c.zhang_wei),
            twice(SubjectKind::Organisation, b1),
            twice(SubjectKind::Organisation, b2)
        );
        for (a, b) in [all.0, all.1, all.2, all.3] {
            let (a, b) = (a.unwrap(), b.unwrap());
            assert!(a != b, "{}: one new, one already there", db.label);
        }
    }
}

/// A reviewer's first review of a member saved twice at once (two tabs, two servers) is
/// one review: both saves are taken, the later as a change of the first.
#[tokio::test]
async fn a_first_review_saved_twice_at_once_is_one_review() {
    use xianfeng_app::reviews::{ReviewInput, assign, write};
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        support::add_reviewer(one, "leader").await;
        let (ps, pl) = (
            principal(one, "staff").await,
            principal(one, "leader").await,
        );
        let (staff, leader) = (actor("staff", &ps), actor("leader", &pl));
        assign(one, &staff, "leader", SubjectKind::Member, c.zhang_wei)
            .await
            .unwrap();
        let now = day("2011-03-01");
        let good = ReviewInput {
            period: "2010",
            grade: "good",
            comment: "带头作用明显",
        };
        let fairly_good = ReviewInput {
            grade: "fairly-good",
            ..good
        };
        let (a, b) = tokio::join!(
            again(|| write(one, &leader, SubjectKind::Member, c.zhang_wei, &good, now)),
            again(|| write(
                two,
                &leader,
                SubjectKind::Member,
                c.zhang_wei,
                &fairly_good,
                now
            )),
        );
        a.unwrap();
        b.unwrap();
        let reviews = one
            .reviews()
            .reviews_of(SubjectKind::Member, c.zhang_wei)
            .await
            .unwrap();
        assert_eq!(reviews.len(), 1, "{}", db.label);
    }
}

/// A branch's stage report sent twice at once (two servers) is one report: both sends are
/// taken, the later as an amendment of the first.
#[tokio::test]
async fn a_stage_report_sent_twice_at_once_is_one_report() {
    use xianfeng_app::actor::Who;
    use xianfeng_app::bulletins::reports::{ReportInput, send};
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let ps = principal(one, "staff").await;
        let staff = Who {
            username: "staff",
            principal: Some(&ps),
        };
        let report = |code, summary| ReportInput {
            code,
            stage: "towards-18th",
            summary,
            practices: "",
        };
        let (s1, s2) = (Scores::new(), Scores::new());
        let (s1, s2) = (&s1, &s2);
        let on = day("2012-06-25");
        // Three organisations' reports, each sent twice at once: chances for the two
        // servers' writes to meet.
        let twice = |code: &'static str| async move {
            let (first, amended) = (
                report(code, "本阶段扎实开展创先争优。"),
                report(code, "本阶段扎实开展创先争优，党员参学率百分之百。"),
            );
            tokio::join!(
                again(|| send(one, s1, staff, &first, on)),
                again(|| send(two, s2, staff, &amended, on)),
            )
        };
        let all = tokio::join!(twice("B1"), twice("B2"), twice("T1"));
        for (a, b) in [all.0, all.1, all.2] {
            assert_eq!(a.unwrap(), b.unwrap(), "{}: one report", db.label);
        }

        // The two writes meeting for certain: the second sent while the first is written
        // and not yet committed. It waits for the first, then amends it.
        let campaign = one.campaigns().current().await.unwrap().unwrap().0;
        let b2 = one.registry().org_by_code("B2").await.unwrap().unwrap().id;
        let stored = |summary: &str| xianfeng_storage::NewStageReport {
            campaign_id: campaign,
            org_id: b2,
            stage: "second-stage".into(),
            summary: summary.into(),
            practices: String::new(),
            figures: Default::default(),
        };
        let mut first = one.begin("staff").await.unwrap();
        let first_id = first.send_stage_report(&stored("先报")).await.unwrap();
        // (Run again whole if the database refuses it for the first, as a request is.)
        let later = xianfeng_storage::retry::retrying(|| async {
            let mut tx = two.begin("staff").await?;
            let id = tx.send_stage_report(&stored("后报")).await?;
            tx.commit().await?;
            Ok(id)
        });
        let commit_first = async {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            first.commit().await
        };
        let (later, committed) = tokio::join!(later, commit_first);
        committed.unwrap();
        assert_eq!(later.unwrap(), first_id, "{}", db.label);
        let kept = one
            .bulletins()
            .stage_report(campaign, "second-stage", b2)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(kept.summary, "后报", "{}", db.label);
    }
}

/// One account made at once through two servers (an office importing while another types
/// it in): one is made, the other told the name is taken — not a database error. The
/// second is sent while the first is written and not yet committed.
#[tokio::test]
async fn an_account_made_twice_at_once_is_made_once() {
    use xianfeng_domain::role::Role;
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let b1 = one.registry().org_by_code("B1").await.unwrap().unwrap().id;
        let user = xianfeng_storage::NewUser {
            username: "zhao".into(),
            role: Role::Secretary,
            password_hash: String::new(),
            must_change_password: true,
            org_ids: vec![b1],
            member_id: None,
        };
        let mut first = one.begin("staff").await.unwrap();
        first.create_user(&user).await.unwrap();
        let later = xianfeng_storage::retry::retrying(|| async {
            let mut tx = two.begin("staff").await?;
            tx.create_user(&user).await?;
            tx.commit().await
        });
        let commit_first = async {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            first.commit().await
        };
        let (later, committed) = tokio::join!(later, commit_first);
        committed.unwrap();
        assert!(
            matches!(later, Err(xianfeng_storage::StoreError::Conflict(_))),
            "{}: {later:?}",
            db.label
        );
    }
}

/// A branch's self-assessment saved twice at once (two tabs, two servers) is one
/// self-assessment: both saves are taken, the later replacing the first whole.
#[tokio::test]
async fn a_self_assessment_saved_twice_at_once_is_one() {
    use xianfeng_app::scores::write_self_assessment;
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let pw = principal(one, "wang").await;
        let wang = actor("wang", &pw);
        let b1 = one.registry().org_by_code("B1").await.unwrap().unwrap().id;
        let criteria = [
            "leadership",
            "members",
            "mechanism",
            "performance",
            "public-opinion",
        ];
        let all = |p: i64| -> Vec<(String, i64)> {
            criteria.iter().map(|c| (c.to_string(), p)).collect()
        };
        let (eighty, ninety) = (all(80), all(90));
        let (a, b) = tokio::join!(
            again(|| write_self_assessment(
                one,
                &wang,
                SubjectKind::Organisation,
                b1,
                "2011-h1",
                &eighty
            )),
            again(|| write_self_assessment(
                two,
                &wang,
                SubjectKind::Organisation,
                b1,
                "2011-h1",
                &ninety
            )),
        );
        a.unwrap();
        b.unwrap();
        let raw = db.raw().await;
        let rows: Vec<i64> = sqlx::query_scalar(
            "SELECT points FROM self_assessments WHERE subject_id = $1 AND period = '2011-h1'",
        )
        .bind(b1)
        .fetch_all(&raw)
        .await
        .unwrap();
        assert_eq!(rows.len(), criteria.len(), "{}", db.label);
        assert!(
            rows.iter().all(|p| *p == rows[0]),
            "{}: one save whole, {rows:?}",
            db.label
        );
    }
}

/// One indicator value imported at once through two servers (two offices with the same
/// sheet): the later value stands, not a database error. The second is sent while the
/// first is written and not yet committed.
#[tokio::test]
async fn an_indicator_value_imported_twice_at_once_keeps_the_later() {
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let campaign = one.campaigns().current().await.unwrap().unwrap().0;
        let b1 = one.registry().org_by_code("B1").await.unwrap().unwrap().id;
        let value = |v: f64| {
            vec![xianfeng_storage::IndicatorValue {
                period: "2011-h1".into(),
                indicator: "rectification".into(),
                subject_kind: SubjectKind::Organisation,
                subject_id: b1,
                value: v,
            }]
        };
        let (first_values, later_values) = (value(0.5), value(0.75));
        let mut first = one.begin("staff").await.unwrap();
        first
            .import_indicator_values(campaign, &first_values)
            .await
            .unwrap();
        let later = xianfeng_storage::retry::retrying(|| async {
            let mut tx = two.begin("staff").await?;
            tx.import_indicator_values(campaign, &later_values).await?;
            tx.commit().await
        });
        let commit_first = async {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            first.commit().await
        };
        let (later, committed) = tokio::join!(later, commit_first);
        committed.unwrap();
        later.unwrap();
        let raw = db.raw().await;
        let kept: Vec<f64> = sqlx::query_scalar(
            "SELECT value FROM indicator_values WHERE subject_id = $1 AND period = '2011-h1'",
        )
        .bind(b1)
        .fetch_all(&raw)
        .await
        .unwrap();
        assert_eq!(kept, vec![0.75], "{}", db.label);
    }
}

/// A person registered in B1, typed in at B2 twice at once (two servers): both tries are
/// told she is registered elsewhere, and the office's list shows her once.
#[tokio::test]
async fn a_person_tried_twice_at_once_elsewhere_is_flagged_once() {
    use xianfeng_app::members::{MemberForm, add_member};
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let ps = principal(one, "staff").await;
        let staff = actor("staff", &ps);
        let wang_fang = MemberForm {
            name: "王芳".into(),
            id_number: id("41080219800101001"),
            joined_on: "2005-07-01".into(),
            member_type: "正式党员".into(),
            ..MemberForm::default()
        };
        let (a, b) = tokio::join!(
            again(|| add_member(one, &staff, "B2", &wang_fang, today())),
            again(|| add_member(two, &staff, "B2", &wang_fang, today())),
        );
        for refused in [a, b] {
            let Err(AppError::Input(why)) = &refused else {
                panic!("{}: {refused:?}", db.label);
            };
            assert!(
                why.render(xianfeng_domain::i18n::Lang::En)
                    .contains("transfer"),
                "{}",
                db.label
            );
        }
        let raw = db.raw().await;
        let flags: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM duplicate_members WHERE member_id = $1 AND settled_at IS NULL",
        )
        .bind(c.wang_fang)
        .fetch_one(&raw)
        .await
        .unwrap();
        assert_eq!(flags, 1, "{}", db.label);
    }
}

/// The same leadership team made at once through two servers (a form beside an import) is
/// one team: both get its id.
#[tokio::test]
async fn a_team_made_twice_at_once_is_one_team() {
    use xianfeng_app::teams::{TeamForm, create_team};
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let ps = principal(one, "staff").await;
        let staff = actor("staff", &ps);
        let form = TeamForm {
            name: "街道党工委班子".into(),
            category: String::new(),
        };
        let (a, b) = tokio::join!(
            again(|| create_team(one, &staff, "T1", &form)),
            again(|| create_team(two, &staff, "T1", &form)),
        );
        assert_eq!(a.unwrap(), b.unwrap(), "{}", db.label);
    }
}

/// The honour roll taken into the library at once through two servers (two offices, one
/// click each) gives each commended candidate one entry, and neither click an error.
#[tokio::test]
async fn the_honour_roll_taken_in_twice_at_once_makes_one_entry_each() {
    use xianfeng_app::actor::Who;
    use xianfeng_app::publicity::models::take_in_honour_roll;
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let (up, _) = on_notice(one, c.wang_fang).await;
        let po = principal(one, "office").await;
        let office = actor("office", &po);
        let commend = StepInput {
            document_no: "焦发〔2012〕15号".into(),
            commended_on: Some(day("2012-07-10")),
            ..Default::default()
        };
        step(
            one,
            Some(&office),
            up,
            Step::Commend,
            &commend,
            day("2012-07-10"),
        )
        .await
        .unwrap();
        // Commended before the library existed: no entry yet.
        let raw = db.raw().await;
        for sql in [
            "DELETE FROM model_subjects WHERE model_id IN \
             (SELECT id FROM models WHERE nomination_id = $1)",
            "DELETE FROM model_tags WHERE model_id IN \
             (SELECT id FROM models WHERE nomination_id = $1)",
            "DELETE FROM models WHERE nomination_id = $1",
        ] {
            sqlx::query(sql).bind(up).execute(&raw).await.unwrap();
        }
        let (a, b) = tokio::join!(
            again(|| take_in_honour_roll(one, Who::operator())),
            again(|| take_in_honour_roll(two, Who::operator())),
        );
        assert_eq!(a.unwrap() + b.unwrap(), 1, "{}", db.label);
        let entries: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM models WHERE nomination_id = $1")
                .bind(up)
                .fetch_one(&raw)
                .await
                .unwrap();
        assert_eq!(entries, 1, "{}", db.label);
    }
}
