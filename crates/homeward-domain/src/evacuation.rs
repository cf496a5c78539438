//! The evacuation stream: assembly points, transports with capacity and departure
//! time, evacuees registered with a priority and family group, checked in, assigned a
//! seat, boarded, marked no-show or offloaded; transports depart and arrive.
//!
//! Rules: no transport over capacity (a family group that does not fit is refused,
//! never split unless the coordinator says so); a person is on at most one transport
//! at a time; boarding needs check-in and assignment to that transport; nobody is
//! assigned to or boards a transport after it departed; arrival only after departure.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::aggregate::{Aggregate, Context};
use crate::ids::{CountryCode, IncidentId, PersonId, TransportId};
use crate::rejection::Rejection;
use crate::validate::{self, MAX_NOTE, MAX_TITLE};

/// How evacuees travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[allow(missing_docs)]
pub enum TransportMode {
    Flight,
    Ship,
    Bus,
    Train,
}

/// Who goes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[allow(missing_docs)]
pub enum Priority {
    Medical,
    Child,
    Elderly,
    Pregnant,
    Standard,
}

/// Where an evacuee stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[allow(missing_docs)]
pub enum EvacueeStatus {
    Registered,
    CheckedIn,
    Assigned,
    Boarded,
    Departed,
    Arrived,
    NoShow,
}

impl EvacueeStatus {
    /// The status's wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Registered => "registered",
            Self::CheckedIn => "checked_in",
            Self::Assigned => "assigned",
            Self::Boarded => "boarded",
            Self::Departed => "departed",
            Self::Arrived => "arrived",
            Self::NoShow => "no_show",
        }
    }
}

/// Where a transport stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[allow(missing_docs)]
pub enum TransportStatus {
    Scheduled,
    Departed,
    Arrived,
}

/// A transport as scheduled, before checking.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleTransport {
    /// The identifier the edge gave it.
    pub transport_id: TransportId,
    /// Flight, ship, bus or train.
    pub mode: TransportMode,
    /// Airline, shipping line, bus company.
    pub carrier: Option<String>,
    /// Flight or service number.
    pub number: String,
    /// Where from (airport code, port, city).
    pub from: String,
    /// Where to.
    pub to: String,
    /// Scheduled departure.
    pub departs_at: Timestamp,
    /// Seats.
    pub capacity: u32,
}

/// Everything that can be asked of an evacuation.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum EvacuationCommand {
    Open {
        country: String,
        reason: String,
        assembly_points: Vec<String>,
        incident_id: Option<IncidentId>,
        /// Looked up by the edge: whether `incident_id` names an incident.
        incident_known: bool,
    },
    AddAssemblyPoint {
        name: String,
    },
    ScheduleTransport(ScheduleTransport),
    RegisterEvacuee {
        person_id: PersonId,
        priority: Priority,
        group: Option<String>,
        /// Looked up by the edge: whether the person is in the registry.
        person_known: bool,
    },
    CheckIn {
        person_id: PersonId,
        assembly_point: Option<String>,
    },
    Assign {
        person_id: PersonId,
        transport_id: TransportId,
        /// Assign this person alone even if their family group does not fit together.
        split_group: bool,
    },
    Board {
        person_id: PersonId,
        transport_id: TransportId,
    },
    NoShow {
        person_id: PersonId,
    },
    Offload {
        person_id: PersonId,
        reason: String,
    },
    Depart {
        transport_id: TransportId,
        occurred_at: Option<Timestamp>,
    },
    Arrive {
        transport_id: TransportId,
        occurred_at: Option<Timestamp>,
    },
    Close {
        reason: String,
    },
}

impl EvacuationCommand {
    /// The time the command says it happened in the field, if it names one.
    pub fn field_time(&self) -> Option<Timestamp> {
        match self {
            Self::Depart { occurred_at, .. } | Self::Arrive { occurred_at, .. } => *occurred_at,
            _ => None,
        }
    }

