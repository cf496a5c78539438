//! The incident stream: from opening to closing, with persons affected, tasks, field
//! reports, the kidnapping case facts, decisions (rules in `decision`), and corrections.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::aggregate::{Aggregate, Context};
use crate::ids::{CountryCode, PersonId, ReportId, TaskId};
use crate::rejection::Rejection;
use crate::validate::{self, MAX_NOTE, MAX_REPORT, MAX_TITLE};

/// What kind of crisis an incident is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[allow(missing_docs)]
pub enum IncidentKind {
    Kidnapping,
    Detention,
    MissingPerson,
    Evacuation,
    NaturalDisaster,
    CivilUnrest,
    TerrorAttack,
    Accident,
    Medical,
    ConsularAssistance,
    Other,
}

impl IncidentKind {
    /// Every kind, in a stable order.
    pub const ALL: [IncidentKind; 11] = [
        Self::Kidnapping,
        Self::Detention,
        Self::MissingPerson,
        Self::Evacuation,
        Self::NaturalDisaster,
        Self::CivilUnrest,
        Self::TerrorAttack,
        Self::Accident,
        Self::Medical,
        Self::ConsularAssistance,
        Self::Other,
    ];

    /// The kind's wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Kidnapping => "kidnapping",
            Self::Detention => "detention",
            Self::MissingPerson => "missing_person",
            Self::Evacuation => "evacuation",
            Self::NaturalDisaster => "natural_disaster",
            Self::CivilUnrest => "civil_unrest",
            Self::TerrorAttack => "terror_attack",
            Self::Accident => "accident",
            Self::Medical => "medical",
            Self::ConsularAssistance => "consular_assistance",
            Self::Other => "other",
        }
    }
}

/// Who may see an incident: everyone with a reading role, or its team and the roles
/// cleared for restricted cases. Kidnappings are always restricted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[allow(missing_docs)]
pub enum Classification {
    #[default]
    Normal,
    Restricted,
}

/// Where an incident stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[allow(missing_docs)]
pub enum IncidentStatus {
    #[default]
    Open,
    Active,
    Contained,
    Resolved,
    Closed,
    Reopened,
}

impl IncidentStatus {
    /// The status's wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Active => "active",
            Self::Contained => "contained",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
            Self::Reopened => "reopened",
        }
    }

    /// Whether the ordinary workflow may move from `self` to `to`. Closing needs a
    /// reason (see [`IncidentCommand::Close`]); leaving `closed` needs a reopening or
    /// a correction, never an ordinary status change.
    pub fn may_become(self, to: IncidentStatus) -> bool {
        use IncidentStatus::*;
        matches!(
            (self, to),
            (Open | Reopened, Active | Contained | Resolved)
                | (Active, Contained | Resolved)
                | (Contained, Active | Resolved)
                | (Resolved, Active | Contained)
        )
    }

    /// Whether the incident is still being worked (anything but closed).
    pub fn is_open(self) -> bool {
        self != IncidentStatus::Closed
    }
}

/// The status of a person affected by an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[allow(missing_docs)]
pub enum AffectedStatus {
    Unaccounted,
    Missing,
    Held,
    Detained,
    Injured,
    Hospitalized,
    Safe,
    Released,
    Evacuated,
    Deceased,
}

impl AffectedStatus {
    /// Every status, in a stable order.
    pub const ALL: [AffectedStatus; 10] = [
        Self::Unaccounted,
        Self::Missing,
        Self::Held,
        Self::Detained,
        Self::Injured,
        Self::Hospitalized,
        Self::Safe,
        Self::Released,
        Self::Evacuated,
        Self::Deceased,
    ];

    /// The status's wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Unaccounted => "unaccounted",
            Self::Missing => "missing",
            Self::Held => "held",
            Self::Detained => "detained",
            Self::Injured => "injured",
            Self::Hospitalized => "hospitalized",
            Self::Safe => "safe",
            Self::Released => "released",
            Self::Evacuated => "evacuated",
            Self::Deceased => "deceased",
        }
    }

    /// A terminal status changes only through a correction with a reason.
    pub fn is_terminal(self) -> bool {
        self == AffectedStatus::Deceased
    }
}

/// What a field report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[allow(missing_docs)]
pub enum ReportCategory {
    Situation,
    Security,
    Medical,
    Logistics,
    Contact,
    Welfare,
    Media,
    Other,
}

