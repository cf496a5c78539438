//! The Apache Kafka backend of Homeward's event log.
//!
//! Events are records of the events topic, keyed by stream id, so a stream's events
//! keep their order within one partition; the topic is kept forever. Kafka alone does
//! not give a conditional append, so each partition has a single writer, the
//! [`sequencer`]: instances send append requests to the appends topic (same key, so
//! the same partition number), the consumer group gives each partition to one
//! instance, and that instance checks expected versions and idempotency keys and
//! writes events, results and its consumer progress in one transaction (fenced by the
//! group's generation). Every instance copies the committed events into its own
//! embedded log ([`mirror`]) and serves reads, projections, the live board and the
//! audit trail from that copy. An append is acknowledged once the transaction
//! committed (acks=all, min.insync.replicas) and this instance's copy has it. A
//! request of a partition this instance's own sequencer writes is handed to it in
//! process rather than through the appends topic (see [`sequencer`]).

pub mod config;
mod erasure;
pub mod keys;
pub mod marker;
pub mod mirror;
pub mod sequencer;
pub mod verify;
pub mod wire;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use homeward_store::codec::encode_event;
use homeward_store::keystore::KekFile;
use homeward_store::seal;
use homeward_store::sqlite::RecordClock;
use homeward_store::{
    AppendOutcome, AppendRequest, AuditQuery, AuditRow, EventLog, GroupOutcome, GroupStop,
    GroupWrite, LogEntry, RecordedEvent, RejectionRequest, SqliteLog, StoreError,
};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::{oneshot, watch};
use uuid::Uuid;

pub use config::KafkaConfig;
use mirror::Copied;
use wire::{IdempotencyWire, Outcome, ProposedWire, Reply, Request};

/// How long an append waits for its sequencer's answer.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// What an append without its sequencer's answer says.
const UNANSWERED: &str = "no answer from the stream's sequencer in time; the request may have taken effect, retry it with the same Idempotency-Key";

type Pending = Arc<Mutex<HashMap<Uuid, oneshot::Sender<Outcome>>>>;

/// The Kafka event log of one instance.
pub struct KafkaLog {
    cfg: Arc<KafkaConfig>,
    local: Arc<SqliteLog>,
    producer: FutureProducer,
    pending: Pending,
    copied: watch::Receiver<Copied>,
    keys: Arc<keys::Keys>,
    /// How many partitions this instance's sequencer writes; none before it joined its
    /// group (see [`KafkaLog::writer_ready`], [`KafkaLog::partitions_written`]).
    writer: watch::Receiver<Option<usize>>,
    /// The erasures other instances said they folded.
    folded: watch::Receiver<erasure::Folded>,
    /// Where this instance serves its API, once it does (see [`EventLog::serving_at`]).
    serves_at: std::sync::OnceLock<String>,
    /// This instance's own sequencer, for the requests of the partitions it writes.
    sequencer: sequencer::Local,
    /// How many partitions the appends and events topics have: a stream's partition is
    /// [`wire::partition_of`] its id.
    partitions: i32,
    /// How many requests this instance's own sequencer answered in process.
    answered_here: std::sync::atomic::AtomicU64,
    /// The tasks of this instance: result listener, copier, sequencer.
    tasks: [tokio::task::AbortHandle; 3],
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

/// This instance's stable name, kept in its data directory.
pub fn instance_id(data_dir: &Path) -> Result<String, StoreError> {
    std::fs::create_dir_all(data_dir)?;
    let path = data_dir.join("instance-id");
    match std::fs::read_to_string(&path) {
        Ok(id) if !id.trim().is_empty() => Ok(id.trim().to_owned()),
        _ => {
            let id = Uuid::now_v7().simple().to_string();
            std::fs::write(&path, &id)?;
            Ok(id)
        }
    }
}

impl KafkaLog {
    /// Creates the topics if they are missing, opens the local copy in `data_dir`,
    /// and starts this instance's sequencer, copier and result listener.
    pub async fn connect(cfg: KafkaConfig, data_dir: &Path) -> Result<Arc<Self>, StoreError> {
        Self::connect_with_clock(cfg, data_dir, Arc::new(homeward_domain::Timestamp::now)).await
    }

