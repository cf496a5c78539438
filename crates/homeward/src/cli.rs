//! The command line: parsing with clap, and what each subcommand does.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use homeward_api::{AppState, TokenKeys};
use homeward_domain::deadline::DeadlinePolicy;
use homeward_domain::{Role, Timestamp};
use homeward_projections::Projections;
use homeward_service::{Homeward, Snapshots, SystemClock};
use homeward_store::sqlite::{FILE_NAME, VerifyError};
use homeward_store::{EventLog, SqliteLog};
use indicatif::{ProgressBar, ProgressStyle};

/// Homeward: event-sourced crisis response coordination for a consular service.
///
/// Every crisis action is an event in a tamper-evident log; the board, incident files,
/// the person locator and the audit trail are folded from it. Start with `homeward
/// serve`, issue yourself a token with `homeward token issue`, and read the README.
#[derive(Debug, Parser)]
#[command(name = "homeward", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API, the live board stream and the wall display.
    Serve(ServeArgs),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Rebuild every projection from the log and print a summary.
    Replay(ReplayArgs),
    /// Audit the log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Evacuation manifests.
    #[command(subcommand)]
    Manifest(ManifestCommand),
    /// Copy a data directory's event log (and delivery cursors) into a new directory
    /// while the server runs: a consistent copy as of one commit, verified like `audit
    /// verify`. Restore by starting `serve` on the copy with the key-encryption key of
    /// the original (it is not copied: the copy's personal data keys stay wrapped).
    Backup(BackupArgs),
    /// Write a believable crisis scenario (an evacuation, kidnapping and detention
    /// cases, hotline calls, risk changes, field reports over days) into a new data
    /// directory, through the same decide/append path the API uses.
    Demo(crate::demo::DemoArgs),
    /// Print the situation report as of a moment, as Markdown, from the log (no
    /// server needed). The reader is cleared for every case unless
    /// `--redact-restricted` is given.
    Sitrep(SitrepArgs),
    /// Training copies of a crisis.
    #[command(subcommand)]
    Exercise(ExerciseCommand),
}

#[derive(Debug, Subcommand)]
enum ExerciseCommand {
    /// Copy the crisis in `--from` as it stood at `--as-of` into the new directory
    /// `--data-dir`: personal data replaced by generated stand-ins, its own hash chain,
    /// no subscriptions.
    Create(crate::exercise::CreateArgs),
    /// Print the after-action report of an exercise: each inject, the first action
    /// that answered it and how long it took, and the deadlines missed.
    Report(crate::exercise::ReportArgs),
}

#[derive(Debug, Args)]
struct SitrepArgs {
    #[command(flatten)]
    data: DataDir,
    /// The moment the report describes (RFC 3339).
    #[arg(long)]
    as_of: Timestamp,
    /// The moment of the last report: what changed is counted after it.
    #[arg(long)]
    since: Option<Timestamp>,
    /// Only this country.
    #[arg(long)]
    country: Option<String>,
    /// Only this incident.
    #[arg(long)]
    incident: Option<homeward_domain::IncidentId>,
    /// Show restricted cases redacted, as to a reader without clearance.
    #[arg(long)]
    redact_restricted: bool,
}

#[derive(Debug, Args)]
struct DataDir {
    /// Where the event log and the token signing key live.
    #[arg(long, env = "HOMEWARD_DATA_DIR", default_value = "homeward-data")]
    data_dir: PathBuf,
}

#[derive(Debug, Args)]
struct KeyFile {
    /// The token signing key (created on first use). Instances serving the same users
    /// share one key file. Default: `token-signing.key` in the data directory.
    #[arg(long, env = "HOMEWARD_TOKEN_KEY")]
    token_key: Option<PathBuf>,
}

impl KeyFile {
    fn load(&self, data_dir: &Path) -> anyhow::Result<TokenKeys> {
        Ok(match &self.token_key {
            Some(path) => TokenKeys::load_or_create_file(path)?,
            None => TokenKeys::load_or_create(data_dir)?,
        })
    }
}

