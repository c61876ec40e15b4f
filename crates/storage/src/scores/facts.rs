//! Score facts (计分数据汇总): the per-subject, per-period counts kept in `score_facts`
//! (migration 0009), the campaign periods that place a dated row in its period, and the
//! recount that rebuilds them from the counted tables.
//!
//! The write path keeps them, in the writing transaction (no triggers: the distributed
//! engines have none, docs/CLUSTER.md). Ballot counts only grow, so a batch adds its counts
//! ([`tally_facts`]); every other write — a review, a commitment's items or status, a
//! record — names the subjects it changed ([`WriteTx::facts_changed`]), and at commit
//! their facts are recounted from the tables, with the recount's own statements narrowed to
//! them. A test holds the kept facts and a full recount together after every kind of write.

use sqlx::{Any, AssertSqlSafe, Transaction};

use xianfeng_domain::campaign::{Campaign, Period};

use crate::{Result, Store, WriteTx};

/// Counted commitments: published, or evaluated at the end.
const COUNTED: &str = "('published', 'evaluated')";

/// The columns every recount statement adds to on conflict.
fn add_on_conflict(columns: &[&str]) -> String {
    let sets: Vec<String> = columns
        .iter()
        .map(|c| format!("{c} = score_facts.{c} + excluded.{c}"))
        .collect();
    format!(
        " ON CONFLICT (campaign_id, period, subject_kind, subject_id) DO UPDATE SET {}",
        sets.join(", ")
    )
}

/// Recounts a campaign's score facts from reviews, ballot counts, commitment items and
/// study and service records. Runs in the caller's transaction.
pub(crate) async fn rebuild(tx: &mut Transaction<'static, Any>, campaign_id: i64) -> Result<()> {
    recount(tx, campaign_id, None).await
}

/// Subjects of one kind, for a recount narrowed to them.
struct Subjects<'a> {
    kind: &'a str,
    ids: &'a [i64],
}

