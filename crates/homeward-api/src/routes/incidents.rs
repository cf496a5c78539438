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
use homeward_domain::{IncidentId, PersonId, ReportId, TaskId, Timestamp};
use homeward_projections::board::{BoardIncident, board_incident};
use homeward_projections::incidents::IncidentFile;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::command::{
    ChangeHeaders, CommandRequest, CommandResponses, CreateHeaders, Origin, with_etag,
};
use super::{Reader, country_filter, ensure_visible, person_known, visible_incident};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::error::Result;
use crate::error::problems::{BadRequest, NotFound};
use crate::extract::{ApiPath, ApiQuery, IfMatch, query_params};
use crate::views;

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
    pub classification: Option<Classification>,
    /// Place name.
    pub place: Option<String>,
    /// Latitude, with `lon`.
    pub lat: Option<f64>,
    /// Longitude, with `lat`.
    pub lon: Option<f64>,
    /// What is known so far.
    pub summary: Option<String>,
    /// When it happened, if earlier than now.
    pub occurred_at: Option<Timestamp>,
}

/// A status change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// The new status (`closed` needs a reason).
    pub status: IncidentStatus,
    /// Why.
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
    pub note: Option<String>,
}

/// A person's new status.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonStatusBody {
    /// The new status.
    pub status: AffectedStatus,
    /// A note.
    pub note: Option<String>,
}

/// A task.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskBody {
    /// What to do.
    pub title: String,
    /// When it must be done.
    pub due_at: Option<Timestamp>,
    /// Who does it.
    pub assignee: Option<String>,
}

/// An optional note.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    /// A note.
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
    pub place: Option<String>,
    /// Latitude, with `lon`.
    pub lat: Option<f64>,
    /// Longitude, with `lat`.
    pub lon: Option<f64>,
    /// When it happened in the field.
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
    pub occurred_at: Option<Timestamp>,
}

/// Captors made a demand.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DemandBody {
    /// The demand.
    pub summary: String,
    /// An amount.
    pub amount: Option<u64>,
    /// ISO 4217 currency of the amount.
    pub currency: Option<String>,
    /// The captors' deadline.
    pub deadline: Option<Timestamp>,
}

/// Proof of life.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProofOfLifeBody {
    /// The hostage it concerns, if one.
    pub person_id: Option<PersonId>,
    /// Video, photo, call, question answered...
    pub method: String,
    /// What it showed.
    pub summary: String,
    /// When it was received.
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
        title: Option<String>,
        /// Summary.
        summary: Option<String>,
        /// Country.
        country: Option<String>,
        /// Place.
        place: Option<String>,
        /// Latitude.
        lat: Option<f64>,
        /// Longitude.
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

query_params! {
    /// `?as_of=`: a moment in RFC 3339.
    pub struct AsOf {
        /// Show the record as it stood at this moment (RFC 3339).
        #[param(value_type = Option<String>, format = DateTime)]
        pub as_of: Option<Timestamp>,
    }
}

query_params! {
    /// Filters of the incident list.
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
}

/// The incident list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IncidentList {
    /// Matching incidents, most severe and most recent first.
    pub incidents: Vec<BoardIncident>,
}

/// Open an incident.
#[utoipa::path(post, path = "/v1/incidents", operation_id = "open_incident", params(CreateHeaders),
    request_body = OpenIncidentBody, responses(CommandResponses))]
pub async fn open(r: CommandRequest<(), OpenIncidentBody, ()>) -> Result<Response> {
    let id = IncidentId(r.origin.new_id());
    let command = IncidentCommand::Open(r.body.into());
    r.origin
        .submit_on(Action::OpenIncident, id, command, StatusCode::CREATED)
        .await
}

/// List incidents the caller may see.
#[utoipa::path(get, path = "/v1/incidents", operation_id = "list_incidents", params(ListQuery),
    responses((status = 200, body = IncidentList), BadRequest))]
