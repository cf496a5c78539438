//! Early warning and clocks over HTTP, with a clock the test moves: a country's risk
//! raised to 4 opens one welfare check per citizen there, vulnerable people first;
//! answers complete, hand over or retry and escalate them; deadlines that pass are
//! recorded once, shown on the board and in time travel; a lower level cancels the rest.

mod support;

use std::sync::Arc;
use std::time::Duration;

use homeward_domain::deadline::DeadlinePolicy;
use homeward_domain::{Role, Timestamp};
use homeward_service::ManualClock;
use jiff::SignedDuration;
use serde_json::{Value, json};
use support::TestApp;

/// Equal on the embedded log, whose recorded times follow the test's clock; on Kafka the
/// records are stamped by the instance's own clock, which runs on while the test's stands
/// still, so they may differ by the seconds the test took.
fn near(actual: Timestamp, expected: Timestamp) {
    near_secs(actual.as_second(), expected.as_second());
}

fn near_secs(actual: i64, expected: i64) {
    if TestApp::on_kafka() {
        assert!(
            (actual - expected).abs() <= 120,
            "{actual} is not within two minutes of {expected}"
        );
    } else {
        assert_eq!(actual, expected);
    }
}

fn start() -> Timestamp {
    // Now, to the second: tokens are checked against the real clock.
    Timestamp::from_second(Timestamp::now().as_second()).expect("valid time")
}

