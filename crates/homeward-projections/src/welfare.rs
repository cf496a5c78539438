//! Welfare checks and the reactions Homeward still owes.
//!
//! Two things are folded here. The checks themselves, for `GET /v1/tasks` and the board.
//! And the outstanding reactions: each event that calls for an action (a country's risk
//! raised to 3 or 4, lowered again, a citizen arriving in a country at risk, a welfare
//! answer) adds what must be done, keyed by that event; the event that does it (it
//! names its cause) takes it off again. The reactor executes what is outstanding, so a
//! crash between an event and its reaction loses nothing: after a restart the fold
//! still shows the reaction as owed. Which citizens a raise concerns is decided here,
//! from the state at the raise, so every instance and every replay owes the same.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use homeward_domain::country::CountryEvent;
use homeward_domain::incident::{IncidentEvent, IncidentStatus};
use homeward_domain::person::{PersonEvent, Vulnerability, WelfareStatus};
use homeward_domain::welfare::{self, CheckStatus, WelfareEvent};
use homeward_domain::{
    Actor, CountryCode, DomainEvent, IncidentId, PersonId, Role, StreamId, TaskId, Timestamp,
};
use homeward_store::RecordedEvent;
use serde::Serialize;
use uuid::Uuid;

use crate::streams::Streams;

/// One welfare check as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, serde::Deserialize)]
pub struct CheckView {
    /// Its id.
    pub id: TaskId,
    /// The person to contact.
    pub person_id: PersonId,
    /// The country at risk.
    pub country: CountryCode,
    /// The risk level it was opened (or last tightened) for.
    pub risk_level: u8,
    /// 1 for vulnerable people, 2 for everyone else.
    pub priority: u8,
    /// Why they come first.
    pub vulnerabilities: Vec<Vulnerability>,
    /// Where it stands.
    pub status: CheckStatus,
    /// When contact is due.
    pub due_at: Timestamp,
    /// Unanswered attempts.
    pub attempts: u32,
    /// The answer that completed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<WelfareStatus>,
    /// The incident looking after someone who needs help.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<IncidentId>,
    /// Who has it since the escalation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalated_to: Option<Role>,
    /// Why it was cancelled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<String>,
    /// When it was opened.
    pub opened_at: Timestamp,
    /// When it was completed or cancelled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<Timestamp>,
    /// The event that opened it.
    pub cause: Uuid,
    /// Who gave the answer that completes it: an officer, or `citizen` (subject: the
    /// answer link's id) when the citizen answered through a link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<Actor>,
}

/// Where a person who needs help is looked after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum HelpIncident {
    /// An open incident the person is already part of.
    Existing(IncidentId),
    /// A new incident, opened for them, in `country`.
    New {
        /// Its id (derived from the answer).
        incident_id: IncidentId,
        /// Where they are.
        country: CountryCode,
    },
}

/// Something Homeward must still do in answer to an event.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Reaction {
    /// Open a welfare check.
    OpenCheck {
        /// The check (derived from the cause and the person).
        task_id: TaskId,
        /// Whom to contact.
        person_id: PersonId,
        /// Where.
        country: CountryCode,
        /// The country's risk level.
        level: u8,
        /// Why they come first.
        vulnerabilities: Vec<Vulnerability>,
    },
    /// Bring an open check's due time forward: the risk rose.
    TightenCheck {
        /// The check.
        task_id: TaskId,
        /// The new level.
        level: u8,
        /// Whether the person is vulnerable.
        vulnerable: bool,
    },
    /// Close an open check: the risk fell.
    CancelCheck {
        /// The check.
        task_id: TaskId,
        /// The reason given for the lower level.
        reason: String,
    },
    /// Apply a welfare answer to the person's open check.
    AnswerCheck {
        /// The check.
        task_id: TaskId,
        /// The person.
        person_id: PersonId,
        /// The answer.
        status: WelfareStatus,
        /// For `needs_help`: the incident that takes over.
        help: Option<HelpIncident>,
    },
    /// Open an incident for someone who needs help and has no check open.
    OpenHelpIncident {
        /// The person.
        person_id: PersonId,
        /// The incident (derived from the answer).
        incident_id: IncidentId,
        /// Where they are.
        country: CountryCode,
    },
}

