//! The figures and tables of an inspection bulletin (督查情况通报): a closed plan's results
//! as the public results show them (per target: judgements and rectification), and the
//! judgements per inspection item.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use xianfeng_domain::bulletin::{BulletinKind, Figure, Figures};
use xianfeng_domain::bulletin_outline::date;
use xianfeng_domain::i18n::Message;
use xianfeng_domain::inspection::{PlanStatus, Tally};
use xianfeng_domain::policy::Action;
use xianfeng_storage::{OrgRecord, Store};

use super::Gathered;
use super::progress::table;
use crate::AppError;
use crate::actor::Who;

/// The closed plan `plan`, if `who` may write bulletins for its scope: its scope and what
/// its bulletin quotes.
pub async fn gather(
    store: &Store,
    who: Who<'_>,
    plan: i64,
    today: NaiveDate,
) -> Result<(OrgRecord, Gathered), AppError> {
    let p = store
        .inspections()
        .plan(plan)
        .await?
        .ok_or(AppError::NotFound)?;
    let scope =
        crate::scope::org_for(store, who.principal, &p.scope_code, Action::WriteBulletins).await?;
    if p.status != PlanStatus::Closed {
        return Err(AppError::Input(Message::of(
            "bulletin.plan_not_closed",
            &[("plan", &p.name)],
        )));
    }
    let (_, campaign) = crate::scope::campaign(store).await?;
    let outline = campaign.bulletin_outline(BulletinKind::Inspection);
    let names: std::collections::HashMap<String, String> = store
        .inspections()
        .inspectors()
        .await?
        .into_iter()
        .map(|i| (i.username, i.name))
        .collect();
    let tasks = store.inspections().tasks_of_plan(p.id).await?;
    let inspectors: BTreeSet<&str> = tasks
        .iter()
        .flat_map(|t| t.inspectors.iter().map(String::as_str))
        .collect();
    let inspectors = inspectors.len();
    // Judgements per item, of the visits submitted.
    let mut by_item: BTreeMap<String, Tally> = BTreeMap::new();
    for t in tasks.iter().filter(|t| t.submitted_at.is_some()) {
        for finding in store.inspections().findings(t.id).await? {
            by_item
                .entry(finding.item)
                .or_default()
                .add(finding.judgement);
        }
    }
    let published = crate::inspections::public::public_plan(store, p, &names, today).await?;
    let results = published.results.unwrap_or_default();
    let mut total = Tally::default();
    let (mut rect, mut rectified, mut overdue, mut submitted) = (0usize, 0usize, 0usize, 0usize);
    let mut rows = vec![];
    for r in &results {
        total.meets += r.tally.meets;
        total.partly += r.tally.partly;
        total.fails += r.tally.fails;
        rect += r.rectifications;
        rectified += r.rectified;
        overdue += r.overdue;
        submitted += usize::from(r.submitted);
        rows.push(vec![
            Figure::Text(r.code.clone()),
            Figure::Text(r.name.clone()),
            Figure::Text(
                r.inspectors
                    .join(&xianfeng_domain::bulletin_outline::words().separator),
            ),
            Figure::Count(i64::from(r.tally.meets)),
            Figure::Count(i64::from(r.tally.partly)),
            Figure::Count(i64::from(r.tally.fails)),
            Figure::Count(r.rectifications as i64),
            Figure::Count(r.rectified as i64),
            Figure::Count(r.overdue as i64),
        ]);
    }
    // Items in the campaign file's order.
    let order = |code: &str| {
        campaign
            .file
            .inspection_items
            .iter()
            .position(|i| i.code.get_ref() == code)
            .unwrap_or(usize::MAX)
    };
    let mut items: Vec<(&String, &Tally)> = by_item.iter().collect();
    items.sort_by_key(|(code, _)| order(code));
    let item_rows = items
        .into_iter()
        .map(|(code, t)| {
            let name = campaign
                .inspection_item(code)
                .map_or(code.clone(), |i| i.name.clone());
            vec![
                Figure::Text(name),
                Figure::Count(i64::from(t.meets)),
                Figure::Count(i64::from(t.partly)),
                Figure::Count(i64::from(t.fails)),
            ]
        })
        .collect();
    let mut f = Figures::new();
    let text = |s: &str| Figure::Text(s.to_string());
    f.insert("scope".into(), text(&scope.name));
    f.insert("date".into(), text(&date(today)));
    f.insert("plan".into(), text(&published.plan.name));
    f.insert("targets".into(), Figure::Count(results.len() as i64));
    f.insert("inspectors".into(), Figure::Count(inspectors as i64));
    f.insert("submitted".into(), Figure::Count(submitted as i64));
    f.insert("conforming".into(), Figure::Count(i64::from(total.meets)));
    f.insert("basic".into(), Figure::Count(i64::from(total.partly)));
    f.insert(
        "nonconforming".into(),
        Figure::Count(i64::from(total.fails)),
    );
    f.insert("rectifications".into(), Figure::Count(rect as i64));
    f.insert("rectified".into(), Figure::Count(rectified as i64));
    f.insert(
        "rectifications_overdue".into(),
        Figure::Count(overdue as i64),
    );
    let tables = vec![
        table(&outline, "items", item_rows),
        table(&outline, "targets", rows),
    ];
    Ok((
        scope,
        Gathered {
            figures: f,
            tables,
            period: None,
            outline,
        },
    ))
}
