//! A whole application on a temporary embedded log, driven with `oneshot`.
#![allow(dead_code, missing_docs)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use homeward_api::{AppState, TokenKeys, app};
use homeward_domain::{Role, Timestamp};
use homeward_service::{Homeward, SystemClock};
use homeward_store::{EventLog, LogEntry, SqliteLog};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub _dir: tempfile::TempDir,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
}

impl TestApp {
    /// The embedded log, or, when `HOMEWARD_TEST_KAFKA` names a broker, the Kafka
    /// backend on topics of its own: the same suite runs against both.
    pub async fn new() -> Self {
        Self::build(None, true).await
    }

    /// Always on the embedded log (for suites of the HTTP edge alone whose size would
    /// take too long on a broker).
    pub async fn embedded() -> Self {
        Self::build(None, false).await
    }

    /// An application whose clock moves only when the test says so, with Homeward's
    /// reactions running (welfare checks, missed deadlines). On the embedded log the
    /// recorded times come from the same clock, so time travel follows it too.
    pub async fn with_clock(
        clock: Arc<homeward_service::ManualClock>,
        policy: homeward_domain::deadline::DeadlinePolicy,
    ) -> Self {
        let app = Self::build(Some(Arc::clone(&clock)), true).await;
        homeward_service::reactor::spawn(Arc::clone(&app.state.service), policy);
        app
    }

    /// As [`Self::with_clock`], always on the embedded log, whose recorded times come
    /// from that clock too (on Kafka they come from the writer's own clock), for suites
    /// that check what was recorded when.
    pub async fn embedded_with_clock(
        clock: Arc<homeward_service::ManualClock>,
        policy: homeward_domain::deadline::DeadlinePolicy,
    ) -> Self {
        let app = Self::build(Some(Arc::clone(&clock)), false).await;
        homeward_service::reactor::spawn(Arc::clone(&app.state.service), policy);
        app
    }

    /// As [`Self::with_clock`], with Homeward giving every check it opens an answer link
    /// (the policy's `answer_links`), its tokens made with this application's keys.
    pub async fn with_answer_links(
        clock: Arc<homeward_service::ManualClock>,
        policy: homeward_domain::deadline::DeadlinePolicy,
    ) -> Self {
        let app = Self::build(Some(Arc::clone(&clock)), true).await;
        let keys = Arc::clone(&app.state.tokens);
        homeward_service::reactor::spawn_with_answer_links(
            Arc::clone(&app.state.service),
            policy,
            Some(Arc::new(move |id| {
                homeward_api::auth::answer_token_hash(&keys.answer_token(id))
            })),
        );
        app
    }

    /// This application delivering to subscribers with `settings`.
    pub fn with_notifier(mut self, settings: homeward_notify::Settings) -> Self {
        let keys = Arc::clone(&self.state.tokens);
        let notifier = homeward_notify::Notifier::open(
            self._dir.path(),
            Arc::clone(&self.state.service),
            Arc::new(move |id| keys.webhook_secret(id).into_bytes()),
            settings,
        )
        .expect("notifier");
        let keys = Arc::clone(&self.state.tokens);
        notifier.set_answer_urls(Arc::new(move |id| {
            format!(
                "{}{}",
                homeward_api::routes::answer::ANSWER_PATH,
                keys.answer_token(id)
            )
        }));
        notifier.spawn();
        self.state = self.state.clone().with_notifier(notifier);
        self.router = app(self.state.clone());
        self
    }

    pub fn on_kafka() -> bool {
        std::env::var("HOMEWARD_TEST_KAFKA").is_ok_and(|b| !b.is_empty())
    }

    async fn build(
        clock: Option<Arc<homeward_service::ManualClock>>,
        kafka_if_asked: bool,
    ) -> Self {
        // What the backend logs (`RUST_LOG`), shown with a failing test's output.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let dir = tempfile::tempdir().expect("temp dir");
        let log: Arc<dyn EventLog> = match std::env::var("HOMEWARD_TEST_KAFKA") {
            Ok(brokers) if kafka_if_asked && !brokers.is_empty() => {
                let cfg = homeward_kafka::KafkaConfig {
                    brokers,
                    prefix: format!("test-{}.", uuid::Uuid::now_v7().simple()),
                    partitions: 3,
                    replication: 1,
                    instance_id: homeward_kafka::instance_id(dir.path()).expect("instance id"),
                    erasure_window: homeward_kafka::config::ERASURE_WINDOW,
                    kek: None,
                };
                let kafka = homeward_kafka::KafkaLog::connect(cfg, dir.path())
                    .await
                    .expect("kafka");
                // Every test starts its requests once the instance is serving.
                assert!(
                    kafka
                        .writer_ready(std::time::Duration::from_secs(120))
                        .await,
                    "the sequencer did not join its group"
                );
                kafka
            }
            _ => match &clock {
                Some(clock) => {
                    let clock = Arc::clone(clock);
                    Arc::new(
                        SqliteLog::open_with_clock(
                            dir.path(),
                            Arc::new(move || homeward_service::Clock::now(&*clock)),
                        )
                        .expect("log"),
                    )
                }
                None => Arc::new(SqliteLog::open(dir.path()).expect("log")),
            },
        };
        let service_clock: Arc<dyn homeward_service::Clock> = match clock {
            Some(clock) => clock,
            None => Arc::new(SystemClock),
        };
        let service = Homeward::start(log, service_clock, |_, _| {})
            .await
            .expect("service");
        let tokens = Arc::new(TokenKeys::from_secret(&[42; 32]));
        let state = AppState::new(service, tokens, Some(dir.path().to_owned()));
        let router = app(state.clone());
        Self {
            state,
            router,
            _dir: dir,
        }
    }

    pub fn token(&self, subject: &str, role: Role) -> String {
        self.state
            .tokens
            .issue(
                subject,
                role,
                Timestamp::now(),
                jiff::SignedDuration::from_hours(1),
            )
            .expect("token")
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("response");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn call(&self, method: &str, uri: &str, token: &str, body: Option<Value>) -> Reply {
        let mut builder = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        let body = match body {
            Some(v) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(serde_json::to_vec(&v).expect("json"))
            }
            None => Body::empty(),
        };
        self.send(builder.body(body).expect("request")).await
    }

    pub async fn post(&self, uri: &str, token: &str, body: Value) -> Reply {
        self.call("POST", uri, token, Some(body)).await
    }

    pub async fn get(&self, uri: &str, token: &str) -> Reply {
        self.call("GET", uri, token, None).await
    }

    /// How many events (not rejections) the log holds.
    pub async fn events(&self) -> usize {
        self.state
            .service
            .log()
            .read_after(0, 1_000_000)
            .await
            .expect("read")
            .iter()
            .filter(|e| matches!(e, LogEntry::Event(_)))
            .count()
    }

    /// Opens an incident as a duty officer and returns its id.
    pub async fn open_incident(&self, token: &str, kind: &str) -> String {
        let r = self
            .post(
                "/v1/incidents",
                token,
                serde_json::json!({"kind": kind, "title": format!("{kind} near Gao"), "country": "ML", "severity": 4}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        r.body["id"].as_str().expect("id").to_owned()
    }

    pub async fn register_person(&self, token: &str, name: &str, passport: &str) -> String {
        let r = self
            .post(
                "/v1/persons",
                token,
                serde_json::json!({"full_name": name, "date_of_birth": "1984-07-02",
                    "nationality": "CN", "passport_number": passport, "phone": "+86 138 0013 8000",
                    "current_country": "ML"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        r.body["id"].as_str().expect("id").to_owned()
    }
}
