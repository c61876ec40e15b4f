//! Selection and commendation as accounts use it (评选表彰): nominating within quota, the
//! eligibility checks with their reasons, assessment, approval, recommendation on to the
//! level above, public notices, objections and their findings, commendation and the honour
//! roll. The web, the API and the command line call these; each asks the policy who may
//! act and the domain whether the step may be taken, then writes through storage.
//!
//! Levels: the organisation that nominates holds the quota; the organisation above it
//! assesses and approves (the city committee decides its own). An approved nomination
//! can be recommended on: a new nomination held by the organisation that approved it and
//! decided above that. Notices and commendation are for nominations decided at the top.

use chrono::NaiveDate;
use serde::Serialize;
use xianfeng_domain::campaign::{Campaign, Honour, PhasedAction};
use xianfeng_domain::i18n::{Lang, Message};
use xianfeng_domain::policy::Action;
use xianfeng_domain::selection::{
    self, CandidateFacts, NoticePeriod, RuleCheck, Stage, Step, check_summary, check_text,
};
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::{
    FilesOf, NewNomination, NewNotice, NewObjection, NominationRecord, OrgRecord, StepRecord, Store,
};

use crate::AppError;
use crate::actor::Actor;
use crate::scores::{PeerSet, Scores};
use crate::subjects::{Subject, subject};

fn input(message: Message) -> AppError {
    AppError::Input(message)
}

/// Whether `actor` (none: the operator at the command line) may do `action` to `o`.
fn may(actor: Option<&Actor>, action: Action, o: &OrgRecord) -> Result<(), AppError> {
    match actor {
        Some(a) => crate::scope::allowed(a.principal, action, o),
        None => Ok(()),
    }
}

fn honour_of<'c>(campaign: &'c Campaign, code: &str) -> Result<&'c Honour, AppError> {
    campaign.honour(code).ok_or_else(|| {
        let known: Vec<&str> = campaign
            .file
            .honours
            .iter()
            .map(|h| h.code.get_ref().as_str())
            .collect();
        input(Message::of(
            "app.unknown_honour",
            &[("code", &code), ("known", &known.join(", "))],
        ))
    })
}

async fn org(store: &Store, id: i64) -> Result<OrgRecord, AppError> {
    store
        .registry()
        .org_by_id(id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Periods looked at for a candidate's latest grade: as many as the score cache keeps, so
/// that checking candidate after candidate never computes a board twice.
const GRADE_PERIODS: usize = crate::scores::BOARDS_KEPT;

/// The grade position of `subject` in the latest period it has a score in (the current
/// period first, then back, [`GRADE_PERIODS`] periods in all), and the number of subjects of its
/// kind in the subtree of `under`.
async fn board_facts(
    store: &Store,
    scores: &Scores,
    campaign: &Campaign,
    subject: &Subject,
    under: &OrgRecord,
    today: NaiveDate,
) -> Result<(Option<usize>, u32), AppError> {
    let mut period = Some(crate::scores::resolve_period(campaign, None, today)?);
    let mut in_subtree = None;
    for _ in 0..GRADE_PERIODS {
        let Some(p) = period.take() else { break };
        let board = scores.board(store, Some(&p.code), today).await?;
        let b = board
            .read()
            .map_err(|_| input(Message::of("app.scores_busy", &[])))?;
        let kb = b.kind(subject.kind);
        if in_subtree.is_none() {
            let subtree = b.tree.by_code(&under.code).map(|at| b.tree.subtree(at));
            in_subtree = Some(subtree.as_ref().map_or(0, |r| {
                kb.org.iter().filter(|pos| r.contains(pos)).count() as u32
            }));
        }
        let scored = kb
            .slot(subject.id)
            .filter(|s| kb.scored.total(*s).is_some());
        if let Some(slot) = scored {
            // The grade among the subject's peers city-wide: same kind, category and level.
            let (category, level) = kb.groups[kb.sheet.peer[slot] as usize].clone();
            let set = PeerSet {
                kind: Some(subject.kind),
                scope: None,
                category: category.as_deref(),
                level: Some(level.as_str()),
            };
            let ranking = crate::scores::rank(&b, None, &set, campaign.grade_rule().as_ref())?;
            let grade = ranking
                .rows
                .iter()
                .find(|r| r.slot() == slot)
                .and_then(|r| r.grade())
                .map(usize::from);
            return Ok((grade, in_subtree.unwrap_or(0)));
        }
        period = crate::scores::previous_period(campaign, &p);
    }
    Ok((None, in_subtree.unwrap_or(0)))
}

/// Refuses an ineligible candidate with the reason of every rule it fails.
fn eligible_or_refused(name: &str, checks: &[RuleCheck]) -> Result<(), AppError> {
    if selection::eligible(checks) {
        return Ok(());
    }
    let why = checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.reason.clone());
    Err(input(
        Message::of("app.not_eligible", &[("name", &name)])
            .arg_message("why", Message::joined(why, "; ")),
    ))
}

/// What the eligibility rules look at, for one subject.
async fn candidate_facts(
    store: &Store,
    campaign_id: i64,
    campaign: &Campaign,
    subject: &Subject,
    grade: Option<usize>,
    day: NaiveDate,
) -> Result<CandidateFacts, AppError> {
    let member = match subject.kind {
        SubjectKind::Member => Some(subject.id),
        SubjectKind::Cadre => store.selection().cadre_member(subject.id).await?,
        _ => None,
    };
    let formal_member = match (subject.kind, member) {
        (SubjectKind::Member | SubjectKind::Cadre, Some(m)) => {
            let record = store.registry().member(m).await?;
            // Formal on the day: made so (转正) by then, and not left.
            Some(record.is_some_and(|r| r.standing().formal_on(day)))
        }
        // A cadre with no member record cannot be shown to be a formal member.
        (SubjectKind::Member | SubjectKind::Cadre, None) => Some(false),
        _ => None,
    };
    // Since the campaign began: a sanction after its end, before the commendation, counts.
    let sanctions = match member {
        Some(m) => u32::try_from(
            store
                .selection()
                .sanctions_since(m, campaign.starts_on)
                .await?,
        )
        .unwrap_or(u32::MAX),
        None => 0,
    };
    // 满意率: satisfied and basically satisfied over all valid ballots.
    let [satisfied, basically, dissatisfied] = store
        .selection()
        .campaign_ballots_of(campaign_id, subject.kind.as_str(), subject.id)
        .await?;
    let valid = satisfied + basically + dissatisfied;
    let satisfied = satisfied + basically;
    let org_kind = match subject.kind {
        SubjectKind::Organisation => store
            .registry()
            .org_by_id(subject.id)
            .await?
            .map(|o| o.kind),
        _ => None,
    };
    Ok(CandidateFacts {
        formal_member,
        sanctions,
        grade,
        satisfaction: (valid > 0).then(|| satisfied as f64 / valid as f64),
        org_kind,
    })
}

/// A nomination as its organisation puts it forward.
#[derive(Debug, Clone)]
pub struct NominationInput<'a> {
    pub honour: &'a str,
    pub kind: SubjectKind,
    pub subject_id: i64,
    /// The nominating organisation's code.
    pub nominated_by: &'a str,
    pub deeds: &'a str,
    pub summary: &'a str,
}

