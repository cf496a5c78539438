//! Evacuation routes: open, schedule transports, register evacuees (existing persons
//! or new ones), check in, assign, board, no-show, offload, depart, arrive; the
//! reconciliation; transport manifests as JSON or CSV.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use homeward_domain::evacuation::{EvacuationCommand, Priority, ScheduleTransport, TransportMode};
use homeward_domain::policy::Action;
use homeward_domain::{
    CountryCode, EvacuationId, IncidentId, PersonId, StreamId, Timestamp, TransportId,
};
use homeward_projections::evacuations::{
    Counts, EvacueeRecord, Manifest, TransportRecord, manifests_csv,
};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::command::{
    ChangeHeaders, CommandNames, CommandRequest, CommandResponses, CommandTarget, CreateHeaders,
};
use super::{Reader, authorize, ensure_evacuation, incident_visible, person_known};
use crate::AppState;
use crate::auth::Caller;
use crate::error::Result;
use crate::error::problems::NotFound;
use crate::error::{AppError, OrNotFound};
use crate::extract::ApiPath;
use crate::routes::incidents::ReasonBody;
use crate::routes::persons::PersonBody;
use crate::views;

/// An evacuation to open.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenEvacuationBody {
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// Why citizens are leaving.
    pub reason: String,
    /// Where evacuees gather.
    #[serde(default)]
    pub assembly_points: Vec<String>,
    /// The incident it belongs to.
    pub incident_id: Option<IncidentId>,
}

/// An assembly point.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssemblyPointBody {
    /// Its name.
    pub name: String,
}

/// A transport to schedule.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransportBody {
    /// Flight, ship, bus or train.
    pub mode: TransportMode,
    /// Airline, shipping line, bus company.
    pub carrier: Option<String>,
    /// Flight or service number.
    pub number: String,
    /// From (airport code, port, city).
    pub from: String,
    /// To.
    pub to: String,
    /// Scheduled departure.
    pub departs_at: Timestamp,
    /// Seats.
    pub capacity: u32,
}

/// An evacuee: an existing person or a new one.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvacueeBody {
    /// A person already in the registry.
    pub person_id: Option<PersonId>,
    /// A person to register first.
    pub person: Option<PersonBody>,
    /// Who goes first.
    pub priority: Priority,
    /// Family group: members travel together.
    pub group: Option<String>,
}

/// A check-in.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInBody {
    /// Where.
    pub assembly_point: Option<String>,
}

/// A seat assignment.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// The transport.
    pub transport_id: TransportId,
    /// Seat this person alone even if their family group does not fit together.
    #[serde(default)]
    pub split_group: bool,
}

/// Boarding.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BoardBody {
    /// The transport.
    pub transport_id: TransportId,
}

/// A departure or arrival.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MovementBody {
    /// When it happened, if earlier than now.
    pub occurred_at: Option<Timestamp>,
}

/// A transport with its counts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TransportView {
    /// The transport.
    #[serde(flatten)]
    pub transport: TransportRecord,
    /// Its passengers' counts.
    pub counts: Counts,
}

/// An evacuation with its reconciliation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EvacuationView {
    /// Its id.
    pub id: EvacuationId,
    /// The stream's version.
    pub version: u64,
    /// Country.
    pub country: CountryCode,
    /// Why.
    pub reason: String,
    /// The incident it belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<IncidentId>,
    /// Assembly points.
    pub assembly_points: Vec<String>,
    /// When it was opened.
    pub opened_at: Timestamp,
    /// Whether it is closed.
    pub closed: bool,
    /// Registered against checked in against boarded against departed against arrived.
    pub counts: Counts,
    /// Seats on all transports.
    pub capacity: u32,
    /// Registered but never checked in, or no-show: whereabouts unknown to the team.
    pub unaccounted: Vec<PersonId>,
    /// Transports.
    pub transports: Vec<TransportView>,
    /// Every evacuee (only on the single-evacuation view).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evacuees: Option<Vec<EvacueeRecord>>,
}

/// Every evacuation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EvacuationList {
    /// Newest first.
    pub evacuations: Vec<EvacuationView>,
}

fn view(
    r: &homeward_projections::evacuations::EvacuationRecord,
    with_evacuees: bool,
    caller: &Caller,
    p: &homeward_projections::Projections,
) -> EvacuationView {
    EvacuationView {
        id: r.id,
        version: r.version,
        country: r.country,
        reason: r.reason.clone(),
        // The incident it serves only when the caller may see that incident.
        incident_id: r.incident_id.filter(|i| {
            p.incidents
                .get(*i)
                .is_some_and(|f| views::may_see(caller, f))
        }),
        assembly_points: r.assembly_points.clone(),
        opened_at: r.opened_at,
        closed: r.closed,
        counts: r.counts(),
        capacity: r.transports.iter().map(|t| t.capacity).sum(),
        unaccounted: r.unaccounted(),
        transports: r
            .transports
            .iter()
            .map(|t| TransportView {
                transport: t.clone(),
                counts: r.transport_counts(t.transport_id),
            })
            .collect(),
        evacuees: with_evacuees.then(|| r.evacuees.values().cloned().collect()),
    }
}

