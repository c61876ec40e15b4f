//! Leadership teams and their cadres from their sheets, on every backend: the roster
//! import's rules (all or nothing, every problem named, a second import changing nothing),
//! a cadre linked to the registry's member by ID number, one principal leader per team.

mod support;

use support::{city, principal};
use xianfeng_app::Silent;
use xianfeng_app::import::{ImportMode, ImportOptions};
use xianfeng_app::import_leaders::{import_cadres, import_teams};
use xianfeng_domain::leader_roster::TeamCategory;
use xianfeng_domain::policy::Principal;
use xianfeng_testkit::{backends, id, today};

fn opts(skip_bad: bool, on_behalf: Option<Principal>) -> ImportOptions {
    ImportOptions {
        mode: ImportMode::Commit,
        skip_bad,
        actor: "test".into(),
        today: today(),
        on_behalf,
    }
}

fn csv(text: &str) -> xianfeng_ingest::SheetReader {
    xianfeng_ingest::from_csv_bytes(text.as_bytes().to_vec()).unwrap()
}

const TEAMS: &str = "班子名称,所属组织编码,班子类别\n\
    中共某区委员会领导班子,C1,党委班子\n\
    某街道党工委领导班子,T1,乡镇（街道）班子\n\
    某局领导班子,NOPE,部门\n";

fn cadres(heads: [&str; 2]) -> String {
    format!(
        "姓名,身份证号,职务,所属班子,是否主要负责人,任职时间\n\
         王芳,{},书记,中共某区委员会领导班子,{},2009-03-01\n\
         赵六,{},区长,中共某区委员会领导班子,{},2009年3月1日\n",
        id("41080219800101001"),
        heads[0],
        id("41080219700505003"),
        heads[1],
    )
}

#[tokio::test]
async fn teams_and_cadres_import_like_the_roster() {
    for db in backends().await {
        let c = city(db.open().await).await;
        let s = &c.store;
        let label = db.label;

        // A row naming an unknown organisation: nothing is written, and the row says why.
        let r = import_teams(s, csv(TEAMS), &opts(false, None), &Silent)
            .await
            .unwrap();
        assert!(!r.committed, "{label}");
        let got: Vec<_> = r
            .issues
            .iter()
            .map(|i| (i.row, i.column.as_str(), i.value.as_str(), i.reason.key()))
            .collect();
        assert_eq!(got, vec![(4, "所属组织编码", "NOPE", "import.org_missing")]);
        assert!(
            s.registry().all_teams().await.unwrap().is_empty(),
            "{label}"
        );
        // Skipping it writes the others; the same file again changes nothing.
        let r = import_teams(s, csv(TEAMS), &opts(true, None), &Silent)
            .await
            .unwrap();
        assert_eq!((r.committed, r.outcome.inserted), (true, 2), "{label}");
        let again = import_teams(s, csv(TEAMS), &opts(true, None), &Silent)
            .await
            .unwrap();
        assert_eq!((again.outcome.inserted, again.outcome.unchanged), (0, 2));
        let teams = s.registry().all_teams().await.unwrap();
        let county = teams.iter().find(|t| t.name.starts_with("中共")).unwrap();
        assert_eq!(county.category, Some(TeamCategory::PartyCommittee));

        // Two principal leaders of one team, and a team that does not exist: refused.
        let mut bad = cadres(["是", "是"]);
        bad.push_str(&format!(
            "钱七,{},主任,不存在的班子,否,\n",
            id("41080219700505004")
        ));
        let r = import_cadres(s, csv(&bad), &opts(false, None), &Silent)
            .await
            .unwrap();
        assert!(!r.committed);
        let got: Vec<_> = r.issues.iter().map(|i| (i.row, i.reason.key())).collect();
        assert_eq!(
            got,
            vec![(3, "import.two_heads"), (4, "import.team_missing")]
        );
        assert!(
            s.registry()
                .cadres_of_team(county.id)
                .await
                .unwrap()
                .is_empty()
        );

        // Put right: 王芳, a member of the registry, is linked to her record.
        let r = import_cadres(s, csv(&cadres(["是", "否"])), &opts(false, None), &Silent)
            .await
            .unwrap();
        assert_eq!(
            (r.committed, r.outcome.inserted),
            (true, 2),
            "{:?}",
            r.issues
        );
        let posts = s.registry().cadres_of_team(county.id).await.unwrap();
        let fang = posts.iter().find(|p| p.name == "王芳").unwrap();
        assert_eq!(fang.member_id, Some(c.wang_fang), "{label}");
        assert!(fang.is_head);
        assert_eq!(fang.since, Some(support::day("2009-03-01")));
        let zhao = posts.iter().find(|p| p.name == "赵六").unwrap();
        assert_eq!((zhao.member_id, zhao.is_head), (None, false));
        let again = import_cadres(s, csv(&cadres(["是", "否"])), &opts(false, None), &Silent)
            .await
            .unwrap();
        assert_eq!((again.outcome.inserted, again.outcome.unchanged), (0, 2));

        // A new principal leader (换届) takes the mark; the old one keeps her post.
        let r = import_cadres(s, csv(&cadres(["否", "是"])), &opts(false, None), &Silent)
            .await
            .unwrap();
        assert_eq!(r.outcome.updated, 2, "{label}");
        let order: Vec<_> = s
            .registry()
            .cadres_of_team(county.id)
            .await
            .unwrap()
            .into_iter()
            .map(|p| (p.name, p.is_head))
            .collect();
        let expected = vec![("赵六".to_string(), true), ("王芳".to_string(), false)];
        assert_eq!(order, expected, "{label}: one head, listed first");

        // The street committee's staff keep T1's team, not the county's: its team reads as
        // one that does not exist.
        let staff = principal(s, "staff").await;
        let outside = import_cadres(
            s,
            csv(&cadres(["否", "是"])),
            &opts(false, Some(staff.clone())),
            &Silent,
        )
        .await
        .unwrap();
        assert!(!outside.committed);
        assert!(
            outside
                .issues
                .iter()
                .all(|i| i.reason.key() == "import.team_missing")
        );
        let own = format!(
            "姓名,身份证号,职务,所属班子\n孙八,{},书记,某街道党工委领导班子\n",
            id("41080219700505005")
        );
        let r = import_cadres(s, csv(&own), &opts(false, Some(staff)), &Silent)
            .await
            .unwrap();
        assert_eq!(
            (r.committed, r.outcome.inserted),
            (true, 1),
            "{:?}",
            r.issues
        );
    }
}

