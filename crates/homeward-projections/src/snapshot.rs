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
//! **Bump [`FORMAT`] whenever a read model's stored shape changes** (a field added,
//! removed, renamed or retyped in any type under [`Projections`], including the
//! domain states of `streams`). A snapshot of another format is never read: the
//! service folds the log from zero instead and writes a new snapshot. Nothing is lost
//! by a bump but one slow start.

use sha2::{Digest, Sha256};

use crate::Projections;

/// The stored shape of the read models. See the module documentation.
pub const FORMAT: u32 = 2;

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
}

/// Encodes the read models at their position, with the chain hash (hex) of the log
/// entry at that position.
pub fn encode(projections: &Projections, log_hash: &str) -> Result<Vec<u8>, SnapshotError> {
    let body =
        rmp_serde::to_vec_named(projections).map_err(|e| SnapshotError::Encode(e.to_string()))?;
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

/// Decodes a snapshot, checking its format and checksum. The caller still has to check
/// [`SnapshotHeader::log_hash`] against its log.
pub fn decode(bytes: &[u8]) -> Result<(SnapshotHeader, Projections), SnapshotError> {
    let (header, checksum, body) = split(bytes)?;
    if Sha256::digest(body).as_slice() != checksum {
        return Err(SnapshotError::Checksum);
    }
    let projections: Projections =
        rmp_serde::from_slice(body).map_err(|e| SnapshotError::Decode(e.to_string()))?;
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
