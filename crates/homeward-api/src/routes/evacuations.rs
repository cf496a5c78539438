//! Evacuation routes: open, schedule transports, register evacuees (existing persons
//! or new ones), check in, assign, board, no-show, offload, depart, arrive; the
//! reconciliation; transport manifests as JSON or CSV.

use axum::Json;
use axum::extract::State;
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
use homeward_service::Command;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::{authorize, execute, fields};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, Problem};
use crate::extract::{ApiPath, IdempotencyKey, IfMatch, JsonBody};
use crate::routes::incidents::{CommandResult, ReasonBody};
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
    #[serde(default)]
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
    #[serde(default)]
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
    #[serde(default)]
    pub person_id: Option<PersonId>,
    /// A person to register first.
    #[serde(default)]
    pub person: Option<PersonBody>,
    /// Who goes first.
    pub priority: Priority,
    /// Family group: members travel together.
    #[serde(default)]
    pub group: Option<String>,
}

/// A check-in.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInBody {
    /// Where.
    #[serde(default)]
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
    #[serde(default)]
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

fn stream(id: EvacuationId) -> Option<StreamId> {
    Some(StreamId::evacuation(id))
}

#[allow(clippy::too_many_arguments)]
async fn act(
    state: &AppState,
    caller: &Caller,
    id: EvacuationId,
    action: Action,
    command: EvacuationCommand,
    idem: IdempotencyKey,
    request_hash: [u8; 32],
    if_match: IfMatch,
    status: StatusCode,
    extra: serde_json::Map<String, serde_json::Value>,
) -> Result<Response, AppError> {
    authorize(state, caller, action, command.name(), stream(id)).await?;
    if state.service.read().evacuations.get(id).is_none() {
        return Err(AppError::NotFound(format!("no evacuation {id}")));
    }
    execute(
        state,
        caller,
        Command::Evacuation(id, command),
        idem,
        request_hash,
        if_match,
        status,
        extra,
    )
    .await
}

