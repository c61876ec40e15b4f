//! Reads sent to a hot standby (`--read-db`, docs/CLUSTER.md). A request that only reads
//! — a `GET` outside the API — is served with its reads on the standby, unless the person
//! asking changed something in the last 30 seconds: any request that changes data marks its
//! browser (`xf_wrote`), and that browser's reads stay on the primary while the standby may
//! not yet have the change. So a person always sees her own writes; everyone else sees the
//! data as of a moment ago. The API stays on the primary: scripts read what they just wrote.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

pub const WROTE_COOKIE: &str = "xf_wrote";
/// How long after a change a browser's reads stay on the primary: far above a standby's
/// usual lag (well under a second on a local network).
const OWN_WRITES_MS: i64 = 30_000;

pub async fn route(State(s): State<AppState>, req: Request, next: Next) -> Response {
    if !s.store.has_standby() {
        return next.run(req).await;
    }
    let reads_only = matches!(*req.method(), Method::GET | Method::HEAD);
    let now = chrono::Utc::now().timestamp_millis();
    let wrote_recently = super::cookies::cookie(req.headers(), WROTE_COOKIE)
        .and_then(|v| v.parse::<i64>().ok())
        .is_some_and(|at| now - at < OWN_WRITES_MS);
    if reads_only && !wrote_recently && !req.uri().path().starts_with("/api/") {
        metrics::counter!("standby_requests_total").increment(1);
        return xianfeng_storage::from_standby(next.run(req)).await;
    }
    let mut response = next.run(req).await;
    if !reads_only && response.status().as_u16() < 400 {
        let mark = format!(
            "{WROTE_COOKIE}={now}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax",
            OWN_WRITES_MS / 1000
        );
        if let Ok(v) = HeaderValue::from_str(&mark) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}
