//! Bulletins and reports (通报, 总结): drafting one from the data in one action, editing
//! the draft, issuing it with its document number (文号), and its .xlsx annex.

mod commendation;
mod inspection;
mod progress;
pub mod reports;
pub mod schedule;

use chrono::{Datelike, NaiveDate};
use xianfeng_domain::bulletin::{
    BulletinKind, DocumentNumber, Figure, Figures, Table, changed, check_prefix, fill, parse_body,
};
use xianfeng_domain::bulletin_outline::Outline;
use xianfeng_domain::i18n::Message;
use xianfeng_domain::policy::Action;
use xianfeng_storage::{BulletinRecord, Issue, NewBulletin, OrgRecord, Store};

use crate::AppError;
use crate::actor::Who;
use crate::figures::Over;
use crate::scores::Scores;

/// What a draft is written from: its figures, its tables, what it reports on (a period,
/// a stage or a decision number) and the outline of its kind.
pub struct Gathered {
    pub figures: Figures,
    pub tables: Vec<Table>,
    pub period: Option<String>,
    pub outline: Outline,
}

/// What to draft: the kind, the scope (an organisation's code; an inspection bulletin's is
/// its plan's), and what it reports on — a period (progress; the current one when absent),
/// a themed stage (stage summary), a closed inspection plan, or a commendation's decision
/// number (all the scope's commended when absent).
#[derive(Debug, Clone, Default)]
pub struct DraftRequest<'a> {
    pub kind: Option<BulletinKind>,
    pub scope: &'a str,
    pub period: Option<&'a str>,
    pub plan: Option<i64>,
    /// An issued bulletin this one corrects: its kind, scope and subject are taken.
    pub corrects: Option<i64>,
}

/// What a bulletin reports on: its kind, scope, period (stage, decision) and plan.
struct About<'a> {
    kind: BulletinKind,
    scope: &'a str,
    period: Option<&'a str>,
    plan: Option<i64>,
}

/// Gathers what a bulletin says now.
async fn gather(
    store: &Store,
    scores: &Scores,
    who: Who<'_>,
    about: About<'_>,
    today: NaiveDate,
) -> Result<(OrgRecord, Gathered), AppError> {
    let About {
        kind,
        scope,
        period,
        plan,
    } = about;
    if kind == BulletinKind::Inspection {
        let plan = plan.ok_or_else(|| AppError::input("bulletin.plan_needed", &[]))?;
        return inspection::gather(store, who, plan, today).await;
    }
    let org = crate::scope::org_for(store, who.principal, scope, Action::WriteBulletins).await?;
    let g = match kind {
        BulletinKind::Progress => {
            progress::gather(store, scores, who, &org, Over::Period(period), &[], today).await?
        }
        BulletinKind::StageSummary => {
            let stage = period.ok_or_else(|| AppError::input("bulletin.stage_needed", &[]))?;
            let practices = practices(store, &org, stage).await?;
            progress::gather(
                store,
                scores,
                who,
                &org,
                Over::Stage(stage),
                &practices,
                today,
            )
            .await?
        }
        BulletinKind::Commendation => commendation::gather(store, &org, period, today).await?,
        BulletinKind::Inspection => unreachable!("handled above"),
    };
    Ok((org, g))
}

/// The good practices of the stage reports below `org` it picked, one line each.
async fn practices(store: &Store, org: &OrgRecord, stage: &str) -> Result<Vec<String>, AppError> {
    reports::picked(store, org, stage).await
}

/// Fills the outline with the figures: (title, body).
fn compose(g: &Gathered) -> Result<(String, String), AppError> {
    let fail = |p: Vec<xianfeng_domain::bulletin::BodyProblem>| body_problems(p);
    let title = fill(&g.outline.title, &g.figures).map_err(fail)?;
    let body = fill(&g.outline.body, &g.figures).map_err(fail)?;
    Ok((title.trim().to_string(), body.trim().to_string()))
}

