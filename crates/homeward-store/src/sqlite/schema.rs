//! The log's tables: the entries (events and refusals) with their indexed columns and
//! hash chain, the idempotency records, the wrapped personal data keys, and what was
//! copied from another log (its offsets, the end of each partition's chain, and the
//! partition and version of each stream).

/// `log.kind` of an event.
pub(super) const KIND_EVENT: i64 = 0;
/// `log.kind` of a refused command.
pub(super) const KIND_REJECTION: i64 = 1;

/// The columns of `log` that copy fields of the stored record (for the indexes).
pub(super) struct Indexed<'a> {
    pub(super) kind: i64,
    pub(super) stream: Option<&'a str>,
    pub(super) version: Option<u64>,
    pub(super) event_type: Option<&'a str>,
    pub(super) actor: &'a str,
    pub(super) recorded_at: homeward_domain::Timestamp,
}

/// What `record` puts in the indexed columns of its row.
pub(super) fn indexed(record: &crate::codec::StoredRecord) -> Indexed<'_> {
    use crate::codec::StoredRecord;
    match record {
        StoredRecord::Event {
            stream_id,
            version,
            event_type,
            actor,
            recorded_at,
            ..
        } => Indexed {
            kind: KIND_EVENT,
            stream: Some(stream_id.as_str()),
            version: Some(*version),
            event_type: Some(event_type.as_str()),
            actor: actor.subject.as_str(),
            recorded_at: *recorded_at,
        },
        StoredRecord::Rejection {
            stream_id,
            actor,
            recorded_at,
            ..
        } => Indexed {
            kind: KIND_REJECTION,
            stream: stream_id.as_ref().map(|s| s.as_str()),
            version: None,
            event_type: None,
            actor: actor.subject.as_str(),
            recorded_at: *recorded_at,
        },
    }
}

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
CREATE INDEX IF NOT EXISTS log_stream_rejections ON log(stream_id, position) WHERE kind = 1;
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
CREATE TABLE IF NOT EXISTS mirror_streams (
    stream_id TEXT PRIMARY KEY,
    partition INTEGER NOT NULL,
    version   INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS mirror_streams_partition ON mirror_streams(partition);
PRAGMA user_version = 1;
";

/// Columns added to tables of older data directories (`ALTER TABLE ... ADD COLUMN`
/// when missing): the end of each source partition's chain as copied, so that a copy
/// can seed the writer that takes the partition over.
pub(super) const ADDED_COLUMNS: &[(&str, &str, &str)] = &[
    ("mirror_offsets", "seq", "INTEGER"),
    ("mirror_offsets", "chain_hash", "BLOB"),
    ("mirror_offsets", "recorded_at", "INTEGER"),
    // 1 when this copy has recorded every stream of the partition in `mirror_streams`
    // since its first record (a row made by an older build stays without).
    ("mirror_offsets", "seedable", "INTEGER"),
];

/// Indexes of older data directories that the log no longer keeps: `log_stream` (every
/// entry by stream and position) cost a random page write per entry; a stream's events
/// are found through `log_stream_version` and its refusals through
/// `log_stream_rejections`.
pub(super) const DROPPED_INDEXES: &[&str] = &["log_stream"];

/// Brings the tables and indexes of a data directory of any earlier build to this one's.
pub(super) fn migrate(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    conn.execute_batch(SCHEMA)?;
    add_missing_columns(conn)?;
    for index in DROPPED_INDEXES {
        conn.execute_batch(&format!("DROP INDEX IF EXISTS {index}"))?;
    }
    Ok(())
}

/// Adds the [`ADDED_COLUMNS`] a table lacks.
fn add_missing_columns(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    for (table, column, kind) in ADDED_COLUMNS {
        let has: bool = conn
            .prepare(&format!(
                "SELECT 1 FROM pragma_table_info('{table}') WHERE name = ?1"
            ))?
            .exists([column])?;
        if !has {
            conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {kind}"))?;
        }
    }
    Ok(())
}
