//! Backup and restore (备份与恢复) of a SQLite installation. A backup is a consistent copy
//! taken while the server runs; a restore puts one in place only after it has been opened
//! with the key and its whole audit chain verified, and keeps the database it replaces
//! beside it. PostgreSQL is backed up with its own tools (docs/OPERATIONS.md).

use std::path::{Path, PathBuf};

use xianfeng_domain::audit::Checkpoint;
use xianfeng_domain::i18n::Message;
use xianfeng_storage::{Dialect, Store, StoreError, Vault, normalise_url};

use crate::AppError;

/// What a backup or a restore holds: the audit entries and the chain's end, to write down
/// beside the file.
#[derive(Debug, Clone)]
pub struct Copied {
    pub entries: i64,
    pub checkpoint: Checkpoint,
    /// For a restore: where the database it replaced was kept.
    pub kept_aside: Option<PathBuf>,
}

fn input(key: &'static str, args: &[(&'static str, &dyn std::fmt::Display)]) -> AppError {
    AppError::Input(Message::of(key, args))
}

/// Copies the running database to `file` (which must not exist yet), then opens the copy
/// and verifies its audit chain: the checkpoint returned is the copy's own.
pub async fn backup(store: &Store, file: &Path) -> Result<Copied, AppError> {
    store.backup_to(file).await?;
    let checked = check(file, store.vault().clone()).await;
    remove_journal(file);
    checked?.map_err(|at| input("app.backup_chain_broken", &[("id", &at)]))
}

/// Puts the backup `file` in place of the SQLite database `target_url`, whose server must
/// be stopped. The backup is copied beside the target and opened there with the key (a
/// backup of another installation, or the wrong key, is refused), its audit chain is
/// verified end to end (an altered backup is refused), and only then does it replace the
/// target, which is kept as `NAME.before-restore-TIME`. Nothing changes on a refusal.
pub async fn restore(file: &Path, target_url: &str, key: [u8; 32]) -> Result<Copied, AppError> {
    let (url, dialect) = normalise_url(target_url)?;
    let target = match dialect {
        Dialect::Sqlite => sqlite_path(&url).ok_or_else(|| input("app.restore_postgres", &[]))?,
        Dialect::Postgres => return Err(input("app.restore_postgres", &[])),
    };
    if !file.is_file() {
        return Err(input("app.backup_missing", &[("path", &file.display())]));
    }
    let staging = with_suffix(&target, ".restoring");
    remove_with_journal(&staging);
    copy_private(file, &staging).map_err(|e| {
        input(
            "app.restore_uncopied",
            &[("path", &staging.display()), ("error", &e)],
        )
    })?;
    let checked = check(&staging, Vault::new(key)).await;
    let copied = match checked {
        Ok(Ok(c)) => c,
        Ok(Err(at)) => {
            remove_with_journal(&staging);
            return Err(input("app.restore_chain_broken", &[("id", &at)]));
        }
        Err(e) => {
            remove_with_journal(&staging);
            return Err(e);
        }
    };
    let kept_aside = if target.exists() {
        let aside = with_suffix(
            &target,
            &format!(
                ".before-restore-{}",
                chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
            ),
        );
        move_with_journal(&target, &aside).map_err(AppError::fault)?;
        Some(aside)
    } else {
        None
    };
    move_with_journal(&staging, &target).map_err(AppError::fault)?;
    Ok(Copied {
        kept_aside,
        ..copied
    })
}

/// Opens a copy of a backup with the key and verifies its whole audit chain: the copy's
/// checkpoint, or the first entry where the chain does not hold.
async fn check(copy: &Path, vault: Vault) -> Result<Result<Copied, i64>, AppError> {
    let url = format!("sqlite://{}", copy.display());
    let store = match Store::open(&url, vault).await {
        Ok(s) => s,
        Err(StoreError::Key(_)) => return Err(input("app.restore_wrong_key", &[])),
        Err(e) => {
            let why = e.to_string();
            return Err(input("app.restore_unreadable", &[("error", &why)]));
        }
    };
    let checked = store.audit().checkpoint().await;
    store.close().await;
    remove_journal(copy);
    Ok(checked?.map(|checkpoint| Copied {
        entries: checkpoint.position,
        checkpoint,
        kept_aside: None,
    }))
}

fn sqlite_path(url: &str) -> Option<PathBuf> {
    let file = url.strip_prefix("sqlite://")?.split('?').next()?;
    (!file.is_empty() && file != ":memory:").then(|| PathBuf::from(file))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn remove_with_journal(path: &Path) {
    for journal in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(with_suffix(path, journal));
    }
}

/// The `-wal` and `-shm` files SQLite may leave beside a file it no longer has open: the
/// shared-memory index always, the log only when empty (a log with pages in it is part
/// of the database).
fn remove_journal(path: &Path) {
    let _ = std::fs::remove_file(with_suffix(path, "-shm"));
    let wal = with_suffix(path, "-wal");
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() == 0) {
        let _ = std::fs::remove_file(wal);
    }
}

/// Renames a database file together with its log, if it has one.
fn move_with_journal(from: &Path, to: &Path) -> std::io::Result<()> {
    for journal in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(with_suffix(to, journal));
        let f = with_suffix(from, journal);
        if f.exists() {
            std::fs::rename(&f, with_suffix(to, journal))?;
        }
    }
    std::fs::rename(from, to)
}

/// Copies `from` to a new file `to` readable by its owner only.
fn copy_private(from: &Path, to: &Path) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut out = opts.open(to)?;
    std::io::copy(&mut std::fs::File::open(from)?, &mut out)?;
    out.sync_all()
}
