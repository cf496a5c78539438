//! Notifications out: a subscriber receives every matching event once, in order, as a
//! signed CloudEvent, even when it was down for a while; deliveries that keep failing
//! are listed and replayed; personal data and restricted cases stay with subscribers
//! cleared for them.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use homeward_domain::Role;
use serde_json::{Value, json};
use support::TestApp;

/// A subscriber endpoint on a port of its own.
struct Subscriber {
    url: String,
    received: Arc<Mutex<Vec<(HeaderMap, Value, Bytes)>>>,
    /// Requests still to refuse with 503 (a subscriber that is down).
    refuse: Arc<AtomicUsize>,
    /// Refuse everything while set.
    broken: Arc<AtomicBool>,
    arrived: Arc<tokio::sync::Notify>,
}

async fn subscriber() -> Subscriber {
    let received = Arc::new(Mutex::new(Vec::new()));
    let refuse = Arc::new(AtomicUsize::new(0));
    let broken = Arc::new(AtomicBool::new(false));
    let arrived = Arc::new(tokio::sync::Notify::new());
    let (r, f, b, a) = (
        Arc::clone(&received),
        Arc::clone(&refuse),
        Arc::clone(&broken),
        Arc::clone(&arrived),
    );
    let app = axum::Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let (r, f, b, a) = (
                Arc::clone(&r),
                Arc::clone(&f),
                Arc::clone(&b),
                Arc::clone(&a),
            );
            async move {
                if b.load(Ordering::SeqCst)
                    || f.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok()
                {
                    return StatusCode::SERVICE_UNAVAILABLE;
                }
                let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                r.lock().expect("lock").push((headers, json, body));
                a.notify_waiters();
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Subscriber {
        url: format!("http://{addr}/hook"),
        received,
        refuse,
        broken,
        arrived,
    }
}

impl Subscriber {
    fn events(&self) -> Vec<Value> {
        self.received
            .lock()
            .expect("lock")
            .iter()
            .map(|(_, v, _)| v.clone())
            .collect()
    }

    /// Waits until `n` deliveries arrived (failing the test after 60 s).
    async fn wait_for(&self, n: usize) {
        let wait = async {
            loop {
                let notified = self.arrived.notified();
                if self.received.lock().expect("lock").len() >= n {
                    return;
                }
                let _ = tokio::time::timeout(Duration::from_millis(500), notified).await;
            }
        };
        assert!(
            tokio::time::timeout(Duration::from_secs(60), wait)
                .await
                .is_ok(),
            "only {} of {n} deliveries arrived",
            self.received.lock().expect("lock").len()
        );
    }
}

fn settings(max_attempts: u32) -> homeward_notify::Settings {
    homeward_notify::Settings {
        first_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
        max_attempts,
        timeout: Duration::from_secs(5),
    }
}

async fn subscribe(app: &TestApp, token: &str, body: Value) -> (String, String) {
    let r = app.post("/v1/subscriptions", token, body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    (
        r.body["id"].as_str().expect("id").to_owned(),
        r.body["secret"].as_str().expect("secret").to_owned(),
    )
}

async fn open(app: &TestApp, token: &str, kind: &str, country: &str) -> String {
    let r = app
        .post(
            "/v1/incidents",
            token,
            json!({"kind": kind, "title": "Floods", "country": country, "severity": 3}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().expect("id").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_that_was_down_gets_every_matching_event_once_in_order_signed() {
    let app = TestApp::new().await.with_notifier(settings(1000));
    let duty = app.token("dana", Role::DutyOfficer);
    let sub = subscriber().await;
    // Down for its first 7 requests.
    sub.refuse.store(7, Ordering::SeqCst);
    let (_, secret) = subscribe(
        &app,
        &duty,
        json!({"url": sub.url, "event_types": ["incident.*"], "countries": ["ML"]}),
    )
    .await;

    let ml = open(&app, &duty, "natural_disaster", "ML").await;
    let _fr = open(&app, &duty, "natural_disaster", "FR").await;
    let kidnapping = open(&app, &duty, "kidnapping", "ML").await;
    for i in 0..5 {
        let r = app
            .post(
                &format!("/v1/incidents/{ml}/reports"),
                &duty,
                json!({"text": format!("report {i}"), "category": "situation"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    sub.wait_for(6).await;
    // One more event makes sure nothing else was on its way.
    let r = app
        .post(
            &format!("/v1/incidents/{ml}/severity"),
            &duty,
            json!({"severity": 4}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    sub.wait_for(7).await;

    let events = sub.events();
    assert_eq!(events.len(), 7, "{events:#?}");
    let types: Vec<&str> = events
        .iter()
        .map(|e| e["type"].as_str().expect("type"))
        .collect();
    assert_eq!(types[0], "incident.opened");
    assert!(types[1..6].iter().all(|t| *t == "incident.report_filed"));
    assert_eq!(types[6], "incident.severity_changed");
    let positions: Vec<u64> = events
        .iter()
        .map(|e| e["position"].as_u64().expect("position"))
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "in order: {positions:?}"
    );
    let ids: std::collections::BTreeSet<&str> = events
        .iter()
        .map(|e| e["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), 7, "each event once");
    for e in &events {
        assert_eq!(e["specversion"], "1.0");
        assert_eq!(e["subject"], format!("incident-{ml}"));
        assert!(
            !e.to_string().contains(&kidnapping),
            "a restricted case reached a public subscriber"
        );
    }
    // Every delivery is signed with the subscription's secret.
    for (headers, _, body) in sub.received.lock().expect("lock").iter() {
        let sig = headers["homeward-signature"].to_str().expect("ascii");
        let (t, v1) = sig.split_once(",v1=").expect("t=…,v1=…");
        let t: i64 = t.trim_start_matches("t=").parse().expect("time");
        assert_eq!(v1, homeward_notify::sign(secret.as_bytes(), t, body));
        assert_eq!(headers["content-type"], "application/cloudevents+json");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_deliveries_are_listed_and_replayed_and_personal_data_stays_home() {
    let app = TestApp::new().await.with_notifier(settings(2));
    let duty = app.token("dana", Role::DutyOfficer);
    let hotline = app.token("hugo", Role::HotlineOperator);
    let sub = subscriber().await;
    sub.broken.store(true, Ordering::SeqCst);
    let (id, _) = subscribe(
        &app,
        &duty,
        json!({"url": sub.url, "event_types": ["person.*"]}),
    )
    .await;
    // Only an admin clears a subscription for personal data.
    let r = app
        .post(
            "/v1/subscriptions",
            &duty,
            json!({"url": sub.url, "personal_data": true}),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = app
        .post("/v1/subscriptions", &duty, json!({"url": "ftp://x"}))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = app
        .post(
            "/v1/subscriptions",
            &duty,
            json!({"url": sub.url, "countries": ["XX"]}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["code"], "unknown_country");

    let r = app
        .post("/v1/persons", &hotline, json!({"full_name": "Lina Haddad", "date_of_birth": "1990-01-01", "nationality": "FR", "passport_number": "PX1234567"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // Both attempts fail: the delivery is listed.
    let failures = async {
        loop {
            let f = app
                .get(&format!("/v1/subscriptions/{id}/failures"), &duty)
                .await;
            if f.body["failures"].as_array().is_some_and(|a| a.len() == 1) {
                return f.body;
            }
            let _ = tokio::time::timeout(Duration::from_millis(100), sub.arrived.notified()).await;
        }
    };
    let listed = tokio::time::timeout(Duration::from_secs(30), failures)
        .await
        .expect("a failure is listed");
    assert_eq!(listed["failures"][0]["attempts"], 2);
    assert!(sub.events().is_empty());

    sub.broken.store(false, Ordering::SeqCst);
    let r = app
        .post(
            &format!("/v1/subscriptions/{id}/failures/replay"),
            &duty,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["delivered"], 1);
    let events = sub.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["type"], "person.registered");
    assert_eq!(events[0]["data"], json!({"redacted": true}));
    assert!(
        !String::from_utf8_lossy(&sub.received.lock().expect("lock")[0].2).contains("PX1234567")
    );
    let f = app
        .get(&format!("/v1/subscriptions/{id}/failures"), &duty)
        .await;
    assert_eq!(f.body["failures"].as_array().map(Vec::len), Some(0));

    // Ended: nothing more goes out.
    let r = app
        .post(
            &format!("/v1/subscriptions/{id}/delete"),
            &duty,
            json!({"reason": "gateway replaced"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let list = app.get("/v1/subscriptions", &duty).await;
    assert_eq!(list.body["subscriptions"][0]["deleted"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_link_reaches_only_subscriptions_cleared_for_personal_data() {
    let app = TestApp::embedded().await.with_notifier(settings(3));
    let duty = app.token("dana", Role::DutyOfficer);
    let admin = app.token("root", Role::Admin);
    let (cleared, plain) = (subscriber().await, subscriber().await);
    subscribe(
        &app,
        &admin,
        json!({"url": cleared.url, "personal_data": true, "event_types": ["welfare.answer_link_issued"]}),
    )
    .await;
    subscribe(
        &app,
        &duty,
        json!({"url": plain.url, "event_types": ["welfare.answer_link_issued"]}),
    )
    .await;
    let hotline = app.token("hugo", Role::HotlineOperator);
    let r = app
        .post("/v1/persons", &hotline, json!({"full_name": "Wang Lei", "date_of_birth": "1980-02-03", "nationality": "CN", "current_country": "LB"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let person: homeward_domain::PersonId = r.body["id"].as_str().expect("id").parse().expect("id");
    let check = homeward_domain::TaskId(uuid::Uuid::now_v7());
    app.state
        .service
        .execute(
            homeward_service::Command::Welfare(
                check,
                homeward_domain::welfare::WelfareCommand::Open {
                    person_id: person,
                    country: homeward_domain::CountryCode::parse("LB").expect("country"),
                    risk_level: 4,
                    vulnerabilities: vec![],
                    due_at: jiff::Timestamp::now(),
                    cause: uuid::Uuid::now_v7(),
                },
            ),
            homeward_service::CommandMeta {
                actor: homeward_domain::Actor::new("homeward", Role::DutyOfficer),
                correlation_id: uuid::Uuid::now_v7(),
                idempotency: None,
                expected_version: None,
                causation_id: None,
            },
            homeward_service::Outcome::clone,
        )
        .await
        .expect("check opened");
    let r = app
        .call(
            "POST",
            &format!("/v1/tasks/{check}/answer-link"),
            &duty,
            None,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let url = r.body["url"].as_str().expect("url").to_owned();
    let token = url.rsplit('/').next().expect("token").to_owned();
    cleared.wait_for(1).await;
    plain.wait_for(1).await;
    let to_cleared = &cleared.events()[0];
    assert_eq!(to_cleared["type"], "welfare.answer_link_issued");
    assert_eq!(to_cleared["data"]["answer_url"], url.as_str());
    let to_plain = &plain.events()[0];
    assert_eq!(to_plain["type"], "welfare.answer_link_issued");
    assert!(to_plain["data"].get("answer_url").is_none(), "{to_plain}");
    assert!(!String::from_utf8_lossy(&plain.received.lock().expect("lock")[0].2).contains(&token));
}
