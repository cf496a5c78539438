//! The evacuation stream's `decide`: every command accepted with its exact event, and
//! every rule that refuses one: capacity, family groups, one transport per person,
//! check-in before boarding, nothing after departure.

#![allow(missing_docs)]

mod support;

use std::collections::{BTreeMap, BTreeSet};

use homeward_domain::evacuation::{
    AssemblyPointAdded, Evacuation, EvacuationClosed, EvacuationCommand, EvacuationEvent,
    EvacuationOpened, Evacuee, EvacueeBoarded, EvacueeCheckedIn, EvacueeNoShow, EvacueeOffloaded,
    EvacueeRegistered, EvacueeStatus, EvacueesAssigned, Priority, ScheduleTransport, Seat,
    Transport, TransportArrived, TransportDeparted, TransportMode, TransportScheduled,
    TransportStatus,
};
use homeward_domain::{PersonId, Rejection, TransportId};
use support::*;

type C = EvacuationCommand;
type E = EvacuationEvent;

// ---------------------------------------------------------------------------------
// Command builders

/// The parts of an `Open` command, defaulting to [`open_evacuation_cmd`]'s.
struct Open {
    country: &'static str,
    reason: &'static str,
    assembly_points: Vec<&'static str>,
    incident_id: Option<homeward_domain::IncidentId>,
    incident_known: bool,
}

impl Default for Open {
    fn default() -> Self {
        Self {
            country: "SD",
            reason: "Fighting in Khartoum",
            assembly_points: vec!["Embassy", "Airport"],
            incident_id: Some(iid(1)),
            incident_known: true,
        }
    }
}

impl Open {
    fn cmd(self) -> C {
        C::Open {
            country: self.country.into(),
            reason: self.reason.into(),
            assembly_points: self.assembly_points.into_iter().map(Into::into).collect(),
            incident_id: self.incident_id,
            incident_known: self.incident_known,
        }
    }
}

fn register(person: PersonId, group: Option<&str>) -> C {
    C::RegisterEvacuee {
        person_id: person,
        priority: Priority::Standard,
        group: group.map(Into::into),
        person_known: true,
    }
}

fn check_in(person: PersonId) -> C {
    C::CheckIn {
        person_id: person,
        assembly_point: Some("Embassy".into()),
    }
}

fn assign(person: PersonId, transport: TransportId) -> C {
    C::Assign {
        person_id: person,
        transport_id: transport,
        split_group: false,
    }
}

fn assign_split(person: PersonId, transport: TransportId) -> C {
    C::Assign {
        person_id: person,
        transport_id: transport,
        split_group: true,
    }
}

fn board(person: PersonId, transport: TransportId) -> C {
    C::Board {
        person_id: person,
        transport_id: transport,
    }
}

fn no_show(person: PersonId) -> C {
    C::NoShow { person_id: person }
}

fn offload(person: PersonId, reason: &str) -> C {
    C::Offload {
        person_id: person,
        reason: reason.into(),
    }
}

fn depart(transport: TransportId) -> C {
    C::Depart {
        transport_id: transport,
        occurred_at: None,
    }
}

fn arrive(transport: TransportId) -> C {
    C::Arrive {
        transport_id: transport,
        occurred_at: None,
    }
}

fn close(reason: &str) -> C {
    C::Close {
        reason: reason.into(),
    }
}

// ---------------------------------------------------------------------------------
// Event builders

fn registered(person: PersonId) -> E {
    evacuee_registered(person, None)
}

fn in_group(person: PersonId, group: &str) -> E {
    evacuee_registered(person, Some(group))
}

fn checked_in(person: PersonId) -> E {
    E::EvacueeCheckedIn(EvacueeCheckedIn {
        person_id: person,
        assembly_point: Some("Embassy".into()),
    })
}

fn seat(person: PersonId, n: u32) -> Seat {
    Seat {
        person_id: person,
        seat: n,
        moved_from: None,
    }
}

fn moved(person: PersonId, n: u32, from: TransportId) -> Seat {
    Seat {
        person_id: person,
        seat: n,
        moved_from: Some(from),
    }
}

fn assigned(transport: TransportId, seats: Vec<Seat>) -> E {
    E::EvacueesAssigned(EvacueesAssigned {
        transport_id: transport,
        seats,
    })
}

fn boarded(person: PersonId, transport: TransportId) -> E {
    E::EvacueeBoarded(EvacueeBoarded {
        person_id: person,
        transport_id: transport,
    })
}

fn no_showed(person: PersonId, released_from: Option<TransportId>) -> E {
    E::EvacueeNoShow(EvacueeNoShow {
        person_id: person,
        released_from,
    })
}

fn offloaded(person: PersonId, transport: TransportId) -> E {
    E::EvacueeOffloaded(EvacueeOffloaded {
        person_id: person,
        transport_id: transport,
        reason: "Medical check".into(),
    })
}

fn departed(transport: TransportId, aboard: Vec<PersonId>, left_behind: Vec<PersonId>) -> E {
    E::TransportDeparted(TransportDeparted {
        transport_id: transport,
        aboard,
        left_behind,
    })
}

fn arrived(transport: TransportId, persons: Vec<PersonId>) -> E {
    E::TransportArrived(TransportArrived {
        transport_id: transport,
        arrived: persons,
    })
}

fn evacuation_closed() -> E {
    E::Closed(EvacuationClosed {
        reason: "All citizens out".into(),
    })
}

// ---------------------------------------------------------------------------------
// Histories

/// Opened, flight 1 with 3 seats, flight 2 with 2 seats.
fn base() -> Vec<E> {
    vec![
        evacuation_opened(),
        transport_scheduled(1, 3),
        transport_scheduled(2, 2),
    ]
}

/// [`base`] followed by `more`.
fn history(more: impl IntoIterator<Item = Vec<E>>) -> Vec<E> {
    let mut events = base();
    for part in more {
        events.extend(part);
    }
    events
}

/// `person` registered, checked in and holding seat `n` on `transport`.
fn ready(person: PersonId, transport: TransportId, n: u32) -> Vec<E> {
    vec![
        registered(person),
        checked_in(person),
        assigned(transport, vec![seat(person, n)]),
    ]
}

/// `person` [`ready`] and boarded.
fn aboard(person: PersonId, transport: TransportId, n: u32) -> Vec<E> {
    let mut events = ready(person, transport, n);
    events.push(boarded(person, transport));
    events
}

/// A busy evacuation on which each of [`every_command_but_open`] is accepted:
/// `pid(1)` aboard flight 1, `pid(2)` registered only, `pid(4)` ready on flight 2,
/// flight 3 (one seat) departed empty.
fn busy() -> Vec<E> {
    history([
        aboard(pid(1), trid(1), 1),
        vec![registered(pid(2))],
        ready(pid(4), trid(2), 1),
        vec![transport_scheduled(3, 1), departed(trid(3), vec![], vec![])],
    ])
}

