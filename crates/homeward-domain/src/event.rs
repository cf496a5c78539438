//! Every event of every stream under one type, with its stable wire name and schema
//! version: the permanent contract of the event log.

use serde::{Deserialize, Serialize};

use crate::access::AccessEvent;
use crate::call::CallEvent;
use crate::country::CountryEvent;
use crate::deadline::DeadlineEvent;
use crate::evacuation::EvacuationEvent;
use crate::incident::IncidentEvent;
use crate::person::PersonEvent;
use crate::subscription::SubscriptionEvent;
use crate::welfare::WelfareEvent;

/// An event of any stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[allow(missing_docs)]
pub enum DomainEvent {
    Incident(IncidentEvent),
    Person(PersonEvent),
    Call(CallEvent),
    Country(CountryEvent),
    Evacuation(EvacuationEvent),
    Welfare(WelfareEvent),
    Deadline(DeadlineEvent),
    Access(AccessEvent),
    Subscription(SubscriptionEvent),
}

/// A wire name and the schema version written today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventMeta {
    /// The stable type name, e.g. `incident.report_filed`.
    pub name: &'static str,
    /// The schema version new events of this type are written with.
    pub version: u32,
}

const fn meta(name: &'static str, version: u32) -> EventMeta {
    EventMeta { name, version }
}

/// Every event type and its current schema version. Names never change and are never
/// reused; a change to a payload that old readers cannot take raises the version, and
/// the log upcasts older versions on read.
pub const EVENT_TYPES: &[EventMeta] = &[
    // `incident.opened` v1 predates classification; v1 records are upcast on read.
    meta("incident.opened", 2),
    meta("incident.status_changed", 1),
    meta("incident.closed", 1),
    meta("incident.reopened", 1),
    meta("incident.severity_changed", 1),
    meta("incident.lead_assigned", 1),
    meta("incident.team_member_added", 1),
    meta("incident.team_member_removed", 1),
    meta("incident.person_added", 1),
    meta("incident.person_status_changed", 1),
    meta("incident.task_added", 1),
    meta("incident.task_completed", 1),
    meta("incident.task_cancelled", 1),
    meta("incident.report_filed", 1),
    meta("incident.captor_contact_recorded", 1),
    meta("incident.demand_recorded", 1),
    meta("incident.proof_of_life_recorded", 1),
    meta("incident.negotiation_updated", 1),
    meta("incident.kidnapping_outcome_recorded", 1),
    meta("incident.corrected", 1),
    meta("incident.decision_recorded", 1),
    // `person.registered` v1 always had a date of birth; v2 may lack it (erased).
    meta("person.registered", 2),
    meta("person.whereabouts_updated", 1),
    meta("person.vulnerabilities_set", 1),
    meta("person.welfare_checked", 1),
    meta("person.merged", 1),
    meta("person.unmerged", 1),
    meta("person.corrected", 1),
    meta("person.erased", 1),
    meta("call.logged", 1),
    meta("call.linked", 1),
    meta("country.risk_level_set", 1),
    meta("evacuation.opened", 1),
    meta("evacuation.assembly_point_added", 1),
    meta("evacuation.transport_scheduled", 1),
    meta("evacuation.evacuee_registered", 1),
    meta("evacuation.evacuee_checked_in", 1),
    meta("evacuation.evacuees_assigned", 1),
    meta("evacuation.evacuee_boarded", 1),
    meta("evacuation.evacuee_no_show", 1),
    meta("evacuation.evacuee_offloaded", 1),
    meta("evacuation.transport_departed", 1),
    meta("evacuation.transport_arrived", 1),
    meta("evacuation.closed", 1),
    meta("welfare.check_opened", 1),
    meta("welfare.check_attempted", 1),
    meta("welfare.check_escalated", 1),
    meta("welfare.check_completed", 1),
    meta("welfare.check_due_changed", 1),
    meta("welfare.check_cancelled", 1),
    meta("deadline.missed", 1),
    meta("access.tokens_revoked", 1),
    meta("subscription.created", 1),
    meta("subscription.deleted", 1),
];

/// The current schema version of a type, if the type exists.
pub fn schema_version(name: &str) -> Option<u32> {
    EVENT_TYPES
        .iter()
        .find(|m| m.name == name)
        .map(|m| m.version)
}