    /// A stable name for the command, for the audit trail of rejections.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Open { .. } => "open_evacuation",
            Self::AddAssemblyPoint { .. } => "add_assembly_point",
            Self::ScheduleTransport(_) => "schedule_transport",
            Self::RegisterEvacuee { .. } => "register_evacuee",
            Self::CheckIn { .. } => "check_in_evacuee",
            Self::Assign { .. } => "assign_evacuee",
            Self::Board { .. } => "board_evacuee",
            Self::NoShow { .. } => "mark_no_show",
            Self::Offload { .. } => "offload_evacuee",
            Self::Depart { .. } => "depart_transport",
            Self::Arrive { .. } => "arrive_transport",
            Self::Close { .. } => "close_evacuation",
        }
    }
}

/// The evacuation was opened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct EvacuationOpened {
    pub country: CountryCode,
    pub reason: String,
    pub assembly_points: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<IncidentId>,
}

/// An assembly point was added.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct AssemblyPointAdded {
    pub name: String,
}

/// A transport was scheduled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct TransportScheduled {
    pub transport_id: TransportId,
    pub mode: TransportMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    pub number: String,
    pub from: String,
    pub to: String,
    pub departs_at: Timestamp,
    pub capacity: u32,
}

/// A person was registered for evacuation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct EvacueeRegistered {
    pub person_id: PersonId,
    pub priority: Priority,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// An evacuee checked in at an assembly point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct EvacueeCheckedIn {
    pub person_id: PersonId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assembly_point: Option<String>,
}

/// One person's seat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct Seat {
    pub person_id: PersonId,
    pub seat: u32,
    /// The transport they were moved from, if they were assigned elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<TransportId>,
}

/// Evacuees (a person, or a family group together) were given seats on a transport.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct EvacueesAssigned {
    pub transport_id: TransportId,
    pub seats: Vec<Seat>,
}

/// An evacuee boarded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct EvacueeBoarded {
    pub person_id: PersonId,
    pub transport_id: TransportId,
}

/// An evacuee did not show up; any seat they held is released.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct EvacueeNoShow {
    pub person_id: PersonId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released_from: Option<TransportId>,
}

/// An evacuee was taken off a transport before it left; they stay checked in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct EvacueeOffloaded {
    pub person_id: PersonId,
    pub transport_id: TransportId,
    pub reason: String,
}

/// A transport left: who was aboard, and who held a seat but had not boarded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct TransportDeparted {
    pub transport_id: TransportId,
    pub aboard: Vec<PersonId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_behind: Vec<PersonId>,
}

/// A transport arrived with everyone aboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct TransportArrived {
    pub transport_id: TransportId,
    pub arrived: Vec<PersonId>,
}

/// The evacuation was closed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct EvacuationClosed {
    pub reason: String,
}

crate::event::events! {
    /// Everything that can happen to an evacuation.
    pub enum EvacuationEvent {
        Opened(EvacuationOpened) = ("evacuation.opened", 1),
        AssemblyPointAdded(AssemblyPointAdded) = ("evacuation.assembly_point_added", 1),
        TransportScheduled(TransportScheduled) = ("evacuation.transport_scheduled", 1),
        EvacueeRegistered(EvacueeRegistered) = ("evacuation.evacuee_registered", 1),
        EvacueeCheckedIn(EvacueeCheckedIn) = ("evacuation.evacuee_checked_in", 1),
        EvacueesAssigned(EvacueesAssigned) = ("evacuation.evacuees_assigned", 1),
        EvacueeBoarded(EvacueeBoarded) = ("evacuation.evacuee_boarded", 1),
        EvacueeNoShow(EvacueeNoShow) = ("evacuation.evacuee_no_show", 1),
        EvacueeOffloaded(EvacueeOffloaded) = ("evacuation.evacuee_offloaded", 1),
        TransportDeparted(TransportDeparted) = ("evacuation.transport_departed", 1),
        TransportArrived(TransportArrived) = ("evacuation.transport_arrived", 1),
        Closed(EvacuationClosed) = ("evacuation.closed", 1),
    }
}

