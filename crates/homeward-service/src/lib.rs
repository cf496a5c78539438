//! The application service of Homeward: the one path every command takes.
//!
//! A command is decided against the current state of its stream (folded from the log
//! by the projector), appended on the condition that the stream is still at that
//! version, and acknowledged only once the log says it is durable and the read models
//! have folded it in (so a client reads its own writes). A version conflict with a
//! concurrent writer is retried against the newer state; a rejection is recorded in
//! the audit chain and returned. Retries with the same idempotency key return the
//! first answer.

pub mod batch;
pub mod clock;
pub mod command;
pub mod config;
mod folded;
mod hot;
pub mod ids;
pub mod outcome;
pub mod reactor;
pub mod sitrep;
pub mod snapshots;
pub mod writers;

use std::sync::{Arc, RwLock, RwLockReadGuard};

use homeward_domain::{DomainEvent, IncidentId, Rejection, StreamId, Timestamp};
use homeward_projections::Projections;
use homeward_projections::incidents::{self, IncidentFile};
use homeward_store::{
    EventLog, LogEntry, RecordedEvent, RejectionRequest, StoreError, Subscription,
};
use serde_json::Value;
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

pub use batch::{BatchItem, BatchOutcome};
pub use clock::{Clock, ManualClock, SystemClock};
pub use command::{Command, CommandMeta};
pub use ids::{IdSource, RandomIds, SeededIds};
pub use outcome::{Accepted, Outcome, Reply};
pub use snapshots::Snapshots;

/// How long an erasure's answer waits for the other instances to confirm they folded
/// it (an instance that is away folds it before it serves again).
pub const ERASURE_CONFIRM: std::time::Duration = std::time::Duration::from_secs(20);

/// Why a command did not take effect.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The domain refused it; the refusal is in the audit trail.
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// The stream is not at the version the caller expected.
    #[error("the record changed: you expected version {expected}, it is at version {actual}")]
    Conflict {
        /// What the caller expected.
        expected: u64,
        /// Where the stream is.
        actual: u64,
    },
    /// The idempotency key was used before for a different request.
    #[error("this Idempotency-Key was already used for a different request")]
    IdempotencyKeyReused,
    /// Too many concurrent writers on one stream; try again.
    #[error("too many concurrent changes to this record; try again")]
    Contended,
    /// This instance cannot read an entry of the log (written by a newer version), so
    /// it decides nothing until it is upgraded; it still serves what came before.
    #[error(
        "this instance cannot read the entry at position {} of the log ({}): it serves everything before it and changes nothing until it is upgraded to a version that reads it",
        .0.position, .0.reason
    )]
    Unreadable(Unreadable),
    /// The log failed.
    #[error(transparent)]
    Store(StoreError),
}

/// An entry of the log this build cannot read: the read models stay at the entry
/// before it, and commands are refused, until a build that reads it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// Its position.
    pub position: u64,
    /// Why it cannot be read (for a newer schema version: its type and version).
    pub reason: String,
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::IdempotencyKeyReused => Self::IdempotencyKeyReused,
            StoreError::Conflict {
                expected, actual, ..
            } => Self::Conflict { expected, actual },
            other => Self::Store(other),
        }
    }
}

/// An event folded into the read models, for live streams: what happened, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Its log position.
    pub position: u64,
    /// The event's type.
    pub event_type: String,
    /// Its stream.
    pub stream_id: StreamId,
    /// When it was recorded.
    pub recorded_at: Timestamp,
    /// The event.
    pub event: DomainEvent,
}

impl Change {
    /// The change an event of the log is.
    pub fn of(e: RecordedEvent) -> Self {
        Self {
            position: e.position,
            event_type: e.event_type,
            stream_id: e.stream_id,
            recorded_at: e.recorded_at,
            event: e.event,
        }
    }
}

