//! The HTTP edge of Homeward.
//!
//! [`app`] builds the whole router: the versioned API under `/v1`, the OpenAPI document
//! at `/openapi.json`, health and metrics. [`run`] serves it until a shutdown signal.
//! Every error is an RFC 9457 problem document; every request is bounded in size, time
//! and concurrency; request logs name the route template, never ids, names or query
//! strings, so no personal data reaches the logs.

pub mod auth;
pub mod error;
pub mod extract;
pub mod forward;
#[doc(hidden)]
pub mod fuzzing;
pub mod metrics;
pub mod openapi;
pub mod rate;
pub mod routes;
pub mod views;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use homeward_service::Homeward;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceBuilder;

pub use auth::TokenKeys;
pub use error::AppError;

/// How long any request may take before it is answered 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How many requests are worked on at once before new ones are shed with 503.
pub const MAX_IN_FLIGHT: usize = 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The application service.
    pub service: Arc<Homeward>,
    /// Token keys.
    pub tokens: Arc<TokenKeys>,
    /// Metrics.
    pub metrics: Arc<metrics::Metrics>,
    /// The data directory of the embedded log, for offline chain verification.
    pub data_dir: Option<PathBuf>,
    /// The rate limit per subject, if any.
    pub rate_limit: Option<Arc<rate::SubjectRateLimit>>,
    /// Deliveries to subscribers, when this instance delivers.
    pub notifier: Option<Arc<homeward_notify::Notifier>>,
    /// Rate limits of the answer pages (per link and per address).
    pub answer_limits: Arc<rate::AnswerLimits>,
    /// How long an answer link made by an officer works.
    pub answer_link_valid_for: jiff::SignedDuration,
    /// The exercise this server runs, if it serves an exercise copy: every response
    /// then carries `Homeward-Exercise: <name>` and the board names it.
    pub exercise: Option<Arc<str>>,
    /// Turns true when the server begins to shut down; live streams end then.
    pub shutdown: watch::Receiver<bool>,
    stop: Arc<watch::Sender<bool>>,
}

impl AppState {
    /// State for a service.
    pub fn new(service: Arc<Homeward>, tokens: Arc<TokenKeys>, data_dir: Option<PathBuf>) -> Self {
        let (stop, shutdown) = watch::channel(false);
        Self {
            service,
            tokens,
            metrics: Arc::new(metrics::Metrics::default()),
            data_dir,
            rate_limit: None,
            notifier: None,
            answer_limits: Arc::new(rate::AnswerLimits::default()),
            answer_link_valid_for: jiff::SignedDuration::from_hours(72),
            exercise: None,
            shutdown,
            stop: Arc::new(stop),
        }
    }

    /// Delivers events to subscribers through `notifier` (and shows its state).
    pub fn with_notifier(mut self, notifier: Arc<homeward_notify::Notifier>) -> Self {
        self.notifier = Some(notifier);
        self
    }

    /// Answer links made by officers work for `valid_for`.
    pub fn with_answer_link_valid_for(mut self, valid_for: jiff::SignedDuration) -> Self {
        self.answer_link_valid_for = valid_for;
        self
    }

    /// Limits each subject to `per_second` requests a second, in bursts of up to
    /// `burst` (either zero: no limit).
    pub fn with_rate_limit(mut self, per_second: u32, burst: u32) -> Self {
        self.rate_limit = rate::SubjectRateLimit::new(per_second, burst).map(Arc::new);
        self
    }

    /// Marks everything this server answers as part of the exercise `name`.
    pub fn with_exercise(mut self, name: &str) -> Self {
        self.exercise = Some(Arc::from(name));
        self
    }

    /// Ends the live streams (the server stops taking requests separately).
    pub fn begin_shutdown(&self) {
        self.stop.send_replace(true);
    }
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(routes::router())
        .fallback(|| async { AppError::NotFound("no such route".into()) })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            forward::forward,
        ))
        .layer(middleware::from_fn(problem_for_bare_errors))
        .layer(DefaultBodyLimit::max(extract::MAX_BODY))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(|e: tower::BoxError| async move {
                    if e.is::<tower::timeout::error::Elapsed>() {
                        AppError::Unavailable("the request took too long".into())
                    } else {
                        AppError::Unavailable("the server is overloaded; retry shortly".into())
                    }
                }))
                .load_shed()
                .concurrency_limit(MAX_IN_FLIGHT)
                .timeout(REQUEST_TIMEOUT),
        )
        .layer(
            tower_http::trace::TraceLayer::new_for_http().make_span_with(|req: &Request| {
                // The route template only: raw paths and query strings can hold names
                // and passport numbers.
                let route = req
                    .extensions()
                    .get::<axum::extract::MatchedPath>()
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_default();
                tracing::info_span!("request", method = %req.method(), route)
            }),
        )
        .layer(middleware::from_fn_with_state(
            state.clone(),
            exercise_header,
        ))
        .with_state(state)
}

/// `Homeward-Exercise: <name>` on every response of an exercise server.
async fn exercise_header(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let mut response = next.run(req).await;
    if let Some(value) = state
        .exercise
        .as_deref()
        .and_then(|name| header::HeaderValue::from_str(name).ok())
    {
        response.headers_mut().insert("homeward-exercise", value);
    }
    response
}

/// Turns empty error responses made below the handlers (405, a 413 from a length
/// check) into problem documents.
async fn problem_for_bare_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    // The answer pages answer citizens with plain pages of their own.
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if !(status.is_client_error() || status.is_server_error()) || is_problem || is_page {
        return response;
    }
    let (code, title, detail) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload_too_large",
            "Request body too large",
            format!(
                "the request body is larger than {} bytes",
                extract::MAX_BODY
            ),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "Method not allowed",
            "this route does not take that method".to_owned(),
        ),
        StatusCode::NOT_FOUND => ("not_found", "Not found", "no such route".to_owned()),
        s if s.is_server_error() => (
            "internal",
            "Internal error",
            "the server failed; the request may be retried".to_owned(),
        ),
        s => (
            "bad_request",
            "Malformed request",
            s.canonical_reason().unwrap_or("bad request").to_owned(),
        ),
    };
    let problem = error::Problem {
        problem_type: format!("urn:homeward:problem:{code}"),
        title: title.to_owned(),
        status: status.as_u16(),
        detail,
        code: code.to_owned(),
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(error::PROBLEM_JSON),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    Response::from_parts(parts, Body::from(body))
}

/// Serves `app` on `listener` until `shutdown` completes, then finishes the requests
/// in flight.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let stopping = state.clone();
    // The peer's address reaches the handlers for the answer pages' limit per address.
    let service = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(async move {
            shutdown.await;
            stopping.begin_shutdown();
        })
        .await
}
