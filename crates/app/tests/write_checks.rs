//! Rules that a write checks and then acts on, run from two stores at once — two servers of
//! a cluster on one database (issue 22). Each rule holds because the check and the write
//! share a lock in the database (`storage::locks`), not because every writer of every
//! server queues on one row: on PostgreSQL the two writes really meet; on SQLite they take
//! turns at the one writer, and the rule must hold all the same. Under serializable
//! isolation the database may refuse one of two writes that meet (40001): each is then run
//! again, whole, as the web's retry layer serves a request again ([`again`]).

use chrono::Datelike;
use xianfeng_app::AppError;
use xianfeng_app::scores::Scores;
use xianfeng_app::selection::{ObjectionInput, StepInput, nominate, object, recommend, step};
use xianfeng_domain::selection::{Stage, Step};
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::Store;
use xianfeng_testkit::{backends, id, today, use_simple_selection_campaign};

mod support;
use support::{actor, city, day, deeds, library_entry, on_notice, principal};

use xianfeng_app::retry::again;

/// Branch B1 has one place for the honour: two nominations of two of its members sent at
/// once through two servers get one place between them; and one member nominated at once
/// by her branch and by the street committee is nominated once.
#[tokio::test]
async fn a_quota_and_one_nomination_per_subject_hold_across_two_servers() {
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        use_simple_selection_campaign(one).await;
        let pw = principal(one, "wang").await;
        let wang = actor("wang", &pw);
        let on = day("2012-06-25");
        let (s1, s2) = (Scores::new(), Scores::new());
        let (fang, wei) = (deeds(c.wang_fang, "B1"), deeds(c.zhang_wei, "B1"));
        let (a, b) = tokio::join!(
            again(|| nominate(one, &s1, Some(&wang), &fang, on)),
            again(|| nominate(two, &s2, Some(&wang), &wei, on)),
        );
        assert_eq!(
            [a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(),
            1,
            "{}: {a:?} {b:?}",
            db.label
        );
        let held = one
            .selection()
            .nominations(one.campaigns().current().await.unwrap().unwrap().0, None)
            .await
            .unwrap();
        assert_eq!(held.len(), 1, "{}", db.label);

        // 李强 of B2, nominated at once by B2 and by T1 above it.
        let b2 = one.registry().org_by_code("B2").await.unwrap().unwrap();
        let li_qiang = one.registry().members_of_org(b2.id, 10, 0).await.unwrap()[0].id;
        let (by_branch, from_above) = (deeds(li_qiang, "B2"), deeds(li_qiang, "T1"));
        let (a, b) = tokio::join!(
            again(|| nominate(one, &s1, None, &by_branch, on)),
            again(|| nominate(two, &s2, None, &from_above, on)),
        );
        assert_eq!(
            [a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(),
            1,
            "{}: {a:?} {b:?}",
            db.label
        );
    }
}

/// Three objections an hour from one place: six sent at once through two servers are
/// three stored, three refused.
#[tokio::test]
async fn three_objections_an_hour_from_one_place_across_two_servers() {
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let (up, notice) = on_notice(one, c.wang_fang).await;
        let raise = |store: Store| async move {
            let o = ObjectionInput {
                notice_id: notice,
                nomination_id: up,
                content: "反映该同志服务时长有夸大。",
                name: "赵敏",
                contact: "13900000000",
                source: "10.0.0.9",
            };
            let at = chrono::Utc::now().timestamp_millis();
            again(|| object(&store, &o, day("2012-07-03"), at)).await
        };
        let sent: Vec<_> = (0..6)
            .map(|i| {
                let store = if i % 2 == 0 { one.clone() } else { two.clone() };
                tokio::spawn(raise(store))
            })
            .collect();
        let mut taken = 0;
        for s in sent {
            match s.await.unwrap() {
                Ok(_) => taken += 1,
                Err(AppError::Input(_)) => {}
                Err(other) => panic!("{}: {other:?}", db.label),
            }
        }
        assert_eq!(taken, 3, "{}", db.label);
    }
}

