//! A request whose transaction the database refused only because another ran at the same
//! time (serialization failure, deadlock: `storage::retry`) is served again, whole, a few
//! times, a little later each time. The handler's work is one transaction that was rolled
//! back, so running it again is safe; the person sees the answer of the attempt that went
//! through, never the refusal.
//!
//! The 500 answers of pages and API mark such refusals with [`Again`] (`pages::internal_in`,
//! `api::internal`); this layer, around the handlers, keeps the request's body to send it
//! again.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// On an answer: the database refused the work for a concurrent writer; try again.
#[derive(Debug, Clone, Copy)]
pub struct Again;

/// Whether an error a handler answers with 500 is such a refusal: an application or a
/// storage error whose cause is a serialization failure or a deadlock.
pub fn is_retryable(error: &dyn std::any::Any) -> bool {
    if let Some(e) = error.downcast_ref::<xianfeng_app::AppError>() {
        return e.is_retryable();
    }
    error
        .downcast_ref::<xianfeng_storage::StoreError>()
        .is_some_and(xianfeng_storage::retry::is_retryable)
}

/// Whether reading a body failed because it grew past the limit (rather than because the
/// client went away mid-body).
fn is_over_limit(error: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = e.source();
    }
    false
}

/// Routes whose work runs again by itself, so that their body need not be kept: a ballot's
/// batch is retried whole by its writer, and its count of mistyped codes is one statement
/// retried (`storage::retry`). Keeping the body cost every ballot a copy of the request.
const RETRIED_WITHIN: &[&str] = &["/api/v1/ballots"];

pub async fn again(State(body_limit): State<usize>, req: Request, next: Next) -> Response {
    if RETRIED_WITHIN.contains(&req.uri().path()) {
        return next.run(req).await;
    }
    // A body declared larger than the limit goes on as it came, to be refused by the
    // handler's own extractor in the answer's usual form (a page, or JSON under the API).
    let declared = axum::body::HttpBody::size_hint(req.body()).lower();
    if declared > body_limit as u64 {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, body_limit).await {
        Ok(bytes) => bytes,
        Err(e) if is_over_limit(&e) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        // The client stopped sending halfway, or sent a broken chunk.
        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
    };
    let mut attempt = 0;
    loop {
        let req = Request::from_parts(parts.clone(), Body::from(bytes.clone()));
        let response = next.clone().run(req).await;
        if response.extensions().get::<Again>().is_none() {
            return response;
        }
        if attempt + 1 >= xianfeng_storage::retry::ATTEMPTS {
            tracing::error!(attempt, "the database refused the work every time");
            return response;
        }
        attempt += 1;
        tracing::info!(attempt, "serving again: the database asked for it");
        xianfeng_storage::retry::backoff(attempt).await;
    }
}