/// Every command but `Open`, each accepted on [`busy`].
fn every_command_but_open() -> Vec<C> {
    vec![
        C::AddAssemblyPoint {
            name: "Port Sudan".into(),
        },
        schedule_transport_cmd(4, 10),
        register(pid(3), None),
        check_in(pid(2)),
        assign(pid(2), trid(1)),
        board(pid(4), trid(2)),
        no_show(pid(2)),
        offload(pid(1), "Medical check"),
        depart(trid(1)),
        arrive(trid(3)),
        close("All citizens out"),
    ]
}

// ---------------------------------------------------------------------------------
// State helpers

fn transport(state: &Evacuation, n: u128) -> &Transport {
    state
        .transports
        .get(&trid(n))
        .unwrap_or_else(|| panic!("transport {n} is scheduled"))
}

fn evacuee(state: &Evacuation, person: PersonId) -> &Evacuee {
    state
        .evacuees
        .get(&person)
        .unwrap_or_else(|| panic!("{person:?} is registered"))
}

fn seats(pairs: &[(PersonId, u32)]) -> BTreeMap<PersonId, u32> {
    pairs.iter().copied().collect()
}

fn free(state: &Evacuation, n: u128) -> u32 {
    let t = transport(state, n);
    t.capacity - t.seats.len() as u32
}

// ---------------------------------------------------------------------------------
// Open

#[test]
fn open_an_evacuation_tied_to_an_incident() {
    assert_eq!(Open::default().cmd(), open_evacuation_cmd());
    let state = given::<Evacuation>(vec![])
        .when(open_evacuation_cmd())
        .then(vec![evacuation_opened()]);
    assert!(state.opened);
    assert!(!state.closed);
    assert_eq!(
        state
            .assembly_points
            .iter()
            .cloned()
            .collect::<BTreeSet<_>>(),
        BTreeSet::from(["Airport".to_owned(), "Embassy".to_owned()])
    );
    assert!(state.transports.is_empty());
    assert!(state.evacuees.is_empty());
    assert_eq!(state.version, 1);
}

#[test]
fn open_without_an_incident_needs_no_lookup_and_trims_text() {
    given::<Evacuation>(vec![])
        .when(C::Open {
            country: " sd ".into(),
            reason: "  Fighting in Khartoum  ".into(),
            assembly_points: vec![],
            incident_id: None,
            incident_known: false,
        })
        .then(vec![E::Opened(EvacuationOpened {
            country: country("SD"),
            reason: "Fighting in Khartoum".into(),
            assembly_points: vec![],
            incident_id: None,
        })]);
}

#[test]
fn duplicate_assembly_points_collapse_in_the_order_first_named() {
    let state = given::<Evacuation>(vec![])
        .when(
            Open {
                assembly_points: vec![" Embassy ", "Airport", "Embassy", "Airport  ", "Hotel Nile"],
                ..Open::default()
            }
            .cmd(),
        )
        .then(vec![E::Opened(EvacuationOpened {
            assembly_points: vec!["Embassy".into(), "Airport".into(), "Hotel Nile".into()],
            ..match evacuation_opened() {
                E::Opened(o) => o,
                other => unreachable!("evacuation_opened is Opened, not {other:?}"),
            }
        })]);
    assert_eq!(state.assembly_points.len(), 3);
}

#[test]
fn open_refuses_an_unknown_country() {
    for (code, shown) in [("XX", "XX"), ("Sudan", "Sudan"), ("", "")] {
        given::<Evacuation>(vec![])
            .when(
                Open {
                    country: code,
                    ..Open::default()
                }
                .cmd(),
            )
            .then_rejected(Rejection::UnknownCountry { code: shown.into() });
    }
}

#[test]
fn open_refuses_an_empty_reason() {
    for reason in ["", "   "] {
        given::<Evacuation>(vec![])
            .when(
                Open {
                    reason,
                    ..Open::default()
                }
                .cmd(),
            )
            .then_rejected(Rejection::Empty { field: "reason" });
    }
}

#[test]
fn open_refuses_an_unknown_incident() {
    given::<Evacuation>(vec![])
        .when(
            Open {
                incident_id: Some(iid(9)),
                incident_known: false,
                ..Open::default()
            }
            .cmd(),
        )
        .then_rejected(Rejection::NotFound { what: "incident" });
}

#[test]
fn open_refuses_a_blank_assembly_point() {
    given::<Evacuation>(vec![])
        .when(
            Open {
                assembly_points: vec!["Embassy", "  "],
                ..Open::default()
            }
            .cmd(),
        )
        .then_rejected(Rejection::Empty {
            field: "assembly_point",
        });
}

#[test]
fn an_evacuation_opens_once() {
    given::<Evacuation>(vec![evacuation_opened()])
        .when(open_evacuation_cmd())
        .then_rejected(Rejection::AlreadyExists { what: "evacuation" });
    // Not even once it is closed: a closed evacuation is not reopened by opening it.
    given::<Evacuation>(vec![evacuation_opened(), evacuation_closed()])
        .when(open_evacuation_cmd())
        .then_rejected(Rejection::AlreadyExists { what: "evacuation" });
}

// ---------------------------------------------------------------------------------
// Unopened and closed evacuations

#[test]
fn every_command_but_open_is_accepted_on_the_busy_fixture() {
    // Guards the two tests below: each command there is refused only because of the
    // evacuation's state, not because it is wrong in itself.
    for command in every_command_but_open() {
        given::<Evacuation>(busy()).when(command).then_accepted();
    }
}

#[test]
fn an_unopened_evacuation_refuses_everything_but_open() {
    for command in every_command_but_open() {
        given::<Evacuation>(vec![])
            .when(command)
            .then_rejected(Rejection::NotFound { what: "evacuation" });
    }
}

#[test]
fn a_closed_evacuation_refuses_everything() {
    let mut closed = busy();
    closed.push(evacuation_closed());
    for command in every_command_but_open() {
        given::<Evacuation>(closed.clone())
            .when(command)
            .then_rejected(Rejection::EvacuationClosed);
    }
}

// ---------------------------------------------------------------------------------
// Assembly points

#[test]
fn add_an_assembly_point_and_check_in_there() {
    let state = given::<Evacuation>(base())
        .when(C::AddAssemblyPoint {
            name: "  Port Sudan ".into(),
        })
        .then(vec![E::AssemblyPointAdded(AssemblyPointAdded {
            name: "Port Sudan".into(),
        })]);
    assert!(state.assembly_points.contains("Port Sudan"));

    given::<Evacuation>(history([vec![
        E::AssemblyPointAdded(AssemblyPointAdded {
            name: "Port Sudan".into(),
        }),
        registered(pid(1)),
    ]]))
    .when(C::CheckIn {
        person_id: pid(1),
        assembly_point: Some("Port Sudan".into()),
    })
    .then(vec![E::EvacueeCheckedIn(EvacueeCheckedIn {
        person_id: pid(1),
        assembly_point: Some("Port Sudan".into()),
    })]);
}

