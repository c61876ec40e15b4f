//! Bulletins (通报): document numbers run per issuer and year without gaps; issuing is once
//! and irreversible; a draft's body is checked line by line; a commendation names who signed
//! it off; a county's staff write only their subtree's.

mod support;

use xianfeng_app::actor::Who;
use xianfeng_app::bulletins;
use xianfeng_domain::bulletin::{BulletinKind, Figures};
use xianfeng_storage::{Issue, NewBulletin, Store};
use xianfeng_testkit::backends;

use support::{city, day, principal};

async fn draft(store: &Store, kind: BulletinKind, scope: &str) -> i64 {
    let (campaign_id, _) = xianfeng_app::scope::campaign(store).await.unwrap();
    let org = store.registry().org_by_code(scope).await.unwrap().unwrap();
    let mut tx = store.begin("test").await.unwrap();
    let id = tx
        .create_bulletin(&NewBulletin {
            campaign_id,
            kind,
            scope_org_id: org.id,
            period: Some("2010".into()),
            subject_ref: None,
            title: "关于创先争优活动进展情况的通报".into(),
            body: "一、总体情况".into(),
            figures: Figures::new(),
            tables: vec![],
            corrects_id: None,
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

fn issue(on: &str, signer: Option<&str>) -> Issue {
    Issue {
        issuer: "中共焦作市委创先争优活动领导小组办公室".into(),
        prefix: "焦创办".into(),
        year: 0,
        main_to: "各县（市、区）委组织部".into(),
        copy_to: String::new(),
        signer: signer.map(str::to_string),
        dated_on: day(on),
        public: true,
        recipients: vec![],
    }
}

#[tokio::test]
async fn numbers_run_per_issuer_and_year_and_an_issued_bulletin_never_changes() {
    for db in backends().await {
        let c = city(db.open().await).await;
        let s = &c.store;
        let office = Who::operator();
        let (a, b, next_year) = (
            draft(s, BulletinKind::Progress, "C1").await,
            draft(s, BulletinKind::Progress, "C1").await,
            draft(s, BulletinKind::Progress, "C1").await,
        );
        let first = bulletins::issue(s, office, a, &issue("2011-03-01", None), &[])
            .await
            .unwrap();
        let second = bulletins::issue(s, office, b, &issue("2011-04-01", None), &[])
            .await
            .unwrap();
        let third = bulletins::issue(s, office, next_year, &issue("2012-01-05", None), &[])
            .await
            .unwrap();
        assert_eq!(first.to_string(), "焦创办〔2011〕1号", "{}", db.label);
        assert_eq!(second.to_string(), "焦创办〔2011〕2号");
        assert_eq!(
            third.to_string(),
            "焦创办〔2012〕1号",
            "a new year starts at one"
        );

        // Issued once: neither issued again nor edited.
        let again = bulletins::issue(s, office, a, &issue("2011-05-01", None), &[]).await;
        assert!(again.is_err());
        let edit = bulletins::edit(s, office, a, "标题", "一、总体情况").await;
        assert!(edit.is_err());
        let stored = s.bulletins().bulletin(a).await.unwrap().unwrap();
        assert_eq!(stored.number, Some(first));
        assert_eq!(stored.dated_on, Some(day("2011-03-01")));

        // A commendation names who signed it off; a bad prefix is refused; nothing is used up.
        let decision = draft(s, BulletinKind::Commendation, "C1").await;
        assert!(
            bulletins::issue(s, office, decision, &issue("2011-06-01", None), &[])
                .await
                .is_err()
        );
        let mut bad = issue("2011-06-01", Some("张三"));
        bad.prefix = "焦创办2".into();
        assert!(
            bulletins::issue(s, office, decision, &bad, &[])
                .await
                .is_err()
        );
        let n = bulletins::issue(s, office, decision, &issue("2011-06-01", Some("张三")), &[])
            .await
            .unwrap();
        assert_eq!(n.seq, 3, "no number was used up by the refusals");

        // A draft's body is checked line by line.
        let open = draft(s, BulletinKind::Progress, "C1").await;
        let refused = bulletins::edit(s, office, open, "通报", "一、甲\n三、乙")
            .await
            .unwrap_err();
        let text = refused
            .message()
            .unwrap()
            .render(xianfeng_domain::i18n::Lang::ZhCn);
        assert!(text.contains("第2行") && text.contains("三、"), "{text}");
        bulletins::edit(s, office, open, "通报", "一、甲\n二、乙")
            .await
            .unwrap();

        // The street's staff write only their subtree's bulletins: the district's is not
        // found for them.
        let staff = principal(s, "staff").await;
        let theirs = Who {
            username: "staff",
            principal: Some(&staff),
        };
        assert!(matches!(
            bulletins::edit(s, theirs, open, "通报", "一、甲").await,
            Err(xianfeng_app::AppError::NotFound)
        ));
    }
}

#[test]
fn the_annex_keeps_codes_as_text_and_numbers_as_numbers_one_sheet_per_table() {
    use xianfeng_domain::bulletin::{Figure, Table};
    let tables = vec![
        Table {
            key: "leaders".into(),
            title: "表1 各县（市、区）活动进展情况".into(),
            columns: vec![
                "单位".into(),
                "代码".into(),
                "承诺数".into(),
                "满意率".into(),
            ],
            rows: vec![vec![
                Figure::Text("中共解放区委员会".into()),
                Figure::Text("010802".into()),
                Figure::Count(128),
                Figure::Hundredths(9_287),
            ]],
        },
        Table {
            key: "missing".into(),
            title: "表2 未提交实施方案的党组织".into(),
            columns: vec!["单位".into()],
            rows: vec![],
        },
    ];
    let bytes = bulletins::annex_xlsx(&tables).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("annex.xlsx");
    std::fs::write(&file, &bytes).unwrap();
    let mut first = xianfeng_ingest::open(&file, &xianfeng_ingest::Limits::WEB).unwrap();
    // (The reader normalises full-width brackets; the file keeps the title as written.)
    assert!(first.headers[0].starts_with("表1 各县") && first.headers[0].ends_with("活动进展情况"));
    let (_, columns) = first.next().unwrap().unwrap();
    assert_eq!(columns[2].to_text(), "承诺数");
    let (_, row) = first.next().unwrap().unwrap();
    use xianfeng_domain::sheet::Cell;
    assert_eq!(row[1], Cell::Text("010802".into()), "a code stays text");
    assert_eq!(row[2], Cell::Number(128.0));
    assert_eq!(row[3], Cell::Number(92.87));
    let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let sheets = zip
        .file_names()
        .filter(|n| {
            n.as_ref()
                .is_ok_and(|n| n.starts_with("xl/worksheets/sheet"))
        })
        .count();
    assert_eq!(sheets, 2, "one sheet per table");
}

/// Two bulletins issued at once under one prefix (two offices, two servers) are both
/// issued, numbered one after the other — the second is not told to try again. The second
/// is sent while the first is written and not yet committed.
#[tokio::test]
async fn two_bulletins_issued_at_once_take_numbers_in_turn() {
    for db in backends().await {
        let c = city(db.open().await).await;
        let (one, two) = (&c.store, &db.open().await);
        let (a, b) = (
            draft(one, BulletinKind::Progress, "C1").await,
            draft(one, BulletinKind::Progress, "C1").await,
        );
        let mut dated = issue("2011-03-01", None);
        dated.year = 2011;
        let mut first = one.begin("office").await.unwrap();
        let n1 = first.issue_bulletin(a, &dated).await.unwrap();
        let later = xianfeng_storage::retry::retrying(|| async {
            let mut tx = two.begin("office").await?;
            let n = tx.issue_bulletin(b, &dated).await?;
            tx.commit().await?;
            Ok(n)
        });
        let n2 = support::while_uncommitted(first, later).await;
        let n2 = n2.unwrap_or_else(|e| panic!("{}: {e}", db.label));
        assert_eq!((n1.seq, n2.seq), (1, 2), "{}", db.label);
    }
}
