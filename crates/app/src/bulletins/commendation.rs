//! The figures and tables of a commendation (表彰通报 / 表彰决定): the honour roll of the
//! scope as the public roll shows it, by honour, optionally of one decision (文号) only.

use chrono::NaiveDate;
use xianfeng_domain::bulletin::{BulletinKind, Figure, Figures};
use xianfeng_domain::bulletin_outline::{date, word, words};
use xianfeng_storage::{OrgRecord, Store};

use super::Gathered;
use super::progress::table;
use crate::AppError;

/// The roll of `scope`'s subtree in the campaign in use; `decision`: only the commended by
/// that decision number.
pub async fn gather(
    store: &Store,
    scope: &OrgRecord,
    decision: Option<&str>,
    today: NaiveDate,
) -> Result<Gathered, AppError> {
    let (_, campaign) = crate::scope::campaign(store).await?;
    let outline = campaign.bulletin_outline(BulletinKind::Commendation);
    let roll: Vec<_> = crate::selection::honour_roll(store, None, Some(&scope.code))
        .await?
        .into_iter()
        .filter(|e| decision.is_none_or(|d| e.document_no == d))
        .collect();
    // One line per honour, in the roll's order (the campaign file's).
    let mut lines = vec![];
    let mut honours = 0;
    for group in roll.chunk_by(|a, b| a.honour == b.honour) {
        honours += 1;
        let names: Vec<String> = group.iter().map(|e| e.name.clone()).collect();
        lines.push(word(
            &words().roll_line,
            &[
                ("honour", group[0].honour_name.clone()),
                ("names", names.join(&words().separator)),
            ],
        ));
    }
    let rows = roll
        .iter()
        .map(|e| {
            vec![
                Figure::Text(e.honour_name.clone()),
                Figure::Text(e.name.clone()),
                Figure::Text(e.unit.clone()),
                Figure::Text(e.document_no.clone()),
                Figure::Text(e.commended_on.clone()),
            ]
        })
        .collect();
    let mut f = Figures::new();
    f.insert("scope".into(), Figure::Text(scope.name.clone()));
    f.insert("date".into(), Figure::Text(date(today)));
    f.insert(
        "decision".into(),
        Figure::Text(decision.unwrap_or_default().to_string()),
    );
    f.insert("commended".into(), Figure::Count(roll.len() as i64));
    f.insert("honours".into(), Figure::Count(honours));
    f.insert(
        "roll_text".into(),
        Figure::Text(if lines.is_empty() {
            words().none.clone()
        } else {
            lines.join("\n")
        }),
    );
    Ok(Gathered {
        figures: f,
        tables: vec![table(&outline, "roll", rows)],
        period: decision.map(str::to_string),
        outline,
    })
}
