//! The one path a command request takes to the service, and the answer it gets: a
//! [`CommandRequest`] (caller, path, `Idempotency-Key`, `If-Match`, body) is turned by
//! its route into a [`Command`] (on the stream its [`CommandTarget`] names, with
//! [`CommandRequest::send`]); [`Origin::submit`] checks the caller may send it and hands it
//! to the service with a [`CommandMeta`]; the service's [`Outcome`] becomes a
//! [`CommandResult`], which is what the idempotency record keeps and what a retry
//! gets back.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use homeward_domain::call::CallCommand;
use homeward_domain::country::CountryCommand;
use homeward_domain::evacuation::EvacuationCommand;
use homeward_domain::incident::IncidentCommand;
use homeward_domain::person::PersonCommand;
use homeward_domain::policy::Action;
use homeward_domain::{
    CallId, CountryCode, EvacuationId, IncidentId, PersonId, ReportId, StreamId, TaskId,
    TransportId,
};
use homeward_service::{Accepted, Command, CommandMeta, Outcome, Reply};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{authorize, ensure_assigned, ensure_evacuation};
use crate::AppState;
use crate::auth::Caller;
use crate::error::Result;
use crate::error::{AppError, Problem};
use crate::extract::{ApiPath, IdempotencyKey, IfMatch, JsonBody};

/// What a command's answer names besides what it wrote: the records it made or acted on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CommandNames {
    /// The id of what was created, or of the record acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// The evacuation a new transport belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evacuation_id: Option<Uuid>,
    /// The person acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<PersonId>,
    /// The task set or acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<Uuid>,
    /// The field report filed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_id: Option<Uuid>,
    /// The transport acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport_id: Option<Uuid>,
    /// The country whose risk level was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<CountryCode>,
    /// A new subscription's signing secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// The incident a decision was recorded on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<Uuid>,
    /// The version of the incident a decision's author was looking at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_version: Option<u64>,
    /// The log position a decision's author was looking at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_position: Option<u64>,
    /// What the caller should look at (a registration that looks like a duplicate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warnings: Option<Vec<Warning>>,
}

impl CommandNames {
    /// Names the record made or acted on.
    pub fn id(id: impl Into<Uuid>) -> Self {
        Self {
            id: Some(id.into()),
            ..Self::default()
        }
    }
}

/// A warning in a command's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Warning {
    /// A stable code.
    pub code: String,
    /// What it means.
    pub detail: String,
    /// The persons it is about.
    pub person_ids: Vec<PersonId>,
}

/// What a command answers: the records it names, the stream and its new version, and
/// the ids of the events written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CommandResult {
    /// The records it names.
    #[serde(flatten)]
    pub names: CommandNames,
    /// The stream written to.
    pub stream: StreamId,
    /// The stream's version after the command.
    pub version: u64,
    /// The events written.
    pub events: Vec<Uuid>,
}

impl CommandResult {
    /// The answer naming `names`, for what the command did.
    pub fn new(names: &CommandNames, outcome: &Outcome) -> Self {
        Self {
            names: names.clone(),
            stream: outcome.stream.clone(),
            version: outcome.version,
            events: outcome.events.clone(),
        }
    }
}

impl Reply for CommandResult {
    fn version(&self) -> u64 {
        self.version
    }
}

/// Who sends a command request, where and how it must be applied: the caller, the
/// application it goes to, the `Idempotency-Key` with the hash of the request, and the
/// version of `If-Match`.
#[derive(Clone)]
pub struct Origin {
    /// The caller.
    pub caller: Caller,
    /// The application the command goes to.
    pub state: AppState,
    idempotency: Option<String>,
    request_hash: [u8; 32],
    expected_version: Option<u64>,
}

impl Origin {
    /// A request without a body or an idempotency key (`DELETE`).
    pub fn bodyless(state: AppState, caller: Caller, if_match: IfMatch) -> Self {
        Self {
            caller,
            state,
            idempotency: None,
            request_hash: [0; 32],
            expected_version: if_match.0,
        }
    }

