//! A copy of another log (a Kafka instance's) seeds the writer that takes a partition
//! over: where each partition's chain ends, every stream of the partition with its
//! version, and the recent idempotency records; nothing from a copy that cannot say.
#![allow(missing_docs, clippy::unwrap_used)]

use homeward_domain::{Actor, CountryCode, Role, StreamId, Timestamp};
use homeward_store::codec::StoredRecord;
use homeward_store::sqlite::MirrorEntry;
use homeward_store::{Idempotency, SqliteLog};
use uuid::Uuid;

fn record(code: &str, version: u64, at: i64) -> Vec<u8> {
    serde_json::to_vec(&StoredRecord::Event {
        event_id: Uuid::now_v7(),
        stream_id: StreamId::country(CountryCode::parse(code).unwrap()),
        version,
        event_type: "country.risk_level_set".into(),
        schema_version: 1,
        actor: Actor::new("dana", Role::DutyOfficer),
        occurred_at: Timestamp::from_microsecond(at).unwrap(),
        recorded_at: Timestamp::from_microsecond(at).unwrap(),
        correlation_id: Uuid::now_v7(),
        causation_id: Uuid::now_v7(),
        data: serde_json::json!({"level": 3, "reason": "unrest"}),
    })
    .unwrap()
}

fn entry(code: &str, version: u64, partition: i32, offset: i64, at: i64) -> MirrorEntry {
    MirrorEntry {
        record: record(code, version, at),
        partition,
        offset,
        idempotency: None,
        chain: Some((offset as u64 + 1, [offset as u8; 32])),
    }
}

const DAY: i64 = 86_400_000_000;

#[tokio::test]
async fn the_copy_knows_each_partitions_streams_chain_end_and_recent_idempotency_records() {
    let dir = tempfile::tempdir().unwrap();
    let log = SqliteLog::open(dir.path()).unwrap();
    let now = Timestamp::now().as_microsecond();
    let mut old = entry("LB", 1, 0, 0, now - 9 * DAY);
    old.idempotency = Some(Idempotency {
        scope: "dana:old".into(),
        request_hash: [1; 32],
        response: b"{\"version\":1}".to_vec(),
    });
    let mut recent = entry("LB", 2, 0, 2, now - DAY);
    recent.idempotency = Some(Idempotency {
        scope: "dana:recent".into(),
        request_hash: [2; 32],
        response: b"{\"version\":2}".to_vec(),
    });
    log.mirror(vec![
        old,
        entry("ML", 1, 1, 0, now - DAY),
        entry("SD", 1, 0, 1, now - DAY),
        recent,
    ])
    .await
    .unwrap();

    let seed = log
        .partition_seed(0, now - 7 * DAY)
        .await
        .unwrap()
        .expect("seed");
    assert_eq!(seed.next_offset, 3);
    assert_eq!((seed.seq, seed.hash), (3, [2; 32]));
    assert_eq!(seed.recorded_at, now - DAY);
    let mut versions = seed.versions.clone();
    versions.sort();
    assert_eq!(
        versions,
        vec![("country-LB".to_owned(), 2), ("country-SD".to_owned(), 1)]
    );
    assert_eq!(seed.idempotency.len(), 1, "only records of the last 7 days");
    assert_eq!(seed.idempotency[0].0, "dana:recent");
    assert_eq!(seed.idempotency[0].1, [2; 32]);
    assert_eq!(seed.idempotency[0].2, b"{\"version\":2}");

    let other = log.partition_seed(1, 0).await.unwrap().expect("seed");
    assert_eq!(other.versions, vec![("country-ML".to_owned(), 1)]);
    assert!(
        log.partition_seed(2, 0).await.unwrap().is_none(),
        "nothing copied"
    );
}

#[tokio::test]
async fn a_copy_made_by_an_older_build_or_without_chain_headers_seeds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let now = Timestamp::now().as_microsecond();
    {
        let log = SqliteLog::open(dir.path()).unwrap();
        let mut plain = entry("LB", 1, 0, 0, now);
        plain.chain = None;
        log.mirror(vec![plain, entry("LB", 2, 1, 0, now)])
            .await
            .unwrap();
    }
    // As an older build left it: the offsets table without the newer columns (they are
    // added when the log is opened, empty).
    {
        let conn =
            rusqlite::Connection::open(dir.path().join(homeward_store::sqlite::FILE_NAME)).unwrap();
        conn.execute_batch(
            "CREATE TABLE older (partition INTEGER PRIMARY KEY, next_offset INTEGER NOT NULL) STRICT;
             INSERT INTO older SELECT partition, next_offset FROM mirror_offsets;
             DROP TABLE mirror_offsets;
             ALTER TABLE older RENAME TO mirror_offsets;",
        )
        .unwrap();
    }
    let log = SqliteLog::open(dir.path()).unwrap();
    assert!(
        log.partition_seed(0, 0).await.unwrap().is_none(),
        "no chain end"
    );
    assert!(
        log.partition_seed(1, 0).await.unwrap().is_none(),
        "older copy"
    );
    // Copying goes on from where it was either way.
    log.mirror(vec![entry("LB", 3, 1, 1, now), entry("LB", 2, 1, 0, now)])
        .await
        .unwrap();
    assert_eq!(log.mirror_offsets().await.unwrap().get(&1), Some(&2));
    assert!(
        log.partition_seed(1, 0).await.unwrap().is_none(),
        "still older"
    );
}
