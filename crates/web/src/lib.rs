//! The web tier. Handlers stay thin: parse, authorise through `domain::policy`, call
//! storage, render. So far: sign-in and sign-out, and the organisation tree within the
//! account's scope; the rest of the web platform issue builds on these.

mod chrome;
mod lang;
mod login;
mod session;
mod text;
mod tree;

use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::net::SocketAddr;
use xianfeng_storage::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
}

pub fn router(store: Store) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/login", get(login::page).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/lang", get(lang::switch))
        .route("/", get(tree::home))
        .route("/o/{code}", get(tree::org_page))
        .route("/m/{id}", get(tree::member_page))
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

/// Serves until the process is stopped. The peer address reaches handlers for login
/// throttling per address.
pub async fn serve(store: Store, addr: &str) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(
        listener,
        router(store).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}