/// The eligibility checks of a subject for an honour, with their reasons.
pub async fn check_eligibility(
    store: &Store,
    scores: &Scores,
    honour: &str,
    kind: SubjectKind,
    subject_id: i64,
    today: NaiveDate,
) -> Result<Vec<RuleCheck>, AppError> {
    let (campaign_id, campaign) = crate::scope::campaign(store).await?;
    let h = honour_of(&campaign, honour)?;
    let s = subject(store, kind, subject_id).await?;
    let (grade, _) = board_facts(store, scores, &campaign, &s, &s.org, today).await?;
    let facts = candidate_facts(store, campaign_id, &campaign, &s, grade, today).await?;
    Ok(selection::evaluate(&campaign.eligibility(h), &facts))
}

/// Nominates a subject: refused for an unknown honour, a subject of another kind or outside
/// the nominating organisation, an ineligible subject (with every failed rule's reason),
/// a nomination over quota, or a subject nominated already.
pub async fn nominate(
    store: &Store,
    scores: &Scores,
    actor: Option<&Actor<'_>>,
    n: &NominationInput<'_>,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let (campaign_id, campaign) =
        crate::campaigns::open_for(store, PhasedAction::Nominate, today).await?;
    let h = honour_of(&campaign, n.honour)?;
    if h.from.is_some() {
        return Err(input(Message::of(
            "app.honour_by_recommendation",
            &[("code", &n.honour)],
        )));
    }
    if h.subject != n.kind {
        return Err(input(Message::of(
            "app.honour_kind",
            &[("honour", &h.name), ("kind", &h.subject.as_str())],
        )));
    }
    check_text("deeds", n.deeds, true, selection::MAX_DEEDS).map_err(input)?;
    check_summary(n.summary).map_err(input)?;
    let nominating = store
        .registry()
        .org_by_code(n.nominated_by)
        .await?
        .ok_or(AppError::NotFound)?;
    may(actor, Action::Nominate, &nominating)?;
    let s = subject(store, n.kind, n.subject_id).await?;
    // An organisation is put forward by one above it, never by itself.
    let outside = !nominating.tree_path().contains(&s.org.tree_path())
        || (n.kind == SubjectKind::Organisation && nominating.id == s.org.id);
    if outside {
        // Whom the actor may not see reads as an id that does not exist: the refusal
        // below names the subject.
        if let Some(a) = actor {
            let read = match n.kind {
                SubjectKind::Member | SubjectKind::Cadre => Action::ReadMembers,
                SubjectKind::Organisation | SubjectKind::Team => Action::ReadOrganisation,
            };
            crate::scope::allowed(a.principal, read, &s.org)?;
        }
        return Err(input(Message::of(
            "app.nominee_outside",
            &[("name", &s.name), ("org", &nominating.name)],
        )));
    }
    let decided_by = crate::scope::superior(store, &nominating).await?;
    let (grade, in_subtree) = board_facts(store, scores, &campaign, &s, &nominating, today).await?;
    let facts = candidate_facts(store, campaign_id, &campaign, &s, grade, today).await?;
    let checks = selection::evaluate(&campaign.eligibility(h), &facts);
    eligible_or_refused(&s.name, &checks)?;
    let mut tx = store.begin(actor.map_or("cli", |a| a.username)).await?;
    if let Some(quota) = campaign.quota_for(h, &nominating.code) {
        let held = tx
            .nominations_held(campaign_id, n.honour, nominating.id)
            .await?;
        let held = u32::try_from(held).unwrap_or(u32::MAX);
        selection::check_quota(held, quota.allowed(in_subtree)).map_err(input)?;
    }
    let id = tx
        .create_nomination(
            &NewNomination {
                campaign_id,
                honour: n.honour.to_string(),
                subject_kind: n.kind,
                subject_id: n.subject_id,
                org_id: s.org.id,
                nominated_by_org: nominating.id,
                decided_by_org: decided_by.id,
                deeds: n.deeds.trim().to_string(),
                summary: n.summary.trim().to_string(),
                eligibility: checks.clone(),
                recommended_from: None,
            },
            &[],
        )
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// What a step carries.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    /// The assessment, the decision, or the reason to withdraw or reject.
    pub note: String,
    /// Commendation: the decision's number (文号) and date.
    pub document_no: String,
    pub commended_on: Option<NaiveDate>,
}

