//! Properties of `decide` and `evolve` over random command sequences: replay gives the
//! state the commands built, versions are gapless, rejected commands change nothing,
//! and the rules hold whatever came before.

#![allow(missing_docs)]

mod support;

use std::fmt::Debug;

use homeward_domain::country::{CountryCommand, CountryEvent, CountryRisk};
use homeward_domain::incident::{
    AffectedStatus, Classification, FileReport, Incident, IncidentCommand, IncidentEvent,
    IncidentFix, IncidentKind, IncidentStatus, KidnappingOutcome, OpenIncident, ReportCategory,
};
use homeward_domain::person::{
    Person, PersonCommand, PersonDetails, PersonEvent, Vulnerability, WelfareStatus, Whereabouts,
};
use homeward_domain::{Aggregate, PersonId, Rejection, Timestamp};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use support::*;

// ---------------------------------------------------------------------------------
// The generic run

type Decided<A> = Result<Vec<<A as Aggregate>::Event>, Rejection>;

/// What a run of commands left: the state, the accepted events and the commands
/// that were accepted, in order.
type Outcome<A> = (
    A,
    Vec<<A as Aggregate>::Event>,
    Vec<<A as Aggregate>::Command>,
);

/// Applies `commands` through decide + evolve from the empty state, checking after each
/// command the properties every aggregate promises, and `rule` for the aggregate's own
/// rules.
fn run<A>(
    commands: &[A::Command],
    mut rule: impl FnMut(&A, &A::Command, &Decided<A>) -> Result<(), TestCaseError>,
) -> Result<Outcome<A>, TestCaseError>
where
    A: Aggregate + PartialEq + Debug,
    A::Command: Clone + Debug,
    A::Event: PartialEq + Debug,
{
    let ctx = ctx();
    let mut state = A::default();
    let mut log: Vec<A::Event> = Vec::new();
    let mut accepted_commands = Vec::new();
    for command in commands {
        let before = state.clone();
        let result = state.decide(command, &ctx);
        // (c) decide is pure: it leaves the state as it was, and says the same twice.
        prop_assert_eq!(&state, &before, "decide changed the state: {:?}", command);
        prop_assert_eq!(
            &state.decide(command, &ctx),
            &result,
            "decide is not deterministic"
        );
        rule(&state, command, &result)?;
        match result {
            Ok(events) => {
                prop_assert!(
                    !events.is_empty(),
                    "accepted without an event: {:?}",
                    command
                );
                for event in events {
                    // (b) each accepted event raises the version by exactly one.
                    let version = state.version();
                    state = state.evolve(&event);
                    prop_assert_eq!(state.version(), version + 1);
                    log.push(event);
                }
                accepted_commands.push(command.clone());
            }
            Err(_) => {
                // (c) a rejected command leaves the state unchanged.
                prop_assert_eq!(&state, &before);
            }
        }
        // (b) gapless: the version is the number of events accepted so far.
        prop_assert_eq!(state.version(), log.len() as u64);
    }
    // (a) replay gives the state the commands built, and replay is deterministic.
    let replayed = A::replay(log.iter());
    prop_assert_eq!(&replayed, &state);
    prop_assert_eq!(&A::replay(log.iter()), &replayed);
    Ok((state, log, accepted_commands))
}

/// Rejected commands left no trace: sending only the accepted ones gives the same
/// events and the same state.
fn without_rejected<A>(
    accepted: &[A::Command],
    expected_state: &A,
    expected_log: &[A::Event],
) -> Result<(), TestCaseError>
where
    A: Aggregate + PartialEq + Debug,
    A::Command: Clone + Debug,
    A::Event: PartialEq + Debug,
{
    let (state, log, again) = run::<A>(accepted, |_, _, _| Ok(()))?;
    prop_assert_eq!(
        again.len(),
        accepted.len(),
        "an accepted command was refused"
    );
    prop_assert_eq!(log.as_slice(), expected_log);
    prop_assert_eq!(&state, expected_state);
    Ok(())
}

// ---------------------------------------------------------------------------------
// Shared generators

fn text(choices: &'static [&'static str]) -> impl Strategy<Value = String> {
    select(choices).prop_map(str::to_owned)
}

