//! The routes, one module per resource, and the path every command takes through them.

pub mod access;
pub mod audit;
pub mod board;
pub mod calls;
pub mod countries;
pub mod decisions;
pub mod evacuations;
pub mod incidents;
pub mod persons;
pub mod sitrep;
pub mod subscriptions;
pub mod system;
pub mod tasks;
pub mod wall;

use axum::Router;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use homeward_domain::policy::{self, Action};
use homeward_domain::{IncidentId, StreamId};
use homeward_projections::incidents::IncidentFile;
use homeward_service::{Accepted, Command, CommandMeta};
use homeward_store::RejectionRequest;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::extract::{IdempotencyKey, IfMatch};
use crate::views;

/// Every route.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(wall::index))
        .route("/wall/app.js", get(wall::app_js))
        .route("/wall/style.css", get(wall::style))
        .route("/wall/world.json", get(wall::world))
        .route("/v1/timeline", get(wall::timeline))
        .route("/v1/sitrep", get(sitrep::get))
        .route("/sitrep", get(sitrep::page))
        .route(
            "/v1/subscriptions",
            post(subscriptions::create).get(subscriptions::list),
        )
        .route("/v1/subscriptions/{id}/delete", post(subscriptions::delete))
        .route(
            "/v1/subscriptions/{id}/failures",
            get(subscriptions::failures),
        )
        .route(
            "/v1/subscriptions/{id}/failures/replay",
            post(subscriptions::replay),
        )
        .route("/v1/tasks", get(tasks::list))
        .route("/v1/deadlines/missed", get(tasks::missed))
        .route("/healthz", get(system::healthz))
        .route("/metrics", get(system::metrics))
        .route("/openapi.json", get(system::openapi))
        .route("/v1/incidents", post(incidents::open).get(incidents::list))
        .route("/v1/incidents/{id}", get(incidents::get))
        .route("/v1/incidents/{id}/status", post(incidents::status))
        .route("/v1/incidents/{id}/close", post(incidents::close))
        .route("/v1/incidents/{id}/reopen", post(incidents::reopen))
        .route("/v1/incidents/{id}/severity", post(incidents::severity))
        .route("/v1/incidents/{id}/lead", post(incidents::lead))
        .route("/v1/incidents/{id}/team", post(incidents::add_member))
        .route(
            "/v1/incidents/{id}/team/{subject}",
            delete(incidents::remove_member),
        )
        .route("/v1/incidents/{id}/persons", post(incidents::add_person))
        .route(
            "/v1/incidents/{id}/persons/{person_id}/status",
            post(incidents::person_status),
        )
        .route("/v1/incidents/{id}/tasks", post(incidents::add_task))
        .route(
            "/v1/incidents/{id}/tasks/{task_id}/complete",
            post(incidents::complete_task),
        )
        .route(
            "/v1/incidents/{id}/tasks/{task_id}/cancel",
            post(incidents::cancel_task),
        )
        .route("/v1/incidents/{id}/reports", post(incidents::file_report))
        .route(
            "/v1/incidents/{id}/kidnapping/captor-contacts",
            post(incidents::captor_contact),
        )
        .route(
            "/v1/incidents/{id}/kidnapping/demands",
            post(incidents::demand),
        )
        .route(
            "/v1/incidents/{id}/kidnapping/proofs-of-life",
            post(incidents::proof_of_life),
        )
        .route(
            "/v1/incidents/{id}/kidnapping/negotiation",
            post(incidents::negotiation),
        )
        .route(
            "/v1/incidents/{id}/kidnapping/outcome",
            post(incidents::outcome),
        )
        .route("/v1/incidents/{id}/corrections", post(incidents::correct))
        .route(
            "/v1/incidents/{id}/decisions",
            post(decisions::record).get(decisions::list),
        )
        .route("/v1/persons", post(persons::register).get(persons::search))
        .route("/v1/persons/{id}", get(persons::get))
        .route("/v1/persons/{id}/whereabouts", post(persons::whereabouts))
        .route(
            "/v1/persons/{id}/vulnerabilities",
            put(persons::vulnerabilities),
        )
        .route("/v1/persons/{id}/welfare", post(persons::welfare))
        .route("/v1/persons/{id}/merge", post(persons::merge))
        .route("/v1/persons/{id}/unmerge", post(persons::unmerge))
        .route("/v1/persons/{id}/corrections", post(persons::correct))
        .route("/v1/persons/{id}/erase", post(persons::erase))
        .route("/v1/tokens/revocations", post(access::revoke))
        .route("/v1/calls", post(calls::log).get(calls::list))
        .route("/v1/calls/{id}", get(calls::get))
        .route("/v1/calls/{id}/link", post(calls::link))
        .route(
            "/v1/evacuations",
            post(evacuations::open).get(evacuations::list),
        )
        .route("/v1/evacuations/{id}", get(evacuations::get))
        .route(
            "/v1/evacuations/{id}/assembly-points",
            post(evacuations::add_assembly_point),
        )
        .route(
            "/v1/evacuations/{id}/transports",
            post(evacuations::add_transport),
        )
        .route("/v1/evacuations/{id}/close", post(evacuations::close))
        .route("/v1/evacuations/{id}/evacuees", post(evacuations::register))
        .route(
            "/v1/evacuations/{id}/evacuees/{person_id}/check-in",
            post(evacuations::check_in),
        )
        .route(
            "/v1/evacuations/{id}/evacuees/{person_id}/assign",
            post(evacuations::assign),
        )
        .route(
            "/v1/evacuations/{id}/evacuees/{person_id}/board",
            post(evacuations::board),
        )
        .route(
            "/v1/evacuations/{id}/evacuees/{person_id}/no-show",
            post(evacuations::no_show),
        )
        .route(
            "/v1/evacuations/{id}/evacuees/{person_id}/offload",
            post(evacuations::offload),
        )
        .route(
            "/v1/evacuations/{id}/transports/{transport_id}/depart",
            post(evacuations::depart),
        )
        .route(
            "/v1/evacuations/{id}/transports/{transport_id}/arrive",
            post(evacuations::arrive),
        )
        .route(
            "/v1/evacuations/{id}/transports/{transport_id}/manifest",
            get(evacuations::manifest),
        )
        .route("/v1/countries", get(countries::list))
        .route("/v1/countries/{code}/risk", put(countries::set_risk))
        .route("/v1/board", get(board::board))
        .route("/v1/board/stream", get(board::stream))
        .route("/v1/audit", get(audit::list))
        .route("/v1/audit/verify", get(audit::verify))
}

