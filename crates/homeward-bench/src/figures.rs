//! Every figure and its ceiling.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use homeward_domain::incident::{IncidentEvent, ReportCategory, ReportFiled};
use homeward_domain::{Actor, DomainEvent, IncidentId, ReportId, Role, StreamId, Timestamp};
use homeward_service::{Homeward, SystemClock};
use homeward_store::{AppendRequest, EventLog, ProposedEvent, SqliteLog};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::Args;
use crate::http::{
    PARTITIONS, forwarded, hot_stream, ingest, live_latency, remove_kafka, serve_homeward,
    serve_kafka, settled,
};

pub(crate) const REPORT: &str = "Convoy of 12 buses left the Al-Salam assembly point at 06:40 with 540 citizens; \
checkpoint at Jabal Awliya passed without incident; next contact expected at Wad Madani.";

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The runs of a load figure: its rate and latencies, each run's kept for the median.
#[derive(Default)]
struct Runs {
    rate: Vec<f64>,
    p50: Vec<f64>,
    p99: Vec<f64>,
}

impl Runs {
    fn add(&mut self, (rate, p50, p99): (f64, Duration, Duration)) {
        self.rate.push(rate);
        self.p50.push(p50.as_secs_f64() * 1e3);
        self.p99.push(p99.as_secs_f64() * 1e3);
    }

    /// The median rate, p50 and p99 (milliseconds).
    fn medians(&self) -> (f64, f64, f64) {
        (
            median(self.rate.clone()),
            median(self.p50.clone()),
            median(self.p99.clone()),
        )
    }
}

fn line(name: &str, ours: f64, unit: &str, ceiling_name: &str, ceiling: f64) {
    let ratio = if ceiling > 0.0 { ours / ceiling } else { 0.0 };
    println!(
        "{name:<44} {ours:>12.0} {unit:<10} | {ceiling_name:<34} {ceiling:>12.0} {unit:<10} | {:>5.1} %",
        ratio * 100.0
    );
}

