//! The web tier. Handlers stay thin: parse, call storage, render. This is the minimal
//! server of the foundation (health check and a read-only tree); the web platform issue
//! adds accounts, scoped access and the full UI.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use xianfeng_domain::i18n::{Lang, t};
use xianfeng_domain::org::OrgKind;
use xianfeng_storage::{OrgRecord, Store};

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
}

pub fn router(store: Store) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/", get(home))
        .route("/o/{code}", get(org_page))
        .route("/assets/site.css", get(css))
        .with_state(AppState { store })
}

async fn healthz() -> &'static str {
    "ok"
}

async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../assets/site.css"),
    )
        .into_response()
}

/// UI text of one page, looked up from the translation files.
struct Text {
    lang: Lang,
}

impl Text {
    fn get(&self, key: &str) -> String {
        t(self.lang, &format!("web.{key}"), &[])
    }
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
    title: String,
    breadcrumbs: Vec<(String, String)>,
    current: Option<OrgRow>,
    category: String,
    sector: String,
    children: Vec<OrgRow>,
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

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!("{e}");
    (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
}

fn render(page: impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => internal(e),
    }
}

async fn home(State(s): State<AppState>) -> Response {
    let roots = match s.store.roots().await {
        Ok(r) => r,
        Err(e) => return internal(e),
    };
    let mut children = Vec::new();
    for o in &roots {
        match row(&s.store, o).await {
            Ok(r) => children.push(r),
            Err(resp) => return resp,
        }
    }
    let tx = Text { lang: Lang::ZhCn };
    render(TreePage {
        title: tx.get("tree_title"),
        tx,
        breadcrumbs: vec![],
        current: None,
        category: String::new(),
        sector: String::new(),
        children,
    })
}

async fn org_page(State(s): State<AppState>, Path(code): Path<String>) -> Response {
    let org = match s.store.org_by_code(&code).await {
        Ok(Some(o)) => o,
        Ok(None) => return (StatusCode::NOT_FOUND, "not found").into_response(),
        Err(e) => return internal(e),
    };
    let (ancestors, kids) = match (
        s.store.ancestors(&org).await,
        s.store.children(org.id).await,
    ) {
        (Ok(a), Ok(k)) => (a, k),
        (Err(e), _) | (_, Err(e)) => return internal(e),
    };
    let mut children = Vec::new();
    for o in &kids {
        match row(&s.store, o).await {
            Ok(r) => children.push(r),
            Err(resp) => return resp,
        }
    }
    let current = match row(&s.store, &org).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    render(TreePage {
        tx: Text { lang: Lang::ZhCn },
        title: org.name.clone(),
        breadcrumbs: ancestors
            .iter()
            .filter(|a| a.id != org.id)
            .map(|a| (a.code.clone(), a.name.clone()))
            .collect(),
        current: Some(current),
        category: org.category.clone().unwrap_or_default(),
        sector: org.sector.clone().unwrap_or_default(),
        children,
    })
}

/// Serves until the process is stopped.
pub async fn serve(store: Store, addr: &str) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, router(store)).await
}
