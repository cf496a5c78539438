//! What the writer of a partition decides, without I/O: its state (every stream's
//! version, the idempotency records, the hash chain, the turns), and what each request
//! or group of requests becomes (records to write and an outcome), the state moving on
//! as if they were written.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine;
use homeward_domain::{StreamId, Timestamp};
use homeward_store::chain;
use homeward_store::codec::StoredRecord;
use rdkafka::message::{Header, OwnedHeaders};

use crate::wire::{self, Outcome, Request};

/// What the writer of one partition knows.
#[derive(Debug, Default)]
pub(crate) struct PartitionState {
    pub(super) versions: HashMap<String, u64>,
    pub(super) idempotency: HashMap<String, (String, String)>,
    /// When each idempotency record was written (microseconds), oldest first.
    pub(super) idempotency_at: std::collections::VecDeque<(i64, String)>,
    pub(super) seq: u64,
    pub(super) hash: [u8; 32],
    pub(super) recorded_at: Option<Timestamp>,
    /// The assignment epoch this state was rebuilt under.
    pub(super) epoch: u64,
    /// Streams whose next write is kept for the instance that last lost a race on
    /// them, until it comes back or the moment passes (see [`TURN`]).
    pub(super) turns: HashMap<String, Turn>,
}

/// The next write of a stream, kept for one instance.
#[derive(Debug)]
pub(super) struct Turn {
    /// The instance (its `reply_to`).
    holder: String,
    /// Where it serves its API, if it said: the others are told, and send it the
    /// stream's commands (see `Outcome::Conflict::writer`).
    serves_at: Option<String>,
    until: std::time::Instant,
}

/// The instance asking for a group's write.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Asker<'a> {
    /// Its `reply_to`.
    pub(crate) instance: &'a str,
    /// Where it serves its API, if it said.
    pub(crate) serves_at: Option<&'a str>,
}

/// How long a stream's next write is kept for the instance that lost the last race on
/// it. Without it, the instance that just won knows the new state first and its next
/// small group arrives before the loser has folded the winner's events: the loser's
/// group, holding everything its callers sent meanwhile, loses again and again. With
/// it, the two take turns, each with a full group. Longer than a loser takes to fold
/// and decide again; short enough that a loser that died holds no one up for long.
pub(crate) const TURN: Duration = Duration::from_millis(250);

/// What one decision writes.
pub(super) enum Rec {
    /// A record of the events topic (in the request's partition): key, bytes, headers.
    Event(String, Vec<u8>, OwnedHeaders),
    /// A record of the keys topic: a stream's wrapped key, or its tombstone (`None`).
    Key(String, Option<Vec<u8>>),
}

pub(super) type Records = Vec<Rec>;

/// How long the sequencer remembers an idempotency record: a retry within this time
/// (seven days) has one effect. The events keep the record for good, and every
/// instance's copy answers older retries from it; the sequencer's memory stays bounded.
pub const IDEMPOTENCY_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

pub(super) fn remember(
    state: &mut PartitionState,
    scope: &str,
    hash: &str,
    response: &str,
    at: i64,
) {
    state
        .idempotency
        .insert(scope.to_owned(), (hash.to_owned(), response.to_owned()));
    state.idempotency_at.push_back((at, scope.to_owned()));
}

/// Forgets the idempotency records older than [`IDEMPOTENCY_RETENTION`].
pub(super) fn forget_expired(state: &mut PartitionState, now: i64) {
    let cutoff = now.saturating_sub(IDEMPOTENCY_RETENTION.as_micros() as i64);
    while let Some((at, _)) = state.idempotency_at.front()
        && *at < cutoff
    {
        if let Some((_, scope)) = state.idempotency_at.pop_front() {
            state.idempotency.remove(&scope);
        }
    }
}

