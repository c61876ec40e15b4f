//! The demonstration city at work: implementation plans in every state, commitments in every
//! state with progress and closed items, study sittings and volunteer service, carriers,
//! and leader reviews. Written as the system (actor `demo`), deterministic like the city.

use chrono::NaiveDate;
use serde::Serialize;
use xianfeng_domain::ballot::{Mode, Verdict};
use xianfeng_domain::commitment::{ItemDraft, Outcome, Status, Step};
use xianfeng_domain::org::OrgKind;
use xianfeng_domain::plan::{MeetingLevel, PlanStatus};
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::{
    NewCommitment, NewMeeting, NewRecord, RecordKind, StepDetail, Store, WriteTx,
};

use super::Rng;
use crate::AppError;

/// Branches that carry commitments and records.
const ACTIVE_BRANCHES: usize = 120;

#[derive(Debug, Clone, Default, Serialize)]
pub struct ActivitySummary {
    pub plans: usize,
    pub commitments: usize,
    pub study_records: usize,
    pub service_records: usize,
    pub reviews: usize,
    /// Self-assessments and indicator values of the scored branches (`demo_scores`).
    pub self_assessments: usize,
    pub indicator_values: usize,
    pub ballots: usize,
    /// A few unused ballot codes of the round open today, to try the phone page with.
    pub sample_codes: Vec<String>,
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a fixed demo date")
}

/// Every status a commitment can be in, so that each shows somewhere in the city.
const STATUSES: [Status; 6] = [
    Status::Published,
    Status::Evaluated,
    Status::Draft,
    Status::Submitted,
    Status::Returned,
    Status::Approved,
];

const ORG_ITEMS: &[(&str, &str, &str)] = &[
    ("study", "每月开展一次集中学习", "全年集中学习不少于12次"),
    (
        "service",
        "设立党员服务窗口，为群众办实事",
        "全年办实事不少于20件",
    ),
    ("performance", "完成年度重点工作任务", "考核结果为良好以上"),
];
const MEMBER_ITEMS: &[(&str, &str, &str)] = &[
    ("study", "系统学习党章和党的理论", "全年自学不少于40学时"),
    ("service", "结对帮扶困难群众", "每月走访不少于2次"),
    ("party-spirit", "按时参加组织生活，交纳党费", "全年无缺席"),
];

async fn commitment(
    tx: &mut WriteTx,
    campaign_id: i64,
    subject: (SubjectKind, i64, i64),
    title: &str,
    items: &[(&str, &str, &str)],
    target: Status,
    rng: &mut Rng,
) -> Result<(), AppError> {
    let (kind, subject_id, org_id) = subject;
    let drafts: Vec<ItemDraft> = items
        .iter()
        .enumerate()
        .map(|(i, (activity, content, target))| ItemDraft {
            activity: activity.to_string(),
            content: content.to_string(),
            target: target.to_string(),
            due_on: [day("2010-12-31"), day("2011-06-30"), day("2011-12-31")][i % 3],
        })
        .collect();
    let id = tx
        .create_commitment(&NewCommitment {
            campaign_id,
            subject_kind: kind,
            subject_id,
            org_id,
            title: title.to_string(),
            items: drafts,
        })
        .await?;
    let path: &[(Step, Status)] = match target {
        Status::Draft => &[],
        Status::Submitted => &[(Step::Submit, Status::Submitted)],
        Status::Returned => &[
            (Step::Submit, Status::Submitted),
            (Step::Return, Status::Returned),
        ],
        Status::Approved => &[
            (Step::Submit, Status::Submitted),
            (Step::Approve, Status::Approved),
        ],
        Status::Published | Status::Evaluated => &[
            (Step::Submit, Status::Submitted),
            (Step::Approve, Status::Approved),
            (Step::Publish, Status::Published),
        ],
    };
    for (step, to) in path {
        let before = tx.commitment(id).await?.expect("written above");
        let detail = StepDetail {
            item: None,
            reason: (*step == Step::Return)
                .then(|| "承诺目标不够具体，请细化后重新提交".to_string()),
        };
        tx.step_commitment(&before, *step, *to, &detail).await?;
    }
    if !target.public() {
        return Ok(());
    }
    let c = tx.commitment(id).await?.expect("written above");
    tx.add_progress(&c, None, "按计划推进，已完成阶段性任务", "2010-10-15", &[])
        .await?;
    // Published ones have their first items closed; evaluated ones all of them.
    let close = if target == Status::Evaluated {
        c.items.len()
    } else {
        1
    };
    for item in c.items.iter().take(close) {
        let before = tx.commitment(id).await?.expect("written above");
        let kept = rng.below(5) > 0;
        let detail = StepDetail {
            item: Some((
                item.id,
                if kept {
                    Outcome::Kept
                } else {
                    Outcome::NotKept
                },
                item.due_on,
            )),
            reason: (!kept).then(|| "因工作调整未能按期完成".to_string()),
        };
        tx.step_commitment(&before, Step::CloseItem, Status::Published, &detail)
            .await?;
    }
    if target == Status::Evaluated {
        let before = tx.commitment(id).await?.expect("written above");
        let detail = StepDetail {
            item: None,
            reason: Some("承诺事项基本兑现，群众反映较好".to_string()),
        };
        tx.step_commitment(&before, Step::Evaluate, Status::Evaluated, &detail)
            .await?;
    }
    Ok(())
}

