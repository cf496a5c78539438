//! The welfare-check stream: one check of one citizen in a country at risk, opened by
//! Homeward itself when a country's risk level is raised, answered (safe, needs help,
//! no answer), retried, escalated to the duty officer, or cancelled when the risk falls.
//!
//! A check can carry one-time **answer links**: the citizen answers for themselves. The
//! stream keeps only a hash of each link's token (never the token), when it expires and
//! whether it was used; [`WelfareCheck::answer_link`] is the rule a link must pass.
//!
//! Every command names the event that caused it (`cause`). A command whose cause was
//! already applied decides nothing (no events, no rejection): reactions are replayed
//! after a restart or raced by a second instance, and must take effect once.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::aggregate::{Aggregate, Context};
use crate::ids::{CountryCode, IncidentId, PersonId, Role};
use crate::person::{Vulnerability, WelfareStatus};
use crate::rejection::Rejection;
use crate::validate;

/// Where a welfare check stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, utoipa::ToSchema))]
pub enum CheckStatus {
    /// Waiting for contact.
    #[default]
    Open,
    /// No answer after the configured attempts: the duty officer has it now.
    Escalated,
    /// Answered (safe, or needs help and handed to an incident).
    Completed,
    /// No longer needed (the risk was lowered).
    Cancelled,
}

impl CheckStatus {
    /// Whether someone still has to act on it.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Open | Self::Escalated)
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Escalated => "escalated",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// Whether a person is looked after first: any vulnerability makes them priority 1.
pub fn priority(vulnerabilities: &[Vulnerability]) -> u8 {
    if vulnerabilities.is_empty() { 2 } else { 1 }
}

/// Everything that can be asked of a welfare check. Homeward's own reactions send most
/// of these (officers answer through the person record); duty officers issue answer
/// links, and the answer page marks a link used.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum WelfareCommand {
    Open {
        person_id: PersonId,
        country: CountryCode,
        risk_level: u8,
        vulnerabilities: Vec<Vulnerability>,
        due_at: Timestamp,
        cause: Uuid,
    },
    /// An answer recorded on the person: `safe` and `needs_help` complete the check;
    /// `no_answer` schedules the next attempt, and escalates after `max_attempts`.
    RecordAnswer {
        status: WelfareStatus,
        incident_id: Option<IncidentId>,
        next_due_at: Timestamp,
        max_attempts: u32,
        cause: Uuid,
    },
    /// The risk rose further: bring the due time forward (never back).
    Tighten {
        risk_level: u8,
        due_at: Timestamp,
        cause: Uuid,
    },
    Cancel {
        reason: String,
        cause: Uuid,
    },
    /// Give the open check a one-time answer link. `token_hash` is the hash of the
    /// link's token (the token itself is never recorded); `cause` names the link.
    IssueAnswerLink {
        link_id: Uuid,
        token_hash: String,
        expires_at: Timestamp,
        cause: Uuid,
    },
    /// The citizen answered through the link with `token_hash`: it is used up.
    UseAnswerLink {
        token_hash: String,
        status: WelfareStatus,
        cause: Uuid,
    },
}

impl WelfareCommand {
    /// A stable name for the audit trail.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Open { .. } => "open_welfare_check",
            Self::RecordAnswer { .. } => "answer_welfare_check",
            Self::Tighten { .. } => "tighten_welfare_check",
            Self::Cancel { .. } => "cancel_welfare_check",
            Self::IssueAnswerLink { .. } => "issue_answer_link",
            Self::UseAnswerLink { .. } => "use_answer_link",
        }
    }

    fn cause(&self) -> Uuid {
        match self {
            Self::Open { cause, .. }
            | Self::RecordAnswer { cause, .. }
            | Self::Tighten { cause, .. }
            | Self::Cancel { cause, .. }
            | Self::IssueAnswerLink { cause, .. }
            | Self::UseAnswerLink { cause, .. } => *cause,
        }
    }
}

