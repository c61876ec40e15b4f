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
        let later = support::while_uncommitted(first, later).await;
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
        let later = support::while_uncommitted(first, later).await;
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
        let later = support::while_uncommitted(first, later).await;
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

/// The built-in campaign file under another code, with a category of its own (`island`)
/// that no stored campaign has yet.
fn campaign_file(code: &str) -> String {
    xianfeng_domain::campaign::BUILTIN_2010
        .replacen("code = \"jiaozuo-2010\"", &format!("code = \"{code}\""), 1)
        .replacen(
            "[[categories]]\ncode = \"county\"",
            "[[categories]]\ncode = \"island\"\nname = \"海岛\"\nname_en = \"Islands\"\n\n\
             [[categories]]\ncode = \"county\"",
            1,
        )
}

/// A campaign file sent twice at once (two offices, two servers) makes one draft: the
/// other is told the code is taken. Two files bringing the same new category at once
/// both make their drafts, and the category is registered once.
#[tokio::test]
async fn a_campaign_made_twice_at_once_is_made_once() {
    use xianfeng_app::campaigns::create;
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let (same, other, third) = (
            campaign_file("xian-2026"),
            campaign_file("xian-2027"),
            campaign_file("xian-2028"),
        );
        let (a, b) = tokio::join!(
            again(|| create(one, "staff", &same)),
            again(|| create(two, "staff", &same)),
        );
        assert_eq!(
            [&a, &b].iter().filter(|r| r.is_ok()).count(),
            1,
            "{}: {a:?} {b:?}",
            db.label
        );
        let refused = [a, b].into_iter().find_map(Result::err).unwrap();
        let AppError::Store(xianfeng_storage::StoreError::Conflict(why)) = &refused else {
            panic!("{}: {refused:?}", db.label);
        };
        assert!(
            why.render(xianfeng_domain::i18n::Lang::En)
                .contains("xian-2026"),
            "{}: {}",
            db.label,
            why.render(xianfeng_domain::i18n::Lang::En)
        );
        let (a, b) = tokio::join!(
            again(|| create(one, "staff", &other)),
            again(|| create(two, "staff", &third)),
        );
        assert!(a.is_ok() && b.is_ok(), "{}: {a:?} {b:?}", db.label);
        let islands = one
            .campaigns()
            .categories()
            .await
            .unwrap()
            .into_iter()
            .filter(|(code, _, _)| code == "island")
            .count();
        assert_eq!(islands, 1, "{}", db.label);
    }
}

/// Two drafts started at once (two offices, two servers): both starts are taken, one
/// after the other, and one campaign runs afterwards — the one that ran before is closed
/// once, not twice, and no start is answered with an error. The second start is sent while
/// the first is written and not yet committed.
#[tokio::test]
async fn two_drafts_started_at_once_leave_one_running() {
    use xianfeng_app::campaigns::{create, start};
    use xianfeng_domain::campaign::CampaignStatus;
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let was = xianfeng_app::campaigns::in_use(one).await.unwrap().0;
        let first = create(one, "staff", &campaign_file("xian-2026"))
            .await
            .unwrap();
        let second = create(one, "staff", &campaign_file("xian-2027"))
            .await
            .unwrap();
        let mut held = one.begin("staff").await.unwrap();
        held.start_campaign(first).await.unwrap();
        let later = again(|| start(two, None, "staff", second));
        let later = support::while_uncommitted(held, later).await;
        later.unwrap_or_else(|e| panic!("{}: {e:?}", db.label));
        let now = xianfeng_app::campaigns::in_use(one).await.unwrap().0;
        assert!([first, second].contains(&now.id), "{}", db.label);
        let running = one
            .campaigns()
            .all()
            .await
            .unwrap()
            .into_iter()
            .filter(|c| c.status == CampaignStatus::Running)
            .count();
        assert_eq!(running, 1, "{}", db.label);
        let closes = support::audit_entries(one)
            .await
            .into_iter()
            .filter(|e| e.action == "campaign.close" && e.entity_key == was.code)
            .count();
        assert_eq!(closes, 1, "{}: closed once", db.label);
    }
}

