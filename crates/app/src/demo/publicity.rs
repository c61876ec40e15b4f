//! The demonstration city's publicity (宣传): the model library — the honour roll of February
//! 2012 made public, tagged, and three members a branch recommended (two made public) —, good
//! practices at each step with one adopted as a rule, and the city's lecture delegation: a
//! tour of three districts in February (phones signed in, speakers rated, comments
//! moderated, one waiting) and a session to come. Made through the same services as the
//! pages, as the command-line operator.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use xianfeng_domain::model_library::{ModelLevel, ModelStatus};
use xianfeng_domain::practice::PracticeStep;
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::{ModelFilter, Store};

use crate::AppError;
use crate::actor::Who;
use crate::publicity::models::{self, ModelInput};
use crate::publicity::practices::{self, PracticeInput};
use crate::publicity::tours::{self, DelegationInput, SessionInput};

#[derive(Debug, Clone, Default, Serialize)]
pub struct PublicitySummary {
    pub models: usize,
    pub practices: usize,
    pub sessions: usize,
    pub sign_ins: usize,
}

fn at(s: &str) -> NaiveDateTime {
    xianfeng_domain::lecture::parse_time(s).expect("a fixed demo time")
}

/// Themes given to the commended entries in turn.
const THEMES: [&str; 3] = ["服务群众", "基层党建", "攻坚克难"];

/// Good practices: (organisation, title, summary, text, where it ends up).
const PRACTICES: [(&str, &str, &str, &str, &str); 3] = [
    (
        "JZ-JF",
        "党员责任区制度",
        "每名党员联系十户居民，民情日记每周一记、问题每月一结。",
        "一、划分责任区。以楼院为单元，每名党员联系十户左右居民。\n二、建立民情日记。党员每周走访记录一次，社区党组织每月汇总。\n三、问题限时办结。能当场解决的当场解决，不能解决的报社区党组织协调，一月内答复。",
        "adopted",
    ),
    (
        "JZ-SY",
        "承诺事项“红黄绿”三色管理",
        "按办理进度给承诺事项标注三色，逾期事项每月通报。",
        "对党员和党组织的公开承诺事项，按已办结、办理中、逾期未办分别标注绿、黄、红三色，在公开栏和网上同步公示。",
        "accepted",
    ),
    (
        "JZ-MC",
        "“党员义工超市”",
        "党员认领服务项目，居民按需点单。",
        "社区设立党员义工超市，党员根据特长认领服务项目，居民通过公开栏点单。",
        "submitted",
    ),
];

pub async fn build(store: &Store, today: NaiveDate) -> Result<PublicitySummary, AppError> {
    let op = Who::operator();
    let mut summary = PublicitySummary::default();
    let (campaign_id, _) = crate::scope::campaign(store).await?;
    // The honour roll entered the library by itself when it was commended: made public.
    let commended = store
        .publicity()
        .models(&ModelFilter {
            campaign_id,
            statuses: vec![ModelStatus::InLibrary],
            limit: 100,
            ..Default::default()
        })
        .await?;
    for (i, m) in commended.iter().enumerate() {
        let input = ModelInput {
            name: m.name.clone(),
            level: Some(m.level),
            summary: m.summary.clone(),
            deeds: m.deeds.clone(),
            categories: m
                .tags
                .iter()
                .map(|(_, t)| t.as_str())
                .collect::<Vec<_>>()
                .join("、"),
            themes: THEMES[i % THEMES.len()].into(),
            ..Default::default()
        };
        models::edit(store, op, m.id, &input).await?;
        models::advance(store, op, m.id).await?;
    }
    summary.models += commended.len();
    // Three members a branch of 解放区 recommends: the office made two public, the third
    // waits for its review.
    let recommended = recommend_three(store).await?;
    for id in recommended.iter().take(2) {
        for _ in 0..3 {
            models::advance(store, op, *id).await?;
        }
    }
    summary.models += recommended.len();
    // Practices at each step.
    for (org, title, abstract_, body, end) in PRACTICES {
        if store.registry().org_by_code(org).await?.is_none() {
            continue;
        }
        let id = practices::submit(
            store,
            op,
            &PracticeInput {
                org_code: org.into(),
                title: title.into(),
                summary: abstract_.into(),
                body: body.into(),
                standard: String::new(),
            },
        )
        .await?;
        if end != "submitted" {
            practices::step(store, op, id, PracticeStep::Accept, "").await?;
        }
        if end == "adopted" {
            practices::step(store, op, id, PracticeStep::Publish, "").await?;
            practices::adopt(store, op, id, "党员责任区工作制度", "", today).await?;
        }
        summary.practices += 1;
    }
    // The delegation: the commended organisations' representatives and the members made
    // public.
    let mut speakers: Vec<i64> = commended.iter().map(|m| m.id).collect();
    speakers.extend(recommended.iter().take(2));
    tour(store, &speakers, &mut summary).await?;
    Ok(summary)
}

