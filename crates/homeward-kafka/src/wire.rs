//! What travels on the topics besides events: append requests, their results, and the
//! headers that carry each event's place in its partition's hash chain.

use homeward_domain::{Actor, StreamId, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// Header: the entry's sequence number within its partition's chain (decimal).
pub const H_SEQ: &str = "homeward-seq";
/// Header: the entry's chain hash (hex).
pub const H_HASH: &str = "homeward-hash";
/// A record's place in its partition's chain, from its [`H_SEQ`] and [`H_HASH`]
/// headers (none when either is missing or unreadable).
pub fn chain_of(m: &rdkafka::message::OwnedMessage) -> Option<(u64, [u8; 32])> {
    use rdkafka::message::{Headers, Message};
    let headers = m.headers()?;
    let value = |name: &str| {
        headers
            .iter()
            .find(|h| h.key == name)
            .and_then(|h| h.value)
            .and_then(|v| std::str::from_utf8(v).ok())
    };
    let seq = value(H_SEQ)?.parse().ok()?;
    let hash = hex::decode(value(H_HASH)?).ok()?.try_into().ok()?;
    Some((seq, hash))
}

/// Header: the previous entry's chain hash (hex).
pub const H_PREV: &str = "homeward-prev-hash";
/// Header: the idempotency scope stored with the last event of an append.
pub const H_IDEM_SCOPE: &str = "homeward-idempotency-scope";
/// Header: the request hash of that idempotency record (hex).
pub const H_IDEM_HASH: &str = "homeward-idempotency-hash";
/// Header: the response of that idempotency record (base64).
pub const H_IDEM_RESPONSE: &str = "homeward-idempotency-response";

/// One event proposed by an instance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProposedWire {
    /// Its id.
    pub event_id: Uuid,
    /// Wire name.
    #[serde(rename = "type")]
    pub event_type: String,
    /// Schema version.
    pub schema_version: u32,
    /// When it happened in the field.
    pub occurred_at: Timestamp,
    /// The payload.
    pub data: Value,
}

/// An idempotency record travelling with an append.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdempotencyWire {
    /// Caller's subject and key.
    pub scope: String,
    /// Request hash, hex.
    pub request_hash: String,
    /// Response, base64.
    pub response: String,
}

/// What an instance asks the partition's sequencer to write.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Request {
    /// A conditional append.
    Append {
        /// Matches the result to the waiting caller.
        request_id: Uuid,
        /// The instance waiting for the result.
        reply_to: String,
        /// The stream.
        stream_id: StreamId,
        /// The version the stream must be at.
        expected_version: u64,
        /// The events.
        events: Vec<ProposedWire>,
        /// Who caused them.
        actor: Actor,
        /// Correlation id.
        correlation_id: Uuid,
        /// Causation id.
        causation_id: Uuid,
        /// Stored with the events.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        idempotency: Option<IdempotencyWire>,
        /// The stream's new personal data key, wrapped by the KEK (base64): written to
        /// the keys topic in the same transaction as the events sealed with it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        new_key: Option<String>,
    },
    /// A refused command for the audit chain.
    Rejection {
        /// Matches the result to the waiting caller.
        request_id: Uuid,
        /// The instance waiting for the result.
        reply_to: String,
        /// The stream the command was for.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stream_id: Option<StreamId>,
        /// The command.
        command: String,
        /// The refusal's code.
        code: String,
        /// The refusal in words.
        reason: String,
        /// Who sent it.
        actor: Actor,
        /// Correlation id.
        correlation_id: Uuid,
    },
    /// The appends and refusals of one stream's queue, in order: written together in
    /// one transaction, or none of them.
    Group {
        /// Matches the result to the waiting caller.
        request_id: Uuid,
        /// The instance waiting for the result.
        reply_to: String,
        /// The writes (appends and rejections; their own ids name refusal entries).
        items: Vec<Request>,
        /// Where the asking instance serves its API: another instance refused for
        /// this one's turn on the stream is told, and sends the stream's commands here.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        serves_at: Option<String>,
    },
}

impl Request {
    /// The request's id.
    pub fn request_id(&self) -> Uuid {
        match self {
            Self::Append { request_id, .. }
            | Self::Rejection { request_id, .. }
            | Self::Group { request_id, .. } => *request_id,
        }
    }

