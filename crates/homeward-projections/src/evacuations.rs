//! Evacuations as the coordinators see them: transports with their passengers, a
//! reconciliation of registered against boarded against arrived, who is still
//! unaccounted for, and manifests as JSON or CSV.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use homeward_domain::evacuation::{
    EvacuationEvent, EvacueeStatus, Priority, TransportMode, TransportStatus,
};
use homeward_domain::{
    CountryCode, DomainEvent, EvacuationId, IncidentId, PersonId, Timestamp, TransportId,
};
use homeward_store::RecordedEvent;
use serde::{Deserialize, Serialize};

use crate::locator::Locator;

/// A transport.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TransportRecord {
    /// Its id.
    pub transport_id: TransportId,
    /// Flight, ship, bus or train.
    pub mode: TransportMode,
    /// Carrier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// Flight or service number.
    pub number: String,
    /// From.
    pub from: String,
    /// To.
    pub to: String,
    /// Scheduled departure.
    pub departs_at: Timestamp,
    /// Seats.
    pub capacity: u32,
    /// Where it stands.
    pub status: TransportStatus,
    /// When it left.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub departed_at: Option<Timestamp>,
    /// When it arrived.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arrived_at: Option<Timestamp>,
}

/// An evacuee.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EvacueeRecord {
    /// The person.
    pub person_id: PersonId,
    /// Who goes first.
    pub priority: Priority,
    /// Family group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Where they stand.
    pub status: EvacueeStatus,
    /// Where they checked in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assembly_point: Option<String>,
    /// Their transport (seat held, aboard, or travelled on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transport_id: Option<TransportId>,
    /// Their seat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seat: Option<u32>,
    /// When they were registered.
    pub registered_at: Timestamp,
    /// When they checked in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked_in_at: Option<Timestamp>,
    /// When they boarded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boarded_at: Option<Timestamp>,
    /// When their transport arrived.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arrived_at: Option<Timestamp>,
}

/// Counts along the way out. Each count is of people who reached at least that
/// stage: everyone who boarded was also checked in and assigned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Counts {
    /// Registered for the evacuation.
    pub registered: u32,
    /// Checked in at an assembly point (or further along).
    pub checked_in: u32,
    /// Holding a seat (or further along).
    pub assigned: u32,
    /// Boarded (or further along).
    pub boarded: u32,
    /// On a transport that left (or arrived).
    pub departed: u32,
    /// Arrived.
    pub arrived: u32,
    /// Marked no-show.
    pub no_show: u32,
}

impl Counts {
    fn add(&mut self, e: &EvacueeRecord) {
        use EvacueeStatus as S;
        self.registered += 1;
        let checked_in = e.checked_in_at.is_some();
        match e.status {
            S::Registered => {}
            S::CheckedIn => self.checked_in += 1,
            S::Assigned => {
                self.assigned += 1;
                if checked_in {
                    self.checked_in += 1;
                }
            }
            S::Boarded | S::Departed | S::Arrived => {
                self.checked_in += 1;
                self.assigned += 1;
                self.boarded += 1;
                if matches!(e.status, S::Departed | S::Arrived) {
                    self.departed += 1;
                }
                if e.status == S::Arrived {
                    self.arrived += 1;
                }
            }
            S::NoShow => self.no_show += 1,
        }
    }
}

/// One evacuation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvacuationRecord {
    /// Its id.
    pub id: EvacuationId,
    /// The stream's version.
    pub version: u64,
    /// Country.
    pub country: CountryCode,
    /// Why.
    pub reason: String,
    /// The incident it belongs to.
    pub incident_id: Option<IncidentId>,
    /// Assembly points.
    pub assembly_points: Vec<String>,
    /// When it was opened.
    pub opened_at: Timestamp,
    /// Whether it was closed.
    pub closed: bool,
    /// Transports in the order scheduled.
    pub transports: Vec<TransportRecord>,
    /// Evacuees.
    pub evacuees: BTreeMap<PersonId, EvacueeRecord>,
}

/// A passenger line of a manifest.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Passenger {
    /// Seat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seat: Option<u32>,
    /// The person.
    pub person_id: PersonId,
    /// Full name.
    pub full_name: String,
    /// Date of birth (absent when masked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    /// Nationality.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nationality: Option<CountryCode>,
    /// Passport number (masked unless the reader may see it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passport_number: Option<String>,
    /// Priority.
    pub priority: Priority,
    /// Family group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// `assigned`, `boarded`, `departed` or `arrived`.
    pub status: EvacueeStatus,
    /// When they checked in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked_in_at: Option<Timestamp>,
    /// When they boarded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boarded_at: Option<Timestamp>,
}

