//! The incident stream's `decide`: every command accepted with its exact event, and
//! every rule that refuses one.

#![allow(missing_docs)]

mod support;

use homeward_domain::incident::{
    AffectedStatus, CaptorContact, Classification, Corrected, Correction, Demand, FileReport,
    Incident, IncidentCommand, IncidentEvent, IncidentFix, IncidentKind, IncidentOpened,
    IncidentStatus, KidnappingOutcome, LeadAssigned, Negotiation, Outcome, PersonAdded,
    PersonStatusChanged, ProofOfLife, ReportCategory, ReportFiled, SeverityChanged, StatusChanged,
    TaskAdded, TaskClosed, TaskStatus, TeamMember, WithReason,
};
use homeward_domain::validate::{MAX_REPORT, MAX_TITLE};
use homeward_domain::{Aggregate, PersonId, Rejection, ReportId, Timestamp};
use support::*;

// ---------------------------------------------------------------------------------
// Command builders

fn file_report(report: ReportId) -> IncidentCommand {
    IncidentCommand::FileReport(FileReport {
        report_id: report,
        text: "Roads to the north are closed.".into(),
        category: ReportCategory::Situation,
        place: None,
        lat: None,
        lon: None,
        occurred_at: None,
    })
}

fn file_report_at(report: ReportId, occurred_at: Timestamp) -> IncidentCommand {
    IncidentCommand::FileReport(FileReport {
        occurred_at: Some(occurred_at),
        ..report_body(report)
    })
}

fn report_body(report: ReportId) -> FileReport {
    match file_report(report) {
        IncidentCommand::FileReport(r) => r,
        _ => unreachable!("file_report builds a FileReport"),
    }
}

fn captor_contact() -> IncidentCommand {
    IncidentCommand::RecordCaptorContact {
        channel: "phone".into(),
        summary: "Caller claims to hold both engineers.".into(),
        occurred_at: None,
    }
}

fn demand() -> IncidentCommand {
    IncidentCommand::RecordDemand {
        summary: "Ransom demanded.".into(),
        amount: Some(2_000_000),
        currency: Some("USD".into()),
        deadline: None,
    }
}

fn proof_of_life(person: Option<PersonId>) -> IncidentCommand {
    IncidentCommand::RecordProofOfLife {
        person_id: person,
        method: "video".into(),
        summary: "Recent newspaper visible.".into(),
        occurred_at: None,
    }
}

fn negotiation() -> IncidentCommand {
    IncidentCommand::RecordNegotiation {
        summary: "Intermediary engaged.".into(),
    }
}

fn outcome(outcome: KidnappingOutcome, persons: Vec<PersonId>) -> IncidentCommand {
    IncidentCommand::RecordOutcome {
        outcome,
        person_ids: persons,
        summary: "Handed over at the border.".into(),
        occurred_at: None,
    }
}

/// The five kidnapping case facts, each valid on a kidnapping holding `pid(1)`.
fn case_facts() -> Vec<IncidentCommand> {
    vec![
        captor_contact(),
        demand(),
        proof_of_life(Some(pid(1))),
        negotiation(),
        outcome(KidnappingOutcome::Released, vec![pid(1)]),
    ]
}

fn correct(version: u64, reason: &str, fix: IncidentFix) -> IncidentCommand {
    IncidentCommand::Correct {
        corrects_version: version,
        reason: reason.into(),
        fix,
    }
}

fn change_status(status: IncidentStatus, reason: Option<&str>) -> IncidentCommand {
    IncidentCommand::ChangeStatus {
        status,
        reason: reason.map(Into::into),
    }
}

fn add_task(task: homeward_domain::TaskId) -> IncidentCommand {
    IncidentCommand::AddTask {
        task_id: task,
        title: "Call the family".into(),
        due_at: None,
        assignee: None,
    }
}

fn status_changed(from: IncidentStatus, to: IncidentStatus) -> IncidentEvent {
    IncidentEvent::StatusChanged(StatusChanged {
        from,
        to,
        reason: None,
    })
}

/// A kidnapping with `pid(1)` held.
fn kidnapping_with_hostage() -> Vec<IncidentEvent> {
    vec![
        opened_kidnapping(),
        person_added(pid(1), AffectedStatus::Held),
    ]
}

/// Every command except `Open`, each valid on some incident.
fn every_command_but_open() -> Vec<IncidentCommand> {
    let mut commands = vec![
        change_status(IncidentStatus::Active, None),
        IncidentCommand::Close {
            reason: "done".into(),
        },
        IncidentCommand::Reopen {
            reason: "new facts".into(),
        },
        IncidentCommand::SetSeverity {
            severity: 5,
            reason: None,
        },
        IncidentCommand::AssignLead {
            subject: "amira".into(),
        },
        IncidentCommand::AddTeamMember {
            subject: "li".into(),
        },
        IncidentCommand::RemoveTeamMember {
            subject: "li".into(),
        },
        IncidentCommand::AddPerson {
            person_id: pid(2),
            status: AffectedStatus::Missing,
            note: None,
            person_known: true,
        },
        IncidentCommand::ChangePersonStatus {
            person_id: pid(1),
            status: AffectedStatus::Safe,
            note: None,
        },
        add_task(tid(2)),
        IncidentCommand::CompleteTask {
            task_id: tid(1),
            note: None,
        },
        IncidentCommand::CancelTask {
            task_id: tid(1),
            reason: "not needed".into(),
        },
        file_report(rid(2)),
        correct(
            1,
            "typo",
            IncidentFix::Status {
                status: IncidentStatus::Active,
            },
        ),
    ];
    commands.extend(case_facts());
    commands
}

// ---------------------------------------------------------------------------------
// Open

#[test]
fn open_a_normal_incident_with_every_detail() {
    let state = given::<Incident>(vec![])
        .when(IncidentCommand::Open(
            homeward_domain::incident::OpenIncident {
                title: "  Earthquake in Al Haouz  ".into(),
                country: "ma".into(),
                severity: 4,
                place: Some(" Amizmiz ".into()),
                lat: Some(31.2),
                lon: Some(-8.2),
                summary: Some("Magnitude 6.8".into()),
                occurred_at: Some(now_plus_secs(-3_600)),
                ..open_cmd(IncidentKind::NaturalDisaster)
            },
        ))
        .then(vec![IncidentEvent::Opened(IncidentOpened {
            kind: IncidentKind::NaturalDisaster,
            title: "Earthquake in Al Haouz".into(),
            country: country("MA"),
            severity: 4,
            classification: Classification::Normal,
            place: Some("Amizmiz".into()),
            lat: Some(31.2),
            lon: Some(-8.2),
            summary: Some("Magnitude 6.8".into()),
        })]);
    assert!(state.exists());
    assert_eq!(state.status, IncidentStatus::Open);
    assert_eq!(state.severity, 4);
    assert_eq!(state.kind, Some(IncidentKind::NaturalDisaster));
    assert_eq!(state.version, 1);
}

