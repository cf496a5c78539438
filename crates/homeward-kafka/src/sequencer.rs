//! The single writer of each partition.
//!
//! Instances share the partitions of the appends topic through a consumer group, so
//! each partition has one sequencer at a time. The sequencer keeps, for its
//! partitions, every stream's version, the idempotency records and the hash chain.
//! When it takes a partition over, it starts from what the instance's own copy holds
//! of the partition and reads the events topic only from where the copy stopped (from
//! the partition's start when the copy cannot say); an incremental rebalance keeps the
//! state of the partitions still owned. For a batch of
//! requests it opens a transaction, writes the events (or the refusal) to the same
//! partition of the events topic, writes the results, adds the consumed offsets to the
//! transaction with the group's metadata, and commits: events, results and progress
//! become visible together or not at all. A sequencer that lost its partitions (a
//! zombie) cannot commit: its generation is stale, the broker fences it, and what it
//! wrote is aborted.
//!
//! An instance whose own sequencer writes a stream's partition hands it the stream's
//! requests in process ([`Local`]) instead of through the appends topic: they are
//! decided in the same batches, under the same ownership check, in transactions fenced
//! the same way (each carries consumed offsets to the group's coordinator), and
//! answered once committed, with no results record.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::FutureExt;
use homeward_domain::Timestamp;
use homeward_store::SqliteLog;
use homeward_store::codec::StoredRecord;
use homeward_store::sqlite::RecordClock;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext, Rebalance, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{Headers, Message, OwnedMessage};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::types::RDKafkaRespErr;
use rdkafka::{ClientContext, Offset, TopicPartitionList};
use tokio::sync::{mpsc, oneshot, watch};

use crate::config::KafkaConfig;
use crate::wire::{self, Outcome, Reply, Request};

mod decide;

pub use decide::IDEMPOTENCY_RETENTION;
pub(crate) use decide::{Asker, PartitionState, b64, unb64};
use decide::{Rec, decide, decide_group, forget_expired, remember};

const TIMEOUT: Duration = Duration::from_secs(30);
const MAX_BATCH: usize = 1000;

/// The partitions this member owns, each with the epoch of the assignment that gave it.
///
/// The rebalance callbacks run inside `recv`, in the sequencer's own task, so between
/// two receives the set cannot change: a request is decided and committed only when
/// its partition is still owned under the assignment it was received in, and the
/// transaction is committed before the next receive, so before this member answers a
/// revocation (the new owner is given the partition only after that answer).
#[derive(Debug, Default)]
pub(crate) struct Ownership {
    owned: HashMap<i32, u64>,
    epoch: u64,
}

/// A request of this instance's own log for a partition its sequencer writes.
pub(crate) struct LocalRequest {
    partition: i32,
    request: Request,
    reply: oneshot::Sender<LocalAnswer>,
}

/// What the sequencer did with a [`LocalRequest`].
pub(crate) enum LocalAnswer {
    /// Decided and committed (or refused): the outcome, as a result record would
    /// carry it.
    Decided(Outcome),
    /// Not taken: the partition is not this member's (any more), or no offset of it is
    /// known yet to fence a transaction with. Nothing of it was written; it goes
    /// through the appends topic.
    Elsewhere(Request),
}

/// This instance's way to its own sequencer, for the partitions it writes.
#[derive(Clone)]
pub(crate) struct Local {
    tx: mpsc::UnboundedSender<LocalRequest>,
    ownership: Arc<Mutex<Ownership>>,
}

impl Local {
    /// The handle and the receiving end [`run`] takes.
    pub(crate) fn new() -> (
        Self,
        (Arc<Mutex<Ownership>>, mpsc::UnboundedReceiver<LocalRequest>),
    ) {
        let (tx, rx) = mpsc::unbounded_channel();
        let ownership = Arc::new(Mutex::new(Ownership::default()));
        (
            Self {
                tx,
                ownership: Arc::clone(&ownership),
            },
            (ownership, rx),
        )
    }

    /// Whether this instance's sequencer writes `partition` now (a hint: the sequencer
    /// checks again before it decides).
    pub(crate) fn writes(&self, partition: i32) -> bool {
        let ownership = self.ownership.lock().unwrap_or_else(|p| p.into_inner());
        ownership.owned.contains_key(&partition)
    }