/// Drafts a bulletin from the data in one action and returns its id.
pub async fn draft(
    store: &Store,
    scores: &Scores,
    who: Who<'_>,
    r: &DraftRequest<'_>,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let (kind, scope, period, plan) = match r.corrects {
        Some(id) => {
            let old = writable(store, who, id).await?;
            if old.status != xianfeng_domain::bulletin::BulletinStatus::Issued {
                return Err(AppError::input("bulletin.corrects_draft", &[]));
            }
            (old.kind, old.scope_code, old.period, old.subject_ref)
        }
        None => (
            r.kind
                .ok_or_else(|| AppError::input("bulletin.kind_needed", &[]))?,
            r.scope.to_string(),
            r.period.map(str::to_string),
            r.plan,
        ),
    };
    let about = About {
        kind,
        scope: &scope,
        period: period.as_deref(),
        plan,
    };
    let (org, g) = gather(store, scores, who, about, today).await?;
    let (title, body) = compose(&g)?;
    let (campaign_id, _) = crate::scope::campaign(store).await?;
    let new = NewBulletin {
        campaign_id,
        kind,
        scope_org_id: org.id,
        period: g.period,
        subject_ref: plan.filter(|_| kind == BulletinKind::Inspection),
        title,
        body,
        figures: g.figures,
        tables: g.tables,
        corrects_id: r.corrects,
    };
    let mut tx = store.begin(who.username).await?;
    let id = tx.create_bulletin(&new).await?;
    tx.commit().await?;
    Ok(id)
}

/// What a draft's bulletin would say now, gathered again.
async fn regather(
    store: &Store,
    scores: &Scores,
    who: Who<'_>,
    b: &BulletinRecord,
    today: NaiveDate,
) -> Result<Gathered, AppError> {
    let about = About {
        kind: b.kind,
        scope: &b.scope_code,
        period: b.period.as_deref(),
        plan: b.subject_ref,
    };
    Ok(gather(store, scores, who, about, today).await?.1)
}

/// The figures of a draft that changed since it was drafted: (name, then, now).
pub async fn changes(
    store: &Store,
    scores: &Scores,
    who: Who<'_>,
    b: &BulletinRecord,
    today: NaiveDate,
) -> Result<Vec<(String, Figure, Option<Figure>)>, AppError> {
    if b.status.may_change().is_err() {
        return Ok(vec![]);
    }
    let now = regather(store, scores, who, b, today).await?;
    let mut list = changed(&b.figures, &now.figures);
    // The day of drafting is not news.
    list.retain(|(name, _, _)| name != "date");
    Ok(list)
}

/// Writes a draft again from the data as it is now: title, body, figures and tables (the
/// office's edits to the text are replaced).
pub async fn redraft(
    store: &Store,
    scores: &Scores,
    who: Who<'_>,
    id: i64,
    today: NaiveDate,
) -> Result<(), AppError> {
    let b = writable(store, who, id).await?;
    b.status.may_change().map_err(AppError::Input)?;
    let g = regather(store, scores, who, &b, today).await?;
    let (title, body) = compose(&g)?;
    let new = NewBulletin {
        campaign_id: b.campaign_id,
        kind: b.kind,
        scope_org_id: b.scope_org_id,
        period: b.period.clone(),
        subject_ref: b.subject_ref,
        title,
        body,
        figures: g.figures,
        tables: g.tables,
        corrects_id: b.corrects_id,
    };
    let mut tx = store.begin(who.username).await?;
    tx.redraft_bulletin(id, &new).await?;
    tx.commit().await?;
    Ok(())
}

/// Bulletin `id`, if `who` may write bulletins for its scope (otherwise: not found).
pub async fn writable(store: &Store, who: Who<'_>, id: i64) -> Result<BulletinRecord, AppError> {
    let b = store
        .bulletins()
        .bulletin(id)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::scope::org_for(store, who.principal, &b.scope_code, Action::WriteBulletins).await?;
    Ok(b)
}

/// Every problem of a body, one per line, in the reader's language.
fn body_problems(problems: Vec<xianfeng_domain::bulletin::BodyProblem>) -> AppError {
    AppError::Input(Message::lines(problems.into_iter().map(|p| {
        Message::of("bulletin.at_line", &[("line", &p.line)]).arg_message("why", p.message)
    })))
}

/// The bulletins of the campaign in use that `who` may write (the office: all; committee
/// staff: those of its subtree), newest first.
pub async fn list(store: &Store, who: Who<'_>) -> Result<Vec<BulletinRecord>, AppError> {
    let (campaign_id, _) = crate::scope::campaign(store).await?;
    let all = store.bulletins().bulletins(campaign_id).await?;
    let Some(p) = who.principal else {
        return Ok(all);
    };
    let mut out = vec![];
    for b in all {
        if crate::scope::org_for(store, Some(p), &b.scope_code, Action::WriteBulletins)
            .await
            .is_ok()
        {
            out.push(b);
        }
    }
    Ok(out)
}

/// Changes a draft's title and body, checked as the body's format asks (headings in order,
/// known tables); an issued bulletin is refused.
pub async fn edit(
    store: &Store,
    who: Who<'_>,
    id: i64,
    title: &str,
    body: &str,
) -> Result<(), AppError> {
    let b = writable(store, who, id).await?;
    b.status.may_change().map_err(AppError::Input)?;
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        return Err(AppError::input("bulletin.bad_title", &[]));
    }
    let keys: Vec<&str> = b.tables.iter().map(|t| t.key.as_str()).collect();
    parse_body(body, &keys).map_err(body_problems)?;
    let mut tx = store.begin(who.username).await?;
    tx.edit_bulletin(id, title, body.trim_end()).await?;
    tx.commit().await?;
    Ok(())
}

