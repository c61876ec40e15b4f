//! Figures for scoring (考核数据): per subject and period, the commitment items due, kept and
//! overdue, study and service hours, and leader-review points, for every subject in a
//! subtree. A handful of grouped queries over index ranges, merged here.

use crate::Scores;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use xianfeng_domain::org::TreePath;
use xianfeng_domain::subject::SubjectKind;

use crate::Result;

/// One subject's figures for a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubjectFigures {
    pub subject_kind: SubjectKind,
    pub subject_id: i64,
    pub name: String,
    /// The code of the subject's own organisation.
    pub organisation: String,
    /// Items of published commitments due within the period.
    pub items_due: i64,
    /// Of those, closed as kept.
    pub items_kept: i64,
    /// Of those, still open after their due date.
    pub items_overdue: i64,
    /// Study and volunteer service in the period, in tenths of an hour.
    pub study_tenths: i64,
    pub service_tenths: i64,
    /// Leader-review points given for the period, summed, and how many reviews.
    pub review_points: i64,
    pub reviews: i64,
}

impl SubjectFigures {
    /// The mean review points, if any review was written.
    pub fn review_average(&self) -> Option<f64> {
        (self.reviews > 0).then(|| self.review_points as f64 / self.reviews as f64)
    }
}

/// The span of a period: its code (for reviews) and its first and last days.
#[derive(Debug, Clone)]
pub struct Span {
    /// The campaign whose commitments, records and reviews count.
    pub campaign_id: i64,
    pub period: String,
    /// The periods whose leader reviews count: the period's own, or for a themed stage
    /// every period that shares a day with it.
    pub review_periods: Vec<String>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Items due before this day and still open are overdue.
    pub today: NaiveDate,
}

impl Span {
    /// A campaign's period as of `today`.
    pub fn of(
        campaign_id: i64,
        period: &xianfeng_domain::campaign::Period,
        today: NaiveDate,
    ) -> Span {
        Span {
            campaign_id,
            period: period.code.clone(),
            review_periods: vec![period.code.clone()],
            from: period.starts_on,
            to: period.ends_on,
            today,
        }
    }
}