    /// Hands the sequencer a request of `partition`; `None` when the sequencer went away
    /// before answering (the request may have been decided).
    pub(crate) async fn ask(&self, partition: i32, request: Request) -> Option<LocalAnswer> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(LocalRequest {
                partition,
                request,
                reply,
            })
            .ok()?;
        answer.await.ok()
    }
}

/// One request of a batch: from the appends topic, or from this instance.
enum Item {
    Topic(OwnedMessage),
    Local(LocalRequest),
}

impl Item {
    fn partition(&self) -> i32 {
        match self {
            Self::Topic(m) => m.partition(),
            Self::Local(l) => l.partition,
        }
    }

    /// Gives a request that will not be decided here back to its instance.
    fn elsewhere(self) {
        if let Self::Local(l) = self {
            let _ = l.reply.send(LocalAnswer::Elsewhere(l.request));
        }
    }
}

/// Keeps [`Ownership`] current through every rebalance.
pub(crate) struct SeqContext {
    ownership: Arc<Mutex<Ownership>>,
    /// Told of the first assignment and of every change since: how many partitions
    /// this member writes (none until the group first gave it its share; see [`run`]).
    ready: watch::Sender<Option<usize>>,
}

impl SeqContext {
    fn ownership(&self) -> std::sync::MutexGuard<'_, Ownership> {
        self.ownership.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl ClientContext for SeqContext {}

impl ConsumerContext for SeqContext {
    /// rust-rdkafka's own rebalance, less its question of the group's protocol: the
    /// group is cooperative (`cooperative-sticky` is the only strategy the sequencer
    /// names), and librdkafka never answers that question when the group ended while
    /// the event was on its way, as it can while the consumer closes (the instance then
    /// never exits). A consumer whose group ended has nothing to hand back.
    fn rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        err: RDKafkaRespErr,
        tpl: &mut TopicPartitionList,
    ) {
        let tpl = &*tpl;
        let rebalance = match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => Rebalance::Assign(tpl),
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => Rebalance::Revoke(tpl),
            other => Rebalance::Error(KafkaError::Rebalance(other.into())),
        };
        self.pre_rebalance(consumer, &rebalance);
        if !consumer.closed() {
            let handed = match rebalance {
                Rebalance::Assign(tpl) => consumer.incremental_assign(tpl),
                Rebalance::Revoke(_) | Rebalance::Error(_) => consumer.incremental_unassign(tpl),
            };
            if let Err(e) = handed {
                tracing::warn!(error = %e, "the sequencer's consumer refused a rebalance");
            }
        }
        self.post_rebalance(consumer, &rebalance);
    }

    fn pre_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        // Given up before the partitions go: nothing of them is decided from now on.
        let mut ownership = self.ownership();
        if let Rebalance::Revoke(tpl) = rebalance {
            for e in tpl.elements() {
                ownership.owned.remove(&e.partition());
            }
        }
        if let Rebalance::Error(e) = rebalance {
            tracing::warn!(error = %e, "sequencer rebalance failed; giving up every partition");
            ownership.owned.clear();
        }
        let owned = ownership.owned.len();
        self.ready.send_if_modified(|ready| {
            let changed = ready.is_some_and(|n| n != owned);
            if changed {
                *ready = Some(owned);
            }
            changed
        });
    }

    fn post_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let mut ownership = self.ownership();
        let (what, partitions) = match rebalance {
            Rebalance::Assign(tpl) => {
                ownership.epoch += 1;
                let epoch = ownership.epoch;
                for e in tpl.elements() {
                    ownership.owned.insert(e.partition(), epoch);
                }
                self.ready.send_replace(Some(ownership.owned.len()));
                ("assigned", tpl.count())
            }
            Rebalance::Revoke(tpl) => ("revoked", tpl.count()),
            Rebalance::Error(_) => ("rebalance failed", 0),
        };
        let owned = ownership.owned.len();
        tracing::info!(partitions, owned, what, "sequencer partitions changed");
    }
}

