//! Incident routes: open, read (now or as of a moment), list, and every change an
//! incident goes through, kidnapping case facts and corrections included.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use homeward_domain::incident::{
    AffectedStatus, Classification, FileReport, IncidentCommand, IncidentFix, IncidentKind,
    IncidentStatus, KidnappingOutcome, OpenIncident, ReportCategory,
};
use homeward_domain::policy::Action;
use homeward_domain::{IncidentId, PersonId, ReportId, StreamId, TaskId, Timestamp};
use homeward_projections::board::{BoardIncident, board_incident};
use homeward_projections::incidents::IncidentFile;
use homeward_service::Command;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::{authorize, ensure_assigned, ensure_visible, execute, fields, visible_incident};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, Problem};
use crate::extract::{ApiPath, ApiQuery, IdempotencyKey, IfMatch, JsonBody};
use crate::views;

/// What a command answers: the record's id where one was made, the stream and its new
/// version, and the ids of the events written.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CommandResult {
    /// The id of what was created, where something was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// The stream written to.
    pub stream: String,
    /// The stream's version after the command.
    pub version: u64,
    /// The events written.
    pub events: Vec<Uuid>,
}

/// Opens an incident.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenIncidentBody {
    /// What kind of crisis.
    pub kind: IncidentKind,
    /// A short title for the board.
    pub title: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// 1 (lowest) to 5 (highest).
    pub severity: u8,
    /// `normal` (default) or `restricted`; kidnappings are always restricted.
    #[serde(default)]
    pub classification: Option<Classification>,
    /// Place name.
    #[serde(default)]
    pub place: Option<String>,
    /// Latitude, with `lon`.
    #[serde(default)]
    pub lat: Option<f64>,
    /// Longitude, with `lat`.
    #[serde(default)]
    pub lon: Option<f64>,
    /// What is known so far.
    #[serde(default)]
    pub summary: Option<String>,
    /// When it happened, if earlier than now.
    #[serde(default)]
    pub occurred_at: Option<Timestamp>,
}

/// A status change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// The new status (`closed` needs a reason).
    pub status: IncidentStatus,
    /// Why.
    #[serde(default)]
    pub reason: Option<String>,
}

/// A reason.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// Why.
    pub reason: String,
}

/// A severity change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeverityBody {
    /// 1 to 5.
    pub severity: u8,
    /// Why.
    #[serde(default)]
    pub reason: Option<String>,
}

/// An officer.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubjectBody {
    /// The officer's login name.
    pub subject: String,
}

/// A person affected.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AffectedPersonBody {
    /// A person registered with `POST /v1/persons`.
    pub person_id: PersonId,
    /// Their status.
    pub status: AffectedStatus,
    /// A note.
    #[serde(default)]
    pub note: Option<String>,
}

/// A person's new status.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonStatusBody {
    /// The new status.
    pub status: AffectedStatus,
    /// A note.
    #[serde(default)]
    pub note: Option<String>,
}

/// A task.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskBody {
    /// What to do.
    pub title: String,
    /// When it must be done.
    #[serde(default)]
    pub due_at: Option<Timestamp>,
    /// Who does it.
    #[serde(default)]
    pub assignee: Option<String>,
}

/// An optional note.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    /// A note.
    #[serde(default)]
    pub note: Option<String>,
}

/// A field report.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    /// The report.
    pub text: String,
    /// What it is about.
    pub category: ReportCategory,
    /// Where.
    #[serde(default)]
    pub place: Option<String>,
    /// Latitude, with `lon`.
    #[serde(default)]
    pub lat: Option<f64>,
    /// Longitude, with `lat`.
    #[serde(default)]
    pub lon: Option<f64>,
    /// When it happened in the field.
    #[serde(default)]
    pub occurred_at: Option<Timestamp>,
}

/// Captors made contact.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaptorContactBody {
    /// Phone, message, intermediary...
    pub channel: String,
    /// What was said.
    pub summary: String,
    /// When.
    #[serde(default)]
    pub occurred_at: Option<Timestamp>,
}

/// Captors made a demand.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DemandBody {
    /// The demand.
    pub summary: String,
    /// An amount.
    #[serde(default)]
    pub amount: Option<u64>,
    /// ISO 4217 currency of the amount.
    #[serde(default)]
    pub currency: Option<String>,
    /// The captors' deadline.
    #[serde(default)]
    pub deadline: Option<Timestamp>,
}

