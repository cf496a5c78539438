//! The embedded backend: one SQLite file in the data directory.
//!
//! A single writer thread owns the write connection. It takes every append waiting
//! in its queue, applies each inside its own savepoint (a conflicting append rolls back
//! alone) and commits them together: one fsync for many concurrent appends (group
//! commit). The database runs in WAL mode with `synchronous=FULL`, so a commit that
//! returned is on disk, and only then are the callers answered. Reads use a small
//! pool of read-only connections, which WAL lets run beside the writer.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use homeward_domain::Timestamp;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use tokio::sync::{mpsc, oneshot, watch};

use crate::chain::{self, ChainBreak, ChainRow, Verified};
use crate::codec::{StoredRecord, decode_record, encode_event};
use crate::envelope::{
    AppendOutcome, AppendRequest, AuditQuery, AuditRow, GroupOutcome, GroupStop, GroupWrite,
    LogEntry, RecordedEvent, RejectionRequest,
};
use crate::keystore::{self, Kek, KekFile, KekSource, KeyStore, SqliteKeys};
use crate::seal::{self, Keyring};
use crate::{EventLog, StoreError};

/// The log file's name inside the data directory.
pub const FILE_NAME: &str = "homeward.db";
/// The most appends committed in one transaction.
const MAX_BATCH: usize = 1024;
/// The most audit rows returned by one query.
pub const MAX_AUDIT_ROWS: usize = 1000;

const KIND_EVENT: i64 = 0;
const KIND_REJECTION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS log (
    position    INTEGER PRIMARY KEY,
    kind        INTEGER NOT NULL,
    stream_id   TEXT,
    version     INTEGER,
    event_type  TEXT,
    actor       TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    record      BLOB NOT NULL,
    prev_hash   BLOB NOT NULL,
    hash        BLOB NOT NULL
) STRICT;
CREATE UNIQUE INDEX IF NOT EXISTS log_stream_version ON log(stream_id, version) WHERE kind = 0;
CREATE INDEX IF NOT EXISTS log_stream ON log(stream_id, position);
CREATE INDEX IF NOT EXISTS log_actor ON log(actor, position);
CREATE INDEX IF NOT EXISTS log_recorded_at ON log(recorded_at);
CREATE TABLE IF NOT EXISTS idempotency (
    scope        TEXT PRIMARY KEY,
    request_hash BLOB NOT NULL,
    response     BLOB NOT NULL,
    position     INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS person_keys (
    stream_id TEXT PRIMARY KEY,
    key       BLOB NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS mirror_offsets (
    partition   INTEGER PRIMARY KEY,
    next_offset INTEGER NOT NULL
) STRICT;
PRAGMA user_version = 1;
";

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
}

enum WriteJob {
    Mirror(Vec<MirrorEntry>, oneshot::Sender<Result<u64, StoreError>>),
    Group(
        Vec<GroupWrite>,
        oneshot::Sender<Result<GroupOutcome, StoreError>>,
    ),
    Append(
        Box<AppendRequest>,
        oneshot::Sender<Result<AppendOutcome, StoreError>>,
    ),
    Reject(
        Box<RejectionRequest>,
        oneshot::Sender<Result<u64, StoreError>>,
    ),
}

#[derive(Clone, Copy)]
struct ChainState {
    position: u64,
    hash: [u8; 32],
    recorded_at: Timestamp,
}

/// The embedded event log.
pub struct SqliteLog {
    jobs: mpsc::Sender<WriteJob>,
    keys: Arc<Keyring>,
    readers: Arc<Readers>,
    head: watch::Receiver<u64>,
}

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
        conn.execute_batch(SCHEMA)?;
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

    /// Verifies the whole chain of the log in `data_dir`, without opening it for writing.
    pub fn verify(data_dir: &Path) -> Result<Verified, VerifyError> {
        let path = data_dir.join(FILE_NAME);
        if !path.exists() {
            return Err(VerifyError::Missing(path));
        }
        let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let mut stmt = conn.prepare(
            "SELECT position, kind, stream_id, version, event_type, actor, recorded_at, record, prev_hash, hash
             FROM log ORDER BY position",
        )?;
        let mut columns = std::collections::HashMap::new();
        let rows = stmt.query_map([], |r| {
            let position: i64 = r.get(0)?;
            let cols = Columns {
                kind: r.get(1)?,
                stream_id: r.get(2)?,
                version: r.get(3)?,
                event_type: r.get(4)?,
                actor: r.get(5)?,
                recorded_at: r.get(6)?,
            };
            Ok((
                cols,
                ChainRow {
                    position: position as u64,
                    record: r.get(7)?,
                    prev_hash: r.get(8)?,
                    hash: r.get(9)?,
                },
            ))
        })?;
        let rows = rows.map(|row| match row {
            Ok((cols, row)) => {
                columns.insert(row.position, cols);
                Ok(row)
            }
            Err(e) => Err(ChainBreak {
                position: 0,
                what: format!("unreadable row: {e}"),
            }),
        });
        let mut seen = std::collections::HashMap::new();
        // Collected first: the row closure and the column check both need `columns`.
        let rows: Vec<_> = rows.collect();
        let verified = chain::verify(rows, |row| {
            let cols = columns.get(&row.position).ok_or("row columns missing")?;
            cols.matches(&row.record, &mut seen)
        })?;
        Ok(verified)
    }
}

