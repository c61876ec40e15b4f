//! What every page needs around its content: the text in the reader's language, the page's
//! own path (for the language switch to return to) and, when signed in, the account and its
//! CSRF token for the sign-out form. `templates/base.html` renders it.

use xianfeng_domain::i18n::Lang;

use crate::kernel::text::Text;
use crate::kernel::viewer::Viewer;

#[derive(Clone)]
pub struct Account {
    pub username: String,
    pub csrf: String,
}

#[derive(Clone)]
pub struct Chrome {
    pub tx: Text,
    pub back: String,
    pub account: Option<Account>,
    /// Whether the main menu is offered: not to a session that must first give its
    /// second factor's code, change its password or set up its second factor, where
    /// every link would only lead back.
    pub menu: bool,
}

/// Percent-encodes a value for a query string (paths keep their slashes readable).
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Chrome {
    pub fn signed_in(viewer: &Viewer, back: String) -> Chrome {
        Chrome {
            tx: Text {
                lang: viewer.lang(),
            },
            back,
            account: Some(Account {
                username: viewer.session.username.clone(),
                csrf: viewer.session.csrf_token.clone(),
            }),
            menu: !viewer.session.second_factor_pending && !viewer.session.must_change_password,
        }
    }

    /// The CSRF token for the page's forms (empty when nobody is signed in).
    pub fn csrf(&self) -> &str {
        self.account.as_ref().map_or("", |a| a.csrf.as_str())
    }

    /// The page's own path, as a query value for the language switch to return to.
    pub fn back_query(&self) -> String {
        encode_query_value(&self.back)
    }

    pub fn anonymous(lang: Lang, back: &str) -> Chrome {
        Chrome {
            tx: Text { lang },
            back: back.to_string(),
            account: None,
            menu: false,
        }
    }
}