/// An account's role and organisations changed twice at once (two offices, two servers):
/// the changes take turns, and the audit trail tells them in order — the later change's
/// "before" is what the earlier left, not what both read at the start. The second is sent
/// while the first is written and not yet committed.
#[tokio::test]
async fn an_account_changed_twice_at_once_is_audited_in_turn() {
    use xianfeng_domain::role::Role;
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        support::add_account(one, "zhao", Role::Secretary, &["B1"]).await;
        let b1 = one.registry().org_by_code("B1").await.unwrap().unwrap().id;
        let b2 = one.registry().org_by_code("B2").await.unwrap().unwrap().id;
        let mut first = one.begin("office").await.unwrap();
        first
            .set_role_and_organisations("zhao", Role::Secretary, &[b2])
            .await
            .unwrap();
        let later = xianfeng_storage::retry::retrying(|| async {
            let mut tx = two.begin("office").await?;
            tx.set_role_and_organisations("zhao", Role::Secretary, &[b1, b2])
                .await?;
            tx.commit().await
        });
        let later = support::while_uncommitted(first, later).await;
        later.unwrap();
        let befores: Vec<serde_json::Value> = support::audit_entries(one)
            .await
            .into_iter()
            .filter(|e| e.action == "user.role" && e.entity_key == "zhao")
            .map(|e| serde_json::from_str(&e.before).unwrap())
            .collect();
        let orgs = |v: &serde_json::Value| v["org_ids"].clone();
        assert_eq!(befores.len(), 2, "{}", db.label);
        assert!(
            befores.iter().any(|b| orgs(b) == serde_json::json!([b2])),
            "{}: the later change starts from the earlier's [B2]: {befores:?}",
            db.label
        );
    }
}

/// A day of the office's calendar set twice at once (two offices, two servers): the later
/// setting's audit "before" is what the earlier left; unset twice at once, it is unset
/// once — one answer says so, the other that there was nothing to unset. Each second
/// change is sent while the first is written and not yet committed.
#[tokio::test]
async fn a_calendar_day_changed_twice_at_once_is_changed_in_turn() {
    use xianfeng_domain::calendar::CalendarDay;
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let date = day("2012-05-02");
        let set = |workday, note: &str| CalendarDay {
            date,
            workday,
            note: note.into(),
        };
        let mut first = one.begin("office").await.unwrap();
        first
            .set_calendar_days(&[set(false, "地方假日")], false)
            .await
            .unwrap();
        support::while_uncommitted(
            first,
            xianfeng_storage::retry::retrying(|| async {
                let mut tx = two.begin("office").await?;
                tx.set_calendar_days(&[set(true, "调休")], false).await?;
                tx.commit().await
            }),
        )
        .await
        .unwrap();
        let mut first = one.begin("office").await.unwrap();
        assert!(first.unset_calendar_day(date).await.unwrap());
        let again = support::while_uncommitted(
            first,
            xianfeng_storage::retry::retrying(|| async {
                let mut tx = two.begin("office").await?;
                let removed = tx.unset_calendar_day(date).await?;
                tx.commit().await?;
                Ok(removed)
            }),
        )
        .await
        .unwrap();
        assert!(!again, "{}: the day was unset already", db.label);
        let entries: Vec<_> = support::audit_entries(one)
            .await
            .into_iter()
            .filter(|e| e.entity_key == "2012-05-02")
            .collect();
        let of = |action: &str| -> Vec<String> {
            entries
                .iter()
                .filter(|e| e.action == action)
                .map(|e| e.before.clone())
                .collect()
        };
        let sets = of("calendar.set");
        assert_eq!(sets.len(), 2, "{}", db.label);
        assert!(
            sets.iter().any(|b| b.contains("地方假日")),
            "{}: the later setting starts from the earlier: {sets:?}",
            db.label
        );
        assert_eq!(of("calendar.unset").len(), 1, "{}", db.label);
    }
}