/// Teams and cadres by hand: a post that ends keeps what happened in it, a move starts a
/// new post, the principal leader's mark moves; an organisation closes only when empty.
#[tokio::test]
async fn posts_change_over_time_and_an_emptied_organisation_closes() {
    use support::actor;
    use xianfeng_app::AppError;
    use xianfeng_app::teams::{
        CadreForm, Move, TeamForm, add_cadre, create_team, end_post, make_head, move_post,
    };
    for db in backends().await {
        let c = city(db.open().await).await;
        let s = &c.store;
        let label = db.label;
        let staff = principal(s, "staff").await;
        let wang = principal(s, "wang").await;
        let as_staff = actor("staff", &staff);
        let team_form = |name: &str| TeamForm {
            name: name.into(),
            category: "乡镇（街道）班子".into(),
        };
        let err = create_team(s, &actor("wang", &wang), "B1", &team_form("x"))
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Forbidden), "{label}: {err:?}");
        let first = create_team(s, &as_staff, "T1", &team_form("街道党工委班子"))
            .await
            .unwrap();
        let second = create_team(s, &as_staff, "T1", &team_form("街道办事处班子"))
            .await
            .unwrap();
        assert_eq!(
            s.registry().team(first).await.unwrap().unwrap().category,
            Some(TeamCategory::Township)
        );

        let cadre = |name: &str, id17: &str, head: &str| CadreForm {
            name: name.into(),
            id_number: id(id17),
            position: "书记".into(),
            is_head: head.into(),
            since: "2021-06-01".into(),
        };
        let bad = CadreForm {
            id_number: "123".into(),
            ..cadre("周建国", "41080219720304001", "是")
        };
        let err = add_cadre(s, &as_staff, first, &bad, today())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, AppError::Input(m) if m.render(xianfeng_domain::i18n::Lang::En).starts_with("ID number:")),
            "{label}: {err:?}"
        );
        let zhou = add_cadre(
            s,
            &as_staff,
            first,
            &cadre("周建国", "41080219720304001", "是"),
            today(),
        )
        .await
        .unwrap();
        let qian = add_cadre(
            s,
            &as_staff,
            first,
            &cadre("钱卫东", "41080219750607002", ""),
            today(),
        )
        .await
        .unwrap();
        make_head(s, &as_staff, qian).await.unwrap();
        let now: Vec<_> = s
            .registry()
            .cadres_of_team(first)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.name, c.is_head))
            .collect();
        assert_eq!(
            now,
            vec![("钱卫东".to_string(), true), ("周建国".to_string(), false)],
            "{label}"
        );

        // Leaving: not in the future, not before the post began; then off the list.
        let err = end_post(s, &as_staff, zhou, support::day("2020-01-01"), today())
            .await
            .unwrap_err();
        assert!(matches!(&err, AppError::Input(m) if m.key() == "app.post_before_since"));
        end_post(s, &as_staff, zhou, today(), today())
            .await
            .unwrap();
        assert_eq!(s.registry().cadres_of_team(first).await.unwrap().len(), 1);
        let former = s.registry().former_cadres_of_team(first).await.unwrap();
        assert_eq!(
            (former.len(), former[0].left_on),
            (1, Some(today())),
            "{label}"
        );
        assert!(
            end_post(s, &as_staff, zhou, today(), today())
                .await
                .is_err()
        );

        // A move ends the post and starts another; the person's history holds both.
        let moved = move_post(
            s,
            &as_staff,
            qian,
            &Move {
                to_org: "T1",
                to_team: "街道办事处班子",
                position: "主任",
                is_head: true,
                on: today(),
            },
            today(),
        )
        .await
        .unwrap();
        assert_ne!(moved, qian, "{label}");
        assert!(s.registry().cadres_of_team(first).await.unwrap().is_empty());
        let there = s.registry().cadres_of_team(second).await.unwrap();
        assert_eq!(
            (there[0].position.as_str(), there[0].is_head),
            ("主任", true)
        );
        let history = s.registry().posts_of_person(moved).await.unwrap();
        assert_eq!(history.len(), 2, "{label}");
        assert_eq!(history[0].left_on, Some(today()), "{label}");
        let err = move_post(
            s,
            &as_staff,
            moved,
            &Move {
                to_org: "T1",
                to_team: "没有这个班子",
                position: "x",
                is_head: false,
                on: today(),
            },
            today(),
        )
        .await
        .unwrap_err();
        assert!(matches!(&err, AppError::Input(m) if m.key() == "app.team_unknown"));

        // Closing: refused while members remain (naming how many) or organisations below.
        let err =
            xianfeng_app::registry::close_org(s, &as_staff, "B2", today(), Some("B1"), today())
                .await
                .unwrap_err();
        assert!(
            matches!(&err, AppError::Store(xianfeng_storage::StoreError::Conflict(m)) if m.render(xianfeng_domain::i18n::Lang::En).contains("1 members")),
            "{label}: {err:?}"
        );
        let li_qiang = s
            .registry()
            .member_by_id_number(&id("41080219820202003"))
            .await
            .unwrap()
            .unwrap();
        let li = principal(s, "li").await;
        xianfeng_app::members::start_transfer(s, &actor("li", &li), li_qiang.id, "B1", "合并")
            .await
            .unwrap();
        let t = s.registry().transfers_of_member(li_qiang.id).await.unwrap()[0].id;
        xianfeng_app::members::step_transfer(
            s,
            &actor("wang", &wang),
            t,
            xianfeng_domain::member_changes::TransferStep::Accept,
            "",
        )
        .await
        .unwrap();
        xianfeng_app::registry::close_org(s, &as_staff, "B2", today(), Some("B1"), today())
            .await
            .unwrap();
        let b2 = s.registry().org_by_code("B2").await.unwrap().unwrap();
        let b1 = s.registry().org_by_code("B1").await.unwrap().unwrap();
        assert_eq!((b2.closed_on, b2.merged_into), (Some(today()), Some(b1.id)));
        let t1 = s.registry().org_by_code("T1").await.unwrap().unwrap();
        let kids: Vec<_> = s
            .registry()
            .children(t1.id)
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.code)
            .collect();
        assert_eq!(kids, vec!["B1"], "{label}");
        let err = xianfeng_app::registry::close_org(s, &as_staff, "T1", today(), None, today())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, AppError::Store(xianfeng_storage::StoreError::Conflict(m)) if m.key() == "store.org_has_children"),
            "{label}: {err:?}"
        );
    }
}
