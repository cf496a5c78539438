//! Deciding requests: groups, chained records, recorded times, keys, idempotency retention.

use std::time::Instant;

use homeward_domain::{Actor, IncidentId, Role, StreamId, Timestamp};
use uuid::Uuid;

use super::decide::{Asker, PartitionState, TURN, decide_group};
use crate::wire::{IdempotencyWire, Outcome, ProposedWire, Request};

fn stream() -> StreamId {
    StreamId::incident(IncidentId(Uuid::from_u128(9)))
}

fn append(expected: u64, events: usize, key: Option<&str>) -> Request {
    Request::Append {
        request_id: Uuid::now_v7(),
        reply_to: "a".into(),
        stream_id: stream(),
        expected_version: expected,
        events: (0..events)
            .map(|_| ProposedWire {
                event_id: Uuid::now_v7(),
                event_type: "incident.report_filed".into(),
                schema_version: 1,
                occurred_at: Timestamp::UNIX_EPOCH,
                data: serde_json::json!({}),
            })
            .collect(),
        actor: Actor::new("wei", Role::DutyOfficer),
        correlation_id: Uuid::now_v7(),
        causation_id: Uuid::now_v7(),
        idempotency: key.map(|k| IdempotencyWire {
            scope: k.into(),
            request_hash: "ab".into(),
            response: "cmVzcG9uc2U=".into(),
        }),
        new_key: None,
    }
}

fn refusal() -> Request {
    Request::Rejection {
        request_id: Uuid::now_v7(),
        reply_to: "a".into(),
        stream_id: Some(stream()),
        command: "file_report".into(),
        code: "already_exists".into(),
        reason: "report already exists".into(),
        actor: Actor::new("wei", Role::DutyOfficer),
        correlation_id: Uuid::now_v7(),
    }
}

/// What `asker` (an instance's `reply_to`) gets for `items` at `at`.
/// Decides a group asked by the instance `asker`, which serves at `http://<asker>`.
fn decided(
    state: &mut PartitionState,
    items: &[Request],
    asker: &str,
    at: Instant,
) -> (super::decide::Records, Outcome) {
    let serves_at = format!("http://{asker}");
    let asker = Asker {
        instance: asker,
        serves_at: Some(&serves_at),
    };
    decide_group(state, items, asker, Timestamp::now(), at)
}

fn at_version(version: u64) -> PartitionState {
    let mut state = PartitionState::default();
    state.versions.insert(stream().as_str().to_owned(), version);
    state
}

#[test]
fn a_group_is_decided_write_after_write_and_chained_in_order() {
    let mut state = at_version(2);
    let (records, outcome) = decided(
        &mut state,
        &[append(2, 1, None), refusal(), append(3, 2, Some("k"))],
        "a",
        Instant::now(),
    );
    assert_eq!(records.len(), 4);
    let Outcome::Group { versions, .. } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(versions, vec![3, 0, 5]);
    assert_eq!(state.versions[stream().as_str()], 5);
    assert_eq!(state.seq, 4);
    assert!(state.idempotency.contains_key("k"));
}

#[test]
fn a_group_that_cannot_be_written_whole_writes_nothing() {
    let mut state = at_version(2);
    let (records, outcome) = decided(
        &mut state,
        &[append(2, 1, None), append(2, 1, None)],
        "a",
        Instant::now(),
    );
    assert!(records.is_empty());
    assert_eq!(
        outcome,
        Outcome::Stopped {
            index: 1,
            reason: Box::new(Outcome::Conflict {
                expected: 2,
                actual: 3,
                turn: false,
                writer: None,
            })
        }
    );
    assert_eq!(state.versions[stream().as_str()], 2);
    assert_eq!(state.seq, 0);

    let (_, _) = decided(&mut state, &[append(2, 1, Some("k"))], "a", Instant::now());
    let (records, outcome) = decided(&mut state, &[append(3, 1, Some("k"))], "a", Instant::now());
    assert!(records.is_empty());
    assert_eq!(
        outcome,
        Outcome::Stopped {
            index: 0,
            reason: Box::new(Outcome::Duplicate {
                response: "cmVzcG9uc2U=".into()
            })
        }
    );
}

#[test]
fn idempotency_records_older_than_the_retention_are_forgotten() {
    let mut state = at_version(0);
    super::remember(&mut state, "old", "ab", "cg==", 0);
    let now = super::IDEMPOTENCY_RETENTION.as_micros() as i64 + 10;
    super::remember(&mut state, "new", "ab", "cg==", now);
    super::forget_expired(&mut state, now);
    assert!(!state.idempotency.contains_key("old"));
    assert!(state.idempotency.contains_key("new"));
}

#[test]
fn recorded_times_follow_the_clock_given_and_never_go_back() {
    let recorded = |records: &super::decide::Records| -> Vec<Timestamp> {
        records
            .iter()
            .filter_map(|r| match r {
                super::Rec::Event(_, bytes, _) => Some(bytes),
                super::Rec::Key(..) => None,
            })
            .map(|bytes| match serde_json::from_slice(bytes).unwrap() {
                homeward_store::codec::StoredRecord::Event { recorded_at, .. } => recorded_at,
                other => panic!("{other:?}"),
            })
            .collect()
    };
    let mut state = at_version(0);
    let last_week: Timestamp = "2026-11-24T08:00:00Z".parse().unwrap();
    let (records, _) = super::decide(&mut state, &append(0, 2, None), last_week);
    assert_eq!(recorded(&records), vec![last_week, last_week]);
    let earlier: Timestamp = "2026-11-20T08:00:00Z".parse().unwrap();
    let (records, _) = super::decide(&mut state, &append(2, 1, None), earlier);
    assert_eq!(recorded(&records), vec![last_week]);
}