/// A welfare check was opened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct CheckOpened {
    pub person_id: PersonId,
    pub country: CountryCode,
    pub risk_level: u8,
    /// 1 for vulnerable people (contacted first), 2 for everyone else.
    pub priority: u8,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vulnerabilities: Vec<Vulnerability>,
    pub due_at: Timestamp,
    /// The event this check answers (a risk change, a registration, a move).
    pub cause: Uuid,
}

/// Nobody answered; the next attempt is due at `next_due_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct CheckAttempted {
    pub attempt: u32,
    pub next_due_at: Timestamp,
    pub cause: Uuid,
}

/// No answer after the configured attempts: handed to a role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct CheckEscalated {
    pub attempts: u32,
    pub to: Role,
    pub cause: Uuid,
}

/// The check was answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct CheckCompleted {
    /// `safe` or `needs_help`.
    pub outcome: WelfareStatus,
    /// The incident that looks after someone who needs help.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<IncidentId>,
    pub cause: Uuid,
}

/// The due time moved forward because the risk rose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct CheckDueChanged {
    pub risk_level: u8,
    pub due_at: Timestamp,
    pub cause: Uuid,
}

/// The check is no longer needed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct CheckCancelled {
    pub reason: String,
    pub cause: Uuid,
}

/// A one-time answer link was made for the check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct AnswerLinkIssued {
    /// The link's id (the subject the citizen's answer is recorded under).
    pub link_id: Uuid,
    /// The hex SHA-256 of the link's token: enough to recognise it, not to use it.
    pub token_hash: String,
    pub expires_at: Timestamp,
    pub cause: Uuid,
}

/// The citizen answered through the link; it cannot be used again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct AnswerLinkUsed {
    pub link_id: Uuid,
    /// `safe` or `needs_help`.
    pub status: WelfareStatus,
    pub cause: Uuid,
}

crate::event::events! {
    /// Everything that can happen to a welfare check.
    pub enum WelfareEvent {
        Opened(CheckOpened) = ("welfare.check_opened", 1),
        Attempted(CheckAttempted) = ("welfare.check_attempted", 1),
        Escalated(CheckEscalated) = ("welfare.check_escalated", 1),
        Completed(CheckCompleted) = ("welfare.check_completed", 1),
        DueChanged(CheckDueChanged) = ("welfare.check_due_changed", 1),
        Cancelled(CheckCancelled) = ("welfare.check_cancelled", 1),
        AnswerLinkIssued(AnswerLinkIssued) = ("welfare.answer_link_issued", 1),
        AnswerLinkUsed(AnswerLinkUsed) = ("welfare.answer_link_used", 1),
    }
}

impl WelfareEvent {
    /// The event that caused this one.
    pub fn cause(&self) -> Uuid {
        match self {
            Self::Opened(e) => e.cause,
            Self::Attempted(e) => e.cause,
            Self::Escalated(e) => e.cause,
            Self::Completed(e) => e.cause,
            Self::DueChanged(e) => e.cause,
            Self::Cancelled(e) => e.cause,
            Self::AnswerLinkIssued(e) => e.cause,
            Self::AnswerLinkUsed(e) => e.cause,
        }
    }
}

/// What `decide` needs to know about a welfare check.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WelfareCheck {
    /// Events folded so far.
    pub version: u64,
    /// Set once opened.
    pub person_id: Option<PersonId>,
    /// Where it stands.
    pub status: CheckStatus,
    /// When contact is due.
    pub due_at: Option<Timestamp>,
    /// Unanswered attempts so far.
    pub attempts: u32,
    /// The events already acted on.
    pub causes: BTreeSet<Uuid>,
    /// Its answer links, by the hash of their token.
    #[serde(default)]
    pub links: BTreeMap<String, AnswerLink>,
}

/// One answer link of a check.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AnswerLink {
    /// Its id.
    pub link_id: Uuid,
    /// After this it no longer works.
    pub expires_at: Timestamp,
    /// Whether the citizen already answered through it.
    pub used: bool,
}