pub async fn list(reader: Reader, ApiQuery(q): ApiQuery<ListQuery>) -> Result<Json<IncidentList>> {
    reader.require(Action::ReadIncidents)?;
    let country = country_filter(q.country.as_deref())?;
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
    let now = reader.state.service.now();
    let projections = reader.state.service.read();
    let mut incidents: Vec<BoardIncident> = projections
        .incidents
        .iter()
        .filter(|f| views::may_see(&reader.caller, f))
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
#[utoipa::path(get, path = "/v1/incidents/{id}", operation_id = "get_incident",
    params(("id" = IncidentId, Path), AsOf),
    responses((status = 200, body = IncidentFile), NotFound))]
pub async fn get(
    reader: Reader,
    ApiPath(id): ApiPath<IncidentId>,
    ApiQuery(q): ApiQuery<AsOf>,
) -> Result<Response> {
    reader.require(Action::ReadIncidents)?;
    let file = match q.as_of {
        None => visible_incident(&reader.state, &reader.caller, id)?,
        Some(at) => {
            // Need-to-know is judged on the incident as it stands now and as it stood then.
            ensure_visible(&reader.state, &reader.caller, id)?;
            match reader.state.service.incident_as_of(id, at).await? {
                Some(file) if views::may_see(&reader.caller, &file) => file,
                _ => {
                    return Err(AppError::not_found(
                        "incident",
                        format_args!("{id} at {at}"),
                    ));
                }
            }
        }
    };
    let version = file.version;
    Ok(with_etag(Json(file).into_response(), version))
}

/// Move an incident along its workflow (`closed` needs a reason).
#[utoipa::path(post, path = "/v1/incidents/{id}/status",
    params(("id" = IncidentId, Path), ChangeHeaders), request_body = StatusBody,
    responses(CommandResponses))]
pub async fn status(r: CommandRequest<ApiPath<IncidentId>, StatusBody>) -> Result<Response> {
    r.send_body(Action::ManageIncident, StatusCode::OK).await
}

/// Close an incident, with a reason.
#[utoipa::path(post, path = "/v1/incidents/{id}/close", operation_id = "close_incident",
    params(("id" = IncidentId, Path), ChangeHeaders), request_body = ReasonBody,
    responses(CommandResponses))]
pub async fn close(r: CommandRequest<ApiPath<IncidentId>, ReasonBody>) -> Result<Response> {
    r.send(Action::ManageIncident, StatusCode::OK, |_, b| {
        IncidentCommand::Close { reason: b.reason }
    })
    .await
}

/// Reopen a closed incident, with a reason.
#[utoipa::path(post, path = "/v1/incidents/{id}/reopen",
    params(("id" = IncidentId, Path), ChangeHeaders), request_body = ReasonBody,
    responses(CommandResponses))]
pub async fn reopen(r: CommandRequest<ApiPath<IncidentId>, ReasonBody>) -> Result<Response> {
    r.send(Action::ManageIncident, StatusCode::OK, |_, b| {
        IncidentCommand::Reopen { reason: b.reason }
    })
    .await
}

/// Set the severity (1 to 5).
#[utoipa::path(post, path = "/v1/incidents/{id}/severity",
    params(("id" = IncidentId, Path), ChangeHeaders), request_body = SeverityBody,
    responses(CommandResponses))]
pub async fn severity(r: CommandRequest<ApiPath<IncidentId>, SeverityBody>) -> Result<Response> {
    r.send_body(Action::ManageIncident, StatusCode::OK).await
}

/// Assign the lead officer.
#[utoipa::path(post, path = "/v1/incidents/{id}/lead",
    params(("id" = IncidentId, Path), ChangeHeaders), request_body = SubjectBody,
    responses(CommandResponses))]
pub async fn lead(r: CommandRequest<ApiPath<IncidentId>, SubjectBody>) -> Result<Response> {
    r.send(Action::ManageIncident, StatusCode::OK, |_, b| {
        IncidentCommand::AssignLead { subject: b.subject }
    })
    .await
}

/// Add a team member.
#[utoipa::path(post, path = "/v1/incidents/{id}/team",
    params(("id" = IncidentId, Path), ChangeHeaders), request_body = SubjectBody,
    responses(CommandResponses))]