/// The running service.
pub struct Homeward {
    log: Arc<dyn EventLog>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdSource>,
    projections: Arc<RwLock<Projections>>,
    projected: watch::Receiver<u64>,
    changes: broadcast::Sender<Arc<Change>>,
    hot: hot::Hot<Value>,
    writers: Arc<writers::Writers>,
    reacted: std::sync::OnceLock<reactor::Reacted>,
    snapshots: Option<Arc<Snapshots>>,
    resumed_from: u64,
    unreadable: watch::Receiver<Option<Unreadable>>,
}

impl Homeward {
    /// Folds the whole log into the read models, then keeps them current in the
    /// background. `progress` is told the position after each batch during the catch-up.
    pub async fn start(
        log: Arc<dyn EventLog>,
        clock: Arc<dyn Clock>,
        progress: impl Fn(u64, u64),
    ) -> Result<Arc<Self>, StoreError> {
        Self::start_with(log, clock, Arc::new(RandomIds), progress).await
    }

    /// [`Homeward::start`] with another source of identifiers.
    pub async fn start_with(
        log: Arc<dyn EventLog>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdSource>,
        progress: impl Fn(u64, u64),
    ) -> Result<Arc<Self>, StoreError> {
        Self::start_inner(log, clock, ids, None, progress).await
    }

    /// [`Homeward::start`] from the snapshot in `snapshots` when it matches the log
    /// (folding only the entries after it), writing new snapshots as it goes.
    pub async fn start_with_snapshots(
        log: Arc<dyn EventLog>,
        clock: Arc<dyn Clock>,
        snapshots: Snapshots,
        progress: impl Fn(u64, u64),
    ) -> Result<Arc<Self>, StoreError> {
        Self::start_inner(log, clock, Arc::new(RandomIds), Some(snapshots), progress).await
    }

    async fn start_inner(
        log: Arc<dyn EventLog>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdSource>,
        snapshots: Option<Snapshots>,
        progress: impl Fn(u64, u64),
    ) -> Result<Arc<Self>, StoreError> {
        let target = *log.head().borrow();
        let mut projections = match &snapshots {
            Some(s) => s.load(&*log, target).await.unwrap_or_default(),
            None => Projections::default(),
        };
        let from = projections.position;
        let (sub, held) = catch_up(&log, &mut projections, target, progress).await?;
        if let Some(u) = &held {
            held_log(u);
        }
        let (unreadable_tx, unreadable) = watch::channel(held);
        let position = projections.position;
        let projections = Arc::new(RwLock::new(projections));
        let (projected_tx, projected) = watch::channel(position);
        let (changes, _) = broadcast::channel(4096);
        let snapshots = snapshots.map(Arc::new);
        let writers = Arc::new(writers::Writers::default());
        let hot = hot::Hot::new(hot::Parts {
            log: Arc::clone(&log),
            clock: Arc::clone(&clock),
            ids: Arc::clone(&ids),
            folded: folded::Folded {
                projections: Arc::clone(&projections),
                projected: projected.clone(),
            },
            writers: Arc::clone(&writers),
        });
        let service = Arc::new(Self {
            log: Arc::clone(&log),
            clock,
            ids,
            projections: Arc::clone(&projections),
            projected,
            changes: changes.clone(),
            hot,
            writers,
            reacted: std::sync::OnceLock::new(),
            snapshots: snapshots.clone(),
            resumed_from: from,
            unreadable,
        });
        let saver = snapshots.map(|snapshots| Saver {
            snapshots,
            log: Arc::clone(&log),
            last: from,
        });
        tokio::spawn(project(
            sub,
            log,
            projections,
            Sent {
                projected: projected_tx,
                changes,
                unreadable: unreadable_tx,
            },
            saver,
        ));
        Ok(service)
    }

    /// The position of the snapshot the read models were started from (0: the whole
    /// log was folded).
    pub fn resumed_from(&self) -> u64 {
        self.resumed_from
    }

