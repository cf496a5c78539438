//! The embedded log: conditional appends, idempotency, group commit, durability across
//! reopening, and the tamper-evident chain.
#![allow(missing_docs, clippy::unwrap_used)]

use std::sync::Arc;

use homeward_domain::country::{CountryEvent, RiskLevelSet};
use homeward_domain::{Actor, CountryCode, DomainEvent, Role, StreamId, Timestamp};
use homeward_store::sqlite::FILE_NAME;
use homeward_store::{
    AppendOutcome, AppendRequest, AuditQuery, EventLog, Idempotency, LogEntry, ProposedEvent,
    RejectionRequest, SqliteLog, StoreError, Subscription,
};
use uuid::Uuid;

fn stream(code: &str) -> StreamId {
    StreamId::country(CountryCode::parse(code).expect("code"))
}

fn risk(level: u8) -> ProposedEvent {
    ProposedEvent {
        event_id: Uuid::now_v7(),
        event: DomainEvent::Country(CountryEvent::RiskLevelSet(RiskLevelSet {
            level,
            previous: None,
            reason: "armed clashes in the capital".into(),
        })),
        occurred_at: "2026-04-15T06:00:00Z".parse::<Timestamp>().expect("time"),
    }
}

fn request(code: &str, expected: u64, events: Vec<ProposedEvent>) -> AppendRequest {
    AppendRequest {
        stream_id: stream(code),
        expected_version: expected,
        events,
        actor: Actor::new("wei.zhang", Role::DutyOfficer),
        correlation_id: Uuid::now_v7(),
        causation_id: Uuid::now_v7(),
        idempotency: None,
    }
}

#[tokio::test]
async fn appends_carry_the_whole_envelope_and_read_back_in_order() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let log = SqliteLog::open(dir.path())?;
    let out = log.append(request("SD", 0, vec![risk(3), risk(4)])).await?;
    assert_eq!(
        out,
        AppendOutcome::Appended {
            last_position: 2,
            version: 2
        }
    );
    let events = log.read_stream(stream("SD").to_string()).await?;
    assert_eq!(events.len(), 2);
    assert_eq!(
        events.iter().map(|e| e.version).collect::<Vec<_>>(),
        vec![1, 2]
    );
    let first = &events[0];
    assert_eq!(first.event_type, "country.risk_level_set");
    assert_eq!(first.schema_version, 1);
    assert_eq!(first.actor.subject, "wei.zhang");
    assert_eq!(first.occurred_at.to_string(), "2026-04-15T06:00:00Z");
    assert!(first.recorded_at > first.occurred_at);
    assert_ne!(first.event_id, events[1].event_id);
    assert_eq!(first.correlation_id, events[1].correlation_id);
    Ok(())
}

#[tokio::test]
async fn a_conflicting_append_fails_and_writes_nothing() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let log = SqliteLog::open(dir.path())?;
    log.append(request("LB", 0, vec![risk(2)])).await?;
    let err = log
        .append(request("LB", 0, vec![risk(3), risk(4)]))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                expected: 0,
                actual: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(*log.head().borrow(), 1);
    assert_eq!(log.read_stream(stream("LB").to_string()).await?.len(), 1);
    Ok(())
}