/// Fails with 403 (recorded in the audit trail) unless the caller's role may `action`.
pub(crate) async fn authorize(
    state: &AppState,
    caller: &Caller,
    action: Action,
    command: &str,
    stream: Option<StreamId>,
) -> Result<(), AppError> {
    if let Err(denied) = caller.require(action) {
        state
            .service
            .record_refusal(RejectionRequest {
                stream_id: stream,
                command: command.to_owned(),
                code: "forbidden".into(),
                reason: denied.to_string(),
                actor: caller.actor.clone(),
                correlation_id: Uuid::now_v7(),
            })
            .await?;
        return Err(denied);
    }
    Ok(())
}

/// 404 unless the caller may see the incident (without copying its file).
pub(crate) fn ensure_visible(
    state: &AppState,
    caller: &Caller,
    id: IncidentId,
) -> Result<(), AppError> {
    let projections = state.service.read();
    match projections.incidents.get(id) {
        Some(file) if views::may_see(caller, file) => Ok(()),
        _ => Err(AppError::NotFound(format!("no incident {id}"))),
    }
}

/// 404 unless the caller may see the incident; then 403 (recorded in the audit trail)
/// unless the caller may act on it: field officers act only where they are assigned.
pub(crate) async fn ensure_assigned(
    state: &AppState,
    caller: &Caller,
    id: IncidentId,
    command: &str,
) -> Result<(), AppError> {
    let is_member = {
        let projections = state.service.read();
        match projections.incidents.get(id) {
            Some(file) if views::may_see(caller, file) => file.is_member(&caller.actor.subject),
            _ => return Err(AppError::NotFound(format!("no incident {id}"))),
        }
    };
    if policy::may_act_on_incident(&caller.actor, is_member) {
        return Ok(());
    }
    let denied =
        AppError::Forbidden("field officers act only on incidents they are assigned to".to_owned());
    state
        .service
        .record_refusal(RejectionRequest {
            stream_id: Some(StreamId::incident(id)),
            command: command.to_owned(),
            code: "forbidden".into(),
            reason: denied.to_string(),
            actor: caller.actor.clone(),
            correlation_id: Uuid::now_v7(),
        })
        .await?;
    Err(denied)
}

/// The incident's file if the caller may see it; 404 otherwise, as if it did not exist.
pub(crate) fn visible_incident(
    state: &AppState,
    caller: &Caller,
    id: IncidentId,
) -> Result<IncidentFile, AppError> {
    let projections = state.service.read();
    match projections.incidents.get(id) {
        Some(file) if views::may_see(caller, file) => Ok(file.clone()),
        _ => Err(AppError::NotFound(format!("no incident {id}"))),
    }
}

/// Runs a command for the caller and answers with `status` (or the stored answer of an
/// earlier identical request).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn execute(
    state: &AppState,
    caller: &Caller,
    command: Command,
    idempotency: IdempotencyKey,
    request_hash: [u8; 32],
    if_match: IfMatch,
    status: StatusCode,
    body: Map<String, Value>,
) -> Result<Response, AppError> {
    let meta = CommandMeta {
        actor: caller.actor.clone(),
        correlation_id: Uuid::now_v7(),
        idempotency: idempotency
            .0
            .map(|key| (format!("{}\u{0}{key}", caller.actor.subject), request_hash)),
        expected_version: if_match.0,
        causation_id: None,
    };
    let accepted = state.service.execute(command, meta, body).await?;
    Ok(respond(status, accepted))
}

fn respond(status: StatusCode, accepted: Accepted) -> Response {
    let version = accepted.body.get("version").and_then(Value::as_u64);
    let mut response = (status, axum::Json(accepted.body)).into_response();
    if accepted.replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    if let Some(v) = version
        && let Ok(etag) = HeaderValue::from_str(&format!("\"{v}\""))
    {
        response
            .headers_mut()
            .insert(axum::http::header::ETAG, etag);
    }
    response
}

/// A JSON object from pairs.
pub(crate) fn fields<const N: usize>(pairs: [(&str, Value); N]) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}