/// A transport as `decide` sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transport {
    /// Seats.
    pub capacity: u32,
    /// Where it stands.
    pub status: TransportStatus,
    /// Seat number of each person holding a seat (assigned or boarded).
    pub seats: BTreeMap<PersonId, u32>,
}

impl Transport {
    fn free_seats(&self) -> u32 {
        self.capacity.saturating_sub(self.seats.len() as u32)
    }

    fn next_seats(&self, n: usize) -> Vec<u32> {
        let taken: BTreeSet<u32> = self.seats.values().copied().collect();
        (1..=self.capacity)
            .filter(|s| !taken.contains(s))
            .take(n)
            .collect()
    }
}

/// An evacuee as `decide` sees them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evacuee {
    /// Who goes first.
    pub priority: Priority,
    /// Their family group.
    pub group: Option<String>,
    /// Where they stand.
    pub status: EvacueeStatus,
    /// Whether they checked in (and were not since marked no-show).
    pub checked_in: bool,
    /// The transport they hold a seat on or travel on.
    pub transport: Option<TransportId>,
}

/// What `decide` needs to know about an evacuation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evacuation {
    /// Events folded so far.
    pub version: u64,
    /// Set once opened.
    pub opened: bool,
    /// Set once closed.
    pub closed: bool,
    /// Assembly points.
    pub assembly_points: imbl::OrdSet<String>,
    /// Transports.
    pub transports: imbl::OrdMap<TransportId, Transport>,
    /// Evacuees (persistent maps, like the incident's: a scratch copy of an evacuation
    /// of ten thousand people costs what one of ten does).
    pub evacuees: imbl::OrdMap<PersonId, Evacuee>,
}

impl Evacuation {
    fn active(&self) -> Result<(), Rejection> {
        if !self.opened {
            return Err(Rejection::NotFound { what: "evacuation" });
        }
        if self.closed {
            return Err(Rejection::EvacuationClosed);
        }
        Ok(())
    }

    fn evacuee(&self, id: PersonId) -> Result<&Evacuee, Rejection> {
        self.evacuees
            .get(&id)
            .ok_or(Rejection::NotFound { what: "evacuee" })
    }

    fn transport(&self, id: TransportId) -> Result<&Transport, Rejection> {
        self.transports
            .get(&id)
            .ok_or(Rejection::NotFound { what: "transport" })
    }

    fn not_travelling(e: &Evacuee) -> Result<(), Rejection> {
        match e.status {
            EvacueeStatus::Departed | EvacueeStatus::Arrived => Err(Rejection::AlreadyEvacuated),
            _ => Ok(()),
        }
    }

    /// Members of `person`'s family group who still need a seat on `transport`
    /// (`person` first).
    fn party(&self, person: PersonId, transport: TransportId, split: bool) -> Vec<PersonId> {
        let mut party = vec![person];
        let Some(group) = self.evacuees.get(&person).and_then(|e| e.group.clone()) else {
            return party;
        };
        if split {
            return party;
        }
        for (id, e) in &self.evacuees {
            if *id != person
                && e.group.as_deref() == Some(group.as_str())
                && e.transport != Some(transport)
                && matches!(
                    e.status,
                    EvacueeStatus::Registered | EvacueeStatus::CheckedIn | EvacueeStatus::Assigned
                )
            {
                party.push(*id);
            }
        }
        party
    }
}

impl Aggregate for Evacuation {
    type Command = EvacuationCommand;
    type Event = EvacuationEvent;

