//! Decisions on the incident stream: accepted with what their author knew, and every
//! rule that refuses one.

#![allow(missing_docs)]

mod support;

use homeward_domain::decision::{DecisionRecorded, MAX_OPTIONS, RecordDecision};
use homeward_domain::incident::{Incident, IncidentCommand, IncidentEvent, IncidentKind};
use homeward_domain::validate::{MAX_NOTE, MAX_TITLE};
use homeward_domain::{DecisionId, Rejection};
use support::*;
use uuid::Uuid;

fn did(n: u128) -> DecisionId {
    DecisionId(Uuid::from_u128(n))
}

fn decide(known_version: u64, known_position: u64) -> RecordDecision {
    RecordDecision {
        decision_id: did(1),
        decision: "  Charter a second bus from the border post.  ".into(),
        rationale: "The first bus broke down; 40 citizens are still waiting.".into(),
        options_considered: vec![
            "Wait for the repair".into(),
            "Ask the partner embassy".into(),
        ],
        known_version,
        known_position,
    }
}

fn when_deciding(cmd: RecordDecision) -> IncidentCommand {
    IncidentCommand::RecordDecision(cmd)
}

#[test]
fn a_decision_names_what_its_author_knew() {
    given::<Incident>(vec![
        opened_normal(),
        report_filed(rid(1)),
        report_filed(rid(2)),
    ])
    .when(when_deciding(decide(2, 17)))
    .then(vec![IncidentEvent::DecisionRecorded(DecisionRecorded {
        decision_id: did(1),
        decision: "Charter a second bus from the border post.".into(),
        rationale: "The first bus broke down; 40 citizens are still waiting.".into(),
        options_considered: vec![
            "Wait for the repair".into(),
            "Ask the partner embassy".into(),
        ],
        known_version: 2,
        known_position: 17,
    })]);
}

#[test]
fn options_are_optional() {
    let events = given::<Incident>(vec![opened(IncidentKind::Kidnapping)])
        .when(when_deciding(RecordDecision {
            options_considered: Vec::new(),
            ..decide(1, 1)
        }))
        .then_accepted();
    assert!(
        matches!(&events[0], IncidentEvent::DecisionRecorded(d) if d.options_considered.is_empty())
    );
}

#[test]
fn a_decision_needs_a_decision_and_a_rationale() {
    given::<Incident>(vec![opened_normal()])
        .when(when_deciding(RecordDecision {
            decision: "   ".into(),
            ..decide(1, 1)
        }))
        .then_rejected(Rejection::Empty { field: "decision" });
    given::<Incident>(vec![opened_normal()])
        .when(when_deciding(RecordDecision {
            rationale: String::new(),
            ..decide(1, 1)
        }))
        .then_rejected(Rejection::Empty { field: "rationale" });
    given::<Incident>(vec![opened_normal()])
        .when(when_deciding(RecordDecision {
            rationale: "x".repeat(MAX_NOTE + 1),
            ..decide(1, 1)
        }))
        .then_rejected(Rejection::TooLong {
            field: "rationale",
            max: MAX_NOTE,
        });
    given::<Incident>(vec![opened_normal()])
        .when(when_deciding(RecordDecision {
            decision: "go\u{7}".into(),
            ..decide(1, 1)
        }))
        .then_rejected(Rejection::ControlCharacters { field: "decision" });
}

#[test]
fn options_are_few_distinct_and_not_empty() {
    given::<Incident>(vec![opened_normal()])
        .when(when_deciding(RecordDecision {
            options_considered: (0..=MAX_OPTIONS).map(|n| format!("option {n}")).collect(),
            ..decide(1, 1)
        }))
        .then_rejected(Rejection::TooMany {
            field: "options_considered",
            max: MAX_OPTIONS,
        });
    given::<Incident>(vec![opened_normal()])
        .when(when_deciding(RecordDecision {
            options_considered: vec!["Wait".into(), " Wait ".into()],
            ..decide(1, 1)
        }))
        .then_rejected(Rejection::AlreadyExists {
            what: "option considered",
        });
    given::<Incident>(vec![opened_normal()])
        .when(when_deciding(RecordDecision {
            options_considered: vec![" ".into()],
            ..decide(1, 1)
        }))
        .then_rejected(Rejection::Empty {
            field: "options_considered",
        });
    given::<Incident>(vec![opened_normal()])
        .when(when_deciding(RecordDecision {
            options_considered: vec!["o".repeat(MAX_TITLE + 1)],
            ..decide(1, 1)
        }))
        .then_rejected(Rejection::TooLong {
            field: "options_considered",
            max: MAX_TITLE,
        });
}

#[test]
fn the_known_version_must_have_been_reached() {
    given::<Incident>(vec![opened_normal(), report_filed(rid(1))])
        .when(when_deciding(decide(3, 9)))
        .then_rejected(Rejection::UnknownVersion {
            version: 3,
            latest: 2,
        });
    given::<Incident>(vec![opened_normal()])
        .when(when_deciding(decide(0, 9)))
        .then_rejected(Rejection::UnknownVersion {
            version: 0,
            latest: 1,
        });
}

#[test]
fn no_decision_on_a_closed_or_missing_incident() {
    given::<Incident>(closed_incident())
        .when(when_deciding(decide(1, 1)))
        .then_rejected(Rejection::IncidentClosed);
    given::<Incident>(vec![])
        .when(when_deciding(decide(1, 1)))
        .then_rejected(Rejection::NotFound { what: "incident" });
}
