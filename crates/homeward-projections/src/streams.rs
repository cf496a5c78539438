//! The domain state of every stream, folded with the domain's own `evolve`, so that
//! `decide` can be given the state of any stream at once.

use std::collections::HashMap;

use homeward_domain::StreamKind as K;
use homeward_domain::access::AccessList;
use homeward_domain::call::Call;
use homeward_domain::country::CountryRisk;
use homeward_domain::deadline::Deadline;
use homeward_domain::evacuation::Evacuation;
use homeward_domain::incident::Incident;
use homeward_domain::person::Person;
use homeward_domain::subscription::Subscription;
use homeward_domain::welfare::WelfareCheck;
use homeward_domain::{
    Aggregate, CallId, CountryCode, DomainEvent, EvacuationId, IncidentId, PersonId, StreamId,
    TaskId,
};
use homeward_store::RecordedEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Domain state per stream.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Streams {
    /// Incidents.
    pub incidents: HashMap<IncidentId, Incident>,
    /// Person records.
    pub persons: HashMap<PersonId, Person>,
    /// Hotline calls.
    pub calls: HashMap<CallId, Call>,
    /// Country risk records.
    pub countries: HashMap<CountryCode, CountryRisk>,
    /// Evacuations.
    pub evacuations: HashMap<EvacuationId, Evacuation>,
    /// Welfare checks.
    pub welfare: HashMap<TaskId, WelfareCheck>,
    /// Deadlines recorded as missed.
    pub deadlines: HashMap<Uuid, Deadline>,
    /// Subscriptions to events.
    pub subscriptions: HashMap<Uuid, Subscription>,
    /// The token revocation list.
    pub access: AccessList,
}

fn copy<K: std::hash::Hash + Eq + Copy, A: Clone>(
    from: &HashMap<K, A>,
    to: &mut HashMap<K, A>,
    key: Option<K>,
) {
    if let Some(key) = key
        && let Some(state) = from.get(&key)
    {
        to.insert(key, state.clone());
    }
}

fn fold<K: std::hash::Hash + Eq, A: Aggregate>(map: &mut HashMap<K, A>, key: K, event: &A::Event) {
    // In place: one lookup, and the state is not moved out of the map and back.
    let state = map.entry(key).or_default();
    *state = std::mem::take(state).evolve(event);
}

impl Streams {
    /// The version of a stream (0 when it does not exist).
    pub fn version(&self, stream: &StreamId) -> u64 {
        let local = stream.local_id();
        match stream.kind() {
            Some(K::Incident) => local
                .parse()
                .ok()
                .and_then(|id| self.incidents.get(&id))
                .map_or(0, |s| s.version),
            Some(K::Person) => local
                .parse()
                .ok()
                .and_then(|id| self.persons.get(&id))
                .map_or(0, |s| s.version),
            Some(K::Call) => local
                .parse()
                .ok()
                .and_then(|id| self.calls.get(&id))
                .map_or(0, |s| s.version),
            Some(K::Evacuation) => local
                .parse()
                .ok()
                .and_then(|id| self.evacuations.get(&id))
                .map_or(0, |s| s.version),
            Some(K::Country) => CountryCode::parse(local)
                .and_then(|c| self.countries.get(&c))
                .map_or(0, |s| s.version),
            Some(K::Welfare) => local
                .parse()
                .ok()
                .and_then(|id| self.welfare.get(&id))
                .map_or(0, |s| s.version),
            Some(K::Deadline) => local
                .parse()
                .ok()
                .and_then(|id| self.deadlines.get(&id))
                .map_or(0, |s| s.version),
            Some(K::Subscription) => local
                .parse()
                .ok()
                .and_then(|id| self.subscriptions.get(&id))
                .map_or(0, |s| s.version),
            Some(K::Access) => self.access.version,
            None => 0,
        }
    }

    /// A copy of just the states of `streams` (missing ones stay absent).
    pub fn subset<'a>(&self, streams: impl IntoIterator<Item = &'a StreamId>) -> Streams {
        let mut out = Streams::default();
        for stream in streams {
            let local = stream.local_id();
            match stream.kind() {
                Some(K::Incident) => copy(&self.incidents, &mut out.incidents, local.parse().ok()),
                Some(K::Person) => copy(&self.persons, &mut out.persons, local.parse().ok()),
                Some(K::Call) => copy(&self.calls, &mut out.calls, local.parse().ok()),
                Some(K::Evacuation) => {
                    copy(&self.evacuations, &mut out.evacuations, local.parse().ok())
                }
                Some(K::Country) => copy(
                    &self.countries,
                    &mut out.countries,
                    CountryCode::parse(local),
                ),
                Some(K::Welfare) => copy(&self.welfare, &mut out.welfare, local.parse().ok()),
                Some(K::Deadline) => copy(&self.deadlines, &mut out.deadlines, local.parse().ok()),
                Some(K::Subscription) => copy(
                    &self.subscriptions,
                    &mut out.subscriptions,
                    local.parse().ok(),
                ),
                Some(K::Access) => out.access = self.access.clone(),
                None => {}
            }
        }
        out
    }

    /// Folds one event into its stream's state.
    pub fn apply(&mut self, event: &RecordedEvent) {
        self.apply_event(&event.stream_id, &event.event);
    }

    /// Folds one domain event into the state of `stream`.
    pub fn apply_event(&mut self, stream: &StreamId, event: &DomainEvent) {
        let local = stream.local_id();
        match event {
            DomainEvent::Incident(e) => {
                if let Ok(id) = local.parse() {
                    fold(&mut self.incidents, id, e);
                }
            }
            DomainEvent::Person(e) => {
                if let Ok(id) = local.parse() {
                    fold(&mut self.persons, id, e);
                }
            }
            DomainEvent::Call(e) => {
                if let Ok(id) = local.parse() {
                    fold(&mut self.calls, id, e);
                }
            }
            DomainEvent::Country(e) => {
                if let Some(code) = CountryCode::parse(local) {
                    fold(&mut self.countries, code, e);
                }
            }
            DomainEvent::Evacuation(e) => {
                if let Ok(id) = local.parse() {
                    fold(&mut self.evacuations, id, e);
                }
            }
            DomainEvent::Welfare(e) => {
                if let Ok(id) = local.parse() {
                    fold(&mut self.welfare, id, e);
                }
            }
            DomainEvent::Deadline(e) => {
                if let Ok(id) = local.parse() {
                    fold(&mut self.deadlines, id, e);
                }
            }
            DomainEvent::Subscription(e) => {
                if let Ok(id) = local.parse() {
                    fold(&mut self.subscriptions, id, e);
                }
            }
            DomainEvent::Access(e) => {
                self.access = std::mem::take(&mut self.access).evolve(e);
            }
        }
    }
}