/// Writes the city's campaign activity.
pub(crate) async fn build(store: &Store, rng: &mut Rng) -> Result<ActivitySummary, AppError> {
    let mut summary = ActivitySummary::default();
    let Some((campaign_id, _)) = store.campaigns().current().await? else {
        return Ok(summary);
    };
    let orgs = store.registry().all_orgs().await?;
    let mut tx = store.begin("demo").await?;

    // Plans: most approved, some waiting, a few returned, the rest not yet submitted.
    for o in &orgs {
        let roll = rng.below(20);
        if roll < 4 {
            continue;
        }
        tx.submit_plan(
            campaign_id,
            o.id,
            None,
            "组长：党组织书记；副组长：副书记；成员：各委员",
            "一、指导思想\n二、目标要求\n三、主要内容（五比一争）\n四、方法步骤\n五、组织领导",
            None,
        )
        .await?;
        summary.plans += 1;
        let decision = match roll {
            4..=6 => None,
            7 => Some((PlanStatus::Returned, Some("请补充分类指导的具体措施"))),
            _ => Some((PlanStatus::Approved, None)),
        };
        if let Some((to, comment)) = decision
            && let Some(plan) = tx.plan(campaign_id, o.id).await?
        {
            tx.decide_plan(&plan, to, comment).await?;
        }
        if matches!(o.kind, OrgKind::CityCommittee | OrgKind::CountyCommittee) {
            tx.add_meeting(&NewMeeting {
                campaign_id,
                org_id: o.id,
                title: format!("{}创先争优活动动员大会", o.name),
                held_on: NaiveDate::from_ymd_opt(2010, 6, 8).expect("a date"),
                level: if o.parent_id.is_none() {
                    MeetingLevel::City
                } else {
                    MeetingLevel::County
                },
                attendance: 200 + rng.below(300) as i64,
            })
            .await?;
        }
    }

    // Spread over the whole city, so that every county has some; the first branch (the demo
    // secretary's and member's) among them.
    let all: Vec<_> = orgs.iter().filter(|o| o.kind == OrgKind::Branch).collect();
    let step = (all.len() / ACTIVE_BRANCHES).max(1);
    let first_code = store
        .accounts()
        .list_users()
        .await?
        .into_iter()
        .find(|u| u.username == "secretary")
        .and_then(|u| u.organisations.first().cloned())
        .unwrap_or_default();
    let branches: Vec<_> = all
        .iter()
        .enumerate()
        .filter(|(i, o)| i % step == 0 || o.code == first_code)
        .map(|(_, o)| *o)
        .collect();
    for (i, b) in branches.iter().enumerate() {
        let members = tx.member_ids_of(b.id, 100).await?;
        // The demo accounts' branch shows what each meets first: the member's own
        // commitment is left for her to write; the secretary has a member's commitment to
        // approve, a returned one, and the branch's published items running late.
        let first = b.code == first_code;
        commitment(
            &mut tx,
            campaign_id,
            (SubjectKind::Organisation, b.id, b.id),
            "支部公开承诺",
            ORG_ITEMS,
            if first {
                Status::Published
            } else {
                STATUSES[i % STATUSES.len()]
            },
            rng,
        )
        .await?;
        summary.commitments += 1;
        const FIRST_BRANCH: [Status; 3] = [Status::Submitted, Status::Published, Status::Returned];
        for (k, m) in members.iter().skip(usize::from(first)).take(3).enumerate() {
            commitment(
                &mut tx,
                campaign_id,
                (SubjectKind::Member, *m, b.id),
                "党员公开承诺",
                MEMBER_ITEMS,
                if first {
                    FIRST_BRANCH[k]
                } else {
                    STATUSES[(i + k + 1) % STATUSES.len()]
                },
                rng,
            )
            .await?;
            summary.commitments += 1;
        }
        for (on, topic, form) in [
            ("2010-07-01", "学习党章，重温入党誓词", "three-one"),
            ("2011-03-15", "学习十七届五中全会精神", "group"),
            ("2011-09-20", "学习胡锦涛七一讲话", "lecture"),
        ] {
            let mut rows = Vec::new();
            for m in &members {
                // Most members attend; each sitting lasts 1.5 to 3 hours.
                if rng.below(10) < 8 {
                    rows.push(NewRecord {
                        campaign_id,
                        member_id: *m,
                        org_id: b.id,
                        text: topic.into(),
                        kind: form.into(),
                        tenths: 15 + 5 * rng.below(4) as i64,
                        on: on.parse().expect("the demo's dates are dates"),
                    });
                }
            }
            summary.study_records += tx.add_records(RecordKind::Study, &rows).await?;
        }
        let post = tx
            .create_service_post(
                campaign_id,
                b.id,
                "vanguard-post",
                "便民服务窗口",
                "窗口服务、便民服务",
                &members[..members.len().min(3)],
            )
            .await?;
        for on in ["2010-09-10", "2011-05-04"] {
            let rows: Vec<NewRecord> = members
                .iter()
                .take(5)
                .map(|m| NewRecord {
                    campaign_id,
                    member_id: *m,
                    org_id: b.id,
                    text: "社区志愿服务".into(),
                    kind: post.to_string(),
                    tenths: 20 + 10 * rng.below(3) as i64,
                    on: on.parse().expect("the demo's dates are dates"),
                })
                .collect();
            summary.service_records += tx.add_records(RecordKind::Service, &rows).await?;
        }
    }

    evaluation(&mut tx, store, campaign_id, &orgs, rng, &mut summary).await?;
    tx.commit().await?;
    let (reviews, selfs, values) = super::scores::build(store, rng).await?;
    summary.reviews += reviews;
    summary.self_assessments += selfs;
    summary.indicator_values += values;
    Ok(summary)
}

