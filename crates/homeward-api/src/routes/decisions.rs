//! Decisions pinned to what was known: record a decision on an incident, naming the
//! log position its author was looking at, and list the decisions beside the incident
//! as it stood then and the reports that came in since.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use homeward_domain::decision::RecordDecision;
use homeward_domain::incident::IncidentCommand;
use homeward_domain::policy::Action;
use homeward_domain::{DecisionId, IncidentId, StreamId};
use homeward_projections::decisions::{self, DecisionRecord};
use homeward_service::Command;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::command::{ChangeHeaders, CommandNames, CommandRequest, CommandResponses};
use super::{Reader, authorize, ensure_assigned, ensure_visible};
use crate::AppState;
use crate::error::Result;
use crate::error::problems::{BadRequest, NotFound};
use crate::extract::{ApiPath, IfMatch};
use crate::views;

/// A decision.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// What was decided.
    pub decision: String,
    /// Why.
    pub rationale: String,
    /// The options weighed against it (at most 20, distinct).
    #[serde(default)]
    pub options_considered: Vec<String>,
}

/// An incident's decisions.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DecisionList {
    /// Oldest first, each beside what was known when it was made.
    pub decisions: Vec<DecisionRecord>,
}

/// Record a decision. It names what its author was looking at: the version in
/// `If-Match` (the incident as the client last read it), or else the server's head.
/// Here `If-Match` pins what was known and refuses nothing that came in since; a
/// version the incident never reached is refused.
#[utoipa::path(post, path = "/v1/incidents/{id}/decisions", operation_id = "record_decision",
    params(("id" = IncidentId, Path), ChangeHeaders), request_body = DecisionBody,
    responses(CommandResponses))]
pub async fn record(
    State(state): State<AppState>,
    if_match: IfMatch,
    r: CommandRequest<ApiPath<IncidentId>, DecisionBody, ()>,
) -> Result<Response> {
    let ApiPath(id) = r.path;
    let stream = StreamId::incident(id);
    // Who may decide, and on which incident, before anything is read for them.
    authorize(
        &state,
        &r.origin.caller,
        Action::RecordDecision,
        "record_decision",
        Some(stream.clone()),
    )
    .await?;
    ensure_assigned(&state, &r.origin.caller, id, "record_decision").await?;
    let (known_version, known_position) = match if_match.0 {
        Some(version) => {
            let events = state.service.log().read_stream(stream.to_string()).await?;
            // A version the incident never reached has no position; the core refuses it.
            let position = events
                .iter()
                .find(|e| e.version == version)
                .map_or(0, |e| e.position);
            (version, position)
        }
        None => {
            let projections = state.service.read();
            let version = projections.incidents.get(id).map_or(0, |f| f.version);
            (version, projections.position)
        }
    };
    let decision_id = DecisionId(state.service.new_id());
    let b = r.body;
    let command = Command::Incident(
        id,
        IncidentCommand::RecordDecision(RecordDecision {
            decision_id,
            decision: b.decision,
            rationale: b.rationale,
            options_considered: b.options_considered,
            known_version,
            known_position,
        }),
    );
    let names = CommandNames {
        incident_id: Some(id.0),
        known_version: Some(known_version),
        known_position: Some(known_position),
        ..CommandNames::id(decision_id.0)
    };
    r.origin
        .submit(Action::RecordDecision, command, StatusCode::CREATED, names)
        .await
}

/// An incident's decisions, each with `known` (the incident as it stood at the
/// position its author was looking at, the same view as `?as_of`) and `learned_since`
/// (the reports filed on the incident after that position).
#[utoipa::path(get, path = "/v1/incidents/{id}/decisions", params(("id" = IncidentId, Path)),
    responses((status = 200, body = DecisionList), BadRequest, NotFound))]
pub async fn list(reader: Reader, ApiPath(id): ApiPath<IncidentId>) -> Result<Json<DecisionList>> {
    reader.require(Action::ReadIncidents)?;
    ensure_visible(&reader.state, &reader.caller, id)?;
    let events = reader
        .state
        .service
        .log()
        .read_stream(StreamId::incident(id).to_string())
        .await?;
    let mut decisions = decisions::records(id, &events);
    // Need-to-know is judged on the incident now and as it stood then, as `?as_of` does.
    for d in &mut decisions {
        if d.known
            .as_ref()
            .is_some_and(|k| !views::may_see(&reader.caller, k))
        {
            d.known = None;
        }
    }
    Ok(Json(DecisionList { decisions }))
}

/// Adds this module's routes to the API.
pub(super) fn add_routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(record, list))
}
