//! What scores are made of (计分数据), read in bulk per period; self-assessments and
//! imported indicator values; and closed periods' snapshots (考核周期定格).
//!
//! The reads are grouped queries over whole tables (a city-wide recompute reads every
//! subject), each returning one row per subject; the app layer turns them into a sheet.

use crate::Scores;
use serde::Serialize;
use xianfeng_domain::i18n::Message;

use xianfeng_domain::org::OrgKind;
use xianfeng_domain::subject::SubjectKind;

use crate::figures::Span;
use crate::{Result, WriteTx, values_list};
use sqlx::AssertSqlSafe;

pub mod changes;
pub(crate) mod facts;
mod sqlite;

/// An organisation as scoring sees it: where it sits, its level and category.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredOrg {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub code: String,
    pub name: String,
    pub path: String,
    /// Its kind (党委, 党支部 …): the level peers share.
    pub kind: OrgKind,
    pub category: Option<String>,
    /// Members directly in it.
    pub member_count: i64,
}

/// Every subject there is to score, as the tree has them now.
#[derive(Debug, Clone, Default)]
pub struct Universe {
    pub orgs: Vec<ScoredOrg>,
    /// (member, organisation).
    pub members: Vec<(i64, i64)>,
    /// (team, organisation).
    pub teams: Vec<(i64, i64)>,
    /// (cadre, organisation of the team, the cadre's own member record if linked).
    pub cadres: Vec<(i64, i64, Option<i64>)>,
}

/// The inputs of a period, one row per subject (and criterion or indicator). A kind is its
/// position in `SubjectKind::ALL`; criteria and indicators their position in the
/// [`Lexicon`]; verdicts theirs in `Verdict::ALL`. Numbers only, so that a city's facts
/// take tens of megabytes, not hundreds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// (kind, subject, criterion, points 0–100).
    pub self_points: Vec<(u8, i64, u16, i64)>,
    /// (kind, subject, sum of points, reviews).
    pub reviews: Vec<(u8, i64, i64, i64)>,
    /// (kind, subject, ballots per verdict) in the rounds that end in the period.
    pub tallies: Vec<(u8, i64, [i64; 3])>,
    /// (kind, subject, items kept, items that can be judged: closed, or open past due).
    pub items: Vec<(u8, i64, i64, i64)>,
    /// (kind, subject, items due in the period, of those open past due): what a
    /// bulletin adds up.
    pub items_due: Vec<(u8, i64, i64, i64)>,
    /// (kind, subject, tenths of an hour of study or service): a member's own, or an
    /// organisation's records.
    pub hours: Vec<(u8, i64, i64)>,
    /// (kind, subject, indicator, value).
    pub indicators: Vec<(u8, i64, u16, f64)>,
}

/// The columns of `score_facts` read for a period, in the order [`Counts`] takes them.
pub(crate) const FACT_ROWS: &str = "SELECT subject_kind, subject_id, review_points, reviews, \
     satisfied, basically_satisfied, dissatisfied, items, items_kept, items_closed, \
     hours_tenths FROM score_facts WHERE campaign_id = $1 AND period = $2";

/// Open items of counted commitments due from $2 and before $3 (today), per subject; the
/// caller may narrow the subjects between this and [`OVERDUE_GROUPS`]. Parameters appear
/// in their numbers' order: SQLite numbers `$n` by first appearance, and rusqlite binds
/// by position.
pub(crate) const OVERDUE_ITEMS: &str = "SELECT c.subject_kind, c.subject_id, COUNT(*) \
     FROM commitment_items i JOIN commitments c ON c.id = i.commitment_id \
     WHERE c.campaign_id = $1 AND i.outcome = 'open' AND i.due_on >= $2 AND i.due_on < $3 \
     AND c.status IN ('published', 'evaluated')";
pub(crate) const OVERDUE_GROUPS: &str = "GROUP BY c.subject_kind, c.subject_id";

/// A subject's row of `score_facts`.
pub(crate) struct Counts {
    /// Sum of points, reviews.
    pub review: (i64, i64),
    pub ballots: [i64; 3],
    /// Items due in the period, kept, closed.
    pub items: (i64, i64, i64),
    pub hours: i64,
}