#[test]
fn a_new_key_and_an_erasure_write_to_the_keys_topic_with_their_events() {
    let person = StreamId::person(homeward_domain::PersonId(Uuid::from_u128(5)));
    let request = |expected, event_type: &str, new_key: Option<&str>| Request::Append {
        request_id: Uuid::now_v7(),
        reply_to: "a".into(),
        stream_id: person.clone(),
        expected_version: expected,
        events: vec![ProposedWire {
            event_id: Uuid::now_v7(),
            event_type: event_type.into(),
            schema_version: 1,
            occurred_at: Timestamp::UNIX_EPOCH,
            data: serde_json::json!({}),
        }],
        actor: Actor::new("wei", Role::DutyOfficer),
        correlation_id: Uuid::now_v7(),
        causation_id: Uuid::now_v7(),
        idempotency: None,
        new_key: new_key.map(str::to_owned),
    };
    let keys = |records: &super::decide::Records| -> Vec<(String, Option<Vec<u8>>)> {
        records
            .iter()
            .filter_map(|r| match r {
                super::Rec::Key(s, k) => Some((s.clone(), k.clone())),
                super::Rec::Event(..) => None,
            })
            .collect()
    };
    let mut state = PartitionState::default();
    let (records, _) = super::decide(
        &mut state,
        &request(0, "person.registered", Some("a2V5")),
        Timestamp::now(),
    );
    assert_eq!(
        keys(&records),
        vec![(person.to_string(), Some(b"key".to_vec()))]
    );
    assert_eq!(records.len(), 2);
    // A request that loses the race for the new stream writes no key.
    let (records, outcome) = super::decide(
        &mut state,
        &request(0, "person.registered", Some("b3RoZXI=")),
        Timestamp::now(),
    );
    assert!(records.is_empty(), "{outcome:?}");
    let (records, _) = super::decide(
        &mut state,
        &request(1, "person.erased", None),
        Timestamp::now(),
    );
    assert_eq!(keys(&records), vec![(person.to_string(), None)]);
}

#[test]
fn the_instance_that_lost_a_race_has_the_next_write_of_the_stream() {
    let mut state = at_version(2);
    let t0 = Instant::now();
    let group = |expected| [append(expected, 1, None)];
    // "a" writes (with a key); "b", which decided against version 2 too, loses the race.
    let (_, outcome) = decided(&mut state, &[append(2, 1, Some("k1"))], "a", t0);
    assert!(matches!(outcome, Outcome::Group { .. }), "{outcome:?}");
    let (records, outcome) = decided(&mut state, &group(2), "b", t0);
    assert!(records.is_empty());
    let lost = Outcome::Stopped {
        index: 0,
        reason: Box::new(Outcome::Conflict {
            expected: 2,
            actual: 3,
            turn: false,
            writer: None,
        }),
    };
    assert_eq!(outcome, lost);
    // A retry of what "a" already wrote is answered whoever has the turn.
    let (_, outcome) = decided(&mut state, &[append(2, 1, Some("k1"))], "a", t0);
    assert!(
        matches!(&outcome, Outcome::Stopped { reason, .. }
            if matches!(**reason, Outcome::Duplicate { .. })),
        "{outcome:?}"
    );
    // "a" comes again at once with a group decided on the new state: it waits its turn,
    // and is told where "b" serves.
    let (records, outcome) = decided(&mut state, &group(3), "a", t0);
    assert!(records.is_empty());
    assert_eq!(
        outcome,
        Outcome::Stopped {
            index: 0,
            reason: Box::new(Outcome::Conflict {
                expected: 3,
                actual: 3,
                turn: true,
                writer: Some("http://b".into()),
            }),
        }
    );
    assert_eq!(state.versions[stream().as_str()], 3);
    // "b" comes back and writes; the turn is used, so "a" writes after it.
    let (_, outcome) = decided(&mut state, &group(3), "b", t0);
    assert!(matches!(outcome, Outcome::Group { .. }), "{outcome:?}");
    let (_, outcome) = decided(&mut state, &group(4), "a", t0);
    assert!(matches!(outcome, Outcome::Group { .. }), "{outcome:?}");
    assert_eq!(state.versions[stream().as_str()], 5);

    // A loser that never comes back holds the stream only for the turn's length.
    let (_, outcome) = decided(&mut state, &group(4), "b", t0);
    assert!(matches!(&outcome, Outcome::Stopped { .. }), "{outcome:?}");
    let (_, outcome) = decided(&mut state, &group(5), "a", t0);
    assert!(
        matches!(&outcome, Outcome::Stopped { reason, .. }
            if matches!(**reason, Outcome::Conflict { turn: true, .. })),
        "{outcome:?}"
    );
    let later = t0 + TURN + std::time::Duration::from_millis(1);
    let (_, outcome) = decided(&mut state, &group(5), "a", later);
    assert!(matches!(outcome, Outcome::Group { .. }), "{outcome:?}");
    assert_eq!(state.versions[stream().as_str()], 6);
}