    /// A new id, for a record the command makes.
    pub(crate) fn new_id(&self) -> Uuid {
        self.state.service.new_id()
    }

    /// The same request under another idempotency key (a step of a request that takes
    /// two commands).
    pub fn keyed(&self, suffix: &str) -> Self {
        Self {
            idempotency: self.idempotency.as_ref().map(|k| format!("{k}{suffix}")),
            expected_version: None,
            ..self.clone()
        }
    }
}

/// What `If-Match` means to a route: the version expected, or nothing for a route that
/// creates a record.
pub trait Expected {
    /// The version the caller expects.
    fn expected(&self) -> Option<u64>;
}

impl Expected for IfMatch {
    fn expected(&self) -> Option<u64> {
        self.0
    }
}

impl Expected for () {
    fn expected(&self) -> Option<u64> {
        None
    }
}

/// A command request, extracted in this order: the caller (401 first), the path `P`
/// (an [`ApiPath`], or `()`), the `Idempotency-Key`, `If-Match` when `M` is
/// [`IfMatch`], and the JSON body `B`.
pub struct CommandRequest<P, B, M = IfMatch> {
    /// Who sends it, and how it must be applied.
    pub origin: Origin,
    /// The path's parameters.
    pub path: P,
    /// The body.
    pub body: B,
    expects: std::marker::PhantomData<M>,
}

impl<P, B, M> FromRequest<AppState> for CommandRequest<P, B, M>
where
    P: FromRequestParts<AppState> + Send,
    AppError: From<P::Rejection>,
    B: DeserializeOwned,
    M: FromRequestParts<AppState> + Expected + Send,
    AppError: From<M::Rejection>,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        let (mut parts, body) = req.into_parts();
        let caller = Caller::from_request_parts(&mut parts, state).await?;
        let path = P::from_request_parts(&mut parts, state).await?;
        let idempotency = IdempotencyKey::from_request_parts(&mut parts, state).await?;
        let expects = M::from_request_parts(&mut parts, state).await?;
        let body = JsonBody::<B>::from_request(Request::from_parts(parts, body), state).await?;
        Ok(Self {
            origin: Origin {
                caller,
                state: state.clone(),
                idempotency: idempotency.0,
                request_hash: body.request_hash,
                expected_version: expects.expected(),
            },
            path,
            body: body.value,
            expects: std::marker::PhantomData,
        })
    }
}

impl Origin {
    /// Takes a command to the service for this caller, the one way every command of
    /// the API goes: the caller's role must allow `action` (403, recorded in the audit
    /// trail); a command on an incident needs the caller to see the incident (404 as
    /// for none) and, for field officers, to be assigned to it; a command on an
    /// evacuation needs it to exist; then the service decides and appends it. After a
    /// command on a person or a country, Homeward's own reactions are awaited, so that
    /// the caller reads the welfare checks it changed. Answers `status` with a
    /// [`CommandResult`] naming `names` (or the stored answer of an earlier identical
    /// request).
    pub(crate) async fn submit(
        &self,
        action: Action,
        command: Command,
        status: StatusCode,
        names: CommandNames,
    ) -> Result<Response> {
        let accepted = self.run(action, command, names).await?;
        Ok(respond(status, accepted))
    }

    /// [`Origin::submit`] of `command` on the stream of `target`, answering with the
    /// records `target` names.
    pub(crate) async fn submit_on<T: CommandTarget>(
        &self,
        action: Action,
        target: T,
        command: T::Command,
        status: StatusCode,
    ) -> Result<Response> {
        let (command, names) = (target.command(command), target.names());
        self.submit(action, command, status, names).await
    }

