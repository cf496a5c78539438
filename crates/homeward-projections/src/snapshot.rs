//! Snapshots of the read models: every projection at one log position, as bytes, so
//! that a restart folds only the entries after it instead of the whole log.
//!
//! A snapshot names the log position it was taken at and the chain hash of the entry
//! at that position; whoever loads it must check that hash against the log (a log
//! that was replaced, restored or rewritten has another hash there) and fold from
//! zero when it differs. The body is MessagePack with named fields (so optional
//! fields may be left out, as the read models' own serde attributes say), guarded by
//! a SHA-256 checksum against a torn or damaged file.
//!
//! **Personal data is sealed or absent.** The person records of the locator and the
//! calls of the call log are stored with their personal fields (full name, passport
//! number, phone, date of birth; a caller's name and phone) sealed with the key of their
//! stream, as in the log itself ([`homeward_store::seal`]); the locator's indexes are not
//! stored but rebuilt from the opened records. A record whose key was destroyed (an
//! erasure not yet folded) is stored without them; one whose data has no key at all
//! (written in clear by an older build) makes the snapshot refuse to be written, and
//! the service folds the log at its next start instead. Loading opens the fields with
//! the keys that exist then: those of a person erased since read as absent. Without
//! a keyring (a backend that does not seal) the fields are stored as they are.
//!
//! **Bump [`FORMAT`] whenever a read model's stored shape changes** (a field added,
//! removed, renamed or retyped in any type under [`Projections`], including the
//! domain states of `streams`). A snapshot of another format is never read: the
//! service folds the log from zero instead and writes a new snapshot. Nothing is lost
//! by a bump but one slow start.

use homeward_domain::StreamId;
use homeward_store::seal::{self, Keyring};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::calls::{CallLog, CallRecord};
use crate::locator::{Locator, PersonRecord};
use crate::{
    Projections, access, board, deadlines, evacuations, incidents, streams, subscriptions,
    timeline, welfare,
};

/// The stored shape of the read models. See the module documentation.
/// 2: personal data of persons and callers sealed; the locator's indexes not stored.
/// 3: welfare checks carry their answer links.
/// 4: incident files carry their decisions.
pub const FORMAT: u32 = 4;

/// The first bytes of every snapshot.
const MAGIC: &[u8; 8] = b"HWSNAP\x00\x01";

/// What a snapshot says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotHeader {
    /// The format it was written in.
    pub format: u32,
    /// The last log position folded into it.
    pub position: u64,
    /// The chain hash (hex) of the log entry at `position` (empty at position 0).
    pub log_hash: String,
}

/// Why a snapshot cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// It is not a snapshot, or it is cut short.
    #[error("not a snapshot of the read models")]
    NotASnapshot,
    /// It was written in another format.
    #[error("snapshot format {found}, this build reads format {FORMAT}")]
    Format {
        /// The format found.
        found: u32,
    },
    /// Its body does not match its checksum.
    #[error("snapshot body does not match its checksum")]
    Checksum,
    /// Its body cannot be read as the read models.
    #[error("snapshot body cannot be read: {0}")]
    Decode(String),
    /// The read models cannot be written.
    #[error("cannot encode the read models: {0}")]
    Encode(String),
    /// Personal data of a stream without a key (stored in clear by an older build)
    /// cannot be sealed; no snapshot is written.
    #[error("personal data of {0} has no key to seal it with; no snapshot is written")]
    Unsealable(String),
}

/// A record with its personal fields taken out and sealed.
#[derive(Serialize, Deserialize)]
struct Sealed<T> {
    record: T,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed: Option<String>,
    /// The fields as they are, when no keyring seals them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    clear: Option<Map<String, Value>>,
}

/// The stored body: every read model, personal data sealed. Its fields are those of
/// [`Projections`] (destructured and rebuilt in full, so a new read model cannot be
/// forgotten here).
#[derive(Serialize, Deserialize)]
struct Body<'a> {
    position: u64,
    recorded_at: Option<homeward_domain::Timestamp>,
    board: std::borrow::Cow<'a, board::Board>,
    incidents: std::borrow::Cow<'a, incidents::IncidentFiles>,
    persons: Vec<Sealed<PersonRecord>>,
    calls: Vec<Sealed<CallRecord>>,
    evacuations: std::borrow::Cow<'a, evacuations::Evacuations>,
    streams: std::borrow::Cow<'a, streams::Streams>,
    timeline: std::borrow::Cow<'a, timeline::Timeline>,
    welfare: std::borrow::Cow<'a, welfare::Welfare>,
    deadlines: std::borrow::Cow<'a, deadlines::Deadlines>,
    subscriptions: std::borrow::Cow<'a, subscriptions::Subscriptions>,
    revocations: std::borrow::Cow<'a, access::Revocations>,
}

