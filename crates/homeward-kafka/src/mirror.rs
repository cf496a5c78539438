//! Every instance's local copy of the events topic.
//!
//! A read-committed consumer of every partition copies each committed record, in the
//! order it arrives, into the instance's embedded log, with the source offset stored
//! in the same SQLite transaction: after a crash the copy resumes exactly where it
//! stopped, nothing twice, nothing skipped. The projections, the audit queries and
//! time travel read this copy, so every instance serves the whole picture.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt;
use homeward_store::Idempotency;
use homeward_store::SqliteLog;
use homeward_store::sqlite::MirrorEntry;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{Headers, Message, OwnedMessage};
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::watch;

use crate::config::KafkaConfig;
use crate::keys::Keys;
use crate::sequencer::unb64;
use crate::wire;
use homeward_store::seal;

/// How far the copy got: the last offset copied per partition, and the local position
/// after it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Copied {
    /// Last offset copied, per partition.
    pub offsets: HashMap<i32, i64>,
    /// Partitions whose end (of committed records) the copy has reached at least once.
    pub reached_end: std::collections::HashSet<i32>,
    /// The chain sequence number of the last record copied, per partition.
    pub seqs: HashMap<i32, u64>,
}

fn header<'a>(m: &'a OwnedMessage, name: &str) -> Option<&'a [u8]> {
    m.headers()?
        .iter()
        .find(|h| h.key == name)
        .and_then(|h| h.value)
}

fn entry(m: &OwnedMessage) -> Option<MirrorEntry> {
    let record = m.payload()?.to_vec();
    let idempotency = match (
        header(m, wire::H_IDEM_SCOPE),
        header(m, wire::H_IDEM_HASH),
        header(m, wire::H_IDEM_RESPONSE),
    ) {
        (Some(scope), Some(hash), Some(response)) => {
            let hash = hex::decode(hash).ok()?.try_into().ok()?;
            Some(Idempotency {
                scope: String::from_utf8_lossy(scope).into_owned(),
                request_hash: hash,
                response: unb64(&String::from_utf8_lossy(response)),
            })
        }
        _ => None,
    };
    let chain = wire::chain_of(m);
    Some(MirrorEntry {
        record,
        partition: m.partition(),
        offset: m.offset(),
        idempotency,
        chain,
    })
}

/// Copies committed records into `local` until the process ends.
pub(crate) async fn run(
    cfg: Arc<KafkaConfig>,
    local: Arc<SqliteLog>,
    keys: Arc<Keys>,
    copied: watch::Sender<Copied>,
) {
    loop {
        if let Err(e) = copy(&cfg, &local, &keys, &copied).await {
            tracing::warn!(error = %e, "copying the events topic failed; resuming");
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

/// The stream and type of a stored record, enough to know whether it is sealed.
#[derive(serde::Deserialize)]
struct Peek {
    stream_id: Option<String>,
    #[serde(rename = "type")]
    event_type: Option<String>,
}

/// The stream of `entry` when it is sealed with a key this instance does not hold (nor
/// destroyed).
fn needs_key(keys: &Keys, entry: &MirrorEntry) -> Option<String> {
    let Ok(Peek {
        stream_id: Some(stream),
        event_type: Some(event_type),
    }) = serde_json::from_slice::<Peek>(&entry.record)
    else {
        return None;
    };
    (seal::applies(&stream, &event_type)
        && keys.ring().get(&stream).is_none()
        && !keys.ring().was_destroyed(&stream))
    .then_some(stream)
}

async fn copy(
    cfg: &KafkaConfig,
    local: &SqliteLog,
    keys: &Keys,
    copied: &watch::Sender<Copied>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let consumer: StreamConsumer = cfg
        .client()
        .set(
            "group.id",
            format!("{}mirror-{}", cfg.prefix, cfg.instance_id),
        )
        .set("enable.auto.commit", "false")
        .set("isolation.level", "read_committed")
        .set("fetch.wait.max.ms", "5")
        .set("enable.partition.eof", "true")
        .create()?;
    let topic = cfg.events_topic();
    let partitions = crate::partition_count(&consumer, &topic)?;
    let next = local.mirror_offsets().await?;
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions {
        let offset = next
            .get(&p)
            .map_or(Offset::Beginning, |o| Offset::Offset(*o));
        tpl.add_partition_offset(&topic, p, offset)?;
    }
    consumer.assign(&tpl)?;
    loop {
        let first = match consumer.recv().await {
            Ok(m) => m.detach(),
            Err(KafkaError::PartitionEOF(p)) => {
                copied.send_modify(|c| {
                    c.reached_end.insert(p);
                });
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let received = Instant::now();
        let mut batch = vec![first];
        let mut ended = Vec::new();
        // Whatever else has arrived already, without waiting for more.
        while batch.len() < 2000 {
            match consumer.recv().now_or_never() {
                Some(Ok(m)) => batch.push(m.detach()),
                Some(Err(KafkaError::PartitionEOF(p))) => {
                    ended.push(p);
                    break;
                }
                Some(Err(e)) => return Err(e.into()),
                None => break,
            }
        }
        let entries: Vec<MirrorEntry> = batch.iter().filter_map(entry).collect();
        // A key is committed with the first event sealed with it: the follower holds it
        // within moments, or, once it has read everything committed when this batch
        // arrived, the key was erased.
        let missing: Vec<String> = entries.iter().filter_map(|e| needs_key(keys, e)).collect();
        if !missing.is_empty() {
            keys.hold(&missing, received).await?;
        }
        local.mirror(entries).await?;
        copied.send_modify(|c| {
            c.reached_end.extend(ended.iter().copied());
            for m in &batch {
                let last = c.offsets.entry(m.partition()).or_insert(-1);
                *last = (*last).max(m.offset());
                if let Some((seq, _)) = wire::chain_of(m) {
                    let last = c.seqs.entry(m.partition()).or_insert(0);
                    *last = (*last).max(seq);
                }
            }
        });
    }
}