impl WelfareCheck {
    /// The link with `token_hash` if a citizen may answer through it at `now`: it
    /// exists, was not used, has not expired, and the check is still open.
    pub fn answer_link(&self, token_hash: &str, now: Timestamp) -> Result<&AnswerLink, Rejection> {
        let link = self.links.get(token_hash).ok_or(Rejection::NotFound {
            what: "answer link",
        })?;
        if link.used {
            return Err(Rejection::AnswerLinkUsed);
        }
        if now >= link.expires_at {
            return Err(Rejection::AnswerLinkExpired);
        }
        if !self.status.is_open() {
            return Err(Rejection::CheckClosed);
        }
        Ok(link)
    }
}

impl Aggregate for WelfareCheck {
    type Command = WelfareCommand;
    type Event = WelfareEvent;

    fn decide(
        &self,
        command: &WelfareCommand,
        ctx: &Context,
    ) -> Result<Vec<WelfareEvent>, Rejection> {
        use WelfareCommand as C;
        use WelfareEvent as E;
        let cause = command.cause();
        if self.causes.contains(&cause) {
            return Ok(Vec::new());
        }
        if let C::Open {
            person_id,
            country,
            risk_level,
            vulnerabilities,
            due_at,
            cause,
        } = command
        {
            if self.person_id.is_some() {
                return Err(Rejection::AlreadyExists {
                    what: "welfare check",
                });
            }
            if !(1..=4).contains(risk_level) {
                return Err(Rejection::InvalidRiskLevel);
            }
            let mut vulnerabilities = vulnerabilities.clone();
            vulnerabilities.sort();
            vulnerabilities.dedup();
            return Ok(vec![E::Opened(CheckOpened {
                person_id: *person_id,
                country: *country,
                risk_level: *risk_level,
                priority: priority(&vulnerabilities),
                vulnerabilities,
                due_at: *due_at,
                cause: *cause,
            })]);
        }
        if self.person_id.is_none() {
            return Err(Rejection::NotFound {
                what: "welfare check",
            });
        }
        match command {
            C::IssueAnswerLink {
                link_id,
                token_hash,
                expires_at,
                cause,
            } => {
                if !self.status.is_open() {
                    return Err(Rejection::CheckClosed);
                }
                if *expires_at <= ctx.now {
                    return Err(Rejection::AnswerLinkExpired);
                }
                if token_hash.len() != 64 || !token_hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(Rejection::InvalidTokenHash);
                }
                if self.links.contains_key(token_hash) {
                    return Err(Rejection::AlreadyExists {
                        what: "answer link",
                    });
                }
                return Ok(vec![E::AnswerLinkIssued(AnswerLinkIssued {
                    link_id: *link_id,
                    token_hash: token_hash.clone(),
                    expires_at: *expires_at,
                    cause: *cause,
                })]);
            }
            // The answer itself closes the check (through the person's record), so a
            // link is used up whether or not the check is still open by now; expiry
            // and an open check were required when the answer was taken.
            C::UseAnswerLink {
                token_hash,
                status,
                cause,
            } => {
                let link = self.links.get(token_hash).ok_or(Rejection::NotFound {
                    what: "answer link",
                })?;
                if link.used {
                    return Err(Rejection::AnswerLinkUsed);
                }
                if *status == WelfareStatus::NoAnswer {
                    return Err(Rejection::InvalidTransition {
                        from: "answer link",
                        to: "no_answer",
                    });
                }
                return Ok(vec![E::AnswerLinkUsed(AnswerLinkUsed {
                    link_id: link.link_id,
                    status: *status,
                    cause: *cause,
                })]);
            }
            _ => {}
        }
        // A closed check takes no more reactions: an answer or a risk change that
        // arrives after it is simply not for it.
        if !self.status.is_open() {
            return Ok(Vec::new());
        }
        let events = match command {
            C::Open { .. } | C::IssueAnswerLink { .. } | C::UseAnswerLink { .. } => Vec::new(),
            C::RecordAnswer {
                status: WelfareStatus::NoAnswer,
                next_due_at,
                max_attempts,
                ..
            } => {
                let attempt = self.attempts + 1;
                let mut events = vec![E::Attempted(CheckAttempted {
                    attempt,
                    next_due_at: *next_due_at,
                    cause,
                })];
                if attempt >= *max_attempts && self.status != CheckStatus::Escalated {
                    events.push(E::Escalated(CheckEscalated {
                        attempts: attempt,
                        to: Role::DutyOfficer,
                        cause,
                    }));
                }
                events
            }
            C::RecordAnswer {
                status,
                incident_id,
                ..
            } => vec![E::Completed(CheckCompleted {
                outcome: *status,
                incident_id: *incident_id,
                cause,
            })],
            C::Tighten {
                risk_level, due_at, ..
            } => {
                if self.due_at.is_some_and(|d| d <= *due_at) {
                    return Ok(Vec::new());
                }
                vec![E::DueChanged(CheckDueChanged {
                    risk_level: *risk_level,
                    due_at: *due_at,
                    cause,
                })]
            }
            C::Cancel { reason, .. } => vec![E::Cancelled(CheckCancelled {
                reason: validate::reason(reason)?,
                cause,
            })],
        };
        Ok(events)
    }

    fn evolve(mut self, event: &WelfareEvent) -> Self {
        use WelfareEvent as E;
        self.version += 1;
        self.causes.insert(event.cause());
        match event {
            E::Opened(o) => {
                self.person_id = Some(o.person_id);
                self.status = CheckStatus::Open;
                self.due_at = Some(o.due_at);
            }
            E::Attempted(a) => {
                self.attempts = a.attempt;
                self.due_at = Some(a.next_due_at);
            }
            E::Escalated(_) => self.status = CheckStatus::Escalated,
            E::Completed(_) => self.status = CheckStatus::Completed,
            E::DueChanged(d) => self.due_at = Some(d.due_at),
            E::Cancelled(_) => self.status = CheckStatus::Cancelled,
            E::AnswerLinkIssued(l) => {
                self.links.insert(
                    l.token_hash.clone(),
                    AnswerLink {
                        link_id: l.link_id,
                        expires_at: l.expires_at,
                        used: false,
                    },
                );
            }
            E::AnswerLinkUsed(u) => {
                for link in self.links.values_mut() {
                    if link.link_id == u.link_id {
                        link.used = true;
                    }
                }
            }
        }
        self
    }

    fn version(&self) -> u64 {
        self.version
    }
}