fn opt_text(choices: &'static [&'static str]) -> impl Strategy<Value = Option<String>> {
    proptest::option::of(text(choices))
}

fn reason() -> impl Strategy<Value = String> {
    prop_oneof![4 => Just("because".to_owned()), 1 => Just("  ".to_owned())]
}

fn field_time() -> impl Strategy<Value = Option<Timestamp>> {
    proptest::option::of(select(&[-86_400_i64, -60, 0, 240, 3_600][..]).prop_map(now_plus_secs))
}

fn coords() -> impl Strategy<Value = (Option<f64>, Option<f64>)> {
    prop_oneof![
        4 => Just((None, None)),
        3 => Just((Some(12.6), Some(-8.0))),
        1 => Just((Some(91.0), Some(0.0))),
        1 => Just((Some(1.0), None)),
    ]
}

fn person_id() -> impl Strategy<Value = PersonId> {
    (0_u128..3).prop_map(pid)
}

// ---------------------------------------------------------------------------------
// Incident commands

fn incident_kind() -> impl Strategy<Value = IncidentKind> {
    prop_oneof![
        3 => Just(IncidentKind::Kidnapping),
        2 => select(IncidentKind::ALL.to_vec()),
    ]
}

fn incident_status() -> impl Strategy<Value = IncidentStatus> {
    use IncidentStatus::*;
    select(vec![Open, Active, Contained, Resolved, Closed, Reopened])
}

fn affected_status() -> impl Strategy<Value = AffectedStatus> {
    select(AffectedStatus::ALL.to_vec())
}

fn open_incident() -> impl Strategy<Value = IncidentCommand> {
    (
        incident_kind(),
        proptest::option::of(select(vec![
            Classification::Normal,
            Classification::Restricted,
        ])),
        prop_oneof![6 => 1_u8..=5, 1 => Just(0_u8), 1 => Just(6_u8)],
        text(&["Flood in Gao", "Flood in Gao", "Flood in Gao", " "]),
        text(&["ML", "ML", "sd", "XX"]),
        coords(),
        field_time(),
    )
        .prop_map(
            |(kind, classification, severity, title, country, (lat, lon), occurred_at)| {
                IncidentCommand::Open(OpenIncident {
                    kind,
                    title,
                    country,
                    severity,
                    classification,
                    place: None,
                    lat,
                    lon,
                    summary: None,
                    occurred_at,
                })
            },
        )
}

fn workflow_command() -> impl Strategy<Value = IncidentCommand> {
    prop_oneof![
        (incident_status(), proptest::option::of(reason()))
            .prop_map(|(status, reason)| IncidentCommand::ChangeStatus { status, reason }),
        reason().prop_map(|reason| IncidentCommand::Close { reason }),
        reason().prop_map(|reason| IncidentCommand::Reopen { reason }),
        (0_u8..=6, opt_text(&["worse", ""]))
            .prop_map(|(severity, reason)| IncidentCommand::SetSeverity { severity, reason }),
        text(&["amira", "li", "two words"])
            .prop_map(|subject| IncidentCommand::AssignLead { subject }),
        text(&["amira", "li", "omar"])
            .prop_map(|subject| IncidentCommand::AddTeamMember { subject }),
        text(&["amira", "li", "omar"])
            .prop_map(|subject| IncidentCommand::RemoveTeamMember { subject }),
    ]
}

fn people_and_tasks_command() -> impl Strategy<Value = IncidentCommand> {
    let task = (0_u128..3).prop_map(tid);
    prop_oneof![
        (person_id(), affected_status(), prop::bool::weighted(0.9)).prop_map(
            |(person_id, status, person_known)| IncidentCommand::AddPerson {
                person_id,
                status,
                note: None,
                person_known,
            }
        ),
        (person_id(), affected_status()).prop_map(|(person_id, status)| {
            IncidentCommand::ChangePersonStatus {
                person_id,
                status,
                note: None,
            }
        }),
        (task.clone(), text(&["Call the family", ""])).prop_map(|(task_id, title)| {
            IncidentCommand::AddTask {
                task_id,
                title,
                due_at: None,
                assignee: None,
            }
        }),
        task.clone()
            .prop_map(|task_id| IncidentCommand::CompleteTask {
                task_id,
                note: None
            }),
        (task, reason())
            .prop_map(|(task_id, reason)| IncidentCommand::CancelTask { task_id, reason }),
        (
            (0_u128..4).prop_map(rid),
            text(&["Roads closed", "Roads closed", ""]),
            coords(),
            field_time()
        )
            .prop_map(|(report_id, text, (lat, lon), occurred_at)| {
                IncidentCommand::FileReport(FileReport {
                    report_id,
                    text,
                    category: ReportCategory::Situation,
                    place: None,
                    lat,
                    lon,
                    occurred_at,
                })
            }),
    ]
}

