//! A hot stream is not a queue of one: commands waiting on one stream are decided
//! together in arrival order, each against the state the previous one left, and
//! written as one conditional write, while every caller gets its own answer.
#![allow(missing_docs, clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::future::BoxFuture;
use homeward_domain::incident::{
    FileReport, IncidentCommand, IncidentKind, OpenIncident, ReportCategory,
};
use homeward_domain::{Actor, IncidentId, ReportId, Role, StreamId};
use homeward_service::Outcome;
use homeward_service::{Command, CommandMeta, Homeward, ServiceError, SystemClock};
use homeward_store::{
    AppendOutcome, AppendRequest, AuditQuery, AuditRow, EventLog, GroupOutcome, GroupStop,
    GroupWrite, LogEntry, RecordedEvent, RejectionRequest, SqliteLog, StoreError,
};
use tokio::sync::{Notify, Semaphore};
use uuid::Uuid;

/// The embedded log, counting the group writes and holding one back on request.
struct Gated {
    inner: SqliteLog,
    groups: AtomicUsize,
    armed: std::sync::atomic::AtomicBool,
    /// The held write is then refused as another instance's turn, nothing written.
    turn: std::sync::atomic::AtomicBool,
    entered: Notify,
    release: Semaphore,
    /// The head the service sees: it follows the log's own unless held.
    shown: tokio::sync::watch::Sender<u64>,
    holding: std::sync::atomic::AtomicBool,
    /// Written groups are answered without their log positions, as the Kafka log
    /// answers before its copy holds them.
    unpositioned: std::sync::atomic::AtomicBool,
}

impl Gated {
    /// Shows the service the log's head again, and from now on.
    fn release_head(&self) {
        self.holding.store(false, Ordering::SeqCst);
        self.shown.send_replace(*self.inner.head().borrow());
    }
}

impl EventLog for Gated {
    fn append(&self, request: AppendRequest) -> BoxFuture<'_, Result<AppendOutcome, StoreError>> {
        self.inner.append(request)
    }
    fn append_group(
        &self,
        writes: Vec<GroupWrite>,
    ) -> BoxFuture<'_, Result<GroupOutcome, StoreError>> {
        Box::pin(async move {
            self.groups.fetch_add(1, Ordering::SeqCst);
            if self.armed.swap(false, Ordering::SeqCst) {
                self.entered.notify_one();
                let _permit = self.release.acquire().await;
                if self.turn.swap(false, Ordering::SeqCst) {
                    // The stream stands where the test left it: opened, version 1.
                    return Ok(GroupOutcome::Stopped {
                        index: 0,
                        reason: GroupStop::Turn {
                            actual: 1,
                            writer: Some("http://b:8080".into()),
                        },
                    });
                }
            }
            let outcome = self.inner.append_group(writes).await;
            match outcome {
                Ok(GroupOutcome::Written(positions))
                    if self.unpositioned.load(Ordering::SeqCst) =>
                {
                    Ok(GroupOutcome::Written(
                        positions.into_iter().map(|(_, v)| (0, v)).collect(),
                    ))
                }
                other => other,
            }
        })
    }
    fn record_rejection(
        &self,
        request: RejectionRequest,
    ) -> BoxFuture<'_, Result<u64, StoreError>> {
        self.inner.record_rejection(request)
    }
    fn idempotent_response(
        &self,
        scope: String,
        request_hash: [u8; 32],
    ) -> BoxFuture<'_, Result<Option<Vec<u8>>, StoreError>> {
        self.inner.idempotent_response(scope, request_hash)
    }
    fn read_stream(&self, stream: String) -> BoxFuture<'_, Result<Vec<RecordedEvent>, StoreError>> {
        self.inner.read_stream(stream)
    }
    fn read_after(
        &self,
        after: u64,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<LogEntry>, StoreError>> {
        self.inner.read_after(after, limit)
    }
    fn audit(&self, query: AuditQuery) -> BoxFuture<'_, Result<Vec<AuditRow>, StoreError>> {
        self.inner.audit(query)
    }
    fn head(&self) -> tokio::sync::watch::Receiver<u64> {
        self.shown.subscribe()
    }
}

fn meta(key: Option<&str>) -> CommandMeta {
    CommandMeta {
        actor: Actor::new("wei", Role::DutyOfficer),
        correlation_id: Uuid::now_v7(),
        idempotency: key.map(|k| (format!("wei:{k}"), [7u8; 32])),
        expected_version: None,
        causation_id: None,
    }
}

fn report(report: u128, text: &str) -> IncidentCommand {
    IncidentCommand::FileReport(FileReport {
        report_id: ReportId(Uuid::from_u128(report)),
        text: text.into(),
        category: ReportCategory::Situation,
        place: None,
        lat: None,
        lon: None,
        occurred_at: None,
    })
}

type Answer = tokio::task::JoinHandle<Result<homeward_service::Accepted, ServiceError>>;

