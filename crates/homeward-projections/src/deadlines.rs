//! Deadlines: which promises are due now, and which were missed.
//!
//! What is due is computed, given the policy and `now`, from the incident files and
//! the welfare checks: a task's own due time, a welfare check's due time, a kidnapping
//! case team within the hour, a field report every few hours on the most severe
//! incidents. Each missed deadline is recorded once, as `deadline.missed` on a stream
//! named by the deadline's key; this fold keeps those records for the board and for
//! knowing what is already recorded.

use std::collections::{HashMap, HashSet, VecDeque};

use homeward_domain::deadline::{DeadlineKind, DeadlineMissed, DeadlinePolicy, Due};
use homeward_domain::incident::{IncidentEvent, IncidentKind, TaskStatus};
use homeward_domain::welfare::CheckStatus;
use homeward_domain::{DomainEvent, IncidentId, Timestamp};
use homeward_store::RecordedEvent;
use serde::Serialize;

use crate::incidents::IncidentFiles;
use crate::welfare::Welfare;

/// How many missed deadlines the board keeps.
pub const RECENT: usize = 200;

/// A missed deadline as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, serde::Deserialize)]
pub struct MissedView {
    /// What, whose, how late.
    #[serde(flatten)]
    pub missed: DeadlineMissed,
    /// When Homeward recorded the miss.
    pub recorded_at: Timestamp,
    /// Whether details were withheld from this viewer.
    pub redacted: bool,
}

/// Missed deadlines, and when each severe incident last changed severity.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct Deadlines {
    recorded: HashSet<String>,
    recent: VecDeque<MissedView>,
    total: u64,
    severity_since: HashMap<IncidentId, Timestamp>,
}

impl Deadlines {
    /// Folds one event in.
    pub fn apply(&mut self, event: &RecordedEvent) {
        match &event.event {
            DomainEvent::Deadline(homeward_domain::deadline::DeadlineEvent::Missed(m))
                if self.recorded.insert(m.key.clone()) =>
            {
                self.total += 1;
                self.recent.push_front(MissedView {
                    missed: m.clone(),
                    recorded_at: event.recorded_at,
                    redacted: false,
                });
                self.recent.truncate(RECENT);
            }
            DomainEvent::Incident(IncidentEvent::Opened(_) | IncidentEvent::SeverityChanged(_)) => {
                if let Ok(id) = event.stream_id.local_id().parse() {
                    self.severity_since.insert(id, event.recorded_at);
                }
            }
            _ => {}
        }
    }

    /// Whether the deadline named `key` was recorded as missed.
    pub fn is_recorded(&self, key: &str) -> bool {
        self.recorded.contains(key)
    }

    /// Missed deadlines recorded in all.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The latest missed deadlines, newest first.
    pub fn recent(&self) -> impl Iterator<Item = &MissedView> {
        self.recent.iter()
    }

    /// Every deadline passed by `now` and not yet recorded, earliest first.
    pub fn overdue(
        &self,
        policy: &DeadlinePolicy,
        files: &IncidentFiles,
        welfare: &Welfare,
        now: Timestamp,
    ) -> Vec<Due> {
        let mut out = Vec::new();
        let mut push = |due: Due| {
            if due.due_at < now && !self.recorded.contains(&due.key) {
                out.push(due);
            }
        };
        for check in welfare.open_checks() {
            push(Due {
                kind: DeadlineKind::WelfareCheck,
                key: format!("welfare:{}:{}", check.id, check.due_at.as_second()),
                what: format!(
                    "welfare check{} (risk level {})",
                    if check.attempts > 0 {
                        format!(", attempt {}", check.attempts + 1)
                    } else {
                        String::new()
                    },
                    check.risk_level
                ),
                owner: if check.status == CheckStatus::Escalated {
                    "duty_officer".into()
                } else {
                    "hotline_operator".into()
                },
                incident_id: None,
                task_id: Some(check.id),
                person_id: Some(check.person_id),
                country: Some(check.country),
                due_at: check.due_at,
            });
        }
        for file in files.iter().filter(|f| f.status.is_open()) {
            let owner = || file.lead.clone().unwrap_or_else(|| "duty_officer".into());
            for task in &file.tasks {
                if task.status != TaskStatus::Open {
                    continue;
                }
                if let Some(due_at) = task.due_at {
                    push(Due {
                        kind: DeadlineKind::Task,
                        key: format!("task:{}:{}", task.task_id, due_at.as_second()),
                        what: format!("task: {}", task.title),
                        owner: task.assignee.clone().unwrap_or_else(owner),
                        incident_id: Some(file.id),
                        task_id: Some(task.task_id),
                        person_id: None,
                        country: Some(file.country),
                        due_at,
                    });
                }
            }
            if file.kind == IncidentKind::Kidnapping {
                let assembled =
                    file.lead.is_some() && file.team.len() >= policy.case_team_min_members as usize;
                let due_at = file
                    .opened_at
                    .saturating_add(policy.case_team_within)
                    .unwrap_or(file.opened_at);
                if !assembled {
                    push(Due {
                        kind: DeadlineKind::CaseTeam,
                        key: format!("case_team:{}", file.id),
                        what: format!(
                            "case team assembled (a lead and {} member{})",
                            policy.case_team_min_members,
                            if policy.case_team_min_members == 1 {
                                ""
                            } else {
                                "s"
                            }
                        ),
                        owner: "duty_officer".into(),
                        incident_id: Some(file.id),
                        task_id: None,
                        person_id: None,
                        country: Some(file.country),
                        due_at,
                    });
                }
            }
            if file.severity >= policy.report_severity {
                let since = self
                    .severity_since
                    .get(&file.id)
                    .copied()
                    .unwrap_or(file.opened_at);
                let last_report = file
                    .reports
                    .iter()
                    .filter(|r| !r.retracted)
                    .map(|r| r.recorded_at)
                    .max();
                let last = last_report.map_or(since, |r| r.max(since));
                // One miss per silent interval, named by its due time: the latest
                // interval that has passed (after a long silence or a restart, one
                // miss, not one for every interval missed meanwhile).
                let key = |due: Timestamp| format!("field_report:{}:{}", file.id, due.as_second());
                let every = policy.report_every.as_secs().max(1);
                let silent = now.as_second() - last.as_second();
                let intervals = (silent / every).max(1);
                let due_at = last
                    .saturating_add(jiff::SignedDuration::from_secs(intervals * every))
                    .unwrap_or(last);
                push(Due {
                    kind: DeadlineKind::FieldReport,
                    key: key(due_at),
                    what: format!("field report on a severity {} incident", file.severity),
                    owner: owner(),
                    incident_id: Some(file.id),
                    task_id: None,
                    person_id: None,
                    country: Some(file.country),
                    due_at,
                });
            }
        }
        out.sort_by(|a, b| a.due_at.cmp(&b.due_at).then(a.key.cmp(&b.key)));
        out
    }
}
