//! The hotline call log: who called about whom, from where, and what it was linked to.

use std::collections::HashMap;

use homeward_domain::call::{CallCategory, CallEvent};
use homeward_domain::{CallId, CountryCode, DomainEvent, IncidentId, PersonId, Timestamp};
use homeward_store::RecordedEvent;
use serde::{Deserialize, Serialize};

/// One call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CallRecord {
    /// Its id.
    pub id: CallId,
    /// The stream's version.
    pub version: u64,
    /// Who called.
    pub caller_name: String,
    /// The caller's phone (personal data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caller_phone: Option<String>,
    /// How the caller relates to the person concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caller_relation: Option<String>,
    /// Where the caller is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_country: Option<CountryCode>,
    /// What it was about.
    pub category: CallCategory,
    /// What was said and done.
    pub summary: String,
    /// The incident it concerns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<IncidentId>,
    /// The person it concerns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_id: Option<PersonId>,
    /// When the call took place.
    pub occurred_at: Timestamp,
    /// The operator who logged it.
    pub operator: String,
}

/// Every call, with an index by person.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallLog {
    calls: HashMap<CallId, CallRecord>,
    order: Vec<CallId>,
}

impl CallLog {
    /// Folds one event in.
    pub fn apply(&mut self, event: &RecordedEvent) {
        let DomainEvent::Call(e) = &event.event else {
            return;
        };
        let Ok(id) = event.stream_id.local_id().parse::<CallId>() else {
            return;
        };
        match e {
            CallEvent::Logged(l) => {
                self.order.push(id);
                self.calls.insert(
                    id,
                    CallRecord {
                        id,
                        version: event.version,
                        caller_name: l.caller_name.clone(),
                        caller_phone: l.caller_phone.clone(),
                        caller_relation: l.caller_relation.clone(),
                        from_country: l.from_country,
                        category: l.category,
                        summary: l.summary.clone(),
                        incident_id: l.incident_id,
                        person_id: l.person_id,
                        occurred_at: event.occurred_at,
                        operator: event.actor.subject.clone(),
                    },
                );
            }
            CallEvent::Linked(l) => {
                if let Some(call) = self.calls.get_mut(&id) {
                    call.version = event.version;
                    if l.incident_id.is_some() {
                        call.incident_id = l.incident_id;
                    }
                    if l.person_id.is_some() {
                        call.person_id = l.person_id;
                    }
                }
            }
        }
    }

    /// Every call, oldest first.
    pub fn oldest_first(&self) -> impl Iterator<Item = &CallRecord> {
        self.order.iter().filter_map(|id| self.calls.get(id))
    }

    /// A call log holding `records`, oldest first (a snapshot's).
    pub fn from_records(records: impl IntoIterator<Item = CallRecord>) -> Self {
        let mut log = Self::default();
        for record in records {
            log.order.push(record.id);
            log.calls.insert(record.id, record);
        }
        log
    }

    /// One call.
    pub fn get(&self, id: CallId) -> Option<&CallRecord> {
        self.calls.get(&id)
    }

    /// Calls newest first.
    pub fn newest_first(&self) -> impl Iterator<Item = &CallRecord> {
        self.order.iter().rev().filter_map(|id| self.calls.get(id))
    }

    /// How many calls there are.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}