/// Why `verify` could not say the chain is intact.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// There is no log in that directory.
    #[error("no event log at {0}")]
    Missing(PathBuf),
    /// The database could not be read.
    #[error("cannot read the event log: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The chain is broken.
    #[error(transparent)]
    Broken(#[from] ChainBreak),
}

/// The indexed copies of a record's fields, which must agree with the record.
struct Columns {
    kind: i64,
    stream_id: Option<String>,
    version: Option<i64>,
    event_type: Option<String>,
    actor: String,
    recorded_at: i64,
}

impl Columns {
    fn matches(
        &self,
        record: &[u8],
        versions: &mut std::collections::HashMap<String, i64>,
    ) -> Result<(), String> {
        let record: StoredRecord = serde_json::from_slice(record)
            .map_err(|e| format!("its record is not readable: {e}"))?;
        let (kind, stream, version, event_type, actor, recorded_at) = match &record {
            StoredRecord::Event {
                stream_id,
                version,
                event_type,
                actor,
                recorded_at,
                ..
            } => (
                KIND_EVENT,
                Some(stream_id.as_str().to_owned()),
                Some(*version as i64),
                Some(event_type.clone()),
                actor.subject.clone(),
                *recorded_at,
            ),
            StoredRecord::Rejection {
                stream_id,
                actor,
                recorded_at,
                ..
            } => (
                KIND_REJECTION,
                stream_id.as_ref().map(|s| s.as_str().to_owned()),
                None,
                None,
                actor.subject.clone(),
                *recorded_at,
            ),
        };
        if kind != self.kind
            || stream != self.stream_id
            || version != self.version
            || event_type != self.event_type
            || actor != self.actor
            || recorded_at.as_microsecond() != self.recorded_at
        {
            return Err("its indexed columns disagree with its stored record".into());
        }
        if let (Some(stream), Some(version)) = (stream, version) {
            let last = versions.entry(stream).or_insert(0);
            if version != *last + 1 {
                return Err(format!(
                    "stream version {version} follows {last} (versions must be gapless)"
                ));
            }
            *last = version;
        }
        Ok(())
    }
}

/// Where `recorded_at` comes from.
pub type RecordClock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

struct Writer {
    clock: RecordClock,
    keys: Arc<Keyring>,
    kek: Arc<Kek>,
    conn: Connection,
    state: ChainState,
    head: watch::Sender<u64>,
}

impl Writer {
    fn run(mut self, mut rx: mpsc::Receiver<WriteJob>) {
        while let Some(first) = rx.blocking_recv() {
            let mut jobs = vec![first];
            while jobs.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            self.commit_batch(jobs);
        }
    }

