//! Starting from a snapshot of the read models: the snapshot and the log's tail give
//! the state of a clean fold, and a snapshot that does not match the log is ignored.
#![allow(missing_docs, clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use homeward_domain::incident::{
    FileReport, IncidentCommand, IncidentKind, OpenIncident, ReportCategory,
};
use homeward_domain::{Actor, IncidentId, ReportId, Role};
use homeward_service::Outcome;
use homeward_service::{Command, CommandMeta, Homeward, Snapshots, SystemClock};
use homeward_store::{EventLog, SqliteLog};
use uuid::Uuid;

fn meta() -> CommandMeta {
    CommandMeta {
        actor: Actor::new("wei", Role::DutyOfficer),
        correlation_id: Uuid::now_v7(),
        idempotency: None,
        expected_version: None,
        causation_id: None,
    }
}

/// Opens `incidents` incidents and files `reports` reports on each.
async fn write(service: &Homeward, incidents: u128, reports: u128, seed: u128) {
    for i in 0..incidents {
        let id = IncidentId(Uuid::from_u128(seed * 1000 + i + 1));
        let open = IncidentCommand::Open(OpenIncident {
            kind: IncidentKind::Accident,
            title: format!("Bus crash {seed}-{i}"),
            country: "PE".into(),
            severity: 3,
            classification: None,
            place: Some("Cusco".into()),
            lat: None,
            lon: None,
            summary: None,
            occurred_at: None,
        });
        service
            .execute(Command::Incident(id, open), meta(), Outcome::clone)
            .await
            .unwrap();
        for r in 0..reports {
            let report = IncidentCommand::FileReport(FileReport {
                report_id: ReportId(Uuid::from_u128(seed * 1_000_000 + i * 1000 + r)),
                text: format!("report {r}"),
                category: ReportCategory::Situation,
                place: None,
                lat: None,
                lon: None,
                occurred_at: None,
            });
            service
                .execute(Command::Incident(id, report), meta(), Outcome::clone)
                .await
                .unwrap();
        }
    }
}

async fn clean_fold(log: &Arc<dyn EventLog>) -> homeward_projections::Projections {
    let clean = Homeward::start(Arc::clone(log), Arc::new(SystemClock), |_, _| {})
        .await
        .unwrap();
    clean.read().clone()
}

fn snapshots(dir: &Path) -> Snapshots {
    // Large enough that only explicit saves write one.
    Snapshots::in_dir(dir).every(1_000_000)
}

#[tokio::test]
async fn a_restart_from_a_snapshot_folds_the_tail_to_the_state_of_a_clean_fold() {
    let dir = tempfile::tempdir().unwrap();
    let log: Arc<dyn EventLog> = Arc::new(SqliteLog::open(dir.path()).unwrap());
    // Given a snapshot taken after some history,
    let first = Homeward::start_with_snapshots(
        Arc::clone(&log),
        Arc::new(SystemClock),
        snapshots(dir.path()),
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(first.resumed_from(), 0);
    write(&first, 3, 4, 1).await;
    let saved = first.save_snapshot().await.unwrap().unwrap();
    assert_eq!(saved, first.projected());
    // and more history after it,
    write(&first, 2, 3, 2).await;
    assert!(first.projected() > saved);
    // when the service starts again,
    let second = Homeward::start_with_snapshots(
        Arc::clone(&log),
        Arc::new(SystemClock),
        snapshots(dir.path()),
        |_, _| {},
    )
    .await
    .unwrap();
    // then it started from the snapshot and holds what a clean fold holds.
    assert_eq!(second.resumed_from(), saved);
    assert_eq!(second.projected(), first.projected());
    let clean = clean_fold(&log).await;
    assert_eq!(*second.read(), clean);
    assert_eq!(*second.read(), *first.read());
}

#[tokio::test]
async fn a_snapshot_of_another_log_or_a_damaged_one_is_ignored() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let log_a: Arc<dyn EventLog> = Arc::new(SqliteLog::open(a.path()).unwrap());
    let log_b: Arc<dyn EventLog> = Arc::new(SqliteLog::open(b.path()).unwrap());
    let on_a = Homeward::start_with_snapshots(
        Arc::clone(&log_a),
        Arc::new(SystemClock),
        snapshots(a.path()),
        |_, _| {},
    )
    .await
    .unwrap();
    let on_b = Homeward::start(Arc::clone(&log_b), Arc::new(SystemClock), |_, _| {})
        .await
        .unwrap();
    // Given two logs of the same length but different entries,
    write(&on_a, 2, 3, 1).await;
    write(&on_b, 2, 3, 2).await;
    assert_eq!(on_a.projected(), on_b.projected());
    let saved = on_a.save_snapshot().await.unwrap().unwrap();
    assert!(saved > 0);
    let file = a.path().join(homeward_service::snapshots::FILE_NAME);
    // when A's snapshot is put beside B's log,
    std::fs::copy(&file, b.path().join(homeward_service::snapshots::FILE_NAME)).unwrap();
    let restarted = Homeward::start_with_snapshots(
        Arc::clone(&log_b),
        Arc::new(SystemClock),
        snapshots(b.path()),
        |_, _| {},
    )
    .await
    .unwrap();
    // then it is ignored and B's log is folded from the start.
    assert_eq!(restarted.resumed_from(), 0);
    let clean = clean_fold(&log_b).await;
    assert_eq!(*restarted.read(), clean);

    // Given a damaged snapshot beside A's own log, it is ignored too.
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&file, &bytes).unwrap();
    let restarted = Homeward::start_with_snapshots(
        Arc::clone(&log_a),
        Arc::new(SystemClock),
        snapshots(a.path()),
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(restarted.resumed_from(), 0);
    let clean = clean_fold(&log_a).await;
    assert_eq!(*restarted.read(), clean);

    // And one that is not a snapshot at all.
    std::fs::write(&file, b"not a snapshot").unwrap();
    let restarted = Homeward::start_with_snapshots(
        Arc::clone(&log_a),
        Arc::new(SystemClock),
        snapshots(a.path()),
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(restarted.resumed_from(), 0);
    assert_eq!(*restarted.read(), *on_a.read());
}

#[tokio::test]
async fn the_projector_writes_a_snapshot_once_enough_was_folded_and_a_restart_uses_it() {
    let dir = tempfile::tempdir().unwrap();
    let log: Arc<dyn EventLog> = Arc::new(SqliteLog::open(dir.path()).unwrap());
    // Given a service that writes a snapshot every 10 entries,
    let service = Homeward::start_with_snapshots(
        Arc::clone(&log),
        Arc::new(SystemClock),
        Snapshots::in_dir(dir.path()).every(10),
        |_, _| {},
    )
    .await
    .unwrap();
    let mut written = service.snapshots_written().unwrap();
    assert_eq!(*written.borrow(), 0);
    // when more than that is folded,
    write(&service, 3, 4, 1).await;
    assert!(service.projected() >= 10);
    // then the projector writes one (waiting for it is bounded, not timed),
    let saved = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        written.wait_for(|p| *p >= 10),
    )
    .await
    .expect("a snapshot within a minute")
    .map(|p| *p)
    .unwrap();
    // and a restart starts from it and holds what a clean fold holds.
    let restarted = Homeward::start_with_snapshots(
        Arc::clone(&log),
        Arc::new(SystemClock),
        snapshots(dir.path()),
        |_, _| {},
    )
    .await
    .unwrap();
    assert!(restarted.resumed_from() >= saved);
    let clean = clean_fold(&log).await;
    assert_eq!(*restarted.read(), clean);
}
