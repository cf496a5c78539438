//! Tasks and deadlines: every task in one list (welfare checks Homeward opened itself,
//! and the tasks of the incidents the caller may see), and the deadlines missed.

use axum::Json;
use homeward_domain::deadline::DeadlineKind;
use homeward_domain::incident::TaskStatus;
use homeward_domain::person::{Vulnerability, WelfareStatus};
use homeward_domain::policy::Action;
use homeward_domain::welfare::CheckStatus;
use homeward_domain::{CountryCode, IncidentId, PersonId, TaskId, Timestamp};
use homeward_projections::deadlines::MissedView;
use homeward_projections::welfare::{CheckFilter, CheckView};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Reader;
use crate::AppState;
use crate::error::Result;
use crate::error::problems::BadRequest;
use crate::extract::{ApiQuery, query_params};
use crate::views;

/// Which kind of task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// A welfare check of a citizen in a country at risk.
    WelfareCheck,
    /// A task within an incident.
    IncidentTask,
}

query_params! {
    /// Filters of the task list.
    pub struct TaskQuery {
        /// Only this kind.
        pub kind: Option<TaskKind>,
        /// Only tasks in this country (ISO 3166-1 alpha-2).
        pub country: Option<CountryCode>,
        /// Only tasks in this status: `open`, `escalated`, `completed` or `cancelled`.
        pub status: Option<CheckStatus>,
        /// Only tasks concerning this person.
        pub person_id: Option<PersonId>,
        /// At most this many (default 1000, at most 10000).
        pub limit: Option<usize>,
        /// Skip this many first.
        pub offset: Option<usize>,
    }
}

/// One task.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskItem {
    /// Its id.
    pub id: TaskId,
    /// Which kind.
    pub kind: TaskKind,
    /// Where it stands.
    pub status: CheckStatus,
    /// The person it concerns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_id: Option<PersonId>,
    /// When it is due.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_at: Option<Timestamp>,
    /// The country.
    pub country: CountryCode,
    /// The incident it belongs to, or that took over a citizen who needs help.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<IncidentId>,
    /// What to do.
    pub title: String,
    /// Who has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// 1 (vulnerable people, first) or 2; incident tasks have none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
    /// Why they come first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vulnerabilities: Vec<Vulnerability>,
    /// The risk level a welfare check is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk_level: Option<u8>,
    /// Unanswered attempts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
    /// The welfare answer that completed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<WelfareStatus>,
    /// Whether it is open and past its due time.
    pub overdue: bool,
    /// Who gave the welfare answer that completes it (`citizen` when the citizen
    /// answered through an answer link).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<homeward_domain::Actor>,
}

/// Tasks: open first, vulnerable people first, then by due time.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaskList {
    /// Tasks matching the filters, in all.
    pub total: usize,
    /// This page.
    pub tasks: Vec<TaskItem>,
}

fn check_item(c: &CheckView, now: Timestamp) -> TaskItem {
    TaskItem {
        id: c.id,
        kind: TaskKind::WelfareCheck,
        status: c.status,
        person_id: Some(c.person_id),
        due_at: Some(c.due_at),
        country: c.country,
        incident_id: c.incident_id,
        title: format!("welfare check (risk level {})", c.risk_level),
        assignee: Some(
            c.escalated_to
                .map_or("hotline_operator", |r| r.as_str())
                .to_owned(),
        ),
        priority: Some(c.priority),
        vulnerabilities: c.vulnerabilities.clone(),
        risk_level: Some(c.risk_level),
        attempts: Some(c.attempts),
        outcome: c.outcome,
        overdue: c.status.is_open() && c.due_at < now,
        answered_by: c.answered_by.clone(),
    }
}

/// Every task the caller may see: welfare checks and incident tasks, filtered.
#[utoipa::path(get, path = "/v1/tasks", operation_id = "list_tasks", params(TaskQuery),
    responses((status = 200, body = TaskList), BadRequest))]