/// The recount of a campaign, or of some of its subjects of one kind.
async fn recount(
    tx: &mut Transaction<'static, Any>,
    campaign_id: i64,
    only: Option<Subjects<'_>>,
) -> Result<()> {
    // The ids are numbers written into the text: no parameter limit to mind.
    let list = only.as_ref().map(|o| {
        o.ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    });
    let narrow = |kind_col: &str, id_col: &str| match (&only, &list) {
        (Some(o), Some(l)) => format!(" AND {kind_col} = '{}' AND {id_col} IN ({l})", o.kind),
        _ => String::new(),
    };
    let period_of = |day: &str| {
        format!(
            "JOIN campaign_periods p ON p.campaign_id = $1 \
             AND p.starts_on <= {day} AND {day} <= p.ends_on"
        )
    };
    let statements = [
        format!(
            "DELETE FROM score_facts WHERE campaign_id = $1{}",
            narrow("subject_kind", "subject_id")
        ),
        format!(
            "INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id, \
             review_points, reviews) \
             SELECT campaign_id, period, subject_kind, subject_id, SUM(points), COUNT(*) \
             FROM reviews WHERE campaign_id = $1{} \
             GROUP BY campaign_id, period, subject_kind, subject_id{}",
            narrow("subject_kind", "subject_id"),
            add_on_conflict(&["review_points", "reviews"])
        ),
        format!(
            "INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id, \
             satisfied, basically_satisfied, dissatisfied) \
             SELECT r.campaign_id, p.code, r.subject_kind, t.subject_id, \
             SUM(CASE WHEN t.verdict = 'satisfied' THEN t.n ELSE 0 END), \
             SUM(CASE WHEN t.verdict = 'basically_satisfied' THEN t.n ELSE 0 END), \
             SUM(CASE WHEN t.verdict = 'dissatisfied' THEN t.n ELSE 0 END) \
             FROM eval_tallies t JOIN eval_rounds r ON r.id = t.round_id {} \
             WHERE r.campaign_id = $1{} \
             GROUP BY r.campaign_id, p.code, r.subject_kind, t.subject_id{}",
            period_of("r.ends_on"),
            narrow("r.subject_kind", "t.subject_id"),
            add_on_conflict(&["satisfied", "basically_satisfied", "dissatisfied"])
        ),
        format!(
            "INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id, \
             items, items_kept, items_closed) \
             SELECT c.campaign_id, p.code, c.subject_kind, c.subject_id, COUNT(*), \
             SUM(CASE WHEN i.outcome = 'kept' THEN 1 ELSE 0 END), \
             SUM(CASE WHEN i.outcome <> 'open' THEN 1 ELSE 0 END) \
             FROM commitment_items i JOIN commitments c ON c.id = i.commitment_id {} \
             WHERE c.campaign_id = $1 AND c.status IN {COUNTED}{} \
             GROUP BY c.campaign_id, p.code, c.subject_kind, c.subject_id{}",
            period_of("i.due_on"),
            narrow("c.subject_kind", "c.subject_id"),
            add_on_conflict(&["items", "items_kept", "items_closed"])
        ),
    ];
    let mut all: Vec<String> = statements.into_iter().collect();
    for (table, day) in [
        ("study_records", "studied_on"),
        ("service_records", "served_on"),
    ] {
        for (kind, column) in [("member", "member_id"), ("organisation", "org_id")] {
            let narrowed = match (&only, &list) {
                (Some(o), _) if o.kind != kind => continue,
                (Some(_), Some(l)) => format!(" AND s.{column} IN ({l})"),
                _ => String::new(),
            };
            all.push(format!(
                "INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id, \
                 hours_tenths) \
                 SELECT s.campaign_id, p.code, '{kind}', s.{column}, SUM(s.hours_tenths) \
                 FROM {table} s {} WHERE s.campaign_id = $1{narrowed} \
                 GROUP BY s.campaign_id, p.code, s.{column}{}",
                period_of(&format!("s.{day}")),
                add_on_conflict(&["hours_tenths"])
            ));
        }
    }
    for sql in all {
        sqlx::query(AssertSqlSafe(sql))
            .bind(campaign_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Stores a campaign's periods, which place the facts' dated rows. A database held at a schema before
/// migration 0009 (the migration tests open one) has no such table: its campaigns get
/// their periods from `fill_score_facts` when the migration comes.
pub(crate) async fn store_periods(
    tx: &mut Transaction<'static, Any>,
    campaign_id: i64,
    periods: &[Period],
) -> Result<()> {
    let migrated: Option<(i64,)> =
        sqlx::query_as("SELECT version FROM schema_migrations WHERE version = 9")
            .fetch_optional(&mut **tx)
            .await?;
    if migrated.is_none() {
        return Ok(());
    }
    // A draft's periods again after it is edited.
    sqlx::query("DELETE FROM campaign_periods WHERE campaign_id = $1")
        .bind(campaign_id)
        .execute(&mut **tx)
        .await?;
    for p in periods {
        sqlx::query(
            "INSERT INTO campaign_periods (campaign_id, code, starts_on, ends_on) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(campaign_id)
        .bind(p.code.clone())
        .bind(p.starts_on.to_string())
        .bind(p.ends_on.to_string())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl Store {
    /// Gives every stored campaign without periods (one stored before migration 0009) its
    /// periods and counts its score facts: once, on the first open after the upgrade.
    pub(crate) async fn fill_score_facts(&self) -> Result<()> {
        let missing: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, code, source FROM campaigns c WHERE NOT EXISTS \
             (SELECT 1 FROM campaign_periods p WHERE p.campaign_id = c.id) ORDER BY id",
        )
        .fetch_all(&self.write)
        .await?;
        for (id, code, source) in missing {
            let campaign = match Campaign::load(&code, &source) {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(campaign = code, error = %e, "stored campaign does not load");
                    continue;
                }
            };
            let periods = campaign.periods();
            if periods.is_empty() {
                // Nothing can be placed in a period: no counts to make, now or later.
                continue;
            }
            tracing::info!(campaign = code, "counting score facts");
            let mut tx = self.write.begin().await?;
            store_periods(&mut tx, id, &periods).await?;
            rebuild(&mut tx, id).await?;
            tx.commit().await?;
        }
        Ok(())
    }
}

/// Adds a batch's ballot counts to the facts of their subjects, in the period in which
/// each round ends: `rows` rows of (r round, s subject, v verdict, n ballots) as
/// [`crate::rows_table`] binds them.
pub(crate) fn tally_facts(dialect: crate::Dialect, rows: usize) -> String {
    format!(
        "INSERT INTO score_facts (campaign_id, period, subject_kind, subject_id, \
         satisfied, basically_satisfied, dissatisfied) \
         SELECT r.campaign_id, p.code, r.subject_kind, v.s, \
         SUM(CASE WHEN v.v = 'satisfied' THEN v.n ELSE 0 END), \
         SUM(CASE WHEN v.v = 'basically_satisfied' THEN v.n ELSE 0 END), \
         SUM(CASE WHEN v.v = 'dissatisfied' THEN v.n ELSE 0 END) \
         FROM ({}) AS v JOIN eval_rounds r ON r.id = v.r \
         JOIN campaign_periods p ON p.campaign_id = r.campaign_id \
         AND p.starts_on <= r.ends_on AND r.ends_on <= p.ends_on \
         WHERE v.n <> 0 \
         GROUP BY r.campaign_id, p.code, r.subject_kind, v.s{}",
        crate::rows_table(dialect, rows, &["r", "s", "v", "n"]),
        add_on_conflict(&["satisfied", "basically_satisfied", "dissatisfied"])
    )
}

/// How many ids a narrowed recount takes at once.
const RECOUNT_CHUNK: usize = 500;

impl WriteTx {
    /// Notes that the counted rows of a subject changed in this transaction: its facts are
    /// recounted at commit.
    pub(crate) fn facts_changed(&mut self, campaign_id: i64, kind: &str, subject_id: i64) {
        self.facts_dirty
            .insert((campaign_id, kind.to_string(), subject_id));
        self.score_changed(campaign_id, kind, subject_id);
    }

    /// Recounts the facts of the subjects this transaction changed; called by commit.
    pub(crate) async fn recount_changed_facts(&mut self) -> Result<()> {
        let dirty = std::mem::take(&mut self.facts_dirty);
        let mut groups: std::collections::BTreeMap<(i64, String), Vec<i64>> = Default::default();
        for (campaign, kind, id) in dirty {
            groups.entry((campaign, kind)).or_default().push(id);
        }
        for ((campaign, kind), ids) in groups {
            for chunk in ids.chunks(RECOUNT_CHUNK) {
                let only = Subjects {
                    kind: &kind,
                    ids: chunk,
                };
                recount(&mut self.tx, campaign, Some(only)).await?;
            }
        }
        Ok(())
    }

    /// Recounts a campaign's score facts from the counted tables: the repair if they were
    /// ever changed by hand, and the reference the write path is tested against.
    pub async fn recount_score_facts(&mut self, campaign_id: i64) -> Result<()> {
        rebuild(&mut self.tx, campaign_id).await?;
        let after = serde_json::json!({ "campaign_id": campaign_id });
        self.record::<(), _>(
            "scores.recount",
            "campaign",
            &campaign_id.to_string(),
            None,
            Some(&after),
        )
        .await
    }
}