    fn decide(
        &self,
        command: &EvacuationCommand,
        ctx: &Context,
    ) -> Result<Vec<EvacuationEvent>, Rejection> {
        use EvacuationCommand as C;
        use EvacuationEvent as E;
        let event = match command {
            C::Open {
                country,
                reason,
                assembly_points,
                incident_id,
                incident_known,
            } => {
                if self.opened {
                    return Err(Rejection::AlreadyExists { what: "evacuation" });
                }
                if incident_id.is_some() && !incident_known {
                    return Err(Rejection::NotFound { what: "incident" });
                }
                let mut points = Vec::new();
                for p in assembly_points {
                    let p = validate::required("assembly_point", p, MAX_TITLE)?;
                    if !points.contains(&p) {
                        points.push(p);
                    }
                }
                E::Opened(EvacuationOpened {
                    country: validate::country(country)?,
                    reason: validate::required("reason", reason, MAX_NOTE)?,
                    assembly_points: points,
                    incident_id: *incident_id,
                })
            }
            C::AddAssemblyPoint { name } => {
                self.active()?;
                let name = validate::required("assembly_point", name, MAX_TITLE)?;
                if self.assembly_points.contains(&name) {
                    return Err(Rejection::AlreadyExists {
                        what: "assembly point",
                    });
                }
                E::AssemblyPointAdded(AssemblyPointAdded { name })
            }
            C::ScheduleTransport(t) => {
                self.active()?;
                if self.transports.contains_key(&t.transport_id) {
                    return Err(Rejection::AlreadyExists { what: "transport" });
                }
                if t.capacity == 0 || t.capacity > 5_000 {
                    return Err(Rejection::InvalidCapacity);
                }
                E::TransportScheduled(TransportScheduled {
                    transport_id: t.transport_id,
                    mode: t.mode,
                    carrier: validate::optional("carrier", t.carrier.as_deref(), MAX_TITLE)?,
                    number: validate::required("number", &t.number, 32)?,
                    from: validate::required("from", &t.from, MAX_TITLE)?,
                    to: validate::required("to", &t.to, MAX_TITLE)?,
                    departs_at: t.departs_at,
                    capacity: t.capacity,
                })
            }
            C::RegisterEvacuee {
                person_id,
                priority,
                group,
                person_known,
            } => {
                self.active()?;
                if !person_known {
                    return Err(Rejection::NotFound { what: "person" });
                }
                if self.evacuees.contains_key(person_id) {
                    return Err(Rejection::AlreadyExists { what: "evacuee" });
                }
                E::EvacueeRegistered(EvacueeRegistered {
                    person_id: *person_id,
                    priority: *priority,
                    group: validate::optional("group", group.as_deref(), 64)?,
                })
            }
            C::CheckIn {
                person_id,
                assembly_point,
            } => {
                self.active()?;
                let e = self.evacuee(*person_id)?;
                Self::not_travelling(e)?;
                if e.checked_in || e.status == EvacueeStatus::Boarded {
                    return Err(Rejection::NoChange);
                }
                let point =
                    validate::optional("assembly_point", assembly_point.as_deref(), MAX_TITLE)?;
                if let Some(p) = &point
                    && !self.assembly_points.contains(p)
                {
                    return Err(Rejection::NotFound {
                        what: "assembly point",
                    });
                }
                E::EvacueeCheckedIn(EvacueeCheckedIn {
                    person_id: *person_id,
                    assembly_point: point,
                })
            }
            C::Assign {
                person_id,
                transport_id,
                split_group,
            } => {
                self.active()?;
                let e = self.evacuee(*person_id)?;
                Self::not_travelling(e)?;
                let t = self.transport(*transport_id)?;
                if t.status != TransportStatus::Scheduled {
                    return Err(Rejection::TransportDeparted);
                }
                if e.transport == Some(*transport_id) {
                    return Err(Rejection::NoChange);
                }
                let party = self.party(*person_id, *transport_id, *split_group);
                for p in &party {
                    let member = self.evacuee(*p)?;
                    if member.status == EvacueeStatus::Boarded {
                        return Err(Rejection::AlreadyOnTransport);
                    }
                }
                if party.len() as u32 > t.free_seats() {
                    return Err(Rejection::OverCapacity {
                        needed: party.len() as u32,
                        free: t.free_seats(),
                    });
                }
                let seats = t
                    .next_seats(party.len())
                    .into_iter()
                    .zip(&party)
                    .map(|(seat, p)| Seat {
                        person_id: *p,
                        seat,
                        moved_from: self.evacuees.get(p).and_then(|m| m.transport),
                    })
                    .collect();
                E::EvacueesAssigned(EvacueesAssigned {
                    transport_id: *transport_id,
                    seats,
                })
            }
            C::Board {
                person_id,
                transport_id,
            } => {
                self.active()?;
                let e = self.evacuee(*person_id)?;
                Self::not_travelling(e)?;
                let t = self.transport(*transport_id)?;
                if t.status != TransportStatus::Scheduled {
                    return Err(Rejection::TransportDeparted);
                }
                if e.status == EvacueeStatus::Boarded {
                    return Err(Rejection::AlreadyOnTransport);
                }
                if !e.checked_in {
                    return Err(Rejection::NotCheckedIn);
                }
                if e.transport != Some(*transport_id) {
                    return Err(Rejection::NotAssigned);
                }
                E::EvacueeBoarded(EvacueeBoarded {
                    person_id: *person_id,
                    transport_id: *transport_id,
                })
            }
            C::NoShow { person_id } => {
                self.active()?;
                let e = self.evacuee(*person_id)?;
                Self::not_travelling(e)?;
                match e.status {
                    EvacueeStatus::NoShow => return Err(Rejection::NoChange),
                    EvacueeStatus::Boarded => return Err(Rejection::AlreadyOnTransport),
                    _ => {}
                }
                E::EvacueeNoShow(EvacueeNoShow {
                    person_id: *person_id,
                    released_from: e.transport,
                })
            }
            C::Offload { person_id, reason } => {
                self.active()?;
                let e = self.evacuee(*person_id)?;
                let transport_id = match (e.status, e.transport) {
                    (EvacueeStatus::Boarded, Some(t)) => t,
                    (EvacueeStatus::Departed | EvacueeStatus::Arrived, _) => {
                        return Err(Rejection::TransportDeparted);
                    }
                    _ => return Err(Rejection::NotBoarded),
                };
                E::EvacueeOffloaded(EvacueeOffloaded {
                    person_id: *person_id,
                    transport_id,
                    reason: validate::reason(reason)?,
                })
            }
            C::Depart {
                transport_id,
                occurred_at,
            } => {
                self.active()?;
                let t = self.transport(*transport_id)?;
                if t.status != TransportStatus::Scheduled {
                    return Err(Rejection::TransportDeparted);
                }
                validate::field_time(*occurred_at, ctx.now)?;
                let (aboard, left_behind): (Vec<PersonId>, Vec<PersonId>) =
                    t.seats.keys().partition(|p| {
                        self.evacuees
                            .get(p)
                            .is_some_and(|e| e.status == EvacueeStatus::Boarded)
                    });
                E::TransportDeparted(TransportDeparted {
                    transport_id: *transport_id,
                    aboard,
                    left_behind,
                })
            }
            C::Arrive {
                transport_id,
                occurred_at,
            } => {
                self.active()?;
                let t = self.transport(*transport_id)?;
                match t.status {
                    TransportStatus::Scheduled => return Err(Rejection::NotDeparted),
                    TransportStatus::Arrived => return Err(Rejection::NoChange),
                    TransportStatus::Departed => {}
                }
                validate::field_time(*occurred_at, ctx.now)?;
                E::TransportArrived(TransportArrived {
                    transport_id: *transport_id,
                    arrived: t.seats.keys().copied().collect(),
                })
            }
            C::Close { reason } => {
                self.active()?;
                E::Closed(EvacuationClosed {
                    reason: validate::reason(reason)?,
                })
            }
        };
        Ok(vec![event])
    }