#[test]
fn an_assembly_point_is_added_once() {
    for name in ["Embassy", " Airport "] {
        given::<Evacuation>(base())
            .when(C::AddAssemblyPoint { name: name.into() })
            .then_rejected(Rejection::AlreadyExists {
                what: "assembly point",
            });
    }
}

#[test]
fn an_assembly_point_needs_a_name() {
    given::<Evacuation>(base())
        .when(C::AddAssemblyPoint { name: "   ".into() })
        .then_rejected(Rejection::Empty {
            field: "assembly_point",
        });
}

// ---------------------------------------------------------------------------------
// Transports

#[test]
fn schedule_a_transport() {
    let state = given::<Evacuation>(vec![evacuation_opened()])
        .when(C::ScheduleTransport(ScheduleTransport {
            mode: TransportMode::Ship,
            carrier: Some("  ".into()),
            number: " PS-7 ".into(),
            from: " Port Sudan ".into(),
            to: "Jeddah".into(),
            capacity: 400,
            ..schedule_transport(1, 3)
        }))
        .then(vec![E::TransportScheduled(TransportScheduled {
            transport_id: trid(1),
            mode: TransportMode::Ship,
            carrier: None,
            number: "PS-7".into(),
            from: "Port Sudan".into(),
            to: "Jeddah".into(),
            departs_at: now_plus_secs(7_200),
            capacity: 400,
        })]);
    assert_eq!(
        transport(&state, 1),
        &Transport {
            capacity: 400,
            status: TransportStatus::Scheduled,
            seats: BTreeMap::new(),
        }
    );
}

#[test]
fn the_fixture_transport_is_scheduled_as_built() {
    given::<Evacuation>(vec![evacuation_opened()])
        .when(schedule_transport_cmd(1, 3))
        .then(vec![transport_scheduled(1, 3)]);
}

#[test]
fn a_transport_has_one_to_five_thousand_seats() {
    for capacity in [0, 5_001, u32::MAX] {
        given::<Evacuation>(vec![evacuation_opened()])
            .when(schedule_transport_cmd(1, capacity))
            .then_rejected(Rejection::InvalidCapacity);
    }
    for capacity in [1, 5_000] {
        given::<Evacuation>(vec![evacuation_opened()])
            .when(schedule_transport_cmd(1, capacity))
            .then(vec![transport_scheduled(1, capacity)]);
    }
}

#[test]
fn a_transport_id_is_used_once() {
    given::<Evacuation>(base())
        .when(schedule_transport_cmd(1, 50))
        .then_rejected(Rejection::AlreadyExists { what: "transport" });
}

#[test]
fn a_transport_needs_a_number_and_a_route() {
    let mut blank_number = schedule_transport(1, 3);
    blank_number.number = "  ".into();
    let mut blank_from = schedule_transport(1, 3);
    blank_from.from = String::new();
    let mut blank_to = schedule_transport(1, 3);
    blank_to.to = " ".into();
    for (body, field) in [
        (blank_number, "number"),
        (blank_from, "from"),
        (blank_to, "to"),
    ] {
        given::<Evacuation>(vec![evacuation_opened()])
            .when(C::ScheduleTransport(body))
            .then_rejected(Rejection::Empty { field });
    }
}

// ---------------------------------------------------------------------------------
// Registering evacuees

#[test]
fn register_an_evacuee_with_priority_and_family_group() {
    let state = given::<Evacuation>(base())
        .when(C::RegisterEvacuee {
            person_id: pid(1),
            priority: Priority::Child,
            group: Some(" Diallo family ".into()),
            person_known: true,
        })
        .then(vec![E::EvacueeRegistered(EvacueeRegistered {
            person_id: pid(1),
            priority: Priority::Child,
            group: Some("Diallo family".into()),
        })]);
    assert_eq!(
        evacuee(&state, pid(1)),
        &Evacuee {
            priority: Priority::Child,
            group: Some("Diallo family".into()),
            status: EvacueeStatus::Registered,
            checked_in: false,
            transport: None,
        }
    );
}

#[test]
fn a_blank_group_is_no_group() {
    given::<Evacuation>(base())
        .when(register(pid(1), Some("   ")))
        .then(vec![registered(pid(1))]);
}

#[test]
fn register_refuses_a_person_not_in_the_registry() {
    given::<Evacuation>(base())
        .when(C::RegisterEvacuee {
            person_id: pid(1),
            priority: Priority::Medical,
            group: None,
            person_known: false,
        })
        .then_rejected(Rejection::NotFound { what: "person" });
}

#[test]
fn an_evacuee_is_registered_once() {
    given::<Evacuation>(history([vec![registered(pid(1))]]))
        .when(C::RegisterEvacuee {
            person_id: pid(1),
            priority: Priority::Elderly,
            group: Some("Diallo".into()),
            person_known: true,
        })
        .then_rejected(Rejection::AlreadyExists { what: "evacuee" });
}

// ---------------------------------------------------------------------------------
// Check-in

#[test]
fn check_in_at_an_assembly_point() {
    let state = given::<Evacuation>(history([vec![registered(pid(1))]]))
        .when(C::CheckIn {
            person_id: pid(1),
            assembly_point: Some(" Embassy ".into()),
        })
        .then(vec![checked_in(pid(1))]);
    let e = evacuee(&state, pid(1));
    assert_eq!(e.status, EvacueeStatus::CheckedIn);
    assert!(e.checked_in);
}

#[test]
fn check_in_without_naming_a_point() {
    for point in [None, Some("  ".to_owned())] {
        given::<Evacuation>(history([vec![registered(pid(1))]]))
            .when(C::CheckIn {
                person_id: pid(1),
                assembly_point: point,
            })
            .then(vec![E::EvacueeCheckedIn(EvacueeCheckedIn {
                person_id: pid(1),
                assembly_point: None,
            })]);
    }
}

#[test]
fn check_in_refuses_an_unknown_evacuee() {
    given::<Evacuation>(base())
        .when(check_in(pid(1)))
        .then_rejected(Rejection::NotFound { what: "evacuee" });
}

#[test]
fn check_in_refuses_an_unknown_assembly_point() {
    given::<Evacuation>(history([vec![registered(pid(1))]]))
        .when(C::CheckIn {
            person_id: pid(1),
            assembly_point: Some("Central station".into()),
        })
        .then_rejected(Rejection::NotFound {
            what: "assembly point",
        });
}

#[test]
fn checking_in_twice_changes_nothing() {
    for h in [
        vec![registered(pid(1)), checked_in(pid(1))],
        ready(pid(1), trid(1), 1),
        aboard(pid(1), trid(1), 1),
    ] {
        given::<Evacuation>(history([h]))
            .when(check_in(pid(1)))
            .then_rejected(Rejection::NoChange);
    }
}