/// Proof of life.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProofOfLifeBody {
    /// The hostage it concerns, if one.
    #[serde(default)]
    pub person_id: Option<PersonId>,
    /// Video, photo, call, question answered...
    pub method: String,
    /// What it showed.
    pub summary: String,
    /// When it was received.
    #[serde(default)]
    pub occurred_at: Option<Timestamp>,
}

/// A negotiation update.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NegotiationBody {
    /// What happened.
    pub summary: String,
}

/// How the kidnapping ended for the hostages named.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeBody {
    /// Released, rescued, escaped or deceased.
    pub outcome: KidnappingOutcome,
    /// The hostages.
    pub person_ids: Vec<PersonId>,
    /// What happened.
    pub summary: String,
    /// When.
    #[serde(default)]
    pub occurred_at: Option<Timestamp>,
}

/// What a correction sets right.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(tag = "fix", rename_all = "snake_case", deny_unknown_fields)]
pub enum FixBody {
    /// The incident's status (also out of `closed`).
    Status {
        /// The status it should have.
        status: IncidentStatus,
    },
    /// A person's status (also out of a terminal status).
    PersonStatus {
        /// The person.
        person_id: PersonId,
        /// The status they should have.
        status: AffectedStatus,
    },
    /// A report filed in error.
    RetractReport {
        /// The report.
        report_id: ReportId,
    },
    /// Details of the incident.
    Details {
        /// Title.
        #[serde(default)]
        title: Option<String>,
        /// Summary.
        #[serde(default)]
        summary: Option<String>,
        /// Country.
        #[serde(default)]
        country: Option<String>,
        /// Place.
        #[serde(default)]
        place: Option<String>,
        /// Latitude.
        #[serde(default)]
        lat: Option<f64>,
        /// Longitude.
        #[serde(default)]
        lon: Option<f64>,
    },
}

/// A correction: which version it corrects, why, and what.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionBody {
    /// The version of this incident's stream that was wrong.
    pub corrects_version: u64,
    /// Why.
    pub reason: String,
    /// What to set right.
    pub fix: FixBody,
}

/// `?as_of=`: a moment in RFC 3339.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AsOf {
    /// Show the record as it stood at this moment (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub as_of: Option<Timestamp>,
}

/// Filters of the incident list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `open` (default: everything but closed), `closed`, `all`, or one status.
    pub status: Option<String>,
    /// Only this kind.
    pub kind: Option<IncidentKind>,
    /// Only this country.
    pub country: Option<String>,
    /// Only this severity or higher.
    pub min_severity: Option<u8>,
    /// Only incidents whose title contains this text.
    pub q: Option<String>,
    /// At most this many (default 200, at most 1000).
    pub limit: Option<usize>,
}

/// The incident list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IncidentList {
    /// Matching incidents, most severe and most recent first.
    pub incidents: Vec<BoardIncident>,
}

fn stream(id: IncidentId) -> Option<StreamId> {
    Some(StreamId::incident(id))
}

#[allow(clippy::too_many_arguments)]
async fn act(
    state: &AppState,
    caller: &Caller,
    id: IncidentId,
    action: Action,
    command: IncidentCommand,
    idem: IdempotencyKey,
    request_hash: [u8; 32],
    if_match: IfMatch,
    status: StatusCode,
    extra: serde_json::Map<String, serde_json::Value>,
) -> Result<Response, AppError> {
    authorize(state, caller, action, command.name(), stream(id)).await?;
    ensure_assigned(state, caller, id, command.name()).await?;
    execute(
        state,
        caller,
        Command::Incident(id, command),
        idem,
        request_hash,
        if_match,
        status,
        extra,
    )
    .await
}

