//! A request id (请求编号) on every request: taken from the balancer's `X-Request-Id` when
//! it sent a sane one, made up otherwise; carried by every log line written while the
//! request is served (a tracing span) and sent back in the answer's `X-Request-Id`, so
//! that a person quoting it from an error page leads to the lines about it, on whichever
//! server of a cluster served it.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

pub const HEADER: &str = "x-request-id";

/// An id sent in: letters, digits, `-`, `_`, `.`; 1 to 64 of them.
fn acceptable(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// A new id: this process's random prefix and a counter, unique across a cluster's
/// servers without asking anyone.
fn fresh() -> String {
    static PREFIX: OnceLock<String> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let prefix = PREFIX.get_or_init(|| {
        let mut b = [0u8; 6];
        getrandom::fill(&mut b).expect("the system's random source works");
        b.iter().map(|x| format!("{x:02x}")).collect()
    });
    format!("{prefix}-{:x}", NEXT.fetch_add(1, Ordering::Relaxed))
}

pub async fn tag(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map_or_else(fresh, str::to_string);
    let span = tracing::info_span!("request", id = %id);
    let mut response = next.run(req).instrument(span).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sent_in_are_kept_only_when_sane_and_new_ones_differ() {
        assert!(acceptable("4f1c2a9e-77"));
        assert!(!acceptable(""));
        assert!(!acceptable("a b"));
        assert!(!acceptable("x\r\nSet-Cookie: y"));
        assert!(!acceptable(&"a".repeat(65)));
        assert_ne!(fresh(), fresh());
    }
}
