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
use homeward_domain::{DomainEvent, Timestamp};
use homeward_store::keystore::KekFile;
use homeward_store::sqlite::FILE_NAME;
use homeward_store::{AppendRequest, EventLog, LogEntry, ProposedEvent, RecordedEvent, SqliteLog};

use crate::stand_in::StandIns;

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
    /// The key-encryption key file of `--from` (default: `personal-data.kek` in it; for
    /// a Kafka instance's copy, the one its instances share: the personal data then
    /// reads as absent, its keys staying on the cluster, and the copy has no stand-ins
    /// to make).
    #[arg(long)]
    from_kek: Option<PathBuf>,
    /// The new data directory (must not exist, or be empty).
    #[arg(long)]
    data_dir: PathBuf,
    /// The exercise's name (default: the new directory's name).
    #[arg(long)]
    name: Option<String>,
    /// Write the copy to this Kafka cluster (`host:port,...`) instead of an embedded
    /// log; `--data-dir` then becomes the copy's first instance's data directory.
    #[arg(long, requires = "namespace")]
    kafka: Option<String>,
    /// With `--kafka`: the copy's namespace on the cluster, which must be unused (no
    /// topic starts with `NAME.`). Serve the exercise with `--namespace NAME`.
    #[arg(long, requires = "kafka")]
    namespace: Option<String>,
    /// With `--kafka`: partitions of the copy's events topic.
    #[arg(long, default_value_t = 12)]
    kafka_partitions: i32,
    /// With `--kafka`: replication factor of the copy's topics (0: min(3, brokers)).
    #[arg(long, default_value_t = 0)]
    kafka_replication: i32,
    /// With `--kafka`: the copy's key-encryption key file (created if missing; default
    /// `personal-data.kek` in `--data-dir`). The instances serving the copy share it.
    #[arg(long, requires = "kafka")]
    kek: Option<PathBuf>,
}

/// The KEK file named, or the one in `dir`.
fn kek_file(dir: &Path, named: Option<&Path>) -> KekFile {
    match named {
        Some(path) => KekFile {
            path: path.to_owned(),
        },
        None => KekFile::in_dir(dir),
    }
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

/// Keeps the exercise marker read from a Kafka namespace in the instance's data
/// directory, where the rest of Homeward (and `exercise report`) reads it.
pub fn adopt_marker(data_dir: &Path, marker: &[u8]) -> anyhow::Result<()> {
    let parsed: serde_json::Value =
        serde_json::from_slice(marker).context("the namespace's exercise marker is not JSON")?;
    if parsed
        .get("name")
        .and_then(|n| n.as_str())
        .is_none_or(str::is_empty)
    {
        bail!("the namespace's exercise marker names no exercise");
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    std::fs::write(data_dir.join(MARKER), marker)
        .with_context(|| format!("cannot write {}", data_dir.join(MARKER).display()))?;
    Ok(())
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
        let source = SqliteLog::open_with_kek(&args.from, kek_file(&args.from, args.from_kek.as_deref()))?;
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
        let stand_ins = StandIns::of(&entries)?;
        let copied: Vec<&RecordedEvent> = entries
            .iter()
            .filter(|e| e.recorded_at <= args.as_of)
            .filter(|e| e.stream_id.category() != "subscription")
            .collect();
        let kafka = match (&args.kafka, &args.namespace) {
            (Some(brokers), Some(namespace)) => {
                let prefix = crate::cli::kafka_prefix(namespace, None)?;
                let mut cfg = homeward_kafka::KafkaConfig {
                    brokers: brokers.clone(),
                    prefix,
                    partitions: args.kafka_partitions.max(1),
                    replication: args.kafka_replication,
                    instance_id: String::new(),
                    erasure_window: homeward_kafka::config::ERASURE_WINDOW,
                    kek: args.kek.clone(),
                };
                let used = homeward_kafka::marker::topics_in_use(&cfg)
                    .await
                    .with_context(|| format!("cannot use the Kafka cluster at {brokers}"))?;
                if let Some(topic) = used.first() {
                    bail!(
                        "the namespace `{namespace}` is already used on {brokers} ({} topics, e.g. {topic}): \
                         an exercise is copied into an unused namespace",
                        used.len()
                    );
                }
                // Creates the directory, which the embedded copy below would too.
                cfg.instance_id = homeward_kafka::instance_id(&args.data_dir)?;
                Some(cfg)
            }
            _ => None,
        };
        std::fs::create_dir_all(&args.data_dir)
            .with_context(|| format!("cannot create {}", args.data_dir.display()))?;
        let marker = serde_json::to_vec_pretty(&serde_json::json!({
            "name": name,
            "as_of": args.as_of,
            "from": args.from.display().to_string(),
            "events": copied.len(),
            "namespace": args.namespace,
        }))?;
        let result = match &kafka {
            None => copy(&args.data_dir, &stand_ins, &copied).await,
            Some(cfg) => {
                copy_to_kafka(cfg.clone(), &args.data_dir, &stand_ins, &copied, &marker).await
            }
        };
        if let Err(e) = result {
            let _ = std::fs::remove_dir_all(&args.data_dir);
            return Err(match &args.namespace {
                Some(ns) => e.context(format!(
                    "the namespace `{ns}` may hold part of the copy: delete its topics or choose another namespace"
                )),
                None => e,
            });
        }
        std::fs::write(args.data_dir.join(MARKER), &marker)?;
        let place = match &args.namespace {
            Some(ns) => format!("in namespace `{ns}` (first instance's data in {})", args.data_dir.display()),
            None => format!("in {}", args.data_dir.display()),
        };
        eprintln!(
            "exercise `{name}` created {place}: {} events as of {}, personal data replaced, no subscriptions",
            copied.len(),
            args.as_of
        );
        anyhow::Ok(())
    })
}

