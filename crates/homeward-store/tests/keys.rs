//! The embedded log's key store and backups: personal data opens only with the log's
//! key-encryption key, a wrong one refuses the log, and a backup taken while appends
//! go on is a consistent, verifiable copy that holds nothing in clear.
#![allow(missing_docs, clippy::unwrap_used)]

use homeward_domain::person::{PersonEvent, PersonRegistered};
use homeward_domain::{Actor, CountryCode, DomainEvent, PersonId, Role, StreamId, Timestamp};
use homeward_store::keystore::{KEK_FILE, KekFile, KeyError};
use homeward_store::{
    AppendRequest, EventLog, LogEntry, ProposedEvent, SqliteLog, StoreError, backup,
};
use uuid::Uuid;

const PASSPORT: &str = "XK55120934";
const NAME: &str = "Ottoline Keystorecanary";

fn register(n: u128) -> AppendRequest {
    AppendRequest {
        stream_id: StreamId::person(PersonId(Uuid::from_u128(n))),
        expected_version: 0,
        events: vec![ProposedEvent {
            event_id: Uuid::now_v7(),
            event: DomainEvent::Person(PersonEvent::Registered(PersonRegistered {
                full_name: NAME.into(),
                date_of_birth: Some("1970-03-04".parse().unwrap()),
                nationality: CountryCode::parse("GB").unwrap(),
                passport_number: Some(PASSPORT.into()),
                phone: None,
                current_country: None,
                place: None,
                lat: None,
                lon: None,
                vulnerabilities: vec![],
                suspected_duplicates: vec![],
            })),
            occurred_at: "2026-04-15T06:00:00Z".parse::<Timestamp>().unwrap(),
        }],
        actor: Actor::new("wei.zhang", Role::DutyOfficer),
        correlation_id: Uuid::now_v7(),
        causation_id: Uuid::now_v7(),
        idempotency: None,
    }
}

fn registered(entries: &[LogEntry]) -> &PersonRegistered {
    match entries.first() {
        Some(LogEntry::Event(e)) => match &e.event {
            DomainEvent::Person(PersonEvent::Registered(r)) => r,
            other => panic!("not a registration: {other:?}"),
        },
        other => panic!("no event: {other:?}"),
    }
}

fn contains(path: &std::path::Path, needle: &str) -> bool {
    std::fs::read(path)
        .map(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
        .unwrap_or(false)
}

#[tokio::test]
async fn personal_data_opens_only_with_the_logs_key_encryption_key() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    {
        let log = SqliteLog::open(dir.path())?;
        log.append(register(1)).await?;
    }
    assert!(dir.path().join(KEK_FILE).exists());
    let other = tempfile::tempdir()?;
    let wrong = KekFile {
        path: other.path().join(KEK_FILE),
    };
    std::fs::write(&wrong.path, "11".repeat(32))?;
    let refused = SqliteLog::open_with_kek(dir.path(), wrong);
    assert!(
        matches!(refused, Err(StoreError::Keys(KeyError::WrongKek(_)))),
        "{:?}",
        refused.err()
    );
    let missing = SqliteLog::open_with_kek(
        dir.path(),
        KekFile {
            path: other.path().join("absent.kek"),
        },
    );
    assert!(matches!(
        missing,
        Err(StoreError::Keys(KeyError::MissingKek(_)))
    ));
    // A refused open wrote nothing: the right key still opens everything.
    let log = SqliteLog::open(dir.path())?;
    let entries = log.read_after(0, 10).await?;
    let r = registered(&entries);
    assert_eq!(r.full_name, NAME);
    assert_eq!(r.passport_number.as_deref(), Some(PASSPORT));
    Ok(())
}

#[tokio::test]
async fn a_backup_during_appends_is_consistent_and_verifies() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let log = SqliteLog::open(dir.path())?;
    log.append(register(1)).await?;
    let writer = {
        let appends: Vec<_> = (2..200).map(register).collect();
        async move {
            for request in appends {
                log.append(request).await?;
            }
            anyhow::Ok(log)
        }
    };
    let target = tempfile::tempdir()?;
    let copy = target.path().join("copy");
    let from = dir.path().to_owned();
    let to = copy.clone();
    let (log, verified) = tokio::join!(
        writer,
        tokio::task::spawn_blocking(move || backup::backup(&from, &to))
    );
    let log = log?;
    let verified = verified??;
    assert!(verified.entries >= 1 && verified.entries <= 199);
    for file in std::fs::read_dir(&copy)? {
        let path = file?.path();
        assert!(!contains(&path, PASSPORT) && !contains(&path, NAME));
    }
    // The copy opens with the original's key-encryption key, and is a prefix of it.
    let restored = SqliteLog::open_with_kek(
        &copy,
        KekFile {
            path: dir.path().join(KEK_FILE),
        },
    )?;
    let entries = restored.read_after(0, 1000).await?;
    assert_eq!(entries.len() as u64, verified.entries);
    assert_eq!(
        registered(&entries).passport_number.as_deref(),
        Some(PASSPORT)
    );
    let original = log.read_after(0, 1000).await?;
    assert_eq!(original.len(), 199);
    for (a, b) in entries.iter().zip(&original) {
        assert_eq!(a, b);
    }
    // Into something that is not empty: refused.
    assert!(matches!(
        backup::backup(dir.path(), &copy),
        Err(backup::BackupError::TargetExists(_))
    ));
    Ok(())
}
