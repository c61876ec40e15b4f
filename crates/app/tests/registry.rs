//! The registry end to end on every backend: import, upsert, tree moves, counts, audit.

use xianfeng_app::Silent;
use xianfeng_app::import::{ImportOptions, import_members, import_orgs};
use xianfeng_app::init::init;
use xianfeng_domain::org::OrgKind;
use xianfeng_domain::person::Gender;
use xianfeng_storage::{Store, Vault};
use xianfeng_testkit::{backends, id, today};

fn opts() -> ImportOptions {
    ImportOptions {
        mode: xianfeng_app::import::ImportMode::Commit,
        skip_bad: false,
        actor: "test".into(),
        today: today(),
        on_behalf: None,
    }
}

fn csv(text: &str) -> xianfeng_ingest::SheetReader {
    xianfeng_ingest::from_csv_bytes(text.as_bytes().to_vec()).unwrap()
}

/// Children before parents, columns in another order, an extra column, English headers mixed.
const ORGS: &str = "\
备注,组织名称,组织编码,上级组织编码,组织类别,分类,sector
x,解放区某社区第一党支部,B1,T1,党支部,,
x,解放区某街道党工委,T1,C1,工委,,
x,中共解放区委员会,C1,,县(市、区)委,县市区,
x,市教育局机关党委,E1,C1,党委,市直机关,教育
x,教育局第一党支部,E1-1,E1,,,教育
";

async fn seeded(store: &Store) {
    init(store, Some("Test-pass-1"), false, &Silent)
        .await
        .unwrap();
    let r = import_orgs(store, csv(ORGS), &opts(), &Silent)
        .await
        .unwrap();
    assert!(r.issues.is_empty(), "{:?}", r.issues);
    assert_eq!(r.outcome.inserted, 5);
}

fn members_csv(rows: &[(&str, &str, &str)]) -> String {
    let mut s = String::from("姓名,身份证号,所在组织编码,手机号,入党时间\n");
    for (name, idn, org) in rows {
        s.push_str(&format!("{name},{idn},{org},138 0013 8000,2011年7月1日\n"));
    }
    s
}

