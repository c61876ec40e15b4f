//! Who is acting, as every service takes it.

use xianfeng_domain::policy::Principal;

/// Who is acting: the account's name (for the record) and what the policy knows of it.
pub struct Actor<'a> {
    pub username: &'a str,
    pub principal: &'a Principal,
}
