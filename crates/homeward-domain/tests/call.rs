//! The hotline call stream's `decide`: logging a call and linking it to an incident
//! or a person, with every rule that refuses a command.

#![allow(missing_docs)]

mod support;

use homeward_domain::Rejection;
use homeward_domain::call::{
    Call, CallCategory, CallCommand, CallEvent, CallLinked, CallLogged, LogCall,
};
use homeward_domain::validate::{MAX_NOTE, MAX_TITLE};
use support::*;

fn logged_body() -> CallLogged {
    match call_logged() {
        CallEvent::Logged(l) => l,
        other => unreachable!("call_logged() is a Logged event, got {other:?}"),
    }
}

fn link(
    incident: Option<u128>,
    person: Option<u128>,
    incident_known: bool,
    person_known: bool,
) -> CallCommand {
    CallCommand::Link {
        incident_id: incident.map(iid),
        person_id: person.map(pid),
        incident_known,
        person_known,
    }
}

fn linked(incident: Option<u128>, person: Option<u128>) -> CallEvent {
    CallEvent::Linked(CallLinked {
        incident_id: incident.map(iid),
        person_id: person.map(pid),
    })
}

// ---------------------------------------------------------------------------------
// Log

#[test]
fn log_a_minimal_call_defaults_to_category_other() {
    let state = given::<Call>(vec![])
        .when(log_call_cmd())
        .then(vec![call_logged()]);
    assert!(state.logged);
    assert_eq!(state.incident_id, None);
    assert_eq!(state.person_id, None);
}

#[test]
fn log_a_call_with_every_detail() {
    let state = given::<Call>(vec![])
        .when(CallCommand::Log(LogCall {
            caller_name: " Fatou Diallo ".into(),
            caller_phone: Some("+33 1 23 45 67 89".into()),
            caller_relation: Some(" sister ".into()),
            from_country: Some("fr".into()),
            category: Some(CallCategory::WhereaboutsInquiry),
            summary: " Asks whether her sister is safe. ".into(),
            incident_id: Some(iid(1)),
            person_id: Some(pid(1)),
            incident_known: true,
            person_known: true,
        }))
        .then(vec![CallEvent::Logged(CallLogged {
            caller_phone: Some("+33 1 23 45 67 89".into()),
            caller_relation: Some("sister".into()),
            from_country: Some(country("FR")),
            category: CallCategory::WhereaboutsInquiry,
            incident_id: Some(iid(1)),
            person_id: Some(pid(1)),
            ..logged_body()
        })]);
    assert_eq!(state.incident_id, Some(iid(1)));
    assert_eq!(state.person_id, Some(pid(1)));
}

#[test]
fn a_call_is_logged_once() {
    given::<Call>(vec![call_logged()])
        .when(log_call_cmd())
        .then_rejected(Rejection::AlreadyExists { what: "call" });
}

#[test]
fn log_a_call_about_an_unknown_incident_or_person_is_rejected() {
    given::<Call>(vec![])
        .when(CallCommand::Log(LogCall {
            incident_id: Some(iid(1)),
            incident_known: false,
            ..log_call()
        }))
        .then_rejected(Rejection::NotFound { what: "incident" });
    given::<Call>(vec![])
        .when(CallCommand::Log(LogCall {
            person_id: Some(pid(1)),
            person_known: false,
            ..log_call()
        }))
        .then_rejected(Rejection::NotFound { what: "person" });
}

#[test]
fn log_a_call_checks_its_fields() {
    for (call, rejection) in [
        (
            LogCall {
                caller_name: " ".into(),
                ..log_call()
            },
            Rejection::Empty {
                field: "caller_name",
            },
        ),
        (
            LogCall {
                caller_name: "x".repeat(MAX_TITLE + 1),
                ..log_call()
            },
            Rejection::TooLong {
                field: "caller_name",
                max: MAX_TITLE,
            },
        ),
        (
            LogCall {
                summary: String::new(),
                ..log_call()
            },
            Rejection::Empty { field: "summary" },
        ),
        (
            LogCall {
                summary: "x".repeat(MAX_NOTE + 1),
                ..log_call()
            },
            Rejection::TooLong {
                field: "summary",
                max: MAX_NOTE,
            },
        ),
        (
            LogCall {
                caller_phone: Some("call back later".into()),
                ..log_call()
            },
            Rejection::InvalidPhone,
        ),
        (
            LogCall {
                from_country: Some("EU".into()),
                ..log_call()
            },
            Rejection::UnknownCountry { code: "EU".into() },
        ),
    ] {
        given::<Call>(vec![])
            .when(CallCommand::Log(call))
            .then_rejected(rejection);
    }
}

// ---------------------------------------------------------------------------------
// Link

#[test]
fn link_a_call_to_an_incident_and_a_person() {
    let state = given::<Call>(vec![call_logged()])
        .when(link(Some(1), Some(1), true, true))
        .then(vec![linked(Some(1), Some(1))]);
    assert_eq!(state.incident_id, Some(iid(1)));
    assert_eq!(state.person_id, Some(pid(1)));
}

#[test]
fn link_one_side_keeps_the_other() {
    let history = vec![call_logged(), linked(Some(1), None)];
    let state = given::<Call>(history)
        .when(link(None, Some(2), false, true))
        .then(vec![linked(None, Some(2))]);
    assert_eq!(state.incident_id, Some(iid(1)));
    assert_eq!(state.person_id, Some(pid(2)));
}

#[test]
fn relinking_replaces_the_link() {
    let state = given::<Call>(vec![call_logged(), linked(Some(1), Some(1))])
        .when(link(Some(2), None, true, false))
        .then(vec![linked(Some(2), None)]);
    assert_eq!(state.incident_id, Some(iid(2)));
    assert_eq!(state.person_id, Some(pid(1)));
}

#[test]
fn link_only_records_what_changes() {
    given::<Call>(vec![call_logged(), linked(Some(1), None)])
        .when(link(Some(1), Some(3), true, true))
        .then(vec![linked(None, Some(3))]);
}

#[test]
fn link_to_what_is_already_linked_changes_nothing() {
    given::<Call>(vec![call_logged(), linked(Some(1), Some(1))])
        .when(link(Some(1), Some(1), true, true))
        .then_rejected(Rejection::NoChange);
}

#[test]
fn link_needs_something_to_link() {
    given::<Call>(vec![call_logged()])
        .when(link(None, None, true, true))
        .then_rejected(Rejection::Empty {
            field: "incident_id or person_id",
        });
}

#[test]
fn link_to_an_unknown_incident_or_person_is_rejected() {
    given::<Call>(vec![call_logged()])
        .when(link(Some(1), None, false, true))
        .then_rejected(Rejection::NotFound { what: "incident" });
    given::<Call>(vec![call_logged()])
        .when(link(None, Some(1), true, false))
        .then_rejected(Rejection::NotFound { what: "person" });
    // One unknown side refuses the whole link: never half-applied.
    given::<Call>(vec![call_logged()])
        .when(link(Some(1), Some(1), true, false))
        .then_rejected(Rejection::NotFound { what: "person" });
}

#[test]
fn link_needs_a_logged_call() {
    given::<Call>(vec![])
        .when(link(Some(1), None, true, false))
        .then_rejected(Rejection::NotFound { what: "call" });
}
