//! Study and service records as a branch keeps them: a secretary enters a whole branch at
//! once (one line per member, hours left empty for those absent) or imports a sheet; a
//! member may enter their own. Service carriers are set up with their members.

use std::collections::HashMap;

use chrono::NaiveDate;
use xianfeng_domain::i18n::Message;
use xianfeng_domain::policy::{Action, Target, decide};
use xianfeng_domain::records::{ServiceKind, StudyForm, Tenths, check_day};
use xianfeng_domain::roster::RowIssue;
use xianfeng_domain::sheet::column_of;
use xianfeng_ingest::{Cell, SheetReader};
use xianfeng_storage::{MemberRecord, NewRecord, OrgRecord, RecordKind, Store};

use crate::actor::Actor;
use crate::{AppError, scope};

/// Longest topic or description.
pub const MAX_TEXT: usize = 200;

/// The organisation `code`, which the actor may read.
pub async fn org(store: &Store, actor: &Actor<'_>, code: &str) -> Result<OrgRecord, AppError> {
    scope::org_for(store, Some(actor.principal), code, Action::ReadMembers).await
}

/// Whether the actor may enter records for `member` (of organisation `o`); `None` asks
/// about the organisation as a whole (a secretary's batch, a carrier).
pub fn may_write(actor: &Actor, o: &OrgRecord, member: Option<i64>) -> Result<(), AppError> {
    let path = o.tree_path();
    let target = match member {
        Some(m) => Target::member(&path, o.sector.as_deref(), m),
        None => Target::of(&path, o.sector.as_deref()),
    };
    AppError::check(decide(actor.principal, Action::WriteRecords, &target))
}

/// The running campaign, that records go into, with its dates.
async fn campaign(store: &Store) -> Result<(i64, (NaiveDate, NaiveDate)), AppError> {
    let (id, c) = crate::campaigns::for_records(store).await?;
    Ok((id, (c.starts_on, c.ends_on)))
}

fn text(value: &str, key: &'static str) -> Result<String, AppError> {
    let t = value.trim();
    if t.is_empty() {
        return Err(AppError::Input(Message::of(key, &[])));
    }
    if t.chars().count() > MAX_TEXT {
        return Err(AppError::Input(Message::of(
            "commitment.too_long",
            &[("max", &MAX_TEXT)],
        )));
    }
    Ok(t.to_string())
}

/// One sitting or one piece of service, for several members at once.
pub struct Batch<'a> {
    /// Study: the topic; service: what was done.
    pub text: &'a str,
    /// Study: the form (code or Chinese name); service: the carrier's id, or empty.
    pub kind: &'a str,
    pub on: &'a str,
    /// (member id, hours as typed); empty hours mean the member was not there.
    pub hours: &'a [(i64, String)],
}

