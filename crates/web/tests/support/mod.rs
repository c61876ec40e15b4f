//! A small city on every backend, served by the real router in memory: requests go
//! through every layer (CSRF guard, metrics, limits) without a socket.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;
use xianfeng_app::Silent;
use xianfeng_app::import::{ImportMode, ImportOptions, import_members, import_orgs};
use xianfeng_domain::role::Role;
use xianfeng_storage::{NewUser, Store, password};
use xianfeng_testkit::{TestDb, backends, id, today};
use xianfeng_web::{WebConfig, router};

pub const PASSWORD: &str = "Pass-word-1";

/// District C1 › street T1 › branches B1 and B2 (siblings). A sector organisation E1
/// (教育) sits under C1.
pub const ORGS: &str = "组织编码,组织名称,上级组织编码,组织类别,分类,所属行业\n\
    C1,中共某区委员会,,县(市、区)委,县市区,\n\
    T1,某街道党工委,C1,工委,,\n\
    B1,某社区第一党支部,T1,党支部,,\n\
    B2,某社区第二党支部,T1,党支部,,\n\
    E1,某学校党支部,C1,党支部,,教育\n";

/// Names that must never appear in an answer to someone outside B1.
pub const B1_MEMBER: &str = "王芳";
pub const B2_MEMBER: &str = "李强";

pub struct App {
    pub db: TestDb,
    pub store: Store,
    pub router: Router,
    /// The id of B1's member.
    pub b1_member: i64,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("xf_session=") && !c.starts_with("xf_session=;"))
            .and_then(|c| c.split(';').next())
            .map(str::to_string)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// Every backend, each with the small city, its accounts and a router with `config`.
