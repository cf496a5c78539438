//! Per-person keys on Kafka: the compacted topic `NAME.keys` holds one record per
//! person (their key wrapped by the key-encryption key, which never goes to Kafka), a
//! tombstone once they are erased, and a check value of the KEK. A key is written by
//! the sequencer in the same transaction as the first event sealed with it, its
//! tombstone in the same transaction as `person.erased`. Every instance follows the
//! topic into the keyring its copy opens sealed data with, in memory only; the copy of
//! an event sealed with a key not followed yet waits until the follower has read
//! everything committed before it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use homeward_store::StoreError;
use homeward_store::keystore::{Kek, KekFile, KeyError};
use homeward_store::seal::{Key, Keyring};
use rdkafka::consumer::{BaseConsumer, Consumer, StreamConsumer};
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::watch;

use crate::config::KafkaConfig;

/// The record key of the KEK's check value.
pub const CHECK_KEY: &str = "__kek-check";
/// The record key of the barriers readers write to know they have read everything
/// committed before (compaction keeps the last one).
pub const BARRIER_KEY: &str = "__barrier";
const TIMEOUT: Duration = Duration::from_secs(30);

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

/// How far the follower got.
#[derive(Debug, Clone, Default)]
struct Followed {
    /// The next offset to read, per partition.
    next: HashMap<i32, i64>,
    /// A key that cannot be used: the KEK is not this deployment's.
    failed: Option<String>,
    /// When the follower last read everything committed before that moment.
    caught_up_at: Option<Instant>,
    /// The last barriers it read (see [`Keys::catch_up`]).
    barriers: std::collections::VecDeque<Vec<u8>>,
}

/// This instance's view of the keys topic.
pub struct Keys {
    cfg: Arc<KafkaConfig>,
    ring: Arc<Keyring>,
    kek: Arc<Kek>,
    followed: watch::Receiver<Followed>,
    caught_up: watch::Sender<Followed>,
    producer: FutureProducer,
    /// The task that follows the keys topic.
    follower: tokio::task::AbortHandle,
}

impl Keys {
    /// The KEK in `file`, checked against the deployment's check value in the keys
    /// topic (for a new deployment: the file is created if missing and its check value
    /// written). A wrong or missing KEK is refused here, before anything is served.
    pub async fn open_kek(cfg: &KafkaConfig, file: &KekFile) -> Result<Kek, StoreError> {
        let nonce = Keyring::default().nonce();
        Ok(match (file.read()?, read_check(cfg).await?) {
            (Some(kek), Some(check)) => {
                if !kek.opens_check(&check) {
                    return Err(KeyError::WrongKek(kek.origin().to_owned()).into());
                }
                kek
            }
            (Some(kek), None) => {
                write_check(cfg, &kek, nonce).await?;
                kek
            }
            (None, None) => {
                let kek = file.create()?;
                write_check(cfg, &kek, nonce).await?;
                kek
            }
            (None, Some(_)) => {
                return Err(KeyError::MissingKek(file.path.display().to_string()).into());
            }
        })
    }

    /// Follows the keys topic into `ring` with `kek`, and returns once it has read
    /// every key committed before now.
    pub async fn follow(
        cfg: Arc<KafkaConfig>,
        kek: Kek,
        ring: Arc<Keyring>,
    ) -> Result<Arc<Self>, StoreError> {
        let kek = Arc::new(kek);
        let (tx, followed) = watch::channel(Followed::default());
        let producer: FutureProducer = cfg
            .client()
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .create()
            .map_err(unavailable)?;
        let follower = tokio::spawn(follow(
            Arc::clone(&cfg),
            Arc::clone(&ring),
            Arc::clone(&kek),
            tx.clone(),
        ))
        .abort_handle();
        let keys = Arc::new(Self {
            cfg,
            ring,
            kek,
            followed,
            caught_up: tx,
            producer,
            follower,
        });
        keys.catch_up().await?;
        if let Some(why) = keys.followed.borrow().failed.clone() {
            return Err(StoreError::Keys(KeyError::Store(why)));
        }
        Ok(keys)
    }

    /// Stops following the keys topic.
    pub(crate) fn stop(&self) {
        self.follower.abort();
    }

    /// The KEK new keys are wrapped with.
    pub fn kek(&self) -> &Kek {
        &self.kek
    }

    /// The keys followed so far.
    pub fn ring(&self) -> &Arc<Keyring> {
        &self.ring
    }

