//! The web tier. Handlers stay thin: parse, authorise through `domain::policy`, call
//! storage or the application services, render. Pages are server-rendered and work
//! without JavaScript; the JSON API lives under `/api/v1`; public pages under `/p/`
//! (docs/URLS.md). Nothing here keeps state between requests: sessions and staged uploads
//! live in the database, so any number of instances can serve one PostgreSQL database.

mod account;
mod api;
mod assets;
mod ballot;
mod calendar;
mod charts;
mod chrome;
pub mod clock;
mod commitments;
mod cookies;
mod evaluation;
mod forms;
mod guard;
mod import;
mod lang;
mod login;
mod metrics;
mod multipart;
mod notices;
mod pages;
mod public;
mod qr;
mod records;
mod reviews;
mod scores;
mod selection;
mod session;
mod setup;
mod text;
mod tree;
mod viewer;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_http::timeout::TimeoutLayer;
use xianfeng_storage::Store;

/// Limits and switches of the web tier; `xianfeng serve` fills them from flags,
/// environment and the config file (docs/CONFIG.md).
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The largest request body accepted, in bytes (uploads included).
    pub max_body_bytes: usize,
    /// A request that takes longer is answered 408.
    pub request_timeout: Duration,
    /// The address the public reaches this site at (e.g. `https://cxzy.example.gov`), for
    /// the QR codes on printed pages; without it, the address the browser used.
    pub public_url: Option<String>,
    /// Compute the current and previous periods' scores as the server starts, so that the
    /// first visitor to the dashboards does not wait for a city-wide recompute.
    pub warm_scores: bool,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            max_body_bytes: 20 * 1024 * 1024,
            request_timeout: Duration::from_secs(120),
            public_url: None,
            warm_scores: false,
        }
    }
}

/// What every handler shares, behind one reference count: handlers take a copy per
/// request, which is then a single atomic increment.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub store: Store,
    pub config: WebConfig,
    /// The one writer of ballots, which commits them in batches.
    pub ballots: xianfeng_app::evaluation::BallotWriter,
    /// Scores and rankings kept between requests, updated as reviews and ballots arrive.
    pub scores: Arc<xianfeng_app::scores::Scores>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// Every route of the application. Call it inside a Tokio runtime: it starts the ballot
/// writer. `tests/routes.rs` walks this list as an account of
/// another subtree and as an anonymous visitor; a route added here without a place in
/// that walk fails the test.
pub fn router(store: Store, config: WebConfig) -> Router {
    let timeout = config.request_timeout;
    let body_limit = config.max_body_bytes;
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::render))
        .route("/login", get(login::page).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/lang", get(lang::switch))
        .route("/", get(tree::home))
        .route("/scores", get(scores::dashboard))
        .route("/scores/export", get(scores::export))
        .route("/scores/method", get(scores::method))
        .route("/scores/close", post(scores::close))
        .route("/scores/s/{code}", get(scores::subject))
        .route("/scores/s/{code}/self", post(scores::self_assess))
        .route("/selection", get(selection::list).post(selection::create))
        .route("/selection/new", get(selection::new_form))
        .route("/selection/export", get(selection::export))
        .route(
            "/selection/notices",
            get(selection::notices).post(selection::publish),
        )
        .route("/selection/notices/{id}", get(selection::notice))
        .route("/selection/notices/{id}/findings", post(selection::finding))
        .route("/selection/{id}", get(selection::page))
        .route("/selection/{id}/step", post(selection::step))
        .route("/selection/{id}/form.docx", get(selection::form))
        .route("/selection/{id}/files", post(selection::attach))
        .route("/selection/{id}/recommend", post(selection::recommend))
        .route("/calendar", get(calendar::page).post(calendar::set))
        .route("/calendar/unset", post(calendar::unset))
        .route("/calendar/import", post(calendar::import))
        .route("/search", get(tree::search))
        .route("/tree/{code}", get(tree::fragment))
        .route("/o/{code}", get(tree::org_page))
        .route("/o/{code}/setup", get(setup::page))
        .route("/o/{code}/plan", post(setup::submit))
        .route("/o/{code}/plan/decision", post(setup::decide))
        .route("/o/{code}/meetings", post(setup::add_meeting))
        .route("/o/{code}/plans", get(setup::overview))
        .route(
            "/o/{code}/study",
            get(records::study_page).post(records::enter_study),
        )
        .route("/o/{code}/study/import", post(records::import_study))
        .route(
            "/o/{code}/service",
            get(records::service_page).post(records::enter_service),
        )
        .route("/o/{code}/posts", post(records::create_post))
        .route(
            "/o/{code}/reviewers",
            get(reviews::assign_page).post(reviews::assign),
        )
        .route("/reviews", get(reviews::desk).post(reviews::write))
        .route("/eval", get(evaluation::list).post(evaluation::create))
        .route("/eval/{id}", get(evaluation::page))
        .route("/eval/{id}/codes", post(evaluation::codes))
        .route("/eval/{id}/comments/{ballot}/hide", post(evaluation::hide))
        .route("/m/{id}", get(tree::member_page))
        .route("/m/{id}/sanctions", post(tree::record_sanction))
        .route("/account", get(account::page))
        .route(
            "/account/password",
            get(account::password_page).post(account::change_password),
        )
        .route("/import", get(import::form).post(import::upload))
        .route("/import/template/{file}", get(import::template))
        .route("/import/{id}", get(import::preview))
        .route("/import/{id}/errors.csv", get(import::errors_csv))
        .route("/import/{id}/confirm", post(import::confirm))
        .route("/c", post(commitments::create))
        .route("/c/new", get(commitments::new_form))
        .route("/c/{id}", get(commitments::page))
        .route(
            "/c/{id}/edit",
            get(commitments::edit_form).post(commitments::edit),
        )
        .route("/c/{id}/step", post(commitments::step))
        .route("/c/{id}/progress", post(commitments::progress))
        .route("/files/{id}", get(commitments::file))
        .route("/p/", get(public::index))
        .route("/p/o/{code}", get(public::organisation))
        .route("/p/b/{code}", get(ballot::page).post(ballot::cast))
        .route(
            "/p/e/{round}/{subject}",
            get(ballot::open_page).post(ballot::open_cast),
        )
        .route("/p/n/{id}", get(notices::notice).post(notices::raise))
        .route("/p/honours/{campaign}", get(notices::roll))
        .route(
            "/p/honours/{campaign}/{nomination}",
            get(notices::certificate),
        )
        .route("/assets/{file}", get(assets::serve))
        .nest("/api/v1", api::router())
        .fallback(fallback)
        .layer(axum::middleware::from_fn(guard::same_origin))
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .with_state(AppState(Arc::new(Shared {
            ballots: xianfeng_app::evaluation::BallotWriter::start(store.clone()),
            scores: xianfeng_app::scores::keep_current(
                store.clone(),
                config.warm_scores,
                crate::clock::today,
            ),
            store,
            config,
        })))
}

async fn healthz() -> &'static str {
    "ok"
}

/// Serves until `shutdown` completes, then lets requests in flight finish. The peer
/// address reaches handlers for sign-in throttling per address.
pub async fn serve(
    store: Store,
    config: WebConfig,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(store, config).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Any path no route knows: a page for people, JSON under the API.
async fn fallback(req: axum::extract::Request) -> axum::response::Response {
    if req.uri().path().starts_with("/api/") {
        use axum::response::IntoResponse;
        return api::not_found_response(xianfeng_domain::i18n::Lang::default()).into_response();
    }
    let lang = cookies::lang_of(req.headers());
    pages::not_found(&chrome::Chrome::anonymous(lang, "/"))
}