/// Open an evacuation.
#[utoipa::path(post, path = "/v1/evacuations", tag = "evacuations", request_body = OpenEvacuationBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key have one effect")),
    responses((status = 201, body = CommandResult), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn open(
    State(state): State<AppState>,
    caller: Caller,
    idem: IdempotencyKey,
    body: JsonBody<OpenEvacuationBody>,
) -> Result<Response, AppError> {
    let id = EvacuationId(Uuid::now_v7());
    authorize(
        &state,
        &caller,
        Action::ManageEvacuations,
        "open_evacuation",
        stream(id),
    )
    .await?;
    let b = body.value;
    let incident_known = b.incident_id.is_some_and(|i| {
        state
            .service
            .read()
            .incidents
            .get(i)
            .is_some_and(|f| views::may_see(&caller, f))
    });
    execute(
        &state,
        &caller,
        Command::Evacuation(
            id,
            EvacuationCommand::Open {
                country: b.country,
                reason: b.reason,
                assembly_points: b.assembly_points,
                incident_id: b.incident_id,
                incident_known,
            },
        ),
        idem,
        body.request_hash,
        IfMatch(None),
        StatusCode::CREATED,
        fields([("id", json!(id))]),
    )
    .await
}

/// Every evacuation with its counts.
#[utoipa::path(get, path = "/v1/evacuations", tag = "evacuations",
    responses((status = 200, body = EvacuationList), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<EvacuationList>, AppError> {
    caller.require(Action::ReadEvacuations)?;
    let p = state.service.read();
    Ok(Json(EvacuationList {
        evacuations: p
            .evacuations
            .newest_first()
            .into_iter()
            .map(|r| view(r, false, &caller, &p))
            .collect(),
    }))
}

/// One evacuation: transports, evacuees, and the reconciliation.
#[utoipa::path(get, path = "/v1/evacuations/{id}", tag = "evacuations", params(("id" = EvacuationId, Path)),
    responses((status = 200, body = EvacuationView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EvacuationId>,
) -> Result<Json<EvacuationView>, AppError> {
    caller.require(Action::ReadEvacuations)?;
    let p = state.service.read();
    p.evacuations
        .get(id)
        .map(|r| Json(view(r, true, &caller, &p)))
        .ok_or_else(|| AppError::NotFound(format!("no evacuation {id}")))
}

macro_rules! evacuation_route {
    ($(#[$doc:meta])* $name:ident, $path:literal, $body:ty, $action:expr, $status:expr, |$b:ident, $id:ident, $new:ident| $command:expr, $extra:expr) => {
        $(#[$doc])*
        #[utoipa::path(post, path = $path, tag = "evacuations",
            params(("id" = EvacuationId, Path),
                ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key have one effect"),
                ("If-Match" = Option<String>, Header, description = "The version you saw; another version answers 409")),
            request_body = $body,
            responses((status = 200, body = CommandResult), (status = 201, body = CommandResult), (status = 400, body = Problem),
                (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
                (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)),
            security(("bearer" = [])))]
        pub async fn $name(
            State(state): State<AppState>,
            caller: Caller,
            ApiPath($id): ApiPath<EvacuationId>,
            idem: IdempotencyKey,
            if_match: IfMatch,
            body: JsonBody<$body>,
        ) -> Result<Response, AppError> {
            let $new = Uuid::now_v7();
            let _ = $new;
            let hash = body.request_hash;
            let $b = body.value;
            let extra = $extra;
            let command = $command;
            act(&state, &caller, $id, $action, command, idem, hash, if_match, $status, extra).await
        }
    };
}

macro_rules! evacuee_route {
    ($(#[$doc:meta])* $name:ident, $path:literal, $body:ty, $action:expr, |$b:ident, $person:ident| $command:expr) => {
        $(#[$doc])*
        #[utoipa::path(post, path = $path, tag = "evacuations",
            params(("id" = EvacuationId, Path), ("person_id" = PersonId, Path),
                ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key have one effect"),
                ("If-Match" = Option<String>, Header, description = "The version you saw; another version answers 409")),
            request_body = $body,
            responses((status = 200, body = CommandResult), (status = 400, body = Problem),
                (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
                (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)),
            security(("bearer" = [])))]
        pub async fn $name(
            State(state): State<AppState>,
            caller: Caller,
            ApiPath((id, $person)): ApiPath<(EvacuationId, PersonId)>,
            idem: IdempotencyKey,
            if_match: IfMatch,
            body: JsonBody<$body>,
        ) -> Result<Response, AppError> {
            let hash = body.request_hash;
            let $b = body.value;
            let command = $command;
            act(&state, &caller, id, $action, command, idem, hash, if_match, StatusCode::OK,
                fields([("id", json!(id)), ("person_id", json!($person))])).await
        }
    };
}

macro_rules! transport_route {
    ($(#[$doc:meta])* $name:ident, $path:literal, |$b:ident, $transport:ident| $command:expr) => {
        $(#[$doc])*
        #[utoipa::path(post, path = $path, tag = "evacuations",
            params(("id" = EvacuationId, Path), ("transport_id" = TransportId, Path),
                ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key have one effect")),
            request_body = MovementBody,
            responses((status = 200, body = CommandResult), (status = 400, body = Problem),
                (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
                (status = 409, body = Problem), (status = 422, body = Problem)),
            security(("bearer" = [])))]
        pub async fn $name(
            State(state): State<AppState>,
            caller: Caller,
            ApiPath((id, $transport)): ApiPath<(EvacuationId, TransportId)>,
            idem: IdempotencyKey,
            if_match: IfMatch,
            body: JsonBody<MovementBody>,
        ) -> Result<Response, AppError> {
            let hash = body.request_hash;
            let $b = body.value;
            let command = $command;
            act(&state, &caller, id, Action::ManageEvacuations, command, idem, hash, if_match, StatusCode::OK,
                fields([("id", json!(id)), ("transport_id", json!($transport))])).await
        }
    };
}

evacuation_route!(
    /// Add an assembly point.
    add_assembly_point, "/v1/evacuations/{id}/assembly-points", AssemblyPointBody, Action::ManageEvacuations, StatusCode::CREATED,
    |b, id, new| EvacuationCommand::AddAssemblyPoint { name: b.name },
    fields([("id", json!(id))])
);
evacuation_route!(
    /// Schedule a transport (flight, ship, bus, train) with its capacity and departure time.
    add_transport, "/v1/evacuations/{id}/transports", TransportBody, Action::ManageEvacuations, StatusCode::CREATED,
    |b, id, new| EvacuationCommand::ScheduleTransport(ScheduleTransport {
        transport_id: TransportId(new), mode: b.mode, carrier: b.carrier, number: b.number,
        from: b.from, to: b.to, departs_at: b.departs_at, capacity: b.capacity,
    }),
    fields([("id", json!(new)), ("evacuation_id", json!(id))])
);
evacuation_route!(
    /// Close the evacuation, with a reason.
    close, "/v1/evacuations/{id}/close", ReasonBody, Action::ManageEvacuations, StatusCode::OK,
    |b, id, new| EvacuationCommand::Close { reason: b.reason },
    fields([("id", json!(id))])
);
evacuee_route!(
    /// Check an evacuee in at an assembly point.
    check_in, "/v1/evacuations/{id}/evacuees/{person_id}/check-in", CheckInBody, Action::ProcessEvacuees,
    |b, person| EvacuationCommand::CheckIn { person_id: person, assembly_point: b.assembly_point }
);
evacuee_route!(
    /// Give an evacuee (and their family group, together) seats on a transport.
    assign, "/v1/evacuations/{id}/evacuees/{person_id}/assign", AssignBody, Action::ManageEvacuations,
    |b, person| EvacuationCommand::Assign { person_id: person, transport_id: b.transport_id, split_group: b.split_group }
);
evacuee_route!(
    /// Board an evacuee (checked in, holding a seat on this transport).
    board, "/v1/evacuations/{id}/evacuees/{person_id}/board", BoardBody, Action::ProcessEvacuees,
    |b, person| EvacuationCommand::Board { person_id: person, transport_id: b.transport_id }
);
evacuee_route!(
    /// Mark an evacuee as not having shown up; their seat is released.
    no_show, "/v1/evacuations/{id}/evacuees/{person_id}/no-show", CheckInBody, Action::ProcessEvacuees,
    |b, person| { let _ = b; EvacuationCommand::NoShow { person_id: person } }
);
evacuee_route!(
    /// Take an evacuee off a transport before it leaves, with a reason.
    offload, "/v1/evacuations/{id}/evacuees/{person_id}/offload", ReasonBody, Action::ProcessEvacuees,
    |b, person| EvacuationCommand::Offload { person_id: person, reason: b.reason }
);
transport_route!(
    /// The transport left.
    depart, "/v1/evacuations/{id}/transports/{transport_id}/depart",
    |b, transport| EvacuationCommand::Depart { transport_id: transport, occurred_at: b.occurred_at }
);
transport_route!(
    /// The transport arrived.
    arrive, "/v1/evacuations/{id}/transports/{transport_id}/arrive",
    |b, transport| EvacuationCommand::Arrive { transport_id: transport, occurred_at: b.occurred_at }
);

/// Register an evacuee: a person already in the registry (`person_id`) or a new one
/// (`person`), with a priority and an optional family group.
#[utoipa::path(post, path = "/v1/evacuations/{id}/evacuees", tag = "evacuations",
    params(("id" = EvacuationId, Path), ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key have one effect")),
    request_body = EvacueeBody,
    responses((status = 201, body = CommandResult), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn register(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EvacuationId>,
    idem: IdempotencyKey,
    if_match: IfMatch,
    body: JsonBody<EvacueeBody>,
) -> Result<Response, AppError> {
    authorize(
        &state,
        &caller,
        Action::ProcessEvacuees,
        "register_evacuee",
        stream(id),
    )
    .await?;
    if state.service.read().evacuations.get(id).is_none() {
        return Err(AppError::NotFound(format!("no evacuation {id}")));
    }
    let b = body.value;
    let person_id = match (b.person_id, b.person) {
        (Some(pid), None) => pid,
        (None, Some(person)) => {
            // A new person is registered first, under a key derived from this request
            // so that a retry registers them once.
            authorize(
                &state,
                &caller,
                Action::RegisterPerson,
                "register_person",
                None,
            )
            .await?;
            let pid = PersonId(Uuid::now_v7());
            let person_key = IdempotencyKey(idem.0.as_ref().map(|k| format!("{k}#person")));
            let registered = execute(
                &state,
                &caller,
                Command::Person(pid, person.command(&state)),
                person_key,
                body.request_hash,
                IfMatch(None),
                StatusCode::CREATED,
                fields([("id", json!(pid))]),
            )
            .await?;
            let bytes = axum::body::to_bytes(registered.into_body(), 64 * 1024)
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?;
            let value: serde_json::Value =
                serde_json::from_slice(&bytes).map_err(|e| AppError::Internal(e.to_string()))?;
            value["id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| AppError::Internal("registered person without id".into()))?
        }
        _ => {
            return Err(AppError::bad_request(
                "invalid_body",
                "give either `person_id` (a registered person) or `person` (a new one)",
            ));
        }
    };
    let person_known = state.service.read().locator.get(person_id).is_some();
    act(
        &state,
        &caller,
        id,
        Action::ProcessEvacuees,
        EvacuationCommand::RegisterEvacuee {
            person_id,
            priority: b.priority,
            group: b.group,
            person_known,
        },
        idem,
        body.request_hash,
        if_match,
        StatusCode::CREATED,
        fields([("id", json!(id)), ("person_id", json!(person_id))]),
    )
    .await
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
    let record = p
        .evacuations
        .get(id)
        .ok_or_else(|| AppError::NotFound(format!("no evacuation {id}")))?;
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
                .ok_or_else(|| AppError::NotFound(format!("no transport {t}")))
        })
        .collect()
}

/// A transport's manifest: passengers by seat with totals. JSON by default; CSV (a
/// header row, one row per passenger) with `Accept: text/csv`.
#[utoipa::path(get, path = "/v1/evacuations/{id}/transports/{transport_id}/manifest", tag = "evacuations",
    params(("id" = EvacuationId, Path), ("transport_id" = TransportId, Path)),
    responses((status = 200, body = Manifest, content_type = "application/json"),
        (status = 200, description = "CSV manifest", content_type = "text/csv", body = String),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn manifest(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, transport)): ApiPath<(EvacuationId, TransportId)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    caller.require(Action::ReadEvacuations)?;
    let mut manifests = manifests(&state, &caller, id, Some(transport))?;
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
        .ok_or_else(|| AppError::NotFound(format!("no transport {transport}")))
}