/// Totals of a manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ManifestTotals {
    /// Passengers listed (holding a seat or aboard).
    pub passengers: u32,
    /// Of them, boarded (or departed, arrived).
    pub boarded: u32,
    /// Seats still free.
    pub free_seats: u32,
    /// By priority.
    pub by_priority: BTreeMap<String, u32>,
}

/// A transport's manifest.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Manifest {
    /// The evacuation.
    pub evacuation_id: EvacuationId,
    /// The transport.
    #[serde(flatten)]
    pub transport: TransportRecord,
    /// Passengers by seat.
    pub passengers: Vec<Passenger>,
    /// Totals.
    pub totals: ManifestTotals,
}

/// One transport's progress on the board.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TransportProgress {
    /// The transport.
    pub transport_id: TransportId,
    /// Flight, ship, bus or train.
    pub mode: TransportMode,
    /// Flight or service number.
    pub number: String,
    /// From.
    pub from: String,
    /// To.
    pub to: String,
    /// Scheduled departure.
    pub departs_at: Timestamp,
    /// Seats.
    pub capacity: u32,
    /// Where it stands.
    pub status: TransportStatus,
    /// Seats held (or travelled).
    pub assigned: u32,
    /// Of them, checked in.
    pub checked_in: u32,
    /// Of them, boarded.
    pub boarded: u32,
    /// Of them, departed.
    pub departed: u32,
    /// Of them, arrived.
    pub arrived: u32,
}

/// An evacuation's progress on the board.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EvacuationProgress {
    /// The evacuation.
    pub evacuation_id: EvacuationId,
    /// Country.
    pub country: CountryCode,
    /// Why.
    pub reason: String,
    /// Counts over every evacuee.
    pub counts: Counts,
    /// How many are unaccounted for.
    pub unaccounted: u32,
    /// Seats on all transports.
    pub capacity: u32,
    /// Whether the evacuation was closed (it then leaves the board).
    pub closed: bool,
    /// Transports in departure order.
    pub transports: Vec<TransportProgress>,
}

impl EvacuationRecord {
    /// Progress for the board.
    pub fn progress(&self) -> EvacuationProgress {
        let mut transports: Vec<TransportProgress> = self
            .transports
            .iter()
            .map(|t| {
                let c = self.transport_counts(t.transport_id);
                TransportProgress {
                    transport_id: t.transport_id,
                    mode: t.mode,
                    number: t.number.clone(),
                    from: t.from.clone(),
                    to: t.to.clone(),
                    departs_at: t.departs_at,
                    capacity: t.capacity,
                    status: t.status,
                    assigned: c.assigned,
                    checked_in: c.checked_in,
                    boarded: c.boarded,
                    departed: c.departed,
                    arrived: c.arrived,
                }
            })
            .collect();
        transports.sort_by_key(|t| (t.departs_at, t.transport_id));
        EvacuationProgress {
            evacuation_id: self.id,
            country: self.country,
            reason: self.reason.clone(),
            counts: self.counts(),
            unaccounted: self.unaccounted().len() as u32,
            capacity: self.transports.iter().map(|t| t.capacity).sum(),
            closed: self.closed,
            transports,
        }
    }
}

/// How personal data appears in a manifest.
pub type Masker<'a> = &'a dyn Fn(&str) -> String;

/// Every evacuation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evacuations {
    records: HashMap<EvacuationId, EvacuationRecord>,
    by_person: HashMap<PersonId, BTreeSet<EvacuationId>>,
}

