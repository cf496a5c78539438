//! Deadlines: what Homeward promises to do by when, and the record of each one missed.
//!
//! [`DeadlinePolicy`] holds the promises (welfare checks by risk level, a kidnapping
//! case team within the hour, a field report every few hours on the most severe
//! incidents); the edge reads it from a configuration file. A missed deadline is a
//! stream of its own, named by a key that says which deadline it was (so it is recorded
//! once however many instances notice it), with one event: `deadline.missed`.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::aggregate::{Aggregate, Context};
use crate::ids::{CountryCode, IncidentId, PersonId, TaskId};
use crate::rejection::Rejection;

/// The promises Homeward keeps, with their defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadlinePolicy {
    /// How soon a welfare check is due at risk level 3, for vulnerable people and others.
    pub welfare_level3: (SignedDuration, SignedDuration),
    /// How soon a welfare check is due at risk level 4, for vulnerable people and others.
    pub welfare_level4: (SignedDuration, SignedDuration),
    /// The wait before trying again after no answer.
    pub welfare_retry_after: SignedDuration,
    /// Unanswered attempts before the duty officer takes the check over.
    pub welfare_max_attempts: u32,
    /// How soon a kidnapping case needs its team: a lead and `case_team_min_members`.
    pub case_team_within: SignedDuration,
    /// Team members (besides the lead) that make a case team.
    pub case_team_min_members: u32,
    /// The longest gap between field reports on an incident at `report_severity` or above.
    pub report_every: SignedDuration,
    /// The severity from which field reports are due regularly.
    pub report_severity: u8,
    /// Whether Homeward gives every welfare check it opens a one-time answer link.
    pub answer_links: bool,
    /// How long an answer link works.
    pub answer_link_valid_for: SignedDuration,
}

impl Default for DeadlinePolicy {
    fn default() -> Self {
        Self {
            welfare_level3: (
                SignedDuration::from_hours(24),
                SignedDuration::from_hours(72),
            ),
            welfare_level4: (
                SignedDuration::from_hours(12),
                SignedDuration::from_hours(24),
            ),
            welfare_retry_after: SignedDuration::from_hours(2),
            welfare_max_attempts: 3,
            case_team_within: SignedDuration::from_hours(1),
            case_team_min_members: 1,
            report_every: SignedDuration::from_hours(4),
            report_severity: 5,
            answer_links: false,
            answer_link_valid_for: SignedDuration::from_hours(72),
        }
    }
}

impl DeadlinePolicy {
    /// How long a welfare check may take at `level` (3 or 4; lower levels open none).
    pub fn welfare_within(&self, level: u8, vulnerable: bool) -> Option<SignedDuration> {
        let (v, other) = match level {
            3 => self.welfare_level3,
            4.. => self.welfare_level4,
            _ => return None,
        };
        Some(if vulnerable { v } else { other })
    }
}

/// Which kind of promise was broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, utoipa::ToSchema))]
pub enum DeadlineKind {
    /// A citizen in a country at risk was not contacted in time.
    WelfareCheck,
    /// An incident task passed its own due time.
    Task,
    /// A kidnapping case had no team in time.
    CaseTeam,
    /// A severe incident went too long without a field report.
    FieldReport,
}

impl DeadlineKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WelfareCheck => "welfare_check",
            Self::Task => "task",
            Self::CaseTeam => "case_team",
            Self::FieldReport => "field_report",
        }
    }
}

/// A deadline that passed: what, whose, when it was due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// Which kind.
    pub kind: DeadlineKind,
    /// Names the deadline uniquely (the same deadline always has the same key).
    pub key: String,
    /// What was due, in words.
    pub what: String,
    /// Whose it was: an officer, or a role.
    pub owner: String,
    /// The incident it belongs to.
    pub incident_id: Option<IncidentId>,
    /// The task or welfare check.
    pub task_id: Option<TaskId>,
    /// The person concerned.
    pub person_id: Option<PersonId>,
    /// The country.
    pub country: Option<CountryCode>,
    /// When it was due.
    pub due_at: Timestamp,
}

/// The namespace of deadline stream ids (UUID v5 of the key).
const DEADLINE_NAMESPACE: Uuid = Uuid::from_u128(0x6d1f_0b7e_5a4c_4f0e_9a51_3c2d_8e7f_1a20);

impl Due {
    /// The id of this deadline's stream: the same for the same key, everywhere.
    pub fn stream_uuid(&self) -> Uuid {
        deadline_id(&self.key)
    }
}

/// The id of the stream that records the deadline named `key`.
pub fn deadline_id(key: &str) -> Uuid {
    Uuid::new_v5(&DEADLINE_NAMESPACE, key.as_bytes())
}

/// Everything that can be asked of a deadline.
#[derive(Debug, Clone, PartialEq)]
pub enum DeadlineCommand {
    /// Record that it passed (a no-op when already recorded).
    RecordMissed(Due),
}

impl DeadlineCommand {
    /// A stable name for the audit trail.
    pub fn name(&self) -> &'static str {
        "record_missed_deadline"
    }
}

/// A deadline passed without what was promised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[allow(missing_docs)]
pub struct DeadlineMissed {
    pub kind: DeadlineKind,
    pub key: String,
    /// What was due.
    pub what: String,
    /// Whose it was.
    pub owner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<IncidentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<TaskId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<PersonId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<CountryCode>,
    pub due_at: Timestamp,
    /// How late it was when noticed, in seconds.
    pub late_by_seconds: u64,
}

crate::event::events! {
    /// Everything that can happen to a deadline.
    pub enum DeadlineEvent {
        Missed(DeadlineMissed) = ("deadline.missed", 1),
    }
}

/// Whether a deadline's miss was recorded.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Deadline {
    /// Events folded so far.
    pub version: u64,
    /// Set once the miss is recorded.
    pub missed: bool,
}

impl Aggregate for Deadline {
    type Command = DeadlineCommand;
    type Event = DeadlineEvent;

    fn decide(
        &self,
        command: &DeadlineCommand,
        ctx: &Context,
    ) -> Result<Vec<DeadlineEvent>, Rejection> {
        let DeadlineCommand::RecordMissed(due) = command;
        if self.missed {
            return Ok(Vec::new());
        }
        if ctx.now <= due.due_at {
            return Err(Rejection::NotYetDue);
        }
        let late = ctx.now.duration_since(due.due_at);
        Ok(vec![DeadlineEvent::Missed(DeadlineMissed {
            kind: due.kind,
            key: due.key.clone(),
            what: due.what.clone(),
            owner: due.owner.clone(),
            incident_id: due.incident_id,
            task_id: due.task_id,
            person_id: due.person_id,
            country: due.country,
            due_at: due.due_at,
            late_by_seconds: u64::try_from(late.as_secs()).unwrap_or(0),
        })])
    }

    fn evolve(mut self, _event: &DeadlineEvent) -> Self {
        self.version += 1;
        self.missed = true;
        self
    }

    fn version(&self) -> u64 {
        self.version
    }
}
