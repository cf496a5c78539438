//! A hot stream is not a queue of one.
//!
//! In an evacuation dozens of coordinators check people in on one stream at once.
//! Commands for one stream wait in that stream's queue; one worker per busy stream
//! takes everything waiting, decides each command in arrival order against the state
//! the previous one left (a scratch copy of the stream), and writes the whole group as
//! one conditional write ([`EventLog::append_group`]: one transaction, one fsync).
//! Every caller gets its own answer: its events and the version after them, or its own
//! refusal (with its own audit entry in the same write), or its conflict; each
//! idempotency key gets its own record. When the write cannot be done as a whole (a
//! duplicate, a reused key, another instance's write), nothing of it was written: the
//! command that stopped it gets its answer and the others are decided again.
//!
//! The worker moves on as soon as a group is durable: it keeps the stream's state as
//! that write left it and decides the next group against it, while the group's callers
//! are answered once this instance's read models hold the write (read your writes).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use homeward_domain::{Context, Rejection, StreamId};
use homeward_projections::streams::Streams;
use homeward_store::{
    AppendRequest, EventLog, GroupOutcome, GroupStop, GroupWrite, Idempotency, ProposedEvent,
    RejectionRequest, StoreError,
};
use serde::Serialize;
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::folded::Folded;
use crate::{Clock, Command, CommandMeta, IdSource, ServiceError};

/// The most commands decided and written together.
const MAX_GROUP: usize = 64;
/// How many races to another instance's write a command may lose before it is answered
/// as contended.
const MAX_ATTEMPTS: usize = 24;

/// How long a group refused because another instance has the stream's turn waits for
/// that instance's write before it is decided again anyway (a little longer than the
/// turn itself lasts).
const TURN_PATIENCE: Duration = Duration::from_millis(300);

/// What a group to decide again waits for first.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Wait {
    /// The stream's version the read models must hold.
    version: u64,
    /// The longest wait.
    patience: Duration,
}

/// The longest a written group's callers wait for this instance's read models to hold
/// the write before they are answered anyway (it is durable; only reading it here lags).
const FOLD_PATIENCE: Duration = Duration::from_secs(30);

impl Wait {
    /// Waits for `version` (0: the log's head only), a few seconds at most.
    fn folded(version: u64) -> Self {
        Self {
            version,
            patience: Duration::from_secs(5),
        }
    }
}

/// Builds a caller's answer from its stream, the version after its events and their ids.
pub(crate) type Respond<R> = Box<dyn Fn(&StreamId, u64, &[Uuid]) -> R + Send + Sync>;

/// What a command came to.
pub(crate) enum Done<R> {
    /// It took effect now (or had nothing to do): the answer.
    Fresh(R),
    /// The same request took effect before: the stored answer.
    Replayed(Vec<u8>),
}

type Reply<R> = oneshot::Sender<Result<Done<R>, ServiceError>>;

struct Job<R> {
    command: Command,
    meta: CommandMeta,
    respond: Respond<R>,
    reply: Reply<R>,
    /// Waited once already for a version the caller saw and this instance had not.
    waited: bool,
    /// Waited behind another command with the same idempotency key: the log is asked
    /// for that key's answer before this one is decided.
    recheck: bool,
    /// How many times its group lost the race to another instance's write.
    races_lost: usize,
}

/// What the service needs to decide and write.
pub(crate) struct Parts {
    pub log: Arc<dyn EventLog>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdSource>,
    /// The read models, and how far they got.
    pub folded: Folded,
    /// Told where another instance that has a stream's turn serves.
    pub writers: Arc<crate::writers::Writers>,
}

/// The queues of the streams with commands waiting.
pub(crate) struct Hot<R> {
    shared: Arc<Shared<R>>,
}

struct Shared<R> {
    parts: Parts,
    /// A stream has an entry while its worker runs.
    queues: Mutex<HashMap<StreamId, VecDeque<Job<R>>>>,
    /// The streams as their last write left them, until the read models hold that.
    kept: Kept,
}