#[test]
fn an_assigned_evacuee_checks_in_and_keeps_the_seat() {
    let state = given::<Evacuation>(history([vec![
        registered(pid(1)),
        assigned(trid(1), vec![seat(pid(1), 1)]),
    ]]))
    .when(check_in(pid(1)))
    .then(vec![checked_in(pid(1))]);
    let e = evacuee(&state, pid(1));
    assert_eq!(e.status, EvacueeStatus::Assigned);
    assert!(e.checked_in);
    assert_eq!(e.transport, Some(trid(1)));
}

#[test]
fn a_no_show_may_check_in_later() {
    let state = given::<Evacuation>(history([vec![
        registered(pid(1)),
        checked_in(pid(1)),
        no_showed(pid(1), None),
    ]]))
    .when(check_in(pid(1)))
    .then(vec![checked_in(pid(1))]);
    let e = evacuee(&state, pid(1));
    assert_eq!(e.status, EvacueeStatus::CheckedIn);
    assert!(e.checked_in);
    assert_eq!(e.transport, None);
}

#[test]
fn a_departed_or_arrived_evacuee_cannot_check_in() {
    let gone = history([
        aboard(pid(1), trid(1), 1),
        vec![departed(trid(1), vec![pid(1)], vec![])],
    ]);
    let mut there = gone.clone();
    there.push(arrived(trid(1), vec![pid(1)]));
    for h in [gone, there] {
        given::<Evacuation>(h)
            .when(check_in(pid(1)))
            .then_rejected(Rejection::AlreadyEvacuated);
    }
}

// ---------------------------------------------------------------------------------
// Assigning seats

#[test]
fn seats_are_numbered_from_one() {
    let state = given::<Evacuation>(history([vec![registered(pid(1))]]))
        .when(assign(pid(1), trid(1)))
        .then(vec![assigned(trid(1), vec![seat(pid(1), 1)])]);
    assert_eq!(transport(&state, 1).seats, seats(&[(pid(1), 1)]));
    let e = evacuee(&state, pid(1));
    assert_eq!(e.status, EvacueeStatus::Assigned);
    assert_eq!(e.transport, Some(trid(1)));
    // Assignment alone does not check anyone in: boarding will ask for it.
    assert!(!e.checked_in);
}

#[test]
fn the_lowest_free_seat_is_given() {
    // Seats 1, 2 and 3 taken; seat 2 released by a no-show.
    let h = history([
        ready(pid(1), trid(1), 1),
        ready(pid(2), trid(1), 2),
        ready(pid(3), trid(1), 3),
        vec![no_showed(pid(2), Some(trid(1))), registered(pid(4))],
    ]);
    let state = given::<Evacuation>(h)
        .when(assign(pid(4), trid(1)))
        .then(vec![assigned(trid(1), vec![seat(pid(4), 2)])]);
    assert_eq!(
        transport(&state, 1).seats,
        seats(&[(pid(1), 1), (pid(4), 2), (pid(3), 3)])
    );
}

#[test]
fn a_full_transport_refuses_one_more() {
    given::<Evacuation>(history([
        ready(pid(1), trid(2), 1),
        ready(pid(2), trid(2), 2),
        vec![registered(pid(3))],
    ]))
    .when(assign(pid(3), trid(2)))
    .then_rejected(Rejection::OverCapacity { needed: 1, free: 0 });
}

#[test]
fn assign_refuses_an_unknown_evacuee_or_transport() {
    given::<Evacuation>(base())
        .when(assign(pid(1), trid(1)))
        .then_rejected(Rejection::NotFound { what: "evacuee" });
    given::<Evacuation>(history([vec![registered(pid(1))]]))
        .when(assign(pid(1), trid(9)))
        .then_rejected(Rejection::NotFound { what: "transport" });
}

/// `pid(1)`, `pid(2)`, `pid(3)` in the Diallo family, registered out of order;
/// `pid(4)` in another family and `pid(5)` alone.
fn diallo_family() -> Vec<E> {
    vec![
        in_group(pid(3), "Diallo"),
        in_group(pid(1), "Diallo"),
        in_group(pid(4), "Ba"),
        in_group(pid(2), "Diallo"),
        registered(pid(5)),
    ]
}

#[test]
fn a_family_group_is_assigned_together_in_one_event_the_person_first() {
    let state = given::<Evacuation>(history([diallo_family()]))
        .when(assign(pid(2), trid(1)))
        .then(vec![assigned(
            trid(1),
            vec![seat(pid(2), 1), seat(pid(1), 2), seat(pid(3), 3)],
        )]);
    assert_eq!(
        transport(&state, 1).seats,
        seats(&[(pid(2), 1), (pid(1), 2), (pid(3), 3)])
    );
    for p in [pid(1), pid(2), pid(3)] {
        assert_eq!(evacuee(&state, p).transport, Some(trid(1)));
        assert_eq!(evacuee(&state, p).status, EvacueeStatus::Assigned);
    }
    for p in [pid(4), pid(5)] {
        assert_eq!(evacuee(&state, p).transport, None, "{p:?} is not family");
    }
}

#[test]
fn a_family_group_that_does_not_fit_is_refused_whole() {
    // Flight 2 has 2 seats for a family of 3.
    let h = history([diallo_family()]);
    given::<Evacuation>(h.clone())
        .when(assign(pid(1), trid(2)))
        .then_rejected(Rejection::OverCapacity { needed: 3, free: 2 });

    // Flight 1 has 3 seats, one taken: 2 free for 3.
    let mut one_taken = h.clone();
    one_taken.push(assigned(trid(1), vec![seat(pid(5), 1)]));
    let scenario = given::<Evacuation>(one_taken);
    assert!(
        scenario
            .state()
            .evacuees
            .iter()
            .filter(|(p, _)| **p != pid(5))
            .all(|(_, e)| e.transport.is_none())
    );
    scenario
        .when(assign(pid(3), trid(1)))
        .then_rejected(Rejection::OverCapacity { needed: 3, free: 2 });

    // Nothing was half-applied: the same family still fits whole where there is room.
    given::<Evacuation>(h)
        .when(assign(pid(3), trid(1)))
        .then(vec![assigned(
            trid(1),
            vec![seat(pid(3), 1), seat(pid(1), 2), seat(pid(2), 3)],
        )]);
}

#[test]
fn split_group_assigns_the_person_alone() {
    let state = given::<Evacuation>(history([diallo_family()]))
        .when(assign_split(pid(1), trid(2)))
        .then(vec![assigned(trid(2), vec![seat(pid(1), 1)])]);
    assert_eq!(transport(&state, 2).seats, seats(&[(pid(1), 1)]));
    assert_eq!(evacuee(&state, pid(2)).transport, None);
    assert_eq!(evacuee(&state, pid(3)).transport, None);
}

#[test]
fn split_group_still_needs_a_free_seat() {
    given::<Evacuation>(history([
        diallo_family(),
        vec![assigned(trid(2), vec![seat(pid(4), 1), seat(pid(5), 2)])],
    ]))
    .when(assign_split(pid(1), trid(2)))
    .then_rejected(Rejection::OverCapacity { needed: 1, free: 0 });
}