/// Open an evacuation.
#[utoipa::path(post, path = "/v1/evacuations", operation_id = "open_evacuation",
    params(CreateHeaders), request_body = OpenEvacuationBody, responses(CommandResponses))]
pub async fn open(r: CommandRequest<(), OpenEvacuationBody, ()>) -> Result<Response> {
    let state = &r.origin.state;
    let id = EvacuationId(r.origin.new_id());
    let b = r.body;
    let caller = &r.origin.caller;
    let incident_known = b
        .incident_id
        .is_some_and(|i| incident_visible(state, caller, i));
    let command = EvacuationCommand::Open {
        country: b.country,
        reason: b.reason,
        assembly_points: b.assembly_points,
        incident_id: b.incident_id,
        incident_known,
    };
    r.origin
        .submit_on(Action::ManageEvacuations, id, command, StatusCode::CREATED)
        .await
}

/// Every evacuation with its counts.
#[utoipa::path(get, path = "/v1/evacuations", operation_id = "list_evacuations",
    responses((status = 200, body = EvacuationList)))]
pub async fn list(reader: Reader) -> Result<Json<EvacuationList>> {
    let p = reader.read(Action::ReadEvacuations)?;
    Ok(Json(EvacuationList {
        evacuations: p
            .evacuations
            .newest_first()
            .into_iter()
            .map(|r| view(r, false, &reader.caller, &p))
            .collect(),
    }))
}

/// One evacuation: transports, evacuees, and the reconciliation.
#[utoipa::path(get, path = "/v1/evacuations/{id}", operation_id = "get_evacuation",
    params(("id" = EvacuationId, Path)), responses((status = 200, body = EvacuationView), NotFound))]
pub async fn get(
    reader: Reader,
    ApiPath(id): ApiPath<EvacuationId>,
) -> Result<Json<EvacuationView>> {
    let p = reader.read(Action::ReadEvacuations)?;
    p.evacuations
        .get(id)
        .map(|r| Json(view(r, true, &reader.caller, &p)))
        .or_not_found("evacuation", id)
}

/// Add an assembly point.
#[utoipa::path(post, path = "/v1/evacuations/{id}/assembly-points",
    params(("id" = EvacuationId, Path), ChangeHeaders), request_body = AssemblyPointBody,
    responses(CommandResponses))]
pub async fn add_assembly_point(
    r: CommandRequest<ApiPath<EvacuationId>, AssemblyPointBody>,
) -> Result<Response> {
    r.send(Action::ManageEvacuations, StatusCode::CREATED, |_, b| {
        EvacuationCommand::AddAssemblyPoint { name: b.name }
    })
    .await
}

/// Schedule a transport (flight, ship, bus, train) with its capacity and departure time.
#[utoipa::path(post, path = "/v1/evacuations/{id}/transports",
    params(("id" = EvacuationId, Path), ChangeHeaders), request_body = TransportBody,
    responses(CommandResponses))]
pub async fn add_transport(
    r: CommandRequest<ApiPath<EvacuationId>, TransportBody>,
) -> Result<Response> {
    let (ApiPath(id), b) = (r.path, r.body);
    let transport_id = TransportId(r.origin.new_id());
    let command = EvacuationCommand::ScheduleTransport(b.scheduled(transport_id));
    let names = CommandNames {
        evacuation_id: Some(id.into()),
        ..CommandNames::id(transport_id)
    };
    r.origin
        .submit(
            Action::ManageEvacuations,
            id.command(command),
            StatusCode::CREATED,
            names,
        )
        .await
}

/// Close the evacuation, with a reason.
#[utoipa::path(post, path = "/v1/evacuations/{id}/close", operation_id = "close_evacuation",
    params(("id" = EvacuationId, Path), ChangeHeaders), request_body = ReasonBody,
    responses(CommandResponses))]
pub async fn close(r: CommandRequest<ApiPath<EvacuationId>, ReasonBody>) -> Result<Response> {
    r.send(Action::ManageEvacuations, StatusCode::OK, |_, b| {
        EvacuationCommand::Close { reason: b.reason }
    })
    .await
}

/// Check an evacuee in at an assembly point.
#[utoipa::path(post, path = "/v1/evacuations/{id}/evacuees/{person_id}/check-in",
    params(("id" = EvacuationId, Path), ("person_id" = PersonId, Path), ChangeHeaders),
    request_body = CheckInBody, responses(CommandResponses))]