/// Each stream as the last write of its queue left it, kept until the read models
/// hold that write (see [`Parts::base`]).
type Kept = Arc<Mutex<HashMap<StreamId, Streams>>>;

impl<R: Serialize + Send + 'static> Hot<R> {
    pub(crate) fn new(parts: Parts) -> Self {
        Self {
            shared: Arc::new(Shared {
                parts,
                queues: Mutex::default(),
                kept: Kept::default(),
            }),
        }
    }

    /// Queues a command behind the others of its stream and waits for its answer.
    pub(crate) async fn submit(
        &self,
        command: Command,
        meta: CommandMeta,
        respond: Respond<R>,
    ) -> Result<Done<R>, ServiceError> {
        let stream = command.stream_id();
        let (reply, answer) = oneshot::channel();
        let job = Job {
            command,
            meta,
            respond,
            reply,
            waited: false,
            recheck: false,
            races_lost: 0,
        };
        let start = {
            let mut queues = self.shared.queues.lock().unwrap_or_else(|p| p.into_inner());
            match queues.get_mut(&stream) {
                Some(queue) => {
                    queue.push_back(job);
                    false
                }
                None => {
                    queues.insert(stream.clone(), VecDeque::from([job]));
                    true
                }
            }
        };
        if start {
            // Its own task: a caller that goes away does not stop the others' answers.
            tokio::spawn(work(Arc::clone(&self.shared), stream));
        }
        answer
            .await
            .unwrap_or(Err(ServiceError::Store(StoreError::Closed)))
    }
}

/// Takes the commands waiting on a stream, group after group, until none is left. The
/// commands of a round that must be decided again (a lost race, a wait) come first in
/// the next group, and whatever arrived meanwhile joins them behind, up to
/// [`MAX_GROUP`]: a busy stream's groups grow instead of queueing.
async fn work<R: Serialize + Send + 'static>(shared: Arc<Shared<R>>, stream: StreamId) {
    let mut carried = VecDeque::new();
    let mut wait_for = None;
    loop {
        let group = {
            let mut queues = shared.queues.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(queue) = queues.get_mut(&stream) {
                let n = queue.len().min(MAX_GROUP.saturating_sub(carried.len()));
                carried.extend(queue.drain(..n));
            }
            if carried.is_empty() {
                queues.remove(&stream);
                return;
            }
            std::mem::take(&mut carried)
        };
        (carried, wait_for) = shared
            .parts
            .round(&stream, group, wait_for, &shared.kept)
            .await;
    }
}

/// A decided command waiting for its group's write.
enum Planned<R> {
    /// Its events are write `index` of the group.
    Append { index: usize, answer: R },
    /// Its refusal is write `index`.
    Refused { index: usize, rejection: Rejection },
    /// Nothing to write (a reaction that already took effect).
    Nothing { answer: R },
    /// The caller expected another version.
    Conflict { expected: u64, actual: u64 },
}

impl<R> Planned<R> {
    fn index(&self) -> Option<usize> {
        match self {
            Self::Append { index, .. } | Self::Refused { index, .. } => Some(*index),
            Self::Nothing { .. } | Self::Conflict { .. } => None,
        }
    }
}

/// A store error for every caller of a group that failed as a whole.
fn shared_error(e: &StoreError) -> StoreError {
    match e {
        StoreError::CommitFailed(m) => StoreError::CommitFailed(m.clone()),
        StoreError::Closed => StoreError::Closed,
        other => StoreError::Unavailable(other.to_string()),
    }
}