pub async fn add_member(r: CommandRequest<ApiPath<IncidentId>, SubjectBody>) -> Result<Response> {
    r.send(Action::ManageIncident, StatusCode::OK, |_, b| {
        IncidentCommand::AddTeamMember { subject: b.subject }
    })
    .await
}

/// Set a task, with an optional due time and assignee.
#[utoipa::path(post, path = "/v1/incidents/{id}/tasks",
    params(("id" = IncidentId, Path), ChangeHeaders), request_body = TaskBody,
    responses(CommandResponses))]
pub async fn add_task(r: CommandRequest<ApiPath<IncidentId>, TaskBody>) -> Result<Response> {
    let (ApiPath(id), b) = (r.path, r.body);
    let task = (id, TaskId(r.origin.new_id()));
    let command = IncidentCommand::AddTask {
        task_id: task.1,
        title: b.title,
        due_at: b.due_at,
        assignee: b.assignee,
    };
    r.origin
        .submit_on(Action::ManageIncident, task, command, StatusCode::CREATED)
        .await
}

/// File a field report. Field devices on bad networks should send an
/// `Idempotency-Key`: a retry then files the report once.
#[utoipa::path(post, path = "/v1/incidents/{id}/reports",
    params(("id" = IncidentId, Path), ChangeHeaders), request_body = ReportBody,
    responses(CommandResponses))]
pub async fn file_report(r: CommandRequest<ApiPath<IncidentId>, ReportBody>) -> Result<Response> {
    let (ApiPath(id), b) = (r.path, r.body);
    let report = (id, ReportId(r.origin.new_id()));
    let command = IncidentCommand::FileReport(b.filed(report.1));
    r.origin
        .submit_on(Action::FileReport, report, command, StatusCode::CREATED)
        .await
}

/// Record contact from the captors (kidnapping incidents only).
#[utoipa::path(post, path = "/v1/incidents/{id}/kidnapping/captor-contacts",
    params(("id" = IncidentId, Path), ChangeHeaders), request_body = CaptorContactBody,
    responses(CommandResponses))]
pub async fn captor_contact(
    r: CommandRequest<ApiPath<IncidentId>, CaptorContactBody>,
) -> Result<Response> {
    r.send_body(Action::RecordCaseFacts, StatusCode::CREATED)
        .await
}

/// Record a demand (kidnapping incidents only).
#[utoipa::path(post, path = "/v1/incidents/{id}/kidnapping/demands",
    params(("id" = IncidentId, Path), ChangeHeaders), request_body = DemandBody,
    responses(CommandResponses))]
pub async fn demand(r: CommandRequest<ApiPath<IncidentId>, DemandBody>) -> Result<Response> {
    r.send_body(Action::RecordCaseFacts, StatusCode::CREATED)
        .await
}

/// Record proof of life (kidnapping incidents only).
#[utoipa::path(post, path = "/v1/incidents/{id}/kidnapping/proofs-of-life",
    params(("id" = IncidentId, Path), ChangeHeaders), request_body = ProofOfLifeBody,
    responses(CommandResponses))]
pub async fn proof_of_life(
    r: CommandRequest<ApiPath<IncidentId>, ProofOfLifeBody>,
) -> Result<Response> {
    r.send_body(Action::RecordCaseFacts, StatusCode::CREATED)
        .await
}

/// Record a negotiation update (kidnapping incidents only).
#[utoipa::path(post, path = "/v1/incidents/{id}/kidnapping/negotiation",
    params(("id" = IncidentId, Path), ChangeHeaders), request_body = NegotiationBody,
    responses(CommandResponses))]
pub async fn negotiation(
    r: CommandRequest<ApiPath<IncidentId>, NegotiationBody>,
) -> Result<Response> {
    r.send_body(Action::RecordCaseFacts, StatusCode::CREATED)
        .await
}

/// Record the release, rescue, escape or death of hostages (kidnapping incidents only).
#[utoipa::path(post, path = "/v1/incidents/{id}/kidnapping/outcome",
    params(("id" = IncidentId, Path), ChangeHeaders), request_body = OutcomeBody,
    responses(CommandResponses))]