#[test]
fn a_normal_incident_may_be_opened_restricted() {
    let state = given::<Incident>(vec![])
        .when(IncidentCommand::Open(
            homeward_domain::incident::OpenIncident {
                classification: Some(Classification::Restricted),
                ..open_cmd(IncidentKind::Detention)
            },
        ))
        .then_accepted();
    let IncidentEvent::Opened(o) = &state[0] else {
        panic!("expected Opened, got {state:?}");
    };
    assert_eq!(o.classification, Classification::Restricted);
}

#[test]
fn a_kidnapping_is_always_restricted() {
    given::<Incident>(vec![])
        .when(IncidentCommand::Open(open_cmd(IncidentKind::Kidnapping)))
        .then(vec![opened_kidnapping()]);
    let state = given::<Incident>(vec![])
        .when(IncidentCommand::Open(
            homeward_domain::incident::OpenIncident {
                classification: Some(Classification::Restricted),
                ..open_cmd(IncidentKind::Kidnapping)
            },
        ))
        .then(vec![opened_kidnapping()]);
    assert_eq!(state.classification, Classification::Restricted);
}

#[test]
fn a_kidnapping_opened_as_normal_is_rejected() {
    given::<Incident>(vec![])
        .when(IncidentCommand::Open(
            homeward_domain::incident::OpenIncident {
                classification: Some(Classification::Normal),
                ..open_cmd(IncidentKind::Kidnapping)
            },
        ))
        .then_rejected(Rejection::KidnappingMustBeRestricted);
}

#[test]
fn an_incident_is_opened_once() {
    given::<Incident>(vec![opened_normal()])
        .when(IncidentCommand::Open(open_cmd(IncidentKind::Accident)))
        .then_rejected(Rejection::AlreadyExists { what: "incident" });
}

#[test]
fn every_other_command_needs_an_opened_incident() {
    for command in every_command_but_open() {
        given::<Incident>(vec![])
            .when(command)
            .then_rejected(Rejection::NotFound { what: "incident" });
    }
}

#[test]
fn severity_must_be_one_to_five() {
    for bad in [0, 6, u8::MAX] {
        given::<Incident>(vec![])
            .when(IncidentCommand::Open(
                homeward_domain::incident::OpenIncident {
                    severity: bad,
                    ..open_cmd(IncidentKind::Accident)
                },
            ))
            .then_rejected(Rejection::InvalidSeverity);
        given::<Incident>(vec![opened_normal()])
            .when(IncidentCommand::SetSeverity {
                severity: bad,
                reason: None,
            })
            .then_rejected(Rejection::InvalidSeverity);
    }
    for good in [1, 5] {
        let events = given::<Incident>(vec![])
            .when(IncidentCommand::Open(
                homeward_domain::incident::OpenIncident {
                    severity: good,
                    ..open_cmd(IncidentKind::Accident)
                },
            ))
            .then_accepted();
        assert!(matches!(&events[0], IncidentEvent::Opened(o) if o.severity == good));
    }
}

#[test]
fn the_country_must_be_an_assigned_iso_code() {
    for bad in ["XX", "MLI", "", "1A", "U.S."] {
        given::<Incident>(vec![])
            .when(IncidentCommand::Open(
                homeward_domain::incident::OpenIncident {
                    country: bad.into(),
                    ..open_cmd(IncidentKind::Accident)
                },
            ))
            .then_rejected(Rejection::UnknownCountry { code: bad.into() });
    }
}

#[test]
fn coordinates_must_be_a_pair_on_the_globe() {
    let bad: [(Option<f64>, Option<f64>); 7] = [
        (Some(12.0), None),
        (None, Some(-8.0)),
        (Some(90.1), Some(0.0)),
        (Some(-90.1), Some(0.0)),
        (Some(0.0), Some(180.5)),
        (Some(f64::NAN), Some(0.0)),
        (Some(0.0), Some(f64::INFINITY)),
    ];
    for (lat, lon) in bad {
        given::<Incident>(vec![])
            .when(IncidentCommand::Open(
                homeward_domain::incident::OpenIncident {
                    lat,
                    lon,
                    ..open_cmd(IncidentKind::Accident)
                },
            ))
            .then_rejected(Rejection::InvalidCoordinates);
        given::<Incident>(vec![opened_normal()])
            .when(IncidentCommand::FileReport(FileReport {
                lat,
                lon,
                ..report_body(rid(1))
            }))
            .then_rejected(Rejection::InvalidCoordinates);
    }
    // The edges of the globe are on it.
    given::<Incident>(vec![opened_normal()])
        .when(IncidentCommand::FileReport(FileReport {
            lat: Some(-90.0),
            lon: Some(180.0),
            ..report_body(rid(1))
        }))
        .then(vec![IncidentEvent::ReportFiled(ReportFiled {
            lat: Some(-90.0),
            lon: Some(180.0),
            ..match report_filed(rid(1)) {
                IncidentEvent::ReportFiled(r) => r,
                _ => unreachable!(),
            }
        })]);
}

#[test]
fn the_title_is_required_and_bounded() {
    for (title, rejection) in [
        ("", Rejection::Empty { field: "title" }),
        ("   ", Rejection::Empty { field: "title" }),
        (
            &"x".repeat(MAX_TITLE + 1)[..],
            Rejection::TooLong {
                field: "title",
                max: MAX_TITLE,
            },
        ),
        (
            "bad\u{7}title",
            Rejection::ControlCharacters { field: "title" },
        ),
    ] {
        given::<Incident>(vec![])
            .when(IncidentCommand::Open(
                homeward_domain::incident::OpenIncident {
                    title: title.into(),
                    ..open_cmd(IncidentKind::Accident)
                },
            ))
            .then_rejected(rejection.clone());
        given::<Incident>(vec![opened_normal()])
            .when(IncidentCommand::AddTask {
                task_id: tid(1),
                title: title.into(),
                due_at: None,
                assignee: None,
            })
            .then_rejected(rejection);
    }
    // Exactly at the limit, counted in characters, not bytes.
    let longest = "é".repeat(MAX_TITLE);
    let events = given::<Incident>(vec![])
        .when(IncidentCommand::Open(
            homeward_domain::incident::OpenIncident {
                title: longest.clone(),
                ..open_cmd(IncidentKind::Accident)
            },
        ))
        .then_accepted();
    assert!(matches!(&events[0], IncidentEvent::Opened(o) if o.title == longest));
}

