//! Exercise copies: `homeward exercise create` copies a crisis as it stood at a moment
//! into a new data directory for training. Personal data is replaced by generated
//! stand-ins (same shape, the same for the same person every time, never the real
//! names or numbers); the copy has its own hash chain; subscriptions are not carried
//! over, so nothing of an exercise reaches an outside endpoint. The copy names itself
//! in `exercise.json`; `homeward serve` on it marks every response with
//! `Homeward-Exercise: <name>`, names it in the board, and delivers nothing.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};
use clap::Args;
use homeward_domain::call::CallEvent;
use homeward_domain::person::PersonEvent;
use homeward_domain::{DomainEvent, Timestamp};
use homeward_store::sqlite::FILE_NAME;
use homeward_store::{AppendRequest, EventLog, LogEntry, ProposedEvent, RecordedEvent, SqliteLog};

/// The file that marks a data directory as an exercise copy.
pub const MARKER: &str = "exercise.json";

/// `homeward exercise create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The data directory of the real crisis.
    #[arg(long)]
    from: PathBuf,
    /// Copy the crisis as it stood at this moment (RFC 3339).
    #[arg(long)]
    as_of: Timestamp,
    /// The new data directory (must not exist, or be empty).
    #[arg(long)]
    data_dir: PathBuf,
    /// The exercise's name (default: the new directory's name).
    #[arg(long)]
    name: Option<String>,
}

/// The exercise a data directory holds, if it is an exercise copy.
pub fn name_of(data_dir: &Path) -> anyhow::Result<Option<String>> {
    let path = data_dir.join(MARKER);
    if !path.exists() {
        return Ok(None);
    }
    let marker: serde_json::Value = serde_json::from_slice(&std::fs::read(&path)?)
        .with_context(|| format!("{} is not an exercise marker", path.display()))?;
    match marker.get("name").and_then(|n| n.as_str()) {
        Some(name) if !name.is_empty() => Ok(Some(name.to_owned())),
        _ => bail!("{} names no exercise", path.display()),
    }
}