impl Reaction {
    /// The stream whose event settles this reaction.
    pub fn target(&self) -> StreamId {
        match self {
            Self::OpenCheck { task_id, .. }
            | Self::TightenCheck { task_id, .. }
            | Self::CancelCheck { task_id, .. }
            | Self::AnswerCheck { task_id, .. } => StreamId::welfare(*task_id),
            Self::OpenHelpIncident { incident_id, .. } => StreamId::incident(*incident_id),
        }
    }
}

/// A reaction owed, with the event that calls for it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Pending {
    /// The causing event.
    pub cause: Uuid,
    /// Its log position.
    pub position: u64,
    /// When it was recorded (deadlines count from here).
    pub caused_at: Timestamp,
    /// What to do.
    pub reaction: Reaction,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, PartialEq)]
struct PersonFacts {
    country: Option<CountryCode>,
    nationality: Option<CountryCode>,
    vulnerabilities: Vec<Vulnerability>,
    merged: bool,
}

/// Welfare checks and the reactions still owed.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct Welfare {
    checks: HashMap<TaskId, CheckView>,
    /// Each person's one open check (or one about to be opened).
    open_by_person: HashMap<PersonId, TaskId>,
    persons: HashMap<PersonId, PersonFacts>,
    by_country: HashMap<CountryCode, BTreeSet<PersonId>>,
    levels: HashMap<CountryCode, u8>,
    pending: BTreeMap<(u64, u32), Pending>,
    /// Outstanding reactions by the stream that settles them.
    by_target: HashMap<StreamId, BTreeSet<(u64, u32)>>,
    /// The check each answer link belongs to, by the hash of the link's token.
    links: HashMap<String, TaskId>,
}

/// Filters for the list of checks.
#[derive(Debug, Clone, Default)]
pub struct CheckFilter {
    /// Only this country.
    pub country: Option<CountryCode>,
    /// Only checks in this status.
    pub status: Option<CheckStatus>,
    /// Only this person's.
    pub person_id: Option<PersonId>,
}

/// How a country's welfare checks stand.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WelfareProgress {
    /// The country.
    pub country: String,
    /// Every check opened.
    pub total: u32,
    /// Still waiting for contact.
    pub open: u32,
    /// Handed to the duty officer after no answer.
    pub escalated: u32,
    /// Answered safe.
    pub safe: u32,
    /// Answered needs help.
    pub needs_help: u32,
    /// No longer needed.
    pub cancelled: u32,
    /// Open and past their due time.
    pub overdue: u32,
    /// Open checks of vulnerable people.
    pub open_vulnerable: u32,
}

impl Welfare {
    /// Folds one event in; `streams` already holds its effect.
    pub fn apply(&mut self, event: &RecordedEvent, streams: &Streams) {
        self.settle(event);
        match &event.event {
            DomainEvent::Country(CountryEvent::RiskLevelSet(set)) => {
                let Some(country) = CountryCode::parse(event.stream_id.local_id()) else {
                    return;
                };
                self.levels.insert(country, set.level);
                let previous = set.previous.unwrap_or(1);
                if set.level >= 3 && set.level > previous {
                    self.raised(event, country, set.level);
                } else if set.level < 3 && previous >= 3 {
                    self.lowered(event, country, &set.reason);
                }
            }
            DomainEvent::Person(e) => {
                let Ok(person) = event.stream_id.local_id().parse::<PersonId>() else {
                    return;
                };
                self.person(event, person, e, streams);
            }
            DomainEvent::Welfare(e) => {
                if let Ok(id) = event.stream_id.local_id().parse::<TaskId>() {
                    self.check(event, id, e);
                }
            }
            _ => {}
        }
    }

    fn owe(&mut self, event: &RecordedEvent, seq: &mut u32, reaction: Reaction) {
        let key = (event.position, *seq);
        *seq += 1;
        self.by_target
            .entry(reaction.target())
            .or_default()
            .insert(key);
        self.pending.insert(
            key,
            Pending {
                cause: event.event_id,
                position: event.position,
                caused_at: event.recorded_at,
                reaction,
            },
        );
    }

    fn drop_pending(&mut self, key: (u64, u32)) {
        if let Some(p) = self.pending.remove(&key) {
            let target = p.reaction.target();
            if let Some(keys) = self.by_target.get_mut(&target) {
                keys.remove(&key);
                if keys.is_empty() {
                    self.by_target.remove(&target);
                }
            }
        }
    }