/// Takes the personal `fields` out of `record` (as JSON) and seals them for `stream`.
fn seal_record<T>(
    stream: &StreamId,
    record: T,
    fields: Map<String, Value>,
    keys: Option<&Keyring>,
) -> Result<Sealed<T>, SnapshotError> {
    let fields: Map<String, Value> = fields
        .into_iter()
        .filter(|(_, v)| !v.is_null() && v.as_str() != Some(""))
        .collect();
    let mut sealed = Sealed {
        record,
        sealed: None,
        clear: None,
    };
    if fields.is_empty() {
        return Ok(sealed);
    }
    let Some(keys) = keys else {
        sealed.clear = Some(fields);
        return Ok(sealed);
    };
    let stream = stream.as_str();
    match keys.get(stream) {
        Some(key) => {
            sealed.sealed = Some(
                seal::seal_fields(stream, &key, keys.nonce(), fields)
                    .ok_or_else(|| SnapshotError::Encode(format!("cannot seal {stream}")))?,
            );
        }
        None if keys.was_destroyed(stream) => {}
        None => return Err(SnapshotError::Unsealable(stream.to_owned())),
    }
    Ok(sealed)
}

/// The personal fields of `sealed`, opened with the keys that exist.
fn open_record<T>(
    stream: &StreamId,
    sealed: Sealed<T>,
    keys: Option<&Keyring>,
) -> Result<(T, Map<String, Value>), SnapshotError> {
    let mut fields = sealed.clear.unwrap_or_default();
    if let Some(text) = &sealed.sealed
        && let Some(key) = keys.and_then(|k| k.get(stream.as_str()))
    {
        fields.extend(
            seal::open_fields(stream.as_str(), &key, text)
                .map_err(|e| SnapshotError::Decode(e.to_string()))?,
        );
    }
    Ok((sealed.record, fields))
}