#[test]
fn family_members_already_on_the_transport_are_not_seated_twice() {
    let h = history([
        diallo_family(),
        vec![assigned(trid(1), vec![seat(pid(2), 1)])],
    ]);
    let state = given::<Evacuation>(h)
        .when(assign(pid(1), trid(1)))
        .then(vec![assigned(
            trid(1),
            vec![seat(pid(1), 2), seat(pid(3), 3)],
        )]);
    assert_eq!(transport(&state, 1).seats.len(), 3);
}

#[test]
fn a_family_member_seated_elsewhere_moves_with_the_family() {
    let h = history([
        diallo_family(),
        vec![assigned(trid(2), vec![seat(pid(3), 1)])],
    ]);
    let state = given::<Evacuation>(h)
        .when(assign(pid(1), trid(1)))
        .then(vec![assigned(
            trid(1),
            vec![seat(pid(1), 1), seat(pid(2), 2), moved(pid(3), 3, trid(2))],
        )]);
    assert!(transport(&state, 2).seats.is_empty());
    assert_eq!(evacuee(&state, pid(3)).transport, Some(trid(1)));
}

#[test]
fn family_members_aboard_gone_or_no_show_are_not_part_of_the_party() {
    // pid(3) is aboard flight 2, pid(2) was a no-show: pid(1) travels alone on flight 1,
    // and nobody is taken off flight 2 to follow.
    let h = history([
        diallo_family(),
        vec![
            checked_in(pid(3)),
            assigned(trid(2), vec![seat(pid(3), 1)]),
            boarded(pid(3), trid(2)),
            no_showed(pid(2), None),
        ],
    ]);
    let state = given::<Evacuation>(h.clone())
        .when(assign(pid(1), trid(1)))
        .then(vec![assigned(trid(1), vec![seat(pid(1), 1)])]);
    assert_eq!(transport(&state, 2).seats, seats(&[(pid(3), 1)]));
    assert_eq!(evacuee(&state, pid(3)).status, EvacueeStatus::Boarded);

    // The same once flight 2 has left.
    let mut gone = h;
    gone.push(departed(trid(2), vec![pid(3)], vec![]));
    given::<Evacuation>(gone)
        .when(assign(pid(1), trid(1)))
        .then(vec![assigned(trid(1), vec![seat(pid(1), 1)])]);
}

#[test]
fn nobody_is_assigned_to_a_departed_or_arrived_transport() {
    let gone = history([
        vec![registered(pid(1))],
        vec![departed(trid(2), vec![], vec![])],
    ]);
    let mut there = gone.clone();
    there.push(arrived(trid(2), vec![]));
    for h in [gone, there] {
        given::<Evacuation>(h.clone())
            .when(assign(pid(1), trid(2)))
            .then_rejected(Rejection::TransportDeparted);
        given::<Evacuation>(h)
            .when(assign_split(pid(1), trid(2)))
            .then_rejected(Rejection::TransportDeparted);
    }
}

#[test]
fn reassigning_moves_the_evacuee_and_frees_the_old_seat() {
    // Flight 2 is full with pid(1) in seat 1 and pid(2) in seat 2.
    let h = history([
        ready(pid(1), trid(2), 1),
        ready(pid(2), trid(2), 2),
        vec![registered(pid(3))],
    ]);
    let state = given::<Evacuation>(h.clone())
        .when(assign(pid(1), trid(1)))
        .then(vec![assigned(trid(1), vec![moved(pid(1), 1, trid(2))])]);
    assert_eq!(transport(&state, 2).seats, seats(&[(pid(2), 2)]));
    assert_eq!(free(&state, 2), 1);
    assert_eq!(transport(&state, 1).seats, seats(&[(pid(1), 1)]));
    let e = evacuee(&state, pid(1));
    assert_eq!(e.transport, Some(trid(1)));
    assert!(e.checked_in, "moving keeps the check-in");

    // The freed seat can be given to someone else.
    let mut after = h;
    after.push(assigned(trid(1), vec![moved(pid(1), 1, trid(2))]));
    given::<Evacuation>(after)
        .when(assign(pid(3), trid(2)))
        .then(vec![assigned(trid(2), vec![seat(pid(3), 1)])]);
}

#[test]
fn a_boarded_evacuee_cannot_be_assigned_elsewhere() {
    for command in [assign(pid(1), trid(2)), assign_split(pid(1), trid(2))] {
        given::<Evacuation>(history([aboard(pid(1), trid(1), 1)]))
            .when(command)
            .then_rejected(Rejection::AlreadyOnTransport);
    }
}

#[test]
fn an_evacuee_who_left_cannot_be_assigned() {
    let gone = history([
        aboard(pid(1), trid(1), 1),
        vec![departed(trid(1), vec![pid(1)], vec![])],
    ]);
    let mut there = gone.clone();
    there.push(arrived(trid(1), vec![pid(1)]));
    for h in [gone, there] {
        given::<Evacuation>(h)
            .when(assign(pid(1), trid(2)))
            .then_rejected(Rejection::AlreadyEvacuated);
    }
}

#[test]
fn assigning_to_the_same_transport_again_changes_nothing() {
    for h in [ready(pid(1), trid(1), 1), aboard(pid(1), trid(1), 1)] {
        given::<Evacuation>(history([h]))
            .when(assign(pid(1), trid(1)))
            .then_rejected(Rejection::NoChange);
    }
}

// ---------------------------------------------------------------------------------
// Boarding

#[test]
fn board_a_checked_in_evacuee_with_a_seat() {
    let state = given::<Evacuation>(history([ready(pid(1), trid(1), 1)]))
        .when(board(pid(1), trid(1)))
        .then(vec![boarded(pid(1), trid(1))]);
    let e = evacuee(&state, pid(1));
    assert_eq!(e.status, EvacueeStatus::Boarded);
    assert_eq!(e.transport, Some(trid(1)));
    assert_eq!(transport(&state, 1).seats, seats(&[(pid(1), 1)]));
}

#[test]
fn boarding_needs_check_in() {
    given::<Evacuation>(history([vec![
        registered(pid(1)),
        assigned(trid(1), vec![seat(pid(1), 1)]),
    ]]))
    .when(board(pid(1), trid(1)))
    .then_rejected(Rejection::NotCheckedIn);
}

#[test]
fn boarding_needs_a_seat_on_that_transport() {
    // A seat on another transport.
    given::<Evacuation>(history([ready(pid(1), trid(1), 1)]))
        .when(board(pid(1), trid(2)))
        .then_rejected(Rejection::NotAssigned);
    // No seat at all.
    given::<Evacuation>(history([vec![registered(pid(1)), checked_in(pid(1))]]))
        .when(board(pid(1), trid(1)))
        .then_rejected(Rejection::NotAssigned);
}

