//! Importing a roster in the browser: upload, preview with every bad row, download the
//! errors, confirm; only within the account's scope.

mod support;

use axum::http::StatusCode;
use support::{apps, apps_with};
use xianfeng_testkit::id;

fn roster(rows: &[(&str, String, &str)]) -> Vec<u8> {
    let mut s = String::from("姓名,身份证号,所在组织编码\n");
    for (name, idn, org) in rows {
        s.push_str(&format!("{name},{idn},{org}\n"));
    }
    s.into_bytes()
}

/// The preview page once the background check has finished: the page answers 202 and
/// reloads itself until then.
async fn checked(app: &support::App, path: &str, cookie: Option<&str>) -> support::Answer {
    for _ in 0..400 {
        let a = app.get(path, cookie).await;
        if a.status != StatusCode::ACCEPTED {
            return a;
        }
        assert!(a.body.contains("http-equiv=\"refresh\""), "{}", a.body);
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the check of {path} did not finish");
}

async fn member_count(app: &support::App, code: &str) -> i64 {
    let o = app
        .store
        .registry()
        .org_by_code(code)
        .await
        .unwrap()
        .unwrap();
    o.member_count
}

#[tokio::test]
async fn a_roster_with_one_bad_row_is_previewed_its_errors_downloaded_and_confirmed() {
    for app in apps().await {
        let label = app.label();
        let wang = app.sign_in("wang").await;
        let csrf = app.csrf(&wang).await;
        let form = app.get("/import", Some(&wang)).await;
        assert!(
            form.body.contains("enctype=\"multipart/form-data\""),
            "{label}"
        );
        let file = roster(&[
            ("张三", id("41080219900101003"), "B1"),
            ("赵四", "410802199001010000".into(), "B1"),
            ("钱五", id("41080219910101005"), "B1"),
        ]);
        let up = app
            .upload(&wang, &csrf, "members", "花名册.csv", &file)
            .await;
        assert_eq!(up.status, StatusCode::SEE_OTHER, "{label}: {}", up.body);
        let preview_path = up.location().to_string();
        assert!(preview_path.starts_with("/import/"), "{preview_path}");

        let preview = checked(&app, &preview_path, Some(&wang)).await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
        assert!(preview.body.contains("花名册.csv"));
        assert!(
            preview.body.contains("class=\"bad-rows\">1<"),
            "{}",
            preview.body
        );
        assert!(
            preview.body.contains("校验码"),
            "the reason is shown: {}",
            preview.body
        );
        // The rehearsal counted exactly what would be new, and wrote nothing.
        assert!(
            preview.body.contains("新增<strong>2</strong>"),
            "{}",
            preview.body
        );
        assert_eq!(member_count(&app, "B1").await, 1);

        let errors = app
            .get(&format!("{preview_path}/errors.csv"), Some(&wang))
            .await;
        assert_eq!(errors.status, StatusCode::OK);
        assert!(errors.body.starts_with('\u{feff}'), "a BOM for Excel");
        assert!(
            errors.body.lines().nth(1).unwrap().starts_with("3,"),
            "{}",
            errors.body
        );

        // Confirming without agreeing to skip the bad row writes nothing.
        let all_or_nothing = app
            .post_form(
                &format!("{preview_path}/confirm"),
                Some(&wang),
                &format!("csrf={csrf}"),
            )
            .await;
        assert!(!all_or_nothing.body.contains("已写入系统"), "{label}");
        assert_eq!(member_count(&app, "B1").await, 1);
        // A forged token changes nothing either.
        let forged = app
            .post_form(
                &format!("{preview_path}/confirm"),
                Some(&wang),
                "csrf=forged&skip_bad=1",
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert_eq!(member_count(&app, "B1").await, 1);

        let done = app
            .post_form(
                &format!("{preview_path}/confirm"),
                Some(&wang),
                &format!("csrf={csrf}&skip_bad=1"),
            )
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert!(done.body.contains("已写入系统"), "{}", done.body);
        assert_eq!(member_count(&app, "B1").await, 3, "{label}");
        // The staged file is gone once imported.
        assert_eq!(
            app.get(&preview_path, Some(&wang)).await.status,
            StatusCode::NOT_FOUND
        );
        let audit = app
            .store
            .audit()
            .entries(&xianfeng_storage::AuditFilter {
                since_ms: None,
                limit: 1000,
            })
            .await
            .unwrap();
        assert!(
            audit
                .iter()
                .any(|e| e.actor == "wang" && e.action == "member.create")
        );
    }
}

#[tokio::test]
async fn a_secretary_imports_only_into_her_branch_and_only_her_own_files() {
    for app in apps().await {
        let label = app.label();
        let wang = app.sign_in("wang").await;
        let csrf = app.csrf(&wang).await;
        // A row for the sibling branch reads as an unknown organisation; a person already
        // registered in the sibling branch cannot be pulled in.
        let file = roster(&[("张三", id("41080219900101003"), "B2")]);
        let up = app.upload(&wang, &csrf, "members", "m.csv", &file).await;
        let preview = checked(&app, up.location(), Some(&wang)).await;
        assert!(preview.body.contains("不存在"), "{label}: {}", preview.body);
        let moved = roster(&[(support::B2_MEMBER, id("41080219820202002"), "B1")]);
        let up = app.upload(&wang, &csrf, "members", "m.csv", &moved).await;
        let preview = checked(&app, up.location(), Some(&wang)).await;
        assert_eq!(preview.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(preview.body.contains("管理范围以外"), "{}", preview.body);
        assert_eq!(member_count(&app, "B2").await, 1);

        // Another account cannot see or confirm her staged file.
        let li = app.sign_in("li").await;
        let li_csrf = app.csrf(&li).await;
        let other = app.get(up.location(), Some(&li)).await;
        assert_eq!(other.status, StatusCode::NOT_FOUND);
        assert!(!other.body.contains(support::B2_MEMBER));
        let confirm = app
            .post_form(
                &format!("{}/confirm", up.location()),
                Some(&li),
                &format!("csrf={li_csrf}&skip_bad=1"),
            )
            .await;
        assert_eq!(confirm.status, StatusCode::NOT_FOUND);

        // Organisations are the committee's: a secretary may not import them.
        let orgs = "组织编码,组织名称,上级组织编码,组织类别\nB9,新支部,B1,党支部\n";
        let refused = app
            .upload(&wang, &csrf, "orgs", "o.csv", orgs.as_bytes())
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{label}");
        // The office may, under its district only.
        let office = app.sign_in("office").await;
        let office_csrf = app.csrf(&office).await;
        let orgs = "组织编码,组织名称,上级组织编码,组织类别\nB9,新支部,T1,党支部\nR9,外区区委,,县(市、区)委\n";
        let up = app
            .upload(&office, &office_csrf, "orgs", "o.xlsx.csv", orgs.as_bytes())
            .await;
        let preview = checked(&app, up.location(), Some(&office)).await;
        assert!(
            preview.body.contains("不在您的管理范围内"),
            "{label}: {}",
            preview.body
        );
        assert!(
            preview.body.contains("新增<strong>1</strong>"),
            "{}",
            preview.body
        );
    }
}

#[tokio::test]
async fn an_excel_workbook_is_imported_like_a_csv_file() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, h) in ["姓名", "身份证号", "所在组织编码"].iter().enumerate() {
        sheet.write_string(0, col as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "孙六").unwrap();
    sheet.write_string(1, 1, id("41080219930303004")).unwrap();
    sheet.write_string(1, 2, "B1").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    for app in apps().await {
        let wang = app.sign_in("wang").await;
        let csrf = app.csrf(&wang).await;
        let up = app
            .upload(&wang, &csrf, "members", "花名册.XLSX", &bytes)
            .await;
        let preview = checked(&app, up.location(), Some(&wang)).await;
        assert!(
            preview.body.contains("新增<strong>1</strong>"),
            "{}: {}",
            app.label(),
            preview.body
        );
        let done = app
            .post_form(
                &format!("{}/confirm", up.location()),
                Some(&wang),
                &format!("csrf={csrf}"),
            )
            .await;
        assert!(done.body.contains("已写入系统"), "{}", done.body);
        assert_eq!(member_count(&app, "B1").await, 2);
    }
}

#[tokio::test]
async fn bad_uploads_get_a_clear_refusal() {
    let config = xianfeng_web::WebConfig {
        max_body_bytes: 64 * 1024,
        ..Default::default()
    };
    for app in apps_with(config).await {
        let label = app.label();
        let wang = app.sign_in("wang").await;
        let csrf = app.csrf(&wang).await;
        let pdf = app
            .upload(&wang, &csrf, "members", "report.pdf", b"%PDF-1.4")
            .await;
        assert_eq!(pdf.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{label}");
        assert!(pdf.body.contains(".xlsx"), "{}", pdf.body);
        let empty = app.upload(&wang, &csrf, "members", "m.csv", b"").await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        let big = vec![b'a'; 100 * 1024];
        let too_big = app.upload(&wang, &csrf, "members", "m.csv", &big).await;
        assert_eq!(
            too_big.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{label}: {}",
            too_big.body
        );
        let forged = app
            .upload(&wang, "forged", "members", "m.csv", b"a,b\n")
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        // A spreadsheet name on something that is not one: refused when read.
        let fake = app
            .upload(&wang, &csrf, "members", "m.xlsx", b"this is not a workbook")
            .await;
        let preview = checked(&app, fake.location(), Some(&wang)).await;
        assert_eq!(preview.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
    }
}

#[tokio::test]
async fn a_file_is_checked_once_and_a_workbook_too_big_unpacked_is_refused() {
    let config = xianfeng_web::WebConfig {
        sheet_limits: xianfeng_ingest::Limits {
            unpacked_bytes: 1024 * 1024,
            ..xianfeng_ingest::Limits::WEB
        },
        ..Default::default()
    };
    for app in apps_with(config).await {
        let label = app.label();
        let wang = app.sign_in("wang").await;
        let csrf = app.csrf(&wang).await;
        let file = roster(&[("张三", id("41080219900101003"), "B1")]);
        let up = app.upload(&wang, &csrf, "members", "m.csv", &file).await;
        // Another server is checking it: this one says so and looks again by itself...
        let raw = app.db.raw().await;
        let now = chrono::Utc::now().timestamp_millis();
        sqlx::query("UPDATE staged_imports SET check_started = $1")
            .bind(now)
            .execute(&raw)
            .await
            .unwrap();
        let waiting = app.get(up.location(), Some(&wang)).await;
        assert_eq!(waiting.status, StatusCode::ACCEPTED, "{label}");
        assert!(waiting.body.contains("正在检查文件"), "{}", waiting.body);
        // ...until that server is taken to have died, and the check is taken over.
        sqlx::query("UPDATE staged_imports SET check_started = $1")
            .bind(now - 11 * 60 * 1000)
            .execute(&raw)
            .await
            .unwrap();
        let first = checked(&app, up.location(), Some(&wang)).await;
        assert!(
            first.body.contains("新增<strong>1</strong>"),
            "{label}: {}",
            first.body
        );
        // The result is kept: with the stored file spoilt behind the server's back, the
        // preview still shows what the check found instead of reading the file again.
        sqlx::query("UPDATE staged_imports SET content = $1")
            .bind(b"spoilt".to_vec())
            .execute(&raw)
            .await
            .unwrap();
        let again = app.get(up.location(), Some(&wang)).await;
        assert_eq!(again.status, StatusCode::OK, "{label}");
        assert!(
            again.body.contains("新增<strong>1</strong>"),
            "{}",
            again.body
        );

        // 3 MB of text that packs into a few kilobytes.
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "姓名").unwrap();
        let long = "党".repeat(10_000);
        for row in 1..=100 {
            sheet.write_string(row, 0, format!("{row}{long}")).unwrap();
        }
        let bytes = book.save_to_buffer().unwrap();
        assert!(bytes.len() < 200 * 1024, "{}", bytes.len());
        let up = app.upload(&wang, &csrf, "members", "m.xlsx", &bytes).await;
        let refused = checked(&app, up.location(), Some(&wang)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(refused.body.contains("解压后将超过1MB"), "{}", refused.body);
    }
}

#[tokio::test]
async fn the_roster_templates_come_as_workbooks_whose_columns_are_text() {
    let app = apps().await.remove(0);
    let wang = app.sign_in("wang").await;
    let req = axum::http::Request::get("/import/template/members.xlsx")
        .header(axum::http::header::COOKIE, &wang)
        .body(axum::body::Body::empty())
        .unwrap();
    let res = tower::ServiceExt::oneshot(app.router.clone(), req)
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("members.xlsx");
    std::fs::write(&file, &bytes).unwrap();
    // It reads back as a roster with the headers the import expects.
    let reader = xianfeng_ingest::open(&file, &xianfeng_ingest::Limits::WEB).unwrap();
    assert!(
        reader.headers.iter().any(|h| h == "身份证号"),
        "{:?}",
        reader.headers
    );
    assert_eq!(reader.count(), 0, "headers only");
    // The ID column is text (number format "@") in the sheet itself.
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut styles = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/styles.xml").unwrap(), &mut styles).unwrap();
    assert!(styles.contains("formatCode=\"@\""), "{styles}");
    let mut sheet = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut sheet,
    )
    .unwrap();
    assert!(sheet.contains("<cols>"), "column formats: {sheet}");
    for unknown in ["/import/template/members.pdf", "/import/template/x.xlsx"] {
        assert_eq!(
            app.get(unknown, Some(&wang)).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

/// A committee's staff import their leadership teams, then the cadres, through the same
/// upload, preview and confirmation as a roster; a branch secretary is offered neither.
#[tokio::test]
async fn staff_import_teams_then_cadres_and_a_secretary_may_not() {
    for app in apps().await {
        let label = app.label();
        let staff = app.sign_in("staff").await;
        let csrf = app.csrf(&staff).await;
        let form = app.get("/import", Some(&staff)).await;
        assert!(form.body.contains("领导班子名册"), "{label}: {}", form.body);
        assert!(form.body.contains("/import/template/cadres.xlsx"));
        let teams = "班子名称,所属组织编码,班子类别\n某街道党工委领导班子,T1,乡镇（街道）班子\n";
        let cadres = format!(
            "姓名,身份证号,职务,所属班子,是否主要负责人,任职时间\n\
             孙八,{},书记,某街道党工委领导班子,是,2009-03-01\n",
            id("41080219700505005")
        );
        for (kind, file) in [("teams", teams.to_string()), ("cadres", cadres)] {
            let up = app
                .upload(&staff, &csrf, kind, "班子.csv", file.as_bytes())
                .await;
            assert_eq!(up.status, StatusCode::SEE_OTHER, "{label}: {}", up.body);
            let preview = checked(&app, up.location(), Some(&staff)).await;
            assert!(
                preview.body.contains("新增<strong>1</strong>"),
                "{label} {kind}: {}",
                preview.body
            );
            let done = app
                .post_form(
                    &format!("{}/confirm", up.location()),
                    Some(&staff),
                    &format!("csrf={csrf}"),
                )
                .await;
            assert!(
                done.body.contains("已写入系统"),
                "{label} {kind}: {}",
                done.body
            );
        }
        let t1 = app
            .store
            .registry()
            .org_by_code("T1")
            .await
            .unwrap()
            .unwrap();
        let team = &app.store.registry().teams_of_org(t1.id).await.unwrap()[0];
        let posts = app.store.registry().cadres_of_team(team.id).await.unwrap();
        assert_eq!(posts.len(), 1, "{label}");
        assert!(posts[0].is_head);
        // The organisation's page shows the team's kind, its principal leader and since when.
        let page = app.get("/o/T1", Some(&staff)).await;
        for shown in [
            "乡镇（街道）班子",
            ">孙八</a> · 书记 · <strong>主要负责人</strong>",
            "2009年3月1日任现职",
        ] {
            assert!(page.body.contains(shown), "{label}: {shown}: {}", page.body);
        }

        let wang = app.sign_in("wang").await;
        let wcsrf = app.csrf(&wang).await;
        let form = app.get("/import", Some(&wang)).await;
        assert!(!form.body.contains("领导班子名册"), "{label}");
        let refused = app
            .upload(&wang, &wcsrf, "teams", "班子.csv", teams.as_bytes())
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{label}");
    }
}
