//! The read models are folds: the same entries give the same state however often and
//! however split they are folded.
#![allow(missing_docs, clippy::unwrap_used)]

use homeward_domain::incident::{
    AffectedStatus, FileReport, Incident, IncidentCommand, IncidentKind, OpenIncident,
    ReportCategory,
};
use homeward_domain::person::{Person, PersonCommand, PersonDetails, Whereabouts};
use homeward_domain::{
    Actor, Aggregate, Context, DomainEvent, IncidentId, PersonId, ReportId, Role, StreamId,
    Timestamp,
};
use homeward_projections::Projections;
use homeward_projections::board::Visibility;
use homeward_projections::snapshot::{self, SnapshotError};
use homeward_store::{LogEntry, RecordedEvent};
use proptest::prelude::*;
use uuid::Uuid;

fn entries() -> Vec<LogEntry> {
    let actor = Actor::new("wei", Role::DutyOfficer);
    let base: Timestamp = "2026-04-14T05:00:00Z".parse().unwrap();
    let mut out = Vec::new();
    let mut push = |stream: StreamId, version: u64, event: DomainEvent, n: usize| {
        let at = base
            .saturating_add(jiff::SignedDuration::from_mins(n as i64))
            .unwrap();
        out.push(LogEntry::Event(Box::new(RecordedEvent {
            position: n as u64 + 1,
            event_id: Uuid::from_u128(n as u128),
            stream_id: stream,
            version,
            event_type: event.event_type().to_owned(),
            schema_version: event.schema_version(),
            actor: actor.clone(),
            occurred_at: at,
            recorded_at: at,
            correlation_id: Uuid::nil(),
            causation_id: Uuid::nil(),
            event,
        })));
    };
    let mut n = 0;
    for i in 0..6u128 {
        let pid = PersonId(Uuid::from_u128(100 + i));
        let ctx = Context::new(
            actor.clone(),
            base.saturating_add(jiff::SignedDuration::from_hours(1))
                .unwrap(),
        );
        let register = PersonCommand::Register {
            details: PersonDetails {
                full_name: format!("Li Wei {i}"),
                date_of_birth: "1980-01-01".into(),
                nationality: "CN".into(),
                passport_number: Some(format!("E1234567{i}")),
                phone: None,
            },
            whereabouts: Whereabouts {
                country: Some("ML".into()),
                ..Whereabouts::default()
            },
            vulnerabilities: vec![],
            suspected_duplicates: vec![],
        };
        for e in Person::default().decide(&register, &ctx).unwrap() {
            push(StreamId::person(pid), 1, DomainEvent::Person(e), n);
            n += 1;
        }
        let id = IncidentId(Uuid::from_u128(i + 1));
        let mut state = Incident::default();
        let commands = vec![
            IncidentCommand::Open(OpenIncident {
                kind: if i % 2 == 0 {
                    IncidentKind::Kidnapping
                } else {
                    IncidentKind::Accident
                },
                title: format!("Incident {i}"),
                country: "ML".into(),
                severity: (i % 5 + 1) as u8,
                classification: None,
                place: None,
                lat: None,
                lon: None,
                summary: None,
                occurred_at: None,
            }),
            IncidentCommand::AddPerson {
                person_id: pid,
                status: AffectedStatus::Missing,
                note: None,
                person_known: true,
            },
            IncidentCommand::FileReport(FileReport {
                report_id: ReportId(Uuid::from_u128(1000 + i)),
                text: format!("report {i}"),
                category: ReportCategory::Situation,
                place: None,
                lat: None,
                lon: None,
                occurred_at: None,
            }),
        ];
        for c in commands {
            for e in state.decide(&c, &ctx).unwrap() {
                state = state.evolve(&e);
                push(
                    StreamId::incident(id),
                    state.version,
                    DomainEvent::Incident(e),
                    n,
                );
                n += 1;
            }
        }
    }
    // Early warning: a risk raise owes a check per citizen in ML; one is opened (its
    // cause is the raise), one deadline is missed, and an endpoint subscribes.
    let ml = homeward_domain::CountryCode::parse("ML").unwrap();
    let raise = n;
    push(
        StreamId::country(ml),
        1,
        DomainEvent::Country(homeward_domain::country::CountryEvent::RiskLevelSet(
            homeward_domain::country::RiskLevelSet {
                level: 4,
                previous: None,
                reason: "fighting".into(),
            },
        )),
        n,
    );
    n += 1;
    let first = PersonId(Uuid::from_u128(100));
    let check = homeward_domain::welfare::check_id(Uuid::from_u128(raise as u128), first);
    push(
        StreamId::welfare(check),
        1,
        DomainEvent::Welfare(homeward_domain::welfare::WelfareEvent::Opened(
            homeward_domain::welfare::CheckOpened {
                person_id: first,
                country: ml,
                risk_level: 4,
                priority: 2,
                vulnerabilities: vec![],
                due_at: base,
                cause: Uuid::from_u128(raise as u128),
            },
        )),
        n,
    );
    n += 1;
    push(
        StreamId::deadline(Uuid::from_u128(77)),
        1,
        DomainEvent::Deadline(homeward_domain::deadline::DeadlineEvent::Missed(
            homeward_domain::deadline::DeadlineMissed {
                kind: homeward_domain::deadline::DeadlineKind::WelfareCheck,
                key: format!("welfare:{check}:0"),
                what: "welfare check (risk level 4)".into(),
                owner: "hotline_operator".into(),
                incident_id: None,
                task_id: Some(check),
                person_id: Some(first),
                country: Some(ml),
                due_at: base,
                late_by_seconds: 60,
            },
        )),
        n,
    );
    n += 1;
    push(
        StreamId::subscription(Uuid::from_u128(78)),
        1,
        DomainEvent::Subscription(homeward_domain::subscription::SubscriptionEvent::Created(
            homeward_domain::subscription::SubscriptionCreated {
                url: "https://sms.example/hook".into(),
                filter: Default::default(),
                personal_data: false,
            },
        )),
        n,
    );
    out
}

