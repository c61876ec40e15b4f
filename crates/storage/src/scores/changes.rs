//! Score changes (积分变动): what a write changed of the scores, stored by the writing
//! transaction (migration 0027), so that every server of a cluster rescores the same
//! subjects within a second or two instead of each recomputing its boards every minute.
//!
//! A change is stored with its transaction's key and position 0; the sealer that puts the
//! transaction's audit entries into the chain gives it the chain's end as its position
//! (`sealer`). Sealers take turns on the chain's head, so positions grow in the order they
//! become visible: a reader that saw position `p` has seen every change at or below it, and
//! asks only for those above. Changes not positioned yet are not read.

use std::collections::BTreeSet;

use sqlx::AssertSqlSafe;
use xianfeng_domain::subject::SubjectKind;

use crate::{Dialect, Result, WriteTx, now_ms};

/// One change of the scores, as every server reads it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScoreChange {
    /// The inputs of one subject's score changed in a campaign: rescore it.
    Subject {
        campaign_id: i64,
        kind: SubjectKind,
        id: i64,
    },
    /// A period of the campaign was closed: its board is now its snapshot.
    PeriodClosed { campaign_id: i64 },
    /// The tree, a campaign file or another input of every board changed: recompute.
    Everything,
}

/// The stored kinds of the two changes that name no subject.
const PERIOD: &str = "period";
const EVERYTHING: &str = "everything";

/// Audit actions (by prefix) whose writes change no input of a board, or name the subjects
/// they change themselves (reviews, commitments, ballots, self-assessments). Any other
/// write asks every server for a full recomputation: a new kind of write is safe before it
/// is listed here, only slower. Study and service records are not listed: hours are
/// normalised among peers (and an organisation's are its members'), so they change more
/// than their subject's score.
const NO_BOARD_INPUT: &[&str] = &[
    "attachment.",
    "audit.",
    "bulletin.",
    "commitment.",
    "delegation.",
    "eval.",
    "lecture.",
    "meeting.",
    "model.",
    "nomination.",
    "notice.",
    "objection.",
    "period.close",
    "plan.",
    "practice.",
    "review.",
    "rule.",
    "scores.recount",
    "self_assessment.",
    "service_post.",
    "transfer.start",
    "user.",
    "inspection.plan_",
    "inspection.inspector",
    "inspection.visit",
    "inspection.submit",
];

fn changes_no_board_input(action: &str) -> bool {
    NO_BOARD_INPUT.iter().any(|p| action.starts_with(p))
}

/// What a transaction changed of the scores so far, stored at its commit.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    subjects: BTreeSet<(i64, String, i64)>,
    /// Ballots counted, by (round, subject): the round tells the campaign and the kind.
    ballots: BTreeSet<(i64, i64)>,
    periods: BTreeSet<i64>,
    everything: bool,
}

impl Pending {
    pub(crate) fn subject(&mut self, campaign_id: i64, kind: &str, id: i64) {
        self.subjects.insert((campaign_id, kind.to_string(), id));
    }

    pub(crate) fn ballots(&mut self, round_subjects: impl IntoIterator<Item = (i64, i64)>) {
        self.ballots.extend(round_subjects);
    }

    pub(crate) fn period_closed(&mut self, campaign_id: i64) {
        self.periods.insert(campaign_id);
    }

    /// Notes an audited action: one not known to leave the boards alone changes them all.
    pub(crate) fn action(&mut self, action: &str) {
        if !changes_no_board_input(action) {
            self.everything = true;
        }
    }

    fn is_empty(&self) -> bool {
        self.subjects.is_empty()
            && self.ballots.is_empty()
            && self.periods.is_empty()
            && !self.everything
    }
}

/// Rows of (position, campaign, kind, subject, at) per statement.
const CHUNK: usize = 200;

impl WriteTx {
    /// Notes that a subject's score changed in this transaction without its score facts
    /// changing (a self-assessment).
    pub(crate) fn score_changed(&mut self, campaign_id: i64, kind: &str, subject_id: i64) {
        self.score_changes.subject(campaign_id, kind, subject_id);
    }

