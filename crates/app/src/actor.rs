//! Who is acting, as every service takes it.

use xianfeng_domain::policy::Principal;

/// Who is acting: the account's name (for the record) and what the policy knows of it.
pub struct Actor<'a> {
    pub username: &'a str,
    pub principal: &'a Principal,
}

/// Who acts: the account (its policy view) or, with `None`, the operator at the command
/// line, who may do anything.
#[derive(Clone, Copy)]
pub struct Who<'a> {
    pub username: &'a str,
    pub principal: Option<&'a Principal>,
}

impl<'a> Who<'a> {
    pub fn operator() -> Who<'static> {
        Who {
            username: "cli",
            principal: None,
        }
    }
}

impl<'a> From<&'a Actor<'a>> for Who<'a> {
    fn from(a: &'a Actor<'a>) -> Who<'a> {
        Who {
            username: a.username,
            principal: Some(a.principal),
        }
    }
}
