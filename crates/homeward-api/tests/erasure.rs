//! Erasure of a person's personal data (crypto-shredding): before it, no byte of the
//! data directory holds a planted name, passport number, phone or birth date (nor a
//! hotline caller's name and phone) in clear; only admins erase; the erasure is an
//! audited event; afterwards the name, passport number, phone and date of birth read
//! as erased in every view (person, search, the locator's indexes, manifests as JSON and
//! CSV, the audit trail, the board, the live stream, time travel, a rebuild from the
//! log), the chain still verifies, and on the embedded log no byte of the data directory
//! holds the person's key or data.
#![allow(missing_docs, clippy::unwrap_used)]

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use homeward_domain::Role;
use http_body_util::BodyExt;
use serde_json::json;
use support::TestApp;
use tower::ServiceExt;

const PASSPORT: &str = "ZQX81726354";
const PHONE: &str = "+86 139 7531 8642";
const BIRTH: &str = "1979-11-23";
const NAME: &str = "Qingxuan Zhoucanary";
const CALLER: &str = "Meilin Callercanary";
const CALLER_PHONE: &str = "+86 135 2468 9753";

fn on_kafka() -> bool {
    std::env::var("HOMEWARD_TEST_KAFKA").is_ok_and(|b| !b.is_empty())
}

