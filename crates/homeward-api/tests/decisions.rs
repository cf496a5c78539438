//! Decisions through HTTP: recorded with what their author was looking at, listed
//! beside the incident as it stood then and the reports filed since, in the timeline
//! and the audit trail, need-to-know on restricted cases, and bad input refused with
//! nothing written.
#![allow(missing_docs, clippy::unwrap_used)]

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use homeward_domain::Role;
use serde_json::{Value, json};
use support::TestApp;

async fn report(app: &TestApp, token: &str, id: &str, text: &str) -> Value {
    let r = app
        .post(
            &format!("/v1/incidents/{id}/reports"),
            token,
            json!({"text": text, "category": "situation"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    r.body
}

async fn decide_with_if_match(
    app: &TestApp,
    token: &str,
    id: &str,
    if_match: Option<&str>,
    body: Value,
) -> support::Reply {
    let mut builder = Request::builder()
        .method("POST")
        .uri(format!("/v1/incidents/{id}/decisions"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(v) = if_match {
        builder = builder.header(header::IF_MATCH, v);
    }
    app.send(
        builder
            .body(Body::from(serde_json::to_vec(&body).unwrap()))
            .unwrap(),
    )
    .await
}

fn bus_decision() -> Value {
    json!({"decision": "Charter a second bus", "rationale": "The first one broke down",
        "options_considered": ["Wait for the repair", "Ask the partner embassy"]})
}

#[tokio::test]
async fn a_decision_is_listed_beside_what_was_known_and_what_came_since() {
    let app = TestApp::new().await;
    let duty = app.token("duty", Role::DutyOfficer);
    let id = app.open_incident(&duty, "civil_unrest").await;
    report(&app, &duty, &id, "Roads north closed").await;
    // The officer read the incident at version 2 (opened, one report) ...
    let seen = app.get(&format!("/v1/incidents/{id}"), &duty).await;
    assert_eq!(seen.body["version"], 2);
    // ... then two more reports came in before the decision was recorded.
    report(&app, &duty, &id, "Bus broke down at the border").await;
    report(&app, &duty, &id, "Crowd at the assembly point").await;
    let r = decide_with_if_match(&app, &duty, &id, Some("\"2\""), bus_decision()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["known_version"], 2);
    let decision_id = r.body["id"].as_str().unwrap().to_owned();
    // A decision without If-Match is pinned to the server's head.
    let head = decide_with_if_match(
        &app,
        &duty,
        &id,
        None,
        json!({"decision": "Hold the convoy", "rationale": "Crowd"}),
    )
    .await;
    assert_eq!(head.status, StatusCode::CREATED, "{:?}", head.body);
    assert_eq!(head.body["known_version"], 5);

    let list = app
        .get(&format!("/v1/incidents/{id}/decisions"), &duty)
        .await;
    assert_eq!(list.status, StatusCode::OK, "{:?}", list.body);
    let decisions = list.body["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 2);
    let first = &decisions[0];
    assert_eq!(first["id"], decision_id.as_str());
    assert_eq!(first["decision"], "Charter a second bus");
    assert_eq!(first["rationale"], "The first one broke down");
    assert_eq!(first["decided_by"], "duty");
    assert!(first["recorded_at"].is_string());
    assert_eq!(
        first["options_considered"],
        json!(["Wait for the repair", "Ask the partner embassy"])
    );
    // `known` is the incident as it stood at that version: the same view as ?as_of.
    assert_eq!(first["known"]["version"], 2);
    assert_eq!(first["known"]["reports"].as_array().unwrap().len(), 1);
    let learned: Vec<&str> = first["learned_since"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        learned,
        [
            "Bus broke down at the border",
            "Crowd at the assembly point"
        ]
    );
    let as_of = app
        .get(
            &format!(
                "/v1/incidents/{id}?as_of={}",
                first["known"]["last_activity"].as_str().unwrap()
            ),
            &duty,
        )
        .await;
    assert_eq!(as_of.body, first["known"]);
    let second = &decisions[1];
    assert_eq!(second["known"]["version"], 5);
    assert_eq!(second["learned_since"], json!([]));
    assert!(second["known_position"].as_u64().unwrap() > first["known_position"].as_u64().unwrap());

    // The incident file, the audit trail and the timeline show them.
    let file = app.get(&format!("/v1/incidents/{id}"), &duty).await;
    assert_eq!(file.body["decisions"].as_array().unwrap().len(), 2);
    let audit = app.get(&format!("/v1/audit?incident={id}"), &duty).await;
    let types: Vec<&str> = audit.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["event_type"].as_str())
        .collect();
    assert_eq!(
        types
            .iter()
            .filter(|t| **t == "incident.decision_recorded")
            .count(),
        2
    );
    let timeline = app.get("/v1/timeline", &duty).await;
    let marks = timeline.body["decisions"].as_array().unwrap();
    assert_eq!(marks.len(), 2);
    assert_eq!(marks[0]["decision"], "Charter a second bus");
    assert_eq!(marks[0]["incident_id"], id.as_str());
}

#[tokio::test]
async fn restricted_decisions_are_need_to_know() {
    let app = TestApp::new().await;
    let duty = app.token("duty", Role::DutyOfficer);
    let case = app.token("li", Role::CaseTeam);
    let field = app.token("amira", Role::FieldOfficer);
    let wall = app.token("wall", Role::WallDisplay);
    let id = app.open_incident(&duty, "kidnapping").await;
    let r = decide_with_if_match(
        &app,
        &case,
        &id,
        None,
        json!({"decision": "Engage an intermediary", "rationale": "Captors called"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let events = app.events().await;
    // A field officer not on the team learns nothing, not even that it exists.
    let list = app
        .get(&format!("/v1/incidents/{id}/decisions"), &field)
        .await;
    assert_eq!(list.status, StatusCode::NOT_FOUND);
    let post = decide_with_if_match(&app, &field, &id, None, bus_decision()).await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
    let timeline = app.get("/v1/timeline", &field).await;
    assert_eq!(timeline.body["decisions"], json!([]));
    // The wall sees that a restricted case decided something, never what or who.
    let timeline = app.get("/v1/timeline", &wall).await;
    let marks = timeline.body["decisions"].as_array().unwrap();
    assert_eq!(marks.len(), 1);
    assert_eq!(marks[0]["redacted"], true);
    assert!(marks[0].get("decision").is_none());
    assert!(marks[0].get("decided_by").is_none());
    assert_eq!(app.events().await, events);
}

#[tokio::test]
async fn bad_decisions_are_refused_and_change_nothing() {
    let app = TestApp::new().await;
    let duty = app.token("duty", Role::DutyOfficer);
    let hotline = app.token("hana", Role::HotlineOperator);
    let id = app.open_incident(&duty, "accident").await;
    let events = app.events().await;
    let cases: Vec<(Option<&str>, Value, StatusCode, &str)> = vec![
        (
            None,
            json!({"decision": "", "rationale": "why"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty_field",
        ),
        (
            None,
            json!({"decision": "go"}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            None,
            json!({"decision": "go", "rationale": "why", "urgency": "high"}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            None,
            json!({"decision": "go", "rationale": "why", "options_considered": "wait"}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            None,
            json!({"decision": "go", "rationale": "why", "options_considered": ["wait", "wait"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "already_exists",
        ),
        (
            None,
            json!({"decision": "go", "rationale": "why",
                "options_considered": (0..21).map(|n| format!("o{n}")).collect::<Vec<_>>()}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many",
        ),
        (
            Some("\"9\""),
            json!({"decision": "go", "rationale": "why"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_version",
        ),
        (
            Some("soon"),
            json!({"decision": "go", "rationale": "why"}),
            StatusCode::BAD_REQUEST,
            "invalid_if_match",
        ),
    ];
    for (if_match, body, status, code) in cases {
        let r = decide_with_if_match(&app, &duty, &id, if_match, body.clone()).await;
        assert_eq!(r.status, status, "{body}: {:?}", r.body);
        if !code.is_empty() {
            assert_eq!(
                r.body["type"],
                format!("urn:homeward:problem:{code}"),
                "{body}"
            );
        }
    }
    let unknown = decide_with_if_match(
        &app,
        &duty,
        "0190a0a0-0000-7000-8000-000000000000",
        None,
        bus_decision(),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let unknown = app
        .get(
            "/v1/incidents/0190a0a0-0000-7000-8000-000000000000/decisions",
            &duty,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let r = decide_with_if_match(&app, &hotline, &id, None, bus_decision()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.events().await, events);
    // Closed: no more decisions.
    let closed = app
        .post(
            &format!("/v1/incidents/{id}/close"),
            &duty,
            json!({"reason": "done"}),
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK);
    let r = decide_with_if_match(&app, &duty, &id, None, bus_decision()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["type"], "urn:homeward:problem:incident_closed");
}