fn snapshot(p: &Projections) -> String {
    let now: Timestamp = "2026-04-20T00:00:00Z".parse().unwrap();
    let board = p
        .board
        .render(&p.incidents, &p.evacuations, p.position, now, &|_| {
            Visibility::Full
        });
    let mut files: Vec<_> = p
        .incidents
        .iter()
        .map(|f| serde_json::to_string(f).unwrap())
        .collect();
    files.sort();
    let mut persons: Vec<_> = p
        .locator
        .iter()
        .map(|r| serde_json::to_string(r).unwrap())
        .collect();
    persons.sort();
    format!(
        "{}\n{}\n{}",
        serde_json::to_string(&board).unwrap(),
        files.join("\n"),
        persons.join("\n")
    )
}

#[test]
fn folding_the_same_entries_twice_changes_nothing() {
    let entries = entries();
    let mut once = Projections::default();
    once.apply_all(&entries);
    let mut twice = Projections::default();
    twice.apply_all(&entries);
    twice.apply_all(&entries);
    assert_eq!(snapshot(&once), snapshot(&twice));
    assert_eq!(once.position, entries.len() as u64);
}

proptest! {
    /// Folding a prefix, then everything again (a restart that re-reads from an
    /// earlier checkpoint), gives the state of one clean fold.
    #[test]
    fn a_fold_resumed_anywhere_equals_a_clean_fold(cut in 0usize..=24) {
        let entries = entries();
        let cut = cut.min(entries.len());
        let mut clean = Projections::default();
        clean.apply_all(&entries);
        let mut resumed = Projections::default();
        resumed.apply_all(&entries[..cut]);
        resumed.apply_all(&entries);
        prop_assert_eq!(snapshot(&clean), snapshot(&resumed));
    }
}

