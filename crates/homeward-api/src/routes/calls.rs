//! Hotline call routes: log a call, list and read calls, link a call to an incident or
//! a person.

use axum::Json;
use axum::http::StatusCode;
use axum::response::Response;
use homeward_domain::call::{CallCategory, CallCommand, LogCall};
use homeward_domain::policy::Action;
use homeward_domain::{CallId, IncidentId, PersonId};
use homeward_projections::calls::CallRecord;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::command::{ChangeHeaders, CommandRequest, CommandResponses, CreateHeaders};
use super::{Reader, incident_visible, person_known};
use crate::AppState;
use crate::auth::Caller;
use crate::error::OrNotFound;
use crate::error::Result;
use crate::error::problems::{BadRequest, NotFound};
use crate::extract::{ApiPath, ApiQuery, query_params};
use crate::views;

/// A call to log.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallBody {
    /// Who called.
    pub caller_name: String,
    /// The caller's phone (personal data).
    pub caller_phone: Option<String>,
    /// How the caller relates to the person concerned (mother, employer, self).
    pub caller_relation: Option<String>,
    /// Where the caller is (ISO 3166-1 alpha-2).
    pub from_country: Option<String>,
    /// What it was about (default `other`).
    pub category: Option<CallCategory>,
    /// What was said and done.
    pub summary: String,
    /// The incident it concerns.
    pub incident_id: Option<IncidentId>,
    /// The person it concerns.
    pub person_id: Option<PersonId>,
}

/// Links for a call.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    /// The incident it concerns.
    pub incident_id: Option<IncidentId>,
    /// The person it concerns.
    pub person_id: Option<PersonId>,
}

query_params! {
    /// Filters of the call list.
    pub struct CallQuery {
        /// Only calls about this person.
        pub person_id: Option<PersonId>,
        /// Only calls about this incident.
        pub incident_id: Option<IncidentId>,
        /// At most this many, newest first (default 100, at most 1000).
        pub limit: Option<usize>,
    }
}

/// Calls, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CallList {
    /// The calls.
    pub calls: Vec<CallRecord>,
}

fn shown(caller: &Caller, state: &AppState, call: &CallRecord) -> Option<CallRecord> {
    if let Some(incident) = call.incident_id
        && !incident_visible(state, caller, incident)
        && state.service.read().incidents.get(incident).is_some()
    {
        return None;
    }
    let mut call = call.clone();
    if !caller.may(Action::SeePersonalData) {
        call.caller_phone = call.caller_phone.as_deref().map(views::mask);
    }
    Some(call)
}

/// Log a hotline call.
#[utoipa::path(post, path = "/v1/calls", operation_id = "log_call", params(CreateHeaders),
    request_body = CallBody, responses(CommandResponses))]
pub async fn log(r: CommandRequest<(), CallBody, ()>) -> Result<Response> {
    let state = &r.origin.state;
    let id = CallId(r.origin.new_id());
    let (b, caller) = (r.body, &r.origin.caller);
    let command = CallCommand::Log(LogCall {
        incident_known: b
            .incident_id
            .is_some_and(|i| incident_visible(state, caller, i)),
        person_known: b.person_id.is_some_and(|p| person_known(state, p)),
        caller_name: b.caller_name,
        caller_phone: b.caller_phone,
        caller_relation: b.caller_relation,
        from_country: b.from_country,
        category: b.category,
        summary: b.summary,
        incident_id: b.incident_id,
        person_id: b.person_id,
    });
    r.origin
        .submit_on(Action::LogCall, id, command, StatusCode::CREATED)
        .await
}

/// Calls, newest first.
#[utoipa::path(get, path = "/v1/calls", operation_id = "list_calls", params(CallQuery),
    responses((status = 200, body = CallList), BadRequest))]
pub async fn list(reader: Reader, ApiQuery(q): ApiQuery<CallQuery>) -> Result<Json<CallList>> {
    reader.require(Action::ReadCalls)?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let records: Vec<CallRecord> = reader
        .state
        .service
        .read()
        .calls
        .newest_first()
        .filter(|c| q.person_id.is_none_or(|p| c.person_id == Some(p)))
        .filter(|c| q.incident_id.is_none_or(|i| c.incident_id == Some(i)))
        .take(limit * 2)
        .cloned()
        .collect();
    let calls = records
        .iter()
        .filter_map(|c| shown(&reader.caller, &reader.state, c))
        .take(limit)
        .collect();
    Ok(Json(CallList { calls }))
}

/// One call.
#[utoipa::path(get, path = "/v1/calls/{id}", operation_id = "get_call",
    params(("id" = CallId, Path)), responses((status = 200, body = CallRecord), NotFound))]
pub async fn get(reader: Reader, ApiPath(id): ApiPath<CallId>) -> Result<Json<CallRecord>> {
    reader.require(Action::ReadCalls)?;
    let record = reader.state.service.read().calls.get(id).cloned();
    record
        .and_then(|c| shown(&reader.caller, &reader.state, &c))
        .map(Json)
        .or_not_found("call", id)
}

/// Link a call to an incident and/or a person.
#[utoipa::path(post, path = "/v1/calls/{id}/link", params(("id" = CallId, Path), ChangeHeaders),
    request_body = LinkBody, responses(CommandResponses))]
pub async fn link(r: CommandRequest<ApiPath<CallId>, LinkBody>) -> Result<Response> {
    let state = &r.origin.state;
    let (b, caller) = (&r.body, &r.origin.caller);
    let incident_known = b
        .incident_id
        .is_some_and(|i| incident_visible(state, caller, i));
    let person_known = b.person_id.is_some_and(|p| person_known(state, p));
    r.send(Action::LogCall, StatusCode::OK, |_, b| CallCommand::Link {
        incident_known,
        person_known,
        incident_id: b.incident_id,
        person_id: b.person_id,
    })
    .await
}

/// Adds this module's routes to the API.
pub(super) fn add_routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(log, list))
        .routes(routes!(get))
        .routes(routes!(link))
}