    fn commit_batch(&mut self, jobs: Vec<WriteJob>) {
        let before = self.state;
        // recorded_at never goes backwards, whatever the wall clock does.
        let now = (self.clock)().max(self.state.recorded_at);
        let mut outcomes = Vec::with_capacity(jobs.len());
        let mut erased = Vec::new();
        let keys = Arc::clone(&self.keys);
        let kek = Arc::clone(&self.kek);
        let committed = (|| -> Result<(), rusqlite::Error> {
            let mut tx = self.conn.transaction()?;
            for job in &jobs {
                let saved = self.state;
                let sp = tx.savepoint()?;
                let mut erasing = Vec::new();
                let outcome = match job {
                    WriteJob::Append(req, _) => Outcome::Append(append(
                        &sp,
                        req,
                        &mut self.state,
                        now,
                        (&keys, &kek),
                        &mut erasing,
                    )),
                    WriteJob::Reject(req, _) => {
                        Outcome::Reject(reject(&sp, req, &mut self.state, now))
                    }
                    WriteJob::Mirror(entries, _) => {
                        Outcome::Mirror(mirror(&sp, entries, &mut self.state))
                    }
                    WriteJob::Group(writes, _) => Outcome::Group(group(
                        &sp,
                        writes,
                        &mut self.state,
                        now,
                        (&keys, &kek),
                        &mut erasing,
                    )),
                };
                if outcome.is_ok() {
                    sp.commit()?;
                    erased.append(&mut erasing);
                } else {
                    drop(sp); // rolls this job back alone
                    self.state = saved;
                }
                outcomes.push(outcome);
            }
            tx.commit()
        })();
        if let Err(e) = committed {
            tracing::error!(error = %e, "event log commit failed; the batch was rolled back");
            self.state = before;
            let message = e.to_string();
            for job in jobs {
                match job {
                    WriteJob::Append(_, reply) => {
                        let _ = reply.send(Err(StoreError::CommitFailed(message.clone())));
                    }
                    WriteJob::Reject(_, reply) | WriteJob::Mirror(_, reply) => {
                        let _ = reply.send(Err(StoreError::CommitFailed(message.clone())));
                    }
                    WriteJob::Group(_, reply) => {
                        let _ = reply.send(Err(StoreError::CommitFailed(message.clone())));
                    }
                }
            }
            return;
        }
        if !erased.is_empty() {
            for stream in &erased {
                self.keys.destroy(stream);
            }
            // Leave no copy of a destroyed key in the write-ahead log: its frames go
            // into the database (where the key's bytes were overwritten) and the file
            // is cut to nothing. Should a reader hold it open, the next erasure retries.
            if let Err(e) = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            {
                tracing::warn!(error = %e, "checkpoint after an erasure failed");
            }
        }
        self.head.send_replace(self.state.position);
        for (job, outcome) in jobs.into_iter().zip(outcomes) {
            match (job, outcome) {
                (WriteJob::Append(_, reply), Outcome::Append(r)) => {
                    let _ = reply.send(r);
                }
                (WriteJob::Reject(_, reply), Outcome::Reject(r))
                | (WriteJob::Mirror(_, reply), Outcome::Mirror(r)) => {
                    let _ = reply.send(r);
                }
                (WriteJob::Group(_, reply), Outcome::Group(r)) => {
                    let _ = reply.send(r);
                }
                _ => unreachable!("outcomes are pushed in job order"),
            }
        }
    }
}

enum Outcome {
    Group(Result<GroupOutcome, StoreError>),
    Append(Result<AppendOutcome, StoreError>),
    Reject(Result<u64, StoreError>),
    Mirror(Result<u64, StoreError>),
}

impl Outcome {
    fn is_ok(&self) -> bool {
        match self {
            Outcome::Append(r) => matches!(r, Ok(AppendOutcome::Appended { .. })),
            Outcome::Reject(r) | Outcome::Mirror(r) => r.is_ok(),
            Outcome::Group(r) => matches!(r, Ok(GroupOutcome::Written(_))),
        }
    }
}

fn insert(
    conn: &Connection,
    state: &mut ChainState,
    now: Timestamp,
    row: (i64, Option<&str>, Option<u64>, Option<&str>, &str),
    record: &[u8],
) -> Result<u64, StoreError> {
    let position = state.position + 1;
    let hash = chain::link(&state.hash, position, record);
    let (kind, stream, version, event_type, actor) = row;
    conn.prepare_cached(
        "INSERT INTO log (position, kind, stream_id, version, event_type, actor, recorded_at, record, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        position as i64,
        kind,
        stream,
        version.map(|v| v as i64),
        event_type,
        actor,
        now.as_microsecond(),
        record,
        state.hash.as_slice(),
        hash.as_slice(),
    ])?;
    state.position = position;
    state.hash = hash;
    state.recorded_at = now;
    Ok(position)
}

