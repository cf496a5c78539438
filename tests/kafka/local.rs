//! A stream's partition, and the requests of the partitions an instance writes itself:
//! decided by its own sequencer in process, never through the appends topic.

use std::sync::Arc;
use std::time::Duration;

use homeward_domain::incident::{IncidentEvent, ReportCategory, ReportFiled};
use homeward_domain::{Actor, DomainEvent, IncidentId, ReportId, Role, StreamId, Timestamp};
use homeward_kafka::{KafkaConfig, KafkaLog, wire};
use homeward_store::{AppendOutcome, AppendRequest, EventLog, Idempotency, ProposedEvent};
use rdkafka::producer::{FutureProducer, FutureRecord};
use uuid::Uuid;

use crate::support::Cluster;

/// The partitions of a test topic.
const PARTITIONS: i32 = 12;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the Kafka broker that ops/test.sh starts"]
async fn a_streams_partition_is_the_one_librdkafka_gives_its_key() -> anyhow::Result<()> {
    use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
    use rdkafka::client::DefaultClientContext;

    let cluster = Cluster::single()?;
    let topic = format!("{}keys-and-partitions", cluster.prefix);
    let admin: AdminClient<DefaultClientContext> = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &cluster.brokers)
        .create()?;
    admin
        .create_topics(
            &[NewTopic::new(
                &topic,
                PARTITIONS,
                TopicReplication::Fixed(1),
            )],
            &AdminOptions::new().operation_timeout(Some(Duration::from_secs(30))),
        )
        .await?;
    // What the instances' producers used before they named each request's partition.
    let producer: FutureProducer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &cluster.brokers)
        .set("partitioner", "murmur2_random")
        .create()?;
    let mut seen = std::collections::HashSet::new();
    for n in 0..200u128 {
        let key = StreamId::incident(IncidentId(Uuid::from_u128(n * 7919))).to_string();
        let delivery = producer
            .send(
                FutureRecord::to(&topic).key(&key).payload("x"),
                Duration::from_secs(30),
            )
            .await
            .map_err(|(e, _)| e)?;
        let partition = delivery.partition;
        assert_eq!(
            partition,
            wire::partition_of(key.as_bytes(), PARTITIONS),
            "{key}"
        );
        seen.insert(partition);
    }
    assert_eq!(
        seen.len(),
        PARTITIONS as usize,
        "every partition was chosen"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the Kafka broker that ops/test.sh starts"]
async fn the_requests_of_the_partitions_an_instance_writes_are_answered_in_process()
-> anyhow::Result<()> {
    let cluster = Cluster::single()?;
    let dir = tempfile::tempdir()?;
    let cfg = KafkaConfig {
        brokers: cluster.brokers.clone(),
        prefix: cluster.prefix.clone(),
        partitions: PARTITIONS,
        replication: 0,
        instance_id: homeward_kafka::instance_id(dir.path())?,
        erasure_window: homeward_kafka::config::ERASURE_WINDOW,
        kek: None,
    };
    let log = KafkaLog::connect(cfg, dir.path()).await?;
    anyhow::ensure!(
        log.writer_ready(Duration::from_secs(120)).await,
        "the sequencer did not join its group"
    );
    // The only instance writes every partition: after the first request of each
    // (which fences nothing yet, so it goes through the topic), its own are decided
    // in process.
    let streams: Vec<StreamId> = (1..=48u128)
        .map(|n| StreamId::incident(IncidentId(Uuid::from_u128(n))))
        .collect();
    let mut tasks = Vec::new();
    for stream in &streams {
        let (log, stream) = (Arc::clone(&log), stream.clone());
        tasks.push(tokio::spawn(async move {
            let mut versions = Vec::new();
            for v in 0..4u64 {
                match log.append(report(&stream, v, None)).await? {
                    AppendOutcome::Appended { version, .. } => versions.push(version),
                    other => anyhow::bail!("{other:?}"),
                }
            }
            anyhow::Ok(versions)
        }));
    }
    for task in tasks {
        assert_eq!(task.await??, vec![1, 2, 3, 4]);
    }
    let here = log.answered_here();
    assert!(here >= 96, "only {here} of 192 answered in process");

    // The same rules hold in process: a wrong version conflicts, a retry has one effect.
    let stream = &streams[0];
    let wrong = log.append(report(stream, 2, None)).await;
    assert!(
        matches!(
            wrong,
            Err(homeward_store::StoreError::Conflict {
                expected: 2,
                actual: 4,
                ..
            })
        ),
        "{wrong:?}"
    );
    let key = Some(("it:retry".to_owned(), [9u8; 32]));
    let first = log.append(report(stream, 4, key.clone())).await?;
    let again = log.append(report(stream, 5, key)).await?;
    assert!(
        matches!(first, AppendOutcome::Appended { version: 5, .. }),
        "{first:?}"
    );
    assert!(
        matches!(again, AppendOutcome::Duplicate { .. }),
        "{again:?}"
    );
    let events = log.read_stream(stream.to_string()).await?;
    assert_eq!(
        events.iter().map(|e| e.version).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );
    assert!(log.answered_here() > here);
    Ok(())
}

fn report(stream: &StreamId, expected: u64, key: Option<(String, [u8; 32])>) -> AppendRequest {
    AppendRequest {
        stream_id: stream.clone(),
        expected_version: expected,
        events: vec![ProposedEvent {
            event_id: Uuid::now_v7(),
            event: DomainEvent::Incident(IncidentEvent::ReportFiled(ReportFiled {
                report_id: ReportId(Uuid::now_v7()),
                text: format!("Roll call {expected}"),
                category: ReportCategory::Contact,
                place: None,
                lat: None,
                lon: None,
            })),
            occurred_at: Timestamp::now(),
        }],
        actor: Actor::new("it", Role::FieldOfficer),
        correlation_id: Uuid::now_v7(),
        causation_id: Uuid::now_v7(),
        idempotency: key.map(|(scope, request_hash)| Idempotency {
            scope,
            request_hash,
            response: b"{}".to_vec(),
        }),
    }
}