#[tokio::test]
async fn import_in_any_order_upserts_and_counts_the_subtree() {
    for db in backends().await {
        let store = db.open().await;
        seeded(&store).await;
        let b1 = store.registry().org_by_code("B1").await.unwrap().unwrap();
        let c1 = store.registry().org_by_code("C1").await.unwrap().unwrap();
        assert!(b1.path.starts_with(&c1.path), "{}", db.label);
        assert_eq!(
            b1.category.as_deref(),
            Some("county"),
            "inherited from parent"
        );
        let e11 = store.registry().org_by_code("E1-1").await.unwrap().unwrap();
        assert_eq!(e11.kind, OrgKind::Branch, "kind told from the name");

        let a = id("41080219800101001");
        let b = id("41080219820202002");
        let c = id("41080219900303003");
        let text = members_csv(&[("王芳", &a, "B1"), ("李强", &b, "B1"), ("赵敏", &c, "E1-1")]);
        let r = import_members(&store, csv(&text), &opts(), &Silent)
            .await
            .unwrap();
        assert!(r.issues.is_empty(), "{}: {:?}", db.label, r.issues);
        assert_eq!(r.outcome.inserted, 3);

        let counts = store.registry().subtree_counts(&c1).await.unwrap();
        assert_eq!(
            (counts.organisations, counts.members),
            (5, 3),
            "{}",
            db.label
        );
        let t1 = store.registry().org_by_code("T1").await.unwrap().unwrap();
        assert_eq!(
            store.registry().subtree_counts(&t1).await.unwrap().members,
            2
        );

        // Personal data: masked in lists, never stored in plain text, recoverable with the key.
        let m = store
            .registry()
            .member_by_id_number(&a)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(m.id_masked, format!("4108**********{}", &a[14..]));
        assert_eq!(m.phone_masked.as_deref(), Some("1380***8000"));
        assert_eq!(
            m.gender,
            Gender::Male,
            "told from the ID number: odd sequence"
        );
        assert_eq!(
            store
                .registry()
                .reveal_id_number(m.id)
                .await
                .unwrap()
                .unwrap(),
            a
        );
        let raw = db.raw().await;
        let (plain,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM members WHERE id_cipher LIKE '%{a}%' OR id_hash = '{a}' \
             OR id_masked = '{a}' OR phone_cipher LIKE '%13800138000%'"
        )))
        .fetch_one(&raw)
        .await
        .unwrap();
        assert_eq!(plain, 0);

        // The audit trail lists the created members with their values, masked.
        let entries = store
            .audit()
            .entries(&xianfeng_storage::AuditFilter::default())
            .await
            .unwrap();
        let created = entries
            .iter()
            .find(|e| e.action == "member.create")
            .expect("creations are audited");
        assert!(created.after.contains("王芳") && created.after.contains(&m.id_masked));
        assert!(
            entries
                .iter()
                .all(|e| !e.after.contains(&a) && !e.after.contains("13800138000"))
        );

        // The first load ran without the members indexes and foreign key; all are back.
        let orphan = sqlx::query(
            "INSERT INTO members (id, org_id, name, gender, birth_year, id_hash, id_cipher, \
             id_masked, member_type, created_at, updated_at) \
             VALUES (999999, 999999, 'x', 'male', 1980, 'h', 'c', 'm', 'formal', 0, 0)",
        )
        .execute(&raw)
        .await;
        assert!(orphan.is_err(), "{}: the foreign key is enforced", db.label);

        // The same files again change nothing and write no audit entries.
        let before = store.stats().await.unwrap();
        let r = import_orgs(&store, csv(ORGS), &opts(), &Silent)
            .await
            .unwrap();
        assert_eq!(
            (r.outcome.inserted, r.outcome.updated, r.outcome.unchanged),
            (0, 0, 5)
        );
        let r = import_members(&store, csv(&text), &opts(), &Silent)
            .await
            .unwrap();
        assert_eq!(
            (r.outcome.inserted, r.outcome.updated, r.outcome.unchanged),
            (0, 0, 3)
        );
        assert_eq!(store.stats().await.unwrap(), before, "{}", db.label);

        // New and known people in one file: the new one is added, the known one compared.
        let d = id("41080219750505005");
        let mixed = members_csv(&[("钱进", &d, "B1"), ("李强", &b, "B1")]);
        let r = import_members(&store, csv(&mixed), &opts(), &Silent)
            .await
            .unwrap();
        assert_eq!(
            (r.outcome.inserted, r.outcome.updated, r.outcome.unchanged),
            (1, 0, 1),
            "{}",
            db.label
        );
        assert_eq!(
            store
                .registry()
                .member_by_id_number(&d)
                .await
                .unwrap()
                .unwrap()
                .name,
            "钱进"
        );

        // Only the phone differs: found by decrypting the stored one, and updated.
        let new_phone = members_csv(&[("李强", &b, "B1")]).replace("138 0013 8000", "13912345678");
        let r = import_members(&store, csv(&new_phone), &opts(), &Silent)
            .await
            .unwrap();
        assert_eq!(
            (r.outcome.updated, r.outcome.unchanged),
            (1, 0),
            "{}",
            db.label
        );
        let li = store
            .registry()
            .member_by_id_number(&b)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(li.phone_masked.as_deref(), Some("1391***5678"));

        // A changed row updates the member in place (moved to another branch).
        let moved = members_csv(&[("王芳", &a, "E1-1")]);
        let r = import_members(&store, csv(&moved), &opts(), &Silent)
            .await
            .unwrap();
        assert_eq!(r.outcome.updated, 1);
        assert_eq!(
            store.registry().subtree_counts(&t1).await.unwrap().members,
            2
        );
        assert_eq!(
            store.audit().verify().await.unwrap(),
            Ok(store.stats().await.unwrap().audit_entries)
        );
    }
}

#[tokio::test]
async fn a_bad_row_writes_nothing_unless_bad_rows_are_skipped() {
    for db in backends().await {
        let store = db.open().await;
        seeded(&store).await;
        let good = id("41080219800101001");
        let mut wrong_check = id("41080219820202002");
        wrong_check.replace_range(17.., if wrong_check.ends_with('1') { "2" } else { "1" });
        let text = members_csv(&[
            ("王芳", &good, "B1"),
            ("李强", &wrong_check, "B1"),
            ("", &id("41080219900303003"), "NOPE"),
        ]);
        let before = store.stats().await.unwrap();
        let r = import_members(&store, csv(&text), &opts(), &Silent)
            .await
            .unwrap();
        assert!(!r.committed);
        assert_eq!(r.bad_rows, 2);
        let rows: Vec<(usize, &str)> = r
            .issues
            .iter()
            .map(|i| (i.row, i.column.as_str()))
            .collect();
        assert!(rows.contains(&(3, "身份证号")), "{rows:?}");
        assert!(rows.contains(&(4, "姓名")), "{rows:?}");
        assert!(
            r.issues
                .iter()
                .all(|i| !i.value.contains(&wrong_check[4..14])),
            "ID numbers are masked in reports"
        );
        assert_eq!(
            store.stats().await.unwrap(),
            before,
            "{}: nothing written",
            db.label
        );

        let mut skip = opts();
        skip.skip_bad = true;
        let r = import_members(&store, csv(&text), &skip, &Silent)
            .await
            .unwrap();
        assert!(r.committed);
        assert_eq!(r.outcome.inserted, 1);
        assert_eq!(store.stats().await.unwrap().members, 1);

        // The first load into the empty table ran without the members indexes and failed;
        // rolling back restored them, so a second sight of the same person is recognised.
        let again = import_members(&store, csv(&text), &skip, &Silent)
            .await
            .unwrap();
        assert_eq!(
            (again.outcome.inserted, again.outcome.unchanged),
            (0, 1),
            "{}",
            db.label
        );

        let mut dry = opts();
        dry.mode = xianfeng_app::import::ImportMode::Check;
        let other = members_csv(&[("赵敏", &id("41080219900303003"), "B1")]);
        let r = import_members(&store, csv(&other), &dry, &Silent)
            .await
            .unwrap();
        assert!(!r.committed && r.issues.is_empty());
        assert_eq!(
            store.stats().await.unwrap().members,
            1,
            "dry run writes nothing"
        );
    }
}