/// Appends the events one by one, each recorded at its original time, into a new log
/// (which seals the stand-ins' personal data and builds its own chain).
async fn copy(dir: &Path, stand_ins: &StandIns, events: &[&RecordedEvent]) -> anyhow::Result<()> {
    let now = Arc::new(Mutex::new(Timestamp::UNIX_EPOCH));
    let clock = Arc::clone(&now);
    let log = SqliteLog::open_with_clock(
        dir,
        Arc::new(move || clock.lock().map_or(Timestamp::UNIX_EPOCH, |t| *t)),
    )?;
    append_copies(&log, &now, stand_ins, events).await
}

/// The same into an unused namespace of a Kafka cluster, through an instance whose
/// sequencer records each event at its original time (the namespace's partitions have
/// no other writer yet), then marks the namespace as this exercise.
async fn copy_to_kafka(
    cfg: homeward_kafka::KafkaConfig,
    dir: &Path,
    stand_ins: &StandIns,
    events: &[&RecordedEvent],
    marker: &[u8],
) -> anyhow::Result<()> {
    let now = Arc::new(Mutex::new(Timestamp::UNIX_EPOCH));
    let clock = Arc::clone(&now);
    let brokers = cfg.brokers.clone();
    let marked = cfg.clone();
    let log = homeward_kafka::KafkaLog::connect_with_clock(
        cfg,
        dir,
        Arc::new(move || clock.lock().map_or(Timestamp::UNIX_EPOCH, |t| *t)),
    )
    .await
    .with_context(|| format!("cannot use the Kafka cluster at {brokers}"))?;
    if !log.writer_ready(std::time::Duration::from_secs(120)).await {
        anyhow::bail!("the sequencer of the copy did not join its group at {brokers}");
    }
    append_copies(log.as_ref(), &now, stand_ins, events).await?;
    homeward_kafka::marker::write_exercise(&marked, marker)
        .await
        .context("cannot mark the namespace as an exercise")?;
    Ok(())
}

