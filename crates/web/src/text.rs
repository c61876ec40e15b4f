//! UI text of one page, looked up from the translation files.

use xianfeng_domain::i18n::{Lang, t};

pub struct Text {
    pub lang: Lang,
}

impl Text {
    pub fn get(&self, key: &str) -> String {
        t(self.lang, &format!("web.{key}"), &[])
    }

    pub fn html_lang(&self) -> &'static str {
        self.lang.code()
    }
}
