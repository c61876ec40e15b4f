//! The security log (安全审计日志, which 等保 2.0 asks for): every refused request — not
//! signed in (401), not permitted (403), outside the account's scope (404 to a signed-in
//! account, which it reads as "not found"), too many attempts (429) — as one line with the
//! target `xianfeng::security`: which account, from which address, what it asked (method
//! and path, never the query or the body) and the answer.
//!
//! The account is learnt where every request's account is looked up (the session cookie
//! or the bearer token), through a slot this layer puts on the request. A 404 to nobody in
//! particular is an address that does not exist, not a refusal, and is not logged.

use std::sync::{Arc, Mutex};

use axum::extract::Request;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;

/// The account a request was made by, once it is known.
#[derive(Clone, Default)]
pub struct Account(Arc<Mutex<Option<String>>>);

impl Account {
    /// Notes the account behind the request, for the log line of a refusal.
    pub fn note(parts: &Parts, username: &str) {
        if let Some(slot) = parts.extensions.get::<Account>() {
            *slot.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(username.to_string());
        }
    }

    fn take(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// Whether an answer is a refusal worth a line, given whether an account asked.
pub fn is_refusal(status: StatusCode, signed_in: bool) -> bool {
    match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS => true,
        StatusCode::NOT_FOUND => signed_in,
        _ => false,
    }
}

pub async fn record(mut req: Request, next: Next) -> Response {
    let account = Account::default();
    req.extensions_mut().insert(account.clone());
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let peer = super::client::ClientIp::of(req.extensions()).map(|ip| ip.to_string());
    let response = next.run(req).await;
    let who = account.take();
    if is_refusal(response.status(), who.is_some()) {
        tracing::warn!(
            target: "xianfeng::security",
            account = who.as_deref().unwrap_or("-"),
            peer = peer.as_deref().unwrap_or("-"),
            method = %method,
            path = %path,
            status = response.status().as_u16(),
            "refused"
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_logged_and_unknown_addresses_of_nobody_are_not() {
        assert!(is_refusal(StatusCode::FORBIDDEN, false));
        assert!(is_refusal(StatusCode::UNAUTHORIZED, false));
        assert!(is_refusal(StatusCode::TOO_MANY_REQUESTS, false));
        assert!(is_refusal(StatusCode::NOT_FOUND, true));
        assert!(!is_refusal(StatusCode::NOT_FOUND, false));
        assert!(!is_refusal(StatusCode::OK, true));
        assert!(!is_refusal(StatusCode::UNPROCESSABLE_ENTITY, true));
    }
}
