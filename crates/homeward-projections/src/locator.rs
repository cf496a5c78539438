//! The person locator: search by name or passport number; status, last known place,
//! incidents and calls of each person. Answers the hotline's "where is my relative?".
//!
//! Names and passport numbers are here in clear, in memory only: the search form of a
//! name is its lower-cased words, indexed from the opened record and dropped with it.
//! Once a person is erased their record keeps no name, passport number, phone or date
//! of birth, and the indexes keep nothing of them, not even an empty entry under a key.
//! Snapshots store the records with their personal data sealed (see
//! [`crate::snapshot`]) and rebuild the indexes when loaded.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use homeward_domain::call::CallEvent;
use homeward_domain::incident::{AffectedStatus, Correction, IncidentEvent, KidnappingOutcome};
use homeward_domain::person::{PersonEvent, Vulnerability, WelfareStatus};
use homeward_domain::{CallId, CountryCode, DomainEvent, IncidentId, PersonId, Timestamp};
use homeward_store::RecordedEvent;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// A person's part in one incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PersonIncident {
    /// The incident.
    pub incident_id: IncidentId,
    /// Their status in it.
    pub status: AffectedStatus,
    /// Since when (field time).
    pub since: Timestamp,
}

/// The latest welfare check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Welfare {
    /// The answer.
    pub status: WelfareStatus,
    /// When.
    pub at: Timestamp,
    /// Who checked.
    pub by: String,
}

/// Everything the locator knows about a person. Passport number, phone and date of
/// birth are personal data: the edge masks them for readers who may not see them. The
/// full name is personal data too, and empty once erased.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PersonRecord {
    /// Its id.
    pub id: PersonId,
    /// The stream's version.
    pub version: u64,
    /// Full name (personal data); empty once erased.
    pub full_name: String,
    /// Date of birth (personal data); absent once erased.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub date_of_birth: Option<Date>,
    /// Nationality.
    pub nationality: CountryCode,
    /// Passport number (personal data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passport_number: Option<String>,
    /// Phone (personal data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Where they are now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_country: Option<CountryCode>,
    /// Last known place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Latitude of the last known place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude of the last known place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// When the whereabouts were last reported (field time).
    pub whereabouts_at: Timestamp,
    /// Reasons to look after them first.
    pub vulnerabilities: Vec<Vulnerability>,
    /// The latest welfare check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub welfare: Option<Welfare>,
    /// The person's status: the most recent of their incident statuses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<AffectedStatus>,
    /// The survivor record, if this one was merged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<PersonId>,
    /// Records merged into this one.
    pub merged_from: Vec<PersonId>,
    /// Records that looked like the same person at registration.
    pub suspected_duplicates: Vec<PersonId>,
    /// Incidents they are affected by.
    pub incidents: Vec<PersonIncident>,
    /// Hotline calls about them.
    pub calls: Vec<CallId>,
    /// When they were registered.
    pub registered_at: Timestamp,
    /// Whether their personal data was erased.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub erased: bool,
}

/// The locator's indexes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Locator {
    /// Boxed: growing the map then moves pointers, not whole records.
    persons: HashMap<PersonId, Box<PersonRecord>>,
    names: BTreeMap<String, BTreeSet<PersonId>>,
    passports: HashMap<String, BTreeSet<PersonId>>,
}

/// Lower-cased words of a name.
pub fn name_tokens(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect()
}

impl Locator {
    fn index(&mut self, id: PersonId) {
        let Some(p) = self.persons.get(&id) else {
            return;
        };
        for token in name_tokens(&p.full_name) {
            self.names.entry(token).or_default().insert(id);
        }
        if let Some(passport) = &p.passport_number {
            self.passports
                .entry(passport.clone())
                .or_default()
                .insert(id);
        }
    }

    fn unindex(&mut self, id: PersonId) {
        let Some(p) = self.persons.get(&id) else {
            return;
        };
        for token in name_tokens(&p.full_name) {
            if let Some(set) = self.names.get_mut(&token) {
                set.remove(&id);
                if set.is_empty() {
                    self.names.remove(&token);
                }
            }
        }
        if let Some(passport) = &p.passport_number
            && let Some(set) = self.passports.get_mut(passport)
        {
            set.remove(&id);
            if set.is_empty() {
                self.passports.remove(passport);
            }
        }
    }

    /// A locator holding `records`, with its indexes rebuilt (a snapshot's).
    pub fn from_records(records: impl IntoIterator<Item = PersonRecord>) -> Self {
        let mut locator = Self::default();
        for record in records {
            let id = record.id;
            locator.persons.insert(id, Box::new(record));
            locator.index(id);
        }
        locator
    }

