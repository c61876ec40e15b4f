//! Opening the database with its key file.

use std::path::{Path, PathBuf};
use xianfeng_storage::{OpenOptions, Store, Vault, normalise_url};

use crate::AppError;
use xianfeng_domain::i18n::Message;

/// Where the key file is when none is named: beside a SQLite file (`xianfeng.db` →
/// `xianfeng.key`), else `xianfeng.key` in the working directory.
pub fn default_key_path(db_url: &str) -> PathBuf {
    match normalise_url(db_url) {
        Ok((url, xianfeng_storage::Dialect::Sqlite)) => {
            let file = url
                .trim_start_matches("sqlite://")
                .split('?')
                .next()
                .unwrap_or("xianfeng.db");
            Path::new(file).with_extension("key")
        }
        _ => PathBuf::from("xianfeng.key"),
    }
}

/// Reads the key file, creating one with a fresh random key when `create` is set and the
/// file does not exist yet.
pub fn load_key(path: &Path, create: bool) -> Result<[u8; 32], AppError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Vault::parse_key(&text)
            .map_err(|e| AppError::Input(Message::verbatim(format!("{}: {e}", path.display()))))?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            let key = Vault::generate_key();
            write_private(path, &format!("{}\n", hex_encode(&key))).map_err(|e| {
                AppError::Input(Message::of(
                    "app.key_unwritable",
                    &[("path", &path.display()), ("error", &e)],
                ))
            })?;
            Ok(key)
        }
        Err(e) => Err(AppError::Input(Message::of(
            "app.key_unreadable",
            &[("path", &path.display()), ("error", &e)],
        ))),
    }
}

fn hex_encode(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)?.write_all(text.as_bytes())
}

/// Opens (and migrates) the database named by `url` with the key at `key_path`.
pub async fn open_store(url: &str, key_path: &Path, create_key: bool) -> Result<Store, AppError> {
    open_store_with(url, key_path, create_key, OpenOptions::default()).await
}

/// Opens the database as `options` say (migrations applied or expected, the pool).
pub async fn open_store_with(
    url: &str,
    key_path: &Path,
    create_key: bool,
    options: OpenOptions,
) -> Result<Store, AppError> {
    let key = load_key(key_path, create_key)?;
    Ok(Store::open_with(url, Vault::new(key), options).await?)
}
