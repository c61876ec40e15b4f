//! UI text of one page, looked up from the translation files.

use xianfeng_domain::i18n::{Lang, Message, t};

#[derive(Clone)]
pub struct Text {
    pub lang: Lang,
}

impl Text {
    /// The mark beside a score that rests on one part alone (仅凭学习服务一项).
    pub fn only_part(&self, part: &str) -> String {
        xianfeng_app::score_tables::only_part_mark(self.lang, part)
    }

    /// "not graded", beside such a score in a grade's column.
    pub fn not_graded(&self) -> String {
        t(self.lang, "scores.only_part_graded", &[])
    }

    pub fn get(&self, key: &str) -> String {
        t(self.lang, &format!("web.{key}"), &[])
    }

    /// The text of `key` with one placeholder filled.
    pub fn get_with(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        t(self.lang, &format!("web.{key}"), &[(name, &value)])
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

    /// A name a campaign file gives (a period, a criterion, a grade, an honour …) in the
    /// page's language.
    pub fn term(&self, name: &str) -> String {
        xianfeng_domain::vocabulary::term(self.lang, name)
    }

    /// `inner` in brackets after what precedes it: full-width（…）in Chinese, " (…)" in
    /// English.
    pub fn bracket(&self, inner: impl std::fmt::Display) -> String {
        match self.lang {
            Lang::ZhCn => format!("（{inner}）"),
            Lang::En => format!(" ({inner})"),
        }
    }

    /// `first second` in brackets, as [`Text::bracket`].
    pub fn bracket_pair(
        &self,
        first: impl std::fmt::Display,
        second: impl std::fmt::Display,
    ) -> String {
        self.bracket(format!("{first} {second}"))
    }

    /// Who did something, as a history shows it: the command line and the demo data by
    /// what they are, an account by its name.
    pub fn actor(&self, username: &str) -> String {
        match username {
            "cli" => self.get("actor_cli"),
            "demo" => self.get("actor_demo"),
            other => other.to_string(),
        }
    }

    /// A message (a refusal, a row's problem, a reason) in the page's language.
    pub fn say(&self, message: &Message) -> String {
        message.render(self.lang)
    }

    /// A date as it is written in a document people keep (a certificate, a notice):
    /// 2012年6月25日, or 25 June 2012; a text that is not an ISO date stays as it is.
    pub fn long_date(&self, iso: &str) -> String {
        let Ok(d) = chrono::NaiveDate::parse_from_str(iso.trim(), "%Y-%m-%d") else {
            return iso.to_string();
        };
        match self.lang {
            Lang::ZhCn => d.format("%Y年%-m月%-d日").to_string(),
            Lang::En => d.format("%-d %B %Y").to_string(),
        }
    }

    pub fn html_lang(&self) -> &'static str {
        self.lang.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_documents_are_written_out() {
        let zh = Text { lang: Lang::ZhCn };
        let en = Text { lang: Lang::En };
        assert_eq!(zh.long_date("2012-06-25"), "2012年6月25日");
        assert_eq!(en.long_date("2012-06-05"), "5 June 2012");
        assert_eq!(zh.long_date("not a date"), "not a date");
    }
}
