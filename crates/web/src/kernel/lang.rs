//! The language switch (中文 / English): remembered in a cookie, and in the session when
//! signed in, so the choice follows the account to every page.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use xianfeng_domain::i18n::Lang;

use crate::AppState;
use crate::kernel::cookies::{LANG_COOKIE, SESSION_COOKIE, cookie};

#[derive(Deserialize)]
pub struct Switch {
    to: String,
    #[serde(default)]
    back: String,
}

/// Only a path on this site, never another site's address; characters beyond ASCII are
/// percent-encoded, as a `Location` header must be.
fn local_path(back: &str) -> String {
    if !(back.starts_with('/') && !back.starts_with("//") && !back.contains('\\')) {
        return "/".into();
    }
    let mut out = String::with_capacity(back.len());
    for c in back.chars() {
        if c.is_ascii_graphic() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

pub async fn switch(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Switch>,
) -> Response {
    let lang = Lang::from_tag(&q.to);
    if let Some(token) = cookie(&headers, SESSION_COOKIE)
        && let Err(e) = s.store.sessions().set_lang(&token, lang).await
    {
        tracing::error!("language: {e}");
    }
    (
        [(
            header::SET_COOKIE,
            format!(
                "{LANG_COOKIE}={}; SameSite=Lax; Path=/; Max-Age=31536000",
                lang.code()
            ),
        )],
        Redirect::to(&local_path(&q.back)),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(super::local_path("/o/B1"), "/o/B1");
        assert_eq!(super::local_path("//evil.example/x"), "/");
        assert_eq!(super::local_path("https://evil.example/"), "/");
        assert_eq!(super::local_path("/\\evil"), "/");
        assert_eq!(
            super::local_path("/search?q=第 二"),
            "/search?q=%E7%AC%AC%20%E4%BA%8C"
        );
    }
}
