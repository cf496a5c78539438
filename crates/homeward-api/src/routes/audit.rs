//! The audit trail: every event and every refused command, with actor, both times and
//! its place in the hash chain; and verification of the whole chain.

use axum::Json;
use homeward_domain::policy::Action;
use homeward_domain::{Actor, IncidentId, PersonId, StreamId, StreamKind, Timestamp};
use homeward_store::codec::encode_event;
use homeward_store::{AuditQuery, LogEntry, SqliteLog};
use serde::Serialize;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::Reader;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::error::Result;
use crate::error::problems::BadRequest;
use crate::extract::{ApiQuery, query_params};
use crate::views;

query_params! {
    /// Filters of the audit trail.
    pub struct AuditParams {
        /// Only this stream (e.g. `incident-…`, `country-ML`).
        pub stream: Option<String>,
        /// Only this incident's stream.
        pub incident: Option<IncidentId>,
        /// Only this person's stream.
        pub person: Option<PersonId>,
        /// Only entries caused by this subject.
        pub actor: Option<String>,
        /// Recorded at or after (RFC 3339).
        #[param(value_type = Option<String>, format = DateTime)]
        pub from: Option<Timestamp>,
        /// Recorded at or before (RFC 3339).
        #[param(value_type = Option<String>, format = DateTime)]
        pub to: Option<Timestamp>,
        /// Only entries after this position (paging).
        pub after: Option<u64>,
        /// At most this many (default 100, at most 1000).
        pub limit: Option<usize>,
    }
}

/// One audit entry.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// Its position in the log.
    pub position: u64,
    /// `event` or `rejection`.
    pub kind: &'static str,
    /// SHA-256 of the previous hash, the position and the stored entry, hex.
    pub hash: String,
    /// The previous entry's hash, hex.
    pub prev_hash: String,
    /// Who caused it.
    pub actor: Actor,
    /// When it was stored.
    pub recorded_at: Timestamp,
    /// When it happened in the field (events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<Timestamp>,
    /// Its stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_id: Option<StreamId>,
    /// Its version in the stream (events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    /// The event's type (events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// The schema version it was written with (events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<u32>,
    /// The event's id, or the rejection entry's id.
    pub id: Uuid,
    /// The correlation id.
    pub correlation_id: Uuid,
    /// The causation id (events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub causation_id: Option<Uuid>,
    /// The event's payload, current schema (absent when it holds personal data the
    /// caller may not see).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// The refused command (rejections).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// The refusal's code (rejections).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The refusal in words (rejections).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A page of the audit trail.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    /// Entries in log order.
    pub entries: Vec<AuditEntry>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<u64>,
}

/// The result of verifying the chain.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Verification {
    /// Whether every entry verified.
    pub intact: bool,
    /// Entries checked (when intact).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entries: Option<u64>,
    /// The last hash (when intact): keep it elsewhere to detect truncation later.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head: Option<String>,
    /// The first broken position (when broken).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broken_at: Option<u64>,
    /// What is wrong there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

fn visible(state: &AppState, caller: &Caller, stream: Option<&StreamId>) -> bool {
    let Some(stream) = stream else { return true };
    if stream.kind() != Some(StreamKind::Incident) {
        return true;
    }
    let Ok(id) = stream.local_id().parse::<IncidentId>() else {
        return true;
    };
    // Entries of an incident that does not exist (rejected openings) are shown.
    state
        .service
        .read()
        .incidents
        .get(id)
        .is_none_or(|f| views::may_see(caller, f))
}

/// Whether an event's payload names no incident the caller may not see (an evacuation
/// opened for a kidnapping case, a call linked to one): the payload is withheld
/// otherwise, so the case's id does not reach them.
fn names_only_visible_incidents(state: &AppState, caller: &Caller, data: &Value) -> bool {
    let Some(id) = data
        .get("incident_id")
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<IncidentId>().ok())
    else {
        return true;
    };
    visible(state, caller, Some(&StreamId::incident(id)))
}

/// The audit trail, filtered.
#[utoipa::path(get, path = "/v1/audit", operation_id = "list_audit", params(AuditParams),
    responses((status = 200, body = AuditPage), BadRequest))]