#[test]
fn a_field_time_may_be_earlier_never_later() {
    let a_day_ago = now_plus_secs(-86_400);
    let within_skew = now_plus_secs(4 * 60);
    let an_hour_ahead = now_plus_secs(3_600);
    let past_skew = now_plus_secs(5 * 60 + 1);

    for at in [a_day_ago, within_skew, now()] {
        given::<Incident>(vec![])
            .when(IncidentCommand::Open(
                homeward_domain::incident::OpenIncident {
                    occurred_at: Some(at),
                    ..open_cmd(IncidentKind::Accident)
                },
            ))
            .then_accepted();
        given::<Incident>(vec![opened_normal()])
            .when(file_report_at(rid(1), at))
            .then(vec![report_filed(rid(1))]);
    }
    for at in [an_hour_ahead, past_skew] {
        given::<Incident>(vec![])
            .when(IncidentCommand::Open(
                homeward_domain::incident::OpenIncident {
                    occurred_at: Some(at),
                    ..open_cmd(IncidentKind::Accident)
                },
            ))
            .then_rejected(Rejection::OccurredInFuture);
        given::<Incident>(vec![opened_normal()])
            .when(file_report_at(rid(1), at))
            .then_rejected(Rejection::OccurredInFuture);
        given::<Incident>(kidnapping_with_hostage())
            .when(IncidentCommand::RecordCaptorContact {
                channel: "phone".into(),
                summary: "call".into(),
                occurred_at: Some(at),
            })
            .then_rejected(Rejection::OccurredInFuture);
        given::<Incident>(kidnapping_with_hostage())
            .when(IncidentCommand::RecordProofOfLife {
                person_id: Some(pid(1)),
                method: "video".into(),
                summary: "seen".into(),
                occurred_at: Some(at),
            })
            .then_rejected(Rejection::OccurredInFuture);
        given::<Incident>(kidnapping_with_hostage())
            .when(IncidentCommand::RecordOutcome {
                outcome: KidnappingOutcome::Released,
                person_ids: vec![pid(1)],
                summary: "freed".into(),
                occurred_at: Some(at),
            })
            .then_rejected(Rejection::OccurredInFuture);
    }
}

#[test]
fn a_field_time_is_relative_to_the_command_s_now() {
    // The same report, an hour "ahead" of NOW, is fine when the command arrives later.
    given::<Incident>(vec![opened_normal()])
        .at(now_plus_secs(2 * 3_600))
        .when(file_report_at(rid(1), now_plus_secs(3_600)))
        .then(vec![report_filed(rid(1))]);
}

// ---------------------------------------------------------------------------------
// Status workflow

#[test]
fn change_status_along_the_workflow() {
    let state = given::<Incident>(vec![opened_normal()])
        .when(change_status(
            IncidentStatus::Active,
            Some(" teams deployed "),
        ))
        .then(vec![IncidentEvent::StatusChanged(StatusChanged {
            from: IncidentStatus::Open,
            to: IncidentStatus::Active,
            reason: Some("teams deployed".into()),
        })]);
    assert_eq!(state.status, IncidentStatus::Active);
}

#[test]
fn the_workflow_allows_exactly_these_moves() {
    use IncidentStatus::*;
    let allowed = [
        (Open, Active),
        (Open, Contained),
        (Open, Resolved),
        (Reopened, Active),
        (Reopened, Contained),
        (Reopened, Resolved),
        (Active, Contained),
        (Active, Resolved),
        (Contained, Active),
        (Contained, Resolved),
        (Resolved, Active),
        (Resolved, Contained),
    ];
    // Reach each non-closed status through events, then try every target but `closed`.
    let histories = [
        (Open, vec![opened_normal()]),
        (Active, vec![opened_normal(), status_changed(Open, Active)]),
        (
            Contained,
            vec![opened_normal(), status_changed(Open, Contained)],
        ),
        (
            Resolved,
            vec![opened_normal(), status_changed(Open, Resolved)],
        ),
        (
            Reopened,
            vec![
                opened_normal(),
                closed(),
                IncidentEvent::Reopened(WithReason { reason: "x".into() }),
            ],
        ),
    ];
    for (from, history) in histories {
        assert_eq!(given::<Incident>(history.clone()).state().status, from);
        for to in [Open, Active, Contained, Resolved, Reopened] {
            let scenario = given::<Incident>(history.clone()).when(change_status(to, None));
            if allowed.contains(&(from, to)) {
                scenario.then(vec![status_changed(from, to)]);
            } else {
                scenario.then_rejected(Rejection::InvalidTransition {
                    from: from.as_str(),
                    to: to.as_str(),
                });
            }
        }
    }
}

#[test]
fn resolved_cannot_go_back_to_open() {
    given::<Incident>(vec![
        opened_normal(),
        status_changed(IncidentStatus::Open, IncidentStatus::Resolved),
    ])
    .when(change_status(IncidentStatus::Open, Some("mistake")))
    .then_rejected(Rejection::InvalidTransition {
        from: "resolved",
        to: "open",
    });
}

#[test]
fn closing_through_change_status_needs_a_reason() {
    for reason in [None, Some(""), Some("   ")] {
        given::<Incident>(vec![opened_normal()])
            .when(change_status(IncidentStatus::Closed, reason))
            .then_rejected(Rejection::ReasonRequired);
    }
    let state = given::<Incident>(vec![opened_normal()])
        .when(change_status(IncidentStatus::Closed, Some("all safe")))
        .then(vec![IncidentEvent::Closed(WithReason {
            reason: "all safe".into(),
        })]);
    assert_eq!(state.status, IncidentStatus::Closed);
}

#[test]
fn a_closed_incident_is_terminal_for_change_status() {
    for to in [
        IncidentStatus::Open,
        IncidentStatus::Active,
        IncidentStatus::Contained,
        IncidentStatus::Resolved,
        IncidentStatus::Closed,
    ] {
        given::<Incident>(closed_incident())
            .when(change_status(to, Some("back to work")))
            .then_rejected(Rejection::TerminalStatus {
                status: "closed",
                hint: "reopen the incident or correct its status with a reason",
            });
    }
    given::<Incident>(closed_incident())
        .when(change_status(IncidentStatus::Reopened, Some("new facts")))
        .then_rejected(Rejection::TerminalStatus {
            status: "closed",
            hint: "reopen the incident with a reason",
        });
}

#[test]
fn close_with_a_reason() {
    let state = given::<Incident>(vec![opened_normal()])
        .when(IncidentCommand::Close {
            reason: " all citizens accounted for ".into(),
        })
        .then(vec![closed()]);
    assert_eq!(state.status, IncidentStatus::Closed);
    assert!(!state.status.is_open());
}