#[test]
fn boarding_refuses_an_unknown_evacuee_or_transport() {
    given::<Evacuation>(base())
        .when(board(pid(1), trid(1)))
        .then_rejected(Rejection::NotFound { what: "evacuee" });
    given::<Evacuation>(history([ready(pid(1), trid(1), 1)]))
        .when(board(pid(1), trid(9)))
        .then_rejected(Rejection::NotFound { what: "transport" });
}

#[test]
fn nobody_boards_after_departure() {
    // pid(2) held a seat but was left behind when flight 1 left.
    let h = history([
        aboard(pid(1), trid(1), 1),
        ready(pid(2), trid(1), 2),
        vec![departed(trid(1), vec![pid(1)], vec![pid(2)])],
    ]);
    given::<Evacuation>(h)
        .when(board(pid(2), trid(1)))
        .then_rejected(Rejection::TransportDeparted);
}

#[test]
fn boarding_twice_is_refused() {
    for t in [trid(1), trid(2)] {
        given::<Evacuation>(history([aboard(pid(1), trid(1), 1)]))
            .when(board(pid(1), t))
            .then_rejected(Rejection::AlreadyOnTransport);
    }
}

// ---------------------------------------------------------------------------------
// No-show

#[test]
fn a_no_show_releases_the_seat_and_may_be_assigned_again() {
    let h = history([ready(pid(1), trid(1), 1)]);
    let state = given::<Evacuation>(h.clone())
        .when(no_show(pid(1)))
        .then(vec![no_showed(pid(1), Some(trid(1)))]);
    assert!(transport(&state, 1).seats.is_empty());
    let e = evacuee(&state, pid(1));
    assert_eq!(e.status, EvacueeStatus::NoShow);
    assert!(!e.checked_in);
    assert_eq!(e.transport, None);

    let mut later = h;
    later.push(no_showed(pid(1), Some(trid(1))));
    given::<Evacuation>(later.clone())
        .when(assign(pid(1), trid(1)))
        .then(vec![assigned(trid(1), vec![seat(pid(1), 1)])]);
    // But not board before checking in again.
    later.push(assigned(trid(1), vec![seat(pid(1), 1)]));
    given::<Evacuation>(later)
        .when(board(pid(1), trid(1)))
        .then_rejected(Rejection::NotCheckedIn);
}

#[test]
fn a_no_show_frees_a_seat_on_a_full_transport() {
    let h = history([
        ready(pid(1), trid(2), 1),
        ready(pid(2), trid(2), 2),
        vec![registered(pid(3)), no_showed(pid(1), Some(trid(2)))],
    ]);
    given::<Evacuation>(h)
        .when(assign(pid(3), trid(2)))
        .then(vec![assigned(trid(2), vec![seat(pid(3), 1)])]);
}

#[test]
fn a_no_show_without_a_seat_releases_nothing() {
    given::<Evacuation>(history([vec![registered(pid(1))]]))
        .when(no_show(pid(1)))
        .then(vec![no_showed(pid(1), None)]);
}

#[test]
fn a_boarded_evacuee_is_not_a_no_show() {
    given::<Evacuation>(history([aboard(pid(1), trid(1), 1)]))
        .when(no_show(pid(1)))
        .then_rejected(Rejection::AlreadyOnTransport);
}

#[test]
fn no_show_twice_changes_nothing() {
    given::<Evacuation>(history([vec![registered(pid(1)), no_showed(pid(1), None)]]))
        .when(no_show(pid(1)))
        .then_rejected(Rejection::NoChange);
}

#[test]
fn an_evacuee_who_left_is_not_a_no_show() {
    given::<Evacuation>(history([
        aboard(pid(1), trid(1), 1),
        vec![departed(trid(1), vec![pid(1)], vec![])],
    ]))
    .when(no_show(pid(1)))
    .then_rejected(Rejection::AlreadyEvacuated);
    given::<Evacuation>(base())
        .when(no_show(pid(1)))
        .then_rejected(Rejection::NotFound { what: "evacuee" });
}

// ---------------------------------------------------------------------------------
// Offloading

#[test]
fn offload_a_boarded_evacuee() {
    let state = given::<Evacuation>(history([aboard(pid(1), trid(1), 1)]))
        .when(offload(pid(1), "  Medical check "))
        .then(vec![offloaded(pid(1), trid(1))]);
    assert!(transport(&state, 1).seats.is_empty());
    let e = evacuee(&state, pid(1));
    assert_eq!(e.status, EvacueeStatus::CheckedIn);
    assert!(e.checked_in, "an offloaded evacuee stays checked in");
    assert_eq!(e.transport, None);
}

#[test]
fn an_offloaded_evacuee_boards_another_transport_after_assignment() {
    let h = history([aboard(pid(1), trid(1), 1), vec![offloaded(pid(1), trid(1))]]);
    // No seat anywhere now, not even on the transport they left.
    for t in [trid(1), trid(2)] {
        given::<Evacuation>(h.clone())
            .when(board(pid(1), t))
            .then_rejected(Rejection::NotAssigned);
    }
    given::<Evacuation>(h.clone())
        .when(assign(pid(1), trid(2)))
        .then(vec![assigned(trid(2), vec![seat(pid(1), 1)])]);
    let mut later = h;
    later.push(assigned(trid(2), vec![seat(pid(1), 1)]));
    // No new check-in is needed.
    given::<Evacuation>(later)
        .when(board(pid(1), trid(2)))
        .then(vec![boarded(pid(1), trid(2))]);
}

#[test]
fn offloading_frees_the_seat() {
    let h = history([
        aboard(pid(1), trid(2), 1),
        ready(pid(2), trid(2), 2),
        vec![registered(pid(3))],
    ]);
    given::<Evacuation>(h.clone())
        .when(assign(pid(3), trid(2)))
        .then_rejected(Rejection::OverCapacity { needed: 1, free: 0 });
    let mut later = h;
    later.push(offloaded(pid(1), trid(2)));
    given::<Evacuation>(later)
        .when(assign(pid(3), trid(2)))
        .then(vec![assigned(trid(2), vec![seat(pid(3), 1)])]);
}

#[test]
fn only_a_boarded_evacuee_is_offloaded() {
    for h in [
        vec![registered(pid(1))],
        vec![registered(pid(1)), checked_in(pid(1))],
        ready(pid(1), trid(1), 1),
        vec![registered(pid(1)), no_showed(pid(1), None)],
    ] {
        given::<Evacuation>(history([h]))
            .when(offload(pid(1), "Medical check"))
            .then_rejected(Rejection::NotBoarded);
    }
    given::<Evacuation>(base())
        .when(offload(pid(1), "Medical check"))
        .then_rejected(Rejection::NotFound { what: "evacuee" });
}

#[test]
fn offloading_needs_a_reason() {
    for reason in ["", "  "] {
        given::<Evacuation>(history([aboard(pid(1), trid(1), 1)]))
            .when(offload(pid(1), reason))
            .then_rejected(Rejection::ReasonRequired);
    }
}