impl Parts {
    /// Decides and writes a group once. Returns the commands to decide again (in
    /// order) and what to wait for first, if anything. A written group's state is
    /// kept for the next (`kept`) until the read models hold it.
    async fn round<R: Serialize + Send + 'static>(
        &self,
        stream: &StreamId,
        pending: VecDeque<Job<R>>,
        wait_for: Option<Wait>,
        kept: &Kept,
    ) -> (VecDeque<Job<R>>, Option<Wait>) {
        let (mut pending, spent): (VecDeque<_>, VecDeque<_>) = pending
            .into_iter()
            .partition(|job| job.races_lost < MAX_ATTEMPTS);
        for job in spent {
            let _ = job.reply.send(Err(ServiceError::Contended));
        }
        if let Some(Wait { version, patience }) = wait_for {
            // Fold in what another writer appended, then decide again.
            let head = *self.log.head().borrow();
            self.folded.position(head).await;
            self.folded.version(stream, version, patience).await;
        }
        pending = self.recheck(pending).await;
        let mut scratch = self.base(stream, kept);
        let (planned, writes, deferred) = self.decide(stream, &mut scratch, &mut pending);
        let mut wait_for = (!deferred.is_empty()).then_some(Wait::folded(0));
        if writes.is_empty() {
            // Decided against what the last write left, which the read models may not
            // hold yet: answered once they do.
            let held = scratch.version(stream);
            self.answer_folded(stream, planned, vec![(0, Some(held))], kept);
            return (deferred, wait_for);
        }
        match self.log.append_group(writes).await {
            Ok(GroupOutcome::Written(positions)) => {
                // Durable: the next group is decided against what this one left, and
                // this one's callers are answered once the read models hold it.
                lock(kept).insert(stream.clone(), scratch);
                self.answer_folded(stream, planned, positions, kept);
                (deferred, wait_for)
            }
            Ok(GroupOutcome::Stopped { index, reason }) => {
                let mut again = VecDeque::with_capacity(planned.len() + deferred.len());
                let lost = matches!(reason, GroupStop::Conflict { .. });
                for (mut job, plan) in planned {
                    if plan.index() != Some(index) {
                        job.races_lost += usize::from(lost);
                        again.push_back(job);
                        continue;
                    }
                    match &reason {
                        GroupStop::Duplicate(response) => {
                            let _ = job.reply.send(Ok(Done::Replayed(response.clone())));
                        }
                        GroupStop::KeyReused => {
                            let _ = job.reply.send(Err(ServiceError::IdempotencyKeyReused));
                        }
                        GroupStop::Conflict { actual, .. } => {
                            if let Some(expected) = job.meta.expected_version {
                                let _ = job.reply.send(Err(ServiceError::Conflict {
                                    expected,
                                    actual: *actual,
                                }));
                            } else {
                                job.races_lost += 1;
                                again.push_back(job);
                            }
                            // Another instance wrote this stream: decide again once
                            // its events are folded here. No pause: each lost race
                            // is another writer's progress, so the writers cannot
                            // keep each other from it.
                            tracing::debug!(%stream, actual, "lost a race");
                            wait_for = Some(Wait::folded(*actual));
                        }
                        GroupStop::Turn { actual, writer } => {
                            // Another instance lost the last race and writes next:
                            // decide again once its write is folded here, and send it
                            // the stream's next commands.
                            if let Some(url) = writer {
                                self.writers.learned(stream, url);
                            }
                            again.push_back(job);
                            wait_for = Some(Wait {
                                version: actual + 1,
                                patience: TURN_PATIENCE,
                            });
                        }
                    }
                }
                again.extend(deferred);
                (again, wait_for)
            }
            Err(e) => {
                for (job, _) in planned {
                    let _ = job.reply.send(Err(ServiceError::Store(shared_error(&e))));
                }
                (deferred, wait_for)
            }
        }
    }

    /// Answers the commands that waited behind another use of their idempotency key
    /// from the log when that key now has an answer; returns the others.
    async fn recheck<R>(&self, pending: VecDeque<Job<R>>) -> VecDeque<Job<R>> {
        let mut left = VecDeque::with_capacity(pending.len());
        for mut job in pending {
            let key = job.meta.idempotency.clone().filter(|_| job.recheck);
            job.recheck = false;
            let Some((scope, hash)) = key else {
                left.push_back(job);
                continue;
            };
            match self.log.idempotent_response(scope, hash).await {
                Ok(Some(stored)) => {
                    let _ = job.reply.send(Ok(Done::Replayed(stored)));
                }
                Ok(None) => left.push_back(job),
                Err(e) => {
                    let _ = job.reply.send(Err(e.into()));
                }
            }
        }
        left
    }

    /// The state to decide the next group against: a scratch copy of the stream as the
    /// read models hold it, or as the queue's last write left it (`kept`) when the
    /// read models have not folded that write yet. Versions are gapless and written
    /// once, so two states of a stream at one version are the same state, and the one
    /// at the higher version is the newer: a write by another instance shows in the
    /// read models first, this instance's own write in `kept`.
    fn base(&self, stream: &StreamId, kept: &Kept) -> Streams {
        let kept = lock(kept);
        let projections = self
            .folded
            .projections
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match kept.get(stream) {
            Some(kept) if kept.version(stream) > projections.streams.version(stream) => {
                kept.clone()
            }
            _ => projections.streams.subset([stream]),
        }
    }

    /// Decides the pending commands in order against `scratch`, a copy of the stream
    /// that each decided command's events move on. A command that must wait (a version
    /// the caller saw and this instance has not folded yet, or a second use of one
    /// idempotency key) waits with every command after it, so the order of arrival is
    /// kept.
    #[allow(clippy::type_complexity)]
    fn decide<R: Serialize>(
        &self,
        stream: &StreamId,
        scratch: &mut Streams,
        pending: &mut VecDeque<Job<R>>,
    ) -> (Vec<(Job<R>, Planned<R>)>, Vec<GroupWrite>, VecDeque<Job<R>>) {
        let now = self.clock.now();
        let mut planned = Vec::with_capacity(pending.len());
        let mut writes = Vec::new();
        let mut scopes = HashSet::new();
        while let Some(mut job) = pending.pop_front() {
            let ctx = Context::new(job.meta.actor.clone(), now);
            let (version, decided) = job.command.decide(scratch, &ctx);
            let repeated_key = job
                .meta
                .idempotency
                .as_ref()
                .is_some_and(|(scope, _)| scopes.contains(scope));
            let ahead = job
                .meta
                .expected_version
                .is_some_and(|expected| expected > version && !job.waited);
            if repeated_key || ahead {
                job.waited |= ahead;
                job.recheck |= repeated_key;
                pending.push_front(job);
                break;
            }
            if let Some(expected) = job.meta.expected_version
                && expected != version
            {
                planned.push((
                    job,
                    Planned::Conflict {
                        expected,
                        actual: version,
                    },
                ));
                continue;
            }
            if let Some((scope, _)) = &job.meta.idempotency {
                scopes.insert(scope.clone());
            }
            match decided {
                Err(rejection) => {
                    writes.push(GroupWrite::Reject(RejectionRequest {
                        stream_id: Some(stream.clone()),
                        command: job.command.name().to_owned(),
                        code: rejection.code().to_owned(),
                        reason: rejection.to_string(),
                        actor: job.meta.actor.clone(),
                        correlation_id: job.meta.correlation_id,
                    }));
                    let index = writes.len() - 1;
                    planned.push((job, Planned::Refused { index, rejection }));
                }
                Ok(events) if events.is_empty() => {
                    let answer = (job.respond)(stream, version, &[]);
                    planned.push((job, Planned::Nothing { answer }));
                }
                Ok(events) => {
                    let occurred_at = job.command.field_time().unwrap_or(now);
                    for event in &events {
                        scratch.apply_event(stream, event);
                    }
                    let proposed: Vec<ProposedEvent> = events
                        .into_iter()
                        .map(|event| ProposedEvent {
                            event_id: self.ids.next_id(),
                            event,
                            occurred_at,
                        })
                        .collect();
                    let ids: Vec<Uuid> = proposed.iter().map(|p| p.event_id).collect();
                    let answer = (job.respond)(stream, version + ids.len() as u64, &ids);
                    let meta = &job.meta;
                    writes.push(GroupWrite::Append(AppendRequest {
                        stream_id: stream.clone(),
                        expected_version: version,
                        events: proposed,
                        actor: meta.actor.clone(),
                        correlation_id: meta.correlation_id,
                        causation_id: meta.causation_id.unwrap_or(meta.correlation_id),
                        idempotency: meta.idempotency.as_ref().map(|(scope, hash)| Idempotency {
                            scope: scope.clone(),
                            request_hash: *hash,
                            response: serde_json::to_vec(&answer).unwrap_or_default(),
                        }),
                    }));
                    let index = writes.len() - 1;
                    planned.push((job, Planned::Append { index, answer }));
                }
            }
        }
        let deferred = std::mem::take(pending);
        (planned, writes, deferred)
    }

    /// Answers the decided commands of a group once the read models hold what it left
    /// (`positions`, see [`written`]), at once when they already do; the stream's kept
    /// state is forgotten then.
    fn answer_folded<R: Send + 'static>(
        &self,
        stream: &StreamId,
        planned: Vec<(Job<R>, Planned<R>)>,
        positions: Vec<(u64, Option<u64>)>,
        kept: &Kept,
    ) {
        let held = positions.iter().all(|(p, v)| {
            *p <= *self.folded.projected.borrow()
                && v.is_none_or(|v| v <= self.folded.version_of(stream))
        });
        if held {
            forget_folded(&self.folded, stream, kept);
            planned
                .into_iter()
                .for_each(|(job, plan)| answer(job, plan));
            return;
        }
        let (waiter, stream, kept) = (self.folded.clone(), stream.clone(), Arc::clone(kept));
        tokio::spawn(async move {
            written(&waiter, &stream, &positions).await;
            forget_folded(&waiter, &stream, &kept);
            planned
                .into_iter()
                .for_each(|(job, plan)| answer(job, plan));
        });
    }
}

