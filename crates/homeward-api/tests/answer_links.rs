//! Citizens answer for themselves: answer links over HTTP. A duty officer gives an open
//! welfare check a link; the citizen's answer through it completes the check as an
//! officer's would, recorded as `citizen`; the link works once and before it expires; a
//! used, expired, unknown or malformed token gets the plain page and changes nothing;
//! bad answers change nothing; the log never holds a token; requests are limited per
//! link; Homeward gives its own checks links when the policy says so.

mod support;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use homeward_domain::deadline::DeadlinePolicy;
use homeward_domain::{Role, Timestamp};
use homeward_service::ManualClock;
use homeward_store::LogEntry;
use jiff::SignedDuration;
use serde_json::{Value, json};
use support::{Reply, TestApp};

fn start() -> Timestamp {
    Timestamp::from_second(Timestamp::now().as_second()).expect("valid time")
}

/// An application with a check open for one citizen in LB: (app, duty token, check).
async fn with_check(policy: DeadlinePolicy) -> (TestApp, Arc<ManualClock>, String, Value) {
    let clock = Arc::new(ManualClock::new(start()));
    let app = if policy.answer_links {
        TestApp::with_answer_links(Arc::clone(&clock), policy).await
    } else {
        TestApp::with_clock(Arc::clone(&clock), policy).await
    };
    let duty = app.token("dana", Role::DutyOfficer);
    let hotline = app.token("hugo", Role::HotlineOperator);
    let r = app
        .post(
            "/v1/persons",
            &hotline,
            json!({"full_name": "Wang Lei", "date_of_birth": "1980-02-03", "nationality": "CN",
                "current_country": "LB", "phone": "+961 1 234 567"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = app
        .call(
            "PUT",
            "/v1/countries/LB/risk",
            &duty,
            Some(json!({"level": 4, "reason": "armed clashes"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let check = check(&app, &duty).await;
    (app, clock, duty, check)
}

async fn check(app: &TestApp, duty: &str) -> Value {
    let r = app.get("/v1/tasks?kind=welfare_check", duty).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["tasks"][0].clone()
}

async fn issue(app: &TestApp, duty: &str, id: &str) -> Reply {
    app.call("POST", &format!("/v1/tasks/{id}/answer-link"), duty, None)
        .await
}

async fn page(app: &TestApp, method: &str, url: &str, form: Option<&str>) -> Reply {
    let mut b = Request::builder()
        .method(method)
        .uri(url)
        .header(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9");
    let body = match form {
        Some(f) => {
            b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            Body::from(f.to_owned())
        }
        None => Body::empty(),
    };
    app.send(b.body(body).expect("request")).await
}

fn text(r: &Reply) -> &str {
    r.body.as_str().unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_answers_safe_once_and_the_check_is_completed_by_citizen() {
    let (app, _clock, duty, check) = with_check(DeadlinePolicy::default()).await;
    let id = check["id"].as_str().expect("id");
    let r = issue(&app, &duty, id).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
    let url = r.body["url"].as_str().expect("url").to_owned();
    let token = url.strip_prefix("/answer/").expect("a path from the root");
    assert_eq!(token.len(), 64);
    assert!(!url.contains(check["person_id"].as_str().expect("person")));
    let expires: Timestamp = r.body["expires_at"]
        .as_str()
        .expect("expiry")
        .parse()
        .expect("time");
    assert!(expires > Timestamp::now());

    // The log holds the token's hash, never the token.
    let log = app
        .state
        .service
        .log()
        .read_after(0, 100_000)
        .await
        .expect("log");
    let dump = serde_json::to_string(
        &log.iter()
            .filter_map(|e| match e {
                LogEntry::Event(e) => Some(serde_json::to_value(&e.event).expect("json")),
                _ => None,
            })
            .collect::<Vec<_>>(),
    )
    .expect("json");
    assert!(!dump.contains(token), "the token is in the log");
    assert!(dump.contains(&homeward_api::auth::answer_token_hash(token)));

    let shown = page(&app, "GET", &url, None).await;
    assert_eq!(shown.status, StatusCode::OK);
    let html = text(&shown);
    assert!(html.contains("name=\"status\" value=\"safe\""), "{html}");
    assert!(html.contains("name=\"status\" value=\"needs_help\""));
    assert!(
        // The phone as written: its digits alone also occur in the page's random token.
        !html.contains("Wang Lei") && !html.contains("+961") && !html.contains("234 567"),
        "the page names nobody"
    );

    let answered = page(&app, "POST", &url, Some("status=safe&message=At+the+hotel")).await;
    assert_eq!(answered.status, StatusCode::OK, "{}", text(&answered));
    assert!(text(&answered).contains("Thank you"));
    let done = self::check(&app, &duty).await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["outcome"], "safe");
    assert_eq!(done["answered_by"]["role"], "citizen");
    assert_ne!(done["answered_by"]["subject"], done["person_id"]);

    // The same link again changes nothing.
    let before = app.events().await;
    for (method, form) in [
        ("GET", None),
        ("POST", Some("status=needs_help")),
        ("POST", Some("status=safe&message=At+the+hotel")),
    ] {
        let again = page(&app, method, &url, form).await;
        assert_eq!(again.status, StatusCode::NOT_FOUND, "{method}");
        assert!(text(&again).contains("does not work"));
        assert!(!text(&again).contains("<button"));
    }
    assert_eq!(app.events().await, before);
    assert_eq!(self::check(&app, &duty).await["outcome"], "safe");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn needs_help_through_the_link_hands_the_citizen_to_an_incident() {
    let (app, _clock, duty, check) = with_check(DeadlinePolicy::default()).await;
    let r = issue(&app, &duty, check["id"].as_str().expect("id")).await;
    let url = r.body["url"].as_str().expect("url").to_owned();
    let answered = page(
        &app,
        "POST",
        &format!("{url}?lang=zh"),
        Some("status=needs_help&lat=33.89&lon=35.5"),
    )
    .await;
    assert_eq!(answered.status, StatusCode::OK, "{}", text(&answered));
    assert!(text(&answered).contains("领事官员"));
    let done = self::check(&app, &duty).await;
    assert_eq!(done["outcome"], "needs_help");
    assert!(done["incident_id"].is_string(), "{done}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_answers_and_bad_tokens_change_nothing() {
    let (app, _clock, duty, check) = with_check(DeadlinePolicy::default()).await;
    let r = issue(&app, &duty, check["id"].as_str().expect("id")).await;
    let url = r.body["url"].as_str().expect("url").to_owned();
    let before = app.events().await;
    for form in [
        "status=maybe",
        "status=no_answer",
        "message=hello",
        "status=safe&lat=91&lon=0",
        "status=safe&lat=10",
        "status=safe&lat=ten&lon=3",
        "status=safe&unknown=1",
        &format!("status=safe&message={}", "x".repeat(2_001)),
    ] {
        let r = page(&app, "POST", &url, Some(form)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{form}: {}", text(&r));
        assert!(text(&r).contains("could not be recorded"));
    }
    // Not a form at all.
    let r = app
        .send(
            Request::builder()
                .method("POST")
                .uri(&url)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{\"status\":\"safe\"}"))
                .expect("request"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Unknown, forged and malformed tokens.
    let forged = format!("/answer/{}", "ab".repeat(32));
    for bad in [forged.as_str(), "/answer/short", "/answer/%00%01"] {
        for (method, form) in [("GET", None), ("POST", Some("status=safe"))] {
            let r = page(&app, method, bad, form).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{method} {bad}");
            assert!(text(&r).contains("does not work"));
        }
    }
    assert_eq!(app.events().await, before);
    assert_eq!(self::check(&app, &duty).await["status"], "open");
    // The link still works after all that.
    assert_eq!(page(&app, "GET", &url, None).await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_link_and_a_closed_check_get_the_plain_page() {
    let (app, clock, duty, check) = with_check(DeadlinePolicy::default()).await;
    let id = check["id"].as_str().expect("id").to_owned();
    let r = issue(&app, &duty, &id).await;
    let url = r.body["url"].as_str().expect("url").to_owned();
    clock.advance(SignedDuration::from_hours(73));
    let r = page(&app, "GET", &url, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(text(&r).contains("expired"));
    let r = page(&app, "POST", &url, Some("status=safe")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(self::check(&app, &duty).await["status"], "open");

    // An officer's answer closes the check: a fresh link is refused, an older one dead.
    let fresh = issue(&app, &duty, &id).await;
    assert_eq!(fresh.status, StatusCode::CREATED);
    let fresh = fresh.body["url"].as_str().expect("url").to_owned();
    let hotline = app.token("hugo", Role::HotlineOperator);
    let person = check["person_id"].as_str().expect("person");
    let r = app
        .post(
            &format!("/v1/persons/{person}/welfare"),
            &hotline,
            json!({"status": "safe"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        page(&app, "GET", &fresh, None).await.status,
        StatusCode::NOT_FOUND
    );
    let r = issue(&app, &duty, &id).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.body["code"], "check_closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_duty_officers_issue_links_and_no_citizen_holds_a_token() {
    let (app, _clock, duty, check) = with_check(DeadlinePolicy::default()).await;
    let id = check["id"].as_str().expect("id");
    for role in Role::ALL.into_iter().filter(|r| *r != Role::DutyOfficer) {
        let token = app.token("someone", role);
        assert_eq!(
            issue(&app, &token, id).await.status,
            StatusCode::FORBIDDEN,
            "{role}"
        );
    }
    let missing = format!("{}", uuid::Uuid::now_v7());
    assert_eq!(
        issue(&app, &duty, &missing).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        issue(&app, &duty, "not-an-id").await.status,
        StatusCode::NOT_FOUND
    );
    let citizen = app.token("someone", Role::Citizen);
    assert_eq!(
        app.get("/v1/board", &citizen).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        issue(&app, &citizen, id).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_limited_per_link() {
    let (app, _clock, duty, check) = with_check(DeadlinePolicy::default()).await;
    let r = issue(&app, &duty, check["id"].as_str().expect("id")).await;
    let url = r.body["url"].as_str().expect("url").to_owned();
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(page(&app, "GET", &url, None).await.status);
    }
    assert!(
        statuses[..10].iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let over = page(&app, "GET", &url, None).await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(over.headers.contains_key(header::RETRY_AFTER));
    assert_eq!(self::check(&app, &duty).await["status"], "open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn homeward_gives_its_own_checks_a_link_when_the_policy_says_so() {
    let policy = DeadlinePolicy {
        answer_links: true,
        ..DeadlinePolicy::default()
    };
    let (app, _clock, _duty, check) = with_check(policy).await;
    let log = app
        .state
        .service
        .log()
        .read_after(0, 100_000)
        .await
        .expect("log");
    let issued: Vec<_> = log
        .iter()
        .filter_map(|e| match e {
            LogEntry::Event(e) if e.event_type == "welfare.answer_link_issued" => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0].actor.subject, "homeward");
    assert!(
        issued[0]
            .stream_id
            .to_string()
            .ends_with(check["id"].as_str().expect("id"))
    );
}

#[tokio::test]
async fn the_field_page_lists_the_incidents_its_officer_is_on_and_the_report_categories() {
    let app = TestApp::embedded().await;
    let duty = app.token("dana", Role::DutyOfficer);
    let field = app.token("amira", Role::FieldOfficer);
    let mine = app.open_incident(&duty, "accident").await;
    let theirs = app.open_incident(&duty, "accident").await;
    let closed = app.open_incident(&duty, "accident").await;
    for id in [&mine, &closed] {
        let r = app
            .post(
                &format!("/v1/incidents/{id}/team"),
                &duty,
                json!({"subject": "amira"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let r = app
        .post(
            &format!("/v1/incidents/{closed}/close"),
            &duty,
            json!({"reason": "done"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.get("/v1/me/incidents", &field).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let ids: Vec<&str> = r.body["incidents"]
        .as_array()
        .expect("list")
        .iter()
        .map(|i| i["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, vec![mine.as_str()]);
    assert!(!ids.contains(&theirs.as_str()));
    assert_eq!(
        r.body["report_categories"],
        json!([
            "situation",
            "security",
            "medical",
            "logistics",
            "contact",
            "welfare",
            "media",
            "other"
        ])
    );
    // The page and its assets are served from the binary.
    for (path, kind) in [
        ("/field", "text/html"),
        ("/field/app.js", "text/javascript"),
        ("/field/sw.js", "text/javascript"),
        ("/field/i18n.js", "text/javascript"),
        ("/field/style.css", "text/css"),
    ] {
        let r = app
            .send(
                Request::builder()
                    .uri(path)
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
        assert_eq!(r.status, 200, "{path}");
        assert!(
            r.headers[header::CONTENT_TYPE]
                .to_str()
                .expect("type")
                .starts_with(kind),
            "{path}"
        );
    }
    let sw = app
        .send(
            Request::builder()
                .uri("/field/sw.js")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(sw.headers["service-worker-allowed"], "/field");
}

#[tokio::test]
async fn requests_are_limited_per_client_address() {
    use axum::extract::connect_info::MockConnectInfo;
    use tower::ServiceExt;
    let app = TestApp::embedded().await;
    let from = |ip: [u8; 4]| {
        homeward_api::app(app.state.clone())
            .layer(MockConnectInfo(std::net::SocketAddr::from((ip, 40_000))))
    };
    let get = |router: axum::Router, n: usize| async move {
        router
            .oneshot(
                Request::builder()
                    .uri(format!("/answer/{n:064x}"))
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("response")
            .status()
    };
    // Every guess a different token: only the limit per address holds them back.
    let mut statuses = Vec::new();
    for n in 0..70 {
        statuses.push(get(from([203, 0, 113, 7]), n).await);
    }
    // A burst of 60, then one a second.
    assert!(
        statuses[..60].iter().all(|s| *s == StatusCode::NOT_FOUND),
        "{statuses:?}"
    );
    assert!(
        statuses[60..].contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    assert_eq!(get(from([203, 0, 113, 8]), 99).await, StatusCode::NOT_FOUND);
}
