//! The bulk read of a period's score inputs on a SQLite file, on two threads with their own
//! read-only connections (rusqlite, as the ballot writer): sqlx's `Any` layer costs some
//! microseconds a row, and a city-wide recompute reads about three million rows (docs/
//! PERFORMANCE.md). Same results as the portable queries in `scores.rs`, which PostgreSQL
//! and the per-subject updates use; the app's tests run both.

use std::path::Path;
use std::time::Duration;
use xianfeng_domain::i18n::Message;
use xianfeng_domain::org::OrgKind;

use rusqlite::{Connection, OpenFlags, params};

use super::{
    Counts, FACT_ROWS, Facts, Lexicon, OVERDUE_GROUPS, OVERDUE_ITEMS, Overdue, ScoredOrg, Universe,
    kind_code,
};
use crate::figures::Span;
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
         WHERE closed_on IS NULL ORDER BY path",
    )?;
    let mut rows = q.query([])?;
    while let Some(r) = rows.next()? {
        u.orgs.push(ScoredOrg {
            id: r.get(0)?,
            parent_id: r.get(1)?,
            code: r.get(2)?,
            name: r.get(3)?,
            path: r.get(4)?,
            kind: {
                let kind: String = r.get(5)?;
                OrgKind::parse(&kind)
                    .ok_or_else(|| crate::row::bad_value("organisations", "kind", &kind))?
            },
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
    u.members = pairs("SELECT id, org_id FROM members WHERE left_on IS NULL ORDER BY id")?;
    u.teams = pairs(
        "SELECT t.id, t.org_id FROM leadership_teams t JOIN organisations o ON o.id = t.org_id \
         WHERE o.closed_on IS NULL ORDER BY t.id",
    )?;
    let mut q = conn.prepare(
        "SELECT c.id, t.org_id, c.member_id FROM cadres c \
         JOIN leadership_teams t ON t.id = c.team_id JOIN organisations o ON o.id = t.org_id \
         WHERE c.left_on IS NULL AND o.closed_on IS NULL ORDER BY c.id",
    )?;
    let mut rows = q.query([])?;
    while let Some(r) = rows.next()? {
        u.cadres.push((r.get(0)?, r.get(1)?, r.get(2)?));
    }
    Ok(u)
}

/// The period's rows of score facts, self-assessments and indicator values.
fn by_period(conn: &Connection, w: &Span, lex: &Lexicon) -> Result<Facts> {
    let mut overdue = vec![];
    if let Some((from, before)) = w.overdue_range() {
        let mut q = conn.prepare(&format!("{OVERDUE_ITEMS} {OVERDUE_GROUPS}"))?;
        let mut rows = q.query(params![w.campaign_id, from, before])?;
        while let Some(r) = rows.next()? {
            if let Some(k) = kind_code(r.get_ref(0)?.as_str()?) {
                overdue.push((k, r.get(1)?, r.get(2)?));
            }
        }
    }
    let overdue = Overdue::from_rows(overdue.into_iter());
    let mut facts = Facts::default();
    let mut q = conn.prepare(FACT_ROWS)?;
    let mut rows = q.query(params![w.campaign_id, w.period])?;
    while let Some(r) = rows.next()? {
        let Some(k) = kind_code(r.get_ref(0)?.as_str()?) else {
            continue;
        };
        let counts = Counts {
            review: (r.get(2)?, r.get(3)?),
            ballots: [r.get(4)?, r.get(5)?, r.get(6)?],
            items: (r.get(7)?, r.get(8)?, r.get(9)?),
            hours: r.get(10)?,
        };
        facts.add_counts(k, r.get(1)?, counts, w, &overdue);
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
    Ok(facts)
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

/// Reads the universe and the period's facts on two threads, each with its own
/// connection: about a million rows each for a city (docs/PERFORMANCE.md).
pub(crate) fn read(path: &Path, w: Span, lex: Lexicon) -> Result<(Universe, Facts)> {
    let a = open(path)?;
    std::thread::scope(|s| {
        let read_facts = s.spawn(|| by_period(&open(path)?, &w, &lex));
        let universe = universe(&a)?;
        let failed = || StoreError::Invalid(Message::verbatim("a score reader thread failed"));
        let facts = read_facts.join().map_err(|_| failed())??;
        Ok((universe, facts))
    })
}