/// Issues a draft: the issuer, the prefix of its number (the year is the date's), the
/// organisations it is addressed to (codes; the scope's own organisations below when none
/// are named) and the 主送 line (their names when left empty), whom it is copied to, who
/// signed it off where its kind needs one, the date and whether it is public. Returns its
/// number. Irreversible: a correction is a new bulletin.
pub async fn issue(
    store: &Store,
    who: Who<'_>,
    id: i64,
    i: &Issue,
    recipients: &[String],
) -> Result<DocumentNumber, AppError> {
    let b = writable(store, who, id).await?;
    b.status.may_change().map_err(AppError::Input)?;
    check_prefix(i.prefix.trim()).map_err(AppError::Input)?;
    if i.issuer.trim().is_empty() {
        return Err(AppError::input("bulletin.no_issuer", &[]));
    }
    let signer = i.signer.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if b.kind.needs_signer() && signer.is_none() {
        return Err(AppError::input("bulletin.no_signer", &[]));
    }
    let scope = store
        .registry()
        .org_by_id(b.scope_org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let orgs = if recipients.iter().all(|c| c.trim().is_empty()) {
        store.registry().children(scope.id).await?
    } else {
        let mut orgs = vec![];
        let mut unknown = vec![];
        for code in recipients
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
        {
            match store.registry().org_by_code(code).await? {
                Some(o) => orgs.push(o),
                None => unknown.push(code.to_string()),
            }
        }
        if !unknown.is_empty() {
            return Err(AppError::input(
                "bulletin.unknown_recipients",
                &[("codes", &unknown.join(", "))],
            ));
        }
        orgs
    };
    let main_to = match i.main_to.trim() {
        "" => orgs
            .iter()
            .map(|o| o.name.as_str())
            .collect::<Vec<_>>()
            .join(&xianfeng_domain::bulletin_outline::words().separator),
        given => given.to_string(),
    };
    if main_to.is_empty() {
        return Err(AppError::input("bulletin.no_main_to", &[]));
    }
    let issue = Issue {
        issuer: i.issuer.trim().to_string(),
        prefix: i.prefix.trim().to_string(),
        year: i.dated_on.year(),
        main_to,
        copy_to: i.copy_to.trim().to_string(),
        signer: signer.map(str::to_string),
        dated_on: i.dated_on,
        public: i.public,
        recipients: orgs.iter().map(|o| o.id).collect(),
    };
    let mut tx = store.begin(who.username).await?;
    let number = tx.issue_bulletin(id, &issue).await?;
    tx.commit().await?;
    Ok(number)
}

/// An issued bulletin addressed to one of `p`'s own organisations (主送), or one `p` writes.
pub async fn received(
    store: &Store,
    p: &xianfeng_domain::policy::Principal,
    id: i64,
) -> Result<BulletinRecord, AppError> {
    let who = Who {
        username: "",
        principal: Some(p),
    };
    if let Ok(b) = writable(store, who, id).await {
        return Ok(b);
    }
    let own: Vec<i64> = p
        .scopes
        .iter()
        .filter_map(|s| s.ids().last().copied())
        .collect();
    let b = store
        .bulletins()
        .bulletin(id)
        .await?
        .ok_or(AppError::NotFound)?;
    if b.status != xianfeng_domain::bulletin::BulletinStatus::Issued
        || !store.bulletins().addressed(id, &own).await?
    {
        return Err(AppError::NotFound);
    }
    Ok(b)
}

/// The .xlsx annex of a bulletin: one sheet per table (表1, 表2, …), its title above its
/// columns; names and codes as text (a code of digits stays text, as Excel would otherwise
/// drop its leading zeros), counts and values as numbers (values with two decimals).
pub fn annex_xlsx(tables: &[xianfeng_domain::bulletin::Table]) -> Result<Vec<u8>, AppError> {
    use rust_xlsxwriter::{Format, Workbook};
    use xianfeng_domain::bulletin::Figure;
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::fault(e);
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let hundredths = Format::new().set_num_format("0.00");
    for (n, table) in tables.iter().enumerate() {
        let sheet = book.add_worksheet();
        sheet.set_name(format!("表{}", n + 1)).map_err(fail)?;
        sheet
            .write_string_with_format(0, 0, &table.title, &bold)
            .map_err(fail)?;
        for (c, h) in table.columns.iter().enumerate() {
            sheet
                .write_string_with_format(1, c as u16, h, &bold)
                .map_err(fail)?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            let r = r as u32 + 2;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Figure::Count(v) => sheet.write_number(r, c, *v as f64),
                    Figure::Hundredths(v) => {
                        sheet.write_number_with_format(r, c, *v as f64 / 100.0, &hundredths)
                    }
                    Figure::Text(t) => sheet.write_string(r, c, t),
                }
                .map_err(fail)?;
            }
        }
        sheet.autofit();
    }
    if tables.is_empty() {
        book.add_worksheet();
    }
    book.save_to_buffer().map_err(fail)
}