#[test]
fn close_needs_a_reason() {
    given::<Incident>(vec![opened_normal()])
        .when(IncidentCommand::Close { reason: " ".into() })
        .then_rejected(Rejection::ReasonRequired);
}

#[test]
fn reopen_a_closed_incident_with_a_reason() {
    let state = given::<Incident>(closed_incident())
        .when(IncidentCommand::Reopen {
            reason: "second body found".into(),
        })
        .then(vec![IncidentEvent::Reopened(WithReason {
            reason: "second body found".into(),
        })]);
    assert_eq!(state.status, IncidentStatus::Reopened);
}

#[test]
fn reopen_only_when_closed() {
    for (history, from) in [
        (vec![opened_normal()], "open"),
        (
            vec![
                opened_normal(),
                status_changed(IncidentStatus::Open, IncidentStatus::Resolved),
            ],
            "resolved",
        ),
        (
            vec![
                opened_normal(),
                closed(),
                IncidentEvent::Reopened(WithReason { reason: "x".into() }),
            ],
            "reopened",
        ),
    ] {
        given::<Incident>(history)
            .when(IncidentCommand::Reopen {
                reason: "new facts".into(),
            })
            .then_rejected(Rejection::InvalidTransition {
                from,
                to: "reopened",
            });
    }
}

#[test]
fn reopen_needs_a_reason() {
    given::<Incident>(closed_incident())
        .when(IncidentCommand::Reopen { reason: "".into() })
        .then_rejected(Rejection::ReasonRequired);
}

#[test]
fn a_reopened_incident_takes_reports_again() {
    let mut history = closed_incident();
    history.push(IncidentEvent::Reopened(WithReason {
        reason: "new facts".into(),
    }));
    given::<Incident>(history)
        .when(file_report(rid(1)))
        .then(vec![report_filed(rid(1))]);
}

// ---------------------------------------------------------------------------------
// A closed incident takes no work

#[test]
fn no_report_on_a_closed_incident() {
    given::<Incident>(closed_incident())
        .when(file_report(rid(1)))
        .then_rejected(Rejection::IncidentClosed);
}

#[test]
fn no_work_at_all_on_a_closed_incident() {
    // Everything the commands refer to exists, so closure is the only reason to refuse.
    let history = vec![
        opened_normal(),
        IncidentEvent::TeamMemberAdded(TeamMember {
            subject: "li".into(),
        }),
        person_added(pid(1), AffectedStatus::Missing),
        task_added(tid(1)),
        closed(),
    ];
    let work = vec![
        IncidentCommand::Close {
            reason: "again".into(),
        },
        IncidentCommand::SetSeverity {
            severity: 5,
            reason: Some("worse".into()),
        },
        IncidentCommand::AssignLead {
            subject: "amira".into(),
        },
        IncidentCommand::AddTeamMember {
            subject: "omar".into(),
        },
        IncidentCommand::RemoveTeamMember {
            subject: "li".into(),
        },
        IncidentCommand::AddPerson {
            person_id: pid(2),
            status: AffectedStatus::Missing,
            note: None,
            person_known: true,
        },
        IncidentCommand::ChangePersonStatus {
            person_id: pid(1),
            status: AffectedStatus::Safe,
            note: None,
        },
        add_task(tid(2)),
        IncidentCommand::CompleteTask {
            task_id: tid(1),
            note: None,
        },
        IncidentCommand::CancelTask {
            task_id: tid(1),
            reason: "moot".into(),
        },
        file_report(rid(1)),
    ];
    for command in work {
        given::<Incident>(history.clone())
            .when(command)
            .then_rejected(Rejection::IncidentClosed);
    }
}

#[test]
fn no_case_fact_on_a_closed_kidnapping() {
    let mut history = kidnapping_with_hostage();
    history.push(closed());
    for command in case_facts() {
        given::<Incident>(history.clone())
            .when(command)
            .then_rejected(Rejection::IncidentClosed);
    }
}

// ---------------------------------------------------------------------------------
// Severity, lead, team

#[test]
fn set_severity_records_from_and_to() {
    let state = given::<Incident>(vec![opened_normal()])
        .when(IncidentCommand::SetSeverity {
            severity: 5,
            reason: Some("aftershocks".into()),
        })
        .then(vec![IncidentEvent::SeverityChanged(SeverityChanged {
            from: 3,
            to: 5,
            reason: Some("aftershocks".into()),
        })]);
    assert_eq!(state.severity, 5);
}

#[test]
fn set_severity_to_the_same_value_changes_nothing() {
    given::<Incident>(vec![opened_normal()])
        .when(IncidentCommand::SetSeverity {
            severity: 3,
            reason: None,
        })
        .then_rejected(Rejection::NoChange);
}

#[test]
fn assign_lead_records_the_previous_lead() {
    let state = given::<Incident>(vec![opened_normal()])
        .when(IncidentCommand::AssignLead {
            subject: "amira".into(),
        })
        .then(vec![IncidentEvent::LeadAssigned(LeadAssigned {
            subject: "amira".into(),
            previous: None,
        })]);
    assert!(state.is_member("amira"));

    let state = given::<Incident>(vec![
        opened_normal(),
        IncidentEvent::LeadAssigned(LeadAssigned {
            subject: "amira".into(),
            previous: None,
        }),
    ])
    .when(IncidentCommand::AssignLead {
        subject: "omar".into(),
    })
    .then(vec![IncidentEvent::LeadAssigned(LeadAssigned {
        subject: "omar".into(),
        previous: Some("amira".into()),
    })]);
    assert_eq!(state.lead.as_deref(), Some("omar"));
    assert!(!state.is_member("amira"));
}

#[test]
fn assign_the_same_lead_changes_nothing() {
    given::<Incident>(vec![
        opened_normal(),
        IncidentEvent::LeadAssigned(LeadAssigned {
            subject: "amira".into(),
            previous: None,
        }),
    ])
    .when(IncidentCommand::AssignLead {
        subject: " amira ".into(),
    })
    .then_rejected(Rejection::NoChange);
}

#[test]
fn subjects_are_login_names() {
    for (subject, rejection) in [
        ("amira diallo", Rejection::InvalidSubject),
        ("", Rejection::Empty { field: "subject" }),
        (
            &"a".repeat(129)[..],
            Rejection::TooLong {
                field: "subject",
                max: 128,
            },
        ),
    ] {
        given::<Incident>(vec![opened_normal()])
            .when(IncidentCommand::AssignLead {
                subject: subject.into(),
            })
            .then_rejected(rejection.clone());
        given::<Incident>(vec![opened_normal()])
            .when(IncidentCommand::AddTeamMember {
                subject: subject.into(),
            })
            .then_rejected(rejection);
    }
    given::<Incident>(vec![opened_normal()])
        .when(IncidentCommand::AddTask {
            task_id: tid(1),
            title: "Call".into(),
            due_at: None,
            assignee: Some("two words".into()),
        })
        .then_rejected(Rejection::InvalidSubject);
}

