//! The registry (组织体系): the organisation tree, its members, leadership teams and
//! cadres as an account may see them — the tree level by level, search, an organisation's
//! page, a member. The pages and the API read it here; every organisation is found and
//! then put to the one policy (`scope::org_for`), so that out of scope reads exactly like
//! an unknown code.

use xianfeng_domain::policy::{Action, Principal, Target, decide};
use xianfeng_domain::role::Role;
use xianfeng_storage::{CadreRecord, MemberRecord, OrgRecord, Store, TeamRecord};

use crate::AppError;
use crate::scope::{allowed, org_for};

/// An organisation with the size of its subtree.
#[derive(Debug, Clone)]
pub struct OrgSummary {
    pub org: OrgRecord,
    /// Organisations in the subtree, itself included.
    pub organisations: i64,
    /// Members in the subtree.
    pub members: i64,
}

/// The organisation `code`, if `principal` may do `action` to it.
pub async fn org(
    store: &Store,
    principal: &Principal,
    code: &str,
    action: Action,
) -> Result<OrgRecord, AppError> {
    org_for(store, Some(principal), code, action).await
}

/// Whether `principal` may read organisation `o` at all.
pub fn may_read(principal: &Principal, o: &OrgRecord) -> bool {
    allowed(principal, Action::ReadOrganisation, o).is_ok()
}

async fn summary(store: &Store, o: &OrgRecord) -> Result<OrgSummary, AppError> {
    let counts = store.registry().subtree_counts(o).await?;
    Ok(OrgSummary {
        org: o.clone(),
        organisations: counts.organisations,
        members: counts.members,
    })
}

/// The organisations of `orgs` that `principal` may read, with their counts.
pub async fn visible(
    store: &Store,
    principal: &Principal,
    orgs: &[OrgRecord],
) -> Result<Vec<OrgSummary>, AppError> {
    let mut out = Vec::new();
    for o in orgs.iter().filter(|o| may_read(principal, o)) {
        out.push(summary(store, o).await?);
    }
    Ok(out)
}

/// The top of the account's part of the tree: the organisations it is assigned to (every
/// root for the administrator), with their counts.
pub async fn scope_roots(
    store: &Store,
    principal: &Principal,
) -> Result<Vec<OrgSummary>, AppError> {
    let roots = if principal.scopes.is_empty() {
        store.registry().roots().await?
    } else {
        let mut orgs = Vec::new();
        for scope in &principal.scopes {
            if let Some(id) = scope.ids().last()
                && let Some(o) = store.registry().org_by_id(*id).await?
            {
                orgs.push(o);
            }
        }
        orgs
    };
    visible(store, principal, &roots).await
}

/// The children of `code` the account may read, with their counts.
pub async fn children(
    store: &Store,
    principal: &Principal,
    code: &str,
) -> Result<(OrgRecord, Vec<OrgSummary>), AppError> {
    let o = org(store, principal, code, Action::ReadOrganisation).await?;
    let kids = store.registry().children(o.id).await?;
    let shown = visible(store, principal, &kids).await?;
    Ok((o, shown))
}

/// Organisations by name or code within what the account may see: at most `limit`, and
/// whether there were more.
pub async fn search(
    store: &Store,
    principal: &Principal,
    query: &str,
    limit: usize,
) -> Result<(Vec<OrgSummary>, bool), AppError> {
    let q = xianfeng_domain::text::normalise(query.trim());
    if q.is_empty() {
        return Ok((vec![], false));
    }
    // The database narrows by scope first; the policy still decides each row.
    let sectors: &[String] = if principal.role == Role::SectorGuide {
        &principal.sectors
    } else {
        &[]
    };
    let everywhere = principal.role == Role::Admin;
    let found = store
        .registry()
        .search_orgs(&q, &principal.scopes, sectors, everywhere, limit as i64 + 1)
        .await?;
    let more = found.len() > limit;
    let shown = visible(store, principal, &found[..found.len().min(limit)]).await?;
    Ok((shown, more))
}

/// An organisation as its page shows it to an account.
pub struct OrgView {
    pub summary: OrgSummary,
    /// The ancestors the account may read, top first (the organisation itself left out).
    pub breadcrumbs: Vec<OrgRecord>,
    /// The parent, when the account may read it.
    pub parent: Option<OrgRecord>,
    pub children: Vec<OrgSummary>,
    /// Whether the account may see the members, teams and cadres.
    pub may_read_members: bool,
}

/// The organisation `code` with what its page shows around it.
pub async fn org_view(
    store: &Store,
    principal: &Principal,
    code: &str,
) -> Result<OrgView, AppError> {
    let o = org(store, principal, code, Action::ReadOrganisation).await?;
    let ancestors = store.registry().ancestors(&o).await?;
    let kids = store.registry().children(o.id).await?;
    let children = visible(store, principal, &kids).await?;
    let breadcrumbs: Vec<OrgRecord> = ancestors
        .into_iter()
        .filter(|a| a.id != o.id && may_read(principal, a))
        .collect();
    let parent = breadcrumbs
        .iter()
        .find(|a| Some(a.id) == o.parent_id)
        .cloned();
    Ok(OrgView {
        may_read_members: allowed(principal, Action::ReadMembers, &o).is_ok(),
        summary: summary(store, &o).await?,
        breadcrumbs,
        parent,
        children,
    })
}

/// A page of the members of `code` (`limit` from `offset`), if the account may see them.
pub async fn members(
    store: &Store,
    principal: &Principal,
    code: &str,
    limit: i64,
    offset: i64,
) -> Result<(OrgRecord, Vec<MemberRecord>), AppError> {
    let o = org(store, principal, code, Action::ReadMembers).await?;
    let page = store
        .registry()
        .members_of_org(o.id, limit, offset)
        .await?
        .into_iter()
        .map(|m| {
            if may_see_personal_data(principal, &o, m.id) {
                m
            } else {
                withhold_personal_data(m)
            }
        })
        .collect();
    Ok((o, page))
}

