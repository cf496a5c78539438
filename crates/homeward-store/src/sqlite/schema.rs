//! The log's tables: the entries (events and refusals) with their indexed columns and
//! hash chain, the idempotency records, the wrapped personal data keys and the offsets
//! copied from another log.

/// `log.kind` of an event.
pub(super) const KIND_EVENT: i64 = 0;
/// `log.kind` of a refused command.
pub(super) const KIND_REJECTION: i64 = 1;

/// The tables and indexes, created when missing.
pub(super) const SCHEMA: &str = "
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
