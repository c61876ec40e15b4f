//! The cookies the site sets: the session and the chosen language.

use axum::http::{HeaderMap, header};
use xianfeng_domain::i18n::Lang;

pub const SESSION_COOKIE: &str = "xf_session";

pub const LANG_COOKIE: &str = "xf_lang";

/// The value of a cookie, if the request carries it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The language chosen on this browser (by cookie), before anyone signs in.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .map(|l| Lang::from_tag(&l))
        .unwrap_or_default()
}
