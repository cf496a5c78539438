//! Homeward served over HTTP for the figures that go through it: the instances (on
//! the embedded log or on Kafka, run as `homeward serve` runs them), the trivial
//! handler that is their ceiling, and the loads (ingest, the live stream, one hot
//! stream).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use homeward_api::{AppState, TokenKeys};
use homeward_domain::{Role, Timestamp};
use homeward_service::{Homeward, SystemClock};
use homeward_store::{EventLog, SqliteLog};
use serde_json::{Value, json};

use crate::Args;
use crate::figures::{REPORT, percentile};

pub(crate) struct Running {
    pub(crate) base: String,
    pub(crate) token: String,
    pub(crate) _dir: tempfile::TempDir,
    pub(crate) stop: tokio::sync::oneshot::Sender<()>,
}

pub(crate) async fn serve_homeward() -> anyhow::Result<Running> {
    let dir = tempfile::tempdir()?;
    let log: Arc<dyn EventLog> = Arc::new(SqliteLog::open(dir.path())?);
    serve_on(log, dir).await
}

/// An instance on the Kafka backend, on topics `prefix` with the deployment's KEK in
/// `kek`, serving once its sequencer has joined the group and its copy has caught up.
/// Partitions of the Kafka instances' topics.
pub(crate) const PARTITIONS: i32 = 12;

pub(crate) async fn serve_kafka(
    brokers: &str,
    prefix: &str,
    kek: &Path,
) -> anyhow::Result<(Running, Arc<homeward_kafka::KafkaLog>)> {
    let dir = tempfile::tempdir()?;
    let cfg = homeward_kafka::KafkaConfig {
        brokers: brokers.to_owned(),
        prefix: prefix.to_owned(),
        partitions: PARTITIONS,
        replication: 0,
        instance_id: homeward_kafka::instance_id(dir.path())?,
        erasure_window: homeward_kafka::config::ERASURE_WINDOW,
        kek: Some(kek.to_owned()),
    };
    let log = homeward_kafka::KafkaLog::connect(cfg, dir.path()).await?;
    if !log.writer_ready(Duration::from_secs(120)).await {
        bail!("the sequencer did not join its group");
    }
    log.catch_up().await?;
    let running = serve_on(Arc::clone(&log) as Arc<dyn EventLog>, dir).await?;
    Ok((running, log))
}

/// Stops a run's Kafka instances and deletes their topics (and `more`), so that runs
/// do not pile partitions onto the broker and later runs share it with no one.
pub(crate) async fn remove_kafka(
    brokers: &str,
    logs: &[&Arc<homeward_kafka::KafkaLog>],
    more: &[&str],
) -> anyhow::Result<()> {
    use rdkafka::admin::{AdminClient, AdminOptions};
    let mut topics: Vec<String> = more.iter().map(|t| (*t).to_owned()).collect();
    for log in logs {
        log.close();
        topics.extend(log.topics());
    }
    topics.sort();
    topics.dedup();
    let admin: AdminClient<rdkafka::client::DefaultClientContext> = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .create()?;
    let names: Vec<&str> = topics.iter().map(String::as_str).collect();
    // A topic that was never made (the exercise topic) is no reason to stop.
    admin.delete_topics(&names, &AdminOptions::new()).await?;
    Ok(())
}

