//! Members over time, by the branch secretary and those above her in scope: add and correct
//! a member, record her 转正 or her leaving, and transfer her to another branch
//! (组织关系转接) — the sending side starts, the receiving side accepts or refuses. The web
//! forms and the API come here; each change is one audited write.

use chrono::NaiveDate;
use xianfeng_domain::i18n::Message;
use xianfeng_domain::member_changes::{
    LeavingReason, TransferState, TransferStep, check_full_membership, check_leaving, note,
};
use xianfeng_domain::policy::{Action, Principal, principal_permits};
use xianfeng_domain::role::Role;
use xianfeng_domain::roster::{Columns, Field, MemberField, RowIssue, parse_member_row};
use xianfeng_domain::sheet::Cell;
use xianfeng_storage::{DuplicateMember, MemberRecord, MemberUpsert, OrgRecord, Store, Transfer};

use crate::AppError;
use crate::actor::Actor;
use crate::scope::{allowed, org_for};

/// A member's record as a form gives it: text as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct MemberForm {
    pub name: String,
    pub gender: String,
    pub ethnicity: String,
    pub birth_date: String,
    pub id_number: String,
    pub joined_on: String,
    pub member_type: String,
    pub position: String,
    pub phone: String,
}

impl MemberForm {
    /// The form of a stored member, for correcting it (the ID number and phone stay empty:
    /// they are never served back in full, and left empty they are kept as they are).
    pub fn of(m: &MemberRecord) -> MemberForm {
        MemberForm {
            name: m.name.clone(),
            gender: m.gender.as_str().to_string(),
            ethnicity: m.ethnicity.clone().unwrap_or_default(),
            birth_date: String::new(),
            id_number: String::new(),
            joined_on: m.joined_on.map(|d| d.to_string()).unwrap_or_default(),
            member_type: m.member_type.as_str().to_string(),
            position: m.position.clone().unwrap_or_default(),
            phone: String::new(),
        }
    }
}

/// A form's fields as one row of a sheet with those columns, so that a form is checked
/// exactly as an imported row is, with the same messages.
pub(crate) fn as_row<F: Field>(fields: &[(F, &str)]) -> Result<(Columns<F>, Vec<Cell>), AppError> {
    let headers: Vec<String> = fields.iter().map(|(f, _)| f.id().to_string()).collect();
    let cells: Vec<Cell> = fields
        .iter()
        .map(|(_, v)| {
            let v = v.trim();
            if v.is_empty() {
                Cell::Empty
            } else {
                Cell::Text(v.to_string())
            }
        })
        .collect();
    let columns = Columns::<F>::find(&headers).map_err(AppError::Input)?;
    Ok((columns, cells))
}

/// A row's problems as a form's: each names its field (`{prefix}.field_{id}`) in the
/// reader's language.
pub(crate) fn form_issues(prefix: &str, issues: Vec<RowIssue>) -> AppError {
    AppError::Input(Message::lines(issues.into_iter().map(|i| {
        Message::of("member.form_issue", &[])
            .arg_message(
                "field",
                Message::of(format!("{prefix}.field_{}", i.column), &[]),
            )
            .arg_message("reason", i.reason)
    })))
}

/// The form read as a roster row is: the same checks, the same messages.
fn parse_form(
    form: &MemberForm,
    org: &OrgRecord,
    today: NaiveDate,
) -> Result<MemberUpsert, AppError> {
    let (columns, cells) = as_row(&[
        (MemberField::Name, form.name.as_str()),
        (MemberField::Gender, &form.gender),
        (MemberField::Ethnicity, &form.ethnicity),
        (MemberField::BirthDate, &form.birth_date),
        (MemberField::IdNumber, &form.id_number),
        (MemberField::JoinedOn, &form.joined_on),
        (MemberField::MemberType, &form.member_type),
        (MemberField::OrgCode, &org.code),
        (MemberField::Position, &form.position),
        (MemberField::Phone, &form.phone),
    ])?;
    let row = parse_member_row(1, &cells, &columns, today).map_err(|e| form_issues("member", e))?;
    Ok(MemberUpsert {
        org_id: org.id,
        name: row.name,
        gender: row.gender,
        ethnicity: row.ethnicity,
        birth_year: i64::from(chrono::Datelike::year(&row.birth_date)),
        id_number: row.id_number.as_str().to_string(),
        joined_on: row.joined_on,
        member_type: row.member_type,
        position: row.position,
        phone: row.phone.map(|p| p.as_str().to_string()),
    })
}

/// Whether members may be kept directly in an organisation of this kind: branches, general
/// branches and grass-roots committees (基层党委) keep members; the committees above keep
/// organisations.
pub fn holds_members(o: &OrgRecord) -> bool {
    o.kind.holds_members()
}