    /// Stores what this transaction changed of the scores; called by commit. The changes
    /// are keyed by the transaction and get their position when its audit entries are
    /// sealed (`sealer`), which orders them as they became visible.
    pub(crate) async fn store_score_changes(&mut self) -> Result<()> {
        let pending = std::mem::take(&mut self.score_changes);
        if pending.is_empty() {
            return Ok(());
        }
        let at = now_ms();
        let mut rows: Vec<(i64, String, i64)> = pending.subjects.into_iter().collect();
        rows.extend(
            pending
                .periods
                .into_iter()
                .map(|c| (c, PERIOD.to_string(), 0)),
        );
        if pending.everything {
            rows.push((0, EVERYTHING.to_string(), 0));
        }
        for chunk in rows.chunks(CHUNK) {
            let sql = format!(
                "INSERT INTO score_changes (tx_key, position, campaign_id, subject_kind, \
                 subject_id, at_ms) VALUES {} ON CONFLICT DO NOTHING",
                crate::values_list(self.dialect, chunk.len(), 6)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (campaign, kind, id) in chunk {
                q = q
                    .bind(self.key.clone())
                    .bind(0i64)
                    .bind(*campaign)
                    .bind(kind.clone())
                    .bind(*id)
                    .bind(at);
            }
            q.execute(&mut *self.tx).await?;
        }
        let ballots: Vec<(i64, i64)> = pending.ballots.into_iter().collect();
        for chunk in ballots.chunks(CHUNK) {
            let sql = ballot_changes(self.dialect, chunk.len());
            let mut q = sqlx::query(AssertSqlSafe(sql))
                .bind(self.key.clone())
                .bind(0i64)
                .bind(at);
            for (round, subject) in chunk {
                q = q.bind(*round).bind(*subject);
            }
            q.execute(&mut *self.tx).await?;
        }
        Ok(())
    }
}

/// The changes of ballots counted for `rows` (round, subject) pairs, bound after the
/// transaction's key, the position (0: given when sealed) and the time: the round tells
/// the campaign and the kind.
pub(crate) fn ballot_changes(dialect: Dialect, rows: usize) -> String {
    // Numbered in order of appearance, which is also the order of binding (SQLite's `?`).
    let param = |n: usize| match dialect {
        Dialect::Sqlite => "?".to_string(),
        Dialect::Postgres => format!("${n}"),
    };
    let table: String = (0..rows)
        .map(|i| {
            let (r, s) = (param(4 + 2 * i), param(5 + 2 * i));
            if i == 0 {
                format!("SELECT {r} AS r, {s} AS s")
            } else {
                format!(" UNION ALL SELECT {r}, {s}")
            }
        })
        .collect();
    format!(
        "INSERT INTO score_changes (tx_key, position, campaign_id, subject_kind, subject_id, \
         at_ms) SELECT {}, {}, e.campaign_id, e.subject_kind, v.s, {} FROM ({table}) AS v \
         JOIN eval_rounds e ON e.id = v.r WHERE 1 = 1 ON CONFLICT DO NOTHING",
        param(1),
        param(2),
        param(3)
    )
}

impl crate::Scores<'_> {
    /// The position of the last change stored (0: none yet): a server that computes its
    /// boards after reading it needs only the changes above it.
    pub async fn last_change(self) -> Result<i64> {
        let last: Option<i64> = sqlx::query_scalar("SELECT MAX(position) FROM score_changes")
            .fetch_one(&self.store.write)
            .await?;
        Ok(last.unwrap_or(0))
    }

    /// The changes stored above `position`, up to `limit` positions' worth, in order, with
    /// the last position read (`position` itself when there are none).
    pub async fn changes_since(self, position: i64, limit: i64) -> Result<(Vec<ScoreChange>, i64)> {
        // Whole positions only, so that the next read starts after the last one read.
        let rows: Vec<(i64, i64, String, i64)> = sqlx::query_as(
            "SELECT position, campaign_id, subject_kind, subject_id FROM score_changes \
             WHERE position > $1 AND position <= (SELECT MAX(p) FROM \
             (SELECT position AS p FROM score_changes WHERE position > $1 \
             ORDER BY position LIMIT $2) AS firsts) ORDER BY position",
        )
        .bind(position)
        .bind(limit)
        .fetch_all(&self.store.write)
        .await?;
        let last = rows.last().map(|r| r.0).unwrap_or(position);
        let changes = rows
            .into_iter()
            .filter_map(|(_, campaign_id, kind, id)| match kind.as_str() {
                PERIOD => Some(ScoreChange::PeriodClosed { campaign_id }),
                EVERYTHING => Some(ScoreChange::Everything),
                other => Some(ScoreChange::Subject {
                    campaign_id,
                    kind: SubjectKind::parse(other)?,
                    id,
                }),
            })
            .collect();
        Ok((changes, last))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_that_feed_no_board_are_told_apart_from_those_that_do() {
        for quiet in [
            "bulletin.issue",
            "review.write",
            "eval.ballots",
            "commitment.publish",
        ] {
            assert!(changes_no_board_input(quiet), "{quiet}");
        }
        for loud in ["org.move", "member.create", "campaign.edit", "study.create"] {
            assert!(!changes_no_board_input(loud), "{loud}");
        }
    }

    #[test]
    fn ballot_changes_number_the_pairs_after_key_position_and_time() {
        let sql = ballot_changes(Dialect::Postgres, 2);
        assert!(
            sql.contains("SELECT $4 AS r, $5 AS s UNION ALL SELECT $6, $7"),
            "{sql}"
        );
        let sql = ballot_changes(Dialect::Sqlite, 1);
        assert!(sql.contains("SELECT ?, ?, e.campaign_id"), "{sql}");
        assert!(sql.contains("(SELECT ? AS r, ? AS s) AS v"), "{sql}");
    }
}
