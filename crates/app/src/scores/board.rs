//! The boards: a period's scores and inputs as flat arrays per subject kind, and the
//! organisation tree they are placed in.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use xianfeng_domain::campaign::Period;
use xianfeng_domain::scoring::{Explanation, Norms, Profile, Scored, Sheet};
use xianfeng_domain::subject::SubjectKind;
use xianfeng_storage::{Closure, ScoredOrg};

/// The organisation tree in path order: a subtree is one range of positions.
#[derive(Debug, Default)]
pub struct Tree {
    pub orgs: Vec<ScoredOrg>,
    pos: HashMap<i64, u32>,
    by_code: HashMap<String, u32>,
    /// The subtree of `orgs[i]` is `i..end[i]`.
    end: Vec<u32>,
}

impl Tree {
    pub fn new(orgs: Vec<ScoredOrg>) -> Tree {
        let n = orgs.len();
        let mut end = vec![n as u32; n];
        let mut open: Vec<usize> = vec![];
        for (i, o) in orgs.iter().enumerate() {
            while let Some(&top) = open.last() {
                if o.path.starts_with(&orgs[top].path) {
                    break;
                }
                end[top] = i as u32;
                open.pop();
            }
            open.push(i);
        }
        Tree {
            pos: orgs
                .iter()
                .enumerate()
                .map(|(i, o)| (o.id, i as u32))
                .collect(),
            by_code: orgs
                .iter()
                .enumerate()
                .map(|(i, o)| (o.code.clone(), i as u32))
                .collect(),
            end,
            orgs,
        }
    }

    pub fn position(&self, org_id: i64) -> Option<u32> {
        self.pos.get(&org_id).copied()
    }

    pub fn by_code(&self, code: &str) -> Option<u32> {
        self.by_code.get(code).copied()
    }

    /// Positions of the subtree rooted at position `at`.
    pub fn subtree(&self, at: u32) -> Range<u32> {
        at..self.end[at as usize]
    }

    /// The direct children of the organisation at `at`, in path order.
    pub fn children(&self, at: u32) -> Vec<u32> {
        let id = self.orgs[at as usize].id;
        self.subtree(at)
            .skip(1)
            .filter(|i| self.orgs[*i as usize].parent_id == Some(id))
            .collect()
    }
}

/// Where a subject is not in the tree any more (a closed period's subject since removed).
pub(super) const NOWHERE: u32 = u32::MAX;

/// One subject kind's scores in a period.
#[derive(Debug, Default)]
pub struct KindBoard {
    pub kind: Option<SubjectKind>,
    /// Subject ids in ascending order; a subject's slot is its position here.
    pub ids: Vec<i64>,
    /// Per slot: the tree position of its organisation.
    pub org: Vec<u32>,
    /// Peer groups: (category, level).
    pub groups: Vec<(Option<String>, String)>,
    /// Criterion codes of the kind's standard, in its order.
    pub criteria: Vec<String>,
    /// Indicator codes of the kind, in the campaign file's order.
    pub indicators: Vec<String>,
    pub profiles: Vec<Profile>,
    pub sheet: Sheet,
    pub norms: Norms,
    pub scored: Scored,
    /// Per slot: ballots cast about the subject in the period's rounds, and its commitment
    /// items kept; for the participation figures of a scope.
    pub ballots: Vec<u32>,
    pub kept: Vec<u32>,
    /// Per slot: items due in the period and of those open past due, tenths of an hour of
    /// study and service, reviews; for a bulletin's totals.
    pub due: Vec<u32>,
    pub overdue: Vec<u32>,
    pub hours: Vec<u32>,
    pub reviews: Vec<u32>,
    /// Slot by id, `id - first id`, when ids are dense enough for a table (they are
    /// numbered from 1 by the application); a search in `ids` otherwise.
    pub(super) by_id: Vec<u32>,
}

impl KindBoard {
    pub fn slot(&self, id: i64) -> Option<usize> {
        if !self.by_id.is_empty() {
            let first = *self.ids.first()?;
            let at = usize::try_from(id.checked_sub(first)?).ok()?;
            return self
                .by_id
                .get(at)
                .filter(|s| **s != u32::MAX)
                .map(|s| *s as usize);
        }
        self.ids.binary_search(&id).ok()
    }

    /// Builds the slot table when ids span at most four times their number.
    pub(super) fn index_ids(&mut self) {
        let (Some(first), Some(last)) = (self.ids.first(), self.ids.last()) else {
            return;
        };
        let span = (last - first) as usize + 1;
        if span > 4 * self.ids.len() + 1024 {
            return;
        }
        let mut by_id = vec![u32::MAX; span];
        for (slot, id) in self.ids.iter().enumerate() {
            by_id[(id - first) as usize] = slot as u32;
        }
        self.by_id = by_id;
    }

    pub fn group_of(&self, slot: usize) -> &(Option<String>, String) {
        &self.groups[self.sheet.peer[slot] as usize]
    }

    pub fn explain(&self, slot: usize) -> Explanation {
        self.sheet.explain(&self.norms, &self.profiles, slot)
    }
}

/// Every subject's scores in one period.
#[derive(Debug)]
pub struct PeriodBoard {
    /// The campaign whose period it is.
    pub campaign_id: i64,
    pub period: Period,
    pub closed: Option<Closure>,
    pub tree: Arc<Tree>,
    /// In [`SubjectKind::ALL`] order.
    pub kinds: Vec<KindBoard>,
    /// The audit head when the inputs were read: a later head means something changed.
    pub audit_head: i64,
    /// Moves each time subjects are rescored in place, so that rankings made from the
    /// board can be kept until it changes.
    pub version: u64,
    /// Unique to this board in the process (a recomputed board gets a new one).
    pub id: u64,
}

/// Numbers boards as they are made.
pub(super) static BOARDS_MADE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl PeriodBoard {
    pub fn kind(&self, kind: SubjectKind) -> &KindBoard {
        &self.kinds[kind_index(kind)]
    }

    pub fn subjects(&self) -> usize {
        self.kinds.iter().map(|k| k.ids.len()).sum()
    }
}

pub(super) fn kind_index(kind: SubjectKind) -> usize {
    SubjectKind::ALL
        .iter()
        .position(|k| *k == kind)
        .expect("every kind is in ALL")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board(ids: Vec<i64>) -> KindBoard {
        let mut b = KindBoard {
            ids,
            ..Default::default()
        };
        b.index_ids();
        b
    }

    #[test]
    fn a_subject_is_found_by_table_when_ids_are_dense_and_by_search_when_not() {
        let dense = board((10..20).chain(22..30).collect());
        assert!(!dense.by_id.is_empty());
        assert_eq!(dense.slot(10), Some(0));
        assert_eq!(dense.slot(22), Some(10));
        assert_eq!(dense.slot(20), None, "a gap");
        assert_eq!(
            (dense.slot(9), dense.slot(30), dense.slot(i64::MIN)),
            (None, None, None)
        );
        let sparse = board(vec![1, 5, 1_000_000_000]);
        assert!(sparse.by_id.is_empty());
        assert_eq!(sparse.slot(1_000_000_000), Some(2));
        assert_eq!(sparse.slot(6), None);
        assert_eq!(board(vec![]).slot(1), None);
    }
}