async fn append_copies(
    log: &dyn EventLog,
    now: &Mutex<Timestamp>,
    stand_ins: &StandIns,
    events: &[&RecordedEvent],
) -> anyhow::Result<()> {
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
                event: stand_ins.apply(e)?,
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

/// The clock of an exercise: from `start`, `speed` times as fast as the wall clock.
#[derive(Debug)]
pub struct ExerciseClock {
    start: Timestamp,
    real_start: Timestamp,
    speed: i32,
}

impl ExerciseClock {
    /// A clock at `start` now, running `speed` times as fast.
    pub fn new(start: Timestamp, speed: u16) -> Self {
        Self {
            start,
            real_start: Timestamp::now(),
            speed: i32::from(speed.max(1)),
        }
    }

    /// How long the wall clock takes for `exercise` of exercise time.
    fn real(&self, exercise: jiff::SignedDuration) -> std::time::Duration {
        let nanos = exercise.as_nanos().max(0) / i128::from(self.speed);
        std::time::Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }
}

impl homeward_service::Clock for ExerciseClock {
    fn now(&self) -> Timestamp {
        let elapsed = Timestamp::now().duration_since(self.real_start);
        elapsed
            .checked_mul(self.speed)
            .and_then(|d| self.start.checked_add(d).ok())
            .unwrap_or(self.start)
    }
}

/// The moment an exercise's clock starts from: its `as_of`, or the last entry recorded
/// in the copy when that is later (a restarted exercise goes on, never back).
pub fn resume_from(data_dir: &Path, kek: KekFile) -> anyhow::Result<Timestamp> {
    let start = start_of(data_dir)?;
    let conn_last = {
        let log = SqliteLog::open_with_kek(data_dir, kek)?;
        let head = *log.head().borrow();
        let rt = tokio::runtime::Builder::new_current_thread().build()?;
        rt.block_on(log.read_after(head.saturating_sub(1), 1))?
            .first()
            .map(|e| e.recorded_at())
    };
    Ok(conn_last.map_or(start, |last| last.max(start)))
}

/// The moment an exercise copy starts from: its `as_of`.
pub fn start_of(data_dir: &Path) -> anyhow::Result<Timestamp> {
    let marker: serde_json::Value = serde_json::from_slice(&std::fs::read(data_dir.join(MARKER))?)?;
    marker
        .get("as_of")
        .and_then(|t| t.as_str())
        .and_then(|t| t.parse().ok())
        .context("the exercise marker names no as_of")
}

/// One inject: at that exercise time after the start, the request goes through the
/// ordinary command path as `exercise-control`.
#[derive(Debug, Clone, PartialEq)]
pub struct Inject {
    /// Its line in the file.
    pub line: usize,
    /// When, after the start.
    pub at: jiff::SignedDuration,
    /// `POST`, `PUT` or `DELETE`.
    pub method: String,
    /// The route, under `/v1/`.
    pub path: String,
    /// The JSON body.
    pub body: Option<serde_json::Value>,
}

/// `+HH:MM` (or `+HH:MM:SS`).
fn offset(text: &str) -> Option<jiff::SignedDuration> {
    let rest = text.strip_prefix('+')?;
    let parts: Vec<&str> = rest.split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.len() != 2 && p.len() != 3) {
        return None;
    }
    let nums: Vec<i64> = parts
        .iter()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    if nums[1] > 59 || nums.get(2).is_some_and(|s| *s > 59) {
        return None;
    }
    Some(jiff::SignedDuration::from_secs(
        nums[0] * 3600 + nums[1] * 60 + nums.get(2).copied().unwrap_or(0),
    ))
}