    /// The position of the last snapshot of the read models this process wrote, and a
    /// way to wait for the next; `None` when the service keeps no snapshots.
    pub fn snapshots_written(&self) -> Option<watch::Receiver<u64>> {
        self.snapshots.as_ref().map(|s| s.written())
    }

    /// Writes a snapshot of the read models now (when the service keeps snapshots);
    /// returns its position. The server calls this when it stops.
    pub async fn save_snapshot(&self) -> Result<Option<u64>, snapshots::SaveError> {
        match &self.snapshots {
            Some(s) => s.save(&*self.log, &self.projections).await.map(Some),
            None => Ok(None),
        }
    }

    /// The event log.
    pub fn log(&self) -> &Arc<dyn EventLog> {
        &self.log
    }

    /// The streams another instance writes, and where it serves (see [`writers`]).
    pub fn writers(&self) -> &writers::Writers {
        &self.writers
    }

    /// A fresh identifier.
    pub fn new_id(&self) -> Uuid {
        self.ids.next_id()
    }

    /// The current time by the service's clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Reads the read models. Hold the guard briefly: the projector waits for it.
    pub fn read(&self) -> RwLockReadGuard<'_, Projections> {
        self.projections
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The entry of the log this instance is held at, if it met one it cannot read.
    pub fn unreadable(&self) -> Option<Unreadable> {
        self.unreadable.borrow().clone()
    }

    /// The same, and a way to wait for it to change.
    pub fn watch_unreadable(&self) -> watch::Receiver<Option<Unreadable>> {
        self.unreadable.clone()
    }

    /// The last position folded into the read models.
    pub fn projected(&self) -> u64 {
        *self.projected.borrow()
    }

    /// Live changes as they are folded in.
    pub fn changes(&self) -> broadcast::Receiver<Arc<Change>> {
        self.changes.subscribe()
    }

    /// Waits until the read models have folded in `position`.
    pub async fn wait_for(&self, position: u64) {
        self.folded().position(position).await;
    }

    /// Waits (a few seconds at most) until the read models hold `version` of `stream`:
    /// with a shared log, another instance's append reaches this one a little later.
    pub async fn wait_for_version(&self, stream: &StreamId, version: u64) {
        self.folded()
            .version(stream, version, std::time::Duration::from_secs(5))
            .await;
    }

    fn folded(&self) -> folded::Folded {
        folded::Folded {
            projections: Arc::clone(&self.projections),
            projected: self.projected.clone(),
        }
    }

    /// Waits (a while at most) until Homeward's own reactions to everything folded in
    /// so far are done, so that a caller reads them too: the welfare checks a risk
    /// change opened, the check an answer completed. Returns at once without a reactor.
    pub async fn wait_for_reactions(&self) {
        if let Some(reacted) = self.reacted.get() {
            reacted
                .wait_for(self.projected(), std::time::Duration::from_secs(30))
                .await;
        }
    }

