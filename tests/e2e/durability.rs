//! Nothing acknowledged is lost: a server killed with SIGKILL right after (or while)
//! answering 2xx comes back with every acknowledged event, none twice, and an intact
//! audit chain.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use homeward_tests::{Api, Server, cli, token};
use serde_json::{Value, json};

#[tokio::test]
async fn a_report_acknowledged_just_before_sigkill_survives() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let duty = token(dir.path(), "wei.zhang", "duty_officer")?;
    let server = Server::start(dir.path(), "127.0.0.1:0")?;
    let api = Api::new(&server.base, &duty);
    let opened: Value = api
        .post("/v1/incidents")
        .json(&json!({"kind":"natural_disaster","title":"Earthquake, Kathmandu valley","country":"NP","severity":5}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let id = opened["id"].as_str().unwrap().to_owned();
    let report = api
        .post(&format!("/v1/incidents/{id}/reports"))
        .json(&json!({"text":"14 citizens accounted for at the embassy","category":"welfare"}))
        .send()
        .await?;
    assert_eq!(report.status(), 201);
    server.kill()?; // the instant after the 2xx

    let server = Server::start(dir.path(), "127.0.0.1:0")?;
    let api = Api::new(&server.base, &duty);
    let file: Value = api
        .get(&format!("/v1/incidents/{id}"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(
        file["reports"][0]["text"],
        "14 citizens accounted for at the embassy"
    );
    server.stop()?;
    let (status, stdout, _) = cli(&[
        "audit",
        "verify",
        "--data-dir",
        &dir.path().to_string_lossy(),
    ])?;
    assert!(status.success(), "{stdout}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_in_the_middle_of_a_load_loses_no_acknowledged_report() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let field = token(dir.path(), "amira", "duty_officer")?;
    let server = Server::start(dir.path(), "127.0.0.1:0")?;
    let api = Arc::new(Api::new(&server.base, &field));
    let opened: Value = api
        .post("/v1/incidents")
        .json(&json!({"kind":"evacuation","title":"Evacuation of Khartoum","country":"SD","severity":5}))
        .send()
        .await?
        .json()
        .await?;
    let id = opened["id"].as_str().unwrap().to_owned();

    // 8 clients file reports as fast as they can; each remembers what was acknowledged.
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for c in 0..8 {
        let api = Arc::clone(&api);
        let stop = Arc::clone(&stop);
        let id = id.clone();
        clients.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for n in 0..10_000 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let text = format!("client {c} report {n}");
                let sent = api
                    .post(&format!("/v1/incidents/{id}/reports"))
                    .header("idempotency-key", format!("c{c}-n{n}"))
                    .json(&json!({"text": text, "category": "situation"}))
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().is_success() => acked.push(text),
                    _ => break, // the server is gone
                }
            }
            acked
        }));
    }
    // Kill once enough has been acknowledged (watched through the log position).
    let health = Api::new(&server.base, "");
    loop {
        let h: Value = health.get("/healthz").send().await?.json().await?;
        if h["log_position"].as_u64().unwrap_or(0) >= 200 {
            break;
        }
        tokio::task::yield_now().await;
    }
    server.kill()?;
    stop.store(true, Ordering::Relaxed);
    let mut acknowledged = HashSet::new();
    for c in clients {
        acknowledged.extend(c.await?);
    }
    assert!(
        acknowledged.len() >= 150,
        "only {} acknowledged",
        acknowledged.len()
    );

    let server = Server::start(dir.path(), "127.0.0.1:0")?;
    let api = Api::new(&server.base, &field);
    let file: Value = api
        .get(&format!("/v1/incidents/{id}"))
        .send()
        .await?
        .json()
        .await?;
    let stored: Vec<String> = file["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["text"].as_str().unwrap().to_owned())
        .collect();
    let unique: HashSet<&String> = stored.iter().collect();
    assert_eq!(unique.len(), stored.len(), "a report was written twice");
    let missing: Vec<_> = acknowledged
        .iter()
        .filter(|t| !unique.contains(t))
        .collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    // Versions stay gapless: opening + every stored report.
    assert_eq!(file["version"].as_u64().unwrap(), stored.len() as u64 + 1);
    server.stop()?;
    let (status, stdout, _) = cli(&[
        "audit",
        "verify",
        "--data-dir",
        &dir.path().to_string_lossy(),
    ])?;
    assert!(status.success(), "{stdout}");
    Ok(())
}