async fn register(
    app: &TestApp,
    token: &str,
    name: &str,
    country: &str,
    vulnerabilities: Value,
) -> String {
    let r = app
        .post(
            "/v1/persons",
            token,
            json!({
                "full_name": name, "date_of_birth": "1980-02-03", "nationality": "FR",
                "current_country": country, "vulnerabilities": vulnerabilities,
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().expect("id").to_owned()
}

async fn tasks(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let r = app.get(&format!("/v1/tasks?{query}"), token).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["tasks"].as_array().expect("tasks").clone()
}

/// Waits until `check` holds, re-checking after each change folded in (never longer
/// than 20 s, which fails the test).
async fn eventually<F, Fut>(app: &TestApp, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let mut changes = app.state.service.changes();
    let wait = async {
        loop {
            if check().await {
                return;
            }
            // Either something new is folded in, or the reactor is between rounds.
            let _ = tokio::time::timeout(Duration::from_millis(200), changes.recv()).await;
        }
    };
    assert!(
        tokio::time::timeout(Duration::from_secs(20), wait)
            .await
            .is_ok(),
        "timed out waiting for: {what}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_risk_raise_opens_one_check_per_citizen_and_the_chain_runs_to_deadlines() {
    let t0 = start();
    let clock = Arc::new(ManualClock::new(t0));
    let app = TestApp::with_clock(Arc::clone(&clock), DeadlinePolicy::default()).await;
    let duty = app.token("dana", Role::DutyOfficer);
    let hotline = app.token("hugo", Role::HotlineOperator);

    let child = register(&app, &hotline, "Lina Haddad", "LB", json!(["child"])).await;
    let elder = register(&app, &hotline, "Georges Aoun", "LB", json!(["elderly"])).await;
    let safe = register(&app, &hotline, "Marc Petit", "LB", json!([])).await;
    let silent = register(&app, &hotline, "Julie Roux", "LB", json!([])).await;
    let abroad = register(&app, &hotline, "Paul Martin", "FR", json!([])).await;

    let r = app
        .call(
            "PUT",
            "/v1/countries/LB/risk",
            &duty,
            Some(json!({"level": 4, "reason": "armed clashes in Beirut"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // Answered only once the checks exist: one per citizen in LB, vulnerable first.
    let checks = tasks(&app, &duty, "kind=welfare_check&country=LB").await;
    assert_eq!(checks.len(), 4, "{checks:#?}");
    let people: Vec<&str> = checks
        .iter()
        .map(|t| t["person_id"].as_str().expect("person"))
        .collect();
    assert_eq!(
        &people[..2]
            .iter()
            .copied()
            .collect::<std::collections::BTreeSet<_>>(),
        &[child.as_str(), elder.as_str()].into_iter().collect()
    );
    for t in &checks {
        assert_eq!(t["kind"], "welfare_check");
        assert_eq!(t["status"], "open");
        let vulnerable = t["priority"] == 1;
        let due: Timestamp = t["due_at"].as_str().expect("due").parse().expect("time");
        let hours = if vulnerable { 12 } else { 24 };
        near(
            due,
            t0.checked_add(SignedDuration::from_hours(hours))
                .expect("time"),
        );
    }
    assert!(
        tasks(&app, &duty, &format!("person_id={abroad}"))
            .await
            .is_empty()
    );

    // A country that is not one is a malformed query, not an empty list.
    assert_eq!(app.get("/v1/tasks?country=XX", &duty).await.status, 400);
    assert_eq!(
        app.get("/v1/deadlines/missed?country=XX", &duty)
            .await
            .status,
        400
    );

    // Lowering to 3 and raising to 4 again opens no second check.
    for level in [3, 4, 4] {
        let r = app
            .call(
                "PUT",
                "/v1/countries/LB/risk",
                &duty,
                Some(json!({"level": level, "reason": "update"})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    assert_eq!(tasks(&app, &duty, "kind=welfare_check").await.len(), 4);

    // Someone registered there afterwards is owed a check too.
    let late = register(&app, &hotline, "Nour Khalil", "LB", json!(["pregnant"])).await;
    let theirs = tasks(&app, &duty, &format!("person_id={late}")).await;
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["priority"], 1);

    // Answers: safe completes; needs help hands over to an incident; no answer retries,
    // and the third escalates to the duty officer.
    let answer = |person: String, status: &'static str| {
        let app = &app;
        let hotline = hotline.clone();
        async move {
            let r = app
                .post(
                    &format!("/v1/persons/{person}/welfare"),
                    &hotline,
                    json!({"status": status}),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
    };
    answer(safe.clone(), "safe").await;
    let t = tasks(&app, &duty, &format!("person_id={safe}")).await;
    assert_eq!(
        (t[0]["status"].as_str(), t[0]["outcome"].as_str()),
        (Some("completed"), Some("safe"))
    );

    answer(child.clone(), "needs_help").await;
    let t = tasks(&app, &duty, &format!("person_id={child}")).await;
    assert_eq!(t[0]["status"], "completed");
    let incident = t[0]["incident_id"]
        .as_str()
        .expect("an incident took over")
        .to_owned();
    let file = app.get(&format!("/v1/incidents/{incident}"), &duty).await;
    assert_eq!(file.status, 200);
    assert!(
        file.body["persons"]
            .as_array()
            .expect("persons")
            .iter()
            .any(|p| p["person_id"] == child.as_str())
    );

    for attempt in 1..=3 {
        answer(elder.clone(), "no_answer").await;
        let t = tasks(&app, &duty, &format!("person_id={elder}")).await;
        assert_eq!(t[0]["attempts"], attempt);
        assert_eq!(
            t[0]["status"],
            if attempt < 3 { "open" } else { "escalated" }
        );
    }
    let t = tasks(&app, &duty, &format!("person_id={elder}&status=escalated")).await;
    assert_eq!(t[0]["assignee"], "duty_officer");

    // Nothing has passed yet.
    let missed = app.get("/v1/deadlines/missed", &duty).await;
    assert_eq!(missed.body["total"], 0);

    // A day and an hour later, the silent citizen's check is late: recorded once.
    let before = homeward_service::Clock::now(&*clock);
    clock.advance(SignedDuration::from_hours(25));
    let silent_check = tasks(&app, &duty, &format!("person_id={silent}")).await[0]["id"].clone();
    eventually(&app, "the silent citizen's missed check", || async {
        let m = app
            .get("/v1/deadlines/missed?kind=welfare_check", &duty)
            .await;
        m.body["deadlines"]
            .as_array()
            .is_some_and(|d| d.iter().any(|x| x["task_id"] == silent_check))
    })
    .await;
    let m = app
        .get("/v1/deadlines/missed?kind=welfare_check", &duty)
        .await;
    let entry = m.body["deadlines"]
        .as_array()
        .expect("list")
        .iter()
        .find(|x| x["task_id"] == silent_check)
        .expect("entry")
        .clone();
    near_secs(entry["late_by_seconds"].as_i64().expect("seconds"), 3600);
    assert_eq!(entry["owner"], "hotline_operator");
    // The board shows it, and so does the audit trail.
    let board = app.get("/v1/board", &duty).await;
    assert!(
        board.body["deadlines_missed"]
            .as_array()
            .expect("list")
            .iter()
            .any(|x| x["task_id"] == silent_check)
    );
    assert!(
        board.body["welfare_checks"]
            .as_array()
            .expect("progress")
            .iter()
            .any(|c| c["country"] == "LB" && c["overdue"].as_u64() >= Some(1))
    );
    let audit = app
        .get("/v1/audit?limit=1000", &app.token("ada", Role::Auditor))
        .await;
    assert!(audit.body.to_string().contains("deadline.missed"));

    // The clock moving on does not record the same deadline again.
    let total = app.get("/v1/deadlines/missed", &duty).await.body["total"].as_u64();
    clock.advance(SignedDuration::from_mins(1));
    app.state.service.wait_for_reactions().await;
    let again = app
        .get("/v1/deadlines/missed?kind=welfare_check", &duty)
        .await;
    assert_eq!(
        again.body["deadlines"]
            .as_array()
            .expect("list")
            .iter()
            .filter(|x| x["task_id"] == silent_check)
            .count(),
        1
    );
    assert!(app.get("/v1/deadlines/missed", &duty).await.body["total"].as_u64() >= total);

    // Time travel shows it exactly from when it was recorded (embedded: recorded times
    // follow the test's clock).
    if !TestApp::on_kafka() {
        let earlier = app.get(&format!("/v1/board?as_of={before}"), &duty).await;
        assert!(
            !earlier.body["deadlines_missed"]
                .as_array()
                .expect("list")
                .iter()
                .any(|x| x["task_id"] == silent_check)
        );
        let later = app
            .get(
                &format!("/v1/board?as_of={}", homeward_service::Clock::now(&*clock)),
                &duty,
            )
            .await;
        assert!(
            later.body["deadlines_missed"]
                .as_array()
                .expect("list")
                .iter()
                .any(|x| x["task_id"] == silent_check)
        );
    }

    // Lowering the risk cancels what is still open, with the reason.
    let r = app
        .call(
            "PUT",
            "/v1/countries/LB/risk",
            &duty,
            Some(json!({"level": 2, "reason": "ceasefire holds"})),
        )
        .await;
    assert_eq!(r.status, 200);
    let open = tasks(&app, &duty, "kind=welfare_check&status=open").await;
    assert!(open.is_empty(), "{open:#?}");
    assert!(
        tasks(&app, &duty, "kind=welfare_check&status=escalated")
            .await
            .is_empty()
    );
    let cancelled = tasks(&app, &duty, "kind=welfare_check&status=cancelled").await;
    assert_eq!(
        cancelled.len(),
        3,
        "silent, late arrival and the escalated one"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kidnapping_without_a_team_and_a_silent_severe_incident_miss_their_deadlines() {
    let t0 = start();
    let clock = Arc::new(ManualClock::new(t0));
    let app = TestApp::with_clock(Arc::clone(&clock), DeadlinePolicy::default()).await;
    let duty = app.token("dana", Role::DutyOfficer);
    let open = |kind: &'static str, severity: u8| {
        let app = &app;
        let duty = duty.clone();
        async move {
            let r = app
                .post(
                    "/v1/incidents",
                    &duty,
                    json!({"kind": kind, "title": "case", "country": "ML", "severity": severity}),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
            r.body["id"].as_str().expect("id").to_owned()
        }
    };
    let kidnapping = open("kidnapping", 4).await;
    let assembled = open("kidnapping", 4).await;
    let severe = open("natural_disaster", 5).await;
    for (path, body) in [
        (
            format!("/v1/incidents/{assembled}/lead"),
            json!({"subject": "li"}),
        ),
        (
            format!("/v1/incidents/{assembled}/team"),
            json!({"subject": "omar"}),
        ),
    ] {
        let r = app.post(&path, &duty, body).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    clock.advance(SignedDuration::from_mins(61));
    eventually(&app, "the case team deadline", || async {
        app.get("/v1/deadlines/missed?kind=case_team", &duty)
            .await
            .body["deadlines"]
            .as_array()
            .is_some_and(|d| d.len() == 1)
    })
    .await;
    let m = app.get("/v1/deadlines/missed?kind=case_team", &duty).await;
    assert_eq!(m.body["deadlines"][0]["incident_id"], kidnapping.as_str());
    near_secs(
        m.body["deadlines"][0]["late_by_seconds"]
            .as_i64()
            .expect("seconds"),
        60,
    );

    // The severe incident: a report at 3 h resets its clock; silence until 7 h 30 misses.
    clock.advance(SignedDuration::from_mins(120));
    let r = app
        .post(
            &format!("/v1/incidents/{severe}/reports"),
            &duty,
            json!({"text": "roads cut", "category": "situation"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    clock.advance(SignedDuration::from_mins(270));
    eventually(&app, "the field report deadline", || async {
        app.get("/v1/deadlines/missed?kind=field_report", &duty)
            .await
            .body["deadlines"]
            .as_array()
            .is_some_and(|d| d.len() == 1)
    })
    .await;
    let m = app
        .get("/v1/deadlines/missed?kind=field_report", &duty)
        .await;
    assert_eq!(m.body["deadlines"][0]["incident_id"], severe.as_str());
    // A day of silence later: one more miss, for the latest interval, not one for each.
    clock.advance(SignedDuration::from_hours(24));
    eventually(&app, "the second field report miss", || async {
        app.get("/v1/deadlines/missed?kind=field_report", &duty)
            .await
            .body["deadlines"]
            .as_array()
            .is_some_and(|d| d.len() == 2)
    })
    .await;
    let m = app
        .get("/v1/deadlines/missed?kind=field_report", &duty)
        .await;
    let latest: Timestamp = m.body["deadlines"][0]["due_at"]
        .as_str()
        .expect("due")
        .parse()
        .expect("time");
    // The report came at 3 h 01 (on Kafka: when the broker's clock recorded it); 28 h 30
    // of silence hold 7 intervals of 4 h: the miss is for the seventh, not the second.
    let report_at = if TestApp::on_kafka() {
        latest
            .checked_sub(SignedDuration::from_hours(28))
            .expect("time")
    } else {
        t0.checked_add(SignedDuration::from_mins(181))
            .expect("time")
    };
    near(
        latest,
        report_at
            .checked_add(SignedDuration::from_hours(28))
            .expect("time"),
    );
    assert!(
        latest
            > t0.checked_add(SignedDuration::from_hours(27))
                .expect("time")
    );
    // A field officer not on the kidnapping does not learn of its deadline.
    let field = app.token("fred", Role::FieldOfficer);
    let theirs = app.get("/v1/deadlines/missed", &field).await;
    assert!(!theirs.body.to_string().contains(&kidnapping));
}