proptest! {
    /// Given a snapshot taken anywhere, when it is read back and the rest of the log is
    /// folded onto it, then the read models equal those of one clean fold.
    #[test]
    fn a_snapshot_and_its_tail_equal_a_clean_fold(cut in 0usize..=24) {
        let entries = entries();
        let cut = cut.min(entries.len());
        let mut clean = Projections::default();
        clean.apply_all(&entries);
        let mut prefix = Projections::default();
        prefix.apply_all(&entries[..cut]);
        let bytes = snapshot::encode(&prefix, "abc", None).unwrap();
        let (header, mut restored) = snapshot::decode(&bytes, None).unwrap();
        prop_assert_eq!(header.position, cut as u64);
        prop_assert_eq!(header.log_hash.as_str(), "abc");
        prop_assert_eq!(&restored, &prefix);
        restored.apply_all(&entries[cut..]);
        prop_assert_eq!(snapshot(&clean), snapshot(&restored));
        prop_assert_eq!(clean, restored);
    }
}

#[test]
fn a_damaged_or_foreign_snapshot_is_refused() {
    let mut p = Projections::default();
    p.apply_all(&entries());
    let bytes = snapshot::encode(&p, "abc", None).unwrap();
    assert_eq!(snapshot::header(&bytes).unwrap().position, p.position);

    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    assert!(matches!(
        snapshot::decode(&flipped, None),
        Err(SnapshotError::Checksum)
    ));

    let mut other_format = bytes.clone();
    other_format[8..12].copy_from_slice(&(snapshot::FORMAT + 1).to_le_bytes());
    assert!(matches!(
        snapshot::decode(&other_format, None),
        Err(SnapshotError::Format { .. })
    ));

    assert!(matches!(
        snapshot::decode(&bytes[..bytes.len() / 2], None),
        Err(SnapshotError::Checksum)
    ));
    assert!(matches!(
        snapshot::decode(&bytes[..10], None),
        Err(SnapshotError::NotASnapshot)
    ));
    assert!(matches!(
        snapshot::decode(b"{\"position\": 3}", None),
        Err(SnapshotError::NotASnapshot)
    ));
}

#[test]
fn a_snapshot_seals_personal_data_and_an_erased_key_opens_nothing() {
    use homeward_store::seal::Keyring;
    let mut p = Projections::default();
    p.apply_all(&entries());
    let persons: Vec<_> = p.locator.iter().map(|r| r.id).collect();
    assert!(!persons.is_empty());
    let keys = Keyring::default();
    for id in &persons {
        keys.get_or_create(StreamId::person(*id).as_str());
    }
    let bytes = snapshot::encode(&p, "abc", Some(&keys)).unwrap();
    for secret in ["Li Wei", "E1234567", "1980-01-01"] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{secret} in clear in the snapshot"
        );
    }
    let (_, restored) = snapshot::decode(&bytes, Some(&keys)).unwrap();
    assert_eq!(restored, p);
    assert_eq!(restored.locator.search("li wei", 100).len(), persons.len());

    // The first person's key destroyed (erased since the snapshot): nothing of them
    // opens, and nothing of them is indexed.
    let erased = StreamId::person(persons[0]);
    keys.destroy(erased.as_str());
    let (_, restored) = snapshot::decode(&bytes, Some(&keys)).unwrap();
    let record = restored.locator.get(persons[0]).unwrap();
    assert_eq!(record.full_name, "");
    assert_eq!(record.passport_number, None);
    assert_eq!(record.date_of_birth, None);
    let passport = p
        .locator
        .get(persons[0])
        .unwrap()
        .passport_number
        .clone()
        .unwrap();
    assert!(restored.locator.search(&passport, 10).is_empty());
    assert!(restored.locator.index_keys().all(|k| k != passport));

    // Personal data without a key (written in clear by an older build) is never
    // written into a snapshot in clear: no snapshot at all.
    let empty = Keyring::default();
    assert!(matches!(
        snapshot::encode(&p, "abc", Some(&empty)),
        Err(SnapshotError::Unsealable(_))
    ));
}
