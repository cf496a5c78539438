//! Snapshots of the read models in the data directory, so that a restart folds only
//! the log's tail.
//!
//! At start the service reads the snapshot file and uses it only if its format is
//! this build's, its checksum holds, its position is not past the log's head and the
//! log's chain hash at that position is the one the snapshot recorded; otherwise it
//! folds the whole log, as it would without a snapshot. The projector writes a new
//! snapshot once `every` entries were folded since the last one (also right after a
//! long catch-up at start), and the server writes one when it stops. A snapshot is
//! written to a temporary file, flushed to disk and renamed over the old one, so a
//! crash leaves either the old snapshot or the new one, never a torn file in its
//! place. Writing one pauses the projector for as long as encoding the read models
//! takes (about a second per million events).
//!
//! Personal data in a snapshot is sealed with the log's per-person keys
//! ([`Snapshots::sealed_with`]; see [`homeward_projections::snapshot`]), so a snapshot
//! left on disk from before an erasure opens nothing of the erased person.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use homeward_projections::Projections;
use homeward_projections::snapshot;
use homeward_store::seal::Keyring;
use homeward_store::{AuditQuery, EventLog, StoreError};

/// The snapshot's file name inside the data directory.
pub const FILE_NAME: &str = "projections.snapshot";

/// By default, a new snapshot after this many entries folded since the last.
pub const DEFAULT_EVERY: u64 = 200_000;

/// Where snapshots of the read models are kept, and how often they are written.
#[derive(Debug)]
pub struct Snapshots {
    path: PathBuf,
    every: u64,
    /// One save at a time (the projector and a shutdown may both ask).
    saving: tokio::sync::Mutex<()>,
    /// The position of the last snapshot written by this process.
    written: tokio::sync::watch::Sender<u64>,
    /// The keys personal data is sealed with (`None`: a backend that does not seal).
    keys: Option<Arc<Keyring>>,
}

/// Why a snapshot could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The log could not say the hash of the snapshot's position.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The read models could not be encoded.
    #[error(transparent)]
    Encode(#[from] snapshot::SnapshotError),
    /// The file could not be written.
    #[error("cannot write the snapshot: {0}")]
    Io(#[from] std::io::Error),
}

impl Snapshots {
    /// Snapshots in `data_dir`, written every [`DEFAULT_EVERY`] entries.
    pub fn in_dir(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join(FILE_NAME),
            every: DEFAULT_EVERY,
            saving: tokio::sync::Mutex::new(()),
            written: tokio::sync::watch::Sender::new(0),
            keys: None,
        }
    }

    /// Seals personal data in the snapshots with `keys` (the log's own keyring).
    pub fn sealed_with(mut self, keys: Arc<Keyring>) -> Self {
        self.keys = Some(keys);
        self
    }

    /// Writes a snapshot after every `every` entries folded (at least 1).
    pub fn every(mut self, every: u64) -> Self {
        self.every = every.max(1);
        self
    }

    /// The snapshot file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The position of the last snapshot this process wrote (0: none yet), and a way
    /// to wait for the next.
    pub fn written(&self) -> tokio::sync::watch::Receiver<u64> {
        self.written.subscribe()
    }

    /// How many folded entries make a new snapshot due.
    pub fn interval(&self) -> u64 {
        self.every
    }

    /// The read models of the snapshot, if there is one that matches `log` up to
    /// `head`; `None` (and a warning saying why) otherwise.
    pub async fn load(&self, log: &dyn EventLog, head: u64) -> Option<Projections> {
        let path = self.path.clone();
        let bytes = match tokio::task::spawn_blocking(move || std::fs::read(path)).await {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "cannot read the snapshot; folding the whole log");
                return None;
            }
            Err(_) => return None,
        };
        let header = match snapshot::header(&bytes) {
            Ok(header) => header,
            Err(e) => {
                tracing::warn!(error = %e, "snapshot ignored; folding the whole log");
                return None;
            }
        };
        if header.position > head {
            tracing::warn!(
                snapshot = header.position,
                head,
                "snapshot is ahead of the log; folding the whole log"
            );
            return None;
        }
        match log_hash(log, header.position).await {
            Ok(Some(hash)) if hash == header.log_hash => {}
            Ok(_) => {
                tracing::warn!(
                    position = header.position,
                    "snapshot does not match the log at its position; folding the whole log"
                );
                return None;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot check the snapshot against the log; folding the whole log");
                return None;
            }
        }
        let keys = self.keys.clone();
        match tokio::task::spawn_blocking(move || snapshot::decode(&bytes, keys.as_deref())).await {
            Ok(Ok((_, projections))) => Some(projections),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "snapshot ignored; folding the whole log");
                None
            }
            Err(_) => None,
        }
    }

    /// Writes a snapshot of `projections` as they are now; returns its position (0 if
    /// they moved on while it was being taken: nothing was written).
    pub async fn save(
        &self,
        log: &dyn EventLog,
        projections: &Arc<RwLock<Projections>>,
    ) -> Result<u64, SaveError> {
        let _one_at_a_time = self.saving.lock().await;
        let position = read(projections).position;
        let hash = log_hash(log, position).await?.unwrap_or_default();
        let shared = Arc::clone(projections);
        let path = self.path.clone();
        let keys = self.keys.clone();
        let saved = tokio::task::spawn_blocking(move || -> Result<u64, SaveError> {
            let bytes = {
                let p = read(&shared);
                if p.position != position {
                    // Folded on meanwhile (not by the projector, which waits for us):
                    // the hash would not match; try again next time.
                    return Ok(0);
                }
                snapshot::encode(&p, &hash, keys.as_deref())?
            };
            write_atomically(&path, &bytes)?;
            Ok(position)
        })
        .await
        .map_err(|e| SaveError::Io(std::io::Error::other(e)))??;
        if saved > 0 {
            self.written.send_replace(saved);
        }
        Ok(saved)
    }
}

fn read(projections: &RwLock<Projections>) -> std::sync::RwLockReadGuard<'_, Projections> {
    projections
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The chain hash (hex) of the entry at `position`; empty at 0, `None` if absent.
async fn log_hash(log: &dyn EventLog, position: u64) -> Result<Option<String>, StoreError> {
    if position == 0 {
        return Ok(Some(String::new()));
    }
    let rows = log
        .audit(AuditQuery {
            after: Some(position - 1),
            limit: 1,
            ..AuditQuery::default()
        })
        .await?;
    Ok(rows
        .into_iter()
        .next()
        .filter(|row| row.position == position)
        .map(|row| row.hash))
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = path.with_extension("snapshot.tmp");
    {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    // The rename itself is durable once the directory is.
    std::fs::File::open(dir)?.sync_all()
}
