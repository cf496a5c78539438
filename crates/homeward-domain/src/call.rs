//! The hotline call stream: who called about whom, from where, and what it was
//! linked to.

use serde::{Deserialize, Serialize};

use crate::aggregate::{Aggregate, Context};
use crate::ids::{CountryCode, IncidentId, PersonId};
use crate::rejection::Rejection;
use crate::validate::{self, MAX_NOTE, MAX_TITLE};

/// What a call was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[allow(missing_docs)]
pub enum CallCategory {
    WhereaboutsInquiry,
    Emergency,
    Kidnapping,
    ArrestDetention,
    Medical,
    LostDocuments,
    EvacuationRequest,
    SecurityAdvice,
    Information,
    Other,
}

/// A call as logged, before checking.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogCall {
    /// Who called.
    pub caller_name: String,
    /// Personal data.
    pub caller_phone: Option<String>,
    /// How the caller relates to the person the call is about (mother, employer, self).
    pub caller_relation: Option<String>,
    /// Where the caller is (ISO 3166-1 alpha-2).
    pub from_country: Option<String>,
    /// What the call was about.
    pub category: Option<CallCategory>,
    /// What was said and done.
    pub summary: String,
    /// The incident it concerns.
    pub incident_id: Option<IncidentId>,
    /// The person it concerns.
    pub person_id: Option<PersonId>,
    /// Looked up by the edge: whether `incident_id` names an incident.
    pub incident_known: bool,
    /// Looked up by the edge: whether `person_id` names a person.
    pub person_known: bool,
}

/// Everything that can be asked of a call record.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum CallCommand {
    Log(LogCall),
    Link {
        incident_id: Option<IncidentId>,
        person_id: Option<PersonId>,
        incident_known: bool,
        person_known: bool,
    },
}

impl CallCommand {
    /// A stable name for the command, for the audit trail of rejections.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Log(_) => "log_call",
            Self::Link { .. } => "link_call",
        }
    }
}

/// A call was logged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct CallLogged {
    /// Sealed at rest with the call's key (v2); empty if it cannot be opened.
    #[serde(default)]
    pub caller_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_relation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_country: Option<CountryCode>,
    pub category: CallCategory,
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<IncidentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<PersonId>,
}

/// A call was linked to an incident and/or a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct CallLinked {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<IncidentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<PersonId>,
}

crate::event::events! {
    /// Everything that can happen to a call record.
    pub enum CallEvent {
        // v2 seals the caller's name and phone; the name is absent once unreadable.
        Logged(CallLogged) = ("call.logged", 2),
        Linked(CallLinked) = ("call.linked", 1),
    }
}

/// What `decide` needs to know about a call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Call {
    /// Events folded so far.
    pub version: u64,
    /// Set once logged.
    pub logged: bool,
    /// The incident it is linked to.
    pub incident_id: Option<IncidentId>,
    /// The person it is linked to.
    pub person_id: Option<PersonId>,
}

fn links(
    incident_id: Option<IncidentId>,
    person_id: Option<PersonId>,
    incident_known: bool,
    person_known: bool,
) -> Result<(), Rejection> {
    if incident_id.is_some() && !incident_known {
        return Err(Rejection::NotFound { what: "incident" });
    }
    if person_id.is_some() && !person_known {
        return Err(Rejection::NotFound { what: "person" });
    }
    Ok(())
}

impl Aggregate for Call {
    type Command = CallCommand;
    type Event = CallEvent;

    fn decide(&self, command: &CallCommand, _ctx: &Context) -> Result<Vec<CallEvent>, Rejection> {
        match command {
            CallCommand::Log(log) => {
                if self.logged {
                    return Err(Rejection::AlreadyExists { what: "call" });
                }
                links(
                    log.incident_id,
                    log.person_id,
                    log.incident_known,
                    log.person_known,
                )?;
                Ok(vec![CallEvent::Logged(CallLogged {
                    caller_name: validate::required("caller_name", &log.caller_name, MAX_TITLE)?,
                    caller_phone: crate::person::phone(log.caller_phone.as_deref())?,
                    caller_relation: validate::optional(
                        "caller_relation",
                        log.caller_relation.as_deref(),
                        MAX_TITLE,
                    )?,
                    from_country: log
                        .from_country
                        .as_deref()
                        .map(validate::country)
                        .transpose()?,
                    category: log.category.unwrap_or(CallCategory::Other),
                    summary: validate::required("summary", &log.summary, MAX_NOTE)?,
                    incident_id: log.incident_id,
                    person_id: log.person_id,
                })])
            }
            CallCommand::Link {
                incident_id,
                person_id,
                incident_known,
                person_known,
            } => {
                if !self.logged {
                    return Err(Rejection::NotFound { what: "call" });
                }
                if incident_id.is_none() && person_id.is_none() {
                    return Err(Rejection::Empty {
                        field: "incident_id or person_id",
                    });
                }
                links(*incident_id, *person_id, *incident_known, *person_known)?;
                let incident_id = incident_id.filter(|i| Some(*i) != self.incident_id);
                let person_id = person_id.filter(|p| Some(*p) != self.person_id);
                if incident_id.is_none() && person_id.is_none() {
                    return Err(Rejection::NoChange);
                }
                Ok(vec![CallEvent::Linked(CallLinked {
                    incident_id,
                    person_id,
                })])
            }
        }
    }

    fn evolve(mut self, event: &CallEvent) -> Self {
        self.version += 1;
        match event {
            CallEvent::Logged(l) => {
                self.logged = true;
                self.incident_id = l.incident_id;
                self.person_id = l.person_id;
            }
            CallEvent::Linked(l) => {
                if l.incident_id.is_some() {
                    self.incident_id = l.incident_id;
                }
                if l.person_id.is_some() {
                    self.person_id = l.person_id;
                }
            }
        }
        self
    }

    fn version(&self) -> u64 {
        self.version
    }
}