/// What a group becomes: first checked whole against the state (versions chained from
/// one write to the next, idempotency keys), so that either every write is decided and
/// the state moves on, or nothing is written and the outcome names the write that could
/// not be done.
pub(super) fn decide_group(
    state: &mut PartitionState,
    items: &[Request],
    asker: Asker<'_>,
    now: Timestamp,
    instant: std::time::Instant,
) -> (Records, Outcome) {
    state.turns.retain(|_, turn| turn.until > instant);
    let mut versions: HashMap<&str, u64> = HashMap::new();
    let mut scopes: HashMap<&str, &str> = HashMap::new();
    for (index, item) in items.iter().enumerate() {
        let stop = |reason: Outcome| {
            (
                Vec::new(),
                Outcome::Stopped {
                    index,
                    reason: Box::new(reason),
                },
            )
        };
        match item {
            Request::Append {
                stream_id,
                expected_version,
                events,
                idempotency,
                ..
            } => {
                let actual = versions
                    .get(stream_id.as_str())
                    .copied()
                    .unwrap_or_else(|| {
                        state.versions.get(stream_id.as_str()).copied().unwrap_or(0)
                    });
                if let Some(idem) = idempotency {
                    if let Some((hash, response)) = state.idempotency.get(&idem.scope) {
                        return stop(if *hash == idem.request_hash {
                            Outcome::Duplicate {
                                response: response.clone(),
                            }
                        } else {
                            Outcome::KeyReused
                        });
                    }
                    // The same key twice in one group: the second is decided again
                    // once the first is written.
                    if scopes
                        .insert(idem.scope.as_str(), idem.request_hash.as_str())
                        .is_some()
                    {
                        return stop(Outcome::Conflict {
                            expected: *expected_version,
                            actual: *expected_version,
                            turn: false,
                            writer: None,
                        });
                    }
                }
                // After the idempotency checks: a request already written is answered
                // whoever has the turn.
                match state.turns.get(stream_id.as_str()) {
                    Some(turn) if turn.holder != asker.instance => {
                        return stop(Outcome::Conflict {
                            expected: *expected_version,
                            actual,
                            turn: true,
                            writer: turn.serves_at.clone(),
                        });
                    }
                    Some(_) => {
                        // The holder is back: its turn is used, whatever comes of it.
                        state.turns.remove(stream_id.as_str());
                    }
                    None => {}
                }
                if actual != *expected_version {
                    // A race lost to another write: the next write is this asker's.
                    state.turns.insert(
                        stream_id.to_string(),
                        Turn {
                            holder: asker.instance.to_owned(),
                            serves_at: asker.serves_at.map(str::to_owned),
                            until: instant + TURN,
                        },
                    );
                    return stop(Outcome::Conflict {
                        expected: *expected_version,
                        actual,
                        turn: false,
                        writer: None,
                    });
                }
                versions.insert(stream_id.as_str(), actual + events.len() as u64);
            }
            Request::Rejection { .. } => {}
            Request::Group { .. } => {
                return stop(Outcome::Invalid {
                    reason: "a group inside a group".into(),
                });
            }
        }
    }
    let mut records = Vec::new();
    let mut after = Vec::with_capacity(items.len());
    for item in items {
        let (mut written, outcome) = decide(state, item, now);
        records.append(&mut written);
        after.push(match outcome {
            Outcome::Appended { version, .. } => version,
            _ => 0,
        });
    }
    (
        records,
        Outcome::Group {
            partition: 0,
            offsets: Vec::new(),
            versions: after,
            seq: 0,
        },
    )
}