pub async fn outcome(r: CommandRequest<ApiPath<IncidentId>, OutcomeBody>) -> Result<Response> {
    r.send_body(Action::RecordCaseFacts, StatusCode::CREATED)
        .await
}

/// Correct a mistake: names the version it corrects and why. The only way out of a
/// terminal status besides reopening.
#[utoipa::path(post, path = "/v1/incidents/{id}/corrections", operation_id = "correct_incident",
    params(("id" = IncidentId, Path), ChangeHeaders), request_body = CorrectionBody,
    responses(CommandResponses))]
pub async fn correct(r: CommandRequest<ApiPath<IncidentId>, CorrectionBody>) -> Result<Response> {
    r.send_body(Action::CorrectIncident, StatusCode::CREATED)
        .await
}

/// Name a registered person as affected by the incident.
#[utoipa::path(post, path = "/v1/incidents/{id}/persons",
    params(("id" = IncidentId, Path), ChangeHeaders), request_body = AffectedPersonBody,
    responses(CommandResponses))]
pub async fn add_person(
    r: CommandRequest<ApiPath<IncidentId>, AffectedPersonBody>,
) -> Result<Response> {
    let state = &r.origin.state;
    let (ApiPath(id), b) = (r.path, r.body);
    let person_known = person_known(state, b.person_id);
    let affected = (id, b.person_id);
    let command = IncidentCommand::AddPerson {
        person_id: b.person_id,
        status: b.status,
        note: b.note,
        person_known,
    };
    r.origin
        .submit_on(
            Action::UpdateAffectedPersons,
            affected,
            command,
            StatusCode::CREATED,
        )
        .await
}

/// Change an affected person's status (terminal statuses need a correction).
#[utoipa::path(post, path = "/v1/incidents/{id}/persons/{person_id}/status",
    params(("id" = IncidentId, Path), ("person_id" = PersonId, Path), ChangeHeaders),
    request_body = PersonStatusBody, responses(CommandResponses))]
pub async fn person_status(
    r: CommandRequest<ApiPath<(IncidentId, PersonId)>, PersonStatusBody>,
) -> Result<Response> {
    r.send(
        Action::UpdateAffectedPersons,
        StatusCode::OK,
        |(_, person_id), b| IncidentCommand::ChangePersonStatus {
            person_id,
            status: b.status,
            note: b.note,
        },
    )
    .await
}

/// Complete a task.
#[utoipa::path(post, path = "/v1/incidents/{id}/tasks/{task_id}/complete",
    params(("id" = IncidentId, Path), ("task_id" = TaskId, Path), ChangeHeaders),
    request_body = NoteBody, responses(CommandResponses))]
pub async fn complete_task(
    r: CommandRequest<ApiPath<(IncidentId, TaskId)>, NoteBody>,
) -> Result<Response> {
    r.send(Action::CompleteTask, StatusCode::OK, |(_, task_id), b| {
        IncidentCommand::CompleteTask {
            task_id,
            note: b.note,
        }
    })
    .await
}

/// Cancel a task, with a reason.
#[utoipa::path(post, path = "/v1/incidents/{id}/tasks/{task_id}/cancel",
    params(("id" = IncidentId, Path), ("task_id" = TaskId, Path), ChangeHeaders),
    request_body = ReasonBody, responses(CommandResponses))]
pub async fn cancel_task(
    r: CommandRequest<ApiPath<(IncidentId, TaskId)>, ReasonBody>,
) -> Result<Response> {
    r.send(Action::ManageIncident, StatusCode::OK, |(_, task_id), b| {
        IncidentCommand::CancelTask {
            task_id,
            reason: b.reason,
        }
    })
    .await
}

/// Remove a team member.
#[utoipa::path(delete, path = "/v1/incidents/{id}/team/{subject}",
    params(("id" = IncidentId, Path), ("subject" = String, Path), ("If-Match" = Option<String>, Header, description = "The version you saw; another version answers 409")),
    responses(CommandResponses))]
