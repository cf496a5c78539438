//! Properties of the evacuation stream over random command sequences: a few small
//! transports, a dozen persons, some of them in family groups. After every accepted
//! command no transport is over capacity, nobody holds two seats, everyone aboard or
//! gone holds a seat on their transport, nobody boarded without checking in, replay
//! gives the same state and versions are gapless.

#![allow(missing_docs)]

mod support;

use std::collections::{BTreeMap, BTreeSet};

use homeward_domain::evacuation::{
    Evacuation, EvacuationCommand, EvacuationEvent, EvacueeStatus, Priority, TransportStatus,
};
use homeward_domain::{Aggregate, PersonId, Rejection, Timestamp, TransportId};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use support::*;

type C = EvacuationCommand;
type E = EvacuationEvent;

/// Persons `pid(0)` to `pid(11)`.
const PERSONS: u128 = 12;
/// Transports `trid(0)` to `trid(2)` are scheduled up front; more may come later.
const TRANSPORTS: u128 = 3;

/// Each person's family: three Diallos, two Bas, three Nguyens, four on their own.
fn family(n: u128) -> Option<&'static str> {
    match n {
        0..=2 => Some("Diallo"),
        3..=4 => Some("Ba"),
        5..=7 => Some("Nguyen"),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------
// Generators

fn person() -> impl Strategy<Value = PersonId> {
    prop_oneof![
        30 => (0..PERSONS).prop_map(pid),
        1 => Just(pid(99)),
    ]
}

fn transport() -> impl Strategy<Value = TransportId> {
    prop_oneof![
        20 => (0..TRANSPORTS).prop_map(trid),
        2 => Just(trid(TRANSPORTS)),
        1 => Just(trid(99)),
    ]
}

fn reason() -> impl Strategy<Value = String> {
    prop_oneof![6 => Just("because".to_owned()), 1 => Just("  ".to_owned())]
}

fn field_time() -> impl Strategy<Value = Option<Timestamp>> {
    proptest::option::of(select(&[-3_600_i64, 0, 240, 3_600][..]).prop_map(now_plus_secs))
}

fn open() -> impl Strategy<Value = C> {
    (
        select(vec!["SD", "SD", "SD", "sd", "XX"]),
        select(vec!["Fighting", "Fighting", "Fighting", " "]),
        proptest::collection::vec(select(vec!["Embassy", "Airport", "Embassy", ""]), 0..3),
        prop::bool::weighted(0.9),
    )
        .prop_map(|(country, reason, points, incident_known)| C::Open {
            country: country.into(),
            reason: reason.into(),
            assembly_points: points.into_iter().map(Into::into).collect(),
            incident_id: Some(iid(1)),
            incident_known,
        })
}

fn register(n: u128) -> impl Strategy<Value = C> {
    (
        0_u8..6,
        select(vec![
            Priority::Medical,
            Priority::Child,
            Priority::Elderly,
            Priority::Pregnant,
            Priority::Standard,
        ]),
        prop::bool::weighted(0.95),
    )
        .prop_map(move |(group, priority, person_known)| C::RegisterEvacuee {
            person_id: pid(n),
            priority,
            // Mostly the person's own family; sometimes another one, or none.
            group: match group {
                0..=3 => family(n),
                4 => Some("Diallo"),
                _ => None,
            }
            .map(Into::into),
            person_known,
        })
}

/// One command in the middle of an evacuation.
fn command() -> impl Strategy<Value = C> {
    prop_oneof![
        3 => open(),
        3 => select(vec!["Embassy", "Port", " "])
            .prop_map(|name| C::AddAssemblyPoint { name: name.into() }),
        3 => ((0..TRANSPORTS + 2), 0_u32..=6)
            .prop_map(|(n, capacity)| schedule_transport_cmd(n, capacity)),
        3 => (0..PERSONS + 1).prop_flat_map(register),
        18 => (person(), select(vec![Some("Embassy"), Some("Embassy"), None, Some("Nowhere")]))
            .prop_map(|(person_id, point)| C::CheckIn {
                person_id,
                assembly_point: point.map(Into::into),
            }),
        30 => (person(), transport(), prop::bool::weighted(0.2)).prop_map(
            |(person_id, transport_id, split_group)| C::Assign {
                person_id,
                transport_id,
                split_group,
            }
        ),
        24 => (person(), transport()).prop_map(|(person_id, transport_id)| C::Board {
            person_id,
            transport_id,
        }),
        6 => person().prop_map(|person_id| C::NoShow { person_id }),
        6 => (person(), reason()).prop_map(|(person_id, reason)| C::Offload { person_id, reason }),
        5 => (transport(), field_time()).prop_map(|(transport_id, occurred_at)| C::Depart {
            transport_id,
            occurred_at,
        }),
        5 => (transport(), field_time()).prop_map(|(transport_id, occurred_at)| C::Arrive {
            transport_id,
            occurred_at,
        }),
        1 => reason().prop_map(|reason| C::Close { reason }),
    ]
}

/// A step: one command, or a walk through check-in, seat and boarding for one person
/// (without it, random commands would rarely line all three up before a departure).
fn step() -> impl Strategy<Value = Vec<C>> {
    prop_oneof![
        5 => command().prop_map(|c| vec![c]),
        1 => (
            person(),
            transport(),
            prop::bool::weighted(0.2),
            prop::bool::weighted(0.8),
        )
            .prop_map(|(person_id, transport_id, split_group, check_in_first)| {
                let check_in = C::CheckIn {
                    person_id,
                    assembly_point: None,
                };
                let assign = C::Assign {
                    person_id,
                    transport_id,
                    split_group,
                };
                let board = C::Board {
                    person_id,
                    transport_id,
                };
                if check_in_first {
                    vec![check_in, assign, board]
                } else {
                    vec![assign, board]
                }
            }),
    ]
}

/// The end of an evacuation: transports leave and arrive, someone is taken off.
fn wind_down() -> impl Strategy<Value = Vec<C>> {
    proptest::collection::vec(
        prop_oneof![
            3 => (transport(), field_time()).prop_map(|(transport_id, occurred_at)| C::Depart {
                transport_id,
                occurred_at,
            }),
            3 => (transport(), field_time()).prop_map(|(transport_id, occurred_at)| C::Arrive {
                transport_id,
                occurred_at,
            }),
            1 => (person(), reason()).prop_map(|(person_id, reason)| C::Offload { person_id, reason }),
        ],
        0..12,
    )
}

/// Mostly: open, schedule three small transports, register a dozen persons in some
/// order, then anything, then a wind-down.
fn evacuation_commands() -> impl Strategy<Value = Vec<C>> {
    (
        proptest::option::weighted(0.95, open()),
        proptest::collection::vec(1_u32..=6, TRANSPORTS as usize),
        Just((0..PERSONS).collect::<Vec<_>>()).prop_shuffle(),
        proptest::collection::vec(step(), 0..70).prop_map(|steps| steps.concat()),
        wind_down(),
    )
        .prop_flat_map(|(open, capacities, order, rest, end)| {
            let registrations: Vec<_> = order.into_iter().map(register).collect();
            (
                Just(open),
                Just(capacities),
                registrations,
                Just(rest),
                Just(end),
            )
        })
        .prop_map(|(open, capacities, registrations, rest, end)| {
            open.into_iter()
                .chain(
                    capacities
                        .into_iter()
                        .zip(0..)
                        .map(|(capacity, n)| schedule_transport_cmd(n, capacity)),
                )
                .chain(registrations)
                .chain(rest)
                .chain(end)
                .collect()
        })
}

// ---------------------------------------------------------------------------------
// Invariants of a state

fn is_gone(status: EvacueeStatus) -> bool {
    matches!(status, EvacueeStatus::Departed | EvacueeStatus::Arrived)
}

/// The invariants every state the commands build must keep.
fn check_invariants(state: &Evacuation) -> Result<(), TestCaseError> {
    let mut holders: BTreeMap<PersonId, Vec<TransportId>> = BTreeMap::new();
    for (id, t) in &state.transports {
        // (1) no transport has more seats taken than it has, and seat numbers are real
        // and given once.
        prop_assert!(
            t.seats.len() as u64 <= u64::from(t.capacity),
            "{:?} holds {} on {} seats",
            id,
            t.seats.len(),
            t.capacity
        );
        let numbers: BTreeSet<u32> = t.seats.values().copied().collect();
        prop_assert_eq!(
            numbers.len(),
            t.seats.len(),
            "a seat given twice on {:?}",
            id
        );
        prop_assert!(
            numbers.iter().all(|n| (1..=t.capacity).contains(n)),
            "seat numbers {:?} outside 1..={} on {:?}",
            numbers,
            t.capacity,
            id
        );
        for person in t.seats.keys() {
            holders.entry(*person).or_default().push(*id);
            // A seat belongs to a registered evacuee who knows about it.
            let e = state.evacuees.get(person);
            prop_assert!(e.is_some(), "{:?} holds a seat unregistered", person);
            prop_assert_eq!(
                e.and_then(|e| e.transport),
                Some(*id),
                "{:?} holds a seat on {:?} but thinks otherwise",
                person,
                id
            );
            // Once a transport has left, only those who left on it hold its seats.
            if t.status != TransportStatus::Scheduled {
                prop_assert!(
                    e.is_some_and(|e| is_gone(e.status)),
                    "{:?} holds a seat on {:?}, gone without them",
                    person,
                    id
                );
            }
        }
    }
    // (2) a person holds a seat on at most one transport.
    for (person, transports) in &holders {
        prop_assert!(
            transports.len() <= 1,
            "{:?} holds seats on {:?}",
            person,
            transports
        );
    }
    for (person, e) in &state.evacuees {
        match e.status {
            // (3) everyone aboard or gone travels on a transport that holds their seat.
            EvacueeStatus::Boarded | EvacueeStatus::Departed | EvacueeStatus::Arrived => {
                let t = e.transport.and_then(|t| state.transports.get(&t));
                prop_assert!(
                    t.is_some(),
                    "{:?} is {:?} without a transport",
                    person,
                    e.status
                );
                let t = t.expect("checked");
                prop_assert!(
                    t.seats.contains_key(person),
                    "{:?} is {:?} without a seat",
                    person,
                    e.status
                );
                let expected = match e.status {
                    EvacueeStatus::Boarded => TransportStatus::Scheduled,
                    EvacueeStatus::Departed => TransportStatus::Departed,
                    _ => TransportStatus::Arrived,
                };
                prop_assert_eq!(t.status, expected, "{:?} is {:?}", person, e.status);
            }
            EvacueeStatus::Assigned => {
                let t = e.transport.and_then(|t| state.transports.get(&t));
                prop_assert!(
                    t.is_some_and(
                        |t| t.status == TransportStatus::Scheduled && t.seats.contains_key(person)
                    ),
                    "{:?} is assigned without a seat on a scheduled transport",
                    person
                );
            }
            EvacueeStatus::Registered | EvacueeStatus::CheckedIn | EvacueeStatus::NoShow => {
                prop_assert_eq!(e.transport, None, "{:?} is {:?}", person, e.status);
            }
        }
        // (4) nobody is aboard without having checked in.
        if e.status == EvacueeStatus::Boarded {
            prop_assert!(e.checked_in, "{:?} boarded without check-in", person);
        }
        match e.status {
            EvacueeStatus::CheckedIn => prop_assert!(e.checked_in),
            EvacueeStatus::Registered | EvacueeStatus::NoShow => prop_assert!(!e.checked_in),
            _ => {}
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// Rules of a decision

fn free(state: &Evacuation, t: TransportId) -> Option<u32> {
    state
        .transports
        .get(&t)
        .map(|t| t.capacity - t.seats.len() as u32)
}

/// What one decision may and may not do, checked against the state before it.
fn check_decision(
    state: &Evacuation,
    command: &C,
    result: &Result<Vec<E>, Rejection>,
) -> Result<(), TestCaseError> {
    if state.closed && !matches!(command, C::Open { .. }) {
        prop_assert_eq!(result, &Err(Rejection::EvacuationClosed));
    }
    if let (Err(Rejection::OverCapacity { needed, free: f }), C::Assign { transport_id, .. }) =
        (result, command)
    {
        prop_assert_eq!(Some(*f), free(state, *transport_id));
        prop_assert!(needed > f);
    }
    let Ok(events) = result else {
        return Ok(());
    };
    prop_assert_eq!(events.len(), 1, "one event per command: {:?}", command);
    for event in events {
        match event {
            E::EvacueesAssigned(a) => {
                let t = state.transports.get(&a.transport_id);
                prop_assert!(t.is_some_and(|t| t.status == TransportStatus::Scheduled));
                let t = t.expect("checked");
                prop_assert!(!a.seats.is_empty());
                prop_assert!(a.seats.len() as u32 <= t.capacity - t.seats.len() as u32);
                // The person asked for comes first.
                if let C::Assign { person_id, .. } = command {
                    prop_assert_eq!(a.seats[0].person_id, *person_id);
                }
                for seat in &a.seats {
                    let e = state.evacuees.get(&seat.person_id);
                    prop_assert!(
                        e.is_some_and(|e| !is_gone(e.status) && e.status != EvacueeStatus::Boarded)
                    );
                    prop_assert!(!t.seats.values().any(|n| *n == seat.seat));
                    prop_assert_eq!(seat.moved_from, e.and_then(|e| e.transport));
                    prop_assert!(seat.moved_from != Some(a.transport_id));
                }
            }
            E::EvacueeBoarded(b) => {
                let e = &state.evacuees[&b.person_id];
                prop_assert!(e.checked_in, "boarded without check-in");
                prop_assert_eq!(e.transport, Some(b.transport_id), "boarded without a seat");
                prop_assert_eq!(
                    state.transports[&b.transport_id].status,
                    TransportStatus::Scheduled,
                    "boarded after departure"
                );
            }
            E::EvacueeOffloaded(o) => {
                prop_assert_eq!(state.evacuees[&o.person_id].status, EvacueeStatus::Boarded);
            }
            E::TransportDeparted(d) => {
                let t = &state.transports[&d.transport_id];
                prop_assert_eq!(t.status, TransportStatus::Scheduled);
                let listed: BTreeSet<_> = d.aboard.iter().chain(&d.left_behind).collect();
                let seated: BTreeSet<_> = t.seats.keys().collect();
                prop_assert_eq!(listed, seated);
                for p in &d.aboard {
                    prop_assert_eq!(state.evacuees[p].status, EvacueeStatus::Boarded);
                }
                for p in &d.left_behind {
                    prop_assert!(state.evacuees[p].status != EvacueeStatus::Boarded);
                }
            }
            E::TransportArrived(a) => {
                let t = &state.transports[&a.transport_id];
                prop_assert_eq!(t.status, TransportStatus::Departed);
                let listed: BTreeSet<_> = a.arrived.iter().collect();
                prop_assert_eq!(listed, t.seats.keys().collect::<BTreeSet<_>>());
            }
            _ => {}
        }
    }
    Ok(())
}

/// A family travels together: after an assignment that was not split, every member
/// of the person's group still waiting for a seat holds one on that transport.
fn check_family_together(after: &Evacuation, command: &C) -> Result<(), TestCaseError> {
    let C::Assign {
        person_id,
        transport_id,
        split_group: false,
    } = command
    else {
        return Ok(());
    };
    let Some(group) = after.evacuees.get(person_id).and_then(|e| e.group.as_ref()) else {
        return Ok(());
    };
    for (member, e) in &after.evacuees {
        if e.group.as_ref() == Some(group)
            && matches!(
                e.status,
                EvacueeStatus::Registered | EvacueeStatus::CheckedIn | EvacueeStatus::Assigned
            )
        {
            prop_assert_eq!(
                e.transport,
                Some(*transport_id),
                "{:?} of the {} family was left out",
                member,
                group
            );
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// The run

/// What a run left: the state, the accepted events, the accepted commands.
type Outcome = (Evacuation, Vec<E>, Vec<C>);

/// Applies `commands` from the empty state, checking every decision and, after every
/// accepted command, every invariant.
fn run(commands: &[C]) -> Result<Outcome, TestCaseError> {
    let ctx = ctx();
    let mut state = Evacuation::default();
    let mut log: Vec<E> = Vec::new();
    let mut accepted = Vec::new();
    for command in commands {
        let before = state.clone();
        let result = state.decide(command, &ctx);
        prop_assert_eq!(&state, &before, "decide changed the state: {:?}", command);
        prop_assert_eq!(
            &state.decide(command, &ctx),
            &result,
            "decide is not deterministic"
        );
        check_decision(&state, command, &result)?;
        if let Ok(events) = result {
            for event in events {
                // (6) each event raises the version by exactly one.
                let version = state.version();
                state = state.evolve(&event);
                prop_assert_eq!(state.version(), version + 1);
                log.push(event);
            }
            accepted.push(command.clone());
            check_family_together(&state, command)?;
            check_invariants(&state)
                .map_err(|e| TestCaseError::fail(format!("{e} after {command:?} on {before:?}")))?;
            // (5) replaying the accepted events from empty gives this very state.
            prop_assert_eq!(&Evacuation::replay(log.iter()), &state);
        }
        // (6) gapless: the version is the number of events so far.
        prop_assert_eq!(state.version(), log.len() as u64);
    }
    Ok((state, log, accepted))
}

proptest! {
    #![proptest_config(Config { cases: 512, ..Config::default() })]

    #[test]
    fn evacuation_commands_keep_every_invariant(commands in evacuation_commands()) {
        let (state, log, accepted) = run(&commands)?;
        // Rejected commands left no trace: the accepted ones alone give the same.
        let (again, again_log, again_accepted) = run(&accepted)?;
        prop_assert_eq!(again_accepted.len(), accepted.len(), "an accepted command was refused");
        prop_assert_eq!(again_log, log);
        prop_assert_eq!(again, state);
    }

    #[test]
    fn a_departed_transport_takes_nobody_more(commands in evacuation_commands()) {
        let (state, _, _) = run(&commands)?;
        prop_assume!(state.opened && !state.closed);
        for (t, transport) in &state.transports {
            if transport.status == TransportStatus::Scheduled {
                continue;
            }
            for (p, e) in &state.evacuees {
                if is_gone(e.status) {
                    continue;
                }
                for split_group in [false, true] {
                    let assign = C::Assign { person_id: *p, transport_id: *t, split_group };
                    prop_assert_eq!(
                        state.decide(&assign, &ctx()),
                        Err(Rejection::TransportDeparted)
                    );
                }
                let board = C::Board { person_id: *p, transport_id: *t };
                prop_assert_eq!(state.decide(&board, &ctx()), Err(Rejection::TransportDeparted));
            }
        }
    }

    #[test]
    fn boarding_needs_check_in_and_a_seat(commands in evacuation_commands()) {
        let (state, _, _) = run(&commands)?;
        prop_assume!(state.opened && !state.closed);
        for (t, transport) in &state.transports {
            if transport.status != TransportStatus::Scheduled {
                continue;
            }
            for (p, e) in &state.evacuees {
                if is_gone(e.status) || e.status == EvacueeStatus::Boarded {
                    continue;
                }
                let result = state.decide(&C::Board { person_id: *p, transport_id: *t }, &ctx());
                if !e.checked_in {
                    prop_assert_eq!(result, Err(Rejection::NotCheckedIn));
                } else if e.transport != Some(*t) {
                    prop_assert_eq!(result, Err(Rejection::NotAssigned));
                } else {
                    prop_assert!(result.is_ok());
                }
            }
        }
    }

    #[test]
    fn a_full_transport_takes_nobody_more(commands in evacuation_commands()) {
        let (state, _, _) = run(&commands)?;
        prop_assume!(state.opened && !state.closed);
        for (t, transport) in &state.transports {
            if transport.status != TransportStatus::Scheduled
                || transport.seats.len() as u32 != transport.capacity
            {
                continue;
            }
            for (p, e) in &state.evacuees {
                if is_gone(e.status)
                    || e.status == EvacueeStatus::Boarded
                    || e.transport == Some(*t)
                {
                    continue;
                }
                for split_group in [false, true] {
                    let result = state.decide(
                        &C::Assign { person_id: *p, transport_id: *t, split_group },
                        &ctx(),
                    );
                    prop_assert!(
                        matches!(result, Err(Rejection::OverCapacity { needed, free: 0 }) if needed >= 1),
                        "{:?}",
                        result
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// The generator reaches the interesting cases

/// Without this, the properties above could hold vacuously (say, if no generated
/// sequence ever filled a transport or boarded anyone before it left).
#[test]
fn the_evacuation_generator_reaches_the_cases_the_properties_are_about() {
    let mut runner = TestRunner::deterministic();
    let strategy = evacuation_commands();
    let mut counts: BTreeMap<&'static str, u32> = BTreeMap::new();
    let mut count = |what: &'static str| *counts.entry(what).or_default() += 1;
    for _ in 0..300 {
        let commands = strategy
            .new_tree(&mut runner)
            .expect("a command sequence")
            .current();
        let mut state = Evacuation::default();
        for command in &commands {
            let result = state.decide(command, &ctx());
            match (&result, command) {
                (Err(Rejection::OverCapacity { needed, .. }), _) => {
                    count("over-capacity refusals");
                    if *needed > 1 {
                        count("family groups refused whole");
                    }
                }
                (Err(Rejection::TransportDeparted), C::Assign { .. } | C::Board { .. }) => {
                    count("assign or board refused after departure");
                }
                (Err(Rejection::NotCheckedIn), _) => count("boardings refused without check-in"),
                (Err(Rejection::AlreadyOnTransport), C::Assign { .. }) => {
                    count("boarded evacuees refused another seat");
                }
                (
                    Ok(_),
                    C::Assign {
                        split_group: true,
                        person_id,
                        ..
                    },
                ) if state.evacuees[person_id].group.is_some() => {
                    count("split family assignments");
                }
                _ => {}
            }
            for event in result.unwrap_or_default() {
                match &event {
                    E::EvacueesAssigned(a) => {
                        count("assignments");
                        if a.seats.len() > 1 {
                            count("family groups assigned together");
                        }
                        if a.seats.iter().any(|s| s.moved_from.is_some()) {
                            count("moves between transports");
                        }
                    }
                    E::EvacueeBoarded(_) => count("boardings"),
                    E::EvacueeNoShow(n) if n.released_from.is_some() => {
                        count("no-shows releasing a seat");
                    }
                    E::EvacueeOffloaded(_) => count("offloads"),
                    E::TransportDeparted(d) => {
                        if !d.aboard.is_empty() {
                            count("departures with evacuees aboard");
                        }
                        if !d.left_behind.is_empty() {
                            count("departures leaving someone behind");
                        }
                    }
                    E::TransportArrived(a) if !a.arrived.is_empty() => {
                        count("arrivals with evacuees");
                    }
                    E::Closed(_) => count("closings"),
                    _ => {}
                }
                state = state.evolve(&event);
            }
        }
    }
    for what in [
        "over-capacity refusals",
        "family groups refused whole",
        "assign or board refused after departure",
        "boardings refused without check-in",
        "boarded evacuees refused another seat",
        "split family assignments",
        "assignments",
        "family groups assigned together",
        "moves between transports",
        "boardings",
        "no-shows releasing a seat",
        "offloads",
        "departures with evacuees aboard",
        "departures leaving someone behind",
        "arrivals with evacuees",
        "closings",
    ] {
        let n = counts.get(what).copied().unwrap_or(0);
        assert!(n >= 10, "only {n} {what} in 300 sequences: {counts:?}");
    }
}