    /// [`Origin::submit`], answering with the typed result.
    pub(crate) async fn run(
        &self,
        action: Action,
        command: Command,
        names: CommandNames,
    ) -> Result<Accepted<CommandResult>, AppError> {
        let (state, caller) = (&self.state, &self.caller);
        authorize(
            state,
            caller,
            action,
            command.name(),
            Some(command.stream_id()),
        )
        .await?;
        let reacts = match &command {
            Command::Incident(_, IncidentCommand::Open(_)) => false,
            Command::Incident(id, c) => {
                ensure_assigned(state, caller, *id, c.name()).await?;
                false
            }
            Command::Evacuation(_, EvacuationCommand::Open { .. }) => false,
            Command::Evacuation(id, _) => {
                ensure_evacuation(state, *id)?;
                false
            }
            Command::Person(..) | Command::Country(..) => true,
            _ => false,
        };
        let meta = CommandMeta {
            actor: caller.actor.clone(),
            correlation_id: state.service.new_id(),
            idempotency: self.idempotency.as_ref().map(|key| {
                (
                    format!("{}\u{0}{key}", caller.actor.subject),
                    self.request_hash,
                )
            }),
            expected_version: self.expected_version,
            causation_id: None,
        };
        let respond = move |outcome: &Outcome| CommandResult::new(&names, outcome);
        let accepted = state.service.execute(command, meta, respond).await?;
        if reacts {
            // A registration, a welfare answer, a move or a risk level changes welfare checks.
            state.service.wait_for_reactions().await;
        }
        Ok(accepted)
    }
}

/// The records a command acts on (a route's path, or the ids a route made): the stream
/// the command goes to, and the records its answer names.
pub trait CommandTarget: Copy {
    /// The commands of that stream.
    type Command;
    /// `command`, on the path's stream.
    fn command(self, command: Self::Command) -> Command;
    /// The records the answer names: the one acted on, and the one within it.
    fn names(self) -> CommandNames;
}

/// The id of a record with a stream of its own (an incident, an evacuation, a person,
/// a call): a command on it goes to that stream and names it as the record acted on.
pub trait RecordId: Copy + Into<Uuid> {
    /// The commands of its stream.
    type Command;
    /// `command`, on the record's stream.
    const ON_STREAM: fn(Self, Self::Command) -> Command;
}

impl<T: RecordId> CommandTarget for T {
    type Command = T::Command;
    fn command(self, command: T::Command) -> Command {
        T::ON_STREAM(self, command)
    }
    fn names(self) -> CommandNames {
        CommandNames::id(self)
    }
}

/// Each record id with its stream's commands and the service's command for that stream.
macro_rules! record_ids {
    ($($id:ty => $commands:ty, $variant:path;)*) => {$(
        impl RecordId for $id {
            type Command = $commands;
            const ON_STREAM: fn(Self, $commands) -> Command = $variant;
        }
    )*};
}

record_ids! {
    IncidentId => IncidentCommand, Command::Incident;
    EvacuationId => EvacuationCommand, Command::Evacuation;
    PersonId => PersonCommand, Command::Person;
    CallId => CallCommand, Command::Call;
}

impl CommandTarget for CountryCode {
    type Command = CountryCommand;
    fn command(self, command: CountryCommand) -> Command {
        Command::Country(self, command)
    }
    fn names(self) -> CommandNames {
        CommandNames {
            country: Some(self),
            ..CommandNames::default()
        }
    }
}

/// A record within the one a command acts on (a person affected by an incident, one
/// of its tasks or reports, an evacuee, a transport): the answer names it beside it.
pub trait Within: Copy {
    /// `names`, naming this record too.
    fn name(self, names: CommandNames) -> CommandNames;
}

/// Each record that can stand within another, with the field of the answer that names it.
macro_rules! within {
    ($($id:ty => $field:ident;)*) => {$(
        impl Within for $id {
            fn name(self, names: CommandNames) -> CommandNames {
                CommandNames {
                    $field: Some(self.into()),
                    ..names
                }
            }
        }
    )*};
}

