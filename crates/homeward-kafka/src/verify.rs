//! Offline verification of the chains kept in the events topic: in every partition,
//! each record's headers name its sequence number, the previous hash and its hash,
//! and `hash = SHA-256(previous hash || sequence || record bytes)` must hold, with
//! sequence numbers gapless from 1.

use homeward_store::chain::{self, ChainBreak};
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{Headers, Message};
use rdkafka::{Offset, TopicPartitionList};

use crate::config::KafkaConfig;
use crate::wire;

/// What verification of one partition saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionChain {
    /// The partition.
    pub partition: i32,
    /// Entries checked.
    pub entries: u64,
    /// The last hash, hex.
    pub head: String,
}

/// Why a partition's chain does not hold.
#[derive(Debug, thiserror::Error)]
pub enum KafkaVerifyError {
    /// The cluster could not be read.
    #[error("cannot read the events topic: {0}")]
    Kafka(#[from] KafkaError),
    /// The events topic is missing (a namespace never used) or not ready.
    #[error("{0}")]
    Topic(#[from] homeward_store::StoreError),
    /// A link is broken.
    #[error("partition {partition}: {source}")]
    Broken {
        /// The partition.
        partition: i32,
        /// Where and what.
        source: ChainBreak,
    },
}

fn header<'a>(m: &'a rdkafka::message::BorrowedMessage<'_>, name: &str) -> Option<&'a str> {
    m.headers()?
        .iter()
        .find(|h| h.key == name)
        .and_then(|h| h.value)
        .and_then(|v| std::str::from_utf8(v).ok())
}

/// Verifies every partition's chain, reading committed records from the start.
pub async fn verify(cfg: &KafkaConfig) -> Result<Vec<PartitionChain>, KafkaVerifyError> {
    let consumer: StreamConsumer = cfg
        .client()
        .set("group.id", format!("{}verify", cfg.prefix))
        .set("enable.auto.commit", "false")
        .set("isolation.level", "read_committed")
        .set("enable.partition.eof", "true")
        .create()?;
    let topic = cfg.events_topic();
    let partitions = crate::partition_count(&consumer, &topic)?;
    let mut out = Vec::new();
    for p in 0..partitions {
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(&topic, p, Offset::Beginning)?;
        consumer.assign(&tpl)?;
        let mut prev = chain::GENESIS;
        let mut seq = 0u64;
        loop {
            let m = match consumer.recv().await {
                Ok(m) => m,
                Err(KafkaError::PartitionEOF(_)) => break,
                Err(e) => return Err(e.into()),
            };
            let broken = |what: String| KafkaVerifyError::Broken {
                partition: p,
                source: ChainBreak {
                    position: seq + 1,
                    what: format!("{what} (offset {})", m.offset()),
                },
            };
            let stated_seq: u64 = header(&m, wire::H_SEQ)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| broken("no sequence number".into()))?;
            if stated_seq != seq + 1 {
                return Err(broken(format!(
                    "sequence {stated_seq} follows {seq} (an entry was removed or reordered)"
                )));
            }
            if header(&m, wire::H_PREV) != Some(hex::encode(prev).as_str()) {
                return Err(broken(
                    "its previous hash does not match the entry before it".into(),
                ));
            }
            let computed = chain::link(&prev, stated_seq, m.payload().unwrap_or_default());
            if header(&m, wire::H_HASH) != Some(hex::encode(computed).as_str()) {
                return Err(broken(
                    "its bytes do not match its hash (the entry was altered)".into(),
                ));
            }
            prev = computed;
            seq = stated_seq;
        }
        out.push(PartitionChain {
            partition: p,
            entries: seq,
            head: hex::encode(prev),
        });
    }
    Ok(out)
}
