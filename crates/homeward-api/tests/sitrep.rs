//! Situation reports through HTTP: the figures, changes, decisions and tasks of a
//! window; the same bytes for the same `as_of` however much happens later; Markdown
//! and HTML; restricted cases redacted for readers who may not see them; and every
//! bad window refused.
#![allow(missing_docs, clippy::unwrap_used)]

mod support;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use homeward_domain::deadline::DeadlinePolicy;
use homeward_domain::{Role, Timestamp};
use homeward_service::ManualClock;
use http_body_util::BodyExt;
use jiff::SignedDuration;
use serde_json::{Value, json};
use support::TestApp;
use tower::ServiceExt;

const SECRET: &str = "Hostage case Heron";

fn start() -> Timestamp {
    // Now, to the second: tokens are checked against the real clock.
    Timestamp::from_second(Timestamp::now().as_second()).expect("valid time")
}

fn at(t0: Timestamp, mins: i64) -> Timestamp {
    t0.checked_add(SignedDuration::from_mins(mins)).unwrap()
}

async fn raw(app: &TestApp, uri: &str, token: &str, accept: &str) -> (StatusCode, String, Vec<u8>) {
    let response = app
        .router
        .clone()
        .oneshot(
            Request::builder()
                .uri(uri)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::ACCEPT, accept)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, content_type, bytes.to_vec())
}

struct World {
    app: TestApp,
    clock: Arc<ManualClock>,
    t0: Timestamp,
    duty: String,
    unrest: String,
    kidnapping: String,
}

