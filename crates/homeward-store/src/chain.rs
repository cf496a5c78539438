//! The tamper-evident chain over every log entry.
//!
//! `hash(n) = SHA-256(hash(n-1) || n as 8 big-endian bytes || stored bytes of entry n)`,
//! with 32 zero bytes before the first entry. Changing, removing or reordering any
//! stored entry breaks every hash from that entry on; [`verify`] finds the first break.

use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: [u8; 32] = [0; 32];

/// The hash of entry `position` whose stored bytes are `record`, after `prev`.
pub fn link(prev: &[u8; 32], position: u64, record: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(position.to_be_bytes());
    h.update(record);
    h.finalize().into()
}

/// One stored row as `verify` sees it.
#[derive(Debug, Clone)]
pub struct ChainRow {
    /// The stored position.
    pub position: u64,
    /// The stored entry bytes.
    pub record: Vec<u8>,
    /// The stored previous hash.
    pub prev_hash: Vec<u8>,
    /// The stored hash.
    pub hash: Vec<u8>,
}

/// The first place where the chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit chain broken at position {position}: {what}")]
pub struct ChainBreak {
    /// The first entry that does not verify.
    pub position: u64,
    /// What is wrong with it.
    pub what: String,
}

/// What a successful verification saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Entries checked.
    pub entries: u64,
    /// The hash of the last entry, hex: anchor it elsewhere to detect truncation.
    pub head: String,
}

/// Walks rows in position order and checks every link. `extra` checks each row's other
/// stored columns against its record (a backend's indexed copies of the record).
pub fn verify<I, F>(rows: I, mut extra: F) -> Result<Verified, ChainBreak>
where
    I: IntoIterator<Item = Result<ChainRow, ChainBreak>>,
    F: FnMut(&ChainRow) -> Result<(), String>,
{
    let mut prev = GENESIS;
    let mut expected_position = 1u64;
    for row in rows {
        let row = row?;
        let at = |what: String| ChainBreak {
            position: expected_position,
            what,
        };
        if row.position != expected_position {
            return Err(at(format!(
                "expected position {expected_position}, found {} (an entry was removed or reordered)",
                row.position
            )));
        }
        if row.prev_hash.as_slice() != prev.as_slice() {
            return Err(at(
                "its previous hash does not match the entry before it".into()
            ));
        }
        let computed = link(&prev, row.position, &row.record);
        if row.hash.as_slice() != computed.as_slice() {
            return Err(at(
                "its stored bytes do not match its hash (the entry was altered)".into(),
            ));
        }
        extra(&row).map_err(at)?;
        prev = computed;
        expected_position += 1;
    }
    Ok(Verified {
        entries: expected_position - 1,
        head: hex::encode(prev),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(records: &[&[u8]]) -> Vec<ChainRow> {
        let mut prev = GENESIS;
        records
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let position = i as u64 + 1;
                let hash = link(&prev, position, r);
                let row = ChainRow {
                    position,
                    record: r.to_vec(),
                    prev_hash: prev.to_vec(),
                    hash: hash.to_vec(),
                };
                prev = hash;
                row
            })
            .collect()
    }

    fn check(rows: Vec<ChainRow>) -> Result<Verified, ChainBreak> {
        verify(rows.into_iter().map(Ok), |_| Ok(()))
    }

    #[test]
    fn an_intact_chain_verifies() {
        let v = check(chain(&[b"a", b"b", b"c"])).expect("intact");
        assert_eq!(v.entries, 3);
    }

    #[test]
    fn an_altered_byte_is_found() {
        let mut rows = chain(&[b"a", b"b", b"c"]);
        rows[1].record = b"B".to_vec();
        assert_eq!(check(rows).map_err(|e| e.position), Err(2));
    }

    #[test]
    fn a_removed_entry_is_found() {
        let mut rows = chain(&[b"a", b"b", b"c"]);
        rows.remove(1);
        assert_eq!(check(rows).map_err(|e| e.position), Err(2));
    }

    #[test]
    fn reordered_entries_are_found() {
        let mut rows = chain(&[b"a", b"b", b"c"]);
        rows.swap(1, 2);
        rows[1].position = 2;
        rows[2].position = 3;
        assert_eq!(check(rows).map_err(|e| e.position), Err(2));
    }
}