#[derive(Debug, Args)]
struct KekArg {
    /// The key-encryption key that wraps the per-person keys of the log (created with
    /// a new log). Instances sharing a log share it, like the token key. Default:
    /// `personal-data.kek` beside the token signing key (the data directory).
    #[arg(long, env = "HOMEWARD_KEK")]
    kek: Option<PathBuf>,
}

impl KekArg {
    fn file(&self, beside: &Path) -> homeward_store::keystore::KekFile {
        match &self.kek {
            Some(path) => homeward_store::keystore::KekFile { path: path.clone() },
            None => homeward_store::keystore::KekFile::in_dir(beside),
        }
    }

    /// Opens the embedded log in `data_dir` with this key.
    fn open(&self, data_dir: &Path, beside: &Path) -> anyhow::Result<SqliteLog> {
        SqliteLog::open_with_kek(data_dir, self.file(beside))
            .with_context(|| format!("cannot open the event log in {}", data_dir.display()))
    }

    /// Opens the embedded log in `data_dir` with this key, recording times from `clock`.
    fn open_with_clock(
        &self,
        data_dir: &Path,
        beside: &Path,
        clock: Arc<dyn homeward_service::Clock>,
    ) -> anyhow::Result<SqliteLog> {
        SqliteLog::open_with_kek_and_clock(
            data_dir,
            self.file(beside),
            Arc::new(move || clock.now()),
        )
        .with_context(|| format!("cannot open the event log in {}", data_dir.display()))
    }
}

#[derive(Debug, Args)]
struct BackupArgs {
    #[command(flatten)]
    data: DataDir,
    /// The new directory to copy into (it must not exist, or be empty).
    #[arg(long)]
    to: PathBuf,
}

