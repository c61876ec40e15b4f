//! Accounts for everyone (账号管理, 账号激活): the office and committee staff list, make,
//! change, disable and reset accounts within their part of the tree; accounts are made in
//! bulk for every secretary of a subtree (from the tree or from a sheet) and every member
//! (from the roster); each new or reset account gets a one-time activation code, handed
//! out on a printed slip or in a sheet, with which the person sets her own password.
//! The web pages, the API and `xianfeng user bulk` come here.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use xianfeng_domain::activation::{
    AccountField, CODE_CHARS, DEFAULT_VALID_DAYS, MAX_VALID_DAYS, code_from_random,
    is_secretary_post, may_grant, member_username, parse_account_row, printed, secretary_username,
    typed,
};
use xianfeng_domain::i18n::{Lang, Message, t};
use xianfeng_domain::org::TreePath;
use xianfeng_domain::policy::{Action, Principal, Target, decide};
use xianfeng_domain::role::Role;
use xianfeng_domain::roster::{Columns, RowIssue};
use xianfeng_domain::sheet::csv_cell;
use xianfeng_ingest::SheetReader;
use xianfeng_storage::{AccountRow, NewAccount, OrgRecord, Store, Vault, password};

use crate::AppError;
use crate::actor::Actor;
use crate::init::check_password;

/// An account handed to a person: what her slip or her row of the sheet says.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Issued {
    pub username: String,
    /// The person's name, when known.
    pub name: Option<String>,
    pub org_code: String,
    pub org_name: String,
    /// The activation code as printed (`ABCD-EFGH-JKMN`), shown once.
    pub code: String,
    /// The last day the code is good.
    pub valid_until: NaiveDate,
}

/// What a bulk run made, and what it left alone and why.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BulkOutcome {
    pub issued: Vec<Issued>,
    /// People or organisations that have an account already (one person, one account).
    pub had_account: usize,
}

/// What a bulk run makes accounts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkKind {
    /// Every current member of the subtree without an account.
    Members,
    /// A secretary's account for every organisation of the subtree that keeps members and
    /// has none.
    Secretaries,
}

/// Accounts listed per page.
pub const PAGE: i64 = 50;

/// The keyed hash an activation code is kept as.
fn code_hash(vault: &Vault, code: &str) -> String {
    vault.hash(&format!("activation:{code}"))
}

/// A fresh code (its stored form) from the operating system's randomness.
fn fresh_code() -> Result<String, AppError> {
    loop {
        let mut bytes = [0u8; CODE_CHARS * 2];
        getrandom::fill(&mut bytes).map_err(AppError::fault)?;
        if let Some(code) = code_from_random(&bytes) {
            return Ok(code);
        }
    }
}

/// The moment a code issued at `now_ms` for `days` stops working, and the last day it is
/// good (Beijing time), as its slip says. Real time, not a rehearsal's date: a code must
/// not be born expired in a training session.
fn validity(now_ms: i64, days: u32) -> Result<(NaiveDate, i64), AppError> {
    if days == 0 || days > MAX_VALID_DAYS {
        return Err(AppError::input(
            "app.activation_days",
            &[("max", &MAX_VALID_DAYS)],
        ));
    }
    let expires_at = now_ms + i64::from(days) * 24 * 3600 * 1000;
    let last = chrono::DateTime::from_timestamp_millis(expires_at)
        .ok_or_else(|| AppError::fault("time out of range"))?
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
        .date_naive();
    Ok((last, expires_at))
}

/// Issues a fresh activation code for `username` inside `tx`, good for `valid_days`:
/// the code as printed and its last day.
pub(crate) async fn issue_in(
    tx: &mut xianfeng_storage::WriteTx,
    vault: &Vault,
    username: &str,
    valid_days: u32,
    now_ms: i64,
) -> Result<(String, NaiveDate), AppError> {
    let (valid_until, expires_at) = validity(now_ms, valid_days)?;
    let code = fresh_code()?;
    tx.issue_activation(username, &code_hash(vault, &code), expires_at)
        .await?;
    Ok((printed(&code), valid_until))
}

