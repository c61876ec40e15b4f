//! What the command line prints, in one language: `--lang`, or the locale of the
//! environment (`Cli::lang` decides it), chosen once as the process starts.

use std::sync::OnceLock;

use xianfeng_domain::i18n::{Lang, Message};

static LANG: OnceLock<Lang> = OnceLock::new();

/// Fixes the language for the rest of the process (the first call wins).
pub fn set_lang(lang: Lang) {
    let _ = LANG.set(lang);
}

/// The language output is printed in (English until [`set_lang`] is called).
pub fn lang() -> Lang {
    LANG.get().copied().unwrap_or(Lang::En)
}

/// The text of `key` with its arguments, in the output language.
pub fn say(
    key: impl Into<std::borrow::Cow<'static, str>>,
    args: &[(&'static str, &dyn std::fmt::Display)],
) -> String {
    Message::of(key, args).render(lang())
}

/// A message in the output language.
pub fn show(message: &Message) -> String {
    message.render(lang())
}

/// An application error as the person at the keyboard reads it.
pub fn app_error(e: &xianfeng_app::AppError) -> String {
    e.message().map_or_else(|| e.to_string(), |m| show(&m))
}

/// An error as the person at the keyboard reads it: what the application says in their
/// language when it knows (a refusal, a bad file), otherwise the error's own words.
pub fn error(e: &anyhow::Error) -> String {
    use xianfeng_app::AppError;
    use xianfeng_domain::campaign::CampaignErrors;
    use xianfeng_ingest::IngestError;
    use xianfeng_storage::StoreError;
    if let Some(e) = e.downcast_ref::<AppError>() {
        return app_error(e);
    }
    if let Some(e) = e.downcast_ref::<StoreError>()
        && let Some(m) = e.message()
    {
        return show(m);
    }
    if let Some(e) = e.downcast_ref::<IngestError>() {
        return show(&e.message());
    }
    if let Some(e) = e.downcast_ref::<CampaignErrors>() {
        return e.render(lang());
    }
    if let Some(e) = e.downcast_ref::<xianfeng_domain::calendar::CalendarError>() {
        return show(&e.message());
    }
    format!("{e:#}")
}
