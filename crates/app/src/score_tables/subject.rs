//! One subject's score page: how it was made, where it stands, its history.

use chrono::NaiveDate;
use xianfeng_domain::campaign::Period;
use xianfeng_domain::org::OrgKind;
use xianfeng_domain::policy::{Action, Principal};
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::Store;

use super::table::*;
use crate::AppError;
use crate::scores::{self, PeerSet, Scores};

/// One criterion's row in "how this score was made".
#[derive(Debug, Clone)]
pub struct CriterionView {
    pub name: String,
    pub weight: u32,
    /// Each part's value, in `Part::ALL` order; `None` where the part had no data.
    pub parts: [Option<f64>; 6],
    pub score: Option<f64>,
}

/// A raw value beside its peers' range: (what, unit, value, peers' lowest, peers' highest);
/// `what` is empty for study and service hours (the page names them in its language), else
/// the indicator's name, its unit apart so that the name can be shown in any language.
pub type RawRow = (String, String, f64, f64, f64);

/// Everything a subject's score page shows.
#[derive(Debug, Clone)]
pub struct SubjectView {
    /// When the score rests on one part alone: that part's code.
    pub only_part: Option<String>,
    pub code: String,
    /// The subject's id within its kind.
    pub id: i64,
    pub name: String,
    pub kind: SubjectKind,
    pub category: Option<String>,
    pub level: String,
    pub period: Period,
    pub closed: bool,
    pub total: Option<f64>,
    /// Rank among the peers (same kind, category and level) in the organisation above,
    /// and how many they are.
    pub standing: Option<(u32, usize)>,
    pub growth: Option<f64>,
    pub grade: Option<String>,
    /// The organisation the standing is within: (code, name).
    pub scope: (String, String),
    pub part_weights: [u32; 6],
    pub criteria: Vec<CriterionView>,
    /// Raw hours and indicator values with their peers' range.
    pub raw: Vec<RawRow>,
    /// (period name, total) for every period of the campaign.
    pub history: Vec<(String, Option<f64>)>,
    /// (criterion code, name, points given) of the self-assessment.
    pub self_points: Vec<(String, String, Option<i64>)>,
    pub may_self_assess: bool,
}