/// A ballot as people cast it: mostly satisfied, some basically, a few not.
fn verdict(rng: &mut Rng) -> Verdict {
    match rng.below(100) {
        0..=69 => Verdict::Satisfied,
        70..=91 => Verdict::BasicallySatisfied,
        _ => Verdict::Dissatisfied,
    }
}

const COMMENTS: &[&str] = &[
    "服务态度好，办事效率高",
    "希望多开展便民服务活动",
    "党员带头作用明显",
    "",
    "",
    "",
];

/// Evaluation rounds: a finished code round in 解放区 with its ballots, an open round in
/// 山阳区, and a code round open today with unused codes to try.
async fn evaluation(
    tx: &mut WriteTx,
    store: &Store,
    campaign_id: i64,
    orgs: &[xianfeng_storage::OrgRecord],
    rng: &mut Rng,
    summary: &mut ActivitySummary,
) -> Result<(), AppError> {
    use xianfeng_storage::{Cast, NewRound, RoundSubject};
    let under = |code: &str| -> (i64, Vec<RoundSubject>) {
        let root = orgs.iter().find(|o| o.code == code);
        let Some(root) = root else { return (0, vec![]) };
        let (lo, hi) = root.tree_path().subtree_range();
        let subjects = orgs
            .iter()
            .filter(|o| o.kind == OrgKind::Branch && o.path >= lo && o.path < hi)
            .take(40)
            .map(|o| RoundSubject {
                subject_id: o.id,
                org_id: o.id,
                name: o.name.clone(),
                code: o.code.clone(),
            })
            .collect();
        (root.id, subjects)
    };
    let today = super::demo_day();
    let date = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).expect("a date");
    for (name, scope, mode, start, end) in [
        (
            "2011年上半年基层党组织群众评议",
            "JZ-JF",
            Mode::Codes,
            date(2011, 6, 1),
            date(2011, 6, 20),
        ),
        (
            "2011年下半年公开评议",
            "JZ-SY",
            Mode::Open,
            date(2011, 11, 1),
            date(2011, 11, 30),
        ),
        (
            "群众评议（演示，今日开放）",
            "JZ-JF",
            Mode::Codes,
            today,
            today + chrono::Duration::days(30),
        ),
    ] {
        let (scope_id, subjects) = under(scope);
        if subjects.is_empty() {
            continue;
        }
        let round = tx
            .create_round(&NewRound {
                campaign_id,
                name: name.into(),
                scope_org_id: scope_id,
                subject_kind: SubjectKind::Organisation,
                mode,
                starts_on: start,
                ends_on: end,
                subjects: subjects.clone(),
            })
            .await?;
        let live = start == today;
        let per_subject = if live { 3 } else { 25 };
        let mut casts = Vec::new();
        let mut codes = Vec::new();
        for s in &subjects {
            for k in 0..per_subject {
                let comment = COMMENTS[rng.below(COMMENTS.len() as u64) as usize].to_string();
                let chosen = verdict(rng);
                let cast = |code_mark, voter| Cast {
                    round_id: round,
                    subject_id: s.subject_id,
                    code_mark,
                    voter,
                    verdict: chosen,
                    ratings: "{}".into(),
                    comment,
                };
                if mode == Mode::Codes {
                    let mut bytes = [0u8; 8];
                    for b in &mut bytes {
                        *b = rng.below(256) as u8;
                    }
                    let code = xianfeng_domain::ballot::BallotCode::from_random(&bytes);
                    // A new round's codes are numbered from 0 in the order they are added.
                    let mark = codes.len() as i64;
                    codes.push((store.vault().hash(code.as_str()), s.subject_id));
                    // Most codes of a finished round were used; none of today's.
                    if !live && k < 20 {
                        casts.push(cast(Some(mark), None));
                    } else if live && summary.sample_codes.len() < 5 {
                        summary.sample_codes.push(code.grouped());
                    }
                } else {
                    casts.push(cast(
                        None,
                        Some(format!("demo-voter-{round}-{}-{k}", s.subject_id)),
                    ));
                }
            }
        }
        if codes.is_empty() {
            summary.ballots += tx.cast_batch(&casts).await?.iter().filter(|a| **a).count();
        } else {
            tx.add_codes(round, &codes).await?;
            tx.cast_coded(&casts).await?;
            summary.ballots += casts.len();
        }
    }
    Ok(())
}
