//! Periods: which one a request means, closing one into a snapshot, checking a snapshot,
//! and refusing changes to a closed period's inputs (self-assessment included).

use chrono::NaiveDate;
use xianfeng_domain::campaign::{Campaign, Period};
use xianfeng_domain::i18n::Message;
use xianfeng_domain::scoring::{self};
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::{Closure, SnapshotRow, Store};

use super::{board::*, build::*};
use crate::AppError;

/// The period `code`, or the default one (today's, else the latest begun), or why not.
pub fn resolve_period(
    campaign: &Campaign,
    code: Option<&str>,
    today: NaiveDate,
) -> Result<Period, AppError> {
    match code {
        Some(code) => campaign.period(code).ok_or_else(|| {
            let known: Vec<String> = campaign.periods().into_iter().map(|p| p.code).collect();
            AppError::Input(Message::of(
                "app.unknown_period",
                &[("known", &known.join(", "))],
            ))
        }),
        None => crate::figures::default_period(campaign, today)
            .ok_or_else(|| AppError::Input(Message::of("app.no_periods", &[]))),
    }
}

/// The period a reader is shown when she names none: the latest that has begun and has
/// anything scored in it (a new period opens empty; last period's scores are what there
/// is to read); the current one when nothing has been scored yet.
pub async fn opening_period(
    store: &Store,
    campaign_id: i64,
    campaign: &Campaign,
    today: NaiveDate,
) -> Result<Period, AppError> {
    // Latest first: usually the first one asked has scores, one indexed lookup.
    for p in campaign.periods().into_iter().rev() {
        if p.starts_on <= today
            && store
                .scores()
                .period_has_facts(campaign_id, &p.code)
                .await?
        {
            return Ok(p);
        }
    }
    resolve_period(campaign, None, today)
}

/// The period before `period` in the campaign file, if any.
pub fn previous_period(campaign: &Campaign, period: &Period) -> Option<Period> {
    let periods = campaign.periods();
    let i = periods.iter().position(|p| p.code == period.code)?;
    i.checked_sub(1).map(|j| periods[j].clone())
}

/// The snapshot rows of an open board, in (kind, id) order, and their digest.
pub fn snapshot_rows(board: &PeriodBoard) -> (Vec<SnapshotRow>, String) {
    use sha2::Digest;
    let mut rows = vec![];
    let mut kinds: Vec<&KindBoard> = board.kinds.iter().collect();
    kinds.sort_by_key(|k| k.kind.map(|k| k.as_str()));
    for kb in kinds {
        // Every board built for a period has its kind; only an empty default has none.
        let Some(kind) = kb.kind else {
            continue;
        };
        for slot in 0..kb.ids.len() {
            let (category, level) = kb.group_of(slot).clone();
            let pos = kb.org[slot];
            rows.push(SnapshotRow {
                subject_kind: kind,
                subject_id: kb.ids[slot],
                org_id: board.tree.orgs.get(pos as usize).map_or(0, |o| o.id),
                category,
                level,
                total: kb.scored.total(slot).map(|p| p.0),
                criteria: scoring::encode_scores(&kb.scored, slot),
                inputs: scoring::encode_inputs(&kb.sheet, slot),
            });
        }
    }
    let mut hash = sha2::Sha256::new();
    for r in &rows {
        hash.update(
            format!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                r.subject_kind.as_str(),
                r.subject_id,
                r.org_id,
                r.category.as_deref().unwrap_or(""),
                r.level,
                r.total.map(|t| t.to_string()).unwrap_or_default(),
                r.criteria,
                r.inputs
            )
            .as_bytes(),
        );
    }
    (rows, hex::encode(hash.finalize()))
}

/// Subjects whose stored scores differ from a recomputation from their stored inputs:
/// (kind, id). Empty for a sound snapshot.
pub fn verify(board: &PeriodBoard) -> Vec<(SubjectKind, i64)> {
    let mut bad = vec![];
    for kb in &board.kinds {
        let again = kb.sheet.score(&kb.profiles);
        for slot in 0..kb.ids.len() {
            let same = again.total(slot) == kb.scored.total(slot)
                && (0..kb.criteria.len())
                    .all(|k| again.criterion(slot, k) == kb.scored.criterion(slot, k));
            if !same && let Some(kind) = kb.kind {
                bad.push((kind, kb.ids[slot]));
            }
        }
    }
    bad
}

