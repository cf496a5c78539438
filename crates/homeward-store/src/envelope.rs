//! What the log stores: events in their envelope, rejected commands, and the shapes of
//! append requests and audit queries.

use homeward_domain::{Actor, DomainEvent, StreamId, Timestamp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An event the service wants to append.
#[derive(Debug, Clone)]
pub struct ProposedEvent {
    /// A fresh unique id.
    pub event_id: Uuid,
    /// The domain event.
    pub event: DomainEvent,
    /// When it happened in the field.
    pub occurred_at: Timestamp,
}

/// The stored idempotency record of a request.
#[derive(Debug, Clone)]
pub struct Idempotency {
    /// The caller's subject and key, joined: keys of different callers never collide.
    pub scope: String,
    /// SHA-256 of the request (method, path and body).
    pub request_hash: [u8; 32],
    /// The response to give again on a retry.
    pub response: Vec<u8>,
}

/// A conditional append to one stream.
#[derive(Debug, Clone)]
pub struct AppendRequest {
    /// The stream.
    pub stream_id: StreamId,
    /// The version the stream must be at (0: the stream must not exist yet).
    pub expected_version: u64,
    /// The events, in order.
    pub events: Vec<ProposedEvent>,
    /// Who caused them.
    pub actor: Actor,
    /// The request or workflow these events belong to.
    pub correlation_id: Uuid,
    /// What caused them: the command's id, or the event that triggered a reaction.
    pub causation_id: Uuid,
    /// Stored with the events, atomically.
    pub idempotency: Option<Idempotency>,
}

/// What an append did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppendOutcome {
    /// The events are durable.
    Appended {
        /// The log position of the last event written.
        last_position: u64,
        /// The stream's version after the append.
        version: u64,
    },
    /// The same request was seen before; here is what it answered.
    Duplicate {
        /// The stored response.
        response: Vec<u8>,
    },
}

/// One write of a group: what one command of a stream's queue leaves to write.
#[derive(Debug, Clone)]
pub enum GroupWrite {
    /// Its events, conditional on the version the previous write left.
    Append(AppendRequest),
    /// Its refusal, for the audit trail.
    Reject(RejectionRequest),
}

/// What a group of writes did: all of them, or none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupOutcome {
    /// Every write is durable: the log position of each (its last event, or the
    /// refusal) and, for an append, the stream's version after it. A backend whose own
    /// log takes a write in only after it is durable elsewhere (Kafka: the instance's
    /// copy) may answer before then with position 0 for the appends: their versions
    /// tell when this instance holds them.
    Written(Vec<(u64, Option<u64>)>),
    /// Nothing was written: the write at `index` cannot be done as asked.
    Stopped {
        /// Its index in the group.
        index: usize,
        /// Why.
        reason: GroupStop,
    },
}

/// Why a write stopped its group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupStop {
    /// The same request was seen before; here is what it answered.
    Duplicate(Vec<u8>),
    /// The stream is at another version.
    Conflict {
        /// What the write expected.
        expected: u64,
        /// Where the stream is.
        actual: u64,
    },
    /// The idempotency key was used before with a different request.
    KeyReused,
    /// Nothing is wrong with the write, but the stream's next write is kept for
    /// another instance, which lost the last race on it: decide again once its write
    /// is folded (or after a moment, if it never comes).
    Turn {
        /// Where the stream is.
        actual: u64,
        /// Where the instance that has the turn serves its API, if it said: the
        /// stream's commands are better sent there while it writes the stream.
        writer: Option<String>,
    },
}

/// A rejected command for the audit trail.
#[derive(Debug, Clone)]
pub struct RejectionRequest {
    /// The stream the command was for, if any.
    pub stream_id: Option<StreamId>,
    /// The command's stable name.
    pub command: String,
    /// The rejection's stable code.
    pub code: String,
    /// The rejection in words.
    pub reason: String,
    /// Who sent the command.
    pub actor: Actor,
    /// The request's correlation id.
    pub correlation_id: Uuid,
}

/// An event as stored, in its envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedEvent {
    /// Where it sits in the log (gapless from 1 in the embedded backend).
    pub position: u64,
    /// Unique id.
    pub event_id: Uuid,
    /// Its stream.
    pub stream_id: StreamId,
    /// Its version within the stream (gapless from 1).
    pub version: u64,
    /// Stable wire name.
    pub event_type: String,
    /// The schema version it was written with (the payload is upcast on read).
    pub schema_version: u32,
    /// Who caused it.
    pub actor: Actor,
    /// When it happened in the field.
    pub occurred_at: Timestamp,
    /// When the log stored it.
    pub recorded_at: Timestamp,
    /// The request or workflow it belongs to.
    pub correlation_id: Uuid,
    /// What caused it.
    pub causation_id: Uuid,
    /// The payload, upcast to the current schema.
    pub event: DomainEvent,
}

/// A rejected command as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRejection {
    /// Where it sits in the log.
    pub position: u64,
    /// Unique id of the entry.
    pub entry_id: Uuid,
    /// The stream the command was for, if any.
    pub stream_id: Option<StreamId>,
    /// The command's stable name.
    pub command: String,
    /// The rejection's stable code.
    pub code: String,
    /// The rejection in words.
    pub reason: String,
    /// Who sent it.
    pub actor: Actor,
    /// When the log stored it.
    pub recorded_at: Timestamp,
    /// The request's correlation id.
    pub correlation_id: Uuid,
}

/// One entry of the log.
#[derive(Debug, Clone, PartialEq)]
pub enum LogEntry {
    /// An event.
    Event(Box<RecordedEvent>),
    /// A rejected command.
    Rejection(Box<RecordedRejection>),
}

impl LogEntry {
    /// The entry's position.
    pub fn position(&self) -> u64 {
        match self {
            Self::Event(e) => e.position,
            Self::Rejection(r) => r.position,
        }
    }

    /// When the log stored it.
    pub fn recorded_at(&self) -> Timestamp {
        match self {
            Self::Event(e) => e.recorded_at,
            Self::Rejection(r) => r.recorded_at,
        }
    }
}

/// Filters for the audit trail.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only this stream.
    pub stream_id: Option<String>,
    /// Only this actor subject.
    pub actor: Option<String>,
    /// Recorded at or after.
    pub from: Option<Timestamp>,
    /// Recorded at or before.
    pub to: Option<Timestamp>,
    /// Only entries after this position (for paging).
    pub after: Option<u64>,
    /// At most this many (capped by the backend).
    pub limit: usize,
}

/// One audit entry with its place in the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRow {
    /// Its position.
    pub position: u64,
    /// The stored entry, decoded.
    pub entry: LogEntry,
    /// SHA-256 of the previous entry's hash, the position and the stored bytes, hex.
    pub hash: String,
    /// The previous entry's hash, hex.
    pub prev_hash: String,
}