    /// Waits until every key committed before now has been read. A barrier record is
    /// written to the (single-partition) topic and waited for: a read-committed reader
    /// gets it only after every transaction committed before it. (Comparing the
    /// reader's position with the high watermark does not work: a transaction's commit
    /// marker takes an offset that is never delivered.)
    pub async fn catch_up(&self) -> Result<(), StoreError> {
        let asked = Instant::now();
        let topic = self.cfg.keys_topic();
        let id = uuid::Uuid::now_v7().as_bytes().to_vec();
        self.producer
            .send(
                FutureRecord::to(&topic).key(BARRIER_KEY).payload(&id),
                TIMEOUT,
            )
            .await
            .map_err(|(e, _)| unavailable(e))?;
        let mut rx = self.followed.clone();
        let reached = tokio::time::timeout(
            TIMEOUT,
            rx.wait_for(|f| f.failed.is_some() || f.barriers.contains(&id)),
        )
        .await
        // The guard `wait_for` returns is let go here, before the channel is written.
        .is_ok_and(|r| r.is_ok());
        if !reached {
            return Err(StoreError::Unavailable(format!(
                "the keys topic {topic} could not be read to its end in time"
            )));
        }
        self.caught_up.send_modify(|f| f.caught_up_at = Some(asked));
        Ok(())
    }

    /// Waits until the keys of `streams` are held (or were destroyed here): a key is
    /// committed with the first event sealed with it, so the follower normally reads it
    /// within moments of the event. When it does not (the key was erased and compacted
    /// away), waits until every key committed before `received` has been read.
    pub async fn hold(&self, streams: &[String], received: Instant) -> Result<(), StoreError> {
        let held = |ring: &Keyring| {
            streams
                .iter()
                .all(|s| ring.get(s).is_some() || ring.was_destroyed(s))
        };
        let mut rx = self.followed.clone();
        let arrived =
            tokio::time::timeout(Duration::from_secs(2), rx.wait_for(|_| held(&self.ring)))
                .await
                .is_ok_and(|r| r.is_ok());
        if arrived {
            return Ok(());
        }
        self.caught_up_since(received).await
    }

    /// Waits, when it may matter, until every key committed before `received` has been
    /// read: the copy calls this before it keeps an event sealed with a key it does not
    /// hold.
    pub async fn caught_up_since(&self, received: Instant) -> Result<(), StoreError> {
        let fresh = self
            .followed
            .borrow()
            .caught_up_at
            .is_some_and(|at| at >= received);
        if fresh { Ok(()) } else { self.catch_up().await }
    }
}

/// Reads the check value of the KEK from the keys topic, if one was written: it is the
/// first record of a deployment's topic, so the read stops at it, or at the end.
async fn read_check(cfg: &KafkaConfig) -> Result<Option<Vec<u8>>, StoreError> {
    let cfg = cfg.clone();
    tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = cfg
            .client()
            .set("group.id", format!("{}keys-check", cfg.prefix))
            .set("enable.auto.commit", "false")
            .set("isolation.level", "read_committed")
            .set("enable.partition.eof", "true")
            .create()
            .map_err(unavailable)?;
        let topic = cfg.keys_topic();
        // A topic just created takes a moment to elect its leader.
        let mut attempts = 0;
        let high = loop {
            match consumer.fetch_watermarks(&topic, 0, TIMEOUT) {
                Ok((_, high)) => break high,
                Err(e) if attempts < 60 => {
                    attempts += 1;
                    tracing::debug!(error = %e, "keys topic not ready yet");
                    std::thread::sleep(Duration::from_millis(500));
                }
                Err(e) => return Err(unavailable(e)),
            }
        };
        if high == 0 {
            return Ok(None);
        }
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(&topic, 0, Offset::Beginning)
            .map_err(unavailable)?;
        consumer.assign(&tpl).map_err(unavailable)?;
        let deadline = Instant::now() + 4 * TIMEOUT;
        while Instant::now() < deadline {
            match consumer.poll(Duration::from_millis(200)) {
                Some(Ok(m)) if m.key() == Some(CHECK_KEY.as_bytes()) => {
                    return Ok(m.payload().map(<[u8]>::to_vec));
                }
                Some(Err(rdkafka::error::KafkaError::PartitionEOF(_))) => return Ok(None),
                Some(Ok(_)) | None => {}
                Some(Err(e)) => return Err(unavailable(e)),
            }
        }
        Err(StoreError::Unavailable(format!(
            "the keys topic {topic} could not be read in time"
        )))
    })
    .await
    .map_err(unavailable)?
}

