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

pub async fn org_page(
    State(s): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
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
    render(p)
}
