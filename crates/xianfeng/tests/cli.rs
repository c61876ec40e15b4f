//! The `xianfeng` command as a user runs it, on SQLite and (with XIANFENG_TEST_PG) on
//! PostgreSQL.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

struct Env {
    db: String,
    key: PathBuf,
    dir: tempfile::TempDir,
    label: &'static str,
}

fn envs() -> Vec<Env> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    out.push(Env {
        db: dir.path().join("x.db").display().to_string(),
        key: dir.path().join("x.key"),
        dir,
        label: "sqlite",
    });
    if let Ok(pg) = std::env::var("XIANFENG_TEST_PG") {
        let dir = tempfile::tempdir().unwrap();
        let schema = format!(
            "xf_cli_{}_{}",
            std::process::id(),
            dir.path()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .to_lowercase()
                .replace(['.', '-'], "")
        );
        let ok = Command::new("psql")
            .arg(&pg)
            .args(["-qc", &format!("CREATE SCHEMA {schema}")])
            .status()
            .expect("psql runs");
        assert!(ok.success());
        let sep = if pg.contains('?') { '&' } else { '?' };
        out.push(Env {
            db: format!("{pg}{sep}options=-c%20search_path%3D{schema}"),
            key: dir.path().join("x.key"),
            dir,
            label: "postgres",
        });
    }
    out
}

impl Env {
    /// Runs xianfeng with `--db` and `--key-file` after the subcommand's arguments, in a
    /// Chinese locale (as the offices run it).
    fn run(&self, args: &[&str]) -> Output {
        self.run_in("zh_CN.UTF-8", args)
    }

    /// The same, with `LANG` set to `locale`.
    fn run_in(&self, locale: &str, args: &[&str]) -> Output {
        let out = Command::new(env!("CARGO_BIN_EXE_xianfeng"))
            .env("LANG", locale)
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .args(args)
            .args(["--db", &self.db, "--key-file"])
            .arg(&self.key)
            .current_dir(self.dir.path())
            .output()
            .expect("xianfeng runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("panicked"),
            "{}: {args:?} panicked: {stderr}",
            self.label
        );
        out
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{}: {args:?} failed: {}{}",
            self.label,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    /// `xianfeng user add NAME --role ROLE --org ORG --password PASSWORD`, which must succeed.
    fn add_user(&self, name: &str, role: &str, org: &str, password: &str) {
        self.ok(&[
            "user",
            "add",
            name,
            "--role",
            role,
            "--org",
            org,
            "--password",
            password,
        ]);
    }

    fn file(&self, name: &str, content: &[u8]) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        p.display().to_string()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn id(first17: &str) -> String {
    format!(
        "{first17}{}",
        xianfeng_domain::idcard::check_char(first17.as_bytes())
    )
}

const ORGS: &str = "组织编码,组织名称,上级组织编码,组织类别,分类,所属行业\n\
    C1,中共某区委员会,,县(市、区)委,县市区,\n\
    T1,某街道党工委,C1,工委,,\n\
    B1,某社区第一党支部,T1,党支部,,\n\
    B2,某社区第二党支部,T1,党支部,,\n";

#[test]
fn init_stats_users_and_db_before_or_after_the_subcommand() {
    for env in envs() {
        let out = env.ok(&["init", "--password", "Pass-word-1"]);
        assert!(out.contains("admin"), "{out}");
        assert!(env.key.exists(), "init creates the key file");
        let stats = env.json(&["stats", "--json"]);
        for k in ["organisations", "members", "leadership_teams", "cadres"] {
            assert!(stats[k].is_i64(), "{}: {k} missing in {stats}", env.label);
        }
        // The same command with --db before the subcommand.
        let before = Command::new(env!("CARGO_BIN_EXE_xianfeng"))
            .args(["--db", &env.db, "--key-file"])
            .arg(&env.key)
            .args(["stats", "--json"])
            .output()
            .unwrap();
        assert_eq!(
            serde_json::from_slice::<Value>(&before.stdout).unwrap(),
            stats
        );

        env.ok(&["import", "orgs", &env.file("orgs.csv", ORGS.as_bytes())]);
        env.add_user("wang", "secretary", "B1", "Secret-99");
        let users = env.json(&["user", "list", "--json"]);
        let wang = users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == "wang")
            .expect("wang listed");
        assert_eq!(wang["role"], "secretary");
        assert_eq!(wang["organisations"], serde_json::json!(["B1"]));
        let bad = env.run(&["user", "add", "li", "--role", "king", "--org", "B1"]);
        assert!(!bad.status.success());
        assert!(
            String::from_utf8_lossy(&bad.stderr).contains("secretary"),
            "lists the roles"
        );
        // Running init twice is refused.
        assert!(!env.run(&["init"]).status.success());
    }
}

#[test]
fn bad_rows_are_reported_to_a_file_and_nothing_is_written() {
    for env in envs() {
        env.ok(&["init", "--password", "Pass-word-1"]);
        env.ok(&["import", "orgs", &env.file("orgs.csv", ORGS.as_bytes())]);
        let good = id("41080219800101001");
        let csv = format!(
            "name,id_number,org_code,phone\n王芳,{good},B1,13800138000\n李强,41080219820202002X,B1,\n赵敏,{},NOPE,\n",
            id("41080219900303004")
        );
        let file = env.file("m.csv", csv.as_bytes());
        let errors = env.path("errors.csv");
        let out = env.run_in(
            "C",
            &[
                "import",
                "members",
                &file,
                "--errors",
                errors.to_str().unwrap(),
            ],
        );
        assert_eq!(out.status.code(), Some(1), "{}", env.label);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("nothing written"), "{stdout}");
        let report = std::fs::read(&errors).unwrap();
        assert!(report.starts_with(b"\xEF\xBB\xBF"), "Excel needs the BOM");
        let report = String::from_utf8_lossy(&report);
        assert_eq!(
            report.lines().count(),
            3,
            "header and two bad rows: {report}"
        );
        assert!(
            report.contains("\n3,") && report.contains("\n4,"),
            "{report}"
        );
        assert!(
            !report.contains("41080219820202002X"),
            "ID numbers are masked: {report}"
        );
        assert_eq!(env.json(&["stats", "--json"])["members"], 0);

        let out = env.run_in("C", &["import", "members", &file, "--skip-bad"]);
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stdout).contains("skipped"));
        assert_eq!(env.json(&["stats", "--json"])["members"], 1);
        // Printed output never shows a full ID number.
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains(&good));
    }
}

#[test]
fn spreadsheets_from_excel_with_numbers_and_dates() {
    let env = &envs()[0];
    env.ok(&["init", "--password", "Pass-word-1"]);
    env.ok(&["import", "orgs", &env.file("orgs.csv", ORGS.as_bytes())]);
    let path = env.path("members.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (i, h) in [
        "所在组织编码",
        "姓名",
        "身份证号",
        "出生日期",
        "手机号",
        "入党时间",
        "其他",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, i as u16, *h).unwrap();
    }
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(1980, 1, 1).unwrap();
    let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    // A phone typed as a number, a birth date as a date cell, joining as text, an ID with
    // full-width digits.
    ws.write_string(1, 0, "B1").unwrap();
    ws.write_string(1, 1, "王芳").unwrap();
    ws.write_string(1, 2, id("41080219800101002").replace('4', "４"))
        .unwrap();
    ws.write_datetime_with_format(1, 3, &date, &fmt).unwrap();
    ws.write_number(1, 4, 13912345678.0).unwrap();
    ws.write_string(1, 5, "2005.07.01").unwrap();
    // An ID number Excel turned into a number: digits lost.
    ws.write_string(2, 0, "B2").unwrap();
    ws.write_string(2, 1, "李强").unwrap();
    ws.write_number(2, 2, 410802198202020021.0).unwrap();
    wb.save(&path).unwrap();
    let out = env.run(&["import", "members", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains(":3 [身份证号]") && stderr.contains("Excel"),
        "{stderr}"
    );
    let out = env.run(&["import", "members", path.to_str().unwrap(), "--skip-bad"]);
    assert!(out.status.success());
    assert_eq!(env.json(&["stats", "--json"])["members"], 1);
}