/// Recounts the current campaign's score facts from the tables they count (the operator's
/// repair, at the command line only): the write path keeps them otherwise (storage::scores::facts).
pub async fn recount(store: &Store) -> Result<(), AppError> {
    let (campaign_id, _) = crate::scope::campaign(store).await?;
    let mut tx = store.begin("cli").await?;
    tx.recount_score_facts(campaign_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether `actor` may close `period` now, before anyone is asked to confirm it: the
/// right to close periods over the whole city, and a period that has ended. Returns the
/// period's name.
pub async fn may_close(
    store: &Store,
    actor: &crate::actor::Actor<'_>,
    period: &str,
    today: NaiveDate,
) -> Result<String, AppError> {
    crate::scope::city_wide(
        store,
        actor.principal,
        xianfeng_domain::policy::Action::ClosePeriods,
    )
    .await?;
    let (_, campaign) = crate::scope::campaign(store).await?;
    Ok(ended_period(&campaign, period, today)?.name)
}

/// The period `code`, if it has ended: only an ended period can be closed.
fn ended_period(campaign: &Campaign, code: &str, today: NaiveDate) -> Result<Period, AppError> {
    let period = resolve_period(campaign, Some(code), today)?;
    if period.ends_on >= today {
        return Err(AppError::Input(Message::of(
            "app.period_not_ended",
            &[("period", &period.name), ("ends", &period.ends_on)],
        )));
    }
    Ok(period)
}

/// Closes a period: scores it from today's inputs and stores that as its snapshot. Returns
/// the closure. Refused for a period that is closed already or has not ended yet.
///
/// `actor` is `None` for the operator at the command line; an account needs the right to
/// close periods over every top organisation of the tree (the office's).
pub async fn close(
    store: &Store,
    actor: Option<&crate::actor::Actor<'_>>,
    period: &str,
    today: NaiveDate,
) -> Result<Closure, AppError> {
    if let Some(a) = actor {
        crate::scope::city_wide(
            store,
            a.principal,
            xianfeng_domain::policy::Action::ClosePeriods,
        )
        .await?;
    }
    let actor = actor.map_or("cli", |a| a.username);
    let (campaign_id, campaign) = crate::scope::campaign(store).await?;
    let period = ended_period(&campaign, period, today)?;
    let closed = || {
        AppError::Input(Message::of(
            "app.period_closed",
            &[("period", &period.name)],
        ))
    };
    // The period held alone first: inputs being written to it are waited for, and none
    // can come between the reading of its inputs below and the commit.
    let mut tx = store.begin(actor).await?;
    if tx
        .hold_period_for_closing(campaign_id, &period.code)
        .await?
    {
        tx.rollback().await?;
        return Err(closed());
    }
    let board = compute(store, campaign_id, campaign, &period, today).await?;
    if board.closed.is_some() {
        tx.rollback().await?;
        return Err(closed());
    }
    let (rows, digest) = snapshot_rows(&board);
    if !tx
        .close_period(campaign_id, &period.code, &rows, &digest)
        .await?
    {
        tx.rollback().await?;
        return Err(closed());
    }
    tx.commit().await?;
    Ok(Closure {
        period: period.code,
        subjects: rows.len() as i64,
        digest,
        closed_by: actor.to_string(),
        closed_at: 0,
    })
}

/// Whether `principal` may give the self-assessment of `subject` (the policy decides).
pub(crate) fn may_self_assess(
    principal: &xianfeng_domain::policy::Principal,
    subject: &crate::subjects::Subject,
) -> xianfeng_domain::policy::Decision {
    let path = subject.org.tree_path();
    let target = xianfeng_domain::policy::Target {
        member: subject.member,
        ..xianfeng_domain::policy::Target::of(&path, subject.org.sector.as_deref())
    };
    xianfeng_domain::policy::decide(
        principal,
        xianfeng_domain::policy::Action::WriteSelfAssessment,
        &target,
    )
}

/// Gives a subject's self-assessment (自评) for a period: points 0–100 for each criterion
/// of its standard, every criterion named once. Refused in a closed period.
pub async fn write_self_assessment(
    store: &Store,
    actor: &crate::actor::Actor<'_>,
    kind: SubjectKind,
    subject_id: i64,
    period: &str,
    points: &[(String, i64)],
) -> Result<(), AppError> {
    let subject = crate::subjects::subject(store, kind, subject_id).await?;
    AppError::check(may_self_assess(actor.principal, &subject))?;
    let (campaign_id, campaign) = crate::scope::campaign(store).await?;
    let period = resolve_period(&campaign, Some(period), chrono::Local::now().date_naive())?;
    let criteria: Vec<String> = campaign.criterion_codes(kind);
    let mut given: Vec<(String, i64)> = vec![];
    for c in &criteria {
        let found: Vec<&(String, i64)> = points.iter().filter(|(k, _)| k == c).collect();
        match found[..] {
            [(_, p)] if (0..=100).contains(p) => given.push((c.clone(), *p)),
            _ => {
                return Err(AppError::Input(Message::of(
                    "app.self_assessment_points",
                    &[("criterion", c)],
                )));
            }
        }
    }
    if let Some((extra, _)) = points.iter().find(|(k, _)| !criteria.contains(k)) {
        return Err(AppError::Input(Message::of(
            "campaign.unknown_criterion",
            &[("code", extra)],
        )));
    }
    let mut tx = store.begin(actor.username).await?;
    refuse_if_closed(&mut tx, campaign_id, &period).await?;
    tx.write_self_assessment(campaign_id, &period.code, (kind, subject_id), &given)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Refuses a change to the inputs of a closed period, asked inside the transaction that
/// would make it with the period held until it commits, so that a close cannot slip in
/// between (dropping the transaction on the error rolls it back).
pub(crate) async fn refuse_if_closed(
    tx: &mut xianfeng_storage::WriteTx,
    campaign_id: i64,
    period: &Period,
) -> Result<(), AppError> {
    if tx.hold_period_for_input(campaign_id, &period.code).await? {
        return Err(AppError::Input(Message::of(
            "app.period_closed",
            &[("period", &period.name)],
        )));
    }
    Ok(())
}