/// Whether `p` manages accounts at all (the administrator, the office, committee staff).
pub fn may_manage(p: &Principal) -> bool {
    matches!(p.role, Role::Admin | Role::Office | Role::CommitteeStaff)
}

/// Whether `p` may manage accounts acting on organisation `o`.
fn manages_org(p: &Principal, o: &OrgRecord) -> bool {
    if p.role == Role::Admin {
        return true;
    }
    may_manage(p)
        && decide(
            p,
            Action::ManageAccounts,
            &Target::of(&o.tree_path(), o.sector.as_deref()),
        )
        .allowed()
}

/// The subtrees `p` manages accounts in (`None`: everywhere).
fn managed_subtrees(p: &Principal) -> Option<Vec<TreePath>> {
    (p.role != Role::Admin).then(|| p.scopes.clone())
}

/// A page of the accounts `p` manages whose name or person's name contains `q`.
pub async fn list(
    store: &Store,
    p: &Principal,
    q: &str,
    page: i64,
) -> Result<Vec<AccountRow>, AppError> {
    if !may_manage(p) {
        return Err(AppError::Forbidden);
    }
    let offset = page.max(0) * PAGE;
    match managed_subtrees(p) {
        None => Ok(store
            .accounts()
            .accounts_page(q, None, PAGE + 1, offset)
            .await?),
        Some(trees) => {
            let mut out: Vec<AccountRow> = Vec::new();
            for t in &trees {
                for a in store
                    .accounts()
                    .accounts_page(q, Some(t), PAGE + 1 + offset, 0)
                    .await?
                {
                    if !out.iter().any(|o| o.username == a.username) {
                        out.push(a);
                    }
                }
            }
            out.sort_by(|a, b| a.username.cmp(&b.username));
            Ok(out
                .into_iter()
                .skip(offset as usize)
                .take(PAGE as usize + 1)
                .collect())
        }
    }
}

/// An account `p` may manage: of a role it may grant, acting only inside its subtrees.
/// Anything else reads as not there.
pub async fn managed(store: &Store, p: &Principal, username: &str) -> Result<AccountRow, AppError> {
    let a = store
        .accounts()
        .account(username)
        .await?
        .ok_or(AppError::NotFound)?;
    if p.role == Role::Admin {
        return Ok(a);
    }
    if !may_manage(p) || !may_grant(p.role, a.role) || a.organisations.is_empty() {
        return Err(AppError::NotFound);
    }
    for code in &a.organisations {
        let o = store
            .registry()
            .org_by_code(code)
            .await?
            .ok_or(AppError::NotFound)?;
        if !manages_org(p, &o) {
            return Err(AppError::NotFound);
        }
    }
    Ok(a)
}

/// The organisations named by `codes`, each one `p` manages (else "not found").
async fn managed_orgs(
    store: &Store,
    p: &Principal,
    codes: &[String],
) -> Result<Vec<OrgRecord>, AppError> {
    let mut out = Vec::new();
    for code in codes {
        let o = store
            .registry()
            .org_by_code(code.trim())
            .await?
            .filter(|o| manages_org(p, o))
            .ok_or_else(|| AppError::input("app.account_org_unknown", &[("code", &code)]))?;
        out.push(o);
    }
    Ok(out)
}

/// An account as a form makes it.
#[derive(Debug, Clone, Default)]
pub struct AccountForm {
    pub username: String,
    pub name: String,
    pub role: String,
    /// Organisation codes, separated by commas, spaces or 、.
    pub organisations: String,
}

fn role_of(text: &str, p: &Principal) -> Result<Role, AppError> {
    let role = Role::parse(text.trim())
        .ok_or_else(|| AppError::input("app.account_role_unknown", &[("role", &text)]))?;
    if !may_grant(p.role, role) {
        return Err(AppError::input("app.account_role_above", &[]));
    }
    Ok(role)
}