/// (kind code, id): subjects listed by their kind's code, then id.
type Key = (&'static str, i64);

/// The key of a subject whose kind was read from a column of `table`.
fn key(table: &str, kind: &str, id: i64) -> Result<Key> {
    let kind = SubjectKind::parse(kind)
        .ok_or_else(|| crate::row::bad_value(table, "subject_kind", kind))?;
    Ok((kind.as_str(), id))
}

impl Scores<'_> {
    /// The figures of every organisation, member, team and cadre in the subtree of `root`.
    pub async fn figures(self, root: &TreePath, span: &Span) -> Result<Vec<SubjectFigures>> {
        let (lo, hi) = root.subtree_range();
        let mut out: BTreeMap<Key, SubjectFigures> = BTreeMap::new();
        let mut subject = |kind: SubjectKind, id: i64, name: String, org: String| {
            out.insert(
                (kind.as_str(), id),
                SubjectFigures {
                    subject_kind: kind,
                    subject_id: id,
                    name,
                    organisation: org,
                    items_due: 0,
                    items_kept: 0,
                    items_overdue: 0,
                    study_tenths: 0,
                    service_tenths: 0,
                    review_points: 0,
                    reviews: 0,
                },
            );
        };
        let orgs: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, name, code FROM organisations WHERE path >= $1 AND path < $2",
        )
        .bind(lo.clone())
        .bind(hi.clone())
        .fetch_all(self.store.reader())
        .await?;
        for (id, name, code) in orgs {
            subject(SubjectKind::Organisation, id, name, code);
        }
        for (kind, sql) in [
            (
                SubjectKind::Member,
                "SELECT m.id, m.name, o.code FROM members m JOIN organisations o ON o.id = m.org_id \
                 WHERE o.path >= $1 AND o.path < $2",
            ),
            (
                SubjectKind::Team,
                "SELECT t.id, t.name, o.code FROM leadership_teams t \
                 JOIN organisations o ON o.id = t.org_id WHERE o.path >= $1 AND o.path < $2",
            ),
            (
                SubjectKind::Cadre,
                "SELECT c.id, c.name, o.code FROM cadres c JOIN leadership_teams t ON t.id = c.team_id \
                 JOIN organisations o ON o.id = t.org_id WHERE o.path >= $1 AND o.path < $2",
            ),
        ] {
            let rows: Vec<(i64, String, String)> = sqlx::query_as(sql)
                .bind(lo.clone())
                .bind(hi.clone())
                .fetch_all(self.store.reader())
                .await?;
            for (id, name, code) in rows {
                subject(kind, id, name, code);
            }
        }

        let items: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT c.subject_kind, c.subject_id, COUNT(*), \
             CAST(SUM(CASE WHEN i.outcome = 'kept' THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN i.outcome = 'open' AND i.due_on < $5 THEN 1 ELSE 0 END) AS BIGINT) \
             FROM commitment_items i JOIN commitments c ON c.id = i.commitment_id \
             JOIN organisations o ON o.id = c.org_id \
             WHERE o.path >= $1 AND o.path < $2 AND i.due_on >= $3 AND i.due_on <= $4 \
             AND c.status IN ('published', 'evaluated') AND c.campaign_id = $6 \
             GROUP BY c.subject_kind, c.subject_id",
        )
        .bind(lo.clone())
        .bind(hi.clone())
        .bind(span.from.to_string())
        .bind(span.to.to_string())
        .bind(span.today.to_string())
        .bind(span.campaign_id)
        .fetch_all(self.store.reader())
        .await?;
        for (kind, id, due, kept, overdue) in items {
            if let Some(f) = out.get_mut(&key("commitments", &kind, id)?) {
                f.items_due = due;
                f.items_kept = kept;
                f.items_overdue = overdue;
            }
        }

        // Hours count for the member and for the organisation they were recorded in.
        for (table, day, service) in [
            ("study_records", "studied_on", false),
            ("service_records", "served_on", true),
        ] {
            let rows: Vec<(i64, i64, i64)> = sqlx::query_as(dynsql!(
                "SELECT r.member_id, r.org_id, CAST(SUM(r.hours_tenths) AS BIGINT) FROM {table} r \
                 JOIN organisations o ON o.id = r.org_id \
                 WHERE o.path >= $1 AND o.path < $2 AND r.{day} >= $3 AND r.{day} <= $4 \
                 AND r.campaign_id = $5 GROUP BY r.member_id, r.org_id"
            ))
            .bind(lo.clone())
            .bind(hi.clone())
            .bind(span.from.to_string())
            .bind(span.to.to_string())
            .bind(span.campaign_id)
            .fetch_all(self.store.reader())
            .await?;
            for (member, org, tenths) in rows {
                for key in [
                    (SubjectKind::Member.as_str(), member),
                    (SubjectKind::Organisation.as_str(), org),
                ] {
                    if let Some(f) = out.get_mut(&key) {
                        if service {
                            f.service_tenths += tenths;
                        } else {
                            f.study_tenths += tenths;
                        }
                    }
                }
            }
        }

        let marks: Vec<String> = (0..span.review_periods.len())
            .map(|i| format!("${}", i + 4))
            .collect();
        let sql = format!(
            "SELECT r.subject_kind, r.subject_id, CAST(SUM(r.points) AS BIGINT), COUNT(*) \
             FROM reviews r JOIN organisations o ON o.id = r.org_id \
             WHERE o.path >= $1 AND o.path < $2 AND r.campaign_id = $3 \
             AND r.period IN ({}) GROUP BY r.subject_kind, r.subject_id",
            if marks.is_empty() {
                "NULL".to_string()
            } else {
                marks.join(", ")
            }
        );
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(lo)
            .bind(hi)
            .bind(span.campaign_id);
        for p in &span.review_periods {
            q = q.bind(p.clone());
        }
        let reviews: Vec<(String, i64, i64, i64)> = q.fetch_all(self.store.reader()).await?;
        for (kind, id, points, n) in reviews {
            if let Some(f) = out.get_mut(&key("reviews", &kind, id)?) {
                f.review_points = points;
                f.reviews = n;
            }
        }
        Ok(out.into_values().collect())
    }
}

/// The figures of a subtree added up, counted as [`Scores::figures`] counts them but in the
/// database: what a bulletin quotes of a city of a million members without reading a row
/// per member. Hours are the members' (each record once; an organisation's own figure
/// repeats its members' hours).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FigureTotals {
    pub items_due: i64,
    pub items_kept: i64,
    pub items_overdue: i64,
    pub study_tenths: i64,
    pub service_tenths: i64,
    pub reviews: i64,
    /// The organisations whose commitments have items overdue: (code, items overdue).
    pub overdue_by_org: Vec<(String, i64)>,
}