#[derive(Debug, Args)]
struct ServeArgs {
    #[command(flatten)]
    data: DataDir,
    #[command(flatten)]
    key: KeyFile,
    #[command(flatten)]
    kek: KekArg,
    /// The address to listen on.
    #[arg(long, env = "HOMEWARD_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Log lines as JSON (for log collectors) instead of text.
    #[arg(long)]
    json_logs: bool,
    /// The configuration file with the deadlines Homeward keeps (welfare checks by
    /// risk level, kidnapping case teams, field reports). Default: `homeward.toml` in
    /// the data directory when it exists, else the built-in defaults.
    #[arg(long, env = "HOMEWARD_CONFIG")]
    config: Option<PathBuf>,
    /// Deliver events to subscriptions from this instance. With several instances on
    /// one Kafka cluster, let one of them deliver (`--deliver false` on the others),
    /// or subscribers receive each event once per delivering instance.
    #[arg(long, env = "HOMEWARD_DELIVER", default_value_t = true, action = clap::ArgAction::Set)]
    deliver: bool,
    /// Use an Apache Kafka cluster (`host:port,host:port`) as the event log instead of
    /// the embedded one. The data directory then holds this instance's copy of the
    /// events; give every instance its own.
    #[arg(long, env = "HOMEWARD_KAFKA")]
    kafka: Option<String>,
    /// This deployment's name on the Kafka cluster: every topic, consumer group and
    /// transactional id starts with `NAME.`, so several deployments (or an exercise
    /// copy of a real one) share one cluster.
    #[arg(long, env = "HOMEWARD_NAMESPACE", default_value = "homeward")]
    namespace: String,
    /// The prefix itself, verbatim (an older spelling of `--namespace NAME` as
    /// `NAME.`); it wins over `--namespace` when given.
    #[arg(long, env = "HOMEWARD_KAFKA_TOPIC_PREFIX")]
    kafka_topic_prefix: Option<String>,
    /// Where the other instances of a Kafka deployment reach this one's API
    /// (`http://host:port`): when two instances take commands for one busy stream, the
    /// one that meets the other's turn on it sends it the stream's commands there.
    /// Default: `http://<--listen>` when that names an address, none when it is a
    /// wildcard (0.0.0.0); without one, the others write such a stream themselves.
    #[arg(long, env = "HOMEWARD_ADVERTISE")]
    advertise: Option<String>,
    /// Partitions of the events topic when Homeward creates it.
    #[arg(long, env = "HOMEWARD_KAFKA_PARTITIONS", default_value_t = 12)]
    kafka_partitions: i32,
    /// Replication factor when Homeward creates its topics (0: min(3, brokers)).
    #[arg(long, env = "HOMEWARD_KAFKA_REPLICATION", default_value_t = 0)]
    kafka_replication: i32,
    /// How long an erased person's key may still rest on the brokers when Homeward
    /// creates the keys topic (its `segment.ms` and `max.compaction.lag.ms`; its
    /// tombstone stays as long again, `delete.retention.ms`), e.g. `1h`, `10m`, `5s`.
    #[arg(long, env = "HOMEWARD_KAFKA_ERASURE_WINDOW", default_value = "1h")]
    kafka_erasure_window: String,
    /// Requests a second each subject may make on average (0: no limit); over it,
    /// requests get 429 with `Retry-After`.
    #[arg(long, env = "HOMEWARD_RATE_LIMIT", default_value_t = 100)]
    rate_limit: u32,
    /// Requests a subject may make at once above the average rate.
    #[arg(long, env = "HOMEWARD_RATE_BURST", default_value_t = 1000)]
    rate_burst: u32,
    /// Write a snapshot of the read models (in the data directory) after this many
    /// entries folded since the last one, so that a restart folds only the tail; 0
    /// turns snapshots off.
    #[arg(long, env = "HOMEWARD_SNAPSHOT_EVERY", default_value_t = homeward_service::snapshots::DEFAULT_EVERY)]
    snapshot_every: u64,
    /// On an exercise copy: run the clock from the exercise's as-of moment, this many
    /// times as fast as the wall clock.
    #[arg(long)]
    exercise_speed: Option<u16>,
    /// On an exercise copy: carry out the injects of this JSON Lines file, each
    /// `{"at": "+HH:MM", "method": "POST", "path": "/v1/...", "body": {...}}`, at that
    /// exercise time after the start, as `exercise-control`.
    #[arg(long)]
    injects: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Issue a signed token; the last line of output is the token alone.
    Issue(IssueArgs),
}

#[derive(Debug, Args)]
struct IssueArgs {
    #[command(flatten)]
    data: DataDir,
    #[command(flatten)]
    key: KeyFile,
    /// Who the token is for (an officer's login name, or a screen's name).
    #[arg(long)]
    subject: String,
    /// duty_officer, field_officer, hotline_operator, case_team,
    /// evacuation_coordinator, auditor, wall_display or admin.
    #[arg(long)]
    role: Role,
    /// How long the token is valid, e.g. `12h`, `30d`, `PT8H`. By default 12 hours
    /// for people and 90 days for a wall display (a screen nobody touches).
    #[arg(long)]
    ttl: Option<String>,
}

/// How long a token lives when `--ttl` is not given: a shift for people, a quarter for
/// a screen on the wall, which nobody should have to log in again every morning.
fn default_ttl(role: Role) -> &'static str {
    match role {
        Role::WallDisplay => "90d",
        _ => "12h",
    }
}

#[derive(Debug, Args)]
struct ReplayArgs {
    #[command(flatten)]
    data: DataDir,
    #[command(flatten)]
    kek: KekArg,
    /// Rebuild the projections as they stood at this moment (RFC 3339).
    #[arg(long)]
    until: Option<Timestamp>,
}

#[derive(Debug, Subcommand)]
enum ManifestCommand {
    /// Write the CSV manifest of one transport, or of every transport of an
    /// evacuation, from the log (no server needed). Passport numbers are written in
    /// full: the file is for the carrier and the border authorities.
    Export(ExportArgs),
}

