//! The scenario at scale 1: its size, no refusals, the same log for the same seed,
//! and read models that make sense.

use std::path::PathBuf;

use homeward_domain::evacuation::TransportStatus;
use homeward_domain::incident::{Classification, IncidentKind};
use homeward_store::SqliteLog;

use super::story;

/// A fresh directory under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "homeward-demo-{name}-{}-{nanos}",
            std::process::id()
        ));
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_one_tells_a_sensible_story_and_the_same_seed_writes_the_same_log() {
    let end: jiff::Timestamp = "2026-12-01T08:00:00Z".parse().expect("a timestamp");
    let a = TempDir::new("a");
    let (service, written) = story::write(&a.0, 1, 7, end, |_, _, _| {})
        .await
        .expect("the scenario is written");
    assert!(
        written.refused.is_empty(),
        "refused commands: {:?}",
        &written.refused[..written.refused.len().min(10)]
    );
    assert!(
        (8_000..=14_000).contains(&written.events),
        "{} events at scale 1",
        written.events
    );
    {
        let p = service.read();
        assert_eq!(p.position, written.events, "every entry is an event");

        let evacuations = p.evacuations.newest_first();
        assert_eq!(evacuations.len(), 1);
        let evacuation = evacuations[0];
        assert!((1_700..=1_900).contains(&evacuation.evacuees.len()));
        assert!((15..=22).contains(&evacuation.transports.len()));
        let progress = evacuation.progress();
        for t in &progress.transports {
            assert!(
                t.assigned <= t.capacity,
                "{} holds {} of {} seats",
                t.number,
                t.assigned,
                t.capacity
            );
        }
        let arrived = progress
            .transports
            .iter()
            .filter(|t| t.status == TransportStatus::Arrived)
            .count();
        let scheduled = progress
            .transports
            .iter()
            .filter(|t| t.status == TransportStatus::Scheduled)
            .count();
        assert!(arrived >= 8, "{arrived} transports arrived");
        assert!(scheduled >= 1, "nothing left to leave at the end");
        assert!(progress.counts.arrived >= 1_200, "{:?}", progress.counts);
        assert!(progress.counts.arrived < progress.counts.registered);
        assert!(progress.unaccounted > 0 && progress.unaccounted < 150);
        assert!(progress.counts.no_show > 0 || progress.unaccounted > 0);

        let kidnappings: Vec<_> = p
            .incidents
            .iter()
            .filter(|f| f.kind == IncidentKind::Kidnapping)
            .collect();
        assert_eq!(kidnappings.len(), 3);
        assert!(
            kidnappings
                .iter()
                .all(|f| f.classification == Classification::Restricted)
        );
        assert!(kidnappings.iter().any(|f| f.status.is_open()));
        assert!(kidnappings.iter().all(|f| !f.case_file.is_empty()));
        assert!(p.incidents.iter().any(|f| !f.status.is_open()));
        assert!(
            p.incidents
                .iter()
                .any(|f| f.kind == IncidentKind::Detention)
        );
        let reports: usize = p.incidents.iter().map(|f| f.reports.len()).sum();
        assert!(reports >= 150, "{reports} field reports");
        assert!(p.calls.len() >= 250, "{} calls", p.calls.len());
        assert!(p.locator.iter().any(|r| r.merged_into.is_some()));
        assert!(p.board.risk_levels().iter().any(|r| r.level == 4));

        // The story ends at `end`: its last reports were filed within the last hours
        // before it, none after it, and the first days before.
        let recorded: Vec<jiff::Timestamp> = p
            .incidents
            .iter()
            .flat_map(|f| f.reports.iter().map(|r| r.recorded_at))
            .collect();
        let last = recorded.iter().max().copied().expect("reports");
        let first = recorded.iter().min().copied().expect("reports");
        assert!(
            last <= end,
            "a report recorded at {last}, after the end {end}"
        );
        assert!(
            end.duration_since(last) <= jiff::SignedDuration::from_hours(6),
            "the last report was recorded at {last}, long before the end {end}"
        );
        let start = jiff::Timestamp::from_second(end.as_second() - super::sim::DURATION)
            .expect("a timestamp");
        assert!(
            first >= start,
            "a report recorded at {first}, before {start}"
        );
        assert!(end.duration_since(first) >= jiff::SignedDuration::from_hours(72));
    }

    // A log that holds entries is never written into again.
    let again = story::write(&a.0, 1, 7, end, |_, _, _| {}).await;
    assert!(again.is_err());

    let b = TempDir::new("b");
    let (_, written_b) = story::write(&b.0, 1, 7, end, |_, _, _| {})
        .await
        .expect("the scenario is written again");
    assert_eq!(written_b.events, written.events);
    let va = SqliteLog::verify(&a.0).expect("chain intact");
    let vb = SqliteLog::verify(&b.0).expect("chain intact");
    assert_eq!(va.entries, vb.entries);
    assert_eq!(va.head, vb.head, "the same seed writes the same records");
}

