//! The embedded backend: one SQLite file in the data directory.
//!
//! A single writer thread owns the write connection. It takes every append waiting
//! in its queue, applies each inside its own savepoint (a conflicting append rolls back
//! alone) and commits them together: one fsync for many concurrent appends (group
//! commit). The database runs in WAL mode with `synchronous=FULL`, so a commit that
//! returned is on disk, and only then are the callers answered. Reads use a small
//! pool of read-only connections, which WAL lets run beside the writer.
//!
//! Here: opening the log and the [`EventLog`] interface. The parts: `schema` (the
//! tables), `writer` (the writer thread and its group commit), `append` (what one
//! write does inside its savepoint), `read` (the readers and the queries), `verify`
//! (checking the whole chain of a log at rest).

use std::path::Path;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use homeward_domain::Timestamp;
use rusqlite::{Connection, OptionalExtension};
use tokio::sync::{mpsc, oneshot, watch};

use crate::chain;
use crate::envelope::{
    AppendOutcome, AppendRequest, AuditQuery, AuditRow, GroupOutcome, GroupWrite, LogEntry,
    RecordedEvent, RejectionRequest,
};
use crate::keystore::{self, KekFile, KekSource, SqliteKeys};
use crate::seal::Keyring;
use crate::{EventLog, StoreError};

mod append;
mod read;
mod schema;
mod verify;
mod writer;

use append::lookup_idempotency;
use read::Readers;
pub use verify::VerifyError;
use writer::{ChainState, WriteJob, Writer};

/// The log file's name inside the data directory.
pub const FILE_NAME: &str = "homeward.db";
/// The most appends committed in one transaction.
const MAX_BATCH: usize = 1024;
/// The most audit rows returned by one query.
pub const MAX_AUDIT_ROWS: usize = 1000;

/// An entry copied from another log (a Kafka partition) into this one, kept in the
/// order it arrives; its source offset is stored with it so that copying resumes
/// exactly where it stopped.
#[derive(Debug, Clone)]
pub struct MirrorEntry {
    /// The stored record bytes, as the source wrote them.
    pub record: Vec<u8>,
    /// The source partition.
    pub partition: i32,
    /// The source offset.
    pub offset: i64,
    /// The idempotency record written with it, if any.
    pub idempotency: Option<crate::envelope::Idempotency>,
    /// Its place in the source partition's chain (sequence number and hash), when the
    /// source says.
    pub chain: Option<(u64, [u8; 32])>,
}

/// What a copy holds of one source partition, enough for the partition's next writer
/// to start from instead of reading the partition from its first record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionSeed {
    /// The next offset the copy would read: everything below it is folded in here.
    pub next_offset: i64,
    /// The chain's last sequence number and hash.
    pub seq: u64,
    /// The chain's last hash.
    pub hash: [u8; 32],
    /// The last recorded time, in microseconds.
    pub recorded_at: i64,
    /// Every stream of the partition with its version.
    pub versions: Vec<(String, u64)>,
    /// The idempotency records written since the time asked for, oldest first: scope,
    /// request hash, response, recorded time (microseconds).
    pub idempotency: Vec<(String, [u8; 32], Vec<u8>, i64)>,
}

/// The embedded event log.
pub struct SqliteLog {
    jobs: mpsc::Sender<WriteJob>,
    keys: Arc<Keyring>,
    readers: Arc<Readers>,
    head: watch::Receiver<u64>,
}

/// Where `recorded_at` comes from.
pub type RecordClock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

impl SqliteLog {
    /// Opens (or creates) the log in `data_dir`, its personal data keys wrapped by the
    /// key-encryption key in `data_dir` (created with a new log).
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        Self::open_with_clock(data_dir, Arc::new(Timestamp::now))
    }

    /// Opens (or creates) the log in `data_dir` with the key-encryption key in `kek`
    /// (created with a new log). Refuses a key that is not the log's.
    pub fn open_with_kek(data_dir: &Path, kek: KekFile) -> Result<Self, StoreError> {
        Self::open_with(
            data_dir,
            Arc::new(Timestamp::now),
            None,
            KekSource::File(kek),
        )
    }

    /// [`Self::open_with_kek`] with another source of `recorded_at` (an exercise's
    /// clock). Recorded times never go backwards whatever it says.
    pub fn open_with_kek_and_clock(
        data_dir: &Path,
        kek: KekFile,
        clock: RecordClock,
    ) -> Result<Self, StoreError> {
        Self::open_with(data_dir, clock, None, KekSource::File(kek))
    }

    /// Opens the log with another source of `recorded_at` (a simulated clock for
    /// generated scenarios). Recorded times never go backwards whatever it says.
    pub fn open_with_clock(data_dir: &Path, clock: RecordClock) -> Result<Self, StoreError> {
        Self::open_with(
            data_dir,
            clock,
            None,
            KekSource::File(KekFile::in_dir(data_dir)),
        )
    }

    /// Opens the log for a generated scenario: a simulated clock, and personal data
    /// sealed with keys and nonces drawn from `seed`, so that the same scenario writes
    /// the same bytes. Such keys protect nothing: never serve real data from it.
    pub fn open_generated(
        data_dir: &Path,
        clock: RecordClock,
        seed: u64,
    ) -> Result<Self, StoreError> {
        Self::open_with(
            data_dir,
            clock,
            Some(seed),
            KekSource::File(KekFile::in_dir(data_dir)),
        )
    }

    fn open_with(
        data_dir: &Path,
        clock: RecordClock,
        seed: Option<u64>,
        kek: KekSource,
    ) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir)?;
        let path = data_dir.join(FILE_NAME);
        let conn = Connection::open(&path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        // Deleted content (a destroyed key) is overwritten, not left in free space.
        conn.pragma_update(None, "secure_delete", "ON")?;
        // The statement journal of each append's savepoint stays in memory: it only
        // serves to roll one append back inside a transaction, never to recover.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        schema::migrate(&conn)?;
        let (keys, kek) = {
            let tx = conn.unchecked_transaction()?;
            let (keys, kek) = keystore::open(&SqliteKeys, &tx, kek)?;
            tx.commit()?;
            let keys = match seed {
                Some(seed) => keys.seeded(seed),
                None => keys,
            };
            (Arc::new(keys), Arc::new(kek))
        };
        let state = conn
            .query_row(
                "SELECT position, hash, recorded_at FROM log ORDER BY position DESC LIMIT 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Vec<u8>>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                },
            )
            .optional()?;
        let state = match state {
            None => ChainState {
                position: 0,
                hash: chain::GENESIS,
                recorded_at: Timestamp::UNIX_EPOCH,
            },
            Some((position, hash, micros)) => ChainState {
                position: position as u64,
                hash: hash.try_into().map_err(|_| StoreError::Corrupt {
                    position: position as u64,
                    reason: "stored hash is not 32 bytes".into(),
                })?,
                recorded_at: Timestamp::from_microsecond(micros).unwrap_or(Timestamp::UNIX_EPOCH),
            },
        };
        let (head_tx, head) = watch::channel(state.position);
        let (jobs, rx) = mpsc::channel(MAX_BATCH * 4);
        let writer_keys = Arc::clone(&keys);
        std::thread::Builder::new()
            .name("homeward-log-writer".into())
            .spawn(move || {
                Writer {
                    conn,
                    state,
                    head: head_tx,
                    clock,
                    keys: writer_keys,
                    kek,
                }
                .run(rx)
            })?;
        Ok(Self {
            jobs,
            keys,
            readers: Arc::new(Readers {
                path,
                idle: Mutex::new(Vec::new()),
            }),
            head,
        })
    }

    /// The personal data keys this log opens its records with (snapshots of the read
    /// models seal with them too).
    pub fn keyring(&self) -> Arc<Keyring> {
        Arc::clone(&self.keys)
    }
}

