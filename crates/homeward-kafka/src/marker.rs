//! What a namespace is: the topics already under its prefix (an exercise is copied only
//! into an unused namespace), and the exercise marker, one record in a compacted topic
//! of its own that every instance of an exercise copy reads at start.

use std::time::Duration;

use homeward_store::StoreError;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};

use crate::config::KafkaConfig;

const TIMEOUT: Duration = Duration::from_secs(30);
const KEY: &str = "exercise";

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

/// The topics of the cluster whose names start with the namespace's prefix.
pub async fn topics_in_use(cfg: &KafkaConfig) -> Result<Vec<String>, StoreError> {
    let cfg = cfg.clone();
    tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = cfg.client().create().map_err(unavailable)?;
        let metadata = consumer
            .fetch_metadata(None, TIMEOUT)
            .map_err(unavailable)?;
        let mut used: Vec<String> = metadata
            .topics()
            .iter()
            .map(|t| t.name().to_owned())
            .filter(|name| name.starts_with(&cfg.prefix))
            .collect();
        used.sort();
        Ok(used)
    })
    .await
    .map_err(unavailable)?
}

/// Writes the exercise marker (the bytes of `exercise.json`) into its topic, durably.
pub async fn write_exercise(cfg: &KafkaConfig, marker: &[u8]) -> Result<(), StoreError> {
    let admin: AdminClient<DefaultClientContext> = cfg.client().create().map_err(unavailable)?;
    let topic = cfg.exercise_topic();
    let (replication, min_isr) = crate::replication(cfg, &admin)?;
    let created = admin
        .create_topics(
            &[
                NewTopic::new(&topic, 1, TopicReplication::Fixed(replication))
                    .set("cleanup.policy", "compact")
                    .set("min.insync.replicas", min_isr),
            ],
            &AdminOptions::new().operation_timeout(Some(TIMEOUT)),
        )
        .await
        .map_err(unavailable)?;
    for result in created {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((topic, code)) => {
                return Err(StoreError::Unavailable(format!(
                    "cannot create topic {topic}: {code}"
                )));
            }
        }
    }
    let producer: FutureProducer = cfg
        .client()
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("message.timeout.ms", "30000")
        .create()
        .map_err(unavailable)?;
    producer
        .send(FutureRecord::to(&topic).key(KEY).payload(marker), TIMEOUT)
        .await
        .map_err(|(e, _)| unavailable(e))?;
    Ok(())
}

/// The exercise marker of the namespace, if it is an exercise copy.
pub async fn read_exercise(cfg: &KafkaConfig) -> Result<Option<Vec<u8>>, StoreError> {
    let topic = cfg.exercise_topic();
    if !topics_in_use(cfg).await?.contains(&topic) {
        return Ok(None);
    }
    let cfg = cfg.clone();
    tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = cfg
            .client()
            .set("enable.auto.commit", "false")
            .set("group.id", format!("{}exercise-reader", cfg.prefix))
            .create()
            .map_err(unavailable)?;
        let (low, high) = consumer
            .fetch_watermarks(&topic, 0, TIMEOUT)
            .map_err(unavailable)?;
        if high <= low {
            return Ok(None);
        }
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(&topic, 0, Offset::Offset(high - 1))
            .map_err(unavailable)?;
        consumer.assign(&tpl).map_err(unavailable)?;
        let deadline = std::time::Instant::now() + TIMEOUT;
        while std::time::Instant::now() < deadline {
            match consumer.poll(Duration::from_millis(500)) {
                Some(Ok(m)) => return Ok(m.payload().map(<[u8]>::to_vec)),
                Some(Err(e)) => return Err(unavailable(e)),
                None => {}
            }
        }
        Err(StoreError::Unavailable(format!(
            "cannot read the exercise marker from {topic}"
        )))
    })
    .await
    .map_err(unavailable)?
}