    /// Decides a command, appends its events and waits until they are folded in. The
    /// answer is made by `respond` from what the command did (and stored with the
    /// events when the command carries an idempotency key).
    pub async fn execute<R: Reply>(
        &self,
        command: Command,
        meta: CommandMeta,
        respond: impl Fn(&Outcome) -> R + Send + Sync + 'static,
    ) -> Result<Accepted<R>, ServiceError> {
        if let Some((scope, hash)) = &meta.idempotency
            && let Some(stored) = self.log.idempotent_response(scope.clone(), *hash).await?
        {
            return replayed(&stored);
        }
        if let Some(u) = self.unreadable() {
            return Err(ServiceError::Unreadable(u));
        }
        // Decided and written with the other commands waiting on its stream. The queue
        // holds answers of every type, so each travels as the JSON it is stored as.
        let respond: hot::Respond<Value> = Box::new(move |stream, version, events| {
            let reply = respond(&Outcome {
                stream: stream.clone(),
                version,
                events: events.to_vec(),
            });
            serde_json::to_value(reply).unwrap_or(Value::Null)
        });
        let erasure = matches!(
            command,
            Command::Person(_, homeward_domain::person::PersonCommand::Erase { .. })
        )
        .then(|| command.stream_id().to_string());
        match self.hot.submit(command, meta, respond).await? {
            hot::Done::Fresh(value) => {
                // Answered once every live instance shows the person as erased.
                let unconfirmed = match erasure {
                    Some(stream) => {
                        let left = self.log.erasure_everywhere(stream, ERASURE_CONFIRM).await;
                        if !left.is_empty() {
                            tracing::warn!(instances = ?left, "the erasure is durable, but not every instance has confirmed folding it yet");
                        }
                        left
                    }
                    None => Vec::new(),
                };
                Ok(Accepted {
                    reply: serde_json::from_value(value)
                        .map_err(|e| ServiceError::Store(StoreError::Encode(e)))?,
                    replayed: false,
                    unconfirmed,
                })
            }
            hot::Done::Replayed(stored) => replayed(&stored),
        }
    }

    /// Records a refused request (for example, a role that may not do it) in the audit chain.
    pub async fn record_refusal(&self, request: RejectionRequest) -> Result<u64, StoreError> {
        self.log.record_rejection(request).await
    }

    /// An incident's file as it stood at `as_of`.
    pub async fn incident_as_of(
        &self,
        id: IncidentId,
        as_of: Timestamp,
    ) -> Result<Option<IncidentFile>, StoreError> {
        let events = self
            .log
            .read_stream(StreamId::incident(id).to_string())
            .await?;
        Ok(incidents::as_of(id, &events, as_of))
    }

    /// Every read model as it stood at `as_of`, folded from the log: every entry
    /// recorded at or before that moment. (Entries copied from several partitions may
    /// be a little out of recorded order, so the scan goes a minute past `as_of`.)
    pub async fn projections_as_of(&self, as_of: Timestamp) -> Result<Projections, StoreError> {
        let mut projections = Projections::default();
        let horizon = as_of
            .saturating_add(jiff::SignedDuration::from_mins(1))
            .unwrap_or(as_of);
        let end = self.projected();
        let mut after = 0;
        while after < end {
            let batch = self.log.read_after(after, 4096).await?;
            let Some(last) = batch.last() else { break };
            after = last.position();
            let mut past_horizon = false;
            for entry in &batch {
                if entry.recorded_at() <= as_of {
                    projections.apply(entry);
                } else if entry.recorded_at() > horizon {
                    past_horizon = true;
                    break;
                }
            }
            if past_horizon {
                break;
            }
        }
        Ok(projections)
    }
}

/// The stored answer to an earlier identical request.
fn replayed<R: Reply>(stored: &[u8]) -> Result<Accepted<R>, ServiceError> {
    outcome::replayed(stored).map_err(|e| ServiceError::Store(StoreError::Encode(e)))
}

/// Folds the log from the read models' position up to `target`. Reading and decoding
/// the next batch (on a blocking thread) overlaps with folding the current one.
/// Folds the log up to `target`, or up to the first entry this build cannot read (which
/// it returns: the service then starts held there, serving what it folded).
async fn catch_up(
    log: &Arc<dyn EventLog>,
    projections: &mut Projections,
    target: u64,
    progress: impl Fn(u64, u64),
) -> Result<(Subscription, Option<Unreadable>), StoreError> {
    let mut sub = Subscription::new(Arc::clone(log), projections.position);
    if sub.position() >= target {
        return Ok((sub, None));
    }
    let (batches, mut received) = tokio::sync::mpsc::channel(2);
    let reader = tokio::spawn(async move {
        while sub.position() < target {
            let batch = sub.next_batch().await;
            let failed = batch.is_err();
            if batches.send(batch).await.is_err() || failed {
                break;
            }
        }
        sub
    });
    let mut held = None;
    while let Some(batch) = received.recv().await {
        let batch = match batch {
            Ok(batch) => batch,
            Err(StoreError::Corrupt { position, reason }) => {
                held = Some(Unreadable { position, reason });
                break;
            }
            Err(e) => return Err(e),
        };
        projections.apply_all(&batch);
        progress(projections.position, target);
    }
    Ok((reader.await.map_err(|_| StoreError::Closed)?, held))
}

