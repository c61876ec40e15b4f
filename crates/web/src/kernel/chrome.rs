//! What every page needs around its content: the text in the reader's language, the page's
//! own path (for the language switch to return to) and, when signed in, the account and its
//! CSRF token for the sign-out form. `templates/base.html` renders it.

use xianfeng_domain::i18n::Lang;
use xianfeng_domain::policy::{Action, Principal, principal_permits};

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
    /// The main menu's entries for this account: (path, label key under `web.`).
    pub entries: Vec<(&'static str, &'static str)>,
}

/// The main menu: each page with the actions that make it worth offering (none: every
/// signed-in account). A role that may do none of them never sees the link, rather than
/// meeting "no permission" behind it.
const MENU: [(&str, &str, &[Action]); 18] = [
    ("/", "home_title", &[]),
    ("/search", "search", &[]),
    (
        "/import",
        "import_title",
        &[Action::WriteMembers, Action::WriteOrganisations],
    ),
    ("/transfers", "transfers_title", &[Action::WriteMembers]),
    ("/reviews", "reviews_title", &[Action::WriteReviews]),
    ("/eval", "eval_title", &[Action::ManageEvaluations]),
    ("/scores", "scores_title", &[]),
    (
        "/selection",
        "selection_title",
        &[
            Action::Nominate,
            Action::DecideNominations,
            Action::Commend,
            Action::HandleObjections,
        ],
    ),
    (
        "/inspections",
        "inspections_title",
        &[Action::ManageInspections],
    ),
    (
        "/inspections/tasks",
        "inspection_tasks_title",
        &[Action::RecordFindings],
    ),
    ("/bulletins", "bulletins_title", &[Action::WriteBulletins]),
    (
        "/models",
        "models_title",
        &[Action::Publicise, Action::Nominate],
    ),
    (
        "/practices",
        "practices_title",
        &[Action::Publicise, Action::WritePlan],
    ),
    (
        "/tours",
        "tours_title",
        &[Action::Publicise, Action::WritePlan],
    ),
    ("/calendar", "calendar_title", &[Action::ManageCalendar]),
    ("/campaigns", "campaigns_title", &[Action::ManageCampaigns]),
    ("/accounts", "accounts_title", &[Action::ManageAccounts]),
    ("/account", "account_title", &[]),
];

/// The menu entries offered to `p`.
pub fn menu_for(p: &Principal) -> Vec<(&'static str, &'static str)> {
    MENU.iter()
        .filter(|(_, _, actions)| {
            actions.is_empty() || actions.iter().any(|a| principal_permits(p, *a))
        })
        .map(|(path, key, _)| (*path, *key))
        .collect()
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
            entries: menu_for(&viewer.principal),
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
            entries: vec![],
        }
    }
}
