//! A copy of another log (a Kafka instance's) takes an erasure in as the source wrote
//! it: the person's key is destroyed in the copy's keyring in the same step, before
//! anything folds the erasure, and a key read again after it is not taken back.
#![allow(missing_docs, clippy::unwrap_used)]

use homeward_domain::{Actor, PersonId, Role, StreamId, Timestamp};
use homeward_store::SqliteLog;
use homeward_store::codec::StoredRecord;
use homeward_store::sqlite::MirrorEntry;
use uuid::Uuid;

#[tokio::test]
async fn a_copied_erasure_destroys_the_key_as_it_is_taken_in_and_for_good() {
    let dir = tempfile::tempdir().unwrap();
    let log = SqliteLog::open(dir.path()).unwrap();
    let stream = StreamId::person(PersonId(Uuid::now_v7()));
    let ring = log.keyring();
    ring.insert(stream.as_str(), [7; 32]);
    assert!(ring.get(stream.as_str()).is_some());

    let erased = StoredRecord::Event {
        event_id: Uuid::now_v7(),
        stream_id: stream.clone(),
        version: 2,
        event_type: "person.erased".into(),
        schema_version: 1,
        actor: Actor::new("root", Role::Admin),
        occurred_at: Timestamp::now(),
        recorded_at: Timestamp::now(),
        correlation_id: Uuid::now_v7(),
        causation_id: Uuid::now_v7(),
        data: serde_json::json!({"reason": "asked to be forgotten"}),
    };
    log.mirror(vec![MirrorEntry {
        record: serde_json::to_vec(&erased).unwrap(),
        partition: 0,
        offset: 0,
        idempotency: None,
        chain: None,
    }])
    .await
    .unwrap();
    assert!(
        ring.get(stream.as_str()).is_none(),
        "destroyed with the copy"
    );
    assert!(ring.was_destroyed(stream.as_str()));

    // The keys topic may still hand the key out (not compacted away yet): it is not kept.
    ring.insert(stream.as_str(), [7; 32]);
    assert!(ring.get(stream.as_str()).is_none());
}
