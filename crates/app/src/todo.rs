//! What waits for an account's hand (待办), for its home: the plans, commitments, items,
//! reviews, rounds, nominations, objections and periods it should act on now, each with
//! its count and the first few to open. Only what the account's role may do is counted,
//! and only in its own part of the tree.

use chrono::{Days, NaiveDate};
use xianfeng_domain::commitment::{Outcome, Status};
use xianfeng_domain::plan::PlanStatus;
use xianfeng_domain::policy::{Action, principal_permits};
use xianfeng_domain::role::Role;
use xianfeng_domain::selection::Stage;
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::{CommitmentRecord, Store, Waiting};

use crate::AppError;
use crate::actor::Actor;
use crate::subjects::subject;

/// Items due within this many days count as due soon.
pub const DUE_SOON_DAYS: u64 = 7;

/// A kind of work waiting; the web names each in the reader's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToDoKind {
    /// The organisation's implementation plan is not written yet, or came back.
    WritePlan,
    /// Plans of the organisations below wait for approval.
    ApprovePlans,
    /// One's own commitment (or one's organisation's) is not written yet.
    WriteCommitment,
    /// A commitment is a draft not submitted, or came back to be fixed.
    FinishCommitment,
    /// Commitments wait for approval.
    ApproveCommitments,
    /// Commitment items are past their due date and still open.
    ItemsOverdue,
    /// Commitment items fall due within [`DUE_SOON_DAYS`].
    ItemsDueSoon,
    /// Assigned subjects have no review for the current period yet.
    WriteReviews,
    /// Evaluation rounds are open now.
    RoundsOpen,
    /// Nominations wait for assessment or approval.
    DecideNominations,
    /// Approved candidates wait to be put on public notice.
    PutOnNotice,
    /// Objections to candidates on notice wait for a finding.
    HandleObjections,
    /// Periods have ended and are not closed.
    ClosePeriods,
    /// Members transferred to one's organisations wait to be accepted or refused.
    ReceiveTransfers,
    /// An ID number someone tried to register twice waits for the office.
    SettleDuplicates,
    /// Bulletin drafts wait to be edited and issued (a schedule may have made them).
    FinishBulletins,
    /// Bulletins addressed to one's organisations (主送) in the last 30 days.
    BulletinsReceived,
}

/// Where one piece of work is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// An organisation's set-up page (its plan and meetings).
    Setup {
        org_code: String,
    },
    /// The plans of the organisations below one.
    Plans {
        org_code: String,
    },
    /// The form for a new commitment of a subject.
    NewCommitment {
        kind: SubjectKind,
        subject_id: i64,
    },
    Commitment {
        id: i64,
    },
    Reviews,
    Round {
        id: i64,
    },
    Nomination {
        id: i64,
    },
    Notice {
        id: i64,
    },
    Scores,
    /// The transfers and duplicates page.
    Transfers,
    /// A bulletin: its page for who writes it, its public page for who receives it.
    Bulletin {
        id: i64,
        received: bool,
    },
}

/// One link: where, and what it is about (a name or title, as stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub place: Place,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToDo {
    pub kind: ToDoKind,
    pub count: i64,
    /// The first few to open, oldest first.
    pub links: Vec<Link>,
}