/// A team has one principal leader: two cadres made principal at once through two servers
/// leave one of them principal.
#[tokio::test]
async fn one_principal_leader_when_two_are_named_at_once() {
    use xianfeng_app::teams::{CadreForm, TeamForm, add_cadre, create_team, make_head};
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let ps = principal(one, "staff").await;
        let staff = actor("staff", &ps);
        let team = create_team(
            one,
            &staff,
            "T1",
            &TeamForm {
                name: "街道党工委班子".into(),
                category: String::new(),
            },
        )
        .await
        .unwrap();
        let cadre = |name: &str, id17: &str| CadreForm {
            name: name.into(),
            id_number: id(id17),
            position: "副书记".into(),
            is_head: String::new(),
            since: "2021-06-01".into(),
        };
        let zhou = add_cadre(
            one,
            &staff,
            team,
            &cadre("周建国", "41080219720304001"),
            today(),
        )
        .await
        .unwrap();
        let qian = add_cadre(
            one,
            &staff,
            team,
            &cadre("钱卫东", "41080219750607002"),
            today(),
        )
        .await
        .unwrap();
        let (a, b) = tokio::join!(
            again(|| make_head(one, &staff, zhou)),
            again(|| make_head(two, &staff, qian))
        );
        a.unwrap();
        b.unwrap();
        let heads = one
            .registry()
            .cadres_of_team(team)
            .await
            .unwrap()
            .into_iter()
            .filter(|c| c.is_head)
            .count();
        assert_eq!(heads, 1, "{}", db.label);
    }
}

/// A new activation code puts the ones before out of use: two issued at once through two
/// servers leave one usable.
#[tokio::test]
async fn two_activation_codes_issued_at_once_leave_one_usable() {
    use xianfeng_app::activation::reset;
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let ps = principal(one, "staff").await;
        let staff = actor("staff", &ps);
        let now = chrono::Utc::now().timestamp_millis();
        let (a, b) = tokio::join!(
            again(|| reset(one, &staff, "wang", 7, now)),
            again(|| reset(two, &staff, "wang", 7, now))
        );
        a.unwrap();
        b.unwrap();
        let raw = db.raw().await;
        let usable: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM activation_codes a JOIN users u ON u.id = a.user_id \
             WHERE u.username = 'wang' AND a.used_at IS NULL",
        )
        .fetch_one(&raw)
        .await
        .unwrap();
        assert_eq!(usable, 1, "{}", db.label);
    }
}

/// A review of a period being closed is either in the period's snapshot or refused: never
/// stored and left out.
#[tokio::test]
async fn a_review_written_as_its_period_closes_is_in_the_snapshot_or_refused() {
    use xianfeng_app::reviews::{ReviewInput, assign, write};
    use xianfeng_app::scores;
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let ps = principal(one, "staff").await;
        let staff = actor("staff", &ps);
        support::add_reviewer(one, "leader").await;
        let pl = principal(one, "leader").await;
        let leader = actor("leader", &pl);
        assign(one, &staff, "leader", SubjectKind::Member, c.zhang_wei)
            .await
            .unwrap();
        let now = day("2011-03-01");
        let review = ReviewInput {
            period: "2010",
            grade: "good",
            comment: "点评",
        };
        let (closed, written) = tokio::join!(
            again(|| scores::close(one, None, "2010", now)),
            again(|| write(two, &leader, SubjectKind::Member, c.zhang_wei, &review, now))
        );
        closed.unwrap();
        let (campaign_id, campaign) = xianfeng_app::scope::campaign(one).await.unwrap();
        let period = campaign.period("2010").unwrap();
        let frozen = scores::compute(one, campaign_id, campaign, &period, now)
            .await
            .unwrap();
        let kb = frozen.kind(SubjectKind::Member);
        // No value is NaN (`scoring::NONE`).
        let reviewed = !kb.sheet.review[kb.slot(c.zhang_wei).unwrap()].is_nan();
        match written {
            Ok(_) => assert!(reviewed, "{}: stored but not in the snapshot", db.label),
            Err(AppError::Input(m)) => {
                assert!(!reviewed, "{}: refused ({m:?}) yet in it", db.label)
            }
            Err(other) => panic!("{}: {other:?}", db.label),
        }
    }
}