#[test]
fn add_and_remove_team_members() {
    let state = given::<Incident>(vec![opened_normal()])
        .when(IncidentCommand::AddTeamMember {
            subject: " li ".into(),
        })
        .then(vec![IncidentEvent::TeamMemberAdded(TeamMember {
            subject: "li".into(),
        })]);
    assert!(state.is_member("li"));

    let history = vec![
        opened_normal(),
        IncidentEvent::TeamMemberAdded(TeamMember {
            subject: "li".into(),
        }),
    ];
    given::<Incident>(history.clone())
        .when(IncidentCommand::AddTeamMember {
            subject: "li".into(),
        })
        .then_rejected(Rejection::AlreadyExists {
            what: "team member",
        });
    let state = given::<Incident>(history)
        .when(IncidentCommand::RemoveTeamMember {
            subject: " li ".into(),
        })
        .then(vec![IncidentEvent::TeamMemberRemoved(TeamMember {
            subject: "li".into(),
        })]);
    assert!(!state.is_member("li"));
}

#[test]
fn remove_an_unknown_team_member_is_rejected() {
    given::<Incident>(vec![opened_normal()])
        .when(IncidentCommand::RemoveTeamMember {
            subject: "li".into(),
        })
        .then_rejected(Rejection::NotFound {
            what: "team member",
        });
}

/// Folds whatever `command` causes into the state of `history` (nothing, if rejected).
fn after(history: &[IncidentEvent], command: IncidentCommand) -> Incident {
    let state = Incident::replay(history.iter());
    match state.decide(&command, &ctx()) {
        Ok(events) => events.iter().fold(state, |s, e| s.evolve(e)),
        Err(_) => state,
    }
}

#[test]
fn the_lead_is_not_repeated_in_the_team() {
    let lead = IncidentEvent::LeadAssigned(LeadAssigned {
        subject: "amira".into(),
        previous: None,
    });
    let member = IncidentEvent::TeamMemberAdded(TeamMember {
        subject: "amira".into(),
    });
    // The lead joins the team.
    let state = after(
        &[opened_normal(), lead],
        IncidentCommand::AddTeamMember {
            subject: "amira".into(),
        },
    );
    assert!(
        !state.team.contains("amira"),
        "the lead was added to the team: {state:?}"
    );
    // A team member becomes the lead.
    let state = after(
        &[opened_normal(), member],
        IncidentCommand::AssignLead {
            subject: "amira".into(),
        },
    );
    assert!(
        !state.team.contains("amira"),
        "the new lead stays in the team: {state:?}"
    );
}

// ---------------------------------------------------------------------------------
// Affected persons

#[test]
fn add_an_affected_person() {
    let state = given::<Incident>(vec![opened_normal()])
        .when(IncidentCommand::AddPerson {
            person_id: pid(1),
            status: AffectedStatus::Missing,
            note: Some(" last seen at the hotel ".into()),
            person_known: true,
        })
        .then(vec![IncidentEvent::PersonAdded(PersonAdded {
            person_id: pid(1),
            status: AffectedStatus::Missing,
            note: Some("last seen at the hotel".into()),
        })]);
    assert_eq!(state.persons.get(&pid(1)), Some(&AffectedStatus::Missing));
}

#[test]
fn add_a_person_unknown_to_the_registry_is_rejected() {
    given::<Incident>(vec![opened_normal()])
        .when(IncidentCommand::AddPerson {
            person_id: pid(1),
            status: AffectedStatus::Missing,
            note: None,
            person_known: false,
        })
        .then_rejected(Rejection::NotFound { what: "person" });
}

#[test]
fn add_the_same_person_twice_is_rejected() {
    given::<Incident>(vec![
        opened_normal(),
        person_added(pid(1), AffectedStatus::Missing),
    ])
    .when(IncidentCommand::AddPerson {
        person_id: pid(1),
        status: AffectedStatus::Safe,
        note: None,
        person_known: true,
    })
    .then_rejected(Rejection::AlreadyExists {
        what: "affected person",
    });
}

#[test]
fn change_a_person_s_status() {
    let state = given::<Incident>(vec![
        opened_normal(),
        person_added(pid(1), AffectedStatus::Missing),
    ])
    .when(IncidentCommand::ChangePersonStatus {
        person_id: pid(1),
        status: AffectedStatus::Hospitalized,
        note: Some("Rabat general hospital".into()),
    })
    .then(vec![IncidentEvent::PersonStatusChanged(
        PersonStatusChanged {
            person_id: pid(1),
            from: AffectedStatus::Missing,
            to: AffectedStatus::Hospitalized,
            note: Some("Rabat general hospital".into()),
        },
    )]);
    assert_eq!(
        state.persons.get(&pid(1)),
        Some(&AffectedStatus::Hospitalized)
    );
}

#[test]
fn a_person_may_become_deceased_through_an_ordinary_change() {
    given::<Incident>(vec![
        opened_normal(),
        person_added(pid(1), AffectedStatus::Hospitalized),
    ])
    .when(IncidentCommand::ChangePersonStatus {
        person_id: pid(1),
        status: AffectedStatus::Deceased,
        note: None,
    })
    .then(vec![IncidentEvent::PersonStatusChanged(
        PersonStatusChanged {
            person_id: pid(1),
            from: AffectedStatus::Hospitalized,
            to: AffectedStatus::Deceased,
            note: None,
        },
    )]);
}

#[test]
fn change_status_of_a_person_not_affected_is_rejected() {
    given::<Incident>(vec![opened_normal()])
        .when(IncidentCommand::ChangePersonStatus {
            person_id: pid(1),
            status: AffectedStatus::Safe,
            note: None,
        })
        .then_rejected(Rejection::PersonNotAffected);
}

#[test]
fn change_a_person_to_the_same_status_changes_nothing() {
    given::<Incident>(vec![
        opened_normal(),
        person_added(pid(1), AffectedStatus::Safe),
    ])
    .when(IncidentCommand::ChangePersonStatus {
        person_id: pid(1),
        status: AffectedStatus::Safe,
        note: None,
    })
    .then_rejected(Rejection::NoChange);
}