/// How a kidnapping ended for the hostages named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[allow(missing_docs)]
pub enum KidnappingOutcome {
    Released,
    Rescued,
    Escaped,
    Deceased,
}

impl KidnappingOutcome {
    fn person_status(self) -> AffectedStatus {
        match self {
            Self::Released | Self::Rescued | Self::Escaped => AffectedStatus::Released,
            Self::Deceased => AffectedStatus::Deceased,
        }
    }
}

/// Where a task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[allow(missing_docs)]
pub enum TaskStatus {
    Open,
    Done,
    Cancelled,
}

// ---------------------------------------------------------------------------------
// Commands

/// Opens an incident.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenIncident {
    /// What kind of crisis it is.
    pub kind: IncidentKind,
    /// A short title for the board.
    pub title: String,
    /// The country, as the caller wrote it (checked against ISO 3166-1).
    pub country: String,
    /// 1 (lowest) to 5 (highest).
    pub severity: u8,
    /// Defaults to normal; kidnappings are always restricted.
    pub classification: Option<Classification>,
    /// A place name.
    pub place: Option<String>,
    /// Latitude, with `lon`.
    pub lat: Option<f64>,
    /// Longitude, with `lat`.
    pub lon: Option<f64>,
    /// What is known so far.
    pub summary: Option<String>,
    /// When it happened in the field, if earlier than now.
    pub occurred_at: Option<Timestamp>,
}

/// A field report as filed.
#[derive(Debug, Clone, PartialEq)]
pub struct FileReport {
    /// The identifier the edge gave the report.
    pub report_id: ReportId,
    /// The report itself.
    pub text: String,
    /// What it is about.
    pub category: ReportCategory,
    /// A place name.
    pub place: Option<String>,
    /// Latitude, with `lon`.
    pub lat: Option<f64>,
    /// Longitude, with `lat`.
    pub lon: Option<f64>,
    /// When it happened in the field (may be earlier than now, on bad networks much earlier).
    pub occurred_at: Option<Timestamp>,
}

/// What a correction command sets right.
#[derive(Debug, Clone, PartialEq)]
pub enum IncidentFix {
    /// The incident's status, including leaving `closed`.
    Status {
        /// The status it should have.
        status: IncidentStatus,
    },
    /// A person's status, including leaving a terminal status.
    PersonStatus {
        /// The person.
        person_id: PersonId,
        /// The status they should have.
        status: AffectedStatus,
    },
    /// A report filed in error (wrong incident, false information).
    RetractReport {
        /// The report.
        report_id: ReportId,
    },
    /// Details of the incident itself.
    Details {
        /// A corrected title.
        title: Option<String>,
        /// A corrected summary.
        summary: Option<String>,
        /// A corrected country.
        country: Option<String>,
        /// A corrected place.
        place: Option<String>,
        /// Corrected latitude, with `lon`.
        lat: Option<f64>,
        /// Corrected longitude, with `lat`.
        lon: Option<f64>,
    },
}

/// Everything that can be asked of an incident.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum IncidentCommand {
    Open(OpenIncident),
    ChangeStatus {
        status: IncidentStatus,
        reason: Option<String>,
    },
    Close {
        reason: String,
    },
    Reopen {
        reason: String,
    },
    SetSeverity {
        severity: u8,
        reason: Option<String>,
    },
    AssignLead {
        subject: String,
    },
    AddTeamMember {
        subject: String,
    },
    RemoveTeamMember {
        subject: String,
    },
    AddPerson {
        person_id: PersonId,
        status: AffectedStatus,
        note: Option<String>,
        /// Looked up by the edge: is the person in the registry?
        person_known: bool,
    },
    ChangePersonStatus {
        person_id: PersonId,
        status: AffectedStatus,
        note: Option<String>,
    },
    AddTask {
        task_id: TaskId,
        title: String,
        due_at: Option<Timestamp>,
        assignee: Option<String>,
    },
    CompleteTask {
        task_id: TaskId,
        note: Option<String>,
    },
    CancelTask {
        task_id: TaskId,
        reason: String,
    },
    FileReport(FileReport),
    RecordCaptorContact {
        channel: String,
        summary: String,
        occurred_at: Option<Timestamp>,
    },
    RecordDemand {
        summary: String,
        amount: Option<u64>,
        currency: Option<String>,
        deadline: Option<Timestamp>,
    },
    RecordProofOfLife {
        person_id: Option<PersonId>,
        method: String,
        summary: String,
        occurred_at: Option<Timestamp>,
    },
    RecordNegotiation {
        summary: String,
    },
    RecordOutcome {
        outcome: KidnappingOutcome,
        person_ids: Vec<PersonId>,
        summary: String,
        occurred_at: Option<Timestamp>,
    },
    Correct {
        corrects_version: u64,
        reason: String,
        fix: IncidentFix,
    },
    RecordDecision(crate::decision::RecordDecision),
}