/// An organisation closed while a member is added to it through another server: either
/// the close is refused for the member, or the member for the close — never a closed
/// branch with a current member.
#[tokio::test]
async fn a_branch_closed_as_a_member_arrives_is_never_closed_with_her() {
    use xianfeng_app::import::import_orgs;
    use xianfeng_app::members::{MemberForm, add_member};
    use xianfeng_app::registry::close_org;
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let opts = support::committing();
        let orgs = "组织编码,组织名称,上级组织编码,组织类别\nB3,第三党支部,T1,党支部\n";
        import_orgs(
            one,
            xianfeng_ingest::from_csv_bytes(orgs.into()).unwrap(),
            &opts,
            &xianfeng_app::Silent,
        )
        .await
        .unwrap();
        let ps = principal(one, "staff").await;
        let staff = actor("staff", &ps);
        let zhao = MemberForm {
            name: "赵敏".into(),
            id_number: id("41080219950505004"),
            joined_on: "2018-01-10".into(),
            member_type: "正式党员".into(),
            ..MemberForm::default()
        };
        let (closed, added) = tokio::join!(
            again(|| close_org(one, &staff, "B3", today(), None, today())),
            again(|| add_member(two, &staff, "B3", &zhao, today()))
        );
        let b3 = one.registry().org_by_code("B3").await.unwrap().unwrap();
        let current = one.registry().members_of_org(b3.id, 10, 0).await.unwrap();
        match (&closed, &added) {
            (Ok(()), Err(_)) => assert!(current.is_empty(), "{}", db.label),
            (Err(_), Ok(_)) => assert_eq!(current.len(), 1, "{}", db.label),
            other => panic!("{}: {other:?}", db.label),
        }
        assert_eq!(b3.closed_on.is_some(), closed.is_ok(), "{}", db.label);
    }
}

/// A committee moved to another district while a branch is imported under it through
/// another server: the new branch's path is under its committee's wherever that ended up.
#[tokio::test]
async fn a_branch_imported_under_a_committee_being_moved_follows_it() {
    use xianfeng_app::import::import_orgs;
    use xianfeng_app::registry::move_org;
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let opts = support::committing();
        let sheet = |text: &'static str| xianfeng_ingest::from_csv_bytes(text.into()).unwrap();
        let header = "组织编码,组织名称,上级组织编码,组织类别\n";
        let district = format!("{header}C2,中共另一区委员会,,县(市、区)委\n");
        import_orgs(
            one,
            sheet(Box::leak(district.into_boxed_str())),
            &opts,
            &xianfeng_app::Silent,
        )
        .await
        .unwrap();
        let branch: &'static str =
            Box::leak(format!("{header}B3,第三党支部,T1,党支部\n").into_boxed_str());
        let (moved, imported) = tokio::join!(
            again(|| move_org(one, "test", "T1", "C2")),
            again(|| import_orgs(two, sheet(branch), &opts, &xianfeng_app::Silent))
        );
        moved.unwrap();
        assert!(imported.unwrap().committed, "{}", db.label);
        let orgs = one.registry().all_orgs().await.unwrap();
        for o in &orgs {
            if let Some(parent) = o.parent_id.and_then(|p| orgs.iter().find(|x| x.id == p)) {
                assert!(
                    o.path.starts_with(&parent.path) && o.path != parent.path,
                    "{}: {} at {} under {} at {}",
                    db.label,
                    o.code,
                    o.path,
                    parent.code,
                    parent.path
                );
            }
        }
    }
}