/// Whether the subject named by the columns `kind` and `id` is in the subtree `$1..$2` now,
/// as [`Scores::figures`] lists subjects.
fn subject_in_subtree(kind: &str, id: &str) -> String {
    format!(
        "(({kind} = 'organisation' AND {id} IN (SELECT so.id FROM organisations so \
         WHERE so.path >= $1 AND so.path < $2)) \
         OR ({kind} = 'member' AND {id} IN (SELECT sm.id FROM members sm \
         JOIN organisations smo ON smo.id = sm.org_id WHERE smo.path >= $1 AND smo.path < $2)) \
         OR ({kind} = 'team' AND {id} IN (SELECT st.id FROM leadership_teams st \
         JOIN organisations sto ON sto.id = st.org_id WHERE sto.path >= $1 AND sto.path < $2)) \
         OR ({kind} = 'cadre' AND {id} IN (SELECT sc.id FROM cadres sc \
         JOIN leadership_teams sct ON sct.id = sc.team_id \
         JOIN organisations sco ON sco.id = sct.org_id WHERE sco.path >= $1 AND sco.path < $2)))"
    )
}

impl Scores<'_> {
    /// The figures of the subtree of `root` added up (see [`FigureTotals`]).
    pub async fn figure_totals(self, root: &TreePath, span: &Span) -> Result<FigureTotals> {
        let (lo, hi) = root.subtree_range();
        let mut t = FigureTotals::default();
        let items: Vec<(String, i64, i64, i64)> = sqlx::query_as(dynsql!(
            "SELECT o.code, COUNT(*), \
             CAST(SUM(CASE WHEN i.outcome = 'kept' THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN i.outcome = 'open' AND i.due_on < $5 THEN 1 ELSE 0 END) AS BIGINT) \
             FROM commitment_items i JOIN commitments c ON c.id = i.commitment_id \
             JOIN organisations o ON o.id = c.org_id \
             WHERE o.path >= $1 AND o.path < $2 AND i.due_on >= $3 AND i.due_on <= $4 \
             AND c.status IN ('published', 'evaluated') AND c.campaign_id = $6 AND {} \
             GROUP BY o.code",
            subject_in_subtree("c.subject_kind", "c.subject_id")
        ))
        .bind(lo.clone())
        .bind(hi.clone())
        .bind(span.from.to_string())
        .bind(span.to.to_string())
        .bind(span.today.to_string())
        .bind(span.campaign_id)
        .fetch_all(self.store.reader())
        .await?;
        for (code, due, kept, overdue) in items {
            t.items_due += due;
            t.items_kept += kept;
            t.items_overdue += overdue;
            if overdue > 0 {
                t.overdue_by_org.push((code, overdue));
            }
        }
        for (table, day, service) in [
            ("study_records", "studied_on", false),
            ("service_records", "served_on", true),
        ] {
            let tenths: Option<i64> = sqlx::query_scalar(dynsql!(
                "SELECT CAST(SUM(r.hours_tenths) AS BIGINT) FROM {table} r \
                 JOIN organisations o ON o.id = r.org_id \
                 WHERE o.path >= $1 AND o.path < $2 AND r.{day} >= $3 AND r.{day} <= $4 \
                 AND r.campaign_id = $5 AND {}",
                subject_in_subtree("'member'", "r.member_id")
            ))
            .bind(lo.clone())
            .bind(hi.clone())
            .bind(span.from.to_string())
            .bind(span.to.to_string())
            .bind(span.campaign_id)
            .fetch_one(self.store.reader())
            .await?;
            if service {
                t.service_tenths = tenths.unwrap_or(0);
            } else {
                t.study_tenths = tenths.unwrap_or(0);
            }
        }
        let marks: Vec<String> = (0..span.review_periods.len())
            .map(|i| format!("${}", i + 4))
            .collect();
        let sql = format!(
            "SELECT COUNT(*) FROM reviews r JOIN organisations o ON o.id = r.org_id \
             WHERE o.path >= $1 AND o.path < $2 AND r.campaign_id = $3 AND r.period IN ({}) \
             AND {}",
            if marks.is_empty() {
                "NULL".to_string()
            } else {
                marks.join(", ")
            },
            subject_in_subtree("r.subject_kind", "r.subject_id")
        );
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(lo)
            .bind(hi)
            .bind(span.campaign_id);
        for p in &span.review_periods {
            q = q.bind(p.clone());
        }
        t.reviews = q.fetch_one(self.store.reader()).await?;
        Ok(t)
    }
}