/// What a request becomes, given the partition's state and the clock's time (recorded
/// times never go backwards in a partition, whatever the clock says); the state moves
/// on as if the records were written (the transaction is aborted and the state rebuilt
/// otherwise).
pub(super) fn decide(
    state: &mut PartitionState,
    request: &Request,
    now: Timestamp,
) -> (Records, Outcome) {
    let now = now.max(state.recorded_at.unwrap_or(Timestamp::UNIX_EPOCH));
    match request {
        Request::Append {
            stream_id,
            expected_version,
            events,
            actor,
            correlation_id,
            causation_id,
            idempotency,
            new_key,
            ..
        } => {
            if let Some(idem) = idempotency
                && let Some((hash, response)) = state.idempotency.get(&idem.scope)
            {
                return if *hash == idem.request_hash {
                    (
                        Vec::new(),
                        Outcome::Duplicate {
                            response: response.clone(),
                        },
                    )
                } else {
                    (Vec::new(), Outcome::KeyReused)
                };
            }
            let actual = state.versions.get(stream_id.as_str()).copied().unwrap_or(0);
            if actual != *expected_version {
                return (
                    Vec::new(),
                    Outcome::Conflict {
                        expected: *expected_version,
                        actual,
                        turn: false,
                        writer: None,
                    },
                );
            }
            let mut records = Vec::new();
            let mut version = actual;
            for (i, e) in events.iter().enumerate() {
                version += 1;
                let record = StoredRecord::Event {
                    event_id: e.event_id,
                    stream_id: stream_id.clone(),
                    version,
                    event_type: e.event_type.clone(),
                    schema_version: e.schema_version,
                    actor: actor.clone(),
                    occurred_at: e.occurred_at,
                    recorded_at: now,
                    correlation_id: *correlation_id,
                    causation_id: *causation_id,
                    data: e.data.clone(),
                };
                let mut headers = chained(state, &record);
                if i + 1 == events.len()
                    && let Some(idem) = idempotency
                {
                    headers = headers
                        .insert(Header {
                            key: wire::H_IDEM_SCOPE,
                            value: Some(idem.scope.as_str()),
                        })
                        .insert(Header {
                            key: wire::H_IDEM_HASH,
                            value: Some(idem.request_hash.as_str()),
                        })
                        .insert(Header {
                            key: wire::H_IDEM_RESPONSE,
                            value: Some(idem.response.as_str()),
                        });
                    remember(
                        state,
                        &idem.scope,
                        &idem.request_hash,
                        &idem.response,
                        now.as_microsecond(),
                    );
                }
                records.push(Rec::Event(
                    stream_id.as_str().to_owned(),
                    encode(&record),
                    headers,
                ));
                if e.event_type == "person.erased" {
                    records.push(Rec::Key(stream_id.as_str().to_owned(), None));
                }
            }
            if let Some(wrapped) = new_key {
                records.insert(
                    0,
                    Rec::Key(stream_id.as_str().to_owned(), Some(unb64(wrapped))),
                );
            }
            state
                .versions
                .insert(stream_id.as_str().to_owned(), version);
            state.recorded_at = Some(now);
            (
                records,
                Outcome::Appended {
                    partition: 0,
                    offset: 0,
                    version,
                    seq: 0,
                },
            )
        }
        Request::Rejection {
            stream_id,
            command,
            code,
            reason,
            actor,
            correlation_id,
            request_id,
            ..
        } => {
            let record = StoredRecord::Rejection {
                entry_id: *request_id,
                stream_id: stream_id.clone(),
                command: command.clone(),
                code: code.clone(),
                reason: reason.clone(),
                actor: actor.clone(),
                recorded_at: now,
                correlation_id: *correlation_id,
            };
            let headers = chained(state, &record);
            state.recorded_at = Some(now);
            let key = stream_id
                .as_ref()
                .map(StreamId::to_string)
                .unwrap_or_default();
            (
                vec![Rec::Event(key, encode(&record), headers)],
                Outcome::Appended {
                    partition: 0,
                    offset: 0,
                    version: 0,
                    seq: 0,
                },
            )
        }
        Request::Group { .. } => (
            Vec::new(),
            Outcome::Invalid {
                reason: "a group is decided as a whole".into(),
            },
        ),
    }
}

pub(super) fn encode(record: &StoredRecord) -> Vec<u8> {
    serde_json::to_vec(record).unwrap_or_default()
}

/// Links a record into the partition's chain and returns its headers.
pub(super) fn chained(state: &mut PartitionState, record: &StoredRecord) -> OwnedHeaders {
    let bytes = encode(record);
    let seq = state.seq + 1;
    let hash = chain::link(&state.hash, seq, &bytes);
    let headers = OwnedHeaders::new()
        .insert(Header {
            key: wire::H_SEQ,
            value: Some(seq.to_string().as_str()),
        })
        .insert(Header {
            key: wire::H_HASH,
            value: Some(hex::encode(hash).as_str()),
        })
        .insert(Header {
            key: wire::H_PREV,
            value: Some(hex::encode(state.hash).as_str()),
        });
    state.seq = seq;
    state.hash = hash;
    headers
}

/// Base64 of a response, as it travels.
pub(crate) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Bytes of a base64 response.
pub(crate) fn unb64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap_or_default()
}