/// A nomination recommended upward is decided above: taking it back at the same moment
/// through another server must not free its place while the recommendation goes on. One
/// of the two gets through, never both.
#[tokio::test]
async fn a_nomination_recommended_up_as_it_is_withdrawn_is_one_or_the_other() {
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        use_simple_selection_campaign(one).await;
        let (pw, ps) = (principal(one, "wang").await, principal(one, "staff").await);
        let (wang, staff) = (actor("wang", &pw), actor("staff", &ps));
        let scores = Scores::new();
        let on = day("2012-06-25");
        let id = nominate(one, &scores, Some(&wang), &deeds(c.wang_fang, "B1"), on)
            .await
            .unwrap();
        let agreed = StepInput {
            note: "同意".into(),
            ..Default::default()
        };
        for s in [Step::Assess, Step::Approve] {
            step(one, Some(&staff), id, s, &agreed, on).await.unwrap();
        }
        let taken_back = StepInput {
            note: "本人申请撤回".into(),
            ..Default::default()
        };
        let (up, back) = tokio::join!(
            again(|| recommend(one, &scores, Some(&staff), id, "excellent-member", on)),
            again(|| step(two, Some(&wang), id, Step::Withdraw, &taken_back, on)),
        );
        assert!(
            up.is_ok() != back.is_ok(),
            "{}: exactly one of {up:?} and {back:?}",
            db.label
        );
        let stage = one.selection().nomination(id).await.unwrap().unwrap().stage;
        let child = one.selection().recommended_on(id).await.unwrap();
        match up {
            Ok(up) => {
                assert_eq!(child, Some(up), "{}", db.label);
                assert_ne!(stage, Stage::Withdrawn, "{}", db.label);
            }
            Err(_) => {
                assert_eq!(child, None, "{}", db.label);
                assert_eq!(stage, Stage::Withdrawn, "{}", db.label);
            }
        }
    }
}

/// A speaker is in one place at a time: two delegations that share her, booked for the
/// same morning at once through two servers, get one session between them.
#[tokio::test]
async fn a_speaker_booked_twice_at_once_speaks_once() {
    use xianfeng_app::actor::Who;
    use xianfeng_app::publicity::tours::{DelegationInput, SessionInput, create, schedule};
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let speaker = library_entry(one).await;
        let op = Who::operator();
        let delegation = |name: &str| DelegationInput {
            org_code: "C1".into(),
            name: name.into(),
            theme: "身边的榜样".into(),
            leader: "李团长".into(),
            speakers: vec![speaker],
        };
        let first = create(one, op, &delegation("区委宣讲团")).await.unwrap();
        let second = create(one, op, &delegation("街道宣讲团")).await.unwrap();
        let at = |h| day("2012-03-05").and_hms_opt(h, 0, 0).unwrap();
        let session = |delegation_id, host: &str| SessionInput {
            delegation_id,
            session_id: None,
            host_code: host.into(),
            venue: "党员活动室".into(),
            starts_at: at(9),
            ends_at: at(11),
            audience: 40,
            request_id: None,
        };
        let (a, b) = (session(first, "B1"), session(second, "B2"));
        let (a, b) = tokio::join!(
            again(|| schedule(one, op, &a)),
            again(|| schedule(two, op, &b)),
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
        let said = why.render(xianfeng_domain::i18n::Lang::En);
        assert!(said.contains("王芳 is booked with"), "{}: {said}", db.label);
    }
}

