//! Who is signed in, as handlers and pages see them.

use xianfeng_domain::i18n::Lang;
use xianfeng_domain::policy::Principal;
use xianfeng_storage::SessionRecord;

/// A signed-in account.
pub struct Viewer {
    pub session: SessionRecord,
    pub principal: Principal,
    pub token: String,
}

impl Viewer {
    pub fn lang(&self) -> Lang {
        self.session.lang
    }

    /// The account as the application services see it.
    /// The account as the supervision services take it.
    pub fn who(&self) -> xianfeng_app::inspections::Who<'_> {
        xianfeng_app::inspections::Who {
            username: &self.session.username,
            principal: Some(&self.principal),
        }
    }

    pub fn actor(&self) -> xianfeng_app::actor::Actor<'_> {
        xianfeng_app::actor::Actor {
            username: &self.session.username,
            principal: &self.principal,
        }
    }
}
