//! Decisions beside what was known: each decision of an incident with the incident as
//! it stood at the log position its author was looking at, and the reports filed on
//! the incident after that position (what was learned since).

use homeward_domain::decision::DecisionRecorded;
use homeward_domain::incident::IncidentEvent;
use homeward_domain::{DecisionId, DomainEvent, IncidentId, Timestamp};
use homeward_store::RecordedEvent;
use serde::{Deserialize, Serialize};

use crate::incidents::{self, IncidentFile, Report};

/// A decision as the incident file keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DecisionNote {
    /// Its id.
    pub id: DecisionId,
    /// What was decided.
    pub decision: String,
    /// Why.
    pub rationale: String,
    /// The options weighed against it.
    pub options_considered: Vec<String>,
    /// Who decided.
    pub decided_by: String,
    /// When it was recorded.
    pub recorded_at: Timestamp,
    /// The log position of what its author was looking at.
    pub known_position: u64,
    /// The incident's version its author was looking at.
    pub known_version: u64,
    /// The log position of the decision itself.
    pub position: u64,
}

impl DecisionNote {
    /// The note of a recorded decision event.
    pub fn new(d: &DecisionRecorded, event: &RecordedEvent) -> Self {
        Self {
            id: d.decision_id,
            decision: d.decision.clone(),
            rationale: d.rationale.clone(),
            options_considered: d.options_considered.clone(),
            decided_by: event.actor.subject.clone(),
            recorded_at: event.recorded_at,
            known_position: d.known_position,
            known_version: d.known_version,
            position: event.position,
        }
    }
}

/// A decision on the timeline: when, on which incident, and (unless redacted for the
/// viewer) what.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DecisionMark {
    /// When it was recorded.
    pub recorded_at: Timestamp,
    /// The incident.
    pub incident_id: IncidentId,
    /// Its id.
    pub id: DecisionId,
    /// What was decided (absent when redacted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
    /// Who decided (absent when redacted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    /// Whether the viewer sees only that a restricted case decided something.
    pub redacted: bool,
}

/// The decisions of the files given, as timeline marks in recorded order; `redacted`
/// says of each file whether the viewer sees only that it exists.
pub fn marks<'a>(files: impl Iterator<Item = (&'a IncidentFile, bool)>) -> Vec<DecisionMark> {
    let mut marks: Vec<(u64, DecisionMark)> = files
        .flat_map(|(file, redacted)| {
            file.decisions.iter().map(move |d| {
                (
                    d.position,
                    DecisionMark {
                        recorded_at: d.recorded_at,
                        incident_id: file.id,
                        id: d.id,
                        decision: (!redacted).then(|| d.decision.clone()),
                        decided_by: (!redacted).then(|| d.decided_by.clone()),
                        redacted,
                    },
                )
            })
        })
        .collect();
    marks.sort_by_key(|(position, _)| *position);
    marks.into_iter().map(|(_, m)| m).collect()
}

/// One decision beside what was known when it was made.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DecisionRecord {
    /// The decision's id.
    pub id: DecisionId,
    /// What was decided.
    pub decision: String,
    /// Why.
    pub rationale: String,
    /// The options weighed against it.
    pub options_considered: Vec<String>,
    /// Who decided.
    pub decided_by: String,
    /// When it was recorded.
    pub recorded_at: Timestamp,
    /// The log position of what its author was looking at.
    pub known_position: u64,
    /// The incident's version its author was looking at.
    pub known_version: u64,
    /// The incident as it stood at `known_position` (the same view as `?as_of`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known: Option<IncidentFile>,
    /// Reports filed on the incident after `known_position`, oldest first.
    pub learned_since: Vec<Report>,
}

/// Every decision of an incident beside what was known, from the incident's events
/// (all of one stream, in version order), oldest first. `known` is the file as it
/// stood at each decision's known position; `learned_since` the reports filed after it,
/// as the current file shows them (a later retraction included).
pub fn records(id: IncidentId, events: &[RecordedEvent]) -> Vec<DecisionRecord> {
    let Some(now) = incidents::at_position(id, events, u64::MAX) else {
        return Vec::new();
    };
    let report_positions: Vec<(u64, homeward_domain::ReportId)> = events
        .iter()
        .filter_map(|e| match &e.event {
            DomainEvent::Incident(IncidentEvent::ReportFiled(r)) => Some((e.position, r.report_id)),
            _ => None,
        })
        .collect();
    now.decisions
        .iter()
        .map(|d| DecisionRecord {
            id: d.id,
            decision: d.decision.clone(),
            rationale: d.rationale.clone(),
            options_considered: d.options_considered.clone(),
            decided_by: d.decided_by.clone(),
            recorded_at: d.recorded_at,
            known_position: d.known_position,
            known_version: d.known_version,
            known: incidents::at_position(id, events, d.known_position),
            learned_since: report_positions
                .iter()
                .filter(|(position, _)| *position > d.known_position)
                .filter_map(|(_, report)| now.reports.iter().find(|r| r.report_id == *report))
                .cloned()
                .collect(),
        })
        .collect()
}