#[test]
fn a_deceased_person_s_status_changes_only_through_a_correction() {
    let history = vec![
        opened_normal(),
        person_added(pid(1), AffectedStatus::Deceased),
    ];
    for to in AffectedStatus::ALL {
        given::<Incident>(history.clone())
            .when(IncidentCommand::ChangePersonStatus {
                person_id: pid(1),
                status: to,
                note: None,
            })
            .then_rejected(Rejection::TerminalStatus {
                status: "deceased",
                hint: "correct the person's status with a reason",
            });
    }
    given::<Incident>(history.clone())
        .when(correct(
            2,
            "   ",
            IncidentFix::PersonStatus {
                person_id: pid(1),
                status: AffectedStatus::Safe,
            },
        ))
        .then_rejected(Rejection::ReasonRequired);
    let state = given::<Incident>(history)
        .when(correct(
            2,
            "misidentified body",
            IncidentFix::PersonStatus {
                person_id: pid(1),
                status: AffectedStatus::Safe,
            },
        ))
        .then(vec![IncidentEvent::Corrected(Corrected {
            corrects_version: 2,
            reason: "misidentified body".into(),
            correction: Correction::PersonStatus {
                person_id: pid(1),
                from: AffectedStatus::Deceased,
                to: AffectedStatus::Safe,
            },
        })]);
    assert_eq!(state.persons.get(&pid(1)), Some(&AffectedStatus::Safe));
}

// ---------------------------------------------------------------------------------
// Tasks

#[test]
fn add_a_task() {
    let due = now_plus_secs(3_600);
    let state = given::<Incident>(vec![opened_normal()])
        .when(IncidentCommand::AddTask {
            task_id: tid(1),
            title: " Call the family ".into(),
            due_at: Some(due),
            assignee: Some(" omar ".into()),
        })
        .then(vec![IncidentEvent::TaskAdded(TaskAdded {
            task_id: tid(1),
            title: "Call the family".into(),
            due_at: Some(due),
            assignee: Some("omar".into()),
        })]);
    assert_eq!(state.tasks.get(&tid(1)), Some(&TaskStatus::Open));
}

#[test]
fn a_blank_assignee_is_no_assignee() {
    given::<Incident>(vec![opened_normal()])
        .when(IncidentCommand::AddTask {
            task_id: tid(1),
            title: "Call the family".into(),
            due_at: None,
            assignee: Some("  ".into()),
        })
        .then(vec![task_added(tid(1))]);
}

#[test]
fn add_the_same_task_twice_is_rejected() {
    given::<Incident>(vec![opened_normal(), task_added(tid(1))])
        .when(add_task(tid(1)))
        .then_rejected(Rejection::AlreadyExists { what: "task" });
}

#[test]
fn complete_a_task() {
    let state = given::<Incident>(vec![opened_normal(), task_added(tid(1))])
        .when(IncidentCommand::CompleteTask {
            task_id: tid(1),
            note: Some("family informed".into()),
        })
        .then(vec![IncidentEvent::TaskCompleted(TaskClosed {
            task_id: tid(1),
            note: Some("family informed".into()),
        })]);
    assert_eq!(state.tasks.get(&tid(1)), Some(&TaskStatus::Done));
}

#[test]
fn cancel_a_task_with_a_reason() {
    let state = given::<Incident>(vec![opened_normal(), task_added(tid(1))])
        .when(IncidentCommand::CancelTask {
            task_id: tid(1),
            reason: "family came to the embassy".into(),
        })
        .then(vec![IncidentEvent::TaskCancelled(TaskClosed {
            task_id: tid(1),
            note: Some("family came to the embassy".into()),
        })]);
    assert_eq!(state.tasks.get(&tid(1)), Some(&TaskStatus::Cancelled));
    given::<Incident>(vec![opened_normal(), task_added(tid(1))])
        .when(IncidentCommand::CancelTask {
            task_id: tid(1),
            reason: "".into(),
        })
        .then_rejected(Rejection::ReasonRequired);
}

#[test]
fn an_unknown_task_cannot_be_completed_or_cancelled() {
    given::<Incident>(vec![opened_normal(), task_added(tid(1))])
        .when(IncidentCommand::CompleteTask {
            task_id: tid(9),
            note: None,
        })
        .then_rejected(Rejection::NotFound { what: "task" });
    given::<Incident>(vec![opened_normal(), task_added(tid(1))])
        .when(IncidentCommand::CancelTask {
            task_id: tid(9),
            reason: "x".into(),
        })
        .then_rejected(Rejection::NotFound { what: "task" });
}

#[test]
fn a_closed_task_cannot_be_completed_or_cancelled_again() {
    let done = IncidentEvent::TaskCompleted(TaskClosed {
        task_id: tid(1),
        note: None,
    });
    let cancelled = IncidentEvent::TaskCancelled(TaskClosed {
        task_id: tid(1),
        note: Some("moot".into()),
    });
    for last in [done, cancelled] {
        let history = vec![opened_normal(), task_added(tid(1)), last];
        given::<Incident>(history.clone())
            .when(IncidentCommand::CompleteTask {
                task_id: tid(1),
                note: None,
            })
            .then_rejected(Rejection::TaskAlreadyClosed);
        given::<Incident>(history)
            .when(IncidentCommand::CancelTask {
                task_id: tid(1),
                reason: "moot".into(),
            })
            .then_rejected(Rejection::TaskAlreadyClosed);
    }
}

// ---------------------------------------------------------------------------------
// Reports

#[test]
fn file_a_report() {
    let state = given::<Incident>(vec![opened_normal()])
        .when(IncidentCommand::FileReport(FileReport {
            report_id: rid(1),
            text: " Checkpoint at the bridge. ".into(),
            category: ReportCategory::Security,
            place: Some("Gao".into()),
            lat: Some(16.27),
            lon: Some(-0.04),
            occurred_at: Some(now_plus_secs(-7_200)),
        }))
        .then(vec![IncidentEvent::ReportFiled(ReportFiled {
            report_id: rid(1),
            text: "Checkpoint at the bridge.".into(),
            category: ReportCategory::Security,
            place: Some("Gao".into()),
            lat: Some(16.27),
            lon: Some(-0.04),
        })]);
    assert_eq!(state.reports.get(&rid(1)), Some(&false));
}

#[test]
fn file_the_same_report_twice_is_rejected() {
    given::<Incident>(vec![opened_normal(), report_filed(rid(1))])
        .when(file_report(rid(1)))
        .then_rejected(Rejection::AlreadyExists { what: "report" });
}

#[test]
fn a_report_needs_bounded_text() {
    for (text, rejection) in [
        ("  ".to_owned(), Rejection::Empty { field: "text" }),
        (
            "x".repeat(MAX_REPORT + 1),
            Rejection::TooLong {
                field: "text",
                max: MAX_REPORT,
            },
        ),
    ] {
        given::<Incident>(vec![opened_normal()])
            .when(IncidentCommand::FileReport(FileReport {
                text,
                ..report_body(rid(1))
            }))
            .then_rejected(rejection);
    }
}

