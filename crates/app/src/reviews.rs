//! Leader reviews (领导点评) as accounts use them: the office or a committee assigns
//! subjects to a reviewer; the reviewer writes, per assessment period, a comment and a grade
//! worth the points the campaign file gives it, and sees only what is assigned.

use xianfeng_domain::campaign::PhasedAction;
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
    today: chrono::NaiveDate,
) -> Result<i64, AppError> {
    let s = subject(store, kind, subject_id).await?;
    may_review(store, actor, &s).await?;
    let (campaign_id, campaign) =
        crate::campaigns::open_for(store, PhasedAction::Review, today).await?;
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
    Ok(id)
}

/// Subjects on one page of a reviewer's desk.
pub const DESK_PAGE: usize = 20;

/// One page of a reviewer's desk.
#[derive(Debug)]
pub struct Desk {
    /// The subjects of the page, each with the reviewer's reviews of it so far.
    pub entries: Vec<(Subject, Vec<ReviewRecord>)>,
    /// Assigned subjects without a review for the period (all of them without a period).
    pub waiting: usize,
    pub assigned: usize,
    /// The subjects the view selects (those waiting, or all), across its pages.
    pub selected: usize,
}

/// Which part of a desk to show.
#[derive(Debug, Clone, Copy)]
pub struct DeskView<'a> {
    /// The period reviews are being written for; without one, nothing counts as reviewed.
    pub period: Option<&'a str>,
    /// The subjects reviewed for the period too, after those waiting.
    pub all: bool,
    /// Only subjects whose name holds this text (a reviewer looking for one among
    /// hundreds); empty for all.
    pub name: &'a str,
    /// From 0, of `per_page` subjects each.
    pub page: usize,
    pub per_page: usize,
}

/// The subjects assigned to the actor, those without a review for the period first (or only
/// those), a page at a time: a reviewer may have hundreds, and a page with a form for each
/// is too heavy for a phone and hides what is left to do.
pub async fn desk(store: &Store, actor: &Actor<'_>, view: &DeskView<'_>) -> Result<Desk, AppError> {
    let (period, all) = (view.period, view.all);
    let mine = store.reviews().reviews_by(actor.username).await?;
    let assigned = store.reviews().assignments_of(actor.username).await?;
    let reviewed = |a: &Assignment| {
        mine.iter().any(|r| {
            r.subject_kind == a.subject_kind
                && r.subject_id == a.subject_id
                && period.is_some_and(|p| r.period == p)
        })
    };
    let (done, waiting): (Vec<&Assignment>, Vec<&Assignment>) =
        assigned.iter().partition(|a| reviewed(a));
    let count = waiting.len();
    let mut selected: Vec<&Assignment> = if all {
        waiting.into_iter().chain(done).collect()
    } else {
        waiting
    };
    let wanted = view.name.trim().to_lowercase();
    if !wanted.is_empty() {
        let mut named = std::collections::HashSet::new();
        for kind in SubjectKind::ALL {
            let ids: Vec<i64> = selected
                .iter()
                .filter(|a| a.subject_kind == kind)
                .map(|a| a.subject_id)
                .collect();
            if ids.is_empty() {
                continue;
            }
            let names = store.scores().subject_names(kind.as_str(), &ids).await?;
            named.extend(
                names
                    .into_iter()
                    .filter(|(_, name)| name.to_lowercase().contains(&wanted))
                    .map(|(id, _)| (kind, id)),
            );
        }
        selected.retain(|a| named.contains(&(a.subject_kind, a.subject_id)));
    }
    let mut entries = Vec::new();
    let first = view.page.saturating_mul(view.per_page);
    for a in selected.iter().skip(first).take(view.per_page) {
        // A subject removed since it was assigned is skipped, not an error.
        let Ok(s) = subject(store, a.subject_kind, a.subject_id).await else {
            continue;
        };
        let reviews = mine
            .iter()
            .filter(|r| r.subject_kind == a.subject_kind && r.subject_id == a.subject_id)
            .cloned()
            .collect();
        entries.push((s, reviews));
    }
    Ok(Desk {
        entries,
        waiting: count,
        assigned: assigned.len(),
        selected: selected.len(),
    })
}