pub async fn list(reader: Reader, ApiQuery(q): ApiQuery<TaskQuery>) -> Result<Json<TaskList>> {
    reader.require(Action::ReadIncidents)?;
    let country = q.country;
    let now = reader.state.service.now();
    let p = reader.state.service.read();
    let mut tasks = Vec::new();
    if q.kind != Some(TaskKind::IncidentTask) {
        let filter = CheckFilter {
            country,
            status: q.status,
            person_id: q.person_id,
        };
        tasks.extend(
            p.welfare
                .list(&filter)
                .into_iter()
                .map(|c| check_item(c, now)),
        );
    }
    if q.kind != Some(TaskKind::WelfareCheck) && q.person_id.is_none() {
        for file in p.incidents.iter() {
            if country.is_some_and(|c| c != file.country) || !views::may_see(&reader.caller, file) {
                continue;
            }
            for t in &file.tasks {
                let status = match t.status {
                    TaskStatus::Open => CheckStatus::Open,
                    TaskStatus::Done => CheckStatus::Completed,
                    TaskStatus::Cancelled => CheckStatus::Cancelled,
                };
                if q.status.is_some_and(|s| s != status) {
                    continue;
                }
                tasks.push(TaskItem {
                    id: t.task_id,
                    kind: TaskKind::IncidentTask,
                    status,
                    person_id: None,
                    due_at: t.due_at,
                    country: file.country,
                    incident_id: Some(file.id),
                    title: t.title.clone(),
                    assignee: t.assignee.clone(),
                    priority: None,
                    vulnerabilities: Vec::new(),
                    risk_level: None,
                    attempts: None,
                    outcome: None,
                    overdue: t.is_overdue(now),
                    answered_by: None,
                });
            }
        }
    }
    drop(p);
    tasks.sort_by(|a, b| {
        b.status
            .is_open()
            .cmp(&a.status.is_open())
            .then(a.priority.unwrap_or(3).cmp(&b.priority.unwrap_or(3)))
            .then(a.due_at.cmp(&b.due_at))
            .then(a.id.cmp(&b.id))
    });
    let total = tasks.len();
    let limit = q.limit.unwrap_or(1000).min(10_000);
    let tasks = tasks
        .into_iter()
        .skip(q.offset.unwrap_or(0))
        .take(limit)
        .collect();
    Ok(Json(TaskList { total, tasks }))
}

query_params! {
    /// Filters of the list of missed deadlines.
    pub struct MissedQuery {
        /// Only this kind.
        pub kind: Option<DeadlineKind>,
        /// Only this country (ISO 3166-1 alpha-2).
        pub country: Option<CountryCode>,
    }
}

/// Missed deadlines, newest first (the latest 200).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MissedList {
    /// Recorded in all, including older ones not listed.
    pub total: u64,
    /// The latest ones the caller may see.
    pub deadlines: Vec<MissedView>,
}

/// The deadlines Homeward recorded as missed: what, whose, how late.
#[utoipa::path(get, path = "/v1/deadlines/missed", params(MissedQuery),
    responses((status = 200, body = MissedList), BadRequest))]
pub async fn missed(
    reader: Reader,
    ApiQuery(q): ApiQuery<MissedQuery>,
) -> Result<Json<MissedList>> {
    reader.require(Action::ReadIncidents)?;
    let country = q.country;
    let p = reader.state.service.read();
    let deadlines = p
        .deadlines
        .recent()
        .filter(|m| q.kind.is_none_or(|k| m.missed.kind == k))
        .filter(|m| country.is_none_or(|c| m.missed.country == Some(c)))
        .filter(|m| {
            m.missed.incident_id.is_none_or(|id| {
                p.incidents
                    .get(id)
                    .is_some_and(|f| views::may_see(&reader.caller, f))
            })
        })
        .cloned()
        .collect();
    Ok(Json(MissedList {
        total: p.deadlines.total(),
        deadlines,
    }))
}

/// Adds this module's routes to the API.
pub(super) fn add_routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(list)).routes(routes!(missed))
}
