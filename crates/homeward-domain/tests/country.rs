//! The country risk stream's `decide`: risk levels 1 to 4, each change with a reason
//! and the level it replaces.

#![allow(missing_docs)]

mod support;

use homeward_domain::Rejection;
use homeward_domain::country::{CountryCommand, CountryEvent, CountryRisk, RiskLevelSet};
use homeward_domain::validate::MAX_NOTE;
use support::*;

fn set(level: u8, reason: &str) -> CountryCommand {
    CountryCommand::SetRiskLevel {
        level,
        reason: reason.into(),
    }
}

#[test]
fn set_the_first_risk_level() {
    let state = given::<CountryRisk>(vec![])
        .when(set(3, " armed clashes "))
        .then(vec![risk_set(3, None)]);
    assert_eq!(state.level, Some(3));
    assert_eq!(state.version, 1);
}

#[test]
fn a_new_level_records_the_previous_one() {
    let state = given::<CountryRisk>(vec![risk_set(3, None)])
        .when(set(4, "armed clashes"))
        .then(vec![risk_set(4, Some(3))]);
    assert_eq!(state.level, Some(4));

    given::<CountryRisk>(vec![risk_set(3, None), risk_set(4, Some(3))])
        .when(set(2, "armed clashes"))
        .then(vec![risk_set(2, Some(4))]);
}

#[test]
fn every_level_from_one_to_four_is_accepted() {
    for level in 1..=4 {
        given::<CountryRisk>(vec![])
            .when(set(level, "armed clashes"))
            .then(vec![risk_set(level, None)]);
    }
}

#[test]
fn levels_outside_one_to_four_are_rejected() {
    for level in [0, 5, u8::MAX] {
        given::<CountryRisk>(vec![risk_set(2, None)])
            .when(set(level, "armed clashes"))
            .then_rejected(Rejection::InvalidRiskLevel);
    }
}

#[test]
fn a_reason_is_required() {
    for reason in ["", "   ", "\n\t"] {
        given::<CountryRisk>(vec![])
            .when(set(2, reason))
            .then_rejected(Rejection::ReasonRequired);
    }
    given::<CountryRisk>(vec![])
        .when(set(2, &"x".repeat(MAX_NOTE + 1)))
        .then_rejected(Rejection::TooLong {
            field: "reason",
            max: MAX_NOTE,
        });
}

#[test]
fn reissuing_the_same_level_is_recorded_with_its_new_reason() {
    // An advisory is reissued when its reason changes; the level stays.
    given::<CountryRisk>(vec![risk_set(3, None)])
        .when(set(3, "curfew extended"))
        .then(vec![CountryEvent::RiskLevelSet(RiskLevelSet {
            level: 3,
            previous: Some(3),
            reason: "curfew extended".into(),
        })]);
}