impl DomainEvent {
    /// The event's stable wire name.
    pub fn event_type(&self) -> &'static str {
        use CallEvent as Ca;
        use CountryEvent as Co;
        use IncidentEvent as I;
        use PersonEvent as P;
        match self {
            Self::Incident(e) => match e {
                I::Opened(_) => "incident.opened",
                I::StatusChanged(_) => "incident.status_changed",
                I::Closed(_) => "incident.closed",
                I::Reopened(_) => "incident.reopened",
                I::SeverityChanged(_) => "incident.severity_changed",
                I::LeadAssigned(_) => "incident.lead_assigned",
                I::TeamMemberAdded(_) => "incident.team_member_added",
                I::TeamMemberRemoved(_) => "incident.team_member_removed",
                I::PersonAdded(_) => "incident.person_added",
                I::PersonStatusChanged(_) => "incident.person_status_changed",
                I::TaskAdded(_) => "incident.task_added",
                I::TaskCompleted(_) => "incident.task_completed",
                I::TaskCancelled(_) => "incident.task_cancelled",
                I::ReportFiled(_) => "incident.report_filed",
                I::CaptorContactRecorded(_) => "incident.captor_contact_recorded",
                I::DemandRecorded(_) => "incident.demand_recorded",
                I::ProofOfLifeRecorded(_) => "incident.proof_of_life_recorded",
                I::NegotiationUpdated(_) => "incident.negotiation_updated",
                I::OutcomeRecorded(_) => "incident.kidnapping_outcome_recorded",
                I::Corrected(_) => "incident.corrected",
                I::DecisionRecorded(_) => "incident.decision_recorded",
            },
            Self::Person(e) => match e {
                P::Registered(_) => "person.registered",
                P::WhereaboutsUpdated(_) => "person.whereabouts_updated",
                P::VulnerabilitiesSet(_) => "person.vulnerabilities_set",
                P::WelfareChecked(_) => "person.welfare_checked",
                P::Merged(_) => "person.merged",
                P::Unmerged(_) => "person.unmerged",
                P::Corrected(_) => "person.corrected",
                P::Erased(_) => "person.erased",
            },
            Self::Call(e) => match e {
                Ca::Logged(_) => "call.logged",
                Ca::Linked(_) => "call.linked",
            },
            Self::Country(e) => match e {
                Co::RiskLevelSet(_) => "country.risk_level_set",
            },
            Self::Evacuation(e) => {
                use EvacuationEvent as Ev;
                match e {
                    Ev::Opened(_) => "evacuation.opened",
                    Ev::AssemblyPointAdded(_) => "evacuation.assembly_point_added",
                    Ev::TransportScheduled(_) => "evacuation.transport_scheduled",
                    Ev::EvacueeRegistered(_) => "evacuation.evacuee_registered",
                    Ev::EvacueeCheckedIn(_) => "evacuation.evacuee_checked_in",
                    Ev::EvacueesAssigned(_) => "evacuation.evacuees_assigned",
                    Ev::EvacueeBoarded(_) => "evacuation.evacuee_boarded",
                    Ev::EvacueeNoShow(_) => "evacuation.evacuee_no_show",
                    Ev::EvacueeOffloaded(_) => "evacuation.evacuee_offloaded",
                    Ev::TransportDeparted(_) => "evacuation.transport_departed",
                    Ev::TransportArrived(_) => "evacuation.transport_arrived",
                    Ev::Closed(_) => "evacuation.closed",
                }
            }
            Self::Welfare(e) => {
                use WelfareEvent as W;
                match e {
                    W::Opened(_) => "welfare.check_opened",
                    W::Attempted(_) => "welfare.check_attempted",
                    W::Escalated(_) => "welfare.check_escalated",
                    W::Completed(_) => "welfare.check_completed",
                    W::DueChanged(_) => "welfare.check_due_changed",
                    W::Cancelled(_) => "welfare.check_cancelled",
                }
            }
            Self::Deadline(DeadlineEvent::Missed(_)) => "deadline.missed",
            Self::Access(e) => match e {
                AccessEvent::TokensRevoked(_) => "access.tokens_revoked",
            },
            Self::Subscription(e) => match e {
                SubscriptionEvent::Created(_) => "subscription.created",
                SubscriptionEvent::Deleted(_) => "subscription.deleted",
            },
        }
    }

    /// The schema version this event is written with.
    pub fn schema_version(&self) -> u32 {
        schema_version(self.event_type()).unwrap_or(1)
    }
}

