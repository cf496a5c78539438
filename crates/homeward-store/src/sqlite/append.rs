//! What one write does inside its savepoint: link and insert entries, append events
//! (idempotency, expected version, sealing personal data and keeping or destroying its
//! key), groups of writes, refusals, and entries copied from another log.

use homeward_domain::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use super::MirrorEntry;
use super::schema::{Indexed, KIND_EVENT, KIND_REJECTION, indexed};
use super::writer::ChainState;
use crate::StoreError;
use crate::chain;
use crate::codec::{StoredRecord, encode_event};
use crate::envelope::{
    AppendOutcome, AppendRequest, GroupOutcome, GroupStop, GroupWrite, RejectionRequest,
};
use crate::keystore::{Kek, KeyStore, SqliteKeys};
use crate::seal::{self, Keyring};

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

pub(super) fn mirror(
    conn: &Connection,
    entries: &[MirrorEntry],
    state: &mut ChainState,
    erased: &mut Vec<String>,
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
        let Indexed {
            kind,
            stream,
            version,
            event_type,
            actor,
            recorded_at,
        } = indexed(&record);
        // A copied erasure destroys the key here too, as the copy takes it in: no view
        // of this instance folds the erasure while the key still opens the person.
        if event_type == Some("person.erased")
            && let Some(stream) = stream
        {
            SqliteKeys.destroy(conn, stream)?;
            erased.push(stream.to_owned());
        }
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
        if let (Some(stream), Some(version)) = (stream, version) {
            conn.prepare_cached(
                "INSERT INTO mirror_streams (stream_id, partition, version) VALUES (?1, ?2, ?3)
                 ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version",
            )?
            .execute(params![stream, entry.partition, version as i64])?;
        }
        // Where the partition's chain ends, as far as copied (unknown for a source that
        // does not say: then nobody seeds from this copy).
        let (seq, chain_hash) = match &entry.chain {
            Some((seq, hash)) => (Some(*seq as i64), Some(hash.as_slice())),
            None => (None, None),
        };
        conn.prepare_cached(
            "INSERT INTO mirror_offsets (partition, next_offset, seq, chain_hash, recorded_at, seedable)
             VALUES (?1, ?2, ?3, ?4, ?5, 1)
             ON CONFLICT (partition) DO UPDATE SET next_offset = excluded.next_offset,
               seq = excluded.seq, chain_hash = excluded.chain_hash,
               recorded_at = max(coalesce(recorded_at, 0), excluded.recorded_at)",
        )?
        .execute(params![
            entry.partition,
            entry.offset + 1,
            seq,
            chain_hash,
            recorded_at.as_microsecond()
        ])?;
    }
    Ok(state.position)
}

pub(super) fn append(
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
pub(super) fn group(
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

pub(super) fn reject(
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
pub(super) fn lookup_idempotency(
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