/// A bulletin as a 公文 (.docx, GB/T 9704-2012). A draft carries "（草稿）" in place of its
/// number, its scope's name as the issuer and `today` as its date.
pub fn docx(b: &BulletinRecord, today: NaiveDate) -> Result<Vec<u8>, AppError> {
    let blocks = blocks(b)?;
    let dated = xianfeng_domain::bulletin_outline::date(b.dated_on.unwrap_or(today));
    crate::docx::official(&crate::docx::Official {
        issuer: b.issuer.as_deref().unwrap_or(&b.scope_name),
        number: b.number.as_ref().map(|n| n.to_string()),
        signer: b.signer.as_deref(),
        title: &b.title,
        main_to: b.main_to.as_deref().unwrap_or_default(),
        blocks: &blocks,
        tables: &b.tables,
        dated: &dated,
        copy_to: b.copy_to.as_deref().unwrap_or_default(),
    })
}

/// What the drafting form offers `who`: its own scope, the campaign's periods and themed
/// stages, and the closed inspection plans of its subtree.
pub struct DraftChoices {
    pub scope: String,
    /// (code, name)
    pub periods: Vec<(String, String)>,
    pub current_period: Option<String>,
    pub stages: Vec<(String, String)>,
    /// (id, name)
    pub plans: Vec<(i64, String)>,
}

pub async fn choices(
    store: &Store,
    who: Who<'_>,
    today: NaiveDate,
) -> Result<DraftChoices, AppError> {
    let (campaign_id, campaign) = crate::scope::campaign(store).await?;
    let scope = match who.principal {
        Some(p) => crate::scope::top_code(store, p).await?,
        None => String::new(),
    };
    let mut plans = vec![];
    for p in store.inspections().plans(campaign_id).await? {
        let closed = p.status == xianfeng_domain::inspection::PlanStatus::Closed;
        if closed
            && crate::scope::org_for(store, who.principal, &p.scope_code, Action::WriteBulletins)
                .await
                .is_ok()
        {
            plans.push((p.id, p.name));
        }
    }
    Ok(DraftChoices {
        scope,
        periods: campaign
            .periods()
            .into_iter()
            .map(|p| (p.code, p.name))
            .collect(),
        current_period: crate::figures::default_period(&campaign, today).map(|p| p.code),
        stages: campaign
            .file
            .stages
            .iter()
            .map(|s| (s.code.get_ref().clone(), s.name.clone()))
            .collect(),
        plans,
    })
}

/// The body of a bulletin as blocks, its tables placed where the text says.
pub fn blocks(b: &BulletinRecord) -> Result<Vec<xianfeng_domain::bulletin::Block>, AppError> {
    let keys: Vec<&str> = b.tables.iter().map(|t| t.key.as_str()).collect();
    parse_body(&b.body, &keys).map_err(body_problems)
}

/// The public bulletins (issued and marked public) of the campaign in use, newest first;
/// `issuer`: only that issuer's.
pub async fn public_list(
    store: &Store,
    issuer: Option<&str>,
) -> Result<Vec<BulletinRecord>, AppError> {
    let (campaign_id, _) = crate::scope::campaign(store).await?;
    let mut list: Vec<BulletinRecord> = store
        .bulletins()
        .bulletins(campaign_id)
        .await?
        .into_iter()
        .filter(|b| b.public && b.status == xianfeng_domain::bulletin::BulletinStatus::Issued)
        .filter(|b| issuer.is_none_or(|i| b.issuer.as_deref() == Some(i)))
        .collect();
    list.sort_by_key(|b| std::cmp::Reverse((b.dated_on, b.issued_at)));
    Ok(list)
}

/// A public bulletin; a draft, or one not marked public, does not exist for the public.
pub async fn public_one(store: &Store, id: i64) -> Result<BulletinRecord, AppError> {
    let b = store
        .bulletins()
        .bulletin(id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !b.public || b.status != xianfeng_domain::bulletin::BulletinStatus::Issued {
        return Err(AppError::NotFound);
    }
    Ok(b)
}