fn header<'a>(m: &'a OwnedMessage, name: &str) -> Option<&'a str> {
    let headers = m.headers()?;
    headers
        .iter()
        .find(|h| h.key == name)
        .and_then(|h| h.value)
        .and_then(|v| std::str::from_utf8(v).ok())
}

/// Runs a call of the producer that blocks until the broker answers (transactions,
/// offsets) on a thread meant for blocking, not on the runtime's few workers: a
/// coordinator that takes its time (a cluster's first transaction, a moved leader)
/// holds this sequencer back, never the instance's other tasks.
async fn blocking<T: Send + 'static>(
    producer: &FutureProducer,
    call: impl FnOnce(&FutureProducer) -> Result<T, KafkaError> + Send + 'static,
) -> Result<T, KafkaError> {
    let producer = producer.clone();
    tokio::task::spawn_blocking(move || call(&producer))
        .await
        .map_err(|_| KafkaError::Canceled)?
}

/// Runs the sequencer until the process ends, starting over after failures. `ready`
/// becomes true once its transactions are initialised and the group has given it its
/// first assignment (possibly of no partition): from then on it answers requests.
pub(crate) async fn run(
    cfg: Arc<KafkaConfig>,
    clock: RecordClock,
    local: Arc<SqliteLog>,
    ready: watch::Sender<Option<usize>>,
    (ownership, mut asked): (Arc<Mutex<Ownership>>, mpsc::UnboundedReceiver<LocalRequest>),
) {
    loop {
        let parts = (Arc::clone(&cfg), Arc::clone(&clock), Arc::clone(&local));
        match Sequencer::new(parts, ready.clone(), Arc::clone(&ownership)).await {
            Ok(mut seq) => {
                if let Err(e) = seq.run(&mut asked).await {
                    tracing::warn!(error = %e, "sequencer failed; starting over");
                }
                // Closing the consumer leaves the group: on a thread meant for
                // blocking, and not waited for past a call's time.
                let closing = tokio::task::spawn_blocking(move || drop(seq));
                if tokio::time::timeout(TIMEOUT, closing).await.is_err() {
                    tracing::warn!(
                        "the failed sequencer's consumer is still closing; starting over beside it"
                    );
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot start the sequencer; retrying"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

struct Sequencer {
    cfg: Arc<KafkaConfig>,
    /// Where recorded times come from (the system clock, or an exercise's clock).
    clock: RecordClock,
    /// This instance's copy of the events topic, which a partition taken over is
    /// seeded from.
    local: Arc<SqliteLog>,
    consumer: StreamConsumer<SeqContext>,
    producer: FutureProducer,
    ownership: Arc<Mutex<Ownership>>,
    states: HashMap<i32, PartitionState>,
    /// The next offset of each owned partition of the appends topic, once a request of
    /// it was committed here, with the epoch it was owned under: what a transaction of
    /// this instance's own requests alone commits to be fenced by the group.
    next: HashMap<i32, (u64, i64)>,
}

impl Sequencer {
    async fn new(
        (cfg, clock, local): (Arc<KafkaConfig>, RecordClock, Arc<SqliteLog>),
        ready: watch::Sender<Option<usize>>,
        ownership: Arc<Mutex<Ownership>>,
    ) -> Result<Self, KafkaError> {
        // A new member owns nothing until the group says so.
        ownership
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .owned
            .clear();
        let producer: FutureProducer = cfg
            .client()
            .set("transactional.id", cfg.transactional_id())
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("transaction.timeout.ms", "10000")
            .set("linger.ms", "0")
            // Back-to-back transactions meet the previous one's markers still being
            // written; retry within milliseconds, not librdkafka's 100 ms.
            .set("retry.backoff.ms", "2")
            .set("retry.backoff.max.ms", "10")
            .create()?;
        // Before joining the group: a member that holds partitions answers for them.
        blocking(&producer, |p| p.init_transactions(TIMEOUT)).await?;
        let consumer: StreamConsumer<SeqContext> = cfg
            .client()
            .set("group.id", cfg.sequencer_group())
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("isolation.level", "read_committed")
            .set("auto.offset.reset", "earliest")
            .set("session.timeout.ms", "6000")
            .set("heartbeat.interval.ms", "1000")
            .set("partition.assignment.strategy", "cooperative-sticky")
            .create_with_context(SeqContext {
                ownership: Arc::clone(&ownership),
                ready,
            })?;
        consumer.subscribe(&[&cfg.appends_topic()])?;
        Ok(Self {
            cfg,
            clock,
            local,
            consumer,
            producer,
            ownership,
            states: HashMap::new(),
            next: HashMap::new(),
        })
    }

    /// The epoch under which `partition` is owned now, if it is.
    fn owned(&self, partition: i32) -> Option<u64> {
        let ownership = self.ownership.lock().unwrap_or_else(|p| p.into_inner());
        ownership.owned.get(&partition).copied()
    }

    /// Keeps a received request with the epoch of the assignment it came in; a request
    /// of a partition not owned (any more) is dropped, its offset never committed here
    /// (one of this instance's own goes through the appends topic).
    fn keep(&self, batch: &mut Vec<(Item, u64)>, item: Item) {
        match self.owned(item.partition()) {
            Some(epoch) => batch.push((item, epoch)),
            None => {
                if let Item::Topic(m) = &item {
                    tracing::debug!(
                        partition = m.partition(),
                        offset = m.offset(),
                        "request of a partition not owned dropped"
                    );
                }
                item.elsewhere();
            }
        }
    }

    async fn run(
        &mut self,
        asked: &mut mpsc::UnboundedReceiver<LocalRequest>,
    ) -> Result<(), KafkaError> {
        loop {
            let mut batch = Vec::new();
            let first = tokio::select! {
                m = self.consumer.recv() => Item::Topic(m?.detach()),
                Some(l) = asked.recv() => Item::Local(l),
            };
            self.keep(&mut batch, first);
            // Whatever else has arrived already, without waiting for more.
            while batch.len() < MAX_BATCH {
                let item = match self.consumer.recv().now_or_never() {
                    Some(Ok(m)) => Item::Topic(m.detach()),
                    Some(Err(e)) => return Err(e),
                    None => match asked.try_recv() {
                        Ok(l) => Item::Local(l),
                        Err(_) => break,
                    },
                };
                self.keep(&mut batch, item);
            }
            // No receive until the commit below, so no rebalance callback either: what
            // is owned now stays owned until the transaction is committed or aborted.
            let owned = {
                let ownership = self.ownership.lock().unwrap_or_else(|p| p.into_inner());
                ownership.owned.clone()
            };
            let (mut batch, gone): (Vec<_>, Vec<_>) = batch
                .into_iter()
                .partition(|(item, epoch)| owned.get(&item.partition()) == Some(epoch));
            gone.into_iter().for_each(|(item, _)| item.elsewhere());
            self.states
                .retain(|p, state| owned.get(p) == Some(&state.epoch));
            self.next
                .retain(|p, (epoch, _)| owned.get(p) == Some(epoch));
            // A transaction is fenced by the group only through the consumed offsets it
            // commits: one of this instance's own requests alone commits the known
            // offsets of the partitions owned (unchanged), and without any, goes
            // through the appends topic.
            let consumed = batch.iter().any(|(i, _)| matches!(i, Item::Topic(_)));
            let fence: Vec<(i32, i64)> = if consumed {
                Vec::new()
            } else {
                self.next.iter().map(|(p, (_, o))| (*p, *o)).collect()
            };
            if !consumed && fence.is_empty() {
                batch.drain(..).for_each(|(item, _)| item.elsewhere());
            }
            if batch.is_empty() {
                continue;
            }
            // The partitions new to this member, rebuilt side by side: each costs a
            // client of its own and a few round trips, and a first batch after an
            // assignment can hold requests of every partition.
            let new: std::collections::BTreeMap<i32, u64> = batch
                .iter()
                .map(|(item, epoch)| (item.partition(), *epoch))
                .filter(|(p, _)| !self.states.contains_key(p))
                .collect();
            let rebuilt =
                futures::future::try_join_all(new.keys().map(|p| self.rebuild(*p))).await?;
            for ((partition, epoch), mut state) in new.into_iter().zip(rebuilt) {
                state.epoch = epoch;
                self.states.insert(partition, state);
            }
            if let Err(e) = self.commit(batch, fence).await {
                let _ = blocking(&self.producer, |p| p.abort_transaction(TIMEOUT)).await;
                return Err(e);
            }
            let now = (self.clock)().as_microsecond();
            for state in self.states.values_mut() {
                forget_expired(state, now);
            }
        }
    }

    /// What this instance's copy holds of `partition`, as the state of its writer: the
    /// partition then needs reading only from where the copy stopped, not from its
    /// first record.
    async fn seeded(&self, partition: i32) -> (PartitionState, Offset) {
        let now = (self.clock)().as_microsecond();
        let since = now.saturating_sub(IDEMPOTENCY_RETENTION.as_micros() as i64);
        let seed = match self.local.partition_seed(partition, since).await {
            Ok(seed) => seed,
            Err(e) => {
                tracing::warn!(partition, error = %e, "cannot read the copy; reading the partition from its start");
                None
            }
        };
        let mut state = PartitionState::default();
        let Some(seed) = seed else {
            return (state, Offset::Beginning);
        };
        state.seq = seed.seq;
        state.hash = seed.hash;
        state.recorded_at = (seed.recorded_at > 0)
            .then(|| Timestamp::from_microsecond(seed.recorded_at).ok())
            .flatten();
        state.versions = seed.versions.into_iter().collect();
        for (scope, hash, response, at) in &seed.idempotency {
            remember(&mut state, scope, &hex::encode(hash), &b64(response), *at);
        }
        (state, Offset::Offset(seed.next_offset))
    }

    /// Rebuilds what the writer of a partition knows: seeded from this instance's copy
    /// (see [`Self::seeded`]), then the partition of the events topic read from where
    /// the copy stopped (from its start when the copy cannot say), committed records
    /// only, up to everything written before this member was given it.
    async fn rebuild(&self, partition: i32) -> Result<PartitionState, KafkaError> {
        let (mut state, from) = self.seeded(partition).await;
        let consumer: Arc<StreamConsumer> = Arc::new(
            self.cfg
                .client()
                .set("group.id", format!("{}rebuild", self.cfg.prefix))
                .set("enable.auto.commit", "false")
                .set("isolation.level", "read_committed")
                .set("enable.partition.eof", "true")
                .create()?,
        );
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(&self.cfg.events_topic(), partition, from)?;
        consumer.assign(&tpl)?;
        // Everything written before the partition was given to this member lies below
        // the high watermark; a transaction of the previous owner still open there (or
        // whose markers are not written yet) holds the read back until it ends, so the
        // read goes on until the position passes the watermark, not to the first end.
        let topic = self.cfg.events_topic();
        let (_, high) = {
            let (topic, consumer) = (topic.clone(), Arc::clone(&consumer));
            tokio::task::spawn_blocking(move || {
                consumer.fetch_watermarks(&topic, partition, TIMEOUT)
            })
            .await
            .map_err(|_| KafkaError::Canceled)??
        };
        let position = |c: &StreamConsumer| -> i64 {
            let Ok(tpl) = c.position() else { return 0 };
            match tpl.find_partition(&topic, partition).map(|e| e.offset()) {
                Some(Offset::Offset(o)) => o,
                _ => 0,
            }
        };
        // Stuck (no record for this long) only when a pending transaction outlived its
        // timeout, which the broker does not allow: give up and start over then.
        let stuck = 2 * TIMEOUT;
        let mut deadline = tokio::time::Instant::now() + stuck;
        let start = match from {
            Offset::Offset(o) => o,
            _ => 0,
        };
        let mut read = 0u64;
        while high > start && position(&consumer) < high {
            let received = match tokio::time::timeout(Duration::from_secs(1), consumer.recv()).await
            {
                Ok(received) => received,
                Err(_) if tokio::time::Instant::now() < deadline => continue,
                Err(_) => {
                    return Err(KafkaError::Global(
                        rdkafka::types::RDKafkaErrorCode::OperationTimedOut,
                    ));
                }
            };
            match received {
                Ok(m) => {
                    deadline = tokio::time::Instant::now() + stuck;
                    read += 1;
                    let m = m.detach();
                    let Some(bytes) = m.payload() else { continue };
                    if let Ok(StoredRecord::Event {
                        stream_id,
                        version,
                        recorded_at,
                        ..
                    }) = serde_json::from_slice::<StoredRecord>(bytes)
                    {
                        state
                            .versions
                            .insert(stream_id.as_str().to_owned(), version);
                        state.recorded_at = Some(recorded_at);
                    }
                    if let Some((seq, hash)) = wire::chain_of(&m) {
                        (state.seq, state.hash) = (seq, hash);
                    }
                    if let (Some(scope), Some(hash), Some(resp)) = (
                        header(&m, wire::H_IDEM_SCOPE),
                        header(&m, wire::H_IDEM_HASH),
                        header(&m, wire::H_IDEM_RESPONSE),
                    ) {
                        let at = state.recorded_at.map_or(0, |t| t.as_microsecond());
                        remember(&mut state, scope, hash, resp, at);
                    }
                }
                Err(KafkaError::PartitionEOF(_)) => {}
                Err(e) => return Err(e),
            }
        }
        // Closing a client waits for its threads, about 100 ms: not in the way of the
        // requests waiting for this partition (nor of the other partitions rebuilt
        // beside it).
        drop(tokio::task::spawn_blocking(move || drop(consumer)));
        forget_expired(&mut state, (self.clock)().as_microsecond());
        tracing::info!(
            partition,
            from_offset = start,
            records_read = read,
            streams = state.versions.len(),
            seq = state.seq,
            "partition state rebuilt"
        );
        Ok(state)
    }

    /// Decides a batch and writes it in one transaction: its events, the answers of
    /// the appends topic's requests, and the consumed offsets (or, for this instance's
    /// own requests alone, the `fence`). This instance's own requests are answered once
    /// it committed.
    async fn commit(
        &mut self,
        batch: Vec<(Item, u64)>,
        fence: Vec<(i32, i64)>,
    ) -> Result<(), KafkaError> {
        let started = std::time::Instant::now();
        self.producer.begin_transaction()?;
        // The consumed offsets first. Right after the previous commit the coordinator
        // is still writing that transaction's markers and answers "concurrent
        // transactions": librdkafka retries adding the offsets after `retry.backoff.ms`
        // (set low), but adding the first produced partition only after a fixed 20 ms.
        // Once the offsets are in, the transaction is open and the records' partitions
        // are added at once.
        let mut next: HashMap<i32, (u64, i64)> = HashMap::new();
        for (item, epoch) in &batch {
            if let Item::Topic(m) = item {
                next.insert(m.partition(), (*epoch, m.offset() + 1));
            }
        }
        let mut tpl = TopicPartitionList::new();
        let offsets = next.iter().map(|(p, (_, o))| (*p, *o)).chain(fence);
        for (p, o) in offsets {
            tpl.add_partition_offset(&self.cfg.appends_topic(), p, Offset::Offset(o))?;
        }
        let metadata = self
            .consumer
            .group_metadata()
            .ok_or(KafkaError::Global(rdkafka::types::RDKafkaErrorCode::State))?;
        blocking(&self.producer, move |p| {
            p.send_offsets_to_transaction(&tpl, &metadata, TIMEOUT)
        })
        .await?;
        let opened = started.elapsed();
        let events_topic = self.cfg.events_topic();
        let results_topic = self.cfg.results_topic();
        let keys_topic = self.cfg.keys_topic();
        // Everything of the batch, events and answers, is queued first and awaited
        // together: one produce round trip per batch, not per record or per kind.
        let mut deliveries = Vec::new();
        let mut answers = Vec::new();
        let requests = batch.len();
        for (item, _) in batch {
            let partition = item.partition();
            let (request, reply) = match item {
                Item::Topic(m) => match serde_json::from_slice(m.payload().unwrap_or_default()) {
                    Ok(r) => (r, None),
                    Err(e) => {
                        tracing::warn!(error = %e, "unreadable append request skipped");
                        continue;
                    }
                },
                Item::Local(l) => (l.request, Some(l.reply)),
            };
            let Some(state) = self.states.get_mut(&partition) else {
                continue;
            };
            let now = (self.clock)();
            let (records, outcome) = match &request {
                Request::Group {
                    items,
                    reply_to,
                    serves_at,
                    ..
                } => {
                    let asker = Asker {
                        instance: reply_to,
                        serves_at: serves_at.as_deref(),
                    };
                    decide_group(state, items, asker, now, std::time::Instant::now())
                }
                single => decide(state, single, now),
            };
            // The chain number of the request's last record: the requester waits for
            // its copy to hold it, so the answer goes out with the records, in the same
            // wave, without waiting for their offsets.
            let seq = state.seq;
            for rec in records {
                match rec {
                    Rec::Event(key, bytes, headers) => {
                        let record = FutureRecord::to(&events_topic)
                            .partition(partition)
                            .key(&key)
                            .payload(&bytes)
                            .headers(headers);
                        deliveries.push(enqueue(&self.producer, record).await?);
                    }
                    // In the same transaction as the events sealed with it, or as the
                    // erasure that destroys it.
                    Rec::Key(stream, wrapped) => {
                        let record = match &wrapped {
                            Some(bytes) => {
                                FutureRecord::to(&keys_topic).key(&stream).payload(bytes)
                            }
                            None => FutureRecord::to(&keys_topic).key(&stream),
                        };
                        deliveries.push(enqueue(&self.producer, record).await?);
                    }
                }
            }
            let outcome = match outcome {
                Outcome::Appended { version, .. } => Outcome::Appended {
                    partition,
                    offset: -1,
                    version,
                    seq,
                },
                Outcome::Group { versions, .. } => Outcome::Group {
                    partition,
                    offsets: vec![-1; versions.len()],
                    versions,
                    seq,
                },
                other => other,
            };
            if let Some(reply) = reply {
                answers.push((reply, outcome));
                continue;
            }
            let reply = Reply {
                request_id: request.request_id(),
                reply_to: request.reply_to().to_owned(),
                outcome,
            };
            let bytes = serde_json::to_vec(&reply).unwrap_or_default();
            let record = FutureRecord::to(&results_topic)
                .key(&reply.reply_to)
                .payload(&bytes);
            deliveries.push(enqueue(&self.producer, record).await?);
        }
        let records = deliveries.len();
        // Awaited before the commit, which then only ends the transaction: the
        // client's commit flushes first, and a flush that finds records in flight
        // polls in steps of 100 ms.
        for delivery in deliveries {
            delivery
                .await
                .map_err(|_| KafkaError::Canceled)?
                .map_err(|(e, _)| e)?;
        }
        let produced = started.elapsed();
        blocking(&self.producer, |p| {
            settle(p);
            p.commit_transaction(TIMEOUT)
        })
        .await?;
        for (p, known) in next {
            self.next.insert(p, known);
        }
        let local = answers.len();
        for (reply, outcome) in answers {
            let _ = reply.send(LocalAnswer::Decided(outcome));
        }
        tracing::debug!(
            requests,
            local,
            records,
            opened_us = opened.as_micros() as u64,
            produced_us = produced.as_micros() as u64,
            committed_us = started.elapsed().as_micros() as u64,
            "sequencer transaction"
        );
        Ok(())
    }
}

/// Waits, a fraction of a millisecond at a time and 100 ms at most, until the producer
/// counts nothing in flight. A delivery is awaited when its report is served, a moment
/// before the client stops counting the record; the client's commit flushes first, and
/// a flush that still counts something polls for 100 ms, while the report it waits for
/// is served by the producer's own polling thread. That cost one transaction in fifty
/// its 100 ms.
fn settle(producer: &FutureProducer) {
    let until = std::time::Instant::now() + Duration::from_millis(100);
    while producer.in_flight_count() > 0 && std::time::Instant::now() < until {
        std::thread::sleep(Duration::from_micros(100));
    }
}

/// Queues a record, waiting for room in the producer's queue when it is full.
async fn enqueue<'a>(
    producer: &FutureProducer,
    mut record: FutureRecord<'a, String, Vec<u8>>,
) -> Result<rdkafka::producer::DeliveryFuture, KafkaError> {
    loop {
        match producer.send_result(record) {
            Ok(delivery) => return Ok(delivery),
            Err((
                KafkaError::MessageProduction(rdkafka::types::RDKafkaErrorCode::QueueFull),
                r,
            )) => {
                record = r;
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            Err((e, _)) => return Err(e),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
