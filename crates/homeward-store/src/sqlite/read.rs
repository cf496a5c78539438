//! The readers: a small pool of read-only connections (WAL lets them run beside the
//! writer), decoding the rows they read, and the queries: a stream, the entries after
//! a position, the audit trail, the offsets copied from another log.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use super::MAX_AUDIT_ROWS;
use super::schema::{KIND_EVENT, KIND_REJECTION};
use crate::StoreError;
use crate::codec::decode_record;
use crate::envelope::{AuditQuery, AuditRow, LogEntry, RecordedEvent};
use crate::seal::Keyring;

/// The pool of read-only connections.
pub(super) struct Readers {
    pub(super) path: PathBuf,
    pub(super) idle: Mutex<Vec<Connection>>,
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

    pub(super) async fn run<T: Send + 'static>(
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
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let position: i64 = row.get(0)?;
        // Decoded from SQLite's own buffer, without a copy.
        let record = row.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?;
        let entry =
            decode_record(position as u64, record, keys).map_err(|reason| StoreError::Corrupt {
                position: position as u64,
                reason,
            })?;
        out.push(entry);
    }
    Ok(out)
}

/// The next offset to copy from each source partition.
pub(super) fn mirror_offsets(conn: &Connection) -> Result<HashMap<i32, i64>, StoreError> {
    let mut stmt = conn.prepare("SELECT partition, next_offset FROM mirror_offsets")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i32>(0)?, r.get::<_, i64>(1)?)))?;
    let mut out = HashMap::new();
    for row in rows {
        let (p, o) = row?;
        out.insert(p, o);
    }
    Ok(out)
}

/// What the copy holds of one source partition (see [`super::PartitionSeed`]).
pub(super) fn partition_seed(
    conn: &Connection,
    partition: i32,
    since: i64,
) -> Result<Option<super::PartitionSeed>, StoreError> {
    // One read transaction: every part of the seed as of the same commit of the copy.
    let conn = conn.unchecked_transaction()?;
    let end = conn
        .query_row(
            "SELECT next_offset, seq, chain_hash, recorded_at FROM mirror_offsets
             WHERE partition = ?1 AND seedable = 1",
            [partition],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, Option<Vec<u8>>>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                ))
            },
        )
        .optional()?;
    let Some((next_offset, Some(seq), Some(hash), recorded_at)) = end else {
        return Ok(None);
    };
    let Ok(hash) = <[u8; 32]>::try_from(hash.as_slice()) else {
        return Ok(None);
    };
    let mut stmt =
        conn.prepare("SELECT stream_id, version FROM mirror_streams WHERE partition = ?1")?;
    let versions = stmt
        .query_map([partition], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut stmt = conn.prepare(
        "SELECT i.scope, i.request_hash, i.response, l.recorded_at
         FROM idempotency i
         JOIN log l ON l.position = i.position
         JOIN mirror_streams m ON m.stream_id = l.stream_id
         WHERE m.partition = ?1 AND l.recorded_at >= ?2
         ORDER BY i.position",
    )?;
    let mut idempotency = Vec::new();
    for row in stmt.query_map(params![partition, since], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Vec<u8>>(1)?,
            r.get::<_, Vec<u8>>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })? {
        let (scope, request_hash, response, at) = row?;
        if let Ok(request_hash) = <[u8; 32]>::try_from(request_hash.as_slice()) {
            idempotency.push((scope, request_hash, response, at));
        }
    }
    Ok(Some(super::PartitionSeed {
        next_offset,
        seq: seq as u64,
        hash,
        recorded_at: recorded_at.unwrap_or(0),
        versions,
        idempotency,
    }))
}

/// The events of one stream, in version order.
pub(super) fn stream(
    conn: &Connection,
    stream: String,
    keys: &Keyring,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT position, record FROM log WHERE stream_id = ?1 AND kind = 0 ORDER BY version",
    )?;
    let entries = decode_rows(&mut stmt, [stream], keys)?;
    Ok(entries
        .into_iter()
        .filter_map(|e| match e {
            LogEntry::Event(e) => Some(*e),
            LogEntry::Rejection(_) => None,
        })
        .collect())
}

/// At most `limit` entries after `after`, in order.
pub(super) fn after(
    conn: &Connection,
    after: u64,
    limit: usize,
    keys: &Keyring,
) -> Result<Vec<LogEntry>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT position, record FROM log WHERE position > ?1 ORDER BY position LIMIT ?2",
    )?;
    decode_rows(&mut stmt, params![after as i64, limit as i64], keys)
}

/// The audit trail: the entries the query selects, with their hashes.
pub(super) fn audit(
    conn: &Connection,
    query: &AuditQuery,
    keys: &Keyring,
) -> Result<Vec<AuditRow>, StoreError> {
    const COLUMNS: &str = "SELECT position, record, hash, prev_hash FROM log";
    let mut args: Vec<rusqlite::types::Value> = vec![(query.after.unwrap_or(0) as i64).into()];
    let mut filters = String::from("position > ?1");
    if let Some(actor) = &query.actor {
        args.push(actor.clone().into());
        filters.push_str(&format!(" AND actor = ?{}", args.len()));
    }
    if let Some(from) = query.from {
        args.push(from.as_microsecond().into());
        filters.push_str(&format!(" AND recorded_at >= ?{}", args.len()));
    }
    if let Some(to) = query.to {
        args.push(to.as_microsecond().into());
        filters.push_str(&format!(" AND recorded_at <= ?{}", args.len()));
    }
    let limit = query.limit.clamp(1, MAX_AUDIT_ROWS);
    let sql = match &query.stream_id {
        None => format!("{COLUMNS} WHERE {filters} ORDER BY position LIMIT {limit}"),
        // A stream's events through `log_stream_version`, its refusals through
        // `log_stream_rejections` (each partial index is used only where the query
        // names its kind).
        Some(stream) => {
            args.push(stream.clone().into());
            let s = args.len();
            format!(
                "{COLUMNS} WHERE kind = {KIND_EVENT} AND stream_id = ?{s} AND {filters}
                 UNION ALL
                 {COLUMNS} WHERE kind = {KIND_REJECTION} AND stream_id = ?{s} AND {filters}
                 ORDER BY position LIMIT {limit}"
            )
        }
    };
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
        let entry = decode_record(position as u64, &record, keys).map_err(|reason| {
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
}