/// Stores a batch for members of organisation `code`; returns how many records.
pub async fn enter(
    store: &Store,
    actor: &Actor<'_>,
    kind: RecordKind,
    code: &str,
    b: &Batch<'_>,
    today: NaiveDate,
) -> Result<usize, AppError> {
    let o = org(store, actor, code).await?;
    let (campaign_id, span) = campaign(store).await?;
    let text = text(
        b.text,
        match kind {
            RecordKind::Study => "records.topic",
            RecordKind::Service => "records.description",
        },
    )?;
    let kind_code = match kind {
        RecordKind::Study => StudyForm::parse(b.kind)
            .ok_or_else(|| AppError::Input(Message::of("records.form", &[])))?
            .as_str()
            .to_string(),
        RecordKind::Service => match b.kind.trim() {
            "" => String::new(),
            post => {
                let id: i64 = post.parse().map_err(|_| AppError::NotFound)?;
                if !store
                    .records()
                    .service_posts(o.id)
                    .await?
                    .iter()
                    .any(|p| p.id == id)
                {
                    return Err(AppError::NotFound);
                }
                id.to_string()
            }
        },
    };
    let on = check_day(b.on, today, span).map_err(AppError::Input)?;
    let members: HashMap<i64, MemberRecord> = store
        .registry()
        .members_of_org(o.id, 100_000, 0)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (member_id, hours) in b.hours {
        if hours.trim().is_empty() {
            continue;
        }
        let Some(m) = members.get(member_id) else {
            return Err(AppError::NotFound);
        };
        may_write(actor, &o, Some(m.id))?;
        // One sitting, one line per member: the same member twice would count her hours
        // twice (96 hours in a day).
        if !seen.insert(m.id) {
            problems.push(Message::of("app.member_twice", &[("name", &m.name)]));
            continue;
        }
        match Tenths::parse(hours) {
            Ok(t) => rows.push(NewRecord {
                campaign_id,
                member_id: m.id,
                org_id: o.id,
                text: text.clone(),
                kind: kind_code.clone(),
                tenths: t.0,
                on,
            }),
            Err(why) => problems.push(
                Message::of("app.named_problem", &[("name", &m.name)]).arg_message("why", why),
            ),
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Input(Message::lines(problems)));
    }
    if rows.is_empty() {
        return Err(AppError::Input(Message::of("records.no_rows", &[])));
    }
    let mut tx = store.begin(actor.username).await?;
    let n = tx.add_records(kind, &rows).await?;
    tx.commit().await?;
    Ok(n)
}