/// An entry withdrawn (a sanction, another server) between an editor's reading it and her
/// saving is not edited: the save is refused as "moved on", and the withdrawn entry keeps
/// what it said.
#[tokio::test]
async fn an_entry_withdrawn_while_it_is_edited_is_not_edited() {
    use xianfeng_app::actor::Who;
    use xianfeng_app::publicity::models::withdraw;
    use xianfeng_domain::model_library::ModelStatus;
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let id = library_entry(one).await;
        // The editor has the entry on her screen ...
        let read = one.publicity().model(id).await.unwrap().unwrap();
        // ... when it is withdrawn through the other server.
        withdraw(two, Who::operator(), id, "受到党纪处分")
            .await
            .unwrap();
        let mut edited = xianfeng_storage::NewModel {
            campaign_id: read.campaign_id,
            name: "王芳同志".into(),
            org_id: read.org_id,
            level: read.level,
            source: read.source,
            nomination_id: read.nomination_id,
            summary: read.summary.clone(),
            deeds: read.deeds.clone(),
            status: read.status,
            subjects: read.subjects.clone(),
            tags: read.tags.clone(),
        };
        edited.summary.push_str("，事迹突出");
        let mut tx = one.begin("office").await.unwrap();
        let saved = tx.edit_model(&read, &edited).await;
        assert!(
            matches!(saved, Err(xianfeng_storage::StoreError::Conflict(_))),
            "{}: {saved:?}",
            db.label
        );
        drop(tx);
        let now = one.publicity().model(id).await.unwrap().unwrap();
        assert_eq!(now.status, ModelStatus::Withdrawn, "{}", db.label);
        assert_eq!(now.name, read.name, "{}", db.label);
    }
}

/// A request for a session is answered once: two offices answering it at once through two
/// servers leave one session for it, the other told so; and a cancelled session is not
/// moved back into the schedule.
#[tokio::test]
async fn a_request_is_answered_once_and_a_cancelled_session_stays_cancelled() {
    use xianfeng_app::actor::Who;
    use xianfeng_app::publicity::tours::{SessionInput, cancel, request, schedule};
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let speaker = library_entry(one).await;
        let op = Who::operator();
        let delegation = support::delegation_of(one, speaker).await;
        let asked = request(one, op, delegation, "B1", "三月上旬", 40, "")
            .await
            .unwrap();
        let session = |day_of_march: u32, request_id| SessionInput {
            delegation_id: delegation,
            session_id: None,
            host_code: "B1".into(),
            venue: "党员活动室".into(),
            starts_at: day("2012-03-01")
                .with_day(day_of_march)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
            ends_at: day("2012-03-01")
                .with_day(day_of_march)
                .unwrap()
                .and_hms_opt(11, 0, 0)
                .unwrap(),
            audience: 40,
            request_id,
        };
        let (a, b) = (session(5, Some(asked)), session(6, Some(asked)));
        let (a, b) = tokio::join!(
            again(|| schedule(one, op, &a)),
            again(|| schedule(two, op, &b)),
        );
        assert_eq!(
            [a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(),
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
                .contains("already been given a session"),
            "{}",
            db.label
        );

        // Cancelled, then moved from a page opened before: refused, still cancelled.
        let held = schedule(one, op, &session(20, None)).await.unwrap();
        cancel(two, op, held).await.unwrap();
        let moved = SessionInput {
            session_id: Some(held),
            ..session(21, None)
        };
        let refused = schedule(one, op, &moved).await.unwrap_err();
        let AppError::Store(xianfeng_storage::StoreError::Conflict(why)) = &refused else {
            panic!("{}: {refused:?}", db.label);
        };
        assert!(
            why.render(xianfeng_domain::i18n::Lang::En)
                .contains("cancelled"),
            "{}",
            db.label
        );
        let kept = one.publicity().session(held).await.unwrap().unwrap();
        assert!(kept.cancelled, "{}", db.label);
        assert_eq!(kept.starts_at.date(), day("2012-03-20"), "{}", db.label);
    }
}