impl Evacuations {
    /// Folds one event in.
    pub fn apply(&mut self, event: &RecordedEvent) {
        let DomainEvent::Evacuation(e) = &event.event else {
            return;
        };
        let Ok(id) = event.stream_id.local_id().parse::<EvacuationId>() else {
            return;
        };
        if let EvacuationEvent::Opened(o) = e {
            self.records.insert(
                id,
                EvacuationRecord {
                    id,
                    version: event.version,
                    country: o.country,
                    reason: o.reason.clone(),
                    incident_id: o.incident_id,
                    assembly_points: o.assembly_points.clone(),
                    opened_at: event.recorded_at,
                    closed: false,
                    transports: Vec::new(),
                    evacuees: BTreeMap::new(),
                },
            );
            return;
        }
        let Some(r) = self.records.get_mut(&id) else {
            return;
        };
        r.version = event.version;
        let at = event.occurred_at;
        use EvacuationEvent as E;
        match e {
            E::Opened(_) => {}
            E::AssemblyPointAdded(a) => r.assembly_points.push(a.name.clone()),
            E::TransportScheduled(t) => r.transports.push(TransportRecord {
                transport_id: t.transport_id,
                mode: t.mode,
                carrier: t.carrier.clone(),
                number: t.number.clone(),
                from: t.from.clone(),
                to: t.to.clone(),
                departs_at: t.departs_at,
                capacity: t.capacity,
                status: TransportStatus::Scheduled,
                departed_at: None,
                arrived_at: None,
            }),
            E::EvacueeRegistered(reg) => {
                r.evacuees.insert(
                    reg.person_id,
                    EvacueeRecord {
                        person_id: reg.person_id,
                        priority: reg.priority,
                        group: reg.group.clone(),
                        status: EvacueeStatus::Registered,
                        assembly_point: None,
                        transport_id: None,
                        seat: None,
                        registered_at: at,
                        checked_in_at: None,
                        boarded_at: None,
                        arrived_at: None,
                    },
                );
                self.by_person.entry(reg.person_id).or_default().insert(id);
            }
            E::EvacueeCheckedIn(c) => {
                if let Some(e) = r.evacuees.get_mut(&c.person_id) {
                    e.checked_in_at = Some(at);
                    e.assembly_point = c.assembly_point.clone();
                    if matches!(e.status, EvacueeStatus::Registered | EvacueeStatus::NoShow) {
                        e.status = if e.transport_id.is_some() {
                            EvacueeStatus::Assigned
                        } else {
                            EvacueeStatus::CheckedIn
                        };
                    }
                }
            }
            E::EvacueesAssigned(a) => {
                for seat in &a.seats {
                    if let Some(e) = r.evacuees.get_mut(&seat.person_id) {
                        e.transport_id = Some(a.transport_id);
                        e.seat = Some(seat.seat);
                        e.status = EvacueeStatus::Assigned;
                    }
                }
            }
            E::EvacueeBoarded(b) => {
                if let Some(e) = r.evacuees.get_mut(&b.person_id) {
                    e.status = EvacueeStatus::Boarded;
                    e.boarded_at = Some(at);
                }
            }
            E::EvacueeNoShow(n) => {
                if let Some(e) = r.evacuees.get_mut(&n.person_id) {
                    e.status = EvacueeStatus::NoShow;
                    e.transport_id = None;
                    e.seat = None;
                    e.checked_in_at = None;
                }
            }
            E::EvacueeOffloaded(o) => {
                if let Some(e) = r.evacuees.get_mut(&o.person_id) {
                    e.status = EvacueeStatus::CheckedIn;
                    e.transport_id = None;
                    e.seat = None;
                    e.boarded_at = None;
                }
            }
            E::TransportDeparted(d) => {
                if let Some(t) = r
                    .transports
                    .iter_mut()
                    .find(|t| t.transport_id == d.transport_id)
                {
                    t.status = TransportStatus::Departed;
                    t.departed_at = Some(at);
                }
                for p in &d.aboard {
                    if let Some(e) = r.evacuees.get_mut(p) {
                        e.status = EvacueeStatus::Departed;
                    }
                }
                for p in &d.left_behind {
                    if let Some(e) = r.evacuees.get_mut(p) {
                        e.transport_id = None;
                        e.seat = None;
                        e.status = if e.checked_in_at.is_some() {
                            EvacueeStatus::CheckedIn
                        } else {
                            EvacueeStatus::Registered
                        };
                    }
                }
            }
            E::TransportArrived(a) => {
                if let Some(t) = r
                    .transports
                    .iter_mut()
                    .find(|t| t.transport_id == a.transport_id)
                {
                    t.status = TransportStatus::Arrived;
                    t.arrived_at = Some(at);
                }
                for p in &a.arrived {
                    if let Some(e) = r.evacuees.get_mut(p) {
                        e.status = EvacueeStatus::Arrived;
                        e.arrived_at = Some(at);
                    }
                }
            }
            E::Closed(_) => r.closed = true,
        }
    }

    /// One evacuation.
    pub fn get(&self, id: EvacuationId) -> Option<&EvacuationRecord> {
        self.records.get(&id)
    }

    /// Every evacuation, newest first.
    pub fn newest_first(&self) -> Vec<&EvacuationRecord> {
        let mut all: Vec<_> = self.records.values().collect();
        all.sort_by(|a, b| b.opened_at.cmp(&a.opened_at).then(a.id.cmp(&b.id)));
        all
    }

    /// The evacuations a person is registered for.
    pub fn of_person(&self, person: PersonId) -> impl Iterator<Item = &EvacuationRecord> {
        self.by_person
            .get(&person)
            .into_iter()
            .flatten()
            .filter_map(|id| self.records.get(id))
    }
}

