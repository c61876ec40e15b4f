//! Public pages (`/p/`): cache validators, and a short-lived copy of each page as rendered.
//!
//! Every page answered 200 carries an ETag made from its bytes, and a request that names it
//! (`If-None-Match`) is answered 304 with no body. The tag is a digest of what was sent, so
//! every server behind a balancer gives the same tag for the same page, and a page in
//! another language is another page (`Vary: Cookie`). Browsers must ask again each time
//! (`no-cache`): a notice or a board changes.
//!
//! A page asked without a cookie of its own (only the language's) is kept, rendered, for
//! the next asker while the data have not changed: the store's data version (the audit
//! chain's end) moves with every change — at once for this server's writes, within
//! [`POLL_MS`] for other servers' — and a copy is never older than [`MAX_AGE_MS`] (what a
//! page shows by the date, a notice's phase, moves without a write). The pages people act
//! on (a ballot, an open-mode evaluation, a session's sign-in) are never kept.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use xianfeng_storage::Store;

/// The largest answer given a tag (public files are at most 10 MB).
const LIMIT: usize = 16 * 1024 * 1024;
/// How stale this server's knowledge of other servers' writes may be.
const POLL_MS: i64 = 250;
/// The longest a rendered page is kept, whatever the data.
const MAX_AGE_MS: i64 = 30_000;
/// The most pages kept (a city's boards, in two languages, are a few thousand).
const MAX_PAGES: usize = 20_000;
/// The largest page kept.
const MAX_KEPT: usize = 256 * 1024;
/// Public pages people act on: never kept.
const PERSONAL: [&str; 3] = ["/p/b/", "/p/e/", "/p/s/"];

struct Kept {
    version: i64,
    at_ms: i64,
    tag: HeaderValue,
    content_type: Option<HeaderValue>,
    body: Bytes,
}

/// The rendered public pages of one server.
pub struct PublicPages {
    store: Store,
    kept: RwLock<HashMap<String, Kept>>,
}

impl PublicPages {
    pub fn new(store: Store) -> Arc<PublicPages> {
        Arc::new(PublicPages {
            store,
            kept: RwLock::new(HashMap::new()),
        })
    }
}

/// Whether `if_none_match` (a list of tags, or `*`) names `tag`.
fn names(if_none_match: &str, tag: &str) -> bool {
    if_none_match
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == tag || t == "*")
}

/// The key a page is kept under: its language and address; `None` when the request
/// carries a cookie other than the language's (a signed-in account, a phone or voter
/// token: its own answer).
fn key(req: &Request) -> Option<String> {
    let path = req.uri().path();
    if PERSONAL.iter().any(|p| path.starts_with(p)) {
        return None;
    }
    for value in req.headers().get_all(header::COOKIE) {
        let text = value.to_str().ok()?;
        if text.split(';').map(str::trim).any(|c| {
            !c.is_empty() && !c.starts_with(&format!("{}=", crate::kernel::cookies::LANG_COOKIE))
        }) {
            return None;
        }
    }
    let lang = crate::kernel::cookies::lang_of(req.headers());
    Some(format!("{}|{}", lang.code(), req.uri()))
}

fn answer(
    tag: &HeaderValue,
    content_type: Option<&HeaderValue>,
    body: Bytes,
    asked: Option<&str>,
) -> Response {
    let mut h = HeaderMap::new();
    h.insert(header::ETAG, tag.clone());
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::VARY, HeaderValue::from_static("Cookie"));
    if asked.is_some_and(|a| names(a, tag.to_str().unwrap_or_default())) {
        return (StatusCode::NOT_MODIFIED, h).into_response();
    }
    if let Some(ct) = content_type {
        h.insert(header::CONTENT_TYPE, ct.clone());
    }
    (StatusCode::OK, h, body).into_response()
}

pub async fn public(State(pages): State<Arc<PublicPages>>, req: Request, next: Next) -> Response {
    if req.method() != Method::GET || !req.uri().path().starts_with("/p/") {
        return next.run(req).await;
    }
    let asked = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let key = key(&req);
    // Read before the page is made: a change committed while it renders makes it stale.
    let version = match &key {
        Some(_) => pages.store.data_version(POLL_MS).await.ok(),
        None => None,
    };
    let now = chrono::Utc::now().timestamp_millis();
    if let (Some(k), Some(v)) = (&key, version) {
        let kept = pages.kept.read().expect("the page cache is never poisoned");
        if let Some(p) = kept
            .get(k)
            .filter(|p| p.version == v && now - p.at_ms < MAX_AGE_MS)
        {
            return answer(
                &p.tag,
                p.content_type.as_ref(),
                p.body.clone(),
                asked.as_deref(),
            );
        }
    }
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
    let tag = HeaderValue::from_str(&format!(
        "\"{}\"",
        &hex::encode(Sha256::digest(&bytes))[..32]
    ))
    .expect("hex in quotes is a valid header");
    if let (Some(k), Some(v)) = (key, version)
        && bytes.len() <= MAX_KEPT
        && !parts.headers.contains_key(header::CONTENT_DISPOSITION)
    {
        let mut kept = pages
            .kept
            .write()
            .expect("the page cache is never poisoned");
        if kept.len() >= MAX_PAGES {
            kept.clear();
        }
        kept.insert(
            k,
            Kept {
                version: v,
                at_ms: now,
                tag: tag.clone(),
                content_type: parts.headers.get(header::CONTENT_TYPE).cloned(),
                body: bytes.clone(),
            },
        );
    }
    let h = &mut parts.headers;
    h.insert(header::ETAG, tag.clone());
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-cache"));
    h.insert(header::VARY, HeaderValue::from_static("Cookie"));
    if asked.is_some_and(|a| names(&a, tag.to_str().unwrap_or_default())) {
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
