//! What can happen to an incident: the payload of each event, and the declaration of
//! the incident's events (wire name and schema version, once).

#[allow(unused_imports)]
use super::*;

/// The incident was opened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IncidentOpened {
    /// What kind of crisis.
    pub kind: IncidentKind,
    /// A short title.
    pub title: String,
    /// The country.
    pub country: CountryCode,
    /// 1 (lowest) to 5 (highest).
    pub severity: u8,
    /// Who may see it.
    pub classification: Classification,
    /// A place name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Latitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// What was known when it was opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// The status moved along the ordinary workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct StatusChanged {
    pub from: IncidentStatus,
    pub to: IncidentStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The incident was closed, or reopened, with a reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct WithReason {
    pub reason: String,
}

/// The severity changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct SeverityChanged {
    pub from: u8,
    pub to: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A lead officer was assigned (replacing any previous lead).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct LeadAssigned {
    pub subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
}

/// A team member joined or left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct TeamMember {
    pub subject: String,
}

/// A person was named as affected by the incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct PersonAdded {
    pub person_id: PersonId,
    pub status: AffectedStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An affected person's status changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct PersonStatusChanged {
    pub person_id: PersonId,
    pub from: AffectedStatus,
    pub to: AffectedStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A task was set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct TaskAdded {
    pub task_id: TaskId,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
}

/// A task was completed or cancelled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct TaskClosed {
    pub task_id: TaskId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A field report was filed. When it happened in the field is the event's `occurred_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct ReportFiled {
    pub report_id: ReportId,
    pub text: String,
    pub category: ReportCategory,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
}

/// The captors made contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct CaptorContact {
    pub channel: String,
    pub summary: String,
}

/// The captors made a demand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct Demand {
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Timestamp>,
}

/// Proof of life was received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct ProofOfLife {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<PersonId>,
    pub method: String,
    pub summary: String,
}

/// A negotiation update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct Negotiation {
    pub summary: String,
}

/// The kidnapping ended for the hostages named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct Outcome {
    pub outcome: KidnappingOutcome,
    pub person_ids: Vec<PersonId>,
    pub summary: String,
}

/// What a correction set right, with the values before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "fix", rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub enum Correction {
    Status {
        from: IncidentStatus,
        to: IncidentStatus,
    },
    PersonStatus {
        person_id: PersonId,
        from: AffectedStatus,
        to: AffectedStatus,
    },
    ReportRetracted {
        report_id: ReportId,
    },
    Details {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        summary: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        country: Option<CountryCode>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        place: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lat: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lon: Option<f64>,
    },
}

/// A correction: names the version of this stream it corrects and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct Corrected {
    pub corrects_version: u64,
    pub reason: String,
    pub correction: Correction,
}

crate::event::events! {
    /// Everything that can happen to an incident. The serde tag is the event's stable
    /// wire name.
    pub enum IncidentEvent {
        // v1 predates classification; v1 records are upcast on read.
        Opened(IncidentOpened) = ("incident.opened", 2),
        StatusChanged(StatusChanged) = ("incident.status_changed", 1),
        Closed(WithReason) = ("incident.closed", 1),
        Reopened(WithReason) = ("incident.reopened", 1),
        SeverityChanged(SeverityChanged) = ("incident.severity_changed", 1),
        LeadAssigned(LeadAssigned) = ("incident.lead_assigned", 1),
        TeamMemberAdded(TeamMember) = ("incident.team_member_added", 1),
        TeamMemberRemoved(TeamMember) = ("incident.team_member_removed", 1),
        PersonAdded(PersonAdded) = ("incident.person_added", 1),
        PersonStatusChanged(PersonStatusChanged) = ("incident.person_status_changed", 1),
        TaskAdded(TaskAdded) = ("incident.task_added", 1),
        TaskCompleted(TaskClosed) = ("incident.task_completed", 1),
        TaskCancelled(TaskClosed) = ("incident.task_cancelled", 1),
        ReportFiled(ReportFiled) = ("incident.report_filed", 1),
        CaptorContactRecorded(CaptorContact) = ("incident.captor_contact_recorded", 1),
        DemandRecorded(Demand) = ("incident.demand_recorded", 1),
        ProofOfLifeRecorded(ProofOfLife) = ("incident.proof_of_life_recorded", 1),
        NegotiationUpdated(Negotiation) = ("incident.negotiation_updated", 1),
        OutcomeRecorded(Outcome) = ("incident.kidnapping_outcome_recorded", 1),
        Corrected(Corrected) = ("incident.corrected", 1),
        DecisionRecorded(crate::decision::DecisionRecorded) = ("incident.decision_recorded", 1),
    }
}

impl IncidentEvent {
    /// Whether the event belongs to the restricted kidnapping case file.
    pub fn is_case_fact(&self) -> bool {
        matches!(
            self,
            Self::CaptorContactRecorded(_)
                | Self::DemandRecorded(_)
                | Self::ProofOfLifeRecorded(_)
                | Self::NegotiationUpdated(_)
                | Self::OutcomeRecorded(_)
        )
    }
}