/// The JSON Schema of each event type's payload, for `schemas/`.
#[cfg(feature = "schema")]
pub fn event_schemas() -> Vec<(EventMeta, schemars::Schema)> {
    use crate::{
        call, country, deadline, evacuation as ev, incident as i, person as p, welfare as w,
    };
    use schemars::schema_for;
    EVENT_TYPES
        .iter()
        .map(|m| {
            let schema = match m.name {
                "incident.opened" => schema_for!(i::IncidentOpened),
                "incident.status_changed" => schema_for!(i::StatusChanged),
                "incident.closed" | "incident.reopened" => schema_for!(i::WithReason),
                "incident.severity_changed" => schema_for!(i::SeverityChanged),
                "incident.lead_assigned" => schema_for!(i::LeadAssigned),
                "incident.team_member_added" | "incident.team_member_removed" => {
                    schema_for!(i::TeamMember)
                }
                "incident.person_added" => schema_for!(i::PersonAdded),
                "incident.person_status_changed" => schema_for!(i::PersonStatusChanged),
                "incident.task_added" => schema_for!(i::TaskAdded),
                "incident.task_completed" | "incident.task_cancelled" => schema_for!(i::TaskClosed),
                "incident.report_filed" => schema_for!(i::ReportFiled),
                "incident.captor_contact_recorded" => schema_for!(i::CaptorContact),
                "incident.demand_recorded" => schema_for!(i::Demand),
                "incident.proof_of_life_recorded" => schema_for!(i::ProofOfLife),
                "incident.negotiation_updated" => schema_for!(i::Negotiation),
                "incident.kidnapping_outcome_recorded" => schema_for!(i::Outcome),
                "incident.corrected" => schema_for!(i::Corrected),
                "incident.decision_recorded" => schema_for!(crate::decision::DecisionRecorded),
                "person.registered" => schema_for!(p::PersonRegistered),
                "person.whereabouts_updated" => schema_for!(p::WhereaboutsUpdated),
                "person.vulnerabilities_set" => schema_for!(p::VulnerabilitiesSet),
                "person.welfare_checked" => schema_for!(p::WelfareChecked),
                "person.merged" => schema_for!(p::PersonMerged),
                "person.unmerged" => schema_for!(p::PersonUnmerged),
                "person.corrected" => schema_for!(p::PersonCorrected),
                "person.erased" => schema_for!(p::PersonErased),
                "call.logged" => schema_for!(call::CallLogged),
                "call.linked" => schema_for!(call::CallLinked),
                "country.risk_level_set" => schema_for!(country::RiskLevelSet),
                "evacuation.opened" => schema_for!(ev::EvacuationOpened),
                "evacuation.assembly_point_added" => schema_for!(ev::AssemblyPointAdded),
                "evacuation.transport_scheduled" => schema_for!(ev::TransportScheduled),
                "evacuation.evacuee_registered" => schema_for!(ev::EvacueeRegistered),
                "evacuation.evacuee_checked_in" => schema_for!(ev::EvacueeCheckedIn),
                "evacuation.evacuees_assigned" => schema_for!(ev::EvacueesAssigned),
                "evacuation.evacuee_boarded" => schema_for!(ev::EvacueeBoarded),
                "evacuation.evacuee_no_show" => schema_for!(ev::EvacueeNoShow),
                "evacuation.evacuee_offloaded" => schema_for!(ev::EvacueeOffloaded),
                "evacuation.transport_departed" => schema_for!(ev::TransportDeparted),
                "evacuation.transport_arrived" => schema_for!(ev::TransportArrived),
                "evacuation.closed" => schema_for!(ev::EvacuationClosed),
                "welfare.check_opened" => schema_for!(w::CheckOpened),
                "welfare.check_attempted" => schema_for!(w::CheckAttempted),
                "welfare.check_escalated" => schema_for!(w::CheckEscalated),
                "welfare.check_completed" => schema_for!(w::CheckCompleted),
                "welfare.check_due_changed" => schema_for!(w::CheckDueChanged),
                "welfare.check_cancelled" => schema_for!(w::CheckCancelled),
                "deadline.missed" => schema_for!(deadline::DeadlineMissed),
                "access.tokens_revoked" => schema_for!(crate::access::TokensRevoked),
                "subscription.created" => schema_for!(crate::subscription::SubscriptionCreated),
                "subscription.deleted" => schema_for!(crate::subscription::SubscriptionDeleted),
                other => unreachable!("event type {other} has no schema"),
            };
            (*m, schema)
        })
        .collect()
}