/// Everything waiting for `actor` on `today`, in the order the campaign's work goes.
pub async fn waiting(
    store: &Store,
    actor: &Actor<'_>,
    today: NaiveDate,
) -> Result<Vec<ToDo>, AppError> {
    let Some((current, campaign)) = store.campaigns().in_use().await? else {
        return Ok(vec![]);
    };
    // A campaign that is over asks nothing more of anyone: nothing of it is overdue.
    if current.status != xianfeng_domain::campaign::CampaignStatus::Running {
        return Ok(vec![]);
    }
    let campaign_id = current.id;
    let p = actor.principal;
    let may = |a: Action| principal_permits(p, a);
    let mut out = Vec::new();
    let roots = own_organisations(store, p).await?;

    if may(Action::WritePlan) && p.role != Role::Member {
        let mut links = Vec::new();
        for o in &roots {
            let plan = store.plans().plan(campaign_id, o.id).await?;
            if plan.is_none_or(|pl| pl.status == PlanStatus::Returned) {
                links.push(Link {
                    place: Place::Setup {
                        org_code: o.code.clone(),
                    },
                    label: o.name.clone(),
                });
            }
        }
        push_links(&mut out, ToDoKind::WritePlan, links);
    }
    if may(Action::ApprovePlans) {
        let w = store
            .todo()
            .plans_to_approve(campaign_id, &p.scopes)
            .await?;
        // The overview of each own organisation lists its subordinates' plans.
        let links = roots
            .iter()
            .map(|o| Link {
                place: Place::Plans {
                    org_code: o.code.clone(),
                },
                label: o.name.clone(),
            })
            .collect();
        push(&mut out, ToDoKind::ApprovePlans, w.count, links);
    }

    if may(Action::WriteCommitments) {
        own_commitments(store, actor, campaign_id, &roots, today, &mut out).await?;
    }
    if may(Action::ApproveCommitments) {
        let w = store
            .todo()
            .commitments_to_approve(campaign_id, &p.scopes)
            .await?;
        let links = commitment_links(store, &w).await?;
        push(&mut out, ToDoKind::ApproveCommitments, w.count, links);
    }

    if may(Action::WriteReviews)
        && let Some(period) = campaign.period_of(today)
    {
        let written = store.reviews().reviews_by(actor.username).await?;
        let mut links = Vec::new();
        let mut count = 0;
        for a in store.reviews().assignments_of(actor.username).await? {
            let done = written.iter().any(|r| {
                r.subject_kind == a.subject_kind
                    && r.subject_id == a.subject_id
                    && r.period == period.code
            });
            if done {
                continue;
            }
            count += 1;
            if links.len() < xianfeng_storage::TODO_FIRST
                && let Ok(s) = subject(store, a.subject_kind, a.subject_id).await
            {
                links.push(Link {
                    place: Place::Reviews,
                    label: s.name,
                });
            }
        }
        push(&mut out, ToDoKind::WriteReviews, count, links);
    }

    if may(Action::ManageEvaluations) {
        let w = store
            .todo()
            .rounds_open(campaign_id, &p.scopes, today)
            .await?;
        let mut links = Vec::new();
        for id in &w.first {
            if let Some(r) = store.evaluation().round(*id).await? {
                links.push(Link {
                    place: Place::Round { id: r.id },
                    label: r.name,
                });
            }
        }
        push(&mut out, ToDoKind::RoundsOpen, w.count, links);
    }

    if may(Action::DecideNominations) {
        let w = store
            .todo()
            .nominations_at(
                campaign_id,
                &p.scopes,
                &[Stage::Nominated.as_str(), Stage::Assessed.as_str()],
            )
            .await?;
        let links = nomination_links(store, &w).await?;
        push(&mut out, ToDoKind::DecideNominations, w.count, links);
    }
    if may(Action::Commend) {
        let w = store
            .todo()
            .nominations_at(campaign_id, &p.scopes, &[Stage::Approved.as_str()])
            .await?;
        let links = nomination_links(store, &w).await?;
        push(&mut out, ToDoKind::PutOnNotice, w.count, links);
    }
    if may(Action::HandleObjections) {
        let w = store.todo().objections_open(campaign_id, &p.scopes).await?;
        let mut links = Vec::new();
        for id in &w.first {
            if let Some(n) = store.selection().notice(*id).await? {
                links.push(Link {
                    place: Place::Notice { id: n.id },
                    label: n.title,
                });
            }
        }
        push(&mut out, ToDoKind::HandleObjections, w.count, links);
    }

    if may(Action::ClosePeriods)
        && crate::scope::city_wide(store, p, Action::ClosePeriods)
            .await
            .is_ok()
    {
        let closed = store.scores().closures(campaign_id).await?;
        let links: Vec<Link> = campaign
            .periods()
            .into_iter()
            .filter(|period| period.ends_on < today)
            .filter(|period| !closed.iter().any(|c| c.period == period.code))
            .map(|period| Link {
                place: Place::Scores,
                label: period.name,
            })
            .collect();
        push_links(&mut out, ToDoKind::ClosePeriods, links);
    }

    if may(Action::WriteMembers) {
        let mut links = Vec::new();
        for t in crate::members::transfers(store, p).await? {
            if t.state != xianfeng_domain::member_changes::TransferState::Waiting {
                continue;
            }
            if crate::members::keeps_side(p, &t.to_path) {
                links.push(Link {
                    place: Place::Transfers,
                    label: t.member_name,
                });
            }
        }
        push_links(&mut out, ToDoKind::ReceiveTransfers, links);
        let duplicates = crate::members::duplicates(store, p).await?;
        let links = duplicates
            .into_iter()
            .map(|d| Link {
                place: Place::Transfers,
                label: d.member.name,
            })
            .collect();
        push_links(&mut out, ToDoKind::SettleDuplicates, links);
    }

    if may(Action::WriteBulletins) {
        let drafts = crate::bulletins::list(store, actor.into()).await?;
        let links = drafts
            .into_iter()
            .filter(|b| b.status == xianfeng_domain::bulletin::BulletinStatus::Draft)
            .map(|b| Link {
                place: Place::Bulletin {
                    id: b.id,
                    received: false,
                },
                label: b.title,
            })
            .collect();
        push_links(&mut out, ToDoKind::FinishBulletins, links);
    }
    let ids: Vec<i64> = roots.iter().map(|o| o.id).collect();
    let since = today.checked_sub_days(Days::new(30)).unwrap_or(today);
    let received: Vec<Link> = store
        .bulletins()
        .addressed_to(&ids, 20)
        .await?
        .into_iter()
        .filter(|b| b.dated_on.is_some_and(|d| d >= since))
        .map(|b| Link {
            place: Place::Bulletin {
                id: b.id,
                received: true,
            },
            label: b.title,
        })
        .collect();
    if !received.is_empty() {
        push_links(&mut out, ToDoKind::BulletinsReceived, received);
    }
    Ok(out)
}