/// Takes a step on a nomination: assess, approve, withdraw, reject or commend (putting on
/// notice is [`publish_notice`]'s).
pub async fn step(
    store: &Store,
    actor: Option<&Actor<'_>>,
    id: i64,
    step: Step,
    s: &StepInput,
    today: NaiveDate,
) -> Result<Stage, AppError> {
    let before = store
        .selection()
        .nomination(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let decided = org(store, before.decided_by_org).await?;
    let action = match step {
        Step::Withdraw => {
            let nominating = org(store, before.nominated_by_org).await?;
            may(actor, Action::Nominate, &nominating)?;
            None
        }
        Step::Assess | Step::Approve | Step::Reject => Some(Action::DecideNominations),
        Step::Commend => Some(Action::Commend),
        Step::Notice => return Err(input(Message::of("app.notice_by_notice", &[]))),
    };
    if let Some(action) = action {
        may(actor, action, &decided)?;
    }
    let to = selection::next(before.stage, step).map_err(input)?;
    // A candidate recommended on is decided above now: taking this one back would free the
    // quota while the candidate goes on.
    if matches!(step, Step::Withdraw | Step::Reject)
        && let Some(up) = store.selection().recommended_on(id).await?
    {
        return Err(input(Message::of("app.recommended_on", &[("id", &up)])));
    }
    let mut detail = StepRecord::default();
    let mut sanctions_seen: Option<(i64, i64)> = None;
    let mut notice_for_commending: Option<NoticePeriod> = None;
    match step {
        Step::Assess | Step::Approve => {
            check_text("note", &s.note, true, selection::MAX_DEEDS).map_err(input)?;
        }
        Step::Withdraw | Step::Reject => {
            check_text("reason", &s.note, true, selection::MAX_DEEDS).map_err(input)?;
        }
        Step::Commend => {
            check_text("document_no", &s.document_no, true, 100).map_err(input)?;
            let notice_id = before.notice_id.ok_or(AppError::NotFound)?;
            let notice = store
                .selection()
                .notice(notice_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let period = notice_period(&notice);
            notice_for_commending = Some(period);
            let findings: Vec<_> = store
                .selection()
                .objections(notice_id)
                .await?
                .into_iter()
                .filter(|o| o.nomination_id == id)
                .map(|o| o.finding)
                .collect();
            selection::may_commend(&period, today, &findings).map_err(input)?;
            let on = s.commended_on.unwrap_or(today);
            if on <= period.ends_on || on > today {
                return Err(input(Message::of(
                    "app.commended_on",
                    &[("after", &period.ends_on), ("today", &today)],
                )));
            }
            // The person whose sanctions count: the member, or the cadre's member record.
            // Counted before the check below, so that a sanction recorded after the count
            // is caught by the count in the transaction, and one recorded before it by
            // the check (counted after the check, one recorded in between was missed by
            // both: seen in CI, write_checks.rs).
            let person = match before.subject_kind {
                SubjectKind::Member => Some(before.subject_id),
                SubjectKind::Cadre => store.selection().cadre_member(before.subject_id).await?,
                _ => None,
            };
            if let Some(member) = person {
                let seen = store.selection().sanctions_list(member).await?.len() as i64;
                sanctions_seen = Some((member, seen));
            }
            // Membership and sanctions can change during the notice: checked again.
            recheck_person(store, &before, on).await?;
            detail.document_no = Some(s.document_no.trim().to_string());
            detail.commended_on = Some(on);
        }
        Step::Notice => {}
    }
    if !s.note.trim().is_empty() {
        detail.note = Some(s.note.trim().to_string());
    }
    let mut tx = store.begin(actor.map_or("cli", |a| a.username)).await?;
    tx.step_nomination(&before, step, to, &detail).await?;
    // A commended candidate enters the model library in the same transaction.
    if step == Step::Commend {
        // Asked again with the nomination locked by the step, and the member by the count:
        // a finding or a sanction recorded since the checks above refuses the commendation.
        let findings = tx.findings_of_nomination(id).await?;
        let period = notice_for_commending.ok_or(AppError::NotFound)?;
        selection::may_commend(&period, today, &findings).map_err(input)?;
        if let Some((member, seen)) = sanctions_seen
            && tx.sanctions_of_member(member).await? != seen
        {
            return Err(AppError::Store(xianfeng_storage::StoreError::Conflict(
                Message::of("store.nomination_moved_on", &[]),
            )));
        }
        crate::publicity::models::enter_commended(store, &mut tx, &before).await?;
    }
    tx.commit().await?;
    Ok(to)
}

/// The eligibility rules about the person (a formal member, no sanction) checked again
/// for a candidate about to be commended; grade and satisfaction stand as checked at
/// nomination.
async fn recheck_person(
    store: &Store,
    n: &NominationRecord,
    day: NaiveDate,
) -> Result<(), AppError> {
    let (campaign_id, campaign) = crate::scope::campaign(store).await?;
    let Some(h) = campaign.honour(&n.honour) else {
        return Ok(());
    };
    let kind = n.subject_kind;
    let s = subject(store, kind, n.subject_id).await?;
    let facts = candidate_facts(store, campaign_id, &campaign, &s, None, day).await?;
    let mut rules = campaign.eligibility(h);
    rules.min_grade = None;
    rules.min_satisfaction = None;
    eligible_or_refused(&s.name, &selection::evaluate(&rules, &facts))
}

/// A stored notice's period.
pub fn notice_period(n: &xianfeng_storage::NoticeRecord) -> NoticePeriod {
    NoticePeriod {
        starts_on: n.starts_on,
        ends_on: n.ends_on,
    }
}

/// Recommends an approved nomination on to `honour` (whose `from` is the nomination's
/// honour) or, for the same honour, to the level above: a new nomination held by the
/// organisation that approved it, within that organisation's quota.
pub async fn recommend(
    store: &Store,
    scores: &Scores,
    actor: Option<&Actor<'_>>,
    id: i64,
    honour: &str,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let (campaign_id, campaign) = crate::scope::campaign(store).await?;
    let before = store
        .selection()
        .nomination(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let holder = org(store, before.decided_by_org).await?;
    may(actor, Action::DecideNominations, &holder)?;
    let h = honour_of(&campaign, honour)?;
    let same = honour == before.honour;
    let from_ok = h
        .from
        .as_ref()
        .is_some_and(|f| *f.get_ref() == before.honour);
    if !(same || from_ok) {
        return Err(input(Message::of(
            "app.recommend_honour",
            &[("honour", &h.name), ("from", &before.honour)],
        )));
    }
    // A higher honour takes the top level's candidates only: the city recommends its own.
    if from_ok && holder.parent_id.is_some() {
        return Err(input(Message::of(
            "app.recommend_from_top",
            &[("honour", &h.name)],
        )));
    }
    let wanted = if from_ok {
        [Stage::Approved, Stage::Commended].as_slice()
    } else {
        [Stage::Approved].as_slice()
    };
    if !wanted.contains(&before.stage) {
        return Err(input(Message::of("app.recommend_stage", &[])));
    }
    // The same honour goes up one level; a higher honour is decided where the holder is.
    let decided_by = if same {
        if holder.parent_id.is_none() {
            return Err(input(Message::of("app.recommend_top", &[])));
        }
        crate::scope::superior(store, &holder).await?
    } else {
        holder.clone()
    };
    // A higher honour has rules of its own: checked now, as at a nomination.
    let eligibility = if from_ok {
        let kind = before.subject_kind;
        let s = subject(store, kind, before.subject_id).await?;
        let (grade, _) = board_facts(store, scores, &campaign, &s, &holder, today).await?;
        let facts = candidate_facts(store, campaign_id, &campaign, &s, grade, today).await?;
        let checks = selection::evaluate(&campaign.eligibility(h), &facts);
        eligible_or_refused(&s.name, &checks)?;
        checks
    } else {
        before.eligibility.clone()
    };
    // The share of a higher level's quota is of the candidates approved at the level
    // below it (at least one).
    let approved = store
        .selection()
        .nominations(campaign_id, Some(&before.honour))
        .await?
        .iter()
        .filter(|n| {
            n.decided_by_org == holder.id
                && matches!(
                    n.stage,
                    Stage::Approved | Stage::InNotice | Stage::Commended
                )
        })
        .count() as u32;
    let mut tx = store.begin(actor.map_or("cli", |a| a.username)).await?;
    if let Some(quota) = campaign.quota_for(h, &holder.code) {
        let held = tx.nominations_held(campaign_id, honour, holder.id).await?;
        let held = u32::try_from(held).unwrap_or(u32::MAX);
        selection::check_quota(held, quota.allowed(approved)).map_err(input)?;
    }
    let new = tx
        .create_nomination(
            &NewNomination {
                campaign_id,
                honour: honour.to_string(),
                subject_kind: before.subject_kind,
                subject_id: before.subject_id,
                org_id: before.org_id,
                nominated_by_org: holder.id,
                decided_by_org: decided_by.id,
                deeds: before.deeds.clone(),
                summary: before.summary.clone(),
                eligibility,
                recommended_from: Some(before.id),
            },
            &[],
        )
        .await?;
    tx.commit().await?;
    Ok(new)
}

/// A public notice to put up.
#[derive(Debug, Clone)]
pub struct NoticeInput<'a> {
    pub honour: &'a str,
    pub nominations: &'a [i64],
    pub title: &'a str,
    pub body: &'a str,
    pub contact: &'a str,
    pub starts_on: NaiveDate,
}

/// Puts approved candidates of one honour, decided at the top of the tree, on a public
/// notice of the honour's length in working days; they move to "in notice".
///
/// An account may not put up a notice that started before `today` (the public would lose
/// days to object); the operator at the command line may, to enter a past campaign.
pub async fn publish_notice(
    store: &Store,
    actor: Option<&Actor<'_>>,
    n: &NoticeInput<'_>,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let (campaign_id, campaign) = crate::scope::campaign(store).await?;
    let h = honour_of(&campaign, n.honour)?;
    check_text("title", n.title, true, 200).map_err(input)?;
    check_text("body", n.body, false, selection::MAX_DEEDS).map_err(input)?;
    check_text("contact", n.contact, true, 200).map_err(input)?;
    selection::check_public(n.title).map_err(input)?;
    selection::check_public(n.body).map_err(input)?;
    if n.nominations.is_empty() {
        return Err(input(Message::of("app.notice_empty", &[])));
    }
    let calendar = crate::calendar::load(store).await?;
    let period = NoticePeriod::new(&calendar, n.starts_on, h.notice_workdays)
        .map_err(|e| input(e.message()))?;
    let mut candidates: Vec<NominationRecord> = vec![];
    for id in n.nominations {
        let c = store
            .selection()
            .nomination(*id)
            .await?
            .ok_or(AppError::NotFound)?;
        let decided = org(store, c.decided_by_org).await?;
        may(actor, Action::Commend, &decided)?;
        if c.honour != n.honour {
            return Err(input(Message::of("app.notice_other_honour", &[("id", id)])));
        }
        if decided.parent_id.is_some() {
            return Err(input(Message::of("app.notice_not_top", &[("id", id)])));
        }
        selection::next(c.stage, Step::Notice).map_err(input)?;
        candidates.push(c);
    }
    if actor.is_some() && n.starts_on < today {
        return Err(input(Message::of(
            "app.notice_in_past",
            &[("today", &today)],
        )));
    }
    let mut tx = store.begin(actor.map_or("cli", |a| a.username)).await?;
    let notice = tx
        .create_notice(&NewNotice {
            campaign_id,
            honour: n.honour.to_string(),
            title: n.title.trim().to_string(),
            body: n.body.trim().to_string(),
            contact: n.contact.trim().to_string(),
            starts_on: period.starts_on,
            ends_on: period.ends_on,
            workdays: i64::from(h.notice_workdays),
            real_name: h.objection_real_name,
        })
        .await?;
    for c in &candidates {
        let detail = StepRecord {
            notice_id: Some(notice),
            ..Default::default()
        };
        tx.step_nomination(c, Step::Notice, Stage::InNotice, &detail)
            .await?;
    }
    tx.commit().await?;
    Ok(notice)
}

/// An objection as someone raises it on the public page.
#[derive(Debug, Clone)]
pub struct ObjectionInput<'a> {
    pub notice_id: i64,
    pub nomination_id: i64,
    pub content: &'a str,
    pub name: &'a str,
    pub contact: &'a str,
    /// Where it came from (the address), for the rate limit; stored only as a keyed hash.
    pub source: &'a str,
}

/// Whether a nomination is still shown on its notice: in notice, or commended after it
/// (withdrawn and rejected candidates leave it).
pub fn on_notice(n: &NominationRecord) -> bool {
    matches!(n.stage, Stage::InNotice | Stage::Commended)
}

/// Objections one source may raise on one notice per hour.
pub const OBJECTIONS_PER_HOUR: i64 = 3;

/// Takes an objection during the notice: content required, plain text; a name and contact
/// when the notice asks for them; at most [`OBJECTIONS_PER_HOUR`] per source.
pub async fn object(
    store: &Store,
    o: &ObjectionInput<'_>,
    today: NaiveDate,
    now_ms: i64,
) -> Result<i64, AppError> {
    let notice = store
        .selection()
        .notice(o.notice_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let candidate = store
        .selection()
        .nomination(o.nomination_id)
        .await?
        .filter(|c| c.notice_id == Some(notice.id) && on_notice(c))
        .ok_or(AppError::NotFound)?;
    notice_period(&notice)
        .takes_objections(today)
        .map_err(input)?;
    check_text("content", o.content, true, selection::MAX_OBJECTION).map_err(input)?;
    check_text("name", o.name, notice.real_name, 50).map_err(input)?;
    check_text("contact", o.contact, notice.real_name, 100).map_err(input)?;
    let optional = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let mut tx = store.begin("public").await?;
    let recent = tx
        .objections_from(notice.id, o.source, now_ms - 3_600_000)
        .await?;
    if recent >= OBJECTIONS_PER_HOUR {
        return Err(input(Message::of(
            "app.objections_rate",
            &[("n", &OBJECTIONS_PER_HOUR)],
        )));
    }
    let id = tx
        .add_objection(&NewObjection {
            notice_id: notice.id,
            nomination_id: candidate.id,
            content: o.content.trim().to_string(),
            name: optional(o.name),
            contact: optional(o.contact),
            source: o.source.to_string(),
        })
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Records what the investigation of an objection found.
pub async fn find(
    store: &Store,
    actor: Option<&Actor<'_>>,
    notice_id: i64,
    objection_id: i64,
    investigation: &str,
    finding: selection::Finding,
) -> Result<(), AppError> {
    let objection = store
        .selection()
        .objections(notice_id)
        .await?
        .into_iter()
        .find(|o| o.id == objection_id)
        .ok_or(AppError::NotFound)?;
    let nomination = store
        .selection()
        .nomination(objection.nomination_id)
        .await?
        .ok_or(AppError::NotFound)?;
    may(
        actor,
        Action::HandleObjections,
        &org(store, nomination.decided_by_org).await?,
    )?;
    check_text("investigation", investigation, true, selection::MAX_DEEDS).map_err(input)?;
    let mut tx = store.begin(actor.map_or("cli", |a| a.username)).await?;
    tx.record_finding(objection_id, investigation.trim(), finding)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// One line of the honour roll (光荣榜).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RollEntry {
    pub nomination: i64,
    pub honour: String,
    pub honour_name: String,
    pub name: String,
    /// The subject's organisation.
    pub unit: String,
    pub summary: String,
    pub document_no: String,
    pub commended_on: String,
}

/// A campaign's commended candidates, by honour in the campaign file's order, then by date.
///
/// `within`: only the commended of that organisation's subtree (the roll of a county, a
/// branch); an unknown code is not found.
/// `campaign`: the campaign whose roll (`None`: the one in use); a closed campaign's roll
/// stays public.
pub async fn honour_roll(
    store: &Store,
    campaign: Option<i64>,
    within: Option<&str>,
) -> Result<Vec<RollEntry>, AppError> {
    let (stored, campaign) = crate::campaigns::picked(store, campaign).await?;
    let campaign_id = stored.id;
    let within = match within {
        Some(code) => Some(
            store
                .registry()
                .org_by_code(code)
                .await?
                .ok_or(AppError::NotFound)?
                .tree_path(),
        ),
        None => None,
    };
    let mut out = vec![];
    for n in store.selection().nominations(campaign_id, None).await? {
        if n.stage != Stage::Commended {
            continue;
        }
        let s = subject(store, n.subject_kind, n.subject_id).await?;
        if within
            .as_ref()
            .is_some_and(|w| !w.contains(&s.org.tree_path()))
        {
            continue;
        }
        out.push(RollEntry {
            nomination: n.id,
            honour_name: campaign
                .honour(&n.honour)
                .map_or(n.honour.clone(), |h| h.name.clone()),
            honour: n.honour,
            name: s.name,
            unit: s.org.name,
            summary: n.summary,
            document_no: n.document_no.unwrap_or_default(),
            commended_on: n.commended_on.map(|d| d.to_string()).unwrap_or_default(),
        });
    }
    let order = |code: &str| {
        campaign
            .file
            .honours
            .iter()
            .position(|h| h.code.get_ref() == code)
            .unwrap_or(usize::MAX)
    };
    out.sort_by(|a, b| {
        (order(&a.honour), &a.commended_on, &a.name).cmp(&(
            order(&b.honour),
            &b.commended_on,
            &b.name,
        ))
    });
    Ok(out)
}

/// A nomination with the names a page or export shows, and what the viewer may do to it.
#[derive(Debug, Clone, Serialize)]
pub struct NominationView {
    pub record: NominationRecord,
    pub honour_name: String,
    pub subject: String,
    pub unit: String,
    /// (code, name) of the nominating and the deciding organisation.
    pub nominated_by: (String, String),
    pub decided_by: (String, String),
    pub checks: Vec<RuleCheck>,
    /// Steps the viewer may take now (putting on notice is the notice's).
    pub steps: Vec<Step>,
    /// Whether the viewer may recommend it on (approved, or commended for a higher honour).
    pub may_recommend: bool,
    /// Decided at the top of the tree: it may go on a public notice once approved.
    pub decided_at_top: bool,
    /// The honours the viewer may recommend it on to now, (code, name): the same honour one
    /// level up while approved below the top; at the top, the higher honours that take its
    /// candidates (`from`).
    pub onward: Vec<(String, String)>,
}

async fn view_of(
    store: &Store,
    campaign: &Campaign,
    actor: Option<&Actor<'_>>,
    n: NominationRecord,
) -> Result<NominationView, AppError> {
    let kind = n.subject_kind;
    let s = subject(store, kind, n.subject_id).await?;
    let nominating = org(store, n.nominated_by_org).await?;
    let deciding = org(store, n.decided_by_org).await?;
    let stage = n.stage;
    let mut steps = vec![];
    for step in Step::ALL {
        if step == Step::Notice || selection::next(stage, step).is_err() {
            continue;
        }
        let (action, target) = match step {
            Step::Withdraw => (Action::Nominate, &nominating),
            Step::Commend => (Action::Commend, &deciding),
            _ => (Action::DecideNominations, &deciding),
        };
        if may(actor, action, target).is_ok() {
            steps.push(step);
        }
    }
    // Up one level while approved below the top; at the top, on to a higher honour.
    let may_recommend = may(actor, Action::DecideNominations, &deciding).is_ok()
        && match deciding.parent_id {
            Some(_) => stage == Stage::Approved,
            None => {
                matches!(stage, Stage::Approved | Stage::Commended)
                    && campaign
                        .file
                        .honours
                        .iter()
                        .any(|h| h.from.as_ref().is_some_and(|f| *f.get_ref() == n.honour))
            }
        };
    let honour_name = campaign
        .honour(&n.honour)
        .map_or(n.honour.clone(), |h| h.name.clone());
    let at_top = deciding.parent_id.is_none();
    let mut onward = vec![];
    if may_recommend {
        if stage == Stage::Approved && !at_top {
            onward.push((n.honour.clone(), honour_name.clone()));
        }
        // Higher honours take the top level's candidates only.
        for h in campaign.file.honours.iter().filter(|_| at_top) {
            if h.from.as_ref().is_some_and(|f| *f.get_ref() == n.honour) {
                onward.push((h.code.get_ref().clone(), h.name.clone()));
            }
        }
    }
    Ok(NominationView {
        honour_name,
        subject: s.name,
        unit: s.org.name,
        nominated_by: (nominating.code, nominating.name),
        decided_by: (deciding.code, deciding.name),
        checks: n.eligibility.clone(),
        steps,
        may_recommend,
        decided_at_top: at_top,
        onward,
        record: n,
    })
}

/// Whether the viewer may see a nomination: it may read the subject's organisation.
async fn may_see(store: &Store, actor: Option<&Actor<'_>>, n: &NominationRecord) -> bool {
    match org(store, n.org_id).await {
        Ok(o) => may(actor, Action::ReadOrganisation, &o).is_ok(),
        Err(_) => false,
    }
}

/// The nominations the viewer may see, newest first, optionally of one honour.
pub async fn visible(
    store: &Store,
    actor: Option<&Actor<'_>>,
    honour: Option<&str>,
) -> Result<Vec<NominationView>, AppError> {
    let (campaign_id, campaign) = crate::scope::campaign(store).await?;
    let mut out = vec![];
    for n in store.selection().nominations(campaign_id, honour).await? {
        if may_see(store, actor, &n).await {
            out.push(view_of(store, &campaign, actor, n).await?);
        }
    }
    Ok(out)
}

/// One nomination with its steps so far; not found outside the viewer's scope.
pub async fn view(
    store: &Store,
    actor: Option<&Actor<'_>>,
    id: i64,
) -> Result<(NominationView, Vec<xianfeng_storage::NominationEvent>), AppError> {
    let (_, campaign) = crate::scope::campaign(store).await?;
    let n = store
        .selection()
        .nomination(id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_see(store, actor, &n).await {
        return Err(AppError::NotFound);
    }
    let events = store.selection().nomination_events(id).await?;
    Ok((view_of(store, &campaign, actor, n).await?, events))
}

/// Who an organisation may nominate for an honour: its own members (for members), the
/// organisations directly below it (for organisations), its teams and their cadres.
pub async fn candidates_for(
    store: &Store,
    actor: Option<&Actor<'_>>,
    honour: &str,
    org_code: &str,
) -> Result<Vec<(i64, String)>, AppError> {
    let (_, campaign) = crate::scope::campaign(store).await?;
    let h = honour_of(&campaign, honour)?;
    let o = store
        .registry()
        .org_by_code(org_code)
        .await?
        .ok_or(AppError::NotFound)?;
    may(actor, Action::Nominate, &o)?;
    subjects_in(store, h.subject, &o).await
}

/// The subjects of `kind` an organisation puts forward (for an honour, for the model
/// library): its own members, the organisations directly below it, its teams and their
/// cadres — names told apart where two are the same.
pub async fn subjects_in(
    store: &Store,
    kind: SubjectKind,
    o: &OrgRecord,
) -> Result<Vec<(i64, String)>, AppError> {
    // (id, name, what tells two of the same name apart: a member's masked ID number, as
    // the roster shows it to whoever may nominate; an organisation's code; a cadre's post)
    let found: Vec<(i64, String, String)> = match kind {
        SubjectKind::Member => store
            .registry()
            .members_of_org(o.id, 1000, 0)
            .await?
            .into_iter()
            .map(|m| (m.id, m.name, m.id_masked))
            .collect(),
        SubjectKind::Organisation => store
            .registry()
            .children(o.id)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name, c.code))
            .collect(),
        SubjectKind::Team => store
            .registry()
            .teams_of_org(o.id)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name, o.code.clone()))
            .collect(),
        SubjectKind::Cadre => {
            let mut out = vec![];
            for t in store.registry().teams_of_org(o.id).await? {
                for c in store.registry().cadres_of_team(t.id).await? {
                    out.push((c.id, c.name, c.position));
                }
            }
            out
        }
    };
    Ok(xianfeng_domain::text::told_apart(found))
}