fn codes_of(text: &str) -> Vec<String> {
    text.split([',', '，', '、', ' ', ';', '；'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

/// Makes one account and its activation code.
pub async fn create(
    store: &Store,
    actor: &Actor<'_>,
    form: &AccountForm,
    valid_days: u32,
    now_ms: i64,
) -> Result<Issued, AppError> {
    let p = actor.principal;
    if !may_manage(p) {
        return Err(AppError::Forbidden);
    }
    let role = role_of(&form.role, p)?;
    let orgs = managed_orgs(store, p, &codes_of(&form.organisations)).await?;
    let Some(first) = orgs.first() else {
        return Err(AppError::input("app.org_required", &[]));
    };
    let username = form.username.trim();
    if !xianfeng_storage::valid_username(username) {
        return Err(AppError::input("store.username", &[("name", &username)]));
    }
    let name = Some(form.name.trim().to_string()).filter(|n| !n.is_empty());
    let (valid_until, expires_at) = validity(now_ms, valid_days)?;
    let code = fresh_code()?;
    let mut tx = store.begin(actor.username).await?;
    tx.create_user(&xianfeng_storage::NewUser {
        username: username.to_string(),
        role,
        password_hash: xianfeng_storage::NOT_ACTIVATED.to_string(),
        must_change_password: false,
        org_ids: orgs.iter().map(|o| o.id).collect(),
        member_id: None,
    })
    .await?;
    tx.set_display_name(username, name.as_deref()).await?;
    tx.issue_activation(username, &code_hash(store.vault(), &code), expires_at)
        .await?;
    tx.commit().await?;
    Ok(Issued {
        username: username.to_string(),
        name,
        org_code: first.code.clone(),
        org_name: first.name.clone(),
        code: printed(&code),
        valid_until,
    })
}

/// Changes an account's role and organisations (both within what `actor` manages).
pub async fn change(
    store: &Store,
    actor: &Actor<'_>,
    username: &str,
    role: &str,
    organisations: &str,
) -> Result<(), AppError> {
    let p = actor.principal;
    managed(store, p, username).await?;
    if username == actor.username {
        return Err(AppError::input("app.account_not_own", &[]));
    }
    let role = role_of(role, p)?;
    let orgs = managed_orgs(store, p, &codes_of(organisations)).await?;
    if orgs.is_empty() && role != Role::Admin {
        return Err(AppError::input("app.org_required", &[]));
    }
    let ids: Vec<i64> = orgs.iter().map(|o| o.id).collect();
    let mut tx = store.begin(actor.username).await?;
    tx.set_role_and_organisations(username, role, &ids).await?;
    tx.commit().await?;
    store.sessions().end_others(username, None).await?;
    Ok(())
}

/// Disables or enables an account; a disabled one's sessions end.
pub async fn set_disabled(
    store: &Store,
    actor: &Actor<'_>,
    username: &str,
    disabled: bool,
) -> Result<(), AppError> {
    managed(store, actor.principal, username).await?;
    if username == actor.username {
        return Err(AppError::input("app.account_not_own", &[]));
    }
    let mut tx = store.begin(actor.username).await?;
    tx.set_disabled(username, disabled).await?;
    tx.commit().await?;
    if disabled {
        store.sessions().end_others(username, None).await?;
    }
    Ok(())
}

/// A new activation code for an account (a forgotten password, a lost slip): the old
/// password and codes stop working, and the person sets a new password with the code.
async fn reissue(
    store: &Store,
    by: &str,
    a: &AccountRow,
    valid_days: u32,
    now_ms: i64,
) -> Result<Issued, AppError> {
    let (valid_until, expires_at) = validity(now_ms, valid_days)?;
    let code = fresh_code()?;
    let mut tx = store.begin(by).await?;
    tx.issue_activation(&a.username, &code_hash(store.vault(), &code), expires_at)
        .await?;
    tx.commit().await?;
    let org = match a.organisations.first() {
        Some(c) => store.registry().org_by_code(c).await?,
        None => None,
    };
    Ok(Issued {
        username: a.username.clone(),
        name: a.display_name.clone(),
        org_code: org.as_ref().map(|o| o.code.clone()).unwrap_or_default(),
        org_name: org.map(|o| o.name).unwrap_or_default(),
        code: printed(&code),
        valid_until,
    })
}

/// Resets an account the actor manages.
pub async fn reset(
    store: &Store,
    actor: &Actor<'_>,
    username: &str,
    valid_days: u32,
    now_ms: i64,
) -> Result<Issued, AppError> {
    let a = managed(store, actor.principal, username).await?;
    if username == actor.username {
        return Err(AppError::input("app.account_not_own", &[]));
    }
    reissue(store, actor.username, &a, valid_days, now_ms).await
}

/// A branch secretary resets the password of one of her members' own accounts.
pub async fn reset_member(
    store: &Store,
    actor: &Actor<'_>,
    member_id: i64,
    now_ms: i64,
) -> Result<Issued, AppError> {
    crate::members::member_to_change(store, actor.principal, member_id).await?;
    let username = store
        .accounts()
        .account_of_member(member_id)
        .await?
        .ok_or_else(|| AppError::input("app.member_has_no_account", &[]))?;
    let a = store
        .accounts()
        .account(&username)
        .await?
        .ok_or(AppError::NotFound)?;
    // Only a member's own account: not a secretary's or a reviewer's who is also a member.
    if a.role != Role::Member || username == actor.username {
        return Err(AppError::Forbidden);
    }
    reissue(store, actor.username, &a, DEFAULT_VALID_DAYS, now_ms).await
}

/// The scope organisation of a bulk run, if `actor` manages it (`None`: the operator at the
/// command line).
async fn bulk_scope(
    store: &Store,
    actor: Option<&Actor<'_>>,
    code: &str,
) -> Result<OrgRecord, AppError> {
    let o = store
        .registry()
        .org_by_code(code.trim())
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(a) = actor
        && !manages_org(a.principal, &o)
    {
        return Err(AppError::NotFound);
    }
    Ok(o)
}

/// A name not taken yet: `base`, else `base-2`, `base-3` …
fn free_name(base: &str, taken: &HashSet<String>) -> String {
    if !taken.contains(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|n| !taken.contains(n))
        .expect("some suffix is free")
}

/// One account to make: (user name wanted, name, role, organisation, member).
struct Wanted {
    base: String,
    name: Option<String>,
    role: Role,
    org: (i64, String, String),
    member_id: Option<i64>,
}

/// Makes the accounts wanted, each with a fresh code, in one transaction.
async fn make(
    store: &Store,
    by: &str,
    wanted: Vec<Wanted>,
    valid_days: u32,
    now_ms: i64,
) -> Result<Vec<Issued>, AppError> {
    let (valid_until, expires_at) = validity(now_ms, valid_days)?;
    let bases: Vec<String> = wanted.iter().map(|w| w.base.clone()).collect();
    let mut taken: HashSet<String> = store
        .accounts()
        .taken_usernames(&bases)
        .await?
        .into_iter()
        .collect();
    // A base already taken gets a suffix; the suffixed names are asked about too.
    let suffixed: Vec<String> = bases
        .iter()
        .filter(|b| taken.contains(*b))
        .flat_map(|b| (2..10).map(move |n| format!("{b}-{n}")))
        .collect();
    taken.extend(store.accounts().taken_usernames(&suffixed).await?);
    let vault = store.vault().clone();
    let mut accounts = Vec::with_capacity(wanted.len());
    let mut issued = Vec::with_capacity(wanted.len());
    for w in wanted {
        let username = free_name(&w.base, &taken);
        taken.insert(username.clone());
        let code = fresh_code()?;
        accounts.push(NewAccount {
            username: username.clone(),
            display_name: w.name.clone(),
            role: w.role,
            org_id: w.org.0,
            member_id: w.member_id,
            code_hash: code_hash(&vault, &code),
        });
        issued.push(Issued {
            username,
            name: w.name,
            org_code: w.org.1,
            org_name: w.org.2,
            code: printed(&code),
            valid_until,
        });
    }
    let mut tx = store.begin(by).await?;
    tx.create_accounts(&accounts, expires_at).await?;
    tx.commit().await?;
    Ok(issued)
}

/// Accounts in bulk for a subtree, straight from the registry: every current member
/// without an account, or a secretary for every organisation that keeps members and has
/// none (her member record linked when the roster names its secretary by post and she has
/// no account yet). With `at_most`, a run that would make more makes none and says so (a
/// page of slips for a whole county would not print, and its codes would be lost).
pub async fn bulk(
    store: &Store,
    actor: Option<&Actor<'_>>,
    scope: &str,
    kind: BulkKind,
    valid_days: u32,
    now_ms: i64,
    at_most: Option<usize>,
) -> Result<BulkOutcome, AppError> {
    if let Some(a) = actor
        && !may_manage(a.principal)
    {
        return Err(AppError::Forbidden);
    }
    let top = bulk_scope(store, actor, scope).await?;
    let orgs: HashMap<i64, OrgRecord> = store
        .registry()
        .orgs_under(&top)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let by = actor.map_or("cli", |a| a.username);
    let members = store.registry().current_members_under(&top).await?;
    let ids: Vec<i64> = members.iter().map(|m| m.0).collect();
    let with_account: HashSet<i64> = store
        .accounts()
        .members_with_accounts(&ids)
        .await?
        .into_iter()
        .collect();
    let mut outcome = BulkOutcome::default();
    let mut wanted = Vec::new();
    let org_of = |id: i64| {
        let o = &orgs[&id];
        (o.id, o.code.clone(), o.name.clone())
    };
    match kind {
        BulkKind::Members => {
            for (id, name, org_id, _) in members {
                if with_account.contains(&id) {
                    outcome.had_account += 1;
                    continue;
                }
                wanted.push(Wanted {
                    base: member_username(id),
                    name: Some(name),
                    role: Role::Member,
                    org: org_of(org_id),
                    member_id: Some(id),
                });
            }
        }
        BulkKind::Secretaries => {
            let keeping: Vec<i64> = orgs
                .values()
                .filter(|o| o.kind.holds_members())
                .map(|o| o.id)
                .collect();
            let staffed: HashSet<i64> = store
                .accounts()
                .orgs_with_secretaries(&keeping)
                .await?
                .into_iter()
                .collect();
            let mut keeping: Vec<&OrgRecord> = keeping.iter().map(|id| &orgs[id]).collect();
            keeping.sort_by(|a, b| a.path.cmp(&b.path));
            // Each organisation's secretary by post, the first by name where two are.
            let mut secretaries: HashMap<i64, &(i64, String, i64, Option<String>)> = HashMap::new();
            for m in members
                .iter()
                .filter(|m| m.3.as_deref().is_some_and(is_secretary_post))
            {
                secretaries.entry(m.2).or_insert(m);
            }
            for o in keeping {
                if staffed.contains(&o.id) {
                    outcome.had_account += 1;
                    continue;
                }
                let secretary = secretaries.get(&o.id);
                let (name, member_id) = match secretary {
                    Some(m) if !with_account.contains(&m.0) => (Some(m.1.clone()), Some(m.0)),
                    Some(m) => (Some(m.1.clone()), None),
                    None => (None, None),
                };
                wanted.push(Wanted {
                    base: secretary_username(&o.code, o.id),
                    name,
                    role: Role::Secretary,
                    org: (o.id, o.code.clone(), o.name.clone()),
                    member_id,
                });
            }
        }
    }
    if let Some(max) = at_most
        && wanted.len() > max
    {
        return Err(AppError::input(
            "app.slips_too_many",
            &[("count", &wanted.len()), ("max", &max)],
        ));
    }
    outcome.issued = make(store, by, wanted, valid_days, now_ms).await?;
    Ok(outcome)
}

/// Accounts from a sheet of people (姓名, 手机, 组织编码, 角色): all or nothing, every bad
/// row named. A person found on her organisation's roster by name (and phone, when both
/// are known) is linked to her member record, unless she has an account already.
pub async fn bulk_from_sheet(
    store: &Store,
    actor: &Actor<'_>,
    reader: SheetReader,
    valid_days: u32,
    now_ms: i64,
    at_most: Option<usize>,
) -> Result<Result<BulkOutcome, Vec<RowIssue>>, AppError> {
    let p = actor.principal;
    if !may_manage(p) {
        return Err(AppError::Forbidden);
    }
    let columns = Columns::<AccountField>::find(&reader.headers).map_err(AppError::Input)?;
    let mut issues = Vec::new();
    let mut rows = Vec::new();
    for item in reader {
        let (row, cells) = item?;
        match parse_account_row(row, &cells, &columns) {
            Ok(r) => rows.push(r),
            Err(e) => issues.extend(e),
        }
    }
    let mut wanted = Vec::new();
    let mut outcome = BulkOutcome::default();
    let mut rosters: HashMap<i64, Vec<xianfeng_storage::MemberRecord>> = HashMap::new();
    for r in rows {
        let o = store
            .registry()
            .org_by_code(r.org_code.as_str())
            .await?
            .filter(|o| manages_org(p, o));
        let Some(o) = o else {
            issues.push(RowIssue {
                row: r.row,
                column: columns.header(AccountField::OrgCode),
                value: r.org_code.to_string(),
                reason: Message::of("import.org_missing", &[]),
            });
            continue;
        };
        if !may_grant(p.role, r.role) {
            issues.push(RowIssue {
                row: r.row,
                column: columns.header(AccountField::Role),
                value: r.role.as_str().to_string(),
                reason: Message::of("app.account_role_above", &[]),
            });
            continue;
        }
        if let std::collections::hash_map::Entry::Vacant(e) = rosters.entry(o.id) {
            e.insert(store.registry().members_of_org(o.id, 100_000, 0).await?);
        }
        let mut same_name: Vec<&xianfeng_storage::MemberRecord> =
            rosters[&o.id].iter().filter(|m| m.name == r.name).collect();
        if let Some(phone) = &r.phone
            && same_name.len() > 1
        {
            let mut matching = Vec::new();
            for m in same_name {
                if store.registry().reveal_phone(m.id).await?.as_deref() == Some(phone.as_str()) {
                    matching.push(m);
                }
            }
            same_name = matching;
        }
        let member = match same_name.as_slice() {
            [one] => Some(one.id),
            _ => None,
        };
        let member = match member {
            Some(id) if store.accounts().account_of_member(id).await?.is_some() => {
                outcome.had_account += 1;
                continue;
            }
            other => other,
        };
        let base = match (r.role, member) {
            (Role::Secretary, _) => secretary_username(&o.code, o.id),
            (_, Some(id)) => member_username(id),
            _ => format!("u{}-{}", o.id, r.row),
        };
        wanted.push(Wanted {
            base,
            name: Some(r.name),
            role: r.role,
            org: (o.id, o.code.clone(), o.name.clone()),
            member_id: member,
        });
    }
    if !issues.is_empty() {
        return Ok(Err(issues));
    }
    if let Some(max) = at_most
        && wanted.len() > max
    {
        return Err(AppError::input(
            "app.slips_too_many",
            &[("count", &wanted.len()), ("max", &max)],
        ));
    }
    outcome.issued = make(store, actor.username, wanted, valid_days, now_ms).await?;
    Ok(Ok(outcome))
}

/// The account a typed code would activate, with the person's name: for the page that
/// asks her to set a password. `None` for a code that is mistyped, used or expired.
pub async fn activation_of(
    store: &Store,
    code: &str,
    now_ms: i64,
) -> Result<Option<(String, Option<String>)>, AppError> {
    let Some(code) = typed(code) else {
        return Ok(None);
    };
    Ok(store
        .accounts()
        .activation(&code_hash(store.vault(), &code), now_ms)
        .await?)
}

/// Why an activation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivationRefusal {
    /// Too many wrong codes from this address: wait.
    Locked,
    /// The code is mistyped, used, expired or its account disabled (one answer for all).
    BadCode,
    /// The passwords typed differ.
    Differ,
    /// The password breaks the rules.
    Weak,
}

impl ActivationRefusal {
    pub fn message(self) -> Message {
        Message::new(match self {
            ActivationRefusal::Locked => "web.login_locked",
            ActivationRefusal::BadCode => "app.activation_bad_code",
            ActivationRefusal::Differ => "web.passwords_differ",
            ActivationRefusal::Weak => "app.weak_password",
        })
    }
}

/// The name activation attempts are counted under, beside each address's sign-ins.
const ACTIVATION_ATTEMPTS: &str = "~activation";

/// Uses a code to set the account's password; returns the user name to sign in with.
/// Wrong codes count against the address like wrong passwords.
pub async fn activate(
    store: &Store,
    code: &str,
    new: String,
    repeat: &str,
    address: &str,
    now_ms: i64,
) -> Result<Result<String, ActivationRefusal>, AppError> {
    let attempt = store
        .sessions()
        .reserve_attempt(ACTIVATION_ATTEMPTS, address)
        .await?;
    let (_, by_address) = attempt.failures_before;
    if xianfeng_domain::auth::may_try_login(0, by_address).is_err() {
        store.sessions().withdraw_attempt(attempt.id).await?;
        return Ok(Err(ActivationRefusal::Locked));
    }
    let Some(code) = typed(code) else {
        return Ok(Err(ActivationRefusal::BadCode));
    };
    let hash = code_hash(store.vault(), &code);
    let Some((username, _)) = store.accounts().activation(&hash, now_ms).await? else {
        return Ok(Err(ActivationRefusal::BadCode));
    };
    store.sessions().withdraw_attempt(attempt.id).await?;
    if new != repeat {
        return Ok(Err(ActivationRefusal::Differ));
    }
    if check_password(&new).is_err() {
        return Ok(Err(ActivationRefusal::Weak));
    }
    let password_hash = tokio::task::spawn_blocking(move || password::hash(&new))
        .await
        .map_err(AppError::fault)?;
    let mut tx = store.begin(&username).await?;
    let done = tx.activate(&hash, now_ms, &password_hash).await?;
    tx.commit().await?;
    Ok(done.ok_or(ActivationRefusal::BadCode))
}

/// The page a slip's QR code opens: the activation form with the code filled in.
pub fn activation_url(base: &str, code: &str) -> String {
    format!("{}/activate?code={code}", base.trim_end_matches('/'))
}

/// The handed-out accounts as a table in `lang`: headers and one row per person.
fn issued_table(
    issued: &[Issued],
    base: Option<&str>,
    lang: Lang,
) -> (Vec<String>, Vec<Vec<String>>) {
    let headers = [
        "name",
        "org_code",
        "org_name",
        "username",
        "code",
        "valid_until",
        "url",
    ]
    .iter()
    .map(|h| t(lang, &format!("app.issued_{h}"), &[]))
    .collect();
    let rows = issued
        .iter()
        .map(|i| {
            vec![
                i.name.clone().unwrap_or_default(),
                i.org_code.clone(),
                i.org_name.clone(),
                i.username.clone(),
                i.code.clone(),
                i.valid_until.to_string(),
                base.map(|b| activation_url(b, &i.code)).unwrap_or_default(),
            ]
        })
        .collect();
    (headers, rows)
}

/// The handed-out accounts as a sheet to save: .xlsx, or .csv (UTF-8 with BOM, which
/// Excel opens as it should).
pub fn issued_file(
    issued: &[Issued],
    base: Option<&str>,
    xlsx: bool,
    lang: Lang,
) -> Result<Vec<u8>, AppError> {
    let (headers, rows) = issued_table(issued, base, lang);
    if xlsx {
        let title = t(lang, "app.issued_sheet", &[]);
        let numeric = vec![false; headers.len()];
        return crate::score_tables::plain_xlsx(&title, &headers, &numeric, &rows);
    }
    let mut out = Vec::from(&b"\xEF\xBB\xBF"[..]);
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(&headers).map_err(AppError::fault)?;
        for r in &rows {
            w.write_record(r.iter().map(|v| csv_cell(v).into_owned()))
                .map_err(AppError::fault)?;
        }
        w.flush().map_err(AppError::fault)?;
    }
    Ok(out)
}