/// Adds a new member to organisation `code`. A person whose ID number is already on the
/// registry is not added twice: in this organisation the answer says so; elsewhere the
/// office is told (the same ID number active in two branches is never kept) and the
/// answer says to ask for a transfer.
pub async fn add_member(
    store: &Store,
    actor: &Actor<'_>,
    code: &str,
    form: &MemberForm,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let o = org_for(store, Some(actor.principal), code, Action::WriteMembers).await?;
    if !holds_members(&o) {
        return Err(AppError::input("member.org_holds_none", &[]));
    }
    let row = parse_form(form, &o, today)?;
    if let Some(known) = store.registry().member_by_id_number(&row.id_number).await? {
        if known.org_id == o.id && known.left.is_none() {
            return Err(AppError::input(
                "member.already_here",
                &[("name", &known.name)],
            ));
        }
        let mut tx = store.begin(actor.username).await?;
        tx.flag_duplicate(known.id, o.id).await?;
        tx.commit().await?;
        return Err(AppError::input("member.registered_elsewhere", &[]));
    }
    // Someone registered elsewhere at the same moment is not moved here by the upsert:
    // the write is limited to this organisation, and refused as registered elsewhere.
    let mut tx = store.begin(actor.username).await?;
    tx.restrict_members_to(std::collections::HashSet::from([o.id]));
    tx.upsert_members(store, std::slice::from_ref(&row)).await?;
    tx.commit().await?;
    let added = store
        .registry()
        .member_by_id_number(&row.id_number)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(added.id)
}

/// A member and her organisation, if `principal` may change her record.
pub async fn member_to_change(
    store: &Store,
    principal: &Principal,
    member_id: i64,
) -> Result<(MemberRecord, OrgRecord), AppError> {
    let (m, o) = crate::registry::member_with_org(store, member_id).await?;
    allowed(principal, Action::WriteMembers, &o)?;
    Ok((m, o))
}

/// Corrects a member's record (更正). An ID number or phone left empty is kept as stored.
/// Returns whether anything changed.
pub async fn correct_member(
    store: &Store,
    actor: &Actor<'_>,
    member_id: i64,
    form: &MemberForm,
    today: NaiveDate,
) -> Result<bool, AppError> {
    let (m, o) = member_to_change(store, actor.principal, member_id).await?;
    if m.left.is_some() {
        return Err(AppError::input("member.already_left", &[]));
    }
    let mut form = form.clone();
    let kept_id = form.id_number.trim().is_empty();
    if kept_id {
        form.id_number = store
            .registry()
            .reveal_id_number(m.id)
            .await?
            .ok_or(AppError::NotFound)?;
    }
    let mut row = parse_form(&form, &o, today)?;
    if form.phone.trim().is_empty() {
        row.phone = store.registry().reveal_phone(m.id).await?;
    }
    let mut tx = store.begin(actor.username).await?;
    let changed = tx.correct_member(store, m.id, &row).await?;
    tx.commit().await?;
    Ok(changed)
}

/// Records that a member left (死亡, 退党, 出党, 停止党籍) on `on`, with the reason.
pub async fn record_leaving(
    store: &Store,
    actor: &Actor<'_>,
    member_id: i64,
    reason: LeavingReason,
    on: NaiveDate,
    text: &str,
    today: NaiveDate,
) -> Result<(), AppError> {
    let (m, _) = member_to_change(store, actor.principal, member_id).await?;
    check_leaving(&m.standing(), on, today).map_err(|r| AppError::Input(r.message()))?;
    let text = note(text).map_err(|r| AppError::Input(r.message()))?;
    let mut tx = store.begin(actor.username).await?;
    tx.record_leaving(m.id, reason, on, &text).await?;
    tx.commit().await?;
    Ok(())
}

/// Records a probationary member's 转正 on `on`.
pub async fn record_full_membership(
    store: &Store,
    actor: &Actor<'_>,
    member_id: i64,
    on: NaiveDate,
    today: NaiveDate,
) -> Result<(), AppError> {
    let (m, _) = member_to_change(store, actor.principal, member_id).await?;
    check_full_membership(&m.standing(), on, today).map_err(|r| AppError::Input(r.message()))?;
    let mut tx = store.begin(actor.username).await?;
    tx.record_full_membership(m.id, on).await?;
    tx.commit().await?;
    Ok(())
}

/// The sending side starts a transfer of a member to the organisation `to` (any that keeps
/// members on the registry: a member carries her letter across counties). A code that names
/// no such organisation is answered the same whether or not something else has it.
pub async fn start_transfer(
    store: &Store,
    actor: &Actor<'_>,
    member_id: i64,
    to: &str,
    text: &str,
) -> Result<i64, AppError> {
    let (m, o) = member_to_change(store, actor.principal, member_id).await?;
    let to = to.trim();
    let target = store
        .registry()
        .org_by_code(to)
        .await?
        .filter(holds_members)
        .ok_or_else(|| AppError::input("member.transfer_no_branch", &[("code", &to)]))?;
    if target.id == o.id {
        return Err(AppError::input("member.transfer_same_org", &[]));
    }
    let text = note(text).map_err(|r| AppError::Input(r.message()))?;
    if m.left.is_some() {
        return Err(AppError::input("member.already_left", &[]));
    }
    let mut tx = store.begin(actor.username).await?;
    let id = tx.start_transfer(m.id, target.id, &text).await?;
    tx.commit().await?;
    Ok(id)
}

