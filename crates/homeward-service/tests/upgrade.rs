//! A rolling upgrade seen from the service: an entry of the log this build cannot read
//! holds the read models at the entry before it (never skipped), refuses commands with
//! a typed error naming it, and the service goes on by itself once it reads.
#![allow(missing_docs, clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use homeward_domain::incident::{
    FileReport, IncidentCommand, IncidentEvent, IncidentKind, OpenIncident, ReportCategory,
    ReportFiled,
};
use homeward_domain::{Actor, DomainEvent, IncidentId, ReportId, Role, StreamId, Timestamp};
use homeward_service::{
    Command, CommandMeta, Homeward, Outcome, ServiceError, SystemClock, Unreadable,
};
use homeward_store::{
    AppendOutcome, AppendRequest, AuditQuery, AuditRow, EventLog, GroupOutcome, GroupWrite,
    LogEntry, ProposedEvent, RecordedEvent, RejectionRequest, SqliteLog, StoreError,
};
use uuid::Uuid;

/// A log whose entry at `newer` reads as written by a newer build until `upgraded`.
struct Upgrading {
    inner: SqliteLog,
    newer: u64,
    upgraded: AtomicBool,
}

const REASON: &str = "`incident.report_filed` v99 is newer than this build reads (v1)";

impl EventLog for Upgrading {
    fn append(&self, request: AppendRequest) -> BoxFuture<'_, Result<AppendOutcome, StoreError>> {
        self.inner.append(request)
    }
    fn append_group(
        &self,
        writes: Vec<GroupWrite>,
    ) -> BoxFuture<'_, Result<GroupOutcome, StoreError>> {
        self.inner.append_group(writes)
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
        let covers = after < self.newer && after + limit as u64 >= self.newer;
        if covers && !self.upgraded.load(Ordering::SeqCst) {
            let position = self.newer;
            return Box::pin(async move {
                Err(StoreError::Corrupt {
                    position,
                    reason: REASON.into(),
                })
            });
        }
        self.inner.read_after(after, limit)
    }
    fn audit(&self, query: AuditQuery) -> BoxFuture<'_, Result<Vec<AuditRow>, StoreError>> {
        self.inner.audit(query)
    }
    fn head(&self) -> tokio::sync::watch::Receiver<u64> {
        self.inner.head()
    }
}

fn meta() -> CommandMeta {
    CommandMeta {
        actor: Actor::new("wei", Role::DutyOfficer),
        correlation_id: Uuid::now_v7(),
        idempotency: None,
        expected_version: None,
        causation_id: None,
    }
}

fn report(n: u128) -> IncidentCommand {
    IncidentCommand::FileReport(FileReport {
        report_id: ReportId(Uuid::from_u128(100 + n)),
        text: format!("report {n}"),
        category: ReportCategory::Situation,
        place: None,
        lat: None,
        lon: None,
        occurred_at: None,
    })
}

/// What another (upgraded) instance writes: the third entry of the log.
async fn written_elsewhere(log: &Upgrading, id: IncidentId) {
    log.inner
        .append(AppendRequest {
            stream_id: StreamId::incident(id),
            expected_version: 2,
            events: vec![ProposedEvent {
                event_id: Uuid::now_v7(),
                event: DomainEvent::Incident(IncidentEvent::ReportFiled(ReportFiled {
                    report_id: ReportId(Uuid::from_u128(7)),
                    text: "From a newer build".into(),
                    category: ReportCategory::Situation,
                    place: None,
                    lat: None,
                    lon: None,
                })),
                occurred_at: Timestamp::now(),
            }],
            actor: Actor::new("amara", Role::DutyOfficer),
            correlation_id: Uuid::now_v7(),
            causation_id: Uuid::now_v7(),
            idempotency: None,
        })
        .await
        .unwrap();
}

async fn until(service: &Homeward, held: bool) -> Option<Unreadable> {
    let mut rx = service.watch_unreadable();
    tokio::time::timeout(
        Duration::from_secs(30),
        rx.wait_for(|u| u.is_some() == held),
    )
    .await
    .expect("the service never changed")
    .unwrap()
    .clone()
}

#[tokio::test]
async fn an_unreadable_entry_holds_the_service_before_it_until_it_reads() {
    let dir = tempfile::tempdir().unwrap();
    let log = Arc::new(Upgrading {
        inner: SqliteLog::open(dir.path()).unwrap(),
        newer: 3,
        upgraded: AtomicBool::new(false),
    });
    let service = Homeward::start(log.clone(), Arc::new(SystemClock), |_, _| {})
        .await
        .unwrap();
    let id = IncidentId(Uuid::from_u128(1));
    let stream = StreamId::incident(id);
    // Given an incident with a report, folded,
    let open = IncidentCommand::Open(OpenIncident {
        kind: IncidentKind::Accident,
        title: "Bus crash".into(),
        country: "PE".into(),
        severity: 3,
        classification: None,
        place: None,
        lat: None,
        lon: None,
        summary: None,
        occurred_at: None,
    });
    service
        .execute(Command::Incident(id, open), meta(), Outcome::clone)
        .await
        .unwrap();
    service
        .execute(Command::Incident(id, report(1)), meta(), Outcome::clone)
        .await
        .unwrap();
    assert_eq!(service.unreadable(), None);
    // when another instance writes an entry this build cannot read,
    written_elsewhere(&log, id).await;
    // then the service is held at the entry before it, naming it,
    let held = until(&service, true).await;
    assert_eq!(
        held,
        Some(Unreadable {
            position: 3,
            reason: REASON.into()
        })
    );
    assert_eq!(service.projected(), 2);
    assert_eq!(service.read().streams.version(&stream), 2);
    // and refuses commands, typed, writing nothing;
    let refused = service
        .execute(Command::Incident(id, report(2)), meta(), Outcome::clone)
        .await;
    assert!(
        matches!(&refused, Err(ServiceError::Unreadable(u)) if u.position == 3),
        "{refused:?}"
    );
    assert_eq!(*log.head().borrow(), 3);
    // a service started on the same log starts held there too, serving what came before.
    let second = Homeward::start(log.clone(), Arc::new(SystemClock), |_, _| {})
        .await
        .unwrap();
    assert_eq!(second.unreadable().map(|u| u.position), Some(3));
    assert_eq!(second.projected(), 2);

    // Once the entry reads, both go on by themselves.
    log.upgraded.store(true, Ordering::SeqCst);
    for s in [&service, &second] {
        assert_eq!(until(s, false).await, None);
        s.wait_for(3).await;
        assert_eq!(s.read().streams.version(&stream), 3);
    }
    let accepted = service
        .execute(Command::Incident(id, report(2)), meta(), Outcome::clone)
        .await
        .unwrap();
    assert_eq!(accepted.reply.version, 4);
}