pub async fn apps_with(config: WebConfig) -> Vec<App> {
    let mut out = Vec::new();
    for db in backends().await {
        let store = db.open().await;
        xianfeng_app::init::init(&store, Some(PASSWORD), false, &Silent)
            .await
            .unwrap();
        let opts = ImportOptions {
            mode: ImportMode::Commit,
            skip_bad: false,
            actor: "test".into(),
            today: today(),
            on_behalf: None,
        };
        let orgs = format!("{ORGS}X1,<script>alert(1)</script>党支部,T1,党支部,,\n");
        let reader = xianfeng_ingest::from_csv_bytes(orgs.into_bytes()).unwrap();
        import_orgs(&store, reader, &opts, &Silent).await.unwrap();
        let members = format!(
            "姓名,身份证号,所在组织编码,手机号\n{B1_MEMBER},{},B1,13800138000\n{B2_MEMBER},{},B2,\n",
            id("41080219800101001"),
            id("41080219820202002")
        );
        let reader = xianfeng_ingest::from_csv_bytes(members.into_bytes()).unwrap();
        import_members(&store, reader, &opts, &Silent)
            .await
            .unwrap();
        let b1 = store.registry().org_by_code("B1").await.unwrap().unwrap();
        let b1_member = store.registry().members_of_org(b1.id, 1, 0).await.unwrap()[0].id;
        let hash = password::hash(PASSWORD);
        let mut tx = store.begin("test").await.unwrap();
        for (name, role, org, must_change) in [
            ("office", Role::Office, "C1", false),
            ("wang", Role::Secretary, "B1", false),
            ("li", Role::Secretary, "B2", false),
            ("member", Role::Member, "B1", false),
            ("guide", Role::SectorGuide, "E1", false),
            ("fresh", Role::Secretary, "B1", true),
            ("staff", Role::CommitteeStaff, "T1", false),
            // A reviewer whose own scope is elsewhere: B1's subjects reach it by assignment.
            ("reviewer", Role::Reviewer, "E1", false),
        ] {
            let org_ids = tx.org_ids_by_codes(&[org.to_string()]).await.unwrap();
            tx.create_user(&NewUser {
                username: name.into(),
                role,
                password_hash: hash.clone(),
                must_change_password: must_change,
                org_ids,
                // The member account is B1's member, 王芳.
                member_id: (name == "member").then_some(b1_member),
            })
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        out.push(App {
            router: router(store.clone(), config.clone()),
            db,
            store,
            b1_member,
        });
    }
    out
}

pub async fn apps() -> Vec<App> {
    apps_with(WebConfig::default()).await
}

impl App {
    pub fn label(&self) -> &'static str {
        self.db.label
    }

    /// Sends one request; `cookie` is a `name=value` pair, `bearer` a token.
    pub async fn send(&self, req: Request<Body>) -> Answer {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Answer {
        let mut req = Request::get(path);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// A page as an anonymous reader in `lang` (its language cookie) sees it.
    pub async fn get_with_lang(&self, path: &str, lang: &str) -> Answer {
        self.get(path, Some(&format!("xf_lang={lang}"))).await
    }

    pub async fn post_form(&self, path: &str, cookie: Option<&str>, form: &str) -> Answer {
        let mut req =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::from(form.to_string())).unwrap())
            .await
    }

    pub async fn api(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        json: Option<&str>,
    ) -> Answer {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let body = match json {
            Some(j) => {
                req = req.header(header::CONTENT_TYPE, "application/json");
                Body::from(j.to_string())
            }
            None => Body::empty(),
        };
        self.send(req.body(body).unwrap()).await
    }

    /// Signs in through the form and returns the session cookie.
    pub async fn sign_in(&self, username: &str) -> String {
        let a = self
            .post_form(
                "/login",
                None,
                &format!("username={username}&password={PASSWORD}"),
            )
            .await;
        assert_eq!(
            a.status,
            StatusCode::SEE_OTHER,
            "{}: {}",
            self.label(),
            a.body
        );
        a.cookie().expect("a session cookie")
    }

    /// The CSRF token of a signed-in session, as its pages carry it.
    pub async fn csrf(&self, cookie: &str) -> String {
        let page = self.get("/account/password", Some(cookie)).await;
        csrf_in(&page.body).expect("a page with a form")
    }

    /// Signs in through the API and returns the token.
    pub async fn token(&self, username: &str) -> String {
        let a = self
            .api(
                "POST",
                "/api/v1/login",
                None,
                Some(&format!(
                    r#"{{"username":"{username}","password":"{PASSWORD}"}}"#
                )),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        a.json()["token"].as_str().unwrap().to_string()
    }

    /// Posts a multipart form: text fields, then files as (field, file name, bytes).
    pub async fn multipart(
        &self,
        path: &str,
        cookie: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Answer {
        let boundary = "XFBOUNDARY42";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        for (name, file_name, content) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let req = Request::post(path)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(header::COOKIE, cookie)
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// Uploads a file to the roster import as a multipart form.
    pub async fn upload(
        &self,
        cookie: &str,
        csrf: &str,
        kind: &str,
        file_name: &str,
        content: &[u8],
    ) -> Answer {
        self.multipart(
            "/import",
            cookie,
            &[("csrf", csrf), ("kind", kind)],
            &[("file", file_name, content)],
        )
        .await
    }
}

pub fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(html[at..].split('"').next()?.to_string())
}

/// A JPEG as a phone writes it, with its GPS position in the Exif block.
pub fn phone_photo() -> Vec<u8> {
    let seg = |marker: u8, payload: &[u8]| {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(payload);
        s
    };
    let mut j = vec![0xFF, 0xD8];
    j.extend(seg(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
    j.extend(seg(0xE1, b"Exif\0\0GPSLatitude 35.2155N"));
    j.extend(seg(0xDA, &[1, 2, 3]));
    j.extend_from_slice(&[0x12, 0xFF, 0xD9]);
    j
}

pub fn item_form(csrf: &str, kind: &str, subject: i64, title: &str, target: &str) -> String {
    format!(
        "csrf={csrf}&kind={kind}&subject={subject}&title={title}\
         &activity_1=study&content_1=%E5%AD%A6%E4%B9%A0%E5%85%9A%E7%AB%A0&target_1={target}&due_1=2010-12-31\
         &activity_2=study&content_2=&target_2=&due_2=&past_ok=1"
    )
}

/// Reports progress on a published commitment with a phone photo; returns the file's id.
pub async fn report_with_photo(app: &App, path: &str) -> String {
    let member = app.sign_in("member").await;
    let csrf = app.csrf(&member).await;
    let report = app
        .multipart(
            &format!("{path}/progress"),
            &member,
            &[("csrf", &csrf), ("item", ""), ("body", "studied 32 hours")],
            &[("files", "notes.jpg", &phone_photo())],
        )
        .await;
    assert_eq!(report.status, StatusCode::SEE_OTHER, "{}", report.body);
    let page = app.get(path, Some(&member)).await;
    page.body
        .split("href=\"/files/")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a link to the evidence")
        .to_string()
}

/// Takes the member's commitment from draft to published, returning its page path.
pub async fn publish_member_commitment(app: &App) -> String {
    let member = app.sign_in("member").await;
    let csrf = app.csrf(&member).await;
    let form = app
        .get(
            &format!("/c/new?kind=member&subject={}", app.b1_member),
            Some(&member),
        )
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("比学习"), "activity items offered");
    let made = app
        .post_form(
            "/c",
            Some(&member),
            &item_form(&csrf, "member", app.b1_member, "my-commitment", "40"),
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let path = made.location().to_string();
    let step = |csrf: &str, step: &str| format!("csrf={csrf}&step={step}");
    let submitted = app
        .post_form(
            &format!("{path}/step"),
            Some(&member),
            &step(&csrf, "submit"),
        )
        .await;
    assert_eq!(
        submitted.status,
        StatusCode::SEE_OTHER,
        "{}",
        submitted.body
    );
    let wang = app.sign_in("wang").await;
    let wang_csrf = app.csrf(&wang).await;
    for s in ["approve", "publish"] {
        let a = app
            .post_form(&format!("{path}/step"), Some(&wang), &step(&wang_csrf, s))
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{s}: {}", a.body);
    }
    path
}

/// Leader reviews of the two branches: B1 falls from 好 to 一般, B2 rises from 差 to 好.
pub async fn review_branches(app: &App) {
    let (campaign_id, _) = xianfeng_app::scope::campaign(&app.store).await.unwrap();
    let mut tx = app.store.begin("test").await.unwrap();
    for (code, period, grade, points) in [
        ("B1", "2010", "good", 10),
        ("B1", "2011-h1", "average", 5),
        ("B2", "2010", "poor", 2),
        ("B2", "2011-h1", "good", 10),
    ] {
        let org = app
            .store
            .registry()
            .org_by_code(code)
            .await
            .unwrap()
            .unwrap();
        tx.write_review_as(
            "leader",
            &xianfeng_storage::NewReview {
                campaign_id,
                subject_kind: xianfeng_domain::subject::SubjectKind::Organisation,
                subject_id: org.id,
                org_id: org.id,
                period: period.into(),
                grade: grade.into(),
                points,
                comment: "点评".into(),
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

/// Stores the simpler test campaign, opens its nominations around today (as the office
/// opens the commendation phase's work early), and gives the calendar next year too, so
/// that a notice starting today has working days to count whatever today is.
pub async fn prepare_selection(store: &Store) {
    xianfeng_testkit::use_simple_selection_campaign(store).await;
    let today = chrono::Local::now().date_naive();
    let (campaign, _) = store.campaigns().current().await.unwrap().unwrap();
    let early = xianfeng_app::campaigns::Opening {
        phase: "commendation",
        starts_on: today - chrono::Duration::days(30),
        ends_on: today + chrono::Duration::days(60),
        reason: "提前开放评选推荐",
    };
    xianfeng_app::campaigns::open_phase(store, None, "office", campaign, &early)
        .await
        .unwrap();
    let next_year =
        chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&today) + 1, 1, 1).expect("a date");
    // As if next year's schedule had been imported.
    let mut tx = store.begin("test").await.unwrap();
    tx.set_calendar_days(
        &[xianfeng_domain::calendar::CalendarDay {
            date: next_year,
            workday: false,
            note: "元旦".into(),
        }],
        true,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// `member`, nominated by their branch `branch` for outstanding member, approved by T1,
/// recommended to C1, approved there and put on a notice starting `starts_on`:
/// (nomination at C1, notice).
pub async fn member_on_notice(
    store: &Store,
    member: i64,
    branch: &str,
    starts_on: chrono::NaiveDate,
) -> (i64, i64) {
    use xianfeng_app::selection::{
        NominationInput, NoticeInput, StepInput, nominate, publish_notice, recommend, step,
    };
    use xianfeng_domain::selection::Step;
    let s = store;
    let today = chrono::NaiveDate::from_ymd_opt(2012, 6, 25).expect("a date");
    let id = nominate(
        s,
        &xianfeng_app::scores::Scores::new(),
        None,
        &NominationInput {
            honour: "excellent-member",
            kind: xianfeng_domain::subject::SubjectKind::Member,
            subject_id: member,
            nominated_by: branch,
            deeds: "带领党员志愿服务队服务社区三百余小时。",
            summary: "带领志愿服务队服务社区三百余小时",
        },
        today,
    )
    .await
    .unwrap();
    let note = |n: &str| StepInput {
        note: n.into(),
        ..Default::default()
    };
    step(s, None, id, Step::Assess, &note("考核"), today)
        .await
        .unwrap();
    step(s, None, id, Step::Approve, &note("同意"), today)
        .await
        .unwrap();
    let scores = xianfeng_app::scores::Scores::new();
    let up = recommend(s, &scores, None, id, "excellent-member", today)
        .await
        .unwrap();
    step(s, None, up, Step::Assess, &note("考核"), today)
        .await
        .unwrap();
    step(s, None, up, Step::Approve, &note("审定"), today)
        .await
        .unwrap();
    let notice = publish_notice(
        s,
        None,
        &NoticeInput {
            honour: "excellent-member",
            nominations: &[up],
            title: "优秀共产党员拟表彰对象公示",
            body: "公示期间如有异议，请反映。",
            contact: "区委组织部 0391-0000000",
            starts_on,
        },
        starts_on,
    )
    .await
    .unwrap();
    (up, notice)
}

/// B1's member on a notice from today (see [`member_on_notice`]).
pub async fn b1_member_on_notice(app: &App) -> (i64, i64) {
    prepare_selection(&app.store).await;
    member_on_notice(
        &app.store,
        app.b1_member,
        "B1",
        chrono::Local::now().date_naive(),
    )
    .await
}

/// B1's member on a notice of July 2012, objected to on its second day, the objection
/// found untrue, and commended (see [`member_on_notice`]): (nomination on the roll, notice).
pub async fn b1_member_commended(app: &App) -> (i64, i64) {
    use xianfeng_app::selection::{ObjectionInput, StepInput, find, object, step};
    prepare_selection(&app.store).await;
    let s = &app.store;
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2012, 7, d).expect("a date");
    let (up, notice) = member_on_notice(s, app.b1_member, "B1", day(2)).await;
    let objection = ObjectionInput {
        notice_id: notice,
        nomination_id: up,
        content: "服务时长有夸大",
        name: "赵敏",
        contact: "13900000000",
        source: "10.0.0.1",
    };
    let id = object(s, &objection, day(3), 0).await.unwrap();
    find(
        s,
        None,
        notice,
        id,
        "有签到记录为证",
        xianfeng_domain::selection::Finding::NotUpheld,
    )
    .await
    .unwrap();
    let commend = StepInput {
        document_no: "焦发〔2012〕15号".into(),
        commended_on: Some(day(10)),
        ..Default::default()
    };
    step(
        s,
        None,
        up,
        xianfeng_domain::selection::Step::Commend,
        &commend,
        day(10),
    )
    .await
    .unwrap();
    (up, notice)
}

/// Percent-encodes a form value.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The inspector pool of the small city: `dc-city` at the district (C1, the scope's own
/// staff, who may inspect anywhere in it), `dc-school` at E1 and `dc-street` at T1 (above
/// B1 and B2 but below the district: never sent to them). Each signs in with [`PASSWORD`].
pub async fn inspector_pool(store: &Store) {
    let sheet = "姓名,账号,所属组织编码,回避组织编码,回避理由\n\
        区督查,dc-city,C1,,\n学校督查,dc-school,E1,,\n街道督查,dc-street,T1,,\n";
    let reader = xianfeng_ingest::from_csv_bytes(sheet.as_bytes().to_vec()).unwrap();
    let opts = ImportOptions {
        mode: ImportMode::Commit,
        skip_bad: false,
        actor: "test".into(),
        today: today(),
        on_behalf: None,
    };
    let done = xianfeng_app::inspections::pool::import(store, reader, &opts, 30, &Silent)
        .await
        .unwrap();
    assert!(done.report.committed, "{:?}", done.report.issues);
    let mut tx = store.begin("test").await.unwrap();
    for name in ["dc-city", "dc-school", "dc-street"] {
        tx.set_password(name, &password::hash(PASSWORD), false)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

/// B1 inspected: the pool, a regular inspection of B1 by two inspectors drawn (dc-city and
/// dc-school: dc-street's home lies between the district and B1), dc-city's findings
/// submitted with one item short, which opened a rectification item for B1. The plan stays
/// drawn, its results not public. (plan, task, rectification item)
pub async fn b1_inspected(store: &Store) -> (i64, i64, i64) {
    use xianfeng_app::inspections::{self, PlanRequest, Who, tasks};
    use xianfeng_domain::inspection::{Judgement, PlanKind, PlanSpec, Population, Strata};
    inspector_pool(store).await;
    let office = store.accounts().principal("office").await.unwrap().unwrap();
    let who = Who {
        username: "office",
        principal: Some(&office),
    };
    let request = PlanRequest {
        spec: PlanSpec {
            name: "第一季度督查".into(),
            kind: PlanKind::Regular,
            scope: "C1".into(),
            population: Population::Branches,
            strata: Strata::County,
            allocation: xianfeng_domain::draw::Allocation::PerStratum(1),
            per_target: 2,
            cap: 5,
            publish_results_at_once: false,
            targets: vec!["B1".into()],
            replaces: None,
        },
        visits_from: None,
        visits_to: None,
    };
    let plan = inspections::create(store, who, &request).await.unwrap();
    inspections::publish(store, who, plan).await.unwrap();
    let record = inspections::draw(store, who, plan, "3 8 1").await.unwrap();
    assert_eq!(record.assignments["B1"].len(), 2);
    assert!(!record.assignments["B1"].contains(&"dc-street".to_string()));
    let task = store.inspections().tasks_of_plan(plan).await.unwrap()[0].id;
    let city = store
        .accounts()
        .principal("dc-city")
        .await
        .unwrap()
        .unwrap();
    let inspector = Who {
        username: "dc-city",
        principal: Some(&city),
    };
    let (campaign_id, campaign) = xianfeng_app::scope::campaign(store).await.unwrap();
    let list = tasks::checklist(store, &campaign, campaign_id, inspector, task, today())
        .await
        .unwrap();
    let items: Vec<String> = list
        .items
        .iter()
        .map(|i| i.item.code.get_ref().clone())
        .collect();
    for (n, item) in items.iter().enumerate() {
        let (judgement, note) = if n == 0 {
            (Judgement::Fails, "实施方案未经上级审批")
        } else {
            (Judgement::Meets, "")
        };
        let finding = tasks::FindingInput {
            item,
            judgement,
            note,
            photos: vec![],
        };
        tasks::record_finding(store, &campaign, inspector, task, finding)
            .await
            .unwrap();
    }
    let opened = tasks::submit(store, &campaign, campaign_id, inspector, task, today())
        .await
        .unwrap();
    assert_eq!(opened, 1);
    let item = store
        .inspections()
        .rectifications_of_plan(plan)
        .await
        .unwrap()[0]
        .id;
    (plan, task, item)
}

/// Serves `store` on a real socket (what a test of connections, timeouts or forwarding
/// headers needs); returns the address, and the sender whose drop stops the server.
pub async fn serve_on_socket(
    store: Store,
    config: WebConfig,
) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        xianfeng_web::serve(store, config, listener, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    (addr, stop)
}