// ---------------------------------------------------------------------------------
// Kidnapping case facts

#[test]
fn record_captor_contact() {
    given::<Incident>(vec![opened_kidnapping()])
        .when(captor_contact())
        .then(vec![IncidentEvent::CaptorContactRecorded(CaptorContact {
            channel: "phone".into(),
            summary: "Caller claims to hold both engineers.".into(),
        })]);
}

#[test]
fn record_a_demand() {
    given::<Incident>(vec![opened_kidnapping()])
        .when(demand())
        .then(vec![IncidentEvent::DemandRecorded(Demand {
            summary: "Ransom demanded.".into(),
            amount: Some(2_000_000),
            currency: Some("USD".into()),
            deadline: None,
        })]);
}

#[test]
fn a_demand_s_currency_is_an_iso_4217_code() {
    for (currency, rejection) in [
        ("usd", Rejection::InvalidCurrency),
        ("US", Rejection::InvalidCurrency),
        ("U$D", Rejection::InvalidCurrency),
        ("USDX", Rejection::InvalidCurrency),
    ] {
        given::<Incident>(vec![opened_kidnapping()])
            .when(IncidentCommand::RecordDemand {
                summary: "Ransom".into(),
                amount: None,
                currency: Some(currency.into()),
                deadline: None,
            })
            .then_rejected(rejection);
    }
}

#[test]
fn record_proof_of_life() {
    given::<Incident>(kidnapping_with_hostage())
        .when(proof_of_life(Some(pid(1))))
        .then(vec![IncidentEvent::ProofOfLifeRecorded(ProofOfLife {
            person_id: Some(pid(1)),
            method: "video".into(),
            summary: "Recent newspaper visible.".into(),
        })]);
    given::<Incident>(vec![opened_kidnapping()])
        .when(proof_of_life(None))
        .then(vec![IncidentEvent::ProofOfLifeRecorded(ProofOfLife {
            person_id: None,
            method: "video".into(),
            summary: "Recent newspaper visible.".into(),
        })]);
}

#[test]
fn proof_of_life_names_an_affected_person() {
    given::<Incident>(kidnapping_with_hostage())
        .when(proof_of_life(Some(pid(2))))
        .then_rejected(Rejection::PersonNotAffected);
}

#[test]
fn record_a_negotiation_update() {
    given::<Incident>(vec![opened_kidnapping()])
        .when(negotiation())
        .then(vec![IncidentEvent::NegotiationUpdated(Negotiation {
            summary: "Intermediary engaged.".into(),
        })]);
    given::<Incident>(vec![opened_kidnapping()])
        .when(IncidentCommand::RecordNegotiation {
            summary: " ".into(),
        })
        .then_rejected(Rejection::Empty { field: "summary" });
}

#[test]
fn record_an_outcome_sets_the_hostages_status() {
    let history = vec![
        opened_kidnapping(),
        person_added(pid(1), AffectedStatus::Held),
        person_added(pid(2), AffectedStatus::Held),
    ];
    for (kind, status) in [
        (KidnappingOutcome::Released, AffectedStatus::Released),
        (KidnappingOutcome::Rescued, AffectedStatus::Released),
        (KidnappingOutcome::Escaped, AffectedStatus::Released),
        (KidnappingOutcome::Deceased, AffectedStatus::Deceased),
    ] {
        let state = given::<Incident>(history.clone())
            .when(outcome(kind, vec![pid(2), pid(1)]))
            .then(vec![IncidentEvent::OutcomeRecorded(Outcome {
                outcome: kind,
                person_ids: vec![pid(2), pid(1)],
                summary: "Handed over at the border.".into(),
            })]);
        assert_eq!(state.persons.get(&pid(1)), Some(&status));
        assert_eq!(state.persons.get(&pid(2)), Some(&status));
    }
}

#[test]
fn an_outcome_names_each_affected_person_once() {
    let history = vec![
        opened_kidnapping(),
        person_added(pid(1), AffectedStatus::Held),
        person_added(pid(2), AffectedStatus::Held),
    ];
    given::<Incident>(history.clone())
        .when(outcome(
            KidnappingOutcome::Released,
            vec![pid(1), pid(2), pid(1)],
        ))
        .then_rejected(Rejection::DuplicatePerson);
    given::<Incident>(history.clone())
        .when(outcome(KidnappingOutcome::Released, vec![pid(1), pid(3)]))
        .then_rejected(Rejection::PersonNotAffected);
    given::<Incident>(history)
        .when(outcome(KidnappingOutcome::Released, vec![]))
        .then_rejected(Rejection::Empty {
            field: "person_ids",
        });
}

#[test]
fn an_outcome_does_not_override_a_deceased_hostage() {
    given::<Incident>(vec![
        opened_kidnapping(),
        person_added(pid(1), AffectedStatus::Held),
        person_added(pid(2), AffectedStatus::Deceased),
    ])
    .when(outcome(KidnappingOutcome::Rescued, vec![pid(1), pid(2)]))
    .then_rejected(Rejection::TerminalStatus {
        status: "deceased",
        hint: "correct the person's status with a reason",
    });
}

#[test]
fn case_facts_only_on_kidnappings() {
    for kind in IncidentKind::ALL {
        if kind == IncidentKind::Kidnapping {
            continue;
        }
        let history = vec![opened(kind), person_added(pid(1), AffectedStatus::Held)];
        for command in case_facts() {
            given::<Incident>(history.clone())
                .when(command)
                .then_rejected(Rejection::NotAKidnapping);
        }
    }
    // A restricted incident that is not a kidnapping is still not a kidnapping.
    let restricted_detention = IncidentEvent::Opened(IncidentOpened {
        classification: Classification::Restricted,
        ..match opened(IncidentKind::Detention) {
            IncidentEvent::Opened(o) => o,
            _ => unreachable!(),
        }
    });
    given::<Incident>(vec![restricted_detention])
        .when(negotiation())
        .then_rejected(Rejection::NotAKidnapping);
}

#[test]
fn every_case_fact_is_accepted_on_a_kidnapping() {
    for command in case_facts() {
        let events = given::<Incident>(kidnapping_with_hostage())
            .when(command)
            .then_accepted();
        assert!(events.iter().all(IncidentEvent::is_case_fact));
    }
}

// ---------------------------------------------------------------------------------
// Corrections

#[test]
fn correct_the_status_of_a_closed_incident() {
    let state = given::<Incident>(closed_incident())
        .when(correct(
            2,
            "closed by mistake",
            IncidentFix::Status {
                status: IncidentStatus::Active,
            },
        ))
        .then(vec![IncidentEvent::Corrected(Corrected {
            corrects_version: 2,
            reason: "closed by mistake".into(),
            correction: Correction::Status {
                from: IncidentStatus::Closed,
                to: IncidentStatus::Active,
            },
        })]);
    assert_eq!(state.status, IncidentStatus::Active);
}

