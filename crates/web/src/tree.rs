//! The organisation tree (组织体系), within what the account may see.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use xianfeng_domain::org::OrgKind;
use xianfeng_domain::policy::{Action, Decision, Target, decide};
use xianfeng_storage::{OrgRecord, Store};

use crate::AppState;
use crate::chrome::Chrome;
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
    chrome: Chrome,
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

/// The policy's refusal as a response, if it refuses: outside the account's scope looks exactly like a
/// code that does not exist; inside it but not permitted is forbidden.
fn refusal(viewer: &Viewer, action: Action, org: &OrgRecord) -> Option<Response> {
    match may(viewer, action, org) {
        Decision::Allow => None,
        Decision::OutOfScope => Some(not_found()),
        Decision::NotPermitted => Some(StatusCode::FORBIDDEN.into_response()),
    }
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

/// The organisations of `orgs` the account may see, with their counts.
async fn visible_rows(
    store: &Store,
    viewer: &Viewer,
    orgs: &[OrgRecord],
) -> Result<Vec<OrgRow>, Response> {
    let mut rows = Vec::new();
    for o in orgs {
        if may(viewer, Action::ReadOrganisation, o).allowed() {
            rows.push(row(store, o).await?);
        }
    }
    Ok(rows)
}

fn render(page: TreePage) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => internal(e),
    }
}

fn page(viewer: &Viewer, title: String, back: String) -> TreePage {
    TreePage {
        chrome: Chrome::signed_in(viewer, back),
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
    let children = match visible_rows(&s.store, &viewer, &orgs).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let mut p = page(&viewer, String::new(), "/".into());
    p.title = p.chrome.tx.get("tree_title");
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
    if let Some(refused) = refusal(&viewer, Action::ReadOrganisation, &org) {
        return refused;
    }
    let (ancestors, kids) = match (
        s.store.ancestors(&org).await,
        s.store.children(org.id).await,
    ) {
        (Ok(a), Ok(k)) => (a, k),
        (Err(e), _) | (_, Err(e)) => return internal(e),
    };
    let children = match visible_rows(&s.store, &viewer, &kids).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
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
            .map(|m| member_row(&p.chrome.tx, m))
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
    chrome: Chrome,
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
    if let Some(refused) = refusal(&viewer, Action::ReadMembers, &org) {
        return refused;
    }
    let chrome = Chrome::signed_in(&viewer, format!("/m/{id}"));
    let (birth_date, ethnicity, joined_on, phone_masked) = (
        member.birth_date.clone(),
        member.ethnicity.clone().unwrap_or_default(),
        member.joined_on.clone().unwrap_or_default(),
        member.phone_masked.clone().unwrap_or_default(),
    );
    let page = MemberPage {
        org_code: org.code.clone(),
        org_name: org.name.clone(),
        member: member_row(&chrome.tx, member),
        birth_date,
        ethnicity,
        joined_on,
        phone_masked,
        chrome,
    };
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => internal(e),
    }
}
