//! The organisation tree (组织体系), within what the account may see.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use xianfeng_domain::org::OrgKind;
use xianfeng_domain::policy::{Action, Decision, Target, decide};
use xianfeng_storage::{OrgRecord, Store};

use crate::AppState;
use crate::session::{SignedIn, Viewer};
use crate::text::Text;

struct MemberRow {
    id: i64,
    name: String,
    gender: String,
    member_type: String,
    position: String,
    id_masked: String,
}

struct OrgRow {
    code: String,
    name: String,
    kind: String,
    organisations: i64,
    members: i64,
}

#[derive(Template)]
#[template(path = "tree.html")]
struct TreePage {
    tx: Text,
    /// This page's path, for the language switch to come back to.
    back: String,
    username: String,
    csrf: String,
    title: String,
    breadcrumbs: Vec<(String, String)>,
    current: Option<OrgRow>,
    category: String,
    sector: String,
    children: Vec<OrgRow>,
    members: Vec<MemberRow>,
    teams: Vec<(String, i64)>,
    /// Members shown here and the offset of the next page, when there is one.
    next_page: Option<i64>,
    prev_page: Option<i64>,
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!("{e}");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found / 未找到").into_response()
}

fn may(viewer: &Viewer, action: Action, org: &OrgRecord) -> Decision {
    let path = org.tree_path();
    decide(
        &viewer.principal,
        action,
        &Target {
            path: &path,
            sector: org.sector.as_deref(),
        },
    )
}

async fn row(store: &Store, o: &OrgRecord) -> Result<OrgRow, Response> {
    let counts = store.subtree_counts(o).await.map_err(internal)?;
    Ok(OrgRow {
        code: o.code.clone(),
        name: o.name.clone(),
        kind: o.kind().map(OrgKind::name_zh).unwrap_or("").to_string(),
        organisations: counts.organisations,
        members: counts.members,
    })
}

fn render(page: TreePage) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => internal(e),
    }
}

fn page(viewer: &Viewer, title: String, back: String) -> TreePage {
    TreePage {
        tx: Text {
            lang: viewer.lang(),
        },
        back,
        username: viewer.session.username.clone(),
        csrf: viewer.session.csrf_token.clone(),
        title,
        breadcrumbs: vec![],
        current: None,
        category: String::new(),
        sector: String::new(),
        children: vec![],
        members: vec![],
        teams: vec![],
        next_page: None,
        prev_page: None,
    }
}

/// The organisations the account is assigned to (all roots for the administrator).
pub async fn home(State(s): State<AppState>, SignedIn(viewer): SignedIn) -> Response {
    let orgs = if viewer.principal.scopes.is_empty() {
        s.store.roots().await.map_err(internal)
    } else {
        let mut orgs = Vec::new();
        for scope in &viewer.principal.scopes {
            if let Some(id) = scope.ids().last()
                && let Ok(Some(o)) = s.store.org_by_id(*id).await
            {
                orgs.push(o);
            }
        }
        Ok(orgs)
    };
    let orgs = match orgs {
        Ok(o) => o,
        Err(resp) => return resp,
    };
    let mut children = Vec::new();
    for o in orgs
        .iter()
        .filter(|o| may(&viewer, Action::ReadOrganisation, o).allowed())
    {
        match row(&s.store, o).await {
            Ok(r) => children.push(r),
            Err(resp) => return resp,
        }
    }
    let mut p = page(&viewer, String::new(), "/".into());
    p.title = p.tx.get("tree_title");
    p.children = children;
    render(p)
}

/// Members listed per page on an organisation's page.
const MEMBERS_PER_PAGE: i64 = 50;

#[derive(serde::Deserialize)]
pub struct Paging {
    #[serde(default)]
    from: i64,
}

fn member_row(tx: &Text, m: xianfeng_storage::MemberRecord) -> MemberRow {
    MemberRow {
        id: m.id,
        name: m.name,
        gender: tx.get(&format!("gender_{}", m.gender)),
        member_type: tx.get(&format!("member_type_{}", m.member_type)),
        position: m.position.unwrap_or_default(),
        id_masked: m.id_masked,
    }
}