#[tokio::test]
async fn cycles_and_missing_parents_are_refused_and_change_nothing() {
    for db in backends().await {
        let store = db.open().await;
        seeded(&store).await;
        let before = store.stats().await.unwrap();
        let text = "组织编码,组织名称,上级组织编码,组织类别\n\
                    X1,甲党委,X2,党委\nX2,乙党委,X1,党委\nX3,丙党支部,GHOST,党支部\nX4,丁党支部,C1,党支部\n";
        let r = import_orgs(&store, csv(text), &opts(), &Silent)
            .await
            .unwrap();
        assert!(!r.committed);
        let rows: Vec<usize> = r.issues.iter().map(|i| i.row).collect();
        assert_eq!(rows, vec![2, 3, 4], "{}", db.label);
        assert_eq!(store.stats().await.unwrap(), before);
        assert!(store.registry().org_by_code("X4").await.unwrap().is_none());
    }
}

#[tokio::test]
async fn moving_a_subtree_rewrites_every_descendant_and_refuses_cycles() {
    for db in backends().await {
        let store = db.open().await;
        seeded(&store).await;
        let text = members_csv(&[("王芳", &id("41080219800101001"), "E1-1")]);
        import_members(&store, csv(&text), &opts(), &Silent)
            .await
            .unwrap();
        let t1 = store.registry().org_by_code("T1").await.unwrap().unwrap();
        let e1 = store.registry().org_by_code("E1").await.unwrap().unwrap();
        let mut tx = store.begin("test").await.unwrap();
        assert_eq!(tx.move_org(&e1, &t1).await.unwrap(), 2);
        tx.commit().await.unwrap();
        let e1 = store.registry().org_by_code("E1").await.unwrap().unwrap();
        let e11 = store.registry().org_by_code("E1-1").await.unwrap().unwrap();
        assert!(
            e1.path.starts_with(&t1.path) && e11.path.starts_with(&e1.path),
            "{}",
            db.label
        );
        assert_eq!((e1.depth, e11.depth), (3, 4));
        assert_eq!(
            store.registry().subtree_counts(&t1).await.unwrap().members,
            1
        );
        let b1 = store.registry().org_by_code("B1").await.unwrap().unwrap();
        // A committee may not sit under a branch.
        let mut tx = store.begin("test").await.unwrap();
        assert!(tx.move_org(&e1, &b1).await.is_err());
        tx.rollback().await.unwrap();

        // Under its own descendant: refused, nothing changed.
        let c1 = store.registry().org_by_code("C1").await.unwrap().unwrap();
        let mut tx = store.begin("test").await.unwrap();
        assert!(tx.move_org(&c1, &b1).await.is_err());
        tx.rollback().await.unwrap();
        assert_eq!(
            store.registry().org_by_code("C1").await.unwrap().unwrap(),
            c1
        );
        assert!(store.audit().verify().await.unwrap().is_ok());
    }
}

#[tokio::test]
async fn tampering_with_the_audit_trail_is_detected() {
    for db in backends().await {
        let store = db.open().await;
        seeded(&store).await;
        assert!(store.audit().verify().await.unwrap().is_ok());
        let raw = db.raw().await;
        sqlx::query("UPDATE audit_log SET actor = 'nobody' WHERE id = 3")
            .execute(&raw)
            .await
            .unwrap();
        assert_eq!(
            store.audit().verify().await.unwrap(),
            Err(3),
            "{}",
            db.label
        );
    }
}

