//! Subscriptions: outside endpoints that receive matching events as signed CloudEvents.
//! Duty officers and admins manage them; only an admin may clear one for personal data.

use axum::Json;
use axum::http::StatusCode;
use axum::response::Response;
use homeward_domain::StreamId;
use homeward_domain::policy::Action;
use homeward_domain::subscription::{Filter, SubscriptionCommand};
use homeward_projections::subscriptions::SubscriptionView;
use homeward_service::Command;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::command::{CommandNames, CommandRequest, CommandResponses, CreateHeaders};
use super::{Reader, authorize};
use crate::AppState;
use crate::error::AppError;
use crate::error::Result;
use crate::error::problems::{BadRequest, NotFound};
use crate::extract::ApiPath;

/// A subscription to create.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionBody {
    /// Where to POST the events (http or https).
    pub url: String,
    /// Event types (`incident.report_filed`) or categories (`incident.*`); all if empty.
    #[serde(default)]
    pub event_types: Vec<String>,
    /// Only events of these incidents.
    #[serde(default)]
    pub incident_ids: Vec<homeward_domain::IncidentId>,
    /// Only events in these countries (ISO 3166-1 alpha-2).
    #[serde(default)]
    pub countries: Vec<String>,
    /// Whether personal data and restricted cases may go to it (admins only).
    #[serde(default)]
    pub personal_data: bool,
}

/// A subscription to end.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteBody {
    /// Why.
    pub reason: String,
}

/// A subscription with how its deliveries stand.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubscriptionItem {
    /// The subscription.
    #[serde(flatten)]
    pub subscription: SubscriptionView,
    /// The last log position handled by this instance's deliveries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivered_through: Option<u64>,
    /// Deliveries that kept failing, kept for replay.
    pub failed: usize,
}

/// Subscriptions.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubscriptionList {
    /// Every subscription, live and ended.
    pub subscriptions: Vec<SubscriptionItem>,
}

/// Deliveries that kept failing.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FailureList {
    /// Oldest first.
    pub failures: Vec<FailureItem>,
}

/// One delivery that kept failing.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FailureItem {
    /// The event's log position.
    pub position: u64,
    /// The event (and CloudEvent) id.
    pub event_id: String,
    /// Attempts made.
    pub attempts: u32,
    /// The last error.
    pub error: String,
    /// When it was given up.
    pub failed_at: String,
}

/// What a replay did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReplayResult {
    /// Delivered now.
    pub delivered: usize,
    /// Still failing.
    pub failed: usize,
}

/// Subscribe an endpoint to events. The answer carries the shared secret that signs
/// every delivery (`Homeward-Signature: t=…,v1=HMAC-SHA256(secret, "t.body")`).
#[utoipa::path(post, path = "/v1/subscriptions", operation_id = "create_subscription",
    params(CreateHeaders), request_body = SubscriptionBody, responses(CommandResponses))]
pub async fn create(r: CommandRequest<(), SubscriptionBody, ()>) -> Result<Response> {
    let state = &r.origin.state;
    let id = r.origin.new_id();
    let (b, caller) = (r.body, &r.origin.caller);
    let stream = Some(StreamId::subscription(id));
    authorize(state, caller, MANAGE, "create_subscription", stream).await?;
    if b.personal_data && caller.actor.role != homeward_domain::Role::Admin {
        return Err(AppError::Forbidden(
            "only an admin may clear a subscription for personal data".into(),
        ));
    }
    let countries = b
        .countries
        .iter()
        .map(|c| homeward_domain::validate::country(c))
        .collect::<Result<Vec<_>, _>>()
        .map_err(AppError::Rejected)?;
    let command = SubscriptionCommand::Create {
        url: b.url,
        filter: Filter {
            event_types: b.event_types,
            incident_ids: b.incident_ids,
            countries,
        },
        personal_data: b.personal_data,
    };
    let names = CommandNames {
        secret: Some(state.tokens.webhook_secret(id)),
        ..CommandNames::id(id)
    };
    let command = Command::Subscription(id, command);
    r.origin
        .submit(MANAGE, command, StatusCode::CREATED, names)
        .await
}

/// Who manages subscriptions.
const MANAGE: Action = Action::ManageSubscriptions;

