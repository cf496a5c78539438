//! The incident stream: from opening to closing, with persons affected, tasks, field
//! reports, the kidnapping case facts, decisions (rules in `decision`), and corrections.
//!
//! `command` is what can be asked of an incident, `event` what can happen to one (each
//! event's wire name and schema version), `state` what `decide` knows and how it
//! decides and folds.

mod command;
mod event;
mod state;

pub use command::*;
pub use event::*;
pub use state::*;

use std::collections::BTreeSet;

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
