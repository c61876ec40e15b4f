//! The demonstration city's bulletins (通报): one of each kind drafted from the demo's data
//! and issued — the stage summary of the first themed stage with the good practices three
//! districts sent up, the progress bulletin of 2011's second half, the 2011 fourth-quarter
//! spot check's bulletin and the commendation of February 2012 — and a monthly progress
//! bulletin that drafted itself on the first working day of March 2012 and waits for the
//! office. Made through the same services as the pages.

use chrono::NaiveDate;
use serde::Serialize;
use xianfeng_domain::bulletin::BulletinKind;
use xianfeng_domain::bulletin_schedule::ScheduleRule;
use xianfeng_storage::{Issue, Store};

use crate::AppError;
use crate::actor::Who;
use crate::bulletins::reports::{self, ReportInput};
use crate::bulletins::{DraftRequest, draft, issue, schedule};
use crate::scores::Scores;

#[derive(Debug, Clone, Default, Serialize)]
pub struct BulletinSummary {
    pub issued: usize,
    pub drafts: usize,
    pub stage_reports: usize,
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a fixed demo date")
}

const ISSUER: &str = "焦作市创先争优活动领导小组办公室";
const MAIN_TO: &str = "各县（市、区）委组织部，市直各单位党组织";

/// What three districts sent up for the first themed stage: (code, summary, practices).
const REPORTS: [(&str, &str, &str); 3] = [
    (
        "JZ-JF",
        "解放区各级党组织围绕迎接建党90周年，开展承诺践诺和结对帮扶，群众满意度明显提升。",
        "推行“党员责任区”，每名党员联系十户居民，民情日记每周一记、问题每月一结。",
    ),
    (
        "JZ-SY",
        "山阳区以社区党组织为重点，组织党员志愿服务队常态化开展服务。",
        "社区设立“党员服务站”，服务事项挂牌公开，群众点单、党员接单、组织派单。",
    ),
    (
        "JZ-MZ",
        "孟州市把创先争优与农村发展结合，村党支部带头领办合作社。",
        "",
    ),
];

pub async fn build(store: &Store, today: NaiveDate) -> Result<BulletinSummary, AppError> {
    let scores = Scores::new();
    let who = Who {
        username: "office",
        principal: None,
    };
    let mut summary = BulletinSummary::default();

    // Stage reports from three districts; the city takes two districts' good practices.
    for (code, text, practices) in REPORTS {
        let input = ReportInput {
            code,
            stage: "towards-90th",
            summary: text,
            practices,
        };
        let id = reports::send(store, &scores, who, &input, today).await?;
        if !practices.is_empty() {
            reports::pick(store, who, "JZ", id, true).await?;
        }
        summary.stage_reports += 1;
    }

    let made = |kind, scope, period: Option<&'static str>, plan: Option<i64>| {
        let request = DraftRequest {
            kind: Some(kind),
            scope,
            period,
            plan,
            corrects: None,
        };
        let scores = &scores;
        async move { draft(store, scores, who, &request, today).await }
    };
    let closed_plan = store
        .inspections()
        .plans(crate::scope::campaign(store).await?.0)
        .await?
        .into_iter()
        .find(|p| p.status == xianfeng_domain::inspection::PlanStatus::Closed)
        .map(|p| p.id);
    let mut list = vec![
        (
            made(BulletinKind::StageSummary, "JZ", Some("towards-90th"), None).await?,
            "2011-07-20",
            None,
        ),
        (
            made(BulletinKind::Progress, "JZ", Some("2011-h2"), None).await?,
            "2012-01-10",
            None,
        ),
    ];
    if let Some(plan) = closed_plan {
        list.push((
            made(BulletinKind::Inspection, "JZ", None, Some(plan)).await?,
            "2012-02-15",
            None,
        ));
    }
    list.push((
        made(
            BulletinKind::Commendation,
            "JZ",
            Some("焦发〔2012〕5号"),
            None,
        )
        .await?,
        "2012-02-27",
        Some("王建华"),
    ));
    for (id, dated, signer) in list {
        let i = Issue {
            issuer: ISSUER.into(),
            prefix: "焦创办".into(),
            year: 0,
            main_to: MAIN_TO.into(),
            copy_to: "市委办公室，市政府办公室".into(),
            signer: signer.map(str::to_string),
            dated_on: day(dated),
            public: true,
            recipients: vec![],
        };
        issue(store, who, id, &i, &[]).await?;
        summary.issued += 1;
    }

    // The monthly progress bulletin, set in February, drafted itself on 1 March.
    schedule::create(store, who, "JZ", ScheduleRule::Monthly, day("2012-02-01")).await?;
    summary.drafts += schedule::run_due(store, &scores, today).await?.len();
    Ok(summary)
}