#[test]
fn correct_to_the_same_status_changes_nothing() {
    given::<Incident>(vec![opened_normal()])
        .when(correct(
            1,
            "x",
            IncidentFix::Status {
                status: IncidentStatus::Open,
            },
        ))
        .then_rejected(Rejection::NoChange);
}

#[test]
fn correct_a_person_not_affected_is_rejected() {
    given::<Incident>(vec![opened_normal()])
        .when(correct(
            1,
            "x",
            IncidentFix::PersonStatus {
                person_id: pid(1),
                status: AffectedStatus::Safe,
            },
        ))
        .then_rejected(Rejection::PersonNotAffected);
}

#[test]
fn retract_a_report() {
    let state = given::<Incident>(vec![opened_normal(), report_filed(rid(1))])
        .when(correct(
            2,
            "filed on the wrong incident",
            IncidentFix::RetractReport { report_id: rid(1) },
        ))
        .then(vec![IncidentEvent::Corrected(Corrected {
            corrects_version: 2,
            reason: "filed on the wrong incident".into(),
            correction: Correction::ReportRetracted { report_id: rid(1) },
        })]);
    assert_eq!(state.reports.get(&rid(1)), Some(&true));
}

#[test]
fn retract_an_unknown_report_is_rejected() {
    given::<Incident>(vec![opened_normal(), report_filed(rid(1))])
        .when(correct(
            2,
            "wrong incident",
            IncidentFix::RetractReport { report_id: rid(2) },
        ))
        .then_rejected(Rejection::NotFound { what: "report" });
}

#[test]
fn retract_a_report_twice_changes_nothing() {
    given::<Incident>(vec![
        opened_normal(),
        report_filed(rid(1)),
        IncidentEvent::Corrected(Corrected {
            corrects_version: 2,
            reason: "wrong incident".into(),
            correction: Correction::ReportRetracted { report_id: rid(1) },
        }),
    ])
    .when(correct(
        2,
        "wrong incident",
        IncidentFix::RetractReport { report_id: rid(1) },
    ))
    .then_rejected(Rejection::NoChange);
}

#[test]
fn correct_details() {
    let state = given::<Incident>(vec![opened_normal()])
        .when(correct(
            1,
            "wrong town",
            IncidentFix::Details {
                title: Some(" Earthquake near Taroudant ".into()),
                summary: None,
                country: Some("ma".into()),
                place: Some("Taroudant".into()),
                lat: Some(30.47),
                lon: Some(-8.88),
            },
        ))
        .then(vec![IncidentEvent::Corrected(Corrected {
            corrects_version: 1,
            reason: "wrong town".into(),
            correction: Correction::Details {
                title: Some("Earthquake near Taroudant".into()),
                summary: None,
                country: Some(country("MA")),
                place: Some("Taroudant".into()),
                lat: Some(30.47),
                lon: Some(-8.88),
            },
        })]);
    assert_eq!(state.version, 2);
}

#[test]
fn correct_details_are_checked_like_the_originals() {
    let details =
        |country: Option<&str>, lat: Option<f64>, lon: Option<f64>| IncidentFix::Details {
            title: None,
            summary: None,
            country: country.map(Into::into),
            place: None,
            lat,
            lon,
        };
    given::<Incident>(vec![opened_normal()])
        .when(correct(1, "x", details(None, None, None)))
        .then_rejected(Rejection::NoChange);
    given::<Incident>(vec![opened_normal()])
        .when(correct(1, "x", details(Some("XX"), None, None)))
        .then_rejected(Rejection::UnknownCountry { code: "XX".into() });
    given::<Incident>(vec![opened_normal()])
        .when(correct(1, "x", details(None, Some(100.0), Some(0.0))))
        .then_rejected(Rejection::InvalidCoordinates);
}

#[test]
fn a_correction_needs_a_reason() {
    given::<Incident>(closed_incident())
        .when(correct(
            2,
            "",
            IncidentFix::Status {
                status: IncidentStatus::Active,
            },
        ))
        .then_rejected(Rejection::ReasonRequired);
}

#[test]
fn a_correction_names_an_existing_version() {
    let history = vec![opened_normal(), report_filed(rid(1)), report_filed(rid(2))];
    for version in [0, 4, u64::MAX] {
        given::<Incident>(history.clone())
            .when(correct(
                version,
                "wrong incident",
                IncidentFix::RetractReport { report_id: rid(1) },
            ))
            .then_rejected(Rejection::UnknownVersion { version, latest: 3 });
    }
    for version in 1..=3 {
        let events = given::<Incident>(history.clone())
            .when(correct(
                version,
                "wrong incident",
                IncidentFix::RetractReport { report_id: rid(1) },
            ))
            .then_accepted();
        assert!(matches!(&events[0], IncidentEvent::Corrected(c) if c.corrects_version == version));
    }
}

// ---------------------------------------------------------------------------------
// Decide and evolve together

#[test]
fn a_whole_kidnapping_case_replays_to_the_state_it_was_built_in() {
    let commands = vec![
        IncidentCommand::Open(open_cmd(IncidentKind::Kidnapping)),
        IncidentCommand::AssignLead {
            subject: "amira".into(),
        },
        IncidentCommand::AddTeamMember {
            subject: "li".into(),
        },
        IncidentCommand::AddPerson {
            person_id: pid(1),
            status: AffectedStatus::Held,
            note: None,
            person_known: true,
        },
        captor_contact(),
        demand(),
        proof_of_life(Some(pid(1))),
        negotiation(),
        outcome(KidnappingOutcome::Released, vec![pid(1)]),
        change_status(IncidentStatus::Resolved, None),
        IncidentCommand::Close {
            reason: "hostage home".into(),
        },
    ];
    let mut state = Incident::default();
    let mut log = Vec::new();
    for command in &commands {
        let events = state
            .decide(command, &ctx())
            .unwrap_or_else(|r| panic!("{command:?} rejected: {r:?}"));
        for e in events {
            state = state.evolve(&e);
            log.push(e);
        }
    }
    assert_eq!(state.version, commands.len() as u64);
    assert_eq!(Incident::replay(log.iter()), state);
    assert_eq!(state.status, IncidentStatus::Closed);
    assert_eq!(state.classification, Classification::Restricted);
    assert_eq!(state.persons.get(&pid(1)), Some(&AffectedStatus::Released));
    assert!(state.is_member("amira") && state.is_member("li"));
    assert_eq!(
        state.decide(&file_report(rid(1)), &ctx()),
        Err(Rejection::IncidentClosed)
    );
}
