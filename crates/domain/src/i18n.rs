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

/// Something to tell a person — a refusal, a row's problem, a notice — as a key of the
/// translation files and its arguments. It is put into words only where a person reads
/// it (a page, the API's `message`, the command line), in that reader's language; until
/// then it travels as data, so nobody ever reads two languages at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    key: std::borrow::Cow<'static, str>,
    args: Vec<(&'static str, Arg)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Arg {
    /// A value shown as it is: a number, a code, a name.
    Text(String),
    /// A message of its own, put into the same language.
    Message(Message),
}

impl Message {
    /// The message with `key` (a dotted key of `locales/*.toml`).
    pub fn new(key: impl Into<std::borrow::Cow<'static, str>>) -> Message {
        Message {
            key: key.into(),
            args: Vec::new(),
        }
    }

    /// Text that is the same in every language (what another program said, say): shown
    /// as it is.
    pub fn verbatim(text: impl Into<String>) -> Message {
        Message::new("").arg("text", text.into())
    }

    /// Fills `{name}` with `value` as it prints.
    pub fn arg(mut self, name: &'static str, value: impl std::fmt::Display) -> Message {
        self.args.push((name, Arg::Text(value.to_string())));
        self
    }

    /// Fills `{name}` with another message, in the same language as this one.
    pub fn arg_message(mut self, name: &'static str, value: Message) -> Message {
        self.args.push((name, Arg::Message(value)));
        self
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    /// The message in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        let args: Vec<(&str, String)> = self
            .args
            .iter()
            .map(|(name, arg)| {
                let value = match arg {
                    Arg::Text(text) => text.clone(),
                    Arg::Message(m) => m.render(lang),
                };
                (*name, value)
            })
            .collect();
        if self.key.is_empty() {
            return args.into_iter().map(|(_, v)| v).collect();
        }
        let refs: Vec<(&str, &dyn std::fmt::Display)> = args
            .iter()
            .map(|(n, v)| (*n, v as &dyn std::fmt::Display))
            .collect();
        t(lang, &self.key, &refs)
    }
}

/// English: the language of logs. A person is shown [`Message::render`] in theirs.
impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
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
    fn a_message_is_put_into_one_language_with_its_nested_parts() {
        let m = Message::new("calendar.make_up")
            .arg_message("holiday", Message::new("calendar.NationalDay"));
        assert_eq!(m.render(Lang::ZhCn), "国庆节调休上班");
        assert_eq!(m.render(Lang::En), "National Day make-up working day");
        assert_eq!(m.to_string(), m.render(Lang::En));
        assert_eq!(
            Message::verbatim("disk full").render(Lang::ZhCn),
            "disk full"
        );
    }

    #[test]
    fn placeholders_are_filled() {
        let s = t(Lang::En, "idcard.length", &[("found", &17)]);
        assert!(s.contains("17"), "{s}");
        assert!(!s.contains("{found}"));
    }
}