/// Reads an inject file (JSON Lines; blank lines skipped). A bad line is an error
/// naming its number, before anything runs.
pub fn read_injects(path: &Path) -> anyhow::Result<Vec<Inject>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the inject file {}", path.display()))?;
    let mut injects = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let bad = |why: &str| anyhow::anyhow!("{} line {n}: {why}", path.display());
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| bad(&format!("not JSON ({e})")))?;
        let object = value.as_object().ok_or_else(|| bad("not a JSON object"))?;
        if let Some(unknown) = object
            .keys()
            .find(|k| !["at", "method", "path", "body"].contains(&k.as_str()))
        {
            return Err(bad(&format!("unknown field `{unknown}`")));
        }
        let at = object
            .get("at")
            .and_then(|v| v.as_str())
            .and_then(offset)
            .ok_or_else(|| bad("`at` must be a time after the start such as \"+01:30\""))?;
        let method = match object.get("method").and_then(|v| v.as_str()) {
            Some(m @ ("POST" | "PUT" | "DELETE")) => m.to_owned(),
            _ => return Err(bad("`method` must be POST, PUT or DELETE")),
        };
        let path_value = match object.get("path").and_then(|v| v.as_str()) {
            Some(p) if p.starts_with("/v1/") && !p.contains(char::is_whitespace) => p.to_owned(),
            _ => return Err(bad("`path` must be a route under /v1/")),
        };
        let body = match object.get("body") {
            None | Some(serde_json::Value::Null) => None,
            Some(b @ serde_json::Value::Object(_)) => Some(b.clone()),
            Some(_) => return Err(bad("`body` must be a JSON object")),
        };
        injects.push(Inject {
            line: n,
            at,
            method,
            path: path_value,
            body,
        });
    }
    injects.sort_by_key(|i| (i.at, i.line));
    Ok(injects)
}

/// Carries out the injects at their exercise times, through the router (the ordinary
/// command path), with a token of `exercise-control`.
pub async fn run_injects(
    injects: Vec<Inject>,
    router: axum::Router,
    clock: Arc<ExerciseClock>,
    start: Timestamp,
    token: String,
) {
    use homeward_service::Clock;
    use tower::ServiceExt;
    for inject in injects {
        let due = start.checked_add(inject.at).unwrap_or(start);
        let ahead = due.duration_since(clock.now());
        if ahead.is_positive() {
            tokio::time::sleep(clock.real(ahead)).await;
        }
        let body = inject
            .body
            .as_ref()
            .map(|b| serde_json::to_vec(b).unwrap_or_default())
            .unwrap_or_default();
        let request = axum::http::Request::builder()
            .method(inject.method.as_str())
            .uri(&inject.path)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .header("idempotency-key", format!("inject-{}", inject.line))
            .body(axum::body::Body::from(body));
        let Ok(request) = request else {
            tracing::warn!(line = inject.line, "inject not sent: bad request");
            continue;
        };
        match router.clone().oneshot(request).await {
            Ok(response) => tracing::info!(
                line = inject.line,
                status = response.status().as_u16(),
                "inject carried out"
            ),
            Err(e) => tracing::warn!(line = inject.line, error = %e, "inject failed"),
        }
    }
}

/// `homeward exercise report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The exercise copy.
    #[arg(long)]
    data_dir: PathBuf,
    /// Its key-encryption key file (default: `personal-data.kek` in `--data-dir`; on
    /// Kafka, the one its instances share).
    #[arg(long)]
    kek: Option<PathBuf>,
}