impl SqliteLog {
    /// Copies entries from another log in order; returns the position of the last.
    /// Entries at or before an offset already copied are skipped.
    pub async fn mirror(&self, entries: Vec<MirrorEntry>) -> Result<u64, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(WriteJob::Mirror(entries, reply))
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// What this copy holds of source `partition` (idempotency records recorded at
    /// `since` microseconds or later), or `None` when it cannot say where that
    /// partition's chain ends (nothing copied yet, or copied by an older build).
    pub async fn partition_seed(
        &self,
        partition: i32,
        since: i64,
    ) -> Result<Option<PartitionSeed>, StoreError> {
        self.readers
            .run(move |conn| read::partition_seed(conn, partition, since))
            .await
    }

    /// The next offset to copy from each source partition.
    pub async fn mirror_offsets(&self) -> Result<std::collections::HashMap<i32, i64>, StoreError> {
        self.readers.run(read::mirror_offsets).await
    }
}

impl EventLog for SqliteLog {
    fn append(&self, request: AppendRequest) -> BoxFuture<'_, Result<AppendOutcome, StoreError>> {
        Box::pin(async move {
            let (reply, answer) = oneshot::channel();
            self.jobs
                .send(WriteJob::Append(Box::new(request), reply))
                .await
                .map_err(|_| StoreError::Closed)?;
            answer.await.map_err(|_| StoreError::Closed)?
        })
    }

    fn append_group(
        &self,
        writes: Vec<GroupWrite>,
    ) -> BoxFuture<'_, Result<GroupOutcome, StoreError>> {
        Box::pin(async move {
            let (reply, answer) = oneshot::channel();
            self.jobs
                .send(WriteJob::Group(writes, reply))
                .await
                .map_err(|_| StoreError::Closed)?;
            answer.await.map_err(|_| StoreError::Closed)?
        })
    }

    fn record_rejection(
        &self,
        request: RejectionRequest,
    ) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async move {
            let (reply, answer) = oneshot::channel();
            self.jobs
                .send(WriteJob::Reject(Box::new(request), reply))
                .await
                .map_err(|_| StoreError::Closed)?;
            answer.await.map_err(|_| StoreError::Closed)?
        })
    }

    fn idempotent_response(
        &self,
        scope: String,
        request_hash: [u8; 32],
    ) -> BoxFuture<'_, Result<Option<Vec<u8>>, StoreError>> {
        Box::pin(async move {
            self.readers
                .run(move |conn| lookup_idempotency(conn, &scope, &request_hash)?.transpose())
                .await
        })
    }

    fn read_stream(&self, stream: String) -> BoxFuture<'_, Result<Vec<RecordedEvent>, StoreError>> {
        let keys = Arc::clone(&self.keys);
        Box::pin(async move {
            self.readers
                .run(move |conn| read::stream(conn, stream, &keys))
                .await
        })
    }

    fn read_after(
        &self,
        after: u64,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<LogEntry>, StoreError>> {
        let keys = Arc::clone(&self.keys);
        Box::pin(async move {
            self.readers
                .run(move |conn| read::after(conn, after, limit, &keys))
                .await
        })
    }

    fn audit(&self, query: AuditQuery) -> BoxFuture<'_, Result<Vec<AuditRow>, StoreError>> {
        let keys = Arc::clone(&self.keys);
        Box::pin(async move {
            self.readers
                .run(move |conn| read::audit(conn, &query, &keys))
                .await
        })
    }

    fn head(&self) -> watch::Receiver<u64> {
        self.head.clone()
    }
}
