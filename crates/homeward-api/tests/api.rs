//! The HTTP API end to end through the router (`oneshot`): status codes a client can
//! act on, nothing written on a refusal, idempotency, need-to-know, time travel, the
//! live stream and the audit trail.
#![allow(missing_docs, clippy::unwrap_used)]

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use homeward_domain::Role;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use support::TestApp;
use tower::ServiceExt;

#[tokio::test]
async fn a_request_without_a_valid_token_is_401_and_writes_nothing() {
    let app = TestApp::new().await;
    let no_token = Request::post("/v1/incidents")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            r#"{"kind":"accident","title":"x","country":"PE","severity":2}"#,
        ))
        .unwrap();
    let r = app.send(no_token).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/problem+json");
    assert!(r.headers.contains_key(header::WWW_AUTHENTICATE));

    let valid = app.token("wei", Role::DutyOfficer);
    let mut tampered = valid.clone();
    tampered.pop();
    tampered.push(if valid.ends_with('A') { 'B' } else { 'A' });
    let r = app
        .post(
            "/v1/incidents",
            &tampered,
            json!({"kind":"accident","title":"x","country":"PE","severity":2}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let foreign = homeward_api::TokenKeys::from_secret(&[7; 32])
        .issue(
            "wei",
            Role::DutyOfficer,
            homeward_domain::Timestamp::now(),
            jiff::SignedDuration::from_hours(1),
        )
        .unwrap();
    let r = app
        .post(
            "/v1/incidents",
            &foreign,
            json!({"kind":"accident","title":"x","country":"PE","severity":2}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.events().await, 0);
}

#[tokio::test]
async fn a_role_that_may_not_is_403_and_the_refusal_is_audited() {
    let app = TestApp::new().await;
    let field = app.token("amira", Role::FieldOfficer);
    let r = app
        .post(
            "/v1/incidents",
            &field,
            json!({"kind":"accident","title":"Bus crash","country":"PE","severity":3}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    assert_eq!(r.body["code"], "forbidden");
    assert_eq!(app.events().await, 0);
    let auditor = app.token("audit", Role::Auditor);
    let audit = app.get("/v1/audit", &auditor).await;
    let entries = audit.body["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["kind"], "rejection");
    assert_eq!(entries[0]["code"], "forbidden");
    assert_eq!(entries[0]["actor"]["subject"], "amira");
}

#[tokio::test]
async fn malformed_bodies_get_a_clear_4xx_and_change_nothing() {
    let app = TestApp::new().await;
    let duty = app.token("wei", Role::DutyOfficer);
    let id = app.open_incident(&duty, "accident").await;
    let before = app.events().await;
    let uri = format!("/v1/incidents/{id}/reports");

    let raw = |body: &'static str, content_type: &'static str| {
        Request::post(uri.clone())
            .header(header::AUTHORIZATION, format!("Bearer {duty}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap()
    };
    let r = app
        .send(raw("{\"text\": \"unterminated", "application/json"))
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("malformed_json"))
    );
    let r = app
        .send(raw(
            r#"{"text":"x","category":"situation","mood":"grim"}"#,
            "application/json",
        ))
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_body"))
    );
    assert!(r.body["detail"].as_str().unwrap().contains("unknown field"));
    let r = app
        .send(raw(
            r#"{"text":"x","category":"gossip"}"#,
            "application/json",
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = app
        .send(raw(r#"{"text":"x","category":"situation"}"#, "text/plain"))
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let r = app
        .send(
            Request::post(uri.clone())
                .header(header::AUTHORIZATION, format!("Bearer {duty}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(deep))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let huge = json!({"text": "x".repeat(200_000), "category": "situation"}).to_string();
    let r = app
        .send(
            Request::post(uri.clone())
                .header(header::AUTHORIZATION, format!("Bearer {duty}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(huge))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.body["code"], "payload_too_large");
    let r = app
        .post(
            "/v1/incidents/not-a-uuid/reports",
            &duty,
            json!({"text":"x","category":"situation"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app.get("/v1/no/such/route", &duty).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/problem+json");
    assert_eq!(app.events().await, before);
}

/// Every rule of the brief, through HTTP: refused with 422 (404 for what does not
/// exist), a stable code, and not one event written.
#[tokio::test]
async fn every_rule_violation_is_refused_and_writes_nothing() {
    let app = TestApp::new().await;
    let duty = app.token("wei", Role::DutyOfficer);
    let kidnapping = app.open_incident(&duty, "kidnapping").await;
    let accident = app.open_incident(&duty, "accident").await;
    let closed = app.open_incident(&duty, "detention").await;
    let person = app.register_person(&duty, "Li Wei", "E12345678").await;
    let r = app
        .post(
            &format!("/v1/incidents/{kidnapping}/persons"),
            &duty,
            json!({"person_id": person, "status": "held"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = app
        .post(&format!("/v1/incidents/{kidnapping}/kidnapping/outcome"), &duty,
            json!({"outcome": "deceased", "person_ids": [person], "summary": "confirmed by the authorities"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let r = app
        .post(
            &format!("/v1/incidents/{closed}/close"),
            &duty,
            json!({"reason": "released on bail"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let before = app.events().await;

    let cases: Vec<(String, Value, StatusCode, &str)> = vec![
        (
            format!("/v1/incidents/{closed}/reports"),
            json!({"text":"late news","category":"situation"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "incident_closed",
        ),
        (
            format!("/v1/incidents/{closed}/tasks"),
            json!({"title":"visit"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "incident_closed",
        ),
        (
            format!("/v1/incidents/{closed}/status"),
            json!({"status":"active"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "terminal_status",
        ),
        (
            format!("/v1/incidents/{accident}/kidnapping/demands"),
            json!({"summary":"ransom"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_a_kidnapping",
        ),
        (
            format!("/v1/incidents/{accident}/kidnapping/captor-contacts"),
            json!({"channel":"phone","summary":"call"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_a_kidnapping",
        ),
        (
            "/v1/incidents".into(),
            json!({"kind":"kidnapping","title":"x","country":"ML","severity":3,"classification":"normal"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "kidnapping_must_be_restricted",
        ),
        (
            "/v1/incidents".into(),
            json!({"kind":"accident","title":"x","country":"XX","severity":3}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_country",
        ),
        (
            "/v1/incidents".into(),
            json!({"kind":"accident","title":"x","country":"PE","severity":9}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_severity",
        ),
        (
            "/v1/incidents".into(),
            json!({"kind":"accident","title":"  ","country":"PE","severity":2}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty_field",
        ),
        (
            "/v1/incidents".into(),
            json!({"kind":"accident","title":"x","country":"PE","severity":2,"lat":95.0,"lon":0.0}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_coordinates",
        ),
        (
            format!("/v1/incidents/{accident}/reports"),
            json!({"text":"x","category":"situation","occurred_at":"2999-01-01T00:00:00Z"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "occurred_in_future",
        ),
        (
            format!("/v1/incidents/{accident}/status"),
            json!({"status":"closed"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "reason_required",
        ),
        (
            format!("/v1/incidents/{accident}/reopen"),
            json!({"reason":"new facts"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_transition",
        ),
        (
            format!("/v1/incidents/{kidnapping}/persons/{person}/status"),
            json!({"status":"safe"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "terminal_status",
        ),
        (
            format!("/v1/incidents/{kidnapping}/corrections"),
            json!({"corrects_version": 99, "reason":"wrong", "fix": {"fix":"status","status":"active"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_version",
        ),
        (
            format!("/v1/incidents/{kidnapping}/corrections"),
            json!({"corrects_version": 3, "reason":" ", "fix": {"fix":"person_status","person_id": person, "status":"held"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "reason_required",
        ),
        (
            format!("/v1/incidents/{accident}/persons"),
            json!({"person_id": "01a21a14-fc76-7412-a60a-59e51e5e2600", "status":"missing"}),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            format!("/v1/incidents/{accident}/tasks/01a21a14-fc76-7412-a60a-59e51e5e2600/complete"),
            json!({}),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "/v1/persons".into(),
            json!({"full_name":"Chen Jie","date_of_birth":"2999-01-01","nationality":"CN"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_date_of_birth",
        ),
        (
            "/v1/persons".into(),
            json!({"full_name":"Chen Jie","date_of_birth":"1990-01-01","nationality":"CN","passport_number":"E1 2"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_passport_number",
        ),
        (
            format!("/v1/persons/{person}/merge"),
            json!({"into": person, "reason":"same"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "merge_into_self",
        ),
        (
            format!("/v1/persons/{person}/unmerge"),
            json!({"reason":"not merged"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_merged",
        ),
        (
            "/v1/calls".into(),
            json!({"caller_name":"Mother","summary":"asks for her son","person_id":"01a21a14-fc76-7412-a60a-59e51e5e2600"}),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (uri, body, status, code) in cases {
        let r = app.post(&uri, &duty, body.clone()).await;
        assert_eq!(r.status, status, "{uri} {body}: {:?}", r.body);
        assert_eq!(r.body["code"], code, "{uri} {body}");
        assert_eq!(r.headers[header::CONTENT_TYPE], "application/problem+json");
    }
    let r = app
        .call(
            "PUT",
            "/v1/countries/SD/risk",
            &duty,
            Some(json!({"level": 5, "reason": "war"})),
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_risk_level"))
    );
    assert_eq!(
        app.events().await,
        before,
        "a refused command wrote an event"
    );
    // Each refusal is in the audit trail.
    let auditor = app.token("audit", Role::Auditor);
    let audit = app.get("/v1/audit?limit=1000", &auditor).await;
    let rejections = audit.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "rejection")
        .count();
    assert!(rejections >= 20, "{rejections} rejections audited");
}

#[tokio::test]
async fn a_retried_report_with_the_same_key_is_filed_once() {
    let app = TestApp::new().await;
    let duty = app.token("wei", Role::DutyOfficer);
    let id = app.open_incident(&duty, "missing_person").await;
    let before = app.events().await;
    let request = || {
        Request::post(format!("/v1/incidents/{id}/reports"))
            .header(header::AUTHORIZATION, format!("Bearer {duty}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header("idempotency-key", "field-device-7:report-311")
            .body(Body::from(
                r#"{"text":"Sighted at the bus station","category":"contact"}"#,
            ))
            .unwrap()
    };
    let first = app.send(request()).await;
    let second = app.send(request()).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(second.status, StatusCode::CREATED);
    assert_eq!(first.body, second.body);
    assert_eq!(second.headers["idempotent-replayed"], "true");
    assert_eq!(app.events().await, before + 1);
    let reused = app
        .send(
            Request::post(format!("/v1/incidents/{id}/reports"))
                .header(header::AUTHORIZATION, format!("Bearer {duty}"))
                .header(header::CONTENT_TYPE, "application/json")
                .header("idempotency-key", "field-device-7:report-311")
                .body(Body::from(
                    r#"{"text":"Something else","category":"contact"}"#,
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(reused.status, StatusCode::CONFLICT);
    assert_eq!(reused.body["code"], "idempotency_key_reused");
    let file = app.get(&format!("/v1/incidents/{id}"), &duty).await;
    assert_eq!(file.body["reports"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_stale_if_match_is_a_409_conflict() {
    let app = TestApp::new().await;
    let duty = app.token("wei", Role::DutyOfficer);
    let id = app.open_incident(&duty, "accident").await;
    let severity = |version: &'static str, severity: u8| {
        Request::post(format!("/v1/incidents/{id}/severity"))
            .header(header::AUTHORIZATION, format!("Bearer {duty}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::IF_MATCH, version)
            .body(Body::from(json!({"severity": severity}).to_string()))
            .unwrap()
    };
    let ok = app.send(severity("\"1\"", 5)).await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    assert_eq!(ok.headers[header::ETAG], "\"2\"");
    let stale = app.send(severity("\"1\"", 2)).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.body["code"], "version_conflict");
    let file = app.get(&format!("/v1/incidents/{id}"), &duty).await;
    assert_eq!(file.body["severity"], 5);
    assert_eq!(file.body["version"], 2);
}

#[tokio::test]
async fn restricted_incidents_are_need_to_know() {
    let app = TestApp::new().await;
    let duty = app.token("wei", Role::DutyOfficer);
    let field = app.token("amira", Role::FieldOfficer);
    let id = app.open_incident(&duty, "kidnapping").await;
    let uri = format!("/v1/incidents/{id}");
    assert_eq!(app.get(&uri, &field).await.status, StatusCode::NOT_FOUND);
    let list = app.get("/v1/incidents", &field).await;
    assert_eq!(list.body["incidents"].as_array().unwrap().len(), 0);
    let r = app
        .post(
            &format!("{uri}/reports"),
            &field,
            json!({"text":"x","category":"situation"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // On the team, the field officer sees it and may report.
    let r = app
        .post(&format!("{uri}/team"), &duty, json!({"subject": "amira"}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(app.get(&uri, &field).await.status, StatusCode::OK);
    let r = app
        .post(
            &format!("{uri}/reports"),
            &field,
            json!({"text":"Contact established","category":"contact"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    // The wall display sees that it exists, redacted.
    let wall = app.token("wall", Role::WallDisplay);
    let board = app.get("/v1/board", &wall).await;
    let item = &board.body["incidents"][0];
    assert_eq!(item["redacted"], true);
    assert_eq!(item["title"], "Restricted case");
    assert!(board.body["feed"].as_array().unwrap().is_empty());
    assert_eq!(app.get(&uri, &wall).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_incident_and_the_board_travel_back_in_time() {
    let app = TestApp::new().await;
    let duty = app.token("wei", Role::DutyOfficer);
    let id = app.open_incident(&duty, "civil_unrest").await;
    let first = app.get(&format!("/v1/incidents/{id}"), &duty).await;
    let then: String = first.body["last_activity"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &format!("/v1/incidents/{id}/reports"),
            &duty,
            json!({"text":"Curfew from 18:00","category":"security"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let later = app.open_incident(&duty, "accident").await;

    let past = app
        .get(&format!("/v1/incidents/{id}?as_of={then}"), &duty)
        .await;
    assert_eq!(past.status, StatusCode::OK);
    assert_eq!(past.body["version"], 1);
    assert_eq!(past.body["reports"].as_array().unwrap().len(), 0);
    let now = app.get(&format!("/v1/incidents/{id}"), &duty).await;
    assert_eq!(now.body["reports"].as_array().unwrap().len(), 1);

    let board_then = app.get(&format!("/v1/board?as_of={then}"), &duty).await;
    let ids: Vec<&str> = board_then.body["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![id.as_str()]);
    let board_now = app.get("/v1/board", &duty).await;
    assert_eq!(board_now.body["incidents"].as_array().unwrap().len(), 2);
    assert!(
        board_now.body["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == later.as_str())
    );
    let bad = app
        .get(&format!("/v1/incidents/{id}?as_of=yesterday"), &duty)
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_board_stream_sends_a_snapshot_then_each_change() {
    let app = TestApp::new().await;
    let duty = app.token("wei", Role::DutyOfficer);
    let id = app.open_incident(&duty, "terror_attack").await;
    let response = app
        .router
        .clone()
        .oneshot(
            Request::get("/v1/board/stream")
                .header(header::AUTHORIZATION, format!("Bearer {duty}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut body = response.into_body();
    let mut text = String::new();
    async fn more(body: &mut Body, text: &mut String) {
        let frame = tokio::time::timeout(std::time::Duration::from_secs(10), body.frame())
            .await
            .expect("a frame in time")
            .expect("stream open")
            .expect("frame");
        if let Ok(data) = frame.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
    }
    while !text.contains("event: snapshot") {
        more(&mut body, &mut text).await;
    }
    assert!(text.contains(&id));
    let r = app
        .post(
            &format!("/v1/incidents/{id}/reports"),
            &duty,
            json!({"text":"Second blast at the market","category":"security"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    while !text.contains("Second blast at the market") {
        more(&mut body, &mut text).await;
    }
    assert!(text.contains("event: change"));
    assert!(text.contains("incident.report_filed"));
}

#[tokio::test]
async fn the_audit_trail_chains_every_entry_of_an_incident() {
    let app = TestApp::new().await;
    let duty = app.token("wei", Role::DutyOfficer);
    let id = app.open_incident(&duty, "medical").await;
    app.post(
        &format!("/v1/incidents/{id}/reports"),
        &duty,
        json!({"text":"Stable","category":"medical"}),
    )
    .await;
    app.post(
        &format!("/v1/incidents/{id}/severity"),
        &duty,
        json!({"severity": 9}),
    )
    .await;
    let audit = app.get(&format!("/v1/audit?incident={id}"), &duty).await;
    let entries = audit.body["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["event_type"], "incident.opened");
    assert_eq!(entries[2]["kind"], "rejection");
    assert_eq!(entries[2]["code"], "invalid_severity");
    for pair in entries.windows(2) {
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
    }
    let verify = app.get("/v1/audit/verify", &duty).await;
    assert_eq!(verify.body["intact"], true);
    assert_eq!(verify.body["entries"], 3);
    let field = app.token("amira", Role::FieldOfficer);
    assert_eq!(
        app.get("/v1/audit", &field).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_locator_finds_people_and_masks_personal_data_by_role() {
    let app = TestApp::new().await;
    let duty = app.token("wei", Role::DutyOfficer);
    let first = app.register_person(&duty, "Zhang Min", "E55501234").await;
    let dup = app
        .post(
            "/v1/persons",
            &duty,
            json!({"full_name":"Min Zhang","date_of_birth":"1984-07-02","nationality":"CN"}),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CREATED);
    assert_eq!(dup.body["warnings"][0]["code"], "suspected_duplicate");
    assert_eq!(dup.body["warnings"][0]["person_ids"][0], first.as_str());

    let hotline = app.token("lin", Role::HotlineOperator);
    let by_name = app.get("/v1/persons?q=zhang%20mi", &hotline).await;
    assert_eq!(by_name.body["persons"].as_array().unwrap().len(), 2);
    let by_passport = app.get("/v1/persons?q=e55501234", &hotline).await;
    let found = &by_passport.body["persons"][0];
    assert_eq!(found["id"], first.as_str());
    assert_eq!(found["passport_number"], "E55501234");

    let field = app.token("amira", Role::FieldOfficer);
    let masked = app.get(&format!("/v1/persons/{first}"), &field).await;
    assert_eq!(masked.body["passport_number"], "••••••234");
    assert!(masked.body.get("date_of_birth").is_none());
    assert_eq!(masked.body["personal_data_masked"], true);

    let call = app
        .post("/v1/calls", &hotline, json!({"caller_name":"Zhang Wei (brother)","caller_relation":"brother",
            "from_country":"CN","category":"whereabouts_inquiry","summary":"Has not heard from him since Tuesday",
            "person_id": first}))
        .await;
    assert_eq!(call.status, StatusCode::CREATED, "{:?}", call.body);
    let person = app.get(&format!("/v1/persons/{first}"), &hotline).await;
    assert_eq!(person.body["calls"][0], call.body["id"]);
    let short = app.get("/v1/persons?q=z", &hotline).await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = TestApp::new().await;
    let response = app
        .router
        .clone()
        .oneshot(Request::get("/openapi.json").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/v1/incidents",
        "/v1/incidents/{id}",
        "/v1/incidents/{id}/reports",
        "/v1/calls",
        "/v1/persons",
        "/v1/countries/{code}/risk",
        "/v1/board",
        "/v1/board/stream",
        "/v1/audit",
        "/healthz",
        "/metrics",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    // Query parameters are documented as such, path parameters as required path parts.
    for (path, method) in [
        ("/v1/board", "get"),
        ("/v1/incidents/{id}", "get"),
        ("/v1/persons", "get"),
        ("/v1/audit", "get"),
    ] {
        for param in doc["paths"][path][method]["parameters"].as_array().unwrap() {
            let name = param["name"].as_str().unwrap();
            let expected = if path.contains(&format!("{{{name}}}")) {
                "path"
            } else {
                "query"
            };
            assert_eq!(param["in"], expected, "{path} {name}");
        }
    }
}

#[tokio::test]
async fn health_and_metrics_answer_without_a_token() {
    let app = TestApp::new().await;
    let duty = app.token("wei", Role::DutyOfficer);
    app.open_incident(&duty, "accident").await;
    let health = app
        .send(Request::get("/healthz").body(Body::empty()).unwrap())
        .await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.body["log_position"], 1);
    let metrics = app
        .send(Request::get("/metrics").body(Body::empty()).unwrap())
        .await;
    let text = metrics.body.as_str().unwrap();
    assert!(text.contains("homeward_http_requests_total"));
    assert!(text.contains("route=\"/v1/incidents\""));
    assert!(!text.contains("Gao"), "no names or ids in metric labels");
}
