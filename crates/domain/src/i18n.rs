//! User-facing text lives in `locales/*.toml`, keyed by a stable message key; code refers to
//! keys, never to Chinese literals. zh-CN is the default language, English the second.
//!
//! Placeholders are written `{name}` and filled from the arguments given.

use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    ZhCn,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Accepts `zh`, `zh-CN`, `zh_CN.UTF-8`, `en`, `en-US` …; anything else is the default.
    pub fn from_tag(tag: &str) -> Lang {
        if tag.to_ascii_lowercase().starts_with("en") {
            Lang::En
        } else {
            Lang::ZhCn
        }
    }
}

type Catalogue = HashMap<String, String>;

fn catalogue(lang: Lang) -> &'static Catalogue {
    static ZH: OnceLock<Catalogue> = OnceLock::new();
    static EN: OnceLock<Catalogue> = OnceLock::new();
    let (cell, text) = match lang {
        Lang::ZhCn => (&ZH, include_str!("../../../locales/zh-CN.toml")),
        Lang::En => (&EN, include_str!("../../../locales/en.toml")),
    };
    cell.get_or_init(|| flatten(text))
}

/// Nested tables become dotted keys: `[import] row = "…"` is `import.row`.
fn flatten(text: &str) -> Catalogue {
    fn walk(prefix: &str, table: &toml::Table, out: &mut Catalogue) {
        for (k, v) in table {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                toml::Value::String(s) => {
                    out.insert(key, s.clone());
                }
                toml::Value::Table(t) => walk(&key, t, out),
                _ => {}
            }
        }
    }
    let table: toml::Table = text.parse().expect("locale files are checked by tests");
    let mut out = Catalogue::new();
    walk("", &table, &mut out);
    out
}

/// The text of `key` in `lang` with `{name}` placeholders filled. A missing key falls back to
/// the other language, then to the key itself, so a gap never hides a message.
pub fn t(lang: Lang, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let template = catalogue(lang)
        .get(key)
        .or_else(|| {
            catalogue(match lang {
                Lang::ZhCn => Lang::En,
                Lang::En => Lang::ZhCn,
            })
            .get(key)
        })
        .map(String::as_str)
        .unwrap_or(key);
    let mut out = template.to_string();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), &value.to_string());
    }
    out
}

/// Chinese first, then English: the form used in CLI output, logs and error files, where one
/// reader may need either.
pub fn both(key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let zh = t(Lang::ZhCn, key, args);
    let en = t(Lang::En, key, args);
    if zh == en { zh } else { format!("{zh} / {en}") }
}

/// The keys of a catalogue, for the completeness test.
pub fn keys(lang: Lang) -> Vec<&'static str> {
    let mut k: Vec<&str> = catalogue(lang).keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_have_the_same_keys() {
        assert_eq!(keys(Lang::ZhCn), keys(Lang::En));
    }

    #[test]
    fn placeholders_are_filled() {
        let s = t(Lang::En, "idcard.length", &[("found", &17)]);
        assert!(s.contains("17"), "{s}");
        assert!(!s.contains("{found}"));
    }
}