async fn write_check(cfg: &KafkaConfig, kek: &Kek, nonce: [u8; 24]) -> Result<(), StoreError> {
    let producer: FutureProducer = cfg
        .client()
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .create()
        .map_err(unavailable)?;
    let check = kek.check_value(nonce);
    producer
        .send(
            FutureRecord::to(&cfg.keys_topic())
                .key(CHECK_KEY)
                .payload(&check),
            TIMEOUT,
        )
        .await
        .map_err(|(e, _)| unavailable(e))?;
    Ok(())
}

/// Follows the keys topic from its start into `ring` until the process ends.
async fn follow(
    cfg: Arc<KafkaConfig>,
    ring: Arc<Keyring>,
    kek: Arc<Kek>,
    followed: watch::Sender<Followed>,
) {
    loop {
        if let Err(e) = follow_once(&cfg, &ring, &kek, &followed).await {
            tracing::warn!(error = %e, "following the keys topic failed; resuming");
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

async fn follow_once(
    cfg: &KafkaConfig,
    ring: &Keyring,
    kek: &Kek,
    followed: &watch::Sender<Followed>,
) -> Result<(), rdkafka::error::KafkaError> {
    let consumer: StreamConsumer = cfg
        .client()
        .set(
            "group.id",
            format!("{}keys-{}", cfg.prefix, cfg.instance_id),
        )
        .set("enable.auto.commit", "false")
        .set("isolation.level", "read_committed")
        .set("fetch.wait.max.ms", "5")
        .create()?;
    // The topic has one partition (Homeward creates it so): no metadata request, which
    // would block the runtime's thread while a broker is away.
    let topic = cfg.keys_topic();
    let mut tpl = TopicPartitionList::new();
    let at = followed
        .borrow()
        .next
        .get(&0)
        .map_or(Offset::Beginning, |o| Offset::Offset(*o));
    tpl.add_partition_offset(&topic, 0, at)?;
    consumer.assign(&tpl)?;
    loop {
        match tokio::time::timeout(Duration::from_millis(100), consumer.recv()).await {
            Ok(Ok(m)) => apply(ring, kek, &m, followed),
            // A broker away, a leader moving: the client recovers by itself.
            Ok(Err(e)) => tracing::debug!(error = %e, "reading the keys topic"),
            Err(_) => {}
        }
        if let Ok(position) = consumer.position() {
            let next: HashMap<i32, i64> = position
                .elements_for_topic(&topic)
                .iter()
                .filter_map(|e| match e.offset() {
                    Offset::Offset(o) => Some((e.partition(), o)),
                    _ => None,
                })
                .collect();
            followed.send_if_modified(|f| {
                let mut changed = false;
                for (p, o) in &next {
                    let at = f.next.entry(*p).or_insert(0);
                    if *o > *at {
                        *at = *o;
                        changed = true;
                    }
                }
                changed
            });
        }
    }
}

fn apply(
    ring: &Keyring,
    kek: &Kek,
    m: &rdkafka::message::BorrowedMessage<'_>,
    followed: &watch::Sender<Followed>,
) {
    let Some(stream) = m.key().and_then(|k| std::str::from_utf8(k).ok()) else {
        return;
    };
    if stream == BARRIER_KEY {
        if let Some(id) = m.payload() {
            followed.send_modify(|f| {
                f.barriers.push_back(id.to_vec());
                if f.barriers.len() > 256 {
                    f.barriers.pop_front();
                }
            });
        }
        return;
    }
    if stream == CHECK_KEY {
        if !m.payload().is_some_and(|c| kek.opens_check(c)) {
            followed.send_modify(|f| {
                f.failed = Some(format!(
                    "the key-encryption key {} is not this deployment's",
                    kek.origin()
                ));
            });
        }
        return;
    }
    match m.payload() {
        None => ring.destroy(stream),
        Some(wrapped) => match kek
            .unwrap(stream, wrapped)
            .and_then(|k| <Key>::try_from(k.as_slice()).ok())
        {
            Some(key) => ring.insert(stream, key),
            None => {
                tracing::error!(
                    stream,
                    "a key of the keys topic does not open with this instance's key-encryption key"
                );
                followed.send_modify(|f| {
                    f.failed = Some(format!("the stored key of {stream} does not open"));
                });
            }
        },
    }
}