/// A cadre added to a team twice at once (a form beside an import, two servers) is one
/// cadre, the second add finding her; a cadre moved into a team while the same person is
/// being added there is told the post is held — neither sees a database error. Each
/// second write is sent while the first is written and not yet committed.
#[tokio::test]
async fn a_cadre_added_twice_at_once_is_one_cadre() {
    use xianfeng_storage::{NewCadre, StoreError};
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let c1 = one.registry().org_by_code("C1").await.unwrap().unwrap().id;
        let person = |n: &str, id_number: String| NewCadre {
            name: n.into(),
            gender: xianfeng_domain::person::Gender::Male,
            birth_year: 1965,
            id_number,
            position: "副书记".into(),
            is_head: false,
            since: None,
        };
        let (zhao, qian) = (
            person("赵书记", id("41080219650301001")),
            person("钱书记", id("41080219660401002")),
        );
        let mut tx = one.begin("test").await.unwrap();
        let (a, b) = (
            tx.create_team(c1, "区委领导班子").await.unwrap(),
            tx.create_team(c1, "区政府领导班子").await.unwrap(),
        );
        let qian_in_a = tx.add_cadre(one, a, &qian).await.unwrap();
        tx.commit().await.unwrap();
        let mut first = one.begin("test").await.unwrap();
        first.upsert_cadre(one, b, &zhao).await.unwrap();
        let later = xianfeng_storage::retry::retrying(|| async {
            let mut tx = two.begin("test").await?;
            let (_, outcome) = tx.upsert_cadre(two, b, &zhao).await?;
            tx.commit().await?;
            Ok(outcome)
        });
        let later = support::while_uncommitted(first, later).await;
        let later = later.unwrap_or_else(|e| panic!("{}: {e}", db.label));
        assert_eq!(later.inserted, 0, "{}: found, not added again", db.label);

        let mut first = one.begin("test").await.unwrap();
        first.upsert_cadre(one, b, &qian).await.unwrap();
        let moved = xianfeng_storage::retry::retrying(|| async {
            let mut tx = two.begin("test").await?;
            let id = tx
                .move_post(qian_in_a, day("2011-01-10"), b, "副区长", false)
                .await?;
            tx.commit().await?;
            Ok(id)
        });
        let moved = support::while_uncommitted(first, moved).await;
        assert!(
            matches!(moved, Err(StoreError::Conflict(_))),
            "{}: {moved:?}",
            db.label
        );
        let in_b = one.registry().cadres_of_team(b).await.unwrap();
        assert_eq!(in_b.len(), 2, "{}: {in_b:?}", db.label);
    }
}

/// An inspector taken out of the draws while a pool import declares her a new conflict
/// (回避), through two servers: both stand — she is out of the draws, and the conflict is
/// kept. The import is written and not yet committed when she is taken out.
#[tokio::test]
async fn an_inspector_taken_out_during_an_import_keeps_the_import() {
    use xianfeng_app::Silent;
    use xianfeng_app::inspections::{Who, pool};
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let sheet = "姓名,账号,所属组织编码,回避组织编码,回避理由\n区督查,dc-a,C1,,\n";
        let reader = xianfeng_ingest::from_csv_bytes(sheet.into()).unwrap();
        pool::import(one, reader, &support::committing(), 30, &Silent)
            .await
            .unwrap();
        let before = pool::list(one, Who::operator()).await.unwrap().remove(0);
        let b1 = one.registry().org_by_code("B1").await.unwrap().unwrap().id;
        let mut first = one.begin("office").await.unwrap();
        first
            .keep_inspector(&xianfeng_storage::NewInspector {
                user_id: before.user_id,
                username: before.username.clone(),
                name: before.name.clone(),
                home_org_id: before.home_org_id,
                active: true,
                conflicts: vec![(b1, "近亲属任支部书记".into())],
            })
            .await
            .unwrap();
        let out = again(|| pool::set_active(two, Who::operator(), "dc-a", false));
        let out = support::while_uncommitted(first, out).await;
        out.unwrap();
        let after = pool::list(one, Who::operator()).await.unwrap().remove(0);
        assert!(!after.active, "{}", db.label);
        assert_eq!(
            after.conflicts.iter().map(|c| c.org_id).collect::<Vec<_>>(),
            [b1],
            "{}",
            db.label
        );
    }
}

/// A county's own dates for a phase set twice at once (two offices, two servers): both are
/// taken, the later replacing the earlier, and one set of dates is in force afterwards —
/// the second is not refused with a database error. The second is sent while the first is
/// written and not yet committed.
#[tokio::test]
async fn phase_dates_set_twice_at_once_leave_one_in_force() {
    use xianfeng_domain::campaign::LocalRule;
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let (campaign, _) = xianfeng_app::scope::campaign(one).await.unwrap();
        let c1 = one.registry().org_by_code("C1").await.unwrap().unwrap().id;
        let dates = |from: &str, to: &str| LocalRule::PhaseDates {
            phase: "mobilisation".into(),
            starts_on: day(from),
            ends_on: day(to),
        };
        let mut first = one.begin("county").await.unwrap();
        first
            .add_local_rule(campaign, (c1, "C1"), &dates("2010-06-01", "2010-06-30"))
            .await
            .unwrap();
        let later = xianfeng_storage::retry::retrying(|| async {
            let mut tx = two.begin("county").await?;
            let id = tx
                .add_local_rule(campaign, (c1, "C1"), &dates("2010-06-05", "2010-07-05"))
                .await?;
            tx.commit().await?;
            Ok(id)
        });
        let later = support::while_uncommitted(first, later).await;
        later.unwrap_or_else(|e| panic!("{}: {e}", db.label));
        let in_force: Vec<_> = one
            .guidance()
            .of_orgs(campaign, &[c1])
            .await
            .unwrap()
            .into_iter()
            .filter_map(|r| match r.rule {
                LocalRule::PhaseDates { starts_on, .. } => Some(starts_on),
                _ => None,
            })
            .collect();
        assert_eq!(in_force, [day("2010-06-05")], "{}", db.label);
    }
}

