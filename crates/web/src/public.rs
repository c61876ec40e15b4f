//! Public pages (公开页面) under `/p/`: no sign-in, nothing personal, addresses that stay
//! the same because they are printed as QR codes (docs/URLS.md). Later issues add the
//! commitment board, the ballot page and public notices here.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use xianfeng_domain::org::OrgKind;

use crate::chrome::Chrome;
use crate::session::lang_of;
use crate::{AppState, pages};

#[derive(Template)]
#[template(path = "public_index.html")]
struct IndexPage {
    chrome: Chrome,
}

pub async fn index(headers: HeaderMap) -> Response {
    let page = IndexPage {
        chrome: Chrome::anonymous(lang_of(&headers), "/p/"),
    };
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => pages::internal(e),
    }
}

struct PublicOrg {
    code: String,
    name: String,
    kind: String,
}

#[derive(Template)]
#[template(path = "public_org.html")]
struct OrgPage {
    chrome: Chrome,
    org: PublicOrg,
    parent: Option<PublicOrg>,
    children: Vec<PublicOrg>,
    organisations: i64,
    members: i64,
}

fn public(o: &xianfeng_storage::OrgRecord) -> PublicOrg {
    PublicOrg {
        code: o.code.clone(),
        name: o.name.clone(),
        kind: o.kind().map(OrgKind::name_zh).unwrap_or("").to_string(),
    }
}

/// An organisation as the public sees it: its name and kind, where it sits, how many
/// organisations and members it has. No person is named here.
pub async fn organisation(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Response {
    let chrome = Chrome::anonymous(lang_of(&headers), &format!("/p/o/{code}"));
    let org = match s.store.org_by_code(&code).await {
        Ok(Some(o)) => o,
        Ok(None) => return pages::not_found(&chrome),
        Err(e) => return pages::internal(e),
    };
    let parent = match org.parent_id {
        Some(id) => match s.store.org_by_id(id).await {
            Ok(p) => p.as_ref().map(public),
            Err(e) => return pages::internal(e),
        },
        None => None,
    };
    let (children, counts) = match (
        s.store.children(org.id).await,
        s.store.subtree_counts(&org).await,
    ) {
        (Ok(c), Ok(n)) => (c, n),
        (Err(e), _) | (_, Err(e)) => return pages::internal(e),
    };
    let page = OrgPage {
        chrome,
        org: public(&org),
        parent,
        children: children.iter().map(public).collect(),
        organisations: counts.organisations,
        members: counts.members,
    };
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => pages::internal(e),
    }
}
