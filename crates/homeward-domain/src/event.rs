//! Every event of every stream under one type, with its stable wire name and schema
//! version: the permanent contract of the event log.

use serde::{Deserialize, Serialize};

pub use crate::ids::StreamKind;

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

impl EventMeta {
    /// The kind of stream the type belongs to: the part of its name before the `.`.
    pub fn kind(&self) -> Option<StreamKind> {
        StreamKind::of_event_type(self.name)
    }
}

/// Declares the events of one kind of stream, each with its wire name and current
/// schema version written once: the enum (whose serde tag is the wire name), its list
/// of types, `meta()` and, with the `schema` feature, the JSON Schema of each payload.
/// Names never change and are never reused; a change to a payload that old readers
/// cannot take raises the version, and the log upcasts older versions on read.
macro_rules! events {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident($payload:ty) = ($wire:literal, $version:literal), )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(tag = "type", content = "data")]
        #[allow(missing_docs)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $wire)] $variant($payload), )+
        }

        impl $name {
            /// Every type of these events, with its current schema version.
            pub const TYPES: &'static [$crate::event::EventMeta] = &[
                $( $crate::event::EventMeta { name: $wire, version: $version }, )+
            ];

            /// The event's wire name and current schema version.
            pub fn meta(&self) -> $crate::event::EventMeta {
                match self {
                    $( Self::$variant(_) => $crate::event::EventMeta { name: $wire, version: $version }, )+
                }
            }

            /// The JSON Schema of each type's payload.
            #[cfg(feature = "schema")]
            pub fn schemas() -> Vec<($crate::event::EventMeta, schemars::Schema)> {
                vec![
                    $( ($crate::event::EventMeta { name: $wire, version: $version }, schemars::schema_for!($payload)), )+
                ]
            }
        }
    };
}
pub(crate) use events;

const KINDS: &[&[EventMeta]] = &[
    IncidentEvent::TYPES,
    PersonEvent::TYPES,
    CallEvent::TYPES,
    CountryEvent::TYPES,
    EvacuationEvent::TYPES,
    WelfareEvent::TYPES,
    DeadlineEvent::TYPES,
    AccessEvent::TYPES,
    SubscriptionEvent::TYPES,
];

const COUNT: usize = {
    let mut n = 0;
    let mut i = 0;
    while i < KINDS.len() {
        n += KINDS[i].len();
        i += 1;
    }
    n
};

const ALL: [EventMeta; COUNT] = {
    let mut out = [EventMeta {
        name: "",
        version: 0,
    }; COUNT];
    let (mut i, mut k) = (0, 0);
    while i < KINDS.len() {
        let mut j = 0;
        while j < KINDS[i].len() {
            out[k] = KINDS[i][j];
            k += 1;
            j += 1;
        }
        i += 1;
    }
    out
};

/// Every event type and its current schema version, from the declarations of each
/// stream's events.
pub const EVENT_TYPES: &[EventMeta] = &ALL;

/// The current schema version of a type, if the type exists.
pub fn schema_version(name: &str) -> Option<u32> {
    EVENT_TYPES
        .iter()
        .find(|m| m.name == name)
        .map(|m| m.version)
}

impl DomainEvent {
    /// The event's wire name and current schema version.
    pub fn meta(&self) -> EventMeta {
        match self {
            Self::Incident(e) => e.meta(),
            Self::Person(e) => e.meta(),
            Self::Call(e) => e.meta(),
            Self::Country(e) => e.meta(),
            Self::Evacuation(e) => e.meta(),
            Self::Welfare(e) => e.meta(),
            Self::Deadline(e) => e.meta(),
            Self::Access(e) => e.meta(),
            Self::Subscription(e) => e.meta(),
        }
    }

    /// The kind of stream the event belongs to.
    pub fn kind(&self) -> StreamKind {
        match self {
            Self::Incident(_) => StreamKind::Incident,
            Self::Person(_) => StreamKind::Person,
            Self::Call(_) => StreamKind::Call,
            Self::Country(_) => StreamKind::Country,
            Self::Evacuation(_) => StreamKind::Evacuation,
            Self::Welfare(_) => StreamKind::Welfare,
            Self::Deadline(_) => StreamKind::Deadline,
            Self::Access(_) => StreamKind::Access,
            Self::Subscription(_) => StreamKind::Subscription,
        }
    }

    /// The event's stable wire name.
    pub fn event_type(&self) -> &'static str {
        self.meta().name
    }

    /// The schema version this event is written with.
    pub fn schema_version(&self) -> u32 {
        self.meta().version
    }
}

/// The JSON Schema of each event type's payload, for `schemas/`.
#[cfg(feature = "schema")]
pub fn event_schemas() -> Vec<(EventMeta, schemars::Schema)> {
    [
        IncidentEvent::schemas(),
        PersonEvent::schemas(),
        CallEvent::schemas(),
        CountryEvent::schemas(),
        EvacuationEvent::schemas(),
        WelfareEvent::schemas(),
        DeadlineEvent::schemas(),
        AccessEvent::schemas(),
        SubscriptionEvent::schemas(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_is_named_after_its_kind_and_named_once() {
        let mut seen = std::collections::BTreeSet::new();
        for (kind, types) in StreamKind::ALL.iter().zip(KINDS) {
            for m in *types {
                assert_eq!(m.kind(), Some(*kind), "{}", m.name);
                assert!(seen.insert(m.name), "{} is declared twice", m.name);
            }
        }
        assert_eq!(seen.len(), EVENT_TYPES.len());
    }
}
