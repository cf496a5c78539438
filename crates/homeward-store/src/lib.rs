//! The event log of Homeward.
//!
//! One interface, [`EventLog`], with the embedded SQLite backend ([`SqliteLog`]) as the
//! default. The log holds two kinds of entry in one tamper-evident chain: events, which
//! are the only source of truth, and rejected commands, which the audit trail must show
//! too. Appends are conditional on the stream's expected version and may carry an
//! idempotency record, stored in the same transaction as the events, so that a client's
//! retry has one effect. An append is acknowledged only after it is durable.

pub mod backup;
pub mod chain;
pub mod codec;
pub mod envelope;
pub mod keystore;
pub mod seal;
pub mod sqlite;
pub mod subscription;

use futures::future::BoxFuture;

pub use envelope::{
    AppendOutcome, AppendRequest, AuditQuery, AuditRow, GroupOutcome, GroupStop, GroupWrite,
    Idempotency, LogEntry, ProposedEvent, RecordedEvent, RecordedRejection, RejectionRequest,
};
pub use sqlite::SqliteLog;
pub use subscription::Subscription;

/// Why the log refused or failed an operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The stream is not at the version the append expected: someone else wrote first.
    #[error("version conflict on {stream}: expected version {expected}, stream is at {actual}")]
    Conflict {
        /// The stream.
        stream: String,
        /// The version the caller expected.
        expected: u64,
        /// The version the stream is at.
        actual: u64,
    },
    /// The idempotency key was used before with a different request.
    #[error("idempotency key reused with a different request")]
    IdempotencyKeyReused,
    /// A stored record could not be decoded.
    #[error("cannot decode the entry at position {position}: {reason}")]
    Corrupt {
        /// Its position.
        position: u64,
        /// What was wrong.
        reason: String,
    },
    /// An event could not be encoded.
    #[error("cannot encode event: {0}")]
    Encode(#[from] serde_json::Error),
    /// The database failed.
    #[error("storage failure: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A file operation failed.
    #[error("storage I/O failure: {0}")]
    Io(#[from] std::io::Error),
    /// A batch could not be committed; none of its appends happened.
    #[error("storage commit failed: {0}")]
    CommitFailed(String),
    /// The backend cannot be reached or did not answer in time; the request may or
    /// may not have taken effect (retry it with the same idempotency key).
    #[error("the event log is unavailable: {0}")]
    Unavailable(String),
    /// The personal data keys cannot be opened (a wrong or missing key-encryption key).
    #[error(transparent)]
    Keys(#[from] keystore::KeyError),
    /// The log is shutting down.
    #[error("the event log is closed")]
    Closed,
}

/// The interface every backend implements. Implementations are cheap to share
/// (`Arc<dyn EventLog>`).
pub trait EventLog: Send + Sync + 'static {
    /// Appends events to one stream if it is at `expected_version`, durably, together
    /// with the idempotency record if one is given. Returns the original response
    /// instead when the same idempotency key and request were seen before.
    fn append(&self, request: AppendRequest) -> BoxFuture<'_, Result<AppendOutcome, StoreError>>;

    /// Writes the appends and refusals of one stream's queue, in order, as one
    /// conditional write: all of them are durable together, or none is written and the
    /// outcome names the first that could not be done as asked (each append expects the
    /// version the one before it leaves).
    fn append_group(
        &self,
        writes: Vec<GroupWrite>,
    ) -> BoxFuture<'_, Result<GroupOutcome, StoreError>>;

    /// Records a rejected command in the audit chain.
    fn record_rejection(&self, request: RejectionRequest)
    -> BoxFuture<'_, Result<u64, StoreError>>;

    /// Looks up a stored idempotent response: `Ok(None)` when the key is new.
    fn idempotent_response(
        &self,
        scope: String,
        request_hash: [u8; 32],
    ) -> BoxFuture<'_, Result<Option<Vec<u8>>, StoreError>>;

    /// Every event of one stream in version order.
    fn read_stream(&self, stream: String) -> BoxFuture<'_, Result<Vec<RecordedEvent>, StoreError>>;

    /// Up to `limit` entries after `after` (positions start at 1), in log order.
    fn read_after(
        &self,
        after: u64,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<LogEntry>, StoreError>>;

    /// Audit rows matching a query, with their hashes.
    fn audit(&self, query: AuditQuery) -> BoxFuture<'_, Result<Vec<AuditRow>, StoreError>>;

    /// The position of the last durable entry, and a way to wait for the next.
    fn head(&self) -> tokio::sync::watch::Receiver<u64>;

    /// Tells the log where this instance serves its API (`http://host:port`), once it
    /// does: a backend shared by several instances tells another instance that meets
    /// this one's turn on a stream (see [`GroupStop::Turn`]). A backend of one copy has
    /// no one to tell.
    fn serving_at(&self, url: &str) {
        let _ = url;
    }

    /// Tells the other copies of the log that this one's read models have folded the
    /// erasure of `stream` (a backend of one copy has no one to tell).
    fn erasure_folded(&self, stream: &str) {
        let _ = stream;
    }

    /// Waits, at most `limit`, until every live copy of the log has folded the erasure
    /// of `stream`; returns the copies that had not said so by then (none for a backend
    /// of one copy).
    fn erasure_everywhere(
        &self,
        stream: String,
        limit: std::time::Duration,
    ) -> BoxFuture<'_, Vec<String>> {
        let _ = (stream, limit);
        Box::pin(async { Vec::new() })
    }
}