/// The organisations the account is assigned to (its scope's tops).
async fn own_organisations(
    store: &Store,
    p: &xianfeng_domain::policy::Principal,
) -> Result<Vec<xianfeng_storage::OrgRecord>, AppError> {
    let mut out = Vec::new();
    for path in &p.scopes {
        if let Some(id) = path.ids().last()
            && let Some(o) = store.registry().org_by_id(*id).await?
        {
            out.push(o);
        }
    }
    Ok(out)
}

/// The commitment the account writes — a member's own, or else its organisations' — when
/// it is missing, unfinished, or has items due.
async fn own_commitments(
    store: &Store,
    actor: &Actor<'_>,
    campaign_id: i64,
    roots: &[xianfeng_storage::OrgRecord],
    today: NaiveDate,
    out: &mut Vec<ToDo>,
) -> Result<(), AppError> {
    let p = actor.principal;
    // (kind, subject id, name, organisation kept in)
    let mut subjects: Vec<(SubjectKind, i64, String, i64)> = Vec::new();
    if p.role == Role::Member {
        if let Some(m) = p.member_id
            && let Some(rec) = store.registry().member(m).await?
        {
            subjects.push((SubjectKind::Member, m, rec.name, rec.org_id));
        }
    } else {
        for o in roots {
            subjects.push((SubjectKind::Organisation, o.id, o.name.clone(), o.id));
        }
    }
    let mut to_write = Vec::new();
    let mut to_finish = Vec::new();
    let mut overdue = (0, Vec::new());
    let mut due_soon = (0, Vec::new());
    let soon = today
        .checked_add_days(Days::new(DUE_SOON_DAYS))
        .unwrap_or(today);
    for (kind, id, name, org_id) in subjects {
        let kept = store
            .commitments()
            .commitments_in(&[org_id], &Status::ALL)
            .await?;
        let mine: Vec<&CommitmentRecord> = kept
            .iter()
            .filter(|c| {
                c.campaign_id == campaign_id && c.subject_kind == kind && c.subject_id == id
            })
            .collect();
        if mine.is_empty() {
            to_write.push(Link {
                place: Place::NewCommitment {
                    kind,
                    subject_id: id,
                },
                label: name,
            });
            continue;
        }
        for c in mine {
            match c.status {
                Status::Draft | Status::Returned => to_finish.push(Link {
                    place: Place::Commitment { id: c.id },
                    label: c.title.clone(),
                }),
                Status::Published => {
                    let open = c.items.iter().filter(|i| i.outcome == Outcome::Open);
                    let late = open.clone().filter(|i| i.due_on < today).count() as i64;
                    let near = open
                        .filter(|i| i.due_on >= today && i.due_on <= soon)
                        .count() as i64;
                    let link = Link {
                        place: Place::Commitment { id: c.id },
                        label: c.title.clone(),
                    };
                    if late > 0 {
                        overdue.0 += late;
                        overdue.1.push(link.clone());
                    }
                    if near > 0 {
                        due_soon.0 += near;
                        due_soon.1.push(link);
                    }
                }
                _ => {}
            }
        }
    }
    push_links(out, ToDoKind::WriteCommitment, to_write);
    push_links(out, ToDoKind::FinishCommitment, to_finish);
    push(out, ToDoKind::ItemsOverdue, overdue.0, overdue.1);
    push(out, ToDoKind::ItemsDueSoon, due_soon.0, due_soon.1);
    Ok(())
}

async fn commitment_links(store: &Store, w: &Waiting) -> Result<Vec<Link>, AppError> {
    let mut links = Vec::new();
    for id in &w.first {
        if let Some(c) = store.commitments().commitment(*id).await? {
            let who = subject(store, c.subject_kind, c.subject_id)
                .await
                .map(|s| s.name)
                .unwrap_or_default();
            links.push(Link {
                place: Place::Commitment { id: c.id },
                label: if who.is_empty() {
                    c.title
                } else {
                    format!("{who} · {}", c.title)
                },
            });
        }
    }
    Ok(links)
}

async fn nomination_links(store: &Store, w: &Waiting) -> Result<Vec<Link>, AppError> {
    let mut links = Vec::new();
    for id in &w.first {
        if let Some(n) = store.selection().nomination(*id).await? {
            let who = subject(store, n.subject_kind, n.subject_id)
                .await
                .map(|s| s.name)
                .unwrap_or_default();
            links.push(Link {
                place: Place::Nomination { id: n.id },
                label: who,
            });
        }
    }
    Ok(links)
}

fn push(out: &mut Vec<ToDo>, kind: ToDoKind, count: i64, mut links: Vec<Link>) {
    if count > 0 {
        links.truncate(xianfeng_storage::TODO_FIRST);
        out.push(ToDo { kind, count, links });
    }
}

fn push_links(out: &mut Vec<ToDo>, kind: ToDoKind, links: Vec<Link>) {
    push(out, kind, links.len() as i64, links);
}