pub async fn all(args: &Args) -> anyhow::Result<()> {
    let want = |f: &str| args.only.is_empty() || args.only.iter().any(|o| o == f);
    println!(
        "homeward-bench: {} runs per figure (median), {} clients, {} s per HTTP run, {} cores",
        args.runs,
        args.clients,
        args.seconds,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    if want("append") {
        let (mut ours, mut raw) = (Vec::new(), Vec::new());
        for _ in 0..args.runs {
            ours.push(append_embedded(args.appends, args.clients * 2).await?);
            raw.push(append_raw_sqlite(args.appends, args.clients * 2).await?);
        }
        line(
            "append, embedded log (events/s)",
            median(ours),
            "ev/s",
            "raw SQLite, same bytes+fsyncs",
            median(raw),
        );
    }
    let mut ingest_rate = 0.0;
    if want("ingest") || want("live") {
        let (mut ours, mut trivial) = (Runs::default(), Runs::default());
        for _ in 0..args.runs {
            ours.add(ingest(args, false).await?);
            trivial.add(ingest(args, true).await?);
        }
        let (rate, p50, p99) = ours.medians();
        let (t_rate, t50, t99) = trivial.medians();
        ingest_rate = rate;
        line(
            "ingest over HTTP, durable (reports/s)",
            ingest_rate,
            "req/s",
            "trivial axum JSON handler",
            t_rate,
        );
        println!(
            "{:<44} p50 {p50:.2} ms, p99 {p99:.2} ms | trivial handler p50 {t50:.2} ms, p99 {t99:.2} ms",
            "  ingest latency",
        );
    }
    if want("live") {
        let mut live = Runs::default();
        for _ in 0..args.runs {
            let (a, b) = live_latency(args, ingest_rate / 2.0).await?;
            live.add((0.0, a, b));
        }
        let (_, p50, p99) = live.medians();
        println!(
            "{:<44} p50 {p50:.2} ms, p99 {p99:.2} ms (at {:.0} reports/s, half the ingest rate)",
            "live: 2xx to frame on the board stream",
            ingest_rate / 2.0
        );
    }
    if want("hot") {
        let load = (args.clients * 2, args.seconds);
        let mut embedded = Runs::default();
        for _ in 0..args.runs {
            let running = serve_homeward().await?;
            let base = std::slice::from_ref(&running.base);
            embedded.add(hot_stream(base, &running.token, load, None).await?);
            let _ = running.stop.send(());
        }
        let (rate, p50, p99) = embedded.medians();
        println!(
            "{:<44} {rate:>12.0} reports/s, p50 {p50:.2} ms, p99 {p99:.2} ms ({} clients)",
            "one hot incident, embedded, one instance", load.0
        );
        if let Some(brokers) = &args.kafka {
            let (mut peak, mut half, mut one) = (Runs::default(), Runs::default(), Runs::default());
            for _ in 0..args.runs {
                let prefix = format!("bench-hot-{}.", Uuid::now_v7().simple());
                let shared = tempfile::tempdir()?;
                let kek = shared.path().join("homeward.kek");
                let (a, a_log) = serve_kafka(brokers, &prefix, &kek).await?;
                let (b, b_log) = serve_kafka(brokers, &prefix, &kek).await?;
                settled(&[&a_log, &b_log], PARTITIONS as usize).await?;
                let bases = [a.base.clone(), b.base.clone()];
                let run = hot_stream(&bases, &a.token, load, None).await?;
                peak.add(run);
                let sent = forwarded(&bases).await?;
                println!(
                    "  (that run: {sent} commands sent on to the instance writing the stream)"
                );
                // Then at half that rate, on a new incident of the same instances.
                half.add(hot_stream(&bases, &a.token, load, Some(run.0 / 2.0)).await?);
                // The ceiling of the two: every client through one of them, so that one
                // instance decides every command of the stream.
                one.add(hot_stream(&bases[..1], &a.token, load, None).await?);
                let _ = a.stop.send(());
                let _ = b.stop.send(());
                remove_kafka(brokers, &[&a_log, &b_log], &[]).await?;
            }
            let (rate, p50, p99) = peak.medians();
            let (_, h50, h99) = half.medians();
            println!(
                "{:<44} {rate:>12.0} reports/s, p50 {p50:.2} ms, p99 {p99:.2} ms ({} clients)",
                "one hot incident, Kafka, two instances", load.0
            );
            println!(
                "{:<44} p50 {h50:.2} ms, p99 {h99:.2} ms (at {:.0} reports/s, half the peak)",
                "  acknowledged report on Kafka",
                rate / 2.0
            );
            let (rate, p50, p99) = one.medians();
            println!(
                "{:<44} {rate:>12.0} reports/s, p50 {p50:.2} ms, p99 {p99:.2} ms ({} clients)",
                "  the same through one of the two", load.0
            );
        }
    }
    if want("kafka") {
        match &args.kafka {
            None => println!("kafka: skipped (no --kafka BROKERS)"),
            Some(brokers) => {
                let (mut ours, mut raw, mut txn) = (Vec::new(), Vec::new(), Vec::new());
                for _ in 0..args.runs {
                    ours.push(append_kafka(brokers, args.appends / 4, args.clients * 2).await?);
                    raw.push(produce_raw(brokers, args.appends / 4, args.clients * 2).await?);
                    txn.push(
                        produce_transactional(brokers, args.appends / 4, args.clients * 2).await?,
                    );
                }
                let ours = median(ours);
                line(
                    "append, Kafka log (events/s)",
                    ours,
                    "ev/s",
                    "raw rdkafka producer, acks=all",
                    median(raw),
                );
                line(
                    "  the same",
                    ours,
                    "ev/s",
                    "bare transactions, same writers",
                    median(txn),
                );
            }
        }
    }
    if want("demo") {
        let (events, seconds) = demo(args.demo_scale)?;
        println!(
            "{:<44} {:>12.0} ev/s       ({events} entries in {seconds:.1} s, through decide and append)",
            format!("homeward demo --scale {}", args.demo_scale),
            events as f64 / seconds,
        );
    }
    if want("scratch") {
        let (persistent, copied) = scratch_copy(10_000, 2_000);
        println!(
            "{:<44} {:>12.2} µs   | the same in a BTreeMap: {copied:.2} µs",
            "scratch copy of a 10,000-evacuee evacuation", persistent
        );
    }
    if want("takeover") {
        let events = 1_000_000;
        let (seconds, streams, records) = takeover(events, 10_000).await?;
        println!(
            "{:<44} {:>12.2} s   ({streams} streams, {records} idempotency records of the last 7 days)",
            "takeover: seed of a 1M-event partition", seconds
        );
    }
    if want("replay") {
        let mut grown: Vec<(f64, Value)> = Vec::new();
        for &events in &args.replay {
            let dir = generated(args, events)?;
            let (mut secs, mut rss, mut parse, mut start) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            let mut count = 0.0;
            let mut parts = Value::Null;
            for _ in 0..args.runs {
                let out = Command::new(std::env::current_exe()?)
                    .arg("--replay-only")
                    .arg(&dir)
                    .output()?;
                let v: Value =
                    serde_json::from_slice(&out.stdout).context("replay child output")?;
                count = v["entries"].as_f64().unwrap_or(0.0);
                secs.push(v["seconds"].as_f64().unwrap_or(0.0));
                rss.push(v["peak_rss_mib"].as_f64().unwrap_or(0.0));
                parts = v["parts_mib"].clone();
                parse.push(parse_only(&dir)?);
            }
            let snapshot_mib = write_snapshot(&dir)?;
            for _ in 0..args.runs {
                start.push(time_to_serve(&dir)?);
            }
            let replay_rate = count / median(secs.clone()).max(1e-9);
            line(
                &format!("replay {count:.0} entries (entries/s)"),
                replay_rate,
                "ev/s",
                "serde_json parsing the same bytes",
                count / median(parse).max(1e-9),
            );
            println!(
                "{:<44} {:>12.0} MiB",
                format!("  peak RSS with {count:.0} entries"),
                median(rss.clone())
            );
            println!(
                "{:<44} {:>12.2} s   (snapshot {snapshot_mib:.0} MiB + tail; a full fold takes {:.2} s)",
                format!("  start to serving with {count:.0} entries"),
                median(start),
                median(secs.clone())
            );
            grown.push((
                count,
                json!({"seconds": median(secs), "rss": median(rss), "parts": parts}),
            ));
        }
        if grown.len() > 1 {
            growth(&grown);
        }
    }
    Ok(())
}

/// How replay time, memory and each read model grow with the log, per million entries
/// (constant per-million figures mean linear growth).
fn growth(sizes: &[(f64, Value)]) {
    println!("how cost grows (per million entries; constant means linear):");
    let names: Vec<String> = sizes[0]
        .1
        .get("parts")
        .and_then(Value::as_object)
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    print!("  {:>10} {:>10} {:>10}", "entries", "replay s", "RSS MiB");
    for n in &names {
        print!(" {:>11}", format!("{n} MiB"));
    }
    println!();
    for (count, v) in sizes {
        let m = count / 1e6;
        print!(
            "  {:>10.0} {:>10.2} {:>10.0}",
            count,
            v["seconds"].as_f64().unwrap_or(0.0) / m,
            v["rss"].as_f64().unwrap_or(0.0) / m
        );
        for n in &names {
            print!(" {:>11.1}", v["parts"][n].as_f64().unwrap_or(0.0) / m);
        }
        println!();
    }
    if let (Some((c0, first)), Some((c1, last))) = (sizes.first(), sizes.last()) {
        let factor = c1 / c0;
        let growth = |v0: f64, v1: f64| v1 / v0.max(1e-9);
        println!(
            "  the log grew {factor:.1}x: replay time {:.1}x, peak RSS {:.1}x",
            growth(
                first["seconds"].as_f64().unwrap_or(0.0),
                last["seconds"].as_f64().unwrap_or(0.0)
            ),
            growth(
                first["rss"].as_f64().unwrap_or(0.0),
                last["rss"].as_f64().unwrap_or(0.0)
            ),
        );
        let mut parts: Vec<(String, f64, f64)> = names
            .iter()
            .map(|n| {
                let a = first["parts"][n].as_f64().unwrap_or(0.0);
                let b = last["parts"][n].as_f64().unwrap_or(0.0);
                (n.clone(), growth(a, b), b)
            })
            .collect();
        parts.sort_by(|a, b| b.2.total_cmp(&a.2));
        let listed: Vec<String> = parts
            .iter()
            .filter(|p| p.2 >= 0.1)
            .map(|(n, g, mib)| format!("{n} {g:.1}x ({mib:.0} MiB)"))
            .collect();
        println!("  read models, largest first: {}", listed.join(", "));
    }
}

fn report_event(n: usize) -> DomainEvent {
    DomainEvent::Incident(IncidentEvent::ReportFiled(ReportFiled {
        report_id: ReportId(Uuid::from_u128(n as u128)),
        text: REPORT.to_owned(),
        category: ReportCategory::Logistics,
        place: Some("Khartoum".into()),
        lat: Some(15.5),
        lon: Some(32.56),
    }))
}

async fn append_embedded(total: usize, writers: usize) -> anyhow::Result<f64> {
    let dir = tempfile::tempdir()?;
    let log = Arc::new(SqliteLog::open(dir.path())?);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let log = Arc::clone(&log);
        tasks.push(tokio::spawn(async move {
            let stream = StreamId::incident(IncidentId(Uuid::from_u128(w as u128 + 1)));
            for v in 0..(total / writers) {
                let request = AppendRequest {
                    stream_id: stream.clone(),
                    expected_version: v as u64,
                    events: vec![ProposedEvent {
                        event_id: Uuid::now_v7(),
                        event: report_event(v),
                        occurred_at: Timestamp::now(),
                    }],
                    actor: Actor::new("bench", Role::FieldOfficer),
                    correlation_id: Uuid::now_v7(),
                    causation_id: Uuid::now_v7(),
                    idempotency: None,
                };
                log.append(request).await?;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok((total / writers * writers) as f64 / started.elapsed().as_secs_f64())
}

/// The ceiling: the same bytes into a bare table, committed in the same groups.
async fn append_raw_sqlite(total: usize, writers: usize) -> anyhow::Result<f64> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("raw.db");
    let conn = rusqlite::Connection::open(&path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch("CREATE TABLE log (position INTEGER PRIMARY KEY, stream TEXT, version INTEGER, record BLOB)")?;
    let (tx, mut rx) =
        tokio::sync::mpsc::channel::<(String, u64, Vec<u8>, tokio::sync::oneshot::Sender<()>)>(
            4096,
        );
    let writer = std::thread::spawn(move || -> anyhow::Result<()> {
        let mut conn = conn;
        while let Some(first) = rx.blocking_recv() {
            let mut jobs = vec![first];
            while let Ok(j) = rx.try_recv() {
                jobs.push(j);
            }
            let t = conn.transaction()?;
            {
                let mut stmt = t.prepare_cached(
                    "INSERT INTO log (stream, version, record) VALUES (?1, ?2, ?3)",
                )?;
                for (s, v, r, _) in &jobs {
                    stmt.execute(rusqlite::params![s, *v as i64, r])?;
                }
            }
            t.commit()?;
            for (_, _, _, reply) in jobs {
                let _ = reply.send(());
            }
        }
        Ok(())
    });
    let record = serde_json::to_vec(
        &json!({"kind":"event","type":"incident.report_filed","data": {"text": REPORT}}),
    )?;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let tx = tx.clone();
        let record = record.clone();
        tasks.push(tokio::spawn(async move {
            for v in 0..(total / writers) {
                let (reply, done) = tokio::sync::oneshot::channel();
                tx.send((format!("s{w}"), v as u64, record.clone(), reply))
                    .await?;
                done.await?;
            }
            anyhow::Ok(())
        }));
    }
    drop(tx);
    let rate = writers_rate(tasks, total / writers * writers, started).await?;
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("raw writer panicked"))??;
    Ok(rate)
}

async fn append_kafka(brokers: &str, total: usize, writers: usize) -> anyhow::Result<f64> {
    let dir = tempfile::tempdir()?;
    let cfg = homeward_kafka::KafkaConfig {
        brokers: brokers.to_owned(),
        prefix: format!("bench-{}.", Uuid::now_v7().simple()),
        partitions: PARTITIONS,
        replication: 0,
        instance_id: homeward_kafka::instance_id(dir.path())?,
        erasure_window: homeward_kafka::config::ERASURE_WINDOW,
        kek: None,
    };
    let log = homeward_kafka::KafkaLog::connect(cfg, dir.path()).await?;
    // The clock starts once the instance is serving.
    if !log.writer_ready(std::time::Duration::from_secs(120)).await {
        bail!("the sequencer did not join its group");
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let log = Arc::clone(&log);
        tasks.push(tokio::spawn(async move {
            let stream = StreamId::incident(IncidentId(Uuid::from_u128(w as u128 + 1)));
            for v in 0..(total / writers) {
                log.append(AppendRequest {
                    stream_id: stream.clone(),
                    expected_version: v as u64,
                    events: vec![ProposedEvent {
                        event_id: Uuid::now_v7(),
                        event: report_event(v),
                        occurred_at: Timestamp::now(),
                    }],
                    actor: Actor::new("bench", Role::FieldOfficer),
                    correlation_id: Uuid::now_v7(),
                    causation_id: Uuid::now_v7(),
                    idempotency: None,
                })
                .await?;
            }
            anyhow::Ok(())
        }));
    }
    let rate = writers_rate(tasks, total / writers * writers, started).await?;
    remove_kafka(brokers, &[&log], &[]).await?;
    Ok(rate)
}

/// Waits for every writer, then the rate of the `written` records since `started`.
async fn writers_rate(
    tasks: Vec<tokio::task::JoinHandle<anyhow::Result<()>>>,
    written: usize,
    started: Instant,
) -> anyhow::Result<f64> {
    for t in tasks {
        t.await??;
    }
    Ok(written as f64 / started.elapsed().as_secs_f64())
}

/// The record a Kafka ceiling writes: about the bytes of an appended report.
fn ceiling_record() -> anyhow::Result<Vec<u8>> {
    Ok(serde_json::to_vec(
        &json!({"kind":"event","type":"incident.report_filed","data": {"text": REPORT}}),
    )?)
}

/// A topic of a Kafka ceiling's own, with the deployment's number of partitions,
/// created before the first send (which would otherwise create it or fail).
async fn ceiling_topic(brokers: &str, kind: &str) -> anyhow::Result<String> {
    let topic = format!("bench-{kind}-{}", Uuid::now_v7().simple());
    let admin: rdkafka::admin::AdminClient<rdkafka::client::DefaultClientContext> =
        rdkafka::ClientConfig::new()
            .set("bootstrap.servers", brokers)
            .create()?;
    let _ = admin
        .create_topics(
            &[rdkafka::admin::NewTopic::new(
                &topic,
                PARTITIONS,
                rdkafka::admin::TopicReplication::Fixed(1),
            )],
            &rdkafka::admin::AdminOptions::new(),
        )
        .await?;
    Ok(topic)
}

/// The ceiling: the same bytes through a bare idempotent producer with acks=all.
async fn produce_raw(brokers: &str, total: usize, writers: usize) -> anyhow::Result<f64> {
    use rdkafka::producer::{FutureProducer, FutureRecord};
    let producer: FutureProducer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("linger.ms", "1")
        .create()?;
    let record = ceiling_record()?;
    let topic = ceiling_topic(brokers, "raw").await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let producer = Arc::new(producer);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let producer = Arc::clone(&producer);
        let record = record.clone();
        let topic = topic.clone();
        tasks.push(tokio::spawn(async move {
            let key = format!("s{w}");
            for _ in 0..(total / writers) {
                producer
                    .send(
                        FutureRecord::to(&topic).key(&key).payload(&record),
                        Duration::from_secs(30),
                    )
                    .await
                    .map_err(|(e, _)| e)?;
            }
            anyhow::Ok(())
        }));
    }
    let rate = writers_rate(tasks, total / writers * writers, started).await?;
    remove_kafka(brokers, &[], &[&topic]).await?;
    Ok(rate)
}

/// What any writer fenced by a consumer group can reach with the same writers: each
/// writer hands its record to one transactional producer and waits for the commit of
/// the transaction that carried it; the producer takes whatever is waiting (one record
/// per writer at most), adds consumed offsets with the group's metadata (the fence),
/// produces, and commits, one transaction after the other. No deciding, no copy, no
/// answers: the bare cost of the broker's transactions.
async fn produce_transactional(brokers: &str, total: usize, writers: usize) -> anyhow::Result<f64> {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
    use tokio::sync::{mpsc, oneshot};
    let topic = ceiling_topic(brokers, "txn").await?;
    // A member of a group of its own, for the metadata the offsets are fenced with.
    let consumer: BaseConsumer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", format!("{topic}-group"))
        .set("enable.auto.commit", "false")
        .create()?;
    consumer.subscribe(&[&topic])?;
    let consumer = tokio::task::spawn_blocking(move || {
        let until = Instant::now() + Duration::from_secs(60);
        while consumer.assignment().map_or(0, |a| a.count()) == 0 && Instant::now() < until {
            let _ = consumer.poll(Duration::from_millis(100));
        }
        consumer
    })
    .await?;
    let metadata = consumer
        .group_metadata()
        .context("the consumer has no group metadata")?;
    let producer: FutureProducer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("transactional.id", format!("{topic}-txn"))
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("linger.ms", "0")
        .set("retry.backoff.ms", "2")
        .set("retry.backoff.max.ms", "10")
        .create()?;
    let p = producer.clone();
    tokio::task::spawn_blocking(move || p.init_transactions(Duration::from_secs(30))).await??;
    let record = ceiling_record()?;
    let (tx, mut rx) = mpsc::unbounded_channel::<(i32, oneshot::Sender<()>)>();
    let committer = {
        let (producer, topic, metadata) = (producer.clone(), topic.clone(), Arc::new(metadata));
        tokio::spawn(async move {
            let mut offset = 0i64;
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                while let Ok(next) = rx.try_recv() {
                    batch.push(next);
                }
                producer.begin_transaction()?;
                offset += 1;
                let mut tpl = rdkafka::TopicPartitionList::new();
                tpl.add_partition_offset(&topic, 0, rdkafka::Offset::Offset(offset))?;
                let (p, m) = (producer.clone(), Arc::clone(&metadata));
                tokio::task::spawn_blocking(move || {
                    p.send_offsets_to_transaction(&tpl, &m, Duration::from_secs(30))
                })
                .await??;
                let mut deliveries = Vec::new();
                for (partition, _) in &batch {
                    let record = FutureRecord::<(), _>::to(&topic)
                        .partition(*partition)
                        .payload(&record);
                    deliveries.push(producer.send_result(record).map_err(|(e, _)| e)?);
                }
                for d in deliveries {
                    d.await?.map_err(|(e, _)| e)?;
                }
                // As the sequencer does: the client's commit flushes first, and a
                // flush that still counts a delivered record polls for 100 ms.
                let p = producer.clone();
                tokio::task::spawn_blocking(move || {
                    let until = Instant::now() + Duration::from_millis(100);
                    while p.in_flight_count() > 0 && Instant::now() < until {
                        std::thread::sleep(Duration::from_micros(100));
                    }
                    p.commit_transaction(Duration::from_secs(30))
                })
                .await??;
                for (_, answer) in batch {
                    let _ = answer.send(());
                }
            }
            anyhow::Ok(())
        })
    };
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let tx = tx.clone();
        tasks.push(tokio::spawn(async move {
            let partition = (w % PARTITIONS as usize) as i32;
            for _ in 0..(total / writers) {
                let (answer, answered) = oneshot::channel();
                tx.send((partition, answer))
                    .map_err(|_| anyhow::anyhow!("the committer stopped"))?;
                answered.await?;
            }
            anyhow::Ok(())
        }));
    }
    drop(tx);
    let rate = writers_rate(tasks, total / writers * writers, started).await?;
    committer.await??;
    drop(consumer);
    remove_kafka(brokers, &[], &[&topic]).await?;
    Ok(rate)
}