/// A notice's objections with names and contacts, for those who handle them (the
/// organisation deciding its candidates); refused for anyone else.
pub async fn objections_for(
    store: &Store,
    actor: Option<&Actor<'_>>,
    notice_id: i64,
) -> Result<Vec<xianfeng_storage::ObjectionRecord>, AppError> {
    let candidates = store.selection().notice_candidates(notice_id).await?;
    if candidates.is_empty() {
        return Err(AppError::NotFound);
    }
    // Every candidate's deciding organisation: a name and contact go to no one else.
    for c in &candidates {
        may(
            actor,
            Action::HandleObjections,
            &org(store, c.decided_by_org).await?,
        )?;
    }
    Ok(store.selection().objections(notice_id).await?)
}

/// The recommendation and approval form (推荐审批表) of a nomination, as an editable .docx:
/// (file name, bytes).
pub async fn approval_form(
    store: &Store,
    actor: Option<&Actor<'_>>,
    id: i64,
) -> Result<(String, Vec<u8>), AppError> {
    let (v, _) = view(store, actor, id).await?;
    let (_, campaign) = crate::scope::campaign(store).await?;
    // The form is a Chinese document, whoever prints it.
    let zh = |key: &str| xianfeng_domain::i18n::t(Lang::ZhCn, key, &[]);
    let checks: Vec<String> = v
        .checks
        .iter()
        .map(|c| {
            let mark = if c.passed { "✓" } else { "✗" };
            format!("{mark} {}", c.reason.render(Lang::ZhCn))
        })
        .collect();
    let mut notice = String::new();
    if let Some(n) = v.record.notice_id
        && let Some(record) = store.selection().notice(n).await?
    {
        let objections = store
            .selection()
            .objections(n)
            .await?
            .into_iter()
            .filter(|o| o.nomination_id == id)
            .count();
        notice = format!(
            "{} — {}（{}）\n{}",
            record.starts_on,
            record.ends_on,
            record.title,
            Message::of("app.form_objections", &[("n", &objections)]).render(Lang::ZhCn)
        );
    }
    let rows = vec![
        (zh("selection.form_name"), v.subject.clone()),
        (zh("selection.form_unit"), v.unit.clone()),
        (zh("selection.form_honour"), v.honour_name.clone()),
        (zh("selection.form_nominated_by"), v.nominated_by.1.clone()),
        (zh("selection.form_eligibility"), checks.join("\n")),
        (zh("selection.form_deeds"), v.record.deeds.clone()),
        (zh("selection.form_summary"), v.record.summary.clone()),
        (
            zh("selection.form_assessment"),
            v.record.assessment.clone().unwrap_or_default(),
        ),
        (
            zh("selection.form_decision"),
            v.record.decision.clone().unwrap_or_default(),
        ),
        (zh("selection.form_notice"), notice),
        (
            zh("selection.form_commendation"),
            format!(
                "{} {}",
                v.record.document_no.clone().unwrap_or_default(),
                v.record
                    .commended_on
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            ),
        ),
    ];
    let title = format!("{}{}", v.honour_name, zh("selection.form_title"));
    let footer = vec![format!(
        "{}：{}",
        campaign.file.campaign.organiser, campaign.file.campaign.name
    )];
    let bytes = crate::docx::form(&title, &rows, &footer)?;
    Ok((format!("nomination-{id}.docx"), bytes))
}