within! {
    PersonId => person_id;
    TaskId => task_id;
    ReportId => report_id;
    TransportId => transport_id;
}

/// A record within a record: the command goes to the outer record's stream.
impl<T: CommandTarget, W: Within> CommandTarget for (T, W) {
    type Command = T::Command;
    fn command(self, command: T::Command) -> Command {
        self.0.command(command)
    }
    fn names(self) -> CommandNames {
        self.1.name(self.0.names())
    }
}

impl<P: CommandTarget + Send, B: Send, M: Send> CommandRequest<ApiPath<P>, B, M> {
    /// Submits the command `make` builds from the path and the body, on the path's
    /// stream, answering `status` with the records the path names.
    pub(crate) async fn send(
        self,
        action: Action,
        status: StatusCode,
        make: impl FnOnce(P, B) -> P::Command + Send,
    ) -> Result<Response> {
        let ApiPath(path) = self.path;
        let command = make(path, self.body);
        self.origin.submit_on(action, path, command, status).await
    }

    /// [`Self::send`] of the command the body converts into (a `From` impl, where a
    /// body maps field for field).
    pub(crate) async fn send_body(self, action: Action, status: StatusCode) -> Result<Response>
    where
        B: Into<P::Command>,
    {
        self.send(action, status, |_, b| b.into()).await
    }
}

/// The HTTP answer: the result, its version as the `ETag`, `Idempotent-Replayed` when
/// it is the stored answer of an earlier request, and, for an erasure that some
/// instances had not confirmed folding in time, `Homeward-Erasure-Unconfirmed` naming
/// them.
pub(crate) fn respond(status: StatusCode, accepted: Accepted<CommandResult>) -> Response {
    let version = accepted.reply.version;
    let mut response = (status, axum::Json(accepted.reply)).into_response();
    if accepted.replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    if !accepted.unconfirmed.is_empty()
        && let Ok(names) = HeaderValue::from_str(&accepted.unconfirmed.join(", "))
    {
        response
            .headers_mut()
            .insert("homeward-erasure-unconfirmed", names);
    }
    with_etag(response, version)
}

/// `response`, with a record's version as its `ETag` (what `If-Match` names).
pub(crate) fn with_etag(mut response: Response, version: u64) -> Response {
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{version}\"")) {
        response
            .headers_mut()
            .insert(axum::http::header::ETAG, etag);
    }
    response
}

/// The headers of a command on an existing record (for the OpenAPI document).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct ChangeHeaders {
    /// Retries with the same key have one effect.
    #[param(rename = "Idempotency-Key")]
    idempotency_key: Option<String>,
    /// The version you saw; another version answers 409.
    #[param(rename = "If-Match")]
    if_match: Option<String>,
}

/// The headers of a command that makes a new record (for the OpenAPI document).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct CreateHeaders {
    /// Retries with the same key have one effect.
    #[param(rename = "Idempotency-Key")]
    idempotency_key: Option<String>,
}

/// What a command route may answer (for the OpenAPI document; 401 and 403 are
/// given to every operation that takes a token, in `openapi::describe`).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum CommandResponses {
    /// The command took effect (or had: `Idempotent-Replayed: true`).
    #[response(status = 200)]
    Done(CommandResult),
    /// The record was made.
    #[response(status = 201)]
    Created(CommandResult),
    /// The request is malformed.
    #[response(status = 400)]
    BadRequest(Problem),
    /// No such record (or one the caller may not see).
    #[response(status = 404)]
    NotFound(Problem),
    /// The record changed since `If-Match`, or the `Idempotency-Key` was used for
    /// another request.
    #[response(status = 409)]
    Conflict(Problem),
    /// The body is too large.
    #[response(status = 413)]
    TooLarge(Problem),
    /// The body is not `application/json`.
    #[response(status = 415)]
    UnsupportedMediaType(Problem),
    /// The command breaks a rule.
    #[response(status = 422)]
    Rejected(Problem),
}