    /// Who waits for the result.
    pub fn reply_to(&self) -> &str {
        match self {
            Self::Append { reply_to, .. }
            | Self::Rejection { reply_to, .. }
            | Self::Group { reply_to, .. } => reply_to,
        }
    }
}

/// What the sequencer did with a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Written and committed: the last record's partition and offset (-1 when the
    /// answer was sent with the records, see `seq`).
    Appended {
        /// Partition.
        partition: i32,
        /// Offset of the last record written.
        offset: i64,
        /// The stream's version after the append (0 for a rejection entry).
        version: u64,
        /// The chain sequence number of the last record written: the requester waits
        /// for its copy to hold it (the offset is not known before the records are
        /// delivered, and the answer travels with them). 0 from older sequencers.
        #[serde(default)]
        seq: u64,
    },
    /// The same request was seen before; its response.
    Duplicate {
        /// Base64 of the stored response.
        response: String,
    },
    /// The stream is at another version, or (`turn`) its next write is kept for the
    /// instance that lost the last race on it.
    Conflict {
        /// Expected.
        expected: u64,
        /// Actual.
        actual: u64,
        /// The write was refused only because another instance has its turn.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        turn: bool,
        /// With `turn`: where the instance that has it serves its API, if it said.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        writer: Option<String>,
    },
    /// The idempotency key was used for another request.
    KeyReused,
    /// A group was written: the partition, and the offset of each write's last record
    /// (-1 when sent with the records) with the stream's version after it (0 for a
    /// refusal).
    Group {
        /// Partition.
        partition: i32,
        /// Offset of each write's last record.
        offsets: Vec<i64>,
        /// The stream's version after each write.
        versions: Vec<u64>,
        /// The chain sequence number of the group's last record.
        #[serde(default)]
        seq: u64,
    },
    /// Nothing of a group was written: the write at `index` could not be done.
    Stopped {
        /// Its index in the group.
        index: usize,
        /// What it would have been alone (duplicate, conflict, reused key).
        reason: Box<Outcome>,
    },
    /// The request could not be read.
    Invalid {
        /// Why.
        reason: String,
    },
}

/// A result, addressed to the waiting instance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reply {
    /// The request.
    pub request_id: Uuid,
    /// The instance.
    pub reply_to: String,
    /// What happened.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// Told by an instance to every other (on the results topic, which each reads whole):
/// its read models have folded the erasure of `erasure_folded`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErasureFolded {
    /// The erased stream.
    pub erasure_folded: String,
    /// The instance that folded it.
    pub instance: String,
}

/// The partition of a topic with `partitions` partitions that a record keyed `key`
/// goes to: the partitioner of Kafka's Java client and of librdkafka's
/// `murmur2_random` (what this crate's producers use), `murmur2(key) & 0x7fffffff`
/// modulo the partition count. A stream's requests, events and writer all follow it.
pub fn partition_of(key: &[u8], partitions: i32) -> i32 {
    (murmur2(key) & 0x7fff_ffff) as i32 % partitions.max(1)
}

/// Kafka's MurmurHash2 (seed `0x9747b28c`), as its clients compute it.
fn murmur2(data: &[u8]) -> u32 {
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let mut h: u32 = 0x9747_b28c ^ data.len() as u32;
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        for (i, b) in rest.iter().enumerate().rev() {
            h ^= u32::from(*b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur2_is_kafkas() {
        // The vectors of Kafka's own `UtilsTest.testMurmur2`.
        let cases: [(&[u8], i32); 6] = [
            (b"21", -973_932_308),
            (b"foobar", -790_332_482),
            (b"a-little-bit-long-string", -985_981_536),
            (b"a-little-bit-longer-string", -1_486_304_829),
            (
                b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58_897_971,
            ),
            (b"abc", 479_470_107),
        ];
        for (data, expected) in cases {
            assert_eq!(
                murmur2(data) as i32,
                expected,
                "{}",
                String::from_utf8_lossy(data)
            );
        }
    }

    #[test]
    fn partitions_are_in_range() {
        for n in 0..1000 {
            let p = partition_of(format!("incident-{n}").as_bytes(), 12);
            assert!((0..12).contains(&p));
        }
        assert_eq!(partition_of(b"anything", 1), 0);
    }
}
