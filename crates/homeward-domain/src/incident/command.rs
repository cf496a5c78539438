//! What can be asked of an incident: open it, move it along, name persons, set tasks,
//! file reports, record the kidnapping case facts, correct mistakes.

#[allow(unused_imports)]
use super::*;

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
