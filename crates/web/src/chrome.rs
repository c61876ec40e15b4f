//! What every page needs around its content: the text in the reader's language, the page's
//! own path (for the language switch to return to) and, when signed in, the account and its
//! CSRF token for the sign-out form. `templates/base.html` renders it.

use xianfeng_domain::i18n::Lang;

use crate::session::Viewer;
use crate::text::Text;

pub struct Account {
    pub username: String,
    pub csrf: String,
}

pub struct Chrome {
    pub tx: Text,
    pub back: String,
    pub account: Option<Account>,
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
        }
    }

    pub fn anonymous(lang: Lang, back: &str) -> Chrome {
        Chrome {
            tx: Text { lang },
            back: back.to_string(),
            account: None,
        }
    }
}