#[test]
fn nobody_is_offloaded_after_departure() {
    let gone = history([
        aboard(pid(1), trid(1), 1),
        vec![departed(trid(1), vec![pid(1)], vec![])],
    ]);
    let mut there = gone.clone();
    there.push(arrived(trid(1), vec![pid(1)]));
    for h in [gone, there] {
        given::<Evacuation>(h)
            .when(offload(pid(1), "Medical check"))
            .then_rejected(Rejection::TransportDeparted);
    }
}

// ---------------------------------------------------------------------------------
// Departure

/// Flight 1: `pid(1)` and `pid(3)` aboard, `pid(2)` checked in with seat 2 but not
/// aboard; `pid(4)` checked in without a seat; on flight 2, `pid(5)` holds seat 1
/// without having checked in.
fn boarding_flight_one() -> Vec<E> {
    history([
        aboard(pid(1), trid(1), 1),
        ready(pid(2), trid(1), 2),
        aboard(pid(3), trid(1), 3),
        vec![registered(pid(4)), checked_in(pid(4))],
        vec![registered(pid(5)), assigned(trid(2), vec![seat(pid(5), 1)])],
    ])
}

#[test]
fn departure_lists_who_is_aboard_and_who_was_left_behind() {
    let state = given::<Evacuation>(boarding_flight_one())
        .when(depart(trid(1)))
        .then(vec![departed(trid(1), vec![pid(1), pid(3)], vec![pid(2)])]);
    let t = transport(&state, 1);
    assert_eq!(t.status, TransportStatus::Departed);
    assert_eq!(t.seats, seats(&[(pid(1), 1), (pid(3), 3)]));
    for p in [pid(1), pid(3)] {
        let e = evacuee(&state, p);
        assert_eq!(e.status, EvacueeStatus::Departed);
        assert_eq!(e.transport, Some(trid(1)));
    }
    let left = evacuee(&state, pid(2));
    assert_eq!(left.status, EvacueeStatus::CheckedIn);
    assert!(left.checked_in);
    assert_eq!(left.transport, None, "left behind loses the seat");
    // Others are untouched.
    assert_eq!(evacuee(&state, pid(4)).status, EvacueeStatus::CheckedIn);
    assert_eq!(transport(&state, 2).seats, seats(&[(pid(5), 1)]));
}

#[test]
fn a_left_behind_evacuee_who_never_checked_in_goes_back_to_registered() {
    let state = given::<Evacuation>(boarding_flight_one())
        .when(depart(trid(2)))
        .then(vec![departed(trid(2), vec![], vec![pid(5)])]);
    let e = evacuee(&state, pid(5));
    assert_eq!(e.status, EvacueeStatus::Registered);
    assert_eq!(e.transport, None);
    assert!(transport(&state, 2).seats.is_empty());
}

#[test]
fn a_left_behind_evacuee_can_take_another_transport() {
    let mut h = boarding_flight_one();
    h.push(departed(trid(1), vec![pid(1), pid(3)], vec![pid(2)]));
    // The seat on flight 1 is gone, so this is no move.
    given::<Evacuation>(h.clone())
        .when(assign(pid(2), trid(2)))
        .then(vec![assigned(trid(2), vec![seat(pid(2), 2)])]);
    h.push(assigned(trid(2), vec![seat(pid(2), 2)]));
    given::<Evacuation>(h)
        .when(board(pid(2), trid(2)))
        .then(vec![boarded(pid(2), trid(2))]);
}

#[test]
fn nobody_is_assigned_or_boards_after_departure() {
    let mut h = boarding_flight_one();
    h.push(departed(trid(1), vec![pid(1), pid(3)], vec![pid(2)]));
    for command in [
        assign(pid(4), trid(1)),
        assign(pid(2), trid(1)),
        board(pid(2), trid(1)),
        board(pid(4), trid(1)),
    ] {
        given::<Evacuation>(h.clone())
            .when(command)
            .then_rejected(Rejection::TransportDeparted);
    }
}

#[test]
fn a_transport_departs_once() {
    let mut h = boarding_flight_one();
    h.push(departed(trid(1), vec![pid(1), pid(3)], vec![pid(2)]));
    given::<Evacuation>(h.clone())
        .when(depart(trid(1)))
        .then_rejected(Rejection::TransportDeparted);
    h.push(arrived(trid(1), vec![pid(1), pid(3)]));
    given::<Evacuation>(h)
        .when(depart(trid(1)))
        .then_rejected(Rejection::TransportDeparted);
}

#[test]
fn an_empty_transport_may_depart() {
    given::<Evacuation>(base())
        .when(depart(trid(2)))
        .then(vec![departed(trid(2), vec![], vec![])]);
}

#[test]
fn departure_time_may_be_earlier_never_in_the_future() {
    given::<Evacuation>(history([aboard(pid(1), trid(1), 1)]))
        .when(C::Depart {
            transport_id: trid(1),
            occurred_at: Some(now_plus_secs(-1_800)),
        })
        .then(vec![departed(trid(1), vec![pid(1)], vec![])]);
    given::<Evacuation>(history([aboard(pid(1), trid(1), 1)]))
        .when(C::Depart {
            transport_id: trid(1),
            occurred_at: Some(now_plus_secs(3_600)),
        })
        .then_rejected(Rejection::OccurredInFuture);
}

#[test]
fn depart_refuses_an_unknown_transport() {
    given::<Evacuation>(base())
        .when(depart(trid(9)))
        .then_rejected(Rejection::NotFound { what: "transport" });
}

// ---------------------------------------------------------------------------------
// Arrival

fn flight_one_departed() -> Vec<E> {
    let mut h = boarding_flight_one();
    h.push(departed(trid(1), vec![pid(1), pid(3)], vec![pid(2)]));
    h
}

#[test]
fn arrival_lists_everyone_aboard() {
    let state = given::<Evacuation>(flight_one_departed())
        .when(arrive(trid(1)))
        .then(vec![arrived(trid(1), vec![pid(1), pid(3)])]);
    assert_eq!(transport(&state, 1).status, TransportStatus::Arrived);
    for p in [pid(1), pid(3)] {
        let e = evacuee(&state, p);
        assert_eq!(e.status, EvacueeStatus::Arrived);
        assert_eq!(e.transport, Some(trid(1)));
    }
    assert_eq!(evacuee(&state, pid(2)).status, EvacueeStatus::CheckedIn);
}

#[test]
fn arrival_needs_departure() {
    given::<Evacuation>(boarding_flight_one())
        .when(arrive(trid(1)))
        .then_rejected(Rejection::NotDeparted);
}

#[test]
fn a_transport_arrives_once() {
    let mut h = flight_one_departed();
    h.push(arrived(trid(1), vec![pid(1), pid(3)]));
    given::<Evacuation>(h)
        .when(arrive(trid(1)))
        .then_rejected(Rejection::NoChange);
}