#[tokio::test]
async fn the_wrong_key_cannot_open_the_database() {
    for db in backends().await {
        let store = db.open().await;
        seeded(&store).await;
        store.close().await;
        let err = Store::open(&db.url, Vault::new([9; 32])).await.err();
        assert!(
            matches!(err, Some(xianfeng_storage::StoreError::Key(_))),
            "{}",
            db.label
        );
    }
}

/// A registry value the program cannot read (a gender, an organisation kind no version
/// writes) is an error naming table, column and value, never read as some default.
#[tokio::test]
async fn a_damaged_registry_value_is_an_error_naming_its_column() {
    use xianfeng_domain::i18n::Lang;
    for db in backends().await {
        let store = db.open().await;
        seeded(&store).await;
        let a = id("41080219800101001");
        let text = members_csv(&[("王芳", &a, "B1")]);
        import_members(&store, csv(&text), &opts(), &Silent)
            .await
            .unwrap();
        let m = store
            .registry()
            .member_by_id_number(&a)
            .await
            .unwrap()
            .unwrap();
        let raw = db.raw().await;
        sqlx::query("UPDATE members SET gender = 'unknown' WHERE id = $1")
            .bind(m.id)
            .execute(&raw)
            .await
            .unwrap();
        let Err(xianfeng_storage::StoreError::Damaged(why)) = store.registry().member(m.id).await
        else {
            panic!("{}: a damaged gender was read", db.label);
        };
        let text = why.render(Lang::En);
        assert!(
            text.contains("members.gender") && text.contains("unknown"),
            "{}: {text}",
            db.label
        );

        sqlx::query("UPDATE organisations SET kind = 'cell' WHERE code = 'E1-1'")
            .execute(&raw)
            .await
            .unwrap();
        let Err(xianfeng_storage::StoreError::Damaged(why)) =
            store.registry().org_by_code("E1-1").await
        else {
            panic!("{}: a damaged kind was read", db.label);
        };
        assert!(
            why.render(Lang::En).contains("organisations.kind"),
            "{}",
            db.label
        );
    }
}

/// Migration 13 keeps the year of each stored date of birth and drops the dates.
#[tokio::test]
async fn migration_13_keeps_the_year_of_birth_and_drops_the_date() {
    for db in backends().await {
        let vault = || Vault::new(db.key);
        let old = Store::open_at(&db.url, vault(), 12).await.unwrap();
        old.close().await;
        let raw = db.raw().await;
        sqlx::query(
            "INSERT INTO organisations (id, code, name, kind, path, depth, member_count, \
             created_at, updated_at) VALUES (1, 'B1', '支部', 'branch', '/1/', 0, 1, 0, 0)",
        )
        .execute(&raw)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO members (id, org_id, name, gender, birth_date, id_hash, id_cipher, \
             id_masked, member_type, created_at, updated_at) \
             VALUES (7, 1, '王芳', 'female', '1980-03-15', 'h', 'c', 'm', 'formal', 0, 0)",
        )
        .execute(&raw)
        .await
        .unwrap();
        let store = Store::open(&db.url, vault()).await.unwrap();
        let m = store.registry().member(7).await.unwrap().unwrap();
        assert_eq!(m.birth_year, Some(1980), "{}", db.label);
        let gone = sqlx::query("SELECT birth_date FROM members")
            .fetch_all(&raw)
            .await;
        assert!(gone.is_err(), "{}: the date column is gone", db.label);
        store.close().await;
    }
}

#[tokio::test]
async fn a_file_of_many_bad_rows_lists_the_first_and_counts_the_rest() {
    use xianfeng_app::import::{LISTED_ISSUES, issues_csv};
    let db = backends().await.remove(0);
    let store = db.open().await;
    seeded(&store).await;
    let bad_rows = LISTED_ISSUES + 2_000;
    let mut sheet = String::from("姓名,身份证号,所在组织编码\n");
    for n in 0..bad_rows {
        sheet.push_str(&format!("某{n},123,B1\n"));
    }
    let report = import_members(&store, csv(&sheet), &opts(), &Silent)
        .await
        .unwrap();
    assert_eq!(report.bad_rows, bad_rows);
    assert_eq!(report.issues.len(), LISTED_ISSUES);
    assert_eq!(report.issues.len() + report.unlisted_issues, bad_rows);
    assert!(!report.committed);
    let file =
        String::from_utf8(issues_csv(&report, xianfeng_domain::i18n::Lang::En).unwrap()).unwrap();
    assert_eq!(file.lines().count(), 1 + LISTED_ISSUES + 1);
    assert!(
        file.lines().last().unwrap().contains("2000 more problems"),
        "{}",
        file.lines().last().unwrap()
    );
}