/// The demo scenario with about `events` events, generated once and kept.
/// `homeward demo --scale SCALE` into a new directory: the entries written and the
/// seconds it took (the whole command: every event decided and appended as the API
/// would, in the scenario's order).
fn demo(scale: u64) -> anyhow::Result<(u64, f64)> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("demo");
    let started = Instant::now();
    let status = Command::new(homeward_binary()?)
        .args([
            "demo",
            "--seed",
            "7",
            "--scale",
            &scale.to_string(),
            "--data-dir",
        ])
        .arg(&data)
        .stdout(std::process::Stdio::null())
        .status()?;
    let seconds = started.elapsed().as_secs_f64();
    if !status.success() {
        bail!("homeward demo failed");
    }
    let log = SqliteLog::open(&data)?;
    let entries = *log.head().borrow();
    Ok((entries, seconds))
}

fn generated(args: &Args, events: u64) -> anyhow::Result<PathBuf> {
    let dir = args.cache.join(format!("demo-{events}"));
    if dir.join("homeward.db").exists() {
        return Ok(dir);
    }
    let scale = (events / 10_000).max(1);
    let homeward = std::env::current_exe()?
        .parent()
        .map(|p| p.join("homeward"))
        .context("no sibling homeward binary")?;
    eprintln!(
        "generating {events} events (demo --scale {scale}) in {}",
        dir.display()
    );
    let status = Command::new(homeward)
        .args([
            "demo",
            "--seed",
            "7",
            "--scale",
            &scale.to_string(),
            "--data-dir",
        ])
        .arg(&dir)
        .status()?;
    if !status.success() {
        bail!("homeward demo failed");
    }
    Ok(dir)
}