#[test]
fn arrival_time_may_be_earlier_never_in_the_future() {
    given::<Evacuation>(flight_one_departed())
        .when(C::Arrive {
            transport_id: trid(1),
            occurred_at: Some(now_plus_secs(-60)),
        })
        .then(vec![arrived(trid(1), vec![pid(1), pid(3)])]);
    given::<Evacuation>(flight_one_departed())
        .when(C::Arrive {
            transport_id: trid(1),
            occurred_at: Some(now_plus_secs(3_600)),
        })
        .then_rejected(Rejection::OccurredInFuture);
}

#[test]
fn arrive_refuses_an_unknown_transport() {
    given::<Evacuation>(base())
        .when(arrive(trid(9)))
        .then_rejected(Rejection::NotFound { what: "transport" });
}

// ---------------------------------------------------------------------------------
// Closing

#[test]
fn close_an_evacuation() {
    let state = given::<Evacuation>(flight_one_departed())
        .when(close("  All citizens out "))
        .then(vec![evacuation_closed()]);
    assert!(state.closed);
}

#[test]
fn closing_needs_a_reason() {
    for reason in ["", "   "] {
        given::<Evacuation>(base())
            .when(close(reason))
            .then_rejected(Rejection::ReasonRequired);
    }
}

#[test]
fn an_evacuation_closes_once() {
    let mut h = base();
    h.push(evacuation_closed());
    given::<Evacuation>(h)
        .when(close("again"))
        .then_rejected(Rejection::EvacuationClosed);
}

// ---------------------------------------------------------------------------------
// A whole evacuation, command by command

#[test]
fn a_family_is_evacuated_from_assembly_to_arrival() {
    let family = [pid(1), pid(2), pid(3)];
    let steps: Vec<(C, Result<Vec<E>, Rejection>)> = vec![
        (open_evacuation_cmd(), Ok(vec![evacuation_opened()])),
        (
            schedule_transport_cmd(1, 3),
            Ok(vec![transport_scheduled(1, 3)]),
        ),
        (
            schedule_transport_cmd(2, 2),
            Ok(vec![transport_scheduled(2, 2)]),
        ),
        (
            register(pid(1), Some("Diallo")),
            Ok(vec![in_group(pid(1), "Diallo")]),
        ),
        (
            register(pid(2), Some("Diallo")),
            Ok(vec![in_group(pid(2), "Diallo")]),
        ),
        (
            register(pid(3), Some("Diallo")),
            Ok(vec![in_group(pid(3), "Diallo")]),
        ),
        (register(pid(4), None), Ok(vec![registered(pid(4))])),
        // Three of them do not fit on the two-seat flight.
        (
            assign(pid(1), trid(2)),
            Err(Rejection::OverCapacity { needed: 3, free: 2 }),
        ),
        (
            assign(pid(1), trid(1)),
            Ok(vec![assigned(
                trid(1),
                vec![seat(pid(1), 1), seat(pid(2), 2), seat(pid(3), 3)],
            )]),
        ),
        (
            assign(pid(4), trid(2)),
            Ok(vec![assigned(trid(2), vec![seat(pid(4), 1)])]),
        ),
        (check_in(pid(1)), Ok(vec![checked_in(pid(1))])),
        (check_in(pid(2)), Ok(vec![checked_in(pid(2))])),
        (check_in(pid(4)), Ok(vec![checked_in(pid(4))])),
        (board(pid(1), trid(1)), Ok(vec![boarded(pid(1), trid(1))])),
        (board(pid(3), trid(1)), Err(Rejection::NotCheckedIn)),
        (board(pid(2), trid(1)), Ok(vec![boarded(pid(2), trid(1))])),
        (no_show(pid(3)), Ok(vec![no_showed(pid(3), Some(trid(1)))])),
        (
            depart(trid(1)),
            Ok(vec![departed(trid(1), vec![pid(1), pid(2)], vec![])]),
        ),
        // The latecomer checks in and takes the other flight, alone: the rest of the
        // family is gone.
        (check_in(pid(3)), Ok(vec![checked_in(pid(3))])),
        (assign(pid(3), trid(1)), Err(Rejection::TransportDeparted)),
        (
            assign(pid(3), trid(2)),
            Ok(vec![assigned(trid(2), vec![seat(pid(3), 2)])]),
        ),
        (board(pid(3), trid(2)), Ok(vec![boarded(pid(3), trid(2))])),
        (
            depart(trid(2)),
            Ok(vec![departed(trid(2), vec![pid(3)], vec![pid(4)])]),
        ),
        (
            arrive(trid(1)),
            Ok(vec![arrived(trid(1), vec![pid(1), pid(2)])]),
        ),
        (arrive(trid(2)), Ok(vec![arrived(trid(2), vec![pid(3)])])),
        (close("All citizens out"), Ok(vec![evacuation_closed()])),
    ];
    let mut h = Vec::new();
    for (command, expected) in steps {
        let scenario = given::<Evacuation>(h.clone()).when(command);
        match expected {
            Ok(events) => {
                scenario.then(events.clone());
                h.extend(events);
            }
            Err(rejection) => scenario.then_rejected(rejection),
        }
    }
    let state = given::<Evacuation>(h).state().clone();
    for p in family {
        assert_eq!(evacuee(&state, p).status, EvacueeStatus::Arrived);
    }
    let left = evacuee(&state, pid(4));
    assert_eq!(left.status, EvacueeStatus::CheckedIn);
    assert_eq!(left.transport, None);
    assert!(state.closed);
}

// ---------------------------------------------------------------------------------
// Names for the audit trail

#[test]
fn command_names_and_field_times_are_stable() {
    let at = now_plus_secs(-60);
    let named = [
        (open_evacuation_cmd(), "open_evacuation", None),
        (
            C::AddAssemblyPoint { name: "x".into() },
            "add_assembly_point",
            None,
        ),
        (schedule_transport_cmd(1, 3), "schedule_transport", None),
        (register(pid(1), None), "register_evacuee", None),
        (check_in(pid(1)), "check_in_evacuee", None),
        (assign(pid(1), trid(1)), "assign_evacuee", None),
        (board(pid(1), trid(1)), "board_evacuee", None),
        (no_show(pid(1)), "mark_no_show", None),
        (offload(pid(1), "x"), "offload_evacuee", None),
        (
            C::Depart {
                transport_id: trid(1),
                occurred_at: Some(at),
            },
            "depart_transport",
            Some(at),
        ),
        (
            C::Arrive {
                transport_id: trid(1),
                occurred_at: Some(at),
            },
            "arrive_transport",
            Some(at),
        ),
        (close("x"), "close_evacuation", None),
    ];
    for (command, name, field_time) in named {
        assert_eq!(command.name(), name);
        assert_eq!(command.field_time(), field_time, "{name}");
    }
    assert_eq!(depart(trid(1)).field_time(), None);
    assert_eq!(EvacueeStatus::NoShow.as_str(), "no_show");
    assert_eq!(EvacueeStatus::CheckedIn.as_str(), "checked_in");
}