/// A good practice moves one step at a time: "return" and "publish" sent at once through
/// two servers leave it returned or published, never published with a return reason; and
/// an edit of a practice published since the editor opened it is refused.
#[tokio::test]
async fn a_practice_is_returned_or_published_and_not_edited_once_published() {
    use xianfeng_app::actor::Who;
    use xianfeng_app::publicity::practices::{PracticeInput, edit, practice, step, submit};
    use xianfeng_domain::practice::{PracticeStatus, PracticeStep};
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let op = Who::operator();
        let written = PracticeInput {
            org_code: "B1".into(),
            title: "“党员中心户”联系群众".into(),
            summary: "每名党员联系十户群众".into(),
            body: "做法、成效与体会。".into(),
            standard: String::new(),
        };
        let id = submit(one, op, &written).await.unwrap();
        step(one, op, id, PracticeStep::Accept, "").await.unwrap();
        let (back, out) = tokio::join!(
            again(|| step(one, op, id, PracticeStep::Return, "请补充成效数据")),
            again(|| step(two, op, id, PracticeStep::Publish, "")),
        );
        assert_eq!(
            [back.is_ok(), out.is_ok()].iter().filter(|ok| **ok).count(),
            1,
            "{}: {back:?} {out:?}",
            db.label
        );
        let now = practice(one, op, id).await.unwrap();
        match now.status {
            PracticeStatus::Published => assert!(out.is_ok(), "{}", db.label),
            PracticeStatus::Returned => assert!(back.is_ok(), "{}", db.label),
            other => panic!("{}: {other:?}", db.label),
        }

        // Another practice, opened for editing, published meanwhile through the other server.
        let id = submit(one, op, &written).await.unwrap();
        step(one, op, id, PracticeStep::Accept, "").await.unwrap();
        let read = practice(one, op, id).await.unwrap();
        step(two, op, id, PracticeStep::Publish, "").await.unwrap();
        let new = xianfeng_storage::NewPractice {
            campaign_id: read.campaign_id,
            org_id: read.org_id,
            title: "改后的标题".into(),
            summary: read.summary.clone(),
            body: read.body.clone(),
            standard: read.standard.clone(),
        };
        let mut tx = one.begin("office").await.unwrap();
        let saved = tx.edit_practice(&read, &new).await;
        assert!(
            matches!(saved, Err(xianfeng_storage::StoreError::Conflict(_))),
            "{}: {saved:?}",
            db.label
        );
        drop(tx);
        assert_eq!(practice(one, op, id).await.unwrap().title, read.title);
        // The page's own path says why, in the reader's language.
        let refused = edit(one, op, id, &written).await.unwrap_err();
        assert!(
            matches!(refused, AppError::Input(_)),
            "{}: {refused:?}",
            db.label
        );
    }
}

/// Exclusions from a spot-check plan's population are neither lost nor left out: two
/// offices excluding a branch each at once through two servers keep both (or the later is
/// told to look again), and a branch excluded as the population is published is not in the
/// published population.
#[tokio::test]
async fn exclusions_from_a_plan_are_kept_and_published_with_it() {
    use xianfeng_app::inspections::{self, PlanRequest, Who};
    use xianfeng_domain::draw::Allocation;
    use xianfeng_domain::inspection::{PlanKind, PlanSpec, Population, Strata};
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let office = Who::operator();
        let request = PlanRequest {
            spec: PlanSpec {
                name: "七月抽查".into(),
                kind: PlanKind::Random,
                scope: "C1".into(),
                population: Population::Branches,
                strata: Strata::County,
                allocation: Allocation::PerStratum(1),
                per_target: 1,
                cap: 5,
                publish_results_at_once: false,
                targets: vec![],
                replaces: None,
            },
            visits_from: None,
            visits_to: None,
        };
        let codes = |c: &str| vec![c.to_string()];
        let (b1, b2) = (codes("B1"), codes("B2"));

        let plan = inspections::create(one, office, &request).await.unwrap();
        let (a, b) = tokio::join!(
            again(|| inspections::exclude(one, office, plan, &b1)),
            again(|| inspections::exclude(two, office, plan, &b2)),
        );
        let kept = one
            .inspections()
            .plan(plan)
            .await
            .unwrap()
            .unwrap()
            .excluded;
        for (done, code) in [(&a, "B1"), (&b, "B2")] {
            match done {
                Ok(()) => assert!(kept.contains(&code.to_string()), "{}: {kept:?}", db.label),
                Err(AppError::Store(xianfeng_storage::StoreError::Conflict(_))) => {}
                Err(other) => panic!("{}: {other:?}", db.label),
            }
        }
        assert!(a.is_ok() || b.is_ok(), "{}", db.label);

        let plan = inspections::create(one, office, &request).await.unwrap();
        let (left_out, published) = tokio::join!(
            again(|| inspections::exclude(one, office, plan, &b1)),
            again(|| inspections::publish(two, office, plan)),
        );
        let p = one.inspections().plan(plan).await.unwrap().unwrap();
        if published.is_ok() {
            let frozen = p.frozen.expect("a published plan keeps its population");
            let in_it = frozen.entries.contains_key("B1");
            assert_eq!(in_it, left_out.is_err(), "{}: {left_out:?}", db.label);
        } else {
            assert!(left_out.is_ok(), "{}: {published:?}", db.label);
        }
    }
}