/// Three members of the first branch under 解放区 with members, recommended by it.
async fn recommend_three(store: &Store) -> Result<Vec<i64>, AppError> {
    let Some(district) = store.registry().org_by_code("JZ-JF").await? else {
        return Ok(vec![]);
    };
    let mut queue = vec![district];
    while let Some(o) = queue.pop() {
        let members = store.registry().members_of_org(o.id, 3, 0).await?;
        if members.len() == 3 {
            let mut out = vec![];
            for (m, deeds) in members.iter().zip([
                "坚持为社区空巢老人义务理发八年，带动二十余名党员结对帮扶。",
                "牵头成立社区调解小组，两年调解邻里纠纷六十余起。",
                "带领群众发展大棚蔬菜，人均年收入增加三千元。",
            ]) {
                out.push(
                    models::propose(
                        store,
                        Who::operator(),
                        &ModelInput {
                            org_code: o.code.clone(),
                            level: Some(ModelLevel::County),
                            summary: deeds.into(),
                            deeds: deeds.into(),
                            themes: "服务群众".into(),
                            subjects: vec![(SubjectKind::Member, m.id)],
                            ..Default::default()
                        },
                    )
                    .await?,
                );
            }
            return Ok(out);
        }
        queue.extend(store.registry().children(o.id).await?);
    }
    Ok(vec![])
}

/// The city's delegation of models in the library: three sessions held in February 2012 and one
/// to come in March.
async fn tour(
    store: &Store,
    speakers: &[i64],
    summary: &mut PublicitySummary,
) -> Result<(), AppError> {
    let op = Who::operator();
    let speakers: Vec<i64> = speakers.iter().take(4).copied().collect();
    if speakers.is_empty() {
        return Ok(());
    }
    let Some(city) = store.registry().roots().await?.into_iter().next() else {
        return Ok(());
    };
    let delegation = tours::create(
        store,
        op,
        &DelegationInput {
            org_code: city.code.clone(),
            name: "焦作市创先争优先进事迹报告团".into(),
            theme: "学习先进典型，争当时代先锋".into(),
            leader: "市委组织部副部长".into(),
            speakers: speakers.clone(),
        },
    )
    .await?;
    let sessions = [
        (
            "JZ-JF",
            "解放区委党校报告厅",
            "2012-02-20 09:00",
            "2012-02-20 11:00",
            300,
            46,
        ),
        (
            "JZ-SY",
            "山阳区政府礼堂",
            "2012-02-22 14:30",
            "2012-02-22 16:30",
            250,
            38,
        ),
        (
            "JZ-MC",
            "马村区文化中心",
            "2012-02-24 09:00",
            "2012-02-24 11:00",
            200,
            31,
        ),
        (
            "JZ-ZZ",
            "中站区委礼堂",
            "2012-03-08 09:00",
            "2012-03-08 11:00",
            200,
            0,
        ),
    ];
    let comments = [
        "讲得很感人，很受教育",
        "事迹实在，值得学习",
        "希望多到基层来讲",
    ];
    for (n, (host, venue, from, to, audience, phones)) in sessions.into_iter().enumerate() {
        if store.registry().org_by_code(host).await?.is_none() {
            continue;
        }
        let id = tours::schedule(
            store,
            op,
            &SessionInput {
                delegation_id: delegation,
                session_id: None,
                host_code: host.into(),
                venue: venue.into(),
                starts_at: at(from),
                ends_at: at(to),
                audience,
                request_id: None,
            },
        )
        .await?;
        summary.sessions += 1;
        for p in 0..phones {
            let phone = store.vault().hash(&format!("demo-phone:{n}:{p}"));
            tours::sign_in(store, id, &phone, at(from)).await?;
            summary.sign_ins += 1;
            // Most rate every speaker; the stars lean high, as audiences' do.
            if p % 4 == 3 {
                continue;
            }
            for (k, speaker) in speakers.iter().enumerate() {
                let stars = 5 - ((p + k) % 7 == 0) as i64 - ((p * 3 + k) % 11 == 0) as i64;
                let comment = match comments.get(p) {
                    Some(c) if k == 0 => c,
                    _ => "",
                };
                tours::rate(store, id, &phone, *speaker, stars, comment).await?;
            }
        }
    }
    // The office approved the comments of the first two sessions; the third's wait.
    for r in store
        .publicity()
        .ratings(
            Some(delegation),
            None,
            Some(xianfeng_domain::lecture::CommentStatus::Pending),
        )
        .await?
    {
        let s = store.publicity().session(r.session_id).await?;
        if s.is_some_and(|s| s.venue != "马村区文化中心") {
            tours::moderate(store, op, r.id, true).await?;
        }
    }
    Ok(())
}
