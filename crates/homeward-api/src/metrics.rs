//! Prometheus metrics: requests by route and status, latency, log and projection positions,
//! commands sent on to the instance writing their stream.

use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::AppState;

/// Labels of a request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// HTTP method.
    pub method: String,
    /// The route template (never the raw path: no ids or names in labels).
    pub route: String,
    /// Status code.
    pub status: u16,
}

/// Labels of a latency observation.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// The route template.
    pub route: String,
}

/// Labels of a command sent on to the instance writing its stream (see `forward`).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ForwardLabels {
    /// `sent` (answered there), `unreachable` (taken here), `unanswered` (503),
    /// `received` (sent here by another instance).
    pub outcome: &'static str,
}

/// Every metric the server exports.
pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    log_head: Gauge,
    projected: Gauge,
    unreadable: Gauge,
    forwarded: Family<ForwardLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("homeward");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ])
        });
        let log_head = Gauge::default();
        let projected = Gauge::default();
        let unreadable = Gauge::default();
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time to answer HTTP requests",
            latency.clone(),
        );
        registry.register(
            "log_head_position",
            "Last durable log position",
            log_head.clone(),
        );
        registry.register(
            "projected_position",
            "Last log position folded into the read models",
            projected.clone(),
        );
        registry.register(
            "log_unreadable_position",
            "Position of the log entry this instance cannot read and is held before (0: none; upgrade the instance)",
            unreadable.clone(),
        );
        let forwarded = Family::<ForwardLabels, Counter>::default();
        registry.register(
            "forwarded_commands",
            "Commands sent on to the instance writing their stream, or received from another",
            forwarded.clone(),
        );
        Self {
            registry: Mutex::new(registry),
            requests,
            latency,
            log_head,
            projected,
            unreadable,
            forwarded,
        }
    }
}

impl Metrics {
    /// Counts a command sent on (or received), by what came of it.
    pub fn forwarded(&self, outcome: &'static str) {
        self.forwarded
            .get_or_create(&ForwardLabels { outcome })
            .inc();
    }

    /// The Prometheus text exposition, with positions read now.
    pub fn render(&self, log_head: u64, projected: u64, unreadable: u64) -> String {
        self.log_head.set(log_head as i64);
        self.projected.set(projected as i64);
        self.unreadable.set(unreadable as i64);
        let mut out = String::new();
        if let Ok(registry) = self.registry.lock() {
            let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
        }
        out
    }
}

/// Middleware counting and timing every request by its route template.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = req.method().to_string();
    let started = Instant::now();
    let response = next.run(req).await;
    state
        .metrics
        .latency
        .get_or_create(&RouteLabels {
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    state
        .metrics
        .requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}
