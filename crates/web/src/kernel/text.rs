//! UI text of one page, looked up from the translation files.

use xianfeng_domain::i18n::{Lang, Message, t};

#[derive(Clone)]
pub struct Text {
    pub lang: Lang,
}

impl Text {
    pub fn get(&self, key: &str) -> String {
        t(self.lang, &format!("web.{key}"), &[])
    }

    /// The text of a key outside the page's own (`selection.finding_upheld`, …).
    pub fn of(&self, key: &str) -> String {
        t(self.lang, key, &[])
    }

    /// The name of a code (`prefix_code` under `web.`): a mode, a subject kind … never the
    /// code itself.
    pub fn name(&self, prefix: &str, code: &str) -> String {
        self.get(&format!("{prefix}_{code}"))
    }

    /// A message (a refusal, a row's problem, a reason) in the page's language.
    pub fn say(&self, message: &Message) -> String {
        message.render(self.lang)
    }

    pub fn html_lang(&self) -> &'static str {
        self.lang.code()
    }
}
