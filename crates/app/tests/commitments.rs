//! Public commitments through their whole life, on every backend, as the accounts that
//! take each step: who may, what is refused, and what is recorded.

use xianfeng_app::AppError;
use xianfeng_app::commitments::{self, StepInput};
use xianfeng_app::files::Upload;
use xianfeng_domain::commitment::{ItemDraft, Outcome, Status, Step};
use xianfeng_domain::role::Role;
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::NewUser;
use xianfeng_testkit::{backends, id};

mod support;
use support::{actor, add_reviewer, city, day, principal};

fn items() -> Vec<ItemDraft> {
    vec![
        ItemDraft {
            activity: "study".into(),
            content: "系统学习党章和十七届四中全会精神".into(),
            target: "全年自学不少于40学时".into(),
            due_on: day("2010-12-31"),
        },
        ItemDraft {
            activity: "service".into(),
            content: "为社区孤寡老人义务服务".into(),
            target: "每月不少于4小时".into(),
            due_on: day("2011-06-30"),
        },
    ]
}

/// A JPEG as a phone writes it, with its GPS position in the Exif block.
fn phone_photo() -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    let seg = |marker: u8, payload: &[u8]| {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(payload);
        s
    };
    j.extend(seg(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
    j.extend(seg(0xE1, b"Exif\0\0GPSLatitude 35.2155N"));
    j.extend(seg(0xDA, &[1, 2, 3]));
    j.extend_from_slice(&[0x12, 0xFF, 0xD9]);
    j
}

#[tokio::test]
async fn a_members_commitment_from_draft_to_evaluation() {
    for db in backends().await {
        let label = db.label;
        let c = city(db.open().await).await;
        let s = &c.store;
        let (fang, wei, wang, li) = (
            principal(s, "fang").await,
            principal(s, "wei").await,
            principal(s, "wang").await,
            principal(s, "li").await,
        );
        let (fang, wei, wang, li) = (
            actor("fang", &fang),
            actor("wei", &wei),
            actor("wang", &wang),
            actor("li", &li),
        );
        let now = day("2010-06-15");

        // A member writes her own commitment, not a colleague's.
        let id = commitments::draft(
            s,
            &fang,
            SubjectKind::Member,
            c.wang_fang,
            "我的承诺",
            &items(),
        )
        .await
        .unwrap();
        let other =
            commitments::draft(s, &fang, SubjectKind::Member, c.zhang_wei, "代写", &items()).await;
        assert!(
            matches!(other, Err(AppError::Forbidden)),
            "{label}: {other:?}"
        );
        // Her draft is hers: invisible to a colleague and to another branch.
        assert!(matches!(
            commitments::load(s, &wei, id).await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            commitments::load(s, &li, id).await,
            Err(AppError::NotFound)
        ));
        // A colleague may not edit it either.
        let edit = commitments::edit(s, &wei, id, "改了", &items()).await;
        assert!(matches!(edit, Err(AppError::NotFound)), "{edit:?}");

        // Out of order: publishing a draft is refused, and nothing changes.
        let early =
            commitments::step(s, &wang, id, Step::Publish, &StepInput::default(), now).await;
        assert!(
            matches!(&early, Err(AppError::Input(m)) if m.render(xianfeng_domain::i18n::Lang::ZhCn).contains("草稿")),
            "{early:?}"
        );
        assert_eq!(
            s.commitments()
                .commitment(id)
                .await
                .unwrap()
                .unwrap()
                .status,
            Status::Draft
        );

        let input = StepInput::default();
        commitments::step(s, &fang, id, Step::Submit, &input, now)
            .await
            .unwrap();
        // She may not approve her own; the secretary returns it, with a reason.
        let own = commitments::step(s, &fang, id, Step::Approve, &input, now).await;
        assert!(matches!(own, Err(AppError::Forbidden)), "{own:?}");
        let bare = commitments::step(s, &wang, id, Step::Return, &input, now).await;
        assert!(
            matches!(bare, Err(AppError::Input(_))),
            "a return needs a reason"
        );
        let because = StepInput {
            reason: Some("目标要可衡量".into()),
            ..Default::default()
        };
        assert_eq!(
            commitments::step(s, &wang, id, Step::Return, &because, now)
                .await
                .unwrap(),
            Status::Returned
        );
        let mut fixed = items();
        fixed[1].target = "每月不少于6小时，全年不少于70小时".into();
        commitments::edit(s, &fang, id, "我的承诺（修改稿）", &fixed)
            .await
            .unwrap();
        commitments::step(s, &fang, id, Step::Submit, &input, now)
            .await
            .unwrap();
        commitments::step(s, &wang, id, Step::Approve, &input, now)
            .await
            .unwrap();
        commitments::step(s, &wang, id, Step::Publish, &input, now)
            .await
            .unwrap();
        // Once public, the text is fixed.
        let late = commitments::edit(s, &fang, id, "偷偷改", &items()).await;
        assert!(matches!(late, Err(AppError::Input(_))), "{late:?}");

        // Progress with a photo: stored without its position.
        let (record, _) = commitments::load(s, &fang, id).await.unwrap();
        let first = record.items[0].id;
        commitments::report(
            s,
            &fang,
            id,
            Some(first),
            "已自学32学时",
            &[Upload {
                file_name: "学习笔记.jpg".into(),
                bytes: phone_photo(),
            }],
            now,
        )
        .await
        .unwrap();
        let reports = s.commitments().progress_reports(id).await.unwrap();
        let attachment = reports[0].attachments[0].id;
        let stored = s
            .commitments()
            .attachment(attachment)
            .await
            .unwrap()
            .unwrap();
        assert!(
            !String::from_utf8_lossy(&stored.content).contains("GPS"),
            "{label}"
        );
        assert!(
            commitments::evidence(s, &li, attachment).await.is_err(),
            "another branch"
        );
        // A file that is not what its name says is refused.
        let fake = commitments::report(
            s,
            &fang,
            id,
            None,
            "x",
            &[Upload {
                file_name: "photo.jpg".into(),
                bytes: b"%PDF-1.4".to_vec(),
            }],
            now,
        )
        .await;
        assert!(matches!(fake, Err(AppError::Input(_))), "{fake:?}");

        // Evaluation waits for every item.
        let judged = StepInput {
            reason: Some("尚早".into()),
            ..Default::default()
        };
        let early = commitments::step(s, &wang, id, Step::Evaluate, &judged, now).await;
        assert!(
            matches!(&early, Err(AppError::Input(m)) if m.render(xianfeng_domain::i18n::Lang::En).contains('2')),
            "{early:?}"
        );
        let second = record.items[1].id;
        let kept = |item| StepInput {
            item: Some((item, Outcome::Kept)),
            reason: None,
        };
        commitments::step(s, &wang, id, Step::CloseItem, &kept(first), now)
            .await
            .unwrap();
        let twice = commitments::step(s, &wang, id, Step::CloseItem, &kept(first), now).await;
        assert!(matches!(twice, Err(AppError::Input(_))));
        let not_kept_without_reason = StepInput {
            item: Some((second, Outcome::NotKept)),
            reason: None,
        };
        assert!(
            commitments::step(s, &wang, id, Step::CloseItem, &not_kept_without_reason, now)
                .await
                .is_err()
        );
        commitments::step(s, &wang, id, Step::CloseItem, &kept(second), now)
            .await
            .unwrap();
        let verdict = StepInput {
            reason: Some("较好地兑现了承诺".into()),
            ..Default::default()
        };
        commitments::step(s, &wang, id, Step::Evaluate, &verdict, now)
            .await
            .unwrap();
        let done = s.commitments().commitment(id).await.unwrap().unwrap();
        assert_eq!(done.status, Status::Evaluated);
        // A report prepared before the evaluation does not land after it.
        let mut tx = s.begin("fang").await.unwrap();
        let late = tx
            .add_progress(&record, None, "迟到的进展", "2010-06-16", &[])
            .await;
        assert!(late.is_err(), "{label}");
        tx.rollback().await.unwrap();
        assert_eq!(done.evaluation.as_deref(), Some("较好地兑现了承诺"));

        // The history names every step, who took it and why.
        let events = s.commitments().commitment_events(id).await.unwrap();
        let steps: Vec<(&str, &str)> = events
            .iter()
            .map(|e| (e.step.as_str(), e.actor.as_str()))
            .collect();
        assert_eq!(
            steps,
            [
                ("submit", "fang"),
                ("return", "wang"),
                ("submit", "fang"),
                ("approve", "wang"),
                ("publish", "wang"),
                ("close_item", "wang"),
                ("close_item", "wang"),
                ("evaluate", "wang"),
            ],
            "{label}"
        );
        assert_eq!(events[1].reason.as_deref(), Some("目标要可衡量"));
        assert!(s.audit().verify().await.unwrap().is_ok());
    }
}

#[tokio::test]
async fn a_branch_commitment_is_approved_above_the_branch_and_a_stale_step_is_refused() {
    for db in backends().await {
        let c = city(db.open().await).await;
        let s = &c.store;
        let (wang, staff) = (principal(s, "wang").await, principal(s, "staff").await);
        let wang = actor("wang", &wang);
        let staff = actor("staff", &staff);
        let b1 = s.registry().org_by_code("B1").await.unwrap().unwrap();
        let now = day("2010-06-15");
        let id = commitments::draft(
            s,
            &wang,
            SubjectKind::Organisation,
            b1.id,
            "支部承诺",
            &items(),
        )
        .await
        .unwrap();
        let input = StepInput::default();
        commitments::step(s, &wang, id, Step::Submit, &input, now)
            .await
            .unwrap();
        // The secretary does not approve her own branch: the street committee does.
        let own = commitments::step(s, &wang, id, Step::Approve, &input, now).await;
        assert!(
            matches!(own, Err(AppError::NotFound)),
            "{}: {own:?}",
            db.label
        );
        commitments::step(s, &staff, id, Step::Approve, &input, now)
            .await
            .unwrap();

        // Someone acting on what they saw before another's step is refused, not applied twice.
        let seen = s.commitments().commitment(id).await.unwrap().unwrap();
        commitments::step(s, &staff, id, Step::Publish, &input, now)
            .await
            .unwrap();
        let mut tx = s.begin("staff").await.unwrap();
        let stale = tx
            .step_commitment(&seen, Step::Publish, Status::Published, &Default::default())
            .await;
        assert!(stale.is_err(), "{}", db.label);
        tx.rollback().await.unwrap();
        assert_eq!(
            s.commitments().commitment_events(id).await.unwrap().len(),
            3
        );
        let drafts = s
            .commitments()
            .commitments_in(&[b1.id], &[Status::Published])
            .await
            .unwrap();
        assert_eq!(drafts.len(), 1);
        assert_eq!(drafts[0].items.len(), 2);
    }
}

#[tokio::test]
async fn figures_count_items_hours_and_reviews_per_subject_and_period() {
    use xianfeng_app::records::{Batch, enter};
    use xianfeng_app::reviews::{ReviewInput, assign, write};
    use xianfeng_storage::RecordKind;
    for db in backends().await {
        let c = city(db.open().await).await;
        let s = &c.store;
        let (fang, wang, staff) = (
            principal(s, "fang").await,
            principal(s, "wang").await,
            principal(s, "staff").await,
        );
        let fang = actor("fang", &fang);
        let wang = actor("wang", &wang);
        let staff = actor("staff", &staff);
        let now = day("2010-08-01");
        let id = commitments::draft(s, &fang, SubjectKind::Member, c.wang_fang, "承诺", &items())
            .await
            .unwrap();
        let input = StepInput::default();
        commitments::step(s, &fang, id, Step::Submit, &input, now)
            .await
            .unwrap();
        for step in [Step::Approve, Step::Publish] {
            commitments::step(s, &wang, id, step, &input, now)
                .await
                .unwrap();
        }
        // Item 1 is due in 2010 and kept; item 2 is due in 2011-h1.
        let first = s.commitments().commitment(id).await.unwrap().unwrap().items[0].id;
        let kept = StepInput {
            item: Some((first, Outcome::Kept)),
            reason: None,
        };
        commitments::step(s, &wang, id, Step::CloseItem, &kept, now)
            .await
            .unwrap();
        // The same member twice in one sitting is refused, and nothing is written.
        let twice = [
            (c.wang_fang, "2".to_string()),
            (c.wang_fang, "2".to_string()),
        ];
        let doubled = Batch {
            text: "党章",
            kind: "group",
            on: "2010-07-01",
            hours: &twice,
        };
        let refused = enter(s, &wang, RecordKind::Study, "B1", &doubled, now)
            .await
            .unwrap_err();
        let AppError::Input(why) = refused else {
            panic!("{}: {refused:?}", db.label);
        };
        assert!(
            why.render(xianfeng_domain::i18n::Lang::ZhCn)
                .contains("两次"),
            "{}",
            db.label
        );
        let b1 = s.registry().org_by_code("B1").await.unwrap().unwrap();
        assert!(
            s.records()
                .recent(RecordKind::Study, b1.id, 10)
                .await
                .unwrap()
                .is_empty(),
            "{}",
            db.label
        );
        let hours = [
            (c.wang_fang, "2.5".to_string()),
            (c.zhang_wei, "1".to_string()),
        ];
        let batch = Batch {
            text: "党章",
            kind: "group",
            on: "2010-07-01",
            hours: &hours,
        };
        enter(s, &wang, RecordKind::Study, "B1", &batch, now)
            .await
            .unwrap();
        let late = Batch {
            text: "党章",
            kind: "group",
            on: "2011-02-01",
            hours: &hours,
        };
        enter(s, &wang, RecordKind::Study, "B1", &late, day("2011-03-01"))
            .await
            .unwrap();
        // A reviewer account, assigned to 王芳, reviews her for 2010.
        add_reviewer(s, "leader").await;
        assign(s, &staff, "leader", SubjectKind::Member, c.wang_fang)
            .await
            .unwrap();
        let leader = principal(s, "leader").await;
        let leader = actor("leader", &leader);
        let review = ReviewInput {
            period: "2010",
            grade: "fairly-good",
            comment: "好",
        };
        write(
            s,
            &leader,
            SubjectKind::Member,
            c.wang_fang,
            &review,
            day("2011-03-01"),
        )
        .await
        .unwrap();

        let (period, rows) =
            xianfeng_app::figures::figures(s, Some(&wang), "B1", Some("2010"), day("2011-03-01"))
                .await
                .unwrap();
        assert_eq!(period.code, "2010");
        let fang_row = rows
            .iter()
            .find(|r| r.subject_kind == SubjectKind::Member && r.subject_id == c.wang_fang)
            .unwrap();
        assert_eq!(
            (
                fang_row.items_due,
                fang_row.items_kept,
                fang_row.items_overdue
            ),
            (1, 1, 0),
            "{}",
            db.label
        );
        assert_eq!(fang_row.study_tenths, 25, "only the 2010 sitting");
        assert_eq!((fang_row.review_points, fang_row.reviews), (7, 1));
        let branch = rows
            .iter()
            .find(|r| r.subject_kind == SubjectKind::Organisation)
            .unwrap();
        assert_eq!(
            branch.study_tenths, 35,
            "the branch counts its members' hours"
        );
        // In 2011-h1 item 2 is due; on 2011-07-02 it is overdue.
        let (_, rows) =
            xianfeng_app::figures::figures(s, None, "C1", Some("2011-h1"), day("2011-07-02"))
                .await
                .unwrap();
        let fang_row = rows
            .iter()
            .find(|r| r.subject_kind == SubjectKind::Member && r.subject_id == c.wang_fang)
            .unwrap();
        assert_eq!((fang_row.items_due, fang_row.items_overdue), (1, 1));
        assert_eq!(fang_row.study_tenths, 25);
        // Over the themed stage 迎接建党90周年 (May 2010 to June 2011): both periods' items and
        // hours, and the 2010 review.
        let (stage, rows) = xianfeng_app::figures::figures_over(
            s,
            None,
            "C1",
            xianfeng_app::figures::Over::Stage("towards-90th"),
            day("2011-07-02"),
        )
        .await
        .unwrap();
        assert_eq!(stage.code, "towards-90th");
        let fang_row = rows
            .iter()
            .find(|r| r.subject_kind == SubjectKind::Member && r.subject_id == c.wang_fang)
            .unwrap();
        assert_eq!(
            (fang_row.items_due, fang_row.items_kept),
            (2, 1),
            "{}",
            db.label
        );
        assert_eq!(fang_row.study_tenths, 50, "{}", db.label);
        assert_eq!((fang_row.review_points, fang_row.reviews), (7, 1));
        // Another branch's secretary may not read B1's figures.
        let li = principal(s, "li").await;
        let li = actor("li", &li);
        let refused = xianfeng_app::figures::figures(s, Some(&li), "B1", None, now).await;
        assert!(matches!(refused, Err(AppError::NotFound)));
    }
}

#[tokio::test]
async fn teams_and_cadres_commit_too_and_are_approved_above_their_committee() {
    for db in backends().await {
        let c = city(db.open().await).await;
        let s = &c.store;
        let c1 = s.registry().org_by_code("C1").await.unwrap().unwrap();
        let mut tx = s.begin("test").await.unwrap();
        let team = tx
            .create_team(c1.id, "中共某区委员会领导班子")
            .await
            .unwrap();
        let cadre = tx
            .add_cadre(
                s,
                team,
                &xianfeng_storage::NewCadre {
                    name: "赵书记".into(),
                    gender: xianfeng_domain::person::Gender::Male,
                    birth_year: 1965,
                    id_number: id("41080219650301001"),
                    position: "书记".into(),
                    is_head: true,
                    since: None,
                },
            )
            .await
            .unwrap();
        let org_ids = tx.org_ids_by_codes(&["C1".to_string()]).await.unwrap();
        tx.create_user(&NewUser {
            username: "county".into(),
            role: Role::CommitteeStaff,
            password_hash: "x".into(),
            must_change_password: false,
            org_ids,
            member_id: None,
        })
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let (county, staff) = (principal(s, "county").await, principal(s, "staff").await);
        let county = actor("county", &county);
        let staff = actor("staff", &staff);
        let team_items = vec![ItemDraft {
            activity: "politics".into(),
            content: "严守政治纪律".into(),
            target: "全年无违纪".into(),
            due_on: day("2011-12-31"),
        }];
        // Members' activity items do not fit a team: 比学习 is not among 四讲一争.
        let wrong =
            commitments::draft(s, &county, SubjectKind::Team, team, "班子承诺", &items()).await;
        assert!(matches!(wrong, Err(AppError::Input(_))), "{wrong:?}");
        for (kind, id) in [(SubjectKind::Team, team), (SubjectKind::Cadre, cadre)] {
            // The street committee below cannot write for the county's team or cadres.
            let below = commitments::draft(s, &staff, kind, id, "承诺", &team_items).await;
            assert!(
                matches!(below, Err(AppError::NotFound)),
                "{}: {below:?}",
                db.label
            );
            let made = commitments::draft(s, &county, kind, id, "承诺", &team_items)
                .await
                .unwrap();
            let input = StepInput::default();
            commitments::step(s, &county, made, Step::Submit, &input, day("2010-06-01"))
                .await
                .unwrap();
            // C1 is the top of this tree, so it approves its own team's commitment.
            let approved =
                commitments::step(s, &county, made, Step::Approve, &input, day("2010-06-01")).await;
            assert!(approved.is_ok(), "{}: {approved:?}", db.label);
            assert_eq!(
                s.commitments()
                    .commitment(made)
                    .await
                    .unwrap()
                    .unwrap()
                    .org_id,
                c1.id
            );
        }
    }
}

#[tokio::test]
async fn scores_rank_update_per_review_and_freeze_when_the_period_closes() {
    use xianfeng_app::reviews::{ReviewInput, assign, write};
    use xianfeng_app::scores::{self, PeerSet, Scores};
    use xianfeng_domain::ranking::Points;
    use xianfeng_domain::scoring::Part;
    for db in backends().await {
        let c = city(db.open().await).await;
        let s = &c.store;
        let staff = principal(s, "staff").await;
        let staff = actor("staff", &staff);
        add_reviewer(s, "leader").await;
        let leader = principal(s, "leader").await;
        let leader = actor("leader", &leader);
        for (member, grade) in [(c.wang_fang, "good"), (c.zhang_wei, "average")] {
            assign(s, &staff, "leader", SubjectKind::Member, member)
                .await
                .unwrap();
            let review = ReviewInput {
                period: "2010",
                grade,
                comment: "点评",
            };
            write(
                s,
                &leader,
                SubjectKind::Member,
                member,
                &review,
                day("2011-03-01"),
            )
            .await
            .unwrap();
        }
        let now = day("2011-03-01");
        let board_of = |b: &std::sync::Arc<std::sync::RwLock<scores::PeriodBoard>>| {
            let b = b.read().unwrap();
            let kb = b.kind(SubjectKind::Member);
            let total = |id| kb.scored.total(kb.slot(id).unwrap());
            (total(c.wang_fang), total(c.zhang_wei), b.audit_head)
        };
        let cache = Scores::new();
        let board = cache.board(s, Some("2010"), now).await.unwrap();
        let (fang, wei, head) = board_of(&board);
        // Two periods kept on the same tree share one copy of it.
        let other = cache.board(s, Some("2011-h1"), now).await.unwrap();
        assert!(std::sync::Arc::ptr_eq(
            &board.read().unwrap().tree,
            &other.read().unwrap().tree
        ));
        // Only reviews count (10 of 10 points, 5 of 10); hours (none recorded, the same for
        // everyone) tell nobody apart and are left out.
        assert_eq!((fang, wei), (Some(Points(10_000)), Some(Points(5_000))));
        {
            let b = board.read().unwrap();
            let kb = b.kind(SubjectKind::Member);
            let e = kb.explain(kb.slot(c.zhang_wei).unwrap());
            let review = Part::ALL
                .iter()
                .position(|p| *p == Part::LeaderReview)
                .unwrap();
            assert_eq!(e.criteria[0].parts[review], Some(Points(5_000)));
            assert_eq!(e.criteria[0].parts[0], None, "no self-assessment given");
            let set = PeerSet {
                kind: Some(SubjectKind::Member),
                scope: Some("B1"),
                ..Default::default()
            };
            let r = scores::rank(&b, None, &set, None).unwrap();
            let ranks: Vec<(i64, u32)> = r
                .rows
                .iter()
                .map(|x| (kb.ids[x.slot()], x.rank()))
                .collect();
            assert_eq!(ranks, vec![(c.wang_fang, 1), (c.zhang_wei, 2)]);
            let unknown = PeerSet {
                scope: Some("NOPE"),
                ..set
            };
            assert!(matches!(
                scores::rank(&b, None, &unknown, None),
                Err(AppError::Input(_))
            ));
        }

        // However many periods are looked at, at most three boards are held.
        for p in ["2010", "2011-h1", "2011-h2", "2012-h1", "2010"] {
            cache.board(s, Some(p), now).await.unwrap();
        }
        assert_eq!(cache.boards_kept(), scores::BOARDS_KEPT);
        let board = cache.board(s, Some("2010"), now).await.unwrap();

        // A new review shows by rescoring its subject alone: the board is not recomputed.
        // (The two reviews written before the board was made are in it already.)
        cache.refresh(s, now).await.unwrap();
        assert_eq!(board_of(&board), (fang, wei, head));
        let better = ReviewInput {
            period: "2010",
            grade: "good",
            comment: "进步明显",
        };
        write(
            s,
            &leader,
            SubjectKind::Member,
            c.zhang_wei,
            &better,
            day("2011-03-01"),
        )
        .await
        .unwrap();
        // One subject, rescored in each open board held (three now).
        assert_eq!(cache.refresh(s, now).await.unwrap(), scores::BOARDS_KEPT);
        let same = cache.board(s, Some("2010"), now).await.unwrap();
        assert_eq!(
            board_of(&same),
            (Some(Points(10_000)), Some(Points(10_000)), head)
        );

        // Closing freezes: the snapshot holds what the inputs give, a recomputation from
        // it gives the same numbers, and the period's inputs can no longer change.
        let open_totals = board_of(&same);
        let closure = scores::close(s, None, "2010", now).await.unwrap();
        assert_eq!(closure.subjects as usize, board.read().unwrap().subjects());
        let (campaign_id, campaign) = xianfeng_app::scope::campaign(s).await.unwrap();
        let period = campaign.period("2010").unwrap();
        let frozen = scores::compute(s, campaign_id, campaign.clone(), &period, now)
            .await
            .unwrap();
        assert!(frozen.closed.is_some());
        assert!(scores::verify(&frozen).is_empty());
        let kb = frozen.kind(SubjectKind::Member);
        let frozen_totals = (
            kb.scored.total(kb.slot(c.wang_fang).unwrap()),
            kb.scored.total(kb.slot(c.zhang_wei).unwrap()),
        );
        assert_eq!(frozen_totals, (open_totals.0, open_totals.1));
        // The parts each score rests on (what marks a score of one part and keeps it out of
        // grading) read the same off the snapshot as off the open board.
        {
            let open = same.read().unwrap();
            let ok = open.kind(SubjectKind::Member);
            for (slot, id) in ok.ids.iter().enumerate() {
                let frozen_slot = kb.slot(*id).unwrap();
                assert_eq!(kb.scored.parts(frozen_slot), ok.scored.parts(slot), "{id}");
            }
            let fang = kb.scored.parts(kb.slot(c.wang_fang).unwrap());
            assert_eq!(fang.parts().collect::<Vec<_>>(), vec![Part::LeaderReview]);
        }
        assert_eq!(scores::snapshot_rows(&frozen).1, closure.digest);
        // A server that kept the open board learns of the close at its next refresh (the
        // close is a stored score change); a subject's history then reads the period from
        // its snapshot.
        cache.refresh(s, now).await.unwrap();
        let kept = cache.board(s, Some("2010"), now).await.unwrap();
        assert!(kept.read().unwrap().closed.is_some());
        let staff_principal = principal(s, "staff").await;
        let view = xianfeng_app::score_tables::subject_view(
            s,
            &cache,
            &staff_principal,
            &format!("M{}", c.wang_fang),
            (None, Some("2010")),
            now,
        )
        .await
        .unwrap();
        assert_eq!(view.history[0].1, frozen_totals.0.map(|p| p.as_f64()));
        assert!(view.closed && !view.may_self_assess);
        // A stored score changed behind the system's back is found, by recomputation and
        // by the digest.
        sqlx::query(
            "UPDATE period_scores SET total = total + 1 WHERE subject_kind = 'member' \
             AND subject_id = $1",
        )
        .bind(c.wang_fang)
        .execute(&db.raw().await)
        .await
        .unwrap();
        let tampered = scores::compute(s, campaign_id, campaign.clone(), &period, now)
            .await
            .unwrap();
        assert_eq!(
            scores::verify(&tampered),
            vec![(SubjectKind::Member, c.wang_fang)]
        );
        assert_ne!(scores::snapshot_rows(&tampered).1, closure.digest);
        let late = ReviewInput {
            period: "2010",
            grade: "poor",
            comment: "补评",
        };
        let refused = write(
            s,
            &leader,
            SubjectKind::Member,
            c.wang_fang,
            &late,
            day("2011-03-01"),
        )
        .await;
        assert!(
            matches!(refused, Err(AppError::Input(m)) if m.render(xianfeng_domain::i18n::Lang::En).contains("2010"))
        );
        assert!(scores::close(s, None, "2010", now).await.is_err());
        // 2011-h1 has not ended on 2011-03-01.
        assert!(scores::close(s, None, "2011-h1", now).await.is_err());
    }
}

/// Two servers on one database (issue 22): what is written through one is in the other's
/// scores at its next refresh — a review rescores its subject alone, a ballot its subject,
/// a member added recomputes the boards — because the changes are stored with the write,
/// not kept in the writing server's memory.
#[tokio::test]
async fn a_write_through_one_server_is_scored_by_another_at_its_next_refresh() {
    use xianfeng_app::evaluation::{BallotWriter, cast_with_code};
    use xianfeng_app::members::{MemberForm, add_member};
    use xianfeng_app::reviews::{ReviewInput, assign, write};
    use xianfeng_app::scores::Scores;
    use xianfeng_domain::ballot::{Ballot, Verdict};
    for db in backends().await {
        let c = city(db.open().await).await;
        let one = &c.store;
        let other = db.open().await;
        let ps = principal(one, "staff").await;
        let staff = actor("staff", &ps);
        add_reviewer(one, "leader").await;
        let pl = principal(one, "leader").await;
        let leader = actor("leader", &pl);
        assign(one, &staff, "leader", SubjectKind::Member, c.zhang_wei)
            .await
            .unwrap();
        let now = day("2011-03-01");
        let theirs = Scores::new();
        let board = theirs.board(&other, Some("2010"), now).await.unwrap();
        let review_of = |b: &xianfeng_app::scores::SharedBoard, id: i64| {
            let b = b.read().unwrap();
            let kb = b.kind(SubjectKind::Member);
            kb.reviews[kb.slot(id).unwrap()]
        };
        assert_eq!(review_of(&board, c.zhang_wei), 0);
        assert_eq!(theirs.refresh(&other, now).await.unwrap(), 0, "nothing yet");

        let review = ReviewInput {
            period: "2010",
            grade: "good",
            comment: "点评",
        };
        write(one, &leader, SubjectKind::Member, c.zhang_wei, &review, now)
            .await
            .unwrap();
        assert_eq!(
            theirs.refresh(&other, now).await.unwrap(),
            1,
            "{}",
            db.label
        );
        let same = theirs.board(&other, Some("2010"), now).await.unwrap();
        assert!(std::sync::Arc::ptr_eq(&board, &same), "rescored in place");
        assert_eq!(review_of(&same, c.zhang_wei), 1);
        assert_eq!(
            theirs.refresh(&other, now).await.unwrap(),
            0,
            "applied once"
        );

        // A ballot for branch B1, taken by the first server's writer.
        let codes =
            support::b1_codes(one, ("2010-06-01", "2010-06-30"), 1, day("2010-06-15")).await;
        let writer = BallotWriter::start(one.clone());
        let ballot = Ballot {
            verdict: Verdict::Satisfied,
            ratings: Default::default(),
            comment: String::new(),
        };
        cast_with_code(
            one,
            &writer,
            &codes[0].code,
            &ballot,
            "10.0.0.1",
            day("2010-06-15"),
        )
        .await
        .unwrap()
        .unwrap();
        // A batch's audit entry, which orders its score changes, is sealed just after the
        // voter hears back: the other server sees the ballot within the 2 s promised.
        let mut seen = 0;
        for _ in 0..40 {
            seen = theirs.refresh(&other, now).await.unwrap();
            if seen > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(seen, 1, "{}", db.label);
        let b1 = one.registry().org_by_code("B1").await.unwrap().unwrap().id;
        {
            let b = same.read().unwrap();
            let kb = b.kind(SubjectKind::Organisation);
            assert_eq!(kb.ballots[kb.slot(b1).unwrap()], 1, "{}", db.label);
        }

        // A member added changes the tree: the boards are recomputed.
        let zhao = MemberForm {
            name: "赵敏".into(),
            id_number: id("41080219950505004"),
            joined_on: "2018-01-10".into(),
            member_type: "正式党员".into(),
            ..MemberForm::default()
        };
        let added = add_member(one, &staff, "B1", &zhao, xianfeng_testkit::today())
            .await
            .unwrap();
        theirs.refresh(&other, now).await.unwrap();
        let renewed = theirs.board(&other, Some("2010"), now).await.unwrap();
        assert!(!std::sync::Arc::ptr_eq(&same, &renewed), "recomputed");
        assert!(
            renewed
                .read()
                .unwrap()
                .kind(SubjectKind::Member)
                .slot(added)
                .is_some()
        );
        assert_eq!(review_of(&renewed, c.zhang_wei), 1);
    }
}

#[tokio::test]
async fn indicators_import_whole_or_not_at_all_and_rankings_export_to_excel() {
    use xianfeng_app::score_tables::{TableQuery, table, write_xlsx};
    use xianfeng_app::scores::{PeerSet, Scores};
    for db in backends().await {
        let c = city(db.open().await).await;
        let s = &c.store;
        // One bad row among good ones: nothing is stored, every problem has its row.
        let sheet = "对象代码,指标,考核周期,数值\nB1,tasks-completed,2010,95\nB2,tasks-completed,2010,80%\n\
                     B9,tasks-completed,2010,70\nB1,speed,2010,1\nB2,complaints,2010,many\n";
        let report = xianfeng_app::indicators::import(
            s,
            "test",
            xianfeng_ingest::from_csv_bytes(sheet.into()).unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(report.imported, 0);
        let rows: Vec<String> = report
            .problems
            .iter()
            .map(|p| {
                let text = p.render(xianfeng_domain::i18n::Lang::En);
                text.split(':').next().unwrap().to_string()
            })
            .collect();
        assert_eq!(report.problems.len(), 3, "{:?}", report.problems);
        assert!(
            rows[0].contains('4') && rows[1].contains('5') && rows[2].contains('6'),
            "{rows:?}"
        );
        let good = "subject_code,indicator,period,value\nB1,tasks-completed,2010,95\nB2,tasks-completed,2010,80%\n";
        let report = xianfeng_app::indicators::import(
            s,
            "test",
            xianfeng_ingest::from_csv_bytes(good.into()).unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(
            (report.imported, report.problems.len()),
            (2, 0),
            "{:?}",
            report.problems
        );

        // The indicator alone ranks the two branches; the export holds what the table shows.
        let cache = Scores::new();
        let q = TableQuery {
            campaign: None,
            period: Some("2010"),
            set: PeerSet {
                scope: Some("T1"),
                level: Some("branch"),
                ..Default::default()
            },
            limit: Some(100),
            offset: 0,
        };
        let t = table(s, &cache, None, &q, day("2011-03-01")).await.unwrap();
        let codes: Vec<&str> = t.rows.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["B1", "B2"]);
        assert_eq!((t.rows[0].score, t.rows[1].score), (100.0, 0.0));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("scores.xlsx");
        write_xlsx(&file, &[t], xianfeng_domain::i18n::Lang::ZhCn).unwrap();
        let mut back = xianfeng_ingest::open(&file, &xianfeng_ingest::Limits::WEB).unwrap();
        assert!(back.headers[0].contains("位次"), "{:?}", back.headers);
        let (_, first) = back.next().unwrap().unwrap();
        assert_eq!(first[1].to_text(), "B1");
        assert_eq!(first[5].to_text(), "100");
    }
}

/// The score facts the database keeps by triggers (one row per subject and period) follow
/// every kind of write, equal a recount from the counted tables, and give what the parts
/// need: reviews rewritten, ballots cast, items of published commitments only, overdue
/// items counted by the day, hours for the member and the branch.
#[tokio::test]
async fn score_facts_follow_every_write_and_equal_a_recount() {
    use xianfeng_app::evaluation::{BallotWriter, cast_with_code};
    use xianfeng_app::records::{Batch, enter};
    use xianfeng_app::reviews::{ReviewInput, assign, write};
    use xianfeng_domain::ballot::{Ballot, Verdict};
    use xianfeng_domain::campaign::Campaign;
    use xianfeng_storage::{Facts, Lexicon, Only, RecordKind, Span};
    for db in backends().await {
        let c = city(db.open().await).await;
        let s = &c.store;
        let campaign_id = s.campaigns().all().await.unwrap()[0].id;
        let periods = Campaign::builtin().periods();
        let periods = &periods;
        let facts = |period: &'static str, today: &'static str| async move {
            let p = periods.iter().find(|p| p.code == period).unwrap();
            let span = Span::of(campaign_id, p, day(today));
            let mut f: Facts = s
                .scores()
                .period_facts(&span, &Lexicon::default(), Only::All)
                .await
                .unwrap();
            f.reviews.sort_unstable();
            f.tallies.sort_unstable();
            f.items.sort_unstable();
            f.hours.sort_unstable();
            f
        };
        let (pf, pw, pv, ps) = (
            principal(s, "fang").await,
            principal(s, "wang").await,
            principal(s, "wei").await,
            principal(s, "staff").await,
        );
        let fang = actor("fang", &pf);
        let wang = actor("wang", &pw);
        let wei = actor("wei", &pv);
        let staff = actor("staff", &ps);
        let member = xianfeng_storage::kind_code("member").unwrap();
        let org = xianfeng_storage::kind_code("organisation").unwrap();

        // 王芳's commitment, published: item 1 (2010) kept, item 2 (2011-h1) open.
        let now = day("2010-08-01");
        let input = StepInput::default();
        let mine = commitments::draft(s, &fang, SubjectKind::Member, c.wang_fang, "承诺", &items())
            .await
            .unwrap();
        commitments::step(s, &fang, mine, Step::Submit, &input, now)
            .await
            .unwrap();
        assert_eq!(
            facts("2010", "2011-03-01").await.items,
            vec![],
            "not yet published"
        );
        for step in [Step::Approve, Step::Publish] {
            commitments::step(s, &wang, mine, step, &input, now)
                .await
                .unwrap();
        }
        let first = s
            .commitments()
            .commitment(mine)
            .await
            .unwrap()
            .unwrap()
            .items[0]
            .id;
        let kept = StepInput {
            item: Some((first, Outcome::Kept)),
            reason: None,
        };
        commitments::step(s, &wang, mine, Step::CloseItem, &kept, now)
            .await
            .unwrap();
        assert_eq!(
            facts("2010", "2011-03-01").await.items,
            vec![(member, c.wang_fang, 1, 1)]
        );
        // In 2011-h1 the open item is judged only once it is past due.
        assert_eq!(
            facts("2011-h1", "2011-03-01").await.items,
            vec![(member, c.wang_fang, 0, 0)]
        );
        assert_eq!(
            facts("2011-h1", "2011-07-01").await.items,
            vec![(member, c.wang_fang, 0, 1)],
            "{}: the period is over",
            db.label
        );

        // 张伟's items fall due in February and May 2011: on 1 March one is past due.
        let dated = |due: &str| ItemDraft {
            due_on: day(due),
            ..items()[0].clone()
        };
        let his = commitments::draft(
            s,
            &wei,
            SubjectKind::Member,
            c.zhang_wei,
            "承诺",
            &[dated("2011-02-01"), dated("2011-05-01")],
        )
        .await
        .unwrap();
        commitments::step(s, &wei, his, Step::Submit, &input, now)
            .await
            .unwrap();
        for step in [Step::Approve, Step::Publish] {
            commitments::step(s, &wang, his, step, &input, now)
                .await
                .unwrap();
        }
        let mut expected = vec![(member, c.wang_fang, 0, 0), (member, c.zhang_wei, 0, 1)];
        expected.sort_unstable();
        assert_eq!(
            facts("2011-h1", "2011-03-01").await.items,
            expected,
            "{}",
            db.label
        );

        // Study hours count for each member and for the branch recorded.
        let hours = [
            (c.wang_fang, "2.5".to_string()),
            (c.zhang_wei, "1".to_string()),
        ];
        let batch = Batch {
            text: "党章",
            kind: "group",
            on: "2010-07-01",
            hours: &hours,
        };
        enter(s, &wang, RecordKind::Study, "B1", &batch, now)
            .await
            .unwrap();
        let b1 = s.registry().org_by_code("B1").await.unwrap().unwrap().id;
        let mut expected = vec![
            (member, c.wang_fang, 25),
            (member, c.zhang_wei, 10),
            (org, b1, 35),
        ];
        expected.sort_unstable();
        assert_eq!(facts("2010", "2011-03-01").await.hours, expected);

        // A review, then the same reviewer's second thoughts: one review, the new points.
        add_reviewer(s, "leader").await;
        assign(s, &staff, "leader", SubjectKind::Member, c.wang_fang)
            .await
            .unwrap();
        let pl = principal(s, "leader").await;
        let leader = actor("leader", &pl);
        for grade in ["good", "average"] {
            let review = ReviewInput {
                period: "2010",
                grade,
                comment: "点评",
            };
            write(
                s,
                &leader,
                SubjectKind::Member,
                c.wang_fang,
                &review,
                day("2011-03-01"),
            )
            .await
            .unwrap();
        }
        let reviews = facts("2010", "2011-03-01").await.reviews;
        assert_eq!(reviews.len(), 1);
        assert_eq!(reviews[0].3, 1, "{}: rewritten, not added", db.label);

        // Ballots of a round that ends in 2011-h1 count in that period.
        let codes = support::b1_codes(
            s,
            ("2011-06-01", "2011-06-30"),
            2,
            chrono::NaiveDate::from_ymd_opt(2011, 6, 15).unwrap(),
        )
        .await;
        let writer = BallotWriter::start(s.clone());
        for (code, verdict) in codes
            .iter()
            .zip([Verdict::Satisfied, Verdict::Dissatisfied])
        {
            let ballot = Ballot {
                verdict,
                ratings: Default::default(),
                comment: String::new(),
            };
            cast_with_code(
                s,
                &writer,
                &code.code,
                &ballot,
                "10.0.0.1",
                day("2011-06-15"),
            )
            .await
            .unwrap()
            .unwrap();
        }
        assert_eq!(
            facts("2011-h1", "2011-07-01").await.tallies,
            vec![(org, b1, [1, 0, 1])],
            "{}",
            db.label
        );
        assert_eq!(facts("2010", "2011-07-01").await.tallies, vec![]);

        // The bulk reader of a SQLite file finds the same (overdue items included).
        for (period, today) in [("2011-h1", "2011-03-01"), ("2011-h1", "2011-07-01")] {
            let p = periods.iter().find(|p| p.code == period).unwrap();
            let span = Span::of(campaign_id, p, day(today));
            let (_, mut bulk) = s
                .scores()
                .score_inputs(&span, &Lexicon::default())
                .await
                .unwrap();
            bulk.reviews.sort_unstable();
            bulk.tallies.sort_unstable();
            bulk.items.sort_unstable();
            bulk.hours.sort_unstable();
            assert_eq!(
                bulk,
                facts(period, today).await,
                "{}: {period} on {today}",
                db.label
            );
        }

        // What the write path kept is what a recount finds.
        let mut kept = vec![];
        for (period, today) in [
            ("2010", "2011-03-01"),
            ("2011-h1", "2011-03-01"),
            ("2011-h1", "2011-07-01"),
        ] {
            kept.push(facts(period, today).await);
        }
        let mut tx = s.begin("test").await.unwrap();
        tx.recount_score_facts(campaign_id).await.unwrap();
        tx.commit().await.unwrap();
        for (i, (period, today)) in [
            ("2010", "2011-03-01"),
            ("2011-h1", "2011-03-01"),
            ("2011-h1", "2011-07-01"),
        ]
        .into_iter()
        .enumerate()
        {
            assert_eq!(
                facts(period, today).await,
                kept[i],
                "{}: {period}",
                db.label
            );
        }
    }
}

/// A reviewer's desk lists what still waits for a review in the period, a page at a time,
/// and everything assigned on asking; a review written moves its subject out of the way.
#[tokio::test]
async fn a_reviewers_desk_shows_what_waits_a_page_at_a_time() {
    use xianfeng_app::reviews::{DeskView, ReviewInput, assign, desk, write};
    for db in backends().await {
        let c = city(db.open().await).await;
        let s = &c.store;
        let staff = principal(s, "staff").await;
        let staff = actor("staff", &staff);
        add_reviewer(s, "leader").await;
        let leader = principal(s, "leader").await;
        let leader = actor("leader", &leader);
        let mut subjects = vec![
            (SubjectKind::Member, c.wang_fang),
            (SubjectKind::Member, c.zhang_wei),
        ];
        for code in ["B1", "B2", "T1"] {
            let org = s.registry().org_by_code(code).await.unwrap().unwrap();
            subjects.push((SubjectKind::Organisation, org.id));
        }
        for (kind, id) in &subjects {
            assign(s, &staff, "leader", *kind, *id).await.unwrap();
        }
        let view = |all, page| DeskView {
            period: Some("2011-h1"),
            all,
            name: "",
            page,
            per_page: 2,
        };
        let ids = |d: &xianfeng_app::reviews::Desk| -> Vec<i64> {
            d.entries.iter().map(|(s, _)| s.id).collect()
        };
        let first = desk(s, &leader, &view(false, 0)).await.unwrap();
        assert_eq!((first.waiting, first.assigned, first.selected), (5, 5, 5));
        assert_eq!(first.entries.len(), 2);
        let last = desk(s, &leader, &view(false, 2)).await.unwrap();
        assert_eq!(last.entries.len(), 1, "five subjects: pages of 2, 2 and 1");
        let beyond = desk(s, &leader, &view(false, usize::MAX)).await.unwrap();
        assert!(beyond.entries.is_empty(), "a page past the end is empty");

        // Reviewed for the period, the first subject leaves the waiting list…
        let reviewed = first.entries[0].0.clone();
        let input = ReviewInput {
            period: "2011-h1",
            grade: "good",
            comment: "点评",
        };
        write(
            s,
            &leader,
            reviewed.kind,
            reviewed.id,
            &input,
            day("2011-03-01"),
        )
        .await
        .unwrap();
        let waiting = desk(s, &leader, &view(false, 0)).await.unwrap();
        assert_eq!((waiting.waiting, waiting.selected), (4, 4));
        assert!(!ids(&waiting).contains(&reviewed.id));
        // …and shows last, with its review, among everything assigned.
        let all_last = desk(s, &leader, &view(true, 2)).await.unwrap();
        assert_eq!((all_last.waiting, all_last.selected), (4, 5));
        let (shown, reviews) = &all_last.entries[0];
        assert_eq!((shown.kind, shown.id), (reviewed.kind, reviewed.id));
        assert_eq!(reviews.len(), 1);
        // For another period it waits again.
        let other = DeskView {
            period: Some("2011-h2"),
            ..view(false, 0)
        };
        assert_eq!(desk(s, &leader, &other).await.unwrap().waiting, 5);
        // A name finds its subject among those selected, whatever page it was on.
        let find = |name| DeskView {
            name,
            ..view(true, 0)
        };
        let found = desk(s, &leader, &find(" 张伟 ")).await.unwrap();
        assert_eq!(ids(&found), vec![c.zhang_wei]);
        assert_eq!(found.selected, 1);
        assert!(
            desk(s, &leader, &find("无此人"))
                .await
                .unwrap()
                .entries
                .is_empty()
        );
    }
}