impl IncidentCommand {
    /// The time the command says it happened in the field, if it names one.
    pub fn field_time(&self) -> Option<Timestamp> {
        match self {
            Self::Open(open) => open.occurred_at,
            Self::FileReport(report) => report.occurred_at,
            Self::RecordCaptorContact { occurred_at, .. }
            | Self::RecordProofOfLife { occurred_at, .. }
            | Self::RecordOutcome { occurred_at, .. } => *occurred_at,
            _ => None,
        }
    }

    /// A stable name for the command, for the audit trail of rejections.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Open(_) => "open_incident",
            Self::ChangeStatus { .. } => "change_status",
            Self::Close { .. } => "close_incident",
            Self::Reopen { .. } => "reopen_incident",
            Self::SetSeverity { .. } => "set_severity",
            Self::AssignLead { .. } => "assign_lead",
            Self::AddTeamMember { .. } => "add_team_member",
            Self::RemoveTeamMember { .. } => "remove_team_member",
            Self::AddPerson { .. } => "add_affected_person",
            Self::ChangePersonStatus { .. } => "change_person_status",
            Self::AddTask { .. } => "add_task",
            Self::CompleteTask { .. } => "complete_task",
            Self::CancelTask { .. } => "cancel_task",
            Self::FileReport(_) => "file_report",
            Self::RecordCaptorContact { .. } => "record_captor_contact",
            Self::RecordDemand { .. } => "record_demand",
            Self::RecordProofOfLife { .. } => "record_proof_of_life",
            Self::RecordNegotiation { .. } => "record_negotiation",
            Self::RecordOutcome { .. } => "record_kidnapping_outcome",
            Self::Correct { .. } => "correct_incident",
            Self::RecordDecision(_) => "record_decision",
        }
    }
}

// ---------------------------------------------------------------------------------
// Events

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

/// Everything that can happen to an incident. The serde tag is the event's stable
/// wire name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
#[allow(missing_docs)]
pub enum IncidentEvent {
    #[serde(rename = "incident.opened")]
    Opened(IncidentOpened),
    #[serde(rename = "incident.status_changed")]
    StatusChanged(StatusChanged),
    #[serde(rename = "incident.closed")]
    Closed(WithReason),
    #[serde(rename = "incident.reopened")]
    Reopened(WithReason),
    #[serde(rename = "incident.severity_changed")]
    SeverityChanged(SeverityChanged),
    #[serde(rename = "incident.lead_assigned")]
    LeadAssigned(LeadAssigned),
    #[serde(rename = "incident.team_member_added")]
    TeamMemberAdded(TeamMember),
    #[serde(rename = "incident.team_member_removed")]
    TeamMemberRemoved(TeamMember),
    #[serde(rename = "incident.person_added")]
    PersonAdded(PersonAdded),
    #[serde(rename = "incident.person_status_changed")]
    PersonStatusChanged(PersonStatusChanged),
    #[serde(rename = "incident.task_added")]
    TaskAdded(TaskAdded),
    #[serde(rename = "incident.task_completed")]
    TaskCompleted(TaskClosed),
    #[serde(rename = "incident.task_cancelled")]
    TaskCancelled(TaskClosed),
    #[serde(rename = "incident.report_filed")]
    ReportFiled(ReportFiled),
    #[serde(rename = "incident.captor_contact_recorded")]
    CaptorContactRecorded(CaptorContact),
    #[serde(rename = "incident.demand_recorded")]
    DemandRecorded(Demand),
    #[serde(rename = "incident.proof_of_life_recorded")]
    ProofOfLifeRecorded(ProofOfLife),
    #[serde(rename = "incident.negotiation_updated")]
    NegotiationUpdated(Negotiation),
    #[serde(rename = "incident.kidnapping_outcome_recorded")]
    OutcomeRecorded(Outcome),
    #[serde(rename = "incident.corrected")]
    Corrected(Corrected),
    #[serde(rename = "incident.decision_recorded")]
    DecisionRecorded(crate::decision::DecisionRecorded),
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

// ---------------------------------------------------------------------------------
// State

/// What `decide` needs to know about an incident.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// Events folded so far.
    pub version: u64,
    /// Set once opened.
    pub kind: Option<IncidentKind>,
    /// Who may see it.
    pub classification: Classification,
    /// Where it stands.
    pub status: IncidentStatus,
    /// 1 to 5.
    pub severity: u8,
    /// The lead officer.
    pub lead: Option<String>,
    /// Team members (the lead is not repeated here).
    pub team: BTreeSet<String>,
    /// Persons affected and their statuses.
    pub persons: BTreeMap<PersonId, AffectedStatus>,
    /// Tasks and their statuses.
    pub tasks: BTreeMap<TaskId, TaskStatus>,
    /// Reports and whether each was retracted.
    pub reports: BTreeMap<ReportId, bool>,
}