/// The after-action report: each inject, the first action that answered it (the next
/// event on the same stream by someone other than exercise control and Homeward) and
/// how long it took, and the deadlines missed during the exercise.
pub fn report(args: ReportArgs, runtime: tokio::runtime::Runtime) -> anyhow::Result<String> {
    let name = name_of(&args.data_dir)?
        .with_context(|| format!("{} is not an exercise copy", args.data_dir.display()))?;
    let start = start_of(&args.data_dir)?;
    let events = runtime.block_on(async {
        let log = SqliteLog::open_with_kek(
            &args.data_dir,
            kek_file(&args.data_dir, args.kek.as_deref()),
        )?;
        let mut events: Vec<RecordedEvent> = Vec::new();
        let mut after = 0;
        loop {
            let batch = log.read_after(after, 4096).await?;
            let Some(last) = batch.last() else { break };
            after = last.position();
            events.extend(batch.into_iter().filter_map(|e| match e {
                LogEntry::Event(e) => Some(*e),
                LogEntry::Rejection(_) => None,
            }));
        }
        anyhow::Ok(events)
    })?;
    let during: Vec<&RecordedEvent> = events.iter().filter(|e| e.recorded_at > start).collect();
    let mut out = String::new();
    use std::fmt::Write as _;
    let _ = writeln!(out, "# After-action report: exercise {name}\n");
    let _ = writeln!(out, "Started at {start}.\n\n## Injects\n");
    let mut seen = std::collections::HashSet::new();
    let mut injects = 0;
    for (i, e) in during.iter().enumerate() {
        if e.actor.subject != "exercise-control" || !seen.insert(e.correlation_id) {
            continue;
        }
        injects += 1;
        let at = e.recorded_at.duration_since(start);
        let answer = during[i + 1..].iter().find(|a| {
            a.stream_id == e.stream_id
                && a.actor.subject != "exercise-control"
                && a.actor.subject != "homeward"
        });
        let _ = write!(
            out,
            "- +{:02}:{:02} {} on {}: ",
            at.as_secs() / 3600,
            at.as_secs() / 60 % 60,
            e.event_type,
            e.stream_id
        );
        let _ = match answer {
            Some(a) => writeln!(
                out,
                "answered by {} ({}) after {} min",
                a.actor.subject,
                a.event_type,
                a.recorded_at.duration_since(e.recorded_at).as_secs() / 60
            ),
            None => writeln!(out, "not answered"),
        };
    }
    if injects == 0 {
        out.push_str("No injects were carried out.\n");
    }
    out.push_str("\n## Deadlines missed during the exercise\n\n");
    let mut missed = 0;
    for e in &during {
        if let DomainEvent::Deadline(homeward_domain::deadline::DeadlineEvent::Missed(m)) = &e.event
        {
            missed += 1;
            let _ = writeln!(
                out,
                "- {} (owner {}), due {}, {} min late",
                m.what,
                m.owner,
                m.due_at,
                m.late_by_seconds / 60
            );
        }
    }
    if missed == 0 {
        out.push_str("None.\n");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inject_times_are_offsets_after_the_start() {
        assert_eq!(offset("+01:30"), Some(jiff::SignedDuration::from_mins(90)));
        assert_eq!(
            offset("+00:00:45"),
            Some(jiff::SignedDuration::from_secs(45))
        );
        for bad in ["01:30", "+1:3", "+01:60", "+aa:bb", "+01", ""] {
            assert_eq!(offset(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_bad_inject_line_is_named() {
        let dir = tempfile_dir();
        let path = dir.join("injects.jsonl");
        std::fs::write(
            &path,
            "{\"at\":\"+00:10\",\"method\":\"POST\",\"path\":\"/v1/incidents\",\"body\":{}}\n\n{\"at\":\"+00:20\",\"method\":\"GET\",\"path\":\"/v1/board\"}\n",
        )
        .expect("write");
        let err = read_injects(&path).expect_err("GET is refused");
        assert!(err.to_string().contains("line 3"), "{err}");
        std::fs::write(
            &path,
            "{\"at\":\"+00:20\",\"method\":\"PUT\",\"path\":\"/v1/countries/ML/risk\",\"body\":{\"level\":2,\"reason\":\"x\"}}\n{\"at\":\"+00:10\",\"method\":\"POST\",\"path\":\"/v1/incidents\"}\n",
        )
        .expect("write");
        let injects = read_injects(&path).expect("good file");
        assert_eq!(injects.iter().map(|i| i.line).collect::<Vec<_>>(), [2, 1]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("homeward-injects-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }
}
