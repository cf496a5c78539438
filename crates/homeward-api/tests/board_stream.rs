//! The live board on reconnect: with `Last-Event-ID` the stream sends the changes
//! missed since, each built from its own event (two reports give two frames, each with
//! its own report), and a fresh snapshot when the id is unknown.
#![allow(missing_docs, clippy::unwrap_used)]

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use homeward_domain::Role;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use support::TestApp;
use tower::ServiceExt;

/// Reads the stream until `enough` holds for the frames read so far.
async fn frames(
    app: &TestApp,
    token: &str,
    last_event_id: Option<&str>,
    enough: impl Fn(&[(String, Value)]) -> bool,
) -> Vec<(String, Value)> {
    let mut request =
        Request::get("/v1/board/stream").header(header::AUTHORIZATION, format!("Bearer {token}"));
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id);
    }
    let response = app
        .router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    let mut text = String::new();
    loop {
        let parsed: Vec<(String, Value)> = text
            .split("\n\n")
            .filter(|block| block.contains("data:"))
            .filter_map(|block| {
                let event = block.lines().find_map(|l| l.strip_prefix("event: "))?;
                let data: String = block
                    .lines()
                    .filter_map(|l| l.strip_prefix("data: "))
                    .collect();
                Some((event.to_owned(), serde_json::from_str(&data).ok()?))
            })
            .collect();
        if enough(&parsed) {
            return parsed;
        }
        let frame = tokio::time::timeout(std::time::Duration::from_secs(10), body.frame())
            .await
            .expect("a frame in time")
            .expect("stream open")
            .expect("frame");
        if let Ok(data) = frame.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
    }
}

#[tokio::test]
async fn a_reconnect_gets_each_missed_change_with_its_own_report() {
    let app = TestApp::new().await;
    let duty = app.token("wei", Role::DutyOfficer);
    let id = app.open_incident(&duty, "terror_attack").await;
    let before = app.get("/healthz", &duty).await.body["log_position"]
        .as_u64()
        .unwrap();
    for text in ["First blast at the station", "Second blast at the market"] {
        let r = app
            .post(
                &format!("/v1/incidents/{id}/reports"),
                &duty,
                json!({"text": text, "category": "security"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    let got = frames(&app, &duty, Some(&before.to_string()), |f| f.len() >= 2).await;
    assert!(
        got.iter().all(|(event, _)| event == "change"),
        "no snapshot on a reconnect: {got:?}"
    );
    let reports: Vec<&str> = got
        .iter()
        .filter_map(|(_, data)| data["report"]["text"].as_str())
        .collect();
    assert_eq!(
        reports,
        ["First blast at the station", "Second blast at the market"]
    );
    assert!(got.iter().all(|(_, d)| d["incident"]["id"] == id.as_str()));
}

#[tokio::test]
async fn an_unknown_last_event_id_gets_a_fresh_snapshot() {
    let app = TestApp::new().await;
    let duty = app.token("wei", Role::DutyOfficer);
    let id = app.open_incident(&duty, "medical").await;
    let got = frames(&app, &duty, Some("99999999"), |f| !f.is_empty()).await;
    assert_eq!(got[0].0, "snapshot");
    assert!(got[0].1.to_string().contains(&id));
}
