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

    /// The language whose [`Lang::code`] this is, exactly (a stored choice).
    pub fn parse(code: &str) -> Option<Lang> {
        [Lang::ZhCn, Lang::En]
            .into_iter()
            .find(|l| l.code() == code)
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

/// The English names of the terms a campaign file defines in Chinese (its periods,
/// criteria, grades, categories, honours …), gathered as campaign files are loaded, so that
/// wherever such a name is shown it can be shown in the reader's language. It only ever
/// grows, and every process loads the same campaign files from the database: what one
/// process knows, another learns the same way.
fn glossary() -> &'static std::sync::RwLock<Catalogue> {
    static TERMS: OnceLock<std::sync::RwLock<Catalogue>> = OnceLock::new();
    TERMS.get_or_init(Default::default)
}

/// Records the English names of Chinese terms (pairs with an empty side are skipped).
pub fn add_terms(pairs: impl IntoIterator<Item = (impl AsRef<str>, impl AsRef<str>)>) {
    let mut terms = glossary().write().unwrap_or_else(|e| e.into_inner());
    for (zh, en) in pairs {
        let (zh, en) = (zh.as_ref(), en.as_ref());
        if !zh.is_empty() && !en.is_empty() {
            terms
                .entry(zh.to_string())
                .or_insert_with(|| en.to_string());
        }
    }
}

/// A term a campaign file names (a period, a criterion, a grade …) in `lang`: its English
/// name when English is asked and the file gave one, else the name as written.
pub fn term(lang: Lang, name: &str) -> String {
    if lang == Lang::En
        && let Some(en) = glossary()
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
    {
        return en.clone();
    }
    name.to_string()
}

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

/// Something to tell a person — a refusal, a row's problem, a reason — as a key of the
/// translation files and its arguments. It is put into words only where a person reads it
/// (a page, the API's `message`, the command line), in that reader's language; until then
/// it travels as data, so nobody reads two languages at once. It has no `Display` on
/// purpose: whoever shows it must say in which language ([`Message::render`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(from = "StoredMessage", into = "StoredMessage")]
pub struct Message {
    key: Cow<'static, str>,
    args: Vec<(Cow<'static, str>, Arg)>,
}

use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
enum Arg {
    /// A value shown as it is: a number, a code, a name.
    Text(String),
    /// A message of its own, put into the same language.
    Message(Message),
    /// A name a campaign file gives (a grade, a period …), shown in the reader's language
    /// by [`term`].
    Term { term: String },
}

/// How a message is kept in stored JSON (a nomination's eligibility reasons): its key and
/// arguments, or — as records from before messages had keys — plain text.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
enum StoredMessage {
    Keyed {
        key: String,
        #[serde(default)]
        args: Vec<(String, Arg)>,
    },
    Plain(String),
}

impl From<StoredMessage> for Message {
    fn from(m: StoredMessage) -> Message {
        match m {
            StoredMessage::Keyed { key, args } => Message {
                key: key.into(),
                args: args.into_iter().map(|(n, a)| (n.into(), a)).collect(),
            },
            StoredMessage::Plain(text) => Message::verbatim(text),
        }
    }
}

impl From<Message> for StoredMessage {
    fn from(m: Message) -> StoredMessage {
        StoredMessage::Keyed {
            key: m.key.into_owned(),
            args: m
                .args
                .into_iter()
                .map(|(n, a)| (n.into_owned(), a))
                .collect(),
        }
    }
}

impl Message {
    /// The message with `key` (a dotted key of `locales/*.toml`).
    pub fn new(key: impl Into<Cow<'static, str>>) -> Message {
        Message {
            key: key.into(),
            args: Vec::new(),
        }
    }

    /// The message with `key` and arguments shown as they print.
    pub fn of(
        key: impl Into<Cow<'static, str>>,
        args: &[(&'static str, &dyn std::fmt::Display)],
    ) -> Message {
        let mut m = Message::new(key);
        for (name, value) in args {
            m = m.arg(name, value);
        }
        m
    }

    /// Text that is the same in every language (what another program said, a file's own
    /// words): shown as it is. (A message without a key shows its arguments one after the
    /// other.)
    pub fn verbatim(text: impl Into<String>) -> Message {
        Message::new("").arg("text", text.into())
    }

    /// Several messages, one per line.
    pub fn lines(messages: impl IntoIterator<Item = Message>) -> Message {
        Message::joined(messages, "\n")
    }

    /// Several messages as a list in the reader's language (、 in Chinese, a comma in
    /// English).
    pub fn list(messages: impl IntoIterator<Item = Message>) -> Message {
        let mut out = Message::new("");
        for (i, m) in messages.into_iter().enumerate() {
            if i > 0 {
                out = out.arg_message("separator", Message::new("common.list_separator"));
            }
            out = out.arg_message("part", m);
        }
        out
    }

    /// Several messages with `separator` between them.
    pub fn joined(messages: impl IntoIterator<Item = Message>, separator: &str) -> Message {
        let mut out = Message::new("");
        for (i, m) in messages.into_iter().enumerate() {
            if i > 0 {
                out = out.arg("separator", separator);
            }
            out = out.arg_message("part", m);
        }
        out
    }

    /// Fills `{name}` with `value` as it prints.
    pub fn arg(mut self, name: &'static str, value: impl std::fmt::Display) -> Message {
        self.args
            .push((Cow::Borrowed(name), Arg::Text(value.to_string())));
        self
    }

    /// Fills `{name}` with another message, in the same language as this one.
    pub fn arg_message(mut self, name: &'static str, value: Message) -> Message {
        self.args.push((Cow::Borrowed(name), Arg::Message(value)));
        self
    }

    /// Fills `{name}` with a name a campaign file gives, shown in the reader's language.
    pub fn arg_term(mut self, name: &'static str, value: impl Into<String>) -> Message {
        self.args
            .push((Cow::Borrowed(name), Arg::Term { term: value.into() }));
        self
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    /// Whether this is text shown as it is ([`Message::verbatim`]), not words of ours.
    pub fn is_verbatim(&self) -> bool {
        self.key.is_empty()
            && !self.args.is_empty()
            && self
                .args
                .iter()
                .all(|(name, arg)| name == "text" && matches!(arg, Arg::Text(_)))
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
                    Arg::Term { term: name } => term(lang, name),
                };
                (name.as_ref(), value)
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

    /// In English, for logs and `Display` of error types (which go to logs).
    pub fn for_log(&self) -> String {
        self.render(Lang::En)
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