    fn evolve(mut self, event: &EvacuationEvent) -> Self {
        use EvacuationEvent as E;
        self.version += 1;
        match event {
            E::Opened(o) => {
                self.opened = true;
                self.assembly_points = o.assembly_points.iter().cloned().collect();
            }
            E::AssemblyPointAdded(a) => {
                self.assembly_points.insert(a.name.clone());
            }
            E::TransportScheduled(t) => {
                self.transports.insert(
                    t.transport_id,
                    Transport {
                        capacity: t.capacity,
                        status: TransportStatus::Scheduled,
                        seats: BTreeMap::new(),
                    },
                );
            }
            E::EvacueeRegistered(r) => {
                self.evacuees.insert(
                    r.person_id,
                    Evacuee {
                        priority: r.priority,
                        group: r.group.clone(),
                        status: EvacueeStatus::Registered,
                        checked_in: false,
                        transport: None,
                    },
                );
            }
            E::EvacueeCheckedIn(c) => {
                if let Some(e) = self.evacuees.get_mut(&c.person_id) {
                    e.checked_in = true;
                    if matches!(e.status, EvacueeStatus::Registered | EvacueeStatus::NoShow) {
                        e.status = if e.transport.is_some() {
                            EvacueeStatus::Assigned
                        } else {
                            EvacueeStatus::CheckedIn
                        };
                    }
                }
            }
            E::EvacueesAssigned(a) => {
                for seat in &a.seats {
                    if let Some(from) = seat.moved_from
                        && let Some(t) = self.transports.get_mut(&from)
                    {
                        t.seats.remove(&seat.person_id);
                    }
                    if let Some(t) = self.transports.get_mut(&a.transport_id) {
                        t.seats.insert(seat.person_id, seat.seat);
                    }
                    if let Some(e) = self.evacuees.get_mut(&seat.person_id) {
                        e.transport = Some(a.transport_id);
                        e.status = EvacueeStatus::Assigned;
                    }
                }
            }
            E::EvacueeBoarded(b) => {
                if let Some(e) = self.evacuees.get_mut(&b.person_id) {
                    e.status = EvacueeStatus::Boarded;
                }
            }
            E::EvacueeNoShow(n) => {
                if let Some(t) = n.released_from.and_then(|t| self.transports.get_mut(&t)) {
                    t.seats.remove(&n.person_id);
                }
                if let Some(e) = self.evacuees.get_mut(&n.person_id) {
                    e.status = EvacueeStatus::NoShow;
                    e.checked_in = false;
                    e.transport = None;
                }
            }
            E::EvacueeOffloaded(o) => {
                if let Some(t) = self.transports.get_mut(&o.transport_id) {
                    t.seats.remove(&o.person_id);
                }
                if let Some(e) = self.evacuees.get_mut(&o.person_id) {
                    e.status = EvacueeStatus::CheckedIn;
                    e.transport = None;
                }
            }
            E::TransportDeparted(d) => {
                if let Some(t) = self.transports.get_mut(&d.transport_id) {
                    t.status = TransportStatus::Departed;
                    for p in &d.left_behind {
                        t.seats.remove(p);
                    }
                }
                for p in &d.aboard {
                    if let Some(e) = self.evacuees.get_mut(p) {
                        e.status = EvacueeStatus::Departed;
                    }
                }
                for p in &d.left_behind {
                    if let Some(e) = self.evacuees.get_mut(p) {
                        e.transport = None;
                        e.status = if e.checked_in {
                            EvacueeStatus::CheckedIn
                        } else {
                            EvacueeStatus::Registered
                        };
                    }
                }
            }
            E::TransportArrived(a) => {
                if let Some(t) = self.transports.get_mut(&a.transport_id) {
                    t.status = TransportStatus::Arrived;
                }
                for p in &a.arrived {
                    if let Some(e) = self.evacuees.get_mut(p) {
                        e.status = EvacueeStatus::Arrived;
                    }
                }
            }
            E::Closed(_) => self.closed = true,
        }
        self
    }

    fn version(&self) -> u64 {
        self.version
    }
}