/// Every file under `dir` that contains `needle`.
fn files_containing(dir: &std::path::Path, needle: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path)
                && bytes.windows(needle.len()).any(|w| w == needle)
            {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

async fn csv(app: &TestApp, uri: &str, token: &str) -> String {
    let response = app
        .router
        .clone()
        .oneshot(
            Request::get(uri)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::ACCEPT, "text/csv")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test]
async fn an_erased_person_reads_as_erased_everywhere_and_the_chain_still_verifies() {
    // Sealing and erasure are those of the embedded log; on Kafka the events topic
    // keeps personal data in clear (SECURITY.md, "What is not protected").
    let app = TestApp::embedded().await;
    let duty = app.token("wei", Role::DutyOfficer);
    let admin = app.token("root", Role::Admin);
    let auditor = app.token("audit", Role::Auditor);
    let r = app
        .post(
            "/v1/persons",
            &duty,
            json!({"full_name": NAME, "date_of_birth": BIRTH, "nationality": "CN",
                "passport_number": PASSPORT, "phone": PHONE}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let call = app
        .post(
            "/v1/calls",
            &duty,
            json!({"caller_name": CALLER, "caller_phone": CALLER_PHONE, "caller_relation": "sister",
                "summary": "No news since Tuesday", "person_id": id}),
        )
        .await;
    assert_eq!(call.status, StatusCode::CREATED, "{:?}", call.body);
    let incident = app
        .post(
            "/v1/incidents",
            &duty,
            json!({"kind":"natural_disaster","title":"Floods in Sindh","country":"PK","severity":3}),
        )
        .await;
    let incident = incident.body["id"].as_str().unwrap().to_owned();
    let added = app
        .post(
            &format!("/v1/incidents/{incident}/persons"),
            &duty,
            json!({"person_id": id, "status": "missing"}),
        )
        .await;
    assert!(added.status.is_success(), "{:?}", added.body);
    let evac = app
        .post(
            "/v1/evacuations",
            &duty,
            json!({"country":"SD","reason":"Fighting"}),
        )
        .await;
    let evac = evac.body["id"].as_str().unwrap().to_owned();
    let transport = app
        .post(
            &format!("/v1/evacuations/{evac}/transports"),
            &duty,
            json!({"mode":"flight","number":"HW7","from":"Port Sudan","to":"Jeddah",
                "departs_at":"2099-01-01T10:00:00Z","capacity":10}),
        )
        .await;
    let transport = transport.body["id"].as_str().unwrap().to_owned();
    for (uri, body) in [
        (
            format!("/v1/evacuations/{evac}/evacuees"),
            json!({"person_id": id, "priority":"standard"}),
        ),
        (
            format!("/v1/evacuations/{evac}/evacuees/{id}/check-in"),
            json!({}),
        ),
        (
            format!("/v1/evacuations/{evac}/evacuees/{id}/assign"),
            json!({"transport_id": transport}),
        ),
    ] {
        let r = app.post(&uri, &duty, body).await;
        assert!(r.status.is_success(), "{uri}: {:?}", r.body);
    }
    let before = jiff::Timestamp::now();
    let person = app.get(&format!("/v1/persons/{id}"), &duty).await;
    assert_eq!(person.body["passport_number"], PASSPORT);
    assert_eq!(person.body["full_name"], NAME);
    let found = app.get("/v1/persons?q=zhoucanary", &duty).await;
    assert_eq!(found.body["persons"].as_array().unwrap().len(), 1);
    let logged = app
        .get(
            &format!("/v1/calls/{}", call.body["id"].as_str().unwrap()),
            &duty,
        )
        .await;
    assert_eq!(logged.body["caller_name"], CALLER);
    if !on_kafka() {
        // Sealed before it is written: nothing planted is in clear anywhere at rest.
        let dir = app._dir.path();
        for secret in [
            PASSPORT,
            PHONE,
            BIRTH,
            NAME,
            "Zhoucanary",
            CALLER,
            CALLER_PHONE,
        ] {
            let found = files_containing(dir, secret.as_bytes());
            assert!(found.is_empty(), "{secret} in clear in {found:?}");
        }
    }
    let manifest_uri = format!("/v1/evacuations/{evac}/transports/{transport}/manifest");
    assert!(csv(&app, &manifest_uri, &duty).await.contains(PASSPORT));

    // The person's key, as stored (embedded log only).
    let key: Option<Vec<u8>> = (!on_kafka()).then(|| {
        let db = rusqlite::Connection::open_with_flags(
            app._dir.path().join("homeward.db"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        db.query_row(
            "SELECT key FROM person_keys WHERE stream_id = ?1",
            [format!("person-{id}")],
            |r| r.get(0),
        )
        .unwrap()
    });
    // Stored wrapped by the key-encryption key (nonce, key, tag), never in clear.
    if let Some(key) = &key {
        assert_eq!(key.len(), homeward_store::keystore::WRAPPED_LEN);
    }

    // The live stream, opened before the erasure.
    let stream = app
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
    assert_eq!(stream.status(), StatusCode::OK);
    let mut stream = stream.into_body();

    // Only admins erase; a refusal changes nothing.
    let refused = app
        .post(
            &format!("/v1/persons/{id}/erase"),
            &duty,
            json!({"reason": "asked to be forgotten"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let events = app.events().await;
    let erased = app
        .post(
            &format!("/v1/persons/{id}/erase"),
            &admin,
            json!({"reason": "asked to be forgotten"}),
        )
        .await;
    assert_eq!(erased.status, StatusCode::OK, "{:?}", erased.body);
    assert_eq!(app.events().await, events + 1);
    let again = app
        .post(
            &format!("/v1/persons/{id}/erase"),
            &admin,
            json!({"reason": "twice"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    let readd = app
        .post(
            &format!("/v1/persons/{id}/corrections"),
            &duty,
            json!({"corrects_version": 1, "reason": "found it", "passport_number": PASSPORT}),
        )
        .await;
    assert_eq!(readd.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(readd.body["code"], "person_erased");

    // Every view, for the most privileged readers.
    let mut seen = Vec::new();
    for token in [&duty, &auditor] {
        let person = app.get(&format!("/v1/persons/{id}"), token).await;
        assert_eq!(person.status, StatusCode::OK);
        assert_eq!(person.body["personal_data_erased"], true);
        assert_eq!(person.body["full_name"], "");
        seen.push(person.body.to_string());
        let search = app.get(&format!("/v1/persons?q={PASSPORT}"), token).await;
        assert_eq!(search.body["persons"].as_array().unwrap().len(), 0);
        let search = app.get("/v1/persons?q=zhoucanary", token).await;
        assert_eq!(search.body["persons"].as_array().unwrap().len(), 0);
        seen.push(
            app.get("/v1/persons?q=qingxuan", token)
                .await
                .body
                .to_string(),
        );
        seen.push(app.get("/v1/board", token).await.body.to_string());
        seen.push(
            app.get(&format!("/v1/incidents/{incident}"), token)
                .await
                .body
                .to_string(),
        );
        seen.push(app.get(&manifest_uri, token).await.body.to_string());
        seen.push(csv(&app, &manifest_uri, token).await);
        seen.push(
            app.get(&format!("/v1/evacuations/{evac}"), token)
                .await
                .body
                .to_string(),
        );
        seen.push(
            app.get("/v1/audit?limit=1000", token)
                .await
                .body
                .to_string(),
        );
    }
    // The locator's indexes keep nothing of the person, not even as a key.
    {
        let p = app.state.service.read();
        for key in p.locator.index_keys() {
            assert!(
                !["zhoucanary", "qingxuan", &PASSPORT.to_lowercase(), PASSPORT].contains(&key),
                "{key} is still an index key"
            );
        }
    }
    // The live stream after the erasure: up to a marker written after it.
    let marker = "Water receding after the erasure";
    let r = app
        .post(
            &format!("/v1/incidents/{incident}/reports"),
            &duty,
            json!({"text": marker, "category": "situation"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let mut live = String::new();
    while !live.contains(marker) {
        let frame = stream.frame().await.expect("open").expect("frame");
        if let Ok(data) = frame.into_data() {
            live.push_str(&String::from_utf8_lossy(&data));
        }
    }
    seen.push(live);
    if !on_kafka() {
        // Time travel rebuilds from the log: the sealed fields no longer open.
        seen.push(
            app.get(&format!("/v1/board?as_of={before}"), &duty)
                .await
                .body
                .to_string(),
        );
        let rebuilt = app
            .state
            .service
            .projections_as_of(jiff::Timestamp::now())
            .await
            .unwrap();
        let record = rebuilt.locator.get(id.parse().unwrap()).unwrap();
        assert_eq!(record.passport_number, None);
        assert_eq!(record.date_of_birth, None);
        assert_eq!(record.full_name, "");
    }
    for text in &seen {
        for secret in [
            PASSPORT,
            PHONE,
            BIRTH,
            "139 7531",
            NAME,
            "Zhoucanary",
            "Qingxuan",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
    let verify = app.get("/v1/audit/verify", &auditor).await;
    assert_eq!(verify.body["intact"], true, "{:?}", verify.body);

    if !on_kafka() {
        let dir = app._dir.path();
        for secret in [
            PASSPORT,
            PHONE,
            BIRTH,
            NAME,
            "Zhoucanary",
            CALLER,
            CALLER_PHONE,
        ] {
            let found = files_containing(dir, secret.as_bytes());
            assert!(found.is_empty(), "{secret} in {found:?}");
        }
        let key = key.unwrap();
        let found = files_containing(dir, &key);
        assert!(found.is_empty(), "the destroyed key is still in {found:?}");
        // No key of the person is left (the call's key stays: the caller was not erased).
        let db = rusqlite::Connection::open(dir.join("homeward.db")).unwrap();
        let keys: i64 = db
            .query_row(
                "SELECT COUNT(*) FROM person_keys WHERE stream_id LIKE 'person-%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(keys, 0);
    }
}