/// Two members' records corrected to one ID number at once (two offices, two servers):
/// the first correction stands, the other is told the number is taken — not a database
/// error. The second is sent while the first is written and not yet committed.
#[tokio::test]
async fn two_records_corrected_to_one_id_number_at_once_keep_one() {
    use xianfeng_domain::person::{Gender, MemberType};
    use xianfeng_storage::{MemberUpsert, StoreError};
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let number = id("41080219800101003");
        let row = |name: &str| MemberUpsert {
            org_id: 0,
            name: name.into(),
            gender: Gender::Female,
            ethnicity: None,
            birth_year: 1980,
            id_number: number.clone(),
            joined_on: None,
            member_type: MemberType::Formal,
            position: None,
            phone: None,
        };
        let mut first = one.begin("office").await.unwrap();
        assert!(
            first
                .correct_member(one, c.wang_fang, &row("王芳"))
                .await
                .unwrap()
        );
        let later = xianfeng_storage::retry::retrying(|| async {
            let mut tx = two.begin("office").await?;
            tx.correct_member(two, c.zhang_wei, &row("张伟")).await?;
            tx.commit().await
        });
        let later = support::while_uncommitted(first, later).await;
        assert!(
            matches!(later, Err(StoreError::Conflict(_))),
            "{}: {later:?}",
            db.label
        );
    }
}

/// One list of models imported twice at once (two offices, two servers) adds each entry
/// once: the later import finds it listed and leaves it. The second import runs while the
/// first is written and not yet committed.
#[tokio::test]
async fn a_model_list_imported_twice_at_once_adds_each_entry_once() {
    use xianfeng_domain::model_library::{ModelLevel, ModelSource, ModelStatus};
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let (campaign, _) = xianfeng_app::scope::campaign(one).await.unwrap();
        let b1 = one.registry().org_by_code("B1").await.unwrap().unwrap().id;
        let mut first = one.begin("office").await.unwrap();
        let added = first
            .add_model_unless_listed(&xianfeng_storage::NewModel {
                campaign_id: campaign,
                name: "第一党支部".into(),
                org_id: b1,
                level: ModelLevel::County,
                source: ModelSource::Recommended,
                nomination_id: None,
                summary: "为民服务".into(),
                deeds: String::new(),
                status: ModelStatus::InLibrary,
                subjects: vec![(SubjectKind::Organisation, b1)],
                tags: vec![],
            })
            .await
            .unwrap();
        assert!(added.is_some());
        let list = "名称,类别,组织编码,级别,简介\n第一党支部,组织,B1,区级,为民服务\n";
        let committing = support::committing();
        let later = again(|| {
            xianfeng_app::publicity::import::import_models(
                two,
                xianfeng_ingest::from_csv_bytes(list.into()).unwrap(),
                &committing,
            )
        });
        let later = support::while_uncommitted(first, later).await;
        let report = later.unwrap_or_else(|e| panic!("{}: {e:?}", db.label));
        assert_eq!(report.outcome.inserted, 0, "{}", db.label);
        let entries = one
            .publicity()
            .models_of_subject(SubjectKind::Organisation, b1)
            .await
            .unwrap();
        assert_eq!(entries.len(), 1, "{}", db.label);
    }
}

