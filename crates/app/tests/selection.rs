//! Selection and commendation on every backend, as the accounts that take each step: a
//! member nominated by the branch within quota, assessed and approved by the street
//! committee, recommended to the district, put on notice, objected to, found untrue,
//! commended and on the honour roll; and every refusal on the way changes nothing.

use xianfeng_app::AppError;
use xianfeng_app::scores::Scores;
use xianfeng_app::selection::{
    NominationInput, NoticeInput, ObjectionInput, StepInput, find, honour_roll, nominate, object,
    publish_notice, recommend, step,
};
use xianfeng_domain::role::Role;
use xianfeng_domain::selection::{Finding, Stage, Step};
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::Store;
use xianfeng_testkit::{backends, use_simple_selection_campaign};

mod support;
use support::{actor, city, day, principal};

async fn add_user(store: &Store, name: &str, role: Role, org: &str) {
    support::add_account(store, name, role, &[org]).await;
}

/// The refusal's text in both languages, so that either can be looked for.
fn message(e: AppError) -> String {
    use xianfeng_domain::i18n::Lang;
    match e {
        AppError::Input(m) => format!("{} / {}", m.render(Lang::ZhCn), m.render(Lang::En)),
        other => panic!("expected a message, got {other:?}"),
    }
}

#[tokio::test]
async fn a_member_goes_from_nomination_by_the_branch_to_the_honour_roll() {
    for db in backends().await {
        let c = city(db.open().await).await;
        let s = &c.store;
        use_simple_selection_campaign(s).await;
        add_user(s, "office", Role::Office, "C1").await;
        let scores = Scores::new();
        let (pw, pl, ps, po) = (
            principal(s, "wang").await,
            principal(s, "li").await,
            principal(s, "staff").await,
            principal(s, "office").await,
        );
        let (wang, li, staff, office) = (
            actor("wang", &pw),
            actor("li", &pl),
            actor("staff", &ps),
            actor("office", &po),
        );
        let today = day("2012-06-25");
        let fang = |summary: &'static str| NominationInput {
            honour: "excellent-member",
            kind: SubjectKind::Member,
            subject_id: c.wang_fang,
            nominated_by: "B1",
            deeds: "王芳同志带领党员志愿服务队，为社区孤寡老人服务三百余小时。",
            summary,
        };

        // A summary that shows a phone number is refused before anything is stored.
        let refused = nominate(
            s,
            &scores,
            Some(&wang),
            &fang("联系电话 13800000000"),
            today,
        )
        .await
        .unwrap_err();
        assert!(message(refused).contains("电话"));
        // Another branch's secretary cannot nominate for B1.
        let outside = nominate(s, &scores, Some(&li), &fang("事迹突出"), today).await;
        assert!(matches!(outside, Err(AppError::NotFound)), "{}", db.label);
        let id = nominate(
            s,
            &scores,
            Some(&wang),
            &fang("为社区孤寡老人服务三百余小时"),
            today,
        )
        .await
        .unwrap();
        // The branch of two members has one place (3 %, at least one): 张伟 is over quota.
        let over = nominate(
            s,
            &scores,
            Some(&wang),
            &NominationInput {
                subject_id: c.zhang_wei,
                ..fang("事迹突出")
            },
            today,
        )
        .await
        .unwrap_err();
        let over = message(over);
        assert!(over.contains("名额") && over.contains('1'), "{over}");
        // Nominating her twice is refused too, even from above.
        let twice = nominate(
            s,
            &scores,
            None,
            &NominationInput {
                nominated_by: "T1",
                ..fang("事迹突出")
            },
            today,
        )
        .await;
        assert!(twice.is_err(), "{}", db.label);
        // A member with a disciplinary sanction is not eligible, and is told why.
        let b2 = s.registry().org_by_code("B2").await.unwrap().unwrap();
        let li_qiang = s.registry().members_of_org(b2.id, 10, 0).await.unwrap()[0].id;
        let mut tx = s.begin("test").await.unwrap();
        tx.add_sanction(li_qiang, "2011-03-01", "警告", "")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let sanctioned = nominate(
            s,
            &scores,
            Some(&li),
            &NominationInput {
                subject_id: li_qiang,
                nominated_by: "B2",
                ..fang("事迹突出")
            },
            today,
        )
        .await
        .unwrap_err();
        assert!(message(sanctioned).contains("处分"));

        // An organisation is nominated by one above it, never by itself.
        let itself = nominate(
            s,
            &scores,
            None,
            &NominationInput {
                honour: "advanced-organisation",
                kind: SubjectKind::Organisation,
                subject_id: s.registry().org_by_code("B1").await.unwrap().unwrap().id,
                nominated_by: "B1",
                ..fang("事迹突出")
            },
            today,
        )
        .await
        .unwrap_err();
        assert!(message(itself).contains("不能由其推荐"), "{}", db.label);
        // The honour for county committees is not for a branch, and says so.
        let branch_for_county = nominate(
            s,
            &scores,
            None,
            &NominationInput {
                honour: "advanced-county-committee",
                kind: SubjectKind::Organisation,
                subject_id: s.registry().org_by_code("B1").await.unwrap().unwrap().id,
                nominated_by: "T1",
                ..fang("事迹突出")
            },
            today,
        )
        .await
        .unwrap_err();
        let why = message(branch_for_county);
        assert!(
            why.contains("组织类别为党支部：本项表彰只评县(市、区)委"),
            "{why}"
        );
        assert!(why.contains("this honour is for county committee"), "{why}");

        // The branch may not assess (the committee above it is outside its scope); the street
        // committee assesses, then approves.
        let step_in = |note: &str| StepInput {
            note: note.into(),
            ..Default::default()
        };
        let forbidden = step(s, Some(&wang), id, Step::Assess, &step_in("好"), today).await;
        assert!(matches!(forbidden, Err(AppError::NotFound)), "{}", db.label);
        let early = step(s, Some(&staff), id, Step::Approve, &step_in("同意"), today)
            .await
            .unwrap_err();
        assert!(message(early).contains("已推荐"));
        let blank = step(s, Some(&staff), id, Step::Assess, &step_in("  "), today).await;
        assert!(blank.is_err());
        step(
            s,
            Some(&staff),
            id,
            Step::Assess,
            &step_in("考核组实地考核，群众认可"),
            today,
        )
        .await
        .unwrap();
        step(
            s,
            Some(&staff),
            id,
            Step::Approve,
            &step_in("工委会议同意推荐"),
            today,
        )
        .await
        .unwrap();
        // Decided by the street committee, not the top: it cannot go on notice yet.
        let notice_in = |ids: &'static [i64]| NoticeInput {
            honour: "excellent-member",
            nominations: ids,
            title: "优秀共产党员拟表彰对象公示",
            body: "公示期间，如有异议，请向区委组织部反映。",
            contact: "区委组织部 电话 0391-0000000",
            starts_on: day("2012-07-02"),
        };
        let ids: &'static [i64] = Box::leak(vec![id].into_boxed_slice());
        let not_top = publish_notice(s, Some(&office), &notice_in(ids), day("2012-07-02"))
            .await
            .unwrap_err();
        assert!(message(not_top).contains(&id.to_string()));
        // The street committee may not recommend for the provincial honour: the city does.
        let early = recommend(
            s,
            &scores,
            Some(&staff),
            id,
            "province-excellent-member",
            today,
        )
        .await
        .unwrap_err();
        assert!(message(early).contains("市级"), "{}", db.label);
        // Recommended on to the district, which assesses and approves it.
        let up = recommend(s, &scores, Some(&staff), id, "excellent-member", today)
            .await
            .unwrap();
        // Once recommended on, the branch's nomination cannot be withdrawn to free its place.
        let freed = step(s, Some(&wang), id, Step::Withdraw, &step_in("撤回"), today)
            .await
            .unwrap_err();
        assert!(message(freed).contains(&up.to_string()), "{}", db.label);
        step(
            s,
            Some(&office),
            up,
            Step::Assess,
            &step_in("区委考核"),
            today,
        )
        .await
        .unwrap();
        step(
            s,
            Some(&office),
            up,
            Step::Approve,
            &step_in("区委常委会审定"),
            today,
        )
        .await
        .unwrap();

        // On notice from Monday 2 July 2012 for 5 working days: to Friday 6 July.
        let ups: &'static [i64] = Box::leak(vec![up].into_boxed_slice());
        let staff_notice =
            publish_notice(s, Some(&staff), &notice_in(ups), day("2012-07-02")).await;
        assert!(staff_notice.is_err(), "{}: the office's", db.label);
        // Not back-dated: the public would lose days to object.
        let past = publish_notice(s, Some(&office), &notice_in(ups), day("2012-07-03"))
            .await
            .unwrap_err();
        assert!(message(past).contains("2012-07-03"));
        let notice = publish_notice(s, Some(&office), &notice_in(ups), day("2012-07-02"))
            .await
            .unwrap();
        let n = s.selection().notice(notice).await.unwrap().unwrap();
        assert_eq!(
            (n.starts_on, n.ends_on),
            (day("2012-07-02"), day("2012-07-06"))
        );
        assert!(n.real_name, "objections to outstanding members need a name");

        // Objections: a name is required; three an hour from one place; none after the end.
        let raise = |name: &'static str, on: &'static str, source: &'static str| async move {
            let o = ObjectionInput {
                notice_id: notice,
                nomination_id: up,
                content: "反映该同志服务时长有夸大。",
                name,
                contact: if name.is_empty() { "" } else { "13900000000" },
                source,
            };
            object(s, &o, day(on), chrono::Utc::now().timestamp_millis()).await
        };
        assert!(raise("", "2012-07-03", "10.0.0.9").await.is_err());
        for _ in 0..3 {
            raise("赵敏", "2012-07-03", "10.0.0.9").await.unwrap();
        }
        let flood = raise("赵敏", "2012-07-03", "10.0.0.9").await.unwrap_err();
        assert!(message(flood).contains('3'));
        let late = raise("赵敏", "2012-07-07", "10.0.0.8").await.unwrap_err();
        assert!(message(late).contains("2012-07-06"));
        let scripted = object(
            s,
            &ObjectionInput {
                notice_id: notice,
                nomination_id: up,
                content: "<script>alert(1)</script>",
                name: "赵敏",
                contact: "13900000000",
                source: "10.0.0.7",
            },
            day("2012-07-03"),
            chrono::Utc::now().timestamp_millis(),
        )
        .await;
        assert!(scripted.is_err());
        let objections = s.selection().objections(notice).await.unwrap();
        assert_eq!(objections.len(), 3, "{}", db.label);
        assert_eq!(
            objections[0].name.as_deref(),
            Some("赵敏"),
            "decrypted for the office"
        );

        // Not before the end, and not while an objection is open.
        let commend = StepInput {
            document_no: "焦发〔2012〕15号".into(),
            commended_on: Some(day("2012-07-10")),
            ..Default::default()
        };
        let during = step(
            s,
            Some(&office),
            up,
            Step::Commend,
            &commend,
            day("2012-07-06"),
        )
        .await
        .unwrap_err();
        assert!(message(during).contains("2012-07-06"));
        let open = step(
            s,
            Some(&office),
            up,
            Step::Commend,
            &commend,
            day("2012-07-09"),
        )
        .await
        .unwrap_err();
        assert!(message(open).contains('3'));
        for o in &objections {
            find(
                s,
                Some(&office),
                notice,
                o.id,
                "经核实，服务时长有签到记录为证",
                Finding::NotUpheld,
            )
            .await
            .unwrap();
        }
        // The date of commendation comes after the notice and not after today.
        for on in ["2012-07-05", "2012-07-20"] {
            let wrong = StepInput {
                commended_on: Some(day(on)),
                ..commend.clone()
            };
            let refused = step(
                s,
                Some(&office),
                up,
                Step::Commend,
                &wrong,
                day("2012-07-10"),
            )
            .await;
            assert!(refused.is_err(), "{}: commended on {on}", db.label);
        }
        let again = find(
            s,
            Some(&office),
            notice,
            objections[0].id,
            "再查",
            Finding::Upheld,
        )
        .await;
        assert!(again.is_err(), "a finding is recorded once");
        assert_eq!(
            step(
                s,
                Some(&office),
                up,
                Step::Commend,
                &commend,
                day("2012-07-10")
            )
            .await
            .unwrap(),
            Stage::Commended
        );

        let roll = honour_roll(s, None, None).await.unwrap();
        assert_eq!(roll.len(), 1, "{}", db.label);
        assert_eq!(roll[0].name, "王芳");
        assert_eq!(roll[0].unit, "第一党支部");
        assert_eq!(roll[0].document_no, "焦发〔2012〕15号");
        assert_eq!(roll[0].commended_on, "2012-07-10");
        // The roll of one organisation holds its own commended only.
        assert_eq!(honour_roll(s, None, Some("B1")).await.unwrap().len(), 1);
        assert_eq!(honour_roll(s, None, Some("B2")).await.unwrap().len(), 0);
        assert!(matches!(
            honour_roll(s, None, Some("NOPE")).await,
            Err(AppError::NotFound)
        ));
        let steps: Vec<String> = s
            .selection()
            .nomination_events(up)
            .await
            .unwrap()
            .into_iter()
            .map(|e| format!("{}:{}", e.step.map_or("nominate", |s| s.as_str()), e.actor))
            .collect();
        assert_eq!(
            steps,
            [
                "nominate:staff",
                "assess:office",
                "approve:office",
                "notice:office",
                "commend:office"
            ]
        );
        // A commended nomination takes no further step.
        let withdrawn = step(
            s,
            Some(&office),
            up,
            Step::Withdraw,
            &step_in("撤回"),
            today,
        )
        .await;
        assert!(withdrawn.is_err());
    }
}