/// The namespace of the ids of checks and incidents opened by reactions (UUID v5).
const REACTION_NAMESPACE: Uuid = Uuid::from_u128(0x3b9e_61c2_0d7a_4e55_b1f4_92a8_57c0_6e13);

/// The id of the check opened for `person` in answer to the event `cause`: the same
/// everywhere, so that a reaction repeated after a restart or by another instance
/// finds the check it already opened.
pub fn check_id(cause: Uuid, person: PersonId) -> crate::ids::TaskId {
    let mut name = [0u8; 32];
    name[..16].copy_from_slice(cause.as_bytes());
    name[16..].copy_from_slice(person.0.as_bytes());
    crate::ids::TaskId(Uuid::new_v5(&REACTION_NAMESPACE, &name))
}

/// The id of the answer link Homeward gives the check `task` it opened in answer to
/// `cause`: the same everywhere, so a repeated reaction issues no second link.
pub fn answer_link_id(cause: Uuid, task: crate::ids::TaskId) -> Uuid {
    let mut name = [0u8; 33];
    name[..16].copy_from_slice(cause.as_bytes());
    name[16..32].copy_from_slice(task.0.as_bytes());
    name[32] = b'l';
    Uuid::new_v5(&REACTION_NAMESPACE, &name)
}

/// The id of the incident opened for a person who answered `needs_help` in `cause`.
pub fn help_incident_id(cause: Uuid) -> IncidentId {
    IncidentId(Uuid::new_v5(&REACTION_NAMESPACE, cause.as_bytes()))
}