fn case_fact_command() -> impl Strategy<Value = IncidentCommand> {
    prop_oneof![
        field_time().prop_map(|occurred_at| IncidentCommand::RecordCaptorContact {
            channel: "phone".into(),
            summary: "contact".into(),
            occurred_at,
        }),
        opt_text(&["USD", "usd"]).prop_map(|currency| IncidentCommand::RecordDemand {
            summary: "ransom".into(),
            amount: Some(1_000),
            currency,
            deadline: None,
        }),
        (proptest::option::of(person_id()), field_time()).prop_map(|(person_id, occurred_at)| {
            IncidentCommand::RecordProofOfLife {
                person_id,
                method: "video".into(),
                summary: "seen".into(),
                occurred_at,
            }
        }),
        Just(IncidentCommand::RecordNegotiation {
            summary: "talks".into()
        }),
        (
            select(vec![
                KidnappingOutcome::Released,
                KidnappingOutcome::Rescued,
                KidnappingOutcome::Escaped,
                KidnappingOutcome::Deceased,
            ]),
            proptest::collection::vec(person_id(), 0..3),
            field_time(),
        )
            .prop_map(|(outcome, person_ids, occurred_at)| {
                IncidentCommand::RecordOutcome {
                    outcome,
                    person_ids,
                    summary: "over".into(),
                    occurred_at,
                }
            }),
    ]
}

fn correction_command() -> impl Strategy<Value = IncidentCommand> {
    let fix = prop_oneof![
        incident_status().prop_map(|status| IncidentFix::Status { status }),
        (person_id(), affected_status())
            .prop_map(|(person_id, status)| IncidentFix::PersonStatus { person_id, status }),
        (0_u128..4).prop_map(|n| IncidentFix::RetractReport { report_id: rid(n) }),
        (
            opt_text(&["New title", ""]),
            opt_text(&["MA", "XX"]),
            coords()
        )
            .prop_map(|(title, country, (lat, lon))| IncidentFix::Details {
                title,
                summary: None,
                country,
                place: None,
                lat,
                lon,
            }),
    ];
    (0_u64..25, reason(), fix).prop_map(|(corrects_version, reason, fix)| {
        IncidentCommand::Correct {
            corrects_version,
            reason,
            fix,
        }
    })
}

fn incident_command() -> impl Strategy<Value = IncidentCommand> {
    prop_oneof![
        1 => open_incident(),
        4 => workflow_command(),
        6 => people_and_tasks_command(),
        5 => case_fact_command(),
        2 => correction_command(),
    ]
}

/// Mostly starts with an opening, then anything.
fn incident_commands() -> impl Strategy<Value = Vec<IncidentCommand>> {
    (
        proptest::option::weighted(0.9, open_incident()),
        proptest::collection::vec(incident_command(), 0..60),
    )
        .prop_map(|(open, rest)| open.into_iter().chain(rest).collect())
}