fn mirror(
    conn: &Connection,
    entries: &[MirrorEntry],
    state: &mut ChainState,
) -> Result<u64, StoreError> {
    for entry in entries {
        let next: Option<i64> = conn
            .prepare_cached("SELECT next_offset FROM mirror_offsets WHERE partition = ?1")?
            .query_row([entry.partition], |r| r.get(0))
            .optional()?;
        if next.is_some_and(|n| entry.offset < n) {
            continue; // copied before
        }
        let record: StoredRecord =
            serde_json::from_slice(&entry.record).map_err(|e| StoreError::Corrupt {
                position: state.position + 1,
                reason: format!(
                    "mirrored record from partition {} offset {}: {e}",
                    entry.partition, entry.offset
                ),
            })?;
        let (kind, stream, version, event_type, actor, recorded_at) = match &record {
            StoredRecord::Event {
                stream_id,
                version,
                event_type,
                actor,
                recorded_at,
                ..
            } => (
                KIND_EVENT,
                Some(stream_id.as_str()),
                Some(*version),
                Some(event_type.as_str()),
                actor.subject.as_str(),
                *recorded_at,
            ),
            StoredRecord::Rejection {
                stream_id,
                actor,
                recorded_at,
                ..
            } => (
                KIND_REJECTION,
                stream_id.as_ref().map(|s| s.as_str()),
                None,
                None,
                actor.subject.as_str(),
                *recorded_at,
            ),
        };
        let latest = state.recorded_at.max(recorded_at);
        insert(
            conn,
            state,
            recorded_at,
            (kind, stream, version, event_type, actor),
            &entry.record,
        )?;
        state.recorded_at = latest;
        if let Some(idem) = &entry.idempotency {
            conn.prepare_cached(
                "INSERT OR IGNORE INTO idempotency (scope, request_hash, response, position) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                idem.scope,
                idem.request_hash.as_slice(),
                idem.response,
                state.position as i64
            ])?;
        }
        conn.prepare_cached(
            "INSERT INTO mirror_offsets (partition, next_offset) VALUES (?1, ?2)
             ON CONFLICT (partition) DO UPDATE SET next_offset = excluded.next_offset",
        )?
        .execute(params![entry.partition, entry.offset + 1])?;
    }
    Ok(state.position)
}

fn append(
    conn: &Connection,
    req: &AppendRequest,
    state: &mut ChainState,
    now: Timestamp,
    (keys, kek): (&Keyring, &Kek),
    erased: &mut Vec<String>,
) -> Result<AppendOutcome, StoreError> {
    if let Some(idem) = &req.idempotency
        && let Some(found) = lookup_idempotency(conn, &idem.scope, &idem.request_hash)?
    {
        return found.map(|response| AppendOutcome::Duplicate { response });
    }
    let stream = req.stream_id.as_str();
    let actual: i64 = conn
        .prepare_cached(
            "SELECT COALESCE(MAX(version), 0) FROM log WHERE stream_id = ?1 AND kind = 0",
        )?
        .query_row([stream], |r| r.get(0))?;
    if actual as u64 != req.expected_version {
        return Err(StoreError::Conflict {
            stream: stream.to_owned(),
            expected: req.expected_version,
            actual: actual as u64,
        });
    }
    let mut version = req.expected_version;
    for proposed in &req.events {
        version += 1;
        let (event_type, schema_version, mut data) = encode_event(&proposed.event)?;
        if seal::applies(stream, event_type) {
            let key = keys.get_or_create(stream);
            if seal::seal(stream, &key, keys.nonce(), &mut data) {
                // Stored (wrapped) with every event that uses it, in the same savepoint.
                SqliteKeys.put(conn, stream, &kek.wrap(stream, &key, keys.nonce()))?;
            }
        }
        if event_type == "person.erased" {
            SqliteKeys.destroy(conn, stream)?;
            erased.push(stream.to_owned());
        }
        let record = serde_json::to_vec(&StoredRecord::Event {
            event_id: proposed.event_id,
            stream_id: req.stream_id.clone(),
            version,
            event_type: event_type.to_owned(),
            schema_version,
            actor: req.actor.clone(),
            occurred_at: proposed.occurred_at,
            recorded_at: now,
            correlation_id: req.correlation_id,
            causation_id: req.causation_id,
            data,
        })?;
        insert(
            conn,
            state,
            now,
            (
                KIND_EVENT,
                Some(stream),
                Some(version),
                Some(event_type),
                &req.actor.subject,
            ),
            &record,
        )?;
    }
    if let Some(idem) = &req.idempotency {
        conn.prepare_cached(
            "INSERT INTO idempotency (scope, request_hash, response, position) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            idem.scope,
            idem.request_hash.as_slice(),
            idem.response,
            state.position as i64
        ])?;
    }
    Ok(AppendOutcome::Appended {
        last_position: state.position,
        version,
    })
}