/// Open an incident.
#[utoipa::path(post, path = "/v1/incidents", tag = "incidents",
    request_body = OpenIncidentBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key have one effect")),
    responses((status = 201, body = CommandResult), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn open(
    State(state): State<AppState>,
    caller: Caller,
    idem: IdempotencyKey,
    body: JsonBody<OpenIncidentBody>,
) -> Result<Response, AppError> {
    let id = IncidentId(Uuid::now_v7());
    authorize(
        &state,
        &caller,
        Action::OpenIncident,
        "open_incident",
        stream(id),
    )
    .await?;
    let b = body.value;
    let command = IncidentCommand::Open(OpenIncident {
        kind: b.kind,
        title: b.title,
        country: b.country,
        severity: b.severity,
        classification: b.classification,
        place: b.place,
        lat: b.lat,
        lon: b.lon,
        summary: b.summary,
        occurred_at: b.occurred_at,
    });
    execute(
        &state,
        &caller,
        Command::Incident(id, command),
        idem,
        body.request_hash,
        IfMatch(None),
        StatusCode::CREATED,
        fields([("id", json!(id))]),
    )
    .await
}

/// List incidents the caller may see.
#[utoipa::path(get, path = "/v1/incidents", tag = "incidents", params(ListQuery),
    responses((status = 200, body = IncidentList), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<IncidentList>, AppError> {
    caller.require(Action::ReadIncidents)?;
    let country = match q.country.as_deref() {
        None => None,
        Some(c) => Some(homeward_domain::CountryCode::parse(c).ok_or_else(|| {
            AppError::bad_request("invalid_query", format!("`{c}` is not a country code"))
        })?),
    };
    let wanted_status: Box<dyn Fn(IncidentStatus) -> bool> = match q.status.as_deref() {
        None | Some("open") => Box::new(IncidentStatus::is_open),
        Some("all") => Box::new(|_| true),
        Some(other) => {
            let s: IncidentStatus = serde_json::from_value(json!(other)).map_err(|_| {
                AppError::bad_request("invalid_query", format!("unknown status `{other}`"))
            })?;
            Box::new(move |x| x == s)
        }
    };
    let needle = q.q.as_deref().map(str::to_lowercase);
    let now = state.service.now();
    let projections = state.service.read();
    let mut incidents: Vec<BoardIncident> = projections
        .incidents
        .iter()
        .filter(|f| views::may_see(&caller, f))
        .filter(|f| wanted_status(f.status))
        .filter(|f| q.kind.is_none_or(|k| f.kind == k))
        .filter(|f| country.is_none_or(|c| f.country == c))
        .filter(|f| q.min_severity.is_none_or(|s| f.severity >= s))
        .filter(|f| {
            needle
                .as_deref()
                .is_none_or(|n| f.title.to_lowercase().contains(n))
        })
        .map(|f| board_incident(f, now, false))
        .collect();
    incidents.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.last_activity.cmp(&a.last_activity))
    });
    incidents.truncate(q.limit.unwrap_or(200).clamp(1, 1000));
    Ok(Json(IncidentList { incidents }))
}

/// One incident's file, now or as it stood at `as_of`.
#[utoipa::path(get, path = "/v1/incidents/{id}", tag = "incidents",
    params(("id" = IncidentId, Path), AsOf),
    responses((status = 200, body = IncidentFile), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<IncidentId>,
    ApiQuery(q): ApiQuery<AsOf>,
) -> Result<Response, AppError> {
    caller.require(Action::ReadIncidents)?;
    let file = match q.as_of {
        None => visible_incident(&state, &caller, id)?,
        Some(at) => {
            // Need-to-know is judged on the incident as it stands now and as it stood then.
            ensure_visible(&state, &caller, id)?;
            match state.service.incident_as_of(id, at).await? {
                Some(file) if views::may_see(&caller, &file) => file,
                _ => return Err(AppError::NotFound(format!("no incident {id} at {at}"))),
            }
        }
    };
    let version = file.version;
    let mut response = Json(file).into_response();
    if let Ok(etag) = axum::http::HeaderValue::from_str(&format!("\"{version}\"")) {
        response
            .headers_mut()
            .insert(axum::http::header::ETAG, etag);
    }
    Ok(response)
}

