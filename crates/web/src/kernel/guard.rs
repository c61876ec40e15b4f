//! Cross-site request forgery, first line: a browser form posted from another site is
//! refused before any handler runs. Browsers say where a request comes from in
//! `Sec-Fetch-Site` (all current ones) or `Origin`; requests without either (scripts,
//! old browsers) pass here and meet the second line, the session's CSRF token that every
//! signed-in form carries (`session::Posted`). The JSON API is exempt: it authenticates
//! with a bearer token that a foreign page cannot make a browser send.

use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;

fn cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "cross-site";
    }
    let (Some(origin), Some(host)) = (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) else {
        return false;
    };
    // "null" (a sandboxed frame or a file:// page) is never this site.
    origin
        .split_once("://")
        .is_none_or(|(_, authority)| authority != host)
}

pub async fn same_origin(req: Request, next: Next) -> Response {
    let changes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if changes && !req.uri().path().starts_with("/api/") && cross_site(req.headers()) {
        tracing::warn!(path = %req.uri().path(), "cross-site form post refused");
        return crate::kernel::pages::csrf_refused(crate::kernel::cookies::lang_of(req.headers()));
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn a_post_from_another_site_is_cross_site_and_one_from_this_site_is_not() {
        assert!(cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!cross_site(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(cross_site(&headers(&[
            ("origin", "https://evil.example"),
            ("host", "xianfeng.local")
        ])));
        assert!(cross_site(&headers(&[
            ("origin", "null"),
            ("host", "xianfeng.local")
        ])));
        assert!(!cross_site(&headers(&[
            ("origin", "http://xianfeng.local:8080"),
            ("host", "xianfeng.local:8080")
        ])));
        // A script without either header meets the CSRF token instead.
        assert!(!cross_site(&headers(&[])));
    }
}