/// An inspection's findings are final once its task is submitted: a finding changed to
/// "fails" as a colleague submits through another server is either refused, or in before
/// the submission and given its rectification item — never a failing finding without one.
#[tokio::test]
async fn a_finding_changed_as_its_task_is_submitted_is_refused_or_rectified() {
    use xianfeng_app::inspections::{Who, tasks};
    use xianfeng_domain::inspection::Judgement;
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let support::DrawnTask {
            plan,
            task,
            campaign_id,
            campaign,
            items,
        } = support::drawn_task(one).await;
        let inspector = Who {
            username: "dc-a",
            principal: None,
        };
        let visited = day("2010-07-01");
        for item in &items {
            let meets = tasks::FindingInput {
                item,
                judgement: Judgement::Meets,
                note: "",
                photos: vec![],
            };
            tasks::record_finding(one, &campaign, inspector, task, meets)
                .await
                .unwrap();
        }
        let fails = || tasks::FindingInput {
            item: &items[0],
            judgement: Judgement::Fails,
            note: "实施方案未审批",
            photos: vec![],
        };
        let (changed, submitted) = tokio::join!(
            again(|| tasks::record_finding(one, &campaign, inspector, task, fails())),
            again(|| tasks::submit(two, &campaign, campaign_id, inspector, task, visited)),
        );
        submitted.unwrap();
        let finding = one
            .inspections()
            .findings(task)
            .await
            .unwrap()
            .into_iter()
            .find(|f| f.item == items[0])
            .unwrap();
        let rectified = one
            .inspections()
            .rectifications_of_plan(plan)
            .await
            .unwrap()
            .iter()
            .any(|r| r.item == items[0]);
        if changed.is_ok() {
            assert_eq!(finding.judgement, Judgement::Fails, "{}", db.label);
            assert!(rectified, "{}: a failing finding has its item", db.label);
        } else {
            assert_eq!(
                finding.judgement,
                Judgement::Meets,
                "{}: {changed:?}",
                db.label
            );
            assert!(!rectified, "{}", db.label);
        }
        // The inspector's page was read before the submission: her save, reaching the
        // database after it, is refused there.
        let mut tx = one.begin("dc-a").await.unwrap();
        let late = tx
            .save_finding(task, &items[1], Judgement::Fails, "会议记录不全", &[])
            .await;
        assert!(
            matches!(late, Err(xianfeng_storage::StoreError::Conflict(_))),
            "{}: {late:?}",
            db.label
        );
    }
}