async fn world() -> World {
    let t0 = start();
    let clock = Arc::new(ManualClock::new(t0));
    // A report is about what was recorded when: on the embedded log, whose recorded
    // times follow the test's clock, even when the suite runs on Kafka (whose writer
    // stamps times with its own clock; the report is built from the read models alone).
    let app = TestApp::embedded_with_clock(Arc::clone(&clock), DeadlinePolicy::default()).await;
    let duty = app.token("duty", Role::DutyOfficer);
    let r = app
        .post(
            "/v1/incidents",
            &duty,
            json!({"kind":"civil_unrest","title":"Unrest in Bamako","country":"ML","severity":3}),
        )
        .await;
    let unrest = r.body["id"].as_str().unwrap().to_owned();
    let person = app.register_person(&duty, "Chen Jie", "E12345678").await;
    let r = app
        .post(
            &format!("/v1/incidents/{unrest}/persons"),
            &duty,
            json!({"person_id": person, "status": "unaccounted"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let r = app
        .post(
            &format!("/v1/incidents/{unrest}/tasks"),
            &duty,
            json!({"title":"Call the hotel","due_at": at(t0, 30)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let r = app
        .call(
            "PUT",
            "/v1/countries/ML/risk",
            &duty,
            Some(json!({"level": 2, "reason": "Protests"})),
        )
        .await;
    assert!(r.status.is_success(), "{:?}", r.body);
    let r = app
        .post(
            "/v1/incidents",
            &duty,
            json!({"kind":"kidnapping","title": SECRET,"country":"ML","severity":5}),
        )
        .await;
    let kidnapping = r.body["id"].as_str().unwrap().to_owned();
    clock.advance(SignedDuration::from_mins(60));
    let r = app
        .post(
            &format!("/v1/incidents/{unrest}/reports"),
            &duty,
            json!({"text":"Crowds near the embassy","category":"security"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let r = app
        .post(
            &format!("/v1/incidents/{unrest}/decisions"),
            &duty,
            json!({"decision":"Close the consular section","rationale":"Crowds near the embassy"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let r = app
        .post(
            &format!("/v1/incidents/{kidnapping}/decisions"),
            &duty,
            json!({"decision":"Engage an intermediary","rationale":"Ransom drop at Heron bridge"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    // Homeward's own reactions at this moment (missed deadlines) are written before the
    // clock moves on, so that nothing more is ever recorded at or before it.
    app.state.service.wait_for_reactions().await;
    clock.advance(SignedDuration::from_mins(60));
    World {
        app,
        clock,
        t0,
        duty,
        unrest,
        kidnapping,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_gives_the_figures_and_changes_and_the_same_bytes_every_time() {
    let w = world().await;
    let uri = format!("/v1/sitrep?as_of={}&since={}", at(w.t0, 90), at(w.t0, 30));
    let r = w.app.get(&uri, &w.duty).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let b = &r.body;
    assert_eq!(b["figures"]["incidents_open"], 2);
    assert_eq!(b["figures"]["citizens_affected"], 1);
    assert_eq!(b["figures"]["unaccounted"], 1);
    assert_eq!(b["figures"]["overdue_tasks"], 1);
    assert_eq!(b["persons_by_status"], json!({"unaccounted": 1}));
    assert_eq!(b["changes"]["reports_filed"], 1);
    assert_eq!(b["changes"]["decisions_recorded"], 2);
    assert_eq!(b["changes"]["incidents_opened"], 0);
    let incidents = b["incidents"].as_array().unwrap();
    // The kidnapping (severity 5) first; a cleared reader sees it in full.
    assert_eq!(incidents[0]["id"], w.kidnapping.as_str());
    assert_eq!(incidents[0]["title"], SECRET);
    let unrest = &incidents[1];
    assert_eq!(unrest["id"], w.unrest.as_str());
    assert_eq!(unrest["open_tasks"][0]["title"], "Call the hotel");
    assert_eq!(unrest["open_tasks"][0]["overdue"], true);
    assert_eq!(
        unrest["decisions"][0]["decision"],
        "Close the consular section"
    );
    assert_eq!(unrest["changes"]["reports_filed"], 1);
    // No risk change in the window; without `since`, every level set.
    assert_eq!(b["risk_changes"], json!([]));
    let all = w
        .app
        .get(&format!("/v1/sitrep?as_of={}", at(w.t0, 90)), &w.duty)
        .await;
    assert_eq!(all.body["risk_changes"][0]["country"], "ML");
    assert_eq!(all.body["risk_changes"][0]["to"], 2);
    assert!(all.body.get("changes").is_none());

    let (_, json_type, first_json) = raw(&w.app, &uri, &w.duty, "application/json").await;
    assert!(json_type.starts_with("application/json"), "{json_type}");
    let (status, md_type, first_md) = raw(&w.app, &uri, &w.duty, "text/markdown").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(md_type, "text/markdown; charset=utf-8");
    let md = String::from_utf8(first_md.clone()).unwrap();
    assert!(md.starts_with("# Situation report as of "), "{md}");
    assert!(md.contains("- Citizens affected: 1"), "{md}");
    assert!(md.contains("Close the consular section"), "{md}");
    let page = format!("/sitrep?as_of={}&since={}", at(w.t0, 90), at(w.t0, 30));
    let (status, html_type, first_html) = raw(&w.app, &page, &w.duty, "text/html").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(html_type, "text/html; charset=utf-8");
    let html = String::from_utf8(first_html.clone()).unwrap();
    assert!(html.contains("<h1>Situation report as of "), "{html}");

    // Much happens afterwards; the report as of that moment does not change by a byte.
    for n in 0..3 {
        let r = w
            .app
            .post(
                &format!("/v1/incidents/{}/reports", w.unrest),
                &w.duty,
                json!({"text": format!("Later report {n}"), "category":"situation"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    w.clock.advance(SignedDuration::from_mins(60));
    assert_eq!(
        raw(&w.app, &uri, &w.duty, "application/json").await.2,
        first_json
    );
    assert_eq!(
        raw(&w.app, &uri, &w.duty, "text/markdown").await.2,
        first_md
    );
    assert_eq!(raw(&w.app, &page, &w.duty, "text/html").await.2, first_html);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restricted_cases_are_redacted_for_readers_who_may_not_see_them() {
    let w = world().await;
    let field = w.app.token("amira", Role::FieldOfficer);
    let uri = format!("/v1/sitrep?as_of={}", at(w.t0, 90));
    for accept in ["application/json", "text/markdown"] {
        let (status, _, bytes) = raw(&w.app, &uri, &field, accept).await;
        assert_eq!(status, StatusCode::OK);
        let text = String::from_utf8(bytes).unwrap();
        for secret in [
            SECRET,
            "Heron",
            w.kidnapping.as_str(),
            "Engage an intermediary",
        ] {
            assert!(
                !text.contains(secret),
                "{secret} reached the field officer: {text}"
            );
        }
    }
    let r = w.app.get(&uri, &field).await;
    let redacted: Vec<&Value> = r.body["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["redacted"] == true)
        .collect();
    assert_eq!(redacted.len(), 1);
    assert_eq!(redacted[0]["title"], "Restricted case");
    assert_eq!(redacted[0]["kind"], "kidnapping");
    assert_eq!(redacted[0]["decisions"], json!([]));
    // Asking for the case by id answers as for an incident that does not exist.
    let r = w
        .app
        .get(&format!("{uri}&incident={}", w.kidnapping), &field)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let wall = w.app.token("wall", Role::WallDisplay);
    assert_eq!(w.app.get(&uri, &wall).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_windows_are_refused_with_a_clear_error() {
    let w = world().await;
    let events = officers_events(&w.app).await;
    let cases = [
        (
            format!("/v1/sitrep?as_of={}", at(w.t0, -24 * 60)),
            StatusCode::BAD_REQUEST,
            "as_of_before_log",
        ),
        (
            format!("/v1/sitrep?as_of={}", at(w.t0, 24 * 60)),
            StatusCode::BAD_REQUEST,
            "as_of_in_future",
        ),
        (
            format!("/v1/sitrep?as_of={}&since={}", at(w.t0, 30), at(w.t0, 60)),
            StatusCode::BAD_REQUEST,
            "since_after_as_of",
        ),
        (
            format!(
                "/v1/sitrep?as_of={}&incident=0190a0a0-0000-7000-8000-000000000000",
                at(w.t0, 30)
            ),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            format!("/sitrep?as_of={}", at(w.t0, 24 * 60)),
            StatusCode::BAD_REQUEST,
            "as_of_in_future",
        ),
        (
            "/v1/sitrep".to_owned(),
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            "/v1/sitrep?as_of=yesterday".to_owned(),
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            format!("/v1/sitrep?as_of={}&country=XX", at(w.t0, 30)),
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
    ];
    for (uri, status, code) in cases {
        let r = w.app.get(&uri, &w.duty).await;
        assert_eq!(r.status, status, "{uri}: {:?}", r.body);
        assert_eq!(
            r.body["type"],
            format!("urn:homeward:problem:{code}"),
            "{uri}"
        );
    }
    assert_eq!(officers_events(&w.app).await, events);
}

/// Events written by officers (Homeward's own reactions to the moving clock, such as
/// missed deadlines, may land at any moment).
async fn officers_events(app: &TestApp) -> usize {
    app.state
        .service
        .log()
        .read_after(0, 1_000_000)
        .await
        .unwrap()
        .iter()
        .filter(
            |e| matches!(e, homeward_store::LogEntry::Event(e) if e.actor.subject != "homeward"),
        )
        .count()
}
