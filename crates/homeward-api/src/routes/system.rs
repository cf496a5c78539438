//! Health, metrics and the OpenAPI document.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

/// Whether the server is up and how far it got.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`, or `degraded` when the log holds an entry this instance cannot read: it
    /// then serves reads of everything before it and refuses changes with 503 until it
    /// is upgraded.
    pub status: &'static str,
    /// The last durable log position.
    pub log_position: u64,
    /// The last position folded into the read models.
    pub projected_position: u64,
    /// When degraded: the position the read models are held at (the entry before the
    /// unreadable one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_at: Option<u64>,
    /// When degraded: the entry that cannot be read, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<UnreadableEntry>,
}

/// An entry of the log this instance cannot read.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnreadableEntry {
    /// Its position.
    pub position: u64,
    /// Why (for a newer schema version: its type and version).
    pub reason: String,
}

/// Health.
#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> Json<Health> {
    let unreadable = state.service.unreadable();
    Json(Health {
        status: if unreadable.is_some() {
            "degraded"
        } else {
            "ok"
        },
        log_position: *state.service.log().head().borrow(),
        projected_position: state.service.projected(),
        held_at: unreadable.as_ref().map(|u| u.position.saturating_sub(1)),
        unreadable: unreadable.map(|u| UnreadableEntry {
            position: u.position,
            reason: u.reason,
        }),
    })
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics",
    responses((status = 200, description = "Prometheus metrics in the OpenMetrics text format", content_type = "application/openmetrics-text", body = String)))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let head = *state.service.log().head().borrow();
    let held = state.service.unreadable().map_or(0, |u| u.position);
    let body = state.metrics.render(head, state.service.projected(), held);
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
}

/// The OpenAPI 3 document of this API.
#[utoipa::path(get, path = "/openapi.json",
    responses((status = 200, description = "OpenAPI 3.1 document", body = Object)))]
pub async fn openapi() -> impl IntoResponse {
    Json(crate::openapi::document_json())
}

/// Adds this module's routes to the API.
pub(super) fn add_routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(healthz))
        .routes(routes!(metrics))
        .routes(routes!(openapi))
}