fn text(fields: &mut Map<String, Value>, name: &str) -> Option<String> {
    match fields.remove(name) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

fn seal_person(
    p: &PersonRecord,
    keys: Option<&Keyring>,
) -> Result<Sealed<PersonRecord>, SnapshotError> {
    let mut record = p.clone();
    let mut fields = Map::new();
    fields.insert(
        "full_name".into(),
        Value::String(std::mem::take(&mut record.full_name)),
    );
    if let Some(dob) = record.date_of_birth.take() {
        fields.insert("date_of_birth".into(), Value::String(dob.to_string()));
    }
    if let Some(v) = record.passport_number.take() {
        fields.insert("passport_number".into(), Value::String(v));
    }
    if let Some(v) = record.phone.take() {
        fields.insert("phone".into(), Value::String(v));
    }
    seal_record(&StreamId::person(p.id), record, fields, keys)
}

fn open_person(
    sealed: Sealed<PersonRecord>,
    keys: Option<&Keyring>,
) -> Result<PersonRecord, SnapshotError> {
    let stream = StreamId::person(sealed.record.id);
    let (mut record, mut fields) = open_record(&stream, sealed, keys)?;
    record.full_name = text(&mut fields, "full_name").unwrap_or_default();
    record.date_of_birth = text(&mut fields, "date_of_birth")
        .map(|d| {
            d.parse()
                .map_err(|_| SnapshotError::Decode(format!("date of birth of {stream}")))
        })
        .transpose()?;
    record.passport_number = text(&mut fields, "passport_number");
    record.phone = text(&mut fields, "phone");
    Ok(record)
}

fn seal_call(c: &CallRecord, keys: Option<&Keyring>) -> Result<Sealed<CallRecord>, SnapshotError> {
    let mut record = c.clone();
    let mut fields = Map::new();
    fields.insert(
        "caller_name".into(),
        Value::String(std::mem::take(&mut record.caller_name)),
    );
    if let Some(v) = record.caller_phone.take() {
        fields.insert("caller_phone".into(), Value::String(v));
    }
    seal_record(&StreamId::call(c.id), record, fields, keys)
}

fn open_call(
    sealed: Sealed<CallRecord>,
    keys: Option<&Keyring>,
) -> Result<CallRecord, SnapshotError> {
    let stream = StreamId::call(sealed.record.id);
    let (mut record, mut fields) = open_record(&stream, sealed, keys)?;
    record.caller_name = text(&mut fields, "caller_name").unwrap_or_default();
    record.caller_phone = text(&mut fields, "caller_phone");
    Ok(record)
}

/// Encodes the read models at their position, with the chain hash (hex) of the log
/// entry at that position, sealing personal data with `keys`.
pub fn encode(
    projections: &Projections,
    log_hash: &str,
    keys: Option<&Keyring>,
) -> Result<Vec<u8>, SnapshotError> {
    use std::borrow::Cow::Borrowed;
    let Projections {
        position,
        recorded_at,
        board,
        incidents,
        locator,
        calls,
        evacuations,
        streams,
        timeline,
        welfare,
        deadlines,
        subscriptions,
        revocations,
    } = projections;
    let body = Body {
        position: *position,
        recorded_at: *recorded_at,
        board: Borrowed(board),
        incidents: Borrowed(incidents),
        persons: locator
            .iter()
            .map(|p| seal_person(p, keys))
            .collect::<Result<_, _>>()?,
        calls: calls
            .oldest_first()
            .map(|c| seal_call(c, keys))
            .collect::<Result<_, _>>()?,
        evacuations: Borrowed(evacuations),
        streams: Borrowed(streams),
        timeline: Borrowed(timeline),
        welfare: Borrowed(welfare),
        deadlines: Borrowed(deadlines),
        subscriptions: Borrowed(subscriptions),
        revocations: Borrowed(revocations),
    };
    let body = rmp_serde::to_vec_named(&body).map_err(|e| SnapshotError::Encode(e.to_string()))?;
    let checksum: [u8; 32] = Sha256::digest(&body).into();
    let hash = log_hash.as_bytes();
    let mut out = Vec::with_capacity(body.len() + 64 + hash.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    out.extend_from_slice(&projections.position.to_le_bytes());
    out.extend_from_slice(&(hash.len() as u32).to_le_bytes());
    out.extend_from_slice(hash);
    out.extend_from_slice(&checksum);
    out.extend_from_slice(&body);
    Ok(out)
}

/// Reads just the header (cheap: check it against the log before decoding the body).
pub fn header(bytes: &[u8]) -> Result<SnapshotHeader, SnapshotError> {
    split(bytes).map(|(header, _, _)| header)
}

/// Decodes a snapshot, checking its format and checksum, opening personal data with
/// `keys`. The caller still has to check [`SnapshotHeader::log_hash`] against its log.
pub fn decode(
    bytes: &[u8],
    keys: Option<&Keyring>,
) -> Result<(SnapshotHeader, Projections), SnapshotError> {
    let (header, checksum, body) = split(bytes)?;
    if Sha256::digest(body).as_slice() != checksum {
        return Err(SnapshotError::Checksum);
    }
    let body: Body<'static> =
        rmp_serde::from_slice(body).map_err(|e| SnapshotError::Decode(e.to_string()))?;
    let projections = Projections {
        position: body.position,
        recorded_at: body.recorded_at,
        board: body.board.into_owned(),
        incidents: body.incidents.into_owned(),
        locator: Locator::from_records(
            body.persons
                .into_iter()
                .map(|p| open_person(p, keys))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        calls: CallLog::from_records(
            body.calls
                .into_iter()
                .map(|c| open_call(c, keys))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        evacuations: body.evacuations.into_owned(),
        streams: body.streams.into_owned(),
        timeline: body.timeline.into_owned(),
        welfare: body.welfare.into_owned(),
        deadlines: body.deadlines.into_owned(),
        subscriptions: body.subscriptions.into_owned(),
        revocations: body.revocations.into_owned(),
    };
    if projections.position != header.position {
        return Err(SnapshotError::Decode(
            "the body's position differs from the header's".into(),
        ));
    }
    Ok((header, projections))
}

fn split(bytes: &[u8]) -> Result<(SnapshotHeader, &[u8], &[u8]), SnapshotError> {
    let rest = bytes
        .strip_prefix(MAGIC.as_slice())
        .ok_or(SnapshotError::NotASnapshot)?;
    let (format, rest) = take::<4>(rest)?;
    let format = u32::from_le_bytes(format);
    if format != FORMAT {
        return Err(SnapshotError::Format { found: format });
    }
    let (position, rest) = take::<8>(rest)?;
    let (len, rest) = take::<4>(rest)?;
    let len = u32::from_le_bytes(len) as usize;
    if rest.len() < len + 32 {
        return Err(SnapshotError::NotASnapshot);
    }
    let (hash, rest) = rest.split_at(len);
    let log_hash = std::str::from_utf8(hash)
        .map_err(|_| SnapshotError::NotASnapshot)?
        .to_owned();
    let (checksum, body) = rest.split_at(32);
    Ok((
        SnapshotHeader {
            format,
            position: u64::from_le_bytes(position),
            log_hash,
        },
        checksum,
        body,
    ))
}

fn take<const N: usize>(bytes: &[u8]) -> Result<([u8; N], &[u8]), SnapshotError> {
    if bytes.len() < N {
        return Err(SnapshotError::NotASnapshot);
    }
    let (head, rest) = bytes.split_at(N);
    let mut out = [0; N];
    out.copy_from_slice(head);
    Ok((out, rest))
}
