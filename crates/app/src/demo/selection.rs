//! The demonstration city's selection and commendation (评选表彰): candidates at every step,
//! a notice running from today with objections, and an honour roll from February 2012. Made
//! through the same services as the pages, as the command-line operator, so every rule
//! (eligibility, quotas, working days, the phase that opens nominations) holds for the demo
//! too: the office opened the commendation phase's work early, from 1 February 2012, to
//! recommend candidates to the province.

use chrono::NaiveDate;
use serde::Serialize;
use xianfeng_domain::selection::{Finding, Step};
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::Store;

use crate::AppError;
use crate::scores::Scores;
use crate::selection::{
    NominationInput, NoticeInput, ObjectionInput, StepInput, check_eligibility, find, nominate,
    object, publish_notice, recommend, step,
};

/// What the demo's selection holds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SelectionSummary {
    pub nominations: usize,
    /// The notice running from today, if the calendar has the days for it.
    pub running_notice: Option<i64>,
    pub commended: usize,
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a fixed demo date")
}

fn note(text: &str) -> StepInput {
    StepInput {
        note: text.into(),
        ..Default::default()
    }
}

/// The first of `org`'s organisations below it that meets the rules of "advanced basic-level
/// organisation" (grade and satisfaction from the demo's reviews and ballots).
async fn eligible_branch(
    store: &Store,
    scores: &Scores,
    org: &str,
    today: NaiveDate,
) -> Result<Option<i64>, AppError> {
    let Some(o) = store.registry().org_by_code(org).await? else {
        return Ok(None);
    };
    for child in store.registry().children(o.id).await? {
        let checks = check_eligibility(
            store,
            scores,
            "advanced-organisation",
            SubjectKind::Organisation,
            child.id,
            today,
        )
        .await?;
        if xianfeng_domain::selection::eligible(&checks) {
            return Ok(Some(child.id));
        }
    }
    Ok(None)
}

/// `branch` nominated by its `street` for "advanced basic-level organisation".
async fn nominated(
    store: &Store,
    scores: &Scores,
    (street, branch): (&str, i64),
    today: NaiveDate,
) -> Result<i64, AppError> {
    let input = NominationInput {
        honour: "advanced-organisation",
        kind: SubjectKind::Organisation,
        subject_id: branch,
        nominated_by: street,
        deeds: "支部班子团结协作，开展“三联三创”活动，组织党员认领服务岗位，\
                为群众办实事四十余件，群众满意率持续提高。",
        summary: "组织党员认领服务岗位，为群众办实事四十余件",
    };
    nominate(store, scores, None, &input, today).await
}

/// Streets (and towns) of `district` with a branch that meets the rules, each with that
/// branch: as many as `want`.
async fn streets_with_candidates(
    store: &Store,
    scores: &Scores,
    district: &str,
    want: usize,
    today: NaiveDate,
) -> Result<Vec<(String, i64)>, AppError> {
    let mut out = vec![];
    let Some(d) = store.registry().org_by_code(district).await? else {
        return Ok(out);
    };
    for street in store.registry().children(d.id).await? {
        if out.len() == want {
            break;
        }
        if let Some(branch) = eligible_branch(store, scores, &street.code, today).await? {
            out.push((street.code, branch));
        }
    }
    Ok(out)
}

