//! Names shown in the reader's language: the domain's own words written in Chinese (kinds
//! of organisation and of service carrier, as rosters name them), then the names a
//! campaign file gives ([`crate::i18n::term`]).

use crate::i18n::{Lang, t, term as campaign_term};
use crate::org::OrgKind;
use crate::records::ServiceKind;

/// `name` in `lang`: a kind of organisation or of service carrier by the catalogue, a name
/// from the campaign file by the file's English name, anything else as written.
pub fn term(lang: Lang, name: &str) -> String {
    if lang == Lang::En {
        if let Some(kind) = OrgKind::ALL.into_iter().find(|k| k.name_zh() == name) {
            return kind.name().render(lang);
        }
        if let Some(kind) = ServiceKind::ALL.into_iter().find(|k| k.name_zh() == name) {
            let key = format!("records.post_{}", kind.as_str().replace('-', "_"));
            return t(lang, &key, &[]);
        }
    }
    campaign_term(lang, name)
}