    /// Takes off the reactions this event carries out.
    fn settle(&mut self, event: &RecordedEvent) {
        let Some(keys) = self.by_target.get(&event.stream_id) else {
            return;
        };
        let settled: Vec<(u64, u32)> = keys
            .iter()
            .copied()
            .filter(|key| {
                self.pending.get(key).is_some_and(|p| {
                    p.cause == event.causation_id && settles(&p.reaction, &event.event)
                })
            })
            .collect();
        for key in settled {
            self.drop_pending(key);
        }
    }

    fn raised(&mut self, event: &RecordedEvent, country: CountryCode, level: u8) {
        let mut people: Vec<(u8, PersonId)> = self
            .by_country
            .get(&country)
            .into_iter()
            .flatten()
            .filter_map(|p| {
                let facts = self.persons.get(p)?;
                (!facts.merged).then(|| (welfare::priority(&facts.vulnerabilities), *p))
            })
            .collect();
        people.sort();
        let mut seq = 0;
        for (_, person) in people {
            let vulnerabilities = self
                .persons
                .get(&person)
                .map(|f| f.vulnerabilities.clone())
                .unwrap_or_default();
            match self.open_by_person.get(&person).copied() {
                Some(task_id) => {
                    let same_country = self
                        .checks
                        .get(&task_id)
                        .is_some_and(|c| c.country == country && c.status.is_open());
                    if same_country {
                        self.owe(
                            event,
                            &mut seq,
                            Reaction::TightenCheck {
                                task_id,
                                level,
                                vulnerable: !vulnerabilities.is_empty(),
                            },
                        );
                    }
                }
                None => self.open_check(event, &mut seq, person, country, level, vulnerabilities),
            }
        }
    }

    fn open_check(
        &mut self,
        event: &RecordedEvent,
        seq: &mut u32,
        person_id: PersonId,
        country: CountryCode,
        level: u8,
        vulnerabilities: Vec<Vulnerability>,
    ) {
        let task_id = welfare::check_id(event.event_id, person_id);
        self.open_by_person.insert(person_id, task_id);
        self.owe(
            event,
            seq,
            Reaction::OpenCheck {
                task_id,
                person_id,
                country,
                level,
                vulnerabilities,
            },
        );
    }

    fn lowered(&mut self, event: &RecordedEvent, country: CountryCode, reason: &str) {
        // Checks not opened yet are no longer owed.
        let unopened: Vec<(u64, u32)> = self
            .pending
            .iter()
            .filter(|(_, p)| {
                matches!(&p.reaction, Reaction::OpenCheck { country: c, .. } if *c == country)
            })
            .map(|(k, _)| *k)
            .collect();
        for key in unopened {
            if let Some(Pending {
                reaction: Reaction::OpenCheck { person_id, .. },
                ..
            }) = self.pending.get(&key)
            {
                self.open_by_person.remove(person_id);
            }
            self.drop_pending(key);
        }
        let mut open: Vec<TaskId> = self
            .checks
            .values()
            .filter(|c| c.country == country && c.status.is_open())
            .map(|c| c.id)
            .collect();
        open.sort();
        let mut seq = 0;
        for task_id in open {
            self.owe(
                event,
                &mut seq,
                Reaction::CancelCheck {
                    task_id,
                    reason: reason.to_owned(),
                },
            );
        }
    }

    fn person(
        &mut self,
        event: &RecordedEvent,
        person: PersonId,
        e: &PersonEvent,
        streams: &Streams,
    ) {
        let facts = self.persons.entry(person).or_default();
        let before = facts.country;
        match e {
            PersonEvent::Registered(r) => {
                facts.country = r.current_country;
                facts.nationality = Some(r.nationality);
                facts.vulnerabilities = r.vulnerabilities.clone();
            }
            PersonEvent::WhereaboutsUpdated(w) => {
                if w.country.is_some() {
                    facts.country = w.country;
                }
            }
            PersonEvent::VulnerabilitiesSet(v) => facts.vulnerabilities = v.vulnerabilities.clone(),
            PersonEvent::Corrected(c) => {
                if c.nationality.is_some() {
                    facts.nationality = c.nationality;
                }
            }
            PersonEvent::Merged(_) => facts.merged = true,
            PersonEvent::Unmerged(_) => facts.merged = false,
            // Personal data erased: where they are and how vulnerable stay known.
            PersonEvent::Erased(_) => {}
            PersonEvent::WelfareChecked(w) => {
                let country = facts.country.or(facts.nationality);
                self.answered(event, person, w.status, country, streams);
                return;
            }
        }
        let (after, merged, vulnerabilities) =
            (facts.country, facts.merged, facts.vulnerabilities.clone());
        if before != after {
            if let Some(old) = before
                && let Some(set) = self.by_country.get_mut(&old)
            {
                set.remove(&person);
            }
            if let Some(new) = after {
                self.by_country.entry(new).or_default().insert(person);
            }
        }
        // Someone registered in, or arriving in, a country at risk is owed a check too.
        if let Some(country) = after
            && !merged
            && before != after
            && !self.open_by_person.contains_key(&person)
            && let Some(level) = self.levels.get(&country).copied().filter(|l| *l >= 3)
        {
            let mut seq = 0;
            self.open_check(event, &mut seq, person, country, level, vulnerabilities);
        }
    }

