//! The work waiting for the account (待办), as its home shows it: each kind named in the
//! reader's language, with its count and the first few places where it is done.

use xianfeng_app::todo::{Place, ToDo, ToDoKind};
use xianfeng_domain::i18n::t;

use crate::kernel::text::Text;

/// One kind of work as the home shows it.
pub struct ToDoView {
    /// What it is, with its count: "3 份承诺等待审核".
    pub heading: String,
    /// (href, label) of the first few.
    pub links: Vec<(String, String)>,
    /// Where all of them are listed, when the first few are not all.
    pub all: Option<String>,
}

fn key(kind: ToDoKind) -> &'static str {
    match kind {
        ToDoKind::WritePlan => "todo.write_plan",
        ToDoKind::ApprovePlans => "todo.approve_plans",
        ToDoKind::WriteCommitment => "todo.write_commitment",
        ToDoKind::FinishCommitment => "todo.finish_commitment",
        ToDoKind::ApproveCommitments => "todo.approve_commitments",
        ToDoKind::ItemsOverdue => "todo.items_overdue",
        ToDoKind::ItemsDueSoon => "todo.items_due_soon",
        ToDoKind::WriteReviews => "todo.write_reviews",
        ToDoKind::RoundsOpen => "todo.rounds_open",
        ToDoKind::DecideNominations => "todo.decide_nominations",
        ToDoKind::PutOnNotice => "todo.put_on_notice",
        ToDoKind::HandleObjections => "todo.handle_objections",
        ToDoKind::ClosePeriods => "todo.close_periods",
        ToDoKind::ReceiveTransfers => "todo.receive_transfers",
        ToDoKind::SettleDuplicates => "todo.settle_duplicates",
        ToDoKind::FinishBulletins => "todo.finish_bulletins",
        ToDoKind::BulletinsReceived => "todo.bulletins_received",
    }
}

pub fn href(place: &Place) -> String {
    match place {
        Place::Setup { org_code } => format!("/o/{org_code}/setup"),
        Place::Plans { org_code } => format!("/o/{org_code}/plans"),
        Place::NewCommitment { kind, subject_id } => {
            format!("/c/new?kind={}&subject={subject_id}", kind.as_str())
        }
        Place::Commitment { id } => format!("/c/{id}"),
        Place::Reviews => "/reviews".into(),
        Place::Round { id } => format!("/eval/{id}"),
        Place::Nomination { id } => format!("/selection/{id}"),
        Place::Notice { id } => format!("/selection/notices/{id}"),
        Place::Scores => "/scores".into(),
        Place::Transfers => "/transfers".into(),
        Place::Bulletin { id, received } => {
            if *received {
                format!("/bulletins/received/{id}")
            } else {
                format!("/bulletins/{id}")
            }
        }
    }
}

/// Where the whole list of a kind is, for when more wait than the home shows.
fn list_of(kind: ToDoKind) -> Option<&'static str> {
    match kind {
        ToDoKind::DecideNominations => Some("/selection"),
        ToDoKind::PutOnNotice => Some("/selection/notices"),
        ToDoKind::HandleObjections => Some("/selection/notices"),
        ToDoKind::RoundsOpen => Some("/eval"),
        ToDoKind::WriteReviews => Some("/reviews"),
        ToDoKind::ReceiveTransfers | ToDoKind::SettleDuplicates => Some("/transfers"),
        ToDoKind::FinishBulletins => Some("/bulletins"),
        _ => None,
    }
}

pub fn views(tx: &Text, todo: &[ToDo]) -> Vec<ToDoView> {
    todo.iter()
        .map(|w| ToDoView {
            heading: t(tx.lang, key(w.kind), &[("count", &w.count)]),
            links: w
                .links
                .iter()
                .map(|l| {
                    // Periods are named by the campaign file; other labels are names.
                    let label = match l.place {
                        Place::Scores => tx.term(&l.label),
                        _ => l.label.clone(),
                    };
                    (href(&l.place), label)
                })
                .collect(),
            all: list_of(w.kind)
                .filter(|_| w.count > w.links.len() as i64)
                .map(str::to_string),
        })
        .collect()
}