pub async fn check_in(
    r: CommandRequest<ApiPath<(EvacuationId, PersonId)>, CheckInBody>,
) -> Result<Response> {
    r.send(
        Action::ProcessEvacuees,
        StatusCode::OK,
        |(_, person_id), b| EvacuationCommand::CheckIn {
            person_id,
            assembly_point: b.assembly_point,
        },
    )
    .await
}

/// Give an evacuee (and their family group, together) seats on a transport.
#[utoipa::path(post, path = "/v1/evacuations/{id}/evacuees/{person_id}/assign",
    params(("id" = EvacuationId, Path), ("person_id" = PersonId, Path), ChangeHeaders),
    request_body = AssignBody, responses(CommandResponses))]
pub async fn assign(
    r: CommandRequest<ApiPath<(EvacuationId, PersonId)>, AssignBody>,
) -> Result<Response> {
    r.send(
        Action::ManageEvacuations,
        StatusCode::OK,
        |(_, person_id), b| EvacuationCommand::Assign {
            person_id,
            transport_id: b.transport_id,
            split_group: b.split_group,
        },
    )
    .await
}

/// Board an evacuee (checked in, holding a seat on this transport).
#[utoipa::path(post, path = "/v1/evacuations/{id}/evacuees/{person_id}/board", operation_id = "board_evacuee",
    params(("id" = EvacuationId, Path), ("person_id" = PersonId, Path), ChangeHeaders),
    request_body = BoardBody, responses(CommandResponses))]
pub async fn board(
    r: CommandRequest<ApiPath<(EvacuationId, PersonId)>, BoardBody>,
) -> Result<Response> {
    r.send(
        Action::ProcessEvacuees,
        StatusCode::OK,
        |(_, person_id), b| EvacuationCommand::Board {
            person_id,
            transport_id: b.transport_id,
        },
    )
    .await
}

/// Mark an evacuee as not having shown up; their seat is released.
#[utoipa::path(post, path = "/v1/evacuations/{id}/evacuees/{person_id}/no-show",
    params(("id" = EvacuationId, Path), ("person_id" = PersonId, Path), ChangeHeaders),
    request_body = CheckInBody, responses(CommandResponses))]
pub async fn no_show(
    r: CommandRequest<ApiPath<(EvacuationId, PersonId)>, CheckInBody>,
) -> Result<Response> {
    r.send(
        Action::ProcessEvacuees,
        StatusCode::OK,
        |(_, person_id), _| EvacuationCommand::NoShow { person_id },
    )
    .await
}

/// Take an evacuee off a transport before it leaves, with a reason.
#[utoipa::path(post, path = "/v1/evacuations/{id}/evacuees/{person_id}/offload",
    params(("id" = EvacuationId, Path), ("person_id" = PersonId, Path), ChangeHeaders),
    request_body = ReasonBody, responses(CommandResponses))]
pub async fn offload(
    r: CommandRequest<ApiPath<(EvacuationId, PersonId)>, ReasonBody>,
) -> Result<Response> {
    r.send(
        Action::ProcessEvacuees,
        StatusCode::OK,
        |(_, person_id), b| EvacuationCommand::Offload {
            person_id,
            reason: b.reason,
        },
    )
    .await
}

/// The transport left.
#[utoipa::path(post, path = "/v1/evacuations/{id}/transports/{transport_id}/depart",
    params(("id" = EvacuationId, Path), ("transport_id" = TransportId, Path), ChangeHeaders),
    request_body = MovementBody, responses(CommandResponses))]
pub async fn depart(
    r: CommandRequest<ApiPath<(EvacuationId, TransportId)>, MovementBody>,
) -> Result<Response> {
    r.send(
        Action::ManageEvacuations,
        StatusCode::OK,
        |(_, transport_id), b| EvacuationCommand::Depart {
            transport_id,
            occurred_at: b.occurred_at,
        },
    )
    .await
}

/// The transport arrived.
#[utoipa::path(post, path = "/v1/evacuations/{id}/transports/{transport_id}/arrive",
    params(("id" = EvacuationId, Path), ("transport_id" = TransportId, Path), ChangeHeaders),
    request_body = MovementBody, responses(CommandResponses))]
pub async fn arrive(
    r: CommandRequest<ApiPath<(EvacuationId, TransportId)>, MovementBody>,
) -> Result<Response> {
    r.send(
        Action::ManageEvacuations,
        StatusCode::OK,
        |(_, transport_id), b| EvacuationCommand::Arrive {
            transport_id,
            occurred_at: b.occurred_at,
        },
    )
    .await
}

/// Register an evacuee: a person already in the registry (`person_id`) or a new one
/// (`person`), with a priority and an optional family group.
#[utoipa::path(post, path = "/v1/evacuations/{id}/evacuees", operation_id = "register_evacuee",
    params(("id" = EvacuationId, Path), ChangeHeaders), request_body = EvacueeBody,
    responses(CommandResponses))]