/// A nomination of someone outside the secretary's scope is refused exactly like one of an
/// id that does not exist: the refusal names nobody, so no one can list the city's members
/// by counting ids.
#[tokio::test]
async fn nominating_someone_out_of_scope_reads_as_an_unknown_id() {
    for db in backends().await {
        let c = city(db.open().await).await;
        let s = &c.store;
        use_simple_selection_campaign(s).await;
        let scores = Scores::new();
        let pw = principal(s, "wang").await;
        let wang = actor("wang", &pw);
        let b2 = s.registry().org_by_code("B2").await.unwrap().unwrap();
        let elsewhere = s.registry().members_of_org(b2.id, 10, 0).await.unwrap()[0].id;
        let try_id = |subject_id: i64| NominationInput {
            honour: "excellent-member",
            kind: SubjectKind::Member,
            subject_id,
            nominated_by: "B1",
            deeds: "事迹材料",
            summary: "事迹突出",
        };
        for id in [elsewhere, 999_999] {
            let e = nominate(s, &scores, Some(&wang), &try_id(id), day("2012-06-25"))
                .await
                .unwrap_err();
            assert!(matches!(e, AppError::NotFound), "{}: {id}: {e:?}", db.label);
        }
    }
}

/// A value in the database that the program cannot read is an error naming where it is,
/// never read as some default: a notice whose dates were damaged, a nomination whose stage
/// no version of the program writes.
#[tokio::test]
async fn a_damaged_stored_value_is_an_error_naming_its_table_and_column() {
    use xianfeng_domain::i18n::Lang;
    for db in backends().await {
        let s = db.open().await;
        city(s.clone()).await;
        let (campaign_id, _) = s.campaigns().current().await.unwrap().unwrap();
        let raw = db.raw().await;
        sqlx::query(
            "INSERT INTO notices (id, campaign_id, honour, title, body, contact, starts_on, \
             ends_on, workdays, real_name, created_by, created_at) \
             VALUES (900, $1, 'excellent_member', 't', 'b', 'c', '2012-13-45', '2012-07-06', \
             5, 1, 'test', 0)",
        )
        .bind(campaign_id)
        .execute(&raw)
        .await
        .unwrap();
        let Err(xianfeng_storage::StoreError::Damaged(m)) = s.selection().notice(900).await else {
            panic!("{}: a damaged date was read", db.label);
        };
        let text = m.render(Lang::En);
        assert!(
            text.contains("notices.starts_on") && text.contains("2012-13-45"),
            "{}: {text}",
            db.label
        );
        assert!(m.render(Lang::ZhCn).contains("无法识别"), "{}", db.label);
        // The listing that holds it refuses as well, rather than leave it out quietly.
        assert!(
            s.selection().notices(campaign_id).await.is_err(),
            "{}",
            db.label
        );
    }
}