/// Open items past due in a running period, per subject.
#[derive(Default)]
pub(crate) struct Overdue(std::collections::HashMap<(u8, i64), i64>);

impl Overdue {
    pub(crate) fn from_rows(rows: impl Iterator<Item = (u8, i64, i64)>) -> Overdue {
        Overdue(rows.map(|(k, id, n)| ((k, id), n)).collect())
    }
}

impl Span {
    /// The days whose open items are past due, when the period is running: from its first
    /// day to before today. `None` when no day of it is past, or all are (then every open
    /// item of it is past due and no query is needed).
    pub(crate) fn overdue_range(&self) -> Option<(String, String)> {
        (self.from < self.today && self.today <= self.to)
            .then(|| (self.from.to_string(), self.today.to_string()))
    }
}

impl Facts {
    /// Takes a subject's counts: the entries of each part it has data for. Items that can
    /// be judged are the closed ones and the open ones past due.
    pub(crate) fn add_counts(&mut self, k: u8, id: i64, c: Counts, span: &Span, overdue: &Overdue) {
        let (points, reviews) = c.review;
        if reviews > 0 {
            self.reviews.push((k, id, points, reviews));
        }
        if c.ballots.iter().any(|n| *n != 0) {
            self.tallies.push((k, id, c.ballots));
        }
        let (items, kept, closed) = c.items;
        if items > 0 {
            let past_due = if span.to < span.today {
                items - closed
            } else {
                overdue.0.get(&(k, id)).copied().unwrap_or(0)
            };
            self.items.push((k, id, kept, closed + past_due));
            self.items_due.push((k, id, items, past_due));
        }
        if c.hours != 0 {
            self.hours.push((k, id, c.hours));
        }
    }
}

/// The criteria and indicators of each kind, in order, to number the facts by.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    pub criteria: [Vec<String>; 4],
    pub indicators: [Vec<String>; 4],
    /// The organisations' indicator counted from rectification (督查整改), if the campaign
    /// has one: its position among their indicators.
    pub rectification: Option<u16>,
}

impl Lexicon {
    pub fn criterion(&self, kind: u8, code: &str) -> Option<u16> {
        let list = self.criteria.get(kind as usize)?;
        list.iter().position(|c| c == code).map(|i| i as u16)
    }

    pub fn indicator(&self, kind: u8, code: &str) -> Option<u16> {
        let list = self.indicators.get(kind as usize)?;
        list.iter().position(|c| c == code).map(|i| i as u16)
    }
}

/// A subject kind's number: its position in `SubjectKind::ALL`.
pub fn kind_code(kind: &str) -> Option<u8> {
    SubjectKind::ALL
        .iter()
        .position(|k| k.as_str() == kind)
        .map(|i| i as u8)
}

/// Which subjects to read facts for: all, or these of one kind.
pub enum Only<'a> {
    All,
    Subjects(SubjectKind, &'a [i64]),
}

/// One subject's row in a closed period's snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnapshotRow {
    pub subject_kind: SubjectKind,
    pub subject_id: i64,
    pub org_id: i64,
    pub category: Option<String>,
    pub level: String,
    /// Hundredths; `None` without data.
    pub total: Option<i64>,
    /// Hundredths per criterion, comma-separated, empty where there was no data.
    pub criteria: String,
    /// The subject's inputs, as `scoring::encode_inputs` writes them.
    pub inputs: String,
}

/// A closed period: when, by whom, and the digest of its snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Closure {
    pub period: String,
    pub subjects: i64,
    pub digest: String,
    pub closed_by: String,
    pub closed_at: i64,
}

/// An imported indicator value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorValue {
    pub period: String,
    pub indicator: String,
    pub subject_kind: SubjectKind,
    pub subject_id: i64,
    pub value: f64,
}

const SNAPSHOT_COLUMNS: &str =
    "subject_kind, subject_id, org_id, category, level, total, criteria, inputs";

