//! The whole story: one unit per `--scale`, each a theatre with its evacuation plus
//! kidnappings, detentions and other cases elsewhere, written tick by tick through
//! the service's batch path while a simulated clock moves over five and a half days.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use homeward_domain::incident::KidnappingOutcome;
use homeward_service::{BatchItem, Clock, Homeward, ManualClock, SeededIds};
use homeward_store::{EventLog, SqliteLog};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::cases::Case;
use super::data;
use super::evac::Theatre;
use super::sim::{DURATION, Epoch, HOUR, MIN, Out, Secs, TICK, between};

/// Kidnappings, detentions and other incidents per unit.
const KIDNAPPINGS: usize = 3;
const DETENTIONS: usize = 3;
const OTHERS: usize = 5;
/// The most commands decided and appended in one batch.
const MAX_BATCH: usize = 20_000;

/// One scale unit: a theatre and the cases elsewhere at the same time.
pub struct Unit {
    theatre: Theatre,
    cases: Vec<Case>,
}

fn mix(seed: u64, unit: usize, part: u64) -> u64 {
    // SplitMix64 of the three, so that neighbouring seeds give unrelated streams.
    let mut z = seed
        .wrapping_add((unit as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(part.wrapping_mul(0xD1B5_4A32_D192_ED03));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Unit {
    /// Plans unit `index` of the scenario written with `seed`.
    pub fn new(index: usize, seed: u64, out: &Out) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(mix(seed, index, 0));
        let start: Secs = if index == 0 {
            0
        } else {
            rng.gen_range(0..8 * 60) * MIN
        };
        let theatre = Theatre::new(index, mix(seed, index, 1), start, out);
        let mut cases = Vec::new();
        let mut part = 10;
        for i in 0..KIDNAPPINGS {
            let k = &data::KIDNAPPINGS[(index * KIDNAPPINGS + i) % data::KIDNAPPINGS.len()];
            let (lo, hi) = [(2, 20), (10, 60), (30, 90)][i % 3];
            let t0 = start + between(&mut rng, lo * HOUR, hi * HOUR);
            let outcome = match i % 3 {
                0 => Some((
                    KidnappingOutcome::Released,
                    between(&mut rng, 50 * HOUR, 70 * HOUR),
                )),
                1 if rng.gen_bool(0.5) => Some((
                    KidnappingOutcome::Rescued,
                    between(&mut rng, 40 * HOUR, 70 * HOUR),
                )),
                _ => None,
            };
            part += 1;
            cases.push(Case::kidnapping(
                mix(seed, index, part),
                k,
                t0,
                outcome,
                out,
            ));
        }
        for i in 0..DETENTIONS {
            let d = &data::DETENTIONS[(index * DETENTIONS + i) % data::DETENTIONS.len()];
            let (lo, hi) = [(2, 30), (20, 60), (40, 100)][i % 3];
            let t0 = start + between(&mut rng, lo * HOUR, hi * HOUR);
            part += 1;
            cases.push(Case::detention(
                mix(seed, index, part),
                d,
                t0,
                i % 3 != 2,
                out,
            ));
        }
        for i in 0..OTHERS {
            // A stride prime to the number of cases walks through all their kinds.
            let o = &data::OTHERS[((index * OTHERS + i) * 5) % data::OTHERS.len()];
            let (lo, hi) = [(0, 20), (10, 40), (20, 60), (40, 90), (70, 115)][i % 5];
            let t0 = start + between(&mut rng, lo * HOUR, hi * HOUR);
            let closes = i % 5 < 2 || (i % 5 == 2 && rng.gen_bool(0.5));
            part += 1;
            cases.push(Case::other(mix(seed, index, part), o, t0, closes, out));
        }
        Self { theatre, cases }
    }

    /// Writes what is due by `out.now`.
    pub fn step(&mut self, out: &mut Out) {
        self.theatre.step(out);
        for case in &mut self.cases {
            case.step(out);
        }
    }
}

/// What writing the scenario did.
#[derive(Debug, Default)]
pub struct Written {
    /// Events appended.
    pub events: u64,
    /// Commands the domain refused (each is in the audit trail too).
    pub refused: Vec<String>,
}

/// The simulated moments at which the clock stops and a batch is written.
pub fn ticks() -> u64 {
    (DURATION / TICK) as u64 + 1
}

/// Writes the scenario, ending at `end`, into a new log in `dir`. `progress` is told
/// after every tick the ticks done and the events written so far.
pub async fn write(
    dir: &Path,
    scale: u32,
    seed: u64,
    end: jiff::Timestamp,
    progress: impl Fn(u64, u64, jiff::Timestamp),
) -> anyhow::Result<(Arc<Homeward>, Written)> {
    let epoch = Epoch::ending_at(end);
    let clock = Arc::new(ManualClock::new(epoch.ts(0)));
    let recording = Arc::clone(&clock);
    // Seeded keys: the same seed writes the same bytes (demo data only).
    let log = SqliteLog::open_generated(dir, Arc::new(move || recording.now()), seed)
        .with_context(|| format!("cannot open the event log in {}", dir.display()))?;
    let existing = *log.head().borrow();
    if existing > 0 {
        bail!(
            "{} already holds a log with {existing} entries; the demo writes only into a new data directory",
            dir.display()
        );
    }
    let log: Arc<dyn EventLog> = Arc::new(log);
    let ids = Arc::new(SeededIds::new(seed, clock.clone()));
    let service = Homeward::start_with(log, clock.clone(), ids, |_, _| {}).await?;
    let mut out = Out::new(Arc::clone(&service), epoch);
    let mut units: Vec<Unit> = (0..scale as usize)
        .map(|u| Unit::new(u, seed, &out))
        .collect();
    let mut written = Written::default();
    for k in 0..ticks() {
        let now = k as Secs * TICK;
        out.now = now;
        clock.set(epoch.ts(now));
        for unit in &mut units {
            unit.step(&mut out);
        }
        let first = std::mem::take(&mut out.first);
        let then = std::mem::take(&mut out.then);
        for batch in [first, then] {
            run(&service, batch, &mut written).await?;
        }
        progress(k + 1, written.events, epoch.ts(now));
    }
    Ok((service, written))
}

async fn run(
    service: &Homeward,
    items: Vec<BatchItem>,
    written: &mut Written,
) -> anyhow::Result<()> {
    let mut items = items;
    while !items.is_empty() {
        let rest = if items.len() > MAX_BATCH {
            items.split_off(MAX_BATCH)
        } else {
            Vec::new()
        };
        let names: Vec<&'static str> = items.iter().map(|i| i.command.name()).collect();
        // The batch appends each wave of streams with `join_all`; under tokio's
        // cooperative budget some of those appends yield and fall behind later ones,
        // which would make the order of the log differ from run to run. Without the
        // budget they reach the log's writer in the order the batch issues them.
        let outcome = tokio::task::unconstrained(service.execute_batch(items)).await?;
        written.events += outcome.events as u64;
        for (index, rejection) in outcome.rejected {
            written.refused.push(format!(
                "{}: {rejection}",
                names.get(index).copied().unwrap_or("?")
            ));
        }
        items = rest;
    }
    Ok(())
}
