//! Files people upload (evidence of progress, plan documents, accounts of deeds): checked
//! by their bytes and made safe to keep.

use xianfeng_domain::i18n::Message;
use xianfeng_domain::media;
use xianfeng_storage::NewAttachment;

use crate::AppError;

/// A file as it arrived: its name and bytes.
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// The largest file taken.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// Checks an upload and makes it safe to keep: the kind by its bytes (the extension must
/// agree), the size, and photos without their location and other metadata.
pub fn prepare_file(u: &Upload) -> Result<NewAttachment, AppError> {
    let bad = |why: Message| {
        AppError::Input(
            Message::of("app.bad_file", &[("name", &u.file_name)]).arg_message("why", why),
        )
    };
    let extension = u
        .file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let kind = media::sniff(&u.bytes)
        .filter(|k| media::extension_matches(*k, &extension))
        .ok_or_else(|| bad(Message::of("app.file_kind", &[])))?;
    if u.bytes.len() > MAX_FILE_BYTES {
        return Err(bad(Message::of(
            "app.file_too_large",
            &[("mb", &(MAX_FILE_BYTES / 1024 / 1024))],
        )));
    }
    let content = media::strip_metadata(kind, &u.bytes)
        .map_err(|_| bad(Message::of("app.file_broken", &[])))?;
    Ok(NewAttachment {
        kind,
        extension,
        file_name: u.file_name.chars().take(200).collect(),
        content,
    })
}