    /// As [`KafkaLog::connect`], with another source of the times this instance's
    /// sequencer records (an exercise's clock; recorded times never go backwards in a
    /// partition, whatever it says).
    pub async fn connect_with_clock(
        cfg: KafkaConfig,
        data_dir: &Path,
        clock: RecordClock,
    ) -> Result<Arc<Self>, StoreError> {
        let cfg = Arc::new(cfg);
        create_topics(&cfg).await?;
        let producer: FutureProducer = cfg
            .client()
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("partitioner", "murmur2_random")
            .set("linger.ms", "0")
            .set("message.timeout.ms", "30000")
            .create()
            .map_err(unavailable)?;
        let pending: Pending = Arc::default();
        // New topics take a moment to elect their leaders.
        let mut attempts = 0;
        let listener = loop {
            match results_listener(&cfg).await {
                Ok(l) => break l,
                Err(e) if attempts < 60 => {
                    attempts += 1;
                    tracing::debug!(error = %e, "topics not ready yet");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => return Err(e),
            }
        };
        // A stream's partition is computed here (`wire::partition_of`), from the count
        // the cluster gives, on the listener's client rather than one of its own.
        let partitions = partition_count(&listener, &cfg.appends_topic())?;
        // The deployment's KEK first: a wrong one stops the start before anything else.
        let kek_file = match &cfg.kek {
            Some(path) => KekFile { path: path.clone() },
            None => KekFile::in_dir(data_dir),
        };
        let kek = keys::Keys::open_kek(&cfg, &kek_file).await?;
        let local = Arc::new(SqliteLog::open_with_kek(data_dir, kek_file)?);
        let keys = keys::Keys::follow(Arc::clone(&cfg), kek, local.keyring()).await?;
        let (folded_tx, folded) = watch::channel(erasure::Folded::default());
        let listening = tokio::spawn(listen(
            listener,
            cfg.instance_id.clone(),
            Arc::clone(&pending),
            folded_tx,
        ))
        .abort_handle();
        let (copied_tx, copied) = watch::channel(Copied::default());
        let copying = tokio::spawn(mirror::run(
            Arc::clone(&cfg),
            Arc::clone(&local),
            Arc::clone(&keys),
            copied_tx,
        ))
        .abort_handle();
        let (writer_tx, writer) = watch::channel(None);
        let (sequencer, asked) = sequencer::Local::new();
        let writing = tokio::spawn(sequencer::run(
            Arc::clone(&cfg),
            clock,
            Arc::clone(&local),
            writer_tx,
            asked,
        ))
        .abort_handle();
        Ok(Arc::new(Self {
            cfg,
            local,
            producer,
            pending,
            copied,
            keys,
            writer,
            folded,
            serves_at: std::sync::OnceLock::new(),
            sequencer,
            partitions,
            answered_here: Default::default(),
            tasks: [listening, copying, writing],
        }))
    }

    /// Waits, at most `limit`, until this instance's sequencer has initialised its
    /// transactions and been given its first assignment by the group; says whether it
    /// was. Until then, appends wait for whichever member owns their partition (on a new
    /// cluster, whose coordinators are still being made, that can be long): `serve`
    /// waits for this before it takes requests.
    pub async fn writer_ready(&self, limit: Duration) -> bool {
        let mut rx = self.writer.clone();
        tokio::time::timeout(limit, rx.wait_for(Option::is_some))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// The deployment's topics (see [`KafkaConfig::topics`]).
    pub fn topics(&self) -> [String; 5] {
        self.cfg.topics()
    }

    /// Stops this instance's sequencer (leaving its partitions to the others), its copy
    /// and its listeners, for a process that runs several instances one after another
    /// (the bench). What is written stays written; the instance answers no more appends.
    pub fn close(&self) {
        for task in &self.tasks {
            task.abort();
        }
        self.keys.stop();
    }

    /// How many of this instance's requests its own sequencer decided in process, the
    /// stream's partition being one it writes (the others went through the appends
    /// topic).
    pub fn answered_here(&self) -> u64 {
        self.answered_here
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How many partitions this instance's sequencer writes now (none before it joined
    /// its group, and between a revocation and the next assignment).
    pub fn partitions_written(&self) -> usize {
        self.writer.borrow().unwrap_or(0)
    }

    /// Waits until the local copy holds every committed record of the topic as of now
    /// (for a clean start: the read models then show everything).
    pub async fn catch_up(&self) -> Result<(), StoreError> {
        let consumer: StreamConsumer = self.cfg.client().create().map_err(unavailable)?;
        let partitions = partition_count(&consumer, &self.cfg.events_topic())?;
        // The copy says when it reached the end of the committed records of each
        // partition (transaction markers and aborted records are never copied, so
        // offsets alone cannot say it).
        let mut rx = self.copied.clone();
        let all = partitions.max(0) as usize;
        let caught_up = tokio::time::timeout(
            Duration::from_secs(120),
            rx.wait_for(|c| c.reached_end.len() >= all),
        )
        .await;
        if caught_up.is_err() {
            tracing::warn!("the copy of the events topic is still catching up; serving meanwhile");
        }
        Ok(())
    }

    async fn request(&self, key: &str, request: Request) -> Result<Outcome, StoreError> {
        let partition = wire::partition_of(key.as_bytes(), self.partitions);
        // This instance writes the partition: no round trips through the topics.
        let request = if self.sequencer.writes(partition) {
            let started = std::time::Instant::now();
            match tokio::time::timeout(ANSWER_TIMEOUT, self.sequencer.ask(partition, request)).await
            {
                Ok(Some(sequencer::LocalAnswer::Decided(outcome))) => {
                    self.answered_here
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    tracing::debug!(
                        answered_us = started.elapsed().as_micros() as u64,
                        "append request answered here"
                    );
                    return Ok(outcome);
                }
                Ok(Some(sequencer::LocalAnswer::Elsewhere(request))) => request,
                _ => return Err(StoreError::Unavailable(UNANSWERED.into())),
            }
        } else {
            request
        };
        let id = request.request_id();
        let (tx, rx) = oneshot::channel();
        self.pending
            .lock()
            .map_err(|_| StoreError::Closed)?
            .insert(id, tx);
        let bytes = serde_json::to_vec(&request)?;
        let started = std::time::Instant::now();
        let sent = self
            .producer
            .send(
                FutureRecord::to(&self.cfg.appends_topic())
                    .partition(partition)
                    .key(key)
                    .payload(&bytes),
                ANSWER_TIMEOUT,
            )
            .await;
        if let Err((e, _)) = sent {
            self.forget(id);
            return Err(unavailable(e));
        }
        let produced = started.elapsed();
        match tokio::time::timeout(ANSWER_TIMEOUT, rx).await {
            Ok(Ok(outcome)) => {
                tracing::debug!(
                    produced_us = produced.as_micros() as u64,
                    answered_us = started.elapsed().as_micros() as u64,
                    "append request answered"
                );
                Ok(outcome)
            }
            _ => {
                self.forget(id);
                Err(StoreError::Unavailable(UNANSWERED.into()))
            }
        }
    }

    /// The keys personal data is sealed and opened with (those followed from the keys
    /// topic), for snapshots.
    pub fn keyring(&self) -> Arc<seal::Keyring> {
        Arc::clone(self.keys.ring())
    }

    /// An append as it travels to the sequencer, its personal data sealed: nothing of
    /// it leaves this instance in clear. A stream's key is made with its first sealed
    /// event (the stream is new then, so only one such append can win) and travels
    /// wrapped by the KEK; `fresh` holds the keys made for earlier appends of the same
    /// group.
    fn append_wire(
        &self,
        request: AppendRequest,
        fresh: &mut HashMap<String, seal::Key>,
    ) -> Result<Request, StoreError> {
        let stream = request.stream_id.as_str().to_owned();
        let ring = self.keys.ring();
        let mut new_key = None;
        let mut events = Vec::with_capacity(request.events.len());
        for p in &request.events {
            let (event_type, schema_version, mut data) = encode_event(&p.event)?;
            if seal::applies(&stream, event_type) {
                let key = match ring.get(&stream).or_else(|| fresh.get(&stream).copied()) {
                    Some(key) => key,
                    None if request.expected_version == 0 => {
                        let key = ring.new_key();
                        let wrapped = self.keys.kek().wrap(&stream, &key, ring.nonce());
                        new_key = Some(sequencer::b64(&wrapped));
                        fresh.insert(stream.clone(), key);
                        key
                    }
                    None => {
                        return Err(StoreError::Unavailable(format!(
                            "the personal data key of {stream} is not known to this instance (erased, or not followed yet); retry"
                        )));
                    }
                };
                seal::seal(&stream, &key, ring.nonce(), &mut data);
            }
            events.push(ProposedWire {
                event_id: p.event_id,
                event_type: event_type.to_owned(),
                schema_version,
                occurred_at: p.occurred_at,
                data,
            });
        }
        Ok(Request::Append {
            request_id: Uuid::now_v7(),
            reply_to: self.cfg.instance_id.clone(),
            stream_id: request.stream_id,
            expected_version: request.expected_version,
            events,
            actor: request.actor,
            correlation_id: request.correlation_id,
            causation_id: request.causation_id,
            idempotency: request.idempotency.map(|i| IdempotencyWire {
                scope: i.scope,
                request_hash: hex::encode(i.request_hash),
                response: sequencer::b64(&i.response),
            }),
            new_key,
        })
    }

    /// A refusal as it travels to the sequencer.
    fn rejection_wire(&self, request: RejectionRequest) -> Request {
        Request::Rejection {
            request_id: Uuid::now_v7(),
            reply_to: self.cfg.instance_id.clone(),
            stream_id: request.stream_id,
            command: request.command,
            code: request.code,
            reason: request.reason,
            actor: request.actor,
            correlation_id: request.correlation_id,
        }
    }

    fn forget(&self, id: Uuid) {
        if let Ok(mut p) = self.pending.lock() {
            p.remove(&id);
        }
    }

    /// Waits until the local copy holds the record of `partition` with chain number
    /// `seq` (or, from an older sequencer, at `offset`); returns the local head.
    async fn copied_through(&self, partition: i32, offset: i64, seq: u64) -> u64 {
        let started = std::time::Instant::now();
        let mut rx = self.copied.clone();
        let _ = rx
            .wait_for(|c| {
                if seq > 0 {
                    c.seqs.get(&partition).is_some_and(|s| *s >= seq)
                } else {
                    c.offsets.get(&partition).is_some_and(|o| *o >= offset)
                }
            })
            .await;
        tracing::debug!(
            waited_us = started.elapsed().as_micros() as u64,
            "answered append copied"
        );
        *self.local.head().borrow()
    }
}

/// The replication factor of new topics and their `min.insync.replicas`.
pub(crate) fn replication(
    cfg: &KafkaConfig,
    admin: &AdminClient<DefaultClientContext>,
) -> Result<(i32, &'static str), StoreError> {
    let metadata = admin
        .inner()
        .fetch_metadata(None, Duration::from_secs(30))
        .map_err(unavailable)?;
    let brokers = metadata.brokers().len() as i32;
    let replication = if cfg.replication > 0 {
        cfg.replication
    } else {
        brokers.clamp(1, 3)
    };
    Ok((replication, if replication >= 3 { "2" } else { "1" }))
}

async fn create_topics(cfg: &KafkaConfig) -> Result<(), StoreError> {
    let admin: AdminClient<DefaultClientContext> = cfg.client().create().map_err(unavailable)?;
    let (replication, min_isr) = replication(cfg, &admin)?;
    let events = cfg.events_topic();
    let appends = cfg.appends_topic();
    let results = cfg.results_topic();
    let keys = cfg.keys_topic();
    let window = cfg.erasure_window.as_millis().max(1).to_string();
    let topics = [
        NewTopic::new(
            &events,
            cfg.partitions,
            TopicReplication::Fixed(replication),
        )
        .set("retention.ms", "-1")
        .set("retention.bytes", "-1")
        .set("cleanup.policy", "delete")
        .set("min.insync.replicas", min_isr)
        .set("unclean.leader.election.enable", "false"),
        NewTopic::new(
            &appends,
            cfg.partitions,
            TopicReplication::Fixed(replication),
        )
        .set("retention.ms", "604800000")
        .set("min.insync.replicas", min_isr)
        .set("unclean.leader.election.enable", "false"),
        NewTopic::new(&results, 3, TopicReplication::Fixed(replication))
            .set("retention.ms", "86400000")
            .set("min.insync.replicas", min_isr)
            .set("unclean.leader.election.enable", "false"),
        // Compacted: the last record of each person is kept, and an erased person's key
        // record is gone within the erasure window, its tombstone one window later.
        NewTopic::new(&keys, 1, TopicReplication::Fixed(replication))
            .set("cleanup.policy", "compact")
            .set("segment.ms", &window)
            .set("max.compaction.lag.ms", &window)
            .set("delete.retention.ms", &window)
            .set("min.cleanable.dirty.ratio", "0.01")
            .set("min.insync.replicas", min_isr)
            .set("unclean.leader.election.enable", "false"),
    ];
    let created = admin
        .create_topics(
            &topics,
            &AdminOptions::new().operation_timeout(Some(Duration::from_secs(30))),
        )
        .await
        .map_err(unavailable)?;
    for result in created {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((topic, code)) => {
                return Err(unavailable(format!("cannot create {topic}: {code}")));
            }
        }
    }
    Ok(())
}

/// How many partitions `topic` has, as the cluster's metadata says. A topic the
/// answering broker does not know yet (just created, its metadata still on the way) is
/// an error, never "no partitions": a reader assigned nothing would wait for good.
pub(crate) fn partition_count<C: rdkafka::consumer::ConsumerContext>(
    consumer: &impl Consumer<C>,
    topic: &str,
) -> Result<i32, StoreError> {
    let metadata = consumer
        .fetch_metadata(Some(topic), Duration::from_secs(30))
        .map_err(unavailable)?;
    match metadata.topics().first() {
        Some(t) if t.error().is_none() && !t.partitions().is_empty() => {
            Ok(t.partitions().len() as i32)
        }
        Some(t) => Err(StoreError::Unavailable(format!(
            "the topic {topic} is not ready: {:?}",
            t.error()
        ))),
        None => Err(StoreError::Unavailable(format!("no metadata for {topic}"))),
    }
}

async fn results_listener(cfg: &KafkaConfig) -> Result<StreamConsumer, StoreError> {
    let consumer: StreamConsumer = cfg
        .client()
        .set(
            "group.id",
            format!("{}results-{}", cfg.prefix, cfg.instance_id),
        )
        .set("enable.auto.commit", "false")
        .set("isolation.level", "read_committed")
        .set("fetch.wait.max.ms", "5")
        .create()
        .map_err(unavailable)?;
    let topic = cfg.results_topic();
    let partitions = partition_count(&consumer, &topic)?;
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions {
        // From the current end: every answer to a request sent after this is seen.
        let (_, high) = consumer
            .fetch_watermarks(&topic, p, Duration::from_secs(30))
            .map_err(unavailable)?;
        tpl.add_partition_offset(&topic, p, Offset::Offset(high))
            .map_err(unavailable)?;
    }
    consumer.assign(&tpl).map_err(unavailable)?;
    Ok(consumer)
}

async fn listen(
    consumer: StreamConsumer,
    me: String,
    pending: Pending,
    folded: watch::Sender<erasure::Folded>,
) {
    loop {
        match consumer.recv().await {
            Ok(m) => {
                let Some(bytes) = m.payload() else { continue };
                let Ok(reply) = serde_json::from_slice::<Reply>(bytes) else {
                    if let Ok(told) = serde_json::from_slice::<wire::ErasureFolded>(bytes) {
                        folded.send_modify(|f| f.note(told));
                    }
                    continue;
                };
                if reply.reply_to != me {
                    continue;
                }
                let waiting = pending
                    .lock()
                    .ok()
                    .and_then(|mut p| p.remove(&reply.request_id));
                if let Some(tx) = waiting {
                    let _ = tx.send(reply.outcome);
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "reading results failed");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

impl EventLog for KafkaLog {
    fn serving_at(&self, url: &str) {
        let _ = self.serves_at.set(url.to_owned());
    }

    fn append(&self, request: AppendRequest) -> BoxFuture<'_, Result<AppendOutcome, StoreError>> {
        Box::pin(async move {
            let key = request.stream_id.to_string();
            let wire = self.append_wire(request, &mut HashMap::new())?;
            match self.request(&key, wire).await? {
                Outcome::Appended {
                    partition,
                    offset,
                    version,
                    seq,
                } => Ok(AppendOutcome::Appended {
                    last_position: self.copied_through(partition, offset, seq).await,
                    version,
                }),
                Outcome::Duplicate { response } => Ok(AppendOutcome::Duplicate {
                    response: sequencer::unb64(&response),
                }),
                Outcome::Conflict {
                    expected, actual, ..
                } => Err(StoreError::Conflict {
                    stream: key,
                    expected,
                    actual,
                }),
                Outcome::KeyReused => Err(StoreError::IdempotencyKeyReused),
                other => Err(StoreError::Unavailable(format!(
                    "unexpected answer: {other:?}"
                ))),
            }
        })
    }

    fn append_group(
        &self,
        writes: Vec<GroupWrite>,
    ) -> BoxFuture<'_, Result<GroupOutcome, StoreError>> {
        Box::pin(async move {
            let mut key = String::new();
            let mut fresh = HashMap::new();
            let mut items = Vec::with_capacity(writes.len());
            // A group of appends only is answered once its transaction committed: the
            // service waits for its stream's versions to be folded here before it
            // answers its callers. A refusal has no version to wait for, so a group
            // with one is answered once this instance's copy holds it.
            let refusals = writes.iter().any(|w| matches!(w, GroupWrite::Reject(_)));
            for write in writes {
                match write {
                    GroupWrite::Append(request) => {
                        key = request.stream_id.to_string();
                        items.push(self.append_wire(request, &mut fresh)?);
                    }
                    GroupWrite::Reject(request) => {
                        if let Some(stream) = &request.stream_id {
                            key = stream.to_string();
                        }
                        items.push(self.rejection_wire(request));
                    }
                }
            }
            let wire = Request::Group {
                request_id: Uuid::now_v7(),
                reply_to: self.cfg.instance_id.clone(),
                items,
                serves_at: self.serves_at.get().cloned(),
            };
            match self.request(&key, wire).await? {
                Outcome::Group {
                    partition,
                    offsets,
                    versions,
                    seq,
                } => {
                    let head = if refusals {
                        let last = offsets.iter().copied().max().unwrap_or(-1);
                        self.copied_through(partition, last, seq).await
                    } else {
                        0
                    };
                    Ok(GroupOutcome::Written(
                        versions
                            .into_iter()
                            .map(|v| (head, (v > 0).then_some(v)))
                            .collect(),
                    ))
                }
                Outcome::Stopped { index, reason } => {
                    let reason = match *reason {
                        Outcome::Duplicate { response } => {
                            GroupStop::Duplicate(sequencer::unb64(&response))
                        }
                        Outcome::Conflict {
                            actual,
                            turn: true,
                            writer,
                            ..
                        } => GroupStop::Turn { actual, writer },
                        Outcome::Conflict {
                            expected, actual, ..
                        } => GroupStop::Conflict { expected, actual },
                        Outcome::KeyReused => GroupStop::KeyReused,
                        other => {
                            return Err(StoreError::Unavailable(format!(
                                "group not written: {other:?}"
                            )));
                        }
                    };
                    Ok(GroupOutcome::Stopped { index, reason })
                }
                other => Err(StoreError::Unavailable(format!(
                    "unexpected answer: {other:?}"
                ))),
            }
        })
    }

    fn record_rejection(
        &self,
        request: RejectionRequest,
    ) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async move {
            let key = request
                .stream_id
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_default();
            let wire = self.rejection_wire(request);
            match self.request(&key, wire).await? {
                Outcome::Appended {
                    partition,
                    offset,
                    seq,
                    ..
                } => Ok(self.copied_through(partition, offset, seq).await),
                other => Err(StoreError::Unavailable(format!(
                    "refusal not recorded: {other:?}"
                ))),
            }
        })
    }

    fn idempotent_response(
        &self,
        scope: String,
        request_hash: [u8; 32],
    ) -> BoxFuture<'_, Result<Option<Vec<u8>>, StoreError>> {
        self.local.idempotent_response(scope, request_hash)
    }

    fn read_stream(&self, stream: String) -> BoxFuture<'_, Result<Vec<RecordedEvent>, StoreError>> {
        self.local.read_stream(stream)
    }

    fn read_after(
        &self,
        after: u64,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<LogEntry>, StoreError>> {
        self.local.read_after(after, limit)
    }

    fn audit(&self, query: AuditQuery) -> BoxFuture<'_, Result<Vec<AuditRow>, StoreError>> {
        self.local.audit(query)
    }

    fn erasure_folded(&self, stream: &str) {
        erasure::tell(&self.cfg, &self.producer, stream);
    }

    fn erasure_everywhere(&self, stream: String, limit: Duration) -> BoxFuture<'_, Vec<String>> {
        Box::pin(async move { erasure::everywhere(&self.cfg, &self.folded, &stream, limit).await })
    }

    fn head(&self) -> watch::Receiver<u64> {
        self.local.head()
    }
}