/// The writes of a group in order, inside the caller's savepoint: the first that cannot
/// be done as asked stops the group (and the savepoint is rolled back).
fn group(
    conn: &Connection,
    writes: &[GroupWrite],
    state: &mut ChainState,
    now: Timestamp,
    keys: (&Keyring, &Kek),
    erased: &mut Vec<String>,
) -> Result<GroupOutcome, StoreError> {
    let mut written = Vec::with_capacity(writes.len());
    for (index, write) in writes.iter().enumerate() {
        let stop = |reason| Ok(GroupOutcome::Stopped { index, reason });
        match write {
            GroupWrite::Append(req) => match append(conn, req, state, now, keys, erased) {
                Ok(AppendOutcome::Appended {
                    last_position,
                    version,
                }) => written.push((last_position, Some(version))),
                Ok(AppendOutcome::Duplicate { response }) => {
                    return stop(GroupStop::Duplicate(response));
                }
                Err(StoreError::Conflict {
                    expected, actual, ..
                }) => return stop(GroupStop::Conflict { expected, actual }),
                Err(StoreError::IdempotencyKeyReused) => return stop(GroupStop::KeyReused),
                Err(e) => return Err(e),
            },
            GroupWrite::Reject(req) => written.push((reject(conn, req, state, now)?, None)),
        }
    }
    Ok(GroupOutcome::Written(written))
}

fn reject(
    conn: &Connection,
    req: &RejectionRequest,
    state: &mut ChainState,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let record = serde_json::to_vec(&StoredRecord::Rejection {
        entry_id: uuid::Uuid::now_v7(),
        stream_id: req.stream_id.clone(),
        command: req.command.clone(),
        code: req.code.clone(),
        reason: req.reason.clone(),
        actor: req.actor.clone(),
        recorded_at: now,
        correlation_id: req.correlation_id,
    })?;
    insert(
        conn,
        state,
        now,
        (
            KIND_REJECTION,
            req.stream_id.as_ref().map(|s| s.as_str()),
            None,
            None,
            &req.actor.subject,
        ),
        &record,
    )
}

/// `Some(Ok(response))` for a repeat of the same request, `Some(Err(..))` for the same
/// key with another request, `None` for a new key.
fn lookup_idempotency(
    conn: &Connection,
    scope: &str,
    request_hash: &[u8; 32],
) -> Result<Option<Result<Vec<u8>, StoreError>>, StoreError> {
    let found: Option<(Vec<u8>, Vec<u8>)> = conn
        .prepare_cached("SELECT request_hash, response FROM idempotency WHERE scope = ?1")?
        .query_row([scope], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(found.map(|(hash, response)| {
        if hash.as_slice() == request_hash.as_slice() {
            Ok(response)
        } else {
            Err(StoreError::IdempotencyKeyReused)
        }
    }))
}

struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pooled = self.idle.lock().map_err(|_| StoreError::Closed)?.pop();
        let conn = match pooled {
            Some(c) => c,
            None => {
                let c = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                c.busy_timeout(std::time::Duration::from_secs(10))?;
                c
            }
        };
        let result = f(&conn);
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < 8
        {
            idle.push(conn);
        }
        result
    }

    async fn run<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let readers = Arc::clone(self);
        tokio::task::spawn_blocking(move || readers.with(f))
            .await
            .map_err(|_| StoreError::Closed)?
    }
}

