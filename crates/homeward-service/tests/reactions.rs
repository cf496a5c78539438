//! Reactions survive a crash in the middle: a risk raise owes one welfare check per
//! citizen; the service stops after carrying out only some of them; the next start
//! carries out the rest, and no citizen ever has two checks, however often it restarts.

use std::sync::Arc;
use std::time::Duration;

use homeward_domain::country::CountryCommand;
use homeward_domain::deadline::DeadlinePolicy;
use homeward_domain::person::{PersonCommand, PersonDetails, Vulnerability, Whereabouts};
use homeward_domain::{Actor, CountryCode, PersonId, Role, Timestamp};
use homeward_service::Outcome;
use homeward_service::{Command, CommandMeta, Homeward, ManualClock, reactor};
use homeward_store::{EventLog, LogEntry, SqliteLog};
use uuid::Uuid;

const CITIZENS: usize = 30;

fn meta() -> CommandMeta {
    CommandMeta {
        actor: Actor::new("dana", Role::DutyOfficer),
        correlation_id: Uuid::now_v7(),
        idempotency: None,
        expected_version: None,
        causation_id: None,
    }
}

async fn start(dir: &std::path::Path, clock: &Arc<ManualClock>) -> Arc<Homeward> {
    let log: Arc<dyn EventLog> = Arc::new(SqliteLog::open(dir).expect("log"));
    Homeward::start(
        log,
        Arc::clone(clock) as Arc<dyn homeward_service::Clock>,
        |_, _| {},
    )
    .await
    .expect("service")
}

async fn opened_events(service: &Homeward) -> Vec<(String, Uuid)> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let batch = service.log().read_after(after, 1000).await.expect("read");
        let Some(last) = batch.last() else { break };
        after = last.position();
        for entry in batch {
            if let LogEntry::Event(e) = entry
                && e.event_type == "welfare.check_opened"
            {
                out.push((e.stream_id.to_string(), e.causation_id));
            }
        }
    }
    out
}

async fn settled(service: &Arc<Homeward>) {
    let wait = async {
        loop {
            service.wait_for_reactions().await;
            if service.read().welfare.pending_count() == 0 {
                return;
            }
            tokio::task::yield_now().await;
        }
    };
    assert!(
        tokio::time::timeout(Duration::from_secs(60), wait)
            .await
            .is_ok(),
        "the reactions did not finish"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_in_the_middle_of_a_reaction_opens_each_check_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(ManualClock::new(
        Timestamp::from_second(1_795_000_000).expect("time"),
    ));
    let policy = DeadlinePolicy::default();
    let lb = CountryCode::parse("LB").expect("code");

    let first = start(dir.path(), &clock).await;
    let mut persons = Vec::new();
    for i in 0..CITIZENS {
        let id = PersonId(Uuid::now_v7());
        let command = PersonCommand::Register {
            details: PersonDetails {
                full_name: format!("Citizen {i}"),
                date_of_birth: "1980-01-01".into(),
                nationality: "FR".into(),
                ..PersonDetails::default()
            },
            whereabouts: Whereabouts {
                country: Some("LB".into()),
                ..Whereabouts::default()
            },
            vulnerabilities: if i % 5 == 0 {
                vec![Vulnerability::Elderly]
            } else {
                vec![]
            },
            suspected_duplicates: vec![],
        };
        first
            .execute(Command::Person(id, command), meta(), Outcome::clone)
            .await
            .expect("registered");
        persons.push(id);
    }
    first
        .execute(
            Command::Country(
                lb,
                CountryCommand::SetRiskLevel {
                    level: 4,
                    reason: "clashes".into(),
                },
            ),
            meta(),
            Outcome::clone,
        )
        .await
        .expect("risk set");
    assert_eq!(first.read().welfare.pending_count(), CITIZENS);

    // The first instance stops after a quarter of the work, vulnerable people first.
    let done = reactor::carry_out(&first, &policy, CITIZENS / 4)
        .await
        .expect("some reactions");
    assert_eq!(done, CITIZENS / 4);
    let early = first
        .read()
        .welfare
        .list(&Default::default())
        .iter()
        .map(|c| c.priority)
        .collect::<Vec<_>>();
    // Every vulnerable citizen (one in five) was among the first done.
    assert_eq!(early.len(), CITIZENS / 4);
    assert_eq!(
        early.iter().filter(|p| **p == 1).count(),
        CITIZENS / 5,
        "vulnerable first: {early:?}"
    );
    drop(first);

    // The next start owes only the rest, and carries it out.
    let second = start(dir.path(), &clock).await;
    assert_eq!(
        second.read().welfare.pending_count(),
        CITIZENS - CITIZENS / 4
    );
    reactor::spawn(Arc::clone(&second), policy.clone());
    settled(&second).await;
    let checks = second.read().welfare.list(&Default::default()).len();
    assert_eq!(checks, CITIZENS);
    let opened = opened_events(&second).await;
    assert_eq!(opened.len(), CITIZENS, "one check_opened per citizen");
    let streams: std::collections::BTreeSet<&String> = opened.iter().map(|(s, _)| s).collect();
    assert_eq!(streams.len(), CITIZENS);
    for person in &persons {
        let filter = homeward_projections::welfare::CheckFilter {
            person_id: Some(*person),
            ..Default::default()
        };
        assert_eq!(second.read().welfare.list(&filter).len(), 1);
    }
    drop(second);

    // Carrying the same reactions out again, by hand, changes nothing.
    let third = start(dir.path(), &clock).await;
    assert_eq!(third.read().welfare.pending_count(), 0);
    assert_eq!(
        reactor::carry_out(&third, &policy, CITIZENS)
            .await
            .expect("nothing"),
        0
    );
    assert_eq!(opened_events(&third).await.len(), CITIZENS);
}