/// A stable 64-bit hash (FNV-1a) of `seed` and `salt`: the same stand-in for the same
/// person on every run and every machine.
fn hash(seed: &[u8], salt: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.iter().chain(salt.as_bytes()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

const GIVEN: [&str; 16] = [
    "Alex", "Sam", "Robin", "Kim", "Noor", "Jun", "Mika", "Ari", "Lee", "Dana", "Yan", "Rae",
    "Toni", "Eli", "Sasha", "Jo",
];
const FAMILY: [&str; 16] = [
    "Exercise",
    "Drill",
    "Sample",
    "Standin",
    "Mock",
    "Trial",
    "Practice",
    "Example",
    "Proxy",
    "Dummy",
    "Placeholder",
    "Figure",
    "Model",
    "Rehearsal",
    "Pattern",
    "Token",
];

/// A generated name.
fn name(seed: &[u8]) -> String {
    let h = hash(seed, "name");
    format!(
        "{} {}",
        GIVEN[(h % 16) as usize],
        FAMILY[((h >> 8) % 16) as usize]
    )
}

/// The same shape as `value` (letters stay letters, digits stay digits, the rest is
/// kept), every letter and digit generated.
fn shaped(seed: &[u8], salt: &str, value: &str) -> String {
    let mut h = hash(seed, salt);
    value
        .chars()
        .map(|c| {
            h = h.rotate_left(7) ^ 0x9e37_79b9_7f4a_7c15;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
            if c.is_ascii_digit() {
                char::from(b'0' + (h % 10) as u8)
            } else if c.is_alphabetic() {
                char::from(b'A' + (h % 26) as u8)
            } else {
                c
            }
        })
        .collect()
}

/// A generated date of birth in the same decade.
fn birth(seed: &[u8], real: jiff::civil::Date) -> jiff::civil::Date {
    let h = hash(seed, "dob");
    let year = real.year() - real.year() % 10 + (h % 10) as i16;
    jiff::civil::Date::new(year, 1 + ((h >> 8) % 12) as i8, 1 + ((h >> 16) % 28) as i8)
        .unwrap_or(real)
}

/// The event with its personal data replaced by stand-ins seeded by its stream.
fn stand_in(event: &RecordedEvent) -> DomainEvent {
    let seed = event.stream_id.to_string();
    let seed = seed.as_bytes();
    let mut e = event.event.clone();
    match &mut e {
        DomainEvent::Person(PersonEvent::Registered(p)) => {
            p.full_name = name(seed);
            p.date_of_birth = p.date_of_birth.map(|d| birth(seed, d));
            p.passport_number = p
                .passport_number
                .as_deref()
                .map(|v| shaped(seed, "passport", v));
            p.phone = p.phone.as_deref().map(|v| shaped(seed, "phone", v));
        }
        DomainEvent::Person(PersonEvent::Corrected(p)) => {
            p.full_name = p.full_name.as_ref().map(|_| name(seed));
            p.date_of_birth = p.date_of_birth.map(|d| birth(seed, d));
            p.passport_number = p
                .passport_number
                .as_deref()
                .map(|v| shaped(seed, "passport", v));
            p.phone = p.phone.as_deref().map(|v| shaped(seed, "phone", v));
        }
        DomainEvent::Call(CallEvent::Logged(c)) => {
            c.caller_name = name(seed);
            c.caller_phone = c.caller_phone.as_deref().map(|v| shaped(seed, "phone", v));
        }
        _ => {}
    }
    e
}

fn is_empty_dir(path: &Path) -> anyhow::Result<bool> {
    if !path.exists() {
        return Ok(true);
    }
    Ok(path.is_dir() && std::fs::read_dir(path)?.next().is_none())
}

/// Creates the exercise copy; nothing is written unless the inputs are good.
pub fn create(args: CreateArgs, runtime: tokio::runtime::Runtime) -> anyhow::Result<()> {
    if !args.from.join(FILE_NAME).exists() {
        bail!("no event log in {}", args.from.display());
    }
    if !is_empty_dir(&args.data_dir)? {
        bail!(
            "{} is already used: an exercise is created into a new or empty directory",
            args.data_dir.display()
        );
    }
    let name = match args.name {
        Some(n) if !n.trim().is_empty() && n.chars().all(|c| c.is_ascii_graphic() || c == ' ') => {
            n.trim().to_owned()
        }
        Some(n) => bail!("`{n}` is not a usable exercise name (printable ASCII, not empty)"),
        None => args
            .data_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .context("name the exercise with --name")?,
    };
    runtime.block_on(async move {
        let source = SqliteLog::open(&args.from)?;
        let mut entries: Vec<RecordedEvent> = Vec::new();
        let mut after = 0;
        loop {
            let batch = source.read_after(after, 4096).await?;
            let Some(last) = batch.last() else { break };
            after = last.position();
            entries.extend(batch.into_iter().filter_map(|e| match e {
                LogEntry::Event(e) => Some(*e),
                LogEntry::Rejection(_) => None,
            }));
        }
        let first = entries.first().map(|e| e.recorded_at);
        let query = homeward_projections::sitrep::SitrepQuery {
            as_of: args.as_of,
            since: None,
            country: None,
            incident: None,
        };
        homeward_projections::sitrep::check_window(first, Timestamp::now(), &query)?;
        let copied: Vec<&RecordedEvent> = entries
            .iter()
            .filter(|e| e.recorded_at <= args.as_of)
            .filter(|e| e.stream_id.category() != "subscription")
            .collect();
        std::fs::create_dir_all(&args.data_dir)
            .with_context(|| format!("cannot create {}", args.data_dir.display()))?;
        let result = copy(&args.data_dir, &copied).await;
        if let Err(e) = result {
            let _ = std::fs::remove_dir_all(&args.data_dir);
            return Err(e);
        }
        let marker = serde_json::json!({
            "name": name,
            "as_of": args.as_of,
            "from": args.from.display().to_string(),
            "events": copied.len(),
        });
        std::fs::write(
            args.data_dir.join(MARKER),
            serde_json::to_vec_pretty(&marker)?,
        )?;
        eprintln!(
            "exercise `{name}` created in {}: {} events as of {}, personal data replaced, no subscriptions",
            args.data_dir.display(),
            copied.len(),
            args.as_of
        );
        anyhow::Ok(())
    })
}

/// Appends the events one by one, each recorded at its original time, into a new log
/// (which seals the stand-ins' personal data and builds its own chain).
async fn copy(dir: &Path, events: &[&RecordedEvent]) -> anyhow::Result<()> {
    let now = Arc::new(Mutex::new(Timestamp::UNIX_EPOCH));
    let clock = Arc::clone(&now);
    let log = SqliteLog::open_with_clock(
        dir,
        Arc::new(move || clock.lock().map_or(Timestamp::UNIX_EPOCH, |t| *t)),
    )?;
    // Versions are renumbered per stream: streams left out (subscriptions) leave no gap.
    let mut versions: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    for e in events {
        if let Ok(mut t) = now.lock() {
            *t = e.recorded_at;
        }
        let version = versions.entry(e.stream_id.to_string()).or_insert(0);
        log.append(AppendRequest {
            stream_id: e.stream_id.clone(),
            expected_version: *version,
            events: vec![ProposedEvent {
                event_id: e.event_id,
                event: stand_in(e),
                occurred_at: e.occurred_at,
            }],
            actor: e.actor.clone(),
            correlation_id: e.correlation_id,
            causation_id: e.causation_id,
            idempotency: None,
        })
        .await
        .with_context(|| format!("copying event {} of {}", e.version, e.stream_id))?;
        *version += 1;
    }
    Ok(())
}