macro_rules! incident_route {
    ($(#[$doc:meta])* $name:ident, $path:literal, $body:ty, $action:expr, $status:expr, |$b:ident, $id:ident, $new:ident| $command:expr, $extra:expr) => {
        $(#[$doc])*
        #[utoipa::path(post, path = $path, tag = "incidents",
            params(("id" = IncidentId, Path),
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
            ApiPath($id): ApiPath<IncidentId>,
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

incident_route!(
    /// Move an incident along its workflow (`closed` needs a reason).
    status, "/v1/incidents/{id}/status", StatusBody, Action::ManageIncident, StatusCode::OK,
    |b, id, new| IncidentCommand::ChangeStatus { status: b.status, reason: b.reason },
    fields([("id", json!(id))])
);
incident_route!(
    /// Close an incident, with a reason.
    close, "/v1/incidents/{id}/close", ReasonBody, Action::ManageIncident, StatusCode::OK,
    |b, id, new| IncidentCommand::Close { reason: b.reason },
    fields([("id", json!(id))])
);
incident_route!(
    /// Reopen a closed incident, with a reason.
    reopen, "/v1/incidents/{id}/reopen", ReasonBody, Action::ManageIncident, StatusCode::OK,
    |b, id, new| IncidentCommand::Reopen { reason: b.reason },
    fields([("id", json!(id))])
);
incident_route!(
    /// Set the severity (1 to 5).
    severity, "/v1/incidents/{id}/severity", SeverityBody, Action::ManageIncident, StatusCode::OK,
    |b, id, new| IncidentCommand::SetSeverity { severity: b.severity, reason: b.reason },
    fields([("id", json!(id))])
);
incident_route!(
    /// Assign the lead officer.
    lead, "/v1/incidents/{id}/lead", SubjectBody, Action::ManageIncident, StatusCode::OK,
    |b, id, new| IncidentCommand::AssignLead { subject: b.subject },
    fields([("id", json!(id))])
);
incident_route!(
    /// Add a team member.
    add_member, "/v1/incidents/{id}/team", SubjectBody, Action::ManageIncident, StatusCode::OK,
    |b, id, new| IncidentCommand::AddTeamMember { subject: b.subject },
    fields([("id", json!(id))])
);
incident_route!(
    /// Set a task, with an optional due time and assignee.
    add_task, "/v1/incidents/{id}/tasks", TaskBody, Action::ManageIncident, StatusCode::CREATED,
    |b, id, new| IncidentCommand::AddTask { task_id: TaskId(new), title: b.title, due_at: b.due_at, assignee: b.assignee },
    fields([("id", json!(id)), ("task_id", json!(new))])
);
incident_route!(
    /// File a field report. Field devices on bad networks should send an
    /// `Idempotency-Key`: a retry then files the report once.
    file_report, "/v1/incidents/{id}/reports", ReportBody, Action::FileReport, StatusCode::CREATED,
    |b, id, new| IncidentCommand::FileReport(FileReport {
        report_id: ReportId(new), text: b.text, category: b.category, place: b.place,
        lat: b.lat, lon: b.lon, occurred_at: b.occurred_at,
    }),
    fields([("id", json!(id)), ("report_id", json!(new))])
);
incident_route!(
    /// Record contact from the captors (kidnapping incidents only).
    captor_contact, "/v1/incidents/{id}/kidnapping/captor-contacts", CaptorContactBody, Action::RecordCaseFacts, StatusCode::CREATED,
    |b, id, new| IncidentCommand::RecordCaptorContact { channel: b.channel, summary: b.summary, occurred_at: b.occurred_at },
    fields([("id", json!(id))])
);
incident_route!(
    /// Record a demand (kidnapping incidents only).
    demand, "/v1/incidents/{id}/kidnapping/demands", DemandBody, Action::RecordCaseFacts, StatusCode::CREATED,
    |b, id, new| IncidentCommand::RecordDemand { summary: b.summary, amount: b.amount, currency: b.currency, deadline: b.deadline },
    fields([("id", json!(id))])
);
incident_route!(
    /// Record proof of life (kidnapping incidents only).
    proof_of_life, "/v1/incidents/{id}/kidnapping/proofs-of-life", ProofOfLifeBody, Action::RecordCaseFacts, StatusCode::CREATED,
    |b, id, new| IncidentCommand::RecordProofOfLife { person_id: b.person_id, method: b.method, summary: b.summary, occurred_at: b.occurred_at },
    fields([("id", json!(id))])
);
incident_route!(
    /// Record a negotiation update (kidnapping incidents only).
    negotiation, "/v1/incidents/{id}/kidnapping/negotiation", NegotiationBody, Action::RecordCaseFacts, StatusCode::CREATED,
    |b, id, new| IncidentCommand::RecordNegotiation { summary: b.summary },
    fields([("id", json!(id))])
);
incident_route!(
    /// Record the release, rescue, escape or death of hostages (kidnapping incidents only).
    outcome, "/v1/incidents/{id}/kidnapping/outcome", OutcomeBody, Action::RecordCaseFacts, StatusCode::CREATED,
    |b, id, new| IncidentCommand::RecordOutcome { outcome: b.outcome, person_ids: b.person_ids, summary: b.summary, occurred_at: b.occurred_at },
    fields([("id", json!(id))])
);
incident_route!(
    /// Correct a mistake: names the version it corrects and why. The only way out of a
    /// terminal status besides reopening.
    correct, "/v1/incidents/{id}/corrections", CorrectionBody, Action::CorrectIncident, StatusCode::CREATED,
    |b, id, new| IncidentCommand::Correct {
        corrects_version: b.corrects_version,
        reason: b.reason,
        fix: match b.fix {
            FixBody::Status { status } => IncidentFix::Status { status },
            FixBody::PersonStatus { person_id, status } => IncidentFix::PersonStatus { person_id, status },
            FixBody::RetractReport { report_id } => IncidentFix::RetractReport { report_id },
            FixBody::Details { title, summary, country, place, lat, lon } =>
                IncidentFix::Details { title, summary, country, place, lat, lon },
        },
    },
    fields([("id", json!(id))])
);

/// Name a registered person as affected by the incident.
#[utoipa::path(post, path = "/v1/incidents/{id}/persons", tag = "incidents",
    params(("id" = IncidentId, Path), ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key have one effect")),
    request_body = AffectedPersonBody,
    responses((status = 201, body = CommandResult), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn add_person(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<IncidentId>,
    idem: IdempotencyKey,
    if_match: IfMatch,
    body: JsonBody<AffectedPersonBody>,
) -> Result<Response, AppError> {
    let b = body.value;
    let person_known = state.service.read().locator.get(b.person_id).is_some();
    act(
        &state,
        &caller,
        id,
        Action::UpdateAffectedPersons,
        IncidentCommand::AddPerson {
            person_id: b.person_id,
            status: b.status,
            note: b.note,
            person_known,
        },
        idem,
        body.request_hash,
        if_match,
        StatusCode::CREATED,
        fields([("id", json!(id)), ("person_id", json!(b.person_id))]),
    )
    .await
}

/// Change an affected person's status (terminal statuses need a correction).
#[utoipa::path(post, path = "/v1/incidents/{id}/persons/{person_id}/status", tag = "incidents",
    params(("id" = IncidentId, Path), ("person_id" = PersonId, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key have one effect")),
    request_body = PersonStatusBody,
    responses((status = 200, body = CommandResult), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn person_status(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, person_id)): ApiPath<(IncidentId, PersonId)>,
    idem: IdempotencyKey,
    if_match: IfMatch,
    body: JsonBody<PersonStatusBody>,
) -> Result<Response, AppError> {
    let b = body.value;
    act(
        &state,
        &caller,
        id,
        Action::UpdateAffectedPersons,
        IncidentCommand::ChangePersonStatus {
            person_id,
            status: b.status,
            note: b.note,
        },
        idem,
        body.request_hash,
        if_match,
        StatusCode::OK,
        fields([("id", json!(id)), ("person_id", json!(person_id))]),
    )
    .await
}

/// Complete a task.
#[utoipa::path(post, path = "/v1/incidents/{id}/tasks/{task_id}/complete", tag = "incidents",
    params(("id" = IncidentId, Path), ("task_id" = TaskId, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key have one effect")),
    request_body = NoteBody,
    responses((status = 200, body = CommandResult), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn complete_task(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, task_id)): ApiPath<(IncidentId, TaskId)>,
    idem: IdempotencyKey,
    if_match: IfMatch,
    body: JsonBody<NoteBody>,
) -> Result<Response, AppError> {
    act(
        &state,
        &caller,
        id,
        Action::CompleteTask,
        IncidentCommand::CompleteTask {
            task_id,
            note: body.value.note,
        },
        idem,
        body.request_hash,
        if_match,
        StatusCode::OK,
        fields([("id", json!(id)), ("task_id", json!(task_id))]),
    )
    .await
}

/// Cancel a task, with a reason.
#[utoipa::path(post, path = "/v1/incidents/{id}/tasks/{task_id}/cancel", tag = "incidents",
    params(("id" = IncidentId, Path), ("task_id" = TaskId, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key have one effect")),
    request_body = ReasonBody,
    responses((status = 200, body = CommandResult), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn cancel_task(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, task_id)): ApiPath<(IncidentId, TaskId)>,
    idem: IdempotencyKey,
    if_match: IfMatch,
    body: JsonBody<ReasonBody>,
) -> Result<Response, AppError> {
    act(
        &state,
        &caller,
        id,
        Action::ManageIncident,
        IncidentCommand::CancelTask {
            task_id,
            reason: body.value.reason,
        },
        idem,
        body.request_hash,
        if_match,
        StatusCode::OK,
        fields([("id", json!(id)), ("task_id", json!(task_id))]),
    )
    .await
}

/// Remove a team member.
#[utoipa::path(delete, path = "/v1/incidents/{id}/team/{subject}", tag = "incidents",
    params(("id" = IncidentId, Path), ("subject" = String, Path)),
    responses((status = 200, body = CommandResult), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, subject)): ApiPath<(IncidentId, String)>,
    if_match: IfMatch,
) -> Result<Response, AppError> {
    act(
        &state,
        &caller,
        id,
        Action::ManageIncident,
        IncidentCommand::RemoveTeamMember { subject },
        IdempotencyKey(None),
        [0; 32],
        if_match,
        StatusCode::OK,
        fields([("id", json!(id))]),
    )
    .await
}