impl Scores<'_> {
    /// Every organisation, member, team and cadre, with what places them among peers.
    pub async fn universe(self) -> Result<Universe> {
        type OrgRow = (
            i64,
            Option<i64>,
            String,
            String,
            String,
            String,
            Option<String>,
            i64,
        );
        let orgs: Vec<OrgRow> = sqlx::query_as(
            "SELECT id, parent_id, code, name, path, kind, category, member_count FROM organisations \
             WHERE closed_on IS NULL ORDER BY path",
        )
        .fetch_all(self.store.reader())
        .await?;
        let orgs = orgs
            .into_iter()
            .map(
                |(id, parent_id, code, name, path, kind, category, member_count)| {
                    Ok(ScoredOrg {
                        id,
                        parent_id,
                        code,
                        name,
                        path,
                        kind: OrgKind::parse(&kind)
                            .ok_or_else(|| crate::row::bad_value("organisations", "kind", &kind))?,
                        category,
                        member_count,
                    })
                },
            )
            .collect::<Result<_>>()?;
        let members =
            sqlx::query_as("SELECT id, org_id FROM members WHERE left_on IS NULL ORDER BY id")
                .fetch_all(self.store.reader())
                .await?;
        let teams = sqlx::query_as(
            "SELECT t.id, t.org_id FROM leadership_teams t JOIN organisations o ON o.id = t.org_id \
         WHERE o.closed_on IS NULL ORDER BY t.id",
        )
        .fetch_all(self.store.reader())
        .await?;
        let cadres = sqlx::query_as(
            "SELECT c.id, t.org_id, c.member_id FROM cadres c \
             JOIN leadership_teams t ON t.id = c.team_id JOIN organisations o ON o.id = t.org_id \
         WHERE c.left_on IS NULL AND o.closed_on IS NULL ORDER BY c.id",
        )
        .fetch_all(self.store.reader())
        .await?;
        Ok(Universe {
            orgs,
            members,
            teams,
            cadres,
        })
    }

    /// Every subject and the inputs of a period: the whole city, for a full recompute. On a
    /// SQLite file this is the two-thread bulk read of `scores::sqlite`; elsewhere the
    /// portable queries.
    pub async fn score_inputs(self, span: &Span, lex: &Lexicon) -> Result<(Universe, Facts)> {
        if let Some(path) = self.store.sqlite_path.clone() {
            let window = span.clone();
            let lex2 = lex.clone();
            let (universe, mut facts) =
                tokio::task::spawn_blocking(move || sqlite::read(&path, window, lex2))
                    .await
                    .map_err(|e| crate::StoreError::Invalid(Message::verbatim(e.to_string())))??;
            facts
                .indicators
                .extend(self.rectification_values(span, lex).await?);
            return Ok((universe, facts));
        }
        let universe = self.universe().await?;
        let facts = self.period_facts(span, lex, Only::All).await?;
        Ok((universe, facts))
    }

    /// The inputs of a period by the portable queries. `only` narrows the per-subject facts
    /// (self-assessment, reviews, ballots, commitments) to some subjects, for updating a few
    /// scores; indicators are normalised among all peers and are read only for `Only::All`
    /// (so are hours, which the narrowed rows carry but the caller leaves alone).
    pub async fn period_facts(self, span: &Span, lex: &Lexicon, only: Only<'_>) -> Result<Facts> {
        let filter = |col_kind: &str, col_id: &str, first: usize| match &only {
            Only::All => String::new(),
            Only::Subjects(_, ids) => {
                // `$n` works on both databases (SQLite numbers them in order of appearance).
                let list = (first + 1..=first + ids.len())
                    .map(|i| format!("${i}"))
                    .collect::<Vec<_>>()
                    .join(",");
                format!(" AND {col_kind} = ${first} AND {col_id} IN ({list})")
            }
        };
        macro_rules! narrowed {
            ($q:expr) => {{
                let mut q = $q;
                if let Only::Subjects(kind, ids) = &only {
                    q = q.bind(kind.as_str());
                    for id in ids.iter() {
                        q = q.bind(*id);
                    }
                }
                q
            }};
        }
        let self_points: Vec<(String, i64, String, i64)> = narrowed!(
            sqlx::query_as(AssertSqlSafe(format!(
                "SELECT subject_kind, subject_id, criterion, points FROM self_assessments \
                 WHERE campaign_id = $1 AND period = $2{}",
                filter("subject_kind", "subject_id", 3)
            )))
            .bind(span.campaign_id)
            .bind(span.period.to_string())
        )
        .fetch_all(self.store.reader())
        .await?;
        let mut facts = Facts {
            self_points: self_points
                .into_iter()
                .filter_map(|(k, id, c, p)| {
                    let k = kind_code(&k)?;
                    Some((k, id, lex.criterion(k, &c)?, p))
                })
                .collect(),
            ..Facts::default()
        };
        let overdue: Vec<(String, i64, i64)> = match span.overdue_range() {
            None => vec![],
            Some((from, before)) => {
                narrowed!(
                    sqlx::query_as(AssertSqlSafe(format!(
                        "{OVERDUE_ITEMS}{} {OVERDUE_GROUPS}",
                        filter("c.subject_kind", "c.subject_id", 4)
                    )))
                    .bind(span.campaign_id)
                    .bind(from.to_string())
                    .bind(before.to_string())
                )
                .fetch_all(self.store.reader())
                .await?
            }
        };
        let overdue = Overdue::from_rows(
            overdue
                .into_iter()
                .filter_map(|(k, id, n)| Some((kind_code(&k)?, id, n))),
        );
        type Row = (String, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64);
        let rows: Vec<Row> = narrowed!(
            sqlx::query_as(AssertSqlSafe(format!(
                "{FACT_ROWS}{}",
                filter("subject_kind", "subject_id", 3)
            )))
            .bind(span.campaign_id)
            .bind(span.period.to_string())
        )
        .fetch_all(self.store.reader())
        .await?;
        for (k, id, rp, rn, s, b, d, items, kept, closed, hours) in rows {
            if let Some(k) = kind_code(&k) {
                let counts = Counts {
                    review: (rp, rn),
                    ballots: [s, b, d],
                    items: (items, kept, closed),
                    hours,
                };
                facts.add_counts(k, id, counts, span, &overdue);
            }
        }
        if let Only::Subjects(..) = only {
            return Ok(facts);
        }
        let indicators: Vec<(String, i64, String, f64)> = sqlx::query_as(
            "SELECT subject_kind, subject_id, indicator, value FROM indicator_values \
             WHERE campaign_id = $1 AND period = $2",
        )
        .bind(span.campaign_id)
        .bind(span.period.to_string())
        .fetch_all(self.store.reader())
        .await?;
        facts.indicators = indicators
            .into_iter()
            .filter_map(|(k, id, i, v)| {
                let k = kind_code(&k)?;
                Some((k, id, lex.indicator(k, &i)?, v))
            })
            .collect();
        facts
            .indicators
            .extend(self.rectification_values(span, lex).await?);
        Ok(facts)
    }

    /// The organisations' values of the indicator counted from rectification (督查整改):
    /// the share of each one's items due in the period reported on time and accepted.
    async fn rectification_values(
        self,
        span: &Span,
        lex: &Lexicon,
    ) -> Result<Vec<(u8, i64, u16, f64)>> {
        let (Some(j), Some(kind)) = (lex.rectification, kind_code("organisation")) else {
            return Ok(vec![]);
        };
        let mut by_org: std::collections::BTreeMap<i64, Vec<_>> = Default::default();
        for (org, status, due, reported) in self
            .store
            .inspections()
            .rectification_facts(span.campaign_id)
            .await?
        {
            by_org.entry(org).or_default().push((status, due, reported));
        }
        Ok(by_org
            .into_iter()
            .filter_map(|(org, items)| {
                let share = xianfeng_domain::inspection::on_time_share(
                    items, span.from, span.to, span.today,
                )?;
                Some((kind, org, j, share))
            })
            .collect())
    }

    /// Plans submitted (any status: a plan row exists once submitted) and commitments
    /// published in the subtree whose path range is `[lo, hi)`.
    pub async fn plan_and_commitment_counts(
        self,
        campaign_id: i64,
        (lo, hi): (&str, &str),
    ) -> Result<(i64, i64)> {
        let plans: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM plans p JOIN organisations o ON o.id = p.org_id \
             WHERE p.campaign_id = $1 AND o.path >= $2 AND o.path < $3",
        )
        .bind(campaign_id)
        .bind(lo.to_string())
        .bind(hi.to_string())
        .fetch_one(self.store.reader())
        .await?;
        let commitments: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM commitments c JOIN organisations o ON o.id = c.org_id \
             WHERE c.campaign_id = $1 AND o.path >= $2 AND o.path < $3 \
             AND c.status IN ('published', 'evaluated')",
        )
        .bind(campaign_id)
        .bind(lo.to_string())
        .bind(hi.to_string())
        .fetch_one(self.store.reader())
        .await?;
        Ok((plans, commitments))
    }

    /// The id of the last audit entry: it moves whenever anything changes.
    pub async fn audit_head(self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT last_id FROM audit_head WHERE id = 1")
                .fetch_one(self.store.reader())
                .await?,
        )
    }

    /// The names of some subjects of a kind (members, teams, cadres), by id.
    pub async fn subject_names(self, kind: &str, ids: &[i64]) -> Result<Vec<(i64, String)>> {
        let table = match kind {
            "member" => "members",
            "team" => "leadership_teams",
            "cadre" => "cadres",
            _ => "organisations",
        };
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let list = (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(",");
            let mut q = sqlx::query_as(AssertSqlSafe(format!(
                "SELECT id, name FROM {table} WHERE id IN ({list})"
            )));
            for id in chunk {
                q = q.bind(*id);
            }
            let rows: Vec<(i64, String)> = q.fetch_all(self.store.reader()).await?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// One subject's total in a closed period's snapshot: `None` when the snapshot has no
    /// row for it, `Some(None)` when it had no score.
    pub async fn snapshot_total(
        self,
        campaign_id: i64,
        period: &str,
        (kind, id): (&str, i64),
    ) -> Result<Option<Option<i64>>> {
        let total: Option<(Option<i64>,)> = sqlx::query_as(
            "SELECT total FROM period_scores WHERE campaign_id = $1 AND period = $2 \
             AND subject_kind = $3 AND subject_id = $4",
        )
        .bind(campaign_id)
        .bind(period.to_string())
        .bind(kind.to_string())
        .bind(id)
        .fetch_optional(self.store.reader())
        .await?;
        Ok(total.map(|(t,)| t))
    }

    /// Whether anything counted towards a score in `period` (a review, a ballot, a
    /// published item, an hour of study or service): one row found by the key's prefix.
    pub async fn period_has_facts(self, campaign_id: i64, period: &str) -> Result<bool> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT 1 FROM score_facts WHERE campaign_id = $1 AND period = $2 \
             AND (reviews > 0 OR satisfied > 0 OR basically_satisfied > 0 OR dissatisfied > 0 \
                  OR items > 0 OR hours_tenths > 0) LIMIT 1",
        )
        .bind(campaign_id)
        .bind(period.to_string())
        .fetch_optional(self.store.reader())
        .await?;
        Ok(row.is_some())
    }

    /// The periods of a campaign that are closed.
    pub async fn closures(self, campaign_id: i64) -> Result<Vec<Closure>> {
        let rows: Vec<(String, i64, String, String, i64)> = sqlx::query_as(
            "SELECT period, subjects, digest, closed_by, closed_at FROM period_closures \
             WHERE campaign_id = $1 ORDER BY closed_at",
        )
        .bind(campaign_id)
        .fetch_all(self.store.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(period, subjects, digest, closed_by, closed_at)| Closure {
                period,
                subjects,
                digest,
                closed_by,
                closed_at,
            })
            .collect())
    }

    /// A closed period's snapshot, every subject, in (kind, id) order.
    pub async fn snapshot(self, campaign_id: i64, period: &str) -> Result<Vec<SnapshotRow>> {
        type Row = (
            String,
            i64,
            i64,
            Option<String>,
            String,
            Option<i64>,
            String,
            String,
        );
        let rows: Vec<Row> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {SNAPSHOT_COLUMNS} FROM period_scores WHERE campaign_id = $1 AND period = $2 \
             ORDER BY subject_kind, subject_id"
        )))
        .bind(campaign_id)
        .bind(period.to_string())
        .fetch_all(self.store.reader())
        .await?;
        // By position: a closed period of a large city is a million rows, read at once.
        rows.into_iter()
            .map(
                |(kind, subject_id, org_id, category, level, total, criteria, inputs)| {
                    Ok(SnapshotRow {
                        subject_kind: SubjectKind::parse(&kind).ok_or_else(|| {
                            crate::row::bad_value("period_scores", "subject_kind", &kind)
                        })?,
                        subject_id,
                        org_id,
                        category,
                        level,
                        total,
                        criteria,
                        inputs,
                    })
                },
            )
            .collect()
    }
}