/// The nominations the viewer may see, as an .xlsx list.
pub async fn export(store: &Store, actor: Option<&Actor<'_>>) -> Result<Vec<u8>, AppError> {
    // The form is a Chinese document, whoever prints it.
    let zh = |key: &str| xianfeng_domain::i18n::t(Lang::ZhCn, key, &[]);
    let headers: Vec<String> = [
        "form_name",
        "form_unit",
        "form_honour",
        "form_stage",
        "form_nominated_by",
        "form_decided_by",
        "form_summary",
        "form_commendation",
    ]
    .iter()
    .map(|k| zh(&format!("selection.{k}")))
    .collect();
    let rows: Vec<Vec<String>> = visible(store, actor, None)
        .await?
        .into_iter()
        .map(|v| {
            vec![
                v.subject,
                v.unit,
                v.honour_name,
                zh(&format!("selection.stage_{}", v.record.stage.as_str())),
                v.nominated_by.1,
                v.decided_by.1,
                v.record.summary,
                format!(
                    "{} {}",
                    v.record.document_no.unwrap_or_default(),
                    v.record
                        .commended_on
                        .map(|d| d.to_string())
                        .unwrap_or_default()
                )
                .trim()
                .to_string(),
            ]
        })
        .collect();
    crate::score_tables::plain_xlsx(
        &zh("selection.form_sheet"),
        &headers,
        &vec![false; headers.len()],
        &rows,
    )
}