    fn answered(
        &mut self,
        event: &RecordedEvent,
        person: PersonId,
        status: WelfareStatus,
        country: Option<CountryCode>,
        streams: &Streams,
    ) {
        let open_check = self
            .open_by_person
            .get(&person)
            .copied()
            .filter(|id| self.checks.get(id).is_some_and(|c| c.status.is_open()));
        let help = (status == WelfareStatus::NeedsHelp)
            .then(|| {
                let existing = streams
                    .incidents
                    .iter()
                    .filter(|(_, i)| {
                        i.status != IncidentStatus::Closed && i.persons.contains_key(&person)
                    })
                    .map(|(id, _)| *id)
                    .min();
                match existing {
                    Some(id) => Some(HelpIncident::Existing(id)),
                    None => {
                        let country = open_check
                            .and_then(|id| self.checks.get(&id))
                            .map(|c| c.country)
                            .or(country)?;
                        Some(HelpIncident::New {
                            incident_id: welfare::help_incident_id(event.event_id),
                            country,
                        })
                    }
                }
            })
            .flatten();
        if status != WelfareStatus::NoAnswer
            && let Some(check) = open_check.and_then(|id| self.checks.get_mut(&id))
        {
            check.answered_by = Some(event.actor.clone());
        }
        let mut seq = 0;
        match (open_check, help) {
            (Some(task_id), help) => self.owe(
                event,
                &mut seq,
                Reaction::AnswerCheck {
                    task_id,
                    person_id: person,
                    status,
                    help,
                },
            ),
            (
                None,
                Some(HelpIncident::New {
                    incident_id,
                    country,
                }),
            ) => self.owe(
                event,
                &mut seq,
                Reaction::OpenHelpIncident {
                    person_id: person,
                    incident_id,
                    country,
                },
            ),
            (None, _) => {}
        }
    }

    fn check(&mut self, event: &RecordedEvent, id: TaskId, e: &WelfareEvent) {
        if let WelfareEvent::Opened(o) = e {
            self.open_by_person.insert(o.person_id, id);
            self.checks.insert(
                id,
                CheckView {
                    id,
                    person_id: o.person_id,
                    country: o.country,
                    risk_level: o.risk_level,
                    priority: o.priority,
                    vulnerabilities: o.vulnerabilities.clone(),
                    status: CheckStatus::Open,
                    due_at: o.due_at,
                    attempts: 0,
                    outcome: None,
                    incident_id: None,
                    escalated_to: None,
                    cancel_reason: None,
                    opened_at: event.recorded_at,
                    closed_at: None,
                    cause: o.cause,
                    answered_by: None,
                },
            );
            return;
        }
        if let WelfareEvent::AnswerLinkIssued(l) = e {
            self.links.insert(l.token_hash.clone(), id);
        }
        let Some(check) = self.checks.get_mut(&id) else {
            return;
        };
        match e {
            WelfareEvent::Opened(_)
            | WelfareEvent::AnswerLinkIssued(_)
            | WelfareEvent::AnswerLinkUsed(_) => {}
            WelfareEvent::Attempted(a) => {
                check.attempts = a.attempt;
                check.due_at = a.next_due_at;
            }
            WelfareEvent::Escalated(x) => {
                check.status = CheckStatus::Escalated;
                check.escalated_to = Some(x.to);
            }
            WelfareEvent::DueChanged(d) => {
                check.due_at = d.due_at;
                check.risk_level = d.risk_level;
            }
            WelfareEvent::Completed(c) => {
                check.status = CheckStatus::Completed;
                check.outcome = Some(c.outcome);
                check.incident_id = c.incident_id;
                check.closed_at = Some(event.recorded_at);
            }
            WelfareEvent::Cancelled(c) => {
                check.status = CheckStatus::Cancelled;
                check.cancel_reason = Some(c.reason.clone());
                check.closed_at = Some(event.recorded_at);
            }
        }
        if !check.status.is_open() {
            let person = check.person_id;
            if self.open_by_person.get(&person) == Some(&id) {
                self.open_by_person.remove(&person);
            }
            // A closed check owes nothing more.
            let keys: Vec<(u64, u32)> = self
                .by_target
                .get(&StreamId::welfare(id))
                .map(|k| k.iter().copied().collect())
                .unwrap_or_default();
            for key in keys {
                self.drop_pending(key);
            }
        }
    }