impl Incident {
    /// Whether the incident has been opened.
    pub fn exists(&self) -> bool {
        self.kind.is_some()
    }

    /// Whether `subject` is the lead or on the team.
    pub fn is_member(&self, subject: &str) -> bool {
        self.lead.as_deref() == Some(subject) || self.team.contains(subject)
    }

    fn existing(&self) -> Result<IncidentKind, Rejection> {
        self.kind.ok_or(Rejection::NotFound { what: "incident" })
    }

    fn open_for_work(&self) -> Result<IncidentKind, Rejection> {
        let kind = self.existing()?;
        if self.status == IncidentStatus::Closed {
            return Err(Rejection::IncidentClosed);
        }
        Ok(kind)
    }

    fn kidnapping_case(&self) -> Result<(), Rejection> {
        if self.open_for_work()? != IncidentKind::Kidnapping {
            return Err(Rejection::NotAKidnapping);
        }
        Ok(())
    }

    fn affected(&self, person_id: PersonId) -> Result<AffectedStatus, Rejection> {
        self.persons
            .get(&person_id)
            .copied()
            .ok_or(Rejection::PersonNotAffected)
    }

    fn open_task(&self, task_id: TaskId) -> Result<(), Rejection> {
        match self.tasks.get(&task_id) {
            None => Err(Rejection::NotFound { what: "task" }),
            Some(TaskStatus::Open) => Ok(()),
            Some(_) => Err(Rejection::TaskAlreadyClosed),
        }
    }
}

fn severity(value: u8) -> Result<u8, Rejection> {
    if (1..=5).contains(&value) {
        Ok(value)
    } else {
        Err(Rejection::InvalidSeverity)
    }
}

impl Aggregate for Incident {
    type Command = IncidentCommand;
    type Event = IncidentEvent;