/// Waits, a minute at most, until the instances' sequencers write every one of the
/// `partitions` between them: the group has settled, and no partition moves while the
/// clock runs.
pub(crate) async fn settled(
    logs: &[&Arc<homeward_kafka::KafkaLog>],
    partitions: usize,
) -> anyhow::Result<()> {
    let until = Instant::now() + Duration::from_secs(60);
    while logs.iter().map(|l| l.partitions_written()).sum::<usize>() != partitions {
        if Instant::now() > until {
            bail!("the sequencers' group did not settle within a minute");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// The service on `log`, run as `homeward serve` runs it (the reactor with its welfare
/// checks and deadline scan, and the notifier), served over HTTP on a free port, no
/// rate limit.
pub(crate) async fn serve_on(
    log: Arc<dyn EventLog>,
    dir: tempfile::TempDir,
) -> anyhow::Result<Running> {
    let service = Homeward::start(log, Arc::new(SystemClock), |_, _| {}).await?;
    let keys = Arc::new(TokenKeys::from_secret(&[9; 32]));
    let link_keys = Arc::clone(&keys);
    homeward_service::reactor::spawn_with_answer_links(
        Arc::clone(&service),
        homeward_domain::deadline::DeadlinePolicy::default(),
        Some(Arc::new(move |id| {
            homeward_api::auth::answer_token_hash(&link_keys.answer_token(id))
        })),
    );
    let hook_keys = Arc::clone(&keys);
    let notifier = homeward_notify::Notifier::open(
        dir.path(),
        Arc::clone(&service),
        Arc::new(move |id| hook_keys.webhook_secret(id).into_bytes()),
        homeward_notify::Settings::default(),
    )?;
    notifier.spawn();
    let token = keys.issue(
        "bench",
        Role::DutyOfficer,
        Timestamp::now(),
        jiff::SignedDuration::from_hours(2),
    )?;
    let state = AppState::new(service, keys, Some(dir.path().to_owned())).with_notifier(notifier);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    state.service.log().serving_at(&base);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(homeward_api::run(listener, state, async move {
        let _ = stopped.await;
    }));
    Ok(Running {
        base,
        token,
        _dir: dir,
        stop,
    })
}

/// One hot stream: `clients` clients filing reports on one incident through the
/// instances at `bases` (client *c* through instance *c* mod their number), each
/// request with its own idempotency key, for `seconds`, as fast as answers come or,
/// with `rate`, paced to that many reports per second in all (each client sends on
/// its own schedule, without waiting for a late answer to start the next). The
/// clock starts once every instance serves the incident. Acknowledged reports per
/// second, p50 and p99.
pub(crate) async fn hot_stream(
    bases: &[String],
    token: &str,
    (clients, seconds): (usize, u64),
    rate: Option<f64>,
) -> anyhow::Result<(f64, Duration, Duration)> {
    let http = reqwest::Client::new();
    let id = open_incidents(&http, &bases[0], token, 1)
        .await?
        .pop()
        .context("no incident")?;
    for base in bases {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !http
            .get(format!("{base}/v1/incidents/{id}"))
            .bearer_auth(token)
            .send()
            .await?
            .status()
            .is_success()
        {
            if Instant::now() > deadline {
                bail!("the incident never reached {base}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let http = http.clone();
        let url = format!("{}/v1/incidents/{id}/reports", bases[c % bases.len()]);
        let token = token.to_owned();
        let id = id.clone();
        let every = rate.map(|r| Duration::from_secs_f64(clients as f64 / r));
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut retries = 0u64;
            let mut first_refusal = None;
            let mut n = 0u64;
            while Instant::now() < deadline {
                n += 1;
                if let Some(every) = every {
                    let due = started + every.mul_f64(n as f64 - 1.0 + c as f64 / clients as f64);
                    tokio::time::sleep_until(due.into()).await;
                }
                let t = Instant::now();
                // A 503 (the stream too contended, an instance busy) is retried with the
                // same key, as field devices do; the latency counts from the first try.
                let mut tries = 0;
                loop {
                    tries += 1;
                    let r = http
                        .post(&url)
                        .bearer_auth(&token)
                        .header("idempotency-key", format!("hot-{id}-{c}-{n}"))
                        .json(&json!({"text": REPORT, "category": "logistics"}))
                        .send()
                        .await?;
                    let status = r.status();
                    let body = r.bytes().await?;
                    if status.is_success() {
                        break;
                    }
                    if status != reqwest::StatusCode::SERVICE_UNAVAILABLE || tries == 20 {
                        bail!("status {status}: {}", String::from_utf8_lossy(&body));
                    }
                    if retries == 0 {
                        first_refusal = Some(String::from_utf8_lossy(&body).into_owned());
                    }
                    retries += 1;
                }
                latencies.push(t.elapsed());
            }
            anyhow::Ok((latencies, retries, first_refusal))
        }));
    }
    let mut all = Vec::new();
    let mut retried = 0;
    let mut refusal = None;
    for t in tasks {
        let (latencies, retries, first) = t.await??;
        all.extend(latencies);
        retried += retries;
        refusal = refusal.or(first);
    }
    let rate = all.len() as f64 / started.elapsed().as_secs_f64();
    all.sort();
    if retried > 0 {
        println!(
            "  ({retried} of {} requests answered 503 and were retried with their key; one said: {})",
            all.len() as u64 + retried,
            refusal.unwrap_or_default()
        );
    }
    Ok((rate, percentile(&all, 0.5), percentile(&all, 0.99)))
}

/// How many commands the instances at `bases` sent on to the instance writing their
/// stream (`homeward_forwarded_commands_total{outcome="sent"}`, summed).
pub(crate) async fn forwarded(bases: &[String]) -> anyhow::Result<u64> {
    let http = reqwest::Client::new();
    let mut sent = 0;
    for base in bases {
        let text = http
            .get(format!("{base}/metrics"))
            .send()
            .await?
            .text()
            .await?;
        sent += text
            .lines()
            .find_map(|l| l.strip_prefix("homeward_forwarded_commands_total{outcome=\"sent\"} "))
            .and_then(|n| n.trim().parse::<u64>().ok())
            .unwrap_or(0);
    }
    Ok(sent)
}

pub(crate) async fn serve_trivial() -> anyhow::Result<(String, tokio::sync::oneshot::Sender<()>)> {
    use axum::routing::post;
    let app = axum::Router::new().route(
        "/v1/echo",
        post(|axum::Json(v): axum::Json<Value>| async move {
            (
                axum::http::StatusCode::CREATED,
                axum::Json(json!({"ok": true, "len": v.to_string().len()})),
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
    });
    Ok((base, stop))
}

pub(crate) async fn open_incidents(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    n: usize,
) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    for i in 0..n {
        let r: Value = http
            .post(format!("{base}/v1/incidents"))
            .bearer_auth(token)
            .json(&json!({"kind":"evacuation","title": format!("Evacuation sector {i}"),"country":"SD","severity":4}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        ids.push(r["id"].as_str().context("id")?.to_owned());
    }
    Ok(ids)
}

/// Requests per second and p50/p99 latency of `clients` clients for `seconds`.
pub(crate) async fn ingest(
    args: &Args,
    trivial: bool,
) -> anyhow::Result<(f64, Duration, Duration)> {
    let http = reqwest::Client::new();
    let (base, token, stop, _keep, ids) = if trivial {
        let (base, stop) = serve_trivial().await?;
        (
            base,
            String::new(),
            stop,
            None,
            vec![String::new(); args.clients],
        )
    } else {
        let running = serve_homeward().await?;
        let ids = open_incidents(&http, &running.base, &running.token, args.clients).await?;
        (
            running.base.clone(),
            running.token.clone(),
            running.stop,
            Some(running._dir),
            ids,
        )
    };
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for id in ids {
        let http = http.clone();
        let url = if trivial {
            format!("{base}/v1/echo")
        } else {
            format!("{base}/v1/incidents/{id}/reports")
        };
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                let r = http
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"text": REPORT, "category": "logistics"}))
                    .send()
                    .await?;
                if !r.status().is_success() {
                    bail!("status {}", r.status());
                }
                let _ = r.bytes().await?;
                latencies.push(t.elapsed());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    let rate = all.len() as f64 / started.elapsed().as_secs_f64();
    all.sort();
    let _ = stop.send(());
    Ok((rate, percentile(&all, 0.5), percentile(&all, 0.99)))
}

/// From a report's 2xx to its frame on the board stream, at `rate` reports per second.
pub(crate) async fn live_latency(args: &Args, rate: f64) -> anyhow::Result<(Duration, Duration)> {
    use futures::StreamExt;
    let running = serve_homeward().await?;
    let http = reqwest::Client::new();
    let ids = open_incidents(&http, &running.base, &running.token, 8).await?;
    let seen: Arc<std::sync::Mutex<std::collections::HashMap<String, Instant>>> = Arc::default();
    // The board stream is read on a thread and runtime of its own, as a wall display
    // reads it from another machine: its frames do not wait behind the load
    // generator's tasks on the server's workers.
    let (connected, ready) = tokio::sync::oneshot::channel::<anyhow::Result<()>>();
    let (stop_reader, stopped) = tokio::sync::oneshot::channel::<()>();
    let reader = {
        let seen = Arc::clone(&seen);
        let url = format!("{}/v1/board/stream", running.base);
        let token = running.token.clone();
        std::thread::spawn(move || -> anyhow::Result<()> {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async move {
                let stream = reqwest::Client::new()
                    .get(url)
                    .bearer_auth(token)
                    .send()
                    .await;
                let stream = match stream {
                    Ok(s) => {
                        let _ = connected.send(Ok(()));
                        s
                    }
                    Err(e) => {
                        let _ = connected.send(Err(e.into()));
                        return Ok(());
                    }
                };
                let mut body = stream.bytes_stream();
                let mut buf = String::new();
                let mut stopped = stopped;
                loop {
                    let chunk = tokio::select! {
                        c = body.next() => c,
                        _ = &mut stopped => break,
                    };
                    let Some(Ok(chunk)) = chunk else { break };
                    buf.push_str(&String::from_utf8_lossy(&chunk));
                    while let Some(end) = buf.find("\n\n") {
                        let frame: String = buf.drain(..end + 2).collect();
                        let now = Instant::now();
                        if let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data:"))
                            && let Ok(v) = serde_json::from_str::<Value>(data.trim())
                            && let Some(report) = v["report"]["report_id"].as_str()
                            && let Ok(mut s) = seen.lock()
                        {
                            // The first frame that shows it (later frames of the same
                            // incident may show it again).
                            s.entry(report.to_owned()).or_insert(now);
                        }
                    }
                }
                anyhow::Ok(())
            })
        })
    };
    ready.await??;
    let count = (rate * args.seconds as f64).max(20.0) as usize;
    let gap = Duration::from_secs_f64(1.0 / rate.max(1.0));
    let mut acked = Vec::new();
    let mut next = Instant::now();
    let mut pending = Vec::new();
    for n in 0..count {
        tokio::time::sleep_until(next.into()).await;
        next += gap;
        let http = http.clone();
        let url = format!(
            "{}/v1/incidents/{}/reports",
            running.base,
            ids[n % ids.len()]
        );
        let token = running.token.clone();
        pending.push(tokio::spawn(async move {
            let r: Value = http
                .post(url)
                .bearer_auth(token)
                .json(&json!({"text": REPORT, "category": "logistics"}))
                .send()
                .await?
                .json()
                .await?;
            anyhow::Ok((
                r["report_id"].as_str().unwrap_or("").to_owned(),
                Instant::now(),
            ))
        }));
    }
    for p in pending {
        acked.push(p.await??);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = stop_reader.send(());
    reader
        .join()
        .map_err(|_| anyhow::anyhow!("the board stream's reader panicked"))??;
    let seen = seen.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
    let mut latencies: Vec<Duration> = acked
        .iter()
        .filter_map(|(id, at)| seen.get(id).map(|f| f.saturating_duration_since(*at)))
        .collect();
    latencies.sort();
    let _ = running.stop.send(());
    Ok((percentile(&latencies, 0.5), percentile(&latencies, 0.99)))
}