/// Waits until the read models hold a written group: its log position where the log
/// names it, and its stream's version after it (a log whose own copy takes the write in
/// only after it is durable names no position).
async fn written(folded: &Folded, stream: &StreamId, positions: &[(u64, Option<u64>)]) {
    let last = positions.iter().map(|(p, _)| *p).max().unwrap_or(0);
    folded.position(last).await;
    if let Some(version) = positions.iter().filter_map(|(_, v)| *v).max() {
        folded.version(stream, version, FOLD_PATIENCE).await;
    }
}

/// Forgets the kept state of `stream` once the read models hold it.
fn forget_folded(folded: &Folded, stream: &StreamId, kept: &Kept) {
    let mut kept = lock(kept);
    let held = folded.version_of(stream);
    if kept.get(stream).is_some_and(|k| k.version(stream) <= held) {
        kept.remove(stream);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Sends a written (or not to be written) command its answer.
fn answer<R>(job: Job<R>, plan: Planned<R>) {
    let result = match plan {
        Planned::Append { answer, .. } | Planned::Nothing { answer } => Ok(Done::Fresh(answer)),
        Planned::Refused { rejection, .. } => Err(ServiceError::Rejected(rejection)),
        Planned::Conflict { expected, actual } => Err(ServiceError::Conflict { expected, actual }),
    };
    let _ = job.reply.send(result);
}

impl<R> Hot<R> {
    /// How many commands wait on `stream` now, besides the group being written.
    pub(crate) fn waiting(&self, stream: &StreamId) -> usize {
        let queues = self.shared.queues.lock().unwrap_or_else(|p| p.into_inner());
        queues.get(stream).map_or(0, VecDeque::len)
    }
}

impl crate::Homeward {
    /// How many commands wait on `stream` in this instance now, besides the group
    /// being decided and written.
    pub fn waiting(&self, stream: &StreamId) -> usize {
        self.hot.waiting(stream)
    }
}