#[test]
fn the_officers_write_the_dates_of_the_story() {
    let end: jiff::Timestamp = "2026-12-01T08:00:00Z".parse().expect("a timestamp");
    let epoch = super::sim::Epoch::ending_at(end);
    assert_eq!(epoch.ts(super::sim::DURATION), end);
    assert_eq!(epoch.day_time(super::sim::DURATION), "1 December 08:00");
    assert_eq!(epoch.clock_time(super::sim::DURATION - 90 * 60), "06:30");
    assert_eq!(epoch.day_time(0), "25 November 20:00");
}

#[test]
fn passport_numbers_do_not_repeat() {
    let numbers: std::collections::HashSet<String> =
        (1..=300_000).map(super::sim::passport_number).collect();
    assert_eq!(numbers.len(), 300_000);
    assert!(numbers.iter().all(|n| n.len() == 9 && n.starts_with('E')));
}

#[test]
fn placeholders_are_filled_and_poisson_arrivals_keep_their_rate() {
    use rand::SeedableRng;
    assert_eq!(
        super::sim::fill(
            "{n} citizens at {point}",
            &[("n", "12"), ("point", "the gate")]
        ),
        "12 citizens at the gate"
    );
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let hours = 1_000;
    let at = super::sim::poisson(&mut rng, 2.0, 0, hours * super::sim::HOUR);
    assert!((1_800..2_200).contains(&at.len()), "{} arrivals", at.len());
    assert!(at.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn every_country_the_story_names_is_a_real_code() {
    use homeward_domain::CountryCode;
    for t in super::data::THEATRES {
        assert!(CountryCode::parse(t.code).is_some(), "{}", t.code);
        for (code, level, _) in t.neighbours {
            assert!(CountryCode::parse(code).is_some(), "{code}");
            assert!((1..=4).contains(level));
        }
        for d in t.destinations.iter().chain(t.overland.iter().map(|o| &o.1)) {
            let code = super::data::arrival_country(d);
            assert!(code.and_then(CountryCode::parse).is_some(), "{d}");
        }
    }
    for k in super::data::KIDNAPPINGS {
        assert!(CountryCode::parse(k.country).is_some(), "{}", k.country);
    }
    for d in super::data::DETENTIONS {
        assert!(CountryCode::parse(d.country).is_some(), "{}", d.country);
    }
    for o in super::data::OTHERS {
        assert!(CountryCode::parse(o.country).is_some(), "{}", o.country);
    }
    for (code, _) in super::data::LOST_DOCUMENT_PLACES
        .iter()
        .chain(super::data::COUNTRY_NAMES)
    {
        assert!(CountryCode::parse(code).is_some(), "{code}");
    }
    for (code, _, _) in super::data::MEDICAL_CALLS {
        assert!(CountryCode::parse(code).is_some(), "{code}");
    }
}