    /// Every indexed name word and passport number (what the indexes are keyed by).
    pub fn index_keys(&self) -> impl Iterator<Item = &str> {
        self.names
            .keys()
            .chain(self.passports.keys())
            .map(String::as_str)
    }

    fn set_status(
        &mut self,
        person: PersonId,
        incident: IncidentId,
        status: AffectedStatus,
        at: Timestamp,
    ) {
        let Some(p) = self.persons.get_mut(&person) else {
            return;
        };
        match p.incidents.iter_mut().find(|i| i.incident_id == incident) {
            Some(i) => {
                i.status = status;
                i.since = at;
            }
            None => p.incidents.push(PersonIncident {
                incident_id: incident,
                status,
                since: at,
            }),
        }
        p.status = p.incidents.iter().max_by_key(|i| i.since).map(|i| i.status);
    }

    /// Folds one event in.
    pub fn apply(&mut self, event: &RecordedEvent) {
        match &event.event {
            DomainEvent::Person(e) => self.apply_person(event, e),
            DomainEvent::Incident(e) => {
                let Ok(incident) = event.stream_id.local_id().parse::<IncidentId>() else {
                    return;
                };
                let at = event.occurred_at;
                match e {
                    IncidentEvent::PersonAdded(p) => {
                        self.set_status(p.person_id, incident, p.status, at)
                    }
                    IncidentEvent::PersonStatusChanged(p) => {
                        self.set_status(p.person_id, incident, p.to, at)
                    }
                    IncidentEvent::OutcomeRecorded(o) => {
                        let status = match o.outcome {
                            KidnappingOutcome::Deceased => AffectedStatus::Deceased,
                            _ => AffectedStatus::Released,
                        };
                        for p in &o.person_ids {
                            self.set_status(*p, incident, status, at);
                        }
                    }
                    IncidentEvent::Corrected(c) => {
                        if let Correction::PersonStatus { person_id, to, .. } = &c.correction {
                            self.set_status(*person_id, incident, *to, at);
                        }
                    }
                    _ => {}
                }
            }
            DomainEvent::Call(e) => {
                let person = match e {
                    CallEvent::Logged(l) => l.person_id,
                    CallEvent::Linked(l) => l.person_id,
                };
                if let (Some(person), Ok(call)) = (person, event.stream_id.local_id().parse())
                    && let Some(p) = self.persons.get_mut(&person)
                {
                    p.calls.push(call);
                }
            }
            DomainEvent::Country(_)
            | DomainEvent::Evacuation(_)
            | DomainEvent::Welfare(_)
            | DomainEvent::Deadline(_)
            | DomainEvent::Access(_)
            | DomainEvent::Subscription(_) => {}
        }
    }