/// The incident's own rules, checked on each decision.
fn incident_rules(
    state: &Incident,
    command: &IncidentCommand,
    result: &Decided<Incident>,
) -> Result<(), TestCaseError> {
    let Ok(events) = result else {
        return Ok(());
    };
    for event in events {
        // (d) a closed incident never gets a report.
        if state.status == IncidentStatus::Closed {
            prop_assert!(
                !matches!(event, IncidentEvent::ReportFiled(_)),
                "report accepted on a closed incident: {:?}",
                command
            );
        }
        // (e) a case fact only on a kidnapping.
        if event.is_case_fact() {
            prop_assert_eq!(state.kind, Some(IncidentKind::Kidnapping));
            prop_assert!(state.status != IncidentStatus::Closed);
        }
        if let IncidentEvent::Opened(o) = event {
            prop_assert!(!state.exists(), "opened twice");
            if o.kind == IncidentKind::Kidnapping {
                prop_assert_eq!(o.classification, Classification::Restricted);
            }
            prop_assert!((1..=5).contains(&o.severity));
        }
        // Terminal affected statuses are left only through a correction.
        if let IncidentEvent::PersonStatusChanged(p) = event {
            prop_assert!(!p.from.is_terminal());
        }
        if let IncidentEvent::OutcomeRecorded(o) = event {
            for p in &o.person_ids {
                prop_assert!(state.persons.get(p).is_some_and(|s| !s.is_terminal()));
            }
        }
        if let IncidentEvent::Corrected(c) = event {
            prop_assert!((1..=state.version).contains(&c.corrects_version));
            prop_assert!(!c.reason.trim().is_empty());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(Config { cases: 512, ..Config::default() })]

    #[test]
    fn incident_commands_keep_every_invariant(commands in incident_commands()) {
        let (state, log, accepted) = run::<Incident>(&commands, incident_rules)?;
        without_rejected::<Incident>(&accepted, &state, &log)?;

        // (d) and (e) over the whole log, independently of the per-step check.
        let mut closed = false;
        let mut kidnapping = false;
        for event in &log {
            match event {
                IncidentEvent::Opened(o) => kidnapping = o.kind == IncidentKind::Kidnapping,
                IncidentEvent::Closed(_) => closed = true,
                IncidentEvent::Reopened(_) => closed = false,
                IncidentEvent::Corrected(c) => {
                    if let homeward_domain::incident::Correction::Status { to, .. } = c.correction {
                        closed = to == IncidentStatus::Closed;
                    }
                }
                IncidentEvent::ReportFiled(_) => prop_assert!(!closed, "report after closing"),
                e if e.is_case_fact() => prop_assert!(kidnapping, "case fact on a non-kidnapping"),
                _ => {}
            }
        }
        prop_assert_eq!(closed, state.status == IncidentStatus::Closed);
    }

    #[test]
    fn a_closed_incident_refuses_every_report(
        commands in incident_commands(),
        report in (0_u128..8).prop_map(rid),
    ) {
        let (state, _, _) = run::<Incident>(&commands, incident_rules)?;
        let command = IncidentCommand::FileReport(FileReport {
            report_id: report,
            text: "late report".into(),
            category: ReportCategory::Other,
            place: None,
            lat: None,
            lon: None,
            occurred_at: None,
        });
        let result = state.decide(&command, &ctx());
        if !state.exists() {
            prop_assert_eq!(result, Err(Rejection::NotFound { what: "incident" }));
        } else if state.status == IncidentStatus::Closed {
            prop_assert_eq!(result, Err(Rejection::IncidentClosed));
        } else if state.reports.contains_key(&report) {
            prop_assert_eq!(result, Err(Rejection::AlreadyExists { what: "report" }));
        } else {
            prop_assert!(result.is_ok());
        }
    }

    #[test]
    fn a_non_kidnapping_refuses_every_case_fact(
        commands in incident_commands(),
        fact in case_fact_command(),
    ) {
        let (state, _, _) = run::<Incident>(&commands, incident_rules)?;
        let result = state.decide(&fact, &ctx());
        if state.exists()
            && state.kind != Some(IncidentKind::Kidnapping)
            && state.status != IncidentStatus::Closed
        {
            prop_assert_eq!(result, Err(Rejection::NotAKidnapping));
        }
    }
}

// ---------------------------------------------------------------------------------
// Person commands

fn person_command() -> impl Strategy<Value = PersonCommand> {
    let vulnerabilities = proptest::collection::vec(
        select(vec![
            Vulnerability::Child,
            Vulnerability::Elderly,
            Vulnerability::Medical,
            Vulnerability::Pregnant,
            Vulnerability::Disability,
        ]),
        0..4,
    );
    let whereabouts = || {
        (
            opt_text(&["SD", "td", "XX"]),
            opt_text(&["Khartoum", ""]),
            coords(),
        )
            .prop_map(|(country, place, (lat, lon))| Whereabouts {
                country,
                place,
                lat,
                lon,
            })
    };
    let register = (
        text(&[
            "1990-05-17",
            "1990-05-17",
            "1990-05-17",
            "1990-05-17",
            "2030-01-01",
            "1850-01-01",
            "17/05/1990",
        ]),
        text(&["FR", "FR", "XX"]),
        opt_text(&["AB12345", "x"]),
        opt_text(&["+33 6 12 34 56 78", "call me"]),
        whereabouts(),
        vulnerabilities.clone(),
        proptest::collection::vec(person_id(), 0..3),
    )
        .prop_map(
            |(dob, nationality, passport, phone, whereabouts, vulnerabilities, dups)| {
                PersonCommand::Register {
                    details: PersonDetails {
                        full_name: "Amina Diallo".into(),
                        date_of_birth: dob,
                        nationality,
                        passport_number: passport,
                        phone,
                    },
                    whereabouts,
                    vulnerabilities,
                    suspected_duplicates: dups,
                }
            },
        );
    let target = prop_oneof![
        1 => Just(None),
        3 => Just(Some(None)),
        1 => person_id().prop_map(|p| Some(Some(p))),
    ];
    prop_oneof![
        2 => register,
        3 => whereabouts().prop_map(PersonCommand::UpdateWhereabouts),
        3 => vulnerabilities.prop_map(PersonCommand::SetVulnerabilities),
        3 => (
            select(vec![WelfareStatus::Safe, WelfareStatus::NeedsHelp, WelfareStatus::NoAnswer]),
            field_time(),
        )
            .prop_map(|(status, occurred_at)| PersonCommand::RecordWelfareCheck {
                status,
                note: None,
                occurred_at,
            }),
        3 => (person_id(), reason(), target).prop_map(|(into, reason, target)| {
            PersonCommand::MergeInto {
                this: pid(0),
                into,
                reason,
                target,
            }
        }),
        2 => reason().prop_map(|reason| PersonCommand::Unmerge { reason }),
        2 => (0_u64..12, reason(), opt_text(&["Aminata Diallo"]), opt_text(&["1990-05-18", "bad"]))
            .prop_map(|(corrects_version, reason, full_name, date_of_birth)| {
                PersonCommand::CorrectDetails {
                    corrects_version,
                    reason,
                    full_name,
                    date_of_birth,
                    nationality: None,
                    passport_number: None,
                    phone: None,
                }
            }),
    ]
}

fn person_rules(
    state: &Person,
    command: &PersonCommand,
    result: &Decided<Person>,
) -> Result<(), TestCaseError> {
    // A merged record refuses everything but unmerge and corrections.
    if let Some(into) = state.merged_into {
        match command {
            PersonCommand::UpdateWhereabouts(_)
            | PersonCommand::SetVulnerabilities(_)
            | PersonCommand::RecordWelfareCheck { .. }
            | PersonCommand::MergeInto { .. } => {
                prop_assert_eq!(result, &Err(Rejection::PersonMerged { into }));
            }
            _ => {}
        }
    }
    if let Ok(events) = result {
        for event in events {
            match event {
                PersonEvent::Registered(r) => {
                    prop_assert!(!state.registered);
                    // Suspected duplicates are kept as they were sent.
                    if let PersonCommand::Register {
                        suspected_duplicates,
                        ..
                    } = command
                    {
                        prop_assert_eq!(&r.suspected_duplicates, suspected_duplicates);
                    }
                }
                PersonEvent::Merged(m) => {
                    prop_assert!(state.merged_into.is_none());
                    prop_assert!(m.into != pid(0), "merged into itself");
                }
                PersonEvent::Unmerged(u) => prop_assert_eq!(Some(u.from), state.merged_into),
                _ => prop_assert!(state.registered),
            }
        }
    }
    Ok(())
}

fn person_commands() -> impl Strategy<Value = Vec<PersonCommand>> {
    proptest::collection::vec(person_command(), 0..50)
}

proptest! {
    #![proptest_config(Config { cases: 512, ..Config::default() })]

    #[test]
    fn person_commands_keep_every_invariant(commands in person_commands()) {
        let (state, log, accepted) = run::<Person>(&commands, person_rules)?;
        without_rejected::<Person>(&accepted, &state, &log)?;
        let registrations = log
            .iter()
            .filter(|e| matches!(e, PersonEvent::Registered(_)))
            .count();
        prop_assert!(registrations <= 1);
        prop_assert_eq!(registrations == 1, state.registered);
    }

    #[test]
    fn country_risk_records_each_previous_level(
        levels in proptest::collection::vec((0_u8..=6, reason()), 0..20),
    ) {
        let commands: Vec<_> = levels
            .into_iter()
            .map(|(level, reason)| CountryCommand::SetRiskLevel { level, reason })
            .collect();
        let (state, log, accepted) = run::<CountryRisk>(&commands, |state, command, result| {
            let CountryCommand::SetRiskLevel { level, .. } = command;
            if !(1..=4).contains(level) {
                prop_assert_eq!(result, &Err(Rejection::InvalidRiskLevel));
            }
            if let Ok(events) = result {
                for CountryEvent::RiskLevelSet(set) in events {
                    prop_assert_eq!(set.previous, state.level);
                    prop_assert_eq!(set.level, *level);
                }
            }
            Ok(())
        })?;
        without_rejected::<CountryRisk>(&accepted, &state, &log)?;
    }
}

// ---------------------------------------------------------------------------------
// The generators reach the interesting cases

/// Without this, the properties above could hold vacuously (say, if no generated
/// sequence ever closed an incident and then tried to file a report).
#[test]
fn the_incident_generator_reaches_the_cases_the_properties_are_about() {
    let mut runner = TestRunner::deterministic();
    let strategy = incident_commands();
    let mut reports_refused_on_closed = 0;
    let mut case_facts_refused_on_non_kidnapping = 0;
    let mut case_facts_accepted = 0;
    let mut reports_accepted = 0;
    let mut reopenings = 0;
    let mut corrections = 0;
    for _ in 0..300 {
        let commands = strategy
            .new_tree(&mut runner)
            .expect("a command sequence")
            .current();
        let mut state = Incident::default();
        for command in &commands {
            let result = state.decide(command, &ctx());
            match (&result, command) {
                (Err(Rejection::IncidentClosed), IncidentCommand::FileReport(_)) => {
                    reports_refused_on_closed += 1;
                }
                (Err(Rejection::NotAKidnapping), _) => case_facts_refused_on_non_kidnapping += 1,
                _ => {}
            }
            for event in result.unwrap_or_default() {
                match &event {
                    IncidentEvent::ReportFiled(_) => reports_accepted += 1,
                    IncidentEvent::Reopened(_) => reopenings += 1,
                    IncidentEvent::Corrected(_) => corrections += 1,
                    e if e.is_case_fact() => case_facts_accepted += 1,
                    _ => {}
                }
                state = state.evolve(&event);
            }
        }
    }
    for (what, count) in [
        (
            "reports refused on a closed incident",
            reports_refused_on_closed,
        ),
        (
            "case facts refused on a non-kidnapping",
            case_facts_refused_on_non_kidnapping,
        ),
        ("case facts accepted", case_facts_accepted),
        ("reports accepted", reports_accepted),
        ("reopenings", reopenings),
        ("corrections", corrections),
    ] {
        assert!(count >= 10, "only {count} {what} in 300 sequences");
    }
}

#[test]
fn the_person_generator_reaches_merges_and_unmerges() {
    let mut runner = TestRunner::deterministic();
    let strategy = person_commands();
    let (mut merges, mut unmerges, mut refused_while_merged) = (0, 0, 0);
    for _ in 0..300 {
        let commands = strategy
            .new_tree(&mut runner)
            .expect("a command sequence")
            .current();
        let mut state = Person::default();
        for command in &commands {
            let result = state.decide(command, &ctx());
            if matches!(result, Err(Rejection::PersonMerged { .. })) && state.merged_into.is_some()
            {
                refused_while_merged += 1;
            }
            for event in result.unwrap_or_default() {
                match event {
                    PersonEvent::Merged(_) => merges += 1,
                    PersonEvent::Unmerged(_) => unmerges += 1,
                    _ => {}
                }
                state = state.evolve(&event);
            }
        }
    }
    assert!(merges >= 10, "only {merges} merges");
    assert!(unmerges >= 10, "only {unmerges} unmerges");
    assert!(
        refused_while_merged >= 10,
        "only {refused_while_merged} refusals"
    );
}
