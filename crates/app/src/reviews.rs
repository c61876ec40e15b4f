//! Leader reviews (领导点评) as accounts use them: the office or a committee assigns
//! subjects to a reviewer; the reviewer writes, per assessment period, a comment and a grade
//! worth the points the campaign file gives it, and sees only what is assigned.

use xianfeng_domain::i18n::Message;
use xianfeng_domain::policy::{Action, Target, decide};
use xianfeng_domain::role::Role;
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::{Assignment, NewReview, ReviewRecord, Store};

use crate::actor::Actor;
use crate::subjects::{Subject, subject};
use crate::{AppError, scope};

/// The longest comment.
pub const MAX_COMMENT: usize = 1000;

/// Whether the actor may assign reviewers to the subjects of organisation `code`; the
/// organisation if so.
pub async fn may_assign(
    store: &Store,
    actor: &Actor<'_>,
    code: &str,
) -> Result<xianfeng_storage::OrgRecord, AppError> {
    scope::org_for(store, Some(actor.principal), code, Action::AssignReviewers).await
}

/// Assigns `subject` to the reviewer account `reviewer`; true when it was new.
pub async fn assign(
    store: &Store,
    actor: &Actor<'_>,
    reviewer: &str,
    kind: SubjectKind,
    subject_id: i64,
) -> Result<bool, AppError> {
    let s = subject(store, kind, subject_id).await?;
    scope::allowed(actor.principal, Action::AssignReviewers, &s.org)?;
    let is_reviewer = store
        .accounts()
        .principal(reviewer)
        .await?
        .is_some_and(|p| p.role == Role::Reviewer);
    if !is_reviewer {
        return Err(AppError::Input(Message::of(
            "app.not_a_reviewer",
            &[("name", &reviewer)],
        )));
    }
    let mut tx = store.begin(actor.username).await?;
    let new = tx
        .assign_reviewer(&Assignment {
            reviewer: reviewer.to_string(),
            subject_kind: kind,
            subject_id,
            org_id: s.org.id,
        })
        .await?;
    tx.commit().await?;
    Ok(new)
}

/// The policy's word on the actor reviewing `s`.
async fn may_review(store: &Store, actor: &Actor<'_>, s: &Subject) -> Result<(), AppError> {
    let assigned = store
        .reviews()
        .is_assigned(actor.username, s.kind, s.id)
        .await?;
    let path = s.org.tree_path();
    let target = Target {
        assigned,
        ..Target::of(&path, s.org.sector.as_deref())
    };
    AppError::check(decide(actor.principal, Action::WriteReviews, &target))
}

/// What a reviewer writes.
pub struct ReviewInput<'a> {
    pub period: &'a str,
    pub grade: &'a str,
    pub comment: &'a str,
}

/// Writes (or rewrites) the actor's review of an assigned subject for a period.
pub async fn write(
    store: &Store,
    actor: &Actor<'_>,
    kind: SubjectKind,
    subject_id: i64,
    input: &ReviewInput<'_>,
) -> Result<i64, AppError> {
    let s = subject(store, kind, subject_id).await?;
    may_review(store, actor, &s).await?;
    let (campaign_id, campaign) = scope::campaign(store).await?;
    let period = campaign.period(input.period).ok_or_else(|| {
        let known: Vec<String> = campaign.periods().into_iter().map(|p| p.name).collect();
        AppError::Input(Message::of(
            "app.unknown_period",
            &[("known", &known.join("、"))],
        ))
    })?;
    let points = campaign.review_points(input.grade).ok_or_else(|| {
        let known: Vec<&str> = campaign
            .file
            .review_grades
            .iter()
            .map(|g| g.name.as_str())
            .collect();
        AppError::Input(Message::of(
            "app.unknown_grade",
            &[("known", &known.join("、"))],
        ))
    })?;
    let comment = input.comment.trim();
    if comment.is_empty() || comment.chars().count() > MAX_COMMENT {
        return Err(AppError::Input(Message::of(
            "app.review_comment",
            &[("max", &MAX_COMMENT)],
        )));
    }
    let mut tx = store.begin(actor.username).await?;
    crate::scores::refuse_if_closed(&mut tx, campaign_id, &period).await?;
    let id = tx
        .write_review(&NewReview {
            campaign_id,
            subject_kind: kind,
            subject_id,
            org_id: s.org.id,
            period: period.code,
            grade: input.grade.to_string(),
            points: i64::from(points),
            comment: comment.to_string(),
        })
        .await?;
    tx.commit().await?;
    store.touch(kind, subject_id);
    Ok(id)
}

/// A reviewer's desk: each assigned subject with the reviews already written of it.
pub async fn desk(
    store: &Store,
    actor: &Actor<'_>,
) -> Result<Vec<(Subject, Vec<ReviewRecord>)>, AppError> {
    let mine = store.reviews().reviews_by(actor.username).await?;
    let mut out = Vec::new();
    for a in store.reviews().assignments_of(actor.username).await? {
        let kind = a.subject_kind;
        // A subject removed since it was assigned is skipped, not an error.
        let Ok(s) = subject(store, kind, a.subject_id).await else {
            continue;
        };
        let reviews = mine
            .iter()
            .filter(|r| r.subject_kind == a.subject_kind && r.subject_id == a.subject_id)
            .cloned()
            .collect();
        out.push((s, reviews));
    }
    Ok(out)
}