pub async fn org_page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
    axum::extract::Query(paging): axum::extract::Query<Paging>,
) -> Response {
    let org = match s.store.org_by_code(&code).await {
        Ok(Some(o)) => o,
        Ok(None) => return not_found(),
        Err(e) => return internal(e),
    };
    match may(&viewer, Action::ReadOrganisation, &org) {
        Decision::Allow => {}
        // Outside the account's scope looks exactly like a code that does not exist.
        Decision::OutOfScope => return not_found(),
        Decision::NotPermitted => return StatusCode::FORBIDDEN.into_response(),
    }
    let (ancestors, kids) = match (
        s.store.ancestors(&org).await,
        s.store.children(org.id).await,
    ) {
        (Ok(a), Ok(k)) => (a, k),
        (Err(e), _) | (_, Err(e)) => return internal(e),
    };
    let mut children = Vec::new();
    for o in kids
        .iter()
        .filter(|o| may(&viewer, Action::ReadOrganisation, o).allowed())
    {
        match row(&s.store, o).await {
            Ok(r) => children.push(r),
            Err(resp) => return resp,
        }
    }
    let current = match row(&s.store, &org).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let mut p = page(&viewer, org.name.clone(), format!("/o/{}", org.code));
    // Only the ancestors the account may see are named in the breadcrumb.
    p.breadcrumbs = ancestors
        .iter()
        .filter(|a| a.id != org.id && may(&viewer, Action::ReadOrganisation, a).allowed())
        .map(|a| (a.code.clone(), a.name.clone()))
        .collect();
    p.current = Some(current);
    p.category = org.category.clone().unwrap_or_default();
    p.sector = org.sector.clone().unwrap_or_default();
    p.children = children;
    if may(&viewer, Action::ReadMembers, &org).allowed() {
        let from = paging.from.max(0);
        let members = match s
            .store
            .members_of_org(org.id, MEMBERS_PER_PAGE + 1, from)
            .await
        {
            Ok(m) => m,
            Err(e) => return internal(e),
        };
        if members.len() as i64 > MEMBERS_PER_PAGE {
            p.next_page = Some(from + MEMBERS_PER_PAGE);
        }
        if from > 0 {
            p.prev_page = Some((from - MEMBERS_PER_PAGE).max(0));
        }
        p.members = members
            .into_iter()
            .take(MEMBERS_PER_PAGE as usize)
            .map(|m| member_row(&p.tx, m))
            .collect();
        p.teams = match s.store.teams_of_org(org.id).await {
            Ok(t) => t.into_iter().map(|t| (t.name, t.cadre_count)).collect(),
            Err(e) => return internal(e),
        };
    }
    render(p)
}

#[derive(Template)]
#[template(path = "member.html")]
struct MemberPage {
    tx: Text,
    back: String,
    username: String,
    csrf: String,
    org_code: String,
    org_name: String,
    member: MemberRow,
    birth_date: String,
    ethnicity: String,
    joined_on: String,
    phone_masked: String,
}

/// One member, personal data masked.
pub async fn member_page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    let member = match s.store.member(id).await {
        Ok(Some(m)) => m,
        Ok(None) => return not_found(),
        Err(e) => return internal(e),
    };
    let org = match s.store.org_by_id(member.org_id).await {
        Ok(Some(o)) => o,
        Ok(None) => return not_found(),
        Err(e) => return internal(e),
    };
    match may(&viewer, Action::ReadMembers, &org) {
        Decision::Allow => {}
        Decision::OutOfScope => return not_found(),
        Decision::NotPermitted => return StatusCode::FORBIDDEN.into_response(),
    }
    let tx = Text {
        lang: viewer.lang(),
    };
    let (birth_date, ethnicity, joined_on, phone_masked) = (
        member.birth_date.clone(),
        member.ethnicity.clone().unwrap_or_default(),
        member.joined_on.clone().unwrap_or_default(),
        member.phone_masked.clone().unwrap_or_default(),
    );
    let page = MemberPage {
        back: format!("/m/{id}"),
        username: viewer.session.username.clone(),
        csrf: viewer.session.csrf_token.clone(),
        org_code: org.code.clone(),
        org_name: org.name.clone(),
        member: member_row(&tx, member),
        birth_date,
        ethnicity,
        joined_on,
        phone_masked,
        tx,
    };
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => internal(e),
    }
}