/// Sets up a service carrier of organisation `code` with members of it.
pub async fn create_post(
    store: &Store,
    actor: &Actor<'_>,
    code: &str,
    kind: &str,
    name: &str,
    description: &str,
    members: &[i64],
) -> Result<i64, AppError> {
    let o = org(store, actor, code).await?;
    may_write(actor, &o, None)?;
    let kind = ServiceKind::parse(kind)
        .ok_or_else(|| AppError::Input(Message::of("records.kind", &[])))?;
    let name = text(name, "records.name")?;
    if description.chars().count() > MAX_TEXT {
        return Err(AppError::Input(Message::of(
            "commitment.too_long",
            &[("max", &MAX_TEXT)],
        )));
    }
    let known: Vec<i64> = store
        .registry()
        .members_of_org(o.id, 100_000, 0)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect();
    if members.iter().any(|m| !known.contains(m)) {
        return Err(AppError::NotFound);
    }
    let (campaign_id, _) = campaign(store).await?;
    let mut tx = store.begin(actor.username).await?;
    let id = tx
        .create_service_post(
            campaign_id,
            o.id,
            kind.as_str(),
            &name,
            description,
            members,
        )
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Column headers of a study sheet, Chinese first.
const ID_HEADERS: [&str; 3] = ["身份证号", "公民身份号码", "id_number"];
const NAME_HEADERS: [&str; 2] = ["姓名", "name"];
const TOPIC_HEADERS: [&str; 3] = ["学习主题", "主题", "topic"];
const FORM_HEADERS: [&str; 3] = ["学习形式", "形式", "form"];
const HOURS_HEADERS: [&str; 3] = ["学时", "时长", "hours"];
const DATE_HEADERS: [&str; 3] = ["日期", "学习日期", "date"];

fn cell_text(cells: &[Cell], i: Option<usize>) -> String {
    i.and_then(|i| cells.get(i))
        .map(Cell::to_text)
        .unwrap_or_default()
}

/// What a study sheet import did, or every problem it found (then nothing is written).
pub struct SheetOutcome {
    pub written: usize,
    pub issues: Vec<RowIssue>,
}

/// Imports a study sheet for organisation `code`: one row per member and sitting, the
/// member found by ID number or, failing that, by name within the branch. All or nothing.
pub async fn import_study(
    store: &Store,
    actor: &Actor<'_>,
    code: &str,
    reader: SheetReader,
    today: NaiveDate,
) -> Result<SheetOutcome, AppError> {
    let o = org(store, actor, code).await?;
    may_write(actor, &o, None)?;
    let (campaign_id, span) = campaign(store).await?;
    let h = &reader.headers;
    let (id_col, name_col) = (column_of(h, &ID_HEADERS), column_of(h, &NAME_HEADERS));
    let cols = (
        column_of(h, &TOPIC_HEADERS),
        column_of(h, &FORM_HEADERS),
        column_of(h, &HOURS_HEADERS),
        column_of(h, &DATE_HEADERS),
    );
    let (Some(_), Some(_), Some(_), Some(_)) = cols else {
        return Err(AppError::Input(Message::of(
            "import.missing_columns",
            &[(
                "columns",
                &"学习主题, 学习形式, 学时, 日期 (+ 身份证号 / 姓名)",
            )],
        )));
    };
    if id_col.is_none() && name_col.is_none() {
        return Err(AppError::Input(Message::of(
            "import.missing_columns",
            &[("columns", &"身份证号 / 姓名")],
        )));
    }
    let members = store.registry().members_of_org(o.id, 100_000, 0).await?;
    let mut by_name: HashMap<&str, Vec<i64>> = HashMap::new();
    for m in &members {
        by_name.entry(m.name.as_str()).or_default().push(m.id);
    }
    let mut rows = Vec::new();
    let mut issues = Vec::new();
    for item in reader {
        let (row, cells) = item?;
        let issue = |column: &str, value: String, reason: Message| RowIssue {
            row,
            column: column.to_string(),
            value,
            reason,
        };
        let id_number = cell_text(&cells, id_col);
        let name = cell_text(&cells, name_col);
        let member = if !id_number.trim().is_empty() {
            store
                .registry()
                .member_by_id_number(id_number.trim())
                .await?
                .filter(|m| m.org_id == o.id)
                .map(|m| m.id)
        } else {
            match by_name.get(name.trim()).map(Vec::as_slice) {
                Some([one]) => Some(*one),
                _ => None,
            }
        };
        let Some(member_id) = member else {
            issues.push(issue(
                ID_HEADERS[0],
                xianfeng_domain::idcard::mask_id_number(id_number.trim()) + &name,
                Message::of("records.not_in_org", &[("row", &row)]),
            ));
            continue;
        };
        let topic = cell_text(&cells, cols.0);
        let form = cell_text(&cells, cols.1);
        let hours = cell_text(&cells, cols.2);
        let day = cell_text(&cells, cols.3);
        let mut bad = false;
        if topic.trim().is_empty() || topic.chars().count() > MAX_TEXT {
            issues.push(issue(
                TOPIC_HEADERS[0],
                topic.clone(),
                Message::of("records.topic", &[]),
            ));
            bad = true;
        }
        let form = StudyForm::parse(&form);
        if form.is_none() {
            issues.push(issue(
                FORM_HEADERS[0],
                cell_text(&cells, cols.1),
                Message::of("records.form", &[]),
            ));
            bad = true;
        }
        let tenths = Tenths::parse(&hours)
            .map_err(|why| issues.push(issue(HOURS_HEADERS[0], hours.clone(), why)))
            .ok();
        let on = check_day(&day, today, span)
            .map_err(|why| issues.push(issue(DATE_HEADERS[0], day.clone(), why)))
            .ok();
        if let (false, Some(form), Some(t), Some(on)) = (bad, form, tenths, on) {
            rows.push(NewRecord {
                campaign_id,
                member_id,
                org_id: o.id,
                text: topic.trim().to_string(),
                kind: form.as_str().to_string(),
                tenths: t.0,
                on,
            });
        }
    }
    if !issues.is_empty() {
        return Ok(SheetOutcome { written: 0, issues });
    }
    if rows.is_empty() {
        return Err(AppError::Input(Message::of("records.no_rows", &[])));
    }
    let mut tx = store.begin(actor.username).await?;
    let written = tx.add_records(RecordKind::Study, &rows).await?;
    tx.commit().await?;
    Ok(SheetOutcome { written, issues })
}