#[derive(Debug, Args)]
struct ExportArgs {
    #[command(flatten)]
    data: DataDir,
    #[command(flatten)]
    kek: KekArg,
    /// The evacuation.
    #[arg(long)]
    evacuation: homeward_domain::EvacuationId,
    /// Only this transport.
    #[arg(long)]
    transport: Option<homeward_domain::TransportId>,
    /// Write to this file instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check every link of the hash chain. Exit 0 when intact; 1 naming the first
    /// broken entry when any stored entry was altered, removed or reordered.
    /// With `--kafka`, checks the chain of every partition of the events topic
    /// instead of a data directory's copy.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
struct VerifyArgs {
    #[command(flatten)]
    data: DataDir,
    /// Verify the events topic of this Kafka cluster.
    #[arg(long, env = "HOMEWARD_KAFKA")]
    kafka: Option<String>,
    /// The deployment's name on the cluster (its topics start with `NAME.`).
    #[arg(long, env = "HOMEWARD_NAMESPACE", default_value = "homeward")]
    namespace: String,
    /// The topic prefix itself, verbatim (wins over `--namespace`).
    #[arg(long, env = "HOMEWARD_KAFKA_TOPIC_PREFIX")]
    kafka_topic_prefix: Option<String>,
}

/// The prefix of every topic, group and transactional id of a deployment.
pub(crate) fn kafka_prefix(namespace: &str, prefix: Option<&str>) -> anyhow::Result<String> {
    let prefix = match prefix {
        Some(p) => p.to_owned(),
        None => format!("{namespace}."),
    };
    let legal = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if prefix.is_empty() || prefix == "." || prefix.len() > 200 || !prefix.chars().all(legal) {
        anyhow::bail!(
            "invalid Kafka namespace {prefix:?}: use 1 to 199 letters, digits, '.', '_' or '-'"
        );
    }
    Ok(prefix)
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve(args),
        Command::Token(TokenCommand::Issue(args)) => issue(args),
        Command::Replay(args) => replay(args),
        Command::Audit(AuditCommand::Verify(args)) => match args.kafka {
            None => verify(&args.data.data_dir),
            Some(brokers) => verify_kafka(
                brokers,
                kafka_prefix(&args.namespace, args.kafka_topic_prefix.as_deref())?,
            ),
        },
        Command::Demo(args) => crate::demo::run(args),
        Command::Backup(args) => backup(&args.data.data_dir, &args.to),
        Command::Sitrep(args) => sitrep(args),
        Command::Exercise(ExerciseCommand::Create(args)) => {
            crate::exercise::create(args, runtime()?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Exercise(ExerciseCommand::Report(args)) => {
            print!("{}", crate::exercise::report(args, runtime()?)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Manifest(ManifestCommand::Export(args)) => export(args),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn init_logs(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    init_logs(args.json_logs);
    let data_dir = args.data.data_dir;
    // The key-encryption key lives beside the token key unless named.
    let beside = match &args.key.token_key {
        Some(path) => path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_owned),
        None => data_dir.clone(),
    };
    let rt = runtime()?;
    let kafka_cfg = match &args.kafka {
        Some(brokers) => Some(homeward_kafka::KafkaConfig {
            brokers: brokers.clone(),
            prefix: kafka_prefix(&args.namespace, args.kafka_topic_prefix.as_deref())?,
            partitions: args.kafka_partitions.max(1),
            replication: args.kafka_replication,
            instance_id: homeward_kafka::instance_id(&data_dir)?,
            erasure_window: std::time::Duration::try_from(parse_ttl(&args.kafka_erasure_window)?)
                .ok()
                .filter(|d| !d.is_zero())
                .context("--kafka-erasure-window is not a positive duration")?,
            kek: Some(args.kek.file(&beside).path),
        }),
        None => None,
    };
    // An exercise copy on Kafka names itself in its namespace, so that every instance
    // serving it says EXERCISE, whatever its data directory held before.
    if let Some(cfg) = &kafka_cfg
        && let Some(marker) = rt
            .block_on(homeward_kafka::marker::read_exercise(cfg))
            .with_context(|| format!("cannot use the Kafka cluster at {}", cfg.brokers))?
    {
        crate::exercise::adopt_marker(&data_dir, &marker)?;
    }
    let exercise = crate::exercise::name_of(&data_dir)?;
    if exercise.is_none() && (args.exercise_speed.is_some() || args.injects.is_some()) {
        bail!(
            "--exercise-speed and --injects run only on an exercise copy (`homeward exercise create`)"
        );
    }
    // Read before anything runs: a bad line stops the start, naming the line.
    let injects = match &args.injects {
        Some(path) => crate::exercise::read_injects(path)?,
        None => Vec::new(),
    };
    let exercise_clock = match exercise {
        Some(_) if args.exercise_speed.is_some() || args.injects.is_some() => {
            let start = crate::exercise::resume_from(&data_dir, args.kek.file(&beside))?;
            Some((
                start,
                Arc::new(crate::exercise::ExerciseClock::new(
                    start,
                    args.exercise_speed.unwrap_or(1),
                )),
            ))
        }
        _ => None,
    };
    let clock: Arc<dyn homeward_service::Clock> = match &exercise_clock {
        Some((_, c)) => c.clone(),
        None => Arc::new(SystemClock),
    };
    let served = rt.block_on(async move {
        let (log, keyring): (Arc<dyn EventLog>, _) = match kafka_cfg {
            None => {
                let log = args
                    .kek
                    .open_with_clock(&data_dir, &beside, Arc::clone(&clock))?;
                let keyring = log.keyring();
                (Arc::new(log), keyring)
            }
            Some(cfg) => {
                tracing::info!(brokers = %cfg.brokers, prefix = %cfg.prefix, instance = %cfg.instance_id, "using Kafka");
                let brokers = cfg.brokers.clone();
                let record_clock = Arc::clone(&clock);
                let kafka = homeward_kafka::KafkaLog::connect_with_clock(
                    cfg,
                    &data_dir,
                    Arc::new(move || record_clock.now()),
                )
                .await
                .with_context(|| format!("cannot use the Kafka cluster at {brokers}"))?;
                kafka.catch_up().await?;
                if !kafka.writer_ready(Duration::from_secs(120)).await {
                    tracing::warn!(
                        "the sequencer has not joined its group yet; serving meanwhile (appends wait for the partition's owner)"
                    );
                }
                let keyring = kafka.keyring();
                (kafka, keyring)
            }
        };
        let tokens = Arc::new(args.key.load(&data_dir)?);
        let policy = match &args.config {
            Some(path) => homeward_service::config::load(path)?,
            None => {
                let default = data_dir.join("homeward.toml");
                if default.exists() {
                    homeward_service::config::load(&default)?
                } else {
                    DeadlinePolicy::default()
                }
            }
        };
        let started = Instant::now();
        let service = if args.snapshot_every == 0 {
            Homeward::start(Arc::clone(&log), Arc::clone(&clock), |_, _| {}).await?
        } else {
            let mut snapshots = Snapshots::in_dir(&data_dir).every(args.snapshot_every);
            snapshots = snapshots.sealed_with(keyring);
            Homeward::start_with_snapshots(Arc::clone(&log), Arc::clone(&clock), snapshots, |_, _| {})
                .await?
        };
        let answer_link_valid_for = policy.answer_link_valid_for;
        let link_keys = Arc::clone(&tokens);
        homeward_service::reactor::spawn_with_answer_links(
            Arc::clone(&service),
            policy,
            Some(Arc::new(move |id| {
                homeward_api::auth::answer_token_hash(&link_keys.answer_token(id))
            })),
        );
        tracing::info!(
            position = service.projected(),
            from_snapshot = service.resumed_from(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "projections rebuilt from the log"
        );
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr()?;
        let advertised = args
            .advertise
            .clone()
            .or_else(|| (!addr.ip().is_unspecified()).then(|| format!("http://{addr}")));
        if let Some(url) = &advertised {
            service.log().serving_at(url.trim_end_matches('/'));
        }
        tracing::info!(%addr, data_dir = %data_dir.display(), "Homeward is serving");
        let d = data_dir.display();
        eprintln!(
            "Homeward is serving on http://{addr} (data in {d}).\n\
             The wall display: http://{addr}/?token=<a wall_display token>\n\
             Issue one:        homeward token issue --data-dir {d} --subject crisis-room-wall --role wall_display\n\
             An officer's:     homeward token issue --data-dir {d} --subject YOUR.NAME --role duty_officer"
        );
        // An exercise copy never delivers to outside endpoints.
        let notifier = if args.deliver && exercise.is_none() {
            let keys = Arc::clone(&tokens);
            let notifier = homeward_notify::Notifier::open(
                &data_dir,
                Arc::clone(&service),
                Arc::new(move |id| keys.webhook_secret(id).into_bytes()),
                homeward_notify::Settings::default(),
            )?;
            let keys = Arc::clone(&tokens);
            notifier.set_answer_urls(Arc::new(move |id| {
                format!("{}{}", homeward_api::routes::answer::ANSWER_PATH, keys.answer_token(id))
            }));
            notifier.spawn();
            Some(notifier)
        } else {
            None
        };
        let mut state = AppState::new(Arc::clone(&service), tokens, Some(data_dir.clone()))
            .with_rate_limit(args.rate_limit, args.rate_burst)
            .with_answer_link_valid_for(answer_link_valid_for);
        if let Some(n) = notifier {
            state = state.with_notifier(n);
        }
        if let Some(name) = &exercise {
            tracing::warn!(exercise = %name, "serving an EXERCISE copy: nothing is delivered outside");
            state = state.with_exercise(name);
        }
        if let Some((start, clock)) = exercise_clock
            && !injects.is_empty()
        {
            let token = state.tokens.issue(
                "exercise-control",
                Role::DutyOfficer,
                Timestamp::now(),
                jiff::SignedDuration::from_hours(24 * 30),
            )?;
            tokio::spawn(crate::exercise::run_injects(
                injects,
                homeward_api::app(state.clone()),
                clock,
                start,
                token,
            ));
        }
        homeward_api::run(listener, state, shutdown_signal()).await?;
        match service.save_snapshot().await {
            Ok(Some(position)) => tracing::info!(position, "snapshot of the read models written"),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "cannot write a snapshot of the read models"),
        }
        tracing::info!("Homeward stopped");
        Ok(ExitCode::SUCCESS)
    });
    // Everything acknowledged is durable and the snapshot is written. What still runs
    // (a Kafka client leaving its group, a delivery under way) has this long: a client
    // that never ends must not keep a stopped instance from exiting.
    rt.shutdown_timeout(SHUTDOWN_GRACE);
    served
}

/// How long `serve` waits, once stopped, for its remaining tasks to end.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

fn issue(args: IssueArgs) -> anyhow::Result<ExitCode> {
    let ttl = parse_ttl(args.ttl.as_deref().unwrap_or(default_ttl(args.role)))?;
    if ttl.is_negative() || ttl.is_zero() {
        bail!("the token's lifetime must be positive");
    }
    let subject = args.subject.trim();
    if subject.is_empty() || subject.len() > 128 || subject.chars().any(char::is_whitespace) {
        bail!("a subject is a login name of 1 to 128 characters without spaces");
    }
    let keys = args.key.load(&args.data.data_dir)?;
    let now = Timestamp::now();
    let token = keys.issue(subject, args.role, now, ttl)?;
    let expires = now.saturating_add(ttl).unwrap_or(now);
    eprintln!("Token for {subject} as {} (expires {expires}):", args.role);
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}

/// A lifetime such as `12h`, `30d`, `1w 2d` or `PT8H`; a day is 24 hours.
fn parse_ttl(text: &str) -> anyhow::Result<jiff::SignedDuration> {
    if let Ok(d) = text.parse::<jiff::SignedDuration>() {
        return Ok(d);
    }
    let span: jiff::Span = text
        .parse()
        .with_context(|| format!("`{text}` is not a duration such as 12h or 30d"))?;
    span.to_duration(jiff::SpanRelativeTo::days_are_24_hours())
        .with_context(|| format!("`{text}` is not a duration such as 12h or 30d"))
}

fn replay(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let data_dir = args.data.data_dir;
    if !data_dir.join(FILE_NAME).exists() {
        bail!("no event log in {}", data_dir.display());
    }
    runtime()?.block_on(async move {
        let log: Arc<dyn EventLog> = Arc::new(args.kek.open(&data_dir, &data_dir)?);
        let total = *log.head().borrow();
        let bar = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} replaying [{bar:40}] {pos}/{len} entries ({per_sec}, {eta} left)",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        } else {
            ProgressBar::hidden()
        };
        let started = Instant::now();
        let projections = match args.until {
            None => {
                let service = Homeward::start(Arc::clone(&log), Arc::new(SystemClock), |pos, _| {
                    bar.set_position(pos)
                })
                .await?;
                service.read().clone()
            }
            Some(until) => {
                let service =
                    Homeward::start(Arc::clone(&log), Arc::new(SystemClock), |_, _| {}).await?;
                service.projections_as_of(until).await?
            }
        };
        bar.finish_and_clear();
        let elapsed = started.elapsed();
        print_summary(&projections, args.until, elapsed);
        Ok(ExitCode::SUCCESS)
    })
}

fn sitrep(args: SitrepArgs) -> anyhow::Result<ExitCode> {
    use homeward_projections::board::Visibility;
    use homeward_projections::sitrep::{SitrepQuery, markdown};
    let data_dir = args.data.data_dir;
    if !data_dir.join(FILE_NAME).exists() {
        bail!("no event log in {}", data_dir.display());
    }
    let country = match args.country.as_deref() {
        None => None,
        Some(c) => Some(
            homeward_domain::CountryCode::parse(c)
                .with_context(|| format!("`{c}` is not a country code"))?,
        ),
    };
    let text = runtime()?.block_on(async move {
        let log: Arc<dyn EventLog> = Arc::new(SqliteLog::open(&data_dir)?);
        let service = Homeward::start(log, Arc::new(SystemClock), |_, _| {}).await?;
        if let Some(id) = args.incident
            && service.read().incidents.get(id).is_none()
        {
            bail!("no incident {id}");
        }
        let query = SitrepQuery {
            as_of: args.as_of,
            since: args.since,
            country,
            incident: args.incident,
        };
        let redact = args.redact_restricted;
        let visibility = move |f: &homeward_projections::incidents::IncidentFile| {
            if redact && f.classification == homeward_domain::incident::Classification::Restricted {
                Visibility::Redacted
            } else {
                Visibility::Full
            }
        };
        let report = service.sitrep(&query, &visibility).await?;
        anyhow::Ok(markdown(&report))
    })?;
    use std::io::Write;
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn print_summary(p: &Projections, until: Option<Timestamp>, elapsed: std::time::Duration) {
    let open = p.incidents.iter().filter(|f| f.status.is_open()).count();
    let secs = elapsed.as_secs_f64().max(1e-9);
    match until {
        Some(t) => println!("Projections as they stood at {t}"),
        None => println!("Projections rebuilt from the whole log"),
    }
    println!("  log position     {}", p.position);
    if let Some(at) = p.recorded_at {
        println!("  last entry at    {at}");
    }
    println!("  incidents        {} ({open} open)", p.incidents.len());
    println!("  persons          {}", p.locator.len());
    println!("  hotline calls    {}", p.calls.len());
    let risks = p.board.risk_levels();
    let high = risks.iter().filter(|r| r.level >= 3).count();
    println!(
        "  countries rated  {} ({high} at level 3 or 4)",
        risks.len()
    );
    println!(
        "  replayed in      {:.2} s ({:.0} entries/s)",
        elapsed.as_secs_f64(),
        p.position as f64 / secs
    );
}

fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let data_dir = args.data.data_dir;
    if !data_dir.join(FILE_NAME).exists() {
        bail!("no event log in {}", data_dir.display());
    }
    let csv = runtime()?.block_on(async move {
        let log: Arc<dyn EventLog> = Arc::new(args.kek.open(&data_dir, &data_dir)?);
        let service = Homeward::start(log, Arc::new(SystemClock), |_, _| {}).await?;
        let p = service.read();
        let record = p
            .evacuations
            .get(args.evacuation)
            .with_context(|| format!("no evacuation {}", args.evacuation))?;
        let transports: Vec<_> = match args.transport {
            Some(t) => vec![t],
            None => record.transports.iter().map(|t| t.transport_id).collect(),
        };
        let mut manifests = Vec::new();
        for t in transports {
            let full = |n: &str| n.to_owned();
            manifests.push(
                record
                    .manifest(t, &p.locator, true, &full)
                    .with_context(|| {
                        format!("no transport {t} in evacuation {}", args.evacuation)
                    })?,
            );
        }
        anyhow::Ok(homeward_projections::evacuations::manifests_csv(
            &manifests,
        )?)
    })?;
    match args.out {
        Some(path) => {
            std::fs::write(&path, &csv)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("manifest written to {}", path.display());
        }
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&csv)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn verify_kafka(brokers: String, prefix: String) -> anyhow::Result<ExitCode> {
    let cfg = homeward_kafka::KafkaConfig {
        brokers,
        prefix,
        partitions: 0,
        replication: 0,
        instance_id: format!("verify-{}", std::process::id()),
        erasure_window: homeward_kafka::config::ERASURE_WINDOW,
        kek: None,
    };
    runtime()?.block_on(async move {
        match homeward_kafka::verify::verify(&cfg).await {
            Ok(partitions) => {
                let entries: u64 = partitions.iter().map(|p| p.entries).sum();
                println!(
                    "audit chains intact: {entries} entries in {} partitions",
                    partitions.len()
                );
                for p in partitions {
                    println!(
                        "partition {} head {} ({} entries)",
                        p.partition, p.head, p.entries
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(homeward_kafka::verify::KafkaVerifyError::Broken { partition, source }) => {
                println!(
                    "AUDIT CHAIN BROKEN in partition {partition} at entry {}: {}",
                    source.position, source.what
                );
                Ok(ExitCode::from(1))
            }
            Err(e) => Err(e.into()),
        }
    })
}

fn backup(data_dir: &Path, to: &Path) -> anyhow::Result<ExitCode> {
    match homeward_store::backup::backup(data_dir, to) {
        Ok(v) => {
            println!(
                "backup of {} in {}: audit chain intact, {} entries",
                data_dir.display(),
                to.display(),
                v.entries
            );
            println!("head {}", v.head);
            eprintln!(
                "The key-encryption key is not in the backup: keep it apart, and give it to \
                 `serve --kek` when restoring."
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(homeward_store::backup::BackupError::Verify(VerifyError::Broken(b))) => {
            println!("AUDIT CHAIN BROKEN at position {}: {}", b.position, b.what);
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}

fn verify(data_dir: &Path) -> anyhow::Result<ExitCode> {
    match SqliteLog::verify(data_dir) {
        Ok(v) => {
            println!("audit chain intact: {} entries", v.entries);
            println!("head {}", v.head);
            Ok(ExitCode::SUCCESS)
        }
        Err(VerifyError::Broken(b)) => {
            println!("AUDIT CHAIN BROKEN at position {}: {}", b.position, b.what);
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}