/// An incident opened through the service on a gated embedded log, and a way to send
/// it commands, each from a task of its own.
struct Opened {
    log: Arc<Gated>,
    service: Arc<Homeward>,
    stream: StreamId,
    send: Box<dyn Fn(IncidentCommand, Option<&'static str>) -> Answer>,
    _dir: tempfile::TempDir,
}

async fn opened(incident: u128) -> Opened {
    let dir = tempfile::tempdir().unwrap();
    let inner = SqliteLog::open(dir.path()).unwrap();
    let log = Arc::new(Gated {
        shown: tokio::sync::watch::Sender::new(*inner.head().borrow()),
        inner,
        groups: AtomicUsize::new(0),
        armed: false.into(),
        turn: false.into(),
        entered: Notify::new(),
        release: Semaphore::new(0),
        holding: false.into(),
        unpositioned: false.into(),
    });
    {
        let log = Arc::clone(&log);
        let mut head = log.inner.head();
        tokio::spawn(async move {
            loop {
                let at = *head.borrow_and_update();
                if !log.holding.load(Ordering::SeqCst) {
                    log.shown.send_replace(at);
                }
                if head.changed().await.is_err() {
                    return;
                }
            }
        });
    }
    let service = Homeward::start(
        Arc::clone(&log) as Arc<dyn EventLog>,
        Arc::new(SystemClock),
        |_, _| {},
    )
    .await
    .unwrap();
    let id = IncidentId(Uuid::from_u128(incident));
    let stream = StreamId::incident(id);
    let open = IncidentCommand::Open(OpenIncident {
        kind: IncidentKind::Evacuation,
        title: "Evacuation of Khartoum".into(),
        country: "SD".into(),
        severity: 5,
        classification: None,
        place: None,
        lat: None,
        lon: None,
        summary: None,
        occurred_at: None,
    });
    service
        .execute(Command::Incident(id, open), meta(None), Outcome::clone)
        .await
        .unwrap();

    let send = {
        let service = Arc::clone(&service);
        Box::new(move |command: IncidentCommand, key: Option<&'static str>| {
            let service = Arc::clone(&service);
            tokio::spawn(async move {
                service
                    .execute(Command::Incident(id, command), meta(key), Outcome::clone)
                    .await
            })
        })
    };
    Opened {
        log,
        service,
        stream,
        send,
        _dir: dir,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_waiting_on_one_stream_are_decided_in_order_and_written_together() {
    let Opened {
        log,
        service,
        stream,
        send,
        _dir,
    } = opened(1).await;

    // The first report's write is held; everything after it queues meanwhile.
    log.armed.store(true, Ordering::SeqCst);
    let first = send(report(100, "first"), None);
    log.entered.notified().await;
    let queued = [
        (report(101, "one"), None),
        (report(102, "two"), None),
        (report(102, "two again, same report id"), None),
        (report(103, "three"), None),
        (report(104, "keyed five"), Some("k5")),
        (report(105, "keyed six"), Some("k6")),
        (report(104, "keyed five, retried"), Some("k5")),
        (report(106, "after the retry"), None),
    ];
    let mut waiting = Vec::new();
    for (n, (command, key)) in queued.into_iter().enumerate() {
        waiting.push(send(command, key));
        while service.waiting(&stream) < n + 1 {
            tokio::task::yield_now().await;
        }
    }
    log.release.add_permits(1);
    let first = first.await.unwrap().unwrap();
    assert_eq!(first.reply.version, 2);
    let mut answers = Vec::new();
    for w in waiting {
        answers.push(w.await.unwrap());
    }

    let version = |a: &Result<homeward_service::Accepted, ServiceError>| match a {
        Ok(accepted) => accepted.reply.version,
        Err(e) => panic!("refused: {e}"),
    };
    // Each against the state the previous one left, in arrival order.
    assert_eq!(version(&answers[0]), 3);
    assert_eq!(version(&answers[1]), 4);
    assert!(
        matches!(&answers[2], Err(ServiceError::Rejected(_))),
        "the second report with the same id is refused: {:?}",
        answers[2]
    );
    assert_eq!(version(&answers[3]), 5);
    assert_eq!(version(&answers[4]), 6);
    assert_eq!(version(&answers[5]), 7);
    // The retry of a key gets the first answer, replayed; the command after it follows.
    let retried = answers[6].as_ref().unwrap();
    assert!(retried.replayed);
    assert_eq!(retried.reply, answers[4].as_ref().unwrap().reply);
    assert_eq!(version(&answers[7]), 8);
    // Opening, the held report, the queued group up to the second use of a key, and
    // the command after it (the retry was answered from the log).
    assert_eq!(log.groups.load(Ordering::SeqCst), 4);

    // The log: gapless versions, the reports once each, the refusal in the audit chain.
    let entries = log.read_after(0, 1000).await.unwrap();
    let versions: Vec<u64> = entries
        .iter()
        .filter_map(|e| match e {
            LogEntry::Event(e) => Some(e.version),
            LogEntry::Rejection(_) => None,
        })
        .collect();
    assert_eq!(versions, (1..=8).collect::<Vec<_>>());
    let refusals: Vec<&str> = entries
        .iter()
        .filter_map(|e| match e {
            LogEntry::Rejection(r) => Some(r.command.as_str()),
            LogEntry::Event(_) => None,
        })
        .collect();
    assert_eq!(refusals.len(), 1);
    // Each key has its own record.
    for (key, answer) in [("k5", &answers[4]), ("k6", &answers[5])] {
        let stored = log
            .idempotent_response(format!("wei:{key}"), [7u8; 32])
            .await
            .unwrap()
            .unwrap();
        let stored: Outcome = serde_json::from_slice(&stored).unwrap();
        assert_eq!(stored, answer.as_ref().unwrap().reply);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_refused_for_another_instances_turn_leads_the_next_group_with_what_arrived() {
    let Opened {
        log,
        service,
        stream,
        send,
        _dir,
    } = opened(2).await;

    // The first report's write is held, then refused: another instance has the turn
    // (and, here, never writes, so the turn runs out).
    log.armed.store(true, Ordering::SeqCst);
    log.turn.store(true, Ordering::SeqCst);
    let mut answers = vec![send(report(200, "first"), None)];
    log.entered.notified().await;
    for (n, r) in [201, 202, 203].into_iter().enumerate() {
        answers.push(send(report(r, "queued behind it"), None));
        while service.waiting(&stream) < n + 1 {
            tokio::task::yield_now().await;
        }
    }
    log.release.add_permits(1);
    let mut versions = Vec::new();
    for a in answers {
        versions.push(a.await.unwrap().unwrap().reply.version);
    }
    // In arrival order, the refused command first; nothing of the refused write.
    assert_eq!(versions, vec![2, 3, 4, 5]);
    // Opening, the refused write, then one group of the refused command and the three
    // that arrived meanwhile.
    assert_eq!(log.groups.load(Ordering::SeqCst), 3);
    let events = log.read_stream(stream.to_string()).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.version).collect::<Vec<_>>(),
        (1..=5).collect::<Vec<_>>()
    );
    // The instance that has the turn said where it serves: the stream's next commands
    // are for it.
    assert_eq!(
        service.writers().elsewhere(&stream).as_deref(),
        Some("http://b:8080")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_group_is_written_before_the_read_models_hold_the_last_and_answers_wait_for_them()
{
    let Opened {
        log,
        service,
        stream,
        send,
        _dir,
    } = opened(3).await;
    // The read models stop at the opening (position 1); the log answers as Kafka does,
    // without positions.
    log.holding.store(true, Ordering::SeqCst);
    log.unpositioned.store(true, Ordering::SeqCst);
    let mut written = log.inner.head();

    let first = send(report(300, "first"), Some("k300"));
    written.wait_for(|p| *p >= 2).await.unwrap();
    // Durable, but not folded here: its caller is not answered yet, and the next
    // command is decided against what the first left and written at once.
    let second = send(report(301, "second"), None);
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        written.wait_for(|p| *p >= 3),
    )
    .await
    .expect("the second report was written while the first was not folded")
    .unwrap();
    assert_eq!(service.projected(), 1);
    assert!(!first.is_finished() && !second.is_finished());

    log.release_head();
    let first = first.await.unwrap().unwrap();
    let second = second.await.unwrap().unwrap();
    assert_eq!((first.reply.version, second.reply.version), (2, 3));
    // Each caller reads its own write once answered.
    assert!(service.projected() >= 3);
    let events = log.read_stream(stream.to_string()).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.version).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_decided_against_a_write_not_yet_folded_is_answered_once_it_is() {
    let Opened {
        log,
        service,
        stream: _,
        send: _,
        _dir,
    } = opened(4).await;
    let id = IncidentId(Uuid::from_u128(4));
    log.holding.store(true, Ordering::SeqCst);
    let mut written = log.inner.head();
    let first = {
        let service = Arc::clone(&service);
        tokio::spawn(async move {
            service
                .execute(
                    Command::Incident(id, report(400, "first")),
                    meta(None),
                    Outcome::clone,
                )
                .await
        })
    };
    written.wait_for(|p| *p >= 2).await.unwrap();
    // A caller who saw version 1: refused against version 2, which this instance's
    // read models do not hold yet. The refusal writes nothing and waits for them.
    let stale = {
        let service = Arc::clone(&service);
        tokio::spawn(async move {
            let mut m = meta(None);
            m.expected_version = Some(1);
            let answer = service
                .execute(
                    Command::Incident(id, report(401, "stale")),
                    m,
                    Outcome::clone,
                )
                .await;
            // What the read models held when it was answered.
            (answer, service.projected())
        })
    };
    while service.waiting(&StreamId::incident(id)) > 0 {
        tokio::task::yield_now().await;
    }
    assert_eq!(service.projected(), 1);
    assert!(!first.is_finished());

    log.release_head();
    assert_eq!(first.await.unwrap().unwrap().reply.version, 2);
    let (answer, held) = stale.await.unwrap();
    match answer {
        Err(ServiceError::Conflict { expected, actual }) => assert_eq!((expected, actual), (1, 2)),
        other => panic!("{other:?}"),
    }
    assert!(
        held >= 2,
        "answered while the read models held position {held}"
    );
}
