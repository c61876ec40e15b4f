//! What waits for someone's hand (待办): counts of the records that wait for a decision by
//! given organisations (an account's own), with the first few to link to. Which accounts
//! see which counts is the application's business; this module only counts.

use chrono::NaiveDate;
use xianfeng_domain::org::TreePath;

use crate::Result;
use crate::ToDo;
use crate::row::Row;

/// How many records wait, and the ids of the oldest few (to link to).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Waiting {
    pub count: i64,
    pub first: Vec<i64>,
}

impl Waiting {
    fn add(&mut self, other: Waiting, keep: usize) {
        self.count += other.count;
        for id in other.first {
            if self.first.len() < keep && !self.first.contains(&id) {
                self.first.push(id);
            }
        }
    }
}

/// How many ids a [`Waiting`] keeps.
pub const FIRST: usize = 5;

/// What a query's `$4` stands for.
#[derive(Clone, Copy)]
enum Fourth {
    /// The root's own path (a superior decides for those below it, not for itself).
    RootPath,
    Day(NaiveDate),
}

impl ToDo<'_> {
    /// Counts what `from_where` selects for each root, and sums. In `from_where`, `$1` is
    /// the campaign, `$2` and `$3` the bounds of the root's subtree, and `$4` what
    /// `fourth` says.
    async fn waiting(
        self,
        from_where: &str,
        id_column: &str,
        order: &str,
        campaign_id: i64,
        roots: &[TreePath],
        fourth: Fourth,
    ) -> Result<Waiting> {
        let mut total = Waiting::default();
        for root in roots {
            let (lo, hi) = root.subtree_range();
            let fourth = match fourth {
                Fourth::RootPath => root.as_str().to_string(),
                Fourth::Day(d) => d.to_string(),
            };
            let count = sqlx::query_as::<_, (i64,)>(dynsql!("SELECT COUNT(*) {from_where}"))
                .bind(campaign_id)
                .bind(lo.clone())
                .bind(hi.clone());
            let count = count
                .bind(fourth.clone())
                .fetch_one(self.store.reader())
                .await?;
            if count.0 == 0 {
                continue;
            }
            let rows = sqlx::query(dynsql!(
                "SELECT {id_column} AS id {from_where} ORDER BY {order} LIMIT {FIRST}"
            ))
            .bind(campaign_id)
            .bind(lo)
            .bind(hi)
            .bind(fourth)
            .fetch_all(self.store.reader())
            .await?;
            let first = rows
                .iter()
                .map(|r| Row::of(r, "todo").get::<i64>("id"))
                .collect::<Result<Vec<_>>>()?;
            total.add(
                Waiting {
                    count: count.0,
                    first,
                },
                FIRST,
            );
        }
        Ok(total)
    }

    /// Commitments submitted for approval to one of the roots themselves: a member's by
    /// her branch, the others' by the organisation above their own (the top of the tree
    /// approves its own). What waits at the levels below is theirs to do, not the roots'.
    pub async fn commitments_to_approve(
        self,
        campaign_id: i64,
        roots: &[TreePath],
    ) -> Result<Waiting> {
        self.waiting(
            "FROM commitments c JOIN organisations o ON o.id = c.org_id \
             LEFT JOIN organisations up ON up.id = o.parent_id \
             WHERE c.campaign_id = $1 AND c.status = 'submitted' \
             AND o.path >= $2 AND o.path < $3 \
             AND ((c.subject_kind = 'member' AND o.path = $4) \
               OR (c.subject_kind <> 'member' AND up.path = $4) \
               OR (c.subject_kind <> 'member' AND o.parent_id IS NULL AND o.path = $4))",
            "c.id",
            "c.updated_at, c.id",
            campaign_id,
            roots,
            Fourth::RootPath,
        )
        .await
    }

    /// Plans (实施方案) submitted for approval to one of the roots: those of the
    /// organisations directly below it (and the top of the tree's own).
    pub async fn plans_to_approve(self, campaign_id: i64, roots: &[TreePath]) -> Result<Waiting> {
        self.waiting(
            "FROM plans p JOIN organisations o ON o.id = p.org_id \
             LEFT JOIN organisations up ON up.id = o.parent_id \
             WHERE p.campaign_id = $1 AND p.status = 'submitted' \
             AND o.path >= $2 AND o.path < $3 \
             AND (up.path = $4 OR (o.parent_id IS NULL AND o.path = $4))",
            "o.id",
            "p.submitted_at, o.id",
            campaign_id,
            roots,
            Fourth::RootPath,
        )
        .await
    }

    /// Nominations in one of `stages` that one of the roots decides.
    pub async fn nominations_at(
        self,
        campaign_id: i64,
        roots: &[TreePath],
        stages: &[&str],
    ) -> Result<Waiting> {
        // Stage names are the domain's constants, never input.
        let list = stages
            .iter()
            .map(|s| format!("'{}'", s.replace('\'', "")))
            .collect::<Vec<_>>()
            .join(", ");
        self.waiting(
            &format!(
                "FROM nominations n JOIN organisations o ON o.id = n.decided_by_org \
                 WHERE n.campaign_id = $1 AND n.stage IN ({list}) \
                 AND o.path >= $2 AND o.path < $3 AND o.path = $4"
            ),
            "n.id",
            "n.updated_at, n.id",
            campaign_id,
            roots,
            Fourth::RootPath,
        )
        .await
    }

    /// Objections to candidates on notice with no finding yet, whose nomination one of
    /// the roots decides; the ids are the notices'.
    pub async fn objections_open(self, campaign_id: i64, roots: &[TreePath]) -> Result<Waiting> {
        self.waiting(
            "FROM objections j JOIN nominations n ON n.id = j.nomination_id \
             JOIN organisations o ON o.id = n.decided_by_org \
             WHERE n.campaign_id = $1 AND j.finding IS NULL \
             AND o.path >= $2 AND o.path < $3 AND o.path = $4",
            "j.notice_id",
            "j.submitted_at, j.id",
            campaign_id,
            roots,
            Fourth::RootPath,
        )
        .await
    }

    /// Evaluation rounds held in the subtrees that are open on `day`.
    pub async fn rounds_open(
        self,
        campaign_id: i64,
        roots: &[TreePath],
        day: NaiveDate,
    ) -> Result<Waiting> {
        self.waiting(
            "FROM eval_rounds r JOIN organisations o ON o.id = r.scope_org_id \
             WHERE r.campaign_id = $1 AND o.path >= $2 AND o.path < $3 \
             AND r.starts_on <= $4 AND r.ends_on >= $4",
            "r.id",
            "r.ends_on, r.id",
            campaign_id,
            roots,
            Fourth::Day(day),
        )
        .await
    }
}