#[test]
fn broken_files_get_a_message_and_change_nothing() {
    let env = &envs()[0];
    env.ok(&["init", "--password", "Pass-word-1"]);
    let before = env.json(&["stats", "--json"]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.csv", vec![], "empty"),
        (
            "photo.xlsx",
            b"\x89PNG\r\n\x1a\n\0\0".to_vec(),
            "spreadsheet",
        ),
        (
            "locked.xlsx",
            vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0],
            "password",
        ),
        ("broken.xlsx", b"PK\x03\x04 truncated".to_vec(), "damaged"),
        (
            "latin.csv",
            vec![0x81, 0x30, 0xFF, 0xFE, 0x80, 0x0A],
            "encoding",
        ),
        ("columns.csv", "a,b\n1,2\n".as_bytes().to_vec(), "组织编码"),
    ];
    for (name, bytes, expected) in cases {
        let file = env.file(name, &bytes);
        let out = env.run_in("C", &["import", "orgs", &file]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
    }
    let out = env.run(&["import", "orgs", "does-not-exist.xlsx"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(env.json(&["stats", "--json"]), before);
}

#[test]
fn a_hundred_thousand_bad_rows_are_counted_and_the_first_listed_without_flooding_anything() {
    let env = &envs()[0];
    env.ok(&["init", "--password", "Pass-word-1"]);
    env.ok(&["import", "orgs", &env.file("orgs.csv", ORGS.as_bytes())]);
    let mut csv = String::from("姓名,身份证号,所在组织编码\n");
    for i in 0..100_000 {
        csv.push_str(&format!("某{i},12345,B1\n"));
    }
    let file = env.file("bad.csv", csv.as_bytes());
    let errors = env.path("e.csv");
    let out = env.run(&[
        "import",
        "members",
        &file,
        "--errors",
        errors.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).lines().count() < 100);
    // The error file lists the first 10,000 and says how many more there were: a file of
    // millions of bad rows gives a file Excel opens, not hundreds of megabytes.
    let report = std::fs::read_to_string(&errors).unwrap();
    assert_eq!(report.lines().count(), 1 + 10_000 + 1);
    assert!(
        report.lines().last().unwrap().contains("另有90000处问题"),
        "{}",
        report.lines().last().unwrap()
    );
    assert_eq!(env.json(&["stats", "--json"])["members"], 0);
}

#[test]
fn campaign_files_with_errors_name_the_line_and_field() {
    let env = &envs()[0];
    env.ok(&["init", "--password", "Pass-word-1"]);
    let builtin = env.ok(&["campaign", "show-builtin"]);
    let copy = builtin.replacen("code = \"jiaozuo-2010\"", "code = \"jiaozuo-2013\"", 1);
    let broken = copy.replacen("weight = 20", "weight = 25", 1);
    let file = env.file("broken.toml", broken.as_bytes());
    let out = env.run(&["campaign", "create", "--from", &file]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    let line = broken[..broken.find("weight = 25").unwrap()]
        .lines()
        .count();
    assert!(stderr.contains("broken.toml line"), "{stderr}");
    assert!(stderr.contains("standards[0].criteria["), "{stderr}");
    assert!(
        stderr.contains("105"),
        "{stderr} (line of the first weight: {line})"
    );
    let typo = copy.replacen("organiser =", "organizer =", 1);
    let out = env.run(&[
        "campaign",
        "create",
        "--from",
        &env.file("typo.toml", typo.as_bytes()),
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("organizer"));

    env.ok(&[
        "campaign",
        "create",
        "--from",
        &env.file("ok.toml", copy.as_bytes()),
    ]);
    let list = env.json(&["campaign", "list", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 2);
    // Stored as a draft: the built-in campaign is still the one in use.
    assert_eq!(list[0]["status"], "running");
    assert_eq!(list[1]["status"], "draft");
    // Same code again: refused.
    assert!(
        !env.run(&[
            "campaign",
            "create",
            "--from",
            &env.path("ok.toml").display().to_string()
        ])
        .status
        .success()
    );
}

#[test]
fn the_next_campaign_is_copied_edited_and_started_from_the_command_line() {
    for env in &envs() {
        let label = env.label;
        env.ok(&["init", "--password", "Pass-word-1"]);
        let out = env.ok(&[
            "campaign",
            "copy",
            "--from",
            "jiaozuo-2010",
            "--name",
            "创先争优常态化活动",
        ]);
        assert!(
            out.contains("jiaozuo-2013") && out.contains("2013-05-01"),
            "{out}"
        );
        let text = env.ok(&["campaign", "export", "jiaozuo-2013"]);
        assert!(text.contains("starts_on = \"2014-01-01\""), "{label}");
        // A bad edit changes nothing and names the line.
        let broken = text.replacen("weight = 20", "weight = 25", 1);
        let out = env.run(&[
            "campaign",
            "edit",
            "jiaozuo-2013",
            "--from",
            &env.file("broken.toml", broken.as_bytes()),
        ]);
        assert!(!out.status.success(), "{label}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("行") && stderr.contains("105"), "{stderr}");
        assert_eq!(env.ok(&["campaign", "export", "jiaozuo-2013"]), text);
        // Opening the commendation phase early is for the running campaign only.
        let early = |campaign: &str| {
            env.run(&[
                "campaign",
                "open-phase",
                campaign,
                "--phase",
                "commendation",
                "--from",
                "2012-02-01",
                "--until",
                "2012-05-15",
                "--reason",
                "向省委推荐",
            ])
        };
        assert!(!early("jiaozuo-2013").status.success(), "{label}");
        assert!(early("jiaozuo-2010").status.success(), "{label}");
        // Started: the old one closes, and takes no more windows.
        env.ok(&["campaign", "start", "jiaozuo-2013"]);
        let list = env.json(&["campaign", "list", "--json"]);
        let status: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["status"].as_str().unwrap())
            .collect();
        assert_eq!(status, ["closed", "running"], "{label}");
        assert!(!early("jiaozuo-2010").status.success(), "{label}");
        assert!(
            !env.run(&["campaign", "start", "jiaozuo-2010"])
                .status
                .success(),
            "{label}: a closed campaign is not started again"
        );
        let audit = env.ok(&["audit", "list"]);
        for action in ["campaign.open_phase", "campaign.start", "campaign.close"] {
            assert!(audit.contains(action), "{label}: {action}");
        }
    }
}

#[test]
fn moves_and_the_audit_trail_from_the_command_line() {
    let env = &envs()[0];
    env.ok(&["init", "--password", "Pass-word-1"]);
    env.ok(&["import", "orgs", &env.file("orgs.csv", ORGS.as_bytes())]);
    let out = env.run(&["org", "move", "T1", "--to", "B1"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a working committee under a branch"
    );
    let out = env.run_in("C", &["org", "move", "C1", "--to", "B2"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("below"),
        "a cycle"
    );
    let show = env.json(&["org", "show", "C1", "--json"]);
    assert_eq!(show["subtree"]["organisations"], 4);
    let entries = env.json(&["audit", "list", "--json", "--since", "2020-01-01"]);
    let actions: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"campaign.create") && actions.contains(&"org.create"),
        "{actions:?}"
    );
    assert!(
        entries
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor"] == "system" || e["actor"] == "cli")
    );
    let future = env.json(&["audit", "list", "--json", "--since", "2999-01-01"]);
    assert_eq!(future.as_array().unwrap().len(), 0);
    let verified = env.run_in("C", &["audit", "verify"]);
    assert!(String::from_utf8_lossy(&verified.stdout).contains("intact"));

    // A checkpoint written down now still holds after more work; one that names an entry
    // past the end (as after a rollback) does not; a mistyped one is refused plainly.
    let checkpoint = env.ok(&["audit", "checkpoint"]).trim().to_string();
    env.ok(&["org", "move", "B2", "--to", "C1"]);
    env.ok(&["audit", "verify", "--since-checkpoint", &checkpoint]);
    let (position, rest) = checkpoint.split_once(':').unwrap();
    let ahead = format!("{}:{rest}", position.parse::<i64>().unwrap() + 100);
    let out = env.run_in("C", &["audit", "verify", "--since-checkpoint", &ahead]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("rolled back"));
    let out = env.run_in("C", &["audit", "verify", "--since-checkpoint", "12-ab"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a checkpoint"));
}

/// One HTTP/1.1 request over a fresh connection: (status, head, body).
fn http(
    addr: &str,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    form: Option<&str>,
) -> Option<(u16, String, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(c) = cookie {
        req.push_str(&format!("Cookie: {c}\r\n"));
    }
    if let Some(f) = form {
        req.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            f.len()
        ));
    }
    req.push_str("\r\n");
    if let Some(f) = form {
        req.push_str(f);
    }
    s.write_all(req.as_bytes()).ok()?;
    let mut raw = String::new();
    s.read_to_string(&mut raw).ok()?;
    let (head, body) = raw.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, head.to_string(), body.to_string()))
}

fn session_cookie(head: &str) -> Option<String> {
    head.lines()
        .find_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .and_then(|c| c.split(';').next())
        .map(str::to_string)
}

#[test]
fn serve_signs_in_and_shows_only_the_accounts_part_of_the_tree() {
    let env = &envs()[0];
    env.ok(&["init", "--password", "Pass-word-1"]);
    let orgs = format!("{ORGS}X1,<script>alert(1)</script>党支部,T1,党支部,,\n");
    env.ok(&["import", "orgs", &env.file("orgs.csv", orgs.as_bytes())]);
    env.add_user("wang", "secretary", "B1", "Secret-99");
    let (in_b1, in_b2) = (id("41080219800101001"), id("41080219820202002"));
    let members = format!(
        "姓名,身份证号,所在组织编码,手机号\n王芳,{in_b1},B1,13800138000\n李强,{in_b2},B2,\n"
    );
    env.ok(&["import", "members", &env.file("m.csv", members.as_bytes())]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let log = env.path("serve.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_xianfeng"))
        .args(["serve", "--addr", &addr, "--db", &env.db, "--key-file"])
        .arg(&env.key)
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut health = None;
    for _ in 0..100 {
        health = http(&addr, "GET", "/healthz", None, None);
        if health.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let run = || -> Result<(), String> {
        let (status, _, body) = health.clone().ok_or("server answers")?;
        if status != 200 || body != "ok" {
            return Err(format!("healthz: {status} {body}"));
        }
        // A scraper on this machine reads the metrics without a token.
        let (status, _, body) = http(&addr, "GET", "/metrics", None, None).unwrap();
        assert!(
            status == 200 && body.contains("http_requests_total"),
            "{status} {body}"
        );
        // Anonymous: sent to the login page.
        let (status, head, _) = http(&addr, "GET", "/o/T1", None, None).unwrap();
        assert_eq!(status, 303);
        assert!(head.to_lowercase().contains("location: /login"), "{head}");
        let (status, _, body) = http(&addr, "GET", "/login", None, None).unwrap();
        assert!(
            status == 200 && body.contains("name=\"username\""),
            "{body}"
        );
        // A wrong password: refused, no cookie.
        let (status, head, body) = http(
            &addr,
            "POST",
            "/login",
            None,
            Some("username=admin&password=nope"),
        )
        .unwrap();
        assert_eq!(status, 401, "{body}");
        assert!(session_cookie(&head).is_none());
        assert!(body.contains("用户名或密码不正确"), "{body}");
        // The administrator sees everything; names are text, never markup.
        let (status, head, _) = http(
            &addr,
            "POST",
            "/login",
            None,
            Some("username=admin&password=Pass-word-1"),
        )
        .unwrap();
        assert_eq!(status, 303);
        let admin = session_cookie(&head).expect("a session cookie");
        assert!(
            head.contains("HttpOnly") && head.contains("SameSite=Lax"),
            "{head}"
        );
        let (status, _, body) = http(&addr, "GET", "/o/T1", Some(&admin), None).unwrap();
        assert_eq!(status, 200);
        assert!(
            body.contains("某社区第一党支部") && body.contains("中共某区委员会"),
            "{body}"
        );
        assert!(
            (body.contains("&lt;script&gt;") || body.contains("&#60;script&#62;"))
                && !body.contains("<script>alert"),
            "{body}"
        );
        // A secretary of B1 sees B1 and nothing above or beside it.
        let (_, head, _) = http(
            &addr,
            "POST",
            "/login",
            None,
            Some("username=wang&password=Secret-99"),
        )
        .unwrap();
        let wang = session_cookie(&head).expect("a session cookie");
        let (status, _, body) = http(&addr, "GET", "/o/B1", Some(&wang), None).unwrap();
        assert!(
            status == 200 && body.contains("某社区第一党支部"),
            "{status} {body}"
        );
        for code in ["C1", "T1", "B2", "NOPE"] {
            let (status, _, body) =
                http(&addr, "GET", &format!("/o/{code}"), Some(&wang), None).unwrap();
            assert_eq!(status, 404, "{code}");
            assert!(!body.contains("党"), "{code}: nothing leaks: {body}");
        }
        let (_, _, home) = http(&addr, "GET", "/", Some(&wang), None).unwrap();
        assert!(home.contains("B1") && !home.contains("/o/C1"), "{home}");
        // Members of her branch, masked; a member elsewhere is as unknown as a wrong id.
        let (status, _, branch) = http(&addr, "GET", "/o/B1", Some(&wang), None).unwrap();
        assert_eq!(status, 200);
        assert!(
            branch.contains("王芳") && branch.contains(&format!("4108**********{}", &in_b1[14..])),
            "{branch}"
        );
        assert!(!branch.contains(&in_b1) && !branch.contains("13800138000"));
        let member_link = |page: &str| -> String {
            page.split("href=\"/m/")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap()
                .to_string()
        };
        let mine = member_link(&branch);
        let (_, _, other_branch) = http(&addr, "GET", "/o/B2", Some(&admin), None).unwrap();
        let theirs = member_link(&other_branch);
        let (status, _, page) =
            http(&addr, "GET", &format!("/m/{mine}"), Some(&wang), None).unwrap();
        assert!(
            status == 200 && page.contains("1380***8000") && !page.contains(&in_b1),
            "{page}"
        );
        let (status, _, page) =
            http(&addr, "GET", &format!("/m/{theirs}"), Some(&wang), None).unwrap();
        assert_eq!(status, 404);
        assert!(!page.contains("李强"));

        // The English switch is remembered by the session.
        let (status, head, _) =
            http(&addr, "GET", "/lang?to=en&back=/o/B1", Some(&wang), None).unwrap();
        assert_eq!(status, 303);
        assert!(head.to_lowercase().contains("location: /o/b1"), "{head}");
        let (_, _, page) = http(&addr, "GET", "/o/B1", Some(&wang), None).unwrap();
        assert!(
            page.contains("Sign out") && page.contains("lang=\"en\""),
            "{page}"
        );
        let (_, head, _) = http(
            &addr,
            "GET",
            "/lang?to=zh-CN&back=//evil.example",
            None,
            None,
        )
        .unwrap();
        assert!(head.to_lowercase().contains("location: /\r"), "{head}");

        // Signing out needs the session's CSRF token.
        let csrf = home
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("a CSRF field");
        let (status, _, _) =
            http(&addr, "POST", "/logout", Some(&wang), Some("csrf=forged")).unwrap();
        assert_eq!(status, 403);
        let (status, _, _) = http(
            &addr,
            "POST",
            "/logout",
            Some(&wang),
            Some(&format!("csrf={csrf}")),
        )
        .unwrap();
        assert_eq!(status, 303);
        let (status, _, _) = http(&addr, "GET", "/o/B1", Some(&wang), None).unwrap();
        assert_eq!(status, 303, "signed out");

        // A password reset by the administrator signs the account out everywhere.
        let (_, head, _) = http(
            &addr,
            "POST",
            "/login",
            None,
            Some("username=wang&password=Secret-99"),
        )
        .unwrap();
        let wang = session_cookie(&head).unwrap();
        env.ok(&["user", "passwd", "wang", "--password", "Other-pass-7"]);
        let (status, _, _) = http(&addr, "GET", "/o/B1", Some(&wang), None).unwrap();
        assert_eq!(status, 303, "signed out by the reset");
        Ok(())
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run));
    // SIGTERM: the server finishes what it is doing and exits cleanly.
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let mut exit = None;
    for _ in 0..100 {
        if let Some(status) = child.try_wait().unwrap() {
            exit = Some(status);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    if exit.is_none() {
        child.kill().unwrap();
        let _ = child.wait();
    }
    match result {
        Ok(r) => r.unwrap(),
        Err(p) => std::panic::resume_unwind(p),
    }
    let exit = exit.expect("the server stops within 10 s of SIGTERM");
    assert!(exit.success(), "graceful stop exits 0: {exit:?}");
    // Refused requests are in the security log: who, what, the answer; an unknown
    // address asked by nobody is not a refusal.
    let log = std::fs::read_to_string(&log).unwrap();
    let security: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("xianfeng::security"))
        .collect();
    assert!(
        security
            .iter()
            .any(|l| l.contains("account=\"wang\"") || l.contains("account=wang"))
            && security
                .iter()
                .any(|l| l.contains("path=/o/C1") && l.contains("status=404")),
        "{log}"
    );
    assert!(
        security
            .iter()
            .any(|l| l.contains("path=/logout") && l.contains("status=403")),
        "{log}"
    );
    assert!(
        security
            .iter()
            .any(|l| l.contains("path=/login") && l.contains("status=401")),
        "{log}"
    );
}

#[test]
fn the_demo_city_is_at_work_and_its_figures_come_out_even_into_a_closed_pipe() {
    let env = &envs()[0];
    let out = env.ok(&["init", "--demo", "--password", "Pass-word-1"]);
    assert!(out.contains("公开承诺"), "{out}");
    assert!(
        out.contains("评选表彰") && out.contains("2个表彰对象"),
        "{out}"
    );
    assert!(out.contains("4场宣讲（115人次签到）"), "{out}");
    let figures = env.json(&["figures", "--scope", "JZ-JF", "--period", "2010", "--json"]);
    assert_eq!(figures["period"]["code"], "2010");
    let subjects = figures["subjects"].as_array().unwrap();
    let reviewed = subjects
        .iter()
        .filter(|s| s["reviews"].as_i64() > Some(0))
        .count();
    assert!(reviewed >= 10, "the demo reviewer's branches: {reviewed}");
    let studied = subjects
        .iter()
        .filter(|s| s["subject_kind"] == "member" && s["study_tenths"].as_i64() > Some(0))
        .count();
    assert!(
        studied > 20,
        "members of 解放区 with study hours in 2010: {studied}"
    );
    let kept = subjects
        .iter()
        .filter(|s| s["items_kept"].as_i64() > Some(0))
        .count();
    assert!(kept > 0);
    // The demo's scores, from the counts the database kept as it was filled, are the same
    // after those counts are recounted from the tables.
    let ranking = |period: &str| {
        env.ok(&[
            "scores", "rankings", "--period", period, "--scope", "JZ-JF", "--kind", "member",
        ])
    };
    let before = (ranking("2011-h1"), ranking("2011-h2"));
    assert!(before.0.lines().count() > 10, "{}", before.0);
    // Over the themed stage 迎接党的十八大 (2011-h2 and 2012-h1): the mean of each member's
    // scores, her 2011-h2 score where 2012-h1 has none yet.
    let stage = env.ok(&[
        "scores",
        "rankings",
        "--stage",
        "towards-18th",
        "--scope",
        "JZ-JF",
        "--kind",
        "member",
    ]);
    assert!(stage.starts_with("以优异成绩迎接党的十八大"), "{stage}");
    assert_eq!(
        stage.lines().count(),
        before.1.lines().count(),
        "the same members as 2011-h2"
    );
    let out = env.ok(&["scores", "recount"]);
    assert!(out.contains("重新汇总"), "{out}");
    assert_eq!((ranking("2011-h1"), ranking("2011-h2")), before);
    // A disciplinary sanction, of a kind the Party's rules know.
    let unknown = env.run(&[
        "sanction",
        "add",
        "--member",
        "1",
        "--on",
        "2011-03-01",
        "--kind",
        "处分",
    ]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("严重警告"));
    let ok = env.ok(&[
        "sanction",
        "add",
        "--member",
        "1",
        "--on",
        "2011-03-01",
        "--kind",
        "警告",
    ]);
    assert!(ok.contains("党纪处分"), "{ok}");
    let bad = env.run(&["figures", "--scope", "JZ-JF", "--period", "1999"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("2011-h1"));

    // Piped into a reader that stops after one line: no panic, no error text.
    let mut child = Command::new(env!("CARGO_BIN_EXE_xianfeng"))
        .args(["figures", "--scope", "JZ", "--db", &env.db, "--key-file"])
        .arg(&env.key)
        .current_dir(env.dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::BufRead;
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(first.contains("2012"), "{first}");
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{stderr}"
    );
}

#[test]
fn evaluation_rounds_and_codes_from_the_command_line() {
    for env in envs() {
        env.ok(&["init", "--password", "Pass-word-1"]);
        env.ok(&["import", "orgs", &env.file("orgs.csv", ORGS.as_bytes())]);
        let out = env.ok(&[
            "eval",
            "round",
            "create",
            "--name",
            "2011年群众评议",
            "--scope",
            "T1",
            "--subjects",
            "organisations",
            "--mode",
            "codes",
            "--start",
            "2011-06-01",
            "--end",
            "2011-06-30",
        ]);
        let id = out.lines().last().unwrap().trim().to_string();
        assert!(id.parse::<i64>().is_ok(), "{}: {out}", env.label);
        let csv_path = env.path("codes.csv");
        // Today the 2011 round is long over: no codes for it...
        let late = env.run(&[
            "eval",
            "codes",
            &id,
            "--per-subject",
            "3",
            "--out",
            csv_path.to_str().unwrap(),
            "--base-url",
            "https://cxzy.example",
        ]);
        assert_eq!(late.status.code(), Some(1), "{}", env.label);
        assert!(String::from_utf8_lossy(&late.stderr).contains("已于2011-06-30结束"));
        // ...but in a rehearsal of June 2011 there are.
        env.ok(&[
            "--today",
            "2011-06-15",
            "eval",
            "codes",
            &id,
            "--per-subject",
            "3",
            "--out",
            csv_path.to_str().unwrap(),
            "--base-url",
            "https://cxzy.example",
        ]);
        let text = std::fs::read_to_string(&csv_path).unwrap();
        let mut lines = text.trim_start_matches('\u{feff}').lines();
        assert_eq!(lines.next(), Some("subject_code,subject_name,code,url"));
        let rows: Vec<&str> = lines.collect();
        assert_eq!(rows.len(), 6, "two branches under T1, three codes each");
        assert!(rows[0].starts_with("B1,") && rows[0].contains(",https://cxzy.example/p/b/"));
        let code = rows[0].split(',').nth(2).unwrap();
        assert_eq!(code.len(), 11, "ABCD-EFGH-J: {code}");
        let xlsx = env.path("codes.xlsx");
        // Without an address for the public, no codes.
        let nowhere = env.run(&[
            "--today",
            "2011-06-15",
            "eval",
            "codes",
            &id,
            "--per-subject",
            "1",
            "--out",
            xlsx.to_str().unwrap(),
        ]);
        assert_eq!(nowhere.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&nowhere.stderr).contains("public_url"));
        env.ok(&[
            "--today",
            "2011-06-15",
            "eval",
            "codes",
            &id,
            "--per-subject",
            "1",
            "--out",
            xlsx.to_str().unwrap(),
            "--base-url",
            "https://cxzy.example",
        ]);
        assert!(std::fs::metadata(&xlsx).unwrap().len() > 1000);
        let verified = env.ok(&["eval", "verify", &id]);
        assert!(verified.contains("8"), "8 codes issued: {verified}");
        let bad = env.run(&[
            "eval",
            "round",
            "create",
            "--name",
            "x",
            "--scope",
            "NOPE",
            "--subjects",
            "organisations",
            "--mode",
            "codes",
            "--start",
            "2011-06-01",
            "--end",
            "2011-06-30",
        ]);
        assert!(!bad.status.success());
        let bad = env.run(&[
            "eval",
            "round",
            "create",
            "--name",
            "x",
            "--scope",
            "T1",
            "--subjects",
            "organisations",
            "--mode",
            "sometimes",
            "--start",
            "2011-06-01",
            "--end",
            "2011-06-30",
        ]);
        assert!(String::from_utf8_lossy(&bad.stderr).contains("codes"));
    }
}

/// POSTs JSON over a fresh connection; the status code, or `None` if the server is gone.
fn post_json(addr: &str, path: &str, body: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut raw = String::new();
    s.read_to_string(&mut raw).ok()?;
    raw.split(' ').nth(1)?.parse().ok()
}

#[test]
fn every_acknowledged_ballot_survives_a_kill_of_the_server() {
    for env in envs() {
        env.ok(&["init", "--password", "Pass-word-1"]);
        env.ok(&["import", "orgs", &env.file("orgs.csv", ORGS.as_bytes())]);
        let today = chrono::Local::now().date_naive();
        let out = env.ok(&[
            "eval",
            "round",
            "create",
            "--name",
            "评议",
            "--scope",
            "T1",
            "--subjects",
            "organisations",
            "--mode",
            "codes",
            "--start",
            &(today - chrono::Duration::days(1)).to_string(),
            "--end",
            &(today + chrono::Duration::days(1)).to_string(),
        ]);
        let round = out.lines().last().unwrap().trim().to_string();
        let codes_file = env.path("codes.csv");
        env.ok(&[
            "eval",
            "codes",
            &round,
            "--per-subject",
            "1500",
            "--out",
            codes_file.to_str().unwrap(),
            "--base-url",
            "https://cxzy.example",
        ]);
        let codes: Vec<String> = std::fs::read_to_string(&codes_file)
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(2).unwrap().to_string())
            .collect();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let mut server = Command::new(env!("CARGO_BIN_EXE_xianfeng"))
            .args(["serve", "--addr", &addr, "--db", &env.db, "--key-file"])
            .arg(&env.key)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        for _ in 0..100 {
            if http(&addr, "GET", "/healthz", None, None).is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        // Eight clients post distinct codes until the server dies under them.
        let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut clients = Vec::new();
        for part in codes.chunks(codes.len() / 8) {
            let (part, addr, acked) = (part.to_vec(), addr.clone(), acked.clone());
            clients.push(std::thread::spawn(move || {
                for code in part {
                    let body = format!(r#"{{"code":"{code}","verdict":"satisfied"}}"#);
                    match post_json(&addr, "/api/v1/ballots", &body) {
                        Some(201) => acked.lock().unwrap().push(code),
                        Some(_) => {}
                        None => return,
                    }
                }
            }));
        }
        while acked.lock().unwrap().len() < 200 {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        server.kill().unwrap(); // SIGKILL: no shutdown, no flush.
        server.wait().unwrap();
        for c in clients {
            c.join().unwrap();
        }
        let acked = acked.lock().unwrap().clone();
        assert!(
            acked.len() >= 200 && acked.len() < codes.len(),
            "{}: {}",
            env.label,
            acked.len()
        );

        // After the crash: every acknowledged code is used, and used codes equal ballots.
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let store = xianfeng_app::open::open_store(&env.db, &env.key, false)
                .await
                .unwrap();
            for code in &acked {
                let hash = store.vault().hash(&code.replace('-', ""));
                let found = store
                    .evaluation()
                    .code(&hash)
                    .await
                    .unwrap()
                    .expect("a known code");
                assert!(found.used, "{}: acknowledged {code} was lost", env.label);
            }
            let (_, used, coded, _) =
                xianfeng_app::evaluation::verify(&store, round.parse().unwrap())
                    .await
                    .unwrap();
            assert_eq!(used, coded);
            assert!(used as usize >= acked.len());
        });
    }
}

#[test]
fn the_working_day_calendar_counts_holidays_and_make_up_days_and_takes_the_offices_year() {
    for env in envs() {
        env.ok(&["init", "--password", "Pass-word-1"]);
        // National Day 2011: the 3rd off, the weekend of 8 and 9 October worked.
        let out = env.ok(&[
            "calendar",
            "is-workday",
            "2011-10-03",
            "2011-10-08",
            "2011-10-09",
            "2011-10-15",
        ]);
        assert_eq!(
            out, "2011-10-03 false\n2011-10-08 true\n2011-10-09 true\n2011-10-15 false\n",
            "{}",
            env.label
        );
        assert_eq!(
            env.ok(&["calendar", "add-workdays", "2011-09-30", "5"]),
            "2011-10-12\n"
        );
        // Spring Festival 2012: Saturday 21 January worked, 22–28 off, Sunday 29 worked.
        assert_eq!(
            env.ok(&["calendar", "add-workdays", "2012-01-20", "1"]),
            "2012-01-21\n"
        );
        assert_eq!(
            env.ok(&["calendar", "add-workdays", "2012-01-21", "1"]),
            "2012-01-29\n",
            "past the Spring Festival week"
        );

        // A year without data is refused, not guessed, and so is a malformed date.
        let no_data = env.run(&["calendar", "add-workdays", "2026-12-30", "3"]);
        assert!(!no_data.status.success());
        assert!(String::from_utf8_lossy(&no_data.stderr).contains("2027"));
        let bad = env.run(&["calendar", "is-workday", "2011-02-30"]);
        assert!(!bad.status.success());
        assert!(String::from_utf8_lossy(&bad.stderr).contains("2011-02-30"));

        // A sheet with a bad row changes nothing; the corrected sheet gives 2027 data.
        let broken = env.file(
            "broken.csv",
            "日期,类型,说明\n2027-01-01,放假,元旦\n2027-01-02,也许,\n".as_bytes(),
        );
        let refused = env.run(&["calendar", "import", &broken]);
        assert!(!refused.status.success());
        assert!(String::from_utf8_lossy(&refused.stderr).contains("也许"));
        assert!(
            !env.run(&["calendar", "is-workday", "2027-01-04"])
                .status
                .success()
        );
        let schedule = env.file(
            "2027.csv",
            "日期,类型,说明\n2027-01-01,放假,元旦\n2027-02-06,上班,春节调休\n".as_bytes(),
        );
        env.ok(&["calendar", "import", &schedule]);
        assert_eq!(
            env.ok(&[
                "calendar",
                "is-workday",
                "2027-01-01",
                "2027-01-04",
                "2027-02-06"
            ]),
            "2027-01-01 false\n2027-01-04 true\n2027-02-06 true\n",
            "{}",
            env.label
        );
        assert_eq!(
            env.ok(&["calendar", "add-workdays", "2026-12-30", "3"]),
            "2027-01-05\n"
        );

        // A single day of a year without a schedule does not make the year's data.
        let lone = env.run(&["calendar", "set", "2031-01-01", "holiday"]);
        assert!(!lone.status.success(), "{}", env.label);
        assert!(String::from_utf8_lossy(&lone.stderr).contains("2031"));
        // A local day off, set and taken back; both are in the audit trail.
        env.ok(&[
            "calendar",
            "set",
            "2011-10-10",
            "holiday",
            "--note",
            "本地放假",
        ]);
        assert_eq!(
            env.ok(&["calendar", "is-workday", "2011-10-10"]),
            "2011-10-10 false\n"
        );
        let listed = env.ok(&["calendar", "list", "2011"]);
        assert!(
            listed.contains("2011-10-10\tholiday\toffice\t本地放假"),
            "{listed}"
        );
        env.ok(&["calendar", "unset", "2011-10-10"]);
        assert_eq!(
            env.ok(&["calendar", "is-workday", "2011-10-10"]),
            "2011-10-10 true\n"
        );
        let audit = env.ok(&["audit", "list"]);
        assert!(audit.contains("calendar.unset"), "{audit}");
    }
}

/// Output is in one language: English under `LANG=C`, Chinese under `LANG=zh_CN.UTF-8`,
/// and `--lang` wins over the locale. Refusals read the same way.
#[test]
fn the_command_line_speaks_the_language_of_its_locale() {
    let env = &envs()[0];
    let has_han = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let english = env.run_in("C", &["init", "--password", "Pass-word-1"]);
    let stdout = String::from_utf8_lossy(&english.stdout);
    assert!(english.status.success(), "{stdout}");
    assert!(stdout.contains("initialised"), "{stdout}");
    assert!(!has_han(&stdout), "English only: {stdout}");

    let refused = env.run_in("C", &["calendar", "is-workday", "2031-05-06"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(stderr.contains("no data for 2031"), "{stderr}");
    assert!(!has_han(&stderr), "English only: {stderr}");

    let chinese = env.run_in("zh_CN.UTF-8", &["calendar", "is-workday", "2031-05-06"]);
    let stderr = String::from_utf8_lossy(&chinese.stderr);
    assert!(stderr.contains("没有 2031 年的数据"), "{stderr}");
    assert!(!stderr.contains("no data"), "Chinese only: {stderr}");

    // A setting that is not what it must be stops the server before it listens.
    let refused = env.run_in(
        "C",
        &["serve", "--trusted-proxies", "10.0.0.0/8,proxy.local"],
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        stderr.contains("“proxy.local” is not an IP address or a CIDR block"),
        "{stderr}"
    );

    let chosen = env.run_in("zh_CN.UTF-8", &["--lang", "en", "calendar", "list", "2016"]);
    let stdout = String::from_utf8_lossy(&chosen.stdout);
    assert!(
        stdout.contains("2016-10-09\tworkday\tbuiltin\tNational Day make-up working day"),
        "{stdout}"
    );
    assert!(!has_han(&stdout), "English only: {stdout}");
}

#[test]
fn backup_and_restore_from_the_command_line() {
    for env in envs() {
        env.ok(&["init", "--password", "Pass-word-1"]);
        env.ok(&["import", "orgs", &env.file("orgs.csv", ORGS.as_bytes())]);
        let backup = env.path("backup.db");
        if env.label == "postgres" {
            let out = env.run(&["backup", backup.to_str().unwrap()]);
            assert_eq!(out.status.code(), Some(1));
            assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
            continue;
        }
        let out = env.ok(&["backup", backup.to_str().unwrap()]);
        assert!(
            out.contains("已备份到") && out.contains("密钥文件"),
            "{out}"
        );
        // The checkpoint printed with the backup holds for the database now.
        let checkpoint = out.lines().nth(1).unwrap().trim().to_string();
        env.ok(&["audit", "verify", "--since-checkpoint", &checkpoint]);
        env.ok(&["org", "move", "B2", "--to", "C1"]);
        assert_eq!(
            env.json(&["org", "show", "T1", "--json"])["subtree"]["organisations"],
            2
        );
        let out = env.ok(&["restore", backup.to_str().unwrap()]);
        assert!(
            out.contains("已从") && out.contains("before-restore"),
            "{out}"
        );
        assert_eq!(
            env.json(&["org", "show", "T1", "--json"])["subtree"]["organisations"],
            3
        );
        // Another installation's key: refused, in the reader's language.
        let other = env.path("other.key");
        std::fs::write(&other, format!("{}\n", "ab".repeat(32))).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_xianfeng"))
            .env("LANG", "C")
            .args([
                "restore",
                backup.to_str().unwrap(),
                "--db",
                &env.db,
                "--key-file",
            ])
            .arg(&other)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains("not made with this key file"));
    }
}

#[test]
fn an_export_of_a_period_without_scores_writes_nothing_and_says_why() {
    let env = &envs()[0];
    env.ok(&["init", "--password", "Pass-word-1"]);
    env.ok(&["import", "orgs", &env.file("orgs.csv", ORGS.as_bytes())]);
    let out = env.path("scores.xlsx");
    let run = env.run(&[
        "scores",
        "export",
        "--scope",
        "C1",
        "--period",
        "2010",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("还没有任何得分"),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(!out.exists(), "no empty workbook that reads like all zeros");
}

#[test]
fn a_draw_record_verifies_without_a_database_and_an_edited_one_does_not() {
    use xianfeng_domain::draw::{Allocation, DrawInput, allocate, draw, path_conflicts};
    let env = &envs()[0];
    let population: std::collections::BTreeMap<String, Vec<String>> = [
        (
            "JZ-JF".to_string(),
            vec!["JZ-JF-01".to_string(), "JZ-JF-02".to_string()],
        ),
        (
            "JZ-SY".to_string(),
            vec!["JZ-SY-01".to_string(), "JZ-SY-02".to_string()],
        ),
    ]
    .into();
    let sizes = population
        .iter()
        .map(|(s, c)| (s.clone(), c.len()))
        .collect();
    let mut input = DrawInput {
        plan: "1".into(),
        per_stratum: allocate(&sizes, Allocation::PerStratum(1)),
        target_paths: population
            .iter()
            .flat_map(|(s, cs)| {
                cs.iter()
                    .map(move |c| (c.clone(), vec!["JZ".to_string(), s.clone(), c.clone()]))
            })
            .collect(),
        population,
        seed_input: "2011-06-01 福彩3D 123".into(),
        inspectors: vec!["jf".into(), "sy".into()],
        inspector_homes: [("jf".into(), "JZ-JF".into()), ("sy".into(), "JZ-SY".into())].into(),
        scope: "JZ".into(),
        per_target: 1,
        cap: 1,
        conflicts: vec![],
    };
    input.conflicts = path_conflicts(&input).into_iter().collect();
    let record = draw(&input).expect("each county inspects the other");
    // Cross-checking: 解放区's target goes to 山阳区's inspector and the other way round.
    for (target, who) in &record.assignments {
        assert_ne!(&target[..5], &input.inspector_homes[&who[0]][..5]);
    }
    let good = env.file(
        "draw.json",
        serde_json::to_string_pretty(&record).unwrap().as_bytes(),
    );
    // No --db is needed: run it bare.
    let out = Command::new(env!("CARGO_BIN_EXE_xianfeng"))
        .env("LANG", "zh_CN.UTF-8")
        .args(["draw", "verify", &good])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("已核验"));
    // The stand-alone script of docs/DRAW.md, an independent implementation, agrees.
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/draw_verify.py");
    let py = Command::new("python3")
        .args([script, &good])
        .output()
        .unwrap();
    assert!(py.status.success(), "{py:?}");
    assert_eq!(String::from_utf8_lossy(&py.stdout).trim(), "verified");
    let mut edited = record.clone();
    edited.assignments.values_mut().for_each(|w| w.reverse());
    edited.targets.reverse();
    let bad = env.file(
        "edited.json",
        serde_json::to_string(&edited).unwrap().as_bytes(),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_xianfeng"))
        .env("LANG", "C")
        .args(["draw", "verify", &bad])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let py = Command::new("python3")
        .args([script, &bad])
        .output()
        .unwrap();
    assert_eq!(py.status.code(), Some(1), "{py:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("targets"),
        "{out:?}"
    );
    let broken = env.file("broken.json", b"{ not json");
    let out = Command::new(env!("CARGO_BIN_EXE_xianfeng"))
        .env("LANG", "C")
        .args(["draw", "verify", &broken])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the draw record"));
}

const CITY: &str = "组织编码,组织名称,上级组织编码,组织类别,分类,所属行业\n\
    JZ,中共某市委员会,,市委,,\n\
    C1,中共甲区委员会,JZ,县(市、区)委,县市区,\n\
    C2,中共乙区委员会,JZ,县(市、区)委,县市区,\n\
    C1-B1,甲区第一党支部,C1,党支部,农村,\n\
    C1-B2,甲区第二党支部,C1,党支部,农村,\n\
    C2-B1,乙区第一党支部,C2,党支部,社区,\n\
    C2-B2,乙区第二党支部,C2,党支部,社区,\n";

/// The office's random spot check from the command line, step by step: the pool imported
/// (all or nothing), the plan created, the population published before any seed input, the
/// draw made once with each county's staff sent to the other county, and the record
/// recomputed by `draw verify` and by the stand-alone script.
#[test]
fn a_random_spot_check_is_planned_published_drawn_once_and_verified_from_the_command_line() {
    for env in envs() {
        env.ok(&["init", "--password", "Pass-word-1"]);
        env.ok(&["import", "orgs", &env.file("city.csv", CITY.as_bytes())]);
        let header = "姓名,账号,所属组织编码,回避组织编码,回避理由\n";
        let bad = format!(
            "{header}甲区督查,c1-dc,C1,,\n乙区督查,c2-dc,C9,,\n市督查,jz-dc,JZ,C1-B1;C2-B1,\n"
        );
        let out = env.run(&[
            "inspection",
            "inspectors",
            "import",
            &env.file("bad.csv", bad.as_bytes()),
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", env.label);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(":3 [所属组织编码] \"C9\""), "{err}");
        assert!(err.contains(":4 [回避理由]"), "{err}");
        assert_eq!(
            env.ok(&["inspection", "inspectors", "list"]),
            "",
            "nothing written"
        );
        assert!(!env.ok(&["user", "list"]).contains("c1-dc"));

        let good =
            format!("{header}甲区督查,c1-dc,C1,,\n乙区督查,c2-dc,C2,C1-B2；C1-B1,亲属任职\n");
        let out = env.ok(&[
            "inspection",
            "inspectors",
            "import",
            &env.file("good.csv", good.as_bytes()),
        ]);
        assert!(
            out.contains("c1-dc\t") && out.contains("c2-dc\t"),
            "codes printed: {out}"
        );
        let pool = env.ok(&["inspection", "inspectors", "list"]);
        assert!(
            pool.contains("c2-dc\t乙区督查\tC2\t1\tC1-B1;C1-B2"),
            "{pool}"
        );

        let create = |extra: &[&str]| -> String {
            let mut args = vec![
                "inspection",
                "plan",
                "create",
                "--name",
                "第一季度随机抽查",
                "--scope",
                "JZ",
                "--population",
                "branches",
                "--strata",
                "county",
                "--inspectors-per-target",
                "1",
                "--cap",
                "1",
            ];
            args.extend_from_slice(extra);
            env.ok(&args).lines().last().unwrap().trim().to_string()
        };
        let plan = create(&["--per-stratum", "1"]);
        let early = env.run(&["inspection", "draw", &plan, "--seed-input", "3 8 1"]);
        assert_eq!(early.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&early.stderr).contains("须先公布抽查名单"));

        let out = env.ok(&["inspection", "publish", &plan]);
        let p = xianfeng_domain::draw::population_digest(["C1-B1", "C1-B2", "C2-B1", "C2-B2"]);
        assert!(out.contains(&format!("P = {p}")), "{out}");
        let again = env.run(&["inspection", "exclude", &plan, "C1-B1"]);
        assert_eq!(again.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&again.stderr).contains("已公布并冻结"));

        // 乙区's inspector declared conflicts with both of 甲区's branches; 甲区's own staff
        // may not inspect in 甲区: no one can go to 甲区. Refused, naming the target.
        let short = env.run(&[
            "inspection",
            "draw",
            &plan,
            "--seed-input",
            "福彩3D 2011-03-15 3 8 1",
        ]);
        assert_eq!(short.status.code(), Some(1));
        let why = String::from_utf8_lossy(&short.stderr);
        assert!(
            why.contains("检查人员不足") && why.contains("C1-B"),
            "{why}"
        );
        assert!(
            !why.contains("C2-B"),
            "乙区's target could be staffed: {why}"
        );

        // With the conflicts lifted (a new pool sheet), the same plan draws — once.
        let lifted = format!("{header}甲区督查,c1-dc,C1,,\n乙区督查,c2-dc,C2,,\n");
        env.ok(&[
            "inspection",
            "inspectors",
            "import",
            &env.file("lifted.csv", lifted.as_bytes()),
        ]);
        let out = env.ok(&[
            "inspection",
            "draw",
            &plan,
            "--seed-input",
            "福彩3D 2011-03-15 3 8 1",
        ]);
        let rows: Vec<&str> = out.lines().skip(1).collect();
        assert_eq!(rows.len(), 2, "{out}");
        for row in &rows {
            let (target, who) = row.split_once('\t').unwrap();
            let other = if target.starts_with("C1") {
                "c2-dc"
            } else {
                "c1-dc"
            };
            assert_eq!(who, other, "cross-checking: {out}");
        }
        let twice = env.run(&["inspection", "draw", &plan, "--seed-input", "another"]);
        assert_eq!(twice.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&twice.stderr).contains("不能再次抽取"));

        let record = env.path("record.json");
        env.ok(&[
            "inspection",
            "record",
            &plan,
            "--out",
            record.to_str().unwrap(),
        ]);
        let r: Value = serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
        assert_eq!(r["population_digest"], p);
        assert_eq!(r["seed_input"], "福彩3D 2011-03-15 3 8 1");
        assert_eq!(r["scope"], "JZ");
        let verify = Command::new(env!("CARGO_BIN_EXE_xianfeng"))
            .env("LANG", "C")
            .args(["draw", "verify"])
            .arg(&record)
            .output()
            .unwrap();
        assert!(verify.status.success(), "{verify:?}");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/draw_verify.py");
        let py = Command::new("python3")
            .arg(script)
            .arg(&record)
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&py.stdout).trim(),
            "verified",
            "{py:?}"
        );

        // A total shared by size, and the pool too small for it: every target named.
        let big = create(&["--total", "4"]);
        env.ok(&["inspection", "publish", &big]);
        let short = env.run(&["inspection", "draw", &big, "--seed-input", "x"]);
        assert_eq!(short.status.code(), Some(1));
        let list = env.ok(&["inspection", "plan", "list"]);
        assert!(
            list.contains(&format!("{big}\t第一季度随机抽查\tJZ\t名单已公布")),
            "{list}"
        );
        assert!(
            list.contains(&format!("{plan}\t第一季度随机抽查\tJZ\t已抽取")),
            "{list}"
        );
    }
}

/// A bulletin from the command line: drafted (its id printed last), issued with the next
/// number of its prefix and year, exported as a .docx and an .xlsx that read back; a bad
/// kind and a bad prefix are refused with what to do, nothing issued.
#[test]
fn a_bulletin_is_drafted_issued_and_exported_from_the_command_line() {
    for env in envs() {
        env.ok(&["init", "--password", "Pass-word-1"]);
        env.ok(&["import", "orgs", &env.file("city.csv", CITY.as_bytes())]);
        let bad = env.run(&["bulletin", "draft", "--kind", "weekly", "--scope", "JZ"]);
        assert!(!bad.status.success());
        assert!(String::from_utf8_lossy(&bad.stderr).contains("progress"));
        let out = env.ok(&[
            "bulletin", "draft", "--kind", "progress", "--scope", "JZ", "--period", "2011-h1",
        ]);
        let id = out.lines().last().unwrap().trim().to_string();
        assert!(id.parse::<i64>().is_ok(), "{out}");
        let refused = env.run(&["bulletin", "issue", &id, "--number-prefix", "焦创办2"]);
        assert!(!refused.status.success());
        let issued = env.ok(&[
            "bulletin",
            "issue",
            &id,
            "--number-prefix",
            "焦创办",
            "--dated",
            "2011-07-05",
        ]);
        assert!(issued.contains("焦创办〔2011〕1号"), "{issued}");
        let (docx, xlsx) = (env.path("b.docx"), env.path("b.xlsx"));
        env.ok(&[
            "bulletin",
            "export",
            &id,
            "--docx",
            docx.to_str().unwrap(),
            "--xlsx",
            xlsx.to_str().unwrap(),
        ]);
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&docx).unwrap()).unwrap();
        let mut doc = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut doc)
            .unwrap();
        assert!(doc.contains("焦创办〔2011〕1号"), "the number is printed");
        // The addressees, by default the scope's organisations one level down.
        assert!(doc.contains("中共甲区委员会、中共乙区委员会："), "{doc}");
        use calamine::Reader;
        let book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
        assert!(!book.sheet_names().is_empty());
        let list = env.json(&["bulletin", "list", "--json"]);
        assert_eq!(list[0]["status"], "issued");
    }
}