#[tokio::test]
async fn a_retry_with_the_same_key_has_one_effect() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let log = SqliteLog::open(dir.path())?;
    let idem = Idempotency {
        scope: "amira\0report-17".into(),
        request_hash: [7; 32],
        response: br#"{"id":"first"}"#.to_vec(),
    };
    let mut first = request("ML", 0, vec![risk(4)]);
    first.idempotency = Some(idem.clone());
    log.append(first.clone()).await?;

    // The retry arrives with the same key and body: the original answer, nothing new.
    let mut retry = request("ML", 1, vec![risk(4)]);
    retry.idempotency = Some(idem.clone());
    let again = log.append(retry).await?;
    assert_eq!(
        again,
        AppendOutcome::Duplicate {
            response: idem.response.clone()
        }
    );
    assert_eq!(*log.head().borrow(), 1);
    assert_eq!(
        log.idempotent_response(idem.scope.clone(), idem.request_hash)
            .await?,
        Some(idem.response.clone())
    );

    // The same key with another body is refused.
    let mut other = request("ML", 1, vec![risk(2)]);
    other.idempotency = Some(Idempotency {
        request_hash: [8; 32],
        ..idem.clone()
    });
    let err = log.append(other).await.unwrap_err();
    assert!(matches!(err, StoreError::IdempotencyKeyReused), "{err:?}");
    assert!(matches!(
        log.idempotent_response(idem.scope, [8; 32]).await,
        Err(StoreError::IdempotencyKeyReused)
    ));
    assert_eq!(*log.head().borrow(), 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_never_both_append_the_same_version() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let log = Arc::new(SqliteLog::open(dir.path())?);
    // 64 writers race for version 1 of one stream while 200 others write their own streams.
    let codes: Vec<String> = ["FR", "DE", "IT", "ES", "PT", "NL", "BE", "AT"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut tasks = Vec::new();
    for i in 0..64 {
        let log = Arc::clone(&log);
        tasks.push(tokio::spawn(async move {
            (i, log.append(request("SD", 0, vec![risk(3)])).await)
        }));
    }
    for (i, code) in codes.iter().cycle().take(200).enumerate() {
        let log = Arc::clone(&log);
        let code = code.clone();
        tasks.push(tokio::spawn(async move {
            // Each of these retries on conflict, as the service does.
            loop {
                let current = log
                    .read_stream(stream(&code).to_string())
                    .await
                    .map(|e| e.len());
                let Ok(current) = current else { continue };
                match log
                    .append(request(&code, current as u64, vec![risk(2)]))
                    .await
                {
                    Err(StoreError::Conflict { .. }) => continue,
                    other => return (1000 + i, other),
                }
            }
        }));
    }
    let mut winners = 0;
    for t in tasks {
        let (i, result) = t.await?;
        match result {
            Ok(_) if i < 64 => winners += 1,
            Ok(_) => {}
            Err(StoreError::Conflict { .. }) if i < 64 => {}
            Err(e) => panic!("writer {i} failed: {e}"),
        }
    }
    assert_eq!(winners, 1, "exactly one writer may append version 1");
    assert_eq!(*log.head().borrow(), 201);
    for code in &codes {
        let versions: Vec<u64> = log
            .read_stream(stream(code).to_string())
            .await?
            .iter()
            .map(|e| e.version)
            .collect();
        assert_eq!(versions, (1..=25).collect::<Vec<_>>(), "{code}");
    }
    let verified = SqliteLog::verify(dir.path())?;
    assert_eq!(verified.entries, 201);
    Ok(())
}

#[tokio::test]
async fn acknowledged_events_survive_reopening() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    {
        let log = SqliteLog::open(dir.path())?;
        log.append(request("HT", 0, vec![risk(4)])).await?;
        log.record_rejection(RejectionRequest {
            stream_id: Some(stream("HT")),
            command: "set_risk_level".into(),
            code: "invalid_risk_level".into(),
            reason: "risk level must be 1 to 4".into(),
            actor: Actor::new("wei.zhang", Role::DutyOfficer),
            correlation_id: Uuid::now_v7(),
        })
        .await?;
    }
    let log = SqliteLog::open(dir.path())?;
    assert_eq!(*log.head().borrow(), 2);
    let out = log.append(request("HT", 1, vec![risk(3)])).await?;
    assert_eq!(
        out,
        AppendOutcome::Appended {
            last_position: 3,
            version: 2
        }
    );
    let entries = log.read_after(0, 10).await?;
    assert!(matches!(entries[1], LogEntry::Rejection(_)));
    assert_eq!(SqliteLog::verify(dir.path())?.entries, 3);
    Ok(())
}

#[tokio::test]
async fn a_subscription_sees_every_entry_once_in_order() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let log: Arc<dyn EventLog> = Arc::new(SqliteLog::open(dir.path())?);
    log.append(request("YE", 0, vec![risk(3)])).await?;
    let mut sub = Subscription::new(Arc::clone(&log), 0);
    let first = sub.next_batch().await?;
    assert_eq!(
        first.iter().map(LogEntry::position).collect::<Vec<_>>(),
        vec![1]
    );
    let writer = Arc::clone(&log);
    let pending = tokio::spawn(async move { sub.next_batch().await.map(|b| (b, sub)) });
    writer
        .append(request("YE", 1, vec![risk(4), risk(3)]))
        .await?;
    let (batch, sub) = pending.await??;
    assert_eq!(
        batch.iter().map(LogEntry::position).collect::<Vec<_>>(),
        vec![2, 3]
    );
    assert_eq!(sub.position(), 3);
    Ok(())
}