fn decode_rows(
    stmt: &mut rusqlite::CachedStatement<'_>,
    params: impl rusqlite::Params,
    keys: &Keyring,
) -> Result<Vec<LogEntry>, StoreError> {
    let rows = stmt.query_map(params, |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (position, record) = row?;
        let entry = decode_record(position as u64, &record, keys).map_err(|reason| {
            StoreError::Corrupt {
                position: position as u64,
                reason,
            }
        })?;
        out.push(entry);
    }
    Ok(out)
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

    /// The next offset to copy from each source partition.
    pub async fn mirror_offsets(&self) -> Result<std::collections::HashMap<i32, i64>, StoreError> {
        self.readers
            .run(|conn| {
                let mut stmt = conn.prepare("SELECT partition, next_offset FROM mirror_offsets")?;
                let rows =
                    stmt.query_map([], |r| Ok((r.get::<_, i32>(0)?, r.get::<_, i64>(1)?)))?;
                let mut out = std::collections::HashMap::new();
                for row in rows {
                    let (p, o) = row?;
                    out.insert(p, o);
                }
                Ok(out)
            })
            .await
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
                .run(move |conn| {
                    let mut stmt = conn.prepare_cached(
                        "SELECT position, record FROM log WHERE stream_id = ?1 AND kind = 0 ORDER BY version",
                    )?;
                    let entries = decode_rows(&mut stmt, [stream], &keys)?;
                    Ok(entries
                        .into_iter()
                        .filter_map(|e| match e {
                            LogEntry::Event(e) => Some(*e),
                            LogEntry::Rejection(_) => None,
                        })
                        .collect())
                })
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
                .run(move |conn| {
                    let mut stmt = conn.prepare_cached(
                        "SELECT position, record FROM log WHERE position > ?1 ORDER BY position LIMIT ?2",
                    )?;
                    decode_rows(&mut stmt, params![after as i64, limit as i64], &keys)
                })
                .await
        })
    }

    fn audit(&self, query: AuditQuery) -> BoxFuture<'_, Result<Vec<AuditRow>, StoreError>> {
        let keys = Arc::clone(&self.keys);
        Box::pin(async move {
            self.readers
                .run(move |conn| {
                    let mut sql = String::from(
                        "SELECT position, record, hash, prev_hash FROM log WHERE position > ?1",
                    );
                    let mut args: Vec<rusqlite::types::Value> =
                        vec![(query.after.unwrap_or(0) as i64).into()];
                    if let Some(stream) = &query.stream_id {
                        args.push(stream.clone().into());
                        sql.push_str(&format!(" AND stream_id = ?{}", args.len()));
                    }
                    if let Some(actor) = &query.actor {
                        args.push(actor.clone().into());
                        sql.push_str(&format!(" AND actor = ?{}", args.len()));
                    }
                    if let Some(from) = query.from {
                        args.push(from.as_microsecond().into());
                        sql.push_str(&format!(" AND recorded_at >= ?{}", args.len()));
                    }
                    if let Some(to) = query.to {
                        args.push(to.as_microsecond().into());
                        sql.push_str(&format!(" AND recorded_at <= ?{}", args.len()));
                    }
                    let limit = query.limit.clamp(1, MAX_AUDIT_ROWS);
                    sql.push_str(&format!(" ORDER BY position LIMIT {limit}"));
                    let mut stmt = conn.prepare(&sql)?;
                    let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, Vec<u8>>(1)?,
                            r.get::<_, Vec<u8>>(2)?,
                            r.get::<_, Vec<u8>>(3)?,
                        ))
                    })?;
                    let mut out = Vec::new();
                    for row in rows {
                        let (position, record, hash, prev_hash) = row?;
                        let entry =
                            decode_record(position as u64, &record, &keys).map_err(|reason| {
                                StoreError::Corrupt {
                                    position: position as u64,
                                    reason,
                                }
                            })?;
                        out.push(AuditRow {
                            position: position as u64,
                            entry,
                            hash: hex::encode(hash),
                            prev_hash: hex::encode(prev_hash),
                        });
                    }
                    Ok(out)
                })
                .await
        })
    }

    fn head(&self) -> watch::Receiver<u64> {
        self.head.clone()
    }
}