/// One person added at once to two branches through two servers is registered in one of
/// them: the other is told she is registered elsewhere, and she is never moved silently
/// from the branch that added her; the branches' counts are the members they hold.
#[tokio::test]
async fn a_person_added_to_two_branches_at_once_is_in_one() {
    use xianfeng_app::members::{MemberForm, add_member};
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let ps = principal(one, "staff").await;
        let staff = actor("staff", &ps);
        let zhao = MemberForm {
            name: "赵敏".into(),
            id_number: id("41080219950505004"),
            joined_on: "2025-01-10".into(),
            member_type: "预备党员".into(),
            ..MemberForm::default()
        };
        let (in_b1, in_b2) = tokio::join!(
            again(|| add_member(one, &staff, "B1", &zhao, today())),
            again(|| add_member(two, &staff, "B2", &zhao, today())),
        );
        assert_eq!(
            [in_b1.is_ok(), in_b2.is_ok()]
                .iter()
                .filter(|ok| **ok)
                .count(),
            1,
            "{}: {in_b1:?} {in_b2:?}",
            db.label
        );
        let kept = if in_b1.is_ok() { "B1" } else { "B2" };
        let her = one
            .registry()
            .member_by_id_number(&zhao.id_number)
            .await
            .unwrap()
            .unwrap();
        let org = one.registry().org_by_code(kept).await.unwrap().unwrap();
        assert_eq!(her.org_id, org.id, "{}", db.label);
        support::assert_counts_hold(one, &["B1", "B2"], db.label).await;
    }
}

/// A correction of a member's record sent as her transfer is accepted through another
/// server does not move her back: she is where the transfer took her, and each branch
/// counts the members it holds.
#[tokio::test]
async fn a_record_corrected_as_its_member_moves_does_not_move_her_back() {
    use xianfeng_app::members::{MemberForm, correct_member, start_transfer, step_transfer};
    use xianfeng_domain::member_changes::TransferStep;
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let ps = principal(one, "staff").await;
        let staff = actor("staff", &ps);
        start_transfer(one, &staff, c.wang_fang, "B2", "工作调动")
            .await
            .unwrap();
        let transfer = one
            .registry()
            .transfers_of_member(c.wang_fang)
            .await
            .unwrap()[0]
            .id;
        let her = one.registry().member(c.wang_fang).await.unwrap().unwrap();
        let mut corrected = MemberForm::of(&her);
        corrected.position = "组织委员".into();
        let (moved, fixed) = tokio::join!(
            again(|| step_transfer(one, &staff, transfer, TransferStep::Accept, "")),
            again(|| correct_member(two, &staff, c.wang_fang, &corrected, today())),
        );
        moved.unwrap();
        if let Err(e) = &fixed {
            assert!(
                matches!(
                    e,
                    AppError::Store(xianfeng_storage::StoreError::Conflict(_))
                ),
                "{}: {e:?}",
                db.label
            );
        }
        let b2 = one.registry().org_by_code("B2").await.unwrap().unwrap();
        let now = one.registry().member(c.wang_fang).await.unwrap().unwrap();
        assert_eq!(now.org_id, b2.id, "{}: moved back", db.label);
        support::assert_counts_hold(one, &["B1", "B2"], db.label).await;
    }
}

/// A candidate on notice is commended as a sanction against her is recorded through another
/// server: either the commendation is refused, or it went first and the sanction withdraws
/// her library entry — never a sanctioned member commended and in the library.
#[tokio::test]
async fn a_sanction_recorded_as_the_candidate_is_commended_leaves_no_sanctioned_model() {
    use xianfeng_domain::model_library::ModelStatus;
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
        let (commended, sanctioned) = tokio::join!(
            again(|| step(
                one,
                Some(&office),
                up,
                Step::Commend,
                &commend,
                day("2012-07-10")
            )),
            again(|| xianfeng_app::selection::record_sanction(
                two,
                None,
                c.wang_fang,
                day("2012-07-09"),
                "警告",
                ""
            )),
        );
        sanctioned.unwrap();
        let campaign = one.campaigns().current().await.unwrap().unwrap().0;
        let entry = one
            .publicity()
            .models(&xianfeng_storage::ModelFilter {
                campaign_id: campaign,
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.nomination_id == Some(up));
        match commended {
            Ok(_) => {
                let entry = entry.expect("a commended candidate enters the library");
                assert_eq!(entry.status, ModelStatus::Withdrawn, "{}", db.label);
            }
            Err(_) => assert!(entry.is_none(), "{}", db.label),
        }
    }
}
