//! The bulk read of a period's score inputs on a SQLite file, on two threads with their own
//! read-only connections (rusqlite, as the ballot writer): sqlx's `Any` layer costs some
//! microseconds a row, and a city-wide recompute reads about ten million rows (docs/
//! PERFORMANCE.md). Same results as the portable queries in `scores.rs`, which PostgreSQL
//! and the per-subject updates use; the app's tests run both.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, params};

use xianfeng_domain::ballot::Verdict;

use crate::figures::Span;
use crate::scores::{Facts, Lexicon, ScoredOrg, Universe, kind_code};
use crate::{Result, StoreError};

fn open(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(10))?;
    // A larger page cache for the scans; the connection lives for one read.
    conn.execute_batch("PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;")?;
    Ok(conn)
}

fn universe(conn: &Connection) -> Result<Universe> {
    let mut u = Universe::default();
    let mut q = conn.prepare(
        "SELECT id, parent_id, code, name, path, kind, category, member_count FROM organisations \
         ORDER BY path",
    )?;
    let mut rows = q.query([])?;
    while let Some(r) = rows.next()? {
        u.orgs.push(ScoredOrg {
            id: r.get(0)?,
            parent_id: r.get(1)?,
            code: r.get(2)?,
            name: r.get(3)?,
            path: r.get(4)?,
            kind: r.get(5)?,
            category: r.get(6)?,
            member_count: r.get(7)?,
        });
    }
    let pairs = |sql: &str| -> Result<Vec<(i64, i64)>> {
        let mut q = conn.prepare(sql)?;
        let mut rows = q.query([])?;
        let mut out = vec![];
        while let Some(r) = rows.next()? {
            out.push((r.get(0)?, r.get(1)?));
        }
        Ok(out)
    };
    u.members = pairs("SELECT id, org_id FROM members ORDER BY id")?;
    u.teams = pairs("SELECT id, org_id FROM leadership_teams ORDER BY id")?;
    let mut q = conn.prepare(
        "SELECT c.id, t.org_id, c.member_id FROM cadres c \
         JOIN leadership_teams t ON t.id = c.team_id ORDER BY c.id",
    )?;
    let mut rows = q.query([])?;
    while let Some(r) = rows.next()? {
        u.cadres.push((r.get(0)?, r.get(1)?, r.get(2)?));
    }
    Ok(u)
}

/// Reviews, self-assessments and indicator values: the facts filed under a period code.
fn by_period(conn: &Connection, w: &Span, lex: &Lexicon, facts: &mut Facts) -> Result<()> {
    let mut q = conn.prepare(
        "SELECT subject_kind, subject_id, SUM(points), COUNT(*) FROM reviews \
         WHERE campaign_id = ?1 AND period = ?2 GROUP BY subject_kind, subject_id",
    )?;
    let mut rows = q.query(params![w.campaign_id, w.period])?;
    while let Some(r) = rows.next()? {
        if let Some(k) = kind_code(r.get_ref(0)?.as_str()?) {
            facts.reviews.push((k, r.get(1)?, r.get(2)?, r.get(3)?));
        }
    }
    facts.self_points = coded(
        conn,
        "SELECT subject_kind, subject_id, criterion, points FROM self_assessments \
         WHERE campaign_id = ?1 AND period = ?2",
        w,
        |k, c| lex.criterion(k, c),
    )?;
    facts.indicators = coded(
        conn,
        "SELECT subject_kind, subject_id, indicator, value FROM indicator_values \
         WHERE campaign_id = ?1 AND period = ?2",
        w,
        |k, i| lex.indicator(k, i),
    )?;
    Ok(())
}

/// Rows (kind, subject, code, value) filed under the period, the code (a criterion or an
/// indicator) numbered by `number`; rows of unknown kinds or codes are left out.
fn coded<T: rusqlite::types::FromSql>(
    conn: &Connection,
    sql: &str,
    w: &Span,
    number: impl Fn(u8, &str) -> Option<u16>,
) -> Result<Vec<(u8, i64, u16, T)>> {
    let mut q = conn.prepare(sql)?;
    let mut rows = q.query(params![w.campaign_id, w.period])?;
    let mut out = vec![];
    while let Some(r) = rows.next()? {
        let Some(k) = kind_code(r.get_ref(0)?.as_str()?) else {
            continue;
        };
        if let Some(code) = number(k, r.get_ref(2)?.as_str()?) {
            out.push((k, r.get(1)?, code, r.get(3)?));
        }
    }
    Ok(out)
}

