//! Prometheus metrics at `/metrics`: requests by route and status, and their duration.
//! Routes are counted by their pattern (`/o/{code}`), never by the concrete path, so that
//! codes and ids neither leak into the metrics nor multiply its series. Durations are
//! histograms with fixed buckets, which a cluster's servers add up (summaries do not);
//! beside them the domain's own figures: ballots waiting for the writer and its batch
//! sizes, how far the scores lag behind the database, database connections in use,
//! rows pruned by housekeeping.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

use super::client::ClientAddress;
use super::session::same_secret;
use crate::AppState;

/// The process-wide recorder, installed on first use.
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(SECONDS)
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Full("ballot_batch_size".into()), SIZES)
            })
            .expect("the buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed");
        }
        handle
    })
}

/// Buckets of durations, in seconds: a page is expected in milliseconds, a recompute or an
/// export may take seconds.
const SECONDS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
/// Buckets of the ballot writer's batch sizes.
const SIZES: &[f64] = &[1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0];

/// A label value that lives as long as the process: route patterns and methods are few,
/// so each is kept once, and counting a request allocates nothing.
fn interned(value: &str) -> &'static str {
    static SEEN: OnceLock<std::sync::Mutex<std::collections::HashSet<&'static str>>> =
        OnceLock::new();
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .expect("not poisoned");
    if let Some(v) = seen.get(value) {
        return v;
    }
    // Bounded: the router's patterns, the standard methods and the status codes in use.
    let leaked: &'static str = Box::leak(value.to_string().into_boxed_str());
    seen.insert(leaked);
    leaked
}

pub async fn track(req: Request, next: Next) -> Response {
    handle();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| interned(p.as_str()));
    // Clients may send any method name; only the standard ones are labels of their own.
    let method = match req.method().as_str() {
        m @ ("GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS") => interned(m),
        _ => "other",
    };
    let started = Instant::now();
    let response = next.run(req).await;
    let status = interned(response.status().as_str());
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

/// The metrics, for a scraper on this machine (a loopback address) or one that presents
/// the configured token (`Authorization: Bearer …`); for anyone else the address does not
/// exist. Counts by route tell an outsider which features are used and when.
pub async fn render(
    State(s): State<AppState>,
    ClientAddress(peer): ClientAddress,
    headers: HeaderMap,
) -> Response {
    let local = peer
        .parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback());
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let token_ok = match (&s.config.metrics_token, presented) {
        (Some(want), Some(got)) => same_secret(want, got.trim()),
        _ => false,
    };
    if !(local || token_ok) {
        return super::pages::not_found(&super::chrome::Chrome::anonymous(
            super::cookies::lang_of(&headers),
            "/",
        ));
    }
    exposition(&s)
}

/// The metrics on the address set apart for them (`serve.metrics_addr`), which only the
/// scrapers' network reaches: no token asked.
pub async fn render_apart(State(s): State<AppState>) -> Response {
    exposition(&s)
}

fn exposition(s: &AppState) -> Response {
    let (write, read) = s.store.connections_in_use();
    metrics::gauge!("db_connections_in_use", "pool" => "write").set(f64::from(write));
    metrics::gauge!("db_connections_in_use", "pool" => "read").set(f64::from(read));
    if let Some(lag) = xianfeng_app::scores::refresh_lag() {
        metrics::gauge!("score_refresh_lag_seconds").set(lag.as_secs_f64());
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle().render(),
    )
        .into_response()
}