/// Files for one nomination sent from two tabs at once (two servers) are counted together
/// against the ten a nomination may hold: six and six again is refused, not twelve kept.
/// The second upload is sent while the first is written and not yet committed.
#[tokio::test]
async fn files_sent_at_once_are_held_to_the_limit_together() {
    use xianfeng_app::files::{Upload, prepare_file};
    use xianfeng_app::selection::{MAX_NOMINATION_FILES, attach, nominate};
    use xianfeng_storage::FilesOf;
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        xianfeng_testkit::use_simple_selection_campaign(one).await;
        let pw = principal(one, "wang").await;
        let wang = actor("wang", &pw);
        let id = nominate(
            one,
            &Scores::new(),
            Some(&wang),
            &support::deeds(c.wang_fang, "B1"),
            day("2012-06-25"),
        )
        .await
        .unwrap();
        let six: Vec<Upload> = (1..=6)
            .map(|n| Upload {
                file_name: format!("事迹材料{n}.pdf"),
                bytes: b"%PDF-1.4".to_vec(),
            })
            .collect();
        let mut first = one.begin("wang").await.unwrap();
        assert_eq!(first.files_held(FilesOf::Nomination, id).await.unwrap(), 0);
        let mut ids = vec![];
        for u in &six {
            ids.push(
                first
                    .add_attachment(&prepare_file(u).unwrap())
                    .await
                    .unwrap(),
            );
        }
        first.attach_to_nomination(id, &ids).await.unwrap();
        let later = again(|| attach(two, Some(&wang), id, &six));
        let later = support::while_uncommitted(first, later).await;
        assert!(
            matches!(later, Err(AppError::Input(_))),
            "{}: {later:?}",
            db.label
        );
        let held = one.selection().nomination_attachments(id).await.unwrap();
        assert!(held.len() <= MAX_NOMINATION_FILES, "{}", db.label);
        assert_eq!(held.len(), 6, "{}", db.label);
    }
}

/// A nomination's library entry looked for and made by two servers at once, the second
/// while the first is written and not yet committed: the second finds the first's entry
/// (the nomination is locked while it looks), at serializable isolation too, where the
/// waiting transaction is run again rather than keep its old view (B25, deterministic).
#[tokio::test]
async fn a_library_entry_looked_for_twice_at_once_is_made_once() {
    use xianfeng_domain::model_library::{ModelLevel, ModelSource, ModelStatus};
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let (up, _) = on_notice(one, c.wang_fang).await;
        let (campaign, _) = xianfeng_app::scope::campaign(one).await.unwrap();
        let b1 = one.registry().org_by_code("B1").await.unwrap().unwrap().id;
        let entry = xianfeng_storage::NewModel {
            campaign_id: campaign,
            name: "王芳".into(),
            org_id: b1,
            level: ModelLevel::City,
            source: ModelSource::Commended,
            nomination_id: Some(up),
            summary: "为民服务".into(),
            deeds: String::new(),
            status: ModelStatus::InLibrary,
            subjects: vec![(SubjectKind::Member, c.wang_fang)],
            tags: vec![],
        };
        let mut first = one.begin("office").await.unwrap();
        assert!(!first.nomination_has_model(up).await.unwrap());
        first.add_model(&entry).await.unwrap();
        let later = xianfeng_storage::retry::retrying(|| async {
            let mut tx = two.begin("office").await?;
            let had = tx.nomination_has_model(up).await?;
            if !had {
                tx.add_model(&entry).await?;
            }
            tx.commit().await?;
            Ok(had)
        });
        let later = support::while_uncommitted(first, later).await;
        assert!(
            later.unwrap_or_else(|e| panic!("{}: {e}", db.label)),
            "{}: the second found the first's entry",
            db.label
        );
    }
}

/// The first finding of one checklist item saved twice at once (two inspectors of one
/// task, two servers) is one finding, the later save a change of it — at serializable
/// isolation too. The second is sent while the first is written and not yet committed.
#[tokio::test]
async fn a_first_finding_saved_twice_at_once_is_one_finding() {
    use xianfeng_domain::inspection::Judgement;
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let drawn = support::drawn_task(one).await;
        let (task, item) = (drawn.task, &drawn.items[0]);
        let mut first = one.begin("dc-a").await.unwrap();
        let found = first
            .save_finding(task, item, Judgement::Meets, "", &[])
            .await
            .unwrap();
        let later = xianfeng_storage::retry::retrying(|| async {
            let mut tx = two.begin("dc-b").await?;
            let id = tx
                .save_finding(task, item, Judgement::Fails, "会议记录不全", &[])
                .await?;
            tx.commit().await?;
            Ok(id)
        });
        let later = support::while_uncommitted(first, later).await;
        assert_eq!(
            later.unwrap_or_else(|e| panic!("{}: {e}", db.label)),
            found,
            "{}: the same finding",
            db.label
        );
        let findings = one.inspections().findings(task).await.unwrap();
        let of_item: Vec<_> = findings.iter().filter(|f| &f.item == item).collect();
        assert_eq!(of_item.len(), 1, "{}", db.label);
        assert_eq!(of_item[0].judgement, Judgement::Fails, "{}", db.label);
    }
}