/// Child process: replay `dir` into every projection; print seconds and peak RSS.
pub async fn replay_only(dir: &Path) -> anyhow::Result<()> {
    let log: Arc<dyn EventLog> = Arc::new(SqliteLog::open(dir)?);
    let started = Instant::now();
    let service = Homeward::start(log, Arc::new(SystemClock), |_, _| {}).await?;
    let seconds = started.elapsed().as_secs_f64();
    let entries = service.projected();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let rss_kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    // The encoded size of each read model: a proxy of its memory, to see which grows.
    let parts = {
        let p = service.read();
        let mib = |bytes: Result<Vec<u8>, rmp_serde::encode::Error>| {
            bytes.map_or(0.0, |b| b.len() as f64 / (1024.0 * 1024.0))
        };
        json!({
            "board": mib(rmp_serde::to_vec_named(&p.board)),
            "incidents": mib(rmp_serde::to_vec_named(&p.incidents)),
            "locator": mib(rmp_serde::to_vec_named(&p.locator.iter().collect::<Vec<_>>())),
            "calls": mib(rmp_serde::to_vec_named(&p.calls.oldest_first().collect::<Vec<_>>())),
            "evacuations": mib(rmp_serde::to_vec_named(&p.evacuations)),
            "streams": mib(rmp_serde::to_vec_named(&p.streams)),
            "timeline": mib(rmp_serde::to_vec_named(&p.timeline)),
        })
    };
    println!(
        "{}",
        json!({"seconds": seconds, "entries": entries, "peak_rss_mib": rss_kib / 1024.0, "parts_mib": parts})
    );
    Ok(())
}