    fn decide(
        &self,
        command: &IncidentCommand,
        ctx: &Context,
    ) -> Result<Vec<IncidentEvent>, Rejection> {
        use IncidentCommand as C;
        use IncidentEvent as E;
        let event = match command {
            C::Open(open) => {
                if self.exists() {
                    return Err(Rejection::AlreadyExists { what: "incident" });
                }
                let classification = match (open.kind, open.classification) {
                    (IncidentKind::Kidnapping, Some(Classification::Normal)) => {
                        return Err(Rejection::KidnappingMustBeRestricted);
                    }
                    (IncidentKind::Kidnapping, _) => Classification::Restricted,
                    (_, c) => c.unwrap_or_default(),
                };
                let coords = validate::coordinates(open.lat, open.lon)?;
                validate::field_time(open.occurred_at, ctx.now)?;
                E::Opened(IncidentOpened {
                    kind: open.kind,
                    title: validate::required("title", &open.title, MAX_TITLE)?,
                    country: validate::country(&open.country)?,
                    severity: severity(open.severity)?,
                    classification,
                    place: validate::optional("place", open.place.as_deref(), MAX_TITLE)?,
                    lat: coords.map(|c| c.0),
                    lon: coords.map(|c| c.1),
                    summary: validate::optional("summary", open.summary.as_deref(), MAX_NOTE)?,
                })
            }
            C::ChangeStatus { status, reason } => {
                self.existing()?;
                let reason = validate::optional("reason", reason.as_deref(), MAX_NOTE)?;
                match (self.status, *status) {
                    (IncidentStatus::Closed, to) => {
                        return Err(Rejection::TerminalStatus {
                            status: "closed",
                            hint: if to == IncidentStatus::Reopened {
                                "reopen the incident with a reason"
                            } else {
                                "reopen the incident or correct its status with a reason"
                            },
                        });
                    }
                    (_, IncidentStatus::Closed) => {
                        let reason = reason.ok_or(Rejection::ReasonRequired)?;
                        E::Closed(WithReason { reason })
                    }
                    (from, to) if from.may_become(to) => {
                        E::StatusChanged(StatusChanged { from, to, reason })
                    }
                    (from, to) => {
                        return Err(Rejection::InvalidTransition {
                            from: from.as_str(),
                            to: to.as_str(),
                        });
                    }
                }
            }
            C::Close { reason } => {
                self.open_for_work()?;
                E::Closed(WithReason {
                    reason: validate::reason(reason)?,
                })
            }
            C::Reopen { reason } => {
                self.existing()?;
                if self.status != IncidentStatus::Closed {
                    return Err(Rejection::InvalidTransition {
                        from: self.status.as_str(),
                        to: "reopened",
                    });
                }
                E::Reopened(WithReason {
                    reason: validate::reason(reason)?,
                })
            }
            C::SetSeverity {
                severity: to,
                reason,
            } => {
                self.open_for_work()?;
                let to = severity(*to)?;
                if to == self.severity {
                    return Err(Rejection::NoChange);
                }
                E::SeverityChanged(SeverityChanged {
                    from: self.severity,
                    to,
                    reason: validate::optional("reason", reason.as_deref(), MAX_NOTE)?,
                })
            }
            C::AssignLead { subject } => {
                self.open_for_work()?;
                let subject = validate::subject(subject)?;
                if self.lead.as_deref() == Some(subject.as_str()) {
                    return Err(Rejection::NoChange);
                }
                E::LeadAssigned(LeadAssigned {
                    subject,
                    previous: self.lead.clone(),
                })
            }
            C::AddTeamMember { subject } => {
                self.open_for_work()?;
                let subject = validate::subject(subject)?;
                if self.team.contains(&subject) || self.lead.as_deref() == Some(subject.as_str()) {
                    return Err(Rejection::AlreadyExists {
                        what: "team member",
                    });
                }
                E::TeamMemberAdded(TeamMember { subject })
            }
            C::RemoveTeamMember { subject } => {
                self.open_for_work()?;
                if !self.team.contains(subject.trim()) {
                    return Err(Rejection::NotFound {
                        what: "team member",
                    });
                }
                E::TeamMemberRemoved(TeamMember {
                    subject: subject.trim().to_owned(),
                })
            }
            C::AddPerson {
                person_id,
                status,
                note,
                person_known,
            } => {
                self.open_for_work()?;
                if !person_known {
                    return Err(Rejection::NotFound { what: "person" });
                }
                if self.persons.contains_key(person_id) {
                    return Err(Rejection::AlreadyExists {
                        what: "affected person",
                    });
                }
                E::PersonAdded(PersonAdded {
                    person_id: *person_id,
                    status: *status,
                    note: validate::optional("note", note.as_deref(), MAX_NOTE)?,
                })
            }
            C::ChangePersonStatus {
                person_id,
                status,
                note,
            } => {
                self.open_for_work()?;
                let from = self.affected(*person_id)?;
                if from.is_terminal() {
                    return Err(Rejection::TerminalStatus {
                        status: from.as_str(),
                        hint: "correct the person's status with a reason",
                    });
                }
                if from == *status {
                    return Err(Rejection::NoChange);
                }
                E::PersonStatusChanged(PersonStatusChanged {
                    person_id: *person_id,
                    from,
                    to: *status,
                    note: validate::optional("note", note.as_deref(), MAX_NOTE)?,
                })
            }
            C::AddTask {
                task_id,
                title,
                due_at,
                assignee,
            } => {
                self.open_for_work()?;
                if self.tasks.contains_key(task_id) {
                    return Err(Rejection::AlreadyExists { what: "task" });
                }
                let assignee = match assignee.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(s) => Some(validate::subject(s)?),
                };
                E::TaskAdded(TaskAdded {
                    task_id: *task_id,
                    title: validate::required("title", title, MAX_TITLE)?,
                    due_at: *due_at,
                    assignee,
                })
            }
            C::CompleteTask { task_id, note } => {
                self.open_for_work()?;
                self.open_task(*task_id)?;
                E::TaskCompleted(TaskClosed {
                    task_id: *task_id,
                    note: validate::optional("note", note.as_deref(), MAX_NOTE)?,
                })
            }
            C::CancelTask { task_id, reason } => {
                self.open_for_work()?;
                self.open_task(*task_id)?;
                E::TaskCancelled(TaskClosed {
                    task_id: *task_id,
                    note: Some(validate::reason(reason)?),
                })
            }
            C::FileReport(report) => {
                self.open_for_work()?;
                if self.reports.contains_key(&report.report_id) {
                    return Err(Rejection::AlreadyExists { what: "report" });
                }
                validate::field_time(report.occurred_at, ctx.now)?;
                let coords = validate::coordinates(report.lat, report.lon)?;
                E::ReportFiled(ReportFiled {
                    report_id: report.report_id,
                    text: validate::required("text", &report.text, MAX_REPORT)?,
                    category: report.category,
                    place: validate::optional("place", report.place.as_deref(), MAX_TITLE)?,
                    lat: coords.map(|c| c.0),
                    lon: coords.map(|c| c.1),
                })
            }
            C::RecordCaptorContact {
                channel,
                summary,
                occurred_at,
            } => {
                self.kidnapping_case()?;
                validate::field_time(*occurred_at, ctx.now)?;
                E::CaptorContactRecorded(CaptorContact {
                    channel: validate::required("channel", channel, MAX_TITLE)?,
                    summary: validate::required("summary", summary, MAX_REPORT)?,
                })
            }
            C::RecordDemand {
                summary,
                amount,
                currency,
                deadline,
            } => {
                self.kidnapping_case()?;
                let currency = validate::optional("currency", currency.as_deref(), 8)?;
                if currency
                    .as_ref()
                    .is_some_and(|c| c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_uppercase()))
                {
                    return Err(Rejection::InvalidCurrency);
                }
                E::DemandRecorded(Demand {
                    summary: validate::required("summary", summary, MAX_REPORT)?,
                    amount: *amount,
                    currency,
                    deadline: *deadline,
                })
            }
            C::RecordProofOfLife {
                person_id,
                method,
                summary,
                occurred_at,
            } => {
                self.kidnapping_case()?;
                if let Some(p) = person_id {
                    self.affected(*p)?;
                }
                validate::field_time(*occurred_at, ctx.now)?;
                E::ProofOfLifeRecorded(ProofOfLife {
                    person_id: *person_id,
                    method: validate::required("method", method, MAX_TITLE)?,
                    summary: validate::required("summary", summary, MAX_REPORT)?,
                })
            }
            C::RecordNegotiation { summary } => {
                self.kidnapping_case()?;
                E::NegotiationUpdated(Negotiation {
                    summary: validate::required("summary", summary, MAX_REPORT)?,
                })
            }
            C::RecordOutcome {
                outcome,
                person_ids,
                summary,
                occurred_at,
            } => {
                self.kidnapping_case()?;
                if person_ids.is_empty() {
                    return Err(Rejection::Empty {
                        field: "person_ids",
                    });
                }
                let mut seen = BTreeSet::new();
                for p in person_ids {
                    if !seen.insert(*p) {
                        return Err(Rejection::DuplicatePerson);
                    }
                    let status = self.affected(*p)?;
                    if status.is_terminal() {
                        return Err(Rejection::TerminalStatus {
                            status: status.as_str(),
                            hint: "correct the person's status with a reason",
                        });
                    }
                }
                validate::field_time(*occurred_at, ctx.now)?;
                E::OutcomeRecorded(Outcome {
                    outcome: *outcome,
                    person_ids: person_ids.clone(),
                    summary: validate::required("summary", summary, MAX_REPORT)?,
                })
            }
            C::Correct {
                corrects_version,
                reason,
                fix,
            } => {
                self.existing()?;
                if *corrects_version == 0 || *corrects_version > self.version {
                    return Err(Rejection::UnknownVersion {
                        version: *corrects_version,
                        latest: self.version,
                    });
                }
                let reason = validate::reason(reason)?;
                let correction = self.correction(fix)?;
                E::Corrected(Corrected {
                    corrects_version: *corrects_version,
                    reason,
                    correction,
                })
            }
            C::RecordDecision(decision) => {
                self.open_for_work()?;
                E::DecisionRecorded(crate::decision::decide(self, decision)?)
            }
        };
        Ok(vec![event])
    }

    fn evolve(mut self, event: &IncidentEvent) -> Self {
        use IncidentEvent as E;
        self.version += 1;
        match event {
            E::Opened(o) => {
                self.kind = Some(o.kind);
                self.classification = o.classification;
                self.severity = o.severity;
                self.status = IncidentStatus::Open;
            }
            E::StatusChanged(s) => self.status = s.to,
            E::Closed(_) => self.status = IncidentStatus::Closed,
            E::Reopened(_) => self.status = IncidentStatus::Reopened,
            E::SeverityChanged(s) => self.severity = s.to,
            E::LeadAssigned(l) => {
                // The lead is not repeated among the team members.
                self.team.remove(&l.subject);
                self.lead = Some(l.subject.clone());
            }
            E::TeamMemberAdded(t) => {
                self.team.insert(t.subject.clone());
            }
            E::TeamMemberRemoved(t) => {
                self.team.remove(&t.subject);
            }
            E::PersonAdded(p) => {
                self.persons.insert(p.person_id, p.status);
            }
            E::PersonStatusChanged(p) => {
                self.persons.insert(p.person_id, p.to);
            }
            E::TaskAdded(t) => {
                self.tasks.insert(t.task_id, TaskStatus::Open);
            }
            E::TaskCompleted(t) => {
                self.tasks.insert(t.task_id, TaskStatus::Done);
            }
            E::TaskCancelled(t) => {
                self.tasks.insert(t.task_id, TaskStatus::Cancelled);
            }
            E::ReportFiled(r) => {
                self.reports.insert(r.report_id, false);
            }
            E::OutcomeRecorded(o) => {
                for p in &o.person_ids {
                    self.persons.insert(*p, o.outcome.person_status());
                }
            }
            E::CaptorContactRecorded(_)
            | E::DemandRecorded(_)
            | E::ProofOfLifeRecorded(_)
            | E::NegotiationUpdated(_)
            | E::DecisionRecorded(_) => {}
            E::Corrected(c) => match &c.correction {
                Correction::Status { to, .. } => self.status = *to,
                Correction::PersonStatus { person_id, to, .. } => {
                    self.persons.insert(*person_id, *to);
                }
                Correction::ReportRetracted { report_id } => {
                    self.reports.insert(*report_id, true);
                }
                Correction::Details { .. } => {}
            },
        }
        self
    }

    fn version(&self) -> u64 {
        self.version
    }
}