/// Files of the account of deeds a nomination may carry.
pub const MAX_NOMINATION_FILES: usize = 10;

/// Attaches files (photos, documents) to the account of deeds of a nomination not yet
/// decided: by those who nominated it.
pub async fn attach(
    store: &Store,
    actor: Option<&Actor<'_>>,
    id: i64,
    files: &[crate::files::Upload],
) -> Result<usize, AppError> {
    let (v, _) = view(store, actor, id).await?;
    let nominating = store
        .registry()
        .org_by_code(&v.nominated_by.0)
        .await?
        .ok_or(AppError::NotFound)?;
    may(actor, Action::Nominate, &nominating)?;
    if !matches!(v.record.stage, Stage::Nominated | Stage::Assessed) {
        return Err(input(Message::of("app.files_after_assessment", &[])));
    }
    let held = store.selection().nomination_attachments(id).await?.len();
    let too_many = || {
        input(Message::of(
            "app.too_many_files",
            &[("n", &MAX_NOMINATION_FILES)],
        ))
    };
    if files.is_empty() || held + files.len() > MAX_NOMINATION_FILES {
        return Err(too_many());
    }
    let prepared = files
        .iter()
        .map(crate::files::prepare_file)
        .collect::<Result<Vec<_>, _>>()?;
    let mut tx = store.begin(actor.map_or("cli", |a| a.username)).await?;
    // Again with the nomination locked: files sent at once through two servers, or as it
    // is assessed, are held to the same rules.
    let held = tx.files_held(FilesOf::Nomination, id).await?;
    if !matches!(
        tx.nomination_stage(id).await?,
        Stage::Nominated | Stage::Assessed
    ) {
        return Err(input(Message::of("app.files_after_assessment", &[])));
    }
    if held + files.len() > MAX_NOMINATION_FILES {
        return Err(too_many());
    }
    let mut ids = vec![];
    for a in &prepared {
        ids.push(tx.add_attachment(a).await?);
    }
    tx.attach_to_nomination(id, &ids).await?;
    tx.commit().await?;
    Ok(ids.len())
}

