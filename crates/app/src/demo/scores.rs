//! The demo city's scoring data (issue 6): three assessment periods of leader reviews,
//! self-assessments and indicator values for the branches of two districts, each branch
//! with a standing of its own that drifts from period to period, so that growth, movers and
//! history show; the members of a few of those branches and the county leadership teams and
//! cadres likewise; then the first period is closed, so a frozen period shows too.

use xianfeng_domain::org::OrgKind;
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::{Assignment, IndicatorValue, NewReview, Store};

use super::Rng;
use crate::AppError;

/// The districts whose branches are scored in full.
const DISTRICTS: [&str; 2] = ["JZ-JF", "JZ-SY"];
/// The periods given data, in order; the first is closed at the end.
const PERIODS: [&str; 3] = ["2010", "2011-h1", "2011-h2"];
/// Branches per district whose members are reviewed and self-assessed.
const MEMBER_BRANCHES: usize = 6;

/// Review grades by standing, strong first: (code, points).
const GRADES: [(&str, u32); 4] = [
    ("good", 10),
    ("fairly-good", 7),
    ("average", 5),
    ("poor", 2),
];

/// `subject` (kind, id, its organisation) assigned to the demo reviewer.
fn assignment(subject: (SubjectKind, i64, i64)) -> Assignment {
    Assignment {
        reviewer: "reviewer".into(),
        subject_kind: subject.0,
        subject_id: subject.1,
        org_id: subject.2,
    }
}

/// A subject assigned to the demo reviewer and, in each of [`PERIODS`], reviewed and
/// self-assessed at a standing (0 strong – 3 weak) that drifts a step now and then; the
/// standings, for the indicators that go with them.
async fn review_over_periods(
    tx: &mut xianfeng_storage::WriteTx,
    campaign_id: i64,
    subject: (SubjectKind, i64, i64),
    criteria: &[String],
    comment: &str,
    rng: &mut Rng,
) -> Result<Vec<(&'static str, i64)>, AppError> {
    let (kind, id, org_id) = subject;
    tx.assign_reviewer(&assignment(subject)).await?;
    let mut standing = rng.below(4) as i64;
    let mut standings = Vec::with_capacity(PERIODS.len());
    for period in PERIODS {
        standing = (standing + rng.below(3) as i64 - 1).clamp(0, 3);
        let (grade, points) = GRADES[standing as usize];
        tx.write_review_as(
            "reviewer",
            &NewReview {
                campaign_id,
                subject_kind: kind,
                subject_id: id,
                org_id,
                period: period.into(),
                grade: grade.into(),
                points: points.into(),
                comment: comment.into(),
            },
        )
        .await?;
        let points: Vec<(String, i64)> = criteria
            .iter()
            .map(|c| (c.clone(), 95 - 8 * standing - rng.below(8) as i64))
            .collect();
        tx.write_self_assessment(campaign_id, period, (kind, id), &points)
            .await?;
        standings.push((period, standing));
    }
    Ok(standings)
}

/// What was written: (reviews, self-assessments, indicator values).
pub(crate) async fn build(store: &Store, rng: &mut Rng) -> Result<(usize, usize, usize), AppError> {
    let Some((campaign_id, campaign)) = store.campaigns().current().await? else {
        return Ok((0, 0, 0));
    };
    let orgs = store.registry().all_orgs().await?;
    let branches: Vec<_> = orgs
        .iter()
        .filter(|o| o.kind == OrgKind::Branch && DISTRICTS.iter().any(|d| o.code.starts_with(d)))
        .collect();
    let mut tx = store.begin("demo").await?;
    let (mut reviews, mut selfs, mut values) = (0, 0, 0);
    let mut indicators = vec![];
    let criteria = campaign.criterion_codes(SubjectKind::Organisation);
    for o in &branches {
        let subject = (SubjectKind::Organisation, o.id, o.id);
        let comment = "组织生活规范，承诺践诺扎实，群众评价较好。";
        let standings =
            review_over_periods(&mut tx, campaign_id, subject, &criteria, comment, rng).await?;
        for (period, standing) in standings {
            reviews += 1;
            selfs += 1;
            indicators.push(IndicatorValue {
                period: period.into(),
                indicator: "tasks-completed".into(),
                subject_kind: SubjectKind::Organisation,
                subject_id: o.id,
                value: (100 - 9 * standing - rng.below(10) as i64) as f64,
            });
            indicators.push(IndicatorValue {
                period: period.into(),
                indicator: "complaints".into(),
                subject_kind: SubjectKind::Organisation,
                subject_id: o.id,
                value: (2 * standing + rng.below(4) as i64) as f64,
            });
        }
    }
    // The members of a few branches per district: reviewed and self-assessed too, so that
    // the members' ranking has graded scores beside the many resting on hours alone.
    let mut people = vec![];
    for district in DISTRICTS {
        // The first made, so that the demo member's own branch is one.
        let mut some: Vec<_> = branches
            .iter()
            .filter(|o| o.code.starts_with(district))
            .collect();
        some.sort_by_key(|o| o.id);
        for o in some.into_iter().take(MEMBER_BRANCHES) {
            for id in tx.member_ids_of(o.id, 60).await? {
                people.push((SubjectKind::Member, id, o.id));
            }
        }
    }
    // The county leadership teams and their cadres, so that their rankings are not empty.
    let mut leaders = vec![];
    for o in orgs.iter().filter(|o| o.kind == OrgKind::CountyCommittee) {
        for team in store.registry().teams_of_org(o.id).await? {
            leaders.push((SubjectKind::Team, team.id, o.id));
            for c in store.registry().cadres_of_team(team.id).await? {
                leaders.push((SubjectKind::Cadre, c.id, o.id));
            }
        }
    }
    let people = people
        .into_iter()
        .map(|p| (p, "学习认真，带头践诺，服务群众热心。"));
    let leaders = leaders
        .into_iter()
        .map(|l| (l, "班子团结，履职尽责，作风扎实。"));
    for ((kind, id, org_id), comment) in people.chain(leaders) {
        let criteria = campaign.criterion_codes(kind);
        let subject = (kind, id, org_id);
        review_over_periods(&mut tx, campaign_id, subject, &criteria, comment, rng).await?;
        reviews += PERIODS.len();
        selfs += PERIODS.len();
    }
    values += indicators.len();
    tx.import_indicator_values(campaign_id, &indicators).await?;
    tx.commit().await?;
    crate::scores::close(store, None, PERIODS[0], super::demo_day()).await?;
    Ok((reviews, selfs, values))
}