/// An office moves its list of models in from a sheet (all or nothing; a second import adds
/// nothing) and schedules a session from a script; a double booking is refused.
#[test]
fn models_are_imported_and_a_session_scheduled_from_the_command_line() {
    for env in envs() {
        env.ok(&["init", "--password", "Pass-word-1"]);
        env.ok(&["import", "orgs", &env.file("city.csv", CITY.as_bytes())]);
        let bad = "名称,类别,组织编码,级别,简介\n甲区第一党支部,党组织,C1-B1,县级,带头致富\n无名,党员,C1-B1,县级,x\n";
        let out = env.run(&["models", "import", &env.file("bad.csv", bad.as_bytes())]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("无名"));
        assert!(
            env.ok(&["models", "list"]).trim().is_empty(),
            "nothing was written"
        );
        // The office's list as Excel keeps it.
        let mut wb = rust_xlsxwriter::Workbook::new();
        let sheet = wb.add_worksheet();
        let rows = [
            ["名称", "类别", "组织编码", "级别", "简介", "标签"],
            [
                "甲区第一党支部",
                "党组织",
                "C1-B1",
                "县级",
                "带头致富",
                "农村",
            ],
            [
                "乙区第一党支部",
                "党组织",
                "C2-B1",
                "市级",
                "服务社区",
                "社区",
            ],
        ];
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                sheet.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
        let file = env.file("典型名单.xlsx", &wb.save_to_buffer().unwrap());
        env.ok(&["models", "import", &file]);
        env.ok(&["models", "import", &file]);
        let list = env.json(&["models", "list", "--json"]);
        assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
        assert_eq!(list[0]["status"], "in_library");
        let speakers: Vec<i64> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_i64().unwrap())
            .collect();
        let speakers: Vec<String> = speakers.iter().map(i64::to_string).collect();
        let out = env.ok(&[
            "tour",
            "delegation",
            "--org",
            "JZ",
            "--name",
            "报告团",
            "--theme",
            "主题",
            "--leader",
            "团长",
            "--speakers",
            &speakers.join(","),
        ]);
        let delegation = out.lines().last().unwrap().trim().to_string();
        let schedule = |host: &str, from: &str, to: &str| {
            env.run(&[
                "tour",
                "schedule",
                "--delegation",
                &delegation,
                "--host",
                host,
                "--venue",
                "礼堂",
                "--starts",
                from,
                "--ends",
                to,
            ])
        };
        let first = schedule("C1-B1", "2012-03-08 09:00", "2012-03-08 11:00");
        assert!(
            first.status.success(),
            "{}",
            String::from_utf8_lossy(&first.stderr)
        );
        let clash = schedule("C2-B1", "2012-03-08 12:00", "2012-03-08 13:00");
        assert!(!clash.status.success());
        // Named: a speaker, and the other session by its time.
        let why = String::from_utf8_lossy(&clash.stderr);
        assert!(
            why.contains("第一党支部") && why.contains("2012-03-08 09:00"),
            "{why}"
        );
        let bad_time = schedule("C2-B1", "8 March", "2012-03-08 13:00");
        assert!(!bad_time.status.success());
        assert!(env.ok(&["tour", "list"]).contains("2012-03-08 09:00"));
    }
}

/// A rolling deploy (docs/CLUSTER.md): `migrate` prepares the database once; a server
/// started with `--no-migrate` refuses a database that is behind, saying what to run.
#[test]
fn migrate_prepares_the_database_and_a_server_that_must_not_migrate_waits_for_it() {
    for env in envs() {
        // The key every server of the installation shares, made before the database.
        std::fs::write(&env.key, format!("{}\n", "ab".repeat(32))).unwrap();
        let refused = env.run_in("C", &["serve", "--no-migrate", "--addr", "127.0.0.1:0"]);
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(!refused.status.success(), "{}", env.label);
        assert!(stderr.contains("run xianfeng migrate first"), "{stderr}");
        let first = env.ok(&["migrate"]);
        assert!(first.contains("数据库已就绪"), "{first}");
        let again = env.run_in("C", &["migrate"]);
        let stdout = String::from_utf8_lossy(&again.stdout);
        assert!(again.status.success(), "{stdout}");
        assert!(
            stdout.contains("the database is ready: schema version"),
            "{stdout}"
        );
    }
}