pub async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, subject)): ApiPath<(IncidentId, String)>,
    if_match: IfMatch,
) -> Result<Response> {
    let command = IncidentCommand::RemoveTeamMember { subject };
    Origin::bodyless(state, caller, if_match)
        .submit_on(Action::ManageIncident, id, command, StatusCode::OK)
        .await
}

impl From<OpenIncidentBody> for OpenIncident {
    fn from(b: OpenIncidentBody) -> Self {
        Self {
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
        }
    }
}

impl ReportBody {
    /// The report, filed under `report_id`.
    fn filed(self, report_id: ReportId) -> FileReport {
        FileReport {
            report_id,
            text: self.text,
            category: self.category,
            place: self.place,
            lat: self.lat,
            lon: self.lon,
            occurred_at: self.occurred_at,
        }
    }
}

impl From<StatusBody> for IncidentCommand {
    fn from(b: StatusBody) -> Self {
        Self::ChangeStatus {
            status: b.status,
            reason: b.reason,
        }
    }
}

impl From<SeverityBody> for IncidentCommand {
    fn from(b: SeverityBody) -> Self {
        Self::SetSeverity {
            severity: b.severity,
            reason: b.reason,
        }
    }
}

impl From<CaptorContactBody> for IncidentCommand {
    fn from(b: CaptorContactBody) -> Self {
        Self::RecordCaptorContact {
            channel: b.channel,
            summary: b.summary,
            occurred_at: b.occurred_at,
        }
    }
}

impl From<DemandBody> for IncidentCommand {
    fn from(b: DemandBody) -> Self {
        Self::RecordDemand {
            summary: b.summary,
            amount: b.amount,
            currency: b.currency,
            deadline: b.deadline,
        }
    }
}

impl From<ProofOfLifeBody> for IncidentCommand {
    fn from(b: ProofOfLifeBody) -> Self {
        Self::RecordProofOfLife {
            person_id: b.person_id,
            method: b.method,
            summary: b.summary,
            occurred_at: b.occurred_at,
        }
    }
}

impl From<NegotiationBody> for IncidentCommand {
    fn from(b: NegotiationBody) -> Self {
        Self::RecordNegotiation { summary: b.summary }
    }
}

impl From<OutcomeBody> for IncidentCommand {
    fn from(b: OutcomeBody) -> Self {
        Self::RecordOutcome {
            outcome: b.outcome,
            person_ids: b.person_ids,
            summary: b.summary,
            occurred_at: b.occurred_at,
        }
    }
}

impl From<CorrectionBody> for IncidentCommand {
    fn from(b: CorrectionBody) -> Self {
        Self::Correct {
            corrects_version: b.corrects_version,
            reason: b.reason,
            fix: b.fix.into(),
        }
    }
}

impl From<FixBody> for IncidentFix {
    fn from(fix: FixBody) -> Self {
        match fix {
            FixBody::Status { status } => Self::Status { status },
            FixBody::PersonStatus { person_id, status } => Self::PersonStatus { person_id, status },
            FixBody::RetractReport { report_id } => Self::RetractReport { report_id },
            FixBody::Details {
                title,
                summary,
                country,
                place,
                lat,
                lon,
            } => Self::Details {
                title,
                summary,
                country,
                place,
                lat,
                lon,
            },
        }
    }
}

/// Adds this module's routes to the API.
pub(super) fn add_routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(open, list))
        .routes(routes!(get))
        .routes(routes!(status))
        .routes(routes!(close))
        .routes(routes!(reopen))
        .routes(routes!(severity))
        .routes(routes!(lead))
        .routes(routes!(add_member))
        .routes(routes!(remove_member))
        .routes(routes!(add_person))
        .routes(routes!(person_status))
        .routes(routes!(add_task))
        .routes(routes!(complete_task))
        .routes(routes!(cancel_task))
        .routes(routes!(file_report))
        .routes(routes!(captor_contact))
        .routes(routes!(demand))
        .routes(routes!(proof_of_life))
        .routes(routes!(negotiation))
        .routes(routes!(outcome))
        .routes(routes!(correct))
}
