//! Homeward on a real Apache Kafka broker: several instances, killed instances, a
//! restarted broker, a killed partition leader. These need the broker that
//! `ops/test.sh` starts (`HOMEWARD_TEST_KAFKA`, and the data directories of the single
//! broker and of the three-broker cluster for restarting them), so they are ignored
//! by a plain `cargo test` and run by `ops/test.sh` with `--ignored`.
#![allow(missing_docs, clippy::unwrap_used)]

mod local;
mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use support::{Cluster, Load, converged, incident, instance, open_incident, same_file};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the Kafka broker that ops/test.sh starts"]
async fn two_instances_hammering_one_incident_leave_gapless_unique_versions() -> anyhow::Result<()>
{
    let cluster = Cluster::single()?;
    let a = instance(&cluster, "a")?;
    let b = instance(&cluster, "b")?;
    let id = open_incident(&a).await?;

    // A change accepted by A reaches B's live board stream.
    let stream = b
        .api()
        .get("/v1/board/stream")
        .send()
        .await?
        .error_for_status()?;
    let watching = tokio::spawn(async move {
        use futures::StreamExt;
        let mut body = stream.bytes_stream();
        let mut seen = String::new();
        while let Some(Ok(chunk)) = body.next().await {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("Convoy 3 reached the border at Argeen") {
                return true;
            }
        }
        false
    });
    let filed = a
        .api()
        .post(&format!("/v1/incidents/{id}/reports"))
        .json(&serde_json::json!({"text": "Convoy 3 reached the border at Argeen", "category": "logistics"}))
        .send()
        .await?;
    assert_eq!(filed.status(), 201);
    let reached = tokio::time::timeout(std::time::Duration::from_secs(30), watching).await??;
    assert!(reached, "A's report never reached B's board stream");

    // The two race for the incident's versions until one of them, refused for the
    // other's turn, sends it the incident's reports. Whether they race at all in a
    // given load is the scheduler's choice (a load can pass without one, and then
    // nothing is sent on), so up to three loads, until one sent something on.
    let stop = Arc::new(AtomicBool::new(false));
    let mut acknowledged = Vec::new();
    for round in 0..3 {
        let load = Load::new(&id, vec![a.api(), b.api()]).labelled(&format!("r{round}-"));
        let acked = load.run(8, 40, Arc::clone(&stop)).await;
        assert_eq!(
            acked.len(),
            8 * 40,
            "every report acknowledged (with retries)"
        );
        acknowledged.extend(acked);
        if forwarded(&a, "sent").await? + forwarded(&b, "sent").await? > 0 {
            break;
        }
    }
    // Each one sent was taken by the other.
    let (sent_a, sent_b) = (forwarded(&a, "sent").await?, forwarded(&b, "sent").await?);
    assert!(
        sent_a + sent_b > 0,
        "no report was sent on to the incident's writer in three loads"
    );
    assert_eq!(sent_a, forwarded(&b, "received").await?);
    assert_eq!(sent_b, forwarded(&a, "received").await?);

    let expected = acknowledged.len() as u64 + 2;
    let from_a = incident(&a, &id, expected).await?;
    let from_b = incident(&b, &id, expected).await?;
    same_file(&from_a, &from_b);
    let texts: Vec<&str> = from_a["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["text"].as_str().unwrap())
        .collect();
    let unique: HashSet<&str> = texts.iter().copied().collect();
    assert_eq!(unique.len(), texts.len(), "a report was written twice");
    let mut wanted: HashSet<&str> = acknowledged.iter().map(String::as_str).collect();
    wanted.insert("Convoy 3 reached the border at Argeen");
    assert_eq!(unique, wanted);

    // A new instance rebuilt from offset zero has the same state.
    let c = instance(&cluster, "c")?;
    let from_c = incident(&c, &id, expected).await?;
    same_file(&from_a, &from_c);
    for i in [&a, &b, &c] {
        i.verify()?;
    }
    // The chains in the topic itself, offline, partition by partition.
    let verified = cluster.verify_topics()?;
    assert!(verified.contains("audit chains intact"), "{verified}");
    let total: u64 = verified
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(total >= expected, "{verified}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the Kafka broker that ops/test.sh starts"]
async fn an_instance_killed_with_sigkill_mid_load_loses_nothing_acknowledged() -> anyhow::Result<()>
{
    let cluster = Cluster::single()?;
    let mut a = instance(&cluster, "a")?;
    let b = instance(&cluster, "b")?;
    let id = open_incident(&b).await?;
    let stop = Arc::new(AtomicBool::new(false));
    // Clients write through A only, retrying a failed request with its key (as field
    // devices do) until A dies in the middle; after the kill they stop.
    let load = Load::new(&id, vec![a.api()]).giving_up_after(20);
    let running = tokio::spawn({
        let stop = Arc::clone(&stop);
        async move { load.run(6, 200, stop).await }
    });
    b.wait_for_version(&id, 30).await?;
    a.kill()?;
    stop.store(true, Ordering::SeqCst);
    let acknowledged = running.await?;
    assert!(
        acknowledged.len() >= 20,
        "only {} acknowledged before the kill",
        acknowledged.len()
    );

    // Every acknowledged report reaches B's copy (and perhaps some that were committed
    // but whose answer died with A).
    let file = incident(&b, &id, acknowledged.len() as u64 + 1).await?;
    let texts: Vec<String> = file["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["text"].as_str().unwrap().to_owned())
        .collect();
    let unique: HashSet<&String> = texts.iter().collect();
    assert_eq!(unique.len(), texts.len(), "a report was written twice");
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|t| !unique.contains(t))
        .collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    assert_eq!(
        file["version"].as_u64().unwrap(),
        texts.len() as u64 + 1,
        "versions are gapless"
    );

    // A comes back on its own data and converges with B (requests A had sent before it
    // died may still be written meanwhile, by whichever instance owns the partition).
    a.restart(&cluster)?;
    let (from_a, from_b) = converged(&a, &b, &id).await?;
    same_file(&from_a, &from_b);
    a.verify()?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the Kafka broker that ops/test.sh starts"]
async fn a_broker_restarted_mid_load_loses_nothing_acknowledged() -> anyhow::Result<()> {
    let cluster = Cluster::single()?;
    let a = instance(&cluster, "a")?;
    let id = open_incident(&a).await?;
    let stop = Arc::new(AtomicBool::new(false));
    let load = Load::new(&id, vec![a.api()]);
    let running = tokio::spawn({
        let stop = Arc::clone(&stop);
        async move { load.run(4, 60, stop).await }
    });
    a.wait_for_version(&id, 40).await?;
    cluster.restart_broker()?;
    let acknowledged = running.await?;
    assert_eq!(
        acknowledged.len(),
        4 * 60,
        "clients retrying with their keys get through"
    );

    let expected = acknowledged.len() as u64 + 1;
    let file = incident(&a, &id, expected).await?;
    let texts: HashSet<String> = file["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        texts.len() as u64,
        expected - 1,
        "a report was written twice or lost"
    );
    assert_eq!(texts, acknowledged.into_iter().collect::<HashSet<_>>());
    let fresh = instance(&cluster, "fresh")?;
    same_file(&file, &incident(&fresh, &id, expected).await?);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the Kafka scripts that ops/test.sh uses"]
async fn the_partition_leader_killed_in_a_three_broker_cluster_loses_nothing() -> anyhow::Result<()>
{
    let cluster = Cluster::three_brokers()?;
    let a = instance(&cluster, "a")?;
    let id = open_incident(&a).await?;
    let stop = Arc::new(AtomicBool::new(false));
    let load = Load::new(&id, vec![a.api()]);
    let running = tokio::spawn({
        let stop = Arc::clone(&stop);
        async move { load.run(4, 60, stop).await }
    });
    a.wait_for_version(&id, 40).await?;
    let leader = cluster.events_leader()?;
    cluster.kill_broker(leader.clone())?;
    let acknowledged = running.await?;
    assert_eq!(acknowledged.len(), 4 * 60);
    let expected = acknowledged.len() as u64 + 1;
    let file = incident(&a, &id, expected).await?;
    let texts: HashSet<String> = file["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(texts, acknowledged.into_iter().collect::<HashSet<_>>());
    cluster.start_broker(leader)?;
    let fresh = instance(&cluster, "fresh")?;
    same_file(&file, &incident(&fresh, &id, expected).await?);
    a.verify()?;
    Ok(())
}

/// Counts the events of `event_type` in an instance's audit trail.
/// `homeward_forwarded_commands_total{outcome}` of instance `i`.
async fn forwarded(i: &support::Instance, outcome: &str) -> anyhow::Result<u64> {
    let api = i.api();
    let text = api
        .http
        .get(format!("{}/metrics", api.base))
        .send()
        .await?
        .text()
        .await?;
    let line = format!("homeward_forwarded_commands_total{{outcome=\"{outcome}\"}} ");
    Ok(text
        .lines()
        .find_map(|l| l.strip_prefix(&line))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0))
}

async fn count_events(i: &support::Instance, event_type: &str) -> anyhow::Result<usize> {
    let api = i.api();
    let mut after = 0u64;
    let mut n = 0;
    loop {
        let page: serde_json::Value = api
            .get(&format!("/v1/audit?after={after}&limit=1000"))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let entries = page["entries"].as_array().cloned().unwrap_or_default();
        n += entries
            .iter()
            .filter(|e| e["event_type"] == event_type)
            .count();
        match page["next_after"].as_u64() {
            Some(next) if !entries.is_empty() => after = next,
            _ => return Ok(n),
        }
    }
}

/// Welfare checks of a country as an instance lists them.
async fn checks(i: &support::Instance, country: &str) -> anyhow::Result<Vec<serde_json::Value>> {
    let r: serde_json::Value = i
        .api()
        .get(&format!(
            "/v1/tasks?kind=welfare_check&country={country}&limit=10000"
        ))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(r["tasks"].as_array().cloned().unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the Kafka broker that ops/test.sh starts"]
async fn two_instances_react_to_a_risk_raise_once_even_when_one_is_killed_mid_reaction()
-> anyhow::Result<()> {
    const CITIZENS: usize = 60;
    let cluster = Cluster::single()?;
    let mut a = instance(&cluster, "a")?;
    let b = instance(&cluster, "b")?;
    for n in 0..CITIZENS {
        a.api()
            .post("/v1/persons")
            .json(&serde_json::json!({
                "full_name": format!("Citizen {n}"), "date_of_birth": "1975-05-05",
                "nationality": "FR", "current_country": "LB",
                "vulnerabilities": if n % 4 == 0 { vec!["medical"] } else { vec![] },
            }))
            .send()
            .await?
            .error_for_status()?;
    }
    // Both instances see the raise and both react; A is killed while reacting.
    let api = b.api();
    let raised = api
        .http
        .put(format!("{}/v1/countries/LB/risk", api.base))
        .bearer_auth(&api.token)
        .json(&serde_json::json!({"level": 4, "reason": "armed clashes"}))
        .send();
    let (raised, killed) = tokio::join!(raised, async {
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        a.kill()
    });
    assert!(raised?.status().is_success());
    killed?;
    a.restart(&cluster)?;

    // Both end with exactly one check per citizen, and the log holds one opening each.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(180);
    loop {
        let (on_a, on_b) = (checks(&a, "LB").await, checks(&b, "LB").await);
        if let (Ok(on_a), Ok(on_b)) = (on_a, on_b)
            && on_a.len() == CITIZENS
            && on_b.len() == CITIZENS
        {
            let people: HashSet<String> = on_b
                .iter()
                .map(|t| t["person_id"].as_str().unwrap_or_default().to_owned())
                .collect();
            assert_eq!(people.len(), CITIZENS, "one check per citizen");
            assert!(
                on_b[..CITIZENS / 4].iter().all(|t| t["priority"] == 1),
                "vulnerable first"
            );
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the checks did not all appear"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(count_events(&a, "welfare.check_opened").await?, CITIZENS);
    assert_eq!(count_events(&b, "welfare.check_opened").await?, CITIZENS);
    Ok(())
}

/// Reports filed on one incident, as an instance shows them.
fn report_texts(file: &serde_json::Value) -> Vec<String> {
    file["reports"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .map(|r| r["text"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the Kafka broker that ops/test.sh starts"]
async fn one_instance_of_three_leaving_and_rejoining_under_load_never_lets_two_writers_in()
-> anyhow::Result<()> {
    use std::sync::RwLock;
    use std::time::Duration;

    const STREAMS: usize = 3;
    const CLIENTS_PER_STREAM: usize = 4;
    const ROUNDS_FOR: Duration = Duration::from_secs(60);

    let cluster = Cluster::single()?;
    let mut instances = vec![
        instance(&cluster, "a")?,
        instance(&cluster, "b")?,
        instance(&cluster, "c")?,
    ];
    let mut ids = Vec::new();
    for _ in 0..STREAMS {
        ids.push(open_incident(&instances[0]).await?);
    }
    // Which instances take requests now (None while one is away).
    let targets: Arc<RwLock<Vec<Option<Arc<homeward_tests::Api>>>>> = Arc::new(RwLock::new(
        instances.iter().map(|i| Some(i.api())).collect(),
    ));
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for (s, id) in ids.iter().enumerate() {
        for c in 0..CLIENTS_PER_STREAM {
            let (id, targets, stop) = (id.clone(), Arc::clone(&targets), Arc::clone(&stop));
            clients.push(tokio::spawn(async move {
                let mut acked = Vec::new();
                let mut n = 0usize;
                while !stop.load(Ordering::SeqCst) {
                    let text = format!("stream {s} client {c} report {n}");
                    // Retried with its key until acknowledged; after the stop, a few
                    // more tries at most (its outcome may then stay unknown).
                    let mut attempt = 0usize;
                    loop {
                        attempt += 1;
                        let api = {
                            let up: Vec<_> =
                                targets.read().unwrap().iter().flatten().cloned().collect();
                            up[(n + attempt) % up.len()].clone()
                        };
                        let sent = api
                            .post(&format!("/v1/incidents/{id}/reports"))
                            .header("idempotency-key", format!("s{s}-c{c}-n{n}"))
                            .json(&serde_json::json!({"text": text, "category": "situation"}))
                            .send()
                            .await;
                        if matches!(&sent, Ok(r) if r.status().is_success()) {
                            acked.push(text);
                            break;
                        }
                        if stop.load(Ordering::SeqCst) && attempt > 40 {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    n += 1;
                }
                (s, acked)
            }));
        }
    }

    // One instance leaves every few seconds (in turn, alternately cleanly and killed)
    // and comes back on its data.
    let started = tokio::time::Instant::now();
    let mut round = 0usize;
    while started.elapsed() < ROUNDS_FOR {
        tokio::time::sleep(Duration::from_secs(3)).await;
        let k = round % instances.len();
        targets.write().unwrap()[k] = None;
        if round.is_multiple_of(2) {
            instances[k].stop()?;
        } else {
            instances[k].kill()?;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        instances[k].start(&cluster)?;
        targets.write().unwrap()[k] = Some(instances[k].api());
        round += 1;
    }
    stop.store(true, Ordering::SeqCst);
    let mut acked: Vec<Vec<String>> = vec![Vec::new(); STREAMS];
    for client in clients {
        let (s, texts) = client.await?;
        acked[s].extend(texts);
    }
    assert!(round >= 5, "only {round} rounds of leaving and rejoining");

    for (s, id) in ids.iter().enumerate() {
        assert!(!acked[s].is_empty(), "nothing acknowledged on stream {s}");
        let (a, b) = converged(&instances[0], &instances[1], id).await?;
        same_file(&a, &b);
        let c = incident(&instances[2], id, a["version"].as_u64().unwrap()).await?;
        same_file(&a, &c);
        let texts = report_texts(&a);
        let unique: HashSet<&String> = texts.iter().collect();
        assert_eq!(unique.len(), texts.len(), "a report was written twice");
        let lost: Vec<&String> = acked[s].iter().filter(|t| !unique.contains(t)).collect();
        assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
        assert_eq!(
            a["version"].as_u64().unwrap(),
            texts.len() as u64 + 1,
            "versions are gapless and unique"
        );
    }
    // Each copy's chain and gapless versions, and each partition's chain in the topic.
    for i in &instances {
        i.verify()?;
    }
    let verified = cluster.verify_topics()?;
    assert!(verified.contains("audit chains intact"), "{verified}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the Kafka broker that ops/test.sh starts"]
async fn an_exercise_copied_into_its_own_namespace_keeps_its_times_and_says_exercise_on_every_instance()
-> anyhow::Result<()> {
    use homeward_tests::{Api, Server, cli, token};
    use serde_json::{Value, json};

    // The real crisis, on an embedded log: a case with a report and a citizen.
    let source = tempfile::tempdir()?;
    let src = source.path().to_string_lossy().into_owned();
    let duty = token(source.path(), "wei.zhang", "duty_officer")?;
    let server = Server::start(source.path(), "127.0.0.1:0")?;
    let api = Api::new(&server.base, &duty);
    let id = api
        .post("/v1/incidents")
        .json(
            &json!({"kind":"civil_unrest","title":"Unrest in Bamako","country":"ML","severity":3}),
        )
        .send()
        .await?
        .error_for_status()?
        .json::<Value>()
        .await?["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    api.post(&format!("/v1/incidents/{id}/reports"))
        .json(&json!({"text":"Roadblocks on the airport road","category":"security"}))
        .send()
        .await?
        .error_for_status()?;
    let person = api
        .post("/v1/persons")
        .json(
            &json!({"full_name":"Realname Li","date_of_birth":"1984-07-02","nationality":"CN",
            "passport_number":"E12345678","phone":"+86 138 0013 8000"}),
        )
        .send()
        .await?
        .error_for_status()?
        .json::<Value>()
        .await?["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let audit: Value = api.get("/v1/audit?limit=1000").send().await?.json().await?;
    let mut recorded: Vec<String> = audit["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["recorded_at"].as_str().map(str::to_owned))
        .collect();
    recorded.sort();
    let as_of = recorded.iter().max().cloned().unwrap_or_default();
    server.stop()?;

    // Copied into a namespace of its own on the broker.
    let cluster = Cluster::single()?;
    let first = cluster.tmp.path().join("a");
    let kek = cluster
        .tmp
        .path()
        .join("personal-data.kek")
        .to_string_lossy()
        .into_owned();
    let create = |namespace: &str, dir: &std::path::Path| {
        cli(&[
            "exercise",
            "create",
            "--from",
            &src,
            "--as-of",
            &as_of,
            "--data-dir",
            &dir.to_string_lossy(),
            "--name",
            "drill-bamako",
            "--kafka",
            &cluster.brokers,
            "--namespace",
            namespace,
            "--kafka-partitions",
            "3",
            "--kafka-replication",
            "1",
            // The key-encryption key its instances share (beside their token key).
            "--kek",
            &kek,
        ])
    };
    let (status, _, stderr) = create(&cluster.namespace, &first)?;
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("drill-bamako"), "{stderr}");

    // Two instances: the copy's own data directory and a fresh one.
    let a = instance(&cluster, "a")?;
    let b = instance(&cluster, "b")?;
    for i in [&a, &b] {
        let file = incident(i, &id, 2).await?;
        assert_eq!(file["reports"].as_array().map(Vec::len), Some(1), "{file}");
        let r = i.api().get("/v1/board").send().await?;
        assert_eq!(
            r.headers()
                .get("homeward-exercise")
                .and_then(|v| v.to_str().ok()),
            Some("drill-bamako")
        );
        let board: Value = r.json().await?;
        assert_eq!(board["exercise"], "drill-bamako", "{board}");
        let p: Value = i
            .api()
            .get(&format!("/v1/persons/{person}"))
            .send()
            .await?
            .json()
            .await?;
        assert_ne!(p["passport_number"], "E12345678", "{p}");
        assert!(
            !p["full_name"]
                .as_str()
                .unwrap_or_default()
                .contains("Realname"),
            "{p}"
        );
        // Recorded when they happened in the real crisis, not when they were copied.
        let copied: Value = i
            .api()
            .get("/v1/audit?limit=1000")
            .send()
            .await?
            .json()
            .await?;
        let mut times: Vec<String> = copied["entries"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["recorded_at"].as_str().map(str::to_owned))
            .collect();
        times.sort();
        assert_eq!(times, recorded, "{copied}");
    }
    // Trainees work the copy through either instance.
    let r = b
        .api()
        .post(&format!("/v1/incidents/{id}/reports"))
        .json(&json!({"text":"Negotiator on the line","category":"contact"}))
        .send()
        .await?;
    assert_eq!(r.status(), 201);
    assert!(r.headers().contains_key("homeward-exercise"));
    let file = incident(&a, &id, 3).await?;
    assert_eq!(file["reports"].as_array().map(Vec::len), Some(2), "{file}");
    cluster.verify_topics()?;
    a.verify()?;
    let (status, report, stderr) = cli(&[
        "exercise",
        "report",
        "--data-dir",
        &first.to_string_lossy(),
        "--kek",
        &kek,
    ])?;
    assert!(status.success(), "{stderr}");
    assert!(report.contains("exercise drill-bamako"), "{report}");

    // A used namespace is refused and nothing is written.
    let never = cluster.tmp.path().join("never");
    let (status, _, stderr) = create(&cluster.namespace, &never)?;
    assert!(!status.success());
    assert!(stderr.contains("already used"), "{stderr}");
    assert!(!never.exists(), "nothing is written");
    // A namespace never used has no chain to verify: that is a failure, not a pass.
    let (status, stdout, stderr) = cli(&[
        "audit",
        "verify",
        "--kafka",
        &cluster.brokers,
        "--namespace",
        &format!("{}-never", cluster.namespace),
    ])?;
    assert!(!status.success(), "{stdout}");
    assert!(stderr.contains("not ready"), "{stderr}");
    Ok(())
}

/// Asks the incident's partition writer, as an upgraded instance would, to append a
/// report of a schema version this build does not read.
async fn append_as_a_newer_build(cluster: &Cluster, incident: &str) -> anyhow::Result<()> {
    use homeward_domain::{Actor, IncidentId, Role, StreamId, Timestamp};
    use homeward_kafka::wire::{ProposedWire, Request};
    use rdkafka::producer::{FutureProducer, FutureRecord};

    let stream = StreamId::incident(incident.parse::<IncidentId>()?);
    let request = Request::Append {
        request_id: uuid::Uuid::now_v7(),
        reply_to: "newer-build".into(),
        stream_id: stream.clone(),
        expected_version: 1,
        events: vec![ProposedWire {
            event_id: uuid::Uuid::now_v7(),
            event_type: "incident.report_filed".into(),
            schema_version: 99,
            occurred_at: Timestamp::now(),
            data: serde_json::json!({"report_id": uuid::Uuid::now_v7(), "text": "From a newer build", "voice_note": "n-1"}),
        }],
        actor: Actor::new("amara.okafor", Role::DutyOfficer),
        correlation_id: uuid::Uuid::now_v7(),
        causation_id: uuid::Uuid::now_v7(),
        idempotency: None,
        new_key: None,
    };
    // The same partitioner as the instances, so the request reaches the stream's writer.
    let producer: FutureProducer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &cluster.brokers)
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("partitioner", "murmur2_random")
        .create()?;
    let key = stream.to_string();
    let bytes = serde_json::to_vec(&request)?;
    producer
        .send(
            FutureRecord::to(&format!("{}appends", cluster.prefix))
                .key(&key)
                .payload(&bytes),
            std::time::Duration::from_secs(30),
        )
        .await
        .map_err(|(e, _)| e)?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the Kafka broker that ops/test.sh starts"]
async fn a_record_of_a_newer_version_holds_every_old_instance_before_it_and_refuses_their_writes()
-> anyhow::Result<()> {
    use serde_json::{Value, json};

    let cluster = Cluster::single()?;
    let a = instance(&cluster, "a")?;
    let b = instance(&cluster, "b")?;
    let id = open_incident(&a).await?;
    incident(&b, &id, 1).await?;
    append_as_a_newer_build(&cluster, &id).await?;

    for i in [&a, &b] {
        let api = i.api();
        // Bounded: the record reaches each copy within moments.
        let mut health = Value::Null;
        for _ in 0..600 {
            health = api.get("/healthz").send().await?.json().await?;
            if health["status"] == "degraded" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(health["status"], "degraded", "{health}");
        let position = health["unreadable"]["position"]
            .as_u64()
            .unwrap_or_default();
        assert_eq!(health["held_at"].as_u64(), Some(position - 1), "{health}");
        let reason = health["unreadable"]["reason"].as_str().unwrap_or_default();
        assert!(reason.contains("v99"), "{health}");
        // Reads of everything before it go on; writes are refused, naming it.
        let file: Value = api
            .get(&format!("/v1/incidents/{id}"))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        assert_eq!(file["version"], 1, "{file}");
        let r = api
            .post(&format!("/v1/incidents/{id}/reports"))
            .json(&json!({"text":"Negotiator on the line","category":"contact"}))
            .send()
            .await?;
        assert_eq!(r.status(), 503);
        let problem: Value = r.json().await?;
        assert_eq!(problem["code"], "upgrade_required", "{problem}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains(&format!("position {position}")),
            "{problem}"
        );
        let metrics = api.get("/metrics").send().await?.text().await?;
        assert!(
            metrics.contains(&format!("homeward_log_unreadable_position {position}")),
            "{metrics}"
        );
    }
    // The record is in the chain like any other.
    cluster.verify_topics()?;
    Ok(())
}

/// Every key, payload and header of every record (aborted ones included) of every
/// partition of the namespace's topics, as (topic, bytes).
fn every_byte_on_the_topics(cluster: &Cluster) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    use rdkafka::message::{Headers, Message};
    use rdkafka::{Offset, TopicPartitionList};

    let consumer: BaseConsumer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &cluster.brokers)
        .set("group.id", format!("{}canary-reader", cluster.prefix))
        .set("enable.auto.commit", "false")
        .set("isolation.level", "read_uncommitted")
        .create()?;
    let timeout = std::time::Duration::from_secs(30);
    let metadata = consumer.fetch_metadata(None, timeout)?;
    let mut out = Vec::new();
    for topic in metadata.topics() {
        if !topic.name().starts_with(&cluster.prefix) || topic.name().ends_with("canary-reader") {
            continue;
        }
        for p in topic.partitions() {
            let (low, high) = consumer.fetch_watermarks(topic.name(), p.id(), timeout)?;
            if high <= low {
                continue;
            }
            let mut tpl = TopicPartitionList::new();
            tpl.add_partition_offset(topic.name(), p.id(), Offset::Offset(low))?;
            consumer.assign(&tpl)?;
            let deadline = std::time::Instant::now() + timeout;
            loop {
                let at = consumer
                    .position()?
                    .find_partition(topic.name(), p.id())
                    .map(|e| e.offset());
                if matches!(at, Some(Offset::Offset(o)) if o >= high) {
                    break;
                }
                anyhow::ensure!(
                    std::time::Instant::now() < deadline,
                    "{} {} not read to {high}",
                    topic.name(),
                    p.id()
                );
                if let Some(m) = consumer.poll(std::time::Duration::from_millis(200)) {
                    let m = m?;
                    let mut bytes = m.key().unwrap_or_default().to_vec();
                    bytes.extend_from_slice(m.payload().unwrap_or_default());
                    if let Some(h) = m.headers() {
                        for h in h.iter() {
                            bytes.extend_from_slice(h.key.as_bytes());
                            bytes.extend_from_slice(h.value.unwrap_or_default());
                        }
                    }
                    out.push((topic.name().to_owned(), bytes));
                }
            }
        }
    }
    Ok(out)
}

/// The records of the keys topic, from offset 0: (key, whether it has a value).
fn key_records(cluster: &Cluster) -> anyhow::Result<Vec<(String, bool)>> {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    use rdkafka::message::Message;
    use rdkafka::{Offset, TopicPartitionList};

    let topic = format!("{}keys", cluster.prefix);
    let consumer: BaseConsumer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &cluster.brokers)
        .set("group.id", format!("{}keys-reader", cluster.prefix))
        .set("enable.auto.commit", "false")
        .set("isolation.level", "read_committed")
        .create()?;
    let timeout = std::time::Duration::from_secs(30);
    let (_, high) = consumer.fetch_watermarks(&topic, 0, timeout)?;
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(&topic, 0, Offset::Beginning)?;
    consumer.assign(&tpl)?;
    let mut out = Vec::new();
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let at = consumer
            .position()?
            .find_partition(&topic, 0)
            .map(|e| e.offset());
        if matches!(at, Some(Offset::Offset(o)) if o >= high) || high == 0 {
            return Ok(out);
        }
        anyhow::ensure!(std::time::Instant::now() < deadline, "{topic} not read");
        if let Some(m) = consumer.poll(std::time::Duration::from_millis(200)) {
            let m = m?;
            out.push((
                String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned(),
                m.payload().is_some(),
            ));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the Kafka broker that ops/test.sh starts"]
async fn personal_data_is_sealed_on_every_topic_and_copy_and_an_erasure_reaches_every_instance()
-> anyhow::Result<()> {
    use homeward_tests::{Api, cli};
    use serde_json::{Value, json};

    use homeward_tests::canary::{
        ALL, BIRTH, CALLER, CALLER_PHONE, NAME, PASSPORT, PERSON, PHONE, files_holding, held,
    };
    let in_clear = |what: &[u8]| held(what, &ALL);
    let files_in_clear = |dir: &std::path::Path| files_holding(dir, &ALL);

    let cluster = Cluster::single()?;
    let window = ["--kafka-erasure-window", "3s"];
    let mut a = support::instance_with(&cluster, "a", &window)?;
    let mut b = support::instance_with(&cluster, "b", &window)?;
    let admin = {
        let (status, stdout, stderr) = cli(&[
            "token",
            "issue",
            "--data-dir",
            &a.dir().to_string_lossy(),
            "--token-key",
            &cluster.key.to_string_lossy(),
            "--subject",
            "root",
            "--role",
            "admin",
        ])?;
        anyhow::ensure!(status.success(), "{stderr}");
        stdout.lines().last().unwrap_or_default().to_owned()
    };
    let r = a
        .api()
        .post("/v1/persons")
        .json(
            &json!({"full_name": NAME, "date_of_birth": BIRTH, "nationality": "GB",
            "passport_number": PASSPORT, "phone": PHONE}),
        )
        .send()
        .await?;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await?["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let r = a
        .api()
        .post("/v1/calls")
        .json(&json!({"caller_name": CALLER, "caller_phone": CALLER_PHONE,
            "summary": "Her brother has not called since Monday", "person_id": id}))
        .send()
        .await?;
    assert_eq!(r.status(), 201);
    // Both instances open it: each followed the key written with it.
    let person_on = |i: &support::Instance| {
        let api = i.api();
        let id = id.clone();
        async move {
            for _ in 0..600 {
                let r = api.get(&format!("/v1/persons/{id}")).send().await?;
                if r.status().is_success() {
                    return r.json::<Value>().await.map_err(anyhow::Error::from);
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            anyhow::bail!("the person never reached the instance")
        }
    };
    for i in [&a, &b] {
        let p = person_on(i).await?;
        assert_eq!(p["full_name"], NAME, "{p}");
        assert_eq!(p["passport_number"], PASSPORT, "{p}");
    }
    // No byte of any topic, copy or log holds them in clear.
    let records = every_byte_on_the_topics(&cluster)?;
    assert!(records.iter().any(|(t, _)| t.ends_with(".keys")));
    for (topic, bytes) in &records {
        assert!(
            in_clear(bytes).is_empty(),
            "{:?} on {topic}",
            in_clear(bytes)
        );
    }
    for i in [&a, &b] {
        assert!(
            files_in_clear(i.dir()).is_empty(),
            "{:?}",
            files_in_clear(i.dir())
        );
        assert!(in_clear(i.logs().as_bytes()).is_empty(), "{}", i.logs());
    }

    // Erased through one instance, it reads as erased on both, also after restarts.
    let r = Api::new(&a.api().base, &admin)
        .post(&format!("/v1/persons/{id}/erase"))
        .json(&json!({"reason": "asked to be forgotten"}))
        .send()
        .await?;
    assert_eq!(r.status(), 200);
    assert!(
        !r.headers().contains_key("homeward-erasure-unconfirmed"),
        "{:?}",
        r.headers()
    );
    // Answered once every instance shows it: both were waited for, and `b` is asked
    // once, without waiting.
    let said = a.plain_logs();
    assert!(
        said.lines()
            .any(|l| l.contains("has folded the erasure") && l.contains("instances_up=2")),
        "{said}"
    );
    let erased_on = |i: &support::Instance, tries: usize| {
        let api = i.api();
        let id = id.clone();
        async move {
            let mut person = Value::Null;
            for _ in 0..tries {
                person = api
                    .get(&format!("/v1/persons/{id}"))
                    .send()
                    .await?
                    .json()
                    .await?;
                if person["personal_data_erased"] == true {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            assert_eq!(person["personal_data_erased"], true, "{person}");
            let mut seen = person.to_string();
            for path in [
                "/v1/persons?q=canarywright",
                "/v1/board",
                "/v1/audit?limit=1000",
            ] {
                seen.push_str(&api.get(path).send().await?.text().await?);
            }
            for n in PERSON {
                assert!(!seen.contains(n), "{n} after the erasure: {seen}");
            }
            anyhow::Ok(())
        }
    };
    for i in [&a, &b] {
        erased_on(i, 1).await?;
    }
    a.stop()?;
    b.stop()?;
    a.start(&cluster)?;
    b.start(&cluster)?;
    for i in [&a, &b] {
        erased_on(i, 600).await?;
        assert!(
            files_in_clear(i.dir()).is_empty(),
            "{:?}",
            files_in_clear(i.dir())
        );
        assert!(in_clear(i.logs().as_bytes()).is_empty(), "{}", i.logs());
    }
    cluster.verify_topics()?;

    // Past the erasure window, the erased key's record is compacted away (a later key
    // rolls the segment it was in).
    let stream = format!("person-{id}");
    assert!(key_records(&cluster)?.contains(&(stream.clone(), false)));
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    a.api()
        .post("/v1/persons")
        .json(
            &json!({"full_name": "Later Person", "date_of_birth": "1970-01-02",
            "nationality": "GB", "passport_number": "P0000001", "phone": "+44 20 0000 0000"}),
        )
        .send()
        .await?
        .error_for_status()?;
    let mut gone = false;
    for _ in 0..180 {
        if !key_records(&cluster)?.contains(&(stream.clone(), true)) {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    assert!(gone, "the erased key is still on the keys topic");

    // An instance with another key-encryption key refuses to start.
    let other = cluster.tmp.path().join("other.kek");
    std::fs::write(&other, "11".repeat(32))?;
    let c_dir = cluster.tmp.path().join("c");
    let mut args = vec![
        "serve".to_owned(),
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--data-dir".into(),
        c_dir.to_string_lossy().into_owned(),
        "--kek".into(),
        other.to_string_lossy().into_owned(),
    ];
    args.extend(cluster_args(&cluster));
    let mut child = std::process::Command::new(homeward_tests::binary()?)
        .args(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    let mut status = None;
    for _ in 0..600 {
        status = child.try_wait()?;
        if status.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    if status.is_none() {
        child.kill()?;
    }
    let out = child.wait_with_output()?;
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(status.is_some_and(|s| !s.success()), "it started: {said}");
    assert!(said.contains("other.kek"), "{said}");
    Ok(())
}

fn cluster_args(cluster: &Cluster) -> Vec<String> {
    vec![
        "--kafka".into(),
        cluster.brokers.clone(),
        "--namespace".into(),
        cluster.namespace.clone(),
        "--token-key".into(),
        cluster.key.to_string_lossy().into_owned(),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the Kafka broker that ops/test.sh starts"]
async fn a_partition_taken_over_is_read_from_where_the_new_owners_copy_stopped()
-> anyhow::Result<()> {
    use serde_json::json;

    let cluster = Cluster::single()?;
    let mut a = instance(&cluster, "a")?;
    let id = open_incident(&a).await?;
    let reports = format!("/v1/incidents/{id}/reports");
    for n in 0..40 {
        a.api()
            .post(&reports)
            .json(&json!({"text": format!("Roll call {n}"), "category": "contact"}))
            .send()
            .await?
            .error_for_status()?;
    }
    let b = instance(&cluster, "b")?;
    incident(&b, &id, 41).await?;
    // B takes every partition over; its next write is decided on the state seeded
    // from its own copy.
    a.stop()?;
    let r = b
        .api()
        .post(&reports)
        .header("if-match", "\"41\"")
        .json(&json!({"text": "Roll call after the takeover", "category": "contact"}))
        .send()
        .await?;
    assert_eq!(r.status(), 201, "{}", r.text().await?);
    let stale = b
        .api()
        .post(&reports)
        .header("if-match", "\"41\"")
        .json(&json!({"text": "Written on a stale version", "category": "contact"}))
        .send()
        .await?;
    assert_eq!(stale.status(), 409, "the seeded state knows the version");
    let file = incident(&b, &id, 42).await?;
    assert_eq!(file["version"], 42);
    assert_eq!(report_texts(&file).len(), 41);

    // The incident's partition was read from where B's copy stopped, not from offset 0.
    let logs = b.plain_logs();
    let field = |line: &str, name: &str| -> Option<i64> {
        let rest = &line[line.find(&format!("{name}="))? + name.len() + 1..];
        rest.split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    };
    let rebuilt: Vec<(i64, i64)> = logs
        .lines()
        .filter(|l| l.contains("partition state rebuilt"))
        .filter_map(|l| Some((field(l, "from_offset")?, field(l, "records_read")?)))
        .collect();
    assert!(
        rebuilt.iter().any(|(from, read)| *from >= 41 && *read <= 2),
        "{rebuilt:?}\n{logs}"
    );
    b.verify()?;
    cluster.verify_topics()?;
    Ok(())
}
