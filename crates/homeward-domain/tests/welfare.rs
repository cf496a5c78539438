//! The welfare-check stream's answer links: a check gets one-time links only while it
//! is open; a citizen may answer through a link once, before it expires, while the
//! check is open; the stream keeps only the hash of a link's token.

#![allow(missing_docs)]

mod support;

use homeward_domain::Rejection;
use homeward_domain::person::WelfareStatus;
use homeward_domain::welfare::{
    AnswerLinkIssued, AnswerLinkUsed, CheckCancelled, CheckCompleted, CheckOpened, WelfareCheck,
    WelfareCommand, WelfareEvent,
};
use support::*;
use uuid::Uuid;

const HASH: &str = "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4";
const OTHER_HASH: &str = "1f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4";

fn link_id() -> Uuid {
    Uuid::from_u128(0x11)
}

fn opened() -> WelfareEvent {
    WelfareEvent::Opened(CheckOpened {
        person_id: pid(1),
        country: country("LB"),
        risk_level: 4,
        priority: 2,
        vulnerabilities: vec![],
        due_at: now_plus_secs(86_400),
        cause: Uuid::from_u128(0x1),
    })
}

fn issue(expires_in: i64) -> WelfareCommand {
    WelfareCommand::IssueAnswerLink {
        link_id: link_id(),
        token_hash: HASH.into(),
        expires_at: now_plus_secs(expires_in),
        cause: link_id(),
    }
}

fn issued(expires_in: i64) -> WelfareEvent {
    WelfareEvent::AnswerLinkIssued(AnswerLinkIssued {
        link_id: link_id(),
        token_hash: HASH.into(),
        expires_at: now_plus_secs(expires_in),
        cause: link_id(),
    })
}

fn use_link(status: WelfareStatus) -> WelfareCommand {
    WelfareCommand::UseAnswerLink {
        token_hash: HASH.into(),
        status,
        cause: Uuid::from_u128(0x22),
    }
}

fn used(status: WelfareStatus) -> WelfareEvent {
    WelfareEvent::AnswerLinkUsed(AnswerLinkUsed {
        link_id: link_id(),
        status,
        cause: Uuid::from_u128(0x22),
    })
}

fn completed() -> WelfareEvent {
    WelfareEvent::Completed(CheckCompleted {
        outcome: WelfareStatus::Safe,
        incident_id: None,
        cause: Uuid::from_u128(0x33),
    })
}

#[test]
fn an_open_check_gets_an_answer_link_that_keeps_only_the_hash() {
    let state = given::<WelfareCheck>(vec![opened()])
        .when(issue(3600))
        .then(vec![issued(3600)]);
    let link = state.answer_link(HASH, now()).expect("usable");
    assert_eq!(link.link_id, link_id());
    assert!(!link.used);
}

#[test]
fn issuing_the_same_link_again_does_nothing() {
    given::<WelfareCheck>(vec![opened(), issued(3600)])
        .when(issue(3600))
        .then(vec![]);
}

#[test]
fn a_closed_check_gets_no_answer_link() {
    given::<WelfareCheck>(vec![opened(), completed()])
        .when(issue(3600))
        .then_rejected(Rejection::CheckClosed);
    let cancelled = WelfareEvent::Cancelled(CheckCancelled {
        reason: "risk lowered".into(),
        cause: Uuid::from_u128(0x44),
    });
    given::<WelfareCheck>(vec![opened(), cancelled])
        .when(issue(3600))
        .then_rejected(Rejection::CheckClosed);
}

#[test]
fn a_check_that_does_not_exist_gets_no_answer_link() {
    given::<WelfareCheck>(vec![])
        .when(issue(3600))
        .then_rejected(Rejection::NotFound {
            what: "welfare check",
        });
}

#[test]
fn a_link_must_expire_after_now_and_name_a_sha256() {
    given::<WelfareCheck>(vec![opened()])
        .when(issue(0))
        .then_rejected(Rejection::AnswerLinkExpired);
    given::<WelfareCheck>(vec![opened()])
        .when(WelfareCommand::IssueAnswerLink {
            link_id: link_id(),
            token_hash: "not a hash".into(),
            expires_at: now_plus_secs(60),
            cause: link_id(),
        })
        .then_rejected(Rejection::InvalidTokenHash);
}

#[test]
fn a_citizen_answers_through_the_link_once() {
    let state = given::<WelfareCheck>(vec![opened(), issued(3600)])
        .when(use_link(WelfareStatus::Safe))
        .then(vec![used(WelfareStatus::Safe)]);
    assert_eq!(
        state.answer_link(HASH, now()).err(),
        Some(Rejection::AnswerLinkUsed)
    );
    given::<WelfareCheck>(vec![opened(), issued(3600), used(WelfareStatus::Safe)])
        .when(WelfareCommand::UseAnswerLink {
            token_hash: HASH.into(),
            status: WelfareStatus::NeedsHelp,
            cause: Uuid::from_u128(0x23),
        })
        .then_rejected(Rejection::AnswerLinkUsed);
}

#[test]
fn the_answer_is_recorded_as_used_even_when_it_already_closed_the_check() {
    given::<WelfareCheck>(vec![opened(), issued(3600), completed()])
        .when(use_link(WelfareStatus::NeedsHelp))
        .then(vec![used(WelfareStatus::NeedsHelp)]);
}

#[test]
fn an_unknown_token_and_no_answer_are_refused() {
    given::<WelfareCheck>(vec![opened(), issued(3600)])
        .when(WelfareCommand::UseAnswerLink {
            token_hash: OTHER_HASH.into(),
            status: WelfareStatus::Safe,
            cause: Uuid::from_u128(0x22),
        })
        .then_rejected(Rejection::NotFound {
            what: "answer link",
        });
    given::<WelfareCheck>(vec![opened(), issued(3600)])
        .when(use_link(WelfareStatus::NoAnswer))
        .then_rejected(Rejection::InvalidTransition {
            from: "answer link",
            to: "no_answer",
        });
}

#[test]
fn a_link_is_usable_only_before_it_expires_and_while_the_check_is_open() {
    let open = given::<WelfareCheck>(vec![opened(), issued(3600)]);
    let state = open.state();
    assert!(state.answer_link(HASH, now_plus_secs(3599)).is_ok());
    assert_eq!(
        state.answer_link(HASH, now_plus_secs(3600)).err(),
        Some(Rejection::AnswerLinkExpired)
    );
    assert_eq!(
        state.answer_link(OTHER_HASH, now()).err(),
        Some(Rejection::NotFound {
            what: "answer link"
        })
    );
    let closed = given::<WelfareCheck>(vec![opened(), issued(3600), completed()]);
    assert_eq!(
        closed.state().answer_link(HASH, now()).err(),
        Some(Rejection::CheckClosed)
    );
}