    /// The reactions still owed, oldest cause first (vulnerable people first within one).
    pub fn pending(&self) -> impl Iterator<Item = &Pending> {
        self.pending.values()
    }

    /// How many reactions are owed.
    pub fn pending_count(&self) -> usize {
        self.pending.len()
    }

    /// One check.
    pub fn get(&self, id: TaskId) -> Option<&CheckView> {
        self.checks.get(&id)
    }

    /// The check an answer link belongs to, by the hash of the link's token.
    pub fn check_of_link(&self, token_hash: &str) -> Option<TaskId> {
        self.links.get(token_hash).copied()
    }

    /// The checks still open (or escalated), in no particular order.
    pub fn open_checks(&self) -> impl Iterator<Item = &CheckView> {
        self.open_by_person
            .values()
            .filter_map(|id| self.checks.get(id))
            .filter(|c| c.status.is_open())
    }

    /// Checks matching `filter`: open ones first, then by priority and due time.
    pub fn list(&self, filter: &CheckFilter) -> Vec<&CheckView> {
        let mut out: Vec<&CheckView> = self
            .checks
            .values()
            .filter(|c| filter.country.is_none_or(|x| c.country == x))
            .filter(|c| filter.status.is_none_or(|x| c.status == x))
            .filter(|c| filter.person_id.is_none_or(|x| c.person_id == x))
            .collect();
        out.sort_by(|a, b| {
            b.status
                .is_open()
                .cmp(&a.status.is_open())
                .then(a.priority.cmp(&b.priority))
                .then(a.due_at.cmp(&b.due_at))
                .then(a.id.cmp(&b.id))
        });
        out
    }

    /// Progress per country that has checks, most open first.
    pub fn progress(&self, now: Timestamp) -> Vec<WelfareProgress> {
        let mut by: BTreeMap<CountryCode, WelfareProgress> = BTreeMap::new();
        for c in self.checks.values() {
            let p = by.entry(c.country).or_insert_with(|| WelfareProgress {
                country: c.country.to_string(),
                ..WelfareProgress::default()
            });
            p.total += 1;
            match c.status {
                CheckStatus::Open => p.open += 1,
                CheckStatus::Escalated => p.escalated += 1,
                CheckStatus::Cancelled => p.cancelled += 1,
                CheckStatus::Completed => match c.outcome {
                    Some(WelfareStatus::NeedsHelp) => p.needs_help += 1,
                    _ => p.safe += 1,
                },
            }
            if c.status.is_open() {
                if c.due_at < now {
                    p.overdue += 1;
                }
                if c.priority == 1 {
                    p.open_vulnerable += 1;
                }
            }
        }
        let mut out: Vec<WelfareProgress> = by.into_values().collect();
        out.sort_by(|a, b| {
            (b.open + b.escalated)
                .cmp(&(a.open + a.escalated))
                .then(a.country.cmp(&b.country))
        });
        out
    }
}

/// Whether `event` (caused by the reaction's cause, on its target) carries it out.
fn settles(reaction: &Reaction, event: &DomainEvent) -> bool {
    match (reaction, event) {
        (Reaction::OpenCheck { .. }, DomainEvent::Welfare(WelfareEvent::Opened(_))) => true,
        (Reaction::TightenCheck { .. }, DomainEvent::Welfare(WelfareEvent::DueChanged(_))) => true,
        (Reaction::CancelCheck { .. }, DomainEvent::Welfare(WelfareEvent::Cancelled(_))) => true,
        (
            Reaction::AnswerCheck { .. },
            DomainEvent::Welfare(WelfareEvent::Completed(_) | WelfareEvent::Attempted(_)),
        ) => true,
        (
            Reaction::OpenHelpIncident { person_id, .. },
            DomainEvent::Incident(IncidentEvent::PersonAdded(added)),
        ) => added.person_id == *person_id,
        _ => false,
    }
}