    fn apply_person(&mut self, event: &RecordedEvent, e: &PersonEvent) {
        let Ok(id) = event.stream_id.local_id().parse::<PersonId>() else {
            return;
        };
        if let PersonEvent::Registered(r) = e {
            self.persons.insert(
                id,
                Box::new(PersonRecord {
                    id,
                    version: event.version,
                    full_name: r.full_name.clone(),
                    date_of_birth: r.date_of_birth,
                    nationality: r.nationality,
                    passport_number: r.passport_number.clone(),
                    phone: r.phone.clone(),
                    current_country: r.current_country,
                    place: r.place.clone(),
                    lat: r.lat,
                    lon: r.lon,
                    whereabouts_at: event.occurred_at,
                    vulnerabilities: r.vulnerabilities.clone(),
                    welfare: None,
                    status: None,
                    merged_into: None,
                    merged_from: Vec::new(),
                    suspected_duplicates: r.suspected_duplicates.clone(),
                    incidents: Vec::new(),
                    calls: Vec::new(),
                    registered_at: event.recorded_at,
                    erased: false,
                }),
            );
            self.index(id);
            return;
        }
        // Only a correction or an erasure can change the indexed name or passport number.
        let reindex = matches!(e, PersonEvent::Corrected(_) | PersonEvent::Erased(_));
        if reindex {
            self.unindex(id);
        }
        let mut merged = None;
        if let Some(p) = self.persons.get_mut(&id) {
            p.version = event.version;
            match e {
                PersonEvent::Registered(_) => {}
                PersonEvent::WhereaboutsUpdated(w) => {
                    if w.country.is_some() {
                        p.current_country = w.country;
                    }
                    if w.place.is_some() {
                        p.place = w.place.clone();
                    }
                    if w.lat.is_some() {
                        p.lat = w.lat;
                        p.lon = w.lon;
                    }
                    p.whereabouts_at = event.occurred_at;
                }
                PersonEvent::VulnerabilitiesSet(v) => p.vulnerabilities = v.vulnerabilities.clone(),
                PersonEvent::WelfareChecked(w) => {
                    p.welfare = Some(Welfare {
                        status: w.status,
                        at: event.occurred_at,
                        by: event.actor.subject.clone(),
                    })
                }
                PersonEvent::Merged(m) => {
                    p.merged_into = Some(m.into);
                    merged = Some((m.into, true));
                }
                PersonEvent::Unmerged(u) => {
                    p.merged_into = None;
                    merged = Some((u.from, false));
                }
                PersonEvent::Corrected(c) => {
                    if let Some(n) = &c.full_name {
                        p.full_name = n.clone();
                    }
                    if c.date_of_birth.is_some() {
                        p.date_of_birth = c.date_of_birth;
                    }
                    if let Some(n) = c.nationality {
                        p.nationality = n;
                    }
                    if c.passport_number.is_some() {
                        p.passport_number = c.passport_number.clone();
                    }
                    if c.phone.is_some() {
                        p.phone = c.phone.clone();
                    }
                }
                PersonEvent::Erased(_) => {
                    p.full_name = String::new();
                    p.date_of_birth = None;
                    p.passport_number = None;
                    p.phone = None;
                    p.erased = true;
                }
            }
        }
        if reindex {
            self.index(id);
        }
        if let Some((survivor, joined)) = merged
            && let Some(s) = self.persons.get_mut(&survivor)
        {
            if joined {
                s.merged_from.push(id);
            } else {
                s.merged_from.retain(|m| *m != id);
            }
        }
    }

    /// One person's record.
    pub fn get(&self, id: PersonId) -> Option<&PersonRecord> {
        self.persons.get(&id).map(|p| &**p)
    }

    /// How many person records there are.
    pub fn len(&self) -> usize {
        self.persons.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.persons.is_empty()
    }

    /// Every person record, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &PersonRecord> {
        self.persons.values().map(|p| &**p)
    }

    /// Records whose name has every word of `query` as a word prefix, or whose passport
    /// number is `query`; at most `limit`, merged records last.
    pub fn search(&self, query: &str, limit: usize) -> Vec<&PersonRecord> {
        let mut found: BTreeSet<PersonId> = BTreeSet::new();
        let passport = query.trim().to_ascii_uppercase();
        if let Some(ids) = self.passports.get(&passport) {
            found.extend(ids.iter().copied());
        }
        let tokens = name_tokens(query);
        if let Some((first, rest)) = tokens.split_first() {
            let candidates = self
                .names
                .range(first.clone()..)
                .take_while(|(t, _)| t.starts_with(first.as_str()))
                .flat_map(|(_, ids)| ids.iter().copied());
            for id in candidates {
                let Some(p) = self.persons.get(&id) else {
                    continue;
                };
                let words = name_tokens(&p.full_name);
                if rest
                    .iter()
                    .all(|q| words.iter().any(|w| w.starts_with(q.as_str())))
                {
                    found.insert(id);
                }
            }
        }
        let mut out: Vec<&PersonRecord> = found.iter().filter_map(|id| self.get(*id)).collect();
        out.sort_by(|a, b| {
            a.merged_into
                .is_some()
                .cmp(&b.merged_into.is_some())
                .then(a.full_name.cmp(&b.full_name))
                .then(a.id.cmp(&b.id))
        });
        out.truncate(limit);
        out
    }

    /// Records that look like the same person: the same passport number, or the same
    /// name and date of birth. A warning, never a reason to refuse a registration.
    pub fn suspected_duplicates(
        &self,
        full_name: &str,
        date_of_birth: Option<Date>,
        passport: Option<&str>,
    ) -> Vec<PersonId> {
        let mut found = BTreeSet::new();
        if let Some(passport) = passport.map(|p| p.trim().to_ascii_uppercase())
            && let Some(ids) = self.passports.get(&passport)
        {
            found.extend(ids.iter().copied());
        }
        if let Some(dob) = date_of_birth {
            let wanted = name_tokens(full_name);
            for p in self.search(full_name, 50) {
                let mut a = name_tokens(&p.full_name);
                let mut b = wanted.clone();
                a.sort();
                b.sort();
                if a == b && p.date_of_birth == Some(dob) {
                    found.insert(p.id);
                }
            }
        }
        found.into_iter().collect()
    }
}