/// A cadre whose record links to a member is that member: a sanction recorded against the
/// member withdraws her library entries as a cadre too, marked for the office's attention.
#[tokio::test]
async fn a_sanction_withdraws_the_entries_of_the_cadre_the_member_is() {
    use xianfeng_app::actor::Who;
    use xianfeng_app::teams::{CadreForm, TeamForm, add_cadre, create_team};
    use xianfeng_domain::model_library::ModelStatus;
    for db in backends().await {
        let c = city(db.open().await).await;
        let s = &c.store;
        let ps = principal(s, "staff").await;
        let staff = actor("staff", &ps);
        let team = create_team(
            s,
            &staff,
            "T1",
            &TeamForm {
                name: "街道党工委班子".into(),
                category: String::new(),
            },
        )
        .await
        .unwrap();
        // 王芳 of B1 is also on the street committee's team.
        add_cadre(
            s,
            &staff,
            team,
            &CadreForm {
                name: "王芳".into(),
                id_number: xianfeng_testkit::id("41080219800101001"),
                position: "组织委员".into(),
                is_head: String::new(),
                since: "2021-06-01".into(),
            },
            xianfeng_testkit::today(),
        )
        .await
        .unwrap();
        let list = "名称,类别,组织编码,级别,简介\n王芳,干部,T1,区级,带头服务群众\n";
        xianfeng_app::publicity::import::import_models(
            s,
            xianfeng_ingest::from_csv_bytes(list.into()).unwrap(),
            &support::committing(),
        )
        .await
        .unwrap();
        let campaign = s.campaigns().current().await.unwrap().unwrap().0;
        let entry = s
            .publicity()
            .models(&xianfeng_storage::ModelFilter {
                campaign_id: campaign,
                limit: 1,
                ..Default::default()
            })
            .await
            .unwrap()[0]
            .clone();
        assert_eq!(entry.subjects[0].0, SubjectKind::Cadre, "{}", db.label);
        assert_ne!(entry.status, ModelStatus::Withdrawn, "{}", db.label);
        xianfeng_app::selection::record_sanction(
            s,
            None,
            c.wang_fang,
            day("2012-08-01"),
            "警告",
            "",
        )
        .await
        .unwrap();
        let after = xianfeng_app::publicity::models::entry(s, Who::operator(), entry.id)
            .await
            .unwrap();
        assert_eq!(after.status, ModelStatus::Withdrawn, "{}", db.label);
        assert!(after.by_sanction && after.needs_attention, "{}", db.label);
    }
}