/// The page of one subject's score: how it was made, where it stands, its history — in
/// the campaign the reader picked (`None`: the one in use).
pub async fn subject_view(
    store: &Store,
    scores_cache: &Scores,
    viewer: &Principal,
    code: &str,
    (picked, period): (Option<i64>, Option<&str>),
    today: NaiveDate,
) -> Result<SubjectView, AppError> {
    let (stored, campaign) = crate::campaigns::picked(store, picked).await?;
    let board = scores_cache.board_in(store, picked, period, today).await?;
    let period = board.read().map_err(poisoned)?.period.clone();
    let previous = scores_cache
        .previous_in(store, picked, &period, today)
        .await?;
    // Who it is, where it sits, and whether the viewer may see it.
    let (kind, slot, org_code, id) = {
        let b = board.read().map_err(poisoned)?;
        let (kind, slot) = scores::parse_subject_code(&b, code).ok_or(AppError::NotFound)?;
        let kb = b.kind(kind);
        let org = b
            .tree
            .orgs
            .get(kb.org[slot] as usize)
            .ok_or(AppError::NotFound)?;
        (kind, slot, org.code.clone(), kb.ids[slot])
    };
    let action = match kind {
        SubjectKind::Member | SubjectKind::Cadre => Action::ReadMembers,
        SubjectKind::Organisation | SubjectKind::Team => Action::ReadOrganisation,
    };
    let own_org = crate::scope::org_for(store, Some(viewer), &org_code, action).await?;
    // The standing is among peers under the organisation above (the organisation itself
    // for a member, team or cadre), within what the viewer may see.
    let scope_org = match (kind, own_org.parent_id) {
        (SubjectKind::Organisation, Some(parent)) => {
            match store.registry().org_by_id(parent).await? {
                Some(p) if crate::scope::allowed(viewer, action, &p).is_ok() => p,
                _ => own_org.clone(),
            }
        }
        _ => own_org.clone(),
    };
    let view = {
        let b = board.read().map_err(poisoned)?;
        let prev_guard = match &previous {
            Some(p) => Some(p.read().map_err(poisoned)?),
            None => None,
        };
        let kb = b.kind(kind);
        let (category, level) = kb.group_of(slot).clone();
        let set = PeerSet {
            kind: Some(kind),
            scope: Some(&scope_org.code),
            category: category.as_deref(),
            level: Some(&level),
        };
        let ranking = scores::rank(
            &b,
            prev_guard.as_deref(),
            &set,
            campaign.grade_rule().as_ref(),
        )?;
        let mine = ranking.rows.iter().find(|r| r.slot() == slot);
        let e = kb.explain(slot);
        let standard = campaign.standard_of(kind);
        let criteria = e
            .criteria
            .iter()
            .enumerate()
            .map(|(k, c)| CriterionView {
                name: standard
                    .and_then(|s| s.criteria.get(k))
                    .map_or(String::new(), |x| x.name.clone()),
                weight: c.weight,
                parts: c.parts.map(|p| p.map(num)),
                score: c.score.map(num),
            })
            .collect();
        let mut raw = vec![];
        if let Some(a) = e.activity {
            raw.push((String::new(), String::new(), a.value, a.min, a.max));
        }
        for (spec, v) in campaign.indicators_of(kind).iter().zip(&e.indicators) {
            if let Some(v) = v {
                raw.push((spec.name.clone(), spec.unit.clone(), v.value, v.min, v.max));
            }
        }
        let c = kb.sheet.criteria;
        let self_points = kb
            .criteria
            .iter()
            .enumerate()
            .map(|(k, code)| {
                let v = kb.sheet.self_points[slot * c + k];
                let name = standard
                    .and_then(|s| s.criteria.get(k))
                    .map_or(code.clone(), |x| x.name.clone());
                (code.clone(), name, (!v.is_nan()).then_some(v as i64))
            })
            .collect();
        SubjectView {
            only_part: e.only_part().map(|p| p.as_str().to_string()),
            code: code.to_string(),
            id,
            name: String::new(),
            kind,
            category: category.as_deref().map(|c| campaign.category_name(c)),
            level: OrgKind::parse(&level).map_or(level.clone(), |k| k.name_zh().to_string()),
            closed: b.closed.is_some(),
            total: kb.scored.total(slot).map(num),
            standing: mine.map(|r| (r.rank(), ranking.rows.len())),
            growth: mine.and_then(|r| r.growth()).map(num),
            grade: mine
                .and_then(|r| campaign.grade_at(r.grade()?))
                .map(|s| s.name.clone()),
            scope: (scope_org.code.clone(), scope_org.name.clone()),
            part_weights: e.part_weights,
            criteria,
            raw,
            history: vec![],
            self_points,
            period: period.clone(),
            may_self_assess: false,
        }
    };
    let mut view = view;
    let tree = board.read().map_err(poisoned)?.tree.clone();
    let at = tree.position(own_org.id).unwrap_or(0);
    view.name = scores::names_of(store, &tree, kind, &[(slot, id, at)])
        .await?
        .remove(&slot)
        .unwrap_or_default();
    // Periods that have begun only. A closed period's total is read from its snapshot (one
    // row), so that a subject's history does not compute, and hold, a board per period;
    // an open one comes from its board. One that cannot be read shows as a gap.
    let campaign_id = stored.id;
    let closed: Vec<String> = store
        .scores()
        .closures(campaign_id)
        .await?
        .into_iter()
        .map(|c| c.period)
        .collect();
    for p in campaign.periods() {
        let total = if p.starts_on > today {
            None
        } else if closed.contains(&p.code) {
            store
                .scores()
                .snapshot_total(campaign_id, &p.code, (kind.as_str(), id))
                .await?
                .flatten()
                .map(|t| num(xianfeng_domain::ranking::Points(t)))
        } else {
            match scores_cache.board(store, Some(&p.code), today).await {
                Ok(b) => {
                    let b = b.read().map_err(poisoned)?;
                    let kb = b.kind(kind);
                    kb.slot(id).and_then(|s| kb.scored.total(s)).map(num)
                }
                Err(e) => {
                    tracing::warn!("scores history {}: {e}", p.code);
                    None
                }
            }
        };
        view.history.push((p.name.clone(), total));
    }
    let subject = crate::subjects::subject(store, kind, id).await?;
    view.may_self_assess = !view.closed
        && stored.status == xianfeng_domain::campaign::CampaignStatus::Running
        && scores::may_self_assess(viewer, &subject).allowed();
    Ok(view)
}