#[tokio::test]
async fn the_audit_query_filters_and_shows_the_chain() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let log = SqliteLog::open(dir.path())?;
    log.append(request("SO", 0, vec![risk(4)])).await?;
    log.append(request("KE", 0, vec![risk(2)])).await?;
    let rows = log
        .audit(AuditQuery {
            stream_id: Some(stream("KE").to_string()),
            limit: 10,
            ..Default::default()
        })
        .await?;
    assert_eq!(rows.len(), 1);
    let all = log
        .audit(AuditQuery {
            limit: 10,
            ..Default::default()
        })
        .await?;
    assert_eq!(all[1].prev_hash, all[0].hash);
    assert_eq!(all[0].prev_hash, "0".repeat(64));
    Ok(())
}

async fn sample_log(dir: &std::path::Path) -> anyhow::Result<()> {
    let log = SqliteLog::open(dir)?;
    for code in ["AF", "IQ", "SY", "LY"] {
        log.append(request(code, 0, vec![risk(4)])).await?;
    }
    Ok(())
}

fn tamper(dir: &std::path::Path, sql: &str) -> anyhow::Result<()> {
    let conn = rusqlite::Connection::open(dir.join(FILE_NAME))?;
    conn.execute_batch(sql)?;
    Ok(())
}

#[tokio::test]
async fn an_altered_byte_breaks_the_chain_at_that_entry() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    sample_log(dir.path()).await?;
    assert_eq!(SqliteLog::verify(dir.path())?.entries, 4);
    tamper(
        dir.path(),
        "UPDATE log SET record = CAST(replace(CAST(record AS TEXT), 'armed', 'ARMED') AS BLOB) WHERE position = 3",
    )?;
    let err = SqliteLog::verify(dir.path()).unwrap_err().to_string();
    assert!(err.contains("position 3"), "{err}");
    Ok(())
}

#[tokio::test]
async fn an_altered_index_column_breaks_the_chain() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    sample_log(dir.path()).await?;
    tamper(
        dir.path(),
        "UPDATE log SET actor = 'someone.else' WHERE position = 2",
    )?;
    let err = SqliteLog::verify(dir.path()).unwrap_err().to_string();
    assert!(err.contains("position 2"), "{err}");
    Ok(())
}

#[tokio::test]
async fn a_removed_entry_breaks_the_chain() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    sample_log(dir.path()).await?;
    tamper(dir.path(), "DELETE FROM log WHERE position = 2")?;
    let err = SqliteLog::verify(dir.path()).unwrap_err().to_string();
    assert!(err.contains("position 2"), "{err}");
    Ok(())
}

#[tokio::test]
async fn reordered_entries_break_the_chain() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    sample_log(dir.path()).await?;
    // Swap the stored bytes (and their hashes) of entries 2 and 3.
    tamper(
        dir.path(),
        "UPDATE log SET position = -2 WHERE position = 2;
         UPDATE log SET position = 2 WHERE position = 3;
         UPDATE log SET position = 3 WHERE position = -2;",
    )?;
    let err = SqliteLog::verify(dir.path()).unwrap_err().to_string();
    assert!(err.contains("position 2"), "{err}");
    Ok(())
}

fn refusal(code: &str) -> RejectionRequest {
    RejectionRequest {
        stream_id: Some(stream(code)),
        command: "set_risk_level".into(),
        code: "invalid".into(),
        reason: "level out of range".into(),
        actor: Actor::new("wei.zhang", Role::DutyOfficer),
        correlation_id: Uuid::now_v7(),
    }
}