/// Rows per multi-row INSERT: under SQLite's 32,766 parameters at 10 columns a row.
const SNAPSHOT_BATCH: usize = 1_000;

impl WriteTx {
    /// Whether a period is closed, read inside the transaction that would change it.
    pub async fn period_closed(&mut self, campaign_id: i64, period: &str) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM period_closures WHERE campaign_id = $1 AND period = $2",
        )
        .bind(campaign_id)
        .bind(period.to_string())
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(n > 0)
    }

    /// Holds a period for a change of its inputs until this transaction ends, and says
    /// whether it is closed: inputs hold it shared, so that they do not wait for each
    /// other, and a close holds it alone ([`WriteTx::hold_period_for_closing`]), so that
    /// no input slips in between the close's reading of the inputs and its commit.
    pub async fn hold_period_for_input(&mut self, campaign_id: i64, period: &str) -> Result<bool> {
        self.hold_period(campaign_id, period, " FOR SHARE").await?;
        self.period_closed(campaign_id, period).await
    }

    /// Holds a period alone until this transaction ends, waiting for the inputs being
    /// written to it; says whether it is closed. Whatever is read of its inputs after this
    /// stays true until the close commits.
    pub async fn hold_period_for_closing(
        &mut self,
        campaign_id: i64,
        period: &str,
    ) -> Result<bool> {
        self.hold_period(campaign_id, period, " FOR UPDATE").await?;
        self.period_closed(campaign_id, period).await
    }

    async fn hold_period(&mut self, campaign_id: i64, period: &str, mode: &str) -> Result<()> {
        let mode = match self.dialect {
            crate::Dialect::Postgres => mode,
            crate::Dialect::Sqlite => "",
        };
        sqlx::query(AssertSqlSafe(format!(
            "SELECT code FROM campaign_periods WHERE campaign_id = $1 AND code = $2{mode}"
        )))
        .bind(campaign_id)
        .bind(period.to_string())
        .fetch_optional(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Closes a period: stores its snapshot and the closure, audited with the digest.
    /// Refused (returns `false`, nothing written) when the period is closed already.
    pub async fn close_period(
        &mut self,
        campaign_id: i64,
        period: &str,
        rows: &[SnapshotRow],
        digest: &str,
    ) -> Result<bool> {
        if self.period_closed(campaign_id, period).await? {
            return Ok(false);
        }
        for chunk in rows.chunks(SNAPSHOT_BATCH) {
            let sql = format!(
                "INSERT INTO period_scores (campaign_id, period, {SNAPSHOT_COLUMNS}) VALUES {}",
                values_list(self.dialect, chunk.len(), 10)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for r in chunk {
                q = q
                    .bind(campaign_id)
                    .bind(period.to_string())
                    .bind(r.subject_kind.as_str())
                    .bind(r.subject_id)
                    .bind(r.org_id)
                    .bind(r.category.clone())
                    .bind(r.level.clone())
                    .bind(r.total)
                    .bind(r.criteria.clone())
                    .bind(r.inputs.clone());
            }
            q.execute(&mut *self.tx).await?;
        }
        let closure = Closure {
            period: period.to_string(),
            subjects: rows.len() as i64,
            digest: digest.to_string(),
            closed_by: self.actor.clone(),
            closed_at: crate::now_ms(),
        };
        sqlx::query(
            "INSERT INTO period_closures (campaign_id, period, subjects, digest, closed_by, \
             closed_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(campaign_id)
        .bind(period.to_string())
        .bind(closure.subjects)
        .bind(closure.digest.clone())
        .bind(closure.closed_by.clone())
        .bind(closure.closed_at)
        .execute(&mut *self.tx)
        .await?;
        self.score_changes.period_closed(campaign_id);
        self.record(
            "period.close",
            "period",
            &format!("{campaign_id}/{period}"),
            None::<&()>,
            Some(&closure),
        )
        .await?;
        Ok(true)
    }

    /// Writes a subject's self-assessment for a period: (criterion, points) pairs replace
    /// the ones given before.
    pub async fn write_self_assessment(
        &mut self,
        campaign_id: i64,
        period: &str,
        (kind, subject_id): (SubjectKind, i64),
        points: &[(String, i64)],
    ) -> Result<()> {
        // One writer of a subject's self-assessment at a time: two saves at once (two
        // servers) replace one another whole instead of meeting on the inserted rows.
        self.lock_name(&format!(
            "self-assessment/{campaign_id}/{period}/{}/{subject_id}",
            kind.as_str()
        ))
        .await?;
        let before: Vec<(String, i64)> = sqlx::query_as(
            "SELECT criterion, points FROM self_assessments WHERE campaign_id = $1 \
             AND period = $2 AND subject_kind = $3 AND subject_id = $4 ORDER BY criterion",
        )
        .bind(campaign_id)
        .bind(period.to_string())
        .bind(kind.as_str())
        .bind(subject_id)
        .fetch_all(&mut *self.tx)
        .await?;
        sqlx::query(
            "DELETE FROM self_assessments WHERE campaign_id = $1 AND period = $2 \
             AND subject_kind = $3 AND subject_id = $4",
        )
        .bind(campaign_id)
        .bind(period.to_string())
        .bind(kind.as_str())
        .bind(subject_id)
        .execute(&mut *self.tx)
        .await?;
        let now = crate::now_ms();
        for (criterion, p) in points {
            sqlx::query(
                "INSERT INTO self_assessments (campaign_id, period, subject_kind, subject_id, \
                 criterion, points, recorded_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(campaign_id)
            .bind(period.to_string())
            .bind(kind.as_str())
            .bind(subject_id)
            .bind(criterion.clone())
            .bind(*p)
            .bind(self.actor.clone())
            .bind(now)
            .execute(&mut *self.tx)
            .await?;
        }
        self.score_changed(campaign_id, kind.as_str(), subject_id);
        self.record(
            "self_assessment.write",
            kind.as_str(),
            &format!("{subject_id}/{period}"),
            Some(&before),
            Some(&points),
        )
        .await
    }

    /// Stores imported indicator values, replacing earlier values of the same indicator,
    /// subject and period; each change is audited with the value it replaced.
    pub async fn import_indicator_values(
        &mut self,
        campaign_id: i64,
        values: &[IndicatorValue],
    ) -> Result<()> {
        let now = crate::now_ms();
        for chunk in values.chunks(SNAPSHOT_BATCH) {
            for v in chunk {
                let before: Option<f64> = sqlx::query_scalar(
                    "SELECT value FROM indicator_values WHERE campaign_id = $1 AND period = $2 \
                     AND indicator = $3 AND subject_kind = $4 AND subject_id = $5",
                )
                .bind(campaign_id)
                .bind(v.period.clone())
                .bind(v.indicator.clone())
                .bind(v.subject_kind.as_str())
                .bind(v.subject_id)
                .fetch_optional(&mut *self.tx)
                .await?;
                let sql = if before.is_some() {
                    "UPDATE indicator_values SET value = $6, imported_by = $7, imported_at = $8 \
                     WHERE campaign_id = $1 AND period = $2 AND indicator = $3 \
                     AND subject_kind = $4 AND subject_id = $5"
                } else {
                    // Imported at the same moment through another server: the later value
                    // stands, as if imported just after.
                    "INSERT INTO indicator_values (campaign_id, period, indicator, subject_kind, \
                     subject_id, value, imported_by, imported_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (campaign_id, period, indicator, subject_kind, subject_id) \
                     DO UPDATE SET value = excluded.value, imported_by = excluded.imported_by, \
                     imported_at = excluded.imported_at"
                };
                sqlx::query(sql)
                    .bind(campaign_id)
                    .bind(v.period.clone())
                    .bind(v.indicator.clone())
                    .bind(v.subject_kind.as_str())
                    .bind(v.subject_id)
                    .bind(v.value)
                    .bind(self.actor.clone())
                    .bind(now)
                    .execute(&mut *self.tx)
                    .await?;
                let key = format!(
                    "{}/{}/{}/{}",
                    v.subject_kind.as_str(),
                    v.subject_id,
                    v.indicator,
                    v.period
                );
                self.record(
                    "indicator.import",
                    "indicator_value",
                    &key,
                    before.as_ref(),
                    Some(&v.value),
                )
                .await?;
            }
        }
        Ok(())
    }
}
