//! A command for a stream another instance writes is sent to that instance as it came,
//! and taken here when that instance cannot be reached or sent it here itself.

#![allow(missing_docs, clippy::unwrap_used)]

mod support;

use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use axum::response::IntoResponse;
use homeward_domain::{IncidentId, Role, StreamId};
use serde_json::json;
use support::TestApp;
use uuid::Uuid;

/// What the stand-in for the other instance was sent.
#[derive(Debug, Clone)]
struct Received {
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

/// A stand-in for the instance writing the stream: it records what it is sent and
/// answers 201 with a body of its own.
async fn other_instance() -> (String, Arc<Mutex<Vec<Received>>>) {
    serve_other(None, || {}).await
}

/// The stand-in, answering with `etag` (the stream's version after the command) and
/// doing `then` as it answers.
async fn serve_other(
    etag: Option<&'static str>,
    then: impl Fn() + Clone + Send + Sync + 'static,
) -> (String, Arc<Mutex<Vec<Received>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&received);
    let app = axum::Router::new().fallback(move |req: Request<Body>| {
        let seen = Arc::clone(&seen);
        let then = then.clone();
        async move {
            then();
            let (parts, body) = req.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20)
                .await
                .unwrap_or_default();
            seen.lock().unwrap().push(Received {
                method: parts.method,
                path: parts.uri.to_string(),
                headers: parts.headers,
                body,
            });
            let mut answer = (
                StatusCode::CREATED,
                [("idempotent-replayed", "false")],
                axum::Json(json!({"written_by": "the other instance"})),
            )
                .into_response();
            if let Some(etag) = etag {
                answer
                    .headers_mut()
                    .insert(header::ETAG, etag.parse().unwrap());
            }
            answer
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

fn report(id: &str, token: &str, key: &str) -> Request<Body> {
    Request::post(format!("/v1/incidents/{id}/reports"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header("idempotency-key", key)
        .body(Body::from(
            r#"{"text":"shots heard near the market","category":"situation"}"#,
        ))
        .unwrap()
}

fn stream(id: &str) -> StreamId {
    StreamId::incident(IncidentId(Uuid::parse_str(id).unwrap()))
}

/// `request` marked as sent on by another instance.
fn marked(mut request: Request<Body>) -> Request<Body> {
    request
        .headers_mut()
        .insert("homeward-forwarded", "1".parse().unwrap());
    request
}

/// An application with an open incident, a duty officer's token, and the incident
/// known to be written by the instance at `url`.
async fn written_at(url: &str) -> (TestApp, String, String) {
    let app = TestApp::embedded().await;
    let duty = app.token("duty.officer", Role::DutyOfficer);
    let id = app.open_incident(&duty, "kidnapping").await;
    app.state.service.writers().learned(&stream(&id), url);
    (app, duty, id)
}

#[tokio::test]
async fn a_command_for_a_stream_another_instance_writes_is_sent_there_as_it_came() {
    let (url, received) = other_instance().await;
    let (app, duty, id) = written_at(&url).await;
    let events = app.events().await;

    let r = app.send(report(&id, &duty, "report-1")).await;

    // The other instance's answer, as it gave it.
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.body, json!({"written_by": "the other instance"}));
    assert_eq!(r.headers["idempotent-replayed"], "false");
    // The command as it came, marked as sent on.
    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    let sent = &received[0];
    assert_eq!(sent.method, Method::POST);
    assert_eq!(sent.path, format!("/v1/incidents/{id}/reports"));
    assert_eq!(
        sent.headers[header::AUTHORIZATION],
        format!("Bearer {duty}")
    );
    assert_eq!(sent.headers["idempotency-key"], "report-1");
    assert_eq!(sent.headers["homeward-forwarded"], "1");
    assert_eq!(
        sent.body,
        Bytes::from_static(br#"{"text":"shots heard near the market","category":"situation"}"#)
    );
    // Nothing was written here, and the stream is still sent there.
    assert_eq!(app.events().await, events);
    assert_eq!(
        app.state.service.writers().elsewhere(&stream(&id)),
        Some(url)
    );
    // Reads are answered here.
    let read = app.get(&format!("/v1/incidents/{id}"), &duty).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(forwarded_count(&app, "sent").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_sent_on_is_answered_once_this_instance_holds_what_was_written() {
    let app = TestApp::embedded().await;
    let duty = app.token("duty.officer", Role::DutyOfficer);
    let id = app.open_incident(&duty, "kidnapping").await;
    // The other instance writes the report (here: straight into this instance's log, as
    // its copy would receive it) as it answers that the incident is now at version 2.
    let router = app.router.clone();
    let (token, incident) = (duty.clone(), id.clone());
    let writes = move || {
        let written = marked(report(&incident, &token, "report-1"));
        tokio::spawn(tower::ServiceExt::oneshot(router.clone(), written));
    };
    let (url, _) = serve_other(Some("\"2\""), writes).await;
    app.state.service.writers().learned(&stream(&id), &url);

    let r = app.send(report(&id, &duty, "report-1")).await;
    assert_eq!(r.status, StatusCode::CREATED);

    // Read here right after the answer: the report is there.
    let file = app.get(&format!("/v1/incidents/{id}"), &duty).await;
    assert_eq!(
        file.body["reports"].as_array().map(Vec::len),
        Some(1),
        "{:?}",
        file.body
    );
}

#[tokio::test]
async fn a_writer_that_cannot_be_reached_is_forgotten_and_the_command_taken_here() {
    // A port nothing listens on any more.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let (app, duty, id) = written_at(&url).await;
    let events = app.events().await;

    let r = app.send(report(&id, &duty, "report-1")).await;

    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["version"], 2);
    assert_eq!(app.events().await, events + 1);
    assert_eq!(app.state.service.writers().elsewhere(&stream(&id)), None);
    assert_eq!(forwarded_count(&app, "unreachable").await, 1);
}

#[tokio::test]
async fn a_command_sent_here_by_another_instance_is_taken_here_and_never_sent_on() {
    let (url, received) = other_instance().await;
    let (app, duty, id) = written_at(&url).await;

    let r = app.send(marked(report(&id, &duty, "report-1"))).await;

    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["version"], 2);
    assert!(received.lock().unwrap().is_empty());
    // The other instance counts on this one to write the stream.
    assert_eq!(app.state.service.writers().elsewhere(&stream(&id)), None);
    assert_eq!(forwarded_count(&app, "received").await, 1);
}

#[tokio::test]
async fn a_command_that_opens_a_stream_is_never_sent_on() {
    let (url, received) = other_instance().await;
    // Another stream is written elsewhere; a new one is opened here.
    let (app, duty, _) = written_at(&url).await;
    let r = app
        .post(
            "/v1/incidents",
            &duty,
            json!({"kind": "evacuation", "title": "Port closed", "country": "ML", "severity": 3}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert!(received.lock().unwrap().is_empty());
}

/// The `homeward_forwarded_commands_total` count for `outcome`, from `/metrics`.
async fn forwarded_count(app: &TestApp, outcome: &str) -> u64 {
    let r = app
        .send(Request::get("/metrics").body(Body::empty()).unwrap())
        .await;
    let text = r.body.as_str().unwrap_or_default().to_owned();
    let line = format!("homeward_forwarded_commands_total{{outcome=\"{outcome}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&line))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}