/// Every subscription, with how its deliveries stand on this instance.
#[utoipa::path(get, path = "/v1/subscriptions", operation_id = "list_subscriptions",
    responses((status = 200, body = SubscriptionList)))]
pub async fn list(reader: Reader) -> Result<Json<SubscriptionList>> {
    reader.require(Action::ManageSubscriptions)?;
    let subs: Vec<SubscriptionView> = reader
        .state
        .service
        .read()
        .subscriptions
        .iter()
        .cloned()
        .collect();
    let mut out = Vec::new();
    for s in subs {
        let (delivered_through, failed) = match &reader.state.notifier {
            Some(n) => (
                n.cursor(s.id).map_err(internal)?,
                n.failures(s.id).map_err(internal)?.len(),
            ),
            None => (None, 0),
        };
        out.push(SubscriptionItem {
            subscription: s,
            delivered_through,
            failed,
        });
    }
    Ok(Json(SubscriptionList { subscriptions: out }))
}

fn internal(e: homeward_notify::NotifyError) -> AppError {
    AppError::Internal(e.to_string())
}

fn existing(state: &AppState, id: Uuid) -> Result<(), AppError> {
    if state.service.read().subscriptions.get(id).is_some() {
        Ok(())
    } else {
        Err(AppError::NotFound("no such subscription".into()))
    }
}

/// The deliveries of an existing subscription, for a caller who manages
/// subscriptions: `None` when this instance does not deliver.
fn deliveries(reader: &Reader, id: Uuid) -> Result<Option<&homeward_notify::Notifier>, AppError> {
    reader.require(MANAGE)?;
    existing(&reader.state, id)?;
    Ok(reader.state.notifier.as_deref())
}

/// End a subscription: nothing more is delivered to it.
#[utoipa::path(post, path = "/v1/subscriptions/{id}/delete",
    params(("id" = Uuid, Path), CreateHeaders), request_body = DeleteBody,
    responses(CommandResponses))]
pub async fn delete(r: CommandRequest<ApiPath<Uuid>, DeleteBody, ()>) -> Result<Response> {
    let state = &r.origin.state;
    let (ApiPath(id), b) = (r.path, r.body);
    let stream = Some(StreamId::subscription(id));
    authorize(
        state,
        &r.origin.caller,
        MANAGE,
        "delete_subscription",
        stream,
    )
    .await?;
    existing(state, id)?;
    let command = Command::Subscription(id, SubscriptionCommand::Delete { reason: b.reason });
    r.origin
        .submit(MANAGE, command, StatusCode::OK, CommandNames::id(id))
        .await
}

/// The deliveries of a subscription that kept failing, oldest first.
#[utoipa::path(get, path = "/v1/subscriptions/{id}/failures", params(("id" = Uuid, Path)),
    responses((status = 200, body = FailureList), BadRequest, NotFound))]
pub async fn failures(reader: Reader, ApiPath(id): ApiPath<Uuid>) -> Result<Json<FailureList>> {
    let failures = match deliveries(&reader, id)? {
        Some(n) => n.failures(id).map_err(internal)?,
        None => Vec::new(),
    };
    Ok(Json(FailureList {
        failures: failures
            .into_iter()
            .map(|f| FailureItem {
                position: f.position,
                event_id: f.event_id,
                attempts: f.attempts,
                error: f.error,
                failed_at: f.failed_at,
            })
            .collect(),
    }))
}

/// Send every failed delivery of a subscription again, oldest first.
#[utoipa::path(post, path = "/v1/subscriptions/{id}/failures/replay", params(("id" = Uuid, Path)),
    responses((status = 200, body = ReplayResult), BadRequest, NotFound))]
pub async fn replay(reader: Reader, ApiPath(id): ApiPath<Uuid>) -> Result<Json<ReplayResult>> {
    let outcome = match deliveries(&reader, id)? {
        Some(n) => n.replay_failures(id).await.map_err(internal)?,
        None => homeward_notify::ReplayOutcome::default(),
    };
    Ok(Json(ReplayResult {
        delivered: outcome.delivered,
        failed: outcome.failed,
    }))
}

/// Adds this module's routes to the API.
pub(super) fn add_routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(create, list))
        .routes(routes!(delete))
        .routes(routes!(failures))
        .routes(routes!(replay))
}