/// Whether `principal` may see the personal data of member `id` of `o` (masked as
/// always): who keeps the roster, and the member herself (docs/SECURITY.md).
pub fn may_see_personal_data(principal: &Principal, o: &OrgRecord, id: i64) -> bool {
    let path = o.tree_path();
    let target = Target {
        member: Some(id),
        ..Target::of(&path, o.sector.as_deref())
    };
    decide(principal, Action::ReadPersonalData, &target).allowed()
}

/// A member as those who do not keep the roster see her: name, gender, member type and
/// position; the masked ID number, phone, year of birth, ethnicity and date joined are
/// left out, so that nothing served to them can help rebuild an ID number.
fn withhold_personal_data(m: MemberRecord) -> MemberRecord {
    MemberRecord {
        id_masked: String::new(),
        phone_masked: None,
        birth_year: None,
        ethnicity: None,
        joined_on: None,
        full_on: None,
        ..m
    }
}

/// The leadership teams of organisation `o` with their cadres (the caller has checked
/// that the account may see them).
pub async fn teams(
    store: &Store,
    o: &OrgRecord,
) -> Result<Vec<(TeamRecord, Vec<CadreRecord>)>, AppError> {
    let mut out = Vec::new();
    for t in store.registry().teams_of_org(o.id).await? {
        let cadres = store.registry().cadres_of_team(t.id).await?;
        out.push((t, cadres));
    }
    Ok(out)
}

/// The leadership teams of organisation `code`, with their cadres, for an account that may
/// see its members.
pub async fn teams_of(
    store: &Store,
    principal: &Principal,
    code: &str,
) -> Result<Vec<(TeamRecord, Vec<CadreRecord>)>, AppError> {
    let o = org(store, principal, code, Action::ReadMembers).await?;
    teams(store, &o).await
}

/// A member and her organisation, before anyone is asked whether they may see them.
pub(crate) async fn member_with_org(
    store: &Store,
    id: i64,
) -> Result<(MemberRecord, OrgRecord), AppError> {
    let m = store
        .registry()
        .member(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let o = store
        .registry()
        .org_by_id(m.org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((m, o))
}

/// One member and the organisation it belongs to, if the account may see its members.
pub async fn member(
    store: &Store,
    principal: &Principal,
    id: i64,
) -> Result<(MemberRecord, OrgRecord), AppError> {
    let (m, o) = member_with_org(store, id).await?;
    allowed(principal, Action::ReadMembers, &o)?;
    // The member's page is her personal data: for those who keep the roster, and for her.
    if !may_see_personal_data(principal, &o, m.id) {
        return Err(AppError::Forbidden);
    }
    Ok((m, o))
}

/// Moves organisation `code` with its subtree under `to` (the operator's, at the command
/// line); returns how many organisations moved.
pub async fn move_org(store: &Store, actor: &str, code: &str, to: &str) -> Result<usize, AppError> {
    let no_org = |code: &str| AppError::input("store.no_org", &[("code", &code.to_string())]);
    let o = store
        .registry()
        .org_by_code(code)
        .await?
        .ok_or_else(|| no_org(code))?;
    let parent = store
        .registry()
        .org_by_code(to)
        .await?
        .ok_or_else(|| no_org(to))?;
    let mut tx = store.begin(actor).await?;
    let moved = tx.move_org(&o, &parent).await?;
    tx.commit().await?;
    Ok(moved)
}

/// Closes organisation `code` on `on` (撤销), or merges it into `into` (合并), for an
/// account that may write organisations there (and, merging, the receiving one). Only an
/// organisation whose members have been transferred and whose organisations below are
/// closed or moved may be closed: the refusal says how many remain.
pub async fn close_org(
    store: &Store,
    actor: &crate::actor::Actor<'_>,
    code: &str,
    on: chrono::NaiveDate,
    into: Option<&str>,
    today: chrono::NaiveDate,
) -> Result<(), AppError> {
    let o = org_for(
        store,
        Some(actor.principal),
        code,
        Action::WriteOrganisations,
    )
    .await?;
    if on > today {
        return Err(AppError::input("member.change_future", &[]));
    }
    if o.parent_id.is_none() {
        return Err(AppError::input("app.org_close_root", &[]));
    }
    let into = match into.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => {
            let target = org_for(store, Some(actor.principal), c, Action::WriteOrganisations)
                .await
                .map_err(|_| AppError::input("app.account_org_unknown", &[("code", &c)]))?;
            if target.id == o.id || target.closed_on.is_some() {
                return Err(AppError::input("app.org_merge_self", &[]));
            }
            Some(target)
        }
        None => None,
    };
    let mut tx = store.begin(actor.username).await?;
    tx.close_org(&o, on, into.as_ref()).await?;
    tx.commit().await?;
    Ok(())
}

/// The organisation's secretary (书记, its 第一责任人): the first current member, by name,
/// whose post is 书记 (not 副书记).
pub async fn secretary_of(store: &Store, o: &OrgRecord) -> Result<Option<String>, AppError> {
    if !o.kind.holds_members() {
        return Ok(None);
    }
    Ok(store
        .registry()
        .members_of_org(o.id, 100_000, 0)
        .await?
        .into_iter()
        .find(|m| {
            m.position
                .as_deref()
                .is_some_and(xianfeng_domain::activation::is_secretary_post)
        })
        .map(|m| m.name))
}
