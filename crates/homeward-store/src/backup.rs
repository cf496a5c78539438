//! Online backups of a data directory: a consistent copy while the server runs.
//!
//! Each SQLite file of the data directory (the event log, and the delivery cursors of
//! notifications when there are any) is copied with `VACUUM INTO` on a read-only
//! connection: SQLite writes the copy inside one read transaction, so it is the database
//! as of one commit, whatever the writer does meanwhile, and it holds no free pages (no
//! leftovers of deleted rows). The copy is then checked with the chain verifier.
//!
//! The key-encryption key is not copied: the personal data keys in the copy stay
//! wrapped, and restoring (starting `serve` on the copy) needs the key file of the
//! instance it came from. The token signing key and the snapshot of the read models
//! are not copied either (the snapshot is rebuilt from the log).

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use crate::chain::Verified;
use crate::sqlite::{FILE_NAME, SqliteLog, VerifyError};

/// The other SQLite files of a data directory that a backup copies when present.
pub const OTHER_FILES: [&str; 1] = ["notifications.db"];

/// Why a backup was not made.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// There is no log in the data directory.
    #[error("no event log at {0}")]
    Missing(PathBuf),
    /// The target exists and is not an empty directory.
    #[error("{0} exists and is not an empty directory; back up into a new one")]
    TargetExists(PathBuf),
    /// SQLite failed.
    #[error("cannot copy {file}: {source}")]
    Sqlite {
        /// The file being copied.
        file: String,
        /// What failed.
        source: rusqlite::Error,
    },
    /// A file operation failed.
    #[error("backup I/O failure: {0}")]
    Io(#[from] std::io::Error),
    /// The copy does not verify.
    #[error("the copy does not verify: {0}")]
    Verify(#[from] VerifyError),
}

/// Copies the SQLite files of `data_dir` into the new directory `to` and verifies the
/// copy of the log. Returns what the verifier found.
pub fn backup(data_dir: &Path, to: &Path) -> Result<Verified, BackupError> {
    let log = data_dir.join(FILE_NAME);
    if !log.exists() {
        return Err(BackupError::Missing(log));
    }
    if to.exists() && (!to.is_dir() || std::fs::read_dir(to)?.next().is_some()) {
        return Err(BackupError::TargetExists(to.to_owned()));
    }
    std::fs::create_dir_all(to)?;
    copy(&log, &to.join(FILE_NAME))?;
    for name in OTHER_FILES {
        let from = data_dir.join(name);
        if from.exists() {
            copy(&from, &to.join(name))?;
        }
    }
    std::fs::File::open(to)?.sync_all()?;
    Ok(SqliteLog::verify(to)?)
}

fn copy(from: &Path, to: &Path) -> Result<(), BackupError> {
    let file = from.display().to_string();
    let fail = |source| BackupError::Sqlite {
        file: file.clone(),
        source,
    };
    let conn = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(fail)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(fail)?;
    let target = to
        .to_str()
        .ok_or_else(|| std::io::Error::other("the target path is not UTF-8"))?;
    conn.execute("VACUUM INTO ?1", [target]).map_err(fail)?;
    drop(conn);
    std::fs::File::open(to)?.sync_all()?;
    Ok(())
}