impl Incident {
    fn correction(&self, fix: &IncidentFix) -> Result<Correction, Rejection> {
        Ok(match fix {
            IncidentFix::Status { status } => {
                if *status == self.status {
                    return Err(Rejection::NoChange);
                }
                Correction::Status {
                    from: self.status,
                    to: *status,
                }
            }
            IncidentFix::PersonStatus { person_id, status } => {
                let from = self.affected(*person_id)?;
                if from == *status {
                    return Err(Rejection::NoChange);
                }
                Correction::PersonStatus {
                    person_id: *person_id,
                    from,
                    to: *status,
                }
            }
            IncidentFix::RetractReport { report_id } => match self.reports.get(report_id) {
                None => return Err(Rejection::NotFound { what: "report" }),
                Some(true) => return Err(Rejection::NoChange),
                Some(false) => Correction::ReportRetracted {
                    report_id: *report_id,
                },
            },
            IncidentFix::Details {
                title,
                summary,
                country,
                place,
                lat,
                lon,
            } => {
                let coords = validate::coordinates(*lat, *lon)?;
                let correction = Correction::Details {
                    title: validate::optional("title", title.as_deref(), MAX_TITLE)?,
                    summary: validate::optional("summary", summary.as_deref(), MAX_NOTE)?,
                    country: country.as_deref().map(validate::country).transpose()?,
                    place: validate::optional("place", place.as_deref(), MAX_TITLE)?,
                    lat: coords.map(|c| c.0),
                    lon: coords.map(|c| c.1),
                };
                if correction
                    == (Correction::Details {
                        title: None,
                        summary: None,
                        country: None,
                        place: None,
                        lat: None,
                        lon: None,
                    })
                {
                    return Err(Rejection::NoChange);
                }
                correction
            }
        })
    }
}