/// The disciplinary sanctions of the Party's rules (党纪处分), lightest first.
pub const SANCTIONS: [&str; 5] = ["警告", "严重警告", "撤销党内职务", "留党察看", "开除党籍"];

/// Whether `actor` may record and see a member's sanctions (the office's), or why not.
pub async fn may_record_sanctions(
    store: &Store,
    actor: Option<&Actor<'_>>,
    member_id: i64,
) -> Result<(), AppError> {
    let m = store
        .registry()
        .member(member_id)
        .await?
        .ok_or(AppError::NotFound)?;
    may(actor, Action::RecordSanctions, &org(store, m.org_id).await?)
}

/// Records a disciplinary sanction against a member, from the discipline inspection
/// commission's decision: the "no sanction" rule sees it.
pub async fn record_sanction(
    store: &Store,
    actor: Option<&Actor<'_>>,
    member_id: i64,
    imposed_on: NaiveDate,
    kind: &str,
    note: &str,
) -> Result<i64, AppError> {
    may_record_sanctions(store, actor, member_id).await?;
    if !SANCTIONS.contains(&kind.trim()) {
        return Err(input(Message::of(
            "app.unknown_sanction",
            &[("value", &kind), ("known", &SANCTIONS.join("、"))],
        )));
    }
    check_text("note", note, false, 2_000).map_err(input)?;
    let mut tx = store.begin(actor.map_or("cli", |a| a.username)).await?;
    let id = tx
        .add_sanction(member_id, &imposed_on.to_string(), kind.trim(), note.trim())
        .await?;
    // A sanctioned member is no model: her library entries are withdrawn with it.
    crate::publicity::models::withdraw_for_sanction(&mut tx, member_id, kind.trim()).await?;
    tx.commit().await?;
    Ok(id)
}

/// The honour roll as an .xlsx sheet.
pub fn roll_xlsx(entries: &[RollEntry]) -> Result<Vec<u8>, AppError> {
    // The form is a Chinese document, whoever prints it.
    let zh = |key: &str| xianfeng_domain::i18n::t(Lang::ZhCn, key, &[]);
    let headers: Vec<String> = [
        "form_honour",
        "form_name",
        "form_unit",
        "form_summary",
        "form_commendation",
    ]
    .iter()
    .map(|k| zh(&format!("selection.{k}")))
    .collect();
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                e.honour_name.clone(),
                e.name.clone(),
                e.unit.clone(),
                e.summary.clone(),
                format!("{} {}", e.document_no, e.commended_on)
                    .trim()
                    .to_string(),
            ]
        })
        .collect();
    crate::score_tables::plain_xlsx(
        &zh("selection.roll_sheet"),
        &headers,
        &vec![false; headers.len()],
        &rows,
    )
}