/// Accepts or refuses (the receiving side, a reason required to refuse) or withdraws (the
/// sending side) a waiting transfer.
pub async fn step_transfer(
    store: &Store,
    actor: &Actor<'_>,
    transfer_id: i64,
    step: TransferStep,
    reason: &str,
) -> Result<Transfer, AppError> {
    let t = visible_transfer(store, actor.principal, transfer_id).await?;
    let side = if step.by_receiver() {
        t.to_org_id
    } else {
        t.from_org_id
    };
    let side = store
        .registry()
        .org_by_id(side)
        .await?
        .ok_or(AppError::NotFound)?;
    allowed(actor.principal, Action::WriteMembers, &side).map_err(|_| AppError::Forbidden)?;
    if t.state != TransferState::Waiting {
        return Err(AppError::Input(
            Message::of("member.transfer_decided", &[]).arg_message("state", t.state.message()),
        ));
    }
    let reason = match step {
        TransferStep::Refuse => Some(note(reason).map_err(|r| AppError::Input(r.message()))?),
        _ => Some(reason.trim().to_string()).filter(|r| !r.is_empty()),
    };
    let mut tx = store.begin(actor.username).await?;
    tx.step_transfer(t.id, step, reason.as_deref()).await?;
    tx.commit().await?;
    store
        .registry()
        .transfer(t.id)
        .await?
        .ok_or(AppError::NotFound)
}

/// A transfer, if the account may see one of its two sides (the common committee above
/// both sees it too).
pub async fn visible_transfer(
    store: &Store,
    principal: &Principal,
    id: i64,
) -> Result<Transfer, AppError> {
    let t = store
        .registry()
        .transfer(id)
        .await?
        .ok_or(AppError::NotFound)?;
    for side in [t.from_org_id, t.to_org_id] {
        if let Some(o) = store.registry().org_by_id(side).await?
            && allowed(principal, Action::ReadMembers, &o).is_ok()
        {
            return Ok(t);
        }
    }
    Err(AppError::NotFound)
}

/// Whether `principal` keeps the roster of a transfer's side, read from the path stored
/// with the transfer (no look-up per row; roster keeping is never by sector).
pub fn keeps_side(principal: &Principal, path: &str) -> bool {
    let path = xianfeng_domain::org::TreePath::from_stored(path.to_string());
    xianfeng_domain::policy::decide(
        principal,
        Action::WriteMembers,
        &xianfeng_domain::policy::Target::of(&path, None),
    )
    .allowed()
}

/// The transfers from or into the account's organisations, waiting ones first.
pub async fn transfers(store: &Store, principal: &Principal) -> Result<Vec<Transfer>, AppError> {
    const SHOWN: i64 = 200;
    // Transfers are the business of those who keep rosters, not of every member in scope.
    if !principal_permits(principal, Action::WriteMembers) {
        return Ok(vec![]);
    }
    let mut out: Vec<Transfer> = Vec::new();
    let scopes: Vec<Option<&xianfeng_domain::org::TreePath>> = if principal.role == Role::Admin {
        vec![None]
    } else {
        principal.scopes.iter().map(Some).collect()
    };
    for scope in scopes {
        for t in store.registry().transfers_touching(scope, SHOWN).await? {
            if !out.iter().any(|o| o.id == t.id) {
                out.push(t);
            }
        }
    }
    out.sort_by_key(|t| (t.state != TransferState::Waiting, std::cmp::Reverse(t.id)));
    Ok(out)
}

/// Whether the account sees the office's list of duplicates: the office, and committee
/// staff for the duplicates touching their subtree.
pub fn sees_duplicates(principal: &Principal) -> bool {
    matches!(principal.role, Role::Office | Role::CommitteeStaff)
}

/// The ID numbers someone tried to add a second time, that the account may settle.
pub async fn duplicates(
    store: &Store,
    principal: &Principal,
) -> Result<Vec<DuplicateMember>, AppError> {
    if !sees_duplicates(principal) {
        return Ok(vec![]);
    }
    let mut out = Vec::new();
    for d in store.registry().open_duplicates().await? {
        let mine = match store.registry().org_by_id(d.member.org_id).await? {
            Some(o) => allowed(principal, Action::WriteMembers, &o).is_ok(),
            None => false,
        };
        if mine {
            out.push(d);
        }
    }
    Ok(out)
}

/// The office marks a duplicate settled (the person was transferred, or a wrong record
/// corrected).
pub async fn settle_duplicate(store: &Store, actor: &Actor<'_>, id: i64) -> Result<(), AppError> {
    if !duplicates(store, actor.principal)
        .await?
        .iter()
        .any(|d| d.id == id)
    {
        return Err(AppError::NotFound);
    }
    let mut tx = store.begin(actor.username).await?;
    tx.settle_duplicate(id).await?;
    tx.commit().await?;
    Ok(())
}