fn held_log(u: &Unreadable) {
    tracing::error!(
        position = u.position,
        reason = %u.reason,
        "cannot read the entry at position {} of the log ({}): reads show everything before it, changes are refused; upgrade this instance to a version that reads it (it then goes on by itself)",
        u.position,
        u.reason
    );
}

/// What the projector tells the rest of the service.
struct Sent {
    projected: watch::Sender<u64>,
    changes: broadcast::Sender<Arc<Change>>,
    unreadable: watch::Sender<Option<Unreadable>>,
}

/// Writes a snapshot when enough was folded since the last one.
struct Saver {
    snapshots: Arc<Snapshots>,
    log: Arc<dyn EventLog>,
    last: u64,
}

impl Saver {
    async fn maybe_save(
        &mut self,
        projections: &Arc<RwLock<Projections>>,
        position: u64,
        now: bool,
    ) {
        if !now && position < self.last.saturating_add(self.snapshots.interval()) {
            return;
        }
        match self.snapshots.save(&*self.log, projections).await {
            Ok(saved) if saved > 0 => {
                tracing::info!(position = saved, "snapshot of the read models written");
                self.last = saved;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "cannot write a snapshot of the read models");
                // Not again before another interval.
                self.last = position;
            }
        }
    }
}

/// Keeps the read models current: folds every new batch of the log in, then tells
/// waiting commands and live streams; writes snapshots when they are due.
async fn project(
    mut sub: Subscription,
    log: Arc<dyn EventLog>,
    projections: Arc<RwLock<Projections>>,
    sent: Sent,
    mut saver: Option<Saver>,
) {
    let Sent {
        projected,
        changes,
        unreadable,
    } = sent;
    // A person was erased: the snapshot on disk still holds their personal data, so it
    // is replaced at once by one folded past the erasure.
    let mut erased = false;
    loop {
        if let Some(saver) = &mut saver {
            saver
                .maybe_save(&projections, sub.position(), std::mem::take(&mut erased))
                .await;
        }
        let batch = match sub.next_batch().await {
            Ok(batch) => batch,
            Err(StoreError::Closed) => return,
            // Never skipped: held at the entry before it, retried until it reads.
            Err(StoreError::Corrupt { position, reason }) => {
                let u = Unreadable { position, reason };
                if unreadable.borrow().as_ref() != Some(&u) {
                    held_log(&u);
                    unreadable.send_replace(Some(u));
                }
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                continue;
            }
            Err(e) => {
                tracing::error!(error = %e, position = sub.position(), "projector cannot read the log; retrying");
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                continue;
            }
        };
        {
            let mut p = projections
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            p.apply_all(&batch);
        }
        let erasures: Vec<&str> = batch
            .iter()
            .filter_map(|e| match e {
                LogEntry::Event(e) if e.event_type == "person.erased" => Some(e.stream_id.as_str()),
                _ => None,
            })
            .collect();
        for stream in &erasures {
            log.erasure_folded(stream);
        }
        erased |= !erasures.is_empty();
        // Live streams first: the board shows a change as soon as it is folded,
        // without queueing behind the writers that are now answered.
        for entry in batch {
            if let LogEntry::Event(e) = entry {
                let _ = changes.send(Arc::new(Change::of(*e)));
            }
        }
        projected.send_replace(sub.position());
        if unreadable.borrow().is_some() {
            tracing::info!(position = sub.position(), "the log reads again: going on");
            unreadable.send_replace(None);
        }
    }
}