impl EvacuationRecord {
    /// Counts over every evacuee.
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for e in self.evacuees.values() {
            counts.add(e);
        }
        counts
    }

    /// Counts over the evacuees holding a seat on (or travelling on) one transport.
    pub fn transport_counts(&self, transport: TransportId) -> Counts {
        let mut counts = Counts::default();
        for e in self
            .evacuees
            .values()
            .filter(|e| e.transport_id == Some(transport))
        {
            counts.add(e);
        }
        counts
    }

    /// Evacuees whose whereabouts the evacuation team does not know: registered but
    /// never checked in, or marked no-show.
    pub fn unaccounted(&self) -> Vec<PersonId> {
        self.evacuees
            .values()
            .filter(|e| matches!(e.status, EvacueeStatus::Registered | EvacueeStatus::NoShow))
            .map(|e| e.person_id)
            .collect()
    }

    /// One transport.
    pub fn transport(&self, id: TransportId) -> Option<&TransportRecord> {
        self.transports.iter().find(|t| t.transport_id == id)
    }

    /// The manifest of one transport. `mask` is applied to passport numbers and
    /// `personal` says whether dates of birth may be shown.
    pub fn manifest(
        &self,
        transport: TransportId,
        locator: &Locator,
        personal: bool,
        mask: Masker<'_>,
    ) -> Option<Manifest> {
        let t = self.transport(transport)?.clone();
        let mut passengers: Vec<Passenger> = self
            .evacuees
            .values()
            .filter(|e| e.transport_id == Some(transport))
            .map(|e| {
                let person = locator.get(e.person_id);
                Passenger {
                    seat: e.seat,
                    person_id: e.person_id,
                    full_name: person.map(|p| p.full_name.clone()).unwrap_or_default(),
                    date_of_birth: person
                        .filter(|_| personal)
                        .and_then(|p| p.date_of_birth)
                        .map(|d| d.to_string()),
                    nationality: person.map(|p| p.nationality),
                    passport_number: person.and_then(|p| p.passport_number.as_deref()).map(mask),
                    priority: e.priority,
                    group: e.group.clone(),
                    status: e.status,
                    checked_in_at: e.checked_in_at,
                    boarded_at: e.boarded_at,
                }
            })
            .collect();
        passengers.sort_by_key(|p| (p.seat.unwrap_or(u32::MAX), p.person_id));
        let mut totals = ManifestTotals {
            passengers: passengers.len() as u32,
            free_seats: t.capacity.saturating_sub(passengers.len() as u32),
            ..ManifestTotals::default()
        };
        for p in &passengers {
            if matches!(
                p.status,
                EvacueeStatus::Boarded | EvacueeStatus::Departed | EvacueeStatus::Arrived
            ) {
                totals.boarded += 1;
            }
            let key = serde_json::to_value(p.priority)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            *totals.by_priority.entry(key).or_insert(0) += 1;
        }
        Some(Manifest {
            evacuation_id: self.id,
            transport: t,
            passengers,
            totals,
        })
    }
}

/// The columns of a CSV manifest.
pub const CSV_HEADER: [&str; 15] = [
    "evacuation_id",
    "transport_id",
    "transport",
    "seat",
    "person_id",
    "full_name",
    "date_of_birth",
    "nationality",
    "passport_number",
    "priority",
    "family_group",
    "status",
    "checked_in_at",
    "boarded_at",
    "departs_at",
];

/// Writes manifests as CSV: a header row, then one row per passenger.
pub fn manifests_csv(manifests: &[Manifest]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER)?;
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    for m in manifests {
        for p in &m.passengers {
            w.write_record([
                m.evacuation_id.to_string(),
                m.transport.transport_id.to_string(),
                m.transport.number.clone(),
                p.seat.map(|s| s.to_string()).unwrap_or_default(),
                p.person_id.to_string(),
                p.full_name.clone(),
                p.date_of_birth.clone().unwrap_or_default(),
                p.nationality.map(|n| n.to_string()).unwrap_or_default(),
                p.passport_number.clone().unwrap_or_default(),
                text(&serde_json::json!(p.priority)),
                p.group.clone().unwrap_or_default(),
                p.status.as_str().to_owned(),
                p.checked_in_at.map(|t| t.to_string()).unwrap_or_default(),
                p.boarded_at.map(|t| t.to_string()).unwrap_or_default(),
                m.transport.departs_at.to_string(),
            ])?;
        }
    }
    w.into_inner().map_err(|e| e.into_error().into())
}
