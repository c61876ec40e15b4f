//! Cache validators on the public pages (`/p/`): every page answered 200 carries an ETag
//! made from its bytes, and a request that names it (`If-None-Match`) is answered 304 with
//! no body. The tag is a digest of what was sent, so every server behind a balancer gives
//! the same tag for the same page, and a page in another language is another page
//! (`Vary`). Browsers must ask again each time (`no-cache`): a notice or board changes.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// The largest answer given a tag (public files are at most 10 MB).
const LIMIT: usize = 16 * 1024 * 1024;

/// Whether `if_none_match` (a list of tags, or `*`) names `tag`.
fn names(if_none_match: &str, tag: &str) -> bool {
    if_none_match
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == tag || t == "*")
}

pub async fn public(req: Request, next: Next) -> Response {
    if req.method() != Method::GET || !req.uri().path().starts_with("/p/") {
        return next.run(req).await;
    }
    let asked = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let res = next.run(req).await;
    // A page that sets a cookie is someone's own answer; one that has a tag keeps it.
    if res.status() != StatusCode::OK
        || res.headers().contains_key(header::SET_COOKIE)
        || res.headers().contains_key(header::ETAG)
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = to_bytes(body, LIMIT).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let tag = format!("\"{}\"", &hex::encode(Sha256::digest(&bytes))[..32]);
    let h = &mut parts.headers;
    h.insert(
        header::ETAG,
        HeaderValue::from_str(&tag).expect("hex in quotes is a valid header"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-cache"));
    h.insert(
        header::VARY,
        HeaderValue::from_static("Cookie, Accept-Language"),
    );
    if asked.is_some_and(|a| names(&a, &tag)) {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_list_of_tags_names_one_weakly_or_strongly_or_all() {
        assert!(super::names("\"a\", \"b\"", "\"b\""));
        assert!(super::names("W/\"b\"", "\"b\""));
        assert!(super::names("*", "\"b\""));
        assert!(!super::names("\"a\"", "\"b\""));
    }
}