pub async fn list(reader: Reader, ApiQuery(q): ApiQuery<AuditParams>) -> Result<Json<AuditPage>> {
    reader.require(Action::ReadAudit)?;
    let stream = match (q.stream, q.incident, q.person) {
        (Some(s), None, None) => Some(s),
        (None, Some(i), None) => Some(StreamId::incident(i).to_string()),
        (None, None, Some(p)) => Some(StreamId::person(p).to_string()),
        (None, None, None) => None,
        _ => {
            return Err(AppError::bad_request(
                "invalid_query",
                "give at most one of `stream`, `incident` and `person`",
            ));
        }
    };
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let rows = reader
        .state
        .service
        .log()
        .audit(AuditQuery {
            stream_id: stream,
            actor: q.actor,
            from: q.from,
            to: q.to,
            after: q.after,
            limit,
        })
        .await?;
    let next_after = (rows.len() == limit)
        .then(|| rows.last().map(|r| r.position))
        .flatten();
    let personal = reader.caller.may(Action::SeePersonalData);
    let entries = rows
        .into_iter()
        .filter_map(|row| {
            let entry = match row.entry {
                LogEntry::Event(e) => {
                    if !visible(&reader.state, &reader.caller, Some(&e.stream_id)) {
                        return None;
                    }
                    let holds_personal_data = matches!(
                        e.stream_id.kind(),
                        Some(StreamKind::Person | StreamKind::Call)
                    );
                    let data = (personal || !holds_personal_data)
                        .then(|| encode_event(&e.event).ok().map(|(_, _, d)| d))
                        .flatten()
                        .filter(|d| names_only_visible_incidents(&reader.state, &reader.caller, d));
                    AuditEntry {
                        position: row.position,
                        kind: "event",
                        hash: row.hash,
                        prev_hash: row.prev_hash,
                        actor: e.actor,
                        recorded_at: e.recorded_at,
                        occurred_at: Some(e.occurred_at),
                        stream_id: Some(e.stream_id),
                        version: Some(e.version),
                        event_type: Some(e.event_type),
                        schema_version: Some(e.schema_version),
                        id: e.event_id,
                        correlation_id: e.correlation_id,
                        causation_id: Some(e.causation_id),
                        data,
                        command: None,
                        code: None,
                        reason: None,
                    }
                }
                LogEntry::Rejection(r) => {
                    if !visible(&reader.state, &reader.caller, r.stream_id.as_ref()) {
                        return None;
                    }
                    AuditEntry {
                        position: row.position,
                        kind: "rejection",
                        hash: row.hash,
                        prev_hash: row.prev_hash,
                        actor: r.actor,
                        recorded_at: r.recorded_at,
                        occurred_at: None,
                        stream_id: r.stream_id,
                        version: None,
                        event_type: None,
                        schema_version: None,
                        id: r.entry_id,
                        correlation_id: r.correlation_id,
                        causation_id: None,
                        data: None,
                        command: Some(r.command),
                        code: Some(r.code),
                        reason: Some(r.reason),
                    }
                }
            };
            Some(entry)
        })
        .collect();
    Ok(Json(AuditPage {
        entries,
        next_after,
    }))
}

/// Verifies the whole hash chain of the embedded log.
#[utoipa::path(get, path = "/v1/audit/verify", responses((status = 200, body = Verification)))]
pub async fn verify(reader: Reader) -> Result<Json<Verification>> {
    reader.require(Action::ReadAudit)?;
    let dir = reader.state.data_dir.clone().ok_or_else(|| {
        AppError::NotFound("this backend verifies with `homeward audit verify`".into())
    })?;
    let result = tokio::task::spawn_blocking(move || SqliteLog::verify(&dir))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Json(match result {
        Ok(v) => Verification {
            intact: true,
            entries: Some(v.entries),
            head: Some(v.head),
            broken_at: None,
            problem: None,
        },
        Err(homeward_store::sqlite::VerifyError::Broken(b)) => Verification {
            intact: false,
            entries: None,
            head: None,
            broken_at: Some(b.position),
            problem: Some(b.what),
        },
        Err(e) => return Err(AppError::Internal(e.to_string())),
    }))
}

/// Adds this module's routes to the API.
pub(super) fn add_routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(list)).routes(routes!(verify))
}