/// The ceiling of replay: serde_json parsing the same stored bytes, from memory.
fn parse_only(dir: &Path) -> anyhow::Result<f64> {
    let conn = rusqlite::Connection::open(dir.join("homeward.db"))?;
    let mut stmt = conn.prepare("SELECT record FROM log ORDER BY position")?;
    let records: Vec<Vec<u8>> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let started = Instant::now();
    let mut n = 0usize;
    for r in &records {
        let v: Value = serde_json::from_slice(r)?;
        n += usize::from(v.is_object());
    }
    let secs = started.elapsed().as_secs_f64();
    if n != records.len() {
        bail!("unparsable records");
    }
    Ok(secs)
}

fn homeward_binary() -> anyhow::Result<PathBuf> {
    std::env::current_exe()?
        .parent()
        .map(|p| p.join("homeward"))
        .context("no sibling homeward binary")
}

fn free_addr() -> anyhow::Result<std::net::SocketAddr> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}

/// Starts `homeward serve` on `dir` and waits until it answers `/healthz`.
fn serve_until_healthy(
    dir: &Path,
    addr: std::net::SocketAddr,
) -> anyhow::Result<(std::process::Child, f64)> {
    let started = Instant::now();
    let mut child = Command::new(homeward_binary()?)
        .args(["serve", "--listen", &addr.to_string(), "--data-dir"])
        .arg(dir)
        .env("RUST_LOG", "warn")
        .stderr(std::process::Stdio::null())
        .spawn()?;
    loop {
        if let Ok(mut s) = std::net::TcpStream::connect(addr) {
            use std::io::{Read, Write};
            let _ = s.write_all(b"GET /healthz HTTP/1.0\r\n\r\n");
            let mut out = String::new();
            let _ = s.read_to_string(&mut out);
            if out.starts_with("HTTP/1.0 200") || out.starts_with("HTTP/1.1 200") {
                return Ok((child, started.elapsed().as_secs_f64()));
            }
        }
        if started.elapsed() > Duration::from_secs(900) {
            let _ = child.kill();
            let _ = child.wait();
            bail!("not serving after 900 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Writes a fresh snapshot of the read models of `dir` the way an operator's server
/// does: start (a full fold), stop gracefully (the server writes its snapshot).
/// Returns the snapshot's size in MiB.
fn write_snapshot(dir: &Path) -> anyhow::Result<f64> {
    let file = dir.join(homeward_service::snapshots::FILE_NAME);
    let _ = std::fs::remove_file(&file);
    let (mut child, _) = serve_until_healthy(dir, free_addr()?)?;
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()?;
    if !status.success() {
        bail!("cannot stop the server");
    }
    child.wait()?;
    let len = std::fs::metadata(&file)
        .context("the server wrote no snapshot when it stopped")?
        .len();
    Ok(len as f64 / (1024.0 * 1024.0))
}

/// From starting `homeward serve` (a snapshot beside the log) to its first healthy
/// answer with everything folded; the server is then killed, as a crash would.
fn time_to_serve(dir: &Path) -> anyhow::Result<f64> {
    let (mut child, seconds) = serve_until_healthy(dir, free_addr()?)?;
    let _ = child.kill();
    let _ = child.wait();
    Ok(seconds)
}

/// A copy holding `events` events of one partition over `streams` streams, each event
/// with its idempotency record and chain headers, as a Kafka instance's copy holds
/// them; then the time its partition's new writer takes to seed itself from it
/// (`SqliteLog::partition_seed`), with the streams and records it got. (The read of
/// the partition after the copy's last record is not in it: a copy that is current
/// reads a handful.)
async fn takeover(events: usize, streams: usize) -> anyhow::Result<(f64, usize, usize)> {
    use homeward_store::Idempotency;
    use homeward_store::codec::StoredRecord;
    use homeward_store::sqlite::MirrorEntry;

    let dir = tempfile::tempdir()?;
    let log = SqliteLog::open(dir.path())?;
    let now = Timestamp::now();
    let event = report_event(0);
    let (event_type, schema_version, data) = homeward_store::codec::encode_event(&event)?;
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..events {
        let stream =
            StreamId::incident(IncidentId(Uuid::from_u128(i as u128 % streams as u128 + 1)));
        let record = StoredRecord::Event {
            event_id: Uuid::now_v7(),
            stream_id: stream,
            version: (i / streams) as u64 + 1,
            event_type: event_type.to_owned(),
            schema_version,
            actor: Actor::new("bench", Role::FieldOfficer),
            occurred_at: now,
            recorded_at: now,
            correlation_id: Uuid::now_v7(),
            causation_id: Uuid::now_v7(),
            data: data.clone(),
        };
        let mut hash = [0u8; 32];
        hash[..8].copy_from_slice(&(i as u64).to_le_bytes());
        batch.push(MirrorEntry {
            record: serde_json::to_vec(&record)?,
            partition: 0,
            offset: i as i64 * 2,
            idempotency: Some(Idempotency {
                scope: format!("bench:field-device-{i}"),
                request_hash: hash,
                response: format!(
                    "{{\"id\":\"{}\",\"version\":{}}}",
                    Uuid::now_v7(),
                    i / streams + 1
                )
                .into_bytes(),
            }),
            chain: Some((i as u64 + 1, hash)),
        });
        if batch.len() == 10_000 {
            log.mirror(std::mem::take(&mut batch)).await?;
        }
    }
    if !batch.is_empty() {
        log.mirror(batch).await?;
    }
    let since = now.as_microsecond() - 7 * 86_400_000_000;
    let started = Instant::now();
    let seed = log
        .partition_seed(0, since)
        .await?
        .context("the copy did not seed")?;
    Ok((
        started.elapsed().as_secs_f64(),
        seed.versions.len(),
        seed.idempotency.len(),
    ))
}

/// What a command group's scratch copy of a large evacuation costs (the copy and the
/// first change to it, as the service makes one per group of commands on a stream):
/// the decision state's persistent map against the same entries in a `BTreeMap`.
fn scratch_copy(evacuees: usize, rounds: usize) -> (f64, f64) {
    use homeward_domain::PersonId;
    use homeward_domain::evacuation::{Evacuation, Evacuee, EvacueeStatus, Priority};
    let id = |n: usize| PersonId(Uuid::from_u128(n as u128 + 1));
    let mut state = Evacuation::default();
    let mut plain = std::collections::BTreeMap::new();
    for n in 0..evacuees {
        let e = Evacuee {
            priority: Priority::Standard,
            group: None,
            status: EvacueeStatus::Registered,
            checked_in: false,
            transport: None,
        };
        state.evacuees.insert(id(n), e.clone());
        plain.insert(id(n), e);
    }
    // Microseconds per round of: copy the map, check one evacuee in on the copy.
    fn copy_and_change<M: Clone>(
        map: &M,
        rounds: usize,
        check_in: impl Fn(&mut M, usize) -> Option<&mut Evacuee>,
    ) -> f64 {
        let started = Instant::now();
        for i in 0..rounds {
            let mut copy = map.clone();
            if let Some(e) = check_in(&mut copy, i) {
                e.checked_in = true;
            }
            std::hint::black_box(&copy);
        }
        started.elapsed().as_secs_f64() * 1e6 / rounds as f64
    }
    let persistent = copy_and_change(&state, rounds, |s, i| s.evacuees.get_mut(&id(i % evacuees)));
    let copied = copy_and_change(&plain, rounds, |m, i| m.get_mut(&id(i % evacuees)));
    (persistent, copied)
}
