//! The web tier. Handlers stay thin: parse, authorise through `domain::policy`, call
//! storage or the application services, render. Pages are server-rendered and work
//! without JavaScript; the JSON API lives under `/api/v1`; public pages under `/p/`
//! (docs/URLS.md). Nothing here keeps state between requests: sessions and staged uploads
//! live in the database, so any number of instances can serve one PostgreSQL database.

mod api;
mod html;
mod kernel;
mod listen;

pub use kernel::client::TrustedProxies;
pub use kernel::clock;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
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
    /// A scraper presenting this token (`Authorization: Bearer …`) may read `/metrics` from
    /// another machine; without it, only a scraper on this machine (loopback) may.
    pub metrics_token: Option<String>,
    /// A client must send a request's header within this; an idle kept-alive connection
    /// is closed after it.
    pub header_timeout: Duration,
    /// Connections one address may hold open at once (0: no cap).
    pub connections_per_address: usize,
    /// How much of an uploaded spreadsheet is read: unpacked size, rows, columns.
    pub sheet_limits: xianfeng_ingest::Limits,
    /// The administrator and the campaign office must sign in with a second factor
    /// (TOTP); an account without one is sent to set it up.
    pub require_second_factor: bool,
    /// Load balancers and reverse proxies whose `X-Forwarded-For` names the client
    /// (kernel::client); without them, every client is its TCP peer.
    pub trusted_proxies: kernel::client::TrustedProxies,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            max_body_bytes: 20 * 1024 * 1024,
            request_timeout: Duration::from_secs(120),
            public_url: None,
            warm_scores: false,
            metrics_token: None,
            header_timeout: Duration::from_secs(20),
            connections_per_address: 64,
            sheet_limits: xianfeng_ingest::Limits::WEB,
            require_second_factor: false,
            trusted_proxies: Default::default(),
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
    /// Roster checks and imports running at once in this process: reading a big sheet
    /// takes a core, and signing in must never wait behind someone's upload.
    pub imports: Arc<tokio::sync::Semaphore>,
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
    routers(store, config).0
}

/// The application's router and a router serving only `/metrics`, for the address set
/// apart for scrapers (`serve --metrics-addr`); both share one state.
pub fn routers(store: Store, config: WebConfig) -> (Router, Router) {
    let timeout = config.request_timeout;
    let body_limit = config.max_body_bytes;
    let https = kernel::headers::Https(
        config
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://")),
    );
    let scores = xianfeng_app::scores::keep_current(
        store.clone(),
        config.warm_scores,
        crate::kernel::clock::today,
    );
    // Bulletins that draft themselves: a job in every server, each run taken once.
    xianfeng_app::bulletins::schedule::keep_running(
        store.clone(),
        Arc::downgrade(&scores),
        crate::kernel::clock::today,
    );
    // Expired sessions and old counters: a job in every server, each run taken once.
    xianfeng_app::housekeeping::keep_running(store.clone());
    // Audit entries a stopped server left unsealed (SQLite seals in the transaction).
    if store.dialect() == xianfeng_storage::Dialect::Postgres {
        xianfeng_app::housekeeping::keep_audit_sealed(store.clone());
    }
    let state = AppState(Arc::new(Shared {
        ballots: xianfeng_app::evaluation::BallotWriter::start(store.clone()),
        scores,
        imports: Arc::new(tokio::sync::Semaphore::new(IMPORTS_AT_ONCE)),
        store,
        config,
    }));
    let metrics = Router::new()
        .route("/metrics", get(kernel::metrics::render_apart))
        .layer(axum::middleware::from_fn(kernel::request_id::tag))
        .with_state(state.clone());
    let trusted = Arc::new(state.config.trusted_proxies.clone());
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(kernel::metrics::render))
        .route("/lang", get(kernel::lang::switch))
        .merge(html::router())
        .merge(kernel::assets::router())
        .nest("/api/v1", api::router())
        .fallback(fallback)
        .layer(axum::middleware::from_fn_with_state(
            state.config.max_body_bytes,
            kernel::retry::again,
        ))
        .layer(axum::middleware::from_fn_with_state(
            kernel::validators::PublicPages::new(state.store.clone()),
            kernel::validators::public,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            kernel::standby::route,
        ))
        .layer(axum::middleware::from_fn(kernel::guard::same_origin))
        .layer(axum::middleware::from_fn_with_state(
            https,
            kernel::headers::add,
        ))
        .layer(axum::middleware::from_fn(kernel::metrics::track))
        .layer(axum::middleware::from_fn(kernel::security_log::record))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(axum::middleware::from_fn(kernel::request_id::tag))
        .layer(axum::middleware::from_fn_with_state(
            trusted,
            kernel::client::resolve,
        ))
        .with_state(state);
    (app, metrics)
}

/// Roster checks and imports one process runs at once (on a 2-core server, one leaves a
/// core for everyone else).
const IMPORTS_AT_ONCE: usize = 1;

async fn healthz() -> &'static str {
    "ok"
}

/// Whether this server can do its work: the database answers within two seconds. A
/// balancer sends no one to a server that answers 503 here; `/healthz` says only that the
/// process is up.
async fn readyz(
    axum::extract::State(s): axum::extract::State<AppState>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match tokio::time::timeout(Duration::from_secs(2), s.store.ready()).await {
        Ok(Ok(())) => "ready".into_response(),
        Ok(Err(e)) => {
            tracing::warn!("not ready: {e}");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable",
            )
                .into_response()
        }
        Err(_) => {
            tracing::warn!("not ready: the database did not answer within 2 s");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable",
            )
                .into_response()
        }
    }
}

/// Serves until `shutdown` completes, then lets requests in flight finish. The peer
/// address reaches handlers for sign-in throttling per address.
pub async fn serve(
    store: Store,
    config: WebConfig,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = connection_limits(&config);
    listen::serve(router(store, config), listener, limits, shutdown).await
}

/// The limits on connections the configuration sets; trusted proxies are not capped.
fn connection_limits(config: &WebConfig) -> listen::ConnectionLimits {
    listen::ConnectionLimits {
        header_timeout: config.header_timeout,
        per_address: config.connections_per_address,
        exempt: config.trusted_proxies.clone(),
    }
}

/// Serves as [`serve`] does, and `/metrics` alone on `metrics` (an address only the
/// scrapers' network reaches), until `shutdown` completes.
pub async fn serve_with_metrics(
    store: Store,
    config: WebConfig,
    listener: tokio::net::TcpListener,
    metrics: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = connection_limits(&config);
    let (app, apart) = routers(store, config);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let metrics_limits = listen::ConnectionLimits {
        per_address: 0,
        ..limits.clone()
    };
    let mut stopped_too = stopped.clone();
    let scraping = tokio::spawn(listen::serve(apart, metrics, metrics_limits, async move {
        let _ = stopped_too.wait_for(|s| *s).await;
    }));
    let served = listen::serve(app, listener, limits, async move {
        shutdown.await;
        let _ = stop.send(true);
    })
    .await;
    drop(stopped);
    let _ = scraping.await;
    served
}

/// Any path no route knows: a page for people, JSON under the API.
async fn fallback(req: axum::extract::Request) -> axum::response::Response {
    if req.uri().path().starts_with("/api/") {
        use axum::response::IntoResponse;
        return api::not_found_response(xianfeng_domain::i18n::Lang::default()).into_response();
    }
    let lang = kernel::cookies::lang_of(req.headers());
    kernel::pages::not_found(&kernel::chrome::Chrome::anonymous(lang, "/"))
}