#[tokio::test]
async fn a_stream_s_audit_holds_its_events_and_its_refusals_in_log_order() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let log = SqliteLog::open(dir.path())?;
    log.append(request("SO", 0, vec![risk(4)])).await?;
    log.record_rejection(refusal("SO")).await?;
    log.append(request("KE", 0, vec![risk(2)])).await?;
    log.record_rejection(refusal("KE")).await?;
    log.append(request("SO", 1, vec![risk(5), risk(3)])).await?;
    log.record_rejection(refusal("SO")).await?;
    let positions = |rows: &[homeward_store::AuditRow]| -> Vec<u64> {
        rows.iter().map(|r| r.position).collect()
    };
    let so = log
        .audit(AuditQuery {
            stream_id: Some(stream("SO").to_string()),
            limit: 10,
            ..Default::default()
        })
        .await?;
    assert_eq!(positions(&so), [1, 2, 5, 6, 7]);
    assert!(matches!(so[1].entry, LogEntry::Rejection(_)));
    let page = log
        .audit(AuditQuery {
            stream_id: Some(stream("SO").to_string()),
            after: Some(2),
            limit: 2,
            ..Default::default()
        })
        .await?;
    assert_eq!(positions(&page), [5, 6]);
    let by_actor = log
        .audit(AuditQuery {
            stream_id: Some(stream("KE").to_string()),
            actor: Some("wei.zhang".into()),
            limit: 10,
            ..Default::default()
        })
        .await?;
    assert_eq!(positions(&by_actor), [3, 4]);
    Ok(())
}

#[tokio::test]
async fn a_data_directory_with_the_old_stream_index_opens_without_it_and_verifies()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    sample_log(dir.path()).await?;
    // What an older build made: every entry indexed by stream and position.
    tamper(
        dir.path(),
        "DROP INDEX IF EXISTS log_stream_rejections;
         CREATE INDEX log_stream ON log(stream_id, position);",
    )?;
    let log = SqliteLog::open(dir.path())?;
    log.record_rejection(refusal("AF")).await?;
    let rows = log
        .audit(AuditQuery {
            stream_id: Some(stream("AF").to_string()),
            limit: 10,
            ..Default::default()
        })
        .await?;
    assert_eq!(rows.iter().map(|r| r.position).collect::<Vec<_>>(), [1, 5]);
    drop(log);
    let conn = rusqlite::Connection::open(dir.path().join(FILE_NAME))?;
    let indexes: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'log' ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    assert_eq!(
        indexes,
        [
            "log_actor",
            "log_recorded_at",
            "log_stream_rejections",
            "log_stream_version"
        ]
    );
    drop(conn);
    let verified = SqliteLog::verify(dir.path())?;
    assert_eq!(verified.entries, 5);
    Ok(())
}

#[tokio::test]
async fn an_append_failing_halfway_is_rolled_back_alone_and_its_batch_is_written()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    sample_log(dir.path()).await?;
    // The second event of an append to ML fails after its first was written.
    tamper(
        dir.path(),
        &format!(
            "CREATE TRIGGER halfway BEFORE INSERT ON log
             WHEN NEW.stream_id = '{}' AND NEW.version = 2
             BEGIN SELECT RAISE(ABORT, 'disk gone'); END;",
            stream("ML")
        ),
    )?;
    let log = Arc::new(SqliteLog::open(dir.path())?);
    let codes = [
        "FR", "DE", "IT", "ES", "PT", "NL", "BE", "AT", "CH", "PL", "CZ", "SK", "HU", "RO",
    ];
    let mut tasks = Vec::new();
    for code in codes {
        let log = Arc::clone(&log);
        tasks.push(tokio::spawn(async move {
            log.append(request(code, 0, vec![risk(2)])).await
        }));
    }
    let failing = {
        let log = Arc::clone(&log);
        tokio::spawn(async move { log.append(request("ML", 0, vec![risk(3), risk(4)])).await })
    };
    for t in tasks {
        assert!(matches!(t.await??, AppendOutcome::Appended { .. }));
    }
    let err = failing
        .await?
        .expect_err("the trigger fails the second event");
    assert!(err.to_string().contains("disk gone"), "{err}");
    assert!(log.read_stream(stream("ML").to_string()).await?.is_empty());
    for code in codes {
        assert_eq!(log.read_stream(stream(code).to_string()).await?.len(), 1);
    }
    drop(log);
    let verified = SqliteLog::verify(dir.path())?;
    assert_eq!(verified.entries, 4 + codes.len() as u64);
    Ok(())
}