pub async fn register(r: CommandRequest<ApiPath<EvacuationId>, EvacueeBody>) -> Result<Response> {
    let state = &r.origin.state;
    let (ApiPath(id), b) = (r.path, r.body);
    let caller = &r.origin.caller;
    authorize(
        state,
        caller,
        Action::ProcessEvacuees,
        "register_evacuee",
        stream(id),
    )
    .await?;
    ensure_evacuation(state, id)?;
    let person_id = match (b.person_id, b.person) {
        (Some(pid), None) => pid,
        (None, Some(person)) => {
            // A new person is registered first, under a key derived from this request
            // so that a retry registers them once (and names the same person).
            let pid = PersonId(r.origin.new_id());
            let command = pid.command(person.command(state));
            let registered = r
                .origin
                .keyed("#person")
                .run(Action::RegisterPerson, command, pid.names())
                .await?;
            registered
                .reply
                .names
                .id
                .map(PersonId)
                .ok_or_else(|| AppError::Internal("registered person without id".into()))?
        }
        _ => {
            return Err(AppError::bad_request(
                "invalid_body",
                "give either `person_id` (a registered person) or `person` (a new one)",
            ));
        }
    };
    let person_known = person_known(state, person_id);
    let command = EvacuationCommand::RegisterEvacuee {
        person_id,
        priority: b.priority,
        group: b.group,
        person_known,
    };
    let evacuee = (id, person_id);
    r.origin
        .submit_on(
            Action::ProcessEvacuees,
            evacuee,
            command,
            StatusCode::CREATED,
        )
        .await
}

impl TransportBody {
    /// The transport, scheduled under `transport_id`.
    fn scheduled(self, transport_id: TransportId) -> ScheduleTransport {
        ScheduleTransport {
            transport_id,
            mode: self.mode,
            carrier: self.carrier,
            number: self.number,
            from: self.from,
            to: self.to,
            departs_at: self.departs_at,
            capacity: self.capacity,
        }
    }
}

fn stream(id: EvacuationId) -> Option<StreamId> {
    Some(StreamId::evacuation(id))
}

/// Manifests of one transport, or of all, for this caller: passports masked unless
/// the caller may see personal data.
pub fn manifests(
    state: &AppState,
    caller: &Caller,
    id: EvacuationId,
    transport: Option<TransportId>,
) -> Result<Vec<Manifest>, AppError> {
    let p = state.service.read();
    let record = p.evacuations.get(id).or_not_found("evacuation", id)?;
    let personal = caller.may(Action::SeePersonalData);
    let mask = |n: &str| {
        if personal {
            n.to_owned()
        } else {
            views::mask(n)
        }
    };
    let ids: Vec<TransportId> = match transport {
        Some(t) => vec![t],
        None => record.transports.iter().map(|t| t.transport_id).collect(),
    };
    ids.into_iter()
        .map(|t| {
            record
                .manifest(t, &p.locator, personal, &mask)
                .or_not_found("transport", t)
        })
        .collect()
}

/// A transport's manifest: passengers by seat with totals. JSON by default; CSV (a
/// header row, one row per passenger) with `Accept: text/csv`.
#[utoipa::path(get, path = "/v1/evacuations/{id}/transports/{transport_id}/manifest",
    params(("id" = EvacuationId, Path), ("transport_id" = TransportId, Path)),
    responses((status = 200, body = Manifest, content_type = "application/json"), (status = 200, description = "CSV manifest", content_type = "text/csv", body = String), NotFound))]
pub async fn manifest(
    reader: Reader,
    ApiPath((id, transport)): ApiPath<(EvacuationId, TransportId)>,
    headers: HeaderMap,
) -> Result<Response> {
    reader.require(Action::ReadEvacuations)?;
    let mut manifests = manifests(&reader.state, &reader.caller, id, Some(transport))?;
    let wants_csv = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/csv"));
    if wants_csv {
        let csv = manifests_csv(&manifests).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut response = csv.into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        return Ok(response);
    }
    manifests
        .pop()
        .map(|m| Json(m).into_response())
        .or_not_found("transport", transport)
}

/// Adds this module's routes to the API.
pub(super) fn add_routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(open, list))
        .routes(routes!(get))
        .routes(routes!(add_assembly_point))
        .routes(routes!(add_transport))
        .routes(routes!(close))
        .routes(routes!(register))
        .routes(routes!(check_in))
        .routes(routes!(assign))
        .routes(routes!(board))
        .routes(routes!(no_show))
        .routes(routes!(offload))
        .routes(routes!(depart))
        .routes(routes!(arrive))
        .routes(routes!(manifest))
}