/// Ballot counts of the rounds ending in the period.
fn tallies(conn: &Connection, w: &Span, facts: &mut Facts) -> Result<()> {
    let mut q = conn.prepare(
        "SELECT id, subject_kind FROM eval_rounds \
         WHERE campaign_id = ?1 AND ends_on >= ?2 AND ends_on <= ?3",
    )?;
    let rounds: Vec<(i64, String)> = q
        .query_map(params![w.campaign_id, w.from, w.to], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    // One row per subject with its three counts: SQLite adds them up as it walks the
    // table's key (round, subject, verdict), instead of three rows each coming back.
    let sums: Vec<String> = Verdict::ALL
        .iter()
        .map(|v| {
            format!(
                "SUM(CASE WHEN verdict = '{}' THEN n ELSE 0 END)",
                v.as_str()
            )
        })
        .collect();
    let mut q = conn.prepare(&format!(
        "SELECT subject_id, {} FROM eval_tallies WHERE round_id = ?1 GROUP BY subject_id",
        sums.join(", ")
    ))?;
    for (round, kind) in rounds {
        let Some(k) = kind_code(&kind) else { continue };
        let mut rows = q.query(params![round])?;
        while let Some(r) = rows.next()? {
            facts
                .tallies
                .push((k, r.get(0)?, [r.get(1)?, r.get(2)?, r.get(3)?]));
        }
    }
    Ok(())
}

/// Commitment items due in the period, per subject: items per commitment first (one pass
/// over the period's items), then the commitments they belong to.
fn items(conn: &Connection, w: &Span, facts: &mut Facts) -> Result<()> {
    let mut per_commitment: HashMap<i64, (i64, i64)> = HashMap::new();
    let mut q = conn.prepare(
        "SELECT commitment_id, outcome, due_on < ?3 FROM commitment_items \
         WHERE due_on >= ?1 AND due_on <= ?2",
    )?;
    let mut rows = q.query(params![w.from, w.to, w.today])?;
    while let Some(r) = rows.next()? {
        let outcome = r.get_ref(1)?.as_str()?;
        let past_due: bool = r.get(2)?;
        let e = per_commitment.entry(r.get(0)?).or_default();
        if outcome == "kept" {
            e.0 += 1;
        }
        if outcome != "open" || past_due {
            e.1 += 1;
        }
    }
    if !per_commitment.is_empty() {
        let mut per_subject: HashMap<(u8, i64), (i64, i64)> = HashMap::new();
        let mut q = conn.prepare(
            "SELECT id, subject_kind, subject_id FROM commitments \
             WHERE campaign_id = ?1 AND status IN ('published', 'evaluated')",
        )?;
        let mut rows = q.query(params![w.campaign_id])?;
        while let Some(r) = rows.next()? {
            let Some(&(kept, judged)) = per_commitment.get(&r.get::<_, i64>(0)?) else {
                continue;
            };
            if let Some(k) = kind_code(r.get_ref(1)?.as_str()?) {
                let e = per_subject.entry((k, r.get(2)?)).or_default();
                e.0 += kept;
                e.1 += judged;
            }
        }
        facts.items = per_subject
            .into_iter()
            .map(|((k, id), (kept, judged))| (k, id, kept, judged))
            .collect();
    }

    Ok(())
}

/// Study and service hours recorded in the period.
fn hours(conn: &Connection, w: &Span, facts: &mut Facts) -> Result<()> {
    for (table, day) in [
        ("study_records", "studied_on"),
        ("service_records", "served_on"),
    ] {
        let mut q = conn.prepare(&format!(
            "SELECT member_id, org_id, hours_tenths FROM {table} \
             WHERE campaign_id = ?1 AND {day} >= ?2 AND {day} <= ?3"
        ))?;
        let mut rows = q.query(params![w.campaign_id, w.from, w.to])?;
        while let Some(r) = rows.next()? {
            facts.hours.push((r.get(0)?, r.get(1)?, r.get(2)?));
        }
    }
    Ok(())
}

/// Reads the universe and a period's facts on three threads of about equal work (most rows
/// are ballot counts and commitment items), each with its own connection.
pub(crate) fn read(path: &Path, w: Span, lex: Lexicon) -> Result<(Universe, Facts)> {
    let a = open(path)?;
    let on_own = |part: fn(&Connection, &Span, &mut Facts) -> Result<()>| {
        let w = &w;
        move || -> Result<Facts> {
            let conn = open(path)?;
            let mut facts = Facts::default();
            part(&conn, w, &mut facts)?;
            Ok(facts)
        }
    };
    std::thread::scope(|s| {
        let counted = s.spawn(on_own(tallies));
        let kept = s.spawn(on_own(items));
        let universe = universe(&a)?;
        let mut facts = Facts::default();
        by_period(&a, &w, &lex, &mut facts)?;
        hours(&a, &w, &mut facts)?;
        let failed = || StoreError::Invalid("a score reader thread failed".into());
        facts.tallies = counted.join().map_err(|_| failed())??.tallies;
        facts.items = kept.join().map_err(|_| failed())??.items;
        Ok((universe, facts))
    })
}
