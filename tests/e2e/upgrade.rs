//! A rolling upgrade: an instance meeting an entry it cannot read (a newer schema
//! version, written by an upgraded instance) serves everything before it, refuses
//! changes with 503 naming the entry, says `degraded` in `/healthz` and in a gauge,
//! names the entry in its log, and never skips it, not even across a restart.

use homeward_domain::{Actor, IncidentId, Role, StreamId, Timestamp};
use homeward_store::codec::StoredRecord;
use homeward_store::sqlite::MirrorEntry;
use homeward_store::{EventLog, SqliteLog};
use homeward_tests::{Api, Server, token};
use serde_json::{Value, json};
use uuid::Uuid;

/// Writes, as a newer build would, a report of schema version 99 onto the incident.
async fn write_newer_report(dir: &std::path::Path, incident: &str) -> anyhow::Result<u64> {
    let log = SqliteLog::open(dir)?;
    let stream = StreamId::incident(incident.parse::<IncidentId>()?);
    let version = log.read_stream(stream.to_string()).await?.len() as u64;
    let record = StoredRecord::Event {
        event_id: Uuid::now_v7(),
        stream_id: stream,
        version: version + 1,
        event_type: "incident.report_filed".into(),
        schema_version: 99,
        actor: Actor::new("amara.okafor", Role::DutyOfficer),
        occurred_at: Timestamp::now(),
        recorded_at: Timestamp::now(),
        correlation_id: Uuid::now_v7(),
        causation_id: Uuid::now_v7(),
        data: json!({"report_id": Uuid::now_v7(), "text": "From a newer build", "voice_note": "n-1"}),
    };
    let position = log
        .mirror(vec![MirrorEntry {
            record: serde_json::to_vec(&record)?,
            partition: 0,
            offset: 0,
            idempotency: None,
            chain: None,
        }])
        .await?;
    Ok(position)
}

#[tokio::test]
async fn an_entry_of_a_newer_version_holds_the_instance_before_it_and_is_never_skipped()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let duty = token(dir.path(), "wei.zhang", "duty_officer")?;
    let server = Server::start(dir.path(), "127.0.0.1:0")?;
    let api = Api::new(&server.base, &duty);
    let created: Value = api
        .post("/v1/incidents")
        .json(
            &json!({"kind":"civil_unrest","title":"Unrest in Bamako","country":"ML","severity":3}),
        )
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let id = created["id"].as_str().unwrap_or_default().to_owned();
    api.post(&format!("/v1/incidents/{id}/reports"))
        .json(&json!({"text":"Roadblocks on the airport road","category":"security"}))
        .send()
        .await?
        .error_for_status()?;
    server.stop()?;
    let position = write_newer_report(dir.path(), &id).await?;

    for round in 0..2 {
        let server = Server::start_logging(dir.path(), "127.0.0.1:0", &[], "info")?;
        let api = Api::new(&server.base, &duty);
        let health: Value = api.get("/healthz").send().await?.json().await?;
        assert_eq!(health["status"], "degraded", "round {round}: {health}");
        assert_eq!(health["held_at"], position - 1, "{health}");
        assert_eq!(health["unreadable"]["position"], position, "{health}");
        let reason = health["unreadable"]["reason"].as_str().unwrap_or_default();
        assert!(
            reason.contains("incident.report_filed") && reason.contains("v99"),
            "{health}"
        );
        // Everything before it reads.
        let file: Value = api
            .get(&format!("/v1/incidents/{id}"))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        assert_eq!(file["version"], 2, "{file}");
        assert_eq!(file["reports"].as_array().map(Vec::len), Some(1), "{file}");
        // Changes are refused, naming the entry and what to do.
        for (path, body) in [
            (
                format!("/v1/incidents/{id}/reports"),
                json!({"text":"Negotiator on the line","category":"contact"}),
            ),
            (
                "/v1/incidents".to_owned(),
                json!({"kind":"accident","title":"Bus crash","country":"PE","severity":2}),
            ),
        ] {
            let r = api.post(&path).json(&body).send().await?;
            assert_eq!(r.status(), 503, "{path}");
            let problem: Value = r.json().await?;
            assert_eq!(problem["code"], "upgrade_required", "{problem}");
            let detail = problem["detail"].as_str().unwrap_or_default();
            assert!(
                detail.contains(&format!("position {position}")),
                "{problem}"
            );
            assert!(detail.contains("upgraded"), "{problem}");
        }
        let metrics = api.get("/metrics").send().await?.text().await?;
        assert!(
            metrics
                .lines()
                .any(|l| l == format!("homeward_log_unreadable_position {position}")),
            "{metrics}"
        );
        let (_, output) = server.stop_with_output()?;
        assert!(
            output.contains(&format!("cannot read the entry at position {position}")),
            "{output}"
        );
    }
    // Nothing was written past it, nothing was skipped.
    let log = SqliteLog::open(dir.path())?;
    assert_eq!(*log.head().borrow(), position);
    Ok(())
}