pub(crate) async fn build(store: &Store, today: NaiveDate) -> Result<SelectionSummary, AppError> {
    let scores = Scores::new();
    let mut summary = SelectionSummary::default();
    let (campaign, _) = crate::scope::campaign(store).await?;
    let early = crate::campaigns::Opening {
        phase: "commendation",
        starts_on: day("2012-02-01"),
        ends_on: day("2012-05-15"),
        reason: "省委要求3月底前推荐全省创先争优先进基层党组织和优秀共产党员，提前开展评选推荐",
    };
    crate::campaigns::open_phase(store, None, "office", campaign, &early).await?;
    let at = day("2012-02-06");

    // 先进县市区党委, decided by the city itself: on the roll after a notice in February
    // 2012.
    let mut county = vec![];
    for code in ["JZ-JF", "JZ-SY"] {
        let Some(o) = store.registry().org_by_code(code).await? else {
            continue;
        };
        let input = NominationInput {
            honour: "advanced-county-committee",
            kind: SubjectKind::Organisation,
            subject_id: o.id,
            nominated_by: "JZ",
            deeds: "区委把创先争优活动作为加强基层党组织建设的有力抓手，\
                    建立领导干部联系点制度，开展“公开承诺、领导点评、群众评议”，成效显著。",
            summary: "创先争优活动组织有力，“公开承诺、领导点评、群众评议”成效显著",
        };
        let id = nominate(store, &scores, None, &input, at).await?;
        step(
            store,
            None,
            id,
            Step::Assess,
            &note("市委考核组考核，成效显著。"),
            at,
        )
        .await?;
        step(
            store,
            None,
            id,
            Step::Approve,
            &note("市委常委会研究同意。"),
            at,
        )
        .await?;
        county.push(id);
        summary.nominations += 1;
    }
    if !county.is_empty() {
        publish_notice(
            store,
            None,
            &NoticeInput {
                honour: "advanced-county-committee",
                nominations: &county,
                title: "创先争优先进县市区党委拟表彰对象公示",
                body: "经各地推荐、市委考核、市委常委会研究，拟表彰以下县（市、区）党委。\
                       公示期间，对公示对象有异议的，请向市委组织部反映。",
                contact: "市委组织部 电话 0391-0000000，地址 焦作市人民路",
                starts_on: day("2012-02-13"),
            },
            day("2012-02-10"),
        )
        .await?;
        let commend = StepInput {
            document_no: "焦发〔2012〕5号".into(),
            commended_on: Some(day("2012-02-24")),
            ..Default::default()
        };
        for id in &county {
            step(store, None, *id, Step::Commend, &commend, day("2012-02-24")).await?;
            summary.commended += 1;
        }
    }

    // 先进基层党组织: branches nominated by their streets, at every step; the last of 解放区
    // and one of 山阳区 recommended up to the city (each district may recommend one) and on
    // a notice running from today.
    let jiefang = streets_with_candidates(store, &scores, "JZ-JF", 6, today).await?;
    let shanyang = streets_with_candidates(store, &scores, "JZ-SY", 1, today).await?;
    let assess = note("区委考核组实地考核，群众反映良好。");
    let approve = note("区委常委会研究同意。");
    for (i, (street, branch)) in jiefang.iter().take(5).enumerate() {
        let id = nominated(store, &scores, (street, *branch), today).await?;
        summary.nominations += 1;
        // Left nominated, assessed, approved, rejected and withdrawn, in that order.
        if (1..=2).contains(&i) {
            step(store, None, id, Step::Assess, &assess, today).await?;
        }
        if i == 2 {
            step(store, None, id, Step::Approve, &approve, today).await?;
        }
        if i == 3 {
            let why = note("事迹材料不够具体，本次不予推荐。");
            step(store, None, id, Step::Reject, &why, today).await?;
        }
        if i == 4 {
            let why = note("支部谦让，撤回推荐。");
            step(store, None, id, Step::Withdraw, &why, today).await?;
        }
    }
    let mut running = vec![];
    for (street, branch) in jiefang.iter().skip(5).chain(shanyang.iter()) {
        let id = nominated(store, &scores, (street, *branch), today).await?;
        summary.nominations += 1;
        step(store, None, id, Step::Assess, &assess, today).await?;
        step(store, None, id, Step::Approve, &approve, today).await?;
        let up = recommend(store, &scores, None, id, "advanced-organisation", today).await?;
        step(
            store,
            None,
            up,
            Step::Assess,
            &note("市委考核组考核。"),
            today,
        )
        .await?;
        step(
            store,
            None,
            up,
            Step::Approve,
            &note("市委常委会研究同意。"),
            today,
        )
        .await?;
        running.push(up);
    }
    if !running.is_empty() {
        let published = publish_notice(
            store,
            None,
            &NoticeInput {
                honour: "advanced-organisation",
                nominations: &running,
                title: "创先争优先进基层党组织拟表彰对象公示（演示）",
                body: "公示期间，对公示对象有异议的，可在本页提出，或向市委组织部反映。",
                contact: "市委组织部 电话 0391-0000000",
                starts_on: today,
            },
            today,
        )
        .await;
        // Without calendar data for the days ahead (late December, before the next
        // year's schedule is entered) there is no running notice in the demo.
        if let Ok(notice) = published {
            summary.running_notice = Some(notice);
            let raise =
                |content: &'static str, name: &'static str, source: &'static str| ObjectionInput {
                    notice_id: notice,
                    nomination_id: running[0],
                    content,
                    name,
                    contact: if name.is_empty() { "" } else { "13900000000" },
                    source,
                };
            let now = chrono::Utc::now().timestamp_millis();
            let first = object(
                store,
                &raise("反映该支部为群众办实事的数字有夸大。", "赵敏", "demo-1"),
                today,
                now,
            )
            .await?;
            find(
                store,
                None,
                notice,
                first,
                "经核实，办实事台账和群众签字齐全，反映不属实。",
                Finding::NotUpheld,
            )
            .await?;
            object(
                store,
                &raise("该支部换届时间是否符合规定？请核实。", "", "demo-2"),
                today,
                now,
            )
            .await?;
        }
    }
    Ok(summary)
}
